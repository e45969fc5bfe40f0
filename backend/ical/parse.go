package ical

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
)

// MaxInputBytes bounds what Parse and ParseMIME read: a meeting request is
// a few kilobytes, a busy year of a shared calendar a few megabytes.
const MaxInputBytes = 32 << 20

// maxWarnings bounds Calendar.Warnings for files that are wrong throughout.
const maxWarnings = 100

// Parse reads an iCalendar stream (one or more VCALENDAR objects). Errors
// say what is wrong and where ("calendar: line 12: ..."); smaller faults
// are skipped or guessed and listed in Calendar.Warnings.
func Parse(r io.Reader, opt ParseOptions) (*Calendar, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, fmt.Errorf("calendar: reading the iCalendar data: %w", err)
	}
	return ParseBytes(data, opt)
}

// ParseBytes is Parse of data already read (a downloaded feed): no copy.
func ParseBytes(data []byte, opt ParseOptions) (*Calendar, error) {
	if len(data) > MaxInputBytes {
		return nil, fmt.Errorf("calendar: the iCalendar data is larger than %d MiB; split the calendar or ask for a shorter period", MaxInputBytes>>20)
	}
	return parseBytes(data, opt)
}

// readAll reads at most MaxInputBytes+1 bytes, in one allocation when r
// tells its size (a file, a bytes.Reader): growing a buffer for a
// multi-megabyte feed otherwise copies it several times.
func readAll(r io.Reader) ([]byte, error) {
	size := int64(-1)
	switch v := r.(type) {
	case interface{ Stat() (fs.FileInfo, error) }:
		if info, err := v.Stat(); err == nil && info.Mode().IsRegular() {
			size = info.Size()
		}
	case interface{ Len() int }:
		size = int64(v.Len())
	}
	if size < 0 || size > MaxInputBytes {
		return io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	}
	buf := make([]byte, size+1)
	n, err := io.ReadFull(r, buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return buf[:n], nil
	case err != nil:
		return nil, err
	}
	// It grew since: read the rest the slow way.
	rest, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1-int64(n)))
	return append(buf, rest...), err
}

// parser holds the state of one Parse.
type parser struct {
	cal      *Calendar
	floating *time.Location
	zones    *zoneResolver
}

