//! Backups: consistent, encrypted, checked before a restore touches anything.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use chairside_domain::{EntityId, Role};
use chairside_store::users::{self, StaffUser};
use chairside_store::{StoreError, backup};
use common::*;

fn add_user(store: &mut chairside_store::Store, name: &str) {
    let u = StaffUser {
        id: EntityId::new(),
        username: name.into(),
        display_name: name.into(),
        role: Role::Receptionist,
        password_hash: "h".into(),
        active: true,
    };
    store.write(|w| w.insert_user(&u)).unwrap();
}

#[test]
fn a_backup_made_while_the_store_is_open_restores_exactly_that_state() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("clinic.chairside-backup");
    let mut store = create(dir.path());
    add_user(&mut store, "before");
    let info = store.backup_to(&file).unwrap();
    assert!(info.bytes > 4096);
    add_user(&mut store, "after");
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !bytes.windows(6).any(|w| w == b"before"),
        "the backup holds no clear text"
    );
    assert!(!bytes.windows(16).any(|w| w == b"SQLite format 3\0"));

    // While the store is open, a restore is refused: it would swap the file under the app.
    let err = backup::restore(dir.path(), &file, Some(PASSPHRASE)).unwrap_err();
    assert!(matches!(err, StoreError::InUse), "{err}");
    drop(store);

    let err = backup::restore(dir.path(), &file, Some("wrong")).unwrap_err();
    assert!(matches!(err, StoreError::WrongPassphrase), "{err}");
    backup::restore(dir.path(), &file, Some(PASSPHRASE)).unwrap();
    let store = open(dir.path());
    assert!(
        users::find_by_username(store.conn(), "before")
            .unwrap()
            .is_some()
    );
    assert!(
        users::find_by_username(store.conn(), "after")
            .unwrap()
            .is_none()
    );
    assert!(store.check().unwrap().is_empty());
    // The replaced database was kept aside, not deleted.
    let kept = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("chairside.db.before-restore-")
        });
    assert!(kept);
}

#[test]
fn a_restore_into_an_empty_folder_rebuilds_the_clinic() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.bak");
    let mut store = create(&dir.path().join("data"));
    add_user(&mut store, "amel");
    store.backup_to(&file).unwrap();
    backup::restore(fresh.path(), &file, Some(PASSPHRASE)).unwrap();
    let restored = open(fresh.path());
    assert!(
        users::find_by_username(restored.conn(), "amel")
            .unwrap()
            .is_some()
    );
}

#[test]
fn damaged_or_foreign_files_are_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.bak");
    let data = dir.path().join("data");
    let mut store = create(&data);
    add_user(&mut store, "amel");
    store.backup_to(&file).unwrap();
    drop(store);
    let before = snapshot(&data);
    let good = std::fs::read(&file).unwrap();

    let mut flipped = good.clone();
    let last = flipped.len() - 100;
    flipped[last] ^= 0xff;
    let truncated = good[..good.len() - 10].to_vec();
    for (what, bytes, expected) in [
        ("flipped", flipped, "checksum"),
        ("truncated", truncated, "truncated"),
        (
            "foreign",
            b"hello world, not a backup".to_vec(),
            "not a Chairside backup",
        ),
        ("empty", Vec::new(), "not a Chairside backup"),
    ] {
        let bad = dir.path().join(format!("{what}.bak"));
        std::fs::write(&bad, bytes).unwrap();
        let err = backup::restore(&data, &bad, Some(PASSPHRASE)).unwrap_err();
        assert!(err.to_string().contains(expected), "{what}: {err}");
        assert_eq!(
            snapshot(&data),
            before,
            "{what}: the live database is untouched"
        );
    }
}
