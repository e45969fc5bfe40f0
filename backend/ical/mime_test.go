package ical

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parseMIMEFile(t testing.TB, name string) *Calendar {
	t.Helper()
	cal, err := ParseMIME(readTestdata(t, name), ParseOptions{})
	if err != nil {
		t.Fatalf("ParseMIME(%s): %v", name, err)
	}
	return cal
}

func TestParseMIMEReadsOutlookMeetingRequests(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	tests := []struct {
		name, file  string
		method      string
		events      int
		summary     string
		start, end  time.Time
		allDay      bool
		status      string
		organizer   Person
		sentBy      string
		attendees   []string
		description string // a substring
	}{
		{
			name: "a single meeting in W. Europe Standard Time, base64, after text and HTML parts", file: "outlook_single_w_europe.eml",
			method: "REQUEST", events: 1, summary: "Quarterly review",
			start: time.Date(2025, 3, 20, 10, 0, 0, 0, berlin), end: time.Date(2025, 3, 20, 11, 30, 0, 0, berlin),
			status: "CONFIRMED", organizer: Person{"Alice Example", "alice@example.com"},
			attendees:   []string{"bob@example.com", "vmr-rooms@example.com"},
			description: "VMR token: 6f1c2a9e-0b7d-4c1e-9f3a-2d5e8b7a1c40\n",
		},
		{
			name: "a weekly series with an override, quoted-printable inside multipart/mixed", file: "outlook_weekly_series.eml",
			method: "REQUEST", events: 2, summary: "Weekly sync",
			start: time.Date(2025, 3, 3, 10, 0, 0, 0, berlin), end: time.Date(2025, 3, 3, 10, 30, 0, 0, berlin),
			status: "CONFIRMED", organizer: Person{"Alice Example", "alice@example.com"},
			attendees:   []string{"bob@example.com", "vmr-rooms@example.com"},
			description: "Weekly sync — über alles, every Monday",
		},
		{
			name: "an all-day meeting as a single text/calendar body", file: "outlook_all_day.eml",
			method: "REQUEST", events: 1, summary: "Offsite day",
			start: time.Date(2025, 6, 12, 0, 0, 0, 0, time.UTC), end: time.Date(2025, 6, 14, 0, 0, 0, 0, time.UTC),
			allDay: true, status: "CONFIRMED", organizer: Person{"Alice Example", "alice@example.com"},
			attendees: []string{"vmr-rooms@example.com"},
		},
		{
			name: "a cancelled occurrence in Windows-1252, after an HTML part", file: "outlook_cancel_occurrence.eml",
			method: "CANCEL", events: 1, summary: "Abgesagt: Weekly sync in Zürich",
			start: time.Date(2025, 3, 31, 10, 0, 0, 0, berlin), end: time.Date(2025, 3, 31, 10, 30, 0, 0, berlin),
			status: "CANCELLED", organizer: Person{"Alice Example", "alice@example.com"},
			attendees: []string{"vmr-rooms@example.com"},
		},
		{
			name: "a request a delegate sent for the organizer", file: "outlook_delegate.eml",
			method: "REQUEST", events: 1, summary: "Board call",
			start: time.Date(2025, 10, 27, 9, 0, 0, 0, berlin), end: time.Date(2025, 10, 27, 10, 0, 0, 0, berlin),
			status: "CONFIRMED", organizer: Person{"Carol Chief", "carol.chief@example.com"}, sentBy: "dave.assistant@example.com",
			attendees: []string{"eve@example.org", "vmr-rooms@example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal := parseMIMEFile(t, tt.file)
			if len(cal.Warnings) > 0 {
				t.Errorf("warnings: %q", cal.Warnings)
			}
			if cal.Method != tt.method || len(cal.Events) != tt.events {
				t.Fatalf("method %q with %d events, want %q with %d", cal.Method, len(cal.Events), tt.method, tt.events)
			}
			e := cal.Events[0]
			if e.Summary != tt.summary || e.Status != tt.status || e.AllDay != tt.allDay {
				t.Errorf("summary %q status %q all-day %v, want %q %q %v", e.Summary, e.Status, e.AllDay, tt.summary, tt.status, tt.allDay)
			}
			if !e.Start.Equal(tt.start) || !e.End.Equal(tt.end) {
				t.Errorf("%s – %s, want %s – %s", e.Start, e.End, tt.start, tt.end)
			}
			if e.Organizer != tt.organizer || e.SentBy != tt.sentBy {
				t.Errorf("organizer %+v sent by %q, want %+v %q", e.Organizer, e.SentBy, tt.organizer, tt.sentBy)
			}
			var emails []string
			for _, a := range e.Attendees {
				emails = append(emails, a.Email)
			}
			if strings.Join(emails, ",") != strings.Join(tt.attendees, ",") {
				t.Errorf("attendees %q, want %q", emails, tt.attendees)
			}
			if !strings.Contains(e.Description, tt.description) {
				t.Errorf("description %q lacks %q", e.Description, tt.description)
			}
			if !strings.HasPrefix(e.UID, "040000008200E00074C5B7101A82E008") {
				t.Errorf("UID %q is not the unfolded Outlook GOID", e.UID)
			}
		})
	}
}

