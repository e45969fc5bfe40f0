package addinhost_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func gunzip(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the body is not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("decompressing: %v", err)
	}
	return out
}

func TestStaticFiles(t *testing.T) {
	e := newEnv(t)
	h := startHost(t, e, e.config())

	tests := []struct {
		name      string
		path      string
		wantType  string // prefix of Content-Type
		wantBody  []byte
		wantCache string
	}{
		{"the task pane is served as HTML that is revalidated", "/addin/taskpane.html", "text/html; charset=utf-8", taskpaneHTML, "no-cache"},
		{"the task pane is the default document of /addin/", "/addin/", "text/html; charset=utf-8", taskpaneHTML, "no-cache"},
		{"the command page is served as HTML that is revalidated", "/addin/commands.html", "text/html; charset=utf-8", commandsHTML, "no-cache"},
		{"a hashed script is JavaScript cached for a year as immutable", "/addin/assets/app-abc123.js", "", appJS, "public, max-age=31536000, immutable"},
		{"an icon is a PNG that is revalidated", "/addin/assets/icon-16.png", "image/png", iconPNG, "no-cache"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.get(t, tc.path, nil)
			wantStatus(t, r, http.StatusOK)
			ct := r.header.Get("Content-Type")
			if tc.wantType == "" {
				if !strings.HasPrefix(ct, "text/javascript") && !strings.HasPrefix(ct, "application/javascript") {
					t.Errorf("Content-Type = %q, want a JavaScript type", ct)
				}
			} else if ct != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", ct, tc.wantType)
			}
			if !bytes.Equal(r.body, tc.wantBody) {
				t.Errorf("body differs from the file (%d bytes, want %d)", len(r.body), len(tc.wantBody))
			}
			if cc := r.header.Get("Cache-Control"); cc != tc.wantCache {
				t.Errorf("Cache-Control = %q, want %q", cc, tc.wantCache)
			}
			if cl := r.header.Get("Content-Length"); cl != strconv.Itoa(len(tc.wantBody)) {
				t.Errorf("Content-Length = %q, want %d", cl, len(tc.wantBody))
			}
		})
	}

	t.Run("an unknown file answers a problem 404", func(t *testing.T) {
		for _, p := range []string{"/addin/nope.html", "/addin/assets/", "/addin/assets/app-abc124.js", "/addin/assets/icon-16.PNG"} {
			wantProblem(t, h.get(t, p, nil), http.StatusNotFound, typeNotFound)
		}
	})

	t.Run("an unknown Office.js file answers a problem 404 when the build carries none", func(t *testing.T) {
		wantProblem(t, h.get(t, "/office-js/office.js", nil), http.StatusNotFound, typeNotFound)
	})

	t.Run("the health check answers ok", func(t *testing.T) {
		r := h.get(t, "/healthz", nil)
		wantStatus(t, r, http.StatusOK)
		if got := decode[map[string]string](t, r); got["status"] != "ok" {
			t.Errorf("healthz = %v", got)
		}
	})
}

