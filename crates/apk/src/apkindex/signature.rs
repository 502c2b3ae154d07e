//! RSA signatures of `APKINDEX.tar.gz`: trusted public keys, signing keys, and the
//! PKCS#1 v1.5 sign and verify primitives that `openssl dgst -sign` / `-verify` (used by
//! abuild-sign and apk-tools) implement.

use std::fmt;
use std::path::Path;

use rsa::pkcs1::{DecodeRsaPrivateKey as _, DecodeRsaPublicKey as _};
use rsa::pkcs1v15;
use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use rsa::signature::{SignatureEncoding as _, Signer as _, Verifier as _};
use rsa::{PrivateKey, PublicKey};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use crate::error::{Error, ErrorKind, Result};

/// The digest of a signature, named by the `.SIGN.<TYPE>.` part of its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `RSA`: SHA-1, what abuild-sign makes by default and Alpine's indexes carry.
    RsaSha1,
    /// `RSA256`: SHA-256 (`abuild-sign -t RSA256`).
    RsaSha256,
    /// `RSA512`: SHA-512, which apk-tools also accepts.
    RsaSha512,
}

impl Algorithm {
    /// The type as it appears in the file name: `RSA`, `RSA256`, `RSA512`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RsaSha1 => "RSA",
            Algorithm::RsaSha256 => "RSA256",
            Algorithm::RsaSha512 => "RSA512",
        }
    }

    /// The file name of a signature by `key_name`: `.SIGN.RSA.<key_name>`.
    pub fn file_name(self, key_name: &str) -> String {
        format!(".SIGN.{}.{key_name}", self.as_str())
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parts of a signature file name `.SIGN.<TYPE>.<key name>`, as apk-tools splits it.
/// `Ok(None)` for a type apk-tools knows but this crate cannot check (`DSA`); `Err` for a
/// name that is not a signature at all.
pub(crate) fn split_signature_name(
    name: &str,
) -> std::result::Result<(Option<Algorithm>, &str), ()> {
    let rest = name.strip_prefix(".SIGN.").ok_or(())?;
    let (kind, key) = rest.split_once('.').ok_or(())?;
    let algorithm = match kind {
        "RSA" => Some(Algorithm::RsaSha1),
        "RSA256" => Some(Algorithm::RsaSha256),
        "RSA512" => Some(Algorithm::RsaSha512),
        "DSA" => None,
        _ => return Err(()),
    };
    Ok((algorithm, key))
}

/// Trusted public keys by name, like `/etc/apk/keys`: the name of a key is its file
/// name, which is what signatures refer to.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    keys: Vec<(String, PublicKey)>,
}

impl Keys {
    /// No keys.
    pub const fn new() -> Self {
        Keys { keys: Vec::new() }
    }

