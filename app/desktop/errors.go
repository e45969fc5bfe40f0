package desktop

import (
	"errors"

	"vmr-companion/backend/account"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/templates"
)

// Problem is how every error reaches the window: a code to branch on, a
// message for people, and field errors keyed by JSON field name.
type Problem struct {
	Code     string                     `json:"code"`
	Message  string                     `json:"message"`
	Fields   map[string]string          `json:"fields,omitempty"`
	Problems []integration.BatchProblem `json:"problems,omitempty"`
}

// FormatError is the window's one error formatter (options.App.ErrorFormatter).
func FormatError(err error) any {
	p := Problem{Code: "error", Message: err.Error()}
	var verr *integration.ValidationError
	var batch *integration.BatchError
	var cerr *conference.ValidationError
	var syn *templates.SyntaxError
	var unavailable *secrets.UnavailableError
	var signIn *account.SignInError
	switch {
	case errors.As(err, &verr):
		p.Code, p.Message, p.Fields = "invalid", "Some fields need attention.", verr.Fields
	case errors.As(err, &cerr):
		p.Code, p.Message, p.Fields = "invalid", "Some fields need attention.", cerr.Fields
	case errors.As(err, &syn):
		p.Code = "template_syntax"
	case errors.As(err, &batch):
		p.Code, p.Problems = "invalid_batch", batch.Problems
	case errors.As(err, &signIn):
		p.Code = signIn.Code
	case errors.As(err, &unavailable):
		p.Code = "keychain_unavailable"
	case errors.Is(err, integration.ErrNotFound), errors.Is(err, conference.ErrNotFound):
		p.Code = "not_found"
	}
	return p
}
