//! Sync between real processes: a `chairside-relay` on loopback and two data directories of the
//! same clinic, driven only through the `chairside` command line, as the issue's contract says.
//! The second PC joins with a pairing code approved on the first; a patient created on one
//! appears on the other; concurrent edits converge the same way on both; the relay's files hold
//! no patient data in clear; killing the relay mid-way loses nothing.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use chairside_scenarios::NewClinic;
use chairside_scenarios::RelayProcess as Relay;
use chairside_scenarios::TestAuthority as Authority;
use serde_json::Value;

const PASSPHRASE: &str = "la phrase secrète du cabinet";
const OWNER_PW: &str = "owner password 1";

fn chairside(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(chairside_scenarios::workspace_binary("chairside"));
    cmd.arg("--data-dir").arg(dir).args(args);
    cmd.env_remove("CHAIRSIDE_USER")
        .env("CHAIRSIDE_KEYRING", "off")
        .env("CHAIRSIDE_PASSPHRASE", PASSPHRASE)
        .env("CHAIRSIDE_PASSWORD", OWNER_PW);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn json(output: Output) -> Value {
    serde_json::from_str(&ok(output)).unwrap()
}

fn owner(dir: &Path, args: &[&str]) -> Value {
    owner_with(dir, args, &[])
}

/// `owner`, in the given environment.
fn owner_with(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Value {
    let mut all = vec!["--json", "--user", "amel"];
    all.extend_from_slice(args);
    json(chairside(dir, &all, envs))
}

fn show(dir: &Path, id: &str) -> Value {
    let mut p = owner(dir, &["patient", "show", id]);
    p.as_object_mut().unwrap().remove("age");
    p
}

#[test]
fn two_pcs_of_one_clinic_sync_through_a_real_relay() {
    let tmp = tempfile::tempdir().unwrap();
    let (pc_a, pc_b) = (tmp.path().join("accueil"), tmp.path().join("fauteuil-1"));
    let mut relay = Relay::start(&tmp.path().join("relay"));

    let clinic = NewClinic {
        name: "Cabinet El Biar",
        ..NewClinic::oran("amel")
    };
    let init = json(chairside(&pc_a, &with_json(&clinic.init_args()), &[]));
    assert!(init["recovery_key"].as_str().unwrap().len() > 60, "{init}");
    let first = owner(&pc_a, &["sync", "--relay", &relay.url()]);
    assert!(first["sent"].as_u64().unwrap() >= 1, "{first}");

    // Enrollment of the second PC.
    let invite = owner(&pc_a, &["device", "invite"]);
    let code = invite["code"].as_str().unwrap();
    let request = json(chairside(
        &pc_b,
        &[
            "--json",
            "device",
            "enroll",
            "--relay",
            &relay.url(),
            "--code",
            code,
            "--name",
            "Fauteuil 1",
        ],
        &[],
    ));
    let not_yet = chairside(&pc_b, &["sync"], &[]);
    assert!(!not_yet.status.success());
    assert!(
        String::from_utf8_lossy(&not_yet.stderr).contains("approval"),
        "{}",
        String::from_utf8_lossy(&not_yet.stderr)
    );
    let approved = owner(&pc_a, &["device", "approve"]);
    assert_eq!(approved[0]["fingerprint"], request["fingerprint"]);
    assert_eq!(approved[0]["device_name"], "Fauteuil 1");
    let pulled = json(chairside(&pc_b, &["--json", "sync"], &[]));
    assert!(pulled["received"].as_u64().unwrap() >= 1, "{pulled}");

    // A patient created on A appears on B.
    let p = owner(
        &pc_a,
        &[
            "patient",
            "add",
            "--last-name",
            "Dupré",
            "--first-name",
            "Hélène",
            "--birth-date",
            "1975-05-02",
            "--sex",
            "F",
            "--phone",
            "0555 12 34 56",
        ],
    );
    let id = p["id"].as_str().unwrap().to_string();
    owner(&pc_a, &["sync"]);
    owner(&pc_b, &["sync"]);
    let found = owner(&pc_b, &["patient", "search", "helene dup"]);
    assert_eq!(found[0]["id"], id.as_str());

    // Concurrent edits of the same patient on both PCs converge the same way on both.
    owner(
        &pc_a,
        &[
            "patient",
            "edit",
            &id,
            "--notes",
            "Anxieuse, prévoir du temps",
        ],
    );
    owner(
        &pc_b,
        &[
            "patient",
            "edit",
            &id,
            "--notes",
            "Préfère le matin",
            "--phone",
            "0661 22 33 44",
        ],
    );
    for pc in [&pc_a, &pc_b, &pc_a] {
        owner(pc, &["sync"]);
    }
    assert_eq!(show(&pc_a, &id), show(&pc_b, &id));
    assert_eq!(
        show(&pc_a, &id)["notes"],
        "Préfère le matin",
        "the later edit wins"
    );
    assert_eq!(show(&pc_a, &id)["phones"][0], "+213661223344");

    // The relay is killed and restarted on the same files: nothing is lost, sync resumes.
    owner(
        &pc_a,
        &["patient", "edit", &id, "--email", "helene@example.dz"],
    );
    relay.kill();
    let down = chairside(&pc_a, &["--user", "amel", "sync"], &[]);
    assert!(!down.status.success());
    assert!(
        String::from_utf8_lossy(&down.stderr).contains("cannot be reached"),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    let port = relay.port;
    let relay_dir = relay.dir.clone();
    drop(relay);
    let relay = Relay::start_on(&relay_dir, port);
    owner(&pc_a, &["sync"]);
    owner(&pc_b, &["sync"]);
    assert_eq!(show(&pc_b, &id)["email"], "helene@example.dz");

    // The end-of-day report.
    let report = owner(&pc_a, &["sync", "--report"]);
    assert_eq!(report["summary"]["checksums_match"], true);
    assert!(report["conflicts_waiting"].is_u64());
    assert_eq!(report["devices_not_seen_today"], serde_json::json!([]));
    let devices = owner(&pc_a, &["device", "list"]);
    assert_eq!(devices.as_array().unwrap().len(), 2, "{devices}");

    // The patient asks to be forgotten: A erases the file, and its next sync replaces at the
    // relay every change set that held the identity, sealed again from its scrubbed log: its own
    // and B's (B typed notes and a phone). B, merging the erasure, seals the same sets to the
    // same bytes: nothing is left to replace.
    owner(&pc_a, &["patient", "erase", &id]);
    let erased_on_a = owner(&pc_a, &["sync"]);
    assert!(
        erased_on_a["redacted"].as_u64().unwrap() >= 3,
        "{erased_on_a}"
    );
    let erased_on_b = owner(&pc_b, &["sync"]);
    assert_eq!(erased_on_b["redacted"], 0, "{erased_on_b}");
    assert_eq!(erased_on_b["checksums_match"], true, "{erased_on_b}");
    assert_eq!(show(&pc_b, &id)["last_name"], "");
    let after = owner(&pc_a, &["sync"]);
    assert_eq!(after["checksums_match"], true, "{after}");
    assert_eq!(after["redacted"], 0, "{after}");

    // The relay's files hold ciphertext only.
    drop(relay);
    let mut bytes = Vec::new();
    for name in ["relay.sqlite", "relay.sqlite-wal"] {
        bytes.extend(std::fs::read(relay_dir.join(name)).unwrap_or_default());
    }
    for needle in [
        "Dupré",
        "Hélène",
        "555123456",
        "661223344",
        "Préfère",
        "helene@example",
        "El Biar",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} is readable in the relay's storage"
        );
    }
}

#[test]
fn a_clinic_is_restored_on_a_new_pc_with_the_recovery_key() {
    let tmp = tempfile::tempdir().unwrap();
    let pc = tmp.path().join("old-pc");
    let relay = Relay::start(&tmp.path().join("relay"));
    let clinic = NewClinic {
        name: "Cabinet Ixelles",
        timezone: "Europe/Brussels",
        phone_region: "BE",
        owner: "amel",
    };
    let init = json(chairside(&pc, &with_json(&clinic.init_args()), &[]));
    let key = init["recovery_key"].as_str().unwrap().to_string();
    owner(
        &pc,
        &[
            "patient",
            "add",
            "--last-name",
            "Peeters",
            "--first-name",
            "Lotte",
            "--birth-date",
            "1990-01-01",
            "--sex",
            "F",
        ],
    );
    owner(&pc, &["sync", "--relay", &relay.url()]);
    std::fs::remove_dir_all(&pc).unwrap(); // the PC is lost

    let restore = |dir: &str, key: &str| {
        chairside(
            &tmp.path().join(dir),
            &[
                "--json",
                "recovery",
                "restore",
                "--relay",
                &relay.url(),
                "--recovery-key",
                key,
            ],
            &[],
        )
    };
    let mut typo = key.clone();
    let first = if typo.starts_with('Q') { "R" } else { "Q" };
    typo.replace_range(0..1, first);
    let wrong = restore("new-pc", &typo);
    assert!(!wrong.status.success());
    assert!(
        !tmp.path().join("new-pc").join("chairside.db").exists(),
        "nothing left behind"
    );

    let new_pc = tmp.path().join("new-pc");
    let restored = json(restore("new-pc", &key));
    assert!(restored["received"].as_u64().unwrap() >= 2, "{restored}");
    let found = owner(&new_pc, &["patient", "search", "peeters"]);
    assert_eq!(found[0]["first_name"], "Lotte");

    // The sheet was seen by someone: the owner renews the key. The old one adds no PC now.
    let renewed = owner(&new_pc, &["recovery", "renew"])["recovery_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(renewed.chars().filter(|c| *c != '-').count(), 104);
    assert_eq!(
        owner(&new_pc, &["recovery", "show"])["recovery_key"],
        renewed.as_str()
    );
    owner(&new_pc, &["sync"]);
    let refused = restore("with-old-key", &key);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("check the recovery key"), "{said}");
    let again = json(restore("with-new-key", &renewed));
    assert!(again["received"].as_u64().unwrap() >= 2, "{again}");

    // Renewed once more on the first restored PC, which does not sync: the other one, asked for
    // the key, finds that renewal at the relay and prints the key that works (the key alone on
    // standard output, what happened on standard error).
    let latest = owner(&new_pc, &["recovery", "renew"])["recovery_key"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = chairside(
        &tmp.path().join("with-new-key"),
        &["--user", "amel", "recovery", "show"],
        &[],
    );
    let said = String::from_utf8_lossy(&shown.stderr).to_string();
    assert_eq!(ok(shown).trim(), latest);
    assert!(
        said.contains("Another PC renewed the recovery key"),
        "{said}"
    );
    let confirmed = owner(&tmp.path().join("with-new-key"), &["recovery", "show"]);
    assert_eq!(confirmed["recovery_key"], latest.as_str());
    assert_eq!(confirmed["renewed_elsewhere"], false);
    assert_eq!(confirmed["unchecked"], Value::Null);
    // With the relay stopped, the key is said unconfirmed.
    drop(relay);
    let unchecked = owner(&tmp.path().join("with-new-key"), &["recovery", "show"]);
    assert_eq!(unchecked["recovery_key"], latest.as_str());
    assert_eq!(
        unchecked["unchecked"]["code"], "sync_unreachable",
        "{unchecked}"
    );
}

#[test]
fn two_relay_processes_on_one_postgres_database_serve_one_clinic() {
    let tmp = tempfile::tempdir().unwrap();
    let database = chairside_scenarios::pg::PgServer::shared().database();
    let first = Relay::start_db(&tmp.path().join("relay-1"), &database);
    let second = Relay::start_db(&tmp.path().join("relay-2"), &database);
    let (pc_a, pc_b) = (tmp.path().join("a"), tmp.path().join("b"));
    init_clinic(&pc_a);
    // A talks to the first relay, B to the second (a load balancer's doing).
    owner(&pc_a, &["sync", "--relay", &first.url()]);
    let code = owner(&pc_a, &["device", "invite"])["code"]
        .as_str()
        .unwrap()
        .to_string();
    json(chairside(
        &pc_b,
        &[
            "--json",
            "device",
            "enroll",
            "--relay",
            &second.url(),
            "--code",
            &code,
        ],
        &[],
    ));
    owner(&pc_a, &["device", "approve"]);
    json(chairside(&pc_b, &["--json", "sync"], &[]));

    let p = owner(
        &pc_a,
        &[
            "patient",
            "add",
            "--last-name",
            "Belkacem",
            "--first-name",
            "Nora",
            "--birth-date",
            "1982-07-07",
            "--sex",
            "F",
        ],
    );
    let id = p["id"].as_str().unwrap().to_string();
    owner(&pc_a, &["sync"]);
    owner(&pc_b, &["sync"]);
    owner(
        &pc_b,
        &["patient", "edit", &id, "--notes", "vue au fauteuil 1"],
    );
    owner(&pc_a, &["patient", "edit", &id, "--phone", "0770 11 22 33"]);
    for pc in [&pc_b, &pc_a, &pc_b] {
        let report = owner(pc, &["sync"]);
        assert_eq!(report["checksums_match"], true, "{report}");
    }
    assert_eq!(show(&pc_a, &id), show(&pc_b, &id));
    assert_eq!(show(&pc_a, &id)["notes"], "vue au fauteuil 1");
    assert_eq!(show(&pc_a, &id)["phones"][0], "+213770112233");
}

/// Runs `chairside sync` and kills it after `after`; returns whether it was still running then.
fn sync_killed_after(dir: &Path, after: Duration) -> bool {
    let mut child = Command::new(chairside_scenarios::workspace_binary("chairside"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--user", "amel", "sync"])
        .env("CHAIRSIDE_KEYRING", "off")
        .env("CHAIRSIDE_PASSPHRASE", PASSPHRASE)
        .env("CHAIRSIDE_PASSWORD", OWNER_PW)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    running
}

fn init_clinic(dir: &Path) {
    json(chairside(
        dir,
        &with_json(&NewClinic::oran("amel").init_args()),
        &[],
    ));
}

/// `args` with `--json` in front.
fn with_json<'a>(args: &[&'a str]) -> Vec<&'a str> {
    std::iter::once("--json")
        .chain(args.iter().copied())
        .collect()
}

#[test]
fn a_client_killed_in_the_middle_of_a_sync_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (pc_a, pc_b) = (tmp.path().join("a"), tmp.path().join("b"));
    let relay = Relay::start(&tmp.path().join("relay"));
    init_clinic(&pc_a);
    owner(&pc_a, &["sync", "--relay", &relay.url()]);
    owner(&pc_a, &["demo", "--patients", "2500"]);

    // The push is cut several times, at different moments.
    let mut cut_mid_sync = 0;
    for ms in [40, 120, 250, 500] {
        cut_mid_sync += usize::from(sync_killed_after(&pc_a, Duration::from_millis(ms)));
    }
    let pushed = owner(&pc_a, &["sync"]);
    assert_eq!(pushed["checksums_match"], true, "{pushed}");

    // The second PC joins, then its first pull is cut several times.
    enroll(&pc_a, &pc_b, &relay.url(), &[]);
    for ms in [150, 400, 800, 1500] {
        cut_mid_sync += usize::from(sync_killed_after(&pc_b, Duration::from_millis(ms)));
    }
    assert!(
        cut_mid_sync >= 4,
        "only {cut_mid_sync} kills landed during a sync"
    );
    // If every cut came before the clinic's accounts arrived, the first complete sync runs
    // without a session, as on a fresh PC; once they are here (a cut landed after the first
    // pulled page), it needs a sign-in like any sync.
    let unsigned = chairside(&pc_b, &["--json", "sync"], &[]);
    let pulled = if String::from_utf8_lossy(&unsigned.stderr).contains("\"not_signed_in\"") {
        owner(&pc_b, &["sync"])
    } else {
        json(unsigned)
    };
    assert_eq!(pulled["checksums_match"], true, "{pulled}");
    // A's log as pushed by its last sync is A's log as pulled by B's next one. (Each command
    // adds audit entries to its PC's own log after its sync, so only that stream can be compared.)
    let theirs = owner(&pc_a, &["sync"]);
    let ours = owner(&pc_b, &["sync"]);
    let heads = |v: &Value| {
        let mut h: Vec<(String, i64)> = v["streams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["device_id"].as_str().unwrap().to_string(),
                    s["head"].as_i64().unwrap(),
                )
            })
            .collect();
        h.sort();
        h
    };
    let a_id = theirs["streams"][0]["device_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(theirs["streams"][0]["this_device"], true);
    let a_stream = |v: &Value| heads(v).into_iter().find(|(d, _)| *d == a_id).unwrap();
    assert_eq!(a_stream(&ours), a_stream(&theirs));
    let check = owner(&pc_b, &["db", "check"]);
    assert_eq!(check["ok"], true, "{check}");
    // Every demo patient is on B: the same search finds the same files on both.
    for query in ["ben", "mar", "dup", "ha"] {
        assert_eq!(
            owner(&pc_b, &["patient", "search", query]),
            owner(&pc_a, &["patient", "search", query]),
            "{query}"
        );
    }
}

