//! Fuzzing of the sync client against a relay that lies: every reply of a real relay (its
//! storage, in process) can be altered before the client reads it — heads moved, checksums and
//! revisions changed, streams added, dropped or named with garbage, records dropped, duplicated,
//! reordered, renumbered, bit-flipped or attributed to another device, pages longer than asked,
//! push and rewrite replies that contradict the relay, blob listings and statuses that make no
//! sense, errors with codes no relay sends.
//!
//! The relay is a server outside the PC: its bytes are untrusted input. Whatever it says,
//! * no sync panics, and each ends after a bounded number of requests (no loop on a lie);
//! * nothing that is not one of the clinic's genuine change sets is applied: the second PC's
//!   patients are always a subset of the first's, field for field, and a file fetched is the
//!   file stored;
//! * once the relay is honest again, two syncs each bring both PCs level, checksums matching:
//!   a lie leaves no state behind that blocks the sync for good;
//! * during an enrollment (pending keys flipped or cut, approvals flipped, replaced or withheld)
//!   a new PC ends with the clinic's own key or with none, never another.
//!
//! (`cargo fuzz` needs a nightly toolchain, which this project cannot use; proptest drives the
//! lies, with shrinking. `PROPTEST_CASES` raises the count for a longer run.)

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use chairside_domain::EntityId;
use chairside_protocol::{
    BlobList, BlobStatus, BoxKeyAnnouncement, Bytes, ClinicKeys, EnrollmentStatus, ErrorBody,
    Heads, MoveNotice, PendingEnrollments, PullResponse, PushResponse, Record, RecoveryState,
    RenewRecoveryRequest, RewriteResponse, ShareKeysRequest,
};
use chairside_store::Store;
use chairside_store::patients::{self, PatientRow};
use chairside_sync::{DeviceCredential, SyncError, Transport};
use common::*;
use proptest::prelude::*;

/// More requests than this in one sync of these few records is a loop on a lie.
const MAX_REQUESTS_PER_SYNC: u32 = 500;

/// One alteration, applied to the next reply: `kind` picks what is changed (read modulo the
/// number of ways that kind of reply can be changed), `a` and `b` are its free values (an index,
/// a new number, a byte), taken at their extremes too.
#[derive(Clone, Copy, Debug)]
struct Lie {
    kind: u8,
    a: u64,
    b: u64,
}

fn lie() -> impl Strategy<Value = Lie> {
    let value = prop_oneof![
        0..8u64,
        Just(u64::MAX),
        Just(i64::MAX as u64),
        Just(i64::MIN as u64),
        any::<u64>(),
    ];
    (any::<u8>(), value.clone(), value).prop_map(|(kind, a, b)| Lie { kind, a, b })
}

/// A request's outcome before the client sees it: honest, altered, or replaced by an error.
struct Liar<'a> {
    honest: &'a LocalRelay,
    /// `None` in a lie's place: the reply passes unaltered.
    lies: RefCell<VecDeque<Option<Lie>>>,
    requests: Cell<u32>,
}

impl<'a> Liar<'a> {
    fn new(honest: &'a LocalRelay, lies: &[Option<Lie>]) -> Self {
        Self {
            honest,
            lies: RefCell::new(lies.iter().copied().collect()),
            requests: Cell::new(0),
        }
    }

    fn next_lie(&self) -> Option<Lie> {
        let n = self.requests.get() + 1;
        self.requests.set(n);
        assert!(
            n <= MAX_REQUESTS_PER_SYNC,
            "the client made {n} requests in one sync: it loops on a lie"
        );
        self.lies.borrow_mut().pop_front().flatten()
    }

    /// Every reply goes through here: honest, or an error no relay would send, or altered.
    fn reply<T>(
        &self,
        honest: Result<T, SyncError>,
        alter: impl FnOnce(&mut T, Lie),
    ) -> Result<T, SyncError> {
        let Some(lie) = self.next_lie() else {
            return honest;
        };
        if lie.kind % 16 == 0 {
            // An error instead of the reply, after the relay acted (or not).
            return Err(match lie.a % 5 {
                0 => SyncError::Unreachable {
                    url: "liar".into(),
                    reason: "connection reset".into(),
                },
                1 => SyncError::Relay(ErrorBody {
                    code: "no_such_code_ever".into(),
                    message: "\u{0}\u{ffff}".into(),
                }),
                // No room, whether or not the relay kept what it was sent: a file refused so
                // waits here, and the sync goes on.
                2 => SyncError::Relay(ErrorBody {
                    code: chairside_protocol::code::QUOTA_EXCEEDED.into(),
                    message: "this clinic keeps 50 GB of files".into(),
                }),
                3 => SyncError::Relay(ErrorBody {
                    code: chairside_protocol::code::STORAGE_FULL.into(),
                    message: String::new(),
                }),
                _ => SyncError::Relay(ErrorBody {
                    code: chairside_protocol::code::INTERNAL.into(),
                    message: String::new(),
                }),
            });
        }
        let mut value = honest?;
        alter(&mut value, lie);
        Ok(value)
    }
}

