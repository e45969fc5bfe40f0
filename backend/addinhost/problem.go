package addinhost

import (
	"encoding/json"
	"net/http"
)

// Problem is an RFC 9457 problem detail, the shape of every API error.
type Problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
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
