//! BUILDINFO: what a build recorded about its environment, in Arch Linux's format
//! (BUILDINFO(5); alpm's BUILDINFOv1 and BUILDINFOv2), which secfixes uses for apk
//! packages too (docs/BUILDINFO.md gives the apk meaning of each key).
//!
//! A file is a series of `key = value` lines. `buildenv`, `options` and `installed` may
//! be given any number of times (an array, in order); every other key at most once.
//! `format` says the version: `2` (pacman 6: `startdir`, `buildtool`, `buildtoolver`
//! added), `1`, or none at all (pacman 5.0 wrote files without it, and without most of
//! the keys). A version's keys are all required; what they hold is checked
//! (`pkgbuild_sha256sum` 64 hex digits, `builddate` Unix seconds, `pkgarch`
//! alphanumerics and `_`).
//!
//! The entries are kept in file order, so [`BuildInfo::to_text`] gives back a file that
//! makepkg wrote byte for byte. A key the format does not define is kept and reported
//! (a [`Diagnostic`]); a line that is not `key = value`, a single key given twice, a bad
//! value or a missing key is an error that names the line and the key.

use crate::diagnostic::{Diagnostic, Parsed};
use crate::error::{Error, ErrorKind, Result};

/// The keys that may be given any number of times.
pub const ARRAY_KEYS: [&str; 3] = ["buildenv", "options", "installed"];

/// The single keys of format 1, in the order makepkg writes them.
const V1_KEYS: [&str; 9] = [
    "format",
    "pkgname",
    "pkgbase",
    "pkgver",
    "pkgarch",
    "pkgbuild_sha256sum",
    "packager",
    "builddate",
    "builddir",
];

/// What format 2 adds, after `builddir`.
const V2_KEYS: [&str; 3] = ["startdir", "buildtool", "buildtoolver"];

/// One `key = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
}

/// A BUILDINFO file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildInfo {
    /// Every line, in order.
    pub entries: Vec<Entry>,
}

/// The fields of a format 2 file, for writing one ([`BuildInfo::v2`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    pub pkgname: String,
    pub pkgbase: String,
    pub pkgver: String,
    pub pkgarch: String,
    pub pkgbuild_sha256sum: String,
    pub packager: String,
    pub builddate: i64,
    pub builddir: String,
    pub startdir: String,
    pub buildtool: String,
    pub buildtoolver: String,
    pub buildenv: Vec<String>,
    pub options: Vec<String>,
    pub installed: Vec<String>,
}

