//! `APKINDEX.tar.gz`: reading, signature verification, writing and signing.
//!
//! The layout is apk-tools' and abuild-sign's (see [`archive`]): signature gzip members
//! first, each holding `.SIGN.RSA.<key name>` (PKCS#1 v1.5 over SHA-1; `RSA256` and
//! `RSA512` use SHA-256 and SHA-512), then the member with the `DESCRIPTION` and
//! `APKINDEX` tar. A signature covers the exact compressed bytes that follow the signature
//! members, and `<key name>` is the file name of the public key in a keys directory laid
//! out like `/etc/apk/keys`.
//!
//! [`read`] inflates and checks every member (CRC-32 and length), then checks the
//! signature as apk-tools does: the first signature by a trusted key must verify; with
//! `allow_untrusted`, an index that is unsigned or signed only by unknown keys is accepted
//! too, but a bad signature by a trusted key never is. The errors say which:
//! [`ErrorKind::Unsigned`] (no signature, or none by a known key: the message says
//! which), [`ErrorKind::BadSignature`], [`ErrorKind::Truncated`],
//! [`ErrorKind::Compression`] and [`ErrorKind::Archive`] (corruption).

pub mod archive;
pub mod signature;

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::package::{Builder, Lines, Package};

use archive::{HeaderStyle, TarReader};
pub use signature::{Algorithm, Keys, SigningKey};

/// Which signatures [`read`] accepts.
#[derive(Debug, Clone, Copy)]
pub struct Trust<'k> {
    /// The trusted keys.
    pub keys: &'k Keys,
    /// Accept an index with no signature by a trusted key (apk's `--allow-untrusted`).
    /// Corruption, and a bad signature by a trusted key, are still errors.
    pub allow_untrusted: bool,
}

static NO_KEYS: Keys = Keys::new();

impl<'k> Trust<'k> {
    /// Requires a valid signature by one of `keys`.
    pub fn keys(keys: &'k Keys) -> Self {
        Trust {
            keys,
            allow_untrusted: false,
        }
    }

    /// Checks nothing but the integrity of the gzip and tar layers.
    pub fn untrusted() -> Trust<'static> {
        Trust {
            keys: &NO_KEYS,
            allow_untrusted: true,
        }
    }
}

/// A `.SIGN.*` file found in an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The digest, or `None` for a type apk-tools knows but this crate does not check
    /// (`DSA`).
    pub algorithm: Option<Algorithm>,
    /// The name of the key, the part after `.SIGN.<TYPE>.`.
    pub key_name: String,
    /// The raw signature bytes.
    pub bytes: Vec<u8>,
}

/// A read index: its description, its text and what signed it.
#[derive(Debug, Clone, Default)]
pub struct ApkIndex {
    source: Option<PathBuf>,
    description: Option<String>,
    text: String,
    signatures: Vec<Signature>,
    verified: Option<usize>,
    /// Regular files of the index tar other than `DESCRIPTION` and `APKINDEX`, in order.
    others: Vec<(String, Vec<u8>)>,
}

impl ApkIndex {
    /// An index from plain APKINDEX text (no archive, no signature).
    pub fn from_text(text: String) -> Self {
        ApkIndex {
            text,
            ..ApkIndex::default()
        }
    }

    /// Names the file the index came from, for error messages of [`ApkIndex::packages`].
    #[must_use]
    pub fn with_source(mut self, path: impl Into<PathBuf>) -> Self {
        self.source = Some(path.into());
        self
    }

    /// The `DESCRIPTION` member (for example `v3.16.9-6-g1d3cf1d6b9`), if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The APKINDEX text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every signature file found, in order.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// The signature that was verified against a trusted key, if one was.
    pub fn verified_signature(&self) -> Option<&Signature> {
        self.verified.and_then(|i| self.signatures.get(i))
    }

    /// The name of the trusted key whose signature verified.
    pub fn signed_by(&self) -> Option<&str> {
        self.verified_signature().map(|s| s.key_name.as_str())
    }

    /// The regular files of the index tar other than `DESCRIPTION` and `APKINDEX` (which
    /// apk-tools skips), such as the [`crate::annotation`] member, in tar order. Names
    /// that are not UTF-8 are left out.
    pub fn other_members(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.others
            .iter()
            .map(|(name, data)| (name.as_str(), data.as_slice()))
    }

