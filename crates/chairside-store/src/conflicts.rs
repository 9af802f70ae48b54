//! Concurrent edits found by the merge, for a person to review (the "needs attention" inbox).
//!
//! Last-writer-wins settles a field the same way on every PC, but when two people changed the
//! same field without either having seen the other's change (two desks offline, or between two
//! syncs), the losing value was typed by someone: it is kept here, with who wrote it, until a
//! person decides. Two writes are *concurrent* when neither writer had applied the other's
//! change set when writing: each change set records the heads its writer had seen
//! ([`crate::ChangeSet::seen`]) and each field's clock the change set that wrote it. A write made
//! after seeing the other is an ordinary later edit and raises nothing.
//!
//! The conflicts are derived on every PC from the same merged writes (whichever arrives second
//! finds the first), so they need no sync of their own. A person's decision is a synced,
//! append-only `conflict_review` row; taking the other value is an ordinary new write.

use chairside_domain::{DeviceId, EntityId};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use crate::changes::{FieldChange, Writer, decode_seen};
use crate::error::{Result, StoreError};
use crate::now_ms;
use crate::schema::{self, TableSpec};

/// The fields whose concurrent edits a person reviews: what people type. Derived or technical
/// fields (creation time, the photo's bytes, erasure) are left to last-writer-wins alone.
/// A table added here needs a partial index of its writes and a query naming its condition
/// ([`writes_of_a_field_sql`]); a test checks that every reviewed table's query uses one.
const REVIEWED: &[(&str, &[&str])] = &[
    (
        "patient",
        &[
            "last_name",
            "first_name",
            "birth_date",
            "sex",
            "phones",
            "email",
            "address",
            "national_id_kind",
            "national_id",
            "referring_dentist",
            "notes",
            "guarantor_id",
            "guarantor_relation",
            "deleted",
        ],
    ),
    (
        "medical_item",
        &[
            "kind", "label", "detail", "severity", "alert", "noted_on", "active", "deleted",
        ],
    ),
    (
        "appointment",
        &[
            "patient_id",
            "chair_id",
            "practitioner_id",
            "starts_at",
            "duration_min",
            "reason",
            "status",
        ],
    ),
    (
        "chart_entry",
        &[
            "tooth", "surfaces", "kind", "status", "material", "note", "done_on", "active",
        ],
    ),
];

fn reviewed(table: &str, field: &str) -> bool {
    REVIEWED
        .iter()
        .any(|(t, fields)| *t == table && fields.contains(&field))
}

/// The incoming write's change set, as the merge sees it.
pub(crate) struct Write<'a> {
    pub device: &'a str,
    pub set_idx: i64,
    /// `None`: a set written before the seen heads were recorded.
    pub seen: Option<&'a [(DeviceId, i64)]>,
}

fn seen_head(seen: &[(DeviceId, i64)], device: &str) -> i64 {
    seen.iter()
        .find(|(d, _)| d.to_string() == device)
        .map_or(0, |(_, h)| *h)
}

/// Whether the writer of `incoming` had the write `(device, set)` when writing.
fn saw(incoming: &Write<'_>, device: &str, set: i64) -> bool {
    if device == incoming.device {
        set <= incoming.set_idx
    } else {
        seen_head(incoming.seen.unwrap_or_default(), device) >= set
    }
}

