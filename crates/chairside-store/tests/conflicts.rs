//! Concurrent edits of one field, made at two desks without either seeing the other's, are found
//! by the merge on every PC and wait for a person; later edits, identical values and edits made
//! after a sync raise nothing; a decision on one PC clears the conflict everywhere.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use chairside_domain::EntityId;
use chairside_store::conflicts::{self, Decision};
use chairside_store::schema::PATIENT;
use chairside_store::{Store, Value};
use common::sync;

fn set_notes(store: &mut Store, id: EntityId, notes: &str) {
    store
        .write(|w| w.set(&PATIENT, id, &[("notes", Value::Text(notes.into()))]))
        .unwrap();
}

fn waiting(store: &Store) -> Vec<(String, Value, Value)> {
    conflicts::open(store.conn())
        .unwrap()
        .into_iter()
        .map(|c| (c.field, c.other_value, c.current_value))
        .collect()
}

fn notes(store: &Store, id: EntityId) -> String {
    store
        .conn()
        .query_row(
            "SELECT notes FROM patient WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .unwrap()
}

/// Three PCs of one clinic holding the same patient.
fn three_pcs(tmp: &tempfile::TempDir) -> (Store, Store, Store, EntityId) {
    let mut a = common::create(&tmp.path().join("a"));
    let mut b = common::create(&tmp.path().join("b"));
    let mut c = common::create(&tmp.path().join("c"));
    let id = EntityId::new();
    a.write(|w| {
        w.set(
            &PATIENT,
            id,
            &[
                ("last_name", Value::Text("Benali".into())),
                ("notes", Value::Text("RAS".into())),
            ],
        )
    })
    .unwrap();
    sync(&a, &mut b);
    sync(&a, &mut c);
    (a, b, c, id)
}

#[test]
fn two_desks_editing_the_same_field_offline_raise_one_conflict_on_every_pc() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, mut b, mut c, id) = three_pcs(&tmp);
    set_notes(&mut a, id, "allergie latex");
    std::thread::sleep(std::time::Duration::from_millis(2));
    set_notes(&mut b, id, "allergie pénicilline");
    // B's write is later: it wins everywhere, A's text waits for a person everywhere.
    sync(&b, &mut a);
    sync(&a, &mut b);
    sync(&b, &mut c); // C receives both in one go, B's stream first
    let expected = vec![(
        "notes".to_string(),
        Value::Text("allergie latex".into()),
        Value::Text("allergie pénicilline".into()),
    )];
    for pc in [&a, &b, &c] {
        assert_eq!(notes(pc, id), "allergie pénicilline");
        assert_eq!(waiting(pc), expected);
    }

    // A person on C takes the other value: it becomes the value everywhere, the conflict goes.
    let conflict = conflicts::open(c.conn()).unwrap().remove(0);
    c.write(|w| w.review_conflict(&conflict, Decision::TakeOther, "staff-1"))
        .unwrap();
    sync(&c, &mut a);
    sync(&c, &mut b);
    for pc in [&a, &b, &c] {
        assert_eq!(notes(pc, id), "allergie latex");
        assert!(waiting(pc).is_empty());
    }
    // Reviewing it again is refused: it no longer waits.
    assert!(
        c.write(|w| w.review_conflict(&conflict, Decision::KeepCurrent, "staff-1"))
            .is_err()
    );
}

#[test]
fn later_edits_identical_values_and_other_fields_raise_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, mut b, _c, id) = three_pcs(&tmp);
    // B edits after having A's value: an ordinary later edit.
    set_notes(&mut a, id, "contrôle 6 mois");
    sync(&a, &mut b);
    set_notes(&mut b, id, "contrôle 3 mois");
    sync(&b, &mut a);
    assert!(waiting(&a).is_empty() && waiting(&b).is_empty());
    // Both type the same text offline: nothing was lost.
    set_notes(&mut a, id, "détartrage");
    set_notes(&mut b, id, "détartrage");
    sync(&b, &mut a);
    sync(&a, &mut b);
    assert!(waiting(&a).is_empty() && waiting(&b).is_empty());
    // Different fields offline: both kept, nothing to review.
    a.write(|w| w.set(&PATIENT, id, &[("email", Value::Text("a@ex.dz".into()))]))
        .unwrap();
    set_notes(&mut b, id, "bridge");
    sync(&b, &mut a);
    sync(&a, &mut b);
    assert!(waiting(&a).is_empty() && waiting(&b).is_empty());
}

#[test]
fn keeping_the_current_value_or_editing_the_field_again_settles_the_conflict_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, mut b, mut c, id) = three_pcs(&tmp);
    set_notes(&mut a, id, "v1 de A");
    set_notes(&mut b, id, "v1 de B");
    sync(&a, &mut b);
    sync(&b, &mut a);
    assert_eq!(waiting(&a).len(), 1);
    let conflict = conflicts::open(a.conn()).unwrap().remove(0);
    let kept = notes(&a, id);
    a.write(|w| w.review_conflict(&conflict, Decision::KeepCurrent, "staff-2"))
        .unwrap();
    assert!(waiting(&a).is_empty());
    // C pulls the decision before the losing write (device streams arrive in any order): the
    // conflict is never raised there.
    sync(&a, &mut c);
    sync(&b, &mut c);
    assert!(waiting(&c).is_empty());
    assert_eq!(notes(&c, id), kept);
    sync(&a, &mut b);
    assert!(waiting(&b).is_empty());

    // A second conflict, settled by someone editing the field again on a PC that had both.
    set_notes(&mut a, id, "v2 de A");
    set_notes(&mut b, id, "v2 de B");
    sync(&a, &mut b);
    sync(&b, &mut a);
    assert_eq!(waiting(&b).len(), 1);
    set_notes(&mut b, id, "v3 de B, après relecture");
    assert!(waiting(&b).is_empty());
    sync(&b, &mut a);
    sync(&b, &mut c);
    sync(&a, &mut c);
    for pc in [&a, &b, &c] {
        assert!(waiting(pc).is_empty());
        assert_eq!(notes(pc, id), "v3 de B, après relecture");
    }
}
