//! The one error type of the application API. It crosses to the UI and to scripts as
//! `{"code": "...", "message": "..."}`: the code is stable and machine-readable (the UI
//! translates it), the message is plain English that says what was wrong and what to do.
//! Some errors add a `reason`, a finer stable code under the same `code` (a sync refusal says
//! which refusal), so that the UI can word each case in the user's language rather than show
//! the English message.

use chairside_domain::SettingsError;
use chairside_store::StoreError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: String,
    pub message: String,
    /// What exactly happened, where `code` covers several cases (the codes of the `reason`
    /// module of `error.rs`); absent otherwise, and then absent from the JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
}

/// Stable error codes. Scripts and the UI match on these; never rename one.
pub mod code {
    pub const WRONG_PASSPHRASE: &str = "wrong_passphrase";
    pub const PASSPHRASE_REQUIRED: &str = "passphrase_required";
    pub const WRONG_CREDENTIALS: &str = "wrong_credentials";
    pub const KEYRING_UNAVAILABLE: &str = "keyring_unavailable";
    pub const NOT_A_CHAIRSIDE_DATABASE: &str = "not_a_chairside_database";
    pub const NEWER_DATABASE: &str = "newer_database";
    pub const NOT_INITIALISED: &str = "not_initialised";
    pub const ALREADY_INITIALISED: &str = "already_initialised";
    pub const STORE_LOCKED: &str = "store_locked";
    pub const NOT_SIGNED_IN: &str = "not_signed_in";
    pub const SESSION_LOCKED: &str = "session_locked";
    pub const PERMISSION_DENIED: &str = "permission_denied";
    pub const INVALID_INPUT: &str = "invalid_input";
    pub const CONFLICT: &str = "conflict";
    pub const NOT_FOUND: &str = "not_found";
    pub const POSSIBLE_DUPLICATE: &str = "possible_duplicate";
    pub const PATIENT_ERASED: &str = "patient_erased";
    /// A booking or a move onto a chair a live appointment holds then (book anyway to keep both).
    pub const CHAIR_TAKEN: &str = "chair_taken";
    pub const IN_USE: &str = "in_use";
    pub const BACKUP_FAILED: &str = "backup_failed";
    pub const EXPORT_FAILED: &str = "export_failed";
    /// The relay cannot be reached now; changes wait and the next sync sends them.
    pub const SYNC_UNREACHABLE: &str = "sync_unreachable";
    /// The relay answered with a refusal (see the message).
    pub const SYNC_REFUSED: &str = "sync_refused";
    /// Sync cannot run yet: no relay set, or an enrollment waiting for approval.
    pub const SYNC_NOT_READY: &str = "sync_not_ready";
    pub const INTEGRITY: &str = "integrity";
    /// This PC's disk is full: nothing of the change was kept (it can be made again once there
    /// is room).
    pub const DISK_FULL: &str = "disk_full";
    pub const INTERNAL: &str = "internal";
}

