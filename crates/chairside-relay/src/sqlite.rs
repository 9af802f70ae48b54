//! The default relay backend: one SQLite file (WAL, `synchronous = FULL`), zero set-up. It holds
//! ciphertext and metadata only, so it is not encrypted itself.

use std::path::Path;
use std::sync::Mutex;

use chairside_protocol::{Bytes, DeviceHead, Record, RewriteResponse};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::storage::{
    ClinicUsage, DeviceRow, DeviceStatus, KeyState, NO_SECRET, NewDevice, PendingRow, RecoverPlan,
    SharePlan, Storage, StorageError, StorageResult, check_rewrite, empty_checksum, next_checksum,
    now_ms, plan_carry, plan_push, plan_recover, plan_share_keys, quota_from_column,
    quota_to_column, recovery_renewed_elsewhere, secret_hash_of, stream_checksum,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS clinic (
    id              TEXT PRIMARY KEY,
    recovery_hash   BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    file_quota      INTEGER                      -- bytes; NULL: the relay's default
);
CREATE TABLE IF NOT EXISTS device (
    id              TEXT PRIMARY KEY,
    clinic_id       TEXT    NOT NULL REFERENCES clinic (id),
    secret_hash     BLOB    NOT NULL,
    status          TEXT    NOT NULL,            -- pending, active, revoked, carried
    name            TEXT    NOT NULL DEFAULT '',
    public_key      BLOB,
    sealed          BLOB,                        -- the enrollment payload, once approved
    created_at      INTEGER NOT NULL,
    last_seen       INTEGER NOT NULL DEFAULT 0,
    file_refused_at INTEGER NOT NULL DEFAULT 0  -- a file refused for the clinic's quota
);
CREATE INDEX IF NOT EXISTS device_clinic ON device (clinic_id);
CREATE TABLE IF NOT EXISTS invite (
    code_hash       BLOB PRIMARY KEY,
    clinic_id       TEXT    NOT NULL REFERENCES clinic (id),
    expires_at      INTEGER NOT NULL,
    used_by         TEXT
);
CREATE TABLE IF NOT EXISTS stream (
    clinic_id       TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    head            INTEGER NOT NULL,
    checksum        TEXT    NOT NULL,
    revision        INTEGER NOT NULL DEFAULT 0,  -- rewrites of the stream (redactions)
    PRIMARY KEY (clinic_id, device_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS record (
    clinic_id       TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    idx             INTEGER NOT NULL,
    nonce           BLOB    NOT NULL,
    ciphertext      BLOB    NOT NULL,
    stored_at       INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, device_id, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS key_share (            -- the current data key sealed to one PC
    clinic_id       TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    sealed          BLOB    NOT NULL,
    PRIMARY KEY (clinic_id, device_id)
) WITHOUT ROWID;
";

/// Raw bytes of sealed data in one pulled page, at most (plus the last record).
pub const PAGE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug)]
pub struct SqliteStorage {
    conn: Mutex<Connection>,
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
        // Columns added since the first relay files: added to an older file as it opens.
        for (table, column, definition) in [
            // Rewrites (redactions after an erasure).
            ("stream", "revision", "INTEGER NOT NULL DEFAULT 0"),
            // A clinic's own file quota, and a device's last file refused for it.
            ("clinic", "file_quota", "INTEGER"),
            ("device", "file_refused_at", "INTEGER NOT NULL DEFAULT 0"),
            // Renewals of the clinic's recovery key.
            ("clinic", "recovery_version", "INTEGER NOT NULL DEFAULT 0"),
            ("clinic", "recovery_sealed_salt", "BLOB"),
            // A planned move: the new relay's address, sealed under the clinic key.
            ("clinic", "move_notice", "BLOB"),
            // Renewals of the clinic's data key: its epoch and the older keys sealed under it.
            ("clinic", "key_epoch", "INTEGER NOT NULL DEFAULT 0"),
            ("clinic", "key_ring", "BLOB"),
            ("device", "box_key", "BLOB"),
            // How far the device's clock stood from the relay's, as it last said (ms).
            ("device", "clock_offset", "INTEGER"),
        ] {
            let present: bool = conn.query_row(
                "SELECT COUNT(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2",
                [table, column],
                |r| r.get(0),
            )?;
            if !present {
                conn.execute_batch(&format!(
                    "ALTER TABLE {table} ADD COLUMN {column} {definition}"
                ))?;
            }
        }
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

/// Each clinic with its counts, oldest first (see [`ClinicUsage`]).
const CLINIC_USAGE: &str = "
SELECT c.id AS clinic_id, c.created_at,
    (SELECT count(*) FROM device d WHERE d.clinic_id = c.id AND d.status = 'active'),
    (SELECT count(*) FROM device d WHERE d.clinic_id = c.id AND d.status = 'pending'),
    (SELECT count(*) FROM device d WHERE d.clinic_id = c.id AND d.status = 'revoked'),
    (SELECT count(*) FROM record r WHERE r.clinic_id = c.id),
    (SELECT coalesce(sum(length(r.nonce) + length(r.ciphertext)), 0) FROM record r
        WHERE r.clinic_id = c.id),
    (SELECT coalesce(max(d.last_seen), 0) FROM device d WHERE d.clinic_id = c.id),
    c.file_quota,
    (SELECT count(*) FROM device d WHERE d.clinic_id = c.id AND d.status = 'carried'),
    c.move_notice IS NOT NULL
FROM clinic c ORDER BY c.created_at, c.id";

fn clinic_usage(row: &rusqlite::Row<'_>) -> rusqlite::Result<ClinicUsage> {
    Ok(ClinicUsage {
        clinic_id: row.get(0)?,
        created_at_ms: row.get(1)?,
        devices_active: row.get(2)?,
        devices_pending: row.get(3)?,
        devices_revoked: row.get(4)?,
        records: row.get(5)?,
        record_bytes: row.get(6)?,
        last_seen_ms: row.get(7)?,
        file_quota: quota_from_column(row.get(8)?),
        devices_carried: row.get(9)?,
        moved_away: row.get(10)?,
    })
}

impl Storage for SqliteStorage {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn clinics(&self) -> StorageResult<Vec<ClinicUsage>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(CLINIC_USAGE)?;
        let rows = stmt.query_map([], clinic_usage)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn forget_clinic(&self, clinic_id: &str) -> StorageResult<Option<ClinicUsage>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let usage = tx
            .query_row(
                &format!("SELECT * FROM ({CLINIC_USAGE}) WHERE clinic_id = ?1"),
                [clinic_id],
                clinic_usage,
            )
            .optional()?;
        if usage.is_some() {
            for table in ["record", "stream", "invite", "device", "key_share"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE clinic_id = ?1"),
                    [clinic_id],
                )?;
            }
            tx.execute("DELETE FROM clinic WHERE id = ?1", [clinic_id])?;
        }
        tx.commit()?;
        Ok(usage)
    }

    fn set_file_quota(&self, clinic_id: &str, quota: Option<u64>) -> StorageResult<bool> {
        let quota = quota_to_column(quota);
        let changed = self.conn()?.execute(
            "UPDATE clinic SET file_quota = ?2 WHERE id = ?1",
            params![clinic_id, quota],
        )?;
        Ok(changed == 1)
    }

    fn file_quota(&self, clinic_id: &str) -> StorageResult<Option<u64>> {
        let quota: Option<Option<i64>> = self
            .conn()?
            .query_row(
                "SELECT file_quota FROM clinic WHERE id = ?1",
                [clinic_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(quota_from_column(quota.flatten()))
    }

    fn register(
        &self,
        clinic_id: &str,
        device_id: &str,
        secret_hash: [u8; 32],
        recovery_hash: [u8; 32],
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
            "INSERT INTO clinic (id, recovery_hash, created_at) VALUES (?1, ?2, ?3)",
            params![clinic_id, &recovery_hash[..], now_ms()],
        )?;
        tx.execute(
            "INSERT INTO device (id, clinic_id, secret_hash, status, created_at)
             VALUES (?1, ?2, ?3, 'active', ?4)",
            params![device_id, clinic_id, &secret_hash[..], now_ms()],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn renew_recovery(
        &self,
        clinic_id: &str,
        expected_version: i64,
        new_hash: [u8; 32],
        sealed_salt: &[u8],
    ) -> StorageResult<()> {
        let conn = self.conn()?;
        let renewed = conn.execute(
            "UPDATE clinic SET recovery_hash = ?3, recovery_sealed_salt = ?4,
                 recovery_version = recovery_version + 1
             WHERE id = ?1 AND recovery_version = ?2",
            params![clinic_id, expected_version, &new_hash[..], sealed_salt],
        )?;
        if renewed == 0 {
            return Err(recovery_renewed_elsewhere());
        }
        Ok(())
    }

    fn recovery_state(&self, clinic_id: &str) -> StorageResult<(i64, Option<Vec<u8>>)> {
        let conn = self.conn()?;
        conn.query_row(
            "SELECT recovery_version, recovery_sealed_salt FROM clinic WHERE id = ?1",
            [clinic_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| StorageError::NotFound("no such clinic".into()))
    }

    fn clinic_keys(&self, clinic_id: &str, device_id: &str) -> StorageResult<KeyState> {
        let conn = self.conn()?;
        let (epoch, ring): (u32, Option<Vec<u8>>) = conn
            .query_row(
                "SELECT key_epoch, key_ring FROM clinic WHERE id = ?1",
                [clinic_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StorageError::NotFound("no such clinic".into()))?;
        let share = conn
            .query_row(
                "SELECT sealed FROM key_share WHERE clinic_id = ?1 AND device_id = ?2",
                [clinic_id, device_id],
                |r| r.get(0),
            )
            .optional()?;
        let mut stmt = conn.prepare(
            "SELECT d.id, d.box_key, EXISTS (SELECT 1 FROM key_share s
                 WHERE s.clinic_id = d.clinic_id AND s.device_id = d.id)
             FROM device d
             WHERE d.clinic_id = ?1 AND d.status = 'active' AND d.box_key IS NOT NULL
             ORDER BY d.id",
        )?;
        let box_keys = stmt
            .query_map([clinic_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        Ok(KeyState {
            epoch,
            ring,
            share,
            box_keys,
        })
    }

    fn key_summary(&self, clinic_id: &str) -> StorageResult<(u32, bool)> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT c.key_epoch, c.key_epoch > 0 AND EXISTS (SELECT 1 FROM device d
                     WHERE d.clinic_id = c.id AND d.status = 'active' AND d.box_key IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM key_share s
                           WHERE s.clinic_id = c.id AND s.device_id = d.id))
                 FROM clinic c WHERE c.id = ?1",
                [clinic_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, false)))
    }

    fn report_clock(&self, clinic_id: &str, device_id: &str, offset_ms: i64) -> StorageResult<()> {
        self.conn()?.execute(
            "UPDATE device SET clock_offset = ?3 WHERE clinic_id = ?1 AND id = ?2",
            params![clinic_id, device_id, offset_ms],
        )?;
        Ok(())
    }

    fn announce_box_key(
        &self,
        clinic_id: &str,
        device_id: &str,
        sealed: &[u8],
    ) -> StorageResult<()> {
        self.conn()?.execute(
            "UPDATE device SET box_key = ?3 WHERE clinic_id = ?1 AND id = ?2",
            params![clinic_id, device_id, sealed],
        )?;
        Ok(())
    }

    fn share_keys(
        &self,
        clinic_id: &str,
        epoch: u32,
        ring: &[u8],
        shares: &[(String, Vec<u8>)],
    ) -> StorageResult<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: u32 = tx
            .query_row(
                "SELECT key_epoch FROM clinic WHERE id = ?1",
                [clinic_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StorageError::NotFound("no such clinic".into()))?;
        if plan_share_keys(current, epoch)? == SharePlan::Renew {
            tx.execute(
                "UPDATE clinic SET key_epoch = ?2, key_ring = ?3 WHERE id = ?1",
                params![clinic_id, epoch, ring],
            )?;
            tx.execute("DELETE FROM key_share WHERE clinic_id = ?1", [clinic_id])?;
        }
        for (device_id, sealed) in shares {
            tx.execute(
                "INSERT INTO key_share (clinic_id, device_id, sealed) VALUES (?1, ?2, ?3)
                 ON CONFLICT (clinic_id, device_id) DO UPDATE SET sealed = excluded.sealed",
                params![clinic_id, device_id, sealed],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn set_move_notice(&self, clinic_id: &str, sealed: Option<&[u8]>) -> StorageResult<()> {
        let conn = self.conn()?;
        conn.execute(
            "UPDATE clinic SET move_notice = ?2 WHERE id = ?1",
            params![clinic_id, sealed],
        )?;
        Ok(())
    }

    fn move_notice(&self, clinic_id: &str) -> StorageResult<Option<Vec<u8>>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT move_notice FROM clinic WHERE id = ?1",
                [clinic_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    fn recover(
        &self,
        clinic_id: &str,
        recovery_hash: [u8; 32],
        device_id: &str,
        secret_hash: [u8; 32],
    ) -> StorageResult<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stored: Option<Vec<u8>> = tx
            .query_row(
                "SELECT recovery_hash FROM clinic WHERE id = ?1",
                [clinic_id],
                |r| r.get(0),
            )
            .optional()?;
        if stored.as_deref() != Some(&recovery_hash[..]) {
            return Err(StorageError::NotFound(
                "no clinic with this id and recovery key at this relay: check the recovery key"
                    .into(),
            ));
        }
        let known: Option<(String, Vec<u8>, String)> = tx
            .query_row(
                "SELECT clinic_id, secret_hash, status FROM device WHERE id = ?1",
                [device_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let known = known.map(|(clinic, hash, status)| {
            (clinic, secret_hash_of(&hash), DeviceStatus::parse(&status))
        });
        match plan_recover(known, clinic_id, device_id, secret_hash)? {
            RecoverPlan::Insert => {
                tx.execute(
                    "INSERT INTO device (id, clinic_id, secret_hash, status, name, created_at)
                     VALUES (?1, ?2, ?3, 'active', 'recovered', ?4)",
                    params![device_id, clinic_id, &secret_hash[..], now_ms()],
                )?;
            }
            RecoverPlan::Activate => {
                tx.execute(
                    "UPDATE device SET secret_hash = ?3, status = 'active'
                     WHERE id = ?1 AND clinic_id = ?2",
                    params![device_id, clinic_id, &secret_hash[..]],
                )?;
            }
            RecoverPlan::Nothing => return Ok(()),
        }
        tx.commit()?;
        Ok(())
    }

    fn add_invite(
        &self,
        clinic_id: &str,
        code_hash: [u8; 32],
        expires_at_ms: i64,
    ) -> StorageResult<()> {
        let conn = self.conn()?;
        conn.execute(
            "INSERT OR REPLACE INTO invite (code_hash, clinic_id, expires_at) VALUES (?1, ?2, ?3)",
            params![&code_hash[..], clinic_id, expires_at_ms],
        )?;
        Ok(())
    }

    fn enroll(
        &self,
        code_hash: [u8; 32],
        now: i64,
        device: NewDevice<'_>,
    ) -> StorageResult<String> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let clinic: Option<String> = tx
            .query_row(
                "SELECT clinic_id FROM invite
                 WHERE code_hash = ?1 AND used_by IS NULL AND expires_at > ?2",
                params![&code_hash[..], now],
                |r| r.get(0),
            )
            .optional()?;
        let Some(clinic) = clinic else {
            return Err(StorageError::BadCode);
        };
        // A device the relay knows only by the log another PC of the clinic carried (the relay
        // lost its data, or the clinic moved, and that PC's recovery proof is out of date) asks
        // to join like a new PC, keeping its log. Any other known device is refused.
        let recorded = tx.execute(
            "INSERT INTO device (id, clinic_id, secret_hash, status, name, public_key, created_at)
             VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET secret_hash = excluded.secret_hash,
                 status = 'pending', name = excluded.name, public_key = excluded.public_key,
                 created_at = excluded.created_at
             WHERE device.status = 'carried' AND device.clinic_id = excluded.clinic_id",
            params![
                device.device_id,
                clinic,
                &device.secret_hash[..],
                device.name,
                device.public_key,
                now
            ],
        )?;
        if recorded == 0 {
            return Err(StorageError::Conflict(format!(
                "device {} is already known",
                device.device_id
            )));
        }
        tx.execute(
            "UPDATE invite SET used_by = ?2 WHERE code_hash = ?1",
            params![&code_hash[..], device.device_id],
        )?;
        tx.commit()?;
        Ok(clinic)
    }

    fn pending(&self, clinic_id: &str) -> StorageResult<Vec<PendingRow>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, name, public_key, created_at FROM device
             WHERE clinic_id = ?1 AND status = 'pending' ORDER BY created_at",
        )?;
        let rows = stmt.query_map([clinic_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?.unwrap_or_default(),
                r.get(3)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn approve(&self, clinic_id: &str, device_id: &str, sealed: &[u8]) -> StorageResult<()> {
        let conn = self.conn()?;
        let updated = conn.execute(
            "UPDATE device SET status = 'active', sealed = ?3
             WHERE id = ?1 AND clinic_id = ?2 AND status = 'pending'",
            params![device_id, clinic_id, sealed],
        )?;
        if updated == 0 {
            return Err(StorageError::NotFound(format!(
                "no pending request from device {device_id} in this clinic"
            )));
        }
        Ok(())
    }

    fn sealed_for(&self, device_id: &str) -> StorageResult<Option<Vec<u8>>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT sealed FROM device WHERE id = ?1 AND status = 'active'",
                [device_id],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()?
            .flatten())
    }

    fn revoke_device(&self, clinic_id: &str, device_id: &str) -> StorageResult<bool> {
        let conn = self.conn()?;
        Ok(conn.execute(
            "INSERT INTO device (id, clinic_id, secret_hash, status, name, created_at)
             VALUES (?1, ?2, ?3, 'revoked', 'revoked', ?4)
             ON CONFLICT (id) DO UPDATE SET status = 'revoked'
             WHERE device.clinic_id = excluded.clinic_id",
            params![device_id, clinic_id, &NO_SECRET[..], now_ms()],
        )? > 0)
    }

    fn device(&self, device_id: &str) -> StorageResult<Option<DeviceRow>> {
        let conn = self.conn()?;
        let row = conn
            .query_row(
                "SELECT id, clinic_id, secret_hash, status FROM device WHERE id = ?1",
                [device_id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        Ok(row.map(|(device_id, clinic_id, hash, status)| DeviceRow {
            device_id,
            clinic_id,
            secret_hash: secret_hash_of(&hash),
            status: DeviceStatus::parse(&status),
        }))
    }

    fn touch(&self, device_id: &str, now: i64) -> StorageResult<()> {
        let conn = self.conn()?;
        conn.execute(
            "UPDATE device SET last_seen = ?2 WHERE id = ?1",
            params![device_id, now],
        )?;
        Ok(())
    }

    fn note_file_refused(&self, device_id: &str, now: i64) -> StorageResult<()> {
        self.conn()?.execute(
            "UPDATE device SET file_refused_at = ?2 WHERE id = ?1",
            params![device_id, now],
        )?;
        Ok(())
    }

    fn heads(&self, clinic_id: &str) -> StorageResult<Vec<DeviceHead>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT device.id, COALESCE(stream.head, 0), COALESCE(stream.checksum, ?2),
                    device.last_seen, device.status = 'revoked', COALESCE(stream.revision, 0),
                    device.file_refused_at, device.clock_offset
             FROM device LEFT JOIN stream
               ON stream.clinic_id = device.clinic_id AND stream.device_id = device.id
             WHERE device.clinic_id = ?1 AND device.status <> 'pending'
             ORDER BY device.id",
        )?;
        let rows = stmt.query_map(params![clinic_id, empty_checksum()], |r| {
            Ok(DeviceHead {
                device_id: r.get(0)?,
                head: r.get(1)?,
                checksum: r.get(2)?,
                last_seen_ms: r.get(3)?,
                revoked: r.get(4)?,
                revision: r.get(5)?,
                file_refused_ms: r.get(6)?,
                clock_offset_ms: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn ensure_carried(&self, clinic_id: &str, device_id: &str) -> StorageResult<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let known: Option<(String, String)> = tx
            .query_row(
                "SELECT clinic_id, status FROM device WHERE id = ?1",
                [device_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let known = known.map(|(clinic, status)| (clinic, DeviceStatus::parse(&status)));
        if plan_carry(known, clinic_id, device_id)? {
            tx.execute(
                "INSERT INTO device (id, clinic_id, secret_hash, status, name, created_at)
                 VALUES (?1, ?2, ?3, 'carried', 'carried', ?4)",
                params![device_id, clinic_id, &NO_SECRET[..], now_ms()],
            )?;
        }
        tx.commit()?;
        Ok(())
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

    fn rewrite(
        &self,
        clinic_id: &str,
        device_id: &str,
        records: &[Record],
    ) -> StorageResult<RewriteResponse> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (head, checksum, revision): (i64, String, i64) = tx
            .query_row(
                "SELECT head, checksum, revision FROM stream WHERE clinic_id = ?1 AND device_id = ?2",
                params![clinic_id, device_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .unwrap_or((0, empty_checksum(), 0));
        check_rewrite(head, records, device_id)?;
        let unchanged = RewriteResponse {
            head,
            checksum,
            revision,
            replaced: 0,
        };
        if records.is_empty() {
            return Ok(unchanged);
        }
        let mut replaced = 0;
        {
            // A record sealed again to the very same bytes (another PC redacted it first) is
            // left as it is.
            let mut replace = tx.prepare_cached(
                "UPDATE record SET nonce = ?4, ciphertext = ?5, stored_at = ?6
                 WHERE clinic_id = ?1 AND device_id = ?2 AND idx = ?3
                   AND (nonce <> ?4 OR ciphertext <> ?5)",
            )?;
            let now = now_ms();
            for record in records {
                replaced += replace.execute(params![
                    clinic_id,
                    device_id,
                    record.idx,
                    record.nonce.0,
                    record.ciphertext.0,
                    now
                ])?;
            }
        }
        if replaced == 0 {
            return Ok(unchanged);
        }
        let checksum = {
            let mut stmt = tx.prepare(
                "SELECT idx, nonce, ciphertext FROM record
                 WHERE clinic_id = ?1 AND device_id = ?2 ORDER BY idx",
            )?;
            let rows = stmt.query_map(params![clinic_id, device_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
            stream_checksum(device_id, head, rows.map(|r| r.map_err(StorageError::from)))?
        };
        tx.execute(
            "UPDATE stream SET checksum = ?3, revision = revision + 1
             WHERE clinic_id = ?1 AND device_id = ?2",
            params![clinic_id, device_id, checksum],
        )?;
        tx.commit()?;
        Ok(RewriteResponse {
            head,
            checksum,
            revision: revision + 1,
            replaced: replaced as u32,
        })
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn record(idx: i64, byte: u8) -> Record {
        Record {
            device_id: "d1".into(),
            idx,
            nonce: Bytes(vec![byte; 24]),
            ciphertext: Bytes(vec![byte; 40]),
        }
    }

    #[test]
    fn a_relay_file_made_before_rewrites_gains_the_revision_and_keeps_its_logs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.sqlite");
        {
            // The stream table as the first relays made it, with one stored record.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE stream (clinic_id TEXT NOT NULL, device_id TEXT NOT NULL,
                     head INTEGER NOT NULL, checksum TEXT NOT NULL,
                     PRIMARY KEY (clinic_id, device_id)) WITHOUT ROWID;",
            )
            .unwrap();
        }
        let storage = SqliteStorage::open(&path).unwrap();
        storage.register("c1", "d1", [1; 32], [2; 32]).unwrap();
        let (head, before) = storage
            .push("c1", "d1", &[record(1, 1), record(2, 2)])
            .unwrap();
        assert_eq!(storage.heads("c1").unwrap()[0].revision, 0);

        // Rewriting record 1 gives the checksum of the stream as if it had been pushed so.
        let reply = storage.rewrite("c1", "d1", &[record(1, 9)]).unwrap();
        assert_eq!((reply.head, reply.revision, reply.replaced), (head, 1, 1));
        let after = reply.checksum;
        let (_, expected) = {
            let other = SqliteStorage::open(&dir.path().join("other.sqlite")).unwrap();
            other.register("c1", "d1", [1; 32], [2; 32]).unwrap();
            other
                .push("c1", "d1", &[record(1, 9), record(2, 2)])
                .unwrap()
        };
        assert_eq!(after, expected);
        assert_ne!(after, before);
        let heads = storage.heads("c1").unwrap();
        assert_eq!(
            (heads[0].checksum.as_str(), heads[0].revision),
            (expected.as_str(), 1)
        );

        // The same bytes again (another PC redacted the record first) change nothing, not
        // even the revision: no device re-reads the stream for it.
        let again = storage.rewrite("c1", "d1", &[record(1, 9)]).unwrap();
        assert_eq!(
            (
                again.head,
                again.checksum.as_str(),
                again.revision,
                again.replaced
            ),
            (head, after.as_str(), 1, 0)
        );
        assert_eq!(storage.heads("c1").unwrap()[0].revision, 1);

        // Refused, and nothing changes: records of two streams, an index not stored, repeats.
        let mut foreign = record(2, 5);
        foreign.device_id = "d2".into();
        for refused in [
            vec![record(1, 5), foreign],
            vec![record(3, 5)],
            vec![record(0, 5)],
            vec![record(2, 5), record(1, 5)],
            vec![record(1, 5), record(1, 6)],
        ] {
            assert!(matches!(
                storage.rewrite("c1", "d1", &refused),
                Err(StorageError::Conflict(_))
            ));
        }
        assert_eq!(storage.heads("c1").unwrap(), heads);
        // A retried push of the original record 1 is now a conflict (the relay's copy changed).
        assert!(storage.push("c1", "d1", &[record(1, 1)]).is_err());
    }
}
