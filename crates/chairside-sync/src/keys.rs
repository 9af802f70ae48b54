//! The clinic's data keys over time, and renewing them.
//!
//! Every PC of a clinic holds its data key, a revoked one included, so revoking a PC alone would
//! leave it able to read whatever the clinic seals from then on, should it ever get a copy of
//! the relay's storage. Renewing the key ([`renew`], done with every renewal of the recovery key,
//! hence with every revocation) gives the clinic a new key, numbered by an *epoch* (0 for the key
//! made with the clinic):
//!
//! - **Ring**: a PC keeps every key of its clinic ([`KeyRing`], one local setting), since the
//!   records, files and notices sealed before a renewal stay sealed under the key of their time.
//!   What a PC seals from then on is sealed under the current key; what it opens is tried under
//!   each key of the ring (an AEAD tag that fails costs a Poly1305 pass, not a decryption).
//! - **Box keys**: each PC has an X25519 key pair of its own (the secret in its local settings)
//!   and announces the public half at the relay, sealed under the clinic key and bound to the
//!   PC ([`announce_box_key`], once per relay), so the relay can neither read nor forge it. A new
//!   PC's is the one it enrolled with; a PC enrolled before renewals existed makes one at its
//!   next sync.
//! - **Renewal** ([`renew`]): the PC draws the new key and leaves at the relay, in one request,
//!   the new epoch, the older keys sealed under the new one (the ring, for a PC restored from
//!   the printed recovery key, which holds the current key only), and the new key sealed to the
//!   announced box key of every active PC of the clinic not revoked here (its *share*). The relay can read none of it;
//!   a renewal made elsewhere a moment before is refused (the epoch must go up), like a recovery
//!   renewal.
//! - **Adoption** ([`adopt`]): every [`chairside_protocol::Heads`] says the relay's epoch; a PC
//!   holding an older key fetches its share and the ring before it seals or opens anything, and
//!   checks that the ring holds the keys it had (a relay cannot slip in a key of its own: it
//!   cannot seal to the PC's box key a key the ring it serves would also open under).
//! - **Sharing late** ([`share_with_new_devices`]): the relay says which active PCs announced a
//!   box key and have no share of the current key (announced after the renewal, or joined a
//!   relay the clinic moved to); the next PC holding the key that syncs seals one for each.
//!   Until then such a PC's sync only sends ([`SyncError::KeyNotShared`]).
//!
//! Which key a stream was sealed under is kept by index (`stream_key_epoch`, see
//! `chairside-store`'s `sync_state`): sealing is deterministic, and a PC that seals a set again
//! (a redaction, a log carried to a new relay) must use its author's key.
//!
//! What this does not do: a revoked PC that works with the relay's operator could still forge
//! records under the key it holds (the relay would serve them), and they would open here as
//! the clinic's, or announce a box key of its own for a made-up PC and so receive a share; the
//! renewal protects what the clinic writes from then on against a revoked PC alone, with or
//! without a copy of the relay's storage.
//! File names at the relay stay keyed by the clinic's first key ([`KeyRing::naming_key`]), so
//! such a PC could tell whether a file it knows is at the relay.

use std::collections::BTreeMap;

use chairside_protocol::{
    BoxKeyAnnouncement, Bytes, ClinicKeys, KeyShare, ShareKeysRequest, code, feature,
};
use chairside_store::{Store, devices};
use crypto_box::aead::OsRng;
use crypto_box::{PublicKey, SecretKey};
use rand::Rng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{ClinicKey, Identity, SyncError, Transport, identity, setting};

/// Every data key of the clinic this PC holds, by epoch, and which one is current.
#[derive(Clone)]
pub struct KeyRing {
    keys: BTreeMap<u32, ClinicKey>,
    current: u32,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("epochs", &self.keys.keys().collect::<Vec<_>>())
            .field("current", &self.current)
            .finish()
    }
}

