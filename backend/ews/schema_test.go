package ews_test

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

// TestEveryRequestTheClientBuildsValidates drives every operation in every
// variant against the fake and validates all recorded requests against
// messages.xsd in one xmllint run.
func TestEveryRequestTheClientBuildsValidates(t *testing.T) {
	s := ewstest.New(room)
	ctx := context.Background()
	var clients []*ews.Client
	for _, imp := range []bool{false, true} {
		c, _, _ := newClient(t, s, func(cfg *ews.Config) { cfg.Impersonate = imp })
		clients = append(clients, c)
	}
	noMailbox, _, _ := newClient(t, s, func(cfg *ews.Config) { cfg.Mailbox = "" })
	clients = append(clients, noMailbox)
	for i, c := range clients {
		for _, folder := range []ews.FolderName{ews.Inbox, ews.Calendar, ews.SentItems, ews.DeletedItems, ews.Drafts} {
			if _, err := c.GetFolder(ctx, folder); err != nil {
				t.Fatal(err)
			}
		}
		r, err := c.SyncFolderItems(ctx, ews.Inbox, "", 512)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SyncFolderItems(ctx, ews.Inbox, r.SyncState, 1); err != nil {
			t.Fatal(err)
		}
		var ids []ews.ItemID
		for j, kind := range []ews.ResponseKind{ews.Accept, ews.Tentative, ews.Decline} {
			for _, variant := range []ews.Response{
				{Kind: kind},
				{Kind: kind, BodyHTML: `<p class="x">Body & "quotes" <b>bold</b> é</p>`},
				{Kind: kind, BodyHTML: "<p>with key</p>", Key: "key-<&>\"'"},
				{Kind: kind, Key: "key-only"},
			} {
				id := s.SendRequest(meeting(strings.Repeat("u", i+1) + string(kind) + variant.Key + variant.BodyHTML[:min(3, len(variant.BodyHTML))]))
				ids = append(ids, id)
				variant.To = id
				variant.Key += string(rune('a' + i))
				if err := c.Respond(ctx, variant); err != nil {
					t.Fatalf("respond %d %+v: %v", j, variant, err)
				}
				if found, err := c.FindSentByKey(ctx, variant.Key+"x"); err != nil || found {
					t.Fatalf("FindSentByKey: %v %v", found, err)
				}
			}
		}
		if _, err := c.GetItems(ctx, ids); err != nil {
			t.Fatal(err)
		}
		if _, err := c.FindCalendarItems(ctx, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 3, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)), 0); err != nil {
			t.Fatal(err)
		}
		org := c.As(dan.Email, i == 1)
		items := s.OrganizerItems(dan.Email)
		for k, send := range []bool{true, false} {
			if _, err := org.UpdateBody(ctx, items[k].ID, "<p>new & improved</p>", send); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := len(s.Requests()); n < 100 {
		t.Fatalf("only %d requests recorded", n)
	}
	for _, op := range []string{"GetFolder", "SyncFolderItems", "CreateItem", "UpdateItem", "FindItem", "GetItem"} {
		if s.RequestCount(op) == 0 {
			t.Errorf("no %s request was validated", op)
		}
	}
	s.CheckRequests(t)
}

// TestTheSchemaCheckRejectsInvalidRequests is the check's control: the
// fixtures validate, and an ExtendedProperty inside AcceptItem (the reason
// Respond uses two requests when it has a key) does not.
func TestTheSchemaCheckRejectsInvalidRequests(t *testing.T) {
	valid := [][]byte{fixture(t, "accept-req.xml"), fixture(t, "sync-req.xml"), fixture(t, "finditem-calview-req.xml"), fixture(t, "avail-req.xml")}
	invalid := []byte(`<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
<soap:Body><m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:AcceptItem>
<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="` + ews.ReplyKeyPropertySetID + `" PropertyName="` + ews.ReplyKeyPropertyName + `" PropertyType="String"/><t:Value>k</t:Value></t:ExtendedProperty>
<t:ReferenceItemId Id="AAAlAFVzZ"/></t:AcceptItem></m:Items></m:CreateItem></soap:Body></soap:Envelope>`)
	errs := ewstest.SchemaErrors(t, append(valid, invalid))
	for i := range valid {
		if e, ok := errs[i]; ok {
			t.Errorf("fixture request %d does not validate: %s", i, e)
		}
	}
	if e, ok := errs[len(valid)]; !ok || !strings.Contains(e, "ExtendedProperty") {
		t.Errorf("an ExtendedProperty in AcceptItem should fail the schema, got %q", e)
	}
}

