//! The `chairside` command line as scripts use it: exact names, exit codes, JSON shapes, and
//! the acceptance checks of the spine (encrypted file, wrong passphrase, audit tampering,
//! backups, `db check`), run on the real binary with fresh data directories.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::path::Path;
use std::process::{Command, Output};

use chairside_store::{Store, Unlock};
use serde_json::Value;

const PASSPHRASE: &str = "la phrase secrète du cabinet";
const OWNER_PW: &str = "owner password 1";

fn chairside(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(chairside_scenarios::workspace_binary("chairside"));
    cmd.arg("--data-dir").arg(dir).args(args);
    cmd.env_remove("CHAIRSIDE_USER")
        .env_remove("CHAIRSIDE_PASSWORD")
        .env_remove("CHAIRSIDE_NEW_PASSWORD");
    cmd.env("CHAIRSIDE_KEYRING", "off")
        .env("CHAIRSIDE_PASSPHRASE", PASSPHRASE);
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

fn failed(output: Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(1),
        "stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        output.stdout.is_empty() || output.stdout.starts_with(b"{"),
        "no human text on stdout when failing"
    );
    String::from_utf8(output.stderr).unwrap()
}

fn as_owner(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--user", "amel"];
    all.extend_from_slice(args);
    chairside(dir, &all, &[("CHAIRSIDE_PASSWORD", OWNER_PW)])
}

fn init(dir: &Path) {
    ok(chairside(
        dir,
        &[
            "init",
            "--clinic-name",
            "Cabinet Dentaire El Biar",
            "--timezone",
            "Africa/Algiers",
            "--phone-region",
            "DZ",
            "--owner",
            "amel",
        ],
        &[("CHAIRSIDE_PASSWORD", OWNER_PW)],
    ));
}

#[test]
fn init_users_and_permissions() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let header = std::fs::read(dir.path().join("chairside.db")).unwrap();
    assert_ne!(
        &header[..16],
        b"SQLite format 3\0",
        "the database file is encrypted"
    );

    let user: Value = serde_json::from_str(&ok(chairside(
        dir.path(),
        &[
            "--json",
            "--user",
            "amel",
            "user",
            "add",
            "sofia",
            "--role",
            "receptionist",
        ],
        &[
            ("CHAIRSIDE_PASSWORD", OWNER_PW),
            ("CHAIRSIDE_NEW_PASSWORD", "reception pw 1"),
        ],
    )))
    .unwrap();
    assert_eq!(user["username"], "sofia");
    assert_eq!(user["role"], "receptionist");

    // CHAIRSIDE_USER works as well as --user.
    let list: Value = serde_json::from_str(&ok(chairside(
        dir.path(),
        &["--json", "user", "list"],
        &[("CHAIRSIDE_USER", "amel"), ("CHAIRSIDE_PASSWORD", OWNER_PW)],
    )))
    .unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["amel", "sofia"]);

    // A receptionist may not manage users: exit 1, a sentence on stderr, nothing on stdout.
    let err = failed(chairside(
        dir.path(),
        &["--user", "sofia", "user", "list"],
        &[("CHAIRSIDE_PASSWORD", "reception pw 1")],
    ));
    assert!(
        err.contains("receptionist role does not allow manage users"),
        "{err}"
    );
    // With --json the error is the pinned {code, message} object.
    let err = failed(chairside(
        dir.path(),
        &["--json", "--user", "sofia", "user", "list"],
        &[("CHAIRSIDE_PASSWORD", "wrong password")],
    ));
    let err: Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!(err["code"], "wrong_credentials");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("wrong username or password")
    );

    let err = failed(chairside(dir.path(), &["user", "list"], &[]));
    assert!(err.contains("--user NAME or set CHAIRSIDE_USER"), "{err}");
    let err = failed(chairside(
        dir.path(),
        &["--user", "amel", "user", "add", "x y", "--role", "dentist"],
        &[
            ("CHAIRSIDE_PASSWORD", OWNER_PW),
            ("CHAIRSIDE_NEW_PASSWORD", "dentist pw 12"),
        ],
    ));
    assert!(err.contains("username"), "{err}");
    let usage = chairside(dir.path(), &["user", "add", "z", "--role", "janitor"], &[]);
    assert_eq!(usage.status.code(), Some(2), "a usage error exits 2");
}

