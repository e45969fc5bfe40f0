package scheduler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/integration"
)

// Where a scheduled conference stands on Pexip Infinity
// (ScheduledConference.InfinityState).
const (
	InfinityPolicy  = "policy"  // Infinity asks this service (external policy); "" before API provisioning existed means the same
	InfinityPending = "pending" // queued for the management API, not created yet
	InfinityCreated = "created" // a conference on Infinity: InfinityID
	InfinityFailed  = "failed"  // Infinity refused it for good: InfinityReason
	InfinityRemoved = "removed" // deleted from Infinity
)

// Operations on Infinity (the infinity outbox).
const (
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
)

// Operations log codes of API provisioning.
const (
	CodeInfinityCreated = "infinity_created"
	CodeInfinityUpdated = "infinity_updated"
	CodeInfinityDeleted = "infinity_deleted"
	CodeInfinityFailed  = "infinity_failed"
)

// ErrInfinityNotConnected is why API-provisioned operations wait when the
// app has no connection to a Management Node.
var ErrInfinityNotConnected = errors.New("not connected to Pexip Infinity: run vmr-companion infinity connect --url https://<management node>")

// InfinityClients gives a management API client on the stored connection
// (backend/infinitysync.Service implements it).
type InfinityClients interface {
	Client(ctx context.Context) (*infinity.Client, error)
}

// InfinityOp is an operation on Infinity queued with a decision, in the
// same transaction.
type InfinityOp struct {
	Key string
	Op  string
}

// ProvisionEntry is an operation waiting in the infinity outbox, with its
// scheduled conference as the store has it now.
type ProvisionEntry struct {
	ID            int64
	IntegrationID int64
	ConferenceID  int64
	Op            string
	Key           string
	State         string // pending or attempted
	Attempts      int
	// Payload is what the last attempt was sending (at least its name), so
	// that a retry finds what a lost answer created.
	Payload map[string]string

	Name, Description            string
	Alias, NumericAlias, AliasID string // AliasID: the reservation's uuid (the conference's tag)
	AliasNumber                  int
	Kind                         string // KindSingle or KindRecurring
	MeetingUID, Subject          string
	Organizer                    string
	InfinityID                   int
	InfinityState                string
	// Ended: the meeting was cancelled or its window has passed.
	Ended bool
	// Sent is what was last written to Infinity: an update PATCHes only
	// the fields that differ from it.
	Sent map[string]string
	// Horizon is how far the occurrences were written to Infinity as
	// scheduled_conference objects (zero: not yet).
	Horizon time.Time
	// ConnectorID is the integration's ms_exchange_connector on Infinity
	// (0 when it was never pulled or pushed there).
	ConnectorID int
	// Record is the scheduled conference, for its occurrences.
	Record *Record
}

// ProvisionResult is how an operation ended well.
type ProvisionResult struct {
	State      string // InfinityCreated or InfinityRemoved
	InfinityID int
	Sent       map[string]string
	// Horizon: how far the occurrences are now written (zero: none).
	Horizon time.Time
	Entry   LogEntry
}

// ProvisionRepository keeps API provisioning's state; backend/store's
// Scheduler implements it.
type ProvisionRepository interface {
	// ProvisionPending lists operations to send (not waiting out a
	// back-off at at), oldest first, at most one per scheduled conference:
	// the oldest unfinished, so that a conference's operations run in order.
	ProvisionPending(ctx context.Context, integrationID int64, limit int, at time.Time) ([]ProvisionEntry, error)
	// ProvisionAttempted marks an entry attempted before it is sent, with
	// what it sends.
	ProvisionAttempted(ctx context.Context, id int64, payload map[string]string) error
	// ProvisionCreated keeps the id Infinity gave the conference, before
	// its aliases are created.
	ProvisionCreated(ctx context.Context, conferenceID int64, infinityID int) error
	// ProvisionDone ends an entry and records the outcome on its
	// conference and in the operations log, together.
	ProvisionDone(ctx context.Context, id int64, r ProvisionResult, at time.Time) error
	// ProvisionWaiting keeps why entries wait (not connected, Infinity out
	// of reach): nothing is counted against them.
	ProvisionWaiting(ctx context.Context, ids []int64, reason string) error
	// ProvisionFail records a failed operation as FailOutbox does; a
	// quarantined one fails its conference.
	ProvisionFail(ctx context.Context, id int64, f FailureReport, policy RetryPolicy) (*Failure, error)
	// ProvisionReap queues the deletion of API-provisioned conferences
	// whose window ended before at; it returns how many.
	ProvisionReap(ctx context.Context, integrationID int64, at time.Time) (int, error)
	// ProvisionReconcile queues what a change of infinity_provisioning
	// calls for (api: creations of live conferences answered by policy
	// until now; policy: deletions of conferences on Infinity), and the
	// top-up of series written only up to a horizon before topUpBefore;
	// it returns how many operations it queued.
	ProvisionReconcile(ctx context.Context, integrationID int64, api bool, at, topUpBefore time.Time) (int, error)
}

