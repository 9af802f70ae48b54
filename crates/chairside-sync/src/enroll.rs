//! Joining a clinic: one-time pairing codes approved from an owner's device, and the printed
//! recovery key for when every device is lost.
//!
//! Enrollment: the owner's device creates a code (8 characters, one hour, one use) and gives its
//! hash to the relay. The new PC sends the code with its X25519 public key and device secret; the
//! relay records it as pending. The owner's device lists pending requests, shows each key's
//! fingerprint (the new PC shows the same one, so a relay cannot slip in its own key), and approves
//! by sealing the clinic id and data key to that public key (`crypto_box` sealed box). The new PC
//! fetches and opens the sealed payload, then syncs the whole clinic.
//!
//! Recovery: the recovery key printed at clinic creation encodes the clinic id and data key with
//! a check value. Its proof (a hash of the key, see [`recovery_proof`]) was registered at the
//! relay with the clinic; presenting it adds a new device, which then syncs everything.
//!
//! Renewal ([`renew_recovery`]): every PC holds the data key, so a revoked PC could compute that
//! proof and join again as a new device. Renewing draws a random salt that the proof also
//! hashes; the relay replaces the proof's hash and keeps the salt sealed under the clinic key,
//! if its recovery version is still the one the PC read; the salt also goes in the clinic row,
//! which reaches the other PCs sealed like any row. The new printed key starts with the salt
//! (104 characters instead of 80); the old one stops working.
//!
//! Moving relays ([`rejoin`], [`leave_move_notice`], [`follow_move`]): the owner joins this PC to
//! the new relay, and leaves at the old one the new address sealed under the clinic key; the
//! other PCs find it in their heads there and follow.

use std::collections::BTreeMap;

use chairside_protocol::{Bytes, code, feature, normalize_code};
use chairside_store::Store;
use crypto_box::aead::OsRng;
use crypto_box::{PublicKey, SecretKey};
use data_encoding::BASE32_NOPAD;
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::transport::Transport;
use crate::{ClinicKey, Identity, KeyRing, SyncError, identity, keys, setting};

