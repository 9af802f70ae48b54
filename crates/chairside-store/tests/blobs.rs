//! Blobs: stored in chunks inside the encrypted database, content-addressed, known to other
//! devices through the change log, fetched chunk by chunk and checked against their hash.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use chairside_store::blobs::{CHUNK_BYTES, is_sha256_hex};
use chairside_store::changes::{heads, read_change_set};
use chairside_store::{ChangeSet, Store};
use sha2::{Digest, Sha256};

fn all_sets(store: &Store) -> Vec<ChangeSet> {
    let mut out = Vec::new();
    for (device, last) in heads(store.conn()).unwrap() {
        for idx in 1..=last {
            out.push(read_change_set(store.conn(), device, idx).unwrap().unwrap());
        }
    }
    out
}

/// Deterministic bytes that do not compress into a single repeated page.
fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[2] ^ seed)
        .collect()
}

#[test]
fn a_blob_is_stored_in_chunks_read_back_whole_and_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = common::create(dir.path());
    let content = bytes(CHUNK_BYTES * 2 + 12_345, 7);
    let info = store
        .write(|w| w.put_blob(&content[..], "image/png"))
        .unwrap();
    assert_eq!(info.sha256, hex::encode(Sha256::digest(&content)));
    assert!(is_sha256_hex(&info.sha256));
    assert_eq!(
        (info.size, info.chunk_count(), info.local),
        (content.len() as u64, 3, true)
    );
    assert_eq!(store.read_blob(&info.sha256).unwrap().unwrap(), content);
    assert_eq!(store.blobs_to_upload().unwrap(), vec![info.clone()]);

    // The same bytes again: no second copy, no second record.
    let again = store
        .write(|w| w.put_blob(&content[..], "image/png"))
        .unwrap();
    assert_eq!(again, info);
    let chunks: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM blob_chunk", [], |r| r.get(0))
        .unwrap();
    let records: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM blob", [], |r| r.get(0))
        .unwrap();
    assert_eq!((chunks, records), (3, 1));

    // Empty and exactly-one-chunk blobs have one chunk each.
    let empty = store.write(|w| w.put_blob(&[][..], "text/plain")).unwrap();
    assert_eq!((empty.size, empty.chunk_count()), (0, 1));
    assert_eq!(store.read_blob(&empty.sha256).unwrap().unwrap(), b"");
    let exact = bytes(CHUNK_BYTES, 9);
    let exact_info = store
        .write(|w| w.put_blob(&exact[..], "application/pdf"))
        .unwrap();
    assert_eq!(exact_info.chunk_count(), 1);
    assert_eq!(store.read_blob(&exact_info.sha256).unwrap().unwrap(), exact);

    store.mark_blob_uploaded(&info.sha256).unwrap();
    assert!(
        !store
            .blobs_to_upload()
            .unwrap()
            .iter()
            .any(|b| b.sha256 == info.sha256)
    );
}

#[test]
fn a_failed_transaction_leaves_no_chunk_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = common::create(dir.path());
    let content = bytes(100_000, 1);
    let failed: Result<(), _> = store.write(|w| {
        w.put_blob(&content[..], "image/jpeg")?;
        Err(chairside_store::StoreError::InvalidChange(
            "the record was refused".into(),
        ))
    });
    assert!(failed.is_err());
    for table in ["blob", "blob_chunk", "blob_local"] {
        let n: i64 = store
            .conn()
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    let refused = store.write(|w| w.put_blob(&content[..], " "));
    assert!(refused.unwrap_err().to_string().contains("media type"));
}

