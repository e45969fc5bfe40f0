//go:build webkit2_41

package desktop

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"vmr-companion/backend/calendar"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
)

// fakeAccounts stands in for the identity provider: SignIn "opens the
// browser" through the seam it is given and signs in as email, or waits
// for the context when block is set.
type fakeAccounts struct {
	mu       sync.Mutex
	email    string
	signedIn map[string]bool
	failWith error
	block    bool
	started  chan struct{}
}

func (f *fakeAccounts) SignIn(ctx context.Context, in *integration.Integration, open func(string) error) (*Account, error) {
	if err := open("https://login.example.com/authorize?client_id=x"); err != nil {
		return nil, err
	}
	if f.block {
		close(f.started)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if f.failWith != nil {
		return nil, f.failWith
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signedIn[in.UUID] = true
	return &Account{Email: f.email, Name: "Alex Morgan"}, nil
}

func (f *fakeAccounts) Current(_ context.Context, in *integration.Integration) (*Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.signedIn[in.UUID] {
		return nil, &SignInError{Code: CodeSignedOut, Err: errors.New("oauth: you are not signed in; sign in first")}
	}
	return &Account{Email: f.email, Name: "Alex Morgan"}, nil
}

func (f *fakeAccounts) SignOut(_ context.Context, in *integration.Integration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.signedIn, in.UUID)
	return nil
}

type userFixture struct {
	s        *UserService
	accounts *fakeAccounts
	opened   []string
	store    *store.Store
}

func newUserFixture(t *testing.T, d dialogs) *userFixture {
	t.Helper()
	// One store for everything, as in the app: the meeting detector reads
	// the integrations and VMRs from the same file as the calendar copy.
	keyring.MockInit()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "user.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	integrations := &IntegrationService{ctx: context.Background(), backend: integration.NewService(st.Integrations(), secrets.NewUncheckedKeychain(0)), dialogs: d}
	f := &userFixture{accounts: &fakeAccounts{email: "Alex.Morgan@example.com", signedIn: map[string]bool{}}, store: st}
	f.s = &UserService{ctx: context.Background(), integrations: integrations.backend, conferences: conference.NewService(st.Conferences()),
		templates: templates.New(), settings: st.Settings(), accounts: f.accounts, cache: st.Calendars(), dialogs: d,
		secrets: secrets.NewUncheckedKeychain(0),
		browser: func(u string) error { f.opened = append(f.opened, u); return nil },
		now:     func() time.Time { return time.Date(2025, 11, 20, 9, 0, 0, 0, time.UTC) }, loc: time.UTC}
	return f
}

// addIntegration creates an integration offering personal VMRs.
func (f *userFixture) addIntegration(t *testing.T, integrations *IntegrationService, name string) string {
	t.Helper()
	d, err := integrations.Create(form(t, integrations, map[string]any{"name": name, "enable_dynamic_vmrs": false, "enable_personal_vmrs": true,
		"personal_vmr_oauth_client_id": "client-1", "personal_vmr_oauth_auth_endpoint": "https://login.example.com/authorize",
		"personal_vmr_oauth_token_endpoint": "https://login.example.com/token", "addin_server_domain": "addins.example.com"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	return d.Integration["uuid"].(string)
}

func TestUserSignIn(t *testing.T) {
	f := newUserFixture(t, fakeDialogs{})
	integrations := &IntegrationService{ctx: context.Background(), backend: f.s.integrations}

	t.Run("with no integration offering personal VMRs there is nothing to sign in to", func(t *testing.T) {
		got, err := f.s.Session()
		if err != nil || len(got.Integrations) != 0 || got.SignedIn || got.Integration != "" || !got.Available {
			t.Fatalf("Session = %+v, %v", got, err)
		}
	})

	uuid := f.addIntegration(t, integrations, "Contoso")
	t.Run("the only integration is chosen, and nobody is signed in yet", func(t *testing.T) {
		got, err := f.s.Session()
		if err != nil || got.Integration != uuid || got.SignedIn || len(got.Integrations) != 1 || got.Integrations[0].Name != "Contoso" {
			t.Fatalf("Session = %+v, %v", got, err)
		}
	})

	t.Run("an integration that does not offer personal VMRs is refused", func(t *testing.T) {
		if _, err := f.s.SignIn("no-such-integration"); err == nil || !strings.Contains(err.Error(), "does not offer personal VMRs") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("signing in opens the system browser through the one seam and remembers the integration", func(t *testing.T) {
		got, err := f.s.SignIn(uuid)
		if err != nil || !got.SignedIn || got.Email != "Alex.Morgan@example.com" {
			t.Fatalf("SignIn = %+v, %v", got, err)
		}
		if len(f.opened) != 1 || !strings.HasPrefix(f.opened[0], "https://login.example.com/authorize") {
			t.Fatalf("opened %v", f.opened)
		}
		settings, _ := f.store.Settings().All(context.Background())
		if settings[settingIntegration] != uuid {
			t.Fatalf("settings = %v", settings)
		}
	})

	t.Run("signing out forgets the sign-in", func(t *testing.T) {
		if err := f.s.SignOut(); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.s.Session(); got.SignedIn {
			t.Fatalf("still signed in: %+v", got)
		}
	})

	t.Run("a refused consent reaches the window with its own code", func(t *testing.T) {
		f.accounts.failWith = &SignInError{Code: CodeConsentRefused, Err: errors.New("oauth: the sign-in was refused (consent not given)")}
		defer func() { f.accounts.failWith = nil }()
		_, err := f.s.SignIn(uuid)
		if p := FormatError(err).(Problem); p.Code != CodeConsentRefused || !strings.Contains(p.Message, "consent") {
			t.Fatalf("problem = %+v", p)
		}
	})

	t.Run("cancel ends a sign-in that waits for the browser", func(t *testing.T) {
		f.accounts.block, f.accounts.started = true, make(chan struct{})
		defer func() { f.accounts.block = false }()
		done := make(chan error, 1)
		go func() { _, err := f.s.SignIn(uuid); done <- err }()
		<-f.accounts.started
		f.s.CancelSignIn()
		// A sign-in that never ends hangs here until go test's own limit.
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestMyVMRs(t *testing.T) {
	f := newUserFixture(t, fakeDialogs{})
	integrations := &IntegrationService{ctx: context.Background(), backend: f.s.integrations}
	uuid := f.addIntegration(t, integrations, "Contoso")
	ctx := context.Background()
	mine := &conference.Conference{Name: "Alex's room", PIN: "4821", GuestPIN: "7305", AllowGuests: true, PrimaryOwnerEmailAddress: "alex.morgan@example.com",
		Aliases: []conference.Alias{{Alias: "8123456"}, {Alias: "meet.alex@vc.example.com"}, {Alias: "alex"}}}
	other := &conference.Conference{Name: "Sam's room", PrimaryOwnerEmailAddress: "sam@example.com", Aliases: []conference.Alias{{Alias: "meet.sam@vc.example.com"}}}
	for _, c := range []*conference.Conference{mine, other} {
		if err := f.s.conferences.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("before signing in the window is told to sign in", func(t *testing.T) {
		_, err := f.s.MyVMRs()
		if p := FormatError(err).(Problem); p.Code != CodeSignedOut {
			t.Fatalf("problem = %+v", p)
		}
	})

	if _, err := f.s.SignIn(uuid); err != nil {
		t.Fatal(err)
	}
	t.Run("the signed-in user's VMRs come with aliases by kind, PINs, the web link and the add-in's instructions", func(t *testing.T) {
		got, err := f.s.MyVMRs()
		if err != nil || len(got) != 1 {
			t.Fatalf("MyVMRs = %+v, %v", got, err)
		}
		v := got[0]
		if strings.Join(v.SIPAliases, ",") != "meet.alex@vc.example.com" || strings.Join(v.PhoneAliases, ",") != "8123456" || strings.Join(v.OtherAliases, ",") != "alex" {
			t.Fatalf("aliases %v / %v / %v", v.SIPAliases, v.PhoneAliases, v.OtherAliases)
		}
		if v.PIN != "4821" || v.GuestPIN != "7305" || !v.AllowGuests {
			t.Fatalf("pins %+v", v)
		}
		if v.WebURL != "https://addins.example.com/webapp/m/meet.alex@vc.example.com" {
			t.Fatalf("web url %q", v.WebURL)
		}
		in, _ := f.s.integrations.Get(ctx, uuid)
		want, err := templates.New().Render(ctx, "personal_vmr_instructions_template", in.PersonalVMRInstructionsTemplate, personalVars(mine, in))
		if err != nil || v.InstructionsHTML != want || !strings.Contains(v.InstructionsHTML, "meet.alex@vc.example.com") {
			t.Fatalf("instructions %q, want %q (%v)", v.InstructionsHTML, want, err)
		}
		if v.Name == "" {
			t.Fatal("the name template rendered nothing")
		}
	})
}

func TestUserPreferences(t *testing.T) {
	ics := filepath.Join(t.TempDir(), "cal.ics")
	if err := os.WriteFile(ics, []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newUserFixture(t, fakeDialogs{open: ics})

	t.Run("defaults: join on the web, no reminder, no calendar", func(t *testing.T) {
		got, err := f.s.Preferences()
		if err != nil || *got != (Preferences{Join: JoinWeb}) {
			t.Fatalf("Preferences = %+v, %v", got, err)
		}
	})

	t.Run("every wrong field is reported at once", func(t *testing.T) {
		_, err := f.s.SetPreferences(Preferences{Join: "zoom", NotifyMinutes: 500, CalendarKind: CalendarURL, CalendarValue: "http://example.com/cal.ics"})
		p := FormatError(err).(Problem)
		if p.Code != "invalid" || p.Fields["join"] == "" || p.Fields["notify_minutes"] == "" || !strings.Contains(p.Fields["calendar_value"], "https") {
			t.Fatalf("problem = %+v", p)
		}
	})

	t.Run("a webcal link is kept as https, in the keychain, and shown by its host only", func(t *testing.T) {
		got, err := f.s.SetPreferences(Preferences{Join: JoinSIP, NotifyMinutes: 5, CalendarKind: CalendarURL, CalendarValue: " webcal://outlook.example.com/owa/calendar/abc/reachcalendar.ics "})
		if err != nil || got.CalendarValue != "https://outlook.example.com/…" || got.NotifyMinutes != 5 || got.Join != JoinSIP {
			t.Fatalf("SetPreferences = %+v, %v", got, err)
		}
		if v, err := keyring.Get(secrets.Service, calendarLinkAccount); err != nil || v != "https://outlook.example.com/owa/calendar/abc/reachcalendar.ics" {
			t.Fatalf("keychain = %q, %v", v, err)
		}
		if in := dbHolds(t, f.store, "reachcalendar"); len(in) > 0 {
			t.Fatalf("the link is in %v", in)
		}
	})

	t.Run("saving again with the link as shown keeps the stored link", func(t *testing.T) {
		got, err := f.s.SetPreferences(Preferences{Join: JoinWeb, CalendarKind: CalendarURL, CalendarValue: "https://outlook.example.com/…"})
		if err != nil || got.CalendarValue != "https://outlook.example.com/…" || got.Join != JoinWeb {
			t.Fatalf("SetPreferences = %+v, %v", got, err)
		}
		if v, _ := keyring.Get(secrets.Service, calendarLinkAccount); v != "https://outlook.example.com/owa/calendar/abc/reachcalendar.ics" {
			t.Fatalf("keychain = %q", v)
		}
	})

	t.Run("the file dialog chooses a calendar file, which must exist", func(t *testing.T) {
		path, err := f.s.ChooseCalendarFile()
		if err != nil || path != ics {
			t.Fatalf("ChooseCalendarFile = %q, %v", path, err)
		}
		if _, err := f.s.SetPreferences(Preferences{Join: JoinWeb, CalendarKind: CalendarFile, CalendarValue: ics + ".missing"}); err == nil {
			t.Fatal("a missing file was accepted")
		}
		got, err := f.s.SetPreferences(Preferences{Join: JoinWeb, CalendarKind: CalendarFile, CalendarValue: path})
		if err != nil || got.CalendarValue != ics {
			t.Fatalf("SetPreferences = %+v, %v", got, err)
		}
		if _, err := keyring.Get(secrets.Service, calendarLinkAccount); !errors.Is(err, keyring.ErrNotFound) {
			t.Fatalf("the link stayed in the keychain after choosing a file: %v", err)
		}
	})
}

// dbHolds tells which of the database file and its WAL hold s.
func dbHolds(t *testing.T, st *store.Store, s string) []string {
	t.Helper()
	var in []string
	for _, p := range []string{st.Path(), st.Path() + "-wal"} {
		data, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(s)) {
			in = append(in, filepath.Base(p))
		}
	}
	return in
}

// An install from before the keychain kept the link has it in the
// database: it moves on the first read, all or nothing.
func TestCalendarLinkOfAnEarlierVersion(t *testing.T) {
	const link = "https://outlook.office365.com/owa/calendar/9f3c@example.com/SECRET0a1b2c3d4e/calendar.ics"
	old := map[string]string{settingCalendarKind: CalendarURL, settingCalendarValue: link, settingJoin: JoinSIP}
	at := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)

	t.Run("the link moves to the keychain on first read and leaves no copy in the database", func(t *testing.T) {
		f := newUserFixture(t, fakeDialogs{})
		if err := f.store.Settings().Set(context.Background(), old, at); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.Preferences()
		if err != nil || got.CalendarValue != "https://outlook.office365.com/…" || got.CalendarKind != CalendarURL || got.Join != JoinSIP {
			t.Fatalf("Preferences = %+v, %v", got, err)
		}
		if v, err := keyring.Get(secrets.Service, calendarLinkAccount); err != nil || v != link {
			t.Fatalf("keychain = %q, %v", v, err)
		}
		if in := dbHolds(t, f.store, "SECRET0a1b2c3d4e"); len(in) > 0 {
			t.Fatalf("the link is still in %v", in)
		}
		var read string
		f.s.urlSource = func(raw string) calendar.Source {
			read = raw
			return calendar.FileSource(filepath.Join(t.TempDir(), "missing.ics"))
		}
		f.s.Refresh()
		if read != link {
			t.Fatalf("the refresh read %q, want the link from the keychain", read)
		}
	})

	t.Run("with the keychain unavailable the link stays put, is not shown, and the page says what to do", func(t *testing.T) {
		f := newUserFixture(t, fakeDialogs{})
		if err := f.store.Settings().Set(context.Background(), old, at); err != nil {
			t.Fatal(err)
		}
		keyring.MockInitWithError(errors.New("the collection is locked"))
		defer keyring.MockInit()
		got, err := f.s.Preferences()
		if err != nil || got.CalendarValue != "https://outlook.office365.com/…" {
			t.Fatalf("Preferences = %+v, %v", got, err)
		}
		up, err := f.s.Upcoming()
		if err != nil || !strings.Contains(up.Warning, "keychain") || strings.Contains(up.Warning, "SECRET0a1b2c3d4e") {
			t.Fatalf("Upcoming = %+v, %v", up, err)
		}
		empty := filepath.Join(t.TempDir(), "empty.ics")
		if err := os.WriteFile(empty, []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f.s.urlSource = func(string) calendar.Source { return calendar.FileSource(empty) }
		if up, err := f.s.Refresh(); err != nil || !strings.Contains(up.Warning, "keychain") {
			t.Fatalf("Refresh = %+v, %v; want the keychain warning", up, err)
		}
		if all, _ := f.store.Settings().All(context.Background()); all[settingCalendarValue] != link {
			t.Fatalf("settings = %v, want the link kept until the keychain takes it", all)
		}
		keyring.MockInit()
		if _, err := f.s.Preferences(); err != nil {
			t.Fatal(err)
		}
		if _, err := keyring.Get(secrets.Service, calendarLinkAccount); !errors.Is(err, keyring.ErrNotFound) {
			t.Fatalf("the keychain was asked again at once: %v", err)
		}
		later := f.s.now().Add(sealRetry)
		f.s.now = func() time.Time { return later }
		if _, err := f.s.Preferences(); err != nil {
			t.Fatal(err)
		}
		if v, err := keyring.Get(secrets.Service, calendarLinkAccount); err != nil || v != link {
			t.Fatalf("after the keychain came back: %q, %v", v, err)
		}
		if in := dbHolds(t, f.store, "SECRET0a1b2c3d4e"); len(in) > 0 {
			t.Fatalf("the link is still in %v", in)
		}
	})
}

const upcomingICS = `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:standup@example.com
DTSTAMP:20251101T000000Z
DTSTART:20251120T100000Z
DTEND:20251120T103000Z
RRULE:FREQ=DAILY;COUNT=3
SUMMARY:Stand-up
LOCATION:meet.alex@vc.example.com
ORGANIZER;CN=Alex Morgan:mailto:alex.morgan@example.com
END:VEVENT
BEGIN:VEVENT
UID:lunch@example.com
DTSTAMP:20251101T000000Z
DTSTART:20251121T120000Z
DTEND:20251121T130000Z
SUMMARY:Lunch
LOCATION:Canteen
END:VEVENT
BEGIN:VEVENT
UID:past@example.com
DTSTAMP:20251101T000000Z
DTSTART:20251001T120000Z
DTEND:20251001T130000Z
SUMMARY:Long ago
END:VEVENT
END:VCALENDAR
`

func TestUpcoming(t *testing.T) {
	dir := t.TempDir()
	ics := filepath.Join(dir, "cal.ics")
	if err := os.WriteFile(ics, []byte(strings.ReplaceAll(upcomingICS, "\n", "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(dir, "out", "standup.ics")
	os.MkdirAll(filepath.Dir(export), 0o700)
	f := newUserFixture(t, fakeDialogs{save: export})
	integrations := &IntegrationService{ctx: context.Background(), backend: f.s.integrations}
	f.addIntegration(t, integrations, "Contoso")
	if err := f.s.conferences.Create(context.Background(), &conference.Conference{Name: "Alex's room", PrimaryOwnerEmailAddress: "alex.morgan@example.com",
		Aliases: []conference.Alias{{Alias: "meet.alex@vc.example.com"}}}); err != nil {
		t.Fatal(err)
	}

	t.Run("without a calendar source the copy is empty and refresh says what to choose", func(t *testing.T) {
		got, err := f.s.Upcoming()
		if err != nil || len(got.Meetings) != 0 || got.Source != "" {
			t.Fatalf("Upcoming = %+v, %v", got, err)
		}
		if _, err := f.s.Refresh(); err == nil || !strings.Contains(err.Error(), "choose where your meetings come from") {
			t.Fatalf("Refresh err = %v", err)
		}
	})

	if _, err := f.s.SetPreferences(Preferences{Join: JoinWeb, CalendarKind: CalendarFile, CalendarValue: ics}); err != nil {
		t.Fatal(err)
	}
	t.Run("refresh expands the window, marks video meetings of this deployment and caches the copy", func(t *testing.T) {
		got, err := f.s.Refresh()
		if err != nil || got.Stale || got.Error != "" {
			t.Fatalf("Refresh = %+v, %v", got, err)
		}
		var summaries []string
		for _, m := range got.Meetings {
			summaries = append(summaries, m.Summary)
		}
		if strings.Join(summaries, ",") != "Stand-up,Stand-up,Lunch,Stand-up" {
			t.Fatalf("meetings %v", summaries)
		}
		first := got.Meetings[0]
		if first.Video == nil || first.Video.WebURL != "https://addins.example.com/webapp/m/meet.alex@vc.example.com" || first.Video.SIPURI != "sip:meet.alex@vc.example.com" {
			t.Fatalf("video %+v", first.Video)
		}
		if got.Meetings[2].Video != nil {
			t.Fatalf("lunch marked as video: %+v", got.Meetings[2].Video)
		}
		if !got.FetchedAt.Equal(f.s.now()) {
			t.Fatalf("fetched at %v", got.FetchedAt)
		}
		cached, err := f.s.Upcoming()
		if err != nil || len(cached.Meetings) != 4 || cached.Stale {
			t.Fatalf("Upcoming = %+v, %v", cached, err)
		}
	})

	t.Run("a failing source keeps the last good copy, marked stale with the reason", func(t *testing.T) {
		if err := os.WriteFile(ics, []byte("this is not a calendar"), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.Refresh()
		if err != nil || !got.Stale || got.Error == "" || len(got.Meetings) != 4 || !got.FetchedAt.Equal(f.s.now()) {
			t.Fatalf("Refresh = %+v, %v", got, err)
		}
		again, _ := f.s.Upcoming()
		if !again.Stale || again.Error != got.Error {
			t.Fatalf("the failure was not recorded: %+v", again)
		}
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
	})
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{"Budget: Q3/Q4?": "Budget- Q3-Q4-", "": "meeting", "..": "meeting", "Stand-up": "Stand-up"} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}
