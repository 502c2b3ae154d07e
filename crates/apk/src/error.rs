//! The one error type of this crate.
//!
//! Every error says what went wrong ([`ErrorKind`]) and where ([`Location`]: the file, the
//! line and the field, as far as they are known), so that a user can go straight to the bad
//! input. Parsers fill in the line and field; the functions that open files add the path.

use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of problem an [`Error`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A version string that apk-tools 3 rejects.
    InvalidVersion,
    /// Text that does not follow the format's grammar (a bad line, a missing field).
    Syntax,
    /// A gzip stream that cannot be inflated.
    Compression,
    /// A tar archive that is cut short or malformed.
    Archive,
    /// The input ends before the format says it should.
    Truncated,
    /// The index carries no signature, or none from a key we know.
    Unsigned,
    /// A signature that does not verify against the named key.
    BadSignature,
    /// A key file that cannot be read as an RSA key.
    Key,
    /// JSON that is malformed or not in the expected shape.
    Json,
    /// YAML that is malformed or not in the expected shape.
    Yaml,
    /// Reading or writing a file failed.
    Io,
    /// A download failed: the server refused, the connection broke, or retries ran out.
    Network,
    /// A configuration file that is malformed or names something that does not exist.
    Config,
    /// The database refused a statement, or holds data this version cannot read.
    Database,
}

impl ErrorKind {
    /// A short, stable name for the kind, used in messages and machine output.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidVersion => "invalid version",
            ErrorKind::Syntax => "syntax error",
            ErrorKind::Compression => "corrupt compression",
            ErrorKind::Archive => "corrupt archive",
            ErrorKind::Truncated => "truncated",
            ErrorKind::Unsigned => "unsigned",
            ErrorKind::BadSignature => "bad signature",
            ErrorKind::Key => "bad key",
            ErrorKind::Json => "invalid JSON",
            ErrorKind::Yaml => "invalid YAML",
            ErrorKind::Io => "I/O error",
            ErrorKind::Network => "network error",
            ErrorKind::Config => "invalid configuration",
            ErrorKind::Database => "database error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the input an error was found. Every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file (or archive member, or URL) being read.
    pub file: Option<PathBuf>,
    /// The 1-based line number.
    pub line: Option<usize>,
    /// The field, key or record the problem is in (`V:` of package `busybox`, `secfixes`).
    pub field: Option<String>,
}

impl Location {
    fn is_empty(&self) -> bool {
        self.file.is_none() && self.line.is_none() && self.field.is_none()
    }
}

impl fmt::Display for Location {
    /// `file:line: field` with the missing parts left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            wrote = true;
        }
        if let Some(line) = self.line {
            if wrote {
                write!(f, ":{line}")?;
            } else {
                write!(f, "line {line}")?;
            }
            wrote = true;
        }
        if let Some(field) = &self.field {
            if wrote {
                f.write_str(": ")?;
            }
            write!(f, "{field}")?;
        }
        Ok(())
    }
}

/// An error from reading, checking or writing an apk format.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    location: Location,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a human-readable `message` and no location yet.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            location: Location::default(),
            message: message.into(),
            source: None,
        }
    }

    /// An I/O error while working on `path`.
    pub fn io(path: &Path, err: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, err.to_string())
            .in_file(path)
            .caused_by(err)
    }

    /// Sets the file, unless a more specific one (an archive member, say) is already set.
    #[must_use]
    pub fn in_file(mut self, path: impl AsRef<Path>) -> Self {
        if self.location.file.is_none() {
            self.location.file = Some(path.as_ref().to_path_buf());
        }
        self
    }

    /// Sets the line number (1-based), unless one is already set.
    #[must_use]
    pub fn at_line(mut self, line: usize) -> Self {
        if self.location.line.is_none() {
            self.location.line = Some(line);
        }
        self
    }

    /// Sets the field, unless one is already set.
    #[must_use]
    pub fn in_field(mut self, field: impl Into<String>) -> Self {
        if self.location.field.is_none() {
            self.location.field = Some(field.into());
        }
        self
    }

    /// Keeps the lower-level error this one was caused by.
    #[must_use]
    pub fn caused_by(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Where the problem is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The message without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.location.is_empty() {
            write!(f, "{}: ", self.location)?;
        }
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_field() {
        let err = Error::new(ErrorKind::InvalidVersion, "`1.0-r` is not a valid version")
            .in_field("V")
            .at_line(12)
            .in_file("APKINDEX");
        assert_eq!(
            err.to_string(),
            "APKINDEX:12: V: invalid version: `1.0-r` is not a valid version"
        );
    }

    #[test]
    fn inner_location_wins() {
        let err = Error::new(ErrorKind::Syntax, "bad")
            .in_file("APKINDEX")
            .in_file("APKINDEX.tar.gz");
        assert_eq!(err.location().file.as_deref(), Some(Path::new("APKINDEX")));
    }

    #[test]
    fn without_location_only_kind_and_message() {
        let err = Error::new(ErrorKind::Unsigned, "no signature");
        assert_eq!(err.to_string(), "unsigned: no signature");
    }
}
