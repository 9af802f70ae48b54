//! libFuzzer target for a request reaching the relay: anyone who can reach its port can send
//! one, so the method, path, query, credential and body are all untrusted. The request goes
//! through the real router (`chairside_relay::router`) over a real SQLite store and blob folder
//! that hold one clinic with a device, a revoked device and a second clinic.
//!
//! Input (text, so that libFuzzer's mutations and the seeds in `fuzz/seeds/relay_request` stay
//! readable): a first line `METHOD PATH?QUERY`, a second line choosing the credential (`0` none,
//! `1` the clinic's device, `2` its revoked device, `3` the other clinic's device, `4` the right
//! device with a wrong secret; anything else is sent verbatim as the `Authorization` header), then
//! the body.
//!
//! It checks what `crates/chairside-relay/tests/fuzz_requests.rs` checks, with coverage guiding
//! the inputs: no panic, no 5xx, a refusal carries an error body with a code and a message (or
//! axum's own plain-text rejection), and a refused request changes no device's log.
//!
//! Run with `scripts/fuzz.sh SECONDS relay_request`.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request};
use chairside_protocol::{PROTOCOL_VERSION, VERSION_HEADER};
use chairside_relay::{FsBlobStore, RateLimit, SqliteStorage, Storage, router};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const CLINIC: &str = "0190a5e2-0000-7000-8000-00000000c11c";
const DEVICE: &str = "0190a5e2-0000-7000-8000-0000000000d1";
const REVOKED: &str = "0190a5e2-0000-7000-8000-0000000000d9";
const OTHER_CLINIC: &str = "0190a5e2-0000-7000-8000-00000000c22c";
const OTHER_DEVICE: &str = "0190a5e2-0000-7000-8000-0000000000e1";
const SECRET: [u8; 32] = [7; 32];

struct Target {
    router: axum::Router,
    storage: Arc<dyn Storage>,
    runtime: tokio::runtime::Runtime,
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        // In `TMPDIR`, which `scripts/fuzz.sh` removes afterwards.
        let dir = std::env::temp_dir().join(format!("chairside-fuzz-relay-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("relay folder");
        let storage: Arc<dyn Storage> =
            Arc::new(SqliteStorage::open(&dir.join("relay.sqlite")).expect("relay store"));
        let secret_hash: [u8; 32] = Sha256::digest(SECRET).into();
        storage
            .register(CLINIC, DEVICE, secret_hash, [1; 32])
            .expect("clinic");
        storage
            .register(OTHER_CLINIC, OTHER_DEVICE, secret_hash, [2; 32])
            .expect("other clinic");
        // A second device joins with the recovery proof (its hash is [1; 32]), then is revoked.
        storage
            .recover(CLINIC, [1; 32], REVOKED, secret_hash)
            .expect("second device");
        storage.revoke_device(CLINIC, REVOKED).expect("revocation");
        let blobs = Arc::new(FsBlobStore::open(&dir.join("blobs")).expect("blob folder"));
        let no_limit = RateLimit {
            burst: 1e9,
            per_second: 1e9,
        };
        Target {
            router: router(storage.clone(), blobs, no_limit),
            storage,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
        }
    })
}

fn bearer(device: &str, secret: &[u8]) -> String {
    format!("Bearer {device}.{}", hex::encode(secret))
}

/// Every clinic's logs: what a refused request must not change.
fn logs(storage: &dyn Storage) -> Vec<(String, i64, String, bool, i64)> {
    [CLINIC, OTHER_CLINIC]
        .into_iter()
        .flat_map(|clinic| storage.heads(clinic).expect("heads"))
        .map(|h| (h.device_id, h.head, h.checksum, h.revoked, h.revision))
        .collect()
}

fuzz_target!(|input: &[u8]| {
    let mut lines = input.splitn(3, |b| *b == b'\n');
    let (Some(request_line), Some(credential)) = (lines.next(), lines.next()) else {
        return;
    };
    let body = lines.next().unwrap_or_default().to_vec();
    let Ok(request_line) = std::str::from_utf8(request_line) else {
        return;
    };
    let Some((method, path)) = request_line.split_once(' ') else {
        return;
    };
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return;
    };
    let authorization = match credential {
        b"0" => None,
        b"1" => Some(bearer(DEVICE, &SECRET)),
        b"2" => Some(bearer(REVOKED, &SECRET)),
        b"3" => Some(bearer(OTHER_DEVICE, &SECRET)),
        b"4" => Some(bearer(DEVICE, &[8; 32])),
        other => Some(String::from_utf8_lossy(other).into_owned()),
    };
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(VERSION_HEADER, PROTOCOL_VERSION.to_string())
        .header("content-type", "application/json");
    if let Some(a) = &authorization {
        request = request.header("authorization", a.as_str());
    }
    // A request the HTTP layer itself cannot form (a bad URI or header) never reaches the relay.
    let Ok(request) = request.body(Body::from(body)) else {
        return;
    };
    let t = target();
    let before = logs(t.storage.as_ref());
    let response = t
        .runtime
        .block_on(t.router.clone().oneshot(request))
        .expect("the router is infallible");
    let status = response.status();
    assert!(!status.is_server_error(), "{request_line}: {status}");
    let bytes = t
        .runtime
        .block_on(axum::body::to_bytes(response.into_body(), 64 << 20))
        .expect("reply body");
    if status.is_client_error() && status.as_u16() != 404 && status.as_u16() != 405 {
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(v) => assert!(
                v["code"].is_string() && v["message"].is_string(),
                "{request_line}: {v}"
            ),
            // axum's own extractor rejections are plain text: still a sentence.
            Err(_) => assert!(!bytes.is_empty(), "{request_line}: empty {status}"),
        }
    }
    if !status.is_success() {
        assert_eq!(
            logs(t.storage.as_ref()),
            before,
            "{request_line}: refused, yet changed"
        );
    }
});
