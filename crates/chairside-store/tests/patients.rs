//! Patients in the store: file numbers, search (names, phones, numbers, dates), the index kept
//! in step by local writes and by merges, duplicate detection.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use chairside_domain::EntityId;
use chairside_domain::patient::SearchQuery;
use chairside_store::changes::{heads, read_change_set};
use chairside_store::patients::{self, PatientRow};
use chairside_store::schema::PATIENT;
use chairside_store::{Store, Value};
use common::*;

fn patient(last: &str, first: &str, birth: &str, phones: &[&str]) -> PatientRow {
    PatientRow {
        id: EntityId::new().to_string(),
        last_name: last.into(),
        first_name: first.into(),
        birth_date: birth.into(),
        sex: "F".into(),
        phones: phones.iter().map(|p| p.to_string()).collect(),
        ..PatientRow::default()
    }
}

fn add(store: &mut Store, mut p: PatientRow) -> PatientRow {
    store.write(|w| w.insert_patient(&mut p)).unwrap();
    p
}

fn names(store: &Store, query: &str) -> Vec<String> {
    patients::search(store.conn(), &SearchQuery::parse(query, "DZ"), 20)
        .unwrap()
        .into_iter()
        .map(|p| format!("{} {}", p.first_name, p.last_name))
        .collect()
}

#[test]
fn search_finds_names_without_accents_case_or_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(dir.path());
    add(&mut store, patient("Dupré", "Hélène", "1975-05-02", &[]));
    add(
        &mut store,
        patient("Benali", "Mohamed", "1980-01-20", &["+213555123456"]),
    );
    add(
        &mut store,
        patient("Benslimane", "Yasmine", "1992-09-11", &["+32470123456"]),
    );
    add(&mut store, patient("Moreau", "Benoît", "1960-12-01", &[]));
    assert_eq!(names(&store, "helene dup"), ["Hélène Dupré"]);
    assert_eq!(names(&store, "DUPRE"), ["Hélène Dupré"]);
    assert_eq!(names(&store, "ben moh"), ["Mohamed Benali"]);
    assert_eq!(names(&store, "moh ben"), ["Mohamed Benali"]);
    let mut ben = names(&store, "ben");
    ben.sort();
    assert_eq!(
        ben,
        ["Benoît Moreau", "Mohamed Benali", "Yasmine Benslimane"]
    );
    assert!(names(&store, "xyz").is_empty());
    assert!(
        names(&store, "\"; DROP TABLE patient; --").is_empty(),
        "query text is data, never SQL"
    );
}

#[test]
fn search_finds_phones_as_typed_file_numbers_and_birth_dates() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(dir.path());
    let benali = add(
        &mut store,
        patient("Benali", "Mohamed", "1980-01-20", &["+213555123456"]),
    );
    add(
        &mut store,
        patient("Peeters", "Anke", "1990-04-04", &["+32470123456"]),
    );
    for typed in [
        "0555 12 34 56",
        "0555123456",
        "+213 555 12 34 56",
        "00213555123456",
        "0555 12",
    ] {
        assert_eq!(names(&store, typed), ["Mohamed Benali"], "{typed}");
    }
    assert_eq!(names(&store, "0470"), ["Anke Peeters"]);
    assert_eq!(names(&store, &benali.file_number), ["Mohamed Benali"]);
    assert_eq!(
        names(&store, &benali.file_number.to_lowercase()),
        ["Mohamed Benali"]
    );
    assert_eq!(names(&store, "20/01/1980"), ["Mohamed Benali"]);
    assert_eq!(names(&store, "1980-01-20"), ["Mohamed Benali"]);
}

#[test]
fn file_numbers_count_up_per_device_and_never_clash_across_devices() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = create(da.path());
    let mut b = create(db.path());
    let a1 = add(&mut a, patient("A", "Un", "2000-01-01", &[]));
    let a2 = add(&mut a, patient("A", "Deux", "2000-01-01", &[]));
    let b1 = add(&mut b, patient("B", "Un", "2000-01-01", &[]));
    assert!(
        a1.file_number.ends_with("-00001") && a2.file_number.ends_with("-00002"),
        "{a1:?} {a2:?}"
    );
    assert!(b1.file_number.ends_with("-00001"));
    assert_ne!(
        a1.file_number, b1.file_number,
        "the device code tells them apart"
    );
}

