//! Chairside's application API: the one place where use cases, sessions and permissions live.
//!
//! The desktop shell (`src-tauri`) and the `chairside` CLI are thin adapters over [`App`]: they
//! parse input, call one method, and print or return its DTO. Every method that touches data
//! checks the session's permissions against the domain's matrix and writes an audit entry in
//! the same transaction as its change.

mod agenda;
pub mod background;
pub mod bindings;
mod chart;
mod consents;
mod demo;
pub mod dto;
pub mod error;
pub mod fhir;
mod gdpr;
pub mod imaging;
mod inbox;
mod medical;
mod merge_files;
mod password;
mod patients;
mod sync;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chairside_domain::clinic::{self as rules, PHONE_REGIONS};
use chairside_domain::{ClinicSettings, EntityId, Permission as P, Role as DomainRole};
use chairside_store::audit::{self, AuditRecord};
use chairside_store::users::{self, StaffUser};
use chairside_store::{KdfParams, NewKey, Store, StoreError, Unlock, Writer, backup, clinic};

pub use background::{BackgroundSync, SyncAgent};
pub use dto::*;
pub use error::{ApiError, code};
pub use gdpr::{PHOTO_MAX_BYTES, PHOTO_SIDE, TIMELINE_LIMIT, default_export_dir};
pub use patients::SEARCH_LIMIT;
pub use sync::SyncTicket;

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// A monotonic clock, injectable so tests can move time without sleeping.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

pub(crate) const MIN_PASSPHRASE_CHARS: usize = 8;

/// The signed-in user of this window (or of one CLI command).
#[derive(Debug, Clone)]
pub(crate) struct Session {
    user_id: EntityId,
    username: String,
    display_name: String,
    role: DomainRole,
    last_activity: Instant,
    locked: bool,
}

