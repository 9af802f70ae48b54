//! Patient use cases through the application API: validation by field with nothing written,
//! search as people type, duplicates flagged, permissions, and an audit log free of names.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use chairside_app::*;
use chairside_store::{KdfParams, Store, Unlock};

const PASSPHRASE: &str = "database passphrase";

fn clinic(dir: &std::path::Path) -> App {
    let mut app = App::new(dir).with_kdf(KdfParams::FAST_INSECURE_FOR_TESTS);
    app.setup(SetupRequest {
        clinic_name: "Cabinet El Biar".into(),
        address: String::new(),
        timezone: "Africa/Algiers".into(),
        phone_region: "DZ".into(),
        language: Language::French,
        owner_username: "amel".into(),
        owner_display_name: String::new(),
        owner_password: "owner password 1".into(),
        passphrase: Some(PASSPHRASE.into()),
    })
    .unwrap();
    app.sign_in(SignInRequest {
        username: "amel".into(),
        password: "owner password 1".into(),
    })
    .unwrap();
    app
}

fn helene() -> PatientInput {
    PatientInput {
        last_name: "Dupré".into(),
        first_name: "Hélène".into(),
        birth_date: "1975-05-02".into(),
        sex: "F".into(),
        phones: vec!["0555 12 34 56".into()],
        email: Some("helene.dupre@example.dz".into()),
        address: "12 rue Didouche Mourad, Alger".into(),
        ..PatientInput::default()
    }
}

/// Everything the store holds, as text: what a refused call must leave unchanged.
fn dump(dir: &std::path::Path) -> String {
    let store = Store::open(
        dir,
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap();
    let mut out = String::new();
    for table in ["patient", "field_change", "change_set"] {
        let n: i64 = store
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        out.push_str(&format!("{table}={n};"));
    }
    out
}

#[test]
fn invalid_input_is_refused_by_field_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let before = dump(dir.path());
    type Mutation = fn(&mut PatientInput);
    let cases: [(Mutation, &str); 6] = [
        (|p| p.phones = vec!["12 34".into()], "phone"),
        (|p| p.birth_date = "2099-01-01".into(), "birth_date"),
        (|p| p.last_name = "   ".into(), "last_name"),
        (|p| p.sex = "Z".into(), "sex"),
        (|p| p.email = Some("helene@".into()), "email"),
        (
            |p| {
                p.national_id_kind = Some("be_nrn".into());
                p.national_id = Some("85.07.30-033.29".into());
            },
            "national_id",
        ),
    ];
    for (mutate, field) in cases {
        let mut input = helene();
        mutate(&mut input);
        let err = app.add_patient(input).unwrap_err();
        assert_eq!(err.code, code::INVALID_INPUT, "{field}: {err:?}");
        assert!(
            err.message.starts_with(&format!("{field}:")),
            "{field}: {}",
            err.message
        );
    }
    // Refusals write audit entries (who tried what), but no patient data.
    let after = dump(dir.path());
    assert!(after.starts_with("patient=0;"), "{before} -> {after}");
}

#[test]
fn search_finds_accents_prefixes_and_phones_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let created = app.add_patient(helene()).unwrap();
    assert_eq!(created.phones, ["+213555123456"]);
    assert!(created.age >= 50);
    app.add_patient(PatientInput {
        last_name: "Benali".into(),
        first_name: "Mohamed".into(),
        birth_date: "1980-01-20".into(),
        sex: "M".into(),
        ..PatientInput::default()
    })
    .unwrap();
    let ids = |found: Vec<Patient>| found.into_iter().map(|p| p.first_name).collect::<Vec<_>>();
    assert_eq!(ids(app.search_patients("helene dup").unwrap()), ["Hélène"]);
    assert_eq!(
        ids(app.search_patients("0555 12 34 56").unwrap()),
        ["Hélène"]
    );
    assert_eq!(ids(app.search_patients("ben moh").unwrap()), ["Mohamed"]);
    assert_eq!(
        ids(app.search_patients(&created.file_number).unwrap()),
        ["Hélène"],
        "{}",
        created.file_number
    );
    assert_eq!(ids(app.search_patients("02/05/1975").unwrap()), ["Hélène"]);
    assert!(app.search_patients("").unwrap().is_empty());
}

