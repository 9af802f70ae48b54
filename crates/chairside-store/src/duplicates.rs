//! Possible duplicate patients: found after every change to a patient, typed or merged, and kept
//! as flags for a person to review. The software never merges two files by itself.
//!
//! A pair stops being flagged when a person decides the two files are different people
//! ([`Writer::mark_distinct`], synced, so every desk learns it) or merges them into one
//! ([`crate::merged`]), or when either file is erased or deleted, or when an edit makes them
//! differ.

use rusqlite::{Connection, params};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::pair_decision::{DISTINCT_FILES, ordered};
use crate::patients::{self, PatientRow};

/// A flagged pair, `patient_a < patient_b`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateFlag {
    pub patient_a: String,
    pub patient_b: String,
    /// `name_birth_date` or `phone`.
    pub reason: String,
    pub found_at_ms: i64,
}

/// Re-derives the flags of one patient from the current data. Runs in the transaction of every
/// change to a patient row (its `on_change` hook).
///
/// Returns whether files are merged into this one (the patient hook then looks at them too).
pub(crate) fn refresh(conn: &Connection, row_id: &str) -> Result<bool> {
    let state = crate::merged::merge_state(conn, row_id)?;
    if !state.merged_into.is_empty() && !crate::merged::stands(conn, row_id)? {
        // Merged into another file: its pairs are that file's now (the other file of each is
        // looked at again, and finds this one as the file it was merged into).
        let partners = partners(conn, row_id)?;
        conn.prepare_cached("DELETE FROM duplicate_flag WHERE patient_a = ?1 OR patient_b = ?1")?
            .execute([row_id])?;
        for partner in partners {
            if crate::merged::stands(conn, &partner)? {
                refresh_standing(conn, &partner, true)?;
            }
        }
        return Ok(state.has_merged_files);
    }
    refresh_standing(conn, row_id, state.has_merged_files)?;
    Ok(state.has_merged_files)
}

/// The other file of each pair flagged with `row_id`.
fn partners(conn: &Connection, row_id: &str) -> Result<Vec<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT CASE patient_a WHEN ?1 THEN patient_b ELSE patient_a END FROM duplicate_flag
             WHERE patient_a = ?1 OR patient_b = ?1",
        )?
        .query_map([row_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// [`refresh`] for a file that stands on its own (or is gone); `has_merged_files` false when it
/// is known that no file is merged into it.
fn refresh_standing(conn: &Connection, row_id: &str, has_merged_files: bool) -> Result<()> {
    conn.prepare_cached("DELETE FROM duplicate_flag WHERE patient_a = ?1 OR patient_b = ?1")?
        .execute([row_id])?;
    let Some(row) = patients::get(conn, row_id)? else {
        return Ok(()); // deleted
    };
    if row.erased_at_ms != 0 {
        return Ok(());
    }
    let now = crate::now_ms() as i64;
    // The files merged into this one are looked for too: their names and phones are this
    // person's (the other file's refresh finds them the other way round).
    let mut found = patients::possible_duplicates_with_reason(conn, &row)?;
    let merged = if has_merged_files {
        crate::merged::merged_files(conn, row_id)?
    } else {
        Vec::new()
    };
    for file in merged {
        if let Some(merged) = patients::get(conn, &file)? {
            found.extend(patients::possible_duplicates_with_reason(conn, &merged)?);
        }
    }
    for (other, reason) in found {
        if other.id == row.id
            || other.erased_at_ms != 0
            || DISTINCT_FILES.decided(conn, &row.id, &other.id)?
        {
            continue;
        }
        let (a, b) = ordered(&row.id, &other.id);
        conn.prepare_cached(
            "INSERT OR IGNORE INTO duplicate_flag (patient_a, patient_b, reason, found_at_ms)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![a, b, reason, now])?;
    }
    Ok(())
}

/// Drops the flag of a pair once a person has decided (the `patient_distinct` hook).
pub(crate) fn on_distinct(conn: &Connection, row_id: &str) -> Result<()> {
    if let Some((a, b)) = DISTINCT_FILES.pair_of(conn, row_id)? {
        conn.execute(
            "DELETE FROM duplicate_flag WHERE patient_a = ?1 AND patient_b = ?2",
            params![a, b],
        )?;
    }
    Ok(())
}

/// Every flagged pair, newest first.
pub fn flags(conn: &Connection) -> Result<Vec<DuplicateFlag>> {
    let mut stmt = conn.prepare_cached(
        "SELECT patient_a, patient_b, reason, found_at_ms FROM duplicate_flag
         ORDER BY found_at_ms DESC, patient_a, patient_b",
    )?;
    Ok(stmt
        .query_map([], |r| {
            Ok(DuplicateFlag {
                patient_a: r.get(0)?,
                patient_b: r.get(1)?,
                reason: r.get(2)?,
                found_at_ms: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// The flags that involve one patient, with the other file of each pair.
pub fn flags_for(conn: &Connection, patient_id: &str) -> Result<Vec<(DuplicateFlag, PatientRow)>> {
    let mut out = Vec::new();
    for flag in flags(conn)? {
        let other = if flag.patient_a == patient_id {
            &flag.patient_b
        } else if flag.patient_b == patient_id {
            &flag.patient_a
        } else {
            continue;
        };
        if let Some(row) = patients::get(conn, other)? {
            out.push((flag.clone(), row));
        }
    }
    Ok(out)
}

impl Writer<'_> {
    /// Records a person's decision that two files are different people.
    pub fn mark_distinct(&mut self, x: &str, y: &str, decided_by: &str, at_ms: i64) -> Result<()> {
        if x == y {
            return Err(StoreError::InvalidChange(
                "a file cannot be distinct from itself".into(),
            ));
        }
        if DISTINCT_FILES.decided(self.conn(), x, y)? {
            return Ok(());
        }
        self.decide_pair(&DISTINCT_FILES, x, y, decided_by, at_ms)
    }
}
