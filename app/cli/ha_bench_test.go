//go:build linux

package cli

// The high-availability benchmarks (issue 15): real `serve` processes, each
// this test binary run again as TestBenchServeChild with the command line in
// an environment variable, sharing one database (PostgreSQL from
// backend/pgtest, or an SQLite file for the single-machine comparison) and
// the encrypted secrets backend with one key file. They run only with
// -bench (scripts/bench-ha.sh); plain `go test` skips the child and runs no
// benchmark. Linux only: the children die with the parent (Pdeathsig) and
// the cross-host failover puts each child in a UTS namespace of its own.

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/testtls"
)

// What the parent hands a child.
const (
	benchEnvChild = "VMR_BENCH_HA_CHILD" // the command line, a JSON array
	benchEnvHost  = "VMR_BENCH_HA_HOST"  // a host name of its own (cross-host failover)
	benchEnvWake  = "VMR_BENCH_HA_WAKE"  // wake the workers this often (failover)
)

// Settings from the environment (scripts/bench-ha.sh passes them on).
var (
	benchConns          = benchEnvInt("BENCH_HA_CONNS", 64)
	benchDuration       = benchEnvDuration("BENCH_HA_DURATION", 5*time.Second)
	benchWarmup         = benchEnvDuration("BENCH_HA_WARMUP", time.Second)
	benchMailboxes      = benchEnvInt("BENCH_HA_MAILBOXES", 10)
	benchPerMailbox     = benchEnvInt("BENCH_HA_MEETINGS", 200)
	benchFailoverRounds = benchEnvInt("BENCH_HA_FAILOVER_ROUNDS", 20)
	benchCrossRounds    = benchEnvInt("BENCH_HA_CROSSHOST_ROUNDS", 3)
	// benchWakeEvery stands in for serve's 30 s poll in the failover
	// rounds (--poll goes down to 1 s only): the rounds measure how
	// fast a mailbox changes hands, not how long a worker sleeps.
	benchWakeEvery = benchEnvDuration("BENCH_HA_WAKE", 100*time.Millisecond)
	// benchMeetingsLimit bounds one meetings run.
	benchMeetingsLimit = benchEnvDuration("BENCH_HA_MEETINGS_LIMIT", 6*time.Minute)
)

// TestBenchServeChild is one `serve` of the benchmarks below; it does
// nothing unless a benchmark started it.
func TestBenchServeChild(t *testing.T) {
	raw := os.Getenv(benchEnvChild)
	if raw == "" {
		t.Skip("started only by the HA benchmarks, as a child process")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatalf("%s: %v", benchEnvChild, err)
	}
	if host := os.Getenv(benchEnvHost); host != "" {
		// The parent cloned this process into a UTS namespace of its own:
		// this name is its host name, as on another machine.
		if err := syscall.Sethostname([]byte(host)); err != nil {
			t.Fatalf("setting the host name %q: %v", host, err)
		}
	}
	secretstest.MockInit()
	cfg := testConfig(t, "", os.Stdout, os.Stderr)
	if wake, _ := time.ParseDuration(os.Getenv(benchEnvWake)); wake > 0 {
		open := cfg.Open
		cfg.Open = func(ctx context.Context, dir string) (*wire.Services, error) {
			svc, err := open(ctx, dir)
			if err == nil {
				go func() {
					for range time.Tick(wake) {
						svc.Scheduler.Wake()
					}
				}()
			}
			return svc, err
		}
	}
	if code := Main(context.Background(), args, cfg); code != 0 {
		t.Fatalf("serve exited with %d", code)
	}
}

