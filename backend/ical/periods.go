package ical

import (
	"errors"
	"slices"
	"time"

	"github.com/teambition/rrule-go"
)

// Rules rrule-go expands differently from libical (and RFC 5545) are
// expanded here, one period at a time: FREQ=YEARLY with BYWEEKNO (rrule-go
// counts weeks within the calendar year; RFC weeks straddle years) and
// FREQ=WEEKLY with BYSETPOS (rrule-go ignores BYSETPOS there).

// ownExpansion tells whether the rule is expanded by periodIterator.
func ownExpansion(opt rrule.ROption) bool {
	return len(opt.Byweekno) > 0 || opt.Freq == rrule.WEEKLY && len(opt.Bysetpos) > 0
}

// checkOwnExpansion refuses what periodIterator does not expand. libical
// refuses BYWEEKNO with BYMONTH, BYMONTHDAY or BYYEARDAY too.
func checkOwnExpansion(opt rrule.ROption) error {
	if len(opt.Byweekno) == 0 {
		return nil
	}
	if opt.Freq != rrule.YEARLY {
		return errors.New("BYWEEKNO is only valid with FREQ=YEARLY (RFC 5545 3.3.10); remove it or make the rule yearly")
	}
	if len(opt.Bymonth) > 0 || len(opt.Bymonthday) > 0 || len(opt.Byyearday) > 0 {
		return errors.New("BYWEEKNO combined with BYMONTH, BYMONTHDAY or BYYEARDAY is not supported (nor by libical); list the dates as RDATEs instead")
	}
	for _, w := range opt.Byweekday {
		if w.N() != 0 {
			return errors.New("BYDAY with an ordinal (like 1MO) combined with BYWEEKNO is not supported; use plain weekdays (MO)")
		}
	}
	for _, n := range opt.Byweekno {
		if n == 0 || n < -53 || n > 53 {
			return errors.New("BYWEEKNO values must be 1 to 53 or -53 to -1")
		}
	}
	return nil
}

// periodSearchLimit is how many periods in a row may yield nothing before
// the rule counts as exhausted: 20871 weeks (or 400 years, fewer than
// that many periods) are one Gregorian cycle, after which the calendar,
// and so the periods visited, repeat.
const periodSearchLimit = 20871

// lastYear ends every expansion, as rrule-go's does.
const lastYear = 9999

// periods describes the periods of an ownExpansion rule.
type periods struct {
	opt      rrule.ROption
	loc      *time.Location
	first    time.Time // the first period: a week's first day, or 1 January of the base year
	weekdays [7]bool   // by time.Weekday
	wkst     time.Weekday
	hours    []int
	minutes  []int
	seconds  []int
}

func newPeriods(opt rrule.ROption) periods {
	start := opt.Dtstart
	p := periods{opt: opt, loc: start.Location(), wkst: time.Weekday((opt.Wkst.Day() + 1) % 7)}
	if len(opt.Byweekday) == 0 {
		p.weekdays[start.Weekday()] = true
	}
	for _, w := range opt.Byweekday {
		p.weekdays[(w.Day()+1)%7] = true // a WEEKLY ordinal means nothing (RFC 5545): the weekday counts
	}
	h, m, s := start.Clock()
	p.hours, p.minutes, p.seconds = sortedOr(opt.Byhour, h), sortedOr(opt.Byminute, m), sortedOr(opt.Bysecond, s)
	day := date(start.Year(), start.Month(), start.Day(), p.loc)
	if opt.Freq == rrule.WEEKLY {
		p.first = day.AddDate(0, 0, -int((day.Weekday()-p.wkst+7)%7))
		return p
	}
	// A week-numbered year holds days of its neighbours: DTSTART in the last
	// week of the year before (or the first of the year after) counts from
	// that year, so INTERVAL steps from there; libical's vectors agree.
	y := start.Year()
	for _, cand := range []int{y - 1, y + 1} {
		if slices.ContainsFunc(p.yearDays(cand), func(d time.Time) bool { return d.Equal(day) }) {
			y = cand
			break
		}
	}
	p.first = date(y, 1, 1, p.loc)
	return p
}

