//! A clinic whose relay lost everything moves to a new, empty relay: a sync there is refused as
//! "the relay does not know this PC", the owner joins each PC to it (`App::rejoin_relay`), and
//! the PCs fill it with what they hold. Two PCs of one clinic through real relays on loopback
//! (in this process), the desktop's sync agent doing the syncs as in the app.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;
#[path = "common/two_pcs.rs"]
mod two_pcs;

use std::sync::{Arc, Mutex};

use chairside_app::{BackgroundSync, NewUserRequest, RejoinOutcome, Role, SignInRequest};
use two_pcs::*;

#[test]
fn the_owner_moves_each_pc_to_a_new_relay_which_they_fill_with_what_they_hold() {
    let work = tempfile::tempdir().unwrap();
    let old = loopback_relay(&work.path().join("old"));
    let (mut a, mut b) = owner_pc_and_second_pc(work.path(), &old);
    // The second PC's patient and radiograph; an erasure on the owner's PC (its log scrubbed).
    let kept = add_patient(&mut b, "Haddad", "Yacine", "1988-08-08");
    let image = import(&mut b, &kept, "real/CT_small.dcm");
    b.sync_now(None).unwrap();
    let erased = add_patient(&mut a, "Dupré", "Hélène", "1975-03-14");
    import(&mut a, &erased, "real/MR_small.dcm");
    a.sync_now(None).unwrap();
    a.erase_patient(&erased.id).unwrap();
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();

    // The old relay is gone; the new one knows nothing of the clinic.
    let new = loopback_relay(&work.path().join("new"));
    let a = Arc::new(Mutex::new(a));
    let agent = BackgroundSync::spawn(a.clone());
    let refused = a.lock().unwrap().sync_now(Some(&new)).unwrap_err();
    assert_eq!(
        (refused.code.as_str(), refused.reason.as_deref()),
        ("sync_not_ready", Some("unknown_to_relay")),
        "{refused:?}"
    );
    let joined = a.lock().unwrap().rejoin_relay(Some(&new)).unwrap();
    assert_eq!(joined.outcome, RejoinOutcome::RegisteredClinic);
    // The desktop's sync, on the agent's own connection.
    let filled = agent.sync_now(&a, None).unwrap();
    assert!(filled.carried > 0, "B's changes come from A: {filled:?}");
    assert!(filled.checksums_match, "{filled:?}");

    // On the second PC, a receptionist cannot join it to a relay; the owner signed in there can.
    b.add_user(NewUserRequest {
        username: "nadia".into(),
        display_name: "Nadia".into(),
        role: Role::Receptionist,
        password: "reception password 1".into(),
    })
    .unwrap();
    let sign_in = |b: &mut chairside_app::App, username: &str, password: &str| {
        b.sign_out().unwrap();
        b.sign_in(SignInRequest {
            username: username.into(),
            password: password.into(),
        })
        .unwrap();
    };
    sign_in(&mut b, "nadia", "reception password 1");
    let denied = b.rejoin_relay(Some(&new)).unwrap_err();
    assert_eq!(
        denied.code,
        chairside_app::code::PERMISSION_DENIED,
        "{denied:?}"
    );
    sign_in(&mut b, "amel", common::OWNER_PASSWORD);
    let joined = b.rejoin_relay(Some(&new)).unwrap();
    assert_eq!(joined.outcome, RejoinOutcome::JoinedClinic);
    let synced = b.sync_now(None).unwrap();
    assert!(synced.checksums_match, "{synced:?}");
    assert_eq!(synced.files_sent, 1, "B's file only B held: {synced:?}");
    let mut a = a.lock().unwrap();
    a.sync_now(None).unwrap();
    let found = a.search_patients("haddad").unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(a.image_detail(&image).is_ok());
}