impl KeyRing {
    /// A clinic whose key was never renewed: its one key, epoch 0.
    pub fn first(key: ClinicKey) -> Self {
        Self {
            keys: BTreeMap::from([(0, key)]),
            current: 0,
        }
    }

    /// The current epoch: what this PC seals from now on is sealed under its key.
    pub fn current_epoch(&self) -> u32 {
        self.current
    }

    /// The key of `epoch`, if this PC holds it.
    pub fn get(&self, epoch: u32) -> Option<&ClinicKey> {
        self.keys.get(&epoch)
    }

    /// The key blob names at the relay are keyed with: the clinic's first, so that a file
    /// uploaded before a renewal keeps its name (and is not sent again) after it.
    pub fn naming_key(&self) -> &ClinicKey {
        #[allow(clippy::expect_used)] // a ring is never empty: made from one key, only grows
        self.keys.values().next().expect("a key ring holds a key")
    }

    /// Every key, `prefer`'s first (the epoch the record before was sealed under), then the
    /// newest first.
    pub fn to_try(&self, prefer: u32) -> impl Iterator<Item = (u32, &ClinicKey)> {
        let preferred = self.keys.get(&prefer).map(|key| (prefer, key));
        preferred.into_iter().chain(
            self.keys
                .iter()
                .rev()
                .filter(move |(epoch, _)| **epoch != prefer)
                .map(|(epoch, key)| (*epoch, key)),
        )
    }

    /// A ring from what an enrollment carries: the current key of `epoch` and the older ones
    /// (none above it, and epoch 0 or older keys present). None when they do not fit.
    pub(crate) fn from_parts(
        mut older: BTreeMap<u32, ClinicKey>,
        epoch: u32,
        key: ClinicKey,
    ) -> Option<Self> {
        if older.keys().any(|e| *e >= epoch) || (epoch > 0 && older.is_empty()) {
            return None;
        }
        older.insert(epoch, key);
        Some(Self {
            keys: older,
            current: epoch,
        })
    }

    /// Whether this ring holds every key of `other`, under the same epochs.
    pub(crate) fn holds_all_of(&self, other: &KeyRing) -> bool {
        other
            .keys
            .iter()
            .all(|(epoch, key)| self.get(*epoch).is_some_and(|k| k.bytes() == key.bytes()))
    }

    /// The keys older than the current one, hex, by epoch (what an enrollment carries).
    pub(crate) fn older_keys_hex(&self) -> BTreeMap<u32, String> {
        self.keys
            .iter()
            .filter(|(epoch, _)| **epoch != self.current)
            .map(|(epoch, key)| (*epoch, key.to_hex().to_string()))
            .collect()
    }

    /// What [`ClinicKey::seal_with_random_nonce`] sealed under any key of the ring.
    pub(crate) fn open_with_nonce(&self, sealed: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        self.to_try(self.current)
            .find_map(|(_, key)| key.open_with_nonce(sealed, aad))
    }
}

/// The ring as a local setting holds it.
#[derive(Serialize, Deserialize)]
struct StoredRing {
    current: u32,
    keys: BTreeMap<u32, String>,
}

/// The clinic's key ring on this PC: the stored ring, or (a clinic whose key was never renewed
/// here) the one key of [`setting::CLINIC_KEY`] as epoch 0.
pub(crate) fn load_ring(store: &Store, key: ClinicKey) -> Result<KeyRing, SyncError> {
    let Some(text) = store
        .local_setting(setting::CLINIC_KEY_RING)?
        .filter(|t| !t.is_empty())
    else {
        return Ok(KeyRing::first(key));
    };
    let text = Zeroizing::new(text);
    let stored: StoredRing = serde_json::from_str(&text)
        .map_err(|_| SyncError::Internal("the stored key ring is malformed".into()))?;
    let mut keys = BTreeMap::new();
    for (epoch, hex) in &stored.keys {
        let key = ClinicKey::from_hex(hex)
            .ok_or_else(|| SyncError::Internal("the stored key ring is malformed".into()))?;
        keys.insert(*epoch, key);
    }
    if !keys.contains_key(&stored.current) {
        return Err(SyncError::Internal(
            "the stored key ring lacks its current key".into(),
        ));
    }
    Ok(KeyRing {
        keys,
        current: stored.current,
    })
}

