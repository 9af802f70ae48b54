//! The sync protocol between Chairside devices and the relay, version [`PROTOCOL_VERSION`].
//!
//! Every request and response body is JSON. Every request carries the header
//! [`VERSION_HEADER`]; a relay refuses any other version with [`ErrorBody`] code
//! `unsupported_version`, and a client refuses a relay's reply of another version the same way,
//! so an old PC never misreads a newer relay (or the reverse).
//!
//! What the relay sees: clinic ids, device ids, log indexes, sizes, times and ciphertext. The
//! change sets themselves are sealed by the client (XChaCha20-Poly1305 under the clinic's data
//! key) with [`associated_data`] binding clinic, device and index, so the relay can neither read
//! them nor move a record to another place in a log.
//!
//! Endpoints (all under `/v1`, all but `health` and `register` authenticated with
//! `Authorization: Bearer <device id>.<secret>`):
//! * `GET /health` → [`Health`]
//! * `POST /v1/register` [`RegisterRequest`] → [`RegisterResponse`]: the first sync of a clinic.
//! * `GET /v1/heads` → [`Heads`]: per-device log heads and stream checksums of the clinic.
//! * `POST /v1/records` [`PushRequest`] → [`PushResponse`]: append this device's records.
//! * `GET /v1/records?device=D&after=I&limit=N` → [`PullResponse`]: a page of a device's log.
//! * `POST /v1/records/rewrite` [`RewriteRequest`] → [`RewriteResponse`]: replace records already
//!   stored in one device's log (this device's or another's of the clinic, revoked ones included)
//!   with the same change sets sealed again after a GDPR erasure scrubbed them (a redaction). When
//!   a record's bytes change, the stream's checksum is computed again and its `revision` goes up,
//!   which tells every other device to read the stream again for its checksum.
//! * `POST /v1/invites` [`InviteRequest`] → `{}`: an enrolled device announces a one-time pairing
//!   code (the relay keeps its hash and expiry).
//! * `POST /v1/enroll` [`EnrollRequest`] (no credential: the code is the authorisation) →
//!   [`EnrollResponse`]: a new PC asks to join, with its X25519 public key.
//! * `GET /v1/enrollments` → [`PendingEnrollments`]; `POST /v1/enrollments/approve`
//!   [`ApproveRequest`] → `{}`: an owner's device approves, sealing the clinic key to the new PC.
//! * `GET /v1/enrollment` → [`EnrollmentStatus`]: the new PC fetches its sealed key.
//! * `POST /v1/devices/revoke` [`RevokeRequest`] → `{}`.
//! * `POST /v1/recover` [`RecoverRequest`] (authorised by the recovery proof) → `{}`: a new PC
//!   joins a clinic whose every device is lost.
//! * `GET /v1/clinic/recovery` → [`RecoveryState`]: the version of the clinic's recovery proof
//!   and its salt, sealed under the clinic key;
//! * `POST /v1/clinic/recovery` [`RenewRecoveryRequest`] → `{}`: the clinic's recovery key was
//!   renewed (a PC was revoked: it could compute the old proof); the old proof stops working.
//! * `GET /v1/clinic/keys` → [`ClinicKeys`]; `POST /v1/clinic/keys` [`ShareKeysRequest`] →
//!   `{}`: the clinic's data key was renewed (a PC was revoked, or the recovery sheet renewed):
//!   the relay keeps the key's epoch, the older keys sealed under the new one, and the new key
//!   sealed to each PC's own X25519 key (a share), and gives each PC its own share; it can read
//!   none of them. `POST /v1/devices/box-key` [`BoxKeyAnnouncement`] → `{}`: a PC announces the
//!   X25519 key its shares are sealed to.
//! * `POST /v1/devices/clock` [`ClockReport`] → `{}`: a PC says how far its clock stands from
//!   the relay's (measured against [`Heads::server_time_ms`]), so that the owner's end-of-day
//!   report names a PC whose clock is wrong: the last write wins by its clock.
//! * `POST /v1/clinic/moved` [`MoveNotice`] → `{}`: the clinic left this relay for another one
//!   (a planned move): the notice, sealed under the clinic key, names the new relay, and every
//!   [`Heads`] carries it so that the PCs not moved yet follow; an empty notice takes it back.
//! * Blobs (images, documents), outside the change sets, chunk by chunk so that an interrupted
//!   transfer resumes where it stopped. A blob is named by the client with a keyed hash of its
//!   content ([`is_blob_name`]), so the relay cannot recognise a known file; each chunk is sealed
//!   with [`blob_associated_data`]:
//!   * `GET /v1/blobs/NAME` → [`BlobStatus`]: which chunks the relay holds;
//!   * `PUT /v1/blobs/NAME/IDX?count=N`, body the sealed chunk (`nonce || ciphertext`, raw
//!     bytes) → `{}`; a chunk already there is kept (the first copy is as good);
//!   * `GET /v1/blobs/NAME/IDX` → the sealed chunk's raw bytes;
//!   * `GET /v1/blobs?after=NAME&limit=N` → [`BlobList`]: the blobs the relay holds whole for the
//!     clinic, by name, a page at a time (the owner's end-of-day sync checks that the relay
//!     still holds every file the PC knows it sent, and sends again those it lost).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// The header that carries the protocol version on every request and response.
pub const VERSION_HEADER: &str = "chairside-protocol";
/// The largest request body a relay accepts, and so the largest push a client sends.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The most records one pull returns.
pub const MAX_PAGE: u32 = 1000;
/// The largest sealed record (one change set) accepted.
pub const MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;