#[test]
fn a_wrong_passphrase_fails_clearly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let files = |d: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
            .collect();
        v.sort();
        v
    };
    let before = files(dir.path());
    let err = failed(chairside(
        dir.path(),
        &["--user", "amel", "user", "list"],
        &[
            ("CHAIRSIDE_PASSPHRASE", "not the passphrase"),
            ("CHAIRSIDE_PASSWORD", OWNER_PW),
        ],
    ));
    assert!(err.contains("wrong passphrase"), "{err}");
    assert_eq!(files(dir.path()), before);
    let err = failed(chairside(
        dir.path(),
        &["--user", "amel", "user", "list"],
        &[("CHAIRSIDE_PASSPHRASE", "")],
    ));
    assert!(err.contains("CHAIRSIDE_PASSPHRASE"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let err = failed(as_owner(empty.path(), &["user", "list"]));
    assert!(err.contains("no Chairside database"), "{err}");
}

#[test]
fn audit_verify_names_the_first_altered_or_removed_entry() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    for _ in 0..3 {
        ok(as_owner(dir.path(), &["user", "list"]));
    }
    let out = ok(as_owner(dir.path(), &["audit", "verify"]));
    assert!(out.contains("Audit log intact"), "{out}");

    // Someone with the key edits the log behind the app's back.
    let tamper = |sql: &str| {
        let store = Store::open(
            dir.path(),
            Unlock::Auto {
                passphrase: Some(PASSPHRASE),
            },
        )
        .unwrap();
        store
            .conn()
            .execute_batch(&format!(
                "DROP TRIGGER IF EXISTS audit_event_no_update; DROP TRIGGER IF EXISTS audit_event_no_delete; {sql}"
            ))
            .unwrap();
    };
    tamper("UPDATE audit_event SET action = 'nothing to see' WHERE seq = 4");
    let err = failed(as_owner(dir.path(), &["audit", "verify"]));
    assert!(err.contains("entry #4"), "{err}");
    assert!(err.contains("altered"), "{err}");
    let out = as_owner(dir.path(), &["--json", "audit", "verify"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["broken_seq"], 4);

    let dir2 = tempfile::tempdir().unwrap();
    init(dir2.path());
    ok(as_owner(dir2.path(), &["user", "list"]));
    ok(as_owner(dir2.path(), &["user", "list"]));
    let store = Store::open(
        dir2.path(),
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .unwrap();
    store
        .conn()
        .execute_batch("DROP TRIGGER audit_event_no_delete; DELETE FROM audit_event WHERE seq = 3")
        .unwrap();
    drop(store);
    let err = failed(as_owner(dir2.path(), &["audit", "verify"]));
    assert!(err.contains("entry #3") && err.contains("missing"), "{err}");
}

#[test]
fn backup_create_restore_db_check_and_compact() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    init(dir.path());
    let db_check: Value =
        serde_json::from_str(&ok(as_owner(dir.path(), &["--json", "db", "check"]))).unwrap();
    assert_eq!(db_check["ok"], true);
    let compacted: Value =
        serde_json::from_str(&ok(as_owner(dir.path(), &["--json", "db", "compact"]))).unwrap();
    assert!(compacted["before_bytes"].as_u64().unwrap() > 4096);
    assert!(
        compacted["after_bytes"].as_u64().unwrap() <= compacted["before_bytes"].as_u64().unwrap()
    );
    ok(as_owner(dir.path(), &["db", "check"]));

    let file = out.path().join("cabinet.chairside-backup");
    let summary: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &["--json", "backup", "create", file.to_str().unwrap()],
    )))
    .unwrap();
    assert!(summary["bytes"].as_u64().unwrap() > 4096);
    ok(chairside(
        dir.path(),
        &[
            "--user", "amel", "user", "add", "karim", "--role", "dentist",
        ],
        &[
            ("CHAIRSIDE_PASSWORD", OWNER_PW),
            ("CHAIRSIDE_NEW_PASSWORD", "dentist pw 12"),
        ],
    ));

    // Into a new, empty data directory (a replacement PC): no sign-in needed, the passphrase is.
    let fresh = tempfile::tempdir().unwrap();
    let err = failed(chairside(
        fresh.path(),
        &["backup", "restore", file.to_str().unwrap()],
        &[("CHAIRSIDE_PASSPHRASE", "wrong")],
    ));
    assert!(err.contains("wrong passphrase"), "{err}");
    ok(chairside(
        fresh.path(),
        &["backup", "restore", file.to_str().unwrap()],
        &[],
    ));
    let list = ok(as_owner(fresh.path(), &["--json", "user", "list"]));
    assert!(!list.contains("karim"), "the backup predates karim: {list}");
    ok(as_owner(fresh.path(), &["db", "check"]));
    ok(as_owner(fresh.path(), &["audit", "verify"]));

    // Over the live clinic: the owner only.
    let err = failed(chairside(
        dir.path(),
        &["backup", "restore", file.to_str().unwrap()],
        &[],
    ));
    assert!(err.contains("sign in"), "{err}");
    ok(as_owner(
        dir.path(),
        &["backup", "restore", file.to_str().unwrap()],
    ));
    let list = ok(as_owner(dir.path(), &["--json", "user", "list"]));
    assert!(!list.contains("karim"), "{list}");

    let bogus = out.path().join("bogus");
    std::fs::write(&bogus, b"not a backup at all").unwrap();
    let err = failed(as_owner(
        dir.path(),
        &["backup", "restore", bogus.to_str().unwrap()],
    ));
    assert!(err.contains("not a Chairside backup"), "{err}");
}

