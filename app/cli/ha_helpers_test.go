//go:build linux

package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"vmr-companion/app/wire"
	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/pgtest"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
	"vmr-companion/backend/testtls"
)

// The multi-instance tests (ha_test.go) run several real `serve`
// processes on one PostgreSQL database and fake Exchanges: the test
// binary runs itself again as TestHAServeChild, which runs the command
// line as main does with the arguments the parent gives.

// envHAChild carries a child's command line (JSON); set only in children.
const envHAChild = "VMR_COMPANION_TEST_HA_CHILD"

// haServeFlags are optional serve flags the tests use when serve has them
// (the lead adds them): a short lease and poll interval make failover
// quick; without them the defaults apply and the tests take longer.
func haServeFlags(leaseTTL, poll string) []string {
	c := &command{logs: newLogging(io.Discard)}
	serve := c.serveCmd()
	var out []string
	if serve.Flags().Lookup("lease-ttl") != nil && leaseTTL != "" {
		out = append(out, "--lease-ttl", leaseTTL)
	}
	if serve.Flags().Lookup("poll") != nil && poll != "" {
		out = append(out, "--poll", poll)
	}
	return out
}

// haEnv is what the instances share: one PostgreSQL database, the key of
// the encrypted secrets backend, the add-in host's certificate, and one
// fake Exchange per room mailbox (each its own integration).
type haEnv struct {
	t        *testing.T
	cluster  *pgtest.Cluster
	dbURL    string
	keyFile  string
	certFile string
	certKey  string
	client   *http.Client // trusts the add-in host's test CA only
	rooms    []*haRoom
	// serveArgs are added to every instance's serve command line.
	serveArgs []string

	mu    sync.Mutex
	procs []*haProc
}

// haRoom is one integration and its fake Exchange.
type haRoom struct {
	name, room string
	fake       *ewstest.Server
	srv        *httptest.Server
	in         *integration.Integration
	// gate, when set, sees each EWS request before the fake answers it
	// (and may hold it).
	gate func(r *http.Request, body []byte)
}

func (r *haRoom) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if g := r.gate; g != nil {
		body, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		g(req, body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.fake.ServeHTTP(w, req)
}

// haPostgres is the test binary's cluster, stopped by TestMain.
var (
	haClusterMu sync.Mutex
	haCluster   *pgtest.Cluster
)

// newHAEnv makes the shared parts with n room mailboxes; gates (by room
// index) are set before any instance starts.
func newHAEnv(t *testing.T, n int, gates map[int]func(*http.Request, []byte)) *haEnv {
	t.Helper()
	secretstest.MockInit()
	c := pgtest.Start(t)
	haClusterMu.Lock()
	haCluster = c
	haClusterMu.Unlock()
	e := &haEnv{t: t, cluster: c, dbURL: c.NewDatabase(t)}
	dir := t.TempDir()
	e.keyFile = filepath.Join(dir, "server.key")
	if code, _, errOut := run(t, t.TempDir(), "", "secrets", "init", "--key-file", e.keyFile); code != 0 {
		t.Fatalf("secrets init: %s", errOut)
	}
	// The add-in hosts serve an admin's certificate (as behind a load
	// balancer), from a CA only the test's client trusts.
	ca := testtls.NewCA(t, "VMR HA Test CA")
	e.certFile, e.certKey = certPair(t, dir, ca, ca.Valid(t, "127.0.0.1", "localhost"), true)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	e.client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 64}}

	exCA := testtls.NewCA(t, "Contoso HA Exchange CA")
	exCert := exCA.Valid(t, "127.0.0.1", "localhost")
	for i := range n {
		r := &haRoom{name: fmt.Sprintf("Room%d", i), room: fmt.Sprintf("room%d@contoso.com", i), gate: gates[i]}
		r.fake = ewstest.New(r.room)
		r.fake.SetRecordBodies(false)
		r.srv = testtls.Serve(t, r, exCert)
		integ := fmt.Sprintf(`{"name": %q, "url": %q, "room_mailbox_email_address": %q,
			"username": "svc-vmr", "password": %q, "domains": ["127.0.0.1"], "ews_ca_file": %q,
			"scheduled_alias_prefix": "meet%d", "scheduled_alias_domain": "vc.contoso.com", "enable_dynamic_vmrs": true}`,
			r.name, r.srv.URL+"/EWS/Exchange.asmx", r.room, wiretest.Password, exCA.File(t), i)
		if code, _, errOut := run(t, t.TempDir(), integ, append(e.global(), "integrations", "create", "-f", "-")...); code != 0 {
			t.Fatalf("creating %s: %s", r.name, errOut)
		}
		e.rooms = append(e.rooms, r)
	}
	svc := e.services()
	for _, r := range e.rooms {
		in, err := svc.Integrations.Get(context.Background(), r.name)
		if err != nil {
			t.Fatal(err)
		}
		r.in = in
	}
	t.Cleanup(e.killAll)
	return e
}