/// The most chunks a blob has (2 GiB in chunks of 1 MiB, and one more).
pub const MAX_BLOB_CHUNKS: u32 = 2049;
/// The plaintext bytes of a blob chunk, at most.
pub const BLOB_CHUNK_BYTES: usize = 1024 * 1024;
/// A sealed chunk: nonce, ciphertext and tag around at most [`BLOB_CHUNK_BYTES`].
pub const MAX_SEALED_CHUNK_BYTES: usize = BLOB_CHUNK_BYTES + 24 + 16;

/// Binds a sealed blob chunk to its clinic, blob, place and the blob's chunk count: a chunk moved
/// to another blob or place, or a blob cut short, fails to open.
pub fn blob_associated_data(clinic_id: &str, name: &str, idx: u32, count: u32) -> Vec<u8> {
    format!("chairside/v{PROTOCOL_VERSION}/blob\0{clinic_id}\0{name}\0{idx}\0{count}").into_bytes()
}

/// Whether a text can name a blob at the relay: 64 lowercase hex digits.
pub fn is_blob_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The reply to a blob's deletion: whether the relay held it (deleting one it does not hold is
/// no error). Older relays answer `{}`, read as false.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobDeleted {
    #[serde(default)]
    pub deleted: bool,
}

/// The most blob names one listing examines ([`BlobList`]).
pub const MAX_BLOB_LIST: u32 = 5000;

/// A page of the blobs a relay holds for the clinic, in ascending order of name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobList {
    /// The blobs of the page whose every chunk the relay holds (one cut short is left out).
    pub complete: Vec<String>,
    /// When more blobs may follow: the last name this page examined; the next page is asked
    /// for after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

/// What the relay holds of a blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStatus {
    /// The chunk count given with the first chunk uploaded (None: nothing uploaded yet).
    pub count: Option<u32>,
    /// Indexes of the chunks held, ascending.
    pub present: Vec<u32>,
}

impl BlobStatus {
    /// Every chunk is there.
    pub fn complete(&self) -> bool {
        self.count
            .is_some_and(|n| self.present.len() as u64 == u64::from(n))
    }
}

/// Binds a sealed record to its place: clinic, device and index. A record moved to another clinic,
/// device or index fails to open.
pub fn associated_data(clinic_id: &str, device_id: &str, idx: i64) -> Vec<u8> {
    format!("chairside/v{PROTOCOL_VERSION}/record\0{clinic_id}\0{device_id}\0{idx}").into_bytes()
}

/// Bytes carried as base64 text in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        BASE64
            .decode(text.as_bytes())
            .map(Bytes)
            .map_err(serde::de::Error::custom)
    }
}

/// One sealed change set: the unit the relay stores and serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub device_id: String,
    /// Position in the device's gap-free log, from 1.
    pub idx: i64,
    /// XChaCha20-Poly1305 nonce (24 bytes).
    pub nonce: Bytes,
    pub ciphertext: Bytes,
}

