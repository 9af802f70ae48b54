//! The agenda through the application API: chairs, booking with the chair rule (refused when
//! taken, kept on purpose when booked anyway), moves and statuses, a patient's appointments,
//! permissions; and two PCs that book one chair while apart, through a real relay: both inboxes
//! show the double booking, the end-of-day report counts it, and one decision settles it on both.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;
#[path = "common/two_pcs.rs"]
#[allow(dead_code)] // the helpers for images are not needed here
mod two_pcs;

use chairside_app::*;
use common::{OWNER_PASSWORD, set_up_clinic};
use two_pcs::{add_patient, loopback_relay, owner_pc_and_second_pc, pc};

fn chair(app: &mut App, name: &str) -> Chair {
    app.save_chair(ChairInput {
        id: None,
        name: name.into(),
        active: true,
    })
    .unwrap()
}

fn booking(patient: &Patient, chair: &Chair, starts_at: &str, minutes: u32) -> AppointmentInput {
    AppointmentInput {
        patient_id: patient.id.clone(),
        chair_id: chair.id.clone(),
        starts_at: starts_at.into(),
        duration_min: minutes,
        reason: "Détartrage".into(),
        practitioner_id: None,
        allow_overlap: false,
    }
}

#[test]
fn a_desk_books_moves_and_follows_appointments_through_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = pc(dir.path());
    set_up_clinic(&mut app, "database passphrase");
    let one = chair(&mut app, "Fauteuil 1");
    let two = chair(&mut app, " Fauteuil 2 ");
    assert_eq!(two.name, "Fauteuil 2");
    let taken_name = app
        .save_chair(ChairInput {
            id: None,
            name: "fauteuil 1".into(),
            active: true,
        })
        .unwrap_err();
    assert_eq!(taken_name.code, code::INVALID_INPUT);
    let amina = add_patient(&mut app, "Benali", "Amina", "1990-04-04");
    let yacine = add_patient(&mut app, "Ben Ali", "Yacine", "1985-11-03");
    let owner = app.agenda_day("2026-11-25").unwrap().practitioners;
    assert_eq!(owner.len(), 1);
    assert_eq!(owner[0].display_name, "Dr Amel Benali");

    let first = app
        .book_appointment(AppointmentInput {
            practitioner_id: Some(owner[0].id.clone()),
            ..booking(&amina, &one, "2026-11-25T09:00", 30)
        })
        .unwrap();
    assert_eq!(first.ends_at, "2026-11-25T09:30");
    assert_eq!(first.status, AppointmentStatus::Booked);
    assert_eq!(first.patient.last_name, "Benali");
    assert_eq!(first.chair_name, "Fauteuil 1");
    assert_eq!(first.practitioner_name.as_deref(), Some("Dr Amel Benali"));
    assert_eq!(first.booked_by_name, "Dr Amel Benali");

    // The chair is taken at 09:15: refused, with the time it is taken and what to do.
    let refused = app
        .book_appointment(booking(&yacine, &one, "2026-11-25T09:15", 30))
        .unwrap_err();
    assert_eq!(refused.code, code::CHAIR_TAKEN);
    assert!(
        refused.message.contains("Fauteuil 1") && refused.message.contains("09:00–09:30"),
        "{}",
        refused.message
    );
    // What holds the chair then, for the person to see: Amina's 09:00, unless she is the one
    // being moved.
    let holders = app
        .chair_holders(ChairHoldersRequest {
            chair_id: one.id.clone(),
            starts_at: "2026-11-25T09:15".into(),
            duration_min: 30,
            except_id: None,
        })
        .unwrap();
    assert_eq!(
        holders.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        [first.id.as_str()]
    );
    assert!(
        app.chair_holders(ChairHoldersRequest {
            chair_id: one.id.clone(),
            starts_at: "2026-11-25T09:15".into(),
            duration_min: 30,
            except_id: Some(first.id.clone()),
        })
        .unwrap()
        .is_empty()
    );
    // Back to back, or on the other chair: booked.
    let second = app
        .book_appointment(booking(&yacine, &one, "2026-11-25T09:30", 45))
        .unwrap();
    app.book_appointment(booking(&yacine, &two, "2026-11-25T09:15", 30))
        .unwrap();
    // Booked anyway (a child with its parent): both stand, and nothing waits in the inbox.
    let child = app
        .book_appointment(AppointmentInput {
            allow_overlap: true,
            ..booking(&yacine, &one, "2026-11-25T09:00", 15)
        })
        .unwrap();
    assert!(child.overlaps_with.is_empty());
    assert!(app.attention_inbox().unwrap().double_bookings.is_empty());

    // Moving onto a taken time is refused the same way; its own time is not "taken" by itself.
    let moved = app.update_appointment(&second.id, booking(&yacine, &one, "2026-11-25T09:10", 45));
    assert_eq!(moved.unwrap_err().code, code::CHAIR_TAKEN);
    let longer = app
        .update_appointment(&second.id, booking(&yacine, &one, "2026-11-25T09:30", 60))
        .unwrap();
    assert_eq!(longer.ends_at, "2026-11-25T10:30");

    // Through the day: arrived, completed; a cancelled appointment frees its chair.
    let arrived = app
        .set_appointment_status(&first.id, AppointmentStatus::Arrived)
        .unwrap();
    assert_eq!(arrived.status, AppointmentStatus::Arrived);
    app.set_appointment_status(&longer.id, AppointmentStatus::Cancelled)
        .unwrap();
    app.book_appointment(booking(&amina, &one, "2026-11-25T09:45", 30))
        .unwrap();

    let day = app.agenda_day("2026-11-25").unwrap();
    assert_eq!(day.chairs.len(), 2);
    // Cancelled: shown, but it no longer holds the chair.
    assert_eq!(
        day.appointments
            .iter()
            .map(|a| a.holds_chair)
            .collect::<Vec<_>>(),
        [true, true, true, false, true]
    );
    let times: Vec<(&str, &str, AppointmentStatus)> = day
        .appointments
        .iter()
        .map(|a| (a.starts_at.as_str(), a.chair_name.as_str(), a.status))
        .collect();
    // In time order; the two at 09:00 on one chair in the order they were booked (UUIDv7 ids).
    assert_eq!(
        times,
        vec![
            ("2026-11-25T09:00", "Fauteuil 1", AppointmentStatus::Arrived),
            ("2026-11-25T09:00", "Fauteuil 1", AppointmentStatus::Booked),
            ("2026-11-25T09:15", "Fauteuil 2", AppointmentStatus::Booked),
            (
                "2026-11-25T09:30",
                "Fauteuil 1",
                AppointmentStatus::Cancelled
            ),
            ("2026-11-25T09:45", "Fauteuil 1", AppointmentStatus::Booked),
        ]
    );
    assert!(
        app.agenda_day("2026-11-26")
            .unwrap()
            .appointments
            .is_empty()
    );

    // A chair out of service takes no new appointment but still shows on a day it holds one.
    app.save_chair(ChairInput {
        id: Some(two.id.clone()),
        name: two.name.clone(),
        active: false,
    })
    .unwrap();
    let refused = app
        .book_appointment(booking(&amina, &two, "2026-11-26T09:00", 30))
        .unwrap_err();
    assert_eq!(refused.code, code::INVALID_INPUT);
    assert_eq!(app.agenda_day("2026-11-25").unwrap().chairs.len(), 2);
    assert_eq!(app.agenda_day("2026-11-26").unwrap().chairs.len(), 1);

    // What the desk types is checked, with what to do.
    for (starts_at, minutes) in [
        ("2026-11-25T09:07", 30),
        ("2026-11-25T23:45", 30),
        ("2026-11-25T10:00", 0),
        ("25/11/2026 10:00", 30),
    ] {
        let bad = app
            .book_appointment(booking(&amina, &one, starts_at, minutes))
            .unwrap_err();
        assert_eq!(bad.code, code::INVALID_INPUT, "{starts_at} {minutes}");
    }
    assert_eq!(
        app.agenda_day("2026-11-31").unwrap_err().code,
        code::INVALID_INPUT
    );
}

