//! The installed database, `lib/apk/db/installed`.
//!
//! Each record is a [package record](crate::package) followed by lines that only this
//! file has (apk-tools src/database.c, `apk_db_fdb_read` and `apk_db_fdb_write`):
//!
//! | letter | meaning |
//! |---|---|
//! | `r` | replaces: packages whose files this one may overwrite (a dependency list) |
//! | `q` | replaces priority |
//! | `s` | repository tag (`@testing`, without the `@`) |
//! | `f` | flags: `f` broken files, `s` broken script, `x` broken xattrs, `S` SHA-256-160 file checksums |
//! | `g` | tags (space-separated) |
//! | `F` | a directory; the `R` lines after it are its files |
//! | `M` | the directory's owner and mode: `uid:gid:mode` (octal), optionally `:xattr checksum` |
//! | `R` | a file in the last `F` directory |
//! | `a` | the file's owner and mode, as `M` |
//! | `Z` | the file's checksum |
//!
//! Other lowercase letters are kept as unknown package fields; other uppercase letters
//! are a syntax error. Reading and writing a file apk-tools wrote gives it back byte for
//! byte.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::error::{Error, ErrorKind, Result};
use crate::package::{
    Builder, Field, Lines, Package, Slot, checksum_kind, field_label, parse_u64, push_line,
    push_number, shorten,
};

/// The installed database: its package records in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Installed<'a> {
    /// The installed packages.
    pub packages: Vec<InstalledPackage<'a>>,
    /// Whether the last record is followed by a blank line (apk-tools writes one; some
    /// hand-written files end right after the last field).
    pub final_blank_line: bool,
}

/// One installed package with its files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstalledPackage<'a> {
    /// The package fields.
    pub package: Package<'a>,
    /// `r:` packages this one replaces.
    pub replaces: Vec<Cow<'a, str>>,
    /// `q:` the replaces priority.
    pub replaces_priority: Option<u64>,
    /// `s:` the repository tag.
    pub repository_tag: Option<Cow<'a, str>>,
    /// `f:` the flags, as written (letters `f`, `s`, `x`, `S`).
    pub flags: Option<Cow<'a, str>>,
    /// `g:` tags.
    pub tags: Vec<Cow<'a, str>>,
    /// `F:` directories with their files, in file order.
    pub dirs: Vec<Dir<'a>>,
}

/// A directory owned by a package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dir<'a> {
    /// `F:` the path, relative to the root (no leading `/`).
    pub path: Cow<'a, str>,
    /// `M:` owner and mode, as written, if not the default.
    pub acl: Option<Cow<'a, str>>,
    /// `R:` the files in it.
    pub files: Vec<File<'a>>,
}

/// A file owned by a package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct File<'a> {
    /// `R:` the file name within its directory.
    pub name: Cow<'a, str>,
    /// `a:` owner and mode, as written, if not the default.
    pub acl: Option<Cow<'a, str>>,
    /// `Z:` the checksum.
    pub checksum: Option<Cow<'a, str>>,
}

/// Owner, group and mode of an `a:` or `M:` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acl<'a> {
    /// The owner's uid.
    pub uid: u32,
    /// The group's gid.
    pub gid: u32,
    /// The permission bits (read as octal).
    pub mode: u32,
    /// The checksum of the extended attributes, if any.
    pub xattr_checksum: Option<&'a str>,
}

impl<'a> Acl<'a> {
    /// Parses `uid:gid:mode[:xattr checksum]`, the mode in octal.
    pub fn parse(text: &'a str) -> Option<Acl<'a>> {
        let mut parts = text.splitn(4, ':');
        let uid = parse_u64(parts.next()?).and_then(|n| u32::try_from(n).ok())?;
        let gid = parse_u64(parts.next()?).and_then(|n| u32::try_from(n).ok())?;
        let mode_text = parts.next()?;
        if mode_text.is_empty() || !mode_text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return None;
        }
        let mode = u32::from_str_radix(mode_text, 8).ok()?;
        let xattr_checksum = match parts.next() {
            Some(sum) => {
                checksum_kind(sum)?;
                Some(sum)
            }
            None => None,
        };
        Some(Acl {
            uid,
            gid,
            mode,
            xattr_checksum,
        })
    }
}

/// The letters of installed-only fields kept on [`InstalledPackage`] itself.
const INSTALLED_FIELDS: &[u8] = b"rqsfg";

