//! NVD CVE records: API 2.0 response pages and single records ([`v2`]) and the retired 1.1
//! JSON feeds ([`v11`]), read into [`Cve`]s with origin [`Origin::Nvd`](crate::Origin).
//!
//! Readers hand each record to a callback as a `Result<Cve>`: a bad record is reported
//! (its CVE id and the JSON path of the bad field) and the others still come; only a file
//! that is not JSON, a broken gzip stream or a document of the wrong shape stops a reader.

pub mod v11;
pub mod v2;

use std::io::Read;
use std::path::Path;

use secfixes_apk::{Error, Result};

use crate::model::{Cve, Status};

/// What [`read_path`] found in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An API 2.0 response page (`vulnerabilities[]`).
    V2Page,
    /// One API 2.0 `cve` object as the whole document.
    V2Record,
    /// A 1.1 JSON feed (`CVE_Items[]`).
    V11Feed,
}

/// How much of the start of a file is looked at to tell a 1.1 feed from API 2.0 JSON.
const SNIFF: usize = 1 << 16;

/// Reads an NVD file of any of the [`Format`]s, plain or gzip. 1.1 feeds are streamed
/// (their size does not matter); API 2.0 files are read whole (a page holds at most 2,000
/// records). Record errors go to `f` with the file name added; the count of records is
/// returned.
pub fn read_path(path: &Path, f: &mut dyn FnMut(Result<Cve>)) -> Result<(Format, usize)> {
    let mut reader = crate::source::open(path)?;
    let mut head = Vec::with_capacity(SNIFF);
    (&mut reader)
        .take(SNIFF as u64)
        .read_to_end(&mut head)
        .map_err(|e| read_error(path, e))?;
    let mut in_file = |r: Result<Cve>| f(r.map_err(|e| e.in_file(path)));
    if is_v11(&head) {
        let n =
            v11::read(head.as_slice().chain(reader), &mut in_file).map_err(|e| e.in_file(path))?;
        return Ok((Format::V11Feed, n));
    }
    reader
        .read_to_end(&mut head)
        .map_err(|e| read_error(path, e))?;
    let info = v2::read(&head, &mut in_file).map_err(|e| e.in_file(path))?;
    let format = if info.single {
        Format::V2Record
    } else {
        Format::V2Page
    };
    Ok((format, info.records))
}

/// A read error of a possibly compressed file: the decompressor's complaints become
/// compression errors.
fn read_error(path: &Path, e: std::io::Error) -> Error {
    use secfixes_apk::ErrorKind;
    let kind = match e.kind() {
        std::io::ErrorKind::UnexpectedEof => ErrorKind::Truncated,
        std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
            ErrorKind::Compression
        }
        _ => return Error::io(path, e),
    };
    Error::new(kind, format!("bad gzip stream: {e}"))
        .in_file(path)
        .caused_by(e)
}

/// Whether the start of a document has the keys of a 1.1 feed (`CVE_Items`,
/// `CVE_data_*`), which API 2.0 documents never have.
fn is_v11(head: &[u8]) -> bool {
    let find = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    find(b"\"CVE_Items\"") || find(b"\"CVE_data_type\"") || find(b"\"CVE_data_format\"")
}

/// NVD's `vulnStatus`.
pub(crate) fn status(vuln_status: &str) -> Status {
    match vuln_status {
        "Received" => Status::Received,
        "Awaiting Analysis" => Status::AwaitingAnalysis,
        "Undergoing Analysis" => Status::UndergoingAnalysis,
        "Analyzed" => Status::Analyzed,
        "Modified" => Status::Modified,
        "Deferred" => Status::Deferred,
        "Rejected" => Status::Rejected,
        other => Status::Other(other.to_owned()),
    }
}

/// The NVD analysis as a rule source.
pub(crate) const SOURCE: &str = "NVD";
