-- Partial search (issue 15): people are indexed under two-character grams of
-- their name, reading and e-mail local part and the 五十音 row of their
-- reading, besides the exact tokens. index_version says which set a person's
-- tokens are: 1, exact tokens only (people written before this migration),
-- 2, all of them. `kura serve` re-indexes version-1 people in the background,
-- in batches, audited once per organisation.
ALTER TABLE people ADD COLUMN index_version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX people_by_index_version ON people (tenant_id, index_version);

-- A person's tokens by person and token: the list's 五十音 tab and a search
-- with many candidates test each person of a page with a direct lookup.
-- (The index by person alone served the cascade on delete; this one still does.)
DROP INDEX people_index_by_person;
CREATE INDEX people_index_by_person ON people_index (person_id, token);
