package policy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"vmr-companion/backend/ical"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
)

// entry is one scheduled alias, ready to answer.
type entry struct {
	a      Alias
	in     *integration.Integration
	ours   bool   // the integration provisions through this policy
	domain string // the alias's own domain, lower case
	before time.Duration
	after  time.Duration
	// series is the recurrence as an event to expand, at the series' local
	// wall time in its zone; nil for a single meeting, or when the stored
	// rule cannot be read (then the series' whole window applies, and
	// seriesErr says why).
	series    *ical.Event
	seriesErr string
	// moved are the series' moved occurrences that were not cancelled.
	moved []scheduler.MovedOccurrence
	// expanded caches the series' occurrences around the last answer:
	// expanding a rule in a zone costs more than the rest of an answer,
	// and calls to one meeting come together.
	expanded atomic.Pointer[expansion]
	// answer is the body of "continue" with the conference, made once.
	answer []byte
}

// index finds entries by the ways Infinity users dial an alias. A nil
// value in local marks a local part that two aliases share.
type index struct {
	version string
	full    map[string]*entry
	local   map[string]*entry
	numeric map[string]*entry
}

func newIndex(s *Snapshot) *index {
	ix := &index{version: s.Version, full: make(map[string]*entry, len(s.Aliases)),
		local: make(map[string]*entry, len(s.Aliases)), numeric: make(map[string]*entry, len(s.Aliases))}
	zones := map[string]*time.Location{} // LoadLocation parses zoneinfo on each call
	ins := make(map[int64]*integration.Integration, len(s.Integrations))
	for _, in := range s.Integrations {
		ins[in.ID] = in
	}
	for _, a := range s.Aliases {
		in := ins[a.IntegrationID]
		if in == nil {
			continue
		}
		e := &entry{a: a, in: in, ours: answersFor(in, a.Conference),
			before: time.Duration(in.MeetingBufferBefore) * time.Minute, after: time.Duration(in.MeetingBufferAfter) * time.Minute}
		full := strings.ToLower(a.Alias)
		local := full
		if i := strings.LastIndexByte(full, '@'); i >= 0 {
			local, e.domain = full[:i], full[i+1:]
		} else {
			e.domain = strings.ToLower(in.ScheduledAliasDomain)
		}
		if c := a.Conference; c != nil {
			if c.Kind == scheduler.KindRecurring {
				e.series, e.seriesErr = seriesOf(c, zoneOf(zones, c.TimeZone))
				for _, m := range c.Moved {
					if !slices.ContainsFunc(c.Cancelled, m.Original.Equal) {
						e.moved = append(e.moved, m)
					}
				}
			}
			e.answer = conferenceAnswer(in, a, c)
		}
		ix.full[full] = e
		if prev, ok := ix.local[local]; ok && prev != e {
			ix.local[local] = nil
		} else {
			ix.local[local] = e
		}
		if a.NumericAlias != "" {
			ix.numeric[strings.ToLower(a.NumericAlias)] = e
		}
	}
	return ix
}

// lookup finds the entry a dialled alias means; why says why there is
// none when that is worth logging.
func (ix *index) lookup(d dialled) (e *entry, why string) {
	if e := ix.full[d.full]; e != nil {
		return e, ""
	}
	if d.domain == "" {
		if e, ok := ix.local[d.local]; ok {
			if e == nil {
				return nil, "more than one single-use alias has the local part " + d.local + ": dial it with its domain"
			}
			return e, ""
		}
		return ix.numeric[d.local], ""
	}
	// digits@domain: the numeric alias, dialled with the alias's domain.
	if allDigits(d.local) {
		if e := ix.numeric[d.local]; e != nil && (e.domain == "" || e.domain == d.domain) {
			return e, ""
		}
	}
	return nil, ""
}

