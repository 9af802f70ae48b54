//! The database key: a random 256-bit key, kept in the OS keyring, or wrapped by a passphrase
//! with Argon2id where no keyring exists (headless machines, CI, minimal desktops).
//!
//! The key file (`chairside-key.json`, beside the database) is not secret: it says where the key
//! lives and, in passphrase mode, holds the key sealed with XChaCha20-Poly1305 under a key
//! derived from the passphrase. A wrong passphrase fails the AEAD tag check before the database
//! is touched, so it can change nothing.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Result, StoreError};

pub const KEY_FILE_NAME: &str = "chairside-key.json";
const KEY_FILE_FORMAT: &str = "chairside-keyfile";
const KEY_FILE_VERSION: u32 = 1;
const KEYRING_SERVICE: &str = "Chairside";
/// A keyring that does not answer within this time is treated as absent: an unlock must never
/// hang on a missing D-Bus service.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// A 256-bit SQLCipher key. Wiped from memory when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DatabaseKey([u8; 32]);

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(..)")
    }
}

impl DatabaseKey {
    pub fn random() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The `PRAGMA key` value for a raw key: `x'…'` makes SQLCipher skip its own PBKDF2.
    pub(crate) fn pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0)))
    }
}

/// Where the database key is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStorage {
    Keyring,
    Passphrase,
}

impl KeyStorage {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStorage::Keyring => "keyring",
            KeyStorage::Passphrase => "passphrase",
        }
    }
}

/// Argon2id cost parameters, stored in the key file so they can be raised later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// OWASP's first Argon2id recommendation is 19 MiB x 2; we spend more (64 MiB x 3, about
    /// half a second on a modest PC) because an unlock happens once per session.
    pub const RECOMMENDED: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };
    /// For tests that unlock hundreds of times; never for a clinic's database.
    pub const FAST_INSECURE_FOR_TESTS: KdfParams = KdfParams {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };

    fn derive(&self, passphrase: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|e| {
                StoreError::InvalidChange(format!("invalid key derivation parameters: {e}"))
            })?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
            .map_err(|e| StoreError::InvalidChange(format!("key derivation failed: {e}")))?;
        Ok(out)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct WrappedKey {
    kdf: String,
    params: KdfParams,
    salt: String,
    nonce: String,
    ciphertext: String,
}

/// The contents of `chairside-key.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyFile {
    format: String,
    version: u32,
    pub database_id: String,
    pub storage: KeyStorage,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    wrapped: Option<WrappedKey>,
}

impl KeyFile {
    /// Seals `key` under `passphrase`; the database id is bound in as associated data so that a
    /// key file cannot be swapped between two databases unnoticed.
    pub fn wrap_with_passphrase(
        database_id: &str,
        key: &DatabaseKey,
        passphrase: &str,
        params: KdfParams,
    ) -> Result<Self> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut salt);
        rand::rng().fill_bytes(&mut nonce);
        let kek = params.derive(passphrase, &salt)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: database_id.as_bytes(),
                },
            )
            .map_err(|_| StoreError::InvalidChange("could not seal the database key".into()))?;
        Ok(Self {
            format: KEY_FILE_FORMAT.into(),
            version: KEY_FILE_VERSION,
            database_id: database_id.into(),
            storage: KeyStorage::Passphrase,
            wrapped: Some(WrappedKey {
                kdf: "argon2id".into(),
                params,
                salt: hex::encode(salt),
                nonce: hex::encode(nonce),
                ciphertext: hex::encode(ciphertext),
            }),
        })
    }

    pub fn keyring(database_id: &str) -> Self {
        Self {
            format: KEY_FILE_FORMAT.into(),
            version: KEY_FILE_VERSION,
            database_id: database_id.into(),
            storage: KeyStorage::Keyring,
            wrapped: None,
        }
    }

    /// Opens the sealed key with a passphrase.
    pub fn unwrap_with_passphrase(&self, passphrase: &str) -> Result<DatabaseKey> {
        let wrapped = self
            .wrapped
            .as_ref()
            .ok_or_else(|| not_a_key_file("it holds no passphrase-sealed key"))?;
        let salt = hex::decode(&wrapped.salt).map_err(|_| not_a_key_file("bad salt"))?;
        let nonce = hex::decode(&wrapped.nonce).map_err(|_| not_a_key_file("bad nonce"))?;
        let ciphertext =
            hex::decode(&wrapped.ciphertext).map_err(|_| not_a_key_file("bad ciphertext"))?;
        if nonce.len() != 24 || wrapped.kdf != "argon2id" {
            return Err(not_a_key_file("unknown key wrapping"));
        }
        let kek = wrapped.params.derive(passphrase, &salt)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &ciphertext,
                        aad: self.database_id.as_bytes(),
                    },
                )
                .map_err(|_| StoreError::WrongPassphrase)?,
        );
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| not_a_key_file("sealed key has the wrong size"))?;
        Ok(DatabaseKey::from_bytes(bytes))
    }

    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join(KEY_FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NotInitialised(dir.to_path_buf()));
            }
            Err(e) => return Err(e.into()),
        };
        Self::parse(&text).map_err(|reason| StoreError::NotChairsideDatabase { path, reason })
    }

    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let file: KeyFile =
            serde_json::from_str(text).map_err(|e| format!("unreadable key file: {e}"))?;
        if file.format != KEY_FILE_FORMAT {
            return Err("the key file is not a Chairside key file".into());
        }
        if file.version > KEY_FILE_VERSION {
            return Err(format!(
                "the key file has version {}, newer than this program supports ({KEY_FILE_VERSION}): install the newer version",
                file.version
            ));
        }
        Ok(file)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the key file durably: temporary file, fsync, rename.
    pub fn write(&self, dir: &Path) -> Result<()> {
        crate::fsutil::write_atomically(&dir.join(KEY_FILE_NAME), self.to_json().as_bytes())
    }
}

