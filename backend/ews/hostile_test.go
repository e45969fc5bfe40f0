package ews_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

// hostile holds what XML 1.0 forbids: control characters, U+FFFE, U+FFFF,
// invalid UTF-8 and an encoded surrogate, around ordinary text.
const hostile = "a\x00b\x01\x0b\x1f\ufffe\uffff\xff\xfe\xed\xa0\x80c & < > \" ' \r\n\t é 𝄞 \ufffd z"

func TestHostileValuesStillMakeValidRequests(t *testing.T) {
	s, c, _ := fakeClient(t)
	ctx := context.Background()
	id := s.SendRequest(meeting("hostile"))
	if err := c.Respond(ctx, ews.Response{Kind: ews.Decline, To: id, BodyHTML: "<p>" + hostile + "</p>", Key: "key-" + hostile}); err != nil {
		t.Fatalf("Respond: %v", err)
	}
	if _, err := c.FindSentByKey(ctx, hostile); err != nil {
		t.Fatalf("FindSentByKey: %v", err)
	}
	items := s.OrganizerItems(dan.Email)
	if _, err := c.As(dan.Email, true).UpdateBody(ctx, items[0].ID, hostile, false); err != nil {
		t.Fatalf("UpdateBody: %v", err)
	}
	// Ids and sync states come from Exchange, but are written back: a
	// broken one must still make a well-formed request (which may fail).
	c.GetItems(ctx, []ews.ItemID{{ID: hostile, ChangeKey: hostile}})
	if _, err := c.GetRecurringMaster(ctx, ews.ItemID{ID: hostile, ChangeKey: hostile}); !ews.IsNotFound(err) {
		t.Errorf("the series of a broken occurrence id: %v, want not found", err)
	}
	c.SyncFolderItems(ctx, ews.Inbox, hostile, 10)

	for _, r := range s.Requests() {
		if strings.Contains(string(r.Body), "\ufffe") || strings.Contains(string(r.Body), "\xff") || strings.Contains(string(r.Body), "\x01") {
			t.Errorf("%s request carries a character XML forbids", r.Operation)
		}
	}
	// Every request validates against Microsoft's schema (xmllint).
	s.CheckRequests(t)
	if rs := s.Responses(); len(rs) != 1 || !strings.Contains(rs[0].BodyHTML, "é 𝄞 \ufffd z") || !strings.Contains(rs[0].BodyHTML, "abc & < >") {
		t.Fatalf("the answer lost its ordinary text: %+v", rs)
	}
}

func TestAddressesFromMessagesNeverReachAHeaderUnchecked(t *testing.T) {
	s, c, _ := fakeClient(t)
	ctx := context.Background()
	s.SendRequest(meeting("addr"))
	bad := []string{
		"dpark@contoso.example\r\nX-Injected: yes",
		"dpark@contoso.example\nX-Injected: yes",
		"Dan Park <dpark@contoso.example>",
		"not an address",
		strings.Repeat("d", 250) + "@contoso.example",
		"dpark@contoso.example\x00",
		"\xffdpark@contoso.example",
		"dpark@contoso.example, mallory@contoso.example",
	}
	for _, addr := range bad {
		before := len(s.Requests())
		org := c.As(addr, true)
		_, err := org.FindCalendarItems(ctx, meeting("x").Start.Add(-1), meeting("x").End, 10)
		if !errors.Is(err, ews.ErrInvalidAddress) || !strings.Contains(err.Error(), "not sent") || strings.ContainsAny(err.Error(), "\r\n") {
			t.Errorf("As(%q): err = %v, want ErrInvalidAddress on one line", addr, err)
		}
		if n := len(s.Requests()); n != before {
			t.Errorf("As(%q): %d requests were sent", addr, n-before)
		}
		if _, err := ews.New(ews.Config{URL: "https://exchange.contoso.example/EWS/Exchange.asmx", Mailbox: addr}); !errors.Is(err, ews.ErrInvalidAddress) {
			t.Errorf("New with mailbox %q: err = %v", addr, err)
		}
	}
	// A good address works, and only it reaches the headers.
	if _, err := c.As(dan.Email, true).FindCalendarItems(ctx, meeting("x").Start.Add(-1), meeting("x").End, 10); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Requests() {
		if a := r.Header.Get("X-AnchorMailbox"); a != room && a != dan.Email {
			t.Errorf("X-AnchorMailbox %q", a)
		}
		if len(r.Header.Values("X-Injected")) > 0 {
			t.Error("a header was injected")
		}
	}
}

func TestOversizeItemsAreReadOneAtATime(t *testing.T) {
	s, c, _ := fakeClient(t)
	ctx := context.Background()
	var ids []ews.ItemID
	for i, size := range []int{20 << 10, 300 << 10, 20 << 10, 20 << 10} {
		m := meeting("big-" + string(rune('a'+i)))
		m.BodyHTML = "<p>" + strings.Repeat("attachment ", size/11) + "</p>"
		ids = append(ids, s.SendRequest(m))
	}
	defer ews.SetMaxResponseBytes(200 << 10)()
	s.ResetRequests()
	res, err := c.GetItems(ctx, ids)
	if err != nil {
		t.Fatalf("GetItems failed the page: %v", err)
	}
	if len(res) != len(ids) {
		t.Fatalf("%d results for %d ids", len(res), len(ids))
	}
	for i, r := range res {
		if i == 1 {
			if r.Err == nil || !errors.Is(r.Err, ews.ErrTooLarge) || !strings.Contains(r.Err.Error(), "skipped") {
				t.Fatalf("the oversize item: %+v", r)
			}
			continue
		}
		if r.Err != nil || r.Item == nil || r.Item.ID.ID != ids[i].ID || len(r.Item.MimeContent) == 0 {
			t.Fatalf("item %d: %+v", i, r)
		}
	}
	if n := s.RequestCount("GetItem"); n != 1+len(ids) {
		t.Fatalf("%d GetItem requests, want the batch and then one per item", n)
	}
}

// The fake Exchange records every request, so the checks above see what
// was sent; ewstest's own schema check is the control for CheckRequests.
var _ = ewstest.SchemaErrors
