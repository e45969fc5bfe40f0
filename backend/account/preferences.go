package account

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"vmr-companion/backend/calendar"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/problem"
	"vmr-companion/backend/secrets"
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

// CalendarLinkAccount is the keychain entry of the published calendar's
// link: often a secret URL that anyone holding it can read the calendar
// with. The name is kept from when the window owned it.
var CalendarLinkAccount = secrets.Account("desktop", "calendar_url")

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

// sealRetry is how long a keychain that could not take the calendar link
// is left alone.
const sealRetry = time.Minute

// Preferences are the user's choices.
type Preferences struct {
	Join          string `json:"join"`
	NotifyMinutes int    `json:"notify_minutes"`
	CalendarKind  string `json:"calendar_kind"`
	CalendarValue string `json:"calendar_value"`
}

// Preferences returns the user's choices, with defaults for those not made.
func (s *Service) Preferences(ctx context.Context) (*Preferences, error) {
	settings, _, err := s.sealedSettings(ctx)
	if err != nil {
		return nil, err
	}
	return preferencesOf(settings), nil
}

// preferencesOf reads the user's choices from their settings.
func preferencesOf(settings map[string]string) *Preferences {
	p := &Preferences{Join: settings[settingJoin], CalendarKind: settings[settingCalendarKind], CalendarValue: settings[settingCalendarValue]}
	if p.CalendarKind == CalendarURL {
		p.CalendarValue = linkHost(p.CalendarValue) // never the link itself
	}
	if p.Join == "" {
		p.Join = JoinWeb
	}
	p.NotifyMinutes, _ = strconv.Atoi(settings[settingNotify])
	return p
}

