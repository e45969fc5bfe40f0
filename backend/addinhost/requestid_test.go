package addinhost_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"vmr-companion/backend/addinhost"
)

// TestRequestIDs: every answer names its request id in X-Request-Id, a
// problem repeats it in its body, and the request's log line carries it,
// so a user's error leads an admin to the line. A client's own id is not
// taken.
func TestRequestIDs(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)
	var logs bytes.Buffer
	var mu sync.Mutex
	cfg := e.config()
	cfg.Logger = slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, nil))
	h := startHost(t, e, cfg)

	seen := map[string]bool{}
	for _, tc := range []struct {
		name, method, path string
		status             int
	}{
		{"an API answer", http.MethodGet, "/api/v1/integrations/" + in.UUID + "/pane", http.StatusOK},
		{"a problem", http.MethodGet, "/api/v1/integrations/00000000-0000-4000-8000-000000000000/pane", http.StatusNotFound},
		{"an unknown API path", http.MethodGet, "/api/v2/anything", http.StatusNotFound},
		{"a static file", http.MethodGet, "/healthz", http.StatusOK},
	} {
		t.Run(tc.name+" has a request id of its own", func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, nil, headers(addinhost.RequestIDHeader, "forged-id"))
			wantStatus(t, r, tc.status)
			id := r.header.Get(addinhost.RequestIDHeader)
			if id == "" || id == "forged-id" || seen[id] {
				t.Fatalf("request id %q (seen before: %v)", id, seen[id])
			}
			seen[id] = true
			if tc.status >= 400 {
				var p addinhost.Problem
				if err := json.Unmarshal(r.body, &p); err != nil || p.RequestID != id {
					t.Fatalf("the problem's request_id %q is not the header's %q (%v)", p.RequestID, id, err)
				}
			}
			if !strings.HasPrefix(tc.path, "/api/") {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			found := false
			for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("a log line is not JSON: %q", line)
				}
				if rec["msg"] == "request" && rec["request_id"] == id {
					found = rec["path"] == tc.path && rec["status"] == float64(tc.status)
				}
			}
			if !found {
				t.Errorf("no request line with request_id %s:\n%s", id, logs.String())
			}
		})
	}
}