// BenchmarkHAReservations: single-use reservations from 64 keep-alive
// HTTPS clients, round-robin over the instances, against one instance on
// SQLite, one on PostgreSQL and three on one PostgreSQL database.
func BenchmarkHAReservations(b *testing.B) {
	pg := benchPostgres(b)
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			d := benchDeploy(b, pg, v.postgres)
			ex := d.exchange(b, "room@contoso.com")
			in := d.integration(b, "Bench", ex)
			insts := d.startAll(b, v.instances, benchStart{})
			urls := make([]string, len(insts))
			for i, inst := range insts {
				urls[i] = inst.url
			}
			var runs []benchLoad
			for range b.N {
				r, problems := benchReserve(b, d.ca.Pool, urls, in.UUID)
				if len(problems) > 0 {
					msg := fmt.Sprintf("%d problems besides %d reservations, e.g.\n%s\nthe instances' errors:\n%s", len(problems), r.answers,
						strings.Join(problems[:min(5, len(problems))], "\n"), benchErrors(insts))
					if len(problems) > r.serverErrors {
						// A duplicate alias or a refused request: wrong, not slow.
						b.Fatal(msg)
					}
					// Only 5xx: reported (metric "5xx") so that the figures
					// still come out, and shown here.
					b.Log(msg)
				}
				runs = append(runs, r)
			}
			slices.SortFunc(runs, func(x, y benchLoad) int { return cmp.Compare(x.rps, y.rps) })
			r := runs[len(runs)/2]
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(r.rps, "reservations/s")
			b.ReportMetric(r.p50, "p50-ms")
			b.ReportMetric(r.p99, "p99-ms")
			b.ReportMetric(float64(r.answers), "answers")
			b.ReportMetric(float64(r.serverErrors), "5xx")
		})
	}
}

// BenchmarkHAMeetings: 10 room mailboxes with 200 meeting requests each
// waiting in the fake Exchange; the time from launching the instances
// until every meeting has its reply.
func BenchmarkHAMeetings(b *testing.B) {
	pg := benchPostgres(b)
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			var rates []float64
			for range b.N {
				rates = append(rates, benchMeetings(b, pg, v))
			}
			slices.Sort(rates)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(rates[len(rates)/2], "meetings/s")
		})
	}
}

// BenchmarkHAFailover: three instances on PostgreSQL; the owner of a
// mailbox is caught in the middle of a pass (its SyncFolderItems held by
// the fake), SIGKILLed, and a new meeting is sent to the mailbox: the time
// from the kill until the meeting is answered. same-host: the instances
// share this host, so the others see the holder's process gone and take
// the lease at once. cross-host: each instance has a host name of its own
// (a UTS namespace), so the lease must expire first (the default
// --lease-ttl, 30 s).
func BenchmarkHAFailover(b *testing.B) {
	pg := benchPostgres(b)
	for _, c := range []struct {
		name   string
		rounds int
		cross  bool
	}{{"same-host", benchFailoverRounds, false}, {"cross-host", benchCrossRounds, true}} {
		b.Run(c.name, func(b *testing.B) {
			if c.rounds <= 0 {
				b.Skip("no rounds asked for (BENCH_HA_FAILOVER_ROUNDS / BENCH_HA_CROSSHOST_ROUNDS)")
			}
			if c.cross && os.Geteuid() != 0 {
				b.Skip("the cross-host rounds give each instance a host name of its own in a UTS namespace, which needs root")
			}
			var all []time.Duration
			for range b.N {
				all = append(all, benchFailover(b, pg, c.rounds, c.cross)...)
			}
			slices.Sort(all)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(benchMS(all[len(all)/2]), "failover-median-ms")
			b.ReportMetric(benchMS(all[len(all)-1]), "failover-worst-ms")
			b.ReportMetric(float64(len(all)), "rounds")
		})
	}
}

// benchVariant is a deployment measured: its engine and how many
// instances share it.
type benchVariant struct {
	name      string
	postgres  bool
	instances int
}

var benchVariants = []benchVariant{{"sqlite-1", false, 1}, {"postgres-1", true, 1}, {"postgres-3", true, 3}}

