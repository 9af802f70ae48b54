//! Two files of the same person merged into one (a patient created at two desks, say).
//!
//! Merging writes one synced field: the retired file's `merged_into` names the file kept
//! ([`Writer::merge_patient_into`]). Nothing else moves. The retired file's medical items,
//! consents and images keep its patient id, and every read of a file takes in the files merged
//! into it ([`files_of`], [`files_json`]): so an allergy that another PC adds to the retired file
//! while it is offline still shows on the kept file once it syncs, and separating the files
//! again ([`Writer::separate_patient`]) gives each exactly what it had.
//!
//! Which file a file's reads go to ([`survivor`]): follow `merged_into` until a file that stands
//! on its own. Two cases need a rule, since PCs merge without seeing each other:
//! - the file named is not here (not synced yet, or deleted): the file stands on its own until it
//!   is;
//! - the files point at each other (two desks merged the same pair in opposite directions while
//!   offline): the file with the smallest id stands, the same on every PC.
//!
//! A file that does not stand leaves the search index, the lists and the duplicate review (see
//! [`crate::patients::reindex`], which re-derives this whenever a patient row changes).

use chairside_domain::EntityId;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::patients::PatientRow;
use crate::schema::PATIENT;

/// Longer chains than this are not made by people (each link is a person merging two files);
/// following stops there, and the file reached stands.
const MAX_CHAIN: usize = 64;

/// The file a patient's `merged_into` names, if any ('' or a deleted row: none).
fn merged_into(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT merged_into FROM patient WHERE id = ?1 AND deleted = 0")?
        .query_row([id], |r| r.get::<_, String>(0))
        .optional()?
        .filter(|target| !target.is_empty()))
}

