package auth_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/auth"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

func ntlmSettings(ca *testCA, username, password string) auth.Settings {
	return auth.Settings{Method: integration.AuthNTLM, Username: username, Password: secrets.New(password), RootCAs: ca.pool, DisableProxy: true}
}

func TestNTLMAgainstApache(t *testing.T) {
	ca := newTestCA(t)
	backend := httptest.NewServer(newEWS(t))
	t.Cleanup(backend.Close)
	apache := startApache(t, ca, backend.URL)

	for _, username := range []string{ntlmDomain + `\` + ntlmUser, ntlmUPN} {
		t.Run("the right password as "+username+" reads the calendar folder, one handshake per connection", func(t *testing.T) {
			mark := len(apache.accessLog(t))
			hc, err := auth.NewHTTPClient(ntlmSettings(ca, username, apache.password))
			if err != nil {
				t.Fatal(err)
			}
			defer hc.CloseIdleConnections()
			for range 2 {
				f, err := getFolder(t, hc, apache.url)
				if err != nil {
					t.Fatal(err)
				}
				if f.DisplayName == "" {
					t.Fatalf("folder %+v", f)
				}
			}
			// Anonymous 401, negotiate 401 (challenge), authenticate 200;
			// then the second call goes straight through on the same,
			// now authenticated, connection. (go-ntlmssp holds the
			// anonymous answer open, so the handshake takes a new one.)
			log := apache.waitAccessLog(t, mark, 4)
			if got := statuses(log); got != "401 401 200 200" {
				t.Fatalf("statuses %q, want 401 401 200 200: %+v", got, log)
			}
			for _, e := range log[2:] {
				if e.port != log[1].port {
					t.Fatalf("the handshake and the calls after it used more than one connection: %+v", log)
				}
			}
			if u := log[3].user; !strings.Contains(strings.ToLower(u), ntlmUser) {
				t.Fatalf("Apache authenticated %q, want %s", u, ntlmUser)
			}
		})
	}

	t.Run("a wrong password is refused once, with NTLM advice and without the password", func(t *testing.T) {
		mark := len(apache.accessLog(t))
		wrong := randomPassword(t)
		hc, err := auth.NewHTTPClient(ntlmSettings(ca, ntlmDomain+`\`+ntlmUser, wrong))
		if err != nil {
			t.Fatal(err)
		}
		defer hc.CloseIdleConnections()
		calls := countCalls(hc)
		_, err = getFolder(t, hc, apache.url)
		var ae *auth.Error
		if !errors.As(err, &ae) || !auth.IsAuthError(err) {
			t.Fatalf("got %v, want *auth.Error", err)
		}
		if ae.Method != integration.AuthNTLM || ae.Status != 401 || !strings.Contains(ae.Problem, "NTLM authentication was refused") {
			t.Fatalf("error %+v", ae)
		}
		for _, want := range []string{"user name", "password", "domain", "Layer 7", "Layer 4 (TCP) passthrough"} {
			if !strings.Contains(ae.Advice, want) {
				t.Errorf("the advice does not mention %q: %s", want, ae.Advice)
			}
		}
		if ews.IsTransient(err) {
			t.Error("a refused login is reported as transient: the client would retry it")
		}
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", ae)} {
			if strings.Contains(text, wrong) {
				t.Fatal("the password is in the error")
			}
		}
		// One handshake (anonymous, negotiate, authenticate), no retry.
		if *calls != 1 {
			t.Fatalf("the EWS client sent the request %d times, want once", *calls)
		}
		if got := statuses(apache.waitAccessLog(t, mark, 3)); got != "401 401 401" {
			t.Fatalf("statuses %q, want one handshake 401 401 401", got)
		}
	})
}

func statuses(log []accessEntry) string {
	var s []string
	for _, e := range log {
		s = append(s, e.status)
	}
	return strings.Join(s, " ")
}
