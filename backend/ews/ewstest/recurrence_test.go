package ewstest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

func TestASeriesItsModifiedOccurrenceAndCancellationsCarryTheirICalendarData(t *testing.T) {
	s := ewstest.New(room)
	c, _, _ := fake(t, s)
	ctx := context.Background()
	ny, _ := time.LoadLocation("America/New_York")
	first := time.Date(2030, 1, 7, 9, 30, 0, 0, ny) // a Monday
	series := ewstest.Meeting{
		UID: "series-1", Subject: "Weekly sync", Organizer: dan, Start: first, End: first.Add(30 * time.Minute),
		TimeZone: "Eastern Standard Time", RRule: "FREQ=WEEKLY;BYDAY=MO;COUNT=10",
		ExDates: []time.Time{first.AddDate(0, 0, 14)}, BodyHTML: "<p>series</p>", Attendees: []ews.Mailbox{alice},
	}
	seriesID := s.SendRequest(series)
	moved := series
	moved.RecurrenceID, moved.Start, moved.End = first.AddDate(0, 0, 7), first.AddDate(0, 0, 7).Add(2*time.Hour), first.AddDate(0, 0, 7).Add(150*time.Minute)
	moved.RRule, moved.ExDates, moved.Sequence = "", nil, 1
	movedID := s.SendRequest(moved)
	cancelOne := series
	cancelOne.RecurrenceID, cancelOne.Start, cancelOne.End = first.AddDate(0, 0, 21), first.AddDate(0, 0, 21), first.AddDate(0, 0, 21).Add(30*time.Minute)
	cancelOne.RRule, cancelOne.ExDates, cancelOne.Sequence = "", nil, 2
	cancelOneID := s.SendCancellation(cancelOne)

	changes, _ := syncAll(t, c, ews.Inbox, "")
	kinds := []string{}
	for _, ch := range changes {
		kinds = append(kinds, ch.ItemKind)
	}
	if strings.Join(kinds, ",") != "MeetingRequest,MeetingRequest,MeetingCancellation" {
		t.Fatalf("inbox changes = %v", kinds)
	}
	res, err := c.GetItems(ctx, []ews.ItemID{seriesID, movedID, cancelOneID})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("item %d: %v", i, r.Err)
		}
	}

	master := res[0].Item
	if master.CalendarItemType != "RecurringMaster" {
		t.Errorf("series type = %q", master.CalendarItemType)
	}
	_, ics, method, _ := parts(t, master.MimeContent)
	parseICS(t, ics)
	for _, want := range []string{"METHOD:REQUEST", "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10", "EXDATE;TZID=Eastern Standard Time:20300121T093000",
		"DTSTART;TZID=Eastern Standard Time:20300107T093000", "TZID:Eastern Standard Time", "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3", "X-MICROSOFT-CDO-INSTTYPE:1"} {
		if !strings.Contains(unfold(ics), want) {
			t.Errorf("series calendar lacks %q:\n%s", want, ics)
		}
	}
	if method != "REQUEST" {
		t.Errorf("series method %q", method)
	}

	ex := res[1].Item
	if ex.CalendarItemType != "Exception" || !ex.RecurrenceID.Equal(first.AddDate(0, 0, 7)) {
		t.Errorf("modified occurrence: type %q recurrence id %v", ex.CalendarItemType, ex.RecurrenceID)
	}
	_, ics, _, _ = parts(t, ex.MimeContent)
	parseICS(t, ics)
	for _, want := range []string{"RECURRENCE-ID;TZID=Eastern Standard Time:20300114T093000", "DTSTART;TZID=Eastern Standard Time:20300114T113000", "SEQUENCE:1", "UID:series-1"} {
		if !strings.Contains(unfold(ics), want) {
			t.Errorf("occurrence calendar lacks %q:\n%s", want, ics)
		}
	}
	if strings.Contains(ics, "\r\nRRULE:FREQ=WEEKLY") {
		t.Errorf("a modified occurrence carries no RRULE:\n%s", ics)
	}

	cancel := res[2].Item
	if cancel.Kind != "MeetingCancellation" || cancel.ItemClass != "IPM.Schedule.Meeting.Canceled" || !cancel.IsCancelled {
		t.Errorf("cancellation = %+v", cancel)
	}
	_, ics, method, _ = parts(t, cancel.MimeContent)
	parseICS(t, ics)
	for _, want := range []string{"METHOD:CANCEL", "STATUS:CANCELLED", "RECURRENCE-ID;TZID=Eastern Standard Time:20300128T093000", "SUMMARY;LANGUAGE=en-US:Canceled: Weekly sync", "SEQUENCE:2"} {
		if !strings.Contains(unfold(ics), want) {
			t.Errorf("cancellation calendar lacks %q:\n%s", want, ics)
		}
	}
	if method != "CANCEL" {
		t.Errorf("cancellation method %q", method)
	}

	// The organizer's calendar: 10 weeks, minus the EXDATE and the
	// cancelled one, the moved one as an exception.
	view, err := c.As(dan.Email, false).FindCalendarItems(ctx, first.Add(-time.Hour), first.AddDate(0, 3, 0), 100)
	if err != nil {
		t.Fatal(err)
	}
	var occ, exc int
	for _, v := range view {
		switch v.CalendarItemType {
		case "Occurrence":
			occ++
		case "Exception":
			exc++
			if !v.Start.Equal(moved.Start) {
				t.Errorf("exception starts %v, want %v", v.Start, moved.Start)
			}
		}
		if v.UID != "series-1" || v.Organizer.Email != dan.Email {
			t.Errorf("view item %+v", v)
		}
	}
	if occ != 7 || exc != 1 {
		t.Errorf("calendar view has %d occurrences and %d exceptions, want 7 and 1", occ, exc)
	}
	// An occurrence's id from the view can be read, as on Exchange.
	for _, v := range view {
		if v.CalendarItemType != "Occurrence" {
			continue
		}
		full := getOne(t, c, v.ID)
		if full.UID != "series-1" || !full.Start.Equal(v.Start) || full.CalendarItemType != "Occurrence" || !strings.Contains(full.Body, "series") {
			t.Errorf("occurrence read back as %+v", full)
		}
		break
	}
	// Each occurrence and the exception lead to the series, as on
	// Exchange (GetItem with RecurringMasterItemId); the series can then
	// be written, where an occurrence's id cannot.
	org := c.As(dan.Email, true)
	for _, v := range view {
		m, err := org.GetRecurringMaster(ctx, v.ID)
		if err != nil {
			t.Fatalf("the series of %s %s: %v", v.CalendarItemType, v.Start, err)
		}
		if m.CalendarItemType != "RecurringMaster" || m.UID != "series-1" || !m.Start.Equal(first) || !strings.Contains(m.Body, "series") {
			t.Fatalf("the series of %s %s read as %+v", v.CalendarItemType, v.Start, m)
		}
	}
	m, _ := org.GetRecurringMaster(ctx, view[0].ID)
	if _, err := org.UpdateBody(ctx, m.ID, "<p>series, with the room</p>", false); err != nil {
		t.Fatalf("writing the series: %v", err)
	}
	for _, it := range s.OrganizerItems(dan.Email) {
		if it.CalendarItemType == "RecurringMaster" && !strings.Contains(it.Body, "with the room") {
			t.Errorf("the series' body is %q after the write", it.Body)
		}
	}
	// A meeting that is no series has none; an unknown id is not found.
	s.SendRequest(ewstest.Meeting{UID: "single-1", Subject: "One", Organizer: dan, Start: first, End: first.Add(time.Hour), BodyHTML: "x"})
	var singleID ews.ItemID
	for _, it := range s.OrganizerItems(dan.Email) {
		if it.UID == "single-1" {
			singleID = it.ID
		}
	}
	var ee *ews.Error
	if _, err := org.GetRecurringMaster(ctx, singleID); !errors.As(err, &ee) || ee.ResponseCode != "ErrorCalendarCannotUseIdForRecurringMasterId" {
		t.Errorf("the series of a single meeting: %v", err)
	}
	if _, err := org.GetRecurringMaster(ctx, ews.ItemID{ID: "AAMkAGV3c3Rlc3Q-unknown"}); !ews.IsNotFound(err) {
		t.Errorf("the series of an unknown id: %v", err)
	}
	// A whole-series cancellation empties the organizer's calendar of it.
	s.SendCancellation(series)
	if items := s.OrganizerItems(dan.Email); len(items) != 1 || items[0].UID != "single-1" {
		t.Errorf("after cancelling the series the organizer has %d items, want only the single meeting", len(items))
	}
	s.CheckRequests(t)
}

func TestAllDayMeetingsUseDateValues(t *testing.T) {
	s := ewstest.New(room)
	c, _, _ := fake(t, s)
	day := time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC)
	id := s.SendRequest(ewstest.Meeting{UID: "allday", Subject: "Offsite", Organizer: dan, Start: day, End: day.AddDate(0, 0, 1), AllDay: true, BodyHTML: "x"})
	it := getOne(t, c, id)
	_, ics, _, _ := parts(t, it.MimeContent)
	parseICS(t, ics)
	for _, want := range []string{"DTSTART;VALUE=DATE:20300501", "DTEND;VALUE=DATE:20300502", "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE"} {
		if !strings.Contains(ics, want) {
			t.Errorf("all-day calendar lacks %q:\n%s", want, ics)
		}
	}
	if !it.IsAllDay {
		t.Error("IsAllDayEvent not set")
	}
	s.CheckRequests(t)
}
