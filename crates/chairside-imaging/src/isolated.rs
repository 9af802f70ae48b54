//! Decoding in a child process with a memory limit.
//!
//! The codecs under dicom-rs size their buffers from the compressed stream's own headers, which
//! a damaged or hostile file controls: the fuzz test saw one decode touch 1.5 GB for a 30 KB file.
//! So the program that shows or imports an image runs the decode in a copy of itself
//! ([`WORKER_ARG`]), with its address space limited (`RLIMIT_AS`), and reads the picture back.
//! A decode that needs more memory than allowed, crashes or hangs ends that child only, and the
//! caller gets a clear error. The file goes to the worker through a pipe and the picture comes
//! back the same way, so no decoded X-ray is ever written to disk.
//!
//! Each binary that renders images calls [`worker_main`] first thing in `main`.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{DicomImage, FramePixels, ImagingError, Limits, Rendered, Result, Window};

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

/// Renders a frame of the file at `file` in a worker process (see the module docs).
pub fn render(
    isolation: &Isolation,
    file: &Path,
    frame: u32,
    window: Option<Window>,
) -> Result<Rendered> {
    render_bytes(isolation, &read_file(file)?, frame, window)
}

/// Reads a whole file, refusing one larger than the decoder accepts.
pub fn read_file(file: &Path) -> Result<Vec<u8>> {
    let io = |e: std::io::Error| ImagingError::Io {
        path: file.display().to_string(),
        reason: e.to_string(),
    };
    let f = std::fs::File::open(file).map_err(io)?;
    let max = Limits::default().max_file_bytes;
    let size = f.metadata().map_err(io)?.len();
    if size > max {
        return Err(ImagingError::TooLarge(format!(
            "the file has {size} bytes, more than the {max} accepted"
        )));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    f.take(max).read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// Renders a frame of a file held in memory, in a worker process.
pub fn render_bytes(
    isolation: &Isolation,
    bytes: &[u8],
    frame: u32,
    window: Option<Window>,
) -> Result<Rendered> {
    let mut args = vec![frame.to_string()];
    if let Some(w) = window {
        args.push(w.center.to_string());
        args.push(w.width.to_string());
    }
    let reply = run(isolation, "render", &args, bytes)?;
    let word =
        |at: usize| u32::from_le_bytes([reply[at], reply[at + 1], reply[at + 2], reply[at + 3]]);
    if reply.len() < 9 {
        return Err(ImagingError::Malformed(
            "the decoder's reply is incomplete".into(),
        ));
    }
    let (width, height, channels) = (word(0), word(4), reply[8]);
    let pixels = reply[9..].to_vec();
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

/// Decodes one frame of a DICOM or sensor file (in memory) for the viewer, in a worker process.
pub fn frame_pixels(isolation: &Isolation, bytes: &[u8], frame: u32) -> Result<FramePixels> {
    FramePixels::from_bytes(&frame_wire(isolation, bytes, frame)?)
}

/// [`frame_pixels`] left in the wire format (checked), to pass on as it is.
pub fn frame_wire(isolation: &Isolation, bytes: &[u8], frame: u32) -> Result<Vec<u8>> {
    let wire = run(isolation, "frame", &[frame.to_string()], bytes)?;
    FramePixels::check_wire(&wire)?;
    Ok(wire)
}

/// Runs one job in a worker: the file's bytes go in on its standard input (never through a
/// file on disk: they may be a patient's X-ray), the reply comes back on its standard output.
fn run(isolation: &Isolation, job: &str, args: &[String], input: &[u8]) -> Result<Vec<u8>> {
    let limit = isolation
        .memory_bytes
        .saturating_add((input.len() as u64).saturating_mul(2));
    let mut child = Command::new(&isolation.exe)
        .arg(WORKER_ARG)
        .arg(limit.to_string())
        .arg(job)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| ImagingError::Io {
            path: isolation.exe.display().to_string(),
            reason: format!("cannot start the image decoder: {e}"),
        })?;
    let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(ImagingError::Malformed(
            "the image decoder has no pipes".into(),
        ));
    };
    let timeout = isolation.timeout;
    let (reply, status) = std::thread::scope(|scope| {
        // A worker that dies early closes its end: the write then fails, which is fine.
        scope.spawn(move || {
            let _ = stdin.write_all(input);
        });
        let reader = scope.spawn(move || {
            let mut reply = Vec::new();
            let _ = stdout.read_to_end(&mut reply);
            reply
        });
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if started.elapsed() > timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(ImagingError::Malformed(format!(
                        "decoding took longer than {} s and was stopped",
                        timeout.as_secs()
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => break Err(ImagingError::Malformed(e.to_string())),
            }
        };
        (reader.join().unwrap_or_default(), status)
    });
    let status = status?;
    match reply.get(..2) {
        Some(b"OK") => {
            let mut reply = reply;
            reply.drain(..2);
            Ok(reply)
        }
        Some(b"ER") => Err(ImagingError::Refused(
            String::from_utf8_lossy(&reply[2..]).into_owned(),
        )),
        // No reply: the worker died, almost always because an allocation hit the limit.
        _ if status.success() => Err(ImagingError::Malformed("the decoder gave no reply".into())),
        _ => Err(too_large(limit)),
    }
}

fn too_large(limit: u64) -> ImagingError {
    ImagingError::TooLarge(format!(
        "decoding this image needs more than the {} MiB of memory allowed to it",
        limit >> 20
    ))
}

/// If this process was started as a decode worker, does the work and returns its exit code.
pub fn worker_main(args: &[OsString]) -> Option<i32> {
    if args.get(1).and_then(|a| a.to_str()) != Some(WORKER_ARG) {
        return None;
    }
    let arg = |i: usize| args.get(i).and_then(|a| a.to_str()).unwrap_or_default();
    let limit: u64 = arg(2).parse().unwrap_or(768 << 20);
    let job = arg(3);
    let frame: u32 = arg(4).parse().unwrap_or(0);
    let window = match (arg(5).parse::<f64>(), arg(6).parse::<f64>()) {
        (Ok(center), Ok(width)) => Some(Window { center, width }),
        _ => None,
    };
    let mut out = std::io::stdout().lock();
    // The limit is set before anything is read; if it cannot be set, decoding is refused.
    if let Err(e) = rlimit::setrlimit(rlimit::Resource::AS, limit, limit) {
        let _ = write!(out, "ERcannot limit the decoder's memory: {e}");
        return Some(1);
    }
    let limits = Limits::default();
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin()
        .lock()
        .take(limits.max_file_bytes)
        .read_to_end(&mut input)
    {
        // Holding the file is the first allocation the limit can refuse.
        let reason = if e.kind() == std::io::ErrorKind::OutOfMemory {
            too_large(limit).to_string()
        } else {
            format!("cannot read the file: {e}")
        };
        let _ = write!(out, "ER{reason}");
        return Some(1);
    }
    let reply = match job {
        "render" => DicomImage::from_bytes(&input, limits)
            .and_then(|i| i.render(frame, window))
            .map(|r| {
                let mut bytes = Vec::with_capacity(9 + r.pixels.len());
                bytes.extend_from_slice(&r.width.to_le_bytes());
                bytes.extend_from_slice(&r.height.to_le_bytes());
                bytes.push(r.channels);
                bytes.extend_from_slice(&r.pixels);
                bytes
            }),
        "frame" => crate::sources::frame_pixels(&input, frame, limits).map(|f| f.to_bytes()),
        other => Err(ImagingError::Malformed(format!(
            "unknown decoder job {other:?}"
        ))),
    };
    drop(input);
    let written = match reply {
        Ok(bytes) => out.write_all(b"OK").and_then(|()| out.write_all(&bytes)),
        Err(e) => write!(out, "ER{e}"),
    };
    Some(if written.and_then(|()| out.flush()).is_ok() {
        0
    } else {
        1
    })
}
