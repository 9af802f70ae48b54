//! The Chairside relay: a thin HTTP service that stores each clinic's sealed change sets and
//! serves them to the clinic's other devices. It never holds a key: it sees ciphertext, ids,
//! indexes and sizes (see `chairside-protocol`).
//!
//! * [`storage`]: the [`Storage`] trait, the append rule and the rewrite rule (redactions after a
//!   GDPR erasure); [`sqlite`] is the default backend,
//!   [`postgres`] the scale-out one (several relay processes on one database).
//! * [`router`]: the HTTP API (axum): protocol version check, per-device authentication,
//!   request size and rate limits, every query scoped by the authenticated device's clinic,
//!   one structured log line per request.
//! * [`blobs`]: sealed chunks of images and documents, on the filesystem by default.
//! * [`quota`]: the bytes of files one clinic may keep here, when the operator sets a quota.
//! * [`tls`]: HTTPS with the clinic's certificate, read again on SIGHUP.
//! * [`admin`]: the operator's view of each clinic, and the deletion of one that left.

pub mod admin;
pub mod blobs;
pub mod postgres;
pub mod quota;
pub mod sqlite;
pub mod storage;
pub mod tls;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chairside_protocol::{
    ApproveRequest, BlobDeleted, BlobList, BlobStatus, BoxKeyAnnouncement, Bytes, CLOCK_OFF_MS,
    ClinicKeys, ClockReport, Empty, EnrollRequest, EnrollResponse, EnrollmentStatus, ErrorBody,
    FileRoom, Heads, Health, InviteRequest, MAX_BLOB_LIST, MAX_BODY_BYTES, MAX_CLOCK_OFFSET_MS,
    MAX_KEY_RING_BYTES, MAX_KEY_SHARE_BYTES, MAX_KEY_SHARES, MAX_MOVE_NOTICE_BYTES, MAX_PAGE,
    MAX_RECORD_BYTES, MAX_SEALED_SALT_BYTES, MoveNotice, PROTOCOL_VERSION, PendingEnrollment,
    PendingEnrollments, PullResponse, PushRequest, PushResponse, Record, RecoverRequest,
    RecoveryState, RegisterRequest, RegisterResponse, RenewRecoveryRequest, RevokeRequest,
    RewriteRequest, RewriteResponse, ShareKeysRequest, VERSION_HEADER, check_version, code,
    feature, normalize_code,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use blobs::{BlobError, BlobStore, FsBlobStore};
pub use postgres::PostgresStorage;
use quota::FileQuota;
pub use sqlite::SqliteStorage;
use storage::now_ms;
pub use storage::{ClinicUsage, DeviceRow, DeviceStatus, NewDevice, Storage, StorageError};

/// Request-rate limit per device: a bucket of `burst` requests refilled at `per_second`.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    pub burst: f64,
    pub per_second: f64,
}

impl Default for RateLimit {
    /// Generous for a clinic (a sync is a handful of requests), tight for a runaway client.
    fn default() -> Self {
        Self {
            burst: 600.0,
            per_second: 100.0,
        }
    }
}

/// What a relay process allows each device and clinic (`serve`'s flags).
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    pub rate: RateLimit,
    /// Bytes of files a clinic may keep unless it has its own quota (see [`quota`]); None: as
    /// many as the disk holds.
    pub clinic_quota: Option<u64>,
}

#[derive(Clone)]
struct Relay {
    storage: Arc<dyn Storage>,
    blobs: Arc<dyn BlobStore>,
    limit: RateLimit,
    quota: Arc<FileQuota>,
    buckets: Arc<Mutex<HashMap<String, (f64, Instant)>>>,
    /// When this process last recorded each device's last-seen time: recorded at most once a
    /// minute, so a sync's requests do not each cost a database write.
    touched: Arc<Mutex<HashMap<String, i64>>>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("backend", &self.storage.backend())
            .finish_non_exhaustive()
    }
}

/// An error reply: an HTTP status and the protocol's error body.
#[derive(Debug)]
pub struct ApiFailure(StatusCode, ErrorBody);

impl ApiFailure {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self(
            status,
            ErrorBody {
                code: code.into(),
                message: message.into(),
            },
        )
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut response = (self.0, Json(self.1)).into_response();
        response
            .headers_mut()
            .insert(VERSION_HEADER, HeaderValue::from(PROTOCOL_VERSION));
        response
    }
}

impl From<StorageError> for ApiFailure {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict(m) => ApiFailure::new(StatusCode::CONFLICT, code::CONFLICT, m),
            StorageError::AlreadyRegistered => ApiFailure::new(
                StatusCode::CONFLICT,
                code::ALREADY_REGISTERED,
                e.to_string(),
            ),
            StorageError::BadCode => {
                ApiFailure::new(StatusCode::FORBIDDEN, code::BAD_CODE, e.to_string())
            }
            StorageError::NotFound(m) => ApiFailure::new(StatusCode::NOT_FOUND, code::NOT_FOUND, m),
            StorageError::Full(m) => {
                tracing::error!(error = %m, "the database's disk is full");
                storage_full("its database's disk")
            }
            StorageError::Backend(m) => {
                tracing::error!(error = %m, "storage failure");
                ApiFailure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    code::INTERNAL,
                    "the relay could not reach its storage; try again later",
                )
            }
        }
    }
}

