-- Audit retention (WP-2.13) without breaking verification: rows older than the
-- retention are removed from the start of the chain, and the hash of the last
-- removed row is kept as the chain's anchor. Removal is possible only through
-- the retention gate and only at or below the anchor.
CREATE TABLE audit_anchor (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE TABLE audit_retention_gate (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    open BIGINT NOT NULL CHECK (open IN (0, 1))
);
INSERT INTO audit_retention_gate (id, open) VALUES (1, 0);

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND (SELECT open FROM audit_retention_gate WHERE id = 1) = 1
       AND OLD.seq <= (SELECT seq FROM audit_anchor WHERE id = 1) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE INDEX audit_by_time ON audit_log (at);