#[test]
fn duplicates_are_flagged_never_merged() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let first = app.add_patient(helene()).unwrap();
    let mut again = helene();
    again.phones.clear();
    again.last_name = "DUPRE".into();
    let err = app.add_patient(again.clone()).unwrap_err();
    assert_eq!(err.code, code::POSSIBLE_DUPLICATE);
    assert!(err.message.contains(&first.file_number), "{}", err.message);
    again.allow_duplicate = true;
    let second = app.add_patient(again).unwrap();
    assert_ne!(second.id, first.id);
    assert_ne!(second.file_number, first.file_number);
    // The person said "another person": that decision is kept, so the pair is not flagged.
    assert!(app.duplicate_pairs().unwrap().is_empty());

    // An edit that makes two files look alike flags them for review instead.
    let mut third = helene();
    third.first_name = "Hélèna".into();
    third.phones = vec!["0770 11 22 33".into()];
    let third = app.add_patient(third).unwrap();
    let mut edit = helene();
    edit.phones = vec!["0770 11 22 33".into()];
    edit.first_name = "Hélèna".into();
    edit.birth_date = "1990-01-01".into();
    app.edit_patient(&second.id, edit).unwrap();
    let pairs = app.duplicate_pairs().unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    let mut ids = [pairs[0].a.id.clone(), pairs[0].b.id.clone()];
    ids.sort();
    let mut expected = [second.id.clone(), third.id.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(pairs[0].reason, "phone");
    app.mark_distinct(&third.id, &second.id).unwrap();
    assert!(app.duplicate_pairs().unwrap().is_empty());
    assert_eq!(
        app.mark_distinct(&third.id, &third.id).unwrap_err().code,
        code::INVALID_INPUT
    );
}

#[test]
fn edits_keep_the_file_number_and_the_audit_log_holds_no_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = app.add_patient(helene()).unwrap();
    let mut input = helene();
    input.phones = vec!["+32 470 12 34 56".into()];
    input.notes = "Allergie à la pénicilline".into();
    let edited = app.edit_patient(&p.id, input).unwrap();
    assert_eq!(edited.file_number, p.file_number);
    assert_eq!(edited.phones, ["+32470123456"]);
    assert_eq!(
        app.get_patient(&p.id).unwrap().notes,
        "Allergie à la pénicilline"
    );
    app.search_patients("helene").unwrap();
    assert_eq!(
        app.get_patient("01a00000-0000-7000-8000-000000000000")
            .unwrap_err()
            .code,
        code::NOT_FOUND
    );

    let store = Store::open(
        dir.path(),
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap();
    let audit: Vec<String> = store
        .conn()
        .prepare("SELECT action || ' ' || entity_id || ' ' || detail FROM audit_event")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let text = audit.join("\n");
    for action in [
        "patient.create",
        "patient.update",
        "patient.read",
        "patient.search",
    ] {
        assert!(text.contains(action), "{action} missing from\n{text}");
    }
    for private in [
        "Dupré",
        "Hélène",
        "helene",
        "555123456",
        "Didouche",
        "pénicilline",
    ] {
        assert!(
            !text.contains(private),
            "{private} leaked into the audit log:\n{text}"
        );
    }
}

#[test]
fn front_desk_and_assistants_see_patients_but_only_owners_make_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    for (name, role) in [("sofia", Role::Receptionist), ("nadia", Role::Assistant)] {
        app.add_user(NewUserRequest {
            username: name.into(),
            display_name: String::new(),
            role,
            password: "staff password 1".into(),
        })
        .unwrap();
    }
    app.sign_out().unwrap();
    app.sign_in(SignInRequest {
        username: "sofia".into(),
        password: "staff password 1".into(),
    })
    .unwrap();
    let p = app.add_patient(helene()).unwrap();
    assert_eq!(app.search_patients("dupre").unwrap().len(), 1);
    assert_eq!(
        app.add_demo_patients(10, 1).unwrap_err().code,
        code::PERMISSION_DENIED
    );
    app.sign_out().unwrap();
    app.sign_in(SignInRequest {
        username: "nadia".into(),
        password: "staff password 1".into(),
    })
    .unwrap();
    assert_eq!(app.get_patient(&p.id).unwrap().last_name, "Dupré");
    app.sign_out().unwrap();
    app.sign_in(SignInRequest {
        username: "amel".into(),
        password: "owner password 1".into(),
    })
    .unwrap();
    assert_eq!(app.add_demo_patients(250, 3).unwrap(), 250);
    assert!(app.search_patients("b").unwrap().len() <= SEARCH_LIMIT as usize);
}

