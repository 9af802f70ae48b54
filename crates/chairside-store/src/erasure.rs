//! GDPR erasure of a patient's identity by pseudonymisation (art. 17, with the art. 17(3)
//! exception for records a clinic must keep).
//!
//! What an erasure does to the patient row: names, phones, e-mail, postal address, national
//! number, referring dentist, notes, photo and guarantor link are blanked; the birth date keeps
//! its year only (the age matters for retained clinical records); sex, file number and creation
//! date stay. `erased_at_ms` is set. The row stays as the pseudonymous anchor ("erased file
//! K7Q-00042") of the clinical records that are retained: medical history and consents, and the
//! charts, notes, images and invoices of later modules.
//!
//! Where else the identity could linger, and what removes it:
//! * the change log (`field_change`) holds every value ever written: [`enforce`] rewrites the
//!   patient's identifying values there to the erased ones;
//! * the relay holds each device's change sets as they were sealed: a scrub queues every set it
//!   changed, whichever device wrote it (`stream_redaction`, migration 0016), and the next sync
//!   seals them again from the scrubbed log and replaces the relay's copies. The first PC to sync
//!   after merging the erasure does it for every stream, so the copies of a PC that never syncs
//!   again (lost, revoked) are replaced too; sealing is deterministic, so the other PCs' later
//!   rewrites of the same sets bring the same bytes and change nothing;
//! * a change typed at another desk before it heard of the erasure, or an old change set merged
//!   late, could write a name back: [`enforce`] runs after every change to the row, typed or
//!   merged, and blanks the fields again. It is a pure function of the merged state, so every
//!   device ends in the same state without capturing these writes;
//! * the files merged into the erased one ([`crate::merged`]), the same person: erased with it;
//!   and a file merged into it at another desk while the erasure was on its way is erased by the
//!   first sync that merges both ([`crate::Store::finish_erasures`]);
//! * a DICOM file's header names the patient: the erasure queues the patient's DICOM images
//!   (`image_identity_queue`, migration 0015); a PC that holds the file writes a copy without
//!   the identity, points the image at it (`identity_removed`, synced) and forgets the old file,
//!   as every PC does when it merges that change, and the relay deletes it after the next sync;
//! * free space in pages: the store runs with `secure_delete = ON`;
//! * the FTS5 search index keeps deleted tokens in its segments until they merge, and the WAL file
//!   keeps old pages until a checkpoint: [`crate::Store::compact_after_erasure`] merges the index
//!   and truncates the WAL.
//!
//! Left alone, on purpose: the audit log holds ids only, never names (checked by a test); backup
//! files made before the erasure still hold the identity until they are rotated out (they are
//! encrypted files outside the database, and rewriting them would break their integrity).

use chairside_domain::EntityId;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::schema::PATIENT;

/// The identifying fields of a patient and the value each takes once erased. The birth date is
/// handled apart: it keeps its year.
pub const BLANKED_FIELDS: &[(&str, &str)] = &[
    ("last_name", ""),
    ("first_name", ""),
    ("phones", "[]"),
    ("email", ""),
    ("address", ""),
    ("national_id_kind", ""),
    ("national_id", ""),
    ("referring_dentist", ""),
    ("notes", ""),
    ("photo", ""),
    ("guarantor_id", ""),
    ("guarantor_relation", ""),
];

/// The local setting that says an erasure changed this database since its last compaction.
pub(crate) const COMPACTION_DUE: &str = "compaction_after_erasure_due";

/// Marks the compaction after an erasure as due ([`COMPACTION_DUE`]).
pub(crate) fn mark_compaction_due(conn: &Connection) -> Result<()> {
    conn.execute(
        "INSERT INTO local_meta (key, value) VALUES (?1, '1')
         ON CONFLICT (key) DO UPDATE SET value = '1'",
        [COMPACTION_DUE],
    )?;
    Ok(())
}

/// The birth date an erased record keeps: its year ("1985-03-14" becomes "1985").
pub fn erased_birth_date(birth_date: &str) -> String {
    birth_date.chars().take(4).collect()
}

