package ewstest

import (
	"bytes"
	"strings"

	"vmr-companion/backend/ews"
)

// CreateItem and UpdateItem: the room's replies (sent at once or as drafts
// sent later) and organizers' body updates.

var responseKinds = map[string]ews.ResponseKind{
	"AcceptItem":            ews.Accept,
	"TentativelyAcceptItem": ews.Tentative,
	"DeclineItem":           ews.Decline,
}

// createItem answers meeting requests: sent at once (SendAndSaveCopy,
// SendOnly) or saved as a draft (SaveOnly) to be sent by UpdateItem.
func (s *Server) createItem(c *call, op *reqOp) func(*bytes.Buffer) {
	type result struct {
		id   ews.ItemID
		code string
	}
	results := make([]result, len(op.Items.List))
	s.mu.Lock()
	for i, ri := range op.Items.List {
		kind, ok := responseKinds[ri.XMLName.Local]
		if !ok {
			results[i].code = "ErrorInvalidRequest"
			continue
		}
		ref, ok := s.byID[ri.Ref.ID]
		if !ok || ref.Kind != kindMeetingRequest {
			results[i].code = "ErrorItemNotFound"
			continue
		}
		if c.impersonate != "" && ref.Owner != c.impersonate {
			results[i].code = "ErrorAccessDenied"
			continue
		}
		draft := &item{
			ID: s.newID("item"), Kind: kindMeetingResponse, Class: responseClass(kind), Owner: ref.Owner, Folder: "drafts",
			Subject: responseSubject(kind, ref.Subject), Received: s.now().UTC(), BodyHTML: ri.Body, HasBody: true,
			ResponseKind: kind, RefID: ref.ID, RefChangeKey: ri.Ref.ChangeKey, Meeting: ref.Meeting,
		}
		if op.MessageDisposition == "SaveOnly" {
			s.put(draft)
			results[i].id = draft.itemID()
			continue
		}
		s.send(draft)
	}
	s.mu.Unlock()
	return func(b *bytes.Buffer) {
		for _, r := range results {
			if r.code != "" {
				writeErrorMessage(b, "CreateItem", r.code, "The answer could not be created: "+r.code, 0)
				continue
			}
			okMessage(b, "CreateItem")
			b.WriteString(`<m:Items>`)
			if r.id.ID != "" {
				b.WriteString(`<t:MeetingResponse><t:ItemId Id="` + r.id.ID + `" ChangeKey="` + r.id.ChangeKey + `"/></t:MeetingResponse>`)
			}
			b.WriteString(`</m:Items></m:CreateItemResponseMessage>`)
		}
	}
}

func responseClass(k ews.ResponseKind) string {
	switch k {
	case ews.Accept:
		return "IPM.Schedule.Meeting.Resp.Pos"
	case ews.Tentative:
		return "IPM.Schedule.Meeting.Resp.Tent"
	}
	return "IPM.Schedule.Meeting.Resp.Neg"
}

func responseSubject(k ews.ResponseKind, subject string) string {
	switch k {
	case ews.Accept:
		return "Accepted: " + subject
	case ews.Tentative:
		return "Tentative: " + subject
	}
	return "Declined: " + subject
}

