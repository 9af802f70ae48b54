//! Hybrid logical clock (HLC): the timestamp stamped on every field write.
//!
//! An HLC is a wall-clock time in milliseconds with a 16-bit logical counter in the low bits.
//! It never goes backwards on one device, it moves past every timestamp the device has seen from
//! others, and it stays close to real time, so "the greatest (hlc, device_id) wins" is a merge
//! rule that agrees with what people expect ("the last edit wins") even when clocks drift.

use std::fmt;

const LOGICAL_BITS: u32 = 16;
const LOGICAL_MASK: u64 = (1 << LOGICAL_BITS) - 1;

/// One HLC timestamp; totally ordered, stored as a signed 64-bit integer in SQLite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc(u64);

impl Hlc {
    pub const ZERO: Hlc = Hlc(0);

    pub fn from_parts(physical_ms: u64, logical: u16) -> Self {
        Hlc((physical_ms << LOGICAL_BITS) | u64::from(logical))
    }

    /// Milliseconds since the Unix epoch.
    pub fn physical_ms(self) -> u64 {
        self.0 >> LOGICAL_BITS
    }

    pub fn logical(self) -> u16 {
        (self.0 & LOGICAL_MASK) as u16
    }

    pub fn to_i64(self) -> i64 {
        // Physical time fits in 47 bits until the year 6429, so the top bit is always clear.
        self.0 as i64
    }

    pub fn from_i64(raw: i64) -> Self {
        Hlc(raw as u64)
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:05}", self.physical_ms(), self.logical())
    }
}

/// The clock of one device: remembers the last timestamp it issued or observed.
#[derive(Clone, Copy, Debug, Default)]
pub struct HybridClock {
    last: Hlc,
}

impl HybridClock {
    /// Resumes a clock from the last timestamp persisted by the device.
    pub fn resume(last: Hlc) -> Self {
        Self { last }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A new timestamp for a local event, strictly greater than every earlier one.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        let next = if now_ms > self.last.physical_ms() {
            Hlc::from_parts(now_ms, 0)
        } else {
            self.successor_of_last()
        };
        self.last = next;
        next
    }

    /// Moves the clock past a timestamp received from another device.
    pub fn observe(&mut self, remote: Hlc, now_ms: u64) -> Hlc {
        let base = self.last.max(remote);
        let next = if now_ms > base.physical_ms() {
            Hlc::from_parts(now_ms, 0)
        } else {
            Hlc(base.0.saturating_add(1))
        };
        self.last = next;
        next
    }

    fn successor_of_last(&self) -> Hlc {
        // When the counter overflows the carry moves into the physical part: the clock runs one
        // millisecond ahead of the wall clock rather than ever repeating a timestamp.
        Hlc(self.last.0.saturating_add(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_follows_the_wall_clock_when_it_moves_forward() {
        let mut clock = HybridClock::default();
        assert_eq!(clock.tick(1_000), Hlc::from_parts(1_000, 0));
        assert_eq!(clock.tick(2_000), Hlc::from_parts(2_000, 0));
    }

    #[test]
    fn tick_never_goes_backwards_when_the_wall_clock_does() {
        let mut clock = HybridClock::default();
        let a = clock.tick(5_000);
        let b = clock.tick(4_000);
        let c = clock.tick(5_000);
        assert!(a < b && b < c);
        assert_eq!(c, Hlc::from_parts(5_000, 2));
    }

    #[test]
    fn observe_moves_past_a_remote_clock_that_runs_ahead() {
        let mut clock = HybridClock::default();
        clock.tick(1_000);
        let remote = Hlc::from_parts(9_000, 7);
        let after = clock.observe(remote, 1_001);
        assert!(after > remote);
        assert!(clock.tick(1_002) > after);
    }

    #[test]
    fn logical_overflow_carries_into_physical_time() {
        let mut clock = HybridClock::resume(Hlc::from_parts(10, u16::MAX));
        let next = clock.tick(10);
        assert_eq!(next, Hlc::from_parts(11, 0));
    }

    #[test]
    fn round_trips_through_sqlite_integers() {
        let hlc = Hlc::from_parts(1_790_000_000_000, 42);
        assert!(hlc.to_i64() > 0);
        assert_eq!(Hlc::from_i64(hlc.to_i64()), hlc);
    }
}
