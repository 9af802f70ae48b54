//! Background sync: the device syncs on its own while the app runs, on a database connection of
//! its own ([`SyncAgent`]), so the app, and the person waiting on it, is never held while the
//! network is slow or down.
//!
//! * Schedule: every [`SYNC_INTERVAL`] while all is well; after a failure the relay may recover
//!   from (network down, relay busy), exponential back-off from [`FIRST_RETRY`] up to
//!   [`LONGEST_WAIT`], with jitter so that a clinic's PCs do not all retry at the same second;
//!   while waiting for the owner's approval, every [`APPROVAL_POLL`]; after a failure a person
//!   must act on (no relay set, a rejected record), the longest wait, and the status says what
//!   to do. "Sync now" runs at once
//!   whatever the schedule.
//! * Status ([`SyncStatus`], shown in the header): the state, the last success, the changes
//!   and files waiting to be sent, the error in plain words, the next attempt. While a sync
//!   runs, the agent is busy: the status it published is read instead, with the sync's
//!   progress, updated after every page (a PC joining a clinic receives years of it).
//!
//! Each sync merges page by page in short transactions (chairside-sync), so the app's own
//! writes wait at most for one page; a local edit made after a merge still gets a later clock
//! (the store re-reads the persisted clock in every write transaction).

use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError};
use std::time::Duration;

use chairside_domain::Permission;

use chairside_store::{Store, sync_state};
use chairside_sync::{HttpRelay, SyncError, SyncReport, setting};
use rand::Rng;

use crate::dto::{EndOfDayReport, SyncProgress, SyncState, SyncStatus, SyncSummary};
use crate::error::ApiError;
use crate::{App, AppStatus, Result};

/// Between two syncs while everything works.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(60);
/// The first retry after a transient failure; doubled at each failure in a row.
pub const FIRST_RETRY: Duration = Duration::from_secs(15);
/// How often a PC waiting for the owner's approval asks again.
pub const APPROVAL_POLL: Duration = Duration::from_secs(20);
/// The longest wait between two attempts.
pub const LONGEST_WAIT: Duration = Duration::from_secs(600);

/// Syncs this device on a connection of its own. Created once the store is unlocked
/// ([`App::sync_agent`]); the desktop shell keeps it beside the app and drives it from a thread.
pub struct SyncAgent {
    store: Store,
    status: SyncStatus,
    failures_in_a_row: u32,
    /// A copy of the status for readers while this agent is busy syncing, with the sync's
    /// progress ([`SyncAgent::published`]).
    published: Arc<Mutex<SyncStatus>>,
}

