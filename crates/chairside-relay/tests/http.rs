//! The relay's HTTP layer on a real socket: protocol version refusals, authentication, request
//! size and rate limits, the clinic file quota, enrollment codes, the health endpoint.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::net::SocketAddr;
use std::sync::Arc;

use chairside_protocol::{MAX_SEALED_CHUNK_BYTES, PROTOCOL_VERSION, VERSION_HEADER};
use chairside_relay::{
    FsBlobStore, Limits, RateLimit, SqliteStorage, Storage, router_with, serve_on_loopback,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CLINIC: &str = "0190a5e2-0000-7000-8000-00000000c11c";
const DEVICE: &str = "0190a5e2-0000-7000-8000-0000000000d1";

fn serve(storage: Arc<dyn Storage>, blobs: Arc<FsBlobStore>, limits: Limits) -> SocketAddr {
    serve_on_loopback(router_with(storage, blobs, limits)).unwrap()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status and JSON body of a reply.
fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut r = r.unwrap();
    let status = r.status().as_u16();
    let body = r.body_mut().read_json::<Value>().unwrap_or(Value::Null);
    (status, body)
}

struct Fixture {
    base: String,
    storage: Arc<dyn Storage>,
    /// Holds the relay's SQLite file (`relay.sqlite`) and blob folder.
    tmp: tempfile::TempDir,
}

fn fixture(limit: RateLimit) -> Fixture {
    fixture_with(Limits {
        rate: limit,
        clinic_quota: None,
    })
}

fn fixture_with(limits: Limits) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> =
        Arc::new(SqliteStorage::open(&tmp.path().join("relay.sqlite")).unwrap());
    let secret_hash: [u8; 32] = Sha256::digest([7u8; 32]).into();
    storage
        .register(CLINIC, DEVICE, secret_hash, [1; 32])
        .unwrap();
    let blobs = Arc::new(FsBlobStore::open(&tmp.path().join("blobs")).unwrap());
    let base = format!("http://{}", serve(storage.clone(), blobs, limits));
    Fixture { base, storage, tmp }
}

/// The fixture device's heads: status and body.
fn heads_of(f: &Fixture) -> (u16, Value) {
    heads_as(f, &bearer(7))
}

/// The heads as one device (`auth`, its authorization header) sees them.
fn heads_as(f: &Fixture, auth: &str) -> (u16, Value) {
    get_as(f, "/v1/heads", auth)
}

/// A GET of `path` as one device (`auth`, its authorization header): status and JSON body.
fn get_as(f: &Fixture, path: &str, auth: &str) -> (u16, Value) {
    reply(
        agent()
            .get(format!("{}{path}", f.base))
            .header(VERSION_HEADER, PROTOCOL_VERSION.to_string())
            .header("authorization", auth)
            .call(),
    )
}

/// The authorization header of `device` whose secret is `[secret; 32]`.
fn auth_of(device: &str, secret: u8) -> String {
    format!("Bearer {device}.{}", hex::encode([secret; 32]))
}

fn bearer(secret_byte: u8) -> String {
    auth_of(DEVICE, secret_byte)
}

#[test]
fn health_names_the_version_and_backend() {
    let f = fixture(RateLimit::default());
    let (status, body) = reply(agent().get(format!("{}/health", f.base)).call());
    assert_eq!(status, 200);
    assert_eq!(body["protocol_version"], PROTOCOL_VERSION);
    assert_eq!(body["backend"], "sqlite");
}

#[test]
fn other_protocol_versions_are_refused_with_a_reason() {
    let f = fixture(RateLimit::default());
    let url = format!("{}/v1/heads", f.base);
    let (status, body) = reply(agent().get(&url).header("authorization", bearer(7)).call());
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("unsupported_version"))
    );
    let (status, body) = reply(
        agent()
            .get(&url)
            .header(VERSION_HEADER, "2")
            .header("authorization", bearer(7))
            .call(),
    );
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("version 2"),
        "{body}"
    );
    let (status, _) = reply(
        agent()
            .get(&url)
            .header(VERSION_HEADER, "1")
            .header("authorization", bearer(7))
            .call(),
    );
    assert_eq!(status, 200);
}

#[test]
fn forged_revoked_and_missing_credentials_are_refused() {
    let f = fixture(RateLimit::default());
    let url = format!("{}/v1/heads", f.base);
    let call = |auth: Option<String>| {
        let mut r = agent().get(&url).header(VERSION_HEADER, "1");
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        reply(r.call())
    };
    assert_eq!(call(None).0, 401);
    let (status, body) = call(Some(bearer(8)));
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    f.storage.revoke_device(CLINIC, DEVICE).unwrap();
    let (status, body) = call(Some(bearer(7)));
    assert_eq!((status, body["code"].as_str()), (403, Some("revoked")));
}

