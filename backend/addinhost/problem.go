package addinhost

import (
	"encoding/json"
	"net/http"

	"vmr-companion/backend/problem"
)

// Problem is an RFC 9457 problem detail, the shape of every API error.
// Fields keeps each field's English message (what clients read so far);
// FieldErrors adds its code and parameters for a client to translate.
// RequestID is the answer's X-Request-Id (an extension member, RFC 9457
// section 3.2), for a user to quote to an admin who greps the log for it.
type Problem struct {
	Type        string                        `json:"type"`
	Title       string                        `json:"title"`
	Status      int                           `json:"status"`
	Detail      string                        `json:"detail,omitempty"`
	Fields      map[string]string             `json:"fields,omitempty"`
	FieldErrors map[string]problem.FieldError `json:"field_errors,omitempty"`
	RequestID   string                        `json:"request_id,omitempty"`
}

// badField is the problem of a request whose field is invalid.
func badField(field string, fe problem.FieldError, detail string) Problem {
	return Problem{Type: typeBadRequest, Title: "Invalid request", Status: http.StatusBadRequest, Detail: detail,
		Fields: map[string]string{field: fe.Message}, FieldErrors: map[string]problem.FieldError{field: fe}}
}

// problemTypes name each kind of failure so clients can branch on it.
const (
	typeBadRequest   = "https://vmr-companion.invalid/problems/bad-request"
	typeUnauthorized = "https://vmr-companion.invalid/problems/unauthorized"
	typeForbidden    = "https://vmr-companion.invalid/problems/forbidden"
	typeNotFound     = "https://vmr-companion.invalid/problems/not-found"
	typeTooLarge     = "https://vmr-companion.invalid/problems/too-large"
	typeRateLimited  = "https://vmr-companion.invalid/problems/rate-limited"
	typeUnavailable  = "https://vmr-companion.invalid/problems/unavailable"
	typeInternal     = "https://vmr-companion.invalid/problems/internal"
	typeMethod       = "https://vmr-companion.invalid/problems/method-not-allowed"
	typeConflict     = "https://vmr-companion.invalid/problems/conflict"
)

func writeProblem(w http.ResponseWriter, p Problem) {
	p.RequestID = w.Header().Get(RequestIDHeader)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