    /// The first of [`ApkIndex::other_members`] called `name`.
    pub fn member(&self, name: &str) -> Option<&[u8]> {
        self.other_members()
            .find(|(n, _)| *n == name)
            .map(|(_, data)| data)
    }

    /// Parses the package records. Errors name the file (if known), line and field.
    /// Versions that apk-tools 3 rejects are accepted, as apk-tools accepts them in an
    /// index; [`ApkIndex::packages_with_warnings`] reports them.
    pub fn packages(&self) -> Result<Vec<Package<'_>>> {
        self.packages_with_warnings(&mut Vec::new())
    }

    /// Like [`ApkIndex::packages`], and pushes an [`ErrorKind::InvalidVersion`] naming the
    /// file, line and package to `invalid_versions` for every version apk-tools 3 would
    /// reject. A caller that wants them fatal checks that none were pushed.
    pub fn packages_with_warnings(
        &self,
        invalid_versions: &mut Vec<Error>,
    ) -> Result<Vec<Package<'_>>> {
        let first = invalid_versions.len();
        let result = parse_text_with_warnings(&self.text, invalid_versions);
        if let Some(path) = &self.source {
            let named: Vec<Error> = invalid_versions
                .drain(first.min(invalid_versions.len())..)
                .map(|warning| warning.in_file(path))
                .collect();
            invalid_versions.extend(named);
        }
        result.map_err(|err| match &self.source {
            Some(path) => err.in_file(path),
            None => err,
        })
    }
}

/// Reads an `APKINDEX.tar.gz` from its bytes and checks it against `trust`.
pub fn read(bytes: &[u8], trust: Trust<'_>) -> Result<ApkIndex> {
    let mut members = archive::gzip_members(bytes)?;

    let (signatures, data_member) = signature_members(&members)?;
    let data_start = match members.get(data_member) {
        Some(member) => member.offset,
        None => {
            return Err(Error::new(
                ErrorKind::Truncated,
                "the file ends after the signature: no index member follows it",
            ));
        }
    };

    let verified = check_signatures(
        &signatures,
        bytes.get(data_start..).unwrap_or_default(),
        trust,
    )?;

    // The index tar: one member as apk-tools writes it; more are joined into one stream.
    let mut tar: Vec<u8> = match members.get_mut(data_member..) {
        Some([only]) => std::mem::take(&mut only.data),
        Some(rest) => rest.iter().flat_map(|m| m.data.iter().copied()).collect(),
        None => Vec::new(),
    };
    let mut reader = TarReader::new(&tar);
    let mut description = None;
    let mut text_range = None;
    let mut others = Vec::new();
    while let Some(entry) = reader.next_entry().map_err(|e| in_member(e, data_member))? {
        if !entry.is_file() {
            continue;
        }
        match &*entry.name {
            b"DESCRIPTION" => {
                description = Some(String::from_utf8(entry.data.to_vec()).map_err(|_| {
                    Error::new(ErrorKind::Syntax, "DESCRIPTION is not UTF-8").in_file("DESCRIPTION")
                })?);
            }
            b"APKINDEX" => {
                let start = entry.offset + archive::BLOCK;
                text_range = Some(start..start + entry.data.len());
            }
            _ => {
                if let Some(name) = entry.name_str() {
                    others.push((name.to_owned(), entry.data.to_vec()));
                }
            }
        }
    }
    // The text is cut out of the inflated buffer in place: no second 2 MB allocation.
    let text = match text_range {
        Some(range) => {
            tar.truncate(range.end);
            tar.drain(..range.start.min(tar.len()));
            Some(utf8_text(tar)?)
        }
        None => None,
    };
    let text =
        text.ok_or_else(|| Error::new(ErrorKind::Archive, "no APKINDEX member in the tar"))?;
    Ok(ApkIndex {
        source: None,
        description,
        text,
        signatures,
        verified,
        others,
    })
}

