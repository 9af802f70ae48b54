//! A `chairside-relay` process on loopback for the scenarios (the sync processes and the desktop
//! driven in WebKit): started on a port, waited for, killed when dropped.

#![allow(clippy::unwrap_used)] // a test fixture: a panic is the failure report

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct RelayProcess {
    child: Child,
    pub port: u16,
    /// Where its SQLite file (unless another `--db` was given) and blob folder are.
    pub dir: PathBuf,
    /// Serving HTTPS (for the name `localhost`), or plain HTTP.
    https: bool,
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl RelayProcess {
    /// A relay on a free port, its SQLite file and blobs in `dir`.
    pub fn start(dir: &Path) -> Self {
        Self::start_on(dir, free_port())
    }

    /// A relay on `port`, its SQLite file and blobs in `dir`.
    pub fn start_on(dir: &Path, port: u16) -> Self {
        let db = format!("sqlite:{}", dir.join("relay.sqlite").display());
        Self::start_with(dir, port, &db)
    }

    /// A relay on a free port with the given `--db`.
    pub fn start_db(dir: &Path, db: &str) -> Self {
        Self::start_with(dir, free_port(), db)
    }

    /// A relay on a free port serving HTTPS with `cert` and `key` (PEM files; the certificate
    /// names `localhost`), its SQLite file and blobs in `dir`.
    pub fn start_https(dir: &Path, cert: &Path, key: &Path) -> Self {
        Self::start_https_flagged(dir, cert, key, &[])
    }

    /// `start_https`, with more `serve` flags.
    pub fn start_https_flagged(dir: &Path, cert: &Path, key: &Path, flags: &[&str]) -> Self {
        let db = format!("sqlite:{}", dir.join("relay.sqlite").display());
        Self::start_serving(dir, free_port(), &db, Some((cert, key)), flags)
    }

    /// A relay on a free port, its SQLite file and blobs in `dir`, with more `serve` flags.
    pub fn start_flagged(dir: &Path, flags: &[&str]) -> Self {
        let db = format!("sqlite:{}", dir.join("relay.sqlite").display());
        Self::start_serving(dir, free_port(), &db, None, flags)
    }

    fn start_with(dir: &Path, port: u16, db: &str) -> Self {
        Self::start_serving(dir, port, db, None, &[])
    }

    fn start_serving(
        dir: &Path,
        port: u16,
        db: &str,
        tls: Option<(&Path, &Path)>,
        flags: &[&str],
    ) -> Self {
        let mut command = Command::new(crate::workspace_binary("chairside-relay"));
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--db")
            .arg(db)
            .arg("--blobs")
            .arg(dir.join("blobs"))
            .args(flags);
        if let Some((cert, key)) = tls {
            command
                .arg("--tls-cert")
                .arg(cert)
                .arg("--tls-key")
                .arg(key);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the relay did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            dir: dir.to_path_buf(),
            https: tls.is_some(),
        }
    }

    /// One folder per blob the relay holds (under clinic and two-letter prefix; the folder's
    /// id file aside).
    pub fn blob_folders(&self) -> Vec<PathBuf> {
        let mut folders = Vec::new();
        for clinic in std::fs::read_dir(self.dir.join("blobs")).unwrap() {
            let clinic = clinic.unwrap().path();
            if clinic.is_dir() {
                for prefix in std::fs::read_dir(clinic).unwrap() {
                    for blob in std::fs::read_dir(prefix.unwrap().path()).unwrap() {
                        folders.push(blob.unwrap().path());
                    }
                }
            }
        }
        folders
    }

    pub fn url(&self) -> String {
        if self.https {
            format!("https://localhost:{}", self.port)
        } else {
            format!("http://127.0.0.1:{}", self.port)
        }
    }

    /// Sends SIGHUP: an HTTPS relay reads its certificate files again.
    pub fn hang_up(&self) {
        self.signal("-HUP");
    }

    /// Sends SIGTERM (as systemd does to stop it) and waits up to 20 s for the relay to exit;
    /// returns how it exited.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        self.signal("-TERM");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the relay did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, which: &str) {
        let status = Command::new("kill")
            .args([which, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill {which} failed");
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
