//! Chairside's sync client. One call, [`sync`], brings this device and the relay level:
//!
//! 1. read the relay's per-device heads and stream checksums;
//! 2. upload the blobs stored here that the relay lacks ([`blobs`]), then push this device's
//!    change sets the relay lacks, sealed ([`seal`]) in pages (blobs first: a record naming a
//!    blob never reaches another PC before the blob can);
//! 3. pull, page by page, every other device's records this device lacks, open each (a record that
//!    does not authenticate stops the sync before anything of it is applied) and merge it through
//!    the store;
//! 4. compare each stream's checksum with the relay's: a difference is a divergence, reported;
//! 5. replace at the relay the change sets, of any device, that a GDPR erasure scrubbed here after
//!    they reached it (sealed again from the scrubbed log), then read each changed stream back to
//!    check it.
//!
//! Every step is resumable: what was applied is in the store, how far each stream was read is in
//! `sync_stream` (written after the merge, so a crash in between re-reads a record whose merge is
//! then a no-op). The relay URL, this device's secret and the clinic's data key are local settings
//! of the store (`sync.*`), inside the encrypted database.

pub mod blobs;
pub mod clock;
pub mod contacts;
pub mod enroll;
pub mod keys;
pub mod progress;
pub mod seal;
pub mod transport;

use std::collections::{BTreeMap, VecDeque};

use chairside_domain::DeviceId;
use chairside_protocol::{MAX_PAGE, Record, RewriteResponse, chain_checksum, code};
use chairside_store::{ChangeSet, Store, StoreError, changes, sync_state};

/// A relay's refusal, as [`SyncError::Relay`] carries it.
pub use chairside_protocol::ErrorBody;
/// The relay's error codes, which [`SyncError::Relay`] carries (the app passes them on as the
/// reason of a refusal).
pub use chairside_protocol::code as relay_code;
pub use keys::KeyRing;
pub use progress::{OnProgress, Progress};
pub use seal::ClinicKey;
pub use transport::{DeviceCredential, HttpRelay, Transport};

/// Local settings used by sync.
pub mod setting {
    pub const RELAY_URL: &str = "sync.relay_url";
    /// The relay of this PC's last sync that went through: the one the clinic leaves when the
    /// owner moves it (`RELAY_URL` may already hold an address typed for the new relay).
    pub const LAST_SYNCED_RELAY: &str = "sync.last_synced_relay";
    pub const SECRET: &str = "sync.secret";
    /// The clinic's current data key (hex).
    pub const CLINIC_KEY: &str = "sync.clinic_key";
    /// Every data key of the clinic by epoch, once it was renewed (see [`crate::keys`]).
    pub const CLINIC_KEY_RING: &str = "sync.clinic_key_ring";
    /// This PC's X25519 secret, to which a renewed data key is sealed (see [`crate::keys`]).
    pub const BOX_SECRET: &str = "sync.box_secret";
    /// The last set of this PC's log it ever sealed and pushed: sets up to it keep the key
    /// epoch they were sealed under (see [`crate::keys`]).
    pub const OWN_SEALED_THROUGH: &str = "sync.own_sealed_through";
    /// The relay (address) this PC announced its box key at (see [`crate::keys`]).
    pub const BOX_KEY_ANNOUNCED: &str = "sync.box_key_announced";
    pub const CLINIC_ID: &str = "sync.clinic_id";
    pub const REGISTERED: &str = "sync.registered";
    /// The X25519 secret of a pending enrollment (emptied once the clinic key arrived).
    pub const ENROLL_KEY: &str = "sync.enroll_key";
    /// A renewed recovery key's salt until the clinic row holds it (see [`crate::enroll::renew_recovery`]).
    pub const RECOVERY_SALT_PENDING: &str = "sync.recovery_salt_pending";
    /// The relay's blob folder id as last seen (see `Heads::blob_folder`).
    pub const RELAY_BLOB_FOLDER: &str = "sync.relay_blob_folder";
    /// When this PC last checked that the relay holds its files (ms since the epoch; see
    /// `blobs::check_at_relay`).
    pub const FILES_CHECKED_AT: &str = "sync.files_checked_at_ms";
    /// What the relay said of each PC at this PC's last sync (see [`crate::contacts`]).
    pub const RELAY_CONTACTS: &str = "sync.relay_contacts";
}

/// The revision a stream's checksum is tracked at when it was taken from the relay without
/// being checked: no relay revision is negative, so the next sync sees the stream as rewritten
/// and checks it (see the push in [`sync`]).
pub(crate) const UNCHECKED: i64 = -1;