// benchMeetings runs one measurement of BenchmarkHAMeetings and returns
// meetings per second.
func benchMeetings(b *testing.B, pg *pgtest.Cluster, v benchVariant) float64 {
	d := benchDeploy(b, pg, v.postgres)
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	var exs []*benchExchange
	for m := range benchMailboxes {
		room := fmt.Sprintf("room%d@contoso.com", m)
		ex := d.exchange(b, room)
		ex.fake.SetRecordBodies(false)
		in := d.integration(b, fmt.Sprintf("Bench %d", m), ex)
		for i := range benchPerMailbox {
			a, _, err := d.svc.Aliases.Reserve(d.ctx, in, fmt.Sprintf("compose-%d-%d", m, i), benchOrganizer.Email)
			if err != nil {
				b.Fatal(err)
			}
			ex.fake.SendRequest(benchMeeting(fmt.Sprintf("bench-%d-%04d", m, i), start.Add(time.Duration(i)*time.Minute), a.UUID))
		}
		exs = append(exs, ex)
	}
	total := benchMailboxes * benchPerMailbox
	answered := func() int {
		n := 0
		for _, ex := range exs {
			n += len(ex.fake.Responses())
		}
		return n
	}
	began := time.Now()
	insts := d.startAll(b, v.instances, benchStart{})
	d.waitFor(b, benchMeetingsLimit, func() bool { return answered() >= total }, func() string {
		return fmt.Sprintf("every meeting answered (%d of %d are); the instances logged:\n%s", answered(), total, benchErrors(insts))
	})
	elapsed := time.Since(began)
	if errs := benchErrors(insts); errs != "" {
		b.Logf("the instances logged:\n%s", errs)
	}
	// Exactly one reply per meeting, whichever instance sent it.
	for _, ex := range exs {
		seen := map[string]int{}
		for _, r := range ex.fake.Responses() {
			seen[r.MeetingUID]++
		}
		for uid, n := range seen {
			if n != 1 {
				b.Fatalf("%s: %d replies", uid, n)
			}
		}
	}
	return float64(total) / elapsed.Seconds()
}

// benchFailover runs rounds failovers with three instances and returns
// their times.
func benchFailover(b *testing.B, pg *pgtest.Cluster, rounds int, cross bool) []time.Duration {
	d := benchDeploy(b, pg, true)
	const mailboxes = 3
	var exs []*benchExchange
	var ins []*integration.Integration
	for m := range mailboxes {
		ex := d.exchange(b, fmt.Sprintf("room%d@contoso.com", m))
		exs = append(exs, ex)
		ins = append(ins, d.integration(b, fmt.Sprintf("Failover %d", m), ex))
	}
	hosts := []string{"", "", ""}
	if cross {
		hosts = []string{"vmr-bench-a", "vmr-bench-b", "vmr-bench-c"}
	}
	insts := make([]*benchInstance, len(hosts))
	for i, h := range hosts {
		insts[i] = d.start(b, benchStart{host: h, wake: benchWakeEvery})
	}
	for i := range insts {
		insts[i].waitReady(b)
	}
	start := time.Now().Add(96 * time.Hour).Truncate(time.Hour)
	var times []time.Duration
	for round := range rounds {
		m := round % mailboxes
		ex, in := exs[m], ins[m]
		a, _, err := d.svc.Aliases.Reserve(d.ctx, in, fmt.Sprintf("failover-%d", round), benchOrganizer.Email)
		if err != nil {
			b.Fatal(err)
		}
		// Catch the owner in the middle of a pass: holding the lease,
		// waiting for Exchange.
		caught, release := ex.gate.arm()
		select {
		case <-caught:
		case <-time.After(2 * time.Minute):
			b.Fatalf("round %d: no instance read %s within 2 minutes", round, in.Name)
		}
		st, err := d.svc.Scheduler.Status(d.ctx, in.Name)
		if err != nil {
			b.Fatal(err)
		}
		if st.Lease == nil {
			b.Fatalf("round %d: a pass of %s is under way but no lease is held", round, in.Name)
		}
		victim := -1
		for i, inst := range insts {
			if inst.pid == st.Lease.PID {
				victim = i
			}
		}
		if victim < 0 {
			b.Fatalf("round %d: the lease of %s is held by pid %d on %s, none of this benchmark's instances", round, in.Name, st.Lease.PID, st.Lease.Host)
		}
		if cross && st.Lease.Host != hosts[victim] {
			b.Fatalf("round %d: the lease names host %q, the instance's is %q", round, st.Lease.Host, hosts[victim])
		}
		uid := fmt.Sprintf("failover-%04d", round)
		killed := time.Now()
		insts[victim].kill(b)
		close(release)
		ex.fake.SendRequest(benchMeeting(uid, start.Add(time.Duration(round)*time.Hour), a.UUID))
		d.waitFor(b, 5*time.Minute, func() bool { return benchAnswered(ex.fake, uid) }, func() string {
			return fmt.Sprintf("round %d: the meeting after the kill answered; the instances logged:\n%s", round, benchErrors(insts))
		})
		times = append(times, time.Since(killed))
		b.Logf("round %d: killed pid %d (%s), answered after %s", round, st.Lease.PID, benchHostName(st.Lease.Host), time.Since(killed).Round(time.Millisecond))
		// Back to three instances, ready before the next round.
		insts[victim] = d.start(b, benchStart{host: hosts[victim], wake: benchWakeEvery})
		insts[victim].waitReady(b)
	}
	return times
}

