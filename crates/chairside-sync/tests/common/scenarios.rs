// The sync scenarios, included by `sync.rs` (relay on SQLite) and `postgres.rs` (relay on a real
// PostgreSQL server), each of which defines `new_relay`.

use chairside_domain::EntityId;
use chairside_store::Store;
use chairside_store::patients::{self, PatientRow};
use chairside_relay::BlobStore;
use chairside_sync::{SyncError, Transport, identity, setting, sync};

use super::common::*;

pub(crate) fn add_patient(store: &mut Store, last: &str, phone: &str) -> PatientRow {
    let mut p = PatientRow {
        id: EntityId::new().to_string(),
        last_name: last.into(),
        first_name: "Amina".into(),
        birth_date: "1990-04-04".into(),
        sex: "F".into(),
        phones: vec![phone.into()],
        notes: format!("note secrète de {last}"),
        ..PatientRow::default()
    };
    store.write(|w| w.insert_patient(&mut p)).unwrap();
    p
}

pub(crate) fn run(store: &mut Store, relay: &LocalRelay) -> Result<chairside_sync::SyncReport, SyncError> {
    chairside_sync::sync_device(store, relay)
}

/// A clinic on a fresh relay: its first PC, synced (the clinic registered), and a second PC
/// that joined it. The directory holds the relay's files and both PCs'.
pub(crate) fn two_pcs() -> (tempfile::TempDir, LocalRelay, Store, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    run(&mut a, &relay).unwrap();
    let b = join(&a, &tmp.path().join("b"), &relay);
    (tmp, relay, a, b)
}

fn patients_of(store: &Store) -> Vec<(String, String, Vec<String>)> {
    let mut all: Vec<_> = patients::search(
        store.conn(),
        &chairside_domain::patient::SearchQuery::parse("amina", "DZ"),
        1000,
    )
    .unwrap()
    .into_iter()
    .map(|p| (p.id, p.last_name, p.phones))
    .collect();
    all.sort();
    all
}

#[test]
fn a_patient_created_on_one_pc_appears_on_the_other_and_edits_converge() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    let report = run(&mut a, &relay).unwrap();
    assert!(report.sent >= 1, "the clinic row went up");
    let mut b = join(&a, &tmp.path().join("b"), &relay);

    let p = add_patient(&mut a, "Benali", "+213555000001");
    run(&mut a, &relay).unwrap();
    let report = run(&mut b, &relay).unwrap();
    assert!(report.checksums_match);
    assert_eq!(patients_of(&b), patients_of(&a));
    assert_eq!(patients_of(&b).len(), 1);

    // Concurrent edits of the same patient on both PCs: the later write wins on both.
    let mut on_a = patients::get(a.conn(), &p.id).unwrap().unwrap();
    on_a.last_name = "Benali-Haddad".into();
    a.write(|w| w.update_patient(&on_a)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(3));
    let mut on_b = patients::get(b.conn(), &p.id).unwrap().unwrap();
    on_b.last_name = "Ben Ali".into();
    b.write(|w| w.update_patient(&on_b)).unwrap();
    for _ in 0..2 {
        run(&mut a, &relay).unwrap();
        run(&mut b, &relay).unwrap();
    }
    assert_eq!(patients_of(&a), patients_of(&b));
    assert_eq!(patients_of(&a)[0].1, "Ben Ali");
}

#[test]
fn lost_replies_duplicates_and_outages_lose_nothing() {
    let (tmp, relay, mut a, mut b) = two_pcs();
    add_patient(&mut a, "Saadi", "+213555000002");

    relay.fail_before.set(true);
    let err = run(&mut a, &relay).unwrap_err();
    assert!(err.is_transient(), "{err}");
    relay.lose_reply.set(true);
    assert!(run(&mut a, &relay).unwrap_err().is_transient());
    relay.duplicate.set(true);
    add_patient(&mut a, "Mansouri", "+213555000003");
    run(&mut a, &relay).unwrap();
    run(&mut b, &relay).unwrap();
    assert_eq!(patients_of(&b).len(), 2);
    assert_eq!(patients_of(&a), patients_of(&b));

    // A crash of B (closed without goodbye) between syncs: the next sync completes.
    let dir_b = tmp.path().join("b");
    drop(b);
    let mut b = reopen(&dir_b);
    add_patient(&mut a, "Kaci", "+213555000004");
    run(&mut a, &relay).unwrap();
    let report = run(&mut b, &relay).unwrap();
    assert!(report.checksums_match);
    assert_eq!(patients_of(&b).len(), 3);
}

#[test]
fn a_tampered_record_is_rejected_and_nothing_of_it_is_applied() {
    let (_tmp, relay, mut a, mut b) = two_pcs();
    add_patient(&mut a, "Ferhat", "+213555000005");
    run(&mut a, &relay).unwrap();

    relay.alter.set(Some(|r| {
        let last = r.ciphertext.0.len() - 1;
        r.ciphertext.0[last] ^= 1;
    }));
    let err = run(&mut b, &relay).unwrap_err();
    assert!(matches!(err, SyncError::Tampered { .. }), "{err}");
    assert!(
        err.to_string().contains("nothing of it was applied"),
        "{err}"
    );
    assert!(patients_of(&b).is_empty());

    relay.alter.set(None);
    run(&mut b, &relay).unwrap();
    assert_eq!(patients_of(&b).len(), 1, "the genuine record then applies");
}

#[test]
fn a_pc_holding_another_clinic_key_is_told_before_anything_is_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    add_patient(&mut a, "Djebbar", "+213555000006");
    run(&mut a, &relay).unwrap();
    let mut b = join(&a, &tmp.path().join("b"), &relay);
    b.set_local_setting(setting::CLINIC_KEY, &other_key().to_hex())
        .unwrap();
    let err = run(&mut b, &relay).unwrap_err();
    assert!(matches!(err, SyncError::Tampered { .. }), "{err}");
    assert!(err.to_string().contains("another clinic's key"), "{err}");
    assert_eq!(patients::count(b.conn()).unwrap(), 0);
}

#[test]
fn revoked_unknown_and_foreign_devices_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    add_patient(&mut a, "Zitouni", "+213555000007");
    run(&mut a, &relay).unwrap();
    let mut b = join(&a, &tmp.path().join("b"), &relay);
    run(&mut b, &relay).unwrap();

    // Another clinic on the same relay sees nothing of the first.
    let mut other = first_device(&tmp.path().join("other"));
    run(&mut other, &relay).unwrap();
    assert_eq!(patients::count(other.conn()).unwrap(), 0);
    let a_id = a.device_id().to_string();
    let me = identity(&other, false).unwrap();
    let page = relay.pull(&me.credential, &a_id, 0, 100).unwrap();
    assert!(page.records.is_empty(), "scoped by clinic");

    // A forged credential.
    let mut forged = identity(&b, false).unwrap();
    forged.credential.secret[0] ^= 1;
    let err = sync(&mut b, &relay, &forged).unwrap_err();
    assert!(err.to_string().contains("wrong credential"), "{err}");

    // Revoked: refused at once.
    let clinic = a.local_setting(setting::CLINIC_ID).unwrap().unwrap();
    assert!(
        relay
            .storage
            .revoke_device(&clinic, &b.device_id().to_string())
            .unwrap()
    );
    let err = run(&mut b, &relay).unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
}

#[test]
fn a_pairing_code_works_once_and_a_wrong_one_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    run(&mut a, &relay).unwrap();
    let owner = identity(&a, false).unwrap();
    let (code, _) = chairside_sync::enroll::invite(&relay, &owner, 0).unwrap();
    // Issued "at time 0", the code expired long ago.
    let late = new_store(&tmp.path().join("late"));
    let err =
        chairside_sync::enroll::request(&late, &relay, "local", &code, "late PC").unwrap_err();
    assert!(err.to_string().contains("pairing code"), "{err}");

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let (code, _) = chairside_sync::enroll::invite(&relay, &owner, now).unwrap();
    let first = new_store(&tmp.path().join("first"));
    chairside_sync::enroll::request(&first, &relay, "local", &code, "PC 2").unwrap();
    let second = new_store(&tmp.path().join("second"));
    let err = chairside_sync::enroll::request(&second, &relay, "local", &code, "PC 3").unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
    let wrong = new_store(&tmp.path().join("wrong"));
    assert!(chairside_sync::enroll::request(&wrong, &relay, "local", "AAAA-BBBB", "PC 4").is_err());
    // A pending PC cannot sync before approval.
    let mut first = first;
    let err = chairside_sync::sync_device(&mut first, &relay).unwrap_err();
    assert!(matches!(err, SyncError::WaitingForApproval), "{err}");
}

