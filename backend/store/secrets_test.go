package store

import (
	"context"
	"errors"
	"testing"

	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store/storetest"
)

func TestEncryptedSecrets(t *testing.T) {
	ctx := context.Background()
	const value = "correct horse battery staple"
	key, err := secrets.NewKey()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("values sealed in the database read back, and the file never holds them in plaintext", func(t *testing.T) {
		st := openTemp(t)
		k := secrets.NewEncrypted(st.Secrets(), key, nil, 0)
		for _, a := range []string{"u1/password", "store/x/infinity/secret"} {
			if err := k.Set(ctx, a, secrets.New(value)); err != nil {
				t.Fatal(err)
			}
		}
		if err := k.Set(ctx, "u1/password", secrets.New(value+"2")); err != nil {
			t.Fatal(err)
		}
		got, err := k.Get(ctx, "u1/password")
		if err != nil || got.Reveal() != value+"2" {
			t.Fatalf("got %q, %v", got.Reveal(), err)
		}
		all, _ := st.Secrets().ListSealed(ctx)
		if len(all) != 2 || all[0].Account != "store/x/infinity/secret" {
			t.Fatalf("list %+v", all)
		}
		if files := storetest.FilesHolding(t, st.Path(), value); len(files) != 0 {
			t.Fatalf("%v hold the plaintext", files)
		}
		if err := k.Delete(ctx, "u1/password"); err != nil {
			t.Fatal(err)
		}
		if err := st.Secrets().DeleteSealed(ctx, "u1/password"); !errors.Is(err, secrets.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
		if _, err := st.Secrets().GetSealed(ctx, "u1/password"); !errors.Is(err, secrets.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("a reseal that fails half way changes nothing", func(t *testing.T) {
		st := openTemp(t)
		k := secrets.NewEncrypted(st.Secrets(), key, nil, 0)
		for _, a := range []string{"a/password", "b/password"} {
			if err := k.Set(ctx, a, secrets.New(value)); err != nil {
				t.Fatal(err)
			}
		}
		before, _ := st.Secrets().ListSealed(ctx)
		boom := errors.New("boom")
		n := 0
		_, err := st.Secrets().Reseal(ctx, func(s secrets.Sealed) (secrets.Sealed, error) {
			if n++; n == 2 {
				return secrets.Sealed{}, boom
			}
			return secrets.Sealed{Account: s.Account, KeyID: "ffffffffffffffff", Nonce: []byte{1}, Ciphertext: []byte{2}}, nil
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		after, _ := st.Secrets().ListSealed(ctx)
		for i := range before {
			if after[i].KeyID != before[i].KeyID || string(after[i].Ciphertext) != string(before[i].Ciphertext) {
				t.Fatalf("row %s changed", before[i].Account)
			}
		}
	})

	t.Run("the table refuses a malformed key id", func(t *testing.T) {
		st := openTemp(t)
		if err := st.Secrets().PutSealed(ctx, secrets.Sealed{Account: "a/b", KeyID: "short", Nonce: []byte{1}, Ciphertext: []byte{1}}); err == nil {
			t.Fatal("a malformed row was stored")
		}
	})
}
