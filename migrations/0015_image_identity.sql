-- 0015: an erased patient's identity leaves the DICOM files of their images too.
--
-- An erasure blanks the patient's identity in the database (chairside-store's `erasure`), but a
-- DICOM file's header names the patient as well (Patient Name, ID, birth date). A PC that holds
-- such a file writes it again without the identity (chairside-imaging's `without_identity`),
-- stores the copy as a new blob and points the image at it with `identity_removed = 1`. The
-- field is synced: every PC then knows it is done, and forgets the old file.
ALTER TABLE image ADD COLUMN identity_removed INTEGER NOT NULL DEFAULT 0;

-- Local: images of erased patients whose DICOM file may still name the patient. Filled by the
-- erasure, in its transaction, on every PC; emptied by the PC's next pass over it. `fetch` is
-- set on the PC where the erasure was made: it downloads the files it does not hold, so the
-- erasure completes without waiting for the PC that imported them.
CREATE TABLE image_identity_queue (
    image_id  TEXT PRIMARY KEY,
    fetch     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Local: blobs this PC replaced by a copy without the identity, to delete at the relay once the
-- image's new file and the change set naming it are there (the next sync).
CREATE TABLE blob_retired (
    sha256  TEXT PRIMARY KEY
) WITHOUT ROWID;
