package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/app/wire"
	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/pgtest"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
)

// pgCluster is the private PostgreSQL server of the tests that need one,
// started by the first (pgtest.Start: one per test binary) and stopped by
// TestMain (main_test.go) after the last.
var pgCluster *pgtest.Cluster

// newPostgres returns the URL of a fresh, empty database.
func newPostgres(t *testing.T) string {
	t.Helper()
	pgCluster = pgtest.Start(t)
	return pgCluster.NewDatabase(t)
}

// TestStoreCopy: a desktop's SQLite file moves into PostgreSQL, where the
// commands then find its integration; a second copy into the same
// database is refused; mistakes in the flags are told.
func TestStoreCopy(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	if code, _, errOut := run(t, dir, "correct horse battery staple\n", contoso...); code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	from := "sqlite:" + filepath.Join(dir, store.FileName)
	pg := newPostgres(t)
	elsewhere := t.TempDir() // the copy needs no data folder of its own

	code, out, errOut := run(t, elsewhere, "", "store", "copy", "--from", from, "--to", pg)
	if code != 0 {
		t.Fatalf("copy: code %d: %s", code, errOut)
	}
	for _, want := range []string{"integrations", "1 rows", "Copied ", "1 secret is in this machine's keychain", "--database " + from + " secrets export-to-encrypted", "--database '" + pg + "' --secrets encrypted", "import-from-keychain"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}

	// Instances on PostgreSQL keep their secrets sealed there, with one key.
	keys := t.TempDir()
	keyFile, bundle := filepath.Join(keys, "server.key"), filepath.Join(keys, "secrets.bundle")
	if code, _, errOut := run(t, elsewhere, "", "secrets", "init", "--key-file", keyFile); code != 0 {
		t.Fatalf("secrets init: %d %s", code, errOut)
	}
	onPG := []string{"--database", pg, "--secrets", "encrypted", "--secrets-key-file", keyFile}
	code, out, errOut = run(t, elsewhere, "", append(onPG, "integrations", "list", "--json")...)
	var list []integration.Summary
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Name != "Contoso" {
		t.Fatalf("integrations list on PostgreSQL: code %d, out %q, %s", code, out, errOut)
	}

	t.Run("the secret moves as the note says, and opens on PostgreSQL", func(t *testing.T) {
		for _, args := range [][]string{
			{"--database", from, "secrets", "export-to-encrypted", "--key-file", keyFile, "--out", bundle},
			{"--database", pg, "--secrets", "encrypted", "--secrets-key-file", keyFile, "secrets", "import-from-keychain", "--bundle", bundle},
		} {
			if code, _, errOut := run(t, elsewhere, "", args...); code != 0 {
				t.Fatalf("%v: %d %s", args, code, errOut)
			}
		}
		uuid := contosoUUID(t, elsewhere, onPG...)
		ctx := wire.WithDatabase(wire.WithSecrets(context.Background(), wire.Secrets{Backend: "encrypted", KeyFile: keyFile}), pg)
		svc, err := wire.Open(ctx, elsewhere, wiretest.Config())
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		if v, err := svc.Keychain.Get(ctx, secrets.Account(uuid, integration.SecretPassword)); err != nil || v.Reveal() != "correct horse battery staple" {
			t.Fatalf("the password on PostgreSQL: %v", err)
		}
	})

	t.Run("a target with data is refused", func(t *testing.T) {
		code, _, errOut := run(t, elsewhere, "", "store", "copy", "--from", from, "--to", pg)
		if code != 1 || !strings.Contains(errOut, "already holds data") || !strings.Contains(errOut, "empty database") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})

	// The secret was imported above: now sealed, it travels with the rows.
	t.Run("--json prints the report, back into a new SQLite file", func(t *testing.T) {
		back := filepath.Join(t.TempDir(), "back.db")
		code, out, errOut := run(t, elsewhere, "", "store", "copy", "--from", pg, "--to", "sqlite:"+back, "--json")
		var rep copyOutput
		if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
			t.Fatalf("code %d, out %q: %s", code, out, errOut)
		}
		if rep.Rows == 0 || rep.KeychainSecrets != 0 || rep.EncryptedSecrets != 1 || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "same key file") || rep.To != back || len(rep.Tables) == 0 {
			t.Fatalf("report %+v", rep)
		}
		code, out, _ = run(t, elsewhere, "", "--database", "sqlite:"+back, "integrations", "list", "--json")
		if code != 0 || !strings.Contains(out, "Contoso") {
			t.Fatalf("list on the copy: %d %s", code, out)
		}
	})

	t.Run("mistakes", func(t *testing.T) {
		for _, c := range []struct {
			name string
			args []string
			code int
			want string
		}{
			{"no --to", []string{"--from", from}, 2, "--to DATABASE are both required"},
			{"no --from", []string{"--to", pg}, 2, "--from DATABASE and"},
			{"a password in the URL", []string{"--from", from, "--to", "postgres://vmr:hunter2@db.example.com/vmr"}, 2, "holds a password"},
			{"the same database", []string{"--from", from, "--to", "sqlite:" + filepath.Join(dir, ".", store.FileName)}, 2, "the same database"},
			{"neither kind", []string{"--from", from, "--to", "mysql://db"}, 2, "neither sqlite:PATH nor"},
			{"no source file", []string{"--from", "sqlite:" + filepath.Join(elsewhere, "none.db"), "--to", pg}, 1, "there is no database at"},
		} {
			t.Run(c.name, func(t *testing.T) {
				code, _, errOut := run(t, elsewhere, "", append([]string{"store", "copy"}, c.args...)...)
				if code != c.code || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "hunter2") {
					t.Fatalf("code %d: %s", code, errOut)
				}
			})
		}
		if _, err := os.Stat(filepath.Join(elsewhere, "none.db")); err == nil {
			t.Error("a missing source file was made")
		}
	})
}
