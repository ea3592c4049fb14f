//! Encryption of stored credentials (AES-256-GCM) with a key kept outside
//! the database: `BRICKDESK_SECRET_KEY` (64 hex digits) or a key file
//! created with mode 0600 in the data folder on first start.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

/// Name of the key file in the data folder.
pub const KEY_FILE: &str = "secret.key";
const VERSION: &str = "v1:";

/// Why a key could not be had or a value not decrypted.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The key in the environment or file is malformed.
    #[error("the secret key must be 64 hex digits ({0})")]
    BadKey(String),
    /// The key file could not be read or written.
    #[error("secret key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The value was not encrypted with this key, or is damaged.
    #[error("a stored secret cannot be decrypted with this key")]
    Decrypt,
}

/// Encrypts and decrypts short secrets.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// Builds from 32 key bytes.
    pub fn from_key(key: [u8; 32]) -> Self {
        SecretBox {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
        }
    }

    /// The key from `env_key` when given, else the key file in `data_dir`,
    /// created on first use.
    pub fn load_or_create(env_key: Option<&str>, data_dir: &Path) -> Result<Self, SecretError> {
        if let Some(hex_key) = env_key.filter(|k| !k.trim().is_empty()) {
            return parse_key(hex_key, "BRICKDESK_SECRET_KEY").map(Self::from_key);
        }
        let path = data_dir.join(KEY_FILE);
        let io = |source| SecretError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => parse_key(&text, &path.display().to_string()).map(Self::from_key),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir).map_err(io)?;
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                write_private(&path, hex::encode(key).as_bytes()).map_err(io)?;
                Ok(Self::from_key(key))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Encrypts with a fresh random nonce: `v1:` + base64(nonce ‖ ciphertext).
    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and in-memory buffer cannot fail.
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{VERSION}{}", STANDARD.encode(out))
    }

    /// Decrypts a value made by [`SecretBox::encrypt`].
    pub fn decrypt(&self, stored: &str) -> Result<String, SecretError> {
        let raw = stored
            .strip_prefix(VERSION)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|r| r.len() > 12)
            .ok_or(SecretError::Decrypt)?;
        let (nonce, sealed) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| SecretError::Decrypt)?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), sealed)
            .map_err(|_| SecretError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| SecretError::Decrypt)
    }
}

fn parse_key(text: &str, origin: &str) -> Result<[u8; 32], SecretError> {
    let bytes = hex::decode(text.trim()).map_err(|_| SecretError::BadKey(origin.to_owned()))?;
    bytes
        .try_into()
        .map_err(|_| SecretError::BadKey(origin.to_owned()))
}

#[cfg(unix)]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data)
}

/// Shows the last four characters of a secret: `••••1234`.
pub fn mask(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if secret.chars().count() <= 8 {
        "••••".to_owned()
    } else {
        format!("••••{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let b = SecretBox::from_key([7u8; 32]);
        let sealed = b.encrypt("Atzr|refresh-token");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("refresh"));
        assert_ne!(
            sealed,
            b.encrypt("Atzr|refresh-token"),
            "fresh nonce each time"
        );
        assert_eq!(
            b.decrypt(&sealed).ok().as_deref(),
            Some("Atzr|refresh-token")
        );
        let other = SecretBox::from_key([8u8; 32]);
        assert!(other.decrypt(&sealed).is_err());
        assert!(b.decrypt("v1:AAAA").is_err());
        assert!(b.decrypt("plain").is_err());
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = SecretBox::load_or_create(None, dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let sealed = a.encrypt("x");
        let b = SecretBox::load_or_create(None, dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.decrypt(&sealed).ok().as_deref(), Some("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0);
            assert_eq!(mode, 0o600);
        }
        assert!(SecretBox::load_or_create(Some("zz"), dir.path()).is_err());
        assert!(SecretBox::load_or_create(Some(&"ab".repeat(32)), dir.path()).is_ok());
    }

    #[test]
    fn masks() {
        assert_eq!(mask("amzn1.application-oa2-client.abcd1234"), "••••1234");
        assert_eq!(mask("short"), "••••");
    }
}