#[test]
fn a_patients_appointments_come_soonest_first_then_the_past_latest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = pc(dir.path());
    set_up_clinic(&mut app, "database passphrase");
    let one = chair(&mut app, "Fauteuil 1");
    let amina = add_patient(&mut app, "Benali", "Amina", "1990-04-04");
    for starts_at in [
        "2020-01-10T09:00",
        "2099-03-01T10:00",
        "2021-06-01T11:00",
        "2099-01-05T08:00",
    ] {
        app.book_appointment(booking(&amina, &one, starts_at, 30))
            .unwrap();
    }
    let found = app.patient_appointments(&amina.id).unwrap();
    assert_eq!((found.coming.len(), found.past.len()), (2, 2));
    let order: Vec<String> = found
        .coming
        .into_iter()
        .chain(found.past)
        .map(|a| a.starts_at)
        .collect();
    assert_eq!(
        order,
        [
            "2099-01-05T08:00",
            "2099-03-01T10:00",
            "2021-06-01T11:00",
            "2020-01-10T09:00"
        ]
    );
}

#[test]
fn a_receptionist_books_but_only_the_owner_sets_up_chairs() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = pc(dir.path());
    set_up_clinic(&mut app, "database passphrase");
    let one = chair(&mut app, "Fauteuil 1");
    let amina = add_patient(&mut app, "Benali", "Amina", "1990-04-04");
    app.add_user(NewUserRequest {
        username: "sofia".into(),
        display_name: "Sofia".into(),
        role: Role::Receptionist,
        password: "reception pw 1".into(),
    })
    .unwrap();
    app.sign_out().unwrap();
    app.sign_in(SignInRequest {
        username: "sofia".into(),
        password: "reception pw 1".into(),
    })
    .unwrap();
    let booked = app
        .book_appointment(booking(&amina, &one, "2026-11-25T09:00", 30))
        .unwrap();
    assert_eq!(booked.booked_by_name, "Sofia");
    let refused = app.save_chair(ChairInput {
        id: None,
        name: "Fauteuil 3".into(),
        active: true,
    });
    assert_eq!(refused.unwrap_err().code, code::PERMISSION_DENIED);
    app.sign_out().unwrap();
    app.sign_in(SignInRequest {
        username: "amel".into(),
        password: OWNER_PASSWORD.into(),
    })
    .unwrap();
    // An erased file cannot be booked again.
    app.erase_patient(&amina.id).unwrap();
    let refused = app.book_appointment(booking(&amina, &one, "2026-11-26T09:00", 30));
    assert_eq!(refused.unwrap_err().code, code::PATIENT_ERASED);
}

