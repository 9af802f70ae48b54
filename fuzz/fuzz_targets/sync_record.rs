//! libFuzzer target for a change set sealed by another PC of the clinic: the plaintext inside a
//! record that authenticated. Only a PC holding the clinic key can make one, so these bytes come
//! from a member PC (a modified client, a PC whose disk returns garbage, a newer version), and
//! every other PC opens and merges them at its next sync without a person looking. A panic here
//! is every PC of the clinic crashing at each sync; a partial merge is a store that no longer
//! matches any PC's.
//!
//! Each input is the plaintext verbatim: bare JSON, or DEFLATE behind its tag byte. The target
//! seals it at the place in the logs it names (so that it authenticates, as a member's record
//! would), opens it with `chairside_sync::seal::open`, and merges what opens into a fresh copy of
//! a small clinic's store: its clinic settings and a patient on file, so that merges meet
//! existing rows (concurrent edits, duplicate patients, erasures). It checks:
//! - no panic;
//! - a merge takes the whole set (the device's head moves to its index) or nothing (the head and
//!   the change log are as before).
//!
//! Run with `scripts/fuzz.sh SECONDS sync_record` (seeds: `fuzz/seeds/sync_record`, real
//! change sets as the app writes them).
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chairside_domain::{ClinicSettings, DeviceId, EntityId, Language};
use chairside_protocol::{Bytes, Record, associated_data};
use chairside_store::{KdfParams, NewKey, Store, Unlock};
use chairside_sync::{ClinicKey, seal};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

mod sync_record_clinic;
use sync_record_clinic::{CLINIC, CLINIC_ROW, KEY, patient_on_file};

/// The member PC whose stream the records come from, when the plaintext names no device.
const MEMBER: &str = "0190a5e2-0000-7000-8000-0000000000d2";
const PASSPHRASE: &str = "fuzz passphrase";

/// The store every input is merged into a copy of, made once.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let root = scratch_root().join(format!("template-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let mut store = Store::create(
            &root,
            NewKey::Passphrase {
                passphrase: PASSPHRASE,
                params: KdfParams::FAST_INSECURE_FOR_TESTS,
            },
            "fuzz PC",
        )
        .expect("template store");
        let settings =
            ClinicSettings::parse("Cabinet Fuzz", "", "Africa/Algiers", "DZ", Language::French)
                .expect("clinic settings");
        store
            .write(|w| w.save_clinic(CLINIC_ROW.parse::<EntityId>().expect("id"), &settings))
            .expect("clinic");
        let mut patient = patient_on_file();
        store
            .write(|w| w.insert_patient(&mut patient))
            .expect("patient");
        drop(store); // closes the database: its files can be copied
        root
    })
}

/// Where the stores are copied: `TMPDIR` (`scripts/fuzz.sh` points it at a RAM-backed folder it
/// removes afterwards, since each input copies a store).
fn scratch_root() -> PathBuf {
    std::env::temp_dir().join("chairside-fuzz")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("scratch folder");
    for entry in std::fs::read_dir(from).expect("template folder") {
        let entry = entry.expect("template entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The place in the logs a plaintext names (device, index), read leniently: the envelope is
/// made to match, as a member's PC would seal it.
#[derive(Deserialize)]
struct Place {
    device: String,
    idx: i64,
}

fn named_place(plaintext: &[u8]) -> Option<Place> {
    let json = match plaintext.split_first() {
        Some((&1, deflated)) => {
            use std::io::Read;
            let mut out = Vec::new();
            flate2::read::DeflateDecoder::new(deflated)
                .take(1 << 20)
                .read_to_end(&mut out)
                .ok()?;
            out
        }
        _ => plaintext.to_vec(),
    };
    serde_json::from_slice(&json).ok()
}

fn sealed(plaintext: &[u8], device: &str, idx: i64) -> Record {
    let nonce = [7u8; 24];
    let ciphertext = XChaCha20Poly1305::new((&KEY).into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &associated_data(CLINIC, device, idx),
            },
        )
        .expect("encryption");
    Record {
        device_id: device.to_string(),
        idx,
        nonce: Bytes(nonce.to_vec()),
        ciphertext: Bytes(ciphertext),
    }
}

/// What a merge may change, read before and after it.
fn log_state(store: &Store, device: &str) -> (i64, i64, i64) {
    let head = chairside_store::changes::head(store.conn(), device).expect("head");
    let (sets, fields) = store
        .conn()
        .query_row(
            "SELECT (SELECT count(*) FROM change_set), (SELECT count(*) FROM field_change)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("log counts");
    (head, sets, fields)
}

/// Inputs that opened and reached the merge, and those the merge took: printed now and then, so
/// that a run shows it tests the merge and not only the parsing.
static REACHED_MERGE: AtomicU64 = AtomicU64::new(0);
static MERGED: AtomicU64 = AtomicU64::new(0);

fuzz_target!(|plaintext: &[u8]| {
    let place = named_place(plaintext).unwrap_or(Place {
        device: MEMBER.into(),
        idx: 1,
    });
    // A device id that is not a UUID cannot be a stream this PC asks for.
    let Ok(device) = place.device.parse::<DeviceId>() else {
        return;
    };
    let record = sealed(plaintext, &place.device, place.idx);
    let key = ClinicKey::from_hex(&hex::encode(KEY)).expect("key");
    let Ok(set) = seal::open(&key, CLINIC, device, &record) else {
        return;
    };

    let dir = scratch_root().join(format!("run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(template(), &dir);
    let mut store = Store::open(
        &dir,
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .expect("copy of the template store");
    let device = device.to_string();
    let before = log_state(&store, &device);
    let merged = store.apply_change_sets(std::slice::from_ref(&set), |_| Ok(()));
    let after = log_state(&store, &device);
    let reached = REACHED_MERGE.fetch_add(1, Ordering::Relaxed) + 1;
    match merged {
        Ok(outcome) if outcome.already_applied => assert_eq!(before, after, "a set merged twice"),
        Ok(_) => {
            assert_eq!(
                after.0, set.idx,
                "a merged set left its device's head elsewhere"
            );
            MERGED.fetch_add(1, Ordering::Relaxed);
        }
        Err(_) => assert_eq!(before, after, "a refused set left part of itself behind"),
    }
    if reached.is_power_of_two() || reached.is_multiple_of(10_000) {
        eprintln!(
            "sync_record: {reached} inputs reached the merge, {} merged",
            MERGED.load(Ordering::Relaxed)
        );
    }
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
});
