package wire_test

import (
	"errors"
	"path/filepath"
	"testing"

	"vmr-companion/app/wire"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
)

// With --secrets encrypted every service keeps its secrets through the
// encrypted backend, including a refresh token the identity provider
// rotated (written back through Integrations.SetSecret) and the local CA's
// key; the keychain is never called.
func TestEncryptedBackendServesEveryService(t *testing.T) {
	t.Setenv(wire.EnvSecrets, "")
	t.Setenv(wire.EnvSecretsKeyFile, "")
	secretstest.MockInitWithError(errors.New("the keychain must not be used"))
	keyFile := filepath.Join(t.TempDir(), "k")
	if _, err := secrets.CreateKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	ctx := wire.WithSecrets(t.Context(), wire.Secrets{Backend: "encrypted", KeyFile: keyFile})
	svc, err := wire.Open(ctx, t.TempDir(), wire.Config{Version: "test", Keychain: secrets.NewUncheckedKeychain(0)})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if svc.Keychain.Backend() != secrets.BackendEncrypted {
		t.Fatalf("backend %q", svc.Keychain.Backend())
	}
	in := &integration.Integration{UUID: "3f2a6a4e-8c1b-4c7e-9d0a-1b2c3d4e5f60", Name: "Contoso"}
	// The path of a rotated refresh token (backend/exchange, diagnostics).
	if err := svc.Integrations.SetSecret(t.Context(), in, integration.SecretOAuthRefreshToken, secrets.New("rotated-token")); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Keychain.Get(t.Context(), secrets.Account(in.UUID, integration.SecretOAuthRefreshToken))
	if err != nil || got.Reveal() != "rotated-token" {
		t.Fatalf("refresh token: %q, %v", got.Reveal(), err)
	}
	if _, err := svc.Authority(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Keychain.Get(t.Context(), devcert.KeyAccount); err != nil {
		t.Fatalf("the CA key is not in the encrypted store: %v", err)
	}
}