fn not_a_key_file(reason: &str) -> StoreError {
    StoreError::NotChairsideDatabase {
        path: KEY_FILE_NAME.into(),
        reason: reason.into(),
    }
}

/// The OS keyring, reached through the `keyring` crate (Secret Service on Linux, Keychain on
/// macOS, Credential Manager on Windows).
#[derive(Debug, Clone, Copy)]
pub struct OsKeyring;

impl OsKeyring {
    /// Whether a keyring service answers on this machine. Never blocks for more than a few
    /// seconds; `CHAIRSIDE_KEYRING=off` turns the keyring off (passphrase mode everywhere).
    pub fn available() -> bool {
        Self::probe().is_ok()
    }

    pub fn probe() -> Result<()> {
        if std::env::var("CHAIRSIDE_KEYRING").is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
            return Err(StoreError::KeyringUnavailable(
                "turned off by CHAIRSIDE_KEYRING=off".into(),
            ));
        }
        if cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            return Err(StoreError::KeyringUnavailable(
                "no D-Bus session, so no Secret Service".into(),
            ));
        }
        // A write, not a read: a Secret Service whose collection is locked answers reads
        // ("no entry") but refuses to store, and then the passphrase must be offered instead.
        with_timeout(|| {
            let entry = keyring::Entry::new(KEYRING_SERVICE, "probe")?;
            entry.set_secret(b"probe")?;
            entry.delete_credential()
        })
    }

    pub fn store(database_id: &str, key: &DatabaseKey) -> Result<()> {
        Self::probe()?;
        let account = account(database_id);
        let secret = Zeroizing::new(key.as_bytes().to_vec());
        with_timeout(move || keyring::Entry::new(KEYRING_SERVICE, &account)?.set_secret(&secret))
    }

    pub fn load(database_id: &str) -> Result<DatabaseKey> {
        Self::probe()?;
        let account = account(database_id);
        let secret = with_timeout(move || {
            keyring::Entry::new(KEYRING_SERVICE, &account)?
                .get_secret()
                .map(Zeroizing::new)
        })
        .map_err(|e| match e {
            StoreError::KeyringUnavailable(m) if m.contains("No matching entry") => {
                StoreError::KeyMissingFromKeyring
            }
            other => other,
        })?;
        let bytes: [u8; 32] = secret
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::KeyMissingFromKeyring)?;
        Ok(DatabaseKey::from_bytes(bytes))
    }

    pub fn delete(database_id: &str) -> Result<()> {
        let account = account(database_id);
        with_timeout(move || {
            match keyring::Entry::new(KEYRING_SERVICE, &account)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(e),
            }
        })
    }
}

fn account(database_id: &str) -> String {
    format!("database-key:{database_id}")
}

/// Runs a keyring call on a helper thread and gives up after [`KEYRING_TIMEOUT`]: a Secret
/// Service that waits for a prompt nobody will answer must not freeze the app.
fn with_timeout<T: Send + 'static>(
    call: impl FnOnce() -> keyring::Result<T> + Send + 'static,
) -> Result<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(call());
    });
    match rx.recv_timeout(KEYRING_TIMEOUT) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(keyring::Error::NoEntry)) => Err(StoreError::KeyMissingFromKeyring),
        Ok(Err(e)) => Err(StoreError::KeyringUnavailable(e.to_string())),
        Err(_) => Err(StoreError::KeyringUnavailable(
            "the keyring did not answer within 3 seconds".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_with_its_passphrase_only() {
        let key = DatabaseKey::random();
        let file = KeyFile::wrap_with_passphrase(
            "db-1",
            &key,
            "correct horse",
            KdfParams::FAST_INSECURE_FOR_TESTS,
        )
        .unwrap();
        let parsed = KeyFile::parse(&file.to_json()).unwrap();
        assert_eq!(
            parsed
                .unwrap_with_passphrase("correct horse")
                .unwrap()
                .as_bytes(),
            key.as_bytes()
        );
        assert!(matches!(
            parsed.unwrap_with_passphrase("Correct horse"),
            Err(StoreError::WrongPassphrase)
        ));
    }

    #[test]
    fn a_key_file_moved_to_another_database_does_not_open() {
        let key = DatabaseKey::random();
        let mut file =
            KeyFile::wrap_with_passphrase("db-1", &key, "pw", KdfParams::FAST_INSECURE_FOR_TESTS)
                .unwrap();
        file.database_id = "db-2".into();
        assert!(file.unwrap_with_passphrase("pw").is_err());
    }

    #[test]
    fn foreign_and_future_key_files_are_refused_with_reasons() {
        assert!(KeyFile::parse("{}").unwrap_err().contains("unreadable"));
        let future =
            r#"{"format":"chairside-keyfile","version":99,"database_id":"x","storage":"keyring"}"#;
        assert!(KeyFile::parse(future).unwrap_err().contains("newer"));
        let other = r#"{"format":"other","version":1,"database_id":"x","storage":"keyring"}"#;
        assert!(
            KeyFile::parse(other)
                .unwrap_err()
                .contains("not a Chairside key file")
        );
    }
}
