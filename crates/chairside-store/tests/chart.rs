//! The dental chart in the store: an entry charted in one operatory reaches the other; the same
//! entry changed in two operatories while apart (its status, its surfaces) converges to one
//! value on both and the value that lost waits for a person, while different fields changed on
//! each side both stand; a merged file's entries are read through the file it was merged into.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use chairside_domain::EntityId;
use chairside_store::Store;
use chairside_store::chart::{self, ChartRow};
use chairside_store::conflicts;
use chairside_store::patients::PatientRow;
use common::*;

fn charted(store: &mut Store, patient: &str, tooth: &str, surfaces: &str, kind: &str) -> ChartRow {
    let row = ChartRow {
        id: EntityId::new().to_string(),
        patient_id: patient.into(),
        tooth: tooth.into(),
        surfaces: surfaces.into(),
        kind: kind.into(),
        status: "planned".into(),
        recorded_by: "user".into(),
        recorded_at_ms: 1,
        active: true,
        ..ChartRow::default()
    };
    store.write(|w| w.insert_chart_entry(&row)).unwrap();
    row
}

fn edit(store: &mut Store, id: &str, change: impl FnOnce(&mut ChartRow)) {
    let before = chart::get(store.conn(), id).unwrap().unwrap();
    let mut after = before.clone();
    change(&mut after);
    store
        .write(|w| w.update_chart_entry(&before, &after))
        .unwrap();
}

fn open_conflicts(store: &Store) -> Vec<(String, String, String)> {
    conflicts::open(store.conn())
        .unwrap()
        .into_iter()
        .map(|c| (c.table, c.row_id, c.field))
        .collect()
}

/// The same person's file created twice at one PC: the one to keep, the one to merge into it.
fn two_files_of_one_person(store: &mut Store) -> (PatientRow, PatientRow) {
    let mut kept = PatientRow {
        id: EntityId::new().to_string(),
        last_name: "Haddad".into(),
        first_name: "Yacine".into(),
        birth_date: "1980-02-03".into(),
        sex: "M".into(),
        ..Default::default()
    };
    let mut retired = PatientRow {
        id: EntityId::new().to_string(),
        ..kept.clone()
    };
    store.write(|w| w.insert_patient(&mut kept)).unwrap();
    store.write(|w| w.insert_patient(&mut retired)).unwrap();
    (kept, retired)
}

/// Two operatories of one clinic, each with the other's changes.
fn two_operatories(dir: &std::path::Path) -> (Store, Store) {
    (create(&dir.join("op1")), create(&dir.join("op2")))
}

#[test]
fn an_entry_changed_in_two_operatories_while_apart_converges_and_waits_for_a_person() {
    let dir = tempfile::tempdir().unwrap();
    let (mut op1, mut op2) = two_operatories(dir.path());
    let patient = EntityId::new().to_string();
    let entry = charted(&mut op1, &patient, "36", "MOD", "restoration");
    sync(&op1, &mut op2);
    assert_eq!(
        chart::for_patient(op2.conn(), &patient).unwrap(),
        vec![entry.clone()]
    );

    // Operatory 1 marks it done; operatory 2, not knowing, narrows it to MO and adds a note.
    edit(&mut op1, &entry.id, |r| {
        r.status = "done".into();
        r.done_on = "2026-11-25".into();
        r.done_at_ms = 2;
    });
    edit(&mut op2, &entry.id, |r| {
        r.surfaces = "MO".into();
        r.note = "Distal intact à la radio".into();
    });
    sync(&op1, &mut op2);
    sync(&op2, &mut op1);
    let on_op1 = chart::get(op1.conn(), &entry.id).unwrap().unwrap();
    let on_op2 = chart::get(op2.conn(), &entry.id).unwrap().unwrap();
    assert_eq!(on_op1, on_op2);
    // Different fields on each side: all stand, nothing waits.
    assert_eq!(
        (
            on_op1.status.as_str(),
            on_op1.surfaces.as_str(),
            on_op1.note.as_str()
        ),
        ("done", "MO", "Distal intact à la radio")
    );
    assert!(open_conflicts(&op1).is_empty() && open_conflicts(&op2).is_empty());

    // Now both change the surfaces apart: one value wins on both PCs, the other waits on both.
    edit(&mut op1, &entry.id, |r| r.surfaces = "MOD".into());
    edit(&mut op2, &entry.id, |r| r.surfaces = "O".into());
    sync(&op1, &mut op2);
    sync(&op2, &mut op1);
    let on_op1 = chart::get(op1.conn(), &entry.id).unwrap().unwrap();
    assert_eq!(on_op1, chart::get(op2.conn(), &entry.id).unwrap().unwrap());
    let waiting = vec![(
        "chart_entry".to_string(),
        entry.id.clone(),
        "surfaces".to_string(),
    )];
    assert_eq!(open_conflicts(&op1), waiting);
    assert_eq!(open_conflicts(&op2), waiting);
    let conflict = &conflicts::open(op1.conn()).unwrap()[0];
    let values = [&conflict.current_value, &conflict.other_value].map(|v| match v {
        chairside_store::Value::Text(t) => t.clone(),
        other => panic!("surfaces are text, not {other:?}"),
    });
    assert_eq!(
        values[0], on_op1.surfaces,
        "the value kept is the one shown"
    );
    let mut both = values.to_vec();
    both.sort();
    assert_eq!(both, ["MOD", "O"]);

    // A later edit made after seeing both settles it everywhere.
    edit(&mut op2, &entry.id, |r| r.surfaces = "MO".into());
    sync(&op2, &mut op1);
    assert!(open_conflicts(&op1).is_empty() && open_conflicts(&op2).is_empty());
}

