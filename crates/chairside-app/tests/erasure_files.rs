//! An erased patient's DICOM files lose the identity in their header on every PC and at the
//! relay: two PCs of one clinic through a real relay on loopback (in this process), each holding
//! one of the patient's radiographs, the erasure made on one of them, which fetches the other.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;
#[path = "common/two_pcs.rs"]
mod two_pcs;

use std::path::Path;
use std::sync::Arc;

use chairside_app::*;
use chairside_imaging::{DicomImage, Limits};
use chairside_relay::{FsBlobStore, RateLimit, SqliteStorage, router, serve_on_loopback};
use two_pcs::*;

/// The blobs the relay's folder holds (one folder per blob, under clinic and prefix; the
/// folder's id file aside).
fn relay_blobs(root: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for clinic in std::fs::read_dir(root).unwrap() {
        let clinic = clinic.unwrap().path();
        if !clinic.is_dir() {
            continue;
        }
        for prefix in std::fs::read_dir(clinic).unwrap() {
            for blob in std::fs::read_dir(prefix.unwrap().path()).unwrap() {
                names.push(blob.unwrap().file_name().into_string().unwrap());
            }
        }
    }
    names.sort();
    names
}

/// The image's file as this PC holds it (fetched from the relay if it must be), read back.
fn header(app: &mut App, image_id: &str, out: &Path) -> (Vec<u8>, DicomImage) {
    app.fetch_image(image_id).unwrap();
    app.export_image_to(image_id, ImageExportFormat::Original, out)
        .unwrap();
    let bytes = std::fs::read(out).unwrap();
    let image = DicomImage::from_bytes(&bytes, Limits::default()).unwrap();
    (bytes, image)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn an_erased_patients_dicom_files_lose_the_identity_on_every_pc_and_at_the_relay() {
    let work = tempfile::tempdir().unwrap();
    let blob_root = work.path().join("relay-blobs");
    let storage = Arc::new(SqliteStorage::open(&work.path().join("relay.sqlite")).unwrap());
    let blobs = Arc::new(FsBlobStore::open(&blob_root).unwrap());
    let relay_url = format!(
        "http://{}",
        serve_on_loopback(router(storage, blobs, RateLimit::default())).unwrap()
    );

    // PC A, the owner's; PC B joins the clinic.
    let (mut a, mut b) = owner_pc_and_second_pc(work.path(), &relay_url);

    // A radiograph imported on A (B opens it, so B holds a copy too), another imported on B.
    let patient = add_patient(&mut a, "Dupré", "Hélène", "1985-03-14");
    let on_a = import(&mut a, &patient, "real/CT_small.dcm");
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();
    // Before B opens it, nothing of the file is on B; once opened, all of it (the viewer polls
    // this while the file comes).
    let size = std::fs::metadata(corpus("real/CT_small.dcm"))
        .unwrap()
        .len();
    let progress = b.image_download_progress(&on_a).unwrap();
    assert_eq!((progress.bytes_here, progress.bytes_total), (0, size));
    let (before, _) = header(&mut b, &on_a, &work.path().join("b-before.dcm"));
    let progress = b.image_download_progress(&on_a).unwrap();
    assert_eq!((progress.bytes_here, progress.bytes_total), (size, size));
    assert!(contains(&before, "CompressedSamples^CT1"));
    let on_b = import(&mut b, &patient, "real/MR_small.dcm");
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();
    let old_a = a.open_image(&on_a).unwrap();
    let old_b = a.open_image(&on_b).unwrap();
    let at_relay_before = relay_blobs(&blob_root);
    assert_eq!(at_relay_before.len(), 2, "{at_relay_before:?}");

    // The erasure, on A: the file A holds is rewritten at once; B's waits for B.
    let report = a.erase_patient(&patient.id).unwrap();
    assert_eq!(
        (
            report.files_without_identity,
            report.files_elsewhere,
            report.files_not_rewritable
        ),
        (1, 1, 0),
        "{report:?}"
    );
    assert!(
        !a.image_is_local(&old_a).unwrap(),
        "A forgets the file that named the patient"
    );
    // A's next sync: A fetches the file it lacks (B's), rewrites it, sends both copies and
    // deletes both originals at the relay, without waiting for B (the PC that imported it
    // could stay off for weeks).
    let summary = a.sync_now(None).unwrap();
    assert_eq!(summary.files_retired, 2, "{summary:?}");
    let at_relay = relay_blobs(&blob_root);
    assert_eq!(at_relay.len(), 2, "{at_relay:?}");
    assert!(
        at_relay.iter().all(|n| !at_relay_before.contains(n)),
        "before {at_relay_before:?}, after {at_relay:?}"
    );
    // B merges: the images name the copies, and B forgets the originals it held.
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();

    let file_number = report.patient.file_number.clone();
    for (who, app) in [("A", &mut a), ("B", &mut b)] {
        for (image, name) in [
            (&on_a, "CompressedSamples^CT1"),
            (&on_b, "CompressedSamples^MR1"),
        ] {
            let out = work.path().join(format!("{who}-{image}.dcm"));
            let (bytes, dicom) = header(app, image, &out);
            assert!(!contains(&bytes, name), "{who}: {name} is still in {image}");
            let info = dicom.info().unwrap();
            assert_eq!(
                info.patient_name.as_deref(),
                Some(file_number.as_str()),
                "{who}"
            );
            assert_eq!(info.patient_id.as_deref(), Some(file_number.as_str()));
        }
        for old in [&old_a, &old_b] {
            assert!(!app.image_is_local(old).unwrap(), "{who} still holds {old}");
        }
    }
    // The relay still holds the two copies only.
    assert_eq!(relay_blobs(&blob_root), at_relay);
    // Nothing is left to do: another sync rewrites and retires nothing more.
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();
    assert_eq!(relay_blobs(&blob_root), at_relay);
}