impl From<BlobError> for ApiFailure {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::Invalid(m) => ApiFailure::new(StatusCode::BAD_REQUEST, code::BAD_REQUEST, m),
            BlobError::Conflict(m) => ApiFailure::new(StatusCode::CONFLICT, code::CONFLICT, m),
            // The chunk's temporary file is removed: nothing half-written stays.
            BlobError::Io(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
                ) =>
            {
                tracing::error!(error = %e, "the blob folder's disk is full");
                storage_full("the disk of its file folder")
            }
            BlobError::Io(e) => {
                tracing::error!(error = %e, "blob storage failure");
                ApiFailure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    code::INTERNAL,
                    "the relay could not reach its blob storage; try again later",
                )
            }
        }
    }
}

/// The reply when the relay's disk is full (`place`: which one): 507, with what to do. Nothing of
/// the request was kept, and the device keeps everything to send it again.
fn storage_full(place: &str) -> ApiFailure {
    ApiFailure::new(
        StatusCode::INSUFFICIENT_STORAGE,
        code::STORAGE_FULL,
        format!(
            "the relay has no space left on {place}: nothing of this request was kept; its operator must free or add space"
        ),
    )
}

type ApiResult<T> = Result<Json<T>, ApiFailure>;

/// Sweeps the blob folder at once, then every day (see [`FsBlobStore::sweep`]): files begun and
/// untouched for [`blobs::ABANDONED_AFTER`], and what crashes left. Runs for as long as the
/// relay serves; a failed sweep is logged and tried again the next day.
pub async fn sweep_blobs_daily(blobs: Arc<FsBlobStore>) {
    let mut every = tokio::time::interval(Duration::from_secs(24 * 3600));
    loop {
        every.tick().await;
        let store = blobs.clone();
        match tokio::task::spawn_blocking(move || store.sweep(blobs::ABANDONED_AFTER)).await {
            Ok(Ok(swept)) => tracing::info!(
                abandoned = swept.abandoned,
                bytes = swept.bytes,
                leftovers = swept.leftovers,
                "blob folder swept"
            ),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "blob folder sweep failed; tried again tomorrow")
            }
            Err(e) => tracing::warn!(error = %e, "blob folder sweep stopped; tried again tomorrow"),
        }
    }
}

/// Completes when the relay is asked to stop: Ctrl+C, or SIGTERM (what systemd and container
/// runtimes send). The server then stops accepting connections and lets requests under way end,
/// so a push is never cut between its records and its reply.
pub async fn stop_requested() {
    let interrupted = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminated) => {
                tokio::select! {
                    _ = interrupted => {}
                    _ = terminated.recv() => {}
                }
            }
            Err(_) => interrupted.await,
        }
    }
    #[cfg(not(unix))]
    interrupted.await;
    tracing::info!("stop requested: finishing the requests under way");
}

/// A relay serving plain HTTP has no certificate to read again: SIGHUP (`systemctl reload`) is
/// logged and otherwise ignored, where its default would stop the process.
pub fn ignore_hangups() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = signal(SignalKind::hangup())?;
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                tracing::info!("SIGHUP: nothing to read again (plain HTTP, no certificate)");
            }
        });
    }
    Ok(())
}

/// Serves `app` on a free port of 127.0.0.1, from a thread of its own with its own runtime, for
/// as long as the process lives; returns the address once it listens. For the tests and
/// benchmarks that need a real relay over HTTP in their own process.
pub fn serve_on_loopback(app: Router) -> std::io::Result<std::net::SocketAddr> {
    let (bound, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime,
            Err(e) => {
                let _ = bound.send(Err(e));
                return;
            }
        };
        let served = runtime.block_on(async move {
            let listening = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .and_then(|l| l.local_addr().map(|at| (l, at)));
            match listening {
                Ok((listener, at)) => {
                    let _ = bound.send(Ok(at));
                    axum::serve(listener, app).await
                }
                Err(e) => {
                    let _ = bound.send(Err(e));
                    Ok(())
                }
            }
        });
        if let Err(e) = served {
            tracing::error!(error = %e, "the loopback relay stopped");
        }
    });
    address
        .recv()
        .map_err(|_| std::io::Error::other("the loopback relay did not start"))?
}

/// The relay's HTTP API over a storage backend and a blob store.
pub fn router(storage: Arc<dyn Storage>, blobs: Arc<dyn BlobStore>, limit: RateLimit) -> Router {
    router_with(
        storage,
        blobs,
        Limits {
            rate: limit,
            clinic_quota: None,
        },
    )
}

