//! How far a sync has come, for a person watching it: a PC joining a clinic receives years of
//! change sets, over the clinic's line, and the wait must show that it moves.
//!
//! Counted in change sets (what one save wrote), from the relay's heads read at the start of the
//! sync: `to_receive` is what the other PCs' streams hold beyond what this PC has merged, and
//! `to_send` what this PC holds beyond what the relay acknowledged. Files (radiographs, a CBCT
//! volume, scanned documents) are counted apart, in files and in bytes: one CBCT volume takes
//! longer to send than a day's change sets, and a count of sets alone would stand at its end
//! while the volume crosses. The counts reach their totals when the sync ends well; a sync cut
//! short leaves them where it stopped (the next one starts from there). A file the relay has no
//! room for leaves the totals (it waits for a later sync; the sync says so).

use std::sync::Mutex;

/// A sync's progress, in change sets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Other PCs' change sets to merge here.
    pub to_receive: u64,
    /// Of those, merged so far.
    pub received: u64,
    /// This PC's change sets the relay lacks.
    pub to_send: u64,
    /// Of those, acknowledged by the relay so far.
    pub sent: u64,
    /// This PC's files the relay lacks (whole or in part), and their size in bytes.
    pub files_to_send: u64,
    pub file_bytes_to_send: u64,
    /// Of those, the files the relay now holds whole, and the bytes it holds (a file resumed
    /// counts the chunks the relay already held as sent).
    pub files_sent: u64,
    pub file_bytes_sent: u64,
}

/// Where progress is told: called after each page merged or pushed, from the sync's threads.
pub type OnProgress<'a> = &'a (dyn Fn(Progress) + Sync);

/// Keeps the counts of one sync and tells each change.
pub(crate) struct Tracker<'a> {
    progress: Mutex<Progress>,
    tell: OnProgress<'a>,
}

impl<'a> Tracker<'a> {
    /// Starts at nothing done, and says so. `files` are the files to send: their count and
    /// their bytes.
    pub(crate) fn start(
        tell: OnProgress<'a>,
        to_receive: u64,
        to_send: u64,
        (files_to_send, file_bytes_to_send): (u64, u64),
    ) -> Self {
        let progress = Progress {
            to_receive,
            to_send,
            files_to_send,
            file_bytes_to_send,
            ..Progress::default()
        };
        tell(progress);
        Tracker {
            progress: Mutex::new(progress),
            tell,
        }
    }

    pub(crate) fn received(&self, sets: u64) {
        self.update(|p| p.received = p.received.saturating_add(sets));
    }

    pub(crate) fn sent(&self, sets: u64) {
        self.update(|p| p.sent = p.sent.saturating_add(sets));
    }

    /// `bytes` more of a file are at the relay (sent, or found there already).
    pub(crate) fn file_bytes_sent(&self, bytes: u64) {
        self.update(|p| p.file_bytes_sent = p.file_bytes_sent.saturating_add(bytes));
    }

    /// One more file is whole at the relay.
    pub(crate) fn file_sent(&self) {
        self.update(|p| p.files_sent = p.files_sent.saturating_add(1));
    }

    /// A file of `size` bytes waits for a later sync (the relay has no room for it), `partly`
    /// of them already counted as sent: it leaves the totals.
    pub(crate) fn file_waits(&self, size: u64, partly: u64) {
        self.update(|p| {
            p.files_to_send = p.files_to_send.saturating_sub(1);
            p.file_bytes_to_send = p.file_bytes_to_send.saturating_sub(size);
            p.file_bytes_sent = p.file_bytes_sent.saturating_sub(partly);
        });
    }

    fn update(&self, change: impl FnOnce(&mut Progress)) {
        // A poisoned lock only means a panic elsewhere: the counts are still meaningful.
        let mut progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut progress);
        // Saves made at this PC while the sync runs go with it (the push reads the log when it
        // starts, after the pull): the total grows rather than the count passing it.
        progress.to_send = progress.to_send.max(progress.sent);
        // Likewise for files imported while the sync runs.
        progress.files_to_send = progress.files_to_send.max(progress.files_sent);
        progress.file_bytes_to_send = progress.file_bytes_to_send.max(progress.file_bytes_sent);
        (self.tell)(*progress);
    }
}
