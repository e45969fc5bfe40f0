package ical

import (
	"fmt"
	"sort"
	"time"
)

// DefaultOccurrenceLimit is the limit Occurrences uses when given limit <= 0.
const DefaultOccurrenceLimit = 1000

// MaxExpansionSteps bounds the rule instances one Occurrences or LastEnd
// call may generate, whatever the window: a daily meeting for 500 years,
// or a COUNT of 200,000. rrule-go itself iterates from DTSTART (rule.iterator
// skips ahead where that is exact), so this also bounds the time taken.
const MaxExpansionSteps = 200_000

// IsRecurring tells whether the event is the master of a series: it has an
// RRULE or an RDATE.
func (e *Event) IsRecurring() bool { return len(e.RRules) > 0 || len(e.RDates) > 0 }

// Series returns the master (nil if the calendar has only overrides, as in
// a request for one changed occurrence) and the overrides of the series with
// this UID. Of several overrides of one occurrence the one with the highest
// SEQUENCE, then the last in the file, is kept; likewise for the master.
func (c *Calendar) Series(uid string) (master *Event, overrides []*Event) {
	var all []*Event
	for _, e := range c.Events {
		if e.UID != uid {
			continue
		}
		if e.RecurrenceID.IsZero() {
			if master == nil || e.Sequence >= master.Sequence {
				master = e
			}
			continue
		}
		all = append(all, e)
	}
	return master, latestOverrides(all)
}

// Series is one UID's master (nil if only overrides came) and overrides.
type Series struct {
	Master    *Event
	Overrides []*Event
}

// AllSeries groups the events by UID in one pass (Series per UID would be
// quadratic on a large feed), with Series' choice of master and
// overrides. Events without UID stand alone. Groups keep file order.
func (c *Calendar) AllSeries() []*Series {
	var out []*Series
	byUID := make(map[string]*Series, len(c.Events))
	for _, e := range c.Events {
		var g *Series
		if e.UID != "" {
			g = byUID[e.UID]
		}
		if g == nil {
			g = &Series{}
			out = append(out, g)
			if e.UID != "" {
				byUID[e.UID] = g
			}
		}
		if e.RecurrenceID.IsZero() {
			if g.Master == nil || e.Sequence >= g.Master.Sequence {
				g.Master = e
			}
			continue
		}
		g.Overrides = append(g.Overrides, e)
	}
	for _, g := range out {
		if len(g.Overrides) > 1 {
			g.Overrides = latestOverrides(g.Overrides)
		}
	}
	return out
}

// WithoutRules is a copy of e without its RRULEs (RDATEs and EXDATEs
// stay): a series whose rule is invalid, as far as it can still be read.
func (e *Event) WithoutRules() *Event {
	single := *e
	single.RRules, single.RRule, single.rules, single.ruleErr = nil, "", nil, nil
	return &single
}

// latestOverrides keeps one override per RECURRENCE-ID, the newest.
func latestOverrides(overrides []*Event) []*Event {
	byID := map[int64]int{}
	var out []*Event
	for _, o := range overrides {
		if o == nil || o.RecurrenceID.IsZero() {
			continue
		}
		key := o.RecurrenceID.Unix()
		if i, ok := byID[key]; ok {
			if o.Sequence >= out[i].Sequence {
				out[i] = o
			}
			continue
		}
		byID[key] = len(out)
		out = append(out, o)
	}
	return out
}

