//! Chairside's encrypted local store.
//!
//! * [`Store`] opens a SQLCipher database in a data directory, with its key from the OS keyring
//!   or from a passphrase ([`key`]), and brings its schema up to date ([`migrate`]).
//! * [`Writer`] is the only way to change synced data: every field write is stamped with a hybrid
//!   logical clock and the device id and recorded as a change set in the same transaction
//!   ([`changes`]); [`Store::apply_change_set`] merges a set from another device.
//! * [`audit`] keeps the hash-chained audit log; [`backup`] makes and restores encrypted backups.
//!
//! Durability: WAL journal with `synchronous = FULL`. In WAL mode SQLite's default NORMAL only
//! syncs at checkpoints, so the last transactions before a power cut can vanish even though they
//! were acknowledged; FULL syncs the WAL on every commit, so an acknowledged write survives.

pub mod agenda;
pub mod audit;
pub mod backup;
pub mod blobs;
pub mod changes;
pub mod chart;
pub mod clinic;
pub mod conflicts;
pub mod consents;
pub mod devices;
pub mod duplicates;
pub mod erasure;
pub mod error;
pub mod frame_cache;
mod fsutil;
pub mod images;
pub mod key;
pub mod medical;
pub mod merged;
pub mod migrate;
mod pair_decision;
pub mod patients;
pub mod schema;
pub mod sync_state;
pub mod timeline;
pub mod users;

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use chairside_domain::{DeviceId, Hlc, HybridClock};
use rusqlite::{OpenFlags, OptionalExtension, params};

pub use changes::{ChangeSet, FieldChange, MergeOutcome, Writer};
pub use error::{Result, StoreError};
pub use fsutil::write_atomically;
pub use key::{DatabaseKey, KdfParams, KeyFile, KeyStorage, OsKeyring};
pub use rusqlite::Connection;
pub use rusqlite::types::Value;

pub const DATABASE_FILE_NAME: &str = "chairside.db";
const LOCK_FILE_NAME: &str = "chairside.lock";
const SQLITE_PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";
/// `PRAGMA application_id`: "CHSD". Set by the first migration; any other value means the file
/// is some other application's database.
pub const APPLICATION_ID: i32 = 0x4348_5344;

/// `PRAGMA cache_size` of every connection: negative means KiB, so 64 MiB.
pub const CACHE_SIZE_PRAGMA: i64 = -64 * 1024;

/// How to get the key of an existing database.
#[derive(Debug)]
pub enum Unlock<'a> {
    /// Whatever the key file says: the OS keyring, or this passphrase if the key is wrapped.
    Auto { passphrase: Option<&'a str> },
    /// A key already in hand (a restore, a test).
    Key(DatabaseKey),
}

/// Where a new database keeps its key.
#[derive(Debug)]
pub enum NewKey<'a> {
    Keyring,
    Passphrase {
        passphrase: &'a str,
        params: KdfParams,
    },
}

/// An open, unlocked Chairside database.
pub struct Store {
    conn: Connection,
    dir: PathBuf,
    key_file: KeyFile,
    key: DatabaseKey,
    device_id: DeviceId,
    clock: HybridClock,
    /// Shared lock on `chairside.lock`, held while the store is open, so that a restore (which
    /// takes it exclusively) never swaps the file under a running app.
    _lock: DirLock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

impl Store {
    pub fn database_path(dir: &Path) -> PathBuf {
        dir.join(DATABASE_FILE_NAME)
    }

    /// Whether `dir` holds a Chairside database (its key file is the marker).
    pub fn exists(dir: &Path) -> bool {
        dir.join(key::KEY_FILE_NAME).exists()
    }

    /// Reads the key file: tells whether a passphrase will be needed, without any secret.
    pub fn key_file(dir: &Path) -> Result<KeyFile> {
        KeyFile::read(dir)
    }

