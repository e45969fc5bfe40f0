package addinhost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/exidtoken"
	"vmr-companion/backend/testtls"
)

// fakeExchange stands in for exidtoken.Validator: it records what the host
// asked for and answers what the test says.
type fakeExchange struct {
	mu     sync.Mutex
	asked  []exidtoken.Expect
	tokens []string
	answer func(ctx context.Context, raw string, want exidtoken.Expect) (*exidtoken.Identity, error)
}

func (f *fakeExchange) Validate(ctx context.Context, raw string, want exidtoken.Expect) (*exidtoken.Identity, error) {
	f.mu.Lock()
	f.asked = append(f.asked, want)
	f.tokens = append(f.tokens, raw)
	answer := f.answer
	f.mu.Unlock()
	return answer(ctx, raw, want)
}

func (f *fakeExchange) last(t *testing.T) (exidtoken.Expect, string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.asked) == 0 {
		t.Fatal("the host never asked the validator")
	}
	return f.asked[len(f.asked)-1], f.tokens[len(f.tokens)-1]
}

// exchangeUser is the identity fake tokens name: "token-<uid>" is valid
// for the user uid, "refused-<check>" is refused, "down" finds the
// metadata unavailable.
func exchangeUser(_ context.Context, raw string, _ exidtoken.Expect) (*exidtoken.Identity, error) {
	const amurl = "https://mail.example.com/autodiscover/metadata/json/1"
	switch {
	case strings.HasPrefix(raw, "token-"):
		uid := strings.TrimPrefix(raw, "token-")
		return &exidtoken.Identity{ExchangeUID: uid, MetadataURL: amurl, Key: "exchange:" + amurl + "#" + uid,
			Audience: "https://addins.example.com/addin/taskpane.html"}, nil
	case strings.HasPrefix(raw, "refused-"):
		return nil, &exidtoken.RefusedError{Check: strings.TrimPrefix(raw, "refused-"),
			Detail: "the token was issued for https://a.example/addin/taskpane.html, this host serves https://addins.example.com/addin/taskpane.html"}
	case raw == "down":
		return nil, &exidtoken.UnavailableError{URL: amurl, Err: errors.New("connection refused")}
	}
	return nil, &exidtoken.RefusedError{Check: "format", Detail: "the token is not a JWT"}
}

