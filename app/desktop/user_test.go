//go:build webkit2_41

package desktop

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/account"
	"vmr-companion/backend/account/accounttest"
	"vmr-companion/backend/conference"
)

type userFixture struct {
	s            *UserService
	signIns      *accounttest.SignIns
	opened       []string
	integrations *IntegrationService
	conferences  *conference.Service
}

func newUserFixture(t *testing.T, d dialogs) *userFixture {
	t.Helper()
	f := &userFixture{signIns: &accounttest.SignIns{}}
	cfg, _ := accounttest.Config(t, f.signIns)
	f.conferences = cfg.Conferences
	f.integrations = &IntegrationService{ctx: t.Context(), backend: cfg.Integrations}
	f.s = &UserService{ctx: t.Context(), account: account.New(cfg), dialogs: d,
		browser: func(u string) error { f.opened = append(f.opened, u); return nil }}
	return f
}

// addIntegration creates an integration offering personal VMRs.
func (f *userFixture) addIntegration(t *testing.T, name string) string {
	t.Helper()
	d, err := f.integrations.Create(form(t, f.integrations, map[string]any{"name": name, "enable_dynamic_vmrs": false, "enable_personal_vmrs": true,
		"personal_vmr_oauth_client_id": "client-1", "personal_vmr_oauth_auth_endpoint": "https://login.example.com/authorize",
		"personal_vmr_oauth_token_endpoint": "https://login.example.com/token", "addin_server_domain": "addins.example.com"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	return d.Integration["uuid"].(string)
}

func TestUserSignInBindings(t *testing.T) {
	f := newUserFixture(t, fakeDialogs{})
	uuid := f.addIntegration(t, "Contoso")

	t.Run("before signing in the window is told to sign in", func(t *testing.T) {
		_, err := f.s.MyVMRs()
		if p := FormatError(err).(Problem); p.Code != account.CodeSignedOut {
			t.Fatalf("problem = %+v", p)
		}
	})

	t.Run("signing in opens the system browser through the one seam", func(t *testing.T) {
		got, err := f.s.SignIn(uuid)
		if err != nil || !got.SignedIn || got.Email != "Alex.Morgan@example.com" || got.Integration != uuid || len(got.Integrations) != 1 || !got.Available {
			t.Fatalf("SignIn = %+v, %v", got, err)
		}
		if len(f.opened) != 1 || !strings.HasPrefix(f.opened[0], "https://login.example.com/authorize") {
			t.Fatalf("opened %v", f.opened)
		}
		if vmrs, err := f.s.MyVMRs(); err != nil || len(vmrs) != 0 {
			t.Fatalf("MyVMRs = %v, %v", vmrs, err)
		}
		if err := f.s.SignOut(); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.s.Session(); got.SignedIn {
			t.Fatalf("still signed in: %+v", got)
		}
	})

	t.Run("a refused consent reaches the window with its own code", func(t *testing.T) {
		f.signIns.FailWith = &account.SignInError{Code: account.CodeConsentRefused, Err: errors.New("oauth: the sign-in was refused (consent not given)")}
		defer func() { f.signIns.FailWith = nil }()
		_, err := f.s.SignIn(uuid)
		if p := FormatError(err).(Problem); p.Code != account.CodeConsentRefused || !strings.Contains(p.Message, "consent") {
			t.Fatalf("problem = %+v", p)
		}
	})

	t.Run("cancel ends a sign-in that waits for the browser", func(t *testing.T) {
		f.signIns.Block, f.signIns.Started = true, make(chan struct{})
		defer func() { f.signIns.Block = false }()
		done := make(chan error, 1)
		go func() { _, err := f.s.SignIn(uuid); done <- err }()
		<-f.signIns.Started
		f.s.CancelSignIn()
		// A sign-in that never ends hangs here until go test's own limit.
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

const bindingICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:standup@example.com\r\nDTSTAMP:20251101T000000Z\r\n" +
	"DTSTART:20251120T100000Z\r\nDTEND:20251120T103000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Stand-up\r\nLOCATION:meet.alex@vc.example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

func TestUserCalendarBindings(t *testing.T) {
	dir := t.TempDir()
	ics := filepath.Join(dir, "cal.ics")
	if err := os.WriteFile(ics, []byte(bindingICS), 0o600); err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(dir, "out", "standup.ics")
	os.MkdirAll(filepath.Dir(export), 0o700)
	f := newUserFixture(t, fakeDialogs{open: ics, save: export})

	t.Run("wrong preferences come back as field problems", func(t *testing.T) {
		_, err := f.s.SetPreferences(Preferences{Join: "zoom", CalendarKind: account.CalendarFile})
		if p := FormatError(err).(Problem); p.Code != "invalid" || p.Fields["join"] == "" || p.Fields["calendar_value"] == "" {
			t.Fatalf("problem = %+v", p)
		}
	})

	t.Run("the file dialog chooses the calendar file, which the preferences keep", func(t *testing.T) {
		path, err := f.s.ChooseCalendarFile()
		if err != nil || path != ics {
			t.Fatalf("ChooseCalendarFile = %q, %v", path, err)
		}
		got, err := f.s.SetPreferences(Preferences{Join: account.JoinWeb, CalendarKind: account.CalendarFile, CalendarValue: path})
		if err != nil || got.CalendarValue != ics {
			t.Fatalf("SetPreferences = %+v, %v", got, err)
		}
		if again, err := f.s.Preferences(); err != nil || *again != *got {
			t.Fatalf("Preferences = %+v, %v", again, err)
		}
	})

	t.Run("refresh and the cached copy", func(t *testing.T) {
		got, err := f.s.Refresh()
		if err != nil || got.Stale || len(got.Meetings) != 3 || got.Source != account.CalendarFile {
			t.Fatalf("Refresh = %+v, %v", got, err)
		}
		if cached, err := f.s.Upcoming(); err != nil || len(cached.Meetings) != 3 {
			t.Fatalf("Upcoming = %+v, %v", cached, err)
		}
		f.s.CancelRefresh() // nothing running: nothing happens
	})

	t.Run("one meeting exports as an .ics file where the user saves it", func(t *testing.T) {
		up, _ := f.s.Upcoming()
		m := up.Meetings[1]
		path, err := f.s.ExportMeeting(m.UID, m.RecurrenceID.Format(time.RFC3339))
		if err != nil || path != export {
			t.Fatalf("ExportMeeting = %q, %v", path, err)
		}
		data, _ := os.ReadFile(export)
		if !strings.Contains(string(data), "BEGIN:VEVENT") || !strings.Contains(string(data), "SUMMARY:Stand-up") || !strings.Contains(string(data), "DTSTART:20251121T100000Z") {
			t.Fatalf("exported %s", data)
		}
		if _, err := f.s.ExportMeeting("gone@example.com", ""); err == nil {
			t.Fatal("exporting an unknown meeting worked")
		}
		if _, err := f.s.ExportMeeting(m.UID, "yesterday"); err == nil {
			t.Fatal("a recurrence id that is no time was accepted")
		}
	})

	t.Run("join opens web, sip and pexip links through the seam and nothing else", func(t *testing.T) {
		f.opened = nil
		for _, link := range []string{"https://addins.example.com/webapp/m/meet.alex@vc.example.com", "sip:meet.alex@vc.example.com", "pexip://meet.alex@vc.example.com"} {
			if err := f.s.Join(link); err != nil {
				t.Fatalf("Join(%q): %v", link, err)
			}
		}
		for _, link := range []string{"javascript:alert(1)", "file:///etc/passwd", ""} {
			if err := f.s.Join(link); err == nil {
				t.Fatalf("Join(%q) was allowed", link)
			}
		}
		if len(f.opened) != 3 {
			t.Fatalf("opened %v", f.opened)
		}
		f.s.browser = nil
		if err := f.s.Join("sip:meet.alex@vc.example.com"); err == nil {
			t.Fatal("joined without a browser")
		}
	})
}
