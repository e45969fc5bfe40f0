-- The Pexip Infinity Management Node this app syncs with (one at most),
-- without its secret, which lives in the keychain.
CREATE TABLE infinity_connection (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    url          TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    auth         TEXT NOT NULL CHECK (auth IN ('basic', 'oauth2')),
    username     TEXT NOT NULL DEFAULT '' CHECK (length(username) <= 256),
    client_id    TEXT NOT NULL DEFAULT '' CHECK (length(client_id) <= 256),
    ca_file      TEXT NOT NULL DEFAULT '' CHECK (length(ca_file) <= 4096),
    account      TEXT NOT NULL DEFAULT '',
    version      TEXT NOT NULL DEFAULT '' CHECK (length(version) <= 256),
    connected_at TEXT NOT NULL
);

-- One row per object synced with Infinity. The local id goes NULL when the
-- local object is deleted (ON DELETE SET NULL), which is how a deletion made
-- here is told from an object that was never pulled: the row stays until a
-- push deletes the object on Infinity too. remote_id is NULL while a push
-- that creates the object has not yet learned its id. base is the object's
-- fields as last pulled or pushed (never a secret), remote as last seen on
-- Infinity (NULL once it is gone there), so the status counts pending
-- changes and conflicts without a request.
CREATE TABLE infinity_objects (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('integration', 'personal_vmr')),
    integration_id INTEGER UNIQUE REFERENCES integrations (id) ON DELETE SET NULL,
    conference_id  INTEGER UNIQUE REFERENCES conferences (id) ON DELETE SET NULL,
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 250),
    remote_id      INTEGER CHECK (remote_id > 0),
    base           TEXT CHECK (base IS NULL OR json_valid(base)),
    remote         TEXT CHECK (remote IS NULL OR json_valid(remote)),
    -- A push records 'pending' before it writes to Infinity and 'done' or
    -- 'failed' after, so a push stopped half way shows where it stopped.
    push_state     TEXT NOT NULL DEFAULT '' CHECK (push_state IN ('', 'pending', 'done', 'failed')),
    push_error     TEXT NOT NULL DEFAULT '' CHECK (length(push_error) <= 2000),
    updated_at     TEXT NOT NULL,
    CHECK (kind = 'integration' OR integration_id IS NULL),
    CHECK (kind = 'personal_vmr' OR conference_id IS NULL),
    UNIQUE (kind, remote_id)
);

-- Every pull, push and resolve, newest last.
CREATE TABLE infinity_history (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    who     TEXT NOT NULL CHECK (length(who) <= 600),
    action  TEXT NOT NULL CHECK (action IN ('pull', 'push', 'resolve')),
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'conflicts', 'failed', 'cancelled')),
    summary TEXT NOT NULL CHECK (length(summary) <= 2000),
    changes TEXT NOT NULL CHECK (json_valid(changes))
);
CREATE INDEX infinity_history_action ON infinity_history (action, id);

-- The Management Node the links belong to; it outlives a disconnect, so a
-- connection to another node cannot take its ids for these (and delete
-- local objects as "gone there").
CREATE TABLE infinity_node (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    url TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2048)
);
