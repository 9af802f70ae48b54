//! Chairside's domain: pure types and rules with no IO, no database and no wire format.
//!
//! Everything here can be unit-tested with plain values. Other crates translate these types to
//! SQL rows (`chairside-store`) or to IPC/JSON DTOs (`chairside-app`); this crate never depends
//! on them.

pub mod access;
pub mod agenda;
pub mod chart;
pub mod clinic;
pub mod consent;
pub mod hlc;
pub mod id;
pub mod medical;
pub mod patient;
pub mod teeth;

pub use access::{Permission, Role};
pub use clinic::{ClinicSettings, Language, SettingsError};
pub use hlc::{Hlc, HybridClock};
pub use id::{DeviceId, EntityId};
