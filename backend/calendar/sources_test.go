package calendar

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/ical"
)

const feedICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Standup\r\nDTSTART:20300101T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// secretPath is the kind of path a published calendar link has: whoever
// knows it reads the calendar, so it must not appear in messages.
const secretPath = "/owa/calendar/abc@example.com/S3cr3tT0k3n/calendar.ics"

// feedServer serves handler over HTTPS on 127.0.0.1 and returns a feed
// for path whose client trusts (only) that server's certificate.
func feedServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, func(path string) *URLFeed) {
	t.Helper()
	ts := httptest.NewTLSServer(handler)
	t.Cleanup(ts.Close)
	return ts, func(path string) *URLFeed { return &URLFeed{URL: ts.URL + path, Client: ts.Client()} }
}

func TestURLSourceReadsAFeed(t *testing.T) {
	_, feed := feedServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != secretPath {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		fmt.Fprint(w, feedICS)
	})
	src := feed(secretPath)
	if strings.Contains(src.Name(), "S3cr3t") || !strings.HasSuffix(src.Name(), "/…") {
		t.Errorf("name %q", src.Name())
	}
	cal, err := src.Load(t.Context())
	if err != nil || len(cal.Events) != 1 || cal.Events[0].Summary != "Standup" {
		t.Fatalf("%v, %+v", err, cal)
	}
	// webcal:// is https://.
	webcal := &URLFeed{URL: strings.Replace(src.URL, "https://", "webcal://", 1), Client: src.Client}
	if cal, err := webcal.Load(t.Context()); err != nil || len(cal.Events) != 1 {
		t.Fatalf("webcal: %v", err)
	}
	if id := FeedCacheName(src.URL); strings.Contains(id, "S3cr3t") || !strings.HasPrefix(id, "url:") || id == FeedCacheName(feed("/other.ics").URL) {
		t.Errorf("source id %q", id)
	}
}

func TestURLSourceWarnsAboutPlainHTTP(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, feedICS) }))
	t.Cleanup(ts.Close)
	cal, err := URLSource(ts.URL+"/cal.ics", ts.Client()).Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(cal.Warnings) != 1 || !strings.Contains(cal.Warnings[0], "plain http") {
		t.Errorf("warnings %q", cal.Warnings)
	}
}