#[test]
fn the_background_agent_syncs_on_its_own_connection_and_backs_off_when_the_relay_is_down() {
    use chairside_app::{PatientInput, SyncState};

    let tmp = tempfile::tempdir().unwrap();
    let pc = tmp.path().join("pc");
    let mut relay = Relay::start(&tmp.path().join("relay"));
    init_clinic(&pc);
    owner(&pc, &["sync", "--relay", &relay.url()]);

    let mut app = open(&pc);
    let mut agent = app.sync_agent().unwrap();
    let new_patient = |last: &str| PatientInput {
        last_name: last.into(),
        first_name: "Yasmine".into(),
        birth_date: "1988-08-08".into(),
        sex: "F".into(),
        ..PatientInput::default()
    };
    app.add_patient(new_patient("Hamidi")).unwrap();
    let before = agent.status().unwrap();
    assert!(before.changes_waiting >= 1, "{before:?}");
    agent.sync().unwrap();
    let after = agent.status().unwrap();
    assert_eq!(
        (after.state, after.changes_waiting),
        (SyncState::UpToDate, 0),
        "{after:?}"
    );
    assert!(!agent.due());
    // Opening and searching files writes audit entries only: nothing people typed is waiting.
    app.search_patients("hamidi").unwrap();
    assert_eq!(agent.status().unwrap().changes_waiting, 0);

    // The relay goes down: the agent says so in plain words and retries in about 15 s.
    relay.kill();
    app.add_patient(new_patient("Khelifi")).unwrap();
    assert!(agent.sync().unwrap_err().is_transient());
    let down = agent.status().unwrap();
    assert_eq!(down.state, SyncState::Offline, "{down:?}");
    assert_eq!(down.changes_waiting, 1);
    let error = down.error.unwrap();
    assert_eq!(error.code, "sync_unreachable");
    assert!(error.message.contains("cannot be reached"), "{error:?}");
    let wait = agent.wait().as_secs();
    assert!((12..=19).contains(&wait), "retry in {wait} s");

    // A relay that accepts the connection and never answers: the agent's sync hangs in its own
    // thread, and the app keeps reading and writing meanwhile.
    let silent = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    std::thread::spawn(move || {
        let _held: Vec<_> = silent.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(600));
    });
    // Remembers the URL (as "sync now" with a URL does) without contacting it.
    app.begin_sync(Some(&silent_url)).unwrap();
    std::thread::spawn(move || {
        let _ = agent.sync();
    });
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    app.add_patient(new_patient("Zerrouki")).unwrap();
    let found = app.search_patients("zerrouki").unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the app waited {:?} for the hanging sync",
        started.elapsed()
    );
}