fn pick<T>(items: &[T], at: u64) -> Option<usize> {
    (!items.is_empty()).then(|| (at % items.len() as u64) as usize)
}

fn garbage_name(seed: u64) -> String {
    match seed % 4 {
        0 => String::new(),
        1 => "../../etc/passwd".into(),
        2 => EntityId::new().to_string(),
        _ => format!("{seed:x}{}", "é".repeat((seed % 50) as usize)),
    }
}

fn garbage_checksum(seed: u64) -> String {
    match seed % 3 {
        0 => String::new(),
        1 => "zz".repeat(32),
        _ => format!("{seed:064x}"),
    }
}

fn alter_heads(heads: &mut Heads, lie: Lie) {
    let at = pick(&heads.devices, lie.a);
    match (lie.kind / 16) % 11 {
        0 => at
            .into_iter()
            .for_each(|i| heads.devices[i].head = lie.b as i64),
        1 => at.into_iter().for_each(|i| {
            heads.devices[i].head = heads.devices[i].head.saturating_add((lie.b % 5) as i64 - 2)
        }),
        2 => at
            .into_iter()
            .for_each(|i| heads.devices[i].checksum = garbage_checksum(lie.b)),
        3 => at
            .into_iter()
            .for_each(|i| heads.devices[i].revision = lie.b as i64),
        4 => {
            let mut stranger =
                heads
                    .devices
                    .first()
                    .cloned()
                    .unwrap_or(chairside_protocol::DeviceHead {
                        device_id: String::new(),
                        head: 0,
                        checksum: String::new(),
                        last_seen_ms: 0,
                        revoked: false,
                        revision: 0,
                        file_refused_ms: 0,
                        clock_offset_ms: None,
                    });
            stranger.device_id = garbage_name(lie.b);
            stranger.head = lie.a as i64;
            heads.devices.push(stranger);
        }
        5 => {
            if let Some(i) = at {
                heads.devices.remove(i);
            }
        }
        6 => {
            if let Some(i) = at {
                let twin = heads.devices[i].clone();
                heads.devices.push(twin);
            }
        }
        7 => heads.blob_folder = Some(garbage_name(lie.b)),
        // A move notice the relay made up: it cannot seal one under the clinic key.
        8 => heads.moved = Some(Bytes(garbage_name(lie.b).into_bytes())),
        // Any time, and any clock offset kept for a PC (the extremes included).
        9 => {
            heads.server_time_ms = lie.b as i64;
            let kept = [None, Some(i64::MIN), Some(i64::MAX), Some(lie.a as i64)];
            at.into_iter().for_each(|i| {
                heads.devices[i].clock_offset_ms = kept[(lie.b % 4) as usize];
            });
        }
        _ => heads.features.retain(|_| lie.b.is_multiple_of(2)),
    }
}

fn alter_pull(page: &mut PullResponse, lie: Lie) {
    let at = pick(&page.records, lie.a);
    match (lie.kind / 16) % 9 {
        0 => {
            if let Some(i) = at {
                page.records.remove(i);
            }
        }
        1 => {
            if let Some(i) = at {
                let twin = page.records[i].clone();
                page.records.push(twin);
            }
        }
        2 => page.records.reverse(),
        3 => at
            .into_iter()
            .for_each(|i| page.records[i].idx = lie.b as i64),
        4 => at.into_iter().for_each(|i| {
            let bytes = &mut page.records[i].ciphertext.0;
            if !bytes.is_empty() {
                let n = bytes.len();
                bytes[(lie.b as usize) % n] ^= 1 << (lie.b % 8);
            }
        }),
        5 => at.into_iter().for_each(|i| {
            page.records[i].nonce.0.truncate((lie.b % 30) as usize);
        }),
        6 => at
            .into_iter()
            .for_each(|i| page.records[i].device_id = garbage_name(lie.b)),
        7 => page.head = lie.b as i64,
        _ => page.records.truncate((lie.b % 3) as usize),
    }
}

