package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
)

const meetingsICS = `BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:weekly-1
SUMMARY:Weekly sync
LOCATION:sip:meet.alice@vc.example.com
ORGANIZER;CN=Dan Park:mailto:dpark@example.com
DTSTART;TZID=W. Europe Standard Time:20300107T093000
DTEND;TZID=W. Europe Standard Time:20300107T100000
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3
END:VEVENT
BEGIN:VEVENT
UID:weekly-1
RECURRENCE-ID;TZID=W. Europe Standard Time:20300114T093000
SUMMARY:Weekly sync
STATUS:CANCELLED
DTSTART;TZID=W. Europe Standard Time:20300114T093000
END:VEVENT
BEGIN:VEVENT
UID:lunch-1
SUMMARY:Lunch
LOCATION:Canteen
DTSTART:20300110T110000Z
DTEND:20300110T120000Z
END:VEVENT
BEGIN:VEVENT
UID:offsite-1
SUMMARY:Offsite
DTSTART;VALUE=DATE:20300116
DTEND;VALUE=DATE:20300117
END:VEVENT
END:VCALENDAR
`

func TestMeetingsCommand(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	in := integration.Defaults()
	in.Name, in.URL, in.Username = "Contoso", "https://mail.contoso.com/EWS/Exchange.asmx", "svc"
	mailbox := "vmr@contoso.com"
	in.RoomMailboxEmailAddress, in.AddinServerDomain = &mailbox, "addins.contoso.com"
	if err := st.Integrations().Create(ctx, []*integration.Integration{in}); err != nil {
		t.Fatal(err)
	}
	if err := st.Conferences().Create(ctx, []*conference.Conference{{Name: "Alice", Aliases: []conference.Alias{{Alias: "meet.alice@vc.example.com"}}}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	file := filepath.Join(t.TempDir(), "cal.ics")
	os.WriteFile(file, []byte(strings.ReplaceAll(meetingsICS, "\n", "\r\n")), 0o600)

	t.Run("--json lists every occurrence in UTC with the video meetings marked", func(t *testing.T) {
		code, out, errOut := run(t, dir, "", "meetings", "--ics", file, "--from", "2030-01-01", "--days", "31", "--json")
		if code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		var got []map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		var rows []string
		for _, m := range got {
			rows = append(rows, fmt.Sprintf("%v|%v|%v|%v|%v|%v|%v", m["uid"], m["recurrence_id"], m["summary"], m["start"], m["end"], m["all_day"], m["video_meeting"]))
		}
		want := []string{
			"weekly-1|2030-01-07T08:30:00Z|Weekly sync|2030-01-07T08:30:00Z|2030-01-07T09:00:00Z|false|true",
			"lunch-1|<nil>|Lunch|2030-01-10T11:00:00Z|2030-01-10T12:00:00Z|false|false",
			"offsite-1|<nil>|Offsite|2030-01-16T00:00:00Z|2030-01-17T00:00:00Z|true|false",
			"weekly-1|2030-01-21T08:30:00Z|Weekly sync|2030-01-21T08:30:00Z|2030-01-21T09:00:00Z|false|true",
		}
		if !slices.Equal(rows, want) {
			t.Errorf("meetings (uid|recurrence|summary|start|end|all day|video):\n%s", strings.Join(rows, "\n"))
		}
		video, _ := got[0]["video"].(map[string]any)
		if video["web_url"] != "https://addins.contoso.com/webapp/m/meet.alice@vc.example.com" || got[0]["organizer"] != "dpark@example.com" {
			t.Errorf("first meeting %v", got[0])
		}
	})

	t.Run("the table shows the join link", func(t *testing.T) {
		code, out, errOut := run(t, dir, "", "meetings", "--ics", file, "--from", "2030-01-07", "--days", "1")
		if code != 0 || !strings.Contains(out, "2030-01-07T08:30:00Z") || !strings.Contains(out, "https://addins.contoso.com/webapp/m/meet.alice@vc.example.com") ||
			strings.Contains(out, "Lunch") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
		_, out, _ = run(t, dir, "", "meetings", "--ics", file, "--from", "2031-01-01", "--days", "3")
		if !strings.Contains(out, "No meetings from 2031-01-01 to 2031-01-03.") {
			t.Errorf("%s", out)
		}
	})

	t.Run("a feed over plain http is read with a warning", func(t *testing.T) {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, meetingsICS) }))
		defer ts.Close()
		code, out, errOut := run(t, dir, "", "meetings", "--ics", ts.URL+"/cal.ics", "--from", "2030-01-10", "--days", "1")
		if code != 0 || !strings.Contains(out, "Lunch") || !strings.Contains(errOut, "warning: the feed http://127.0.0.1") {
			t.Errorf("code %d: %s %s", code, out, errOut)
		}
	})

	t.Run("bad input says what is wrong", func(t *testing.T) {
		notICS := filepath.Join(t.TempDir(), "notes.txt")
		os.WriteFile(notICS, []byte("hello"), 0o600)
		for _, tt := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"meetings"}, 2, "give the calendar: --ics"},
			{[]string{"meetings", "--ics", file, "--days", "0"}, 2, "--days 0 is out of range"},
			{[]string{"meetings", "--ics", file, "--from", "31.01.2030"}, 2, `--from "31.01.2030" is not a date`},
			{[]string{"meetings", "--ics", notICS}, 1, "not an iCalendar file"},
			{[]string{"meetings", "--ics", "ftp://example.com/cal.ics"}, 1, ""},
		} {
			code, _, errOut := run(t, dir, "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("%v: code %d: %s", tt.args, code, errOut)
			}
		}
	})
}

func TestMeetingsWindow(t *testing.T) {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	w, err := meetingsWindow("", 15, time.Date(2030, 4, 9, 22, 30, 0, 0, time.UTC), oslo) // 00:30 on the 10th in Oslo
	if err != nil || w.From.Format(time.RFC3339) != "2030-04-10T00:00:00+02:00" || w.To.Format(time.RFC3339) != "2030-04-25T00:00:00+02:00" {
		t.Errorf("%v %v", w, err)
	}
}
