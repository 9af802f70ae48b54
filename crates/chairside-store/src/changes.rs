//! Change capture and merge: the heart of the sync-ready data model.
//!
//! Local writes go through [`Writer`]: each field write gets a fresh HLC timestamp, updates the
//! row, records the field's winning clock in the row's clocks (`row_clock`), and is appended to
//! the transaction's change set, all in one SQLite transaction. So nothing written locally can
//! miss the sync.
//!
//! [`apply`] merges a change set from another device. For mutable tables, per field, the
//! greatest `(hlc, device_id)` wins; for append-only tables, a row is inserted once. The result
//! depends only on the set of change sets applied, not on their order across devices, and
//! applying a set twice changes nothing.

use std::collections::{HashMap, HashSet};

use chairside_domain::{DeviceId, EntityId, Hlc, HybridClock};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::error::{Result, StoreError};
use crate::now_ms;
use crate::schema::{self, OnChange, TableKind, TableSpec};

/// One field write: `table.field = value` on row `row_id`, stamped `hlc`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    pub table: String,
    pub row_id: String,
    pub field: String,
    pub value: Value,
    pub hlc: Hlc,
}

/// The field writes of one transaction of one device; `idx` is its place in that device's
/// gap-free log.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeSet {
    pub device_id: DeviceId,
    pub idx: i64,
    pub changes: Vec<FieldChange>,
    /// What the writer had seen when it wrote the set: for each other device, the last of its
    /// change sets applied there. Tells a concurrent edit from a later one (see
    /// [`crate::conflicts`]). `None` for sets written before it was recorded.
    pub seen: Option<Vec<(DeviceId, i64)>>,
}

/// What a merge did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeOutcome {
    /// The set was already here: nothing changed.
    pub already_applied: bool,
    /// Field writes that won and are now the row's value.
    pub fields_applied: usize,
    /// Field writes that lost to a newer write already here (kept in the log, not applied).
    pub fields_superseded: usize,
    /// Append-only rows inserted.
    pub rows_appended: usize,
}

/// The write side of one transaction.
pub struct Writer<'c> {
    tx: Transaction<'c>,
    device_id: DeviceId,
    clock: &'c mut HybridClock,
    changes: Vec<FieldChange>,
    /// The index this transaction's change set will take, once known.
    idx: Option<i64>,
}

impl std::fmt::Debug for Writer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("changes", &self.changes.len())
            .finish_non_exhaustive()
    }
}

pub(crate) fn write<T>(
    conn: &mut Connection,
    device_id: DeviceId,
    clock: &mut HybridClock,
    f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
) -> Result<T> {
    let saved_clock = *clock;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    catch_up_clock(&tx, clock)?;
    let mut writer = Writer {
        tx,
        device_id,
        clock,
        changes: Vec::new(),
        idx: None,
    };
    let result = f(&mut writer).and_then(|value| writer.commit().map(|()| value));
    if result.is_err() {
        // The transaction rolled back: forget the timestamps it issued too.
        *clock = saved_clock;
    }
    result
}

