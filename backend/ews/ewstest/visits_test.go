package ewstest_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

// TestVisitsNameTheInstanceAndThePass: each request is journaled with the
// instance its User-Agent names, its pass and the mailbox it acts in, in
// order; a pass id that could forge a header is never sent.
func TestVisitsNameTheInstanceAndThePass(t *testing.T) {
	s := ewstest.New(room)
	ts := httptest.NewTLSServer(s)
	t.Cleanup(ts.Close)
	ua := ews.InstanceUserAgent("vmr-companion/test", "node-1.example\r\n(x); y", 4242)
	if ua != "vmr-companion/test (node-1.examplexy; pid 4242)" {
		t.Fatalf("user agent %q", ua)
	}
	c, err := ews.New(ews.Config{URL: ts.URL + "/EWS/Exchange.asmx", HTTPClient: ts.Client(), Mailbox: room, UserAgent: ua})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	if _, err := c.GetFolder(ews.WithPass(ctx, "pass-1"), ews.Inbox); err != nil {
		t.Fatal(err)
	}
	if _, err := c.As(dan.Email, true).FindCalendarItems(ews.WithPass(ctx, "pass-2"), start, start.Add(time.Hour), 10); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetFolder(ews.WithPass(ctx, "evil\r\nX-Injected: 1"), ews.Inbox); err != nil {
		t.Fatal(err)
	}
	v := s.Visits()
	want := []ewstest.Visit{
		{Seq: 1, Operation: "GetFolder", Mailbox: room, Host: "node-1.examplexy", PID: 4242, Pass: "pass-1"},
		{Seq: 2, Operation: "FindItem", Mailbox: dan.Email, Host: "node-1.examplexy", PID: 4242, Pass: "pass-2"},
		{Seq: 3, Operation: "GetFolder", Mailbox: room, Host: "node-1.examplexy", PID: 4242},
	}
	if len(v) != len(want) {
		t.Fatalf("visits %+v", v)
	}
	for i := range want {
		if v[i] != want[i] {
			t.Errorf("visit %d: %+v, want %+v", i, v[i], want[i])
		}
	}
	if h := s.Requests()[2].Header; h.Get(ews.PassHeader) != "" || h.Get("X-Injected") != "" {
		t.Errorf("a bad pass id was sent: %v", h)
	}
	s.ResetRequests()
	if len(s.Visits()) != 0 {
		t.Error("ResetRequests kept the visits")
	}
}