// InfinityLine says in words where a scheduled conference stands on
// Infinity, for lists.
func (c ScheduledConference) InfinityLine() string {
	switch c.InfinityState {
	case InfinityPending:
		if c.InfinityReason == "" {
			return "waiting (queued)"
		}
		return "waiting (" + c.InfinityReason + ")"
	case InfinityCreated:
		s := "created on Infinity as id " + strconv.Itoa(c.InfinityID)
		if c.InfinityReason != "" {
			s += " (a change waits: " + c.InfinityReason + ")"
		}
		return s
	case InfinityFailed:
		return "failed: " + c.InfinityReason
	case InfinityRemoved:
		return "removed from Infinity"
	}
	return "answered by policy"
}

// queueInfinity adds to a decision the operation on Infinity it calls for
// (integrations with infinity_provisioning api), committed with it.
func queueInfinity(out *Outcome, in *integration.Integration) {
	rec := out.Conference
	if rec == nil {
		return
	}
	if in.InfinityProvisioning != integration.ProvisionAPI {
		if rec.ID == 0 {
			out.InfinityState = InfinityPolicy
		}
		return
	}
	op := OpUpdate
	switch {
	case rec.ID == 0:
		op, out.InfinityState = OpCreate, InfinityPending
	case rec.State == StateCancelled:
		op = OpDelete
	}
	out.Infinity = append(out.Infinity, InfinityOp{Key: out.Entry.TransactionID + "/infinity", Op: op})
}

// provisionDuring sends the infinity outbox while a pass works: at once,
// each time a decision queues an operation (kick), and once more when the
// mailbox's work is done. Once Infinity is found out of reach (or not
// connected), operations queued later in the pass only get the reason,
// and wait for the next pass.
func (s *Scheduler) provisionDuring(ctx context.Context, in *integration.Integration, kick <-chan struct{}, done <-chan struct{}) {
	reason := ""
	reconcile := true // once a pass: a mode changes between passes
	step := func() bool {
		if reason != "" {
			s.markWaiting(ctx, in, reason)
			return true
		}
		var err error
		reason, err = s.provision(ctx, in, reconcile)
		reconcile = false
		if err != nil && ctx.Err() == nil {
			s.logger.Warn("sending operations to Pexip Infinity stopped; the next pass goes on", "integration", in.Name, "error", err)
		}
		return err == nil && ctx.Err() == nil
	}
	if !step() {
		return
	}
	for {
		select {
		case <-kick:
			if !step() {
				return
			}
		case <-done:
			select {
			case <-kick: // a last decision came in as the pass ended
				step()
			default:
			}
			return
		case <-ctx.Done():
			return
		}
	}
}

// markWaiting gives the operations queued since Infinity was found out of
// reach the reason they wait.
func (s *Scheduler) markWaiting(ctx context.Context, in *integration.Integration, reason string) {
	repo, ok := s.cfg.Repository.(ProvisionRepository)
	if !ok {
		return
	}
	entries, err := repo.ProvisionPending(ctx, in.ID, 256, s.now())
	if err == nil && len(entries) > 0 {
		err = repo.ProvisionWaiting(ctx, entryIDs(entries), reason)
	}
	if err != nil && ctx.Err() == nil {
		s.logger.Warn("recording why operations on Infinity wait failed", "integration", in.Name, "error", err)
	}
}

