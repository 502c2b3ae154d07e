//! JSON documents as the store keeps them: deflated (raw DEFLATE, fast level). CVE
//! records and explanations are repetitive JSON that shrinks five- to tenfold, which
//! is most of the store's size and of the bytes an update moves.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use crate::{Error, ErrorKind, Result};

/// Deflates `json`.
pub fn pack(json: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::with_capacity(json.len() / 4), Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(json);
    enc.finish().unwrap_or_default()
}

/// Inflates what [`pack`] made back into text.
pub fn unpack(bytes: &[u8]) -> Result<String> {
    let mut out = String::with_capacity(bytes.len() * 5);
    DeflateDecoder::new(bytes)
        .read_to_string(&mut out)
        .map_err(|e| {
            Error::new(
                ErrorKind::Database,
                format!("a stored document does not inflate: {e}"),
            )
        })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let json = br#"{"id":"CVE-2022-37434","rules":[{"criteria":"cpe:2.3:a:zlib:zlib"}]}"#;
        assert_eq!(
            unpack(&pack(json)).ok().as_deref().map(str::as_bytes),
            Some(&json[..])
        );
        assert!(unpack(b"not deflate at all").is_err());
    }
}
