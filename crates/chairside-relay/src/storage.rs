//! Where the relay keeps clinics, device credentials and sealed records, behind one trait so the
//! HTTP layer is the same for every backend. Every method is scoped by clinic: no query reads or
//! writes across clinics.
//!
//! The append rule is the heart of it ([`Storage::push`]): a device's log is gap-free, a record
//! already stored is accepted again only with the very same bytes (a retry), and the stream
//! checksum is extended in the same transaction as the insert. The one exception is a rewrite
//! ([`Storage::rewrite`]): after a GDPR erasure a device replaces records of a stream of its
//! clinic (its own, or another device's, revoked or lost ones included) with the same change sets
//! sealed again without the identity; the log keeps its length, the checksum is computed again and
//! the stream's revision goes up so that other devices re-read it. Sealing is deterministic, so
//! every PC seals a scrubbed set to the same bytes: a record rewritten to the bytes it already
//! has is left alone, and a rewrite that changes nothing leaves the revision where it was.
//! A device may also carry another device's log of its clinic to a relay that lacks it (one that
//! lost the clinic, or that the clinic moved to): by the same append rule, the device recorded
//! first if the relay does not know it ([`Storage::ensure_carried`]).

use chairside_protocol::{DeviceHead, EMPTY_CHECKSUM, Record, RewriteResponse, chain_checksum};

/// Where a device stands with its clinic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceStatus {
    /// Asked to join with a pairing code; waits for an owner's approval.
    Pending,
    Active,
    Revoked,
    /// Known only by its log, which another PC of the clinic carried here (a relay that lost
    /// the clinic, or one the clinic moved to): it has no credential at this relay until the PC
    /// itself joins it with the clinic's recovery proof ([`Storage::recover`]).
    Carried,
}

impl DeviceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Pending => "pending",
            DeviceStatus::Active => "active",
            DeviceStatus::Revoked => "revoked",
            DeviceStatus::Carried => "carried",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "active" => DeviceStatus::Active,
            "pending" => DeviceStatus::Pending,
            "carried" => DeviceStatus::Carried,
            _ => DeviceStatus::Revoked,
        }
    }
}

/// A device as the relay knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRow {
    pub device_id: String,
    pub clinic_id: String,
    /// SHA-256 of the device's secret.
    pub secret_hash: [u8; 32],
    pub status: DeviceStatus,
}

/// A device waiting for approval: id, name, X25519 public key, when it asked.
pub type PendingRow = (String, String, Vec<u8>, i64);

/// A request to join, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDevice<'a> {
    pub device_id: &'a str,
    pub secret_hash: [u8; 32],
    pub public_key: &'a [u8],
    pub name: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The push does not continue the log, or changes bytes already stored.
    #[error("{0}")]
    Conflict(String),
    #[error("this clinic is already registered with another device")]
    AlreadyRegistered,
    #[error("this pairing code is unknown, already used or expired: ask the owner for a new one")]
    BadCode,
    #[error("{0}")]
    NotFound(String),
    /// The database's disk is full: the transaction was rolled back, nothing of it kept.
    #[error("storage full: {0}")]
    Full(String),
    #[error("storage: {0}")]
    Backend(String),
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StorageError::Full(e.to_string()),
            _ => StorageError::Backend(e.to_string()),
        }
    }
}

pub type StorageResult<T> = Result<T, StorageError>;

/// A file quota as the backends keep it: a signed 64-bit column, so a size beyond it is kept as
/// the largest it holds.
pub(crate) fn quota_to_column(quota: Option<u64>) -> Option<i64> {
    quota.map(|q| i64::try_from(q).unwrap_or(i64::MAX))
}

/// A file quota read back from its column (never negative).
pub(crate) fn quota_from_column(column: Option<i64>) -> Option<u64> {
    column.map(|q| q.max(0) as u64)
}

/// What the relay holds for one clinic: the operator's view (`chairside-relay clinics`), counts
/// and dates only; nothing in it is readable patient data.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ClinicUsage {
    pub clinic_id: String,
    pub created_at_ms: i64,
    pub devices_active: u64,
    pub devices_pending: u64,
    pub devices_revoked: u64,
    /// Devices known only by the log another PC carried here (the clinic moved to this relay,
    /// or it lost the clinic), not joined yet.
    pub devices_carried: u64,
    /// Sealed change sets, and their bytes (nonce and ciphertext).
    pub records: u64,
    pub record_bytes: u64,
    /// When a device of the clinic last reached the relay (0: never).
    pub last_seen_ms: i64,
    /// The clinic's own file quota, set by the operator (`chairside-relay set-quota`); None: the
    /// one `serve --clinic-quota` gives every clinic (or none).
    pub file_quota: Option<u64>,
    /// The clinic left this relay for another one (a PC left its sealed move notice): its PCs
    /// follow at their next sync here; once none is seen here any more, it can be forgotten.
    pub moved_away: bool,
}

