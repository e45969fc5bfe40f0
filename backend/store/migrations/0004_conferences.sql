-- Conferences (VMRs) kept locally: personal VMRs now, single-use ones when
-- the scheduler creates them. Field names follow Infinity's conference.
CREATE TABLE conferences (
    id                          INTEGER PRIMARY KEY,
    name                        TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(name) BETWEEN 1 AND 250),
    description                 TEXT NOT NULL DEFAULT '',
    pin                         TEXT NOT NULL DEFAULT '',
    guest_pin                   TEXT NOT NULL DEFAULT '',
    allow_guests                INTEGER NOT NULL DEFAULT 0 CHECK (allow_guests IN (0, 1)),
    primary_owner_email_address TEXT NOT NULL DEFAULT '',
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL
);
CREATE INDEX conferences_owner ON conferences (primary_owner_email_address COLLATE NOCASE);

-- Every alias dials one conference; no alias may belong to two.
CREATE TABLE conference_aliases (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    alias         TEXT NOT NULL COLLATE NOCASE UNIQUE,
    description   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (conference_id, position)
);