/// On `pc_a` (the owner's, registered at `relay_url`): a pairing code; with it `pc_b` asks to
/// join through `relay_url`, and `pc_a` approves. `pc_b`'s first sync is left to the caller.
fn enroll(pc_a: &Path, pc_b: &Path, relay_url: &str, envs: &[(&str, &str)]) {
    let code = owner_with(pc_a, &["device", "invite"], envs)["code"]
        .as_str()
        .unwrap()
        .to_string();
    ok(chairside(
        pc_b,
        &["device", "enroll", "--relay", relay_url, "--code", &code],
        envs,
    ));
    owner_with(pc_a, &["device", "approve"], envs);
}

/// A file of the shared DICOM corpus.
fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/dicom")
        .join(rel)
}

/// A new patient `last_name` on `pc` with `file` imported into their record (`import_flags`
/// added to the import); returns the patient's id and the image's.
fn patient_with_image(
    pc: &Path,
    last_name: &str,
    file: &Path,
    import_flags: &[&str],
) -> (String, String) {
    let patient = owner(
        pc,
        &[
            "patient",
            "add",
            "--last-name",
            last_name,
            "--first-name",
            "Test",
            "--birth-date",
            "1980-01-01",
            "--sex",
            "F",
        ],
    );
    let id = patient["id"].as_str().unwrap().to_string();
    let mut args = vec!["image", "import", file.to_str().unwrap(), "--patient", &id];
    args.extend_from_slice(import_flags);
    let imported = owner(pc, &args);
    assert_eq!(imported["imported"], 1, "{imported}");
    let image_id = imported["files"][0]["image_id"]
        .as_str()
        .unwrap()
        .to_string();
    (id, image_id)
}

