//! The merge alone: how fast a PC applies another PC's day of patient creations.
//!
//! PC A records `CHAIRSIDE_BENCH_PATIENTS` new patients (default 6,667: 100,005 field changes,
//! as in the sync benchmark); each run then merges all of A's change sets into a fresh store B,
//! in transactions of 1,000 sets (one pulled page), on disk, with the store's real settings
//! (SQLCipher, WAL, synchronous=FULL). No network and no decryption: what is left of a pull.
//! Prints every run, the median and the fastest, as field changes per second.
//!
//! Run: `cargo bench -p chairside-store --bench merge`.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use chairside_domain::EntityId;
use chairside_store::patients::PatientRow;
use chairside_store::{ChangeSet, KdfParams, NewKey, Store, changes};

const RUNS: usize = 5;
const PAGE: usize = 1000;

fn store(dir: &std::path::Path) -> Store {
    Store::create(
        dir,
        NewKey::Passphrase {
            passphrase: "bench passphrase",
            params: KdfParams::FAST_INSECURE_FOR_TESTS,
        },
        "bench PC",
    )
    .unwrap()
}

fn main() {
    let patients: usize = std::env::var("CHAIRSIDE_BENCH_PATIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6_667);
    let tmp = tempfile::tempdir().unwrap();
    let mut a = store(&tmp.path().join("a"));
    for i in 0..patients {
        let mut p = PatientRow {
            id: EntityId::new().to_string(),
            last_name: format!("Benali{i}"),
            first_name: "Amina".into(),
            birth_date: "1990-04-04".into(),
            sex: "F".into(),
            phones: vec![format!("+2135550{:05}", i % 100_000)],
            email: format!("p{i}@example.dz"),
            address: format!("{i} rue Didouche Mourad, Alger"),
            notes: "Contrôle dans six mois".into(),
            ..PatientRow::default()
        };
        a.write(|w| w.insert_patient(&mut p)).unwrap();
    }
    let mut sets: Vec<ChangeSet> = Vec::new();
    for (device, head) in changes::heads(a.conn()).unwrap() {
        sets.extend(changes::read_change_sets(a.conn(), device, 1, head).unwrap());
    }
    let fields: usize = sets.iter().map(|s| s.changes.len()).sum();

    println!(
        "Chairside merge benchmark: {} change sets, {fields} field changes, pages of {PAGE} sets, on disk",
        sets.len()
    );
    let mut times: Vec<Duration> = Vec::new();
    for run in 1..=RUNS {
        let dir = tempfile::tempdir_in(tmp.path()).unwrap();
        let mut b = store(&dir.path().join("b"));
        let started = Instant::now();
        for page in sets.chunks(PAGE) {
            b.apply_change_sets(page, |_| Ok(())).unwrap();
        }
        let took = started.elapsed();
        assert_eq!(
            chairside_store::patients::count(b.conn()).unwrap(),
            patients as u64
        );
        println!(
            "run {run}: {:.2} s, {:.0} field changes per second",
            took.as_secs_f64(),
            fields as f64 / took.as_secs_f64()
        );
        times.push(took);
    }
    times.sort();
    let median = times[RUNS / 2];
    println!(
        "median {:.2} s ({:.1} µs per field change), fastest {:.2} s",
        median.as_secs_f64(),
        median.as_secs_f64() * 1e6 / fields as f64,
        times[0].as_secs_f64()
    );
}
