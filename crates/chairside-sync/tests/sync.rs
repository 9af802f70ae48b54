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
    scenarios::run(&mut a, &relay).unwrap();
    drop(relay);
    let mut bytes = std::fs::read(tmp.path().join("relay.sqlite")).unwrap();
    bytes.extend(std::fs::read(tmp.path().join("relay.sqlite-wal")).unwrap_or_default());
    for needle in [
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
