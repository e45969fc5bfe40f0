package desktop

import (
	"errors"
	"strconv"

	"vmr-companion/backend/account"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/problem"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/templates"
)

// Problem is how every error reaches the window: a code to branch on and
// to translate (with Params), a message in English, and field errors keyed
// by JSON field name: Fields in English, FieldErrors with codes.
type Problem struct {
	Code        string                        `json:"code"`
	Message     string                        `json:"message"`
	Params      map[string]string             `json:"params,omitempty"`
	Fields      map[string]string             `json:"fields,omitempty"`
	FieldErrors map[string]problem.FieldError `json:"field_errors,omitempty"`
	Problems    []integration.BatchProblem    `json:"problems,omitempty"`
}

// FormatError is the window's one error formatter (options.App.ErrorFormatter).
func FormatError(err error) any {
	p := Problem{Code: problem.KindError, Message: err.Error()}
	var verr *integration.ValidationError
	var batch *integration.BatchError
	var cerr *conference.ValidationError
	var syn *templates.SyntaxError
	var unavailable *secrets.UnavailableError
	var signIn *account.SignInError
	var infField *infinitysync.FieldError
	switch {
	case errors.As(err, &verr):
		p.invalid(verr.Fields, verr.FieldErrors)
	case errors.As(err, &cerr):
		p.invalid(cerr.Fields, cerr.FieldErrors)
	case errors.As(err, &syn):
		p.Code = problem.KindTemplateSyntax
	case errors.As(err, &batch):
		p.Code, p.Problems = problem.KindInvalidBatch, batch.Problems
		p.Params = map[string]string{"count": strconv.Itoa(len(batch.Problems))}
	case errors.As(err, &infField):
		p.invalid(map[string]string{infField.Field: err.Error()}, nil)
	case errors.As(err, &signIn):
		p.Code = signIn.Code
	case errors.As(err, &unavailable):
		p.Code = problem.KindKeychain
	case errors.Is(err, integration.ErrNotFound), errors.Is(err, conference.ErrNotFound):
		p.Code = problem.KindNotFound
	}
	return p
}

func (p *Problem) invalid(fields map[string]string, coded map[string]problem.FieldError) {
	p.Code, p.Message, p.Fields, p.FieldErrors = problem.KindInvalid, "Some fields need attention.", fields, coded
	p.Params = map[string]string{"count": strconv.Itoa(len(fields))}
}