#[test]
fn merged_and_tombstoned_patients_are_indexed_in_the_same_transaction() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = create(da.path());
    let mut b = create(db.path());
    let p = add(
        &mut a,
        patient("Öztürk", "Elif", "1988-08-08", &["+33612345678"]),
    );
    let id: EntityId = p.id.parse().unwrap();
    a.write(|w| {
        w.set(
            &PATIENT,
            id,
            &[("first_name", Value::Text("Elifnur".into()))],
        )
    })
    .unwrap();
    for (device, last) in heads(a.conn()).unwrap() {
        for idx in 1..=last {
            b.apply_change_set(&read_change_set(a.conn(), device, idx).unwrap().unwrap())
                .unwrap();
        }
    }
    assert_eq!(names(&b, "ozt eli"), ["Elifnur Öztürk"]);
    assert_eq!(names(&b, "06 12 34 56 78"), ["Elifnur Öztürk"]);
    b.write(|w| w.tombstone(&PATIENT, id)).unwrap();
    assert!(names(&b, "ozturk").is_empty());
    assert!(patients::get(b.conn(), &p.id).unwrap().is_none());
}

#[test]
fn duplicates_are_found_by_name_and_birth_date_or_by_phone() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(dir.path());
    let first = add(
        &mut store,
        patient("Dupré", "Hélène", "1975-05-02", &["+213555000111"]),
    );
    let same_name = patient("DUPRE", "helene", "1975-05-02", &[]);
    let dups = patients::possible_duplicates(store.conn(), &same_name).unwrap();
    assert_eq!(dups.len(), 1);
    assert_eq!(dups[0].id, first.id);
    let same_phone = patient("Autre", "Personne", "2001-01-01", &["+213555000111"]);
    assert_eq!(
        patients::possible_duplicates(store.conn(), &same_phone)
            .unwrap()
            .len(),
        1
    );
    let stranger = patient("Autre", "Personne", "2001-01-01", &["+213555000999"]);
    assert!(
        patients::possible_duplicates(store.conn(), &stranger)
            .unwrap()
            .is_empty()
    );
}

fn flagged(store: &Store) -> Vec<(String, String, String)> {
    chairside_store::duplicates::flags(store.conn())
        .unwrap()
        .into_iter()
        .map(|f| (f.patient_a, f.patient_b, f.reason))
        .collect()
}

#[test]
fn the_same_patient_created_at_two_desks_is_flagged_after_the_merge_until_a_person_decides() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b) = (create(da.path()), create(db.path()));
    // Offline, each desk creates the same patient; the phone is typed differently at one desk.
    let at_a = add(
        &mut a,
        patient("Benali", "Mohamed", "1980-01-20", &["+213555123456"]),
    );
    let at_b = add(&mut b, patient("BENALI", "mohamed", "1980-01-20", &[]));
    let other = add(
        &mut b,
        patient("Haddad", "Karim", "1990-03-03", &["+213555123456"]),
    );
    assert!(
        flagged(&a).is_empty() && flagged(&b).is_empty(),
        "alone, no duplicate"
    );

    sync(&a, &mut b);
    sync(&b, &mut a);
    let pair = |x: &str, y: &str, reason: &str| {
        let (x, y) = if x < y { (x, y) } else { (y, x) };
        (x.to_string(), y.to_string(), reason.to_string())
    };
    let mut expected = vec![
        pair(&at_a.id, &at_b.id, "name_birth_date"),
        pair(&at_a.id, &other.id, "phone"),
    ];
    expected.sort();
    for store in [&a, &b] {
        let mut got = flagged(store);
        got.sort();
        assert_eq!(
            got, expected,
            "both desks flag the same pairs, none is merged"
        );
        assert_eq!(patients::count(store.conn()).unwrap(), 3);
    }

    // At desk B a person decides the phone pair are two people (a father and son).
    b.write(|w| w.mark_distinct(&other.id, &at_a.id, "user", 1))
        .unwrap();
    sync(&b, &mut a);
    for store in [&a, &b] {
        assert_eq!(
            flagged(store),
            vec![pair(&at_a.id, &at_b.id, "name_birth_date")]
        );
    }
    // Editing the phone again does not bring the decided pair back.
    let mut again = patients::get(a.conn(), &other.id).unwrap().unwrap();
    again.notes = "fils de Mohamed".into();
    a.write(|w| w.update_patient(&again)).unwrap();
    assert_eq!(flagged(&a).len(), 1);
    // Deleting the second file clears its flag.
    b.write(|w| w.tombstone(&PATIENT, at_b.id.parse().unwrap()))
        .unwrap();
    sync(&b, &mut a);
    assert!(flagged(&a).is_empty() && flagged(&b).is_empty());
}