impl BuildInfo {
    /// Reads a file; `Err` names the line (and key) of the first problem that stops it.
    pub fn parse(bytes: &[u8]) -> Result<Parsed<BuildInfo>> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Error::new(ErrorKind::Syntax, "not UTF-8 text").at_line(line)
        })?;
        let mut entries: Vec<Entry> = Vec::new();
        let mut lines_of: Vec<usize> = Vec::new();
        let mut diagnostics = Vec::new();
        // Split on `\n` only: a `\r` is a control character in a value, not a line end.
        let body = text.strip_suffix('\n').unwrap_or(text);
        for (i, raw) in body.split('\n').enumerate() {
            let line = i + 1;
            let trimmed = raw.trim_start();
            if trimmed.is_empty() {
                continue;
            }
            let pair = trimmed.split_once(" = ").filter(|(key, _)| {
                !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            });
            let Some((key, value)) = pair else {
                return Err(Error::new(
                    ErrorKind::Syntax,
                    format!("not a `key = value` line: {raw:?}"),
                )
                .at_line(line));
            };
            if value.chars().any(char::is_control) {
                return Err(
                    Error::new(ErrorKind::Syntax, "a control character in the value")
                        .at_line(line)
                        .in_field(key),
                );
            }
            let known =
                ARRAY_KEYS.contains(&key) || V1_KEYS.contains(&key) || V2_KEYS.contains(&key);
            if !known {
                diagnostics.push(
                    Diagnostic::new(ErrorKind::Syntax, "a key BUILDINFO does not define")
                        .at_line(line)
                        .at_key(key),
                );
            } else if !ARRAY_KEYS.contains(&key)
                && let Some(first) = entries.iter().position(|e| e.key == key)
            {
                return Err(Error::new(
                    ErrorKind::Syntax,
                    format!("given twice (first on line {})", lines_of[first]),
                )
                .at_line(line)
                .in_field(key));
            }
            check_value(key, value).map_err(|e| e.at_line(line).in_field(key))?;
            entries.push(Entry {
                key: key.to_owned(),
                value: value.to_owned(),
            });
            lines_of.push(line);
        }
        let info = BuildInfo { entries };
        let format = match info.get("format") {
            None => 0,
            Some(v) => v.parse::<u32>().unwrap_or(u32::MAX),
        };
        let required: Vec<&str> = match format {
            0 => Vec::new(),
            1 => V1_KEYS.to_vec(),
            2 => V1_KEYS.iter().chain(&V2_KEYS).copied().collect(),
            n => {
                let line = info.line_of("format", &lines_of);
                return Err(Error::new(
                    ErrorKind::Syntax,
                    format!("format {n} is not one this reader knows (1 or 2)"),
                )
                .at_line(line)
                .in_field("format"));
            }
        };
        if let Some(missing) = required.iter().find(|k| info.get(k).is_none()) {
            return Err(Error::new(
                ErrorKind::Syntax,
                format!("format {format} requires the key"),
            )
            .in_field(*missing));
        }
        if format < 2
            && let Some(newer) = V2_KEYS.iter().find(|k| info.get(k).is_some())
        {
            diagnostics.push(
                Diagnostic::new(ErrorKind::Syntax, "a format 2 key in an older file")
                    .at_line(info.line_of(newer, &lines_of))
                    .at_key(*newer),
            );
        }
        Ok(Parsed {
            value: info,
            diagnostics,
        })
    }

    fn line_of(&self, key: &str, lines: &[usize]) -> usize {
        self.entries
            .iter()
            .position(|e| e.key == key)
            .map_or(0, |i| lines[i])
    }

    /// The value of a single key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    }

    /// Every value of a key, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|e| e.key == key)
            .map(|e| e.value.as_str())
            .collect()
    }

    /// The format version: 0 when the file does not say.
    pub fn format(&self) -> u32 {
        self.get("format").and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// The file: each entry as `key = value` and a newline, in order.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            out.push_str(&e.key);
            out.push_str(" = ");
            out.push_str(&e.value);
            out.push('\n');
        }
        out
    }

    /// A format 2 file in makepkg's order; `Err` when a field holds what the format
    /// does not allow (a value with a newline, a bad checksum…), naming it.
    pub fn v2(fields: &Fields) -> Result<BuildInfo> {
        let mut entries = Vec::new();
        let mut push = |key: &str, value: &str| {
            entries.push(Entry {
                key: key.to_owned(),
                value: value.to_owned(),
            });
        };
        push("format", "2");
        push("pkgname", &fields.pkgname);
        push("pkgbase", &fields.pkgbase);
        push("pkgver", &fields.pkgver);
        push("pkgarch", &fields.pkgarch);
        push("pkgbuild_sha256sum", &fields.pkgbuild_sha256sum);
        push("packager", &fields.packager);
        push("builddate", &fields.builddate.to_string());
        push("builddir", &fields.builddir);
        push("startdir", &fields.startdir);
        push("buildtool", &fields.buildtool);
        push("buildtoolver", &fields.buildtoolver);
        for (key, values) in [
            ("buildenv", &fields.buildenv),
            ("options", &fields.options),
            ("installed", &fields.installed),
        ] {
            for v in values {
                push(key, v);
            }
        }
        let info = BuildInfo { entries };
        // What is written must read back as the same file.
        let back = BuildInfo::parse(info.to_text().as_bytes())?.strict()?;
        if back != info {
            let bad = info
                .entries
                .iter()
                .zip(&back.entries)
                .find(|(a, b)| a != b)
                .map_or("a value", |(a, _)| a.key.as_str());
            return Err(
                Error::new(ErrorKind::Syntax, "does not survive being written").in_field(bad),
            );
        }
        Ok(info)
    }
}

/// The `installed` values for a build root's installed database: `name-version-arch`
/// of every package, sorted by name (`noarch` when a record has no arch).
pub fn installed_entries(installed: &crate::installed::Installed<'_>) -> Vec<String> {
    let mut out: Vec<String> = installed
        .packages
        .iter()
        .map(|p| {
            let p = &p.package;
            format!(
                "{}-{}-{}",
                p.name,
                p.version,
                p.arch.as_deref().unwrap_or("noarch")
            )
        })
        .collect();
    out.sort();
    out
}