/// Stable reasons, the finer codes under `sync_refused`, `sync_not_ready` and `integrity`.
/// Under `sync_refused` the reason is the relay's own error code
/// (`chairside_sync::relay_code`: `rate_limited`, `too_large`, `unsupported_version`, ...).
pub mod reason {
    /// `invalid_input` on a dental chart entry: the tooth is not an FDI number. The chart's
    /// other refusals carry the code of the rule that refused them
    /// (`chairside_domain::chart::ChartError::code`: `surface_not_on_tooth`,
    /// `surfaces_required`, `whole_tooth`, `sealant_surfaces`, `sealant_front_tooth`,
    /// `milk_tooth`, `finding_not_existing`, `existing_extraction`, `material_not_for_kind`,
    /// `unknown_surface`, `unknown_kind`, `unknown_status`, `unknown_material`).
    pub const NOT_A_TOOTH: &str = "not_a_tooth";
    /// `invalid_input`: only a planned chart entry is marked done.
    pub const NOT_PLANNED: &str = "not_planned";
    /// `invalid_input`: a struck-out chart entry is restored before it is marked done.
    pub const STRUCK_OUT: &str = "struck_out";
    /// `invalid_input`: a finding settled by a treatment that still stands is not restored on
    /// its own (strike the treatment out, or chart the finding again).
    pub const SETTLED_FINDING: &str = "settled_finding";
    /// `sync_refused`: not a relay's code but this PC's: the relay's reply made no sense (a
    /// device that is not one, a listing that does not move on); nothing of it was applied.
    pub const BAD_REPLY: &str = "bad_reply";
    /// `sync_not_ready`: no relay address is set on this PC.
    pub const NO_RELAY: &str = "no_relay";
    /// `sync_not_ready`: the relay does not know this PC, a member of its clinic: the clinic
    /// moved to it, or it lost its data. The owner rejoins it from this PC (`App::rejoin_relay`).
    pub const UNKNOWN_TO_RELAY: &str = "unknown_to_relay";
    /// `sync_not_ready`: this PC asked to join and the owner has not approved it yet.
    pub const WAITING_FOR_APPROVAL: &str = "waiting_for_approval";
    /// `sync_not_ready`: this PC has not received the clinic's key (enrollment unfinished).
    pub const NO_CLINIC_KEY: &str = "no_clinic_key";
    /// `sync_not_ready`: the file asked for is not at the relay yet (its PC has not synced since, or
    /// the relay had no room for it).
    pub const FILE_NOT_UPLOADED: &str = "file_not_uploaded";
    /// `sync_not_ready`: this PC refuses the relay's certificate (unknown authority, expired,
    /// issued for another address): nothing was sent; the message says which.
    pub const RELAY_NOT_TRUSTED: &str = "relay_not_trusted";
    /// `conflict`: another PC renewed the clinic's recovery key between this one's reading and
    /// its renewal (the new key is the other PC's: sync, then show it).
    pub const RECOVERY_RENEWED_ELSEWHERE: &str = "recovery_renewed_elsewhere";
    /// `conflict`: a PC was revoked, but the recovery key could not be renewed (the message says
    /// why): the revoked PC could still join with the old key until it is renewed.
    pub const RECOVERY_NOT_RENEWED: &str = "recovery_not_renewed";
    /// `sync_not_ready`: the clinic's data key was renewed (a PC revoked) and no PC has shared
    /// the new key with this one yet: its changes were sent, nothing received; another PC's
    /// sync shares it, then this PC syncs again.
    pub const KEY_NOT_SHARED: &str = "key_not_shared";
    /// `conflict`: another PC renewed the clinic's data key a moment ago (sync, then try again).
    pub const KEY_RENEWED_ELSEWHERE: &str = "key_renewed_elsewhere";
    /// `integrity`: the relay's copy of the renewed data key (this PC's share, or the ring of
    /// older keys) was rejected; nothing of it was used.
    pub const BAD_KEY_SHARE: &str = "bad_key_share";
    /// `invalid_input`: the recovery key was printed before the clinic's data key was last
    /// renewed: the sheet printed since restores the clinic.
    pub const RECOVERY_KEY_OUTDATED: &str = "recovery_key_outdated";
    /// `sync_refused`: the relay holds the clinic but not this PC's recovery proof (the key was
    /// renewed while this PC was away, and the relay lost its data or the clinic moved): it
    /// joins with a pairing code instead (`App::rejoin_with_code`).
    pub const PROOF_REFUSED: &str = "proof_refused";
    /// `sync_not_ready`: the clinic moved to another relay that this PC has not followed yet (it
    /// does at its next sync); what this relay says of the clinic may be out of date.
    pub const CLINIC_MOVED_AWAY: &str = "clinic_moved_away";
    /// `sync_refused`: the clinic moved to another relay, which did not take this PC's recovery
    /// proof (the key was renewed there since this PC last synced): the owner's PC syncs once
    /// with the relay the clinic left, then this PC follows.
    pub const MOVE_NOT_FOLLOWED: &str = "move_not_followed";
    /// `integrity`: a record from the relay did not authenticate; nothing of it was applied.
    pub const TAMPERED: &str = "tampered";
    /// `integrity`: a device's log differs between this PC and the relay (checksums).
    pub const DIVERGED: &str = "diverged";
    /// `integrity`: a file's copy at the relay did not hash to its address; it was not kept.
    pub const TAMPERED_FILE: &str = "tampered_file";
    /// `conflict`: the patient file was merged into another (here or on another PC): it is read
    /// and changed through that one.
    pub const FILE_MERGED: &str = "file_merged";
    /// `invalid_input`: the guarantor chosen for a merged file is one of the two files merged.
    pub const GUARANTOR_IN_MERGE: &str = "guarantor_in_merge";
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            reason: None,
        }
    }

    /// The same error with a finer reason (see [`reason`]).
    pub fn because(mut self, reason: &str) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn invalid(field: &str, reason: impl std::fmt::Display) -> Self {
        Self::new(code::INVALID_INPUT, format!("{field}: {reason}"))
    }
}

