//! GDPR erasure in the store: the identity leaves the row, the search index, the change log and
//! the database file itself (checked by decrypting every page), on this device and on a device
//! that merges the erasure, while the retained clinical records stay linked to the pseudonym.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use std::path::Path;

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::NoPadding};
use chairside_domain::EntityId;
use chairside_domain::patient::SearchQuery;
use chairside_store::images::{self, ImageRow};
use chairside_store::medical::{self, MedicalRow};
use chairside_store::patients::{self, PatientRow};
use chairside_store::{DATABASE_FILE_NAME, KeyFile, Store, sync_state};
use common::*;

const LAST: &str = "Quasimodière";
const FIRST: &str = "Zébulonne";
const OLD_LAST: &str = "Vauxcelleste";
const PHONE: &str = "+213555987654";
const EMAIL: &str = "zebulonne.q@exemple.dz";
const ADDRESS: &str = "17 rue des Glycines-Bleues, Tlemcen";

/// The identity's traces, as they would be stored (UTF-8 text, phone digits).
const NEEDLES: &[&str] = &[
    "Quasimodi",
    "Zébulonne",
    "Vauxcelleste",
    "555987654",
    "zebulonne.q",
    "Glycines-Bleues",
];

fn the_patient() -> PatientRow {
    PatientRow {
        id: EntityId::new().to_string(),
        last_name: OLD_LAST.into(),
        first_name: FIRST.into(),
        birth_date: "1984-07-19".into(),
        sex: "F".into(),
        phones: vec![PHONE.into()],
        email: EMAIL.into(),
        address: ADDRESS.into(),
        national_id_kind: "dz_cnas".into(),
        national_id: "1234567890".into(),
        notes: format!("vient avec sa mère, Mme {OLD_LAST}"),
        ..PatientRow::default()
    }
}

fn allergy(patient_id: &str) -> MedicalRow {
    MedicalRow {
        id: EntityId::new().to_string(),
        patient_id: patient_id.into(),
        kind: "allergy".into(),
        label: "Pénicilline".into(),
        detail: "urticaire".into(),
        severity: "high".into(),
        alert: true,
        noted_on: "2024-02-01".into(),
        recorded_by: String::new(),
        recorded_at_ms: 1,
        active: true,
    }
}

/// Creates the patient, renames it (so an older name sits in the history and in freed space),
/// adds a retained clinical record. Returns the patient as stored.
fn populate(store: &mut Store) -> PatientRow {
    let mut p = the_patient();
    store.write(|w| w.insert_patient(&mut p)).unwrap();
    p.last_name = LAST.into();
    store.write(|w| w.update_patient(&p)).unwrap();
    store
        .write(|w| w.set_patient_photo(&p.id, "LzlqLzRBQVFTa1pKUmdBQg=="))
        .unwrap();
    let item = allergy(&p.id);
    store.write(|w| w.insert_medical_item(&item)).unwrap();
    p
}

/// Every needle found in the decrypted pages of the database and its WAL.
fn needles_in_files(dir: &Path) -> Vec<String> {
    let key = KeyFile::read(dir)
        .unwrap()
        .unwrap_with_passphrase(PASSPHRASE)
        .unwrap();
    let mut plain = Vec::new();
    let db = std::fs::read(dir.join(DATABASE_FILE_NAME)).unwrap();
    for (n, page) in db.chunks(PAGE_SIZE).enumerate() {
        plain.extend(decrypt_page(key.as_bytes(), page, n == 0));
    }
    let wal = std::fs::read(dir.join(format!("{DATABASE_FILE_NAME}-wal"))).unwrap_or_default();
    // WAL: a 32-byte header, then frames of a 24-byte header and one page.
    if wal.len() > 32 {
        for frame in wal[32..].chunks(24 + PAGE_SIZE) {
            if frame.len() == 24 + PAGE_SIZE {
                let page_no = u32::from_be_bytes(frame[0..4].try_into().unwrap());
                plain.extend(decrypt_page(key.as_bytes(), &frame[24..], page_no == 1));
            }
        }
    }
    NEEDLES
        .iter()
        .filter(|n| plain.windows(n.len()).any(|w| w == n.as_bytes()))
        .map(|n| n.to_string())
        .collect()
}

/// SQLCipher 4 defaults: 4096-byte pages; each ends with a reserve of a 16-byte IV and a 64-byte
/// HMAC; page 1 starts with the 16-byte salt. The content is AES-256-CBC under the raw key.
const PAGE_SIZE: usize = 4096;
const RESERVE: usize = 80;

