//! libFuzzer target for a change set sealed by another PC of the clinic: the plaintext inside a
//! record that authenticated. Only a PC holding the clinic key can make one, so these bytes come
//! from a member PC (a modified client, a PC whose disk returns garbage, a newer version), and
//! every other PC opens and merges them at its next sync without a person looking. A panic here
//! is every PC of the clinic crashing at each sync; a partial merge is a store that no longer
//! matches any PC's.
//!
//! An input starting with `{` (bare JSON) or with DEFLATE's tag byte is the plaintext verbatim.
//! Mutated JSON seldom parses, so any other input is read as a structured change set instead
//! ([`Structured`]: tables and fields of the real schema or made up, rows of the store or made
//! up, values of every type including the store's own ids, dates and phone lists), written as the
//! JSON a PC would seal: those reach the merge every time. The target seals the plaintext at the
//! place in the logs it names (so that it authenticates, as a member's record
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
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::json;

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

/// A change set described by the fuzzer's bytes, written out as a PC's plaintext.
#[derive(Arbitrary, Debug)]
struct Structured {
    /// The member PC, or a made-up device id (then nothing opens: another stream).
    device: Option<String>,
    /// Mostly 1 (the member's first set), else 0 to 2.
    idx: u8,
    changes: Vec<Change>,
}

#[derive(Arbitrary, Debug)]
struct Change {
    table: Pick,
    row: Pick,
    field: Pick,
    value: WireValue,
    /// Added to the clock of the change before (clocks need not grow: a set may carry anything).
    hlc_step: i16,
}

/// One of a list of known values, or made up.
#[derive(Arbitrary, Debug)]
enum Pick {
    Known(u8),
    Made(String),
}

#[derive(Arbitrary, Debug)]
enum WireValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    /// One of the texts the store gives meaning to: ids of its rows, dates, phone lists.
    Meaningful(u8),
    Blob(Vec<u8>),
}

/// Rows of the target's store, and two that are not there.
const ROWS: &[&str] = &[
    sync_record_clinic::PATIENT,
    CLINIC_ROW,
    "0190a5e2-0000-7000-8000-0000000000aa",
    "0190a5e2-0000-7000-8000-0000000000bb",
];

const MEANINGFUL: &[&str] = &[
    sync_record_clinic::PATIENT,
    CLINIC_ROW,
    "0190a5e2-0000-7000-8000-0000000000aa",
    "0190a5e2-0000-7000-8000-0000000000bb",
    "",
    "1990-04-04",
    "2026-13-45",
    "[\"+213555000001\"]",
    "[\"0555\",",
    "allergy",
    "severe",
    "Africa/Algiers",
    "Mars/Olympus",
    "ab",
];

fn pick<'a>(p: &'a Pick, known: &[&'a str]) -> String {
    match p {
        Pick::Known(i) if !known.is_empty() => known[usize::from(*i) % known.len()].to_string(),
        Pick::Known(_) => String::new(),
        Pick::Made(s) => s.clone(),
    }
}

/// The plaintext of a structured input: the JSON a PC seals (see `chairside_sync::seal`).
fn structured_plaintext(bytes: &[u8]) -> Option<Vec<u8>> {
    let input = Structured::arbitrary_take_rest(Unstructured::new(bytes)).ok()?;
    let tables: Vec<&str> = chairside_store::schema::SYNCED_TABLES
        .iter()
        .map(|t| t.name)
        .collect();
    let mut hlc: i64 = 117_000_000_000_000_000;
    let changes: Vec<serde_json::Value> = input
        .changes
        .iter()
        .map(|c| {
            let table = pick(&c.table, &tables);
            let fields: Vec<&str> = chairside_store::schema::table(&table)
                .map(|t| t.fields.to_vec())
                .unwrap_or_default();
            hlc = hlc.saturating_add(i64::from(c.hlc_step));
            let value = match &c.value {
                WireValue::Null => json!({ "t": "n" }),
                WireValue::Integer(i) => json!({ "t": "i", "v": i }),
                WireValue::Real(r) => json!({ "t": "r", "v": r }),
                WireValue::Text(t) => json!({ "t": "s", "v": t }),
                WireValue::Meaningful(i) => {
                    json!({ "t": "s", "v": MEANINGFUL[usize::from(*i) % MEANINGFUL.len()] })
                }
                WireValue::Blob(b) => json!({ "t": "b", "v": base64_of(b) }),
            };
            json!({
                "table": table,
                "row": pick(&c.row, ROWS),
                "field": pick(&c.field, &fields),
                "value": value,
                "hlc": hlc,
            })
        })
        .collect();
    let set = json!({
        "device": input.device.unwrap_or_else(|| MEMBER.to_string()),
        // Mostly the next set of the member's stream; sometimes one the merge must refuse.
        "idx": match input.idx {
            0..=199 => 1,
            other => i64::from(other % 3),
        },
        "changes": changes,
    });
    serde_json::to_vec(&set).ok()
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Inputs that opened and reached the merge, and those the merge took: printed now and then, so
/// that a run shows it tests the merge and not only the parsing.
static REACHED_MERGE: AtomicU64 = AtomicU64::new(0);
static MERGED: AtomicU64 = AtomicU64::new(0);

fuzz_target!(|input: &[u8]| {
    let plaintext = match input.first() {
        Some(b'{' | 1) => input.to_vec(),
        _ => match structured_plaintext(input) {
            Some(plaintext) => plaintext,
            None => return,
        },
    };
    let plaintext = plaintext.as_slice();
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