/// Called by the merge before a field write is applied or superseded.
///
/// A write that lost to a concurrent one (neither writer had seen the other) waits for a person,
/// unless someone wrote the field after seeing it; an incoming write settles the conflicts whose
/// lost write its writer had seen. Decided only from the writes themselves, never from the order
/// they arrived in, so every PC ends with the same conflicts (the sync simulation checks it).
/// Whether the lost value differs from the field's value is judged when listing ([`open`]).
pub(crate) fn check_concurrent_edit(
    tx: &Connection,
    table: &TableSpec,
    change: &FieldChange,
    incoming: Write<'_>,
    (current_hlc, current_device, current_set): (i64, &str, i64),
    incoming_wins: bool,
) -> Result<()> {
    if !reviewed(table.name, &change.field) || incoming.seen.is_none() {
        return Ok(()); // not reviewed, or a set older than this check: nothing to tell
    }
    settle(tx, table.name, change, &incoming)?;
    if current_set == 0 || saw(&incoming, current_device, current_set) {
        return Ok(()); // an old current write, or a later edit made with it in view
    }
    let Some(current_seen) = seen_of(tx, current_device, current_set)? else {
        return Ok(()); // the current write predates the seen heads: it cannot be judged
    };
    if seen_head(&current_seen, incoming.device) >= incoming.set_idx {
        return Ok(()); // the current value was written after seeing this one
    }
    // Concurrent: the loser waits for a person.
    let (device, hlc, set, value) = if incoming_wins {
        // Table and field names come from the static schema, never from input.
        let current_value: Value = tx.query_row(
            &format!("SELECT {} FROM {} WHERE id = ?1", change.field, table.name),
            [&change.row_id],
            |r| r.get(0),
        )?;
        (current_device, current_hlc, current_set, current_value)
    } else {
        (
            incoming.device,
            change.hlc.to_i64(),
            incoming.set_idx,
            change.value.clone(),
        )
    };
    let (kept_device, kept_hlc, kept_set) = if incoming_wins {
        (incoming.device, change.hlc.to_i64(), incoming.set_idx)
    } else {
        (current_device, current_hlc, current_set)
    };
    if seen_by_a_later_write(tx, table.name, change, (device, set))?
        || is_reviewed(tx, table.name, change, device, hlc)?
    {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT OR IGNORE INTO edit_conflict (tbl, row_id, field, other_device, other_hlc,
         other_set, other_value, kept_device, kept_hlc, kept_set, found_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        table.name,
        change.row_id,
        change.field,
        device,
        hlc,
        set,
        value,
        kept_device,
        kept_hlc,
        kept_set,
        now_ms() as i64
    ])?;
    Ok(())
}

/// The seen heads recorded with a stored change set (`None` if not recorded).
fn seen_of(tx: &Connection, device: &str, set: i64) -> Result<Option<Vec<(DeviceId, i64)>>> {
    let seen: Option<Option<String>> = tx
        .prepare_cached("SELECT seen FROM change_set WHERE device_id = ?1 AND idx = ?2")?
        .query_row(params![device, set], |r| r.get(0))
        .optional()?;
    Ok(seen.flatten().map(|s| decode_seen(&s)))
}

/// The writes of one reviewed field, by a query that names the partial index's own condition, so
/// SQLite uses the index rather than scan the whole log. Three indexes: `tbl IN ('patient',
/// 'medical_item')` (0010), `tbl = 'appointment'` (0019) and `tbl = 'chart_entry'` (0020). One
/// index listing more tables
/// would cost every insert into the log a temporary b-tree for its `IN` list (SQLite codes a
/// list of up to two values as comparisons): the sync bench's merge took 20% longer.
fn writes_of_a_field_sql(table: &str) -> &'static str {
    match table {
        "appointment" => {
            "SELECT s.device_id, s.idx FROM field_change f JOIN change_set s ON s.id = f.set_id
             WHERE f.tbl = ?1 AND f.row_id = ?2 AND f.field = ?3 AND f.tbl = 'appointment'"
        }
        "chart_entry" => {
            "SELECT s.device_id, s.idx FROM field_change f JOIN change_set s ON s.id = f.set_id
             WHERE f.tbl = ?1 AND f.row_id = ?2 AND f.field = ?3 AND f.tbl = 'chart_entry'"
        }
        _ => {
            "SELECT s.device_id, s.idx FROM field_change f JOIN change_set s ON s.id = f.set_id
             WHERE f.tbl = ?1 AND f.row_id = ?2 AND f.field = ?3
             AND f.tbl IN ('patient', 'medical_item')"
        }
    }
}

