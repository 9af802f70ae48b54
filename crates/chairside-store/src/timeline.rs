//! A patient's history in one chronological list: the file's creation and erasure, medical
//! history entries, consents, dental chart entries (charted, and done); each later module
//! (agenda, imaging, billing) adds its own source to [`SOURCES`].
//!
//! The timeline is a read model: it is computed from the synced tables on demand, never stored,
//! so it can never disagree with them and needs nothing of its own to sync.

use rusqlite::{Connection, params};

use crate::error::Result;

/// One event of a patient's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineRow {
    pub at_ms: i64,
    /// What happened, a stable code: `file_created`, `file_erased`, `allergy`, `medication`,
    /// `condition`, `consent_granted`, `consent_withdrawn`, ...
    pub kind: String,
    /// The id of the record the event comes from (to open it).
    pub ref_id: String,
    /// The record's short text: an allergen, a consent kind, a file number.
    pub label: String,
    /// More text where the record has it: a reaction, a text version.
    pub detail: String,
    /// The staff user who recorded it (id), empty when not known.
    pub recorded_by: String,
}

/// One `SELECT` per source, each giving `(at_ms, kind, ref_id, label, detail, recorded_by)` for
/// the patient's files `?1` (a JSON array: the file and those merged into it, see
/// [`crate::merged`]). A module that lands adds its line here.
const SOURCES: &[&str] = &[
    "SELECT created_at_ms, 'file_created', id, file_number, '', ''
       FROM patient WHERE id IN (SELECT value FROM json_each(?1))",
    "SELECT erased_at_ms, 'file_erased', id, file_number, '', ''
       FROM patient WHERE id IN (SELECT value FROM json_each(?1)) AND erased_at_ms > 0",
    "SELECT recorded_at_ms, kind, id, label, detail, recorded_by
       FROM medical_item WHERE patient_id IN (SELECT value FROM json_each(?1)) AND deleted = 0",
    // A chart entry when it was charted, and when it was marked done here. The label is the
    // tooth and its surfaces ("36 MOD"), the detail the kind's code.
    "SELECT recorded_at_ms, 'chart_charted', id, trim(tooth || ' ' || surfaces), kind, recorded_by
       FROM chart_entry WHERE patient_id IN (SELECT value FROM json_each(?1))",
    "SELECT done_at_ms, 'chart_done', id, trim(tooth || ' ' || surfaces), kind, done_by
       FROM chart_entry WHERE patient_id IN (SELECT value FROM json_each(?1))
        AND status = 'done' AND done_at_ms > 0",
    "SELECT recorded_at_ms, CASE granted WHEN 1 THEN 'consent_granted' ELSE 'consent_withdrawn' END,
            id, kind, text_version, recorded_by
       FROM consent WHERE patient_id IN (SELECT value FROM json_each(?1))",
];

/// The patient's events, newest first, at most `limit`.
pub fn for_patient(conn: &Connection, patient_id: &str, limit: u32) -> Result<Vec<TimelineRow>> {
    let sql = format!(
        "SELECT * FROM ({}) ORDER BY 1 DESC, 2, 3 LIMIT ?2",
        SOURCES.join(" UNION ALL ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let files = crate::merged::files_json(conn, patient_id)?;
    let rows = stmt.query_map(params![files, limit], |r| {
        Ok(TimelineRow {
            at_ms: r.get(0)?,
            kind: r.get(1)?,
            ref_id: r.get(2)?,
            label: r.get(3)?,
            detail: r.get(4)?,
            recorded_by: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
