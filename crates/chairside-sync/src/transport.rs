//! How the engine reaches a relay: the [`Transport`] trait, and [`HttpRelay`], the real client
//! over HTTP(S) with `ureq`. Tests plug an in-process relay in through the same trait.

use std::time::Duration;

use chairside_protocol::{
    ApproveRequest, BlobDeleted, BlobList, BlobStatus, BoxKeyAnnouncement, Bytes, ClinicKeys,
    ClockReport, Empty, EnrollRequest, EnrollResponse, EnrollmentStatus, ErrorBody, Heads,
    InviteRequest, MAX_SEALED_CHUNK_BYTES, MoveNotice, PROTOCOL_VERSION, PendingEnrollments,
    PullResponse, PushRequest, PushResponse, Record, RecoverRequest, RecoveryRegistration,
    RecoveryState, RegisterRequest, RegisterResponse, RenewRecoveryRequest, RevokeRequest,
    RewriteRequest, RewriteResponse, ShareKeysRequest, VERSION_HEADER, check_version, code,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::SyncError;

/// Who is calling: the device and its relay secret.
#[derive(Clone)]
pub struct DeviceCredential {
    pub device_id: String,
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for DeviceCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCredential")
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

/// The relay API, as the engine uses it.
pub trait Transport {
    fn register(
        &self,
        clinic_id: &str,
        credential: &DeviceCredential,
        recovery_proof: &[u8; 32],
    ) -> Result<(), SyncError>;
    fn invite(
        &self,
        credential: &DeviceCredential,
        code_hash_hex: &str,
        expires_at_ms: i64,
    ) -> Result<(), SyncError>;
    /// Asks to join with a pairing code; returns the clinic id.
    fn enroll(
        &self,
        code: &str,
        credential: &DeviceCredential,
        public_key: Bytes,
        device_name: &str,
    ) -> Result<String, SyncError>;
    fn pending(&self, credential: &DeviceCredential) -> Result<PendingEnrollments, SyncError>;
    fn approve(
        &self,
        credential: &DeviceCredential,
        device_id: &str,
        sealed: Bytes,
    ) -> Result<(), SyncError>;
    fn enrollment(&self, credential: &DeviceCredential) -> Result<EnrollmentStatus, SyncError>;
    fn revoke(&self, credential: &DeviceCredential, device_id: &str) -> Result<(), SyncError>;
    fn recover(
        &self,
        clinic_id: &str,
        proof: &[u8; 32],
        credential: &DeviceCredential,
    ) -> Result<(), SyncError>;
    /// The clinic's recovery version and sealed salt at the relay.
    fn recovery_state(&self, credential: &DeviceCredential) -> Result<RecoveryState, SyncError>;
    /// Replaces the clinic's recovery proof (see [`chairside_protocol::RenewRecoveryRequest`]).
    fn renew_recovery(
        &self,
        credential: &DeviceCredential,
        renewal: RenewRecoveryRequest,
    ) -> Result<(), SyncError>;
    /// The clinic's data key as the relay keeps it for this PC (see
    /// [`chairside_protocol::ClinicKeys`]).
    fn clinic_keys(&self, credential: &DeviceCredential) -> Result<ClinicKeys, SyncError>;
    /// Announces this PC's X25519 key, sealed under the clinic's data key (see
    /// [`chairside_protocol::BoxKeyAnnouncement`]).
    fn announce_box_key(
        &self,
        credential: &DeviceCredential,
        announcement: BoxKeyAnnouncement,
    ) -> Result<(), SyncError>;
    /// Says how far this PC's clock stands from the relay's (see
    /// [`chairside_protocol::ClockReport`]).
    fn report_clock(
        &self,
        credential: &DeviceCredential,
        report: ClockReport,
    ) -> Result<(), SyncError>;
    /// Renews the clinic's data key at the relay, or shares the current one with more PCs (see
    /// [`chairside_protocol::ShareKeysRequest`]).
    fn share_keys(
        &self,
        credential: &DeviceCredential,
        request: ShareKeysRequest,
    ) -> Result<(), SyncError>;
    /// Leaves (or takes back) the clinic's sealed notice that it moved to another relay (see
    /// [`chairside_protocol::MoveNotice`]).
    fn leave_move_notice(
        &self,
        credential: &DeviceCredential,
        notice: MoveNotice,
    ) -> Result<(), SyncError>;
    fn heads(&self, credential: &DeviceCredential) -> Result<Heads, SyncError>;
    fn push(
        &self,
        credential: &DeviceCredential,
        records: Vec<Record>,
    ) -> Result<PushResponse, SyncError>;
    /// Appends records of another device's log of the clinic that the relay lacks (see
    /// [`chairside_protocol::feature::CARRY_STREAMS`]): the stream the records name.
    fn carry(
        &self,
        credential: &DeviceCredential,
        records: Vec<Record>,
    ) -> Result<PushResponse, SyncError>;
    /// Replaces records of one device's log already at the relay (redactions): the stream the
    /// records name, this device's or another's of the clinic.
    fn rewrite(
        &self,
        credential: &DeviceCredential,
        records: Vec<Record>,
    ) -> Result<RewriteResponse, SyncError>;
    fn pull(
        &self,
        credential: &DeviceCredential,
        device_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<PullResponse, SyncError>;
    /// Which chunks of a blob the relay holds.
    fn blob_status(
        &self,
        credential: &DeviceCredential,
        name: &str,
    ) -> Result<BlobStatus, SyncError>;
    fn put_blob_chunk(
        &self,
        credential: &DeviceCredential,
        name: &str,
        idx: u32,
        count: u32,
        sealed: Vec<u8>,
    ) -> Result<(), SyncError>;
    fn get_blob_chunk(
        &self,
        credential: &DeviceCredential,
        name: &str,
        idx: u32,
    ) -> Result<Vec<u8>, SyncError>;
    /// Deletes a blob replaced by a copy without an erased patient's identity; one the relay
    /// does not hold is no error. Returns whether it held it.
    fn delete_blob(&self, credential: &DeviceCredential, name: &str) -> Result<bool, SyncError>;
    /// A page of the blobs the relay holds whole for the clinic, after `after`.
    fn list_blobs(
        &self,
        credential: &DeviceCredential,
        after: Option<&str>,
    ) -> Result<BlobList, SyncError>;
}

/// A relay reached over HTTP(S).
#[derive(Debug, Clone)]
pub struct HttpRelay {
    base: String,
    agent: ureq::Agent,
}

impl HttpRelay {
    pub fn new(url: &str) -> Result<Self, SyncError> {
        let base = url.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(SyncError::BadRelayUrl(url.to_string()));
        }
        // The relay's certificate is checked against what the operating system trusts: a public
        // authority's, or the clinic's own authority once its IT installed it on the PC.
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(120)))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Self { base, agent })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    /// The reply, once it is known to be a success of this protocol version; else the error.
    fn checked(
        &self,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<ureq::http::Response<ureq::Body>, SyncError> {
        let mut response = result.map_err(|e| self.unreachable(e))?;
        let status = response.status();
        if !status.is_success() {
            let error = response
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_json::<ErrorBody>()
                .unwrap_or_else(|_| ErrorBody {
                    code: code::INTERNAL.into(),
                    message: format!("the relay answered HTTP {status}"),
                });
            return Err(SyncError::Relay(printable(error)));
        }
        let version = response
            .headers()
            .get(VERSION_HEADER)
            .and_then(|v| v.to_str().ok());
        check_version(version).map_err(SyncError::Relay)?;
        Ok(response)
    }

    /// A request that got no answer: the network, or a relay this PC refuses to trust (its
    /// certificate), which waiting will not mend.
    fn unreachable(&self, e: ureq::Error) -> SyncError {
        let url = self.base.clone();
        // The handshake's refusal comes wrapped in an I/O error.
        let tls = match &e {
            ureq::Error::Rustls(tls) => Some(tls),
            ureq::Error::Io(io) => io.get_ref().and_then(|e| e.downcast_ref()),
            _ => None,
        };
        let refused = match tls {
            Some(rustls::Error::InvalidCertificate(why)) => Some(untrusted_because(why)),
            // The verifier itself failed: on Linux, no certificate store to read (a missing
            // ca-certificates package, or SSL_CERT_FILE naming no file). Waiting mends nothing.
            Some(rustls::Error::General(why)) => Some(format!(
                "this PC cannot check certificates, its list of trusted authorities could not be used ({}); have it repaired (on Linux: the ca-certificates package, or SSL_CERT_FILE naming a bundle)",
                plain(why)
            )),
            _ => None,
        };
        match refused {
            Some(reason) => SyncError::RelayNotTrusted { url, reason },
            None => SyncError::Unreachable {
                url,
                reason: plain(&e.to_string()),
            },
        }
    }

    fn unreadable(&self, e: impl std::fmt::Display) -> SyncError {
        SyncError::Unreachable {
            url: self.base.clone(),
            reason: plain(&format!("unreadable reply: {e}")),
        }
    }

    fn finish<T: DeserializeOwned>(
        &self,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, SyncError> {
        self.checked(result)?
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_json::<T>()
            .map_err(|e| self.unreadable(e))
    }

    fn request(
        &self,
        method: ureq::http::Method,
        path: &str,
        credential: &DeviceCredential,
    ) -> ureq::http::request::Builder {
        ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(VERSION_HEADER, PROTOCOL_VERSION.to_string())
            .header("authorization", bearer(credential))
    }

    fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        credential: Option<&DeviceCredential>,
        body: &B,
    ) -> Result<T, SyncError> {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header(VERSION_HEADER, PROTOCOL_VERSION.to_string());
        if let Some(c) = credential {
            request = request.header("authorization", bearer(c));
        }
        self.finish(request.send_json(body))
    }

    fn get<T: DeserializeOwned>(
        &self,
        path_and_query: &str,
        credential: &DeviceCredential,
    ) -> Result<T, SyncError> {
        let request = self
            .agent
            .get(format!("{}{path_and_query}", self.base))
            .header(VERSION_HEADER, PROTOCOL_VERSION.to_string())
            .header("authorization", bearer(credential));
        self.finish(request.call())
    }
}

/// A relay's refusal as it may be shown: its code a plain word (lowercase letters, digits and
/// underscores, as the protocol's; else `internal`, which the app words generically), its
/// message [`plain`].
fn printable(body: ErrorBody) -> ErrorBody {
    let word = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    let code = if !body.code.is_empty() && body.code.len() <= 40 && body.code.chars().all(word) {
        body.code
    } else {
        code::INTERNAL.to_string()
    };
    ErrorBody {
        code,
        message: plain(&body.message),
    }
}

/// Text that came from the relay (or the network), as it may be printed: without control
/// characters, so that no terminal escape sequence reaches the command line's output, and at
/// most 500 characters.
fn plain(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(500).collect()
}

/// Whether requests to the relay at `url` carry this device's secret unencrypted beyond the
/// clinic's own network: plain `http://` to a host that is not loopback, a private, shared or
/// link-local address, nor a local name (one label, `.local`, `.lan`, `.internal`,
/// `.home.arpa`, `.localdomain`). Over HTTPS, or on the clinic's own network, it does not.
///
/// The change sets and files are sealed either way; what travels in clear is the credential
/// that lets its holder delete the clinic's files at the relay or replace its records.
pub fn secret_in_clear(url: &str) -> bool {
    let Ok(uri) = url.trim().parse::<ureq::http::Uri>() else {
        return false; // not a URL: refused elsewhere, with its own message
    };
    if uri.scheme_str() != Some("http") {
        return false;
    }
    let Some(host) = uri.host() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            let shared = ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64; // 100.64/10
            !(ip.is_loopback() || ip.is_private() || ip.is_link_local() || shared)
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            let unique_local = (ip.segments()[0] & 0xfe00) == 0xfc00; // fc00::/7
            let link_local = (ip.segments()[0] & 0xffc0) == 0xfe80; // fe80::/10
            !(ip.is_loopback() || unique_local || link_local)
        }
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            let local = !name.contains('.')
                || [
                    ".local",
                    ".lan",
                    ".internal",
                    ".home.arpa",
                    ".localdomain",
                    ".localhost",
                ]
                .iter()
                .any(|suffix| name.ends_with(suffix));
            !local
        }
    }
}