impl Writer<'_> {
    /// Reads inside the transaction see its own writes.
    pub fn conn(&self) -> &Connection {
        &self.tx
    }

    pub fn device_id(&self) -> DeviceId {
        self.device_id
    }

    /// Sets fields of a row of a mutable table, creating the row if needed.
    pub fn set(&mut self, table: &TableSpec, id: EntityId, fields: &[(&str, Value)]) -> Result<()> {
        if table.kind != TableKind::Mutable {
            return Err(StoreError::InvalidChange(format!(
                "{} is append-only: insert a new row instead",
                table.name
            )));
        }
        let row_id = id.to_string();
        let idx = self.set_idx()?;
        for (field, _) in fields {
            check_field(table, field)?;
        }
        // One row write for all the fields; a field given twice keeps its last value.
        let mut latest: Vec<(&str, &Value)> = Vec::with_capacity(fields.len());
        for (field, value) in fields {
            latest.retain(|(f, _)| f != field);
            latest.push((field, value));
        }
        write_fields(&self.tx, table, &row_id, &latest)?;
        let mut clocks = RowClock::load(&self.tx, table.name, &row_id)?;
        let device = self.device_id.to_string();
        for (field, value) in fields {
            let hlc = self.clock.tick(now_ms());
            crate::conflicts::settle_by_local_edit(&self.tx, table.name, &row_id, field)?;
            clocks.set(field, (hlc.to_i64(), device.clone(), idx));
            self.changes.push(FieldChange {
                table: table.name.into(),
                row_id: row_id.clone(),
                field: (*field).into(),
                value: value.clone(),
                hlc,
            });
        }
        clocks.store(&self.tx, table.name, &row_id)
    }

    /// Marks a row deleted: a tombstone, merged like any other field.
    pub fn tombstone(&mut self, table: &TableSpec, id: EntityId) -> Result<()> {
        self.set(table, id, &[("deleted", Value::Integer(1))])
    }

    /// Inserts a row into an append-only table. Every field of the table must be given.
    pub fn append(
        &mut self,
        table: &TableSpec,
        id: EntityId,
        fields: &[(&str, Value)],
    ) -> Result<()> {
        if table.kind != TableKind::AppendOnly {
            return Err(StoreError::InvalidChange(format!(
                "{} is mutable: use set()",
                table.name
            )));
        }
        for (field, _) in fields {
            check_field(table, field)?;
        }
        let row_id = id.to_string();
        let hlc = self.clock.tick(now_ms());
        if insert_append_only(&self.tx, table, &row_id, fields)? == 0 {
            return Err(StoreError::InvalidChange(format!(
                "{} row {row_id} already exists",
                table.name
            )));
        }
        for (field, value) in fields {
            self.changes.push(FieldChange {
                table: table.name.into(),
                row_id: row_id.clone(),
                field: (*field).into(),
                value: value.clone(),
                hlc,
            });
        }
        Ok(())
    }

    /// The index of this transaction's change set: the device's head plus one (stable inside
    /// the IMMEDIATE transaction).
    fn set_idx(&mut self) -> Result<i64> {
        if let Some(idx) = self.idx {
            return Ok(idx);
        }
        let idx = head(&self.tx, &self.device_id.to_string())? + 1;
        self.idx = Some(idx);
        Ok(idx)
    }

    fn commit(mut self) -> Result<()> {
        if !self.changes.is_empty() {
            let idx = self.set_idx()?;
            let device = self.device_id.to_string();
            let seen = applied_heads_except(&self.tx, &device)?;
            let Writer {
                tx, clock, changes, ..
            } = self;
            store_change_set(&tx, &device, idx, &changes, Some(&seen))?;
            // After the log is written: a hook may scrub it (an erased patient's old values).
            TouchedRows::of(&changes).run_hooks(&tx)?;
            save_clock(&tx, clock)?;
            tx.commit()?;
            return Ok(());
        }
        self.tx.commit()?;
        Ok(())
    }
}

/// Moves this connection's clock past the one persisted by any other connection of the same
/// store: the app's background sync merges on a connection of its own, and a local edit made
/// after a merged one must still get a greater timestamp (and must not write back an older
/// `hlc_last`). Read inside the IMMEDIATE transaction, so no other writer interleaves.
fn catch_up_clock(tx: &Connection, clock: &mut HybridClock) -> Result<()> {
    let stored: String = tx
        .prepare_cached("SELECT value FROM local_meta WHERE key = 'hlc_last'")?
        .query_row([], |r| r.get(0))?;
    let stored = Hlc::from_i64(stored.parse().unwrap_or(0));
    if stored > clock.last() {
        *clock = HybridClock::resume(stored);
    }
    Ok(())
}

/// Persists the clock's last timestamp (read back by [`catch_up_clock`]).
fn save_clock(tx: &Connection, clock: &HybridClock) -> Result<()> {
    tx.prepare_cached("UPDATE local_meta SET value = ?1 WHERE key = 'hlc_last'")?
        .execute([clock.last().to_i64().to_string()])?;
    Ok(())
}

/// Merges a change set received from another device (or, harmlessly, one of our own).
pub(crate) fn apply(
    conn: &mut Connection,
    clock: &mut HybridClock,
    set: &ChangeSet,
) -> Result<MergeOutcome> {
    let mut outcome = MergeOutcome::default();
    apply_batch(
        conn,
        clock,
        std::slice::from_ref(set),
        |_| Ok(()),
        &mut outcome,
    )?;
    Ok(outcome)
}