/// Raw sealed bytes pushed per request, at most (the relay's body limit, less base64's growth).
const PUSH_PAGE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "the relay at {url} cannot be reached ({reason}): check the network; changes wait here and the next sync sends them"
    )]
    Unreachable { url: String, reason: String },
    #[error(
        "this PC does not trust the relay at {url}: {reason}. Nothing was sent. Check the relay's address; if it is right, have the certificate of the authority that signed the relay's installed on this PC, or the relay's certificate renewed"
    )]
    RelayNotTrusted { url: String, reason: String },
    #[error("the relay refused: {}", .0.message)]
    Relay(ErrorBody),
    #[error(
        "the relay sent a reply this PC cannot use ({0}): nothing of it was applied; if it lasts, tell whoever runs the relay"
    )]
    BadReply(String),
    #[error("{0:?} is not a relay URL: give one starting with http:// or https://")]
    BadRelayUrl(String),
    #[error("no relay is set for this PC: run `chairside sync --relay URL` once")]
    NoRelay,
    #[error(
        "the relay does not know this PC (unknown device or wrong credential). If the clinic moved to this relay, or the relay lost its data, the owner joins this PC to it, which sends it everything this PC holds: Rejoin in the Sync panel, or `chairside sync --relay URL --rejoin`. Otherwise check the relay's address"
    )]
    UnknownToRelay,
    #[error(
        "record {idx} of device {device} was rejected and nothing of it was applied: {why}. If every record fails, this PC holds another clinic's key; otherwise the relay's copy is damaged: tell the clinic's owner"
    )]
    Tampered {
        device: String,
        idx: i64,
        why: String,
    },
    #[error(
        "the log of device {device} differs between this PC and the relay at record {head} (checksum mismatch): sync stopped; tell the clinic's owner"
    )]
    Diverged { device: String, head: i64 },
    #[error(
        "this file is not on the relay yet: the PC that stored it has not sent it (it has not synced since, or the relay is short of room: that PC says so); sync that PC, then open the file again"
    )]
    BlobNotUploaded,
    #[error(
        "the copy of file {sha256} on the relay was rejected and not kept ({why}): tell the clinic's owner; the PC that stored it still holds it"
    )]
    TamperedBlob { sha256: String, why: String },
    #[error("this PC has not received the clinic's key yet: finish its enrollment first")]
    NoClinicKey,
    #[error(
        "this PC's request to join waits for the owner's approval: on the owner's PC run `chairside device approve`, then sync here again"
    )]
    WaitingForApproval,
    #[error("this recovery key is not valid ({0}): type it again from the printed sheet")]
    BadRecoveryKey(String),
    #[error(
        "the recovery key was renewed on another PC a moment ago: sync this PC, then show the key (it is the new one); renew it again only if needed"
    )]
    RecoveryRenewedElsewhere,
    #[error(
        "the clinic moved to the relay at {to}, which did not take this PC ({why}): the clinic's recovery key was renewed there since this PC last synced. On the owner's PC, sync once with the relay the clinic left (`chairside sync --relay {from}`): that brings it the current key, and the owner's PC goes back to the new relay by itself; this PC follows at its next sync"
    )]
    MoveNotFollowed {
        from: String,
        to: String,
        why: String,
    },
    #[error(
        "the relay at {relay} holds the clinic but does not take this PC's recovery key: it was renewed since this PC last synced. Ask an owner's PC for a pairing code (`chairside device invite`, or \"Add a PC\" in the Sync panel) and join with it, keeping what this PC holds: `chairside sync --relay {relay} --rejoin --code CODE`, or the pairing code form of the Sync panel"
    )]
    ProofRefused { relay: String },
    #[error(
        "the clinic moved to the relay at {to}, which this PC has not followed yet: sync this PC (it follows), then try again"
    )]
    ClinicMovedAway { to: String },
    #[error(
        "the clinic's data key was renewed (a PC was revoked) and no PC has shared the new key with this one yet: this PC's changes were sent, nothing was received. Sync another PC of the clinic (the owner's), then this one again"
    )]
    KeyNotShared,
    #[error(
        "the clinic's data key was renewed on another PC a moment ago: sync this PC, then try again"
    )]
    KeyRenewedElsewhere,
    #[error(
        "the relay's copy of the clinic's renewed data key was rejected and nothing of it was used ({0}): tell the clinic's owner"
    )]
    BadKeyShare(String),
    #[error(
        "this recovery key was printed before the clinic's data key was last renewed, so it cannot read what was written since: restore with the sheet printed after the last renewal (`chairside recovery show`, or \"Practice recovery key\" in the Sync panel, on any PC of the clinic)"
    )]
    RecoveryKeyOutdated,
    #[error("{0}: type the code as the owner's PC shows it")]
    BadPairingCode(String),
    #[error("no pending request from device {0}: list them with `chairside device approve`")]
    NoSuchRequest(String),
    #[error(
        "this data directory already belongs to a clinic: enroll or recover into an empty data directory"
    )]
    AlreadyInClinic,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal sync error: {0}")]
    Internal(String),
}

impl SyncError {
    /// Whether waiting and trying again may help (network down, relay busy).
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Unreachable { .. } => true,
            SyncError::Relay(e) => e.code == code::RATE_LIMITED || e.code == code::INTERNAL,
            _ => false,
        }
    }
}

/// What one sync did, per device stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub device_id: String,
    /// Change sets sent by this device.
    pub sent: u64,
    /// Change sets received, per device.
    pub received: BTreeMap<String, u64>,
    /// Sealed bytes sent and received.
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Blobs uploaded (images, documents) and their sealed bytes.
    pub blobs_sent: u64,
    pub blob_bytes_sent: u64,
    /// Change sets (of any device) sealed again and replaced at the relay after an erasure
    /// scrubbed them (those another PC had replaced already are not counted).
    pub redacted: u64,
    /// Blobs this sync deleted at the relay (those it still held): files replaced by copies
    /// without an erased patient's identity.
    pub blobs_retired: u64,
    /// Records read from the relay again only for a stream's checksum, their sets merged here
    /// already (a rewritten stream this device could not check from its own copy, a relay
    /// restored from an older backup, a push reply lost).
    pub reread: u64,
    /// Files the relay had no room for (its quota for the clinic, or its disk): they wait on
    /// this PC; the change sets went all the same.
    pub files_held_back: Option<blobs::FilesHeldBack>,
    /// Change sets of other devices' logs this PC brought to the relay, which lacked them (see
    /// `carry_streams`), and the logs it refused to take from this PC (it holds them with other
    /// bytes: their authors, or PCs holding them as the relay does, bring them).
    pub carried: u64,
    pub streams_not_carried: u64,
    /// Every stream's checksum matched the relay's at the end.
    pub checksums_match: bool,
    /// Devices whose log the relay holds, with their heads.
    pub heads: BTreeMap<String, i64>,
    /// The relay the clinic moved to, by the sealed notice this relay holds (a planned move, see
    /// [`enroll::leave_move_notice`]): this PC should follow ([`enroll::follow_move`]).
    pub moved_to: Option<String>,
    /// This sync followed the clinic to that relay, and synced there.
    pub followed_to: Option<String>,
    /// This PC's clock minus the relay's, in milliseconds, as measured at the start of the sync
    /// (see [`clock`]); None when the relay does not say its time.
    pub clock_offset_ms: Option<i64>,
    /// Files fetched ahead of need after the sync (the radiographs of the patients booked soon,
    /// see the app's sync), whole now, and the sealed bytes that crossed for them.
    pub files_prefetched: u64,
    pub file_bytes_prefetched: u64,
}

impl SyncReport {
    /// Adds a later sync's figures to this one's (a second sync that sends what the first one
    /// led this device to write); the end state (checksums, heads) is the later one's.
    pub fn absorb(&mut self, later: SyncReport) {
        self.sent += later.sent;
        for (device, n) in later.received {
            *self.received.entry(device).or_default() += n;
        }
        self.bytes_sent += later.bytes_sent;
        self.bytes_received += later.bytes_received;
        self.blobs_sent += later.blobs_sent;
        self.blob_bytes_sent += later.blob_bytes_sent;
        self.redacted += later.redacted;
        self.blobs_retired += later.blobs_retired;
        self.reread += later.reread;
        self.carried += later.carried;
        self.streams_not_carried += later.streams_not_carried;
        self.checksums_match = later.checksums_match;
        self.heads = later.heads;
        self.files_held_back = later.files_held_back;
        self.moved_to = later.moved_to;
        self.followed_to = later.followed_to.or(self.followed_to.take());
        self.clock_offset_ms = later.clock_offset_ms.or(self.clock_offset_ms);
        self.files_prefetched += later.files_prefetched;
        self.file_bytes_prefetched += later.file_bytes_prefetched;
    }
}