/// The owner exports an image's original file on `pc` to `out` (fetched from the relay when the
/// PC does not hold it yet).
fn export_original(pc: &Path, image_id: &str, out: &Path) -> Output {
    chairside(
        pc,
        &[
            "--json",
            "--user",
            "amel",
            "image",
            "export",
            image_id,
            "--format",
            "original",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    )
}

/// Two PCs of one clinic, enrolled and synced through `relay`.
fn two_pcs(tmp: &Path, relay: &Relay) -> (PathBuf, PathBuf) {
    let (pc_a, pc_b) = (tmp.join("a"), tmp.join("b"));
    init_clinic(&pc_a);
    owner(&pc_a, &["sync", "--relay", &relay.url()]);
    enroll(&pc_a, &pc_b, &relay.url(), &[]);
    json(chairside(&pc_b, &["--json", "sync"], &[]));
    (pc_a, pc_b)
}

/// The app on a PC's data directory, the owner signed in (what the desk shows).
fn open(dir: &Path) -> chairside_app::App {
    let mut app = chairside_app::App::open(dir, Some(PASSPHRASE)).unwrap();
    app.sign_in(chairside_app::SignInRequest {
        username: "amel".into(),
        password: OWNER_PW.into(),
    })
    .unwrap();
    app
}

/// Nour Saadi's file, made on PC A and synced to B (what A holds besides goes with it); her id.
fn nour_saadi_on_both_pcs(pc_a: &Path, pc_b: &Path) -> String {
    let p = owner(
        pc_a,
        &[
            "patient",
            "add",
            "--last-name",
            "Saadi",
            "--first-name",
            "Nour",
            "--birth-date",
            "1992-02-02",
            "--sex",
            "F",
        ],
    );
    owner(pc_a, &["sync"]);
    owner(pc_b, &["sync"]);
    p["id"].as_str().unwrap().to_string()
}

#[test]
fn a_concurrent_edit_at_two_desks_waits_in_the_inbox_until_a_person_decides() {
    use chairside_app::{ConflictChoice, ResolveConflictRequest};

    let tmp = tempfile::tempdir().unwrap();
    let relay = Relay::start(&tmp.path().join("relay"));
    let (pc_a, pc_b) = two_pcs(tmp.path(), &relay);
    let id = nour_saadi_on_both_pcs(&pc_a, &pc_b);
    // Both desks edit the notes before syncing.
    owner(
        &pc_a,
        &["patient", "edit", &id, "--notes", "Allergie au latex"],
    );
    owner(
        &pc_b,
        &["patient", "edit", &id, "--notes", "Rappel en mars"],
    );
    for pc in [&pc_a, &pc_b, &pc_a] {
        owner(pc, &["sync"]);
    }
    let mut app_a = open(&pc_a);
    let inbox = app_a.attention_inbox().unwrap();
    assert_eq!(inbox.edit_conflicts.len(), 1, "{inbox:?}");
    let conflict = &inbox.edit_conflicts[0];
    assert_eq!(conflict.field, "notes");
    assert_eq!(conflict.patient.last_name, "Saadi");
    // B's edit came later: it is shown; A's text waits.
    assert_eq!(
        (
            conflict.current_value.as_str(),
            conflict.other_value.as_str()
        ),
        ("Rappel en mars", "Allergie au latex")
    );
    let mut app_b = open(&pc_b);
    // The same conflict on B (found there at its own time).
    let on_b: Vec<_> = app_b
        .attention_inbox()
        .unwrap()
        .edit_conflicts
        .into_iter()
        .map(|c| {
            (
                c.row_id,
                c.field,
                c.other_hlc,
                c.other_value,
                c.current_value,
            )
        })
        .collect();
    assert_eq!(
        on_b,
        vec![(
            conflict.row_id.clone(),
            conflict.field.clone(),
            conflict.other_hlc.clone(),
            conflict.other_value.clone(),
            conflict.current_value.clone()
        )]
    );
    drop(app_b);

    app_a
        .resolve_edit_conflict(ResolveConflictRequest::for_conflict(
            conflict,
            ConflictChoice::TakeOther,
        ))
        .unwrap();
    assert!(app_a.attention_inbox().unwrap().edit_conflicts.is_empty());
    drop(app_a);
    owner(&pc_a, &["sync"]);
    owner(&pc_b, &["sync"]);
    assert_eq!(show(&pc_b, &id)["notes"], "Allergie au latex");
    let mut app_b = open(&pc_b);
    assert!(app_b.attention_inbox().unwrap().edit_conflicts.is_empty());
}

/// One chair booked at two desks while apart, with the CLI on two real processes and a relay:
/// after the syncs both PCs' inboxes show the double booking (and their agendas mark both
/// appointments); keeping both at one desk settles it on the other after its sync.
#[test]
fn one_chair_booked_at_two_desks_while_apart_waits_in_both_inboxes_until_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = Relay::start(&tmp.path().join("relay"));
    let (pc_a, pc_b) = two_pcs(tmp.path(), &relay);
    owner(&pc_a, &["chair", "add", "Fauteuil 1"]);
    let nour = nour_saadi_on_both_pcs(&pc_a, &pc_b);
    // Apart: each desk finds the chair free and books it.
    let book = |pc: &Path, at: &str| {
        owner(
            pc,
            &[
                "agenda",
                "book",
                "--patient",
                &nour,
                "--chair",
                "Fauteuil 1",
                "--at",
                at,
                "--minutes",
                "30",
                "--reason",
                "Contrôle",
            ],
        )["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let at_a = book(&pc_a, "2026-11-25T10:00");
    let at_b = book(&pc_b, "2026-11-25T10:15");
    // A third booking at A onto its own taken time is refused, with what to do.
    let refused = failure(chairside(
        &pc_a,
        &[
            "--json",
            "--user",
            "amel",
            "agenda",
            "book",
            "--patient",
            &nour,
            "--chair",
            "Fauteuil 1",
            "--at",
            "2026-11-25T10:10",
            "--minutes",
            "15",
        ],
        &[],
    ));
    assert_eq!(refused["code"], "chair_taken", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("--allow-overlap")
    );
    for pc in [&pc_b, &pc_a, &pc_b] {
        owner(pc, &["sync"]);
    }
    let mut expected = [at_a.clone(), at_b.clone()];
    expected.sort();
    for pc in [&pc_a, &pc_b] {
        let inbox = owner(pc, &["inbox"]);
        let pairs = inbox["double_bookings"].as_array().unwrap();
        assert_eq!(pairs.len(), 1, "{inbox}");
        assert_eq!(pairs[0]["chair_name"], "Fauteuil 1");
        assert_eq!(pairs[0]["first"]["id"], at_a.as_str());
        assert_eq!(pairs[0]["second"]["id"], at_b.as_str());
        let day = owner(pc, &["agenda", "day", "2026-11-25"]);
        let marked: Vec<&str> = day["appointments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| !a["overlaps_with"].as_array().unwrap().is_empty())
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            marked,
            expected.iter().map(String::as_str).collect::<Vec<_>>()
        );
    }
    let report = owner(&pc_a, &["sync", "--report"]);
    assert_eq!(report["conflicts_waiting"], 1, "{report}");

    owner(&pc_b, &["agenda", "keep-both", &at_a, &at_b]);
    owner(&pc_b, &["sync"]);
    owner(&pc_a, &["sync"]);
    for pc in [&pc_a, &pc_b] {
        let inbox = owner(pc, &["inbox"]);
        assert!(
            inbox["double_bookings"].as_array().unwrap().is_empty(),
            "{inbox}"
        );
    }
}

/// Two operatories, two processes, one relay: a restoration charted at one reaches the other;
/// both change its surfaces while apart (one also marks it done): after the syncs both show the
/// same chart, the status (changed at one PC only) stands, and the surfaces changed at both wait
/// in both inboxes with the tooth, counted by the end-of-day report.
#[test]
fn one_chart_entry_changed_in_two_operatories_while_apart_waits_in_both_inboxes() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = Relay::start(&tmp.path().join("relay"));
    let (pc_a, pc_b) = two_pcs(tmp.path(), &relay);
    let nour = nour_saadi_on_both_pcs(&pc_a, &pc_b);
    let charted = owner(
        &pc_a,
        &[
            "chart",
            "add",
            &nour,
            "--tooth",
            "36",
            "--kind",
            "restoration",
            "--surfaces",
            "mod",
            "--material",
            "composite",
        ],
    );
    let entry = charted["chart"]["entries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A refusal says what to do, and writes nothing.
    let refused = failure(chairside(
        &pc_a,
        &[
            "--json",
            "--user",
            "amel",
            "chart",
            "add",
            &nour,
            "--tooth",
            "11",
            "--kind",
            "caries",
            "--surfaces",
            "MO",
        ],
        &[],
    ));
    assert_eq!(refused["code"], "invalid_input", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("I (incisal)"),
        "{refused}"
    );
    owner(&pc_a, &["sync"]);
    owner(&pc_b, &["sync"]);
    assert_eq!(
        owner(&pc_b, &["chart", "show", &nour])["entries"],
        owner(&pc_a, &["chart", "show", &nour])["entries"]
    );

    owner(&pc_a, &["chart", "edit", &entry, "--surfaces", "MO"]);
    owner(&pc_b, &["chart", "edit", &entry, "--surfaces", "MODB"]);
    owner(&pc_b, &["chart", "done", &entry, "--on", "2026-11-24"]);
    for pc in [&pc_a, &pc_b, &pc_a] {
        owner(pc, &["sync"]);
    }
    let on_a = owner(&pc_a, &["chart", "show", &nour]);
    assert_eq!(
        on_a["entries"],
        owner(&pc_b, &["chart", "show", &nour])["entries"]
    );
    assert_eq!(on_a["entries"][0]["status"], "done", "{on_a}");
    assert_eq!(on_a["entries"][0]["done_on"], "2026-11-24");
    for pc in [&pc_a, &pc_b] {
        let inbox = owner(pc, &["inbox"]);
        let edits = inbox["edit_conflicts"].as_array().unwrap();
        assert_eq!(edits.len(), 1, "{inbox}");
        assert_eq!(edits[0]["table"], "chart_entry");
        assert_eq!(edits[0]["field"], "surfaces");
        assert_eq!(edits[0]["chart_entry"]["tooth"], "36");
        assert_eq!(edits[0]["current_value"], on_a["entries"][0]["surfaces"]);
        let mut values = [
            edits[0]["current_value"].as_str().unwrap(),
            edits[0]["other_value"].as_str().unwrap(),
        ];
        values.sort();
        assert_eq!(values, ["MO", "MODB"]);
    }
    let report = owner(&pc_a, &["sync", "--report"]);
    assert_eq!(report["conflicts_waiting"], 1, "{report}");
}

/// One person filed at two desks while apart, merged at one: an allergy the other desk adds to
/// the retired file before it syncs still shows on the kept file on both PCs, the pair leaves
/// both inboxes, and each PC's search finds one file, by either file's phone.
#[test]
fn one_person_filed_at_two_desks_is_merged_and_nothing_added_offline_is_lost() {
    use chairside_app::{MedicalItemInput, MedicalKind};

    let tmp = tempfile::tempdir().unwrap();
    let relay = Relay::start(&tmp.path().join("relay"));
    let (pc_a, pc_b) = two_pcs(tmp.path(), &relay);
    let (kept, retired) = amina_filed_at_both_desks(&pc_a, &pc_b);
    for pc in [&pc_a, &pc_b] {
        assert_eq!(
            open(pc).duplicate_pairs().unwrap().len(),
            1,
            "flagged on {pc:?}"
        );
    }
    // Both desks note something in the second file without seeing each other's note (a
    // concurrent edit), then desk A merges it into the first.
    owner(
        &pc_a,
        &["patient", "edit", &retired, "--notes", "Vue à l'accueil"],
    );
    owner(
        &pc_b,
        &["patient", "edit", &retired, "--notes", "Vue au fauteuil"],
    );
    owner(
        &pc_a,
        &["patient", "merge", "--keep", &kept, "--retire", &retired],
    );
    // Desk B has not synced: it still sees the retired file, and records an allergy in it.
    let mut app_b = open(&pc_b);
    app_b
        .add_medical_item(
            &retired,
            MedicalItemInput {
                kind: MedicalKind::Allergy,
                label: "Latex".into(),
                detail: String::new(),
                severity: None,
                alert: true,
                noted_on: None,
            },
        )
        .unwrap();
    drop(app_b);
    for pc in [&pc_a, &pc_b, &pc_a] {
        owner(pc, &["sync"]);
    }
    for pc in [&pc_a, &pc_b] {
        let mut app = open(pc);
        let alerts: Vec<String> = app
            .medical_history(&kept)
            .unwrap()
            .alerts
            .into_iter()
            .map(|a| a.label)
            .collect();
        assert_eq!(alerts, ["Latex"], "on {pc:?}");
        assert!(app.duplicate_pairs().unwrap().is_empty(), "on {pc:?}");
        // The concurrent notes of the retired file show nowhere now: nobody is asked to choose.
        let inbox = app.attention_inbox().unwrap();
        assert!(inbox.edit_conflicts.is_empty(), "on {pc:?}: {inbox:?}");
        for query in ["benali", "0555000001", "0661000002"] {
            let found = app.search_patients(query).unwrap();
            assert_eq!(found.len(), 1, "{query} on {pc:?}");
            assert_eq!(found[0].id, kept, "{query} on {pc:?}");
        }
        assert_eq!(app.get_patient(&retired).unwrap().id, kept);
    }
}

/// Amina Benali filed at both desks while apart (the name spelt two ways, a phone each), then
/// both PCs synced: the file made at A and the file made at B.
fn amina_filed_at_both_desks(pc_a: &Path, pc_b: &Path) -> (String, String) {
    let add = |pc: &Path, last: &str, phone: &str| -> String {
        let p = owner(
            pc,
            &[
                "patient",
                "add",
                "--last-name",
                last,
                "--first-name",
                "Amina",
                "--birth-date",
                "1990-04-04",
                "--sex",
                "F",
                "--phone",
                phone,
            ],
        );
        p["id"].as_str().unwrap().to_string()
    };
    let at_a = add(pc_a, "Benali", "0555 00 00 01");
    let at_b = add(pc_b, "BENALI", "0661 00 00 02");
    for pc in [pc_a, pc_b, pc_a] {
        owner(pc, &["sync"]);
    }
    (at_a, at_b)
}

/// A merge and an erasure that cross while the desks are apart: desk A merges the second file
/// of Amina Benali into the first while desk B, not yet synced, erases the first (she asked to
/// be forgotten). After the syncs the second file is erased on both PCs too: no name, no phone,
/// found by nothing, and the sync that finished the erasure is in the audit log.
#[test]
fn a_merge_and_an_erasure_that_cross_while_apart_leave_no_identity_on_either_pc() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = Relay::start(&tmp.path().join("relay"));
    let (pc_a, pc_b) = two_pcs(tmp.path(), &relay);
    let (kept, retired) = amina_filed_at_both_desks(&pc_a, &pc_b);
    owner(
        &pc_a,
        &["patient", "merge", "--keep", &kept, "--retire", &retired],
    );
    owner(&pc_b, &["patient", "erase", &kept]);
    for pc in [&pc_b, &pc_a, &pc_b] {
        owner(pc, &["sync"]);
    }
    for pc in [&pc_a, &pc_b] {
        let mut app = open(pc);
        let file = app.get_patient(&retired).unwrap();
        assert_eq!(
            file.id, kept,
            "the retired id opens the kept file on {pc:?}"
        );
        assert!(file.erased_at_ms.is_some(), "on {pc:?}");
        assert_eq!(file.merged_files.len(), 1, "on {pc:?}");
        let merged = &file.merged_files[0];
        assert_eq!(
            (merged.last_name.as_str(), merged.first_name.as_str()),
            ("", ""),
            "the merged file keeps no name on {pc:?}"
        );
        for query in ["benali", "amina", "0661000002", "0555000001"] {
            assert!(
                app.search_patients(query).unwrap().is_empty(),
                "{query} finds nothing on {pc:?}"
            );
        }
    }
    let store = chairside_store::Store::open(
        &pc_b,
        chairside_store::Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap();
    let finished: Vec<_> = chairside_store::audit::recent(store.conn(), 200)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "patient.erase" && e.entity_id == retired)
        .collect();
    assert_eq!(finished.len(), 1, "{finished:?}");
    assert!(finished[0].detail.contains(&kept), "{finished:?}");
}

/// An X-ray imported on one PC is listed on the other after a sync (row and thumbnail), and its
/// bytes come from the relay when it is opened there: the export is the original file, byte
/// for byte.
#[test]
fn an_image_imported_on_one_pc_opens_on_the_other_through_the_relay() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = Relay::start(&tmp.path().join("relay"));
    let (pc_a, pc_b) = two_pcs(tmp.path(), &relay);
    let file = corpus("synthetic/panoramic_px_jpegls.dcm");
    let (id, image_id) = patient_with_image(&pc_a, "Synthetic", &file, &["--teeth", "36,46"]);
    owner(&pc_a, &["sync"]);
    owner(&pc_b, &["sync"]);

    let listed = owner(&pc_b, &["image", "list", "--patient", &id]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], image_id.as_str());
    assert_eq!(
        listed[0]["local"], false,
        "the bytes wait at the relay until opened"
    );
    assert_eq!(listed[0]["teeth"], serde_json::json!(["36", "46"]));

    // The image's file as a PC exports it (fetched from the relay when not there yet).
    let export = |pc: &Path, name: &str| {
        let out = tmp.path().join(name);
        ok(export_original(pc, &image_id, &out));
        std::fs::read(&out).unwrap()
    };
    assert_eq!(export(&pc_b, "from-b.dcm"), std::fs::read(&file).unwrap());
    let listed = owner(&pc_b, &["image", "list", "--patient", &id]);
    assert_eq!(listed[0]["local"], true, "fetched once, kept");

    // The patient is erased on B: the file's header loses "Synthetic^Test" on B at once, at
    // the relay after B's sync, and on A (which imported it) after A's.
    let erased = owner(&pc_b, &["patient", "erase", &id]);
    assert_eq!(erased["files_without_identity"], 1, "{erased}");
    let file_number = erased["patient"]["file_number"]
        .as_str()
        .unwrap()
        .to_string();
    let synced = owner(&pc_b, &["sync"]);
    assert_eq!(synced["files_retired"], 1, "{synced}");
    owner(&pc_a, &["sync"]);
    let blob_dirs = relay.blob_folders();
    assert_eq!(
        blob_dirs.len(),
        1,
        "only the copy is at the relay: {blob_dirs:?}"
    );
    for (pc, name) in [(&pc_a, "a"), (&pc_b, "b")] {
        let bytes = export(pc, &format!("after-{name}.dcm"));
        let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!has("Synthetic^Test") && has(&file_number), "PC {name}");
        // The same pixels, a header a few elements different.
        let grown = bytes.len().abs_diff(std::fs::read(&file).unwrap().len());
        assert!(grown < 1024, "PC {name}: {grown} bytes of difference");
    }

    // The relay loses the file (its folder gone, as after a restore from an older backup). B
    // checked its files at its first sync today: its next syncs do not look again until a day
    // has passed (here, a check interval of 0 hours stands for it), and then send it again.
    std::fs::remove_dir_all(&blob_dirs[0]).unwrap();
    let synced = owner(&pc_b, &["sync"]);
    assert_eq!(synced["files_sent"], 0, "{synced}");
    assert_eq!(
        relay.blob_folders().len(),
        0,
        "not checked again the same day"
    );
    let synced = json(chairside(
        &pc_b,
        &["--json", "--user", "amel", "sync"],
        &[("CHAIRSIDE_FILES_CHECK_HOURS", "0")],
    ));
    assert_eq!(synced["files_sent"], 1, "{synced}");
    assert_eq!(
        relay.blob_folders().len(),
        1,
        "the file is back at the relay"
    );
    // The owner's end-of-day report checks whatever the hour, and says what it found.
    for blob in relay.blob_folders() {
        std::fs::remove_dir_all(blob).unwrap();
    }
    let report = owner(&pc_b, &["sync", "--report"]);
    assert_eq!(
        (
            &report["files_checked"],
            &report["files_missing_at_relay"],
            &report["files_sent_again"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(1)
        ),
        "{report}"
    );
    assert_eq!(
        relay.blob_folders().len(),
        1,
        "the file is back at the relay"
    );
    let report = owner(&pc_a, &["sync", "--report"]);
    assert_eq!(report["files_missing_at_relay"], 0, "{report}");
}