/// Stores the ring: first the ring itself (what [`load_ring`] trusts), then its current key
/// as [`setting::CLINIC_KEY`] for what reads that alone; a stop in between loses nothing.
pub(crate) fn save_ring(store: &Store, ring: &KeyRing) -> Result<(), SyncError> {
    let stored = StoredRing {
        current: ring.current,
        keys: ring
            .keys
            .iter()
            .map(|(epoch, key)| (*epoch, key.to_hex().to_string()))
            .collect(),
    };
    let text = Zeroizing::new(
        serde_json::to_string(&stored).map_err(|e| SyncError::Internal(e.to_string()))?,
    );
    store.set_local_setting(setting::CLINIC_KEY_RING, &text)?;
    #[allow(clippy::expect_used)] // checked when the ring was made
    let current = ring
        .get(ring.current)
        .expect("the ring holds its current key");
    store.set_local_setting(setting::CLINIC_KEY, &current.to_hex())?;
    Ok(())
}

/// This PC's X25519 secret, created on first use (a PC enrolled since renewals existed keeps
/// the one it enrolled with, see `enroll::complete`).
pub(crate) fn box_secret(store: &Store) -> Result<SecretKey, SyncError> {
    if let Some(hex) = store
        .local_setting(setting::BOX_SECRET)?
        .filter(|h| !h.is_empty())
    {
        let bytes: [u8; 32] = hex::decode(Zeroizing::new(hex))
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| SyncError::Internal("the stored box key is malformed".into()))?;
        return Ok(SecretKey::from(bytes));
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::rng().fill(&mut bytes[..]);
    store.set_local_setting(setting::BOX_SECRET, &hex::encode(*bytes))?;
    Ok(SecretKey::from(*bytes))
}

/// What a box key announcement's seal is bound to, besides the clinic and the PC.
const BOX_KEY_CONTEXT: &[u8] = b"chairside/v1/box-key\0";

fn box_key_aad(clinic_id: &str, device_id: &str) -> Vec<u8> {
    [
        BOX_KEY_CONTEXT,
        clinic_id.as_bytes(),
        b"\0",
        device_id.as_bytes(),
    ]
    .concat()
}

/// Announces this PC's box key at `relay` unless it did already (remembered per relay address;
/// a relay that cannot keep keys is not asked).
pub fn announce_box_key(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
    relay_can_keep_keys: bool,
) -> Result<(), SyncError> {
    let relay_url = store.local_setting(setting::RELAY_URL)?.unwrap_or_default();
    if !relay_can_keep_keys
        || store.local_setting(setting::BOX_KEY_ANNOUNCED)?.as_deref() == Some(&relay_url)
    {
        return Ok(());
    }
    let public = box_secret(store)?.public_key();
    let sealed = me.key.seal_with_random_nonce(
        public.as_bytes(),
        &box_key_aad(&me.clinic_id, &me.credential.device_id),
    )?;
    relay.announce_box_key(
        &me.credential,
        BoxKeyAnnouncement {
            sealed: Bytes(sealed),
        },
    )?;
    Ok(store.set_local_setting(setting::BOX_KEY_ANNOUNCED, &relay_url)?)
}

/// The box key an announcement holds, if it opens under a key of the clinic as `device_id`'s.
fn open_box_key(me: &Identity, device_id: &str, sealed: &[u8]) -> Option<[u8; 32]> {
    let opened = me
        .keys
        .open_with_nonce(sealed, &box_key_aad(&me.clinic_id, device_id))?;
    <[u8; 32]>::try_from(&opened[..]).ok()
}