/// Why a relay's certificate was refused, in the words an IT person acts on.
fn untrusted_because(why: &rustls::CertificateError) -> String {
    use rustls::CertificateError as E;
    match why {
        E::Expired | E::ExpiredContext { .. } => "its certificate has expired".into(),
        E::NotValidYet | E::NotValidYetContext { .. } => {
            "its certificate is not valid yet (check this PC's date and time)".into()
        }
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            "its certificate is not issued for this address".into()
        }
        E::UnknownIssuer => {
            "its certificate is signed by an authority this PC does not trust".into()
        }
        E::Revoked => "its certificate was revoked".into(),
        other => format!("its certificate was refused ({other})"),
    }
}

fn bearer(c: &DeviceCredential) -> String {
    format!("Bearer {}.{}", c.device_id, hex::encode(&c.secret))
}

impl Transport for HttpRelay {
    fn register(
        &self,
        clinic_id: &str,
        credential: &DeviceCredential,
        recovery_proof: &[u8; 32],
    ) -> Result<(), SyncError> {
        use sha2::Digest as _;
        let _: RegisterResponse = self.post(
            "/v1/register",
            None,
            &RegisterRequest {
                clinic_id: clinic_id.into(),
                device_id: credential.device_id.clone(),
                secret: Bytes(credential.secret.clone()),
                recovery: RecoveryRegistration {
                    proof_hash: hex::encode(sha2::Sha256::digest(recovery_proof)),
                },
            },
        )?;
        Ok(())
    }