/// Reads an installed database. Versions apk-tools 3 rejects are kept, as apk-tools
/// keeps them; [`parse_with_warnings`] reports them.
pub fn parse(text: &str) -> Result<Installed<'_>> {
    parse_with_warnings(text, &mut Vec::new())
}

/// Like [`parse`], and pushes an [`ErrorKind::InvalidVersion`] with line and field to
/// `invalid_versions` for every version apk-tools 3 would reject.
pub fn parse_with_warnings<'a>(
    text: &'a str,
    invalid_versions: &mut Vec<Error>,
) -> Result<Installed<'a>> {
    let mut packages = Vec::new();
    let mut record: Option<Record<'_>> = None;
    let mut final_blank_line = false;
    let mut spare = Vec::new();
    for line in Lines::new(text) {
        match line? {
            None => {
                if let Some(done) = record.take() {
                    packages.push(done.finish(invalid_versions, &mut spare)?);
                }
                final_blank_line = true;
            }
            Some(field) => {
                final_blank_line = false;
                record
                    .get_or_insert_with(|| Record::new(field.line, std::mem::take(&mut spare)))
                    .add(field)?;
            }
        }
    }
    if let Some(done) = record {
        packages.push(done.finish(invalid_versions, &mut spare)?);
    }
    Ok(Installed {
        packages,
        final_blank_line,
    })
}

impl Installed<'_> {
    /// Writes the database in apk-tools' format, each record's lines in the order they
    /// were read.
    pub fn write(&self) -> String {
        let mut out = String::new();
        for (i, package) in self.packages.iter().enumerate() {
            package.write(&mut out);
            if self.final_blank_line || i + 1 < self.packages.len() {
                out.push('\n');
            }
        }
        out
    }
}

impl InstalledPackage<'_> {
    /// Appends the record's lines (without the blank line after it): the package fields
    /// as read, then the directories and files.
    pub fn write(&self, out: &mut String) {
        let mut replaces = 0usize;
        let mut tags = 0usize;
        let mut written = [false; 3];
        self.package.write_with(out, &mut |out, letter, count| {
            let count = usize::try_from(count).unwrap_or(usize::MAX);
            match letter {
                b'r' => write_words(out, b'r', &self.replaces, &mut replaces, count),
                b'g' => write_words(out, b'g', &self.tags, &mut tags, count),
                b'q' => {
                    if let (Some(q), false) = (self.replaces_priority, written[0]) {
                        push_number(out, b'q', q);
                        written[0] = true;
                    }
                }
                b's' => {
                    if let (Some(s), false) = (&self.repository_tag, written[1]) {
                        push_line(out, b's', s);
                        written[1] = true;
                    }
                }
                b'f' => {
                    if let (Some(f), false) = (&self.flags, written[2]) {
                        push_line(out, b'f', f);
                        written[2] = true;
                    }
                }
                _ => {}
            }
        });
        // Fields set in code after reading, in apk-tools' order.
        if tags < self.tags.len() {
            write_words(out, b'g', &self.tags, &mut tags, usize::MAX);
        }
        if replaces < self.replaces.len() {
            write_words(out, b'r', &self.replaces, &mut replaces, usize::MAX);
        }
        if let (Some(q), false) = (self.replaces_priority, written[0]) {
            push_number(out, b'q', q);
        }
        if let (Some(s), false) = (&self.repository_tag, written[1]) {
            push_line(out, b's', s);
        }
        if let (Some(f), false) = (&self.flags, written[2]) {
            push_line(out, b'f', f);
        }
        for dir in &self.dirs {
            push_line(out, b'F', &dir.path);
            if let Some(acl) = &dir.acl {
                push_line(out, b'M', acl);
            }
            for file in &dir.files {
                push_line(out, b'R', &file.name);
                if let Some(acl) = &file.acl {
                    push_line(out, b'a', acl);
                }
                if let Some(checksum) = &file.checksum {
                    push_line(out, b'Z', checksum);
                }
            }
        }
    }

    /// The paths of the package's files (`dir/name`).
    pub fn file_paths(&self) -> impl Iterator<Item = String> + '_ {
        self.dirs.iter().flat_map(|dir| {
            dir.files.iter().map(move |file| {
                if dir.path.is_empty() {
                    file.name.to_string()
                } else {
                    format!("{}/{}", dir.path, file.name)
                }
            })
        })
    }
}