// Occurrences lists the occurrences of the series whose master is master
// that overlap [from, to) (an occurrence without duration: that starts in
// it), sorted by start. Overrides replace the occurrence their RECURRENCE-ID
// names, so a moved occurrence appears at its new time; CANCELLED overrides
// and EXDATEs remove occurrences; a CANCELLED master has none. DTSTART is an
// occurrence of an RDATE-only series; with an RRULE only when the rule
// yields it (RFC 5545 leaves an unsynchronized DTSTART undefined; libical,
// python-dateutil and rrule-go leave it out). An override is listed at its own time even when its
// RECURRENCE-ID matches no occurrence. With a nil master the overrides
// alone are listed (a request for one changed occurrence carries no master).
//
// More than limit occurrences (DefaultOccurrenceLimit when limit <= 0)
// returns the first limit of them and ErrTooManyOccurrences; so does a
// series that needs more than MaxExpansionSteps steps, with the
// occurrences found before it stopped.
func Occurrences(master *Event, overrides []*Event, from, to time.Time, limit int) ([]Occurrence, error) {
	return OccurrencesWithin(master, overrides, from, to, limit, nil)
}

// OccurrencesWithin is Occurrences within a budget shared by several
// series (the series of one refresh): step, when not nil, is called for
// each rule instance generated, and its error stops the expansion and is
// returned with the occurrences found until then.
func OccurrencesWithin(master *Event, overrides []*Event, from, to time.Time, limit int, step func() error) ([]Occurrence, error) {
	if limit <= 0 {
		limit = DefaultOccurrenceLimit
	}
	if !to.After(from) {
		return nil, nil
	}
	occ, err := expand(master, overrides, from, to, step)
	if err != nil && len(occ) == 0 {
		return nil, err
	}
	sort.Slice(occ, func(i, j int) bool {
		if !occ[i].Start.Equal(occ[j].Start) {
			return occ[i].Start.Before(occ[j].Start)
		}
		return occ[i].RecurrenceID.Before(occ[j].RecurrenceID)
	})
	if err != nil {
		return occ[:min(len(occ), limit)], err // cut short by MaxExpansionSteps
	}
	if len(occ) > limit {
		return occ[:limit], fmt.Errorf("%w: more than %d between %s and %s; ask for a shorter window or a higher limit",
			ErrTooManyOccurrences, limit, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return occ, nil
}

// LastEnd is the end of the last occurrence of the series, overrides
// applied. ok is false when the series never ends (an RRULE without COUNT
// or UNTIL). A series whose occurrences were all excluded ends with its
// first slot (the master's End).
func LastEnd(master *Event, overrides []*Event) (end time.Time, ok bool, err error) {
	if master != nil {
		if master.ruleErr != nil {
			return time.Time{}, false, fmt.Errorf("%w: %v", ErrInvalidRule, master.ruleErr)
		}
		for _, r := range master.rules {
			if !r.bounded {
				return time.Time{}, false, nil
			}
		}
	}
	occ, err := expand(master, overrides, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), nil)
	if err != nil {
		return time.Time{}, false, err
	}
	for _, o := range occ {
		if o.End.After(end) {
			end = o.End
		}
	}
	if end.IsZero() {
		if master == nil {
			return time.Time{}, false, nil
		}
		return master.End, true, nil
	}
	return end, true, nil
}

type civilDate struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// expand lists the occurrences overlapping [from, to), unsorted.
func expand(master *Event, overrides []*Event, from, to time.Time, step func() error) ([]Occurrence, error) {
	overlaps := func(s, e time.Time) bool {
		if s.Equal(e) {
			return !s.Before(from) && s.Before(to)
		}
		return e.After(from) && s.Before(to)
	}
	overrides = latestOverrides(overrides)
	var occ []Occurrence
	emitOverrides := func() {
		for _, o := range overrides {
			if o.Status != "CANCELLED" && overlaps(o.Start, o.End) {
				occ = append(occ, Occurrence{Start: o.Start, End: o.End, RecurrenceID: o.RecurrenceID, Event: o, Overridden: true})
			}
		}
	}
	if master == nil {
		emitOverrides()
		return occ, nil
	}
	if master.ruleErr != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRule, master.ruleErr)
	}
	if master.Status == "CANCELLED" {
		return nil, nil
	}

	// Instances starting in [lo, to) can overlap the window.
	days := civilDays(master.End) - civilDays(master.Start)
	endOf := func(start time.Time) time.Time {
		if end, ok := master.rdateEnds[start.Unix()]; ok {
			return end
		}
		if master.startIsDate {
			return start.AddDate(0, 0, days)
		}
		return start.Add(master.End.Sub(master.Start))
	}
	longest := master.End.Sub(master.Start)
	for start, end := range master.rdateEnds {
		longest = max(longest, end.Sub(time.Unix(start, 0)))
	}
	lo := from.Add(-longest - 48*time.Hour) // days are nominal: a DST day is 25 hours
	// RANGE=THISANDFUTURE overrides move and resize every later instance:
	// look as far around the window as they shift.
	var future []*Event
	iterTo := to
	for _, o := range overrides {
		if o.ThisAndFuture && o.Status != "CANCELLED" {
			future = append(future, o)
			shift := o.Start.Sub(o.RecurrenceID)
			lo = lo.Add(-max(shift, -shift) - o.End.Sub(o.Start))
			iterTo = iterTo.Add(max(-shift, 0))
		}
	}
	sort.Slice(future, func(i, j int) bool { return future[i].RecurrenceID.Before(future[j].RecurrenceID) })

	starts := map[int64]time.Time{}
	add := func(t time.Time) {
		if !t.Before(lo) && t.Before(iterTo) {
			starts[t.Unix()] = t
		}
	}
	if len(master.rules) == 0 {
		add(master.Start) // with an RRULE, DTSTART counts only if the rule yields it
	}
	for _, t := range master.RDates {
		add(t)
	}
	steps := 0
	var cut error // the step limit was reached: what was found so far is returned with it
