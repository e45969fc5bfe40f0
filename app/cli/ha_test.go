//go:build linux

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/ews"
	"vmr-companion/backend/scheduler"
)

// TestHAReservations: 2,000 reservations at once, from 64 clients spread
// round-robin over three serve processes on one PostgreSQL database: no
// 5xx, no alias nor numeric alias given twice, and exactly 2,000
// reservations in the database.
func TestHAReservations(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and three serve processes; not in -short")
	}
	const requests, clients = 2000, 64
	e := newHAEnv(t, 1, nil)
	procs := []*haProc{e.start(""), e.start(""), e.start("")}
	in := e.rooms[0].in

	type answer struct {
		status int
		res    addinhost.Reservation
		err    error
		body   string
	}
	answers := make([]answer, requests)
	next := make(chan int)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := range next {
				p := procs[i%len(procs)]
				body := fmt.Sprintf(`{"item_key": "ha-compose-%d"}`, i)
				req, _ := http.NewRequest(http.MethodPost, p.URL+"/api/v1/integrations/"+in.UUID+"/reservations", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-VMR-User", fmt.Sprintf("user%d@contoso.com", i%50))
				resp, err := e.client.Do(req)
				if err != nil {
					answers[i].err = err
					continue
				}
				data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
				resp.Body.Close()
				answers[i].status, answers[i].body = resp.StatusCode, string(data)
				if resp.StatusCode == http.StatusCreated {
					answers[i].err = json.Unmarshal(data, &answers[i].res)
				}
			}
		})
	}
	for i := range requests {
		next <- i
	}
	close(next)
	wg.Wait()

	aliases, numeric := map[string]int{}, map[string]int{}
	failed := 0
	for i, a := range answers {
		switch {
		case a.err != nil:
			t.Errorf("request %d (instance %d): %v", i, i%len(procs), a.err)
		case a.status >= 500:
			t.Errorf("request %d (instance %d): %d %s", i, i%len(procs), a.status, a.body)
		case a.status != http.StatusCreated:
			t.Errorf("request %d (instance %d): %d %s, want 201", i, i%len(procs), a.status, a.body)
		default:
			if a.res.Alias == "" || a.res.NumericAlias == "" {
				t.Errorf("request %d: no alias in %s", i, a.body)
			}
			aliases[a.res.Alias]++
			numeric[a.res.NumericAlias]++
			continue
		}
		if failed++; failed > 20 {
			t.Fatalf("more than 20 requests failed")
		}
	}
	for k, n := range aliases {
		if n > 1 {
			t.Errorf("the alias %s was given %d times", k, n)
		}
	}
	for k, n := range numeric {
		if n > 1 {
			t.Errorf("the numeric alias %s was given %d times", k, n)
		}
	}
	st := e.store()
	if n, err := st.Aliases().Count(context.Background(), in.ID); err != nil || n != requests {
		t.Errorf("the database holds %d reservations (%v), want %d", n, err, requests)
	}
	for _, p := range procs {
		e.stop(p)
	}
}

// haKillPause is the time until the crash test's next kill: short, so that
// instances die many times while the 2,000 meetings are worked through.
func haKillPause() time.Duration { return time.Duration(300+rand.IntN(900)) * time.Millisecond }

// TestHACrash: three serve processes on one PostgreSQL database work
// through 2,000 meetings in four room mailboxes while a random one of
// them is SIGKILLed every 0.3 to 1.2 seconds and started again. Every
// meeting ends with exactly one reply and one active conference, and no
// mailbox ever had two owners: the fake Exchanges' journals show each
// pass's requests to a mailbox ending before the next pass's begin.
func TestHACrash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 2,000 meetings through three serve processes killed at random; not in -short")
	}
	const meetings, instances, rooms, maxKills = 2000, 3, 4, 25
	e := newHAEnv(t, rooms, nil)
	e.serveArgs = haServeFlags("5s", "1s")
	// The meetings arrive in waves, one after each kill, so that the
	// instances die many times while they work, however fast they are.
	const waves = 10
	sent := e.sendMeetings(meetings / waves)
	procs := make([]*haProc, instances)
	for i := range procs {
		procs[i] = e.start("")
	}
	// A bound on the whole run: it fails the test only when the instances
	// stop making progress.
	bound := time.NewTimer(6 * time.Minute)
	defer bound.Stop()
	check := time.NewTicker(200 * time.Millisecond)
	defer check.Stop()
	kills, ownerKills := 0, 0
	seen := make([]int64, rooms) // the last request looked at, by room
	killAt := time.After(haKillPause())
	for e.answered() < meetings {
		select {
		case <-bound.C:
			t.Fatalf("after %d kills, only %d of %d meetings were answered within the bound:\n%s", kills, e.answered(), meetings, e.unanswered(sent))
		case <-check.C:
		case <-killAt:
			if kills == maxKills {
				// Enough: the rest is finished without kills, so the
				// test ends. The bound starts again: it covers an item
				// that failed (a transaction conflict) waiting out its
				// first back-off (scheduler.DefaultRetryBase).
				killAt = nil
				bound.Reset(2*time.Minute + scheduler.DefaultRetryBase)
				continue
			}
			// A random one of the instances at work in a mailbox since
			// the last kill (any, when none was): owners die mid-pass.
			i := rand.IntN(instances)
			if busy := e.busySince(seen, procs); len(busy) > 0 {
				i = busy[rand.IntN(len(busy))]
				ownerKills++
			}
			procs[i].kill()
			kills++
			if len(sent) < meetings {
				sent = append(sent, e.sendMeetingsFrom(len(sent), meetings/waves)...)
			}
			procs[i] = e.start("")
			killAt = time.After(haKillPause())
		}
	}
	// Let the instances finish what they do (a reply sent twice would
	// show now), then look.
	for _, p := range procs {
		e.stop(p)
	}
	t.Logf("%d meetings answered after %d kills (SIGKILL), %d of them of an instance at work", meetings, kills, ownerKills)
	if ownerKills == 0 || kills < waves-1 {
		t.Errorf("%d kills, %d of an instance at work: the work ended before the test crashed it enough", kills, ownerKills)
	}
	e.checkOutcome(sent)
	passes, pids := e.checkOneOwner()
	t.Logf("%d passes by %d processes", passes, pids)
}