/// The relay's API with every limit set (see [`Limits`]).
pub fn router_with(storage: Arc<dyn Storage>, blobs: Arc<dyn BlobStore>, limits: Limits) -> Router {
    let relay = Relay {
        storage,
        blobs,
        limit: limits.rate,
        quota: Arc::new(FileQuota::new(limits.clinic_quota)),
        buckets: Arc::new(Mutex::new(HashMap::new())),
        touched: Arc::new(Mutex::new(HashMap::new())),
    };
    let api = Router::new()
        .route("/v1/register", post(register))
        .route("/v1/heads", get(heads))
        .route("/v1/records", post(push).get(pull))
        .route("/v1/records/rewrite", post(rewrite))
        .route("/v1/records/carry", post(carry))
        .route("/v1/invites", post(invite))
        .route("/v1/enroll", post(enroll))
        .route("/v1/enrollments", get(pending))
        .route("/v1/enrollments/approve", post(approve))
        .route("/v1/enrollment", get(enrollment))
        .route("/v1/devices/revoke", post(revoke))
        .route("/v1/devices/box-key", post(announce_box_key))
        .route("/v1/devices/clock", post(report_clock))
        .route("/v1/recover", post(recover))
        .route(
            "/v1/clinic/recovery",
            get(recovery_state).post(renew_recovery),
        )
        .route("/v1/clinic/keys", get(clinic_keys).post(share_keys))
        .route("/v1/clinic/moved", post(leave_move_notice))
        .route("/v1/blobs", get(list_blobs))
        .route("/v1/blobs/{name}", get(blob_status).delete(delete_blob))
        .route(
            "/v1/blobs/{name}/{idx}",
            put(put_blob_chunk).get(get_blob_chunk),
        )
        .layer(middleware::from_fn(version_check));
    Router::new()
        .route("/health", get(health))
        .merge(api)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(log_request))
        .with_state(relay)
}

async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

async fn version_check(request: Request, next: Next) -> Response {
    let version = request
        .headers()
        .get(VERSION_HEADER)
        .and_then(|v| v.to_str().ok());
    if let Err(e) = check_version(version) {
        return ApiFailure(StatusCode::BAD_REQUEST, e).into_response();
    }
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(VERSION_HEADER, HeaderValue::from(PROTOCOL_VERSION));
    response
}

async fn health(State(relay): State<Relay>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        protocol_version: PROTOCOL_VERSION,
        backend: relay.storage.backend().into(),
    })
}

fn hash_secret(secret: &[u8]) -> [u8; 32] {
    Sha256::digest(secret).into()
}

/// Runs a blocking storage or blob-store call off the async threads.
async fn blocking<T: Send + 'static, E: Into<ApiFailure> + Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, ApiFailure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| {
            ApiFailure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                "the relay failed while handling this request",
            )
        })?
        .map_err(Into::into)
}

/// The authenticated, active device, from `Authorization: Bearer <device id>.<secret hex>`.
async fn authenticate(relay: &Relay, headers: &HeaderMap) -> Result<DeviceRow, ApiFailure> {
    let device = credential(relay, headers).await?;
    match device.status {
        DeviceStatus::Active => Ok(device),
        DeviceStatus::Pending => Err(ApiFailure::new(
            StatusCode::FORBIDDEN,
            code::UNAUTHORIZED,
            "this PC's request to join waits for the owner's approval",
        )),
        DeviceStatus::Revoked => Err(revoked()),
        // Never reached with a secret (a carried device has none): said for completeness.
        DeviceStatus::Carried => Err(ApiFailure::new(
            StatusCode::UNAUTHORIZED,
            code::UNAUTHORIZED,
            "this PC has not joined this relay yet: another PC brought its records here",
        )),
    }
}

fn revoked() -> ApiFailure {
    ApiFailure::new(
        StatusCode::FORBIDDEN,
        code::REVOKED,
        "this device was revoked by the clinic's owner: it may no longer sync",
    )
}

/// The device whose credential the request carries, whatever its status.
async fn credential(relay: &Relay, headers: &HeaderMap) -> Result<DeviceRow, ApiFailure> {
    let unauthorized = || {
        ApiFailure::new(
            StatusCode::UNAUTHORIZED,
            code::UNAUTHORIZED,
            "unknown device or wrong credential: this PC is not enrolled at this relay",
        )
    };
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(unauthorized)?;
    let (device_id, secret_hex) = token.split_once('.').ok_or_else(unauthorized)?;
    let secret = hex::decode(secret_hex).map_err(|_| unauthorized())?;
    let storage = relay.storage.clone();
    let id = device_id.to_string();
    let device = blocking(move || storage.device(&id))
        .await?
        .ok_or_else(unauthorized)?;
    if device.secret_hash != hash_secret(&secret) {
        return Err(unauthorized());
    }
    relay.take_token(&device.device_id)?;
    let now = now_ms();
    let due = relay.touched.lock().is_ok_and(|mut touched| {
        let last = touched.entry(device.device_id.clone()).or_insert(0);
        let due = now - *last >= 60_000;
        if due {
            *last = now;
        }
        due
    });
    if due {
        let storage = relay.storage.clone();
        let id = device.device_id.clone();
        // The last contact is for the owner's report ("not seen today"), not for the request:
        // a relay that cannot write it (its database's disk full) still serves reads and says
        // what it cannot keep, and writes it at a later request.
        if let Err(ApiFailure(_, why)) = blocking(move || storage.touch(&id, now)).await {
            tracing::warn!(code = %why.code, error = %why.message, "last contact not recorded");
            if let Ok(mut touched) = relay.touched.lock() {
                touched.remove(&device.device_id);
            }
        }
    }
    Ok(device)
}

