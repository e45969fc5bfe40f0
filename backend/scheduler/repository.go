package scheduler

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when no scheduled conference has the meeting UID.
var ErrNotFound = errors.New("scheduler: no scheduled conference for this meeting")

// Record is a scheduled conference as the scheduler keeps it.
type Record struct {
	ScheduledConference
	IntegrationID    int64
	ScheduledAliasID int64
	Description      string
	Sequence         int
}

// Outbox kinds.
const (
	OutAccept     = "accept"
	OutDecline    = "decline"
	OutUpdateBody = "update_body"
)

// OutboxEntry is a reply (or a meeting update) waiting to be sent.
type OutboxEntry struct {
	ID            int64
	IntegrationID int64
	Key           string // idempotency key, written into the sent message
	Kind          string
	ItemID        string
	ChangeKey     string
	Mailbox       string // update_body: whose calendar holds the meeting
	MeetingUID    string
	Body          string
	State         string // pending or attempted
	Attempts      int
}

// Outcome is everything one decision changes, committed in one transaction.
type Outcome struct {
	IntegrationID int64
	ItemID        string
	ChangeKey     string
	Entry         LogEntry
	// Conference is created (ID 0) or updated; nil when the decision makes
	// no conference change. Its name is made unique in the transaction.
	Conference *Record
	// UseAlias marks the reservation used by the meeting UID.
	UseAlias int64
	// DeleteAlias marks the reservation deleted (its meeting was cancelled).
	DeleteAlias int64
	Outbox      []OutboxEntry
}

// Repository keeps the scheduler's state; backend/store implements it.
// Commit is all or nothing.
type Repository interface {
	SyncState(ctx context.Context, integrationID int64) (string, error)
	// SaveSyncState advances the sync state; called only after every item
	// of the page it came with is committed.
	SaveSyncState(ctx context.Context, integrationID int64, state string, at time.Time) error
	// Decided returns which of the items were decided at these change keys.
	Decided(ctx context.Context, integrationID int64, items []ItemKey) (map[ItemKey]bool, error)
	Meeting(ctx context.Context, integrationID int64, uid string) (*Record, error)
	Commit(ctx context.Context, o *Outcome) error
	// Pending lists outbox entries not yet sent, oldest first.
	Pending(ctx context.Context, integrationID int64, limit int) ([]OutboxEntry, error)
	// MarkAttempted records that the entries are about to be sent.
	MarkAttempted(ctx context.Context, ids []int64) error
	MarkSent(ctx context.Context, ids []int64, at time.Time) error
	MarkFailed(ctx context.Context, id int64, reason string) error
	RecordError(ctx context.Context, integrationID int64, msg, advice string, at time.Time) error
	Status(ctx context.Context, integrationID int64) (*Status, error)
	Conferences(ctx context.Context, f Filter) ([]ScheduledConference, error)
	Log(ctx context.Context, integrationID int64, limit int) ([]LogEntry, error)
}

// ItemKey is a mailbox item at one version.
type ItemKey struct{ ID, ChangeKey string }

// Filter selects scheduled conferences for lists.
type Filter struct {
	IntegrationID int64     // 0: all
	Since         time.Time // conferences valid at or after this instant (zero: all)
	Limit         int       // 0: no limit
}
