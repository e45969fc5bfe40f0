package exidtoken_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/exidtoken"
	"vmr-companion/backend/exidtoken/exidtokentest"
	"vmr-companion/backend/testtls"
)

// clock is the frozen time of a test, moved only by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a fake Exchange, a validator and what an integration expects.
type fixture struct {
	ex    *exidtokentest.Exchange
	v     *exidtoken.Validator
	want  exidtoken.Expect
	clock *clock
	log   *bytes.Buffer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	ex := exidtokentest.Start(t)
	ex.Now = c.Now
	log := &bytes.Buffer{}
	return &fixture{
		ex:    ex,
		v:     exidtoken.New(exidtoken.Config{Now: c.Now, Logger: slog.New(slog.NewTextHandler(log, nil))}),
		want:  exidtoken.Expect{Audiences: []string{exidtokentest.Audience}, Hosts: []string{ex.Domain()}, Client: ex.Client()},
		clock: c,
		log:   log,
	}
}

func (f *fixture) validate(t *testing.T, raw string) (*exidtoken.Identity, error) {
	t.Helper()
	return f.v.Validate(context.Background(), raw, f.want)
}

// accept validates raw and fails the test unless it is accepted.
func (f *fixture) accept(t *testing.T, raw string) *exidtoken.Identity {
	t.Helper()
	id, err := f.validate(t, raw)
	if err != nil {
		t.Fatalf("the token was refused: %v", err)
	}
	return id
}

// refuse validates raw and fails the test unless it is refused by check;
// it returns the detail, checked to hold neither the token nor its
// signature.
func (f *fixture) refuse(t *testing.T, raw, check string) string {
	t.Helper()
	id, err := f.validate(t, raw)
	return refusedBy(t, raw, id, err, check)
}

func refusedBy(t *testing.T, raw string, id *exidtoken.Identity, err error, check string) string {
	t.Helper()
	if id != nil {
		t.Fatalf("the token was accepted as %+v; want refused by %s", id, check)
	}
	r, ok := errors.AsType[*exidtoken.RefusedError](err)
	if !ok {
		t.Fatalf("the error is %T %v; want a *RefusedError by %s", err, err, check)
	}
	if r.Check != check {
		t.Fatalf("refused by %q (%s); want %q", r.Check, r.Detail, check)
	}
	noSecrets(t, raw, err.Error())
	return r.Detail
}

// noSecrets fails when text holds the token or its signature.
func noSecrets(t testing.TB, raw, text string) {
	t.Helper()
	if parts := strings.Split(raw, "."); len(parts) == 3 && len(parts[2]) > 8 && strings.Contains(text, parts[2]) {
		t.Fatalf("%q holds the token's signature", text)
	}
	if len(raw) > 8 && strings.Contains(text, raw) {
		t.Fatalf("%q holds the token", text)
	}
}

// unavailable validates raw and fails the test unless the metadata is
// unavailable.
func (f *fixture) unavailable(t *testing.T, raw string) *exidtoken.UnavailableError {
	t.Helper()
	id, err := f.validate(t, raw)
	if id != nil {
		t.Fatalf("the token was accepted as %+v; want the metadata unavailable", id)
	}
	u, ok := errors.AsType[*exidtoken.UnavailableError](err)
	if !ok {
		t.Fatalf("the error is %T %v; want an *UnavailableError", err, err)
	}
	return u
}

func TestValidTokenNamesTheExchangeUser(t *testing.T) {
	f := newFixture(t)
	id := f.accept(t, f.ex.Token())
	want := exidtoken.Identity{
		ExchangeUID: exidtokentest.UID,
		MetadataURL: f.ex.MetadataURL,
		Key:         "exchange:" + f.ex.MetadataURL + "#" + exidtokentest.UID,
		Audience:    exidtokentest.Audience,
		Issuer:      "00000002-0000-0ff1-ce00-000000000000@" + f.ex.Host,
		Expires:     f.clock.Now().Add(8 * time.Hour),
	}
	if *id != want {
		t.Errorf("identity %+v, want %+v", *id, want)
	}
	if n := f.ex.Requests(); n != 1 {
		t.Errorf("%d metadata requests, want 1", n)
	}
	// The document is cached: a second token costs no request.
	f.accept(t, f.ex.Token(exidtokentest.Appctx("msexchuid", "another-user")))
	if n := f.ex.Requests(); n != 1 {
		t.Errorf("%d metadata requests after a second token, want 1 (cached)", n)
	}
}

