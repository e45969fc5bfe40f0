// Package calendar lists a calendar's meetings for the window and the
// command line: it reads the sources (an .ics file, a feed's URL, a
// mailbox over EWS) with package ical, expands them into the meetings of a
// window within a budget, recognises this deployment's video meetings
// (Detector), and keeps the last good copy (Refresh).
package calendar

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"vmr-companion/backend/ical"
)

// VideoLink is how to join a video meeting of this deployment.
type VideoLink struct {
	Alias  string `json:"alias"`             // the VMR's alias; "" when only a token named an unknown reservation
	WebURL string `json:"web_url,omitempty"` // https://<domain>/webapp/m/<alias>, when a web domain is known
	SIPURI string `json:"sip_uri,omitempty"` // sip:<alias>
}

// Meeting is one occurrence of a calendar's events: a single meeting, or
// one instance of a series with its override applied.
type Meeting struct {
	UID string `json:"uid"`
	// RecurrenceID is the original start of a series' instance; zero for a
	// meeting that is not part of a series.
	RecurrenceID time.Time  `json:"recurrence_id,omitzero"`
	Summary      string     `json:"summary"`
	Location     string     `json:"location"`
	Organizer    string     `json:"organizer"` // email address, else the name
	Start        time.Time  `json:"start"`
	End          time.Time  `json:"end"`
	AllDay       bool       `json:"all_day"`
	Video        *VideoLink `json:"video,omitempty"` // non-nil for a video meeting of this deployment
}

// Window is the period [From, To) whose meetings are listed.
type Window struct{ From, To time.Time }

// DefaultDays is the length of DefaultWindow: today and the next 14 days.
const DefaultDays = 15

// DefaultWindow is today from 00:00 in loc and the 14 days after it.
func DefaultWindow(now time.Time, loc *time.Location) Window {
	if loc == nil {
		loc = time.Local
	}
	y, m, d := now.In(loc).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	return Window{From: from, To: time.Date(y, m, d+DefaultDays, 0, 0, 0, 0, loc)}
}

// MaxMeetings bounds what Meetings returns: a year of a busy shared
// calendar is about 100,000 occurrences.
const MaxMeetings = 250_000

// maxSeriesOccurrences bounds one series within a window (an hourly
// series over a year is 8,760).
const maxSeriesOccurrences = 20_000

// maxSeriesErrors bounds the series problems Meetings spells out.
const maxSeriesErrors = 10

// Meetings expands every event of cal into the meetings that overlap w
// (a meeting without duration: that starts in it), sorted by start, then
// summary. Series follow ical.Occurrences: overrides, cancelled occurrences,
// EXDATE and RDATE. d, when not nil, marks this deployment's video
// meetings.
//
// A series that cannot be expanded (an invalid RRULE) is listed by its
// first occurrence; one that would need too many steps or occurrences is
// cut short. Either way the other meetings are returned with an error
// naming each such series; at most MaxMeetings meetings are returned
// (ical.ErrTooManyOccurrences).
func Meetings(cal *ical.Calendar, w Window, d *Detector) ([]Meeting, error) {
	return MeetingsWithin(cal, w, d, NewBudget(context.Background()))
}

// ErrExpansionBudget is a calendar whose series need more expansion work
// than one refresh may do (Budget): the meetings found until then are
// returned with it.
var ErrExpansionBudget = errors.New("calendar: expanding this calendar's series takes more work than a refresh may do")

// Default budget of one refresh: 25 series at the per-series step limit,
// a few seconds of work, and a deadline for a slow machine.
const (
	DefaultBudgetSteps = 25 * ical.MaxExpansionSteps
	DefaultBudgetTime  = 20 * time.Second
)

// budgetCheckEvery is how many steps pass between looks at the clock and
// the context.
const budgetCheckEvery = 4096

// Budget bounds the expansion work of one refresh across every series of
// a calendar, so that a hostile feed (32 MiB of series that each take the
// most steps a series may) cannot keep a CPU busy for hours: Steps in
// all, and a Deadline on the Now clock and the Context's end, looked at
// every budgetCheckEvery steps and before each series. Not safe for
// concurrent use; one per refresh.
type Budget struct {
	Steps    int
	Deadline time.Time        // zero: none
	Now      func() time.Time // nil: time.Now
	Context  context.Context  // nil: none

	used, unchecked int
	err             error
}

// NewBudget is the default budget of a refresh that ends with ctx.
func NewBudget(ctx context.Context) *Budget {
	return &Budget{Steps: DefaultBudgetSteps, Deadline: time.Now().Add(DefaultBudgetTime), Context: ctx}
}

// Used is how many steps were taken.
func (b *Budget) Used() int {
	if b == nil {
		return 0
	}
	return b.used
}

// take spends one step; an error once the budget is spent (and from then
// on). A nil budget never runs out.
func (b *Budget) take() error {
	if b == nil {
		return nil
	}
	if b.err != nil {
		return b.err
	}
	if b.used >= b.Steps {
		b.err = fmt.Errorf("%w: more than %d expansion steps; publish a shorter period or fewer series", ErrExpansionBudget, b.Steps)
		return b.err
	}
	b.used++
	if b.unchecked++; b.unchecked >= budgetCheckEvery {
		b.unchecked = 0
		return b.check()
	}
	return nil
}

