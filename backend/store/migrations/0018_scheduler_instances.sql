-- The instances working on a shared database (PostgreSQL: several serve
-- processes): each renews its row while it runs, so the others know how
-- many are alive and take about their share of the mailboxes. token is
-- the one the instance's mailbox leases carry.
CREATE TABLE scheduler_instances (
    token      TEXT PRIMARY KEY CHECK (length(token) BETWEEN 1 AND 100),
    host       TEXT NOT NULL DEFAULT '' CHECK (length(host) <= 300),
    pid        INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX scheduler_leases_token ON scheduler_leases (token);
