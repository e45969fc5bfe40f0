//go:build webkit2_41

package desktop

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"vmr-companion/backend/account"
	"vmr-companion/backend/conference"
)

// goldenUserService is the window's UserService as user_test.go builds it
// (a fake identity provider signed in as alex.morgan@example.com, fixed
// clock): the one place to adapt when UserService moves.
func goldenUserService(t *testing.T, d dialogs) *userFixture {
	t.Helper()
	return newUserFixture(t, d)
}

// goldenUser records the user side's answers that the fake used to work
// out itself: sign-in errors, the signed-in user's VMRs, preferences.
func goldenUser(t *testing.T, g *goldenRecorder) {
	dir := t.TempDir()
	g.hidePath(dir)
	ics := filepath.Join(dir, "Documents", "calendar.ics")
	if err := os.MkdirAll(filepath.Dir(ics), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ics, []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := goldenUserService(t, fakeDialogs{open: ics})
	s := f.s
	uuid := f.addIntegration(t, "Contoso HQ")
	alex := &conference.Conference{Name: "Alex Morgan’s room", Description: "Personal meeting room of Alex Morgan", PIN: "4821", GuestPIN: "7305",
		AllowGuests: true, PrimaryOwnerEmailAddress: "alex.morgan@example.com",
		Aliases: []conference.Alias{{Alias: "meet.alex@vc.example.com"}, {Alias: "alex.morgan@vc.example.com"}, {Alias: "8123456"}}}
	if err := f.conferences.Create(context.Background(), alex); err != nil {
		t.Fatal(err)
	}

	session, err := s.Session()
	g.record("user session signed out", "UserService.Session", []any{}, session, err)
	vmrs, err := s.MyVMRs()
	g.record("user my VMRs signed out", "UserService.MyVMRs", []any{}, vmrs, err)
	session, err = s.SignIn("no-such-integration")
	g.record("user sign in unknown", "UserService.SignIn", []any{"no-such-integration"}, session, err)
	session, err = s.SignIn(uuid)
	g.record("user sign in", "UserService.SignIn", []any{uuid}, session, err)
	vmrs, err = s.MyVMRs()
	g.record("user my VMRs signed in", "UserService.MyVMRs", []any{}, vmrs, err)

	up, err := s.Refresh()
	g.record("user refresh no source", "UserService.Refresh", []any{}, up, err)
	err = s.Join("javascript:alert(1)")
	g.record("user join other scheme", "UserService.Join", []any{"javascript:alert(1)"}, nil, err)
	prefs, err := s.Preferences()
	g.record("user preferences", "UserService.Preferences", []any{}, prefs, err)
	path, err := s.ChooseCalendarFile()
	g.record("user choose calendar file", "UserService.ChooseCalendarFile", []any{}, path, err)
	setPrefs := func(scenario string, p Preferences, shown Preferences) {
		got, err := s.SetPreferences(p)
		g.record(scenario, "UserService.SetPreferences", []any{shown}, got, err)
	}
	http := Preferences{Join: account.JoinWeb, CalendarKind: account.CalendarURL, CalendarValue: "http://example.com/cal.ics"}
	setPrefs("user preferences http link", http, http)
	file := Preferences{Join: account.JoinSIP, NotifyMinutes: 10, CalendarKind: account.CalendarFile, CalendarValue: ics}
	setPrefs("user preferences file", file, file)
	// A calendar link is a secret: the recorded arguments do not show it.
	link := Preferences{Join: account.JoinWeb, CalendarKind: account.CalendarURL, CalendarValue: "webcal://outlook.example.com/owa/calendar/SECRET123/calendar.ics"}
	shown := link
	shown.CalendarValue = "(secret)"
	setPrefs("user preferences calendar link", link, shown)
}
