//! The relay operator's commands (`chairside-relay clinics` and `forget-clinic`): what the relay
//! holds for each clinic, its tables and its blob folder together, and the deletion of a clinic
//! that left the operator (GDPR: sealed personal data is still personal data).

use serde::Serialize;

use crate::{BlobError, BlobStore, ClinicUsage, FsBlobStore, Storage, StorageError};

/// What the relay holds for one clinic: its tables' counts and its files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClinicHeld {
    #[serde(flatten)]
    pub usage: ClinicUsage,
    /// Blobs in its folder (whole or not), and their bytes on disk.
    pub blobs: u64,
    pub blob_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Blobs(#[from] BlobError),
}

/// Every clinic the relay holds, oldest first.
pub fn clinics(storage: &dyn Storage, blobs: &FsBlobStore) -> Result<Vec<ClinicHeld>, AdminError> {
    storage
        .clinics()?
        .into_iter()
        .map(|usage| held(usage, blobs))
        .collect()
}

/// One clinic, if the relay holds it.
pub fn clinic(
    storage: &dyn Storage,
    blobs: &FsBlobStore,
    clinic_id: &str,
) -> Result<Option<ClinicHeld>, AdminError> {
    let usage = storage
        .clinics()?
        .into_iter()
        .find(|c| c.clinic_id == clinic_id);
    usage.map(|usage| held(usage, blobs)).transpose()
}

/// Deletes everything the relay holds for a clinic; returns what it held (`None`: no such
/// clinic). The tables go first, in one transaction: from then on its devices are refused, so
/// none can add a file while its folder is deleted.
pub fn forget_clinic(
    storage: &dyn Storage,
    blobs: &FsBlobStore,
    clinic_id: &str,
) -> Result<Option<ClinicHeld>, AdminError> {
    let Some(usage) = storage.forget_clinic(clinic_id)? else {
        return Ok(None);
    };
    let (count, bytes) = blobs.forget_clinic(clinic_id)?;
    Ok(Some(ClinicHeld {
        usage,
        blobs: count,
        blob_bytes: bytes,
    }))
}

fn held(usage: ClinicUsage, blobs: &FsBlobStore) -> Result<ClinicHeld, AdminError> {
    let (count, bytes) = blobs.clinic_usage(&usage.clinic_id)?;
    Ok(ClinicHeld {
        usage,
        blobs: count,
        blob_bytes: bytes,
    })
}