#[test]
fn the_recovery_key_restores_the_clinic_on_a_new_pc() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    add_patient(&mut a, "Hamidi", "+213555000010");
    run(&mut a, &relay).unwrap();
    let me = identity(&a, false).unwrap();
    let printed = chairside_sync::enroll::recovery_key(&me.clinic_id, &me.key, &[]).unwrap();

    // A typo is caught by the check value, not sent to the relay.
    let mut typo = printed.to_string();
    let c = if typo.starts_with('A') { "B" } else { "A" };
    typo.replace_range(0..1, c);
    assert!(matches!(
        chairside_sync::enroll::parse_recovery_key(&typo),
        Err(SyncError::BadRecoveryKey(_))
    ));

    // Every device is lost; a new PC recovers with the printed key (typed in lower case).
    drop(a);
    let mut fresh = new_store(&tmp.path().join("new"));
    let me =
        chairside_sync::enroll::recover(&fresh, &relay, "local", &printed.to_lowercase()).unwrap();
    let report = sync(&mut fresh, &relay, &me).unwrap();
    assert!(report.checksums_match);
    assert_eq!(patients_of(&fresh).len(), 1);
    assert!(
        chairside_store::clinic::get(fresh.conn())
            .unwrap()
            .is_some()
    );

    // A key for another clinic (or a forged one) adds no device.
    let other = new_store(&tmp.path().join("other"));
    let forged = chairside_sync::enroll::recovery_key(&me.clinic_id, &other_key(), &[]).unwrap();
    assert!(chairside_sync::enroll::recover(&other, &relay, "local", &forged).is_err());
}

/// The printed key this PC would print now (what a revoked PC can still compute from its data).
fn printable_key(store: &Store) -> String {
    let me = identity(store, false).unwrap();
    chairside_sync::enroll::printable_recovery_key(store, &me)
        .unwrap()
        .to_string()
}

#[test]
fn a_revoked_pc_cannot_join_again_with_the_recovery_key_once_it_is_renewed() {
    use chairside_sync::enroll::{recover, renew_recovery};
    let (tmp, relay, mut a, mut b) = two_pcs();
    add_patient(&mut a, "Benali", "+213555000021");
    run(&mut a, &relay).unwrap();
    run(&mut b, &relay).unwrap();
    let owner = identity(&a, false).unwrap();
    let b_id = b.device_id().to_string();

    // Revoked, B is refused; but it holds the clinic key, so the recovery key it can print adds
    // it back as a new device: the hole a renewal closes.
    relay.revoke(&owner.credential, &b_id).unwrap();
    a.write(|w| w.mark_device_revoked(&b_id)).unwrap();
    assert!(run(&mut b, &relay).unwrap_err().to_string().contains("revoked"));
    let old_key = printable_key(&b);
    assert_eq!(old_key, printable_key(&a));
    assert_eq!(old_key.chars().filter(|c| *c != '-').count(), 80);
    let sneaked = new_store(&tmp.path().join("sneaked"));
    recover(&sneaked, &relay, "local", &old_key).unwrap();

    // After the owner renews, the old key adds nobody, and B cannot compute the new one.
    let renewed = renew_recovery(&mut a, &relay).unwrap().to_string();
    assert_eq!(renewed.chars().filter(|c| *c != '-').count(), 104);
    assert_eq!(renewed, printable_key(&a));
    assert_eq!(printable_key(&b), old_key);
    let thief = new_store(&tmp.path().join("thief"));
    let err = recover(&thief, &relay, "local", &old_key).unwrap_err();
    assert!(err.to_string().contains("check the recovery key"), "{err}");

    // The new key restores the clinic on a new PC, which receives the salt with the clinic row
    // and so prints the same key; the owner's next sync sent it.
    run(&mut a, &relay).unwrap();
    let mut restored = new_store(&tmp.path().join("restored"));
    let me = recover(&restored, &relay, "local", &renewed).unwrap();
    assert!(sync(&mut restored, &relay, &me).unwrap().checksums_match);
    assert_eq!(printable_key(&restored), renewed);
    assert_eq!(patients_of(&restored).len(), 1);

    // A renewal on a PC that never synced again (lost just after, or a member PC renewing on
    // purpose before it is revoked): here the owner's, which the restored PC has not received.
    // The restored PC reads the salt at the relay, and its own renewal goes through.
    let again = renew_recovery(&mut a, &relay).unwrap().to_string();
    assert_ne!(again, renewed);
    assert_eq!(printable_key(&restored), renewed);
    let third = renew_recovery(&mut restored, &relay).unwrap().to_string();
    assert_ne!(third, again);
    for (n, old) in [&renewed, &again].into_iter().enumerate() {
        let dir = tmp.path().join(format!("late-{n}"));
        let err = recover(&new_store(&dir), &relay, "local", old).unwrap_err();
        assert!(err.to_string().contains("check the recovery key"), "{err}");
    }

    // Renewing at the relay directly, with a sealed salt that opens under no key (what a member
    // PC could do to keep the clinic from renewing), or with a version that moved on: the first
    // is no obstacle to the next renewal, the second is refused.
    let renew_at_relay = |me: &chairside_sync::Identity, salt: &[u8], sealed: Vec<u8>, version: i64| {
        use sha2::Digest as _;
        let proof = chairside_sync::enroll::recovery_proof(&me.key, salt);
        relay.renew_recovery(
            &me.credential,
            chairside_protocol::RenewRecoveryRequest {
                expected_version: version,
                new_proof_hash: hex::encode(sha2::Sha256::digest(proof)),
                sealed_salt: chairside_protocol::Bytes(sealed),
            },
        )
    };
    let version = relay.recovery_state(&me.credential).unwrap().version;
    renew_at_relay(&me, &[5u8; 15], vec![1; 55], version).unwrap();
    let err = renew_at_relay(&me, &[6u8; 15], vec![1; 55], version).unwrap_err();
    assert!(err.to_string().contains("renewed on another PC"), "{err}");
    let fourth = renew_recovery(&mut restored, &relay).unwrap().to_string();
    assert_ne!(fourth, third);

    // A renewal cut after the relay took the new salt (the clinic row not written): the next
    // one finds it at the relay and finishes it. Each renewal renewed the data key too: the
    // cut one was made with the restored PC's current key.
    let me = identity(&restored, false).unwrap();
    let salt = [9u8; 15];
    restored
        .set_local_setting(setting::RECOVERY_SALT_PENDING, &hex::encode(salt))
        .unwrap();
    let sealed = chairside_sync::enroll::seal_recovery_salt(&me.key, &me.clinic_id, &salt).unwrap();
    let version = relay.recovery_state(&me.credential).unwrap().version;
    renew_at_relay(&me, &salt, sealed, version).unwrap();
    let finished = renew_recovery(&mut restored, &relay).unwrap().to_string();
    assert_eq!(
        chairside_sync::enroll::parse_recovery_key(&finished).unwrap().salt,
        salt
    );
    assert_eq!(printable_key(&restored), finished);
    assert_eq!(
        relay.recovery_state(&me.credential).unwrap().version,
        version + 1,
        "finished without another renewal"
    );
    recover(&new_store(&tmp.path().join("last")), &relay, "local", &finished).unwrap();

    // A relay too old to renew says so, and nothing changes.
    relay.features.borrow_mut().clear();
    let err = renew_recovery(&mut restored, &relay).unwrap_err();
    assert!(
        matches!(&err, SyncError::Relay(body) if body.code == "unsupported_version"),
        "{err}"
    );
    assert_eq!(printable_key(&restored), finished);
}

/// Every change set the relay holds for the clinic, opened with the clinic key and written out
/// (values included), one string per record.
fn opened_at_relay(relay: &LocalRelay, me: &chairside_sync::Identity) -> Vec<String> {
    let mut opened = Vec::new();
    for head in relay.storage.heads(&me.clinic_id).unwrap() {
        let device: chairside_domain::DeviceId = head.device_id.parse().unwrap();
        let mut after = 0;
        while after < head.head {
            let (records, _) = relay
                .storage
                .pull(&me.clinic_id, &head.device_id, after, chairside_protocol::MAX_PAGE)
                .unwrap();
            for record in &records {
                let set = chairside_sync::seal::open(&me.key, &me.clinic_id, device, record).unwrap();
                opened.push(format!("{set:?}"));
                after = record.idx;
            }
        }
    }
    opened
}

