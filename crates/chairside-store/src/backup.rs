//! Encrypted, consistent backups made while the app runs, and their checked restore.
//!
//! A backup file is `CHAIRSIDE-BACKUP\n`, one line of JSON (format version, database id, schema
//! version, SHA-256 and length of the database image, and a copy of the key file), then the
//! database image itself: a SQLCipher file encrypted with the clinic's database key, made with
//! SQLite's online backup API in a single step, so it is one consistent snapshot even while other
//! windows keep writing. Restoring a passphrase-protected backup needs that passphrase; a
//! keyring-protected one needs the keyring that holds its key.
//!
//! A restore checks everything (checksum, decryption, integrity, schema version) before it
//! touches the live database, and keeps the database it replaces beside it.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::backup::Backup;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Result, StoreError};
use crate::key::{KeyFile, KeyStorage, OsKeyring};
use crate::{
    DATABASE_FILE_NAME, Store, check_connection, connect, fsutil, lock_exclusively, migrate, now_ms,
};

const MAGIC: &[u8] = b"CHAIRSIDE-BACKUP\n";
const FORMAT_VERSION: u32 = 1;
/// The header is one short JSON line; anything longer is not ours (bounded read).
const MAX_HEADER_BYTES: u64 = 64 * 1024;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format_version: u32,
    database_id: String,
    schema_version: u32,
    created_at_ms: u64,
    database_sha256: String,
    database_bytes: u64,
    key_file: String,
}

/// What a backup contains, as read from its header.
#[derive(Clone, Debug)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub database_id: String,
    pub schema_version: u32,
    pub created_at_ms: u64,
    pub bytes: u64,
    pub key_storage: KeyStorage,
}

impl Store {
    /// Writes a consistent encrypted backup of this database to `target`.
    pub fn backup_to(&self, target: &Path) -> Result<BackupInfo> {
        let fail = |reason: String| StoreError::Backup {
            path: target.to_path_buf(),
            reason,
        };
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(fail(format!("the folder {} does not exist", dir.display())));
        }
        let image_path = dir.join(format!(
            ".chairside-backup-{}-{}.db",
            std::process::id(),
            now_ms()
        ));
        let result = (|| {
            {
                let mut image = connect(&image_path, &self.key, true)?;
                let backup = Backup::new(self.conn(), &mut image)?;
                // All pages in one step, under one read transaction, so the image
                // is a single snapshot even if another process commits meanwhile.
                backup.run_to_completion(i32::MAX, std::time::Duration::ZERO, None)?;
                drop(backup);
                image.pragma_update(None, "journal_mode", "DELETE")?;
            }
            let image = fs::read(&image_path)?;
            let header = Header {
                format_version: FORMAT_VERSION,
                database_id: self.database_id().to_string(),
                schema_version: migrate::latest_version(),
                created_at_ms: now_ms(),
                database_sha256: hex::encode(Sha256::digest(&image)),
                database_bytes: image.len() as u64,
                key_file: self.key_file.to_json(),
            };
            let mut bytes = Vec::with_capacity(image.len() + 4096);
            bytes.extend_from_slice(MAGIC);
            serde_json::to_writer(&mut bytes, &header).map_err(|e| fail(e.to_string()))?;
            bytes.push(b'\n');
            bytes.extend_from_slice(&image);
            fsutil::write_atomically(target, &bytes)?;
            Ok(BackupInfo {
                path: target.to_path_buf(),
                database_id: header.database_id,
                schema_version: header.schema_version,
                created_at_ms: header.created_at_ms,
                bytes: bytes.len() as u64,
                key_storage: self.key_file.storage,
            })
        })();
        let _ = fs::remove_file(&image_path);
        for suffix in ["-wal", "-shm", "-journal"] {
            let _ = fs::remove_file(format!("{}{suffix}", image_path.display()));
        }
        result
    }
}

