-- Tenancy and accounts: contract and contacts of an organisation, its
-- settings, its wrapped data key, account expiry, and one-time setup links.

ALTER TABLE tenants ADD COLUMN contract_start TEXT;
-- Notification contacts: e-mail addresses one per line, and a phone number.
ALTER TABLE tenants ADD COLUMN contact_emails TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN members_may_export INTEGER NOT NULL DEFAULT 0 CHECK (members_may_export IN (0, 1));

-- After this instant the account can no longer log in (NULL: no expiry).
ALTER TABLE users ADD COLUMN expires_at INTEGER;
CREATE INDEX users_by_tenant ON users (tenant_id, login);

-- The organisation's data key, only ever stored wrapped (AEAD) by a master
-- key; master_key_id names which one, so the master key can rotate.
CREATE TABLE tenant_keys (
    tenant_id     TEXT PRIMARY KEY REFERENCES tenants (id),
    key_id        TEXT NOT NULL,
    master_key_id TEXT NOT NULL,
    nonce         BLOB NOT NULL,
    wrapped       BLOB NOT NULL,
    created_at    INTEGER NOT NULL
);

-- One-time setup links: only a SHA-256 of the token is stored.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX setup_tokens_by_user ON setup_tokens (user_id);