fn decrypt_page(key: &[u8; 32], page: &[u8], first: bool) -> Vec<u8> {
    assert_eq!(page.len(), PAGE_SIZE, "a whole page");
    let start = if first { 16 } else { 0 };
    let end = PAGE_SIZE - RESERVE;
    let iv: [u8; 16] = page[end..end + 16].try_into().unwrap();
    let mut data = page[start..end].to_vec();
    cbc::Decryptor::<aes::Aes256>::new(key.into(), &iv.into())
        .decrypt_padded_mut::<NoPadding>(&mut data)
        .unwrap();
    data
}

#[test]
fn the_page_decryption_of_this_test_sees_the_identity_before_erasure() {
    // Without this, a decryption that read garbage would make the erasure test pass vacuously.
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(dir.path());
    populate(&mut store);
    drop(store);
    let found = needles_in_files(dir.path());
    assert_eq!(found.len(), NEEDLES.len(), "found only {found:?}");
}

#[test]
fn erasure_leaves_no_identity_in_the_database_and_keeps_clinical_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(dir.path());
    let p = populate(&mut store);
    store
        .write(|w| w.erase_patient(&p.id, 1_700_000_000_000))
        .unwrap();
    assert!(store.compact_after_erasure().unwrap(), "WAL emptied");

    let erased = patients::get(store.conn(), &p.id).unwrap().unwrap();
    assert_eq!(erased.last_name, "");
    assert_eq!(erased.first_name, "");
    assert!(erased.phones.is_empty());
    assert_eq!((erased.email.as_str(), erased.address.as_str()), ("", ""));
    assert_eq!(erased.national_id, "");
    assert_eq!(erased.notes, "");
    assert!(!erased.has_photo);
    assert_eq!(
        erased.birth_date, "1984",
        "the year stays for clinical context"
    );
    assert_eq!(erased.file_number, p.file_number, "the pseudonym stays");
    assert_eq!(erased.erased_at_ms, 1_700_000_000_000);

    let search =
        |q: &str| patients::search(store.conn(), &SearchQuery::parse(q, "DZ"), 10).unwrap();
    assert!(search("zebulonne").is_empty());
    assert!(search("0555 98 76 54").is_empty());
    assert_eq!(
        search(&p.file_number).len(),
        1,
        "still found by file number"
    );

    let items = medical::for_patient(store.conn(), &p.id).unwrap();
    assert_eq!(items.len(), 1, "the retained clinical record");
    assert_eq!(items[0].label, "Pénicilline");

    let logged: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM field_change WHERE value LIKE '%Zébulonne%'
             OR value LIKE '%Quasimodi%' OR value LIKE '%Vauxcelleste%' OR value LIKE '%555987654%'
             OR value LIKE '%Glycines%' OR value LIKE '%zebulonne.q%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(logged, 0, "the change log is scrubbed");
    drop(store);

    assert_eq!(needles_in_files(dir.path()), Vec::<String>::new());
    let store = open(dir.path());
    assert!(store.check().unwrap().is_empty(), "the database is sound");
}

/// A DICOM file's header names the patient: once the app has replaced it by its copy without
/// the identity (`Writer::replace_image_file`, as `chairside-app` does after an erasure), no
/// byte of the original is left in the database file or its WAL, and it is queued for deletion
/// at the relay.
#[test]
fn an_erased_patients_replaced_dicom_file_leaves_no_trace_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(dir.path());
    let p = populate(&mut store);
    // A header naming the patient, then pixels: 300 KB, over many pages.
    let header = format!("DICM PatientName {LAST}^{FIRST} PatientAddress {ADDRESS} ");
    let mut original = header.into_bytes();
    original.extend((0..300_000u32).map(|i| (i % 251) as u8));
    let info = store
        .write(|w| {
            let info = w.put_blob(&original[..], "application/dicom")?;
            w.insert_image(&ImageRow {
                id: EntityId::new().to_string(),
                patient_id: p.id.clone(),
                blob_sha256: info.sha256.clone(),
                format: "dicom".into(),
                file_name: "pano.dcm".into(),
                frames: 1,
                ..ImageRow::default()
            })?;
            Ok(info)
        })
        .unwrap();
    store
        .write(|w| w.erase_patient(&p.id, 1_700_000_000_000))
        .unwrap();
    let queued = images::identity_queue(store.conn()).unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(
        (queued[0].blob_sha256.as_str(), queued[0].pseudonym.as_str()),
        (info.sha256.as_str(), p.file_number.as_str())
    );
    // Until the file is replaced, its bytes are in the database (the check below can see them).
    assert!(store.compact_after_erasure().unwrap());
    drop(store);
    assert_eq!(
        needles_in_files(dir.path()),
        ["Quasimodi", "Zébulonne", "Glycines-Bleues"]
    );

    let mut store = open(dir.path());
    let mut copy = format!("DICM PatientName {} ", p.file_number).into_bytes();
    copy.extend((0..300_000u32).map(|i| (i % 251) as u8));
    store
        .write(|w| {
            let stored = w.put_blob(&copy[..], "application/dicom")?;
            w.replace_image_file(&queued[0].image_id, &stored.sha256)
        })
        .unwrap();
    assert!(images::identity_queue(store.conn()).unwrap().is_empty());
    assert!(
        !store.blob(&info.sha256).unwrap().unwrap().local,
        "forgotten here"
    );
    assert_eq!(store.retired_blobs().unwrap(), vec![info.sha256.clone()]);
    assert!(store.compact_after_erasure().unwrap());
    drop(store);
    assert_eq!(needles_in_files(dir.path()), Vec::<String>::new());
    let store = open(dir.path());
    assert!(store.check().unwrap().is_empty(), "the database is sound");
}

