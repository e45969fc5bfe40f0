package integration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/google/uuid"

	"vmr-companion/backend/problem"
	"vmr-companion/backend/secrets"
)

// ErrNotFound is returned when no integration matches a name or uuid.
var ErrNotFound = errors.New("integration: not found")

// Repository keeps integrations; backend/store implements it on SQLite.
// Every method is all or nothing.
type Repository interface {
	List(ctx context.Context) ([]Summary, error)
	// Get finds an integration by uuid or, failing that, by name.
	Get(ctx context.Context, ref string) (*Integration, error)
	// Create stores new integrations in one transaction, setting ID and times.
	Create(ctx context.Context, ins []*Integration) error
	Update(ctx context.Context, in *Integration) error
	Delete(ctx context.Context, uuid string) error
	// Taken returns, of the given names and uuids, those already used by
	// integrations other than exceptUUID.
	Taken(ctx context.Context, names, uuids []string, exceptUUID string) (takenNames, takenUUIDs []string, err error)
}

// SecretStore is the keychain as the service needs it (backend/secrets.Keychain).
type SecretStore interface {
	Get(ctx context.Context, account string) (secrets.Secret, error)
	Set(ctx context.Context, account string, s secrets.Secret) error
	Delete(ctx context.Context, account string) error
}

// TemplateChecker parses a template field's source; backend/templates
// implements it, and its errors carry the line and column.
type TemplateChecker interface {
	Check(field, source string) error
}

// Service manages integrations: it validates, keeps secrets in the keychain
// and the rest in the repository, and undoes keychain changes when the
// repository refuses a write, so nothing is ever half saved.
type Service struct {
	repo      Repository
	secrets   SecretStore
	templates TemplateChecker
}

// NewService builds the service over a repository and a keychain. With a
// template checker, saving also checks every template's syntax.
func NewService(repo Repository, keychain SecretStore, templates ...TemplateChecker) *Service {
	s := &Service{repo: repo, secrets: keychain}
	if len(templates) > 0 {
		s.templates = templates[0]
	}
	return s
}

// Saved is an integration after a write, with the warnings it still has.
type Saved struct {
	Integration *Integration `json:"integration"`
	Warnings    []Warning    `json:"warnings"`
}

// Report is the outcome of checking an integration without saving it.
type Report struct {
	Errors      map[string]string             `json:"errors"`
	FieldErrors map[string]problem.FieldError `json:"field_errors,omitempty"`
	Warnings    []Warning                     `json:"warnings"`
}

// List returns every integration, by name.
func (s *Service) List(ctx context.Context) ([]Summary, error) {
	return s.repo.List(ctx)
}

// Get finds an integration by uuid or name.
func (s *Service) Get(ctx context.Context, ref string) (*Integration, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, errors.New("integration: name or uuid is required")
	}
	return s.repo.Get(ctx, ref)
}

// DecodeNew reads a new integration from JSON, over the defaults.
func (s *Service) DecodeNew(data []byte) (*Input, error) {
	return Decode(Defaults(), data, false)
}

// DecodeChange reads changes to a stored integration from JSON.
func (s *Service) DecodeChange(ctx context.Context, ref string, data []byte) (*Input, error) {
	cur, err := s.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	return Decode(cur, data, false)
}

// Check validates an input as Create or Update would, without saving.
func (s *Service) Check(ctx context.Context, in *Input) (Report, error) {
	r := Report{Errors: map[string]string{}}
	err := s.validate(ctx, in)
	var verr *ValidationError
	switch {
	case errors.As(err, &verr):
		r.Errors, r.FieldErrors = verr.Fields, verr.FieldErrors
	case err != nil:
		return r, err
	}
	r.Warnings = s.warnings(in.Integration, storedAfter(in))
	return r, nil
}

