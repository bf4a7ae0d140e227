-- The audit chain is keyed: each link is an HMAC under a random chain key
-- stored only wrapped by the master key (see src/audit_chain.rs).
CREATE TABLE audit_chain_key (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    key_id        TEXT NOT NULL,
    master_key_id TEXT NOT NULL,
    nonce         BLOB NOT NULL,
    wrapped       BLOB NOT NULL,
    created_at    INTEGER NOT NULL
);

-- Re-keying a chain written before keys re-links its rows once: only the
-- link columns may change, and only while this gate is open (inside the
-- re-keying transaction).
CREATE TABLE audit_rekey_gate (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    open INTEGER NOT NULL CHECK (open IN (0, 1))
);
INSERT INTO audit_rekey_gate (id, open) VALUES (1, 0);

DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN (SELECT open FROM audit_rekey_gate WHERE id = 1) <> 1
  OR NEW.seq IS NOT OLD.seq OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at
  OR NEW.actor_user_id IS NOT OLD.actor_user_id OR NEW.actor_label IS NOT OLD.actor_label
  OR NEW.tenant_id IS NOT OLD.tenant_id OR NEW.client_ip IS NOT OLD.client_ip
  OR NEW.action IS NOT OLD.action OR NEW.target IS NOT OLD.target
  OR NEW.result IS NOT OLD.result OR NEW.detail IS NOT OLD.detail
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
