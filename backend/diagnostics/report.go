package diagnostics

import (
	"time"

	"vmr-companion/backend/secrets"
)

// Outcomes of a check.
const (
	Pass = "pass"
	Warn = "warn"
	Fail = "fail"
	Skip = "skip" // not applicable to this integration's settings
)

// Check is one finding: what was checked, how it went, and what to do.
type Check struct {
	ID      string        `json:"id"`      // stable, e.g. "dns", "tcp", "tls", "ews_auth"
	Title   string        `json:"title"`   // what was checked, for people
	Outcome string        `json:"outcome"` // pass, warn, fail or skip
	Detail  string        `json:"detail"`  // what was seen
	Fix     string        `json:"fix"`     // what to do; empty on pass
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Report is the result of diagnosing one integration.
type Report struct {
	Integration string    `json:"integration"`
	Started     time.Time `json:"started"`
	Checks      []Check   `json:"checks"`
	// Log is what Run did, step by step, for the diagnostics bundle (which
	// carries it beside the report, redacted).
	Log []string `json:"-"`
	// secrets are the values the checks read, cut out of bundles.
	secrets []secrets.Secret
}

// Worst is the worst outcome in the report (fail > warn > pass).
func (r *Report) Worst() string {
	worst := Pass
	for _, c := range r.Checks {
		switch {
		case c.Outcome == Fail:
			return Fail
		case c.Outcome == Warn:
			worst = Warn
		}
	}
	return worst
}