/// This PC's wall clock, in milliseconds since the epoch.
fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The device's sync identity: read from the store, created on first use.
#[derive(Debug, Clone)]
pub struct Identity {
    pub clinic_id: String,
    pub credential: DeviceCredential,
    /// The clinic's current data key: what this PC seals now is sealed under it.
    pub key: ClinicKey,
    /// Every key of the clinic this PC holds (see [`keys`]), the current one included.
    pub keys: KeyRing,
}

/// Loads this device's sync identity; on the clinic's first device, creates the secret and the
/// clinic key (`first_device`), else expects them from enrollment.
pub fn identity(store: &Store, first_device: bool) -> Result<Identity, SyncError> {
    let clinic_id = match store.local_setting(setting::CLINIC_ID)? {
        Some(id) => id,
        None => {
            let clinic =
                chairside_store::clinic::get(store.conn())?.ok_or(SyncError::NoClinicKey)?;
            let id = clinic.id.to_string();
            store.set_local_setting(setting::CLINIC_ID, &id)?;
            id
        }
    };
    let key = match store.local_setting(setting::CLINIC_KEY)? {
        Some(hex) => ClinicKey::from_hex(&hex)
            .ok_or_else(|| SyncError::Internal("the stored clinic key is malformed".into()))?,
        None if first_device => {
            let key = ClinicKey::random();
            store.set_local_setting(setting::CLINIC_KEY, &key.to_hex())?;
            key
        }
        None => return Err(SyncError::NoClinicKey),
    };
    let secret = enroll::device_secret(store)?;
    let keys = keys::load_ring(store, key)?;
    #[allow(clippy::expect_used)] // load_ring checks that the ring holds its current key
    let key = keys
        .get(keys.current_epoch())
        .expect("the ring holds its current key")
        .clone();
    Ok(Identity {
        clinic_id,
        credential: DeviceCredential {
            device_id: store.device_id().to_string(),
            secret,
        },
        key,
        keys,
    })
}

/// Registers the clinic at the relay if this device has not done so yet (the clinic's first sync).
pub fn ensure_registered(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
) -> Result<(), SyncError> {
    if store.local_setting(setting::REGISTERED)?.as_deref() == Some("1") {
        return Ok(());
    }
    relay.register(
        &me.clinic_id,
        &me.credential,
        &enroll::clinic_recovery_proof(store, &me.key)?,
    )?;
    store.set_local_setting(setting::REGISTERED, "1")?;
    Ok(())
}

/// How far this device has read a stream through the relay, its checksum there, and the relay's
/// revision of the stream that checksum was computed at.
fn tracked(store: &Store, device: &str) -> Result<(i64, [u8; 32], i64), SyncError> {
    let Some(state) = sync_state::stream(store.conn(), device)? else {
        return Ok((0, chairside_protocol::EMPTY_CHECKSUM, 0));
    };
    match checksum_from_hex(&state.checksum) {
        Some(sum) => Ok((state.head, sum, state.revision)),
        // Unreadable: read the stream again.
        None => Ok((0, chairside_protocol::EMPTY_CHECKSUM, state.revision)),
    }
}

/// A stream checksum as hex (the relay's, or this device's record of it), if it is one.
fn checksum_from_hex(text: &str) -> Option<[u8; 32]> {
    hex::decode(text).ok()?.try_into().ok()
}

fn track(
    store: &Store,
    device: &str,
    head: i64,
    sum: &[u8; 32],
    revision: i64,
) -> Result<(), SyncError> {
    Ok(sync_state::set_stream(
        store.conn(),
        device,
        &sync_state::StreamState {
            head,
            checksum: hex::encode(sum),
            revision,
        },
    )?)
}

/// A stream as the relay's heads describe it.
#[derive(Clone, Debug)]
struct RelayStream {
    head: i64,
    checksum: String,
    revision: i64,
}

/// Syncs this device, whatever stage it is at: the clinic's first device registers the clinic
/// (creating its data key), a PC that asked to join fetches its approval first, an enrolled or
/// recovered PC just syncs.
pub fn sync_device(store: &mut Store, relay: &dyn Transport) -> Result<SyncReport, SyncError> {
    sync_device_reporting(store, relay, &|_| {})
}

/// [`sync_device`], telling its progress as it goes ([`progress`]).
pub fn sync_device_reporting(
    store: &mut Store,
    relay: &dyn Transport,
    on_progress: OnProgress<'_>,
) -> Result<SyncReport, SyncError> {
    let enrolling = store
        .local_setting(setting::ENROLL_KEY)?
        .is_some_and(|k| !k.is_empty());
    if enrolling && !enroll::complete(store, relay)? {
        return Err(SyncError::WaitingForApproval);
    }
    let creator = store.local_setting(setting::REGISTERED)?.is_none();
    let me = identity(store, creator)?;
    sync_reporting(store, relay, &me, on_progress)
}

/// One full sync (see the crate docs).
pub fn sync(
    store: &mut Store,
    relay: &dyn Transport,
    me: &Identity,
) -> Result<SyncReport, SyncError> {
    sync_reporting(store, relay, me, &|_| {})
}

