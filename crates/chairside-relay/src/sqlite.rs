//! The default relay backend: one SQLite file (WAL, `synchronous = FULL`), zero set-up. It holds
//! ciphertext and metadata only, so it is not encrypted itself.

use std::path::Path;
use std::sync::Mutex;

use chairside_protocol::{Bytes, DeviceHead, Record};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::storage::{
    DeviceRow, Storage, StorageError, StorageResult, empty_checksum, next_checksum, plan_push,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS clinic (
    id            TEXT PRIMARY KEY,
    created_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS device (
    id            TEXT PRIMARY KEY,
    clinic_id     TEXT    NOT NULL REFERENCES clinic (id),
    secret_hash   BLOB    NOT NULL,
    revoked       INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS device_clinic ON device (clinic_id);
CREATE TABLE IF NOT EXISTS stream (
    clinic_id     TEXT    NOT NULL,
    device_id     TEXT    NOT NULL,
    head          INTEGER NOT NULL,
    checksum      TEXT    NOT NULL,
    PRIMARY KEY (clinic_id, device_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS record (
    clinic_id     TEXT    NOT NULL,
    device_id     TEXT    NOT NULL,
    idx           INTEGER NOT NULL,
    nonce         BLOB    NOT NULL,
    ciphertext    BLOB    NOT NULL,
    stored_at     INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, device_id, idx)
) WITHOUT ROWID;
";

/// Raw bytes of sealed data in one pulled page, at most (plus the last record).
pub const PAGE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug)]
pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl SqliteStorage {
    pub fn open(path: &Path) -> StorageResult<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| StorageError::Backend(format!("{}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> StorageResult<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| StorageError::Backend("the storage lock is poisoned".into()))
    }
}

impl Storage for SqliteStorage {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn register(
        &self,
        clinic_id: &str,
        device_id: &str,
        secret_hash: [u8; 32],
    ) -> StorageResult<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<(String, Vec<u8>)> = tx
            .query_row(
                "SELECT clinic_id, secret_hash FROM device WHERE id = ?1",
                [device_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((clinic, hash)) = existing {
            return if clinic == clinic_id && hash == secret_hash {
                Ok(())
            } else {
                Err(StorageError::AlreadyRegistered)
            };
        }
        let clinic_exists = tx
            .query_row(
                "SELECT 1 FROM clinic WHERE id = ?1",
                [clinic_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if clinic_exists {
            return Err(StorageError::AlreadyRegistered);
        }
        tx.execute(
            "INSERT INTO clinic (id, created_at) VALUES (?1, ?2)",
            params![clinic_id, now_ms()],
        )?;
        tx.execute(
            "INSERT INTO device (id, clinic_id, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![device_id, clinic_id, &secret_hash[..], now_ms()],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn add_device(
        &self,
        clinic_id: &str,
        device_id: &str,
        secret_hash: [u8; 32],
    ) -> StorageResult<()> {
        let conn = self.conn()?;
        let clinic_exists = conn
            .query_row(
                "SELECT 1 FROM clinic WHERE id = ?1",
                [clinic_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !clinic_exists {
            return Err(StorageError::Conflict(format!(
                "no clinic {clinic_id} at this relay"
            )));
        }
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO device (id, clinic_id, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![device_id, clinic_id, &secret_hash[..], now_ms()],
        )?;
        if inserted == 0 {
            return Err(StorageError::Conflict(format!(
                "device {device_id} is already known"
            )));
        }
        Ok(())
    }

    fn revoke_device(&self, clinic_id: &str, device_id: &str) -> StorageResult<bool> {
        let conn = self.conn()?;
        Ok(conn.execute(
            "UPDATE device SET revoked = 1 WHERE id = ?1 AND clinic_id = ?2",
            params![device_id, clinic_id],
        )? > 0)
    }

    fn device(&self, device_id: &str) -> StorageResult<Option<DeviceRow>> {
        let conn = self.conn()?;
        let row = conn
            .query_row(
                "SELECT id, clinic_id, secret_hash, revoked FROM device WHERE id = ?1",
                [device_id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                        r.get::<_, bool>(3)?,
                    ))
                },
            )
            .optional()?;
        Ok(row.map(|(device_id, clinic_id, hash, revoked)| {
            let mut secret_hash = [0u8; 32];
            if hash.len() == 32 {
                secret_hash.copy_from_slice(&hash);
            }
            DeviceRow {
                device_id,
                clinic_id,
                secret_hash,
                revoked,
            }
        }))
    }

    fn heads(&self, clinic_id: &str) -> StorageResult<Vec<DeviceHead>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT device_id, head, checksum FROM stream WHERE clinic_id = ?1 ORDER BY device_id",
        )?;
        let rows = stmt.query_map([clinic_id], |r| {
            Ok(DeviceHead {
                device_id: r.get(0)?,
                head: r.get(1)?,
                checksum: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn push(
        &self,
        clinic_id: &str,
        device_id: &str,
        records: &[Record],
    ) -> StorageResult<(i64, String)> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (head, mut checksum): (i64, String) = tx
            .query_row(
                "SELECT head, checksum FROM stream WHERE clinic_id = ?1 AND device_id = ?2",
                params![clinic_id, device_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, empty_checksum()));
        let fresh = plan_push(head, records, device_id, |idx| {
            Ok(tx
                .query_row(
                    "SELECT nonce, ciphertext FROM record WHERE clinic_id = ?1 AND device_id = ?2 AND idx = ?3",
                    params![clinic_id, device_id, idx],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })?;
        let mut new_head = head;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO record (clinic_id, device_id, idx, nonce, ciphertext, stored_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let now = now_ms();
            for record in fresh {
                insert.execute(params![
                    clinic_id,
                    device_id,
                    record.idx,
                    record.nonce.0,
                    record.ciphertext.0,
                    now
                ])?;
                checksum = next_checksum(&checksum, record);
                new_head = record.idx;
            }
        }
        if new_head != head {
            tx.execute(
                "INSERT INTO stream (clinic_id, device_id, head, checksum) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (clinic_id, device_id) DO UPDATE SET head = excluded.head, checksum = excluded.checksum",
                params![clinic_id, device_id, new_head, checksum],
            )?;
        }
        tx.commit()?;
        Ok((new_head, checksum))
    }

    fn pull(
        &self,
        clinic_id: &str,
        device_id: &str,
        after: i64,
        limit: u32,
    ) -> StorageResult<(Vec<Record>, i64)> {
        let conn = self.conn()?;
        let head: i64 = conn
            .query_row(
                "SELECT head FROM stream WHERE clinic_id = ?1 AND device_id = ?2",
                params![clinic_id, device_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let mut stmt = conn.prepare_cached(
            "SELECT idx, nonce, ciphertext FROM record
             WHERE clinic_id = ?1 AND device_id = ?2 AND idx > ?3 ORDER BY idx LIMIT ?4",
        )?;
        let mut rows = stmt.query(params![clinic_id, device_id, after, limit])?;
        let mut records = Vec::new();
        let mut bytes = 0;
        while let Some(r) = rows.next()? {
            let record = Record {
                device_id: device_id.to_string(),
                idx: r.get(0)?,
                nonce: Bytes(r.get(1)?),
                ciphertext: Bytes(r.get(2)?),
            };
            bytes += record.size();
            records.push(record);
            // A page stays well under the body limit once base64 is added.
            if bytes > PAGE_BYTES {
                break;
            }
        }
        Ok((records, head))
    }
}
