-- Audit retention (WP-2.13) without breaking verification: rows older than the
-- retention are removed from the start of the chain, and the hash of the last
-- removed row is kept as the chain's anchor. Removal is possible only through
-- the retention gate and only at or below the anchor.
CREATE TABLE audit_anchor (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 0, zeroblob(32));

CREATE TABLE audit_retention_gate (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    open INTEGER NOT NULL CHECK (open IN (0, 1))
);
INSERT INTO audit_retention_gate (id, open) VALUES (1, 0);

DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN (SELECT open FROM audit_retention_gate WHERE id = 1) <> 1
  OR OLD.seq > (SELECT seq FROM audit_anchor WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE INDEX audit_by_time ON audit_log (at);
