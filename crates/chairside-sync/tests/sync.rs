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

/// The relay's disk is lost and it is restored from last night's backup of its database, its
/// blob folder empty: each PC pushes again what the relay lost of its log, and uploads again
/// every file it stored (the relay had acknowledged them, so nothing else would). Afterwards the
/// other PC opens the files, and the checksums match.
#[test]
fn a_relay_restored_from_an_older_backup_gets_back_the_logs_and_files_it_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = LocalRelay::new(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    scenarios::add_patient(&mut a, "Ouyahia", "+213555987321");
    let first = scenarios::fake_radiograph(300_000);
    let first = a.write(|w| w.put_blob(&first[..], "image/png")).unwrap();
    scenarios::run(&mut a, &relay).unwrap();
    let mut b = join(&a, &tmp.path().join("b"), &relay);
    scenarios::run(&mut b, &relay).unwrap();

    // Last night's backup of the relay's database (a consistent copy while it runs).
    let backup = tmp.path().join("backup.sqlite");
    rusqlite::Connection::open(tmp.path().join("relay.sqlite"))
        .unwrap()
        .execute("VACUUM INTO ?1", [backup.display().to_string()])
        .unwrap();

    // Today: more work on both PCs, synced, before the relay's disk fails.
    scenarios::add_patient(&mut a, "Benali", "+213555000111");
    let second = scenarios::fake_radiograph(200_000);
    let second = a.write(|w| w.put_blob(&second[..], "image/png")).unwrap();
    scenarios::add_patient(&mut b, "Haddad", "+213555000222");
    scenarios::run(&mut a, &relay).unwrap();
    scenarios::run(&mut b, &relay).unwrap();
    drop(relay);

    let restored = LocalRelay::with_storage(std::sync::Arc::new(
        chairside_relay::SqliteStorage::open(&backup).unwrap(),
    ));
    let report_a = scenarios::run(&mut a, &restored).unwrap();
    assert_eq!(
        report_a.blobs_sent, 2,
        "both files go up again: {report_a:?}"
    );
    assert!(report_a.sent >= 2, "{report_a:?}");
    assert_eq!(
        report_a.carried, 0,
        "A never received B's lost set: {report_a:?}"
    );
    let report_b = scenarios::run(&mut b, &restored).unwrap();
    assert!(
        report_b.sent >= 1,
        "B's lost set goes up again: {report_b:?}"
    );
    let report_a = scenarios::run(&mut a, &restored).unwrap();
    assert!(report_a.checksums_match && report_b.checksums_match);
    assert_eq!(report_a.blobs_sent, 0, "nothing more to send");

    for blob in [&first, &second] {
        chairside_sync::fetch_blob(&b, &restored, &blob.sha256).unwrap();
        assert!(b.read_blob(&blob.sha256).unwrap().is_some());
    }
    let names = |s: &chairside_store::Store| {
        let mut names: Vec<String> = chairside_store::patients::search(
            s.conn(),
            &chairside_domain::patient::SearchQuery::parse("amina", "DZ"),
            100,
        )
        .unwrap()
        .into_iter()
        .map(|p| p.last_name)
        .collect();
        names.sort();
        names
    };
    assert_eq!(names(&a), ["Benali", "Haddad", "Ouyahia"]);
    assert_eq!(names(&a), names(&b));
}

/// The relay keeps its database but loses its blob folder (or is moved without it): the devices
/// see a new folder id with the heads, upload their files again, and the other PC opens them.
#[test]
fn a_relay_that_lost_its_blob_folder_gets_the_files_again() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = LocalRelay::new(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    let image = scenarios::fake_radiograph(300_000);
    let blob = a.write(|w| w.put_blob(&image[..], "image/png")).unwrap();
    assert_eq!(scenarios::run(&mut a, &relay).unwrap().blobs_sent, 1);
    let mut b = join(&a, &tmp.path().join("b"), &relay);
    scenarios::run(&mut b, &relay).unwrap();
    // Nothing changes: nothing goes up again.
    assert_eq!(scenarios::run(&mut a, &relay).unwrap().blobs_sent, 0);

    let relay = relay.with_new_blob_folder();
    let report = scenarios::run(&mut a, &relay).unwrap();
    assert_eq!(report.blobs_sent, 1, "{report:?}");
    assert_eq!(report.sent, 0, "the log is whole at the relay");
    chairside_sync::fetch_blob(&b, &relay, &blob.sha256).unwrap();
    assert_eq!(b.read_blob(&blob.sha256).unwrap().unwrap(), image);
    assert_eq!(scenarios::run(&mut a, &relay).unwrap().blobs_sent, 0);
}

