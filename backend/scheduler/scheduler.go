package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"vmr-companion/backend/backoff"
	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/auth"
	"vmr-companion/backend/integration"
)

// Integrations lists and reads integrations (backend/integration.Service).
type Integrations interface {
	List(ctx context.Context) ([]integration.Summary, error)
	Get(ctx context.Context, ref string) (*integration.Integration, error)
}

// Config is what the scheduler works with.
type Config struct {
	Repository   Repository
	Integrations Integrations
	Aliases      Aliases
	Templates    Renderer
	Connect      Connector
	Logger       *slog.Logger
	Now          func() time.Time
	// Poll is the pause between passes when the mailbox has nothing new.
	Poll time.Duration
	// MaxBackoff bounds the pause after transient failures.
	MaxBackoff time.Duration
	// MaxAttempts is how many failures quarantine an item or a reply
	// (DefaultMaxAttempts); RetryBase is the first pause after a failure,
	// doubling after each (DefaultRetryBase).
	MaxAttempts int
	RetryBase   time.Duration
	// LeaseTTL is how long a mailbox lease lasts unless renewed
	// (DefaultLeaseTTL); PID and Host name this process in it.
	LeaseTTL time.Duration
	PID      int
	Host     string
	// Sleep waits for a held lease to free (RunOnceWaiting); nil sleeps
	// for real, honouring ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// PlaceholderHorizon caps the room of a placeholder meeting whose
	// series has no end (default a year); PlaceholderLimit is how many
	// placeholder meetings one organizer gets a room for within an hour
	// (default 10, negative: no limit).
	PlaceholderHorizon time.Duration
	PlaceholderLimit   int
	placeholders       *placeholderLimit
	// Infinity gives the management API client for integrations whose
	// infinity_provisioning is api (backend/infinitysync.Service); nil
	// leaves their operations waiting, saying the app is not connected.
	Infinity InfinityClients
	// Observer learns of each decision and pass (backend/metrics); nil:
	// nobody listens.
	Observer Observer
	// KeepLease: the database is shared by several instances (PostgreSQL).
	// Once started, this one renews its mailboxes' leases between passes
	// and takes only its share of them (instances.go); the Repository must
	// be an InstanceRepository.
	KeepLease bool

	// beforeDecide is a test seam (export_test.go): called with each item
	// before it is decided.
	beforeDecide func(*ews.Item)
	// afterInfinity is a test seam (export_test.go): called after each
	// request Infinity carried out, before the store hears of it; an
	// error ends the drain there, as a kill would.
	afterInfinity func(step string) error
}

// Scheduler runs one worker per enabled integration.
type Scheduler struct {
	cfg    Config
	logger *slog.Logger

	mu      sync.Mutex
	workers map[int64]*worker
	// backlog counts, per integration, the items a pass has seen and not
	// yet decided.
	backlog map[int64]int
	// draining is set by Drain: passes stop between decisions and sends.
	draining atomic.Bool
	// instance is this scheduler's token on a shared database: the one
	// its kept leases carry.
	instance string
	share    share
}

// ErrStopping ends a pass that Drain stopped between two decisions.
var ErrStopping = errors.New("scheduler: stopping (the service is shutting down)")

type worker struct {
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{}

	mu    sync.Mutex
	in    *integration.Integration // re-read by loop each pass: its name may change
	state string
}

func (w *worker) integration() *integration.Integration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.in
}

func (w *worker) setIntegration(in *integration.Integration) {
	w.mu.Lock()
	w.in = in
	w.mu.Unlock()
}

func (w *worker) setState(s string) {
	w.mu.Lock()
	w.state = s
	w.mu.Unlock()
}

func (w *worker) getState() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// New builds a scheduler; no worker runs until Start or StartWorker.
func New(cfg Config) *Scheduler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.PlaceholderHorizon <= 0 {
		cfg.PlaceholderHorizon = DefaultPlaceholderHorizon
	}
	if cfg.PlaceholderLimit == 0 {
		cfg.PlaceholderLimit = DefaultPlaceholderLimit
	}
	cfg.placeholders = newPlaceholderLimit(cfg.PlaceholderLimit)
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = DefaultRetryBase
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.PID == 0 {
		cfg.PID = os.Getpid()
	}
	if cfg.Host == "" {
		cfg.Host, _ = os.Hostname()
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	return &Scheduler{cfg: cfg, logger: cfg.Logger, workers: map[int64]*worker{}, backlog: map[int64]int{}, instance: uuid.NewString()}
}

func (s *Scheduler) now() time.Time { return s.cfg.Now() }