#[test]
fn a_merged_files_entries_are_read_with_the_file_it_was_merged_into() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(&dir.path().join("pc"));
    let (kept, retired) = two_files_of_one_person(&mut store);
    let on_kept = charted(&mut store, &kept.id, "16", "O", "sealant");
    let on_retired = charted(&mut store, &retired.id, "46", "", "crown");
    store
        .write(|w| w.merge_patient_into(&retired.id, &kept.id))
        .unwrap();
    let ids: Vec<String> = chart::for_patient(store.conn(), &kept.id)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, [on_kept.id, on_retired.id], "by tooth: 16 then 46");
}

/// Which findings stand settled, from the rows alone: by the treatment a finding names while it
/// stands, and by a treatment done on the tooth after the finding was charted (the finding
/// charted at one PC while another marked the treatment done); never by one done before the
/// finding was charted (decay come back under an old restoration), nor by one struck out.
#[test]
fn a_finding_is_settled_by_a_treatment_done_after_it_was_charted() {
    let row = |id: &str, surfaces: &str, kind: &str, status: &str, at: i64| ChartRow {
        id: id.into(),
        patient_id: "p".into(),
        tooth: "36".into(),
        surfaces: surfaces.into(),
        kind: kind.into(),
        status: status.into(),
        recorded_at_ms: at,
        done_at_ms: if status == "done" { at } else { 0 },
        active: true,
        ..ChartRow::default()
    };
    let caries = row("caries", "MO", "caries", "existing", 1_000);
    let restoration = row("restoration", "MOD", "restoration", "done", 2_000);
    // No name written (charted apart): settled all the same, by time.
    let settled = chart::settled(&[caries.clone(), restoration.clone()]);
    assert_eq!(
        settled.get("caries").map(String::as_str),
        Some("restoration")
    );
    // Charted after the restoration was done: decay come back, open.
    let later = ChartRow {
        recorded_at_ms: 3_000,
        ..caries.clone()
    };
    assert!(chart::settled(&[later, restoration.clone()]).is_empty());
    // Struck out, or not covering the finding: nothing settled.
    let struck = ChartRow {
        active: false,
        ..restoration.clone()
    };
    assert!(chart::settled(&[caries.clone(), struck]).is_empty());
    let narrow = ChartRow {
        surfaces: "D".into(),
        ..restoration.clone()
    };
    assert!(chart::settled(&[caries.clone(), narrow]).is_empty());
    // A finding struck out by a person is not counted settled by time.
    let struck_finding = ChartRow {
        active: false,
        ..caries.clone()
    };
    assert!(chart::settled(&[struck_finding, restoration.clone()]).is_empty());
    // The treatment it names wins over an earlier one that covers it too.
    let crown = row("crown", "", "crown", "done", 1_500);
    let named = ChartRow {
        settled_by: "restoration".into(),
        ..caries
    };
    assert_eq!(
        chart::settled(&[named, crown, restoration])
            .get("caries")
            .map(String::as_str),
        Some("restoration")
    );
}