rules:
	for _, r := range master.rules {
		next := r.iterator(lo)
		for {
			t, ok := next()
			if !ok || !t.Before(iterTo) {
				break
			}
			if steps++; steps > MaxExpansionSteps {
				cut = fmt.Errorf("%w: the series (line %d) needs more than %d steps to expand; ask for a window closer to its start",
					ErrTooManyOccurrences, master.Line, MaxExpansionSteps)
				break rules
			}
			if step != nil {
				if err := step(); err != nil {
					cut = err // the whole calendar's budget, not this series', ran out
					break rules
				}
			}
			add(t)
		}
	}

	excluded := map[int64]bool{}
	excludedDates := map[civilDate]bool{}
	for i, x := range master.ExDates {
		if master.exDateIsDate[i] {
			excludedDates[dateOf(x)] = true
		} else {
			excluded[x.Unix()] = true
		}
	}
	byID := map[int64]bool{}
	byDate := map[civilDate]bool{}
	for _, o := range overrides {
		if o.ridIsDate || master.startIsDate {
			byDate[dateOf(o.RecurrenceID)] = true
		} else {
			byID[o.RecurrenceID.Unix()] = true
		}
	}
	for key, start := range starts {
		if excluded[key] || excludedDates[dateOf(start)] || byID[key] || byDate[dateOf(start)] {
			continue
		}
		if o := governing(future, start); o != nil {
			// Moved and resized as the override moved its own instance.
			s, e := start.Add(o.Start.Sub(o.RecurrenceID)), start.Add(o.Start.Sub(o.RecurrenceID)).Add(o.End.Sub(o.Start))
			if overlaps(s, e) {
				occ = append(occ, Occurrence{Start: s, End: e, RecurrenceID: start, Event: o, Overridden: true})
			}
			continue
		}
		if end := endOf(start); overlaps(start, end) {
			occ = append(occ, Occurrence{Start: start, End: end, RecurrenceID: start, Event: master})
		}
	}
	emitOverrides()
	return occ, cut
}

// governing is the latest THISANDFUTURE override (sorted by recurrence id)
// whose range starts before the instance, or nil.
func governing(future []*Event, start time.Time) *Event {
	var g *Event
	for _, o := range future {
		if o.RecurrenceID.After(start) {
			break
		}
		g = o
	}
	return g
}
