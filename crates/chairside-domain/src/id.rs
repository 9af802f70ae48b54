//! Identifiers made on the device: UUIDv7, so that no auto-increment key ever crosses devices and
//! ids still sort roughly by creation time (good for B-tree locality).

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// The id of any synced row (patient, user, audit event, ...).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntityId(Uuid);

/// The id of one installation of Chairside (one clinic PC). Breaks HLC ties in merges.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(Uuid);

macro_rules! uuid_newtype {
    ($name:ident) => {
        impl $name {
            /// A fresh UUIDv7 made from the current time and randomness.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }
        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }
        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_newtype!(EntityId);
uuid_newtype!(DeviceId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_7_and_round_trip_through_text() {
        let id = EntityId::new();
        assert_eq!(id.as_uuid().get_version_num(), 7);
        let parsed: EntityId = id.to_string().parse().unwrap();
        assert_eq!(parsed, id);
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let a = EntityId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = EntityId::new();
        assert!(a < b);
    }
}
