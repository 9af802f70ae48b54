//! A relay with no room left for a clinic's files (its operator's quota reached): the records
//! still sync, the file waits on the PC that holds it and each sync says so, and it goes once the
//! quota is raised; and a PC whose clock is off, named in the owner's end-of-day report. Two PCs
//! of one clinic through a real relay on loopback (in this process).

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;
#[path = "common/two_pcs.rs"]
mod two_pcs;

use std::path::Path;
use std::sync::Arc;

use chairside_protocol::MAX_SEALED_CHUNK_BYTES;
use chairside_relay::{
    FsBlobStore, Limits, RateLimit, SqliteStorage, Storage, router_with, serve_on_loopback,
};
use two_pcs::*;

/// The relay's storage and blob folder in `work`, for relays that come and go over them.
fn relay_files(work: &Path) -> (Arc<dyn Storage>, Arc<FsBlobStore>) {
    let storage: Arc<dyn Storage> =
        Arc::new(SqliteStorage::open(&work.join("relay.sqlite")).unwrap());
    let blobs = Arc::new(FsBlobStore::open(&work.join("relay-blobs")).unwrap());
    (storage, blobs)
}

/// A relay on loopback over the given storage and blob folder, with a quota of files per clinic.
fn relay_with_quota(storage: Arc<dyn Storage>, blobs: Arc<FsBlobStore>, quota: u64) -> String {
    let limits = Limits {
        rate: RateLimit::default(),
        clinic_quota: Some(quota),
    };
    format!(
        "http://{}",
        serve_on_loopback(router_with(storage, blobs, limits)).unwrap()
    )
}

#[test]
fn files_past_the_clinic_quota_wait_on_their_pc_while_the_records_sync_and_go_once_raised() {
    let work = tempfile::tempdir().unwrap();
    let (storage, blobs) = relay_files(work.path());
    // A new file is measured as whole chunks before it is admitted: room for the first file (one
    // chunk, 39 kB sealed), not for a second one once the first is there.
    let chunk = MAX_SEALED_CHUNK_BYTES as u64;
    let tight = relay_with_quota(storage.clone(), blobs.clone(), chunk + 20_000);
    let (mut a, mut b) = owner_pc_and_second_pc(work.path(), &tight);

    let patient = add_patient(&mut a, "Haddad", "Yasmine", "1990-07-02");
    let first = import(&mut a, &patient, "real/CT_small.dcm");
    let second = import(&mut a, &patient, "real/MR_small.dcm");

    // A's sync: one file goes, the other is refused for the quota; the records go all the same.
    let summary = a.sync_now(None).unwrap();
    assert_eq!(summary.files_sent, 1, "{summary:?}");
    assert!(summary.sent > 0, "the records went: {summary:?}");
    assert!(summary.checksums_match);
    let held = summary
        .files_held_back
        .clone()
        .expect("a file was held back");
    assert_eq!((held.reason.as_str(), held.waiting), ("quota_exceeded", 1));
    assert!(held.detail.contains("raise the quota"), "{}", held.detail);
    // Once the relay has refused, the file is still the PC's to send.
    let report = a.end_of_day(None).unwrap();
    assert_eq!(report.files_waiting, 1, "{report:?}");
    // The owner sees the clinic's space at the relay: the first file (39 kB sealed, and the
    // few bytes of its chunk count) of the quota.
    let room = report.relay_file_room.expect("the relay has a quota");
    assert_eq!(room.quota_bytes, chunk + 20_000);
    assert!((39_000..40_000).contains(&room.used_bytes), "{room:?}");
    assert!(!room.nearly_full);
    assert_eq!(
        report.summary.files_held_back.as_ref().map(|h| h.waiting),
        Some(1),
        "the end-of-day report says why it waits: {report:?}"
    );

    // B has the patient and both images; the file that went opens, the other is not there yet.
    b.sync_now(None).unwrap();
    let found = b.search_patients("Haddad").unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    b.fetch_image(&first).unwrap();
    let waiting = b.fetch_image(&second).unwrap_err();
    assert_eq!(
        waiting.reason.as_deref(),
        Some("file_not_uploaded"),
        "{waiting:?}"
    );

    // The operator raises the quota (the relay restarted on the same storage and folder).
    let roomy = relay_with_quota(storage, blobs, 50 * chunk);
    let summary = a.sync_now(Some(&roomy)).unwrap();
    assert_eq!(summary.files_sent, 1, "{summary:?}");
    assert_eq!(summary.files_held_back, None, "{summary:?}");
    b.sync_now(Some(&roomy)).unwrap();
    b.fetch_image(&second).unwrap();
    let blob = b.open_image(&second).unwrap();
    assert!(b.image_is_local(&blob).unwrap());
}