/// What a share seals: the key and what it is the key of.
#[derive(Serialize, Deserialize)]
struct SharePayload {
    clinic_id: String,
    epoch: u32,
    key: String,
}

/// What the ring's seal is bound to, besides the clinic and the epoch.
const RING_CONTEXT: &[u8] = b"chairside/v1/key-ring\0";

fn ring_aad(clinic_id: &str, epoch: u32) -> Vec<u8> {
    [RING_CONTEXT, clinic_id.as_bytes(), &epoch.to_be_bytes()].concat()
}

/// The ring's keys older than `ring`'s current one, sealed under the current one for the relay.
fn seal_older_keys(clinic_id: &str, ring: &KeyRing) -> Result<Vec<u8>, SyncError> {
    let older = ring.older_keys_hex();
    let json =
        Zeroizing::new(serde_json::to_vec(&older).map_err(|e| SyncError::Internal(e.to_string()))?);
    #[allow(clippy::expect_used)] // a ring holds its current key
    let current = ring
        .get(ring.current)
        .expect("the ring holds its current key");
    current.seal_with_random_nonce(&json, &ring_aad(clinic_id, ring.current))
}

/// The older keys a sealed ring holds, if it opens under `key` as the ring of `epoch`.
fn open_older_keys(
    clinic_id: &str,
    epoch: u32,
    key: &ClinicKey,
    sealed: &[u8],
) -> Option<BTreeMap<u32, ClinicKey>> {
    let json = key.open_with_nonce(sealed, &ring_aad(clinic_id, epoch))?;
    let older: BTreeMap<u32, String> = serde_json::from_slice(&json).ok()?;
    let mut keys = BTreeMap::new();
    for (e, hex) in older {
        if e >= epoch {
            return None;
        }
        keys.insert(e, ClinicKey::from_hex(&hex)?);
    }
    Some(keys)
}

/// The current key of `ring` sealed to each of `devices`' box keys.
fn shares_for(
    clinic_id: &str,
    ring: &KeyRing,
    devices: &[(String, [u8; 32])],
) -> Result<Vec<KeyShare>, SyncError> {
    #[allow(clippy::expect_used)] // a ring holds its current key
    let key = ring
        .get(ring.current)
        .expect("the ring holds its current key");
    let payload = Zeroizing::new(
        serde_json::to_vec(&SharePayload {
            clinic_id: clinic_id.to_string(),
            epoch: ring.current,
            key: key.to_hex().to_string(),
        })
        .map_err(|e| SyncError::Internal(e.to_string()))?,
    );
    devices
        .iter()
        .map(|(device_id, public)| {
            let sealed = PublicKey::from(*public)
                .seal(&mut OsRng, &payload)
                .map_err(|_| SyncError::Internal("sealing the clinic key failed".into()))?;
            Ok(KeyShare {
                device_id: device_id.clone(),
                sealed: Bytes(sealed),
            })
        })
        .collect()
}

/// The PCs a key is shared with, among the box keys the relay lists (`only_unshared`: those
/// with no share of the current key yet): those that open as their PC's, and whose PC this PC
/// has not seen revoked (the relay lists active PCs only). This PC's own is among them (when
/// unshared, for `only_unshared`), so that a renewal cut before this PC stored its key is found
/// at the relay.
fn devices_to_share_with(
    store: &Store,
    me: &Identity,
    keys: &ClinicKeys,
    only_unshared: bool,
) -> Result<Vec<(String, [u8; 32])>, SyncError> {
    let revoked: Vec<String> = devices::all(store.conn())?
        .into_iter()
        .filter(|d| d.revoked)
        .map(|d| d.id)
        .collect();
    let mine = &me.credential.device_id;
    let mut devices: Vec<(String, [u8; 32])> = keys
        .box_keys
        .iter()
        .filter(|k| !(only_unshared && k.shared))
        .filter(|k| !revoked.contains(&k.device_id))
        .filter(|k| k.device_id != *mine)
        .filter_map(|k| {
            open_box_key(me, &k.device_id, &k.sealed.0).map(|b| (k.device_id.clone(), b))
        })
        .collect();
    let own_unshared = keys
        .box_keys
        .iter()
        .any(|k| k.device_id == *mine && !k.shared);
    if !only_unshared || own_unshared {
        devices.push((mine.clone(), *box_secret(store)?.public_key().as_bytes()));
    }
    Ok(devices)
}

