-- Records people can correct (issue 15): a record's current content stays in
-- person_records, now with its version (0 as written, +1 per correction), who
-- changed it last, and, once deleted, when and by whom: a deleted record is a
-- marked state, never a removed row. Each change keeps the version it
-- replaced in person_record_changes, its body copied as sealed (bound to the
-- record and that version), with the change's sealed reason: nothing
-- rewrites history (真正性).
ALTER TABLE person_records ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE person_records ADD COLUMN updated_at INTEGER;
ALTER TABLE person_records ADD COLUMN updated_by TEXT;
ALTER TABLE person_records ADD COLUMN deleted_at INTEGER;
ALTER TABLE person_records ADD COLUMN deleted_by TEXT;

CREATE TABLE person_record_changes (
    tenant_id         TEXT NOT NULL REFERENCES tenants(id),
    record_id         TEXT NOT NULL REFERENCES person_records(id) ON DELETE CASCADE,
    person_id         TEXT NOT NULL,
    -- The record's version after a correction; its version + 1 for a deletion.
    seq               INTEGER NOT NULL,
    change            TEXT NOT NULL CHECK (change IN ('corrected', 'deleted')),
    changed_at        INTEGER NOT NULL,
    changed_by        TEXT,
    reason            BLOB NOT NULL,
    prior_version     INTEGER NOT NULL,
    prior_occurred_at INTEGER NOT NULL,
    prior_category_id TEXT,
    prior_body        BLOB NOT NULL,
    prior_written_at  INTEGER NOT NULL,
    prior_written_by  TEXT,
    PRIMARY KEY (record_id, seq)
);
CREATE INDEX person_record_changes_by_person ON person_record_changes (tenant_id, person_id);

-- How long a record's author may still correct or delete it (admins always).
ALTER TABLE tenants ADD COLUMN record_edit_hours INTEGER NOT NULL DEFAULT 24 CHECK (record_edit_hours BETWEEN 0 AND 720);

-- 生年月日 and 緊急連絡先, sealed like the other fields. People written before
-- have neither: NULL, read as not given while details_sealed = 0. Every write
-- seals both and sets details_sealed = 1; after that a NULL there is an
-- integrity failure, as in any other sealed column.
ALTER TABLE people ADD COLUMN birth_date BLOB;
ALTER TABLE people ADD COLUMN emergency_contact BLOB;
ALTER TABLE people ADD COLUMN details_sealed INTEGER NOT NULL DEFAULT 0;
