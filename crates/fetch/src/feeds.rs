//! Files named by a path or an http(s) URL: NVD 1.1 feeds, API pages, single records,
//! cvelistV5 zips. A URL is downloaded (with the client's retries) to a temporary file
//! first, so a cut download is caught before anything is read.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use secfixes_apk::{Error, ErrorKind, Result};

use crate::client::{Client, Request};

/// Where an input comes from: a file or directory, or an http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    Path(PathBuf),
    Url(String),
}

/// Whether `text` names an http(s) URL rather than a path.
pub fn is_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

impl Source {
    /// `http://…` and `https://…` are URLs; anything else is a path.
    pub fn parse(text: &str) -> Source {
        if is_url(text) {
            Source::Url(text.to_string())
        } else {
            Source::Path(PathBuf::from(text))
        }
    }

    /// Like [`Source::parse`], with a relative path joined to `base_dir`.
    pub fn resolve(text: &str, base_dir: &Path) -> Source {
        match Source::parse(text) {
            Source::Path(path) if path.is_relative() => Source::Path(base_dir.join(path)),
            other => other,
        }
    }

    /// The URL, if this is one.
    pub fn as_url(&self) -> Option<&str> {
        match self {
            Source::Url(url) => Some(url),
            Source::Path(_) => None,
        }
    }

    /// The path, if this is one.
    pub fn as_path(&self) -> Option<&Path> {
        match self {
            Source::Url(_) => None,
            Source::Path(path) => Some(path),
        }
    }

    /// The path or URL, for messages.
    pub fn name(&self) -> String {
        match self {
            Source::Path(path) => path.display().to_string(),
            Source::Url(url) => url.clone(),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Url(url) => f.write_str(url),
            Source::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A local file: the input itself, or a downloaded copy removed when this is dropped.
#[derive(Debug)]
pub struct Local {
    path: PathBuf,
    _temp: Option<tempfile::NamedTempFile>,
}

impl Local {
    /// The file to read.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Makes `source` a local file, downloading a URL. A download whose body is cut short, or
/// whose gzip stream (by magic bytes) does not inflate to its end, is fetched again.
pub fn fetch(client: &mut Client, source: &Source) -> Result<Local> {
    let url = match source {
        Source::Path(path) => {
            return Ok(Local {
                path: path.clone(),
                _temp: None,
            });
        }
        Source::Url(url) => url,
    };
    let temp = client.fetch(&Request::get(url), |reader| {
        let mut temp = tempfile::NamedTempFile::new().map_err(|err| {
            Error::new(ErrorKind::Io, format!("creating a temporary file: {err}"))
        })?;
        std::io::copy(reader, temp.as_file_mut()).map_err(|err| {
            Error::new(ErrorKind::Truncated, format!("downloading: {err}")).caused_by(err)
        })?;
        let file = temp.as_file_mut();
        file.flush()
            .and_then(|()| file.seek(SeekFrom::Start(0)).map(drop))
            .map_err(|err| Error::io(temp.path(), err))?;
        check_gzip(temp.as_file_mut())?;
        Ok(temp)
    })?;
    Ok(Local {
        path: temp.path().to_path_buf(),
        _temp: Some(temp),
    })
}

/// If `file` starts with the gzip magic, inflates it to the end to prove it whole.
fn check_gzip(file: &mut std::fs::File) -> Result<()> {
    let mut magic = [0u8; 2];
    let n = file
        .read(&mut magic)
        .map_err(|err| Error::new(ErrorKind::Io, err.to_string()))?;
    file.seek(SeekFrom::Start(0))
        .map_err(|err| Error::new(ErrorKind::Io, err.to_string()))?;
    if n == 2 && magic == [0x1f, 0x8b] {
        std::io::copy(&mut MultiGzDecoder::new(&mut *file), &mut std::io::sink())
            .map_err(|err| Error::new(ErrorKind::Compression, err.to_string()))?;
    }
    Ok(())
}

/// Reads a file, inflating it when it is gzip (by magic bytes, whatever its name).
pub fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|err| Error::io(path, err))?;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes.as_slice())
        .read_to_end(&mut out)
        .map_err(|err| {
            let kind = if err.kind() == std::io::ErrorKind::UnexpectedEof {
                ErrorKind::Truncated
            } else {
                ErrorKind::Compression
            };
            Error::new(kind, format!("gzip: {err}")).in_file(path)
        })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sources() {
        assert_eq!(
            Source::parse("HTTPS://x/y"),
            Source::Url("HTTPS://x/y".into())
        );
        assert_eq!(Source::parse("a.json"), Source::Path("a.json".into()));
        assert_eq!(Source::parse("http:"), Source::Path("http:".into()));
    }

    #[test]
    fn gzip_by_magic_and_cut_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&b"{\"a\": 1}".repeat(1000)).unwrap();
        let gz = gz.finish().unwrap();
        let path = dir.path().join("feed.json");
        std::fs::write(&path, &gz).unwrap();
        assert_eq!(read_maybe_gzip(&path).unwrap().len(), 8000);
        std::fs::write(&path, &gz[..gz.len() / 2]).unwrap();
        let err = read_maybe_gzip(&path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Truncated, "{err}");
        std::fs::write(&path, b"{}").unwrap();
        assert_eq!(read_maybe_gzip(&path).unwrap(), b"{}");
    }
}
