//! The application API as the UI and CLI use it: first run, sign-in, idle lock, permissions.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chairside_app::*;
use chairside_store::KdfParams;

const OWNER_PW: &str = "owner password 1";

/// A clock the test moves by hand.
fn manual_clock() -> (Clock, Arc<Mutex<Instant>>) {
    let now = Arc::new(Mutex::new(Instant::now()));
    let handle = now.clone();
    (Arc::new(move || *handle.lock().unwrap()), now)
}

fn setup_request() -> SetupRequest {
    SetupRequest {
        clinic_name: "Cabinet Dentaire Benali".into(),
        address: "12 rue Didouche Mourad, Alger".into(),
        timezone: "Africa/Algiers".into(),
        phone_region: "DZ".into(),
        language: Language::French,
        owner_username: "amel".into(),
        owner_display_name: "Dr Amel Benali".into(),
        owner_password: OWNER_PW.into(),
        passphrase: Some("database passphrase".into()),
    }
}

fn new_app(dir: &std::path::Path) -> (App, Arc<Mutex<Instant>>) {
    let (clock, handle) = manual_clock();
    (
        App::new(dir)
            .with_clock(clock)
            .with_kdf(KdfParams::FAST_INSECURE_FOR_TESTS),
        handle,
    )
}

fn signed_in_owner(dir: &std::path::Path) -> (App, Arc<Mutex<Instant>>) {
    let (mut app, clock) = new_app(dir);
    app.setup(setup_request()).unwrap();
    app.sign_in(SignInRequest {
        username: "amel".into(),
        password: OWNER_PW.into(),
    })
    .unwrap();
    (app, clock)
}

#[test]
fn first_run_setup_then_sign_in_reaches_the_home_screen() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _) = new_app(dir.path());
    assert_eq!(app.status().unwrap().phase, AppPhase::NeedsSetup);
    let status = app.setup(setup_request()).unwrap();
    assert_eq!(status.phase, AppPhase::SignedOut);
    assert_eq!(
        status.clinic_name.as_deref(),
        Some("Cabinet Dentaire Benali")
    );
    assert_eq!(status.key_storage, Some(KeyStorage::Passphrase));

    let err = app
        .sign_in(SignInRequest {
            username: "amel".into(),
            password: "nope".into(),
        })
        .unwrap_err();
    assert_eq!(err.code, code::WRONG_CREDENTIALS);
    let err = app
        .sign_in(SignInRequest {
            username: "nobody".into(),
            password: OWNER_PW.into(),
        })
        .unwrap_err();
    assert_eq!(
        err.code,
        code::WRONG_CREDENTIALS,
        "unknown users get the same answer"
    );

    let status = app
        .sign_in(SignInRequest {
            username: " Amel ".into(),
            password: OWNER_PW.into(),
        })
        .unwrap();
    assert_eq!(status.phase, AppPhase::SignedIn);
    let session = status.session.unwrap();
    assert_eq!(session.role, Role::Owner);
    assert!(session.permissions.contains(&Permission::ManageUsers));
    assert_eq!(session.idle_lock_seconds, 300);
    let info = app.clinic_info().unwrap();
    assert_eq!(info.timezone, "Africa/Algiers");
    assert_eq!(info.default_national_id_kind.as_deref(), Some("dz_cnas"));
}

#[test]
fn a_second_setup_is_refused_and_a_restart_needs_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _) = new_app(dir.path());
    app.setup(setup_request()).unwrap();
    assert_eq!(
        app.setup(setup_request()).unwrap_err().code,
        code::ALREADY_INITIALISED
    );
    drop(app);

    let (mut app, _) = new_app(dir.path());
    assert_eq!(app.status().unwrap().phase, AppPhase::StoreLocked);
    assert_eq!(
        app.setup(setup_request()).unwrap_err().code,
        code::ALREADY_INITIALISED
    );
    let err = app
        .unlock_store(UnlockStoreRequest {
            passphrase: "wrong one".into(),
        })
        .unwrap_err();
    assert_eq!(err.code, code::WRONG_PASSPHRASE);
    let status = app
        .unlock_store(UnlockStoreRequest {
            passphrase: "database passphrase".into(),
        })
        .unwrap();
    assert_eq!(status.phase, AppPhase::SignedOut);
}