#[test]
fn an_erasure_is_redacted_from_every_device_stream_at_the_relay() {
    let (tmp, relay, mut a, mut b) = two_pcs();
    let p = add_patient(&mut a, "Ouyahia", "+213555987321");
    run(&mut a, &relay).unwrap();
    run(&mut b, &relay).unwrap();
    // B types in the file too: its own stream now holds identity as well.
    let mut on_b = patients::get(b.conn(), &p.id).unwrap().unwrap();
    on_b.first_name = "Amina-Lyna".into();
    on_b.notes = "Mme Ouyahia rappelle lundi".into();
    b.write(|w| w.update_patient(&on_b)).unwrap();
    run(&mut b, &relay).unwrap();
    run(&mut a, &relay).unwrap();
    let me = identity(&a, false).unwrap();
    let needles = ["Ouyahia", "555987321", "Amina", "secrète", "1990-04-04"];
    let everything = opened_at_relay(&relay, &me).join("\n");
    for needle in needles {
        assert!(everything.contains(needle), "this search finds {needle} before the erasure");
    }

    // A erases: at its next sync it seals again every set that held the identity, its own and
    // B's (A holds B's sets too), before B has even heard of the erasure.
    let revision_of = |device: &Store| {
        let id = device.device_id().to_string();
        let heads = relay.storage.heads(&me.clinic_id).unwrap();
        heads.into_iter().find(|h| h.device_id == id).unwrap().revision
    };
    let b_before = revision_of(&b);
    a.write(|w| w.erase_patient(&p.id, 1_700_000_000_000)).unwrap();
    let report = run(&mut a, &relay).unwrap();
    assert!(report.redacted >= 2, "A's sets and B's edit: {report:?}");
    assert!(report.checksums_match);
    let everything = opened_at_relay(&relay, &me).join("\n");
    for needle in needles {
        assert!(!everything.contains(needle), "the relay still holds {needle} after A's sync");
    }
    assert_eq!(revision_of(&b), b_before + 1, "A rewrote B's stream");

    // B merges the erasure, which scrubs its log and queues the same sets: sealed again, they
    // are the bytes A sent, so the relay replaces nothing and no stream's revision moves. B
    // checks both rewritten streams from its own copy, sealed again: only A's new sets cross
    // the network, not the streams again.
    let a_before = revision_of(&a);
    let a_id = a.device_id().to_string();
    let read_of_a = chairside_store::sync_state::stream(b.conn(), &a_id).unwrap().unwrap().head;
    let served = relay.records_served.get();
    let report = run(&mut b, &relay).unwrap();
    assert_eq!(report.redacted, 0, "A had replaced them all: {report:?}");
    assert!(report.checksums_match);
    assert_eq!((revision_of(&a), revision_of(&b)), (a_before, b_before + 1));
    let a_head = relay.storage.heads(&me.clinic_id).unwrap().into_iter().find(|h| h.device_id == a_id).unwrap().head;
    assert_eq!(
        relay.records_served.get() - served,
        (a_head - read_of_a) as u64,
        "B read A's new sets only (A's stream holds {a_head})"
    );
    // Each reads the other's rewritten stream again for its checksum: no divergence.
    for on_a in [true, false, true] {
        let store = if on_a { &mut a } else { &mut b };
        let report = run(store, &relay).unwrap();
        assert!(report.checksums_match);
        assert_eq!(report.redacted, 0, "nothing is redacted twice");
        assert!(chairside_store::sync_state::redactions(store.conn()).unwrap().is_empty());
    }
    let everything = opened_at_relay(&relay, &me).join("\n");
    for needle in needles {
        assert!(!everything.contains(needle), "the relay still holds {needle} after the erasure");
    }
    assert!(everything.contains("1990"), "the birth year stays, as in the store");

    // A PC that joins afterwards gets the pseudonymous file, and the same checksums.
    let mut c = join(&a, &tmp.path().join("c"), &relay);
    let report = run(&mut c, &relay).unwrap();
    assert!(report.checksums_match);
    let erased = patients::get(c.conn(), &p.id).unwrap().unwrap();
    assert_eq!(
        (erased.last_name.as_str(), erased.first_name.as_str(), erased.phones.len()),
        ("", "", 0)
    );
    assert_eq!(erased.erased_at_ms, 1_700_000_000_000);

    // The rewrite rule: a device may bring records of another's stream (here the very bytes
    // already stored: nothing changes), one stream per rewrite, stored records only.
    let me_b = identity(&b, false).unwrap();
    let sealed_from = |store: &Store| {
        let set = chairside_store::changes::read_change_set(store.conn(), store.device_id(), 1)
            .unwrap()
            .unwrap();
        chairside_sync::seal::seal(&me.key, &me.clinic_id, &set).unwrap()
    };
    let record_of_a = sealed_from(&a);
    let streams = || {
        let heads = relay.storage.heads(&me.clinic_id).unwrap();
        heads.into_iter().map(|h| (h.device_id, h.head, h.checksum, h.revision)).collect::<Vec<_>>()
    };
    let before = streams();
    let reply = relay.rewrite(&me_b.credential, vec![record_of_a.clone()]).unwrap();
    assert_eq!(reply.replaced, 0);
    assert_eq!(streams(), before);
    let err = relay.rewrite(&me_b.credential, vec![record_of_a.clone(), sealed_from(&b)]).unwrap_err();
    assert!(err.to_string().contains("one stream"), "{err}");
    let mut beyond = record_of_a;
    beyond.idx = relay.storage.heads(&me.clinic_id).unwrap().iter().find(|h| h.device_id == me.credential.device_id).unwrap().head + 1;
    let err = relay.rewrite(&me.credential, vec![beyond]).unwrap_err();
    assert!(err.to_string().contains("not stored"), "{err}");
    run(&mut a, &relay).unwrap();
}

#[test]
fn with_a_relay_older_than_redaction_by_another_pc_each_pc_redacts_its_own_stream() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    relay.features.borrow_mut().clear();
    let mut a = first_device(&tmp.path().join("a"));
    run(&mut a, &relay).unwrap();
    let mut b = join(&a, &tmp.path().join("b"), &relay);
    let p = add_patient(&mut a, "Ouyahia", "+213555987321");
    run(&mut a, &relay).unwrap();
    run(&mut b, &relay).unwrap();
    let mut typed = patients::get(b.conn(), &p.id).unwrap().unwrap();
    typed.notes = "Mme Ouyahia rappelle lundi".into();
    b.write(|w| w.update_patient(&typed)).unwrap();
    run(&mut b, &relay).unwrap();
    run(&mut a, &relay).unwrap();
    let me = identity(&a, false).unwrap();

    // A erases: it replaces its own sets only, and does not keep B's waiting (B will).
    a.write(|w| w.erase_patient(&p.id, 1_700_000_000_000)).unwrap();
    let report = run(&mut a, &relay).unwrap();
    assert!(report.redacted >= 1 && report.checksums_match, "{report:?}");
    assert!(chairside_store::sync_state::redactions(a.conn()).unwrap().is_empty());
    let everything = opened_at_relay(&relay, &me).join("\n");
    assert!(everything.contains("rappelle") && !everything.contains("555987321"));
    // B merges the erasure and replaces its own.
    let report = run(&mut b, &relay).unwrap();
    assert_eq!(report.redacted, 1, "{report:?}");
    assert!(!opened_at_relay(&relay, &me).join("\n").contains("rappelle"));
    for store in [&mut a, &mut b] {
        assert!(run(store, &relay).unwrap().checksums_match);
    }
    // Nor can it list its files: the end-of-day check says nothing was checked.
    let check = chairside_sync::check_files_at_relay(&a, &relay).unwrap();
    assert!(!check.listed && check.checked == 0, "{check:?}");
}

#[test]
fn a_stream_rewritten_while_another_pc_reads_it_is_no_divergence() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut first = first_device(&tmp.path().join("a"));
    run(&mut first, &relay).unwrap();
    let mut b = join(&first, &tmp.path().join("b"), &relay);
    let mut c = join(&first, &tmp.path().join("c"), &relay);
    let a = std::rc::Rc::new(std::cell::RefCell::new(first));
    let p = add_patient(&mut a.borrow_mut(), "Ouyahia", "+213555987321");
    run(&mut a.borrow_mut(), &relay).unwrap();
    run(&mut b, &relay).unwrap();
    let mut typed = patients::get(b.conn(), &p.id).unwrap().unwrap();
    typed.notes = "Mme Ouyahia rappelle lundi".into();
    b.write(|w| w.update_patient(&typed)).unwrap();
    run(&mut b, &relay).unwrap();
    a.borrow_mut().write(|w| w.erase_patient(&p.id, 1_700_000_000_000)).unwrap();

    // C starts its sync (it has read the heads); before its first page, A syncs the erasure and
    // rewrites its stream and B's, which C then reads at their new revisions.
    let a_meanwhile = a.clone();
    *relay.before_next_pull.borrow_mut() = Some(Box::new(move |relay: &LocalRelay| {
        let report = run(&mut a_meanwhile.borrow_mut(), relay).unwrap();
        assert!(report.redacted >= 2, "A's sets and B's: {report:?}");
    }));
    let report = run(&mut c, &relay).unwrap();
    assert!(relay.before_next_pull.borrow().is_none(), "A acted during C's sync");
    assert!(report.checksums_match, "a rewrite while reading is no divergence");
    // The next sync reads the streams again at their new revisions; every checksum matches.
    for _ in 0..2 {
        assert!(run(&mut c, &relay).unwrap().checksums_match);
        assert!(run(&mut b, &relay).unwrap().checksums_match);
        assert!(run(&mut a.borrow_mut(), &relay).unwrap().checksums_match);
    }
    let erased = patients::get(c.conn(), &p.id).unwrap().unwrap();
    assert_eq!((erased.last_name.as_str(), erased.notes.as_str()), ("", ""));
}