fn alter_push(reply: &mut PushResponse, lie: Lie) {
    match (lie.kind / 16) % 3 {
        0 => reply.head = lie.b as i64,
        1 => reply.checksum = garbage_checksum(lie.b),
        _ => reply.head = reply.head.saturating_sub(1),
    }
}

fn alter_rewrite(reply: &mut RewriteResponse, lie: Lie) {
    match (lie.kind / 16) % 4 {
        0 => reply.head = lie.b as i64,
        1 => reply.checksum = garbage_checksum(lie.b),
        2 => reply.revision = lie.b as i64,
        _ => reply.replaced = lie.b as u32,
    }
}

fn alter_status(status: &mut BlobStatus, lie: Lie) {
    match (lie.kind / 16) % 4 {
        0 => status.count = Some(lie.b as u32),
        1 => status.present.push(lie.b as u32),
        2 => status.present.clear(),
        _ => status.count = None,
    }
}

fn alter_list(list: &mut BlobList, lie: Lie) {
    match (lie.kind / 16) % 4 {
        0 => list.complete.clear(),
        1 => list.complete.push(garbage_name(lie.b)),
        2 => list.next_after = Some(garbage_name(lie.b)),
        _ => list.complete.reverse(),
    }
}

fn alter_chunk(chunk: &mut Vec<u8>, lie: Lie) {
    match (lie.kind / 16) % 3 {
        0 => chunk.truncate((lie.b as usize) % (chunk.len() + 1)),
        1 => {
            if !chunk.is_empty() {
                let n = chunk.len();
                chunk[(lie.b as usize) % n] ^= 0x80;
            }
        }
        _ => chunk.extend_from_slice(&lie.b.to_le_bytes()),
    }
}

fn alter_pending(pending: &mut PendingEnrollments, lie: Lie) {
    let at = pick(&pending.pending, lie.a);
    match (lie.kind / 16) % 4 {
        0 => at.into_iter().for_each(|i| {
            let key = &mut pending.pending[i].public_key.0;
            if !key.is_empty() {
                let n = key.len();
                key[(lie.b as usize) % n] ^= 1;
            }
        }),
        1 => at.into_iter().for_each(|i| {
            pending.pending[i]
                .public_key
                .0
                .truncate((lie.b % 40) as usize)
        }),
        2 => at
            .into_iter()
            .for_each(|i| pending.pending[i].device_id = garbage_name(lie.b)),
        _ => pending.pending.clear(),
    }
}

fn alter_enrollment(status: &mut EnrollmentStatus, lie: Lie) {
    match (lie.kind / 16) % 3 {
        0 => {
            if let Some(sealed) = status.sealed.as_mut().filter(|s| !s.0.is_empty()) {
                let n = sealed.0.len();
                sealed.0[(lie.b as usize) % n] ^= 0x40;
            }
        }
        1 => status.sealed = Some(Bytes(lie.b.to_le_bytes().to_vec())),
        _ => status.sealed = None,
    }
}