fn valid_id(name: &str, id: &str) -> Result<(), ApiFailure> {
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            format!("{name} is not a UUID"),
        ));
    }
    Ok(())
}

fn strong_secret(secret: &Bytes) -> Result<(), ApiFailure> {
    if secret.0.len() < 32 {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            "a device secret has at least 32 bytes",
        ));
    }
    Ok(())
}

/// Sealed bytes a client leaves for its clinic's PCs (a recovery salt, a move notice): 1 to
/// `max` bytes, since the relay cannot check what they hold.
fn sealed_within(what: &str, sealed: &Bytes, max: usize) -> Result<(), ApiFailure> {
    if sealed.0.is_empty() || sealed.0.len() > max {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            format!("{what} must hold 1 to {max} bytes"),
        ));
    }
    Ok(())
}

fn hash32(hex_text: &str, what: &str) -> Result<[u8; 32], ApiFailure> {
    let bytes = hex::decode(hex_text)
        .ok()
        .filter(|b| b.len() == 32)
        .ok_or_else(|| {
            ApiFailure::new(
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                format!("{what} is not a hex SHA-256"),
            )
        })?;
    let mut out = [0u8; 32];
    out.copy_from_slice(&bytes);
    Ok(out)
}

impl Relay {
    fn take_token(&self, device_id: &str) -> Result<(), ApiFailure> {
        let mut buckets = self.buckets.lock().map_err(|_| {
            ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL, "lock")
        })?;
        let now = Instant::now();
        let (tokens, last) = buckets
            .entry(device_id.to_string())
            .or_insert((self.limit.burst, now));
        let refill = now.duration_since(*last).as_secs_f64() * self.limit.per_second;
        *tokens = (*tokens + refill).min(self.limit.burst);
        *last = now;
        if *tokens < 1.0 {
            let wait = Duration::from_secs_f64((1.0 - *tokens) / self.limit.per_second);
            return Err(ApiFailure::new(
                StatusCode::TOO_MANY_REQUESTS,
                code::RATE_LIMITED,
                format!("too many requests: retry in {} ms", wait.as_millis()),
            ));
        }
        *tokens -= 1.0;
        Ok(())
    }
}

async fn register(
    State(relay): State<Relay>,
    Json(req): Json<RegisterRequest>,
) -> ApiResult<RegisterResponse> {
    strong_secret(&req.secret)?;
    valid_id("clinic_id", &req.clinic_id)?;
    valid_id("device_id", &req.device_id)?;
    let recovery = hash32(&req.recovery.proof_hash, "recovery.proof_hash")?;
    let storage = relay.storage.clone();
    let hash = hash_secret(&req.secret.0);
    let (clinic, device) = (req.clinic_id.clone(), req.device_id.clone());
    blocking(move || storage.register(&clinic, &device, hash, recovery)).await?;
    tracing::info!(clinic = %req.clinic_id, device = %req.device_id, "clinic registered");
    Ok(Json(RegisterResponse {
        clinic_id: req.clinic_id,
        device_id: req.device_id,
    }))
}

async fn invite(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<InviteRequest>,
) -> ApiResult<Empty> {
    let device = authenticate(&relay, &headers).await?;
    let code_hash = hash32(&req.code_hash, "code_hash")?;
    // A pairing code lives an hour at most, whatever the client asks.
    let expires = req.expires_at_ms.min(now_ms() + 3_600_000);
    let storage = relay.storage.clone();
    blocking(move || storage.add_invite(&device.clinic_id, code_hash, expires)).await?;
    Ok(Json(Empty {}))
}

async fn enroll(
    State(relay): State<Relay>,
    Json(req): Json<EnrollRequest>,
) -> ApiResult<EnrollResponse> {
    strong_secret(&req.secret)?;
    valid_id("device_id", &req.device_id)?;
    if req.public_key.0.len() != 32 || req.device_name.chars().count() > 100 {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            "a public key has 32 bytes and a device name at most 100 characters",
        ));
    }
    // Slow down guessing: one bucket for every enrollment attempt at this relay (a bucket per
    // code would let a guesser try each new code at full speed).
    relay.take_token("enroll")?;
    let code_hash = hash_secret(normalize_code(&req.code).as_bytes());
    let storage = relay.storage.clone();
    let secret_hash = hash_secret(&req.secret.0);
    let clinic_id = blocking(move || {
        storage.enroll(
            code_hash,
            now_ms(),
            NewDevice {
                device_id: &req.device_id,
                secret_hash,
                public_key: &req.public_key.0,
                name: &req.device_name,
            },
        )
    })
    .await?;
    Ok(Json(EnrollResponse { clinic_id }))
}

