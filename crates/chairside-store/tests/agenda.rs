//! The agenda in the store: two desks that book one chair at the same time while apart both find
//! the double booking once they have merged each other's changes, whatever the order the changes
//! arrive in; moving, cancelling or keeping both settles it on every PC; concurrent moves of one
//! appointment wait for a person like concurrent edits of a patient.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use chairside_domain::EntityId;
use chairside_store::Store;
use chairside_store::agenda::{self, AppointmentRow, ChairRow};
use chairside_store::conflicts;
use common::*;

fn add_chair(store: &mut Store, name: &str) -> String {
    let chair = ChairRow {
        id: EntityId::new().to_string(),
        name: name.into(),
        active: true,
    };
    store.write(|w| w.save_chair(&chair, None)).unwrap();
    chair.id
}

fn book(
    store: &mut Store,
    chair: &str,
    starts_at: &str,
    minutes: i64,
    reason: &str,
) -> AppointmentRow {
    let a = AppointmentRow {
        id: EntityId::new().to_string(),
        patient_id: EntityId::new().to_string(),
        chair_id: chair.into(),
        starts_at: starts_at.into(),
        duration_min: minutes,
        reason: reason.into(),
        status: "booked".into(),
        booked_by: "user".into(),
        booked_at_ms: 1,
        ..AppointmentRow::default()
    };
    store.write(|w| w.book_appointment(&a)).unwrap();
    a
}

fn edit(store: &mut Store, id: &str, change: impl FnOnce(&mut AppointmentRow)) {
    let before = agenda::appointment(store.conn(), id).unwrap().unwrap();
    let mut after = before.clone();
    change(&mut after);
    store
        .write(|w| w.update_appointment(&before, &after))
        .unwrap();
}

fn pairs(store: &Store) -> Vec<(String, String)> {
    agenda::double_bookings(store.conn())
        .unwrap()
        .into_iter()
        .map(|d| (d.appointment_a, d.appointment_b))
        .collect()
}

fn ordered(x: &str, y: &str) -> (String, String) {
    if x < y {
        (x.into(), y.into())
    } else {
        (y.into(), x.into())
    }
}

/// Two desks of one clinic that share a chair, each with the other's chair list.
fn two_desks(dir: &std::path::Path) -> (Store, Store, String) {
    let mut front = create(&dir.join("front"));
    let mut chairside = create(&dir.join("chairside"));
    let chair = add_chair(&mut front, "Fauteuil 1");
    sync(&front, &mut chairside);
    (front, chairside, chair)
}

#[test]
fn one_chair_booked_at_two_desks_while_apart_is_a_double_booking_on_both() {
    let dir = tempfile::tempdir().unwrap();
    let (mut front, mut chairside, chair) = two_desks(dir.path());
    // Each desk checks its own bookings; neither sees the other's.
    let amina = book(&mut front, &chair, "2026-11-25T09:00", 30, "Détartrage");
    assert!(
        agenda::holding(chairside.conn(), &chair, &amina.slot().unwrap(), None)
            .unwrap()
            .is_empty()
    );
    let yacine = book(&mut chairside, &chair, "2026-11-25T09:15", 45, "Urgence");
    // Back to back on the same chair, or the same time on another day: no double booking.
    book(&mut front, &chair, "2026-11-25T10:00", 30, "Contrôle");
    book(&mut chairside, &chair, "2026-11-26T09:00", 30, "Contrôle");
    assert!(pairs(&front).is_empty() && pairs(&chairside).is_empty());

    sync(&front, &mut chairside);
    sync(&chairside, &mut front);
    let expected = vec![ordered(&amina.id, &yacine.id)];
    assert_eq!(pairs(&front), expected);
    assert_eq!(pairs(&chairside), expected);
    assert_eq!(
        agenda::overlapping(front.conn(), &amina.id).unwrap(),
        vec![yacine.id.clone()]
    );

    // The front desk moves Yacine to 10:30: settled on both once synced.
    edit(&mut front, &yacine.id, |a| {
        a.starts_at = "2026-11-25T10:30".into()
    });
    assert!(pairs(&front).is_empty());
    sync(&front, &mut chairside);
    assert!(pairs(&chairside).is_empty());
    // Moving back onto Amina's time flags the pair again.
    edit(&mut chairside, &yacine.id, |a| {
        a.starts_at = "2026-11-25T09:10".into()
    });
    sync(&chairside, &mut front);
    assert_eq!(pairs(&front), expected);
    assert_eq!(pairs(&chairside), expected);
}

#[test]
fn cancelling_or_a_no_show_frees_the_chair_and_keeping_both_settles_it_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (mut front, mut chairside, chair) = two_desks(dir.path());
    let first = book(&mut front, &chair, "2026-11-25T14:00", 60, "Couronne");
    let second = book(
        &mut chairside,
        &chair,
        "2026-11-25T14:30",
        30,
        "Contrôle enfant",
    );
    sync(&front, &mut chairside);
    sync(&chairside, &mut front);
    let expected = vec![ordered(&first.id, &second.id)];
    assert_eq!(pairs(&front), expected);

    edit(&mut front, &second.id, |a| a.status = "cancelled".into());
    assert!(
        pairs(&front).is_empty(),
        "a cancelled appointment holds no chair"
    );
    edit(&mut front, &second.id, |a| a.status = "no_show".into());
    assert!(
        pairs(&front).is_empty(),
        "nor does a patient who did not come"
    );
    edit(&mut front, &second.id, |a| a.status = "booked".into());
    assert_eq!(
        pairs(&front),
        expected,
        "restored, it holds the chair again"
    );
    sync(&front, &mut chairside);
    assert_eq!(pairs(&chairside), expected);

    // The parent and the child in one chair, on purpose: kept at the chairside desk.
    chairside
        .write(|w| w.keep_double_booking(&second.id, &first.id, "user", 5))
        .unwrap();
    assert!(pairs(&chairside).is_empty());
    sync(&chairside, &mut front);
    assert!(pairs(&front).is_empty());
    // A later edit of either does not flag the pair again.
    edit(&mut front, &first.id, |a| a.duration_min = 90);
    sync(&front, &mut chairside);
    assert!(pairs(&front).is_empty() && pairs(&chairside).is_empty());
}