/// An entry as a form charts it: findings existing, at the time given.
fn charted_at(
    store: &mut Store,
    patient: &str,
    (tooth, surfaces, kind, status): (&str, &str, &str, &str),
    at: i64,
) -> ChartRow {
    let row = ChartRow {
        id: EntityId::new().to_string(),
        patient_id: patient.into(),
        tooth: tooth.into(),
        surfaces: surfaces.into(),
        kind: kind.into(),
        status: status.into(),
        done_at_ms: if status == "done" { at } else { 0 },
        recorded_by: "user".into(),
        recorded_at_ms: at,
        active: true,
        ..ChartRow::default()
    };
    store.write(|w| w.insert_chart_entry(&row)).unwrap();
    row
}

/// The contradictions waiting on a PC: (entry, because of, file, tooth, reason).
fn waiting(store: &Store) -> Vec<(String, String, String, String, String)> {
    chart::contradictions(store.conn())
        .unwrap()
        .into_iter()
        .map(|c| (c.entry_id, c.because_of_id, c.patient_id, c.tooth, c.reason))
        .collect()
}

/// The waiting contradictions as (entry, because of).
fn waiting_ids(store: &Store) -> Vec<(String, String)> {
    waiting(store).into_iter().map(|c| (c.0, c.1)).collect()
}

fn both_ways(op1: &mut Store, op2: &mut Store) {
    sync(op1, op2);
    sync(op2, op1);
}

#[test]
fn entries_charted_apart_that_contradict_wait_on_both_pcs_until_one_is_struck_out() {
    let dir = tempfile::tempdir().unwrap();
    let (mut op1, mut op2) = two_operatories(dir.path());
    let patient = EntityId::new().to_string();
    // Each operatory's chart is consistent: 36 is missing at one, decayed at the other.
    let missing = charted_at(&mut op1, &patient, ("36", "", "missing", "existing"), 1_000);
    let caries = charted_at(&mut op2, &patient, ("36", "O", "caries", "existing"), 2_000);
    // Another tooth, and a caries beside a planned extraction: nothing contradicts.
    charted_at(
        &mut op2,
        &patient,
        ("46", "MO", "caries", "existing"),
        2_000,
    );
    charted_at(
        &mut op1,
        &patient,
        ("46", "", "extraction", "planned"),
        1_500,
    );
    assert!(waiting(&op1).is_empty() && waiting(&op2).is_empty());

    both_ways(&mut op1, &mut op2);
    let pair = vec![(
        caries.id.clone(),
        missing.id.clone(),
        patient.clone(),
        "36".to_string(),
        "tooth_absent".to_string(),
    )];
    assert_eq!(waiting(&op1), pair);
    assert_eq!(waiting(&op2), pair, "every PC derives the same pairs");
    assert_eq!(chart::contradictions_now(op1.conn()).unwrap().len(), 1);
    assert!(chart::contradiction_waits(op1.conn(), &caries.id, &missing.id).unwrap());
    assert!(!chart::contradiction_waits(op1.conn(), &missing.id, &caries.id).unwrap());

    // The note of the caries corrected: still waiting, still found when it first was.
    let found_at = chart::contradictions(op1.conn()).unwrap()[0].found_at_ms;
    edit(&mut op1, &caries.id, |r| r.note = "Vue sur la radio".into());
    assert_eq!(
        chart::contradictions(op1.conn()).unwrap()[0].found_at_ms,
        found_at
    );

    // Moved to the tooth it was seen on (37): the pair goes, on both PCs.
    edit(&mut op2, &caries.id, |r| r.tooth = "37".into());
    both_ways(&mut op1, &mut op2);
    assert!(waiting(&op1).is_empty() && waiting(&op2).is_empty());
    edit(&mut op2, &caries.id, |r| r.tooth = "36".into());
    both_ways(&mut op1, &mut op2);
    assert_eq!(waiting(&op1), pair);

    // The dentist strikes out "missing" at one PC: settled everywhere once synced.
    edit(&mut op1, &missing.id, |r| r.active = false);
    both_ways(&mut op1, &mut op2);
    assert!(waiting(&op1).is_empty() && waiting(&op2).is_empty());
    // Brought back: waiting again.
    edit(&mut op2, &missing.id, |r| r.active = true);
    both_ways(&mut op1, &mut op2);
    assert_eq!(waiting(&op2), pair);
}

