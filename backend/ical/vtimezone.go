package ical

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// A VTIMEZONE becomes a real *time.Location: its observances (STANDARD /
// DAYLIGHT with DTSTART, TZOFFSETFROM, TZOFFSETTO, RRULE, RDATE) are
// expanded into the list of transitions they define, up to vtzHorizon, and
// encoded as TZif data for time.LoadLocationFromTZData. Go then gives the
// exact offset of every instant, time.Date keeps wall clocks across DST and
// rrule-go works in the zone like in any IANA zone. Before the first
// transition the zone has the first observance's TZOFFSETFROM.

// vtzHorizon is the last year transitions are computed for; after it the
// offset of the last transition stays.
const vtzHorizon = 2200

// maxTransitions bounds the transitions of one VTIMEZONE (a yearly pair
// from 1601 to vtzHorizon is 1,200).
const maxTransitions = 5000

// maxZoneTypes bounds the distinct (offset, DST, name) of one VTIMEZONE, so
// TZif's one-byte indexes suffice; real zones have a handful.
const maxZoneTypes = 20

// vtimezoneZones caches built zones by a digest of the VTIMEZONE's content:
// every request from one Exchange server carries the same block.
var vtimezoneZones = &boundedCache[*time.Location]{max: 256}

type zoneType struct {
	offset int
	isDST  bool
	abbrev string
}

type transition struct {
	at  int64 // Unix seconds
	typ zoneType
}

func zoneFromVTimezone(vt *node, name string) (*time.Location, error) {
	key := vtimezoneDigest(vt, name)
	if loc, ok := vtimezoneZones.get(key); ok {
		return loc, nil
	}
	trans, before, err := vtimezoneTransitions(vt)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocationFromTZData(name, encodeTZif(before, trans))
	if err != nil {
		return nil, fmt.Errorf("building the zone: %w", err)
	}
	vtimezoneZones.put(key, loc)
	return loc, nil
}

func vtimezoneDigest(vt *node, name string) string {
	h := sha256.New()
	h.Write([]byte(name))
	for _, c := range vt.children {
		fmt.Fprintf(h, "\x00%s", c.comp.Name)
		names := make([]string, 0, len(c.comp.Props))
		for n := range c.comp.Props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			for _, p := range c.comp.Props[n] {
				fmt.Fprintf(h, "\x01%s\x02%s", n, p.Value)
			}
		}
	}
	return string(h.Sum(nil))
}

func vtimezoneTransitions(vt *node) ([]transition, zoneType, error) {
	var trans []transition
	var firstAt int64
	var firstFrom int
	for _, obs := range vt.children {
		if obs.comp.Name != "STANDARD" && obs.comp.Name != "DAYLIGHT" {
			continue
		}
		from, err := utcOffsetProp(obs, "TZOFFSETFROM")
		if err != nil {
			return nil, zoneType{}, err
		}
		to, err := utcOffsetProp(obs, "TZOFFSETTO")
		if err != nil {
			return nil, zoneType{}, err
		}
		typ := zoneType{offset: to, isDST: obs.comp.Name == "DAYLIGHT", abbrev: abbrevFor(obs, to)}
		onsets, err := observanceOnsets(obs, from)
		if err != nil {
			return nil, zoneType{}, err
		}
		for _, wall := range onsets {
			t := transition{at: wall.Unix() - int64(from), typ: typ}
			trans = append(trans, t)
			if len(trans) == 1 || t.at < firstAt {
				firstAt, firstFrom = t.at, from
			}
			if len(trans) > maxTransitions {
				return nil, zoneType{}, fmt.Errorf("more than %d transitions", maxTransitions)
			}
		}
	}
	if len(trans) == 0 {
		return nil, zoneType{}, errors.New("no STANDARD or DAYLIGHT observance with a DTSTART")
	}
	before := zoneType{offset: firstFrom, abbrev: offsetAbbrev(firstFrom)}
	distinct := map[zoneType]bool{before: true}
	for _, t := range trans {
		distinct[t.typ] = true
	}
	if len(distinct) > maxZoneTypes {
		return nil, zoneType{}, fmt.Errorf("more than %d distinct offsets and names", maxZoneTypes)
	}
	// Sort by instant; of two at the same instant the one listed later wins.
	sort.SliceStable(trans, func(i, j int) bool { return trans[i].at < trans[j].at })
	out := trans[:0]
	for _, t := range trans {
		if len(out) > 0 && out[len(out)-1].at == t.at {
			out[len(out)-1] = t
			continue
		}
		out = append(out, t)
	}
	return out, before, nil
}

