-- Integrations: the columns lists and lookups need, and the rest of the
-- fields as a JSON object. The field set follows Infinity's
-- ms_exchange_connector resource, which grows with its releases; keeping it
-- in one column lets an import carry it without a migration per field.
CREATE TABLE integrations (
    id                    INTEGER PRIMARY KEY,
    uuid                  TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(name) BETWEEN 1 AND 250),
    description           TEXT NOT NULL DEFAULT '',
    url                   TEXT NOT NULL DEFAULT '',
    room_mailbox          TEXT NOT NULL DEFAULT '',
    authentication_method TEXT NOT NULL,
    enable_dynamic_vmrs   INTEGER NOT NULL CHECK (enable_dynamic_vmrs IN (0, 1)),
    enable_personal_vmrs  INTEGER NOT NULL CHECK (enable_personal_vmrs IN (0, 1)),
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    -- Last, so that lists read the columns above without reading through
    -- the settings text and its overflow pages.
    settings              TEXT NOT NULL CHECK (json_valid(settings))
);

-- Exchange domains of an integration, in the order the admin listed them.
CREATE TABLE integration_domains (
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    domain         TEXT NOT NULL,
    PRIMARY KEY (integration_id, position)
);
CREATE INDEX integration_domains_domain ON integration_domains (domain COLLATE NOCASE);