#[test]
fn oversized_requests_and_floods_are_refused() {
    let f = fixture(RateLimit {
        burst: 3.0,
        per_second: 0.01,
    });
    let url = format!("{}/v1/records", f.base);
    let big = vec![b'x'; chairside_protocol::MAX_BODY_BYTES + 1024];
    let (status, _) = reply(
        agent()
            .post(&url)
            .header(VERSION_HEADER, "1")
            .header("authorization", bearer(7))
            .header("content-type", "application/json")
            .send(&big[..]),
    );
    assert_eq!(status, 413, "the body limit");
    let heads = format!("{}/v1/heads", f.base);
    let statuses: Vec<u16> = (0..5)
        .map(|_| {
            reply(
                agent()
                    .get(&heads)
                    .header(VERSION_HEADER, "1")
                    .header("authorization", bearer(7))
                    .call(),
            )
            .0
        })
        .collect();
    assert_eq!(statuses[..3], [200, 200, 200], "{statuses:?}");
    assert_eq!(statuses[3..], [429, 429], "{statuses:?}");
}

#[test]
fn a_wrong_pairing_code_and_malformed_requests_get_clear_errors() {
    let f = fixture(RateLimit::default());
    let (status, body) = reply(
        agent()
            .post(format!("{}/v1/enroll", f.base))
            .header(VERSION_HEADER, "1")
            .send_json(json!({
                "code": "AAAA-BBBB",
                "device_id": "0190a5e2-0000-7000-8000-0000000000d2",
                "secret": base64_of(&[9; 32]),
                "public_key": base64_of(&[3; 32]),
                "device_name": "PC 2",
            })),
    );
    assert_eq!((status, body["code"].as_str()), (403, Some("bad_code")));
    assert!(
        body["message"].as_str().unwrap().contains("pairing code"),
        "{body}"
    );
    let (status, _) = reply(
        agent()
            .post(format!("{}/v1/register", f.base))
            .header(VERSION_HEADER, "1")
            .header("content-type", "application/json")
            .send("{not json"),
    );
    assert!((400..500).contains(&status), "{status}");
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn blob_chunks_are_scoped_to_the_clinic_and_bounded() {
    let f = fixture(RateLimit::default());
    let other_device = "0190a5e2-0000-7000-8000-0000000000d2";
    let other_hash: [u8; 32] = Sha256::digest([9u8; 32]).into();
    f.storage
        .register(
            "0190a5e2-0000-7000-8000-00000000c22c",
            other_device,
            other_hash,
            [2; 32],
        )
        .unwrap();
    let other = format!("Bearer {other_device}.{}", hex::encode([9u8; 32]));
    let name = "ab".repeat(32);
    let put = |auth: &str, path: &str, body: Vec<u8>| {
        reply(
            agent()
                .put(format!("{}{path}", f.base))
                .header(VERSION_HEADER, PROTOCOL_VERSION.to_string())
                .header("authorization", auth)
                .send(&body[..]),
        )
    };
    let get = |auth: &str, path: &str| {
        let mut r = agent()
            .get(format!("{}{path}", f.base))
            .header(VERSION_HEADER, PROTOCOL_VERSION.to_string())
            .header("authorization", auth)
            .call()
            .unwrap();
        (r.status().as_u16(), r.body_mut().read_to_vec().unwrap())
    };
    let sealed = vec![5u8; 1000];
    let (status, _) = put(
        &bearer(7),
        &format!("/v1/blobs/{name}/0?count=2"),
        sealed.clone(),
    );
    assert_eq!(status, 200);
    assert_eq!(
        get(&bearer(7), &format!("/v1/blobs/{name}/0")),
        (200, sealed)
    );
    let (status, body) = get_as(&f, &format!("/v1/blobs/{name}"), &bearer(7));
    assert_eq!(
        (status, body["count"].clone(), body["present"].clone()),
        (200, json!(2), json!([0]))
    );

    // Another clinic's device sees nothing under the same name; a forged credential gets 401.
    assert_eq!(get(&other, &format!("/v1/blobs/{name}/0")).0, 404);
    assert_eq!(get(&bearer(8), &format!("/v1/blobs/{name}/0")).0, 401);
    // A bad name, an index past the count, another count, an oversized chunk.
    let (status, body) = put(
        &bearer(7),
        "/v1/blobs/..%2F..%2Fetc/0?count=1",
        vec![1; 100],
    );
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_request")));
    assert_eq!(
        put(
            &bearer(7),
            &format!("/v1/blobs/{name}/2?count=2"),
            vec![1; 100]
        )
        .0,
        400
    );
    assert_eq!(
        put(
            &bearer(7),
            &format!("/v1/blobs/{name}/1?count=3"),
            vec![1; 100]
        )
        .0,
        409
    );
    let huge = vec![0u8; MAX_SEALED_CHUNK_BYTES + 1];
    assert_eq!(
        put(&bearer(7), &format!("/v1/blobs/{name}/1?count=2"), huge).0,
        400
    );
    assert_eq!(
        put(&bearer(7), &format!("/v1/blobs/{name}/1"), vec![1; 100]).0,
        400
    );
}

#[test]
fn past_the_clinic_quota_a_new_file_is_refused_and_one_begun_is_completed() {
    const CHUNK: usize = MAX_SEALED_CHUNK_BYTES;
    // Room for two full chunks (and the bytes of each file's chunk count).
    let f = fixture_with(Limits {
        rate: RateLimit::default(),
        clinic_quota: Some(2 * CHUNK as u64 + 100),
    });
    let put = |name: &str, idx: u32, count: u32| {
        reply(
            agent()
                .put(format!("{}/v1/blobs/{name}/{idx}?count={count}", f.base))
                .header(VERSION_HEADER, PROTOCOL_VERSION.to_string())
                .header("authorization", bearer(7))
                .send(&vec![3u8; CHUNK][..]),
        )
    };
    let (begun, small, late) = ("aa".repeat(32), "bb".repeat(32), "cc".repeat(32));
    // A two-chunk file fits: its first chunk is admitted.
    assert_eq!(put(&begun, 0, 2).0, 200);
    // What is held counts, not what a begun file will hold: a one-chunk file fits beside the
    // first chunk of the other.
    assert_eq!(put(&small, 0, 1).0, 200);
    // The begun file's last chunk takes the clinic past its quota: it is completed all the same,
    // so that no half file is left.
    assert_eq!(put(&begun, 1, 2).0, 200);
    // A new file is now refused, saying why and what to do; nothing of it is kept.
    let (status, body) = put(&late, 0, 1);
    assert_eq!(
        (status, body["code"].as_str()),
        (507, Some("quota_exceeded"))
    );
    let said = body["message"].as_str().unwrap();
    assert!(said.contains("3.1 MB of files"), "{said}");
    assert!(
        said.contains("ask the relay's operator to raise the quota"),
        "{said}"
    );
    let (status, body) = get_as(&f, &format!("/v1/blobs/{late}"), &bearer(7));
    assert_eq!((status, body["count"].clone()), (200, json!(null)));
    // Deleting a file (an erasure's replacement) makes room again at once.
    let (status, _) = reply(
        agent()
            .delete(format!("{}/v1/blobs/{begun}", f.base))
            .header(VERSION_HEADER, PROTOCOL_VERSION.to_string())
            .header("authorization", bearer(7))
            .call(),
    );
    assert_eq!(status, 200);
    assert_eq!(put(&late, 0, 1).0, 200);
}

#[test]
fn a_clinics_own_quota_applies_at_once_and_the_heads_show_its_room() {
    const CHUNK: usize = MAX_SEALED_CHUNK_BYTES;
    // No quota for the relay as a whole.
    let f = fixture(RateLimit::default());
    let put = |name: &str| {
        reply(
            agent()
                .put(format!("{}/v1/blobs/{}/0?count=1", f.base, name.repeat(32)))
                .header(VERSION_HEADER, PROTOCOL_VERSION.to_string())
                .header("authorization", bearer(7))
                .send(&vec![4u8; CHUNK][..]),
        )
    };
    let heads = || heads_of(&f).1;
    assert_eq!(put("aa").0, 200);
    assert_eq!(heads()["file_room"], Value::Null, "no quota, no room told");

    // The operator gives the clinic its own quota, with room for one more chunk: the serving
    // relay applies it at the next request, and tells it in the heads.
    let quota = 2 * CHUNK as u64 + 100;
    assert!(f.storage.set_file_quota(CLINIC, Some(quota)).unwrap());
    let room = heads()["file_room"].clone();
    assert_eq!(room["quota"], quota, "{room}");
    assert_eq!(
        room["used"],
        CHUNK as u64 + 1,
        "one chunk and its count: {room}"
    );
    assert_eq!(put("bb").0, 200);
    let (status, body) = put("cc");
    assert_eq!(
        (status, body["code"].as_str()),
        (507, Some("quota_exceeded"))
    );

    // Cleared: no quota again.
    assert!(f.storage.set_file_quota(CLINIC, None).unwrap());
    assert_eq!(put("cc").0, 200);
}

#[test]
fn a_relay_that_cannot_record_a_devices_last_contact_still_serves_it() {
    let f = fixture(RateLimit::default());
    // The database refuses the write of the last contact, as a full disk does: a trigger put in
    // the relay's own file through a second connection.
    let db = rusqlite::Connection::open(f.tmp.path().join("relay.sqlite")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER no_room BEFORE UPDATE OF last_seen ON device
         BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
    )
    .unwrap();
    let heads = || heads_of(&f);
    let (status, body) = heads();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["devices"][0]["device_id"], DEVICE);
    // Tried again at the next request (not once a minute), and kept once the database takes it.
    db.execute_batch("DROP TRIGGER no_room").unwrap();
    assert_eq!(heads().0, 200);
    let seen: i64 = db
        .query_row(
            "SELECT last_seen FROM device WHERE id = ?1",
            [DEVICE],
            |r| r.get(0),
        )
        .unwrap();
    assert!(seen > 0, "the last contact is recorded once it can be");
}

