package account_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"vmr-companion/backend/account"
	"vmr-companion/backend/account/accounttest"
	"vmr-companion/backend/calendar"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/ical"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
	"vmr-companion/backend/store/storetest"
	"vmr-companion/backend/templates"
)

type fixture struct {
	s       *account.Service
	cfg     account.Config // what s was built from; change it with rebuild
	signIns *accounttest.SignIns
	opened  []string
	store   *store.Store
	ctx     context.Context
}

var fixedNow = accounttest.Now

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{signIns: &accounttest.SignIns{Email: "Alex.Morgan@example.com"}, ctx: context.Background()}
	f.cfg, f.store = accounttest.Config(t, f.signIns)
	f.s = account.New(f.cfg)
	return f
}

// rebuild makes the service again after a change to the fixture's config.
func (f *fixture) rebuild(change func(*account.Config)) {
	change(&f.cfg)
	f.s = account.New(f.cfg)
}

func (f *fixture) open(u string) error { f.opened = append(f.opened, u); return nil }

// addIntegration creates an integration offering personal VMRs.
func (f *fixture) addIntegration(t *testing.T, name string) string {
	t.Helper()
	values := map[string]any{}
	raw, _ := json.Marshal(integration.Defaults())
	if err := json.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{"name": name, "url": "https://mail.contoso.com/EWS/Exchange.asmx",
		"room_mailbox_email_address": "vmr@contoso.com", "username": "svc", "domains": []any{"mail.contoso.com"},
		"enable_dynamic_vmrs": false, "enable_personal_vmrs": true,
		"personal_vmr_oauth_client_id": "client-1", "personal_vmr_oauth_auth_endpoint": "https://login.example.com/authorize",
		"personal_vmr_oauth_token_endpoint": "https://login.example.com/token", "addin_server_domain": "addins.example.com"} {
		values[k] = v
	}
	raw, _ = json.Marshal(values)
	in, err := f.cfg.Integrations.DecodeNew(raw)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := f.cfg.Integrations.Create(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return saved.Integration.UUID
}

func TestSignIn(t *testing.T) {
	f := newFixture(t)

	t.Run("with no integration offering personal VMRs there is nothing to sign in to", func(t *testing.T) {
		got, err := f.s.Session(f.ctx)
		if err != nil || len(got.Integrations) != 0 || got.SignedIn || got.Integration != "" || !got.Available {
			t.Fatalf("Session = %+v, %v", got, err)
		}
	})

	uuid := f.addIntegration(t, "Contoso")
	t.Run("the only integration is chosen, and nobody is signed in yet", func(t *testing.T) {
		got, err := f.s.Session(f.ctx)
		if err != nil || got.Integration != uuid || got.SignedIn || len(got.Integrations) != 1 || got.Integrations[0].Name != "Contoso" {
			t.Fatalf("Session = %+v, %v", got, err)
		}
	})

	t.Run("an integration that does not offer personal VMRs is refused", func(t *testing.T) {
		if _, err := f.s.SignIn(f.ctx, "no-such-integration", f.open); err == nil || !strings.Contains(err.Error(), "does not offer personal VMRs") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("signing in shows the sign-in page through the given function and remembers the integration", func(t *testing.T) {
		got, err := f.s.SignIn(f.ctx, uuid, f.open)
		if err != nil || !got.SignedIn || got.Email != "Alex.Morgan@example.com" {
			t.Fatalf("SignIn = %+v, %v", got, err)
		}
		if len(f.opened) != 1 || !strings.HasPrefix(f.opened[0], "https://login.example.com/authorize") {
			t.Fatalf("opened %v", f.opened)
		}
		settings, _ := f.store.Settings().All(f.ctx)
		if settings["integration"] != uuid {
			t.Fatalf("settings = %v", settings)
		}
	})

	t.Run("signing out forgets the sign-in", func(t *testing.T) {
		if err := f.s.SignOut(f.ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.s.Session(f.ctx); got.SignedIn {
			t.Fatalf("still signed in: %+v", got)
		}
	})

	t.Run("a sign-in that no longer works is reported with its code", func(t *testing.T) {
		f.signIns.FailWith = &account.SignInError{Code: account.CodeConsentRefused, Err: errors.New("oauth: the sign-in was refused (consent not given)")}
		defer func() { f.signIns.FailWith = nil }()
		var se *account.SignInError
		if _, err := f.s.SignIn(f.ctx, uuid, f.open); !errors.As(err, &se) || se.Code != account.CodeConsentRefused {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("a build without sign-in says so", func(t *testing.T) {
		s := account.New(account.Config{Integrations: f.cfg.Integrations, Settings: f.store.Settings()})
		got, err := s.Session(f.ctx)
		if err != nil || got.Available {
			t.Fatalf("Session = %+v, %v", got, err)
		}
		var se *account.SignInError
		if _, err := s.MyVMRs(f.ctx); !errors.As(err, &se) || se.Code != account.CodeSignedOut {
			t.Fatalf("MyVMRs: %v", err)
		}
	})
}

func TestMyVMRs(t *testing.T) {
	f := newFixture(t)
	uuid := f.addIntegration(t, "Contoso")
	mine := &conference.Conference{Name: "Alex's room", PIN: "4821", GuestPIN: "7305", AllowGuests: true, PrimaryOwnerEmailAddress: "alex.morgan@example.com",
		Aliases: []conference.Alias{{Alias: "8123456"}, {Alias: "meet.alex@vc.example.com"}, {Alias: "alex"}}}
	other := &conference.Conference{Name: "Sam's room", PrimaryOwnerEmailAddress: "sam@example.com", Aliases: []conference.Alias{{Alias: "meet.sam@vc.example.com"}}}
	for _, c := range []*conference.Conference{mine, other} {
		if err := f.cfg.Conferences.Create(f.ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("before signing in the caller is told to sign in", func(t *testing.T) {
		var se *account.SignInError
		if _, err := f.s.MyVMRs(f.ctx); !errors.As(err, &se) || se.Code != account.CodeSignedOut {
			t.Fatalf("err = %v", err)
		}
	})

	if _, err := f.s.SignIn(f.ctx, uuid, f.open); err != nil {
		t.Fatal(err)
	}
	t.Run("the signed-in user's VMRs come with aliases by kind, PINs, the web link and the add-in's instructions", func(t *testing.T) {
		got, err := f.s.MyVMRs(f.ctx)
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
		in, _ := f.cfg.Integrations.Get(f.ctx, uuid)
		want, err := templates.New().Render(f.ctx, "personal_vmr_instructions_template", in.PersonalVMRInstructionsTemplate, conference.PersonalVars(mine, in))
		if err != nil || v.InstructionsHTML != want || !strings.Contains(v.InstructionsHTML, "meet.alex@vc.example.com") {
			t.Fatalf("instructions %q, want %q (%v)", v.InstructionsHTML, want, err)
		}
		if v.Name == "" {
			t.Fatal("the name template rendered nothing")
		}
	})
}

func TestPreferences(t *testing.T) {
	ics := filepath.Join(t.TempDir(), "cal.ics")
	if err := os.WriteFile(ics, []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)

	t.Run("defaults: join on the web, no reminder, no calendar", func(t *testing.T) {
		got, err := f.s.Preferences(f.ctx)
		if err != nil || *got != (account.Preferences{Join: account.JoinWeb}) {
			t.Fatalf("Preferences = %+v, %v", got, err)
		}
	})

	t.Run("every wrong field is reported at once", func(t *testing.T) {
		_, err := f.s.SetPreferences(f.ctx, account.Preferences{Join: "zoom", NotifyMinutes: 500, CalendarKind: account.CalendarURL, CalendarValue: "http://example.com/cal.ics"})
		var verr *integration.ValidationError
		if !errors.As(err, &verr) || verr.Fields["join"] == "" || verr.Fields["notify_minutes"] == "" || !strings.Contains(verr.Fields["calendar_value"], "https") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("a webcal link is kept as https, in the keychain, and shown by its host only", func(t *testing.T) {
		got, err := f.s.SetPreferences(f.ctx, account.Preferences{Join: account.JoinSIP, NotifyMinutes: 5, CalendarKind: account.CalendarURL, CalendarValue: " webcal://outlook.example.com/owa/calendar/abc/reachcalendar.ics "})
		if err != nil || got.CalendarValue != "https://outlook.example.com/…" || got.NotifyMinutes != 5 || got.Join != account.JoinSIP {
			t.Fatalf("SetPreferences = %+v, %v", got, err)
		}
		if v, err := keyring.Get(secrets.Service, account.CalendarLinkAccount); err != nil || v != "https://outlook.example.com/owa/calendar/abc/reachcalendar.ics" {
			t.Fatalf("keychain = %q, %v", v, err)
		}
		if in := storetest.FilesHolding(t, f.store.Path(), "reachcalendar"); len(in) > 0 {
			t.Fatalf("the link is in %v", in)
		}
	})

	t.Run("saving again with the link as shown keeps the stored link", func(t *testing.T) {
		got, err := f.s.SetPreferences(f.ctx, account.Preferences{Join: account.JoinWeb, CalendarKind: account.CalendarURL, CalendarValue: "https://outlook.example.com/…"})
		if err != nil || got.CalendarValue != "https://outlook.example.com/…" || got.Join != account.JoinWeb {
			t.Fatalf("SetPreferences = %+v, %v", got, err)
		}
		if v, _ := keyring.Get(secrets.Service, account.CalendarLinkAccount); v != "https://outlook.example.com/owa/calendar/abc/reachcalendar.ics" {
			t.Fatalf("keychain = %q", v)
		}
	})

	t.Run("a calendar file must exist, and choosing one forgets the link", func(t *testing.T) {
		if _, err := f.s.SetPreferences(f.ctx, account.Preferences{Join: account.JoinWeb, CalendarKind: account.CalendarFile, CalendarValue: ics + ".missing"}); err == nil {
			t.Fatal("a missing file was accepted")
		}
		got, err := f.s.SetPreferences(f.ctx, account.Preferences{Join: account.JoinWeb, CalendarKind: account.CalendarFile, CalendarValue: ics})
		if err != nil || got.CalendarValue != ics {
			t.Fatalf("SetPreferences = %+v, %v", got, err)
		}
		if _, err := keyring.Get(secrets.Service, account.CalendarLinkAccount); !errors.Is(err, keyring.ErrNotFound) {
			t.Fatalf("the link stayed in the keychain after choosing a file: %v", err)
		}
	})
}

// An install from before the keychain kept the link has it in the
// database: it moves on the first read, all or nothing.
func TestCalendarLinkOfAnEarlierVersion(t *testing.T) {
	const link = "https://outlook.office365.com/owa/calendar/9f3c@example.com/SECRET0a1b2c3d4e/calendar.ics"
	old := map[string]string{"calendar_kind": account.CalendarURL, "calendar_value": link, "join": account.JoinSIP}
	at := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)

	t.Run("the link moves to the keychain on first read and leaves no copy in the database", func(t *testing.T) {
		f := newFixture(t)
		if err := f.store.Settings().Set(f.ctx, old, at); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.Preferences(f.ctx)
		if err != nil || got.CalendarValue != "https://outlook.office365.com/…" || got.CalendarKind != account.CalendarURL || got.Join != account.JoinSIP {
			t.Fatalf("Preferences = %+v, %v", got, err)
		}
		if v, err := keyring.Get(secrets.Service, account.CalendarLinkAccount); err != nil || v != link {
			t.Fatalf("keychain = %q, %v", v, err)
		}
		if in := storetest.FilesHolding(t, f.store.Path(), "SECRET0a1b2c3d4e"); len(in) > 0 {
			t.Fatalf("the link is still in %v", in)
		}
		var read string
		f.rebuild(func(c *account.Config) {
			c.URLSource = func(raw string) calendar.Source {
				read = raw
				return calendar.FileSource(filepath.Join(t.TempDir(), "missing.ics"))
			}
		})
		f.s.Refresh(f.ctx)
		if read != link {
			t.Fatalf("the refresh read %q, want the link from the keychain", read)
		}
	})

	t.Run("with the keychain unavailable the link stays put, is not shown, and the caller is told what to do", func(t *testing.T) {
		f := newFixture(t)
		if err := f.store.Settings().Set(f.ctx, old, at); err != nil {
			t.Fatal(err)
		}
		secretstest.MockInitWithError(errors.New("the collection is locked"))
		defer secretstest.MockInit()
		got, err := f.s.Preferences(f.ctx)
		if err != nil || got.CalendarValue != "https://outlook.office365.com/…" {
			t.Fatalf("Preferences = %+v, %v", got, err)
		}
		up, err := f.s.Upcoming(f.ctx)
		if err != nil || !strings.Contains(up.Warning, "keychain") || strings.Contains(up.Warning, "SECRET0a1b2c3d4e") {
			t.Fatalf("Upcoming = %+v, %v", up, err)
		}
		empty := filepath.Join(t.TempDir(), "empty.ics")
		if err := os.WriteFile(empty, []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f.rebuild(func(c *account.Config) {
			c.URLSource = func(string) calendar.Source { return calendar.FileSource(empty) }
		})
		if up, err := f.s.Refresh(f.ctx); err != nil || !strings.Contains(up.Warning, "keychain") {
			t.Fatalf("Refresh = %+v, %v; want the keychain warning", up, err)
		}
		if all, _ := f.store.Settings().All(f.ctx); all["calendar_value"] != link {
			t.Fatalf("settings = %v, want the link kept until the keychain takes it", all)
		}
		secretstest.MockInit()
		if _, err := f.s.Preferences(f.ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := keyring.Get(secrets.Service, account.CalendarLinkAccount); !errors.Is(err, keyring.ErrNotFound) {
			t.Fatalf("the keychain was asked again at once: %v", err)
		}
		later := fixedNow.Add(account.SealRetry)
		f.s.SetClock(func() time.Time { return later })
		if _, err := f.s.Preferences(f.ctx); err != nil {
			t.Fatal(err)
		}
		if v, err := keyring.Get(secrets.Service, account.CalendarLinkAccount); err != nil || v != link {
			t.Fatalf("after the keychain came back: %q, %v", v, err)
		}
		if in := storetest.FilesHolding(t, f.store.Path(), "SECRET0a1b2c3d4e"); len(in) > 0 {
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

// writeUpcoming writes upcomingICS as a file and makes it the user's
// calendar, with an integration and a VMR of this deployment.
func writeUpcoming(t *testing.T, f *fixture) string {
	t.Helper()
	ics := filepath.Join(t.TempDir(), "cal.ics")
	if err := os.WriteFile(ics, []byte(strings.ReplaceAll(upcomingICS, "\n", "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	f.addIntegration(t, "Contoso")
	if err := f.cfg.Conferences.Create(f.ctx, &conference.Conference{Name: "Alex's room", PrimaryOwnerEmailAddress: "alex.morgan@example.com",
		Aliases: []conference.Alias{{Alias: "meet.alex@vc.example.com"}}}); err != nil {
		t.Fatal(err)
	}
	return ics
}

func TestUpcoming(t *testing.T) {
	f := newFixture(t)
	ics := writeUpcoming(t, f)

	t.Run("without a calendar source the copy is empty and refresh says what to choose", func(t *testing.T) {
		got, err := f.s.Upcoming(f.ctx)
		if err != nil || len(got.Meetings) != 0 || got.Source != "" {
			t.Fatalf("Upcoming = %+v, %v", got, err)
		}
		if _, err := f.s.Refresh(f.ctx); err == nil || !strings.Contains(err.Error(), "choose where your meetings come from") {
			t.Fatalf("Refresh err = %v", err)
		}
	})

	if _, err := f.s.SetPreferences(f.ctx, account.Preferences{Join: account.JoinWeb, CalendarKind: account.CalendarFile, CalendarValue: ics}); err != nil {
		t.Fatal(err)
	}
	t.Run("refresh expands the window, marks video meetings of this deployment and caches the copy", func(t *testing.T) {
		got, err := f.s.Refresh(f.ctx)
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
		if !got.FetchedAt.Equal(fixedNow) {
			t.Fatalf("fetched at %v", got.FetchedAt)
		}
		cached, err := f.s.Upcoming(f.ctx)
		if err != nil || len(cached.Meetings) != 4 || cached.Stale {
			t.Fatalf("Upcoming = %+v, %v", cached, err)
		}
		// The cache names of earlier versions stay valid.
		if ms, _, _, _ := f.store.Calendars().Load(f.ctx, account.CacheKey, calendar.FileCacheName(ics)); len(ms) != 4 {
			t.Fatalf("cached under another name: %d meetings", len(ms))
		}
	})

	t.Run("one meeting of the copy is found by uid and original start", func(t *testing.T) {
		up, _ := f.s.Upcoming(f.ctx)
		rid, err := account.ParseRecurrenceID(up.Meetings[1].RecurrenceID.Format(time.RFC3339))
		if err != nil {
			t.Fatal(err)
		}
		if m, err := f.s.Meeting(f.ctx, up.Meetings[1].UID, rid); err != nil || !m.Start.Equal(up.Meetings[1].Start) {
			t.Fatalf("Meeting = %+v, %v", m, err)
		}
		if _, err := f.s.Meeting(f.ctx, "gone@example.com", time.Time{}); err == nil {
			t.Fatal("an unknown meeting was found")
		}
		if _, err := account.ParseRecurrenceID("yesterday"); err == nil {
			t.Fatal("a recurrence id that is no time was accepted")
		}
	})

	t.Run("a failing source keeps the last good copy, marked stale with the reason", func(t *testing.T) {
		if err := os.WriteFile(ics, []byte("this is not a calendar"), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.Refresh(f.ctx)
		if err != nil || !got.Stale || got.Error == "" || len(got.Meetings) != 4 || !got.FetchedAt.Equal(fixedNow) {
			t.Fatalf("Refresh = %+v, %v", got, err)
		}
		again, _ := f.s.Upcoming(f.ctx)
		if !again.Stale || again.Error != got.Error {
			t.Fatalf("the failure was not recorded: %+v", again)
		}
	})

	t.Run("the Exchange calendar needs a sign-in; without one the copy is shown stale", func(t *testing.T) {
		if _, err := f.s.SetPreferences(f.ctx, account.Preferences{Join: account.JoinWeb, CalendarKind: account.CalendarEWS}); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.Refresh(f.ctx)
		if err != nil || !got.Stale || !strings.Contains(got.Error, "not signed in") {
			t.Fatalf("Refresh = %+v, %v", got, err)
		}
	})
	t.Run("a refresh cancelled by the caller gives the copy back and records nothing new", func(t *testing.T) {
		session, _ := f.s.Session(f.ctx)
		if _, err := f.s.SignIn(f.ctx, session.Integration, f.open); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		f.rebuild(func(c *account.Config) {
			c.Exchange = func(context.Context, *integration.Integration) (calendar.Source, error) {
				return cancelling{cancel}, nil
			}
		})
		before, _ := f.s.Upcoming(f.ctx)
		got, err := f.s.Refresh(ctx)
		if err != nil || !got.Stale || got.Error != before.Error {
			t.Fatalf("Refresh = %+v, %v; before %+v", got, err, before)
		}
	})
}

// cancelling is a source whose reading the caller cancels.
type cancelling struct{ cancel context.CancelFunc }

func (c cancelling) Name() string { return "cancelled" }
func (c cancelling) Load(ctx context.Context) (*ical.Calendar, error) {
	c.cancel()
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{"Budget: Q3/Q4?": "Budget- Q3-Q4-", "": "meeting", "..": "meeting", "Stand-up": "Stand-up"} {
		if got := account.FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignInErrorsAreClassified(t *testing.T) {
	for err, want := range map[error]string{oauth.ErrSignedOut: account.CodeSignedOut, oauth.ErrSignInAgain: account.CodeSignInAgain,
		fmt.Errorf("refresh: %w", oauth.ErrConsentRefused): account.CodeConsentRefused} {
		var se *account.SignInError
		if got := account.SignInErrorOf(err); !errors.As(got, &se) || se.Code != want || !errors.Is(got, err) {
			t.Errorf("account.SignInErrorOf(%v) = %v, want code %s", err, got, want)
		}
	}
	other := errors.New("network down")
	if got := account.SignInErrorOf(other); got != other {
		t.Errorf("an unclassified error changed: %v", got)
	}
	if account.SignInErrorOf(nil) != nil {
		t.Error("nil became an error")
	}
}