async fn pending(State(relay): State<Relay>, headers: HeaderMap) -> ApiResult<PendingEnrollments> {
    let device = authenticate(&relay, &headers).await?;
    let storage = relay.storage.clone();
    let rows = blocking(move || storage.pending(&device.clinic_id)).await?;
    Ok(Json(PendingEnrollments {
        pending: rows
            .into_iter()
            .map(|(device_id, device_name, key, at)| PendingEnrollment {
                device_id,
                device_name,
                public_key: Bytes(key),
                requested_at_ms: at,
            })
            .collect(),
    }))
}

async fn approve(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<ApproveRequest>,
) -> ApiResult<Empty> {
    let device = authenticate(&relay, &headers).await?;
    let storage = relay.storage.clone();
    blocking(move || storage.approve(&device.clinic_id, &req.device_id, &req.sealed.0)).await?;
    Ok(Json(Empty {}))
}

async fn enrollment(State(relay): State<Relay>, headers: HeaderMap) -> ApiResult<EnrollmentStatus> {
    let device = credential(&relay, &headers).await?;
    if device.status == DeviceStatus::Revoked {
        return Err(revoked());
    }
    let storage = relay.storage.clone();
    let sealed = blocking(move || storage.sealed_for(&device.device_id)).await?;
    Ok(Json(EnrollmentStatus {
        sealed: sealed.map(Bytes),
    }))
}

async fn revoke(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<RevokeRequest>,
) -> ApiResult<Empty> {
    let device = authenticate(&relay, &headers).await?;
    valid_id("device_id", &req.device_id)?;
    let storage = relay.storage.clone();
    let found = blocking(move || storage.revoke_device(&device.clinic_id, &req.device_id)).await?;
    if !found {
        return Err(ApiFailure::new(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            "no such device in this clinic",
        ));
    }
    Ok(Json(Empty {}))
}

async fn renew_recovery(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<RenewRecoveryRequest>,
) -> ApiResult<Empty> {
    let device = authenticate(&relay, &headers).await?;
    let new_hash = hash32(&req.new_proof_hash, "new_proof_hash")?;
    sealed_within("sealed_salt", &req.sealed_salt, MAX_SEALED_SALT_BYTES)?;
    let storage = relay.storage.clone();
    let clinic = device.clinic_id.clone();
    blocking(move || {
        storage.renew_recovery(&clinic, req.expected_version, new_hash, &req.sealed_salt.0)
    })
    .await?;
    tracing::info!(clinic = %device.clinic_id, device = %device.device_id, "recovery key renewed");
    Ok(Json(Empty {}))
}

async fn recovery_state(
    State(relay): State<Relay>,
    headers: HeaderMap,
) -> ApiResult<RecoveryState> {
    let device = authenticate(&relay, &headers).await?;
    let storage = relay.storage.clone();
    let (version, sealed) = blocking(move || storage.recovery_state(&device.clinic_id)).await?;
    Ok(Json(RecoveryState {
        version,
        sealed_salt: sealed.map(Bytes),
    }))
}

/// The clinic's data key for the asking PC: its epoch, the sealed ring and the PC's own share
/// (never another PC's).
async fn clinic_keys(State(relay): State<Relay>, headers: HeaderMap) -> ApiResult<ClinicKeys> {
    let device = authenticate(&relay, &headers).await?;
    let storage = relay.storage.clone();
    let state = blocking(move || storage.clinic_keys(&device.clinic_id, &device.device_id)).await?;
    Ok(Json(state.into_reply()))
}

/// A PC announces its X25519 public key, sealed under the clinic's data key (the relay keeps
/// bytes it cannot read or forge, within bounds, on the PC's own row).
async fn announce_box_key(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<BoxKeyAnnouncement>,
) -> ApiResult<Empty> {
    let device = authenticate(&relay, &headers).await?;
    sealed_within("sealed", &req.sealed, MAX_KEY_SHARE_BYTES)?;
    let storage = relay.storage.clone();
    blocking(move || storage.announce_box_key(&device.clinic_id, &device.device_id, &req.sealed.0))
        .await?;
    Ok(Json(Empty {}))
}

/// A PC says how far its clock stands from the relay's: kept on its row for the owner's report.
async fn report_clock(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<ClockReport>,
) -> ApiResult<Empty> {
    let device = authenticate(&relay, &headers).await?;
    if req.offset_ms.unsigned_abs() > MAX_CLOCK_OFFSET_MS as u64 {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            "offset_ms is past any clock: at most a hundred years either way",
        ));
    }
    let storage = relay.storage.clone();
    let (clinic, id) = (device.clinic_id.clone(), device.device_id.clone());
    blocking(move || storage.report_clock(&clinic, &id, req.offset_ms)).await?;
    if req.offset_ms.unsigned_abs() >= CLOCK_OFF_MS as u64 {
        tracing::info!(
            clinic = %device.clinic_id,
            device = %device.device_id,
            offset_ms = req.offset_ms,
            "a PC's clock is off"
        );
    }
    Ok(Json(Empty {}))
}

