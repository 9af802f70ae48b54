//! Blobs through the relay: sealed chunk by chunk, uploaded by the device that stored them
//! (before its change sets, so that a record naming a blob never reaches another PC before the
//! blob could), downloaded on demand when someone opens one that is not here yet.
//!
//! * The relay knows a blob by a keyed hash of its content ([`relay_name`]): it cannot tell
//!   whether a clinic holds some well-known file, and two clinics' copies of one file are
//!   unrelated names.
//! * Each chunk is sealed with XChaCha20-Poly1305 under the clinic key, bound by
//!   [`blob_associated_data`] to (clinic, name, index, chunk count): a chunk moved, swapped or a
//!   blob cut short does not open. The whole blob is then checked against its SHA-256 by the
//!   store before it is served.
//! * Both directions resume: an upload asks the relay which chunks it already holds, a download
//!   stores each chunk as it arrives and only fetches the missing ones.

use chairside_protocol::{ErrorBody, blob_associated_data, code};
use chairside_store::Store;
use chairside_store::blobs::BlobInfo;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::progress::Tracker;
use crate::{ClinicKey, Identity, KeyRing, SyncError, Transport};

/// What a blob transfer moved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlobTransfer {
    /// Blobs completed by this transfer.
    pub blobs: u64,
    /// Sealed bytes that crossed the network.
    pub bytes: u64,
    /// Files the relay had no room for (see [`FilesHeldBack`]); None when it took them all.
    pub held_back: Option<FilesHeldBack>,
}

/// Files the relay refused for lack of room: its operator's quota for the clinic's files is
/// reached ([`code::QUOTA_EXCEEDED`]), or its disk is full ([`code::STORAGE_FULL`]). They wait on
/// this PC, which keeps them and sends them at a later sync once there is room; the sync itself
/// goes on (change sets are not held back by files), and says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilesHeldBack {
    /// Files still to upload from this PC: those refused, and those not tried after a refusal
    /// (any after a full disk; those as large or larger after the quota).
    pub waiting: u64,
    /// The relay's refusal: its code, and its sentence (with the figures of a quota).
    pub refusal: ErrorBody,
}

/// Whether the relay refused a file for lack of room rather than for something wrong with it.
fn no_room(e: &SyncError) -> Option<&ErrorBody> {
    match e {
        SyncError::Relay(body)
            if body.code == code::QUOTA_EXCEEDED || body.code == code::STORAGE_FULL =>
        {
            Some(body)
        }
        _ => None,
    }
}

/// The name of a blob at the relay: HMAC-SHA256 of its content hash under the clinic key.
pub fn relay_name(key: &ClinicKey, sha256_hex: &str) -> String {
    #[allow(clippy::expect_used)] // HMAC takes keys of any length: this cannot fail
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.bytes()).expect("any key length");
    mac.update(b"chairside blob name\0");
    mac.update(sha256_hex.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn seal_chunk(
    key: &ClinicKey,
    clinic_id: &str,
    name: &str,
    idx: u32,
    count: u32,
    plaintext: &[u8],
) -> Result<Vec<u8>, SyncError> {
    key.seal_with_random_nonce(
        plaintext,
        &blob_associated_data(clinic_id, name, idx, count),
    )
}

/// A sealed chunk opened under whichever key of the clinic's ring it was sealed with (a file
/// uploaded before the key was renewed, or half before and half after).
pub fn open_chunk_with_ring(
    keys: &KeyRing,
    clinic_id: &str,
    name: &str,
    idx: u32,
    count: u32,
    sealed: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    keys.open_with_nonce(sealed, &blob_associated_data(clinic_id, name, idx, count))
}

/// Deletes at the relay the blobs replaced by copies without an erased patient's identity that
/// this device held (`Store::retired_blobs`: the one that replaced it, and every one that forgot
/// it on merging the replacement); returns how many the relay still held. Runs after the push,
/// so that the change sets naming the copies are at the relay first: a PC that learns of the
/// copy can fetch it, one that has not synced since still names the old file until its next
/// sync.
pub fn delete_retired(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
) -> Result<u64, SyncError> {
    let mut deleted = 0;
    for sha in store.retired_blobs()? {
        if relay.delete_blob(&me.credential, &relay_name(me.keys.naming_key(), &sha))? {
            deleted += 1;
        }
        store.forget_retired_blob(&sha)?;
    }
    Ok(deleted)
}

/// The most listing pages one check reads (ten million names): a relay that keeps answering
/// "more" past it is not followed further; the files not seen by then are sent again, which
/// the relay takes as a no-op for those it holds whole.
const MAX_LISTING_PAGES: u32 = 2000;

/// What the end-of-day check of the relay's files found ([`check_at_relay`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilesAtRelay {
    /// The relay can list its blobs (one older than the listing cannot: nothing was checked).
    pub listed: bool,
    /// Files this device holds as being at the relay, checked against its listing.
    pub checked: u64,
    /// Those the relay no longer held whole (lost, cut short, or deleted by another device).
    pub missing: u64,
    /// Those sent again by this check (all the missing ones, unless the upload failed).
    pub sent_again: u64,
    /// Sealed bytes sent again.
    pub bytes: u64,
    /// Files the relay had no room for: they wait here (see [`FilesHeldBack`]).
    pub held_back: Option<FilesHeldBack>,
}