// check looks at the deadline and the context.
func (b *Budget) check() error {
	if b == nil {
		return nil
	}
	if b.err != nil {
		return b.err
	}
	if b.Context != nil && b.Context.Err() != nil {
		b.err = fmt.Errorf("calendar: expanding the series stopped: %w", b.Context.Err())
		return b.err
	}
	if !b.Deadline.IsZero() {
		now := time.Now
		if b.Now != nil {
			now = b.Now
		}
		if !now().Before(b.Deadline) {
			b.err = fmt.Errorf("%w: it took more than the time a refresh may take; publish a shorter period or fewer series", ErrExpansionBudget)
			return b.err
		}
	}
	return nil
}

// MeetingsWithin is Meetings within a budget shared by all the series
// (nil: none). Once it is spent, the series not yet expanded are left
// out, single meetings are still listed, and the error says so.
func MeetingsWithin(cal *ical.Calendar, w Window, d *Detector, b *Budget) ([]Meeting, error) {
	if cal == nil || !w.To.After(w.From) {
		return nil, nil
	}
	var (
		found    []instance
		problems []error
		skipped  int
	)
	problem := func(e *ical.Event, err error) {
		problems = append(problems, fmt.Errorf("%s (line %d): %w", describeEvent(e), e.Line, err))
	}
	for _, g := range cal.AllSeries() {
		master, overrides := g.Master, g.Overrides
		// A single meeting, the most common case, needs no expansion.
		if master != nil && len(overrides) == 0 && !master.IsRecurring() {
			if master.Status != "CANCELLED" && overlaps(master.Start, master.End, w) {
				found = append(found, instance{Occurrence: ical.Occurrence{Start: master.Start, End: master.End, Event: master}})
			}
			continue
		}
		if b.check() != nil {
			skipped++
			continue
		}
		occ, err := ical.OccurrencesWithin(master, overrides, w.From, w.To, maxSeriesOccurrences, b.take)
		if b != nil && b.err != nil && errors.Is(err, b.err) {
			skipped++ // cut by the calendar's budget: said once below, not per series
			for _, o := range occ {
				found = append(found, instance{Occurrence: o, inSeries: true})
			}
			continue
		}
		if errors.Is(err, ical.ErrInvalidRule) {
			problem(master, err)
			// The rule is unusable; its first occurrence and the overrides are still real.
			single := master.WithoutRules()
			occ, err = ical.Occurrences(single, overrides, w.From, w.To, maxSeriesOccurrences)
			for i := range occ {
				if occ[i].Event == single {
					occ[i].Event = master
				}
			}
		}
		if err != nil {
			e := master
			if e == nil {
				e = overrides[0]
			}
			problem(e, err)
		}
		recurring := master != nil && master.IsRecurring()
		for _, o := range occ {
			found = append(found, instance{Occurrence: o, inSeries: recurring || o.Overridden})
		}
	}
	if b != nil && b.err != nil {
		problems = append([]error{fmt.Errorf("%w (%d series not expanded in full)", b.err, skipped)}, problems...)
	}
	sortInstances(found)
	if len(found) > MaxMeetings {
		found = found[:MaxMeetings]
		problems = append([]error{fmt.Errorf("%w: more than %d meetings between %s and %s; only the first %d are listed: ask for a shorter period",
			ical.ErrTooManyOccurrences, MaxMeetings, w.From.Format(time.RFC3339), w.To.Format(time.RFC3339), MaxMeetings)}, problems...)
	}
	out := make([]Meeting, len(found))
	links := map[*ical.Event]*VideoLink{}
	for i, f := range found {
		e := f.Event
		link, ok := links[e]
		if !ok && d != nil {
			link = d.Detect(e.Location, e.Description)
			links[e] = link
		}
		out[i] = Meeting{UID: e.UID, Summary: e.Summary, Location: e.Location, Organizer: organizerText(e.Organizer),
			Start: f.Start, End: f.End, AllDay: e.AllDay, Video: link}
		if f.inSeries {
			out[i].RecurrenceID = f.RecurrenceID
		}
	}
	return out, joinProblems(problems)
}

// instance is an occurrence found by Meetings; inSeries: it belongs to a
// series, so its recurrence id is kept.
type instance struct {
	ical.Occurrence
	inSeries bool
}

// sortInstances orders by start, summary, UID and recurrence id. The
// compact instances are sorted before the meetings are built, so that each
// meeting is written once: appending and sorting whole meetings took most
// of a year's expansion time.
func sortInstances(found []instance) {
	slices.SortFunc(found, func(a, b instance) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := strings.Compare(a.Event.Summary, b.Event.Summary); c != 0 {
			return c
		}
		if c := strings.Compare(a.Event.UID, b.Event.UID); c != 0 {
			return c
		}
		return a.RecurrenceID.Compare(b.RecurrenceID)
	})
}

func overlaps(s, e time.Time, w Window) bool {
	if s.Equal(e) {
		return !s.Before(w.From) && s.Before(w.To)
	}
	return e.After(w.From) && s.Before(w.To)
}

func organizerText(p ical.Person) string {
	if p.Email != "" {
		return p.Email
	}
	return p.Name
}

func describeEvent(e *ical.Event) string {
	switch {
	case e == nil:
		return "a series"
	case e.Summary != "":
		return "series " + strconv.Quote(truncate(e.Summary, 60))
	case e.UID != "":
		return "series UID " + strconv.Quote(truncate(e.UID, 60))
	}
	return "a series"
}

// joinProblems joins the series errors, at most maxSeriesErrors of them.
func joinProblems(problems []error) error {
	if len(problems) == 0 {
		return nil
	}
	if len(problems) > maxSeriesErrors {
		rest := len(problems) - maxSeriesErrors
		problems = append(problems[:maxSeriesErrors:maxSeriesErrors], fmt.Errorf("and %d more series", rest))
	}
	return fmt.Errorf("calendar: some meetings are missing: %w", errors.Join(problems...))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