/// A POST of JSON with the protocol header, under `auth` if given: status and body.
fn post_json(f: &Fixture, path: &str, auth: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = agent()
        .post(format!("{}{path}", f.base))
        .header(VERSION_HEADER, PROTOCOL_VERSION.to_string());
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    reply(request.send_json(body))
}

/// A device joining `clinic` with a recovery proof, its secret 32 times `secret`.
fn join_with_proof(
    f: &Fixture,
    clinic: &str,
    device: &str,
    secret: u8,
    proof: &[u8; 32],
) -> (u16, Value) {
    post_json(
        f,
        "/v1/recover",
        None,
        json!({
            "clinic_id": clinic,
            "proof": base64_of(proof),
            "device_id": device,
            "secret": base64_of(&[secret; 32]),
        }),
    )
}

/// A sealed record as the relay sees it (opaque bytes).
fn record(device: &str, idx: i64, byte: u8) -> Value {
    json!({
        "device_id": device,
        "idx": idx,
        "nonce": base64_of(&[byte; 24]),
        "ciphertext": base64_of(&[byte; 40]),
    })
}

/// A clinic that moved to this relay: its PC carries the log of another PC of the clinic the
/// relay does not know. That device is listed with its log but cannot authenticate until it
/// joins with the clinic's recovery proof; only what continues the log is added; a device of
/// another clinic, the caller's own log and a device revoked by the clinic are refused.
#[test]
fn a_pc_carries_another_pcs_log_of_its_clinic_which_joins_later_with_the_proof() {
    let f = fixture(RateLimit::default());
    let clinic = "0190a5e2-0000-7000-8000-00000000c33c";
    let (owner, away, stranger) = (
        "0190a5e2-0000-7000-8000-0000000000e1",
        "0190a5e2-0000-7000-8000-0000000000e2",
        "0190a5e2-0000-7000-8000-0000000000e3",
    );
    let proof = [5u8; 32];
    let sha = |bytes: &[u8]| -> [u8; 32] { Sha256::digest(bytes).into() };
    f.storage
        .register(clinic, owner, sha(&[7u8; 32]), sha(&proof))
        .unwrap();
    let owner_auth = format!("Bearer {owner}.{}", hex::encode([7u8; 32]));
    let carry = |records: Vec<Value>| {
        post_json(
            &f,
            "/v1/records/carry",
            Some(&owner_auth),
            json!({ "records": records }),
        )
    };

    let (status, body) = carry(vec![record(away, 1, 1), record(away, 2, 2)]);
    assert_eq!((status, body["head"].as_i64()), (200, Some(2)), "{body}");
    // Carried again by another PC (the same bytes): a retry; the next record continues the log.
    let (status, body) = carry(vec![record(away, 2, 2), record(away, 3, 3)]);
    assert_eq!((status, body["head"].as_i64()), (200, Some(3)), "{body}");
    let (status, body) = carry(vec![record(away, 2, 9)]);
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    let (status, body) = carry(vec![record(away, 5, 5)]);
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    let (status, body) = carry(vec![record(owner, 1, 1)]);
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );
    let (status, body) = carry(vec![record(DEVICE, 1, 1)]);
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not a device of this clinic"),
        "{body}"
    );
    assert_eq!(heads_of(&f).1["devices"].as_array().unwrap().len(), 1);

    // The heads list the carried log; nothing authenticates as its device.
    let heads = |auth: &str| heads_as(&f, auth);
    let (status, body) = heads(&owner_auth);
    assert_eq!(status, 200);
    let listed: Vec<(String, i64)> = body["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["device_id"].as_str().unwrap().to_string(),
                d["head"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, [(owner.to_string(), 0), (away.to_string(), 3)]);
    assert!(
        body["features"]
            .as_array()
            .unwrap()
            .contains(&json!("carry_streams"))
    );
    let away_auth = format!("Bearer {away}.{}", hex::encode([8u8; 32]));
    for auth in [
        away_auth.clone(),
        format!("Bearer {away}.{}", hex::encode([0u8; 32])),
    ] {
        assert_eq!(heads(&auth).0, 401, "{auth}");
    }

    // The away PC joins with the proof: its credential is set, and works.
    let join = |device: &str, secret: u8| join_with_proof(&f, clinic, device, secret, &proof);
    assert_eq!(join(away, 8).0, 200);
    assert_eq!(join(away, 8).0, 200, "a retried join changes nothing");
    assert_eq!(heads(&away_auth).0, 200);
    assert_eq!(
        join(away, 6).0,
        409,
        "the proof does not take over a device"
    );

    // The clinic tells the relay of a PC it revoked, which the relay never saw: it cannot join.
    let (status, _) = post_json(
        &f,
        "/v1/devices/revoke",
        Some(&owner_auth),
        json!({ "device_id": stranger }),
    );
    assert_eq!(status, 200);
    let (status, body) = join(stranger, 4);
    assert_eq!(status, 409);
    assert!(
        body["message"].as_str().unwrap().contains("revoked"),
        "{body}"
    );
    // Nor can one clinic revoke another's device.
    let (status, _) = post_json(
        &f,
        "/v1/devices/revoke",
        Some(&owner_auth),
        json!({ "device_id": DEVICE }),
    );
    assert_eq!(status, 404);
    assert_eq!(heads_of(&f).0, 200);
}

