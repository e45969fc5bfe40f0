package ewstest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"vmr-companion/backend/ews"
)

// Mailbox is a person or resource (the ews type, for convenience).
type Mailbox = ews.Mailbox

// Meeting is what an organizer sends: a single meeting, a series (RRule),
// or one modified occurrence of a series (RecurrenceID set).
type Meeting struct {
	UID       string
	Subject   string
	Organizer Mailbox
	// SentBy is a delegate sending on behalf of Organizer.
	SentBy *Mailbox
	// ForwardedBy is an attendee who forwarded Organizer's invitation to
	// the room: Exchange keeps Organizer, and From and Sender are theirs.
	ForwardedBy *Mailbox
	// ICalOrganizer, when set, is the ORGANIZER the message's iCalendar
	// names instead of Organizer: a forged invitation, which Exchange
	// still reports as coming from Organizer.
	ICalOrganizer *Mailbox
	Start         time.Time
	End           time.Time
	// TimeZone is the Windows zone name Outlook writes, e.g.
	// "W. Europe Standard Time"; "" is UTC. Zones: see TimeZones.
	TimeZone string
	AllDay   bool
	RRule    string // e.g. "FREQ=WEEKLY;BYDAY=MO;COUNT=10"
	ExDates  []time.Time
	// RecurrenceID, when set, makes this a modified occurrence of the series
	// UID: the original start of that occurrence.
	RecurrenceID time.Time
	BodyHTML     string
	Location     string
	Attendees    []Mailbox
	Sequence     int
}

// SentResponse is an answer the room mailbox sent.
type SentResponse struct {
	Kind       ews.ResponseKind
	To         ews.ItemID // the meeting request answered
	MeetingUID string
	Organizer  string
	Subject    string
	BodyHTML   string
	Key        string // the idempotency key's extended property, if set
	At         time.Time
}

// Recorded is a request the server received.
type Recorded struct {
	Operation string // e.g. "SyncFolderItems", "GetUserSettings"
	Body      []byte // nil when recording bodies is off
	Header    http.Header
}

// Failure is an injected fault. Status alone answers that HTTP status with a
// plain body; Code and Status answer a SOAP fault with that status (how
// Exchange reports ErrorServerBusy); Code alone answers a response message
// with ResponseClass Error (HTTP 200). BackOff adds BackOffMilliseconds.
type Failure struct {
	Status  int
	Code    string
	BackOff time.Duration
}

// Item kinds (element names).
const (
	kindMeetingRequest      = "MeetingRequest"
	kindMeetingCancellation = "MeetingCancellation"
	kindMeetingResponse     = "MeetingResponse"
	kindCalendarItem        = "CalendarItem"
	kindMessage             = "Message"
)

var folderNames = []string{"inbox", "calendar", "sentitems", "drafts", "deleteditems"}

var folderDisplayNames = map[string]string{
	"inbox": "Inbox", "calendar": "Calendar", "sentitems": "Sent Items", "drafts": "Drafts", "deleteditems": "Deleted Items",
}

// item is a stored item. It is replaced, never changed in place, once
// published, so handlers may render a snapshot outside the lock.
type item struct {
	ID       string    `json:"id"`
	Version  int       `json:"version"`
	Kind     string    `json:"kind"`
	Class    string    `json:"class"`
	Owner    string    `json:"owner"`
	Folder   string    `json:"folder"`
	Subject  string    `json:"subject"`
	Received time.Time `json:"received"`
	// Meeting is set for meeting messages and calendar items.
	Meeting *Meeting `json:"meeting,omitempty"`
	// BodyHTML overrides the meeting's body (UpdateItem) or is a response's body.
	BodyHTML string `json:"body_html,omitempty"`
	HasBody  bool   `json:"has_body,omitempty"`
	// Filler is the number of an unrelated message (AddFiller); 0 otherwise.
	Filler int `json:"filler,omitempty"`
	// Responses are attendees' answers on a calendar item, by email.
	Responses map[string]string `json:"responses,omitempty"`
	// Meeting responses: the answer, the request answered, the key.
	ResponseKind ews.ResponseKind `json:"response_kind,omitempty"`
	RefID        string           `json:"ref_id,omitempty"`
	RefChangeKey string           `json:"ref_change_key,omitempty"`
	Key          string           `json:"key,omitempty"`
	// AssociatedID is the room calendar item a meeting request belongs to.
	AssociatedID string `json:"associated_id,omitempty"`
}

func (it *item) changeKey() string {
	return base64.StdEncoding.EncodeToString([]byte("CQAAAB" + strconv.Itoa(it.Version)))
}

