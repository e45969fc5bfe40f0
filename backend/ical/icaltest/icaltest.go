// Package icaltest holds what the tests of backend/ical and backend/calendar
// both read: calendars written inline, the shared reference files beside the
// repository and the fuzzers' seeds. It does not import ical, so ical's own
// tests can use it.
package icaltest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Wrap puts VEVENT lines (and optional VTIMEZONEs) into a calendar, with
// CRLF line ends.
func Wrap(body string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + strings.ReplaceAll(strings.TrimSpace(body), "\n", "\r\n") + "\r\nEND:VCALENDAR\r\n"
}

// Location loads a time zone or fails t.
func Location(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// shared is ../shared seen from a package two levels below the repository.
const shared = "../../../shared"

// SharedDir is the shared reference folder beside the repository; t skips
// with a message when it is missing (CI has it).
func SharedDir(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(shared, "fixtures", "ics")); err != nil {
		t.Skip("this test needs ../shared (the shared reference folder beside the repository; CI has it)")
	}
	return shared
}

// ReadShared reads a file of the shared folder by its relative path.
func ReadShared(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(SharedDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// RealWorldFiles are the shared .ics files, fixtures and checks.
func RealWorldFiles(t testing.TB) []string {
	t.Helper()
	dir := SharedDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "fixtures", "ics", "files", "*.ics"))
	checks, _ := filepath.Glob(filepath.Join(dir, "checks", "ics", "files", "*.ics"))
	if len(files) == 0 {
		t.Fatal("no .ics files under ../shared/fixtures/ics/files")
	}
	return append(files, checks...)
}

// FuzzSeeds adds the fuzzers' seeds to f: the Outlook messages in
// testdata (a folder relative to the test's package), the shared .ics
// files when they are there, and one series that once ran unbounded.
func FuzzSeeds(f *testing.F, testdata string) {
	seeds, _ := filepath.Glob(filepath.Join(testdata, "*.eml"))
	files, _ := filepath.Glob(filepath.Join(shared, "fixtures", "ics", "files", "*.ics"))
	checks, _ := filepath.Glob(filepath.Join(shared, "checks", "ics", "files", "*.ics"))
	for _, name := range append(append(seeds, files...), checks...) {
		if data, err := os.ReadFile(name); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Add([]byte(Wrap("BEGIN:VEVENT\nUID:x\nDTSTART;TZID=\"a:20250101T000000\"\nRRULE:FREQ=HOURLY;BYHOUR=1\nEND:VEVENT")))
}
