//! Patient rows: write them through change capture, read them back, keep their search index.
//!
//! Validation lives in `chairside-domain::patient`; this module stores what it is given.
//! The FTS5 index `patient_search` and the word index `patient_word` are derived data:
//! [`reindex`] rebuilds a patient's entries in the same transaction as any change to its row,
//! whether typed here or merged from another PC.

use chairside_domain::EntityId;
use chairside_domain::patient::{SearchQuery, fold};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::schema::PATIENT;

/// A patient as stored. Text fields are empty when unknown.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PatientRow {
    pub id: String,
    pub file_number: String,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: String,
    pub sex: String,
    /// E.164 numbers.
    pub phones: Vec<String>,
    pub email: String,
    pub address: String,
    pub national_id_kind: String,
    pub national_id: String,
    pub referring_dentist: String,
    pub notes: String,
    pub created_at_ms: i64,
    /// Another patient who pays for or answers for this one (a parent, a spouse); empty if none.
    pub guarantor_id: String,
    /// How the guarantor is related: a [`chairside_domain::patient::Relation`] code.
    pub guarantor_relation: String,
    /// Read only: whether a photo is stored (the photo itself is read by [`photo`], so that
    /// lists and searches never carry images).
    pub has_photo: bool,
    /// Read only: when the patient's identity was erased on request (0 if never).
    pub erased_at_ms: i64,
}

/// Qualified, so the same list serves queries that join the search index or `json_each`.
/// `octet_length(photo)` is read from the record header: the photo itself (tens of kilobytes in
/// overflow pages) is never loaded by a list or a search.
const COLUMNS: &str = "patient.id, patient.file_number, patient.last_name, patient.first_name, \
                       patient.birth_date, patient.sex, patient.phones, patient.email, patient.address, \
                       patient.national_id_kind, patient.national_id, patient.referring_dentist, \
                       patient.notes, patient.created_at_ms, patient.guarantor_id, \
                       patient.guarantor_relation, octet_length(patient.photo) > 0, patient.erased_at_ms";

fn from_row(r: &Row<'_>) -> rusqlite::Result<PatientRow> {
    let phones: String = r.get(6)?;
    Ok(PatientRow {
        id: r.get(0)?,
        file_number: r.get(1)?,
        last_name: r.get(2)?,
        first_name: r.get(3)?,
        birth_date: r.get(4)?,
        sex: r.get(5)?,
        phones: serde_json::from_str(&phones).unwrap_or_default(),
        email: r.get(7)?,
        address: r.get(8)?,
        national_id_kind: r.get(9)?,
        national_id: r.get(10)?,
        referring_dentist: r.get(11)?,
        notes: r.get(12)?,
        created_at_ms: r.get(13)?,
        guarantor_id: r.get(14)?,
        guarantor_relation: r.get(15)?,
        has_photo: r.get(16)?,
        erased_at_ms: r.get(17)?,
    })
}

impl PatientRow {
    /// The synced fields and their values, in table order (without `id`).
    fn fields(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("file_number", Value::Text(self.file_number.clone())),
            ("last_name", Value::Text(self.last_name.clone())),
            ("first_name", Value::Text(self.first_name.clone())),
            ("birth_date", Value::Text(self.birth_date.clone())),
            ("sex", Value::Text(self.sex.clone())),
            (
                "phones",
                Value::Text(serde_json::to_string(&self.phones).unwrap_or_else(|_| "[]".into())),
            ),
            ("email", Value::Text(self.email.clone())),
            ("address", Value::Text(self.address.clone())),
            (
                "national_id_kind",
                Value::Text(self.national_id_kind.clone()),
            ),
            ("national_id", Value::Text(self.national_id.clone())),
            (
                "referring_dentist",
                Value::Text(self.referring_dentist.clone()),
            ),
            ("notes", Value::Text(self.notes.clone())),
            ("created_at_ms", Value::Integer(self.created_at_ms)),
            ("guarantor_id", Value::Text(self.guarantor_id.clone())),
            (
                "guarantor_relation",
                Value::Text(self.guarantor_relation.clone()),
            ),
        ]
    }
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<PatientRow>> {
    // Cached: every merged or typed patient change reads its row back (duplicates check).
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM patient WHERE id = ?1 AND deleted = 0"
        ))?
        .query_row([id], from_row)
        .optional()?)
}