/// A relay backend. Implementations are blocking; the HTTP layer calls them off the async
/// runtime's threads.
pub trait Storage: Send + Sync + 'static {
    /// The backend's name for the health endpoint ("sqlite", "postgres").
    fn backend(&self) -> &'static str;
    /// Every clinic the relay holds, oldest first, with what it holds for each.
    fn clinics(&self) -> StorageResult<Vec<ClinicUsage>>;
    /// Deletes everything the relay's tables hold for a clinic (its records, streams, invites,
    /// devices and the clinic itself), in one transaction: a clinic that left the relay's
    /// operator, whose data must go (GDPR). Returns what it held; `None` for an unknown clinic.
    /// Its devices are refused from then on, as unknown ones.
    fn forget_clinic(&self, clinic_id: &str) -> StorageResult<Option<ClinicUsage>>;
    /// Sets a clinic's own file quota (see [`crate::quota`]), or clears it (None: the relay's
    /// default applies again). Returns false for an unknown clinic.
    fn set_file_quota(&self, clinic_id: &str, quota: Option<u64>) -> StorageResult<bool>;
    /// A clinic's own file quota, if the operator set one.
    fn file_quota(&self, clinic_id: &str) -> StorageResult<Option<u64>>;
    /// Creates a clinic with its first device and the hash of its recovery proof. Registering the
    /// same device with the same secret again is a no-op (a retried first sync); any other device
    /// of an existing clinic is refused.
    fn register(
        &self,
        clinic_id: &str,
        device_id: &str,
        secret_hash: [u8; 32],
        recovery_hash: [u8; 32],
    ) -> StorageResult<()>;
    /// Adds an active device to a clinic whose recovery proof hashes to `recovery_hash` (see
    /// [`plan_recover`] for a device the relay knows already).
    fn recover(
        &self,
        clinic_id: &str,
        recovery_hash: [u8; 32],
        device_id: &str,
        secret_hash: [u8; 32],
    ) -> StorageResult<()>;
    /// Replaces the hash of a clinic's recovery proof and its sealed salt, if the clinic's
    /// recovery version is `expected_version` (which goes up by one). Conflict otherwise: the
    /// key was renewed elsewhere a moment ago.
    fn renew_recovery(
        &self,
        clinic_id: &str,
        expected_version: i64,
        new_hash: [u8; 32],
        sealed_salt: &[u8],
    ) -> StorageResult<()>;
    /// The clinic's recovery version and last sealed salt.
    fn recovery_state(&self, clinic_id: &str) -> StorageResult<(i64, Option<Vec<u8>>)>;
    /// The clinic's data key epoch, its sealed ring of older keys, and `device_id`'s share of the
    /// current key (see [`chairside_protocol::ClinicKeys`]).
    fn clinic_keys(&self, clinic_id: &str, device_id: &str) -> StorageResult<KeyState>;
    /// What every heads reply says of the clinic's data key, in one query: its epoch, and
    /// whether an active device announced a box key and has no share of it (a PC holding the
    /// key then shares it, see [`chairside_protocol::Heads::keys_to_share`]).
    fn key_summary(&self, clinic_id: &str) -> StorageResult<(u32, bool)>;
    /// Keeps how far a device's clock stood from the relay's, as it last said (replacing any
    /// before; see [`chairside_protocol::ClockReport`]).
    fn report_clock(&self, clinic_id: &str, device_id: &str, offset_ms: i64) -> StorageResult<()>;
    /// Keeps a device's sealed box key (its announcement replaces any before).
    fn announce_box_key(
        &self,
        clinic_id: &str,
        device_id: &str,
        sealed: &[u8],
    ) -> StorageResult<()>;
    /// Records a renewal of the clinic's data key, or shares added to the current one (see
    /// [`plan_share_keys`]), in one transaction.
    fn share_keys(
        &self,
        clinic_id: &str,
        epoch: u32,
        ring: &[u8],
        shares: &[(String, Vec<u8>)],
    ) -> StorageResult<()>;
    /// Leaves (`Some`) or takes back (`None`) the clinic's sealed notice that it moved to
    /// another relay.
    fn set_move_notice(&self, clinic_id: &str, sealed: Option<&[u8]>) -> StorageResult<()>;
    /// The clinic's sealed move notice, if it left this relay.
    fn move_notice(&self, clinic_id: &str) -> StorageResult<Option<Vec<u8>>>;
    fn add_invite(
        &self,
        clinic_id: &str,
        code_hash: [u8; 32],
        expires_at_ms: i64,
    ) -> StorageResult<()>;
    /// Uses a pairing code: records the new device as pending in the code's clinic (the code
    /// cannot be used again). Returns the clinic id. A device the clinic's log carried here
    /// ([`DeviceStatus::Carried`]: a PC of the clinic whose recovery proof is out of date) takes
    /// its credential the same way; any other device already known is refused.
    fn enroll(
        &self,
        code_hash: [u8; 32],
        now_ms: i64,
        device: NewDevice<'_>,
    ) -> StorageResult<String>;
    /// Devices of a clinic waiting for approval: (id, name, public key, requested at).
    fn pending(&self, clinic_id: &str) -> StorageResult<Vec<PendingRow>>;
    /// Activates a pending device of the clinic and keeps the payload sealed to it.
    fn approve(&self, clinic_id: &str, device_id: &str, sealed: &[u8]) -> StorageResult<()>;
    /// The sealed payload of an approved device.
    fn sealed_for(&self, device_id: &str) -> StorageResult<Option<Vec<u8>>>;
    /// Revokes a device of a clinic: its credential stops working at once; its log stays. A
    /// device the relay does not know is recorded as revoked (a clinic that moved to this relay
    /// tells it which of its PCs were revoked, before they could join it). False only for a
    /// device of another clinic.
    fn revoke_device(&self, clinic_id: &str, device_id: &str) -> StorageResult<bool>;
    fn device(&self, device_id: &str) -> StorageResult<Option<DeviceRow>>;
    /// Notes that a device called (for "devices not seen today").
    fn touch(&self, device_id: &str, now_ms: i64) -> StorageResult<()>;
    /// Records that a file of this device was refused for its clinic's quota (see
    /// [`chairside_protocol::DeviceHead::file_refused_ms`]).
    fn note_file_refused(&self, device_id: &str, now_ms: i64) -> StorageResult<()>;
    /// Every non-pending device of one clinic with its log head, checksum and last call, sorted
    /// by device id.
    fn heads(&self, clinic_id: &str) -> StorageResult<Vec<DeviceHead>>;
    /// Makes sure the relay knows a device of the clinic whose log another PC carries here: an
    /// unknown one is recorded as [`DeviceStatus::Carried`], with no credential (see
    /// [`plan_carry`]). The records then go through [`Storage::push`].
    fn ensure_carried(&self, clinic_id: &str, device_id: &str) -> StorageResult<()>;
    /// Appends consecutive records of one device; returns its head and checksum after.
    fn push(
        &self,
        clinic_id: &str,
        device_id: &str,
        records: &[Record],
    ) -> StorageResult<(i64, String)>;
    /// Replaces records already stored in one device's log with the same change sets sealed
    /// again (a redaction after a GDPR erasure, see [`check_rewrite`]); when a record's bytes
    /// changed, computes the stream's checksum again from its first record and raises its
    /// revision by one, in one transaction. Returns the head (unchanged), the checksum and the
    /// revision after, and how many records were replaced. Which device may rewrite which stream
    /// is the HTTP layer's rule.
    fn rewrite(
        &self,
        clinic_id: &str,
        device_id: &str,
        records: &[Record],
    ) -> StorageResult<RewriteResponse>;
    /// Records of one device of one clinic with `idx > after`, at most `limit`, and the head.
    fn pull(
        &self,
        clinic_id: &str,
        device_id: &str,
        after: i64,
        limit: u32,
    ) -> StorageResult<(Vec<Record>, i64)>;
}

