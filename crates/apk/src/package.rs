//! The package record shared by APKINDEX and the installed database.
//!
//! A record is a run of `X:value` lines ended by a blank line. The letters are those of
//! apk-tools' `apk_pkgtmpl_add_info` (src/package.c):
//!
//! | letter | field | | letter | field |
//! |---|---|---|---|---|
//! | `C` | checksum (`Q1`+base64 SHA-1, `Q2`, `X1`/`X2` hex, or old hex MD5) | | `o` | origin |
//! | `P` | name | | `m` | maintainer |
//! | `V` | version | | `t` | build time |
//! | `A` | architecture | | `c` | commit |
//! | `S` | size | | `k` | provider priority |
//! | `I` | installed size | | `D` | depends (space-separated) |
//! | `T` | description | | `p` | provides |
//! | `U` | url | | `i` | install_if |
//! | `L` | license | | | |
//!
//! Unknown lowercase letters are kept in order (apk-tools ignores them: "lower case index
//! entries are safe to be ignored"); what an unknown uppercase letter means is up to the
//! format that embeds the record (an APKINDEX rejects it).
//!
//! Records borrow from the text they were read from ([`Cow::Borrowed`]), so reading the
//! 4,929 packages of an index allocates little. Every record remembers the order of its
//! lines, so that writing it back reproduces the input; records built in code are written
//! in apk-tools' order.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::error::{Error, ErrorKind, Result};
use crate::version;

/// One package record: the fields of an APKINDEX entry.
///
/// Absent fields are `None` (or an empty list), so that a record is written back with
/// exactly the lines it had.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package<'a> {
    /// `C:` the package's identity checksum, as written (see [`checksum_kind`]).
    pub checksum: Option<Cow<'a, str>>,
    /// `P:` the package name.
    pub name: Cow<'a, str>,
    /// `V:` the version, valid according to [`version::is_valid`].
    pub version: Cow<'a, str>,
    /// `A:` the architecture.
    pub arch: Option<Cow<'a, str>>,
    /// `S:` the size of the .apk file in bytes.
    pub size: Option<u64>,
    /// `I:` the installed size in bytes.
    pub installed_size: Option<u64>,
    /// `T:` the one-line description.
    pub description: Option<Cow<'a, str>>,
    /// `U:` the project's URL.
    pub url: Option<Cow<'a, str>>,
    /// `L:` the license expression.
    pub license: Option<Cow<'a, str>>,
    /// `o:` the origin (the APKBUILD's `pkgname`).
    pub origin: Option<Cow<'a, str>>,
    /// `m:` the maintainer.
    pub maintainer: Option<Cow<'a, str>>,
    /// `t:` the build time in seconds since the epoch.
    pub build_time: Option<u64>,
    /// `c:` the aports commit the package was built from.
    pub commit: Option<Cow<'a, str>>,
    /// `k:` the provider priority.
    pub provider_priority: Option<u64>,
    /// `D:` the dependencies, one word each (`so:libc.musl-x86_64.so.1`, `!foo`, `bar>=1`).
    pub depends: Vec<Cow<'a, str>>,
    /// `p:` what the package provides.
    pub provides: Vec<Cow<'a, str>>,
    /// `i:` the install_if condition.
    pub install_if: Vec<Cow<'a, str>>,
    /// Lines with a letter this crate does not know, in input order.
    pub unknown: Vec<(char, Cow<'a, str>)>,
    /// The lines as they were read: which letter, and for list fields how many words.
    layout: Vec<Slot>,
}

/// One line of a record as it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) letter: u8,
    /// For list fields, the number of words on the line.
    pub(crate) count: u32,
}

/// The known letters in the order apk-tools writes them (`apk_pkg_write_index_header`).
const CANONICAL: &[u8] = b"CPVASITULomtckDpi";

/// For each ASCII byte, its position in [`CANONICAL`] plus one, or 0 if it is no package
/// field: one lookup instead of a search per line.
const RANK: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < CANONICAL.len() {
        table[CANONICAL[i] as usize] = i as u8 + 1;
        i += 1;
    }
    table
};

/// The rank of a letter in apk-tools' order (1-based), or 0 if it is not a package field.
fn rank(letter: u8) -> u8 {
    RANK.get(usize::from(letter)).copied().unwrap_or(0)
}

