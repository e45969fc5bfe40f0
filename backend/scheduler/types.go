package scheduler

import "time"

// Kinds of scheduled conference: one meeting, or a recurring series.
const (
	KindSingle    = "single"
	KindRecurring = "recurring"
)

// States of a scheduled conference.
const (
	StateActive    = "active"    // the conference exists and the meeting is on
	StateCancelled = "cancelled" // the organizer cancelled; the conference is gone
)

// ScheduledConference is a single-use VMR the scheduler made for a meeting
// (Infinity's scheduled_conference or recurring_conference), as lists show it.
type ScheduledConference struct {
	ID             int64  `json:"id"`
	Integration    string `json:"integration"`
	ConferenceName string `json:"conference_name"`
	Alias          string `json:"alias"`
	NumericAlias   string `json:"numeric_alias"`
	AliasUUID      string `json:"alias_uuid"`
	MeetingUID     string `json:"meeting_uid"`
	Subject        string `json:"subject"`
	Organizer      string `json:"organizer"`
	OrganizerName  string `json:"organizer_name"`
	Kind           string `json:"kind"`
	// Recurrence is the series' RRULE (empty for a single meeting).
	Recurrence string `json:"recurrence"`
	// Start and End are the meeting's own times (the first occurrence for
	// a series); ValidFrom and ValidUntil add the buffers (the last
	// occurrence's end for a series; zero when the series has no end).
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	ValidFrom  time.Time `json:"valid_from"`
	ValidUntil time.Time `json:"valid_until"`
	// Exceptions are the occurrences cancelled or moved, by their original start.
	Cancelled []time.Time `json:"cancelled_occurrences" ts_type:"any[]"`
	State     string      `json:"state"`
	UpdatedAt time.Time   `json:"updated_at"`
	// Where Pexip Infinity stands (InfinityPolicy, InfinityPending, ...;
	// "" is policy too): InfinityID once created there, InfinityReason why
	// an operation waits or failed, InfinityStatus all of it in words.
	InfinityState  string `json:"infinity_state"`
	InfinityID     int    `json:"infinity_id"`
	InfinityReason string `json:"infinity_reason"`
	InfinityStatus string `json:"infinity_status"`
}

// LogEntry is one line of the scheduling operations log: one decision about
// one item of the room mailbox.
type LogEntry struct {
	ID            int64     `json:"id"`
	Integration   string    `json:"integration"`
	TransactionID string    `json:"transaction_uuid"`
	Time          time.Time `json:"time"`
	Success       bool      `json:"success"`
	// Code names the decision: accept_new_single, accept_new_series,
	// accept_edited_single, accept_edited_series, accept_edited_occurrence,
	// cancelled, cancelled_occurrence, placeholder_filled, reject_invalid_alias_id,
	// reject_alias_conflict, reject_alias_deleted, reject_single_past,
	// reject_series_past, reject_general_error, reject_not_organizer,
	// reject_organizer_mismatch, reject_placeholder_refused,
	// reject_placeholder_rate_limited, accept_assigned_without_addin,
	// accept_healed_join_block, ignored.
	Code        string `json:"code"`
	Description string `json:"description"`
	ItemUID     string `json:"item_uid"`
	Subject     string `json:"subject"`
	Organizer   string `json:"organizer"`
}

// Worker states.
const (
	WorkerStopped  = "stopped"
	WorkerRunning  = "running"
	WorkerBackoff  = "backoff"  // a transient failure; retrying after a delay
	WorkerFailed   = "failed"   // stopped on an error a retry cannot fix (authentication, configuration)
	WorkerDisabled = "disabled" // the integration has single-use VMRs off or no room mailbox
)

// Status is one integration's scheduler state.
type Status struct {
	Integration   string    `json:"integration"`
	State         string    `json:"state"`
	LastSync      time.Time `json:"last_sync"`
	LastItem      string    `json:"last_item"`
	LastItemAt    time.Time `json:"last_item_at"`
	Processed     int64     `json:"processed"`
	Backlog       int       `json:"backlog"`        // items seen but not yet decided
	OutboxPending int       `json:"outbox_pending"` // replies not yet sent
	LastError     string    `json:"last_error"`
	LastErrorAt   time.Time `json:"last_error_at"`
	// Advice says what to do about LastError, when there is something to do.
	Advice string `json:"advice"`
	// Quarantined are the items and replies set aside until an admin
	// retries them (the newest, up to 50); QuarantinedCount counts all.
	Quarantined      []Failure `json:"quarantined"`
	QuarantinedCount int       `json:"quarantined_count"`
	// Lease is who works on the mailbox now (nil: nobody), and Exchange's
	// back-off.
	Lease *Lease `json:"lease"`
}