#[test]
fn medical_history_is_dated_attributed_and_feeds_the_red_banner() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = app.add_patient(helene()).unwrap();
    let item = |kind, label: &str, detail: &str| MedicalItemInput {
        kind,
        label: label.into(),
        detail: detail.into(),
        severity: None,
        alert: false,
        noted_on: None,
    };
    let mut allergy = item(MedicalKind::Allergy, "Pénicilline", "urticaire");
    allergy.severity = Some(Severity::High);
    app.add_medical_item(&p.id, allergy).unwrap();
    app.add_medical_item(
        &p.id,
        item(MedicalKind::Medication, "Warfarine", "5 mg par jour"),
    )
    .unwrap();
    let history = app
        .add_medical_item(
            &p.id,
            item(MedicalKind::Medication, "Paracétamol", "si douleur"),
        )
        .unwrap();
    assert_eq!(history.items.len(), 3);
    let alerts: Vec<&str> = history.alerts.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert!(
        alerts.contains(&"Pénicilline") && alerts.contains(&"Warfarine"),
        "{alerts:?}"
    );
    let first = &history.items[0];
    assert_eq!(
        first.recorded_by, "amel",
        "attributed to the signed-in user"
    );
    assert!(first.noted_on.is_some(), "dated");

    // Stopping the anticoagulant takes it off the banner; the history keeps it.
    let warfarin = history
        .items
        .iter()
        .find(|i| i.label == "Warfarine")
        .unwrap()
        .id
        .clone();
    let history = app.set_medical_item_active(&warfarin, false).unwrap();
    assert_eq!(history.items.len(), 3);
    assert_eq!(history.alerts.len(), 1);

    // Refusals name the field and write nothing.
    let mut bad = item(MedicalKind::Condition, "Diabète", "");
    bad.severity = Some(Severity::Low);
    assert!(
        app.add_medical_item(&p.id, bad)
            .unwrap_err()
            .message
            .starts_with("severity:")
    );
    assert!(
        app.add_medical_item(&p.id, item(MedicalKind::Allergy, " ", ""))
            .unwrap_err()
            .message
            .starts_with("label:")
    );
    let mut future = item(MedicalKind::Condition, "Grossesse", "");
    future.noted_on = Some("2099-01-01".into());
    assert!(
        app.add_medical_item(&p.id, future)
            .unwrap_err()
            .message
            .starts_with("noted_on:")
    );
    assert_eq!(app.medical_history(&p.id).unwrap().items.len(), 3);
    assert_eq!(
        app.medical_history("01a00000-0000-7000-8000-000000000000")
            .unwrap_err()
            .code,
        code::NOT_FOUND
    );
}