#[test]
fn an_erasure_reaches_the_copies_of_a_lost_pc_that_never_syncs_again() {
    let (tmp, relay, mut a, mut b) = two_pcs();
    let mut lost = join(&a, &tmp.path().join("lost"), &relay);
    // The PC at the front desk creates the file and types in it, syncs, and is then stolen.
    let p = add_patient(&mut lost, "Ouyahia", "+213555987321");
    let mut typed = patients::get(lost.conn(), &p.id).unwrap().unwrap();
    typed.notes = "Mme Ouyahia rappelle lundi".into();
    lost.write(|w| w.update_patient(&typed)).unwrap();
    run(&mut lost, &relay).unwrap();
    run(&mut a, &relay).unwrap();
    run(&mut b, &relay).unwrap();
    let me = identity(&a, false).unwrap();
    let lost_id = lost.device_id().to_string();
    drop(lost);
    assert!(relay.storage.revoke_device(&me.clinic_id, &lost_id).unwrap());
    let needles = ["Ouyahia", "555987321", "Amina", "secrète", "rappelle", "1990-04-04"];
    let everything = opened_at_relay(&relay, &me).join("\n");
    for needle in needles {
        assert!(everything.contains(needle), "this search finds {needle} before the erasure");
    }

    // B erases the file; its next sync replaces the stolen PC's copies at the relay.
    b.write(|w| w.erase_patient(&p.id, 1_700_000_000_000)).unwrap();
    let report = run(&mut b, &relay).unwrap();
    assert!(report.checksums_match);
    assert!(report.redacted >= 2, "the creation and the note: {report:?}");
    let everything = opened_at_relay(&relay, &me).join("\n");
    for needle in needles {
        assert!(!everything.contains(needle), "the relay still holds {needle}");
    }
    // A merges the erasure and queues the same sets: nothing left to replace, no divergence.
    let report = run(&mut a, &relay).unwrap();
    assert!(report.checksums_match);
    assert_eq!(report.redacted, 0, "{report:?}");
    for store in [&mut a, &mut b] {
        let report = run(store, &relay).unwrap();
        assert!(report.checksums_match);
        assert!(chairside_store::sync_state::redactions(store.conn()).unwrap().is_empty());
    }

    // Only the clinic's own devices: another clinic's device finds no such stream.
    let mut other = first_device(&tmp.path().join("other"));
    run(&mut other, &relay).unwrap();
    let foreign = identity(&other, false).unwrap();
    let set = chairside_store::changes::read_change_set(a.conn(), lost_id.parse().unwrap(), 1)
        .unwrap()
        .unwrap();
    let record = chairside_sync::seal::seal(&foreign.key, &foreign.clinic_id, &set).unwrap();
    let err = relay.rewrite(&foreign.credential, vec![record]).unwrap_err();
    assert!(err.to_string().contains("not stored"), "{err}");

    // A PC that joins afterwards reads the stolen PC's stream, redacted, with the same checksum.
    let mut c = join(&a, &tmp.path().join("c"), &relay);
    let report = run(&mut c, &relay).unwrap();
    assert!(report.checksums_match);
    let erased = patients::get(c.conn(), &p.id).unwrap().unwrap();
    assert_eq!((erased.last_name.as_str(), erased.notes.as_str()), ("", ""));
}

#[test]
fn a_stream_redacted_by_another_pc_while_its_device_pushes_is_no_divergence() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    run(&mut a, &relay).unwrap();
    let b = std::rc::Rc::new(std::cell::RefCell::new(join(&a, &tmp.path().join("b"), &relay)));
    let p = add_patient(&mut a, "Ouyahia", "+213555987321");
    run(&mut a, &relay).unwrap();
    {
        let mut b = b.borrow_mut();
        run(&mut b, &relay).unwrap();
        // B types something A will pull, then erases the file A created, not yet synced.
        add_patient(&mut b, "Benali", "+213555000001");
        run(&mut b, &relay).unwrap();
        b.write(|w| w.erase_patient(&p.id, 1_700_000_000_000)).unwrap();
    }
    // A has a change to push. While A reads B's stream (after the heads, before its push), B
    // syncs and replaces A's sets that held the identity.
    add_patient(&mut a, "Zitouni", "+213555000007");
    let b_meanwhile = b.clone();
    *relay.before_next_pull.borrow_mut() = Some(Box::new(move |relay: &LocalRelay| {
        let report = run(&mut b_meanwhile.borrow_mut(), relay).unwrap();
        assert!(report.redacted >= 1, "{report:?}");
    }));
    let report = run(&mut a, &relay).unwrap();
    assert!(relay.before_next_pull.borrow().is_none(), "B acted during A's sync");
    assert!(report.sent >= 1 && report.checksums_match, "{report:?}");
    // The next syncs read A's stream again at its new revision: every checksum matches, and A,
    // merging the erasure, seals its sets to the bytes B sent.
    for _ in 0..2 {
        let report = run(&mut a, &relay).unwrap();
        assert!(report.checksums_match);
        assert_eq!(report.redacted, 0, "{report:?}");
        assert!(run(&mut b.borrow_mut(), &relay).unwrap().checksums_match);
    }
    let erased = patients::get(a.conn(), &p.id).unwrap().unwrap();
    assert_eq!(erased.last_name, "");
}

#[test]
fn a_stream_its_device_extends_while_another_pc_checks_its_redaction_is_no_divergence() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut first = first_device(&tmp.path().join("a"));
    run(&mut first, &relay).unwrap();
    let mut b = join(&first, &tmp.path().join("b"), &relay);
    let a = std::rc::Rc::new(std::cell::RefCell::new(first));
    let p = add_patient(&mut a.borrow_mut(), "Ouyahia", "+213555987321");
    run(&mut a.borrow_mut(), &relay).unwrap();
    run(&mut b, &relay).unwrap();
    // A types something B will pull; B erases the file A created, not yet synced.
    add_patient(&mut a.borrow_mut(), "Benali", "+213555000001");
    run(&mut a.borrow_mut(), &relay).unwrap();
    b.write(|w| w.erase_patient(&p.id, 1_700_000_000_000)).unwrap();

    // During B's sync, A pushes twice: at B's first read of A's stream, and at the next one, the
    // read-back after B replaced A's sets (B cannot check it from its own copy: it has not read
    // A's newest set). B reads each time up to the head it was given, and no further, so every
    // checksum it computes is the one announced with that head.
    let a_meanwhile = a.clone();
    *relay.before_next_pull.borrow_mut() = Some(Box::new(move |relay: &LocalRelay| {
        {
            let mut a = a_meanwhile.borrow_mut();
            add_patient(&mut a, "Zitouni", "+213555000007");
            assert!(run(&mut a, relay).unwrap().checksums_match);
        }
        let a_again = a_meanwhile.clone();
        *relay.before_next_pull.borrow_mut() = Some(Box::new(move |relay: &LocalRelay| {
            let mut a = a_again.borrow_mut();
            add_patient(&mut a, "Haddad", "+213555000008");
            assert!(run(&mut a, relay).unwrap().checksums_match);
        }));
    }));
    let report = run(&mut b, &relay).unwrap();
    assert!(relay.before_next_pull.borrow().is_none(), "A acted twice during B's sync");
    assert!(report.redacted >= 1 && report.checksums_match, "{report:?}");
    for _ in 0..2 {
        assert!(run(&mut b, &relay).unwrap().checksums_match);
        assert!(run(&mut a.borrow_mut(), &relay).unwrap().checksums_match);
    }
    assert_eq!(patients::count(b.conn()).unwrap(), 4);
}

/// Bytes that look like an image: a recognisable header and a pattern to search for.
pub(crate) fn fake_radiograph(len: usize) -> Vec<u8> {
    let mut bytes = b"PIXELS-OF-PATIENT-OUYAHIA ".repeat(len / 26 + 1);
    bytes.truncate(len);
    bytes
}

#[test]
fn a_blob_stored_on_one_pc_is_fetched_on_demand_on_the_other_resuming_both_ways() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    run(&mut a, &relay).unwrap();
    let b = join(&a, &tmp.path().join("b"), &relay);
    let mut b = b;

    let image = fake_radiograph(2 * chairside_store::blobs::CHUNK_BYTES + 777);
    let info = a.write(|w| w.put_blob(&image[..], "image/png")).unwrap();
    assert_eq!(info.chunk_count(), 3);

    // The upload is cut after one chunk: the sync fails, nothing of the record is pushed yet.
    relay.chunks_before_failure.set(Some(1));
    let cut = run(&mut a, &relay).unwrap_err();
    assert!(cut.is_transient(), "{cut}");
    assert_eq!(a.blobs_to_upload().unwrap().len(), 1);
    // The next sync sends only the two missing chunks, then the record.
    let report = run(&mut a, &relay).unwrap();
    assert_eq!(report.blobs_sent, 1);
    let sealed_chunk = chairside_protocol::MAX_SEALED_CHUNK_BYTES as u64;
    assert!(
        report.blob_bytes_sent < 2 * sealed_chunk,
        "{} bytes: only the missing chunks are sent",
        report.blob_bytes_sent
    );
    assert!(a.blobs_to_upload().unwrap().is_empty());

    // B learns of the blob with the change sets, but holds no byte of it until it is opened.
    run(&mut b, &relay).unwrap();
    assert_eq!(b.read_blob(&info.sha256).unwrap(), None);
    let fetched = chairside_sync::fetch_blob(&b, &relay, &info.sha256).unwrap();
    assert_eq!(fetched.blobs, 1);
    assert_eq!(b.read_blob(&info.sha256).unwrap().unwrap(), image);
    // Opening it again costs nothing.
    assert_eq!(
        chairside_sync::fetch_blob(&b, &relay, &info.sha256).unwrap(),
        chairside_sync::blobs::BlobTransfer::default()
    );
}