impl std::fmt::Debug for SyncAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncAgent")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl App {
    /// A sync agent on a second connection to this app's store.
    pub fn sync_agent(&self) -> Result<SyncAgent> {
        let store = self.store()?.open_another_connection()?;
        let mut agent = SyncAgent {
            store,
            status: SyncStatus {
                next_attempt_ms: Some(now_ms()),
                ..SyncStatus::before_first_sync(SyncState::Idle)
            },
            failures_in_a_row: 0,
            published: Arc::new(Mutex::new(SyncStatus::before_first_sync(SyncState::Idle))),
        };
        agent.refresh_counts()?;
        Ok(agent)
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl SyncStatus {
    /// A status with nothing attempted yet.
    fn before_first_sync(state: SyncState) -> SyncStatus {
        SyncStatus {
            state,
            relay_url: None,
            last_success_ms: None,
            last_attempt_ms: None,
            changes_waiting: 0,
            files_waiting: 0,
            files_held_back: None,
            error: None,
            next_attempt_ms: None,
            progress: None,
            clock_offset_ms: None,
            clock_off: false,
        }
    }
}

impl SyncAgent {
    /// The status as of now (the waiting counts are read afresh).
    pub fn status(&mut self) -> Result<SyncStatus> {
        self.refresh_counts()?;
        self.publish();
        Ok(self.status.clone())
    }

    /// The status as last published: what readers see while this agent syncs (they cannot
    /// reach the agent then), the progress included.
    pub fn published(&self) -> Arc<Mutex<SyncStatus>> {
        self.published.clone()
    }

    fn publish(&self) {
        *lock_even_poisoned(&self.published) = self.status.clone();
    }

    /// Whether the schedule says a sync is due.
    pub fn due(&self) -> bool {
        self.status.next_attempt_ms.is_some_and(|t| t <= now_ms())
    }

    /// How long until the next scheduled sync (zero if due).
    pub fn wait(&self) -> Duration {
        let next = self.status.next_attempt_ms.unwrap_or(i64::MAX);
        Duration::from_millis((next - now_ms()).clamp(0, LONGEST_WAIT.as_millis() as i64) as u64)
    }

    fn refresh_counts(&mut self) -> Result<()> {
        let conn = self.store.conn();
        let me = self.store.device_id().to_string();
        let pushed = sync_state::stream(conn, &me)?.map_or(0, |s| s.head);
        self.status.changes_waiting = sync_state::changes_waiting(conn, &me, pushed)? as u32;
        self.status.files_waiting = self.store.blobs_to_upload_count()? as u32;
        self.status.relay_url = self
            .store
            .local_setting(setting::RELAY_URL)?
            .filter(|u| !u.is_empty());
        if self.status.relay_url.is_none() {
            self.status.state = SyncState::NotConfigured;
            self.status.error = None;
        }
        Ok(())
    }

    /// Syncs now with the remembered relay, whatever the schedule, and plans the next sync.
    pub fn sync(&mut self) -> std::result::Result<SyncReport, SyncError> {
        let Some(url) = self.store.local_setting(setting::RELAY_URL)? else {
            self.status.state = SyncState::NotConfigured;
            self.status.next_attempt_ms = Some(now_ms() + LONGEST_WAIT.as_millis() as i64);
            return Err(SyncError::NoRelay);
        };
        let attempt = now_ms();
        self.status.state = SyncState::Syncing;
        self.status.last_attempt_ms = Some(attempt);
        self.status.progress = None;
        self.publish();
        let published = self.published.clone();
        let on_progress = move |progress: chairside_sync::Progress| {
            lock_even_poisoned(&published).progress = Some(SyncProgress::from(progress));
        };
        let outcome = HttpRelay::new(&url).and_then(|relay| {
            crate::sync::sync_device_and_files(&mut self.store, &relay, &on_progress)
        });
        let wait = match &outcome {
            Ok(report) => {
                self.status.files_held_back =
                    report.files_held_back.as_ref().map(crate::sync::held_back);
                self.status.clock_offset_ms = report.clock_offset_ms;
                self.status.clock_off = report
                    .clock_offset_ms
                    .is_some_and(chairside_sync::clock::is_off);
                self.failures_in_a_row = 0;
                self.status.state = SyncState::UpToDate;
                self.status.last_success_ms = Some(now_ms());
                self.status.error = None;
                SYNC_INTERVAL
            }
            Err(e) => {
                self.failures_in_a_row = self.failures_in_a_row.saturating_add(1);
                self.status.error = Some(ApiError::from(e));
                if e.is_transient() {
                    self.status.state = SyncState::Offline;
                    backoff(self.failures_in_a_row)
                } else if matches!(e, SyncError::WaitingForApproval) {
                    // The owner may approve any minute: asking costs the relay one read.
                    self.status.state = SyncState::WaitingForApproval;
                    APPROVAL_POLL
                } else {
                    self.status.state = match e {
                        SyncError::NoRelay => SyncState::NotConfigured,
                        _ => SyncState::Error,
                    };
                    LONGEST_WAIT
                }
            }
        };
        self.status.next_attempt_ms = Some(now_ms() + wait.as_millis() as i64);
        let _ = self.refresh_counts();
        self.publish();
        outcome
    }

    /// The end-of-day check of the files at the remembered relay (those it lost are sent again).
    pub fn check_files_at_relay(&mut self) -> Result<chairside_sync::blobs::FilesAtRelay> {
        let url = self
            .store
            .local_setting(setting::RELAY_URL)?
            .ok_or(SyncError::NoRelay)?;
        let relay = HttpRelay::new(&url)?;
        Ok(crate::sync::check_files(&self.store, &relay)?)
    }

    /// Makes a blob (an image, a document) local, fetching it from the relay if it was stored on
    /// another PC; then returns its bytes.
    pub fn open_blob(&mut self, sha256: &str) -> Result<Vec<u8>> {
        if let Some(bytes) = self.store.read_blob(sha256)? {
            return Ok(bytes);
        }
        let url = self
            .store
            .local_setting(setting::RELAY_URL)?
            .ok_or(SyncError::NoRelay)?;
        let relay = HttpRelay::new(&url)?;
        chairside_sync::fetch_blob(&self.store, &relay, sha256)?;
        self.store.read_blob(sha256)?.ok_or_else(|| {
            ApiError::new(
                crate::code::INTERNAL,
                "the file was fetched but cannot be read back: try again",
            )
        })
    }
}

/// The wait after `failures` transient failures in a row: 15 s, 30 s, 1 min, ... up to 10 min,
/// each with up to a fifth of random jitter.
pub fn backoff(failures: u32) -> Duration {
    let doubled = FIRST_RETRY
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
        .min(LONGEST_WAIT);
    let jitter = rand::rng().random_range(0..=doubled.as_millis() as u64 / 5);
    (doubled + Duration::from_millis(jitter)).min(LONGEST_WAIT)
}

/// The desktop's background sync: a thread that keeps the [`SyncAgent`] (created as soon as the
/// store is open) on its schedule, and the handle the shell's commands use to read its status,
/// to "sync now" and to open a blob, none of which holds the app while the network is used, and
/// neither a status read nor an image waits for a sync under way.
pub struct BackgroundSync {
    agent: Mutex<Option<SyncAgent>>,
    /// The agent's published status, reachable while the agent is busy syncing.
    published: Mutex<Option<Arc<Mutex<SyncStatus>>>>,
    woken: Mutex<bool>,
    wake: Condvar,
    /// Set by [`BackgroundSync::stop`]: the thread starts no sync any more.
    stopping: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for BackgroundSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackgroundSync").finish_non_exhaustive()
    }
}