func (it *item) itemID() ews.ItemID { return ews.ItemID{ID: it.ID, ChangeKey: it.changeKey()} }

func (it *item) body() string {
	if it.HasBody || it.Meeting == nil {
		return it.BodyHTML
	}
	return it.Meeting.BodyHTML
}

type logEntry struct {
	Kind ews.ChangeKind `json:"k"`
	ID   string         `json:"i"`
}

type folder struct {
	ID    string           `json:"id"`
	Items map[string]*item `json:"items"`
	Log   []logEntry       `json:"log"`
}

type mailbox struct {
	Email   string             `json:"email"`
	Folders map[string]*folder `json:"folders"`
	// Keys indexes sent answers by their idempotency key.
	Keys map[string]string `json:"keys"`
}

// state is everything Save writes.
type state struct {
	Room      string              `json:"room"`
	Next      int                 `json:"next"`
	Mailboxes map[string]*mailbox `json:"mailboxes"`
	Responses []SentResponse      `json:"responses"`
}

// Server is a fake Exchange. It is safe for concurrent use.
type Server struct {
	mu   sync.Mutex
	st   state
	byID map[string]*item // every item of every mailbox
	// calendar indexes calendar items by calendarKey.
	calendar map[string]*item
	now      func() time.Time
	fails    map[string][]Failure

	recordBodies bool
	requests     []Recorded
	counts       map[string]int
	// visits is who sent each request (visits.go), kept even when
	// recording bodies is off; seq numbers them.
	visits []Visit
	seq    int64
}

// New returns a fake Exchange whose room mailbox is roomMailbox.
func New(roomMailbox string) *Server {
	s := &Server{
		st:           state{Room: strings.ToLower(roomMailbox), Mailboxes: map[string]*mailbox{}},
		byID:         map[string]*item{},
		calendar:     map[string]*item{},
		now:          time.Now,
		fails:        map[string][]Failure{},
		recordBodies: true,
		counts:       map[string]int{},
	}
	s.mailbox(s.st.Room)
	return s
}

// SetClock replaces the clock used for received and sent times.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// RoomMailbox is the room mailbox's address.
func (s *Server) RoomMailbox() string { return s.st.Room }

// mailbox returns (creating) the mailbox of email. Callers hold mu.
func (s *Server) mailbox(email string) *mailbox {
	email = strings.ToLower(email)
	if mb, ok := s.st.Mailboxes[email]; ok {
		return mb
	}
	mb := &mailbox{Email: email, Folders: map[string]*folder{}, Keys: map[string]string{}}
	for _, name := range folderNames {
		mb.Folders[name] = &folder{ID: s.newID("folder"), Items: map[string]*item{}}
	}
	s.st.Mailboxes[email] = mb
	return mb
}

func (s *Server) newID(kind string) string {
	s.st.Next++
	return base64.StdEncoding.EncodeToString([]byte("AAMkAGV3c3Rlc3Q" + kind + ":" + strconv.Itoa(s.st.Next)))
}

// put stores it (new or replacing the item of the same id) and logs the change.
func (s *Server) put(it *item) {
	f := s.mailbox(it.Owner).Folders[it.Folder]
	kind := ews.ChangeCreate
	if old, ok := f.Items[it.ID]; ok {
		kind = ews.ChangeUpdate
		it.Version = old.Version + 1
	}
	f.Items[it.ID] = it
	f.Log = append(f.Log, logEntry{Kind: kind, ID: it.ID})
	s.index(it)
}

// index makes it findable by id and, for a calendar item, by meeting.
func (s *Server) index(it *item) {
	s.byID[it.ID] = it
	if it.Folder == "calendar" && it.Meeting != nil {
		s.calendar[calendarKey(it.Owner, it.Meeting.UID, it.Meeting.RecurrenceID)] = it
	}
}

func calendarKey(owner, uid string, recurrenceID time.Time) string {
	return owner + "\x00" + uid + "\x00" + recurrenceID.UTC().Format(time.RFC3339Nano)
}

// remove deletes it from its folder and logs the deletion.
func (s *Server) remove(it *item) {
	f := s.mailbox(it.Owner).Folders[it.Folder]
	if _, ok := f.Items[it.ID]; !ok {
		return
	}
	delete(f.Items, it.ID)
	delete(s.byID, it.ID)
	if it.Folder == "calendar" && it.Meeting != nil {
		delete(s.calendar, calendarKey(it.Owner, it.Meeting.UID, it.Meeting.RecurrenceID))
	}
	f.Log = append(f.Log, logEntry{Kind: ews.ChangeDelete, ID: it.ID})
}