/// Files on record: live ones that stand on their own (two files merged into one count once).
pub fn count(conn: &Connection) -> Result<u64> {
    let alone: u64 = conn.query_row(
        "SELECT count(*) FROM patient WHERE deleted = 0 AND merged_into = ''",
        [],
        |r| r.get(0),
    )?;
    let merged: Vec<String> = conn
        .prepare_cached("SELECT id FROM patient WHERE deleted = 0 AND merged_into <> ''")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut standing = 0;
    for id in merged {
        // Merged into a file not here yet, or the file that stands in a circle of merges.
        if crate::merged::stands(conn, &id)? {
            standing += 1;
        }
    }
    Ok(alone + standing)
}

/// The patient's photo (base64 JPEG), if one is stored.
pub fn photo(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT photo FROM patient WHERE id = ?1 AND deleted = 0 AND photo <> ''",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Live patients whose guarantor is `id` or a file merged into it (the children of a parent,
/// say), each once: a dependent merged into another file is shown as that file.
pub fn dependents(conn: &Connection, id: &str) -> Result<Vec<PatientRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM patient
         WHERE guarantor_id IN (SELECT value FROM json_each(?1)) AND guarantor_id <> ''
           AND deleted = 0
         ORDER BY last_name, first_name"
    ))?;
    let rows: Vec<PatientRow> = stmt
        .query_map([crate::merged::files_json(conn, id)?], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    crate::merged::as_files(conn, rows)
}

/// Live patients with the same name and birth date, or sharing a phone: possible duplicates.
pub fn possible_duplicates(conn: &Connection, p: &PatientRow) -> Result<Vec<PatientRow>> {
    Ok(possible_duplicates_with_reason(conn, p)?
        .into_iter()
        .map(|(row, _)| row)
        .collect())
}

/// [`possible_duplicates`] with why each was found: `name_birth_date` or `phone`. Both lookups
/// are index reads (birth date column, phone tokens of the search index), so this runs after
/// every patient write without a table scan.
pub fn possible_duplicates_with_reason(
    conn: &Connection,
    p: &PatientRow,
) -> Result<Vec<(PatientRow, &'static str)>> {
    let mut out: Vec<(PatientRow, &'static str)> = Vec::new();
    // Same folded full name (the name index's sort key, looked up through its first word) and
    // same birth date: an index seek, however many patients share the date or the name.
    let sort_key = fold(&format!("{} {}", p.last_name, p.first_name));
    let first_word = sort_key
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty());
    if let (10, Some(word)) = (p.birth_date.len(), first_word) {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM patient_word JOIN patient ON patient.rowid = patient_word.patient_rowid
             WHERE patient_word.word = ?1 AND patient_word.sort_key = ?2
               AND patient.birth_date = ?3 AND patient.deleted = 0 AND patient.id <> ?4"
        ))?;
        for row in stmt.query_map(params![word, sort_key, p.birth_date, p.id], from_row)? {
            out.push((row?, "name_birth_date"));
        }
    }
    // A file merged into another is found as that one (not when that one is `p` itself).
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM patient_search JOIN patient ON patient.rowid = patient_search.rowid
         WHERE patient_search MATCH ?2 AND patient.deleted = 0 AND patient.id <> ?1"
    ))?;
    for phone in &p.phones {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            continue;
        }
        for row in stmt.query_map(params![p.id, format!("phones : \"{digits}\"")], from_row)? {
            let row = row?;
            // The token matched; the stored list must hold the very number (not a national
            // form of another country's number that happens to share the digits).
            if row.phones.contains(phone) && !out.iter().any(|(o, _)| o.id == row.id) {
                out.push((row, "phone"));
            }
        }
    }
    let mut files: Vec<(PatientRow, &'static str)> = Vec::new();
    for (row, reason) in out {
        let file = crate::merged::as_file(conn, row)?;
        if file.id != p.id && !files.iter().any(|(f, _)| f.id == file.id) {
            files.push((file, reason));
        }
    }
    Ok(files)
}

/// Patients matching a query, best match first, at most `limit`. A file merged into another is
/// found as that one (by its own name, phone or number too: those may be on paper records).
pub fn search(conn: &Connection, query: &SearchQuery, limit: u32) -> Result<Vec<PatientRow>> {
    let found = search_rows(conn, query, limit)?;
    crate::merged::as_files(conn, found)
}