/// An active PC renews the clinic's data key (or shares the current one with PCs left out): the
/// relay keeps sealed bytes it cannot read, within bounds, scoped by the PC's clinic.
async fn share_keys(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<ShareKeysRequest>,
) -> ApiResult<Empty> {
    let device = authenticate(&relay, &headers).await?;
    sealed_within("ring", &req.ring, MAX_KEY_RING_BYTES)?;
    if req.shares.len() > MAX_KEY_SHARES {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            format!("at most {MAX_KEY_SHARES} shares at once"),
        ));
    }
    for share in &req.shares {
        sealed_within("a share", &share.sealed, MAX_KEY_SHARE_BYTES)?;
        if share.device_id.is_empty() || share.device_id.len() > 64 {
            return Err(ApiFailure::new(
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                "a share names no device",
            ));
        }
    }
    let storage = relay.storage.clone();
    let clinic = device.clinic_id.clone();
    let (epoch, count) = (req.epoch, req.shares.len());
    blocking(move || {
        let shares: Vec<(String, Vec<u8>)> = req
            .shares
            .into_iter()
            .map(|s| (s.device_id, s.sealed.0))
            .collect();
        storage.share_keys(&clinic, req.epoch, &req.ring.0, &shares)
    })
    .await?;
    tracing::info!(
        clinic = %device.clinic_id,
        device = %device.device_id,
        epoch,
        shares = count,
        "clinic data key shared"
    );
    Ok(Json(Empty {}))
}

/// A planned move: an active PC of the clinic leaves the sealed address of the relay the clinic
/// moved to (or takes it back). The relay cannot read it; the clinic's PCs find it in their heads.
async fn leave_move_notice(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<MoveNotice>,
) -> ApiResult<Empty> {
    let device = authenticate(&relay, &headers).await?;
    if let Some(sealed) = &req.sealed {
        sealed_within("sealed", sealed, MAX_MOVE_NOTICE_BYTES)?;
    }
    let storage = relay.storage.clone();
    let clinic = device.clinic_id.clone();
    let left = req.sealed.is_some();
    blocking(move || storage.set_move_notice(&clinic, req.sealed.as_ref().map(|b| &b.0[..])))
        .await?;
    tracing::info!(
        clinic = %device.clinic_id,
        device = %device.device_id,
        "{}",
        if left { "clinic moved to another relay" } else { "move notice taken back" }
    );
    Ok(Json(Empty {}))
}

async fn recover(State(relay): State<Relay>, Json(req): Json<RecoverRequest>) -> ApiResult<Empty> {
    strong_secret(&req.secret)?;
    valid_id("clinic_id", &req.clinic_id)?;
    valid_id("device_id", &req.device_id)?;
    relay.take_token(&format!("recover:{}", req.clinic_id))?;
    let storage = relay.storage.clone();
    let proof_hash = hash_secret(&req.proof.0);
    let secret_hash = hash_secret(&req.secret.0);
    blocking(move || storage.recover(&req.clinic_id, proof_hash, &req.device_id, secret_hash))
        .await?;
    Ok(Json(Empty {}))
}

async fn heads(State(relay): State<Relay>, headers: HeaderMap) -> ApiResult<Heads> {
    let device = authenticate(&relay, &headers).await?;
    let storage = relay.storage.clone();
    let quota = relay.quota.clone();
    let blobs = relay.blobs.clone();
    let (devices, file_room, moved, (key_epoch, keys_to_share)) = blocking(move || {
        let devices = storage.heads(&device.clinic_id)?;
        let moved = storage.move_notice(&device.clinic_id)?;
        let key_summary = storage.key_summary(&device.clinic_id)?;
        // With a quota, the clinic's files against it: the owner's end-of-day report shows it.
        let file_room = match quota.limit_for(&*storage, &device.clinic_id)? {
            Some(limit) => Some(FileRoom {
                used: quota.used(&*blobs, &device.clinic_id)?,
                quota: limit,
            }),
            None => None,
        };
        Ok::<_, ApiFailure>((devices, file_room, moved, key_summary))
    })
    .await?;
    Ok(Json(Heads {
        devices,
        blob_folder: Some(relay.blobs.folder_id()),
        features: feature::ALL.iter().map(|f| f.to_string()).collect(),
        file_room,
        moved: moved.map(Bytes),
        key_epoch,
        keys_to_share,
        server_time_ms: now_ms(),
    }))
}