// global are the root flags every command on the shared database takes.
func (e *haEnv) global() []string {
	return []string{"--database", e.dbURL, "--secrets", "encrypted", "--secrets-key-file", e.keyFile}
}

// services opens the shared database in this process, as an instance
// does, closed when the test ends.
func (e *haEnv) services() *wire.Services {
	e.t.Helper()
	ctx := wire.WithDatabase(wire.WithSecrets(context.Background(), wire.Secrets{Backend: "encrypted", KeyFile: e.keyFile}), e.dbURL)
	svc, err := wire.Open(ctx, e.t.TempDir(), wiretest.Config())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { svc.Close() })
	return svc
}

// store opens the shared database directly, closed when the test ends.
func (e *haEnv) store() *store.Store {
	e.t.Helper()
	d, err := store.ParseDatabase(e.dbURL, e.t.TempDir())
	if err != nil {
		e.t.Fatal(err)
	}
	st, err := store.OpenDatabase(context.Background(), d)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

// haProc is one serve process.
type haProc struct {
	cmd  *exec.Cmd
	out  *haOutput
	done chan struct{} // closed once the process is reaped
	err  error
	// URL is the add-in host's address.
	URL string
}

// PID is the process id.
func (p *haProc) PID() int { return p.cmd.Process.Pid }

// haOutput keeps a child's standard output and error (bounded) and says
// when its banner named the add-in host's address and serve was ready.
type haOutput struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	line  []byte
	url   string
	ready chan struct{}
}

const haOutputMax = 8 << 20

var hostAt = regexp.MustCompile(`Add-in host running at (https://[0-9.:]+)`)

func (o *haOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.buf.Len() < haOutputMax {
		o.buf.Write(p[:min(len(p), haOutputMax-o.buf.Len())])
	}
	o.line = append(o.line, p...)
	for {
		i := bytes.IndexByte(o.line, '\n')
		if i < 0 {
			break
		}
		l := string(o.line[:i])
		o.line = o.line[i+1:]
		if m := hostAt.FindStringSubmatch(l); m != nil && o.url == "" {
			o.url = m[1]
		}
		if strings.Contains(l, "Press Ctrl+C to stop.") && o.url != "" {
			select {
			case <-o.ready:
			default:
				close(o.ready)
			}
		}
	}
	if len(o.line) > 64<<10 {
		o.line = o.line[:0]
	}
	return len(p), nil
}

