//! Writes the seeds of the `sync_record` fuzz target: real change sets, as a member PC of the
//! clinic writes them through the store, one of each kind of write (clinic settings, patients,
//! a concurrent edit of the patient the target's store holds, a duplicate of it, medical alerts,
//! consents, images and annotations, staff, devices, audit, an erasure, a merge of two files), as
//! the bare JSON they are sealed from. Each is numbered as the first set of its device, so that
//! it merges into the target's store rather than wait for the sets before it.
//!
//! Run: `cd fuzz && cargo run --bin sync_record_seeds` (writes `fuzz/seeds/sync_record/`).

use std::io::Read;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chairside_domain::{ClinicSettings, EntityId, Language, Role};
use chairside_protocol::associated_data;
use chairside_store::consents::ConsentRow;
use chairside_store::images::{AnnotationRow, ImageRow};
use chairside_store::medical::MedicalRow;
use chairside_store::users::StaffUser;
use chairside_store::{KdfParams, NewKey, Store};
use chairside_sync::{ClinicKey, seal};

#[path = "../fuzz_targets/sync_record_clinic.rs"]
mod clinic;

/// One kind of write a person makes on the member PC.
type Write<'a> = Box<dyn Fn(&mut Store) + 'a>;

fn main() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/sync_record");
    std::fs::create_dir_all(&out).expect("seed folder");
    let tmp = std::env::temp_dir().join(format!("chairside-seeds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut member = Store::create(
        &tmp,
        NewKey::Passphrase {
            passphrase: "seeds",
            params: KdfParams::FAST_INSECURE_FOR_TESTS,
        },
        "member PC",
    )
    .expect("member store");
    // The member holds the patient on file too (it came with an earlier sync), to edit it.
    let mut on_file = clinic::patient_on_file();
    member.write(|w| w.insert_patient(&mut on_file)).unwrap();
    let image = EntityId::new().to_string();
    let now = 1_764_000_000_000;
    let writes: Vec<(&str, Write<'_>)> = vec![
        (
            "clinic-settings",
            Box::new(|s: &mut Store| {
                let settings = ClinicSettings::parse(
                    "Cabinet Fuzz et associés",
                    "12 rue Didouche Mourad",
                    "Africa/Algiers",
                    "DZ",
                    Language::French,
                )
                .unwrap();
                s.write(|w| w.save_clinic(clinic::CLINIC_ROW.parse().unwrap(), &settings))
                    .unwrap();
            }),
        ),
        (
            "new-patient-duplicate",
            Box::new(|s: &mut Store| {
                let mut p = clinic::patient_on_file();
                p.id = EntityId::new().to_string();
                p.notes = "Vu à l'accueil".into();
                s.write(|w| w.insert_patient(&mut p)).unwrap();
            }),
        ),
        (
            "edit-patient-on-file",
            Box::new(|s: &mut Store| {
                let mut p = clinic::patient_on_file();
                p.notes = "Allergie pénicilline, latex".into();
                p.phones.push("+213661000002".into());
                s.write(|w| w.update_patient(&p)).unwrap();
            }),
        ),
        (
            "medical-alert",
            Box::new(|s: &mut Store| {
                let item = MedicalRow {
                    id: EntityId::new().to_string(),
                    patient_id: clinic::PATIENT.to_string(),
                    kind: "allergy".into(),
                    label: "Latex".into(),
                    detail: "urticaire".into(),
                    severity: "severe".into(),
                    alert: true,
                    noted_on: "2026-11-20".into(),
                    recorded_by: EntityId::new().to_string(),
                    recorded_at_ms: now,
                    active: true,
                };
                s.write(|w| w.insert_medical_item(&item)).unwrap();
            }),
        ),
        (
            "consent",
            Box::new(|s: &mut Store| {
                let c = ConsentRow {
                    id: EntityId::new().to_string(),
                    patient_id: clinic::PATIENT.to_string(),
                    kind: "treatment".into(),
                    granted: true,
                    text_version: "2026-01".into(),
                    recorded_by: EntityId::new().to_string(),
                    recorded_at_ms: now,
                };
                s.write(|w| w.append_consent(&c)).unwrap();
            }),
        ),
        (
            "image-and-annotation",
            Box::new(|s: &mut Store| {
                let row = ImageRow {
                    id: image.clone(),
                    patient_id: clinic::PATIENT.to_string(),
                    blob_sha256: "ab".repeat(32),
                    format: "dicom".into(),
                    modality: "IO".into(),
                    taken_on: "2026-11-20".into(),
                    file_name: "bitewing.dcm".into(),
                    width: 1200,
                    height: 900,
                    frames: 1,
                    spacing_row_mm: 0.05,
                    spacing_col_mm: 0.05,
                    spacing_source: "pixel_spacing".into(),
                    window_center: 2048.0,
                    window_width: 4096.0,
                    teeth: "36,37".into(),
                    thumbnail: vec![0xff, 0xd8, 0xff, 0xd9],
                    imported_by: EntityId::new().to_string(),
                    imported_at_ms: now,
                    ..ImageRow::default()
                };
                s.write(|w| w.insert_image(&row)).unwrap();
                let a = AnnotationRow {
                    id: EntityId::new().to_string(),
                    image_id: image.clone(),
                    kind: "ruler".into(),
                    points: "[[120.5,80.0],[410.0,95.25]]".into(),
                    note: "lésion distale 36".into(),
                    created_by: EntityId::new().to_string(),
                    created_at_ms: now,
                };
                s.write(|w| w.insert_annotation(&a)).unwrap();
            }),
        ),
        (
            "staff",
            Box::new(|s: &mut Store| {
                let u = StaffUser {
                    id: EntityId::new(),
                    username: "nadia".into(),
                    display_name: "Nadia Haddad".into(),
                    role: Role::Receptionist,
                    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into(),
                    active: true,
                };
                s.write(|w| w.insert_user(&u)).unwrap();
            }),
        ),
        (
            "devices",
            Box::new(|s: &mut Store| {
                let d = EntityId::new().to_string();
                s.write(|w| {
                    w.save_device(&d, "Fauteuil 2", now)?;
                    w.mark_device_revoked(&d)
                })
                .unwrap();
            }),
        ),
        (
            "audit",
            Box::new(|s: &mut Store| {
                s.write(|w| {
                    w.audit(chairside_store::audit::AuditRecord {
                        user_id: "u",
                        action: "patient.view",
                        entity: "patient",
                        entity_id: clinic::PATIENT,
                        outcome: "ok",
                        detail: "",
                    })
                    .map(|_| ())
                })
                .unwrap();
            }),
        ),
        (
            "erasure",
            Box::new(|s: &mut Store| {
                s.write(|w| w.erase_patient(clinic::PATIENT, now)).unwrap();
            }),
        ),
    ];
    let key = ClinicKey::from_hex(&hex::encode(clinic::KEY)).unwrap();
    let device = member.device_id();
    for (name, write) in writes {
        let before = chairside_store::changes::head(member.conn(), &device.to_string()).unwrap();
        write(&mut member);
        let head = chairside_store::changes::head(member.conn(), &device.to_string()).unwrap();
        for idx in before + 1..=head {
            let set = chairside_store::changes::read_change_set(member.conn(), device, idx)
                .unwrap()
                .expect("the set just written");
            let json = first_set_json(&key, &set);
            let file = if head > before + 1 {
                format!("{name}-{idx}.json")
            } else {
                format!("{name}.json")
            };
            std::fs::write(out.join(file), json).unwrap();
        }
    }
    // One seed as the app seals it (DEFLATE behind its tag), for the inflating path.
    let set = chairside_store::changes::read_change_set(member.conn(), device, 3)
        .unwrap()
        .unwrap();
    let record = seal::seal(&key, clinic::CLINIC, &set).unwrap();
    std::fs::write(out.join("deflated-new-patient.bin"), plaintext(&record)).unwrap();
    // The same new file, with the patient on file merged into it in the same set (the merge
    // code: a person merges files with one field write, `merged_into`).
    let mut merge = set.clone();
    let new_file = set.changes[0].row_id.clone();
    let last = set
        .changes
        .iter()
        .map(|c| c.hlc.to_i64())
        .max()
        .unwrap_or(0);
    merge.changes.push(chairside_store::FieldChange {
        table: "patient".into(),
        row_id: clinic::PATIENT.into(),
        field: "merged_into".into(),
        value: chairside_store::Value::Text(new_file),
        hlc: chairside_domain::Hlc::from_i64(last + 1),
    });
    std::fs::write(
        out.join("new-patient-and-merge.json"),
        first_set_json(&key, &merge),
    )
    .unwrap();
    drop(member);
    let _ = std::fs::remove_dir_all(&tmp);
    println!("seeds written to {}", out.display());
}

/// The bare JSON a set is sealed from, renumbered as the first set of its device.
fn first_set_json(key: &ClinicKey, set: &chairside_store::ChangeSet) -> Vec<u8> {
    let mut first = set.clone();
    first.idx = 1;
    let record = seal::seal(key, clinic::CLINIC, &first).unwrap();
    let sealed = plaintext(&record);
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(&sealed[1..])
        .read_to_end(&mut json)
        .unwrap();
    json
}

/// A record's plaintext, opened with the fuzz target's key.
fn plaintext(record: &chairside_protocol::Record) -> Vec<u8> {
    XChaCha20Poly1305::new((&clinic::KEY).into())
        .decrypt(
            XNonce::from_slice(&record.nonce.0),
            Payload {
                msg: &record.ciphertext.0,
                aad: &associated_data(clinic::CLINIC, &record.device_id, record.idx),
            },
        )
        .unwrap()
}
