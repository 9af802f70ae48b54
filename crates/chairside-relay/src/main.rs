//! `chairside-relay`: serves the relay API. With no flags it serves on 127.0.0.1:8787 with a
//! SQLite file and a blob folder in the platform's data directory.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chairside_relay::tls::TlsFiles;
use chairside_relay::{FsBlobStore, PostgresStorage, RateLimit, SqliteStorage, Storage, router};
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
    },
}

fn data_dir() -> PathBuf {
    directories::ProjectDirs::from("app", "Chairside", "Chairside Relay")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("chairside-relay-data"))
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CHAIRSIDE_RELAY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let Command::Serve {
        listen,
        db,
        blobs,
        tls_cert,
        tls_key,
    } = cli.command.unwrap_or(Command::Serve {
        listen: "127.0.0.1:8787".parse()?,
        db: None,
        blobs: None,
        tls_cert: None,
        tls_key: None,
    });
    // A certificate that cannot be served stops the relay before it opens anything.
    let tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => {
            let files = TlsFiles { cert, key };
            let config = files.load()?;
            Some((files, config))
        }
        _ => None,
    };
    let storage: Arc<dyn Storage> = match db.as_deref() {
        None => Arc::new(SqliteStorage::open(&data_dir().join("relay.sqlite"))?),
        Some(spec) if spec.starts_with("sqlite:") => Arc::new(SqliteStorage::open(
            &PathBuf::from(&spec["sqlite:".len()..]),
        )?),
        Some(spec) if spec.starts_with("postgres://") || spec.starts_with("postgresql://") => {
            Arc::new(PostgresStorage::open(spec)?)
        }
        Some(other) => bail!("--db {other:?}: use sqlite:PATH or postgres://URL"),
    };
    let blobs = blobs.unwrap_or_else(|| data_dir().join("blobs"));
    let blob_store = Arc::new(
        FsBlobStore::open(&blobs).with_context(|| format!("creating {}", blobs.display()))?,
    );
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let app = router(storage.clone(), blob_store, RateLimit::default());
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
