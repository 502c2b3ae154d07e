//! Many CVE 5 records at once: a cvelistV5 checkout (`cves/<year>/<N>xxx/CVE-….json`) or
//! any directory tree of `CVE-*.json` files, a zip of one, or a single record file.
//!
//! One bad record file is reported (named) and skipped; only an unreadable directory or a
//! broken zip stops the walk. A zip nested in the zip (the "all CVEs at midnight" release
//! wraps `cves.zip`) is not opened: unpack the outer one first.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use secfixes_apk::{Error, ErrorKind, Result};

use crate::model::Cve;

/// The largest record file read (the biggest real records are a few MB).
const MAX_RECORD: u64 = 64 << 20;

/// Reads every record under `path` (a directory, a `.zip`, or one record file, which may
/// be gzip), handing each to `f`; returns how many record files there were.
pub fn read_path(path: &Path, f: &mut dyn FnMut(Result<Cve>)) -> Result<usize> {
    if path.is_dir() {
        let files = record_files(path)?;
        for p in &files {
            f(read_file(p));
        }
        return Ok(files.len());
    }
    if is_zip(path)? {
        return read_zip(path, f);
    }
    f(read_file(path));
    Ok(1)
}

/// The `CVE-*.json` files under `dir`, sorted by path; hidden directories (`.git`) are
/// skipped.
pub fn record_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let entry = entry.map_err(|e| Error::io(&d, e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let kind = entry.file_type().map_err(|e| Error::io(&entry.path(), e))?;
            if kind.is_dir() {
                todo.push(entry.path());
            } else if is_record_name(&name) {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads one record file (plain or gzip); errors name the file.
pub fn read_file(path: &Path) -> Result<Cve> {
    let bytes = crate::source::read(path)?;
    super::read(&bytes).map_err(|e| e.in_file(path))
}

fn is_record_name(name: &str) -> bool {
    name.starts_with("CVE-") && (name.ends_with(".json") || name.ends_with(".json.gz"))
}

/// Whether `path` starts with a zip local-file or end-of-central-directory signature.
fn is_zip(path: &Path) -> Result<bool> {
    let mut head = [0u8; 4];
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let n = file.read(&mut head).map_err(|e| Error::io(path, e))?;
    Ok(n == 4 && (head == *b"PK\x03\x04" || head == *b"PK\x05\x06"))
}

/// Reads the `CVE-*.json` entries of a zip, in archive order.
pub fn read_zip(path: &Path, f: &mut dyn FnMut(Result<Cve>)) -> Result<usize> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
        Error::new(ErrorKind::Archive, format!("not a readable zip: {e}"))
            .in_file(path)
            .caused_by(e)
    })?;
    let mut count = 0;
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(entry) => entry,
            Err(e) => {
                count += 1;
                f(Err(Error::new(
                    ErrorKind::Archive,
                    format!("zip entry {i}: {e}"),
                )
                .in_file(path)
                .caused_by(e)));
                continue;
            }
        };
        // A name that is not UTF-8 is no `CVE-*.json` record.
        let Ok(name) = entry.name().map(|n| n.into_owned()) else {
            continue;
        };
        let base = name.rsplit('/').next().unwrap_or(&name);
        if entry.is_dir() || !base.starts_with("CVE-") || !base.ends_with(".json") {
            continue;
        }
        count += 1;
        let where_ = format!("{}!{name}", path.display());
        buf.clear();
        let read = (&mut entry).take(MAX_RECORD + 1).read_to_end(&mut buf);
        let result = match read {
            Err(e) => Err(
                Error::new(ErrorKind::Archive, format!("bad zip entry: {e}"))
                    .in_file(&where_)
                    .caused_by(e),
            ),
            Ok(n) if n as u64 > MAX_RECORD => Err(Error::new(
                ErrorKind::Archive,
                format!("record larger than {MAX_RECORD} bytes"),
            )
            .in_file(&where_)),
            Ok(_) => super::read(&buf).map_err(|e| e.in_file(&where_)),
        };
        f(result);
    }
    Ok(count)
}