/// Merges several change sets in one transaction (one fsync for a page pulled from the relay),
/// then runs `also` in that transaction (the caller records its progress there, so data and
/// progress commit together). Sets already applied are skipped; any error rolls everything back.
pub(crate) fn apply_batch(
    conn: &mut Connection,
    clock: &mut HybridClock,
    sets: &[ChangeSet],
    also: impl FnOnce(&Connection) -> Result<()>,
    outcome: &mut MergeOutcome,
) -> Result<()> {
    for set in sets {
        validate(set)?;
    }
    let saved_clock = *clock;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    catch_up_clock(&tx, clock)?;
    let result = (|| {
        let mut touched = TouchedRows::default();
        for set in sets {
            apply_one(&tx, clock, set, outcome, &mut touched)?;
        }
        // After the sets' logs are stored: a hook may scrub them (an erased patient's values).
        touched.run_hooks(&tx)?;
        also(&tx)
    })();
    match result {
        Ok(()) => {
            tx.commit()?;
            Ok(())
        }
        Err(e) => {
            *clock = saved_clock;
            Err(e)
        }
    }
}

fn apply_one(
    tx: &Connection,
    clock: &mut HybridClock,
    set: &ChangeSet,
    total: &mut MergeOutcome,
    touched: &mut TouchedRows,
) -> Result<()> {
    let device = set.device_id.to_string();
    let expected = head(tx, &device)? + 1;
    if set.idx < expected {
        total.already_applied = true;
        return Ok(());
    }
    if set.idx > expected {
        return Err(StoreError::OutOfOrder {
            device,
            idx: set.idx,
            expected,
        });
    }
    let mut outcome = MergeOutcome::default();
    let mut appended_rows: HashSet<(&str, &str)> = HashSet::new();
    let mut row = RowMerge::default();
    for (i, change) in set.changes.iter().enumerate() {
        let table = schema::table(&change.table).ok_or_else(|| unknown_table(&change.table))?;
        match table.kind {
            TableKind::Mutable => {
                // A set writes a row's fields together: its clocks are read in one query and
                // its winning fields written in one statement ([`RowMerge`]). A field written
                // twice in one set is flushed in between, so every read below sees the
                // field's stored value and clock, as a merge field by field would.
                if !row.is_for(table, &change.row_id) {
                    row.flush(tx)?;
                    row = RowMerge::load(tx, table, &change.row_id)?;
                } else if row.pending_has(&change.field) {
                    row.flush(tx)?;
                }
                let current = row.clocks.get(change.field.as_str());
                let incoming = (change.hlc.to_i64(), device.as_str());
                let wins = match current {
                    None => true,
                    Some((hlc, dev, _)) => incoming > (*hlc, dev.as_str()),
                };
                if let Some((hlc, dev, set_idx)) = current {
                    crate::conflicts::check_concurrent_edit(
                        tx,
                        table,
                        change,
                        crate::conflicts::Write {
                            device: &device,
                            set_idx: set.idx,
                            seen: set.seen.as_deref(),
                        },
                        (*hlc, dev, *set_idx),
                        wins,
                    )?;
                }
                if wins {
                    row.win(change, &device, set.idx);
                    outcome.fields_applied += 1;
                } else {
                    outcome.fields_superseded += 1;
                }
            }
            TableKind::AppendOnly => {
                if !appended_rows.insert((table.name, change.row_id.as_str())) {
                    continue;
                }
                let fields: Vec<(&str, Value)> = set.changes[i..]
                    .iter()
                    .filter(|c| c.table == change.table && c.row_id == change.row_id)
                    .map(|c| (c.field.as_str(), c.value.clone()))
                    .collect();
                outcome.rows_appended += insert_append_only(tx, table, &change.row_id, &fields)?;
            }
        }
    }
    row.flush(tx)?;
    let seen = set.seen.as_deref().map(encode_seen);
    store_change_set(tx, &device, set.idx, &set.changes, seen.as_deref())?;
    touched.add_all(&set.changes);
    if let Some(max) = set.changes.iter().map(|c| c.hlc).max() {
        clock.observe(max, now_ms());
        save_clock(tx, clock)?;
    }
    total.fields_applied += outcome.fields_applied;
    total.fields_superseded += outcome.fields_superseded;
    total.rows_appended += outcome.rows_appended;
    Ok(())
}

/// The merge of one row's fields within a change set: the clocks the row holds (one read), and
/// the winning writes not yet written (one row write and one clocks write on
/// [`RowMerge::flush`]).
#[derive(Default)]
struct RowMerge<'s> {
    table: Option<&'static TableSpec>,
    row_id: String,
    clocks: RowClock,
    /// Winning writes waiting to be written, each field at most once.
    pending: Vec<&'s FieldChange>,
}