func date(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func sortedOr(v []int, dflt int) []int {
	if len(v) == 0 {
		return []int{dflt}
	}
	return slices.Sorted(slices.Values(v))
}

// week1 is the first day of week 1 of year y: the first week starting on
// WKST with at least four days in y (RFC 5545, ISO 8601).
func (p periods) week1(y int) time.Time {
	jan1 := date(y, 1, 1, p.loc)
	back := int((jan1.Weekday() - p.wkst + 7) % 7)
	if 7-back >= 4 {
		return jan1.AddDate(0, 0, -back)
	}
	return jan1.AddDate(0, 0, 7-back)
}

// yearDays lists the days of year y's numbered weeks that BYDAY allows.
func (p periods) yearDays(y int) []time.Time {
	w1 := p.week1(y)
	weeks := (civilDays(p.week1(y+1)) - civilDays(w1)) / 7
	var days []time.Time
	for _, n := range p.opt.Byweekno {
		if n < 0 {
			n += weeks + 1
		}
		if n < 1 || n > weeks {
			continue
		}
		for i := range 7 {
			d := w1.AddDate(0, 0, (n-1)*7+i)
			if p.weekdays[d.Weekday()] {
				days = append(days, d)
			}
		}
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(days, func(a, b time.Time) bool { return a.Equal(b) })
}

// weekDays lists the days of the week starting at first that BYDAY,
// BYMONTH, BYYEARDAY and BYMONTHDAY allow.
func (p periods) weekDays(first time.Time) []time.Time {
	var days []time.Time
	for i := range 7 {
		d := first.AddDate(0, 0, i)
		if p.weekdays[d.Weekday()] && p.monthAllows(d) {
			days = append(days, d)
		}
	}
	return days
}

// monthAllows applies BYMONTH, BYYEARDAY and BYMONTHDAY as limits.
func (p periods) monthAllows(d time.Time) bool {
	if len(p.opt.Bymonth) > 0 && !slices.Contains(p.opt.Bymonth, int(d.Month())) {
		return false
	}
	if len(p.opt.Byyearday) > 0 {
		days := date(d.Year()+1, 1, 0, p.loc).YearDay()
		if !slices.Contains(p.opt.Byyearday, d.YearDay()) && !slices.Contains(p.opt.Byyearday, d.YearDay()-days-1) {
			return false
		}
	}
	if len(p.opt.Bymonthday) == 0 {
		return true
	}
	last := date(d.Year(), d.Month()+1, 0, p.loc).Day()
	return slices.Contains(p.opt.Bymonthday, d.Day()) || slices.Contains(p.opt.Bymonthday, d.Day()-last-1)
}

// instances lists period k's instances, BYSETPOS applied, sorted.
func (p periods) instances(k int) []time.Time {
	interval := max(p.opt.Interval, 1)
	var days []time.Time
	if p.opt.Freq == rrule.WEEKLY {
		days = p.weekDays(p.first.AddDate(0, 0, 7*interval*k))
	} else {
		days = p.yearDays(p.first.Year() + interval*k)
	}
	var set []time.Time
	for _, d := range days {
		for _, h := range p.hours {
			for _, m := range p.minutes {
				for _, s := range p.seconds {
					set = append(set, time.Date(d.Year(), d.Month(), d.Day(), h, m, s, 0, p.loc))
				}
			}
		}
	}
	slices.SortFunc(set, func(a, b time.Time) int { return a.Compare(b) })
	set = slices.CompactFunc(set, func(a, b time.Time) bool { return a.Equal(b) }) // a DST gap folds times together
	if len(p.opt.Bysetpos) == 0 {
		return set
	}
	var picked []time.Time
	for _, pos := range p.opt.Bysetpos {
		i := pos - 1
		if pos < 0 {
			i = len(set) + pos
		}
		if i >= 0 && i < len(set) {
			picked = append(picked, set[i])
		}
	}
	slices.SortFunc(picked, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(picked, func(a, b time.Time) bool { return a.Equal(b) })
}

// periodIterator yields the rule's instances in order, from DTSTART; or,
// for a rule without COUNT, from the period before the one holding target
// (earlier instances may be yielded too).
func periodIterator(opt rrule.ROption, target time.Time) rrule.Next {
	p := newPeriods(opt)
	interval := max(opt.Interval, 1)
	k := 0
	if opt.Count == 0 && target.After(opt.Dtstart) {
		if opt.Freq == rrule.WEEKLY {
			k = (civilDays(target.In(p.loc))-civilDays(p.first))/(7*interval) - 1
		} else {
			k = (target.In(p.loc).Year()-p.first.Year())/interval - 1
		}
		k = max(k, 0)
	}
	var pending []time.Time
	emitted, empty := 0, 0
	done := false
	return func() (time.Time, bool) {
		for !done && len(pending) == 0 {
			year := p.first.Year() + interval*k
			if opt.Freq == rrule.WEEKLY {
				year = p.first.AddDate(0, 0, 7*interval*k).Year()
			}
			if year > lastYear || empty >= periodSearchLimit {
				done = true
				break
			}
			set := p.instances(k)
			k++
			if len(set) == 0 {
				empty++
				continue
			}
			empty = 0
			for _, t := range set {
				if !t.Before(opt.Dtstart) {
					pending = append(pending, t)
				}
			}
		}
		if done && len(pending) == 0 {
			return time.Time{}, false
		}
		t := pending[0]
		pending = pending[1:]
		if !opt.Until.IsZero() && t.After(opt.Until) || opt.Count > 0 && emitted >= opt.Count {
			done, pending = true, nil
			return time.Time{}, false
		}
		emitted++
		return t, true
	}
}