impl Record {
    /// Bytes of sealed data (nonce and ciphertext).
    pub fn size(&self) -> usize {
        self.nonce.0.len() + self.ciphertext.0.len()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub protocol_version: u32,
    pub backend: String,
}

/// The first sync of a clinic: the relay creates the clinic and the device's credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub clinic_id: String,
    pub device_id: String,
    /// A random secret of at least 32 bytes chosen by the device; the relay keeps its hash.
    pub secret: Bytes,
    pub recovery: RecoveryRegistration,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterResponse {
    pub clinic_id: String,
    pub device_id: String,
}

/// The clinic's first registration also carries the hash of its recovery proof (see
/// [`RecoverRequest`]), so that the printed recovery key can later add a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryRegistration {
    /// SHA-256 of the recovery proof, hex.
    pub proof_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRequest {
    /// SHA-256 of the pairing code, hex: the relay never sees the code before it is used.
    pub code_hash: String,
    pub expires_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    pub device_id: String,
    pub secret: Bytes,
    /// The new PC's X25519 public key (32 bytes): the clinic key is sealed to it.
    pub public_key: Bytes,
    pub device_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub clinic_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEnrollment {
    pub device_id: String,
    pub device_name: String,
    pub public_key: Bytes,
    pub requested_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEnrollments {
    pub pending: Vec<PendingEnrollment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveRequest {
    pub device_id: String,
    /// The enrollment payload sealed to the new PC's public key.
    pub sealed: Bytes,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentStatus {
    /// Present once an owner approved.
    pub sealed: Option<Bytes>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeRequest {
    pub device_id: String,
}

/// Replaces the hash of the clinic's recovery proof and the sealed salt it was made with, if the
/// clinic's recovery state is still at `expected_version` (else [`code::CONFLICT`]: another PC
/// renewed the key a moment ago); the version then goes up by one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewRecoveryRequest {
    pub expected_version: i64,
    /// SHA-256 of the new recovery proof, hex.
    pub new_proof_hash: String,
    /// The new salt sealed under the clinic key (`nonce || ciphertext`, at most
    /// [`MAX_SEALED_SALT_BYTES`]): the relay keeps it for the clinic's PCs, unable to read it.
    pub sealed_salt: Bytes,
}

/// A clinic's recovery state at the relay: how many times its key was renewed there, and the
/// last renewal's sealed salt (none before the first). Every active PC of the clinic may read it,
/// so a renewal whose PC never synced again does not leave the others behind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryState {
    pub version: i64,
    pub sealed_salt: Option<Bytes>,
}

/// The largest sealed salt a relay keeps (a 15-byte salt sealed takes 55).
pub const MAX_SEALED_SALT_BYTES: usize = 256;

/// The clinic left this relay for another one ([`feature::CLINIC_MOVED`]). `sealed` is the new
/// relay's address sealed under the clinic key (`nonce || ciphertext`, at most
/// [`MAX_MOVE_NOTICE_BYTES`]), which the relay cannot read or forge; `None` takes the notice back
/// (the clinic is at this relay again).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveNotice {
    pub sealed: Option<Bytes>,
}

/// The largest sealed move notice a relay keeps (an address of a few hundred characters).
pub const MAX_MOVE_NOTICE_BYTES: usize = 2048;

/// Adds a device to a clinic with the proof derived from the clinic's recovery key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoverRequest {
    pub clinic_id: String,
    pub proof: Bytes,
    pub device_id: String,
    pub secret: Bytes,
}

/// An empty JSON object reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// Where a device's log stands at the relay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceHead {
    pub device_id: String,
    pub head: i64,
    /// [`chain_checksum`] of the stream's records up to `head`, hex.
    pub checksum: String,
    /// When the device last called the relay (ms since the epoch; 0 if never).
    #[serde(default)]
    pub last_seen_ms: i64,
    #[serde(default)]
    pub revoked: bool,
    /// How many times records of this stream were rewritten (redactions after an erasure). A
    /// device whose copy of the checksum was computed at another revision reads the stream again.
    #[serde(default)]
    pub revision: i64,
    /// When the relay last refused a file of this device for the clinic's quota (ms since the
    /// epoch; 0 if never): the file waits on that PC, and the owner's end-of-day report names it.
    #[serde(default)]
    pub file_refused_ms: i64,
    /// How far the PC's clock stood from the relay's when it last said ([`ClockReport`]), in
    /// milliseconds, positive when it runs ahead. Absent until it says (and from older relays).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heads {
    pub devices: Vec<DeviceHead>,
    /// The relay's blob folder, by the random id written in it when it was created. A device
    /// that sees it change uploads its files again: the folder was lost or replaced. Absent
    /// from relays older than it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_folder: Option<String>,
    /// What this relay can do beyond the first version of the protocol ([`feature`]), so that a
    /// newer PC does not ask an older relay for it. Absent from relays older than it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// The clinic's files at the relay against the quota its operator set, so the owner sees
    /// it coming before a file is refused. Absent when there is no quota (or from an older
    /// relay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_room: Option<FileRoom>,
    /// The clinic's [`MoveNotice`], sealed, when it left this relay for another one: the PCs
    /// that open it follow. Absent otherwise (and from relays older than it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved: Option<Bytes>,
    /// The epoch of the clinic's data key at this relay ([`ClinicKeys`]): a PC holding an
    /// older one fetches its share before it seals anything. 0 (or absent, from an older relay)
    /// until the key is first renewed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub key_epoch: u32,
    /// An active PC announced a box key and has no share of the current key: a PC holding the
    /// key shares it ([`ShareKeysRequest`]). False (or absent) otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keys_to_share: bool,
    /// The relay's clock when it answered (ms since the epoch): a PC measures its own clock
    /// against it. 0 (or absent, from an older relay) when unknown.
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub server_time_ms: i64,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_i64(n: &i64) -> bool {
    *n == 0
}

/// `POST /v1/devices/clock` ([`feature::CLOCK_REPORT`]): how far the calling PC's clock stands
/// from the relay's, in milliseconds, positive when it runs ahead (at most
/// [`MAX_CLOCK_OFFSET_MS`] either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockReport {
    pub offset_ms: i64,
}

/// A PC clock this far from the relay's, or farther, is said to be off: its writes would win or
/// lose against the other PCs' by minutes, so the PC and the owner's end-of-day report say so.
/// Five minutes: far past what a synchronised clock drifts (seconds a day), well under a
/// wrongly set one (a time zone, a dead CMOS battery).
pub const CLOCK_OFF_MS: i64 = 5 * 60_000;

/// The largest clock offset a PC may report: a hundred years, past any clock a person set.
pub const MAX_CLOCK_OFFSET_MS: i64 = 100 * 366 * 24 * 3_600_000;

/// The clinic's data key as the relay keeps it for one PC ([`feature::KEY_ROTATION`]): the
/// current epoch, the older keys sealed under the current one (`ring`), the current key sealed
/// to this PC's X25519 key (`share`) when a PC left one for it, and the box keys the clinic's
/// active PCs announced (to seal a renewed key to). Epoch 0 and no ring until the key is first
/// renewed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicKeys {
    pub epoch: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub box_keys: Vec<AnnouncedBoxKey>,
}