#[test]
fn consents_are_versioned_attributed_and_withdrawn_by_a_new_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = app.add_patient(helene()).unwrap();
    let none = app.consents(&p.id).unwrap();
    assert_eq!(none.status.len(), 4);
    assert!(none.status.iter().all(|s| s.current.is_none()));

    let give = |kind, granted, version: &str| ConsentInput {
        kind,
        granted,
        text_version: version.into(),
    };
    app.record_consent(&p.id, give(ConsentKind::SmsReminders, true, "v1"))
        .unwrap();
    app.record_consent(&p.id, give(ConsentKind::DataProcessing, true, "2026-01"))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2));
    let after = app
        .record_consent(&p.id, give(ConsentKind::SmsReminders, false, "v1"))
        .unwrap();
    assert_eq!(
        after.history.len(),
        3,
        "withdrawing adds a record, it edits none"
    );
    let sms = after
        .status
        .iter()
        .find(|s| s.kind == ConsentKind::SmsReminders)
        .unwrap();
    let current = sms.current.as_ref().unwrap();
    assert!(!current.granted);
    assert_eq!(current.recorded_by, "amel");
    let data = after
        .status
        .iter()
        .find(|s| s.kind == ConsentKind::DataProcessing)
        .unwrap();
    assert_eq!(data.current.as_ref().unwrap().text_version, "2026-01");

    let err = app
        .record_consent(&p.id, give(ConsentKind::Treatment, true, "  "))
        .unwrap_err();
    assert!(err.message.starts_with("text_version:"), "{}", err.message);
    assert_eq!(app.consents(&p.id).unwrap().history.len(), 3);

    // The table is append-only underneath too.
    let store = Store::open(
        dir.path(),
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap();
    assert!(
        store
            .conn()
            .execute("UPDATE consent SET granted = 1", [])
            .is_err()
    );
    assert!(store.conn().execute("DELETE FROM consent", []).is_err());
}

#[test]
fn the_merge_preview_shows_what_differs_starts_on_the_older_file_and_its_defaults_merge() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let older = app.add_patient(helene()).unwrap();
    // The second desk's file: the name typed in capitals without its accent (spaces around it
    // do not count), an e-mail, another phone, and the first file named as its guarantor.
    let mut input = helene();
    input.last_name = "  DUPRE ".into();
    input.first_name = format!(" {} ", input.first_name);
    input.phones = vec!["0770 11 22 33".into()];
    input.email = Some("h.dupre@example.dz".into());
    input.referring_dentist = "Dr Haddad".into();
    input.guarantor_id = Some(older.id.clone());
    input.guarantor_relation = Some("other".into());
    input.allow_duplicate = true;
    let newer = app.add_patient(input).unwrap();
    let request = |kept_id: Option<&str>| MergePreviewRequest {
        first_id: newer.id.clone(),
        second_id: older.id.clone(),
        kept_id: kept_id.map(str::to_string),
    };
    let details = |preview: &MergePreview| -> Vec<(String, MergeSide, bool, bool)> {
        preview
            .details
            .iter()
            .map(|d| {
                (
                    d.field.clone(),
                    d.default_side,
                    d.kept_allowed,
                    d.retired_allowed,
                )
            })
            .collect()
    };

    // No choice made: the older file is kept, whatever the order asked.
    let preview = app.merge_preview(request(None)).unwrap();
    assert_eq!(
        (preview.kept.id.as_str(), preview.retired.id.as_str()),
        (older.id.as_str(), newer.id.as_str())
    );
    assert!(preview.kept_created_at_ms <= preview.retired_created_at_ms);
    assert_eq!(
        details(&preview),
        vec![
            ("last_name".into(), MergeSide::Kept, true, true),
            ("email".into(), MergeSide::Kept, true, true),
            // The kept file names no referring dentist: the one given is proposed.
            ("referring_dentist".into(), MergeSide::Retired, true, true),
            // The newer file's guarantor is the older file: it cannot stay.
            ("guarantor".into(), MergeSide::Kept, true, false),
        ]
    );
    assert_eq!(
        preview.phones.len(),
        2,
        "both files' phones: {:?}",
        preview.phones
    );
    assert_eq!(preview.phones[0], older.phones[0], "the kept file's first");
    assert!(!preview.takes_photo);

    // The other file kept: each default follows.
    let preview = app.merge_preview(request(Some(&newer.id))).unwrap();
    assert_eq!(preview.kept.id, newer.id);
    assert_eq!(
        details(&preview),
        vec![
            ("last_name".into(), MergeSide::Kept, true, true),
            ("email".into(), MergeSide::Kept, true, true),
            ("referring_dentist".into(), MergeSide::Kept, true, true),
            ("guarantor".into(), MergeSide::Retired, false, true),
        ]
    );
    // The preview's defaults are a merge the app accepts.
    let take_from_retired: Vec<String> = preview
        .details
        .iter()
        .filter(|d| d.default_side == MergeSide::Retired)
        .map(|d| d.field.clone())
        .collect();
    let merged = app
        .merge_patients(MergePatientsRequest {
            kept_id: newer.id.clone(),
            retired_id: older.id.clone(),
            take_from_retired,
        })
        .unwrap();
    assert_eq!(
        merged.guarantor, None,
        "the guarantor that could not stay is gone"
    );
    assert_eq!(merged.email.as_deref(), Some("h.dupre@example.dz"));
    assert_eq!(merged.referring_dentist, "Dr Haddad");

    // Refused as the merge would be: a file merged already, a file that is not one of the pair.
    let err = app.merge_preview(request(None)).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.reason.as_deref()),
        (code::CONFLICT, Some(error::reason::FILE_MERGED))
    );
    let mut input = helene();
    input.allow_duplicate = true;
    let third = app.add_patient(input).unwrap();
    let err = app
        .merge_preview(MergePreviewRequest {
            first_id: newer.id.clone(),
            second_id: third.id.clone(),
            kept_id: Some(older.id.clone()),
        })
        .unwrap_err();
    assert_eq!(err.code, code::INVALID_INPUT);
    assert!(
        err.message.contains("neither of the two files"),
        "{}",
        err.message
    );
}

