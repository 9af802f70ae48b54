//! Sealing change sets for the relay: the plaintext form of a change set and its
//! XChaCha20-Poly1305 envelope under the clinic's data key, bound to (clinic, device, index).
//!
//! The plaintext is the change set as JSON, compressed with DEFLATE behind a one-byte tag
//! (`DEFLATED_JSON`): a set repeats its row id, table and field names, so it shrinks about
//! five times, and a clinic's line to the relay (often a few Mbit/s up) is what an end-of-day
//! sync waits on. Records sealed before compression (bare JSON, starting with `{`) still open.
//! Inflating is bounded ([`MAX_PLAINTEXT_BYTES`]) although the record has authenticated first.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chairside_domain::{DeviceId, Hlc};
use chairside_protocol::{Bytes, Record, associated_data};
use chairside_store::{ChangeSet, FieldChange, Value};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use zeroize::Zeroizing;

use crate::{KeyRing, SyncError};

/// The plaintext's first byte when it is DEFLATE-compressed JSON (bare JSON starts with `{`).
const DEFLATED_JSON: u8 = 0x01;

/// The largest plaintext a record may inflate to: sixteen times the largest record.
pub const MAX_PLAINTEXT_BYTES: usize = 16 * chairside_protocol::MAX_RECORD_BYTES;

/// The clinic's data key: 256 random bits shared by the clinic's devices, never by the relay.
#[derive(Clone)]
pub struct ClinicKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for ClinicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClinicKey(..)")
    }
}

impl ClinicKey {
    pub fn random() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(key.as_mut());
        Self(key)
    }

    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text.trim()).ok()?;
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return None;
        }
        key.copy_from_slice(&bytes);
        Some(Self(key))
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// `plaintext` sealed under this key with a random nonce, bound to `aad`: `nonce ||
    /// ciphertext` (a blob's chunk, the recovery salt the relay keeps). Change sets are sealed
    /// otherwise: their nonce follows their content (see [`seal`]).
    pub(crate) fn seal_with_random_nonce(
        &self,
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, SyncError> {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| SyncError::Internal("encryption failed".into()))?;
        Ok([&nonce[..], &ciphertext].concat())
    }

    /// What [`ClinicKey::seal_with_random_nonce`] sealed, if it opens under this key and `aad`.
    pub(crate) fn open_with_nonce(&self, sealed: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if sealed.len() < 24 + 16 {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(24);
        self.cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

/// A field value in the plaintext.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
enum WireValue {
    #[serde(rename = "n")]
    Null,
    #[serde(rename = "i")]
    Integer(i64),
    #[serde(rename = "r")]
    Real(f64),
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "b")]
    Blob(String),
}

#[derive(Debug, Serialize, Deserialize)]
struct WireChange {
    table: String,
    row: String,
    field: String,
    value: WireValue,
    hlc: i64,
}

/// The plaintext of a record. Its device and index are repeated inside, and checked against the
/// envelope's, so that even a relay holding the key could not renumber a set.
#[derive(Debug, Serialize, Deserialize)]
struct WireChangeSet {
    device: String,
    idx: i64,
    changes: Vec<WireChange>,
    /// The writer's seen heads (absent in sets written before they were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seen: Option<Vec<(String, i64)>>,
}

fn to_wire(value: &Value) -> WireValue {
    match value {
        Value::Null => WireValue::Null,
        Value::Integer(i) => WireValue::Integer(*i),
        Value::Real(r) => WireValue::Real(*r),
        Value::Text(s) => WireValue::Text(s.clone()),
        Value::Blob(b) => WireValue::Blob(BASE64.encode(b)),
    }
}

fn from_wire(value: WireValue) -> Result<Value, String> {
    Ok(match value {
        WireValue::Null => Value::Null,
        WireValue::Integer(i) => Value::Integer(i),
        WireValue::Real(r) => Value::Real(r),
        WireValue::Text(s) => Value::Text(s),
        WireValue::Blob(b) => Value::Blob(BASE64.decode(b).map_err(|e| e.to_string())?),
    })
}