func TestDomainsEntriesAreHostsOrURLs(t *testing.T) {
	for _, entry := range []string{
		"127.0.0.1:%s",
		"127.0.0.1:%s/autodiscover",
		"https://127.0.0.1:%s/autodiscover/metadata/json/1",
		"HTTPS://127.0.0.1:%s/autodiscover/metadata/json/1",
		"  127.0.0.1:%s  ",
	} {
		t.Run(entry, func(t *testing.T) {
			f := newFixture(t)
			_, port, _ := strings.Cut(f.ex.Domain(), ":")
			f.want.Hosts = []string{"mail.contoso.com", fmt.Sprintf(entry, port)}
			f.accept(t, f.ex.Token())
		})
	}
}

// An amurl may name only Exchange's metadata document, on port 443 or one
// an entry of domains names: nothing else on an Exchange host is ever
// requested because a token says so.
func TestMetadataURLIsExchangesDocumentOnly(t *testing.T) {
	f := newFixture(t)
	base := "https://" + f.ex.Domain()
	for _, c := range []struct{ name, amurl string }{
		{"another path", base + "/owa/anything"},
		{"a query", f.ex.MetadataURL + "?n=1"},
		{"an empty query", f.ex.MetadataURL + "?"},
		{"a fragment", f.ex.MetadataURL + "#x"},
		{"an escaped path", base + "/autodiscover/metadata/json%2F1"},
		{"Exchange Online", "https://outlook.office365.com/autodiscover/metadata/json/1"},
	} {
		t.Run(c.name+" is refused", func(t *testing.T) {
			if c.name == "Exchange Online" {
				f.want.Hosts = append(f.want.Hosts, "outlook.office365.com")
			}
			f.refuse(t, f.ex.Token(exidtokentest.AMURL(c.amurl)), "amurl")
		})
	}
	t.Run("a port no entry names is refused", func(t *testing.T) {
		g := newFixture(t)
		g.want.Hosts = []string{g.ex.Host}
		g.refuse(t, g.ex.Token(), "amurl")
		if n := g.ex.Requests(); n != 0 {
			t.Errorf("%d metadata requests, want 0", n)
		}
	})
	t.Run("the path in capitals is the same document", func(t *testing.T) {
		f.accept(t, f.ex.Token(exidtokentest.AMURL(base+"/AutoDiscover/Metadata/JSON/1")))
	})
	if n := f.ex.Requests(); n != 1 {
		t.Errorf("%d metadata requests, want 1", n)
	}
}