func (s *Service) validate(ctx context.Context, in *Input) error {
	v := &ValidationError{}
	if err := Validate(in.Integration); err != nil {
		v = err.(*ValidationError)
	}
	s.checkTemplates(v, in.Integration)
	names, _, err := s.repo.Taken(ctx, []string{in.Integration.Name}, nil, in.Integration.UUID)
	if err != nil {
		return err
	}
	if len(names) > 0 {
		v.put("name", problem.NameTaken.Errorf(problem.Args(in.Integration.Name), "an integration named %q already exists: choose another name", in.Integration.Name))
	}
	return v.orNil()
}

// checkTemplates adds each template's syntax error to the field.
func (s *Service) checkTemplates(v *ValidationError, in *Integration) {
	if s.templates == nil {
		return
	}
	for _, f := range fields {
		if f.Format != FormatTemplate {
			continue
		}
		if _, bad := v.Fields[f.Name]; bad {
			continue
		}
		if err := s.templates.Check(f.Name, fieldValue(in, f.Name).String()); err != nil {
			detail := strings.TrimPrefix(err.Error(), "templates: "+f.Name+": ")
			v.put(f.Name, problem.TemplateError.Errorf(problem.Args(detail), "%s", detail))
		}
	}
}

// storedAfter lists the secrets that will have a value once in is saved.
func storedAfter(in *Input) []string {
	set := map[string]bool{}
	for _, f := range in.Integration.SecretsStored {
		set[f] = true
	}
	for f, v := range in.Secrets {
		set[f] = !v.IsZero()
	}
	var out []string
	for _, f := range SecretFields {
		if set[f] {
			out = append(out, f)
		}
	}
	return out
}

// warnings adds to Lint what only the service knows: missing secrets.
func (s *Service) warnings(in *Integration, stored []string) []Warning {
	w := Lint(in)
	has := func(f string) bool { return contains(stored, f) }
	if in.EnableDynamicVMRs && (in.AuthenticationMethod == AuthBasic || in.AuthenticationMethod == AuthNTLM) && !has(SecretPassword) {
		w = append(w, Warning{Field: SecretPassword, Message: "no password is stored for the service account: the scheduler cannot sign in to Exchange until you set one"})
	}
	if in.AuthenticationMethod == AuthAppPerm && !has(SecretOAuthClientSecret) {
		w = append(w, Warning{Field: SecretOAuthClientSecret, Message: "no OAuth client secret is stored: APP_PERM cannot get a token until you set one"})
	}
	if w == nil {
		w = []Warning{}
	}
	return w
}

// Create validates and saves a new integration.
func (s *Service) Create(ctx context.Context, in *Input) (*Saved, error) {
	it := in.Integration
	if it.UUID == "" {
		it.UUID = uuid.NewString()
	} else if _, err := uuid.Parse(it.UUID); err != nil {
		return nil, &ValidationError{Fields: map[string]string{"uuid": fmt.Sprintf("%q is not a UUID", it.UUID)}}
	}
	if err := s.validate(ctx, in); err != nil {
		return nil, err
	}
	if _, uuids, err := s.repo.Taken(ctx, nil, []string{it.UUID}, ""); err != nil {
		return nil, err
	} else if len(uuids) > 0 {
		return nil, &ValidationError{Fields: map[string]string{"uuid": fmt.Sprintf("uuid %s already belongs to another integration", it.UUID)}}
	}
	undo, err := s.writeSecrets(ctx, it.UUID, in.Secrets)
	if err != nil {
		return nil, err
	}
	it.SecretsStored = storedAfter(in)
	if err := s.repo.Create(ctx, []*Integration{it}); err != nil {
		return nil, errors.Join(err, undo(ctx))
	}
	return &Saved{Integration: it, Warnings: s.warnings(it, it.SecretsStored)}, nil
}

// Update validates and saves changes made to a stored integration (an Input
// from DecodeChange).
func (s *Service) Update(ctx context.Context, in *Input) (*Saved, error) {
	it := in.Integration
	if err := s.validate(ctx, in); err != nil {
		return nil, err
	}
	undo, err := s.writeSecrets(ctx, it.UUID, in.Secrets)
	if err != nil {
		return nil, err
	}
	it.SecretsStored = storedAfter(in)
	if err := s.repo.Update(ctx, it); err != nil {
		return nil, errors.Join(err, undo(ctx))
	}
	return &Saved{Integration: it, Warnings: s.warnings(it, it.SecretsStored)}, nil
}

