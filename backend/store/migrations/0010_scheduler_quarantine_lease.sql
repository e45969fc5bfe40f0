-- Mailbox items the scheduler could not fetch or decide: retried with
-- back-off (next_attempt), quarantined after too many failures or at once on
-- a failure a retry cannot fix. A row goes when the item is decided.
CREATE TABLE scheduler_failures (
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    item_id        TEXT NOT NULL,
    change_key     TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    organizer      TEXT NOT NULL DEFAULT '',
    attempts       INTEGER NOT NULL DEFAULT 0,
    reason         TEXT NOT NULL DEFAULT '',
    correlation_id TEXT NOT NULL DEFAULT '',
    first_failed   TEXT NOT NULL,
    last_failed    TEXT NOT NULL,
    next_attempt   TEXT NOT NULL DEFAULT '',
    quarantined    INTEGER NOT NULL DEFAULT 0 CHECK (quarantined IN (0, 1)),
    PRIMARY KEY (integration_id, item_id)
);
CREATE INDEX scheduler_failures_due ON scheduler_failures (integration_id, quarantined, next_attempt);

-- Outbox entries: failures (sends Exchange refused or that failed while the
-- mailbox worked; crashes do not count), back-off, and the correlation id
-- of the quarantine. State 'failed' is the quarantine.
ALTER TABLE scheduler_outbox ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scheduler_outbox ADD COLUMN next_attempt TEXT NOT NULL DEFAULT '';
ALTER TABLE scheduler_outbox ADD COLUMN first_failed TEXT NOT NULL DEFAULT '';
ALTER TABLE scheduler_outbox ADD COLUMN last_failed TEXT NOT NULL DEFAULT '';
ALTER TABLE scheduler_outbox ADD COLUMN correlation_id TEXT NOT NULL DEFAULT '';

-- One owner per integration's mailbox: the process that holds the lease
-- (until expires_at, renewed while it works) is the only one that syncs the
-- mailbox and sends its outbox. backoff_until keeps Exchange's
-- BackOffMilliseconds so that every process honours it.
CREATE TABLE scheduler_leases (
    integration_id INTEGER PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
    token          TEXT NOT NULL DEFAULT '',
    pid            INTEGER NOT NULL DEFAULT 0,
    host           TEXT NOT NULL DEFAULT '',
    acquired_at    TEXT NOT NULL DEFAULT '',
    expires_at     TEXT NOT NULL DEFAULT '',
    poll_ms        INTEGER NOT NULL DEFAULT 0,
    backoff_until  TEXT NOT NULL DEFAULT ''
);
