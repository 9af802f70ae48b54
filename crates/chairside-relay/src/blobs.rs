//! Blob storage: sealed chunks of images and documents, kept apart from the change-set database
//! because they are large and written once. [`FsBlobStore`] (the default) keeps them in a folder:
//! `ROOT/<clinic>/<name[..2]>/<name>/count` and one file per chunk, each written to a temporary
//! file, synced and renamed, so a chunk is either whole or absent. Several relay processes can
//! share one folder (a network share behind a load balancer): every write is a rename of a
//! complete file and a chunk already present is never rewritten.
//!
//! The relay never opens a chunk: it holds ciphertext named by a keyed hash it cannot invert.

use std::fs::{self, File};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chairside_protocol::{
    BlobList, BlobStatus, MAX_BLOB_CHUNKS, MAX_SEALED_CHUNK_BYTES, is_blob_name,
};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The request names the blob or chunk wrongly (a bad name, an index past the count).
    #[error("{0}")]
    Invalid(String),
    /// The chunk count differs from the one given with the blob's first chunk.
    #[error("{0}")]
    Conflict(String),
    #[error("blob storage failure: {0}")]
    Io(#[from] std::io::Error),
}

/// Where sealed blob chunks live. Every call is scoped by the authenticated device's clinic.
pub trait BlobStore: Send + Sync + 'static {
    fn status(&self, clinic_id: &str, name: &str) -> Result<BlobStatus, BlobError>;
    /// Stores a chunk unless it is already there. `count` is the blob's chunk count. Returns
    /// whether it was written (false: the relay held it already).
    fn put_chunk(
        &self,
        clinic_id: &str,
        name: &str,
        idx: u32,
        count: u32,
        sealed: &[u8],
    ) -> Result<bool, BlobError>;
    /// How many blobs the relay holds for a clinic, and their bytes on disk (chunks, whole or
    /// not): the operator's view, and what the clinic's file quota counts.
    fn clinic_usage(&self, clinic_id: &str) -> Result<(u64, u64), BlobError>;
    fn get_chunk(
        &self,
        clinic_id: &str,
        name: &str,
        idx: u32,
    ) -> Result<Option<Vec<u8>>, BlobError>;
    /// An id of the folder the blobs are in, written in it when it was created: a relay moved
    /// to an empty folder, or whose folder was lost, shows a new one, and the devices upload
    /// their files again.
    fn folder_id(&self) -> String;
    /// Deletes a blob and every chunk of it (a device replaced it by a copy without an erased
    /// patient's identity). Deleting a blob the relay does not hold is no error: a retry, or
    /// another device that did the same replacement. Returns whether it was there.
    fn delete(&self, clinic_id: &str, name: &str) -> Result<bool, BlobError>;
    /// The clinic's blobs after `after` (all of them from the start when None), in ascending
    /// order of name, examining at most `limit`: those whose every chunk is held are listed.
    fn list(&self, clinic_id: &str, after: Option<&str>, limit: u32)
    -> Result<BlobList, BlobError>;
}

/// Blobs in a folder of the relay's machine.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
    /// The folder's identity (see [`BlobStore::folder_id`]).
    folder_id: String,
}

/// The file in the blob folder's root that names the folder (a random id written at creation).
const FOLDER_ID_FILE: &str = ".chairside-blob-folder";