/// What kind of digest a checksum field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumKind {
    /// `Q1` + base64 or `X1` + hex: SHA-1, the usual package identity.
    Sha1,
    /// `Q2` + base64 or `X2` + hex (or a `Q1`/`X1` of SHA-256 length): SHA-256.
    Sha256,
    /// 32 hex digits without prefix: MD5, found in very old indexes.
    Md5,
}

/// The kind of a `C:` or `Z:` checksum, or `None` if apk-tools could not read it.
///
/// Follows `apk_blob_pull_digest`: `Q` means base64 and `X` hex, `1` SHA-1 and `2`
/// SHA-256, and a `1` followed by SHA-256 length is read as SHA-256.
pub fn checksum_kind(text: &str) -> Option<ChecksumKind> {
    let bytes = text.as_bytes();
    if bytes.len() == 32 && bytes.iter().all(u8::is_ascii_hexdigit) {
        return Some(ChecksumKind::Md5);
    }
    let (encoding, rest) = match bytes {
        [e @ (b'Q' | b'X'), b'1' | b'2', rest @ ..] => (*e, rest),
        _ => return None,
    };
    let declared_sha256 = bytes.get(1) == Some(&b'2');
    let kind = if encoding == b'Q' {
        if !is_base64(rest) {
            return None;
        }
        match rest.len() {
            28 if !declared_sha256 => ChecksumKind::Sha1,
            44 => ChecksumKind::Sha256,
            _ => return None,
        }
    } else {
        if !rest.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        match rest.len() {
            40 if !declared_sha256 => ChecksumKind::Sha1,
            64 => ChecksumKind::Sha256,
            _ => return None,
        }
    };
    Some(kind)
}

/// Padded standard base64: a multiple of 4 characters, `=` only at the end (at most 2).
fn is_base64(bytes: &[u8]) -> bool {
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let body = bytes
        .strip_suffix(b"==")
        .or_else(|| bytes.strip_suffix(b"="))
        .unwrap_or(bytes);
    body.iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Parses a decimal field strictly: digits only, no sign, no overflow.
pub(crate) fn parse_u64(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// The location label of a field: `V`, or `V (busybox)` once the package name is known.
pub(crate) fn field_label(letter: u8, name: Option<&str>) -> String {
    let letter = char::from(letter);
    match name {
        Some(name) if !name.is_empty() => format!("{letter} ({name})"),
        _ => letter.to_string(),
    }
}

/// One `X:value` line of a record file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    pub(crate) letter: u8,
    pub(crate) value: &'a str,
    pub(crate) line: usize,
}

/// The lines of a record file: `Some(field)` for an `X:value` line, `None` for the blank
/// line that ends a record.
#[derive(Debug)]
pub(crate) struct Lines<'a> {
    text: &'a str,
    /// Start of the next line.
    pos: usize,
    line: usize,
    /// The newlines, found with SIMD a block at a time rather than once per short line.
    newlines: memchr::Memchr<'a>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Lines {
            text,
            pos: 0,
            line: 0,
            newlines: memchr::memchr_iter(b'\n', text.as_bytes()),
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Result<Option<Field<'a>>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.text.len() {
            return None;
        }
        self.line += 1;
        let end = self.newlines.next().unwrap_or(self.text.len());
        // `pos` and `end` are at a newline or the ends of the text: char boundaries.
        let line = self.text.get(self.pos..end).unwrap_or_default();
        self.pos = end + 1;
        let bytes = line.as_bytes();
        match bytes {
            [] => Some(Ok(None)),
            [letter, b':', ..] if letter.is_ascii_alphabetic() => Some(Ok(Some(Field {
                letter: *letter,
                value: line.get(2..).unwrap_or_default(),
                line: self.line,
            }))),
            _ => Some(Err(Error::new(
                ErrorKind::Syntax,
                format!(
                    "expected a `X:value` line (X a letter) or a blank line, found `{}`",
                    shorten(line)
                ),
            )
            .at_line(self.line))),
        }
    }
}

/// A line shortened for an error message.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text)),
        None => text.to_owned(),
    }
}

/// Collects the lines of one record into a [`Package`].
#[derive(Debug)]
pub(crate) struct Builder<'a> {
    package: Package<'a>,
    /// Line of the record's first field, for "missing field" errors.
    start_line: usize,
    has_name: bool,
    version_line: Option<usize>,
    /// Bit per known scalar letter already seen, to reject duplicates.
    seen: u64,
    /// Whether the lines so far are in apk-tools' order, each once and none empty: then
    /// the canonical writer reproduces them and the layout need not be kept.
    canonical: bool,
    last_rank: u8,
}

