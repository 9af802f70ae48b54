//! A throwaway PostgreSQL server for the relay's PostgreSQL backend tests: `initdb` into a
//! temporary directory, `pg_ctl start` on a free loopback port, one database per test, stopped
//! when the test process ends (the server runs under a small shell that stops it once the test
//! process is gone, so no server outlives its tests, even after a panic). The server binaries come from Debian's
//! `postgresql` package (installed by `scripts/setup-system.sh --test`). As root, the server runs
//! as the `postgres` user, since PostgreSQL refuses to run as root.
#![allow(clippy::unwrap_used)] // a test fixture: a panic is the failure report

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

pub struct PgServer {
    /// The shell that stops the server when the test process ends.
    _guard: std::process::Child,
    bin: PathBuf,
    data: PathBuf,
    _dir: tempfile::TempDir,
    port: u16,
}

impl std::fmt::Debug for PgServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgServer")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PgServer {
    fn start() -> PgServer {
        let bin = bin_dir().unwrap_or_else(|| {
            panic!(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run \
                 `bash scripts/setup-system.sh --test`"
            )
        });
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let as_postgres = is_root();
        if as_postgres {
            assert!(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(dir.path())
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let out = Self::run_as(as_postgres, &bin.join("initdb"))
            .args([
                "-A",
                "trust",
                "-U",
                "relay",
                "--no-sync",
                "-E",
                "UTF8",
                "-D",
            ])
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // `postgres` under a shell that waits for the test process to end, then asks the server
        // for a fast shutdown and removes its files.
        let script = format!(
            "{postgres} -D '{data}' -p {port} -c listen_addresses=127.0.0.1 \
             -c unix_socket_directories= -c max_connections=200 >'{data}/server.log' 2>&1 & \
             pid=$!; while [ -d /proc/{test} ]; do sleep 0.3; done; \
             kill -INT $pid; wait $pid; rm -rf '{dir}'",
            test = std::process::id(),
            postgres = bin.join("postgres").display(),
            data = data.display(),
            dir = dir.path().display(),
        );
        let mut sh = Self::run_as(as_postgres, Path::new("/bin/sh"));
        let guard = sh
            .args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        loop {
            let ready = Command::new(bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &port.to_string()])
                .output()
                .is_ok_and(|o| o.status.success());
            if ready {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "PostgreSQL did not start: {}",
                std::fs::read_to_string(data.join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        PgServer {
            _guard: guard,
            bin,
            data,
            _dir: dir,
            port,
        }
    }

    fn run_as(as_postgres: bool, program: &Path) -> Command {
        if as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    /// The shared server of this test binary (its files go with it when the process ends).
    pub fn shared() -> &'static PgServer {
        static SERVER: OnceLock<PgServer> = OnceLock::new();
        SERVER.get_or_init(PgServer::start)
    }

    /// A new, empty database; its URL.
    pub fn database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "relay_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let out = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "relay",
                &name,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "createdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("postgres://relay@127.0.0.1:{}/{name}", self.port)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data
    }
}