func TestStaticGzip(t *testing.T) {
	e := newEnv(t)
	h := startHost(t, e, e.config())
	const js = "/addin/assets/app-abc123.js"

	tests := []struct {
		name     string
		path     string
		accept   string
		wantGzip bool
	}{
		{"a script is gzipped when the client accepts gzip", js, "gzip", true},
		{"a script is gzipped when gzip is one of several encodings", js, "br, gzip;q=0.8, deflate", true},
		{"the encoding name is matched without regard to case", js, "GZIP", true},
		{"a script is sent as is without Accept-Encoding", js, "", false},
		{"a script is sent as is when only other encodings are accepted", js, "br, deflate", false},
		{"a script is sent as is when gzip is refused with q=0", js, "gzip;q=0", false},
		{"a script is sent as is when gzip is refused with q=0.0", js, "gzip; q=0.0", false},
		{"a script is sent as is when gzip is refused with q=0.000", js, "br, gzip;q=0.000", false},
		{"a small HTML page is not worth gzipping", "/addin/taskpane.html", "gzip", false}, // under 512 bytes
		{"a PNG is never gzipped", "/addin/assets/icon-16.png", "gzip", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.accept != "" {
				hdr["Accept-Encoding"] = tc.accept
			}
			r := h.get(t, tc.path, hdr)
			wantStatus(t, r, http.StatusOK)
			if !strings.Contains(r.header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary = %q, want Accept-Encoding", r.header.Get("Vary"))
			}
			if cl := r.header.Get("Content-Length"); cl != strconv.Itoa(len(r.body)) {
				t.Errorf("Content-Length = %q, but %d bytes came", cl, len(r.body))
			}
			gz := r.header.Get("Content-Encoding") == "gzip"
			if gz != tc.wantGzip {
				t.Fatalf("Content-Encoding = %q, want gzip: %v", r.header.Get("Content-Encoding"), tc.wantGzip)
			}
			body := r.body
			if gz {
				if len(body) >= len(appJS)/3 {
					t.Errorf("gzipped script is %d bytes of %d: not compressed", len(body), len(appJS))
				}
				body = gunzip(t, body)
			}
			want := map[string][]byte{js: appJS, "/addin/taskpane.html": taskpaneHTML, "/addin/assets/icon-16.png": iconPNG}[tc.path]
			if !bytes.Equal(body, want) {
				t.Errorf("the body (after decompressing) differs from the file")
			}
		})
	}
}

func TestStaticConditionalAndHead(t *testing.T) {
	e := newEnv(t)
	h := startHost(t, e, e.config())
	const js = "/addin/assets/app-abc123.js"
	first := h.get(t, js, nil)
	etag := first.header.Get("ETag")
	if len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
		t.Fatalf("ETag = %q, want a quoted strong tag", etag)
	}
	other := h.get(t, "/addin/taskpane.html", nil).header.Get("ETag")
	if other == etag {
		t.Fatalf("two different files share the ETag %s", etag)
	}

	tests := []struct {
		name        string
		ifNoneMatch string
		want        int
	}{
		{"the file's ETag answers 304 without a body", etag, http.StatusNotModified},
		{"the weak form of the ETag answers 304", "W/" + etag, http.StatusNotModified},
		{"a list holding the ETag answers 304", `"aaaa", ` + etag, http.StatusNotModified},
		{"another file's ETag answers the file", other, http.StatusOK},
		{"a stale ETag answers the file", `"0123456789abcdef01234567"`, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.get(t, js, map[string]string{"If-None-Match": tc.ifNoneMatch, "Accept-Encoding": "gzip"})
			wantStatus(t, r, tc.want)
			if tc.want == http.StatusNotModified && len(r.body) != 0 {
				t.Errorf("a 304 carried %d bytes", len(r.body))
			}
			if r.header.Get("ETag") != etag {
				t.Errorf("ETag = %q, want %q", r.header.Get("ETag"), etag)
			}
		})
	}

	t.Run("the gzipped and plain forms share the ETag but vary by encoding", func(t *testing.T) {
		gz := h.get(t, js, map[string]string{"Accept-Encoding": "gzip"})
		if gz.header.Get("ETag") != etag || !strings.Contains(gz.header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("gzip answer: ETag %q, Vary %q", gz.header.Get("ETag"), gz.header.Get("Vary"))
		}
	})

	t.Run("HEAD answers the headers of GET without a body", func(t *testing.T) {
		for _, accept := range []string{"", "gzip"} {
			get := h.get(t, js, map[string]string{"Accept-Encoding": accept})
			head := h.do(t, http.MethodHead, js, nil, map[string]string{"Accept-Encoding": accept})
			wantStatus(t, head, http.StatusOK)
			if len(head.body) != 0 {
				t.Errorf("HEAD carried %d bytes", len(head.body))
			}
			for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "ETag", "Cache-Control"} {
				if head.header.Get(k) != get.header.Get(k) {
					t.Errorf("Accept-Encoding %q: HEAD %s = %q, GET has %q", accept, k, head.header.Get(k), get.header.Get(k))
				}
			}
		}
	})
}
