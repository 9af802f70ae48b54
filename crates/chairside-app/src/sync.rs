//! Sync use cases: sync now (remembering the relay), the owner's end-of-day report, devices
//! (invite, approve, list, revoke), and joining a clinic from an empty data directory
//! (enrollment with a pairing code, recovery with the printed key).
//!
//! The engine is `chairside-sync`; this module adds permissions, the audit trail, the synced
//! device list and the DTOs. The first sync of a PC that joined a clinic runs before anyone can
//! sign in there (the staff accounts arrive with it): [`App::initial_sync`] allows exactly that
//! case, on a store that holds no clinic yet.

use std::path::Path;

use chairside_domain::Permission as P;
use chairside_store::{NewKey, Store, devices};
use chairside_sync::{HttpRelay, SyncError, enroll, setting};
use chrono::{TimeZone, Utc};

use crate::error::{ApiError, code, reason};
use crate::{
    App, AppPhase, AppStatus, ClockOff, DeviceInfo, DeviceInvite, DeviceLastSeen, DeviceRevoked,
    EndOfDayReport, FilesHeldBack, JoinClinicRequest, MoveNoticeOutcome, PendingDeviceInfo,
    RecoveryKeyShown, RejoinOutcome, RejoinRequested, RelayFileRoom, RelayRejoined,
    RestoreClinicRequest, Result, StreamReport, SyncProgress, SyncSummary, record,
};

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        ApiError::from(&e)
    }
}

impl From<&SyncError> for ApiError {
    fn from(e: &SyncError) -> Self {
        // A typed code's problem is told under its field.
        match e {
            SyncError::BadPairingCode(reason) => return ApiError::invalid("code", reason),
            SyncError::BadRecoveryKey(reason) => return ApiError::invalid("recovery_key", reason),
            _ => {}
        }
        let (code, reason) = match e {
            SyncError::Unreachable { .. } => (code::SYNC_UNREACHABLE, None),
            SyncError::RelayNotTrusted { .. } => {
                (code::SYNC_NOT_READY, Some(reason::RELAY_NOT_TRUSTED))
            }
            SyncError::Relay(body) if body.code == chairside_sync::relay_code::REVOKED => {
                (code::PERMISSION_DENIED, Some(body.code.as_str()))
            }
            SyncError::Relay(body) => (code::SYNC_REFUSED, Some(body.code.as_str())),
            SyncError::BadReply(_) => (code::SYNC_REFUSED, Some(reason::BAD_REPLY)),
            SyncError::BadRelayUrl(_)
            | SyncError::BadRecoveryKey(_)
            | SyncError::BadPairingCode(_) => (code::INVALID_INPUT, None),
            SyncError::NoRelay => (code::SYNC_NOT_READY, Some(reason::NO_RELAY)),
            SyncError::UnknownToRelay => (code::SYNC_NOT_READY, Some(reason::UNKNOWN_TO_RELAY)),
            SyncError::NoClinicKey => (code::SYNC_NOT_READY, Some(reason::NO_CLINIC_KEY)),
            SyncError::WaitingForApproval => {
                (code::SYNC_NOT_READY, Some(reason::WAITING_FOR_APPROVAL))
            }
            SyncError::BlobNotUploaded => (code::SYNC_NOT_READY, Some(reason::FILE_NOT_UPLOADED)),
            SyncError::Tampered { .. } => (code::INTEGRITY, Some(reason::TAMPERED)),
            SyncError::Diverged { .. } => (code::INTEGRITY, Some(reason::DIVERGED)),
            SyncError::TamperedBlob { .. } => (code::INTEGRITY, Some(reason::TAMPERED_FILE)),
            SyncError::NoSuchRequest(_) => (code::NOT_FOUND, None),
            SyncError::ClinicMovedAway { .. } => {
                (code::SYNC_NOT_READY, Some(reason::CLINIC_MOVED_AWAY))
            }
            SyncError::ProofRefused { .. } => (code::SYNC_REFUSED, Some(reason::PROOF_REFUSED)),
            SyncError::MoveNotFollowed { .. } => {
                (code::SYNC_REFUSED, Some(reason::MOVE_NOT_FOLLOWED))
            }
            SyncError::RecoveryRenewedElsewhere => {
                (code::CONFLICT, Some(reason::RECOVERY_RENEWED_ELSEWHERE))
            }
            SyncError::KeyNotShared => (code::SYNC_NOT_READY, Some(reason::KEY_NOT_SHARED)),
            SyncError::KeyRenewedElsewhere => (code::CONFLICT, Some(reason::KEY_RENEWED_ELSEWHERE)),
            SyncError::BadKeyShare(_) => (code::INTEGRITY, Some(reason::BAD_KEY_SHARE)),
            SyncError::RecoveryKeyOutdated => {
                (code::INVALID_INPUT, Some(reason::RECOVERY_KEY_OUTDATED))
            }
            SyncError::AlreadyInClinic => (code::ALREADY_INITIALISED, None),
            // This PC's own disk full while merging: told as such (nothing of it was kept).
            SyncError::Store(store) if store.is_disk_full() => return ApiError::disk_full(store),
            SyncError::Store(_) | SyncError::Internal(_) => (code::INTERNAL, None),
        };
        let error = ApiError::new(code, e.to_string());
        match reason {
            Some(reason) => error.because(reason),
            None => error,
        }
    }
}

