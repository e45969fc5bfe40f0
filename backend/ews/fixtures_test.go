package ews_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews"
)

// serve answers every request with the fixture body and status.
func serve(body []byte, status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(status)
		w.Write(body)
	})
}

func TestMicrosoftsExampleResponsesParse(t *testing.T) {
	ctx := context.Background()
	t.Run("sync-resp.xml gives the meeting request's creation", func(t *testing.T) {
		c, _, _ := newClient(t, serve(fixture(t, "sync-resp.xml"), 200), nil)
		r, err := c.SyncFolderItems(ctx, ews.Inbox, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		want := ews.Change{Kind: ews.ChangeCreate, Item: ews.ItemID{ID: "AQApAHRwA==", ChangeKey: "CwAAABYA"}, ItemKind: "MeetingRequest"}
		if r.SyncState != "H4sIAAAAA=" || !r.IncludesLastItem || len(r.Changes) != 1 || r.Changes[0] != want {
			t.Errorf("sync = %+v", r)
		}
	})
	t.Run("finditem-calview-resp.xml gives five appointments", func(t *testing.T) {
		c, _, _ := newClient(t, serve(fixture(t, "finditem-calview-resp.xml"), 200), nil)
		items, err := c.FindCalendarItems(ctx, time.Date(2013, 8, 21, 0, 0, 0, 0, time.UTC), time.Date(2013, 9, 21, 0, 0, 0, 0, time.UTC), 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 5 || items[0].Subject != "Contoso devs team meeting" || !items[0].Start.Equal(time.Date(2013, 8, 21, 19, 30, 0, 0, time.UTC)) ||
			items[4].ID.ID != "AAMkA" || items[4].Kind != "CalendarItem" {
			t.Errorf("items = %+v", items)
		}
	})
	t.Run("getitem-mime-resp.not-well-formed.xml is a clear ErrMalformed", func(t *testing.T) {
		c, sl, _ := newClient(t, serve(fixture(t, "getitem-mime-resp.not-well-formed.xml"), 200), nil)
		_, err := c.GetItems(ctx, []ews.ItemID{{ID: "AAAlAFVz"}})
		if !errors.Is(err, ews.ErrMalformed) {
			t.Fatalf("err = %v, want ErrMalformed", err)
		}
		for _, want := range []string{"GetItem", "not well-formed XML at line", "EWS endpoint"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if ews.IsTransient(err) || ews.IsAuth(err) || len(sl.all()) != 0 {
			t.Errorf("a malformed answer is neither transient nor auth, and not retried: %v, sleeps %v", err, sl.all())
		}
	})
	t.Run("avail-resp.xml is a valid envelope with no message the client wants", func(t *testing.T) {
		c, _, _ := newClient(t, serve(fixture(t, "avail-resp.xml"), 200), nil)
		_, err := c.GetFolder(ctx, ews.Inbox)
		if !errors.Is(err, ews.ErrMalformed) || !strings.Contains(err.Error(), "no response message") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestAnswersThatAreNotSOAPAreExplained(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		body   string
		status int
		check  func(error) bool
		want   string
	}{
		{"an HTML page", "<html><body>Sign in</body></html>", 200, func(err error) bool { return errors.Is(err, ews.ErrMalformed) }, "<html>, not a SOAP envelope"},
		{"a truncated envelope", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>`, 200, func(err error) bool { return errors.Is(err, ews.ErrMalformed) }, "ews"},
		{"a 404", "Not Found", 404, func(err error) bool {
			var he *ews.HTTPError
			return errors.As(err, &he) && he.Status == 404 && he.Body == "Not Found"
		}, "/EWS/Exchange.asmx"},
		{"a 500 HTML page", "<html>oops", 500, func(err error) bool { var he *ews.HTTPError; return errors.As(err, &he) && ews.IsTransient(err) }, "HTTP 500"},
		{"a 403", "denied", 403, ews.IsAuth, "permissions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := newClient(t, serve([]byte(tc.body), tc.status), func(cfg *ews.Config) { cfg.Retry.MaxAttempts = 1 })
			_, err := c.GetFolder(ctx, ews.Inbox)
			if err == nil || !tc.check(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestAFaultWithoutDetailStillNamesItsCode(t *testing.T) {
	fault := `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorSchemaValidation</faultcode><faultstring>The request failed schema validation.</faultstring></s:Fault></s:Body></s:Envelope>`
	c, _, _ := newClient(t, serve([]byte(fault), 500), nil)
	_, err := c.GetFolder(context.Background(), ews.Inbox)
	var ee *ews.Error
	if !errors.As(err, &ee) || ee.ResponseCode != "ErrorSchemaValidation" || ee.ResponseClass != "Fault" || !strings.Contains(ee.MessageText, "schema validation") {
		t.Errorf("err = %#v", err)
	}
}