/// The check of the files at the relay (the owner's end-of-day, and every PC's daily one): every
/// file this device holds as being at the relay (it uploaded it, or fetched it from there) is
/// looked up in the relay's listing of the blobs it holds whole (a page of
/// [`chairside_protocol::MAX_BLOB_LIST`] names per request, not one request per file), and each
/// one the relay lost is sent again, resuming from the chunks it still holds. A file only another
/// PC holds is checked by that PC.
pub fn check_at_relay(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
) -> Result<FilesAtRelay, SyncError> {
    if !relay
        .heads(&me.credential)?
        .can(chairside_protocol::feature::BLOB_LIST)
    {
        return Ok(FilesAtRelay::default());
    }
    let local = store.blobs_at_relay()?;
    let mut check = FilesAtRelay {
        listed: true,
        checked: local.len() as u64,
        ..FilesAtRelay::default()
    };
    if local.is_empty() {
        return Ok(check);
    }
    // This device's files by their name at the relay; each one the listing shows is struck off,
    // and the listing stops once none is left (memory stays at this device's own list).
    let mut unseen: std::collections::HashMap<String, &str> = local
        .iter()
        .map(|sha| (relay_name(me.keys.naming_key(), sha), sha.as_str()))
        .collect();
    let mut after: Option<String> = None;
    for _ in 0..MAX_LISTING_PAGES {
        let page = relay.list_blobs(&me.credential, after.as_deref())?;
        for name in &page.complete {
            unseen.remove(name);
        }
        if unseen.is_empty() {
            break;
        }
        match page.next_after {
            // A relay must move on, by blob names: a page that does not is refused rather than
            // asked forever (and nothing else goes into the next request's address).
            Some(next)
                if chairside_protocol::is_blob_name(&next)
                    && after.as_ref().is_none_or(|a| next > *a) =>
            {
                after = Some(next)
            }
            Some(next) => {
                return Err(SyncError::BadReply(format!(
                    "its list of files does not move on after {next:?}"
                )));
            }
            None => break,
        }
    }
    for sha in unseen.into_values() {
        store.mark_blob_for_upload(sha)?;
        check.missing += 1;
    }
    if check.missing > 0 {
        let sent = upload_pending(store, relay, me, None)?;
        check.sent_again = sent.blobs;
        check.bytes = sent.bytes;
        check.held_back = sent.held_back;
    }
    Ok(check)
}

