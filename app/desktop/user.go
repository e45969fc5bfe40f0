package desktop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"vmr-companion/backend/atomicfile"
	"vmr-companion/backend/calendar"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/templates"
)

// The user's settings, as keys of the store's user_settings table.
const (
	settingIntegration   = "integration"
	settingJoin          = "join"
	settingNotify        = "notify_minutes"
	settingCalendarKind  = "calendar_kind"
	settingCalendarValue = "calendar_value"
	// settingCalendarSource names a feed in the calendar cache (a hash of
	// its link); the link itself is in the keychain and calendar_value
	// holds only its host, to show.
	settingCalendarSource = "calendar_source"
)

// calendarLinkAccount is the keychain entry of the published calendar's
// link: often a secret URL that anyone holding it can read the calendar
// with.
var calendarLinkAccount = secrets.Account("desktop", "calendar_url")

// keychainOf is k as a SecretStore, nil when there is none (a nil
// *Keychain in an interface would not be nil).
func keychainOf(k *secrets.Keychain) SecretStore {
	if k == nil {
		return nil
	}
	return k
}

// SecretStore is the keychain as the user's side needs it
// (backend/secrets.Keychain).
type SecretStore interface {
	Get(ctx context.Context, account string) (secrets.Secret, error)
	Set(ctx context.Context, account string, s secrets.Secret) error
	Delete(ctx context.Context, account string) error
}

// How a video meeting is joined.
const (
	JoinWeb   = "web"   // the web app link, in the browser
	JoinSIP   = "sip"   // sip:<alias>, for a SIP client or a room system
	JoinPexip = "pexip" // pexip://<alias>, for Pexip's own app
)

// Where the upcoming meetings come from.
const (
	CalendarEWS  = "ews"  // the signed-in user's Exchange calendar
	CalendarURL  = "url"  // an iCalendar feed (Outlook on the web's published link)
	CalendarFile = "file" // an .ics file
)

// MaxNotifyMinutes bounds the reminder lead time: an hour and a half covers
// travel to a room system; longer is a calendar's job.
const MaxNotifyMinutes = 90

// refreshTimeout bounds one refresh; the sources bound their own steps.
const refreshTimeout = 2 * time.Minute

// cacheKey is the calendar cache's key for the window's meetings (the CLI
// keeps its own).
const cacheKey = "desktop"

// Codes of sign-in problems, as Problem.code (see FormatError).
const (
	CodeSignedOut      = "signed_out"
	CodeSignInAgain    = "sign_in_again"
	CodeConsentRefused = "consent_refused"
	CodeSignInFailed   = "sign_in_failed"
)

// SignInError is a sign-in problem the window explains in its own words,
// keyed by Code; Err says what happened.
type SignInError struct {
	Code string
	Err  error
}

func (e *SignInError) Error() string { return e.Err.Error() }
func (e *SignInError) Unwrap() error { return e.Err }

// Account is who is signed in.
type Account struct {
	Email string
	Name  string
}

// Accounts signs users in to an integration's identity provider, with
// the session in the keychain. main.go backs it with backend/oauth and
// reports its errors as *SignInError where the window must branch.
type Accounts interface {
	SignIn(ctx context.Context, in *integration.Integration, open func(url string) error) (*Account, error)
	// Current is the stored sign-in, refreshed if needed; a *SignInError
	// with CodeSignedOut when there is none.
	Current(ctx context.Context, in *integration.Integration) (*Account, error)
	SignOut(ctx context.Context, in *integration.Integration) error
}

