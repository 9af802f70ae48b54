//! The scale-out relay backend: PostgreSQL. Several relay processes behind a load balancer share
//! one database; the append rule holds across them because each push locks its stream's row
//! (`SELECT … FOR UPDATE`) for the length of its transaction, and every record has a primary key.
//! Same tables and rules as [`crate::sqlite`], every query scoped by clinic.

use chairside_protocol::{Bytes, DeviceHead, Record, RewriteResponse};
use postgres::NoTls;
use postgres::fallible_iterator::FallibleIterator;
use r2d2_postgres::PostgresConnectionManager;

use crate::storage::{
    ClinicUsage, DeviceRow, DeviceStatus, KeyState, NO_SECRET, NewDevice, PendingRow, RecoverPlan,
    SharePlan, Storage, StorageError, StorageResult, check_rewrite, empty_checksum, next_checksum,
    now_ms, plan_carry, plan_push, plan_recover, plan_share_keys, quota_from_column,
    quota_to_column, recovery_renewed_elsewhere, secret_hash_of, stream_checksum,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS relay_clinic (
    id              TEXT PRIMARY KEY,
    recovery_hash   BYTEA   NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_device (
    id              TEXT PRIMARY KEY,
    clinic_id       TEXT    NOT NULL REFERENCES relay_clinic (id),
    secret_hash     BYTEA   NOT NULL,
    status          TEXT    NOT NULL,            -- pending, active, revoked, carried
    name            TEXT    NOT NULL DEFAULT '',
    public_key      BYTEA,
    sealed          BYTEA,
    created_at      BIGINT  NOT NULL,
    last_seen       BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS relay_device_clinic ON relay_device (clinic_id);
CREATE TABLE IF NOT EXISTS relay_invite (
    code_hash       BYTEA PRIMARY KEY,
    clinic_id       TEXT    NOT NULL REFERENCES relay_clinic (id),
    expires_at      BIGINT  NOT NULL,
    used_by         TEXT
);
CREATE TABLE IF NOT EXISTS relay_stream (
    clinic_id       TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    head            BIGINT  NOT NULL,
    checksum        TEXT    NOT NULL,
    PRIMARY KEY (clinic_id, device_id)
);
CREATE TABLE IF NOT EXISTS relay_record (
    clinic_id       TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    idx             BIGINT  NOT NULL,
    nonce           BYTEA   NOT NULL,
    ciphertext      BYTEA   NOT NULL,
    stored_at       BIGINT  NOT NULL,
    PRIMARY KEY (clinic_id, device_id, idx)
);
ALTER TABLE relay_stream ADD COLUMN IF NOT EXISTS revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE relay_clinic ADD COLUMN IF NOT EXISTS file_quota BIGINT;
ALTER TABLE relay_device ADD COLUMN IF NOT EXISTS file_refused_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE relay_clinic ADD COLUMN IF NOT EXISTS recovery_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE relay_clinic ADD COLUMN IF NOT EXISTS recovery_sealed_salt BYTEA;
ALTER TABLE relay_clinic ADD COLUMN IF NOT EXISTS move_notice BYTEA;
ALTER TABLE relay_clinic ADD COLUMN IF NOT EXISTS key_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE relay_clinic ADD COLUMN IF NOT EXISTS key_ring BYTEA;
ALTER TABLE relay_device ADD COLUMN IF NOT EXISTS box_key BYTEA;
ALTER TABLE relay_device ADD COLUMN IF NOT EXISTS clock_offset BIGINT;
CREATE TABLE IF NOT EXISTS relay_key_share (
    clinic_id       TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    sealed          BYTEA   NOT NULL,
    PRIMARY KEY (clinic_id, device_id)
);
";

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

pub struct PostgresStorage {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStorage").finish_non_exhaustive()
    }
}

impl From<postgres::Error> for StorageError {
    fn from(e: postgres::Error) -> Self {
        // The server's own disk full (SQLSTATE 53100): a full relay, not a broken one.
        if e.code() == Some(&postgres::error::SqlState::DISK_FULL) {
            return StorageError::Full(e.to_string());
        }
        StorageError::Backend(e.to_string())
    }
}

impl From<r2d2::Error> for StorageError {
    fn from(e: r2d2::Error) -> Self {
        StorageError::Backend(format!("no database connection: {e}"))
    }
}

impl PostgresStorage {
    /// Connects to `url` (postgres://user:password@host:port/database) and creates the relay's
    /// tables if they are missing. Several relays may start at once on one database.
    pub fn open(url: &str) -> StorageResult<Self> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e| StorageError::Backend(format!("{url}: {e}")))?;
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(manager)?;
        let mut conn = pool.get()?;
        // Two relays creating the tables at once would race on the catalog: serialise them.
        let mut tx = conn.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock(727361)", &[])?;
        tx.batch_execute(SCHEMA)?;
        tx.commit()?;
        Ok(Self { pool })
    }
}

