-- Single-use aliases reserved by the add-in for a meeting being composed
-- (Infinity's scheduled_alias). item_key makes a retry from the same compose
-- window return the same reservation.
CREATE TABLE scheduled_aliases (
    id                       INTEGER PRIMARY KEY,
    integration_id           INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    uuid                     TEXT NOT NULL UNIQUE,
    alias                    TEXT NOT NULL COLLATE NOCASE UNIQUE,
    numeric_alias            TEXT NOT NULL UNIQUE,
    alias_number             INTEGER NOT NULL,
    item_key                 TEXT NOT NULL,
    user_email               TEXT NOT NULL DEFAULT '',
    is_used                  INTEGER NOT NULL DEFAULT 0 CHECK (is_used IN (0, 1)),
    ews_item_uid             TEXT NOT NULL DEFAULT '',
    creation_time            TEXT NOT NULL,
    expires_at               TEXT NOT NULL,
    conference_deletion_time TEXT,
    UNIQUE (integration_id, item_key)
);
CREATE INDEX scheduled_aliases_expiry ON scheduled_aliases (is_used, expires_at);
