//! Agenda rules that need no storage: an appointment's slot (clinic wall-clock time, a 5-minute
//! grid, within one day), which statuses hold a chair, and when two slots overlap.
//!
//! Times are the clinic's wall clock (`YYYY-MM-DDTHH:MM`), not instants: a 09:30 appointment stays
//! at 09:30 whatever the PC's time zone, and the text sorts in time order, so the store can select
//! a day's appointments by a text range.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// The grid appointments start on and last in multiples of, in minutes.
pub const STEP_MIN: u32 = 5;
/// The longest appointment: a full working day of surgery.
pub const MAX_DURATION_MIN: u32 = 8 * 60;
/// The wall-clock format of `starts_at` and `ends_at`.
pub const FORMAT: &str = "%Y-%m-%dT%H:%M";

/// Why a slot is refused, worded for the person booking it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    #[error("{0:?} is not a date and time: write it as YYYY-MM-DDTHH:MM (2026-11-25T09:30)")]
    Format(String),
    #[error("an appointment starts on a {STEP_MIN}-minute step: {0} is not on one")]
    OffStep(String),
    #[error(
        "a duration of {0} min is not allowed: give {STEP_MIN} to {MAX_DURATION_MIN} minutes in steps of {STEP_MIN}"
    )]
    Duration(u32),
    #[error(
        "an appointment starting at {0} for {1} min would run past midnight: book it earlier or shorter"
    )]
    PastMidnight(String, u32),
}

/// An appointment's place in time: a start on the grid and a duration within the same day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    start: NaiveDateTime,
    duration_min: u32,
}

impl Slot {
    /// Checks a start (`YYYY-MM-DDTHH:MM`) and a duration as typed.
    pub fn parse(starts_at: &str, duration_min: u32) -> Result<Self, SlotError> {
        let start = NaiveDateTime::parse_from_str(starts_at.trim(), FORMAT)
            .map_err(|_| SlotError::Format(starts_at.to_string()))?;
        if !start.minute().is_multiple_of(STEP_MIN) {
            return Err(SlotError::OffStep(start.format("%H:%M").to_string()));
        }
        if !(STEP_MIN..=MAX_DURATION_MIN).contains(&duration_min)
            || !duration_min.is_multiple_of(STEP_MIN)
        {
            return Err(SlotError::Duration(duration_min));
        }
        let minutes_into_day = start.hour() * 60 + start.minute();
        if minutes_into_day + duration_min > 24 * 60 {
            return Err(SlotError::PastMidnight(
                start.format(FORMAT).to_string(),
                duration_min,
            ));
        }
        Ok(Self {
            start,
            duration_min,
        })
    }

    /// A slot as stored: the store only holds slots that passed [`Slot::parse`], but a row
    /// merged from a newer or broken PC is read leniently (`None` when it cannot be read).
    pub fn stored(starts_at: &str, duration_min: i64) -> Option<Self> {
        let start = NaiveDateTime::parse_from_str(starts_at, FORMAT).ok()?;
        let duration_min = u32::try_from(duration_min).ok()?.clamp(1, 24 * 60);
        Some(Self {
            start,
            duration_min,
        })
    }

    pub fn date(&self) -> NaiveDate {
        self.start.date()
    }

    pub fn duration_min(&self) -> u32 {
        self.duration_min
    }

    pub fn starts_at(&self) -> String {
        self.start.format(FORMAT).to_string()
    }

    /// The end, on the same day. A slot ending at midnight reads `T23:59`, since `T24:00` is no
    /// time of day.
    pub fn ends_at(&self) -> String {
        let end_minute = self.start.hour() * 60 + self.start.minute() + self.duration_min;
        if end_minute >= 24 * 60 {
            return format!("{}T23:59", self.start.date().format("%Y-%m-%d"));
        }
        let end =
            NaiveTime::from_hms_opt(end_minute / 60, end_minute % 60, 0).unwrap_or(NaiveTime::MIN);
        NaiveDateTime::new(self.start.date(), end)
            .format(FORMAT)
            .to_string()
    }

    fn minutes(&self) -> (i64, i64) {
        let start = self.start.and_utc().timestamp() / 60;
        (start, start + i64::from(self.duration_min))
    }

    /// Whether the two slots share at least a minute (one ending when the other starts do not).
    pub fn overlaps(&self, other: &Slot) -> bool {
        let (a_start, a_end) = self.minutes();
        let (b_start, b_end) = other.minutes();
        a_start < b_end && b_start < a_end
    }
}

/// Whether an appointment in this status holds its chair: booked, arrived or completed. A
/// cancelled appointment and a patient who did not come leave the chair free.
pub fn holds_chair(status: &str) -> bool {
    matches!(status, "booked" | "arrived" | "completed")
}

/// The statuses an appointment can have, as stored.
pub const STATUSES: [&str; 5] = ["booked", "arrived", "completed", "no_show", "cancelled"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_on_the_grid_within_one_day() {
        let slot = Slot::parse("2026-11-25T09:30", 45).unwrap();
        assert_eq!(slot.starts_at(), "2026-11-25T09:30");
        assert_eq!(slot.ends_at(), "2026-11-25T10:15");
        assert_eq!(
            Slot::parse("2026-11-25T09:32", 30),
            Err(SlotError::OffStep("09:32".into()))
        );
        assert_eq!(
            Slot::parse("2026-11-25T09:30", 0),
            Err(SlotError::Duration(0))
        );
        assert_eq!(
            Slot::parse("2026-11-25T09:30", 7),
            Err(SlotError::Duration(7))
        );
        assert_eq!(
            Slot::parse("2026-11-25T09:30", 485),
            Err(SlotError::Duration(485))
        );
        assert!(matches!(
            Slot::parse("2026-11-25T23:30", 45),
            Err(SlotError::PastMidnight(..))
        ));
        assert_eq!(
            Slot::parse("2026-11-25T23:30", 30).unwrap().ends_at(),
            "2026-11-25T23:59"
        );
        assert!(matches!(
            Slot::parse("25/11/2026 09:30", 30),
            Err(SlotError::Format(_))
        ));
        assert!(matches!(
            Slot::parse("2026-02-30T09:30", 30),
            Err(SlotError::Format(_))
        ));
    }

    #[test]
    fn slots_overlap_when_they_share_a_minute() {
        let nine = Slot::parse("2026-11-25T09:00", 30).unwrap();
        let half_past = Slot::parse("2026-11-25T09:30", 30).unwrap();
        let quarter_past = Slot::parse("2026-11-25T09:15", 60).unwrap();
        let next_day = Slot::parse("2026-11-26T09:00", 30).unwrap();
        assert!(!nine.overlaps(&half_past), "back to back is not an overlap");
        assert!(nine.overlaps(&quarter_past) && quarter_past.overlaps(&nine));
        assert!(half_past.overlaps(&quarter_past));
        assert!(!nine.overlaps(&next_day));
        assert!(nine.overlaps(&nine));
    }

    #[test]
    fn only_live_appointments_hold_the_chair() {
        let holding: Vec<_> = STATUSES.into_iter().filter(|s| holds_chair(s)).collect();
        assert_eq!(holding, ["booked", "arrived", "completed"]);
    }
}