impl FsBlobStore {
    /// Opens the blob folder, creating it (and its identity) when it is not there.
    pub fn open(root: &Path) -> std::io::Result<Self> {
        fs::create_dir_all(root)?;
        let id_file = root.join(FOLDER_ID_FILE);
        let mut id = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut id);
        // Another relay process sharing the folder may write it first: its id is the one.
        write_once(&id_file, hex::encode(id).as_bytes())?;
        let folder_id = fs::read_to_string(&id_file)?.trim().to_string();
        Ok(Self {
            root: root.to_path_buf(),
            folder_id,
        })
    }

    /// The folder of one blob. The clinic's folder is named by a hash of its id, so that no id
    /// (whatever its characters) can reach outside the root.
    fn blob_dir(&self, clinic_id: &str, name: &str) -> Result<PathBuf, BlobError> {
        if !is_blob_name(name) {
            return Err(BlobError::Invalid(
                "a blob name is 64 lowercase hex digits".into(),
            ));
        }
        Ok(self.clinic_dir(clinic_id).join(&name[..2]).join(name))
    }

    /// The folder of a clinic's blobs: named by a hash of its id.
    fn clinic_dir(&self, clinic_id: &str) -> PathBuf {
        self.root
            .join(hex::encode(&Sha256::digest(clinic_id.as_bytes())[..16]))
    }

    /// Deletes every blob of a clinic (it left the relay's operator); returns how many blobs
    /// and bytes there were. The clinic's folder is renamed first, so no reader sees part of it.
    pub fn forget_clinic(&self, clinic_id: &str) -> Result<(u64, u64), BlobError> {
        let usage = self.clinic_usage(clinic_id)?;
        let clinic = self.clinic_dir(clinic_id);
        let doomed = clinic.with_file_name(format!(
            ".deleting-clinic-{}-{}",
            std::process::id(),
            DELETIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        match fs::rename(&clinic, &doomed) {
            Ok(()) => fs::remove_dir_all(&doomed)?,
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        Ok(usage)
    }

    /// Clears what uploads and deletions left behind, in every clinic's folder (see
    /// [`Swept`]): files begun and untouched for `idle` (a PC lost or replaced mid-upload; one
    /// that comes back sends its file again whole), the temporary files of writes cut short by a
    /// crash, and folders whose deletion a crash interrupted (an erased patient's original file
    /// must not linger). Several relay processes sharing the folder may sweep it at once.
    pub fn sweep(&self, idle: Duration) -> Result<Swept, BlobError> {
        let cutoff = SystemTime::now().checked_sub(idle).unwrap_or(UNIX_EPOCH);
        let temp_cutoff = SystemTime::now()
            .checked_sub(STALE_TEMP.min(idle))
            .unwrap_or(UNIX_EPOCH);
        let mut swept = Swept::default();
        for clinic in subfolders(&self.root)? {
            if is_doomed(&clinic) {
                swept.leftovers += remove_doomed(&clinic)?;
                continue;
            }
            for prefix in subfolders(&clinic)? {
                for blob in subfolders(&prefix)? {
                    Self::sweep_blob(&blob, cutoff, temp_cutoff, &mut swept)?;
                }
            }
        }
        Ok(swept)
    }

    /// One folder under a clinic's prefix: a deletion a crash interrupted is finished; a blob
    /// left unfinished since `cutoff` is removed; its stale temporary files go in any case.
    fn sweep_blob(
        dir: &Path,
        cutoff: SystemTime,
        temp_cutoff: SystemTime,
        swept: &mut Swept,
    ) -> Result<(), BlobError> {
        if is_doomed(dir) {
            swept.leftovers += remove_doomed(dir)?;
            return Ok(());
        }
        if !dir
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_blob_name)
        {
            return Ok(());
        }
        let (held, newest, bytes) = Self::examine(dir, temp_cutoff, swept)?;
        let whole = Self::read_count(dir)?.is_some_and(|count| held >= count);
        if !whole && newest < cutoff && Self::remove_blob_dir(dir)? {
            swept.abandoned += 1;
            swept.bytes += bytes;
        }
        Ok(())
    }

    /// A blob's folder: how many chunks it holds, when it was last written, and its bytes.
    /// Temporary files older than `temp_cutoff` (writes a crash cut short) are removed.
    fn examine(
        dir: &Path,
        temp_cutoff: SystemTime,
        swept: &mut Swept,
    ) -> Result<(u32, SystemTime, u64), BlobError> {
        // The folder's own time too: an upload that has just made it has written nothing yet.
        let (mut held, mut newest, mut bytes) = (0, fs::metadata(dir)?.modified()?, 0);
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                // Removed meanwhile (another process's write renamed it, or its sweep).
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            let modified = meta.modified()?;
            let name = entry.file_name();
            let name = name.to_str().unwrap_or_default();
            if name.starts_with(".tmp") {
                if modified < temp_cutoff {
                    match fs::remove_file(entry.path()) {
                        Ok(()) => swept.leftovers += 1,
                        Err(e) if e.kind() == ErrorKind::NotFound => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                continue;
            }
            if name.parse::<u32>().is_ok() {
                held += 1;
            }
            newest = newest.max(modified);
            bytes += meta.len();
        }
        Ok((held, newest, bytes))
    }

    /// Deletes one blob's folder (renamed first, see [`BlobStore::delete`]); false when it was
    /// gone already.
    fn remove_blob_dir(dir: &Path) -> Result<bool, BlobError> {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("blob");
        let doomed = dir.with_file_name(format!(
            ".deleting-{name}-{}-{}",
            std::process::id(),
            DELETIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        match fs::rename(dir, &doomed) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        fs::remove_dir_all(&doomed)?;
        Ok(true)
    }

    fn read_count(dir: &Path) -> Result<Option<u32>, BlobError> {
        match fs::read_to_string(dir.join("count")) {
            Ok(text) => Ok(text.trim().parse().ok()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

fn check_index(idx: u32, count: u32) -> Result<(), BlobError> {
    if count == 0 || count > MAX_BLOB_CHUNKS || idx >= count {
        return Err(BlobError::Invalid(format!(
            "chunk {idx} of {count}: a blob has 1 to {MAX_BLOB_CHUNKS} chunks"
        )));
    }
    Ok(())
}

/// Writes `bytes` to `path` whole or not at all; `Ok(false)` when `path` already existed (kept).
fn write_once(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    match temp.persist_noclobber(path) {
        Ok(_) => {
            File::open(dir)?.sync_all()?;
            Ok(true)
        }
        // Another relay process wrote the same chunk a moment ago: its copy is as good.
        Err(e) if e.error.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e.error),
    }
}

impl BlobStore for FsBlobStore {
    fn status(&self, clinic_id: &str, name: &str) -> Result<BlobStatus, BlobError> {
        let dir = self.blob_dir(clinic_id, name)?;
        let Some(count) = Self::read_count(&dir)? else {
            return Ok(BlobStatus {
                count: None,
                present: Vec::new(),
            });
        };
        let mut present: Vec<u32> = fs::read_dir(&dir)?
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|idx| *idx < count)
            .collect();
        present.sort_unstable();
        Ok(BlobStatus {
            count: Some(count),
            present,
        })
    }

    fn put_chunk(
        &self,
        clinic_id: &str,
        name: &str,
        idx: u32,
        count: u32,
        sealed: &[u8],
    ) -> Result<bool, BlobError> {
        check_index(idx, count)?;
        if sealed.len() > MAX_SEALED_CHUNK_BYTES || sealed.len() < 40 {
            return Err(BlobError::Invalid(format!(
                "a sealed chunk has 40 to {MAX_SEALED_CHUNK_BYTES} bytes"
            )));
        }
        let dir = self.blob_dir(clinic_id, name)?;
        fs::create_dir_all(&dir)?;
        write_once(&dir.join("count"), count.to_string().as_bytes())?;
        match Self::read_count(&dir)? {
            Some(stored) if stored == count => {}
            stored => {
                return Err(BlobError::Conflict(format!(
                    "blob {name} has {stored:?} chunks at the relay, not {count}"
                )));
            }
        }
        Ok(write_once(&dir.join(idx.to_string()), sealed)?)
    }

    fn clinic_usage(&self, clinic_id: &str) -> Result<(u64, u64), BlobError> {
        let clinic = self.clinic_dir(clinic_id);
        let (mut blobs, mut bytes) = (0, 0);
        for prefix in sorted_names(&clinic, is_prefix)? {
            for name in sorted_names(&clinic.join(&prefix), is_blob_name)? {
                blobs += 1;
                for chunk in fs::read_dir(clinic.join(&prefix).join(&name))? {
                    bytes += chunk?.metadata()?.len();
                }
            }
        }
        Ok((blobs, bytes))
    }

    fn get_chunk(
        &self,
        clinic_id: &str,
        name: &str,
        idx: u32,
    ) -> Result<Option<Vec<u8>>, BlobError> {
        let dir = self.blob_dir(clinic_id, name)?;
        let file = match File::open(dir.join(idx.to_string())) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        // Bounded read: a file grown on disk by something else is not served whole.
        let mut bytes = Vec::new();
        file.take(MAX_SEALED_CHUNK_BYTES as u64 + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() > MAX_SEALED_CHUNK_BYTES {
            return Err(BlobError::Invalid(format!(
                "chunk {idx} of blob {name} is larger than a chunk can be"
            )));
        }
        Ok(Some(bytes))
    }

    fn folder_id(&self) -> String {
        self.folder_id.clone()
    }

    fn delete(&self, clinic_id: &str, name: &str) -> Result<bool, BlobError> {
        // Renamed first, so that no reader ever sees half a blob: either all its chunks, or
        // none (a reader that opened a chunk before keeps reading it). The name is unique to
        // this call, even between relay processes sharing the folder.
        Self::remove_blob_dir(&self.blob_dir(clinic_id, name)?)
    }

    fn list(
        &self,
        clinic_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<BlobList, BlobError> {
        if after.is_some_and(|a| !is_blob_name(a)) {
            return Err(BlobError::Invalid(
                "a listing starts after a blob name of 64 lowercase hex digits".into(),
            ));
        }
        let clinic = self.clinic_dir(clinic_id);
        let mut list = BlobList::default();
        let mut examined = 0;
        // Folders being deleted (".deleting-…") and temporary files are not blob names.
        for prefix in sorted_names(&clinic, is_prefix)? {
            if after.is_some_and(|a| prefix.as_str() < &a[..2]) {
                continue;
            }
            for name in sorted_names(&clinic.join(&prefix), is_blob_name)? {
                if after.is_some_and(|a| name.as_str() <= a) {
                    continue;
                }
                if examined == limit {
                    return Ok(list);
                }
                examined += 1;
                if self.status(clinic_id, &name)?.complete() {
                    list.complete.push(name.clone());
                }
                list.next_after = Some(name);
            }
        }
        list.next_after = None;
        Ok(list)
    }
}

/// A clinic's sub-folder: the first two hex digits of the names of the blobs in it.
fn is_prefix(name: &str) -> bool {
    name.len() == 2 && is_blob_name(&name.repeat(32))
}

/// The entries of a folder; none when the folder is not there.
fn entries(dir: &Path) -> Result<Vec<fs::DirEntry>, BlobError> {
    match fs::read_dir(dir) {
        Ok(entries) => Ok(entries.collect::<Result<_, _>>()?),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// The names in a folder that `keep` accepts, sorted; none when the folder is not there.
fn sorted_names(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<String>, BlobError> {
    let mut names: Vec<String> = entries(dir)?
        .iter()
        .filter_map(|entry| {
            entry
                .file_name()
                .to_str()
                .filter(|n| keep(n))
                .map(str::to_string)
        })
        .collect();
    names.sort_unstable();
    Ok(names)
}

/// What a [`FsBlobStore::sweep`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Files begun and left unfinished, and their bytes.
    pub abandoned: u64,
    pub bytes: u64,
    /// Temporary files and folders a crash left behind.
    pub leftovers: u64,
}

/// How long a file begun and not finished is kept at the relay: a PC away for longer sends it
/// again whole.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(30 * 24 * 3600);

/// A temporary file older than this is a write a crash cut short (a write takes seconds).
const STALE_TEMP: Duration = Duration::from_secs(24 * 3600);

/// The folders in a folder (none when it is not there).
fn subfolders(dir: &Path) -> Result<Vec<PathBuf>, BlobError> {
    let mut folders = Vec::new();
    for entry in entries(dir)? {
        if entry.file_type()?.is_dir() {
            folders.push(entry.path());
        }
    }
    Ok(folders)
}

/// A folder renamed for deletion (a blob's or a whole clinic's).
fn is_doomed(dir: &Path) -> bool {
    dir.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(".deleting-"))
}

/// Finishes a deletion a crash interrupted; 1 when this call removed it.
fn remove_doomed(dir: &Path) -> Result<u64, BlobError> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(1),
        // Another process finishing the same deletion.
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// Deletions made by this process, to name their folders apart.
static DELETIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const NAME: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// Sets the times of a folder and everything in it back by `by`, as if untouched since.
    fn age(path: &Path, by: Duration) {
        let then = SystemTime::now() - by;
        if path.is_dir() {
            for entry in fs::read_dir(path).unwrap() {
                age(&entry.unwrap().path(), by);
            }
        }
        File::open(path).unwrap().set_modified(then).unwrap();
    }

    #[test]
    fn a_sweep_clears_files_left_unfinished_and_what_crashes_left_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        let (old_partial, old_whole, new_partial) =
            ("a1".repeat(32), "b2".repeat(32), "c3".repeat(32));
        store
            .put_chunk("c1", &old_partial, 0, 3, &[1u8; 500])
            .unwrap();
        store
            .put_chunk("c1", &old_whole, 0, 1, &[2u8; 500])
            .unwrap();
        store
            .put_chunk("c2", &new_partial, 1, 2, &[3u8; 500])
            .unwrap();
        let month = Duration::from_secs(31 * 24 * 3600);
        age(&store.blob_dir("c1", &old_partial).unwrap(), month);
        age(&store.blob_dir("c1", &old_whole).unwrap(), month);
        // What crashes leave: a chunk's temporary file, a deletion interrupted after its rename.
        let whole_dir = store.blob_dir("c1", &old_whole).unwrap();
        fs::write(whole_dir.join(".tmpAbC123"), [9u8; 100]).unwrap();
        age(
            &whole_dir.join(".tmpAbC123"),
            Duration::from_secs(2 * 24 * 3600),
        );
        let doomed = whole_dir.with_file_name(".deleting-x-1-1");
        fs::create_dir(&doomed).unwrap();
        fs::write(doomed.join("0"), [8u8; 100]).unwrap();
        let fresh_temp = store.blob_dir("c2", &new_partial).unwrap().join(".tmpNow");
        fs::write(&fresh_temp, [7u8; 10]).unwrap();

        let swept = store.sweep(ABANDONED_AFTER).unwrap();
        assert_eq!(
            swept,
            Swept {
                abandoned: 1,
                bytes: 501, // its chunk and its count
                leftovers: 2,
            }
        );
        assert_eq!(store.status("c1", &old_partial).unwrap().count, None);
        assert!(store.status("c1", &old_whole).unwrap().complete());
        assert_eq!(store.status("c2", &new_partial).unwrap().present, vec![1]);
        assert!(!doomed.exists() && fresh_temp.exists());
        // Nothing more to do the next time.
        assert_eq!(store.sweep(ABANDONED_AFTER).unwrap(), Swept::default());
    }

    #[test]
    fn a_listing_pages_through_the_whole_blobs_of_one_clinic_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        // Names spread over several prefix folders, given out of order; one cut short.
        let names: Vec<String> = ["f1", "0a", "7c", "0b", "e3", "7d"]
            .iter()
            .map(|p| p.repeat(32))
            .collect();
        for name in &names {
            store.put_chunk("c1", name, 0, 2, &[1u8; 50]).unwrap();
            if name != &"7c".repeat(32) {
                store.put_chunk("c1", name, 1, 2, &[2u8; 50]).unwrap();
            }
        }
        store
            .put_chunk("c2", &"99".repeat(32), 0, 1, &[3u8; 50])
            .unwrap();
        // A deletion under way leaves a folder that is no blob name.
        store
            .put_chunk("c1", &"aa".repeat(32), 0, 1, &[4u8; 50])
            .unwrap();
        let doomed = store.blob_dir("c1", &"aa".repeat(32)).unwrap();
        fs::rename(&doomed, doomed.with_file_name(".deleting-aa-1-0")).unwrap();

        let mut whole = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = store.list("c1", after.as_deref(), 2).unwrap();
            pages += 1;
            whole.extend(page.complete);
            match page.next_after {
                Some(last) => after = Some(last),
                None => break,
            }
        }
        let mut expected: Vec<String> = names
            .iter()
            .filter(|n| *n != &"7c".repeat(32))
            .cloned()
            .collect();
        expected.sort();
        assert_eq!(whole, expected, "in order, the one cut short left out");
        assert_eq!(
            pages, 3,
            "six names examined two at a time, the last page says it is last"
        );
        let everything = store.list("c1", None, 100).unwrap();
        assert_eq!(
            (everything.complete.len(), everything.next_after),
            (5, None)
        );
        assert_eq!(
            store.list("c2", None, 100).unwrap().complete,
            vec!["99".repeat(32)]
        );
        assert_eq!(store.list("c3", None, 100).unwrap(), BlobList::default());
        assert!(matches!(
            store.list("c1", Some("../x"), 10),
            Err(BlobError::Invalid(_))
        ));
    }

    #[test]
    fn chunks_are_written_once_scoped_by_clinic_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        assert_eq!(store.status("c1", NAME).unwrap().count, None);
        store.put_chunk("c1", NAME, 1, 2, &[1u8; 50]).unwrap();
        let status = store.status("c1", NAME).unwrap();
        assert_eq!((status.count, status.present.clone()), (Some(2), vec![1]));
        assert!(!status.complete());
        // A second copy of a chunk is ignored; the first stays.
        store.put_chunk("c1", NAME, 1, 2, &[2u8; 50]).unwrap();
        assert_eq!(
            store.get_chunk("c1", NAME, 1).unwrap().unwrap(),
            vec![1u8; 50]
        );
        store.put_chunk("c1", NAME, 0, 2, &[3u8; 60]).unwrap();
        assert!(store.status("c1", NAME).unwrap().complete());
        // Another clinic sees nothing of it.
        assert_eq!(store.get_chunk("c2", NAME, 0).unwrap(), None);
        assert_eq!(store.status("c2", NAME).unwrap().count, None);
        // Refusals: another count, an index past it, a bad name, an oversized chunk.
        assert!(matches!(
            store.put_chunk("c1", NAME, 0, 3, &[0u8; 50]),
            Err(BlobError::Conflict(_))
        ));
        assert!(matches!(
            store.put_chunk("c1", NAME, 2, 2, &[0u8; 50]),
            Err(BlobError::Invalid(_))
        ));
        assert!(matches!(
            store.put_chunk("c1", "../../etc", 0, 1, &[0u8; 50]),
            Err(BlobError::Invalid(_))
        ));
        assert!(matches!(
            store.put_chunk("c1", NAME, 0, 2, &vec![0u8; MAX_SEALED_CHUNK_BYTES + 1]),
            Err(BlobError::Invalid(_))
        ));
    }

    #[test]
    fn a_blob_folder_keeps_its_id_and_a_new_folder_has_another() {
        let dir = tempfile::tempdir().unwrap();
        let first = FsBlobStore::open(&dir.path().join("blobs")).unwrap();
        let again = FsBlobStore::open(&dir.path().join("blobs")).unwrap();
        assert_eq!(first.folder_id(), again.folder_id());
        assert_eq!(first.folder_id().len(), 32);
        let other = FsBlobStore::open(&dir.path().join("elsewhere")).unwrap();
        assert_ne!(other.folder_id(), first.folder_id());
        // The id file is no blob of any clinic.
        first.put_chunk("c1", NAME, 0, 1, &[1u8; 50]).unwrap();
        assert_eq!(first.status("c1", NAME).unwrap().count, Some(1));
    }

    #[test]
    fn a_deleted_blob_is_gone_whole_and_only_for_its_clinic() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        for clinic in ["c1", "c2"] {
            store.put_chunk(clinic, NAME, 0, 2, &[1u8; 50]).unwrap();
            store.put_chunk(clinic, NAME, 1, 2, &[2u8; 50]).unwrap();
        }
        assert!(store.delete("c1", NAME).unwrap());
        assert_eq!(store.status("c1", NAME).unwrap().count, None);
        assert_eq!(store.get_chunk("c1", NAME, 0).unwrap(), None);
        // Again (a retry, or another device that replaced the same file): no error.
        assert!(!store.delete("c1", NAME).unwrap());
        // The other clinic's blob of the same name is untouched.
        assert!(store.status("c2", NAME).unwrap().complete());
        // Nothing is left on disk of the deleted one, not even the folder it was renamed to.
        let left: Vec<_> = walk(dir.path())
            .into_iter()
            .filter(|p| p.contains(&format!("{:x}", Sha256::digest(b"c1"))[..32]))
            .collect();
        assert!(
            left.iter()
                .all(|p| !p.contains(NAME) && !p.contains(".deleting")),
            "{left:?}"
        );
        assert!(matches!(
            store.delete("c1", "../../etc"),
            Err(BlobError::Invalid(_))
        ));
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.display().to_string());
            if path.is_dir() {
                out.extend(walk(&path));
            }
        }
        out
    }
}