// move puts a copy of it in another folder under a new id, as Exchange does.
func (s *Server) move(it *item, folder string) *item {
	s.remove(it)
	n := *it
	n.ID, n.Folder, n.Version = s.newID("item"), folder, 0
	s.put(&n)
	return &n
}

func copyMeeting(m Meeting) *Meeting {
	m.Attendees = append([]Mailbox(nil), m.Attendees...)
	m.ExDates = append([]time.Time(nil), m.ExDates...)
	if m.ForwardedBy != nil {
		f := *m.ForwardedBy
		m.ForwardedBy = &f
	}
	if m.SentBy != nil {
		d := *m.SentBy
		m.SentBy = &d
	}
	if m.ICalOrganizer != nil {
		o := *m.ICalOrganizer
		m.ICalOrganizer = &o
	}
	return &m
}

// SendRequest delivers a meeting request to the room's inbox, and puts the
// meeting in the organizer's calendar and (tentatively, as the Calendar
// Attendant does) in the room's. It returns the request's id.
func (s *Server) SendRequest(m Meeting) ews.ItemID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendRequest(copyMeeting(m)).itemID()
}

func (s *Server) sendRequest(m *Meeting) *item {
	s.upsertCalendar(m.Organizer.Email, m, "Organizer")
	roomCal := s.upsertCalendar(s.st.Room, m, "")
	req := &item{
		ID: s.newID("item"), Kind: kindMeetingRequest, Class: "IPM.Schedule.Meeting.Request",
		Owner: s.st.Room, Folder: "inbox", Subject: m.Subject, Received: s.now().UTC(),
		Meeting: m, AssociatedID: roomCal.ID,
	}
	s.put(req)
	return req
}

// upsertCalendar creates or updates the calendar item of m in email's
// calendar: the series (or single meeting), or the modified occurrence.
func (s *Server) upsertCalendar(email string, m *Meeting, myResponse string) *item {
	var it item
	if old := s.calendar[calendarKey(strings.ToLower(email), m.UID, m.RecurrenceID)]; old != nil {
		it = *old
	} else {
		it = item{ID: s.newID("item"), Kind: kindCalendarItem, Class: "IPM.Appointment", Owner: strings.ToLower(email), Folder: "calendar", Responses: map[string]string{}}
		if myResponse != "" {
			it.Responses[strings.ToLower(email)] = myResponse
		}
	}
	it.Meeting, it.Subject, it.Received = m, m.Subject, s.now().UTC()
	it.HasBody, it.BodyHTML = false, ""
	s.put(&it)
	return &it
}

func (s *Server) findCalendarItem(owner, uid string, recurrenceID time.Time) *item {
	return s.calendar[calendarKey(strings.ToLower(owner), uid, recurrenceID)]
}

// SendCancellation delivers a meeting cancellation to the room's inbox (of
// one occurrence when m.RecurrenceID is set) and takes the meeting out of
// the organizer's and the room's calendars.
func (s *Server) SendCancellation(m Meeting) ews.ItemID {
	s.mu.Lock()
	defer s.mu.Unlock()
	mc := copyMeeting(m)
	for _, email := range []string{mc.Organizer.Email, s.st.Room} {
		s.cancelInCalendar(email, mc)
	}
	it := &item{
		ID: s.newID("item"), Kind: kindMeetingCancellation, Class: "IPM.Schedule.Meeting.Canceled",
		Owner: s.st.Room, Folder: "inbox", Subject: "Canceled: " + mc.Subject, Received: s.now().UTC(), Meeting: mc,
	}
	s.put(it)
	return it.itemID()
}

func (s *Server) cancelInCalendar(email string, m *Meeting) {
	cal := s.mailbox(email).Folders["calendar"]
	if m.RecurrenceID.IsZero() {
		for _, it := range cal.Items {
			if it.Meeting != nil && it.Meeting.UID == m.UID {
				s.remove(it)
			}
		}
		return
	}
	if ex := s.findCalendarItem(email, m.UID, m.RecurrenceID); ex != nil {
		s.remove(ex)
	}
	if master := s.findCalendarItem(email, m.UID, time.Time{}); master != nil {
		n := *master
		n.Meeting = copyMeeting(*master.Meeting)
		n.Meeting.ExDates = append(n.Meeting.ExDates, m.RecurrenceID)
		s.put(&n)
	}
}

