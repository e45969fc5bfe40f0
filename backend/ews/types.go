package ews

import (
	"encoding/xml"
	"strings"
	"time"
)

// ItemID identifies an item (or folder); ChangeKey names its version.
type ItemID struct{ ID, ChangeKey string }

// FolderName is a distinguished folder: "inbox", "calendar", "sentitems",
// "deleteditems", "drafts".
type FolderName string

// Distinguished folders the client uses.
const (
	Inbox        FolderName = "inbox"
	Calendar     FolderName = "calendar"
	SentItems    FolderName = "sentitems"
	DeletedItems FolderName = "deleteditems"
	Drafts       FolderName = "drafts"
)

// ChangeKind is the kind of a SyncFolderItems change.
type ChangeKind string

// Kinds of change, from the elements of SyncFolderItemsChangesType.
const (
	ChangeCreate   ChangeKind = "create"
	ChangeUpdate   ChangeKind = "update"
	ChangeDelete   ChangeKind = "delete"
	ChangeReadFlag ChangeKind = "read_flag"
)

// Change is one entry of a sync pass. ItemKind is the item's element name
// (MeetingRequest, MeetingCancellation, MeetingResponse, CalendarItem,
// Message); it is empty for deletions and read-flag changes.
type Change struct {
	Kind     ChangeKind
	Item     ItemID
	ItemKind string
}

// SyncResult is one page of changes. Save SyncState only once the changes
// are handled; call again while IncludesLastItem is false.
type SyncResult struct {
	SyncState        string
	IncludesLastItem bool
	Changes          []Change
}

// Mailbox is a person or resource: display name and SMTP address.
// RoutingType is how Exchange gave the address when it said ("SMTP", or
// "EX" for an X.500 address it could not resolve to SMTP).
type Mailbox struct {
	Name, Email string
	RoutingType string
}

// Attendee is a mailbox invited to a meeting with its response
// (Unknown, Organizer, Tentative, Accept, Decline, NoResponseReceived).
type Attendee struct {
	Mailbox
	Response string
}

// Item is the part of an EWS item (message, meeting message or calendar
// item) that VMR Companion uses.
type Item struct {
	ID        ItemID
	Kind      string // element name: MeetingRequest, CalendarItem, Message...
	ItemClass string
	Subject   string
	Body      string // as sent (HTML or Text, see BodyType)
	BodyType  string
	// MimeContent is the raw RFC 822 message, text/calendar part included.
	MimeContent []byte
	UID         string // iCalendar UID
	// Sender differs from Organizer when a delegate sent on the owner's behalf.
	Organizer, From, Sender Mailbox
	ReceivedRepresenting    Mailbox
	Required, Optional      []Attendee
	Resources               []Attendee
	Start, End              time.Time
	IsAllDay                bool
	CalendarItemType        string // Single, Occurrence, Exception, RecurringMaster
	RecurrenceID            time.Time
	IsCancelled             bool
	Location                string
	AssociatedCalendarItem  *ItemID
	DateTimeReceived        time.Time
	DateTimeSent            time.Time
}

// ItemResult is one item of a GetItems answer: an item, or why it could not
// be read (IsNotFound when it was deleted meanwhile).
type ItemResult struct {
	Item *Item
	Err  error
}

// ResponseKind is how the room answers a meeting request.
type ResponseKind string

// Answers to a meeting request.
const (
	Accept    ResponseKind = "accept"
	Tentative ResponseKind = "tentative"
	Decline   ResponseKind = "decline"
)

// Response is an answer to a meeting request.
type Response struct {
	Kind     ResponseKind
	To       ItemID // the meeting request (ReferenceItemId)
	BodyHTML string
	// Key is an idempotency key, stored in an extended property of the sent
	// answer so that FindSentByKey can tell, after a crash, whether it left.
	Key string
}

// Folder is a folder's identity and size.
type Folder struct {
	ID          ItemID
	DisplayName string
	TotalCount  int
}

// Wire types: responses are decoded by local name only, so that any
// namespace prefix works and unknown elements are ignored.

type wireID struct {
	ID        string `xml:"Id,attr"`
	ChangeKey string `xml:"ChangeKey,attr"`
}

func (w wireID) itemID() ItemID { return ItemID(w) }

type wireMailbox struct {
	Name        string `xml:"Name"`
	Email       string `xml:"EmailAddress"`
	RoutingType string `xml:"RoutingType"`
}

type wireRecipient struct {
	Mailbox wireMailbox `xml:"Mailbox"`
}

func (r wireRecipient) mailbox() Mailbox {
	return Mailbox{Name: r.Mailbox.Name, Email: r.Mailbox.Email, RoutingType: r.Mailbox.RoutingType}
}

