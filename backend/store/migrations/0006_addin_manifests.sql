-- The add-in identity of each integration: a stable id for the production
-- manifest, another for the development one (so both can be installed
-- side by side), and a version bumped whenever the manifest's content
-- changes (Outlook only reloads a sideloaded add-in for a new version).
CREATE TABLE addin_manifests (
    integration_id INTEGER PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
    addin_id       TEXT NOT NULL UNIQUE,
    dev_addin_id   TEXT NOT NULL UNIQUE,
    revision       INTEGER NOT NULL CHECK (revision >= 0),
    fingerprint    TEXT NOT NULL
);
