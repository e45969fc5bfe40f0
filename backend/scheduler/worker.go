package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/integration"
)

// Mailbox is the room mailbox as the scheduler uses it; *ews.Client
// implements it.
type Mailbox interface {
	Mailbox() string
	SyncFolderItems(ctx context.Context, folder ews.FolderName, syncState string, maxChanges int) (*ews.SyncResult, error)
	GetItems(ctx context.Context, ids []ews.ItemID) ([]ews.ItemResult, error)
	Respond(ctx context.Context, r ews.Response) error
	FindSentByKey(ctx context.Context, key string) (bool, error)
	// Organizer returns the mailbox of a meeting's organizer, for updating
	// the meeting there (impersonation).
	Organizer(email string) OrganizerMailbox
}

// OrganizerMailbox is an organizer's calendar.
type OrganizerMailbox interface {
	GetItems(ctx context.Context, ids []ews.ItemID) ([]ews.ItemResult, error)
	FindCalendarItems(ctx context.Context, start, end time.Time, max int) ([]*ews.Item, error)
	UpdateBody(ctx context.Context, id ews.ItemID, bodyHTML string, sendToAttendees bool) (ews.ItemID, error)
	// GetRecurringMaster reads the series an occurrence (as a calendar
	// view lists it) belongs to.
	GetRecurringMaster(ctx context.Context, occurrence ews.ItemID) (*ews.Item, error)
}

// Connector opens the room mailbox of an integration.
type Connector func(ctx context.Context, in *integration.Integration) (Mailbox, error)

const (
	pageSize  = 256 // changes per SyncFolderItems call
	itemBatch = 64  // items per GetItem call
)

// pass is one integration's work at one moment: send what waits in the
// outbox, retry the items whose back-off ended, take every new change of
// the mailbox, send the replies. One item or reply that fails never stops
// the rest (see quarantine.go for the rule).
type pass struct {
	s    *Scheduler
	in   *integration.Integration
	mbox Mailbox
	// Counted for RunOnce's summary.
	decided, skipped, sent, failed, quarantined int
	// repliesFailed counts the failed sends among failed (metrics).
	repliesFailed int
	// suspects are entries whose send failed transiently while no other
	// send got through: the mailbox's fault or theirs. If the rest of the
	// pass shows the mailbox working, the failure is theirs.
	suspects map[int64]sendResult
	// kick tells the pass's Infinity sender that a decision queued an
	// operation (nil: none runs).
	kick chan<- struct{}
}

