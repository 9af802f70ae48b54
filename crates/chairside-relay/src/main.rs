//! `chairside-relay`: serves the relay API. With no flags it serves on 127.0.0.1:8787 with a
//! SQLite file and a blob folder in the platform's data directory. `clinics`, `set-quota` and
//! `forget-clinic` are the operator's: what the relay holds per clinic, one clinic's own file
//! quota, and the deletion of a clinic that left.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chairside_relay::admin::{self, ClinicHeld};
use chairside_relay::tls::TlsFiles;
use chairside_relay::{
    FsBlobStore, Limits, PostgresStorage, RateLimit, SqliteStorage, Storage, router_with,
};
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "chairside-relay", version, about = "The Chairside sync relay")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the relay API.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// Storage: sqlite:PATH (default: relay.sqlite in the data directory) or postgres://URL.
        #[arg(long)]
        db: Option<String>,
        /// Folder for encrypted blobs (default: blobs/ in the data directory).
        #[arg(long)]
        blobs: Option<PathBuf>,
        /// Serve HTTPS with this certificate (PEM, followed by its authority's chain); read
        /// again on SIGHUP. Needs --tls-key. Without it the relay speaks plain HTTP: put it
        /// behind an HTTPS proxy when it is reached beyond the clinic's own network.
        #[arg(long, requires = "tls_key", value_name = "CERT.pem")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, requires = "tls_cert", value_name = "KEY.pem")]
        tls_key: Option<PathBuf>,
        /// Bytes of files (images, documents) each clinic may keep here, e.g. 50GB or 200GiB,
        /// unless it has its own (set-quota); a new file past it is refused and waits on its
        /// PC. Change sets are never refused for it. Default: no quota.
        #[arg(long, value_name = "SIZE")]
        clinic_quota: Option<bytesize::ByteSize>,
    },
    /// List the clinics this relay holds: devices, sealed records, files, last contact (no
    /// content: the relay cannot read any).
    Clinics {
        /// Storage, as for `serve`.
        #[arg(long)]
        db: Option<String>,
        /// Blob folder, as for `serve`.
        #[arg(long)]
        blobs: Option<PathBuf>,
        /// One JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Give one clinic its own file quota (images, documents), e.g. 200GB; `default` gives it the
    /// relay's again (serve --clinic-quota). Every relay process applies it at once.
    SetQuota {
        /// The clinic's id (see `clinics`).
        clinic_id: String,
        /// A size (50GB, 200GiB) or `default`.
        size: String,
        #[arg(long)]
        db: Option<String>,
    },
    /// Delete everything this relay holds for a clinic that left (GDPR): its records, devices,
    /// invitations and files. Its PCs keep their own data; their syncs are refused from then on.
    /// Without --yes, only shows what would be deleted.
    ForgetClinic {
        /// The clinic's id (see `clinics`).
        clinic_id: String,
        #[arg(long)]
        db: Option<String>,
        #[arg(long)]
        blobs: Option<PathBuf>,
        /// Delete for good.
        #[arg(long)]
        yes: bool,
    },
}

/// The storage a `--db` names (the data directory's SQLite file by default).
fn open_storage(db: Option<&str>) -> Result<Arc<dyn Storage>> {
    Ok(match db {
        None => Arc::new(SqliteStorage::open(&data_dir().join("relay.sqlite"))?),
        Some(spec) if spec.starts_with("sqlite:") => Arc::new(SqliteStorage::open(
            &PathBuf::from(&spec["sqlite:".len()..]),
        )?),
        Some(spec) if spec.starts_with("postgres://") || spec.starts_with("postgresql://") => {
            Arc::new(PostgresStorage::open(spec)?)
        }
        Some(other) => bail!("--db {other:?}: use sqlite:PATH or postgres://URL"),
    })
}