#[test]
fn the_recovery_proof_is_replaced_at_the_version_read_and_its_sealed_salt_kept() {
    let f = fixture(RateLimit::default());
    let clinic = "0190a5e2-0000-7000-8000-00000000c44c";
    let (owner, revoked) = (
        "0190a5e2-0000-7000-8000-0000000000f1",
        "0190a5e2-0000-7000-8000-0000000000f3",
    );
    let sha = |bytes: &[u8]| -> [u8; 32] { Sha256::digest(bytes).into() };
    let (old_proof, new_proof) = ([5u8; 32], [6u8; 32]);
    f.storage
        .register(clinic, owner, sha(&[7u8; 32]), sha(&old_proof))
        .unwrap();
    let join = |device: &str, secret: u8, proof: &[u8; 32]| {
        join_with_proof(&f, clinic, device, secret, proof).0
    };
    assert_eq!(join(revoked, 9, &old_proof), 200);
    let owner_auth = format!("Bearer {owner}.{}", hex::encode([7u8; 32]));
    let revoked_auth = format!("Bearer {revoked}.{}", hex::encode([9u8; 32]));
    assert_eq!(
        post_json(
            &f,
            "/v1/devices/revoke",
            Some(&owner_auth),
            json!({ "device_id": revoked })
        )
        .0,
        200
    );
    let renew = |auth: Option<&str>, version: i64, new_hash: String, sealed: &[u8]| {
        post_json(
            &f,
            "/v1/clinic/recovery",
            auth,
            json!({
                "expected_version": version,
                "new_proof_hash": new_hash,
                "sealed_salt": base64_of(sealed),
            }),
        )
    };
    let state = || get_as(&f, "/v1/clinic/recovery", &owner_auth);
    let new_hash = hex::encode(sha(&new_proof));

    // Heads list the feature; before any renewal the state is version 0 with no salt.
    let (_, heads) = heads_as(&f, &owner_auth);
    assert!(
        heads["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "renew_recovery"),
        "{heads}"
    );
    let (status, body) = state();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["version"].as_i64(), body["sealed_salt"].is_null()),
        (Some(0), true)
    );
    // No credential, a revoked one, a malformed hash, an empty or oversized salt: refused.
    assert_eq!(renew(None, 0, new_hash.clone(), &[1; 55]).0, 401);
    assert_eq!(
        renew(Some(&revoked_auth), 0, new_hash.clone(), &[1; 55]).0,
        403
    );
    let (status, body) = renew(Some(&owner_auth), 0, "beef".into(), &[1; 55]);
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_request")));
    assert_eq!(renew(Some(&owner_auth), 0, new_hash.clone(), &[]).0, 400);
    assert_eq!(
        renew(Some(&owner_auth), 0, new_hash.clone(), &[1; 257]).0,
        400
    );
    // A version other than the clinic's changes nothing.
    let (status, body) = renew(Some(&owner_auth), 3, new_hash.clone(), &[1; 55]);
    assert_eq!((status, body["code"].as_str()), (409, Some("conflict")));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("renewed on another PC"),
        "{body}"
    );
    assert_eq!(
        join("0190a5e2-0000-7000-8000-0000000000f2", 8, &old_proof),
        200,
        "the old proof still works"
    );

    // Renewed: the old proof adds no device, the new one does; the state shows the sealed
    // salt; a renewal at the version it replaced (a retry, or another PC's) is refused.
    assert_eq!(
        renew(Some(&owner_auth), 0, new_hash.clone(), &[4; 55]).0,
        200
    );
    let (_, body) = state();
    assert_eq!(body["version"].as_i64(), Some(1));
    assert_eq!(
        body["sealed_salt"].as_str(),
        Some(base64_of(&[4; 55]).as_str())
    );
    assert_eq!(
        renew(Some(&owner_auth), 0, new_hash.clone(), &[4; 55]).0,
        409
    );
    assert_eq!(
        join("0190a5e2-0000-7000-8000-0000000000f4", 3, &old_proof),
        404
    );
    assert_eq!(
        join("0190a5e2-0000-7000-8000-0000000000f5", 3, &new_proof),
        200
    );
}