func benchHostName(h string) string {
	if h == "" {
		return "no host"
	}
	return h
}

func benchAnswered(fake *ewstest.Server, uid string) bool {
	for _, r := range fake.Responses() {
		if r.MeetingUID == uid {
			return true
		}
	}
	return false
}

var benchOrganizer = ews.Mailbox{Name: "Alex", Email: "alex@contoso.com"}

// benchMeeting is a request from Alex carrying the add-in's reservation.
func benchMeeting(uid string, start time.Time, reservation string) ewstest.Meeting {
	return ewstest.Meeting{UID: uid, Subject: "Meeting " + uid, Organizer: benchOrganizer,
		Start: start, End: start.Add(30 * time.Minute), TimeZone: "W. Europe Standard Time",
		BodyHTML: "<p>Agenda.</p><p>vmr-companion:" + reservation + "</p>"}
}

// benchPostgres starts the test binary's PostgreSQL cluster, stopped when
// the benchmark ends (a later benchmark starts a new one).
func benchPostgres(b *testing.B) *pgtest.Cluster {
	c := pgtest.Start(b)
	b.Cleanup(c.Stop)
	return c
}

// benchDeployment is one database with its key file and certificate,
// and the instances on it.
type benchDeployment struct {
	ctx      context.Context
	database string
	keyFile  string
	certFile string
	keyPEM   string
	ca       *testtls.CA
	svc      *wire.Services // the parent's own view of the database
	password string
	// poke is signalled after every request any fake Exchange answered.
	poke chan struct{}
}

func benchDeploy(b *testing.B, pg *pgtest.Cluster, postgres bool) *benchDeployment {
	b.Helper()
	secretstest.MockInit()
	dir := b.TempDir()
	d := &benchDeployment{ctx: context.Background(), poke: make(chan struct{}, 1), password: benchRandom(b)}
	if postgres {
		d.database = pg.NewDatabase(b)
	} else {
		d.database = "sqlite:" + filepath.Join(dir, "vmr.db")
	}
	d.keyFile = filepath.Join(dir, "secrets.key")
	if _, err := secrets.CreateKeyFile(d.keyFile); err != nil {
		b.Fatal(err)
	}
	// One certificate for 127.0.0.1 served by every instance, as a load
	// balancer's back ends share the certificate of addin_server_domain.
	d.ca = testtls.NewCA(b, "HA bench CA")
	leaf := d.ca.Valid(b, "127.0.0.1")
	der, err := x509.MarshalPKCS8PrivateKey(leaf.PrivateKey)
	if err != nil {
		b.Fatal(err)
	}
	d.certFile, d.keyPEM = filepath.Join(dir, "host.pem"), filepath.Join(dir, "host-key.pem")
	if err := os.WriteFile(d.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Certificate[0]}), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(d.keyPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		b.Fatal(err)
	}
	ctx := wire.WithDatabase(wire.WithSecrets(d.ctx, wire.Secrets{Backend: secrets.BackendEncrypted, KeyFile: d.keyFile}), d.database)
	svc, err := wire.Open(ctx, filepath.Join(dir, "parent"), wiretest.Config())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	d.svc = svc
	return d
}

// benchExchange is a fake Exchange with one room mailbox over TLS on
// loopback, which pokes the deployment after every answer and can hold a
// SyncFolderItems (gate).
type benchExchange struct {
	fake   *ewstest.Server
	url    string
	caFile string
	room   string
	gate   benchGate
	poke   chan struct{}
}

