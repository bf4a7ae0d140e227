-- Sessions carry the account's credential generation: a password change or
-- reset raises it, and every session of an older generation is refused
-- whatever the session store holds.
ALTER TABLE users ADD COLUMN credential_generation BIGINT NOT NULL DEFAULT 0;
-- Earlier session rows held the raw session id inside their data; they are
-- dropped (everyone signs in once more) so that no copy of an id remains.
DELETE FROM sessions;