/// An active PC's X25519 public key as it announced it ([`BoxKeyAnnouncement`]), and whether the
/// relay holds a share of the current data key for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncedBoxKey {
    pub device_id: String,
    pub sealed: Bytes,
    pub shared: bool,
}

/// `POST /v1/devices/box-key`: a PC announces its X25519 public key, sealed under the clinic's
/// data key and bound to the clinic and the PC (at most [`MAX_KEY_SHARE_BYTES`]), so that a PC
/// renewing the data key can seal the new one to it; the relay cannot forge one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoxKeyAnnouncement {
    pub sealed: Bytes,
}

/// One PC's share of a data key: the key sealed to the PC's X25519 key (`crypto_box` sealed box).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyShare {
    pub device_id: String,
    pub sealed: Bytes,
}

/// A renewal of the clinic's data key (`epoch` above the relay's: the ring and the shares replace
/// the old ones; the same epoch as the relay's: the shares are added, for PCs left out, and the
/// ring is kept; below it: [`code::CONFLICT`], another PC renewed the key a moment ago).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareKeysRequest {
    pub epoch: u32,
    /// The older keys sealed under the key of `epoch` (at most [`MAX_KEY_RING_BYTES`]).
    pub ring: Bytes,
    /// At most [`MAX_KEY_SHARES`], each at most [`MAX_KEY_SHARE_BYTES`].
    pub shares: Vec<KeyShare>,
}

/// The largest sealed ring of older keys a relay keeps (about 80 bytes a key).
pub const MAX_KEY_RING_BYTES: usize = 64 * 1024;
/// The most shares one renewal may leave (a clinic's PCs).
pub const MAX_KEY_SHARES: usize = 256;
/// The largest share a relay keeps (a key sealed to an X25519 key takes under 200 bytes).
pub const MAX_KEY_SHARE_BYTES: usize = 512;