#[test]
fn a_renewed_data_key_is_kept_with_each_pcs_own_share_and_only_goes_up() {
    let f = fixture(RateLimit::default());
    let sha = |bytes: &[u8]| -> [u8; 32] { Sha256::digest(bytes).into() };
    let (clinic, other_clinic) = (
        "0190a5e2-0000-7000-8000-00000000c55c",
        "0190a5e2-0000-7000-8000-00000000c66c",
    );
    let (owner, member, stranger) = (
        "0190a5e2-0000-7000-8000-0000000001f1",
        "0190a5e2-0000-7000-8000-0000000001f2",
        "0190a5e2-0000-7000-8000-0000000001f9",
    );
    let proof = [5u8; 32];
    f.storage
        .register(clinic, owner, sha(&[7u8; 32]), sha(&proof))
        .unwrap();
    f.storage
        .register(other_clinic, stranger, sha(&[8u8; 32]), sha(&[6u8; 32]))
        .unwrap();
    assert_eq!(join_with_proof(&f, clinic, member, 9, &proof).0, 200);
    let (owner_auth, member_auth, stranger_auth) =
        (auth_of(owner, 7), auth_of(member, 9), auth_of(stranger, 8));
    let keys = |auth: &str| get_as(&f, "/v1/clinic/keys", auth);
    let share = |auth: &str, epoch: u32, ring: &[u8], shares: Value| {
        post_json(
            &f,
            "/v1/clinic/keys",
            Some(auth),
            json!({ "epoch": epoch, "ring": base64_of(ring), "shares": shares }),
        )
    };
    let announce = |auth: &str, sealed: &[u8]| {
        post_json(
            &f,
            "/v1/devices/box-key",
            Some(auth),
            json!({ "sealed": base64_of(sealed) }),
        )
    };

    // Before any renewal: epoch 0, nothing kept; the heads list the feature and the epoch.
    let (_, heads) = heads_as(&f, &owner_auth);
    assert!(
        heads["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "key_rotation"),
        "{heads}"
    );
    assert_eq!(heads.get("key_epoch"), None, "epoch 0 is left out: {heads}");
    let (status, body) = keys(&owner_auth);
    assert_eq!((status, body["epoch"].as_u64()), (200, Some(0)), "{body}");

    // Announcements: each PC's own row; the list names active PCs of the clinic only.
    assert_eq!(announce(&owner_auth, &[1; 72]).0, 200);
    assert_eq!(announce(&member_auth, &[2; 72]).0, 200);
    assert_eq!(announce(&stranger_auth, &[3; 72]).0, 200);
    assert_eq!(announce(&owner_auth, &[]).0, 400);
    assert_eq!(announce(&owner_auth, &[1; 513]).0, 400);
    let (_, body) = keys(&owner_auth);
    let listed: Vec<(&str, bool)> = body["box_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["device_id"].as_str().unwrap(),
                k["shared"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, vec![(owner, false), (member, false)]);

    // A renewal: bounded, refused without a credential; kept, each PC reading its own share.
    let shares = json!([
        { "device_id": owner, "sealed": base64_of(&[11; 90]) },
        { "device_id": member, "sealed": base64_of(&[12; 90]) },
    ]);
    assert_eq!(share(&owner_auth, 1, &[], shares.clone()).0, 400);
    assert_eq!(
        share(&owner_auth, 1, &[0; 64 * 1024 + 1], shares.clone()).0,
        400
    );
    let too_big = json!([{ "device_id": member, "sealed": base64_of(&[1; 513]) }]);
    assert_eq!(share(&owner_auth, 1, &[4; 60], too_big).0, 400);
    assert_eq!(
        post_json(
            &f,
            "/v1/clinic/keys",
            None,
            json!({ "epoch": 1, "ring": base64_of(&[4; 60]), "shares": [] })
        )
        .0,
        401
    );
    assert_eq!(share(&owner_auth, 1, &[4; 60], shares.clone()).0, 200);
    let (_, heads) = heads_as(&f, &member_auth);
    assert_eq!(heads["key_epoch"].as_u64(), Some(1));
    let (_, body) = keys(&member_auth);
    assert_eq!(body["epoch"].as_u64(), Some(1));
    assert_eq!(body["ring"].as_str(), Some(base64_of(&[4; 60]).as_str()));
    assert_eq!(body["share"].as_str(), Some(base64_of(&[12; 90]).as_str()));
    // Another clinic sees none of it.
    let (_, body) = keys(&stranger_auth);
    assert_eq!(
        (body["epoch"].as_u64(), body["share"].is_null()),
        (Some(0), true)
    );

    // The same epoch again: a share added for a PC left out, the ring kept. A lower or equal
    // renewal from another PC that read an older epoch: refused as a conflict.
    let late = "0190a5e2-0000-7000-8000-0000000001f3";
    assert_eq!(join_with_proof(&f, clinic, late, 10, &proof).0, 200);
    assert_eq!(announce(&auth_of(late, 10), &[5; 72]).0, 200);
    let (_, body) = keys(&owner_auth);
    let unshared: Vec<&str> = body["box_keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["shared"] == false)
        .map(|k| k["device_id"].as_str().unwrap())
        .collect();
    assert_eq!(unshared, vec![late]);
    let added = json!([{ "device_id": late, "sealed": base64_of(&[13; 90]) }]);
    assert_eq!(share(&member_auth, 1, &[9; 60], added).0, 200);
    let (_, body) = keys(&auth_of(late, 10));
    assert_eq!(body["share"].as_str(), Some(base64_of(&[13; 90]).as_str()));
    assert_eq!(body["ring"].as_str(), Some(base64_of(&[4; 60]).as_str()));
    let (status, body) = share(&member_auth, 0, &[9; 60], json!([]));
    assert_eq!((status, body["code"].as_str()), (409, Some("conflict")));

    // A renewal to epoch 2 replaces the ring and every share: a PC left out has none.
    let only_owner = json!([{ "device_id": owner, "sealed": base64_of(&[21; 90]) }]);
    assert_eq!(share(&owner_auth, 2, &[6; 60], only_owner).0, 200);
    let (_, body) = keys(&member_auth);
    assert_eq!(
        (body["epoch"].as_u64(), body["share"].is_null()),
        (Some(2), true)
    );
}

/// A device of the fixture's clinic, joined with the clinic's recovery proof (the fixture
/// registered its clinic with [1; 32] as the proof's hash), its secret `[secret; 32]`.
fn device_of_the_clinic(f: &Fixture, device: &str, secret: u8) {
    f.storage
        .recover(CLINIC, [1; 32], device, Sha256::digest([secret; 32]).into())
        .unwrap();
}

/// The first device of another clinic, its secret `[6; 32]`.
fn device_of_another_clinic(f: &Fixture, device: &str) {
    f.storage
        .register(
            "0190a5e2-0000-7000-8000-00000000c55c",
            device,
            Sha256::digest([6u8; 32]).into(),
            [2; 32],
        )
        .unwrap();
}

#[test]
fn each_pcs_clock_offset_is_kept_and_shown_in_its_clinics_heads_with_the_relays_time() {
    let f = fixture(RateLimit::default());
    let (member, stranger) = (
        "0190a5e2-0000-7000-8000-0000000000f1",
        "0190a5e2-0000-7000-8000-0000000000f3",
    );
    device_of_the_clinic(&f, member, 4);
    device_of_another_clinic(&f, stranger);
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    };
    let offset_of = |heads: &Value, device: &str| {
        heads["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["device_id"] == device)
            .map(|d| d["clock_offset_ms"].clone())
    };

    // The heads say the relay's time, and the feature; no PC said its offset yet.
    let before = now();
    let (status, heads) = heads_of(&f);
    let after = now();
    assert_eq!(status, 200);
    let said = heads["server_time_ms"].as_i64().unwrap();
    assert!(
        (before..=after).contains(&said),
        "{said} in {before}..={after}"
    );
    assert!(
        heads["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "clock_report")
    );
    assert_eq!(offset_of(&heads, member), Some(Value::Null));

    // The member says it runs an hour ahead: its clinic's heads show it, another clinic's not.
    let report = |auth: Option<&str>, offset: Value| {
        post_json(
            &f,
            "/v1/devices/clock",
            auth,
            json!({ "offset_ms": offset }),
        )
    };
    assert_eq!(report(Some(&auth_of(member, 4)), json!(3_600_000)).0, 200);
    let (_, heads) = heads_of(&f);
    assert_eq!(offset_of(&heads, member), Some(json!(3_600_000)));
    assert_eq!(offset_of(&heads, DEVICE), Some(Value::Null));
    let (_, theirs) = heads_as(&f, &auth_of(stranger, 6));
    assert_eq!(offset_of(&theirs, member), None);
    // Said again, it replaces the one before.
    assert_eq!(report(Some(&auth_of(member, 4)), json!(-90_000)).0, 200);
    assert_eq!(offset_of(&heads_of(&f).1, member), Some(json!(-90_000)));

    // Past any clock, without a credential, or not a number: refused, the one kept unchanged.
    let (status, body) = report(Some(&auth_of(member, 4)), json!(i64::MIN));
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("hundred years"));
    assert_eq!(report(Some(&auth_of(member, 4)), json!(i64::MAX)).0, 400);
    assert_eq!(report(None, json!(0)).0, 401);
    assert_eq!(report(Some(&auth_of(member, 4)), json!("soon")).0, 422);
    assert_eq!(offset_of(&heads_of(&f).1, member), Some(json!(-90_000)));
}

#[test]
fn a_move_notice_is_kept_for_its_clinic_shown_in_its_heads_and_taken_back() {
    let f = fixture(RateLimit::default());
    let (member, revoked, stranger) = (
        "0190a5e2-0000-7000-8000-0000000000e1",
        "0190a5e2-0000-7000-8000-0000000000e2",
        "0190a5e2-0000-7000-8000-0000000000e3",
    );
    // A second device of the fixture's clinic, revoked, and a device of another clinic.
    device_of_the_clinic(&f, member, 4);
    device_of_the_clinic(&f, revoked, 5);
    device_of_another_clinic(&f, stranger);
    assert_eq!(
        post_json(
            &f,
            "/v1/devices/revoke",
            Some(&bearer(7)),
            json!({ "device_id": revoked })
        )
        .0,
        200
    );
    let leave = |auth: Option<&str>, sealed: Option<&[u8]>| {
        post_json(
            &f,
            "/v1/clinic/moved",
            auth,
            json!({ "sealed": sealed.map(base64_of) }),
        )
    };

    let (_, heads) = heads_of(&f);
    assert!(
        heads["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "clinic_moved"),
        "{heads}"
    );
    assert!(heads.get("moved").is_none(), "no notice yet: {heads}");
    // No credential, a revoked one, an empty or oversized notice: refused, nothing kept.
    assert_eq!(leave(None, Some(&[3; 80])).0, 401);
    assert_eq!(leave(Some(&auth_of(revoked, 5)), Some(&[3; 80])).0, 403);
    let (status, body) = leave(Some(&bearer(7)), Some(&[]));
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_request")));
    assert_eq!(leave(Some(&bearer(7)), Some(&[3; 2049])).0, 400);
    assert!(heads_of(&f).1.get("moved").is_none());

    // Left by one PC of the clinic: every active PC of it sees it, another clinic does not.
    assert_eq!(leave(Some(&bearer(7)), Some(&[3; 2048])).0, 200);
    let (_, heads) = heads_as(&f, &auth_of(member, 4));
    assert_eq!(heads["moved"], base64_of(&[3; 2048]));
    assert_eq!(heads_as(&f, &auth_of(revoked, 5)).0, 403);
    let (_, other) = heads_as(&f, &auth_of(stranger, 6));
    assert!(other.get("moved").is_none(), "{other}");
    // Replaced, then taken back.
    assert_eq!(leave(Some(&auth_of(member, 4)), Some(&[8; 60])).0, 200);
    assert_eq!(heads_of(&f).1["moved"], base64_of(&[8; 60]));
    assert_eq!(leave(Some(&bearer(7)), None).0, 200);
    assert!(heads_of(&f).1.get("moved").is_none());
}