async fn push(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<PushRequest>,
) -> ApiResult<PushResponse> {
    let device = authenticate(&relay, &headers).await?;
    refuse_oversized(&req.records)?;
    let count = req.records.len();
    let reply = append(
        &relay,
        &device.clinic_id,
        &device.device_id,
        req.records,
        false,
    )
    .await?;
    tracing::debug!(records = count, head = reply.head, "push");
    Ok(Json(reply))
}

/// Appends records to one stream of a clinic by the push rule ([`Storage::push`]); for a
/// `carried` stream the device is recorded first if the relay does not know it
/// ([`Storage::ensure_carried`]).
async fn append(
    relay: &Relay,
    clinic: &str,
    stream: &str,
    records: Vec<Record>,
    carried: bool,
) -> Result<PushResponse, ApiFailure> {
    let storage = relay.storage.clone();
    let (clinic, stream) = (clinic.to_string(), stream.to_string());
    let (head, checksum) = blocking(move || {
        if carried {
            storage.ensure_carried(&clinic, &stream)?;
        }
        storage.push(&clinic, &stream, &records)
    })
    .await?;
    Ok(PushResponse { head, checksum })
}

/// A device brings here records of another device's log of its clinic that the relay lacks (it
/// lost them, or the clinic moved to this relay): one stream per request, appended by the push
/// rule, so only what continues the log is added and a record already stored must come with the
/// same bytes. Sealing is deterministic, so every PC holding a set seals it as its author did,
/// and the author's own later push of it is a retry. It is the trust an active device already
/// has (see [`rewrite`]); the device must be of the caller's clinic, or unknown here (it is then
/// recorded without a credential, see [`Storage::ensure_carried`]).
async fn carry(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<PushRequest>,
) -> ApiResult<PushResponse> {
    let device = authenticate(&relay, &headers).await?;
    refuse_oversized(&req.records)?;
    let Some(stream) = req.records.first().map(|r| r.device_id.clone()) else {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            "a carry holds at least one record",
        ));
    };
    valid_id("device_id", &stream)?;
    if stream == device.device_id {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            "a device pushes its own log with POST /v1/records, not as a carry",
        ));
    }
    let count = req.records.len();
    let reply = append(&relay, &device.clinic_id, &stream, req.records, true).await?;
    tracing::info!(records = count, head = reply.head, stream, by = %device.device_id, "carry");
    Ok(Json(reply))
}

/// Refuses a push or rewrite holding a record above the size limit, naming it.
fn refuse_oversized(records: &[Record]) -> Result<(), ApiFailure> {
    match records.iter().find(|r| r.size() > MAX_RECORD_BYTES) {
        Some(big) => Err(ApiFailure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::TOO_LARGE,
            format!("record {} is larger than {MAX_RECORD_BYTES} bytes", big.idx),
        )),
        None => Ok(()),
    }
}

/// A device seals again records of a stream of its clinic that an erasure scrubbed (see
/// [`Storage::rewrite`]); the same size limit as a push.
///
/// Any active device of the clinic may rewrite any of its streams, revoked devices' included:
/// that is how an erasure reaches the copies of a PC that is lost or will never sync again. It is
/// the trust a device already has (it holds the clinic key and could push any change); the
/// stream is looked up within the caller's clinic only, so another clinic's is "not stored".
async fn rewrite(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<RewriteRequest>,
) -> ApiResult<RewriteResponse> {
    let device = authenticate(&relay, &headers).await?;
    refuse_oversized(&req.records)?;
    let storage = relay.storage.clone();
    let count = req.records.len();
    let stream = storage::rewritten_stream(&device.device_id, &req.records).to_string();
    let target = stream.clone();
    let clinic = device.clinic_id.clone();
    let reply = blocking(move || storage.rewrite(&clinic, &target, &req.records)).await?;
    tracing::info!(
        records = count,
        replaced = reply.replaced,
        head = reply.head,
        revision = reply.revision,
        stream,
        by = %device.device_id,
        "rewrite"
    );
    Ok(Json(reply))
}

#[derive(Debug, Deserialize)]
struct PullQuery {
    device: String,
    #[serde(default)]
    after: i64,
    limit: Option<u32>,
}

async fn pull(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Query(q): Query<PullQuery>,
) -> ApiResult<PullResponse> {
    let device = authenticate(&relay, &headers).await?;
    let limit = q.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    let storage = relay.storage.clone();
    let (records, head) =
        blocking(move || storage.pull(&device.clinic_id, &q.device, q.after.max(0), limit)).await?;
    Ok(Json(PullResponse { records, head }))
}

#[derive(Debug, Deserialize)]
struct BlobListQuery {
    after: Option<String>,
    limit: Option<u32>,
}

/// A page of the blobs the relay holds whole for the caller's clinic (the end-of-day check).
async fn list_blobs(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Query(q): Query<BlobListQuery>,
) -> ApiResult<BlobList> {
    let device = authenticate(&relay, &headers).await?;
    let limit = q.limit.unwrap_or(MAX_BLOB_LIST).clamp(1, MAX_BLOB_LIST);
    let blobs = relay.blobs.clone();
    let list = blocking(move || blobs.list(&device.clinic_id, q.after.as_deref(), limit)).await?;
    Ok(Json(list))
}