fn allergy(patient_id: &str, label: &str) -> chairside_store::medical::MedicalRow {
    chairside_store::medical::MedicalRow {
        id: EntityId::new().to_string(),
        patient_id: patient_id.into(),
        kind: "allergy".into(),
        label: label.into(),
        severity: "severe".into(),
        alert: true,
        active: true,
        recorded_at_ms: 1,
        ..Default::default()
    }
}

fn allergies(store: &Store, patient_id: &str) -> Vec<String> {
    let mut labels: Vec<String> = chairside_store::medical::for_patient(store.conn(), patient_id)
        .unwrap()
        .into_iter()
        .map(|m| m.label)
        .collect();
    labels.sort();
    labels
}

#[test]
fn a_file_merged_into_another_shows_its_history_there_even_what_arrives_later_and_separates_back() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b) = (create(da.path()), create(db.path()));
    // The same person created at two desks, each with an allergy.
    let kept = add(
        &mut a,
        patient("Benali", "Mohamed", "1980-01-20", &["+213555123456"]),
    );
    let retired = add(&mut b, patient("BENALI", "mohamed", "1980-01-20", &[]));
    a.write(|w| w.insert_medical_item(&allergy(&kept.id, "Pénicilline")))
        .unwrap();
    b.write(|w| w.insert_medical_item(&allergy(&retired.id, "Latex")))
        .unwrap();
    sync(&a, &mut b);
    sync(&b, &mut a);
    assert_eq!(flagged(&a).len(), 1);

    // Desk A merges B's file into its own; desk B, still offline, adds to the retired file.
    a.write(|w| w.merge_patient_into(&retired.id, &kept.id))
        .unwrap();
    b.write(|w| w.insert_medical_item(&allergy(&retired.id, "Iode")))
        .unwrap();
    sync(&a, &mut b);
    sync(&b, &mut a);
    for store in [&a, &b] {
        let conn = store.conn();
        assert_eq!(
            allergies(store, &kept.id),
            ["Iode", "Latex", "Pénicilline"],
            "the kept file shows every allergy of both files, the late one too"
        );
        assert_eq!(
            chairside_store::merged::survivor(conn, &retired.id).unwrap(),
            kept.id
        );
        assert_eq!(
            chairside_store::merged::merged_files(conn, &kept.id).unwrap(),
            std::slice::from_ref(&retired.id)
        );
        assert_eq!(names(store, "benali"), ["Mohamed Benali"], "one file found");
        assert_eq!(patients::count(conn).unwrap(), 1);
        assert!(flagged(store).is_empty(), "the pair left the review");
        let by_date = patients::search(conn, &SearchQuery::parse("20/01/1980", "DZ"), 20).unwrap();
        assert_eq!(by_date.len(), 1);
        assert_eq!(by_date[0].id, kept.id);
    }
    // Merging it again, or merging into it, is refused: it stands no more.
    assert!(
        a.write(|w| w.merge_patient_into(&retired.id, &kept.id))
            .is_err()
    );
    let third = add(&mut a, patient("Haddad", "Karim", "1990-03-03", &[]));
    assert!(
        a.write(|w| w.merge_patient_into(&third.id, &retired.id))
            .is_err()
    );
    assert!(
        a.write(|w| w.merge_patient_into(&kept.id, &kept.id))
            .is_err()
    );

    // Separated at B (a mistake): each file has exactly what it had, and the pair is back.
    b.write(|w| w.separate_patient(&retired.id)).unwrap();
    sync(&b, &mut a);
    for store in [&a, &b] {
        assert_eq!(allergies(store, &kept.id), ["Pénicilline"]);
        assert_eq!(allergies(store, &retired.id), ["Iode", "Latex"]);
        assert_eq!(names(store, "benali").len(), 2);
        assert_eq!(flagged(store).len(), 1, "back in the review for a person");
    }
}