// TestHAPartition: an instance that loses the database in the middle of a
// pass stops working the mailbox (it cannot renew its lease, so it must
// not act on it): once a second instance has taken the mailbox over, the
// cut instance's pass sends Exchange nothing more, even after the
// network comes back; it logs the lost lease, and the second instance
// answers every meeting exactly once.
func TestHAPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and two serve processes and waits out a lease; not in -short")
	}
	const meetings = 200
	// The first read of the mailbox is held until the database is cut, so
	// that the cut comes in the middle of a pass, the lease taken.
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var cutPass string
	gate := func(r *http.Request, body []byte) {
		if !strings.Contains(string(body), "SyncFolderItems") {
			return
		}
		once.Do(func() {
			cutPass = r.Header.Get(ews.PassHeader)
			close(held)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
	}
	e := newHAEnv(t, 1, map[int]func(*http.Request, []byte){0: gate})
	e.serveArgs = haServeFlags("6s", "1s")
	sent := e.sendMeetings(meetings)
	room := e.rooms[0]
	proxy := newHAProxy(t, e.cluster)
	cutOne := e.start(proxy.url(e.dbURL))
	bound := time.NewTimer(5 * time.Minute)
	defer bound.Stop()
	select {
	case <-held:
	case <-bound.C:
		t.Fatalf("the instance never read the mailbox:\n%s", cutOne.out.tail())
	}
	proxy.cut()
	close(release)
	if cutPass == "" {
		t.Fatal("the held request does not name the cut instance's pass")
	}

	// The other instance takes the mailbox over once the lease ran out.
	other := e.start("")
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var takeover int64
	for takeover == 0 {
		select {
		case <-bound.C:
			t.Fatalf("the second instance never took the mailbox over:\n%s", other.out.tail())
		case <-tick.C:
		}
		for _, v := range room.fake.Visits() {
			if v.PID == other.PID() {
				takeover = v.Seq
				break
			}
		}
	}
	// The network comes back: a pass that kept going on a lease it lost
	// would now carry on in the mailbox.
	proxy.heal()
	for e.answered() < meetings {
		select {
		case <-bound.C:
			t.Fatalf("only %d of %d meetings were answered within the bound:\n%s", e.answered(), meetings, other.out.tail())
		case <-tick.C:
		}
	}
	e.stop(other)
	e.stop(cutOne)

	for _, v := range room.fake.Visits() {
		if v.Pass == cutPass && v.Seq > takeover {
			t.Errorf("the cut instance's pass sent %s (request %d) after the second instance took the mailbox over (request %d)",
				v.Operation, v.Seq, takeover)
		}
	}
	if !loggedLeaseLoss(cutOne.out.String()) {
		t.Errorf("the cut instance did not log that it lost the mailbox lease:\n%s", cutOne.out.tail())
	}
	e.checkOutcome(sent)
	e.checkOneOwner()
}

// loggedLeaseLoss tells whether a JSON log holds a warning or error about
// the mailbox lease.
func loggedLeaseLoss(log string) bool {
	for line := range strings.SplitSeq(log, "\n") {
		var rec struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if (rec.Level == "WARN" || rec.Level == "ERROR") && strings.Contains(strings.ToLower(rec.Msg), "lease") {
			return true
		}
	}
	return false
}