#[test]
fn another_device_learns_of_a_blob_and_fetches_it_resumably_and_checked() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = common::create(dir_a.path());
    let mut b = common::create(dir_b.path());
    let content = bytes(CHUNK_BYTES + 500, 3);
    let info = a.write(|w| w.put_blob(&content[..], "image/png")).unwrap();
    for set in all_sets(&a) {
        b.apply_change_set(&set).unwrap();
    }
    let known = b.blob(&info.sha256).unwrap().unwrap();
    assert!(!known.local);
    assert_eq!(b.read_blob(&info.sha256).unwrap(), None);
    assert_eq!(b.missing_blob_chunks(&info.sha256).unwrap(), vec![0, 1]);
    let size = content.len() as u64;
    assert_eq!(b.blob_bytes_here(&info.sha256).unwrap(), Some((0, size)));

    // Chunk 1 arrives, then the download is interrupted: only chunk 0 is missing after. What is
    // here is counted in whole chunks, never past the size.
    b.store_fetched_chunk(&info.sha256, 1, &a.blob_chunk(&info.sha256, 1).unwrap())
        .unwrap();
    assert_eq!(b.missing_blob_chunks(&info.sha256).unwrap(), vec![0]);
    assert_eq!(
        b.blob_bytes_here(&info.sha256).unwrap(),
        Some((CHUNK_BYTES as u64, size))
    );
    assert_eq!(b.blob_bytes_here(&"0".repeat(64)).unwrap(), None);
    assert!(b.finish_fetched_blob(&info.sha256).is_err());

    // A chunk of the wrong length is refused outright.
    assert!(b.store_fetched_chunk(&info.sha256, 0, b"short").is_err());
    // A chunk of the right length but wrong content is caught by the hash, and discarded.
    let mut wrong = a.blob_chunk(&info.sha256, 0).unwrap();
    wrong[10] ^= 1;
    b.store_fetched_chunk(&info.sha256, 0, &wrong).unwrap();
    let err = b.finish_fetched_blob(&info.sha256).unwrap_err();
    assert!(err.to_string().contains("does not match its hash"), "{err}");
    assert_eq!(b.missing_blob_chunks(&info.sha256).unwrap(), vec![0, 1]);
    assert_eq!(b.read_blob(&info.sha256).unwrap(), None);

    for idx in [0, 1] {
        b.store_fetched_chunk(&info.sha256, idx, &a.blob_chunk(&info.sha256, idx).unwrap())
            .unwrap();
    }
    b.finish_fetched_blob(&info.sha256).unwrap();
    assert_eq!(b.read_blob(&info.sha256).unwrap().unwrap(), content);
    assert_eq!(b.blob_bytes_here(&info.sha256).unwrap(), Some((size, size)));
    // It came from the relay: nothing to upload back.
    assert!(b.blobs_to_upload().unwrap().is_empty());
}

#[test]
fn a_second_connection_merges_and_the_first_one_writes_after_it_with_a_later_clock() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = common::create(dir_a.path());
    let mut ui = common::create(dir_b.path());
    let mut background = ui.open_another_connection().unwrap();
    // Device A's clock runs ahead (an hour): its change is merged by the background connection.
    a.write(|w| w.put_blob(&b"scan"[..], "image/png")).unwrap();
    let mut set = all_sets(&a).pop().unwrap();
    let ahead = chairside_domain::Hlc::from_parts(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
            + 3_600_000,
        0,
    );
    for change in &mut set.changes {
        change.hlc = ahead;
    }
    background.apply_change_set(&set).unwrap();
    // The UI connection writes next: its timestamps must pass the merged one.
    ui.write(|w| w.put_blob(&b"note"[..], "text/plain"))
        .unwrap();
    let mine = all_sets(&ui)
        .into_iter()
        .find(|s| s.device_id == ui.device_id())
        .unwrap();
    assert!(mine.changes.iter().all(|c| c.hlc > ahead));
    let stored: String = ui
        .conn()
        .query_row(
            "SELECT value FROM local_meta WHERE key = 'hlc_last'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(stored.parse::<i64>().unwrap() > ahead.to_i64());
}

#[test]
fn a_write_on_a_full_disk_keeps_nothing_and_can_be_made_again_once_there_is_room() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = common::create(dir.path());
    // The database may grow no further: SQLite's own "database or disk is full", as on a PC
    // whose disk is full.
    let pages: i64 = store
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    store
        .conn()
        .execute_batch(&format!("PRAGMA max_page_count = {pages}"))
        .unwrap();
    let content = bytes(CHUNK_BYTES + 999, 3);
    let before = all_sets(&store).len();
    let full = store
        .write(|w| w.put_blob(&content[..], "image/png"))
        .unwrap_err();
    assert!(full.is_disk_full(), "{full}");
    // Rolled back: no change set, no blob.
    assert_eq!(all_sets(&store).len(), before);
    let sha = hex::encode(Sha256::digest(&content));
    assert!(store.blob(&sha).unwrap().is_none());
    // Room again: the same write goes through.
    store
        .conn()
        .execute_batch("PRAGMA max_page_count = 1073741823")
        .unwrap();
    store
        .write(|w| w.put_blob(&content[..], "image/png"))
        .unwrap();
    assert!(store.blob(&sha).unwrap().is_some());
    // Other errors are not a full disk.
    let other = chairside_store::StoreError::InUse;
    assert!(!other.is_disk_full());
}