#[test]
fn a_file_too_large_for_the_room_left_does_not_hold_back_smaller_ones() {
    let work = tempfile::tempdir().unwrap();
    let (storage, blobs) = relay_files(work.path());
    // Room for two chunks: the 3.8 MB intraoral image (four chunks) cannot go, the 39 kB CT
    // slice imported after it can.
    let chunk = MAX_SEALED_CHUNK_BYTES as u64;
    let relay = relay_with_quota(storage, blobs, 2 * chunk + 1000);
    let (mut a, mut b) = owner_pc_and_second_pc(work.path(), &relay);
    let patient = add_patient(&mut a, "Mansouri", "Lina", "1978-11-30");
    a.sync_now(None).unwrap();
    // The radiographs are taken in the operatory, on B.
    b.sync_now(None).unwrap();
    let large = import(&mut b, &patient, "synthetic/intraoral_io_16bit.dcm");
    let small = import(&mut b, &patient, "real/CT_small.dcm");

    let summary = b.sync_now(None).unwrap();
    assert_eq!(summary.files_sent, 1, "the small file went: {summary:?}");
    let held = summary.files_held_back.expect("the large file waits");
    assert_eq!((held.reason.as_str(), held.waiting), ("quota_exceeded", 1));
    a.sync_now(None).unwrap();
    a.fetch_image(&small).unwrap();
    assert_eq!(
        a.fetch_image(&large).unwrap_err().reason.as_deref(),
        Some("file_not_uploaded")
    );
    // The owner's end-of-day report, on A, names the PC whose file waits for room.
    let report = a.end_of_day(None).unwrap();
    assert_eq!(
        report.devices_with_files_refused_today,
        vec!["Fauteuil 2".to_string()],
        "{report:?}"
    );
}

/// The owner's end-of-day report names a PC whose clock is off, as that PC last told the relay
/// (here written into the relay's storage as B's sync would: this process has one clock), and a
/// PC not seen today with when it last was; each sync says this PC's own offset, measured
/// against the relay's time.
#[test]
fn the_end_of_day_report_names_the_pcs_whose_clock_is_off_or_not_seen_today() {
    let work = tempfile::tempdir().unwrap();
    let (storage, blobs) = relay_files(work.path());
    let url = relay_with_quota(storage.clone(), blobs, 1 << 40);
    let (mut a, mut b) = owner_pc_and_second_pc(work.path(), &url);
    // This PC's name in the device list (its host's name).
    let a_name = a
        .list_devices()
        .unwrap()
        .into_iter()
        .find(|d| d.this_device)
        .unwrap()
        .name;
    let summary = a.sync_now(None).unwrap();
    let own = summary.clock_offset_ms.expect("the relay says its time");
    assert!(own.abs() < 5_000, "one machine, one clock: {own} ms");
    assert!(!summary.clock_off);
    b.sync_now(None).unwrap();
    let report = a.end_of_day(None).unwrap();
    assert!(report.clocks_off.is_empty(), "{:?}", report.clocks_off);
    assert!(report.devices_not_seen_since.is_empty());

    // B's clock two hours and five minutes ahead.
    let clinic = storage.clinics().unwrap()[0].clinic_id.clone();
    let b_id = a
        .list_devices()
        .unwrap()
        .into_iter()
        .find(|d| d.name == "Fauteuil 2")
        .unwrap()
        .id;
    storage
        .report_clock(&clinic, &b_id, 2 * 3_600_000 + 5 * 60_000)
        .unwrap();
    let report = a.end_of_day(None).unwrap();
    assert_eq!(
        report.clocks_off,
        vec![chairside_app::ClockOff {
            device_name: "Fauteuil 2".into(),
            offset_ms: 2 * 3_600_000 + 5 * 60_000,
        }]
    );
    // The owner's device list shows it too, as of A's last sync (the end-of-day's), and when
    // each PC last reached the relay; it opens offline, from that copy.
    let listed = a.list_devices().unwrap();
    let of = |name: &str| listed.iter().find(|d| d.name == name).unwrap().clone();
    assert_eq!(
        of("Fauteuil 2").clock_offset_ms,
        Some(2 * 3_600_000 + 5 * 60_000)
    );
    assert!(of("Fauteuil 2").last_seen_ms.is_some_and(|ms| ms > 0));
    assert!(of(&a_name).clock_offset_ms.is_some_and(|o| o.abs() < 5_000));
    // Whether a clock is off is said by the Rust side: the UI only shows it.
    assert!(of("Fauteuil 2").clock_off);
    assert!(!of(&a_name).clock_off);
    // Every PC reached the relay today; B last did yesterday, as the relay would have it: named
    // with when it last did.
    assert!(report.devices_not_seen_since.is_empty());
    let yesterday = chrono::Utc::now().timestamp_millis() - 86_400_000 - 3_600_000;
    storage.touch(&b_id, yesterday).unwrap();
    let report = a.end_of_day(None).unwrap();
    assert_eq!(report.devices_not_seen_today, ["Fauteuil 2"]);
    assert_eq!(
        report.devices_not_seen_since,
        vec![chairside_app::DeviceLastSeen {
            device_name: "Fauteuil 2".into(),
            last_seen_ms: Some(yesterday),
        }]
    );
    // Four minutes off is within what a clock may drift: not named.
    storage.report_clock(&clinic, &b_id, -4 * 60_000).unwrap();
    assert!(a.end_of_day(None).unwrap().clocks_off.is_empty());
}
