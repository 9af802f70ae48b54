//! Opening, keys and the errors a person can act on.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use chairside_store::{Store, StoreError, Unlock, migrate};
use common::*;

#[test]
fn the_database_file_is_encrypted_and_reopens_with_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let store = create(dir.path());
    let device = store.device_id();
    drop(store);
    let bytes = std::fs::read(dir.path().join("chairside.db")).unwrap();
    assert!(bytes.len() >= 4096);
    assert_ne!(
        &bytes[..16],
        b"SQLite format 3\0",
        "the file must not start with the SQLite header"
    );
    let store = open(dir.path());
    assert_eq!(store.device_id(), device);
    assert!(store.check().unwrap().is_empty());
    let journal: String = store
        .conn()
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    let synchronous: i64 = store
        .conn()
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    assert_eq!(synchronous, 2, "synchronous = FULL");
}

/// The app keeps several connections open in one process (the screens', the sync agent's). Built
/// with SQLITE_ENABLE_MEMORY_MANAGEMENT, SQLite gives them one shared page cache, and a long
/// merge on one connection kept losing its pages to the others: a million field changes merged
/// in 45 s instead of 7. The repository's `.cargo/config.toml` undefines it; this fails if a
/// build loses that setting.
#[test]
fn each_connection_has_a_page_cache_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let store = create(dir.path());
    let options: Vec<String> = store
        .conn()
        .prepare("PRAGMA compile_options")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        options.iter().any(|o| o.starts_with("THREADSAFE")),
        "the compile options are listed: {options:?}"
    );
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "SQLite was built with one page cache for all connections; build from the repository so \
         that .cargo/config.toml applies: {options:?}"
    );
    let cache: i64 = store
        .conn()
        .pragma_query_value(None, "cache_size", |r| r.get(0))
        .unwrap();
    assert_eq!(cache, chairside_store::CACHE_SIZE_PRAGMA);
}
#[test]
fn a_wrong_passphrase_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    drop(create(dir.path()));
    let before = snapshot(dir.path());
    let err = Store::open(
        dir.path(),
        Unlock::Auto {
            passphrase: Some("wrong"),
        },
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::WrongPassphrase), "{err}");
    assert!(err.to_string().contains("wrong passphrase"));
    assert_eq!(snapshot(dir.path()), before);
    let err = Store::open(dir.path(), Unlock::Auto { passphrase: None }).unwrap_err();
    assert!(matches!(err, StoreError::PassphraseRequired), "{err}");
}

#[test]
fn an_empty_folder_is_not_initialised_and_a_second_create_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(
        dir.path(),
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::NotInitialised(_)), "{err}");
    drop(create(dir.path()));
    let err = Store::create(
        dir.path(),
        chairside_store::NewKey::Passphrase {
            passphrase: "x",
            params: chairside_store::KdfParams::FAST_INSECURE_FOR_TESTS,
        },
        "pc",
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::AlreadyInitialised(_)), "{err}");
}