impl Writer<'_> {
    /// Erases a patient's identity (see the module docs), and that of the files merged into
    /// this one: the same person ([`crate::merged`]). The change is captured and syncs like any
    /// other; every device that merges it scrubs its own copy of the history.
    pub fn erase_patient(&mut self, id: &str, at_ms: i64) -> Result<()> {
        self.erase_one(id, at_ms)?;
        for file in crate::merged::merged_files(self.conn(), id)? {
            let erased: i64 = self.conn().query_row(
                "SELECT erased_at_ms FROM patient WHERE id = ?1",
                [&file],
                |r| r.get(0),
            )?;
            if erased == 0 {
                self.erase_one(&file, at_ms)?;
            }
        }
        Ok(())
    }

    fn erase_one(&mut self, id: &str, at_ms: i64) -> Result<()> {
        let entity: EntityId = id
            .parse()
            .map_err(|_| StoreError::InvalidChange(format!("patient id {id:?} is not a UUID")))?;
        let birth_date: String =
            self.conn()
                .query_row("SELECT birth_date FROM patient WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        let mut fields: Vec<(&str, Value)> = BLANKED_FIELDS
            .iter()
            .map(|(field, blank)| (*field, Value::Text((*blank).into())))
            .collect();
        fields.push(("birth_date", Value::Text(erased_birth_date(&birth_date))));
        fields.push(("erased_at_ms", Value::Integer(at_ms)));
        self.set(&PATIENT, entity, &fields)
    }
}

/// A file of [`unfinished_erasures`]: `file` is read as `read_as`, erased at `erased_at_ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnfinishedErasure {
    pub file: String,
    pub read_as: String,
    pub erased_at_ms: i64,
}

/// Files that keep their identity though their reads go to an erased file: a merge and an
/// erasure that crossed while the PCs were apart (one desk merged the file into another, a
/// second desk, not yet told, erased that other file). Here both are refused together, so only
/// merged change sets make this. Each comes with the erasure time of the file it is read as.
pub fn unfinished_erasures(conn: &Connection) -> Result<Vec<UnfinishedErasure>> {
    let merged: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM patient WHERE deleted = 0 AND merged_into <> '' AND erased_at_ms = 0
             ORDER BY id",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut unfinished = Vec::new();
    for id in merged {
        let file = crate::merged::survivor(conn, &id)?;
        let erased_at: i64 = conn
            .prepare_cached("SELECT erased_at_ms FROM patient WHERE id = ?1")?
            .query_row([&file], |r| r.get(0))?;
        if erased_at != 0 {
            unfinished.push(UnfinishedErasure {
                file: id,
                read_as: file,
                erased_at_ms: erased_at,
            });
        }
    }
    Ok(unfinished)
}

impl crate::Store {
    /// Erases the files of [`unfinished_erasures`], as the erasure would have had it seen the
    /// merge: a person's erasure reaches every file of theirs. A captured change, made by the
    /// sync after merging what it pulled (see `chairside-sync`); it writes the erased file's own
    /// erasure time, so PCs that do it at the same time write the same values. Returns how many
    /// files were erased. Audited without a user (the PC does it, for an erasure someone made
    /// elsewhere), the file it is read as in the detail.
    pub fn finish_erasures(&mut self) -> Result<usize> {
        let unfinished = unfinished_erasures(self.conn())?;
        if !unfinished.is_empty() {
            self.write(|w| {
                for erasure in &unfinished {
                    w.erase_one(&erasure.file, erasure.erased_at_ms)?;
                    let detail = format!("merged into erased file {}", erasure.read_as);
                    w.audit(crate::audit::AuditRecord {
                        user_id: "",
                        action: "patient.erase",
                        entity: "patient",
                        entity_id: &erasure.file,
                        outcome: "ok",
                        detail: &detail,
                    })?;
                }
                Ok(())
            })?;
        }
        Ok(unfinished.len())
    }
}

/// An image row written after its patient was erased keeps no file name either: one imported on
/// a PC that had not yet merged the erasure arrives here later, with the name the file had
/// ("Dupre_Helene_pano.dcm"). The image table's `on_change` hook, after the change set is
/// logged; [`enforce`] blanks the images present at the erasure.
pub(crate) fn enforce_on_image(conn: &Connection, image_id: &str) -> Result<()> {
    let erased: Option<i64> = conn
        .query_row(
            "SELECT p.erased_at_ms FROM image i JOIN patient p ON p.id = i.patient_id
             WHERE i.id = ?1",
            [image_id],
            |r| r.get(0),
        )
        .optional()?;
    if erased.unwrap_or(0) == 0 {
        return Ok(());
    }
    conn.execute(
        "UPDATE image SET file_name = '' WHERE id = ?1 AND file_name <> ''",
        [image_id],
    )?;
    scrub_log(
        conn,
        "tbl = 'image' AND field = 'file_name' AND row_id = ?1",
        "''",
        &[&image_id],
    )?;
    let identity_removed: i64 = conn.query_row(
        "SELECT identity_removed FROM image WHERE id = ?1",
        [image_id],
        |r| r.get(0),
    )?;
    if identity_removed == 0 {
        queue_dicom_files(conn, "id = ?1", image_id)
    } else {
        // Done here or on another PC: the image names its file without the identity now, and
        // the file that named the patient is forgotten on this PC.
        conn.execute(
            "DELETE FROM image_identity_queue WHERE image_id = ?1",
            [image_id],
        )?;
        crate::blobs::forget_unreferenced(conn)
    }
}