func (d *benchDeployment) exchange(b *testing.B, room string) *benchExchange {
	b.Helper()
	ex := &benchExchange{fake: ewstest.New(room), room: room, poke: d.poke}
	srv := httptest.NewUnstartedServer(ex)
	// Killed instances reset their connections; the server's complaints
	// would land in the middle of the benchmark's result lines.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	b.Cleanup(srv.Close)
	ex.url, ex.caFile = srv.URL+"/EWS/Exchange.asmx", testtls.WritePEM(b, srv.Certificate())
	return ex
}

func (ex *benchExchange) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if ex.gate.hold(r) {
		http.Error(w, "held by the benchmark", http.StatusServiceUnavailable)
		return
	}
	ex.fake.ServeHTTP(w, r)
	select {
	case ex.poke <- struct{}{}:
	default:
	}
}

// benchGate holds the next SyncFolderItems once armed, until released or
// until the client is gone (killed).
type benchGate struct {
	mu      sync.Mutex
	caught  chan struct{}
	release chan struct{}
}

func (g *benchGate) arm() (caught, release chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.caught, g.release = make(chan struct{}), make(chan struct{})
	return g.caught, g.release
}

func (g *benchGate) hold(r *http.Request) bool {
	g.mu.Lock()
	if g.caught == nil {
		g.mu.Unlock()
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil || !bytes.Contains(body, []byte("SyncFolderItems")) {
		g.mu.Unlock()
		return false
	}
	caught, release := g.caught, g.release
	g.caught, g.release = nil, nil
	g.mu.Unlock()
	close(caught)
	select {
	case <-release:
	case <-r.Context().Done():
	}
	return true
}

// integration creates an integration for ex's room mailbox.
func (d *benchDeployment) integration(b *testing.B, name string, ex *benchExchange) *integration.Integration {
	b.Helper()
	data, _ := json.Marshal(map[string]any{
		"name": name, "url": ex.url, "room_mailbox_email_address": ex.room,
		"username": "svc-vmr", "password": d.password, "domains": []string{"contoso.com"}, "ews_ca_file": ex.caFile,
		"scheduled_alias_prefix": "meet", "scheduled_alias_domain": "vc.contoso.com", "enable_dynamic_vmrs": true,
	})
	in, err := d.svc.Integrations.DecodeNew(data)
	if err != nil {
		b.Fatal(err)
	}
	saved, err := d.svc.Integrations.Create(d.ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	return saved.Integration
}

// waitFor waits, woken by the fake Exchanges' answers, until done says so.
func (d *benchDeployment) waitFor(b *testing.B, limit time.Duration, done func() bool, what func() string) {
	b.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for !done() {
		select {
		case <-d.poke:
		case <-deadline.C:
			b.Fatalf("not done within %s: %s", limit, what())
		}
	}
}

type benchStart struct {
	host string        // a host name of its own (UTS namespace), or this host's
	wake time.Duration // wake the workers this often (0: serve's own poll)
}

// benchInstance is one running `serve`.
type benchInstance struct {
	cmd   *exec.Cmd
	pid   int
	url   string
	ready chan struct{}
	done  chan struct{}
	err   error // Wait's, once done is closed
	out   *benchTail
}

func (d *benchDeployment) startAll(b *testing.B, n int, o benchStart) []*benchInstance {
	b.Helper()
	insts := make([]*benchInstance, n)
	for i := range insts {
		insts[i] = d.start(b, o)
	}
	for _, inst := range insts {
		inst.waitReady(b)
	}
	return insts
}

// start launches a `serve` on the deployment's database; waitReady waits
// for it.
func (d *benchDeployment) start(b *testing.B, o benchStart) *benchInstance {
	b.Helper()
	args, _ := json.Marshal([]string{
		"--data-dir", b.TempDir(), "--database", d.database,
		"--secrets", secrets.BackendEncrypted, "--secrets-key-file", d.keyFile,
		"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
		"--tls-cert", d.certFile, "--tls-key", d.keyPEM, "--reservation-rate", "0",
		// A benchmark machine may have several people signed in; the host
		// listens on loopback only.
		"--allow-shared-host",
	})
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchServeChild$", "-test.count=1", "-test.timeout=30m")
	cmd.Env = append(os.Environ(), benchEnvChild+"="+string(args), benchEnvHost+"="+o.host, benchEnvWake+"="+o.wake.String())
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if o.host != "" {
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWUTS
	}
	inst := &benchInstance{cmd: cmd, ready: make(chan struct{}), done: make(chan struct{}), out: &benchTail{}}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = inst.out
	if err := cmd.Start(); err != nil {
		b.Fatalf("starting serve: %v", err)
	}
	inst.pid = cmd.Process.Pid
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			inst.out.Write([]byte(line + "\n"))
			if rest, ok := strings.CutPrefix(line, "Add-in host running at "); ok {
				inst.url, _, _ = strings.Cut(rest, " ")
			}
			if strings.HasPrefix(line, "Press Ctrl+C to stop.") {
				close(inst.ready)
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		<-scanned
		inst.err = cmd.Wait()
		close(inst.done)
	}()
	b.Cleanup(func() { inst.stop(b) })
	return inst
}

func (inst *benchInstance) waitReady(b *testing.B) {
	b.Helper()
	select {
	case <-inst.ready:
	case <-inst.done:
		b.Fatalf("serve (pid %d) ended before it was ready: %v\n%s", inst.pid, inst.err, inst.out)
	case <-time.After(time.Minute):
		b.Fatalf("serve (pid %d) was not ready within a minute\n%s", inst.pid, inst.out)
	}
}

// kill SIGKILLs the instance and reaps it (a zombie would still count as
// a living holder of its lease).
func (inst *benchInstance) kill(b *testing.B) {
	b.Helper()
	if err := inst.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		b.Fatalf("killing pid %d: %v", inst.pid, err)
	}
	<-inst.done
}

// stop ends the instance as a service manager does: SIGTERM, then
// SIGKILL if it has not stopped within 20 s.
func (inst *benchInstance) stop(b *testing.B) {
	select {
	case <-inst.done:
		return
	default:
	}
	inst.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-inst.done:
	case <-time.After(20 * time.Second):
		b.Logf("serve (pid %d) did not stop within 20 s of SIGTERM: SIGKILL", inst.pid)
		inst.cmd.Process.Signal(syscall.SIGKILL)
		<-inst.done
	}
}

