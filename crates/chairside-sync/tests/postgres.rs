//! The relay's PostgreSQL backend against a real PostgreSQL server (started for the run, see
//! `common/pg.rs`): the same sync scenarios as `sync.rs` and the same simulation as
//! `simulation.rs` (100 cases by default), plus what the relay's tables hold (ciphertext only).

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use std::sync::Arc;

use chairside_relay::PostgresStorage;
use chairside_scenarios::pg::PgServer;
use common::*;

const DEFAULT_CASES: u32 = 100;

fn new_relay(_dir: &std::path::Path) -> LocalRelay {
    let url = PgServer::shared().database();
    LocalRelay::with_storage(Arc::new(PostgresStorage::open(&url).unwrap()))
}

mod scenarios {
    include!("common/scenarios.rs");
}

mod simulation {
    include!("common/simulation.rs");
}

#[test]
fn the_relay_tables_hold_no_patient_data_in_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let url = PgServer::shared().database();
    let relay = LocalRelay::with_storage(Arc::new(PostgresStorage::open(&url).unwrap()));
    let mut a = first_device(&tmp.path().join("a"));
    scenarios::add_patient(&mut a, "Ouyahia", "+213555987321");
    scenarios::run(&mut a, &relay).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    // Every column of every relay table, as the server stores it (bytea raw, text as UTF-8).
    let mut bytes: Vec<u8> = Vec::new();
    for table in [
        "relay_clinic",
        "relay_device",
        "relay_invite",
        "relay_stream",
        "relay_record",
    ] {
        for row in client
            .query(&format!("SELECT * FROM {table}"), &[])
            .unwrap()
        {
            for (i, column) in row.columns().iter().enumerate() {
                match *column.type_() {
                    postgres::types::Type::BYTEA => {
                        if let Some(b) = row.get::<_, Option<Vec<u8>>>(i) {
                            bytes.extend(b);
                        }
                    }
                    postgres::types::Type::TEXT => {
                        if let Some(t) = row.get::<_, Option<String>>(i) {
                            bytes.extend(t.into_bytes());
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(bytes.len() > 1000, "the relay's tables were read");
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
            "{needle} found in the relay's tables"
        );
    }
}

/// The PostgreSQL server's own disk full (SQLSTATE 53100) reaches the PC, through the relay's
/// real HTTP router, as a full relay (`storage_full`, saying what its operator must do), not as a
/// broken one; nothing of the refused push is kept, and once there is room the next sync sends
/// everything.
#[test]
fn a_full_postgresql_disk_is_told_as_a_full_relay_and_the_next_sync_sends_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let url = PgServer::shared().database();
    let storage = Arc::new(PostgresStorage::open(&url).unwrap());
    let blobs = Arc::new(chairside_relay::FsBlobStore::open(&tmp.path().join("blobs")).unwrap());
    let app = chairside_relay::router(storage, blobs, chairside_relay::RateLimit::default());
    let address = chairside_relay::serve_on_loopback(app).unwrap();
    let relay = chairside_sync::HttpRelay::new(&format!("http://{address}")).unwrap();
    let run = |store: &mut chairside_store::Store| chairside_sync::sync_device(store, &relay);
    let mut a = first_device(&tmp.path().join("a"));
    run(&mut a).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let records = |client: &mut postgres::Client| -> i64 {
        client
            .query_one("SELECT count(*) FROM relay_record", &[])
            .unwrap()
            .get(0)
    };
    let before = records(&mut client);
    // The server cannot extend the records' file, as when its disk is full.
    client
        .batch_execute(
            "CREATE FUNCTION no_room() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 RAISE EXCEPTION 'could not extend file: No space left on device'
                     USING ERRCODE = 'disk_full';
             END $$;
             CREATE TRIGGER no_room BEFORE INSERT ON relay_record
                 FOR EACH ROW EXECUTE FUNCTION no_room();",
        )
        .unwrap();
    scenarios::add_patient(&mut a, "Ouyahia", "+213555987321");
    match run(&mut a) {
        Err(chairside_sync::SyncError::Relay(body)) => {
            assert_eq!(body.code, chairside_protocol::code::STORAGE_FULL);
            assert!(
                body.message.contains("free or add space"),
                "{}",
                body.message
            );
        }
        other => panic!("a full relay, told as such: {other:?}"),
    }
    assert_eq!(records(&mut client), before, "nothing of the push kept");

    client
        .batch_execute("DROP TRIGGER no_room ON relay_record")
        .unwrap();
    let report = run(&mut a).unwrap();
    assert!(report.checksums_match);
    assert!(report.sent >= 1, "{report:?}");
    assert!(records(&mut client) > before);
}
