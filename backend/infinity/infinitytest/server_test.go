package infinitytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// These tests hold the fake to the reference's facts with raw HTTP, not
// through the client, so both cannot share one misreading.

type raw struct {
	t   *testing.T
	s   *Server
	hc  *http.Client
	usr string
	pw  string
	tok string
}

func start(t *testing.T, opts Options) (*Server, *raw) {
	t.Helper()
	if opts.Username == "" {
		opts.Username, opts.Password = "admin", "s3cret"
	}
	s := Start(t, opts)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CA.Pool}}}
	return s, &raw{t: t, s: s, hc: hc, usr: opts.Username, pw: opts.Password}
}

func (r *raw) do(method, path string, body any) (int, http.Header, map[string]any) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, r.s.URL+path, rd)
	if r.tok != "" {
		req.Header.Set("Authorization", "Bearer "+r.tok)
	} else {
		req.SetBasicAuth(r.usr, r.pw)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

const connectors = ConfigPath + "ms_exchange_connector/"

func connector(name string) map[string]any {
	return map[string]any{"name": name, "addin_server_domain": "addin.example.com"}
}

func TestPagingFollowsMetaNextUntilNull(t *testing.T) {
	s, r := start(t, Options{})
	for i := range 7 {
		if st, h, _ := r.do("POST", connectors, connector("c"+string(rune('a'+i)))); st != 201 || !strings.Contains(h.Get("Location"), connectors) {
			t.Fatalf("POST: %d, Location %q (the reference: the new URI in Location)", st, h.Get("Location"))
		}
	}
	next, seen, pages := connectors, 0, 0
	for next != "" {
		st, _, body := r.do("GET", next, nil)
		if st != 200 {
			t.Fatalf("GET %s: %d", next, st)
		}
		meta := body["meta"].(map[string]any)
		if meta["limit"].(float64) != 3 || meta["total_count"].(float64) != 7 {
			t.Fatalf("meta %v: want the default_limit 3 and total_count 7", meta)
		}
		seen += len(body["objects"].([]any))
		pages++
		next = ""
		if n, ok := meta["next"].(string); ok {
			if !strings.HasPrefix(n, connectors+"?") {
				t.Fatalf("next %q is not a relative URI of the resource", n)
			}
			next = n
		}
	}
	if seen != 7 || pages != 3 || s.Count("ms_exchange_connector") != 7 {
		t.Fatalf("saw %d objects in %d pages", seen, pages)
	}
	if st, _, body := r.do("GET", connectors+"schema/", nil); st != 200 || body["default_limit"].(float64) != 3 {
		t.Fatalf("schema: %d %v", st, body)
	}
	_, _, body := r.do("GET", connectors+"?name__icontains=CB", nil)
	if objs := body["objects"].([]any); len(objs) != 1 || objs[0].(map[string]any)["name"] != "cb" {
		t.Fatalf("name__icontains: %v", objs)
	}
}

func TestRelationsNestedOnReadURIsOnWrite(t *testing.T) {
	s, r := start(t, Options{})
	r.do("POST", connectors, connector("one"))
	c1 := connectors + "1/"
	if st, _, body := r.do("POST", ConfigPath+"exchange_domain/", map[string]any{"domain": "example.com", "exchange_connector": map[string]any{"id": 1}}); st != 400 {
		t.Fatalf("a nested object on write: %d %v, want 400", st, body)
	}
	if st, _, _ := r.do("POST", ConfigPath+"exchange_domain/", map[string]any{"domain": "example.com", "exchange_connector": c1}); st != 201 {
		t.Fatalf("domain by URI: %d", st)
	}
	_, _, got := r.do("GET", c1, nil)
	doms := got["domains"].([]any)
	d := doms[0].(map[string]any)
	for _, k := range []string{"id", "domain", "exchange_connector", "creation_time", "resource_uri"} {
		if _, ok := d[k]; !ok {
			t.Fatalf("nested domain %v lacks %s", d, k)
		}
	}
	if len(doms) != 1 || d["exchange_connector"] != c1 {
		t.Fatalf("domains %v", doms)
	}
	// A conference's aliases: objects of their own, nested on read.
	r.do("POST", ConfigPath+"conference/", map[string]any{"name": "VMR", "primary_owner_email_address": "a@example.com"})
	r.do("POST", ConfigPath+"conference_alias/", map[string]any{"alias": "meet.a@example.com", "conference": ConfigPath + "conference/1/"})
	if al := s.Object("conference", 1)["aliases"].([]any); len(al) != 1 || al[0].(map[string]any)["alias"] != "meet.a@example.com" {
		t.Fatalf("aliases %v", al)
	}
	// Deleting the parent deletes what points at it.
	if st, _, _ := r.do("DELETE", c1, nil); st != 204 || s.Count("exchange_domain") != 0 {
		t.Fatalf("DELETE: %d, %d domains left", st, s.Count("exchange_domain"))
	}
}

func TestFieldValidationAnswers400PerField(t *testing.T) {
	_, r := start(t, Options{})
	st, _, body := r.do("POST", connectors, map[string]any{"name": strings.Repeat("n", 251),
		"authentication_method": "DIGEST", "meeting_buffer_before": 181, "scheduled_alias_suffix_length": 4})
	errs, _ := body["ms_exchange_connector"].(map[string]any)
	for _, f := range []string{"name", "addin_server_domain", "authentication_method", "meeting_buffer_before", "scheduled_alias_suffix_length"} {
		if _, ok := errs[f]; !ok || st != 400 {
			t.Errorf("%s: %d %v", f, st, body)
		}
	}
	r.do("POST", connectors, connector("dup"))
	if st, _, body := r.do("POST", connectors, connector("dup")); st != 400 || body["ms_exchange_connector"].(map[string]any)["name"] == nil {
		t.Errorf("a second name: %d %v (names are unique)", st, body)
	}
	if st, _, body := r.do("POST", ConfigPath+"conference/", map[string]any{"name": "v", "pin": "12ab", "guest_pin": "123"}); st != 400 || len(body["conference"].(map[string]any)) != 2 {
		t.Errorf("pins: %d %v (4–20 digits)", st, body)
	}
	if st, _, _ := r.do("POST", ConfigPath+"exchange_domain/", map[string]any{"domain": strings.Repeat("d", 193), "exchange_connector": connectors + "2/"}); st != 400 {
		t.Errorf("a 193-character domain: %d", st)
	}
	if st, _, body := r.do("PATCH", connectors+"1/", map[string]any{"meeting_buffer_after": 180, "description": strings.Repeat("x", 251)}); st != 400 || len(body["ms_exchange_connector"].(map[string]any)) != 1 {
		t.Errorf("PATCH: %d %v", st, body)
	}
}

func TestDefaultsAndWriteOnlySecrets(t *testing.T) {
	s, r := start(t, Options{})
	c := connector("d")
	c["password"] = "pw-1"
	r.do("POST", connectors, c)
	_, _, got := r.do("GET", connectors+"1/", nil)
	want := map[string]any{"authentication_method": "BASIC", "meeting_buffer_before": 30.0, "meeting_buffer_after": 60.0,
		"scheduled_alias_suffix_length": 6.0, "personal_vmr_oauth_client_id": "4189c2b4-92ca-416c-b7ea-bc3cfab3d0f0",
		"microsoft_fabric_url":            "https://appsforoffice.microsoft.com/fabric/1.0/fabric.min.css",
		"microsoft_fabric_components_url": "https://appsforoffice.microsoft.com/fabric/1.0/fabric.components.min.css",
		"enable_dynamic_vmrs":             true, "kerberos_enable_tls": true, "non_idp_participants": "disallow_all"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, ok := got["password"]; ok || s.Secret("ms_exchange_connector", 1, "password") != "pw-1" {
		t.Errorf("password read back or not stored: %v", got["password"])
	}
}

func TestAuthNotFoundAndFaults(t *testing.T) {
	s, r := start(t, Options{ReadOnlyUsername: "viewer", ReadOnlyPassword: "v"})
	r.pw = "wrong"
	if st, h, _ := r.do("GET", connectors, nil); st != 401 || h.Get("WWW-Authenticate") == "" {
		t.Fatalf("wrong password: %d", st)
	}
	r.usr, r.pw = "viewer", "v"
	if st, _, _ := r.do("GET", connectors, nil); st != 200 {
		t.Fatalf("viewer GET: %d", st)
	}
	if st, _, _ := r.do("POST", connectors, connector("x")); st != 403 {
		t.Fatalf("viewer POST: %d, want 403", st)
	}
	r.usr, r.pw = "admin", "s3cret"
	if st, _, _ := r.do("GET", connectors+"9/", nil); st != 404 {
		t.Fatalf("GET of a missing id: %d", st)
	}
	if st, _, _ := r.do("GET", ConfigPath+"no_such_thing/", nil); st != 404 {
		t.Fatalf("unknown resource: %d", st)
	}
	s.Fail(Fault{Status: 429, RetryAfter: "3", Times: 2})
	for range 2 {
		if st, h, _ := r.do("GET", connectors, nil); st != 429 || h.Get("Retry-After") != "3" {
			t.Fatalf("fault: %d %q", st, h.Get("Retry-After"))
		}
	}
	s.Fail(Fault{Status: 503, PathPrefix: ConfigPath + "conference/"})
	if st, _, _ := r.do("GET", connectors, nil); st != 200 {
		t.Fatalf("a fault for another path hit: %d", st)
	}
	if st, _, _ := r.do("GET", ConfigPath+"conference/", nil); st != 503 {
		t.Fatalf("503 fault: %d", st)
	}
	reqs := s.Requests()
	last := reqs[len(reqs)-1]
	if last.Method != "GET" || last.Path != ConfigPath+"conference/" || last.Auth != "basic" {
		t.Fatalf("recorded %+v", last)
	}
	if reqs[2].Method != "POST" || !bytes.Contains(reqs[2].Body, []byte(`"name":"x"`)) {
		t.Fatalf("recorded body %+v", reqs[2])
	}
}

// jwt builds an assertion by hand (not with the client's code).
func jwt(t *testing.T, key *ecdsa.PrivateKey, claims map[string]any) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	in := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	sum := sha256.Sum256([]byte(in))
	rr, ss, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	rr.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	return in + "." + enc.EncodeToString(sig)
}

func TestTokenEndpointVerifiesTheAssertion(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s, r := start(t, Options{Now: func() time.Time { return now }})
	block, _ := pem.Decode([]byte(s.AddOAuthClient("client-1")))
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := pem.Decode([]byte(s.AddOAuthClient("client-2")))
	otherKey, _ := x509.ParseECPrivateKey(other.Bytes)
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": "client-1", "sub": "client-1", "aud": s.TokenURL(), "iat": now.Unix(),
			"exp": now.Add(5 * time.Minute).Unix(), "jti": time.Now().String() + t.Name()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	post := func(assertion string) (int, map[string]any) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {AssertionType}, "client_assertion": {assertion}}
		resp, err := r.hc.PostForm(s.TokenURL(), form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	good := jwt(t, key, claims(nil))
	tampered := good[:len(good)-4] + "AAAA"
	refused := map[string]string{
		"expired":     jwt(t, key, claims(func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() })),
		"audience":    jwt(t, key, claims(func(c map[string]any) { c["aud"] = "https://elsewhere/oauth/token/" })),
		"sub":         jwt(t, key, claims(func(c map[string]any) { c["sub"] = "client-2" })),
		"other key":   jwt(t, otherKey, claims(nil)),
		"tampered":    tampered,
		"not a JWT":   "abc",
		"no jti":      jwt(t, key, claims(func(c map[string]any) { delete(c, "jti") })),
		"from future": jwt(t, key, claims(func(c map[string]any) { c["iat"] = now.Add(time.Hour).Unix() })),
	}
	for name, a := range refused {
		if st, body := post(a); st != 401 || body["error"] != "invalid_client" {
			t.Errorf("%s: %d %v, want 401 invalid_client", name, st, body)
		}
	}
	st, body := post(good)
	if st != 200 || body["token_type"] != "Bearer" || body["expires_in"].(float64) != 3600 {
		t.Fatalf("good assertion: %d %v", st, body)
	}
	if st, _ := post(good); st != 401 {
		t.Errorf("a replayed jti: %d", st)
	}
	r.tok = body["access_token"].(string)
	if st, _, _ := r.do("GET", connectors, nil); st != 200 {
		t.Fatalf("bearer: %d", st)
	}
	now = now.Add(time.Hour)
	if st, _, _ := r.do("GET", connectors, nil); st != 401 {
		t.Fatalf("an expired token: %d", st)
	}
	resp, _ := r.hc.PostForm(s.TokenURL(), url.Values{"grant_type": {"password"}})
	if resp.StatusCode != 400 {
		t.Fatalf("wrong grant: %d", resp.StatusCode)
	}
	resp.Body.Close()
}
