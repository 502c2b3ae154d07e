//! Opening input files: plain or gzip-compressed (recognised by its magic bytes, whatever
//! the name), as a reader or read whole.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use secfixes_apk::{Error, ErrorKind, Result};

/// The gzip magic bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `bytes` start like a gzip stream.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Opens `path` for reading, decompressing it when it is gzip.
pub fn open(path: &Path) -> Result<Box<dyn Read + Send>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let head = std::io::BufRead::fill_buf(&mut reader).map_err(|e| Error::io(path, e))?;
    if is_gzip(head) {
        Ok(Box::new(MultiGzDecoder::new(reader)))
    } else {
        Ok(Box::new(reader))
    }
}

/// Reads all of `path`, decompressed when it is gzip. Errors name the file; a broken gzip
/// stream is a [`ErrorKind::Compression`] error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decompress(bytes).map_err(|e| e.in_file(path))
}

/// `bytes` decompressed when they are gzip, else themselves.
pub fn decompress(bytes: Vec<u8>) -> Result<Vec<u8>> {
    if !is_gzip(&bytes) {
        return Ok(bytes);
    }
    // JSON compresses about tenfold; start there to avoid most regrowth.
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(10));
    MultiGzDecoder::new(bytes.as_slice())
        .read_to_end(&mut out)
        .map_err(|e| {
            Error::new(ErrorKind::Compression, format!("bad gzip stream: {e}")).caused_by(e)
        })?;
    Ok(out)
}
