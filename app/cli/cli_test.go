package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"vmr-companion/app/wire"
	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
)

// run executes the command line as main would, on a real SQLite file in
// dataDir and the in-memory keyring.
func run(t *testing.T, dataDir, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWith(context.Background(), io.Discard, t, dataDir, stdin, args...)
}

// runWith is run until ctx is done (as Ctrl+C stops serve), with the
// standard output also written to watch as it comes.
func runWith(ctx context.Context, watch io.Writer, t *testing.T, dataDir, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cfg := testConfig(t, stdin, io.MultiWriter(&out, watch), &errOut)
	code = Main(ctx, append([]string{"--data-dir", dataDir}, args...), cfg)
	return code, out.String(), errOut.String()
}

// testConfig is what main hands the command line, on the in-memory
// keyring and with no window.
func testConfig(t *testing.T, stdin string, stdout, stderr io.Writer) Config {
	return Config{
		Version: "test",
		Open: func(ctx context.Context, dir string) (*wire.Services, error) {
			return wire.Open(ctx, dir, wiretest.Config())
		},
		Window: func(*wire.Services) error { t.Fatal("the window must not open in tests"); return nil },
		Stdin:  strings.NewReader(stdin),
		Stdout: stdout,
		Stderr: stderr,
	}
}

var contoso = []string{
	"integrations", "create",
	"--set", "name=Contoso",
	"--set", "url=https://mail.contoso.com/EWS/Exchange.asmx",
	"--set", "domains=mail.contoso.com,contoso.com",
	"--set", "room_mailbox_email_address=vmr@contoso.com",
	"--set", `username=CONTOSO\svc-vmr`,
	"--secret", "password",
}

func TestIntegrationsLifecycle(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	const password = "correct horse battery staple"

	t.Run("an empty store says how to start", func(t *testing.T) {
		code, out, _ := run(t, dir, "", "integrations", "list")
		if code != 0 || !strings.Contains(out, "No integrations yet") {
			t.Fatalf("code %d, out %q", code, out)
		}
	})

	t.Run("create reads the secret from standard input", func(t *testing.T) {
		code, out, errOut := run(t, dir, password+"\n", contoso...)
		if code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		if !strings.Contains(out, `Created integration "Contoso"`) {
			t.Fatalf("unexpected output %q", out)
		}
		if strings.Contains(out+errOut, password) {
			t.Fatal("the secret was printed")
		}
	})

	var it integration.Integration
	t.Run("show --json gives the fields and which secrets are stored, never their values", func(t *testing.T) {
		code, out, errOut := run(t, dir, "", "integrations", "show", "contoso", "--json")
		if code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		if strings.Contains(out, password) {
			t.Fatal("show printed the secret")
		}
		if err := json.Unmarshal([]byte(out), &it); err != nil {
			t.Fatal(err)
		}
		if it.Username != `CONTOSO\svc-vmr` || len(it.Domains) != 2 || it.SecretsStored[0] != "password" {
			t.Fatalf("unexpected integration %+v", it)
		}
		got, err := keyring.Get(secrets.Service, secrets.Account(it.UUID, "password"))
		if err != nil || got != password {
			t.Fatalf("keychain holds %q, %v", got, err)
		}
	})

	t.Run("list --json lists it", func(t *testing.T) {
		code, out, _ := run(t, dir, "", "integrations", "list", "--json")
		var list []integration.Summary
		if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Name != "Contoso" {
			t.Fatalf("code %d, out %q", code, out)
		}
	})

	t.Run("update changes a field and clears a secret", func(t *testing.T) {
		code, _, errOut := run(t, dir, "", "integrations", "update", "Contoso", "--set", "meeting_buffer_before=15", "--clear-secret", "password")
		if code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		_, out, _ := run(t, dir, "", "integrations", "show", "Contoso", "--json")
		var after integration.Integration
		_ = json.Unmarshal([]byte(out), &after)
		if after.MeetingBufferBefore != 15 || len(after.SecretsStored) != 0 {
			t.Fatalf("unexpected %+v", after)
		}
		if _, err := keyring.Get(secrets.Service, secrets.Account(it.UUID, "password")); err != keyring.ErrNotFound {
			t.Fatalf("the password is still in the keychain: %v", err)
		}
	})

	t.Run("a duplicate name is refused with the field named", func(t *testing.T) {
		args := append([]string{}, contoso...)
		args[3] = "name=CONTOSO"
		code, _, errOut := run(t, dir, "pw\n", args...)
		if code != 1 || !strings.Contains(errOut, "name: an integration named") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})

	exported := filepath.Join(t.TempDir(), "export.json")
	t.Run("export writes the API list shape without secrets", func(t *testing.T) {
		run(t, dir, "s3cret-value\n", "integrations", "update", "Contoso", "--secret", "password")
		code, _, errOut := run(t, dir, "", "integrations", "export", "-o", exported)
		if code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		data, _ := os.ReadFile(exported)
		if bytes.Contains(data, []byte("s3cret-value")) || !bytes.Contains(data, []byte(`"total_count": 1`)) {
			t.Fatalf("unexpected export %s", data)
		}
	})

	t.Run("the export imports into another data directory", func(t *testing.T) {
		other := t.TempDir()
		code, out, errOut := run(t, other, "", "integrations", "import", exported)
		if code != 0 || !strings.Contains(out, "Imported 1 integration") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
	})

	t.Run("delete needs --yes when nobody can be asked", func(t *testing.T) {
		code, _, errOut := run(t, dir, "", "integrations", "delete", "Contoso")
		if code != 2 || !strings.Contains(errOut, "--yes") {
			t.Fatalf("code %d: %s", code, errOut)
		}
		code, _, errOut = run(t, dir, "", "integrations", "delete", "Contoso", "--yes")
		if code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		code, _, errOut = run(t, dir, "", "integrations", "show", "Contoso")
		if code != 1 || !strings.Contains(errOut, "not found") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})
}

