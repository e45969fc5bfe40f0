//go:build webkit2_41

// These tests link the Wails runtime, which needs GTK and WebKitGTK 4.1:
// `make test` passes the webkit2_41 tag; plain `go test ./...` skips them.

package desktop

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
)

func newService(t *testing.T, d dialogs) *IntegrationService {
	t.Helper()
	secretstest.MockInit()
	backend := wiretest.Open(t, t.TempDir()).Integrations
	return &IntegrationService{ctx: t.Context(), backend: backend, dialogs: d}
}

func form(t *testing.T, s *IntegrationService, overrides map[string]any) map[string]any {
	t.Helper()
	values := formOf(t, s, map[string]any{
		"name": "Contoso", "url": "https://mail.contoso.com/EWS/Exchange.asmx",
		"room_mailbox_email_address": "vmr@contoso.com", "username": "svc", "domains": []any{"mail.contoso.com"},
	})
	for k, v := range overrides {
		values[k] = v
	}
	return values
}

func TestIntegrationService(t *testing.T) {
	exportPath := filepath.Join(t.TempDir(), "out.json")
	s := newService(t, fakeDialogs{save: exportPath})

	t.Run("check reports field errors without saving", func(t *testing.T) {
		report, err := s.Check("", form(t, s, map[string]any{"meeting_buffer_after": 500, "name": ""}), nil)
		if err != nil {
			t.Fatal(err)
		}
		if report.Errors["meeting_buffer_after"] == "" || report.Errors["name"] == "" {
			t.Fatalf("missing errors: %v", report.Errors)
		}
		if list, _ := s.List(); len(list) != 0 {
			t.Fatal("check saved something")
		}
	})

	var uuid string
	t.Run("create keeps the password in the keychain and returns the form values", func(t *testing.T) {
		d, err := s.Create(form(t, s, nil), map[string]string{"password": "pw-1"})
		if err != nil {
			t.Fatal(err)
		}
		uuid = d.Integration["uuid"].(string)
		if got, _ := keyring.Get(secrets.Service, secrets.Account(uuid, "password")); got != "pw-1" {
			t.Fatalf("keychain holds %q", got)
		}
		if stored := d.Integration["secrets_stored"].([]any); len(stored) != 1 {
			t.Fatalf("secrets_stored = %v", stored)
		}
	})

	t.Run("update with an empty secret box keeps the stored secret", func(t *testing.T) {
		d, err := s.Update(uuid, form(t, s, map[string]any{"description": "changed"}), map[string]string{"password": ""}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.Integration["description"] != "changed" {
			t.Fatalf("not updated: %v", d.Integration["description"])
		}
		if got, _ := keyring.Get(secrets.Service, secrets.Account(uuid, "password")); got != "pw-1" {
			t.Fatalf("keychain holds %q", got)
		}
	})

	t.Run("errors reach the window as problems with fields", func(t *testing.T) {
		_, err := s.Create(form(t, s, nil), nil)
		p := FormatError(err).(Problem)
		if p.Code != "invalid" || !strings.Contains(p.Fields["name"], "already exists") {
			t.Fatalf("unexpected problem %+v", p)
		}
		if fe := p.FieldErrors["name"]; fe.Code != "name_taken" || fe.Message != p.Fields["name"] || p.Params["count"] != "1" {
			t.Fatalf("the name's problem has no code for the window: %+v", p)
		}
		p = FormatError(errors.Join(integration.ErrNotFound)).(Problem)
		if p.Code != "not_found" {
			t.Fatalf("unexpected problem %+v", p)
		}
		p = FormatError(&secrets.UnavailableError{Cause: "the keychain is locked"}).(Problem)
		if p.Code != "keychain_unavailable" {
			t.Fatalf("unexpected problem %+v", p)
		}
	})

	t.Run("export writes the chosen file without secrets", func(t *testing.T) {
		path, err := s.ExportFile(nil)
		if err != nil || path != exportPath {
			t.Fatalf("path %q, err %v", path, err)
		}
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), "pw-1") || !strings.Contains(string(data), "Contoso") {
			t.Fatalf("unexpected export %s", data)
		}
	})

	t.Run("import from a file reports what it created", func(t *testing.T) {
		other := newService(t, fakeDialogs{open: exportPath})
		out, err := other.ImportFile()
		if err != nil || out.Cancelled || len(out.Result.Created) != 1 {
			t.Fatalf("outcome %+v, err %v", out, err)
		}
	})

	t.Run("a cancelled file dialog is not an error", func(t *testing.T) {
		out, err := newService(t, fakeDialogs{}).ImportFile()
		if err != nil || !out.Cancelled {
			t.Fatalf("outcome %+v, err %v", out, err)
		}
	})

	t.Run("delete removes the keychain entry", func(t *testing.T) {
		if err := s.Delete(uuid); err != nil {
			t.Fatal(err)
		}
		if _, err := keyring.Get(secrets.Service, secrets.Account(uuid, "password")); err != keyring.ErrNotFound {
			t.Fatalf("still in the keychain: %v", err)
		}
	})
}