#[test]
fn a_pc_that_held_a_replaced_dicom_file_forgets_it_and_deletes_it_at_the_relay_too() {
    let (_dirs, mut a, mut b, p) = two_pcs_with_the_patient();
    let original = format!("DICM PatientName {LAST}^{FIRST} ").into_bytes();
    let image_id = EntityId::new().to_string();
    let info = a
        .write(|w| {
            let info = w.put_blob(&original[..], "application/dicom")?;
            w.insert_image(&ImageRow {
                id: image_id.clone(),
                patient_id: p.id.clone(),
                blob_sha256: info.sha256.clone(),
                format: "dicom".into(),
                frames: 1,
                ..ImageRow::default()
            })?;
            Ok(info)
        })
        .unwrap();
    sync(&a, &mut b);
    // B opened the image: it holds the file, fetched (so, as far as it knows, at the relay).
    b.store_fetched_chunk(&info.sha256, 0, &a.blob_chunk(&info.sha256, 0).unwrap())
        .unwrap();
    b.finish_fetched_blob(&info.sha256).unwrap();
    assert_eq!(b.blobs_at_relay().unwrap(), vec![info.sha256.clone()]);

    // A erases the patient and replaces the file by a copy without the identity; B merges it.
    a.write(|w| w.erase_patient(&p.id, 1_700_000_000_000))
        .unwrap();
    let copy = format!("DICM PatientName {} ", p.file_number).into_bytes();
    a.write(|w| {
        let stored = w.put_blob(&copy[..], "application/dicom")?;
        w.replace_image_file(&image_id, &stored.sha256)
    })
    .unwrap();
    sync(&a, &mut b);
    assert_eq!(b.read_blob(&info.sha256).unwrap(), None, "forgotten on B");
    assert!(b.blobs_at_relay().unwrap().is_empty());
    assert_eq!(
        b.retired_blobs().unwrap(),
        vec![info.sha256.clone()],
        "B deletes it at the relay too"
    );
}

