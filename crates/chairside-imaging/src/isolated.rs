//! Decoding in a child process with a memory limit.
//!
//! The codecs under dicom-rs size their buffers from the compressed stream's own headers, which
//! a damaged or hostile file controls: the fuzz test saw one decode touch 1.5 GB for a 30 KB file.
//! So the program that shows or imports an image runs the decode in a copy of itself
//! ([`WORKER_ARG`]), with its address space limited (`RLIMIT_AS`), and reads the picture back.
//! A decode that needs more memory than allowed, crashes or hangs ends that child only, and the
//! caller gets a clear error.
//!
//! Each binary that renders images calls [`worker_main`] first thing in `main`.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{DicomImage, ImagingError, Limits, Rendered, Result, Window};

/// The first argument that turns a binary into a decode worker.
pub const WORKER_ARG: &str = "--chairside-imaging-worker";

/// How decodes are isolated.
#[derive(Clone, Debug)]
pub struct Isolation {
    /// The program to run as the worker (the current executable, normally).
    pub exe: PathBuf,
    /// Address space allowed to the worker, in bytes, on top of twice the file's size.
    pub memory_bytes: u64,
    /// Longest a decode may take.
    pub timeout: Duration,
}

impl Isolation {
    /// The current executable as worker, 768 MiB on top of twice the file (or
    /// `CHAIRSIDE_DECODE_MEMORY_MIB`), 60 s.
    pub fn current_exe() -> std::io::Result<Isolation> {
        let mib: u64 = std::env::var("CHAIRSIDE_DECODE_MEMORY_MIB")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(768);
        Ok(Isolation {
            exe: std::env::current_exe()?,
            memory_bytes: mib << 20,
            timeout: Duration::from_secs(60),
        })
    }
}

/// Renders a frame in a worker process (see the module docs).
pub fn render(
    isolation: &Isolation,
    file: &Path,
    frame: u32,
    window: Option<Window>,
) -> Result<Rendered> {
    let size = std::fs::metadata(file)
        .map_err(|e| ImagingError::Io {
            path: file.display().to_string(),
            reason: e.to_string(),
        })?
        .len();
    let limit = isolation
        .memory_bytes
        .saturating_add(size.saturating_mul(2));
    let out = tempfile::NamedTempFile::new().map_err(|e| ImagingError::Io {
        path: "a temporary file".into(),
        reason: e.to_string(),
    })?;
    let mut command = Command::new(&isolation.exe);
    command
        .arg(WORKER_ARG)
        .arg(limit.to_string())
        .arg(file)
        .arg(frame.to_string())
        .arg(out.path());
    if let Some(w) = window {
        command.arg(w.center.to_string()).arg(w.width.to_string());
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| ImagingError::Io {
            path: isolation.exe.display().to_string(),
            reason: format!("cannot start the image decoder: {e}"),
        })?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > isolation.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ImagingError::Malformed(format!(
                    "decoding took longer than {} s and was stopped",
                    isolation.timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(ImagingError::Malformed(e.to_string())),
        }
    };
    let mut reply = Vec::new();
    std::fs::File::open(out.path())
        .and_then(|mut f| f.read_to_end(&mut reply))
        .map_err(|e| ImagingError::Malformed(e.to_string()))?;
    match reply.get(..2) {
        Some(b"OK") if reply.len() >= 11 => {
            let word = |at: usize| {
                u32::from_le_bytes([reply[at], reply[at + 1], reply[at + 2], reply[at + 3]])
            };
            let (width, height, channels) = (word(2), word(6), reply[10]);
            let pixels = reply[11..].to_vec();
            if pixels.len() as u64 != u64::from(width) * u64::from(height) * u64::from(channels) {
                return Err(ImagingError::Malformed(
                    "the decoder's reply is incomplete".into(),
                ));
            }
            Ok(Rendered {
                width,
                height,
                channels,
                pixels,
            })
        }
        Some(b"ER") => Err(ImagingError::Refused(
            String::from_utf8_lossy(&reply[2..]).into_owned(),
        )),
        // No reply: the worker died, almost always because an allocation hit the limit.
        _ if status.success() => Err(ImagingError::Malformed("the decoder gave no reply".into())),
        _ => Err(ImagingError::TooLarge(format!(
            "decoding this image needs more than the {} MiB of memory allowed to it ({status})",
            limit >> 20
        ))),
    }
}

/// If this process was started as a decode worker, does the work and returns its exit code.
pub fn worker_main(args: &[OsString]) -> Option<i32> {
    if args.get(1).and_then(|a| a.to_str()) != Some(WORKER_ARG) {
        return None;
    }
    let arg = |i: usize| args.get(i).and_then(|a| a.to_str()).unwrap_or_default();
    let limit: u64 = arg(2).parse().unwrap_or(768 << 20);
    let (file, out) = (PathBuf::from(arg(3)), PathBuf::from(arg(5)));
    let frame: u32 = arg(4).parse().unwrap_or(0);
    let window = match (arg(6).parse::<f64>(), arg(7).parse::<f64>()) {
        (Ok(center), Ok(width)) => Some(Window { center, width }),
        _ => None,
    };
    // The limit is set before anything is read; if it cannot be set, decoding is refused.
    if let Err(e) = rlimit::setrlimit(rlimit::Resource::AS, limit, limit) {
        let _ = std::fs::write(&out, format!("ERcannot limit the decoder's memory: {e}"));
        return Some(1);
    }
    let reply =
        match DicomImage::open(&file, Limits::default()).and_then(|i| i.render(frame, window)) {
            Ok(r) => {
                let mut bytes = Vec::with_capacity(11 + r.pixels.len());
                bytes.extend_from_slice(b"OK");
                bytes.extend_from_slice(&r.width.to_le_bytes());
                bytes.extend_from_slice(&r.height.to_le_bytes());
                bytes.push(r.channels);
                bytes.extend_from_slice(&r.pixels);
                bytes
            }
            Err(e) => format!("ER{e}").into_bytes(),
        };
    let written = std::fs::File::create(&out).and_then(|mut f| f.write_all(&reply));
    Some(if written.is_ok() { 0 } else { 1 })
}