func (p *pass) run(ctx context.Context) error {
	p.suspects = map[int64]sendResult{}
	if err := p.drain(ctx); err != nil {
		return err
	}
	if err := p.retryDue(ctx); err != nil {
		if !ews.IsTransient(err) || backOffOf(err) > 0 || ctx.Err() != nil {
			return err
		}
		// Maybe only these items make Exchange fail: the page tells.
		p.s.logger.Warn("retrying failed items failed; reading new items", "integration", p.in.Name, "error", err)
	}
	for pages := 0; ; pages++ {
		more, err := p.page(ctx)
		if err != nil {
			return err
		}
		if err := p.drain(ctx); err != nil {
			return err
		}
		if !more {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	// The mailbox worked through the pass: the suspects' failures are theirs.
	for _, r := range p.suspects {
		if err := p.failEntry(ctx, r.e, r.err, false); err != nil {
			return err
		}
	}
	return nil
}

// retryDue fetches and decides again the items that failed before and
// whose back-off has ended (the sync state went past them).
func (p *pass) retryDue(ctx context.Context) error {
	keys, err := p.s.cfg.Repository.DueItems(ctx, p.in.ID, p.s.now(), itemBatch)
	if err != nil || len(keys) == 0 {
		return err
	}
	ids := make([]ews.ItemID, len(keys))
	for i, k := range keys {
		ids[i] = ews.ItemID(k)
	}
	return p.decideBatch(ctx, ids)
}

// page takes one page of changes. The sync state advances once every item
// of the page is committed or recorded as failed.
func (p *pass) page(ctx context.Context) (more bool, err error) {
	repo := p.s.cfg.Repository
	state, err := repo.SyncState(ctx, p.in.ID)
	if err != nil {
		return false, err
	}
	res, err := p.mbox.SyncFolderItems(ctx, "inbox", state, pageSize)
	var ee *ews.Error
	if errors.As(err, &ee) && ee.ResponseCode == "ErrorInvalidSyncStateData" && state != "" {
		// Exchange forgot the state (a mailbox move): start over; the items
		// decided before are recognised by their change keys.
		p.s.logger.Warn("the mailbox's sync state was refused; syncing from the start", "integration", p.in.Name)
		return true, repo.SaveSyncState(ctx, p.in.ID, "", p.s.now())
	}
	if err != nil {
		return false, err
	}
	var keys []ItemKey
	seen := map[string]bool{}
	for _, c := range res.Changes {
		if c.Kind != "create" && c.Kind != "update" || !meetingKind(c.ItemKind) || seen[c.Item.ID] {
			continue
		}
		seen[c.Item.ID] = true
		keys = append(keys, ItemKey(c.Item))
	}
	done, err := repo.Decided(ctx, p.in.ID, keys)
	if err != nil {
		return false, err
	}
	var ids []ews.ItemID
	for _, k := range keys {
		if done[k] {
			p.skipped++
			continue
		}
		ids = append(ids, ews.ItemID(k))
	}
	defer p.s.setBacklog(p.in.ID, 0)
	for start := 0; start < len(ids); start += itemBatch {
		p.s.setBacklog(p.in.ID, len(ids)-start)
		if err := p.decideBatch(ctx, ids[start:min(start+itemBatch, len(ids))]); err != nil {
			return false, err
		}
	}
	if err := repo.SaveSyncState(ctx, p.in.ID, res.SyncState, p.s.now()); err != nil {
		return false, err
	}
	return !res.IncludesLastItem, nil
}

// decideBatch fetches items and decides each. A failure of the mailbox
// ends it with an error; a failure of one item is recorded for that item.
func (p *pass) decideBatch(ctx context.Context, batch []ews.ItemID) error {
	results, err := p.fetch(ctx, batch)
	if err != nil {
		return err
	}
	for i, r := range results {
		if p.s.draining.Load() {
			// The decisions so far are committed; the rest stay unread
			// (the sync state is saved only after a whole page).
			return ErrStopping
		}
		id := batch[i]
		if r.Err != nil {
			// Exchange answered for the batch, so an error of one item is
			// that item's, unless Exchange asks everyone to wait.
			switch {
			case ews.IsNotFound(r.Err):
				continue // gone since the sync (moved or deleted): nothing to decide
			case backOffOf(r.Err) > 0 || ctx.Err() != nil:
				return r.Err
			}
			if err := p.failItem(ctx, id, nil, r.Err, false); err != nil {
				return err
			}
			continue
		}
		err := p.decide(ctx, r.Item)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return err
		}
		var pe *panicError
		if err := p.failItem(ctx, r.Item.ID, r.Item, err, errors.As(err, &pe)); err != nil {
			return err
		}
	}
	return nil
}

// fetch reads a batch of items, one result per id in order. When the batch
// call itself fails for a reason that is not the mailbox's (an answer over
// the size cap, one item Exchange chokes on), the items are read one at a
// time, so that only the culprit fails.
func (p *pass) fetch(ctx context.Context, batch []ews.ItemID) ([]ews.ItemResult, error) {
	results, err := p.mbox.GetItems(ctx, batch)
	if err == nil && len(results) == len(batch) {
		return results, nil
	}
	if err != nil && (ctx.Err() != nil || Fatal(err) || backOffOf(err) > 0 || len(batch) == 1) {
		return nil, err
	}
	if err == nil {
		err = fmt.Errorf("scheduler: Exchange answered %d items for %d", len(results), len(batch))
	}
	p.s.logger.Warn("reading a batch of items failed; reading them one at a time", "integration", p.in.Name, "error", err)
	out := make([]ews.ItemResult, len(batch))
	var anyOK bool
	var firstErr error
	for i, id := range batch {
		one, err := p.mbox.GetItems(ctx, []ews.ItemID{id})
		switch {
		case err != nil && (ctx.Err() != nil || Fatal(err) || backOffOf(err) > 0):
			return nil, err
		case err != nil:
			out[i] = ews.ItemResult{Err: err}
			firstErr = cmp.Or(firstErr, err)
		case len(one) != 1:
			out[i] = ews.ItemResult{Err: fmt.Errorf("scheduler: Exchange answered %d items for 1", len(one))}
		default:
			out[i] = one[0]
			anyOK = true
		}
	}
	// Nothing came, and the failures may be Exchange's: the mailbox's
	// failure, not the items'.
	if !anyOK && ews.IsTransient(firstErr) {
		return nil, firstErr
	}
	return out, nil
}

func meetingKind(kind string) bool {
	return kind == "MeetingRequest" || kind == "MeetingCancellation"
}

// decide decides one item and commits the outcome. A panic (a bug the
// item triggers) is recovered and returned as an error, so that the item
// is quarantined and the pass goes on.
func (p *pass) decide(ctx context.Context, item *ews.Item) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = recovered(v)
		}
	}()
	if p.s.cfg.beforeDecide != nil {
		p.s.cfg.beforeDecide(item)
	}
	d := p.newDecider(uuid.NewString())
	out, err := d.decide(ctx, item)
	if err != nil {
		return err
	}
	queueInfinity(out, p.in)
	if err := p.s.cfg.Repository.Commit(ctx, out); err != nil {
		return err
	}
	p.decided++
	if o := p.s.cfg.Observer; o != nil {
		o.Decided(p.in.Name, out.Entry.Code)
	}
	if len(out.Infinity) > 0 && p.kick != nil {
		select {
		case p.kick <- struct{}{}:
		default: // already told
		}
	}
	e := out.Entry
	p.s.logger.Info("scheduling decision", "integration", p.in.Name, "transaction", e.TransactionID, "code", e.Code,
		"success", e.Success, "uid", e.ItemUID, "description", e.Description)
	return nil
}

