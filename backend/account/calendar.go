package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"vmr-companion/backend/calendar"
	"vmr-companion/backend/ical"
)

// CacheKey is the calendar cache's key for the user's meetings; the
// source's name (calendar.FileCacheName and its siblings) tells the
// calendars apart.
const CacheKey = "desktop"

// refreshTimeout bounds one refresh; the sources bound their own steps.
const refreshTimeout = 2 * time.Minute

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
	// expanded, what was guessed in the calendar).
	Warning string `json:"warning"`
	// Source is the calendar kind ("" before one is chosen).
	Source string `json:"source"`
}

var errNoSource = errors.New("account: choose where your meetings come from first (Exchange, a calendar link or an .ics file)")

// cacheName names the source in the calendar cache, without a network
// call (calendar.FileCacheName and its siblings).
func (s *Service) cacheName(ctx context.Context, p *Preferences, settings map[string]string) (string, error) {
	switch p.CalendarKind {
	case CalendarFile:
		return calendar.FileCacheName(p.CalendarValue), nil
	case CalendarURL:
		if name := settings[settingCalendarSource]; name != "" {
			return name, nil
		}
		return calendar.FeedCacheName(settings[settingCalendarValue]), nil // not moved yet
	case CalendarEWS:
		in, err := s.current(ctx)
		if err != nil {
			return "", err
		}
		if in == nil {
			return "", &SignInError{Code: CodeSignedOut, Err: errors.New("account: no integration offers personal VMRs, so there is no Exchange calendar to read: choose a calendar link or an .ics file")}
		}
		return calendar.ExchangeCacheName(in.UUID), nil
	}
	return "", errNoSource
}

// source opens the calendar of the user's preferences.
func (s *Service) source(ctx context.Context, p *Preferences, settings map[string]string) (calendar.Source, error) {
	switch p.CalendarKind {
	case CalendarFile:
		return calendar.FileSource(p.CalendarValue), nil
	case CalendarURL:
		if s.cfg.URLSource == nil {
			return nil, errors.New("account: this build cannot read calendar links: choose an .ics file")
		}
		link, err := s.calendarLink(ctx, settings)
		if err != nil {
			return nil, err
		}
		return s.cfg.URLSource(link), nil
	case CalendarEWS:
		in, _, err := s.signedIn(ctx)
		if err != nil {
			return nil, err
		}
		if s.cfg.Exchange == nil {
			return nil, errors.New("account: this build cannot read Exchange calendars: publish your calendar from Outlook on the web and use its link")
		}
		return s.cfg.Exchange(ctx, in)
	}
	return nil, errNoSource
}

// Upcoming returns the cached meetings of the window, without fetching.
func (s *Service) Upcoming(ctx context.Context) (*Upcoming, error) {
	settings, sealWarning, err := s.sealedSettings(ctx)
	if err != nil {
		return nil, err
	}
	p := preferencesOf(settings)
	up := s.window(p)
	if p.CalendarKind == "" || s.cfg.Cache == nil {
		return up, nil
	}
	name, err := s.cacheName(ctx, p, settings)
	if err != nil {
		return up, nil // nothing cached for a source that cannot be named
	}
	snap, err := calendar.Cached(ctx, s.cfg.Cache, CacheKey, name)
	if err != nil {
		return nil, err
	}
	s.fill(up, snap)
	up.Warning = sealWarning
	return up, nil
}

// window is an empty Upcoming for today and the next 14 days.
func (s *Service) window(p *Preferences) *Upcoming {
	w := calendar.DefaultWindow(s.cfg.Now(), s.cfg.Location)
	return &Upcoming{Meetings: []calendar.Meeting{}, From: w.From, To: w.To, Source: p.CalendarKind}
}

// fill puts a snapshot's meetings that have not ended into up.
func (s *Service) fill(up *Upcoming, snap calendar.Snapshot) {
	now := s.cfg.Now()
	for _, m := range snap.Meetings {
		// Meetings that ended drop out; the window may have moved since.
		if m.End.After(now) || (m.End.Equal(m.Start) && !m.Start.Before(now)) {
			if m.Start.Before(up.To) {
				up.Meetings = append(up.Meetings, m)
			}
		}
	}
	up.FetchedAt, up.Error, up.Stale = snap.FetchedAt, snap.Error, snap.Stale
	up.Warning = strings.Join(snap.Warnings, " ")
}

// Refresh reads the calendar again and caches it (calendar.Refresh). When
// the source fails, the failure is recorded and the last good copy comes
// back marked stale with the reason, so the page keeps showing it; a
// refresh cancelled through ctx gives the copy back as it was.
func (s *Service) Refresh(ctx context.Context) (*Upcoming, error) {
	s.refreshing.Lock()
	defer s.refreshing.Unlock()
	settings, sealWarning, err := s.sealedSettings(ctx)
	if err != nil {
		return nil, err
	}
	p := preferencesOf(settings)
	if s.cfg.Cache == nil {
		return nil, errors.New("account: this build keeps no calendar copy: install a release build")
	}
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	up := s.window(p)
	name, err := s.cacheName(ctx, p, settings)
	if err != nil {
		return nil, err
	}
	d, err := s.cfg.Cache.Detector(ctx)
	if err != nil {
		return nil, err
	}
	src, err := s.source(ctx, p, settings)
	if err != nil {
		src = failed{err}
	}
	snap, err := calendar.Refresh(ctx, s.cfg.Cache, CacheKey, name, src, calendar.Window{From: up.From, To: up.To}, d, s.cfg.Now())
	if err != nil && !snap.Stale && !errors.Is(err, context.Canceled) {
		return nil, err // the copy could not be kept
	}
	s.fill(up, snap)
	if sealWarning != "" {
		up.Warning = strings.TrimSpace(sealWarning + " " + up.Warning)
	}
	return up, nil
}

// failed is a source that could not be opened (not signed in, no link):
// refreshing it fails like a source that cannot be read, so the failure is
// recorded and the last good copy is shown stale.
type failed struct{ err error }

func (f failed) Name() string                                 { return "your calendar" }
func (f failed) Load(context.Context) (*ical.Calendar, error) { return nil, f.err }

// Meeting is one meeting of the cached copy: uid, and for an occurrence
// of a series its original start (zero outside a series).
func (s *Service) Meeting(ctx context.Context, uid string, recurrenceID time.Time) (*calendar.Meeting, error) {
	up, err := s.Upcoming(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(up.Meetings, func(m calendar.Meeting) bool { return m.UID == uid && m.RecurrenceID.Equal(recurrenceID) })
	if i < 0 {
		return nil, errors.New("account: this meeting is no longer in your calendar copy: refresh and try again")
	}
	return &up.Meetings[i], nil
}

// FileName makes a meeting's summary a safe file name, without extension.
func FileName(summary string) string {
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

// ParseRecurrenceID reads an occurrence's original start as the window
// sends it (RFC 3339; "" outside a series).
func ParseRecurrenceID(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("account: the recurrence id %q is not an RFC 3339 time", s)
	}
	return t, nil
}
