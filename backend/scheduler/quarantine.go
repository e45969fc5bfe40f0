package scheduler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"

	"vmr-companion/backend/ews"
)

// Operations log codes of items and replies that failed.
const (
	CodeItemFailed       = "item_failed"       // fetching or deciding an item failed; retried later
	CodeItemQuarantined  = "item_quarantined"  // set aside until an admin retries it
	CodeReplyFailed      = "reply_failed"      // a reply or meeting update failed; retried later
	CodeReplyQuarantined = "reply_quarantined" // set aside until an admin retries it
)

// ErrNotQuarantined is returned by Retry when nothing quarantined has the id.
var ErrNotQuarantined = errors.New("scheduler: nothing quarantined has this id; `vmr-companion scheduler status` lists what is")

// DefaultMaxAttempts is how many times an item or reply is tried before it
// is quarantined.
const DefaultMaxAttempts = 5

// DefaultRetryBase is the pause after a first failure, doubling after each:
// 4, 8, 16 and 32 minutes, so that a message is quarantined for failures
// only after an hour of them (a partial Exchange outage of a few minutes
// quarantines nothing).
const DefaultRetryBase = 4 * time.Minute

// The rule, in one place:
//
//   - A failure of the whole mailbox (Exchange busy or out of reach, the
//     network, the service account refused) ends the pass; the worker backs
//     off and nothing is counted against any item, whose turn simply comes
//     again. ErrorServerBusy's BackOffMilliseconds is kept with the lease.
//   - A failure of one item or reply while the mailbox works counts one
//     attempt for it; it is tried again after a growing pause (4 minutes,
//     doubling), and quarantined at the fifth failure, an hour after the
//     first.
//   - A failure no retry can fix is quarantined at once: a panic (a bug),
//     Exchange refusing the message for good, or refusing the organizer's
//     mailbox for an update (ErrorImpersonateUserDenied,
//     ErrorNonExistentMailbox, access denied): that refusal concerns that
//     organizer only, never the worker.
//   - A transient error (HTTP 5xx, a timeout) for one message counts as the
//     message's failure only when another message of the same batch got
//     through; when none did, it is the mailbox's failure.
//   - Quarantined items stay aside until `vmr-companion scheduler retry` or
//     the window's Retry puts them back.

// policy returns the retry policy: back-off from the injected clock.
func (s *Scheduler) policy() RetryPolicy {
	return func(failures int, at time.Time) (time.Time, bool) {
		if failures >= s.cfg.MaxAttempts {
			return time.Time{}, true
		}
		return at.Add(s.cfg.RetryBase << min(failures-1, 16)), false
	}
}

// panicError is a recovered panic: its value, bounded, and where it
// happened, for the logger only.
type panicError struct {
	value string
	stack string
}

func (e *panicError) Error() string { return "internal error (panic): " + e.value }

func recovered(v any) *panicError {
	return &panicError{value: bound(fmt.Sprint(v), 300), stack: bound(string(debug.Stack()), 4000)}
}

