//! Revoking a PC renews the clinic's recovery key and its data key: the revoked PC holds the
//! clinic key, from which the old recovery key derives, and must not be able to join again with
//! it as a new device, nor read what the clinic writes from then on. Two PCs of one clinic through a real relay on loopback (in this process).

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;
#[path = "common/two_pcs.rs"]
#[allow(dead_code)] // the helpers for files are not needed here
mod two_pcs;

use std::path::Path;

use chairside_app::{App, RestoreClinicRequest};
use two_pcs::*;

/// A new PC restoring the clinic with `key`: its app (the clinic arriving), or the error's code
/// and reason.
fn restore(dir: &Path, relay_url: &str, key: &str) -> Result<App, (String, Option<String>)> {
    let mut app = pc(dir);
    app.restore_clinic(RestoreClinicRequest {
        relay_url: relay_url.into(),
        recovery_key: key.into(),
        device_name: "Poste de secours".into(),
        passphrase: Some("restored PC passphrase".into()),
    })
    .map_err(|e| (e.code, e.reason))?;
    Ok(app)
}

/// The key `app` prints (checked with the relay when it can be reached).
fn key(app: &mut App) -> String {
    app.recovery_key().unwrap().key
}

fn characters(key: &str) -> usize {
    key.chars().filter(char::is_ascii_alphanumeric).count()
}

#[test]
fn revoking_a_pc_renews_the_recovery_key_so_the_pc_cannot_join_again_with_the_old_one() {
    let work = tempfile::tempdir().unwrap();
    let url = loopback_relay(&work.path().join("relay"));
    let (mut a, mut b) = owner_pc_and_second_pc(work.path(), &url);
    add_patient(&mut a, "Benali", "Samia", "1979-02-11");
    a.sync_now(None).unwrap();
    let first_key = key(&mut a);
    assert_eq!(characters(&first_key), 80);
    // What the second PC prints is the clinic's key: it will keep it once revoked.
    assert_eq!(key(&mut b), first_key);

    let b_id = a
        .list_devices()
        .unwrap()
        .into_iter()
        .find(|d| !d.this_device)
        .unwrap()
        .id;
    let revoked = a.revoke_device(&b_id).unwrap();
    assert!(revoked.recovery_key_renewed);
    assert_eq!(
        revoked.key_waiting_for,
        Vec::<String>::new(),
        "no other PC to wait for"
    );
    let err = b.sync_now(None).unwrap_err();
    assert_eq!(err.code, "permission_denied", "{err:?}");
    // The clinic's data key was renewed with it: what is written now is sealed under a key
    // the revoked PC never received (see chairside-sync's scenario tests for the relay's bytes).
    add_patient(&mut a, "Mansouri", "Nadia", "1988-09-30");

    // The owner's PC prints the new key; the revoked PC still prints the old one, which now
    // adds no device, and nothing is left of the attempt.
    let renewed = key(&mut a);
    assert_eq!(characters(&renewed), 104);
    assert_ne!(renewed, first_key);
    let on_revoked = b.recovery_key().unwrap();
    assert_eq!(on_revoked.key, first_key);
    assert_eq!(
        on_revoked.unchecked.map(|e| e.code).as_deref(),
        Some("permission_denied")
    );
    let thief = work.path().join("thief");
    assert_eq!(
        restore(&thief, &url, &first_key).err(),
        Some(("sync_refused".into(), Some("not_found".into())))
    );
    assert!(!chairside_store::Store::exists(&thief));

    // The new key restores the clinic on a new PC, which then prints the same key.
    a.sync_now(None).unwrap();
    let mut rescued = restore(&work.path().join("rescue"), &url, &renewed).unwrap();
    rescued.initial_sync().unwrap();
    rescued
        .sign_in(chairside_app::SignInRequest {
            username: "amel".into(),
            password: common::OWNER_PASSWORD.into(),
        })
        .unwrap();
    rescued.sync_now(None).unwrap();
    assert_eq!(key(&mut rescued), renewed);
    // It reads the file written before the renewal (under the older key, from the relay's
    // ring) and the one written since (under the key the sheet holds).
    for name in ["Benali", "Mansouri"] {
        assert_eq!(rescued.search_patients(name).unwrap().len(), 1, "{name}");
    }

    // Revoking a PC already revoked renews nothing; the owner may renew by hand (a sheet lost).
    assert!(!a.revoke_device(&b_id).unwrap().recovery_key_renewed);
    assert_eq!(key(&mut a), renewed);
    let by_hand = a.renew_recovery_key().unwrap();
    assert_ne!(by_hand, renewed);
    assert_eq!(key(&mut a), by_hand);
    // The restored PC has not synced since: showing the key, it finds the renewal at the relay
    // and prints the key that works, not the one its clinic row held.
    let shown = rescued.recovery_key().unwrap();
    assert_eq!(
        (shown.key.as_str(), shown.renewed_elsewhere),
        (by_hand.as_str(), true)
    );
    assert_eq!(shown.unchecked, None);
    let shown_again = rescued.recovery_key().unwrap();
    assert_eq!(
        (shown_again.key, shown_again.renewed_elsewhere),
        (by_hand.clone(), false)
    );
    // It may renew in turn; the owner's PC, before any sync, prints that key too.
    let from_rescued = rescued.renew_recovery_key().unwrap();
    assert_ne!(from_rescued, by_hand);
    let shown = a.recovery_key().unwrap();
    assert_eq!(
        (shown.key.as_str(), shown.renewed_elsewhere),
        (from_rescued.as_str(), true)
    );
    rescued.sync_now(None).unwrap();
    a.sync_now(None).unwrap();
    assert_eq!(key(&mut a), from_rescued);

    // A PC whose request to join is only pending never had the key: refusing it by revoking it
    // (as `chairside device revoke` does) renews nothing.
    let code = a.device_invite(None).unwrap().code;
    let mut late = pc(&work.path().join("late"));
    late.join_clinic(chairside_app::JoinClinicRequest {
        relay_url: url.clone(),
        code,
        device_name: "Accueil".into(),
        passphrase: Some("late PC passphrase".into()),
    })
    .unwrap();
    let pending = a.pending_devices().unwrap();
    assert_eq!(pending.len(), 1);
    assert!(
        !a.revoke_device(&pending[0].device_id)
            .unwrap()
            .recovery_key_renewed
    );
    assert_eq!(key(&mut a), from_rescued);

    // A relay that cannot be reached: the key this PC holds, said unchecked.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    assert!(a.sync_now(Some(&dead_url)).is_err());
    let offline = a.recovery_key().unwrap();
    assert_eq!(offline.key, from_rescued);
    assert_eq!(
        offline.unchecked.map(|e| e.code).as_deref(),
        Some("sync_unreachable")
    );
}