// observanceOnsets lists an observance's onsets as wall clock times (read
// as UTC): DTSTART, its RRULE expansion up to vtzHorizon, and RDATEs.
func observanceOnsets(obs *node, from int) ([]time.Time, error) {
	p := obs.prop("DTSTART")
	if p == nil {
		return nil, fmt.Errorf("line %d: %s without DTSTART", obs.line, obs.comp.Name)
	}
	start, err := parseWallClock(p.Value)
	if err != nil {
		return nil, fmt.Errorf("line %d: DTSTART: %w", obs.lineOf("DTSTART", 0), err)
	}
	onsets := []time.Time{start}
	horizon := time.Date(vtzHorizon, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, rp := range obs.props("RRULE") {
		// UNTIL is UTC here (RFC 5545 3.6.5); the wall clock is UNTIL+FROM.
		r, err := parseRule(rp.Value, start, false, func(v string) (time.Time, error) {
			t, err := parseWallClock(v)
			if err == nil && strings.HasSuffix(strings.ToUpper(v), "Z") {
				t = t.Add(time.Duration(from) * time.Second)
			}
			return t, err
		})
		if err != nil {
			return nil, fmt.Errorf("line %d: RRULE: %w", obs.lineOf("RRULE", i), err)
		}
		if !r.bounded {
			// rrule-go stops an endless rule 292 years after DTSTART (the
			// longest time.Duration); Outlook's rules start in 1601.
			r.opt.Until = horizon
			if r.rrule, err = rrule.NewRRule(r.opt); err != nil {
				return nil, fmt.Errorf("line %d: RRULE: %w", obs.lineOf("RRULE", i), err)
			}
		}
		next := r.iterator(time.Time{})
		for n := 0; n <= maxTransitions; n++ {
			t, ok := next()
			if !ok || t.After(horizon) {
				break
			}
			onsets = append(onsets, t)
		}
	}
	for _, rp := range obs.props("RDATE") {
		for _, v := range strings.Split(rp.Value, ",") {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if i := strings.IndexByte(v, '/'); i >= 0 { // PERIOD: its start
				v = v[:i]
			}
			t, err := parseWallClock(v)
			if err != nil {
				continue
			}
			onsets = append(onsets, t)
		}
	}
	return onsets, nil
}

// parseWallClock reads a DATE-TIME (or DATE) as a wall clock, in UTC.
func parseWallClock(v string) (time.Time, error) {
	v = strings.TrimSuffix(strings.TrimSpace(strings.ToUpper(v)), "Z")
	switch len(v) {
	case 8:
		return time.Parse("20060102", v)
	case 15:
		return time.Parse("20060102T150405", v)
	}
	return time.Time{}, fmt.Errorf("%q is not a DATE-TIME (YYYYMMDDTHHMMSS)", truncate(v, 40))
}

// utcOffsetProp reads a UTC-OFFSET value: ("+" / "-") HHMM [SS].
func utcOffsetProp(obs *node, name string) (int, error) {
	p := obs.prop(name)
	if p == nil {
		return 0, fmt.Errorf("line %d: %s without %s", obs.line, obs.comp.Name, name)
	}
	v := strings.TrimSpace(p.Value)
	bad := fmt.Errorf("line %d: %s %q is not a UTC offset like +0100", obs.lineOf(name, 0), name, truncate(v, 20))
	if len(v) != 5 && len(v) != 7 || v[0] != '+' && v[0] != '-' {
		return 0, bad
	}
	n, err := strconv.Atoi(v[1:])
	if err != nil || n < 0 {
		return 0, bad
	}
	if len(v) == 5 {
		n *= 100
	}
	h, m, s := n/10000, n/100%100, n%100
	if h > 23 || m > 59 || s > 59 {
		return 0, bad
	}
	off := h*3600 + m*60 + s
	if v[0] == '-' {
		off = -off
	}
	return off, nil
}

// abbrevFor is the observance's TZNAME when it is a plain abbreviation.
func abbrevFor(obs *node, offset int) string {
	if p := obs.prop("TZNAME"); p != nil {
		v := strings.TrimSpace(p.Value)
		ok := len(v) >= 2 && len(v) <= 10
		for _, c := range v {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-') {
				ok = false
			}
		}
		if ok {
			return v
		}
	}
	return offsetAbbrev(offset)
}

func offsetAbbrev(offset int) string {
	sign := '+'
	if offset < 0 {
		sign, offset = '-', -offset
	}
	if offset%3600 == 0 {
		return fmt.Sprintf("%c%02d", sign, offset/3600)
	}
	return fmt.Sprintf("%c%02d%02d", sign, offset/3600, offset%3600/60)
}

// encodeTZif writes a version 2 TZif file (RFC 8536): an empty version 1
// block, the 64-bit block with the transitions, and an empty footer. Type 0
// is the zone before the first transition and is used by none, which is how
// RFC 8536 (and Go) pick it for earlier instants.
func encodeTZif(before zoneType, trans []transition) []byte {
	types := []zoneType{before}
	index := func(t zoneType) byte {
		for i := 1; i < len(types); i++ {
			if types[i] == t {
				return byte(i)
			}
		}
		types = append(types, t)
		return byte(len(types) - 1)
	}
	idx := make([]byte, len(trans))
	for i, t := range trans {
		idx[i] = index(t.typ)
	}
	var chars []byte
	abbrevAt := map[string]int{}
	for _, t := range types {
		if _, ok := abbrevAt[t.abbrev]; !ok {
			abbrevAt[t.abbrev] = len(chars)
			chars = append(append(chars, t.abbrev...), 0)
		}
	}
	var b bytes.Buffer
	header := func(timecnt, typecnt, charcnt int) {
		b.WriteString("TZif2")
		b.Write(make([]byte, 15))
		for _, n := range []int{0, 0, 0, timecnt, typecnt, charcnt} {
			binary.Write(&b, binary.BigEndian, uint32(n))
		}
	}
	header(0, 0, 0)
	header(len(trans), len(types), len(chars))
	for _, t := range trans {
		binary.Write(&b, binary.BigEndian, t.at)
	}
	b.Write(idx)
	for _, t := range types {
		binary.Write(&b, binary.BigEndian, int32(t.offset))
		b.WriteByte(boolByte(t.isDST))
		b.WriteByte(byte(abbrevAt[t.abbrev])) // < 256: at most maxZoneTypes of at most 11 bytes
	}
	b.Write(chars)
	b.WriteString("\n\n")
	return b.Bytes()
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
