package infinitysync

import (
	"context"
	"encoding/json"
	"time"
)

// Push states of a Link.
const (
	PushNone    = ""
	PushPending = "pending" // a push began writing it to Infinity
	PushDone    = "done"
	PushFailed  = "failed"
)

// StoredConnection is the Connection as kept in the store, with what the
// last Test or Connect learned.
type StoredConnection struct {
	Connection
	Account     string
	Version     string
	ConnectedAt time.Time
}

// Link ties one local object to its Infinity object.
type Link struct {
	ID   int64
	Kind string
	// LocalID is integrations.id or conferences.id; 0 once the local
	// object was deleted (the deletion is pushed, then the link goes).
	LocalID int64
	// Name is the object's name as last synced, for messages after the
	// local object is gone.
	Name string
	// RemoteID is 0 while a push creating the object has not learned it.
	RemoteID int
	// Base is the fields as last pulled or pushed, Remote as last seen on
	// Infinity (nil when gone there); JSON objects of Fields, no secrets.
	Base, Remote json.RawMessage
	PushState    string
	PushError    string
}

// Repository keeps the connection, the links and the history;
// backend/store implements it on SQLite.
type Repository interface {
	Connection(ctx context.Context) (*StoredConnection, error) // nil when none
	SaveConnection(ctx context.Context, c StoredConnection) error
	DeleteConnection(ctx context.Context) error
	Links(ctx context.Context) ([]Link, error)
	// SaveLink inserts (ID 0, setting ID) or updates a link.
	SaveLink(ctx context.Context, l *Link) error
	// SaveLinks saves each of ls as SaveLink does, all or none.
	SaveLinks(ctx context.Context, ls []*Link) error
	DeleteLink(ctx context.Context, id int64) error
	AddHistory(ctx context.Context, h *HistoryRow) error
	History(ctx context.Context, limit int) ([]HistoryRow, error)
	// LastRun is when action last ran with an outcome other than failed
	// or cancelled; nil when never.
	LastRun(ctx context.Context, action string) (*time.Time, error)
	// NodeURL is the Management Node the links belong to ("" when none
	// yet); it outlives a disconnect.
	NodeURL(ctx context.Context) (string, error)
	SetNodeURL(ctx context.Context, url string) error
	// ForgetLinks drops every link and the node; objects and history stay.
	ForgetLinks(ctx context.Context) error
	// InTx runs fn with a context in which every write of the store (this
	// repository's and the integration and conference repositories')
	// joins one transaction: all of them commit, or none.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// TakeLease takes or renews the sync lease for holder until at+ttl;
	// while another holder's has not run out, it returns that one and false.
	TakeLease(ctx context.Context, holder string, at time.Time, ttl time.Duration) (*SyncLease, bool, error)
	// ReleaseLease gives the lease up if holder still holds it.
	ReleaseLease(ctx context.Context, holder string) error
	// IntegrationInUse says what of this product hangs on the integration
	// (scheduled conferences, scheduler state, queued Infinity
	// operations), "" when nothing.
	IntegrationInUse(ctx context.Context, id int64) (string, error)
}

// SyncLease is who runs a pull, push or resolve now.
type SyncLease struct {
	Holder  string // host, pid and a random token
	Since   time.Time
	Expires time.Time
}
