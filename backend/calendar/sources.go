package calendar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ical"
)

// Source is where a user's meetings come from: their Exchange calendar, an
// iCalendar feed, or an .ics file.
type Source interface {
	// Name says what the source is, for messages and the cache key. It
	// never holds a secret: a feed URL's path (which often is one) is
	// shortened to its last part.
	Name() string
	Load(ctx context.Context) (*ical.Calendar, error)
}

// FileSource reads an .ics file.
func FileSource(path string) Source { return &FileCalendar{Path: path} }

// FileCalendar is an .ics file.
type FileCalendar struct {
	Path    string
	Options ical.ParseOptions
}

// Name is the file's path.
func (f *FileCalendar) Name() string { return f.Path }

// Load reads and parses the file.
func (f *FileCalendar) Load(ctx context.Context) (*ical.Calendar, error) {
	file, err := os.Open(f.Path)
	if err != nil {
		return nil, fmt.Errorf("calendar: opening the calendar file: %w", err)
	}
	defer file.Close()
	if info, err := file.Stat(); err == nil && info.Size() > ical.MaxInputBytes {
		return nil, fmt.Errorf("calendar: %s is %d MiB, more than the %d MiB a calendar may have: export a shorter period", f.Path, info.Size()>>20, ical.MaxInputBytes>>20)
	}
	cal, err := ical.Parse(file, f.Options)
	if err != nil {
		return nil, fmt.Errorf("calendar: %s: %w", f.Path, unprefix(err))
	}
	return cal, nil
}

// Limits of a feed download.
const (
	// DefaultFeedTimeout bounds a whole download, body included.
	DefaultFeedTimeout = 30 * time.Second
	// MaxFeedRedirects is how many redirects a feed may take.
	MaxFeedRedirects = 5
)

// URLSource reads an iCalendar feed: https, webcal (read as https), or
// plain http (with a warning in ical.Calendar.Warnings). hc carries proxies and
// trusted roots; nil means http.DefaultClient's settings.
func URLSource(rawURL string, hc *http.Client) Source {
	return &URLFeed{URL: rawURL, Client: hc}
}

// URLFeed is an iCalendar feed on the web, like the "publish calendar"
// link of Outlook on the web.
type URLFeed struct {
	URL     string
	Client  *http.Client
	Timeout time.Duration // DefaultFeedTimeout when 0
	Options ical.ParseOptions
}

// Name is the URL without its query, its path shortened to the last part
// (published calendar links carry a secret in the path).
func (u *URLFeed) Name() string {
	p, err := feedURL(u.URL)
	if err != nil {
		return "the calendar feed"
	}
	return redactURL(p)
}

// feedURL checks the URL and turns webcal:// into https://.
func feedURL(raw string) (*url.URL, error) {
	p, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || p.Host == "" {
		return nil, errors.New("calendar: the feed address is not a URL; give the calendar's ICS link, starting with https:// or webcal://")
	}
	switch strings.ToLower(p.Scheme) {
	case "webcal", "webcals":
		p.Scheme = "https"
	case "https", "http":
		p.Scheme = strings.ToLower(p.Scheme)
	default:
		return nil, fmt.Errorf("calendar: the feed address starts with %q; give the calendar's ICS link, starting with https:// or webcal://", p.Scheme+":")
	}
	return p, nil
}

// redactURL keeps the scheme and host only: a feed's secret may be any
// part of its path (often the last), its query or its user info.
func redactURL(p *url.URL) string {
	return p.Scheme + "://" + p.Host + "/…"
}