/// Uploads every local blob the relay lacks, resuming each from the chunks it already holds.
/// When the relay has no room for one, the rest wait and the caller goes on with the change sets:
/// past a full disk nothing more is tried (each file would be refused in turn); past the clinic's
/// quota only smaller files are, so that a CBCT volume too large for the room left does not hold
/// back the day's small radiographs. Each refusal lowers the size tried, so a pass asks at most
/// once per size refused.
///
/// `progress`, when a person watches, is told each chunk at the relay and each file whole there.
pub(crate) fn upload_pending(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
    progress: Option<&Tracker<'_>>,
) -> Result<BlobTransfer, SyncError> {
    let mut transfer = BlobTransfer::default();
    let mut refusal: Option<ErrorBody> = None;
    let mut waiting = 0u64;
    // Files of this many chunks or more are not tried again in this pass.
    let mut too_large = u32::MAX;
    let pending = store.blobs_to_upload()?;
    for blob in &pending {
        if blob.chunk_count() >= too_large {
            waiting += 1;
            if let Some(progress) = progress {
                progress.file_waits(blob.size, 0);
            }
            continue;
        }
        let mut at_relay = 0u64;
        let sent = match upload(store, relay, me, blob, progress, &mut at_relay) {
            Ok(sent) => {
                if let Some(progress) = progress {
                    progress.file_sent();
                }
                sent
            }
            Err(e) => match no_room(&e) {
                Some(body) => {
                    waiting += 1;
                    if let Some(progress) = progress {
                        progress.file_waits(blob.size, at_relay);
                    }
                    too_large = if body.code == code::QUOTA_EXCEEDED {
                        blob.chunk_count()
                    } else {
                        // A full disk: nothing fits.
                        0
                    };
                    refusal.get_or_insert_with(|| body.clone());
                    continue;
                }
                None => return Err(e),
            },
        };
        // A blob the relay already held whole (checked again, or its last reply was lost)
        // crossed nothing: not counted.
        if sent > 0 {
            transfer.bytes += sent;
            transfer.blobs += 1;
        }
    }
    transfer.held_back = refusal.map(|refusal| FilesHeldBack { waiting, refusal });
    Ok(transfer)
}

/// Uploads one blob's missing chunks; returns the sealed bytes sent. `at_relay` counts the
/// plaintext bytes the relay holds of it so far (told to `progress` as they add up).
fn upload(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
    blob: &BlobInfo,
    progress: Option<&Tracker<'_>>,
    at_relay: &mut u64,
) -> Result<u64, SyncError> {
    let name = relay_name(me.keys.naming_key(), &blob.sha256);
    let count = blob.chunk_count();
    let status = relay.blob_status(&me.credential, &name)?;
    // Chunks the relay says it holds count only for a blob of this many chunks: a status
    // without the count (a blob it does not know) or with another one claims nothing.
    let held = |idx: u32| status.count == Some(count) && status.present.contains(&idx);
    let mut sent = 0u64;
    let mut count_in = |bytes: u64| {
        *at_relay += bytes;
        if let Some(progress) = progress {
            progress.file_bytes_sent(bytes);
        }
    };
    for idx in 0..count {
        if held(idx) {
            count_in(chunk_len(blob, idx));
            continue;
        }
        let plaintext = Zeroizing::new(store.blob_chunk(&blob.sha256, idx)?);
        let sealed = seal_chunk(&me.key, &me.clinic_id, &name, idx, count, &plaintext)?;
        sent += sealed.len() as u64;
        relay.put_blob_chunk(&me.credential, &name, idx, count, sealed)?;
        count_in(plaintext.len() as u64);
    }
    store.mark_blob_uploaded(&blob.sha256)?;
    Ok(sent)
}

/// The plaintext length of chunk `idx` of `blob`: whole chunks, then what is left.
fn chunk_len(blob: &BlobInfo, idx: u32) -> u64 {
    let start = u64::from(idx).saturating_mul(blob.chunk_bytes);
    blob.size.saturating_sub(start).min(blob.chunk_bytes)
}

/// Makes a blob local: downloads the chunks this device lacks, checks each one and then the
/// whole against its hash. Returns what crossed the network (nothing when it was already here).
pub fn fetch(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
    sha256: &str,
) -> Result<BlobTransfer, SyncError> {
    let (transfer, _) = fetch_chunks(store, relay, me, sha256, u32::MAX)?;
    Ok(transfer)
}

