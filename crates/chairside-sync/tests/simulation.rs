//! The sync simulation: three PCs of one clinic and a relay (its real storage and append rule)
//! in one process, driven by random operations: concurrent edits of the same patients, erasures,
//! files merged and separated (either way round on different PCs), syncs, network partitions,
//! lost requests, lost replies, duplicated pushes, and PCs that crash and restart. After the
//! network heals, every replica must hold the same data and find the same files, every
//! acknowledged write must be in every replica's log, each field must hold the value of its
//! greatest (hybrid clock, device) write, and every stream checksum must match the relay's.
//!
//! 1,000 cases by default (about a minute); `PROPTEST_CASES=20000` for a longer local run.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use common::*;

const DEFAULT_CASES: u32 = 1000;

fn new_relay(dir: &std::path::Path) -> LocalRelay {
    LocalRelay::new(dir)
}

mod simulation {
    include!("common/simulation.rs");
}
