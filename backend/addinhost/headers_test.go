package addinhost_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// cspDirective returns the sources of one directive of a policy.
func cspDirective(policy, name string) []string {
	for _, d := range strings.Split(policy, ";") {
		fields := strings.Fields(d)
		if len(fields) > 0 && fields[0] == name {
			return fields[1:]
		}
	}
	return nil
}

func hasSource(sources []string, want string) bool {
	for _, s := range sources {
		if s == want {
			return true
		}
	}
	return false
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)
	h := startHost(t, e, e.config())

	tests := []struct {
		name    string
		method  string
		path    string
		body    []byte
		wantCSP bool
	}{
		{"the index page is HTML with a policy", http.MethodGet, "/", nil, true},
		{"the task pane has a policy", http.MethodGet, "/addin/taskpane.html", nil, true},
		{"the task pane reached as /addin/ has a policy", http.MethodGet, "/addin/", nil, true},
		{"the command page has a policy", http.MethodGet, "/addin/commands.html", nil, true},
		{"a script has no policy", http.MethodGet, "/addin/assets/app-abc123.js", nil, false},
		{"an icon has no policy", http.MethodGet, "/addin/assets/icon-16.png", nil, false},
		{"a missing page answers a problem without a policy", http.MethodGet, "/addin/missing.html", nil, false},
		{"the pane API has no policy", http.MethodGet, "/api/v1/integrations/" + in.UUID + "/pane", nil, false},
		{"a reservation has no policy", http.MethodPost, "/api/v1/integrations/" + in.UUID + "/reservations", []byte(`{"item_key":"k1"}`), false},
		{"an API problem has no policy", http.MethodGet, "/api/v1/nothing-here", nil, false},
		{"a manifest has no policy", http.MethodGet, "/integrations/" + in.UUID + "/manifest.xml", nil, false},
		{"the health check has no policy", http.MethodGet, "/healthz", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, tc.body, nil)
			if r.status >= 500 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if got := r.header.Get("Referrer-Policy"); got == "" || got == "unsafe-url" {
				t.Errorf("Referrer-Policy = %q, want a policy that keeps paths private", got)
			}
			csp := r.header.Get("Content-Security-Policy")
			if tc.wantCSP != (csp != "") {
				t.Fatalf("Content-Security-Policy = %q, want one: %v (Content-Type %q)", csp, tc.wantCSP, r.header.Get("Content-Type"))
			}
			if !tc.wantCSP {
				return
			}
			for _, d := range []string{"default-src", "script-src", "style-src", "connect-src"} {
				if !hasSource(cspDirective(csp, d), "'self'") {
					t.Errorf("%s lacks 'self': %q", d, csp)
				}
			}
			if !hasSource(cspDirective(csp, "script-src"), "https://appsforoffice.microsoft.com") {
				t.Errorf("script-src does not allow Office.js from Microsoft: %q", csp)
			}
			fa := cspDirective(csp, "frame-ancestors")
			if !hasSource(fa, "https://*.office.com") || !hasSource(fa, "https://outlook.live.com") {
				t.Errorf("frame-ancestors does not let Outlook frame the pane: %v", fa)
			}
			if hasSource(cspDirective(csp, "script-src"), "'unsafe-inline'") || hasSource(cspDirective(csp, "script-src"), "'unsafe-eval'") {
				t.Errorf("script-src allows inline or eval: %q", csp)
			}
			if !hasSource(cspDirective(csp, "object-src"), "'none'") {
				t.Errorf("object-src is not 'none': %q", csp)
			}
		})
	}
}

func TestPolicyIncludesCustomSources(t *testing.T) {
	e := newEnv(t)
	e.addIntegration(t, "Microsoft hosted", nil)
	cfg := e.config()

	// A host that served a page before the offline integration existed
	// keeps its policy for a few seconds; a new host reads the integrations.
	before := startHost(t, e, cfg)
	old := before.get(t, "/addin/taskpane.html", nil).header.Get("Content-Security-Policy")
	if strings.Contains(old, "contoso") {
		t.Fatalf("policy names contoso before any integration does: %q", old)
	}

	e.addIntegration(t, "Offline", map[string]any{
		"use_custom_add_in_sources":        true,
		"office_js_url":                    "https://cdn.contoso.com/office/1/office.js",
		"microsoft_fabric_url":             "https://static.contoso.com:8443/fabric.min.css",
		"additional_add_in_script_sources": "https://scripts.contoso.com/a.js\n\n  https://more.contoso.com/b.js  \nhttp://plain.contoso.com/c.js",
	})
	e.addIntegration(t, "Offline but off", map[string]any{
		"use_custom_add_in_sources": false,
		"office_js_url":             "https://unused.contoso.com/office.js",
	})

	h := startHost(t, e, cfg)
	csp := h.get(t, "/addin/taskpane.html", nil).header.Get("Content-Security-Policy")
	script := cspDirective(csp, "script-src")
	for _, want := range []string{"'self'", "https://appsforoffice.microsoft.com", "https://cdn.contoso.com", "https://scripts.contoso.com", "https://more.contoso.com"} {
		t.Run("script-src allows "+want, func(t *testing.T) {
			if !hasSource(script, want) {
				t.Errorf("script-src = %v", script)
			}
		})
	}
	t.Run("style-src allows the Fabric host with its port", func(t *testing.T) {
		if !hasSource(cspDirective(csp, "style-src"), "https://static.contoso.com:8443") {
			t.Errorf("style-src = %v", cspDirective(csp, "style-src"))
		}
	})
	t.Run("a plain http source is never allowed", func(t *testing.T) {
		if strings.Contains(csp, "plain.contoso.com") {
			t.Errorf("policy allows an http source: %q", csp)
		}
	})
	t.Run("an integration with custom sources off adds nothing", func(t *testing.T) {
		if strings.Contains(csp, "unused.contoso.com") {
			t.Errorf("policy allows a source of an integration that does not use it: %q", csp)
		}
	})
	t.Run("sources are paths-free origins", func(t *testing.T) {
		if strings.Contains(csp, "office.js") || strings.Contains(csp, "/a.js") {
			t.Errorf("policy carries a path: %q", csp)
		}
	})
}

