//! Certificates for the HTTPS scenarios: an authority of the test's own (as a clinic's IT would
//! run one) that issues the relay's certificate, and the environment of a PC that trusts it.

#![allow(clippy::unwrap_used)] // a test fixture: a panic is the failure report

use std::path::{Path, PathBuf};

/// A certificate authority of the test's own (as a clinic's IT would run), its certificate
/// written as PEM in `dir`.
#[derive(Debug)]
pub struct TestAuthority {
    issuer: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
    /// Its certificate, PEM.
    pub pem: PathBuf,
}

impl TestAuthority {
    pub fn new(dir: &Path, name: &str) -> Self {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let issuer =
            rcgen::CertifiedIssuer::self_signed(params, rcgen::KeyPair::generate().unwrap())
                .unwrap();
        let pem = dir.join(format!("{name}.pem"));
        std::fs::write(&pem, issuer.pem()).unwrap();
        Self { issuer, pem }
    }

    /// Writes a relay certificate for `localhost` (followed by this authority's) and its key;
    /// one that expired in 2021 when `expired`.
    pub fn issue(&self, cert: &Path, key: &Path, expired: bool) {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let relay_key = rcgen::KeyPair::generate().unwrap();
        let relay_cert = params.signed_by(&relay_key, &self.issuer).unwrap();
        std::fs::write(cert, relay_cert.pem() + &self.issuer.pem()).unwrap();
        std::fs::write(key, relay_key.serialize_pem()).unwrap();
    }

    /// The environment of a PC that trusts this authority (as if installed in the system's
    /// certificates: the verifier reads SSL_CERT_FILE in place of the system's bundle).
    pub fn trusted(&self) -> [(&'static str, &str); 1] {
        [("SSL_CERT_FILE", self.pem.to_str().unwrap())]
    }
}