/// A sync of `dir` as the owner, through `url`, in the given environment.
fn sync_through(dir: &Path, url: &str, envs: &[(&str, &str)]) -> Output {
    chairside(
        dir,
        &["--json", "--user", "amel", "sync", "--relay", url],
        envs,
    )
}

/// A sync of `dir` as the owner, through the relay it remembers, in the given environment.
fn sync_remembered(dir: &Path, envs: &[(&str, &str)]) -> Output {
    chairside(dir, &["--json", "--user", "amel", "sync"], envs)
}

/// The `{code, reason, message}` of a command that failed.
fn failure(output: Output) -> Value {
    assert!(
        !output.status.success(),
        "expected a failure\nstdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    serde_json::from_slice(&output.stderr).unwrap_or_else(|_| {
        panic!("stderr: {}", String::from_utf8_lossy(&output.stderr));
    })
}

/// Refused for its certificate, with `cause` in the message.
fn assert_untrusted(output: Output, cause: &str) {
    let error = failure(output);
    assert_eq!(error["code"], "sync_not_ready", "{error}");
    assert_eq!(error["reason"], "relay_not_trusted", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(cause), "{message}");
    assert!(message.contains("Nothing was sent"), "{message}");
}

/// Runs `attempt` until `done` holds of its outcome (an HTTPS relay reads its certificate again
/// a moment after SIGHUP).
fn until(what: &str, mut attempt: impl FnMut() -> Output, done: impl Fn(&Output) -> bool) {
    let start = Instant::now();
    loop {
        let outcome = attempt();
        if done(&outcome) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what}: still\nstderr: {}",
            String::from_utf8_lossy(&outcome.stderr)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_relay_serves_https_and_each_pc_checks_its_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let certs = tmp.path().join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    let clinic_ca = Authority::new(&certs, "clinic-ca");
    let (cert, key) = (certs.join("relay.pem"), certs.join("relay-key.pem"));

    // A key that is not the certificate's: the relay does not start, and says which file.
    clinic_ca.issue(&cert, &key, false);
    let stray_key = certs.join("stray-key.pem");
    std::fs::write(
        &stray_key,
        rcgen::KeyPair::generate().unwrap().serialize_pem(),
    )
    .unwrap();
    let refused = Command::new(chairside_scenarios::workspace_binary("chairside-relay"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(format!(
            "sqlite:{}",
            tmp.path().join("never.sqlite").display()
        ))
        .arg("--blobs")
        .arg(tmp.path().join("never-blobs"))
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&stray_key)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("stray-key.pem cannot serve the certificate"),
        "{said}"
    );

    let relay = Relay::start_https(&tmp.path().join("relay"), &cert, &key);
    let (pc_a, pc_b) = (tmp.path().join("a"), tmp.path().join("b"));
    init_clinic(&pc_a);

    // A PC that does not trust the clinic's authority refuses the relay before sending anything.
    let other_ca = Authority::new(&certs, "other-ca");
    assert_untrusted(
        sync_through(&pc_a, &relay.url(), &other_ca.trusted()),
        "signed by an authority this PC does not trust",
    );
    // The certificate names `localhost`, not 127.0.0.1.
    let by_ip = format!("https://127.0.0.1:{}", relay.port);
    assert_untrusted(
        sync_through(&pc_a, &by_ip, &clinic_ca.trusted()),
        "not issued for this address",
    );
    // A PC whose list of trusted authorities cannot be read (no system bundle) cannot check any
    // certificate: told so, not as a network outage to wait out.
    let no_authorities = tmp.path().join("no-authorities");
    std::fs::create_dir(&no_authorities).unwrap();
    assert_untrusted(
        sync_through(
            &pc_a,
            &relay.url(),
            &[
                ("SSL_CERT_FILE", ""),
                ("SSL_CERT_DIR", no_authorities.to_str().unwrap()),
            ],
        ),
        "its list of trusted authorities could not be used",
    );
    // Plain HTTP to the HTTPS port gets no answer: told as unreachable, nothing lost.
    let plain = format!("http://localhost:{}", relay.port);
    let error = failure(sync_through(&pc_a, &plain, &clinic_ca.trusted()));
    assert_eq!(error["code"], "sync_unreachable", "{error}");

    // Trusting it: the first sync registers the clinic; a second PC enrolls over HTTPS and
    // receives a patient created on the first.
    let first = json(sync_through(&pc_a, &relay.url(), &clinic_ca.trusted()));
    assert!(first["sent"].as_u64().unwrap() >= 1, "{first}");
    enroll(&pc_a, &pc_b, &relay.url(), &clinic_ca.trusted());
    let patient = owner(
        &pc_a,
        &[
            "patient",
            "add",
            "--last-name",
            "Benali",
            "--first-name",
            "Yasmine",
            "--birth-date",
            "1990-03-14",
            "--sex",
            "F",
        ],
    );
    json(sync_through(&pc_a, &relay.url(), &clinic_ca.trusted()));
    // B's first sync completes its enrollment (no user there yet).
    json(chairside(&pc_b, &["--json", "sync"], &clinic_ca.trusted()));
    let id = patient["id"].as_str().unwrap();
    assert_eq!(show(&pc_b, id)["last_name"], "Benali");

    // A renewal that cannot be read (a half-copied key) is not taken: the relay keeps serving
    // the certificate it has.
    std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\ncut short").unwrap();
    relay.hang_up();
    std::thread::sleep(Duration::from_millis(500));
    json(sync_through(&pc_a, &relay.url(), &clinic_ca.trusted()));

    // A renewal forgotten: the expired certificate is refused, for what it is.
    clinic_ca.issue(&cert, &key, true);
    relay.hang_up();
    until(
        "the expired certificate served after SIGHUP",
        || sync_through(&pc_a, &relay.url(), &clinic_ca.trusted()),
        |out| String::from_utf8_lossy(&out.stderr).contains("has expired"),
    );
    assert_untrusted(
        sync_remembered(&pc_b, &clinic_ca.trusted()),
        "its certificate has expired",
    );

    // Renewed, by another authority: taken without a restart, and the PCs that trust it sync.
    let renewed_ca = Authority::new(&certs, "renewed-ca");
    renewed_ca.issue(&cert, &key, false);
    relay.hang_up();
    until(
        "the renewed certificate served after SIGHUP",
        || sync_remembered(&pc_b, &renewed_ca.trusted()),
        |out| out.status.success(),
    );
    let report = json(sync_through(&pc_a, &relay.url(), &renewed_ca.trusted()));
    assert_eq!(report["checksums_match"], true, "{report}");
}

