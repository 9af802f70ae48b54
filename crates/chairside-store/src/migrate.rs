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
            .and_then(|()| conn.pragma_update(None, "application_id", APPLICATION_ID));
        match applied {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(StoreError::Integrity(format!(
                    "migration {:04}_{} failed: {e}",
                    migration.version, migration.name
                )));
            }
        }
    }
    Ok(())
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
}