func TestAudience(t *testing.T) {
	accepted := []struct{ name, aud, want string }{
		{"with a query string the integration's URL has not", exidtokentest.Audience + "?integration=4f1c", exidtokentest.Audience},
		{"with another query string", exidtokentest.Audience + "?integration=4f1c&et=", exidtokentest.Audience + "?integration=0000"},
		{"with the scheme and host in capitals", "HTTPS://ADDIN.Contoso.COM/addin/taskpane.html", exidtokentest.Audience},
		{"with the default port", "https://addin.contoso.com:443/addin/taskpane.html", exidtokentest.Audience},
	}
	for _, c := range accepted {
		t.Run("is accepted "+c.name, func(t *testing.T) {
			f := newFixture(t)
			f.want.Audiences = []string{"https://dev.example/addin/taskpane.html", c.want}
			if id := f.accept(t, f.ex.Token(exidtokentest.Aud(c.aud))); id.Audience != c.aud {
				t.Errorf("Audience %q, want %q as the token has it", id.Audience, c.aud)
			}
		})
	}
	refused := []struct{ name, aud string }{
		{"on another host", "https://b.example/addin/taskpane.html"},
		{"with a trailing slash", exidtokentest.Audience + "/"},
		{"with another path", "https://addin.contoso.com/addin/TaskPane.html"},
		{"over http", "http://addin.contoso.com/addin/taskpane.html"},
		{"on another port", "https://addin.contoso.com:8443/addin/taskpane.html"},
		{"that is not a URL", "taskpane"},
	}
	for _, c := range refused {
		t.Run("is refused "+c.name, func(t *testing.T) {
			f := newFixture(t)
			detail := f.refuse(t, f.ex.Token(exidtokentest.Aud(c.aud)), "aud")
			if !strings.Contains(detail, "this host serves "+exidtokentest.Audience) {
				t.Errorf("detail %q does not say which URL this host serves", detail)
			}
			if f.ex.Requests() != 0 {
				t.Errorf("%d metadata requests for a token for another add-in", f.ex.Requests())
			}
		})
	}
	t.Run("is refused when it is not one string", func(t *testing.T) {
		f := newFixture(t)
		f.refuse(t, f.ex.Token(exidtokentest.Claim("aud", []string{exidtokentest.Audience})), "aud")
		f.refuse(t, f.ex.Token(exidtokentest.Claim("aud", nil)), "aud")
	})
	t.Run("names both URLs in the refusal", func(t *testing.T) {
		f := newFixture(t)
		f.want.Audiences = []string{"https://b.example/addin/taskpane.html"}
		detail := f.refuse(t, f.ex.Token(exidtokentest.Aud("https://a.example/addin/taskpane.html")), "aud")
		want := "the token was issued for https://a.example/addin/taskpane.html, this host serves https://b.example/addin/taskpane.html"
		if detail != want {
			t.Errorf("detail %q, want %q", detail, want)
		}
	})
}

func TestSignature(t *testing.T) {
	t.Run("by another key under the published x5t is refused", func(t *testing.T) {
		f := newFixture(t)
		f.refuse(t, f.ex.Token(exidtokentest.SignedBy(exidtokentest.NewKey(t, 2048))), "signature")
	})
	t.Run("over another payload is refused", func(t *testing.T) {
		f := newFixture(t)
		a := strings.Split(f.ex.Token(), ".")
		b := strings.Split(f.ex.Token(exidtokentest.Appctx("msexchuid", "the-administrator")), ".")
		f.refuse(t, a[0]+"."+b[1]+"."+a[2], "signature")
	})
	t.Run("cut short is refused", func(t *testing.T) {
		f := newFixture(t)
		tok := f.ex.Token()
		f.refuse(t, tok[:len(tok)-10], "signature")
	})
	t.Run("empty is refused", func(t *testing.T) {
		f := newFixture(t)
		tok := f.ex.Token()
		f.refuse(t, tok[:strings.LastIndex(tok, ".")+1], "signature")
	})
}