impl From<SettingsError> for ApiError {
    fn from(e: SettingsError) -> Self {
        ApiError::invalid(e.field, e.reason)
    }
}

impl ApiError {
    /// This PC's disk is full (`e.is_disk_full()`): what happened and what to do.
    pub(crate) fn disk_full(e: &StoreError) -> Self {
        ApiError::new(
            code::DISK_FULL,
            format!(
                "this PC's disk is full ({e}): nothing of this change was kept; free some space on this PC, then try again"
            ),
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_disk_full() {
            return ApiError::disk_full(&e);
        }
        let code = match &e {
            StoreError::WrongPassphrase => code::WRONG_PASSPHRASE,
            StoreError::PassphraseRequired => code::PASSPHRASE_REQUIRED,
            StoreError::KeyringUnavailable(_) | StoreError::KeyMissingFromKeyring => {
                code::KEYRING_UNAVAILABLE
            }
            StoreError::NotChairsideDatabase { .. } => code::NOT_A_CHAIRSIDE_DATABASE,
            StoreError::NewerDatabase { .. } => code::NEWER_DATABASE,
            StoreError::NotInitialised(_) => code::NOT_INITIALISED,
            StoreError::AlreadyInitialised(_) => code::ALREADY_INITIALISED,
            StoreError::InUse => code::IN_USE,
            StoreError::Backup { .. } => code::BACKUP_FAILED,
            StoreError::Integrity(_) => code::INTEGRITY,
            StoreError::InvalidChange(_) | StoreError::OutOfOrder { .. } => code::INVALID_INPUT,
            StoreError::Sqlite(_) | StoreError::Io(_) => code::INTERNAL,
        };
        ApiError::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_told_as_such() {
        // SQLite's own "database or disk is full", made real by capping the pages.
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (b BLOB); PRAGMA max_page_count = 2;")
            .unwrap();
        let full = conn
            .execute("INSERT INTO t VALUES (zeroblob(100000))", [])
            .unwrap_err();
        let e = ApiError::from(StoreError::from(full));
        assert_eq!(e.code, code::DISK_FULL);
        assert!(
            e.message.contains("nothing of this change was kept"),
            "{}",
            e.message
        );
        let io = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert_eq!(ApiError::from(StoreError::from(io)).code, code::DISK_FULL);
        let other = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(ApiError::from(StoreError::from(other)).code, code::INTERNAL);
    }

    /// The UI and scripts parse this exact shape; changing it is a breaking change.
    #[test]
    fn the_json_shape_is_pinned() {
        let e = ApiError::new(
            code::PERMISSION_DENIED,
            "a receptionist may not view clinical notes",
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"permission_denied","message":"a receptionist may not view clinical notes"}"#
        );
        let e: ApiError = StoreError::WrongPassphrase.into();
        assert_eq!(e.code, "wrong_passphrase");
        // A reason is one more key, only when there is one.
        let e = ApiError::new(code::SYNC_REFUSED, "the relay refused: slow down")
            .because("rate_limited");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"sync_refused","message":"the relay refused: slow down","reason":"rate_limited"}"#
        );
        let back: ApiError = serde_json::from_str(r#"{"code":"internal","message":"m"}"#).unwrap();
        assert_eq!(back.reason, None);
    }
}