func TestBadInput(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  []string
	}{
		{"an unknown flag is a usage error", "", []string{"integrations", "list", "--nope"}, 2, []string{"unknown flag"}},
		{"a secret given with --set is refused", "", []string{"integrations", "create", "--set", "name=x", "--set", "password=x"}, 2, []string{"use --secret password"}},
		{"an unknown field is named", "", []string{"integrations", "create", "--set", "nmae=x"}, 2, []string{`"nmae" is not an integration field`}},
		{"every invalid field is reported at once", "", []string{"integrations", "create", "--set", "name=x", "--set", "meeting_buffer_after=999", "--set", "url=http://x", "--set", "scheduled_alias_suffix_length=abc"},
			1, []string{"meeting_buffer_after:", "url:", "scheduled_alias_suffix_length:", "room_mailbox_email_address:", "nothing was saved"}},
		{"invalid JSON on import names the position", `{"name": "x",`, []string{"integrations", "import"}, 1, []string{"not valid JSON", "at byte"}},
		{"a half-valid import names each bad object and imports nothing", `[{"name":"ok","enable_dynamic_vmrs":false,"enable_personal_vmrs":true,"personal_vmr_oauth_client_id":"c","personal_vmr_oauth_auth_endpoint":"https://idp/a","personal_vmr_oauth_token_endpoint":"https://idp/t"},{"name":"","meeting_buffer_before":-1}]`,
			[]string{"integrations", "import"}, 1, []string{"object 1", "meeting_buffer_before:", "name:", "nothing was imported"}},
		{"a missing secret line is explained", "", []string{"integrations", "create", "--set", "name=x", "--secret", "password"}, 1, []string{"one line per --secret"}},
		{"a template syntax error names its line and column", "", []string{"integrations", "create", "--set", "name=t", "--set", "enable_dynamic_vmrs=false",
			"--set", "enable_personal_vmrs=true", "--set", "personal_vmr_oauth_client_id=c", "--set", "personal_vmr_oauth_auth_endpoint=https://idp/a",
			"--set", "personal_vmr_oauth_token_endpoint=https://idp/t", "--set", "conference_name_template={{ subject }"}, 1, []string{"conference_name_template: line 1, column"}},
		{"validate without a target is a usage error", "", []string{"integrations", "validate"}, 2, []string{"either"}},
		{"a placeholder horizon under a day is a usage error", "", []string{"scheduler", "run", "--once", "--placeholder-horizon", "1h"}, 2, []string{"--placeholder-horizon", "at least a day"}},
		{"a negative placeholder limit is a usage error", "", []string{"serve", "--placeholder-limit", "-1"}, 2, []string{"--placeholder-limit", "0 (none) or more"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(t, dir, c.stdin, c.args...)
			if code != c.code {
				t.Fatalf("code %d, want %d: %s", code, c.code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
	t.Run("nothing was written by any of them", func(t *testing.T) {
		_, out, _ := run(t, dir, "", "integrations", "list", "--json")
		if strings.TrimSpace(out) != "[]" {
			t.Fatalf("store is not empty: %s", out)
		}
	})
	t.Run("a data file that is not SQLite is reported, not overwritten", func(t *testing.T) {
		bad := t.TempDir()
		junk := bytes.Repeat([]byte("not a database "), 300)
		os.WriteFile(filepath.Join(bad, store.FileName), junk, 0o600)
		code, _, errOut := run(t, bad, "", "integrations", "list")
		if code != 1 || !strings.Contains(errOut, "not a vmr-companion database") {
			t.Fatalf("code %d: %s", code, errOut)
		}
		after, _ := os.ReadFile(filepath.Join(bad, store.FileName))
		if !bytes.Equal(after, junk) {
			t.Fatal("the file was changed")
		}
	})
}

func TestValidateReportsWarnings(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "o365.json")
	os.WriteFile(file, []byte(`{"name":"O365","url":"https://outlook.office365.com/EWS/Exchange.asmx","room_mailbox_email_address":"vmr@contoso.com","username":"svc","authentication_method":"BASIC"}`), 0o600)
	code, out, errOut := run(t, dir, "", "integrations", "validate", "--file", file)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	for _, w := range []string{"Valid.", "Office 365 no longer accepts BASIC", "not in the Exchange domains"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, t.TempDir(), "", "version", "--json")
	if code != 0 || !strings.Contains(out, `"version": "test"`) {
		t.Fatalf("code %d, out %q", code, out)
	}
}