/// A record's nonce, derived from what it seals: the first 24 bytes of HMAC-SHA256, under a key
/// derived from the clinic key for this use alone, over the associated data and the plaintext
/// (the synthetic-IV idea of RFC 5297, with XChaCha20-Poly1305's 192-bit nonces).
///
/// Why not random: a set sealed again must be the same bytes. A log pushed again to a relay
/// restored from an older backup, or a push retried after its reply was lost, then carries
/// exactly the records the other PCs already read, and the stream checksum they computed
/// still holds; with random nonces they would see a divergence that is none. Safety: a nonce
/// repeats only for the same (clinic, device, index, plaintext), which is the same record; two
/// different plaintexts share one only through an HMAC-SHA256 collision. The relay learns
/// nothing new: that a record sent twice is the same, which it already sees by its index.
fn record_nonce(key: &ClinicKey, aad: &[u8], plaintext: &[u8]) -> [u8; 24] {
    use hmac::{Hmac, Mac};
    type HmacSha256 = Hmac<sha2::Sha256>;
    #[allow(clippy::expect_used)] // HMAC takes keys of any length: this cannot fail
    let mut derive = <HmacSha256 as Mac>::new_from_slice(key.bytes()).expect("any key length");
    derive.update(b"chairside record nonce key\0");
    let nonce_key = Zeroizing::new(derive.finalize().into_bytes());
    #[allow(clippy::expect_used)]
    let mut mac = <HmacSha256 as Mac>::new_from_slice(&nonce_key).expect("any key length");
    mac.update(&(aad.len() as u64).to_be_bytes());
    mac.update(aad);
    mac.update(plaintext);
    let mut nonce = [0u8; 24];
    nonce.copy_from_slice(&mac.finalize().into_bytes()[..24]);
    nonce
}

/// Seals one change set into a record.
pub fn seal(key: &ClinicKey, clinic_id: &str, set: &ChangeSet) -> Result<Record, SyncError> {
    let device = set.device_id.to_string();
    let wire = WireChangeSet {
        device: device.clone(),
        idx: set.idx,
        changes: set
            .changes
            .iter()
            .map(|c| WireChange {
                table: c.table.clone(),
                row: c.row_id.clone(),
                field: c.field.clone(),
                value: to_wire(&c.value),
                hlc: c.hlc.to_i64(),
            })
            .collect(),
        seen: set
            .seen
            .as_ref()
            .map(|seen| seen.iter().map(|(d, h)| (d.to_string(), *h)).collect()),
    };
    let json =
        Zeroizing::new(serde_json::to_vec(&wire).map_err(|e| SyncError::Internal(e.to_string()))?);
    let plaintext = Zeroizing::new(deflate(&json)?);
    let aad = associated_data(clinic_id, &device, set.idx);
    let nonce = record_nonce(key, &aad, &plaintext);
    let ciphertext = key
        .cipher()
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| SyncError::Internal("encryption failed".into()))?;
    Ok(Record {
        device_id: device,
        idx: set.idx,
        nonce: Bytes(nonce.to_vec()),
        ciphertext: Bytes(ciphertext),
    })
}

/// Opens a record pulled from the relay for the stream of `expected_device`. Any failure is
/// [`SyncError::Tampered`]: nothing of the record may be applied.
pub fn open(
    key: &ClinicKey,
    clinic_id: &str,
    expected_device: DeviceId,
    record: &Record,
) -> Result<ChangeSet, SyncError> {
    open_under(
        std::iter::once((0, key)),
        clinic_id,
        expected_device,
        record,
    )
    .map(|(set, _)| set)
}

/// [`open`] under whichever key of the clinic's ring the record was sealed with (`prefer`'s
/// first: the epoch of the record before it in its stream). Returns the set and that epoch.
pub fn open_with_ring(
    keys: &KeyRing,
    prefer: u32,
    clinic_id: &str,
    expected_device: DeviceId,
    record: &Record,
) -> Result<(ChangeSet, u32), SyncError> {
    open_under(keys.to_try(prefer), clinic_id, expected_device, record)
}