func TestCORS(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)
	h := startHost(t, e, e.config())
	own := h.url
	pane := "/api/v1/integrations/" + in.UUID + "/pane"

	tests := []struct {
		name   string
		origin string
		want   bool
	}{
		{"the host's own origin is granted", own, true},
		{"another origin gets no grant", "https://evil.example", false},
		{"the same host over http gets no grant", strings.Replace(own, "https://", "http://", 1), false},
		{"the same host on another port gets no grant", "https://127.0.0.1:1", false},
		{"an origin that only starts like the host's gets no grant", own + ".evil.example", false},
		{"the null origin gets no grant", "null", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.get(t, pane, map[string]string{"Origin": tc.origin})
			wantStatus(t, r, http.StatusOK)
			got := r.header.Get("Access-Control-Allow-Origin")
			if tc.want && got != tc.origin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.origin)
			}
			if !tc.want && got != "" {
				t.Errorf("Access-Control-Allow-Origin = %q, want none", got)
			}
			if r.header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("credentials are granted: %q", r.header.Get("Access-Control-Allow-Credentials"))
			}
		})
	}

	t.Run("a request without Origin gets no grant", func(t *testing.T) {
		if got := h.get(t, pane, nil).header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("Access-Control-Allow-Origin = %q", got)
		}
	})

	t.Run("a preflight from the host's own origin answers 204 with the API's methods and headers", func(t *testing.T) {
		r := h.do(t, http.MethodOptions, "/api/v1/integrations/"+in.UUID+"/reservations", nil, map[string]string{
			"Origin": own, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, x-vmr-user",
		})
		wantStatus(t, r, http.StatusNoContent)
		if r.header.Get("Access-Control-Allow-Origin") != own {
			t.Errorf("Access-Control-Allow-Origin = %q", r.header.Get("Access-Control-Allow-Origin"))
		}
		methods := r.header.Get("Access-Control-Allow-Methods")
		allowed := strings.ToLower(r.header.Get("Access-Control-Allow-Headers"))
		if !strings.Contains(methods, "POST") || !containsAll(allowed, "authorization", "content-type", "x-vmr-user") {
			t.Errorf("Allow-Methods %q, Allow-Headers %q", methods, allowed)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("the preflight lacks nosniff")
		}
	})

	t.Run("a preflight from another origin is not granted", func(t *testing.T) {
		r := h.do(t, http.MethodOptions, "/api/v1/integrations/"+in.UUID+"/reservations", nil, map[string]string{
			"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
		})
		if r.status == http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("status %d, headers %v", r.status, r.header)
		}
	})

	t.Run("a granted answer varies by Origin, even for a file that varies by encoding", func(t *testing.T) {
		for _, p := range []string{pane, "/addin/assets/app-abc123.js"} {
			r := h.get(t, p, map[string]string{"Origin": own})
			vary := strings.Join(r.header.Values("Vary"), ",")
			if !strings.Contains(vary, "Origin") {
				t.Errorf("GET %s: Vary = %q, want Origin", p, vary)
			}
		}
	})
}

// TestHeadersWithoutTLS checks the middleware through the plain handler:
// the same headers whatever serves it.
func TestHeadersWithoutTLS(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, e.config())
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	t.Run("the plain handler sets nosniff and a referrer policy", func(t *testing.T) {
		res, err := ts.Client().Get(ts.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") == "" {
			t.Errorf("headers: %v", res.Header)
		}
	})
	t.Run("an http origin never matches the https host", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/healthz", nil)
		req.Header.Set("Origin", ts.URL)
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("Access-Control-Allow-Origin = %q", got)
		}
	})
}