// provision sends an integration's infinity outbox, after queueing the
// deletion of conferences whose window has passed (the reaper) and, when
// reconcile (the first time in a pass), what reconcile queues. One
// operation that fails never stops the rest; Infinity out of reach (or no
// connection) leaves everything waiting for the next pass.
func (s *Scheduler) provision(ctx context.Context, in *integration.Integration, reconcile bool) (waiting string, err error) {
	repo, ok := s.cfg.Repository.(ProvisionRepository)
	if !ok {
		return "", nil
	}
	if n, err := repo.ProvisionReap(ctx, in.ID, s.now()); err != nil {
		return "", err
	} else if n > 0 {
		s.logger.Info("conferences whose window has passed are queued for deletion from Infinity", "integration", in.Name, "count", n)
	}
	if reconcile {
		if err := s.reconcile(ctx, repo, in); err != nil {
			return "", err
		}
	}
	var client *infinity.Client
	for {
		all, err := repo.ProvisionPending(ctx, in.ID, 32, s.now())
		if err != nil || len(all) == 0 {
			return "", err
		}
		// Operations that need no request end here, connected or not.
		var entries []ProvisionEntry
		for _, e := range all {
			res, ok := settled(in, e, s.now())
			if !ok {
				entries = append(entries, e)
				continue
			}
			if err := repo.ProvisionDone(ctx, e.ID, res, s.now()); err != nil {
				return "", err
			}
		}
		if len(entries) == 0 {
			continue
		}
		if client == nil {
			if client, err = s.infinityClient(ctx); err != nil {
				return s.waiting(ctx, repo, entryIDs(entries), err)
			}
		}
		// suspects failed transiently (5xx, the network): Infinity's fault
		// or theirs. If another operation of the batch goes through, the
		// failure is theirs and counts; if none does, Infinity is out of
		// reach and everything waits, counting nothing (as for replies).
		var suspects []ProvisionEntry
		var suspectErr error
		went := 0
		for i, e := range entries {
			res, err := s.provisionSafely(ctx, repo, client, in, e)
			if err == nil {
				if err := repo.ProvisionDone(ctx, e.ID, res, s.now()); err != nil {
					return "", err
				}
				went++
				continue
			}
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			if errors.Is(err, errSimulatedCrash) {
				return "", err
			}
			switch classifyInfinity(err) {
			case infinityDown:
				// The account refused, or Infinity asks everyone to slow
				// down: nobody's fault in particular.
				return s.waiting(ctx, repo, append(entryIDs(suspects), entryIDs(entries[i:])...), err)
			case infinityTransient:
				suspects, suspectErr = append(suspects, e), err
				if went == 0 && len(suspects) >= maxSuspects {
					return s.waiting(ctx, repo, append(entryIDs(suspects), entryIDs(entries[i+1:])...), err)
				}
			case infinityPermanent:
				if err := s.failProvision(ctx, repo, in, e, err, true); err != nil {
					return "", err
				}
				went++ // Infinity answered
			default:
				if err := s.failProvision(ctx, repo, in, e, err, false); err != nil {
					return "", err
				}
				went++
			}
		}
		if len(suspects) > 0 && went == 0 {
			return s.waiting(ctx, repo, entryIDs(suspects), suspectErr)
		}
		for _, e := range suspects {
			if err := s.failProvision(ctx, repo, in, e, suspectErr, false); err != nil {
				return "", err
			}
		}
	}
}

// reconcile queues what the integration's provisioning calls for now:
// the mode is read at each decision and may have changed since, so what
// was decided under the other one is brought in line; and series written
// to Infinity up to a horizon are written further as time moves on.
func (s *Scheduler) reconcile(ctx context.Context, repo ProvisionRepository, in *integration.Integration) error {
	api := in.InfinityProvisioning == integration.ProvisionAPI
	n, err := repo.ProvisionReconcile(ctx, in.ID, api, s.now(), s.now().Add(mirrorHorizon-topUpStep))
	if n > 0 {
		s.logger.Info("operations on Infinity queued to follow the integration's provisioning", "integration", in.Name,
			"provisioning", in.InfinityProvisioning, "count", n)
	}
	return err
}

// waiting records why entries wait and returns the reason.
func (s *Scheduler) waiting(ctx context.Context, repo ProvisionRepository, ids []int64, err error) (string, error) {
	reason := bound(err.Error(), 500)
	return reason, repo.ProvisionWaiting(ctx, ids, reason)
}

// maxSuspects is how many transient failures in a row, with nothing going
// through, make Infinity out of reach for this pass.
const maxSuspects = 3