/// Files fetched ahead of need, within a budget of chunks per call: a file begun resumes at the
/// next call where it stopped; files the relay does not hold are passed over without an error,
/// and fetched once it holds them.
#[test]
fn a_prefetch_fetches_within_its_budget_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = LocalRelay::new(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    scenarios::run(&mut a, &relay).unwrap();
    let chunk = chairside_store::blobs::CHUNK_BYTES;
    let scan = scenarios::fake_radiograph(2 * chunk + 1000);
    let small = scenarios::fake_radiograph(30_000);
    let scan_sha = a
        .write(|w| w.put_blob(&scan[..], "image/png"))
        .unwrap()
        .sha256;
    let small_sha = a
        .write(|w| w.put_blob(&small[..], "image/png"))
        .unwrap()
        .sha256;
    scenarios::run(&mut a, &relay).unwrap();
    let mut b = join(&a, &tmp.path().join("b"), &relay);
    scenarios::run(&mut b, &relay).unwrap();
    let here = |store: &chairside_store::Store, sha: &str| store.blob(sha).unwrap().unwrap().local;
    let both = [scan_sha.clone(), small_sha.clone()];

    // A relay that lost its files: both passed over, no error, nothing fetched.
    let empty = relay.with_new_blob_folder();
    let none = chairside_sync::prefetch_blobs(&b, &empty, &both, 16).unwrap();
    assert_eq!(none, chairside_sync::blobs::Prefetched::default());
    assert!(!here(&b, &scan_sha) && !here(&b, &small_sha));
    // A's next sync sends them to it again (the relay's blob folder changed).
    scenarios::run(&mut a, &empty).unwrap();

    // Two chunks of the scan's three: begun, not whole, the small file not reached.
    let first = chairside_sync::prefetch_blobs(&b, &empty, &both, 2).unwrap();
    assert_eq!(first.files, 0);
    assert!(first.bytes > 2 * chunk as u64, "{first:?}");
    assert!(!here(&b, &scan_sha) && !here(&b, &small_sha));
    // The next call resumes: the scan's last chunk, then the small file.
    let second = chairside_sync::prefetch_blobs(&b, &empty, &both, 2).unwrap();
    assert_eq!(second.files, 2, "{second:?}");
    assert!(
        second.bytes < chunk as u64,
        "only the last chunk and the small file: {second:?}"
    );
    assert_eq!(b.read_blob(&scan_sha).unwrap().unwrap(), scan);
    assert_eq!(b.read_blob(&small_sha).unwrap().unwrap(), small);
    // Whole here: nothing more crosses.
    let again = chairside_sync::prefetch_blobs(&b, &empty, &both, 16).unwrap();
    assert_eq!(again, chairside_sync::blobs::Prefetched::default());
}