/// One running Chairside: a data directory, its store once unlocked, and at most one session.
pub struct App {
    data_dir: PathBuf,
    store: Option<Store>,
    session: Option<Session>,
    clock: Clock,
    kdf: KdfParams,
    keyring_available: OnceLock<bool>,
    image_decoder: imaging::ImageDecoder,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("data_dir", &self.data_dir)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl App {
    /// An app on `data_dir`; nothing is opened until the first call needs it.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            store: None,
            session: None,
            clock: Arc::new(Instant::now),
            kdf: KdfParams::RECOMMENDED,
            keyring_available: OnceLock::new(),
            image_decoder: imaging::ImageDecoder::isolated(),
        }
    }

    /// Replaces where images are decoded (tests decode trusted files in process; the desktop
    /// and the CLI keep the default worker process).
    pub fn with_image_decoder(mut self, decoder: imaging::ImageDecoder) -> Self {
        self.image_decoder = decoder;
        self
    }

    /// Replaces the monotonic clock (tests of the idle lock).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the Argon2id cost used to wrap a new database key (tests only: the default is
    /// the recommended cost).
    pub fn with_kdf(mut self, kdf: KdfParams) -> Self {
        self.kdf = kdf;
        self
    }

    /// Opens the existing store at once: the CLI's way in. `passphrase` is used only when the key
    /// is not in the OS keyring.
    pub fn open(data_dir: impl Into<PathBuf>, passphrase: Option<&str>) -> Result<Self> {
        let mut app = Self::new(data_dir);
        app.store = Some(Store::open(&app.data_dir, Unlock::Auto { passphrase })?);
        Ok(app)
    }

    /// Whether the open store holds a clinic (false for a PC that joined one and has not
    /// synced yet).
    pub fn holds_clinic(&self) -> Result<bool> {
        Ok(clinic::get(self.store()?.conn())?.is_some())
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn keyring_available(&self) -> bool {
        *self
            .keyring_available
            .get_or_init(chairside_store::OsKeyring::available)
    }

    // ---- status and first run -------------------------------------------------------------

    /// Where the app stands; applies the idle lock. Polling this is not activity.
    pub fn status(&mut self) -> Result<AppStatus> {
        self.open_with_keyring_if_possible()?;
        self.apply_idle_lock()?;
        let clinic = match &self.store {
            Some(store) => clinic::get(store.conn())?,
            None => None,
        };
        let phase = match (&self.store, &clinic, &self.session) {
            (None, _, _) if !Store::exists(&self.data_dir) => AppPhase::NeedsSetup,
            (None, _, _) => AppPhase::StoreLocked,
            (Some(store), None, _)
                if store
                    .local_setting(chairside_sync::setting::RELAY_URL)?
                    .is_some_and(|u| !u.is_empty()) =>
            {
                AppPhase::JoiningClinic
            }
            (Some(_), None, _) => AppPhase::NeedsSetup,
            (Some(_), Some(_), None) => AppPhase::SignedOut,
            (Some(_), Some(_), Some(s)) if s.locked => AppPhase::SessionLocked,
            (Some(_), Some(_), Some(_)) => AppPhase::SignedIn,
        };
        let key_storage = match &self.store {
            Some(store) => Some(store.key_storage().into()),
            None => Store::key_file(&self.data_dir)
                .ok()
                .map(|k| k.storage.into()),
        };
        let idle = clinic
            .as_ref()
            .map_or(rules::DEFAULT_IDLE_LOCK_SECONDS, |c| {
                c.settings.idle_lock_seconds
            });
        Ok(AppStatus {
            phase,
            clinic_name: clinic.as_ref().map(|c| c.settings.name.clone()),
            language: clinic
                .as_ref()
                .map_or(Language::French, |c| c.settings.language.into()),
            key_storage,
            // Probing writes a test secret (and may make a desktop ask to unlock its keyring), so
            // it is done only when the answer matters: choosing where a new key goes.
            keyring_available: if phase == AppPhase::NeedsSetup {
                self.keyring_available()
            } else {
                key_storage == Some(KeyStorage::Keyring)
            },
            session: self.session.as_ref().map(|s| session_info(s, idle)),
            data_dir: self.data_dir.display().to_string(),
        })
    }

    pub fn setup_options(&self) -> SetupOptions {
        SetupOptions {
            timezones: rules::timezone_names()
                .into_iter()
                .map(String::from)
                .collect(),
            phone_regions: PHONE_REGIONS
                .iter()
                .map(|(code, fr, en)| PhoneRegion {
                    code: (*code).into(),
                    name_fr: (*fr).into(),
                    name_en: (*en).into(),
                })
                .collect(),
            default_timezone: rules::DEFAULT_TIMEZONE.into(),
            default_phone_region: rules::DEFAULT_PHONE_REGION.into(),
        }
    }

    /// First-run setup: creates the encrypted database, the clinic and the owner's account.
    /// Everything is validated before anything is written.
    pub fn setup(&mut self, req: SetupRequest) -> Result<AppStatus> {
        let settings = ClinicSettings::parse(
            &req.clinic_name,
            &req.address,
            &req.timezone,
            &req.phone_region,
            req.language.into(),
        )?;
        let username = rules::parse_username(&req.owner_username)?;
        let display_name = rules::parse_display_name(&req.owner_display_name, &username)?;
        rules::check_password(&req.owner_password)
            .map_err(|e| ApiError::invalid("owner_password", e.reason))?;
        if self
            .store
            .as_ref()
            .is_some_and(|s| clinic::get(s.conn()).ok().flatten().is_some())
            || (self.store.is_none() && Store::exists(&self.data_dir))
        {
            return Err(ApiError::new(
                code::ALREADY_INITIALISED,
                format!(
                    "a clinic is already set up in {}: nothing was changed",
                    self.data_dir.display()
                ),
            ));
        }
        if self.store.is_none() {
            let new_key = match req.passphrase.as_deref() {
                Some(p) if p.chars().count() < MIN_PASSPHRASE_CHARS => {
                    return Err(ApiError::invalid(
                        "passphrase",
                        format!(
                            "a database passphrase has at least {MIN_PASSPHRASE_CHARS} characters"
                        ),
                    ));
                }
                Some(passphrase) => NewKey::Passphrase {
                    passphrase,
                    params: self.kdf,
                },
                None if self.keyring_available() => NewKey::Keyring,
                None => {
                    return Err(ApiError::invalid(
                        "passphrase",
                        "this computer has no OS keyring: choose a passphrase to protect the database",
                    ));
                }
            };
            self.store = Some(Store::create(&self.data_dir, new_key, &device_name())?);
        }
        let owner = StaffUser {
            id: EntityId::new(),
            username,
            display_name,
            role: DomainRole::Owner,
            password_hash: password::hash(&req.owner_password)?,
            active: true,
        };
        let clinic_id = EntityId::new();
        let owner_id = owner.id.to_string();
        self.store_mut()?.write(|w| {
            w.save_clinic(clinic_id, &settings)?;
            w.insert_user(&owner)?;
            w.audit(record(
                &owner_id,
                "clinic.setup",
                "clinic",
                &clinic_id.to_string(),
                "ok",
                "",
            ))?;
            w.audit(record(
                &owner_id,
                "user.create",
                "user",
                &owner_id,
                "ok",
                "role=owner",
            ))?;
            Ok(())
        })?;
        // The clinic's data key (for sync) and so its recovery key exist from the start.
        chairside_sync::identity(self.store()?, true)?;
        self.status()
    }

    /// Unlocks a passphrase-protected database.
    pub fn unlock_store(&mut self, req: UnlockStoreRequest) -> Result<AppStatus> {
        if self.store.is_none() {
            self.store = Some(Store::open(
                &self.data_dir,
                Unlock::Auto {
                    passphrase: Some(&req.passphrase),
                },
            )?);
        }
        self.status()
    }

    /// Opens the store a join or a restore has just created in this data directory.
    pub(crate) fn open_joined_store(&mut self, passphrase: Option<&str>) -> Result<()> {
        self.store = Some(Store::open(&self.data_dir, Unlock::Auto { passphrase })?);
        Ok(())
    }

    fn open_with_keyring_if_possible(&mut self) -> Result<()> {
        if self.store.is_none() && Store::exists(&self.data_dir) {
            let key_file = Store::key_file(&self.data_dir)?;
            if key_file.storage == chairside_store::KeyStorage::Keyring {
                self.store = Some(Store::open(
                    &self.data_dir,
                    Unlock::Auto { passphrase: None },
                )?);
            }
        }
        Ok(())
    }

    // ---- sessions --------------------------------------------------------------------------

    pub fn sign_in(&mut self, req: SignInRequest) -> Result<AppStatus> {
        let now = (self.clock)();
        let username = req.username.trim().to_lowercase();
        let found = users::find_by_username(self.store()?.conn(), &username)?;
        let user = match found {
            Some(u) if u.active && password::verify(&u.password_hash, &req.password) => u,
            other => {
                if other.is_none() {
                    password::verify_against_dummy(&req.password);
                }
                let user_id = other.map_or_else(|| "-".to_string(), |u| u.id.to_string());
                self.audit_event(record(
                    &user_id,
                    "session.sign_in",
                    "user",
                    &user_id,
                    "failed",
                    "wrong username or password",
                ))?;
                return Err(ApiError::new(
                    code::WRONG_CREDENTIALS,
                    "wrong username or password: check both and try again",
                ));
            }
        };
        let user_id = user.id.to_string();
        self.audit_event(record(
            &user_id,
            "session.sign_in",
            "user",
            &user_id,
            "ok",
            "",
        ))?;
        self.session = Some(Session {
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            last_activity: now,
            locked: false,
        });
        self.status()
    }

    pub fn sign_out(&mut self) -> Result<AppStatus> {
        if let Some(session) = self.session.take() {
            let id = session.user_id.to_string();
            self.audit_event(record(&id, "session.sign_out", "user", &id, "ok", ""))?;
        }
        self.status()
    }

    /// Locks the session now (the Lock button, Ctrl+L).
    pub fn lock_session(&mut self) -> Result<AppStatus> {
        self.lock_with_reason("manual")?;
        self.status()
    }

    /// The same user enters their password again.
    pub fn unlock_session(&mut self, req: UnlockSessionRequest) -> Result<AppStatus> {
        let session = self.session.clone().ok_or_else(not_signed_in)?;
        let id = session.user_id.to_string();
        let user = users::get(self.store()?.conn(), session.user_id)?;
        let ok = user
            .as_ref()
            .is_some_and(|u| u.active && password::verify(&u.password_hash, &req.password));
        let outcome = if ok { "ok" } else { "failed" };
        self.audit_event(record(&id, "session.unlock", "user", &id, outcome, ""))?;
        if !ok {
            return Err(ApiError::new(
                code::WRONG_CREDENTIALS,
                "wrong password: try again, or switch user",
            ));
        }
        let now = (self.clock)();
        if let Some(s) = self.session.as_mut() {
            s.locked = false;
            s.last_activity = now;
        }
        self.status()
    }

    /// The user did something (a key, a click): pushes the idle lock back.
    pub fn record_activity(&mut self) -> Result<AppStatus> {
        self.apply_idle_lock()?;
        let now = (self.clock)();
        if let Some(s) = self.session.as_mut().filter(|s| !s.locked) {
            s.last_activity = now;
        }
        self.status()
    }

    fn idle_limit(&self) -> Result<Duration> {
        let seconds = match &self.store {
            Some(store) => clinic::get(store.conn())?
                .map_or(rules::DEFAULT_IDLE_LOCK_SECONDS, |c| {
                    c.settings.idle_lock_seconds
                }),
            None => rules::DEFAULT_IDLE_LOCK_SECONDS,
        };
        Ok(Duration::from_secs(u64::from(seconds)))
    }

    fn apply_idle_lock(&mut self) -> Result<()> {
        let Some(session) = &self.session else {
            return Ok(());
        };
        if !session.locked
            && (self.clock)().saturating_duration_since(session.last_activity)
                >= self.idle_limit()?
        {
            self.lock_with_reason("idle")?;
        }
        Ok(())
    }

    fn lock_with_reason(&mut self, reason: &str) -> Result<()> {
        let Some(session) = self.session.as_mut() else {
            return Err(not_signed_in());
        };
        if session.locked {
            return Ok(());
        }
        session.locked = true;
        let id = session.user_id.to_string();
        self.audit_event(record(&id, "session.lock", "user", &id, "ok", reason))?;
        Ok(())
    }

    /// Checks that a signed-in, unlocked session holds `permission`; counts as activity. A
    /// refusal is audited.
    /// Checks that the signed-in person holds `permission` (a refusal is audited), for work the
    /// shell runs outside the app, such as the background sync's end-of-day.
    pub fn check_permission(&mut self, permission: P, action: &str) -> Result<()> {
        self.authorize(permission, action).map(|_| ())
    }

    pub(crate) fn authorize(&mut self, permission: P, action: &str) -> Result<Session> {
        self.authorize_as(permission, action, true)
    }

    /// [`App::authorize`] for a read the app makes on its own (the day on screen refreshed after
    /// a sync): checked the same way, but it does not count as the person's activity, so it
    /// never holds off the idle lock.
    pub(crate) fn authorize_unattended(&mut self, permission: P, action: &str) -> Result<Session> {
        self.authorize_as(permission, action, false)
    }

    fn authorize_as(&mut self, permission: P, action: &str, activity: bool) -> Result<Session> {
        self.store()?;
        self.apply_idle_lock()?;
        let now = (self.clock)();
        let session = self.session.as_mut().ok_or_else(not_signed_in)?;
        if session.locked {
            return Err(ApiError::new(
                code::SESSION_LOCKED,
                "the session is locked: enter your password to continue",
            ));
        }
        if activity {
            session.last_activity = now;
        }
        let session = session.clone();
        if !session.role.allows(permission) {
            let id = session.user_id.to_string();
            self.audit_event(record(
                &id,
                action,
                "permission",
                permission.as_str(),
                "denied",
                session.role.as_str(),
            ))?;
            return Err(ApiError::new(
                code::PERMISSION_DENIED,
                format!(
                    "the {} role does not allow {}: ask the practice owner",
                    session.role,
                    permission.as_str().replace('_', " ")
                ),
            ));
        }
        Ok(session)
    }

    /// Records an event that changes no data (a sign-in, a refusal, a lock) in its own transaction.
    pub(crate) fn audit_event(&mut self, event: AuditRecord<'_>) -> Result<()> {
        self.store_mut()?.write(|w| w.audit(event).map(|_| ()))?;
        Ok(())
    }

    /// Runs a write as the session's user, with its audit entry in the same transaction.
    fn audited_write<T>(
        &mut self,
        session: &Session,
        action: &str,
        entity: &str,
        entity_id: &str,
        f: impl FnOnce(&mut Writer<'_>) -> chairside_store::Result<T>,
    ) -> Result<T> {
        self.audited_write_with_detail(session, action, entity, entity_id, "", f)
    }

    /// [`App::audited_write`] with a detail in the audit entry (what changed, by id).
    pub(crate) fn audited_write_with_detail<T>(
        &mut self,
        session: &Session,
        action: &str,
        entity: &str,
        entity_id: &str,
        detail: &str,
        f: impl FnOnce(&mut Writer<'_>) -> chairside_store::Result<T>,
    ) -> Result<T> {
        let user_id = session.user_id.to_string();
        Ok(self.store_mut()?.write(|w| {
            let value = f(w)?;
            w.audit(record(&user_id, action, entity, entity_id, "ok", detail))?;
            Ok(value)
        })?)
    }

    // ---- clinic and users ------------------------------------------------------------------

    /// The clinic's settings and this PC's identity. Any signed-in user may read them.
    pub fn clinic_info(&mut self) -> Result<ClinicInfo> {
        self.authorize(P::ViewAgenda, "clinic.read")?;
        self.read_clinic_info()
    }

    fn read_clinic_info(&self) -> Result<ClinicInfo> {
        let store = self.store()?;
        let row = clinic::get(store.conn())?
            .ok_or_else(|| ApiError::new(code::NOT_INITIALISED, "no clinic is set up yet"))?;
        let default_national_id_kind =
            chairside_domain::patient::NationalIdKind::for_region(&row.settings.phone_region)
                .map(|k| k.code().to_string());
        Ok(ClinicInfo {
            id: row.id.to_string(),
            name: row.settings.name,
            address: row.settings.address,
            timezone: row.settings.timezone.name().into(),
            phone_region: row.settings.phone_region,
            language: row.settings.language.into(),
            idle_lock_seconds: row.settings.idle_lock_seconds,
            device_id: store.device_id().to_string(),
            device_name: store.device_name()?,
            default_national_id_kind,
        })
    }

    pub fn update_settings(&mut self, update: SettingsUpdate) -> Result<ClinicInfo> {
        let session = self.authorize(P::ManageSettings, "clinic.update")?;
        let seconds = rules::check_idle_lock_seconds(update.idle_lock_seconds)?;
        let row = clinic::get(self.store()?.conn())?
            .ok_or_else(|| ApiError::new(code::NOT_INITIALISED, "no clinic is set up yet"))?;
        let mut settings = row.settings.clone();
        settings.language = update.language.into();
        settings.idle_lock_seconds = seconds;
        self.audited_write(
            &session,
            "clinic.update",
            "clinic",
            &row.id.to_string(),
            |w| w.save_clinic(row.id, &settings),
        )?;
        self.read_clinic_info()
    }

    pub fn list_users(&mut self) -> Result<Vec<UserInfo>> {
        let session = self.authorize(P::ManageUsers, "user.list")?;
        let list = users::list(self.store()?.conn())?;
        self.audited_write(&session, "user.list", "user", "*", |_| Ok(()))?;
        Ok(list.into_iter().map(user_info).collect())
    }

    pub fn add_user(&mut self, req: NewUserRequest) -> Result<UserInfo> {
        let session = self.authorize(P::ManageUsers, "user.create")?;
        let username = rules::parse_username(&req.username)?;
        let display_name = rules::parse_display_name(&req.display_name, &username)?;
        rules::check_password(&req.password)?;
        if users::find_by_username(self.store()?.conn(), &username)?.is_some() {
            return Err(ApiError::new(
                code::CONFLICT,
                format!("username: {username:?} is already taken; choose another"),
            ));
        }
        let user = StaffUser {
            id: EntityId::new(),
            username,
            display_name,
            role: req.role.into(),
            password_hash: password::hash(&req.password)?,
            active: true,
        };
        let id = user.id.to_string();
        self.audited_write(&session, "user.create", "user", &id, |w| {
            w.insert_user(&user)
        })?;
        Ok(user_info(user))
    }

    // ---- maintenance -----------------------------------------------------------------------

    pub fn create_backup(&mut self, target: &Path) -> Result<BackupSummary> {
        let session = self.authorize(P::ManageBackups, "backup.create")?;
        let info = self.store()?.backup_to(target)?;
        self.audited_write(
            &session,
            "backup.create",
            "database",
            self.store()?.database_id().to_string().as_str(),
            |_| Ok(()),
        )?;
        Ok(backup_summary(info))
    }

    /// Restores a backup into `data_dir`. When a clinic already lives there, only its owner may
    /// replace it (`credentials`); into an empty folder anyone holding the backup and its
    /// passphrase may restore. The app must not be running on that folder.
    pub fn restore_backup(
        data_dir: &Path,
        file: &Path,
        passphrase: Option<&str>,
        credentials: Option<SignInRequest>,
    ) -> Result<BackupSummary> {
        // Read and checksum the file before asking anything else of the user.
        backup::inspect(file)?;
        if Store::exists(data_dir) {
            let mut app = App::open(data_dir, passphrase)?;
            let credentials = credentials.ok_or_else(not_signed_in)?;
            app.sign_in(credentials)?;
            let session = app.authorize(P::ManageBackups, "backup.restore")?;
            let detail = file.display().to_string();
            let user_id = session.user_id.to_string();
            app.audit_event(record(
                &user_id,
                "backup.restore",
                "database",
                "-",
                "ok",
                &detail,
            ))?;
        }
        let info = backup::restore(data_dir, file, passphrase)?;
        Ok(backup_summary(info))
    }

    pub fn verify_audit(&mut self) -> Result<AuditVerification> {
        let session = self.authorize(P::ViewAudit, "audit.verify")?;
        let store = self.store()?;
        let report = audit::verify(store.conn(), &store.device_id().to_string())?;
        let verification = AuditVerification {
            ok: report.first_break.is_none(),
            entries: u32::try_from(report.entries).unwrap_or(u32::MAX),
            devices: u32::try_from(report.devices).unwrap_or(u32::MAX),
            first_break: report.first_break.as_ref().map(|b| b.to_string()),
            broken_seq: report
                .first_break
                .as_ref()
                .map(|b| u32::try_from(b.seq).unwrap_or(u32::MAX)),
            broken_device: report.first_break.as_ref().map(|b| b.device_id.clone()),
        };
        // Recorded after the walk, so the check itself never breaks what it reports on.
        if verification.ok {
            self.audited_write(&session, "audit.verify", "audit", "*", |_| Ok(()))?;
        }
        Ok(verification)
    }

    pub fn check_database(&mut self) -> Result<DbCheck> {
        let session = self.authorize(P::ManageBackups, "database.check")?;
        let problems = self.store()?.check()?;
        if problems.is_empty() {
            self.audited_write(&session, "database.check", "database", "*", |_| Ok(()))?;
        }
        Ok(DbCheck {
            ok: problems.is_empty(),
            problems,
        })
    }

    /// Gives the room left inside the database back to the disk (`Store::vacuum`): after an
    /// update whose migrations rebuilt tables, or once many images or files were erased. The
    /// owner's maintenance, like the check; audited with the sizes.
    pub fn compact_database(&mut self) -> Result<DbCompacted> {
        let session = self.authorize(P::ManageBackups, "database.compact")?;
        let (before_bytes, after_bytes) = self.store()?.vacuum()?;
        let detail = format!("{before_bytes} -> {after_bytes} bytes");
        self.audited_write_with_detail(
            &session,
            "database.compact",
            "database",
            "*",
            &detail,
            |_| Ok(()),
        )?;
        Ok(DbCompacted {
            before_bytes,
            after_bytes,
        })
    }

    // ---- helpers ---------------------------------------------------------------------------

    pub(crate) fn store(&self) -> Result<&Store> {
        self.store.as_ref().ok_or_else(|| self.no_store_error())
    }

    pub(crate) fn store_mut(&mut self) -> Result<&mut Store> {
        if self.store.is_none() {
            return Err(self.no_store_error());
        }
        self.store
            .as_mut()
            .ok_or_else(|| ApiError::new(code::INTERNAL, "store vanished"))
    }

    fn no_store_error(&self) -> ApiError {
        if Store::exists(&self.data_dir) {
            ApiError::new(
                code::STORE_LOCKED,
                "the database is locked: enter its passphrase first",
            )
        } else {
            ApiError::from(StoreError::NotInitialised(self.data_dir.clone()))
        }
    }
}

/// The display name of a staff user id, for "recorded by" lines; the id itself if the user is
/// unknown here (created on another PC and not yet synced).
pub(crate) fn staff_display_name(conn: &chairside_store::Connection, user_id: &str) -> String {
    user_id
        .parse()
        .ok()
        .and_then(|id| users::get(conn, id).ok().flatten())
        .map_or_else(|| user_id.to_string(), |u| u.display_name)
}

pub(crate) fn record<'a>(
    user_id: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: &'a str,
    outcome: &'a str,
    detail: &'a str,
) -> AuditRecord<'a> {
    AuditRecord {
        user_id,
        action,
        entity,
        entity_id,
        outcome,
        detail,
    }
}

