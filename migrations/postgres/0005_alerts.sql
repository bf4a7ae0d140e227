-- Alerts raised by rules over the audit log (WP-2.5, 2.13). One alert per
-- rule and subject while it is open or acknowledged: repeats only count.
CREATE TABLE alerts (
    id              TEXT PRIMARY KEY,
    rule            TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL,
    tenant_id       TEXT,
    state           TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'closed')),
    detail          TEXT NOT NULL,
    events          BIGINT NOT NULL,
    first_at        BIGINT NOT NULL,
    last_at         BIGINT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at BIGINT,
    comment         TEXT,
    closed_by       TEXT,
    closed_at       BIGINT
);
CREATE INDEX alerts_by_state ON alerts (state, tenant_id);
CREATE INDEX alerts_by_rule_key ON alerts (rule, dedupe_key, state);

-- How far the rules have read the audit log.
CREATE TABLE alert_cursor (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL
);
INSERT INTO alert_cursor (id, last_seq) VALUES (1, 0);
CREATE INDEX audit_by_action_time ON audit_log (action, at);
