//! Crash safety: a child process writing in a loop is killed with SIGKILL at random moments,
//! 200 times. After every kill the database opens, `integrity_check` and
//! `cipher_integrity_check` are clean, the audit chain verifies, and every write the child had
//! acknowledged (printed after its commit returned) is there.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chairside_store::audit;
use chairside_store::users;
use chairside_store::{KdfParams, NewKey, Store, Unlock};

const PASSPHRASE: &str = "crash test passphrase";
const KILLS: usize = 200;

/// An empty store for the writer child to open (cheap key derivation: it is opened 200 times).
fn create_store(dir: &std::path::Path) {
    let new_key = NewKey::Passphrase {
        passphrase: PASSPHRASE,
        params: KdfParams::FAST_INSECURE_FOR_TESTS,
    };
    drop(Store::create(dir, new_key, "crash PC").unwrap());
}

#[test]
fn acknowledged_writes_survive_200_sigkills() {
    let dir = tempfile::tempdir().unwrap();
    create_store(dir.path());
    let writer = chairside_scenarios::workspace_binary("crash-writer");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("seed {seed}");
    let mut rng = seed;
    let mut next = move |bound: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % bound
    };
    let mut highest_acked: Option<u64> = None;
    let mut kills_mid_run = 0;
    let started = Instant::now();
    for round in 0..KILLS {
        let mut child = Command::new(&writer)
            .arg(dir.path())
            .env("CHAIRSIDE_PASSPHRASE", PASSPHRASE)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut acked = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ack ") {
                    let n: u64 = n.parse().unwrap();
                    if acked.is_empty() {
                        let _ = tx.send(());
                    }
                    acked.push(n);
                }
            }
            acked
        });
        // Some kills land while the store opens, most while it writes.
        if next(10) > 0 {
            let _ = rx.recv_timeout(Duration::from_secs(10));
        }
        std::thread::sleep(Duration::from_micros(next(30_000)));
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        let acked = reader.join().unwrap();
        if status.code().is_none() {
            kills_mid_run += 1;
        } else {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            panic!("round {round}: the writer stopped by itself ({status}): {err}");
        }
        if let Some(&last) = acked.last() {
            highest_acked = Some(last);
        }

        let store = Store::open(
            dir.path(),
            Unlock::Auto {
                passphrase: Some(PASSPHRASE),
            },
        )
        .unwrap_or_else(|e| panic!("round {round}: the database does not open after a kill: {e}"));
        let problems = store.check().unwrap();
        assert!(problems.is_empty(), "round {round}: {problems:?}");
        let report = audit::verify(store.conn(), &store.device_id().to_string()).unwrap();
        assert_eq!(report.first_break, None, "round {round}");
        for n in &acked {
            assert!(
                users::find_by_username(store.conn(), &format!("w{n}"))
                    .unwrap()
                    .is_some(),
                "round {round}: acknowledged write w{n} is missing"
            );
        }
        // A write that was not acknowledged may or may not be there, but never half of one:
        // rows are w0..w(count-1) without a gap, and batches of 20 are whole.
        let count = users::count(store.conn()).unwrap();
        if let Some(h) = highest_acked {
            assert!(
                count > h,
                "round {round}: {count} rows, acknowledged up to w{h}"
            );
        }
        if count > 0 {
            assert!(
                users::find_by_username(store.conn(), &format!("w{}", count - 1))
                    .unwrap()
                    .is_some(),
                "round {round}: gap"
            );
        }
        let mut stmt = store
            .conn()
            .prepare("SELECT display_name, count(*) FROM staff_user GROUP BY display_name")
            .unwrap();
        let batches = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))
            .unwrap();
        for batch in batches {
            let (name, rows) = batch.unwrap();
            let size: u64 = name.rsplit(' ').next().unwrap().parse().unwrap();
            assert_eq!(rows, size, "round {round}: {name} is cut: {rows} rows");
        }
    }
    let store = Store::open(
        dir.path(),
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap();
    let rows = users::count(store.conn()).unwrap();
    println!(
        "{KILLS} SIGKILLs ({kills_mid_run} mid-run) in {:.1} s; {rows} rows, highest acknowledged w{}",
        started.elapsed().as_secs_f64(),
        highest_acked.unwrap_or(0)
    );
    assert_eq!(kills_mid_run, KILLS);
    assert!(
        highest_acked.unwrap_or(0) > KILLS as u64,
        "the writer should have made progress"
    );
}

/// A backup taken while another process keeps writing is one consistent snapshot: it restores
/// to a database that passes every check, with no transaction cut in half.
#[test]
fn a_backup_taken_while_another_process_writes_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    create_store(dir.path());
    let mut child = Command::new(chairside_scenarios::workspace_binary("crash-writer"))
        .arg(dir.path())
        .env("CHAIRSIDE_PASSPHRASE", PASSPHRASE)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut sizes = Vec::new();
    for i in 0..5 {
        // Let the writer get ahead, then copy while it is mid-stream.
        for _ in 0..50 {
            lines.next().unwrap().unwrap();
        }
        let store = Store::open(
            dir.path(),
            Unlock::Auto {
                passphrase: Some(PASSPHRASE),
            },
        )
        .unwrap();
        let file = out.path().join(format!("b{i}.chairside-backup"));
        store.backup_to(&file).unwrap();
        drop(store);
        let restored = out.path().join(format!("r{i}"));
        chairside_store::backup::restore(&restored, &file, Some(PASSPHRASE)).unwrap();
        let copy = Store::open(
            &restored,
            Unlock::Auto {
                passphrase: Some(PASSPHRASE),
            },
        )
        .unwrap();
        assert!(copy.check().unwrap().is_empty());
        assert_eq!(
            audit::verify(copy.conn(), &copy.device_id().to_string())
                .unwrap()
                .first_break,
            None
        );
        let rows = users::count(copy.conn()).unwrap();
        let whole: i64 = copy
            .conn()
            .query_row(
                "SELECT count(*) FROM (SELECT display_name, count(*) AS n FROM staff_user GROUP BY display_name
                 HAVING n <> CAST(substr(display_name, instr(display_name, ' of ') + 4) AS INTEGER))",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(whole, 0, "backup {i}: a transaction was cut");
        sizes.push(rows);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        sizes.windows(2).all(|w| w[0] < w[1]),
        "each backup saw more rows: {sizes:?}"
    );
    println!("backups taken while writing: {sizes:?} rows");
}