/// Bytes of the clinic's files the relay holds, and the most it may hold (see
/// [`code::QUOTA_EXCEEDED`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRoom {
    pub used: u64,
    pub quota: u64,
}

impl Heads {
    /// Whether the relay that sent these heads can do `feature` (one of [`feature`]).
    pub fn can(&self, feature: &str) -> bool {
        self.features.iter().any(|f| f == feature)
    }
}

/// Capabilities a relay lists in its [`Heads`].
pub mod feature {
    /// Any active device may rewrite any stream of its clinic (redaction by another PC), and a
    /// rewrite to the same bytes changes nothing.
    pub const REWRITE_ANY_STREAM: &str = "rewrite_any_stream";
    /// `GET /v1/blobs` lists the blobs held whole ([`super::BlobList`]).
    pub const BLOB_LIST: &str = "blob_list";
    /// `POST /v1/records/carry`: an active device may append records of another device's log
    /// of its clinic that the relay lacks (it lost them, or the clinic moved to it), the same
    /// bytes that device would push; a device the relay does not know is recorded without a
    /// credential until it joins with the recovery proof.
    pub const CARRY_STREAMS: &str = "carry_streams";
    /// `GET`/`POST /v1/clinic/recovery`: the clinic's recovery proof can be replaced.
    pub const RENEW_RECOVERY: &str = "renew_recovery";
    /// `POST /v1/clinic/moved`: the clinic's PCs leave a sealed notice naming the relay the
    /// clinic moved to, and [`super::Heads::moved`] carries it.
    pub const CLINIC_MOVED: &str = "clinic_moved";
    /// `GET`/`POST /v1/clinic/keys`: the clinic's data key can be renewed, each PC fetching its
    /// share ([`super::ClinicKeys`]), and [`super::Heads::key_epoch`] tells which key is current.
    pub const KEY_ROTATION: &str = "key_rotation";
    /// `POST /v1/devices/clock` keeps each PC's clock offset ([`super::ClockReport`]), and
    /// [`super::DeviceHead::clock_offset_ms`] carries it.
    pub const CLOCK_REPORT: &str = "clock_report";
    /// Everything this build's relay can do.
    pub const ALL: &[&str] = &[
        REWRITE_ANY_STREAM,
        BLOB_LIST,
        CARRY_STREAMS,
        RENEW_RECOVERY,
        CLINIC_MOVED,
        KEY_ROTATION,
        CLOCK_REPORT,
    ];
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    /// Consecutive records of the authenticated device, in order (for a carry: of the one other
    /// device they name, see [`feature::CARRY_STREAMS`]).
    pub records: Vec<Record>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The device's head at the relay after the push.
    pub head: i64,
    pub checksum: String,
}

/// Records of one device's log (the stream is the one the records name), each already stored at
/// the relay, sealed again from the scrubbed change set: in increasing order of index, without
/// repeats. Sealing is deterministic, so a record already redacted by another PC comes with the
/// same bytes and changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewriteRequest {
    pub records: Vec<Record>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewriteResponse {
    /// The stream's head (unchanged) and its checksum over the rewritten records.
    pub head: i64,
    pub checksum: String,
    /// The stream's revision after the rewrite (unchanged if no record's bytes changed).
    pub revision: i64,
    /// How many of the records had other bytes at the relay and were replaced (the others were
    /// redacted already, by another PC).
    #[serde(default)]
    pub replaced: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    pub records: Vec<Record>,
    /// The device's head at the relay (more to pull while the last record's idx is below it).
    pub head: i64,
}

/// Every error reply: a stable code and a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// Stable error codes of the relay.
pub mod code {
    pub const UNSUPPORTED_VERSION: &str = "unsupported_version";
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const REVOKED: &str = "revoked";
    pub const BAD_REQUEST: &str = "bad_request";
    pub const TOO_LARGE: &str = "too_large";
    pub const RATE_LIMITED: &str = "rate_limited";
    /// A push does not continue the device's log (a gap), or rewrites a stored index with
    /// different bytes: the device's log diverged from the relay's.
    pub const CONFLICT: &str = "conflict";
    pub const ALREADY_REGISTERED: &str = "already_registered";
    /// A pairing code that is unknown, used or expired.
    pub const BAD_CODE: &str = "bad_code";
    pub const NOT_FOUND: &str = "not_found";
    pub const INTERNAL: &str = "internal";
    /// The relay's disk (or its database's) is full: nothing of the request was kept. Its
    /// operator must free or add space; the devices keep everything meanwhile.
    pub const STORAGE_FULL: &str = "storage_full";
    /// The clinic's files (images, documents) at the relay reached the quota its operator set:
    /// a new file is refused (one begun is completed). Change sets are never refused for it.
    pub const QUOTA_EXCEEDED: &str = "quota_exceeded";
}