async fn blob_status(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<BlobStatus> {
    let device = authenticate(&relay, &headers).await?;
    let blobs = relay.blobs.clone();
    let status = blocking(move || blobs.status(&device.clinic_id, &name)).await?;
    Ok(Json(status))
}

/// A blob replaced by a copy without an erased patient's identity (by the PC that replaced it,
/// and by every PC that held it). Any active device of the clinic may, as for invite, approve
/// and revoke: from ciphertext the relay cannot tell who may replace a file. A blob that is not
/// there is no error; the reply says whether it was.
async fn delete_blob(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<BlobDeleted> {
    let device = authenticate(&relay, &headers).await?;
    let blobs = relay.blobs.clone();
    let clinic = device.clinic_id.clone();
    let deleted = blocking(move || blobs.delete(&clinic, &name)).await?;
    relay.quota.recount(&device.clinic_id);
    tracing::info!(device = %device.device_id, deleted, "blob deleted");
    Ok(Json(BlobDeleted { deleted }))
}

#[derive(Debug, Deserialize)]
struct ChunkQuery {
    count: u32,
}

async fn put_blob_chunk(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Path((name, idx)): Path<(String, u32)>,
    Query(q): Query<ChunkQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Empty> {
    let device = authenticate(&relay, &headers).await?;
    let blobs = relay.blobs.clone();
    let size = body.len();
    let quota = relay.quota.clone();
    let storage = relay.storage.clone();
    let clinic = device.clinic_id.clone();
    let refused = blocking(move || {
        // Only a file not begun is measured against the clinic's quota: one begun is completed.
        if let Some(limit) = quota.limit_for(&*storage, &clinic)?
            && blobs.status(&clinic, &name)?.count.is_none()
            && let Err(refused) = quota.admit(&*blobs, &clinic, q.count, limit)?
        {
            return Ok(Some(refused));
        }
        if blobs.put_chunk(&clinic, &name, idx, q.count, &body)? {
            quota.wrote(&clinic, size as u64);
        }
        Ok::<_, ApiFailure>(None)
    })
    .await?;
    if let Some(refused) = refused {
        tracing::warn!(clinic = %device.clinic_id, used = refused.used, limit = refused.limit, "file refused: clinic quota");
        // For the owner's end-of-day report: which PC holds files back. Best-effort, as the
        // last contact: the refusal is the reply that matters.
        let storage = relay.storage.clone();
        let id = device.device_id.clone();
        if let Err(ApiFailure(_, why)) =
            blocking(move || storage.note_file_refused(&id, now_ms())).await
        {
            tracing::warn!(code = %why.code, error = %why.message, "file refusal not recorded");
        }
        return Err(ApiFailure::new(
            StatusCode::INSUFFICIENT_STORAGE,
            code::QUOTA_EXCEEDED,
            refused.to_string(),
        ));
    }
    tracing::debug!(idx, bytes = size, "blob chunk stored");
    Ok(Json(Empty {}))
}

async fn get_blob_chunk(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Path((name, idx)): Path<(String, u32)>,
) -> Result<Response, ApiFailure> {
    let device = authenticate(&relay, &headers).await?;
    let blobs = relay.blobs.clone();
    let chunk = blocking(move || blobs.get_chunk(&device.clinic_id, &name, idx))
        .await?
        .ok_or_else(|| {
            ApiFailure::new(
                StatusCode::NOT_FOUND,
                code::NOT_FOUND,
                "the relay does not hold this chunk (yet): the PC that stored the file has not uploaded it",
            )
        })?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
        chunk,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_told_as_such_not_as_an_internal_error() {
        // SQLite's own "database or disk is full", made real by capping the file's pages.
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (b BLOB); PRAGMA max_page_count = 2;")
            .unwrap();
        let full = conn
            .execute("INSERT INTO t VALUES (zeroblob(100000))", [])
            .unwrap_err();
        let ApiFailure(status, body) = ApiFailure::from(StorageError::from(full));
        assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE);
        assert_eq!(body.code, code::STORAGE_FULL);
        assert!(
            body.message.contains("free or add space"),
            "{}",
            body.message
        );

        // The blob folder's disk (ENOSPC) or the operator's disk quota (EDQUOT), as Linux
        // reports them.
        #[cfg(target_os = "linux")]
        for errno in [28, 122] {
            let io = std::io::Error::from_raw_os_error(errno);
            let ApiFailure(status, body) = ApiFailure::from(BlobError::Io(io));
            assert_eq!(
                (status, body.code.as_str()),
                (StatusCode::INSUFFICIENT_STORAGE, code::STORAGE_FULL)
            );
        }
        // Any other failure stays internal (retried by the devices).
        let other = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(
            ApiFailure::from(BlobError::Io(other)).1.code,
            code::INTERNAL
        );
    }
}
