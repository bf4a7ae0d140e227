-- Per-organisation IP allowlists (WP-2.9): an empty list means unrestricted.
CREATE TABLE tenant_ip_allowlist (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    cidr       TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX tenant_ip_allowlist_by_tenant ON tenant_ip_allowlist (tenant_id);
CREATE UNIQUE INDEX tenant_ip_allowlist_unique ON tenant_ip_allowlist (tenant_id, cidr);