/// Writes up to `count` more words of a list on one line (an empty line if `count` is 0).
fn write_words(
    out: &mut String,
    letter: u8,
    words: &[Cow<'_, str>],
    cursor: &mut usize,
    count: usize,
) {
    let start = (*cursor).min(words.len());
    let end = start.saturating_add(count).min(words.len());
    if start == end && count != 0 {
        return;
    }
    let line = words.get(start..end).unwrap_or_default().join(" ");
    push_line(out, letter, &line);
    *cursor = end;
}

/// One record being read.
#[derive(Debug)]
struct Record<'a> {
    builder: Builder<'a>,
    installed: InstalledPackage<'a>,
    /// Whether the last `R:` line is still the current file (for `a:` and `Z:`).
    has_file: bool,
}

impl<'a> Record<'a> {
    fn new(line: usize, layout: Vec<Slot>) -> Self {
        Record {
            builder: Builder::new(line, layout),
            installed: InstalledPackage::default(),
            has_file: false,
        }
    }

    fn add(&mut self, field: Field<'a>) -> Result<()> {
        if self.builder.add(field)? {
            return Ok(());
        }
        let Field { letter, value, .. } = field;
        let err = |this: &Self, message: String| {
            Err(Error::new(ErrorKind::Syntax, message)
                .at_line(field.line)
                .in_field(field_label(letter, this.builder.name())))
        };
        let installed = &mut self.installed;
        match letter {
            b'r' | b'g' => {
                let list = if letter == b'r' {
                    &mut installed.replaces
                } else {
                    &mut installed.tags
                };
                let before = list.len();
                list.extend(value.split_ascii_whitespace().map(Cow::Borrowed));
                let count = u32::try_from(list.len() - before).unwrap_or(u32::MAX);
                self.builder.add_external(letter, count);
            }
            b'q' | b's' | b'f' => {
                let taken = match letter {
                    b'q' => installed.replaces_priority.is_some(),
                    b's' => installed.repository_tag.is_some(),
                    _ => installed.flags.is_some(),
                };
                if taken {
                    return err(self, "field given twice in one record".to_owned());
                }
                match letter {
                    b'q' => match parse_u64(value) {
                        Some(q) => installed.replaces_priority = Some(q),
                        None => {
                            return err(
                                self,
                                format!("`{}` is not a decimal number", shorten(value)),
                            );
                        }
                    },
                    b's' => installed.repository_tag = Some(Cow::Borrowed(value)),
                    _ => {
                        if !value.bytes().all(|b| b"fsxS".contains(&b)) {
                            return err(
                                self,
                                format!("`{}`: flags are letters among f, s, x, S", shorten(value)),
                            );
                        }
                        installed.flags = Some(Cow::Borrowed(value));
                    }
                }
                self.builder.add_external(letter, 1);
            }
            b'F' => {
                installed.dirs.push(Dir {
                    path: Cow::Borrowed(value),
                    acl: None,
                    files: Vec::new(),
                });
                self.has_file = false;
            }
            b'M' => {
                if Acl::parse(value).is_none() {
                    return err(self, format!("`{}` is not uid:gid:mode", shorten(value)));
                }
                match installed.dirs.last_mut() {
                    Some(dir) if dir.acl.is_none() => dir.acl = Some(Cow::Borrowed(value)),
                    Some(_) => return err(self, "`M:` given twice for one directory".to_owned()),
                    None => return err(self, "`M:` before any `F:` directory".to_owned()),
                }
            }
            b'R' => match installed.dirs.last_mut() {
                Some(dir) => {
                    dir.files.push(File {
                        name: Cow::Borrowed(value),
                        acl: None,
                        checksum: None,
                    });
                    self.has_file = true;
                }
                None => return err(self, "`R:` file before any `F:` directory".to_owned()),
            },
            b'a' | b'Z' => {
                if letter == b'a' && Acl::parse(value).is_none() {
                    return err(self, format!("`{}` is not uid:gid:mode", shorten(value)));
                }
                if letter == b'Z' && checksum_kind(value).is_none() {
                    return err(self, format!("`{}` is not a checksum", shorten(value)));
                }
                let file = installed
                    .dirs
                    .last_mut()
                    .and_then(|dir| dir.files.last_mut())
                    .filter(|_| self.has_file);
                let Some(file) = file else {
                    return err(
                        self,
                        format!("`{}:` before any `R:` file", char::from(letter)),
                    );
                };
                let slot = if letter == b'a' {
                    &mut file.acl
                } else {
                    &mut file.checksum
                };
                if slot.is_some() {
                    return err(self, "field given twice for one file".to_owned());
                }
                *slot = Some(Cow::Borrowed(value));
            }
            _ if letter.is_ascii_lowercase() && !INSTALLED_FIELDS.contains(&letter) => {
                self.builder.add_unknown(field);
            }
            _ => {
                return err(
                    self,
                    format!(
                        "unknown field `{}:` in the installed database",
                        char::from(letter)
                    ),
                );
            }
        }
        Ok(())
    }