/// The bit of a letter in [`Builder::seen`].
fn letter_bit(letter: u8) -> u64 {
    let index = if letter.is_ascii_uppercase() {
        letter - b'A'
    } else {
        letter.wrapping_sub(b'a').wrapping_add(26)
    };
    1u64 << (index & 63)
}

impl<'a> Builder<'a> {
    /// A builder for the record starting at `start_line`, reusing `layout` (an empty
    /// buffer left by [`Builder::finish`]) to avoid an allocation per record.
    pub(crate) fn new(start_line: usize, layout: Vec<Slot>) -> Self {
        Builder {
            package: Package {
                layout,
                ..Package::default()
            },
            start_line,
            has_name: false,
            version_line: None,
            seen: 0,
            canonical: true,
            last_rank: 0,
        }
    }

    fn push_slot(&mut self, letter: u8, count: u32) {
        let rank = rank(letter);
        let is_list = matches!(letter, b'D' | b'p' | b'i');
        if rank <= self.last_rank || (is_list && count == 0) {
            self.canonical = false;
        }
        self.last_rank = self.last_rank.max(rank);
        self.package.layout.push(Slot { letter, count });
    }

    /// The name read so far, for error messages.
    pub(crate) fn name(&self) -> Option<&str> {
        self.has_name.then_some(self.package.name.as_ref())
    }

    /// An error about `field`, located at its line and labelled with the package name.
    pub(crate) fn error(&self, kind: ErrorKind, field: &Field<'_>, message: String) -> Error {
        Error::new(kind, message)
            .at_line(field.line)
            .in_field(field_label(field.letter, self.name()))
    }

    /// Takes a package field. Returns `false`, taking nothing, if the letter is not one.
    pub(crate) fn add(&mut self, field: Field<'a>) -> Result<bool> {
        let Field { letter, value, .. } = field;
        let list = match letter {
            b'D' => Some(&mut self.package.depends),
            b'p' => Some(&mut self.package.provides),
            b'i' => Some(&mut self.package.install_if),
            _ => None,
        };
        if let Some(list) = list {
            let before = list.len();
            list.extend(value.split_ascii_whitespace().map(Cow::Borrowed));
            let count = u32::try_from(list.len() - before).unwrap_or(u32::MAX);
            self.push_slot(letter, count);
            return Ok(true);
        }
        if rank(letter) == 0 {
            return Ok(false);
        }
        let bit = letter_bit(letter);
        if self.seen & bit != 0 {
            return Err(self.error(
                ErrorKind::Syntax,
                &field,
                "field given twice in one record".to_owned(),
            ));
        }
        self.seen |= bit;
        let number = |builder: &Self| {
            parse_u64(value).ok_or_else(|| {
                builder.error(
                    ErrorKind::Syntax,
                    &field,
                    format!("`{}` is not a decimal number", shorten(value)),
                )
            })
        };
        let text = Some(Cow::Borrowed(value));
        match letter {
            b'C' => {
                if checksum_kind(value).is_none() {
                    return Err(self.error(
                        ErrorKind::Syntax,
                        &field,
                        format!(
                            "`{}` is not a checksum (Q1/Q2 base64, X1/X2 hex or MD5 hex)",
                            shorten(value)
                        ),
                    ));
                }
                self.package.checksum = text;
            }
            b'P' => {
                if value.is_empty() {
                    return Err(self.error(
                        ErrorKind::Syntax,
                        &field,
                        "empty package name".to_owned(),
                    ));
                }
                self.package.name = Cow::Borrowed(value);
                self.has_name = true;
            }
            b'V' => {
                self.package.version = Cow::Borrowed(value);
                self.version_line = Some(field.line);
            }
            b'A' => self.package.arch = text,
            b'S' => self.package.size = Some(number(self)?),
            b'I' => self.package.installed_size = Some(number(self)?),
            b'T' => self.package.description = text,
            b'U' => self.package.url = text,
            b'L' => self.package.license = text,
            b'o' => self.package.origin = text,
            b'm' => self.package.maintainer = text,
            b't' => self.package.build_time = Some(number(self)?),
            b'c' => self.package.commit = text,
            b'k' => self.package.provider_priority = Some(number(self)?),
            _ => return Ok(false),
        }
        self.push_slot(letter, 1);
        Ok(true)
    }