func TestAlgorithms(t *testing.T) {
	cases := []struct {
		name, check string
		opt         func(ex *exidtokentest.Exchange) exidtokentest.Option
	}{
		{"none", "alg", func(*exidtokentest.Exchange) exidtokentest.Option { return exidtokentest.Unsigned() }},
		{"HS256 keyed with the published certificate", "alg", func(ex *exidtokentest.Exchange) exidtokentest.Option {
			return exidtokentest.HMAC(ex.CertDER())
		}},
		{"RS512", "alg", func(*exidtokentest.Exchange) exidtokentest.Option { return exidtokentest.Header("alg", "RS512") }},
		{"rs256 in lower case", "alg", func(*exidtokentest.Exchange) exidtokentest.Option { return exidtokentest.Header("alg", "rs256") }},
		{"missing", "alg", func(*exidtokentest.Exchange) exidtokentest.Option { return exidtokentest.Header("alg", nil) }},
		{"a typ other than JWT", "typ", func(*exidtokentest.Exchange) exidtokentest.Option { return exidtokentest.Header("typ", "at+jwt") }},
		{"no typ", "typ", func(*exidtokentest.Exchange) exidtokentest.Option { return exidtokentest.Header("typ", nil) }},
		{"no x5t", "x5t", func(*exidtokentest.Exchange) exidtokentest.Option { return exidtokentest.Header("x5t", nil) }},
		{"an x5t that is no thumbprint", "x5t", func(*exidtokentest.Exchange) exidtokentest.Option { return exidtokentest.X5t("../../etc") }},
		{"critical extensions", "crit", func(*exidtokentest.Exchange) exidtokentest.Option {
			return exidtokentest.Header("crit", []string{"exp"})
		}},
	}
	for _, c := range cases {
		t.Run("a header with "+c.name+" is refused before any fetch", func(t *testing.T) {
			f := newFixture(t)
			f.refuse(t, f.ex.Token(c.opt(f.ex)), c.check)
			if n := f.ex.Requests(); n != 0 {
				t.Errorf("%d metadata requests, want 0", n)
			}
		})
	}
}

func TestTimes(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	cases := []struct {
		name     string
		nbf, exp time.Time
		check    string // "" accepted
	}{
		{"expired long ago", now.Add(-9 * time.Hour), now.Add(-time.Hour), "exp"},
		{"expired beyond the allowance", now.Add(-9 * time.Hour), now.Add(-5*time.Minute - time.Second), "exp"},
		{"expired within the allowance", now.Add(-9 * time.Hour), now.Add(-4 * time.Minute), ""},
		{"valid later than the allowance", now.Add(5*time.Minute + time.Second), now.Add(8 * time.Hour), "nbf"},
		{"valid tomorrow", now.Add(24 * time.Hour), now.Add(32 * time.Hour), "nbf"},
		{"valid within the allowance", now.Add(4 * time.Minute), now.Add(8 * time.Hour), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := f.ex.Token(exidtokentest.Times(c.nbf, c.exp))
			if c.check == "" {
				f.accept(t, tok)
				return
			}
			f.refuse(t, tok, c.check)
		})
	}
	for _, c := range []struct{ name, claim string }{{"nbf", "nbf"}, {"exp", "exp"}} {
		t.Run("a missing "+c.name+" is refused", func(t *testing.T) {
			f.refuse(t, f.ex.Token(exidtokentest.Claim(c.claim, nil)), c.claim)
		})
		t.Run("a "+c.name+" in a string is refused", func(t *testing.T) {
			f.refuse(t, f.ex.Token(exidtokentest.Claim(c.claim, "1765098000")), c.claim)
		})
		t.Run("a "+c.name+" out of range is refused", func(t *testing.T) {
			f.refuse(t, f.ex.Token(exidtokentest.Claim(c.claim, 1e300)), c.claim)
			f.refuse(t, f.ex.Token(exidtokentest.Claim(c.claim, -1)), c.claim)
		})
	}
}

func TestAppctx(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, check string
		opt         exidtokentest.Option
	}{
		{"another version", "version", exidtokentest.Appctx("version", "ExIdTok.V2")},
		{"no version", "version", exidtokentest.Appctx("version", nil)},
		{"an object, not a string", "appctx", exidtokentest.AppctxRaw(`{"msexchuid":"u","version":"ExIdTok.V1","amurl":"` + f.ex.MetadataURL + `"}`)},
		{"a string that is not JSON", "appctx", exidtokentest.AppctxRaw(`"msexchuid=u;version=ExIdTok.V1"`)},
		{"a string holding an array", "appctx", exidtokentest.AppctxRaw(`"[1,2]"`)},
		{"a string holding null", "appctx", exidtokentest.AppctxRaw(`"null"`)},
		{"a number", "appctx", exidtokentest.AppctxRaw(`42`)},
		{"null", "appctx", exidtokentest.AppctxRaw(`null`)},
		{"no msexchuid", "appctx", exidtokentest.Appctx("msexchuid", nil)},
		{"an empty msexchuid", "appctx", exidtokentest.Appctx("msexchuid", "")},
		{"a msexchuid that is a number", "appctx", exidtokentest.Appctx("msexchuid", 7)},
		{"no amurl", "appctx", exidtokentest.Appctx("amurl", nil)},
	}
	for _, c := range cases {
		t.Run("with "+c.name+" is refused", func(t *testing.T) {
			f.refuse(t, f.ex.Token(c.opt), c.check)
		})
	}
	if n := f.ex.Requests(); n != 0 {
		t.Errorf("%d metadata requests, want 0", n)
	}
}