#[test]
fn patient_commands_print_patients_and_refuse_bad_input_by_field() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let added: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &[
            "--json",
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
            "--phone",
            "+32 470 12 34 56",
            "--email",
            "helene@example.dz",
        ],
    )))
    .unwrap();
    for key in [
        "id",
        "file_number",
        "last_name",
        "first_name",
        "birth_date",
        "sex",
        "phones",
    ] {
        assert!(added.get(key).is_some(), "{key} missing from {added}");
    }
    assert_eq!(
        added["phones"],
        serde_json::json!(["+213555123456", "+32470123456"])
    );
    let id = added["id"].as_str().unwrap();

    let shown: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &["--json", "patient", "show", id],
    )))
    .unwrap();
    assert_eq!(shown, added);
    let edited: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &[
            "--json",
            "patient",
            "edit",
            id,
            "--notes",
            "Allergie pénicilline",
        ],
    )))
    .unwrap();
    assert_eq!(edited["notes"], "Allergie pénicilline");
    assert_eq!(
        edited["phones"], added["phones"],
        "fields not given are kept"
    );

    let found: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &["--json", "patient", "search", "helene dup"],
    )))
    .unwrap();
    assert_eq!(found[0]["id"], id);

    // Bulk mode: one JSON line per query line, in order.
    let mut child = Command::new(chairside_scenarios::workspace_binary("chairside"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--user", "amel", "patient", "search"])
        .env("CHAIRSIDE_KEYRING", "off")
        .env("CHAIRSIDE_PASSPHRASE", PASSPHRASE)
        .env("CHAIRSIDE_PASSWORD", OWNER_PW)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        "0555 12 34 56\nnobody\nHELENE\n".as_bytes(),
    )
    .unwrap();
    drop(child.stdin.take());
    let out = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0][0]["id"], id);
    assert_eq!(lines[1], serde_json::json!([]));
    assert_eq!(lines[2][0]["id"], id);

    for (args, field) in [
        (vec!["--birth-date", "2099-01-01"], "birth_date"),
        (vec!["--phone", "12"], "phone"),
        (vec!["--last-name", " "], "last_name"),
        (
            vec![
                "--national-id-kind",
                "be_nrn",
                "--national-id",
                "85073003329",
            ],
            "national_id",
        ),
    ] {
        // The base patient, with the case's flags replacing the same flags.
        let mut flags = vec![
            ("--last-name", "Autre"),
            ("--first-name", "Personne"),
            ("--birth-date", "1990-01-01"),
            ("--sex", "M"),
        ];
        for pair in args.chunks(2) {
            flags.retain(|(f, _)| *f != pair[0]);
            flags.push((pair[0], pair[1]));
        }
        let mut all = vec!["patient", "add"];
        all.extend(flags.iter().flat_map(|(f, v)| [*f, *v]));
        let err = failed(as_owner(dir.path(), &all));
        assert!(err.contains(&format!("{field}:")), "{field}: {err}");
    }
    let list: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &["--json", "patient", "search", "personne"],
    )))
    .unwrap();
    assert_eq!(
        list,
        serde_json::json!([]),
        "nothing was created by the refused commands"
    );
    let err = failed(as_owner(
        dir.path(),
        &[
            "patient",
            "add",
            "--last-name",
            "DUPRE",
            "--first-name",
            "helene",
            "--birth-date",
            "1975-05-02",
            "--sex",
            "F",
        ],
    ));
    assert!(
        err.contains("possible duplicate") && err.contains(added["file_number"].as_str().unwrap()),
        "{err}"
    );
}