// Observer learns what the workers do, for metrics. Its methods must
// return quickly: they run on the worker's goroutine.
type Observer interface {
	// Decided is one decision committed, by its code (LogEntry.Code).
	Decided(integration, code string)
	// Passed is one pass ended: err nil when it went through.
	Passed(integration string, r PassReport)
}

// PassReport is what one pass did.
type PassReport struct {
	Took time.Duration
	// RepliesSent and RepliesFailed count outbox sends.
	RepliesSent, RepliesFailed int
	// Err is why the pass ended early (nil: it went through; a lease held
	// elsewhere is reported as an error too).
	Err error
}

func (s *Scheduler) setBacklog(integrationID int64, n int) {
	s.mu.Lock()
	s.backlog[integrationID] = n
	s.mu.Unlock()
}

// Eligible tells why an integration has no worker, or "" when it can have one.
func Eligible(in *integration.Integration) string {
	switch {
	case !in.EnableDynamicVMRs:
		return "single-use VMRs are off for this integration"
	case in.RoomMailboxEmailAddress == nil || *in.RoomMailboxEmailAddress == "":
		return "the integration has no room mailbox"
	case in.URL == "":
		return "the integration has no EWS URL"
	}
	return ""
}

// Summary is what one RunOnce did.
type Summary struct {
	Integration string `json:"integration"`
	Decided     int    `json:"decided"`
	Skipped     int    `json:"skipped"`
	Sent        int    `json:"sent"`
	// Failed counts items and replies that failed this pass (tried again
	// later); Quarantined those set aside until an admin retries them.
	Failed      int `json:"failed"`
	Quarantined int `json:"quarantined"`
	// Held says which process works on the mailbox instead (no error).
	Held   string `json:"held,omitempty"`
	Error  string `json:"error,omitempty"`
	Advice string `json:"advice,omitempty"`
}

// RunOnce processes what waits in one integration's mailbox and outbox, and
// returns when both are empty (items and replies waiting out a back-off
// stay). When another process holds the mailbox's lease it returns a
// *HeldError and a summary saying so.
func (s *Scheduler) RunOnce(ctx context.Context, ref string) (*Summary, error) {
	return s.runOnce(ctx, ref, false)
}

// RunOnceWaiting is RunOnce, waiting for the mailbox's lease (and
// Exchange's back-off) rather than returning.
func (s *Scheduler) RunOnceWaiting(ctx context.Context, ref string) (*Summary, error) {
	return s.runOnce(ctx, ref, true)
}