func TestMetadataURLOutsideTheDomainsIsNeverFetched(t *testing.T) {
	f := newFixture(t)
	// The same machine under another name stands for an attacker's host.
	evil := exidtokentest.StartNamed(t, "localhost")
	evil.Now = f.clock.Now
	f.want.Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: poolOf(t, f.ex, evil)}}}

	t.Run("a token signed by that host's own key", func(t *testing.T) {
		detail := f.refuse(t, evil.Token(), "amurl")
		want := "the token's metadata URL " + evil.MetadataURL + " is not on one of the integration's Exchange domains (" + f.ex.Domain() + "); add its host to domains if it is your Exchange server (with its port, if not 443)"
		if detail != want {
			t.Errorf("detail %q, want %q", detail, want)
		}
	})
	for _, u := range []string{
		evil.MetadataURL,
		"http://127.0.0.1/autodiscover/metadata/json/1",
		"https://127.0.0.1@localhost:" + itoa(evil.Port()) + exidtokentest.MetadataPath,
		"https://localhost:" + itoa(evil.Port()) + "/?h=127.0.0.1",
		"https://127.0.0.1.nip.io/autodiscover/metadata/json/1",
		"//127.0.0.1/autodiscover/metadata/json/1",
		"/autodiscover/metadata/json/1",
		"https:127.0.0.1",
		"https://[::1]:" + itoa(evil.Port()) + exidtokentest.MetadataPath,
		f.ex.MetadataURL + "?" + strings.Repeat("x", 1024),
	} {
		t.Run("amurl "+u, func(t *testing.T) {
			f.refuse(t, f.ex.Token(exidtokentest.AMURL(u)), "amurl")
		})
	}
	t.Run("no domains at all", func(t *testing.T) {
		want := f.want
		want.Hosts = nil
		id, err := f.v.Validate(context.Background(), f.ex.Token(), want)
		detail := refusedBy(t, "", id, err, "amurl")
		if !strings.Contains(detail, "lists no Exchange domains") {
			t.Errorf("detail %q does not say the integration has no domains", detail)
		}
	})
	if n := evil.Requests(); n != 0 {
		t.Errorf("the host outside the domains received %d requests, want 0", n)
	}
	if n := f.ex.Requests(); n != 0 {
		t.Errorf("the Exchange server received %d requests, want 0", n)
	}
}

func TestARedirectIsNotFollowed(t *testing.T) {
	f := newFixture(t)
	evil := exidtokentest.StartNamed(t, "localhost")
	ca := testtls.NewCA(t, "redirector")
	redirector := testtls.Serve(t, http.RedirectHandler(evil.MetadataURL, http.StatusFound), ca.Valid(t, "127.0.0.1"))
	f.want.Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: poolOf(t, f.ex, evil, ca)}}}
	f.want.Hosts = []string{strings.TrimPrefix(redirector.URL, "https://")}
	u := f.unavailable(t, f.ex.Token(exidtokentest.AMURL(redirector.URL+exidtokentest.MetadataPath)))
	if !strings.Contains(u.Error(), "redirect") {
		t.Errorf("error %q does not say a redirect was refused", u)
	}
	if n := evil.Requests(); n != 0 {
		t.Errorf("the redirect's target received %d requests, want 0", n)
	}
}