// bound clips s to n bytes on a character boundary and drops control
// characters: a panic value or an error may quote what a sender wrote.
func bound(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' {
			return ' '
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// organizerRefused tells Exchange refusing an organizer's mailbox (for a
// meeting update through impersonation): only that entry is concerned.
func organizerRefused(err error) bool {
	var ee *ews.Error
	if errors.As(err, &ee) {
		switch ee.ResponseCode {
		case "ErrorImpersonateUserDenied", "ErrorImpersonationDenied", "ErrorImpersonationFailed", "ErrorNonExistentMailbox",
			"ErrorAccessDenied", "ErrorInvalidSmtpAddress", "ErrorMailboxConfiguration", "ErrorNotDelegate",
			"ErrorProxyRequestNotAllowed", "ErrorInvalidExchangeImpersonationHeaderData":
			return true
		}
	}
	var he *ews.HTTPError
	return errors.As(err, &he) && he.Status == http.StatusForbidden
}

// backOffOf returns Exchange's BackOffMilliseconds in err, if any.
func backOffOf(err error) time.Duration {
	var ee *ews.Error
	if errors.As(err, &ee) {
		return ee.BackOff
	}
	return 0
}

// failItem records a failed item and says so in the log.
func (p *pass) failItem(ctx context.Context, id ews.ItemID, item *ews.Item, err error, quarantine bool) error {
	f := FailureReport{ItemID: id.ID, ChangeKey: id.ChangeKey, Reason: bound(err.Error(), 1000), CorrelationID: uuid.NewString(),
		At: p.s.now(), Quarantine: quarantine, LogCode: CodeItemFailed, LogQuarantined: CodeItemQuarantined}
	if item != nil {
		f.Subject, f.Organizer, f.MeetingUID = bound(item.Subject, 300), bound(item.Organizer.Email, 300), bound(item.UID, 300)
	}
	got, ferr := p.s.cfg.Repository.FailItem(ctx, p.in.ID, f, p.s.policy())
	if ferr != nil {
		return ferr
	}
	p.failed++
	args := []any{"integration", p.in.Name, "item", id.ID, "correlation", f.CorrelationID, "attempts", got.Attempts, "error", f.Reason}
	var pe *panicError
	if errors.As(err, &pe) {
		args = append(args, "stack", pe.stack)
	}
	if got.Quarantined {
		p.quarantined++
		p.s.logger.Error("a mailbox item is quarantined; `vmr-companion scheduler retry` puts it back", args...)
	} else {
		p.s.logger.Warn("a mailbox item failed; it is tried again later", append(args, "next", got.NextAttempt)...)
	}
	return nil
}

// failEntry records a failed send and says so in the log.
func (p *pass) failEntry(ctx context.Context, e OutboxEntry, err error, quarantine bool) error {
	f := FailureReport{Reason: bound(err.Error(), 1000), CorrelationID: uuid.NewString(), At: p.s.now(), Quarantine: quarantine,
		LogCode: CodeReplyFailed, LogQuarantined: CodeReplyQuarantined}
	got, ferr := p.s.cfg.Repository.FailOutbox(ctx, e.ID, f, p.s.policy())
	if ferr != nil {
		return ferr
	}
	p.failed++
	p.repliesFailed++
	args := []any{"integration", p.in.Name, "entry", e.ID, "kind", e.Kind, "key", e.Key, "correlation", f.CorrelationID,
		"attempts", got.Attempts, "error", f.Reason}
	var pe *panicError
	if errors.As(err, &pe) {
		args = append(args, "stack", pe.stack)
	}
	if got.Quarantined {
		p.quarantined++
		p.s.logger.Error("a reply is quarantined; `vmr-companion scheduler retry` puts it back", args...)
	} else {
		p.s.logger.Warn("a reply failed; it is tried again later", append(args, "next", got.NextAttempt)...)
	}
	return nil
}

// Quarantined lists the quarantined items and replies of one integration
// (or all with an empty ref), newest first.
func (s *Scheduler) Quarantined(ctx context.Context, ref string) ([]Failure, error) {
	var id int64
	if ref != "" {
		in, err := s.cfg.Integrations.Get(ctx, ref)
		if err != nil {
			return nil, err
		}
		id = in.ID
	}
	return s.cfg.Repository.Quarantined(ctx, id, 500)
}

// Retry puts a quarantined item (kind "item", its EWS id) or reply (kind
// "outbox", its number) back in line, and wakes the workers.
func (s *Scheduler) Retry(ctx context.Context, ref, kind, id string) error {
	id = strings.TrimSpace(id)
	if id == "" {
		return errors.New("scheduler: say which item to retry (its id from `vmr-companion scheduler status`)")
	}
	var integrationID int64
	if ref != "" {
		in, err := s.cfg.Integrations.Get(ctx, ref)
		if err != nil {
			return err
		}
		integrationID = in.ID
	}
	if err := s.cfg.Repository.Retry(ctx, integrationID, kind, id); err != nil {
		return err
	}
	s.Wake()
	return nil
}
