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