    /// Creates a new, empty database in `dir` with a fresh random key.
    pub fn create(dir: &Path, new_key: NewKey<'_>, device_name: &str) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        if Self::exists(dir) {
            return Err(StoreError::AlreadyInitialised(dir.to_path_buf()));
        }
        set_private_permissions(dir);
        let lock = take_lock(dir, LockKind::Exclusive)?;
        let db_path = Self::database_path(dir);
        if db_path.exists() {
            // A database without a key file is a setup that crashed before it finished: nobody
            // could ever open it. Keep it aside rather than delete anything.
            let aside = dir.join(format!("{DATABASE_FILE_NAME}.incomplete-{}", now_ms()));
            std::fs::rename(&db_path, aside)?;
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.join(format!("{DATABASE_FILE_NAME}{suffix}")));
            }
        }
        let database_id = uuid_v7_string();
        let key = DatabaseKey::random();
        let key_file = match new_key {
            NewKey::Keyring => {
                OsKeyring::store(&database_id, &key)?;
                KeyFile::keyring(&database_id)
            }
            NewKey::Passphrase { passphrase, params } => {
                KeyFile::wrap_with_passphrase(&database_id, &key, passphrase, params)?
            }
        };
        let conn = connect(&db_path, &key, true)?;
        migrate::run(&conn, &db_path, true)?;
        let device_id = DeviceId::new();
        conn.execute_batch("BEGIN IMMEDIATE")?;
        for (k, v) in [
            ("database_id", database_id.as_str()),
            ("device_id", &device_id.to_string()),
            ("device_name", device_name),
            ("hlc_last", "0"),
        ] {
            conn.execute(
                "INSERT INTO local_meta (key, value) VALUES (?1, ?2)",
                params![k, v],
            )?;
        }
        conn.execute_batch("COMMIT")?;
        // The key file is written last: its presence is what marks the setup as complete.
        key_file.write(dir)?;
        lock.downgrade_to_shared()?;
        Ok(Store {
            conn,
            dir: dir.to_path_buf(),
            key_file,
            key,
            device_id,
            clock: HybridClock::default(),
            _lock: lock,
        })
    }

    /// Opens and unlocks the database in `dir`, migrating it forward if needed.
    pub fn open(dir: &Path, unlock: Unlock<'_>) -> Result<Store> {
        let key_file = KeyFile::read(dir)?;
        let key = match unlock {
            Unlock::Key(key) => key,
            Unlock::Auto { passphrase } => match key_file.storage {
                KeyStorage::Keyring => OsKeyring::load(&key_file.database_id)?,
                KeyStorage::Passphrase => key_file
                    .unwrap_with_passphrase(passphrase.ok_or(StoreError::PassphraseRequired)?)?,
            },
        };
        let lock = take_lock(dir, LockKind::Shared)?;
        let db_path = Self::database_path(dir);
        if !db_path.exists() {
            return Err(StoreError::NotChairsideDatabase {
                path: db_path,
                reason: "the database file is missing although its key file is there".into(),
            });
        }
        let conn = connect(&db_path, &key, false)?;
        let stored_id: Option<String> = conn
            .query_row(
                "SELECT value FROM local_meta WHERE key = 'database_id'",
                [],
                |r| r.get(0),
            )
            .optional()
            .unwrap_or(None);
        migrate::run(&conn, &db_path, false)?;
        if stored_id
            .as_deref()
            .is_some_and(|id| id != key_file.database_id)
        {
            return Err(StoreError::NotChairsideDatabase {
                path: db_path,
                reason: "its key file belongs to another database".into(),
            });
        }
        let device_id: String = conn.query_row(
            "SELECT value FROM local_meta WHERE key = 'device_id'",
            [],
            |r| r.get(0),
        )?;
        let device_id = device_id.parse().map_err(|_| {
            StoreError::Integrity("the device id in local_meta is not a UUID".into())
        })?;
        let hlc_last: String = conn.query_row(
            "SELECT value FROM local_meta WHERE key = 'hlc_last'",
            [],
            |r| r.get(0),
        )?;
        let clock = HybridClock::resume(Hlc::from_i64(hlc_last.parse().unwrap_or(0)));
        Ok(Store {
            conn,
            dir: dir.to_path_buf(),
            key_file,
            key,
            device_id,
            clock,
            _lock: lock,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn key_storage(&self) -> KeyStorage {
        self.key_file.storage
    }

    pub fn database_id(&self) -> &str {
        &self.key_file.database_id
    }

    pub fn device_id(&self) -> DeviceId {
        self.device_id
    }

    pub fn device_name(&self) -> Result<String> {
        Ok(self.conn.query_row(
            "SELECT value FROM local_meta WHERE key = 'device_name'",
            [],
            |r| r.get(0),
        )?)
    }

    /// A second, independent connection to the same database, for work that must not wait for
    /// this one (the app's background sync runs on its own connection while the UI keeps
    /// reading and writing on the first). Both see each other's commits.
    pub fn open_another_connection(&self) -> Result<Store> {
        Store::open(&self.dir, Unlock::Key(self.key.clone()))
    }

    /// Deletes this store for good: its key (the key file, and the keyring entry when the key is
    /// kept there) and its database files. For a PC whose join is abandoned before the clinic
    /// arrived: what it held is at the relay. Fails with [`StoreError::InUse`], deleting
    /// nothing, while another connection to the store is open (the background sync's must be
    /// closed first). The key file goes first: a crash part-way leaves a database nobody can
    /// open, which the next setup sets aside.
    pub fn discard(self) -> Result<()> {
        // Exclusive on our own handle, with no gap in which another connection could open.
        self._lock.upgrade_to_exclusive()?;
        let Store {
            conn,
            dir,
            key_file,
            _lock: exclusive,
            ..
        } = self;
        drop(conn);
        std::fs::remove_file(dir.join(key::KEY_FILE_NAME))?;
        if key_file.storage == KeyStorage::Keyring {
            // Best effort: an entry left behind unlocks nothing any more.
            let _ = OsKeyring::delete(&key_file.database_id);
        }
        for suffix in ["", "-wal", "-shm"] {
            match std::fs::remove_file(dir.join(format!("{DATABASE_FILE_NAME}{suffix}"))) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        drop(exclusive);
        Ok(())
    }

    /// Fails with [`StoreError::InUse`] while another connection to this store is open (in this
    /// process or another): checked before [`Store::discard`], which would otherwise close this
    /// one for nothing.
    pub fn ensure_sole_connection(&self) -> Result<()> {
        self._lock.upgrade_to_exclusive()?;
        self._lock.downgrade_to_shared()
    }

    /// The connection, for reads. Writes to synced tables go through [`Store::write`].
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one IMMEDIATE transaction; its field writes and audit entries become one
    /// change set. Nothing is written if `f` fails. Returns once the commit is durable.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        changes::write(&mut self.conn, self.device_id, &mut self.clock, f)
    }

    /// A local setting of this data directory (never synced): the relay URL, sync secrets.
    pub fn local_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM local_meta WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a local setting (see [`Store::local_setting`]). The store's own keys (device id,
    /// clock, counters) cannot be set this way.
    pub fn set_local_setting(&self, key: &str, value: &str) -> Result<()> {
        const RESERVED: &[&str] = &[
            "device_id",
            "database_id",
            "hlc_last",
            "audit_head",
            "patient_counter",
            "device_name",
            erasure::COMPACTION_DUE,
        ];
        if RESERVED.contains(&key) {
            return Err(StoreError::InvalidChange(format!(
                "{key} is managed by the store itself"
            )));
        }
        self.conn.execute(
            "INSERT INTO local_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Merges a change set from another device: deterministic and idempotent.
    pub fn apply_change_set(&mut self, set: &ChangeSet) -> Result<MergeOutcome> {
        changes::apply(&mut self.conn, &mut self.clock, set)
    }

    /// Merges consecutive change sets in one transaction and runs `also` in it (to record how
    /// far a stream was read, atomically with the data). All or nothing.
    pub fn apply_change_sets(
        &mut self,
        sets: &[ChangeSet],
        also: impl FnOnce(&Connection) -> Result<()>,
    ) -> Result<MergeOutcome> {
        let mut outcome = MergeOutcome::default();
        changes::apply_batch(&mut self.conn, &mut self.clock, sets, also, &mut outcome)?;
        Ok(outcome)
    }

    /// After an erasure: merges the search index's segments, so that the erased phones and file
    /// tokens are dropped rather than only marked deleted, and checkpoints the WAL into the
    /// database and truncates it, so that no old page survives in the WAL file. Returns whether
    /// the WAL could be emptied (a reader in another process, a backup say, can hold it; the
    /// next checkpoint then finishes the job).
    pub fn compact_after_erasure(&self) -> Result<bool> {
        self.conn.execute(
            "INSERT INTO patient_search (patient_search) VALUES ('optimize')",
            [],
        )?;
        // Cleared before the checkpoint, so that the checkpoint carries it too.
        self.conn.execute(
            "DELETE FROM local_meta WHERE key = ?1",
            [erasure::COMPACTION_DUE],
        )?;
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        if busy != 0 {
            // Finished by a later call: the index is merged, the WAL waits for its reader.
            erasure::mark_compaction_due(&self.conn)?;
        }
        Ok(busy == 0)
    }

    /// Whether an erasure changed this database (typed here or merged) since the last
    /// [`Store::compact_after_erasure`] that emptied the WAL.
    pub fn compaction_due(&self) -> Result<bool> {
        Ok(self.local_setting(erasure::COMPACTION_DUE)?.is_some())
    }

    /// [`Store::compact_after_erasure`] when an erasure made it due: the sync runs this at its
    /// end, since merging an erasure leaves the erased tokens in the search index and old pages
    /// in the WAL as typing one does. Returns whether it ran.
    pub fn compact_if_due(&self) -> Result<bool> {
        if !self.compaction_due()? {
            return Ok(false);
        }
        self.compact_after_erasure()?;
        Ok(true)
    }

    /// The database's size on disk: its file and its write-ahead log.
    pub fn disk_bytes(&self) -> u64 {
        ["chairside.db", "chairside.db-wal"]
            .iter()
            .filter_map(|name| std::fs::metadata(self.dir.join(name)).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Rewrites the database into as few pages as it needs (`VACUUM`, encrypted with the same
    /// key) and empties the write-ahead log: the room left by deleted data and by migrations
    /// that rebuilt tables (0021 and 0022 rebuilt the sync bookkeeping) goes back to the disk,
    /// which SQLite otherwise keeps and reuses. It needs free space about the database's size
    /// while it runs; a full disk is told as such, the database unchanged. Another connection
    /// writing (the app open on this PC, its sync) makes it wait, then fail as busy, unchanged.
    /// Returns the sizes on disk before and after.
    pub fn vacuum(&self) -> Result<(u64, u64)> {
        let before = self.disk_bytes();
        self.conn
            .execute_batch("VACUUM")
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                    StoreError::InUse
                }
                _ => e.into(),
            })?;
        // A reader elsewhere may hold the log: the next checkpoint empties it then.
        let _busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok((before, self.disk_bytes()))
    }

    /// `PRAGMA integrity_check` and `PRAGMA cipher_integrity_check`; an empty list means clean.
    pub fn check(&self) -> Result<Vec<String>> {
        check_connection(&self.conn)
    }
}

pub(crate) fn check_connection(conn: &Connection) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
        let row = row?;
        if row != "ok" {
            problems.push(format!("integrity_check: {row}"));
        }
    }
    // cipher_integrity_check verifies every page's HMAC; it returns one row per bad page.
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
        problems.push(format!("cipher_integrity_check: {}", row?));
    }
    let fk: Vec<String> = conn
        .prepare("PRAGMA foreign_key_check")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    problems.extend(
        fk.into_iter()
            .map(|t| format!("foreign_key_check: dangling reference in {t}")),
    );
    Ok(problems)
}

/// Opens a SQLCipher connection with a raw key and the durability settings.
pub(crate) fn connect(path: &Path, key: &DatabaseKey, create: bool) -> Result<Connection> {
    if !create {
        refuse_plain_sqlite(path)?;
    }
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    conn.pragma_update(None, "key", key.pragma_value().as_str())?;
    // The first read is where a wrong key shows: SQLCipher cannot decrypt page 1.
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        return Err(match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => StoreError::NotChairsideDatabase {
                path: path.to_path_buf(),
                reason: "it cannot be decrypted with the key of this data directory".into(),
            },
            _ => e.into(),
        });
    }
    tune(&conn)?;
    // Merges and writes reuse a few hundred statement shapes (one UPDATE per synced field);
    // rusqlite's default cache of 16 would re-prepare most of them on every change.
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

