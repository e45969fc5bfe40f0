-- Which secret fields of an integration have a value in the OS keychain.
-- Only the reference lives here; the value never does.
CREATE TABLE integration_secrets (
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    field          TEXT NOT NULL,
    account        TEXT NOT NULL,
    PRIMARY KEY (integration_id, field)
);