/// The signature members: the leading gzip members whose tar entries are all `.SIGN.*`
/// files, with the signatures they hold, and the number of the first member holding
/// anything else (where the signed data starts).
fn signature_members(members: &[archive::Member]) -> Result<(Vec<Signature>, usize)> {
    // Signature members: leading members whose tar entries are all `.SIGN.*` files. The
    // signed data starts with the first member holding anything else.
    let mut signatures = Vec::new();
    let mut data_member = 0;
    for member in members {
        let mut reader = TarReader::new(&member.data);
        let mut found = Vec::new();
        let mut only_signatures = true;
        while let Some(entry) = reader.next_entry().map_err(|e| in_member(e, data_member))? {
            match entry.name_str().map(signature::split_signature_name) {
                Some(Ok((algorithm, key_name))) if entry.is_file() => found.push(Signature {
                    algorithm,
                    key_name: key_name.to_owned(),
                    bytes: entry.data.to_vec(),
                }),
                _ => {
                    only_signatures = false;
                    break;
                }
            }
        }
        if !only_signatures || found.is_empty() {
            break;
        }
        if reader.saw_end_marker() {
            return Err(Error::new(
                ErrorKind::Archive,
                format!(
                    "gzip member {}: signature tar ends with end-of-archive blocks, so the \
                     index after it is unreachable (not cut as abuild-sign does)",
                    data_member + 1
                ),
            ));
        }
        signatures.extend(found);
        data_member += 1;
    }
    Ok((signatures, data_member))
}

/// Reads and checks an `APKINDEX.tar.gz` file; errors name it.
pub fn read_file(path: &Path, trust: Trust<'_>) -> Result<ApkIndex> {
    let bytes = std::fs::read(path).map_err(|err| Error::io(path, err))?;
    read(&bytes, trust)
        .map(|index| index.with_source(path))
        .map_err(|err| err.in_file(path))
}

/// Names the gzip member an archive error is in.
fn in_member(err: Error, member: usize) -> Error {
    let message = format!("gzip member {}: {}", member + 1, err.message());
    Error::new(err.kind(), message).caused_by(err)
}

/// The APKINDEX bytes as text; a bad byte is a syntax error at its line.
fn utf8_text(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        let line = 1 + err
            .as_bytes()
            .get(..at)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        Error::new(ErrorKind::Syntax, format!("invalid UTF-8 at byte {at}"))
            .in_file("APKINDEX")
            .at_line(line)
    })
}

/// Picks the signature to check as apk-tools does (the first by a trusted key of a type
/// it knows) and verifies it over `signed`. Returns its index.
fn check_signatures(
    signatures: &[Signature],
    signed: &[u8],
    trust: Trust<'_>,
) -> Result<Option<usize>> {
    let trusted = signatures.iter().enumerate().find_map(|(i, sig)| {
        let algorithm = sig.algorithm?;
        // apk-tools ignores signature files over 64 KiB.
        if sig.bytes.len() > 65536 {
            return None;
        }
        trust
            .keys
            .get(&sig.key_name)
            .map(|key| (i, sig, algorithm, key))
    });
    match trusted {
        Some((i, sig, algorithm, key)) => {
            signature::verify(key, algorithm, signed, &sig.bytes).map_err(|err| {
                Error::new(
                    ErrorKind::BadSignature,
                    format!(
                        "{} (a trusted key): {}",
                        algorithm.file_name(&sig.key_name),
                        err.message()
                    ),
                )
            })?;
            Ok(Some(i))
        }
        None if trust.allow_untrusted => Ok(None),
        None if signatures.is_empty() => Err(Error::new(
            ErrorKind::Unsigned,
            "the index has no signature (use --allow-untrusted to accept it)",
        )),
        None => {
            let names: Vec<String> = signatures
                .iter()
                .map(|s| match s.algorithm {
                    Some(a) => a.file_name(&s.key_name),
                    None => format!(".SIGN.DSA.{} (DSA is not supported)", s.key_name),
                })
                .collect();
            Err(Error::new(
                ErrorKind::Unsigned,
                format!(
                    "unknown key: signed only by keys not among the trusted keys: {}",
                    names.join(", ")
                ),
            ))
        }
    }
}

/// Parses plain APKINDEX text into package records. Unknown lowercase fields are kept;
/// an unknown uppercase field is a syntax error naming its line. Versions apk-tools 3
/// rejects are kept (see [`parse_text_with_warnings`]).
pub fn parse_text(text: &str) -> Result<Vec<Package<'_>>> {
    parse_text_with_warnings(text, &mut Vec::new())
}