#[test]
fn a_plain_sqlite_file_or_random_bytes_are_not_a_chairside_database() {
    for (what, bytes) in [
        ("plain", {
            let tmp = tempfile::tempdir().unwrap();
            let p = tmp.path().join("x.db");
            let c = rusqlite::Connection::open(&p).unwrap();
            c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
                .unwrap();
            drop(c);
            std::fs::read(&p).unwrap()
        }),
        (
            "random",
            (0..8192u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect(),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        drop(create(dir.path()));
        std::fs::write(dir.path().join("chairside.db"), &bytes).unwrap();
        let _ = std::fs::remove_file(dir.path().join("chairside.db-wal"));
        let _ = std::fs::remove_file(dir.path().join("chairside.db-shm"));
        let err = Store::open(
            dir.path(),
            Unlock::Auto {
                passphrase: Some(PASSPHRASE),
            },
        )
        .unwrap_err();
        assert!(
            matches!(err, StoreError::NotChairsideDatabase { .. }),
            "{what}: {err}"
        );
        assert!(
            err.to_string().contains("is not a Chairside database"),
            "{err}"
        );
    }
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let store = create(dir.path());
    store
        .conn()
        .pragma_update(None, "user_version", migrate::latest_version() + 1)
        .unwrap();
    drop(store);
    let err = Store::open(
        dir.path(),
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap_err();
    match err {
        StoreError::NewerDatabase { found, supported } => {
            assert_eq!(found, migrate::latest_version() + 1);
            assert_eq!(supported, migrate::latest_version());
        }
        other => panic!("expected NewerDatabase, got {other}"),
    }
}

#[test]
fn another_databases_key_file_cannot_open_it() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    drop(create(a.path()));
    drop(create(b.path()));
    std::fs::copy(
        b.path().join("chairside-key.json"),
        a.path().join("chairside-key.json"),
    )
    .unwrap();
    let err = Store::open(
        a.path(),
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, StoreError::NotChairsideDatabase { .. }),
        "{err}"
    );
}

#[test]
fn without_a_dbus_session_the_keyring_is_reported_absent_at_once() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        return; // a desktop session: the keyring may well be there
    }
    let started = std::time::Instant::now();
    let err = chairside_store::OsKeyring::probe().unwrap_err();
    assert!(matches!(err, StoreError::KeyringUnavailable(_)), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_millis(500));
    let dir = tempfile::tempdir().unwrap();
    let err = Store::create(dir.path(), chairside_store::NewKey::Keyring, "pc").unwrap_err();
    assert!(
        err.to_string().contains("keyring is locked or absent"),
        "{err}"
    );
    assert!(
        !Store::exists(dir.path()),
        "a failed create leaves no database behind"
    );
}

/// `chairside db compact`: the room left by data rewritten smaller goes back to the disk, every
/// row stays, and the file stays encrypted and sound. While another connection writes, it
/// waits, then says the database is in use, and changes nothing.
#[test]
fn vacuum_gives_freed_room_back_and_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(dir.path());
    let long = "Contrôle dans six mois. ".repeat(200);
    let mut ids = Vec::new();
    for i in 0..300 {
        let mut p = chairside_store::patients::PatientRow {
            id: chairside_domain::EntityId::new().to_string(),
            last_name: format!("Benali{i}"),
            first_name: "Amina".into(),
            birth_date: "1990-04-04".into(),
            sex: "F".into(),
            ..Default::default()
        };
        store.write(|w| w.insert_patient(&mut p)).unwrap();
        ids.push(p.id);
    }
    // Long notes written into the rows, then shortened: their pages are freed inside the file.
    let set_notes = |store: &mut Store, notes: &str| {
        let rows: Vec<_> = ids
            .iter()
            .map(|id| {
                chairside_store::patients::get(store.conn(), id)
                    .unwrap()
                    .unwrap()
            })
            .collect();
        for mut row in rows {
            row.notes = notes.into();
            store.write(|w| w.update_patient(&row)).unwrap();
        }
    };
    set_notes(&mut store, &long);
    store
        .conn()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    set_notes(&mut store, "");
    let free: i64 = store
        .conn()
        .query_row("PRAGMA freelist_count", [], |r| r.get(0))
        .unwrap();
    assert!(free > 0, "shortened notes leave free pages");

    // Another connection in a write: in use, nothing changed.
    let other = store.open_another_connection().unwrap();
    other.conn().execute_batch("BEGIN IMMEDIATE").unwrap();
    store
        .conn()
        .busy_timeout(std::time::Duration::from_millis(100))
        .unwrap();
    assert!(matches!(store.vacuum(), Err(StoreError::InUse)));
    other.conn().execute_batch("ROLLBACK").unwrap();
    drop(other);

    let (before, after) = store.vacuum().unwrap();
    assert!(after < before, "{before} -> {after} bytes");
    let free: i64 = store
        .conn()
        .query_row("PRAGMA freelist_count", [], |r| r.get(0))
        .unwrap();
    assert_eq!(free, 0);
    assert!(store.check().unwrap().is_empty());
    let count: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM patient", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 300);
    drop(store);
    let bytes = std::fs::read(dir.path().join("chairside.db")).unwrap();
    assert_ne!(&bytes[..16], b"SQLite format 3\0", "still encrypted");
    let store = open(dir.path());
    assert_eq!(
        chairside_store::patients::get(store.conn(), &ids[299])
            .unwrap()
            .unwrap()
            .last_name,
        "Benali299"
    );
}