// drain sends the outbox. An entry attempted before (the process may have
// died after Exchange took it) is sent again only when Exchange's Sent
// Items do not hold its key. Entries go out a few at a time, as Exchange
// allows each account several concurrent requests. Entries waiting out a
// back-off are left for a later pass.
func (p *pass) drain(ctx context.Context) error {
	repo := p.s.cfg.Repository
	for {
		if p.s.draining.Load() {
			return ErrStopping // the batch sent last is recorded
		}
		all, err := repo.Pending(ctx, p.in.ID, 64, p.s.now())
		if err != nil {
			return err
		}
		var entries []OutboxEntry
		for _, e := range all {
			if _, ok := p.suspects[e.ID]; !ok {
				entries = append(entries, e)
			}
		}
		if len(entries) == 0 {
			return nil
		}
		// Entries a crash interrupted: were they sent after all?
		var already, fresh []int64
		todo := entries[:0]
		// One write per organizer meeting at a time: a second entry for the
		// same meeting waits for the next round, where it finds the first's
		// token and writes nothing (entries go out concurrently, and each
		// reads the meeting before writing it).
		writing := map[[2]string]bool{}
		for _, e := range entries {
			if e.Kind == OutUpdateBody {
				k := [2]string{lowerASCII(e.Mailbox), e.MeetingUID}
				if writing[k] {
					continue
				}
				writing[k] = true
			}
			if e.State == "attempted" && e.Kind != OutUpdateBody {
				sent, err := p.mbox.FindSentByKey(ctx, e.Key)
				if err != nil {
					return err
				}
				if sent {
					already = append(already, e.ID)
					continue
				}
			}
			fresh = append(fresh, e.ID)
			todo = append(todo, e)
		}
		if len(already) > 0 {
			if err := repo.MarkSent(ctx, already, p.s.now()); err != nil {
				return err
			}
			p.sent += len(already)
		}
		claimed, err := repo.MarkAttempted(ctx, fresh)
		if err != nil {
			return err
		}
		todo = onlyClaimed(todo, claimed)
		if len(todo) == 0 && len(already) == 0 {
			return nil // another worker has them
		}
		progress, err := p.settle(ctx, p.sendAll(ctx, todo))
		if err != nil {
			return err
		}
		if !progress && len(already) == 0 {
			return nil // only suspects this round: reading the mailbox tells whose fault
		}
	}
}

// onlyClaimed keeps the entries MarkAttempted claimed, in order.
func onlyClaimed(entries []OutboxEntry, claimed []int64) []OutboxEntry {
	ok := make(map[int64]bool, len(claimed))
	for _, id := range claimed {
		ok[id] = true
	}
	out := entries[:0]
	for _, e := range entries {
		if ok[e.ID] {
			out = append(out, e)
		}
	}
	return out
}

// sendResult is what happened to one entry.
type sendResult struct {
	e   OutboxEntry
	err error
	// tried is false for entries not sent because the batch stopped.
	tried bool
}

