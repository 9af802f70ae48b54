//! Joining a clinic from a new PC, and giving the join up before the clinic arrives, through the
//! application API against a real relay on loopback (in this process).

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use std::sync::{Arc, Mutex};

use chairside_app::*;
use chairside_relay::{FsBlobStore, RateLimit, SqliteStorage, router, serve_on_loopback};
use chairside_store::{KdfParams, Store};
use common::*;

fn relay(dir: &std::path::Path) -> String {
    let storage = Arc::new(SqliteStorage::open(&dir.join("relay.sqlite")).unwrap());
    let blobs = Arc::new(FsBlobStore::open(&dir.join("blobs")).unwrap());
    let app = router(storage, blobs, RateLimit::default());
    format!("http://{}", serve_on_loopback(app).unwrap())
}

/// The clinic's first PC, signed in as its owner and synced once (which registers the clinic).
fn owner_pc(dir: &std::path::Path, relay_url: &str) -> App {
    let mut app = App::new(dir).with_kdf(KdfParams::FAST_INSECURE_FOR_TESTS);
    set_up_clinic(&mut app, "owner database passphrase");
    let first = app.sync_now(Some(relay_url)).unwrap();
    // Plain HTTP on loopback keeps the secret on this PC: no warning.
    assert!(!first.relay_in_clear, "{relay_url}");
    app
}

fn join(app: &Mutex<App>, relay_url: &str, code: &str) -> Result<String> {
    app.lock().unwrap().join_clinic(JoinClinicRequest {
        relay_url: relay_url.into(),
        code: code.into(),
        device_name: "Fauteuil 2".into(),
        passphrase: Some("new PC passphrase".into()),
    })
}

#[test]
fn a_join_given_up_before_approval_leaves_the_pc_as_new_and_it_can_join_again() {
    let work = tempfile::tempdir().unwrap();
    let relay_url = relay(work.path());
    let mut owner = owner_pc(&work.path().join("owner"), &relay_url);
    let new_pc_dir = work.path().join("new-pc");
    let new_pc = Arc::new(Mutex::new(App::new(&new_pc_dir)));
    // The desktop's background sync runs beside the app and holds its own connection.
    let background = BackgroundSync::spawn(new_pc.clone());

    let code = owner.device_invite(None).unwrap().code;
    join(&new_pc, &relay_url, &code).unwrap();
    assert_eq!(
        new_pc.lock().unwrap().status().unwrap().phase,
        AppPhase::JoiningClinic
    );
    // The agent opens its connection to the new store and tries to complete the join.
    let waiting = background.status(&new_pc);
    assert_ne!(waiting.state, SyncState::NotConfigured, "{waiting:?}");

    // Straight to the app, the agent's connection still open: refused, nothing deleted, the
    // join goes on.
    let err = new_pc.lock().unwrap().cancel_joining().unwrap_err();
    assert_eq!(err.code, "in_use", "{err:?}");
    assert!(Store::exists(&new_pc_dir));
    assert_eq!(
        new_pc.lock().unwrap().status().unwrap().phase,
        AppPhase::JoiningClinic
    );

    let status = background.cancel_joining(&new_pc).unwrap();
    assert_eq!(status.phase, AppPhase::NeedsSetup);
    assert!(!Store::exists(&new_pc_dir));
    assert!(
        !new_pc_dir
            .join(chairside_store::DATABASE_FILE_NAME)
            .exists()
    );
    // Nothing is left to cancel.
    let err = background.cancel_joining(&new_pc).unwrap_err();
    assert_eq!(err.code, "conflict", "{err:?}");

    // The same data directory joins with a new code, and this time the owner approves.
    let code = owner.device_invite(None).unwrap().code;
    let fingerprint = join(&new_pc, &relay_url, &code).unwrap();
    let pending = owner.pending_devices().unwrap();
    assert_eq!(
        pending.len(),
        2,
        "the abandoned request and the new one: {pending:?}"
    );
    // The owner refuses the request given up (its fingerprint is not the one the new PC shows
    // now) and approves the other.
    let (mine, abandoned): (Vec<_>, Vec<_>) = pending
        .into_iter()
        .partition(|p| p.fingerprint == fingerprint);
    owner.refuse_device(&abandoned[0].device_id).unwrap();
    let still = owner.pending_devices().unwrap();
    assert_eq!(still.len(), 1, "{still:?}");
    assert_eq!(still[0].fingerprint, fingerprint);
    let err = owner.refuse_device(&abandoned[0].device_id).unwrap_err();
    assert!(err.message.contains("no pending request"), "{err:?}");
    owner.approve_device(&mine[0].device_id).unwrap();
    background
        .with_agent(&new_pc, |agent| agent.sync().map(|_| ()))
        .unwrap()
        .unwrap();
    assert_eq!(
        new_pc.lock().unwrap().status().unwrap().phase,
        AppPhase::SignedOut,
        "the clinic has arrived"
    );
    assert_eq!(
        new_pc
            .lock()
            .unwrap()
            .status()
            .unwrap()
            .clinic_name
            .as_deref(),
        Some("Cabinet El Biar")
    );
    // The refused request never joined: the device list shows the owner's PC and the new one.
    let devices = owner.list_devices().unwrap();
    assert_eq!(devices.len(), 2, "{devices:?}");
    assert!(devices.iter().all(|d| d.id != abandoned[0].device_id));
    // Once the clinic is here, there is no join to give up.
    let err = background.cancel_joining(&new_pc).unwrap_err();
    assert_eq!(err.code, "conflict", "{err:?}");
    assert!(Store::exists(&new_pc_dir));
    // The background sync's own syncs end before the process does.
    background.stop();
}