type wireAttendee struct {
	Mailbox  wireMailbox `xml:"Mailbox"`
	Response string      `xml:"ResponseType"`
}

func attendees(ws []wireAttendee) []Attendee {
	if len(ws) == 0 {
		return nil
	}
	out := make([]Attendee, len(ws))
	for i, w := range ws {
		out[i] = Attendee{Mailbox: Mailbox{Name: w.Mailbox.Name, Email: w.Mailbox.Email}, Response: w.Response}
	}
	return out
}

type wireBody struct {
	Type string `xml:"BodyType,attr"`
	Text string `xml:",chardata"`
}

// ewsTime parses xs:dateTime as Exchange writes it (with or without a zone;
// no zone means UTC) and xs:date.
type ewsTime struct{ time.Time }

func (t *ewsTime) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02Z07:00", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	// An unparsable date is ignored, not fatal: the lenient reading.
	return nil
}

type wireItem struct {
	XMLName                xml.Name
	MimeContent            string         `xml:"MimeContent"`
	ItemID                 wireID         `xml:"ItemId"`
	ItemClass              string         `xml:"ItemClass"`
	Subject                string         `xml:"Subject"`
	Body                   wireBody       `xml:"Body"`
	DateTimeReceived       ewsTime        `xml:"DateTimeReceived"`
	DateTimeSent           ewsTime        `xml:"DateTimeSent"`
	Sender                 wireRecipient  `xml:"Sender"`
	From                   wireRecipient  `xml:"From"`
	ReceivedRepresenting   wireRecipient  `xml:"ReceivedRepresenting"`
	AssociatedCalendarItem *wireID        `xml:"AssociatedCalendarItemId"`
	UID                    string         `xml:"UID"`
	RecurrenceID           ewsTime        `xml:"RecurrenceId"`
	Start                  ewsTime        `xml:"Start"`
	End                    ewsTime        `xml:"End"`
	IsAllDayEvent          bool           `xml:"IsAllDayEvent"`
	Location               string         `xml:"Location"`
	IsCancelled            bool           `xml:"IsCancelled"`
	CalendarItemType       string         `xml:"CalendarItemType"`
	Organizer              wireRecipient  `xml:"Organizer"`
	RequiredAttendees      []wireAttendee `xml:"RequiredAttendees>Attendee"`
	OptionalAttendees      []wireAttendee `xml:"OptionalAttendees>Attendee"`
	Resources              []wireAttendee `xml:"Resources>Attendee"`
}

type wireItems struct {
	List []wireItem `xml:",any"`
}

type wireChange struct {
	XMLName xml.Name
	ItemID  wireID `xml:"ItemId"` // Delete and ReadFlagChange
	// Create and Update hold the item element (MeetingRequest...).
	Items []struct {
		XMLName xml.Name
		ItemID  wireID `xml:"ItemId"`
	} `xml:",any"`
}

type wireFolder struct {
	XMLName     xml.Name
	FolderID    wireID `xml:"FolderId"`
	DisplayName string `xml:"DisplayName"`
	TotalCount  int    `xml:"TotalCount"`
}

type wireValue struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:",chardata"`
}

// wireMessage is any ResponseMessage; only the fields of its operation are set.
type wireMessage struct {
	XMLName          xml.Name
	ResponseClass    string      `xml:"ResponseClass,attr"`
	MessageText      string      `xml:"MessageText"`
	ResponseCode     string      `xml:"ResponseCode"`
	MessageXML       []wireValue `xml:"MessageXml>Value"`
	SyncState        string      `xml:"SyncState"`
	IncludesLastItem bool        `xml:"IncludesLastItemInRange"`
	Changes          struct {
		List []wireChange `xml:",any"`
	} `xml:"Changes"`
	Items      wireItems `xml:"Items"`
	RootFolder struct {
		Total            int       `xml:"TotalItemsInView,attr"`
		IncludesLastItem bool      `xml:"IncludesLastItemInRange,attr"`
		Items            wireItems `xml:"Items"`
	} `xml:"RootFolder"`
	Folders struct {
		List []wireFolder `xml:",any"`
	} `xml:"Folders"`
}

type wireResponse struct {
	Messages struct {
		List []wireMessage `xml:",any"`
	} `xml:"ResponseMessages"`
}

type wireFault struct {
	Code   string `xml:"faultcode"`
	String string `xml:"faultstring"`
	Detail struct {
		ResponseCode string      `xml:"ResponseCode"`
		Message      string      `xml:"Message"`
		MessageXML   []wireValue `xml:"MessageXml>Value"`
	} `xml:"detail"`
}