/// Milliseconds since the epoch, for the relay's timestamps.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The next checksum, given the previous one as hex (empty for the start of a stream).
/// The clinic's data key at the relay, as one PC asks for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyState {
    pub epoch: u32,
    pub ring: Option<Vec<u8>>,
    pub share: Option<Vec<u8>>,
    /// The clinic's active devices' sealed box keys, by device: (device, sealed, has a share).
    pub box_keys: Vec<(String, Vec<u8>, bool)>,
}

impl KeyState {
    /// The reply to `GET /v1/clinic/keys`.
    pub fn into_reply(self) -> chairside_protocol::ClinicKeys {
        use chairside_protocol::{AnnouncedBoxKey, Bytes};
        chairside_protocol::ClinicKeys {
            epoch: self.epoch,
            ring: self.ring.map(Bytes),
            share: self.share.map(Bytes),
            box_keys: self
                .box_keys
                .into_iter()
                .map(|(device_id, sealed, shared)| AnnouncedBoxKey {
                    device_id,
                    sealed: Bytes(sealed),
                    shared,
                })
                .collect(),
        }
    }
}

/// What [`Storage::share_keys`] does with a request for `requested` when the clinic's key is at
/// `current`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharePlan {
    /// A renewal: the ring and every share are replaced.
    Renew,
    /// The same key shared with more PCs: the shares are added (or replace that PC's), the ring
    /// is kept.
    AddShares,
}

