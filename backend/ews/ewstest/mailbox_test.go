package ewstest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

func meeting(n int) ewstest.Meeting {
	start := time.Date(2030, 6, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Hour)
	return ewstest.Meeting{UID: fmt.Sprintf("uid-%d", n), Subject: fmt.Sprintf("Meeting %d", n), Organizer: dan,
		Start: start, End: start.Add(time.Hour), TimeZone: "GMT Standard Time", BodyHTML: "<p>token</p>"}
}

func TestASyncPassCostsOneRequestWhateverTheMailboxSize(t *testing.T) {
	for _, filler := range []int{100, 100_000} {
		t.Run(fmt.Sprintf("with %d other messages", filler), func(t *testing.T) {
			s := ewstest.New(room)
			s.AddFiller(filler)
			c, _, _ := fake(t, s)
			changes, state := syncAll(t, c, ews.Inbox, "")
			if len(changes) != filler {
				t.Fatalf("initial sync gave %d changes, want %d", len(changes), filler)
			}
			if got, want := s.RequestCount("SyncFolderItems"), (filler+511)/512; got != want {
				t.Errorf("initial sync took %d pages, want %d", got, want)
			}
			s.ResetRequests()
			changes, state = syncAll(t, c, ews.Inbox, state)
			if len(changes) != 0 || s.RequestCount("SyncFolderItems") != 1 {
				t.Errorf("a pass with nothing new: %d changes in %d requests, want 0 in 1", len(changes), s.RequestCount("SyncFolderItems"))
			}
			s.SendRequest(meeting(1))
			changes, _ = syncAll(t, c, ews.Inbox, state)
			if len(changes) != 1 || s.RequestCount("SyncFolderItems") != 2 {
				t.Errorf("a pass with one new request: %d changes in %d requests in all, want 1 in 2", len(changes), s.RequestCount("SyncFolderItems"))
			}
			// A filler message is readable, MIME built on demand.
			it := getOne(t, c, changes[0].Item)
			if it.Kind != "MeetingRequest" {
				t.Errorf("kind %q", it.Kind)
			}
			s.SetRecordBodies(false)
			if _, _, err := func() ([]ews.Change, string, error) {
				r, err := c.SyncFolderItems(context.Background(), ews.Inbox, state, 1)
				return nil, "", errOr(r, err)
			}(); err != nil {
				t.Fatal(err)
			}
			s.SetRecordBodies(true)
			if filler == 100 {
				s.CheckRequests(t)
			}
		})
	}
}

func errOr(_ *ews.SyncResult, err error) error { return err }

func TestFillerMessagesAreReadableWithoutMeetingData(t *testing.T) {
	s := ewstest.New(room)
	s.AddFiller(3)
	c, _, _ := fake(t, s)
	changes, _ := syncAll(t, c, ews.Inbox, "")
	it := getOne(t, c, changes[2].Item)
	if it.Kind != "Message" || it.UID != "" || !strings.Contains(string(it.MimeContent), "Newsletter number") {
		t.Errorf("filler = %+v\n%s", it, it.MimeContent)
	}
}

func TestAnUnknownSyncStateIsRejected(t *testing.T) {
	s := ewstest.New(room)
	c, slept, _ := fake(t, s)
	_, err := c.SyncFolderItems(context.Background(), ews.Inbox, "bm90IGEgc3RhdGU=", 10)
	var ee *ews.Error
	if !errors.As(err, &ee) || ee.ResponseCode != "ErrorInvalidSyncStateData" || ews.IsTransient(err) {
		t.Fatalf("err = %v, want ErrorInvalidSyncStateData, not transient", err)
	}
	if len(*slept) != 0 {
		t.Errorf("retried an invalid state: %v", *slept)
	}
	s.CheckRequests(t)
}