    /// Loads every file of a keys directory. A file that is not an RSA public key in PEM
    /// (`PUBLIC KEY` or `RSA PUBLIC KEY`) is an error naming it; subdirectories, hidden
    /// files and private keys (abuild keeps `NAME.rsa` beside `NAME.rsa.pub`) are skipped.
    pub fn from_dir(dir: &Path) -> Result<Keys> {
        let mut keys = Keys::new();
        let entries = std::fs::read_dir(dir).map_err(|err| Error::io(dir, err))?;
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|err| Error::io(dir, err))?;
            let path = entry.path();
            let file_type = std::fs::metadata(&path).map_err(|err| Error::io(&path, err))?;
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if file_type.is_file() && !hidden {
                paths.push(path);
            }
        }
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| {
                    Error::new(ErrorKind::Key, "key file name is not UTF-8").in_file(&path)
                })?
                .to_owned();
            let pem = std::fs::read_to_string(&path).map_err(|err| Error::io(&path, err))?;
            if pem.contains("PRIVATE KEY-----") {
                continue;
            }
            keys.add_pem(name, &pem).map_err(|err| err.in_file(&path))?;
        }
        Ok(keys)
    }

    /// Adds a PEM public key under `name` (replacing one of the same name).
    pub fn add_pem(&mut self, name: impl Into<String>, pem: &str) -> Result<()> {
        let key = PublicKey::from_public_key_pem(pem)
            .or_else(|_| PublicKey::from_pkcs1_pem(pem))
            .map_err(|err| {
                Error::new(
                    ErrorKind::Key,
                    format!("not an RSA public key in PEM (PUBLIC KEY or RSA PUBLIC KEY): {err}"),
                )
            })?;
        self.add(name.into(), key);
        Ok(())
    }

    fn add(&mut self, name: String, key: PublicKey) {
        self.keys.retain(|(n, _)| *n != name);
        self.keys.push((name, key));
    }

    /// The key of that name.
    pub fn get(&self, name: &str) -> Option<&PublicKey> {
        self.keys
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, key)| key)
    }

    /// The names of the keys.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(name, _)| name.as_str())
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Checks an RSA PKCS#1 v1.5 signature of `message`. Any failure is
/// [`ErrorKind::BadSignature`].
pub(crate) fn verify(
    key: &PublicKey,
    algorithm: Algorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<()> {
    let bad = |what: String| Error::new(ErrorKind::BadSignature, what);
    let signature = pkcs1v15::Signature::try_from(signature)
        .map_err(|err| bad(format!("malformed signature: {err}")))?;
    let result = match algorithm {
        Algorithm::RsaSha1 => {
            pkcs1v15::VerifyingKey::<Sha1>::new(key.clone()).verify(message, &signature)
        }
        Algorithm::RsaSha256 => {
            pkcs1v15::VerifyingKey::<Sha256>::new(key.clone()).verify(message, &signature)
        }
        Algorithm::RsaSha512 => {
            pkcs1v15::VerifyingKey::<Sha512>::new(key.clone()).verify(message, &signature)
        }
    };
    result.map_err(|_| bad("the signature does not match the signed data".to_owned()))
}

/// An RSA private key and the name under which its public half is installed.
#[derive(Debug, Clone)]
pub struct SigningKey {
    name: String,
    key: PrivateKey,
}

impl SigningKey {
    /// Reads a PEM private key (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). Its
    /// name is the file name plus `.pub`, as abuild-sign assumes.
    pub fn from_pem_file(path: &Path) -> Result<SigningKey> {
        let pem = std::fs::read_to_string(path).map_err(|err| Error::io(path, err))?;
        let file_name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            Error::new(ErrorKind::Key, "key file name is not UTF-8").in_file(path)
        })?;
        SigningKey::from_pem(format!("{file_name}.pub"), &pem).map_err(|err| err.in_file(path))
    }

    /// A key from PEM text, signing as `name` (the public key's file name in
    /// `/etc/apk/keys`).
    pub fn from_pem(name: impl Into<String>, pem: &str) -> Result<SigningKey> {
        let key = PrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| PrivateKey::from_pkcs1_pem(pem))
            .map_err(|err| {
                Error::new(
                    ErrorKind::Key,
                    format!(
                        "not an unencrypted RSA private key in PEM (PRIVATE KEY or RSA PRIVATE KEY): {err}"
                    ),
                )
            })?;
        let name = name.into();
        if name.is_empty() || name.contains('/') {
            return Err(Error::new(
                ErrorKind::Key,
                format!("`{name}` cannot be a key name (empty or with a `/`)"),
            ));
        }
        Ok(SigningKey { name, key })
    }

    /// The name signatures by this key carry.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renames the key (abuild-sign's `-p`).
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        self.key.to_public_key()
    }

    /// Signs `message` as `openssl dgst -<digest> -sign` does.
    pub(crate) fn sign(&self, algorithm: Algorithm, message: &[u8]) -> Result<Vec<u8>> {
        let fail = |err: rsa::signature::Error| {
            Error::new(ErrorKind::Key, format!("signing failed: {err}"))
        };
        let signature = match algorithm {
            Algorithm::RsaSha1 => pkcs1v15::SigningKey::<Sha1>::new(self.key.clone())
                .try_sign(message)
                .map_err(fail)?,
            Algorithm::RsaSha256 => pkcs1v15::SigningKey::<Sha256>::new(self.key.clone())
                .try_sign(message)
                .map_err(fail)?,
            Algorithm::RsaSha512 => pkcs1v15::SigningKey::<Sha512>::new(self.key.clone())
                .try_sign(message)
                .map_err(fail)?,
        };
        Ok(signature.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_names() {
        assert_eq!(
            split_signature_name(".SIGN.RSA.alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"),
            Ok((
                Some(Algorithm::RsaSha1),
                "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"
            ))
        );
        assert_eq!(
            split_signature_name(".SIGN.RSA256.k.pub"),
            Ok((Some(Algorithm::RsaSha256), "k.pub"))
        );
        assert_eq!(split_signature_name(".SIGN.DSA.k"), Ok((None, "k")));
        assert_eq!(split_signature_name(".SIGN.FOO.k"), Err(()));
        assert_eq!(split_signature_name("DESCRIPTION"), Err(()));
        assert_eq!(Algorithm::RsaSha1.file_name("k.pub"), ".SIGN.RSA.k.pub");
    }

    #[test]
    fn bad_pem_is_key_error() {
        let mut keys = Keys::new();
        let err = keys.add_pem("x", "not a key").err();
        assert_eq!(err.map(|e| e.kind()), Some(ErrorKind::Key));
        assert!(SigningKey::from_pem("x", "nope").is_err());
    }
}