#[test]
fn giving_up_is_refused_on_a_pc_that_holds_a_clinic() {
    let work = tempfile::tempdir().unwrap();
    let relay_url = relay(work.path());
    let owner_dir = work.path().join("owner");
    let mut owner = owner_pc(&owner_dir, &relay_url);
    let err = owner.cancel_joining().unwrap_err();
    assert_eq!(err.code, "conflict", "{err:?}");
    assert!(err.message.contains("nothing to cancel"), "{err:?}");
    assert!(Store::exists(&owner_dir));
    assert_eq!(owner.status().unwrap().phase, AppPhase::SignedIn);
}

#[test]
fn a_join_the_relay_refuses_leaves_the_data_directory_as_it_was() {
    let work = tempfile::tempdir().unwrap();
    let relay_url = relay(work.path());
    let mut owner = owner_pc(&work.path().join("owner"), &relay_url);
    let new_pc_dir = work.path().join("new-pc");
    std::fs::create_dir_all(&new_pc_dir).unwrap();
    std::fs::write(new_pc_dir.join("notes.txt"), "kept").unwrap();
    let new_pc = Mutex::new(App::new(&new_pc_dir));

    // Well formed, but no clinic issued it.
    let err = join(&new_pc, &relay_url, "K7QX-M2PD").unwrap_err();
    assert_eq!(err.code, "sync_refused", "{err:?}");
    // The relay's own code comes along, for the UI to word the refusal.
    assert_eq!(err.reason.as_deref(), Some("bad_code"), "{err:?}");
    let left: Vec<_> = std::fs::read_dir(&new_pc_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, ["notes.txt"], "only what was there before");
    assert_eq!(
        new_pc.lock().unwrap().status().unwrap().phase,
        AppPhase::NeedsSetup
    );

    let code = owner.device_invite(None).unwrap().code;
    join(&new_pc, &relay_url, &code).unwrap();
    assert_eq!(
        new_pc.lock().unwrap().status().unwrap().phase,
        AppPhase::JoiningClinic
    );
}

#[test]
fn a_recovery_key_the_relay_does_not_know_is_refused_with_its_reason() {
    let work = tempfile::tempdir().unwrap();
    let relay_url = relay(work.path());
    // A genuine key of a clinic that never synced with this relay.
    let mut elsewhere =
        App::new(work.path().join("elsewhere")).with_kdf(KdfParams::FAST_INSECURE_FOR_TESTS);
    set_up_clinic(&mut elsewhere, "elsewhere database passphrase");
    let key = elsewhere.recovery_key().unwrap().key;

    let new_pc_dir = work.path().join("new-pc");
    let mut new_pc = App::new(&new_pc_dir).with_kdf(KdfParams::FAST_INSECURE_FOR_TESTS);
    let err = new_pc
        .restore_clinic(RestoreClinicRequest {
            relay_url: relay_url.clone(),
            recovery_key: key,
            device_name: "Poste de secours".into(),
            passphrase: Some("new PC passphrase".into()),
        })
        .unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.reason.as_deref()),
        ("sync_refused", Some("not_found")),
        "{err:?}"
    );
    assert!(!Store::exists(&new_pc_dir), "nothing is left behind");
    assert_eq!(new_pc.status().unwrap().phase, AppPhase::NeedsSetup);
}
