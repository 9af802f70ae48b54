//! Helpers shared by the store's integration tests.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report
#![allow(dead_code)]

use std::path::Path;

use chairside_store::{KdfParams, NewKey, Store, Unlock};

pub const PASSPHRASE: &str = "le cabinet du docteur Benali";

pub fn create(dir: &Path) -> Store {
    Store::create(
        dir,
        NewKey::Passphrase {
            passphrase: PASSPHRASE,
            params: KdfParams::FAST_INSECURE_FOR_TESTS,
        },
        "test PC",
    )
    .expect("create store")
}

pub fn open(dir: &Path) -> Store {
    Store::open(
        dir,
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .expect("open store")
}

/// Every file of a directory with its bytes, to show that a failed call changed nothing.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Applies every change set of `from` that `to` lacks, device by device, in order: a sync
/// between two PCs without the relay.
pub fn sync(from: &Store, to: &mut Store) {
    for (device, last) in chairside_store::changes::heads(from.conn()).unwrap() {
        let have = chairside_store::changes::head(to.conn(), &device.to_string()).unwrap();
        for idx in have + 1..=last {
            let set = chairside_store::changes::read_change_set(from.conn(), device, idx)
                .unwrap()
                .unwrap();
            to.apply_change_set(&set).unwrap();
        }
    }
}
