// Package ical reads iCalendar (RFC 5545) meetings: the text/calendar
// part of the meeting requests and cancellations that reach a room mailbox
// (METHOD:REQUEST / CANCEL, RFC 5546), and calendar files in general. It
// resolves every TZID (IANA names, Windows names, Outlook display names, the
// file's own VTIMEZONE) to a *time.Location, and expands recurring series
// (RRULE, RDATE, EXDATE, overridden and cancelled occurrences) with
// github.com/teambition/rrule-go.
//
// Files are read leniently, as Outlook and Exchange write them; what had to
// be guessed or skipped is listed in Calendar.Warnings. Input never makes the
// package panic or loop without bound. Write writes one meeting back as a
// file. Meetings, their sources and this deployment's video links are
// package calendar's, which builds on this one.
package ical

import (
	"errors"
	"time"
)

// Person is an organizer or attendee.
type Person struct {
	Name  string // CN parameter
	Email string // the mailto: address, without "mailto:"
}

// Event is one VEVENT: a single meeting, the master of a recurring series,
// or (RecurrenceID non-zero) an override of one occurrence of a series.
type Event struct {
	UID         string
	Sequence    int
	Summary     string
	Location    string
	Description string
	Status      string // upper case: TENTATIVE, CONFIRMED, CANCELLED, or ""

	Organizer Person
	// SentBy is the address of a delegate who sent the request on the
	// organizer's behalf (ORGANIZER;SENT-BY=mailto:...), without "mailto:".
	SentBy    string
	Attendees []Person

	// Start and End are instants in Zone. End comes from DTEND, else
	// DTSTART+DURATION, else one day after Start for all-day events and
	// Start itself otherwise (RFC 5545 3.6.1).
	Start, End time.Time
	// AllDay: DTSTART is a DATE (or Outlook marks the event
	// X-MICROSOFT-CDO-ALLDAYEVENT:TRUE). Date values have no zone, so an
	// all-day event from a DATE is also Floating.
	AllDay bool
	// Floating: DTSTART has no zone (local time "wherever you are"); it is
	// read in ParseOptions.Floating.
	Floating bool

	// RRule is the first RRULE as written, "" if none; RRules holds every
	// RRULE of the event (RFC 5545 allows several; the series is their union).
	RRule  string
	RRules []string
	// RDates and ExDates are the instants of every RDATE / EXDATE value
	// (several properties and comma-separated lists are merged).
	RDates, ExDates []time.Time
	// RecurrenceID, when non-zero, is the original start of the occurrence
	// this VEVENT overrides.
	RecurrenceID time.Time
	// ThisAndFuture is RECURRENCE-ID;RANGE=THISANDFUTURE: the override's
	// shift and length apply to every later instance too (until the next
	// such override). Exchange never writes it; other calendars do.
	ThisAndFuture bool

	// Zone is DTSTART's location: its TZID resolved, UTC for "Z" values,
	// ParseOptions.Floating for floating and date values.
	Zone *time.Location

	// Line is where the VEVENT begins in the iCalendar text, for messages.
	Line int

	rules        []rule              // parsed RRULEs; nil when one is invalid
	ruleErr      error               // why an RRULE cannot be used
	rdateEnds    map[int64]time.Time // ends of RDATE;VALUE=PERIOD, by start (Unix seconds)
	exDateIsDate []bool              // per ExDates: it was a DATE value
	startIsDate  bool                // DTSTART is a DATE value
	ridIsDate    bool                // RECURRENCE-ID is a DATE value
}

// Calendar is a parsed iCalendar stream.
type Calendar struct {
	Method string   // upper case, e.g. REQUEST, CANCEL, PUBLISH; "" if none
	Events []*Event // every VEVENT, in file order
	// Warnings say what was guessed or skipped (unknown zones, malformed
	// lines, unusable rules), each with its line number.
	Warnings []string
}

// ParseOptions tune Parse and ParseMIME.
type ParseOptions struct {
	// Floating is the location for floating times and all-day dates.
	// nil means UTC, not time.Local: the service runs on machines whose
	// local zone says nothing about the mailbox, and the same input must
	// give the same instants everywhere. Pass the mailbox's zone when known.
	Floating *time.Location
}

// Occurrence is one instance of a series.
type Occurrence struct {
	Start, End time.Time
	// RecurrenceID is the occurrence's original start (as the series'
	// rule or RDATE gives it), also when an override moved it.
	RecurrenceID time.Time
	// Event is the master, or the override that replaced this occurrence.
	Event *Event
	// Overridden: Event is an override (RECURRENCE-ID) of the master.
	Overridden bool
}

// ErrTooManyOccurrences is returned when a window holds more occurrences
// than the caller's limit, or a series needs more expansion steps than the
// package allows (an RRULE with a huge COUNT, say).
var ErrTooManyOccurrences = errors.New("calendar: too many occurrences")

// ErrInvalidRule wraps the reason an RRULE cannot be expanded.
var ErrInvalidRule = errors.New("calendar: invalid recurrence rule")
