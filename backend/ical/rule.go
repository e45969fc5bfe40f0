package ical

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// rule is one parsed RRULE, anchored at its DTSTART.
type rule struct {
	rrule   *rrule.RRule
	opt     rrule.ROption // as given to rrule.NewRRule, DTSTART included
	bounded bool          // COUNT or UNTIL: the rule ends
}

// maxInterval keeps INTERVAL far from integer overflow in rrule-go's date
// arithmetic; a million seconds, days or years is more than any calendar uses.
const maxInterval = 1_000_000

// parseRule parses an RRULE value (RFC 5545 3.3.10) for a series starting
// at dtstart, whose location the rule runs in (so a weekly 10:00 meeting
// stays at 10:00 local time across DST). parseUntil reads UNTIL, whose
// meaning depends on DTSTART's type. It is lenient about what Outlook and
// others write: spaces (`BYDAY=MO, TU`), lower case, a trailing ";", X-
// parts (dropped); and it refuses what would make rrule-go loop without end.
func parseRule(value string, dtstart time.Time, isDate bool, parseUntil func(string) (time.Time, error)) (rule, error) {
	value = strings.ToUpper(strings.Join(strings.Fields(value), ""))
	value = strings.TrimPrefix(value, "RRULE:")
	var parts []string
	var until string
	seen := map[string]bool{}
	for _, part := range strings.Split(value, ";") {
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || v == "" {
			return rule{}, fmt.Errorf("%q is not NAME=VALUE", truncate(part, 40))
		}
		if strings.HasPrefix(k, "X-") {
			continue
		}
		if seen[k] {
			return rule{}, fmt.Errorf("%s is given twice", k)
		}
		seen[k] = true
		switch k {
		case "UNTIL":
			until = v
		case "FREQ", "INTERVAL", "WKST", "COUNT", "BYSETPOS", "BYMONTH", "BYMONTHDAY", "BYYEARDAY",
			"BYWEEKNO", "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND":
			parts = append(parts, part)
		default:
			return rule{}, fmt.Errorf("%s is not supported", truncate(k, 40))
		}
	}
	if !seen["FREQ"] {
		return rule{}, errors.New("FREQ is missing")
	}
	if seen["COUNT"] && until != "" {
		return rule{}, errors.New("COUNT and UNTIL must not both be given")
	}
	optp, err := rrule.StrToROption(strings.Join(parts, ";"))
	if err != nil {
		return rule{}, err
	}
	opt := *optp
	if seen["COUNT"] && opt.Count <= 0 {
		return rule{}, errors.New("COUNT must be positive")
	}
	if opt.Interval < 0 || opt.Interval > maxInterval {
		return rule{}, fmt.Errorf("INTERVAL must be between 1 and %d", maxInterval)
	}
	if until != "" {
		if opt.Until, err = parseUntil(until); err != nil {
			return rule{}, fmt.Errorf("UNTIL: %w", err)
		}
	}
	// A repeated value makes rrule-go skip occurrences (libical issue 945).
	for _, list := range []*[]int{&opt.Bysetpos, &opt.Bymonth, &opt.Bymonthday, &opt.Byyearday, &opt.Byweekno, &opt.Byhour, &opt.Byminute, &opt.Bysecond} {
		*list = dedupe(*list)
	}
	if isDate {
		// A DATE series has no time of day to vary (libical ignores these too).
		opt.Byhour, opt.Byminute, opt.Bysecond = nil, nil, nil
	}
	if opt.Freq == rrule.YEARLY && len(opt.Bymonthday) > 0 && len(opt.Bymonth) == 0 && len(opt.Byweekno) == 0 && len(opt.Byyearday) == 0 {
		// The month is missing: RFC 5545 takes it from DTSTART, as libical
		// does; rrule-go would take every month.
		opt.Bymonth = []int{int(dtstart.Month())}
	}
	opt.Dtstart = dtstart
	if err := checkReachable(opt); err != nil {
		return rule{}, err
	}
	if err := checkOwnExpansion(opt); err != nil {
		return rule{}, err
	}
	r, err := rrule.NewRRule(opt)
	if err != nil {
		return rule{}, err
	}
	return rule{rrule: r, opt: opt, bounded: opt.Count > 0 || !opt.Until.IsZero()}, nil
}

