//! This PC's clock against the relay's.
//!
//! The merge keeps the last write of a field by its hybrid logical clock, whose physical part is
//! the PC's wall clock ([`chairside_domain::hlc`]). A PC whose clock is wrong (a time zone set
//! wrongly, a dead CMOS battery) still converges with the others, but a PC running an hour ahead
//! wins every concurrent edit of that hour, even one made before another PC's, and one running
//! behind loses them; the times the inbox shows ("written at 10:42") are its clock's too. Nothing
//! in the data can tell which clock is right, so the relay's serves as the reference: every
//! [`chairside_protocol::Heads`] carries the relay's time, the sync measures this PC's offset
//! against it ([`offset`]), the sync report carries it for the header to say, and the PC tells
//! the relay when it changed ([`report_if_changed`]), so that the owner's end-of-day report names
//! every PC whose clock is [`CLOCK_OFF_MS`] or more off.
//!
//! What this does not do: correct the clock. The operating system keeps it (NTP); a wrong one is
//! for a person to fix, and a PC that has been set right writes right from then on.

use chairside_protocol::{CLOCK_OFF_MS, ClockReport, Heads, MAX_CLOCK_OFFSET_MS, feature};

use crate::{Identity, SyncError, Transport};

/// A change of the offset smaller than this is not told to the relay again: the round trip's
/// uncertainty and a clock's drift over days stay well under it.
const REPORT_CHANGE_MS: i64 = 60_000;

/// This PC's clock minus the relay's, in milliseconds (positive: this PC runs ahead), from the
/// relay's time `server_ms` read in a reply asked at `asked_ms` and received at `answered_ms`
/// (this PC's clock): the relay's time is taken as that of the middle of the round trip, which
/// is off by at most half of it. None when the relay did not say its time (an older relay).
pub fn offset(asked_ms: i64, server_ms: i64, answered_ms: i64) -> Option<i64> {
    if server_ms <= 0 {
        return None;
    }
    let middle = asked_ms.saturating_add(answered_ms.saturating_sub(asked_ms).max(0) / 2);
    Some(middle.saturating_sub(server_ms))
}

/// Whether an offset is large enough to tell a person.
pub fn is_off(offset_ms: i64) -> bool {
    offset_ms.unsigned_abs() >= CLOCK_OFF_MS as u64
}

/// "2 h 5 min ahead", "3 min behind", "40 s ahead": an offset as a person reads it, rounded to
/// the second under a minute and to the minute above (English, for the command line; the app
/// words it in the user's language, rounded the same way).
pub fn describe(offset_ms: i64) -> String {
    let abs = offset_ms.unsigned_abs();
    // Rounded to its unit, the unit chosen by the rounded value (59.6 s is "1 min"), as the app
    // words it.
    let seconds = abs.saturating_add(500) / 1000;
    let minutes = abs.saturating_add(30_000) / 60_000;
    let amount = match (minutes / 60, minutes % 60) {
        _ if seconds < 60 => format!("{seconds} s"),
        (0, m) => format!("{m} min"),
        (h, _) if h >= 48 => format!("{} days", abs.saturating_add(43_200_000) / 86_400_000),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    };
    format!(
        "{amount} {}",
        if offset_ms >= 0 { "ahead" } else { "behind" }
    )
}

/// Tells the relay this PC's offset when the relay keeps one and the one it holds for this PC
/// (in `heads`) is missing or [`REPORT_CHANGE_MS`] away from `offset_ms`. An offset past any
/// clock (a relay that said a made-up time) is not told, and a refusal does not stop the sync;
/// a relay out of reach does (the sync could not go on either).
pub(crate) fn report_if_changed(
    relay: &dyn Transport,
    me: &Identity,
    heads: &Heads,
    offset_ms: Option<i64>,
) -> Result<(), SyncError> {
    let Some(offset_ms) = offset_ms.filter(|o| o.unsigned_abs() <= MAX_CLOCK_OFFSET_MS as u64)
    else {
        return Ok(());
    };
    if !heads.can(feature::CLOCK_REPORT) {
        return Ok(());
    }
    let kept = heads
        .devices
        .iter()
        .find(|d| d.device_id == me.credential.device_id)
        .and_then(|d| d.clock_offset_ms);
    if kept.is_some_and(|kept| kept.abs_diff(offset_ms) < REPORT_CHANGE_MS as u64) {
        return Ok(());
    }
    match relay.report_clock(&me.credential, ClockReport { offset_ms }) {
        // The relay refused it (a bound of its own, say): the report is for the owner's eyes
        // only, and must not stop the sync; the next sync tells it again.
        Err(SyncError::Relay(_)) => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_is_taken_at_the_middle_of_the_round_trip() {
        // Asked at 1,000, answered at 1,200: the relay's 1,100 is this PC's 1,100.
        assert_eq!(offset(1_000, 1_100, 1_200), Some(0));
        // A PC an hour ahead.
        assert_eq!(offset(3_601_000, 1_100, 3_601_200), Some(3_600_000));
        // A PC two minutes behind.
        assert_eq!(offset(1_000, 121_100, 1_200), Some(-120_000));
        // An older relay says no time.
        assert_eq!(offset(1_000, 0, 1_200), None);
        // A clock set back during the request: the middle is where it was asked.
        assert_eq!(offset(1_200, 1_200, 1_000), Some(0));
    }

    #[test]
    fn an_offset_reads_in_hours_minutes_or_days() {
        assert_eq!(
            describe(2 * 3_600_000 + 5 * 60_000 + 10_000),
            "2 h 5 min ahead"
        );
        assert_eq!(describe(-3 * 60_000 - 29_000), "3 min behind");
        // To the nearest minute: 2 h 4 min 59.9 s is 2 h 5 min.
        assert_eq!(describe(7_499_900), "2 h 5 min ahead");
        assert_eq!(describe(-59_499), "59 s behind");
        assert_eq!(describe(-59_600), "1 min behind");
        assert_eq!(describe(40_000), "40 s ahead");
        assert_eq!(describe(-3_600_000), "1 h behind");
        assert_eq!(describe(400 * 86_400_000), "400 days ahead");
        // Days rounded too: 2 days and 14 hours are 3 days.
        assert_eq!(describe(62 * 3_600_000), "3 days ahead");
        assert_eq!(describe(i64::MIN), "106751991167 days behind");
        assert_eq!(describe(i64::MAX), "106751991167 days ahead");
    }

    #[test]
    fn five_minutes_either_way_is_off() {
        assert!(!is_off(0));
        assert!(!is_off(CLOCK_OFF_MS - 1));
        assert!(is_off(CLOCK_OFF_MS));
        assert!(is_off(-CLOCK_OFF_MS));
        assert!(is_off(-3_600_000));
        assert!(is_off(i64::MIN));
    }
}