func TestURLSourceFailsClearlyOnBadFeeds(t *testing.T) {
	chunk := strings.Repeat("X-FILLER:"+strings.Repeat("a", 1000)+"\r\n", 64)
	_, feed := feedServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/page"):
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<!DOCTYPE html><html><body>Sign in</body></html>")
		case strings.HasSuffix(r.URL.Path, "/json"):
			fmt.Fprint(w, `{"events": []}`)
		case strings.HasSuffix(r.URL.Path, "/50mb-streamed"):
			// No Content-Length: the limit must stop the read itself.
			fmt.Fprint(w, "BEGIN:VCALENDAR\r\n")
			for sent := 0; sent < 50<<20; sent += len(chunk) {
				if _, err := fmt.Fprint(w, chunk); err != nil {
					return // the client gave up, as it should
				}
			}
		case strings.HasSuffix(r.URL.Path, "/50mb-announced"):
			w.Header().Set("Content-Length", fmt.Sprint(50<<20))
			fmt.Fprint(w, "BEGIN:VCALENDAR\r\n")
		case strings.HasSuffix(r.URL.Path, "/loop"):
			http.Redirect(w, r, strings.Replace(r.URL.Path, "/loop", "/loop2", 1), http.StatusFound)
		case strings.HasSuffix(r.URL.Path, "/loop2"):
			http.Redirect(w, r, strings.Replace(r.URL.Path, "/loop2", "/loop", 1), http.StatusFound)
		case strings.Contains(r.URL.Path, "/hop"):
			var n int
			fmt.Sscanf(r.URL.Path[strings.LastIndex(r.URL.Path, "/hop")+4:], "%d", &n)
			http.Redirect(w, r, fmt.Sprintf("%s/hop%d", r.URL.Path[:strings.LastIndex(r.URL.Path, "/hop")], n+1), http.StatusFound)
		case strings.HasSuffix(r.URL.Path, "/slow"):
			w.Header().Set("Content-Type", "text/calendar")
			fmt.Fprint(w, "BEGIN:VCALENDAR\r\n")
			w.(http.Flusher).Flush()
			select { // a feed that never finishes
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		case strings.HasSuffix(r.URL.Path, "/gone"):
			http.NotFound(w, r)
		case strings.HasSuffix(r.URL.Path, "/private"):
			w.WriteHeader(http.StatusUnauthorized)
		case strings.HasSuffix(r.URL.Path, "/broken"):
			fmt.Fprint(w, "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n")
		}
	})
	base := strings.TrimSuffix(secretPath, "/calendar.ics")
	tests := []struct {
		name, path, want string
		timeout          time.Duration
	}{
		{"a web page", "/page", "is a web page, not an iCalendar feed", 0},
		{"something else", "/json", `is not an iCalendar feed (it begins with "{\"events\": []}"`, 0},
		{"a 50 MB feed without Content-Length", "/50mb-streamed", "larger than 32 MiB", 0},
		{"a 50 MB feed that says so", "/50mb-announced", "is 50 MiB; a calendar may have at most 32 MiB", 0},
		{"redirects in a loop", "/loop", "redirects in a loop", 0},
		{"redirects without end", "/hop1", fmt.Sprintf("more than %d redirects", MaxFeedRedirects), 0},
		{"a slow feed", "/slow", "did not send the calendar within 300ms", 300 * time.Millisecond},
		{"a feed that is gone", "/gone", "answered 404 Not Found: the calendar is no longer published there", 0},
		{"a feed that needs sign-in", "/private", "answered 401 Unauthorized: the feed needs a sign-in", 0},
		{"a truncated calendar", "/broken", "looks truncated", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := feed(base + tt.path)
			src.Timeout = tt.timeout
			// No wall-clock ceiling here (a loaded machine makes any
			// ceiling flaky): a feed that is never given up on shows as
			// this test hanging until go test's own timeout.
			cal, err := src.Load(t.Context())
			if err == nil || cal != nil {
				t.Fatalf("no error: %+v", cal)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "calendar: ") {
				t.Errorf("error %q, want one containing %q", msg, tt.want)
			}
			if strings.Contains(msg, "S3cr3t") {
				t.Errorf("the error shows the feed's secret path: %q", msg)
			}
		})
	}
	t.Run("the default timeout and redirect limit", func(t *testing.T) {
		if DefaultFeedTimeout != 30*time.Second || MaxFeedRedirects != 5 {
			t.Errorf("timeout %s, redirects %d", DefaultFeedTimeout, MaxFeedRedirects)
		}
	})
}

func TestURLSourceRefusesOtherAddresses(t *testing.T) {
	for _, u := range []string{"", "calendar.ics", "ftp://example.com/cal.ics", "file:///etc/passwd"} {
		if _, err := URLSource(u, nil).Load(t.Context()); err == nil || !strings.Contains(err.Error(), "https://") {
			t.Errorf("%q: %v", u, err)
		}
	}
}

func TestURLSourceHonoursTheCallersContext(t *testing.T) {
	_, feed := feedServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := feed("/cal.ics").Load(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "cal.ics")
	os.WriteFile(good, []byte(feedICS), 0o600)
	cal, err := FileSource(good).Load(t.Context())
	if err != nil || len(cal.Events) != 1 {
		t.Fatalf("%v", err)
	}
	notICS := filepath.Join(dir, "notes.txt")
	os.WriteFile(notICS, []byte("Dear team,\nthe meeting moved.\n"), 0o600)
	if _, err := FileSource(notICS).Load(t.Context()); err == nil || !strings.Contains(err.Error(), notICS+": not an iCalendar file") {
		t.Errorf("err = %v", err)
	}
	if _, err := FileSource(filepath.Join(dir, "missing.ics")).Load(t.Context()); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("err = %v", err)
	}
	big := filepath.Join(dir, "big.ics")
	f, _ := os.Create(big)
	f.Truncate(ical.MaxInputBytes + 1)
	f.Close()
	if _, err := FileSource(big).Load(t.Context()); err == nil || !strings.Contains(err.Error(), "more than the 32 MiB") {
		t.Errorf("err = %v", err)
	}
}

