//! `chairside`: the headless face of Chairside, for owners' scripts, support and tests.
//!
//! A thin adapter over `chairside-app`: parse flags, unlock, sign in, call one method, print its
//! DTO as text or (`--json`) as JSON on stdout. Errors go to stderr, as a sentence or as
//! `{"code","message"}` with `--json`, with exit code 1 (2 for a usage error).

mod agenda;
mod chart;
mod image;
mod progress;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use chairside_app::{
    ApiError, App, Language, MergePatientsRequest, MergePreview, MergePreviewRequest, MergeSide,
    NewUserRequest, Patient, PatientInput, Role, SetupRequest, SignInRequest, code,
    default_data_dir,
};
use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;

#[derive(Parser, Debug)]
#[command(
    name = "chairside",
    version,
    about = "Chairside dental practice software: command line"
)]
struct Cli {
    /// Data directory (default: the platform's data directory, or CHAIRSIDE_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Machine-readable output: JSON on stdout; errors as JSON on stderr.
    #[arg(long, global = true)]
    json: bool,
    /// Who runs the command (its password comes from CHAIRSIDE_PASSWORD or a prompt).
    #[arg(long, global = true, env = "CHAIRSIDE_USER", value_name = "NAME")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// First-run setup: create the encrypted database, the clinic and the owner's account.
    Init {
        #[arg(long)]
        clinic_name: String,
        #[arg(long, default_value = "Africa/Algiers")]
        timezone: String,
        #[arg(long, default_value = "DZ")]
        phone_region: String,
        /// The owner's username.
        #[arg(long)]
        owner: String,
        #[arg(long, default_value = "")]
        owner_display_name: String,
        #[arg(long, default_value = "")]
        address: String,
        #[arg(long, value_enum, default_value = "fr")]
        language: LanguageArg,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Encrypted backups.
    Backup {
        #[command(subcommand)]
        command: BackupCommand,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Where this data directory stands (set up? locked? key storage).
    Status,
    /// Patient files.
    Patient {
        #[command(subcommand)]
        command: PatientCommand,
    },
    /// Sync with the relay (the URL is remembered; the clinic's first sync registers it).
    Sync {
        #[arg(long, value_name = "URL")]
        relay: Option<String>,
        /// The end-of-day report: sent and received per device, conflicts waiting, devices not
        /// seen today.
        #[arg(long)]
        report: bool,
        /// Join this PC to a relay that does not know it (owner only): the clinic moved to it,
        /// or it lost its data. The first PC registers the clinic there, the others join it;
        /// each then sends it everything it holds, the other PCs' changes included.
        #[arg(long, conflicts_with = "report")]
        rejoin: bool,
        /// With --rejoin, when the relay refuses this PC's recovery proof (it missed a renewal
        /// of the recovery key while the relay lost its data or the clinic moved): ask to join
        /// with a pairing code from an owner's PC (`chairside device invite` there), keeping
        /// everything this PC holds; approve it there, then run `chairside sync` here.
        #[arg(long, value_name = "CODE", requires = "rejoin")]
        code: Option<String>,
    },
    /// The clinic's PCs: invite, approve, list, revoke; enroll this PC into a clinic.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Images: `info` and `render` work on a file alone (no data directory, no sign-in);
    /// `import`, `list` and `export` work on a patient's images in the clinic.
    Image {
        #[command(subcommand)]
        command: image::ImageCommand,
    },
    /// The printed recovery key: show it (owner), or restore the clinic on a new PC with it.
    Recovery {
        #[command(subcommand)]
        command: RecoveryCommand,
    },
    /// The clinic's chairs (the agenda's columns).
    Chair {
        #[command(subcommand)]
        command: agenda::ChairCommand,
    },
    /// Appointments: a day, book, move, status, settle a double booking.
    Agenda {
        #[command(subcommand)]
        command: agenda::AgendaCommand,
    },
    /// What waits for a person after a sync: possible duplicate files, concurrent edits,
    /// double-booked chairs.
    Inbox,
    /// A patient's dental chart: show it, chart a finding or a treatment, edit, mark done.
    Chart {
        #[command(subcommand)]
        command: chart::ChartCommand,
    },
    /// Fill the clinic with realistic demo patients (owner only).
    Demo {
        #[arg(long, default_value_t = 200)]
        patients: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// The fields of a patient, for `patient add` and `patient edit`.
#[derive(clap::Args, Debug, Default)]
struct PatientFields {
    #[arg(long)]
    last_name: Option<String>,
    #[arg(long)]
    first_name: Option<String>,
    /// YYYY-MM-DD.
    #[arg(long)]
    birth_date: Option<String>,
    /// F, M or X.
    #[arg(long)]
    sex: Option<String>,
    /// Repeat for several numbers; any format, read with the clinic's phone region.
    #[arg(long = "phone")]
    phones: Vec<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    address: Option<String>,
    /// be_nrn, fr_nir or dz_cnas (default: the clinic region's).
    #[arg(long)]
    national_id_kind: Option<String>,
    #[arg(long)]
    national_id: Option<String>,
    #[arg(long)]
    referring_dentist: Option<String>,
    #[arg(long)]
    notes: Option<String>,
    /// Id of the patient who pays or answers for this one (an empty string removes the link).
    #[arg(long)]
    guarantor: Option<String>,
    /// How the guarantor is related: parent, spouse, guardian, child, sibling or other.
    #[arg(long)]
    relation: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ExportFormat {
    /// An HL7 FHIR R4 JSON Bundle.
    Fhir,
}

#[derive(Subcommand, Debug)]
enum PatientCommand {
    /// Create a patient and print it.
    Add {
        #[command(flatten)]
        fields: PatientFields,
        /// Create even if a patient with the same name and birth date, or phone, exists.
        #[arg(long)]
        allow_duplicate: bool,
    },
    /// Print one patient.
    Show { id: String },
    /// Change the given fields (`--phone` replaces the list of phones).
    Edit {
        id: String,
        #[command(flatten)]
        fields: PatientFields,
    },
    /// Search by name, phone, file number or birth date; with no QUERY, one query per line on
    /// stdin and one JSON line of results per query.
    Search { query: Option<String> },
    /// Write the patient's complete record to FILE (GDPR access and portability).
    Export {
        id: String,
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[arg(long)]
        out: PathBuf,
    },
    /// Erase the patient's identity on request (GDPR), keeping the clinical records under the
    /// file number. Irreversible; owner only.
    Erase { id: String },
    /// The patient's history, newest first.
    Timeline { id: String },
    /// Merge the file RETIRED into the file KEPT: the same person filed twice (at two desks,
    /// say). KEPT shows both files' medical history, consents and images and keeps both files'
    /// phones; RETIRED leaves searches and lists. `--take` names the details to take from RETIRED
    /// (last_name, first_name, birth_date, sex, email, address, national_id, referring_dentist,
    /// notes, guarantor). `--preview` shows the details the files disagree on and writes nothing.
    Merge {
        #[arg(long)]
        keep: String,
        #[arg(long)]
        retire: String,
        #[arg(long = "take", value_delimiter = ',', conflicts_with = "preview")]
        take: Vec<String>,
        #[arg(long)]
        preview: bool,
    },
    /// Separate a file merged into another (a merge made by mistake): it stands on its own again
    /// with what it had.
    Separate { id: String },
    /// Set the patient's photo from a JPEG or PNG file, or remove it with --remove.
    Photo {
        id: String,
        #[arg(required_unless_present = "remove")]
        file: Option<PathBuf>,
        #[arg(long, conflicts_with = "file")]
        remove: bool,
    },
}

#[derive(Subcommand, Debug)]
enum DeviceCommand {
    /// Print a one-time pairing code for a new PC (owner; valid one hour).
    Invite {
        #[arg(long, value_name = "URL")]
        relay: Option<String>,
    },
    /// Show the PCs waiting to join (name and key fingerprint) and approve them (owner).
    Approve,
    /// List the clinic's PCs.
    List,
    /// Revoke a PC: it can no longer sync (owner).
    Revoke { id: String },
    /// On a new PC with an empty data directory: ask to join a clinic with a pairing code.
    Enroll {
        #[arg(long, value_name = "URL")]
        relay: String,
        #[arg(long)]
        code: String,
        /// This PC's name in the device list (default: the host name).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum RecoveryCommand {
    /// Print the clinic's recovery key again (owner).
    Show,
    /// Renew the recovery key (owner): the printed one stops working; print the new one.
    /// Revoking a PC does it on its own.
    Renew,
    /// On a new PC with an empty data directory: join the clinic of a recovery key.
    Restore {
        #[arg(long, value_name = "URL")]
        relay: String,
        #[arg(long, value_name = "KEY")]
        recovery_key: String,
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a user; the password comes from CHAIRSIDE_NEW_PASSWORD or a prompt.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// List users.
    List,
}

#[derive(Subcommand, Debug)]
enum BackupCommand {
    /// Write a consistent encrypted backup (works while the app runs).
    Create { file: PathBuf },
    /// Check a backup, then restore it (the app must be closed).
    Restore { file: PathBuf },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check the hash chain; names the first altered or missing entry.
    Verify,
}

#[derive(Subcommand, Debug)]
enum DbCommand {
    /// integrity_check and cipher_integrity_check.
    Check,
    /// Give the room left inside the database back to the disk (after an update that rebuilt
    /// tables, or after erasures). Needs free space about the database's size while it runs;
    /// close the app on this PC first.
    Compact,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RoleArg {
    Owner,
    Dentist,
    Assistant,
    Receptionist,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LanguageArg {
    Fr,
    En,
}

fn main() -> ExitCode {
    // `chairside image render` decodes in a copy of this program under a memory limit.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(code) = chairside_imaging::isolated::worker_main(&args) {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                eprintln!(
                    "{}",
                    serde_json::to_string(&e).unwrap_or_else(|_| e.message.clone())
                );
            } else {
                eprintln!("chairside: {}", e.message);
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), ApiError> {
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let out = Output { json: cli.json };
    match &cli.command {
        Command::Image { command } if command.is_standalone() => image::run(command, &out),
        Command::Init {
            clinic_name,
            timezone,
            phone_region,
            owner,
            owner_display_name,
            address,
            language,
        } => {
            let mut app = App::new(&data_dir);
            let passphrase = match env("CHAIRSIDE_PASSPHRASE") {
                Some(p) => Some(p),
                None if app.keyring_available() => None,
                None => Some(secret("CHAIRSIDE_PASSPHRASE", "New database passphrase: ")?),
            };
            let owner_password = secret("CHAIRSIDE_PASSWORD", "Owner's password: ")?;
            let status = app.setup(SetupRequest {
                clinic_name: clinic_name.clone(),
                address: address.clone(),
                timezone: timezone.clone(),
                phone_region: phone_region.clone(),
                language: match language {
                    LanguageArg::Fr => Language::French,
                    LanguageArg::En => Language::English,
                },
                owner_username: owner.clone(),
                owner_display_name: owner_display_name.clone(),
                owner_password: owner_password.clone(),
                passphrase,
            })?;
            app.sign_in(SignInRequest {
                username: owner.clone(),
                password: owner_password,
            })?;
            let recovery_key = app.recovery_key()?.key;
            let mut shown = serde_json::to_value(&status)
                .map_err(|e| ApiError::new(code::INTERNAL, e.to_string()))?;
            shown["recovery_key"] = recovery_key.clone().into();
            out.print(&shown, || {
                format!(
                    "Clinic {:?} created in {} (database key: {}). Sign in as {owner}.\n\n\
                     Recovery key (print it and keep it in a safe place: with it the clinic can be\n\
                     restored on a new PC if every PC is lost, without it it cannot):\n\n    {recovery_key}\n",
                    status.clinic_name.clone().unwrap_or_default(),
                    status.data_dir,
                    status.key_storage.map_or("?", |k| match k {
                        chairside_app::KeyStorage::Keyring => "OS keyring",
                        chairside_app::KeyStorage::Passphrase => "passphrase",
                    })
                )
            })
        }
        Command::Device {
            command:
                DeviceCommand::Enroll {
                    relay,
                    code: pairing,
                    name,
                },
        } => {
            let name = name.clone().unwrap_or_else(chairside_app::device_name);
            let passphrase = new_store_passphrase(&data_dir)?;
            let fingerprint =
                App::enroll_device(&data_dir, passphrase.as_deref(), relay, pairing, &name)?;
            out.print(
                &serde_json::json!({ "status": "pending", "fingerprint": fingerprint, "name": name }),
                || {
                    format!(
                        "Request sent as {name:?}. Key fingerprint: {fingerprint}\n\
                         On the owner's PC, run `chairside device approve` and check that it shows\n\
                         the same fingerprint; then run `chairside sync` here."
                    )
                },
            )
        }
        Command::Recovery {
            command:
                RecoveryCommand::Restore {
                    relay,
                    recovery_key,
                    name,
                },
        } => {
            let name = name.clone().unwrap_or_else(chairside_app::device_name);
            let passphrase = new_store_passphrase(&data_dir)?;
            App::recover_clinic(&data_dir, passphrase.as_deref(), relay, recovery_key, &name)?;
            let mut app = App::open(&data_dir, passphrase.as_deref())?;
            let summary = app.initial_sync()?;
            out.print(&summary, || {
                format!(
                    "Clinic restored on this PC: {} change sets received from the relay. Sign in with your usual account.",
                    summary.received
                )
            })
        }
        Command::Sync {
            relay,
            rejoin: true,
            code: Some(code),
            ..
        } => {
            let mut app = signed_in(&cli, &data_dir)?;
            let relay = relay.as_deref().ok_or_else(|| {
                ApiError::invalid("relay", "--code needs the relay's address: add --relay URL")
            })?;
            let asked = app.rejoin_with_code(relay, code)?;
            out.print(&asked, || {
                format!(
                    "Asked to join the relay at {} with the pairing code, keeping what this PC \
                     holds. Fingerprint: {}. On the owner's PC, check that it shows the same \
                     fingerprint and approve (`chairside device approve`); then run \
                     `chairside sync` here.",
                    asked.relay_url, asked.fingerprint
                )
            })
        }
        Command::Sync {
            relay,
            rejoin: true,
            ..
        } => {
            let mut app = signed_in(&cli, &data_dir)?;
            let rejoined = app.rejoin_relay(relay.as_deref())?;
            let sync = app.sync_now(None)?;
            let done = Rejoin { rejoined, sync };
            out.print(&done, || {
                format!(
                    "{}\n{}",
                    describe_rejoin(&done.rejoined),
                    describe_sync(&done.sync)
                )
            })
        }
        Command::Sync { relay, report, .. } if !*report => {
            // A PC that joined a clinic syncs once before anyone can sign in (the accounts come
            // with that sync); afterwards sync needs a signed-in user.
            let passphrase = env("CHAIRSIDE_PASSPHRASE");
            let mut app = App::open(&data_dir, passphrase.as_deref())?;
            let line = progress::ProgressLine::new(!cli.json && std::io::stderr().is_terminal());
            let show = |p| line.show(p);
            let summary = if app.holds_clinic()? {
                let mut app = signed_in(&cli, &data_dir)?;
                app.sync_now_reporting(relay.as_deref(), &show)
            } else {
                if relay.is_some() {
                    return Err(ApiError::invalid(
                        "relay",
                        "this PC joins the relay it enrolled with; run `chairside sync` alone",
                    ));
                }
                app.initial_sync_reporting(&show)
            };
            line.clear();
            let summary = summary?;
            out.print(&summary, || describe_sync(&summary))
        }
        Command::Status => {
            let mut app = App::new(&data_dir);
            if let Some(p) = env("CHAIRSIDE_PASSPHRASE") {
                let _ = app.unlock_store(chairside_app::UnlockStoreRequest { passphrase: p });
            }
            let status = app.status()?;
            out.print(&status, || {
                format!("{:?}: {}", status.phase, status.data_dir)
            })
        }
        Command::Backup {
            command: BackupCommand::Restore { file },
        } => {
            let credentials = match &cli.user {
                Some(user) => Some(SignInRequest {
                    username: user.clone(),
                    password: secret("CHAIRSIDE_PASSWORD", "Password: ")?,
                }),
                None => None,
            };
            let passphrase = env("CHAIRSIDE_PASSPHRASE");
            let summary = App::restore_backup(&data_dir, file, passphrase.as_deref(), credentials)?;
            out.print(&summary, || {
                format!("Restored {} into {}.", summary.path, data_dir.display())
            })
        }
        command => {
            let mut app = signed_in(&cli, &data_dir)?;
            match command {
                Command::User {
                    command:
                        UserCommand::Add {
                            name,
                            role,
                            display_name,
                        },
                } => {
                    let user = app.add_user(NewUserRequest {
                        username: name.clone(),
                        display_name: display_name.clone(),
                        role: match role {
                            RoleArg::Owner => Role::Owner,
                            RoleArg::Dentist => Role::Dentist,
                            RoleArg::Assistant => Role::Assistant,
                            RoleArg::Receptionist => Role::Receptionist,
                        },
                        password: secret("CHAIRSIDE_NEW_PASSWORD", "New user's password: ")?,
                    })?;
                    out.print(&user, || {
                        format!("Added {} ({}).", user.username, role_name(user.role))
                    })
                }
                Command::User {
                    command: UserCommand::List,
                } => {
                    let users = app.list_users()?;
                    out.print(&users, || {
                        users
                            .iter()
                            .map(|u| {
                                format!(
                                    "{:<20} {:<13} {}{}",
                                    u.username,
                                    role_name(u.role),
                                    u.display_name,
                                    if u.active { "" } else { " (inactive)" }
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                }
                Command::Backup {
                    command: BackupCommand::Create { file },
                } => {
                    let summary = app.create_backup(file)?;
                    out.print(&summary, || {
                        format!(
                            "Backup written to {} ({} bytes, encrypted).",
                            summary.path, summary.bytes
                        )
                    })
                }
                Command::Audit {
                    command: AuditCommand::Verify,
                } => {
                    let v = app.verify_audit()?;
                    out.report(v.ok, &v, || {
                        format!(
                            "Audit log intact: {} entries from {} device(s).",
                            v.entries, v.devices
                        )
                    })?;
                    match v.first_break {
                        None => Ok(()),
                        Some(b) => Err(ApiError::new(
                            code::INTEGRITY,
                            format!("audit log broken at {b}"),
                        )),
                    }
                }
                Command::Db {
                    command: DbCommand::Check,
                } => {
                    let check = app.check_database()?;
                    out.report(check.ok, &check, || {
                        "Database check: ok (integrity_check, cipher_integrity_check).".to_string()
                    })?;
                    if check.ok {
                        Ok(())
                    } else {
                        Err(ApiError::new(
                            code::INTEGRITY,
                            format!("database check failed: {}", check.problems.join("; ")),
                        ))
                    }
                }
                Command::Db {
                    command: DbCommand::Compact,
                } => {
                    let done = app.compact_database()?;
                    out.print(&done, || {
                        format!(
                            "Database compacted: {:.1} MB -> {:.1} MB on disk.",
                            done.before_bytes as f64 / 1e6,
                            done.after_bytes as f64 / 1e6
                        )
                    })
                }
                Command::Patient { command } => run_patient(&mut app, &out, command),
                Command::Image { command } => image::run_in_clinic(&mut app, command, &out),
                Command::Chair { command } => agenda::run_chair(&mut app, command, &out),
                Command::Agenda { command } => agenda::run_agenda(&mut app, command, &out),
                Command::Inbox => agenda::run_inbox(&mut app, &out),
                Command::Chart { command } => chart::run_chart(&mut app, command, &out),
                Command::Demo { patients, seed } => {
                    let added = app.add_demo_patients(*patients, *seed)?;
                    out.print(&serde_json::json!({ "patients_added": added }), || {
                        format!("Added {added} demo patients.")
                    })
                }
                Command::Sync { relay, .. } => {
                    let report = app.end_of_day(relay.as_deref())?;
                    out.print(&report, || {
                        let mut text = describe_sync(&report.summary);
                        text.push_str(&format!(
                            "\nFiles (images, documents) sent: {}, still waiting on this PC: {}",
                            report.files_sent, report.files_waiting
                        ));
                        text.push_str(&match report.files_checked {
                            Some(n) => format!("\nFiles this PC holds checked at the relay: {n}"),
                            None => "\nThe relay is too old to list its files: none checked."
                                .to_string(),
                        });
                        if report.files_missing_at_relay > 0 {
                            text.push_str(&format!(
                                "\nThe relay had lost {} of them: {} sent again from this PC.",
                                report.files_missing_at_relay, report.files_sent_again
                            ));
                        }
                        if !report.devices_with_files_refused_today.is_empty() {
                            text.push_str(&format!(
                                "\nFiles refused today for the clinic's quota, waiting on: {}",
                                report.devices_with_files_refused_today.join(", ")
                            ));
                        }
                        if let Some(room) = &report.relay_file_room {
                            text.push_str(&format!(
                                "\nSpace for the clinic's files at the relay: {} used of {}{}",
                                bytesize::ByteSize(room.used_bytes).display().si(),
                                bytesize::ByteSize(room.quota_bytes).display().si(),
                                if room.nearly_full {
                                    ": nearly full; ask whoever runs the relay to raise the quota before a file is refused."
                                } else {
                                    "."
                                }
                            ));
                        }
                        text.push_str(&format!(
                            "\nConflicts waiting for a person: {}",
                            report.conflicts_waiting
                        ));
                        for off in &report.clocks_off {
                            text.push_str(&format!(
                                "\nClock off: {} is {} compared with the relay's: set its date and time (its writes win or lose against the other PCs' by the wrong time).",
                                off.device_name,
                                chairside_sync::clock::describe(off.offset_ms)
                            ));
                        }
                        if report.devices_not_seen_today.is_empty() {
                            text.push_str("\nEvery PC reached the relay today.");
                        } else {
                            let since: Vec<String> = report
                                .devices_not_seen_since
                                .iter()
                                .map(|d| match d
                                    .last_seen_ms
                                    .and_then(chrono::DateTime::from_timestamp_millis)
                                {
                                    Some(at) => format!(
                                        "{} (last sync {})",
                                        d.device_name,
                                        at.format("%Y-%m-%d %H:%M UTC")
                                    ),
                                    None => format!("{} (never synced)", d.device_name),
                                })
                                .collect();
                            text.push_str(&format!("\nNot seen today: {}", since.join(", ")));
                        }
                        text
                    })
                }
                Command::Device {
                    command: DeviceCommand::Invite { relay },
                } => {
                    let invite = app.device_invite(relay.as_deref())?;
                    out.print(&invite, || {
                        format!(
                            "Pairing code: {}  (valid one hour, one use)\nOn the new PC: chairside device enroll --relay {} --code {}",
                            invite.code, invite.relay_url, invite.code
                        )
                    })
                }
                Command::Device {
                    command: DeviceCommand::Approve,
                } => {
                    let pending = app.pending_devices()?;
                    if !out.json {
                        for p in &pending {
                            print_line(&format!(
                                "Approving {:?} (device {}), key fingerprint {}",
                                p.device_name, p.device_id, p.fingerprint
                            ));
                        }
                    }
                    let mut approved = Vec::new();
                    for p in &pending {
                        approved.push(app.approve_device(&p.device_id)?);
                    }
                    out.print(&approved, || {
                        if approved.is_empty() {
                            "No PC is waiting for approval.".to_string()
                        } else {
                            format!(
                                "Approved {} PC(s): they can now run `chairside sync`.",
                                approved.len()
                            )
                        }
                    })
                }
                Command::Device {
                    command: DeviceCommand::List,
                } => {
                    let devices = app.list_devices()?;
                    out.print(&devices, || {
                        devices
                            .iter()
                            .map(|d| {
                                // As the relay said at this PC's last sync.
                                let seen = d
                                    .last_seen_ms
                                    .and_then(chrono::DateTime::from_timestamp_millis)
                                    .map_or_else(
                                        || "never synced".to_string(),
                                        |at| {
                                            format!("last sync {}", at.format("%Y-%m-%d %H:%M UTC"))
                                        },
                                    );
                                let clock = d
                                    .clock_offset_ms
                                    .filter(|_| d.clock_off)
                                    .map_or_else(String::new, |o| {
                                        format!(", clock {}", chairside_sync::clock::describe(o))
                                    });
                                format!(
                                    "{}  {:<24} {:<8} {seen}{clock}{}",
                                    d.id,
                                    d.name,
                                    if d.revoked { "revoked" } else { "active" },
                                    if d.this_device { " (this PC)" } else { "" }
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                }
                Command::Device {
                    command: DeviceCommand::Revoke { id },
                } => {
                    let revoked = app.revoke_device(id)?;
                    let renewed = revoked.recovery_key_renewed;
                    let waiting = revoked.key_waiting_for.clone();
                    out.print(
                        &serde_json::json!({
                            "revoked": id,
                            "recovery_key_renewed": renewed,
                            "key_waiting_for": waiting,
                        }),
                        || {
                            let mut text = format!("Revoked {id}: it can no longer sync.");
                            if renewed {
                                text.push_str(
                                    "\nThe clinic's recovery key and encryption key were renewed \
                                     (the revoked PC held the old ones): it cannot read what the \
                                     clinic writes from now on, and the printed sheet no longer \
                                     works. Print the new one: `chairside recovery show`.",
                                );
                            }
                            if !waiting.is_empty() {
                                text.push_str(&format!(
                                    "\nNot yet holding the new encryption key: {}. Each receives \
                                     it once it has synced and another PC syncs after it; until \
                                     then it sends its changes and receives nothing.",
                                    waiting.join(", ")
                                ));
                            }
                            text
                        },
                    )
                }
                Command::Recovery {
                    command: RecoveryCommand::Show,
                } => {
                    let shown = app.recovery_key()?;
                    // The key alone on standard output (scripts read it); what the relay said of
                    // it on standard error.
                    out.print(
                        &serde_json::json!({
                            "recovery_key": shown.key,
                            "renewed_elsewhere": shown.renewed_elsewhere,
                            "unchecked": shown.unchecked,
                        }),
                        || {
                            if shown.renewed_elsewhere {
                                eprintln!(
                                    "Another PC renewed the recovery key since this PC last \
                                     synced: this is the new key, and sheets printed before no \
                                     longer work."
                                );
                            }
                            if let Some(why) = &shown.unchecked {
                                eprintln!(
                                    "The relay could not confirm that this is the clinic's \
                                     current recovery key ({why}). If another PC renewed it since \
                                     this PC last synced, this key no longer works: sync, then \
                                     show it again before printing it."
                                );
                            }
                            shown.key.clone()
                        },
                    )
                }
                Command::Recovery {
                    command: RecoveryCommand::Renew,
                } => {
                    let key = app.renew_recovery_key()?;
                    out.print(&serde_json::json!({ "recovery_key": key }), || {
                        format!(
                            "The recovery key was renewed: the old sheet no longer works. Print \
                             this one and keep it safe:\n\n    {key}\n"
                        )
                    })
                }
                Command::Init { .. }
                | Command::Device {
                    command: DeviceCommand::Enroll { .. },
                }
                | Command::Recovery {
                    command: RecoveryCommand::Restore { .. },
                }
                | Command::Status
                | Command::Backup {
                    command: BackupCommand::Restore { .. },
                } => {
                    unreachable!("handled above")
                }
            }
        }
    }
}

fn run_patient(app: &mut App, out: &Output, command: &PatientCommand) -> Result<(), ApiError> {
    match command {
        PatientCommand::Add {
            fields,
            allow_duplicate,
        } => {
            let mut input = fields.apply_to(PatientInput::default());
            input.allow_duplicate = *allow_duplicate;
            let patient = app.add_patient(input)?;
            out.print(&patient, || describe(&patient))
        }
        PatientCommand::Show { id } => {
            let patient = app.get_patient(id)?;
            out.print(&patient, || describe(&patient))
        }
        PatientCommand::Merge {
            keep,
            retire,
            preview: true,
            ..
        } => {
            let preview = app.merge_preview(MergePreviewRequest {
                first_id: keep.clone(),
                second_id: retire.clone(),
                kept_id: Some(keep.clone()),
            })?;
            out.print(&preview, || describe_merge_preview(&preview))
        }
        PatientCommand::Merge {
            keep, retire, take, ..
        } => {
            let patient = app.merge_patients(MergePatientsRequest {
                kept_id: keep.clone(),
                retired_id: retire.clone(),
                take_from_retired: take.clone(),
            })?;
            out.print(&patient, || describe(&patient))
        }
        PatientCommand::Separate { id } => {
            let patient = app.separate_patient(id)?;
            out.print(&patient, || describe(&patient))
        }
        PatientCommand::Edit { id, fields } => {
            let current = app.get_patient(id)?;
            let patient = app.edit_patient(id, fields.apply_to(input_from(current)))?;
            out.print(&patient, || describe(&patient))
        }
        PatientCommand::Search { query: Some(query) } => {
            let found = app.search_patients(query)?;
            out.print(&found, || {
                found
                    .iter()
                    .map(describe_line)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        PatientCommand::Export {
            id,
            format: ExportFormat::Fhir,
            out: file,
        } => {
            let bytes = app.export_patient_fhir_to_file(id, file)?;
            out.print(
                &serde_json::json!({ "id": id, "format": "fhir-r4", "out": file, "bytes": bytes }),
                || format!("Wrote the FHIR R4 record of {id} to {}.", file.display()),
            )
        }
        PatientCommand::Erase { id } => {
            let report = app.erase_patient(id)?;
            out.print(&report, || {
                let kept: Vec<String> = report
                    .retained
                    .iter()
                    .map(|r| format!("{} {}", r.count, r.kind))
                    .collect();
                let mut text = format!(
                    "Erased the identity of file {}; kept under that number: {}.",
                    report.patient.file_number,
                    kept.join(", ")
                );
                for (n, what) in [
                    (
                        report.files_without_identity,
                        "DICOM file(s) written again without the identity",
                    ),
                    (
                        report.files_elsewhere,
                        "DICOM file(s) not on this PC: fetched and rewritten at its next sync",
                    ),
                    (
                        report.files_not_rewritable,
                        "DICOM file(s) could not be written again: their header keeps the identity (see the audit log)",
                    ),
                ] {
                    if n > 0 {
                        text.push_str(&format!("\n{n} {what}."));
                    }
                }
                text
            })
        }
        PatientCommand::Timeline { id } => {
            let entries = app.patient_timeline(id)?;
            out.print(&entries, || {
                entries
                    .iter()
                    .map(|e| {
                        let at = chrono::DateTime::from_timestamp_millis(e.at_ms)
                            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_default();
                        format!(
                            "{at}  {:<18} {}  {}  {}",
                            e.kind, e.label, e.detail, e.recorded_by
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        PatientCommand::Photo { id, file, remove } => {
            if *remove {
                app.remove_patient_photo(id)?;
            } else if let Some(file) = file {
                let bytes = std::fs::read(file).map_err(|e| {
                    ApiError::invalid("photo", format!("cannot read {}: {e}", file.display()))
                })?;
                app.set_patient_photo(id, &bytes)?;
            }
            let patient = app.get_patient(id)?;
            out.print(&patient, || describe(&patient))
        }
        PatientCommand::Search { query: None } => {
            // Bulk mode for scripts: always one JSON array per input line, in order.
            let stdin = std::io::stdin();
            for line in stdin.lock().lines() {
                let line =
                    line.map_err(|e| ApiError::new(code::INVALID_INPUT, format!("stdin: {e}")))?;
                let found = app.search_patients(&line)?;
                print_line(
                    &serde_json::to_string(&found)
                        .map_err(|e| ApiError::new(code::INTERNAL, e.to_string()))?,
                );
            }
            Ok(())
        }
    }
}

impl PatientFields {
    /// The given flags override `base`; absent ones leave it as it is.
    fn apply_to(&self, mut base: PatientInput) -> PatientInput {
        let set = |target: &mut String, value: &Option<String>| {
            if let Some(v) = value {
                target.clone_from(v);
            }
        };
        set(&mut base.last_name, &self.last_name);
        set(&mut base.first_name, &self.first_name);
        set(&mut base.birth_date, &self.birth_date);
        set(&mut base.sex, &self.sex);
        set(&mut base.address, &self.address);
        set(&mut base.referring_dentist, &self.referring_dentist);
        set(&mut base.notes, &self.notes);
        if !self.phones.is_empty() {
            base.phones.clone_from(&self.phones);
        }
        if self.email.is_some() {
            base.email.clone_from(&self.email);
        }
        if self.national_id.is_some() {
            base.national_id.clone_from(&self.national_id);
        }
        if self.national_id_kind.is_some() {
            base.national_id_kind.clone_from(&self.national_id_kind);
        }
        if self.guarantor.is_some() {
            base.guarantor_id.clone_from(&self.guarantor);
        }
        if self.relation.is_some() {
            base.guarantor_relation.clone_from(&self.relation);
        }
        base
    }
}

fn input_from(p: Patient) -> PatientInput {
    PatientInput {
        last_name: p.last_name,
        first_name: p.first_name,
        birth_date: p.birth_date,
        sex: p.sex,
        phones: p.phones,
        email: p.email,
        address: p.address,
        national_id_kind: p.national_id_kind,
        national_id: p.national_id,
        referring_dentist: p.referring_dentist,
        notes: p.notes,
        allow_duplicate: false,
        guarantor_id: p.guarantor.map(|g| g.id),
        guarantor_relation: p.guarantor_relation,
    }
}

fn describe_line(p: &Patient) -> String {
    format!(
        "{}  {} {}  {} (age {})  {}  {}",
        p.file_number,
        p.last_name.to_uppercase(),
        p.first_name,
        p.birth_date,
        p.age,
        p.phones.first().map_or("", String::as_str),
        p.id
    )
}

/// A detail of a merge in words, as `describe` shows it ("" when not given).
fn merge_detail_text(p: &Patient, field: &str) -> String {
    match field {
        "last_name" => p.last_name.clone(),
        "first_name" => p.first_name.clone(),
        "birth_date" => p.birth_date.clone(),
        "sex" => p.sex.clone(),
        "email" => p.email.clone().unwrap_or_default(),
        "address" => p.address.replace('\n', ", "),
        "national_id" => national_id_text(p),
        "referring_dentist" => p.referring_dentist.clone(),
        "notes" => p.notes.replace('\n', " / "),
        "guarantor" => guarantor_text(p),
        _ => String::new(),
    }
}

fn national_id_text(p: &Patient) -> String {
    p.national_id
        .clone()
        .map(|n| format!("{n} ({})", p.national_id_kind.clone().unwrap_or_default()))
        .unwrap_or_default()
}

fn guarantor_text(p: &Patient) -> String {
    p.guarantor
        .as_ref()
        .map(|g| {
            format!(
                "{} {} {} ({})",
                g.file_number,
                g.first_name,
                g.last_name,
                p.guarantor_relation.clone().unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

/// What `patient merge --preview` prints: the details the two files disagree on, the value each
/// would keep unless `--take` says otherwise, and the command that merges with those values.
fn describe_merge_preview(preview: &MergePreview) -> String {
    let (kept, retired) = (&preview.kept, &preview.retired);
    let mut text = format!(
        "Merging would keep file {} and retire file {} (nothing was written).",
        kept.file_number, retired.file_number
    );
    if preview.details.is_empty() {
        text.push_str("\nThe two files have the same details (phones aside).");
    }
    let shown = |value: String| {
        if value.trim().is_empty() {
            "(not given)".to_string()
        } else {
            value
        }
    };
    for detail in &preview.details {
        let side = |allowed: bool, value: String, proposed: bool| {
            let mut s = shown(value);
            if !allowed {
                s.push_str(" [cannot stay: one of the two files]");
            } else if proposed {
                s.push_str(" [proposed]");
            }
            s
        };
        let proposed_retired = detail.default_side == MergeSide::Retired;
        text.push_str(&format!(
            "\n  {}: {} {} | {} {}",
            detail.field,
            kept.file_number,
            side(
                detail.kept_allowed,
                merge_detail_text(kept, &detail.field),
                !proposed_retired
            ),
            retired.file_number,
            side(
                detail.retired_allowed,
                merge_detail_text(retired, &detail.field),
                proposed_retired
            ),
        ));
    }
    text.push_str(&format!(
        "\nphones after the merge: {}",
        preview.phones.join(", ")
    ));
    if preview.takes_photo {
        text.push_str(&format!(
            "\nphoto: taken from file {} (file {} has none)",
            retired.file_number, kept.file_number
        ));
    }
    let take: Vec<&str> = preview
        .details
        .iter()
        .filter(|d| d.default_side == MergeSide::Retired)
        .map(|d| d.field.as_str())
        .collect();
    text.push_str(&format!(
        "\nTo merge with the proposed values: chairside patient merge --keep {} --retire {}{}",
        kept.id,
        retired.id,
        if take.is_empty() {
            String::new()
        } else {
            format!(" --take {}", take.join(","))
        }
    ));
    text
}

fn describe(p: &Patient) -> String {
    let mut text = describe_line(p);
    for (label, value) in [
        ("phones", p.phones.join(", ")),
        ("e-mail", p.email.clone().unwrap_or_default()),
        ("address", p.address.clone()),
        ("national id", national_id_text(p)),
        ("referring dentist", p.referring_dentist.clone()),
        ("notes", p.notes.clone()),
        ("guarantor", guarantor_text(p)),
        (
            "photo",
            if p.has_photo {
                "yes".into()
            } else {
                String::new()
            },
        ),
        (
            "erased",
            if p.erased_at_ms.is_some() {
                "identity erased on request (GDPR)".into()
            } else {
                String::new()
            },
        ),
        (
            "merged files",
            p.merged_files
                .iter()
                .map(|m| format!("{} {} {}", m.file_number, m.first_name, m.last_name))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ] {
        if !value.is_empty() {
            text.push_str(&format!("\n  {label}: {value}"));
        }
    }
    text
}

/// A relay joined with `sync --rejoin`, and the sync that filled it.
#[derive(serde::Serialize)]
struct Rejoin {
    rejoined: chairside_app::RelayRejoined,
    sync: chairside_app::SyncSummary,
}

fn describe_rejoin(r: &chairside_app::RelayRejoined) -> String {
    use chairside_app::MoveNoticeOutcome;
    let joined = match r.outcome {
        chairside_app::RejoinOutcome::AlreadyKnown => format!(
            "The relay at {} knew this PC already: nothing to join; its address is remembered.",
            r.relay_url
        ),
        chairside_app::RejoinOutcome::RegisteredClinic => format!(
            "The clinic is registered at the relay at {}, with this PC as its first PC there.",
            r.relay_url
        ),
        chairside_app::RejoinOutcome::JoinedClinic => {
            format!("This PC joined the clinic at the relay at {}.", r.relay_url)
        }
    };
    let others = match (r.old_relay, r.outcome) {
        (MoveNoticeOutcome::Left, _) => {
            " The relay the clinic left was told (sealed): each other PC follows at its next sync \
             with it."
                .to_string()
        }
        (MoveNoticeOutcome::NotLeft, _) => format!(
            " The relay the clinic left could not be told (lost, unreachable or too old): run \
             `chairside sync --relay {} --rejoin` on each other PC of the clinic (as the owner).",
            r.relay_url
        ),
        (MoveNoticeOutcome::NoMove, chairside_app::RejoinOutcome::RegisteredClinic) => format!(
            " Run `chairside sync --relay {} --rejoin` on each other PC of the clinic (as the \
             owner).",
            r.relay_url
        ),
        (MoveNoticeOutcome::NoMove, _) => String::new(),
    };
    joined + &others
}

fn describe_sync(s: &chairside_app::SyncSummary) -> String {
    let mut text = format!(
        "Synced with {} in {} ms: {} change set(s) sent, {} received ({} / {} bytes). Checksums {}.",
        s.relay_url,
        s.duration_ms,
        s.sent,
        s.received,
        s.bytes_sent,
        s.bytes_received,
        if s.checksums_match { "match" } else { "DIFFER" }
    );
    if let Some(to) = &s.followed_to {
        text.insert_str(
            0,
            &format!(
                "The clinic moved to the relay at {to} (its owner left word at the old one): this \
                 PC followed it there.\n"
            ),
        );
    }
    if s.files_sent > 0 {
        text.push_str(&format!(
            " {} file(s) sent ({} bytes).",
            s.files_sent, s.file_bytes_sent
        ));
    }
    if s.redacted > 0 {
        text.push_str(&format!(
            " {} earlier change set(s) replaced at the relay without an erased patient's identity.",
            s.redacted
        ));
    }
    if s.carried > 0 {
        text.push_str(&format!(
            " {} change set(s) of other PCs brought to the relay, which lacked them.",
            s.carried
        ));
    }
    if s.files_retired > 0 {
        text.push_str(&format!(
            " {} file(s) naming an erased patient deleted at the relay (replaced by copies without the identity).",
            s.files_retired
        ));
    }
    if s.files_prefetched > 0 {
        text.push_str(&format!(
            " {} file(s) of the patients booked today and tomorrow fetched ahead.",
            s.files_prefetched
        ));
    }
    for stream in &s.streams {
        text.push_str(&format!(
            "\n  {:<24} head {:>6}  sent {:>5}  received {:>5}{}",
            stream.device_name,
            stream.head,
            stream.sent,
            stream.received,
            if stream.this_device {
                "  (this PC)"
            } else {
                ""
            }
        ));
    }
    if let Some(held) = &s.files_held_back {
        text.push_str(&format!(
            "\nWarning: {} file(s) wait on this PC: the relay has no room for them ({}). Appointments, notes and charts synced all the same; the files go at a later sync once there is room.",
            held.waiting, held.detail
        ));
    }
    if let Some(offset) = s.clock_offset_ms.filter(|_| s.clock_off) {
        text.push_str(&format!(
            "\nWarning: this PC's clock is {} compared with the relay's. Set the date and time right (or turn on the system's time synchronisation): a write here wins or loses against the other PCs' by the wrong time.",
            chairside_sync::clock::describe(offset)
        ));
    }
    if s.relay_in_clear {
        text.push_str(
            "\nWarning: this relay is reached over plain HTTP beyond the clinic's network: the data is sealed, but this PC's relay secret travels unencrypted. Serve the relay over HTTPS (chairside-relay serve --tls-cert/--tls-key) and sync with its https:// address.",
        );
    }
    text
}

/// The passphrase of a new store: CHAIRSIDE_PASSPHRASE, else none when the OS keyring holds
/// the key, else typed.
fn new_store_passphrase(data_dir: &std::path::Path) -> Result<Option<String>, ApiError> {
    if let Some(p) = env("CHAIRSIDE_PASSPHRASE") {
        return Ok(Some(p));
    }
    if App::new(data_dir).keyring_available() {
        return Ok(None);
    }
    Ok(Some(secret(
        "CHAIRSIDE_PASSPHRASE",
        "New database passphrase: ",
    )?))
}

/// Unlocks the store (keyring, else CHAIRSIDE_PASSPHRASE) and signs the user in.
fn signed_in(cli: &Cli, data_dir: &std::path::Path) -> Result<App, ApiError> {
    let passphrase = env("CHAIRSIDE_PASSPHRASE");
    let mut app = App::open(data_dir, passphrase.as_deref())?;
    let username = cli.user.clone().ok_or_else(|| {
        ApiError::new(
            code::NOT_SIGNED_IN,
            "sign in: give --user NAME or set CHAIRSIDE_USER (password in CHAIRSIDE_PASSWORD)",
        )
    })?;
    let password = secret("CHAIRSIDE_PASSWORD", &format!("Password for {username}: "))?;
    app.sign_in(SignInRequest { username, password })?;
    Ok(app)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A secret from the environment, else typed at a prompt when a terminal is attached.
fn secret(var: &str, prompt: &str) -> Result<String, ApiError> {
    if let Some(value) = env(var) {
        return Ok(value);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map_err(|e| ApiError::new(code::INVALID_INPUT, format!("{var}: {e}")));
    }
    Err(ApiError::new(
        code::INVALID_INPUT,
        format!("{var} is not set and no terminal is attached to ask for it"),
    ))
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Dentist => "dentist",
        Role::Assistant => "assistant",
        Role::Receptionist => "receptionist",
    }
}

struct Output {
    json: bool,
}

/// Prints a line on stdout. A reader that went away (`chairside … | head -1`) is not an error
/// of the command: the rest of the output is dropped instead of panicking on the broken pipe.
fn print_line(line: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

impl Output {
    fn print<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> Result<(), ApiError> {
        let line = if self.json {
            serde_json::to_string(value)
                .map_err(|e| ApiError::new(code::INTERNAL, e.to_string()))?
        } else {
            text()
        };
        print_line(&line);
        Ok(())
    }

    /// A check's result: with `--json` always printed (scripts read why it failed); as text only
    /// when it passed, since a failure is reported as an error on stderr.
    fn report<T: Serialize>(
        &self,
        passed: bool,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> Result<(), ApiError> {
        if passed || self.json {
            self.print(value, text)
        } else {
            Ok(())
        }
    }
}
