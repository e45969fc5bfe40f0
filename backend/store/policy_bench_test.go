package store

import (
	"context"
	"testing"
	"time"

	"vmr-companion/backend/policy"
)

// BenchmarkPolicyLogDecisions is the operations log's cost per policy
// decision, written in batches of 500 as the policy's writer does.
func BenchmarkPolicyLogDecisions(b *testing.B) {
	s := openTemp(b)
	in := sample(1)
	create(b, s.Integrations(), in)
	batch := make([]policy.Decision, 500)
	for i := range batch {
		batch[i] = policy.Decision{At: time.Now(), IntegrationID: in.ID, Alias: "sip:meet12345678@vc.example.com", Caller: "sip:guest@partner.example.com",
			Action: "continue", Code: policy.CodeConference, Why: `conference "Weekly review (Kari Nordmann)" is open`,
			MeetingUID: "040000008200E00074C5B7101A82E00800000000", Subject: "Weekly review", Organizer: "kari@example.com"}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += len(batch) {
		if err := s.Policy().LogDecisions(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
}
