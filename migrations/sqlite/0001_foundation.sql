-- Foundation schema. Times are UTC milliseconds since the epoch; flags are 0/1.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'terminated')),
    time_zone   TEXT NOT NULL DEFAULT 'Asia/Tokyo',
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT REFERENCES tenants (id),
    login                TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('operator', 'admin', 'member', 'viewer')),
    status               TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    must_change_password INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    last_failed_login_at INTEGER,
    last_login_at        INTEGER,
    password_changed_at  INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    -- Operators belong to no tenant; everyone else belongs to exactly one.
    CHECK ((role = 'operator') = (tenant_id IS NULL))
);
CREATE UNIQUE INDEX users_login_in_tenant ON users (COALESCE(tenant_id, ''), login);

-- Attempt counters for login throttling, keyed by a hash of the account name
-- or client address (so unknown accounts are throttled exactly like real ones,
-- and nothing typed into the login field is stored in clear).
CREATE TABLE login_throttle (
    key_hash        TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    blocked_until   INTEGER NOT NULL,
    last_attempt_at INTEGER NOT NULL
);

-- tower-sessions records. The id is stored only as a SHA-256 hash; user_id is
-- the index used to list and revoke a user's sessions.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT REFERENCES users (id) ON DELETE CASCADE,
    data         BLOB NOT NULL,
    expires_at   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    client_ip    TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Append-only, hash-chained audit log. seq is gapless and assigned under the
-- lock of audit_head, so the chain has one order on every backend.
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    at            INTEGER NOT NULL,
    actor_user_id TEXT,
    actor_label   TEXT NOT NULL,
    tenant_id     TEXT,
    client_ip     TEXT,
    action        TEXT NOT NULL,
    target        TEXT,
    result        TEXT NOT NULL,
    detail        TEXT NOT NULL,
    prev_hash     BLOB NOT NULL,
    hash          BLOB NOT NULL
);
CREATE INDEX audit_by_tenant_time ON audit_log (tenant_id, at);

CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq  INTEGER NOT NULL,
    last_hash BLOB NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, zeroblob(32));

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