/// The status copy is plain data, whole after any write: a panic elsewhere leaves it readable.
fn lock_even_poisoned(status: &Mutex<SyncStatus>) -> MutexGuard<'_, SyncStatus> {
    status.lock().unwrap_or_else(|e| e.into_inner())
}

/// How often the thread looks for an opened store while it has no agent yet.
const LOOK_FOR_STORE: Duration = Duration::from_secs(2);

fn poisoned() -> ApiError {
    ApiError::new(
        crate::code::INTERNAL,
        "internal error in background sync: restart Chairside",
    )
}

impl BackgroundSync {
    /// Starts the thread; it runs as long as the process, or until [`BackgroundSync::stop`].
    pub fn spawn(app: Arc<Mutex<App>>) -> Arc<BackgroundSync> {
        let this = Arc::new(BackgroundSync {
            agent: Mutex::new(None),
            published: Mutex::new(None),
            woken: Mutex::new(false),
            wake: Condvar::new(),
            stopping: std::sync::atomic::AtomicBool::new(false),
        });
        let worker = this.clone();
        std::thread::Builder::new()
            .name("chairside-sync".into())
            .spawn(move || worker.run(&app))
            .map_err(|e| eprintln!("background sync could not start: {e}"))
            .ok();
        this
    }

    /// Stops the thread's syncs before the process ends (the window closed, a test done): waits
    /// for a sync under way to end, then none starts. Without it, the process's exit could tear
    /// down the encryption library under a sync still writing, which then crashes.
    pub fn stop(&self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut woken) = self.woken.lock() {
            *woken = true;
            self.wake.notify_all();
        }
        // A sync runs holding the agent: taking it waits for the sync to end.
        drop(self.agent.lock());
    }

    fn stopped(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn run(&self, app: &Mutex<App>) {
        loop {
            if self.stopped() {
                return;
            }
            let wait = match self.agent.lock() {
                Ok(agent) => agent.as_ref().map_or(LOOK_FOR_STORE, SyncAgent::wait),
                Err(_) => return,
            };
            if let Ok(woken) = self.woken.lock() {
                let Ok((mut woken, _)) = self.wake.wait_timeout_while(woken, wait, |w| !*w) else {
                    return;
                };
                *woken = false;
            }
            if self.stopped() {
                return;
            }
            let _ = self.with_agent(app, |agent| {
                if !self.stopped() && agent.due() {
                    let _ = agent.sync();
                }
            });
        }
    }

    /// Runs `f` on the agent, creating it first if the store has been opened since.
    pub fn with_agent<T>(
        &self,
        app: &Mutex<App>,
        f: impl FnOnce(&mut SyncAgent) -> T,
    ) -> Result<T> {
        let agent = self.agent.lock().map_err(|_| poisoned())?;
        self.on_agent(agent, app, f)
    }

    fn on_agent<T>(
        &self,
        mut agent: MutexGuard<'_, Option<SyncAgent>>,
        app: &Mutex<App>,
        f: impl FnOnce(&mut SyncAgent) -> T,
    ) -> Result<T> {
        if agent.is_none() {
            let created = app.lock().map_err(|_| poisoned())?.sync_agent()?;
            *self.published.lock().map_err(|_| poisoned())? = Some(created.published());
            *agent = Some(created);
        }
        match agent.as_mut() {
            Some(a) => Ok(f(a)),
            None => Err(poisoned()),
        }
    }

    /// The status for the header; "not configured" until the store is open. While the agent
    /// syncs, the status it published, with the sync's progress: a status read never waits for
    /// the sync to end.
    pub fn status(&self, app: &Mutex<App>) -> SyncStatus {
        let not_configured = || SyncStatus::before_first_sync(SyncState::NotConfigured);
        let agent = match self.agent.try_lock() {
            Ok(agent) => agent,
            Err(TryLockError::WouldBlock) => {
                let published = self.published.lock().map_err(|_| poisoned());
                return match published.map(|p| p.clone()) {
                    Ok(Some(published)) => lock_even_poisoned(&published).clone(),
                    _ => not_configured(),
                };
            }
            Err(TryLockError::Poisoned(_)) => return not_configured(),
        };
        self.on_agent(agent, app, SyncAgent::status)
            .and_then(|s| s)
            .unwrap_or_else(|_| not_configured())
    }

    /// Wakes the thread (after a local write, say) so a due sync is not delayed.
    pub fn wake(&self) {
        if let Ok(mut woken) = self.woken.lock() {
            *woken = true;
            self.wake.notify_one();
        }
    }

    /// The viewer's frame of an image ([`App::image_screen_frame`]). An image imported on
    /// another PC is fetched from the relay first, on the agent's connection (or, while the
    /// agent syncs, on one of its own), without holding the app.
    pub fn image_frame(
        &self,
        app: &Mutex<App>,
        image_id: &str,
        frame: u32,
        stage_side: Option<u32>,
    ) -> Result<Vec<u8>> {
        let lock = || app.lock().map_err(|_| poisoned());
        let sha = lock()?.open_image(image_id)?;
        let local = lock()?.image_is_local(&sha)?;
        if !local {
            match self.agent.try_lock() {
                Ok(agent) => self.on_agent(agent, app, |agent| agent.open_blob(&sha))??,
                // The agent is syncing, for minutes maybe (a PC receiving its clinic): the image
                // is fetched on a connection of its own now rather than after the sync. Both
                // write in short transactions; the other waits at most for one of them.
                Err(TryLockError::WouldBlock) => lock()?.sync_agent()?.open_blob(&sha)?,
                Err(TryLockError::Poisoned(_)) => return Err(poisoned()),
            };
        }
        lock()?.image_screen_frame(image_id, frame, stage_side)
    }

    /// Abandons this PC's join ([`App::cancel_joining`]): the agent is dropped first, closing its
    /// connection, and held so that no new one opens on the store being deleted. Waits for a
    /// sync in progress to end.
    pub fn cancel_joining(&self, app: &Mutex<App>) -> Result<AppStatus> {
        let mut agent = self.agent.lock().map_err(|_| poisoned())?;
        *agent = None;
        *self.published.lock().map_err(|_| poisoned())? = None;
        app.lock().map_err(|_| poisoned())?.cancel_joining()
    }

    /// "Sync now" for the signed-in person: permission and audit on the app (held briefly),
    /// the exchange itself on the agent.
    pub fn sync_now(&self, app: &Mutex<App>, relay_url: Option<&str>) -> Result<SyncSummary> {
        let ticket = app.lock().map_err(|_| poisoned())?.begin_sync(relay_url)?;
        let outcome = self.with_agent(app, SyncAgent::sync)?;
        app.lock()
            .map_err(|_| poisoned())?
            .finish_sync(ticket, outcome)
    }

    /// The owner's end-of-day: a sync now, the check of the files at the relay (both on the
    /// agent, without holding the app), then the report.
    pub fn end_of_day(&self, app: &Mutex<App>) -> Result<EndOfDayReport> {
        app.lock()
            .map_err(|_| poisoned())?
            .check_permission(Permission::ViewReports, "sync.report")?;
        let summary = self.sync_now(app, None)?;
        let files = self.with_agent(app, SyncAgent::check_files_at_relay)??;
        app.lock()
            .map_err(|_| poisoned())?
            .end_of_day_report(summary, files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_fifteen_seconds_up_to_ten_minutes() {
        let secs = |n| backoff(n).as_secs_f64();
        assert!((15.0..=18.0).contains(&secs(1)), "{}", secs(1));
        assert!((30.0..=36.0).contains(&secs(2)), "{}", secs(2));
        assert!((60.0..=72.0).contains(&secs(3)), "{}", secs(3));
        assert!((480.0..=576.0).contains(&secs(6)), "{}", secs(6));
        assert_eq!(secs(7), 600.0);
        assert_eq!(secs(40), 600.0);
    }

    /// While the agent syncs (held, as its thread holds it for the whole exchange), a status
    /// read does not wait for the sync: it gets what the agent published, progress included.
    #[test]
    fn the_status_is_read_without_waiting_while_the_agent_syncs() {
        let tmp = tempfile::tempdir().unwrap();
        let app = Mutex::new(App::new(tmp.path()));
        let published = Arc::new(Mutex::new(SyncStatus {
            progress: Some(SyncProgress {
                to_receive: 80_000,
                received: 12_400,
                to_send: 3,
                sent: 0,
                ..SyncProgress::default()
            }),
            ..SyncStatus::before_first_sync(SyncState::Syncing)
        }));
        let background = BackgroundSync {
            agent: Mutex::new(None),
            published: Mutex::new(Some(published.clone())),
            woken: Mutex::new(false),
            wake: Condvar::new(),
            stopping: std::sync::atomic::AtomicBool::new(false),
        };
        let busy = background.agent.lock().unwrap();
        let read = background.status(&app);
        assert_eq!(read.state, SyncState::Syncing);
        assert_eq!(read.progress.map(|p| p.received), Some(12_400));
        // The sync goes on: the next read has the next page.
        published.lock().unwrap().progress = Some(SyncProgress {
            to_receive: 80_000,
            received: 13_400,
            to_send: 3,
            sent: 0,
            ..SyncProgress::default()
        });
        assert_eq!(
            background.status(&app).progress.map(|p| p.received),
            Some(13_400)
        );
        drop(busy);
        // The agent free and no store open: read from the agent, which there is none of yet.
        assert_eq!(background.status(&app).state, SyncState::NotConfigured);
    }
}