/// Plans [`Storage::share_keys`]: a request below the current epoch is refused, since another
/// PC renewed the key since this one read it.
pub fn plan_share_keys(current: u32, requested: u32) -> StorageResult<SharePlan> {
    match requested.cmp(&current) {
        std::cmp::Ordering::Greater => Ok(SharePlan::Renew),
        std::cmp::Ordering::Equal if requested > 0 => Ok(SharePlan::AddShares),
        _ => Err(StorageError::Conflict(
            "the clinic's data key was renewed on another PC a moment ago: sync, then try again"
                .into(),
        )),
    }
}

/// [`Storage::renew_recovery`]'s refusal when the clinic's recovery version moved on: another
/// PC renewed the recovery key between this one's reading and its renewal.
pub(crate) fn recovery_renewed_elsewhere() -> StorageError {
    StorageError::Conflict(
        "the recovery key was renewed on another PC a moment ago: sync, then show the key (it is \
         the new one)"
            .into(),
    )
}

pub(crate) fn next_checksum(previous_hex: &str, record: &Record) -> String {
    let mut previous = EMPTY_CHECKSUM;
    if let Ok(bytes) = hex::decode(previous_hex)
        && bytes.len() == 32
    {
        previous.copy_from_slice(&bytes);
    }
    hex::encode(chain_checksum(&previous, record))
}

/// The hex checksum of an empty stream.
pub(crate) fn empty_checksum() -> String {
    hex::encode(EMPTY_CHECKSUM)
}

/// The stream a rewrite replaces records of: the one its records name (see [`check_rewrite`]),
/// the caller's own for an empty rewrite.
pub fn rewritten_stream<'a>(caller: &'a str, records: &'a [Record]) -> &'a str {
    records.first().map_or(caller, |r| r.device_id.as_str())
}

/// The rewrite rule, shared by backends: one rewrite replaces records of one device's log, each
/// one already stored (`1 ..= head`), in increasing order without repeats. Nothing else changes:
/// the log keeps its length, so no acknowledged record can disappear through a rewrite.
pub(crate) fn check_rewrite(head: i64, records: &[Record], device_id: &str) -> StorageResult<()> {
    let mut previous = 0;
    for record in records {
        if record.device_id != device_id {
            return Err(StorageError::Conflict(format!(
                "records of devices {device_id} and {} in one rewrite: a rewrite replaces records of one stream",
                record.device_id
            )));
        }
        if record.idx < 1 || record.idx > head {
            return Err(StorageError::Conflict(format!(
                "record {} of device {device_id} is not stored (the relay's head is {head}): only stored records can be rewritten",
                record.idx
            )));
        }
        if record.idx <= previous {
            return Err(StorageError::Conflict(format!(
                "record {} of device {device_id} is out of order or repeated in the rewrite",
                record.idx
            )));
        }
        previous = record.idx;
    }
    Ok(())
}

/// The checksum of a whole stream from its stored records, read in order; refuses a stream whose
/// records do not run 1, 2, … `head` without a gap (a damaged store).
pub(crate) fn stream_checksum(
    device_id: &str,
    head: i64,
    records: impl Iterator<Item = StorageResult<(i64, Vec<u8>, Vec<u8>)>>,
) -> StorageResult<String> {
    let mut checksum = EMPTY_CHECKSUM;
    let mut last = 0;
    for row in records {
        let (idx, nonce, ciphertext) = row?;
        if idx != last + 1 {
            return Err(StorageError::Backend(format!(
                "the log of device {device_id} has a gap after record {last}"
            )));
        }
        let record = Record {
            device_id: device_id.to_string(),
            idx,
            nonce: chairside_protocol::Bytes(nonce),
            ciphertext: chairside_protocol::Bytes(ciphertext),
        };
        checksum = chain_checksum(&checksum, &record);
        last = idx;
    }
    if last != head {
        return Err(StorageError::Backend(format!(
            "the log of device {device_id} holds {last} records but its head is {head}"
        )));
    }
    Ok(hex::encode(checksum))
}