/// Files are counted apart from change sets, in files and in bytes: the count of bytes grows
/// chunk by chunk up to the files' size, and a file the relay already holds in part (an upload
/// cut short) counts what it holds as sent, so the totals are reached at the sync's end.
#[test]
fn a_sync_tells_the_files_it_sends_chunk_by_chunk() {
    use chairside_sync::Progress;
    use std::sync::Mutex;
    let tmp = tempfile::tempdir().unwrap();
    let relay = LocalRelay::new(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    scenarios::run(&mut a, &relay).unwrap();
    let chunk = chairside_store::blobs::CHUNK_BYTES;
    // A scan of two chunks and a half, and a small radiograph.
    let scan = scenarios::fake_radiograph(2 * chunk + chunk / 2);
    let small = scenarios::fake_radiograph(40_000);
    a.write(|w| w.put_blob(&scan[..], "image/png")).unwrap();
    a.write(|w| w.put_blob(&small[..], "image/png")).unwrap();
    let total = (scan.len() + small.len()) as u64;
    let told = |store: &mut chairside_store::Store, relay: &LocalRelay| -> Vec<Progress> {
        let seen = Mutex::new(Vec::new());
        chairside_sync::sync_device_reporting(store, relay, &|p| seen.lock().unwrap().push(p))
            .unwrap();
        seen.into_inner().unwrap()
    };
    let progress = told(&mut a, &relay);
    assert_eq!(
        (progress[0].files_to_send, progress[0].file_bytes_to_send),
        (2, total),
        "{progress:?}"
    );
    assert_eq!(
        (progress[0].files_sent, progress[0].file_bytes_sent),
        (0, 0)
    );
    let last = *progress.last().unwrap();
    assert_eq!((last.files_sent, last.file_bytes_sent), (2, total));
    assert_eq!((last.files_to_send, last.file_bytes_to_send), (2, total));
    // The scan's three chunks and the radiograph's one, each told as it reached the relay.
    let bytes_told: Vec<u64> = progress.iter().map(|p| p.file_bytes_sent).collect();
    let mut steps = bytes_told.clone();
    steps.dedup();
    assert_eq!(steps.len(), 1 + 4, "{bytes_told:?}");
    assert!(
        bytes_told.windows(2).all(|w| w[1] >= w[0]),
        "{bytes_told:?}"
    );
    // Sent: nothing to tell next time.
    let again = told(&mut a, &relay);
    assert!(again.iter().all(|p| p.files_to_send == 0), "{again:?}");

    // An upload cut short after two of the scan's chunks: the next sync sends the third only,
    // and counts the two the relay holds as sent, so its count ends whole.
    let relay = relay.with_new_blob_folder();
    relay.chunks_before_failure.set(Some(2));
    let seen = Mutex::new(Vec::new());
    let cut = chairside_sync::sync_device_reporting(&mut a, &relay, &|p: Progress| {
        seen.lock().unwrap().push(p)
    });
    assert!(cut.is_err(), "the upload is cut: {cut:?}");
    let cut_at = seen.into_inner().unwrap().last().unwrap().file_bytes_sent;
    assert!(cut_at > 0 && cut_at < total, "two chunks told: {cut_at}");
    let progress = told(&mut a, &relay);
    let last = *progress.last().unwrap();
    assert_eq!(
        (last.files_sent, last.file_bytes_sent),
        (2, total),
        "{progress:?}"
    );
    assert_eq!(last.file_bytes_to_send, total);
}

/// A long sync tells how far it has come after every page: the PC that wrote more than a page
/// of change sets counts its push up to what the relay lacked, and a PC joining counts what it
/// receives up to what the relay's heads said, from nothing to all of it.
#[test]
fn a_sync_tells_its_progress_page_by_page() {
    use chairside_sync::Progress;
    use std::sync::Mutex;
    // In memory where there is some: 1,200 one-field saves, each its own transaction.
    let tmp = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap();
    let relay = LocalRelay::new(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    scenarios::run(&mut a, &relay).unwrap();
    let clinic = chairside_domain::EntityId::new();
    let sets = u64::from(chairside_protocol::MAX_PAGE) + 200;
    for i in 0..sets {
        a.write(|w| {
            let name = rusqlite::types::Value::Text(format!("Cabinet {i}"));
            w.set(&chairside_store::schema::CLINIC, clinic, &[("name", name)])
        })
        .unwrap();
    }
    let told = |store: &mut chairside_store::Store| -> Vec<Progress> {
        let seen = Mutex::new(Vec::new());
        chairside_sync::sync_device_reporting(store, &relay, &|p| seen.lock().unwrap().push(p))
            .unwrap();
        seen.into_inner().unwrap()
    };
    let monotonic = |told: &[Progress]| {
        told.windows(2)
            .all(|w| w[1].received >= w[0].received && w[1].sent >= w[0].sent)
    };

    let pushed = told(&mut a);
    assert_eq!(
        pushed[0],
        Progress {
            to_send: sets,
            ..Progress::default()
        }
    );
    assert_eq!(pushed.last().unwrap().sent, sets);
    assert!(
        pushed.len() >= 3,
        "the start and each of two pages: {pushed:?}"
    );
    assert!(monotonic(&pushed), "{pushed:?}");

    let mut b = join(&a, &tmp.path().join("b"), &relay);
    let a_log = chairside_store::changes::head(a.conn(), &a.device_id().to_string()).unwrap();
    let received = told(&mut b);
    let first = received[0];
    assert_eq!((first.to_receive, first.received), (a_log as u64, 0));
    let last = *received.last().unwrap();
    assert_eq!(last.received, a_log as u64, "{received:?}");
    assert_eq!(last.to_receive, a_log as u64);
    assert!(
        received.len() >= 3,
        "the start and each of two pages: {received:?}"
    );
    assert!(monotonic(&received), "{received:?}");
    // Nothing left: the next sync has nothing to tell but its start.
    assert_eq!(told(&mut b), [Progress::default()]);
}