    /// Keeps a line with a letter this crate does not interpret.
    pub(crate) fn add_unknown(&mut self, field: Field<'a>) {
        self.package
            .unknown
            .push((char::from(field.letter), Cow::Borrowed(field.value)));
        self.canonical = false;
        self.package.layout.push(Slot {
            letter: field.letter,
            count: 1,
        });
    }

    /// Records the place of a line that the embedding format keeps itself (the installed
    /// database's `r:`, `q:` …), so that [`Package::write_with`] can put it back there.
    pub(crate) fn add_external(&mut self, letter: u8, count: u32) {
        self.canonical = false;
        self.package.layout.push(Slot { letter, count });
    }

    /// Checks that the record is complete. A version that apk-tools 3 would reject is
    /// not fatal (apk-tools does not check versions when it reads an index, and Alpine's
    /// v3.16 index has one, `aspell-ru` `0.99f7-r0`): it is reported in `invalid_versions`
    /// as an [`ErrorKind::InvalidVersion`] naming the line, and the package is kept.
    ///
    /// A layout that the canonical writer reproduces anyway is dropped, and its buffer
    /// handed back in `spare` for the next record.
    pub(crate) fn finish(
        mut self,
        invalid_versions: &mut Vec<Error>,
        spare: &mut Vec<Slot>,
    ) -> Result<Package<'a>> {
        if self.canonical {
            let mut layout = std::mem::take(&mut self.package.layout);
            layout.clear();
            *spare = layout;
        }
        if !self.has_name {
            return Err(
                Error::new(ErrorKind::Syntax, "record has no `P:` (name) line")
                    .at_line(self.start_line)
                    .in_field("P"),
            );
        }
        let Some(version_line) = self.version_line else {
            return Err(
                Error::new(ErrorKind::Syntax, "record has no `V:` (version) line")
                    .at_line(self.start_line)
                    .in_field(field_label(b'V', self.name())),
            );
        };
        if !version::is_valid(&self.package.version) {
            invalid_versions.push(
                Error::new(
                    ErrorKind::InvalidVersion,
                    format!(
                        "`{}` is not a valid apk-tools 3 version",
                        shorten(&self.package.version)
                    ),
                )
                .at_line(version_line)
                .in_field(field_label(b'V', self.name())),
            );
        }
        Ok(self.package)
    }
}

