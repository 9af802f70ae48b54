//! End-of-day sync benchmark, over real HTTP on loopback with the real relay (SQLite backend):
//!
//! 1. PC A records `CHAIRSIDE_BENCH_FIELDS` field changes (default 100,000) as patient
//!    creations, one change set of 15 fields per patient (A's data directory is in /dev/shm when
//!    there is one, only to record the day quickly); then the time for A to push them all, and
//!    for PC B (enrolled with a pairing code, on disk) to pull and merge them all, and the size
//!    of B's database after it;
//! 2. beside it, in the same run, the physical floor: the same number of bytes uploaded and
//!    downloaded raw over HTTP on loopback (one POST, one GET, no processing);
//! 3. the store's floor: the same field changes written, in one transaction, into the two
//!    tables a merge must write (change log and rows' clocks) of an unencrypted in-memory
//!    SQLite; no merge can be faster than that on this machine;
//! 4. relay pushes per second: one sealed change set per request, sequentially.
//!
//! Run: `cargo bench -p chairside-sync --bench sync`.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes as Body;
use axum::routing::{get, post};
use chairside_domain::EntityId;
use chairside_relay::{RateLimit, SqliteStorage, router};
use chairside_store::patients::PatientRow;
use chairside_store::{KdfParams, NewKey, Store};
use chairside_sync::{HttpRelay, Transport, enroll, identity, seal, sync_device};

