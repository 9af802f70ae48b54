//! An in-process relay for the sync tests: the relay's real storage and append rule, with the
//! same authentication as its HTTP layer, and knobs to lose or duplicate messages.

#![allow(clippy::unwrap_used, dead_code)]

use std::cell::Cell;
use std::path::Path;
use std::sync::Arc;

use chairside_domain::EntityId;
use chairside_protocol::{ErrorBody, Heads, PullResponse, PushResponse, Record, code};
use chairside_relay::{SqliteStorage, Storage, StorageError};
use chairside_store::{KdfParams, NewKey, Store, Unlock};
use chairside_sync::{ClinicKey, DeviceCredential, SyncError, Transport, setting};
use sha2::{Digest, Sha256};

pub const PASSPHRASE: &str = "sync test passphrase";

pub struct LocalRelay {
    pub storage: Arc<dyn Storage>,
    /// The next request fails before reaching the relay (network down).
    pub fail_before: Cell<bool>,
    /// The next push is stored but its reply is lost.
    pub lose_reply: Cell<bool>,
    /// Every push is delivered twice.
    pub duplicate: Cell<bool>,
    /// A hook to alter pulled records (tampering tests).
    pub alter: Cell<Option<fn(&mut Record)>>,
}

impl LocalRelay {
    pub fn new(dir: &Path) -> Self {
        Self {
            storage: Arc::new(SqliteStorage::open(&dir.join("relay.sqlite")).unwrap()),
            fail_before: Cell::new(false),
            lose_reply: Cell::new(false),
            duplicate: Cell::new(false),
            alter: Cell::new(None),
        }
    }

    fn auth(&self, c: &DeviceCredential) -> Result<String, SyncError> {
        if self.fail_before.replace(false) {
            return Err(SyncError::Unreachable {
                url: "local".into(),
                reason: "network down".into(),
            });
        }
        let device = self.storage.device(&c.device_id).map_err(internal)?;
        let hash: [u8; 32] = Sha256::digest(&c.secret).into();
        match device {
            Some(d) if d.secret_hash == hash && !d.revoked => Ok(d.clinic_id),
            Some(d) if d.secret_hash == hash => Err(refused(code::REVOKED, "revoked")),
            _ => Err(refused(
                code::UNAUTHORIZED,
                "unknown device or wrong credential",
            )),
        }
    }
}

fn internal(e: StorageError) -> SyncError {
    match e {
        StorageError::Conflict(m) => refused(code::CONFLICT, &m),
        other => SyncError::Internal(other.to_string()),
    }
}

fn refused(code: &str, message: &str) -> SyncError {
    SyncError::Relay(ErrorBody {
        code: code.into(),
        message: message.into(),
    })
}

impl Transport for LocalRelay {
    fn register(&self, clinic_id: &str, c: &DeviceCredential) -> Result<(), SyncError> {
        let hash: [u8; 32] = Sha256::digest(&c.secret).into();
        self.storage
            .register(clinic_id, &c.device_id, hash)
            .map_err(internal)
    }

    fn heads(&self, c: &DeviceCredential) -> Result<Heads, SyncError> {
        let clinic = self.auth(c)?;
        Ok(Heads {
            devices: self.storage.heads(&clinic).map_err(internal)?,
        })
    }

    fn push(&self, c: &DeviceCredential, records: Vec<Record>) -> Result<PushResponse, SyncError> {
        let clinic = self.auth(c)?;
        let (head, checksum) = self
            .storage
            .push(&clinic, &c.device_id, &records)
            .map_err(internal)?;
        if self.duplicate.get() {
            self.storage
                .push(&clinic, &c.device_id, &records)
                .map_err(internal)?;
        }
        if self.lose_reply.replace(false) {
            return Err(SyncError::Unreachable {
                url: "local".into(),
                reason: "reply lost".into(),
            });
        }
        Ok(PushResponse { head, checksum })
    }

    fn pull(
        &self,
        c: &DeviceCredential,
        device_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<PullResponse, SyncError> {
        let clinic = self.auth(c)?;
        let (mut records, head) = self
            .storage
            .pull(&clinic, device_id, after, limit)
            .map_err(internal)?;
        if let Some(f) = self.alter.get() {
            records.iter_mut().for_each(f);
        }
        Ok(PullResponse { records, head })
    }
}

/// A new data directory with its own store (no clinic yet).
pub fn new_store(dir: &Path) -> Store {
    Store::create(
        dir,
        NewKey::Passphrase {
            passphrase: PASSPHRASE,
            params: KdfParams::FAST_INSECURE_FOR_TESTS,
        },
        "test PC",
    )
    .unwrap()
}

pub fn reopen(dir: &Path) -> Store {
    Store::open(
        dir,
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap()
}

/// The clinic's first device: creates the clinic row, the key, and registers at the relay.
pub fn first_device(dir: &Path) -> Store {
    let mut store = new_store(dir);
    let settings = chairside_domain::ClinicSettings::parse(
        "Cabinet Test",
        "",
        "Africa/Algiers",
        "DZ",
        chairside_domain::Language::French,
    )
    .unwrap();
    store
        .write(|w| w.save_clinic(EntityId::new(), &settings))
        .unwrap();
    store
}

/// Joins another device to the first one's clinic as an approved enrollment would: the same
/// clinic id and key, its own device id and secret, known to the relay.
pub fn join(first: &Store, dir: &Path, relay: &LocalRelay) -> Store {
    let store = new_store(dir);
    let clinic_id = first.local_setting(setting::CLINIC_ID).unwrap().unwrap();
    let key = first.local_setting(setting::CLINIC_KEY).unwrap().unwrap();
    store
        .set_local_setting(setting::CLINIC_ID, &clinic_id)
        .unwrap();
    store.set_local_setting(setting::CLINIC_KEY, &key).unwrap();
    store.set_local_setting(setting::REGISTERED, "1").unwrap();
    let me = chairside_sync::identity(&store, false).unwrap();
    let hash: [u8; 32] = Sha256::digest(&me.credential.secret).into();
    relay
        .storage
        .add_device(&clinic_id, &me.credential.device_id, hash)
        .unwrap();
    store
}

pub fn other_key() -> ClinicKey {
    ClinicKey::random()
}
