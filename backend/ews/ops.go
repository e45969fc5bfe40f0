package ews

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// The extended property holding a reply's idempotency key: a property set
// GUID of our own (generated once for VMR Companion, never changed) and a
// string-named property, the way PublicStrings-style named properties work.
const (
	ReplyKeyPropertySetID = "6f1b7c3e-52a4-4d1e-9c0b-8e2f4a6d9b17"
	ReplyKeyPropertyName  = "VMRCompanionReplyKey"
)

const replyKeyURI = `<t:ExtendedFieldURI PropertySetId="` + ReplyKeyPropertySetID + `" PropertyName="` + ReplyKeyPropertyName + `" PropertyType="String"/>`

// MaxSyncChanges is the largest page SyncFolderItems allows.
const MaxSyncChanges = 512

// getItemsBatch bounds one GetItem request, keeping answers (with MIME) small.
const getItemsBatch = 100

// SyncFolderItems returns the changes in folder since syncState ("" for
// everything), at most maxChanges (1..512) of them, as ids only.
func (c *Client) SyncFolderItems(ctx context.Context, folder FolderName, syncState string, maxChanges int) (*SyncResult, error) {
	const op = "SyncFolderItems"
	if maxChanges < 1 || maxChanges > MaxSyncChanges {
		return nil, fmt.Errorf("ews: %s: maxChanges %d is out of range; use 1 to %d", op, maxChanges, MaxSyncChanges)
	}
	body := c.envelope(func(b *bytes.Buffer) {
		b.WriteString(`<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId>`)
		c.writeFolder(b, folder)
		b.WriteString(`</m:SyncFolderId>`)
		if syncState != "" {
			b.WriteString(`<m:SyncState>`)
			xmlEscape(b, syncState)
			b.WriteString(`</m:SyncState>`)
		}
		b.WriteString(`<m:MaxChangesReturned>`)
		b.WriteString(strconv.Itoa(maxChanges))
		b.WriteString(`</m:MaxChangesReturned></m:SyncFolderItems>`)
	})
	resp, err := c.call(ctx, op, true, body, checkAll(op))
	if err != nil {
		return nil, err
	}
	return syncResult(&resp.Messages.List[0]), nil
}

func syncResult(m *wireMessage) *SyncResult {
	r := &SyncResult{SyncState: m.SyncState, IncludesLastItem: m.IncludesLastItem, Changes: make([]Change, 0, len(m.Changes.List))}
	for _, wc := range m.Changes.List {
		var ch Change
		switch wc.XMLName.Local {
		case "Create":
			ch.Kind = ChangeCreate
		case "Update":
			ch.Kind = ChangeUpdate
		case "Delete":
			ch.Kind = ChangeDelete
		case "ReadFlagChange":
			ch.Kind = ChangeReadFlag
		default:
			continue
		}
		ch.Item = wc.ItemID.itemID()
		for _, it := range wc.Items {
			if it.ItemID.ID != "" {
				ch.Item, ch.ItemKind = it.ItemID.itemID(), it.XMLName.Local
				break
			}
		}
		if ch.Item.ID != "" {
			r.Changes = append(r.Changes, ch)
		}
	}
	return r
}

// getItemShape asks for everything the scheduler reads: all properties,
// the MIME (its text/calendar part), the body as HTML, and the iCalendar
// UID and RECURRENCE-ID, which AllProperties leaves out on some versions.
const getItemShape = `<m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent><t:BodyType>HTML</t:BodyType>` +
	`<t:AdditionalProperties><t:FieldURI FieldURI="calendar:UID"/><t:FieldURI FieldURI="calendar:RecurrenceId"/></t:AdditionalProperties></m:ItemShape>`