// checkReachable refuses sub-daily rules whose BYHOUR/BYMINUTE/BYSECOND the
// interval can never reach from DTSTART (FREQ=HOURLY;INTERVAL=24;BYHOUR=5
// at 10:00): rrule-go steps towards them forever. Stepping by INTERVAL
// units visits exactly the times of day congruent to DTSTART's modulo
// gcd(INTERVAL*unit, 86400) seconds.
func checkReachable(opt rrule.ROption) error {
	var unit int
	switch opt.Freq {
	case rrule.HOURLY:
		unit = 3600
	case rrule.MINUTELY:
		unit = 60
	case rrule.SECONDLY:
		unit = 1
	default:
		return nil
	}
	interval := max(opt.Interval, 1)
	step := gcd(interval*unit, 86400)
	h0, m0, s0 := opt.Dtstart.Clock()
	start := h0*3600 + m0*60 + s0
	hours, minutes, seconds := opt.Byhour, opt.Byminute, opt.Bysecond
	// The loop in rrule-go tests only the parts at or above FREQ's unit.
	if opt.Freq == rrule.HOURLY {
		minutes, seconds = []int{m0}, []int{s0}
	} else if opt.Freq == rrule.MINUTELY {
		seconds = []int{s0}
	}
	hours, minutes, seconds = orAll(hours, 24), orAll(minutes, 60), orAll(seconds, 60)
	for _, h := range hours {
		for _, m := range minutes {
			for _, s := range seconds {
				if ((h*3600+m*60+s-start)%step+step)%step == 0 {
					return nil
				}
			}
		}
	}
	return errors.New("INTERVAL never reaches the BYHOUR/BYMINUTE/BYSECOND values from DTSTART")
}

func dedupe(v []int) []int {
	var out []int
	for _, x := range v {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func orAll(v []int, n int) []int {
	if len(v) > 0 {
		return v
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return all
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// iterator yields the rule's instances in order: all of them, or for a
// rule without COUNT, those from about target on (some earlier ones may
// come first).
func (r rule) iterator(target time.Time) rrule.Next {
	if ownExpansion(r.opt) {
		return periodIterator(r.opt, target)
	}
	return r.fastForward(target).Iterator()
}

// fastForward returns the rule restarted at the start of the last period
// (day, week, month, year) on or before target, when that gives the same
// occurrences from target on: no COUNT (it counts from the first DTSTART),
// FREQ DAILY to YEARLY, and no BYWEEKNO (its weeks straddle years). What
// rrule-go would take from DTSTART (time of day, weekday, day of month,
// month) is made explicit first, so the new start changes none of it.
// Without this, a window years after DTSTART iterates every occurrence
// in between.
func (r rule) fastForward(target time.Time) *rrule.RRule {
	opt := r.opt
	start := opt.Dtstart
	if opt.Count > 0 || opt.Freq > rrule.DAILY || !target.After(start) || len(opt.Byweekno) > 0 {
		return r.rrule
	}
	interval := max(opt.Interval, 1)
	loc := start.Location()
	t := target.In(loc)
	y, m, d := start.Date()
	hh, mm, ss := start.Clock()
	noBy := len(opt.Byyearday) == 0 && len(opt.Bymonthday) == 0 && len(opt.Byweekday) == 0
	var day time.Time // the new DTSTART's date
	switch opt.Freq {
	case rrule.DAILY, rrule.WEEKLY:
		step := interval
		if opt.Freq == rrule.WEEKLY {
			step *= 7
			if noBy {
				opt.Byweekday = []rrule.Weekday{weekdays[start.Weekday()]}
			}
		}
		k := (civilDays(t) - civilDays(start)) / step
		if k <= 0 {
			return r.rrule
		}
		day = time.Date(y, m, d+k*step, 0, 0, 0, 0, loc)
	case rrule.MONTHLY, rrule.YEARLY:
		step := interval
		if opt.Freq == rrule.YEARLY {
			step *= 12
		}
		k := ((t.Year()-y)*12 + int(t.Month()-m)) / step
		if k <= 0 {
			return r.rrule
		}
		if noBy {
			opt.Bymonthday = []int{d}
			if opt.Freq == rrule.YEARLY && len(opt.Bymonth) == 0 {
				opt.Bymonth = []int{int(m)}
			}
		}
		if opt.Freq == rrule.YEARLY {
			day = time.Date(y+k*interval, 1, 1, 0, 0, 0, 0, loc)
		} else {
			day = time.Date(y, m+time.Month(k*step), 1, 0, 0, 0, 0, loc)
		}
	}
	if len(opt.Byhour) == 0 {
		opt.Byhour = []int{hh}
	}
	if len(opt.Byminute) == 0 {
		opt.Byminute = []int{mm}
	}
	if len(opt.Bysecond) == 0 {
		opt.Bysecond = []int{ss}
	}
	opt.Dtstart = day
	rr, err := rrule.NewRRule(opt)
	if err != nil {
		return r.rrule
	}
	return rr
}

// weekdays maps time.Weekday to rrule-go's weekday constants.
var weekdays = [7]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}

// civilDays counts days since 1970-01-01 of t's date in its own location.
func civilDays(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// parseInt is strconv.Atoi for trimmed values.
func parseInt(v string) (int, error) { return strconv.Atoi(strings.TrimSpace(v)) }