impl<'a> Package<'a> {
    /// A record with just a name and version, to be filled in by code.
    pub fn new(name: impl Into<Cow<'a, str>>, version: impl Into<Cow<'a, str>>) -> Self {
        Package {
            name: name.into(),
            version: version.into(),
            ..Package::default()
        }
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Package<'static> {
        fn own(text: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(text.into_owned())
        }
        fn own_opt(text: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            text.map(own)
        }
        fn own_list(list: Vec<Cow<'_, str>>) -> Vec<Cow<'static, str>> {
            list.into_iter().map(own).collect()
        }
        Package {
            checksum: own_opt(self.checksum),
            name: own(self.name),
            version: own(self.version),
            arch: own_opt(self.arch),
            size: self.size,
            installed_size: self.installed_size,
            description: own_opt(self.description),
            url: own_opt(self.url),
            license: own_opt(self.license),
            origin: own_opt(self.origin),
            maintainer: own_opt(self.maintainer),
            build_time: self.build_time,
            commit: own_opt(self.commit),
            provider_priority: self.provider_priority,
            depends: own_list(self.depends),
            provides: own_list(self.provides),
            install_if: own_list(self.install_if),
            unknown: self
                .unknown
                .into_iter()
                .map(|(letter, value)| (letter, own(value)))
                .collect(),
            layout: self.layout,
        }
    }

    /// Appends the record in apk-tools' field order (`C P V A S I T U L o m t c k D p i`,
    /// then any unknown lines), followed by the blank line that ends it: an APKINDEX entry
    /// as `apk index` writes it. Absent fields are left out.
    pub fn write_index_entry(&self, out: &mut String) {
        self.write_canonical(out, &mut Cursors::default());
        self.write_unknown(out, 0);
        out.push('\n');
    }

    /// Appends the record's lines in the order they were read (fields set in code after
    /// reading follow in apk-tools' order), without the blank line.
    pub fn write_as_read(&self, out: &mut String) {
        self.write_with(out, &mut |_, _, _| {});
    }

    /// Like [`Package::write_as_read`], and `external` writes the lines that the embedding
    /// format keeps (given the letter and the word count read for it).
    pub(crate) fn write_with(
        &self,
        out: &mut String,
        external: &mut dyn FnMut(&mut String, u8, u32),
    ) {
        let mut cursors = Cursors::default();
        let mut unknown = 0;
        for slot in &self.layout {
            match slot.letter {
                b'D' | b'p' | b'i' => self.write_list(out, slot.letter, &mut cursors, slot.count),
                letter if rank(letter) != 0 => {
                    if cursors.take(letter) {
                        self.write_scalar(out, letter);
                    }
                }
                letter => match self.unknown.get(unknown) {
                    Some((known, _)) if u32::from(*known) == u32::from(letter) => {
                        self.write_unknown_one(out, unknown);
                        unknown += 1;
                    }
                    _ => external(out, letter, slot.count),
                },
            }
        }
        // Whatever was added or changed after reading.
        self.write_canonical(out, &mut cursors);
        self.write_unknown(out, unknown);
    }

    fn write_canonical(&self, out: &mut String, cursors: &mut Cursors) {
        for &letter in CANONICAL {
            match letter {
                b'D' | b'p' | b'i' => self.write_list(out, letter, cursors, u32::MAX),
                _ => {
                    if cursors.take(letter) {
                        self.write_scalar(out, letter);
                    }
                }
            }
        }
    }

    /// Writes one scalar field if it is present.
    fn write_scalar(&self, out: &mut String, letter: u8) {
        let text = match letter {
            b'C' => &self.checksum,
            b'A' => &self.arch,
            b'T' => &self.description,
            b'U' => &self.url,
            b'L' => &self.license,
            b'o' => &self.origin,
            b'm' => &self.maintainer,
            b'c' => &self.commit,
            b'P' => return push_line(out, letter, &self.name),
            b'V' => return push_line(out, letter, &self.version),
            _ => {
                let number = match letter {
                    b'S' => self.size,
                    b'I' => self.installed_size,
                    b't' => self.build_time,
                    b'k' => self.provider_priority,
                    _ => None,
                };
                if let Some(number) = number {
                    push_number(out, letter, number);
                }
                return;
            }
        };
        if let Some(text) = text {
            push_line(out, letter, text);
        }
    }

    /// Writes up to `count` more words of a list field on one line. A line read as empty
    /// (`count == 0`) is written empty; an exhausted list writes nothing else.
    fn write_list(&self, out: &mut String, letter: u8, cursors: &mut Cursors, count: u32) {
        let list = match letter {
            b'D' => &self.depends,
            b'p' => &self.provides,
            _ => &self.install_if,
        };
        let cursor = cursors.list(letter);
        let start = (*cursor).min(list.len());
        let end = start
            .saturating_add(usize::try_from(count).unwrap_or(usize::MAX))
            .min(list.len());
        if start == end && count != 0 {
            return;
        }
        out.push(char::from(letter));
        out.push(':');
        for (i, word) in list.get(start..end).unwrap_or_default().iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
        out.push('\n');
        *cursor = end;
    }

    fn write_unknown(&self, out: &mut String, from: usize) {
        for index in from..self.unknown.len() {
            self.write_unknown_one(out, index);
        }
    }

    fn write_unknown_one(&self, out: &mut String, index: usize) {
        if let Some((letter, value)) = self.unknown.get(index) {
            out.push(*letter);
            out.push(':');
            out.push_str(value);
            out.push('\n');
        }
    }
}

/// Appends `X:value\n`.
pub(crate) fn push_line(out: &mut String, letter: u8, value: &str) {
    out.push(char::from(letter));
    out.push(':');
    out.push_str(value);
    out.push('\n');
}

/// Appends `X:number\n`.
pub(crate) fn push_number(out: &mut String, letter: u8, value: u64) {
    out.push(char::from(letter));
    out.push(':');
    let _ = write!(out, "{value}");
    out.push('\n');
}

/// What has been written so far while writing a record.
#[derive(Debug, Default)]
struct Cursors {
    /// Scalar letters already written.
    written: u64,
    depends: usize,
    provides: usize,
    install_if: usize,
}

impl Cursors {
    /// True the first time a scalar letter is asked for.
    fn take(&mut self, letter: u8) -> bool {
        let bit = letter_bit(letter);
        let first = self.written & bit == 0;
        self.written |= bit;
        first
    }