/// How long a pairing code can be used.
pub const CODE_LIFETIME_MS: i64 = 60 * 60 * 1000;
/// Pairing code alphabet: no 0/O, 1/I/L, so a code read aloud is typed right.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// What the owner's device seals to a new PC.
#[derive(Serialize, Deserialize)]
struct EnrollmentPayload {
    clinic_id: String,
    /// The current data key.
    clinic_key: String,
    /// Its epoch, and the clinic's older keys (absent from owners' PCs older than key renewal,
    /// and while the key was never renewed).
    #[serde(default, skip_serializing_if = "is_zero")]
    key_epoch: u32,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    older_keys: BTreeMap<u32, String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A new pairing code, e.g. "K7QX-M2PD".
pub fn new_pairing_code() -> String {
    let mut rng = rand::rng();
    let chars: String = (0..PAIRING_CODE_CHARS)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// The short fingerprint of a device's enrollment key, shown on both PCs to be compared.
pub fn fingerprint(public_key: &[u8]) -> String {
    let digest = Sha256::digest(public_key);
    let hex = hex::encode_upper(&digest[..6]);
    format!("{}-{}-{}", &hex[..4], &hex[4..8], &hex[8..12])
}

/// The proof the recovery key gives the relay (the relay keeps only its hash). `salt` is the
/// clinic's recovery salt: empty until the key is first renewed, which keeps the first proof.
pub fn recovery_proof(key: &ClinicKey, salt: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    if salt.is_empty() {
        h.update(b"chairside/v1/recovery-proof\0");
        h.update(key.to_hex().as_bytes());
    } else {
        h.update(b"chairside/v2/recovery-proof\0");
        h.update(key.to_hex().as_bytes());
        h.update(salt);
    }
    h.finalize().into()
}

/// The clinic's recovery salt as this PC holds it (from the synced clinic row).
pub fn recovery_salt(store: &Store) -> Result<Vec<u8>, SyncError> {
    let text = chairside_store::clinic::recovery_salt(store.conn())?;
    hex::decode(&text)
        .ok()
        .filter(|salt| salt.is_empty() || salt.len() == RECOVERY_SALT_BYTES)
        .ok_or_else(|| SyncError::Internal("the clinic's recovery salt is malformed".into()))
}

/// The clinic's current recovery proof, as this PC knows it.
pub fn clinic_recovery_proof(store: &Store, key: &ClinicKey) -> Result<[u8; 32], SyncError> {
    Ok(recovery_proof(key, &recovery_salt(store)?))
}

/// The recovery key this PC prints for its clinic now (the salt its clinic row holds).
pub fn printable_recovery_key(
    store: &Store,
    me: &Identity,
) -> Result<Zeroizing<String>, SyncError> {
    recovery_key(&me.clinic_id, &me.key, &recovery_salt(store)?)
}

/// A recovery key read back (its Debug form hides the key).
#[derive(Debug)]
pub struct ParsedRecoveryKey {
    pub clinic_id: String,
    pub key: ClinicKey,
    /// Empty for a key printed before the clinic's first renewal.
    pub salt: Vec<u8>,
}

/// The printed recovery key: clinic id, data key and a 2-byte check, in base32 groups of five; a
/// renewed key starts with the recovery salt, so that it looks nothing like the sheet it
/// replaces (the clinic id and data key are the same).
pub fn recovery_key(
    clinic_id: &str,
    key: &ClinicKey,
    salt: &[u8],
) -> Result<Zeroizing<String>, SyncError> {
    let id = uuid_bytes(clinic_id)
        .ok_or_else(|| SyncError::Internal(format!("clinic id {clinic_id:?} is not a UUID")))?;
    if !salt.is_empty() && salt.len() != RECOVERY_SALT_BYTES {
        return Err(SyncError::Internal(
            "the recovery salt has the wrong length".into(),
        ));
    }
    let mut raw = Zeroizing::new(Vec::with_capacity(RENEWED_KEY_BYTES));
    raw.extend_from_slice(salt);
    raw.extend_from_slice(&id);
    raw.extend_from_slice(
        &hex::decode(key.to_hex().as_str()).map_err(|e| SyncError::Internal(e.to_string()))?,
    );
    let check = Sha256::digest(&raw[..]);
    raw.extend_from_slice(&check[..2]);
    let text = BASE32_NOPAD.encode(&raw);
    let groups: Vec<&str> = text
        .as_bytes()
        .chunks(5)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    Ok(Zeroizing::new(groups.join("-")))
}

/// The base32 alphabet of the recovery key (RFC 4648).
const RECOVERY_KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// 50 bytes in base32 (clinic id, key, check): 80 characters, printed in 16 groups of five.
const RECOVERY_KEY_CHARS: usize = 80;
/// A renewed key's salt: 120 bits, so that its 65 bytes make 104 characters exactly.
const RECOVERY_SALT_BYTES: usize = 15;
/// A renewed key's bytes (clinic id, key, salt, check).
const RENEWED_KEY_BYTES: usize = 50 + RECOVERY_SALT_BYTES;
/// Its characters in base32, printed in 20 groups of five and one of four.
const RENEWED_KEY_CHARS: usize = 104;
/// A pairing code's characters, printed in two groups of four.
const PAIRING_CODE_CHARS: usize = 8;

/// What is wrong with a code as typed (case, spaces and dashes do not matter): characters outside
/// its alphabet, each named once in the order typed, or the wrong number of characters.
fn typed_code_problem(text: &str, alphabet: &[u8], length: usize, what: &str) -> Option<String> {
    let typed: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut foreign: Vec<char> = Vec::new();
    for &c in &typed {
        let in_alphabet = c.is_ascii() && alphabet.contains(&(c as u8));
        if !in_alphabet && !foreign.contains(&c) {
            foreign.push(c);
        }
    }
    if !foreign.is_empty() {
        let listed: Vec<String> = foreign.iter().map(char::to_string).collect();
        return Some(format!("{what} cannot contain {}", listed.join(" ")));
    }
    (typed.len() != length).then(|| format!("{what} has {length} characters, not {}", typed.len()))
}

/// Checks a pairing code as typed on the new PC, before anything is created or sent.
pub fn check_pairing_code(code: &str) -> Result<(), SyncError> {
    match typed_code_problem(code, CODE_ALPHABET, PAIRING_CODE_CHARS, "the pairing code") {
        Some(reason) => Err(SyncError::BadPairingCode(reason)),
        None => Ok(()),
    }
}

/// Reads a recovery key back (case, spaces and dashes do not matter): a first one (80
/// characters) or a renewed one (104).
pub fn parse_recovery_key(text: &str) -> Result<ParsedRecoveryKey, SyncError> {
    // Foreign characters first (the length given is the typed one: only they are told), then
    // the length, which has two right values.
    let typed = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .count();
    if let Some(reason) = typed_code_problem(text, RECOVERY_KEY_ALPHABET, typed, "the recovery key")
    {
        return Err(SyncError::BadRecoveryKey(reason));
    }
    if typed != RECOVERY_KEY_CHARS && typed != RENEWED_KEY_CHARS {
        return Err(SyncError::BadRecoveryKey(format!(
            "the recovery key has {RECOVERY_KEY_CHARS} characters ({RENEWED_KEY_CHARS} once \
             renewed), not {typed}"
        )));
    }
    let bad =
        || SyncError::BadRecoveryKey("a character is wrong (its check does not match)".into());
    let clean: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let raw = Zeroizing::new(BASE32_NOPAD.decode(clean.as_bytes()).map_err(|_| bad())?);
    let body = raw.len().checked_sub(2).ok_or_else(bad)?;
    if (raw.len() != 50 && raw.len() != RENEWED_KEY_BYTES)
        || Sha256::digest(&raw[..body])[..2] != raw[body..]
    {
        return Err(bad());
    }
    let salt = body - 48;
    Ok(ParsedRecoveryKey {
        clinic_id: uuid_text(&raw[salt..salt + 16]),
        key: ClinicKey::from_hex(&hex::encode(&raw[salt + 16..body])).ok_or_else(bad)?,
        salt: raw[..salt].to_vec(),
    })
}

fn uuid_bytes(id: &str) -> Option<Vec<u8>> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    hex::decode(hex).ok().filter(|b| b.len() == 16)
}

fn uuid_text(bytes: &[u8]) -> String {
    let h = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// On an enrolled device: creates a pairing code at the relay. Returns the code and its expiry.
pub fn invite(
    relay: &dyn Transport,
    me: &Identity,
    now_ms: i64,
) -> Result<(String, i64), SyncError> {
    let code = new_pairing_code();
    let expires = now_ms + CODE_LIFETIME_MS;
    let hash = hex::encode(Sha256::digest(normalize_code(&code).as_bytes()));
    relay.invite(&me.credential, &hash, expires)?;
    Ok((code, expires))
}

/// A request to join, as the owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDevice {
    pub device_id: String,
    pub device_name: String,
    pub fingerprint: String,
    pub requested_at_ms: i64,
}

pub fn pending(relay: &dyn Transport, me: &Identity) -> Result<Vec<PendingDevice>, SyncError> {
    Ok(relay
        .pending(&me.credential)?
        .pending
        .into_iter()
        .map(|p| PendingDevice {
            fingerprint: fingerprint(&p.public_key.0),
            device_id: p.device_id,
            device_name: p.device_name,
            requested_at_ms: p.requested_at_ms,
        })
        .collect())
}

/// Approves a pending device: seals the clinic id and key to its public key.
pub fn approve(relay: &dyn Transport, me: &Identity, device_id: &str) -> Result<(), SyncError> {
    let request = relay
        .pending(&me.credential)?
        .pending
        .into_iter()
        .find(|p| p.device_id == device_id)
        .ok_or_else(|| SyncError::NoSuchRequest(device_id.to_string()))?;
    let key: [u8; 32] = request
        .public_key
        .0
        .as_slice()
        .try_into()
        .map_err(|_| SyncError::NoSuchRequest(device_id.to_string()))?;
    let payload = Zeroizing::new(
        serde_json::to_vec(&EnrollmentPayload {
            clinic_id: me.clinic_id.clone(),
            clinic_key: me.key.to_hex().to_string(),
            key_epoch: me.keys.current_epoch(),
            older_keys: me.keys.older_keys_hex(),
        })
        .map_err(|e| SyncError::Internal(e.to_string()))?,
    );
    let sealed = PublicKey::from(key)
        .seal(&mut OsRng, &payload)
        .map_err(|_| SyncError::Internal("sealing the clinic key failed".into()))?;
    relay.approve(&me.credential, device_id, Bytes(sealed))
}

/// On a new PC (a store with no clinic yet): asks to join with a pairing code. Returns the
/// fingerprint to compare with the one the owner sees.
pub fn request(
    store: &Store,
    relay: &dyn Transport,
    relay_url: &str,
    code: &str,
    device_name: &str,
) -> Result<String, SyncError> {
    if chairside_store::clinic::get(store.conn())?.is_some()
        || store.local_setting(setting::CLINIC_KEY)?.is_some()
    {
        return Err(SyncError::AlreadyInClinic);
    }
    store.set_local_setting(setting::RELAY_URL, relay_url)?;
    let me_secret = device_secret(store)?;
    let credential = crate::DeviceCredential {
        device_id: store.device_id().to_string(),
        secret: me_secret,
    };
    let (asked, fingerprint) = ask_to_join(store, relay, code, &credential, device_name)?;
    let clinic_id = asked?;
    store.set_local_setting(setting::CLINIC_ID, &clinic_id)?;
    store.set_local_setting(setting::REGISTERED, "1")?;
    Ok(fingerprint)
}

/// Draws an enrollment key pair, keeps its secret (the approval is sealed to it), and asks the
/// relay to join with `code` as `credential`'s device. Returns the relay's answer (the clinic's
/// id) and the key's fingerprint, which the owner compares before approving.
fn ask_to_join(
    store: &Store,
    relay: &dyn Transport,
    code: &str,
    credential: &crate::DeviceCredential,
    device_name: &str,
) -> Result<(Result<String, SyncError>, String), SyncError> {
    let (secret_hex, public) = new_enrollment_key();
    store.set_local_setting(setting::ENROLL_KEY, &secret_hex)?;
    let asked = relay.enroll(
        code,
        credential,
        Bytes(public.as_bytes().to_vec()),
        device_name,
    );
    Ok((asked, fingerprint(public.as_bytes())))
}

/// On a PC of the clinic that a relay does not take with the recovery proof: it missed a
/// renewal of the recovery key (it had not synced since), and the clinic's relay lost its data
/// or the clinic moved, so the proof its key gives is out of date. It asks to join with a
/// pairing code from an owner's PC, as a new PC does, but keeps everything it holds: once
/// approved, its next sync sends its log (changes made while it was apart included) and
/// receives the clinic's current key with the approval. Returns the fingerprint to compare with
/// the one the owner sees.
pub fn request_rejoin(
    store: &Store,
    relay: &dyn Transport,
    relay_url: &str,
    code: &str,
    device_name: &str,
) -> Result<String, SyncError> {
    refuse_while_waiting_for_approval(store)?;
    let me = identity(store, false)?;
    let (asked, fingerprint) = ask_to_join(store, relay, code, &me.credential, device_name)?;
    match asked {
        Ok(clinic_id) if clinic_id == me.clinic_id => {}
        other => {
            store.set_local_setting(setting::ENROLL_KEY, "")?;
            other?;
            return Err(SyncError::BadPairingCode(
                "this pairing code is another clinic's".into(),
            ));
        }
    }
    store.set_local_setting(setting::RELAY_URL, relay_url)?;
    // A relay that did not know this PC (whatever its address: one restored empty keeps it):
    // its stream revisions count from nothing (see `join_relay`), and it holds no box key of
    // this PC yet.
    chairside_store::sync_state::set_every_revision(store.conn(), crate::UNCHECKED)?;
    store.set_local_setting(setting::BOX_KEY_ANNOUNCED, "")?;
    Ok(fingerprint)
}

/// A PC whose request to join waits for an owner's approval does nothing else with the relay.
fn refuse_while_waiting_for_approval(store: &Store) -> Result<(), SyncError> {
    if store
        .local_setting(setting::ENROLL_KEY)?
        .is_some_and(|k| !k.is_empty())
    {
        return Err(SyncError::WaitingForApproval);
    }
    Ok(())
}

/// A new X25519 enrollment key: its secret (hex, kept until the approval arrives) and public
/// half (sent with the request).
fn new_enrollment_key() -> (Zeroizing<String>, PublicKey) {
    let mut secret_bytes = Zeroizing::new([0u8; 32]);
    rand::rng().fill(&mut secret_bytes[..]);
    let enroll_key = SecretKey::from(*secret_bytes);
    (
        Zeroizing::new(hex::encode(*secret_bytes)),
        enroll_key.public_key(),
    )
}

/// The device's relay secret, created on first use.
pub(crate) fn device_secret(store: &Store) -> Result<Vec<u8>, SyncError> {
    match store.local_setting(setting::SECRET)? {
        Some(hex) => hex::decode(hex)
            .map_err(|_| SyncError::Internal("the stored relay secret is malformed".into())),
        None => {
            let mut secret = vec![0u8; 32];
            rand::rng().fill(&mut secret[..]);
            store.set_local_setting(setting::SECRET, &hex::encode(&secret))?;
            Ok(secret)
        }
    }
}

/// On a new PC whose request is pending: fetches the sealed clinic key once an owner approved.
/// Returns whether the enrollment is complete.
pub fn complete(store: &Store, relay: &dyn Transport) -> Result<bool, SyncError> {
    let Some(enroll_hex) = store
        .local_setting(setting::ENROLL_KEY)?
        .filter(|k| !k.is_empty())
    else {
        return Ok(store.local_setting(setting::CLINIC_KEY)?.is_some());
    };
    let credential = crate::DeviceCredential {
        device_id: store.device_id().to_string(),
        secret: device_secret(store)?,
    };
    let Some(sealed) = relay.enrollment(&credential)?.sealed else {
        return Ok(false);
    };
    let secret: [u8; 32] = hex::decode(enroll_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| SyncError::Internal("the stored enrollment key is malformed".into()))?;
    let opened = Zeroizing::new(SecretKey::from(secret).unseal(&sealed.0).map_err(|_| {
        SyncError::Tampered {
            device: credential.device_id.clone(),
            idx: 0,
            why: "the approval was not sealed to this PC's key".into(),
        }
    })?);
    let payload: EnrollmentPayload = serde_json::from_slice(&opened)
        .map_err(|_| SyncError::Internal("the approval's content is unreadable".into()))?;
    let expected = store.local_setting(setting::CLINIC_ID)?;
    if expected.as_deref() != Some(payload.clinic_id.as_str()) {
        return Err(SyncError::Internal(
            "the approval names another clinic than the pairing code".into(),
        ));
    }
    let malformed = || SyncError::Internal("the approval holds a malformed key".into());
    let key = ClinicKey::from_hex(&payload.clinic_key).ok_or_else(malformed)?;
    let mut older = BTreeMap::new();
    for (epoch, hex) in &payload.older_keys {
        older.insert(*epoch, ClinicKey::from_hex(hex).ok_or_else(malformed)?);
    }
    let ring = KeyRing::from_parts(older, payload.key_epoch, key).ok_or_else(malformed)?;
    // A PC of the clinic rejoining (`request_rejoin`): the approval must hold every key it had.
    if let Some(held) = store.local_setting(setting::CLINIC_KEY)? {
        let held = ClinicKey::from_hex(&held).ok_or_else(malformed)?;
        if !ring.holds_all_of(&keys::load_ring(store, held)?) {
            return Err(SyncError::BadKeyShare(
                "the approval does not hold the keys this PC had".into(),
            ));
        }
    }
    // The key this PC enrolled with stays its box key: a renewed data key is sealed to it.
    store.set_local_setting(setting::BOX_SECRET, &hex::encode(secret))?;
    if ring.current_epoch() == 0 {
        store.set_local_setting(setting::CLINIC_KEY, &payload.clinic_key)?;
    } else {
        keys::save_ring(store, &ring)?;
    }
    store.set_local_setting(setting::ENROLL_KEY, "")?;
    Ok(true)
}

/// On a new PC (a store with no clinic): joins the clinic of a recovery key as a new device.
pub fn recover(
    store: &Store,
    relay: &dyn Transport,
    relay_url: &str,
    recovery_key: &str,
) -> Result<Identity, SyncError> {
    if chairside_store::clinic::get(store.conn())?.is_some() {
        return Err(SyncError::AlreadyInClinic);
    }
    let parsed = parse_recovery_key(recovery_key)?;
    let credential = crate::DeviceCredential {
        device_id: store.device_id().to_string(),
        secret: device_secret(store)?,
    };
    let proof = recovery_proof(&parsed.key, &parsed.salt);
    relay.recover(&parsed.clinic_id, &proof, &credential)?;
    store.set_local_setting(setting::RELAY_URL, relay_url)?;
    store.set_local_setting(setting::CLINIC_ID, &parsed.clinic_id)?;
    store.set_local_setting(setting::CLINIC_KEY, &parsed.key.to_hex())?;
    store.set_local_setting(setting::REGISTERED, "1")?;
    // The printed key is the clinic's current one; the relay keeps the older ones under it.
    keys::restore_ring(store, relay, &identity(store, false)?)
}

/// How a relay came to know this PC (see [`rejoin`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejoined {
    /// It knew this PC already: nothing was changed there.
    AlreadyKnown,
    /// It did not know the clinic: this PC registered it, as the clinic's first PC there.
    RegisteredClinic,
    /// It knew the clinic (another PC of it came first) but not this PC, which joined with the
    /// clinic's recovery proof.
    JoinedClinic,
}

