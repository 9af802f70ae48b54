//! The GDPR flows and whole-record views of the patient file through the application API: the
//! FHIR R4 export (validated against the official R4 JSON schema), erasure by pseudonymisation,
//! the timeline, guarantor links and the photo.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use std::sync::OnceLock;

use chairside_app::*;
use chairside_store::{KdfParams, Store, Unlock};
use common::*;
use serde_json::Value;

const PASSPHRASE: &str = "database passphrase";

fn clinic(dir: &std::path::Path) -> App {
    let mut app = App::new(dir).with_kdf(KdfParams::FAST_INSECURE_FOR_TESTS);
    set_up_clinic(&mut app, PASSPHRASE);
    app
}

fn sign_in(app: &mut App, username: &str, password: &str) {
    app.sign_in(SignInRequest {
        username: username.into(),
        password: password.into(),
    })
    .unwrap();
}

fn as_dentist(app: &mut App) {
    app.add_user(NewUserRequest {
        username: "karim".into(),
        display_name: "Dr Karim Haddad".into(),
        role: Role::Dentist,
        password: "dentist password 1".into(),
    })
    .unwrap();
    app.sign_out().unwrap();
    sign_in(app, "karim", "dentist password 1");
}

fn input(last: &str, first: &str, birth: &str, phone: &str) -> PatientInput {
    PatientInput {
        last_name: last.into(),
        first_name: first.into(),
        birth_date: birth.into(),
        sex: "F".into(),
        phones: vec![phone.into()],
        email: Some("sarah.meziane@example.dz".into()),
        address: "8 chemin des Crêtes, Hydra, Alger".into(),
        national_id: Some("1234567890".into()),
        notes: "Préfère les rendez-vous du matin".into(),
        ..PatientInput::default()
    }
}

/// A demo patient, given a full record by [`full_record`].
fn demo_patient(app: &mut App) -> Patient {
    app.add_demo_patients(20, 7).unwrap();
    let demo = app.search_patients("a").unwrap().remove(0);
    full_record(app, demo)
}

/// A patient whose name, phone and address appear nowhere else, with a full record.
fn unique_patient(app: &mut App) -> Patient {
    let mut me = input(
        "Zerrouki-Belkhodja",
        "Ouardia",
        "1988-09-23",
        "0770 98 76 54",
    );
    me.email = Some("ouardia.zb@example.dz".into());
    me.address = "41 impasse des Jacarandas, Blida".into();
    let p = app.add_patient(me).unwrap();
    full_record(app, p)
}

