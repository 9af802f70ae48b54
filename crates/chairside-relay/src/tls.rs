//! HTTPS for the relay. A relay reached over the Internet must not be spoken to in clear: each
//! request carries its device's secret (the change sets themselves are sealed end to end, but a
//! stolen secret lets its holder delete a clinic's files at the relay or fill it with garbage).
//!
//! `chairside-relay serve --tls-cert CERT.pem --tls-key KEY.pem` serves the same router over
//! rustls (HTTP/2 and HTTP/1.1, TLS 1.2 and 1.3, the ring provider ureq also uses). The files are
//! read at start, where a bad pair stops the relay with a message naming the file; and again on
//! `SIGHUP`, so that a renewed certificate (Let's Encrypt renews every 60–90 days) is taken
//! without dropping a sync. A renewal that cannot be read is logged and the relay keeps serving
//! with the certificate it has.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why the certificate files cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{} holds no certificate in PEM form (-----BEGIN CERTIFICATE-----): give the relay's certificate, followed by the chain of its authority",
        path.display()
    )]
    NoCertificate { path: PathBuf },
    #[error(
        "{} holds no private key in PEM form (PKCS#8, PKCS#1 or SEC1): give the private key of the certificate",
        path.display()
    )]
    NoKey { path: PathBuf },
    #[error(
        "the key in {} cannot serve the certificate in {} ({reason}): give the key issued with this certificate",
        key.display(),
        cert.display()
    )]
    Unusable {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
}

/// The certificate (with its chain) and private key files the relay serves HTTPS with.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// Reads both files and builds the TLS configuration; a key that does not match the
    /// certificate is refused here rather than at the first client's handshake.
    pub fn load(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let cert_pem = read(&self.cert)?;
        let key_pem = read(&self.key)?;
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
            .filter_map(Result::ok)
            .collect();
        if chain.is_empty() {
            return Err(TlsError::NoCertificate {
                path: self.cert.clone(),
            });
        }
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| TlsError::NoKey {
            path: self.key.clone(),
        })?;
        let unusable = |reason: String| TlsError::Unusable {
            cert: self.cert.clone(),
            key: self.key.clone(),
            reason,
        };
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| unusable(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| unusable(e.to_string()))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Serves `app` over HTTPS on `listener` until `shutdown` completes (then lets requests under
/// way finish, for up to 10 s). The certificate files are read again on each `SIGHUP`.
pub async fn serve(
    listener: std::net::TcpListener,
    app: Router,
    files: TlsFiles,
    config: Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = RustlsConfig::from_config(config);
    reload_on_hangup(files, config.clone())?;
    let handle = axum_server::Handle::new();
    let on_shutdown = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        on_shutdown.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    listener.set_nonblocking(true)?;
    axum_server::from_tcp_rustls(listener, config)?
        .handle(handle)
        .serve(app.into_make_service())
        .await
}

#[cfg(unix)]
fn reload_on_hangup(files: TlsFiles, config: RustlsConfig) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            match files.load() {
                Ok(renewed) => {
                    config.reload_from_config(renewed);
                    tracing::info!(cert = %files.cert.display(), "certificate read again");
                }
                Err(e) => {
                    tracing::error!(error = %e, "certificate not read again: still serving the previous one");
                }
            }
        }
    });
    Ok(())
}

/// No SIGHUP off Unix: a renewed certificate is taken at the next start.
#[cfg(not(unix))]
fn reload_on_hangup(_files: TlsFiles, _config: RustlsConfig) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is the failure report

    use super::*;

    /// A self-signed certificate for `localhost` and its key, in PEM.
    fn pair() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    }

    fn files(dir: &Path, cert: &str, key: &str) -> TlsFiles {
        let files = TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&files.cert, cert).unwrap();
        std::fs::write(&files.key, key).unwrap();
        files
    }

    #[test]
    fn a_certificate_and_its_key_are_served_over_h2_and_http1() {
        let tmp = tempfile::tempdir().unwrap();
        let (cert, key) = pair();
        let config = files(tmp.path(), &cert, &key).load().unwrap();
        assert_eq!(
            config.alpn_protocols,
            [b"h2".to_vec(), b"http/1.1".to_vec()]
        );
    }

    #[test]
    fn a_bad_pair_is_refused_with_the_file_to_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let (cert, key) = pair();
        let (_, other_key) = pair();

        let swapped = files(tmp.path(), &key, &cert).load().unwrap_err();
        assert!(
            matches!(swapped, TlsError::NoCertificate { .. }),
            "{swapped}"
        );
        assert!(
            swapped
                .to_string()
                .contains("cert.pem holds no certificate")
        );

        let no_key = files(tmp.path(), &cert, &cert).load().unwrap_err();
        assert!(matches!(no_key, TlsError::NoKey { .. }), "{no_key}");
        assert!(no_key.to_string().contains("key.pem holds no private key"));

        let mismatched = files(tmp.path(), &cert, &other_key).load().unwrap_err();
        assert!(
            matches!(mismatched, TlsError::Unusable { .. }),
            "{mismatched}"
        );
        assert!(
            mismatched
                .to_string()
                .contains("cannot serve the certificate")
        );

        let missing = TlsFiles {
            cert: tmp.path().join("absent.pem"),
            key: tmp.path().join("key.pem"),
        }
        .load()
        .unwrap_err();
        assert!(matches!(missing, TlsError::Read { .. }), "{missing}");
        assert!(missing.to_string().contains("absent.pem"));
    }
}