/// Joins this PC, already a member of its clinic, to a relay that does not know it: the clinic
/// moved to another relay, or its relay lost its data with no backup (or was restored from one
/// older than this PC's enrollment). The first PC to do it registers the clinic there, each
/// other one joins with the recovery proof its clinic key gives (the printed recovery key's,
/// which adds a device, see [`recover`]). The relay is remembered, and the clinic's revocations
/// are told to it; the next sync then sends everything this PC holds, the logs of the other
/// PCs included ([`crate::sync`] carries them), so nothing waits on a PC that is lost.
///
/// Explicit, never automatic: a relay whose operator removed the clinic also answers "unknown
/// device", and must not be filled again behind the operator's back.
pub fn rejoin(
    store: &Store,
    relay: &dyn Transport,
    relay_url: &str,
) -> Result<Rejoined, SyncError> {
    match join_relay(store, relay, relay_url, true) {
        // The clinic is there, and its proof is not this PC's: the recovery key was renewed
        // since this PC last synced (see `request_rejoin`).
        Err(SyncError::Relay(refusal)) if refusal.code == code::NOT_FOUND => {
            Err(SyncError::ProofRefused {
                relay: relay_url.to_string(),
            })
        }
        other => other,
    }
}

/// Follows the clinic to the relay its move notice named (see [`crate::SyncReport::moved_to`]):
/// joins it with the recovery proof as [`rejoin`] does, but never registers the clinic there.
/// The PC that moved the clinic registered it before leaving the notice, so a relay that does
/// not know the clinic lost it or had it removed, and is not filled behind its operator's back.
///
/// A refusal of the proof is [`SyncError::MoveNotFollowed`]: the recovery key was renewed at
/// the new relay after the move, and this PC, which syncs only with the old relay, cannot learn
/// the new salt until the owner's PC brings it there.
pub fn follow_move(
    store: &Store,
    relay: &dyn Transport,
    relay_url: &str,
) -> Result<Rejoined, SyncError> {
    match join_relay(store, relay, relay_url, false) {
        Err(SyncError::Relay(refusal)) if refusal.code == code::NOT_FOUND => {
            Err(SyncError::MoveNotFollowed {
                from: store.local_setting(setting::RELAY_URL)?.unwrap_or_default(),
                to: relay_url.to_string(),
                why: refusal.message,
            })
        }
        other => other,
    }
}

