package ical

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	// The IANA database inside the binary: Windows has no system copy, so
	// without it every TZID would fall back to UTC on users' machines.
	_ "time/tzdata"
)

// boundedCache is a small concurrency-safe map that forgets everything when
// it is full, so a stream of odd TZIDs cannot grow it without bound. The
// package keeps two (IANA names, zones built from VTIMEZONEs) for the whole
// process, like the time package keeps its own: they hold immutable,
// deterministic results, so sharing them changes nothing but speed.
type boundedCache[V any] struct {
	mu  sync.Mutex
	max int
	m   map[string]V
}

func (c *boundedCache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *boundedCache[V]) put(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[string]V)
	}
	c.m[key] = v
}

// ianaZones caches time.LoadLocation, which reads and parses zoneinfo on
// every call (about 40% of the CPU of a parse without the cache); nil
// records a name that is not an IANA zone.
var ianaZones = &boundedCache[*time.Location]{max: 1024}

// loadIANA returns the IANA zone called name, nil if there is none.
func loadIANA(name string) *time.Location {
	if name == "" || name == "Local" || len(name) > 64 {
		return nil // "Local" would be this machine's zone, not the sender's
	}
	if loc, ok := ianaZones.get(name); ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	ianaZones.put(name, loc)
	return loc
}

// windowszones.go is CLDR's table (CLDRRelease), written from the copy in
// internal/cldr.
//go:generate go run ./internal/cldr/gen

// WindowsZone maps a Windows time zone name ("W. Europe Standard Time") to
// its IANA zone (Europe/Berlin), following CLDR's windowsZones (territory
// 001, the zone Windows means when no region is given).
func WindowsZone(name string) (*time.Location, bool) {
	iana, ok := windowsZoneNames[strings.TrimSpace(name)]
	if !ok {
		return nil, false
	}
	loc := loadIANA(iana)
	return loc, loc != nil
}

// displayNameZones covers Outlook display names that name no city.
var displayNameZones = map[string]string{
	"eastern time (us & canada)":  "America/New_York",
	"central time (us & canada)":  "America/Chicago",
	"mountain time (us & canada)": "America/Denver",
	"pacific time (us & canada)":  "America/Los_Angeles",
	"atlantic time (canada)":      "America/Halifax",
	"coordinated universal time":  "UTC",
	"greenwich mean time":         "UTC",
	"utc":                         "UTC",
}

// displayNameRe matches Outlook's display names: "(UTC+01:00) Amsterdam,
// Berlin, Bern, Rome, Stockholm, Vienna", "(GMT+10:00) Canberra, ...".
var displayNameRe = regexp.MustCompile(`^\((?:UTC|GMT)(?:([+-])(\d{1,2}):?(\d{2}))?\)\s*(.*)$`)

// displayNameRegions are tried, in order, in front of a city of a display
// name to find an IANA zone ("Amsterdam" -> Europe/Amsterdam).
var displayNameRegions = []string{"Europe", "America", "Asia", "Australia", "Africa", "Pacific", "Atlantic", "Indian"}

// displayNameZone resolves an Outlook display name: the named zone for the
// US/Canada names, else the first listed city that is an IANA zone whose
// standard offset is the one in parentheses, else (exact only when the zone
// has no daylight saving time) a fixed zone at that offset.
func displayNameZone(tzid string) (loc *time.Location, exact bool, ok bool) {
	m := displayNameRe.FindStringSubmatch(strings.TrimSpace(tzid))
	if m == nil {
		return nil, false, false
	}
	offset := 0
	if m[1] != "" {
		h, _ := strconv.Atoi(m[2])
		mi, _ := strconv.Atoi(m[3])
		if h > 14 || mi > 59 {
			return nil, false, false
		}
		offset = h*3600 + mi*60
		if m[1] == "-" {
			offset = -offset
		}
	}
	rest := strings.ToLower(strings.TrimSpace(m[4]))
	if iana, ok := displayNameZones[rest]; ok {
		return loadIANA(iana), true, true
	}
	if i := strings.Index(rest, ":"); i >= 0 { // "Greenwich Mean Time : Dublin, ..."
		if iana, ok := displayNameZones[strings.TrimSpace(rest[:i])]; ok && offset == 0 {
			return loadIANA(iana), true, true
		}
	}
	for _, city := range strings.Split(m[4], ",") {
		city = strings.ReplaceAll(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(city), ".")), " ", "_")
		if city == "" || strings.ContainsAny(city, "/\\.") {
			continue
		}
		for _, region := range displayNameRegions {
			if l := loadIANA(region + "/" + city); l != nil && standardOffset(l) == offset {
				return l, true, true
			}
		}
	}
	return time.FixedZone(fmt.Sprintf("UTC%+03d:%02d", offset/3600, abs(offset%3600)/60), offset), false, true
}