/// A sync with this PC's relay ([`sync_with_relay`]); when that relay holds the clinic's notice
/// that it moved (a planned move, see [`chairside_sync::enroll::leave_move_notice`]), this PC
/// follows: it joins the new relay and syncs there, which sends it everything this PC holds, and
/// the report is that sync's. One move per sync: a notice at the new relay too is followed by
/// the next sync.
pub(crate) fn sync_device_and_files(
    store: &mut Store,
    relay: &HttpRelay,
    on_progress: chairside_sync::OnProgress<'_>,
) -> std::result::Result<chairside_sync::SyncReport, SyncError> {
    let mut report = sync_with_relay(store, relay, on_progress)?;
    let mut synced_with = relay.url().to_string();
    if let Some(to) = report.moved_to.clone() {
        let next = HttpRelay::new(&to)?;
        enroll::follow_move(store, &next, next.url())?;
        // What is told is the sync at the new relay: the one with the old relay was its
        // prelude, and adding both would count this PC's log twice.
        report = sync_with_relay(store, &next, on_progress)?;
        report.followed_to = Some(next.url().to_string());
        synced_with = next.url().to_string();
    }
    store.set_local_setting(setting::LAST_SYNCED_RELAY, &synced_with)?;
    Ok(report)
}

/// A sync, then a pass over the erased patients' DICOM files this PC holds (an erasure merged by
/// the sync queues them, see [`crate::gdpr::remove_identity_from_files`]); when the pass
/// rewrote any, a second sync sends the copies and deletes the old files at the relay.
fn sync_with_relay(
    store: &mut Store,
    relay: &dyn chairside_sync::Transport,
    on_progress: chairside_sync::OnProgress<'_>,
) -> std::result::Result<chairside_sync::SyncReport, SyncError> {
    let mut report = chairside_sync::sync_device_reporting(store, relay, on_progress)?;
    // Files of a patient erased here that this PC lacks: fetched now. One not at the relay yet
    // (its PC has not synced since the import) waits for the next sync, or for that PC.
    // A copy the relay holds damaged is told when someone opens the image, not here: the
    // sync goes on.
    // (A file already here costs nothing: `fetch_blob` returns at once.)
    for queued in chairside_store::images::identity_queue(store.conn())? {
        if queued.fetch {
            match chairside_sync::fetch_blob(store, relay, &queued.blob_sha256) {
                Err(e) if e.is_transient() => return Err(e),
                _ => {}
            }
        }
    }
    let pass = crate::gdpr::remove_identity_from_files(store)?;
    if pass.rewritten > 0 {
        report.absorb(chairside_sync::sync_device_reporting(
            store,
            relay,
            on_progress,
        )?);
    }
    // Once a day every PC checks that the relay still holds its files, not only the owner's at
    // the end of the day: an operatory's radiographs are on the operatory's PC. Those the relay
    // lost are sent again, and counted as sent.
    if files_check_due(store)? {
        match check_files(store, relay) {
            Ok(files) => {
                report.blobs_sent += files.sent_again;
                report.blob_bytes_sent += files.bytes;
                if report.files_held_back.is_none() {
                    report.files_held_back = files.held_back;
                }
            }
            Err(e) if e.is_transient() => return Err(e),
            // A refusal is told by the owner's end-of-day check, which makes the same request;
            // the day's sync itself went through.
            Err(_) => {}
        }
    }
    // The radiographs of the patients booked today and tomorrow, fetched ahead: they open at
    // once at the chair, and with the network down. Best effort, a few megabytes per sync (the
    // next sync goes on where this one stopped); the day's sync went through whatever happens.
    if let Ok(prefetched) = prefetch_booked_images(store, relay) {
        report.files_prefetched += prefetched.files;
        report.file_bytes_prefetched += prefetched.bytes;
    }
    Ok(report)
}

/// Chunks (1 MiB each) fetched ahead per sync, at most: on a slow clinic line (2 Mbit/s) about a
/// minute, so a booking made at the front desk still reaches the chair within a sync or two.
const PREFETCH_CHUNKS_PER_SYNC: u32 = 16;

/// Fetches, within [`PREFETCH_CHUNKS_PER_SYNC`], the files of the images of the patients booked
/// from today to the end of tomorrow, in the clinic's time zone, that this PC lacks.
fn prefetch_booked_images(
    store: &Store,
    relay: &dyn chairside_sync::Transport,
) -> std::result::Result<chairside_sync::blobs::Prefetched, SyncError> {
    let Some(clinic) = chairside_store::clinic::get(store.conn())? else {
        return Ok(Default::default());
    };
    let today = Utc::now()
        .with_timezone(&clinic.settings.timezone)
        .date_naive();
    let after_tomorrow = today + chrono::Days::new(2);
    let files = chairside_store::images::to_prefetch(
        store.conn(),
        &format!("{today}T00:00"),
        &format!("{after_tomorrow}T00:00"),
    )?;
    if files.is_empty() {
        return Ok(Default::default());
    }
    chairside_sync::prefetch_blobs(store, relay, &files, PREFETCH_CHUNKS_PER_SYNC)
}

/// How often a PC checks its files at the relay in its ordinary syncs: every 20 hours, or
/// `CHAIRSIDE_FILES_CHECK_HOURS` (0: at every sync; for tests and for a PC whose relay is
/// doubted).
fn files_check_interval_ms() -> i64 {
    let hours = std::env::var("CHAIRSIDE_FILES_CHECK_HOURS")
        .ok()
        .and_then(|h| h.trim().parse::<i64>().ok())
        .filter(|h| *h >= 0)
        .unwrap_or(20);
    hours.saturating_mul(3_600_000)
}

fn files_check_due(store: &Store) -> std::result::Result<bool, SyncError> {
    let last: i64 = store
        .local_setting(setting::FILES_CHECKED_AT)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Ok(now_ms().saturating_sub(last) >= files_check_interval_ms())
}

/// Checks this PC's files at the relay (sending again those it lost) and remembers when.
pub(crate) fn check_files(
    store: &Store,
    relay: &dyn chairside_sync::Transport,
) -> std::result::Result<chairside_sync::blobs::FilesAtRelay, SyncError> {
    let files = chairside_sync::check_files_at_relay(store, relay)?;
    store.set_local_setting(setting::FILES_CHECKED_AT, &now_ms().to_string())?;
    Ok(files)
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The relay to use: the one given (remembered for next time), else the remembered one.
fn relay_for(store: &Store, given: Option<&str>) -> Result<HttpRelay> {
    match given.map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => {
            let relay = HttpRelay::new(url)?;
            store.set_local_setting(setting::RELAY_URL, relay.url())?;
            Ok(relay)
        }
        None => match store.local_setting(setting::RELAY_URL)? {
            Some(url) if !url.is_empty() => Ok(HttpRelay::new(&url)?),
            _ => Err(SyncError::NoRelay.into()),
        },
    }
}