/// Like [`parse_text`], and pushes an [`ErrorKind::InvalidVersion`] with line and field to
/// `invalid_versions` for every version apk-tools 3 would reject.
pub fn parse_text_with_warnings<'a>(
    text: &'a str,
    invalid_versions: &mut Vec<Error>,
) -> Result<Vec<Package<'a>>> {
    // About 390 bytes per record in Alpine's indexes.
    let mut packages = Vec::with_capacity(text.len() / 350 + 1);
    let mut builder: Option<Builder<'_>> = None;
    let mut spare = Vec::new();
    for line in Lines::new(text) {
        match line? {
            None => {
                if let Some(done) = builder.take() {
                    packages.push(done.finish(invalid_versions, &mut spare)?);
                }
            }
            Some(field) => {
                let current = builder
                    .get_or_insert_with(|| Builder::new(field.line, std::mem::take(&mut spare)));
                if !current.add(field)? {
                    if field.letter.is_ascii_lowercase() {
                        current.add_unknown(field);
                    } else {
                        return Err(current.error(
                            ErrorKind::Syntax,
                            &field,
                            format!(
                                "unknown field `{}:` in an index (unknown uppercase fields \
                                 make apk refuse a package)",
                                char::from(field.letter)
                            ),
                        ));
                    }
                }
            }
        }
    }
    if let Some(done) = builder {
        packages.push(done.finish(invalid_versions, &mut spare)?);
    }
    Ok(packages)
}

