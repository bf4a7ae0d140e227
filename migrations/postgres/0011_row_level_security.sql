-- A setup link names its account's organisation, so the link's page can
-- build that organisation's pre-authentication scope before reading the
-- account (src/setup_links.rs). Links are looked up by a secret's hash, like
-- sessions; they are not tenant tables.
ALTER TABLE setup_tokens ADD COLUMN user_tenant_id TEXT;
UPDATE setup_tokens SET user_tenant_id = (SELECT tenant_id FROM users WHERE users.id = setup_tokens.user_id);

-- The second wall (docs/SECURITY.md): every tenant table, that is every table
-- with a tenant_id column, answers only the rows of the reach its transaction
-- set with set_config(.., true) (src/db.rs, `Reach`): one organisation's rows,
-- the installation's own rows (tenant_id NULL), or, set explicitly and named
-- in kura.reach_by, every row. An unset reach matches nothing. FORCE binds the
-- tables' owner too; only a role with BYPASSRLS (the maintenance role) passes.
-- A table added later with a tenant_id column must get the same policy: the
-- test `every_tenant_table_is_behind_row_level_security` fails otherwise.
CREATE FUNCTION kura_reaches(row_tenant TEXT) RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
    SELECT CASE current_setting('kura.reach', true)
        WHEN 'tenant' THEN row_tenant = NULLIF(current_setting('kura.tenant_id', true), '')
        WHEN 'installation' THEN row_tenant IS NULL
        WHEN 'all' THEN TRUE
        ELSE FALSE
    END
$$;

DO $$
DECLARE t TEXT;
BEGIN
    FOR t IN
        SELECT c.table_name FROM information_schema.columns c
        JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id' AND tb.table_type = 'BASE TABLE'
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_wall ON %I USING (kura_reaches(tenant_id)) WITH CHECK (kura_reaches(tenant_id))', t);
    END LOOP;
END;
$$;