    fn invite(
        &self,
        credential: &DeviceCredential,
        code_hash_hex: &str,
        expires_at_ms: i64,
    ) -> Result<(), SyncError> {
        let _: Empty = self.post(
            "/v1/invites",
            Some(credential),
            &InviteRequest {
                code_hash: code_hash_hex.into(),
                expires_at_ms,
            },
        )?;
        Ok(())
    }

    fn enroll(
        &self,
        code: &str,
        credential: &DeviceCredential,
        public_key: Bytes,
        device_name: &str,
    ) -> Result<String, SyncError> {
        let reply: EnrollResponse = self.post(
            "/v1/enroll",
            None,
            &EnrollRequest {
                code: code.into(),
                device_id: credential.device_id.clone(),
                secret: Bytes(credential.secret.clone()),
                public_key,
                device_name: device_name.into(),
            },
        )?;
        Ok(reply.clinic_id)
    }

    fn pending(&self, credential: &DeviceCredential) -> Result<PendingEnrollments, SyncError> {
        self.get("/v1/enrollments", credential)
    }

    fn approve(
        &self,
        credential: &DeviceCredential,
        device_id: &str,
        sealed: Bytes,
    ) -> Result<(), SyncError> {
        let _: Empty = self.post(
            "/v1/enrollments/approve",
            Some(credential),
            &ApproveRequest {
                device_id: device_id.into(),
                sealed,
            },
        )?;
        Ok(())
    }