// AddFiller adds n unrelated messages to the room's inbox. Their MIME is
// only built when they are read.
func (s *Server) AddFiller(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailbox(s.st.Room)
	f := mb.Folders["inbox"]
	now := s.now().UTC()
	f.Log = append(make([]logEntry, 0, len(f.Log)+n), f.Log...)
	items := make([]item, n) // one allocation for all
	for i := range items {
		it := &items[i]
		it.ID, it.Kind, it.Class, it.Owner, it.Folder = s.newID("item"), kindMessage, "IPM.Note", mb.Email, "inbox"
		it.Filler, it.Received = s.st.Next, now
		it.Subject = "Newsletter " + strconv.Itoa(it.Filler)
		f.Items[it.ID] = it
		s.byID[it.ID] = it
		f.Log = append(f.Log, logEntry{Kind: ews.ChangeCreate, ID: it.ID})
	}
}

// Responses returns the answers the room mailbox sent, oldest first.
func (s *Server) Responses() []SentResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentResponse(nil), s.st.Responses...)
}

// OrganizerItems returns the calendar items of email's calendar (bodies as
// updated by UpdateItem), oldest first.
func (s *Server) OrganizerItems(email string) []*ews.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, ok := s.st.Mailboxes[strings.ToLower(email)]
	if !ok {
		return nil
	}
	var out []*ews.Item
	for _, it := range sortedItems(mb.Folders["calendar"]) {
		out = append(out, s.toEWSItem(it))
	}
	return out
}

// toEWSItem is the item as GetItem would give it.
func (s *Server) toEWSItem(it *item) *ews.Item {
	e := &ews.Item{ID: it.itemID(), Kind: it.Kind, ItemClass: it.Class, Subject: it.Subject, Body: it.body(), BodyType: "HTML", DateTimeReceived: it.Received}
	if m := it.Meeting; m != nil {
		e.Body = outlookHTML(it.body())
		e.UID, e.Organizer, e.Start, e.End, e.IsAllDay, e.Location, e.RecurrenceID = m.UID, m.Organizer, m.Start, m.End, m.AllDay, m.Location, m.RecurrenceID
		e.CalendarItemType = calendarItemType(m)
		for _, a := range m.Attendees {
			e.Required = append(e.Required, ews.Attendee{Mailbox: a, Response: it.Responses[strings.ToLower(a.Email)]})
		}
		e.Resources = []ews.Attendee{{Mailbox: Mailbox{Email: s.st.Room}, Response: it.Responses[s.st.Room]}}
	}
	return e
}

func calendarItemType(m *Meeting) string {
	switch {
	case !m.RecurrenceID.IsZero():
		return "Exception"
	case m.RRule != "":
		return "RecurringMaster"
	}
	return "Single"
}

// Requests returns the recorded requests, oldest first.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.requests...)
}

// RequestCount is how many requests of op arrived (counted even when
// recording bodies is off).
func (s *Server) RequestCount(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// ResetRequests forgets the recorded requests and counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.counts, s.visits = nil, map[string]int{}, nil
}

// SetRecordBodies turns recording of requests on (the default) or off;
// when off only counts are kept (benchmarks).
func (s *Server) SetRecordBodies(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordBodies = on
}

// FailNext makes the next n requests of op fail as how says.
func (s *Server) FailNext(op string, n int, how Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fails[op] = append(s.fails[op], how)
	}
}

// Save writes the mailboxes and sent answers as JSON.
func (s *Server) Save(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := json.NewEncoder(w).Encode(&s.st); err != nil {
		return fmt.Errorf("ewstest: saving the fake mailboxes: %w", err)
	}
	return nil
}

// Load reads what Save wrote. roomMailbox must be the saved room mailbox.
func Load(r io.Reader, roomMailbox string) (*Server, error) {
	s := New(roomMailbox)
	var st state
	if err := json.NewDecoder(r).Decode(&st); err != nil {
		return nil, fmt.Errorf("ewstest: loading the fake mailboxes: %w; delete the state file to start afresh", err)
	}
	if st.Room != s.st.Room {
		return nil, fmt.Errorf("ewstest: the saved state is for room mailbox %s, not %s; use that mailbox or delete the state file", st.Room, s.st.Room)
	}
	if st.Mailboxes == nil {
		st.Mailboxes = map[string]*mailbox{}
	}
	s.st = st
	for _, mb := range st.Mailboxes {
		if mb.Keys == nil {
			mb.Keys = map[string]string{}
		}
		for _, f := range mb.Folders {
			if f.Items == nil {
				f.Items = map[string]*item{}
			}
			for _, it := range f.Items {
				s.index(it)
			}
		}
	}
	s.mailbox(s.st.Room)
	return s, nil
}