fn serve(app: Router) -> SocketAddr {
    chairside_relay::serve_on_loopback(app).unwrap()
}

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

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A blob folder for a relay under test (the benchmark moves no blob).
fn blob_store(tmp: &tempfile::TempDir) -> Arc<chairside_relay::FsBlobStore> {
    Arc::new(chairside_relay::FsBlobStore::open(&tmp.path().join("blobs")).unwrap())
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    let fields: usize = std::env::var("CHAIRSIDE_BENCH_FIELDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir().unwrap();
    let storage = Arc::new(SqliteStorage::open(&tmp.path().join("relay.sqlite")).unwrap());
    let no_limit = RateLimit {
        burst: 1e9,
        per_second: 1e9,
    };
    let relay_addr = serve(router(storage, blob_store(&tmp), no_limit));
    let url = format!("http://{relay_addr}");
    let relay = HttpRelay::new(&url).unwrap();

    // PC A: the clinic, then the day's changes.
    let shm = std::path::Path::new("/dev/shm");
    let a_tmp = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let mut a = store(&a_tmp.path().join("a"));
    let settings = chairside_domain::ClinicSettings::parse(
        "Cabinet Bench",
        "",
        "Africa/Algiers",
        "DZ",
        chairside_domain::Language::French,
    )
    .unwrap();
    a.write(|w| w.save_clinic(EntityId::new(), &settings))
        .unwrap();
    sync_device(&mut a, &relay).unwrap();
    let per_set = 15; // a patient creation writes this many fields
    let started = Instant::now();
    let mut first_patient = None;
    for i in 0..fields / per_set {
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
        first_patient.get_or_insert(p.id);
    }
    let recorded = started.elapsed();
    let (sets, field_changes): (i64, i64) = a
        .conn()
        .query_row(
            "SELECT (SELECT count(*) FROM change_set), (SELECT count(*) FROM field_change)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();

    // PC B joins.
    let owner = identity(&a, false).unwrap();
    let (code, _) = enroll::invite(&relay, &owner, now_ms()).unwrap();
    let mut b = store(&tmp.path().join("b"));
    enroll::request(&b, &relay, &url, &code, "bench PC 2").unwrap();
    let pending = enroll::pending(&relay, &owner).unwrap();
    enroll::approve(&relay, &owner, &pending[0].device_id).unwrap();

    let t = Instant::now();
    let pushed = sync_device(&mut a, &relay).unwrap();
    let push_time = t.elapsed();
    let t = Instant::now();
    let pulled = sync_device(&mut b, &relay).unwrap();
    let pull_time = t.elapsed();
    assert!(pulled.checksums_match);
    let bytes = pushed.bytes_sent as usize;
    // What the day takes on B's disk: the database and its write-ahead log, as the pull left them.
    let b_disk: u64 = ["chairside.db", "chairside.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(tmp.path().join("b").join(f)).ok())
        .map(|m| m.len())
        .sum();

    // The day's first patient asks to be forgotten: A erases the file, replaces its set at the
    // relay and checks its stream; B merges the erasure and checks A's rewritten stream. Both
    // check from their own copy of the sets, sealed again (the cost of a redaction grows with
    // the stream, not with the erasure; the network carries only the rewritten set).
    let erased = first_patient.expect("the bench creates patients");
    a.write(|w| w.erase_patient(&erased, now_ms())).unwrap();
    let t = Instant::now();
    let redacted = sync_device(&mut a, &relay).unwrap();
    let redact_time = t.elapsed();
    let t = Instant::now();
    let reread = sync_device(&mut b, &relay).unwrap();
    let reread_time = t.elapsed();
    assert!(redacted.redacted >= 1 && reread.checksums_match);

    // The floor: the same bytes up and down, raw, over HTTP on loopback.
    let payload = Arc::new(vec![7u8; bytes]);
    let served = payload.clone();
    let sink_addr = serve(
        Router::new()
            .route(
                "/sink",
                post(|body: Body| async move { body.len().to_string() }),
            )
            .route(
                "/source",
                get(move || {
                    let p = served.clone();
                    async move { p.as_ref().clone() }
                }),
            )
            .layer(axum::extract::DefaultBodyLimit::disable()),
    );
    let agent = ureq::Agent::new_with_defaults();
    let t = Instant::now();
    agent
        .post(format!("http://{sink_addr}/sink"))
        .send(payload.as_slice())
        .unwrap();
    let raw_up = t.elapsed();
    let t = Instant::now();
    let got = agent
        .get(format!("http://{sink_addr}/source"))
        .call()
        .unwrap()
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .unwrap();
    let raw_down = t.elapsed();
    assert_eq!(got.len(), bytes);

    // The store's floor: what merging must write at the least, whatever the network.
    let store_floor = store_floor(&a);

    // Relay pushes per second, one change set per request, on SQLite and on PostgreSQL.
    let sqlite_rate = pushes_per_second(&relay, &tmp.path().join("c"));
    let postgres_rate = if std::path::Path::new("/usr/lib/postgresql").is_dir() {
        let database = chairside_scenarios::pg::PgServer::shared().database();
        let storage = Arc::new(chairside_relay::PostgresStorage::open(&database).unwrap());
        let pg_relay = HttpRelay::new(&format!(
            "http://{}",
            serve(router(storage, blob_store(&tmp), no_limit))
        ))
        .unwrap();
        Some(pushes_per_second(&pg_relay, &tmp.path().join("d")))
    } else {
        None
    };

    let sync_total = push_time + pull_time;
    let raw_total = raw_up + raw_down;
    println!("Chairside sync benchmark (relay: SQLite, HTTP on loopback)");
    println!(
        "recorded {field_changes} field changes in {sets} change sets on PC A in {}",
        secs(recorded)
    );
    println!(
        "push from A          {:>9}   ({} change sets, {:.1} MB sealed)",
        secs(push_time),
        pushed.sent,
        bytes as f64 / 1e6
    );
    println!(
        "pull and merge on B  {:>9}   ({} change sets)",
        secs(pull_time),
        pulled.received.values().sum::<u64>()
    );
    println!(
        "B's database after the pull: {:.1} MB (database file and write-ahead log)",
        b_disk as f64 / 1e6
    );
    println!(
        "raw HTTP upload      {:>9}   (same bytes, one POST)",
        secs(raw_up)
    );
    println!(
        "raw HTTP download    {:>9}   (same bytes, one GET)",
        secs(raw_down)
    );
    println!(
        "end-of-day sync {}  vs raw floor {}  ratio {:.1}x  (goal: within 3x)",
        secs(sync_total),
        secs(raw_total),
        sync_total.as_secs_f64() / raw_total.as_secs_f64()
    );
    println!(
        "store floor          {:>9}   (the same field changes into the change log and the rows' clocks of an unencrypted in-memory SQLite, one transaction)",
        secs(store_floor)
    );
    println!(
        "end-of-day sync vs raw floor + store floor {}  ratio {:.1}x",
        secs(raw_total + store_floor),
        sync_total.as_secs_f64() / (raw_total + store_floor).as_secs_f64()
    );
    println!(
        "erasure of one patient: A redacts {} change set(s) and checks its {:.1} MB stream in {} ({} records read again from the relay); B merges the erasure and checks A's rewritten stream in {} ({} records read again)",
        redacted.redacted,
        bytes as f64 / 1e6,
        secs(redact_time),
        redacted.reread,
        secs(reread_time),
        reread.reread
    );
    println!("relay pushes per second, one change set per request: SQLite {sqlite_rate:.0}");
    match postgres_rate {
        Some(rate) => {
            println!("relay pushes per second, one change set per request: PostgreSQL {rate:.0}")
        }
        None => println!(
            "relay pushes per second on PostgreSQL: not measured (PostgreSQL is not installed)"
        ),
    }
}

/// The least a merge has to write for the day's field changes, timed: every change into a
/// change log (naming its set by number) and, per row of each change set, the row's field clocks
/// into a clock table (the two tables and the index of the store's schema that each received
/// change lands in), in an unencrypted in-memory SQLite, with prepared statements, in one
/// transaction. No row table, no search index, no encryption, no network: merging on PC B
/// cannot take less than this.
fn store_floor(a: &Store) -> Duration {
    // The day's change sets, read back through the store (outside the time taken).
    let mut sets = Vec::new();
    for (device, head) in chairside_store::changes::heads(a.conn()).unwrap() {
        for idx in 1..=head {
            sets.extend(chairside_store::changes::read_change_set(a.conn(), device, idx).unwrap());
        }
    }
    let mut db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE field_change (set_id INTEGER NOT NULL, ord INTEGER NOT NULL,
             tbl TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL, value ANY,
             hlc INTEGER NOT NULL, PRIMARY KEY (set_id, ord)) STRICT, WITHOUT ROWID;
         CREATE INDEX field_change_reviewed ON field_change (tbl, row_id, field);
         CREATE TABLE row_clock (tbl TEXT NOT NULL, row_id TEXT NOT NULL, clocks TEXT NOT NULL,
             PRIMARY KEY (tbl, row_id)) WITHOUT ROWID;",
    )
    .unwrap();
    let t = Instant::now();
    let tx = db.transaction().unwrap();
    {
        let mut log = tx
            .prepare("INSERT INTO field_change VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .unwrap();
        let mut clock = tx
            .prepare("INSERT OR REPLACE INTO row_clock VALUES (?1, ?2, ?3)")
            .unwrap();
        for (set_id, set) in sets.iter().enumerate() {
            let device = set.device_id.to_string();
            // Each row of the set, with its fields' clocks.
            type RowClocks<'a> = (
                (&'a str, &'a str),
                serde_json::Map<String, serde_json::Value>,
            );
            let mut rows: Vec<RowClocks> = Vec::new();
            for (ord, c) in set.changes.iter().enumerate() {
                let hlc = c.hlc.to_i64();
                log.execute(rusqlite::params![
                    set_id as i64,
                    ord as i64,
                    c.table,
                    c.row_id,
                    c.field,
                    c.value,
                    hlc
                ])
                .unwrap();
                let key = (c.table.as_str(), c.row_id.as_str());
                if rows.last().is_none_or(|(k, _)| *k != key) {
                    rows.push((key, serde_json::Map::new()));
                }
                let fields = &mut rows.last_mut().unwrap().1;
                fields.insert(c.field.clone(), serde_json::json!([hlc, 0, set.idx]));
            }
            for ((table, row_id), fields) in rows {
                let clocks = serde_json::json!({ "d": [device], "f": fields }).to_string();
                clock
                    .execute(rusqlite::params![table, row_id, clocks])
                    .unwrap();
            }
        }
    }
    tx.commit().unwrap();
    t.elapsed()
}

/// A new clinic's first PC pushes 2,000 sealed one-field change sets, one request each.
fn pushes_per_second(relay: &HttpRelay, dir: &std::path::Path) -> f64 {
    let mut pc = store(dir);
    let settings = chairside_domain::ClinicSettings::parse(
        "Cabinet Bench",
        "",
        "Africa/Algiers",
        "DZ",
        chairside_domain::Language::French,
    )
    .unwrap();
    pc.write(|w| w.save_clinic(EntityId::new(), &settings))
        .unwrap();
    sync_device(&mut pc, relay).unwrap();
    let me = identity(&pc, false).unwrap();
    let first = chairside_store::changes::head(pc.conn(), &pc.device_id().to_string()).unwrap() + 1;
    let pushes = 2000;
    let records: Vec<_> = (first..first + pushes)
        .map(|idx| {
            let set = chairside_store::ChangeSet {
                device_id: pc.device_id(),
                idx,
                changes: vec![chairside_store::FieldChange {
                    table: "patient".into(),
                    row_id: EntityId::new().to_string(),
                    field: "notes".into(),
                    value: chairside_store::Value::Text("rappel dans 6 mois".into()),
                    hlc: chairside_domain::Hlc::from_i64(idx),
                }],
                seen: None,
            };
            seal::seal(&me.key, &me.clinic_id, &set).unwrap()
        })
        .collect();
    let t = Instant::now();
    for record in records {
        relay.push(&me.credential, vec![record]).unwrap();
    }
    pushes as f64 / t.elapsed().as_secs_f64()
}