/// Each clinic with its counts, oldest first (see [`ClinicUsage`]).
const CLINIC_USAGE: &str = "
SELECT c.id AS clinic_id, c.created_at,
    (SELECT count(*) FROM relay_device d WHERE d.clinic_id = c.id AND d.status = 'active'),
    (SELECT count(*) FROM relay_device d WHERE d.clinic_id = c.id AND d.status = 'pending'),
    (SELECT count(*) FROM relay_device d WHERE d.clinic_id = c.id AND d.status = 'revoked'),
    (SELECT count(*) FROM relay_record r WHERE r.clinic_id = c.id),
    (SELECT coalesce(sum(octet_length(r.nonce) + octet_length(r.ciphertext)), 0)::BIGINT
        FROM relay_record r WHERE r.clinic_id = c.id),
    (SELECT coalesce(max(d.last_seen), 0) FROM relay_device d WHERE d.clinic_id = c.id),
    c.file_quota,
    (SELECT count(*) FROM relay_device d WHERE d.clinic_id = c.id AND d.status = 'carried'),
    c.move_notice IS NOT NULL
FROM relay_clinic c ORDER BY c.created_at, c.id";

fn clinic_usage(row: &postgres::Row) -> ClinicUsage {
    // count(*) is BIGINT, never negative.
    let count = |i: usize| row.get::<_, i64>(i).max(0) as u64;
    ClinicUsage {
        clinic_id: row.get(0),
        created_at_ms: row.get(1),
        devices_active: count(2),
        devices_pending: count(3),
        devices_revoked: count(4),
        records: count(5),
        record_bytes: count(6),
        last_seen_ms: row.get(7),
        file_quota: quota_from_column(row.get(8)),
        devices_carried: count(9),
        moved_away: row.get(10),
    }
}

impl Storage for PostgresStorage {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn clinics(&self) -> StorageResult<Vec<ClinicUsage>> {
        let mut conn = self.pool.get()?;
        Ok(conn
            .query(CLINIC_USAGE, &[])?
            .iter()
            .map(clinic_usage)
            .collect())
    }