// standardOffset is a zone's offset in 2025 outside daylight saving time
// (the smaller of January's and July's, which also fits the south).
func standardOffset(loc *time.Location) int {
	_, jan := time.Date(2025, 1, 1, 12, 0, 0, 0, loc).Zone()
	_, jul := time.Date(2025, 7, 1, 12, 0, 0, 0, loc).Zone()
	return min(jan, jul)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// zoneResolver turns the TZIDs of one file into locations, once each.
type zoneResolver struct {
	vtimezones map[string]*node // by TZID, and by TZID unescaped
	resolved   map[string]*time.Location
	warn       func(line int, format string, args ...any)
}

func newZoneResolver(vtimezones map[string]*node, warn func(int, string, ...any)) *zoneResolver {
	return &zoneResolver{vtimezones: vtimezones, resolved: map[string]*time.Location{}, warn: warn}
}

// resolve finds the location for a TZID, in this order: IANA name (also
// inside a "/mozilla.org/20050126_1/Europe/Berlin" path), Windows name,
// the file's VTIMEZONE, an Outlook display name, and otherwise UTC with a
// warning. A Windows or IANA name wins over the file's VTIMEZONE because
// the database also knows the zone's past rules; the VTIMEZONE wins over a
// display name because it is exact.
func (z *zoneResolver) resolve(tzid string, line int) *time.Location {
	if loc, ok := z.resolved[tzid]; ok {
		return loc
	}
	loc := z.lookup(tzid, line)
	z.resolved[tzid] = loc
	return loc
}

func (z *zoneResolver) lookup(tzid string, line int) *time.Location {
	name := strings.TrimSpace(tzid)
	if loc := loadIANA(name); loc != nil {
		return loc
	}
	if loc, ok := WindowsZone(strings.TrimSuffix(name, ":")); ok {
		return loc
	}
	if strings.Contains(name, "/") {
		parts := strings.Split(strings.Trim(name, "/"), "/")
		for i := max(0, len(parts)-3); i < len(parts); i++ {
			if loc := loadIANA(strings.Join(parts[i:], "/")); loc != nil {
				return loc
			}
		}
	}
	if vt := z.vtimezone(name); vt != nil {
		loc, err := zoneFromVTimezone(vt, name)
		if err == nil {
			return loc
		}
		z.warn(vt.line, "VTIMEZONE %q cannot be used (%v); trying its name", name, err)
	}
	if loc, exact, ok := displayNameZone(name); ok {
		if !exact {
			z.warn(line, "time zone %q is not known; using the fixed offset %s from its name, without daylight saving time", name, loc)
		}
		return loc
	}
	z.warn(line, "time zone %q is not known and the file defines no usable VTIMEZONE for it; its times are read as UTC", name)
	return time.UTC
}

// vtimezone finds the file's VTIMEZONE for a TZID, tolerating Exchange's
// TEXT-escaped commas and Thunderbird's trailing colon in the VTIMEZONE's
// own TZID.
func (z *zoneResolver) vtimezone(name string) *node {
	for _, key := range []string{name, name + ":", strings.ReplaceAll(name, ",", `\,`)} {
		if vt := z.vtimezones[key]; vt != nil {
			return vt
		}
	}
	return nil
}