func TestUnknownKey(t *testing.T) {
	t.Run("is fetched again once, then refused", func(t *testing.T) {
		f := newFixture(t)
		f.accept(t, f.ex.Token())
		unknown := f.ex.Token(exidtokentest.X5t("AAAAAAAAAAAAAAAAAAAAAAAAAAA"))
		detail := f.refuse(t, unknown, "x5t")
		if n := f.ex.Requests(); n != 2 {
			t.Fatalf("%d metadata requests, want 2 (the first fetch and one refetch)", n)
		}
		if !strings.Contains(detail, "AAAAAAAAAAAAAAAAAAAAAAAAAAA") || !strings.Contains(detail, f.ex.MetadataURL) {
			t.Errorf("detail %q does not name the key and the document", detail)
		}
		for range 5 {
			f.refuse(t, unknown, "x5t")
		}
		if n := f.ex.Requests(); n != 2 {
			t.Fatalf("%d metadata requests after more unknown keys within a minute, want 2", n)
		}
		f.accept(t, f.ex.Token())
		f.clock.Add(time.Minute)
		f.refuse(t, unknown, "x5t")
		if n := f.ex.Requests(); n != 3 {
			t.Fatalf("%d metadata requests a minute later, want 3", n)
		}
	})
	t.Run("with an empty cache costs one fetch", func(t *testing.T) {
		f := newFixture(t)
		unknown := f.ex.Token(exidtokentest.X5t("AAAAAAAAAAAAAAAAAAAAAAAAAAA"))
		f.refuse(t, unknown, "x5t")
		f.refuse(t, unknown, "x5t")
		if n := f.ex.Requests(); n != 1 {
			t.Fatalf("%d metadata requests, want 1", n)
		}
	})
	t.Run("after Exchange rotated its key is accepted after one refetch", func(t *testing.T) {
		f := newFixture(t)
		old := f.ex.Token()
		f.accept(t, old)
		f.ex.RotateKey()
		f.accept(t, f.ex.Token())
		if n := f.ex.Requests(); n != 2 {
			t.Fatalf("%d metadata requests, want 2", n)
		}
		// The old key is gone from the document now fetched.
		f.refuse(t, old, "x5t")
	})
}

func TestCachedDocumentsExpire(t *testing.T) {
	f := newFixture(t)
	long := func() string {
		now := f.clock.Now()
		return f.ex.Token(exidtokentest.Times(now.Add(-time.Minute), now.Add(time.Hour)))
	}
	f.accept(t, long())
	f.clock.Add(23 * time.Hour)
	f.accept(t, long())
	if n := f.ex.Requests(); n != 1 {
		t.Fatalf("%d metadata requests within a day, want 1", n)
	}
	f.clock.Add(time.Hour)
	f.accept(t, long())
	if n := f.ex.Requests(); n != 2 {
		t.Fatalf("%d metadata requests after a day, want 2", n)
	}
}

