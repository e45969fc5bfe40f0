package scheduler

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"vmr-companion/backend/ical"
	"vmr-companion/backend/infinity"
)

// With API provisioning, the conference on Infinity is accompanied by what
// Infinity's own VMR scheduling (its Exchange integration) writes for a
// meeting it accepts: a scheduled_alias for the alias, a
// scheduled_conference per meeting (per occurrence of a series, with a
// recurring_conference for the series) holding its times. The reference
// does not say whether Infinity refuses calls to a conference outside its
// scheduled_conference windows: these objects mirror Infinity's own
// scheduler, and whatever Infinity does with them for its own meetings it
// does with ours.
//
// Times include the integration's buffers (start − meeting_buffer_before,
// end + meeting_buffer_after). Whether Infinity's own scheduler writes the
// meeting's times and adds the buffers when it checks, or writes them with
// the buffers, is not in the reference: written with them, the objects say
// exactly when the policy path would answer, and an admin reading them
// sees when the room opens and closes.

// mirrorHorizon is how far ahead a series' occurrences are written;
// topUpStep how far behind that the written horizon may fall before a
// pass writes further; maxMirrored bounds the occurrences written per
// series (a daily series fills 90 days; an hourly one is written only
// for its next occurrences, and topped up as they pass).
const (
	mirrorHorizon = 90 * 24 * time.Hour
	topUpStep     = 24 * time.Hour
	maxMirrored   = 400
)

// span is one meeting or occurrence as written to Infinity: its window,
// buffers included.
type span struct {
	Start, End time.Time
}

// occurrencesWithin lists the windows (buffers included) of rec's
// occurrences that overlap [from, to), in order: a single meeting's one,
// a series' without its cancelled occurrences and with moved ones at their
// new times. more says the list stopped at limit.
func occurrencesWithin(rec *Record, before, after time.Duration, from, to time.Time, limit int) (spans []span, more bool, err error) {
	overlaps := func(s span) bool { return s.Start.Before(to) && s.End.After(from) }
	if rec.Kind != KindRecurring {
		s := span{rec.ValidFrom, rec.ValidUntil}
		if overlaps(s) {
			spans = append(spans, s)
		}
		return spans, false, nil
	}
	ev, err := seriesEvent(rec)
	if err != nil {
		return nil, false, err
	}
	length := rec.End.Sub(rec.Start)
	occ, err := ical.Occurrences(ev, nil, from.Add(-after-length), to.Add(before), limit)
	if errors.Is(err, ical.ErrTooManyOccurrences) {
		more, err = true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("the series' occurrences cannot be listed: %w", err)
	}
	isMoved := func(orig time.Time) bool {
		return slices.ContainsFunc(rec.Moved, func(m MovedOccurrence) bool { return m.Original.Equal(orig) })
	}
	for _, o := range occ {
		if slices.ContainsFunc(rec.Cancelled, o.RecurrenceID.Equal) || isMoved(o.RecurrenceID) {
			continue
		}
		if s := (span{o.Start.Add(-before), o.End.Add(after)}); overlaps(s) {
			spans = append(spans, s)
		}
	}
	for _, m := range rec.Moved {
		if slices.ContainsFunc(rec.Cancelled, m.Original.Equal) {
			continue
		}
		if s := (span{m.Start.Add(-before), m.End.Add(after)}); overlaps(s) {
			spans = append(spans, s)
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.Start.Compare(b.Start) })
	return spans, more, nil
}

// seriesEvent makes an expandable event of a stored series: its first
// occurrence at its local wall time in the series' zone (UTC when the
// zone is unknown, as the policy does), and its RRULE.
func seriesEvent(rec *Record) (*ical.Event, error) {
	if rec.Recurrence == "" || strings.ContainsAny(rec.Recurrence, "\r\n") {
		return nil, errors.New("the series has no readable recurrence rule")
	}
	const utc, local = "20060102T150405Z", "20060102T150405"
	start, end := "DTSTART:"+rec.Start.UTC().Format(utc), "DTEND:"+rec.End.UTC().Format(utc)
	if loc := seriesZone(rec.TimeZone); loc != nil {
		tzid := ";TZID=" + loc.String() + ":"
		start, end = "DTSTART"+tzid+rec.Start.In(loc).Format(local), "DTEND"+tzid+rec.End.In(loc).Format(local)
	}
	text := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:mirror\r\n" + start + "\r\n" + end +
		"\r\nRRULE:" + rec.Recurrence + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := ical.ParseBytes([]byte(text), ical.ParseOptions{})
	if err != nil || len(cal.Events) != 1 || !cal.Events[0].IsRecurring() {
		return nil, errors.New("the series' recurrence rule could not be read")
	}
	return cal.Events[0], nil
}

