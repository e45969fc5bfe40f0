package policy_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/policy"
)

// The metrics learn each answer's action; refused requests are no answer.
func TestAnswersAreObserved(t *testing.T) {
	h := newHarness(t)
	unused := h.reserve(h.in, "compose-unused")
	var mu sync.Mutex
	var actions []string
	ph, err := policy.New(h.ctx(), policy.Config{Repository: h.st.Policy(), Credentials: creds, Now: h.clock, Refresh: time.Hour,
		Answered: func(action string, took time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			if took < 0 {
				t.Errorf("negative latency %s", took)
			}
			actions = append(actions, action)
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ph.Close(context.Background()) })
	h.h = ph
	wantAction(t, h.dial(unused.Alias, t0), "reject", false)
	wantAction(t, h.dial("sip:alice.vmr@example.com", t0), "continue", false)
	wrong := policy.Credentials{Username: "someone else", Password: creds.Password}
	h.ask("local_alias=x", &wrong)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(actions, []string{"reject", "continue"}) {
		t.Fatalf("observed %v", actions)
	}
}