func TestMetadataUnavailable(t *testing.T) {
	t.Run("an endpoint answering 500 is unavailable, briefly remembered", func(t *testing.T) {
		f := newFixture(t)
		f.ex.Fail(true)
		tok := f.ex.Token()
		u := f.unavailable(t, tok)
		if u.URL != f.ex.MetadataURL || !strings.Contains(u.Error(), "500") {
			t.Errorf("error %q, want the URL and the 500", u)
		}
		noSecrets(t, tok, f.log.String())
		f.ex.Fail(false)
		f.unavailable(t, tok)
		if n := f.ex.Requests(); n != 1 {
			t.Fatalf("%d requests, want 1: a failure is not retried at once", n)
		}
		f.clock.Add(10 * time.Second)
		f.accept(t, tok)
	})
	t.Run("a server that is down is unavailable", func(t *testing.T) {
		f := newFixture(t)
		tok := f.ex.Token()
		f.ex.Close()
		f.unavailable(t, tok)
	})
	t.Run("a server whose certificate is not trusted is unavailable", func(t *testing.T) {
		f := newFixture(t)
		f.want.Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: testtls.NewCA(t, "another").Pool}}}
		u := f.unavailable(t, f.ex.Token())
		if !strings.Contains(u.Error(), "ews_ca_file") {
			t.Errorf("error %q does not say how to trust the certificate", u)
		}
		if n := f.ex.Requests(); n != 0 {
			t.Errorf("%d requests reached the server", n)
		}
	})
	t.Run("a published key shorter than 2048 bits is unusable", func(t *testing.T) {
		f := newFixture(t)
		f.ex.RotateKeyTo(exidtokentest.NewKey(t, 1024))
		u := f.unavailable(t, f.ex.Token())
		if !strings.Contains(u.Error(), "1024 bits") {
			t.Errorf("error %q does not say why the key cannot be used", u)
		}
	})
	for _, c := range []struct{ name, body, want string }{
		{"not JSON", "<html>Outlook on the web</html>", "not an authentication metadata document"},
		{"without keys", `{"id":"x","keys":[]}`, "no signing keys"},
		{"with keys but no thumbprints", `{"keys":[{"keyvalue":{"type":"x509Certificate","value":"AAAA"}}]}`, "no signing keys"},
		{"too large", `{"keys":[` + strings.Repeat(" ", 1<<20) + `]}`, "larger than"},
	} {
		t.Run("a document "+c.name+" is unavailable", func(t *testing.T) {
			f := newFixture(t)
			ca := testtls.NewCA(t, "odd Exchange")
			srv := testtls.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(c.body))
			}), ca.Valid(t, "127.0.0.1"))
			f.want.Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}}}
			f.want.Hosts = append(f.want.Hosts, strings.TrimPrefix(srv.URL, "https://"))
			u := f.unavailable(t, f.ex.Token(exidtokentest.AMURL(srv.URL+exidtokentest.MetadataPath)))
			if !strings.Contains(u.Error(), c.want) {
				t.Errorf("error %q, want it to say %q", u, c.want)
			}
		})
	}
	t.Run("a document listing the key as something else than a certificate is unavailable", func(t *testing.T) {
		f := newFixture(t)
		x5t := f.ex.X5t()
		ca := testtls.NewCA(t, "odd Exchange")
		srv := testtls.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"keys":[{"keyinfo":{"x5t":"` + x5t + `"},"keyvalue":{"type":"RsaKeyValue","value":"AQAB"}}]}`))
		}), ca.Valid(t, "127.0.0.1"))
		f.want.Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}}}
		f.want.Hosts = append(f.want.Hosts, strings.TrimPrefix(srv.URL, "https://"))
		f.unavailable(t, f.ex.Token(exidtokentest.AMURL(srv.URL+exidtokentest.MetadataPath)))
	})
}

func TestConcurrentValidationsShareOneFetch(t *testing.T) {
	f := newFixture(t)
	tok := f.ex.Token()
	start := make(chan struct{})
	errs := make(chan error, 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			<-start
			_, err := f.validate(t, tok)
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := f.ex.Requests(); n != 1 {
		t.Errorf("%d metadata requests for 20 validations at once, want 1", n)
	}
}

func TestCancelledContext(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.v.Validate(ctx, f.ex.Token(), f.want); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	// A cancelled validation is no failure of the server's.
	f.accept(t, f.ex.Token())
}

func TestMalformedTokens(t *testing.T) {
	f := newFixture(t)
	good := strings.Split(f.ex.Token(), ".")
	b64 := func(s string) string { return encode([]byte(s)) }
	cases := []struct{ name, raw, check string }{
		{"empty", "", "format"},
		{"two parts", good[0] + "." + good[1], "format"},
		{"four parts", strings.Join(append(good, good[2]), "."), "format"},
		{"longer than 16 KB", good[0] + "." + strings.Repeat("A", 16<<10) + "." + good[2], "format"},
		{"a header that is not base64url", "!!!." + good[1] + "." + good[2], "format"},
		{"a payload that is not base64url", good[0] + ".a+b/." + good[2], "format"},
		{"a signature that is not base64url", good[0] + "." + good[1] + ".***", "format"},
		{"a header that is not JSON", b64("typ=JWT") + "." + good[1] + "." + good[2], "format"},
		{"a header that is a JSON array", b64(`["JWT"]`) + "." + good[1] + "." + good[2], "format"},
		{"a header with typ as a number", b64(`{"typ":1,"alg":"RS256","x5t":"a"}`) + "." + good[1] + "." + good[2], "format"},
		{"a payload that is a JSON string", good[0] + "." + b64(`"aud"`) + "." + good[2], "format"},
		{"a payload that is cut", good[0] + "." + b64(`{"aud":"https://a`) + "." + good[2], "format"},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused", func(t *testing.T) {
			f.refuse(t, c.raw, c.check)
		})
	}
	t.Run("a signature spelled with unused bits set is refused", func(t *testing.T) {
		// 256 bytes take 342 characters, the last carrying 4 unused bits:
		// a lenient decoder would read another spelling as the same token.
		tok := f.ex.Token()
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, tok[len(tok)-1])
		f.refuse(t, tok[:len(tok)-1]+string(alphabet[last^1]), "format")
	})
	t.Run("a value with control characters is quoted in the detail", func(t *testing.T) {
		detail := f.refuse(t, f.ex.Token(exidtokentest.Header("alg", "RS256\n\x1b[31mHS256")), "alg")
		if strings.ContainsAny(detail, "\n\x1b") {
			t.Errorf("detail %q holds control characters", detail)
		}
	})
	t.Run("a long value is cut in the detail", func(t *testing.T) {
		detail := f.refuse(t, f.ex.Token(exidtokentest.Aud("https://a.example/"+strings.Repeat("x", 4000))), "aud")
		if len(detail) > 600 {
			t.Errorf("detail of %d bytes", len(detail))
		}
	})
	if n := f.ex.Requests(); n != 0 {
		t.Errorf("%d metadata requests, want 0", n)
	}
}