func (p *parser) warn(line int, format string, args ...any) {
	switch n := len(p.cal.Warnings); {
	case n < maxWarnings:
		p.cal.Warnings = append(p.cal.Warnings, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
	case n == maxWarnings:
		p.cal.Warnings = append(p.cal.Warnings, "more warnings left out")
	}
}

func parseBytes(data []byte, opt ParseOptions) (*Calendar, error) {
	p := &parser{cal: &Calendar{}, floating: opt.Floating}
	if p.floating == nil {
		p.floating = time.UTC
	}
	roots, err := decodeCalendars(data, p.warn)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	vtimezones := map[string]*node{}
	otherMethods := 0
	for i, root := range roots {
		method := ""
		if m := root.prop(goical.PropMethod); m != nil {
			method = strings.ToUpper(strings.TrimSpace(m.Value))
		}
		if i == 0 {
			p.cal.Method = method
		} else if method != p.cal.Method {
			otherMethods++
		}
		for _, c := range root.children {
			if c.comp.Name != goical.CompTimezone {
				continue
			}
			id := c.prop(goical.PropTimezoneID)
			if id == nil || strings.TrimSpace(id.Value) == "" {
				p.warn(c.line, "skipped a VTIMEZONE without TZID")
				continue
			}
			vtimezones[strings.TrimSpace(id.Value)] = c
		}
	}
	if otherMethods > 0 {
		p.warn(roots[0].line, "%d of the %d VCALENDARs in the stream have another METHOD than the first (%q), which Calendar.Method gives", otherMethods, len(roots), p.cal.Method)
	}
	p.zones = newZoneResolver(vtimezones, p.warn)
	for _, root := range roots {
		for _, c := range root.children {
			if c.comp.Name != goical.CompEvent {
				continue
			}
			if ev := p.event(c); ev != nil {
				p.cal.Events = append(p.cal.Events, ev)
			}
		}
	}
	return p.cal, nil
}

// event reads one VEVENT; nil (with a warning) when it has no usable DTSTART.
func (p *parser) event(n *node) *Event {
	e := &Event{Line: n.line}
	e.UID = p.text(n, goical.PropUID)
	e.Summary = p.text(n, goical.PropSummary)
	e.Location = p.text(n, goical.PropLocation)
	e.Description = p.text(n, goical.PropDescription)
	if s := n.prop(goical.PropStatus); s != nil {
		e.Status = strings.ToUpper(strings.TrimSpace(s.Value))
	}
	if s := n.prop(goical.PropSequence); s != nil {
		v, err := parseInt(s.Value)
		if err != nil || v < 0 {
			p.warn(n.lineOf(goical.PropSequence, 0), "SEQUENCE %q is not a number; using 0", truncate(s.Value, 20))
		} else {
			e.Sequence = v
		}
	}
	if o := n.prop(goical.PropOrganizer); o != nil {
		e.Organizer = person(o)
		e.SentBy = stripMailto(param(o.Params, "SENT-BY"))
	}
	for _, a := range n.props(goical.PropAttendee) {
		e.Attendees = append(e.Attendees, person(&a))
	}

	ds := n.prop(goical.PropDateTimeStart)
	if ds == nil {
		p.warn(n.line, "skipped a VEVENT without DTSTART (UID %q)", e.UID)
		return nil
	}
	start, err := p.dateValue(ds.Value, ds.Params, n.lineOf(goical.PropDateTimeStart, 0))
	if err != nil {
		p.warn(n.lineOf(goical.PropDateTimeStart, 0), "skipped a VEVENT (UID %q): DTSTART: %v", e.UID, err)
		return nil
	}
	e.Start, e.Zone = start.t, start.t.Location()
	e.startIsDate, e.AllDay, e.Floating = start.isDate, start.isDate, start.floating || start.isDate
	if v := n.prop("X-MICROSOFT-CDO-ALLDAYEVENT"); v != nil && strings.EqualFold(strings.TrimSpace(v.Value), "TRUE") {
		e.AllDay = true
	}
	p.end(n, e)

	for i, r := range n.props(goical.PropRecurrenceRule) {
		e.RRules = append(e.RRules, r.Value)
		if e.ruleErr != nil {
			continue
		}
		parsed, err := parseRule(r.Value, e.Start, e.startIsDate, e.parseUntil)
		if err != nil {
			line := n.lineOf(goical.PropRecurrenceRule, i)
			e.ruleErr = fmt.Errorf("line %d: RRULE %q: %v", line, truncate(r.Value, 80), err)
			e.rules = nil
			p.warn(line, "RRULE %q cannot be expanded: %v", truncate(r.Value, 80), err)
			continue
		}
		e.rules = append(e.rules, parsed)
	}
	if len(e.RRules) > 0 {
		e.RRule = e.RRules[0]
	}
	for i, r := range n.props(goical.PropRecurrenceDates) {
		p.dateList(r, n.lineOf(goical.PropRecurrenceDates, i), true, func(v dateValue, end time.Time) {
			e.RDates = append(e.RDates, v.t)
			if !end.IsZero() {
				if e.rdateEnds == nil {
					e.rdateEnds = map[int64]time.Time{}
				}
				e.rdateEnds[v.t.Unix()] = end
			}
		})
	}
	for i, r := range n.props(goical.PropExceptionDates) {
		p.dateList(r, n.lineOf(goical.PropExceptionDates, i), false, func(v dateValue, _ time.Time) {
			e.ExDates = append(e.ExDates, v.t)
			e.exDateIsDate = append(e.exDateIsDate, v.isDate)
		})
	}
	if rid := n.prop(goical.PropRecurrenceID); rid != nil {
		line := n.lineOf(goical.PropRecurrenceID, 0)
		v, err := p.dateValue(rid.Value, rid.Params, line)
		if err != nil {
			p.warn(line, "skipped a VEVENT (UID %q): RECURRENCE-ID: %v", e.UID, err)
			return nil
		}
		e.RecurrenceID, e.ridIsDate = v.t, v.isDate
		e.ThisAndFuture = strings.EqualFold(param(rid.Params, "RANGE"), "THISANDFUTURE")
	}
	return e
}

// end sets e.End from DTEND, DURATION, or the RFC 5545 default.
func (p *parser) end(n *node, e *Event) {
	e.End = e.Start
	if e.startIsDate {
		e.End = e.Start.AddDate(0, 0, 1)
	}
	if de := n.prop(goical.PropDateTimeEnd); de != nil {
		line := n.lineOf(goical.PropDateTimeEnd, 0)
		v, err := p.dateValue(de.Value, de.Params, line)
		switch {
		case err != nil:
			p.warn(line, "DTEND ignored: %v", err)
		case v.t.Before(e.Start):
			p.warn(line, "DTEND %s is before DTSTART; the event is read as ending when it starts", de.Value)
			e.End = e.Start
		default:
			e.End = v.t
		}
		return
	}
	if du := n.prop(goical.PropDuration); du != nil {
		line := n.lineOf(goical.PropDuration, 0)
		d, err := parseDuration(du.Value)
		switch {
		case err != nil:
			p.warn(line, "DURATION ignored: %v", err)
		case d.negative:
			p.warn(line, "DURATION %s is negative; the event is read as ending when it starts", du.Value)
		default:
			e.End = d.addTo(e.Start)
		}
	}
}

// parseUntil reads an RRULE's UNTIL for this event: UTC when it ends in Z,
// else in the event's zone; a DATE UNTIL on a DATE-TIME series includes
// that whole day.
func (e *Event) parseUntil(v string) (time.Time, error) {
	u, err := parseDateTime(v, e.Zone)
	if err != nil {
		return time.Time{}, err
	}
	if u.isDate && !e.startIsDate {
		return u.t.AddDate(0, 0, 1).Add(-time.Second), nil
	}
	return u.t, nil
}

// dateValue is a parsed DATE or DATE-TIME.
type dateValue struct {
	t        time.Time
	isDate   bool
	floating bool
}

// dateValue reads a DATE or DATE-TIME with its TZID, resolving the zone.
func (p *parser) dateValue(v string, params goical.Params, line int) (dateValue, error) {
	v = strings.ToUpper(strings.TrimSpace(v))
	loc := p.floating
	floating := true
	if tzid := param(params, goical.PropTimezoneID); tzid != "" && len(v) == 15 {
		loc, floating = p.zones.resolve(tzid, line), false
	}
	d, err := parseDateTime(v, loc)
	if err != nil {
		return dateValue{}, err
	}
	d.floating = floating && !strings.HasSuffix(v, "Z")
	return d, nil
}

// parseDateTime reads YYYYMMDD, YYYYMMDDTHHMMSS (in loc) or
// YYYYMMDDTHHMMSSZ; also Google's YYYYMMDDZ, read as a DATE.
func parseDateTime(v string, loc *time.Location) (dateValue, error) {
	v = strings.ToUpper(strings.TrimSpace(v))
	var d dateValue
	switch {
	case len(v) == 8 || len(v) == 9 && v[8] == 'Z':
		d.isDate = true
	case len(v) == 15 && v[8] == 'T':
	case len(v) == 16 && v[8] == 'T' && v[15] == 'Z':
		loc = time.UTC
	default:
		return d, fmt.Errorf("%q is not a DATE (YYYYMMDD) or DATE-TIME (YYYYMMDDTHHMMSS, with Z for UTC)", truncate(v, 40))
	}
	// By hand: time.ParseInLocation was a tenth of a large feed's parse.
	if !allDigits(v[:8]) || !d.isDate && !allDigits(v[9:15]) {
		return d, fmt.Errorf("%q is not a valid date or time", truncate(v, 40))
	}
	y, mo, day := digits(v[0:4]), time.Month(digits(v[4:6])), digits(v[6:8])
	var h, mi, s int
	if !d.isDate {
		h, mi, s = digits(v[9:11]), digits(v[11:13]), digits(v[13:15])
	}
	if mo < 1 || mo > 12 || day < 1 || day > daysIn(y, mo) || h > 23 || mi > 59 || s > 59 {
		return d, fmt.Errorf("%q is not a valid date or time", truncate(v, 40))
	}
	d.t = time.Date(y, mo, day, h, mi, s, 0, loc)
	return d, nil
}

// param is a parameter's first value; the decoder stores names in upper
// case, so this skips go-ical's Params.Get, which upper-cases each time.
func param(params goical.Params, name string) string {
	if v := params[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// digits reads a string of ASCII digits already checked by allDigits.
func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// dateList reads the comma-separated values of an RDATE or EXDATE;
// withPeriods accepts RDATE's PERIOD values (start/end, start/duration) and
// passes their end. Bad values are skipped with a warning.
func (p *parser) dateList(prop goical.Prop, line int, withPeriods bool, add func(dateValue, time.Time)) {
	for _, v := range strings.Split(prop.Value, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		startText, endText, isPeriod := strings.Cut(v, "/")
		if isPeriod && !withPeriods {
			p.warn(line, "%s value %q skipped: a PERIOD is not allowed here", prop.Name, truncate(v, 40))
			continue
		}
		start, err := p.dateValue(startText, prop.Params, line)
		if err != nil {
			p.warn(line, "%s value skipped: %v", prop.Name, err)
			continue
		}
		var end time.Time
		if isPeriod {
			if strings.HasPrefix(strings.TrimLeft(endText, "+-"), "P") {
				d, err := parseDuration(endText)
				if err == nil && !d.negative {
					end = d.addTo(start.t)
				}
			} else if ev, err := p.dateValue(endText, prop.Params, line); err == nil && !ev.t.Before(start.t) {
				end = ev.t
			}
			if end.IsZero() {
				p.warn(line, "%s period %q has no valid end; the series' duration is used", prop.Name, truncate(v, 40))
			}
		}
		add(start, end)
	}
}

// text reads a TEXT property, "" when it is absent.
func (p *parser) text(n *node, name string) string {
	if prop := n.prop(name); prop != nil {
		return unescapeText(prop.Value)
	}
	return ""
}

// unescapeText undoes RFC 5545 3.3.11 escapes (\\ \; \, \n \N). Unknown
// escapes keep the escaped character, as Outlook sometimes writes "\:".
func unescapeText(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

func person(p *goical.Prop) Person {
	return Person{Name: strings.TrimSpace(param(p.Params, goical.ParamCommonName)), Email: stripMailto(p.Value)}
}

func stripMailto(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return strings.TrimSpace(v)
}

// duration is an RFC 5545 DURATION: days are nominal (a day across a DST
// change is 23 or 25 hours), the time part is exact.
type duration struct {
	days     int
	clock    time.Duration
	negative bool
}

func (d duration) addTo(t time.Time) time.Time {
	return t.AddDate(0, 0, d.days).Add(d.clock)
}

// parseDuration reads dur-value: ["+"/"-"] "P" (nW / nD [T...] / T nH nM nS).
func parseDuration(v string) (duration, error) {
	orig := v
	v = strings.ToUpper(strings.TrimSpace(v))
	var d duration
	if v != "" && (v[0] == '+' || v[0] == '-') {
		d.negative = v[0] == '-'
		v = v[1:]
	}
	bad := fmt.Errorf("%q is not a DURATION like PT1H30M or P1D", truncate(orig, 40))
	if !strings.HasPrefix(v, "P") || len(v) < 3 {
		return d, bad
	}
	v = v[1:]
	inTime := false
	for v != "" {
		if v[0] == 'T' {
			if inTime {
				return d, bad
			}
			inTime, v = true, v[1:]
			continue
		}
		i := 0
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == 0 || i > 6 || i == len(v) { // 6 digits: no time.Duration overflow
			return d, bad
		}
		n, _ := parseInt(v[:i])
		unit := v[i]
		v = v[i+1:]
		switch {
		case !inTime && unit == 'W':
			d.days += 7 * n
		case !inTime && unit == 'D':
			d.days += n
		case inTime && unit == 'H':
			d.clock += time.Duration(n) * time.Hour
		case inTime && unit == 'M':
			d.clock += time.Duration(n) * time.Minute
		case inTime && unit == 'S':
			d.clock += time.Duration(n) * time.Second
		default:
			return d, bad
		}
	}
	return d, nil
}

// LooksLikeICalendar tells whether data starts with BEGIN:VCALENDAR.
func LooksLikeICalendar(data []byte) bool {
	data = bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(data) >= 15 && bytes.EqualFold(data[:15], []byte("BEGIN:VCALENDAR"))
}