func TestStateSurvivesSaveAndLoad(t *testing.T) {
	s := ewstest.New(room)
	c, _, _ := fake(t, s)
	ctx := context.Background()
	id := s.SendRequest(meeting(1))
	s.SendRequest(meeting(2))
	_, state := syncAll(t, c, ews.Inbox, "")
	if err := c.Respond(ctx, ews.Response{Kind: ews.Decline, To: id, BodyHTML: "<p>no</p>", Key: "k-1"}); err != nil {
		t.Fatal(err)
	}
	var saved bytes.Buffer
	if err := s.Save(&saved); err != nil {
		t.Fatal(err)
	}
	if _, err := ewstest.Load(bytes.NewReader(saved.Bytes()), "other@contoso.example"); err == nil {
		t.Error("loading another room's state should fail")
	}
	s2, err := ewstest.Load(bytes.NewReader(saved.Bytes()), room)
	if err != nil {
		t.Fatal(err)
	}
	c2, _, _ := fake(t, s2)
	changes, _ := syncAll(t, c2, ews.Inbox, state)
	if len(changes) != 1 || changes[0].Kind != ews.ChangeDelete || changes[0].Item.ID != id.ID {
		t.Errorf("sync from the saved state = %+v, want the declined request's deletion", changes)
	}
	if found, err := c2.FindSentByKey(ctx, "k-1"); err != nil || !found {
		t.Errorf("FindSentByKey after load = %v, %v", found, err)
	}
	if r := s2.Responses(); len(r) != 1 || r[0].Kind != ews.Decline || r[0].Key != "k-1" {
		t.Errorf("responses after load = %+v", r)
	}
	if got := s2.OrganizerItems(dan.Email); len(got) != 2 {
		t.Errorf("organizer items after load = %d, want 2", len(got))
	}
	// New ids do not collide with loaded ones.
	if id3 := s2.SendRequest(meeting(3)); id3.ID == id.ID {
		t.Error("new item reused an id")
	}
	s2.CheckRequests(t)
}

func TestUpdatingTheOrganizersMeetingNeedsTheirMailbox(t *testing.T) {
	s := ewstest.New(room)
	c, _, _ := fake(t, s)
	ctx := context.Background()
	s.SendRequest(meeting(1))
	_, state := syncAll(t, c, ews.Inbox, "")
	org := s.OrganizerItems(dan.Email)[0]

	// Impersonating the room, the organizer's item is out of reach.
	_, err := c.As(room, true).UpdateBody(ctx, org.ID, "<p>real instructions</p>", true)
	if !ews.IsAuth(err) {
		t.Errorf("update as the room: %v, want an access error", err)
	}
	as := c.As(dan.Email, true)
	newID, err := as.UpdateBody(ctx, org.ID, "<p>real instructions</p>", true)
	if err != nil {
		t.Fatal(err)
	}
	if newID.ID != org.ID.ID || newID.ChangeKey == org.ID.ChangeKey {
		t.Errorf("new id %v, old %v: the change key should change", newID, org.ID)
	}
	if got := s.OrganizerItems(dan.Email)[0]; !strings.Contains(got.Body, "real instructions") {
		t.Errorf("organizer body = %q", got.Body)
	}
	// SendToAllAndSaveCopy delivers the update to the room as a new request.
	changes, _ := syncAll(t, c, ews.Inbox, state)
	if len(changes) != 1 || changes[0].ItemKind != "MeetingRequest" {
		t.Fatalf("changes after the update = %+v", changes)
	}
	if it := getOne(t, c, changes[0].Item); !strings.Contains(it.Body, "real instructions") {
		t.Errorf("updated request body = %q", it.Body)
	}
	// An update with SendToNone tells nobody; a stale change key conflicts.
	if _, err := as.UpdateBody(ctx, newID, "<p>quiet</p>", false); err != nil {
		t.Fatal(err)
	}
	if changes, _ := syncAll(t, c, ews.Inbox, state); len(changes) != 1 {
		t.Errorf("SendToNone delivered something: %+v", changes)
	}
	_, err = as.UpdateBody(ctx, newID, "<p>stale</p>", false)
	var ee *ews.Error
	if !errors.As(err, &ee) || ee.ResponseCode != "ErrorIrresolvableConflict" {
		t.Errorf("stale change key: %v", err)
	}
	reqs := s.Requests()
	var impersonated int
	for _, r := range reqs {
		if bytes.Contains(r.Body, []byte("<t:PrimarySmtpAddress>dpark@contoso.example</t:PrimarySmtpAddress>")) && r.Header.Get("X-AnchorMailbox") == dan.Email {
			impersonated++
		}
	}
	if impersonated != 3 {
		t.Errorf("%d requests impersonated the organizer with the anchor header, want 3", impersonated)
	}
	s.CheckRequests(t)
}