#[test]
fn every_pc_derives_the_same_double_bookings_whatever_order_the_changes_arrive_in() {
    let dir = tempfile::tempdir().unwrap();
    let (mut front, mut chairside, chair) = two_desks(dir.path());
    let a = book(&mut front, &chair, "2026-11-25T09:00", 60, "");
    let b = book(&mut chairside, &chair, "2026-11-25T09:30", 30, "");
    let c = book(&mut chairside, &chair, "2026-11-25T09:45", 30, "");
    // The front desk moves its appointment away after booking it; the chairside desk's second
    // appointment is cancelled.
    edit(&mut front, &a.id, |r| {
        r.starts_at = "2026-11-25T09:40".into()
    });
    edit(&mut chairside, &c.id, |r| r.status = "cancelled".into());

    // A third PC merges the chairside desk first, another the front desk first.
    let mut one = create(&dir.path().join("one"));
    sync(&chairside, &mut one);
    sync(&front, &mut one);
    let mut two = create(&dir.path().join("two"));
    sync(&front, &mut two);
    sync(&chairside, &mut two);
    sync(&front, &mut chairside);
    sync(&chairside, &mut front);
    let expected = vec![ordered(&a.id, &b.id)];
    for store in [&front, &chairside, &one, &two] {
        assert_eq!(pairs(store), expected);
    }
}

#[test]
fn an_appointment_moved_at_two_desks_at_once_waits_for_a_person() {
    let dir = tempfile::tempdir().unwrap();
    let (mut front, mut chairside, chair) = two_desks(dir.path());
    let a = book(&mut front, &chair, "2026-11-25T11:00", 30, "Extraction");
    sync(&front, &mut chairside);
    edit(&mut front, &a.id, |r| {
        r.starts_at = "2026-11-25T16:00".into()
    });
    edit(&mut chairside, &a.id, |r| {
        r.starts_at = "2026-11-26T08:30".into();
        r.reason = "Extraction 38".into();
    });
    sync(&front, &mut chairside);
    sync(&chairside, &mut front);
    // Both PCs agree on one time; the other waits, the reason (edited at one desk only) does not.
    let on_front = agenda::appointment(front.conn(), &a.id).unwrap().unwrap();
    let on_chairside = agenda::appointment(chairside.conn(), &a.id)
        .unwrap()
        .unwrap();
    assert_eq!(on_front, on_chairside);
    assert_eq!(on_front.reason, "Extraction 38");
    for store in [&front, &chairside] {
        let open: Vec<(String, String)> = conflicts::open(store.conn())
            .unwrap()
            .into_iter()
            .map(|c| (c.table, c.field))
            .collect();
        assert_eq!(
            open,
            vec![("appointment".to_string(), "starts_at".to_string())]
        );
    }
}

#[test]
fn a_chair_renamed_at_one_desk_and_taken_out_of_service_at_another_keeps_both() {
    let dir = tempfile::tempdir().unwrap();
    let (mut front, mut chairside, chair) = two_desks(dir.path());
    let before = agenda::chair(front.conn(), &chair).unwrap().unwrap();
    let renamed = ChairRow {
        name: "Fauteuil 1 (chirurgie)".into(),
        ..before.clone()
    };
    front
        .write(|w| w.save_chair(&renamed, Some(&before)))
        .unwrap();
    let retired = ChairRow {
        active: false,
        ..before.clone()
    };
    chairside
        .write(|w| w.save_chair(&retired, Some(&before)))
        .unwrap();
    sync(&front, &mut chairside);
    sync(&chairside, &mut front);
    let expected = ChairRow {
        id: chair.clone(),
        name: "Fauteuil 1 (chirurgie)".into(),
        active: false,
    };
    assert_eq!(
        agenda::chairs(front.conn()).unwrap(),
        vec![expected.clone()]
    );
    assert_eq!(agenda::chairs(chairside.conn()).unwrap(), vec![expected]);
}

#[test]
fn chairs_come_in_service_first_then_by_name_as_people_number_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(&dir.path().join("pc"));
    for name in ["Fauteuil 10", "fauteuil 2", "Fauteuil 1", "Bloc"] {
        add_chair(&mut store, name);
    }
    let retired = agenda::chairs(store.conn())
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Bloc")
        .unwrap();
    store
        .write(|w| {
            w.save_chair(
                &ChairRow {
                    active: false,
                    ..retired.clone()
                },
                Some(&retired),
            )
        })
        .unwrap();
    let names: Vec<String> = agenda::chairs(store.conn())
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Fauteuil 1", "fauteuil 2", "Fauteuil 10", "Bloc"]);
}