#[test]
fn patient_export_timeline_guarantor_and_erase_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let add = |last: &str, first: &str, birth: &str, phone: &str, extra: &[&str]| -> Value {
        let mut args = vec![
            "--json",
            "patient",
            "add",
            "--last-name",
            last,
            "--first-name",
            first,
            "--birth-date",
            birth,
            "--sex",
            "F",
            "--phone",
            phone,
            "--address",
            "3 rue des Oliviers, Blida",
        ];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(as_owner(dir.path(), &args))).unwrap()
    };
    let mother = add("Khelifa", "Nadia", "1979-04-02", "0661 10 20 30", &[]);
    let mother_id = mother["id"].as_str().unwrap();
    let err = failed(as_owner(
        dir.path(),
        &[
            "patient",
            "add",
            "--last-name",
            "Khelifa",
            "--first-name",
            "Amira",
            "--birth-date",
            "2014-09-09",
            "--sex",
            "F",
            "--guarantor",
            mother_id,
        ],
    ));
    assert!(err.contains("guarantor_relation:"), "{err}");
    let child = add(
        "Khelifa",
        "Amira",
        "2014-09-09",
        "0661 10 20 31",
        &["--guarantor", mother_id, "--relation", "parent"],
    );
    assert_eq!(child["guarantor"]["id"], mother_id);
    assert_eq!(child["guarantor_relation"], "parent");
    let id = child["id"].as_str().unwrap();

    let out = dir.path().join("amira.fhir.json");
    let summary: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &[
            "--json",
            "patient",
            "export",
            id,
            "--format",
            "fhir",
            "--out",
            out.to_str().unwrap(),
        ],
    )))
    .unwrap();
    assert_eq!(summary["format"], "fhir-r4");
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(
        bundle["entry"][0]["resource"]["name"][0]["family"],
        "Khelifa"
    );
    assert_eq!(
        bundle["entry"][0]["resource"]["contact"][0]["name"]["given"][0],
        "Nadia"
    );

    let timeline: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &["--json", "patient", "timeline", id],
    )))
    .unwrap();
    assert_eq!(timeline[0]["kind"], "file_created");

    // Only the owner erases.
    ok(chairside(
        dir.path(),
        &[
            "--user", "amel", "user", "add", "yanis", "--role", "dentist",
        ],
        &[
            ("CHAIRSIDE_PASSWORD", OWNER_PW),
            ("CHAIRSIDE_NEW_PASSWORD", "dentist pw 12"),
        ],
    ));
    let err = failed(chairside(
        dir.path(),
        &["--user", "yanis", "patient", "erase", id],
        &[("CHAIRSIDE_PASSWORD", "dentist pw 12")],
    ));
    assert!(err.contains("erase"), "{err}");
    let report: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &["--json", "patient", "erase", id],
    )))
    .unwrap();
    assert_eq!(report["patient"]["last_name"], "");
    assert_eq!(report["patient"]["phones"], serde_json::json!([]));
    assert_eq!(report["patient"]["birth_date"], "2014");
    assert_eq!(report["patient"]["file_number"], child["file_number"]);
    let shown: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &["--json", "patient", "show", id],
    )))
    .unwrap();
    assert!(shown["erased_at_ms"].is_i64());
    let found: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &["--json", "patient", "search", "amira"],
    )))
    .unwrap();
    assert_eq!(found, serde_json::json!([]));
    let err = failed(as_owner(
        dir.path(),
        &["patient", "edit", id, "--first-name", "Amira"],
    ));
    assert!(err.contains("erased"), "{err}");
}

