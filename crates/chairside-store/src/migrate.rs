//! Forward-only schema migrations, embedded from `migrations/NNNN_name.sql` by build.rs.
//!
//! `PRAGMA user_version` holds the number of the last migration applied. Each migration runs in
//! its own transaction together with the bump of `user_version`, so a crash in the middle leaves
//! the previous version intact. A database with a higher version than this program knows is
//! refused rather than touched.

use std::path::Path;

use rusqlite::Connection;

use crate::APPLICATION_ID;
use crate::error::{Result, StoreError};

#[derive(Debug)]
pub(crate) struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The schema version this program writes.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the database up to [`latest_version`]. `fresh` is true only for a database that
/// [`crate::Store::create`] has just made.
pub(crate) fn run(conn: &Connection, path: &Path, fresh: bool) -> Result<()> {
    let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let application_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if !fresh && application_id != APPLICATION_ID {
        return Err(StoreError::NotChairsideDatabase {
            path: path.to_path_buf(),
            reason: format!("its application id is {application_id:#x}, not Chairside's"),
        });
    }
    let supported = latest_version();
    if version > supported {
        return Err(StoreError::NewerDatabase {
            found: version,
            supported,
        });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > version) {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let applied = conn
            .execute_batch(migration.sql)
            .and_then(|()| conn.pragma_update(None, "user_version", migration.version))
            .and_then(|()| conn.pragma_update(None, "application_id", APPLICATION_ID))
            .map_err(StoreError::from)
            // Data a migration's table derives from the rows already held, by rules that live
            // in Rust (a fresh database holds no rows).
            .and_then(|()| {
                if fresh {
                    Ok(())
                } else {
                    derive_after(conn, migration.version)
                }
            });
        match applied {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                // A full disk is not damage: a migration that rebuilds a table needs room for a
                // second copy while it runs. Told as a full disk, so the person frees space.
                if e.is_disk_full() {
                    return Err(e);
                }
                return Err(StoreError::Integrity(format!(
                    "migration {:04}_{} failed: {e}",
                    migration.version, migration.name
                )));
            }
        }
    }
    Ok(())
}

