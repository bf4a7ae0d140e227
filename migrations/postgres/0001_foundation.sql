-- Foundation schema. Times are UTC milliseconds since the epoch; flags are 0/1.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'terminated')),
    time_zone   TEXT NOT NULL DEFAULT 'Asia/Tokyo',
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT REFERENCES tenants (id),
    login                TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('operator', 'admin', 'member', 'viewer')),
    status               TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    must_change_password BIGINT NOT NULL CHECK (must_change_password IN (0, 1)),
    failed_logins        BIGINT NOT NULL DEFAULT 0,
    last_failed_login_at BIGINT,
    last_login_at        BIGINT,
    password_changed_at  BIGINT NOT NULL,
    created_at           BIGINT NOT NULL,
    CHECK ((role = 'operator') = (tenant_id IS NULL))
);
CREATE UNIQUE INDEX users_login_in_tenant ON users (COALESCE(tenant_id, ''), login);

CREATE TABLE login_throttle (
    key_hash        TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    blocked_until   BIGINT NOT NULL,
    last_attempt_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT REFERENCES users (id) ON DELETE CASCADE,
    data         BYTEA NOT NULL,
    expires_at   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    client_ip    TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE audit_log (
    seq           BIGINT PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    at            BIGINT NOT NULL,
    actor_user_id TEXT,
    actor_label   TEXT NOT NULL,
    tenant_id     TEXT,
    client_ip     TEXT,
    action        TEXT NOT NULL,
    target        TEXT,
    result        TEXT NOT NULL,
    detail        TEXT NOT NULL,
    prev_hash     BYTEA NOT NULL,
    hash          BYTEA NOT NULL
);
CREATE INDEX audit_by_tenant_time ON audit_log (tenant_id, at);

CREATE TABLE audit_head (
    id        BIGINT PRIMARY KEY CHECK (id = 1),
    last_seq  BIGINT NOT NULL,
    last_hash BYTEA NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
