-- Secrets sealed by the encrypted backend (backend/secrets, --secrets
-- encrypted) on machines without a keychain. Each value is encrypted with
-- XChaCha20-Poly1305 under a key that never sits in this file; key_id (the
-- first 8 bytes of the key's SHA-256, hex) tells a value sealed with
-- another key apart from a corrupted one.
CREATE TABLE encrypted_secrets (
    account    TEXT PRIMARY KEY CHECK (length(account) BETWEEN 1 AND 1000),
    key_id     TEXT NOT NULL CHECK (length(key_id) = 16),
    nonce      BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    updated_at TEXT NOT NULL
);