// Load downloads and parses the feed, within ical.MaxInputBytes, the timeout
// and MaxFeedRedirects.
func (u *URLFeed) Load(ctx context.Context) (*ical.Calendar, error) {
	target, err := feedURL(u.URL)
	if err != nil {
		return nil, err
	}
	name := redactURL(target)
	timeout := u.Timeout
	if timeout <= 0 {
		timeout = DefaultFeedTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errFeedTimeout)
	defer cancel()

	hc := http.Client{}
	if u.Client != nil {
		hc = *u.Client
	}
	hc.Timeout = 0 // the context bounds the whole download
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		for _, v := range via {
			if v.URL.String() == req.URL.String() {
				return fmt.Errorf("%w: %s leads back to %s", errRedirectLoop, redactURL(via[len(via)-1].URL), redactURL(req.URL))
			}
		}
		if len(via) > MaxFeedRedirects {
			return fmt.Errorf("%w: more than %d redirects", errRedirectLoop, MaxFeedRedirects)
		}
		if req.URL.Scheme != "https" && via[0].URL.Scheme == "https" {
			return fmt.Errorf("calendar: the feed redirects from https to %s; refusing to fetch it without encryption", redactURL(req.URL))
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("calendar: %s: %w", name, err)
	}
	req.Header.Set("Accept", "text/calendar, */*;q=0.5")
	res, err := hc.Do(req)
	if err != nil {
		return nil, describeFetchError(ctx, name, timeout, err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		return nil, statusError(name, res.StatusCode)
	}
	if res.ContentLength > ical.MaxInputBytes {
		return nil, tooBig(name, res.ContentLength)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, ical.MaxInputBytes+1))
	if err != nil || ctx.Err() != nil {
		// Past the deadline the body may also end cleanly, cut short.
		return nil, describeFetchError(ctx, name, timeout, err)
	}
	if len(data) > ical.MaxInputBytes {
		return nil, tooBig(name, -1)
	}
	if !ical.LooksLikeICalendar(data) {
		return nil, notICalendar(name, res.Header.Get("Content-Type"), data)
	}
	cal, err := ical.ParseBytes(data, u.Options)
	if err != nil {
		return nil, fmt.Errorf("calendar: %s: %w", name, unprefix(err))
	}
	if target.Scheme == "http" {
		cal.Warnings = append([]string{"the feed " + name + " was fetched over plain http: anyone on the network can read or change it; use its https address"}, cal.Warnings...)
	}
	return cal, nil
}

var (
	errFeedTimeout  = errors.New("calendar: the feed took too long")
	errRedirectLoop = errors.New("calendar: the feed redirects in a loop")
)

func describeFetchError(ctx context.Context, name string, timeout time.Duration, err error) error {
	if errors.Is(context.Cause(ctx), errFeedTimeout) {
		return fmt.Errorf("calendar: %s did not send the calendar within %s: the server is slow or the feed very large; try again later, or ask for a shorter period", name, timeout)
	}
	if ctx.Err() != nil || err == nil {
		return fmt.Errorf("calendar: fetching %s: %w", name, ctx.Err())
	}
	if errors.Is(err, errRedirectLoop) {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("calendar: %s: %w; check the calendar's link", name, err)
	}
	// url.Error prints the whole URL, secret path included: keep its cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("calendar: %s: the server's name is not known (%v); check the link and the network", name, dnsErr.Err)
	}
	return fmt.Errorf("calendar: cannot fetch %s: %v; check the link and the network", name, err)
}

func statusError(name string, code int) error {
	what := http.StatusText(code)
	hint := "check the calendar's link"
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden:
		hint = "the feed needs a sign-in: use the calendar's published (ICS) link, which needs none"
	case http.StatusNotFound, http.StatusGone:
		hint = "the calendar is no longer published there: publish it again and use the new link"
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		hint = "the server is busy: try again later"
	}
	return fmt.Errorf("calendar: %s answered %d %s: %s", name, code, what, hint)
}

func tooBig(name string, size int64) error {
	what := fmt.Sprintf("is larger than %d MiB, the most a calendar may have", ical.MaxInputBytes>>20)
	if size > 0 {
		what = fmt.Sprintf("is %d MiB; a calendar may have at most %d MiB", size>>20, ical.MaxInputBytes>>20)
	}
	return fmt.Errorf("calendar: the feed %s %s: publish a shorter period (in Outlook: only the coming months) or a smaller calendar", name, what)
}