#[test]
fn a_merged_erasure_wins_over_a_concurrent_edit_and_scrubs_the_other_device() {
    let (_dirs, mut a, mut b, p) = two_pcs_with_the_patient();

    // B erases; A, not yet aware, types a new phone number afterwards (a later clock).
    b.write(|w| w.erase_patient(&p.id, 1_700_000_000_000))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let mut edited = patients::get(a.conn(), &p.id).unwrap().unwrap();
    edited.phones = vec!["+213661112233".into()];
    a.write(|w| w.update_patient(&edited)).unwrap();
    let phone_set = chairside_store::changes::head(a.conn(), &a.device_id().to_string()).unwrap();

    sync(&b, &mut a);
    sync(&a, &mut b);
    for store in [&a, &b] {
        let row = patients::get(store.conn(), &p.id).unwrap().unwrap();
        assert_eq!((row.last_name.as_str(), row.phones.len()), ("", 0));
        assert_eq!(row.erased_at_ms, 1_700_000_000_000);
        for needle in ["Zébulonne", "661112233"] {
            assert_eq!(
                logged(store, needle),
                0,
                "no device keeps {needle} in its log"
            );
        }
    }
    assert_eq!(medical::for_patient(b.conn(), &p.id).unwrap().len(), 1);
    // A's sets that held the identity wait to be sealed again at the relay, on both PCs: the
    // first to sync replaces them (B never wrote the identity, so its stream has nothing).
    let me = a.device_id().to_string();
    let queued_on_a = sync_state::redactions(a.conn()).unwrap();
    assert_eq!(queued_on_a.keys().collect::<Vec<_>>(), vec![&me]);
    assert!(queued_on_a[&me].contains(&phone_set), "{queued_on_a:?}");
    assert_eq!(
        queued_on_a[&me].len(),
        4,
        "the creation, the new name, the photo and the phone: {queued_on_a:?}"
    );
    // B scrubbed the three it held; the phone reached it from A's log already scrubbed (this test
    // hands sets over from the log, where a relay hands over the copy A pushed).
    let mut queued_on_b = queued_on_a.clone();
    queued_on_b
        .get_mut(&me)
        .unwrap()
        .retain(|idx| *idx != phone_set);
    assert_eq!(sync_state::redactions(b.conn()).unwrap(), queued_on_b);
    // Once A's log is at the relay, the queued sets are what A still has to send.
    let everything_pushed = chairside_store::changes::head(a.conn(), &me).unwrap();
    assert_eq!(
        sync_state::changes_waiting(a.conn(), &me, everything_pushed).unwrap(),
        4
    );
    // Another change to the erased file scrubs nothing new, so it queues nothing.
    sync_state::clear_redactions(a.conn(), &me, &queued_on_a[&me]).unwrap();
    a.write(|w| w.erase_patient(&p.id, 1_700_000_000_000))
        .unwrap();
    assert!(sync_state::redactions(a.conn()).unwrap().is_empty());
}

#[test]
fn an_image_imported_before_the_erasure_reached_that_pc_arrives_without_its_file_name() {
    let (_dirs, mut a, mut b, p) = two_pcs_with_the_patient();

    // A erases; B, not yet aware, imports a panoramic whose file is named after the patient.
    a.write(|w| w.erase_patient(&p.id, 1_700_000_000_000))
        .unwrap();
    let image = ImageRow {
        id: EntityId::new().to_string(),
        patient_id: p.id.clone(),
        blob_sha256: "ab".repeat(32),
        format: "dicom".into(),
        modality: "PX".into(),
        taken_on: "2026-11-23".into(),
        file_name: "Quasimodiere_Zebulonne_pano.dcm".into(),
        width: 3000,
        height: 1500,
        frames: 1,
        imported_by: "amel".into(),
        ..ImageRow::default()
    };
    b.write(|w| w.insert_image(&image)).unwrap();
    let image_set = chairside_store::changes::head(b.conn(), &b.device_id().to_string()).unwrap();

    sync(&b, &mut a);
    sync(&a, &mut b);
    for store in [&a, &b] {
        let row = images::get(store.conn(), &image.id).unwrap().unwrap();
        assert_eq!(row.file_name, "", "the image row keeps no file name");
        assert_eq!(
            (row.width, row.modality.as_str()),
            (3000, "PX"),
            "the image stays"
        );
        assert_eq!(
            logged(store, "Zebulonne"),
            0,
            "no device keeps the file name in its log"
        );
    }
    // B's set that named the file waits to be sealed again at the relay, on both PCs.
    let on_b = b.device_id().to_string();
    for store in [&a, &b] {
        let queued = sync_state::redactions(store.conn()).unwrap();
        assert_eq!(queued.get(&on_b), Some(&vec![image_set]), "{queued:?}");
    }
}

#[test]
fn a_pc_that_merges_an_erasure_compacts_and_keeps_no_identity_in_its_files() {
    let dir_b = tempfile::tempdir().unwrap();
    let dir_a = tempfile::tempdir().unwrap();
    let mut a = create(dir_a.path());
    let mut b = create(dir_b.path());
    let p = populate(&mut a);
    sync(&a, &mut b);
    // B has searched for her: the index and the WAL hold her name.
    let found = patients::search(b.conn(), &SearchQuery::parse("zebulonne", "DZ"), 10).unwrap();
    assert_eq!(found.len(), 1);
    assert!(!b.compaction_due().unwrap(), "no erasure yet");

    a.write(|w| w.erase_patient(&p.id, 1_700_000_000_000))
        .unwrap();
    assert!(a.compaction_due().unwrap());
    assert!(a.compact_after_erasure().unwrap());
    assert!(!a.compaction_due().unwrap(), "done where it was typed");

    sync(&a, &mut b);
    assert!(
        b.compaction_due().unwrap(),
        "merging the erasure makes it due"
    );
    let before = needles_in_files(dir_b.path());
    assert!(
        !before.is_empty(),
        "without the compaction the files still hold the identity"
    );
    assert!(b.compact_if_due().unwrap());
    assert!(!b.compaction_due().unwrap());
    assert!(!b.compact_if_due().unwrap(), "nothing left to do");
    drop(b);
    assert_eq!(needles_in_files(dir_b.path()), Vec::<String>::new());
}