func TestGetFolderAndAutodiscoverAnswer(t *testing.T) {
	s := ewstest.New(room)
	c, _, ts := fake(t, s)
	ctx := context.Background()
	s.AddFiller(5)
	f, err := c.GetFolder(ctx, ews.Inbox)
	if err != nil || f.DisplayName != "Inbox" || f.TotalCount != 5 || f.ID.ID == "" {
		t.Errorf("inbox = %+v, %v", f, err)
	}
	if f, err := c.GetFolder(ctx, ews.Calendar); err != nil || f.DisplayName != "Calendar" {
		t.Errorf("calendar = %+v, %v", f, err)
	}
	u, err := ews.Autodiscover(ctx, ts.Client(), room, []string{ts.URL + "/autodiscover/autodiscover.svc"})
	if err != nil || u != ts.URL+"/EWS/Exchange.asmx" {
		t.Errorf("autodiscover = %q, %v", u, err)
	}
	_, err = ews.Autodiscover(ctx, ts.Client(), "someone@elsewhere.example", []string{ts.URL + "/autodiscover/autodiscover.svc"})
	if err == nil || !strings.Contains(err.Error(), "InvalidUser") {
		t.Errorf("autodiscover for a foreign user: %v", err)
	}
	s.CheckRequests(t)
}

func TestUnknownOperationsAndBadRequestsGetSOAPFaults(t *testing.T) {
	s := ewstest.New(room)
	_, _, ts := fake(t, s)
	post := func(body string) (int, string) {
		res, err := ts.Client().Post(ts.URL+"/EWS/Exchange.asmx", "text/xml", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		return res.StatusCode, b.String()
	}
	code, body := post(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:DeleteFolder xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>`)
	if code != 500 || !strings.Contains(body, "<s:Fault>") || !strings.Contains(body, "ErrorInvalidRequest") {
		t.Errorf("unknown operation: %d %s", code, body)
	}
	code, body = post(`<not xml`)
	if code != 500 || !strings.Contains(body, "ErrorSchemaValidation") {
		t.Errorf("bad XML: %d %s", code, body)
	}
	res, err := ts.Client().Get(ts.URL + "/EWS/Exchange.asmx")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET = %d", res.StatusCode)
	}
}

func TestTheFakeIsSafeForConcurrentUse(t *testing.T) {
	s := ewstest.New(room)
	c, _, _ := fake(t, s)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				id := s.SendRequest(meeting(g*100 + i))
				if _, err := c.GetItems(ctx, []ews.ItemID{id}); err != nil {
					t.Error(err)
					return
				}
				if err := c.Respond(ctx, ews.Response{Kind: ews.Accept, To: id, Key: fmt.Sprintf("k-%d-%d", g, i)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		state := ""
		for range 20 {
			r, err := c.SyncFolderItems(ctx, ews.Inbox, state, 5)
			if err != nil {
				t.Error(err)
				return
			}
			state = r.SyncState
		}
	}()
	wg.Wait()
	if n := len(s.Responses()); n != 40 {
		t.Errorf("%d responses, want 40", n)
	}
}
