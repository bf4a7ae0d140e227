-- The people register (WP-2.1, 2.10). Every personal field is a sealed
-- BYTEA (src/vault.rs): XChaCha20-Poly1305 bound to organisation, table,
-- column, row and data key. Nothing personal is stored in plaintext; search
-- goes through keyed blind indexes in people_index.
CREATE TABLE people (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    key_id      TEXT NOT NULL,
    family_name BYTEA NOT NULL,
    given_name  BYTEA,
    family_kana BYTEA,
    given_kana  BYTEA,
    phone       BYTEA,
    email       BYTEA,
    postal_code BYTEA,
    address     BYTEA,
    notes       BYTEA,
    status      TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    created_at  BIGINT NOT NULL,
    created_by  TEXT,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT,
    version     BIGINT NOT NULL
);
CREATE INDEX people_by_updated ON people (tenant_id, updated_at, id);
CREATE INDEX people_by_created ON people (tenant_id, created_at, id);
CREATE INDEX people_by_status_updated ON people (tenant_id, status, updated_at, id);
CREATE INDEX people_by_status_created ON people (tenant_id, status, created_at, id);

-- Truncated HMAC tokens; the kind (phone, e-mail, name, reading) is part of
-- the HMAC input, not a column, so a token does not say what it is over.
CREATE TABLE people_index (
    tenant_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    token     BYTEA NOT NULL
);
CREATE INDEX people_index_by_token ON people_index (tenant_id, token);
CREATE INDEX people_index_by_person ON people_index (person_id);

CREATE TABLE record_categories (
    id        TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name      TEXT NOT NULL,
    position  BIGINT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE person_records (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    person_id   TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    key_id      TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    category_id TEXT REFERENCES record_categories(id),
    body        BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT
);
CREATE INDEX person_records_by_person ON person_records (person_id, occurred_at);
CREATE INDEX person_records_by_category ON person_records (tenant_id, category_id, person_id);

-- Organisations that exist already get the default categories new ones get.
INSERT INTO record_categories (id, tenant_id, name, position)
SELECT gen_random_uuid()::text, t.id, d.name, d.position
FROM tenants t,
     (VALUES ('面談', 1), ('電話', 2), ('訪問', 3), ('メール', 4), ('その他', 5)) AS d (name, position);