/// [`sync`], telling its progress as it goes ([`progress`]).
pub fn sync_reporting(
    store: &mut Store,
    relay: &dyn Transport,
    me: &Identity,
    on_progress: OnProgress<'_>,
) -> Result<SyncReport, SyncError> {
    ensure_registered(store, relay, me)?;
    let my_id = me.credential.device_id.clone();
    let mut report = SyncReport {
        device_id: my_id.clone(),
        ..SyncReport::default()
    };
    let asked_at = wall_clock_ms();
    let heads = relay.heads(&me.credential).map_err(|e| match e {
        SyncError::Relay(refusal) if refusal.code == code::UNAUTHORIZED => {
            SyncError::UnknownToRelay
        }
        other => other,
    })?;
    report.clock_offset_ms = clock::offset(asked_at, heads.server_time_ms, wall_clock_ms());
    clock::report_if_changed(relay, me, &heads, report.clock_offset_ms)?;
    contacts::remember(store, &heads, &my_id, report.clock_offset_ms)?;
    // A planned move: the relay holds the clinic's sealed notice naming the new relay. This
    // sync goes on here (what this relay holds of PCs not moved yet then travels with this PC),
    // and the caller follows. A notice that does not open under the clinic key is the relay's
    // word alone, and ignored.
    report.moved_to = enroll::move_to_follow(store, me, &heads)?;
    // The clinic's data key renewed elsewhere (a PC revoked): this PC takes the new key before
    // it seals or opens anything. Without a share for it (its box key was not known then), it
    // only sends, then says so; another PC shares the key with it once its box key arrives.
    let shares_keys = heads.can(chairside_protocol::feature::KEY_ROTATION);
    let renewed;
    let (me, key_shared) = match keys::adopt(store, relay, me, heads.key_epoch)? {
        keys::Adopted::AlreadyCurrent => (me, true),
        keys::Adopted::Now(newer) => {
            renewed = newer;
            (&renewed, true)
        }
        keys::Adopted::NotShared => (me, false),
    };
    // Shares to leave: a PC announced without one, or a relay behind this PC's key (restored
    // from an older backup).
    let keys_to_share =
        heads.keys_to_share || (shares_keys && heads.key_epoch < me.keys.current_epoch());
    keys::announce_box_key(store, relay, me, shares_keys)?;
    let blob_folder = heads.blob_folder.clone();
    let rewrites_any_stream = heads.can(chairside_protocol::feature::REWRITE_ANY_STREAM);
    let carries_streams = heads.can(chairside_protocol::feature::CARRY_STREAMS);
    let relay_heads = streams_of(heads);
    // The relay holds less of this device's log than it acknowledged (restored from an older
    // backup), or its blob folder is not the one it was (lost, or the relay moved without it):
    // it may lack files it had acknowledged. The log is pushed again below; every file this
    // device uploaded is checked with the relay again, and what it lacks is sent.
    let acknowledged = tracked(store, &my_id)?.0;
    let known_folder = store.local_setting(setting::RELAY_BLOB_FOLDER)?;
    let folder_changed =
        matches!((&known_folder, &blob_folder), (Some(known), Some(now)) if known != now);
    if relay_heads.get(&my_id).map_or(0, |s| s.head) < acknowledged || folder_changed {
        store.recheck_blob_uploads()?;
    }
    if let Some(folder) = blob_folder.filter(|f| known_folder.as_ref() != Some(f)) {
        store.set_local_setting(setting::RELAY_BLOB_FOLDER, &folder)?;
    }

    // What this sync has to do, for the person watching: the sets of the streams beyond what is
    // merged here, and this PC's sets beyond what the relay acknowledged. Saturating: the heads
    // are the relay's word, and a lying relay's must not overflow (the pull refuses them).
    let beyond = |head: i64, here: i64| u64::try_from(head.saturating_sub(here)).unwrap_or(0);
    let mut to_receive: u64 = 0;
    for (device, stream) in &relay_heads {
        let here = changes::head(store.conn(), device)?;
        to_receive = to_receive.saturating_add(beyond(stream.head, here));
    }
    let to_send = beyond(
        changes::head(store.conn(), &my_id)?,
        tracked(store, &my_id)?.0,
    );
    let files_to_send = store.blobs_to_upload_totals()?;
    let progress = progress::Tracker::start(on_progress, to_receive, to_send, files_to_send);

    // Every stream the relay holds is read up to its head: the others' to merge them, this
    // device's own only to learn the checksum of records whose push reply was lost. A stream
    // rewritten since this device computed its checksum (a redaction) has its new records merged
    // here, and its checksum checked once every stream is merged (see `check_rewritten`).
    let mut rewritten = Vec::new();
    let merging = StreamRead {
        restart: false,
        progress: &progress,
    };
    for (device, stream) in &relay_heads {
        if !key_shared && *device != my_id {
            continue; // sealed under a key this PC does not hold yet
        }
        let (read, _, read_at_revision) = tracked(store, device)?;
        if read > 0 && read_at_revision != stream.revision {
            // Merged under the revision its checksum was computed at: should this sync stop
            // before the check, the next one checks the stream again.
            let merge_only = RelayStream {
                revision: read_at_revision,
                ..stream.clone()
            };
            pull_stream(store, relay, me, device, &merge_only, merging, &mut report)?;
            rewritten.push((device, stream));
        } else {
            pull_stream(store, relay, me, device, stream, merging, &mut report)?;
        }
    }
    for (device, stream) in rewritten {
        check_rewritten(store, relay, me, device, stream, &progress, &mut report)?;
    }
    // A merge of two files and the erasure of one of them may have crossed while the PCs were
    // apart, which leaves a file of an erased person with its name: erased now, and pushed below.
    store.finish_erasures()?;
    // PCs whose box key arrived since the key was renewed receive their share.
    if key_shared && keys_to_share {
        keys::share_with_new_devices(store, relay, me)?;
    }

    // Blobs before the records that name them. Files the relay has no room for wait here, and
    // the records go all the same: the clinical record must not stop at a full quota; another
    // PC that opens such an image is told it is not at the relay yet.
    let uploaded = blobs::upload_pending(store, relay, me, Some(&progress))?;
    report.blobs_sent = uploaded.blobs;
    report.blob_bytes_sent = uploaded.bytes;
    report.files_held_back = uploaded.held_back;

    // Push what the relay lacks of this device's log.
    let (mut pushed_head, mut sum, my_revision) = tracked(store, &my_id)?;
    // The revision the stream's checksum is tracked at: UNCHECKED once the relay's checksum is
    // taken without checking it (below), so that the next sync checks the stream again.
    let mut checked_revision = my_revision;
    // What the relay held of this log before this push: sets above it leave here already scrubbed.
    let held_before_push = pushed_head;
    let local_head = changes::head(store.conn(), &my_id)?;
    let my_device: DeviceId = store.device_id();
    // What was never sealed of this log is sealed under the current key; what was (pushed to a
    // relay that lost it since, or whose reply was lost) keeps the key it was sealed under, so
    // that it is the same bytes again.
    let sealed_through = store
        .local_setting(setting::OWN_SEALED_THROUGH)?
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(0)
        .max(pushed_head);
    let current_epoch = me.keys.current_epoch();
    if StreamEpochs::load(store, &my_id)?.at(sealed_through + 1) != current_epoch {
        sync_state::set_key_epoch_from(store.conn(), &my_id, sealed_through + 1, current_epoch)?;
    }
    send_sealed_pages(
        store,
        me,
        my_device,
        pushed_head + 1,
        local_head,
        |page, bytes| {
            let mut expected = sum;
            for record in &page {
                expected = chain_checksum(&expected, record);
            }
            let count = page.len() as u64;
            let last = page.last().map_or(pushed_head, |r| r.idx);
            let reply = relay.push(&me.credential, page)?;
            let diverged = || SyncError::Diverged {
                device: my_id.clone(),
                head: reply.head,
            };
            if reply.head != last {
                return Err(diverged());
            }
            if reply.checksum == hex::encode(expected) {
                sum = expected;
            } else {
                // Another PC may have redacted records of this stream since this device
                // computed its checksum (see `redact_streams`): the relay's checksum is then over
                // the rewritten records. It is taken as it is, marked unchecked, so the next sync
                // checks the stream again (from this device's own copy); anything else diverged.
                // (Keeping the old revision was not enough: a relay that only claimed a rewrite,
                // its revision not moved, left the unchecked checksum in place for good, every
                // sync then diverging.)
                let rewritten = rewritten_since(relay, me, &my_id, my_revision)?;
                match checksum_from_hex(&reply.checksum) {
                    Some(relay_sum) if rewritten => {
                        sum = relay_sum;
                        checked_revision = UNCHECKED;
                    }
                    _ => return Err(diverged()),
                }
            }
            pushed_head = last;
            track(store, &my_id, pushed_head, &sum, checked_revision)?;
            if last > sealed_through {
                store.set_local_setting(setting::OWN_SEALED_THROUGH, &last.to_string())?;
            }
            progress.sent(count);
            report.sent += count;
            report.bytes_sent += bytes as u64;
            Ok(true)
        },
    )?;

    if !key_shared {
        return Err(SyncError::KeyNotShared);
    }

    // The other devices' logs the relay lacks and this PC holds (a relay that lost them, or one
    // the clinic moved to), the same bytes their authors would push.
    let carried_heads = if carries_streams {
        carry_streams(store, relay, me, &relay_heads, &mut report)?
    } else {
        BTreeMap::new()
    };

    // Compare every stream with the relay's, as it stood at the start (pushes update ours).
    report.checksums_match = true;
    for (device, stream) in &relay_heads {
        let (mine, sum, _) = tracked(store, device)?;
        report.heads.insert(device.clone(), stream.head.max(mine));
        if mine == stream.head && hex::encode(sum) != stream.checksum {
            // Another PC may have rewritten the stream while this one read it.
            if rewritten_since(relay, me, device, stream.revision)? {
                continue;
            }
            report.checksums_match = false;
            return Err(SyncError::Diverged {
                device: device.clone(),
                head: stream.head,
            });
        }
    }
    report.heads.insert(my_id, pushed_head);
    report.heads.extend(carried_heads);

    redact_streams(
        store,
        relay,
        me,
        Redaction {
            own_held: held_before_push,
            relay_heads: &relay_heads,
            rewrites_any_stream,
        },
        &mut report,
    )?;
    // Last: the change sets that name the files' replacements are at the relay now.
    report.blobs_retired = blobs::delete_retired(store, relay, me)?;
    // An erasure merged (or finished) here left the erased tokens in the search index and old
    // pages in the WAL, as typing one does: compacted now, as the PC that typed it did.
    store.compact_if_due()?;
    Ok(report)
}