#[test]
fn the_end_of_day_check_sends_again_the_files_the_relay_lost() {
    let (tmp, relay, mut a, mut b) = two_pcs();
    let lost = fake_radiograph(3000);
    let cut_short = fake_radiograph(chairside_store::blobs::CHUNK_BYTES + 500);
    let kept = fake_radiograph(4000);
    let infos: Vec<_> = [&lost[..], &cut_short[..], &kept[..]]
        .into_iter()
        .map(|bytes| a.write(|w| w.put_blob(bytes, "image/png")).unwrap())
        .collect();
    run(&mut a, &relay).unwrap();
    run(&mut b, &relay).unwrap();
    // B opened the first file: it holds a copy too.
    chairside_sync::fetch_blob(&b, &relay, &infos[0].sha256).unwrap();
    let me = identity(&a, false).unwrap();
    let relay_name = |i: usize| chairside_sync::blobs::relay_name(&me.key, &infos[i].sha256);

    // Nothing lost: every file checked, nothing sent.
    let check = chairside_sync::check_files_at_relay(&a, &relay).unwrap();
    assert_eq!((check.checked, check.missing, check.sent_again), (3, 0, 0));

    // The relay loses the first file whole and the second's last chunk (a disk restored from
    // an older backup, say).
    assert!(BlobStore::delete(&relay.blobs, &me.clinic_id, &relay_name(0)).unwrap());
    let last_chunk = walk(relay.blob_dir.path())
        .into_iter()
        .find(|p| p.to_string_lossy().contains(&relay_name(1)) && p.ends_with("1"))
        .unwrap();
    std::fs::remove_file(last_chunk).unwrap();
    assert!(run(&mut a, &relay).unwrap().checksums_match, "a sync alone does not see it");

    // B, which holds only the first, sends it again; A sends the chunk the second lacks.
    let check = chairside_sync::check_files_at_relay(&b, &relay).unwrap();
    assert_eq!((check.checked, check.missing, check.sent_again), (1, 1, 1));
    let check = chairside_sync::check_files_at_relay(&a, &relay).unwrap();
    assert_eq!((check.checked, check.missing, check.sent_again), (3, 1, 1));
    let sealed_chunk = chairside_protocol::MAX_SEALED_CHUNK_BYTES as u64;
    assert!(check.bytes < sealed_chunk, "only the missing chunk: {} bytes", check.bytes);

    // A PC that opens them now gets them whole.
    let c = join(&a, &tmp.path().join("c"), &relay);
    let mut c = c;
    run(&mut c, &relay).unwrap();
    for (info, bytes) in infos.iter().zip([&lost, &cut_short, &kept]) {
        chairside_sync::fetch_blob(&c, &relay, &info.sha256).unwrap();
        assert_eq!(&c.read_blob(&info.sha256).unwrap().unwrap(), bytes);
    }
    let check = chairside_sync::check_files_at_relay(&c, &relay).unwrap();
    assert_eq!((check.checked, check.missing), (3, 0));
}

#[test]
fn a_blob_not_yet_uploaded_or_tampered_at_the_relay_is_reported_and_not_kept() {
    let (_tmp, relay, mut a, mut b) = two_pcs();
    let image = fake_radiograph(5000);
    let info = a.write(|w| w.put_blob(&image[..], "image/png")).unwrap();
    run(&mut a, &relay).unwrap();
    run(&mut b, &relay).unwrap();

    // Swap the relay's chunk for one sealed to another place: it must not open.
    let me = identity(&a, false).unwrap();
    let name = chairside_sync::blobs::relay_name(&me.key, &info.sha256);
    let chunk_dir = walk(relay.blob_dir.path())
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == "0"))
        .unwrap();
    assert!(chunk_dir.to_string_lossy().contains(&name));
    let mut sealed = std::fs::read(&chunk_dir).unwrap();
    let last = sealed.len() - 1;
    sealed[last] ^= 0x40;
    std::fs::write(&chunk_dir, &sealed).unwrap();
    let err = chairside_sync::fetch_blob(&b, &relay, &info.sha256).unwrap_err();
    assert!(matches!(err, SyncError::TamperedBlob { .. }), "{err}");
    assert_eq!(b.read_blob(&info.sha256).unwrap(), None);
    assert_eq!(b.missing_blob_chunks(&info.sha256).unwrap(), vec![0]);

    // A blob whose upload has not happened: a plain message, not a failure of the file.
    let later = fake_radiograph(100);
    let mut later = later;
    later[0] = b'Q';
    let pending = a.write(|w| w.put_blob(&later[..], "image/png")).unwrap();
    // Push the record without its blob by marking it uploaded by hand (a PC that crashed
    // between the two steps in an older version would leave the same state).
    a.mark_blob_uploaded(&pending.sha256).unwrap();
    run(&mut a, &relay).unwrap();
    run(&mut b, &relay).unwrap();
    let err = chairside_sync::fetch_blob(&b, &relay, &pending.sha256).unwrap_err();
    assert!(matches!(err, SyncError::BlobNotUploaded), "{err}");
}

pub(crate) fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_clinic_that_leaves_is_forgotten_at_the_relay_and_no_other() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut leaving = first_device(&tmp.path().join("leaving"));
    let mut staying = first_device(&tmp.path().join("staying"));
    add_patient(&mut leaving, "Kaci", "+213555000111");
    add_patient(&mut staying, "Saadi", "+213555000222");
    let image = fake_radiograph(300_000);
    leaving.write(|w| w.put_blob(&image[..], "image/png")).unwrap();
    run(&mut leaving, &relay).unwrap();
    run(&mut staying, &relay).unwrap();
    let leaving_id = identity(&leaving, false).unwrap().clinic_id;
    let staying_id = identity(&staying, false).unwrap().clinic_id;

    // The operator's view: each clinic with its device and what it pushed.
    let before = relay.storage.clinics().unwrap();
    let usage = |id: &str| before.iter().find(|c| c.clinic_id == id).cloned();
    let held = usage(&leaving_id).expect("the leaving clinic is listed");
    assert_eq!(held.devices_active, 1);
    assert!(held.records >= 1 && held.record_bytes > 0, "{held:?}");
    assert!(usage(&staying_id).is_some());
    assert_eq!(relay.blobs.clinic_usage(&leaving_id).unwrap().0, 1);

    // Forgotten: the tables and the files, the clinic's device refused from then on.
    let forgotten = chairside_relay::admin::forget_clinic(&*relay.storage, &relay.blobs, &leaving_id)
        .unwrap()
        .expect("the clinic was held");
    assert_eq!(forgotten.usage, held);
    assert_eq!(forgotten.blobs, 1);
    assert!(forgotten.blob_bytes > 300_000, "{forgotten:?}");
    assert_eq!(relay.blobs.clinic_usage(&leaving_id).unwrap(), (0, 0));
    let refused = run(&mut leaving, &relay).unwrap_err();
    assert!(matches!(refused, SyncError::UnknownToRelay), "{refused}");
    assert!(
        chairside_relay::admin::forget_clinic(&*relay.storage, &relay.blobs, &leaving_id)
            .unwrap()
            .is_none()
    );

    // The other clinic is untouched and syncs on.
    let after = relay.storage.clinics().unwrap();
    assert!(after.iter().all(|c| c.clinic_id != leaving_id));
    assert_eq!(
        after.iter().find(|c| c.clinic_id == staying_id),
        before.iter().find(|c| c.clinic_id == staying_id)
    );
    add_patient(&mut staying, "Saadi", "+213555000333");
    assert!(run(&mut staying, &relay).unwrap().checksums_match);
}

