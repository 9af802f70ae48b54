//! A long sync's progress on the terminal: one line on stderr, rewritten in place, so that a
//! person waiting for a PC to receive its clinic sees it move. Nothing is printed for scripts
//! (stderr not a terminal, or `--json`) nor for a sync short enough not to wait on.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chairside_app::SyncProgress;

/// Below this many change sets to exchange, a sync ends before a line would help.
const WORTH_SHOWING: u64 = 1_000;
/// Likewise for the files this PC sends, in bytes: a megabyte takes seconds on a clinic's
/// upload line.
const FILE_BYTES_WORTH_SHOWING: u64 = 1_000_000;
/// At most this often: the terminal is not the bottleneck of the sync.
const EVERY: Duration = Duration::from_millis(200);

/// The progress line of one sync.
pub struct ProgressLine {
    enabled: bool,
    /// When the line was last written; `None` until it is.
    last: Mutex<Option<Instant>>,
}

impl ProgressLine {
    pub fn new(enabled: bool) -> Self {
        ProgressLine {
            enabled,
            last: Mutex::new(None),
        }
    }

    /// Rewrites the line with `progress` (throttled; the last state is always written).
    pub fn show(&self, progress: SyncProgress) {
        let worth_showing = progress.to_receive + progress.to_send >= WORTH_SHOWING
            || progress.file_bytes_to_send >= FILE_BYTES_WORTH_SHOWING;
        if !self.enabled || !worth_showing {
            return;
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let done = progress.received >= progress.to_receive
            && progress.sent >= progress.to_send
            && progress.file_bytes_sent >= progress.file_bytes_to_send;
        if last.is_some_and(|at| at.elapsed() < EVERY) && !done {
            return;
        }
        *last = Some(Instant::now());
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{}\x1b[K", describe(&progress));
        let _ = err.flush();
    }

    /// Takes the line away before the sync's summary is printed.
    pub fn clear(&self) {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some() {
            eprint!("\r\x1b[K");
        }
    }
}

/// "Receiving 12400 of 80000 change sets (15%); sending 3 of 3; sending 1 of 4 files (3.2 of
/// 48.0 MB, 6%)".
pub fn describe(p: &SyncProgress) -> String {
    let percent = |done: u64, of: u64| (done * 100).checked_div(of).unwrap_or(100);
    let mut parts = Vec::new();
    if p.to_receive > 0 {
        parts.push(format!(
            "Receiving {} of {} change sets ({}%)",
            p.received,
            p.to_receive,
            percent(p.received, p.to_receive)
        ));
    }
    if p.to_send > 0 {
        parts.push(format!("sending {} of {}", p.sent, p.to_send));
    }
    if p.files_to_send > 0 {
        let megabytes = |bytes: u64| bytes as f64 / 1e6;
        parts.push(format!(
            "sending {} of {} files ({:.1} of {:.1} MB, {}%)",
            p.files_sent,
            p.files_to_send,
            megabytes(p.file_bytes_sent),
            megabytes(p.file_bytes_to_send),
            percent(p.file_bytes_sent, p.file_bytes_to_send)
        ));
    }
    let mut text = parts.join("; ");
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(to_receive: u64, received: u64, to_send: u64, sent: u64) -> SyncProgress {
        SyncProgress {
            to_receive,
            received,
            to_send,
            sent,
            ..SyncProgress::default()
        }
    }

    #[test]
    fn the_line_says_what_is_received_and_sent_and_how_far() {
        assert_eq!(
            describe(&progress(80_000, 12_000, 3, 0)),
            "Receiving 12000 of 80000 change sets (15%); sending 0 of 3"
        );
        assert_eq!(describe(&progress(0, 0, 2_000, 500)), "Sending 500 of 2000");
        assert_eq!(
            describe(&progress(10, 10, 0, 0)),
            "Receiving 10 of 10 change sets (100%)"
        );
        let scan = SyncProgress {
            files_to_send: 4,
            files_sent: 1,
            file_bytes_to_send: 48_000_000,
            file_bytes_sent: 3_200_000,
            ..progress(0, 0, 2, 2)
        };
        assert_eq!(
            describe(&scan),
            "Sending 2 of 2; sending 1 of 4 files (3.2 of 48.0 MB, 6%)"
        );
    }
}
