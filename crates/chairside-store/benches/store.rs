//! Encrypted store vs plain SQLite, same workload, same run; and the time to unlock.
//!
//! `cargo bench -p chairside-store` prints, for each workload, rows per second with SQLCipher
//! (our real connection: WAL, synchronous=FULL, the database key set) beside the same SQLite
//! build with no key (plain pages, same pragmas), and their ratio. Then the unlock times: key
//! from the OS keyring (when a Secret Service answers) vs passphrase (Argon2id, recommended
//! cost). Figures are medians of several runs.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chairside_store::{KdfParams, NewKey, OsKeyring, Store, Unlock};
use rusqlite::{Connection, params};

const ROWS: i64 = 50_000;
const BATCH: i64 = 500;
const SMALL_TXS: i64 = 300;
const POINT_READS: i64 = 200_000;
const RUNS: usize = 5;

fn plain(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open plain");
    chairside_store::tune(&conn).expect("the store's pragmas");
    conn
}

fn note(i: i64) -> String {
    format!(
        "Patient {i}: allergie pénicilline, anticoagulants, contrôle dans 6 mois. {}",
        "x".repeat(i as usize % 120)
    )
}

fn bulk_insert(conn: &Connection) -> Duration {
    conn.execute_batch("DROP TABLE IF EXISTS bench; CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT NOT NULL)")
        .expect("ddl");
    let start = Instant::now();
    for chunk in 0..ROWS / BATCH {
        conn.execute_batch("BEGIN").expect("begin");
        {
            let mut stmt = conn
                .prepare_cached("INSERT INTO bench (id, name, note) VALUES (?1, ?2, ?3)")
                .expect("prepare");
            for i in chunk * BATCH..(chunk + 1) * BATCH {
                stmt.execute(params![i, format!("name{i}"), note(i)])
                    .expect("insert");
            }
        }
        conn.execute_batch("COMMIT").expect("commit");
    }
    start.elapsed()
}

fn small_transactions(conn: &Connection) -> Duration {
    let start = Instant::now();
    for i in 0..SMALL_TXS {
        conn.execute(
            "UPDATE bench SET name = ?1 WHERE id = ?2",
            params![format!("edited{i}"), (i * 7919) % ROWS],
        )
        .expect("update");
    }
    start.elapsed()
}

fn point_reads(conn: &Connection) -> Duration {
    let mut stmt = conn
        .prepare_cached("SELECT name, note FROM bench WHERE id = ?1")
        .expect("prepare");
    let start = Instant::now();
    for i in 0..POINT_READS {
        let id = (i * 104_729) % ROWS;
        let row: (String, String) = stmt
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("read");
        black_box(row);
    }
    start.elapsed()
}

