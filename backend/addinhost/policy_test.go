package addinhost_test

import (
	"net/http"
	"testing"
)

// The host hands /policy/v1/ to the policy handler (which has its own
// authentication), and without one answers 404 there.
func TestPolicyIsMountedUnderItsPath(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	seen := make(chan string, 1)
	cfg.Policy = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.URL.Path + "?" + r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"success","action":"continue"}`))
	})
	h := startHost(t, e, cfg)
	r := h.get(t, "/policy/v1/service/configuration?local_alias=x", nil)
	wantStatus(t, r, http.StatusOK)
	if got := <-seen; got != "/policy/v1/service/configuration?local_alias=x" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("the handler saw %q; headers %v", got, r.header)
	}

	plain := startHost(t, e, e.config())
	wantStatus(t, plain.get(t, "/policy/v1/service/configuration?local_alias=x", nil), http.StatusNotFound)
}