fn search_rows(conn: &Connection, query: &SearchQuery, limit: u32) -> Result<Vec<PatientRow>> {
    let fts = |expr: String| -> Result<Vec<PatientRow>> {
        // Rank inside the index first and read only the best rows: joining every hit of a short
        // prefix to its (encrypted) row before sorting costs ten times more.
        let mut stmt = conn.prepare_cached(&format!(
            "WITH hits AS (
                 SELECT rowid, rank FROM patient_search WHERE patient_search MATCH ?1
                 ORDER BY rank LIMIT ?2
             )
             SELECT {COLUMNS} FROM hits JOIN patient ON patient.rowid = hits.rowid
             WHERE patient.deleted = 0
             ORDER BY hits.rank, patient.last_name, patient.first_name"
        ))?;
        Ok(stmt
            .query_map(params![expr, limit], from_row)?
            .collect::<rusqlite::Result<_>>()?)
    };
    match query {
        SearchQuery::Empty => Ok(Vec::new()),
        SearchQuery::Words(words) => by_name_words(conn, words, limit),
        SearchQuery::Phone {
            e164_digits,
            digits,
        } => {
            let mut terms = vec![format!("\"{digits}\"*")];
            if let Some(e164) = e164_digits {
                terms.push(format!("\"{e164}\""));
            }
            fts(format!("phones : ({})", terms.join(" OR ")))
        }
        SearchQuery::FileNumber(number) => {
            let parts: Vec<String> = fold(number)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .map(|p| format!("file_number : \"{p}\"*"))
                .collect();
            fts(parts.join(" AND "))
        }
        SearchQuery::BirthDate(date) => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM patient WHERE birth_date = ?1 AND deleted = 0 ORDER BY last_name, first_name LIMIT ?2"
            ))?;
            Ok(stmt
                .query_map(
                    params![date.format("%Y-%m-%d").to_string(), limit],
                    from_row,
                )?
                .collect::<rusqlite::Result<_>>()?)
        }
    }
}

/// Name words typed, each a prefix, all required ("ben moh" finds Mohamed Benali).
///
/// The longest word drives a range scan of `patient_word` in index order (matching word, then
/// folded full name); each candidate's folded name must also have a word starting with every
/// other typed word. Only the index is read until a screenful is found, so a short, common
/// prefix costs well under a millisecond where ranking every FTS match cost tens.
fn by_name_words(conn: &Connection, words: &[String], limit: u32) -> Result<Vec<PatientRow>> {
    let Some(driver) = words.iter().max_by_key(|w| w.chars().count()) else {
        return Ok(Vec::new());
    };
    let others: Vec<&String> = {
        let mut rest: Vec<&String> = words.iter().collect();
        if let Some(pos) = rest.iter().position(|w| *w == driver) {
            rest.remove(pos);
        }
        rest
    };
    let upper = format!("{driver}\u{10FFFF}");
    let mut scan = conn.prepare_cached(
        "SELECT sort_key, patient_rowid FROM patient_word WHERE word >= ?1 AND word < ?2
         ORDER BY word, sort_key",
    )?;
    let mut row = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM patient WHERE rowid = ?1 AND deleted = 0"
    ))?;
    let mut rows = scan.query(params![driver, upper])?;
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<PatientRow> = Vec::new();
    while let Some(r) = rows.next()? {
        let (sort_key, rowid): (String, i64) = (r.get(0)?, r.get(1)?);
        if !seen.insert(rowid) {
            continue;
        }
        let name_words: Vec<&str> = sort_key
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if !others
            .iter()
            .all(|o| name_words.iter().any(|w| w.starts_with(o.as_str())))
        {
            continue;
        }
        if let Some(p) = row.query_row([rowid], from_row).optional()? {
            out.push(p);
            if out.len() >= limit as usize {
                break;
            }
        }
    }
    Ok(out)
}

/// Keeps a patient's derived data in step with its row: an erased identity stays erased
/// ([`crate::erasure::enforce`]), the search entries are rebuilt (or removed when the row is
/// tombstoned) and the possible-duplicate flags re-derived ([`crate::duplicates::refresh`]).
/// The patient table's `on_change` hook: runs in the transaction that changed the row, typed
/// here or merged.
///
/// A file merged into another keeps its own search entries (searches find it as that file, see
/// [`crate::merged`]), but whether it stands on its own decides its duplicate flags, and a
/// change to one file can change that for the files merged into it, directly or through others
/// (it arrived, was deleted, was merged itself, closed or opened a circle of merges): their
/// flags are re-derived too.
pub(crate) fn reindex(conn: &Connection, row_id: &str) -> Result<()> {
    let has_merged_files = index_row(conn, row_id)?;
    crate::chart::on_file(conn, row_id, has_merged_files)?;
    if !has_merged_files {
        return Ok(()); // no file is merged into it (most rows): nothing else to look at
    }
    let mut reached: Vec<String> = vec![row_id.to_string()];
    let mut at = 0;
    while at < reached.len() {
        for file in crate::merged::naming(conn, &reached[at])? {
            if !reached.contains(&file) {
                crate::duplicates::refresh(conn, &file)?;
                reached.push(file);
            }
        }
        at += 1;
    }
    Ok(())
}