/// Seals this PC's copy of `device`'s log from `first` to `last` and hands it to `send` in
/// order, in pages of at most MAX_PAGE records and about PUSH_PAGE_BYTES, with their sealed
/// bytes (the sets are read and sealed a MAX_PAGE at a time, two queries each). `send` answers
/// whether to go on.
fn send_sealed_pages(
    store: &Store,
    me: &Identity,
    device: DeviceId,
    first: i64,
    last: i64,
    mut send: impl FnMut(Vec<Record>, usize) -> Result<bool, SyncError>,
) -> Result<(), SyncError> {
    let epochs = StreamEpochs::load(store, &device.to_string())?;
    let mut next_to_read = first;
    let mut sealed: VecDeque<Record> = VecDeque::new();
    while next_to_read <= last || !sealed.is_empty() {
        if sealed.len() < MAX_PAGE as usize && next_to_read <= last {
            let read_up_to = (next_to_read + i64::from(MAX_PAGE) - 1).min(last);
            let sets = changes::read_change_sets(store.conn(), device, next_to_read, read_up_to)?;
            let in_order = sets
                .iter()
                .zip(next_to_read..)
                .take_while(|(set, idx)| set.idx == *idx)
                .count();
            sealed.extend(seal_all(me, &epochs, &sets[..in_order])?);
            let expected_idx = next_to_read + in_order as i64;
            if expected_idx <= read_up_to {
                return Err(SyncError::Internal(format!(
                    "change set {expected_idx} of device {device} is missing on this PC"
                )));
            }
            next_to_read = read_up_to + 1;
        }
        let mut page = Vec::new();
        let mut bytes = 0;
        while bytes < PUSH_PAGE_BYTES && page.len() < MAX_PAGE as usize {
            let Some(record) = sealed.pop_front() else {
                break;
            };
            bytes += record.size();
            page.push(record);
        }
        if !send(page, bytes)? {
            return Ok(());
        }
    }
    Ok(())
}

/// Brings to the relay what it lacks of the other devices' logs this PC holds: a relay restored
/// from an older backup or replaced by an empty one (the clinic moved to it, see [`rejoin`]) is
/// filled again from any PC, so a PC that is lost or has not joined it yet does not take its
/// changes with it. Sealing is deterministic: the records are the bytes their author pushes, so
/// its own later push of them is a retry. The relay refuses a record it holds with other bytes
/// (one of a log sealed before deterministic sealing, or one this PC has not scrubbed yet after
/// an erasure): that stream is left to its author and to the PCs that hold it scrubbed.
fn carry_streams(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
    relay_heads: &BTreeMap<String, RelayStream>,
    report: &mut SyncReport,
) -> Result<BTreeMap<String, i64>, SyncError> {
    let mut carried_heads = BTreeMap::new();
    // Every log of another device this PC holds came through a relay, so it was tracked: one
    // indexed look-up per stream, not a scan of the whole log at every sync.
    for id in sync_state::read_streams(store.conn())? {
        let at_relay = relay_heads.get(&id);
        let held = at_relay.map_or(0, |s| s.head);
        let local_head = changes::head(store.conn(), &id)?;
        if id == me.credential.device_id || local_head <= held {
            continue;
        }
        let device: DeviceId = id
            .parse()
            .map_err(|_| SyncError::Internal(format!("a stream names a device {id:?}")))?;
        let mut sum = at_relay
            .and_then(|s| checksum_from_hex(&s.checksum))
            .unwrap_or(chairside_protocol::EMPTY_CHECKSUM);
        let revision = at_relay.map_or(0, |s| s.revision);
        let mut carried = held;
        send_sealed_pages(store, me, device, held + 1, local_head, |page, bytes| {
            for record in &page {
                sum = chain_checksum(&sum, record);
            }
            let (count, last) = (page.len() as u64, page.last().map_or(carried, |r| r.idx));
            match relay.carry(&me.credential, page) {
                Ok(reply) if reply.head == last => {
                    carried = last;
                    report.carried += count;
                    report.bytes_sent += bytes as u64;
                    // Read through the relay as far as carried, when the relay's copy is this
                    // one: the next sync does not fetch it back.
                    if reply.checksum == hex::encode(sum) {
                        track(store, &id, last, &sum, revision)?;
                    }
                    Ok(true)
                }
                // The relay's head moved past the page (its author pushed meanwhile): what it
                // holds now is read at the next sync.
                Ok(_) => Ok(false),
                Err(SyncError::Relay(refusal)) if refusal.code == code::CONFLICT => {
                    report.streams_not_carried += 1;
                    Ok(false)
                }
                Err(e) => Err(e),
            }
        })?;
        if carried > held {
            carried_heads.insert(id, carried);
        }
    }
    Ok(carried_heads)
}

