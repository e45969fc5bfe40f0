package scheduler

import (
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
}

// Connector opens the room mailbox of an integration.
type Connector func(ctx context.Context, in *integration.Integration) (Mailbox, error)

const (
	pageSize  = 256 // changes per SyncFolderItems call
	itemBatch = 64  // items per GetItem call
)

// pass is one integration's work at one moment: send what waits in the
// outbox, take every new change of the mailbox, send the replies.
type pass struct {
	s    *Scheduler
	in   *integration.Integration
	mbox Mailbox
	// Counted for RunOnce's summary.
	decided, skipped, sent int
}

func (p *pass) run(ctx context.Context) error {
	if err := p.drain(ctx); err != nil {
		return err
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
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// page takes one page of changes. The sync state advances only after every
// item of the page is committed.
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
		batch := ids[start:min(start+itemBatch, len(ids))]
		results, err := p.mbox.GetItems(ctx, batch)
		if err != nil {
			return false, err
		}
		for _, r := range results {
			if r.Err != nil {
				if ews.IsNotFound(r.Err) {
					continue // gone since the sync (moved or deleted): nothing to decide
				}
				return false, r.Err
			}
			if err := p.decide(ctx, r.Item); err != nil {
				return false, err
			}
		}
	}
	if err := repo.SaveSyncState(ctx, p.in.ID, res.SyncState, p.s.now()); err != nil {
		return false, err
	}
	return !res.IncludesLastItem, nil
}

func meetingKind(kind string) bool {
	return kind == "MeetingRequest" || kind == "MeetingCancellation"
}

func (p *pass) decide(ctx context.Context, item *ews.Item) error {
	d := p.newDecider(uuid.NewString())
	out, err := d.decide(ctx, item)
	if err != nil {
		return err
	}
	if err := p.s.cfg.Repository.Commit(ctx, out); err != nil {
		return err
	}
	p.decided++
	e := out.Entry
	p.s.logger.Info("scheduling decision", "integration", p.in.Name, "transaction", e.TransactionID, "code", e.Code,
		"success", e.Success, "uid", e.ItemUID, "description", e.Description)
	return nil
}

// drain sends the outbox. An entry attempted before (the process may have
// died after Exchange took it) is sent again only when Exchange's Sent
// Items do not hold its key. Entries go out a few at a time, as Exchange
// allows each account several concurrent requests.
func (p *pass) drain(ctx context.Context) error {
	repo := p.s.cfg.Repository
	for {
		entries, err := repo.Pending(ctx, p.in.ID, 64)
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			return nil
		}
		// Entries a crash interrupted: were they sent after all?
		var already, fresh []int64
		todo := entries[:0]
		for _, e := range entries {
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
		if err := repo.MarkAttempted(ctx, fresh); err != nil {
			return err
		}
		sent, sendErr := p.sendAll(ctx, todo)
		if len(sent) > 0 {
			if err := repo.MarkSent(ctx, sent, p.s.now()); err != nil {
				return err
			}
			p.sent += len(sent)
		}
		if sendErr != nil {
			return sendErr
		}
	}
}

const concurrentSends = 4

// sendAll sends entries concurrently and returns the ids Exchange took; the
// first error that is not about one message alone stops the rest.
func (p *pass) sendAll(ctx context.Context, entries []OutboxEntry) ([]int64, error) {
	var (
		mu    sync.Mutex
		sent  []int64
		first error
		wg    sync.WaitGroup
	)
	next := make(chan OutboxEntry)
	for range min(concurrentSends, len(entries)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range next {
				err := p.send(ctx, e)
				mu.Lock()
				switch {
				case err == nil:
					sent = append(sent, e.ID)
				case permanent(err):
					// Exchange will never take it (the request was deleted,
					// the organizer's mailbox is out of reach): keep the
					// reason, go on.
					p.s.logger.Warn("a reply could not be sent", "integration", p.in.Name, "key", e.Key, "error", err)
					if ferr := p.s.cfg.Repository.MarkFailed(ctx, e.ID, err.Error()); ferr != nil && first == nil {
						first = ferr
					}
				case first == nil:
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, e := range entries {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop {
			break
		}
		next <- e
	}
	close(next)
	wg.Wait()
	return sent, first
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