fn join_relay(
    store: &Store,
    relay: &dyn Transport,
    relay_url: &str,
    may_register: bool,
) -> Result<Rejoined, SyncError> {
    refuse_while_waiting_for_approval(store)?;
    let me = identity(store, false)?;
    let proof = clinic_recovery_proof(store, &me.key)?;
    let outcome = match relay.heads(&me.credential) {
        Ok(_) => Rejoined::AlreadyKnown,
        Err(SyncError::Relay(refusal)) if refusal.code == code::UNAUTHORIZED && !may_register => {
            relay.recover(&me.clinic_id, &proof, &me.credential)?;
            Rejoined::JoinedClinic
        }
        Err(SyncError::Relay(refusal)) if refusal.code == code::UNAUTHORIZED => {
            match relay.register(&me.clinic_id, &me.credential, &proof) {
                Ok(()) => Rejoined::RegisteredClinic,
                Err(SyncError::Relay(refusal)) if refusal.code == code::ALREADY_REGISTERED => {
                    relay.recover(&me.clinic_id, &proof, &me.credential)?;
                    Rejoined::JoinedClinic
                }
                Err(e) => return Err(e),
            }
        }
        Err(e) => return Err(e),
    };
    store.set_local_setting(setting::RELAY_URL, relay_url)?;
    store.set_local_setting(setting::REGISTERED, "1")?;
    if outcome != Rejoined::AlreadyKnown {
        // The new relay counts its streams' revisions from nothing: a stream redacted at the old
        // one after this PC read it (an erasure) could carry the revision this PC read it at,
        // and its checksum would then differ for good. Each stream is checked once instead.
        chairside_store::sync_state::set_every_revision(store.conn(), crate::UNCHECKED)?;
    }
    if outcome != Rejoined::AlreadyKnown {
        // A relay that did not know this PC holds neither its box key (whatever the address:
        // a relay restored empty keeps its own) nor, if it did not know the clinic, its renewed
        // keys: they go there, so that a PC restored there from the printed key reads the older
        // records, and the others receive the current key.
        store.set_local_setting(setting::BOX_KEY_ANNOUNCED, "")?;
        keys::carry_to(store, relay, &me)?;
    }
    // A revoked PC holds the clinic key, so it could join the new relay as this one did: the
    // relay is told first (it records a device it does not know yet as revoked). A refusal as
    // "not found" names a device of another clinic there, which this one cannot revoke.
    for device in chairside_store::devices::all(store.conn())? {
        if device.revoked && device.id != me.credential.device_id {
            match relay.revoke(&me.credential, &device.id) {
                Err(SyncError::Relay(refusal)) if refusal.code == code::NOT_FOUND => {}
                other => other?,
            }
        }
    }
    Ok(outcome)
}

