package scheduler_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/scheduler"
)

// killer serves the fake Exchange and kills the scheduler child (SIGKILL)
// right after Exchange carried out a write into an organizer's meeting,
// before the child hears of it: the moment a second write would come
// from. It does so for the first max writes; no timer decides when.
type killer struct {
	fake *ewstest.Server

	mu    sync.Mutex
	child *os.Process
	kills int
	max   int
	// noted is signalled whenever the parent notes a child it started.
	noted *sync.Cond
}

func (k *killer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	k.fake.ServeHTTP(rec, r)
	if bytes.Contains(body, []byte("<m:UpdateItem")) && bytes.Contains(body, []byte(`FieldURI="item:Body"`)) &&
		bytes.Contains(rec.Body.Bytes(), []byte(`ResponseClass="Success"`)) {
		// The child may write before the parent, back from starting it,
		// has noted it: wait for that.
		k.mu.Lock()
		for k.child == nil && k.kills < k.max {
			k.noted.Wait()
		}
		child := k.child
		kill := child != nil && k.kills < k.max
		if kill {
			k.kills++
			k.child = nil
		}
		k.mu.Unlock()
		if kill {
			_ = child.Signal(syscall.SIGKILL)
			panic(http.ErrAbortHandler) // the answer never arrives
		}
	}
	for key, v := range rec.Header() {
		w.Header()[key] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// seriesRule makes every other meeting of the kill test a series, whose
// write goes to its recurring master.
func seriesRule(i int) string {
	if i%2 == 1 {
		return "FREQ=WEEKLY;COUNT=3"
	}
	return ""
}

// TestOrganizerWritesSurviveKills kills the scheduler each time Exchange
// has written the joining block into an organizer's meeting but before the
// scheduler learned of it, for meetings booked without the add-in and
// meetings whose block was removed, single meetings and series alike, and
// checks that every meeting ends with exactly one write, one conference
// and its own token.
func TestOrganizerWritesSurviveKills(t *testing.T) {
	if os.Getenv(envCrashChild) != "" {
		t.Skip("this process is the crash test's child (see TestCrashChild)")
	}
	if testing.Short() {
		t.Skip("runs the scheduler in killed child processes; not in -short")
	}
	const each, kills = 6, 8
	h := newHarness(t)
	h.set(map[string]any{"assign_without_addin": true})
	// The child runs on the real clock.
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	organizer := func(kind string, i int) ews.Mailbox {
		return ews.Mailbox{Name: fmt.Sprintf("User %s %d", kind, i), Email: fmt.Sprintf("%s%d@contoso.com", kind, i)}
	}
	sent := map[string]int{}
	send := func(m ewstest.Meeting) {
		h.fake.SendRequest(m)
		sent[m.UID]++
	}
	// Meetings whose block is removed: accepted through the add-in first.
	var heal []ewstest.Meeting
	for i := range each {
		who := organizer("heal", i)
		a, _, err := h.aliases.Reserve(h.ctx, h.in, fmt.Sprintf("compose-heal-%d", i), who.Email)
		if err != nil {
			t.Fatal(err)
		}
		m := ewstest.Meeting{UID: fmt.Sprintf("heal-%d", i), Subject: "Heal", Organizer: who, Start: start.Add(time.Duration(i) * time.Hour),
			End: start.Add(time.Duration(i)*time.Hour + 30*time.Minute), BodyHTML: body(a), RRule: seriesRule(i)}
		send(m)
		heal = append(heal, m)
	}
	h.runOnce()
	for _, m := range heal {
		m.BodyHTML, m.Sequence = "<p>The block is gone.</p>", 1
		send(m)
	}
	for i := range each {
		m := ewstest.Meeting{UID: fmt.Sprintf("assign-%d", i), Subject: "Assign", Organizer: organizer("assign", i),
			Start: start.Add(time.Duration(i) * time.Hour), End: start.Add(time.Duration(i)*time.Hour + time.Hour), BodyHTML: plainBody, RRule: seriesRule(i)}
		send(m)
	}

	k := &killer{fake: h.fake, max: kills}
	k.noted = sync.NewCond(&k.mu)
	srv := httptest.NewUnstartedServer(k)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	h.set(map[string]any{"url": srv.URL + "/EWS/Exchange.asmx"})
	caFile := writeFakeCA(t, h)

	for run := 0; ; run++ {
		if run > kills+2 {
			t.Fatalf("the scheduler did not finish after %d runs", run)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envCrashChild+"=1", envCrashStore+"="+h.st.Path(), envCrashCA+"="+caFile)
		out := &limitedBuffer{max: 8 << 10}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		k.mu.Lock()
		k.child = cmd.Process
		k.noted.Broadcast()
		before := k.kills
		k.mu.Unlock()
		err := cmd.Wait()
		k.mu.Lock()
		killed := k.kills > before
		k.child = nil
		k.mu.Unlock()
		if killed {
			continue
		}
		if err != nil {
			t.Fatalf("the scheduler child failed: %v\n%s", err, out.String())
		}
		break
	}
	if k.kills != kills {
		t.Fatalf("%d kills, want %d: the writes ran out first", k.kills, kills)
	}
	// The updates the writes sent come back to the room: decide them.
	h.runOnce()
	masters := 0
	for _, r := range h.fake.Requests() {
		if r.Operation == "GetItem" && bytes.Contains(r.Body, []byte("<t:RecurringMasterItemId ")) {
			masters++
		}
	}
	if masters < each {
		t.Errorf("%d reads of a series' master, want one for each of the %d series at least", masters, each)
	}

	confs := map[string][]scheduler.ScheduledConference{}
	for _, c := range h.conferences() {
		confs[c.MeetingUID] = append(confs[c.MeetingUID], c)
	}
	for uid, n := range sent {
		want := scheduler.CodeAcceptHealedJoinBlock
		if strings.HasPrefix(uid, "assign-") {
			want = scheduler.CodeAcceptAssignedWithoutAddin
		}
		if !h.logged(uid, want) {
			t.Errorf("%s: no %s decision", uid, want)
		}
		if w := h.writes(uid, n); w != 1 {
			t.Errorf("%s: %d writes into the organizer's meeting, want 1", uid, w)
		}
		list := confs[uid]
		if len(list) != 1 || list[0].State != scheduler.StateActive {
			t.Errorf("%s: conferences %+v, want one active", uid, list)
			continue
		}
		who := strings.SplitN(uid, "-", 2)
		b := h.organizerBody(fmt.Sprintf("%s%s@contoso.com", who[0], who[1]), uid)
		if strings.Count(b, "vmr-companion:") != 1 || !contains(b, "vmr-companion:"+list[0].AliasUUID) {
			t.Errorf("%s: the organizer's meeting %q, want its own token once", uid, b)
		}
	}
}

// logged tells whether the operations log has a decision code for uid.
func (h *harness) logged(uid, code string) bool {
	h.t.Helper()
	log, err := h.sched.Log(h.ctx, "", 100000)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range log {
		if e.ItemUID == uid && e.Code == code {
			return true
		}
	}
	return false
}
