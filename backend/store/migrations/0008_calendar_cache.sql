-- The last good copy of each calendar source's meetings, for offline
-- viewing: one row per owner key (a signed-in user, an integration) and
-- source (calendar.SourceID: no secret in it). A failed refresh records its error and keeps
-- the copy, which the window then shows as stale.
CREATE TABLE calendar_cache (
    key           TEXT NOT NULL,
    source        TEXT NOT NULL,
    meetings      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(meetings)),
    fetched_at    TEXT NOT NULL DEFAULT '',
    last_error    TEXT NOT NULL DEFAULT '',
    last_error_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (key, source)
);