#[test]
fn one_chair_booked_at_two_pcs_while_apart_waits_in_both_inboxes_until_one_decides() {
    let work = tempfile::tempdir().unwrap();
    let relay = loopback_relay(work.path());
    let (mut a, mut b) = owner_pc_and_second_pc(work.path(), &relay);
    let one = chair(&mut a, "Fauteuil 1");
    let amina = add_patient(&mut a, "Benali", "Amina", "1990-04-04");
    a.add_user(NewUserRequest {
        username: "karim".into(),
        display_name: "Dr Karim Haddad".into(),
        role: Role::Dentist,
        password: "dentist pw 12".into(),
    })
    .unwrap();
    let practitioners = a.practitioners().unwrap();
    let id_of = |name: &str| {
        practitioners
            .iter()
            .find(|p| p.display_name == name)
            .map(|p| p.id.clone())
    };
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();
    let yacine = add_patient(&mut b, "Ben Ali", "Yacine", "1985-11-03");

    // Apart: each desk sees the chair free at 10:00.
    let at_a = a
        .book_appointment(booking(&amina, &one, "2026-11-25T10:00", 30))
        .unwrap();
    let at_b = b
        .book_appointment(booking(&yacine, &one, "2026-11-25T10:15", 30))
        .unwrap();
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();

    for app in [&mut a, &mut b] {
        let inbox = app.attention_inbox().unwrap();
        assert_eq!(inbox.double_bookings.len(), 1);
        let pair = &inbox.double_bookings[0];
        assert_eq!(pair.chair_name, "Fauteuil 1");
        assert_eq!(
            (pair.first.id.as_str(), pair.second.id.as_str()),
            (at_a.id.as_str(), at_b.id.as_str())
        );
        assert_eq!(pair.second.patient.last_name, "Ben Ali");
        let day = app.agenda_day("2026-11-25").unwrap();
        assert!(day.appointments.iter().all(|x| x.overlaps_with.len() == 1));
    }
    assert_eq!(a.end_of_day(None).unwrap().conflicts_waiting, 1);

    // A moves its own appointment and B, apart again, moves it too, each naming another
    // practitioner: two concurrent edits.
    a.update_appointment(
        &at_a.id,
        AppointmentInput {
            practitioner_id: id_of("Dr Amel Benali"),
            ..booking(&amina, &one, "2026-11-25T11:00", 30)
        },
    )
    .unwrap();
    b.update_appointment(
        &at_a.id,
        AppointmentInput {
            practitioner_id: id_of("Dr Karim Haddad"),
            ..booking(&amina, &one, "2026-11-25T15:00", 30)
        },
    )
    .unwrap();
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();
    for app in [&mut a, &mut b] {
        let inbox = app.attention_inbox().unwrap();
        // Moved apart from Yacine's appointment either way: no double booking is left.
        assert!(inbox.double_bookings.is_empty());
        let moved: Vec<&EditConflictInfo> = inbox
            .edit_conflicts
            .iter()
            .filter(|c| c.table == "appointment")
            .collect();
        let fields: Vec<&str> = moved.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["practitioner_id", "starts_at"]);
        let time = moved[1];
        assert_eq!(time.patient.last_name, "Benali");
        assert_eq!(
            time.appointment_starts_at.as_deref(),
            Some(time.current_value.as_str())
        );
        // The practitioners are shown by name, never by id.
        let mut names = [
            moved[0].current_value.as_str(),
            moved[0].other_value.as_str(),
        ];
        names.sort();
        assert_eq!(names, ["Dr Amel Benali", "Dr Karim Haddad"]);
    }

    // B books Amina over Yacine on purpose; apart, A and B each book 16:00 on the chair.
    let third = b
        .book_appointment(AppointmentInput {
            allow_overlap: true,
            ..booking(&amina, &one, "2026-11-25T10:15", 15)
        })
        .unwrap();
    let fourth = a
        .book_appointment(booking(&amina, &one, "2026-11-25T16:00", 30))
        .unwrap();
    let fifth = b
        .book_appointment(booking(&yacine, &one, "2026-11-25T16:00", 30))
        .unwrap();
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();
    // The pair kept on purpose at B waits nowhere; the one made apart waits on both.
    for app in [&mut a, &mut b] {
        let waiting = app.attention_inbox().unwrap().double_bookings;
        let ids: Vec<(&str, &str)> = waiting
            .iter()
            .map(|d| (d.first.id.as_str(), d.second.id.as_str()))
            .collect();
        let mut expected = [fourth.id.as_str(), fifth.id.as_str()];
        expected.sort();
        assert_eq!(ids, vec![(expected[0], expected[1])]);
        assert!(!ids.iter().any(|(x, y)| *x == third.id || *y == third.id));
    }
    a.keep_double_booking(KeepDoubleBookingRequest {
        first_id: fifth.id.clone(),
        second_id: fourth.id.clone(),
    })
    .unwrap();
    // Decided once: asking again says it no longer waits.
    let again = a.keep_double_booking(KeepDoubleBookingRequest {
        first_id: fourth.id.clone(),
        second_id: fifth.id.clone(),
    });
    assert_eq!(again.unwrap_err().code, code::NOT_FOUND);
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();
    assert!(b.attention_inbox().unwrap().double_bookings.is_empty());
    assert_eq!(
        b.end_of_day(None).unwrap().conflicts_waiting,
        2,
        "the concurrent move and practitioner"
    );

    // Taking the time the concurrent move lost is a move too: the chair rule holds. A books
    // Yacine at that time on the chair; B's "take the other value" is refused as taken, the
    // conflict still waits, and taken anyway it keeps the pair on purpose on every PC.
    let conflict = b
        .attention_inbox()
        .unwrap()
        .edit_conflicts
        .into_iter()
        .find(|c| c.table == "appointment" && c.field == "starts_at")
        .unwrap();
    let blocker = a
        .book_appointment(booking(&yacine, &one, &conflict.other_value, 30))
        .unwrap();
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();
    let take = |allow_overlap: bool| ResolveConflictRequest {
        allow_overlap,
        ..ResolveConflictRequest::for_conflict(&conflict, ConflictChoice::TakeOther)
    };
    let refused = b.resolve_edit_conflict(take(false)).unwrap_err();
    assert_eq!(refused.code, code::CHAIR_TAKEN, "{refused:?}");
    assert!(
        refused.message.contains("take the other value anyway"),
        "{}",
        refused.message
    );
    let unchanged = b.agenda_day("2026-11-25").unwrap();
    let moved = unchanged
        .appointments
        .iter()
        .find(|x| x.id == at_a.id)
        .unwrap();
    assert_eq!(moved.starts_at, conflict.current_value, "nothing written");
    assert!(
        b.attention_inbox()
            .unwrap()
            .edit_conflicts
            .iter()
            .any(|c| c.field == "starts_at"),
        "the conflict still waits"
    );
    b.resolve_edit_conflict(take(true)).unwrap();
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();
    for app in [&mut a, &mut b] {
        let day = app.agenda_day("2026-11-25").unwrap();
        let moved = day.appointments.iter().find(|x| x.id == at_a.id).unwrap();
        assert_eq!(moved.starts_at, conflict.other_value);
        // On the chair with Yacine's, the pair kept: it waits in no inbox.
        let holders = app
            .chair_holders(ChairHoldersRequest {
                chair_id: one.id.clone(),
                starts_at: moved.starts_at.clone(),
                duration_min: 30,
                except_id: Some(at_a.id.clone()),
            })
            .unwrap();
        assert_eq!(
            holders.iter().map(|h| &h.id).collect::<Vec<_>>(),
            [&blocker.id]
        );
        let inbox = app.attention_inbox().unwrap();
        assert!(inbox.double_bookings.is_empty(), "kept on purpose");
        assert!(!inbox.edit_conflicts.iter().any(|c| c.field == "starts_at"));
    }
}