/// [`reindex`] for one row alone; returns whether files are merged into it.
fn index_row(conn: &Connection, row_id: &str) -> Result<bool> {
    // Statements cached: this runs for every patient change, typed or merged (a first pull
    // reindexes thousands of patients).
    let row: Option<(i64, String, i64)> = conn
        .prepare_cached("SELECT rowid, file_number, deleted FROM patient WHERE id = ?1")?
        .query_row([row_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((rowid, file_number, deleted)) = row else {
        return Ok(false);
    };
    crate::erasure::enforce(conn, row_id)?;
    conn.prepare_cached("DELETE FROM patient_search WHERE rowid = ?1")?
        .execute([rowid])?;
    conn.prepare_cached("DELETE FROM patient_word WHERE patient_rowid = ?1")?
        .execute([rowid])?;
    if deleted != 0 {
        return crate::duplicates::refresh(conn, row_id);
    }
    // Read again: an erasure may just have blanked the names and phones.
    let (last, first, phones): (String, String, String) = conn
        .prepare_cached("SELECT last_name, first_name, phones FROM patient WHERE rowid = ?1")?
        .query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let sort_key = fold(&format!("{last} {first}"));
    let mut insert_word = conn.prepare_cached(
        "INSERT OR IGNORE INTO patient_word (word, sort_key, patient_rowid) VALUES (?1, ?2, ?3)",
    )?;
    for word in sort_key
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        insert_word.execute(params![word, sort_key, rowid])?;
    }
    let phones: Vec<String> = serde_json::from_str(&phones).unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO patient_search (rowid, phones, file_number) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![rowid, phone_tokens(&phones), file_number])?;
    crate::duplicates::refresh(conn, row_id)
}

/// Every way a phone number is typed, as digit tokens: international ("213555123456"),
/// national with the trunk 0 ("0555123456") and without ("555123456").
fn phone_tokens(phones: &[String]) -> String {
    let mut tokens = Vec::new();
    for phone in phones {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        tokens.push(digits.clone());
        if let Ok(number) = phonenumber::parse(None, phone) {
            let national = number.national().value().to_string();
            tokens.push(format!("0{national}"));
            tokens.push(national);
        }
    }
    tokens.join(" ")
}

impl Writer<'_> {
    /// Creates a patient with the next file number of this device; returns that number.
    pub fn insert_patient(&mut self, patient: &mut PatientRow) -> Result<()> {
        let id: EntityId = patient.id.parse().map_err(|_| {
            StoreError::InvalidChange(format!("patient id {:?} is not a UUID", patient.id))
        })?;
        let counter: i64 = self
            .conn()
            .query_row(
                "SELECT value FROM local_meta WHERE key = 'patient_counter'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
            + 1;
        self.conn().execute(
            "INSERT INTO local_meta (key, value) VALUES ('patient_counter', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [counter.to_string()],
        )?;
        let code = chairside_domain::patient::device_code(&self.device_id());
        patient.file_number = chairside_domain::patient::file_number(&code, counter as u64);
        self.set(&PATIENT, id, &patient.fields())
    }

    /// Writes the fields of `patient` that differ from the stored row.
    pub fn update_patient(&mut self, patient: &PatientRow) -> Result<()> {
        let current = get(self.conn(), &patient.id)?
            .ok_or_else(|| StoreError::InvalidChange(format!("no patient {}", patient.id)))?;
        let id: EntityId = patient
            .id
            .parse()
            .map_err(|_| StoreError::InvalidChange("bad patient id".into()))?;
        let before = current.fields();
        let changed: Vec<(&str, Value)> = patient
            .fields()
            .into_iter()
            .zip(before)
            .filter(|(new, old)| new.1 != old.1)
            .map(|(new, _)| new)
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        self.set(&PATIENT, id, &changed)
    }

    /// Stores (or, with an empty string, removes) a patient's photo: a base64 JPEG.
    pub fn set_patient_photo(&mut self, id: &str, photo_base64: &str) -> Result<()> {
        let id: EntityId = id
            .parse()
            .map_err(|_| StoreError::InvalidChange("bad patient id".into()))?;
        self.set(&PATIENT, id, &[("photo", Value::Text(photo_base64.into()))])
    }
}
