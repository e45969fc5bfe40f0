package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"vmr-companion/backend/ews/ewstest"
)

// TestEachPassNamesItsRequests: every EWS request of a pass carries the
// pass's id (ews.PassHeader), and the next pass has another one, so that
// Exchange's logs and the multi-instance tests tell the passes apart.
func TestEachPassNamesItsRequests(t *testing.T) {
	h := newHarness(t)
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	passes := map[string]bool{}
	for i := range 2 {
		a, _, err := h.aliases.Reserve(h.ctx, h.in, fmt.Sprintf("compose-%d", i), alex.Email)
		if err != nil {
			t.Fatal(err)
		}
		h.fake.SendRequest(ewstest.Meeting{UID: fmt.Sprintf("pass-%d", i), Subject: "Sync", Organizer: alex,
			Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
		h.fake.ResetRequests()
		if _, err := h.sched.RunOnce(h.ctx, "Contoso"); err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, v := range h.fake.Visits() {
			ids[v.Pass] = true
		}
		if len(ids) != 1 || ids[""] {
			t.Fatalf("pass %d: the requests name the passes %v, want one id on all", i, ids)
		}
		for id := range ids {
			if passes[id] {
				t.Fatalf("pass %d reused the id %s", i, id)
			}
			passes[id] = true
		}
	}
}
