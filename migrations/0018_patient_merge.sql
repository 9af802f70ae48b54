-- 0018: two files of the same person (created at two desks, say) can be merged into one.
--
-- The file a person retires points at the file kept (`merged_into`, a synced field like any
-- other; '' when the file stands on its own). Nothing else moves: the retired file's medical
-- items, consents and images keep their patient id, and every read of the kept file takes in
-- the files merged into it. So an allergy another PC adds to the retired file while offline
-- still shows on the kept file after its sync, and separating the files again (clearing the
-- field) gives each file back exactly what it had. A retired file leaves the search index,
-- the lists and the duplicate review.
ALTER TABLE patient ADD COLUMN merged_into TEXT NOT NULL DEFAULT '';
CREATE INDEX patient_merged_into ON patient (merged_into) WHERE merged_into <> '';