/// Queues the DICOM files of the images `condition` selects (over `image`, one parameter) for
/// the removal of the identity from their header (migration 0015): the app rewrites those it
/// holds (`chairside-app`'s `gdpr::remove_identity_from_files`).
fn queue_dicom_files(conn: &Connection, condition: &str, param: &str) -> Result<()> {
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO image_identity_queue (image_id)
             SELECT id FROM image WHERE {condition} AND format = 'dicom' AND identity_removed = 0"
        ),
        [param],
    )?;
    Ok(())
}

/// Rewrites logged values: the `field_change` rows `condition` selects take the value
/// `scrubbed` (an SQL expression over the row, such as a `CASE` on `field`). The change sets
/// among them, of every device, are queued first for their redaction at the relay
/// (`stream_redaction`); values already scrubbed are left alone, so a set is queued once.
fn scrub_log(
    conn: &Connection,
    condition: &str,
    scrubbed: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<()> {
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO stream_redaction (device_id, idx)
             SELECT device_id, idx FROM change_set WHERE id IN (
                 SELECT set_id FROM field_change WHERE {condition} AND value IS NOT ({scrubbed}))"
        ),
        params,
    )?;
    conn.execute(
        &format!(
            "UPDATE field_change SET value = ({scrubbed})
             WHERE {condition} AND value IS NOT ({scrubbed})"
        ),
        params,
    )?;
    Ok(())
}

/// Keeps an erased patient erased: blanks its identifying fields in the row and in the whole
/// change log. Does nothing for a patient who was never erased. Runs in the transaction of every
/// change to the row (the patient table's `on_change` hook), after the change set is logged.
pub(crate) fn enforce(conn: &Connection, row_id: &str) -> Result<()> {
    // Cached: asked on every patient change; the rest runs only for an erased file.
    let erased: i64 = conn
        .prepare_cached("SELECT erased_at_ms FROM patient WHERE id = ?1")?
        .query_row([row_id], |r| r.get(0))?;
    if erased == 0 {
        return Ok(());
    }
    // The search index and the WAL may hold what is blanked below until they are compacted:
    // due at the end of this PC's next sync ([`crate::Store::compact_if_due`]), when a merge
    // brought the erasure; at once when the erasure is typed here.
    mark_compaction_due(conn)?;
    let birth_date: String = conn.query_row(
        "SELECT birth_date FROM patient WHERE id = ?1",
        [row_id],
        |r| r.get(0),
    )?;
    let birth_year = erased_birth_date(&birth_date);
    // Names come from the static list above, never from input.
    for (field, blank) in BLANKED_FIELDS {
        conn.execute(
            &format!("UPDATE patient SET {field} = ?1 WHERE id = ?2 AND {field} IS NOT ?1"),
            params![blank, row_id],
        )?;
    }
    conn.execute(
        "UPDATE patient SET birth_date = ?1 WHERE id = ?2 AND birth_date IS NOT ?1",
        params![birth_year, row_id],
    )?;
    // A concurrent edit of the erased file waiting for review would keep a typed value.
    conn.execute(
        "DELETE FROM edit_conflict WHERE tbl = 'patient' AND row_id = ?1",
        [row_id],
    )?;
    // An image's file name often holds the patient's name ("Dupre_Helene_pano.dcm"): blanked
    // here and in the change log, on every device, like the patient's own fields.
    conn.execute(
        "UPDATE image SET file_name = '' WHERE patient_id = ?1 AND file_name <> ''",
        [row_id],
    )?;
    scrub_log(
        conn,
        "tbl = 'image' AND field = 'file_name'
         AND row_id IN (SELECT id FROM image WHERE patient_id = ?1)",
        "''",
        &[&row_id],
    )?;
    // Their DICOM files name the patient in their header: rewritten without the identity.
    queue_dicom_files(conn, "patient_id = ?1", row_id)?;
    // The history, in one pass over the log (no index leads to a row's changes; an erasure is
    // rare enough that a scan is the better trade than slowing every write with one).
    let cases: String = BLANKED_FIELDS
        .iter()
        .map(|(field, blank)| format!("WHEN '{field}' THEN '{blank}' "))
        .collect();
    let fields: Vec<String> = BLANKED_FIELDS
        .iter()
        .map(|(field, _)| format!("'{field}'"))
        .chain(std::iter::once("'birth_date'".to_string()))
        .collect();
    scrub_log(
        conn,
        &format!(
            "tbl = 'patient' AND row_id = ?1 AND field IN ({})",
            fields.join(", ")
        ),
        &format!("CASE field {cases}ELSE ?2 END"),
        &[&row_id, &birth_year],
    )
}