#[test]
fn two_entries_kept_by_a_person_are_not_flagged_again_on_any_pc() {
    let dir = tempfile::tempdir().unwrap();
    let (mut op1, mut op2) = two_operatories(dir.path());
    let patient = EntityId::new().to_string();
    let implant = charted_at(&mut op1, &patient, ("36", "", "implant", "done"), 1_000);
    let filling = charted_at(
        &mut op2,
        &patient,
        ("36", "MO", "restoration", "planned"),
        2_000,
    );
    both_ways(&mut op1, &mut op2);
    assert_eq!(
        waiting(&op2),
        vec![(
            filling.id.clone(),
            implant.id.clone(),
            patient.clone(),
            "36".into(),
            "on_implant".into()
        )]
    );
    op2.write(|w| w.keep_chart_entries(&filling.id, &implant.id, "user", 3_000))
        .unwrap();
    assert!(waiting(&op2).is_empty());
    both_ways(&mut op1, &mut op2);
    assert!(waiting(&op1).is_empty());
    // Later edits of either re-derive the tooth; the kept pair stays kept.
    edit(&mut op1, &filling.id, |r| r.surfaces = "MOD".into());
    both_ways(&mut op1, &mut op2);
    assert!(waiting(&op1).is_empty() && waiting(&op2).is_empty());
    assert!(chart::contradictions_now(op1.conn()).unwrap().is_empty());
    // A third entry on the tooth is a new pair.
    let root_canal = charted_at(
        &mut op2,
        &patient,
        ("36", "", "root_canal", "planned"),
        4_000,
    );
    both_ways(&mut op1, &mut op2);
    let ids = waiting_ids(&op1);
    assert_eq!(ids, vec![(root_canal.id, implant.id)]);
}

#[test]
fn a_finding_settled_by_a_treatment_done_after_it_contradicts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut op1, mut op2) = two_operatories(dir.path());
    let patient = EntityId::new().to_string();
    // A caries charted at one PC, the tooth extracted at the other afterwards: the extraction
    // settles the caries, no contradiction. One charted after the extraction contradicts it.
    charted_at(&mut op1, &patient, ("36", "O", "caries", "existing"), 1_000);
    let pulled = charted_at(&mut op2, &patient, ("36", "", "extraction", "done"), 2_000);
    both_ways(&mut op1, &mut op2);
    assert!(waiting(&op1).is_empty());
    let later = charted_at(&mut op1, &patient, ("36", "D", "caries", "existing"), 3_000);
    both_ways(&mut op1, &mut op2);
    let ids = waiting_ids(&op2);
    assert_eq!(ids, vec![(later.id, pulled.id)]);
}

#[test]
fn merging_two_files_brings_their_charts_together_and_separating_them_parts_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(&dir.path().join("pc"));
    let (kept, retired) = two_files_of_one_person(&mut store);
    let missing = charted_at(
        &mut store,
        &kept.id,
        ("26", "", "missing", "existing"),
        1_000,
    );
    let caries = charted_at(
        &mut store,
        &retired.id,
        ("26", "M", "caries", "existing"),
        2_000,
    );
    assert!(
        waiting(&store).is_empty(),
        "two people's charts, as far as the PC knows"
    );
    store
        .write(|w| w.merge_patient_into(&retired.id, &kept.id))
        .unwrap();
    assert_eq!(
        waiting(&store),
        vec![(
            caries.id.clone(),
            missing.id.clone(),
            kept.id.clone(),
            "26".into(),
            "tooth_absent".into()
        )],
        "found in the file kept"
    );
    assert_eq!(
        waiting(&store),
        chart::contradictions_now(store.conn())
            .unwrap()
            .into_iter()
            .map(|c| (c.entry_id, c.because_of_id, c.patient_id, c.tooth, c.reason))
            .collect::<Vec<_>>()
    );
    store.write(|w| w.separate_patient(&retired.id)).unwrap();
    assert!(waiting(&store).is_empty());
}
