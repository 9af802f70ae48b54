//! An in-process relay for the sync tests: the relay's real storage and append rule, with the
//! same authentication rule as its HTTP layer, and knobs to lose or duplicate messages.

#![allow(clippy::unwrap_used, dead_code)]

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::sync::Arc;

use chairside_domain::EntityId;
use chairside_protocol::{
    BlobList, BlobStatus, BoxKeyAnnouncement, Bytes, ClinicKeys, ClockReport, EnrollmentStatus,
    ErrorBody, Heads, MoveNotice, PendingEnrollment, PendingEnrollments, PullResponse,
    PushResponse, Record, RecoveryState, RenewRecoveryRequest, RewriteResponse, ShareKeysRequest,
    code, normalize_code,
};
use chairside_relay::{
    BlobError, BlobStore, DeviceStatus, FsBlobStore, NewDevice, SqliteStorage, Storage,
    StorageError,
};
use chairside_store::{KdfParams, NewKey, Store, Unlock};
use chairside_sync::{ClinicKey, DeviceCredential, SyncError, Transport};
use sha2::{Digest, Sha256};

pub const PASSPHRASE: &str = "sync test passphrase";

/// What another PC does while a sync is under way (see [`LocalRelay::before_next_pull`]).
pub type Meanwhile = Box<dyn FnOnce(&LocalRelay)>;

pub struct LocalRelay {
    pub storage: Arc<dyn Storage>,
    pub blobs: FsBlobStore,
    pub blob_dir: tempfile::TempDir,
    /// The next blob chunk upload fails after this many more (an interrupted upload).
    pub chunks_before_failure: Cell<Option<u32>>,
    /// The next request fails before reaching the relay (network down).
    pub fail_before: Cell<bool>,
    /// The next push is stored but its reply is lost.
    pub lose_reply: Cell<bool>,
    /// Every push is delivered twice.
    pub duplicate: Cell<bool>,
    /// A hook to alter pulled records (tampering tests).
    pub alter: Cell<Option<fn(&mut Record)>>,
    /// Runs once, just before the next pull is served: another PC acting in the middle of a sync.
    pub before_next_pull: RefCell<Option<Meanwhile>>,
    /// Records served by pulls so far (what crossed the network towards the PCs).
    pub records_served: Cell<u64>,
    /// What the heads say this relay can do (all of this build's features; fewer to play an
    /// older relay).
    pub features: RefCell<Vec<String>>,
    /// How far the relay's clock runs ahead of this process's (negative: behind), as its heads
    /// say it: a PC whose clock is off by the opposite.
    pub clock_ahead_ms: Cell<i64>,
    /// Clock reports are refused (a relay with a bound of its own).
    pub refuse_clock_reports: Cell<bool>,
}