/// What a migration's new local table holds for the rows a database already has, derived in
/// the migration's transaction.
fn derive_after(conn: &Connection, version: u32) -> Result<()> {
    match version {
        23 => crate::chart::derive_all(conn),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_from_one_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.name);
            assert!(!m.sql.trim().is_empty());
        }
        assert!(latest_version() >= 1);
    }

    #[test]
    fn a_store_made_before_0016_keeps_its_queued_redactions_under_its_own_device() {
        let conn = Connection::open_in_memory().unwrap();
        for m in MIGRATIONS.iter().filter(|m| m.version < 16) {
            conn.execute_batch(m.sql).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO local_meta (key, value) VALUES ('device_id', 'dev-a');
             INSERT INTO log_redaction (idx) VALUES (3), (7);",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 15).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        run(&conn, Path::new("test"), false).unwrap();
        let queued = crate::sync_state::redactions(&conn).unwrap();
        assert_eq!(
            queued,
            [("dev-a".to_string(), vec![3, 7])].into_iter().collect()
        );
    }

    #[test]
    fn a_store_made_before_0021_keeps_every_field_clock_in_its_rows_clocks() {
        let conn = Connection::open_in_memory().unwrap();
        for m in MIGRATIONS.iter().filter(|m| m.version < 21) {
            conn.execute_batch(m.sql).unwrap();
        }
        // Row p1: three fields by two devices (one written before 0010: set 0); row p2: one.
        conn.execute_batch(
            "INSERT INTO field_clock (tbl, row_id, field, hlc, device_id, set_idx) VALUES
                 ('patient', 'p1', 'last_name', 900, 'dev-b', 4),
                 ('patient', 'p1', 'first_name', 700, 'dev-a', 2),
                 ('patient', 'p1', 'phones', 650, 'dev-a', 0),
                 ('appointment', 'p2', 'chair_id', 1200, 'dev-c', 9);",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 20).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        run(&conn, Path::new("test"), false).unwrap();

        let p1 = crate::changes::RowClock::load(&conn, "patient", "p1").unwrap();
        assert_eq!(p1.get("last_name"), Some(&(900, "dev-b".into(), 4)));
        assert_eq!(p1.get("first_name"), Some(&(700, "dev-a".into(), 2)));
        assert_eq!(p1.get("phones"), Some(&(650, "dev-a".into(), 0)));
        assert_eq!(p1.get("notes"), None);
        let p2 = crate::changes::RowClock::load(&conn, "appointment", "p2").unwrap();
        assert_eq!(p2.get("chair_id"), Some(&(1200, "dev-c".into(), 9)));
        let records: i64 = conn
            .query_row("SELECT count(*) FROM row_clock", [], |r| r.get(0))
            .unwrap();
        assert_eq!(records, 2, "one record per row");
        let old_table: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'field_clock'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old_table, 0);
    }

    #[test]
    fn a_store_made_before_0022_reads_back_the_same_change_sets() {
        let conn = Connection::open_in_memory().unwrap();
        for m in MIGRATIONS.iter().filter(|m| m.version < 22) {
            conn.execute_batch(m.sql).unwrap();
        }
        let a = "0190f0c2-0000-7000-8000-00000000000a";
        let b = "0190f0c2-0000-7000-8000-00000000000b";
        // Two devices' logs, interleaved as they arrived; b's set 1 before 0010 (no `seen`).
        conn.execute_batch(&format!(
            "INSERT INTO change_set (device_id, idx, hlc, stored_at, seen) VALUES
                 ('{b}', 1, 50, 1, NULL), ('{a}', 1, 100, 2, ''), ('{a}', 2, 200, 3, '{b}:1');
             INSERT INTO field_change (device_id, idx, ord, tbl, row_id, field, value, hlc) VALUES
                 ('{a}', 1, 0, 'patient', 'p1', 'last_name', 'Benali', 99),
                 ('{a}', 1, 1, 'patient', 'p1', 'first_name', 'Amina', 100),
                 ('{b}', 1, 0, 'clinic', 'c1', 'name', 'Cabinet', 50),
                 ('{a}', 2, 0, 'patient', 'p1', 'last_name', 'Benali-Haddad', 200);"
        ))
        .unwrap();
        conn.pragma_update(None, "user_version", 21).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        run(&conn, Path::new("test"), false).unwrap();

        let a_id = a.parse().unwrap();
        let b_id = b.parse().unwrap();
        let a_sets = crate::changes::read_change_sets(&conn, a_id, 1, 2).unwrap();
        let fields = |set: &crate::changes::ChangeSet| -> Vec<(String, String, String)> {
            set.changes
                .iter()
                .map(|c| {
                    let rusqlite::types::Value::Text(v) = &c.value else {
                        panic!("{:?}", c.value)
                    };
                    (c.row_id.clone(), c.field.clone(), v.clone())
                })
                .collect()
        };
        assert_eq!(a_sets.len(), 2);
        assert_eq!(
            fields(&a_sets[0]),
            [
                ("p1".into(), "last_name".into(), "Benali".into()),
                ("p1".into(), "first_name".into(), "Amina".into())
            ]
        );
        assert_eq!(a_sets[1].seen, Some(vec![(b_id, 1)]));
        assert_eq!(a_sets[1].changes[0].hlc.to_i64(), 200);
        let b_sets = crate::changes::read_change_sets(&conn, b_id, 1, 1).unwrap();
        assert_eq!(b_sets[0].seen, None);
        assert_eq!(
            fields(&b_sets[0]),
            [("c1".into(), "name".into(), "Cabinet".into())]
        );
        assert_eq!(
            crate::changes::heads(&conn).unwrap(),
            [(a_id, 2), (b_id, 1)]
        );
        // The view shows each change with its set's device and index, as the log did.
        let logged: Vec<(String, i64, String)> = conn
            .prepare("SELECT device_id, idx, value FROM logged_change ORDER BY hlc")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            logged,
            [
                (b.to_string(), 1, "Cabinet".to_string()),
                (a.to_string(), 1, "Benali".to_string()),
                (a.to_string(), 1, "Amina".to_string()),
                (a.to_string(), 2, "Benali-Haddad".to_string()),
            ]
        );
    }

    /// A migration that runs out of room (here the database's page limit, as a full disk) is
    /// told as a full disk, leaves the database as it was, and runs once there is room.
    #[test]
    fn a_migration_without_room_changes_nothing_and_says_the_disk_is_full() {
        let conn = Connection::open_in_memory().unwrap();
        for m in MIGRATIONS.iter().filter(|m| m.version < 22) {
            conn.execute_batch(m.sql).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO change_set (device_id, idx, hlc, stored_at) VALUES ('dev-a', 1, 1, 0);",
        )
        .unwrap();
        let long = "x".repeat(2000);
        for ord in 0..200 {
            conn.execute(
                "INSERT INTO field_change (device_id, idx, ord, tbl, row_id, field, value, hlc)
                 VALUES ('dev-a', 1, ?1, 'patient', 'p1', 'notes', ?2, 1)",
                rusqlite::params![ord, long],
            )
            .unwrap();
        }
        conn.pragma_update(None, "user_version", 21).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        let pages: i64 = conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        conn.pragma_update(None, "max_page_count", pages + 10)
            .unwrap();

        let err = run(&conn, Path::new("test"), false).unwrap_err();
        assert!(err.is_disk_full(), "{err}");
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 21);
        let kept: i64 = conn
            .query_row(
                "SELECT count(*) FROM field_change WHERE device_id = 'dev-a'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, 200);

        // Room again: the migration runs.
        conn.pragma_update(None, "max_page_count", 1_000_000)
            .unwrap();
        run(&conn, Path::new("test"), false).unwrap();
        let moved: i64 = conn
            .query_row(
                "SELECT count(*) FROM logged_change WHERE device_id = 'dev-a'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(moved, 200);
    }

    #[test]
    fn a_store_made_before_0023_finds_the_contradictions_its_charts_already_hold() {
        let conn = Connection::open_in_memory().unwrap();
        for m in MIGRATIONS.iter().filter(|m| m.version < 23) {
            conn.execute_batch(m.sql).unwrap();
        }
        // Merged before this version: 36 missing, then a caries on it from the other operatory;
        // on 46 an implant with its crown (no contradiction).
        conn.execute_batch(
            "INSERT INTO patient (id, last_name) VALUES ('p1', 'Benali');
             INSERT INTO chart_entry (id, patient_id, tooth, surfaces, kind, status, recorded_at_ms) VALUES
                 ('e1', 'p1', '36', '', 'missing', 'existing', 1),
                 ('e2', 'p1', '36', 'O', 'caries', 'existing', 2),
                 ('e3', 'p1', '46', '', 'implant', 'done', 1),
                 ('e4', 'p1', '46', '', 'crown', 'done', 2);",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 22).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        run(&conn, Path::new("test"), false).unwrap();
        let found: Vec<(String, String, String, String)> = crate::chart::contradictions(&conn)
            .unwrap()
            .into_iter()
            .map(|c| (c.entry_id, c.because_of_id, c.patient_id, c.reason))
            .collect();
        assert_eq!(
            found,
            [("e2", "e1", "p1", "tooth_absent")].map(|(a, b, c, d)| (
                a.to_string(),
                b.to_string(),
                c.to_string(),
                d.to_string()
            ))
        );
    }
}