fn exists(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM patient WHERE id = ?1 AND deleted = 0")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Where following `merged_into` from a file leads.
#[derive(Debug, PartialEq, Eq)]
enum Chain {
    /// To this file, which stands on its own (possibly the file itself).
    EndsAt(String),
    /// Round in a circle: these files, in the order followed.
    Cycle(Vec<String>),
}

fn follow(conn: &Connection, id: &str) -> Result<Chain> {
    let mut seen: Vec<String> = vec![id.to_string()];
    let mut current = id.to_string();
    for _ in 0..MAX_CHAIN {
        let Some(next) = merged_into(conn, &current)? else {
            break;
        };
        if !exists(conn, &next)? {
            break; // not here yet: `current` stands until it is
        }
        if let Some(at) = seen.iter().position(|s| *s == next) {
            return Ok(Chain::Cycle(seen.split_off(at)));
        }
        seen.push(next.clone());
        current = next;
    }
    Ok(Chain::EndsAt(current))
}

/// What one indexed read says of a file's part in merges: the file it names, and whether any
/// file names it. The patient hook asks this for every changed row, typed or merged; most rows
/// answer "none, none", and nothing more is read for them.
#[derive(Debug, Default)]
pub(crate) struct MergeState {
    pub merged_into: String,
    pub has_merged_files: bool,
}

pub(crate) fn merge_state(conn: &Connection, id: &str) -> Result<MergeState> {
    Ok(conn
        .prepare_cached(
            "SELECT merged_into,
                    EXISTS (SELECT 1 FROM patient m WHERE m.merged_into = ?1 AND m.merged_into <> '')
             FROM patient WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(MergeState {
                merged_into: r.get(0)?,
                has_merged_files: r.get(1)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

/// The file whose reads take in `id`'s: `id` itself when it stands on its own.
pub fn survivor(conn: &Connection, id: &str) -> Result<String> {
    Ok(match follow(conn, id)? {
        Chain::EndsAt(file) => file,
        Chain::Cycle(files) => files.into_iter().min().unwrap_or_else(|| id.to_string()),
    })
}

/// Whether a file stands on its own (is shown in lists and searches).
pub fn stands(conn: &Connection, id: &str) -> Result<bool> {
    Ok(survivor(conn, id)? == id)
}

/// The live files whose `merged_into` names `id` (merged into it directly).
pub(crate) fn naming(conn: &Connection, id: &str) -> Result<Vec<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM patient WHERE merged_into = ?1 AND merged_into <> '' AND deleted = 0
             ORDER BY id",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// A file and every file merged into it, directly or through others, the file first: whose
/// medical items, consents and images a read of the file takes in. Only files that do not stand
/// on their own are taken in (a file in a circle of merges other than the one that stands, say).
pub fn files_of(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let mut files = vec![id.to_string()];
    let mut at = 0;
    while at < files.len() {
        for file in naming(conn, &files[at])? {
            if !files.contains(&file) && survivor(conn, &file)? == id {
                files.push(file);
            }
        }
        at += 1;
    }
    Ok(files)
}

/// [`files_of`] as a JSON array, for queries that read `patient_id IN (SELECT value FROM
/// json_each(?))`.
pub fn files_json(conn: &Connection, id: &str) -> Result<String> {
    Ok(serde_json::to_string(&files_of(conn, id)?).unwrap_or_else(|_| "[]".into()))
}

/// The files merged into a file (without the file itself).
pub fn merged_files(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let mut files = files_of(conn, id)?;
    files.remove(0);
    Ok(files)
}

/// The rows of the files merged into a file.
pub fn merged_rows(conn: &Connection, id: &str) -> Result<Vec<PatientRow>> {
    let mut rows = Vec::new();
    for file in merged_files(conn, id)? {
        rows.extend(crate::patients::get(conn, &file)?);
    }
    Ok(rows)
}

/// The file a row is read as: itself, or the file it was merged into.
pub fn as_file(conn: &Connection, row: PatientRow) -> Result<PatientRow> {
    let file = survivor(conn, &row.id)?;
    if file == row.id {
        return Ok(row);
    }
    Ok(crate::patients::get(conn, &file)?.unwrap_or(row))
}

/// Rows (search results, say) read as files, in order, each file once.
pub fn as_files(conn: &Connection, rows: Vec<PatientRow>) -> Result<Vec<PatientRow>> {
    let mut files: Vec<PatientRow> = Vec::with_capacity(rows.len());
    for row in rows {
        let file = as_file(conn, row)?;
        if !files.iter().any(|f| f.id == file.id) {
            files.push(file);
        }
    }
    Ok(files)
}

impl Writer<'_> {
    /// Merges the file `retired` into the file `kept`: from now on `kept` shows both files'
    /// medical items, consents and images, and `retired` leaves lists and searches. Refused when
    /// either file is missing, erased or merged already, or when they are the same file. The
    /// caller writes the kept file's fields as the person chose them (the same transaction).
    pub fn merge_patient_into(&mut self, retired: &str, kept: &str) -> Result<()> {
        if retired == kept {
            return Err(StoreError::InvalidChange(
                "a file cannot be merged into itself".into(),
            ));
        }
        for id in [retired, kept] {
            let row = crate::patients::get(self.conn(), id)?
                .ok_or_else(|| StoreError::InvalidChange(format!("no patient {id}")))?;
            if row.erased_at_ms != 0 {
                return Err(StoreError::InvalidChange(format!(
                    "the file {} was erased",
                    row.file_number
                )));
            }
            if !stands(self.conn(), id)? {
                return Err(StoreError::InvalidChange(format!(
                    "the file {} was merged into another already",
                    row.file_number
                )));
            }
        }
        self.set_merged_into(retired, kept)
    }

    /// Separates a file merged into another: it stands on its own again with what it had.
    pub fn separate_patient(&mut self, retired: &str) -> Result<()> {
        if merged_into(self.conn(), retired)?.is_none() {
            return Err(StoreError::InvalidChange(format!(
                "the file {retired} is not merged into another"
            )));
        }
        self.set_merged_into(retired, "")
    }

    /// The one field a merge or a separation writes.
    fn set_merged_into(&mut self, retired: &str, kept: &str) -> Result<()> {
        let entity: EntityId = retired.parse().map_err(|_| {
            StoreError::InvalidChange(format!("patient id {retired:?} is not a UUID"))
        })?;
        self.set(
            &PATIENT,
            entity,
            &[("merged_into", Value::Text(kept.to_string()))],
        )
    }
}