#[test]
fn setup_refuses_bad_input_by_field_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _) = new_app(dir.path());
    type Mutation = Box<dyn Fn(&mut SetupRequest)>;
    let cases: Vec<(Mutation, &str)> = vec![
        (Box::new(|r| r.clinic_name = "  ".into()), "clinic_name"),
        (
            Box::new(|r| r.timezone = "Europe/Atlantis".into()),
            "timezone",
        ),
        (Box::new(|r| r.phone_region = "XX".into()), "phone_region"),
        (Box::new(|r| r.owner_username = "a b".into()), "username"),
        (
            Box::new(|r| r.owner_password = "short".into()),
            "owner_password",
        ),
        (
            Box::new(|r| r.passphrase = Some("short".into())),
            "passphrase",
        ),
    ];
    for (mutate, field) in cases {
        let mut req = setup_request();
        mutate(&mut req);
        let err = app.setup(req).unwrap_err();
        assert_eq!(err.code, code::INVALID_INPUT, "{field}: {}", err.message);
        assert!(err.message.starts_with(field), "{field}: {}", err.message);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{field}: nothing written"
        );
    }
    if !app.keyring_available() {
        let mut req = setup_request();
        req.passphrase = None;
        let err = app.setup(req).unwrap_err();
        assert!(err.message.contains("no OS keyring"), "{}", err.message);
    }
}

#[test]
fn the_session_locks_after_the_idle_time_and_activity_pushes_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, clock) = signed_in_owner(dir.path());
    let advance = |secs: u64| *clock.lock().unwrap() += Duration::from_secs(secs);

    advance(200);
    app.record_activity().unwrap();
    advance(200);
    assert_eq!(
        app.status().unwrap().phase,
        AppPhase::SignedIn,
        "400 s in, but only 200 s idle"
    );
    advance(99);
    assert_eq!(
        app.status().unwrap().phase,
        AppPhase::SignedIn,
        "polling is not activity"
    );
    advance(1);
    assert_eq!(app.status().unwrap().phase, AppPhase::SessionLocked);
    assert_eq!(app.list_users().unwrap_err().code, code::SESSION_LOCKED);
    assert_eq!(
        app.record_activity().unwrap().phase,
        AppPhase::SessionLocked,
        "activity does not unlock"
    );

    let err = app
        .unlock_session(UnlockSessionRequest {
            password: "wrong".into(),
        })
        .unwrap_err();
    assert_eq!(err.code, code::WRONG_CREDENTIALS);
    let status = app
        .unlock_session(UnlockSessionRequest {
            password: OWNER_PW.into(),
        })
        .unwrap();
    assert_eq!(status.phase, AppPhase::SignedIn);

    // The owner shortens the idle time; it applies at once.
    app.update_settings(SettingsUpdate {
        language: Language::English,
        idle_lock_seconds: 30,
    })
    .unwrap();
    advance(30);
    assert_eq!(app.status().unwrap().phase, AppPhase::SessionLocked);
    assert_eq!(app.status().unwrap().language, Language::English);
    let err = app
        .unlock_session(UnlockSessionRequest {
            password: OWNER_PW.into(),
        })
        .map(|_| ());
    assert!(err.is_ok());
    assert_eq!(app.lock_session().unwrap().phase, AppPhase::SessionLocked);
    assert_eq!(app.sign_out().unwrap().phase, AppPhase::SignedOut);
}

#[test]
fn permissions_are_checked_on_every_call_and_refusals_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _) = signed_in_owner(dir.path());
    let reception = app
        .add_user(NewUserRequest {
            username: "sofia".into(),
            display_name: "Sofia".into(),
            role: Role::Receptionist,
            password: "reception pw 1".into(),
        })
        .unwrap();
    assert_eq!(reception.role, Role::Receptionist);
    let dup = app
        .add_user(NewUserRequest {
            username: "SOFIA".into(),
            display_name: "".into(),
            role: Role::Dentist,
            password: "another pw 12".into(),
        })
        .unwrap_err();
    assert_eq!(dup.code, code::CONFLICT);
    assert_eq!(app.list_users().unwrap().len(), 2);
    app.sign_out().unwrap();

    assert_eq!(app.list_users().unwrap_err().code, code::NOT_SIGNED_IN);
    app.sign_in(SignInRequest {
        username: "sofia".into(),
        password: "reception pw 1".into(),
    })
    .unwrap();
    app.clinic_info().unwrap();
    for err in [
        app.list_users().unwrap_err(),
        app.update_settings(SettingsUpdate {
            language: Language::French,
            idle_lock_seconds: 60,
        })
        .unwrap_err(),
        app.create_backup(&dir.path().join("x.bak")).unwrap_err(),
        app.verify_audit().unwrap_err(),
    ] {
        assert_eq!(err.code, code::PERMISSION_DENIED, "{}", err.message);
        assert!(err.message.contains("receptionist"), "{}", err.message);
    }
    assert!(!dir.path().join("x.bak").exists());
    app.sign_out().unwrap();

    app.sign_in(SignInRequest {
        username: "amel".into(),
        password: OWNER_PW.into(),
    })
    .unwrap();
    let verification = app.verify_audit().unwrap();
    assert!(verification.ok, "{verification:?}");
    // setup (2) + sign-ins, user creation, list, the 4 refusals, sign-outs...
    assert!(verification.entries >= 12, "{verification:?}");
    let check = app.check_database().unwrap();
    assert!(check.ok, "{check:?}");
}