/// The blob folder a `--blobs` names (the data directory's by default).
fn open_blobs(blobs: Option<PathBuf>) -> Result<(PathBuf, FsBlobStore)> {
    let dir = blobs.unwrap_or_else(|| data_dir().join("blobs"));
    let store = FsBlobStore::open(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok((dir, store))
}

fn when(ms: i64) -> String {
    if ms <= 0 {
        return "never".into();
    }
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

fn describe(line: &ClinicHeld) -> String {
    let u = &line.usage;
    format!(
        "{}  created {}  devices {} active, {} pending, {} revoked{}  {} records ({:.1} MB)  {} files ({:.1} MB){}  last seen {}{}",
        u.clinic_id,
        when(u.created_at_ms),
        u.devices_active,
        u.devices_pending,
        u.devices_revoked,
        if u.devices_carried > 0 {
            format!(
                ", {} not joined yet (their logs carried here)",
                u.devices_carried
            )
        } else {
            String::new()
        },
        u.records,
        u.record_bytes as f64 / 1e6,
        line.blobs,
        line.blob_bytes as f64 / 1e6,
        u.file_quota
            .map(|q| format!(", own quota {}", bytesize::ByteSize(q).display().si()))
            .unwrap_or_default(),
        when(u.last_seen_ms),
        if u.moved_away {
            "  moved to another relay (its PCs follow at their next sync here; forget it once none is seen here)"
        } else {
            ""
        },
    )
}

fn clinics(db: Option<&str>, blobs: Option<PathBuf>, json: bool) -> Result<()> {
    let storage = open_storage(db)?;
    let (_, blob_store) = open_blobs(blobs)?;
    let lines = admin::clinics(&*storage, &blob_store)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
    } else if lines.is_empty() {
        println!("No clinic at this relay.");
    } else {
        lines.iter().for_each(|line| println!("{}", describe(line)));
    }
    Ok(())
}

/// The operator named a clinic the relay does not hold.
fn no_such_clinic(clinic_id: &str) -> anyhow::Error {
    anyhow::anyhow!("no clinic {clinic_id:?} at this relay: `chairside-relay clinics` lists them")
}

fn set_quota(clinic_id: &str, size: &str, db: Option<&str>) -> Result<()> {
    let quota = match size.trim() {
        "default" => None,
        size => Some(
            size.parse::<bytesize::ByteSize>()
                .map_err(|e| anyhow::anyhow!("{size:?} is not a size ({e}): give one such as 50GB or 200GiB, or `default`"))?
                .as_u64(),
        ),
    };
    let storage = open_storage(db)?;
    if !storage.set_file_quota(clinic_id, quota)? {
        return Err(no_such_clinic(clinic_id));
    }
    match quota {
        Some(q) => println!(
            "Clinic {clinic_id} may now keep {} of files.",
            bytesize::ByteSize(q).display().si()
        ),
        None => println!("Clinic {clinic_id} now has the relay's quota (serve --clinic-quota)."),
    }
    Ok(())
}

fn forget_clinic(
    clinic_id: &str,
    db: Option<&str>,
    blobs: Option<PathBuf>,
    yes: bool,
) -> Result<()> {
    let storage = open_storage(db)?;
    let (_, blob_store) = open_blobs(blobs)?;
    let missing = || no_such_clinic(clinic_id);
    if !yes {
        let held = admin::clinic(&*storage, &blob_store, clinic_id)?.ok_or_else(missing)?;
        println!("Would delete: {}", describe(&held));
        println!("Nothing deleted. Run again with --yes to delete it for good.");
        return Ok(());
    }
    let held = admin::forget_clinic(&*storage, &blob_store, clinic_id)?.ok_or_else(missing)?;
    let u = &held.usage;
    tracing::info!(
        clinic = clinic_id,
        records = u.records,
        files = held.blobs,
        "clinic forgotten"
    );
    println!(
        "Deleted clinic {clinic_id}: {} devices, {} records ({:.1} MB), {} files ({:.1} MB).",
        u.devices_active + u.devices_pending + u.devices_revoked + u.devices_carried,
        u.records,
        u.record_bytes as f64 / 1e6,
        held.blobs,
        held.blob_bytes as f64 / 1e6,
    );
    Ok(())
}

fn data_dir() -> PathBuf {
    directories::ProjectDirs::from("app", "Chairside", "Chairside Relay")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("chairside-relay-data"))
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line saying what is wrong and what to do (no backtrace: this is for the
            // operator, not a crash).
            eprintln!("chairside-relay: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CHAIRSIDE_RELAY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve {
        listen: "127.0.0.1:8787".parse()?,
        db: None,
        blobs: None,
        tls_cert: None,
        tls_key: None,
        clinic_quota: None,
    }) {
        Command::Serve {
            listen,
            db,
            blobs,
            tls_cert,
            tls_key,
            clinic_quota,
        } => serve(
            listen,
            db.as_deref(),
            blobs,
            tls_cert.zip(tls_key),
            clinic_quota.map(|q| q.as_u64()),
        ),
        Command::Clinics { db, blobs, json } => clinics(db.as_deref(), blobs, json),
        Command::SetQuota {
            clinic_id,
            size,
            db,
        } => set_quota(&clinic_id, &size, db.as_deref()),
        Command::ForgetClinic {
            clinic_id,
            db,
            blobs,
            yes,
        } => forget_clinic(&clinic_id, db.as_deref(), blobs, yes),
    }
}

fn serve(
    listen: SocketAddr,
    db: Option<&str>,
    blobs: Option<PathBuf>,
    tls: Option<(PathBuf, PathBuf)>,
    clinic_quota: Option<u64>,
) -> Result<()> {
    // A certificate that cannot be served stops the relay before it opens anything.
    let tls = match tls {
        Some((cert, key)) => {
            let files = TlsFiles { cert, key };
            let config = files.load()?;
            Some((files, config))
        }
        None => None,
    };
    let storage = open_storage(db)?;
    let (blobs, blob_store) = open_blobs(blobs)?;
    let blob_store = Arc::new(blob_store);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let limits = Limits {
            rate: RateLimit::default(),
            clinic_quota,
        };
        tokio::spawn(chairside_relay::sweep_blobs_daily(blob_store.clone()));
        let app = router_with(storage.clone(), blob_store, limits);
        if let Some(quota) = clinic_quota {
            tracing::info!(quota = %bytesize::ByteSize(quota).display().si(), "files per clinic limited");
        }
        let stopped = chairside_relay::stop_requested();
        match tls {
            Some((files, config)) => {
                tracing::info!(%listen, backend = storage.backend(), blobs = %blobs.display(), cert = %files.cert.display(), "relay listening (HTTPS)");
                chairside_relay::tls::serve(listener.into_std()?, app, files, config, stopped)
                    .await
                    .context("serving")
            }
            None => {
                tracing::info!(%listen, backend = storage.backend(), blobs = %blobs.display(), "relay listening (plain HTTP)");
                chairside_relay::ignore_hangups()?;
                axum::serve(listener, app)
                    .with_graceful_shutdown(stopped)
                    .await
                    .context("serving")
            }
        }
    })
}
