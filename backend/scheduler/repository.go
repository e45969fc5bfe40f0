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
	// TimeZone is the series' IANA zone (Europe/Oslo), so its occurrences
	// keep their local wall time across daylight saving changes; "" is UTC
	// or unknown (conferences recorded before zones were kept).
	TimeZone string
	// Moved are the occurrences exceptions moved to another time.
	Moved []MovedOccurrence
}

// MovedOccurrence is one occurrence of a series that an exception
// (RECURRENCE-ID) moved: Original is its start as the rule gives it (the
// key cancelled occurrences use too), Start and End its new times; all UTC.
type MovedOccurrence struct {
	Original time.Time `json:"original"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
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
	Attempts      int    // sends tried (a crash between try and result counts)
	Failures      int    // sends that failed while the mailbox worked
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
	// Infinity are the operations on Pexip Infinity the decision queues
	// (infinity_provisioning api), for Conference; InfinityState, when
	// set, is the new conference's state there (InfinityPolicy or
	// InfinityPending).
	Infinity      []InfinityOp
	InfinityState string
	// delegate is who sent the meeting on its organizer's behalf, for the
	// reply ("" when the organizer sent it); never stored.
	delegate string
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
	// Pending lists outbox entries not yet sent and not waiting out a
	// back-off at at, oldest first.
	Pending(ctx context.Context, integrationID int64, limit int, at time.Time) ([]OutboxEntry, error)
	// MarkAttempted claims the entries about to be sent: it marks those
	// still waiting attempted and returns their ids. An entry sent or
	// quarantined meanwhile, or (on a shared database) being claimed by
	// another transaction at this moment, is left out: only what it
	// returns may be sent.
	MarkAttempted(ctx context.Context, ids []int64) ([]int64, error)
	MarkSent(ctx context.Context, ids []int64, at time.Time) error
	// FailOutbox records a failed send of an entry; policy, given the
	// failures so far (this one included), says when to try again or that
	// the entry is quarantined. All in one transaction.
	FailOutbox(ctx context.Context, id int64, f FailureReport, policy RetryPolicy) (*Failure, error)
	// FailItem does the same for a mailbox item that could not be fetched
	// or decided.
	FailItem(ctx context.Context, integrationID int64, f FailureReport, policy RetryPolicy) (*Failure, error)
	// DueItems lists failed items, not quarantined, whose back-off ended at at.
	DueItems(ctx context.Context, integrationID int64, at time.Time, limit int) ([]ItemKey, error)
	// Quarantined lists quarantined items and outbox entries (integrationID
	// 0: of every integration), newest first.
	Quarantined(ctx context.Context, integrationID int64, limit int) ([]Failure, error)
	// Retry puts a quarantined item or outbox entry back in line: ErrNotFound
	// when there is none with that id.
	Retry(ctx context.Context, integrationID int64, kind, id string) error
	// Lease takes (or renews, with the same token) the mailbox's lease; it
	// returns the current holder and ok false when another holder's lease
	// has not expired at req.At.
	Lease(ctx context.Context, integrationID int64, req LeaseRequest) (*Lease, bool, error)
	// ReleaseLease gives the lease up if token still holds it.
	ReleaseLease(ctx context.Context, integrationID int64, token string) error
	// BackOff keeps Exchange's request to wait until until, for every process.
	BackOff(ctx context.Context, integrationID int64, until time.Time) error
	// LeaseOf reads the lease row (nil when there is none).
	LeaseOf(ctx context.Context, integrationID int64) (*Lease, error)
	RecordError(ctx context.Context, integrationID int64, msg, advice string, at time.Time) error
	Status(ctx context.Context, integrationID int64) (*Status, error)
	Conferences(ctx context.Context, f Filter) ([]ScheduledConference, error)
	Log(ctx context.Context, integrationID int64, limit int) ([]LogEntry, error)
}

// Kinds of Failure.
const (
	FailedItem   = "item"
	FailedOutbox = "outbox"
	// FailedInfinity is an operation on Pexip Infinity (API provisioning).
	FailedInfinity = "infinity"
)

// FailureReport is one failure of an item or outbox entry.
type FailureReport struct {
	ItemID        string // items: the EWS item id
	ChangeKey     string
	MeetingUID    string
	Subject       string
	Organizer     string
	Reason        string
	CorrelationID string
	At            time.Time
	// Quarantine at once: a retry cannot fix it (a panic, Exchange
	// refusing the message or the organizer's mailbox for good).
	Quarantine bool
	// LogCode is the operations log's code for the failure, and
	// LogQuarantined the code when it quarantines.
	LogCode, LogQuarantined string
}

// RetryPolicy says, from the number of failures so far, when to try again,
// or that the item is quarantined.
type RetryPolicy func(failures int, at time.Time) (next time.Time, quarantine bool)

// Failure is an item or outbox entry that failed, as status and lists show it.
type Failure struct {
	Kind          string    `json:"kind"` // item or outbox
	ID            string    `json:"id"`   // the EWS item id, or the outbox entry's number
	Integration   string    `json:"integration"`
	What          string    `json:"what"` // outbox: accept, decline or update_body
	Subject       string    `json:"subject"`
	Organizer     string    `json:"organizer"`
	Reason        string    `json:"reason"`
	Attempts      int       `json:"attempts"`
	FirstFailed   time.Time `json:"first_failed"`
	LastFailed    time.Time `json:"last_failed"`
	NextAttempt   time.Time `json:"next_attempt"`
	CorrelationID string    `json:"correlation_id"`
	Quarantined   bool      `json:"quarantined"`
}

// LeaseRequest asks for a mailbox's lease.
type LeaseRequest struct {
	Token string // unique per acquisition
	PID   int
	Host  string
	At    time.Time
	TTL   time.Duration
	Poll  time.Duration
	// Stale tells whether a holder on this host with this pid is gone
	// (its process died), so the lease can be taken before it expires.
	Stale func(host string, pid int) bool
}

// InstanceRepository is what a Repository on a shared database (several
// instances) adds, for KeepLease: instances renew their mailboxes and
// learn who else is alive.
type InstanceRepository interface {
	// Heartbeat renews the instance and every lease its token holds.
	Heartbeat(ctx context.Context, b InstanceBeat) (*InstanceView, error)
	// LeaveInstances gives the token's leases up, but those of keep, which
	// are left to expire, and removes the instance.
	LeaveInstances(ctx context.Context, token string, keep []int64) error
}

// InstanceBeat is one instance's sign of life.
type InstanceBeat struct {
	Token string
	Host  string
	PID   int
	At    time.Time
	TTL   time.Duration
}

// Instance is an instance alive on the shared database.
type Instance struct {
	Token string `json:"-"`
	Host  string `json:"host"`
	PID   int    `json:"pid"`
}

// InstanceView is what a heartbeat learns: the live instances and the
// integrations whose mailbox this instance holds.
type InstanceView struct {
	Live []Instance
	Held []int64
}

// Lease is who holds a mailbox, and Exchange's back-off for it.
type Lease struct {
	Token        string        `json:"-"`
	PID          int           `json:"pid"`
	Host         string        `json:"host"`
	AcquiredAt   time.Time     `json:"acquired_at"`
	ExpiresAt    time.Time     `json:"expires_at"`
	Poll         time.Duration `json:"poll" ts_type:"number"`
	BackOffUntil time.Time     `json:"backoff_until"`
	// ThisProcess is set by Status when this process holds the lease.
	ThisProcess bool `json:"this_process"`
}

// ItemKey is a mailbox item at one version.
type ItemKey struct{ ID, ChangeKey string }

// Filter selects scheduled conferences for lists.
type Filter struct {
	IntegrationID int64     // 0: all
	Since         time.Time // conferences valid at or after this instant (zero: all)
	Limit         int       // 0: no limit
}