/// The relay's streams of the clinic, by device.
fn relay_streams(
    relay: &dyn Transport,
    me: &Identity,
) -> Result<BTreeMap<String, RelayStream>, SyncError> {
    Ok(streams_of(relay.heads(&me.credential)?))
}

/// Whether another PC rewrote `device`'s stream (a redaction) since this device computed a
/// checksum at `revision`: a checksum over a mix of old and new records is then no divergence,
/// and the stream, still marked with the old revision, is checked again at the next sync.
fn rewritten_since(
    relay: &dyn Transport,
    me: &Identity,
    device: &str,
    revision: i64,
) -> Result<bool, SyncError> {
    Ok(relay_streams(relay, me)?
        .get(device)
        .is_some_and(|now| now.revision != revision))
}

/// The streams a heads reply lists, by device.
fn streams_of(heads: chairside_protocol::Heads) -> BTreeMap<String, RelayStream> {
    heads
        .devices
        .into_iter()
        .map(|h| {
            let stream = RelayStream {
                head: h.head,
                checksum: h.checksum,
                revision: h.revision,
            };
            (h.device_id, stream)
        })
        .collect()
}

/// Seals again, from the scrubbed log, the change sets that an erasure scrubbed after they
/// reached the relay, whichever device wrote them, and replaces the relay's copies (see
/// `chairside-store`'s `erasure`). This device's own stream and every other: a PC that is lost or
/// revoked never redacts its own, and any PC holds its sets. Sealing is deterministic, so a set
/// another PC redacted first comes out as the same bytes, and the relay changes nothing for it.
///
/// A stream whose records changed is then checked ([`check_rewritten_stream`]).
fn redact_streams(
    store: &mut Store,
    relay: &dyn Transport,
    me: &Identity,
    relay_state: Redaction<'_>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let my_id = &me.credential.device_id;
    for (device, queued) in sync_state::redactions(store.conn())? {
        let held = if device == *my_id {
            relay_state.own_held
        } else if relay_state.rewrites_any_stream {
            relay_state.relay_heads.get(&device).map_or(0, |s| s.head)
        } else {
            // A relay older than redaction by another PC: each device redacts its own stream
            // when it merges the erasure, as then (a lost PC's copies stay as they were).
            0
        };
        // Sets the relay does not hold are sent scrubbed (this device's), or were never there
        // (a relay restored from an older backup lost them): nothing to replace.
        let (to_replace, not_held): (Vec<i64>, Vec<i64>) =
            queued.into_iter().partition(|idx| *idx <= held);
        sync_state::clear_redactions(store.conn(), &device, &not_held)?;
        if let Some(reply) = rewrite_stream(store, relay, me, &device, &to_replace, report)? {
            check_rewritten_stream(store, relay, me, &device, reply, report)?;
        }
    }
    Ok(())
}

/// What the relay holds, for [`redact_streams`].
struct Redaction<'a> {
    /// How far this device's log was at the relay before this sync's push: sets above it were
    /// pushed already scrubbed.
    own_held: i64,
    /// The streams as the relay announced them at the start: this device holds none of another
    /// device's sets beyond its head.
    relay_heads: &'a BTreeMap<String, RelayStream>,
    /// The relay lets this device rewrite other devices' streams ([`chairside_protocol::feature`]).
    rewrites_any_stream: bool,
}

/// Seals the queued sets of one device's stream again and replaces them at the relay, a page at
/// a time; returns the relay's last reply (None when nothing was queued).
fn rewrite_stream(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
    device: &str,
    queued: &[i64],
    report: &mut SyncReport,
) -> Result<Option<RewriteResponse>, SyncError> {
    let device_id: DeviceId = device
        .parse()
        .map_err(|_| SyncError::Internal(format!("a redaction names a device {device:?}")))?;
    let epochs = StreamEpochs::load(store, device)?;
    let mut last_reply = None;
    let mut queue = queued;
    while !queue.is_empty() {
        let mut page = Vec::new();
        let mut bytes = 0;
        while bytes < PUSH_PAGE_BYTES && page.len() < MAX_PAGE as usize && page.len() < queue.len()
        {
            let idx = queue[page.len()];
            let set = changes::read_change_set(store.conn(), device_id, idx)?.ok_or_else(|| {
                SyncError::Internal(format!("change set {idx} of device {device} is missing"))
            })?;
            let record = seal::seal(epochs.key(me, idx)?, &me.clinic_id, &set)?;
            bytes += record.size();
            page.push(record);
        }
        let (done, rest) = queue.split_at(page.len());
        let reply = relay.rewrite(&me.credential, page)?;
        sync_state::clear_redactions(store.conn(), device, done)?;
        // Sets another PC had redacted already come back unchanged: not counted.
        report.redacted += u64::from(reply.replaced);
        queue = rest;
        last_reply = Some(reply);
    }
    Ok(last_reply)
}

/// Checks a stream after this device rewrote records of it, unless the rewrite changed nothing
/// there (another PC had brought the same bytes): from this device's copy when it seals to the
/// relay's checksum, else by reading it back from the relay, where every record must open and
/// the checksum must be the relay's (see [`check_rewritten`]). A mismatch is a divergence, unless
/// yet another PC rewrote the stream in between: then the next sync reads it again at its new
/// revision.
fn check_rewritten_stream(
    store: &mut Store,
    relay: &dyn Transport,
    me: &Identity,
    device: &str,
    reply: RewriteResponse,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let (read, sum, read_at_revision) = tracked(store, device)?;
    if reply.revision == read_at_revision
        && reply.head == read
        && reply.checksum == hex::encode(sum)
    {
        return Ok(());
    }
    let stream = RelayStream {
        head: reply.head,
        checksum: reply.checksum,
        revision: reply.revision,
    };
    // Read back after the exchange the person watched: the stream was merged above, so what is
    // read again merges nothing new worth telling (at most sets pushed meanwhile).
    let untold = progress::Tracker::start(&|_| {}, 0, 0, (0, 0));
    check_rewritten(store, relay, me, device, &stream, &untold, report)?;
    let (read, sum, _) = tracked(store, device)?;
    if read == stream.head && hex::encode(sum) == stream.checksum
        || rewritten_since(relay, me, device, stream.revision)?
    {
        return Ok(());
    }
    report.checksums_match = false;
    Err(SyncError::Diverged {
        device: device.to_string(),
        head: stream.head,
    })
}

