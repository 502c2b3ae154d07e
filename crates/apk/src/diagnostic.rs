//! Problems found in a document that do not stop it from being read.
//!
//! Real secfixes data has oddities (versions apk rejects, misspelt CVE ids, a package
//! listed twice). Dropping such entries would hide them and failing would lose the rest
//! of the document, so the readers of [`secdb`](crate::secdb), [`apkbuild`](crate::apkbuild)
//! and [`rejections`](crate::rejections) return the document together with a list of
//! [`Diagnostic`]s. [`Parsed::strict`] turns any diagnostic into an [`Error`] for callers
//! that want all-or-nothing.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

/// One problem in a document: where it is (file, line, package, key) and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The kind of problem, as for errors ([`ErrorKind::InvalidVersion`], [`ErrorKind::Syntax`] …).
    pub kind: ErrorKind,
    /// The file, when the document was read from one.
    pub file: Option<PathBuf>,
    /// The 1-based line, for line-oriented formats (APKBUILD, rejections YAML).
    pub line: Option<usize>,
    /// The package the problem is in.
    pub package: Option<String>,
    /// The key in that package: a `secfixes` version, or an id.
    pub key: Option<String>,
    /// What is wrong, for a human.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic of `kind` with no location yet.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Diagnostic {
            kind,
            file: None,
            line: None,
            package: None,
            key: None,
            message: message.into(),
        }
    }

    /// Sets the line.
    #[must_use]
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the package.
    #[must_use]
    pub fn in_package(mut self, package: impl Into<String>) -> Self {
        self.package = Some(package.into());
        self
    }

    /// Sets the key (a version or an id).
    #[must_use]
    pub fn at_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The same problem as an [`Error`], with the package and key as its field.
    pub fn to_error(&self) -> Error {
        let mut err = Error::new(self.kind, self.message.clone());
        let field = match (&self.package, &self.key) {
            (Some(p), Some(k)) => Some(format!("{p}: {k}")),
            (Some(p), None) => Some(p.clone()),
            (None, Some(k)) => Some(k.clone()),
            (None, None) => None,
        };
        if let Some(field) = field {
            err = err.in_field(field);
        }
        if let Some(line) = self.line {
            err = err.at_line(line);
        }
        if let Some(file) = &self.file {
            err = err.in_file(file);
        }
        err
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line: package: key: message`, leaving out the parts that are not known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: ", file.display())?,
            (Some(file), None) => write!(f, "{}: ", file.display())?,
            (None, Some(line)) => write!(f, "line {line}: ")?,
            (None, None) => {}
        }
        if let Some(package) = &self.package {
            write!(f, "{package}: ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A document read with its diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    /// The document, with every entry that could be read (invalid ones kept as written).
    pub value: T,
    /// The problems found, in document order.
    pub diagnostics: Vec<Diagnostic>,
}

impl<T> Parsed<T> {
    /// A document with no problems.
    pub fn clean(value: T) -> Self {
        Parsed {
            value,
            diagnostics: Vec::new(),
        }
    }

    /// Whether no problem was found.
    pub fn is_clean(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// Strict mode: the document if it is clean, else the first problem as an error
    /// (saying how many more there are).
    pub fn strict(self) -> Result<T> {
        let count = self.diagnostics.len();
        match self.diagnostics.into_iter().next() {
            None => Ok(self.value),
            Some(first) => {
                let err = first.to_error();
                if count == 1 {
                    return Err(err);
                }
                let more = count - 1;
                let noun = if more == 1 { "problem" } else { "problems" };
                let message = format!("{} (and {more} more {noun})", err.message());
                let mut out = Error::new(err.kind(), message);
                let loc = err.location();
                if let Some(field) = &loc.field {
                    out = out.in_field(field.clone());
                }
                if let Some(line) = loc.line {
                    out = out.at_line(line);
                }
                if let Some(file) = &loc.file {
                    out = out.in_file(file);
                }
                Err(out)
            }
        }
    }

    /// Names `path` as the file of every diagnostic.
    #[must_use]
    pub fn in_file(mut self, path: &Path) -> Self {
        for d in &mut self.diagnostics {
            d.file = Some(path.to_path_buf());
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_every_known_part() {
        let d = Diagnostic::new(ErrorKind::InvalidVersion, "bad")
            .in_package("xen")
            .at_key("4.10-1-r1");
        assert_eq!(d.to_string(), "xen: 4.10-1-r1: bad");
        let d = Parsed {
            value: (),
            diagnostics: vec![d],
        }
        .in_file(Path::new("main.json"));
        assert_eq!(
            d.diagnostics[0].to_string(),
            "main.json: xen: 4.10-1-r1: bad"
        );
        let d = Diagnostic::new(ErrorKind::Syntax, "junk").at_line(3);
        assert_eq!(d.to_string(), "line 3: junk");
    }

    #[test]
    fn strict_reports_the_first_and_counts_the_rest() {
        let parsed = Parsed {
            value: (),
            diagnostics: vec![
                Diagnostic::new(ErrorKind::InvalidVersion, "first").in_package("a"),
                Diagnostic::new(ErrorKind::Syntax, "second"),
            ],
        }
        .in_file(Path::new("f.json"));
        let err = parsed.strict().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("f.json: a: invalid version: first (and 1 more problem)")
        );
        assert!(Parsed::clean(1).strict().is_ok());
    }
}