/// Gives a patient a full record: medical history of every kind, consents granted and
/// withdrawn, a referring dentist, notes, a guarantor and a photo.
fn full_record(app: &mut App, demo: Patient) -> Patient {
    let parent = app
        .add_patient(input("Meziane", "Sarah", "1970-02-11", "0661 22 33 44"))
        .unwrap();
    let edit = PatientInput {
        last_name: demo.last_name.clone(),
        first_name: demo.first_name.clone(),
        birth_date: demo.birth_date.clone(),
        sex: demo.sex.clone(),
        phones: demo.phones.clone(),
        email: demo.email.clone(),
        address: demo.address.clone(),
        national_id_kind: demo.national_id_kind.clone(),
        national_id: demo.national_id.clone(),
        notes: "Anxieux : prévoir du temps".into(),
        referring_dentist: "Dr Lounis".into(),
        guarantor_id: Some(parent.id.clone()),
        guarantor_relation: Some("parent".into()),
        ..PatientInput::default()
    };
    app.edit_patient(&demo.id, edit).unwrap();
    for (kind, label, detail, severity) in [
        (
            MedicalKind::Allergy,
            "Pénicilline",
            "urticaire géante",
            Some(Severity::High),
        ),
        (MedicalKind::Allergy, "Latex", "", Some(Severity::Low)),
        (MedicalKind::Medication, "Préviscan", "20 mg le soir", None),
        (
            MedicalKind::Condition,
            "Diabète de type 2",
            "HbA1c 7,2 %",
            None,
        ),
    ] {
        app.add_medical_item(
            &demo.id,
            MedicalItemInput {
                kind,
                label: label.into(),
                detail: detail.into(),
                severity,
                alert: false,
                noted_on: Some("2024-03-01".into()),
            },
        )
        .unwrap();
    }
    for (kind, granted) in [
        (ConsentKind::Treatment, true),
        (ConsentKind::DataProcessing, true),
        (ConsentKind::SmsReminders, true),
        (ConsentKind::SmsReminders, false),
    ] {
        app.record_consent(
            &demo.id,
            ConsentInput {
                kind,
                granted,
                text_version: "2024-01".into(),
            },
        )
        .unwrap();
    }
    // The dental chart: a caries settled by a restoration done, a crown found in place, a
    // planned extraction of a milk tooth, and a fracture struck out as charted in error.
    let chart = |app: &mut App, tooth: &str, surfaces: &str, kind, status| {
        app.add_chart_entry(
            &demo.id,
            ChartEntryInput {
                tooth: tooth.into(),
                surfaces: surfaces.into(),
                kind,
                status,
                material: None,
                note: String::new(),
                done_on: Some("2025-06-02".into()),
            },
        )
        .unwrap()
    };
    chart(app, "36", "MO", ChartKind::Caries, ChartStatus::Existing);
    chart(app, "36", "MOD", ChartKind::Restoration, ChartStatus::Done);
    chart(app, "46", "", ChartKind::Crown, ChartStatus::Existing);
    chart(app, "75", "", ChartKind::Extraction, ChartStatus::Planned);
    let fracture = chart(app, "11", "I", ChartKind::Fracture, ChartStatus::Existing);
    let fracture = fracture
        .chart
        .entries
        .iter()
        .find(|e| e.kind == ChartKind::Fracture)
        .unwrap()
        .id
        .clone();
    app.set_chart_entry_active(&fracture, false).unwrap();
    app.set_patient_photo(&demo.id, &png(640, 480)).unwrap();
    app.get_patient(&demo.id).unwrap()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn fhir_schema() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let text = include_str!("fixtures/fhir-r4.schema.json");
        let schema: Value = serde_json::from_str(text).unwrap();
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft6)
            .build(&schema)
            .unwrap()
    })
}