func TestParseMIMEKeepsTheWindowsZoneDaylightSavingTime(t *testing.T) {
	e := parseMIMEFile(t, "outlook_single_w_europe.eml").Events[0]
	if name, offset := e.Start.Zone(); offset != 3600 {
		t.Errorf("20 March 10:00 in W. Europe Standard Time has offset %d (%s), want +1h", offset, name)
	}
	if e.Zone.String() != "Europe/Berlin" || e.Floating {
		t.Errorf("zone %s floating %v, want Europe/Berlin (CLDR) and not floating", e.Zone, e.Floating)
	}
}

func TestParseMIMEDelegateAttendeeNameWithFoldedQuotedComma(t *testing.T) {
	e := parseMIMEFile(t, "outlook_delegate.eml").Events[0]
	if got := e.Attendees[0].Name; got != "Eve, Board Member" {
		t.Errorf("attendee name %q, want %q", got, "Eve, Board Member")
	}
}

func TestParseMIMEWithoutCalendarPart(t *testing.T) {
	for name, raw := range map[string][]byte{
		"an ordinary email":      readTestdata(t, "plain_email.eml"),
		"text that is not email": []byte("hello"),
		"nothing":                nil,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseMIME(raw, ParseOptions{})
			if !errors.Is(err, ErrNoCalendarPart) {
				t.Fatalf("err = %v, want ErrNoCalendarPart", err)
			}
			if !strings.Contains(err.Error(), "the message has no text/calendar part") {
				t.Errorf("message %q does not say what is missing", err)
			}
		})
	}
}

func TestParseMIMEAcceptsBareICalendar(t *testing.T) {
	raw := "\xef\xbb\xbfBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20250101T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := ParseMIME([]byte(raw), ParseOptions{})
	if err != nil || len(cal.Events) != 1 || cal.Method != "REQUEST" {
		t.Fatalf("cal %+v, err %v", cal, err)
	}
}

func TestParseMIMEPrefersTheCalendarPartOverAnICSAttachment(t *testing.T) {
	raw := strings.ReplaceAll(`MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: application/ics; name="invite.ics"
Content-Transfer-Encoding: base64

QkVHSU46VkNBTEVOREFSCkJFR0lOOlZFVkVOVApVSUQ6YXR0YWNobWVudApEVFNUQVJUOjIwMjUw
MTAxVDEwMDAwMFoKRU5EOlZFVkVOVApFTkQ6VkNBTEVOREFSCg==
--b1
Content-Type: text/calendar; method=REQUEST

BEGIN:VCALENDAR
BEGIN:VEVENT
UID:calendar-part
DTSTART:20250101T100000Z
END:VEVENT
END:VCALENDAR
--b1--
`, "\n", "\r\n")
	cal, err := ParseMIME([]byte(raw), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cal.Events[0].UID != "calendar-part" {
		t.Errorf("UID %q, want the text/calendar part's", cal.Events[0].UID)
	}
	// Without the text/calendar part, the attachment is used.
	cut := raw[:strings.Index(raw, "--b1\r\nContent-Type: text/calendar")] + "--b1--\r\n"
	cal, err = ParseMIME([]byte(cut), ParseOptions{})
	if err != nil || cal.Events[0].UID != "attachment" {
		t.Fatalf("cal %+v err %v, want the application/ics attachment", cal, err)
	}
}