#[test]
fn the_relay_stops_cleanly_when_asked_ignores_a_reload_and_serves_again_from_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    let mut relay = Relay::start(&tmp.path().join("relay"));
    let pc = tmp.path().join("a");
    init_clinic(&pc);
    owner(&pc, &["sync", "--relay", &relay.url()]);
    // SIGHUP (systemd's reload) does not stop a plain-HTTP relay, which has nothing to reload.
    relay.hang_up();
    std::thread::sleep(Duration::from_millis(300));
    owner(&pc, &["sync", "--relay", &relay.url()]);
    // SIGTERM (systemd's stop) ends it with success rather than killing it mid-request.
    let status = relay.terminate();
    assert!(status.success(), "{status:?}");
    let port = relay.port;
    drop(relay);
    let relay = Relay::start_on(&tmp.path().join("relay"), port);
    let again = owner(&pc, &["sync", "--relay", &relay.url()]);
    assert_eq!(again["checksums_match"], true, "{again}");
}

/// `chairside-relay ARGS` on the relay's files in `dir` (as its operator runs it beside the
/// serving process).
fn relay_admin(dir: &Path, args: &[&str]) -> Output {
    Command::new(chairside_scenarios::workspace_binary("chairside-relay"))
        .args(args)
        .arg("--db")
        .arg(format!("sqlite:{}", dir.join("relay.sqlite").display()))
        .arg("--blobs")
        .arg(dir.join("blobs"))
        .output()
        .unwrap()
}