/// The checksum of an empty stream.
pub const EMPTY_CHECKSUM: [u8; 32] = [0; 32];

/// Extends a device's stream checksum by one record:
/// `c_i = SHA-256(c_{i-1} || idx_i as 8 big-endian bytes || SHA-256(nonce_i || ciphertext_i))`,
/// from `c_0 =` [`EMPTY_CHECKSUM`]. Client and relay compute it over the same sealed bytes, so
/// equal checksums at equal heads mean equal streams, and a difference after a sync is a
/// divergence to report.
pub fn chain_checksum(previous: &[u8; 32], record: &Record) -> [u8; 32] {
    let mut inner = Sha256::new();
    inner.update(&record.nonce.0);
    inner.update(&record.ciphertext.0);
    let mut outer = Sha256::new();
    outer.update(previous);
    outer.update(record.idx.to_be_bytes());
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// A pairing code as the relay hashes it: upper case, without spaces or dashes, so that
/// "k7qx-m2pd" typed on the new PC matches "K7QX-M2PD" shown on the owner's.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Checks a version header value.
pub fn check_version(header: Option<&str>) -> Result<(), ErrorBody> {
    match header.and_then(|v| v.trim().parse::<u32>().ok()) {
        Some(PROTOCOL_VERSION) => Ok(()),
        Some(other) => Err(ErrorBody {
            code: code::UNSUPPORTED_VERSION.into(),
            message: format!(
                "protocol version {other} is not supported (this side speaks {PROTOCOL_VERSION}): update Chairside or the relay so both speak the same version"
            ),
        }),
        None => Err(ErrorBody {
            code: code::UNSUPPORTED_VERSION.into(),
            message: format!(
                "missing or unreadable {VERSION_HEADER} header: this side speaks version {PROTOCOL_VERSION}"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn versions_other_than_this_one_are_refused_with_a_reason() {
        assert!(check_version(Some("1")).is_ok());
        let e = check_version(Some("2")).unwrap_err();
        assert_eq!(e.code, code::UNSUPPORTED_VERSION);
        assert!(e.message.contains("version 2"));
        assert!(check_version(None).is_err());
        assert!(check_version(Some("abc")).is_err());
    }

    #[test]
    fn records_round_trip_as_json_with_base64_bytes() {
        let r = Record {
            device_id: "d".into(),
            idx: 3,
            nonce: Bytes(vec![1; 24]),
            ciphertext: Bytes(vec![0, 255, 7]),
        };
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains("\"ciphertext\":\"AP8H\""), "{text}");
        assert_eq!(serde_json::from_str::<Record>(&text).unwrap(), r);
        assert!(serde_json::from_str::<Record>(&text.replace("AP8H", "%%")).is_err());
    }

    #[test]
    fn associated_data_differs_by_clinic_device_and_index() {
        let base = associated_data("c", "d", 1);
        assert_ne!(base, associated_data("c2", "d", 1));
        assert_ne!(base, associated_data("c", "d2", 1));
        assert_ne!(base, associated_data("c", "d", 2));
    }

    #[test]
    fn the_stream_checksum_covers_index_and_bytes() {
        let r = |idx: i64, byte: u8| Record {
            device_id: "d".into(),
            idx,
            nonce: Bytes(vec![byte; 24]),
            ciphertext: Bytes(vec![byte; 10]),
        };
        let one = chain_checksum(&EMPTY_CHECKSUM, &r(1, 1));
        assert_ne!(one, chain_checksum(&EMPTY_CHECKSUM, &r(2, 1)));
        assert_ne!(one, chain_checksum(&EMPTY_CHECKSUM, &r(1, 2)));
        assert_ne!(
            chain_checksum(&one, &r(2, 2)),
            chain_checksum(&EMPTY_CHECKSUM, &r(2, 2))
        );
    }
}
