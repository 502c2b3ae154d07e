//! The tracker's signing key: a file holding the 32-byte ed25519 seed in base64, named
//! by `[federation] key_file`. It is read when the sender or the server starts and never
//! stored in the database; peers configure the public key (printed by
//! `secfixes federation keygen`, and served at `/federation/key`).

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secfixes_ldn::signature::Signer;

use crate::config::Federation;
use crate::{Error, ErrorKind, Result};

/// The signer of `federation`'s key file.
pub fn load(federation: &Federation) -> Result<Signer> {
    let path = &federation.key_file;
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let seed = STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Key,
                "not a federation key: the file holds an ed25519 seed, 32 bytes in base64",
            )
            .in_file(path)
        })?;
    Ok(Signer::from_seed(&federation.key_id, &seed))
}

/// Writes a new random key to `path` (readable by its owner only) and returns its public
/// key in base64; an existing file is never overwritten.
pub fn generate(path: &Path) -> Result<String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| {
        Error::new(ErrorKind::Key, format!("no randomness for a key: {e}")).in_file(path)
    })?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| Error::io(path, e))?;
    std::io::Write::write_all(&mut file, format!("{}\n", STANDARD.encode(seed)).as_bytes())
        .map_err(|e| Error::io(path, e))?;
    Ok(public_key_base64(&Signer::from_seed("", &seed)))
}

/// The signer's public key as `[[federation.peer]] public_key` takes it.
pub fn public_key_base64(signer: &Signer) -> String {
    STANDARD.encode(signer.public_key().to_bytes())
}