#[test]
fn two_desks_merging_one_pair_in_opposite_directions_agree_on_the_file_that_stands() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b) = (create(da.path()), create(db.path()));
    let x = add(&mut a, patient("Dupré", "Hélène", "1975-05-02", &[]));
    let y = add(&mut b, patient("Dupre", "Helene", "1975-05-02", &[]));
    a.write(|w| w.insert_medical_item(&allergy(&x.id, "Latex")))
        .unwrap();
    sync(&a, &mut b);
    sync(&b, &mut a);
    // Offline, each desk keeps its own file.
    a.write(|w| w.merge_patient_into(&y.id, &x.id)).unwrap();
    b.write(|w| w.merge_patient_into(&x.id, &y.id)).unwrap();
    sync(&a, &mut b);
    sync(&b, &mut a);
    let standing = std::cmp::min(x.id.clone(), y.id.clone());
    for store in [&a, &b] {
        let conn = store.conn();
        for file in [&x.id, &y.id] {
            assert_eq!(
                chairside_store::merged::survivor(conn, file).unwrap(),
                standing
            );
        }
        let found = patients::search(conn, &SearchQuery::parse("dupre", "DZ"), 20).unwrap();
        assert_eq!(found.len(), 1, "one file is found, never none");
        assert_eq!(found[0].id, standing);
        assert_eq!(allergies(store, &standing), ["Latex"]);
        assert_eq!(patients::count(conn).unwrap(), 1);
    }
}

#[test]
fn a_merge_into_a_file_not_yet_here_leaves_the_file_standing_until_it_arrives() {
    let (da, db, dc) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (mut a, mut b, mut c) = (create(da.path()), create(db.path()), create(dc.path()));
    let kept = add(&mut a, patient("Meziane", "Lina", "2001-07-14", &[]));
    let retired = add(&mut b, patient("Meziane", "Lina", "2001-07-14", &[]));
    sync(&a, &mut b);
    b.write(|w| w.merge_patient_into(&retired.id, &kept.id))
        .unwrap();
    // C gets B's own sets (the retired file and the merge) before A's (the kept file).
    let b_device = b.device_id();
    for idx in 1..=chairside_store::changes::head(b.conn(), &b_device.to_string()).unwrap() {
        c.apply_change_set(&read_change_set(b.conn(), b_device, idx).unwrap().unwrap())
            .unwrap();
    }
    assert_eq!(
        names(&c, "meziane").len(),
        1,
        "the retired file is found while the file it was merged into is not here"
    );
    assert_eq!(
        chairside_store::merged::survivor(c.conn(), &retired.id).unwrap(),
        retired.id
    );
    sync(&a, &mut c);
    let found = patients::search(c.conn(), &SearchQuery::parse("meziane", "DZ"), 20).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].id, kept.id,
        "once it arrives, the kept file is the one found"
    );
}

#[test]
fn a_merged_file_is_found_by_its_own_number_and_phone_and_its_pairs_move_to_the_kept_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(dir.path());
    let kept = add(&mut store, patient("Haddad", "Karim", "1990-03-03", &[]));
    let retired = add(
        &mut store,
        patient("Haddad", "Karim", "1990-03-03", &["+213555777888"]),
    );
    // A third file shares only the retired file's phone (a relative, or the same person again).
    let third = add(
        &mut store,
        patient("Haddad", "Sofiane", "2015-06-01", &["+213555777888"]),
    );
    let pair = |x: &str, y: &str| {
        let (x, y) = if x < y { (x, y) } else { (y, x) };
        (x.to_string(), y.to_string())
    };
    let pairs = |store: &Store| -> Vec<(String, String)> {
        let mut p: Vec<_> = flagged(store).into_iter().map(|(a, b, _)| (a, b)).collect();
        p.sort();
        p
    };
    let mut before = vec![pair(&kept.id, &retired.id), pair(&retired.id, &third.id)];
    before.sort();
    assert_eq!(pairs(&store), before);

    store
        .write(|w| w.merge_patient_into(&retired.id, &kept.id))
        .unwrap();
    // The third file's pair is with the kept file now.
    assert_eq!(pairs(&store), [pair(&kept.id, &third.id)]);
    // The number and the phone on the retired file's paper records find the kept file.
    for query in [retired.file_number.as_str(), "0555777888"] {
        let found: Vec<String> =
            patients::search(store.conn(), &SearchQuery::parse(query, "DZ"), 20)
                .unwrap()
                .into_iter()
                .map(|p| p.id)
                .collect();
        assert!(
            found.contains(&kept.id) && !found.contains(&retired.id),
            "{query}: {found:?}"
        );
    }
}
