//! The audit log is append-only and its hash chain exposes edits and removals.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use chairside_store::Store;
use chairside_store::audit::{AuditRecord, verify};
use common::*;

fn record(action: &str) -> AuditRecord<'_> {
    AuditRecord {
        user_id: "u1",
        action,
        entity: "patient",
        entity_id: "p1",
        outcome: "ok",
        detail: "",
    }
}

fn store_with_entries(dir: &std::path::Path, n: usize) -> Store {
    let mut store = create(dir);
    for i in 0..n {
        let action = format!("action.{i}");
        store
            .write(|w| w.audit(record(&action)).map(|_| ()))
            .unwrap();
    }
    store
}

fn tamper(store: &Store, sql: &str) {
    store
        .conn()
        .execute_batch(&format!(
            "DROP TRIGGER audit_event_no_update; DROP TRIGGER audit_event_no_delete; {sql}"
        ))
        .unwrap();
}

#[test]
fn a_clean_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_entries(dir.path(), 5);
    let report = verify(store.conn(), &store.device_id().to_string()).unwrap();
    assert_eq!(report.entries, 5);
    assert_eq!(report.devices, 1);
    assert_eq!(report.first_break, None);
}

#[test]
fn an_altered_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_entries(dir.path(), 5);
    tamper(
        &store,
        "UPDATE audit_event SET user_id = 'someone else' WHERE seq = 3",
    );
    let broken = verify(store.conn(), &store.device_id().to_string())
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(broken.seq, 3);
    assert!(broken.reason.contains("altered"), "{broken}");
}

#[test]
fn an_altered_entry_with_a_recomputed_hash_breaks_the_next_link() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_entries(dir.path(), 5);
    // A forger who recomputes the entry's own hash still breaks entry 4's link.
    tamper(&store, "UPDATE audit_event SET hash = 'f00d' WHERE seq = 3");
    let broken = verify(store.conn(), &store.device_id().to_string())
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(broken.seq, 3, "{broken}");
}

#[test]
fn a_removed_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_entries(dir.path(), 5);
    tamper(&store, "DELETE FROM audit_event WHERE seq = 2");
    let broken = verify(store.conn(), &store.device_id().to_string())
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(broken.seq, 2);
    assert!(broken.reason.contains("missing"), "{broken}");
}

#[test]
fn removing_the_newest_entry_is_detected_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_entries(dir.path(), 5);
    tamper(&store, "DELETE FROM audit_event WHERE seq = 5");
    let broken = verify(store.conn(), &store.device_id().to_string())
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(broken.seq, 5);
    assert!(broken.reason.contains("missing"), "{broken}");
}
