package wire_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/app/wire"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/pgtest"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
)

var cluster *pgtest.Cluster

func TestMain(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	os.Exit(code)
}

// Two instances on one PostgreSQL database, each with its own data
// folder and the same key: what one writes, secrets included, the other
// reads. A keychain there is refused, before anything is opened.
func TestInstancesShareAPostgreSQLDatabase(t *testing.T) {
	t.Setenv(wire.EnvSecrets, "")
	t.Setenv(wire.EnvSecretsKeyFile, "")
	secretstest.MockInitWithError(errors.New("the keychain must not be used"))
	if cluster == nil {
		cluster = pgtest.Start(t)
	}
	url := cluster.NewDatabase(t)

	_, err := wire.Open(wire.WithDatabase(t.Context(), url), t.TempDir(), wire.Config{Version: "test"})
	if err == nil || !strings.Contains(err.Error(), "--secrets encrypted") {
		t.Fatalf("Open with the keychain on PostgreSQL = %v, want a refusal naming --secrets encrypted", err)
	}

	keyFile := filepath.Join(t.TempDir(), "k")
	if _, err := secrets.CreateKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	open := func() *wire.Services {
		t.Helper()
		ctx := wire.WithDatabase(wire.WithSecrets(t.Context(), wire.Secrets{Backend: "encrypted", KeyFile: keyFile}), url)
		svc, err := wire.Open(ctx, t.TempDir(), wire.Config{Version: "test", Keychain: secrets.NewUncheckedKeychain(0)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close() })
		return svc
	}
	a, b := open(), open()
	if !a.SharedDatabase || strings.Contains(a.DatabasePath, "password") {
		t.Errorf("the services do not say the database is shared, or show a password: %v %q", a.SharedDatabase, a.DatabasePath)
	}
	in := &integration.Integration{UUID: "3f2a6a4e-8c1b-4c7e-9d0a-1b2c3d4e5f60", Name: "Contoso"}
	if err := a.Integrations.SetSecret(t.Context(), in, integration.SecretOAuthRefreshToken, secrets.New("shared-token")); err != nil {
		t.Fatal(err)
	}
	got, err := b.Keychain.Get(t.Context(), secrets.Account(in.UUID, integration.SecretOAuthRefreshToken))
	if err != nil || got.Reveal() != "shared-token" {
		t.Fatalf("the other instance reads %q, %v", got.Reveal(), err)
	}
}
