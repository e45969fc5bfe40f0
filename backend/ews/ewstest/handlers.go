package ewstest

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"vmr-companion/backend/ews"
)

const (
	nsTypes    = "http://schemas.microsoft.com/exchange/services/2006/types"
	nsMessages = "http://schemas.microsoft.com/exchange/services/2006/messages"
	nsErrors   = "http://schemas.microsoft.com/exchange/services/2006/errors"
	nsAuto     = "http://schemas.microsoft.com/exchange/2010/Autodiscover"

	maxRequestBytes = 16 << 20
)

// Request shapes, decoded by local name like Exchange's own lenient reading.

type reqFolder struct {
	ID    string `xml:"Id,attr"`
	Email string `xml:"Mailbox>EmailAddress"`
}

type reqID struct {
	ID        string `xml:"Id,attr"`
	ChangeKey string `xml:"ChangeKey,attr"`
}

type reqExtURI struct {
	PropertySetID string `xml:"PropertySetId,attr"`
	PropertyName  string `xml:"PropertyName,attr"`
}

type reqItem struct {
	XMLName xml.Name
	Body    string `xml:"Body"`
	Ref     reqID  `xml:"ReferenceItemId"`
}

type reqSet struct {
	FieldURI struct {
		URI string `xml:"FieldURI,attr"`
	} `xml:"FieldURI"`
	Item struct {
		XMLName  xml.Name
		Body     string `xml:"Body"`
		Extended []struct {
			URI   reqExtURI `xml:"ExtendedFieldURI"`
			Value string    `xml:"Value"`
		} `xml:"ExtendedProperty"`
	} `xml:",any"`
}

type reqOp struct {
	XMLName            xml.Name
	MessageDisposition string    `xml:"MessageDisposition,attr"`
	SendInvitations    string    `xml:"SendMeetingInvitationsOrCancellations,attr"`
	SyncFolder         reqFolder `xml:"SyncFolderId>DistinguishedFolderId"`
	SyncState          string    `xml:"SyncState"`
	MaxChanges         int       `xml:"MaxChangesReturned"`
	ItemIDs            []reqID   `xml:"ItemIds>ItemId"`
	SavedFolder        reqFolder `xml:"SavedItemFolderId>DistinguishedFolderId"`
	Items              struct {
		List []reqItem `xml:",any"`
	} `xml:"Items"`
	ItemChanges []struct {
		ItemID reqID    `xml:"ItemId"`
		Sets   []reqSet `xml:"Updates>SetItemField"`
	} `xml:"ItemChanges>ItemChange"`
	CalendarView *struct {
		Max   int    `xml:"MaxEntriesReturned,attr"`
		Start string `xml:"StartDate,attr"`
		End   string `xml:"EndDate,attr"`
	} `xml:"CalendarView"`
	IndexedView *struct {
		Max    int `xml:"MaxEntriesReturned,attr"`
		Offset int `xml:"Offset,attr"`
	} `xml:"IndexedPageItemView"`
	Restriction *struct {
		URI      reqExtURI `xml:"IsEqualTo>ExtendedFieldURI"`
		Constant struct {
			Value string `xml:"Value,attr"`
		} `xml:"IsEqualTo>FieldURIOrConstant>Constant"`
	} `xml:"Restriction"`
	ParentFolders []reqFolder `xml:"ParentFolderIds>DistinguishedFolderId"`
	FolderIDs     []reqFolder `xml:"FolderIds>DistinguishedFolderId"`
	// Autodiscover GetUserSettings.
	Users []string `xml:"Request>Users>User>Mailbox"`
}

type reqEnvelope struct {
	Header struct {
		Impersonation *struct {
			SMTP string `xml:"ConnectingSID>PrimarySmtpAddress"`
		} `xml:"ExchangeImpersonation"`
	} `xml:"Header"`
	Body struct {
		Op reqOp `xml:",any"`
	} `xml:"Body"`
}