fn schema_errors(doc: &Value) -> Vec<String> {
    fhir_schema()
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect()
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

#[test]
fn the_fhir_export_of_a_demo_patient_is_valid_r4_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = demo_patient(&mut app);
    let bundle: Value = serde_json::from_str(&app.export_patient_fhir(&p.id).unwrap()).unwrap();

    assert_eq!(schema_errors(&bundle), Vec::<String>::new());
    assert_eq!(bundle["type"], "collection");
    let patient = resources(&bundle, "Patient");
    assert_eq!(patient.len(), 1);
    let patient = patient[0];
    assert_eq!(patient["name"][0]["family"], p.last_name.as_str());
    assert_eq!(patient["birthDate"], p.birth_date.as_str());
    assert_eq!(patient["telecom"][0]["value"], p.phones[0].as_str());
    assert_eq!(
        patient["contact"][0]["relationship"][0]["coding"][0]["code"],
        "PRN"
    );
    assert_eq!(patient["contact"][0]["name"]["family"], "Meziane");
    assert_eq!(patient["photo"][0]["contentType"], "image/jpeg");
    assert_eq!(patient["generalPractitioner"][0]["display"], "Dr Lounis");
    assert_eq!(
        patient["extension"][0]["valueString"],
        "Anxieux : prévoir du temps"
    );
    let allergies = resources(&bundle, "AllergyIntolerance");
    assert_eq!(allergies.len(), 2);
    let penicillin = allergies
        .iter()
        .find(|a| a["code"]["text"] == "Pénicilline")
        .unwrap();
    assert_eq!(penicillin["criticality"], "high");
    assert_eq!(penicillin["reaction"][0]["severity"], "severe");
    assert_eq!(penicillin["recorder"]["display"], "Dr Amel Benali");
    assert_eq!(resources(&bundle, "MedicationStatement").len(), 1);
    // The medical condition, and the chart's two findings.
    let conditions = resources(&bundle, "Condition");
    assert_eq!(conditions.len(), 3);
    let caries = conditions
        .iter()
        .find(|c| c["code"]["text"] == "caries")
        .unwrap();
    assert_eq!(
        caries["clinicalStatus"]["coding"][0]["code"], "resolved",
        "settled"
    );
    assert_eq!(caries["bodySite"][0]["coding"][0]["code"], "36");
    assert_eq!(caries["bodySite"][0]["text"], "tooth 36 (FDI), surfaces MO");
    let fracture = conditions
        .iter()
        .find(|c| c["code"]["text"] == "fracture")
        .unwrap();
    assert_eq!(
        fracture["verificationStatus"]["coding"][0]["code"],
        "entered-in-error"
    );
    let procedures: Vec<(String, String)> = resources(&bundle, "Procedure")
        .iter()
        .map(|p| {
            (
                p["code"]["text"].as_str().unwrap().to_string(),
                p["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(procedures.len(), 3);
    for expected in [
        ("restoration", "completed"),
        ("crown", "completed"),
        ("extraction", "preparation"),
    ] {
        assert!(
            procedures.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {procedures:?}"
        );
    }
    let extraction = resources(&bundle, "Procedure")
        .into_iter()
        .find(|p| p["code"]["text"] == "extraction")
        .unwrap();
    // A milk tooth has no code in R4's tooth system: named in the text only.
    assert!(extraction["bodySite"][0].get("coding").is_none());
    let consents = resources(&bundle, "Consent");
    assert_eq!(consents.len(), 4);
    let sms: Vec<&str> = consents
        .iter()
        .filter(|c| c["category"][0]["text"] == "sms_reminders")
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(sms.len(), 2);
    assert!(sms.contains(&"rejected"), "the withdrawal: {sms:?}");
    assert!(sms.contains(&"inactive"), "the superseded grant: {sms:?}");
    for r in resources(&bundle, "Condition") {
        assert_eq!(r["subject"]["reference"], format!("urn:uuid:{}", p.id));
    }
}

#[test]
fn the_schema_check_catches_an_invalid_bundle() {
    // The check above is only worth something if it can fail.
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = demo_patient(&mut app);
    let good: Value = serde_json::from_str(&app.export_patient_fhir(&p.id).unwrap()).unwrap();
    let mut bad = good.clone();
    bad["entry"][0]["resource"]["gender"] = "f".into();
    assert!(
        !schema_errors(&bad).is_empty(),
        "gender must be a FHIR code"
    );
    let mut bad = good.clone();
    bad["entry"][0]["resource"]["birthDate"] = "14/03/1985".into();
    assert!(
        !schema_errors(&bad).is_empty(),
        "birthDate must be a FHIR date"
    );
    let mut bad = good;
    bad["type"] = "folder".into();
    assert!(
        !schema_errors(&bad).is_empty(),
        "Bundle.type is a closed code list"
    );
}

#[test]
fn only_the_owner_erases_and_erasure_keeps_the_clinical_record_under_a_pseudonym() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = unique_patient(&mut app);
    let (last, first, phone) = (
        p.last_name.clone(),
        p.first_name.clone(),
        p.phones[0].clone(),
    );

    as_dentist(&mut app);
    let denied = app.erase_patient(&p.id).unwrap_err();
    assert_eq!(denied.code, code::PERMISSION_DENIED);
    assert!(
        app.export_patient_fhir(&p.id).is_ok(),
        "a dentist may export"
    );
    app.sign_out().unwrap();
    sign_in(&mut app, "amel", OWNER_PASSWORD);

    let report = app.erase_patient(&p.id).unwrap();
    assert!(report.wal_emptied);
    let erased = report.patient;
    assert_eq!(
        (erased.last_name.as_str(), erased.first_name.as_str()),
        ("", "")
    );
    assert!(erased.phones.is_empty() && erased.email.is_none() && erased.address.is_empty());
    assert!(erased.guarantor.is_none() && !erased.has_photo);
    assert_eq!(erased.birth_date, p.birth_date[..4]);
    assert_eq!(erased.file_number, p.file_number);
    assert!(erased.erased_at_ms.is_some());
    let retained: Vec<(String, u32)> = report
        .retained
        .iter()
        .map(|r| (r.kind.clone(), r.count))
        .collect();
    assert_eq!(
        retained,
        [
            ("medical_item".to_string(), 4),
            ("chart_entry".to_string(), 5),
            ("consent".to_string(), 4)
        ]
    );

    // The clinical record is still readable under the pseudonym.
    let history = app.medical_history(&p.id).unwrap();
    assert_eq!(history.items.len(), 4);
    assert!(history.alerts.iter().any(|a| a.label == "Pénicilline"));
    let bundle: Value = serde_json::from_str(&app.export_patient_fhir(&p.id).unwrap()).unwrap();
    assert_eq!(schema_errors(&bundle), Vec::<String>::new());
    let text = bundle.to_string();
    assert!(!text.contains(&last) && !text.contains(&phone));
    assert_eq!(resources(&bundle, "AllergyIntolerance").len(), 2);

    // Gone from search, refused for edits, not erasable twice.
    assert!(
        app.search_patients(&format!("{first} {last}"))
            .unwrap()
            .iter()
            .all(|f| f.id != p.id)
    );
    assert_eq!(app.search_patients(&p.file_number).unwrap()[0].id, p.id);
    let refused = app.edit_patient(
        &p.id,
        input("Nouveau", "Nom", "1990-01-01", "0550 00 00 00"),
    );
    assert_eq!(refused.unwrap_err().code, code::PATIENT_ERASED);
    assert_eq!(
        app.erase_patient(&p.id).unwrap_err().code,
        code::PATIENT_ERASED
    );
    let no_new_record = app.record_consent(
        &p.id,
        ConsentInput {
            kind: ConsentKind::Treatment,
            granted: true,
            text_version: "2025-01".into(),
        },
    );
    assert_eq!(no_new_record.unwrap_err().code, code::PATIENT_ERASED);
    let item = history.items[0].id.clone();
    assert_eq!(
        app.set_medical_item_active(&item, false).unwrap_err().code,
        code::PATIENT_ERASED
    );

    // The timeline shows the erasure; nothing in the whole database names the patient.
    let timeline = app.patient_timeline(&p.id).unwrap();
    assert_eq!(timeline[0].kind, "file_erased");
    app.sign_out().unwrap();
    drop(app);
    let store = Store::open(
        dir.path(),
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap();
    let conn = store.conn();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    for table in &tables {
        let columns: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for column in columns {
            let hits: i64 = conn
                .query_row(
                    &format!(
                        "SELECT count(*) FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE ?1
                         OR CAST(\"{column}\" AS TEXT) LIKE ?2 OR CAST(\"{column}\" AS TEXT) LIKE ?3"
                    ),
                    [
                        format!("%{last}%"),
                        format!("%{}%", &digits[3..]),
                        "%Jacarandas%".to_string(),
                    ],
                    |r| r.get(0),
                )
                .unwrap_or(0);
            assert_eq!(hits, 0, "{table}.{column} still names the patient");
        }
    }
}

#[test]
fn the_timeline_lists_the_history_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = demo_patient(&mut app);
    let timeline = app.patient_timeline(&p.id).unwrap();
    let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.last(), Some(&"file_created"));
    for kind in [
        "allergy",
        "medication",
        "condition",
        "consent_granted",
        "consent_withdrawn",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert!(
        timeline.windows(2).all(|w| w[0].at_ms >= w[1].at_ms),
        "newest first"
    );
    let allergy = timeline.iter().find(|e| e.label == "Pénicilline").unwrap();
    assert_eq!(allergy.recorded_by, "Dr Amel Benali");
    assert_eq!(allergy.detail, "urticaire géante");
}

#[test]
fn guarantor_links_are_checked_and_listed_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let parent = app
        .add_patient(input("Meziane", "Sarah", "1970-02-11", "0661 22 33 44"))
        .unwrap();
    let mut child = input("Meziane", "Lina", "2015-06-30", "0661 22 33 45");
    child.guarantor_id = Some(parent.id.clone());
    let err = app.add_patient(child.clone()).unwrap_err();
    assert_eq!(err.code, code::INVALID_INPUT);
    assert!(
        err.message.starts_with("guarantor_relation:"),
        "{}",
        err.message
    );
    child.guarantor_relation = Some("cousin".into());
    let err = app.add_patient(child.clone()).unwrap_err();
    assert!(
        err.message.starts_with("guarantor_relation:"),
        "{}",
        err.message
    );
    child.guarantor_relation = Some("parent".into());
    child.guarantor_id = Some("0190a5e2-0000-7000-8000-000000000000".into());
    let err = app.add_patient(child.clone()).unwrap_err();
    assert!(err.message.starts_with("guarantor_id:"), "{}", err.message);
    assert_eq!(
        app.search_patients("lina").unwrap().len(),
        0,
        "nothing written"
    );

    child.guarantor_id = Some(parent.id.clone());
    let lina = app.add_patient(child).unwrap();
    let named = lina.guarantor.clone().unwrap();
    assert_eq!(
        (named.id.as_str(), named.first_name.as_str()),
        (parent.id.as_str(), "Sarah")
    );
    assert_eq!(lina.guarantor_relation.as_deref(), Some("parent"));
    let dependents = app.patient_dependents(&parent.id).unwrap();
    assert_eq!(dependents.len(), 1);
    assert_eq!(dependents[0].id, lina.id);

    let mut own = input("Meziane", "Sarah", "1970-02-11", "0661 22 33 44");
    own.guarantor_id = Some(parent.id.clone());
    own.guarantor_relation = Some("other".into());
    let err = app.edit_patient(&parent.id, own).unwrap_err();
    assert!(err.message.contains("own guarantor"), "{}", err.message);
}

#[test]
fn photos_are_scaled_re_encoded_and_bad_files_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = app
        .add_patient(input("Meziane", "Sarah", "1970-02-11", "0661 22 33 44"))
        .unwrap();
    assert_eq!(app.patient_photo(&p.id).unwrap(), None);
    for bad in [&b"not a picture"[..], &png(40, 40)[..30]] {
        let err = app.set_patient_photo(&p.id, bad).unwrap_err();
        assert_eq!(err.code, code::INVALID_INPUT);
        assert!(err.message.starts_with("photo:"), "{}", err.message);
    }
    assert!(!app.get_patient(&p.id).unwrap().has_photo, "nothing stored");

    app.set_patient_photo(&p.id, &png(1600, 900)).unwrap();
    assert!(app.get_patient(&p.id).unwrap().has_photo);
    use base64::Engine as _;
    let stored = base64::engine::general_purpose::STANDARD
        .decode(app.patient_photo(&p.id).unwrap().unwrap())
        .unwrap();
    let img = image::load_from_memory(&stored).unwrap();
    assert_eq!(
        image::guess_format(&stored).unwrap(),
        image::ImageFormat::Jpeg
    );
    assert_eq!((img.width(), img.height()), (320, 180));
    app.remove_patient_photo(&p.id).unwrap();
    assert_eq!(app.patient_photo(&p.id).unwrap(), None);
}