// benchTail keeps the last 16 KB of a child's output and its last 50
// error records (which the request log would push out of the tail), for
// failure messages.
type benchTail struct {
	mu      sync.Mutex
	buf     []byte
	partial []byte
	errs    []string
}

func (t *benchTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - 16<<10; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		if line := string(t.partial[:i]); strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
			t.errs = append(t.errs[max(0, len(t.errs)-49):], line)
		}
		t.partial = t.partial[i+1:]
	}
	if len(t.partial) > 64<<10 {
		t.partial = t.partial[:0]
	}
	return len(p), nil
}

func (t *benchTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func (t *benchTail) errors() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.errs)
}

// benchLoad is one measured reservation load.
type benchLoad struct {
	rps, p50, p99 float64
	answers       int // 201s, warm-up included
	serverErrors  int // 5xx answers, warm-up included
}

type benchReservation struct {
	Alias        string `json:"alias"`
	NumericAlias string `json:"numeric_alias"`
	AliasUUID    string `json:"alias_uuid"`
	Created      bool   `json:"created"`
}

// benchReserve runs benchConns keep-alive clients (client i on urls[i %
// len]) for a warm-up and then the measured time, each POSTing a new item
// key as soon as its last answer came. Every answer must be 201 with a
// new alias: problems lists those that were not (5xx among them) and
// every alias handed out twice. Latencies are of every answer.
func benchReserve(b *testing.B, pool *x509.CertPool, urls []string, integrationUUID string) (load benchLoad, problems []string) {
	b.Helper()
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{}, // HTTP/1.1, as the peers' wrk
		MaxConnsPerHost:     benchConns,
		MaxIdleConnsPerHost: benchConns,
		IdleConnTimeout:     time.Minute,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	prefix := "bench-" + benchRandom(b)[:12]
	type result struct {
		lat      []time.Duration
		ok       int // 201s within the phase
		answers  []benchReservation
		statuses map[int]int
		errs     []string
	}
	phase := func(name string, d time.Duration) []*result {
		end := time.Now().Add(d)
		results := make([]*result, benchConns)
		var wg sync.WaitGroup
		for i := range results {
			r := &result{statuses: map[int]int{}}
			results[i] = r
			url := urls[i%len(urls)] + "/api/v1/integrations/" + integrationUUID + "/reservations"
			wg.Go(func() {
				for seq := 0; ; seq++ {
					t0 := time.Now()
					if !t0.Before(end) {
						return
					}
					body := fmt.Sprintf(`{"item_key": "%s-%s-%d-%d"}`, prefix, name, i, seq)
					req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-VMR-User", benchOrganizer.Email)
					resp, err := client.Do(req)
					if err != nil {
						r.errs = append(r.errs, err.Error())
						continue
					}
					data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
					resp.Body.Close()
					done := time.Now()
					if err != nil {
						r.errs = append(r.errs, err.Error())
						continue
					}
					r.statuses[resp.StatusCode]++
					var a benchReservation
					if resp.StatusCode == http.StatusCreated && json.Unmarshal(data, &a) == nil {
						r.answers = append(r.answers, a)
					} else {
						r.errs = append(r.errs, fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, data))
					}
					if done.Before(end) {
						r.lat = append(r.lat, done.Sub(t0))
						if resp.StatusCode == http.StatusCreated {
							r.ok++
						}
					}
				}
			})
		}
		wg.Wait()
		return results
	}
	var all []*result
	if benchWarmup > 0 {
		all = append(all, phase("w", benchWarmup)...)
	}
	began := time.Now()
	measured := phase("m", benchDuration)
	elapsed := time.Since(began)
	all = append(all, measured...)

	var lat []time.Duration
	var errs []string
	aliases, uuids := map[string]int{}, map[string]int{}
	answers, serverErrors, ok := 0, 0, 0
	for _, r := range all {
		errs = append(errs, r.errs...)
		for _, a := range r.answers {
			answers++
			aliases[a.Alias]++
			uuids[a.AliasUUID]++
			if !a.Created || a.Alias == "" {
				errs = append(errs, fmt.Sprintf("an answer not created or without alias: %+v", a))
			}
		}
		for code, n := range r.statuses {
			if code >= 500 {
				serverErrors += n
			}
		}
	}
	for _, r := range measured {
		lat = append(lat, r.lat...)
		ok += r.ok
	}
	for a, n := range aliases {
		if n > 1 {
			errs = append(errs, fmt.Sprintf("alias %s handed out %d times", a, n))
		}
	}
	for u, n := range uuids {
		if n > 1 {
			errs = append(errs, fmt.Sprintf("alias uuid %s handed out %d times", u, n))
		}
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return benchMS(lat[min(len(lat)-1, max(0, int(p/100*float64(len(lat))+0.5)-1))])
	}
	return benchLoad{rps: float64(ok) / elapsed.Seconds(), p50: pct(50), p99: pct(99), answers: answers, serverErrors: serverErrors}, errs
}

// benchStartupWarnings are what every benchmark instance warns about as it
// starts (no policy credentials, --auth none): not worth showing.
var benchStartupWarnings = [2]string{"until its credentials are set", "No authentication:"}

// benchErrors are the error and warning records in the instances' logs
// (the last 20).
func benchErrors(insts []*benchInstance) string {
	var lines []string
	for _, inst := range insts {
		for _, line := range inst.out.errors() {
			if strings.Contains(line, benchStartupWarnings[0]) || strings.Contains(line, benchStartupWarnings[1]) {
				continue
			}
			lines = append(lines, fmt.Sprintf("pid %d: %s", inst.pid, line))
		}
	}
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

func benchMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchRandom is a fresh random hex string (passwords, key prefixes).
func benchRandom(b *testing.B) string {
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		b.Fatal(err)
	}
	return hex.EncodeToString(buf[:])
}

func benchEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n >= 0 {
		return n
	}
	return def
}

func benchEnvDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d >= 0 {
		return d
	}
	return def
}
