// Package policy is Infinity's external policy server for single-use VMRs:
// a Conferencing Node asks GET /policy/v1/service/configuration what a
// dialled alias is, and the answer comes from the scheduled conferences the
// scheduler made, kept in memory and reloaded when the store changes.
package policy

import (
	"context"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
)

// Snapshot is everything the policy answers from: every integration and
// every scheduled alias with its conference, read in one transaction.
type Snapshot struct {
	// Version identifies the store's state the snapshot was read at; the
	// repository's Version answers the same while nothing changed.
	Version      string
	Integrations []*integration.Integration
	Aliases      []Alias
}

// Alias is a single-use alias reservation (Infinity's scheduled_alias)
// and the conference of the meeting that used it, if any.
type Alias struct {
	ID            int64
	IntegrationID int64
	UUID          string
	Alias         string
	NumericAlias  string
	Deleted       bool
	// Conference is nil while no meeting used the reservation.
	Conference *Conference
}

// Conference is a scheduled conference as the policy needs it.
type Conference struct {
	ID          int64
	MeetingUID  string
	Name        string
	Description string
	Subject     string
	Organizer   string
	Kind        string // scheduler.KindSingle or KindRecurring
	State       string // scheduler.StateActive or StateCancelled
	Recurrence  string // the series' RRULE
	Start, End  time.Time
	// ValidFrom and ValidUntil include the buffers; ValidUntil is zero
	// for a series without end.
	ValidFrom, ValidUntil time.Time
	// Cancelled are the cancelled occurrences, by original start.
	Cancelled []time.Time
	// TimeZone is the series' IANA zone: its rule is expanded at the local
	// wall time there. "" (UTC, or a row from before zones were kept):
	// expanded in UTC.
	TimeZone string
	// Moved are the occurrences exceptions moved, with their new times.
	Moved []scheduler.MovedOccurrence
	// InfinityState is where the conference stands on Infinity
	// (scheduler.Infinity*): one created there is Infinity's to answer.
	InfinityState string
}

// Decision is one answer, for the operations log.
type Decision struct {
	At            time.Time
	IntegrationID int64 // 0: the alias is not ours (process log only)
	Alias         string
	Caller        string
	Action        string // continue or reject
	Code          string
	Why           string
	MeetingUID    string
	Subject       string
	Organizer     string
	// RequestID is the answer's X-Request-Id (set by the add-in host's
	// middleware), for the process log only.
	RequestID string
}

// Operations log codes of policy decisions.
const (
	CodeConference = "policy_conference" // continue with the conference
	CodeReject     = "policy_reject"     // ours, but not now
	CodeNotOurs    = "policy_continue"   // left to Infinity
	actionContinue = "continue"
	actionReject   = "reject"
)

// Repository is what the policy reads and writes; backend/store implements it.
type Repository interface {
	// PolicySnapshot reads every integration and scheduled alias.
	PolicySnapshot(ctx context.Context) (*Snapshot, error)
	// PolicyVersion is cheap: it changes whenever a scheduled conference,
	// a scheduled alias or an integration is written or deleted.
	PolicyVersion(ctx context.Context) (string, error)
	// LogDecisions writes decisions to the operations log in one
	// transaction, skipping those of integrations deleted meanwhile.
	LogDecisions(ctx context.Context, ds []Decision) error
}
