-- 生年月日 and 緊急連絡先 of people stored before they existed are NULL
-- (details_sealed = 0). `kura migrate` seals an empty value into each of them
-- once (src/people/details_upgrade.rs), records that on the audit chain, and
-- from then on a NULL there is an integrity failure like in any sealed column.
-- `kura serve` refuses to start while the step waits.
ALTER TABLE sealed_fields_upgrade ADD COLUMN details_done INTEGER NOT NULL DEFAULT 1 CHECK (details_done IN (0, 1));
UPDATE sealed_fields_upgrade SET details_done = 0 WHERE EXISTS (SELECT 1 FROM people WHERE details_sealed = 0);
