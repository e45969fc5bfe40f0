package addinhost_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/alias"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
	"vmr-companion/backend/templates/templatestest"
)

// go-keyring's mock (secretstest.MockInit) is process-wide, so no test of this
// package runs in parallel.

// Problem types of the API, as docs/addin-api.md names them.
const (
	typeBadRequest   = "https://vmr-companion.invalid/problems/bad-request"
	typeUnauthorized = "https://vmr-companion.invalid/problems/unauthorized"
	typeForbidden    = "https://vmr-companion.invalid/problems/forbidden"
	typeNotFound     = "https://vmr-companion.invalid/problems/not-found"
	typeTooLarge     = "https://vmr-companion.invalid/problems/too-large"
	typeRateLimited  = "https://vmr-companion.invalid/problems/rate-limited"
	typeUnavailable  = "https://vmr-companion.invalid/problems/unavailable"
	typeConflict     = "https://vmr-companion.invalid/problems/conflict"
	typeMethod       = "https://vmr-companion.invalid/problems/method-not-allowed"
	typeInternal     = "https://vmr-companion.invalid/problems/internal"
)

// The add-in files every host of these tests serves.
var (
	taskpaneHTML = []byte(`<!doctype html><html><head><meta charset="utf-8"><title>VMR Companion</title>
<script src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js"></script>
<script type="module" src="./assets/app-abc123.js"></script></head><body><div id="app"></div></body></html>`)
	commandsHTML = []byte(`<!doctype html><html><head><meta charset="utf-8"><title>Commands</title></head><body></body></html>`)
	appJS        = makeAppJS(150 << 10)
	iconPNG      = makePNG()
)

