// Package account is the end user's side of VMR Companion: their account
// with an integration. It signs them in (sessions in the keychain), keeps
// their preferences, reads their calendar (Exchange with their own token,
// a published link kept in the keychain, or an .ics file) into the
// calendar cache, and renders their personal VMRs. The window
// (app/desktop's UserService) and the command line are shells around it.
package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"vmr-companion/backend/calendar"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth"
)

// SecretStore is the keychain as the user's side needs it
// (backend/secrets.Keychain), as the sign-in sessions need it too.
type SecretStore = oauth.KeyStore

// MeetingCache is the store's copy of the last good meetings per source,
// kept for offline viewing (store.Calendars()).
type MeetingCache interface {
	calendar.Cache
	// Detector knows this deployment's VMRs, to mark video meetings.
	Detector(ctx context.Context) (*calendar.Detector, error)
}

// SettingsStore keeps the user's choices (store.Settings()).
type SettingsStore interface {
	All(ctx context.Context) (map[string]string, error)
	Set(ctx context.Context, values map[string]string, at time.Time) error
	// Seal moves a value that is a secret out of the database (see
	// store.Settings.Seal).
	Seal(ctx context.Context, key string, put func(ctx context.Context, value string) (map[string]string, error)) (bool, error)
}

// Config is what a Service is built from.
type Config struct {
	Integrations *integration.Service
	Conferences  *conference.Service
	Templates    conference.Renderer
	Settings     SettingsStore
	// Secrets keeps the calendar feed's link; nil: links cannot be kept.
	Secrets SecretStore
	SignIns SignIns      // nil: this build cannot sign in
	Cache   MeetingCache // nil: no calendar copy
	// URLSource reads an iCalendar feed; Exchange opens the signed-in
	// user's Exchange calendar. Either may be nil.
	URLSource func(rawURL string) calendar.Source
	Exchange  func(ctx context.Context, in *integration.Integration) (calendar.Source, error)
	// Now and Location are the clock and the user's time zone (default:
	// time.Now, time.Local).
	Now      func() time.Time
	Location *time.Location
}

// Service is one user's account with the integrations of this computer.
type Service struct {
	cfg Config

	mu           sync.Mutex
	sealFailedAt time.Time // when the keychain last refused the calendar link
	sealWarning  string
	refreshing   sync.Mutex // one refresh at a time
}

// New builds the user's side from cfg.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	return &Service{cfg: cfg}
}

// SetClock replaces the clock (tests move time on).
func (s *Service) SetClock(now func() time.Time) { s.cfg.Now = now }

// SignInOption is an integration that offers personal VMRs.
type SignInOption struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// Session is who is signed in, and where they could sign in.
type Session struct {
	Integrations []SignInOption
	// Integration is the chosen one: the last signed in to, or the only one.
	Integration string
	SignedIn    bool
	Email       string
	Name        string
	// Available is false when this build has no sign-in.
	Available bool
	// ErrorCode and Error say why a stored sign-in no longer works
	// (sign_in_again), or why it could not be checked.
	ErrorCode string
	Error     string
}

// options lists the integrations that offer personal VMRs, by name.
func (s *Service) options(ctx context.Context) ([]SignInOption, error) {
	list, err := s.cfg.Integrations.List(ctx)
	if err != nil {
		return nil, err
	}
	out := []SignInOption{}
	for _, in := range list {
		if in.EnablePersonalVMRs {
			out = append(out, SignInOption{UUID: in.UUID, Name: in.Name})
		}
	}
	return out, nil
}

// chosen is the integration the user signs in to: the stored choice while
// it still offers personal VMRs, else the only one that does.
func chosen(opts []SignInOption, settings map[string]string) string {
	want := settings[settingIntegration]
	for _, o := range opts {
		if o.UUID == want {
			return want
		}
	}
	if len(opts) == 1 {
		return opts[0].UUID
	}
	return ""
}

// choice lists the integrations that offer personal VMRs, and the one
// chosen ("" when there is none).
func (s *Service) choice(ctx context.Context) ([]SignInOption, string, error) {
	opts, err := s.options(ctx)
	if err != nil {
		return nil, "", err
	}
	settings, err := s.cfg.Settings.All(ctx)
	if err != nil {
		return nil, "", err
	}
	return opts, chosen(opts, settings), nil
}

// Session reports the sign-in state.
func (s *Service) Session(ctx context.Context) (*Session, error) {
	opts, uuid, err := s.choice(ctx)
	if err != nil {
		return nil, err
	}
	out := &Session{Integrations: opts, Integration: uuid, Available: s.cfg.SignIns != nil}
	if out.Integration == "" || s.cfg.SignIns == nil {
		return out, nil
	}
	in, err := s.cfg.Integrations.Get(ctx, out.Integration)
	if err != nil {
		return nil, err
	}
	acc, err := s.cfg.SignIns.Current(ctx, in)
	var se *SignInError
	switch {
	case err == nil:
		out.SignedIn, out.Email, out.Name = true, acc.Email, acc.Name
	case errors.As(err, &se) && se.Code == CodeSignedOut:
	case errors.As(err, &se):
		out.ErrorCode, out.Error = se.Code, err.Error()
	default:
		out.ErrorCode, out.Error = CodeSignInFailed, err.Error()
	}
	return out, nil
}

var errNoSignIn = errors.New("account: this build of VMR Companion cannot sign in: install a release build")

// SignIn signs in to the integration integrationUUID, which must offer
// personal VMRs; open shows the provider's sign-in page. The integration
// becomes the chosen one.
func (s *Service) SignIn(ctx context.Context, integrationUUID string, open func(url string) error) (*Session, error) {
	if s.cfg.SignIns == nil {
		return nil, errNoSignIn
	}
	opts, err := s.options(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(opts, func(o SignInOption) bool { return o.UUID == integrationUUID }) {
		return nil, fmt.Errorf("account: the integration %q does not offer personal VMRs: choose one from the list, or ask your admin to enable personal VMRs", integrationUUID)
	}
	in, err := s.cfg.Integrations.Get(ctx, integrationUUID)
	if err != nil {
		return nil, err
	}
	if _, err := s.cfg.SignIns.SignIn(ctx, in, open); err != nil {
		return nil, err
	}
	if err := s.cfg.Settings.Set(ctx, map[string]string{settingIntegration: in.UUID}, s.cfg.Now()); err != nil {
		return nil, err
	}
	return s.Session(ctx)
}

// SignOut forgets the sign-in (and revokes it where the provider can).
func (s *Service) SignOut(ctx context.Context) error {
	in, err := s.current(ctx)
	if err != nil || in == nil || s.cfg.SignIns == nil {
		return err
	}
	return s.cfg.SignIns.SignOut(ctx, in)
}

// current is the chosen integration, nil when there is none.
func (s *Service) current(ctx context.Context) (*integration.Integration, error) {
	_, uuid, err := s.choice(ctx)
	if err != nil || uuid == "" {
		return nil, err
	}
	return s.cfg.Integrations.Get(ctx, uuid)
}

// signedIn is the chosen integration and who is signed in to it.
func (s *Service) signedIn(ctx context.Context) (*integration.Integration, *Person, error) {
	in, err := s.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	if in == nil {
		return nil, nil, &SignInError{Code: CodeSignedOut, Err: errors.New("account: no integration offers personal VMRs yet: ask your admin for one")}
	}
	if s.cfg.SignIns == nil {
		return nil, nil, &SignInError{Code: CodeSignedOut, Err: errNoSignIn}
	}
	acc, err := s.cfg.SignIns.Current(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	return in, acc, nil
}