/// The secret hash of a device with no credential at this relay: SHA-256 never gives it for a
/// real secret, so nothing authenticates as such a device.
pub(crate) const NO_SECRET: [u8; 32] = [0; 32];

/// A stored secret hash as the fixed-size value it is (a malformed column reads as
/// [`NO_SECRET`], which no secret matches).
pub(crate) fn secret_hash_of(column: &[u8]) -> [u8; 32] {
    column.try_into().unwrap_or(NO_SECRET)
}

/// What [`Storage::recover`] does, given what the relay knows of the device (its clinic, secret
/// hash and status): add it, give a carried device its credential, or nothing (the same device
/// retrying). A device of another clinic, a revoked one, or one holding another credential is
/// refused: the recovery proof adds devices, it does not take one over.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RecoverPlan {
    Insert,
    Activate,
    Nothing,
}

pub(crate) fn plan_recover(
    known: Option<(String, [u8; 32], DeviceStatus)>,
    clinic_id: &str,
    device_id: &str,
    secret_hash: [u8; 32],
) -> StorageResult<RecoverPlan> {
    let Some((clinic, hash, status)) = known else {
        return Ok(RecoverPlan::Insert);
    };
    let known = || StorageError::Conflict(format!("device {device_id} is already known"));
    if clinic != clinic_id {
        return Err(known());
    }
    match status {
        DeviceStatus::Carried => Ok(RecoverPlan::Activate),
        DeviceStatus::Active if hash == secret_hash => Ok(RecoverPlan::Nothing),
        DeviceStatus::Revoked => Err(StorageError::Conflict(format!(
            "device {device_id} was revoked by the clinic's owner: it may not join again"
        ))),
        DeviceStatus::Active | DeviceStatus::Pending => Err(known()),
    }
}

/// Whether [`Storage::ensure_carried`] must record the device, given what the relay knows of it
/// (its clinic and status). A device of another clinic is refused (a PC cannot put records in
/// another clinic's name), and so is a pending one (it has written nothing yet).
pub(crate) fn plan_carry(
    known: Option<(String, DeviceStatus)>,
    clinic_id: &str,
    device_id: &str,
) -> StorageResult<bool> {
    match known {
        None => Ok(true),
        Some((clinic, _)) if clinic != clinic_id => Err(StorageError::Conflict(format!(
            "device {device_id} is not a device of this clinic: its log cannot be carried here"
        ))),
        Some((_, DeviceStatus::Pending)) => Err(StorageError::Conflict(format!(
            "device {device_id} waits for the owner's approval: it has no log to carry"
        ))),
        Some(_) => Ok(false),
    }
}

/// The append rule, shared by backends: given the stored head, decide for each record whether it
/// is a retry (same bytes as stored), the next one, or a conflict. `stored` reads the bytes
/// already stored at an index.
pub(crate) fn plan_push<'r>(
    head: i64,
    records: &'r [Record],
    device_id: &str,
    mut stored: impl FnMut(i64) -> StorageResult<Option<(Vec<u8>, Vec<u8>)>>,
) -> StorageResult<Vec<&'r Record>> {
    let mut expected = head + 1;
    let mut fresh = Vec::new();
    for record in records {
        if record.device_id != device_id {
            return Err(StorageError::Conflict(format!(
                "record of device {} pushed by device {device_id}: a device pushes its own log only",
                record.device_id
            )));
        }
        if record.idx <= head {
            match stored(record.idx)? {
                Some((nonce, ciphertext))
                    if nonce == record.nonce.0 && ciphertext == record.ciphertext.0 => {}
                _ => {
                    return Err(StorageError::Conflict(format!(
                        "record {} of device {device_id} is already stored with other bytes: this device's log diverged from the relay's (was it restored from a backup?)",
                        record.idx
                    )));
                }
            }
        } else if record.idx == expected {
            fresh.push(record);
            expected += 1;
        } else {
            return Err(StorageError::Conflict(format!(
                "record {} of device {device_id} leaves a gap: the relay's head is {}",
                record.idx,
                expected - 1
            )));
        }
    }
    Ok(fresh)
}
