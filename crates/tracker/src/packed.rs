//! JSON documents as the store keeps them: deflated (raw DEFLATE, fast level). CVE
//! records and explanations are repetitive JSON that shrinks five- to tenfold, which
//! is most of the store's size and of the bytes an update moves.

use std::cell::RefCell;
use std::io::Read;

use flate2::read::DeflateDecoder;
use flate2::{Compress, Compression, FlushCompress, Status};

use crate::{Error, ErrorKind, Result};

thread_local! {
    /// One compressor per thread, reset between documents: a new one allocates and
    /// clears its window and hash tables each time, which cost more than compressing
    /// the small documents themselves.
    static COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), false));
}

/// Deflates `json`.
pub fn pack(json: &[u8]) -> Vec<u8> {
    COMPRESSOR.with_borrow_mut(|c| {
        c.reset();
        let mut out = Vec::with_capacity(json.len() / 3 + 64);
        loop {
            let consumed = usize::try_from(c.total_in()).unwrap_or(usize::MAX);
            let input = json.get(consumed..).unwrap_or_default();
            match c.compress_vec(input, &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => return out,
                // The output is full: make room and go on.
                Ok(_) => out.reserve(out.capacity().max(64)),
                Err(_) => return out,
            }
        }
    })
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