/// Files the relay had no room for, as the UI words them.
pub(crate) fn held_back(files: &chairside_sync::blobs::FilesHeldBack) -> FilesHeldBack {
    FilesHeldBack {
        reason: files.refusal.code.clone(),
        waiting: files.waiting as u32,
        detail: files.refusal.message.clone(),
    }
}

/// From this share of its quota on, the clinic's space at the relay is told as nearly full: a
/// day's radiographs (a few hundred megabytes in a busy practice) still fit, and the owner has
/// time to ask for more before a file is refused.
const NEARLY_FULL_PERCENT: u128 = 90;

/// Whether `used` bytes of a `quota` are nearly all of it (see [`NEARLY_FULL_PERCENT`]).
fn nearly_full(used: u64, quota: u64) -> bool {
    u128::from(used) * 100 >= u128::from(quota) * NEARLY_FULL_PERCENT
}

/// A sync authorised by [`App::begin_sync`], to be finished by [`App::finish_sync`].
#[derive(Debug)]
pub struct SyncTicket {
    user_id: String,
    relay_url: String,
    started_ms: i64,
}

impl App {
    /// Syncs with the relay now (given, or the remembered one), on the app's own connection:
    /// for the command line. The desktop runs the same three steps with the sync itself on its
    /// [`crate::background::SyncAgent`], so the app is not held during the network exchange.
    pub fn sync_now(&mut self, relay_url: Option<&str>) -> Result<SyncSummary> {
        self.sync_now_reporting(relay_url, &|_| {})
    }