func entryIDs(entries []ProvisionEntry) []int64 {
	ids := make([]int64, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	return ids
}

func (s *Scheduler) infinityClient(ctx context.Context) (*infinity.Client, error) {
	if s.cfg.Infinity == nil {
		return nil, ErrInfinityNotConnected
	}
	c, err := s.cfg.Infinity.Client(ctx)
	if err != nil {
		// infinitysync's own "not connected" already says what to do.
		if errors.Is(err, ErrInfinityNotConnected) || strings.Contains(err.Error(), "infinity connect") {
			return nil, err
		}
		return nil, fmt.Errorf("the connection to Pexip Infinity cannot be used: %w (check it with vmr-companion infinity status)", err)
	}
	if c == nil {
		return nil, ErrInfinityNotConnected
	}
	return c, nil
}

type infinityClass int

const (
	infinityCounted   infinityClass = iota // this operation's failure: back-off, quarantined after MaxAttempts
	infinityPermanent                      // Infinity refused the fields: failed at once
	infinityTransient                      // 5xx or the network: Infinity's failure or this operation's
	infinityDown                           // the account refused, 429, no connection: everything waits
)

// classifyInfinity sorts a failed operation: 400 field errors are
// permanent; 5xx and the network are transient; refused credentials, 429
// and an untrusted certificate stop everything for the pass; the rest
// (404 on an update, other 4xx, an answer that cannot be read) count.
func classifyInfinity(err error) infinityClass {
	var fe *infinity.FieldErrors
	var ae *infinity.AuthError
	var nf *infinity.NotFoundError
	var se *infinity.StatusError
	var pe *panicError
	switch {
	case errors.As(err, &pe), errors.As(err, &fe):
		return infinityPermanent
	case errors.As(err, &ae), errors.Is(err, ErrInfinityNotConnected):
		return infinityDown
	case errors.As(err, &nf):
		return infinityCounted
	case errors.As(err, &se):
		switch {
		case se.Status == http.StatusTooManyRequests:
			return infinityDown
		case se.Status >= 500:
			return infinityTransient
		}
		return infinityCounted
	case strings.Contains(err.Error(), "certificate"):
		return infinityDown // the connection's CA, not this operation
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return infinityTransient
	}
	return infinityCounted
}

func (s *Scheduler) failProvision(ctx context.Context, repo ProvisionRepository, in *integration.Integration, e ProvisionEntry, err error, quarantine bool) error {
	f := FailureReport{Reason: bound(err.Error(), 1000), CorrelationID: uuid.NewString(), At: s.now(), Quarantine: quarantine,
		MeetingUID: e.MeetingUID, Subject: e.Subject, Organizer: e.Organizer, LogCode: CodeInfinityFailed, LogQuarantined: CodeInfinityFailed}
	got, ferr := repo.ProvisionFail(ctx, e.ID, f, s.policy())
	if ferr != nil {
		return ferr
	}
	args := []any{"integration", in.Name, "op", e.Op, "conference", e.Name, "correlation", f.CorrelationID, "attempts", got.Attempts, "error", f.Reason}
	var pe *panicError
	if errors.As(err, &pe) {
		args = append(args, "stack", pe.stack)
	}
	if got.Quarantined {
		s.logger.Error("an operation on Infinity failed for good", args...)
	} else {
		s.logger.Warn("an operation on Infinity failed; it is tried again later", append(args, "next", got.NextAttempt)...)
	}
	return nil
}

// errSimulatedCrash ends a drain as a kill would (a test seam).
var errSimulatedCrash = errors.New("scheduler: simulated crash")

func (s *Scheduler) provisionSafely(ctx context.Context, repo ProvisionRepository, c *infinity.Client, in *integration.Integration, e ProvisionEntry) (res ProvisionResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = recovered(v)
		}
	}()
	want := wantedFields(e, in)
	// What this attempt sends is kept before it is sent: its name finds
	// the conference if the answer is lost.
	payload := map[string]string{"name": want["name"]}
	if e.State == "attempted" && e.Payload["name"] != "" {
		payload["previous_name"] = e.Payload["name"]
	}
	if err := repo.ProvisionAttempted(ctx, e.ID, payload); err != nil {
		return res, err
	}
	p := &provisioner{s: s, repo: repo, c: c, in: in, e: e, want: want}
	switch e.Op {
	case OpCreate, OpUpdate:
		return p.upsert(ctx)
	case OpDelete:
		return p.remove(ctx)
	}
	return res, fmt.Errorf("unknown operation %q on Infinity", e.Op)
}