impl<'s> RowMerge<'s> {
    fn load(tx: &Connection, table: &'static TableSpec, row_id: &str) -> Result<Self> {
        Ok(Self {
            table: Some(table),
            row_id: row_id.to_string(),
            clocks: RowClock::load(tx, table.name, row_id)?,
            pending: Vec::new(),
        })
    }

    fn is_for(&self, table: &TableSpec, row_id: &str) -> bool {
        self.table.is_some_and(|t| t.name == table.name) && self.row_id == row_id
    }

    fn pending_has(&self, field: &str) -> bool {
        self.pending.iter().any(|c| c.field == field)
    }

    fn win(&mut self, change: &'s FieldChange, device: &str, set_idx: i64) {
        self.clocks.set(
            &change.field,
            (change.hlc.to_i64(), device.to_string(), set_idx),
        );
        self.pending.push(change);
    }

    fn flush(&mut self, tx: &Connection) -> Result<()> {
        let Some(table) = self.table else {
            return Ok(());
        };
        if self.pending.is_empty() {
            return Ok(());
        }
        let fields: Vec<(&str, &Value)> = self
            .pending
            .iter()
            .map(|c| (c.field.as_str(), &c.value))
            .collect();
        write_fields(tx, table, &self.row_id, &fields)?;
        self.pending.clear();
        self.clocks.store(tx, table.name, &self.row_id)
    }
}

/// The write that holds a field's value: `(hlc, device id, index of its change set)`. The set
/// index is 0 for writes merged before 0010 recorded it.
pub(crate) type FieldClock = (i64, String, i64);

/// The clocks of one row's fields, as stored in `row_clock.clocks` (one record per row, see
/// migration 0021): `{"d": [device ids, sorted], "f": {field: [hlc, index into d, set_idx]}}`.
/// Each device id is written once per row rather than once per field.
#[derive(Default)]
pub(crate) struct RowClock {
    fields: HashMap<String, FieldClock>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredRowClock {
    d: Vec<String>,
    f: std::collections::BTreeMap<String, (i64, usize, i64)>,
}

impl RowClock {
    /// The row's clocks; none for a row never written.
    pub(crate) fn load(conn: &Connection, table: &str, row_id: &str) -> Result<Self> {
        let stored: Option<String> = conn
            .prepare_cached("SELECT clocks FROM row_clock WHERE tbl = ?1 AND row_id = ?2")?
            .query_row(params![table, row_id], |r| r.get(0))
            .optional()?;
        let Some(stored) = stored else {
            return Ok(Self::default());
        };
        let bad = |why: String| {
            StoreError::Integrity(format!("the field clocks of {table} row {row_id} {why}"))
        };
        let stored: StoredRowClock =
            serde_json::from_str(&stored).map_err(|e| bad(format!("are unreadable: {e}")))?;
        let mut fields = HashMap::with_capacity(stored.f.len());
        for (field, (hlc, device, set_idx)) in stored.f {
            let device = stored
                .d
                .get(device)
                .ok_or_else(|| bad(format!("name device {device}, not in their list")))?;
            fields.insert(field, (hlc, device.clone(), set_idx));
        }
        Ok(Self { fields })
    }

    pub(crate) fn get(&self, field: &str) -> Option<&FieldClock> {
        self.fields.get(field)
    }

    fn set(&mut self, field: &str, clock: FieldClock) {
        self.fields.insert(field.to_string(), clock);
    }

    /// Writes the clocks back (the whole row's: one record).
    fn store(&self, conn: &Connection, table: &str, row_id: &str) -> Result<()> {
        let mut devices: Vec<&str> = self.fields.values().map(|(_, d, _)| d.as_str()).collect();
        devices.sort_unstable();
        devices.dedup();
        let stored = StoredRowClock {
            f: self
                .fields
                .iter()
                .map(|(field, (hlc, device, set_idx))| {
                    let at = devices.binary_search(&device.as_str()).unwrap_or_default();
                    (field.clone(), (*hlc, at, *set_idx))
                })
                .collect(),
            d: devices.into_iter().map(str::to_string).collect(),
        };
        let json = serde_json::to_string(&stored)
            .map_err(|e| StoreError::Integrity(format!("field clocks not encodable: {e}")))?;
        conn.prepare_cached(
            "INSERT INTO row_clock (tbl, row_id, clocks) VALUES (?1, ?2, ?3)
             ON CONFLICT (tbl, row_id) DO UPDATE SET clocks = excluded.clocks",
        )?
        .execute(params![table, row_id, json])?;
        Ok(())
    }
}

/// The rows a batch of change sets touched, in the order first touched, for their `on_change`
/// hooks: run once per row, after every set of the batch is merged (a hook derives data from
/// the row as it stands, so once at the end gives what once per set would).
#[derive(Default)]
struct TouchedRows {
    seen: HashSet<(&'static str, String)>,
    hooks: Vec<(OnChange, String)>,
}

impl TouchedRows {
    fn of(changes: &[FieldChange]) -> Self {
        let mut touched = Self::default();
        touched.add_all(changes);
        touched
    }

