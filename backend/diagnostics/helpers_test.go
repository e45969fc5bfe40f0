package diagnostics

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/exidtoken/exidtokentest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/testtls"
)

const (
	room        = "vmr@contoso.com"
	password    = "Correct-Horse-7-Battery"
	addinDomain = "addins.contoso.test"
)

// fakeExchange is a fake Exchange (ewstest) behind a TLS server for localhost,
// with the add-in server's pages beside it.
type fakeExchange struct {
	ca    *testtls.CA
	meta  *exidtokentest.Exchange // its authentication metadata, as localhost:443
	fake  *ewstest.Server
	srv   *httptest.Server
	addin *httptest.Server
	port  string
}

func newExchange(t *testing.T) *fakeExchange {
	t.Helper()
	ca := testtls.NewCA(t, "Contoso Test Root CA")
	fake := ewstest.New(room)
	ex := &fakeExchange{ca: ca, fake: fake}
	ex.srv = testtls.Serve(t, fake, ca.Valid(t, "localhost", "127.0.0.1"))
	ex.port = portOf(t, ex.srv.URL)
	ex.meta = exidtokentest.StartNamed(t, "localhost")
	ex.addin = testtls.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Write([]byte("VMR Companion add-in host"))
		case "/office-js/office.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte("var Office = {};"))
		default:
			http.NotFound(w, r)
		}
	}), ca.Valid(t, addinDomain))
	return ex
}

func portOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// integration is a valid BASIC integration for the fake Exchange, whose
// add-in server and Office.js are the add-in test server.
func (ex *fakeExchange) integration() *integration.Integration {
	in := integration.Defaults()
	in.Name = "Contoso"
	in.UUID = "5f0c8a52-6b0e-4a43-9d8e-1d7c1f0c2a11"
	in.URL = "https://localhost:" + ex.port + "/EWS/Exchange.asmx"
	in.Domains = []string{"localhost"}
	r := room
	in.RoomMailboxEmailAddress = &r
	in.Username = `CONTOSO\svc-vmr`
	in.AuthenticationMethod = integration.AuthBasic
	in.AddinServerDomain = addinDomain
	in.UseCustomAddInSources = true
	in.OfficeJSURL = "https://" + addinDomain + "/office-js/office.js"
	in.SecretsStored = []string{integration.SecretPassword}
	return in
}

// options trust the test CAs, hold the password, and route the add-in
// domain's port 443 to the add-in test server and localhost's to the
// Exchange authentication metadata.
func (ex *fakeExchange) options() Options {
	addinAddr := strings.TrimPrefix(ex.addin.URL, "https://")
	metaAddr := strings.TrimPrefix(ex.meta.URL, "https://")
	roots := ex.ca.Pool.Clone()
	roots.AddCert(ex.meta.CA().Cert)
	return Options{
		RootCAs: roots,
		// Far longer than any check takes on a loaded machine, so no test
		// ends by the clock; the tests of the timeout set their own.
		Timeout: time.Hour,
		Secret: func(field string) (secrets.Secret, bool, error) {
			if field == integration.SecretPassword {
				return secrets.New(password), true, nil
			}
			return secrets.Secret{}, false, nil
		},
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			switch address {
			case net.JoinHostPort(addinDomain, "443"):
				address = addinAddr
			case net.JoinHostPort("localhost", "443"):
				address = metaAddr
			}
			var d net.Dialer
			return d.DialContext(ctx, network, address)
		},
	}
}

func find(t *testing.T, r *Report, id string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no %s check in the report: %+v", id, r.Checks)
	return Check{}
}

// expect asserts a check's outcome and that its detail and fix contain the
// given texts (fix texts start with "fix:").
func expect(t *testing.T, r *Report, id, outcome string, texts ...string) Check {
	t.Helper()
	c := find(t, r, id)
	if c.Outcome != outcome {
		t.Fatalf("%s: outcome %s, want %s\ndetail: %s\nfix: %s", id, c.Outcome, outcome, c.Detail, c.Fix)
	}
	for _, s := range texts {
		if fix, ok := strings.CutPrefix(s, "fix:"); ok {
			if !strings.Contains(c.Fix, fix) {
				t.Errorf("%s: fix %q does not say %q", id, c.Fix, fix)
			}
		} else if !strings.Contains(c.Detail, s) {
			t.Errorf("%s: detail %q does not say %q", id, c.Detail, s)
		}
	}
	if c.Outcome != Pass && c.Outcome != Skip && c.Fix == "" {
		t.Errorf("%s: %s without a fix", id, c.Outcome)
	}
	return c
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := portOf(t, "tcp://"+l.Addr().String())
	l.Close()
	return port
}