fn not_signed_in() -> ApiError {
    ApiError::new(code::NOT_SIGNED_IN, "nobody is signed in: sign in first")
}

fn session_info(s: &Session, idle_lock_seconds: u32) -> SessionInfo {
    SessionInfo {
        user_id: s.user_id.to_string(),
        username: s.username.clone(),
        display_name: s.display_name.clone(),
        role: s.role.into(),
        permissions: s
            .role
            .permissions()
            .into_iter()
            .map(Permission::from)
            .collect(),
        idle_lock_seconds,
    }
}

fn user_info(u: StaffUser) -> UserInfo {
    UserInfo {
        id: u.id.to_string(),
        username: u.username,
        display_name: u.display_name,
        role: u.role.into(),
        active: u.active,
    }
}

fn backup_summary(info: backup::BackupInfo) -> BackupSummary {
    BackupSummary {
        path: info.path.display().to_string(),
        database_id: info.database_id,
        schema_version: info.schema_version,
        created_at_ms: info.created_at_ms,
        bytes: info.bytes,
        key_storage: info.key_storage.into(),
    }
}

/// Where Chairside keeps its data when no `--data-dir` is given: the platform's data directory
/// (`~/.local/share/chairside` on Linux, `%APPDATA%\\Chairside\\data` on Windows,
/// `~/Library/Application Support/app.Chairside` on macOS). `CHAIRSIDE_DATA_DIR` overrides it.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CHAIRSIDE_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("app", "Chairside", "Chairside")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("chairside-data"))
}

/// This PC's name, for the device list: the host name, else a neutral label.
pub fn device_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "Chairside PC".into())
}