// zoneOf is the location of a stored series' zone name, nil for UTC: ""
// (a row written before zones were kept, or a zone the scheduler could not
// name), "Local" (this machine's zone, not the series') and names this
// machine's zone database does not know. Those series are expanded in UTC
// exactly, without slack: after a daylight saving change an occurrence is
// answered at the UTC time of the first one, which is all the row says.
func zoneOf(cache map[string]*time.Location, name string) *time.Location {
	if name == "" || name == "UTC" || name == "Local" || !zoneNameRe.MatchString(name) {
		return nil
	}
	if loc, ok := cache[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil || loc.String() != name {
		loc = nil
	}
	cache[name] = loc
	return loc
}

// zoneNameRe is what IANA zone names are made of; anything else (it goes
// into a TZID parameter) is not a zone.
var zoneNameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$`)

// seriesOf makes an expandable event of a stored series: its first
// occurrence at its local wall time in loc (UTC when nil), and its RRULE,
// so that BYDAY, BYHOUR and daylight saving changes mean what they meant
// to the organizer.
func seriesOf(c *Conference, loc *time.Location) (*ical.Event, string) {
	if c.Recurrence == "" || strings.ContainsAny(c.Recurrence, "\r\n") {
		return nil, "the series has no readable recurrence rule"
	}
	const utc, local = "20060102T150405Z", "20060102T150405"
	start, end := "DTSTART:"+c.Start.UTC().Format(utc), "DTEND:"+c.End.UTC().Format(utc)
	if loc != nil {
		tzid := ";TZID=" + loc.String() + ":"
		start, end = "DTSTART"+tzid+c.Start.In(loc).Format(local), "DTEND"+tzid+c.End.In(loc).Format(local)
	}
	text := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:policy\r\n" + start + "\r\n" + end +
		"\r\nRRULE:" + c.Recurrence + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := ical.ParseBytes([]byte(text), ical.ParseOptions{})
	if err != nil || len(cal.Events) != 1 || !cal.Events[0].IsRecurring() {
		return nil, "the series' recurrence rule could not be read"
	}
	ev := cal.Events[0]
	if _, err := ical.Occurrences(ev, nil, c.Start, c.Start.Add(time.Second), 1); err != nil {
		return nil, "the series' recurrence rule could not be expanded: " + err.Error()
	}
	return ev, ""
}

// expansion is a series' occurrences overlapping [from, to).
type expansion struct {
	from, to time.Time
	occ      []ical.Occurrence
}

// cacheSpan is how far around an answer a series is expanded for the
// answers after it; cacheLimit bounds what is kept (a series with more
// occurrences in the span is expanded for each answer, as narrowly as
// the buffers allow).
const (
	cacheSpan  = 12 * time.Hour
	cacheLimit = 64
)

// occurrences are the series' occurrences overlapping [from, to), or more.
func (e *entry) occurrences(from, to time.Time) []ical.Occurrence {
	if x := e.expanded.Load(); x != nil && !from.Before(x.from) && !to.After(x.to) {
		return x.occ
	}
	wide := &expansion{from: from.Add(-cacheSpan), to: to.Add(cacheSpan)}
	occ, err := ical.Occurrences(e.series, nil, wide.from, wide.to, cacheLimit)
	if err != nil {
		occ, _ = ical.Occurrences(e.series, nil, from, to, 16)
		return occ
	}
	wide.occ = occ
	e.expanded.Store(wide)
	return occ
}

// result is the conference configuration Infinity uses for the call.
type result struct {
	ServiceType               string `json:"service_type"`
	Name                      string `json:"name"`
	ServiceTag                string `json:"service_tag"`
	Description               string `json:"description,omitempty"`
	HostIdentityProviderGroup string `json:"host_identity_provider_group,omitempty"`
	NonIdPParticipants        string `json:"non_idp_participants,omitempty"`
	IVRThemeName              string `json:"ivr_theme_name,omitempty"`
}

type answer struct {
	Status string  `json:"status"`
	Action string  `json:"action"`
	Result *result `json:"result,omitempty"`
}

func conferenceAnswer(in *integration.Integration, a Alias, c *Conference) []byte {
	r := &result{ServiceType: "conference", Name: c.Name, ServiceTag: a.UUID, Description: c.Description}
	// Infinity fails the whole answer when a name matches no object it
	// has. The integration's IdP group and IVR theme are related fields on
	// Infinity's ms_exchange_connector: read from a Management Node they
	// are resource URIs (/api/admin/configuration/v1/ivr_theme/3/), not
	// names, so only values that look like names are sent.
	if g := objectName(in.HostIdentityProviderGroup); g != "" {
		r.HostIdentityProviderGroup = g
		// Meaningful only with an IdP group on the conference.
		r.NonIdPParticipants = in.NonIdPParticipants
	}
	r.IVRThemeName = objectName(in.IVRTheme)
	b, err := json.Marshal(answer{Status: "success", Action: actionContinue, Result: r})
	if err != nil {
		panic(fmt.Sprintf("policy: encoding an answer: %v", err)) // strings only: cannot fail
	}
	return b
}

// objectName is the name of an Infinity object, or "" for none or a URI.
func objectName(p *string) string {
	if p == nil {
		return ""
	}
	s := strings.TrimSpace(*p)
	if s == "" || strings.HasPrefix(s, "/") || strings.Contains(s, "://") {
		return ""
	}
	return s
}

// verdict is the policy's answer for an entry at an instant.
type verdict struct {
	action string
	code   string
	why    string
}

// decide says whether the entry's conference is on at now.
func (e *entry) decide(now time.Time) verdict {
	if !e.ours {
		if c := e.a.Conference; c != nil && c.InfinityState == scheduler.InfinityCreated {
			return verdict{actionContinue, CodeNotOurs, "the conference was created on Infinity through the management API"}
		}
		return verdict{actionContinue, CodeNotOurs, "integration " + e.in.Name + " provisions its single-use VMRs through the management API"}
	}
	c := e.a.Conference
	switch {
	case e.a.Deleted:
		return verdict{actionReject, CodeReject, "the meeting that used this alias was cancelled; the alias is retired"}
	case c == nil:
		return verdict{actionReject, CodeReject, "the alias is reserved but no meeting has used it yet"}
	case c.State != scheduler.StateActive:
		return verdict{actionReject, CodeReject, "the meeting " + quote(c.Subject) + " was cancelled"}
	case now.Before(c.ValidFrom):
		return verdict{actionReject, CodeReject, "too early: the video room opens at " + c.ValidFrom.UTC().Format(time.RFC3339)}
	case !c.ValidUntil.IsZero() && now.After(c.ValidUntil):
		return verdict{actionReject, CodeReject, "too late: the video room closed at " + c.ValidUntil.UTC().Format(time.RFC3339)}
	}
	open := verdict{actionContinue, CodeConference, "conference " + quote(c.Name) + " is open"}
	if c.Kind != scheduler.KindRecurring {
		return open
	}
	if e.series == nil {
		open.why += " (" + e.seriesErr + ": the series' whole window applies)"
		return open
	}
	// An occurrence is on from its start minus the buffer before to its
	// end plus the buffer after, both included.
	on := func(start, end time.Time) bool {
		return !start.Add(-e.before).After(now) && !end.Add(e.after).Before(now)
	}
	for _, m := range e.moved {
		if on(m.Start, m.End) {
			open.why += " (the occurrence of " + m.Original.UTC().Format(time.RFC3339) + ", moved to " + m.Start.UTC().Format(time.RFC3339) + ")"
			return open
		}
	}
	// The window is a second wider than the buffers: Occurrences' bounds
	// are half-open, the check above is not.
	occ := e.occurrences(now.Add(-e.after-time.Second), now.Add(e.before+time.Second))
	var cancelled bool
	var movedTo time.Time
	for _, o := range occ {
		if !on(o.Start, o.End) {
			continue
		}
		if slices.ContainsFunc(c.Cancelled, o.RecurrenceID.Equal) {
			cancelled = true
			continue
		}
		if i := slices.IndexFunc(e.moved, func(m scheduler.MovedOccurrence) bool { return m.Original.Equal(o.RecurrenceID) }); i >= 0 {
			movedTo = e.moved[i].Start
			continue
		}
		open.why += " (the occurrence of " + o.Start.UTC().Format(time.RFC3339) + ")"
		return open
	}
	switch {
	case !movedTo.IsZero():
		return verdict{actionReject, CodeReject, "this occurrence of the series " + quote(c.Subject) + " was moved to " + movedTo.UTC().Format(time.RFC3339)}
	case cancelled:
		return verdict{actionReject, CodeReject, "this occurrence of the series " + quote(c.Subject) + " was cancelled"}
	}
	return verdict{actionReject, CodeReject, "no occurrence of the series " + quote(c.Subject) + " is on now"}
}

func quote(s string) string { return fmt.Sprintf("%q", clean(s)) }

// answersFor tells whether the policy answers for an alias. A conference is
// judged by where it stands, not by its integration's setting today: after
// a switch to the API, meetings not yet created on Infinity are still
// answered here (and a waiting or failed creation too, so a call does not
// fail while the outbox catches up); one created on Infinity is Infinity's.
// A reservation no meeting used follows the integration's setting.
func answersFor(in *integration.Integration, c *Conference) bool {
	if c == nil {
		return in.InfinityProvisioning != integration.ProvisionAPI
	}
	return c.InfinityState != scheduler.InfinityCreated
}