/// Renews the clinic's recovery key (on an owner's PC; done when a PC is revoked, since it
/// holds the data key and so the old proof): draws a new salt, has the relay replace the proof's
/// hash and keep the salt sealed under the clinic key, and records the salt in the clinic row
/// for the other PCs. Returns the new key to print; the old one no longer adds a device.
///
/// The relay's sealed salt is read first and adopted when this PC's differs: a renewal on
/// another PC that never synced again (lost just after, or a member renewing on purpose before
/// its revocation) is then no obstacle, and the renewal compares the relay's recovery version,
/// not a proof this PC might not know. The new salt waits in a local setting until the clinic
/// row holds it, so a renewal cut after the relay took it is found there and finished.
pub fn renew_recovery(
    store: &mut Store,
    relay: &dyn Transport,
) -> Result<Zeroizing<String>, SyncError> {
    let me = identity(store, false)?;
    // The salt goes in the clinic row: a PC that has not received it yet renews nothing (checked
    // first, so that nothing is renewed halfway).
    chairside_store::clinic::get(store.conn())?.ok_or(SyncError::NoClinicKey)?;
    let heads = relay.heads(&me.credential)?;
    if !heads.can(feature::RENEW_RECOVERY) {
        return Err(SyncError::Relay(chairside_protocol::ErrorBody {
            code: code::UNSUPPORTED_VERSION.into(),
            message: "this relay cannot renew a recovery key: have whoever runs it update \
                      chairside-relay, then renew the key"
                .into(),
        }));
    }
    // A renewal made elsewhere renewed the data key too: this PC takes it first, so that it
    // reads the relay's salt, and finishes a renewal of its own that was cut.
    let me = match keys::adopt(store, relay, &me, heads.key_epoch)? {
        keys::Adopted::Now(newer) => newer,
        keys::Adopted::AlreadyCurrent => me,
        keys::Adopted::NotShared => return Err(SyncError::KeyNotShared),
    };
    let state = relay.recovery_state(&me.credential)?;
    if let Some(salt) = adopt_relay_salt(store, &me, &state)?.finished_own_renewal {
        return recovery_key(&me.clinic_id, &me.key, &salt);
    }
    // Then the data key: the printed key holds it, and a revoked PC holds the old one.
    let me = if heads.can(feature::KEY_ROTATION) {
        keys::renew(store, relay, &me)?
    } else {
        me
    };
    let mut salt = vec![0u8; RECOVERY_SALT_BYTES];
    rand::rng().fill(&mut salt[..]);
    store.set_local_setting(setting::RECOVERY_SALT_PENDING, &hex::encode(&salt))?;
    let renewal = chairside_protocol::RenewRecoveryRequest {
        expected_version: state.version,
        new_proof_hash: hex::encode(Sha256::digest(recovery_proof(&me.key, &salt))),
        sealed_salt: Bytes(seal_recovery_salt(&me.key, &me.clinic_id, &salt)?),
    };
    match relay.renew_recovery(&me.credential, renewal) {
        Ok(()) => {}
        Err(SyncError::Relay(refusal)) if refusal.code == code::CONFLICT => {
            store.set_local_setting(setting::RECOVERY_SALT_PENDING, "")?;
            return Err(SyncError::RecoveryRenewedElsewhere);
        }
        Err(e) => return Err(e),
    }
    adopt_salt(store, &salt)?;
    recovery_key(&me.clinic_id, &me.key, &salt)
}

