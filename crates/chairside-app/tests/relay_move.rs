//! A clinic whose relay lost everything moves to a new, empty relay: a sync there is refused as
//! "the relay does not know this PC", the owner joins each PC to it (`App::rejoin_relay`), and
//! the PCs fill it with what they hold. Two PCs of one clinic through real relays on loopback
//! (in this process), the desktop's sync agent doing the syncs as in the app.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;
#[path = "common/two_pcs.rs"]
mod two_pcs;

use std::sync::{Arc, Mutex};

use chairside_app::{
    App, BackgroundSync, NewUserRequest, RejoinOutcome, RestoreClinicRequest, Role, SignInRequest,
};
use two_pcs::*;

const RECEPTIONIST_PASSWORD: &str = "reception password 1";

/// Nadia, a receptionist, on `app`'s clinic.
fn add_receptionist(app: &mut App) {
    app.add_user(NewUserRequest {
        username: "nadia".into(),
        display_name: "Nadia".into(),
        role: Role::Receptionist,
        password: RECEPTIONIST_PASSWORD.into(),
    })
    .unwrap();
}

/// Someone else signs in on `app`.
fn sign_in(app: &mut App, username: &str, password: &str) {
    app.sign_out().unwrap();
    app.sign_in(SignInRequest {
        username: username.into(),
        password: password.into(),
    })
    .unwrap();
}

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
    add_receptionist(&mut b);
    sign_in(&mut b, "nadia", RECEPTIONIST_PASSWORD);
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
    // The background sync's own syncs end before the process does.
    agent.stop();
    let mut a = a.lock().unwrap();
    a.sync_now(None).unwrap();
    let found = a.search_patients("haddad").unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(a.image_detail(&image).is_ok());
}

/// A planned move: the owner joins the new relay from one PC, which leaves word at the old one
/// (sealed under the clinic key); the other PC, its receptionist signed in, follows at its next
/// sync and brings what it wrote meanwhile. A join the relay refuses leaves the PC where it was.
/// The clinic moving back takes the word back at the relay it returns to.
#[test]
fn after_a_planned_move_the_other_pcs_follow_at_their_next_sync() {
    use chairside_app::MoveNoticeOutcome;
    let work = tempfile::tempdir().unwrap();
    let old = loopback_relay(&work.path().join("old"));
    let (mut a, mut b) = owner_pc_and_second_pc(work.path(), &old);
    add_receptionist(&mut b);
    b.sync_now(None).unwrap();
    sign_in(&mut b, "nadia", RECEPTIONIST_PASSWORD);

    // As in the Sync panel: a sync with the new address is refused (it does not know this PC),
    // then "join this PC to it" with the address now remembered. The old relay is told all the
    // same: it is the one this PC last synced with.
    let new = loopback_relay(&work.path().join("new"));
    let refused = a.sync_now(Some(&new)).unwrap_err();
    assert_eq!(refused.reason.as_deref(), Some("unknown_to_relay"));
    let joined = a.rejoin_relay(None).unwrap();
    assert_eq!(
        (joined.outcome, joined.old_relay),
        (RejoinOutcome::RegisteredClinic, MoveNoticeOutcome::Left)
    );
    a.sync_now(None).unwrap();

    // The front desk registers a patient, then its usual sync: it follows the clinic.
    add_patient(&mut b, "Haddad", "Yacine", "1988-08-08");
    let synced = b.sync_now(None).unwrap();
    assert_eq!(
        synced.followed_to.as_deref(),
        Some(new.as_str()),
        "{synced:?}"
    );
    assert_eq!(synced.relay_url, new);
    assert!(synced.checksums_match, "{synced:?}");
    let again = b.sync_now(None).unwrap();
    assert_eq!(
        (again.followed_to, again.relay_url.as_str()),
        (None, new.as_str())
    );
    a.sync_now(None).unwrap();
    assert_eq!(a.search_patients("haddad").unwrap().len(), 1);

    // A PC restored with the recovery key at the old relay (the address on an old sheet)
    // follows the clinic at its first sync.
    let key = a.recovery_key().unwrap().key;
    let mut rescued = pc(&work.path().join("rescued"));
    rescued
        .restore_clinic(RestoreClinicRequest {
            relay_url: old.clone(),
            recovery_key: key,
            device_name: "Poste de secours".into(),
            passphrase: Some("rescued PC passphrase".into()),
        })
        .unwrap();
    let first = rescued.initial_sync().unwrap();
    assert_eq!(
        first.followed_to.as_deref(),
        Some(new.as_str()),
        "{first:?}"
    );
    assert_eq!(first.relay_url, new);
    assert!(first.checksums_match, "{first:?}");

    // A relay that refuses the join (here: none listening) leaves the PC with the one it had.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    assert!(a.rejoin_relay(Some(&dead_url)).is_err());
    assert_eq!(a.sync_now(None).unwrap().relay_url, new);

    // The clinic moves back: the old relay knew this PC, and takes its word back; the new one
    // is told, and the front desk follows the clinic back.
    let back = a.rejoin_relay(Some(&old)).unwrap();
    assert_eq!(
        (back.outcome, back.old_relay),
        (RejoinOutcome::AlreadyKnown, MoveNoticeOutcome::Left)
    );
    a.sync_now(None).unwrap();
    let returned = b.sync_now(None).unwrap();
    assert_eq!(
        returned.followed_to.as_deref(),
        Some(old.as_str()),
        "{returned:?}"
    );
    assert!(b.sync_now(None).unwrap().followed_to.is_none(), "it stays");
}

