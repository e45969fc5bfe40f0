package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"vmr-companion/backend/ews/ewstest"
)

// BenchmarkProcess10kMeetings: 10,000 meeting requests in the in-process
// fake Exchange (over TLS on loopback), processed end to end: sync, GetItem,
// parse the iCalendar, decide, commit, reply queued and sent.
func BenchmarkProcess10kMeetings(b *testing.B) {
	const meetings = 10000
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b)
		h.fake.SetRecordBodies(false)
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
		for i := range meetings {
			a, _, err := h.aliases.Reserve(h.ctx, h.in, fmt.Sprintf("compose-%d", i), alex.Email)
			if err != nil {
				b.Fatal(err)
			}
			m := ewstest.Meeting{UID: fmt.Sprintf("bench-%05d", i), Subject: fmt.Sprintf("Meeting %d", i), Organizer: alex,
				Start: start.Add(time.Duration(i) * time.Minute), End: start.Add(time.Duration(i)*time.Minute + 30*time.Minute),
				TimeZone: "W. Europe Standard Time", BodyHTML: body(a)}
			if i%5 == 0 {
				m.RRule = "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10"
			}
			h.fake.SendRequest(m)
		}
		b.StartTimer()
		began := time.Now()
		sum := h.runOnce()
		elapsed := time.Since(began)
		b.StopTimer()
		if sum.Decided != meetings || sum.Sent != meetings {
			b.Fatalf("summary %+v", sum)
		}
		b.ReportMetric(float64(meetings)/elapsed.Seconds(), "meetings/s")
		b.StartTimer()
	}
}

// BenchmarkEmptySyncPass: a pass with nothing new, over mailboxes of 100 and
// 100,000 items; it reports the EWS requests a pass makes, which must not
// grow with the mailbox.
func BenchmarkEmptySyncPass(b *testing.B) {
	for _, size := range []int{100, 100000} {
		b.Run(fmt.Sprintf("items=%d", size), func(b *testing.B) {
			h := newHarness(b)
			h.fake.SetRecordBodies(false)
			h.fake.AddFiller(size)
			h.runOnce() // the first pass reads the whole mailbox
			h.fake.ResetRequests()
			passes := 0
			for b.Loop() {
				h.runOnce()
				passes++
			}
			total := 0
			for _, op := range []string{"SyncFolderItems", "GetItem", "FindItem", "CreateItem", "UpdateItem", "GetFolder"} {
				total += h.fake.RequestCount(op)
			}
			b.ReportMetric(float64(total)/float64(passes), "requests/pass")
		})
	}
}