// The organizer's own calendar on the fake Exchange, as the signed-in
// user would read it with delegated OAuth.
func TestEWSSourceReadsTheCalendarView(t *testing.T) {
	dan := ews.Mailbox{Name: "Dan Park", Email: "dpark@contoso.example"}
	fake := ewstest.New("vmr@contoso.example")
	ts := httptest.NewTLSServer(fake)
	t.Cleanup(ts.Close)
	first := time.Date(2030, 1, 7, 9, 30, 0, 0, mustLoad(t, "America/New_York"))
	fake.SendRequest(ewstest.Meeting{UID: "series-1", Subject: "Weekly sync", Organizer: dan, Start: first, End: first.Add(30 * time.Minute),
		TimeZone: "Eastern Standard Time", RRule: "FREQ=WEEKLY;BYDAY=MO;COUNT=4", Location: "meet.dan@vc.example.com"})
	fake.SendRequest(ewstest.Meeting{UID: "series-1", Subject: "Weekly sync (moved)", Organizer: dan, RecurrenceID: first.AddDate(0, 0, 7),
		Start: first.AddDate(0, 0, 8), End: first.AddDate(0, 0, 8).Add(30 * time.Minute), TimeZone: "Eastern Standard Time", Sequence: 1})
	fake.SendRequest(ewstest.Meeting{UID: "lunch", Subject: "Lunch", Organizer: dan, Start: first.Add(3 * time.Hour), End: first.Add(4 * time.Hour)})
	c, err := ews.New(ews.Config{URL: ts.URL + "/EWS/Exchange.asmx", HTTPClient: ts.Client(), Mailbox: dan.Email, Retry: ews.RetryPolicy{MaxAttempts: 4},
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	w := Window{From: first.Add(-time.Hour), To: first.AddDate(0, 1, 0)}
	src := &EWSCalendar{Client: c, Window: w}
	cal, err := src.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	d := &Detector{Aliases: []string{"meet.dan@vc.example.com"}}
	ms, err := Meetings(cal, w, d)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprintf("%s %s %s video=%v", m.Start.UTC().Format("01-02T15:04"), m.UID, m.Summary, m.Video != nil))
	}
	want := "01-07T14:30 series-1 Weekly sync video=true, 01-07T17:30 lunch Lunch video=false, " +
		"01-15T14:30 series-1 Weekly sync (moved) video=false, 01-21T14:30 series-1 Weekly sync video=true, 01-28T14:30 series-1 Weekly sync video=true"
	if strings.Join(got, ", ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, ", "), want)
	}
	if ms[0].Organizer != dan.Email || ms[0].RecurrenceID.IsZero() || !ms[1].RecurrenceID.IsZero() {
		t.Errorf("first %+v, second %+v", ms[0], ms[1])
	}
	if !strings.Contains(src.Name(), dan.Email) {
		t.Errorf("name %q", src.Name())
	}

	t.Run("an Exchange error is a clear error", func(t *testing.T) {
		fake.FailNext("FindItem", 1, ewstest.Failure{Code: "ErrorAccessDenied"})
		_, err := src.Load(t.Context())
		if err == nil || !strings.Contains(err.Error(), "calendar: reading the Exchange calendar of "+dan.Email) || !strings.Contains(err.Error(), "ErrorAccessDenied") {
			t.Errorf("err = %v", err)
		}
		fake.FailNext("FindItem", 4, ewstest.Failure{Status: http.StatusServiceUnavailable}) // every attempt
		if _, err := src.Load(t.Context()); err == nil || !strings.Contains(err.Error(), "503") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("the default window is today and the next 14 days", func(t *testing.T) {
		fake.ResetRequests()
		src := &EWSCalendar{Client: c, Now: func() time.Time { return first }}
		if _, err := src.Load(t.Context()); err != nil {
			t.Fatal(err)
		}
		if fake.RequestCount("FindItem") != 1 {
			t.Errorf("%d FindItem requests", fake.RequestCount("FindItem"))
		}
	})
}

// Some feeds carry their secret in the last part of the path, or in the
// query: a feed's name, as errors and the window show it, is its host.
func TestAFeedIsNamedByItsHostOnly(t *testing.T) {
	for _, raw := range []string{
		"https://cal.example.com/feed/9f8e7d6c5b4aS3cr3t",
		"https://cal.example.com/ical?token=S3cr3t",
		"https://user:S3cr3t@cal.example.com/calendar.ics",
		"webcal://cal.example.com/S3cr3t/",
	} {
		t.Run(raw, func(t *testing.T) {
			src := &URLFeed{URL: raw}
			if got := src.Name(); got != "https://cal.example.com/…" && got != "webcal://cal.example.com/…" {
				t.Errorf("name %q, want the host only", got)
			}
		})
	}
	t.Run("an error names the host only", func(t *testing.T) {
		_, feed := feedServer(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
		_, err := feed("/feed/S3cr3t").Load(t.Context())
		if err == nil || strings.Contains(err.Error(), "S3cr3t") {
			t.Fatalf("err = %v", err)
		}
	})
}
