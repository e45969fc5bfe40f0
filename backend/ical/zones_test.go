package ical

import (
	"strings"
	"testing"
	"time"
)

func TestWindowsZone(t *testing.T) {
	for win, iana := range map[string]string{
		"W. Europe Standard Time":   "Europe/Berlin",
		"Pacific Standard Time":     "America/Los_Angeles",
		"GMT Standard Time":         "Europe/London",
		"AUS Eastern Standard Time": "Australia/Sydney",
		"India Standard Time":       "Asia/Calcutta",
		"UTC":                       "Etc/UTC",
	} {
		loc, ok := WindowsZone(win)
		if !ok || loc.String() != iana {
			t.Errorf("WindowsZone(%q) = %v, %v; want %s", win, loc, ok, iana)
		}
	}
	if _, ok := WindowsZone("Atlantis Standard Time"); ok {
		t.Error("an unknown Windows name was mapped")
	}
	// Every IANA zone of the table exists in the embedded database.
	for win, iana := range windowsZoneNames {
		if _, err := time.LoadLocation(iana); err != nil {
			t.Errorf("%q maps to %q: %v", win, iana, err)
		}
	}
	if len(windowsZoneNames) < 130 {
		t.Errorf("%d Windows zones; CLDR's table has about 140", len(windowsZoneNames))
	}
}

func TestTZIDResolution(t *testing.T) {
	tests := []struct {
		tzid      string
		want      string // the location's name
		offset    int    // its offset on 2025-01-15 12:00 UTC
		warnsWith string // "" when resolved without a warning
	}{
		{"Europe/Berlin", "Europe/Berlin", 3600, ""},
		{"W. Europe Standard Time", "Europe/Berlin", 3600, ""},
		{"Pacific Standard Time", "America/Los_Angeles", -8 * 3600, ""},
		{"/mozilla.org/20050126_1/Europe/Berlin", "Europe/Berlin", 3600, ""},
		{"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Amsterdam", 3600, ""},
		{"(UTC-05:00) Eastern Time (US & Canada)", "America/New_York", -5 * 3600, ""},
		{"(GMT+10:00) Canberra, Melbourne, Sydney", "Australia/Canberra", 11 * 3600, ""},
		{"(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata", 19800, ""},
		{"(UTC+03:00) Nowhere", "UTC+03:00", 3 * 3600, "fixed offset"},
		{"Atlantis Standard Time", "UTC", 0, "read as UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.tzid, func(t *testing.T) {
			cal := mustParse(t, ics("BEGIN:VEVENT\nUID:z\nDTSTART;TZID=\""+tt.tzid+"\":20250115T120000\nEND:VEVENT"))
			e := cal.Events[0]
			if e.Zone.String() != tt.want {
				t.Errorf("zone %s, want %s", e.Zone, tt.want)
			}
			if _, off := time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC).In(e.Zone).Zone(); off != tt.offset {
				t.Errorf("offset %d, want %d", off, tt.offset)
			}
			warned := strings.Join(cal.Warnings, "\n")
			if tt.warnsWith == "" && warned != "" || !strings.Contains(warned, tt.warnsWith) {
				t.Errorf("warnings %q, want one containing %q", warned, tt.warnsWith)
			}
		})
	}
}

func TestTZIDFromTheFilesVTimezoneWithOutlookQuirks(t *testing.T) {
	t.Run("Exchange escapes the commas of the VTIMEZONE's TZID but not DTSTART's", func(t *testing.T) {
		cal := mustParse(t, ics(`BEGIN:VTIMEZONE
TZID:(UTC+07:00) Bangkok\, Hanoi\, Jakarta
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0700
TZOFFSETTO:+0700
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T000000
TZOFFSETFROM:+0700
TZOFFSETTO:+0700
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:x
DTSTART;TZID="(UTC+07:00) Bangkok, Hanoi, Jakarta":20190430T090000
END:VEVENT`))
		if len(cal.Warnings) > 0 || cal.Events[0].Start.UTC().Hour() != 2 {
			t.Errorf("start %s, warnings %q", cal.Events[0].Start, cal.Warnings)
		}
	})
	t.Run("Thunderbird's trailing colon in the VTIMEZONE's TZID", func(t *testing.T) {
		cal := mustParse(t, ics(`BEGIN:VTIMEZONE
TZID:My Zone:
BEGIN:STANDARD
DTSTART:19700101T000000
TZOFFSETFROM:-0330
TZOFFSETTO:-0330
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:x
DTSTART;TZID=My Zone:20250101T090000
END:VEVENT`))
		if got := cal.Events[0].Start.UTC().Format("15:04"); got != "12:30" || len(cal.Warnings) > 0 {
			t.Errorf("start %s UTC, warnings %q", got, cal.Warnings)
		}
	})
}

// BenchmarkParseMeetingRequest measures one Outlook request end to end;
// run it without the zone caches to see what they save.
func BenchmarkParseMeetingRequest(b *testing.B) {
	raw := readTestdata(b, "outlook_weekly_series.eml")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMIME(raw, ParseOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