// syncBuffer is a log destination the host's goroutines share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestExchangeIdentityTokens(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", map[string]any{"domains": []string{"example.com", "Contoso.example"}})
	e.addConference(t, &conference.Conference{Name: "Alice's room", PrimaryOwnerEmailAddress: "alice@example.com",
		Aliases: []conference.Alias{{Alias: "meet.alice@vc.example.com"}}})
	fake := &fakeExchange{answer: exchangeUser}
	var logs syncBuffer
	cfg := e.config()
	cfg.Auth = addinhost.AuthIntegration
	cfg.ExchangeTokens = fake
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := startHost(t, e, cfg)
	path := "/api/v1/integrations/" + in.UUID
	reserve := func(t *testing.T, key string, hdr map[string]string) response {
		t.Helper()
		return h.do(t, http.MethodPost, path+"/reservations", mustJSON(t, map[string]string{"item_key": key}), hdr)
	}
	user := func(token, address string) map[string]string { return with(bearer(token), "X-VMR-User", address) }

	t.Run("the pane learns to send Exchange identity tokens", func(t *testing.T) {
		got := decode[addinhost.PaneConfig](t, h.get(t, path+"/pane", nil))
		if got.Auth != addinhost.PaneAuthExchange || got.NAAClientID != "" || got.NAAScopes != nil {
			t.Errorf("pane config = %+v", got)
		}
	})

	t.Run("a valid token reserves for the Exchange user, under the address the pane claims", func(t *testing.T) {
		r := wantAnswer(t, reserve(t, "k1", user("token-uid-alice", "Alice@Example.com")), http.StatusCreated)
		a, err := e.aliases.Lookup(context.Background(), decode[addinhost.Reservation](t, r).AliasUUID)
		if err != nil {
			t.Fatal(err)
		}
		if a.UserEmail != "alice@example.com" || a.UserVerified || a.UserKey != "exchange:https://mail.example.com/autodiscover/metadata/json/1#uid-alice" {
			t.Errorf("stored reservation %+v", a)
		}
	})

	t.Run("the host asks for this add-in's task pane URLs, the integration's domains and verified TLS", func(t *testing.T) {
		want, raw := fake.last(t)
		if raw != "token-uid-alice" {
			t.Errorf("token = %q", raw)
		}
		audiences := []string{"https://addins.example.com/addin/taskpane.html", h.url + "/addin/taskpane.html"}
		if !slices.Equal(want.Audiences, audiences) {
			t.Errorf("audiences = %q, want %q", want.Audiences, audiences)
		}
		if !slices.Equal(want.Hosts, []string{"example.com", "contoso.example"}) {
			t.Errorf("hosts = %q", want.Hosts)
		}
		if want.Client == nil {
			t.Fatal("no client")
		}
	})

	t.Run("a retry by the same user gets the same alias; another user's same item key does not", func(t *testing.T) {
		first := decode[addinhost.Reservation](t, wantAnswer(t, reserve(t, "shared", user("token-uid-alice", "alice@example.com")), http.StatusCreated))
		again := decode[addinhost.Reservation](t, wantAnswer(t, reserve(t, "shared", user("token-uid-alice", "alice@example.com")), http.StatusOK))
		other := decode[addinhost.Reservation](t, wantAnswer(t, reserve(t, "shared", user("token-uid-mallory", "alice@example.com")), http.StatusCreated))
		if again.AliasUUID != first.AliasUUID || other.AliasUUID == first.AliasUUID {
			t.Errorf("first %s, retry %s, other user %s", first.AliasUUID, again.AliasUUID, other.AliasUUID)
		}
	})

	t.Run("an address the pane only claims lists no personal VMRs: they need the sign-in", func(t *testing.T) {
		r := h.get(t, path+"/personal-vmrs", user("token-uid-alice", "alice@example.com"))
		wantProblem(t, r, http.StatusUnauthorized, typeSignInRequired)
		if strings.Contains(string(r.body), "Alice's room") {
			t.Errorf("answer lists the room: %s", r.body)
		}
	})

	refused := []struct {
		name   string
		hdr    map[string]string
		status int
		typ    string
		detail string
	}{
		{"no token answers 401", headers("X-VMR-User", "alice@example.com"), http.StatusUnauthorized, typeUnauthorized, "getUserIdentityTokenAsync"},
		{"another scheme answers 401", with(headers("X-VMR-User", "alice@example.com"), "Authorization", "Basic token-uid-alice"), http.StatusUnauthorized, typeUnauthorized, "Bearer"},
		{"a refused token answers 401 saying which check failed", user("refused-aud", "alice@example.com"), http.StatusUnauthorized, typeUnauthorized,
			"(aud): the token was issued for https://a.example/addin/taskpane.html, this host serves https://addins.example.com/addin/taskpane.html"},
		{"metadata that cannot be read answers 503", user("down", "alice@example.com"), http.StatusServiceUnavailable, typeUnavailable,
			"https://mail.example.com/autodiscover/metadata/json/1"},
		{"a valid token without the user's address answers 401", bearer("token-uid-alice"), http.StatusUnauthorized, typeUnauthorized, "X-VMR-User"},
		{"an address of 255 characters answers 400", user("token-uid-alice", strings.Repeat("a", 243)+"@example.com"), http.StatusBadRequest, typeBadRequest, "X-VMR-User"},
		{"two addresses answer 400", user("token-uid-alice", "alice@example.com, bob@example.com"), http.StatusBadRequest, typeBadRequest, "one e-mail address"},
		{"a display name answers 400", user("token-uid-alice", "Alice <alice@example.com>"), http.StatusBadRequest, typeBadRequest, "one e-mail address"},
		{"no address at all answers 400", user("token-uid-alice", "alice"), http.StatusBadRequest, typeBadRequest, "one e-mail address"},
	}
	for i, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			r := reserve(t, "refused-"+string(rune('a'+i)), tc.hdr)
			p := wantProblem(t, r, tc.status, tc.typ)
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("detail = %q, want it to say %q", p.Detail, tc.detail)
			}
		})
	}

	t.Run("refused requests reserved nothing", func(t *testing.T) {
		if n, err := e.store.Aliases().Count(context.Background(), in.ID); err != nil || n != 3 {
			t.Errorf("%d reservations (%v), want the 3 accepted", n, err)
		}
	})

	t.Run("tokens are never logged", func(t *testing.T) {
		out := logs.String()
		if !strings.Contains(out, "request") {
			t.Fatalf("the host logged no requests: %s", out)
		}
		for _, tok := range []string{"token-uid-alice", "token-uid-mallory", "refused-aud"} {
			if strings.Contains(out, tok) {
				t.Errorf("the log holds the token %q:\n%s", tok, out)
			}
		}
	})
}