// call is one request being answered.
type call struct {
	env         reqEnvelope
	op          string
	impersonate string // impersonated mailbox, lower case
	anchor      string
	host        string
	secure      bool
}

// acting is the mailbox a folder reference means: its own Mailbox
// element, else the impersonated user, else the anchor, else the room.
func (s *Server) acting(c *call, f reqFolder) string {
	for _, v := range []string{f.Email, c.impersonate, c.anchor} {
		if v != "" {
			return strings.ToLower(v)
		}
	}
	return s.st.Room
}

// ServeHTTP answers EWS at /EWS/Exchange.asmx and SOAP Autodiscover at
// /autodiscover/autodiscover.svc.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	isEWS := strings.EqualFold(r.URL.Path, "/EWS/Exchange.asmx")
	auto := strings.EqualFold(r.URL.Path, "/autodiscover/autodiscover.svc")
	if !isEWS && !auto {
		http.Error(w, "ewstest: no such endpoint; EWS is at /EWS/Exchange.asmx", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "ewstest: EWS takes POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		http.Error(w, "ewstest: reading the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	c := &call{anchor: r.Header.Get("X-AnchorMailbox"), host: r.Host, secure: r.TLS != nil}
	if err := xml.Unmarshal(body, &c.env); err != nil {
		s.record("", body, r.Header)
		writeFault(w, http.StatusInternalServerError, "ErrorSchemaValidation", "The request failed schema validation: "+err.Error(), 0)
		return
	}
	c.op = c.env.Body.Op.XMLName.Local
	if auto {
		c.op = strings.TrimSuffix(c.op, "RequestMessage")
	}
	if c.env.Header.Impersonation != nil {
		c.impersonate = strings.ToLower(strings.TrimSpace(c.env.Header.Impersonation.SMTP))
	}
	failure, failing := s.record(c.op, body, r.Header)
	if failing {
		writeFailure(w, c.op, failure)
		return
	}
	var b bytes.Buffer
	if auto {
		s.autodiscover(&b, c)
		writeXML(w, http.StatusOK, b.Bytes())
		return
	}
	if err := s.handle(&b, c); err != nil {
		var fe *faultError
		if errors.As(err, &fe) {
			writeFault(w, http.StatusInternalServerError, fe.code, fe.msg, 0)
			return
		}
		writeFault(w, http.StatusInternalServerError, "ErrorInternalServerError", err.Error(), 0)
		return
	}
	writeXML(w, http.StatusOK, b.Bytes())
}

type faultError struct{ code, msg string }

func (e *faultError) Error() string { return e.code + ": " + e.msg }

// record notes the request and pops an injected failure for op.
func (s *Server) record(op string, body []byte, h http.Header) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[op]++
	if s.recordBodies {
		s.requests = append(s.requests, Recorded{Operation: op, Body: body, Header: h.Clone()})
	}
	if q := s.fails[op]; len(q) > 0 {
		s.fails[op] = q[1:]
		return q[0], true
	}
	return Failure{}, false
}