/// The checksum of a device's stream up to `head` as this device would seal its own copy of the
/// stream's change sets: sealing is deterministic (see `seal::record_nonce`), so when it is the
/// relay's checksum the relay holds exactly these records, and a rewritten stream (a redaction,
/// which every PC seals to the same bytes) need not cross the network again. None when a set is
/// not here (this device has not read that far).
fn local_checksum(
    store: &Store,
    me: &Identity,
    device: &str,
    head: i64,
) -> Result<Option<[u8; 32]>, SyncError> {
    let Ok(device_id) = device.parse::<DeviceId>() else {
        return Ok(None);
    };
    let epochs = StreamEpochs::load(store, device)?;
    let mut sum = chairside_protocol::EMPTY_CHECKSUM;
    let mut next = 1;
    while next <= head {
        let last = (next + i64::from(MAX_PAGE) - 1).min(head);
        let sets = changes::read_change_sets(store.conn(), device_id, next, last)?;
        if sets.len() as i64 != last - next + 1 || sets.iter().zip(next..).any(|(s, i)| s.idx != i)
        {
            return Ok(None);
        }
        for record in &seal_all(me, &epochs, &sets)? {
            sum = chain_checksum(&sum, record);
        }
        next = last + 1;
    }
    Ok(Some(sum))
}

/// Under which key epoch one device's stream is sealed, by index (see `keys`): a set is sealed
/// again, anywhere, under its author's key.
#[derive(Clone, Debug, Default)]
struct StreamEpochs(Vec<(i64, u32)>);

impl StreamEpochs {
    fn load(store: &Store, device: &str) -> Result<Self, SyncError> {
        Ok(Self(sync_state::key_epochs(store.conn(), device)?))
    }

    /// The epoch of the set at `idx`: the last recorded start at or below it (0 before any).
    fn at(&self, idx: i64) -> u32 {
        self.0
            .iter()
            .take_while(|(from, _)| *from <= idx)
            .last()
            .map_or(0, |(_, epoch)| *epoch)
    }

    /// Records that the stream is sealed under `epoch` from `idx` on, when that is news.
    /// Returns whether it was.
    fn note(&mut self, idx: i64, epoch: u32) -> bool {
        if self.at(idx) == epoch {
            return false;
        }
        self.0.retain(|(from, _)| *from < idx);
        self.0.push((idx, epoch));
        true
    }

    /// The key the set at `idx` is sealed under.
    fn key<'a>(&self, me: &'a Identity, idx: i64) -> Result<&'a ClinicKey, SyncError> {
        let epoch = self.at(idx);
        me.keys.get(epoch).ok_or_else(|| {
            SyncError::Internal(format!(
                "this PC does not hold the clinic's key of epoch {epoch}"
            ))
        })
    }
}

/// Seals change sets, in order, on every core: sealing (deflate and encryption) is what a push
/// and a stream's check from this device's copy spend their time on.
fn seal_all(
    me: &Identity,
    epochs: &StreamEpochs,
    sets: &[ChangeSet],
) -> Result<Vec<Record>, SyncError> {
    let seal_one = |set: &ChangeSet| seal::seal(epochs.key(me, set.idx)?, &me.clinic_id, set);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if cores == 1 || sets.len() < 2 {
        return sets.iter().map(seal_one).collect();
    }
    let per_core = sets.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let workers: Vec<_> = sets
            .chunks(per_core)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(seal_one)
                        .collect::<Result<Vec<Record>, SyncError>>()
                })
            })
            .collect();
        let mut sealed = Vec::with_capacity(sets.len());
        for worker in workers {
            let part = worker
                .join()
                .unwrap_or_else(|_| Err(SyncError::Internal("a sealing thread panicked".into())))?;
            sealed.extend(part);
        }
        Ok(sealed)
    })
}

/// Checks a stream the relay rewrote (a redaction) once its new records are merged: from this
/// device's own copy of its sets when they seal to the relay's checksum (no byte crosses the
/// network), else by reading the whole stream again from the relay. Records sealed by versions
/// before deterministic sealing, or sets this device has scrubbed and the relay not yet (another
/// PC's redaction covered fewer of them; this device's own redaction replaces the rest), take
/// the second way: in the sync simulation about one check in seventy-five.
fn check_rewritten(
    store: &mut Store,
    relay: &dyn Transport,
    me: &Identity,
    device: &str,
    stream: &RelayStream,
    progress: &progress::Tracker<'_>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let (read, _, _) = tracked(store, device)?;
    if read == stream.head
        && let Some(sum) = local_checksum(store, me, device, stream.head)?
        && hex::encode(sum) == stream.checksum
    {
        return track(store, device, stream.head, &sum, stream.revision);
    }
    let read = StreamRead {
        restart: true,
        progress,
    };
    pull_stream(store, relay, me, device, stream, read, report)
}

/// How [`pull_stream`] reads a stream: from where this PC stopped, or from its start
/// (`restart`); each page merged is counted in `progress`.
#[derive(Clone, Copy)]
struct StreamRead<'p> {
    restart: bool,
    progress: &'p progress::Tracker<'p>,
}

/// A page of one stream, fetched and opened, ready to merge.
struct OpenedPage {
    /// The sets not yet applied here, in order.
    sets: Vec<ChangeSet>,
    /// Their sealed bytes.
    bytes: u64,
    /// Records of the page whose sets were merged here already (read for the checksum only).
    reread: u64,
    /// How far the stream is read once this page is merged, and its checksum there.
    read: i64,
    checksum: String,
    /// Where the page's records start to be sealed under another key epoch than the record
    /// before them: `(idx, epoch)`.
    epochs: Vec<(i64, u32)>,
}