    fn forget_clinic(&self, clinic_id: &str) -> StorageResult<Option<ClinicUsage>> {
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction()?;
        // The clinic's lock, as its registration and pushes take it: no push lands midway.
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&clinic_id])?;
        let usage = tx
            .query_opt(
                &format!("SELECT * FROM ({CLINIC_USAGE}) AS usage WHERE clinic_id = $1"),
                &[&clinic_id],
            )?
            .as_ref()
            .map(clinic_usage);
        if usage.is_some() {
            for table in [
                "relay_record",
                "relay_stream",
                "relay_invite",
                "relay_device",
                "relay_key_share",
            ] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE clinic_id = $1"),
                    &[&clinic_id],
                )?;
            }
            tx.execute("DELETE FROM relay_clinic WHERE id = $1", &[&clinic_id])?;
        }
        tx.commit()?;
        Ok(usage)
    }

    fn set_file_quota(&self, clinic_id: &str, quota: Option<u64>) -> StorageResult<bool> {
        let quota = quota_to_column(quota);
        let changed = self.pool.get()?.execute(
            "UPDATE relay_clinic SET file_quota = $2 WHERE id = $1",
            &[&clinic_id, &quota],
        )?;
        Ok(changed == 1)
    }

    fn file_quota(&self, clinic_id: &str) -> StorageResult<Option<u64>> {
        let row = self.pool.get()?.query_opt(
            "SELECT file_quota FROM relay_clinic WHERE id = $1",
            &[&clinic_id],
        )?;
        Ok(quota_from_column(row.and_then(|r| r.get(0))))
    }

    fn register(
        &self,
        clinic_id: &str,
        device_id: &str,
        secret_hash: [u8; 32],
        recovery_hash: [u8; 32],
    ) -> StorageResult<()> {
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&clinic_id])?;
        if let Some(row) = tx.query_opt(
            "SELECT clinic_id, secret_hash FROM relay_device WHERE id = $1",
            &[&device_id],
        )? {
            let (clinic, hash): (String, Vec<u8>) = (row.get(0), row.get(1));
            return if clinic == clinic_id && hash == secret_hash {
                Ok(())
            } else {
                Err(StorageError::AlreadyRegistered)
            };
        }
        if tx
            .query_opt("SELECT 1 FROM relay_clinic WHERE id = $1", &[&clinic_id])?
            .is_some()
        {
            return Err(StorageError::AlreadyRegistered);
        }
        tx.execute(
            "INSERT INTO relay_clinic (id, recovery_hash, created_at) VALUES ($1, $2, $3)",
            &[&clinic_id, &&recovery_hash[..], &now_ms()],
        )?;
        tx.execute(
            "INSERT INTO relay_device (id, clinic_id, secret_hash, status, created_at)
             VALUES ($1, $2, $3, 'active', $4)",
            &[&device_id, &clinic_id, &&secret_hash[..], &now_ms()],
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
        let mut conn = self.pool.get()?;
        let renewed = conn.execute(
            "UPDATE relay_clinic SET recovery_hash = $3, recovery_sealed_salt = $4,
                 recovery_version = recovery_version + 1
             WHERE id = $1 AND recovery_version = $2",
            &[&clinic_id, &expected_version, &&new_hash[..], &sealed_salt],
        )?;
        if renewed == 0 {
            return Err(recovery_renewed_elsewhere());
        }
        Ok(())
    }

    fn recovery_state(&self, clinic_id: &str) -> StorageResult<(i64, Option<Vec<u8>>)> {
        let mut conn = self.pool.get()?;
        let row = conn
            .query_opt(
                "SELECT recovery_version, recovery_sealed_salt FROM relay_clinic WHERE id = $1",
                &[&clinic_id],
            )?
            .ok_or_else(|| StorageError::NotFound("no such clinic".into()))?;
        Ok((row.get(0), row.get(1)))
    }

    fn clinic_keys(&self, clinic_id: &str, device_id: &str) -> StorageResult<KeyState> {
        let mut conn = self.pool.get()?;
        let row = conn
            .query_opt(
                "SELECT key_epoch, key_ring FROM relay_clinic WHERE id = $1",
                &[&clinic_id],
            )?
            .ok_or_else(|| StorageError::NotFound("no such clinic".into()))?;
        let epoch: i64 = row.get(0);
        let share = conn
            .query_opt(
                "SELECT sealed FROM relay_key_share WHERE clinic_id = $1 AND device_id = $2",
                &[&clinic_id, &device_id],
            )?
            .map(|r| r.get(0));
        let box_keys = conn
            .query(
                "SELECT d.id, d.box_key, EXISTS (SELECT 1 FROM relay_key_share s
                     WHERE s.clinic_id = d.clinic_id AND s.device_id = d.id)
                 FROM relay_device d
                 WHERE d.clinic_id = $1 AND d.status = 'active' AND d.box_key IS NOT NULL
                 ORDER BY d.id",
                &[&clinic_id],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        Ok(KeyState {
            epoch: u32::try_from(epoch)
                .map_err(|_| StorageError::Backend(format!("key epoch {epoch} out of range")))?,
            ring: row.get(1),
            share,
            box_keys,
        })
    }

    fn key_summary(&self, clinic_id: &str) -> StorageResult<(u32, bool)> {
        let mut conn = self.pool.get()?;
        let Some(row) = conn.query_opt(
            "SELECT c.key_epoch, c.key_epoch > 0 AND EXISTS (SELECT 1 FROM relay_device d
                 WHERE d.clinic_id = c.id AND d.status = 'active' AND d.box_key IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM relay_key_share s
                       WHERE s.clinic_id = c.id AND s.device_id = d.id))
             FROM relay_clinic c WHERE c.id = $1",
            &[&clinic_id],
        )?
        else {
            return Ok((0, false));
        };
        let epoch: i64 = row.get(0);
        let epoch = u32::try_from(epoch)
            .map_err(|_| StorageError::Backend(format!("key epoch {epoch} out of range")))?;
        Ok((epoch, row.get(1)))
    }

    fn report_clock(&self, clinic_id: &str, device_id: &str, offset_ms: i64) -> StorageResult<()> {
        self.pool.get()?.execute(
            "UPDATE relay_device SET clock_offset = $3 WHERE clinic_id = $1 AND id = $2",
            &[&clinic_id, &device_id, &offset_ms],
        )?;
        Ok(())
    }

    fn announce_box_key(
        &self,
        clinic_id: &str,
        device_id: &str,
        sealed: &[u8],
    ) -> StorageResult<()> {
        self.pool.get()?.execute(
            "UPDATE relay_device SET box_key = $3 WHERE clinic_id = $1 AND id = $2",
            &[&clinic_id, &device_id, &sealed],
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
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction()?;
        // The clinic row's lock: two renewals on two relay processes are ordered.
        let current: i64 = tx
            .query_opt(
                "SELECT key_epoch FROM relay_clinic WHERE id = $1 FOR UPDATE",
                &[&clinic_id],
            )?
            .ok_or_else(|| StorageError::NotFound("no such clinic".into()))?
            .get(0);
        let current = u32::try_from(current)
            .map_err(|_| StorageError::Backend(format!("key epoch {current} out of range")))?;
        if plan_share_keys(current, epoch)? == SharePlan::Renew {
            tx.execute(
                "UPDATE relay_clinic SET key_epoch = $2, key_ring = $3 WHERE id = $1",
                &[&clinic_id, &i64::from(epoch), &ring],
            )?;
            tx.execute(
                "DELETE FROM relay_key_share WHERE clinic_id = $1",
                &[&clinic_id],
            )?;
        }
        for (device_id, sealed) in shares {
            tx.execute(
                "INSERT INTO relay_key_share (clinic_id, device_id, sealed) VALUES ($1, $2, $3)
                 ON CONFLICT (clinic_id, device_id) DO UPDATE SET sealed = excluded.sealed",
                &[&clinic_id, device_id, sealed],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn set_move_notice(&self, clinic_id: &str, sealed: Option<&[u8]>) -> StorageResult<()> {
        let mut conn = self.pool.get()?;
        conn.execute(
            "UPDATE relay_clinic SET move_notice = $2 WHERE id = $1",
            &[&clinic_id, &sealed],
        )?;
        Ok(())
    }

    fn move_notice(&self, clinic_id: &str) -> StorageResult<Option<Vec<u8>>> {
        let mut conn = self.pool.get()?;
        Ok(conn
            .query_opt(
                "SELECT move_notice FROM relay_clinic WHERE id = $1",
                &[&clinic_id],
            )?
            .and_then(|r| r.get(0)))
    }

    fn recover(
        &self,
        clinic_id: &str,
        recovery_hash: [u8; 32],
        device_id: &str,
        secret_hash: [u8; 32],
    ) -> StorageResult<()> {
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction()?;
        let stored: Option<Vec<u8>> = tx
            .query_opt(
                "SELECT recovery_hash FROM relay_clinic WHERE id = $1",
                &[&clinic_id],
            )?
            .map(|r| r.get(0));
        if stored.as_deref() != Some(&recovery_hash[..]) {
            return Err(StorageError::NotFound(
                "no clinic with this id and recovery key at this relay: check the recovery key"
                    .into(),
            ));
        }
        let known = tx
            .query_opt(
                "SELECT clinic_id, secret_hash, status FROM relay_device WHERE id = $1 FOR UPDATE",
                &[&device_id],
            )?
            .map(|r| {
                let status: String = r.get(2);
                (
                    r.get::<_, String>(0),
                    secret_hash_of(&r.get::<_, Vec<u8>>(1)),
                    DeviceStatus::parse(&status),
                )
            });
        match plan_recover(known, clinic_id, device_id, secret_hash)? {
            RecoverPlan::Insert => {
                let inserted = tx.execute(
                    "INSERT INTO relay_device (id, clinic_id, secret_hash, status, name, created_at)
                     VALUES ($1, $2, $3, 'active', 'recovered', $4) ON CONFLICT (id) DO NOTHING",
                    &[&device_id, &clinic_id, &&secret_hash[..], &now_ms()],
                )?;
                if inserted == 0 {
                    // Another relay process added it between the read and the insert.
                    return Err(StorageError::Conflict(format!(
                        "device {device_id} is already known"
                    )));
                }
            }
            RecoverPlan::Activate => {
                tx.execute(
                    "UPDATE relay_device SET secret_hash = $3, status = 'active'
                     WHERE id = $1 AND clinic_id = $2",
                    &[&device_id, &clinic_id, &&secret_hash[..]],
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
        let mut conn = self.pool.get()?;
        conn.execute(
            "INSERT INTO relay_invite (code_hash, clinic_id, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (code_hash) DO UPDATE SET clinic_id = excluded.clinic_id,
                 expires_at = excluded.expires_at, used_by = NULL",
            &[&&code_hash[..], &clinic_id, &expires_at_ms],
        )?;
        Ok(())
    }

    fn enroll(
        &self,
        code_hash: [u8; 32],
        now: i64,
        device: NewDevice<'_>,
    ) -> StorageResult<String> {
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction()?;
        let clinic: Option<String> = tx
            .query_opt(
                "SELECT clinic_id FROM relay_invite
                 WHERE code_hash = $1 AND used_by IS NULL AND expires_at > $2 FOR UPDATE",
                &[&&code_hash[..], &now],
            )?
            .map(|r| r.get(0));
        let Some(clinic) = clinic else {
            return Err(StorageError::BadCode);
        };
        // A device known only by a carried log takes a credential by code (see the SQLite
        // backend); any other known device is refused.
        let recorded = tx.execute(
            "INSERT INTO relay_device (id, clinic_id, secret_hash, status, name, public_key, created_at)
             VALUES ($1, $2, $3, 'pending', $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET secret_hash = excluded.secret_hash,
                 status = 'pending', name = excluded.name, public_key = excluded.public_key,
                 created_at = excluded.created_at
             WHERE relay_device.status = 'carried' AND relay_device.clinic_id = excluded.clinic_id",
            &[
                &device.device_id,
                &clinic,
                &&device.secret_hash[..],
                &device.name,
                &device.public_key,
                &now,
            ],
        )?;
        if recorded == 0 {
            return Err(StorageError::Conflict(format!(
                "device {} is already known",
                device.device_id
            )));
        }
        tx.execute(
            "UPDATE relay_invite SET used_by = $2 WHERE code_hash = $1",
            &[&&code_hash[..], &device.device_id],
        )?;
        tx.commit()?;
        Ok(clinic)
    }

    fn pending(&self, clinic_id: &str) -> StorageResult<Vec<PendingRow>> {
        let mut conn = self.pool.get()?;
        Ok(conn
            .query(
                "SELECT id, name, COALESCE(public_key, ''::bytea), created_at FROM relay_device
                 WHERE clinic_id = $1 AND status = 'pending' ORDER BY created_at",
                &[&clinic_id],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect())
    }

    fn approve(&self, clinic_id: &str, device_id: &str, sealed: &[u8]) -> StorageResult<()> {
        let mut conn = self.pool.get()?;
        let updated = conn.execute(
            "UPDATE relay_device SET status = 'active', sealed = $3
             WHERE id = $1 AND clinic_id = $2 AND status = 'pending'",
            &[&device_id, &clinic_id, &sealed],
        )?;
        if updated == 0 {
            return Err(StorageError::NotFound(format!(
                "no pending request from device {device_id} in this clinic"
            )));
        }
        Ok(())
    }

    fn sealed_for(&self, device_id: &str) -> StorageResult<Option<Vec<u8>>> {
        let mut conn = self.pool.get()?;
        Ok(conn
            .query_opt(
                "SELECT sealed FROM relay_device WHERE id = $1 AND status = 'active'",
                &[&device_id],
            )?
            .and_then(|r| r.get::<_, Option<Vec<u8>>>(0)))
    }

    fn revoke_device(&self, clinic_id: &str, device_id: &str) -> StorageResult<bool> {
        let mut conn = self.pool.get()?;
        Ok(conn.execute(
            "INSERT INTO relay_device (id, clinic_id, secret_hash, status, name, created_at)
             VALUES ($1, $2, $3, 'revoked', 'revoked', $4)
             ON CONFLICT (id) DO UPDATE SET status = 'revoked'
             WHERE relay_device.clinic_id = excluded.clinic_id",
            &[&device_id, &clinic_id, &&NO_SECRET[..], &now_ms()],
        )? > 0)
    }

    fn device(&self, device_id: &str) -> StorageResult<Option<DeviceRow>> {
        let mut conn = self.pool.get()?;
        Ok(conn
            .query_opt(
                "SELECT id, clinic_id, secret_hash, status FROM relay_device WHERE id = $1",
                &[&device_id],
            )?
            .map(|r| DeviceRow {
                device_id: r.get(0),
                clinic_id: r.get(1),
                secret_hash: secret_hash_of(&r.get::<_, Vec<u8>>(2)),
                status: DeviceStatus::parse(r.get(3)),
            }))
    }

    fn touch(&self, device_id: &str, now: i64) -> StorageResult<()> {
        let mut conn = self.pool.get()?;
        conn.execute(
            "UPDATE relay_device SET last_seen = $2 WHERE id = $1",
            &[&device_id, &now],
        )?;
        Ok(())
    }

    fn note_file_refused(&self, device_id: &str, now: i64) -> StorageResult<()> {
        self.pool.get()?.execute(
            "UPDATE relay_device SET file_refused_at = $2 WHERE id = $1",
            &[&device_id, &now],
        )?;
        Ok(())
    }

    fn heads(&self, clinic_id: &str) -> StorageResult<Vec<DeviceHead>> {
        let mut conn = self.pool.get()?;
        Ok(conn
            .query(
                "SELECT d.id, COALESCE(s.head, 0), COALESCE(s.checksum, $2), d.last_seen,
                        d.status = 'revoked', COALESCE(s.revision, 0), d.file_refused_at,
                        d.clock_offset
                 FROM relay_device d LEFT JOIN relay_stream s
                   ON s.clinic_id = d.clinic_id AND s.device_id = d.id
                 WHERE d.clinic_id = $1 AND d.status <> 'pending'
                 ORDER BY d.id",
                &[&clinic_id, &empty_checksum()],
            )?
            .iter()
            .map(|r| DeviceHead {
                device_id: r.get(0),
                head: r.get(1),
                checksum: r.get(2),
                last_seen_ms: r.get(3),
                revoked: r.get(4),
                revision: r.get(5),
                file_refused_ms: r.get(6),
                clock_offset_ms: r.get(7),
            })
            .collect())
    }

    fn ensure_carried(&self, clinic_id: &str, device_id: &str) -> StorageResult<()> {
        let mut conn = self.pool.get()?;
        let known = |conn: &mut postgres::Client| -> StorageResult<_> {
            Ok(conn
                .query_opt(
                    "SELECT clinic_id, status FROM relay_device WHERE id = $1",
                    &[&device_id],
                )?
                .map(|r| {
                    let status: String = r.get(1);
                    (r.get::<_, String>(0), DeviceStatus::parse(&status))
                }))
        };
        if plan_carry(known(&mut conn)?, clinic_id, device_id)? {
            conn.execute(
                "INSERT INTO relay_device (id, clinic_id, secret_hash, status, name, created_at)
                 VALUES ($1, $2, $3, 'carried', 'carried', $4) ON CONFLICT (id) DO NOTHING",
                &[&device_id, &clinic_id, &&NO_SECRET[..], &now_ms()],
            )?;
            // Another relay process may have recorded the device in between: what is there now
            // must still be a device of this clinic.
            plan_carry(known(&mut conn)?, clinic_id, device_id)?;
        }
        Ok(())
    }

    fn push(
        &self,
        clinic_id: &str,
        device_id: &str,
        records: &[Record],
    ) -> StorageResult<(i64, String)> {
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction()?;
        // The stream row is the lock that serialises pushes of one device across relays.
        tx.execute(
            "INSERT INTO relay_stream (clinic_id, device_id, head, checksum) VALUES ($1, $2, 0, $3)
             ON CONFLICT (clinic_id, device_id) DO NOTHING",
            &[&clinic_id, &device_id, &empty_checksum()],
        )?;
        let row = tx.query_one(
            "SELECT head, checksum FROM relay_stream WHERE clinic_id = $1 AND device_id = $2 FOR UPDATE",
            &[&clinic_id, &device_id],
        )?;
        let (head, mut checksum): (i64, String) = (row.get(0), row.get(1));
        let mut stored_lookup = Vec::new();
        for record in records.iter().filter(|r| r.idx <= head) {
            let found = tx
                .query_opt(
                    "SELECT nonce, ciphertext FROM relay_record
                     WHERE clinic_id = $1 AND device_id = $2 AND idx = $3",
                    &[&clinic_id, &device_id, &record.idx],
                )?
                .map(|r| (r.get::<_, Vec<u8>>(0), r.get::<_, Vec<u8>>(1)));
            stored_lookup.push((record.idx, found));
        }
        let fresh = plan_push(head, records, device_id, |idx| {
            Ok(stored_lookup
                .iter()
                .find(|(i, _)| *i == idx)
                .and_then(|(_, f)| f.clone()))
        })?;
        let mut new_head = head;
        let now = now_ms();
        let insert = tx.prepare(
            "INSERT INTO relay_record (clinic_id, device_id, idx, nonce, ciphertext, stored_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )?;
        for record in fresh {
            tx.execute(
                &insert,
                &[
                    &clinic_id,
                    &device_id,
                    &record.idx,
                    &record.nonce.0,
                    &record.ciphertext.0,
                    &now,
                ],
            )?;
            checksum = next_checksum(&checksum, record);
            new_head = record.idx;
        }
        if new_head != head {
            tx.execute(
                "UPDATE relay_stream SET head = $3, checksum = $4 WHERE clinic_id = $1 AND device_id = $2",
                &[&clinic_id, &device_id, &new_head, &checksum],
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
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction()?;
        // The stream row's lock serialises a rewrite with the device's pushes on every relay.
        let Some(row) = tx.query_opt(
            "SELECT head, checksum, revision FROM relay_stream
             WHERE clinic_id = $1 AND device_id = $2 FOR UPDATE",
            &[&clinic_id, &device_id],
        )?
        else {
            check_rewrite(0, records, device_id)?;
            return Ok(RewriteResponse {
                head: 0,
                checksum: empty_checksum(),
                revision: 0,
                replaced: 0,
            });
        };
        let (head, checksum, revision): (i64, String, i64) = (row.get(0), row.get(1), row.get(2));
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
        // A record sealed again to the very same bytes (another PC redacted it first) is left
        // as it is.
        let replace = tx.prepare(
            "UPDATE relay_record SET nonce = $4, ciphertext = $5, stored_at = $6
             WHERE clinic_id = $1 AND device_id = $2 AND idx = $3
               AND (nonce <> $4 OR ciphertext <> $5)",
        )?;
        let now = now_ms();
        let mut replaced = 0;
        for record in records {
            replaced += tx.execute(
                &replace,
                &[
                    &clinic_id,
                    &device_id,
                    &record.idx,
                    &record.nonce.0,
                    &record.ciphertext.0,
                    &now,
                ],
            )?;
        }
        if replaced == 0 {
            return Ok(unchanged);
        }
        // Row by row (a stream can hold years of records): memory stays at one record.
        let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&clinic_id, &device_id];
        let rows = tx.query_raw(
            "SELECT idx, nonce, ciphertext FROM relay_record
             WHERE clinic_id = $1 AND device_id = $2 ORDER BY idx",
            params,
        )?;
        let checksum = stream_checksum(
            device_id,
            head,
            rows.iterator().map(|row| {
                row.map(|r| (r.get(0), r.get(1), r.get(2)))
                    .map_err(StorageError::from)
            }),
        )?;
        tx.execute(
            "UPDATE relay_stream SET checksum = $3, revision = revision + 1
             WHERE clinic_id = $1 AND device_id = $2",
            &[&clinic_id, &device_id, &checksum],
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
        let mut conn = self.pool.get()?;
        let head: i64 = conn
            .query_opt(
                "SELECT head FROM relay_stream WHERE clinic_id = $1 AND device_id = $2",
                &[&clinic_id, &device_id],
            )?
            .map_or(0, |r| r.get(0));
        let rows = conn.query(
            "SELECT idx, nonce, ciphertext FROM relay_record
             WHERE clinic_id = $1 AND device_id = $2 AND idx > $3 ORDER BY idx LIMIT $4",
            &[&clinic_id, &device_id, &after, &i64::from(limit)],
        )?;
        let mut records = Vec::new();
        let mut bytes = 0;
        for r in rows {
            let record = Record {
                device_id: device_id.to_string(),
                idx: r.get(0),
                nonce: Bytes(r.get(1)),
                ciphertext: Bytes(r.get(2)),
            };
            bytes += record.size();
            records.push(record);
            if bytes > crate::sqlite::PAGE_BYTES {
                break;
            }
        }
        Ok((records, head))
    }
}