#[test]
fn a_file_merged_into_a_file_erased_elsewhere_meanwhile_is_erased_too() {
    let (_dirs, mut a, mut b, kept) = two_pcs_with_the_patient();
    // The same person filed a second time at A, under another spelling and phone.
    let mut second = PatientRow {
        id: EntityId::new().to_string(),
        last_name: "Quasimodiere".into(),
        first_name: FIRST.into(),
        birth_date: "1988-02-29".into(),
        phones: vec!["+213770998877".into()],
        ..PatientRow::default()
    };
    a.write(|w| w.insert_patient(&mut second)).unwrap();
    a.write(|w| w.insert_medical_item(&allergy(&second.id)))
        .unwrap();
    sync(&a, &mut b);

    // Apart: A merges the second file into the first; B, not told, erases the first.
    a.write(|w| w.merge_patient_into(&second.id, &kept.id))
        .unwrap();
    b.write(|w| w.erase_patient(&kept.id, 1_700_000_000_000))
        .unwrap();
    assert!(
        chairside_store::erasure::unfinished_erasures(a.conn())
            .unwrap()
            .is_empty()
    );
    sync(&b, &mut a);
    sync(&a, &mut b);
    for store in [&a, &b] {
        assert_eq!(
            chairside_store::erasure::unfinished_erasures(store.conn()).unwrap(),
            vec![chairside_store::erasure::UnfinishedErasure {
                file: second.id.clone(),
                read_as: kept.id.clone(),
                erased_at_ms: 1_700_000_000_000
            }],
            "the merged file still names the person"
        );
    }

    // The sync finishes the erasure at the first PC that merges both; both PCs then agree.
    assert_eq!(b.finish_erasures().unwrap(), 1);
    assert_eq!(b.finish_erasures().unwrap(), 0, "nothing left to do");
    sync(&b, &mut a);
    assert_eq!(
        a.finish_erasures().unwrap(),
        0,
        "the erasure came with the sync"
    );
    let audited = chairside_store::audit::recent(b.conn(), 100)
        .unwrap()
        .into_iter()
        .find(|e| e.action == "patient.erase" && e.entity_id == second.id)
        .expect("the erasure is in the audit log");
    assert_eq!(
        audited.detail,
        format!("merged into erased file {}", kept.id)
    );
    assert_eq!(
        audited.user_id, "",
        "made by the PC, for an erasure someone made elsewhere"
    );
    for store in [&a, &b] {
        let row = patients::get(store.conn(), &second.id).unwrap().unwrap();
        assert_eq!(
            (row.last_name.as_str(), row.phones.len(), row.erased_at_ms),
            ("", 0, 1_700_000_000_000)
        );
        assert_eq!(row.birth_date, "1988");
        assert_eq!(
            logged(store, "770998877"),
            0,
            "no device keeps the phone in its log"
        );
        assert_eq!(logged(store, "Quasimodiere"), 0);
        let found =
            patients::search(store.conn(), &SearchQuery::parse("quasimodiere", "DZ"), 20).unwrap();
        assert!(
            found.is_empty(),
            "the second spelling finds nothing: {found:?}"
        );
        // The retained clinical record stays with the file.
        assert_eq!(
            medical::for_patient(store.conn(), &second.id)
                .unwrap()
                .len(),
            1
        );
    }
    // The sets that named the second file wait to be sealed again at the relay.
    let on_a = a.device_id().to_string();
    assert!(!sync_state::redactions(b.conn()).unwrap()[&on_a].is_empty());
}

/// Two PCs of one clinic that both hold the patient of [`populate`].
fn two_pcs_with_the_patient() -> (
    (tempfile::TempDir, tempfile::TempDir),
    Store,
    Store,
    PatientRow,
) {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b) = (create(dir_a.path()), create(dir_b.path()));
    let p = populate(&mut a);
    sync(&a, &mut b);
    ((dir_a, dir_b), a, b, p)
}

/// How many logged field values contain `needle`.
fn logged(store: &Store, needle: &str) -> i64 {
    store
        .conn()
        .query_row(
            "SELECT count(*) FROM field_change WHERE value LIKE ?1",
            [format!("%{needle}%")],
            |r| r.get(0),
        )
        .unwrap()
}
