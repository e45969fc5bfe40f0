package desktop

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"vmr-companion/backend/account"
	"vmr-companion/backend/atomicfile"
	"vmr-companion/backend/calendar"
)

// UserService is the end user's side of the window: sign-in, their
// personal VMRs, and their upcoming meetings with one-click join. The
// logic is backend/account's; this binds it to the window, with what only
// a window has: the browser, the file dialogs, cancelling.
type UserService struct {
	ctx     context.Context
	account *account.Service
	dialogs dialogs
	// browser opens a link in the system's handler: the one seam to
	// runtime.BrowserOpenURL, which aborts the process outside a window.
	browser func(url string) error

	mu            sync.Mutex
	cancelSignIn  context.CancelFunc
	cancelRefresh context.CancelFunc
	refreshing    sync.Mutex // one refresh at a time, so CancelRefresh stops the one running
}

// The window's types are the account's, named here so the generated
// TypeScript keeps its desktop.* names.
type (
	// SignInOption is an integration that offers personal VMRs.
	SignInOption account.SignInOption
	// MyVMR is one of the signed-in user's personal VMRs.
	MyVMR account.VMR
	// Upcoming is the meetings of today and the next 14 days, from the cache.
	Upcoming account.Upcoming
	// Preferences are the user's choices.
	Preferences account.Preferences
)

// UserSession is who is signed in, and where they could sign in.
type UserSession struct {
	Integrations []SignInOption `json:"integrations"`
	// Integration is the chosen one: the last signed in to, or the only one.
	Integration string `json:"integration"`
	SignedIn    bool   `json:"signed_in"`
	Email       string `json:"email"`
	Name        string `json:"name"`
	// Available is false when this build has no sign-in.
	Available bool `json:"available"`
	// ErrorCode and Error say why a stored sign-in no longer works
	// (sign_in_again), or why it could not be checked.
	ErrorCode string `json:"error_code"`
	Error     string `json:"error"`
}

func userSession(s *account.Session, err error) (*UserSession, error) {
	if err != nil {
		return nil, err
	}
	out := &UserSession{Integrations: make([]SignInOption, 0, len(s.Integrations)), Integration: s.Integration, SignedIn: s.SignedIn,
		Email: s.Email, Name: s.Name, Available: s.Available, ErrorCode: s.ErrorCode, Error: s.Error}
	for _, o := range s.Integrations {
		out.Integrations = append(out.Integrations, SignInOption(o))
	}
	return out, nil
}

// Session reports the sign-in state.
func (s *UserService) Session() (*UserSession, error) {
	return userSession(s.account.Session(s.ctx))
}

// SignIn opens the system browser at the integration's sign-in page and
// waits for the answer (CancelSignIn ends the wait).
func (s *UserService) SignIn(integrationUUID string) (*UserSession, error) {
	ctx, cancel := context.WithCancel(s.ctx)
	s.mu.Lock()
	if s.cancelSignIn != nil {
		s.cancelSignIn() // a second click restarts the sign-in
	}
	s.cancelSignIn = cancel
	s.mu.Unlock()
	defer func() {
		cancel()
		s.mu.Lock()
		s.cancelSignIn = nil
		s.mu.Unlock()
	}()
	if _, err := s.account.SignIn(ctx, integrationUUID, s.openBrowser); err != nil {
		return nil, err
	}
	return s.Session()
}

// CancelSignIn ends a sign-in that waits for the browser.
func (s *UserService) CancelSignIn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelSignIn != nil {
		s.cancelSignIn()
	}
}

// SignOut forgets the sign-in (and revokes it where the provider can).
func (s *UserService) SignOut() error { return s.account.SignOut(s.ctx) }

// MyVMRs lists the signed-in user's personal VMRs.
func (s *UserService) MyVMRs() ([]MyVMR, error) {
	list, err := s.account.MyVMRs(s.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MyVMR, 0, len(list))
	for _, v := range list {
		out = append(out, MyVMR(v))
	}
	return out, nil
}

// Preferences returns the user's choices, with defaults for those not made.
func (s *UserService) Preferences() (*Preferences, error) {
	p, err := s.account.Preferences(s.ctx)
	return (*Preferences)(p), err
}

// SetPreferences checks and saves the user's choices: every problem at
// once, keyed by field.
func (s *UserService) SetPreferences(p Preferences) (*Preferences, error) {
	saved, err := s.account.SetPreferences(s.ctx, account.Preferences(p))
	return (*Preferences)(saved), err
}

// ChooseCalendarFile asks for an .ics file; "" when cancelled. The choice
// is saved with SetPreferences.
func (s *UserService) ChooseCalendarFile() (string, error) {
	return s.dialogs.Open(s.ctx, "Choose your calendar file", "ics")
}

// Upcoming returns the cached meetings of the window, without fetching.
func (s *UserService) Upcoming() (*Upcoming, error) {
	up, err := s.account.Upcoming(s.ctx)
	return (*Upcoming)(up), err
}

// Refresh reads the calendar again and caches it; a failure comes back
// as the last good copy, marked stale with the reason.
func (s *UserService) Refresh() (*Upcoming, error) {
	s.refreshing.Lock()
	defer s.refreshing.Unlock()
	ctx, cancel := context.WithCancel(s.ctx)
	s.mu.Lock()
	s.cancelRefresh = cancel
	s.mu.Unlock()
	defer func() {
		cancel()
		s.mu.Lock()
		s.cancelRefresh = nil
		s.mu.Unlock()
	}()
	up, err := s.account.Refresh(ctx)
	return (*Upcoming)(up), err
}

// CancelRefresh stops a refresh that is running; the cached copy stays.
func (s *UserService) CancelRefresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelRefresh != nil {
		s.cancelRefresh()
	}
}

// Join opens a video meeting's link: the web app (https), a SIP client
// (sip:) or Pexip's app (pexip:). Other schemes are refused, since the
// link came from a calendar anyone can write to.
func (s *UserService) Join(link string) error {
	u, err := url.Parse(link)
	if err != nil || link == "" {
		return fmt.Errorf("desktop: %q is not a link to join a meeting", link)
	}
	switch strings.ToLower(u.Scheme) {
	case "https", "sip", "pexip":
	default:
		return fmt.Errorf("desktop: VMR Companion only opens https:, sip: and pexip: links to join a meeting, not %q", u.Scheme+":")
	}
	return s.openBrowser(link)
}

func (s *UserService) openBrowser(link string) error {
	if s.browser == nil {
		return errors.New("desktop: no browser can be opened from here: open the link yourself")
	}
	return s.browser(link)
}

// ExportMeeting saves one meeting of the cached copy as an .ics file where
// the user picks; "" when cancelled. recurrenceID is the occurrence's
// original start (RFC 3339), "" for a meeting outside a series.
func (s *UserService) ExportMeeting(uid, recurrenceID string) (string, error) {
	rid, err := account.ParseRecurrenceID(recurrenceID)
	if err != nil {
		return "", err
	}
	m, err := s.account.Meeting(s.ctx, uid, rid)
	if err != nil {
		return "", err
	}
	path, err := s.dialogs.Save(s.ctx, "Export the meeting", account.FileName(m.Summary)+".ics", "ics")
	if err != nil || path == "" {
		return "", err
	}
	if err := atomicfile.Write(path, calendar.ExportICS(*m), 0o644); err != nil {
		return "", fmt.Errorf("desktop: %w", err)
	}
	return path, nil
}