    fn enrollment(&self, credential: &DeviceCredential) -> Result<EnrollmentStatus, SyncError> {
        self.get("/v1/enrollment", credential)
    }

    fn revoke(&self, credential: &DeviceCredential, device_id: &str) -> Result<(), SyncError> {
        let _: Empty = self.post(
            "/v1/devices/revoke",
            Some(credential),
            &RevokeRequest {
                device_id: device_id.into(),
            },
        )?;
        Ok(())
    }

    fn recover(
        &self,
        clinic_id: &str,
        proof: &[u8; 32],
        credential: &DeviceCredential,
    ) -> Result<(), SyncError> {
        let _: Empty = self.post(
            "/v1/recover",
            None,
            &RecoverRequest {
                clinic_id: clinic_id.into(),
                proof: Bytes(proof.to_vec()),
                device_id: credential.device_id.clone(),
                secret: Bytes(credential.secret.clone()),
            },
        )?;
        Ok(())
    }

    fn recovery_state(&self, credential: &DeviceCredential) -> Result<RecoveryState, SyncError> {
        self.get("/v1/clinic/recovery", credential)
    }

    fn renew_recovery(
        &self,
        credential: &DeviceCredential,
        renewal: RenewRecoveryRequest,
    ) -> Result<(), SyncError> {
        let _: Empty = self.post("/v1/clinic/recovery", Some(credential), &renewal)?;
        Ok(())
    }