/// What [`adopt_relay_salt`] found at the relay.
struct AdoptedSalt {
    /// The relay holds the salt of this PC's own renewal, whose end was cut: now finished.
    finished_own_renewal: Option<Vec<u8>>,
    /// The relay holds another renewal's salt (another PC's, made since this PC last synced, or
    /// this PC's own that was cut): the clinic row holds it now.
    changed: bool,
}

/// Brings the clinic row's recovery salt to the one the relay's proof was made with: the
/// relay's sealed salt is adopted when it opens under the clinic key and differs from the
/// row's. A sealed salt that opens under no key (garbage) is ignored: the next renewal
/// replaces it. No salt at the relay means no renewal there (or a relay the clinic moved to,
/// which holds the proof of the row's salt).
fn adopt_relay_salt(
    store: &mut Store,
    me: &Identity,
    state: &chairside_protocol::RecoveryState,
) -> Result<AdoptedSalt, SyncError> {
    let mut adopted = AdoptedSalt {
        finished_own_renewal: None,
        changed: false,
    };
    let Some(at_relay) = state
        .sealed_salt
        .as_ref()
        .and_then(|sealed| open_recovery_salt(&me.keys, &me.clinic_id, &sealed.0))
    else {
        return Ok(adopted);
    };
    let pending = store
        .local_setting(setting::RECOVERY_SALT_PENDING)?
        .and_then(|hex| hex::decode(hex).ok());
    if at_relay != recovery_salt(store)? {
        adopt_salt(store, &at_relay)?;
        adopted.changed = true;
    }
    if pending.as_ref() == Some(&at_relay) {
        // This PC's last renewal reached the relay; its end was cut.
        store.set_local_setting(setting::RECOVERY_SALT_PENDING, "")?;
        adopted.finished_own_renewal = Some(at_relay);
    }
    Ok(adopted)
}

/// Writes `salt` into the clinic row (synced, so the other PCs print the same key) and clears
/// the pending renewal.
fn adopt_salt(store: &mut Store, salt: &[u8]) -> Result<(), SyncError> {
    let clinic = chairside_store::clinic::get(store.conn())?.ok_or(SyncError::NoClinicKey)?;
    store.write(|w| w.set_recovery_salt(clinic.id, &hex::encode(salt)))?;
    Ok(store.set_local_setting(setting::RECOVERY_SALT_PENDING, "")?)
}