#[test]
fn the_relay_operator_lists_clinics_and_forgets_one_that_left() {
    let tmp = tempfile::tempdir().unwrap();
    let relay_dir = tmp.path().join("relay");
    let relay = Relay::start(&relay_dir);
    let pc = tmp.path().join("a");
    init_clinic(&pc);
    owner(&pc, &["sync", "--relay", &relay.url()]);

    let listed: Value =
        serde_json::from_str(&ok(relay_admin(&relay_dir, &["clinics", "--json"]))).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let clinic = &listed[0];
    assert_eq!(clinic["devices_active"], 1, "{clinic}");
    assert!(clinic["records"].as_u64().unwrap() >= 1, "{clinic}");
    assert!(clinic["last_seen_ms"].as_i64().unwrap() > 0, "{clinic}");
    let id = clinic["clinic_id"].as_str().unwrap().to_string();

    // Without --yes: told what would go, nothing deleted.
    let dry = ok(relay_admin(&relay_dir, &["forget-clinic", &id]));
    assert!(dry.contains("Nothing deleted"), "{dry}");
    owner(&pc, &["sync"]);

    let done = ok(relay_admin(&relay_dir, &["forget-clinic", &id, "--yes"]));
    assert!(done.contains(&format!("Deleted clinic {id}")), "{done}");
    let listed = ok(relay_admin(&relay_dir, &["clinics"]));
    assert!(listed.contains("No clinic at this relay"), "{listed}");
    // Its PC keeps its data; the relay no longer knows it.
    let error = failure(chairside(&pc, &["--json", "--user", "amel", "sync"], &[]));
    assert_eq!(error["reason"], "unknown_to_relay", "{error}");
    let unknown = relay_admin(&relay_dir, &["forget-clinic", &id, "--yes"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no clinic"));
}

#[test]
fn a_file_past_the_clinic_quota_waits_on_its_pc_and_goes_once_the_operator_gives_it_room() {
    let tmp = tempfile::tempdir().unwrap();
    let relay_dir = tmp.path().join("relay");
    // Less than one chunk of room: no file fits.
    let relay = Relay::start_flagged(&relay_dir, &["--clinic-quota", "1MB"]);
    let (pc_a, pc_b) = two_pcs(tmp.path(), &relay);
    let file = corpus("real/CT_small.dcm");
    // The corpus file names another patient: imported all the same.
    let (id, image_id) = patient_with_image(&pc_a, "Quota", &file, &["--yes"]);

    // The sync goes through: the patient is sent, the file waits, and the sync says why.
    let synced = owner(&pc_a, &["sync"]);
    assert_eq!(synced["files_sent"], 0, "{synced}");
    assert!(synced["sent"].as_u64().unwrap() > 0, "{synced}");
    assert_eq!(
        synced["files_held_back"]["reason"], "quota_exceeded",
        "{synced}"
    );
    assert_eq!(synced["files_held_back"]["waiting"], 1, "{synced}");
    assert!(relay.blob_folders().is_empty());
    let said = ok(chairside(&pc_a, &["--user", "amel", "sync"], &[]));
    assert!(
        said.contains("Warning: 1 file(s) wait on this PC"),
        "{said}"
    );
    assert!(said.contains("raise the quota"), "{said}");
    // The owner's report shows the clinic's space at the relay: none of it used, the file
    // refused ahead of its one chunk.
    let report = owner(&pc_a, &["sync", "--report"]);
    assert_eq!(
        report["relay_file_room"]["quota_bytes"], 1_000_000,
        "{report}"
    );
    assert_eq!(report["relay_file_room"]["used_bytes"], 0, "{report}");
    assert_eq!(report["files_waiting"], 1, "{report}");

    // B has the patient and the image's record; the file itself is not at the relay yet.
    owner(&pc_b, &["sync"]);
    let listed = owner(&pc_b, &["image", "list", "--patient", &id]);
    assert_eq!(listed[0]["id"], image_id.as_str(), "{listed}");
    let out = tmp.path().join("b.dcm");
    let export = |pc: &Path| export_original(pc, &image_id, &out);
    assert_eq!(failure(export(&pc_b))["reason"], "file_not_uploaded");

    // The operator gives this clinic more room, while the relay serves: its next upload is
    // admitted, with no restart. A size that is not one is refused, saying what to type.
    let clinics = relay_admin(&relay_dir, &["clinics", "--json"]);
    let clinics: Value = serde_json::from_slice(&clinics.stdout).unwrap();
    let clinic_id = clinics[0]["clinic_id"].as_str().unwrap().to_string();
    let set_quota = |size: &str| {
        Command::new(chairside_scenarios::workspace_binary("chairside-relay"))
            .args(["set-quota", &clinic_id, size, "--db"])
            .arg(format!(
                "sqlite:{}",
                relay_dir.join("relay.sqlite").display()
            ))
            .output()
            .unwrap()
    };
    let refused = set_quota("lots");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("give one such as 50GB or 200GiB"), "{said}");
    let said = ok(set_quota("50MB"));
    assert!(said.contains("may now keep 50.0 MB of files"), "{said}");
    let listed = String::from_utf8(relay_admin(&relay_dir, &["clinics"]).stdout).unwrap();
    assert!(listed.contains("own quota 50.0 MB"), "{listed}");
    let synced = owner(&pc_a, &["sync"]);
    assert_eq!(synced["files_sent"], 1, "{synced}");
    assert_eq!(synced["files_held_back"], Value::Null, "{synced}");
    ok(export(&pc_b));
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&file).unwrap());
}