// TestExchangeClientTrustsTheCAFile: the client the host gives the
// validator verifies Exchange's certificate against the integration's
// ews_ca_file, and without it against the system's roots only.
func TestExchangeClientTrustsTheCAFile(t *testing.T) {
	ca := testtls.NewCA(t, "Contoso internal CA")
	exchangeSrv := testtls.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"keys":[]}`))
	}), ca.Valid(t, "127.0.0.1"))
	e := newEnv(t)
	withCA := e.addIntegration(t, "Contoso", map[string]any{"ews_ca_file": ca.File(t)})
	without := e.addIntegration(t, "Fabrikam", nil)
	fetch := &fakeExchange{answer: func(ctx context.Context, raw string, want exidtoken.Expect) (*exidtoken.Identity, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, exchangeSrv.URL+"/autodiscover/metadata/json/1", nil)
		res, err := want.Client.Do(req)
		if err != nil {
			return nil, &exidtoken.UnavailableError{URL: req.URL.String(), Err: err}
		}
		res.Body.Close()
		return &exidtoken.Identity{Key: "exchange:" + req.URL.String() + "#uid-1"}, nil
	}}
	cfg := e.config()
	cfg.Auth = addinhost.AuthIntegration
	cfg.ExchangeTokens = fetch
	h := startHost(t, e, cfg)
	hdr := with(bearer("token-1"), "X-VMR-User", "erin@example.com")
	t.Run("with ews_ca_file the metadata is read", func(t *testing.T) {
		wantStatus(t, h.do(t, http.MethodPost, "/api/v1/integrations/"+withCA.UUID+"/reservations", []byte(`{"item_key":"k"}`), hdr), http.StatusCreated)
	})
	t.Run("without it the internal CA is not trusted: 503", func(t *testing.T) {
		wantProblem(t, h.do(t, http.MethodPost, "/api/v1/integrations/"+without.UUID+"/reservations", []byte(`{"item_key":"k"}`), hdr),
			http.StatusServiceUnavailable, typeUnavailable)
	})
}

// TestClaimedAddressControlCharacters sends what a Go client refuses to
// send: header values with line breaks, and the header twice.
func TestClaimedAddressControlCharacters(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)
	cfg := e.config()
	cfg.Auth = addinhost.AuthIntegration
	cfg.ExchangeTokens = &fakeExchange{answer: exchangeUser}
	handler := newServer(t, cfg).Handler()
	for name, values := range map[string][]string{
		"CRLF and another header": {"alice@example.com\r\nX-Admin: 1"},
		"a line feed":             {"alice@example.com\nbob@example.com"},
		"a NUL":                   {"alice@example.com\x00"},
		"the header twice":        {"alice@example.com", "bob@example.com"},
	} {
		t.Run(name+" answers 400", func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/integrations/"+in.UUID+"/reservations", strings.NewReader(`{"item_key":"k"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer token-uid-alice")
			req.Header["X-Vmr-User"] = values
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		})
	}
}

