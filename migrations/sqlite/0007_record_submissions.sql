-- One record per form submission: the record form carries a key per
-- rendering, so a double click or a retried request stores it once.
ALTER TABLE person_records ADD COLUMN submission_key TEXT;
CREATE UNIQUE INDEX person_records_by_submission ON person_records (tenant_id, submission_key) WHERE submission_key IS NOT NULL;
