-- Sealed values bind the person and the row's fields version (src/vault.rs):
-- `fields_version` is raised each time a person's sealed fields are written.
ALTER TABLE people ADD COLUMN fields_version BIGINT NOT NULL DEFAULT 0;

-- Values sealed before are re-sealed once at start-up (src/people/upgrade.rs);
-- a database without any people data has nothing to upgrade.
CREATE TABLE sealed_fields_upgrade (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    done BIGINT NOT NULL CHECK (done IN (0, 1))
);
INSERT INTO sealed_fields_upgrade (id, done)
SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM people) OR EXISTS (SELECT 1 FROM person_records) THEN 0 ELSE 1 END;