// settled ends an operation that needs no request to Infinity: ok false
// when it does.
func settled(in *integration.Integration, e ProvisionEntry, now time.Time) (res ProvisionResult, ok bool) {
	api := in.InfinityProvisioning == integration.ProvisionAPI
	switch {
	case !api && e.Op == OpCreate && e.State == "pending" && e.InfinityID == 0:
		// A create queued before the integration went back to policy,
		// never sent: Infinity has nothing, the policy answers.
		return ProvisionResult{State: InfinityPolicy, Sent: map[string]string{}}, true
	case e.Op != OpDelete && !api:
		// A change queued before the switch back to policy: not sent. The
		// deletion the next pass queues removes what Infinity has
		// (finding by name a create whose answer was lost).
		return ProvisionResult{State: e.InfinityState, InfinityID: e.InfinityID, Sent: e.Sent, Horizon: e.Horizon}, true
	case e.Op != OpDelete && e.Ended && e.InfinityID == 0 && e.State == "pending" && e.InfinityState == InfinityPending:
		// Never sent, and no longer needed: nothing to create, nothing
		// for the deletion queued after it to find.
		return ProvisionResult{State: InfinityRemoved, Sent: map[string]string{}}, true
	case e.Op == OpDelete && e.InfinityID == 0 && e.State == "pending" && !mayExist(e):
		return ProvisionResult{State: afterDelete(in, e), Sent: map[string]string{}, Entry: LogEntry{TransactionID: uuid.NewString(),
			Time: now, Success: true, Code: CodeInfinityDeleted, ItemUID: e.MeetingUID, Subject: e.Subject, Organizer: e.Organizer,
			Description: fmt.Sprintf("the conference %s was never created on Infinity: nothing to delete", clipRunes(e.Name, 250))}}, true
	}
	return ProvisionResult{}, false
}

// mayExist says whether a conference whose id is not known may still be
// on Infinity: a create went out (its answer lost) or may still be sent.
func mayExist(e ProvisionEntry) bool {
	return e.State == "attempted" || e.InfinityState == InfinityPending || e.InfinityState == InfinityFailed
}

// afterDelete is a conference's state once deleted from Infinity: answered
// by policy when the integration went back to it, or when the meeting is
// still on (only a switch of provisioning deletes a live conference: the
// next pass creates it again if the integration is back on api); removed
// otherwise.
func afterDelete(in *integration.Integration, e ProvisionEntry) string {
	if in.InfinityProvisioning != integration.ProvisionAPI || !e.Ended {
		return InfinityPolicy
	}
	return InfinityRemoved
}

// provisioner carries out one operation.
type provisioner struct {
	s    *Scheduler
	repo ProvisionRepository
	c    *infinity.Client
	in   *integration.Integration
	e    ProvisionEntry
	want map[string]string
}

func (p *provisioner) logEntry(code, description string) LogEntry {
	return LogEntry{TransactionID: uuid.NewString(), Time: p.s.now(), Success: code != CodeInfinityFailed, Code: code,
		Description: description, ItemUID: p.e.MeetingUID, Subject: p.e.Subject, Organizer: p.e.Organizer}
}

// after is the test seam between a request Infinity carried out and the
// store hearing of it.
func (p *provisioner) after(step string) error {
	if f := p.s.cfg.afterInfinity; f != nil {
		return f(step)
	}
	return nil
}

