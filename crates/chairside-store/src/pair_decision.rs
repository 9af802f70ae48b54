//! A person's decision about a pair that a hook found and flagged for review: two files are
//! different people (`patient_distinct`), two overlapping appointments both stand
//! (`booking_review`), two contradicting chart entries both stand (`chart_review`).
//!
//! Each is a synced, append-only row naming the pair in id order (`a < b`), so every PC finds
//! the decision whichever way round the pair was decided or found. The hooks that derive the
//! flags skip a decided pair ([`PairDecisions::decided`]); the decision's own `on_change` hook
//! drops the flag ([`PairDecisions::pair_of`]).

use chairside_domain::EntityId;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use crate::changes::Writer;
use crate::error::Result;
use crate::schema::{BOOKING_REVIEW, CHART_REVIEW, PATIENT_DISTINCT, TableSpec};

/// A synced table of pair decisions and the names of its two columns.
#[derive(Debug)]
pub(crate) struct PairDecisions {
    pub spec: &'static TableSpec,
    pub a: &'static str,
    pub b: &'static str,
}

/// Two files decided to be different people.
pub(crate) const DISTINCT_FILES: PairDecisions = PairDecisions {
    spec: &PATIENT_DISTINCT,
    a: "patient_a",
    b: "patient_b",
};

/// Two overlapping appointments kept both.
pub(crate) const KEPT_BOOKINGS: PairDecisions = PairDecisions {
    spec: &BOOKING_REVIEW,
    a: "appointment_a",
    b: "appointment_b",
};

/// Two contradicting chart entries kept both.
pub(crate) const KEPT_CHART_ENTRIES: PairDecisions = PairDecisions {
    spec: &CHART_REVIEW,
    a: "entry_a",
    b: "entry_b",
};

/// A pair in id order.
pub(crate) fn ordered<'a>(x: &'a str, y: &'a str) -> (&'a str, &'a str) {
    if x < y { (x, y) } else { (y, x) }
}

impl PairDecisions {
    /// Whether a person decided the pair, either way round.
    pub(crate) fn decided(&self, conn: &Connection, x: &str, y: &str) -> Result<bool> {
        let (a, b) = ordered(x, y);
        Ok(conn
            .prepare_cached(&format!(
                "SELECT 1 FROM {} WHERE {} = ?1 AND {} = ?2",
                self.spec.name, self.a, self.b
            ))?
            .query_row(params![a, b], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The pair a decision row names, in id order (for the decision's `on_change` hook).
    pub(crate) fn pair_of(
        &self,
        conn: &Connection,
        row_id: &str,
    ) -> Result<Option<(String, String)>> {
        Ok(conn
            .prepare_cached(&format!(
                "SELECT {}, {} FROM {} WHERE id = ?1",
                self.a, self.b, self.spec.name
            ))?
            .query_row([row_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .map(|(x, y): (String, String)| {
                let (a, b) = ordered(&x, &y);
                (a.to_string(), b.to_string())
            }))
    }
}

impl Writer<'_> {
    /// Records a person's decision about a pair (synced, append-only).
    pub(crate) fn decide_pair(
        &mut self,
        table: &PairDecisions,
        x: &str,
        y: &str,
        decided_by: &str,
        decided_at_ms: i64,
    ) -> Result<()> {
        let (a, b) = ordered(x, y);
        self.append(
            table.spec,
            EntityId::new(),
            &[
                (table.a, Value::Text(a.to_string())),
                (table.b, Value::Text(b.to_string())),
                ("decided_by", Value::Text(decided_by.to_string())),
                ("decided_at_ms", Value::Integer(decided_at_ms)),
            ],
        )
    }
}