// seriesZone is the location of a stored zone name, nil for UTC and for
// anything the IANA database does not know by exactly that name (the name
// goes into a TZID parameter: nothing else may).
func seriesZone(name string) *time.Location {
	if name == "" || name == "UTC" || name == "Local" || !zoneNameRe.MatchString(name) {
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || loc.String() != name {
		return nil
	}
	return loc
}

var zoneNameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$`)

// mirror writes the conference's scheduled_alias, recurring_conference
// and scheduled_conference objects as the meeting now is, and returns the
// horizon written up to. Each object is looked up before it is created
// (the alias by its text, the series and the occurrences by conference),
// so an attempt repeated after a kill creates nothing twice; occurrences
// no longer wanted (cancelled, moved, changed) are deleted, past ones are
// left as Infinity keeps them.
func (p *provisioner) mirror(ctx context.Context, id int) (time.Time, error) {
	rec := p.e.Record
	if rec == nil || rec.State != StateActive {
		return time.Time{}, nil // cancelled: the deletion queued after this takes it all
	}
	now := p.s.now()
	to := now.Add(mirrorHorizon)
	before := time.Duration(p.in.MeetingBufferBefore) * time.Minute
	after := time.Duration(p.in.MeetingBufferAfter) * time.Minute
	spans, more, err := occurrencesWithin(rec, before, after, now, to, maxMirrored)
	if err != nil {
		return time.Time{}, err
	}
	horizon := to
	switch {
	case rec.Kind != KindRecurring:
		horizon = rec.ValidUntil
	case more:
		// The nearest maxMirrored are written; the daily top-up writes
		// the next as they pass.
	case !rec.ValidUntil.IsZero() && rec.ValidUntil.Before(to):
		horizon = rec.ValidUntil
	}
	alias, err := p.scheduledAlias(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var series *infinity.Ref
	if rec.Kind == KindRecurring {
		if series, err = p.recurring(ctx, id, alias); err != nil {
			return time.Time{}, err
		}
	}
	subject := clipRunes(p.e.Subject, 255)
	key := func(start, end time.Time, subj string) string {
		return start.UTC().Format(time.RFC3339Nano) + "|" + end.UTC().Format(time.RFC3339Nano) + "|" + subj
	}
	wanted := map[string]bool{}
	for _, s := range spans {
		wanted[key(s.Start.Truncate(time.Microsecond), s.End.Truncate(time.Microsecond), subject)] = true
	}
	have, err := p.c.ListScheduledConferences(ctx, url.Values{"conference": {strconv.Itoa(id)}})
	if err != nil {
		return time.Time{}, err
	}
	found := map[string]bool{}
	for _, h := range have {
		k := key(h.StartTime.Time, h.EndTime.Time, h.Subject)
		if wanted[k] && !found[k] {
			found[k] = true
			continue
		}
		if h.EndTime.Before(now) {
			continue // over: kept, as Infinity keeps its meetings of the last day
		}
		if err := p.deleteIfThere(ctx, infinity.ResScheduledConference, h.ID); err != nil {
			return time.Time{}, err
		}
		if err := p.after("occurrence_delete"); err != nil {
			return time.Time{}, err
		}
	}
	uid := clipRunes(p.e.MeetingUID, 255)
	for _, s := range spans {
		start, end := s.Start.Truncate(time.Microsecond), s.End.Truncate(time.Microsecond)
		if found[key(start, end, subject)] {
			continue
		}
		// The EWS item id is not kept; the meeting's UID stands for it.
		_, err := p.c.CreateScheduledConference(ctx, infinity.ScheduledConference{Conference: infinity.RefTo(infinity.ResConference, id),
			StartTime: infinity.Time{Time: start}, EndTime: infinity.Time{Time: end}, Subject: subject, EWSItemID: uid, EWSItemUID: uid,
			RecurringConference: series, ScheduledAlias: alias})
		if err != nil {
			return time.Time{}, err
		}
		if err := p.after("occurrence"); err != nil {
			return time.Time{}, err
		}
		found[key(start, end, subject)] = true
	}
	return horizon, nil
}

// scheduledAlias finds or writes the alias's scheduled_alias, its
// conference_deletion_time the end of the meeting's window (null for a
// series without end).
func (p *provisioner) scheduledAlias(ctx context.Context) (*infinity.Ref, error) {
	var deletion *infinity.Time
	if until := p.e.Record.ValidUntil; !until.IsZero() {
		deletion = &infinity.Time{Time: until.UTC().Truncate(time.Microsecond)}
	}
	list, err := p.c.ListScheduledAliases(ctx, url.Values{"alias": {p.e.Alias}})
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if !strings.EqualFold(a.Alias, p.e.Alias) {
			continue
		}
		if a.UUID != p.e.AliasID {
			return nil, fmt.Errorf("the alias %s is already a scheduled alias of another meeting on Infinity (id %d): it cannot be used for this one", p.e.Alias, a.ID)
		}
		if !sameTime(a.ConferenceDeletionTime, deletion) {
			if err := p.c.Patch(ctx, infinity.ResScheduledAlias, a.ID, infinity.Fields{"conference_deletion_time": deletion}); err != nil {
				return nil, err
			}
		}
		return infinity.RefTo(infinity.ResScheduledAlias, a.ID), nil
	}
	uid := clipRunes(p.e.MeetingUID, 255)
	v := infinity.ScheduledAlias{Alias: p.e.Alias, AliasNumber: p.e.AliasNumber, NumericAlias: p.e.NumericAlias, UUID: p.e.AliasID,
		IsUsed: true, EWSItemUID: &uid, ConferenceDeletionTime: deletion}
	if p.e.ConnectorID > 0 {
		v.ExchangeConnector = infinity.RefTo(infinity.ResConnector, p.e.ConnectorID)
	}
	sid, err := p.c.CreateScheduledAlias(ctx, v)
	if err != nil {
		return nil, err
	}
	if err := p.after("scheduled_alias"); err != nil {
		return nil, err
	}
	return infinity.RefTo(infinity.ResScheduledAlias, sid), nil
}

func sameTime(a, b *infinity.Time) bool {
	if a == nil || a.IsZero() || b == nil || b.IsZero() {
		return (a == nil || a.IsZero()) == (b == nil || b.IsZero())
	}
	return a.Equal(b.Time)
}

// recurring finds or writes the series' recurring_conference.
func (p *provisioner) recurring(ctx context.Context, id int, alias *infinity.Ref) (*infinity.Ref, error) {
	list, err := p.c.ListRecurringConferences(ctx, url.Values{"conference": {strconv.Itoa(id)}})
	if err != nil {
		return nil, err
	}
	subject := clipRunes(p.e.Subject, 255)
	if len(list) > 0 {
		r := list[0]
		if r.Subject != subject {
			if err := p.c.Patch(ctx, infinity.ResRecurringConference, r.ID, infinity.Fields{"subject": subject}); err != nil {
				return nil, err
			}
		}
		return infinity.RefTo(infinity.ResRecurringConference, r.ID), nil
	}
	uid := clipRunes(p.e.MeetingUID, 255)
	rid, err := p.c.CreateRecurringConference(ctx, infinity.RecurringConference{Conference: infinity.RefTo(infinity.ResConference, id),
		EWSItemID: uid, Subject: subject, ScheduledAlias: alias})
	if err != nil {
		return nil, err
	}
	if err := p.after("recurring"); err != nil {
		return nil, err
	}
	return infinity.RefTo(infinity.ResRecurringConference, rid), nil
}

// removeScheduledAlias deletes the alias's scheduled_alias once its
// conference is gone. Infinity's own scheduler may keep it (with
// conference_deletion_time) to retire the alias; this service retires it
// in its own store, so nothing is left behind on Infinity for each meeting.
func (p *provisioner) removeScheduledAlias(ctx context.Context) error {
	list, err := p.c.ListScheduledAliases(ctx, url.Values{"alias": {p.e.Alias}})
	if err != nil {
		return err
	}
	for _, a := range list {
		if !strings.EqualFold(a.Alias, p.e.Alias) || a.UUID != p.e.AliasID {
			continue
		}
		if err := p.deleteIfThere(ctx, infinity.ResScheduledAlias, a.ID); err != nil {
			return err
		}
		if err := p.after("scheduled_alias_delete"); err != nil {
			return err
		}
	}
	return nil
}

// deleteIfThere deletes an object; one already gone is fine.
func (p *provisioner) deleteIfThere(ctx context.Context, resource string, id int) error {
	err := p.c.Delete(ctx, resource, id)
	var nf *infinity.NotFoundError
	if errors.As(err, &nf) {
		return nil
	}
	return err
}