/// Downloads at most `max_chunks` of the chunks of a blob this device lacks (each checked and
/// kept as it arrives, so the next call resumes), and checks the whole against its hash once
/// every chunk is here. Returns what crossed the network and how many chunks did.
fn fetch_chunks(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
    sha256: &str,
    max_chunks: u32,
) -> Result<(BlobTransfer, u32), SyncError> {
    let info = store.blob(sha256)?.ok_or_else(|| {
        SyncError::Internal(format!("no record of blob {sha256}: sync, then try again"))
    })?;
    if info.local {
        return Ok((BlobTransfer::default(), 0));
    }
    let name = relay_name(me.keys.naming_key(), sha256);
    let count = info.chunk_count();
    let mut transfer = BlobTransfer::default();
    let missing = store.missing_blob_chunks(sha256)?;
    let mut fetched = 0u32;
    for idx in missing.iter().copied().take(max_chunks as usize) {
        let sealed = match relay.get_blob_chunk(&me.credential, &name, idx) {
            Err(SyncError::Relay(e)) if e.code == code::NOT_FOUND => {
                return Err(SyncError::BlobNotUploaded);
            }
            other => other?,
        };
        transfer.bytes += sealed.len() as u64;
        let plaintext = open_chunk_with_ring(&me.keys, &me.clinic_id, &name, idx, count, &sealed)
            .ok_or_else(|| SyncError::TamperedBlob {
            sha256: sha256.to_string(),
            why: format!("chunk {idx} does not authenticate under this clinic's key"),
        })?;
        store.store_fetched_chunk(sha256, idx, &plaintext)?;
        fetched += 1;
    }
    if (fetched as usize) < missing.len() {
        // The rest at a later call.
        return Ok((transfer, fetched));
    }
    store
        .finish_fetched_blob(sha256)
        .map_err(|e| SyncError::TamperedBlob {
            sha256: sha256.to_string(),
            why: e.to_string(),
        })?;
    transfer.blobs = 1;
    Ok((transfer, fetched))
}

/// What a prefetch brought: files now whole here, and the sealed bytes that crossed (a file
/// begun and not finished counts its bytes, not itself).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prefetched {
    pub files: u64,
    pub bytes: u64,
}

/// Fetches the blobs `sha256s` ahead of need, in order, at most `budget_chunks` chunks this time
/// (a slow line must not hold the next sync of appointments and notes for long): a file begun
/// resumes at the next call. A file the relay does not hold yet (its PC has not sent it) or
/// holds damaged is passed over: the person who opens it is told. A relay out of reach stops
/// it, with what was fetched kept.
pub fn prefetch(
    store: &Store,
    relay: &dyn Transport,
    me: &Identity,
    sha256s: &[String],
    budget_chunks: u32,
) -> Result<Prefetched, SyncError> {
    let mut done = Prefetched::default();
    let mut budget = budget_chunks;
    for sha256 in sha256s {
        if budget == 0 {
            break;
        }
        match fetch_chunks(store, relay, me, sha256, budget) {
            Ok((transfer, fetched)) => {
                budget = budget.saturating_sub(fetched);
                done.files += transfer.blobs;
                done.bytes += transfer.bytes;
            }
            Err(SyncError::BlobNotUploaded | SyncError::TamperedBlob { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_chunk_opens_only_in_its_place() {
        let key = ClinicKey::random();
        let name = relay_name(&key, &"a".repeat(64));
        assert!(chairside_protocol::is_blob_name(&name));
        assert_ne!(name, relay_name(&ClinicKey::random(), &"a".repeat(64)));
        let sealed = seal_chunk(&key, "clinic", &name, 1, 3, b"pixels").unwrap();
        assert_eq!(
            open_chunk_with_ring(&KeyRing::first(key.clone()), "clinic", &name, 1, 3, &sealed)
                .unwrap()
                .as_slice(),
            b"pixels"
        );
        for (clinic, idx, count) in [("other", 1, 3), ("clinic", 0, 3), ("clinic", 1, 2)] {
            assert!(
                open_chunk_with_ring(
                    &KeyRing::first(key.clone()),
                    clinic,
                    &name,
                    idx,
                    count,
                    &sealed
                )
                .is_none()
            );
        }
        assert!(
            open_chunk_with_ring(
                &KeyRing::first(ClinicKey::random()),
                "clinic",
                &name,
                1,
                3,
                &sealed
            )
            .is_none()
        );
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(
            open_chunk_with_ring(
                &KeyRing::first(key.clone()),
                "clinic",
                &name,
                1,
                3,
                &flipped
            )
            .is_none()
        );
        assert!(
            open_chunk_with_ring(
                &KeyRing::first(key.clone()),
                "clinic",
                &name,
                1,
                3,
                &sealed[..30]
            )
            .is_none()
        );
    }
}