#[test]
fn a_clinics_own_file_quota_is_kept_listed_and_cleared() {
    use chairside_relay::quota::FileQuota;
    const GB: u64 = 1_000_000_000;
    let tmp = tempfile::tempdir().unwrap();
    let relay = super::new_relay(tmp.path());
    let mut big = first_device(&tmp.path().join("big"));
    let mut small = first_device(&tmp.path().join("small"));
    run(&mut big, &relay).unwrap();
    run(&mut small, &relay).unwrap();
    let big_id = identity(&big, false).unwrap().clinic_id;
    let small_id = identity(&small, false).unwrap().clinic_id;

    // No clinic has its own quota until the operator gives one.
    assert_eq!(relay.storage.file_quota(&big_id).unwrap(), None);
    assert!(relay.storage.set_file_quota(&big_id, Some(200 * GB)).unwrap());
    assert_eq!(relay.storage.file_quota(&big_id).unwrap(), Some(200 * GB));
    assert_eq!(relay.storage.file_quota(&small_id).unwrap(), None);
    let listed = relay.storage.clinics().unwrap();
    let own = |id: &str| listed.iter().find(|c| c.clinic_id == id).unwrap().file_quota;
    assert_eq!((own(&big_id), own(&small_id)), (Some(200 * GB), None));

    // Its own quota wins over the relay's default; the others get the default.
    let quota = FileQuota::new(Some(50 * GB));
    assert_eq!(quota.limit_for(&*relay.storage, &big_id).unwrap(), Some(200 * GB));
    assert_eq!(quota.limit_for(&*relay.storage, &small_id).unwrap(), Some(50 * GB));
    assert_eq!(FileQuota::new(None).limit_for(&*relay.storage, &small_id).unwrap(), None);

    // Cleared: the default again. An unknown clinic is said so, and nothing is created.
    assert!(relay.storage.set_file_quota(&big_id, None).unwrap());
    assert_eq!(quota.limit_for(&*relay.storage, &big_id).unwrap(), Some(50 * GB));
    assert!(!relay.storage.set_file_quota("no-such-clinic", Some(GB)).unwrap());
    assert_eq!(relay.storage.clinics().unwrap().len(), 2);
    // A size beyond what the database holds is kept as the largest it holds.
    assert!(relay.storage.set_file_quota(&small_id, Some(u64::MAX)).unwrap());
    assert_eq!(relay.storage.file_quota(&small_id).unwrap(), Some(i64::MAX as u64));

    // A device's last file refused for the quota is in its clinic's heads, for the owner.
    let device = identity(&big, false).unwrap().credential.device_id;
    let heads = |clinic: &str| relay.storage.heads(clinic).unwrap();
    assert_eq!(heads(&big_id)[0].file_refused_ms, 0);
    relay.storage.note_file_refused(&device, 1_700_000_000_000).unwrap();
    assert_eq!(heads(&big_id)[0].file_refused_ms, 1_700_000_000_000);
    assert_eq!(heads(&small_id)[0].file_refused_ms, 0);
}

/// The clinic's relay dies with no backup, and the clinic moves to a new, empty relay. The
/// owner's PC rejoins it (registering the clinic there) and fills it with everything it holds,
/// the log of an operatory PC that is away included; a PC revoked earlier cannot join it; a new
/// PC enrolled at the new relay receives the away PC's patients; the away PC comes back, joins,
/// and its own push of the records carried for it is a retry, not a conflict.
#[test]
fn a_clinic_moves_to_an_empty_relay_and_its_pcs_fill_it_with_what_they_hold() {
    use chairside_sync::enroll::{Rejoined, rejoin};
    let tmp = tempfile::tempdir().unwrap();
    let old = super::new_relay(&tmp.path().join("old"));
    let mut a = first_device(&tmp.path().join("a"));
    add_patient(&mut a, "Ouyahia", "+213555987321");
    run(&mut a, &old).unwrap();
    let mut away = join(&a, &tmp.path().join("away"), &old);
    add_patient(&mut away, "Haddad", "+213555000222");
    run(&mut away, &old).unwrap();
    let mut revoked = join(&a, &tmp.path().join("revoked"), &old);
    run(&mut revoked, &old).unwrap();
    let owner = identity(&a, false).unwrap();
    let revoked_id = revoked.device_id().to_string();
    old.revoke(&owner.credential, &revoked_id).unwrap();
    a.write(|w| w.mark_device_revoked(&revoked_id)).unwrap();
    run(&mut a, &old).unwrap();
    assert_eq!(patients_of(&a).len(), 2);
    drop(old);

    // The new relay knows nothing of the clinic: a plain sync is refused, and says so.
    let new = super::new_relay(&tmp.path().join("new"));
    let err = run(&mut a, &new).unwrap_err();
    assert!(matches!(err, SyncError::UnknownToRelay), "{err}");
    assert_eq!(rejoin(&a, &new, "https://new").unwrap(), Rejoined::RegisteredClinic);
    assert_eq!(
        a.local_setting(setting::RELAY_URL).unwrap().as_deref(),
        Some("https://new")
    );
    let filled = run(&mut a, &new).unwrap();
    assert!(filled.checksums_match, "{filled:?}");
    let away_id = away.device_id().to_string();
    let away_head = chairside_store::changes::head(a.conn(), &away_id).unwrap();
    assert!(away_head > 0);
    assert!(
        filled.carried >= away_head as u64,
        "the away PC's log is carried: {filled:?}"
    );
    assert_eq!(filled.heads.get(&away_id), Some(&away_head));
    assert_eq!(filled.streams_not_carried, 0);
    // The operator's listing: the owner's PC, the away one known by its log, the revoked one.
    let listed = new.storage.clinics().unwrap();
    assert_eq!(
        (listed[0].devices_active, listed[0].devices_carried, listed[0].devices_revoked),
        (1, 1, 1),
        "{listed:?}"
    );
    // Nothing is sent or carried twice, nor fetched back.
    let again = run(&mut a, &new).unwrap();
    assert_eq!((again.sent, again.carried, again.reread), (0, 0, 0), "{again:?}");
    assert!(again.received.is_empty(), "{again:?}");

    // The revoked PC holds the clinic key, but the new relay was told of its revocation.
    let err = rejoin(&revoked, &new, "https://new").unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    assert!(run(&mut revoked, &new).is_err());

    // A PC enrolled at the new relay receives the away PC's patient, carried by the owner's.
    let mut fresh = join(&a, &tmp.path().join("fresh"), &new);
    let report = run(&mut fresh, &new).unwrap();
    assert!(report.checksums_match);
    assert_eq!(patients_of(&fresh), patients_of(&a));

    // The away PC comes back: it joins with the clinic's proof and goes on where it was.
    assert_eq!(rejoin(&away, &new, "https://new").unwrap(), Rejoined::JoinedClinic);
    assert_eq!(
        rejoin(&away, &new, "https://new").unwrap(),
        Rejoined::AlreadyKnown,
        "a second rejoin changes nothing"
    );
    add_patient(&mut away, "Benali", "+213555000111");
    let back = run(&mut away, &new).unwrap();
    assert!(back.checksums_match, "{back:?}");
    assert_eq!(back.sent, 1, "only its new change set: {back:?}");
    run(&mut a, &new).unwrap();
    run(&mut fresh, &new).unwrap();
    assert_eq!(patients_of(&a).len(), 3);
    assert_eq!(patients_of(&a), patients_of(&away));
    assert_eq!(patients_of(&a), patients_of(&fresh));
}

/// A planned move: the owner's PC joins the new relay and leaves at the old one the new relay's
/// address, sealed under the clinic key. An operatory PC that was away syncs with the old relay,
/// learns where the clinic went and follows (what it wrote meanwhile reaches the others there);
/// a revoked PC never learns it; a notice the relay made up, or one naming the relay a PC
/// already uses, is not followed; following never registers the clinic at a relay that does not
/// know it; the owner takes the notice back when the clinic returns.
#[test]
fn a_planned_move_leaves_a_sealed_notice_that_the_pcs_not_moved_yet_follow() {
    use chairside_sync::enroll::{
        MoveNoticeLeft, Rejoined, follow_move, leave_move_notice, rejoin, take_back_move_notice,
    };
    let tmp = tempfile::tempdir().unwrap();
    let old = super::new_relay(&tmp.path().join("old"));
    let mut a = first_device(&tmp.path().join("a"));
    add_patient(&mut a, "Ouyahia", "+213555987321");
    run(&mut a, &old).unwrap();
    let mut away = join(&a, &tmp.path().join("away"), &old);
    let mut late = join(&a, &tmp.path().join("late"), &old);
    let mut stale = join(&a, &tmp.path().join("stale"), &old);
    let mut revoked = join(&a, &tmp.path().join("revoked"), &old);
    for pc in [&mut away, &mut late, &mut stale, &mut revoked] {
        run(pc, &old).unwrap();
    }
    let owner = identity(&a, false).unwrap();
    let revoked_id = revoked.device_id().to_string();
    old.revoke(&owner.credential, &revoked_id).unwrap();
    a.write(|w| w.mark_device_revoked(&revoked_id)).unwrap();
    run(&mut a, &old).unwrap();

    // The owner moves: joins the new relay, then leaves the notice at the old one.
    let new = super::new_relay(&tmp.path().join("new"));
    assert_eq!(rejoin(&a, &new, "https://new.example").unwrap(), Rejoined::RegisteredClinic);
    assert_eq!(
        leave_move_notice(&a, &old, "https://new.example").unwrap(),
        MoveNoticeLeft::Left
    );
    run(&mut a, &new).unwrap();
    // The relay keeps ciphertext: the address is not in it. Its operator sees the clinic left.
    let sealed = old.storage.move_notice(&owner.clinic_id).unwrap().unwrap();
    assert!(old.storage.clinics().unwrap()[0].moved_away);
    assert!(!new.storage.clinics().unwrap()[0].moved_away);
    assert!(!sealed.windows(11).any(|w| w == b"new.example"));

    // The away PC wrote meanwhile; its sync with the old relay goes through and names the new one.
    add_patient(&mut away, "Haddad", "+213555000222");
    let there = run(&mut away, &old).unwrap();
    assert_eq!(there.moved_to.as_deref(), Some("https://new.example"));
    assert_eq!(there.sent, 1, "{there:?}");
    assert_eq!(
        follow_move(&away, &new, "https://new.example").unwrap(),
        Rejoined::JoinedClinic
    );
    assert_eq!(
        away.local_setting(setting::RELAY_URL).unwrap().as_deref(),
        Some("https://new.example")
    );
    let moved = run(&mut away, &new).unwrap();
    assert!(moved.checksums_match, "{moved:?}");
    assert_eq!(moved.moved_to, None);
    run(&mut a, &new).unwrap();
    assert_eq!(patients_of(&a).len(), 2);
    assert_eq!(patients_of(&a), patients_of(&away));
    // Back at the old relay by mistake: the notice names the relay it uses now.
    assert_eq!(run(&mut away, &old).unwrap().moved_to, None);

    // The revoked PC is refused at the old relay: it never opens the notice.
    assert!(run(&mut revoked, &old).is_err());

    // A notice the relay made up (it cannot seal one) is ignored.
    old.storage
        .set_move_notice(&owner.clinic_id, Some(&[7u8; 90]))
        .unwrap();
    assert_eq!(run(&mut late, &old).unwrap().moved_to, None);
    old.storage
        .set_move_notice(&owner.clinic_id, Some(&sealed))
        .unwrap();
    assert_eq!(
        run(&mut late, &old).unwrap().moved_to.as_deref(),
        Some("https://new.example")
    );
    // Following never registers the clinic where it is unknown (lost, or removed on purpose).
    let stranger = super::new_relay(&tmp.path().join("stranger"));
    let url_before = late.local_setting(setting::RELAY_URL).unwrap();
    assert!(follow_move(&late, &stranger, "https://stranger.example").is_err());
    assert!(stranger.storage.clinics().unwrap().is_empty());
    assert_eq!(late.local_setting(setting::RELAY_URL).unwrap(), url_before);

    // The recovery key renewed at the new relay after the move: a PC that only syncs with the
    // old one joins with the old proof, refused, and is told what the owner does. The owner's
    // PC syncs once with the old relay (bringing the clinic row and its salt), then it follows.
    chairside_sync::enroll::renew_recovery(&mut a, &new).unwrap();
    assert!(run(&mut stale, &old).unwrap().moved_to.is_some());
    let err = follow_move(&stale, &new, "https://new.example").unwrap_err();
    assert!(matches!(err, SyncError::MoveNotFollowed { .. }), "{err}");
    assert!(err.to_string().contains("sync once with the relay the clinic left"), "{err}");
    run(&mut a, &old).unwrap();
    run(&mut stale, &old).unwrap();
    assert_eq!(
        follow_move(&stale, &new, "https://new.example").unwrap(),
        Rejoined::JoinedClinic
    );

    // The clinic comes back to the old relay: the owner takes the notice back there, and the
    // PC that never left stays.
    assert!(take_back_move_notice(&a, &old).unwrap());
    assert!(!take_back_move_notice(&a, &old).unwrap());
    assert!(!old.storage.clinics().unwrap()[0].moved_away);
    assert_eq!(run(&mut late, &old).unwrap().moved_to, None);
}

