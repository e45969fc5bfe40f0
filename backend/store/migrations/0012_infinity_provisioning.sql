-- API provisioning of single-use VMRs on Pexip Infinity (an integration's
-- infinity_provisioning = 'api'): where each scheduled conference stands on
-- Infinity, and the operations waiting to be sent there.
--
-- infinity_state: '' (made before this migration: answered by policy),
-- 'policy' (Infinity asks this service through its external policy),
-- 'pending' (queued, not yet created), 'created' (infinity_id is the
-- conference's id on Infinity), 'failed' (Infinity refused it for good;
-- infinity_error says why), 'removed' (deleted from Infinity).
-- infinity_error also holds why a queued operation waits.
-- infinity_sent is what was last written to Infinity (JSON object of the
-- conference's fields), so that an update PATCHes only what changed.
ALTER TABLE scheduled_conferences ADD COLUMN infinity_state TEXT NOT NULL DEFAULT ''
    CHECK (infinity_state IN ('', 'policy', 'pending', 'created', 'failed', 'removed'));
ALTER TABLE scheduled_conferences ADD COLUMN infinity_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scheduled_conferences ADD COLUMN infinity_error TEXT NOT NULL DEFAULT '';
ALTER TABLE scheduled_conferences ADD COLUMN infinity_sent TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(infinity_sent));
CREATE INDEX scheduled_conferences_infinity ON scheduled_conferences (integration_id, infinity_state, valid_until)
    WHERE infinity_state IN ('pending', 'created');

-- Operations on Infinity, written in the same transaction as the decision
-- (or by the reaper once a conference's window has passed). Like
-- scheduler_outbox: the sender marks a row attempted (keeping the name it
-- sends in payload) before the request and done after; a retried create
-- first looks the conference up by that name and adopts it. Per scheduled
-- conference the rows run in id order. State 'failed' is the quarantine.
CREATE TABLE infinity_outbox (
    id                      INTEGER PRIMARY KEY,
    integration_id          INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    scheduled_conference_id INTEGER NOT NULL REFERENCES scheduled_conferences (id) ON DELETE CASCADE,
    op                      TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    key                     TEXT NOT NULL UNIQUE,
    state                   TEXT NOT NULL CHECK (state IN ('pending', 'attempted', 'done', 'failed')),
    payload                 TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    attempts                INTEGER NOT NULL DEFAULT 0,
    failures                INTEGER NOT NULL DEFAULT 0,
    next_attempt            TEXT NOT NULL DEFAULT '',
    last_error              TEXT NOT NULL DEFAULT '',
    correlation_id          TEXT NOT NULL DEFAULT '',
    first_failed            TEXT NOT NULL DEFAULT '',
    last_failed             TEXT NOT NULL DEFAULT '',
    created_at              TEXT NOT NULL,
    done_at                 TEXT NOT NULL DEFAULT ''
);
CREATE INDEX infinity_outbox_waiting ON infinity_outbox (integration_id, state, id) WHERE state IN ('pending', 'attempted');
CREATE INDEX infinity_outbox_conference ON infinity_outbox (scheduled_conference_id, id);
