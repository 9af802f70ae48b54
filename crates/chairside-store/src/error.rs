//! The store's error type: one variant per thing a person can act on, each message saying what
//! was wrong and what to do.

use std::path::PathBuf;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "wrong passphrase for the Chairside database: check the passphrase (it is case-sensitive) and try again"
    )]
    WrongPassphrase,

    #[error(
        "this Chairside database is protected by a passphrase and none was given: enter it on the unlock screen, or set CHAIRSIDE_PASSPHRASE for the command line"
    )]
    PassphraseRequired,

    #[error(
        "the OS keyring is locked or absent ({0}): unlock your desktop session's keyring and try again"
    )]
    KeyringUnavailable(String),

    #[error(
        "the OS keyring holds no key for this Chairside database (it may have been moved from another PC): restore it from a backup with `chairside backup restore`"
    )]
    KeyMissingFromKeyring,

    #[error("{path} is not a Chairside database ({reason})")]
    NotChairsideDatabase { path: PathBuf, reason: String },

    #[error(
        "this database was written by a newer version of Chairside (schema {found}, this program knows up to {supported}): install the newer version"
    )]
    NewerDatabase { found: u32, supported: u32 },

    #[error("no Chairside database in {0}: run the first-run setup (or `chairside init`) first")]
    NotInitialised(PathBuf),

    #[error("a Chairside database already exists in {0}: nothing was changed")]
    AlreadyInitialised(PathBuf),

    #[error("{0}")]
    InvalidChange(String),

    #[error(
        "change set {idx} of device {device} arrived before set {expected}: sets of a device are applied in order"
    )]
    OutOfOrder {
        device: String,
        idx: i64,
        expected: i64,
    },

    #[error(
        "the database is in use by another Chairside window or command: close it and try again"
    )]
    InUse,

    #[error("backup {path}: {reason}")]
    Backup { path: PathBuf, reason: String },

    #[error("database integrity check failed: {0}")]
    Integrity(String),

    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// This PC's disk (or the user's disk quota) is full: the transaction was rolled back, so
    /// nothing of the change was kept, and it can be made again once there is room.
    pub fn is_disk_full(&self) -> bool {
        match self {
            StoreError::Sqlite(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull),
            StoreError::Io(e) => matches!(
                e.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            ),
            _ => false,
        }
    }
}