/// Reads one device's stream from where this device stopped up to the relay's head, merging each
/// record. The stream is read from its start (for its checksum; sets merged already are not merged
/// again) when `restart` is set, when the relay's revision of it moved since this device computed
/// its checksum (a redaction), or when the relay holds less than this device read.
///
/// Fetching and opening a page overlaps with merging the one before: the merge runs on a thread
/// of its own, a page behind, so the network and the decryption cost no extra time beside the
/// store's writes.
fn pull_stream(
    store: &mut Store,
    relay: &dyn Transport,
    me: &Identity,
    device: &str,
    stream: &RelayStream,
    StreamRead { restart, progress }: StreamRead<'_>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let device_id: DeviceId = device
        .parse()
        .map_err(|_| SyncError::BadReply(format!("it names a device {device:?}")))?;
    let (head, revision) = (stream.head, stream.revision);
    let (mut read, mut sum, read_at_revision) = tracked(store, device)?;
    // A relay restored from an old backup holds less than this PC read from it; a rewritten
    // stream has other records than those the checksum was computed over: either way, start the
    // stream's checksum over from the relay's copy.
    if restart || read > head || read_at_revision != revision {
        read = 0;
        sum = chairside_protocol::EMPTY_CHECKSUM;
        if head == 0 {
            // Nothing to read again: the relay holds none of this stream (restored from a
            // backup made before its first record). Said here, since no page will say it.
            return track(store, device, 0, &sum, revision);
        }
    }
    if read >= head {
        return Ok(());
    }
    // Sets at or below it are already merged (the merge would skip them anyway).
    let applied_head = changes::head(store.conn(), device)?;
    let epochs = StreamEpochs::load(store, device)?;
    let (merged, fetched) = std::thread::scope(|scope| {
        // One page waits while another merges: memory stays at two pages.
        let (to_merge, pages) = std::sync::mpsc::sync_channel::<OpenedPage>(1);
        let merger = scope.spawn(move || -> Result<Option<(u64, u64)>, SyncError> {
            // None until a page is merged (a stream read only for its checksum counts as read).
            let mut merged: Option<(u64, u64)> = None;
            for page in pages {
                let state = sync_state::StreamState {
                    head: page.read,
                    checksum: page.checksum,
                    revision,
                };
                store.apply_change_sets(&page.sets, |conn| {
                    for (idx, epoch) in &page.epochs {
                        sync_state::set_key_epoch_from(conn, device, *idx, *epoch)?;
                    }
                    sync_state::set_stream(conn, device, &state)
                })?;
                progress.received(page.sets.len() as u64);
                let (sets, bytes) = merged.get_or_insert((0, 0));
                *sets += page.sets.len() as u64;
                *bytes += page.bytes;
            }
            Ok(merged)
        });
        let stream = StreamToRead {
            device,
            device_id,
            read,
            sum,
            applied_head,
            head,
            epochs,
        };
        let fetched = fetch_stream(relay, me, stream, |page| {
            report.reread += page.reread;
            // The merger stopped on an error: stop fetching, its error is reported.
            to_merge.send(page).is_ok()
        });
        drop(to_merge);
        let merged = merger
            .join()
            .unwrap_or_else(|_| Err(SyncError::Internal("the merge thread panicked".into())));
        (merged, fetched)
    });
    // A merge error concerns an earlier page than a fetch error: it comes first.
    // A stream read again only for its checksum (this device's own, say) received nothing.
    if let Some((sets, bytes)) = merged?.filter(|(sets, _)| *sets > 0) {
        *report.received.entry(device.to_string()).or_default() += sets;
        report.bytes_received += bytes;
    }
    fetched
}

/// Where the reading of one device's stream starts and ends.
struct StreamToRead<'a> {
    device: &'a str,
    device_id: DeviceId,
    /// Records read so far, and the checksum of the stream up to there.
    read: i64,
    sum: [u8; 32],
    /// The last of its sets merged here: those up to it are read (for the checksum), not merged.
    applied_head: i64,
    /// The relay's head of the stream.
    head: i64,
    /// Under which key epochs this PC knows the stream to be sealed.
    epochs: StreamEpochs,
}

/// Fetches and opens a stream's pages up to its head, handing each to `merge` (which answers
/// whether to go on). A record that does not authenticate stops the stream: the genuine ones
/// before it are handed on, then the error is returned.
fn fetch_stream(
    relay: &dyn Transport,
    me: &Identity,
    stream: StreamToRead<'_>,
    mut merge: impl FnMut(OpenedPage) -> bool,
) -> Result<(), SyncError> {
    let StreamToRead {
        device,
        device_id,
        mut read,
        mut sum,
        applied_head,
        head,
        mut epochs,
    } = stream;
    while read < head {
        // Up to the head only: records pushed since are read at the next sync, and the checksum
        // here stays comparable with the one announced with the head.
        let limit = (head - read).min(i64::from(MAX_PAGE)) as u32;
        let page = relay.pull(&me.credential, device, read, limit)?;
        if page.records.is_empty() {
            break;
        }
        let mut opened = OpenedPage {
            sets: Vec::with_capacity(page.records.len()),
            bytes: 0,
            reread: 0,
            read,
            checksum: String::new(),
            epochs: Vec::new(),
        };
        let mut failure = None;
        for record in &page.records {
            if record.idx != opened.read + 1 {
                failure = Some(SyncError::Tampered {
                    device: device.to_string(),
                    idx: record.idx,
                    why: format!("the relay skipped from record {}", opened.read),
                });
                break;
            }
            let expected_epoch = epochs.at(record.idx);
            match seal::open_with_ring(&me.keys, expected_epoch, &me.clinic_id, device_id, record) {
                Ok((set, epoch)) => {
                    if epochs.note(record.idx, epoch) {
                        opened.epochs.push((record.idx, epoch));
                    }
                    if set.idx > applied_head {
                        opened.sets.push(set);
                        opened.bytes += record.size() as u64;
                    } else {
                        opened.reread += 1;
                    }
                    sum = chain_checksum(&sum, record);
                    opened.read = record.idx;
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if opened.read > read {
            read = opened.read;
            opened.checksum = hex::encode(sum);
            if !merge(opened) {
                return Ok(());
            }
        }
        if let Some(e) = failure {
            return Err(e);
        }
    }
    Ok(())
}

/// The owner's end-of-day check that the relay still holds every file this device knows it holds
/// there; those it lost are sent again ([`blobs::check_at_relay`]).
pub fn check_files_at_relay(
    store: &Store,
    relay: &dyn Transport,
) -> Result<blobs::FilesAtRelay, SyncError> {
    let me = identity(store, false)?;
    blobs::check_at_relay(store, relay, &me)
}

/// Makes a blob local, fetching it from the relay if this device does not hold it yet (someone
/// opened an image or document stored on another PC).
pub fn fetch_blob(
    store: &Store,
    relay: &dyn Transport,
    sha256: &str,
) -> Result<blobs::BlobTransfer, SyncError> {
    let me = identity(store, false)?;
    blobs::fetch(store, relay, &me, sha256)
}

/// Fetches blobs ahead of need, within a budget of chunks ([`blobs::prefetch`]).
pub fn prefetch_blobs(
    store: &Store,
    relay: &dyn Transport,
    sha256s: &[String],
    budget_chunks: u32,
) -> Result<blobs::Prefetched, SyncError> {
    let me = identity(store, false)?;
    blobs::prefetch(store, relay, &me, sha256s, budget_chunks)
}
