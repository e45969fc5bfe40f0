package infinity

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// FieldErrors is a 400 answer: Infinity refused some fields. The body's
// shape is not documented; both shapes seen, {"<resource>": {"<field>":
// ["message"]}} and {"<field>": ["message"]}, are read into Fields. Raw
// keeps the body (bounded) for whatever did not parse.
type FieldErrors struct {
	Resource string
	ID       int
	Fields   map[string][]string
	Raw      string
}

func (e *FieldErrors) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("infinity: Infinity refused the %s: %s", e.Resource, truncate(strings.TrimSpace(e.Raw), 300))
	}
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(e.Fields)) {
		parts = append(parts, f+": "+strings.Join(e.Fields[f], "; "))
	}
	return fmt.Sprintf("infinity: Infinity refused the %s: %s", e.Resource, strings.Join(parts, ", "))
}

// AuthError is a 401 (wrong credentials) or 403 (an account without the
// permission) answer.
type AuthError struct {
	Status   int
	Account  string
	Method   string
	Resource string
}

func (e *AuthError) Error() string {
	if e.Status == http.StatusUnauthorized {
		return fmt.Sprintf("infinity: Infinity did not accept the credentials of %s: wrong username or password (or client id and key), or the account is disabled", e.Account)
	}
	return fmt.Sprintf("infinity: this account (%s) cannot %s %s objects on Infinity: give it an administrator role on the Management Node whose permissions include changing the %s configuration (or use an account that has one)", e.Account, verb(e.Method), e.Resource, e.Resource)
}

func verb(method string) string {
	switch method {
	case http.MethodGet:
		return "read"
	case http.MethodPost:
		return "create"
	case http.MethodDelete:
		return "delete"
	}
	return "change"
}

// NotFoundError is a 404 answer for one object.
type NotFoundError struct {
	Resource string
	ID       int
}

func (e *NotFoundError) Error() string {
	if e.ID == 0 {
		return fmt.Sprintf("infinity: Infinity has no %s resource here: is this the Management Node's address, and does its version offer it?", e.Resource)
	}
	return fmt.Sprintf("infinity: Infinity has no %s with id %d (deleted there?)", e.Resource, e.ID)
}

// StatusError is any other refusal (5xx after the retries, 405, 409, ...).
type StatusError struct {
	Status   int
	Method   string
	Resource string
	Body     string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("infinity: %s %s: Infinity answered %d %s", e.Method, e.Resource, e.Status, http.StatusText(e.Status))
	if b := strings.TrimSpace(e.Body); b != "" {
		msg += ": " + truncate(b, 300)
	}
	return msg
}

func (c *Client) statusError(cl call, status int, raw []byte) error {
	switch status {
	case http.StatusBadRequest:
		return &FieldErrors{Resource: cl.resource, ID: cl.id, Fields: parseFieldErrors(raw, cl.resource), Raw: string(raw)}
	case http.StatusUnauthorized, http.StatusForbidden:
		return &AuthError{Status: status, Account: c.Account(), Method: cl.method, Resource: cl.resource}
	case http.StatusNotFound:
		return &NotFoundError{Resource: cl.resource, ID: cl.id}
	}
	return &StatusError{Status: status, Method: cl.method, Resource: cl.resource, Body: string(raw)}
}

// parseFieldErrors reads either documented-by-others shape; nil when the
// body is neither.
func parseFieldErrors(raw []byte, resource string) map[string][]string {
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return nil
	}
	if inner, ok := top[resource]; ok && len(top) == 1 {
		var nested map[string]json.RawMessage
		if json.Unmarshal(inner, &nested) == nil {
			top = nested
		}
	}
	out := map[string][]string{}
	for field, v := range top {
		var list []string
		var one string
		switch {
		case json.Unmarshal(v, &list) == nil:
			if len(list) > 0 {
				out[field] = list
			}
		case json.Unmarshal(v, &one) == nil:
			out[field] = []string{one}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