    fn list(&mut self, letter: u8) -> &mut usize {
        match letter {
            b'D' => &mut self.depends,
            b'p' => &mut self.provides,
            _ => &mut self.install_if,
        }
    }
}

impl Serialize for Package<'_> {
    /// Every field under its name (absent ones as `null`), lists as arrays, and the
    /// unknown lines as an object from letter to value.
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Package", 18)?;
        self.serialize_fields::<S>(&mut state)?;
        state.end()
    }
}

impl Package<'_> {
    /// The fields of the JSON object, so that records embedding a package can add theirs.
    pub(crate) fn serialize_fields<S: Serializer>(
        &self,
        state: &mut S::SerializeStruct,
    ) -> std::result::Result<(), S::Error> {
        state.serialize_field("checksum", &self.checksum)?;
        state.serialize_field("name", &self.name)?;
        state.serialize_field("version", &self.version)?;
        state.serialize_field("arch", &self.arch)?;
        state.serialize_field("size", &self.size)?;
        state.serialize_field("installed_size", &self.installed_size)?;
        state.serialize_field("description", &self.description)?;
        state.serialize_field("url", &self.url)?;
        state.serialize_field("license", &self.license)?;
        state.serialize_field("origin", &self.origin)?;
        state.serialize_field("maintainer", &self.maintainer)?;
        state.serialize_field("build_time", &self.build_time)?;
        state.serialize_field("commit", &self.commit)?;
        state.serialize_field("provider_priority", &self.provider_priority)?;
        state.serialize_field("depends", &self.depends)?;
        state.serialize_field("provides", &self.provides)?;
        state.serialize_field("install_if", &self.install_if)?;
        state.serialize_field("unknown", &UnknownFields(&self.unknown))?;
        Ok(())
    }
}

/// Unknown lines as a JSON object; a letter given more than once has its values joined
/// by newlines.
struct UnknownFields<'p, 'a>(&'p [(char, Cow<'a, str>)]);

impl Serialize for UnknownFields<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut letters: Vec<char> = self.0.iter().map(|(letter, _)| *letter).collect();
        letters.sort_unstable();
        letters.dedup();
        let mut map = serializer.serialize_map(Some(letters.len()))?;
        for letter in letters {
            let values: Vec<&str> = self
                .0
                .iter()
                .filter(|(l, _)| *l == letter)
                .map(|(_, value)| value.as_ref())
                .collect();
            map.serialize_entry(&letter.to_string(), &values.join("\n"))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn checksum_kinds() {
        assert_eq!(
            checksum_kind("Q1ZX+on7zBgcokTctj4tLSmx7q5O4="),
            Some(ChecksumKind::Sha1)
        );
        assert_eq!(
            checksum_kind("Q2ZX+on7zBgcokTctj4tLSmx7q5O4ZX+on7zBgcokTctj="),
            Some(ChecksumKind::Sha256)
        );
        assert_eq!(
            checksum_kind("X1da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            Some(ChecksumKind::Sha1)
        );
        assert_eq!(
            checksum_kind("d41d8cd98f00b204e9800998ecf8427e"),
            Some(ChecksumKind::Md5)
        );
        assert_eq!(checksum_kind("Q1ZX+on7zBgcokTctj4tLSmx7q5O4"), None);
        assert_eq!(checksum_kind("Q2ZX+on7zBgcokTctj4tLSmx7q5O4="), None);
        assert_eq!(checksum_kind("Q1ZX+on7zBgcokT=tj4tLSmx7q5O4="), None);
        assert_eq!(checksum_kind("Q"), None);
        assert_eq!(checksum_kind(""), None);
    }

    #[test]
    fn numbers_are_strict() {
        assert_eq!(parse_u64("0"), Some(0));
        assert_eq!(parse_u64("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64("18446744073709551616"), None);
        assert_eq!(parse_u64("+1"), None);
        assert_eq!(parse_u64(" 1"), None);
        assert_eq!(parse_u64(""), None);
    }

    #[test]
    fn lines_reject_garbage() {
        let lines: Vec<_> = Lines::new("P:a\n\nx\n").collect();
        assert!(matches!(
            lines[0],
            Ok(Some(Field {
                letter: b'P',
                value: "a",
                line: 1
            }))
        ));
        assert!(matches!(lines[1], Ok(None)));
        let err = lines[2].as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Syntax);
        assert_eq!(err.location().line, Some(3));
    }

    #[test]
    fn shorten_cuts_long_text() {
        assert_eq!(shorten("abc"), "abc");
        assert_eq!(shorten(&"é".repeat(100)).chars().count(), 61);
    }
}