#[test]
fn an_owner_backup_restores_into_a_new_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (mut app, _) = signed_in_owner(&dir.path().join("a"));
    let file = out.path().join("clinic.backup");
    let summary = app.create_backup(&file).unwrap();
    assert_eq!(summary.key_storage, KeyStorage::Passphrase);
    drop(app);
    let target = dir.path().join("b");
    App::restore_backup(&target, &file, Some("database passphrase"), None).unwrap();
    let (mut restored, _) = new_app(&target);
    restored
        .unlock_store(UnlockStoreRequest {
            passphrase: "database passphrase".into(),
        })
        .unwrap();
    restored
        .sign_in(SignInRequest {
            username: "amel".into(),
            password: OWNER_PW.into(),
        })
        .unwrap();
    assert_eq!(
        restored.clinic_info().unwrap().name,
        "Cabinet Dentaire Benali"
    );

    // Replacing a live clinic needs its owner.
    drop(restored);
    let err = App::restore_backup(&target, &file, Some("database passphrase"), None).unwrap_err();
    assert_eq!(err.code, code::NOT_SIGNED_IN);
    App::restore_backup(
        &target,
        &file,
        Some("database passphrase"),
        Some(SignInRequest {
            username: "amel".into(),
            password: OWNER_PW.into(),
        }),
    )
    .unwrap();
}

/// A read the app makes on its own after a sync (`refresh`) neither holds off the idle lock nor
/// passes it, and leaves no audit entry, where the person's opening of the same view (`open`)
/// is audited once.
fn a_refresh_is_not_activity_and_leaves_no_audit_entry(
    open: impl Fn(&mut App) -> Result<()>,
    refresh: impl Fn(&mut App) -> Result<()>,
) {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, clock) = signed_in_owner(dir.path());
    let advance = |secs: u64| *clock.lock().unwrap() += Duration::from_secs(secs);
    advance(200);
    refresh(&mut app).unwrap();
    advance(100);
    assert_eq!(app.status().unwrap().phase, AppPhase::SessionLocked);
    assert_eq!(refresh(&mut app).unwrap_err().code, code::SESSION_LOCKED);

    let dir = tempfile::tempdir().unwrap();
    let (mut app, _) = signed_in_owner(dir.path());
    let entries = |app: &mut App| app.verify_audit().unwrap().entries;
    let first = entries(&mut app);
    let per_check = entries(&mut app) - first;
    let before = entries(&mut app);
    open(&mut app).unwrap();
    assert_eq!(entries(&mut app) - before, per_check + 1);
    let before = entries(&mut app);
    refresh(&mut app).unwrap();
    assert_eq!(entries(&mut app) - before, per_check);
}

#[test]
fn the_agenda_refreshed_after_a_sync_is_not_activity_and_leaves_no_audit_entry() {
    a_refresh_is_not_activity_and_leaves_no_audit_entry(
        |app| app.agenda_day("2026-11-25").map(|_| ()),
        |app| app.agenda_day_refresh("2026-11-25").map(|_| ()),
    );
}

#[test]
fn the_inbox_refreshed_after_a_sync_is_not_activity_and_leaves_no_audit_entry() {
    // The same inbox either way (what it holds after merges is tested with the inbox).
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _) = signed_in_owner(dir.path());
    let opened = app.attention_inbox().unwrap();
    assert_eq!(app.attention_inbox_refresh().unwrap(), opened);
    a_refresh_is_not_activity_and_leaves_no_audit_entry(
        |app| app.attention_inbox().map(|_| ()),
        |app| app.attention_inbox_refresh().map(|_| ()),
    );
}