// upsert makes the conference exist on Infinity as wanted: created with
// its aliases (or, after an attempt whose answer was lost, found by name
// and adopted), or PATCHed with only the fields that changed.
func (p *provisioner) upsert(ctx context.Context) (ProvisionResult, error) {
	id := p.e.InfinityID
	var remote *infinity.Conference // the conference as Infinity holds it, when read
	if id == 0 && p.e.State == "attempted" {
		found, err := p.lookup(ctx)
		if err != nil {
			return ProvisionResult{}, err
		}
		if found != nil {
			remote, id = found, found.ID
			if err := p.repo.ProvisionCreated(ctx, p.e.ConferenceID, id); err != nil {
				return ProvisionResult{}, err
			}
		}
	}
	created := false
	if id == 0 {
		var err error
		if id, err = p.c.CreateConference(ctx, conferenceOf(p.want), nil); err != nil {
			return ProvisionResult{}, err
		}
		if err := p.after("create"); err != nil {
			return ProvisionResult{}, err
		}
		if err := p.repo.ProvisionCreated(ctx, p.e.ConferenceID, id); err != nil {
			return ProvisionResult{}, err
		}
		created = true
	}
	// base is what Infinity holds, to PATCH only what differs from it.
	base, checkAliases := p.e.Sent, true
	switch {
	case created:
		base, remote = p.want, &infinity.Conference{ID: id} // no alias yet
	case remote != nil:
		base = fieldsOf(remote)
	case p.e.State == "attempted" || p.e.InfinityState != InfinityCreated:
		// An earlier attempt may have stopped half way (aliases missing).
		got, err := p.c.GetConference(ctx, id)
		if err != nil {
			return ProvisionResult{}, err
		}
		remote = got
		if len(base) == 0 {
			base = fieldsOf(got)
		}
	default:
		checkAliases = false // made with the conference, and never changed
	}
	if checkAliases {
		if err := p.aliases(ctx, id, remote); err != nil {
			return ProvisionResult{}, err
		}
	}
	changed := infinity.Fields{}
	for k, v := range p.want {
		if base[k] != v {
			changed[k] = patchValue(k, v)
		}
	}
	for k := range base {
		if _, ok := p.want[k]; !ok && refFields[k] {
			changed[k] = nil // the integration no longer sets it
		}
	}
	if len(changed) > 0 {
		if err := p.c.Patch(ctx, infinity.ResConference, id, changed); err != nil {
			return ProvisionResult{}, err
		}
		if err := p.after("patch"); err != nil {
			return ProvisionResult{}, err
		}
	}
	horizon, err := p.mirror(ctx, id)
	if err != nil {
		return ProvisionResult{}, err
	}
	res := ProvisionResult{State: InfinityCreated, InfinityID: id, Sent: p.want, Horizon: horizon}
	switch {
	case p.e.InfinityState != InfinityCreated:
		res.Entry = p.logEntry(CodeInfinityCreated, fmt.Sprintf("the conference %s is on Infinity as id %d with its aliases", p.want["name"], id))
	case len(changed) > 0:
		res.Entry = p.logEntry(CodeInfinityUpdated, fmt.Sprintf("the conference %s (id %d) on Infinity was updated: %s", p.want["name"], id,
			strings.Join(slices.Sorted(maps.Keys(changed)), ", ")))
	}
	return res, nil
}

// lookup finds the conference an interrupted attempt may have created, by
// the names it was sending (Infinity's names are unique).
func (p *provisioner) lookup(ctx context.Context) (*infinity.Conference, error) {
	names := []string{p.e.Payload["name"], p.e.Payload["previous_name"], p.want["name"]}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		list, err := p.c.ListConferences(ctx, url.Values{"name": {n}})
		if err != nil {
			return nil, err
		}
		for i := range list {
			// Only ours: the tag is the reservation's uuid.
			if list[i].Conference.Name == n && list[i].Tag == p.want["tag"] {
				return &list[i], nil
			}
		}
	}
	return nil, nil
}

// aliases creates the conference's aliases that it lacks (have: the
// conference as read, nil right after creating it).
func (p *provisioner) aliases(ctx context.Context, id int, have *infinity.Conference) error {
	exists := map[string]bool{}
	if have != nil {
		for _, a := range have.Aliases {
			exists[strings.ToLower(a.Alias)] = true
		}
	}
	for _, a := range []string{p.e.Alias, p.e.NumericAlias} {
		if a == "" || exists[strings.ToLower(a)] {
			continue
		}
		if _, err := p.c.CreateConferenceAlias(ctx, id, a, ""); err != nil {
			return err
		}
		if err := p.after("alias"); err != nil {
			return err
		}
		exists[strings.ToLower(a)] = true
	}
	return nil
}

