package auth_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"vmr-companion/backend/ews/auth"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

func TestBasicOverTLS(t *testing.T) {
	ca := newTestCA(t)
	password := randomPassword(t)
	var lastUser, lastPassword atomic.Value
	ews := newEWS(t)
	exchange := ca.startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pw, ok := r.BasicAuth()
		lastUser.Store(user)
		lastPassword.Store(pw)
		if !ok || user != `EXAMPLE\svc-vmr` || pw != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="exchange"`)
			w.Header().Add("WWW-Authenticate", "Negotiate")
			w.Header().Add("WWW-Authenticate", "NTLM")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ews.ServeHTTP(w, r)
	}))
	ewsURL := exchange.URL + "/EWS/Exchange.asmx"
	settings := func(pw string) auth.Settings {
		return auth.Settings{Method: integration.AuthBasic, Username: `EXAMPLE\svc-vmr`, Password: secrets.New(pw), RootCAs: ca.pool, DisableProxy: true}
	}

	t.Run("the right password is sent in the Authorization header and reads the folder", func(t *testing.T) {
		hc, err := auth.NewHTTPClient(settings(password))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := getFolder(t, hc, ewsURL); err != nil {
			t.Fatal(err)
		}
		if lastUser.Load() != `EXAMPLE\svc-vmr` || lastPassword.Load() != password {
			t.Fatal("the server did not get the credentials in Basic auth")
		}
	})

	t.Run("a wrong password is refused with advice naming the schemes the server offers", func(t *testing.T) {
		wrong := randomPassword(t)
		hc, err := auth.NewHTTPClient(settings(wrong))
		if err != nil {
			t.Fatal(err)
		}
		calls := countCalls(hc)
		_, err = getFolder(t, hc, ewsURL)
		var ae *auth.Error
		if !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(ae.Advice, "the server offers: Basic, Negotiate, NTLM") {
			t.Fatalf("got %v", err)
		}
		if *calls != 1 {
			t.Fatalf("sent %d times, want once", *calls)
		}
		if strings.Contains(fmt.Sprintf("%v %+v", err, err), wrong) {
			t.Fatal("the password is in the error")
		}
	})

	t.Run("the password is never sent over plain http", func(t *testing.T) {
		var reached atomic.Int64
		plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
		defer plain.Close()
		for _, method := range []string{integration.AuthBasic, integration.AuthNTLM} {
			s := settings(password)
			s.Method = method
			hc, err := auth.NewHTTPClient(s)
			if err != nil {
				t.Fatal(err)
			}
			_, err = hc.Get(plain.URL + "/EWS/Exchange.asmx")
			if !auth.IsAuthError(err) || !strings.Contains(err.Error(), "use the https:// address") {
				t.Fatalf("%s: got %v", method, err)
			}
		}
		if reached.Load() != 0 {
			t.Fatal("the plain http server was contacted")
		}
	})

	t.Run("a redirect is not followed, so credentials stay with the EWS server", func(t *testing.T) {
		var elsewhere atomic.Int64
		other := ca.startTLS(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
		redirector := ca.startTLS(t, http.RedirectHandler(other.URL+"/owa/auth/logon.aspx", http.StatusFound))
		hc, err := auth.NewHTTPClient(settings(password))
		if err != nil {
			t.Fatal(err)
		}
		_, err = getFolder(t, hc, redirector.URL+"/EWS/Exchange.asmx")
		var ae *auth.Error
		if !errors.As(err, &ae) || !strings.Contains(ae.Problem, "redirected to "+other.URL+"/owa/auth/logon.aspx") || ae.Status != http.StatusFound {
			t.Fatalf("got %v", err)
		}
		if elsewhere.Load() != 0 {
			t.Fatal("the redirect was followed")
		}
	})

	t.Run("a server certificate from an untrusted CA is refused", func(t *testing.T) {
		s := settings(password)
		s.RootCAs = newTestCA(t).pool
		hc, err := auth.NewHTTPClient(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := getFolder(t, hc, ewsURL); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestNewHTTPClientRefusesSettingsThatCannotWork(t *testing.T) {
	tests := []struct {
		name    string
		s       auth.Settings
		problem string
		advice  string
	}{
		{"Kerberos is not supported yet",
			auth.Settings{Method: integration.AuthKerberos, Username: "svc", Password: secrets.New("x")},
			"Kerberos authentication is not supported yet",
			"choose NTLM or Basic for on-premises Exchange, OAuth or app permissions for Office 365"},
		{"an unknown method is named",
			auth.Settings{Method: "DIGEST"}, `unknown authentication method "DIGEST"`, "BASIC, NTLM, OAUTH or APP_PERM"},
		{"NTLM without user name and password lists both",
			auth.Settings{Method: integration.AuthNTLM}, "NTLM authentication needs the service account's user name, its password", "fill them in"},
		{"app permissions without a secret",
			auth.Settings{Method: integration.AuthAppPerm, ClientID: "id", TokenEndpoint: "https://login.example/token"}, "needs the client secret", "fill them in"},
		{"OAuth without a refresh token asks to sign in",
			auth.Settings{Method: integration.AuthOAuth, ClientID: "id", TokenEndpoint: "https://login.example/token"}, "a refresh token (sign in with the service account)", "fill them in"},
		{"a token endpoint over plain http",
			auth.Settings{Method: integration.AuthAppPerm, ClientID: "id", ClientSecret: secrets.New("s"), TokenEndpoint: "http://login.example/token"},
			"is not an https:// address", "use the https:// token endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc, err := auth.NewHTTPClient(tt.s)
			var ae *auth.Error
			if hc != nil || !errors.As(err, &ae) {
				t.Fatalf("got %v, %v", hc, err)
			}
			if !strings.Contains(ae.Problem, tt.problem) || !strings.Contains(ae.Advice, tt.advice) || err.Error() != ae.Problem+": "+ae.Advice {
				t.Fatalf("got %q", err)
			}
		})
	}
}

func TestFromIntegration(t *testing.T) {
	clientID := "app-id"
	in := &integration.Integration{Name: "HQ", Username: "svc@example.com", OAuthClientID: &clientID,
		OAuthTokenEndpoint: "https://login.example/token", OAuthAuthEndpoint: "https://login.example/authorize", DisableProxy: true}
	keychain := map[string]string{
		integration.SecretPassword:          "password-value",
		integration.SecretOAuthClientSecret: "client-secret-value",
		integration.SecretOAuthRefreshToken: "refresh-token-value",
	}
	var asked []string
	secret := func(field string) (secrets.Secret, bool, error) {
		asked = append(asked, field)
		v, ok := keychain[field]
		return secrets.New(v), ok, nil
	}

	tests := []struct {
		method           string
		wantAsked        string
		password, cs, rt string
	}{
		{integration.AuthBasic, "password", "password-value", "", ""},
		{integration.AuthNTLM, "password", "password-value", "", ""},
		{integration.AuthOAuth, "oauth_client_secret oauth_refresh_token", "", "client-secret-value", "refresh-token-value"},
		{integration.AuthAppPerm, "oauth_client_secret", "", "client-secret-value", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" reads only the secrets it uses", func(t *testing.T) {
			asked = nil
			in.AuthenticationMethod = tt.method
			s, err := auth.FromIntegration(in, secret)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(asked, " ") != tt.wantAsked {
				t.Fatalf("asked for %v", asked)
			}
			if s.Method != tt.method || s.Username != in.Username || s.ClientID != clientID || s.TokenEndpoint != in.OAuthTokenEndpoint ||
				s.AuthEndpoint != in.OAuthAuthEndpoint || !s.DisableProxy {
				t.Fatalf("settings %+v", s)
			}
			if s.Password.Reveal() != tt.password || s.ClientSecret.Reveal() != tt.cs || s.RefreshToken.Reveal() != tt.rt {
				t.Fatal("the secrets were not carried over")
			}
		})
	}

	t.Run("a missing secret is left empty for NewHTTPClient to report", func(t *testing.T) {
		in.AuthenticationMethod = integration.AuthBasic
		s, err := auth.FromIntegration(in, func(string) (secrets.Secret, bool, error) { return secrets.Secret{}, false, nil })
		if err != nil || !s.Password.IsZero() {
			t.Fatalf("%+v, %v", s, err)
		}
		if _, err := auth.NewHTTPClient(s); !auth.IsAuthError(err) || !strings.Contains(err.Error(), "its password") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("a keychain failure is passed on, naming the field and the integration", func(t *testing.T) {
		locked := errors.New("secrets: keychain unavailable: the keychain is locked")
		_, err := auth.FromIntegration(in, func(string) (secrets.Secret, bool, error) { return secrets.Secret{}, false, locked })
		if !errors.Is(err, locked) || !strings.Contains(err.Error(), `password of integration "HQ"`) {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("printing the settings never shows a secret", func(t *testing.T) {
		in.AuthenticationMethod = integration.AuthOAuth
		s, _ := auth.FromIntegration(in, secret)
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if out := fmt.Sprintf(verb, s); strings.Contains(out, "-value") {
				t.Fatalf("%s shows a secret: %s", verb, out)
			}
		}
	})
}

func TestLoadRootCAs(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()

	t.Run("a PEM file adds its CA to the system roots", func(t *testing.T) {
		path := filepath.Join(dir, "ca.pem")
		writeFile(t, path, ca.caPEM, 0o644)
		pool, err := auth.LoadRootCAs(path)
		if err != nil {
			t.Fatal(err)
		}
		srv := ca.startTLS(t, newEWS(t))
		hc, err := auth.NewHTTPClient(auth.Settings{Method: integration.AuthBasic, Username: "u", Password: secrets.New("p"), RootCAs: pool, DisableProxy: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := getFolder(t, hc, srv.URL+"/EWS/Exchange.asmx"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a missing file says how to get one", func(t *testing.T) {
		_, err := auth.LoadRootCAs(filepath.Join(dir, "nope.pem"))
		if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "export the CA certificate") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a file without a PEM certificate says which format to use", func(t *testing.T) {
		path := filepath.Join(dir, "ca.der")
		block := ca.caPEM[len("-----BEGIN CERTIFICATE-----\n"):]
		writeFile(t, path, block, 0o644)
		_, err := auth.LoadRootCAs(path)
		if err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an unreadable path is reported", func(t *testing.T) {
		if _, err := auth.LoadRootCAs(dir); err == nil || !strings.Contains(err.Error(), "reading the CA file") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestNTLMAgainstServersThatDoNotSpeakIt(t *testing.T) {
	ca := newTestCA(t)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		problem string
		advice  string
	}{
		{"a server offering only Basic is named with its schemes",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("WWW-Authenticate", `Basic realm="ews"`)
				w.WriteHeader(http.StatusUnauthorized)
			},
			"does not offer NTLM", "the server offers: Basic"},
		{"a server answering the negotiate message without a challenge (Kerberos only)",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("WWW-Authenticate", "Negotiate")
				w.WriteHeader(http.StatusUnauthorized)
			},
			"without a challenge", "NTLM provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ca.startTLS(t, tt.handler)
			hc, err := auth.NewHTTPClient(auth.Settings{Method: integration.AuthNTLM, Username: `EXAMPLE\svc`, Password: secrets.New("pw-value"), RootCAs: ca.pool, DisableProxy: true})
			if err != nil {
				t.Fatal(err)
			}
			_, err = getFolder(t, hc, srv.URL+"/EWS/Exchange.asmx")
			var ae *auth.Error
			if !errors.As(err, &ae) || !strings.Contains(ae.Problem, tt.problem) || !strings.Contains(ae.Advice, tt.advice) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestTokenEndpointUnreachable(t *testing.T) {
	ca := newTestCA(t)
	exchange := ca.startTLS(t, newEWS(t))
	hc, err := auth.NewHTTPClient(auth.Settings{Method: integration.AuthAppPerm, ClientID: "id", ClientSecret: secrets.New("secret-value"),
		TokenEndpoint: "https://127.0.0.1:" + itoa(freePort(t)) + "/token", RootCAs: ca.pool, DisableProxy: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = getFolder(t, hc, exchange.URL+"/EWS/Exchange.asmx")
	var ae *auth.Error
	if !errors.As(err, &ae) || !strings.Contains(ae.Problem, "could not be reached") || !strings.Contains(ae.Advice, "firewalls") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "secret-value") {
		t.Fatal("the secret is in the error")
	}
}
