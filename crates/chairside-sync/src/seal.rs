//! Sealing change sets for the relay: the plaintext form of a change set and its
//! XChaCha20-Poly1305 envelope under the clinic's data key, bound to (clinic, device, index).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chairside_domain::{DeviceId, Hlc};
use chairside_protocol::{Bytes, Record, associated_data};
use chairside_store::{ChangeSet, FieldChange, Value};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::SyncError;

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
    let plaintext =
        Zeroizing::new(serde_json::to_vec(&wire).map_err(|e| SyncError::Internal(e.to_string()))?);
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let aad = associated_data(clinic_id, &device, set.idx);
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
    let tampered = |why: &str| SyncError::Tampered {
        device: record.device_id.clone(),
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
    let plaintext = Zeroizing::new(
        key.cipher()
            .decrypt(
                XNonce::from_slice(&record.nonce.0),
                Payload {
                    msg: &record.ciphertext.0,
                    aad: &aad,
                },
            )
            .map_err(|_| tampered("it does not authenticate under this clinic's key"))?,
    );
    let wire: WireChangeSet = serde_json::from_slice(&plaintext)
        .map_err(|_| tampered("its content is not a change set"))?;
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
    Ok(ChangeSet {
        device_id: expected_device,
        idx: record.idx,
        changes,
        seen,
    })
}