#[test]
fn the_same_person_filed_twice_is_merged_by_a_person_nothing_is_lost_and_it_can_be_separated() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let kept = app.add_patient(helene()).unwrap();
    // The second desk's file: another phone and e-mail, first typed with another birth date.
    let mut input = helene();
    input.last_name = "DUPRE".into();
    input.birth_date = "1975-02-05".into();
    input.phones = vec!["0770 11 22 33".into()];
    input.email = Some("h.dupre@example.dz".into());
    let retired = app.add_patient(input.clone()).unwrap();
    input.birth_date = "1975-05-02".into();
    app.edit_patient(&retired.id, input).unwrap();
    assert_eq!(app.duplicate_pairs().unwrap().len(), 1);
    let allergy = |label: &str| MedicalItemInput {
        kind: MedicalKind::Allergy,
        label: label.into(),
        detail: String::new(),
        severity: Some(Severity::High),
        alert: true,
        noted_on: None,
    };
    app.add_medical_item(&kept.id, allergy("Pénicilline"))
        .unwrap();
    app.add_medical_item(&retired.id, allergy("Latex")).unwrap();

    // Refused, with nothing written: one file twice, a detail that cannot be taken.
    let before = dump(dir.path());
    let merge = |take: &[&str]| MergePatientsRequest {
        kept_id: kept.id.clone(),
        retired_id: retired.id.clone(),
        take_from_retired: take.iter().map(|s| s.to_string()).collect(),
    };
    let mut same = merge(&[]);
    same.retired_id = kept.id.clone();
    assert_eq!(
        app.merge_patients(same).unwrap_err().code,
        code::INVALID_INPUT
    );
    let err = app.merge_patients(merge(&["file_number"])).unwrap_err();
    assert_eq!(err.code, code::INVALID_INPUT);
    assert!(err.message.contains("file_number"), "{}", err.message);
    assert_eq!(dump(dir.path()), before);

    // A guarantor that is one of the two files would make the kept file its own guarantor.
    let mut own = helene();
    own.last_name = "DUPRE".into();
    own.phones = vec!["0770 11 22 33".into()];
    own.email = Some("h.dupre@example.dz".into());
    own.guarantor_id = Some(kept.id.clone());
    own.guarantor_relation = Some("other".into());
    app.edit_patient(&retired.id, own.clone()).unwrap();
    let err = app.merge_patients(merge(&["guarantor"])).unwrap_err();
    assert_eq!(err.code, code::INVALID_INPUT);
    assert_eq!(
        err.reason.as_deref(),
        Some(error::reason::GUARANTOR_IN_MERGE)
    );
    own.guarantor_id = None;
    own.guarantor_relation = None;
    app.edit_patient(&retired.id, own).unwrap();

    let merged = app.merge_patients(merge(&["email"])).unwrap();
    assert_eq!(merged.id, kept.id);
    assert_eq!(merged.file_number, kept.file_number);
    assert_eq!(merged.last_name, "Dupré", "the kept file's name stays");
    assert_eq!(merged.email.as_deref(), Some("h.dupre@example.dz"));
    assert_eq!(
        merged.phones.len(),
        2,
        "both files' phones: {:?}",
        merged.phones
    );
    assert_eq!(merged.merged_files.len(), 1);
    assert_eq!(merged.merged_files[0].file_number, retired.file_number);
    // The red banner holds both files' allergies.
    let history = app.medical_history(&kept.id).unwrap();
    let mut alerts: Vec<&str> = history.alerts.iter().map(|a| a.label.as_str()).collect();
    alerts.sort();
    assert_eq!(alerts, ["Latex", "Pénicilline"]);
    // One file is found, by either file's phone; the pair left the review.
    for query in ["dupre", "0770112233", "0555123456"] {
        let found = app.search_patients(query).unwrap();
        assert_eq!(found.len(), 1, "{query}");
        assert_eq!(found[0].id, kept.id, "{query}");
    }
    assert!(app.duplicate_pairs().unwrap().is_empty());
    // The retired file's id opens the kept file; it cannot be edited or merged on its own.
    assert_eq!(app.get_patient(&retired.id).unwrap().id, kept.id);
    assert_eq!(
        app.edit_patient(&retired.id, helene()).unwrap_err().code,
        code::CONFLICT
    );
    let err = app.merge_patients(merge(&[])).unwrap_err();
    assert_eq!(err.code, code::CONFLICT);
    assert_eq!(err.reason.as_deref(), Some(error::reason::FILE_MERGED));

    // The GDPR export holds both files: the retired one inactive, linked both ways (FHIR).
    let bundle: serde_json::Value =
        serde_json::from_str(&app.export_patient_fhir(&kept.id).unwrap()).unwrap();
    let resources: Vec<&serde_json::Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let patients: Vec<&&serde_json::Value> = resources
        .iter()
        .filter(|r| r["resourceType"] == "Patient")
        .collect();
    assert_eq!(patients.len(), 2);
    assert_eq!(patients[0]["id"], kept.id.as_str());
    assert_eq!(patients[0]["link"][0]["type"], "replaces");
    assert_eq!(patients[1]["id"], retired.id.as_str());
    assert_eq!(patients[1]["active"], false);
    assert_eq!(patients[1]["link"][0]["type"], "replaced-by");
    let allergies = resources
        .iter()
        .filter(|r| r["resourceType"] == "AllergyIntolerance")
        .count();
    assert_eq!(allergies, 2);

    // Separated (a mistake): the retired file stands again with its own allergy.
    let separated = app.separate_patient(&retired.id).unwrap();
    assert_eq!(separated.id, retired.id);
    assert!(app.get_patient(&kept.id).unwrap().merged_files.is_empty());
    let labels = |app: &mut App, id: &str| -> Vec<String> {
        app.medical_history(id)
            .unwrap()
            .items
            .into_iter()
            .map(|i| i.label)
            .collect()
    };
    assert_eq!(labels(&mut app, &kept.id), ["Pénicilline"]);
    assert_eq!(labels(&mut app, &retired.id), ["Latex"]);
    assert_eq!(
        app.duplicate_pairs().unwrap().len(),
        1,
        "back for a person to decide"
    );
    assert_eq!(
        app.separate_patient(&retired.id).unwrap_err().code,
        code::CONFLICT
    );

    // Merged again then erased on request: both files of the person lose their identity.
    app.merge_patients(merge(&[])).unwrap();
    app.erase_patient(&kept.id).unwrap();
    let store = Store::open(
        dir.path(),
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap();
    for id in [&kept.id, &retired.id] {
        let row = chairside_store::patients::get(store.conn(), id)
            .unwrap()
            .unwrap();
        assert!(row.erased_at_ms > 0 && row.last_name.is_empty(), "{row:?}");
    }
}