fn open_under<'k>(
    keys: impl Iterator<Item = (u32, &'k ClinicKey)>,
    clinic_id: &str,
    expected_device: DeviceId,
    record: &Record,
) -> Result<(ChangeSet, u32), SyncError> {
    // Named by the stream this PC asked for: the record's own device id is the relay's word,
    // and may be anything (it is printed).
    let tampered = |why: &str| SyncError::Tampered {
        device: expected_device.to_string(),
        idx: record.idx,
        why: why.to_string(),
    };
    if record.device_id != expected_device.to_string() {
        return Err(tampered("it was served for another device's log"));
    }
    if record.nonce.0.len() != 24 {
        return Err(tampered("its nonce is not 24 bytes"));
    }
    let aad = associated_data(clinic_id, &record.device_id, record.idx);
    // A wrong key fails on the Poly1305 tag, before any decryption.
    let (plaintext, epoch) = keys
        .filter_map(|(epoch, key)| {
            key.cipher()
                .decrypt(
                    XNonce::from_slice(&record.nonce.0),
                    Payload {
                        msg: &record.ciphertext.0,
                        aad: &aad,
                    },
                )
                .ok()
                .map(|plaintext| (Zeroizing::new(plaintext), epoch))
        })
        .next()
        .ok_or_else(|| tampered("it does not authenticate under this clinic's key"))?;
    let json = match plaintext.first() {
        Some(&DEFLATED_JSON) => Zeroizing::new(
            inflate_bounded(&plaintext[1..], MAX_PLAINTEXT_BYTES).map_err(|e| tampered(&e))?,
        ),
        _ => plaintext, // sealed before compression: bare JSON
    };
    let wire: WireChangeSet =
        serde_json::from_slice(&json).map_err(|_| tampered("its content is not a change set"))?;
    if wire.device != record.device_id || wire.idx != record.idx {
        return Err(tampered("its content names another place in the logs"));
    }
    let mut changes = Vec::with_capacity(wire.changes.len());
    for c in wire.changes {
        changes.push(FieldChange {
            table: c.table,
            row_id: c.row,
            field: c.field,
            value: from_wire(c.value).map_err(|e| tampered(&e))?,
            hlc: Hlc::from_i64(c.hlc),
        });
    }
    let seen = match wire.seen {
        None => None,
        Some(pairs) => {
            let mut seen = Vec::with_capacity(pairs.len());
            for (device, head) in pairs {
                let device = device
                    .parse()
                    .map_err(|_| tampered("its content names a device that is not a UUID"))?;
                seen.push((device, head));
            }
            Some(seen)
        }
    };
    let set = ChangeSet {
        device_id: expected_device,
        idx: record.idx,
        changes,
        seen,
    };
    Ok((set, epoch))
}

/// `json` behind the [`DEFLATED_JSON`] tag, compressed at DEFLATE's fastest level (within a few
/// percent of the best ratio on change sets, several times faster).
fn deflate(json: &[u8]) -> Result<Vec<u8>, SyncError> {
    let mut out = Vec::with_capacity(json.len() / 3 + 16);
    out.push(DEFLATED_JSON);
    let mut encoder = flate2::write::DeflateEncoder::new(out, flate2::Compression::fast());
    encoder
        .write_all(json)
        .map_err(|e| SyncError::Internal(format!("compression failed: {e}")))?;
    encoder
        .finish()
        .map_err(|e| SyncError::Internal(format!("compression failed: {e}")))
}

