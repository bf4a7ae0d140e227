-- A setup link names its account's organisation, so the link's page can
-- build that organisation's pre-authentication scope before reading the
-- account (src/setup_links.rs). Links are looked up by a secret's hash, like
-- sessions; they are not tenant tables.
ALTER TABLE setup_tokens ADD COLUMN user_tenant_id TEXT;
UPDATE setup_tokens SET user_tenant_id = (SELECT tenant_id FROM users WHERE users.id = setup_tokens.user_id);

-- SQLite has no row-level security: the repositories binding the tenant
-- themselves are its only wall (docs/SECURITY.md).