func notICalendar(name, contentType string, data []byte) error {
	mt, _, _ := mime.ParseMediaType(contentType)
	start := string(bytes.TrimSpace(data[:min(len(data), 40)]))
	if mt == "text/html" || strings.HasPrefix(strings.ToLower(start), "<!doctype html") || strings.HasPrefix(strings.ToLower(start), "<html") {
		return fmt.Errorf("calendar: %s is a web page, not an iCalendar feed: use the calendar's ICS link (in Outlook on the web: Settings, Calendar, Shared calendars, Publish a calendar, ICS)", name)
	}
	if len(data) == 0 {
		return fmt.Errorf("calendar: %s sent nothing: check the calendar's link", name)
	}
	return fmt.Errorf("calendar: %s is not an iCalendar feed (it begins with %q instead of BEGIN:VCALENDAR): check the calendar's link", name, truncate(start, 20))
}

// unprefix drops the "calendar: " of a wrapped error, so messages say it once.
func unprefix(err error) error {
	if msg, ok := strings.CutPrefix(err.Error(), "calendar: "); ok {
		return &prefixless{msg: msg, err: err}
	}
	return err
}

type prefixless struct {
	msg string
	err error
}

func (p *prefixless) Error() string { return p.msg }
func (p *prefixless) Unwrap() error { return p.err }

// EWSSource is the calendar of the mailbox c works in (the signed-in
// user's own, with delegated OAuth), read with FindItem and a
// CalendarView, which Exchange expands: every occurrence comes as its own
// event. It reads DefaultWindow in the local zone; see EWSCalendar for
// another window.
func EWSSource(c *ews.Client) Source { return &EWSCalendar{Client: c} }

// EWSCalendar is a mailbox's calendar over EWS for a window.
type EWSCalendar struct {
	Client *ews.Client
	// Window is the period to read; zero means DefaultWindow(Now(), time.Local).
	Window Window
	// Max is the most items read (ews.DefaultCalendarViewMax when 0).
	Max int
	Now func() time.Time
}

// Name is the mailbox's calendar.
func (e *EWSCalendar) Name() string {
	if e.Client != nil && e.Client.Mailbox() != "" {
		return "the Exchange calendar of " + e.Client.Mailbox()
	}
	return "your Exchange calendar"
}

// Load reads the window's calendar items.
func (e *EWSCalendar) Load(ctx context.Context) (*ical.Calendar, error) {
	if e.Client == nil {
		return nil, errors.New("calendar: no Exchange connection: sign in first")
	}
	w := e.Window
	if !w.To.After(w.From) {
		now := time.Now
		if e.Now != nil {
			now = e.Now
		}
		w = DefaultWindow(now(), time.Local)
	}
	max := e.Max
	if max <= 0 {
		max = ews.DefaultCalendarViewMax
	}
	items, err := e.Client.FindCalendarItems(ctx, w.From, w.To, max)
	if err != nil {
		return nil, fmt.Errorf("calendar: reading %s: %w", e.Name(), err)
	}
	cal := &ical.Calendar{Method: "PUBLISH"}
	if len(items) >= max {
		cal.Warnings = append(cal.Warnings, fmt.Sprintf("Exchange returned the first %d calendar items only: ask for a shorter period", max))
	}
	for i, it := range items {
		cal.Events = append(cal.Events, eventFromEWS(it, i+1))
	}
	return cal, nil
}

// eventFromEWS turns one CalendarView item into an event. Occurrences and
// exceptions of a series share the UID, so each becomes an override (its
// RecurrenceID, else its start) that Meetings lists at its own time.
func eventFromEWS(it *ews.Item, n int) *ical.Event {
	e := &ical.Event{
		UID: it.UID, Summary: it.Subject, Location: it.Location, Description: it.Body,
		Organizer: ical.Person{Name: it.Organizer.Name, Email: it.Organizer.Email},
		Start:     it.Start, End: it.End, AllDay: it.IsAllDay, Zone: time.UTC, Line: n,
	}
	if e.UID == "" {
		e.UID = it.ID.ID
	}
	if e.End.Before(e.Start) {
		e.End = e.Start
	}
	if it.IsCancelled {
		e.Status = "CANCELLED"
	}
	switch it.CalendarItemType {
	case "Occurrence", "Exception":
		e.RecurrenceID = it.RecurrenceID
		if e.RecurrenceID.IsZero() {
			e.RecurrenceID = it.Start
		}
	}
	return e
}