// poolOf trusts the CAs of the fakes and servers of a test.
func poolOf(t *testing.T, cas ...any) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	for _, c := range cas {
		switch c := c.(type) {
		case *exidtokentest.Exchange:
			pool.AddCert(c.CA().Cert)
		case *testtls.CA:
			pool.AddCert(c.Cert)
		default:
			t.Fatalf("poolOf(%T)", c)
		}
	}
	return pool
}

func itoa(n int) string { return strconv.Itoa(n) }

func encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestTheCacheIsBounded(t *testing.T) {
	f := newFixture(t)
	token := f.ex.Token()
	f.accept(t, token)
	// The cache keeps one document per URL and trust store: 256 other
	// trust stores push the first entry out.
	first := f.want
	for i := range 256 {
		f.clock.Add(time.Second)
		f.want.Trust = itoa(i)
		f.accept(t, token)
	}
	last := f.want
	if n := f.ex.Requests(); n != 257 {
		t.Fatalf("%d metadata requests, want 257", n)
	}
	f.want = first
	f.accept(t, token)
	if n := f.ex.Requests(); n != 258 {
		t.Fatalf("%d metadata requests, want 258: the document used longest ago is fetched again", n)
	}
	// The most recent one is still cached.
	f.want = last
	f.accept(t, token)
	if n := f.ex.Requests(); n != 258 {
		t.Fatalf("%d metadata requests, want 258", n)
	}
}

func TestMetadataURLIsKeptAsSent(t *testing.T) {
	f := newFixture(t)
	f.want.Hosts = []string{"MAIL.contoso.com", strings.Replace(f.ex.Domain(), "127.0.0.1", "127.0.0.1.", 1)}
	amurl := strings.Replace(f.ex.MetadataURL, "https://", "HTTPS://", 1)
	id := f.accept(t, f.ex.Token(exidtokentest.AMURL(amurl)))
	if id.MetadataURL != amurl || id.Key != "exchange:"+amurl+"#"+exidtokentest.UID {
		t.Errorf("identity %+v; want amurl %s as the token has it", id, amurl)
	}
}
