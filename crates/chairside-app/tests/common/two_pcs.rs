//! Two PCs of one clinic through a real relay on loopback (in this process): the owner's PC,
//! set up and synced, and a second one that joined it with a pairing code. For the tests of what
//! crosses the relay (files, erasures, room at the relay).

use std::path::{Path, PathBuf};

use chairside_app::imaging::ImageDecoder;
use chairside_app::*;
use chairside_store::KdfParams;

use crate::common::{OWNER_PASSWORD, set_up_clinic};

/// A file of the shared DICOM corpus.
pub fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/dicom")
        .join(rel)
}

/// A relay on loopback keeping its files in `dir` (SQLite, no quota). Not every test file needs
/// one of its own (some keep a hand on the relay's storage).
#[allow(dead_code)]
pub fn loopback_relay(dir: &Path) -> String {
    use std::sync::Arc;
    let storage: Arc<dyn chairside_relay::Storage> =
        Arc::new(chairside_relay::SqliteStorage::open(&dir.join("relay.sqlite")).unwrap());
    let blobs = Arc::new(chairside_relay::FsBlobStore::open(&dir.join("relay-blobs")).unwrap());
    let router = chairside_relay::router_with(storage, blobs, chairside_relay::Limits::default());
    format!(
        "http://{}",
        chairside_relay::serve_on_loopback(router).unwrap()
    )
}

/// A PC's app on a data directory (fast key derivation, images decoded in this process).
pub fn pc(dir: &Path) -> App {
    App::new(dir)
        .with_kdf(KdfParams::FAST_INSECURE_FOR_TESTS)
        .with_image_decoder(ImageDecoder::InProcess)
}

/// PC A, the owner's, set up and synced with the relay at `relay_url`; then PC B, joined with a
/// pairing code, approved by A and synced, its owner signed in.
pub fn owner_pc_and_second_pc(work: &Path, relay_url: &str) -> (App, App) {
    let mut a = pc(&work.join("a"));
    set_up_clinic(&mut a, "database passphrase A");
    a.sync_now(Some(relay_url)).unwrap();
    let mut b = pc(&work.join("b"));
    let code = a.device_invite(None).unwrap().code;
    b.join_clinic(JoinClinicRequest {
        relay_url: relay_url.to_string(),
        code,
        device_name: "Fauteuil 2".into(),
        passphrase: Some("database passphrase B".into()),
    })
    .unwrap();
    let pending = a.pending_devices().unwrap();
    a.approve_device(&pending[0].device_id).unwrap();
    b.initial_sync().unwrap();
    b.sign_in(SignInRequest {
        username: "amel".into(),
        password: OWNER_PASSWORD.into(),
    })
    .unwrap();
    (a, b)
}

/// A new patient, born `birth_date` (YYYY-MM-DD), female: the tests' files need no more.
pub fn add_patient(app: &mut App, last_name: &str, first_name: &str, birth_date: &str) -> Patient {
    app.add_patient(PatientInput {
        last_name: last_name.into(),
        first_name: first_name.into(),
        birth_date: birth_date.into(),
        sex: "F".into(),
        ..PatientInput::default()
    })
    .unwrap()
}

/// Imports a corpus file into a patient's record; returns the image's id.
pub fn import(app: &mut App, patient: &Patient, file: &str) -> String {
    let outcome = app
        .import_image_file(&ImportFileRequest {
            patient_id: patient.id.clone(),
            path: corpus(file).display().to_string(),
            // The corpus files name other patients than this one.
            confirm_mismatch: true,
            teeth: vec![],
        })
        .unwrap();
    assert_eq!(outcome.status, ImportFileStatus::Ready, "{outcome:?}");
    outcome.image_id.unwrap()
}