// tenantPath is where the tenant OP's issuer lives, as Entra ID's
// https://login.microsoftonline.com/<tenant>/v2.0.
const tenantPath = "/tenant-1/v2.0"

// metadataNaming serves the OP's discovery document at a URL of its own
// with the issuer (and, when jwks is not "", the key URL) replaced: the
// metadata of Entra ID's common endpoint, of another tenant, or of a
// provider whose keys are down.
func (p *provider) metadataNaming(t *testing.T, issuer, jwks string) string {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := p.srv.Client().Get(p.metadataURL())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		var doc map[string]any
		if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		doc["issuer"] = issuer
		if jwks != "" {
			doc["jwks_uri"] = jwks
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/.well-known/openid-configuration"
}

// deadURL is an https URL where nothing listens any more.
func deadURL(t *testing.T) string {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

func TestSSOAndNAATokens(t *testing.T) {
	p := startProviderAt(t, tenantPath)
	e := newEnv(t)
	sso := map[string]any{"addin_authentication_method": "SSO_TOKEN", "addin_application_id": addinClient}
	naa := map[string]any{"addin_authentication_method": "NAA_TOKEN", "addin_application_id": "spa-client",
		"addin_naa_web_api_application_id": naaClient, "addin_oidc_metadata_url": p.metadataURL()}
	merge := func(a map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range a {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	tenant := e.addIntegration(t, "Contoso", merge(sso, "addin_oidc_metadata_url", p.metadataURL()))
	naaIn := e.addIntegration(t, "Contoso NAA", naa)
	naaFallback := e.addIntegration(t, "Contoso NAA, SSO fallback", merge(naa, "addin_application_id", addinClient))
	common := e.addIntegration(t, "Common", merge(sso, "addin_oidc_metadata_url",
		p.metadataNaming(t, strings.Replace(p.issuer, "tenant-1", "{tenantid}", 1), "")))
	otherTenant := e.addIntegration(t, "Fabrikam", merge(sso, "addin_oidc_metadata_url",
		p.metadataNaming(t, strings.Replace(p.issuer, "tenant-1", "tenant-2", 1), "")))
	otherIssuer := e.addIntegration(t, "Other issuer", merge(sso, "addin_oidc_metadata_url", p.metadataNaming(t, "https://login.other.example/", "")))
	metadataDown := e.addIntegration(t, "Metadata down", merge(sso, "addin_oidc_metadata_url", deadURL(t)+"/.well-known/openid-configuration"))
	keysDown := e.addIntegration(t, "Keys down", merge(sso, "addin_oidc_metadata_url", p.metadataNaming(t, p.issuer, deadURL(t)+"/keys")))
	e.addConference(t, &conference.Conference{Name: "Erin's room", PrimaryOwnerEmailAddress: "erin@contoso.example",
		Aliases: []conference.Alias{{Alias: "meet.erin@vc.example.com"}}})
	e.addConference(t, &conference.Conference{Name: "Alice's room", PrimaryOwnerEmailAddress: "alice@example.com",
		Aliases: []conference.Alias{{Alias: "meet.alice@vc.example.com"}}})
	cfg := e.config()
	cfg.Auth = addinhost.AuthIntegration
	cfg.HTTPClient = p.srv.Client()
	cfg.ExchangeTokens = &fakeExchange{answer: func(context.Context, string, exidtoken.Expect) (*exidtoken.Identity, error) {
		t.Error("an SSO or NAA integration asked the Exchange validator")
		return nil, errors.New("not an Exchange integration")
	}}
	h := startHost(t, e, cfg)
	reserve := func(t *testing.T, id, key string, hdr map[string]string) response {
		t.Helper()
		return h.do(t, http.MethodPost, "/api/v1/integrations/"+id+"/reservations", mustJSON(t, map[string]string{"item_key": key}), hdr)
	}
	lookup := func(t *testing.T, r response) (email, key string, verified bool) {
		t.Helper()
		a, err := e.aliases.Lookup(context.Background(), decode[addinhost.Reservation](t, r).AliasUUID)
		if err != nil {
			t.Fatal(err)
		}
		return a.UserEmail, a.UserKey, a.UserVerified
	}
	erin := p.accessToken(t, addinClient, "erin", "erin-password", "openid profile")
	alice := p.accessToken(t, addinClient, "alice", "alice-password", "openid profile")

	t.Run("the pane learns its method and, for NAA, MSAL's settings", func(t *testing.T) {
		if got := decode[addinhost.PaneConfig](t, h.get(t, "/api/v1/integrations/"+tenant.UUID+"/pane", nil)); got.Auth != addinhost.PaneAuthSSO {
			t.Errorf("SSO pane config = %+v", got)
		}
		got := decode[addinhost.PaneConfig](t, h.get(t, "/api/v1/integrations/"+naaIn.UUID+"/pane", nil))
		if got.Auth != addinhost.PaneAuthNAA || got.NAAClientID != "spa-client" || got.NAAAuthority != "https://login.microsoftonline.com/common" ||
			!slices.Equal(got.NAAScopes, []string{"api://addins.example.com/" + naaClient + "/access_as_user"}) {
			t.Errorf("NAA pane config = %+v", got)
		}
	})

	t.Run("an SSO token of a member reserves for the tenant's verified upn", func(t *testing.T) {
		r := wantAnswer(t, reserve(t, tenant.UUID, "erin-1", with(bearer(erin), "X-VMR-User", "someone@else.example")), http.StatusCreated)
		if email, key, verified := lookup(t, r); email != "erin@contoso.example" || key != "entra:tenant-1/oid-erin" || !verified {
			t.Errorf("stored %s %s %v", email, key, verified)
		}
	})

	t.Run("a verified member still needs the personal VMR sign-in to list rooms", func(t *testing.T) {
		r := h.get(t, "/api/v1/integrations/"+tenant.UUID+"/personal-vmrs", bearer(erin))
		wantProblem(t, r, http.StatusUnauthorized, typeSignInRequired)
		if strings.Contains(string(r.body), "Erin's room") {
			t.Errorf("answer %s", r.body)
		}
	})

	t.Run("a token without a verified address reserves for the claimed one, unverified", func(t *testing.T) {
		r := wantAnswer(t, reserve(t, tenant.UUID, "alice-1", with(bearer(alice), "X-VMR-User", "Alice@Example.com")), http.StatusCreated)
		if email, key, verified := lookup(t, r); email != "alice@example.com" || key != "oidc:"+p.issuer+"#id-alice" || verified {
			t.Errorf("stored %s %s %v", email, key, verified)
		}
		wantProblem(t, h.get(t, "/api/v1/integrations/"+tenant.UUID+"/personal-vmrs", with(bearer(alice), "X-VMR-User", "alice@example.com")),
			http.StatusUnauthorized, typeSignInRequired)
	})

	t.Run("a token without a verified address and no claimed one answers 403", func(t *testing.T) {
		wantProblem(t, reserve(t, tenant.UUID, "alice-2", bearer(alice)), http.StatusForbidden, typeForbidden)
	})

	t.Run("the api:// form of the application id is accepted", func(t *testing.T) {
		tok := p.accessToken(t, uriClient, "erin", "erin-password", "openid profile")
		wantStatus(t, reserve(t, tenant.UUID, "uri-1", bearer(tok)), http.StatusCreated)
	})

	t.Run("an NAA token for the web API reserves", func(t *testing.T) {
		tok := p.accessToken(t, naaClient, "erin", "erin-password", "openid profile")
		r := wantAnswer(t, reserve(t, naaIn.UUID, "naa-1", bearer(tok)), http.StatusCreated)
		if email, _, verified := lookup(t, r); email != "erin@contoso.example" || !verified {
			t.Errorf("stored %s %v", email, verified)
		}
	})

	t.Run("Entra's common metadata takes the issuer of the token's tenant", func(t *testing.T) {
		wantStatus(t, reserve(t, common.UUID, "common-1", bearer(erin)), http.StatusCreated)
	})

	t.Run("an NAA integration takes the SSO token of its own registration, where Outlook has no NAA", func(t *testing.T) {
		wantStatus(t, reserve(t, naaFallback.UUID, "fallback-1", bearer(erin)), http.StatusCreated)
	})

	refused := []struct {
		name   string
		id     string
		token  func(t *testing.T) string
		detail []string
	}{
		{"an SSO token for another application", tenant.UUID, func(t *testing.T) string {
			return p.accessToken(t, otherClient, "erin", "erin-password", "openid profile")
		}, []string{"issued for " + otherClient, "accepts " + addinClient + " or api://addins.example.com/" + addinClient, "addin_application_id"}},
		{"the add-in's SSO token sent to an NAA integration", naaIn.UUID, func(*testing.T) string { return erin },
			[]string{"issued for " + addinClient, naaClient, "addin_naa_web_api_application_id"}},
		{"a token of another provider", otherIssuer.UUID, func(*testing.T) string { return erin },
			[]string{"issued by " + p.issuer, "trusts https://login.other.example/"}},
		{"a token of another tenant", otherTenant.UUID, func(*testing.T) string { return erin },
			[]string{"issued by " + p.issuer, "trusts " + strings.Replace(p.issuer, "tenant-1", "tenant-2", 1)}},
		{"a token whose tid is not the tenant of its issuer, at the common endpoint", common.UUID, func(t *testing.T) string {
			return p.accessToken(t, addinClient, "tara", "tara-password", "openid profile")
		}, []string{"issued by " + p.issuer, "trusts " + strings.Replace(p.issuer, "tenant-1", "tenant-2", 1)}},
		{"an expired token", tenant.UUID, func(t *testing.T) string {
			p.storage.idTokenLifetime.Store(int64(-time.Minute))
			defer p.storage.idTokenLifetime.Store(0)
			return p.accessToken(t, addinClient, "erin", "erin-password", "openid profile")
		}, []string{"expired"}},
		{"an altered token", tenant.UUID, func(*testing.T) string { return tamper(erin) }, []string{"signature"}},
		{"no JWT", tenant.UUID, func(*testing.T) string { return "not.a.jwt" }, []string{"not a signed JWT"}},
	}
	for i, tc := range refused {
		t.Run(tc.name+" answers 401 saying why", func(t *testing.T) {
			tok := tc.token(t)
			r := reserve(t, tc.id, "refused-"+string(rune('a'+i)), bearer(tok))
			pr := wantProblem(t, r, http.StatusUnauthorized, typeUnauthorized)
			for _, d := range tc.detail {
				if !strings.Contains(pr.Detail, d) {
					t.Errorf("detail %q does not say %q", pr.Detail, d)
				}
			}
			for _, part := range strings.Split(tok, ".") {
				if len(part) > 8 && strings.Contains(string(r.body), part) {
					t.Errorf("the answer holds part of the token: %s", r.body)
				}
			}
		})
	}

	t.Run("metadata that cannot be read answers 503", func(t *testing.T) {
		pr := wantProblem(t, reserve(t, metadataDown.UUID, "down-1", bearer(erin)), http.StatusServiceUnavailable, typeUnavailable)
		if !strings.Contains(pr.Detail, "addin_oidc_metadata_url") {
			t.Errorf("detail = %q", pr.Detail)
		}
	})

	t.Run("signing keys that cannot be read answer 503", func(t *testing.T) {
		pr := wantProblem(t, reserve(t, keysDown.UUID, "down-2", bearer(erin)), http.StatusServiceUnavailable, typeUnavailable)
		if !strings.Contains(pr.Detail, "signing keys") {
			t.Errorf("detail = %q", pr.Detail)
		}
	})
}
