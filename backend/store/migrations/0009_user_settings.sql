-- The desktop user's own choices (join method, notifications, calendar
-- source, the integration signed in to), one value per key. The database
-- lives in the OS user's config directory, so it is per user already; no
-- secret is kept here (tokens live in the keychain).
CREATE TABLE user_settings (
    key        TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),
    value      TEXT NOT NULL CHECK (length(value) <= 4096),
    updated_at TEXT NOT NULL
);