fn scan(conn: &Connection) -> Duration {
    let start = Instant::now();
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM bench WHERE note LIKE '%pénicilline%'",
            [],
            |r| r.get(0),
        )
        .expect("scan");
    assert_eq!(n, ROWS);
    start.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn report(name: &str, ops: i64, enc: Duration, plain: Duration) {
    let (e, p) = (
        ops as f64 / enc.as_secs_f64(),
        ops as f64 / plain.as_secs_f64(),
    );
    println!(
        "{name:<34} encrypted {e:>12.0}/s   plain {p:>12.0}/s   ratio {:.2}x",
        e / p
    );
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let enc_dir = dir.path().join("encrypted");
    let store = Store::create(
        &enc_dir,
        NewKey::Passphrase {
            passphrase: "benchmark passphrase",
            params: KdfParams::FAST_INSECURE_FOR_TESTS,
        },
        "bench",
    )
    .expect("create store");
    let plain_conn = plain(&dir.path().join("plain.db"));
    let enc = store.conn();

    let setting = |name: &str| -> String {
        enc.query_row(&format!("PRAGMA {name}"), [], |r| {
            r.get::<_, rusqlite::types::Value>(0)
        })
        .map(|v| format!("{v:?}"))
        .unwrap_or_else(|e| e.to_string())
    };
    println!(
        "SQLCipher {}, provider {} {}, memory security {}, page cache {} KiB on both sides",
        setting("cipher_version"),
        setting("cipher_provider"),
        setting("cipher_provider_version"),
        setting("cipher_memory_security"),
        -chairside_store::CACHE_SIZE_PRAGMA
    );
    println!("Chairside store benchmark: {ROWS} rows of ~150 bytes, {RUNS} runs, median");
    let mut results: Vec<(&str, i64, Vec<Duration>, Vec<Duration>)> = vec![
        ("insert (500 rows per transaction)", ROWS, vec![], vec![]),
        ("single-row transactions (fsync)", SMALL_TXS, vec![], vec![]),
        ("point reads by primary key", POINT_READS, vec![], vec![]),
        ("full scan with LIKE", ROWS, vec![], vec![]),
    ];
    for _ in 0..RUNS {
        // Alternate who goes first so neither always gets the warmer machine.
        for (conn, is_enc) in [(enc, true), (&plain_conn, false)] {
            let times = [
                bulk_insert(conn),
                small_transactions(conn),
                point_reads(conn),
                scan(conn),
            ];
            for (r, t) in results.iter_mut().zip(times) {
                if is_enc { r.2.push(t) } else { r.3.push(t) }
            }
        }
    }
    for (name, ops, e, p) in results {
        report(name, ops, median(e), median(p));
    }
    // Cold: a fresh connection whose page cache is empty, so every page is read (and, for the
    // encrypted file, decrypted) once: the cost of the first screen after an unlock.
    drop(plain_conn);
    let mut cold_enc = vec![];
    let mut cold_plain = vec![];
    for _ in 0..RUNS {
        let store = Store::open(
            &enc_dir,
            Unlock::Auto {
                passphrase: Some("benchmark passphrase"),
            },
        )
        .expect("reopen");
        cold_enc.push(scan(store.conn()));
        drop(store);
        let conn = plain(&dir.path().join("plain.db"));
        cold_plain.push(scan(&conn));
    }
    report(
        "cold full scan (empty page cache)",
        ROWS,
        median(cold_enc),
        median(cold_plain),
    );
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    println!(
        "file size: encrypted {} KiB, plain {} KiB",
        size(&enc_dir.join("chairside.db")) / 1024,
        size(&dir.path().join("plain.db")) / 1024
    );
    drop(store);

    // Unlock: from nothing to an open, migrated store.
    let pass_dir = dir.path().join("passphrase");
    drop(
        Store::create(
            &pass_dir,
            NewKey::Passphrase {
                passphrase: "benchmark passphrase",
                params: KdfParams::RECOMMENDED,
            },
            "bench",
        )
        .expect("create"),
    );
    let pass = median(
        (0..3)
            .map(|_| {
                let t = Instant::now();
                drop(
                    Store::open(
                        &pass_dir,
                        Unlock::Auto {
                            passphrase: Some("benchmark passphrase"),
                        },
                    )
                    .expect("open"),
                );
                t.elapsed()
            })
            .collect(),
    );
    println!(
        "unlock with passphrase (Argon2id {} MiB, t={}): {:.0} ms",
        KdfParams::RECOMMENDED.memory_kib / 1024,
        KdfParams::RECOMMENDED.iterations,
        pass.as_secs_f64() * 1000.0
    );
    match OsKeyring::probe() {
        Ok(()) => {
            let ring_dir = dir.path().join("keyring");
            let store =
                Store::create(&ring_dir, NewKey::Keyring, "bench").expect("create with keyring");
            let id = store.database_id().to_string();
            drop(store);
            let ring = median(
                (0..5)
                    .map(|_| {
                        let t = Instant::now();
                        drop(
                            Store::open(&ring_dir, Unlock::Auto { passphrase: None })
                                .expect("open"),
                        );
                        t.elapsed()
                    })
                    .collect(),
            );
            println!(
                "unlock with the OS keyring: {:.0} ms",
                ring.as_secs_f64() * 1000.0
            );
            let _ = OsKeyring::delete(&id);
        }
        Err(e) => println!("unlock with the OS keyring: not measured ({e})"),
    }
}