/// How many of the records the relay holds for the clinic open under `key`, and whether any
/// of those holds `needle` (what a PC holding only that key would read from a copy of the
/// relay's storage), out of how many records.
fn readable_at_relay(
    relay: &LocalRelay,
    clinic_id: &str,
    key: &chairside_sync::ClinicKey,
    needle: &str,
) -> (usize, bool, usize) {
    let (mut opened, mut found, mut total) = (0, false, 0);
    for head in relay.storage.heads(clinic_id).unwrap() {
        let device: chairside_domain::DeviceId = head.device_id.parse().unwrap();
        let (records, _) = relay
            .storage
            .pull(clinic_id, &head.device_id, 0, chairside_protocol::MAX_PAGE)
            .unwrap();
        for record in &records {
            total += 1;
            if let Ok(set) = chairside_sync::seal::open(key, clinic_id, device, record) {
                opened += 1;
                found |= format!("{set:?}").contains(needle);
            }
        }
    }
    (opened, found, total)
}

#[test]
fn revoking_a_pc_renews_the_data_key_so_it_cannot_read_what_the_clinic_writes_next() {
    use chairside_sync::enroll::{recover, renew_recovery};
    let (tmp, relay, mut a, mut b) = two_pcs();
    let mut c = join(&a, &tmp.path().join("c"), &relay);
    // A PC that joined but has not synced yet: the renewal cannot know its box key.
    let mut late = join(&a, &tmp.path().join("late"), &relay);
    add_patient(&mut a, "Avant", "+213555000501");
    let before = fake_radiograph(300_000);
    let before = a.write(|w| w.put_blob(&before[..], "image/png")).unwrap();
    for pc in [&mut a, &mut b, &mut c] {
        run(pc, &relay).unwrap();
    }
    let old_key = identity(&c, false).unwrap().key;
    let clinic_id = identity(&a, false).unwrap().clinic_id;

    // The owner revokes C; the renewal of the recovery key renews the data key with it.
    let owner = identity(&a, false).unwrap();
    let c_id = c.device_id().to_string();
    relay.revoke(&owner.credential, &c_id).unwrap();
    a.write(|w| w.mark_device_revoked(&c_id)).unwrap();
    let sheet = renew_recovery(&mut a, &relay).unwrap().to_string();
    let owner = identity(&a, false).unwrap();
    assert_eq!(owner.keys.current_epoch(), 1);
    assert_ne!(owner.key.to_hex().as_str(), old_key.to_hex().as_str());
    assert!(owner.keys.get(0).is_some(), "the old key is kept for what it sealed");
    assert!(sheet.contains(&chairside_sync::enroll::printable_recovery_key(&a, &owner).unwrap().to_string()));

    // What the clinic writes from now on: a file, a new patient, on A; B takes the new key at
    // its next sync and reads them, old and new.
    add_patient(&mut a, "Apres", "+213555000502");
    let after = fake_radiograph(200_000);
    let after = a.write(|w| w.put_blob(&after[..], "image/png")).unwrap();
    run(&mut a, &relay).unwrap();
    run(&mut b, &relay).unwrap();
    assert_eq!(identity(&b, false).unwrap().keys.current_epoch(), 1);
    assert_eq!(patients_of(&b).len(), 2);
    for blob in [&before, &after] {
        chairside_sync::fetch_blob(&b, &relay, &blob.sha256).unwrap();
        assert!(b.read_blob(&blob.sha256).unwrap().is_some());
    }
    add_patient(&mut b, "Ensuite", "+213555000503");
    run(&mut b, &relay).unwrap();
    let report = run(&mut a, &relay).unwrap();
    assert!(report.checksums_match);
    assert_eq!(patients_of(&a).len(), 3);

    // C is refused at the relay, and a copy of the relay's storage in its hands reads what was
    // written before the renewal, nothing since.
    assert!(run(&mut c, &relay).unwrap_err().to_string().contains("revoked"));
    let (opened, found, total) = readable_at_relay(&relay, &clinic_id, &old_key, "Apres");
    assert!(!found, "the patient written after the renewal opens under the old key");
    assert!(opened > 0 && opened < total, "{opened} of {total} records open under the old key");
    let (_, found, _) = readable_at_relay(&relay, &clinic_id, &old_key, "Avant");
    assert!(found, "what was written before stays readable with the key of its time");
    let (opened_new, found, _) = readable_at_relay(&relay, &clinic_id, &owner.key, "Ensuite");
    assert!(found && opened_new + opened == total, "every record opens under one key or the other");
    // The files too: the one stored before opens under the old key, the one since does not.
    let b_me = identity(&b, false).unwrap();
    let old_ring = chairside_sync::KeyRing::first(old_key.clone());
    for (blob, readable) in [(&before, true), (&after, false)] {
        let name = chairside_sync::blobs::relay_name(b_me.keys.naming_key(), &blob.sha256);
        let sealed = relay.get_blob_chunk(&b_me.credential, &name, 0).unwrap();
        let count = blob.chunk_count();
        let opens = |ring: &chairside_sync::KeyRing| {
            chairside_sync::blobs::open_chunk_with_ring(ring, &clinic_id, &name, 0, count, &sealed)
                .is_some()
        };
        assert_eq!(opens(&old_ring), readable);
        assert!(opens(&b_me.keys));
    }

    // The PC that never synced: the owner's PC names it as waiting for the key (its device
    // row came with its enrollment)...
    let late_id = late.device_id().to_string();
    let waiting = |store: &Store| {
        let me = identity(store, false).unwrap();
        chairside_sync::keys::pcs_without_current_key(store, &relay, &me).unwrap()
    };
    a.write(|w| w.save_device(&late_id, "Accueil", 1)).unwrap();
    assert_eq!(waiting(&a), vec![late_id.clone()]);
    // ...its first sync sends its changes, says the key is not shared with it yet, and receives
    // nothing; once another PC synced, it reads everything.
    add_patient(&mut late, "Tardif", "+213555000504");
    let err = run(&mut late, &relay).unwrap_err();
    assert!(matches!(err, SyncError::KeyNotShared), "{err}");
    assert_eq!(patients_of(&late).len(), 1, "nothing received");
    run(&mut b, &relay).unwrap();
    assert_eq!(patients_of(&b).len(), 4, "its changes were sent");
    let report = run(&mut late, &relay).unwrap();
    assert!(report.checksums_match);
    assert_eq!(patients_of(&late).len(), 4);
    assert_eq!(identity(&late, false).unwrap().keys.current_epoch(), 1);
    assert!(waiting(&a).is_empty(), "every PC not revoked holds the key");

    // A PC enrolled after the renewal receives every key; one restored from the new sheet
    // (which holds the current key only) receives the older ones from the relay.
    let mut newcomer = join(&a, &tmp.path().join("newcomer"), &relay);
    assert!(run(&mut newcomer, &relay).unwrap().checksums_match);
    assert_eq!(patients_of(&newcomer).len(), 4);
    let mut restored = new_store(&tmp.path().join("restored"));
    let me = recover(&restored, &relay, "local", &sheet).unwrap();
    assert_eq!(me.keys.current_epoch(), 1);
    assert!(sync(&mut restored, &relay, &me).unwrap().checksums_match);
    assert_eq!(patients_of(&restored).len(), 4);
    chairside_sync::fetch_blob(&restored, &relay, &before.sha256).unwrap();
    assert!(restored.read_blob(&before.sha256).unwrap().is_some());

    // A second renewal on another PC: the owner's PC takes it at its next sync.
    renew_recovery(&mut b, &relay).unwrap();
    run(&mut b, &relay).unwrap();
    add_patient(&mut b, "Troisieme", "+213555000505");
    run(&mut b, &relay).unwrap();
    assert!(run(&mut a, &relay).unwrap().checksums_match);
    assert_eq!(identity(&a, false).unwrap().keys.current_epoch(), 2);
    assert_eq!(patients_of(&a).len(), 5);
}

