package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/app/wire"
	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
	"vmr-companion/backend/store/storetest"
)

// readSealedSecret opens dir as a command would with the encrypted backend and
// keyFile, and reads account.
func readSealedSecret(t *testing.T, dir, keyFile, account string) (secrets.Secret, error) {
	t.Helper()
	ctx := wire.WithSecrets(context.Background(), wire.Secrets{Backend: "encrypted", KeyFile: keyFile})
	svc, err := wire.Open(ctx, dir, wiretest.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	return svc.Keychain.Get(context.Background(), account)
}

func contosoUUID(t *testing.T, dir string, global ...string) string {
	t.Helper()
	code, out, errOut := run(t, dir, "", append(global, "integrations", "show", "contoso", "--json")...)
	var it integration.Integration
	if code != 0 || json.Unmarshal([]byte(out), &it) != nil {
		t.Fatalf("show: %d %s", code, errOut)
	}
	return it.UUID
}

func TestSecretsEncryptedBackend(t *testing.T) {
	t.Setenv(wire.EnvSecrets, "")
	t.Setenv(wire.EnvSecretsKeyFile, "")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	// Any keychain call fails: the encrypted backend must need none.
	secretstest.MockInitWithError(errors.New("the keychain must not be used"))
	dir, keys := t.TempDir(), t.TempDir()
	keyFile, newKeyFile := filepath.Join(keys, "server.key"), filepath.Join(keys, "next.key")
	enc := func(k string) []string { return []string{"--secrets", "encrypted", "--secrets-key-file", k} }
	const password = "correct horse battery staple"

	t.Run("init creates a 0600 key file and refuses to overwrite it", func(t *testing.T) {
		code, out, errOut := run(t, dir, "", "secrets", "init", "--key-file", keyFile)
		if code != 0 || !strings.Contains(out, "key id") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
		if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v %v", fi, err)
		}
		before, _ := os.ReadFile(keyFile)
		if code, _, errOut := run(t, dir, "", "secrets", "init", "--key-file", keyFile); code != 1 || !strings.Contains(errOut, "not overwritten") {
			t.Fatalf("code %d: %s", code, errOut)
		}
		if after, _ := os.ReadFile(keyFile); string(after) != string(before) {
			t.Fatal("the key file was overwritten")
		}
	})

	var uuid string
	t.Run("an integration's password is stored encrypted, never in plaintext", func(t *testing.T) {
		code, _, errOut := run(t, dir, password+"\n", append(enc(keyFile), contoso...)...)
		if code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		uuid = contosoUUID(t, dir, enc(keyFile)...)
		got, err := readSealedSecret(t, dir, keyFile, secrets.Account(uuid, "password"))
		if err != nil || got.Reveal() != password {
			t.Fatalf("got %q, %v", got.Reveal(), err)
		}
		if files := storetest.FilesHolding(t, filepath.Join(dir, store.FileName), password); len(files) != 0 {
			t.Fatalf("%v hold the password", files)
		}
	})

	t.Run("status names the backend and the key, and checks every value", func(t *testing.T) {
		code, out, errOut := run(t, dir, "", append(enc(keyFile), "secrets", "status", "--json")...)
		var st struct {
			Backend   string `json:"backend"`
			KeySource string `json:"key_source"`
			KeyID     string `json:"key_id"`
			Values    int    `json:"values"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
		if st.Backend != "encrypted" || st.Values != 1 || len(st.KeyID) != 16 {
			t.Fatalf("status %+v (%s)", st, out)
		}
		code, out, _ = run(t, dir, "", append(enc(keyFile), "secrets", "status")...)
		if code != 0 || !strings.Contains(out, "opens every stored value") || !strings.Contains(out, keyFile) {
			t.Fatalf("code %d: %s", code, out)
		}
	})

	t.Run("a wrong key: status exits 1 naming the accounts, and nothing is overwritten", func(t *testing.T) {
		wrong := filepath.Join(keys, "wrong.key")
		run(t, dir, "", "secrets", "init", "--key-file", wrong)
		code, out, errOut := run(t, dir, "", append(enc(wrong), "secrets", "status")...)
		acct := secrets.Account(uuid, "password")
		if code != 1 || !strings.Contains(out, acct) || !strings.Contains(errOut, "wrong key") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
		code, _, errOut = run(t, dir, "other\n", append(enc(wrong), "integrations", "update", "contoso", "--secret", "password")...)
		if code == 0 || !strings.Contains(errOut, "wrong key") {
			t.Fatalf("a wrong key overwrote a secret: %d %s", code, errOut)
		}
		if got, err := readSealedSecret(t, dir, keyFile, acct); err != nil || got.Reveal() != password {
			t.Fatalf("got %q, %v", got.Reveal(), err)
		}
		if strings.Contains(out+errOut, password) {
			t.Fatal("a value was printed")
		}
	})

	t.Run("rotate re-encrypts with the new key; the old one no longer opens", func(t *testing.T) {
		run(t, dir, "", "secrets", "init", "--key-file", newKeyFile)
		code, out, errOut := run(t, dir, "", append(enc(keyFile), "secrets", "rotate", "--new-key-file", newKeyFile)...)
		if code != 0 || !strings.Contains(out, "Re-encrypted 1 values") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
		if code, _, errOut := run(t, dir, "", append(enc(newKeyFile), "secrets", "status")...); code != 0 {
			t.Fatalf("new key: %d %s", code, errOut)
		}
		if code, _, _ := run(t, dir, "", append(enc(keyFile), "secrets", "status")...); code != 1 {
			t.Fatalf("the old key still opens: %d", code)
		}
		if got, err := readSealedSecret(t, dir, newKeyFile, secrets.Account(uuid, "password")); err != nil || got.Reveal() != password {
			t.Fatalf("got %q, %v", got.Reveal(), err)
		}
	})

	t.Run("a key file others can read is refused with what to run", func(t *testing.T) {
		if err := os.Chmod(newKeyFile, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(newKeyFile, 0o600)
		code, _, errOut := run(t, dir, "", append(enc(newKeyFile), "secrets", "status")...)
		if code != 1 || !strings.Contains(errOut, "chmod 600") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})

	t.Run("the encrypted backend without a key says so", func(t *testing.T) {
		code, _, errOut := run(t, dir, "", "--secrets", "encrypted", "secrets", "status")
		if code != 1 || !strings.Contains(errOut, "has no key") || !strings.Contains(errOut, "--secrets-key-file") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})

	t.Run("the backend is chosen explicitly, never by fallback", func(t *testing.T) {
		code, _, errOut := run(t, dir, "", "--secrets-key-file", newKeyFile, "secrets", "status")
		if code != 1 || !strings.Contains(errOut, "--secrets encrypted") {
			t.Fatalf("a key file without --secrets encrypted: %d %s", code, errOut)
		}
		code, _, errOut = run(t, dir, "", "--secrets", "vault", "secrets", "status")
		if code != 1 || !strings.Contains(errOut, "unknown secrets backend") {
			t.Fatalf("code %d: %s", code, errOut)
		}
		t.Setenv(wire.EnvSecrets, "encrypted")
		t.Setenv(wire.EnvSecretsKeyFile, newKeyFile)
		code, out, errOut := run(t, dir, "", "secrets", "status")
		if code != 0 || !strings.Contains(out, "encrypted in the database") {
			t.Fatalf("from the environment: %d %s %s", code, out, errOut)
		}
	})
}

func TestSecretsMoveToServer(t *testing.T) {
	t.Setenv(wire.EnvSecrets, "")
	t.Setenv(wire.EnvSecretsKeyFile, "")
	secretstest.MockInit()
	dir, keys := t.TempDir(), t.TempDir()
	keyFile, bundle := filepath.Join(keys, "server.key"), filepath.Join(keys, "secrets.bundle")
	enc := []string{"--secrets", "encrypted", "--secrets-key-file", keyFile}
	const password = "correct horse battery staple"

	// The desktop: the keychain holds the password and the Infinity secret.
	if code, _, errOut := run(t, dir, password+"\n", contoso...); code != 0 {
		t.Fatalf("create: %s", errOut)
	}
	uuid := contosoUUID(t, dir)
	ctx := context.Background()
	svc := wiretest.Open(t, dir)
	if err := svc.StoreKeys.Set(ctx, "infinity/secret", secrets.New("infinity-pass")); err != nil {
		t.Fatal(err)
	}
	infinityAccount := svc.StoreKeys.Account("infinity/secret")
	svc.Close()

	t.Run("export seals every keychain secret into a 0600 bundle, no plaintext", func(t *testing.T) {
		run(t, dir, "", "secrets", "init", "--key-file", keyFile)
		code, out, errOut := run(t, dir, "", "secrets", "export-to-encrypted", "--key-file", keyFile, "--out", bundle)
		if code != 0 || !strings.Contains(out, "Exported 2 secrets") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
		data, _ := os.ReadFile(bundle)
		if strings.Contains(string(data), password) || strings.Contains(string(data), "infinity-pass") {
			t.Fatal("the bundle holds a plaintext")
		}
		if fi, _ := os.Stat(bundle); fi.Mode().Perm() != 0o600 {
			t.Fatalf("bundle mode %v", fi.Mode())
		}
		if code, _, errOut := run(t, dir, "", "secrets", "export-to-encrypted", "--key-file", keyFile, "--out", bundle); code != 1 || !strings.Contains(errOut, "already exists") {
			t.Fatalf("overwrote the bundle: %d %s", code, errOut)
		}
	})

	t.Run("the server imports the bundle with the same key, without a keychain", func(t *testing.T) {
		secretstest.MockInitWithError(errors.New("the keychain must not be used"))
		code, out, errOut := run(t, dir, "", append(enc, "secrets", "import-from-keychain", "--bundle", bundle)...)
		if code != 0 || !strings.Contains(out, "Imported 2 secrets") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
		for acct, want := range map[string]string{secrets.Account(uuid, "password"): password, infinityAccount: "infinity-pass"} {
			if got, err := readSealedSecret(t, dir, keyFile, acct); err != nil || got.Reveal() != want {
				t.Fatalf("%s: %v", acct, err)
			}
		}
		if code, _, _ := run(t, dir, "", append(enc, "secrets", "status")...); code != 0 {
			t.Fatal("status fails after the import")
		}
	})

	t.Run("a bundle sealed with another key is refused, importing nothing", func(t *testing.T) {
		other := filepath.Join(keys, "other.key")
		run(t, dir, "", "secrets", "init", "--key-file", other)
		other2 := t.TempDir()
		code, _, errOut := run(t, other2, "", "--secrets", "encrypted", "--secrets-key-file", other, "secrets", "import-from-keychain", "--bundle", bundle)
		if code != 1 || !strings.Contains(errOut, "nothing was imported") {
			t.Fatalf("code %d: %s", code, errOut)
		}
		junk := filepath.Join(keys, "junk")
		os.WriteFile(junk, []byte("{\"format\": 1}"), 0o600)
		if code, _, errOut := run(t, dir, "", append(enc, "secrets", "import-from-keychain", "--bundle", junk)...); code != 1 || !strings.Contains(errOut, "not a secrets bundle") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})

	t.Run("without a bundle, import reads this machine's keychain", func(t *testing.T) {
		secretstest.MockInit()
		fresh := t.TempDir()
		if code, _, errOut := run(t, fresh, password+"\n", contoso...); code != 0 {
			t.Fatalf("create: %s", errOut)
		}
		id := contosoUUID(t, fresh)
		code, out, errOut := run(t, fresh, "", append(enc, "secrets", "import-from-keychain")...)
		if code != 0 || !strings.Contains(out, "Imported 1 secrets") || !strings.Contains(out, id+"/password") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
		if got, err := readSealedSecret(t, fresh, keyFile, secrets.Account(id, "password")); err != nil || got.Reveal() != password {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("import needs the encrypted backend", func(t *testing.T) {
		code, _, errOut := run(t, dir, "", "secrets", "import-from-keychain", "--bundle", bundle)
		if code != 2 || !strings.Contains(errOut, "--secrets encrypted") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})
}
