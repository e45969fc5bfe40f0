-- One pull, push or resolve at a time, across the window, the CLI and
-- serve: the process that holds this lease (until expires_at, renewed while
-- it runs) is the only one that writes the sync's links. holder is
-- host, pid and a random token; a released lease has holder ''.
CREATE TABLE infinity_sync_lease (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    holder      TEXT NOT NULL DEFAULT '' CHECK (length(holder) <= 600),
    acquired_at TEXT NOT NULL DEFAULT '',
    expires_at  TEXT NOT NULL DEFAULT ''
);