func writeXML(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writeFailure(w http.ResponseWriter, op string, f Failure) {
	switch {
	case f.Code == "":
		if f.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="ewstest"`)
		}
		http.Error(w, fmt.Sprintf("ewstest: injected HTTP %d", f.Status), f.Status)
	case f.Status != 0:
		writeFault(w, f.Status, f.Code, "Injected failure: "+f.Code, f.BackOff)
	default:
		var b bytes.Buffer
		envelopeStart(&b)
		b.WriteString(`<m:` + op + `Response xmlns:m="` + nsMessages + `" xmlns:t="` + nsTypes + `"><m:ResponseMessages>`)
		writeErrorMessage(&b, op, f.Code, "Injected failure: "+f.Code, f.BackOff)
		b.WriteString(`</m:ResponseMessages></m:` + op + `Response>`)
		envelopeEnd(&b)
		writeXML(w, http.StatusOK, b.Bytes())
	}
}

func writeFault(w http.ResponseWriter, status int, code, msg string, backOff time.Duration) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
		`<faultcode xmlns:a="` + nsTypes + `">a:` + code + `</faultcode><faultstring xml:lang="en-US">`)
	esc(&b, msg)
	b.WriteString(`</faultstring><detail><e:ResponseCode xmlns:e="` + nsErrors + `">` + code + `</e:ResponseCode><e:Message xmlns:e="` + nsErrors + `">`)
	esc(&b, msg)
	b.WriteString(`</e:Message>`)
	if backOff > 0 {
		b.WriteString(`<t:MessageXml xmlns:t="` + nsTypes + `"><t:Value Name="BackOffMilliseconds">` + strconv.FormatInt(backOff.Milliseconds(), 10) + `</t:Value></t:MessageXml>`)
	}
	b.WriteString(`</detail></s:Fault></s:Body></s:Envelope>`)
	writeXML(w, status, b.Bytes())
}

func esc(b *bytes.Buffer, s string) { xml.EscapeText(b, []byte(s)) }

func envelopeStart(b *bytes.Buffer) {
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` +
		`<h:ServerVersionInfo MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" Version="V2017_07_11" xmlns:h="` + nsTypes + `" xmlns="` + nsTypes + `"/>` +
		`</s:Header><s:Body>`)
}

func envelopeEnd(b *bytes.Buffer) { b.WriteString(`</s:Body></s:Envelope>`) }

func writeErrorMessage(b *bytes.Buffer, op, code, msg string, backOff time.Duration) {
	b.WriteString(`<m:` + op + `ResponseMessage ResponseClass="Error"><m:MessageText>`)
	esc(b, msg)
	b.WriteString(`</m:MessageText><m:ResponseCode>` + code + `</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>`)
	if backOff > 0 {
		b.WriteString(`<m:MessageXml><t:Value Name="BackOffMilliseconds">` + strconv.FormatInt(backOff.Milliseconds(), 10) + `</t:Value></m:MessageXml>`)
	}
	b.WriteString(`</m:` + op + `ResponseMessage>`)
}

// handle answers one EWS operation into b.
func (s *Server) handle(b *bytes.Buffer, c *call) error {
	op := &c.env.Body.Op
	var write func(b *bytes.Buffer) // the response messages
	var err error
	switch c.op {
	case "SyncFolderItems":
		write, err = s.syncFolderItems(c, op)
	case "GetItem":
		write = s.getItem(c, op)
	case "CreateItem":
		write = s.createItem(c, op)
	case "UpdateItem":
		write = s.updateItem(c, op)
	case "FindItem":
		write, err = s.findItem(c, op)
	case "GetFolder":
		write = s.getFolder(c, op)
	default:
		return &faultError{"ErrorInvalidRequest", fmt.Sprintf("The request is invalid: ewstest does not implement the operation %q.", c.op)}
	}
	if err != nil {
		return err
	}
	envelopeStart(b)
	b.WriteString(`<m:` + c.op + `Response xmlns:m="` + nsMessages + `" xmlns:t="` + nsTypes + `"><m:ResponseMessages>`)
	write(b)
	b.WriteString(`</m:ResponseMessages></m:` + c.op + `Response>`)
	envelopeEnd(b)
	return nil
}

func okMessage(b *bytes.Buffer, op string) {
	b.WriteString(`<m:` + op + `ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>`)
}

// Sync states are cursors into a folder's change log.
func syncState(mailbox, folder string, cursor int) string {
	return base64.StdEncoding.EncodeToString([]byte("ewstest-sync:" + mailbox + ":" + folder + ":" + strconv.Itoa(cursor)))
}

func parseSyncState(st, mailbox, folder string, logLen int) (int, bool) {
	raw, err := base64.StdEncoding.DecodeString(st)
	if err != nil {
		return 0, false
	}
	prefix := "ewstest-sync:" + mailbox + ":" + folder + ":"
	rest, ok := strings.CutPrefix(string(raw), prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n > logLen {
		return 0, false
	}
	return n, true
}

type syncChange struct {
	kind ews.ChangeKind
	id   string
	ck   string
	elem string
}

func (s *Server) syncFolderItems(c *call, op *reqOp) (func(*bytes.Buffer), error) {
	if op.MaxChanges < 1 || op.MaxChanges > 512 {
		return nil, &faultError{"ErrorSchemaValidation", "MaxChangesReturned must be between 1 and 512."}
	}
	s.mu.Lock()
	who := s.acting(c, op.SyncFolder)
	mb := s.mailbox(who)
	f, ok := mb.Folders[op.SyncFolder.ID]
	if !ok {
		s.mu.Unlock()
		return errorWriter("SyncFolderItems", "ErrorFolderNotFound", "The specified folder could not be found in the store."), nil
	}
	cursor := 0
	if op.SyncState != "" {
		if cursor, ok = parseSyncState(op.SyncState, who, op.SyncFolder.ID, len(f.Log)); !ok {
			s.mu.Unlock()
			return errorWriter("SyncFolderItems", "ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid."), nil
		}
	}
	var changes []syncChange
	for cursor < len(f.Log) && len(changes) < op.MaxChanges {
		e := f.Log[cursor]
		cursor++
		if e.Kind == ews.ChangeDelete {
			changes = append(changes, syncChange{kind: e.Kind, id: e.ID})
			continue
		}
		it, ok := f.Items[e.ID]
		if !ok {
			continue // created or changed, then deleted: only the deletion matters
		}
		changes = append(changes, syncChange{kind: e.Kind, id: it.ID, ck: it.changeKey(), elem: it.Kind})
	}
	state, last := syncState(who, op.SyncFolder.ID, cursor), cursor == len(f.Log)
	s.mu.Unlock()
	return func(b *bytes.Buffer) {
		okMessage(b, "SyncFolderItems")
		b.WriteString(`<m:SyncState>` + state + `</m:SyncState><m:IncludesLastItemInRange>` + strconv.FormatBool(last) + `</m:IncludesLastItemInRange><m:Changes>`)
		for _, ch := range changes {
			switch ch.kind {
			case ews.ChangeDelete:
				b.WriteString(`<t:Delete><t:ItemId Id="` + ch.id + `"/></t:Delete>`)
			default:
				tag := "Create"
				if ch.kind == ews.ChangeUpdate {
					tag = "Update"
				}
				b.WriteString(`<t:` + tag + `><t:` + ch.elem + `><t:ItemId Id="` + ch.id + `" ChangeKey="` + ch.ck + `"/></t:` + ch.elem + `></t:` + tag + `>`)
			}
		}
		b.WriteString(`</m:Changes></m:SyncFolderItemsResponseMessage>`)
	}, nil
}

func errorWriter(op, code, msg string) func(*bytes.Buffer) {
	return func(b *bytes.Buffer) { writeErrorMessage(b, op, code, msg, 0) }
}

// snapshot is an item copied under the lock, rendered outside it.
type snapshot struct {
	item
	room string
	// Set for an occurrence of a series in a calendar view.
	occID            string
	occStart, occEnd time.Time
}

func (s *Server) getItem(c *call, op *reqOp) func(*bytes.Buffer) {
	snaps := make([]*snapshot, len(op.ItemIDs))
	s.mu.Lock()
	for i, id := range op.ItemIDs {
		if it, ok := s.byID[id.ID]; ok {
			snaps[i] = &snapshot{item: *it, room: s.st.Room}
		} else {
			snaps[i] = s.occurrence(id.ID)
		}
	}
	s.mu.Unlock()
	return func(b *bytes.Buffer) {
		for _, sn := range snaps {
			if sn == nil {
				writeErrorMessage(b, "GetItem", "ErrorItemNotFound", "The specified object was not found in the store.", 0)
				continue
			}
			okMessage(b, "GetItem")
			b.WriteString(`<m:Items>`)
			writeItem(b, sn, true)
			b.WriteString(`</m:Items></m:GetItemResponseMessage>`)
		}
	}
}

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

func (s *Server) findItem(c *call, op *reqOp) (func(*bytes.Buffer), error) {
	if len(op.ParentFolders) == 0 {
		return nil, &faultError{"ErrorSchemaValidation", "FindItem needs ParentFolderIds with a DistinguishedFolderId."}
	}
	pf := op.ParentFolders[0]
	s.mu.Lock()
	mb := s.mailbox(s.acting(c, pf))
	f, ok := mb.Folders[pf.ID]
	if !ok {
		s.mu.Unlock()
		return errorWriter("FindItem", "ErrorFolderNotFound", "The specified folder could not be found in the store."), nil
	}
	var found []*snapshot
	total := 0
	switch {
	case op.Restriction != nil:
		if op.Restriction.URI.PropertySetID == ews.ReplyKeyPropertySetID && op.Restriction.URI.PropertyName == ews.ReplyKeyPropertyName {
			if id, ok := mb.Keys[op.Restriction.Constant.Value]; ok {
				if it, ok := f.Items[id]; ok {
					found = append(found, &snapshot{item: *it, room: s.st.Room})
				}
			}
		}
		total = len(found)
	case op.CalendarView != nil:
		start, err1 := time.Parse(time.RFC3339, op.CalendarView.Start)
		end, err2 := time.Parse(time.RFC3339, op.CalendarView.End)
		if err1 != nil || err2 != nil {
			s.mu.Unlock()
			return nil, &faultError{"ErrorSchemaValidation", "CalendarView StartDate and EndDate must be xs:dateTime."}
		}
		found = s.calendarView(f, start, end)
		total = len(found)
		if max := op.CalendarView.Max; max > 0 && len(found) > max {
			// Exchange fails rather than truncating a calendar view.
			s.mu.Unlock()
			return errorWriter("FindItem", "ErrorCalendarViewRangeTooBig", fmt.Sprintf("The calendar view holds %d items, more than MaxEntriesReturned %d.", len(found), max)), nil
		}
	default:
		items := sortedItems(f)
		total = len(items)
		offset, max := 0, len(items)
		if v := op.IndexedView; v != nil {
			offset, max = v.Offset, v.Max
		}
		for i := offset; i < len(items) && len(found) < max; i++ {
			found = append(found, &snapshot{item: *items[i], room: s.st.Room})
		}
	}
	s.mu.Unlock()
	return func(b *bytes.Buffer) {
		okMessage(b, "FindItem")
		b.WriteString(`<m:RootFolder TotalItemsInView="` + strconv.Itoa(total) + `" IncludesLastItemInRange="true"><t:Items>`)
		for _, sn := range found {
			writeItem(b, sn, false)
		}
		b.WriteString(`</t:Items></m:RootFolder></m:FindItemResponseMessage>`)
	}, nil
}

func sortedItems(f *folder) []*item {
	items := make([]*item, 0, len(f.Items))
	for _, it := range f.Items {
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool {
		if !items[i].Received.Equal(items[j].Received) {
			return items[i].Received.Before(items[j].Received)
		}
		return items[i].ID < items[j].ID
	})
	return items
}

func (s *Server) getFolder(c *call, op *reqOp) func(*bytes.Buffer) {
	type result struct {
		id, name string
		total    int
		ok       bool
	}
	results := make([]result, len(op.FolderIDs))
	s.mu.Lock()
	for i, fid := range op.FolderIDs {
		if f, ok := s.mailbox(s.acting(c, fid)).Folders[fid.ID]; ok {
			results[i] = result{id: f.ID, name: folderDisplayNames[fid.ID], total: len(f.Items), ok: true}
		}
	}
	s.mu.Unlock()
	return func(b *bytes.Buffer) {
		for _, r := range results {
			if !r.ok {
				writeErrorMessage(b, "GetFolder", "ErrorFolderNotFound", "The specified folder could not be found in the store.", 0)
				continue
			}
			elem := "Folder"
			if r.name == "Calendar" {
				elem = "CalendarFolder"
			}
			okMessage(b, "GetFolder")
			b.WriteString(`<m:Folders><t:` + elem + `><t:FolderId Id="` + r.id + `" ChangeKey="AQAAAA=="/><t:DisplayName>` + r.name +
				`</t:DisplayName><t:TotalCount>` + strconv.Itoa(r.total) + `</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount></t:` + elem + `></m:Folders></m:GetFolderResponseMessage>`)
		}
	}
}

// autodiscover answers GetUserSettings with this server's own EWS URL.
func (s *Server) autodiscover(b *bytes.Buffer, c *call) {
	scheme := "http"
	if c.secure {
		scheme = "https"
	}
	ewsURL := scheme + "://" + c.host + "/EWS/Exchange.asmx"
	_, roomDomain, _ := strings.Cut(s.st.Room, "@")
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:a="http://www.w3.org/2005/08/addressing">` +
		`<s:Header><a:Action s:mustUnderstand="1">` + nsAuto + `/Autodiscover/GetUserSettingsResponse</a:Action></s:Header>` +
		`<s:Body><GetUserSettingsResponseMessage xmlns="` + nsAuto + `"><Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
		`<ErrorCode>NoError</ErrorCode><ErrorMessage/><UserResponses>`)
	for _, u := range c.env.Body.Op.Users {
		_, domain, _ := strings.Cut(strings.ToLower(strings.TrimSpace(u)), "@")
		b.WriteString(`<UserResponse>`)
		if domain != roomDomain {
			b.WriteString(`<ErrorCode>InvalidUser</ErrorCode><ErrorMessage>Invalid user: '`)
			esc(b, u)
			b.WriteString(`'</ErrorMessage><RedirectTarget i:nil="true"/><UserSettingErrors/><UserSettings/></UserResponse>`)
			continue
		}
		b.WriteString(`<ErrorCode>NoError</ErrorCode><ErrorMessage>No error.</ErrorMessage><RedirectTarget i:nil="true"/><UserSettingErrors/><UserSettings>`)
		for _, name := range []string{"InternalEwsUrl", "ExternalEwsUrl"} {
			b.WriteString(`<UserSetting i:type="StringSetting"><Name>` + name + `</Name><Value>`)
			esc(b, ewsURL)
			b.WriteString(`</Value></UserSetting>`)
		}
		b.WriteString(`</UserSettings></UserResponse>`)
	}
	b.WriteString(`</UserResponses></Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>`)
}

const occurrencePrefix = "AAMkAGV3c3Rlc3Qocc:"

func occurrenceID(masterID string, start time.Time) string {
	return base64.StdEncoding.EncodeToString([]byte(occurrencePrefix + masterID + ":" + strconv.FormatInt(start.Unix(), 10)))
}

// occurrence resolves an id a calendar view gave for one occurrence of a
// series (nil when it is not one). Callers hold mu.
func (s *Server) occurrence(id string) *snapshot {
	raw, err := base64.StdEncoding.DecodeString(id)
	if err != nil {
		return nil
	}
	rest, ok := strings.CutPrefix(string(raw), occurrencePrefix)
	if !ok {
		return nil
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return nil
	}
	unix, err := strconv.ParseInt(rest[i+1:], 10, 64)
	master, ok := s.byID[rest[:i]]
	if err != nil || !ok || master.Meeting == nil {
		return nil
	}
	start := time.Unix(unix, 0).UTC()
	return &snapshot{item: *master, room: s.st.Room, occID: id, occStart: start, occEnd: start.Add(master.Meeting.End.Sub(master.Meeting.Start))}
}