    fn add_all(&mut self, changes: &[FieldChange]) {
        for change in changes {
            let Some(table) = schema::table(&change.table) else {
                continue;
            };
            let Some(hook) = table.on_change else {
                continue;
            };
            if self.seen.insert((table.name, change.row_id.clone())) {
                self.hooks.push((hook, change.row_id.clone()));
            }
        }
    }

    fn run_hooks(&self, conn: &Connection) -> Result<()> {
        for (hook, row_id) in &self.hooks {
            hook(conn, row_id)?;
        }
        Ok(())
    }
}

/// The last change-set index stored for a device (0 when none).
pub fn head(conn: &Connection, device_id: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT COALESCE(MAX(idx), 0) FROM change_set WHERE device_id = ?1")?
        .query_row([device_id], |r| r.get(0))?)
}

/// Per-device heads of the log, sorted by device id.
pub fn heads(conn: &Connection) -> Result<Vec<(DeviceId, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT device_id, MAX(idx) FROM change_set GROUP BY device_id ORDER BY device_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (device, idx) = row?;
        let device = device.parse().map_err(|_| {
            StoreError::Integrity(format!("bad device id {device:?} in change_set"))
        })?;
        out.push((device, idx));
    }
    Ok(out)
}

/// Reads one stored change set back (to send it to the relay, or in tests).
pub fn read_change_set(
    conn: &Connection,
    device_id: DeviceId,
    idx: i64,
) -> Result<Option<ChangeSet>> {
    Ok(read_change_sets(conn, device_id, idx, idx)?.pop())
}