/// Reads and checks a backup's header and checksum; returns the header and the image.
fn read_backup(path: &Path) -> Result<(Header, Vec<u8>)> {
    let fail = |reason: &str| StoreError::Backup {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let file = File::open(path).map_err(|e| fail(&format!("cannot open it: {e}")))?;
    let mut reader = BufReader::new(file);
    let mut magic = vec![0u8; MAGIC.len()];
    reader
        .read_exact(&mut magic)
        .map_err(|_| fail("not a Chairside backup (too short)"))?;
    if magic != MAGIC {
        return Err(fail("not a Chairside backup (wrong signature)"));
    }
    let mut line = Vec::new();
    (&mut reader)
        .take(MAX_HEADER_BYTES)
        .read_until(b'\n', &mut line)?;
    let header: Header = serde_json::from_slice(&line)
        .map_err(|_| fail("not a Chairside backup (unreadable header)"))?;
    if header.format_version > FORMAT_VERSION {
        return Err(fail(
            "made by a newer version of Chairside: install the newer version to restore it",
        ));
    }
    let supported = migrate::latest_version();
    if header.schema_version > supported {
        return Err(StoreError::NewerDatabase {
            found: header.schema_version,
            supported,
        });
    }
    let mut image =
        Vec::with_capacity(usize::try_from(header.database_bytes.min(1 << 34)).unwrap_or(0));
    (&mut reader)
        .take(header.database_bytes)
        .read_to_end(&mut image)?;
    if image.len() as u64 != header.database_bytes {
        return Err(fail("the backup is truncated: use another copy"));
    }
    if hex::encode(Sha256::digest(&image)) != header.database_sha256 {
        return Err(fail(
            "the backup is damaged (checksum mismatch): use another copy",
        ));
    }
    Ok((header, image))
}

/// Reads a backup's header and verifies its checksum, without decrypting anything.
pub fn inspect(path: &Path) -> Result<BackupInfo> {
    let (header, image) = read_backup(path)?;
    let key_file = KeyFile::parse(&header.key_file).map_err(|reason| StoreError::Backup {
        path: path.to_path_buf(),
        reason,
    })?;
    Ok(BackupInfo {
        path: path.to_path_buf(),
        database_id: header.database_id,
        schema_version: header.schema_version,
        created_at_ms: header.created_at_ms,
        bytes: image.len() as u64,
        key_storage: key_file.storage,
    })
}

/// Restores `backup` into `dir` after checking it. The database it replaces (if any) is kept as
/// `chairside.db.before-restore-<ms>`. Fails with [`StoreError::InUse`] while the app or another
/// command has the database open.
pub fn restore(dir: &Path, backup: &Path, passphrase: Option<&str>) -> Result<BackupInfo> {
    let (header, image) = read_backup(backup)?;
    let key_file = KeyFile::parse(&header.key_file).map_err(|reason| StoreError::Backup {
        path: backup.to_path_buf(),
        reason,
    })?;
    if key_file.database_id != header.database_id {
        return Err(StoreError::Backup {
            path: backup.to_path_buf(),
            reason: "its key file does not match its database".into(),
        });
    }
    let key = match key_file.storage {
        KeyStorage::Keyring => OsKeyring::load(&key_file.database_id)?,
        KeyStorage::Passphrase => {
            key_file.unwrap_with_passphrase(passphrase.ok_or(StoreError::PassphraseRequired)?)?
        }
    };
    fs::create_dir_all(dir)?;
    let _exclusive = lock_exclusively(dir)?;
    let staging = dir.join(format!("{DATABASE_FILE_NAME}.restoring"));
    {
        let mut f = File::create(&staging)?;
        f.write_all(&image)?;
        f.sync_all()?;
    }
    let checked = (|| {
        let conn = connect(&staging, &key, false)?;
        let problems = check_connection(&conn)?;
        if !problems.is_empty() {
            return Err(StoreError::Integrity(problems.join("; ")));
        }
        let id: String = conn.query_row(
            "SELECT value FROM local_meta WHERE key = 'database_id'",
            [],
            |r| r.get(0),
        )?;
        if id != key_file.database_id {
            return Err(StoreError::Integrity(
                "the database inside the backup has another id than its header".into(),
            ));
        }
        conn.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(())
    })();
    if let Err(e) = checked {
        let _ = fs::remove_file(&staging);
        return Err(e);
    }
    let live = dir.join(DATABASE_FILE_NAME);
    if live.exists() {
        let aside = format!("{DATABASE_FILE_NAME}.before-restore-{}", now_ms());
        // The WAL holds committed data not yet in the main file: it moves with it.
        for suffix in ["-wal", "-shm", ""] {
            let from = dir.join(format!("{DATABASE_FILE_NAME}{suffix}"));
            if from.exists() {
                fs::rename(&from, dir.join(format!("{aside}{suffix}")))?;
            }
        }
    }
    fs::rename(&staging, &live)?;
    fsutil::sync_dir(dir)?;
    key_file.write(dir)?;
    Ok(BackupInfo {
        path: backup.to_path_buf(),
        database_id: header.database_id,
        schema_version: header.schema_version,
        created_at_ms: header.created_at_ms,
        bytes: image.len() as u64,
        key_storage: key_file.storage,
    })
}
