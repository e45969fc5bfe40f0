package addinhost_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/exidtoken/exidtokentest"
)

// BenchmarkReserveHTTPS reserves single-use aliases over real loopback
// HTTPS from 64 parallel clients that keep their connections alive, with
// the rate limit off: the path an Outlook pane takes, TLS and SQLite
// included; without authentication, and with an Exchange identity token
// checked on every request (RS256 against the fake Exchange's key, once
// fetched). Run with go test -run '^$' -bench ReserveHTTPS.
func BenchmarkReserveHTTPS(b *testing.B) {
	b.Run("auth=none", func(b *testing.B) { benchReserve(b, false) })
	b.Run("auth=exchange-token", func(b *testing.B) { benchReserve(b, true) })
}

func benchReserve(b *testing.B, exchangeToken bool) {
	e := newEnv(b)
	extra := map[string]any{"scheduled_alias_suffix_length": 9}
	cfg := e.config()
	var token string
	if exchangeToken {
		ex := exidtokentest.Start(b)
		extra["domains"] = []string{ex.URL}
		extra["ews_ca_file"] = ex.CAFile(b)
		cfg.Auth = addinhost.AuthIntegration
		token = ex.Token(exidtokentest.Aud("https://addins.example.com/addin/taskpane.html"))
	}
	in := e.addIntegration(b, "Contoso", extra)
	cfg.ReservationRate = 0
	h := startHost(b, e, cfg)
	// One handshake per connection up front, so the loop measures requests.
	h.get(b, "/healthz", nil)
	path := h.url + "/api/v1/integrations/" + in.UUID + "/reservations"

	var seq, failed atomic.Int64
	// RunParallel starts parallelism × GOMAXPROCS goroutines: 64 of them.
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((64 + procs - 1) / procs)
	base := h.client.Transport.(*http.Transport)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		// Each goroutine is one pane: its own connection, kept alive.
		tr := base.Clone()
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		for pb.Next() {
			body := fmt.Appendf(nil, `{"item_key":"bench-%d"}`, seq.Add(1))
			req, _ := http.NewRequest(http.MethodPost, path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("X-VMR-User", "alice@example.com")
			}
			res, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				continue
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d reservations failed", n, seq.Load())
	}
	b.ReportMetric(float64(seq.Load())/b.Elapsed().Seconds(), "reservations/s")
}

// BenchmarkStaticJS serves the 150 KB hashed script gzipped, as browsers
// ask for it, through the handler.
func BenchmarkStaticJS(b *testing.B) {
	e := newEnv(b)
	h := newServer(b, e.config()).Handler()
	req := httptest.NewRequest(http.MethodGet, "/addin/assets/app-abc123.js", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	b.ReportAllocs()
	var sent int64
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" {
			b.Fatalf("status %d, encoding %q", w.Code, w.Header().Get("Content-Encoding"))
		}
		sent = int64(w.Body.Len())
	}
	b.SetBytes(sent)
}