/// Writes package records as APKINDEX text: each in apk-tools' field order, followed by a
/// blank line.
pub fn write_text(packages: &[Package<'_>]) -> String {
    let mut out = String::with_capacity(packages.len() * 400);
    for package in packages {
        package.write_index_entry(&mut out);
    }
    out
}

/// Builds an unsigned `APKINDEX.tar.gz` as `apk index` does: one gzip member holding a
/// tar of `DESCRIPTION` (if given) and `APKINDEX`, both mode 0644, owner root, with
/// modification time `mtime`, and the end-of-archive blocks.
pub fn write_unsigned(text: &str, description: Option<&str>, mtime: u64) -> Result<Vec<u8>> {
    let mut tar = Vec::with_capacity(text.len() + 4 * archive::BLOCK);
    let mut add = |name: &str, data: &[u8]| -> Result<()> {
        let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
        tar.extend_from_slice(&archive::file_header(
            name,
            size,
            mtime,
            HeaderStyle::ApkTools,
        )?);
        tar.extend_from_slice(data);
        tar.extend_from_slice(archive::padding(data.len()));
        Ok(())
    };
    if let Some(description) = description {
        add("DESCRIPTION", description.as_bytes())?;
    }
    add("APKINDEX", text.as_bytes())?;
    tar.extend_from_slice(&[0; 2 * archive::BLOCK]);
    archive::gzip(&tar)
}

/// Signs an `APKINDEX.tar.gz` as abuild-sign does: the signature of the whole file goes
/// into `.SIGN.<TYPE>.<key name>` (GNU tar header, mode 0644, owner 0:0, modification
/// time `mtime`, end-of-archive blocks cut), gzipped and put in front of the file.
pub fn sign(index: &[u8], key: &SigningKey, algorithm: Algorithm, mtime: u64) -> Result<Vec<u8>> {
    let signature = key.sign(algorithm, index)?;
    let name = algorithm.file_name(key.name());
    let size = u64::try_from(signature.len()).unwrap_or(u64::MAX);
    let mut tar = archive::file_header(&name, size, mtime, HeaderStyle::GnuTar)?.to_vec();
    tar.extend_from_slice(&signature);
    tar.extend_from_slice(archive::padding(signature.len()));
    let mut out = archive::gzip(&tar)?;
    out.extend_from_slice(index);
    Ok(out)
}

/// Rewrites a signed index with extra regular files in its tar, signed anew by `key`.
///
/// `index` is first read and checked against `trust` as [`read`] does. The tar entries of
/// its data member are then copied byte for byte (headers, data and padding: `APKINDEX`
/// and `DESCRIPTION` stay exactly as they were), except entries with the name of one of
/// `members`, which are replaced: each of `members` is appended after them, as a regular
/// file with mode 0644, owner root and the modification time of the `APKINDEX` entry,
/// followed by the end-of-archive blocks. The result has apk-tools' layout: one new
/// signature member, then one gzip member with the whole index tar (apk-tools 3 refuses a
/// gzip member boundary once the data has started). The old signatures are dropped: they
/// do not cover the new content, and apk-tools checks only the first one by a key it
/// trusts.
///
/// A member name must be 1 to 99 bytes, must not start with `.` (apk-tools takes a dot
/// file for a package's control file and refuses the index), must not contain `/`, and
/// must not be `APKINDEX` or `DESCRIPTION`.
pub fn add_members(
    index: &[u8],
    trust: Trust<'_>,
    members: &[(&str, &[u8])],
    key: &SigningKey,
    algorithm: Algorithm,
) -> Result<Vec<u8>> {
    for (name, _) in members {
        if name.starts_with('.')
            || name.contains('/')
            || matches!(*name, "APKINDEX" | "DESCRIPTION")
        {
            return Err(Error::new(
                ErrorKind::Archive,
                format!(
                    "`{name}` cannot be an extra index member (a dot file, a path, or a name \
                     apk-tools reads)"
                ),
            ));
        }
    }
    read(index, trust)?;
    let gz = archive::gzip_members(index)?;
    let (_, data_member) = signature_members(&gz)?;
    let tar: Vec<u8> = gz
        .get(data_member..)
        .unwrap_or_default()
        .iter()
        .flat_map(|m| m.data.iter().copied())
        .collect();
    let extra: usize = members
        .iter()
        .map(|(_, d)| d.len() + 2 * archive::BLOCK)
        .sum();
    let mut out = Vec::with_capacity(tar.len() + extra + 2 * archive::BLOCK);
    let mut reader = TarReader::new(&tar);
    let mut mtime = None;
    loop {
        let start = reader.position();
        let Some(entry) = reader.next_entry().map_err(|e| in_member(e, data_member))? else {
            break;
        };
        let replaced = entry
            .name_str()
            .is_some_and(|n| members.iter().any(|(name, _)| *name == n));
        if &*entry.name == b"APKINDEX" && entry.is_file() {
            mtime = entry.mtime();
        }
        if !replaced {
            out.extend_from_slice(tar.get(start..reader.position()).unwrap_or_default());
        }
    }
    let mtime = mtime.unwrap_or(0);
    for (name, data) in members {
        let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
        out.extend_from_slice(&archive::file_header(
            name,
            size,
            mtime,
            HeaderStyle::ApkTools,
        )?);
        out.extend_from_slice(data);
        out.extend_from_slice(archive::padding(data.len()));
    }
    out.extend_from_slice(&[0; 2 * archive::BLOCK]);
    sign(&archive::gzip(&out)?, key, algorithm, mtime)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const TWO: &str = "C:Q1ZX+on7zBgcokTctj4tLSmx7q5O4=\nP:a\nV:1.0-r0\nA:x86_64\nS:10\nI:20\nT:A\nU:https://a\nL:MIT\no:a\nm:M <m@x>\nt:1\nc:abc\nk:5\nD:b so:libc.so\np:cmd:a=1.0-r0\ni:b c\n\nP:b\nV:2\nx:keep me\n\n";

    #[test]
    fn parse_and_write_text() {
        let packages = parse_text(TWO).unwrap();
        assert_eq!(packages.len(), 2);
        let a = &packages[0];
        assert_eq!(a.name, "a");
        assert_eq!(a.provider_priority, Some(5));
        assert_eq!(a.depends, ["b", "so:libc.so"]);
        assert_eq!(packages[1].unknown, [('x', "keep me".into())]);
        assert_eq!(write_text(&packages), TWO);
    }

    #[test]
    fn unknown_uppercase_is_an_error() {
        let err = parse_text("P:a\nV:1\nQ:what\n").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Syntax);
        assert_eq!(err.location().line, Some(3));
        assert_eq!(err.location().field.as_deref(), Some("Q (a)"));
    }

    #[test]
    fn unsigned_round_trip() {
        let bytes = write_unsigned(TWO, Some("test"), 1_700_000_000).unwrap();
        let err = read(&bytes, Trust::keys(&Keys::new())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsigned);
        let index = read(&bytes, Trust::untrusted()).unwrap();
        assert_eq!(index.description(), Some("test"));
        assert_eq!(index.text(), TWO);
        assert_eq!(index.signed_by(), None);
    }
}
