//! What the security tracker needs from an APKBUILD, read as text and never executed:
//! the `# secfixes:` comment block (see [`secfixes`](self#the-secfixes-block)) and the
//! plain assignments of `pkgname`, `pkgver`, `pkgrel` and `options`.
//!
//! The secfixes come out as the same [`Secfixes`] map as a secdb package entry, so
//! APKBUILDs and secdb can be used interchangeably.
//!
//! # The secfixes block
//!
//! The rules, and what is reported, are those of abuild and the secdb generator;
//! see the `secfixes` submodule documentation, summarised here: the block starts at
//! the first line beginning with `# secfixes:` and ends at the first line not beginning
//! with `#`; version lines end in `:`, id lines start with `- `, indentation is free
//! (as in YAML). Malformed lines are reported with their line number and skipped
//! without ending the block; invalid versions are reported and kept.
//!
//! # Assignments
//!
//! `pkgname`, `pkgver`, `pkgrel` and `options` are taken from their last unindented assignment.
//! A value that would need the shell (`pkgver=${_pkgver/_/.}`) is kept as written and
//! left unresolved ([`Var::value`] is `None`) rather than guessed.

mod assign;
mod secfixes;

use std::path::Path;

pub use assign::Var;

use crate::diagnostic::Parsed;
use crate::error::{Error, Result};
use crate::secdb::{Package, Secfixes};

/// The parts of an APKBUILD the tracker reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Apkbuild {
    /// `pkgname=`, if assigned.
    pub pkgname: Option<Var>,
    /// `pkgver=`, if assigned.
    pub pkgver: Option<Var>,
    /// `pkgrel=`, if assigned.
    pub pkgrel: Option<Var>,
    /// `options=` (abuild's build options: `!check`, `net`…), if assigned.
    pub options: Option<Var>,
    /// The `# secfixes:` block: version → ids, in the order written.
    pub secfixes: Secfixes,
    /// The line of `# secfixes:`, if there is a block.
    pub secfixes_line: Option<usize>,
}

impl Apkbuild {
    /// The package name, if it is a plain literal.
    pub fn name(&self) -> Option<&str> {
        self.pkgname.as_ref().and_then(Var::literal)
    }

    /// `pkgver-rpkgrel`, the version the build produces, if both are plain literals.
    pub fn version(&self) -> Option<String> {
        let ver = self.pkgver.as_ref()?.literal()?;
        let rel = self.pkgrel.as_ref()?.literal()?;
        Some(format!("{ver}-r{rel}"))
    }

    /// The words of `options=`, if it is a plain literal (none when it is not assigned).
    pub fn options(&self) -> Option<Vec<String>> {
        match &self.options {
            None => Some(Vec::new()),
            Some(var) => Some(
                var.literal()?
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            ),
        }
    }

    /// The secdb entry this APKBUILD stands for, if its name is a plain literal.
    pub fn to_package(&self) -> Option<Package> {
        Some(Package::with_secfixes(self.name()?, self.secfixes.clone()))
    }
}

/// Reads an APKBUILD's text. Never fails: every problem is a diagnostic with a line.
pub fn parse(text: &str) -> Parsed<Apkbuild> {
    let block = secfixes::parse(text);
    Parsed {
        value: Apkbuild {
            pkgname: assign::find(text, "pkgname"),
            pkgver: assign::find(text, "pkgver"),
            pkgrel: assign::find(text, "pkgrel"),
            options: assign::find(text, "options"),
            secfixes: block.value.secfixes,
            secfixes_line: block.value.line,
        },
        diagnostics: block.diagnostics,
    }
}

/// Reads the APKBUILD at `path`, naming it in the diagnostics. Bytes that are not UTF-8
/// (old maintainer names in Latin-1) are replaced, as no field read here needs them.
pub fn read(path: &Path) -> Result<Parsed<Apkbuild>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(parse(&String::from_utf8_lossy(&bytes)).in_file(path))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn whole_file() {
        let text = "# Maintainer: someone\n# secfixes:\n#   1.2.3-r1:\n#     - CVE-2020-0001\n\npkgname=foo\npkgver=1.2.3\npkgrel=2\n_sub=${pkgver%.*}\n";
        let parsed = parse(text);
        assert!(parsed.is_clean(), "{:?}", parsed.diagnostics);
        let apk = parsed.value;
        assert_eq!(apk.name(), Some("foo"));
        assert_eq!(apk.version().as_deref(), Some("1.2.3-r2"));
        assert_eq!(apk.secfixes_line, Some(2));
        let pkg = apk.to_package().unwrap();
        assert_eq!(pkg.name, "foo");
        assert_eq!(pkg.secfixes.len(), 1);
    }

    #[test]
    fn options_are_words() {
        let parsed = parse("pkgname=a\noptions=\"!check net\"\n");
        assert_eq!(
            parsed.value.options(),
            Some(vec!["!check".to_owned(), "net".to_owned()])
        );
        assert_eq!(parse("pkgname=a\n").value.options(), Some(vec![]));
        assert_eq!(parse("options=\"$_opts\"\n").value.options(), None);
    }

    #[test]
    fn unresolved_values_stay_unresolved() {
        let parsed = parse("pkgname=py3-$_pyname\npkgver=$_ver\npkgrel=0\n");
        let apk = parsed.value;
        assert_eq!(apk.name(), None);
        assert_eq!(apk.pkgname.as_ref().unwrap().raw, "py3-$_pyname");
        assert_eq!(apk.version(), None);
        assert_eq!(apk.to_package(), None);
    }

    #[test]
    fn unreadable_file_is_an_error() {
        let err = read(Path::new("/nonexistent/APKBUILD")).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Io);
    }
}