/// The settings of every store connection (after the key): durability, cache, foreign keys,
/// secure delete. Public so that the benchmark runs its unencrypted peer with the very same.
pub fn tune(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Decrypted pages stay in SQLite's page cache: a clinic database is read far more than it is
    // written, and a cache miss costs an AES + HMAC-SHA512 page decryption. 64 MiB holds years of
    // a clinic's records on a PC that has gigabytes.
    conn.pragma_update(None, "cache_size", CACHE_SIZE_PRAGMA)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Freed space is overwritten with zeros, so an edited or erased name does not linger in a
    // page's free blocks (GDPR erasure must leave nothing behind; see `erasure`).
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(())
}

fn refuse_plain_sqlite(path: &Path) -> Result<()> {
    let mut header = [0u8; 16];
    let read = File::open(path).and_then(|mut f| f.read(&mut header));
    if matches!(read, Ok(16)) && &header == SQLITE_PLAIN_HEADER {
        return Err(StoreError::NotChairsideDatabase {
            path: path.to_path_buf(),
            reason: "it is an unencrypted SQLite database".into(),
        });
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum LockKind {
    Shared,
    Exclusive,
}

/// The advisory lock on a data directory's lock file: shared while a store is open, exclusive
/// while a store is being created or restored.
///
/// The lock is released explicitly (not only by closing the handle): a process that forks at the
/// wrong moment (another thread spawning a child) holds a copy of the open file description until
/// its exec, and closing our handle alone would leave the lock held by that copy, so that the
/// next lock on the directory collided with it (seen as a spurious `InUse` in CI).
pub(crate) struct DirLock(File);

impl DirLock {
    /// Exclusive to shared on the same handle, for the same reason as above.
    fn downgrade_to_shared(&self) -> Result<()> {
        self.0.unlock()?;
        lock_result(self.0.try_lock_shared())
    }

    /// Shared to exclusive on the same handle; [`StoreError::InUse`], still shared, while
    /// another holder has it.
    fn upgrade_to_exclusive(&self) -> Result<()> {
        self.0.unlock()?;
        match lock_result(self.0.try_lock()) {
            Ok(()) => Ok(()),
            Err(e) => {
                lock_result(self.0.try_lock_shared())?;
                Err(e)
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn lock_result(taken: std::result::Result<(), std::fs::TryLockError>) -> Result<()> {
    match taken {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse),
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}

fn take_lock(dir: &Path, kind: LockKind) -> Result<DirLock> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE_NAME))?;
    lock_result(match kind {
        LockKind::Shared => file.try_lock_shared(),
        LockKind::Exclusive => file.try_lock(),
    })?;
    Ok(DirLock(file))
}

/// Takes the data directory for a restore: fails with [`StoreError::InUse`] while any store is
/// open on it.
pub(crate) fn lock_exclusively(dir: &Path) -> Result<DirLock> {
    take_lock(dir, LockKind::Exclusive)
}

fn set_private_permissions(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let _ = dir;
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn uuid_v7_string() -> String {
    chairside_domain::EntityId::new().to_string()
}