// MeetingCache is the store's copy of the last good meetings per source,
// kept for offline viewing (store.Calendars()). Load returns no meetings
// and a zero time for a source never fetched.
type MeetingCache interface {
	Save(ctx context.Context, key, source string, ms []calendar.Meeting, at time.Time) error
	Load(ctx context.Context, key, source string) ([]calendar.Meeting, time.Time, string, error)
	RecordFailure(ctx context.Context, key, source, msg string, at time.Time) error
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

// UserBackends are what main.go gives the user's side of the window.
type UserBackends struct {
	Settings SettingsStore
	Accounts Accounts     // nil: this build cannot sign in
	Cache    MeetingCache // nil: no calendar copy
	// URLSource reads an iCalendar feed; Exchange opens the signed-in
	// user's Exchange calendar. Either may be nil.
	URLSource func(rawURL string) calendar.Source
	Exchange  func(ctx context.Context, in *integration.Integration) (calendar.Source, error)
}

// UserService is the end user's side of the window: sign-in, their
// personal VMRs, and their upcoming meetings with one-click join.
type UserService struct {
	ctx          context.Context
	integrations *integration.Service
	conferences  *conference.Service
	templates    *templates.Engine
	settings     SettingsStore
	// secrets keeps the calendar feed's link; nil: links cannot be kept.
	secrets  SecretStore
	accounts Accounts
	cache    MeetingCache
	// urlSource reads an iCalendar feed; exchange is the signed-in user's
	// Exchange calendar (nil when this build cannot reach it).
	urlSource func(rawURL string) calendar.Source
	exchange  func(ctx context.Context, in *integration.Integration) (calendar.Source, error)
	dialogs   dialogs
	// browser opens a link in the system's handler: the one seam to
	// runtime.BrowserOpenURL, which aborts the process outside a window.
	browser func(url string) error
	now     func() time.Time
	loc     *time.Location

	mu            sync.Mutex
	sealFailedAt  time.Time // when the keychain last refused the calendar link
	sealWarning   string
	cancelSignIn  context.CancelFunc
	cancelRefresh context.CancelFunc
	refreshing    sync.Mutex // one refresh at a time
}

// SignInOption is an integration that offers personal VMRs.
type SignInOption struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

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

// MyVMR is one of the signed-in user's personal VMRs, with what it takes
// to share or join it. Name, description and instructions are rendered
// from the integration's templates with the variables the add-in uses, so
// they read the same.
type MyVMR struct {
	ID               int64    `json:"id"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	SIPAliases       []string `json:"sip_aliases"`
	PhoneAliases     []string `json:"phone_aliases"`
	OtherAliases     []string `json:"other_aliases"`
	PIN              string   `json:"pin"`
	GuestPIN         string   `json:"guest_pin"`
	AllowGuests      bool     `json:"allow_guests"`
	WebURL           string   `json:"web_url"`
	InstructionsHTML string   `json:"instructions_html"`
}

// Upcoming is the meetings of today and the next 14 days, from the cache.
type Upcoming struct {
	Meetings  []calendar.Meeting `json:"meetings"`
	From      time.Time          `json:"from"`
	To        time.Time          `json:"to"`
	FetchedAt time.Time          `json:"fetched_at"`
	// Stale is set when the last refresh failed: Meetings are the last
	// good copy, fetched at FetchedAt, and Error says what went wrong.
	Stale bool   `json:"stale"`
	Error string `json:"error"`
	// Warning is a refresh that worked in part (a series that could not be
	// expanded).
	Warning string `json:"warning"`
	// Source is the calendar kind ("" before one is chosen).
	Source string `json:"source"`
}

// Preferences are the user's choices.
type Preferences struct {
	Join          string `json:"join"`
	NotifyMinutes int    `json:"notify_minutes"`
	CalendarKind  string `json:"calendar_kind"`
	CalendarValue string `json:"calendar_value"`
}

func (s *UserService) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

func (s *UserService) location() *time.Location {
	if s.loc != nil {
		return s.loc
	}
	return time.Local
}

// options lists the integrations that offer personal VMRs, by name.
func (s *UserService) options(ctx context.Context) ([]SignInOption, error) {
	list, err := s.integrations.List(ctx)
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
func (s *UserService) chosen(opts []SignInOption, settings map[string]string) string {
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

// Session reports the sign-in state.
func (s *UserService) Session() (*UserSession, error) {
	opts, err := s.options(s.ctx)
	if err != nil {
		return nil, err
	}
	settings, err := s.settings.All(s.ctx)
	if err != nil {
		return nil, err
	}
	out := &UserSession{Integrations: opts, Integration: s.chosen(opts, settings), Available: s.accounts != nil}
	if out.Integration == "" || s.accounts == nil {
		return out, nil
	}
	in, err := s.integrations.Get(s.ctx, out.Integration)
	if err != nil {
		return nil, err
	}
	acc, err := s.accounts.Current(s.ctx, in)
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

// SignIn opens the system browser at the integration's sign-in page and
// waits for the answer (CancelSignIn ends the wait).
func (s *UserService) SignIn(integrationUUID string) (*UserSession, error) {
	if s.accounts == nil {
		return nil, errors.New("desktop: this build of VMR Companion cannot sign in: install a release build")
	}
	opts, err := s.options(s.ctx)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(opts, func(o SignInOption) bool { return o.UUID == integrationUUID }) {
		return nil, fmt.Errorf("desktop: the integration %q does not offer personal VMRs: choose one from the list, or ask your admin to enable personal VMRs", integrationUUID)
	}
	in, err := s.integrations.Get(s.ctx, integrationUUID)
	if err != nil {
		return nil, err
	}
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
	if _, err := s.accounts.SignIn(ctx, in, s.openBrowser); err != nil {
		return nil, err
	}
	if err := s.settings.Set(s.ctx, map[string]string{settingIntegration: in.UUID}, s.clock()); err != nil {
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
func (s *UserService) SignOut() error {
	in, err := s.current(s.ctx)
	if err != nil || in == nil || s.accounts == nil {
		return err
	}
	return s.accounts.SignOut(s.ctx, in)
}

// current is the chosen integration, nil when there is none.
func (s *UserService) current(ctx context.Context) (*integration.Integration, error) {
	opts, err := s.options(ctx)
	if err != nil {
		return nil, err
	}
	settings, err := s.settings.All(ctx)
	if err != nil {
		return nil, err
	}
	uuid := s.chosen(opts, settings)
	if uuid == "" {
		return nil, nil
	}
	return s.integrations.Get(ctx, uuid)
}

// signedIn is the chosen integration and who is signed in to it.
func (s *UserService) signedIn(ctx context.Context) (*integration.Integration, *Account, error) {
	in, err := s.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	if in == nil {
		return nil, nil, &SignInError{Code: CodeSignedOut, Err: errors.New("desktop: no integration offers personal VMRs yet: ask your admin for one")}
	}
	if s.accounts == nil {
		return nil, nil, &SignInError{Code: CodeSignedOut, Err: errors.New("desktop: this build of VMR Companion cannot sign in: install a release build")}
	}
	acc, err := s.accounts.Current(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	return in, acc, nil
}

// personalVars are the variables of the personal VMR templates, as the
// add-in host passes them (backend/addinhost personalVMRs).
func personalVars(c *conference.Conference, in *integration.Integration) map[string]any {
	domain, numeric, other := c.AliasKinds()
	return map[string]any{"name": c.Name, "description": c.Description, "domain_aliases": domain, "other_aliases": other,
		"numeric_aliases": numeric, "pin": c.PIN, "guest_pin": c.GuestPIN, "allow_guests": c.AllowGuests, "addin_server_domain": in.AddinServerDomain}
}

// webJoinURL is the web app's link to a VMR: https://<addin_server_domain>/webapp/m/<alias>,
// with the first alias that has a domain (any alias when none has).
func webJoinURL(domain string, c *conference.Conference) string {
	domain = strings.TrimSuffix(strings.TrimSpace(domain), ".")
	if domain == "" || len(c.Aliases) == 0 {
		return ""
	}
	dom, numeric, other := c.AliasKinds()
	first := append(append(dom, other...), numeric...)[0]
	return "https://" + domain + "/webapp/m/" + url.PathEscape(first)
}

// MyVMRs lists the signed-in user's personal VMRs.
func (s *UserService) MyVMRs() ([]MyVMR, error) {
	in, acc, err := s.signedIn(s.ctx)
	if err != nil {
		return nil, err
	}
	if acc.Email == "" {
		return nil, fmt.Errorf("desktop: the identity provider did not say your email address, so your VMRs cannot be found: ask your admin to release the email claim to VMR Companion")
	}
	list, err := s.conferences.List(s.ctx, strings.ToLower(acc.Email))
	if err != nil {
		return nil, err
	}
	out := make([]MyVMR, 0, len(list))
	for _, c := range list {
		domain, numeric, other := c.AliasKinds()
		v := MyVMR{ID: c.ID, SIPAliases: domain, PhoneAliases: numeric, OtherAliases: other, PIN: c.PIN, GuestPIN: c.GuestPIN,
			AllowGuests: c.AllowGuests, WebURL: webJoinURL(in.AddinServerDomain, c)}
		vars := personalVars(c, in)
		for _, t := range []struct {
			field, source string
			dst           *string
		}{
			{"personal_vmr_name_template", in.PersonalVMRNameTemplate, &v.Name},
			{"personal_vmr_description_template", in.PersonalVMRDescriptionTemplate, &v.Description},
			{"personal_vmr_instructions_template", in.PersonalVMRInstructionsTemplate, &v.InstructionsHTML},
		} {
			if *t.dst, err = s.templates.Render(s.ctx, t.field, t.source, vars); err != nil {
				return nil, fmt.Errorf("desktop: the integration %s has a broken %s (%w): ask your admin to fix it", in.Name, t.field, err)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// Preferences returns the user's choices, with defaults for those not made.
func (s *UserService) Preferences() (*Preferences, error) {
	settings, _, err := s.sealedSettings(s.ctx)
	if err != nil {
		return nil, err
	}
	p := &Preferences{Join: settings[settingJoin], CalendarKind: settings[settingCalendarKind], CalendarValue: settings[settingCalendarValue]}
	if p.CalendarKind == CalendarURL {
		p.CalendarValue = linkHost(p.CalendarValue) // never the link itself
	}
	if p.Join == "" {
		p.Join = JoinWeb
	}
	p.NotifyMinutes, _ = strconv.Atoi(settings[settingNotify])
	return p, nil
}

// sealedSettings reads the settings after moving a feed link that an
// earlier version kept in the database into the keychain. When the
// keychain cannot take it, the link stays where it was (and keeps
// working), and warning says what to do; it never holds the link.
func (s *UserService) sealedSettings(ctx context.Context) (map[string]string, string, error) {
	settings, err := s.settings.All(ctx)
	if err != nil {
		return nil, "", err
	}
	if settings[settingCalendarKind] != CalendarURL || settings[settingCalendarSource] != "" || settings[settingCalendarValue] == "" {
		return settings, "", nil
	}
	if s.secrets == nil {
		return settings, "Your calendar link is kept unprotected in VMR Companion's database, as this build has no keychain: choose another calendar source to remove it.", nil
	}
	// A keychain that failed is asked again after sealRetry, not on every
	// read: each ask may wait for its timeout or show a prompt.
	s.mu.Lock()
	if !s.sealFailedAt.IsZero() && s.clock().Sub(s.sealFailedAt) < sealRetry {
		w := s.sealWarning
		s.mu.Unlock()
		return settings, w, nil
	}
	s.mu.Unlock()
	_, err = s.settings.Seal(ctx, settingCalendarValue, func(ctx context.Context, link string) (map[string]string, error) {
		if err := s.secrets.Set(ctx, calendarLinkAccount, secrets.New(link)); err != nil {
			return nil, err
		}
		return map[string]string{settingCalendarValue: linkHost(link), settingCalendarSource: feedCacheName(link)}, nil
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.sealFailedAt = s.clock()
		s.sealWarning = "Your calendar link is still kept unprotected in VMR Companion's database, because it could not be moved to the system keychain (" +
			err.Error() + "). Unlock or set up the keychain (VMR Companion tries again every minute), or choose another calendar source to remove the link."
		return settings, s.sealWarning, nil
	}
	s.sealFailedAt, s.sealWarning = time.Time{}, ""
	settings, err = s.settings.All(ctx)
	return settings, "", err
}

// sealRetry is how long a keychain that could not take the calendar link
// is left alone.
const sealRetry = time.Minute

// linkHost is what the window shows of a calendar link: its host only.
func linkHost(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return ""
	}
	if strings.HasSuffix(link, "/…") && u.Path == "/…" {
		return link // already shown form
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// feedCacheName names a feed in the calendar cache by a hash of its link,
// so the link is not stored a second time.
func feedCacheName(link string) string {
	sum := sha256.Sum256([]byte(link))
	return CalendarURL + ":" + hex.EncodeToString(sum[:8])
}

// SetPreferences checks and saves the user's choices: every problem at
// once, keyed by field. A calendar link goes to the keychain; given back
// as shown (its host only) it keeps the stored one.
func (s *UserService) SetPreferences(p Preferences) (*Preferences, error) {
	v := map[string]string{}
	p.CalendarValue = strings.TrimSpace(p.CalendarValue)
	current, _, err := s.sealedSettings(s.ctx)
	if err != nil {
		return nil, err
	}
	keepLink := p.CalendarKind == CalendarURL && current[settingCalendarKind] == CalendarURL &&
		current[settingCalendarSource] != "" && p.CalendarValue == linkHost(current[settingCalendarValue])
	switch p.Join {
	case JoinWeb, JoinSIP, JoinPexip:
	default:
		v["join"] = fmt.Sprintf("choose web, sip or pexip, not %q", p.Join)
	}
	if p.NotifyMinutes < 0 || p.NotifyMinutes > MaxNotifyMinutes {
		v["notify_minutes"] = fmt.Sprintf("give 0 (no reminder) to %d minutes", MaxNotifyMinutes)
	}
	switch p.CalendarKind {
	case "", CalendarEWS:
		p.CalendarValue = ""
	case CalendarURL:
		if keepLink {
			break
		}
		u, msg := feedURL(p.CalendarValue)
		if msg != "" {
			v["calendar_value"] = msg
		} else if s.secrets == nil {
			v["calendar_value"] = "this build keeps no keychain, so a calendar link cannot be kept: choose an .ics file"
		}
		p.CalendarValue = u
	case CalendarFile:
		if p.CalendarValue == "" {
			v["calendar_value"] = "choose an .ics file"
		} else if info, err := os.Stat(p.CalendarValue); err != nil || info.IsDir() {
			v["calendar_value"] = "this file cannot be read: choose an .ics file that exists"
		}
	default:
		v["calendar_kind"] = fmt.Sprintf("choose ews, url or file, not %q", p.CalendarKind)
	}
	if len(v) > 0 {
		return nil, &integration.ValidationError{Fields: v}
	}
	notify := ""
	if p.NotifyMinutes > 0 {
		notify = strconv.Itoa(p.NotifyMinutes)
	}
	values := map[string]string{settingJoin: p.Join, settingNotify: notify,
		settingCalendarKind: p.CalendarKind, settingCalendarValue: p.CalendarValue, settingCalendarSource: ""}
	switch {
	case keepLink:
		delete(values, settingCalendarValue)
		delete(values, settingCalendarSource)
	case p.CalendarKind == CalendarURL:
		// The keychain first: if it refuses, nothing is saved.
		if err := s.secrets.Set(s.ctx, calendarLinkAccount, secrets.New(p.CalendarValue)); err != nil {
			return nil, &integration.ValidationError{Fields: map[string]string{"calendar_value": "the link could not be kept in the system keychain (" +
				err.Error() + "): unlock or set up the keychain and save again, or choose an .ics file"}}
		}
		values[settingCalendarValue], values[settingCalendarSource] = linkHost(p.CalendarValue), feedCacheName(p.CalendarValue)
	}
	if err := s.settings.Set(s.ctx, values, s.clock()); err != nil {
		return nil, err
	}
	if p.CalendarKind != CalendarURL && s.secrets != nil {
		// A link no longer used is not kept; failing to remove it
		// changes nothing the user sees.
		_ = s.secrets.Delete(s.ctx, calendarLinkAccount)
	}
	return s.Preferences()
}

// calendarLink is the feed's link: from the keychain, or from the
// database while the keychain could not take it yet.
func (s *UserService) calendarLink(ctx context.Context) (string, error) {
	settings, _, err := s.sealedSettings(ctx)
	if err != nil {
		return "", err
	}
	if settings[settingCalendarSource] == "" {
		return settings[settingCalendarValue], nil // not moved yet
	}
	if s.secrets == nil {
		return "", errors.New("desktop: this build keeps no keychain, so it cannot read your calendar link: choose an .ics file")
	}
	link, err := s.secrets.Get(ctx, calendarLinkAccount)
	if errors.Is(err, secrets.ErrNotFound) {
		return "", errors.New("desktop: your calendar link is no longer in the system keychain: paste it again in the settings")
	}
	if err != nil {
		return "", fmt.Errorf("desktop: reading your calendar link from the system keychain: %w", err)
	}
	return link.Reveal(), nil
}

// feedURL accepts an https:// or webcal:// link (Outlook on the web
// publishes both; webcal is https underneath) and returns it as https.
func feedURL(raw string) (string, string) {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Host == "" {
		return raw, "paste the calendar's link, starting with https:// or webcal://"
	}
	switch strings.ToLower(u.Scheme) {
	case "webcal", "webcals":
		u.Scheme = "https"
	case "https":
	case "http":
		return raw, "the link must use https://, so that the calendar cannot be read or changed on the way"
	default:
		return raw, "the link must start with https:// or webcal://"
	}
	return u.String(), ""
}

// ChooseCalendarFile asks for an .ics file; "" when cancelled. The choice
// is saved with SetPreferences.
func (s *UserService) ChooseCalendarFile() (string, error) {
	return s.dialogs.Open(s.ctx, "Choose your calendar file", "ics")
}

// cacheName names the source in the calendar cache, without a network
// call. A file or feed is named by a hash of its path or link, so a feed's
// link (often a secret) is not stored a second time; Exchange by the
// integration.
func (s *UserService) cacheName(ctx context.Context, p *Preferences) (string, error) {
	switch p.CalendarKind {
	case CalendarFile:
		sum := sha256.Sum256([]byte(p.CalendarValue))
		return p.CalendarKind + ":" + hex.EncodeToString(sum[:8]), nil
	case CalendarURL:
		settings, _, err := s.sealedSettings(ctx)
		if err != nil {
			return "", err
		}
		if name := settings[settingCalendarSource]; name != "" {
			return name, nil
		}
		return feedCacheName(settings[settingCalendarValue]), nil // not moved yet
	case CalendarEWS:
		in, err := s.current(ctx)
		if err != nil {
			return "", err
		}
		if in == nil {
			return "", &SignInError{Code: CodeSignedOut, Err: errors.New("desktop: no integration offers personal VMRs, so there is no Exchange calendar to read: choose a calendar link or an .ics file")}
		}
		return CalendarEWS + ":" + in.UUID, nil
	}
	return "", errors.New("desktop: choose where your meetings come from first (Exchange, a calendar link or an .ics file)")
}

// source opens the calendar of the user's preferences.
func (s *UserService) source(ctx context.Context, p *Preferences) (calendar.Source, error) {
	switch p.CalendarKind {
	case CalendarFile:
		return calendar.FileSource(p.CalendarValue), nil
	case CalendarURL:
		if s.urlSource == nil {
			return nil, errors.New("desktop: this build cannot read calendar links: choose an .ics file")
		}
		link, err := s.calendarLink(ctx)
		if err != nil {
			return nil, err
		}
		return s.urlSource(link), nil
	case CalendarEWS:
		in, _, err := s.signedIn(ctx)
		if err != nil {
			return nil, err
		}
		if s.exchange == nil {
			return nil, errors.New("desktop: this build cannot read Exchange calendars: publish your calendar from Outlook on the web and use its link")
		}
		return s.exchange(ctx, in)
	}
	return nil, errors.New("desktop: choose where your meetings come from first (Exchange, a calendar link or an .ics file)")
}

// Upcoming returns the cached meetings of the window, without fetching.
func (s *UserService) Upcoming() (*Upcoming, error) {
	p, err := s.Preferences()
	if err != nil {
		return nil, err
	}
	w := calendar.DefaultWindow(s.clock(), s.location())
	up := &Upcoming{Meetings: []calendar.Meeting{}, From: w.From, To: w.To, Source: p.CalendarKind}
	if p.CalendarKind == "" || s.cache == nil {
		return up, nil
	}
	name, err := s.cacheName(s.ctx, p)
	if err != nil {
		return up, nil // nothing cached for a source that cannot be named
	}
	up, err = s.cached(up, name)
	if err != nil {
		return nil, err
	}
	_, up.Warning, err = s.sealedSettings(s.ctx)
	return up, err
}

func (s *UserService) cached(up *Upcoming, name string) (*Upcoming, error) {
	ms, at, lastErr, err := s.cache.Load(s.ctx, cacheKey, name)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	for _, m := range ms {
		// Meetings that ended drop out; the window may have moved since.
		if m.End.After(now) || (m.End.Equal(m.Start) && !m.Start.Before(now)) {
			if m.Start.Before(up.To) {
				up.Meetings = append(up.Meetings, m)
			}
		}
	}
	up.FetchedAt, up.Error, up.Stale = at, lastErr, lastErr != ""
	return up, nil
}

// Refresh reads the calendar again and caches it. When the source fails,
// the failure is recorded and the last good copy comes back marked stale
// with the reason, so the page keeps showing it.
func (s *UserService) Refresh() (*Upcoming, error) {
	s.refreshing.Lock()
	defer s.refreshing.Unlock()
	p, err := s.Preferences()
	if err != nil {
		return nil, err
	}
	if s.cache == nil {
		return nil, errors.New("desktop: this build keeps no calendar copy: install a release build")
	}
	ctx, cancel := context.WithTimeout(s.ctx, refreshTimeout)
	s.mu.Lock()
	s.cancelRefresh = cancel
	s.mu.Unlock()
	defer func() {
		cancel()
		s.mu.Lock()
		s.cancelRefresh = nil
		s.mu.Unlock()
	}()
	now := s.clock()
	w := calendar.DefaultWindow(now, s.location())
	up := &Upcoming{Meetings: []calendar.Meeting{}, From: w.From, To: w.To, Source: p.CalendarKind}
	name, err := s.cacheName(ctx, p)
	if err != nil {
		return nil, err
	}
	var ms []calendar.Meeting
	var warning string
	src, err := s.source(ctx, p)
	if err == nil {
		ms, warning, err = s.load(ctx, src, w)
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) && s.ctx.Err() == nil {
			return s.cached(up, name) // cancelled by the user: nothing failed
		}
		// Recorded even when the window is closing, so the next start says why.
		if rerr := s.cache.RecordFailure(context.WithoutCancel(s.ctx), cacheKey, name, err.Error(), now); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		up, cerr := s.cached(up, name)
		if cerr != nil {
			return nil, errors.Join(err, cerr)
		}
		up.Stale, up.Error = true, err.Error()
		return up, nil
	}
	if err := s.cache.Save(ctx, cacheKey, name, ms, now); err != nil {
		return nil, err
	}
	up, err = s.cached(up, name)
	if err != nil {
		return nil, err
	}
	up.Warning = warning
	if _, sealWarning, _ := s.sealedSettings(ctx); sealWarning != "" {
		up.Warning = strings.TrimSpace(sealWarning + " " + warning)
	}
	return up, nil
}

// load reads src and expands the window. Meetings that come with an error
// are a partial result (a series that could not be expanded): kept, with
// the error as a warning.
func (s *UserService) load(ctx context.Context, src calendar.Source, w calendar.Window) (ms []calendar.Meeting, warning string, err error) {
	cal, err := src.Load(ctx)
	if err != nil {
		return nil, "", err
	}
	d, err := s.cache.Detector(ctx)
	if err != nil {
		return nil, "", err
	}
	ms, err = calendar.MeetingsWithin(cal, w, d, calendar.NewBudget(ctx))
	if err != nil && len(ms) == 0 {
		return nil, "", err
	}
	if err != nil {
		warning = err.Error()
	}
	if ms == nil {
		ms = []calendar.Meeting{}
	}
	return ms, warning, nil
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
	var rid time.Time
	if recurrenceID != "" {
		var err error
		if rid, err = time.Parse(time.RFC3339, recurrenceID); err != nil {
			return "", fmt.Errorf("desktop: the recurrence id %q is not an RFC 3339 time", recurrenceID)
		}
	}
	up, err := s.Upcoming()
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(up.Meetings, func(m calendar.Meeting) bool { return m.UID == uid && m.RecurrenceID.Equal(rid) })
	if i < 0 {
		return "", errors.New("desktop: this meeting is no longer in your calendar copy: refresh and try again")
	}
	m := up.Meetings[i]
	path, err := s.dialogs.Save(s.ctx, "Export the meeting", fileName(m.Summary)+".ics", "ics")
	if err != nil || path == "" {
		return "", err
	}
	if err := atomicfile.Write(path, calendar.ExportICS(m), 0o644); err != nil {
		return "", fmt.Errorf("desktop: %w", err)
	}
	return path, nil
}

// fileName makes a meeting's summary a safe file name.
func fileName(summary string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 32 {
			return '-'
		}
		return r
	}, strings.TrimSpace(summary))
	if r := []rune(name); len(r) > 80 {
		name = string(r[:80])
	}
	if name == "" || strings.Trim(name, ".") == "" {
		return "meeting"
	}
	return name
}