#[test]
fn a_pc_that_missed_a_renewal_rejoins_a_new_relay_with_a_pairing_code_keeping_its_changes() {
    use chairside_sync::enroll::{approve, invite, pending, rejoin, renew_recovery, request_rejoin};
    let (tmp, relay, mut a, mut b) = two_pcs();
    let mut c = join(&a, &tmp.path().join("c"), &relay);
    for pc in [&mut a, &mut b, &mut c] {
        run(pc, &relay).unwrap();
    }
    // C is away: what its desk types waits there. Meanwhile the owner renews the recovery key
    // (and so the data key), and B syncs; then the relay loses everything.
    add_patient(&mut c, "Isolee", "+213555000601");
    renew_recovery(&mut a, &relay).unwrap();
    add_patient(&mut a, "Nouvelle", "+213555000602");
    run(&mut a, &relay).unwrap();
    run(&mut b, &relay).unwrap();
    let relay = super::new_relay(&tmp.path().join("relay-after-loss"));
    rejoin(&a, &relay, "local").unwrap();
    run(&mut a, &relay).unwrap();
    rejoin(&b, &relay, "local").unwrap();
    run(&mut b, &relay).unwrap();

    // C's recovery proof is the old one: the relay does not take it.
    let err = rejoin(&c, &relay, "local").unwrap_err();
    assert!(matches!(err, SyncError::ProofRefused { .. }), "{err}");
    assert!(err.to_string().contains("--rejoin --code"), "{err}");
    // With a pairing code from the owner's PC it asks to join, keeping what it holds; the owner
    // compares fingerprints and approves; its next sync sends its changes and reads the rest.
    let owner = identity(&a, false).unwrap();
    let (code, _) = invite(&relay, &owner, now_ms()).unwrap();
    let shown_on_c = request_rejoin(&c, &relay, "local", &code, "PC 3").unwrap();
    assert!(matches!(run(&mut c, &relay), Err(SyncError::WaitingForApproval)));
    let waiting = pending(&relay, &owner).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].fingerprint, shown_on_c);
    approve(&relay, &owner, &waiting[0].device_id).unwrap();
    let report = run(&mut c, &relay).unwrap();
    assert!(report.checksums_match);
    assert_eq!(identity(&c, false).unwrap().keys.current_epoch(), 1);
    assert_eq!(patients_of(&c).len(), 2, "it reads what was written under the new key");
    run(&mut a, &relay).unwrap();
    let names: Vec<String> = patients_of(&a).into_iter().map(|p| p.1).collect();
    assert!(names.iter().any(|n| n.eq_ignore_ascii_case("isolee")), "{names:?}");

    // A PC the relay knows otherwise than by a carried log (here an active one) takes no
    // credential by code, whichever clinic's code it is; nothing changes on the PC.
    let tmp2 = tempfile::tempdir().unwrap();
    let mut stranger = first_device(&tmp2.path().join("s"));
    run(&mut stranger, &relay).unwrap();
    let other_owner = identity(&stranger, false).unwrap();
    let (foreign, _) = invite(&relay, &other_owner, now_ms()).unwrap();
    let mut d = join(&a, &tmp.path().join("d"), &relay);
    run(&mut d, &relay).unwrap();
    let err = request_rejoin(&d, &relay, "local", &foreign, "PC 4").unwrap_err();
    assert!(err.to_string().contains("already known"), "{err}");
    assert!(run(&mut d, &relay).unwrap().checksums_match, "it syncs as before");
}

/// A PC measures its clock against the relay's at every sync and tells the relay when it
/// changed, so that the owner's report can name it: two hours ahead, then set right; each PC
/// keeps what the relay said of every PC, for its device list. A relay older than the report
/// hears nothing, and the PC still knows its own offset.
#[test]
fn a_pc_whose_clock_is_off_measures_it_and_the_relay_keeps_it_for_the_owner() {
    let (_tmp, relay, mut a, mut b) = two_pcs();
    let a_id = a.device_id().to_string();
    let clinic = identity(&a, false).unwrap().clinic_id;
    let kept = |relay: &LocalRelay, id: &str| {
        relay
            .storage
            .heads(&clinic)
            .unwrap()
            .into_iter()
            .find(|d| d.device_id == id)
            .unwrap()
            .clock_offset_ms
    };
    let hours = |ms: i64| ms as f64 / 3_600_000.0;
    let near = |got: Option<i64>, want: i64| {
        got.is_some_and(|g| (g - want).abs() < 5_000)
    };

    // A's clock runs two hours ahead of the relay's.
    relay.clock_ahead_ms.set(-2 * 3_600_000);
    let report = run(&mut a, &relay).unwrap();
    assert!(near(report.clock_offset_ms, 2 * 3_600_000), "{report:?}");
    assert!(chairside_sync::clock::is_off(report.clock_offset_ms.unwrap()));
    assert!(near(kept(&relay, &a_id), 2 * 3_600_000), "{:?}", kept(&relay, &a_id).map(hours));
    // B's clock runs as A's, and says so too.
    let report = run(&mut b, &relay).unwrap();
    assert!(near(report.clock_offset_ms, 2 * 3_600_000));
    // A keeps what the relay said of each PC at its sync, for the device list: its own clock as
    // it measured it, B's as B told the relay (the last contacts are the HTTP layer's).
    run(&mut a, &relay).unwrap();
    let contacts = chairside_sync::contacts::known(&a).unwrap();
    let b_id = b.device_id().to_string();
    assert_eq!(contacts.len(), 2, "{contacts:?}");
    assert!(near(contacts[&a_id].clock_offset_ms, 2 * 3_600_000), "{contacts:?}");
    assert!(near(contacts[&b_id].clock_offset_ms, 2 * 3_600_000), "{contacts:?}");
    // The relay's clock set right (B's and A's are then right).
    relay.clock_ahead_ms.set(0);
    let report = run(&mut b, &relay).unwrap();
    assert!(near(report.clock_offset_ms, 0), "{report:?}");
    assert!(!chairside_sync::clock::is_off(report.clock_offset_ms.unwrap()));
    assert!(near(kept(&relay, &b.device_id().to_string()), 0));

    // A set right: its next sync tells the relay, which forgets the two hours.
    let report = run(&mut a, &relay).unwrap();
    assert!(near(report.clock_offset_ms, 0));
    assert!(near(kept(&relay, &a_id), 0), "{:?}", kept(&relay, &a_id));
    let contacts = chairside_sync::contacts::known(&a).unwrap();
    assert!(near(contacts[&a_id].clock_offset_ms, 0));
    assert!(near(contacts[&b_id].clock_offset_ms, 0), "B told it since: {contacts:?}");

    // A relay that refuses the report: the sync goes on all the same.
    relay.refuse_clock_reports.set(true);
    relay.clock_ahead_ms.set(-3_600_000);
    let report = run(&mut a, &relay).unwrap();
    assert!(near(report.clock_offset_ms, 3_600_000));
    assert!(near(kept(&relay, &a_id), 0));
    relay.refuse_clock_reports.set(false);

    // A relay older than the report: the PC measures, and tells nothing.
    relay
        .features
        .borrow_mut()
        .retain(|f| f != chairside_protocol::feature::CLOCK_REPORT);
    relay.clock_ahead_ms.set(-3_600_000);
    let report = run(&mut a, &relay).unwrap();
    assert!(near(report.clock_offset_ms, 3_600_000));
    assert!(near(kept(&relay, &a_id), 0));
}