// settle records a batch's results: sent entries, failed ones (counted or
// quarantined), suspects (a transient failure with nothing sent), and
// returns the mailbox's error when Exchange refused the service or asked
// to wait (then nothing is counted against any entry).
func (p *pass) settle(ctx context.Context, results []sendResult) (progress bool, err error) {
	var sent []int64
	var wide error
	for _, r := range results {
		if r.tried && r.err == nil {
			sent = append(sent, r.e.ID)
		}
	}
	if len(sent) > 0 {
		if err := p.s.cfg.Repository.MarkSent(ctx, sent, p.s.now()); err != nil {
			return false, err
		}
		p.sent += len(sent)
		progress = true
	}
	for _, r := range results {
		if !r.tried || r.err == nil {
			continue
		}
		quarantine, counts := p.classify(ctx, r, len(sent) > 0)
		switch {
		case counts:
			if err := p.failEntry(ctx, r.e, r.err, quarantine); err != nil {
				return false, err
			}
			progress = true
		case ews.IsTransient(r.err) && backOffOf(r.err) == 0 && ctx.Err() == nil:
			p.suspects[r.e.ID] = r
		default:
			wide = cmp.Or(wide, r.err)
		}
	}
	if wide != nil {
		return false, wide
	}
	return progress, ctx.Err()
}

// classify says whether a send's failure is the entry's (counts) and
// whether it quarantines the entry at once; otherwise it is the mailbox's.
func (p *pass) classify(ctx context.Context, r sendResult, othersWent bool) (quarantine, counts bool) {
	var pe *panicError
	switch {
	case ctx.Err() != nil:
		return false, false
	case errors.As(r.err, &pe), permanent(r.err):
		return true, true
	case r.e.Kind == OutUpdateBody && organizerRefused(r.err):
		// The organizer's mailbox refused us: that organizer only.
		return true, true
	case backOffOf(r.err) > 0 || ews.IsTransient(r.err) && !othersWent:
		return false, false
	case Fatal(r.err):
		return false, false
	}
	return false, true
}

const concurrentSends = 4

// sendAll sends entries concurrently, each under recover. Dispatching
// stops at an error of the whole mailbox (throttling, authentication) or
// once as many transient failures as senders came with nothing sent.
func (p *pass) sendAll(ctx context.Context, entries []OutboxEntry) []sendResult {
	var (
		mu               sync.Mutex
		results          = make([]sendResult, len(entries))
		stop             bool
		okCount, flaking int
		wg               sync.WaitGroup
	)
	next := make(chan int)
	for range min(concurrentSends, len(entries)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				err := p.sendSafely(ctx, entries[i])
				mu.Lock()
				results[i] = sendResult{e: entries[i], err: err, tried: true}
				switch {
				case err == nil:
					okCount++
				case backOffOf(err) > 0 || Fatal(err) && !(entries[i].Kind == OutUpdateBody && organizerRefused(err)):
					stop = true
				case ews.IsTransient(err):
					flaking++
					stop = stop || okCount == 0 && flaking >= concurrentSends
				}
				mu.Unlock()
			}
		}()
	}
	for i := range entries {
		mu.Lock()
		halt := stop || ctx.Err() != nil
		mu.Unlock()
		if halt {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for i := range results {
		results[i].e = entries[i]
	}
	return results
}

// sendSafely sends one entry; a panic becomes the entry's error.
func (p *pass) sendSafely(ctx context.Context, e OutboxEntry) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = recovered(v)
		}
	}()
	return p.send(ctx, e)
}

func (p *pass) send(ctx context.Context, e OutboxEntry) error {
	switch e.Kind {
	case OutAccept, OutDecline:
		return p.mbox.Respond(ctx, ews.Response{Kind: ews.ResponseKind(e.Kind), To: ews.ItemID{ID: e.ItemID, ChangeKey: e.ChangeKey},
			BodyHTML: e.Body, Key: e.Key})
	case OutUpdateBody:
		return p.updateOrganizer(ctx, e)
	}
	return fmt.Errorf("unknown outbox entry kind %q", e.Kind)
}

// permanent tells errors a retry cannot fix for this one message, while the
// mailbox as a whole works.
func permanent(err error) bool {
	var ee *ews.Error
	if !errors.As(err, &ee) {
		return errors.Is(err, errMeetingNotFound)
	}
	switch ee.ResponseCode {
	case "ErrorItemNotFound", "ErrorInvalidIdMalformed", "ErrorInvalidIdNotAnItemAttachmentId", "ErrorChangeKeyRequiredForWriteOperations",
		"ErrorMessageSizeExceeded", "ErrorNonExistentMailbox", "ErrorInvalidOperation":
		return true
	}
	return false
}