/// Inflates DEFLATE data, refusing to produce more than `limit` bytes.
fn inflate_bounded(compressed: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(compressed)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| "its compressed content is damaged".to_string())?;
    if out.len() > limit {
        return Err(format!(
            "its content inflates beyond {} MiB",
            limit / (1024 * 1024)
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chairside_domain::EntityId;

    fn set(device: DeviceId, notes: &str) -> ChangeSet {
        let row = EntityId::new().to_string();
        ChangeSet {
            device_id: device,
            idx: 7,
            changes: ["last_name", "first_name", "notes"]
                .iter()
                .enumerate()
                .map(|(i, field)| FieldChange {
                    table: "patient".into(),
                    row_id: row.clone(),
                    field: (*field).into(),
                    value: Value::Text(format!("{notes} {i}")),
                    hlc: Hlc::from_i64(1000 + i as i64),
                })
                .collect(),
            seen: Some(vec![(DeviceId::new(), 3)]),
        }
    }

    /// Seals `plaintext` as a record of `device`'s log at index 7, whatever its form.
    fn seal_raw(key: &ClinicKey, device: DeviceId, plaintext: &[u8]) -> Record {
        let nonce = [9u8; 24];
        let aad = associated_data("clinic", &device.to_string(), 7);
        let ciphertext = key
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .unwrap();
        Record {
            device_id: device.to_string(),
            idx: 7,
            nonce: Bytes(nonce.to_vec()),
            ciphertext: Bytes(ciphertext),
        }
    }

    #[test]
    fn a_set_round_trips_compressed_and_smaller_than_its_json() {
        let key = ClinicKey::random();
        let device = DeviceId::new();
        let original = set(device, &"Contrôle dans six mois. ".repeat(20));
        let record = seal(&key, "clinic", &original).unwrap();
        assert_eq!(open(&key, "clinic", device, &record).unwrap(), original);
        let text_len = original
            .changes
            .iter()
            .map(|c| match &c.value {
                Value::Text(t) => t.len(),
                _ => 0,
            })
            .sum::<usize>();
        assert!(
            record.ciphertext.0.len() * 4 < text_len,
            "sealed {} bytes for {text_len} bytes of text",
            record.ciphertext.0.len()
        );
    }

    /// Sealed again, a set is the same bytes (a log pushed again matches what others read);
    /// anything else that differs (content, index, clinic, key) takes another nonce.
    #[test]
    fn sealing_is_deterministic_and_the_nonce_follows_the_content() {
        let key = ClinicKey::random();
        let device = DeviceId::new();
        let original = set(device, "Contrôle");
        let once = seal(&key, "clinic", &original).unwrap();
        assert_eq!(seal(&key, "clinic", &original).unwrap(), once);
        let mut renumbered = original.clone();
        renumbered.idx += 1;
        let mut edited = original.clone();
        edited.changes[2].value = Value::Text("Contrôle!".into());
        let others = [
            seal(&key, "clinic", &renumbered).unwrap(),
            seal(&key, "clinic", &edited).unwrap(),
            seal(&key, "another clinic", &original).unwrap(),
            seal(&ClinicKey::random(), "clinic", &original).unwrap(),
        ];
        for other in &others {
            assert_ne!(other.nonce, once.nonce);
        }
        assert_eq!(open(&key, "clinic", device, &once).unwrap(), original);
    }

    #[test]
    fn a_record_sealed_before_compression_still_opens() {
        let key = ClinicKey::random();
        let device = DeviceId::new();
        let original = set(device, "Dupré");
        let record = seal(&key, "clinic", &original).unwrap();
        // Recover the JSON the way an older version sealed it: bare, uncompressed.
        let plaintext = key
            .cipher()
            .decrypt(
                XNonce::from_slice(&record.nonce.0),
                Payload {
                    msg: &record.ciphertext.0,
                    aad: &associated_data("clinic", &device.to_string(), 7),
                },
            )
            .unwrap();
        assert_eq!(plaintext[0], DEFLATED_JSON);
        let json = inflate_bounded(&plaintext[1..], MAX_PLAINTEXT_BYTES).unwrap();
        assert_eq!(json[0], b'{');
        let old = seal_raw(&key, device, &json);
        assert_eq!(open(&key, "clinic", device, &old).unwrap(), original);
    }

    proptest::proptest! {
        /// Whatever a key holder seals (a buggy or hostile device of the clinic), opening it
        /// gives a change set or a refusal: no panic, no unbounded allocation. Half the cases
        /// are tagged as compressed, so the inflater sees arbitrary data too.
        #[test]
        fn any_authenticated_plaintext_opens_or_is_refused(
            tagged in proptest::bool::ANY,
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
        ) {
            let key = ClinicKey::random();
            let device = DeviceId::new();
            let mut plaintext = Vec::new();
            if tagged {
                plaintext.push(DEFLATED_JSON);
            }
            plaintext.extend_from_slice(&body);
            match open(&key, "clinic", device, &seal_raw(&key, device, &plaintext)) {
                Ok(set) => proptest::prop_assert_eq!(set.idx, 7),
                Err(e) => proptest::prop_assert!(matches!(e, SyncError::Tampered { .. }), "{e}"),
            }
        }
    }

    #[test]
    fn a_record_inflating_beyond_the_bound_or_damaged_is_refused() {
        let key = ClinicKey::random();
        let device = DeviceId::new();
        // 80 MiB of zeros deflate to about 80 KiB: authenticated, but refused before it grows.
        let mut encoder =
            flate2::write::DeflateEncoder::new(vec![DEFLATED_JSON], flate2::Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..80 {
            encoder.write_all(&zeros).unwrap();
        }
        let bomb = seal_raw(&key, device, &encoder.finish().unwrap());
        let err = open(&key, "clinic", device, &bomb).unwrap_err().to_string();
        assert!(err.contains("inflates beyond 64 MiB"), "{err}");
        let damaged = seal_raw(&key, device, &[DEFLATED_JSON, 0xff, 0xff, 0xff]);
        let err = open(&key, "clinic", device, &damaged)
            .unwrap_err()
            .to_string();
        assert!(err.contains("compressed content is damaged"), "{err}");
    }
}