/// Reads a device's stored change sets `first..=last` back, in order, in two queries (a push
/// reads its page this way); indexes not stored here are left out.
pub fn read_change_sets(
    conn: &Connection,
    device_id: DeviceId,
    first: i64,
    last: i64,
) -> Result<Vec<ChangeSet>> {
    let device = device_id.to_string();
    let mut sets: Vec<ChangeSet> = conn
        .prepare_cached(
            "SELECT idx, seen FROM change_set WHERE device_id = ?1 AND idx BETWEEN ?2 AND ?3 ORDER BY idx",
        )?
        .query_map(params![device, first, last], |r| {
            Ok(ChangeSet {
                device_id,
                idx: r.get(0)?,
                changes: Vec::new(),
                seen: r.get::<_, Option<String>>(1)?.as_deref().map(decode_seen),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT s.idx, f.tbl, f.row_id, f.field, f.value, f.hlc
         FROM change_set s JOIN field_change f ON f.set_id = s.id
         WHERE s.device_id = ?1 AND s.idx BETWEEN ?2 AND ?3 ORDER BY s.idx, f.ord",
    )?;
    let mut rows = stmt.query(params![device, first, last])?;
    // Both lists are in index order: walk them together.
    let mut next_set = 0;
    while let Some(r) = rows.next()? {
        let idx: i64 = r.get(0)?;
        while next_set < sets.len() && sets[next_set].idx < idx {
            next_set += 1;
        }
        let Some(set) = sets.get_mut(next_set).filter(|s| s.idx == idx) else {
            continue; // a change without its set's row: not a stored set
        };
        set.changes.push(FieldChange {
            table: r.get(1)?,
            row_id: r.get(2)?,
            field: r.get(3)?,
            value: r.get(4)?,
            hlc: Hlc::from_i64(r.get(5)?),
        });
    }
    Ok(sets)
}

fn validate(set: &ChangeSet) -> Result<()> {
    if set.idx < 1 {
        return Err(StoreError::InvalidChange(format!(
            "change set index {} is not positive",
            set.idx
        )));
    }
    if set.changes.is_empty() {
        return Err(StoreError::InvalidChange("empty change set".into()));
    }
    for change in &set.changes {
        let table = schema::table(&change.table).ok_or_else(|| unknown_table(&change.table))?;
        check_field(table, &change.field)?;
        change.row_id.parse::<EntityId>().map_err(|_| {
            StoreError::InvalidChange(format!("row id {:?} is not a UUID", change.row_id))
        })?;
    }
    Ok(())
}

fn unknown_table(name: &str) -> StoreError {
    StoreError::InvalidChange(format!(
        "unknown table {name:?}: this change comes from a newer version of Chairside; update this PC"
    ))
}

fn check_field(table: &TableSpec, field: &str) -> Result<()> {
    if table.has_field(field) {
        Ok(())
    } else {
        Err(StoreError::InvalidChange(format!(
            "unknown field {field:?} of table {}",
            table.name
        )))
    }
}

/// Writes fields of one row of a mutable table, creating the row if needed: two statements
/// whatever the number of fields.
fn write_fields(
    conn: &Connection,
    table: &TableSpec,
    row_id: &str,
    fields: &[(&str, &Value)],
) -> Result<()> {
    // Table and field names come from the static schema (checked by the callers), never from
    // input. Cached by their text: a merge writes the same few shapes thousands of times.
    if fields.is_empty() {
        return Ok(());
    }
    conn.prepare_cached(&format!(
        "INSERT OR IGNORE INTO {} (id) VALUES (?1)",
        table.name
    ))?
    .execute([row_id])?;
    let assignments: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, (field, _))| format!("{field} = ?{}", i + 2))
        .collect();
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![&row_id];
    values.extend(fields.iter().map(|(_, v)| *v as &dyn rusqlite::ToSql));
    conn.prepare_cached(&format!(
        "UPDATE {} SET {} WHERE id = ?1",
        table.name,
        assignments.join(", ")
    ))?
    .execute(values.as_slice())?;
    Ok(())
}

/// The heads of every other device's log applied here, as recorded with a new change set.
fn applied_heads_except(conn: &Connection, device: &str) -> Result<String> {
    let mut stmt = conn.prepare_cached(
        "SELECT device_id, head FROM applied_head WHERE device_id <> ?1 ORDER BY device_id",
    )?;
    let heads = stmt
        .query_map([device], |r| {
            Ok(format!(
                "{}:{}",
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(heads.join(","))
}

/// `seen` as stored in `change_set.seen`: `device:head` pairs separated by commas.
pub(crate) fn encode_seen(seen: &[(DeviceId, i64)]) -> String {
    seen.iter()
        .map(|(d, h)| format!("{d}:{h}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The inverse of [`encode_seen`]; an unreadable pair is left out (it then counts as unseen).
pub(crate) fn decode_seen(text: &str) -> Vec<(DeviceId, i64)> {
    text.split(',')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (device, head) = pair.split_once(':')?;
            Some((device.parse().ok()?, head.parse().ok()?))
        })
        .collect()
}

fn insert_append_only(
    conn: &Connection,
    table: &TableSpec,
    row_id: &str,
    fields: &[(&str, Value)],
) -> Result<usize> {
    let columns: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
    let placeholders: Vec<String> = (2..=fields.len() + 1).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT OR IGNORE INTO {} (id{}{}) VALUES (?1{}{})",
        table.name,
        if columns.is_empty() { "" } else { ", " },
        columns.join(", "),
        if placeholders.is_empty() { "" } else { ", " },
        placeholders.join(", ")
    );
    let mut values: Vec<Value> = vec![Value::Text(row_id.to_string())];
    values.extend(fields.iter().map(|(_, v)| v.clone()));
    Ok(conn
        .prepare_cached(&sql)?
        .execute(rusqlite::params_from_iter(values))?)
}

fn store_change_set(
    conn: &Connection,
    device: &str,
    idx: i64,
    changes: &[FieldChange],
    seen: Option<&str>,
) -> Result<()> {
    let max_hlc = changes.iter().map(|c| c.hlc).max().unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO change_set (device_id, idx, hlc, stored_at, seen) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        device,
        idx,
        max_hlc.to_i64(),
        now_ms() as i64,
        seen
    ])?;
    // The set's local number: its changes name it by that (migration 0022).
    let set_id = conn.last_insert_rowid();
    conn.prepare_cached(
        "INSERT INTO applied_head (device_id, head) VALUES (?1, ?2)
         ON CONFLICT (device_id) DO UPDATE SET head = MAX(head, excluded.head)",
    )?
    .execute(params![device, idx])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO field_change (set_id, ord, tbl, row_id, field, value, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (ord, c) in changes.iter().enumerate() {
        stmt.execute(params![
            set_id,
            ord as i64,
            c.table,
            c.row_id,
            c.field,
            c.value,
            c.hlc.to_i64()
        ])?;
    }
    Ok(())
}
