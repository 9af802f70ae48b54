-- 0002: patients and their search index.
--
-- `patient` is a mutable synced table (see 0001 for the conventions). `phones` holds a JSON array
-- of E.164 strings: the list is one field, replaced as a whole, so two desks never interleave
-- half-lists. `patient_search` and `patient_word` are local indexes rebuilt by the store (never
-- synced) from each patient row it touches, locally or by merge.

CREATE TABLE patient (
    id                 TEXT PRIMARY KEY,
    file_number        TEXT    NOT NULL DEFAULT '',
    last_name          TEXT    NOT NULL DEFAULT '',
    first_name         TEXT    NOT NULL DEFAULT '',
    birth_date         TEXT    NOT NULL DEFAULT '',   -- YYYY-MM-DD
    sex                TEXT    NOT NULL DEFAULT 'X',  -- F, M or X
    phones             TEXT    NOT NULL DEFAULT '[]',
    email              TEXT    NOT NULL DEFAULT '',
    address            TEXT    NOT NULL DEFAULT '',
    national_id_kind   TEXT    NOT NULL DEFAULT '',
    national_id        TEXT    NOT NULL DEFAULT '',
    referring_dentist  TEXT    NOT NULL DEFAULT '',
    notes              TEXT    NOT NULL DEFAULT '',
    created_at_ms      INTEGER NOT NULL DEFAULT 0,
    deleted            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX patient_birth_date ON patient (birth_date);
CREATE INDEX patient_file_number ON patient (file_number);

-- Phone digits (international, national with and without the trunk 0) and file numbers, with
-- prefix indexes so that typing "0555" is a lookup, not a scan. Contentless: the row's text
-- lives in `patient`; rowid = patient.rowid.
CREATE VIRTUAL TABLE patient_search USING fts5 (
    phones, file_number,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4'
);

-- Every folded word (accents and case removed) of a patient's names, with the folded full name:
-- name searches are range scans of this index that stop after a screenful, already in
-- alphabetical order, where FTS5 would rank thousands of matches of a short prefix. Local and
-- derived, like patient_search.
CREATE TABLE patient_word (
    word           TEXT    NOT NULL,
    sort_key       TEXT    NOT NULL,
    patient_rowid  INTEGER NOT NULL,
    PRIMARY KEY (word, sort_key, patient_rowid)
) WITHOUT ROWID;
CREATE INDEX patient_word_patient ON patient_word (patient_rowid);