/// How far the recovery key [`checked_recovery_key`] gives can be trusted to be the clinic's.
#[derive(Debug)]
pub enum RecoveryKeyCheck {
    /// The relay's proof is this key's (or the clinic has no relay yet, so no renewal).
    Current,
    /// Another PC renewed the key since this PC last synced (or this PC's own renewal was
    /// cut): the key is the renewed one, which this PC had not printed before.
    RenewedElsewhere,
    /// The relay could not be asked (offline, refused): the key is the one this PC last synced,
    /// and a renewal made on another PC since would not be it.
    Unchecked(SyncError),
}

/// The recovery key to print, checked with the relay first when the clinic has one: a PC that
/// has not synced since another PC renewed the key would otherwise print the old one, which no
/// longer restores the clinic, and nobody would know before the day every PC is lost.
pub fn checked_recovery_key(
    store: &mut Store,
    me: &Identity,
    relay: Option<&dyn Transport>,
) -> Result<(Zeroizing<String>, RecoveryKeyCheck), SyncError> {
    let mut me = me.clone();
    let check = match relay {
        None => RecoveryKeyCheck::Current,
        Some(relay) => match relay_recovery_state(store, relay, &me) {
            Ok(None) => RecoveryKeyCheck::Current,
            Ok(Some((state, key_epoch))) => {
                // A renewal elsewhere renewed the data key too: the printed key holds it.
                let renewed_key = match keys::adopt(store, relay, &me, key_epoch)? {
                    keys::Adopted::Now(renewed) => {
                        me = renewed;
                        true
                    }
                    keys::Adopted::AlreadyCurrent => false,
                    keys::Adopted::NotShared => return Err(SyncError::KeyNotShared),
                };
                let adopted = adopt_relay_salt(store, &me, &state)?;
                if adopted.changed || renewed_key {
                    RecoveryKeyCheck::RenewedElsewhere
                } else {
                    RecoveryKeyCheck::Current
                }
            }
            Err(e) => RecoveryKeyCheck::Unchecked(e),
        },
    };
    Ok((printable_recovery_key(store, &me)?, check))
}

/// The relay's recovery state, or `None` from a relay that cannot renew a key (so it holds the
/// proof of the salt this PC registered or joined with). A relay the clinic moved away from
/// does not know of renewals made since at the new one: [`SyncError::ClinicMovedAway`].
fn relay_recovery_state(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
) -> Result<Option<(chairside_protocol::RecoveryState, u32)>, SyncError> {
    let heads = relay.heads(&me.credential)?;
    if let Some(to) = move_to_follow(store, me, &heads)? {
        return Err(SyncError::ClinicMovedAway { to });
    }
    if !heads.can(feature::RENEW_RECOVERY) {
        return Ok(None);
    }
    let state = relay.recovery_state(&me.credential)?;
    Ok(Some((state, heads.key_epoch)))
}

/// What a move notice's seal is bound to, besides the clinic.
const MOVE_NOTICE_CONTEXT: &[u8] = b"chairside/v1/move-notice\0";

/// The associated data of what a PC seals for the relay to keep for its clinic (a recovery
/// salt, a move notice): what it is, and the clinic, so one cannot pass for the other or for
/// another clinic's.
fn clinic_bound_aad(context: &[u8], clinic_id: &str) -> Vec<u8> {
    [context, clinic_id.as_bytes()].concat()
}

/// The relay this PC should follow the clinic to, by the move notice in `heads`: one that opens
/// under the clinic key and names another relay than the one this PC uses.
pub(crate) fn move_to_follow(
    store: &Store,
    me: &Identity,
    heads: &chairside_protocol::Heads,
) -> Result<Option<String>, SyncError> {
    let relay_used = store.local_setting(setting::RELAY_URL)?;
    Ok(heads
        .moved
        .as_ref()
        .and_then(|sealed| open_move_notice(me, &sealed.0))
        .filter(|to| relay_used.as_deref() != Some(to.as_str())))
}

/// The relay address a sealed move notice names, if it opens under this clinic's key and is an
/// address (a notice that does not is the relay's word alone: ignored).
fn open_move_notice(me: &Identity, sealed: &[u8]) -> Option<String> {
    let opened = me.keys.open_with_nonce(
        sealed,
        &clinic_bound_aad(MOVE_NOTICE_CONTEXT, &me.clinic_id),
    )?;
    let url = std::str::from_utf8(&opened).ok()?.trim().to_string();
    crate::HttpRelay::new(&url)
        .ok()
        .map(|relay| relay.url().to_string())
}

/// What [`leave_move_notice`] could do at the relay the clinic left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveNoticeLeft {
    /// The notice is there: the clinic's PCs that sync with that relay follow.
    Left,
    /// That relay is too old to keep one (have its operator update it, or move each PC).
    Unsupported,
}

/// A planned move, after this PC joined the new relay (`to_url`): leaves at the relay the clinic
/// left (`old`) the new relay's address, sealed under the clinic key, so that every PC that
/// syncs with the old relay follows ([`crate::SyncReport::moved_to`]). The relay cannot read or
/// forge it; a revoked PC is refused there, so it never learns where the clinic went.
pub fn leave_move_notice(
    store: &Store,
    old: &dyn Transport,
    to_url: &str,
) -> Result<MoveNoticeLeft, SyncError> {
    let me = identity(store, false)?;
    if !old.heads(&me.credential)?.can(feature::CLINIC_MOVED) {
        return Ok(MoveNoticeLeft::Unsupported);
    }
    let sealed = me.key.seal_with_random_nonce(
        to_url.as_bytes(),
        &clinic_bound_aad(MOVE_NOTICE_CONTEXT, &me.clinic_id),
    )?;
    old.leave_move_notice(
        &me.credential,
        chairside_protocol::MoveNotice {
            sealed: Some(Bytes(sealed)),
        },
    )?;
    Ok(MoveNoticeLeft::Left)
}