    fn clinic_keys(&self, credential: &DeviceCredential) -> Result<ClinicKeys, SyncError> {
        self.get("/v1/clinic/keys", credential)
    }

    fn announce_box_key(
        &self,
        credential: &DeviceCredential,
        announcement: BoxKeyAnnouncement,
    ) -> Result<(), SyncError> {
        let _: Empty = self.post("/v1/devices/box-key", Some(credential), &announcement)?;
        Ok(())
    }

    fn report_clock(
        &self,
        credential: &DeviceCredential,
        report: ClockReport,
    ) -> Result<(), SyncError> {
        let _: Empty = self.post("/v1/devices/clock", Some(credential), &report)?;
        Ok(())
    }

    fn share_keys(
        &self,
        credential: &DeviceCredential,
        request: ShareKeysRequest,
    ) -> Result<(), SyncError> {
        let _: Empty = self.post("/v1/clinic/keys", Some(credential), &request)?;
        Ok(())
    }

    fn leave_move_notice(
        &self,
        credential: &DeviceCredential,
        notice: MoveNotice,
    ) -> Result<(), SyncError> {
        let _: Empty = self.post("/v1/clinic/moved", Some(credential), &notice)?;
        Ok(())
    }

    fn heads(&self, credential: &DeviceCredential) -> Result<Heads, SyncError> {
        self.get("/v1/heads", credential)
    }

    fn push(
        &self,
        credential: &DeviceCredential,
        records: Vec<Record>,
    ) -> Result<PushResponse, SyncError> {
        self.post("/v1/records", Some(credential), &PushRequest { records })
    }

    fn carry(
        &self,
        credential: &DeviceCredential,
        records: Vec<Record>,
    ) -> Result<PushResponse, SyncError> {
        self.post(
            "/v1/records/carry",
            Some(credential),
            &PushRequest { records },
        )
    }

    fn rewrite(
        &self,
        credential: &DeviceCredential,
        records: Vec<Record>,
    ) -> Result<RewriteResponse, SyncError> {
        self.post(
            "/v1/records/rewrite",
            Some(credential),
            &RewriteRequest { records },
        )
    }

