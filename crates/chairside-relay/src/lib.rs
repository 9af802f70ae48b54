//! The Chairside relay: a thin HTTP service that stores each clinic's sealed change sets and
//! serves them to the clinic's other devices. It never holds a key: it sees ciphertext, ids,
//! indexes and sizes (see `chairside-protocol`).
//!
//! * [`storage`]: the [`Storage`] trait and the append rule; [`sqlite`] is the default backend.
//! * [`router`]: the HTTP API (axum): protocol version check, per-device authentication,
//!   request size and rate limits, every query scoped by the authenticated device's clinic,
//!   one structured log line per request.

pub mod sqlite;
pub mod storage;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chairside_protocol::{
    ErrorBody, Heads, Health, MAX_BODY_BYTES, MAX_PAGE, MAX_RECORD_BYTES, PROTOCOL_VERSION,
    PullResponse, PushRequest, PushResponse, RegisterRequest, RegisterResponse, VERSION_HEADER,
    check_version, code,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use sqlite::SqliteStorage;
pub use storage::{DeviceRow, Storage, StorageError};

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

#[derive(Clone)]
struct Relay {
    storage: Arc<dyn Storage>,
    limit: RateLimit,
    buckets: Arc<Mutex<HashMap<String, (f64, Instant)>>>,
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

type ApiResult<T> = Result<Json<T>, ApiFailure>;

/// The relay's HTTP API over a storage backend.
pub fn router(storage: Arc<dyn Storage>, limit: RateLimit) -> Router {
    let relay = Relay {
        storage,
        limit,
        buckets: Arc::new(Mutex::new(HashMap::new())),
    };
    let api = Router::new()
        .route("/v1/register", post(register))
        .route("/v1/heads", get(heads))
        .route("/v1/records", post(push).get(pull))
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

/// Runs a blocking storage call off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
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
        .map_err(ApiFailure::from)
}

/// The authenticated device, from `Authorization: Bearer <device id>.<secret hex>`.
async fn authenticate(relay: &Relay, headers: &HeaderMap) -> Result<DeviceRow, ApiFailure> {
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
    if device.revoked {
        return Err(ApiFailure::new(
            StatusCode::FORBIDDEN,
            code::REVOKED,
            "this device was revoked by the clinic's owner: it may no longer sync",
        ));
    }
    relay.take_token(&device.device_id)?;
    Ok(device)
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
    if req.secret.0.len() < 32 {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            "a device secret has at least 32 bytes",
        ));
    }
    for (name, id) in [("clinic_id", &req.clinic_id), ("device_id", &req.device_id)] {
        if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        {
            return Err(ApiFailure::new(
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                format!("{name} is not a UUID"),
            ));
        }
    }
    let storage = relay.storage.clone();
    let hash = hash_secret(&req.secret.0);
    let (clinic, device) = (req.clinic_id.clone(), req.device_id.clone());
    blocking(move || storage.register(&clinic, &device, hash)).await?;
    tracing::info!(clinic = %req.clinic_id, device = %req.device_id, "clinic registered");
    Ok(Json(RegisterResponse {
        clinic_id: req.clinic_id,
        device_id: req.device_id,
    }))
}

async fn heads(State(relay): State<Relay>, headers: HeaderMap) -> ApiResult<Heads> {
    let device = authenticate(&relay, &headers).await?;
    let storage = relay.storage.clone();
    let devices = blocking(move || storage.heads(&device.clinic_id)).await?;
    Ok(Json(Heads { devices }))
}

async fn push(
    State(relay): State<Relay>,
    headers: HeaderMap,
    Json(req): Json<PushRequest>,
) -> ApiResult<PushResponse> {
    let device = authenticate(&relay, &headers).await?;
    if let Some(big) = req.records.iter().find(|r| r.size() > MAX_RECORD_BYTES) {
        return Err(ApiFailure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::TOO_LARGE,
            format!("record {} is larger than {MAX_RECORD_BYTES} bytes", big.idx),
        ));
    }
    let storage = relay.storage.clone();
    let count = req.records.len();
    let (head, checksum) =
        blocking(move || storage.push(&device.clinic_id, &device.device_id, &req.records)).await?;
    tracing::debug!(records = count, head, "push");
    Ok(Json(PushResponse { head, checksum }))
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
