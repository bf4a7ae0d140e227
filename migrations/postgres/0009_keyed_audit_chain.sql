-- The audit chain is keyed: each link is an HMAC under a random chain key
-- stored only wrapped by the master key (see src/audit_chain.rs).
CREATE TABLE audit_chain_key (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    key_id        TEXT NOT NULL,
    master_key_id TEXT NOT NULL,
    nonce         BYTEA NOT NULL,
    wrapped       BYTEA NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Re-keying a chain written before keys re-links its rows once: only the
-- link columns may change, and only while this gate is open (inside the
-- re-keying transaction).
CREATE TABLE audit_rekey_gate (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    open BIGINT NOT NULL CHECK (open IN (0, 1))
);
INSERT INTO audit_rekey_gate (id, open) VALUES (1, 0);

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND (SELECT open FROM audit_retention_gate WHERE id = 1) = 1
       AND OLD.seq <= (SELECT seq FROM audit_anchor WHERE id = 1) THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (SELECT open FROM audit_rekey_gate WHERE id = 1) = 1
       AND (NEW.seq, NEW.id, NEW.at, NEW.actor_user_id, NEW.actor_label, NEW.tenant_id, NEW.client_ip,
            NEW.action, NEW.target, NEW.result, NEW.detail)
           IS NOT DISTINCT FROM
           (OLD.seq, OLD.id, OLD.at, OLD.actor_user_id, OLD.actor_label, OLD.tenant_id, OLD.client_ip,
            OLD.action, OLD.target, OLD.result, OLD.detail) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