#[test]
fn image_info_and_render_work_on_a_file_alone() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dicom");
    // A data directory that does not exist: these commands never open one.
    let tmp = tempfile::tempdir().unwrap();
    let nowhere = tmp.path().join("no-data-dir");
    let mr = corpus.join("real/MR_small.dcm");
    let info: Value = serde_json::from_str(&ok(chairside(
        &nowhere,
        &["--json", "image", "info", mr.to_str().unwrap()],
        &[],
    )))
    .unwrap();
    assert_eq!(info["transfer_syntax"], "1.2.840.10008.1.2.1");
    assert_eq!(
        (info["rows"].as_u64(), info["columns"].as_u64()),
        (Some(64), Some(64))
    );
    assert_eq!(info["frames"], 1);
    assert_eq!(info["samples_per_pixel"], 1);
    assert_eq!(info["photometric_interpretation"], "MONOCHROME2");
    assert_eq!(
        (
            info["bits_allocated"].as_u64(),
            info["bits_stored"].as_u64()
        ),
        (Some(16), Some(16))
    );
    assert_eq!(info["pixel_spacing"], serde_json::json!([0.3125, 0.3125]));
    assert_eq!(info["window"], serde_json::json!([600.0, 1600.0]));

    let out = tmp.path().join("mr.png");
    ok(chairside(
        &nowhere,
        &[
            "image",
            "render",
            mr.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--frame",
            "0",
            "--window",
            "600",
            "1600",
        ],
        &[],
    ));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(!nowhere.exists(), "no data directory was created");

    // Refusals: one line on stderr, exit code 1, nothing written.
    let truncated = corpus.join("real/MR_truncated.dcm");
    let not_written = tmp.path().join("never.png");
    let err = failed(chairside(
        &nowhere,
        &[
            "image",
            "render",
            truncated.to_str().unwrap(),
            "--out",
            not_written.to_str().unwrap(),
        ],
        &[],
    ));
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("truncated file"), "{err}");
    assert!(!not_written.exists());
    let err = failed(chairside(
        &nowhere,
        &[
            "image",
            "render",
            mr.to_str().unwrap(),
            "--out",
            not_written.to_str().unwrap(),
            "--frame",
            "3",
        ],
        &[],
    ));
    assert!(err.contains("frame 3 does not exist"), "{err}");
}

#[test]
fn patient_merge_and_separate_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    // Two spellings of one person's name, each with a phone: not refused as a duplicate.
    let add = |last: &str, phone: &str| -> Value {
        let args = [
            "--json",
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
        ];
        serde_json::from_str(&ok(as_owner(dir.path(), &args))).unwrap()
    };
    let kept = add("Benali", "0555 00 00 01");
    let retired = add("Benaly", "0661 00 00 02");
    let (kept_id, retired_id) = (
        kept["id"].as_str().unwrap(),
        retired["id"].as_str().unwrap(),
    );

    // The preview says what differs and what the merge would keep, and writes nothing.
    let preview = ok(as_owner(
        dir.path(),
        &[
            "patient",
            "merge",
            "--keep",
            kept_id,
            "--retire",
            retired_id,
            "--preview",
        ],
    ));
    assert!(
        preview.contains("nothing was written")
            && preview.contains("last_name:")
            && preview.contains("Benaly")
            && preview.contains("+213555000001, +213661000002"),
        "{preview}"
    );
    let preview: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &[
            "--json",
            "patient",
            "merge",
            "--keep",
            kept_id,
            "--retire",
            retired_id,
            "--preview",
        ],
    )))
    .unwrap();
    assert_eq!(preview["kept"]["id"], kept_id);
    assert_eq!(
        preview["details"],
        serde_json::json!([{
            "field": "last_name",
            "default_side": "kept",
            "kept_allowed": true,
            "retired_allowed": true
        }])
    );
    let unchanged: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &["--json", "patient", "show", kept_id],
    )))
    .unwrap();
    assert_eq!(unchanged["merged_files"], serde_json::json!([]));

    // A detail that cannot be taken is refused, naming the ones that can.
    let refused = failed(as_owner(
        dir.path(),
        &[
            "patient",
            "merge",
            "--keep",
            kept_id,
            "--retire",
            retired_id,
            "--take",
            "file_number",
        ],
    ));
    assert!(
        refused.contains("file_number") && refused.contains("last_name"),
        "{refused}"
    );

    let merged: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &[
            "--json",
            "patient",
            "merge",
            "--keep",
            kept_id,
            "--retire",
            retired_id,
            "--take",
            "last_name",
        ],
    )))
    .unwrap();
    assert_eq!(merged["id"], kept_id);
    assert_eq!(merged["last_name"], "Benaly");
    assert_eq!(
        merged["phones"],
        serde_json::json!(["+213555000001", "+213661000002"])
    );
    assert_eq!(merged["merged_files"][0]["id"], retired_id);
    // The retired file's number finds the kept file; its id shows the kept file.
    let number = retired["file_number"].as_str().unwrap();
    let found: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &["--json", "patient", "search", number],
    )))
    .unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], kept_id);
    let text = ok(as_owner(dir.path(), &["patient", "show", retired_id]));
    assert!(
        text.contains("merged files:") && text.contains(number),
        "{text}"
    );

    let separated: Value = serde_json::from_str(&ok(as_owner(
        dir.path(),
        &["--json", "patient", "separate", retired_id],
    )))
    .unwrap();
    assert_eq!(separated["id"], retired_id);
    assert_eq!(separated["merged_files"], serde_json::json!([]));
    let again = failed(as_owner(dir.path(), &["patient", "separate", retired_id]));
    assert!(again.contains("not merged"), "{again}");
}