fn sha(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn internal(e: StorageError) -> SyncError {
    match e {
        StorageError::Conflict(m) => refused(code::CONFLICT, &m),
        StorageError::BadCode => refused(code::BAD_CODE, &StorageError::BadCode.to_string()),
        StorageError::AlreadyRegistered => refused(
            code::ALREADY_REGISTERED,
            &StorageError::AlreadyRegistered.to_string(),
        ),
        StorageError::NotFound(m) => refused(code::NOT_FOUND, &m),
        other => SyncError::Internal(other.to_string()),
    }
}

fn blob_refused(e: BlobError) -> SyncError {
    match e {
        BlobError::Invalid(m) => refused(code::BAD_REQUEST, &m),
        BlobError::Conflict(m) => refused(code::CONFLICT, &m),
        BlobError::Io(e) => SyncError::Internal(e.to_string()),
    }
}

fn refused(code: &str, message: &str) -> SyncError {
    SyncError::Relay(ErrorBody {
        code: code.into(),
        message: message.into(),
    })
}

impl LocalRelay {
    pub fn new(dir: &Path) -> Self {
        Self::with_storage(Arc::new(
            SqliteStorage::open(&dir.join("relay.sqlite")).unwrap(),
        ))
    }

    /// The same relay with an empty blob folder (lost, or the relay moved without it).
    pub fn with_new_blob_folder(self) -> Self {
        Self::with_storage(self.storage.clone())
    }

    pub fn with_storage(storage: Arc<dyn Storage>) -> Self {
        let blob_dir = tempfile::tempdir().unwrap();
        Self {
            storage,
            blobs: FsBlobStore::open(blob_dir.path()).unwrap(),
            blob_dir,
            chunks_before_failure: Cell::new(None),
            fail_before: Cell::new(false),
            lose_reply: Cell::new(false),
            duplicate: Cell::new(false),
            alter: Cell::new(None),
            before_next_pull: RefCell::new(None),
            records_served: Cell::new(0),
            features: RefCell::new(
                chairside_protocol::feature::ALL
                    .iter()
                    .map(|f| f.to_string())
                    .collect(),
            ),
            clock_ahead_ms: Cell::new(0),
            refuse_clock_reports: Cell::new(false),
        }
    }

    /// The reply to a request the relay carried out is lost, once, when `lose_reply` is set.
    fn reply_lost(&self) -> Result<(), SyncError> {
        if self.lose_reply.replace(false) {
            return Err(SyncError::Unreachable {
                url: "local".into(),
                reason: "reply lost".into(),
            });
        }
        Ok(())
    }

    fn network(&self) -> Result<(), SyncError> {
        if self.fail_before.replace(false) {
            return Err(SyncError::Unreachable {
                url: "local".into(),
                reason: "network down".into(),
            });
        }
        Ok(())
    }

    /// The relay's authentication rule: the credential's hash, then the device's status.
    fn auth_any(&self, c: &DeviceCredential) -> Result<(String, DeviceStatus), SyncError> {
        self.network()?;
        match self.storage.device(&c.device_id).map_err(internal)? {
            Some(d) if d.secret_hash == sha(&c.secret) => Ok((d.clinic_id, d.status)),
            _ => Err(refused(
                code::UNAUTHORIZED,
                "unknown device or wrong credential",
            )),
        }
    }

    fn auth(&self, c: &DeviceCredential) -> Result<String, SyncError> {
        match self.auth_any(c)? {
            (clinic, DeviceStatus::Active) => Ok(clinic),
            (_, DeviceStatus::Revoked) => Err(refused(code::REVOKED, "this device was revoked")),
            (_, DeviceStatus::Pending) => Err(refused(code::UNAUTHORIZED, "pending approval")),
            (_, DeviceStatus::Carried) => Err(refused(code::UNAUTHORIZED, "not joined here")),
        }
    }
}

impl Transport for LocalRelay {
    fn register(
        &self,
        clinic_id: &str,
        c: &DeviceCredential,
        recovery_proof: &[u8; 32],
    ) -> Result<(), SyncError> {
        self.network()?;
        self.storage
            .register(clinic_id, &c.device_id, sha(&c.secret), sha(recovery_proof))
            .map_err(internal)
    }

    fn invite(
        &self,
        c: &DeviceCredential,
        code_hash_hex: &str,
        expires: i64,
    ) -> Result<(), SyncError> {
        let clinic = self.auth(c)?;
        let hash: [u8; 32] = hex::decode(code_hash_hex).unwrap().try_into().unwrap();
        self.storage
            .add_invite(&clinic, hash, expires)
            .map_err(internal)
    }

    fn enroll(
        &self,
        code: &str,
        c: &DeviceCredential,
        public_key: Bytes,
        device_name: &str,
    ) -> Result<String, SyncError> {
        self.network()?;
        self.storage
            .enroll(
                sha(normalize_code(code).as_bytes()),
                now_ms(),
                NewDevice {
                    device_id: &c.device_id,
                    secret_hash: sha(&c.secret),
                    public_key: &public_key.0,
                    name: device_name,
                },
            )
            .map_err(internal)
    }

    fn pending(&self, c: &DeviceCredential) -> Result<PendingEnrollments, SyncError> {
        let clinic = self.auth(c)?;
        Ok(PendingEnrollments {
            pending: self
                .storage
                .pending(&clinic)
                .map_err(internal)?
                .into_iter()
                .map(|(device_id, device_name, key, at)| PendingEnrollment {
                    device_id,
                    device_name,
                    public_key: Bytes(key),
                    requested_at_ms: at,
                })
                .collect(),
        })
    }

    fn approve(
        &self,
        c: &DeviceCredential,
        device_id: &str,
        sealed: Bytes,
    ) -> Result<(), SyncError> {
        let clinic = self.auth(c)?;
        self.storage
            .approve(&clinic, device_id, &sealed.0)
            .map_err(internal)
    }

    fn enrollment(&self, c: &DeviceCredential) -> Result<EnrollmentStatus, SyncError> {
        let (_, status) = self.auth_any(c)?;
        if status == DeviceStatus::Revoked {
            return Err(refused(code::REVOKED, "this device was revoked"));
        }
        Ok(EnrollmentStatus {
            sealed: self
                .storage
                .sealed_for(&c.device_id)
                .map_err(internal)?
                .map(Bytes),
        })
    }

    fn revoke(&self, c: &DeviceCredential, device_id: &str) -> Result<(), SyncError> {
        let clinic = self.auth(c)?;
        self.storage
            .revoke_device(&clinic, device_id)
            .map_err(internal)?;
        Ok(())
    }

    fn recover(
        &self,
        clinic_id: &str,
        proof: &[u8; 32],
        c: &DeviceCredential,
    ) -> Result<(), SyncError> {
        self.network()?;
        self.storage
            .recover(clinic_id, sha(proof), &c.device_id, sha(&c.secret))
            .map_err(internal)
    }

    fn recovery_state(&self, c: &DeviceCredential) -> Result<RecoveryState, SyncError> {
        let clinic = self.auth(c)?;
        let (version, sealed) = self.storage.recovery_state(&clinic).map_err(internal)?;
        Ok(RecoveryState {
            version,
            sealed_salt: sealed.map(Bytes),
        })
    }

    fn renew_recovery(
        &self,
        c: &DeviceCredential,
        renewal: RenewRecoveryRequest,
    ) -> Result<(), SyncError> {
        let clinic = self.auth(c)?;
        let new_hash: [u8; 32] = hex::decode(&renewal.new_proof_hash)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| refused(code::BAD_REQUEST, "new_proof_hash is not a SHA-256"))?;
        self.storage
            .renew_recovery(
                &clinic,
                renewal.expected_version,
                new_hash,
                &renewal.sealed_salt.0,
            )
            .map_err(internal)
    }

    fn clinic_keys(&self, c: &DeviceCredential) -> Result<ClinicKeys, SyncError> {
        let clinic = self.auth(c)?;
        let state = self
            .storage
            .clinic_keys(&clinic, &c.device_id)
            .map_err(internal)?;
        Ok(state.into_reply())
    }

    fn announce_box_key(
        &self,
        c: &DeviceCredential,
        announcement: BoxKeyAnnouncement,
    ) -> Result<(), SyncError> {
        let clinic = self.auth(c)?;
        self.storage
            .announce_box_key(&clinic, &c.device_id, &announcement.sealed.0)
            .map_err(internal)
    }

    fn report_clock(&self, c: &DeviceCredential, report: ClockReport) -> Result<(), SyncError> {
        let clinic = self.auth(c)?;
        if self.refuse_clock_reports.get() {
            return Err(SyncError::Relay(ErrorBody {
                code: code::BAD_REQUEST.into(),
                message: "offset_ms is past any clock".into(),
            }));
        }
        self.storage
            .report_clock(&clinic, &c.device_id, report.offset_ms)
            .map_err(internal)
    }

    fn share_keys(&self, c: &DeviceCredential, request: ShareKeysRequest) -> Result<(), SyncError> {
        let clinic = self.auth(c)?;
        let shares: Vec<(String, Vec<u8>)> = request
            .shares
            .into_iter()
            .map(|s| (s.device_id, s.sealed.0))
            .collect();
        self.storage
            .share_keys(&clinic, request.epoch, &request.ring.0, &shares)
            .map_err(internal)
    }

    fn leave_move_notice(&self, c: &DeviceCredential, notice: MoveNotice) -> Result<(), SyncError> {
        let clinic = self.auth(c)?;
        self.storage
            .set_move_notice(&clinic, notice.sealed.as_ref().map(|b| &b.0[..]))
            .map_err(internal)
    }

    fn heads(&self, c: &DeviceCredential) -> Result<Heads, SyncError> {
        let clinic = self.auth(c)?;
        let (key_epoch, keys_to_share) = self.storage.key_summary(&clinic).map_err(internal)?;
        Ok(Heads {
            devices: self.storage.heads(&clinic).map_err(internal)?,
            blob_folder: Some(self.blobs.folder_id()),
            features: self.features.borrow().clone(),
            // No quota in process: the HTTP layer applies it (tests/http.rs, the app's tests).
            file_room: None,
            moved: self
                .storage
                .move_notice(&clinic)
                .map_err(internal)?
                .map(Bytes),
            key_epoch,
            keys_to_share,
            // The relay's clock, as far from this process's as a test sets it.
            server_time_ms: now_ms() + self.clock_ahead_ms.get(),
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
        self.reply_lost()?;
        Ok(PushResponse { head, checksum })
    }

    fn carry(&self, c: &DeviceCredential, records: Vec<Record>) -> Result<PushResponse, SyncError> {
        let clinic = self.auth(c)?;
        let stream = records
            .first()
            .map(|r| r.device_id.clone())
            .unwrap_or_default();
        self.storage
            .ensure_carried(&clinic, &stream)
            .map_err(internal)?;
        let (head, checksum) = self
            .storage
            .push(&clinic, &stream, &records)
            .map_err(internal)?;
        self.reply_lost()?;
        Ok(PushResponse { head, checksum })
    }

    fn rewrite(
        &self,
        c: &DeviceCredential,
        records: Vec<Record>,
    ) -> Result<RewriteResponse, SyncError> {
        let clinic = self.auth(c)?;
        let reply = self
            .storage
            .rewrite(
                &clinic,
                chairside_relay::storage::rewritten_stream(&c.device_id, &records),
                &records,
            )
            .map_err(internal)?;
        self.reply_lost()?;
        Ok(reply)
    }

    fn pull(
        &self,
        c: &DeviceCredential,
        device_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<PullResponse, SyncError> {
        let clinic = self.auth(c)?;
        let meanwhile = self.before_next_pull.borrow_mut().take();
        if let Some(act) = meanwhile {
            act(self);
        }
        let (mut records, head) = self
            .storage
            .pull(&clinic, device_id, after, limit)
            .map_err(internal)?;
        if let Some(f) = self.alter.get() {
            records.iter_mut().for_each(f);
        }
        self.records_served
            .set(self.records_served.get() + records.len() as u64);
        Ok(PullResponse { records, head })
    }

    fn blob_status(&self, c: &DeviceCredential, name: &str) -> Result<BlobStatus, SyncError> {
        let clinic = self.auth(c)?;
        self.blobs.status(&clinic, name).map_err(blob_refused)
    }

    fn put_blob_chunk(
        &self,
        c: &DeviceCredential,
        name: &str,
        idx: u32,
        count: u32,
        sealed: Vec<u8>,
    ) -> Result<(), SyncError> {
        let clinic = self.auth(c)?;
        if let Some(left) = self.chunks_before_failure.get() {
            if left == 0 {
                self.chunks_before_failure.set(None);
                return Err(SyncError::Unreachable {
                    url: "local".into(),
                    reason: "connection reset during upload".into(),
                });
            }
            self.chunks_before_failure.set(Some(left - 1));
        }
        self.blobs
            .put_chunk(&clinic, name, idx, count, &sealed)
            .map(|_| ())
            .map_err(blob_refused)
    }

    fn get_blob_chunk(
        &self,
        c: &DeviceCredential,
        name: &str,
        idx: u32,
    ) -> Result<Vec<u8>, SyncError> {
        let clinic = self.auth(c)?;
        self.blobs
            .get_chunk(&clinic, name, idx)
            .map_err(blob_refused)?
            .ok_or_else(|| refused(code::NOT_FOUND, "no such chunk"))
    }

    fn delete_blob(&self, c: &DeviceCredential, name: &str) -> Result<bool, SyncError> {
        let clinic = self.auth(c)?;
        self.blobs.delete(&clinic, name).map_err(blob_refused)
    }

    fn list_blobs(&self, c: &DeviceCredential, after: Option<&str>) -> Result<BlobList, SyncError> {
        let clinic = self.auth(c)?;
        self.blobs
            .list(&clinic, after, chairside_protocol::MAX_BLOB_LIST)
            .map_err(blob_refused)
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

/// The clinic's first device: a store with its clinic row (the key comes with the first sync).
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

/// Joins a new PC to the first one's clinic through the real enrollment: a pairing code from the
/// first device, the request from the new PC, the approval sealed to its key, and completion.
pub fn join(first: &Store, dir: &Path, relay: &LocalRelay) -> Store {
    let owner = chairside_sync::identity(first, false).unwrap();
    let (code, _) = chairside_sync::enroll::invite(relay, &owner, now_ms()).unwrap();
    let store = new_store(dir);
    let shown_here =
        chairside_sync::enroll::request(&store, relay, "local", &code.to_lowercase(), "PC 2")
            .unwrap();
    assert!(
        !chairside_sync::enroll::complete(&store, relay).unwrap(),
        "not approved yet"
    );
    let pending = chairside_sync::enroll::pending(relay, &owner).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        pending[0].fingerprint, shown_here,
        "both PCs show the same fingerprint"
    );
    chairside_sync::enroll::approve(relay, &owner, &pending[0].device_id).unwrap();
    assert!(chairside_sync::enroll::complete(&store, relay).unwrap());
    store
}

pub fn other_key() -> ClinicKey {
    ClinicKey::random()
}