/// The rules of the keys whose values have a shape.
fn check_value(key: &str, value: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::new(ErrorKind::Syntax, format!("{why}: {value:?}")));
    match key {
        "format" if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) => {
            bad("a plain positive integer")
        }
        "pkgbuild_sha256sum"
            if value.len() != 64 || !value.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            bad("64 hexadecimal digits")
        }
        "builddate" if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) => {
            bad("Unix seconds")
        }
        "pkgarch"
            if value.is_empty()
                || !value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            bad("letters, digits and `_`")
        }
        "pkgname" | "pkgbase" | "pkgver" | "builddir" | "installed"
            if value.is_empty() || value.contains(char::is_whitespace) =>
        {
            bad("one word")
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const V2: &str = "format = 2\npkgname = zlib\npkgbase = zlib\npkgver = 1.3.1-r0\n\
        pkgarch = x86_64\npkgbuild_sha256sum = 9e96566cbcd39bf366a64536ab11873d9d7f86fc3a547fcc5a001b3302cdeb4a\n\
        packager = Jane <jane@example.org>\nbuilddate = 1700000000\nbuilddir = /home/build/aports/main/zlib/src\n\
        startdir = /home/build/aports/main/zlib\nbuildtool = abuild\nbuildtoolver = 3.14.1-r0\n\
        buildenv = !ccache\noptions = !check\ninstalled = musl-1.2.5-r0-x86_64\ninstalled = busybox-1.36.1-r2-x86_64\n";

    #[test]
    fn round_trip_and_accessors() {
        let parsed = BuildInfo::parse(V2.as_bytes()).unwrap();
        assert!(parsed.is_clean());
        let info = parsed.value;
        assert_eq!(info.to_text(), V2);
        assert_eq!(info.format(), 2);
        assert_eq!(info.get("pkgver"), Some("1.3.1-r0"));
        assert_eq!(
            info.all("installed"),
            ["musl-1.2.5-r0-x86_64", "busybox-1.36.1-r2-x86_64"]
        );
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let cases = [
            (
                "format = 2\nno equals here\n",
                2,
                None,
                "not a `key = value` line",
            ),
            (
                "format = 1\npkgname = a\npkgname = b\n",
                3,
                Some("pkgname"),
                "given twice (first on line 2)",
            ),
            (
                "format = x\n",
                1,
                Some("format"),
                "a plain positive integer",
            ),
            ("format = 3\n", 1, Some("format"), "format 3"),
            (
                "pkgbuild_sha256sum = abc\n",
                1,
                Some("pkgbuild_sha256sum"),
                "64 hexadecimal",
            ),
            (
                "builddate = yesterday\n",
                1,
                Some("builddate"),
                "Unix seconds",
            ),
        ];
        for (text, line, field, want) in cases {
            let err = BuildInfo::parse(text.as_bytes()).unwrap_err();
            assert_eq!(err.location().line, Some(line), "{text:?}: {err}");
            assert_eq!(err.location().field.as_deref(), field, "{text:?}: {err}");
            assert!(err.to_string().contains(want), "{text:?}: {err}");
        }
        let err = BuildInfo::parse(b"format = 1\npkgname = a\n").unwrap_err();
        assert_eq!(err.location().field.as_deref(), Some("pkgbase"), "{err}");
        let err = BuildInfo::parse(b"format = 2\n\xff\n").unwrap_err();
        assert_eq!(err.location().line, Some(2));
    }

    #[test]
    fn unknown_keys_are_kept_and_reported() {
        let text = format!("{V2}colour = red\n");
        let parsed = BuildInfo::parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].line, Some(17));
        assert_eq!(parsed.diagnostics[0].key.as_deref(), Some("colour"));
        assert_eq!(parsed.value.to_text(), text);
        assert!(BuildInfo::parse(text.as_bytes()).unwrap().strict().is_err());
    }

    #[test]
    fn v2_writes_makepkgs_order() {
        let info = BuildInfo::parse(V2.as_bytes()).unwrap().value;
        let fields = Fields {
            pkgname: "zlib".into(),
            pkgbase: "zlib".into(),
            pkgver: "1.3.1-r0".into(),
            pkgarch: "x86_64".into(),
            pkgbuild_sha256sum: info.get("pkgbuild_sha256sum").unwrap().into(),
            packager: "Jane <jane@example.org>".into(),
            builddate: 1_700_000_000,
            builddir: "/home/build/aports/main/zlib/src".into(),
            startdir: "/home/build/aports/main/zlib".into(),
            buildtool: "abuild".into(),
            buildtoolver: "3.14.1-r0".into(),
            buildenv: vec!["!ccache".into()],
            options: vec!["!check".into()],
            installed: vec![
                "musl-1.2.5-r0-x86_64".into(),
                "busybox-1.36.1-r2-x86_64".into(),
            ],
        };
        assert_eq!(BuildInfo::v2(&fields).unwrap(), info);
        let mut bad = fields.clone();
        bad.packager = "two\nlines".into();
        assert!(BuildInfo::v2(&bad).is_err());
    }
}