impl Transport for Liar<'_> {
    fn register(
        &self,
        clinic_id: &str,
        credential: &DeviceCredential,
        recovery_proof: &[u8; 32],
    ) -> Result<(), SyncError> {
        self.reply(
            self.honest.register(clinic_id, credential, recovery_proof),
            |_, _| {},
        )
    }
    fn invite(
        &self,
        credential: &DeviceCredential,
        code_hash_hex: &str,
        expires_at_ms: i64,
    ) -> Result<(), SyncError> {
        self.reply(
            self.honest.invite(credential, code_hash_hex, expires_at_ms),
            |_, _| {},
        )
    }
    fn enroll(
        &self,
        code: &str,
        credential: &DeviceCredential,
        public_key: Bytes,
        device_name: &str,
    ) -> Result<String, SyncError> {
        self.reply(
            self.honest
                .enroll(code, credential, public_key, device_name),
            |id, lie| *id = garbage_name(lie.b),
        )
    }
    fn pending(&self, credential: &DeviceCredential) -> Result<PendingEnrollments, SyncError> {
        self.reply(self.honest.pending(credential), alter_pending)
    }
    fn approve(
        &self,
        credential: &DeviceCredential,
        device_id: &str,
        sealed: Bytes,
    ) -> Result<(), SyncError> {
        self.reply(
            self.honest.approve(credential, device_id, sealed),
            |_, _| {},
        )
    }
    fn enrollment(&self, credential: &DeviceCredential) -> Result<EnrollmentStatus, SyncError> {
        self.reply(self.honest.enrollment(credential), alter_enrollment)
    }
    fn revoke(&self, credential: &DeviceCredential, device_id: &str) -> Result<(), SyncError> {
        self.reply(self.honest.revoke(credential, device_id), |_, _| {})
    }
    fn recover(
        &self,
        clinic_id: &str,
        proof: &[u8; 32],
        credential: &DeviceCredential,
    ) -> Result<(), SyncError> {
        self.reply(self.honest.recover(clinic_id, proof, credential), |_, _| {})
    }
    fn recovery_state(&self, credential: &DeviceCredential) -> Result<RecoveryState, SyncError> {
        self.reply(self.honest.recovery_state(credential), |_, _| {})
    }
    fn renew_recovery(
        &self,
        credential: &DeviceCredential,
        renewal: RenewRecoveryRequest,
    ) -> Result<(), SyncError> {
        self.reply(self.honest.renew_recovery(credential, renewal), |_, _| {})
    }
    fn clinic_keys(&self, credential: &DeviceCredential) -> Result<ClinicKeys, SyncError> {
        self.reply(self.honest.clinic_keys(credential), |_, _| {})
    }
    fn announce_box_key(
        &self,
        credential: &DeviceCredential,
        announcement: BoxKeyAnnouncement,
    ) -> Result<(), SyncError> {
        self.reply(
            self.honest.announce_box_key(credential, announcement),
            |_, _| {},
        )
    }
    fn report_clock(
        &self,
        credential: &DeviceCredential,
        report: chairside_protocol::ClockReport,
    ) -> Result<(), SyncError> {
        self.reply(self.honest.report_clock(credential, report), |_, _| {})
    }
    fn share_keys(
        &self,
        credential: &DeviceCredential,
        request: ShareKeysRequest,
    ) -> Result<(), SyncError> {
        self.reply(self.honest.share_keys(credential, request), |_, _| {})
    }
    fn leave_move_notice(
        &self,
        credential: &DeviceCredential,
        notice: MoveNotice,
    ) -> Result<(), SyncError> {
        self.reply(self.honest.leave_move_notice(credential, notice), |_, _| {})
    }
    fn heads(&self, credential: &DeviceCredential) -> Result<Heads, SyncError> {
        self.reply(self.honest.heads(credential), alter_heads)
    }
    fn push(
        &self,
        credential: &DeviceCredential,
        records: Vec<Record>,
    ) -> Result<PushResponse, SyncError> {
        self.reply(self.honest.push(credential, records), alter_push)
    }
    fn carry(
        &self,
        credential: &DeviceCredential,
        records: Vec<Record>,
    ) -> Result<PushResponse, SyncError> {
        self.reply(self.honest.carry(credential, records), alter_push)
    }
    fn rewrite(
        &self,
        credential: &DeviceCredential,
        records: Vec<Record>,
    ) -> Result<RewriteResponse, SyncError> {
        self.reply(self.honest.rewrite(credential, records), alter_rewrite)
    }
    fn pull(
        &self,
        credential: &DeviceCredential,
        device_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<PullResponse, SyncError> {
        self.reply(
            self.honest.pull(credential, device_id, after, limit),
            alter_pull,
        )
    }
    fn blob_status(
        &self,
        credential: &DeviceCredential,
        name: &str,
    ) -> Result<BlobStatus, SyncError> {
        self.reply(self.honest.blob_status(credential, name), alter_status)
    }
    fn put_blob_chunk(
        &self,
        credential: &DeviceCredential,
        name: &str,
        idx: u32,
        count: u32,
        sealed: Vec<u8>,
    ) -> Result<(), SyncError> {
        self.reply(
            self.honest
                .put_blob_chunk(credential, name, idx, count, sealed),
            |_, _| {},
        )
    }
    fn get_blob_chunk(
        &self,
        credential: &DeviceCredential,
        name: &str,
        idx: u32,
    ) -> Result<Vec<u8>, SyncError> {
        self.reply(
            self.honest.get_blob_chunk(credential, name, idx),
            alter_chunk,
        )
    }
    fn delete_blob(&self, credential: &DeviceCredential, name: &str) -> Result<bool, SyncError> {
        self.reply(self.honest.delete_blob(credential, name), |held, lie| {
            *held = lie.b.is_multiple_of(2)
        })
    }
    fn list_blobs(
        &self,
        credential: &DeviceCredential,
        after: Option<&str>,
    ) -> Result<BlobList, SyncError> {
        self.reply(self.honest.list_blobs(credential, after), alter_list)
    }
}

