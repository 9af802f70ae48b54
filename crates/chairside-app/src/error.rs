//! The one error type of the application API. It crosses to the UI and to scripts as
//! `{"code": "...", "message": "..."}`: the code is stable and machine-readable (the UI
//! translates it), the message is plain English that says what was wrong and what to do.

use chairside_domain::SettingsError;
use chairside_store::StoreError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: String,
    pub message: String,
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
    pub const INTERNAL: &str = "internal";
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
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

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
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
    }
}