func (s *Scheduler) runOnce(ctx context.Context, ref string, wait bool) (*Summary, error) {
	in, err := s.cfg.Integrations.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Integration: in.Name}
	if why := Eligible(in); why != "" {
		return sum, fmt.Errorf("integration %q cannot be scheduled: %s", in.Name, why)
	}
	for {
		p, err := s.runPass(ctx, in)
		var held *HeldError
		errors.As(err, &held)
		if wait && held != nil {
			// Short naps: the holder usually releases long before expiry.
			if err := s.cfg.Sleep(ctx, min(max(held.Within(), 100*time.Millisecond), time.Second)); err != nil {
				return sum, err
			}
			continue
		}
		if p != nil {
			sum.Decided, sum.Skipped, sum.Sent, sum.Failed, sum.Quarantined = p.decided, p.skipped, p.sent, p.failed, p.quarantined
		}
		switch {
		case held != nil:
			sum.Held = err.Error()
		case err != nil:
			sum.Error, sum.Advice = err.Error(), Advice(err)
		}
		return sum, err
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// runPass takes the mailbox's lease, works, and gives the lease back.
func (s *Scheduler) runPass(ctx context.Context, in *integration.Integration) (p *pass, err error) {
	if o := s.cfg.Observer; o != nil {
		start := s.now()
		defer func() {
			r := PassReport{Took: s.now().Sub(start), Err: err}
			if p != nil {
				r.RepliesSent, r.RepliesFailed = p.sent, p.repliesFailed
			}
			o.Passed(in.Name, r)
		}()
	}
	h, err := s.acquire(ctx, in)
	if err != nil {
		if !IsHeld(err) && ctx.Err() == nil {
			s.recordError(in, err)
		}
		return nil, err
	}
	defer h.release()
	// Operations on Infinity go alongside the mailbox's work, under the
	// same lease: a slow Infinity never holds up reading new meetings, nor
	// a failing Exchange the operations.
	kick, done := make(chan struct{}, 1), make(chan struct{})
	provisioned := make(chan struct{})
	go func() {
		defer close(provisioned)
		s.provisionDuring(h.ctx, in, kick, done)
	}()
	defer func() {
		close(done)
		<-provisioned
	}()
	// Every EWS request of the pass names it (connect.go).
	passCtx := withPass(h.ctx)
	mbox, err := s.cfg.Connect(passCtx, in)
	if err != nil {
		s.recordError(in, err)
		return nil, err
	}
	p = &pass{s: s, in: in, mbox: mbox, kick: kick}
	if err := p.run(passCtx); err != nil {
		if bo := backOffOf(err); bo > 0 {
			s.keepBackOff(in, bo)
		}
		if h.ctx.Err() == nil && !errors.Is(err, ErrStopping) {
			s.recordError(in, err)
		}
		return p, err
	}
	return p, nil
}

func (s *Scheduler) recordError(in *integration.Integration, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if rerr := s.cfg.Repository.RecordError(ctx, in.ID, err.Error(), Advice(err), s.now()); rerr != nil {
		s.logger.Error("recording a scheduler error failed", "integration", in.Name, "error", rerr)
	}
	s.logger.Warn("scheduler pass failed", "integration", in.Name, "error", err)
}

// Fatal tells errors a retry cannot fix: authentication and configuration.
func Fatal(err error) bool {
	return auth.IsAuthError(err) || ews.IsAuth(err) || errors.Is(err, errConfig)
}

// Advice says what an admin can do about a worker's error.
func Advice(err error) string {
	var ae *auth.Error
	switch {
	case errors.As(err, &ae):
		return ae.Advice
	case ews.IsAuth(err):
		return "Exchange refused the service account: check its user name and password (or the OAuth settings), that it may open the room mailbox, and for app permissions that the app may impersonate it. Then start the worker again."
	case errors.Is(err, ews.ErrMalformed):
		return "The EWS URL does not answer like Exchange Web Services: check the integration's URL (it ends in /EWS/Exchange.asmx)."
	case ews.IsTransient(err):
		return "Exchange is busy or out of reach; the worker retries by itself."
	}
	return "Run `vmr-companion diagnose --integration NAME` or Test connection in the window to find the cause."
}

// Start starts a worker for every eligible integration (and, on a shared
// database, the instance's heartbeat).
func (s *Scheduler) Start(ctx context.Context) error {
	list, err := s.cfg.Integrations.List(ctx)
	if err != nil {
		return err
	}
	s.startKeeper()
	for _, sum := range list {
		in, err := s.cfg.Integrations.Get(ctx, sum.UUID)
		if err != nil {
			return err
		}
		if Eligible(in) != "" {
			continue
		}
		s.start(in)
	}
	return nil
}

// StartWorker starts (or restarts after a failure) one integration's worker.
func (s *Scheduler) StartWorker(ctx context.Context, ref string) error {
	in, err := s.cfg.Integrations.Get(ctx, ref)
	if err != nil {
		return err
	}
	if why := Eligible(in); why != "" {
		return fmt.Errorf("integration %q cannot be scheduled: %s; change it and try again", in.Name, why)
	}
	if s.draining.Load() {
		return ErrStopping
	}
	s.StopWorker(in.UUID)
	s.start(in)
	return nil
}

func (s *Scheduler) start(in *integration.Integration) {
	if s.draining.Load() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.workers[in.ID]; ok {
		select {
		case <-w.done:
		default:
			return // already running
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &worker{in: in, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1), state: WorkerRunning}
	s.workers[in.ID] = w
	go s.loop(ctx, w)
}

// StopWorker stops one integration's worker and waits for it.
func (s *Scheduler) StopWorker(ref string) {
	s.mu.Lock()
	var w *worker
	for _, cand := range s.workers {
		if in := cand.integration(); in.UUID == ref || in.Name == ref {
			w = cand
		}
	}
	s.mu.Unlock()
	if w == nil {
		return
	}
	w.cancel()
	<-w.done
	s.mu.Lock()
	if id := w.integration().ID; s.workers[id] == w {
		delete(s.workers, id)
	}
	s.mu.Unlock()
	if id := w.integration().ID; s.keeping() {
		// Another instance takes the mailbox at once, unless a pass was
		// stopped mid-way (hold.release).
		s.markHeld(id, false)
		if !s.isCut(id) {
			s.release(w.integration(), s.instance)
		}
	}
}

// Wake asks every running worker to look at its mailbox now.
func (s *Scheduler) Wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.workers {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// Drain stops every worker gracefully: a pass finishes the decision (one
// transaction) and the replies it is sending, then gives its lease back.
// Workers still busy when ctx ends are stopped at once (Stop); what they
// were doing is rolled back or found again by the next pass. New workers
// are not started afterwards.
func (s *Scheduler) Drain(ctx context.Context) {
	s.draining.Store(true)
	s.mu.Lock()
	workers := make([]*worker, 0, len(s.workers))
	for _, w := range s.workers {
		workers = append(workers, w)
	}
	s.mu.Unlock()
	s.Wake()
	for _, w := range workers {
		select {
		case <-w.done:
		case <-ctx.Done():
		}
	}
	s.Stop()
}

// Stop stops every worker.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	refs := make([]string, 0, len(s.workers))
	for _, w := range s.workers {
		refs = append(refs, w.integration().UUID)
	}
	s.mu.Unlock()
	for _, r := range refs {
		s.StopWorker(r)
	}
	s.stopKeeper()
}

func (s *Scheduler) loop(ctx context.Context, w *worker) {
	defer close(w.done)
	failures := 0
	for {
		if s.draining.Load() {
			w.setState(WorkerStopped)
			return
		}
		// Settings may have changed since the worker started.
		in, err := s.cfg.Integrations.Get(ctx, w.integration().UUID)
		if err == nil {
			w.setIntegration(in)
			_, err = s.runPass(ctx, in)
		}
		if ctx.Err() != nil || s.draining.Load() {
			w.setState(WorkerStopped)
			return
		}
		wait := s.cfg.Poll
		var held *HeldError
		switch {
		case err == nil:
			failures = 0
			w.setState(WorkerRunning)
		case errors.As(err, &held):
			// Another process works on the mailbox, or Exchange asked to
			// wait: not a failure of this worker.
			w.setState(WorkerWaiting)
			if held.BackOff {
				wait = max(held.Within(), time.Second)
			} else if s.keeping() {
				// Look again within a third of the lease time, so a dead
				// owner's mailbox is taken soon after its lease ends.
				wait = min(wait, s.cfg.LeaseTTL/3)
			}
		case Fatal(err):
			w.setState(WorkerFailed)
			return
		default:
			failures++
			w.setState(WorkerBackoff)
			// Up to 2^failures seconds, fully jittered (backend/backoff).
			wait = max(backoff.Full(failures+1, time.Second, s.cfg.MaxBackoff, nil), backOffOf(err))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			w.setState(WorkerStopped)
			return
		case <-w.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// Statuses reports every integration's scheduler state.
func (s *Scheduler) Statuses(ctx context.Context) ([]Status, error) {
	list, err := s.cfg.Integrations.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Status, 0, len(list))
	for _, sum := range list {
		st, err := s.status(ctx, sum.UUID)
		if err != nil {
			return nil, err
		}
		out = append(out, *st)
	}
	return out, nil
}

// Status reports one integration's scheduler state.
func (s *Scheduler) Status(ctx context.Context, ref string) (*Status, error) {
	return s.status(ctx, ref)
}

func (s *Scheduler) status(ctx context.Context, ref string) (*Status, error) {
	in, err := s.cfg.Integrations.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	st, err := s.cfg.Repository.Status(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	st.State = WorkerStopped
	if Eligible(in) != "" {
		st.State = WorkerDisabled
	}
	s.mu.Lock()
	if w, ok := s.workers[in.ID]; ok {
		st.State = w.getState()
	}
	st.Backlog = s.backlog[in.ID]
	s.mu.Unlock()
	if l := st.Lease; l != nil {
		now := s.now()
		if !l.ExpiresAt.After(now) && !l.BackOffUntil.After(now) {
			st.Lease = nil // nobody works on the mailbox now
		} else {
			l.ThisProcess = l.PID == s.cfg.PID && l.Host == s.cfg.Host
		}
	}
	return st, nil
}

// Conferences lists scheduled conferences (see Filter).
func (s *Scheduler) Conferences(ctx context.Context, ref string, since time.Time) ([]ScheduledConference, error) {
	f := Filter{Since: since}
	if ref != "" {
		in, err := s.cfg.Integrations.Get(ctx, ref)
		if err != nil {
			return nil, err
		}
		f.IntegrationID = in.ID
	}
	return s.cfg.Repository.Conferences(ctx, f)
}

// Log returns the latest operations log entries, newest first.
func (s *Scheduler) Log(ctx context.Context, ref string, limit int) ([]LogEntry, error) {
	var id int64
	if ref != "" {
		in, err := s.cfg.Integrations.Get(ctx, ref)
		if err != nil {
			return nil, err
		}
		id = in.ID
	}
	return s.cfg.Repository.Log(ctx, id, limit)
}

// ResetSync makes the next pass read the room mailbox from the start (after
// the mailbox was moved or replaced); items decided before are recognised
// and not decided again.
func (s *Scheduler) ResetSync(ctx context.Context, ref string) error {
	in, err := s.cfg.Integrations.Get(ctx, ref)
	if err != nil {
		return err
	}
	return s.cfg.Repository.SaveSyncState(ctx, in.ID, "", s.now())
}