/// Whether a write of this field already here was made after seeing the write `(device, set)`.
fn seen_by_a_later_write(
    tx: &Connection,
    table: &str,
    change: &FieldChange,
    (device, set): (&str, i64),
) -> Result<bool> {
    let writes: Vec<(String, i64)> = tx
        .prepare_cached(writes_of_a_field_sql(table))?
        .query_map(params![table, change.row_id, change.field], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (writer, idx) in writes {
        let later = if writer == device {
            idx > set
        } else {
            seen_of(tx, &writer, idx)?.is_some_and(|seen| seen_head(&seen, device) >= set)
        };
        if later {
            return Ok(true);
        }
    }
    Ok(false)
}

fn is_reviewed(
    tx: &Connection,
    table: &str,
    change: &FieldChange,
    device: &str,
    hlc: i64,
) -> Result<bool> {
    Ok(tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM conflict_review WHERE tbl = ?1 AND row_id = ?2
             AND field = ?3 AND other_device = ?4 AND other_hlc = ?5)",
        )?
        .query_row(
            params![table, change.row_id, change.field, device, hlc],
            |r| r.get(0),
        )?)
}

/// Clears the field's conflicts whose lost write the incoming writer had seen.
fn settle(tx: &Connection, table: &str, change: &FieldChange, incoming: &Write<'_>) -> Result<()> {
    let waiting: Vec<(String, i64, i64)> = tx
        .prepare_cached(
            "SELECT other_device, other_hlc, other_set FROM edit_conflict
             WHERE tbl = ?1 AND row_id = ?2 AND field = ?3",
        )?
        .query_map(params![table, change.row_id, change.field], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (other_device, other_hlc, other_set) in waiting {
        if saw(incoming, &other_device, other_set) {
            tx.execute(
                "DELETE FROM edit_conflict WHERE tbl = ?1 AND row_id = ?2 AND field = ?3
                 AND other_device = ?4 AND other_hlc = ?5",
                params![table, change.row_id, change.field, other_device, other_hlc],
            )?;
        }
    }
    Ok(())
}

/// A local edit of a field settles its conflicts: the person had both values on this PC.
pub(crate) fn settle_by_local_edit(
    tx: &Connection,
    table: &str,
    row_id: &str,
    field: &str,
) -> Result<()> {
    if reviewed(table, field) {
        tx.prepare_cached(
            "DELETE FROM edit_conflict WHERE tbl = ?1 AND row_id = ?2 AND field = ?3",
        )?
        .execute(params![table, row_id, field])?;
    }
    Ok(())
}

/// A concurrent edit waiting for a person.
#[derive(Clone, Debug, PartialEq)]
pub struct EditConflict {
    pub table: String,
    pub row_id: String,
    pub field: String,
    /// The write that lost: its device, clock and value.
    pub other_device: String,
    pub other_hlc: i64,
    pub other_value: Value,
    /// The write that won.
    pub kept_device: String,
    pub kept_hlc: i64,
    /// The field's value now (the winner's, unless edited since).
    pub current_value: Value,
    pub found_at_ms: i64,
}

/// Every conflict waiting for review, oldest first.
pub fn open(conn: &Connection) -> Result<Vec<EditConflict>> {
    let mut stmt = conn.prepare(
        "SELECT tbl, row_id, field, other_device, other_hlc, other_value, kept_device, kept_hlc,
                found_at_ms
         FROM edit_conflict ORDER BY found_at_ms, tbl, row_id, field",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(EditConflict {
                table: r.get(0)?,
                row_id: r.get(1)?,
                field: r.get(2)?,
                other_device: r.get(3)?,
                other_hlc: r.get(4)?,
                other_value: r.get(5)?,
                kept_device: r.get(6)?,
                kept_hlc: r.get(7)?,
                current_value: Value::Null,
                found_at_ms: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for mut row in rows {
        // Only names from the static list reach SQL (a row naming anything else is skipped).
        if !reviewed(&row.table, &row.field) {
            continue;
        }
        row.current_value = conn
            .query_row(
                &format!("SELECT {} FROM {} WHERE id = ?1", row.field, row.table),
                [&row.row_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(Value::Null);
        if row.current_value == row.other_value {
            continue; // the value that lost is the value now: nothing was lost
        }
        out.push(row);
    }
    Ok(out)
}

/// What a person decided about a conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    KeepCurrent,
    TakeOther,
}

impl Writer<'_> {
    /// Records a person's decision on a conflict; taking the other value writes it again, as a
    /// new edit that every PC then applies. Fails if no such conflict is waiting here.
    pub fn review_conflict(
        &mut self,
        conflict: &EditConflict,
        decision: Decision,
        decided_by: &str,
    ) -> Result<()> {
        let waiting: Option<Value> = self
            .conn()
            .query_row(
                "SELECT other_value FROM edit_conflict WHERE tbl = ?1 AND row_id = ?2
                 AND field = ?3 AND other_device = ?4 AND other_hlc = ?5",
                params![
                    conflict.table,
                    conflict.row_id,
                    conflict.field,
                    conflict.other_device,
                    conflict.other_hlc
                ],
                |r| r.get(0),
            )
            .optional()?;
        let Some(other_value) = waiting else {
            return Err(StoreError::InvalidChange(
                "this conflict is no longer waiting: it was reviewed on this or another PC".into(),
            ));
        };
        let table = schema::table(&conflict.table)
            .filter(|_| reviewed(&conflict.table, &conflict.field))
            .ok_or_else(|| StoreError::InvalidChange("unknown conflict".into()))?;
        if decision == Decision::TakeOther {
            let row: EntityId = conflict
                .row_id
                .parse()
                .map_err(|_| StoreError::InvalidChange("unknown conflict".into()))?;
            self.set(table, row, &[(conflict.field.as_str(), other_value)])?;
        }
        self.append(
            &schema::CONFLICT_REVIEW,
            EntityId::new(),
            &[
                ("tbl", Value::Text(conflict.table.clone())),
                ("row_id", Value::Text(conflict.row_id.clone())),
                ("field", Value::Text(conflict.field.clone())),
                ("other_device", Value::Text(conflict.other_device.clone())),
                ("other_hlc", Value::Integer(conflict.other_hlc)),
                (
                    "decision",
                    Value::Text(
                        match decision {
                            Decision::KeepCurrent => "kept_current",
                            Decision::TakeOther => "took_other",
                        }
                        .into(),
                    ),
                ),
                ("decided_by", Value::Text(decided_by.to_string())),
                ("decided_at_ms", Value::Integer(now_ms() as i64)),
            ],
        )
    }
}

/// Hook of `conflict_review`: a decision, made here or merged, clears the conflict.
pub(crate) fn on_review(conn: &Connection, row_id: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM edit_conflict WHERE (tbl, row_id, field, other_device, other_hlc) IN
         (SELECT tbl, row_id, field, other_device, other_hlc FROM conflict_review WHERE id = ?1)",
        [row_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reviewed table's writes are read through a partial index, never by scanning the
    /// whole log (millions of rows after a few years): a table added to [`REVIEWED`] without an
    /// index or a matching query fails here.
    #[test]
    fn the_writes_of_every_reviewed_table_are_read_through_an_index() {
        let conn = Connection::open_in_memory().unwrap();
        for m in crate::migrate::MIGRATIONS {
            conn.execute_batch(m.sql).unwrap();
        }
        conn.execute(
            "INSERT INTO change_set (device_id, idx, hlc, stored_at) VALUES ('dev', 1, 1, 0)",
            [],
        )
        .unwrap();
        for (ord, (table, fields)) in REVIEWED.iter().enumerate() {
            // The query finds a write of the table...
            conn.execute(
                "INSERT INTO field_change (set_id, ord, tbl, row_id, field, value, hlc)
                 VALUES ((SELECT id FROM change_set WHERE device_id = 'dev'), ?1, ?2, 'row', ?3,
                         'v', 1)",
                params![ord as i64, table, fields[0]],
            )
            .unwrap();
            let found: Vec<(String, i64)> = conn
                .prepare(writes_of_a_field_sql(table))
                .unwrap()
                .query_map(params![table, "row", fields[0]], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(found, [("dev".to_string(), 1)], "{table}");
            // ...through an index.
            let plan: Vec<String> = conn
                .prepare(&format!(
                    "EXPLAIN QUERY PLAN {}",
                    writes_of_a_field_sql(table)
                ))
                .unwrap()
                .query_map(params![table, "row", fields[0]], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(
                plan.iter()
                    .any(|step| step.contains("INDEX field_change_reviewed")),
                "{table}: {plan:?}"
            );
        }
    }
}
