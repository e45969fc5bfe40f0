package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"vmr-companion/backend/scheduler"
)

// Problem is one reason /readyz answers 503.
type Problem struct {
	// Check is store, scheduler or certificate.
	Check string `json:"check"`
	// Integration names the worker, for the scheduler check.
	Integration string `json:"integration,omitempty"`
	Detail      string `json:"detail"`
}

// Readiness is /readyz's answer.
type Readiness struct {
	Ready    bool      `json:"ready"`
	Problems []Problem `json:"problems"`
}

// Ready checks the store, every enabled integration's worker and the
// certificate.
func (m *Metrics) Ready(ctx context.Context) Readiness {
	r := Readiness{Problems: []Problem{}}
	if m.cfg.Ping != nil {
		if err := m.cfg.Ping(ctx); err != nil {
			r.Problems = append(r.Problems, Problem{Check: "store", Detail: "the database does not answer: " + err.Error()})
		}
	}
	if get := m.statuses(); get != nil {
		sts, err := get(ctx)
		if err != nil {
			r.Problems = append(r.Problems, Problem{Check: "scheduler", Detail: "reading the workers' state failed: " + err.Error()})
		}
		for _, st := range sts {
			if st.State != scheduler.WorkerFailed {
				continue
			}
			detail := "the worker stopped on an error a retry cannot fix"
			if st.LastError != "" {
				detail += ": " + st.LastError
			}
			if st.Advice != "" {
				detail += ". " + st.Advice
			}
			r.Problems = append(r.Problems, Problem{Check: "scheduler", Integration: st.Integration, Detail: detail})
		}
	}
	if get := m.certificate(); get != nil {
		cert, err := get()
		switch {
		case err != nil:
			r.Problems = append(r.Problems, Problem{Check: "certificate", Detail: "the add-in host has no usable certificate: " + err.Error()})
		case cert == nil:
			r.Problems = append(r.Problems, Problem{Check: "certificate", Detail: "the add-in host has no certificate"})
		case !m.cfg.Now().Before(cert.NotAfter):
			r.Problems = append(r.Problems, Problem{Check: "certificate",
				Detail: fmt.Sprintf("the add-in host's certificate expired at %s: Outlook refuses the host until it is renewed", cert.NotAfter.UTC().Format(time.RFC3339))})
		}
	}
	r.Ready = len(r.Problems) == 0
	return r
}

// Handler serves /healthz, /readyz and /metrics.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), scrapeTimeout)
		defer cancel()
		rd := m.Ready(ctx)
		status := http.StatusOK
		if !rd.Ready {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, rd)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found: this listener serves /healthz, /readyz and /metrics", http.StatusNotFound)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