// send delivers the answer r (a draft or a new item): into Sent Items, the
// request out of the inbox, the calendars updated. Callers hold mu.
func (s *Server) send(r *item) {
	ref := s.byID[r.RefID]
	sent := *r
	if _, isDraft := s.mailbox(r.Owner).Folders["drafts"].Items[r.ID]; isDraft {
		s.remove(r)
	}
	sent.ID, sent.Folder, sent.Version, sent.Received = s.newID("item"), "sentitems", 0, s.now().UTC()
	s.put(&sent)
	if sent.Key != "" {
		s.mailbox(sent.Owner).Keys[sent.Key] = sent.ID
	}
	m := sent.Meeting
	resp := SentResponse{Kind: sent.ResponseKind, To: ews.ItemID{ID: sent.RefID, ChangeKey: sent.RefChangeKey}, BodyHTML: sent.BodyHTML, Key: sent.Key, At: sent.Received}
	if m != nil {
		resp.MeetingUID, resp.Organizer, resp.Subject = m.UID, strings.ToLower(m.Organizer.Email), m.Subject
		answer := map[ews.ResponseKind]string{ews.Accept: "Accept", ews.Tentative: "Tentative", ews.Decline: "Decline"}[sent.ResponseKind]
		for _, email := range []string{m.Organizer.Email, sent.Owner} {
			if ci := s.findCalendarItem(email, m.UID, m.RecurrenceID); ci != nil {
				if sent.ResponseKind == ews.Decline && email == sent.Owner {
					s.remove(ci)
					continue
				}
				n := *ci
				n.Responses = map[string]string{}
				for k, v := range ci.Responses {
					n.Responses[k] = v
				}
				n.Responses[sent.Owner] = answer
				s.put(&n)
			}
		}
	}
	s.st.Responses = append(s.st.Responses, resp)
	// Exchange moves an answered request to Deleted Items.
	if ref != nil && ref.Folder == "inbox" {
		s.move(ref, "deleteditems")
	}
}

func (s *Server) updateItem(c *call, op *reqOp) func(*bytes.Buffer) {
	type result struct {
		id   ews.ItemID
		elem string
		code string
	}
	results := make([]result, len(op.ItemChanges))
	sending := strings.HasPrefix(op.MessageDisposition, "Send")
	s.mu.Lock()
	for i, ch := range op.ItemChanges {
		it, ok := s.byID[ch.ItemID.ID]
		switch {
		case !ok:
			results[i].code = "ErrorItemNotFound"
			continue
		case c.impersonate != "" && it.Owner != c.impersonate:
			results[i].code = "ErrorAccessDenied"
			continue
		case ch.ItemID.ChangeKey != "" && ch.ItemID.ChangeKey != it.changeKey():
			// AlwaysOverwrite is all the client sends; still, a stale key
			// means someone else changed the item: report it like Exchange.
			results[i].code = "ErrorIrresolvableConflict"
			continue
		}
		n := *it
		for _, set := range ch.Sets {
			if set.FieldURI.URI == "item:Body" {
				n.BodyHTML, n.HasBody = set.Item.Body, true
			}
			for _, ep := range set.Item.Extended {
				if ep.URI.PropertySetID == ews.ReplyKeyPropertySetID && ep.URI.PropertyName == ews.ReplyKeyPropertyName {
					n.Key = ep.Value
				}
			}
		}
		if sending && n.Kind == kindMeetingResponse && n.Folder == "drafts" {
			s.send(&n)
			continue
		}
		s.put(&n)
		if n.Kind == kindCalendarItem && strings.HasPrefix(op.SendInvitations, "SendTo") && op.SendInvitations != "SendToNone" && n.Meeting != nil {
			s.sendUpdate(&n)
		}
		cur := s.byID[n.ID]
		results[i].id, results[i].elem = cur.itemID(), cur.Kind
	}
	s.mu.Unlock()
	return func(b *bytes.Buffer) {
		for _, r := range results {
			if r.code != "" {
				writeErrorMessage(b, "UpdateItem", r.code, "The item could not be updated: "+r.code, 0)
				continue
			}
			okMessage(b, "UpdateItem")
			b.WriteString(`<m:Items>`)
			if r.id.ID != "" {
				b.WriteString(`<t:` + r.elem + `><t:ItemId Id="` + r.id.ID + `" ChangeKey="` + r.id.ChangeKey + `"/></t:` + r.elem + `>`)
			}
			b.WriteString(`</m:Items><m:ConflictResults><t:Count>0</t:Count></m:ConflictResults></m:UpdateItemResponseMessage>`)
		}
	}
}

// sendUpdate delivers an organizer's updated meeting to the room as a new
// meeting request, as Exchange does for SendToAllAndSaveCopy.
func (s *Server) sendUpdate(ci *item) {
	if ci.Owner == s.st.Room {
		return
	}
	m := copyMeeting(*ci.Meeting)
	m.BodyHTML = ci.body()
	s.sendRequest(m)
	// sendRequest reset the organizer's body to the meeting's: the same text.
}
