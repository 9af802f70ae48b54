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

/// Applies every change set of `from` that `to` lacks, in order.
fn sync(from: &Store, to: &mut Store) {
    for (device, last) in heads(from.conn()).unwrap() {
        let have = chairside_store::changes::head(to.conn(), &device.to_string()).unwrap();
        for idx in have + 1..=last {
            to.apply_change_set(&read_change_set(from.conn(), device, idx).unwrap().unwrap())
                .unwrap();
        }
    }
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