// makeAppJS is about size bytes of JavaScript as a bundler writes it:
// repetitive, so it compresses well, but not a single repeated line.
func makeAppJS(size int) []byte {
	var b bytes.Buffer
	b.WriteString("\"use strict\";\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "export function handler%d(event, ctx) { const item = ctx.mailbox.item; if (!item) { return Promise.reject(new Error(\"no item %d\")); } return fetch(`/api/v1/integrations/${ctx.id}/reservations`, { method: \"POST\", body: JSON.stringify({ item_key: String(%d) }) }); }\n", i, i, i*7919%1000)
	}
	return b.Bytes()
}

func makePNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		for y := range 16 {
			img.Set(x, y, color.RGBA{R: uint8(x * 16), G: uint8(y * 16), B: 200, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func addinFiles() fstest.MapFS {
	return fstest.MapFS{
		"taskpane.html":        {Data: taskpaneHTML},
		"commands.html":        {Data: commandsHTML},
		"assets/app-abc123.js": {Data: appJS},
		"assets/icon-16.png":   {Data: iconPNG},
	}
}

// fakeManifests answers a small document that names the integration and
// the base URL it was asked for.
type fakeManifests struct{}

func (fakeManifests) Manifest(_ context.Context, in *integration.Integration, format, baseURL string) ([]byte, error) {
	if format == "json" {
		return json.Marshal(map[string]string{"id": in.UUID, "name": in.Name, "taskpane": baseURL + "/addin/taskpane.html"})
	}
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?><OfficeApp><Id>%s</Id><DisplayName DefaultValue=%q/><SourceLocation DefaultValue="%s/addin/taskpane.html"/></OfficeApp>`,
		in.UUID, in.Name, baseURL), nil
}

// env holds the real services of a host over an SQLite file in a temporary
// directory and go-keyring's in-memory keychain.
type env struct {
	store        *store.Store
	keychain     *secrets.Keychain
	integrations *integration.Service
	conferences  *conference.Service
	aliases      *alias.Service
	templates    conference.Renderer
}

func newEnv(t testing.TB, opts ...alias.Option) *env {
	t.Helper()
	secretstest.MockInit()
	t.Cleanup(secretstest.MockInit)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	kc := secrets.NewUncheckedKeychain(0)
	tpl := templates.New()
	return &env{
		store:        st,
		keychain:     kc,
		integrations: integration.NewService(st.Integrations(), kc, tpl),
		conferences:  conference.NewService(st.Conferences()),
		aliases:      alias.NewService(st.Aliases(), 0, opts...),
		templates:    templatestest.ListedOnly(t, tpl),
	}
}

// config is a host configuration over the env's services, listening on a
// free loopback port, without authentication and without a rate limit.
func (e *env) config() addinhost.Config {
	return addinhost.Config{
		Listen:       "127.0.0.1:0",
		Auth:         addinhost.AuthNone,
		AddinFiles:   addinFiles(),
		Integrations: e.integrations,
		Conferences:  e.conferences,
		Aliases:      e.aliases,
		Templates:    e.templates,
		Manifests:    fakeManifests{},
		// Whoever else is signed in to the machine running the tests.
		AllowSharedHost: true,
	}
}

// integrationObject is a valid integration offering single-use and
// personal VMRs, with extra fields merged in (nil removes one).
func integrationObject(name string, extra map[string]any) map[string]any {
	o := map[string]any{
		"name":                              name,
		"url":                               "https://mail.example.com/EWS/Exchange.asmx",
		"room_mailbox_email_address":        "vmr@example.com",
		"room_mailbox_name":                 "VMR room",
		"username":                          "svc-vmr",
		"domains":                           []string{"example.com"},
		"scheduled_alias_prefix":            "meet",
		"scheduled_alias_domain":            "vc.example.com",
		"addin_server_domain":               "addins.example.com",
		"enable_dynamic_vmrs":               true,
		"enable_personal_vmrs":              true,
		"personal_vmr_oauth_client_id":      "personal-client",
		"personal_vmr_oauth_auth_endpoint":  "https://login.example.com/authorize",
		"personal_vmr_oauth_token_endpoint": "https://login.example.com/token",
	}
	for k, v := range extra {
		if v == nil {
			delete(o, k)
		} else {
			o[k] = v
		}
	}
	return o
}

// addIntegration creates an integration through the service, as the admin
// window does.
func (e *env) addIntegration(t testing.TB, name string, extra map[string]any) *integration.Integration {
	t.Helper()
	data, err := json.Marshal(integrationObject(name, extra))
	if err != nil {
		t.Fatal(err)
	}
	in, err := e.integrations.DecodeNew(data)
	if err != nil {
		t.Fatalf("DecodeNew: %v", err)
	}
	saved, err := e.integrations.Create(context.Background(), in)
	if err != nil {
		t.Fatalf("creating integration %q: %v", name, err)
	}
	return saved.Integration
}

func (e *env) addConference(t testing.TB, c *conference.Conference) {
	t.Helper()
	if err := e.conferences.Create(context.Background(), c); err != nil {
		t.Fatalf("creating conference %q: %v", c.Name, err)
	}
}

// newServer builds a host without starting it.
func newServer(t testing.TB, cfg addinhost.Config) *addinhost.Server {
	t.Helper()
	s, err := addinhost.New(cfg)
	if err != nil {
		t.Fatalf("addinhost.New: %v", err)
	}
	return s
}

// host is a started add-in host and a client that trusts only its CA.
type host struct {
	srv    *addinhost.Server
	url    string
	client *http.Client
}

// startHost serves cfg over real HTTPS on a free loopback port, with a
// certificate from a local CA made in a temporary directory.
func startHost(t testing.TB, e *env, cfg addinhost.Config) *host {
	t.Helper()
	ca, err := devcert.LoadOrCreate(context.Background(), devcert.Options{Dir: t.TempDir(), Keys: e.keychain})
	if err != nil {
		t.Fatalf("devcert.LoadOrCreate: %v", err)
	}
	loader, err := devcert.NewLoader(ca, nil)
	if err != nil {
		t.Fatalf("devcert.NewLoader: %v", err)
	}
	cfg.GetCertificate = loader.GetCertificate
	srv := newServer(t, cfg)
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	roots := x509.NewCertPool()
	roots.AddCert(ca.Certificate())
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   true,
		DisableCompression:  true, // the tests ask for gzip themselves
		MaxIdleConnsPerHost: 64,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &host{srv: srv, url: srv.URL(), client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// response is a finished exchange: status, headers and the whole body.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to the host; header values are set as given.
func (h *host) do(t testing.TB, method, path string, body []byte, header map[string]string) response {
	t.Helper()
	r, err := h.try(method, path, body, header)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// try is do for goroutines other than the test's: it returns the error.
func (h *host) try(method, path string, body []byte, header map[string]string) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := h.client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading the body: %w", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: data}, nil
}

// tryReserve is reserve for goroutines other than the test's.
func (h *host) tryReserve(uuid, itemKey, user string) (response, error) {
	body, _ := json.Marshal(map[string]string{"item_key": itemKey})
	return h.try(http.MethodPost, "/api/v1/integrations/"+uuid+"/reservations", body, map[string]string{"X-VMR-User": user})
}

func (h *host) get(t testing.TB, path string, header map[string]string) response {
	t.Helper()
	return h.do(t, http.MethodGet, path, nil, header)
}

// reserve posts a reservation for itemKey as user ("" sends no user header).
func (h *host) reserve(t testing.TB, uuid, itemKey, user string) response {
	t.Helper()
	hdr := map[string]string{}
	if user != "" {
		hdr["X-VMR-User"] = user
	}
	return h.do(t, http.MethodPost, "/api/v1/integrations/"+uuid+"/reservations", mustJSON(t, map[string]string{"item_key": itemKey}), hdr)
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decode reads a JSON answer of the API, checking its content type.
func decode[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json (status %d, body %s)", ct, r.status, r.body)
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	return v
}

// wantStatus fails the test unless the answer has the status.
func wantStatus(t testing.TB, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
}

// wantProblem checks that the answer is an RFC 9457 problem of the status
// and type, and returns it.
func wantProblem(t testing.TB, r response, status int, typ string) addinhost.Problem {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body: %s", ct, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control of a problem = %q, want no-store", cc)
	}
	var p addinhost.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decoding the problem %s: %v", r.body, err)
	}
	if p.Status != status || p.Type != typ || p.Title == "" {
		t.Fatalf("problem = %+v, want status %d, type %s and a title", p, status, typ)
	}
	return p
}

// headers makes a header map from key, value pairs.
func headers(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// with returns a copy of m with the pairs added.
func with(m map[string]string, kv ...string) map[string]string {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, headers(kv...))
	return out
}

// contains reports whether s contains every part.
func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
