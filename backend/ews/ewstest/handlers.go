package ewstest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file reads the SOAP envelope and dispatches each operation (handle);
// the operations are answered by group: sync.go (SyncFolderItems, GetItem),
// write.go (CreateItem, UpdateItem), find.go (FindItem, GetFolder) and
// autodiscover.go.

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
	// MasterIDs ask for the series of occurrences (GetItem); a request
	// holds these or ItemIDs, which is all the client sends.
	MasterIDs []struct {
		OccurrenceID string `xml:"OccurrenceId,attr"`
	} `xml:"ItemIds>RecurringMasterItemId"`
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
		s.record(c, body, r.Header)
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
	failure, failing := s.record(c, body, r.Header)
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
func (s *Server) record(c *call, body []byte, h http.Header) (Failure, bool) {
	op := c.op
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[op]++
	s.visits = append(s.visits, s.visitOf(c, h))
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

func errorWriter(op, code, msg string) func(*bytes.Buffer) {
	return func(b *bytes.Buffer) { writeErrorMessage(b, op, code, msg, 0) }
}