// GetItems reads items with their MIME content. The answer has one result
// per id, in order; one item may be gone while the others are read.
//
// When a batch's answer would pass the response size limit (items with
// large attachments), its items are read one at a time instead, and an item
// too large on its own comes back as that item's error (ErrTooLarge), so
// one such message never stops the others.
func (c *Client) GetItems(ctx context.Context, ids []ItemID) ([]ItemResult, error) {
	out := make([]ItemResult, 0, len(ids))
	for start := 0; start < len(ids); start += getItemsBatch {
		batch := ids[start:min(start+getItemsBatch, len(ids))]
		res, err := c.getItems(ctx, batch)
		if errors.Is(err, ErrTooLarge) {
			res, err = c.getItemsOneByOne(ctx, batch)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	return out, nil
}

func (c *Client) getItemsOneByOne(ctx context.Context, ids []ItemID) ([]ItemResult, error) {
	out := make([]ItemResult, 0, len(ids))
	for _, id := range ids {
		res, err := c.getItems(ctx, []ItemID{id})
		switch {
		case errors.Is(err, ErrTooLarge):
			out = append(out, ItemResult{Err: fmt.Errorf("ews: GetItem: the item %s with its MIME content is larger than %d bytes, "+
				"more than this client reads; it is skipped (remove the message, or its attachments, from the mailbox): %w",
				shortID(id.ID), maxResponseBytes, ErrTooLarge)})
		case err != nil:
			return nil, err
		default:
			out = append(out, res...)
		}
	}
	return out, nil
}

// shortID shortens an item id (some 150 characters) for a message.
func shortID(id string) string {
	if len(id) > 24 {
		return id[:12] + "…" + id[len(id)-8:]
	}
	return id
}

// GetRecurringMaster reads the series an occurrence or exception belongs to
// (GetItem with a RecurringMasterItemId), given the occurrence's id from a
// calendar view. A calendar view lists occurrences, never the series; a
// change meant for the whole series must go to the master this returns.
func (c *Client) GetRecurringMaster(ctx context.Context, occurrence ItemID) (*Item, error) {
	if occurrence.ID == "" {
		return nil, fmt.Errorf("ews: get recurring master: the occurrence's item id is missing")
	}
	res, err := c.getItemsAs(ctx, "RecurringMasterItemId", []ItemID{occurrence})
	if err != nil {
		return nil, err
	}
	if res[0].Err != nil {
		return nil, res[0].Err
	}
	if t := res[0].Item.CalendarItemType; t != "RecurringMaster" {
		return nil, fmt.Errorf("%w: asked for the series of occurrence %s, the server answered with an item of type %q", ErrMalformed, shortID(occurrence.ID), t)
	}
	return res[0].Item, nil
}

func (c *Client) getItems(ctx context.Context, ids []ItemID) ([]ItemResult, error) {
	return c.getItemsAs(ctx, "ItemId", ids)
}

// getItemsAs reads items named by elem: ItemId (the items themselves) or
// RecurringMasterItemId (the series of each occurrence id).
func (c *Client) getItemsAs(ctx context.Context, elem string, ids []ItemID) ([]ItemResult, error) {
	const op = "GetItem"
	body := c.envelope(func(b *bytes.Buffer) {
		b.WriteString(`<m:GetItem>` + getItemShape + `<m:ItemIds>`)
		for _, id := range ids {
			if elem == "RecurringMasterItemId" {
				writeMasterID(b, id)
				continue
			}
			writeItemID(b, "ItemId", id)
		}
		b.WriteString(`</m:ItemIds></m:GetItem>`)
	})
	check := func(r *wireResponse) error {
		if len(r.Messages.List) != len(ids) {
			return fmt.Errorf("%w: the server answered %s for %d items with %d response messages", ErrMalformed, op, len(ids), len(r.Messages.List))
		}
		// Throttling hits the whole request: retry it rather than
		// reporting every item as failed.
		for i := range r.Messages.List {
			if err := messageError(op, &r.Messages.List[i]); err != nil && IsTransient(err) {
				return err
			}
		}
		return nil
	}
	resp, err := c.call(ctx, op, true, body, check)
	if err != nil {
		return nil, err
	}
	out := make([]ItemResult, len(ids))
	for i := range resp.Messages.List {
		m := &resp.Messages.List[i]
		if err := messageError(op, m); err != nil {
			out[i].Err = err
			continue
		}
		if len(m.Items.List) == 0 {
			out[i].Err = fmt.Errorf("%w: the server's answer to %s has no item for %s", ErrMalformed, op, ids[i].ID)
			continue
		}
		it, err := toItem(&m.Items.List[0])
		if err != nil {
			out[i].Err = fmt.Errorf("ews: %s: item %s: %w", op, ids[i].ID, err)
			continue
		}
		out[i].Item = it
	}
	return out, nil
}

func toItem(w *wireItem) (*Item, error) {
	it := &Item{
		ID:                   w.ItemID.itemID(),
		Kind:                 w.XMLName.Local,
		ItemClass:            w.ItemClass,
		Subject:              w.Subject,
		Body:                 w.Body.Text,
		BodyType:             w.Body.Type,
		UID:                  w.UID,
		Organizer:            w.Organizer.mailbox(),
		From:                 w.From.mailbox(),
		Sender:               w.Sender.mailbox(),
		ReceivedRepresenting: w.ReceivedRepresenting.mailbox(),
		Required:             attendees(w.RequiredAttendees),
		Optional:             attendees(w.OptionalAttendees),
		Resources:            attendees(w.Resources),
		Start:                w.Start.Time,
		End:                  w.End.Time,
		IsAllDay:             w.IsAllDayEvent,
		CalendarItemType:     w.CalendarItemType,
		RecurrenceID:         w.RecurrenceID.Time,
		IsCancelled:          w.IsCancelled,
		Location:             w.Location,
		DateTimeReceived:     w.DateTimeReceived.Time,
		DateTimeSent:         w.DateTimeSent.Time,
	}
	if w.AssociatedCalendarItem != nil && w.AssociatedCalendarItem.ID != "" {
		id := w.AssociatedCalendarItem.itemID()
		it.AssociatedCalendarItem = &id
	}
	if w.MimeContent != "" {
		mime, err := decodeBase64(w.MimeContent)
		if err != nil {
			return nil, fmt.Errorf("its MimeContent is not valid base64: %w", err)
		}
		it.MimeContent = mime
	}
	return it, nil
}

// decodeBase64 decodes base64 that may be wrapped across lines.
func decodeBase64(s string) ([]byte, error) {
	b := []byte(s)
	n := 0
	for _, c := range b {
		if c != '\n' && c != '\r' && c != ' ' && c != '\t' {
			b[n] = c
			n++
		}
	}
	b = b[:n]
	out := make([]byte, base64.StdEncoding.DecodedLen(n))
	m, err := base64.StdEncoding.Decode(out, b)
	return out[:m], err
}

var responseElements = map[ResponseKind]string{
	Accept:    "AcceptItem",
	Tentative: "TentativelyAcceptItem",
	Decline:   "DeclineItem",
}

// Respond answers a meeting request.
//
// Without a Key this is one CreateItem with MessageDisposition
// SendAndSaveCopy. With a Key it takes two requests, because the schema
// does not allow extended properties in AcceptItem/DeclineItem
// (WellKnownResponseObjectType): CreateItem SaveOnly makes the answer as a
// draft, then UpdateItem stores the key on it and sends it
// (MessageDisposition SendAndSaveCopy), so the copy in Sent Items carries
// the key. After a crash between the two, a draft is left in Drafts and
// FindSentByKey says false: sending again is right.
//
// Respond is retried only when Exchange says it did not process the
// request (busy, transient); any other failure is returned, and the caller
// asks FindSentByKey before sending again.
func (c *Client) Respond(ctx context.Context, r Response) error {
	const op = "CreateItem"
	elem, ok := responseElements[r.Kind]
	if !ok {
		return fmt.Errorf("ews: respond: unknown response kind %q; use accept, tentative or decline", r.Kind)
	}
	if r.To.ID == "" {
		return fmt.Errorf("ews: respond: the meeting request's item id is missing")
	}
	disposition, folder := "SendAndSaveCopy", SentItems
	if r.Key != "" {
		disposition, folder = "SaveOnly", Drafts
	}
	body := c.envelope(func(b *bytes.Buffer) {
		b.WriteString(`<m:CreateItem MessageDisposition="` + disposition + `"><m:SavedItemFolderId>`)
		c.writeFolder(b, folder)
		b.WriteString(`</m:SavedItemFolderId><m:Items><t:` + elem + `>`)
		if r.BodyHTML != "" {
			b.WriteString(`<t:Body BodyType="HTML">`)
			xmlEscape(b, r.BodyHTML)
			b.WriteString(`</t:Body>`)
		}
		writeItemID(b, "ReferenceItemId", r.To)
		b.WriteString(`</t:` + elem + `></m:Items></m:CreateItem>`)
	})
	resp, err := c.call(ctx, op, false, body, checkAll(op))
	if err != nil || r.Key == "" {
		return err
	}
	m := &resp.Messages.List[0]
	if len(m.Items.List) == 0 || m.Items.List[0].ItemID.ID == "" {
		return fmt.Errorf("%w: the server saved the %s draft but did not say its id; the answer was not sent", ErrMalformed, elem)
	}
	draft := m.Items.List[0].ItemID.itemID()
	return c.sendDraftWithKey(ctx, draft, r.Key)
}

func (c *Client) sendDraftWithKey(ctx context.Context, draft ItemID, key string) error {
	const op = "UpdateItem"
	body := c.envelope(func(b *bytes.Buffer) {
		b.WriteString(`<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SendAndSaveCopy"><m:SavedItemFolderId>`)
		c.writeFolder(b, SentItems)
		b.WriteString(`</m:SavedItemFolderId><m:ItemChanges><t:ItemChange>`)
		writeItemID(b, "ItemId", draft)
		b.WriteString(`<t:Updates><t:SetItemField>` + replyKeyURI + `<t:MeetingResponse><t:ExtendedProperty>` + replyKeyURI + `<t:Value>`)
		xmlEscape(b, key)
		b.WriteString(`</t:Value></t:ExtendedProperty></t:MeetingResponse></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`)
	})
	_, err := c.call(ctx, op, false, body, checkAll(op))
	return err
}

// FindSentByKey reports whether an answer carrying key is in Sent Items.
func (c *Client) FindSentByKey(ctx context.Context, key string) (bool, error) {
	const op = "FindItem"
	if key == "" {
		return false, fmt.Errorf("ews: find sent answer: the key is empty")
	}
	body := c.envelope(func(b *bytes.Buffer) {
		b.WriteString(`<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>` +
			`<m:IndexedPageItemView MaxEntriesReturned="1" Offset="0" BasePoint="Beginning"/>` +
			`<m:Restriction><t:IsEqualTo>` + replyKeyURI + `<t:FieldURIOrConstant><t:Constant Value="`)
		xmlEscape(b, key)
		b.WriteString(`"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds>`)
		c.writeFolder(b, SentItems)
		b.WriteString(`</m:ParentFolderIds></m:FindItem>`)
	})
	resp, err := c.call(ctx, op, true, body, checkAll(op))
	if err != nil {
		return false, err
	}
	rf := &resp.Messages.List[0].RootFolder
	return rf.Total > 0 || len(rf.Items.List) > 0, nil
}

// calendarViewShape lists what FindItem may return for calendar items
// (FindItem cannot return bodies or attendee lists).
const calendarViewShape = `<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>` +
	`<t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="item:ItemClass"/><t:FieldURI FieldURI="calendar:UID"/>` +
	`<t:FieldURI FieldURI="calendar:Organizer"/><t:FieldURI FieldURI="calendar:Start"/><t:FieldURI FieldURI="calendar:End"/>` +
	`<t:FieldURI FieldURI="calendar:Location"/><t:FieldURI FieldURI="calendar:IsAllDayEvent"/>` +
	`<t:FieldURI FieldURI="calendar:CalendarItemType"/><t:FieldURI FieldURI="calendar:IsCancelled"/>` +
	`</t:AdditionalProperties></m:ItemShape>`

// DefaultCalendarViewMax is FindCalendarItems' max when none is given.
const DefaultCalendarViewMax = 1000

// FindCalendarItems lists the calendar items and occurrences between start
// and end (a CalendarView expands recurring series), at most max of them.
func (c *Client) FindCalendarItems(ctx context.Context, start, end time.Time, max int) ([]*Item, error) {
	const op = "FindItem"
	if !end.After(start) {
		return nil, fmt.Errorf("ews: calendar view: end %s is not after start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	if max <= 0 {
		max = DefaultCalendarViewMax
	}
	body := c.envelope(func(b *bytes.Buffer) {
		b.WriteString(`<m:FindItem Traversal="Shallow">` + calendarViewShape + `<m:CalendarView MaxEntriesReturned="`)
		b.WriteString(strconv.Itoa(max))
		b.WriteString(`" StartDate="` + start.UTC().Format(time.RFC3339) + `" EndDate="` + end.UTC().Format(time.RFC3339) + `"/><m:ParentFolderIds>`)
		c.writeFolder(b, Calendar)
		b.WriteString(`</m:ParentFolderIds></m:FindItem>`)
	})
	resp, err := c.call(ctx, op, true, body, checkAll(op))
	if err != nil {
		return nil, err
	}
	list := resp.Messages.List[0].RootFolder.Items.List
	out := make([]*Item, 0, len(list))
	for i := range list {
		it, err := toItem(&list[i])
		if err != nil {
			return nil, fmt.Errorf("ews: %s: %w", op, err)
		}
		out = append(out, it)
	}
	return out, nil
}

// UpdateBody replaces a calendar item's body, sending the update to the
// attendees or not, and returns the item's new id (its ChangeKey changes).
// It is retried only when Exchange says it did not process the request.
func (c *Client) UpdateBody(ctx context.Context, id ItemID, bodyHTML string, sendToAttendees bool) (ItemID, error) {
	const op = "UpdateItem"
	if id.ID == "" {
		return ItemID{}, fmt.Errorf("ews: update body: the item id is missing")
	}
	send := "SendToNone"
	if sendToAttendees {
		send = "SendToAllAndSaveCopy"
	}
	body := c.envelope(func(b *bytes.Buffer) {
		b.WriteString(`<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="` + send + `"><m:ItemChanges><t:ItemChange>`)
		writeItemID(b, "ItemId", id)
		b.WriteString(`<t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Body"/><t:CalendarItem><t:Body BodyType="HTML">`)
		xmlEscape(b, bodyHTML)
		b.WriteString(`</t:Body></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`)
	})
	resp, err := c.call(ctx, op, false, body, checkAll(op))
	if err != nil {
		return ItemID{}, err
	}
	if items := resp.Messages.List[0].Items.List; len(items) > 0 && items[0].ItemID.ID != "" {
		return items[0].ItemID.itemID(), nil
	}
	return id, nil
}

// GetFolder reads a distinguished folder of the mailbox: a cheap check that
// the URL, the credentials and the mailbox rights all work.
func (c *Client) GetFolder(ctx context.Context, folder FolderName) (*Folder, error) {
	const op = "GetFolder"
	body := c.envelope(func(b *bytes.Buffer) {
		b.WriteString(`<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds>`)
		c.writeFolder(b, folder)
		b.WriteString(`</m:FolderIds></m:GetFolder>`)
	})
	resp, err := c.call(ctx, op, true, body, checkAll(op))
	if err != nil {
		return nil, err
	}
	fs := resp.Messages.List[0].Folders.List
	if len(fs) == 0 {
		return nil, fmt.Errorf("%w: the server's answer to %s has no folder", ErrMalformed, op)
	}
	return &Folder{ID: fs[0].FolderID.itemID(), DisplayName: fs[0].DisplayName, TotalCount: fs[0].TotalCount}, nil
}