/// After the owner joined this relay on purpose (the clinic came back to a relay it had left):
/// takes back the move notice the relay holds, if any, so that the PCs syncing with it stay.
/// Returns whether there was one.
pub fn take_back_move_notice(store: &Store, relay: &dyn Transport) -> Result<bool, SyncError> {
    let me = identity(store, false)?;
    if relay.heads(&me.credential)?.moved.is_none() {
        return Ok(false);
    }
    relay.leave_move_notice(
        &me.credential,
        chairside_protocol::MoveNotice { sealed: None },
    )?;
    Ok(true)
}

/// What the salt's seal is bound to, besides the clinic.
const RECOVERY_SALT_CONTEXT: &[u8] = b"chairside/v1/recovery-salt\0";

/// A recovery salt sealed for the relay to keep (`nonce || ciphertext`): XChaCha20-Poly1305
/// under the clinic key, bound to the clinic.
pub fn seal_recovery_salt(
    key: &ClinicKey,
    clinic_id: &str,
    salt: &[u8],
) -> Result<Vec<u8>, SyncError> {
    key.seal_with_random_nonce(salt, &clinic_bound_aad(RECOVERY_SALT_CONTEXT, clinic_id))
}

/// The salt the relay keeps, if it opens under this clinic's key and has a salt's length (what
/// does not is ignored: the next renewal replaces it).
fn open_recovery_salt(keys: &KeyRing, clinic_id: &str, sealed: &[u8]) -> Option<Vec<u8>> {
    keys.open_with_nonce(sealed, &clinic_bound_aad(RECOVERY_SALT_CONTEXT, clinic_id))
        .filter(|salt| salt.len() == RECOVERY_SALT_BYTES)
        .map(|salt| salt.to_vec())
}

#[cfg(test)]
mod typed_code_tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn reason(e: SyncError) -> String {
        match e {
            SyncError::BadPairingCode(r) | SyncError::BadRecoveryKey(r) => r,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn a_typed_code_says_which_characters_are_foreign_or_how_many_there_are() {
        assert!(check_pairing_code("K7QX-M2PD").is_ok());
        assert!(check_pairing_code("k7qx m2pd").is_ok());
        assert_eq!(
            reason(check_pairing_code("K0QX-M1PO").unwrap_err()),
            "the pairing code cannot contain 0 1 O"
        );
        assert_eq!(
            reason(check_pairing_code("K7QX-M2P").unwrap_err()),
            "the pairing code has 8 characters, not 7"
        );
        let key = recovery_key(
            "0190a5e2-0000-7000-8000-00000000c11c",
            &ClinicKey::random(),
            &[],
        )
        .unwrap();
        assert!(parse_recovery_key(&key.replace('-', " ").to_lowercase()).is_ok());
        let mut foreign = key.to_string();
        foreign.replace_range(0..1, "9");
        foreign.replace_range(7..8, "8");
        assert!(
            reason(parse_recovery_key(&foreign).unwrap_err())
                .starts_with("the recovery key cannot contain 9")
        );
        assert_eq!(
            reason(parse_recovery_key(&key[..key.len() - 6]).unwrap_err()),
            "the recovery key has 80 characters (104 once renewed), not 75"
        );
    }

    #[test]
    fn a_renewed_recovery_key_holds_its_salt_and_gives_another_proof() {
        let clinic = "0190a5e2-0000-7000-8000-00000000c11c";
        let key = ClinicKey::random();
        let salt = [7u8; RECOVERY_SALT_BYTES];
        let renewed = recovery_key(clinic, &key, &salt).unwrap();
        assert_eq!(renewed.chars().filter(|c| *c != '-').count(), 104);
        let parsed = parse_recovery_key(&renewed).unwrap();
        assert_eq!(parsed.clinic_id, clinic);
        assert_eq!(parsed.key.to_hex(), key.to_hex());
        assert_eq!(parsed.salt, salt);
        let first = parse_recovery_key(&recovery_key(clinic, &key, &[]).unwrap()).unwrap();
        assert!(first.salt.is_empty());
        assert_ne!(recovery_proof(&key, &salt), recovery_proof(&key, &[]));
        assert_ne!(
            recovery_proof(&key, &salt),
            recovery_proof(&key, &[8u8; 15])
        );
        // It does not start like the sheet it replaces.
        let first_sheet = recovery_key(clinic, &key, &[]).unwrap();
        assert_ne!(renewed[..5], first_sheet[..5]);
        // One character changed anywhere breaks the check.
        let mut typo = renewed.to_string();
        let at = typo.len() - 12;
        let swapped = if &typo[at..=at] == "A" { "B" } else { "A" };
        typo.replace_range(at..=at, swapped);
        assert!(reason(parse_recovery_key(&typo).unwrap_err()).contains("check does not match"));
        assert_eq!(
            reason(parse_recovery_key(&renewed[..renewed.len() - 3]).unwrap_err()),
            "the recovery key has 80 characters (104 once renewed), not 101"
        );
    }
}