func (o *haOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// tail is the end of the output, for failure messages.
func (o *haOutput) tail() string {
	s := o.String()
	if len(s) > 4000 {
		s = "…" + s[len(s)-4000:]
	}
	return s
}

// start runs a serve process on database dbURL (e.dbURL unless another
// is given: a proxy) and waits until it is ready.
func (e *haEnv) start(dbURL string) *haProc {
	e.t.Helper()
	if dbURL == "" {
		dbURL = e.dbURL
	}
	args := []string{"--database", dbURL, "--secrets", "encrypted", "--secrets-key-file", e.keyFile,
		"--data-dir", e.t.TempDir(), "--log-format", "json",
		"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--auth", "none", "--allow-shared-host",
		"--tls-cert", e.certFile, "--tls-key", e.certKey, "--reservation-rate", "0"}
	args = append(args, e.serveArgs...)
	data, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHAServeChild$", "-test.count=1", "-test.timeout=30m")
	cmd.Env = append(os.Environ(), envHAChild+"="+string(data))
	// Never outlive the test binary, even when it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &haProc{cmd: cmd, out: &haOutput{ready: make(chan struct{})}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	e.mu.Lock()
	e.procs = append(e.procs, p)
	e.mu.Unlock()
	bound := time.NewTimer(2 * time.Minute)
	defer bound.Stop()
	select {
	case <-p.out.ready:
	case <-p.done:
		e.t.Fatalf("serve (pid %d) ended before it was ready: %v\n%s", p.PID(), p.err, p.out.tail())
	case <-bound.C:
		e.t.Fatalf("serve (pid %d) was not ready within 2 minutes:\n%s", p.PID(), p.out.tail())
	}
	p.out.mu.Lock()
	p.URL = p.out.url
	p.out.mu.Unlock()
	return p
}

// kill SIGKILLs p and reaps it (a zombie would still look alive to the
// other instances' lease check).
func (p *haProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop asks p to stop (SIGTERM) and waits, within a bound.
func (e *haEnv) stop(p *haProc) {
	e.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	bound := time.NewTimer(time.Minute)
	defer bound.Stop()
	select {
	case <-p.done:
	case <-bound.C:
		p.kill()
		e.t.Errorf("serve (pid %d) did not stop within a minute of SIGTERM:\n%s", p.PID(), p.out.tail())
	}
}

// killAll kills every process still running.
func (e *haEnv) killAll() {
	e.mu.Lock()
	procs := slices.Clone(e.procs)
	e.mu.Unlock()
	for _, p := range procs {
		select {
		case <-p.done:
		default:
			p.kill()
		}
	}
}

// busySince returns the indexes of procs that sent a request to a room
// after seen[room], and moves seen to the latest request.
func (e *haEnv) busySince(seen []int64, procs []*haProc) []int {
	pids := map[int]bool{}
	for r, room := range e.rooms {
		for _, v := range room.fake.Visits() {
			if v.Seq > seen[r] {
				pids[v.PID] = true
				seen[r] = v.Seq
			}
		}
	}
	var out []int
	for i, p := range procs {
		if pids[p.PID()] {
			out = append(out, i)
		}
	}
	return out
}

// haMeeting is a meeting request sent to one of the rooms.
type haMeeting struct {
	uid  string
	room int
}

// sendMeetings reserves n single-use VMRs through the store (as the
// add-in would) and sends a meeting request for each, round-robin over
// the rooms; every tenth is a weekly series.
func (e *haEnv) sendMeetings(n int) []haMeeting { return e.sendMeetingsFrom(0, n) }

// sendMeetingsFrom sends meetings first to first+n-1 (a later wave).
func (e *haEnv) sendMeetingsFrom(first, n int) []haMeeting {
	e.t.Helper()
	svc := e.services()
	ctx := context.Background()
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	organizer := ews.Mailbox{Name: "Alex Morgan", Email: "alex.morgan@contoso.com"}
	out := make([]haMeeting, 0, n)
	for i := first; i < first+n; i++ {
		r := i % len(e.rooms)
		a, _, err := svc.Aliases.Reserve(ctx, e.rooms[r].in, fmt.Sprintf("compose-%d", i), organizer.Email)
		if err != nil {
			e.t.Fatal(err)
		}
		m := ewstest.Meeting{UID: fmt.Sprintf("ha-%04d", i), Subject: fmt.Sprintf("Meeting %d", i), Organizer: organizer,
			Start: start.Add(time.Duration(i) * time.Minute), End: start.Add(time.Duration(i)*time.Minute + 30*time.Minute),
			BodyHTML: `<p>Agenda.</p><p style="color:#707070">vmr-companion:` + a.UUID + `</p>`}
		if i%10 == 0 {
			m.RRule = "FREQ=WEEKLY;COUNT=4"
		}
		e.rooms[r].fake.SendRequest(m)
		out = append(out, haMeeting{uid: m.UID, room: r})
	}
	return out
}

// unanswered describes, for a failure message, the meetings without a
// reply (the first few, with their decisions) and each mailbox's state.
func (e *haEnv) unanswered(meetings []haMeeting) string {
	seen := map[string]bool{}
	for _, r := range e.rooms {
		for _, resp := range r.fake.Responses() {
			seen[resp.MeetingUID] = true
		}
	}
	svc := e.services()
	ctx := context.Background()
	log, _ := svc.Scheduler.Log(ctx, "", 100000)
	var b strings.Builder
	n := 0
	for _, m := range meetings {
		if seen[m.uid] {
			continue
		}
		if n++; n > 10 {
			continue
		}
		fmt.Fprintf(&b, "%s (room %d) has no reply; decisions:", m.uid, m.room)
		for _, l := range log {
			if l.ItemUID == m.uid {
				fmt.Fprintf(&b, " [%s %s %s]", l.Time.Format(time.RFC3339), l.Code, l.Description)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%d meetings without a reply\n", n)
	sts, err := svc.Scheduler.Statuses(ctx)
	if err != nil {
		return b.String() + err.Error()
	}
	for _, st := range sts {
		data, _ := json.Marshal(st)
		fmt.Fprintf(&b, "%s\n", data)
	}
	return b.String()
}

// answered counts the meetings with at least one reply.
func (e *haEnv) answered() int {
	seen := map[string]bool{}
	for _, r := range e.rooms {
		for _, resp := range r.fake.Responses() {
			seen[resp.MeetingUID] = true
		}
	}
	return len(seen)
}

// checkOutcome: every meeting has exactly one reply and exactly one
// active conference in the database.
func (e *haEnv) checkOutcome(meetings []haMeeting) {
	e.t.Helper()
	replies := map[string]int{}
	for _, r := range e.rooms {
		for _, resp := range r.fake.Responses() {
			replies[resp.MeetingUID]++
		}
	}
	svc := e.services()
	// Through the scheduler's repository: what `conferences list` reads.
	list, err := svc.Scheduler.Conferences(context.Background(), "", time.Time{})
	if err != nil {
		e.t.Fatal(err)
	}
	confs := map[string]int{}
	for _, c := range list {
		confs[c.MeetingUID]++
		if c.State != scheduler.StateActive {
			e.t.Errorf("%s: conference state %s, want active", c.MeetingUID, c.State)
		}
	}
	kinds := map[string][]string{}
	for _, r := range e.rooms {
		for _, resp := range r.fake.Responses() {
			kinds[resp.MeetingUID] = append(kinds[resp.MeetingUID], string(resp.Kind))
		}
	}
	log, err := svc.Scheduler.Log(context.Background(), "", 100000)
	if err != nil {
		e.t.Fatal(err)
	}
	decisions := map[string][]string{}
	for _, l := range log {
		decisions[l.ItemUID] = append(decisions[l.ItemUID], l.Integration+": "+l.Code+" "+l.Description)
	}
	bad := 0
	for _, m := range meetings {
		if replies[m.uid] != 1 || confs[m.uid] != 1 {
			if bad++; bad <= 20 {
				e.t.Errorf("%s (room %d): %d replies %v and %d conferences, want exactly one each; decisions: %q; rows: %s", m.uid, m.room, replies[m.uid], kinds[m.uid], confs[m.uid], decisions[m.uid], e.rowsOf(m.uid))
			}
		}
	}
	if bad > 20 {
		e.t.Errorf("… %d meetings in all without exactly one reply and one conference", bad)
	}
	if len(list) != len(meetings) {
		e.t.Errorf("%d conferences for %d meetings", len(list), len(meetings))
	}
}

// rowsOf says what the database holds of meeting uid, for failure messages.
func (e *haEnv) rowsOf(uid string) string {
	db, err := sql.Open("pgx", e.dbURL)
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	rows, err := db.Query(`SELECT c.id, c.state, c.scheduled_alias_id, coalesce(a.alias, '(no alias row)'), coalesce(a.uuid, '') FROM scheduled_conferences c
		LEFT JOIN scheduled_aliases a ON a.id = c.scheduled_alias_id WHERE c.meeting_uid = $1`, uid)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, aliasID int64
		var state, alias, uuid string
		if err := rows.Scan(&id, &state, &aliasID, &alias, &uuid); err != nil {
			return err.Error()
		}
		out = append(out, fmt.Sprintf("conference %d %s alias %d %s %s", id, state, aliasID, alias, uuid))
	}
	return fmt.Sprint(out)
}

// haSpan is one pass's requests to a mailbox: from the first to the last
// (by the fake's sequence numbers).
type haSpan struct {
	pass        string
	host        string
	pid         int
	first, last int64
	requests    int
}

// passSpans groups a room's requests by pass, in order of their first
// request. Requests without a pass id (none is expected: only passes talk
// to Exchange here) are counted apart.
func passSpans(visits []ewstest.Visit) (spans []haSpan, unnamed int) {
	by := map[string]*haSpan{}
	for _, v := range visits {
		if v.Pass == "" {
			unnamed++
			continue
		}
		s, ok := by[v.Pass]
		if !ok {
			s = &haSpan{pass: v.Pass, host: v.Host, pid: v.PID, first: v.Seq}
			by[v.Pass] = s
		}
		s.last = v.Seq
		s.requests++
	}
	for _, s := range by {
		spans = append(spans, *s)
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].first < spans[j].first })
	return spans, unnamed
}

// checkOneOwner: in each room mailbox the passes' spans of requests never
// overlap (a killed instance's requests end when it dies), and every
// request names its instance.
func (e *haEnv) checkOneOwner() (passes, instances int) {
	e.t.Helper()
	pids := map[int]bool{}
	for _, r := range e.rooms {
		visits := r.fake.Visits()
		spans, unnamed := passSpans(visits)
		if unnamed > 0 {
			e.t.Errorf("%s: %d requests name no scheduler pass (%s)", r.name, unnamed, ews.PassHeader)
		}
		for i, s := range spans {
			pids[s.pid] = true
			if s.pid == 0 || s.host == "" {
				e.t.Errorf("%s: pass %s's requests do not name their instance in the User-Agent", r.name, s.pass)
			}
			if i > 0 && s.first < spans[i-1].last {
				p := spans[i-1]
				e.t.Errorf("%s had two owners at once: pass %s of pid %d sent requests %d to %d, pass %s of pid %d requests %d to %d",
					r.name, p.pass, p.pid, p.first, p.last, s.pass, s.pid, s.first, s.last)
			}
		}
		passes += len(spans)
	}
	return passes, len(pids)
}

// TestHAServeChild is one serve process of the multi-instance tests: the
// command line as main runs it, with the arguments in envHAChild. In the
// ordinary run it has nothing to do and skips.
func TestHAServeChild(t *testing.T) {
	spec := os.Getenv(envHAChild)
	if spec == "" {
		t.Skip("runs only as a serve process of the multi-instance tests (ha_test.go)")
	}
	var args []string
	if err := json.Unmarshal([]byte(spec), &args); err != nil {
		t.Fatal(err)
	}
	secretstest.MockInit()
	code := Main(context.Background(), args, testConfig(t, "", os.Stdout, os.Stderr))
	os.Exit(code)
}

// stopTestPostgres stops the cluster newHAEnv started, if any (TestMain).
func stopTestPostgres() {
	haClusterMu.Lock()
	c := haCluster
	haClusterMu.Unlock()
	if c != nil {
		c.Stop()
	}
}

// haProxy forwards PostgreSQL's Unix socket, and can be cut: it then
// stops passing bytes either way without closing anything (a black hole,
// as a lost network looks to both ends) until it is healed.
type haProxy struct {
	t      *testing.T
	dir    string
	target string
	ln     net.Listener

	mu     sync.Mutex
	healed chan struct{} // closed while bytes flow
	conns  []net.Conn
}

// newHAProxy listens where a database URL with host=dir finds the
// cluster's socket of port.
func newHAProxy(t *testing.T, c *pgtest.Cluster) *haProxy {
	t.Helper()
	// A short folder: a socket's path is at most 108 bytes.
	dir, err := os.MkdirTemp("", "vmrha")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	name := fmt.Sprintf(".s.PGSQL.%d", c.Port())
	ln, err := net.Listen("unix", filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	p := &haProxy{t: t, dir: dir, target: filepath.Join(c.SocketDir(), name), ln: ln, healed: make(chan struct{})}
	close(p.healed)
	t.Cleanup(p.close)
	go p.serve()
	return p
}

// url is dbURL reaching the database through the proxy.
func (p *haProxy) url(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		p.t.Fatal(err)
	}
	q := u.Query()
	q.Set("host", p.dir)
	u.RawQuery = q.Encode()
	return u.String()
}

func (p *haProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			p.wait()
			out, err := net.Dial("unix", p.target)
			if err != nil {
				in.Close()
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go p.pipe(out, in)
			go p.pipe(in, out)
		}()
	}
}

// wait blocks while the proxy is cut.
func (p *haProxy) wait() {
	p.mu.Lock()
	healed := p.healed
	p.mu.Unlock()
	<-healed
}

func (p *haProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.wait()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				src.Close()
				return
			}
		}
		if err != nil {
			p.wait()
			dst.Close()
			return
		}
	}
}

// cut stops every byte, on the connections open and those to come.
func (p *haProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.healed = make(chan struct{})
}

// heal lets the bytes held and to come through again.
func (p *haProxy) heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.healed:
	default:
		close(p.healed)
	}
}

func (p *haProxy) close() {
	p.heal()
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}
