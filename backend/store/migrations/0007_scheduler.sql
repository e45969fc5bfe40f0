-- Single-use VMRs the scheduler made for meetings (Infinity's
-- scheduled_conference and recurring_conference) with the local
-- provisioner: one row per meeting UID of an integration. The alias is the
-- meeting's scheduled alias; the valid window includes the buffers.
CREATE TABLE scheduled_conferences (
    id                    INTEGER PRIMARY KEY,
    integration_id        INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    scheduled_alias_id    INTEGER NOT NULL REFERENCES scheduled_aliases (id) ON DELETE CASCADE,
    meeting_uid           TEXT NOT NULL,
    name                  TEXT NOT NULL COLLATE NOCASE UNIQUE,
    description           TEXT NOT NULL DEFAULT '',
    kind                  TEXT NOT NULL CHECK (kind IN ('single', 'recurring')),
    state                 TEXT NOT NULL CHECK (state IN ('active', 'cancelled')),
    subject               TEXT NOT NULL DEFAULT '',
    organizer             TEXT NOT NULL DEFAULT '',
    organizer_name        TEXT NOT NULL DEFAULT '',
    sequence              INTEGER NOT NULL DEFAULT 0,
    recurrence            TEXT NOT NULL DEFAULT '',
    start_time            TEXT NOT NULL,
    end_time              TEXT NOT NULL,
    valid_from            TEXT NOT NULL,
    valid_until           TEXT NOT NULL DEFAULT '',
    -- Occurrences cancelled or moved, by original start (JSON array).
    cancelled_occurrences TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(cancelled_occurrences)),
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    UNIQUE (integration_id, meeting_uid)
);
CREATE INDEX scheduled_conferences_window ON scheduled_conferences (integration_id, valid_until);

-- A reservation whose conference was removed (its meeting cancelled) must
-- not be used again: a later invitation with its token is refused.
ALTER TABLE scheduled_aliases ADD COLUMN deleted_at TEXT;

-- Per integration: where the mailbox sync stands and how the worker fares.
CREATE TABLE scheduler_state (
    integration_id INTEGER PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
    sync_state     TEXT NOT NULL DEFAULT '',
    last_sync      TEXT NOT NULL DEFAULT '',
    last_item      TEXT NOT NULL DEFAULT '',
    last_item_at   TEXT NOT NULL DEFAULT '',
    processed      INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    last_error_at  TEXT NOT NULL DEFAULT '',
    advice         TEXT NOT NULL DEFAULT ''
);

-- Mailbox items already decided, by EWS id and change key: a sync page seen
-- again after a crash skips them, and a changed item (new change key) is
-- decided again.
CREATE TABLE scheduler_items (
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    item_id        TEXT NOT NULL,
    change_key     TEXT NOT NULL,
    code           TEXT NOT NULL,
    decided_at     TEXT NOT NULL,
    PRIMARY KEY (integration_id, item_id)
);

-- Replies and meeting updates waiting to be sent. Written in the same
-- transaction as the decision; the sender marks a row attempted before it
-- sends and sent after, and checks Exchange's Sent Items for the key of an
-- attempted row before sending it again.
CREATE TABLE scheduler_outbox (
    id             INTEGER PRIMARY KEY,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    key            TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('accept', 'decline', 'update_body')),
    item_id        TEXT NOT NULL,
    change_key     TEXT NOT NULL DEFAULT '',
    mailbox        TEXT NOT NULL DEFAULT '',
    meeting_uid    TEXT NOT NULL DEFAULT '',
    body           TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'attempted', 'sent', 'failed')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    sent_at        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scheduler_outbox_waiting ON scheduler_outbox (integration_id, state) WHERE state IN ('pending', 'attempted');

-- The scheduling operations log: one row per decision.
CREATE TABLE scheduler_log (
    id               INTEGER PRIMARY KEY,
    integration_id   INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    transaction_uuid TEXT NOT NULL,
    time             TEXT NOT NULL,
    success          INTEGER NOT NULL CHECK (success IN (0, 1)),
    code             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    item_uid         TEXT NOT NULL DEFAULT '',
    subject          TEXT NOT NULL DEFAULT '',
    organizer        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scheduler_log_recent ON scheduler_log (integration_id, id);