    fn finish(
        self,
        invalid_versions: &mut Vec<Error>,
        spare: &mut Vec<Slot>,
    ) -> Result<InstalledPackage<'a>> {
        let mut installed = self.installed;
        installed.package = self.builder.finish(invalid_versions, spare)?;
        Ok(installed)
    }
}

impl Serialize for InstalledPackage<'_> {
    /// The package's fields as for an index, then the installed-only fields and `dirs`.
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("InstalledPackage", 24)?;
        self.package.serialize_fields::<S>(&mut state)?;
        state.serialize_field("replaces", &self.replaces)?;
        state.serialize_field("replaces_priority", &self.replaces_priority)?;
        state.serialize_field("repository_tag", &self.repository_tag)?;
        state.serialize_field("flags", &self.flags)?;
        state.serialize_field("tags", &self.tags)?;
        state.serialize_field("dirs", &self.dirs)?;
        state.end()
    }
}

impl Serialize for Dir<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Dir", 3)?;
        state.serialize_field("path", &self.path)?;
        state.serialize_field("acl", &self.acl)?;
        state.serialize_field("files", &self.files)?;
        state.end()
    }
}

impl Serialize for File<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("File", 3)?;
        state.serialize_field("name", &self.name)?;
        state.serialize_field("acl", &self.acl)?;
        state.serialize_field("checksum", &self.checksum)?;
        state.end()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const DB: &str = "C:Q1EyN5AdpAOBJWKMR89pp/C66o+OE=\nP:a\nV:1\nS:1\nI:1\nD:b\nr:old\nq:10\ns:testing\nf:S\nx:future\nF:etc\nM:0:0:755\nR:conf\na:0:42:640\nZ:Q1SLkS9hBidUbPwwrw+XR0Whv3ww8=\nR:other\nF:usr\n\nP:b\nV:1\n";

    #[test]
    fn round_trip() {
        let db = parse(DB).unwrap();
        assert_eq!(db.packages.len(), 2);
        let a = &db.packages[0];
        assert_eq!(a.replaces, ["old"]);
        assert_eq!(a.replaces_priority, Some(10));
        assert_eq!(a.repository_tag.as_deref(), Some("testing"));
        assert_eq!(a.package.unknown, [('x', "future".into())]);
        assert_eq!(a.dirs.len(), 2);
        assert_eq!(a.dirs[0].files[0].acl.as_deref(), Some("0:42:640"));
        assert_eq!(
            a.file_paths().collect::<Vec<_>>(),
            ["etc/conf", "etc/other"]
        );
        assert!(!db.final_blank_line);
        assert_eq!(db.write(), DB);
    }

    #[test]
    fn acl() {
        assert_eq!(
            Acl::parse("0:42:0640"),
            Some(Acl {
                uid: 0,
                gid: 42,
                mode: 0o640,
                xattr_checksum: None
            })
        );
        assert!(Acl::parse("0:0:8").is_none());
        assert!(Acl::parse("0:0").is_none());
        assert!(Acl::parse("0:0:644:Q1SLkS9hBidUbPwwrw+XR0Whv3ww8=").is_some());
    }

    #[test]
    fn file_lines_need_context() {
        for (text, line) in [
            ("P:a\nV:1\nR:x\n", 3),
            ("P:a\nV:1\nZ:Q1SLkS9hBidUbPwwrw+XR0Whv3ww8=\n", 3),
            ("P:a\nV:1\nF:d\na:0:0:644\n", 4),
            ("P:a\nV:1\nM:0:0:644\n", 3),
            ("P:a\nV:1\nF:d\nR:x\nZ:nope\n", 5),
            ("P:a\nV:1\nq:x\n", 3),
            ("P:a\nV:1\nf:y\n", 3),
            ("P:a\nV:1\nW:y\n", 3),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Syntax, "{text}");
            assert_eq!(err.location().line, Some(line), "{text}");
        }
    }
}
