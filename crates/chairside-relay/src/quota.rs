//! The clinic file quota: how many bytes of files (the sealed chunks of images and documents) one
//! clinic may keep at this relay, for an operator who hosts several clinics on one disk and must
//! not let one of them fill it for all. `serve --clinic-quota SIZE` gives every clinic the same;
//! `chairside-relay set-quota CLINIC SIZE` gives one clinic its own (kept in the relay's
//! database, so every relay process sees it at once, without a restart).
//!
//! Only files count. Change sets (the clinical record itself: appointments, notes, charts; a few
//! megabytes a year) are never refused for the quota: a full quota must not split the clinic's
//! PCs on who is booked at ten. A refused file waits on the PC that holds it, which sends it at a
//! later sync once there is room; that PC's other work syncs meanwhile.
//!
//! A new file is admitted when the clinic's usage plus the file's size (its chunk count, in full
//! chunks) fits under the quota. A file begun is completed whatever the usage, so that a quota
//! reached mid-upload leaves no half file behind.
//!
//! Usage is counted from the blob folder at a clinic's first upload and again every
//! [`RECOUNT_AFTER`]; in between this process adds what it writes and counts again after a
//! deletion. Relay processes sharing one folder each see the others' writes at their next count,
//! so together they can pass the quota by what the others wrote meanwhile: a soft limit, which
//! is what a quota on a shared disk needs to be.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytesize::ByteSize;
use chairside_protocol::MAX_SEALED_CHUNK_BYTES;

use crate::storage::StorageResult;
use crate::{BlobError, BlobStore, Storage};

/// How long a count of a clinic's files is trusted before it is made again from the folder.
pub const RECOUNT_AFTER: Duration = Duration::from_secs(10 * 60);

/// A clinic's files and the quota they would pass: why a new file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "this clinic keeps {} of files at the relay, and a new file of up to {} would pass its quota of {}: the file waits on the PC that holds it; ask the relay's operator to raise the quota",
    ByteSize(*.used).display().si(),
    ByteSize(*.file).display().si(),
    ByteSize(*.limit).display().si()
)]
pub struct QuotaExceeded {
    pub used: u64,
    pub file: u64,
    pub limit: u64,
}

/// One clinic's files as last counted, and what this process wrote since.
#[derive(Clone, Copy, Debug)]
struct Counted {
    bytes: u64,
    at: Instant,
}

/// The relay's default quota and each clinic's usage as this process knows it.
#[derive(Debug, Default)]
pub struct FileQuota {
    /// Every clinic's quota unless it has its own (None: no quota).
    default: Option<u64>,
    counted: Mutex<HashMap<String, Counted>>,
}

impl FileQuota {
    pub fn new(default: Option<u64>) -> Self {
        Self {
            default,
            counted: Mutex::new(HashMap::new()),
        }
    }

    /// The quota of a clinic: its own, else the relay's default; None when neither is set.
    /// Blocking (one read of the clinic's row).
    pub fn limit_for(&self, storage: &dyn Storage, clinic_id: &str) -> StorageResult<Option<u64>> {
        Ok(storage.file_quota(clinic_id)?.or(self.default))
    }

    /// Whether a new file of `chunks` chunks may begin for `clinic_id` under `limit`. Blocking:
    /// it may count the clinic's folder.
    pub fn admit(
        &self,
        blobs: &dyn BlobStore,
        clinic_id: &str,
        chunks: u32,
        limit: u64,
    ) -> Result<Result<(), QuotaExceeded>, BlobError> {
        let used = self.used(blobs, clinic_id)?;
        let file = u64::from(chunks) * MAX_SEALED_CHUNK_BYTES as u64;
        if used.saturating_add(file) > limit {
            return Ok(Err(QuotaExceeded { used, file, limit }));
        }
        Ok(Ok(()))
    }

    /// Adds bytes this process wrote for a clinic to its count.
    pub fn wrote(&self, clinic_id: &str, bytes: u64) {
        if let Some(counted) = self.lock().get_mut(clinic_id) {
            counted.bytes = counted.bytes.saturating_add(bytes);
        }
    }

    /// Forgets a clinic's count (after a deletion): it is counted again at its next new file.
    pub fn recount(&self, clinic_id: &str) {
        self.lock().remove(clinic_id);
    }

    /// The clinic's usage: the count, made again when it is missing or old. The folder is read
    /// without the lock held, so one clinic's count never holds up another's uploads. Blocking.
    pub fn used(&self, blobs: &dyn BlobStore, clinic_id: &str) -> Result<u64, BlobError> {
        if let Some(counted) = self.lock().get(clinic_id)
            && counted.at.elapsed() < RECOUNT_AFTER
        {
            return Ok(counted.bytes);
        }
        let (_, bytes) = blobs.clinic_usage(clinic_id)?;
        self.lock().insert(
            clinic_id.to_string(),
            Counted {
                bytes,
                at: Instant::now(),
            },
        );
        Ok(bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Counted>> {
        // A panic while holding the map leaves counts that are at worst stale: still usable.
        self.counted
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FsBlobStore;

    const CHUNK: usize = MAX_SEALED_CHUNK_BYTES;

    fn name(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    #[test]
    fn a_new_file_is_admitted_while_it_fits_and_refused_once_it_would_pass_the_quota() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FsBlobStore::open(dir.path()).unwrap();
        // Room for three full chunks (and the few bytes of each file's chunk count).
        let limit = 3 * CHUNK as u64 + 1024;
        let quota = FileQuota::new(Some(limit));
        assert_eq!(quota.admit(&blobs, "c1", 2, limit).unwrap(), Ok(()));
        for idx in 0..2 {
            assert!(
                blobs
                    .put_chunk("c1", &name(1), idx, 2, &vec![7; CHUNK])
                    .unwrap()
            );
            quota.wrote("c1", CHUNK as u64);
        }
        // Two chunks held: a one-chunk file fits, a two-chunk one does not.
        assert_eq!(quota.admit(&blobs, "c1", 1, limit).unwrap(), Ok(()));
        let refused = quota.admit(&blobs, "c1", 2, limit).unwrap().unwrap_err();
        assert_eq!(refused.used, 2 * CHUNK as u64);
        assert_eq!(refused.limit, limit);
        let said = refused.to_string();
        assert!(said.contains("raise the quota"), "{said}");
        assert!(said.contains("3.1 MB"), "the quota in plain units: {said}");
        // Another clinic has its own count.
        assert_eq!(quota.admit(&blobs, "c2", 3, limit).unwrap(), Ok(()));
    }

    #[test]
    fn the_count_is_made_from_the_folder_and_again_after_a_deletion() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FsBlobStore::open(dir.path()).unwrap();
        // Files written before this process started (another relay process, a restart).
        for n in 0..2 {
            blobs
                .put_chunk("c1", &name(n), 0, 1, &vec![1; CHUNK])
                .unwrap();
        }
        let limit = 2 * CHUNK as u64 + 1024;
        let quota = FileQuota::new(Some(limit));
        assert!(quota.admit(&blobs, "c1", 1, limit).unwrap().is_err());
        blobs.delete("c1", &name(0)).unwrap();
        // Until counted again, the deleted file still counts.
        assert!(quota.admit(&blobs, "c1", 1, limit).unwrap().is_err());
        quota.recount("c1");
        assert_eq!(quota.admit(&blobs, "c1", 1, limit).unwrap(), Ok(()));
    }
}
