//! Two and three devices syncing through the relay's real storage (SQLite backend), in one
//! process: convergence, retries after lost replies, tampered and foreign records refused before
//! anything is applied, revoked and unknown devices refused, enrollment and recovery (the
//! scenarios in `common/scenarios.rs`, shared with the PostgreSQL run), and what the relay's file
//! stores (ciphertext only).

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use common::*;

fn new_relay(dir: &std::path::Path) -> LocalRelay {
    LocalRelay::new(dir)
}

mod scenarios {
    include!("common/scenarios.rs");
}

#[test]
fn the_relay_stores_no_patient_data_in_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = LocalRelay::new(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    scenarios::add_patient(&mut a, "Ouyahia", "+213555987321");
    let image = scenarios::fake_radiograph(1_500_000);
    a.write(|w| w.put_blob(&image[..], "image/png")).unwrap();
    let report = scenarios::run(&mut a, &relay).unwrap();
    assert_eq!(report.blobs_sent, 1);
    let blob_files = scenarios::walk(relay.blob_dir.path());
    assert!(
        blob_files.len() >= 3,
        "a count file and two chunks: {blob_files:?}"
    );
    let mut bytes = Vec::new();
    for file in blob_files {
        bytes.extend(std::fs::read(file).unwrap());
    }
    drop(relay);
    bytes.extend(std::fs::read(tmp.path().join("relay.sqlite")).unwrap());
    bytes.extend(std::fs::read(tmp.path().join("relay.sqlite-wal")).unwrap_or_default());
    for needle in [
        "PIXELS-OF-PATIENT",
        "Ouyahia",
        "Amina",
        "555987321",
        "note secrète",
        "1990-04-04",
        "Cabinet Test",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} found in the relay's storage"
        );
    }
}