/// The clinic's relay loses everything (its disk, no backup) and the clinic moves to a new one.
/// A plain sync to it says what to do; the owner joins each PC to it with `sync --rejoin`. The
/// first registers the clinic there and brings the other PC's changes it holds; the second
/// joins, finds its log there already and sends the file only it held; both then hold the same
/// patients, and the first opens the second's image through the new relay.
#[test]
fn a_clinic_moves_to_a_new_relay_when_its_relay_lost_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let old = Relay::start(&tmp.path().join("old"));
    let (pc_a, pc_b) = two_pcs(tmp.path(), &old);
    let file = corpus("real/CT_small.dcm");
    let (_, image_id) = patient_with_image(&pc_b, "Relais", &file, &["--yes"]);
    owner(&pc_b, &["sync"]);
    owner(&pc_a, &["sync"]);
    drop(old);

    let new = Relay::start(&tmp.path().join("new"));
    let refused = failure(chairside(
        &pc_a,
        &["--json", "--user", "amel", "sync", "--relay", &new.url()],
        &[],
    ));
    assert_eq!(refused["reason"], "unknown_to_relay", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("--rejoin"),
        "{refused}"
    );
    let moved = owner(&pc_a, &["sync", "--relay", &new.url(), "--rejoin"]);
    assert_eq!(moved["rejoined"]["outcome"], "registered_clinic", "{moved}");
    // The old relay is gone: it could not be told, so each PC is joined by hand.
    assert_eq!(moved["rejoined"]["old_relay"], "not_left", "{moved}");
    assert!(moved["sync"]["sent"].as_u64().unwrap() > 0, "{moved}");
    assert!(
        moved["sync"]["carried"].as_u64().unwrap() > 0,
        "B's changes come from A: {moved}"
    );
    assert_eq!(moved["sync"]["checksums_match"], true, "{moved}");
    // Said in words, and a second rejoin changes nothing.
    let said = ok(chairside(
        &pc_a,
        &["--user", "amel", "sync", "--rejoin"],
        &[],
    ));
    assert!(said.contains("knew this PC already"), "{said}");
    // The operator sees B known by its log only, until it joins.
    let listed = ok(relay_admin(&tmp.path().join("new"), &["clinics"]));
    assert!(
        listed.contains("1 not joined yet (their logs carried here)"),
        "{listed}"
    );

    let joined = owner(&pc_b, &["sync", "--relay", &new.url(), "--rejoin"]);
    assert_eq!(joined["rejoined"]["outcome"], "joined_clinic", "{joined}");
    // Its log, carried by A, is taken as its own (the same bytes): no conflict.
    assert_eq!(joined["sync"]["checksums_match"], true, "{joined}");
    assert_eq!(joined["sync"]["files_sent"], 1, "{joined}");
    owner(&pc_a, &["sync"]);
    let patients = |pc: &Path| owner(pc, &["patient", "search", "relais"]);
    assert_eq!(patients(&pc_a), patients(&pc_b));
    assert!(patients(&pc_a).to_string().contains("Relais"));
    let out = tmp.path().join("a.dcm");
    ok(export_original(&pc_a, &image_id, &out));
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&file).unwrap());
}

#[test]
fn a_planned_move_is_followed_by_the_other_pc_at_its_ordinary_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let old = Relay::start(&tmp.path().join("old"));
    let (pc_a, pc_b) = two_pcs(tmp.path(), &old);
    owner(&pc_a, &["sync"]);
    let new = Relay::start(&tmp.path().join("new"));
    let said = ok(chairside(
        &pc_a,
        &["--user", "amel", "sync", "--relay", &new.url(), "--rejoin"],
        &[],
    ));
    assert!(
        said.contains("each other PC follows at its next sync"),
        "{said}"
    );

    // The second PC, not told anything, registers a patient and syncs as every day.
    owner(
        &pc_b,
        &[
            "patient",
            "add",
            "--last-name",
            "Suivi",
            "--first-name",
            "Lina",
            "--birth-date",
            "1992-05-05",
            "--sex",
            "F",
        ],
    );
    let followed = ok(chairside(&pc_b, &["--user", "amel", "sync"], &[]));
    assert!(
        followed.contains(&format!(
            "The clinic moved to the relay at {} (its owner left word at the old one)",
            new.url()
        )),
        "{followed}"
    );
    assert!(
        followed.contains(&format!("Synced with {}", new.url())),
        "{followed}"
    );
    let next = owner(&pc_b, &["sync"]);
    assert_eq!(next["relay_url"], new.url().as_str(), "{next}");
    assert!(next.get("followed_to").is_none(), "{next}");
    assert_eq!(next["checksums_match"], true, "{next}");
    // Its operator sees the clinic left; the old relay can stop: nobody syncs with it any more.
    let listed = ok(relay_admin(&tmp.path().join("old"), &["clinics"]));
    assert!(listed.contains("moved to another relay"), "{listed}");
    drop(old);
    owner(&pc_a, &["sync"]);
    let found = owner(&pc_a, &["patient", "search", "suivi"]);
    assert_eq!(found[0]["first_name"], "Lina", "{found}");
}
