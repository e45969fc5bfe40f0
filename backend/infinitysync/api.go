// Package infinitysync keeps the store's integrations and personal VMRs in
// step with a Pexip Infinity Management Node: connect, pull, a three-way
// diff (here, on Infinity, as last pulled), push and resolve, each recorded
// in a sync history.
package infinitysync

import (
	"context"
	"errors"
	"time"

	"vmr-companion/backend/infinity"
	"vmr-companion/backend/secrets"
)

// Kinds of synced objects.
const (
	KindIntegration = "integration"
	KindPersonalVMR = "personal_vmr"
)

// Auth methods of a connection.
const (
	AuthBasic  = "basic"
	AuthOAuth2 = "oauth2"
)

// Connection is how the app reaches a Management Node, without its secret
// (the password or the private key, kept in the keychain).
type Connection struct {
	URL      string `json:"url"`
	Auth     string `json:"auth"` // AuthBasic or AuthOAuth2
	Username string `json:"username,omitempty"`
	ClientID string `json:"client_id,omitempty"`
	CAFile   string `json:"ca_file,omitempty"`
}

// ConnectRequest is a Connection with its secret. An empty Secret on
// Connect keeps the stored one (changing only the CA file, say).
type ConnectRequest struct {
	Connection
	Secret secrets.Secret `json:"-"`
}

// Probe is what a successful Test or Connect learned.
type Probe struct {
	Account string `json:"account"` // the user name or client id
	Version string `json:"version"` // "" when the Management Node does not say
}

// Status is the connection and where the sync stands, from the store alone
// (no request to Infinity).
type Status struct {
	Connected  bool         `json:"connected"`
	Connection *Connection  `json:"connection,omitempty"`
	Account    string       `json:"account"`
	Version    string       `json:"version"`
	LastPull   *time.Time   `json:"last_pull,omitempty"`
	LastPush   *time.Time   `json:"last_push,omitempty"`
	Pending    int          `json:"pending"`   // objects with local changes not pushed
	Conflicts  int          `json:"conflicts"` // fields changed on both sides, as last seen
	History    []HistoryRow `json:"history"`   // most recent first
	// Unfinished are objects a push began and did not finish (What
	// "pending": stopped; "failed", with Error): the next push retries them.
	Unfinished []Change `json:"unfinished,omitempty"`
	// DeletedThere are objects deleted on Infinity and kept here (changed
	// here, or in use): Error says how to settle each.
	DeletedThere []Change `json:"deleted_there,omitempty"`
}

// HistoryRow is one pull, push or resolve.
type HistoryRow struct {
	ID      int64     `json:"id"`
	Time    time.Time `json:"time"`
	Who     string    `json:"who"`     // the OS user and the Infinity account
	Action  string    `json:"action"`  // "pull", "push", "resolve"
	Outcome string    `json:"outcome"` // "ok", "conflicts", "failed", "cancelled"
	Summary string    `json:"summary"` // one line: what changed
	Changes []Change  `json:"changes"`
}

// Change is one object a pull, push or resolve wrote.
type Change struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// What: "created", "updated", "deleted", "taken", "failed"; "kept"
	// (deleted on Infinity, kept here), "linked" (met by name: its fields
	// that differ are conflicts), "clash" (a name taken by another object:
	// rename one).
	What   string   `json:"what"`
	Fields []string `json:"fields,omitempty"`
	Error  string   `json:"error,omitempty"`
}

// Object states in a Diff.
const (
	StateUnchanged    = "unchanged"
	StateChanged      = "changed" // fields differ; see Fields
	StateCreatedHere  = "created_here"
	StateCreatedThere = "created_there"
	StateDeletedHere  = "deleted_here"
	StateDeletedThere = "deleted_there"
)

// Field sides in a Diff.
const (
	SideHere     = "here"     // changed here only: push sends it
	SideInfinity = "infinity" // changed on Infinity only: push takes it
	SideBoth     = "both"     // changed on both sides to the same value
	SideConflict = "conflict" // changed on both sides to different values
)

// Diff is the three-way comparison of every synced object.
type Diff struct {
	Objects   []ObjectDiff `json:"objects"` // objects with any difference
	Pending   int          `json:"pending"`
	Conflicts int          `json:"conflicts"`
}

// ObjectDiff is one integration or personal VMR.
type ObjectDiff struct {
	Kind     string      `json:"kind"`
	Name     string      `json:"name"`
	LocalID  int64       `json:"local_id,omitempty"`
	RemoteID int         `json:"remote_id,omitempty"`
	State    string      `json:"state"`
	Fields   []FieldDiff `json:"fields,omitempty"`
}

// FieldDiff is one field's three values, as display text (JSON for lists).
// Secrets never appear.
type FieldDiff struct {
	Field    string `json:"field"`
	Side     string `json:"side"`
	Here     string `json:"here"`
	Infinity string `json:"infinity"`
	Base     string `json:"base"`
}

// Conflict is a field changed on both sides to different values.
type Conflict struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Field    string `json:"field"`
	Here     string `json:"here"`
	Infinity string `json:"infinity"`
}

// Error is "integration NAME: field FIELD: here X, on Infinity Y".
func (c Conflict) Error() string {
	return c.Kind + " " + c.Name + ": field " + c.Field + ": here " + c.Here + ", on Infinity " + c.Infinity
}

// Progress is reported while a pull or push runs.
type Progress struct {
	Phase  string `json:"phase"` // "reading", "writing"
	Done   int    `json:"done"`
	Total  int    `json:"total"` // 0 while unknown
	Object string `json:"object,omitempty"`
}

// Result is what a pull or push did.
type Result struct {
	HistoryID int64      `json:"history_id"`
	Created   int        `json:"created"`
	Updated   int        `json:"updated"`
	Deleted   int        `json:"deleted"`
	Taken     int        `json:"taken"` // changes made on Infinity taken into the store
	Unchanged int        `json:"unchanged"`
	Requests  int        `json:"requests"`
	Conflicts []Conflict `json:"conflicts"`
	Failed    []Change   `json:"failed"`
	Changes   []Change   `json:"changes"`
}

// PushOptions choose what a push may send.
type PushOptions struct {
	// Secrets sends the integrations' secrets from the keychain too.
	Secrets bool `json:"secrets"`
}

// Sides a Resolve takes.
const (
	TakeHere     = "here"
	TakeInfinity = "infinity"
)

// ErrNotConnected is returned when no connection is stored.
var ErrNotConnected = errors.New("not connected to Pexip Infinity: run vmr-companion infinity connect --url https://<management node>")

// API is what the CLI and the window call; *Service implements it.
type API interface {
	Test(ctx context.Context, req ConnectRequest) (*Probe, error)
	Connect(ctx context.Context, req ConnectRequest) (*Status, error)
	Disconnect(ctx context.Context) error
	Status(ctx context.Context) (*Status, error)
	Pull(ctx context.Context, progress func(Progress)) (*Result, error)
	Diff(ctx context.Context) (*Diff, error)
	Push(ctx context.Context, opts PushOptions, progress func(Progress)) (*Result, error)
	Resolve(ctx context.Context, kind, name, field, take string) error
	History(ctx context.Context, limit int) ([]HistoryRow, error)
	// Client is a management API client on the stored connection (the
	// scheduler's API provisioning uses it).
	Client(ctx context.Context) (*infinity.Client, error)
}