// Delete removes an integration and its keychain entries.
func (s *Service) Delete(ctx context.Context, ref string) error {
	it, err := s.Get(ctx, ref)
	if err != nil {
		return err
	}
	// Every secret field, not only those recorded: an entry left by an
	// interrupted earlier run goes too.
	clear := map[string]secrets.Secret{}
	for _, f := range SecretFields {
		clear[f] = secrets.Secret{}
	}
	undo, err := s.writeSecrets(ctx, it.UUID, clear)
	if err != nil {
		return fmt.Errorf("integration: %q was not deleted: %w", it.Name, err)
	}
	if err := s.repo.Delete(ctx, it.UUID); err != nil {
		return errors.Join(err, undo(ctx))
	}
	return nil
}

// writeSecrets sets (or, for zero values, deletes) secrets and returns how to
// put the previous values back.
func (s *Service) writeSecrets(ctx context.Context, owner string, values map[string]secrets.Secret) (func(context.Context) error, error) {
	type previous struct {
		field string
		value secrets.Secret
		had   bool
	}
	var done []previous
	undo := func(ctx context.Context) error {
		var errs []error
		for i := len(done) - 1; i >= 0; i-- {
			p := done[i]
			acct := secrets.Account(owner, p.field)
			if p.had {
				errs = append(errs, s.secrets.Set(ctx, acct, p.value))
			} else if err := s.secrets.Delete(ctx, acct); err != nil && !errors.Is(err, secrets.ErrNotFound) {
				errs = append(errs, err)
			}
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("integration: restoring the keychain after a failed save: %w", err)
		}
		return nil
	}
	fields := make([]string, 0, len(values))
	for f := range values {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		acct := secrets.Account(owner, f)
		old, err := s.secrets.Get(ctx, acct)
		had := err == nil
		if err != nil && !errors.Is(err, secrets.ErrNotFound) {
			return nil, errors.Join(err, undo(ctx))
		}
		if values[f].IsZero() {
			err = s.secrets.Delete(ctx, acct)
			if errors.Is(err, secrets.ErrNotFound) {
				err = nil
			}
		} else {
			err = s.secrets.Set(ctx, acct, values[f])
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("integration: saving %s in the keychain: %w", label(f), err), undo(ctx))
		}
		done = append(done, previous{field: f, value: old, had: had})
	}
	return undo, nil
}

// Secret reads one secret field of an integration from the keychain; ok is
// false when the integration has no value for it. The scheduler and the
// diagnostics use it to authenticate against Exchange.
func (s *Service) Secret(ctx context.Context, in *Integration, field string) (secrets.Secret, bool, error) {
	if !slices.Contains(SecretFields, field) {
		return secrets.Secret{}, false, fmt.Errorf("integration: %q is not a secret field", field)
	}
	v, err := s.secrets.Get(ctx, secrets.Account(in.UUID, field))
	if errors.Is(err, secrets.ErrNotFound) {
		return secrets.Secret{}, false, nil
	}
	if err != nil {
		return secrets.Secret{}, false, err
	}
	return v, !v.IsZero(), nil
}

// SetSecret replaces one secret of a stored integration, such as a refresh
// token the OAuth provider rotated. The database already records that the
// field has a value, or the value is new and the next save records it.
func (s *Service) SetSecret(ctx context.Context, in *Integration, field string, v secrets.Secret) error {
	if !slices.Contains(SecretFields, field) {
		return fmt.Errorf("integration: %q is not a secret field", field)
	}
	if err := s.secrets.Set(ctx, secrets.Account(in.UUID, field), v); err != nil {
		return fmt.Errorf("integration: saving %s in the keychain: %w", label(field), err)
	}
	return nil
}
