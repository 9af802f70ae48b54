//! Fuzzing of the relay's request parsing, in process: random methods, paths, query strings,
//! headers and bodies (raw noise and mutated valid requests) go through the real router over a
//! real SQLite store and blob folder. Every reply must be a well-formed refusal or success: no
//! panic, no 5xx, an error body that parses, and the stored data untouched by refused requests.
//!
//! (`cargo fuzz` needs a nightly toolchain, which this project cannot use; proptest drives the
//! same entry point with shrinking. `PROPTEST_CASES` raises the count for a longer run.)

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request};
use chairside_protocol::{PROTOCOL_VERSION, VERSION_HEADER};
use chairside_relay::{FsBlobStore, RateLimit, SqliteStorage, Storage, router};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const CLINIC: &str = "0190a5e2-0000-7000-8000-00000000c11c";
const DEVICE: &str = "0190a5e2-0000-7000-8000-0000000000d1";

struct Target {
    router: axum::Router,
    storage: Arc<dyn Storage>,
    runtime: tokio::runtime::Runtime,
    _tmp: tempfile::TempDir,
}

fn target() -> Target {
    let tmp = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> =
        Arc::new(SqliteStorage::open(&tmp.path().join("relay.sqlite")).unwrap());
    storage
        .register(CLINIC, DEVICE, Sha256::digest([7u8; 32]).into(), [1; 32])
        .unwrap();
    let blobs = Arc::new(FsBlobStore::open(&tmp.path().join("blobs")).unwrap());
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
            .unwrap(),
        _tmp: tmp,
    }
}

const PATHS: &[&str] = &[
    "/health",
    "/v1/register",
    "/v1/heads",
    "/v1/records",
    "/v1/records?device=0190a5e2-0000-7000-8000-0000000000d1&after=0&limit=5",
    "/v1/records/rewrite",
    "/v1/records/carry",
    "/v1/invites",
    "/v1/enroll",
    "/v1/enrollments",
    "/v1/enrollments/approve",
    "/v1/enrollment",
    "/v1/devices/revoke",
    "/v1/recover",
    "/v1/clinic/recovery",
    "/v1/clinic/moved",
    "/v1/clinic/keys",
    "/v1/devices/box-key",
    "/v1/devices/clock",
    "/v1/blobs",
    "/v1/blobs?after=abababababababababababababababababababababababababababababababab&limit=3",
    "/v1/blobs/abababababababababababababababababababababababababababababababab",
    "/v1/blobs/abababababababababababababababababababababababababababababababab/0?count=1",
];

/// Valid-looking bodies to mutate.
const BODIES: &[&str] = &[
    r#"{"records":[{"device_id":"0190a5e2-0000-7000-8000-0000000000d1","idx":1,"nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","ciphertext":"AAAA"}]}"#,
    r#"{"clinic_id":"x","device_id":"y","secret":"AAAA","recovery":{"proof_hash":"00"}}"#,
    r#"{"code":"K7QX-M2PD","device_id":"d","secret":"AAAA","public_key":"AAAA","device_name":"n"}"#,
    r#"{"device_id":"0190a5e2-0000-7000-8000-0000000000d1","sealed":"AAAA"}"#,
    r#"{"code_hash":"00","expires_at_ms":1}"#,
    r#"{"expected_version":0,"new_proof_hash":"0000000000000000000000000000000000000000000000000000000000000000","sealed_salt":"AAAA"}"#,
    r#"{"epoch":1,"ring":"AAAA","shares":[{"device_id":"0190a5e2-0000-7000-8000-0000000000d1","sealed":"AAAA"}]}"#,
    r#"{"sealed":"AAAA"}"#,
    r#"{"offset_ms":3600000}"#,
];

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::DELETE),
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(PATHS).prop_map(str::to_string),
        // A known path with its tail replaced by noise (ids, indexes, query strings).
        (proptest::sample::select(PATHS), "[a-zA-Z0-9%?&=./_-]{0,80}").prop_map(|(p, tail)| {
            let cut = p.len() / 2;
            format!("{}{tail}", &p[..cut])
        }),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        // A valid body with a few bytes flipped or cut.
        (
            proptest::sample::select(BODIES),
            proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
            any::<usize>()
        )
            .prop_map(|(b, flips, cut)| {
                let mut bytes = b.as_bytes().to_vec();
                for (at, value) in flips {
                    let at = at % bytes.len();
                    bytes[at] = value;
                }
                bytes.truncate(cut % (bytes.len() + 1));
                bytes
            }),
        proptest::sample::select(BODIES).prop_map(|b| b.as_bytes().to_vec()),
    ]
}

fn auth() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some(format!("Bearer {DEVICE}.{}", hex::encode([7u8; 32])))),
        "[ -~]{0,120}".prop_map(Some),
    ]
}

fn version() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(Some(PROTOCOL_VERSION.to_string())),
        Just(None),
        "[ -~]{0,12}".prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_request_gets_a_clean_reply(
        method in method(),
        path in path(),
        body in body(),
        auth in auth(),
        version in version(),
    ) {
        let t = target_cached();
        let mut request = Request::builder().method(method).uri(&path);
        if let Some(a) = &auth {
            request = request.header("authorization", a.as_str());
        }
        if let Some(v) = &version {
            request = request.header(VERSION_HEADER, v.as_str());
        }
        let request = request.header("content-type", "application/json");
        // A path the HTTP layer itself cannot parse is refused before the relay: nothing to test.
        let Ok(request) = request.body(Body::from(body)) else { return Ok(()); };
        let heads_before = logs(t);
        let response = t.runtime.block_on(t.router.clone().oneshot(request)).unwrap();
        let status = response.status();
        prop_assert!(!status.is_server_error(), "{path}: {status}");
        let bytes = t
            .runtime
            .block_on(axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024))
            .unwrap();
        if status.is_client_error() && status.as_u16() != 404 && status.as_u16() != 405 {
            // Refusals by the relay carry its error body (404/405 of unknown routes may not).
            let parsed = serde_json::from_slice::<serde_json::Value>(&bytes);
            let is_axum_rejection = parsed.is_err();
            if let Ok(v) = parsed {
                prop_assert!(v["code"].is_string() && v["message"].is_string(), "{path}: {v}");
            } else {
                // axum's own extractor rejections are plain text: still a clear sentence.
                prop_assert!(is_axum_rejection && !bytes.is_empty(), "{path}: empty {status}");
            }
        }
        if !status.is_success() {
            prop_assert_eq!(logs(t), heads_before);
        }
    }
}

/// The clinic's logs (heads, checksums, revocations, rewrites): what a refused request must not
/// change. (A request with a valid credential marks its device as seen even when it is then
/// refused.)
fn logs(t: &Target) -> Vec<(String, i64, String, bool, i64)> {
    t.storage
        .heads(CLINIC)
        .unwrap()
        .into_iter()
        .map(|h| (h.device_id, h.head, h.checksum, h.revoked, h.revision))
        .collect()
}

/// One relay for every case (a fresh one per case would spend the time on SQLite set-up).
fn target_cached() -> &'static Target {
    static TARGET: std::sync::OnceLock<Target> = std::sync::OnceLock::new();
    TARGET.get_or_init(target)
}