    /// [`App::sync_now`], telling its progress as it goes (the command line shows it on a
    /// terminal).
    pub fn sync_now_reporting(
        &mut self,
        relay_url: Option<&str>,
        on_progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<SyncSummary> {
        let ticket = self.begin_sync(relay_url)?;
        let on_progress = |p: chairside_sync::Progress| on_progress(p.into());
        let outcome = match HttpRelay::new(&ticket.relay_url) {
            Ok(relay) => sync_device_and_files(self.store_mut()?, &relay, &on_progress),
            Err(e) => Err(e),
        };
        self.finish_sync(ticket, outcome)
    }

    /// Checks that the signed-in person may sync, remembers the relay given, and makes sure this
    /// PC is in the clinic's device list. Then sync, and hand the outcome to [`App::finish_sync`].
    pub fn begin_sync(&mut self, relay_url: Option<&str>) -> Result<SyncTicket> {
        let session = self.authorize(P::RunSync, "sync.run")?;
        let relay = relay_for(self.store()?, relay_url)?;
        // This PC appears in the clinic's device list from its first sync on.
        self.record_own_device()?;
        Ok(SyncTicket {
            user_id: session.user_id.to_string(),
            relay_url: relay.url().to_string(),
            started_ms: now_ms(),
        })
    }

    /// Audits a sync started with [`App::begin_sync`] and summarises it.
    pub fn finish_sync(
        &mut self,
        ticket: SyncTicket,
        outcome: std::result::Result<chairside_sync::SyncReport, SyncError>,
    ) -> Result<SyncSummary> {
        let result = match &outcome {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("error: {e}"),
        };
        let followed = outcome.as_ref().ok().and_then(|r| r.followed_to.clone());
        self.audit_event(record(
            &ticket.user_id,
            "sync.run",
            "relay",
            &ticket.relay_url,
            &result,
            &followed
                .as_ref()
                .map(|to| format!("the clinic moved: followed it to {to}"))
                .unwrap_or_default(),
        ))?;
        let report = outcome?;
        let relay_url = followed.unwrap_or(ticket.relay_url);
        self.summary(report, &relay_url, ticket.started_ms)
    }

    /// The first sync of a PC that joined a clinic (enrollment or recovery): allowed without a
    /// session only while the store holds no clinic, since the accounts come with this sync.
    pub fn initial_sync(&mut self) -> Result<SyncSummary> {
        self.initial_sync_reporting(&|_| {})
    }

    /// [`App::initial_sync`], telling its progress as it goes: the whole clinic arrives.
    pub fn initial_sync_reporting(
        &mut self,
        on_progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<SyncSummary> {
        if chairside_store::clinic::get(self.store()?.conn())?.is_some() {
            return Err(ApiError::new(
                code::NOT_SIGNED_IN,
                "this PC already holds the clinic: sign in to sync",
            ));
        }
        let relay = relay_for(self.store()?, None)?;
        let started = now_ms();
        // As every sync: a PC restored or enrolled at a relay the clinic has left follows it.
        let on_progress = |p: chairside_sync::Progress| on_progress(p.into());
        let report = sync_device_and_files(self.store_mut()?, &relay, &on_progress)?;
        // A recovered PC is in nobody's device list yet: it adds itself (sent with its next sync).
        if self.holds_clinic()? {
            self.record_own_device()?;
        }
        let relay_url = report.followed_to.clone();
        self.summary(report, relay_url.as_deref().unwrap_or(relay.url()), started)
    }

    /// Syncs, checks that the relay still holds this PC's files (sending again those it lost),
    /// then reports what the owner checks at the end of the day.
    pub fn end_of_day(&mut self, relay_url: Option<&str>) -> Result<EndOfDayReport> {
        self.authorize(P::ViewReports, "sync.report")?;
        let summary = self.sync_now(relay_url)?;
        let relay = relay_for(self.store()?, None)?;
        let files = check_files(self.store()?, &relay)?;
        self.end_of_day_report(summary, files)
    }

    /// The end-of-day report after a sync (`summary`) and the check of the files at the relay
    /// (`files`): what waits for a person, which devices did not reach the relay today.
    pub fn end_of_day_report(
        &mut self,
        mut summary: SyncSummary,
        files: chairside_sync::blobs::FilesAtRelay,
    ) -> Result<EndOfDayReport> {
        self.authorize(P::ViewReports, "sync.report")?;
        let conn = self.store()?.conn();
        let clinic = chairside_store::clinic::get(conn)?
            .ok_or_else(|| ApiError::new(code::NOT_INITIALISED, "no clinic is set up yet"))?;
        let today = Utc::now()
            .with_timezone(&clinic.settings.timezone)
            .date_naive();
        let start_of_day = clinic
            .settings
            .timezone
            .from_local_datetime(&today.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map_or(0, |t| t.timestamp_millis());
        let (relay, me) = self.relay_and_identity()?;
        let heads = chairside_sync::Transport::heads(&relay, &me.credential)?;
        let names = device_names(self.store()?)?;
        let not_seen_since: Vec<DeviceLastSeen> = heads
            .devices
            .iter()
            .filter(|d| !d.revoked && d.last_seen_ms < start_of_day)
            .map(|d| DeviceLastSeen {
                device_name: names.name_of(&d.device_id),
                last_seen_ms: Some(d.last_seen_ms).filter(|ms| *ms > 0),
            })
            .collect();
        let not_seen_today = not_seen_since
            .iter()
            .map(|d| d.device_name.clone())
            .collect();
        let files_refused_today = heads
            .devices
            .iter()
            .filter(|d| !d.revoked && d.file_refused_ms >= start_of_day)
            .map(|d| names.name_of(&d.device_id))
            .collect();
        let clocks_off = heads
            .devices
            .iter()
            .filter(|d| !d.revoked)
            .filter_map(|d| Some((d, d.clock_offset_ms?)))
            .filter(|(_, offset)| chairside_sync::clock::is_off(*offset))
            .map(|(d, offset_ms)| ClockOff {
                device_name: names.name_of(&d.device_id),
                offset_ms,
            })
            .collect();
        let conn = self.store()?.conn();
        let conflicts_waiting = (chairside_store::duplicates::flags(conn)?.len()
            + chairside_store::conflicts::open(conn)?.len()
            + chairside_store::agenda::double_bookings(conn)?.len())
            as u32;
        let files_waiting = self.store()?.blobs_to_upload_count()? as u32;
        if summary.files_held_back.is_none() {
            summary.files_held_back = files.held_back.as_ref().map(held_back);
        }
        Ok(EndOfDayReport {
            files_sent: summary.files_sent,
            files_checked: files.listed.then_some(files.checked as u32),
            files_missing_at_relay: files.missing as u32,
            files_sent_again: files.sent_again as u32,
            files_waiting,
            summary,
            conflicts_waiting,
            devices_not_seen_today: not_seen_today,
            devices_not_seen_since: not_seen_since,
            devices_with_files_refused_today: files_refused_today,
            clocks_off,
            relay_file_room: heads.file_room.map(|room| RelayFileRoom {
                used_bytes: room.used,
                quota_bytes: room.quota,
                nearly_full: nearly_full(room.used, room.quota),
            }),
        })
    }

    fn summary(
        &self,
        report: chairside_sync::SyncReport,
        relay_url: &str,
        started_ms: i64,
    ) -> Result<SyncSummary> {
        let names = device_names(self.store()?)?;
        let mut streams: Vec<StreamReport> = report
            .heads
            .iter()
            .map(|(device, head)| StreamReport {
                device_id: device.clone(),
                device_name: names.name_of(device),
                this_device: *device == report.device_id,
                sent: if *device == report.device_id {
                    report.sent as u32
                } else {
                    0
                },
                received: report.received.get(device).copied().unwrap_or(0) as u32,
                head: *head,
            })
            .collect();
        streams.sort_by_key(|s| !s.this_device);
        Ok(SyncSummary {
            relay_url: relay_url.to_string(),
            relay_in_clear: chairside_sync::transport::secret_in_clear(relay_url),
            sent: report.sent as u32,
            received: report.received.values().sum::<u64>() as u32,
            bytes_sent: report.bytes_sent,
            bytes_received: report.bytes_received,
            files_sent: report.blobs_sent as u32,
            file_bytes_sent: report.blob_bytes_sent,
            redacted: report.redacted as u32,
            files_retired: report.blobs_retired as u32,
            files_held_back: report.files_held_back.as_ref().map(held_back),
            carried: report.carried as u32,
            checksums_match: report.checksums_match,
            followed_to: report.followed_to.clone(),
            streams,
            duration_ms: (now_ms() - started_ms).max(0) as u64,
            clock_offset_ms: report.clock_offset_ms,
            clock_off: report
                .clock_offset_ms
                .is_some_and(chairside_sync::clock::is_off),
            files_prefetched: report.files_prefetched as u32,
        })
    }

    /// The first device of a clinic records itself in the synced device list.
    fn record_own_device(&mut self) -> Result<()> {
        let store = self.store()?;
        let me = store.device_id().to_string();
        if devices::all(store.conn())?.iter().any(|d| d.id == me) {
            return Ok(());
        }
        let name = store.device_name()?;
        self.store_mut()?
            .write(|w| w.save_device(&me, &name, now_ms()))?;
        Ok(())
    }

    /// A one-time pairing code for a new PC (one hour, one use).
    pub fn device_invite(&mut self, relay_url: Option<&str>) -> Result<DeviceInvite> {
        let session = self.authorize(P::ManageDevices, "device.invite")?;
        let relay = relay_for(self.store()?, relay_url)?;
        let me = chairside_sync::identity(self.store()?, false)?;
        chairside_sync::ensure_registered(self.store()?, &relay, &me)?;
        let (code, expires_at_ms) = enroll::invite(&relay, &me, now_ms())?;
        self.audit_event(record(
            &session.user_id.to_string(),
            "device.invite",
            "device",
            "*",
            "ok",
            "",
        ))?;
        Ok(DeviceInvite {
            code,
            expires_at_ms,
            relay_url: relay.url().to_string(),
        })
    }

    /// PCs waiting for approval, with the fingerprint to compare with the new PC's screen.
    pub fn pending_devices(&mut self) -> Result<Vec<PendingDeviceInfo>> {
        self.authorize(P::ManageDevices, "device.pending")?;
        let (relay, me) = self.relay_and_identity()?;
        Ok(enroll::pending(&relay, &me)?
            .into_iter()
            .map(|p| PendingDeviceInfo {
                device_id: p.device_id,
                device_name: p.device_name,
                fingerprint: p.fingerprint,
                requested_at_ms: p.requested_at_ms,
            })
            .collect())
    }

    /// The remembered relay and this PC's sync identity, for the owner's device actions.
    fn relay_and_identity(&self) -> Result<(HttpRelay, chairside_sync::Identity)> {
        let relay = relay_for(self.store()?, None)?;
        let me = chairside_sync::identity(self.store()?, false)?;
        Ok((relay, me))
    }

    /// The waiting request of `device_id`, or [`SyncError::NoSuchRequest`].
    fn pending_request(&mut self, device_id: &str) -> Result<PendingDeviceInfo> {
        self.pending_devices()?
            .into_iter()
            .find(|p| p.device_id == device_id)
            .ok_or_else(|| SyncError::NoSuchRequest(device_id.to_string()).into())
    }

    /// Approves a waiting PC: it receives the clinic key and joins the device list.
    pub fn approve_device(&mut self, device_id: &str) -> Result<PendingDeviceInfo> {
        let session = self.authorize(P::ManageDevices, "device.approve")?;
        let pending = self.pending_request(device_id)?;
        let (relay, me) = self.relay_and_identity()?;
        enroll::approve(&relay, &me, device_id)?;
        let user = session.user_id.to_string();
        let (name, at) = (pending.device_name.clone(), now_ms());
        self.store_mut()?.write(|w| {
            w.save_device(device_id, &name, at)?;
            w.audit(record(
                &user,
                "device.approve",
                "device",
                device_id,
                "ok",
                "",
            ))?;
            Ok(())
        })?;
        Ok(pending)
    }

    /// Refuses a waiting PC (not recognised, a request given up on that PC, a fingerprint that
    /// differs): the relay revokes its request, so it never receives the clinic; it never joined,
    /// so the device list does not show it. Audited.
    pub fn refuse_device(&mut self, device_id: &str) -> Result<PendingDeviceInfo> {
        let session = self.authorize(P::ManageDevices, "device.refuse")?;
        let pending = self.pending_request(device_id)?;
        let (relay, me) = self.relay_and_identity()?;
        chairside_sync::Transport::revoke(&relay, &me.credential, device_id)?;
        let user = session.user_id.to_string();
        self.store_mut()?.write(|w| {
            w.audit(record(
                &user,
                "device.refuse",
                "device",
                device_id,
                "ok",
                "",
            ))
        })?;
        Ok(pending)
    }

    /// The clinic's devices, with when each last reached the relay and how its clock stood, as
    /// the relay said at this PC's last sync (the list opens offline).
    pub fn list_devices(&mut self) -> Result<Vec<DeviceInfo>> {
        self.authorize(P::ManageDevices, "device.list")?;
        let store = self.store()?;
        let me = store.device_id().to_string();
        let contacts = chairside_sync::contacts::known(store)?;
        Ok(devices::all(store.conn())?
            .into_iter()
            .map(|d| {
                let contact = contacts.get(&d.id).copied().unwrap_or_default();
                DeviceInfo {
                    this_device: d.id == me,
                    clock_off: !d.revoked
                        && contact
                            .clock_offset_ms
                            .is_some_and(chairside_sync::clock::is_off),
                    id: d.id,
                    name: d.name,
                    enrolled_at_ms: d.enrolled_at_ms,
                    revoked: d.revoked,
                    last_seen_ms: Some(contact.last_seen_ms).filter(|ms| *ms > 0),
                    clock_offset_ms: contact.clock_offset_ms,
                }
            })
            .collect())
    }

    /// Revokes a device: the relay refuses it at once; the list shows it revoked everywhere.
    /// Revokes a PC of the clinic (owner only). A PC that was a member holds the clinic key, from
    /// which the recovery proof derives, so the clinic's recovery key is renewed too: the
    /// revoked PC could otherwise join again as a new device. The old printed key then no longer
    /// works; the owner prints the new one. If the renewal fails (relay unreachable just then),
    /// the PC stays revoked and the error, reason `recovery_not_renewed`, says to renew the key.
    pub fn revoke_device(&mut self, device_id: &str) -> Result<DeviceRevoked> {
        let session = self.authorize(P::ManageDevices, "device.revoke")?;
        if device_id == self.store()?.device_id().to_string() {
            return Err(ApiError::invalid(
                "device_id",
                "this PC cannot revoke itself: revoke it from another owner's PC",
            ));
        }
        let (relay, me) = self.relay_and_identity()?;
        // Whether it may hold the clinic key: anything but a PC revoked already, or one whose
        // request to join is still pending (`device revoke` refuses those too). A member this
        // PC has not heard of yet (approved from another owner's PC) counts as holding it.
        let revoked_already = devices::all(self.store()?.conn())?
            .iter()
            .any(|d| d.id == device_id && d.revoked);
        let never_joined = enroll::pending(&relay, &me)?
            .iter()
            .any(|p| p.device_id == device_id);
        let held_the_key = !revoked_already && !never_joined;
        chairside_sync::Transport::revoke(&relay, &me.credential, device_id)?;
        let user = session.user_id.to_string();
        self.store_mut()?.write(|w| {
            w.mark_device_revoked(device_id)?;
            w.audit(record(
                &user,
                "device.revoke",
                "device",
                device_id,
                "ok",
                "",
            ))?;
            Ok(())
        })?;
        if !held_the_key {
            return Ok(DeviceRevoked {
                recovery_key_renewed: false,
                key_waiting_for: Vec::new(),
            });
        }
        match self.renew_recovery_as(&user, &relay) {
            Ok(_) => Ok(DeviceRevoked {
                recovery_key_renewed: true,
                key_waiting_for: self.pcs_without_current_key(&relay)?,
            }),
            Err(e) => Err(ApiError::new(
                code::CONFLICT,
                format!(
                    "the PC is revoked, but the clinic's recovery key could not be renewed ({}): \
                     renew it (Devices, recovery key) before anything else, since the revoked PC \
                     could join again with the old one",
                    e.message
                ),
            )
            .because(reason::RECOVERY_NOT_RENEWED)),
        }
    }

    /// The names of the clinic's PCs not revoked that the relay holds no share of the current
    /// data key for (see [`chairside_sync::keys::pcs_without_current_key`]). A relay that cannot
    /// be asked right after the renewal names none: the renewal itself went through.
    fn pcs_without_current_key(&self, relay: &HttpRelay) -> Result<Vec<String>> {
        let store = self.store()?;
        let me = chairside_sync::identity(store, false)?;
        let Ok(waiting) = chairside_sync::keys::pcs_without_current_key(store, relay, &me) else {
            return Ok(Vec::new());
        };
        Ok(devices::all(store.conn())?
            .into_iter()
            .filter(|d| waiting.contains(&d.id))
            .map(|d| d.name)
            .collect())
    }

    /// Renews the clinic's recovery key (owner only) and returns the new one to print: the old
    /// one stops working at once (see [`chairside_sync::enroll::renew_recovery`]). For a printed
    /// sheet that was lost or seen; revoking a PC does it on its own.
    pub fn renew_recovery_key(&mut self) -> Result<String> {
        let session = self.authorize(P::ManageDevices, "recovery.renew")?;
        let relay = relay_for(self.store()?, None)?;
        self.renew_recovery_as(&session.user_id.to_string(), &relay)
    }

    fn renew_recovery_as(&mut self, user: &str, relay: &HttpRelay) -> Result<String> {
        let key = enroll::renew_recovery(self.store_mut()?, relay)?;
        let clinic_id = self
            .store()?
            .local_setting(setting::CLINIC_ID)?
            .unwrap_or_default();
        self.audit_event(record(
            user,
            "recovery.renew",
            "clinic",
            &clinic_id,
            "ok",
            "",
        ))?;
        Ok(key.to_string())
    }

    /// Joins this PC to a relay that does not know it (owner only): the clinic moved to it, or
    /// the relay lost its data (see [`chairside_sync::enroll::rejoin`]). The relay given is
    /// remembered (else the remembered one is used); the next sync sends it everything this PC
    /// holds, the other PCs' changes included. Never done on its own: a relay that forgot the
    /// clinic on purpose answers the same as one that lost it.
    pub fn rejoin_relay(&mut self, relay_url: Option<&str>) -> Result<RelayRejoined> {
        let session = self.authorize(P::ManageDevices, "relay.rejoin")?;
        let store = self.store()?;
        // The relay the clinic leaves: the last one this PC synced with (the address remembered
        // may be the new one's already, typed for a sync it refused).
        let setting_of = |name| -> Result<Option<String>> {
            Ok(store.local_setting(name)?.filter(|u| !u.is_empty()))
        };
        let previous = match setting_of(setting::LAST_SYNCED_RELAY)? {
            Some(url) => Some(url),
            None => setting_of(setting::RELAY_URL)?,
        };
        let relay = relay_for(store, relay_url)?;
        let outcome = match enroll::rejoin(store, &relay, relay.url()) {
            Ok(enroll::Rejoined::AlreadyKnown) => RejoinOutcome::AlreadyKnown,
            Ok(enroll::Rejoined::RegisteredClinic) => RejoinOutcome::RegisteredClinic,
            Ok(enroll::Rejoined::JoinedClinic) => RejoinOutcome::JoinedClinic,
            Err(e) => {
                // Refused: this PC goes on syncing where it last did, not with the address typed.
                if let Some(previous) = &previous {
                    store.set_local_setting(setting::RELAY_URL, previous)?;
                }
                return Err(e.into());
            }
        };
        // The clinic is at this relay now: a notice that it had left it (a move away, then
        // back) is taken back, so that the PCs syncing with it stay.
        enroll::take_back_move_notice(store, &relay)?;
        // A move from another relay: it keeps the new address, sealed, for the PCs not moved.
        let left = previous.and_then(|url| HttpRelay::new(&url).ok());
        let old_relay = match left.filter(|old| old.url() != relay.url()) {
            None => MoveNoticeOutcome::NoMove,
            Some(old) => match enroll::leave_move_notice(store, &old, relay.url()) {
                Ok(enroll::MoveNoticeLeft::Left) => MoveNoticeOutcome::Left,
                // Too old to keep it, lost, unreachable: each PC is moved by hand.
                Ok(enroll::MoveNoticeLeft::Unsupported) | Err(_) => MoveNoticeOutcome::NotLeft,
            },
        };
        self.audit_event(record(
            &session.user_id.to_string(),
            "relay.rejoin",
            "relay",
            relay.url(),
            "ok",
            &format!("{outcome:?}, old relay: {old_relay:?}"),
        ))?;
        Ok(RelayRejoined {
            relay_url: relay.url().to_string(),
            outcome,
            old_relay,
        })
    }

    /// Joins this PC, a member of its clinic, to a relay that refuses its recovery proof (owner
    /// only): it missed a renewal of the recovery key while the relay lost its data or the
    /// clinic moved. It asks with a pairing code from an owner's PC, as a new PC does, keeping
    /// everything it holds (see [`chairside_sync::enroll::request_rejoin`]); once approved
    /// there, its next sync sends its changes and receives the clinic's current key. Audited.
    pub fn rejoin_with_code(&mut self, relay_url: &str, code: &str) -> Result<RejoinRequested> {
        let session = self.authorize(P::ManageDevices, "relay.rejoin_with_code")?;
        enroll::check_pairing_code(code)?;
        let relay = HttpRelay::new(relay_url)?;
        let store = self.store()?;
        let name = store.device_name()?;
        let fingerprint = enroll::request_rejoin(store, &relay, relay.url(), code, &name)?;
        self.audit_event(record(
            &session.user_id.to_string(),
            "relay.rejoin_with_code",
            "relay",
            relay.url(),
            "ok",
            "",
        ))?;
        Ok(RejoinRequested {
            relay_url: relay.url().to_string(),
            fingerprint,
        })
    }

    /// The printed recovery key of the clinic (owner only), checked with the relay first when
    /// the clinic syncs: a key renewed on another PC since this PC last synced is adopted, so
    /// the sheet printed here restores the clinic; a relay that cannot be asked is said
    /// (`unchecked`), with the key this PC holds.
    pub fn recovery_key(&mut self) -> Result<RecoveryKeyShown> {
        let session = self.authorize(P::ManageDevices, "recovery.show")?;
        let store = self.store()?;
        let registered = store.local_setting(setting::REGISTERED)?.is_some();
        let me = chairside_sync::identity(store, !registered)?;
        // A clinic not registered at a relay yet has no renewal anywhere: its key is current.
        let relay = registered.then(|| relay_for(store, None));
        let (key, renewed_elsewhere, unchecked) = match relay.transpose() {
            Err(e) => (enroll::printable_recovery_key(store, &me)?, false, Some(e)),
            Ok(relay) => {
                let transport = relay.as_ref().map(|r| r as &dyn chairside_sync::Transport);
                match enroll::checked_recovery_key(self.store_mut()?, &me, transport)? {
                    (key, enroll::RecoveryKeyCheck::Current) => (key, false, None),
                    (key, enroll::RecoveryKeyCheck::RenewedElsewhere) => (key, true, None),
                    (key, enroll::RecoveryKeyCheck::Unchecked(e)) => {
                        (key, false, Some(ApiError::from(&e)))
                    }
                }
            }
        };
        let detail = match (renewed_elsewhere, &unchecked) {
            (true, _) => "renewed on another PC: adopted",
            (false, Some(_)) => "not checked with the relay",
            (false, None) => "",
        };
        self.audit_event(record(
            &session.user_id.to_string(),
            "recovery.show",
            "clinic",
            &me.clinic_id,
            "ok",
            detail,
        ))?;
        Ok(RecoveryKeyShown {
            key: key.to_string(),
            renewed_elsewhere,
            unchecked,
        })
    }

    /// The desktop's "join a clinic" on a PC without a database: asks to join and opens the new
    /// store. Returns the fingerprint the owner compares before approving; the background sync
    /// then completes the enrollment and brings the clinic ([`crate::AppPhase::JoiningClinic`]).
    pub fn join_clinic(&mut self, req: JoinClinicRequest) -> Result<String> {
        let passphrase = req.passphrase.as_deref().filter(|p| !p.is_empty());
        let fingerprint = Self::enroll_device(
            self.data_dir(),
            passphrase,
            &req.relay_url,
            &req.code,
            req.device_name.trim(),
        )?;
        self.open_joined_store(passphrase)?;
        Ok(fingerprint)
    }

    /// The desktop's "restore the clinic" with the printed recovery key, on a PC without a
    /// database; the background sync then brings the clinic.
    pub fn restore_clinic(&mut self, req: RestoreClinicRequest) -> Result<()> {
        let passphrase = req.passphrase.as_deref().filter(|p| !p.is_empty());
        Self::recover_clinic(
            self.data_dir(),
            passphrase,
            &req.relay_url,
            &req.recovery_key,
            req.device_name.trim(),
        )?;
        self.open_joined_store(passphrase)
    }

    /// Abandons a join or a restore before the clinic has arrived (a code typed for the wrong
    /// clinic, an owner who will not approve): deletes the store this PC created for it, so the
    /// first-run screen shows again. Everything it held is at the relay; the owner refuses its
    /// request when they see it ([`App::refuse_device`]). The background sync's connection must
    /// be closed first ([`crate::BackgroundSync::cancel_joining`] does both).
    pub fn cancel_joining(&mut self) -> Result<AppStatus> {
        if self.status()?.phase != AppPhase::JoiningClinic {
            return Err(ApiError::new(
                code::CONFLICT,
                "this PC is not waiting to join a clinic: there is nothing to cancel",
            ));
        }
        // Checked first: a refusal then leaves the store open and the join going on.
        self.store()?.ensure_sole_connection()?;
        let store = self
            .store
            .take()
            .ok_or_else(|| ApiError::new(code::INTERNAL, "the store is not open"))?;
        store.discard()?;
        self.status()
    }

    /// On a new PC: creates the store in an empty data directory and asks to join the clinic
    /// of a pairing code. Returns the fingerprint to compare with the owner's screen. If the
    /// request fails, the data directory is left as it was found.
    pub fn enroll_device(
        data_dir: &Path,
        passphrase: Option<&str>,
        relay_url: &str,
        code: &str,
        device_name: &str,
    ) -> Result<String> {
        let relay = HttpRelay::new(relay_url)?;
        // Check the code before anything is created on disk.
        enroll::check_pairing_code(code)?;
        in_new_store(data_dir, new_key(passphrase)?, device_name, |store| {
            Ok(enroll::request(
                store,
                &relay,
                relay.url(),
                code,
                device_name,
            )?)
        })
    }

    /// On a new PC: creates the store and joins the clinic of a recovery key; the first sync
    /// ([`App::initial_sync`]) then brings the clinic's data.
    pub fn recover_clinic(
        data_dir: &Path,
        passphrase: Option<&str>,
        relay_url: &str,
        recovery_key: &str,
        device_name: &str,
    ) -> Result<()> {
        let relay = HttpRelay::new(relay_url)?;
        // Check the key before anything is created on disk.
        enroll::parse_recovery_key(recovery_key)?;
        in_new_store(data_dir, new_key(passphrase)?, device_name, |store| {
            enroll::recover(store, &relay, relay.url(), recovery_key)?;
            Ok(())
        })
    }
}

/// The key of a joining PC's new store: the passphrase, else the OS keyring.
fn new_key(passphrase: Option<&str>) -> Result<NewKey<'_>> {
    match passphrase {
        Some(p) if p.chars().count() < crate::MIN_PASSPHRASE_CHARS => Err(ApiError::invalid(
            "passphrase",
            format!(
                "a database passphrase has at least {} characters",
                crate::MIN_PASSPHRASE_CHARS
            ),
        )),
        Some(passphrase) => Ok(NewKey::Passphrase {
            passphrase,
            params: chairside_store::KdfParams::RECOMMENDED,
        }),
        None if chairside_store::OsKeyring::available() => Ok(NewKey::Keyring),
        None => Err(ApiError::invalid(
            "passphrase",
            "this computer has no OS keyring: set CHAIRSIDE_PASSPHRASE to protect the database",
        )),
    }
}

/// Creates a store in `data_dir` for a PC joining a clinic and runs `f` on it; if `f` fails, the
/// files the store created are removed again, so a mistyped code leaves nothing behind.
fn in_new_store<T>(
    data_dir: &Path,
    new_key: NewKey<'_>,
    device_name: &str,
    f: impl FnOnce(&Store) -> Result<T>,
) -> Result<T> {
    if Store::exists(data_dir) {
        return Err(SyncError::AlreadyInClinic.into());
    }
    let existed = data_dir.exists();
    let before: Vec<std::path::PathBuf> = if existed {
        std::fs::read_dir(data_dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let store = Store::create(data_dir, new_key, device_name)?;
    let outcome = f(&store);
    if outcome.is_err() {
        // The key, its keyring entry and the database; then whatever else the store created.
        let _ = store.discard();
        if existed {
            for entry in std::fs::read_dir(data_dir).into_iter().flatten().flatten() {
                if !before.contains(&entry.path()) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        } else {
            let _ = std::fs::remove_dir_all(data_dir);
        }
    }
    outcome
}

pub(crate) struct DeviceNames(Vec<(String, String)>);

impl DeviceNames {
    pub(crate) fn name_of(&self, id: &str) -> String {
        self.0.iter().find(|(d, _)| d == id).map_or_else(
            || format!("device {}", &id[..8.min(id.len())]),
            |(_, n)| n.clone(),
        )
    }
}

pub(crate) fn device_names(store: &Store) -> Result<DeviceNames> {
    Ok(DeviceNames(
        devices::all(store.conn())?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use chairside_sync::{ErrorBody, relay_code};

    use super::*;

    fn api(e: SyncError) -> (String, Option<String>) {
        let error = ApiError::from(e);
        (error.code, error.reason)
    }

    fn pair(code: &str, reason: Option<&str>) -> (String, Option<String>) {
        (code.to_string(), reason.map(str::to_string))
    }

    #[test]
    fn the_space_at_the_relay_is_nearly_full_from_nine_tenths_of_the_quota() {
        const GB: u64 = 1_000_000_000;
        assert!(!nearly_full(44 * GB, 50 * GB));
        assert!(nearly_full(45 * GB, 50 * GB));
        // Past the quota (a soft limit across relay processes), and at sizes where a product
        // of u64 would overflow.
        assert!(nearly_full(51 * GB, 50 * GB));
        assert!(!nearly_full(u64::MAX / 2, u64::MAX));
        assert!(nearly_full(u64::MAX, u64::MAX));
    }

    /// Each sync failure the UI words differently has its own reason under its code.
    #[test]
    fn sync_errors_carry_the_reason_the_ui_words() {
        let refusal = |code: &str| {
            SyncError::Relay(ErrorBody {
                code: code.into(),
                message: "the relay's English words".into(),
            })
        };
        assert_eq!(
            api(refusal(relay_code::RATE_LIMITED)),
            pair(code::SYNC_REFUSED, Some("rate_limited"))
        );
        assert_eq!(
            api(refusal(relay_code::UNSUPPORTED_VERSION)),
            pair(code::SYNC_REFUSED, Some("unsupported_version"))
        );
        assert_eq!(
            api(refusal(relay_code::REVOKED)),
            pair(code::PERMISSION_DENIED, Some("revoked"))
        );
        assert_eq!(
            api(SyncError::Diverged {
                device: "d".into(),
                head: 3
            }),
            pair(code::INTEGRITY, Some(reason::DIVERGED))
        );
        assert_eq!(
            api(SyncError::Tampered {
                device: "d".into(),
                idx: 3,
                why: "tag".into()
            }),
            pair(code::INTEGRITY, Some(reason::TAMPERED))
        );
        assert_eq!(
            api(SyncError::TamperedBlob {
                sha256: "ab".into(),
                why: "hash".into()
            }),
            pair(code::INTEGRITY, Some(reason::TAMPERED_FILE))
        );
        assert_eq!(
            api(SyncError::WaitingForApproval),
            pair(code::SYNC_NOT_READY, Some(reason::WAITING_FOR_APPROVAL))
        );
        assert_eq!(
            api(SyncError::BlobNotUploaded),
            pair(code::SYNC_NOT_READY, Some(reason::FILE_NOT_UPLOADED))
        );
        assert_eq!(
            api(SyncError::Unreachable {
                url: "http://relay".into(),
                reason: "refused".into()
            }),
            pair(code::SYNC_UNREACHABLE, None)
        );
        // The English message stays: scripts and the support read it.
        let error = ApiError::from(refusal(relay_code::TOO_LARGE));
        assert!(
            error.message.contains("the relay's English words"),
            "{error:?}"
        );
    }
}