// node is an element's shape: its name, attribute names and children.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
}

func shape(t *testing.T, doc []byte) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(doc)))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{name: tk.Name.Space + " " + tk.Name.Local, attrs: map[string]string{}}
			for _, a := range tk.Attr {
				if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
					n.attrs[a.Name.Local] = a.Value
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return root
}

// covers reports where ours lacks an element or attribute of the
// fixture's (skip names elements the client does not use).
func covers(fix, ours *node, path string, skip map[string]bool, values map[string]bool) []string {
	var missing []string
	for a, v := range fix.attrs {
		got, ok := ours.attrs[a]
		if !ok {
			missing = append(missing, path+"@"+a)
		} else if values[a] && got != v {
			missing = append(missing, path+"@"+a+"="+v+" (ours "+got+")")
		}
	}
	for _, fc := range fix.children {
		local := fc.name[strings.LastIndexByte(fc.name, ' ')+1:]
		if skip[local] {
			continue
		}
		var match *node
		for _, oc := range ours.children {
			if oc.name == fc.name {
				match = oc
				break
			}
		}
		if match == nil {
			missing = append(missing, path+"/"+local)
			continue
		}
		missing = append(missing, covers(fc, match, path+"/"+local, skip, values)...)
	}
	return missing
}

func body(n *node) *node {
	for _, c := range n.children {
		if strings.HasSuffix(c.name, " Body") {
			return c.children[0]
		}
	}
	return nil
}

// TestRequestsHaveTheShapeOfMicrosoftsExamples compares what the client
// sends with the documentation's requests where they overlap.
func TestRequestsHaveTheShapeOfMicrosoftsExamples(t *testing.T) {
	s, c, _ := fakeClient(t)
	ctx := context.Background()
	id := s.SendRequest(meeting("shape"))
	if err := c.Respond(ctx, ews.Response{Kind: ews.Accept, To: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SyncFolderItems(ctx, ews.SentItems, "", 100); err != nil {
		t.Fatal(err)
	}
	r, err := c.SyncFolderItems(ctx, ews.SentItems, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SyncFolderItems(ctx, ews.SentItems, r.SyncState, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FindCalendarItems(ctx, time.Now(), time.Now().Add(time.Hour), 5); err != nil {
		t.Fatal(err)
	}
	last := map[string][]byte{}
	for _, rec := range s.Requests() {
		last[rec.Operation] = rec.Body
	}
	for _, tc := range []struct {
		fixture, op string
		skip        map[string]bool
		values      map[string]bool
	}{
		{"accept-req.xml", "CreateItem", nil, map[string]bool{"MessageDisposition": true}},
		// We ask for ids only and never ignore items.
		{"sync-req.xml", "SyncFolderItems", map[string]bool{"Ignore": true, "BaseShape": true}, nil},
		// We name the calendar by its distinguished id, not a FolderId.
		{"finditem-calview-req.xml", "FindItem", map[string]bool{"FolderId": true}, map[string]bool{"Traversal": true}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			fix, ours := body(shape(t, fixture(t, tc.fixture))), body(shape(t, last[tc.op]))
			if fix == nil || ours == nil {
				t.Fatalf("no body element: fixture %v ours %v", fix, ours)
			}
			if fix.name != ours.name {
				t.Fatalf("body element %q, fixture %q", ours.name, fix.name)
			}
			if missing := covers(fix, ours, "", tc.skip, tc.values); len(missing) > 0 {
				t.Errorf("our %s lacks %v of the documentation's request:\n%s", tc.op, missing, last[tc.op])
			}
		})
	}
	s.CheckRequests(t)
}