/// The recovery key renewed at the new relay after a planned move: a PC still at the old relay
/// cannot follow (its proof is the old one) and is told what the owner does; the owner's PC syncs
/// once with the old relay, which brings it the key and goes back to the new relay by itself;
/// the PC then follows.
#[test]
fn a_pc_that_cannot_follow_is_told_and_follows_once_the_owner_synced_with_the_old_relay() {
    let work = tempfile::tempdir().unwrap();
    let old = loopback_relay(&work.path().join("old"));
    let (mut a, mut b) = owner_pc_and_second_pc(work.path(), &old);
    b.sync_now(None).unwrap();
    let new = loopback_relay(&work.path().join("new"));
    a.rejoin_relay(Some(&new)).unwrap();
    a.sync_now(None).unwrap();
    let renewed = a.renew_recovery_key().unwrap();
    // The key shown on the PC not moved yet is said unchecked: the relay it uses was left, and
    // knows nothing of the renewal made since at the new one.
    let shown = b.recovery_key().unwrap();
    assert_ne!(shown.key, renewed);
    let why = shown.unchecked.unwrap();
    assert_eq!(
        (why.code.as_str(), why.reason.as_deref()),
        ("sync_not_ready", Some("clinic_moved_away")),
        "{why:?}"
    );

    add_patient(&mut b, "Haddad", "Yacine", "1988-08-08");
    let refused = b.sync_now(None).unwrap_err();
    assert_eq!(
        (refused.code.as_str(), refused.reason.as_deref()),
        ("sync_refused", Some("move_not_followed")),
        "{refused:?}"
    );
    assert!(
        refused
            .message
            .contains(&format!("chairside sync --relay {old}")),
        "{refused:?}"
    );

    // The owner does what it says: one sync with the old relay, which follows back at once.
    let there = a.sync_now(Some(&old)).unwrap();
    assert_eq!(
        there.followed_to.as_deref(),
        Some(new.as_str()),
        "{there:?}"
    );
    let followed = b.sync_now(None).unwrap();
    assert_eq!(
        followed.followed_to.as_deref(),
        Some(new.as_str()),
        "{followed:?}"
    );
    a.sync_now(None).unwrap();
    assert_eq!(a.search_patients("haddad").unwrap().len(), 1);
}

/// A PC away when the recovery key was renewed, then a relay that lost everything: the new
/// relay refuses that PC's recovery proof (`proof_refused`); it asks to join with a pairing code
/// from the owner's PC, keeping what it holds, and its next sync sends what it typed while away.
/// Through real relays on loopback (HTTP).
#[test]
fn a_pc_away_during_a_renewal_rejoins_a_relay_that_lost_everything_with_a_pairing_code() {
    let work = tempfile::tempdir().unwrap();
    let old = loopback_relay(&work.path().join("old"));
    let (mut a, mut b) = owner_pc_and_second_pc(work.path(), &old);
    add_patient(&mut b, "Absente", "Rym", "1990-01-01");
    a.renew_recovery_key().unwrap();
    add_patient(&mut a, "Nouvelle", "Lina", "1991-01-01");
    a.sync_now(None).unwrap();

    // The relay is lost: an empty one takes its place, and the owner's PC fills it.
    let new = loopback_relay(&work.path().join("new"));
    a.rejoin_relay(Some(&new)).unwrap();
    a.sync_now(None).unwrap();
    let refused = b.rejoin_relay(Some(&new)).unwrap_err();
    assert_eq!(
        (refused.code.as_str(), refused.reason.as_deref()),
        ("sync_refused", Some("proof_refused")),
        "{refused:?}"
    );

    let code = a.device_invite(Some(&new)).unwrap().code;
    let asked = b.rejoin_with_code(&new, &code).unwrap();
    let waiting = b.sync_now(None).unwrap_err();
    assert_eq!(
        waiting.reason.as_deref(),
        Some("waiting_for_approval"),
        "{waiting:?}"
    );
    let pending = a.pending_devices().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].fingerprint, asked.fingerprint);
    a.approve_device(&pending[0].device_id).unwrap();
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();
    assert_eq!(
        a.search_patients("absente").unwrap().len(),
        1,
        "typed at B while away"
    );
    assert_eq!(
        b.search_patients("nouvelle").unwrap().len(),
        1,
        "written under the new key"
    );
}
