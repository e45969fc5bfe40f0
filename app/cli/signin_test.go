package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth"
	"vmr-companion/backend/oauth/oauthtest"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
)

func TestSignInCommands(t *testing.T) {
	secretstest.MockInit()
	op := oauthtest.Start(t)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "idp-ca.pem")
	if err := os.WriteFile(caFile, op.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	ref, err := oauth.Discover(context.Background(), op.HTTPClient(), op.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	in := fmt.Sprintf(`{"name": "Contoso", "enable_dynamic_vmrs": false, "enable_personal_vmrs": true, "auth_provider": "AZURE",
		"personal_vmr_oauth_client_id": %q, "personal_vmr_oauth_auth_endpoint": %q, "personal_vmr_oauth_token_endpoint": %q,
		"addin_oidc_metadata_url": %q, "ews_ca_file": %q}`, oauthtest.ClientID, ref.AuthURL, ref.TokenURL, op.MetadataURL(), caFile)
	if code, _, stderr := run(t, dir, in, "integrations", "create", "-f", "-"); code != 0 {
		t.Fatalf("create: %s", stderr)
	}
	openBrowser = func(string) error {
		t.Error("a test tried to open the system browser")
		return errors.New("no browser in tests")
	}
	t.Cleanup(func() { openBrowser = systemBrowser })

	t.Run("whoami before signing in says how to sign in", func(t *testing.T) {
		out := &lineWriter{}
		code, stderr := runUser(t, dir, out, "whoami", "--integration", "Contoso")
		if code != exitError || !strings.Contains(stderr, "not signed in to Contoso") || !strings.Contains(stderr, "vmr-companion signin --integration Contoso") {
			t.Fatalf("%d %q", code, stderr)
		}
	})
	t.Run("signin without an integration is a usage error", func(t *testing.T) {
		code, stderr := runUser(t, dir, &lineWriter{}, "signin")
		if code != exitUsage || !strings.Contains(stderr, "--integration is required") {
			t.Fatalf("%d %q", code, stderr)
		}
	})

	t.Run("signin --device prints the code and the URL, and signs in once approved", func(t *testing.T) {
		out, approved := approving(t, op)
		code, stderr := runUser(t, dir, out, "signin", "--integration", "Contoso", "--device")
		if code != exitOK {
			t.Fatalf("%d %s\n%s", code, out, stderr)
		}
		if err := <-approved; err != nil {
			t.Fatal(err)
		}
		text := out.String()
		if !strings.Contains(text, "To sign in, open "+op.Issuer+"/device") || !deviceCodeLine.MatchString(text) ||
			!strings.Contains(text, "Signed in to Contoso as "+oauthtest.FirstName+" "+oauthtest.LastName+" <"+oauthtest.Email+">") {
			t.Fatalf("output %q", text)
		}
	})

	t.Run("whoami --json names the signed-in user", func(t *testing.T) {
		out := &lineWriter{}
		code, stderr := runUser(t, dir, out, "whoami", "--integration", "Contoso", "--json")
		var who struct{ Integration, Email, Name, Subject string }
		if code != exitOK || json.Unmarshal([]byte(out.String()), &who) != nil || who.Email != oauthtest.Email || who.Integration != "Contoso" || who.Subject == "" {
			t.Fatalf("%d %s %s", code, out, stderr)
		}
	})

	t.Run("meetings --ews reads the signed-in user's own Exchange calendar with their access token", func(t *testing.T) {
		fake := ewstest.New("room@contoso.com")
		var mu sync.Mutex
		var bearers []string
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			bearers = append(bearers, r.Header.Get("Authorization"))
			mu.Unlock()
			fake.ServeHTTP(w, r)
		}))
		defer srv.Close()
		// The integration trusts the identity provider's CA and Exchange's.
		both := append(append([]byte{}, op.CAPEM...), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})...)
		if err := os.WriteFile(caFile, both, 0o600); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := run(t, dir, "", "integrations", "update", "Contoso", "--set", "url="+srv.URL+"/EWS/Exchange.asmx"); code != 0 {
			t.Fatalf("update: %s", stderr)
		}
		start := time.Now().Add(26 * time.Hour).Truncate(time.Hour)
		fake.SendRequest(ewstest.Meeting{UID: "mine-1", Subject: "Roadmap", Organizer: ews.Mailbox{Name: "Me", Email: oauthtest.Email},
			Start: start, End: start.Add(time.Hour), BodyHTML: "<p>Agenda</p>"})
		out := &lineWriter{}
		code, stderr := runUser(t, dir, out, "meetings", "--ews", "--integration", "Contoso", "--json")
		var ms []struct {
			UID, Summary, Start string
		}
		if code != exitOK || json.Unmarshal([]byte(out.String()), &ms) != nil || len(ms) != 1 || ms[0].UID != "mine-1" ||
			ms[0].Start != start.UTC().Format(time.RFC3339) {
			t.Fatalf("%d %s\n%s", code, out, stderr)
		}
		token, _ := keyring.Get(secrets.Service, secrets.Account(mustUUID(t, dir), "user_access_token"))
		mu.Lock()
		defer mu.Unlock()
		if len(bearers) == 0 || token == "" || !strings.Contains(strings.Join(bearers, " "), token) {
			t.Fatalf("EWS was not called with the user's access token (%d calls)", len(bearers))
		}
		if code, stderr := runUser(t, dir, &lineWriter{}, "meetings", "--ews"); code != exitUsage || !strings.Contains(stderr, "--integration") {
			t.Fatalf("--ews without --integration: %d %s", code, stderr)
		}
	})

	t.Run("the tokens are in the keychain and nowhere in the data directory", func(t *testing.T) {
		st, err := store.OpenDir(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		integ, err := integration.NewService(st.Integrations(), secrets.NewUncheckedKeychain(0)).Get(context.Background(), "Contoso")
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		var tokens []string
		for _, f := range []string{"user_refresh_token", "user_access_token"} {
			v, err := keyring.Get(secrets.Service, secrets.Account(integ.UUID, f))
			if err != nil || v == "" {
				t.Fatalf("keychain entry %s: %v", f, err)
			}
			tokens = append(tokens, v)
		}
		err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, tok := range tokens {
				if bytes.Contains(data, []byte(tok)) {
					t.Errorf("%s holds a token", path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("signin falls back to a device code when no browser can be opened", func(t *testing.T) {
		openBrowser = func(string) error { return errors.New("no graphical session") }
		out, approved := approving(t, op)
		code, stderr := runUser(t, dir, out, "signin", "--integration", "Contoso")
		if code != exitOK || !strings.Contains(stderr, "No browser could be opened (no graphical session); signing in with a code instead") ||
			!deviceCodeLine.MatchString(out.String()) {
			t.Fatalf("%d %s\n%s", code, out, stderr)
		}
		if err := <-approved; err != nil {
			t.Fatal(err)
		}
	})

	// Last a browser sign-in: the example OP records no client for tokens
	// of the device flow, so only these can be revoked there.
	t.Run("signin opens the browser by default", func(t *testing.T) {
		open, visits := op.Browser(op.Password)
		openBrowser = open
		out := &lineWriter{}
		code, stderr := runUser(t, dir, out, "signin", "--integration", "Contoso")
		if code != exitOK || !strings.Contains(out.String(), "Signed in to Contoso as") || !strings.Contains(stderr, "Finish the sign-in in your browser") {
			t.Fatalf("%d %s\n%s", code, out, stderr)
		}
		if v := <-visits; v.Err != nil || !strings.Contains(v.Page, "You can close this tab") {
			t.Fatalf("visit %+v", v)
		}
	})

	t.Run("whoami after the provider revoked the sign-in says to sign in again", func(t *testing.T) {
		st, err := store.OpenDir(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		integ, err := integration.NewService(st.Integrations(), secrets.NewUncheckedKeychain(0)).Get(context.Background(), "Contoso")
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		refresh, err := keyring.Get(secrets.Service, secrets.Account(integ.UUID, "user_refresh_token"))
		if err != nil {
			t.Fatal(err)
		}
		revoker := *ref
		revoker.ClientID = oauthtest.ClientID
		revoker.HTTPClient = op.HTTPClient()
		if err := revoker.Revoke(context.Background(), secrets.New(refresh)); err != nil {
			t.Fatal(err)
		}
		// The access token is dropped, as if it had expired.
		if err := keyring.Delete(secrets.Service, secrets.Account(integ.UUID, "user_access_token")); err != nil {
			t.Fatal(err)
		}
		code, stderr := runUser(t, dir, &lineWriter{}, "whoami", "--integration", "Contoso")
		if code != exitError || !strings.Contains(stderr, "expired or was revoked; sign in again") || !strings.Contains(stderr, "vmr-companion signin --integration Contoso") ||
			strings.Contains(stderr, refresh) {
			t.Fatalf("%d %q", code, stderr)
		}
	})

	t.Run("signout revokes and forgets; whoami then says how to sign in", func(t *testing.T) {
		revokes := op.Calls("/revoke")
		out := &lineWriter{}
		code, stderr := runUser(t, dir, out, "signout", "--integration", "Contoso")
		if code != exitOK || !strings.Contains(out.String(), "Signed out of Contoso.") || op.Calls("/revoke") != revokes+1 || strings.Contains(stderr, "warning") {
			t.Fatalf("%d %s %s (%d revocations)", code, out, stderr, op.Calls("/revoke")-revokes)
		}
		code, stderr = runUser(t, dir, &lineWriter{}, "whoami", "--integration", "Contoso")
		if code != exitError || !strings.Contains(stderr, "not signed in") {
			t.Fatalf("%d %q", code, stderr)
		}
	})
}