// remove deletes the conference from Infinity. Its conference_alias
// objects go with it: their conference is a required relation, so they
// cannot outlive it (Infinity deletes them, as the fake does); no request
// per alias is made. A conference already gone (404) is done.
func (p *provisioner) remove(ctx context.Context) (ProvisionResult, error) {
	id := p.e.InfinityID
	if id == 0 && mayExist(p.e) {
		// A create may have reached Infinity without its answer.
		found, err := p.lookup(ctx)
		if err != nil {
			return ProvisionResult{}, err
		}
		if found != nil {
			id = found.ID
		}
	}
	if id != 0 {
		err := p.c.Delete(ctx, infinity.ResConference, id)
		var nf *infinity.NotFoundError
		if err != nil && !errors.As(err, &nf) {
			return ProvisionResult{}, err
		}
		if err := p.after("delete"); err != nil {
			return ProvisionResult{}, err
		}
	}
	// Its scheduled_conference and recurring_conference objects went with
	// it (the conference is their required relation, as for aliases);
	// the scheduled_alias stands on its own. It is written only after the
	// conference: with no conference there is none.
	if id != 0 {
		if err := p.removeScheduledAlias(ctx); err != nil {
			return ProvisionResult{}, err
		}
	}
	desc := fmt.Sprintf("the conference %s was deleted from Infinity (id %d)", p.want["name"], id)
	if id == 0 {
		desc = fmt.Sprintf("the conference %s was never created on Infinity: nothing to delete", p.want["name"])
	}
	state := afterDelete(p.in, p.e)
	if p.in.InfinityProvisioning != integration.ProvisionAPI {
		desc += "; the integration provisions through the external policy now"
	}
	return ProvisionResult{State: state, InfinityID: 0, Sent: map[string]string{}, Entry: p.logEntry(CodeInfinityDeleted, desc)}, nil
}

// wantedFields are the conference's fields on Infinity: the scheduled
// conference's unique name and description, the reservation's uuid as the
// tag (stable across renames), and the integration's IdP group, IVR theme
// and non_idp_participants when set.
func wantedFields(e ProvisionEntry, in *integration.Integration) map[string]string {
	f := map[string]string{
		"name":         clipRunes(e.Name, 250),
		"description":  clipRunes(e.Description, 250),
		"service_type": "conference",
		"tag":          clipRunes(e.AliasID, 250),
	}
	if g := in.HostIdentityProviderGroup; g != nil && *g != "" {
		f["host_identity_provider_group"] = refURI("identity_provider_group", *g)
	}
	if t := in.IVRTheme; t != nil && *t != "" {
		f["ivr_theme"] = refURI("ivr_theme", *t)
	}
	if in.NonIdPParticipants != "" {
		f["non_idp_participants"] = in.NonIdPParticipants
	}
	return f
}

// refURI writes a relation as Infinity takes it: a resource URI (an id
// alone becomes one; anything else is sent as given and Infinity judges).
func refURI(resource, v string) string {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return infinity.ResourceURI(resource, n)
	}
	return v
}

var refFields = map[string]bool{"host_identity_provider_group": true, "ivr_theme": true}

func patchValue(k, v string) any {
	if refFields[k] && v == "" {
		return nil
	}
	return v
}

func conferenceOf(f map[string]string) infinity.Conference {
	c := infinity.Conference{Conference: conference.Conference{Name: f["name"], Description: f["description"]},
		ServiceType: f["service_type"], Tag: f["tag"], NonIDPParticipants: f["non_idp_participants"]}
	if v := f["ivr_theme"]; v != "" {
		c.IVRTheme = &infinity.Ref{URI: v}
	}
	if v := f["host_identity_provider_group"]; v != "" {
		c.HostIdentityProviderGroup = &infinity.Ref{URI: v}
	}
	return c
}

// fieldsOf reads back the fields wantedFields sets, from a conference
// Infinity answered.
func fieldsOf(c *infinity.Conference) map[string]string {
	f := map[string]string{"name": c.Conference.Name, "description": c.Conference.Description, "service_type": c.ServiceType, "tag": c.Tag}
	if c.NonIDPParticipants != "" {
		f["non_idp_participants"] = c.NonIDPParticipants
	}
	if c.IVRTheme != nil && c.IVRTheme.URI != "" {
		f["ivr_theme"] = c.IVRTheme.URI
	}
	if c.HostIdentityProviderGroup != nil && c.HostIdentityProviderGroup.URI != "" {
		f["host_identity_provider_group"] = c.HostIdentityProviderGroup.URI
	}
	return f
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