/// Renews the clinic's data key at the relay (see the module docs): the new key becomes this
/// PC's current one, shared with every PC of the clinic not revoked. Returns the identity with
/// the new key. `me` holds the relay's current key (see [`adopt`]), and the relay can keep keys
/// ([`feature::KEY_ROTATION`]): the caller read both in the heads.
pub fn renew(store: &Store, relay: &dyn Transport, me: &Identity) -> Result<Identity, SyncError> {
    announce_box_key(store, relay, me, true)?;
    let at_relay = relay.clinic_keys(&me.credential)?;
    let mut ring = me.keys.clone();
    let epoch = ring.current + 1;
    ring.keys.insert(epoch, ClinicKey::random());
    ring.current = epoch;
    let devices = devices_to_share_with(store, me, &at_relay, false)?;
    let shares = shares_for(&me.clinic_id, &ring, &devices)?;
    let request = ShareKeysRequest {
        epoch,
        ring: Bytes(seal_older_keys(&me.clinic_id, &ring)?),
        shares,
    };
    match relay.share_keys(&me.credential, request) {
        Ok(()) => {}
        Err(SyncError::Relay(refusal)) if refusal.code == code::CONFLICT => {
            return Err(SyncError::KeyRenewedElsewhere);
        }
        Err(e) => return Err(e),
    }
    save_ring(store, &ring)?;
    identity(store, false)
}

/// What [`adopt`] found.
#[derive(Debug)]
pub enum Adopted {
    /// This PC's key is the relay's current one (or newer: a relay the clinic moved to).
    AlreadyCurrent,
    /// The clinic's key was renewed elsewhere: this PC holds it now (the identity with it).
    Now(Identity),
    /// The key was renewed and the relay holds no share for this PC (its box key was not known
    /// then): it can send, not read, until a PC shares the key with it.
    NotShared,
}

/// Brings this PC to the relay's key epoch (`relay_epoch`, from its heads): fetches its share
/// and the ring, checks them, stores the new ring (see the module docs).
pub fn adopt(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
    relay_epoch: u32,
) -> Result<Adopted, SyncError> {
    if relay_epoch <= me.keys.current {
        return Ok(Adopted::AlreadyCurrent);
    }
    let keys = relay.clinic_keys(&me.credential)?;
    if keys.epoch <= me.keys.current {
        return Ok(Adopted::AlreadyCurrent);
    }
    let Some(share) = keys.share.as_ref() else {
        return Ok(Adopted::NotShared);
    };
    let refused = |why: &str| SyncError::BadKeyShare(why.to_string());
    let opened = Zeroizing::new(
        box_secret(store)?
            .unseal(&share.0)
            .map_err(|_| refused("it was not sealed to this PC's key"))?,
    );
    let payload: SharePayload =
        serde_json::from_slice(&opened).map_err(|_| refused("its content is unreadable"))?;
    let payload_key = Zeroizing::new(payload.key);
    if payload.clinic_id != me.clinic_id || payload.epoch != keys.epoch {
        return Err(refused("it names another clinic or another key"));
    }
    let key = ClinicKey::from_hex(&payload_key).ok_or_else(|| refused("its key is malformed"))?;
    let ring = adopted_ring(&me.clinic_id, &keys, key, &me.keys)?;
    save_ring(store, &ring)?;
    Ok(Adopted::Now(identity(store, false)?))
}