// sealedSettings reads the settings after moving a feed link that an
// earlier version kept in the database into the keychain. When the
// keychain cannot take it, the link stays where it was (and keeps
// working), and warning says what to do; it never holds the link.
func (s *Service) sealedSettings(ctx context.Context) (map[string]string, string, error) {
	settings, err := s.cfg.Settings.All(ctx)
	if err != nil {
		return nil, "", err
	}
	if settings[settingCalendarKind] != CalendarURL || settings[settingCalendarSource] != "" || settings[settingCalendarValue] == "" {
		return settings, "", nil
	}
	if s.cfg.Secrets == nil {
		return settings, "Your calendar link is kept unprotected in VMR Companion's database, as this build has no keychain: choose another calendar source to remove it.", nil
	}
	// A keychain that failed is asked again after sealRetry, not on every
	// read: each ask may wait for its timeout or show a prompt.
	s.mu.Lock()
	if !s.sealFailedAt.IsZero() && s.cfg.Now().Sub(s.sealFailedAt) < sealRetry {
		w := s.sealWarning
		s.mu.Unlock()
		return settings, w, nil
	}
	s.mu.Unlock()
	_, err = s.cfg.Settings.Seal(ctx, settingCalendarValue, func(ctx context.Context, link string) (map[string]string, error) {
		if err := s.cfg.Secrets.Set(ctx, CalendarLinkAccount, secrets.New(link)); err != nil {
			return nil, err
		}
		return map[string]string{settingCalendarValue: linkHost(link), settingCalendarSource: calendar.FeedCacheName(link)}, nil
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.sealFailedAt = s.cfg.Now()
		s.sealWarning = "Your calendar link is still kept unprotected in VMR Companion's database, because it could not be moved to the system keychain (" +
			err.Error() + "). Unlock or set up the keychain (VMR Companion tries again every minute), or choose another calendar source to remove the link."
		return settings, s.sealWarning, nil
	}
	s.sealFailedAt, s.sealWarning = time.Time{}, ""
	settings, err = s.cfg.Settings.All(ctx)
	return settings, "", err
}

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

// SetPreferences checks and saves the user's choices: every problem at
// once, keyed by field (an *integration.ValidationError). A calendar link
// goes to the keychain; given back as shown (its host only) it keeps the
// stored one.
func (s *Service) SetPreferences(ctx context.Context, p Preferences) (*Preferences, error) {
	v := map[string]problem.FieldError{}
	p.CalendarValue = strings.TrimSpace(p.CalendarValue)
	current, _, err := s.sealedSettings(ctx)
	if err != nil {
		return nil, err
	}
	keepLink := p.CalendarKind == CalendarURL && current[settingCalendarKind] == CalendarURL &&
		current[settingCalendarSource] != "" && p.CalendarValue == linkHost(current[settingCalendarValue])
	switch p.Join {
	case JoinWeb, JoinSIP, JoinPexip:
	default:
		v["join"] = problem.JoinMethod.Errorf(problem.Args(p.Join), "choose web, sip or pexip, not %q", p.Join)
	}
	if p.NotifyMinutes < 0 || p.NotifyMinutes > MaxNotifyMinutes {
		v["notify_minutes"] = problem.NotifyMinutes.Errorf(problem.Args(MaxNotifyMinutes), "give 0 (no reminder) to %d minutes", MaxNotifyMinutes)
	}
	switch p.CalendarKind {
	case "", CalendarEWS:
		p.CalendarValue = ""
	case CalendarURL:
		if keepLink {
			break
		}
		u, bad := feedURL(p.CalendarValue)
		if bad != nil {
			v["calendar_value"] = *bad
		} else if s.cfg.Secrets == nil {
			v["calendar_value"] = problem.NoKeychainForLink.Errorf(nil, "this build keeps no keychain, so a calendar link cannot be kept: choose an .ics file")
		}
		p.CalendarValue = u
	case CalendarFile:
		if p.CalendarValue == "" {
			v["calendar_value"] = problem.ICSFileMissing.Errorf(nil, "choose an .ics file")
		} else if info, err := os.Stat(p.CalendarValue); err != nil || info.IsDir() {
			v["calendar_value"] = problem.ICSFileUnreadable.Errorf(nil, "this file cannot be read: choose an .ics file that exists")
		}
	default:
		v["calendar_kind"] = problem.CalendarKind.Errorf(problem.Args(p.CalendarKind), "choose ews, url or file, not %q", p.CalendarKind)
	}
	if len(v) > 0 {
		return nil, validationError(v)
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
		if err := s.cfg.Secrets.Set(ctx, CalendarLinkAccount, secrets.New(p.CalendarValue)); err != nil {
			return nil, validationError(map[string]problem.FieldError{"calendar_value": problem.LinkNotKept.Errorf(problem.Args(err.Error()),
				"the link could not be kept in the system keychain (%v): unlock or set up the keychain and save again, or choose an .ics file", err)})
		}
		values[settingCalendarValue], values[settingCalendarSource] = linkHost(p.CalendarValue), calendar.FeedCacheName(p.CalendarValue)
	}
	if err := s.cfg.Settings.Set(ctx, values, s.cfg.Now()); err != nil {
		return nil, err
	}
	if p.CalendarKind != CalendarURL && s.cfg.Secrets != nil {
		// A link no longer used is not kept; failing to remove it
		// changes nothing the user sees.
		_ = s.cfg.Secrets.Delete(ctx, CalendarLinkAccount)
	}
	return s.Preferences(ctx)
}

// calendarLink is the feed's link: from the keychain, or from the
// database (settings, as sealedSettings read them) while the keychain could
// not take it yet.
func (s *Service) calendarLink(ctx context.Context, settings map[string]string) (string, error) {
	if settings[settingCalendarSource] == "" {
		return settings[settingCalendarValue], nil // not moved yet
	}
	if s.cfg.Secrets == nil {
		return "", errors.New("account: this build keeps no keychain, so it cannot read your calendar link: choose an .ics file")
	}
	link, err := s.cfg.Secrets.Get(ctx, CalendarLinkAccount)
	if errors.Is(err, secrets.ErrNotFound) {
		return "", errors.New("account: your calendar link is no longer in the system keychain: paste it again in the settings")
	}
	if err != nil {
		return "", fmt.Errorf("account: reading your calendar link from the system keychain: %w", err)
	}
	return link.Reveal(), nil
}

// feedURL accepts an https:// or webcal:// link (Outlook on the web
// publishes both; webcal is https underneath) and returns it as https,
// or a message saying what is wrong.
func feedURL(raw string) (string, *problem.FieldError) {
	bad := func(fe problem.FieldError) (string, *problem.FieldError) { return raw, &fe }
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Host == "" {
		return bad(problem.FeedLinkMissing.Errorf(nil, "paste the calendar's link, starting with https:// or webcal://"))
	}
	switch strings.ToLower(u.Scheme) {
	case "webcal", "webcals":
		u.Scheme = "https"
	case "https":
	case "http":
		return bad(problem.FeedLinkHTTP.Errorf(nil, "the link must use https://, so that the calendar cannot be read or changed on the way"))
	default:
		return bad(problem.FeedLinkScheme.Errorf(nil, "the link must start with https:// or webcal://"))
	}
	return u.String(), nil
}

// validationError is the preferences' problems as the window and the CLI
// take every form's: English messages by field, and the same with codes.
func validationError(v map[string]problem.FieldError) *integration.ValidationError {
	e := &integration.ValidationError{Fields: map[string]string{}, FieldErrors: v}
	for field, fe := range v {
		e.Fields[field] = fe.Message
	}
	return e
}