    fn pull(
        &self,
        credential: &DeviceCredential,
        device_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<PullResponse, SyncError> {
        self.get(
            &format!("/v1/records?device={device_id}&after={after}&limit={limit}"),
            credential,
        )
    }

    fn blob_status(
        &self,
        credential: &DeviceCredential,
        name: &str,
    ) -> Result<BlobStatus, SyncError> {
        self.get(&format!("/v1/blobs/{name}"), credential)
    }

    fn put_blob_chunk(
        &self,
        credential: &DeviceCredential,
        name: &str,
        idx: u32,
        count: u32,
        sealed: Vec<u8>,
    ) -> Result<(), SyncError> {
        let request = self
            .request(
                ureq::http::Method::PUT,
                &format!("/v1/blobs/{name}/{idx}?count={count}"),
                credential,
            )
            .header("content-type", "application/octet-stream")
            .body(sealed)
            .map_err(|e| SyncError::Internal(e.to_string()))?;
        let _: Empty = self.finish(self.agent.run(request))?;
        Ok(())
    }

    fn get_blob_chunk(
        &self,
        credential: &DeviceCredential,
        name: &str,
        idx: u32,
    ) -> Result<Vec<u8>, SyncError> {
        let request = self
            .request(
                ureq::http::Method::GET,
                &format!("/v1/blobs/{name}/{idx}"),
                credential,
            )
            .body(())
            .map_err(|e| SyncError::Internal(e.to_string()))?;
        self.checked(self.agent.run(request))?
            .body_mut()
            .with_config()
            .limit(MAX_SEALED_CHUNK_BYTES as u64 + 1)
            .read_to_vec()
            .map_err(|e| self.unreadable(e))
    }

    fn delete_blob(&self, credential: &DeviceCredential, name: &str) -> Result<bool, SyncError> {
        let request = self
            .request(
                ureq::http::Method::DELETE,
                &format!("/v1/blobs/{name}"),
                credential,
            )
            .body(())
            .map_err(|e| SyncError::Internal(e.to_string()))?;
        let reply: BlobDeleted = self.finish(self.agent.run(request))?;
        Ok(reply.deleted)
    }

    fn list_blobs(
        &self,
        credential: &DeviceCredential,
        after: Option<&str>,
    ) -> Result<BlobList, SyncError> {
        match after {
            Some(name) => self.get(&format!("/v1/blobs?after={name}"), credential),
            None => self.get("/v1/blobs", credential),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ErrorBody, printable, secret_in_clear};

    #[test]
    fn a_relays_refusal_is_shown_without_control_characters_or_unknown_codes() {
        let shown = printable(ErrorBody {
            code: "rate_limited".into(),
            message: "slow\u{1b}]0;owned\u{7} down\r\n".into(),
        });
        assert_eq!(shown.code, "rate_limited");
        assert_eq!(shown.message, "slow]0;owned down");
        let odd = printable(ErrorBody {
            code: "Bad Code\u{1b}".into(),
            message: "x".repeat(10_000),
        });
        assert_eq!(odd.code, "internal");
        assert_eq!(odd.message.chars().count(), 500);
    }

    #[test]
    fn plain_http_beyond_the_clinics_network_carries_the_secret_in_clear() {
        for public in [
            "http://relay.cabinet-dentaire.fr:8787",
            "http://203.0.113.7:8787/",
            "http://[2001:db8::1]:8787",
            "HTTP://Relay.Example.COM",
        ] {
            assert!(secret_in_clear(public), "{public}");
        }
        for local_or_sealed in [
            "https://relay.cabinet-dentaire.fr:8787",
            "http://127.0.0.1:8787",
            "http://localhost:8787",
            "http://192.168.1.20:8787",
            "http://10.0.0.5",
            "http://172.20.1.1",
            "http://169.254.3.4",
            "http://100.101.102.103", // a VPN's shared range (Tailscale)
            "http://[::1]:8787",
            "http://[fd12:3456::1]:8787",
            "http://[fe80::1]:8787",
            "http://serveur:8787",
            "http://serveur.local:8787",
            "http://relais.cabinet.lan",
            "http://relay.home.arpa.",
            "not a url",
        ] {
            assert!(!secret_in_clear(local_or_sealed), "{local_or_sealed}");
        }
    }
}