/// The ring a PC holds once it has the key of `keys.epoch`: the relay's older keys, which must
/// include every key `held` (a relay's ring that lacks one, or holds another, is refused).
fn adopted_ring(
    clinic_id: &str,
    keys: &ClinicKeys,
    key: ClinicKey,
    held: &KeyRing,
) -> Result<KeyRing, SyncError> {
    let sealed = keys
        .ring
        .as_ref()
        .ok_or_else(|| SyncError::BadKeyShare("the relay holds no ring of older keys".into()))?;
    let mut older = open_older_keys(clinic_id, keys.epoch, &key, &sealed.0).ok_or_else(|| {
        SyncError::BadKeyShare("the relay's ring of older keys does not open under it".into())
    })?;
    for (epoch, mine) in &held.keys {
        match older.get(epoch) {
            Some(theirs) if theirs.bytes() == mine.bytes() => {}
            _ => {
                return Err(SyncError::BadKeyShare(format!(
                    "the relay's ring does not hold this PC's key of epoch {epoch}"
                )));
            }
        }
    }
    older.insert(keys.epoch, key);
    Ok(KeyRing {
        keys: older,
        current: keys.epoch,
    })
}

/// On a PC restored from the printed recovery key (which holds the current key only): the
/// relay's ring gives the older keys. A relay at epoch 0 (the key never renewed, or a relay
/// that cannot keep keys) leaves the one key.
pub fn restore_ring(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
) -> Result<Identity, SyncError> {
    if !relay.heads(&me.credential)?.can(feature::KEY_ROTATION) {
        return Ok(me.clone());
    }
    let keys = relay.clinic_keys(&me.credential)?;
    if keys.epoch == 0 {
        return Ok(me.clone());
    }
    // The printed key is the current one: it opens the ring of its epoch. One that does not
    // was printed before a renewal whose recovery renewal did not go through.
    let mut all = keys
        .ring
        .as_ref()
        .and_then(|sealed| open_older_keys(&me.clinic_id, keys.epoch, &me.key, &sealed.0))
        .ok_or(SyncError::RecoveryKeyOutdated)?;
    all.insert(keys.epoch, me.key.clone());
    let ring = KeyRing {
        keys: all,
        current: keys.epoch,
    };
    save_ring(store, &ring)?;
    identity(store, false)
}

/// Shares the current key with the active PCs that announced a box key and have no share of it
/// (announced after the renewal, or on a relay the clinic moved to). Returns how many shares it
/// left. Any PC holding the current key may do it: each holds the key.
pub fn share_with_new_devices(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
) -> Result<usize, SyncError> {
    if me.keys.current == 0 {
        return Ok(0);
    }
    let at_relay = relay.clinic_keys(&me.credential)?;
    if at_relay.epoch > me.keys.current {
        return Ok(0); // renewed elsewhere since this PC read the heads: adopted at its next sync
    }
    // A relay behind this PC (one the clinic moved to) takes the whole renewal.
    let only_unshared = at_relay.epoch == me.keys.current;
    let devices = devices_to_share_with(store, me, &at_relay, only_unshared)?;
    if devices.is_empty() {
        return Ok(0);
    }
    let request = ShareKeysRequest {
        epoch: me.keys.current,
        ring: Bytes(seal_older_keys(&me.clinic_id, &me.keys)?),
        shares: shares_for(&me.clinic_id, &me.keys, &devices)?,
    };
    match relay.share_keys(&me.credential, request) {
        Ok(()) => Ok(devices.len()),
        Err(SyncError::Relay(refusal)) if refusal.code == code::CONFLICT => Ok(0),
        Err(e) => Err(e),
    }
}