fn patient(last: &str) -> PatientRow {
    PatientRow {
        id: EntityId::new().to_string(),
        last_name: last.into(),
        first_name: "Nadia".into(),
        birth_date: "1984-11-02".into(),
        sex: "F".into(),
        phones: vec!["+213661234567".into()],
        notes: format!("carie 36 ({last})"),
        ..PatientRow::default()
    }
}

/// Every patient of the store, as the file shows it.
fn patients_of(store: &Store) -> Vec<PatientRow> {
    let ids: Vec<String> = store
        .conn()
        .prepare("SELECT id FROM patient")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut all: Vec<PatientRow> = ids
        .iter()
        .map(|id| patients::get(store.conn(), id).unwrap().unwrap())
        .collect();
    all.sort_by(|x, y| x.id.cmp(&y.id));
    all
}

/// The outcome of a sync through the liar: any error is acceptable but a panic, even one the
/// engine caught on its merge thread.
fn survive(outcome: Result<chairside_sync::SyncReport, SyncError>) {
    match outcome {
        Err(e) => assert!(!e.to_string().contains("panicked"), "{e}"),
        // No PC left a move notice here: the relay cannot send one that opens.
        Ok(report) => assert_eq!(report.moved_to, None, "{report:?}"),
    }
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// One fuzz case: rounds of (does A write a patient first, the lies told in that round), then
/// the relay honest again.
fn play(rounds: &[(bool, Vec<Option<Lie>>)]) -> Result<(), TestCaseError> {
    let tmp = tempfile::tempdir().unwrap();
    let relay = LocalRelay::new(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    chairside_sync::sync_device(&mut a, &relay).unwrap();
    let mut b = join(&a, &tmp.path().join("b"), &relay);
    let radiograph: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let stored = a
        .write(|w| w.put_blob(&radiograph[..], "image/png"))
        .unwrap();

    for (round, (a_writes, lies)) in rounds.iter().enumerate() {
        if *a_writes {
            a.write(|w| w.insert_patient(&mut patient(&format!("Hamidi{round}"))))
                .unwrap();
        }
        let liar = Liar::new(&relay, lies);
        survive(chairside_sync::sync_device(&mut a, &liar));
        liar.requests.set(0);
        survive(chairside_sync::sync_device(&mut b, &liar));
        liar.requests.set(0);
        // A file is kept only whole and genuine.
        if chairside_sync::fetch_blob(&b, &liar, &stored.sha256).is_ok() {
            prop_assert_eq!(
                b.read_blob(&stored.sha256).unwrap(),
                Some(radiograph.clone())
            );
        }
        liar.requests.set(0);
        let _ = chairside_sync::check_files_at_relay(&a, &liar);

        // Only the clinic's genuine sets were applied: B's patients are A's, field for field.
        let genuine = patients_of(&a);
        for p in patients_of(&b) {
            prop_assert!(genuine.contains(&p), "B holds {:?}, not one of A's", p);
        }
    }

    // The relay honest again: two syncs each bring both PCs level. A file the relay claimed
    // to hold when it did not is sent by the first file check (every PC's daily one).
    for _ in 0..2 {
        chairside_sync::sync_device(&mut a, &relay).unwrap();
        chairside_sync::sync_device(&mut b, &relay).unwrap();
    }
    chairside_sync::check_files_at_relay(&a, &relay).unwrap();
    let last = chairside_sync::sync_device(&mut b, &relay).unwrap();
    prop_assert!(last.checksums_match);
    prop_assert_eq!(patients_of(&a), patients_of(&b));
    let fetched = chairside_sync::fetch_blob(&b, &relay, &stored.sha256);
    prop_assert!(fetched.is_ok(), "{:?}", fetched.err());
    prop_assert_eq!(b.read_blob(&stored.sha256).unwrap(), Some(radiograph));
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_lying_relay_neither_crashes_a_pc_nor_gets_anything_applied(
        rounds in prop::collection::vec(
            (any::<bool>(), prop::collection::vec(prop::option::weighted(0.4, lie()), 0..40)),
            1..5,
        ),
    ) {
        play(&rounds)?;
    }
}

proptest! {
    #![proptest_config(config())]

    /// Enrollment through a lying relay: the pairing code, the request, the owner's list of
    /// pending PCs (public keys flipped or cut, ids garbled, the list emptied) and the sealed
    /// approval (bit-flipped, replaced, withheld). The new PC either ends with the clinic's own
    /// key and id, or without any: never with another key. Once the relay is honest, a PC whose
    /// request reached it completes its enrollment when the owner approves again.
    #[test]
    fn a_lying_relay_during_enrollment_never_hands_a_pc_a_wrong_key(
        lies in prop::collection::vec(prop::option::weighted(0.5, lie()), 0..12),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let relay = LocalRelay::new(tmp.path());
        let mut owner_pc = first_device(&tmp.path().join("a"));
        chairside_sync::sync_device(&mut owner_pc, &relay).unwrap();
        let owner = chairside_sync::identity(&owner_pc, false).unwrap();
        let liar = Liar::new(&relay, &lies);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let Ok((code, _)) = chairside_sync::enroll::invite(&liar, &owner, now) else {
            return Ok(());
        };
        let new_pc = new_store(&tmp.path().join("b"));
        let requested =
            chairside_sync::enroll::request(&new_pc, &liar, "local", &code, "PC 2").is_ok();
        if let Ok(pending) = chairside_sync::enroll::pending(&liar, &owner) {
            for p in pending {
                let _ = chairside_sync::enroll::approve(&liar, &owner, &p.device_id);
            }
        }
        let has_the_clinic_key = |pc: &Store| -> Result<bool, TestCaseError> {
            match chairside_sync::identity(pc, false) {
                Ok(id) => {
                    prop_assert_eq!(&id.clinic_id, &owner.clinic_id);
                    prop_assert_eq!(&*id.key.to_hex(), &*owner.key.to_hex());
                    Ok(true)
                }
                Err(_) => Ok(false),
            }
        };
        if matches!(chairside_sync::enroll::complete(&new_pc, &liar), Ok(true)) {
            prop_assert!(has_the_clinic_key(&new_pc)?);
        }
        has_the_clinic_key(&new_pc)?;

        // Honest again: the owner approves what is pending, and a PC whose request reached the
        // relay completes.
        for p in chairside_sync::enroll::pending(&relay, &owner).unwrap() {
            let _ = chairside_sync::enroll::approve(&relay, &owner, &p.device_id);
        }
        if requested && !has_the_clinic_key(&new_pc)? {
            let done = chairside_sync::enroll::complete(&new_pc, &relay);
            // An approval sealed to a key the relay flipped stays unopenable: told, not applied.
            if let Ok(done) = done {
                prop_assert_eq!(done, has_the_clinic_key(&new_pc)?);
            }
        }
    }
}

/// Found by the fuzzing above: a status claiming chunk 0 of a blob the relay does not know (no
/// chunk count) made the PC mark the file uploaded without sending it; it then reached the relay
/// only at the next daily file check.
#[test]
fn chunks_claimed_for_a_blob_the_relay_does_not_know_are_sent_all_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = LocalRelay::new(tmp.path());
    let mut a = first_device(&tmp.path().join("a"));
    chairside_sync::sync_device(&mut a, &relay).unwrap();
    let b = join(&a, &tmp.path().join("b"), &relay);
    let radiograph: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    let stored = a
        .write(|w| w.put_blob(&radiograph[..], "image/png"))
        .unwrap();
    // Request 1 is the heads; request 2 the file's status, which gains a claim on chunk 0.
    // (kind 17: not an error (17 % 16 != 0), the status alteration 1 (17 / 16): a claimed chunk.)
    let claim_chunk_0 = Lie {
        kind: 17,
        a: 0,
        b: 0,
    };
    let liar = Liar::new(&relay, &[None, Some(claim_chunk_0)]);
    let report = chairside_sync::sync_device(&mut a, &liar).unwrap();
    assert_eq!(report.blobs_sent, 1, "{report:?}");
    let mut b = b;
    chairside_sync::sync_device(&mut b, &relay).unwrap();
    chairside_sync::fetch_blob(&b, &relay, &stored.sha256).unwrap();
    assert_eq!(b.read_blob(&stored.sha256).unwrap(), Some(radiograph));
}

/// Found by the fuzzing above (CI): a push reply lost, then lies about the heads in the next
/// round left a state in which honest syncs reported a divergence for good.
#[test]
fn a_lost_push_reply_then_lying_heads_leave_nothing_that_blocks_the_sync() {
    let lie = |kind, a, b| Some(Lie { kind, a, b });
    play(&[
        (false, vec![None, None, None, lie(0, 0, 0)]),
        (
            true,
            vec![None, None, lie(65, 0, 1 << 63), lie(193, 1 << 63, 1)],
        ),
    ])
    .unwrap();
}
