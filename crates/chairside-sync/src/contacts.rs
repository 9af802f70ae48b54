//! What the relay said of each PC of the clinic at this PC's last sync: when the PC last
//! reached the relay, and how far its clock stood from the relay's ([`crate::clock`]).
//!
//! The owner's device list shows them ("last sync: today 14:02", "clock 2 h ahead") without
//! asking the relay: the list opens offline, from this local copy, taken from the heads that
//! every sync reads anyway. It is as fresh as this PC's last sync (a minute in the background).
//! Kept in one local setting ([`setting::RELAY_CONTACTS`]), never synced: another PC's copy
//! is its own.

use std::collections::BTreeMap;

use chairside_protocol::Heads;
use chairside_store::Store;
use serde::{Deserialize, Serialize};

use crate::{SyncError, setting};

/// One PC as the relay last described it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// When the PC last reached the relay (ms since the epoch; 0 if never).
    pub last_seen_ms: i64,
    /// How far its clock stood from the relay's when it last said (ms; positive: ahead).
    pub clock_offset_ms: Option<i64>,
}

/// Keeps what `heads` say of each PC, replacing the copy of the sync before; this PC's own
/// clock is the offset this sync measured (`own_offset_ms`, told to the relay just now if it
/// moved), not the one the heads carried from before.
pub(crate) fn remember(
    store: &Store,
    heads: &Heads,
    me: &str,
    own_offset_ms: Option<i64>,
) -> Result<(), SyncError> {
    let mut contacts: BTreeMap<&str, Contact> = heads
        .devices
        .iter()
        .map(|d| {
            (
                d.device_id.as_str(),
                Contact {
                    last_seen_ms: d.last_seen_ms,
                    clock_offset_ms: d.clock_offset_ms,
                },
            )
        })
        .collect();
    if let (Some(mine), Some(offset)) = (contacts.get_mut(me), own_offset_ms) {
        mine.clock_offset_ms = Some(offset);
    }
    let json = serde_json::to_string(&contacts)
        .map_err(|e| SyncError::Internal(format!("device contacts: {e}")))?;
    Ok(store.set_local_setting(setting::RELAY_CONTACTS, &json)?)
}

/// Each PC as the relay described it at this PC's last sync, by device id; empty before the
/// first sync (or if the copy cannot be read: it is a convenience, rebuilt at the next sync).
pub fn known(store: &Store) -> Result<BTreeMap<String, Contact>, SyncError> {
    Ok(store
        .local_setting(setting::RELAY_CONTACTS)?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}