/// The PCs of the clinic (not revoked, other than this one) that the relay holds no share of the
/// current key for: they have not announced a box key yet (a PC that has not synced since this
/// version, or not at all since it joined), and receive the key from the first PC that syncs
/// after they did. Until then each sends but cannot read what is written under the new key.
/// Empty while the key was never renewed, or at a relay that cannot keep keys.
pub fn pcs_without_current_key(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
) -> Result<Vec<String>, SyncError> {
    // Epoch 0 here: never renewed, or at a relay that cannot keep keys (none renews there).
    if me.keys.current == 0 {
        return Ok(Vec::new());
    }
    let at_relay = relay.clinic_keys(&me.credential)?;
    let shared: Vec<&str> = at_relay
        .box_keys
        .iter()
        .filter(|k| k.shared)
        .map(|k| k.device_id.as_str())
        .collect();
    Ok(devices::all(store.conn())?
        .into_iter()
        .filter(|d| !d.revoked && d.id != me.credential.device_id)
        .filter(|d| !shared.contains(&d.id.as_str()))
        .map(|d| d.id)
        .collect())
}

/// After this PC joined a relay that did not know it (the clinic moved there, or the relay lost
/// its data): announces its box key there and leaves the clinic's renewed key, its ring and the
/// shares of the PCs announced there so far. Nothing at a relay that cannot keep keys; a relay
/// holding a newer key (another PC renewed it there) is left as it is, and this PC adopts that
/// key at its next sync.
pub fn carry_to(store: &Store, relay: &dyn Transport, me: &Identity) -> Result<(), SyncError> {
    if !relay.heads(&me.credential)?.can(feature::KEY_ROTATION) {
        return Ok(());
    }
    announce_box_key(store, relay, me, true)?;
    share_with_new_devices(store, relay, me)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ring_of(epochs: &[u32]) -> KeyRing {
        KeyRing {
            keys: epochs.iter().map(|e| (*e, ClinicKey::random())).collect(),
            current: *epochs.last().unwrap(),
        }
    }

    #[test]
    fn the_preferred_key_is_tried_first_then_the_newest() {
        let ring = ring_of(&[0, 1, 2]);
        let order: Vec<u32> = ring.to_try(1).map(|(e, _)| e).collect();
        assert_eq!(order, vec![1, 2, 0]);
        let order: Vec<u32> = ring.to_try(7).map(|(e, _)| e).collect();
        assert_eq!(order, vec![2, 1, 0], "an epoch not held is skipped");
    }

    #[test]
    fn the_older_keys_open_only_as_the_ring_of_their_clinic_and_epoch() {
        let ring = ring_of(&[0, 1, 2]);
        let sealed = seal_older_keys("clinic", &ring).unwrap();
        let current = ring.get(2).unwrap();
        let older = open_older_keys("clinic", 2, current, &sealed).unwrap();
        assert_eq!(older.keys().copied().collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(older[&0].bytes(), ring.get(0).unwrap().bytes());
        assert!(open_older_keys("other clinic", 2, current, &sealed).is_none());
        assert!(open_older_keys("clinic", 3, current, &sealed).is_none());
        assert!(open_older_keys("clinic", 2, ring.get(1).unwrap(), &sealed).is_none());
    }

    #[test]
    fn an_adopted_ring_must_hold_every_key_this_pc_had() {
        let relay_ring = ring_of(&[0, 1]);
        let keys = ClinicKeys {
            epoch: 1,
            ring: Some(Bytes(seal_older_keys("clinic", &relay_ring).unwrap())),
            share: None,
            box_keys: Vec::new(),
        };
        let new_key = relay_ring.get(1).unwrap().clone();
        let held = KeyRing::first(relay_ring.get(0).unwrap().clone());
        let adopted = adopted_ring("clinic", &keys, new_key.clone(), &held).unwrap();
        assert_eq!(adopted.current_epoch(), 1);
        assert_eq!(
            adopted.naming_key().bytes(),
            relay_ring.get(0).unwrap().bytes()
        );

        let stranger = KeyRing::first(ClinicKey::random());
        assert!(matches!(
            adopted_ring("clinic", &keys, new_key, &stranger),
            Err(SyncError::BadKeyShare(_))
        ));
    }
}
