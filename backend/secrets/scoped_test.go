package secrets_test

import (
	"context"
	"errors"
	"testing"

	"github.com/zalando/go-keyring"

	"vmr-companion/backend/secrets"
)

// Two stores' views of one keychain keep the same account apart.
func TestScopedViewsKeepStoresApart(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	k := secrets.NewUncheckedKeychain(0)
	mine, demo := secrets.Scope(k, "one"), secrets.Scope(k, "two")
	if err := mine.Set(ctx, "infinity/secret", secrets.New("mine")); err != nil {
		t.Fatal(err)
	}
	if err := demo.Set(ctx, "infinity/secret", secrets.New("demo")); err != nil {
		t.Fatal(err)
	}
	if got, err := mine.Get(ctx, "infinity/secret"); err != nil || got.Reveal() != "mine" {
		t.Fatalf("mine: %q %v", got.Reveal(), err)
	}
	if err := demo.Delete(ctx, "infinity/secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Get(ctx, "infinity/secret"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
	if got, err := mine.Get(ctx, "infinity/secret"); err != nil || got.Reveal() != "mine" {
		t.Fatalf("mine after the other's delete: %q %v", got.Reveal(), err)
	}
	if _, err := k.Get(ctx, "infinity/secret"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("the unscoped account was written: %v", err)
	}
	if err := mine.Set(ctx, "", secrets.New("x")); err == nil {
		t.Fatal("an empty account was accepted")
	}
}
