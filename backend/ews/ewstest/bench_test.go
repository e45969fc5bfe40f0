package ewstest_test

import (
	"context"
	"fmt"
	"testing"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

// BenchmarkMeetingRoundTrip is the scheduler's per-meeting EWS work: sync
// pages of 512, GetItem in batches, one keyed answer per meeting.
func BenchmarkMeetingRoundTrip(b *testing.B) {
	s := ewstest.New(room)
	s.SetRecordBodies(false)
	for i := range b.N {
		s.SendRequest(meeting(i))
	}
	c, _, _ := fake(b, s)
	ctx := context.Background()
	b.ResetTimer()
	state, done := "", 0
	for done < b.N {
		r, err := c.SyncFolderItems(ctx, ews.Inbox, state, 512)
		if err != nil {
			b.Fatal(err)
		}
		state = r.SyncState
		var ids []ews.ItemID
		for _, ch := range r.Changes {
			if ch.Kind == ews.ChangeCreate {
				ids = append(ids, ch.Item)
			}
		}
		res, err := c.GetItems(ctx, ids)
		if err != nil {
			b.Fatal(err)
		}
		for _, ir := range res {
			if ir.Err != nil {
				b.Fatal(ir.Err)
			}
			if err := c.Respond(ctx, ews.Response{Kind: ews.Accept, To: ir.Item.ID, BodyHTML: "<p>ok</p>", Key: fmt.Sprint("k", done)}); err != nil {
				b.Fatal(err)
			}
			done++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "meetings/s")
}
