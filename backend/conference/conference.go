// Package conference is the model of a VMR (Infinity's "conference"):
// its aliases, PINs, guests and owner. Personal VMRs are conferences with
// an owner; admins manage them here, and the add-in lists a user's own.
package conference

import (
	"context"
	"errors"
	"net/mail"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"vmr-companion/backend/problem"
)

// ErrNotFound is returned when no conference matches.
var ErrNotFound = errors.New("conference: not found")

// Conference is one VMR.
type Conference struct {
	ID                       int64     `json:"id"`
	Name                     string    `json:"name"`
	Description              string    `json:"description"`
	Aliases                  []Alias   `json:"aliases"`
	PIN                      string    `json:"pin"`
	GuestPIN                 string    `json:"guest_pin"`
	AllowGuests              bool      `json:"allow_guests"`
	PrimaryOwnerEmailAddress string    `json:"primary_owner_email_address"`
	CreatedAt                time.Time `json:"created_at"`
	UpdatedAt                time.Time `json:"updated_at"`
}

// Alias is one way to dial a conference: a SIP URI, a number, or a name.
type Alias struct {
	Alias       string `json:"alias"`
	Description string `json:"description"`
}

// Repository keeps conferences; backend/store implements it. Writes are
// all or nothing.
type Repository interface {
	List(ctx context.Context, owner string) ([]*Conference, error)
	Get(ctx context.Context, ref string) (*Conference, error)
	Create(ctx context.Context, cs []*Conference) error
	Update(ctx context.Context, c *Conference) error
	Delete(ctx context.Context, id int64) error
	// AliasesTaken returns which aliases belong to a conference other than
	// exceptID, or to a scheduled alias.
	AliasesTaken(ctx context.Context, aliases []string, exceptID int64) ([]string, error)
	NamesTaken(ctx context.Context, names []string, exceptID int64) ([]string, error)
}

// ValidationError lists every problem by JSON field name: Fields in
// English (the CLI prints them), FieldErrors with a code and parameters for
// the window to translate.
type ValidationError struct {
	Fields      map[string]string             `json:"fields"`
	FieldErrors map[string]problem.FieldError `json:"field_errors,omitempty"`
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "conference: invalid: " + strings.Join(parts, "; ")
}

// put keeps the first problem of a field: the one to fix first.
func (e *ValidationError) put(field string, fe problem.FieldError) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
		e.FieldErrors = map[string]problem.FieldError{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = fe.Message
		e.FieldErrors[field] = fe
	}
}

var (
	pinPattern     = regexp.MustCompile(`^[0-9]{4,20}$`)
	numericPattern = regexp.MustCompile(`^[0-9]+$`)
)

// Validate checks one conference on its own; uniqueness needs the store.
func Validate(c *Conference) *ValidationError {
	v := &ValidationError{}
	switch n := utf8.RuneCountInString(strings.TrimSpace(c.Name)); {
	case n == 0:
		v.put("name", problem.Missing.Errorf(nil, "the name is required"))
	case utf8.RuneCountInString(c.Name) > 250:
		v.put("name", problem.LongerThan.Errorf(problem.Args(utf8.RuneCountInString(c.Name), 250), "the name is %d characters long; the limit is 250", utf8.RuneCountInString(c.Name)))
	}
	if utf8.RuneCountInString(c.Description) > 250 {
		v.put("description", problem.LongerThan.Errorf(problem.Args(utf8.RuneCountInString(c.Description), 250), "the description is longer than 250 characters"))
	}
	if len(c.Aliases) == 0 {
		v.put("aliases", problem.AliasesRequired.Errorf(nil, "give at least one alias, for example meet.alice@vc.example.com"))
	}
	seen := map[string]bool{}
	for i, a := range c.Aliases {
		s := strings.TrimSpace(a.Alias)
		switch {
		case s == "":
			v.put("aliases", problem.AliasEmpty.Errorf(problem.Args(i+1), "alias %d is empty", i+1))
		case len(s) > 250 || strings.ContainsAny(s, " \t\r\n<>\""):
			v.put("aliases", problem.AliasInvalid.Errorf(problem.Args(s), "alias %q may not contain spaces, quotes or angle brackets, or be longer than 250", s))
		case seen[strings.ToLower(s)]:
			v.put("aliases", problem.ListedTwice.Errorf(problem.Args(s), "alias %q is listed twice", s))
		}
		seen[strings.ToLower(s)] = true
	}
	if c.PIN != "" && !pinPattern.MatchString(c.PIN) {
		v.put("pin", problem.PINFormat.Errorf(nil, "the PIN must be 4 to 20 digits"))
	}
	if c.GuestPIN != "" {
		switch {
		case !pinPattern.MatchString(c.GuestPIN):
			v.put("guest_pin", problem.GuestPINFormat.Errorf(nil, "the guest PIN must be 4 to 20 digits"))
		case c.PIN == "":
			v.put("guest_pin", problem.GuestPINNeedsPIN.Errorf(nil, "a guest PIN needs a host PIN: set the PIN too"))
		case c.GuestPIN == c.PIN:
			v.put("guest_pin", problem.GuestPINSame.Errorf(nil, "the guest PIN must differ from the host PIN, or guests could join as hosts"))
		case len(c.GuestPIN) != len(c.PIN):
			v.put("guest_pin", problem.GuestPINLength.Errorf(problem.Args(len(c.PIN)), "the guest PIN must have as many digits as the host PIN (%d)", len(c.PIN)))
		}
	}
	if e := c.PrimaryOwnerEmailAddress; e != "" {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			v.put("primary_owner_email_address", problem.NotEmailAddress.Errorf(problem.Args(e), "%q is not an email address", e))
		}
	}
	if len(v.Fields) == 0 {
		return nil
	}
	return v
}

// AliasKinds splits aliases the way templates use them: SIP-style aliases
// with a domain, numeric ones for dialling in, and the rest.
func (c *Conference) AliasKinds() (domain, numeric, other []string) {
	domain, numeric, other = []string{}, []string{}, []string{}
	for _, a := range c.Aliases {
		switch {
		case strings.Contains(a.Alias, "@"):
			domain = append(domain, a.Alias)
		case numericPattern.MatchString(a.Alias):
			numeric = append(numeric, a.Alias)
		default:
			other = append(other, a.Alias)
		}
	}
	return domain, numeric, other
}

// normalize trims what people paste.
func normalize(c *Conference) {
	c.Name = strings.TrimSpace(c.Name)
	c.PrimaryOwnerEmailAddress = strings.ToLower(strings.TrimSpace(c.PrimaryOwnerEmailAddress))
	c.PIN, c.GuestPIN = strings.TrimSpace(c.PIN), strings.TrimSpace(c.GuestPIN)
	for i := range c.Aliases {
		c.Aliases[i].Alias = strings.TrimSpace(c.Aliases[i].Alias)
	}
	if c.Aliases == nil {
		c.Aliases = []Alias{}
	}
}
