//! The gzip and tar layers of `APKINDEX.tar.gz`, read and written exactly as apk-tools
//! and abuild-sign do.
//!
//! An index is a run of concatenated gzip members that together hold one tar stream:
//! first the signature member(s), each a tar of `.SIGN.*` files with the end-of-archive
//! blocks cut off (`abuild-tar --cut`), then one member with the `DESCRIPTION` and
//! `APKINDEX` files and the end-of-archive blocks. Members are kept apart because the
//! signature covers the compressed bytes of the members after it.

use std::borrow::Cow;
use std::io::Read as _;

use flate2::{Compression, GzBuilder};

use crate::error::{Error, ErrorKind, Result};

/// One gzip member of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Byte offset of the member's header in the file.
    pub offset: usize,
    /// Length of the compressed member, header and trailer included.
    pub len: usize,
    /// The decompressed bytes (CRC-32 and length checked).
    pub data: Vec<u8>,
}

/// A cap on the output buffer reserved up front, so a lying gzip trailer cannot make us
/// reserve gigabytes. Deflate expands at most about 1032 times.
const MAX_EXPANSION: usize = 1032;

/// Splits `bytes` into its gzip members and inflates each, checking every trailer.
///
/// A member cut short is [`ErrorKind::Truncated`]; anything else wrong (not gzip, a bad
/// deflate stream, a CRC-32 or length mismatch, trailing garbage) is
/// [`ErrorKind::Compression`].
pub fn gzip_members(bytes: &[u8]) -> Result<Vec<Member>> {
    if bytes.is_empty() {
        return Err(Error::new(ErrorKind::Truncated, "empty file"));
    }
    let mut members = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let offset = bytes.len() - rest.len();
        if rest.len() < 2 || !rest.starts_with(&[0x1f, 0x8b]) {
            let kind = if rest == [0x1f] {
                ErrorKind::Truncated
            } else {
                ErrorKind::Compression
            };
            return Err(Error::new(
                kind,
                format!("byte {offset}: not a gzip member (no 1f 8b magic)"),
            ));
        }
        // The gzip trailer of the last member gives its length; earlier members are
        // small, and a wrong guess only costs a reallocation.
        let hint = trailer_size(rest).min(rest.len().saturating_mul(MAX_EXPANSION));
        let mut data = Vec::with_capacity(hint.min(1 << 28));
        let mut decoder = flate2::bufread::GzDecoder::new(rest);
        if let Err(err) = decoder.read_to_end(&mut data) {
            let kind = if err.kind() == std::io::ErrorKind::UnexpectedEof {
                ErrorKind::Truncated
            } else {
                ErrorKind::Compression
            };
            let what = if kind == ErrorKind::Truncated {
                "is cut short".to_owned()
            } else {
                format!("is corrupt: {err}")
            };
            return Err(Error::new(
                kind,
                format!("gzip member {} at byte {offset} {what}", members.len() + 1),
            )
            .caused_by(err));
        }
        let after = decoder.into_inner();
        let len = rest.len() - after.len();
        if len == 0 {
            // Cannot happen with a valid header, but never loop forever.
            return Err(Error::new(
                ErrorKind::Compression,
                format!("byte {offset}: empty gzip member"),
            ));
        }
        members.push(Member { offset, len, data });
        rest = after;
    }
    Ok(members)
}

/// The ISIZE field of the gzip trailer at the end of `bytes` (0 if too short).
fn trailer_size(bytes: &[u8]) -> usize {
    match bytes.len().checked_sub(4).and_then(|at| bytes.get(at..)) {
        Some(&[a, b, c, d]) => usize::try_from(u32::from_le_bytes([a, b, c, d])).unwrap_or(0),
        _ => 0,
    }
}

/// Compresses `data` into one gzip member as `gzip -n -9` and apk-tools' zlib writer
/// do: no name, mtime 0, XFL 2 (best compression), OS 3 (Unix).
pub fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write as _;
    let mut encoder = GzBuilder::new()
        .operating_system(3)
        .write(Vec::with_capacity(data.len() / 3 + 64), Compression::best());
    encoder
        .write_all(data)
        .and_then(|()| encoder.try_finish())
        .map_err(|err| Error::new(ErrorKind::Compression, format!("gzip: {err}")))?;
    encoder
        .finish()
        .map_err(|err| Error::new(ErrorKind::Compression, format!("gzip: {err}")))
}

/// The size of a tar block.
pub const BLOCK: usize = 512;

/// A tar entry: its header fields and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The name, after any GNU long-name or pax `path` record.
    pub name: Cow<'a, [u8]>,
    /// The type flag: `b'0'` (or NUL) for a regular file.
    pub typeflag: u8,
    /// The file's bytes.
    pub data: &'a [u8],
    /// The raw 512-byte header, for checking conventions (mode, owner, mtime).
    pub header: &'a [u8],
    /// Offset of the header in the tar stream.
    pub offset: usize,
}

impl Entry<'_> {
    /// The name as text, if it is UTF-8.
    pub fn name_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.name).ok()
    }

    /// Whether this is a regular file.
    pub fn is_file(&self) -> bool {
        matches!(self.typeflag, b'0' | 0 | b'7')
    }

    /// The modification time of the header, if its field is octal.
    pub fn mtime(&self) -> Option<u64> {
        octal(field(self.header, 136, 12), self.offset, "mtime")
            .ok()
            .and_then(|t| u64::try_from(t).ok())
    }
}

/// Reads tar entries from a byte stream, resolving GNU long names (`L`) and pax extended
/// headers (`x`; `g` is skipped), as apk-tools' `apk_tar_parse` does.
#[derive(Debug, Clone)]
pub struct TarReader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Set once two zero blocks (or one followed by the end of data) were read.
    ended: bool,
}

impl<'a> TarReader<'a> {
    /// A reader over a whole tar stream.
    pub fn new(data: &'a [u8]) -> Self {
        TarReader {
            data,
            pos: 0,
            ended: false,
        }
    }

    /// Whether the end-of-archive marker has been read.
    pub fn saw_end_marker(&self) -> bool {
        self.ended
    }

    /// Where the next header would be.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next entry, or `None` at the end-of-archive marker or the end of the data.
    pub fn next_entry(&mut self) -> Result<Option<Entry<'a>>> {
        let mut long_name: Option<Cow<'a, [u8]>> = None;
        let mut pax_size: Option<usize> = None;
        loop {
            if self.ended || self.pos == self.data.len() {
                return Ok(None);
            }
            let offset = self.pos;
            let header = self.data.get(offset..offset + BLOCK).ok_or_else(|| {
                Error::new(
                    ErrorKind::Truncated,
                    format!("tar header at byte {offset} is cut short"),
                )
            })?;
            if header.iter().all(|&b| b == 0) {
                // End of archive: a zero block, normally two.
                self.pos += BLOCK;
                if let Some(next) = self.data.get(self.pos..self.pos + BLOCK)
                    && next.iter().all(|&b| b == 0)
                {
                    self.pos += BLOCK;
                }
                self.ended = true;
                return Ok(None);
            }
            check_checksum(header, offset)?;
            let typeflag = header.get(156).copied().unwrap_or(0);
            let size = match pax_size.take() {
                Some(size) => size,
                None => octal(field(header, 124, 12), offset, "size")?,
            };
            let start = offset + BLOCK;
            let padded = size
                .checked_add(BLOCK - 1)
                .map(|n| n / BLOCK * BLOCK)
                .ok_or_else(|| archive_error(offset, "size out of range"))?;
            let data = start
                .checked_add(size)
                .and_then(|end| self.data.get(start..end))
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Truncated,
                        format!("tar entry at byte {offset} is cut short"),
                    )
                })?;
            let next = start
                .checked_add(padded)
                .filter(|&end| end <= self.data.len())
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Truncated,
                        format!("tar entry at byte {offset} is cut short in its padding"),
                    )
                })?;
            self.pos = next;
            match typeflag {
                b'L' => {
                    let name = data.split(|&b| b == 0).next().unwrap_or_default();
                    long_name = Some(Cow::Borrowed(name));
                }
                b'x' => {
                    let (path, size) = parse_pax(data, offset)?;
                    if let Some(path) = path {
                        long_name = Some(Cow::Borrowed(path));
                    }
                    pax_size = size;
                }
                b'g' => {}
                _ => {
                    let name = long_name.take().unwrap_or_else(|| header_name(header));
                    return Ok(Some(Entry {
                        name,
                        typeflag,
                        data,
                        header,
                        offset,
                    }));
                }
            }
        }
    }
}

/// `len` bytes of `header` at `at` (empty if out of range; headers are 512 bytes).
fn field(header: &[u8], at: usize, len: usize) -> &[u8] {
    header.get(at..at + len).unwrap_or_default()
}

fn archive_error(offset: usize, what: &str) -> Error {
    Error::new(
        ErrorKind::Archive,
        format!("tar header at byte {offset}: {what}"),
    )
}

/// The name field, with the POSIX ustar prefix if there is one.
fn header_name(header: &[u8]) -> Cow<'_, [u8]> {
    let name = until_nul(field(header, 0, 100));
    let posix = field(header, 257, 6) == b"ustar\0";
    let prefix = until_nul(field(header, 345, 155));
    if posix && !prefix.is_empty() {
        let mut full = prefix.to_vec();
        full.push(b'/');
        full.extend_from_slice(name);
        Cow::Owned(full)
    } else {
        Cow::Borrowed(name)
    }
}

fn until_nul(bytes: &[u8]) -> &[u8] {
    bytes.split(|&b| b == 0).next().unwrap_or_default()
}

/// Reads an octal number field: optional leading spaces, digits, then NULs or spaces.
fn octal(bytes: &[u8], offset: usize, what: &str) -> Result<usize> {
    let text = bytes
        .iter()
        .skip_while(|&&b| b == b' ')
        .take_while(|&&b| b != 0 && b != b' ');
    let mut value: usize = 0;
    let mut digits = 0;
    for &b in text {
        if !(b'0'..=b'7').contains(&b) {
            return Err(archive_error(offset, &format!("{what} field is not octal")));
        }
        value = value
            .checked_mul(8)
            .and_then(|v| v.checked_add(usize::from(b - b'0')))
            .ok_or_else(|| archive_error(offset, &format!("{what} field out of range")))?;
        digits += 1;
    }
    let rest_ok = bytes
        .iter()
        .skip_while(|&&b| b == b' ')
        .skip(digits)
        .all(|&b| b == 0 || b == b' ');
    if !rest_ok {
        return Err(archive_error(offset, &format!("{what} field is not octal")));
    }
    Ok(value)
}

/// Checks the header checksum (the unsigned byte sum with the field as spaces; the signed
/// sum of some old tars is accepted too).
fn check_checksum(header: &[u8], offset: usize) -> Result<()> {
    let stored = octal(field(header, 148, 8), offset, "checksum")?;
    let mut unsigned: usize = 0;
    let mut signed: isize = 0;
    for (i, &b) in header.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += usize::from(b);
        signed += isize::from(b.cast_signed());
    }
    if stored == unsigned || isize::try_from(stored).is_ok_and(|s| s == signed) {
        Ok(())
    } else {
        Err(archive_error(offset, "header checksum mismatch"))
    }
}

/// The `path` and `size` records of a pax extended header.
fn parse_pax(mut data: &[u8], offset: usize) -> Result<(Option<&[u8]>, Option<usize>)> {
    let mut path = None;
    let mut size = None;
    let bad = || archive_error(offset, "malformed pax extended header");
    while !data.is_empty() {
        if data.iter().all(|&b| b == 0) {
            break;
        }
        let space = data.iter().position(|&b| b == b' ').ok_or_else(bad)?;
        let len: usize = std::str::from_utf8(data.get(..space).unwrap_or_default())
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        let record = data
            .get(..len)
            .filter(|r| r.len() > space + 1)
            .ok_or_else(bad)?;
        let body = record
            .get(space + 1..)
            .and_then(|r| r.strip_suffix(b"\n"))
            .ok_or_else(bad)?;
        let eq = body.iter().position(|&b| b == b'=').ok_or_else(bad)?;
        let (key, value) = (
            body.get(..eq).unwrap_or_default(),
            body.get(eq + 1..).unwrap_or_default(),
        );
        match key {
            b"path" => path = Some(value),
            b"size" => {
                size = Some(
                    std::str::from_utf8(value)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(bad)?,
                );
            }
            _ => {}
        }
        data = data.get(len..).unwrap_or_default();
    }
    Ok((path, size))
}

/// The header conventions of the two writers of an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderStyle {
    /// apk-tools' `apk_tar_write_entry`: 12-digit size and mtime without NUL, owner
    /// names `root`.
    ApkTools,
    /// GNU tar as abuild-sign runs it (`--owner=0 --group=0 --numeric-owner`): 11 digits
    /// and a NUL, no owner names.
    GnuTar,
}

/// A tar header for a regular file with mode 0644 owned by 0:0, as the two writers make
/// it. Names longer than 99 bytes are refused (neither writer's index names need them).
pub fn file_header(name: &str, size: u64, mtime: u64, style: HeaderStyle) -> Result<[u8; BLOCK]> {
    if name.len() > 99 || name.is_empty() {
        return Err(Error::new(
            ErrorKind::Archive,
            format!("tar member name `{name}` must be 1 to 99 bytes"),
        ));
    }
    let mut header = [0u8; BLOCK];
    put(&mut header, 0, name.as_bytes());
    put_octal(&mut header, 100, 8, 0o644, true);
    put_octal(&mut header, 108, 8, 0, true);
    put_octal(&mut header, 116, 8, 0, true);
    let nul = style == HeaderStyle::GnuTar;
    let limit = if nul { 1u64 << 33 } else { 1u64 << 36 };
    if size >= limit || mtime >= limit {
        return Err(Error::new(
            ErrorKind::Archive,
            format!("tar member `{name}`: size or mtime too large for the header"),
        ));
    }
    put_octal(&mut header, 124, 12, size, nul);
    put_octal(&mut header, 136, 12, mtime, nul);
    header[156] = b'0';
    put(&mut header, 257, b"ustar  \0");
    if style == HeaderStyle::ApkTools {
        put(&mut header, 265, b"root");
        put(&mut header, 297, b"root");
    }
    // The checksum is computed with its own field as spaces, then written as six digits,
    // a NUL and the space left over (both writers do this).
    put(&mut header, 148, b"        ");
    let sum: u64 = header.iter().map(|&b| u64::from(b)).sum();
    put_octal(&mut header, 148, 7, sum, true);
    Ok(header)
}

fn put(header: &mut [u8; BLOCK], at: usize, bytes: &[u8]) {
    if let Some(target) = header.get_mut(at..at + bytes.len()) {
        target.copy_from_slice(bytes);
    }
}

/// Zero-padded octal filling `len` bytes, the last one a NUL if `nul`.
fn put_octal(header: &mut [u8; BLOCK], at: usize, len: usize, value: u64, nul: bool) {
    let digits = if nul { len - 1 } else { len };
    let text = format!("{value:0digits$o}");
    put(header, at, text.as_bytes());
    if nul {
        put(header, at + digits, b"\0");
    }
}

/// Zero bytes that pad `size` bytes of data to a whole block.
pub fn padding(size: usize) -> &'static [u8] {
    const ZEROS: [u8; BLOCK] = [0; BLOCK];
    let pad = (BLOCK - size % BLOCK) % BLOCK;
    ZEROS.get(..pad).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn header_round_trip() {
        let header =
            file_header("APKINDEX", 1_908_830, 0o14336772746, HeaderStyle::ApkTools).unwrap();
        assert_eq!(&header[100..108], b"0000644\0");
        assert_eq!(&header[124..136], b"000007220136");
        assert_eq!(&header[136..148], b"014336772746");
        let mut tar = header.to_vec();
        tar.extend(std::iter::repeat_n(b'x', 1_908_830));
        tar.extend_from_slice(padding(1_908_830));
        tar.extend_from_slice(&[0; 1024]);
        let mut reader = TarReader::new(&tar);
        let entry = reader.next_entry().unwrap().unwrap();
        assert_eq!(&*entry.name, b"APKINDEX");
        assert_eq!(entry.data.len(), 1_908_830);
        assert!(reader.next_entry().unwrap().is_none());
        assert!(reader.saw_end_marker());
    }

    #[test]
    fn gnu_header_fields() {
        let header =
            file_header(".SIGN.RSA.k.pub", 512, 0o14336772746, HeaderStyle::GnuTar).unwrap();
        assert_eq!(&header[124..136], b"00000001000\0");
        assert_eq!(&header[136..148], b"14336772746\0");
        assert_eq!(&header[265..269], b"\0\0\0\0");
    }

    #[test]
    fn bad_checksum_is_archive_error() {
        let mut header = file_header("x", 0, 0, HeaderStyle::ApkTools).unwrap();
        header[0] = b'y';
        let err = TarReader::new(&header).next_entry().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Archive);
    }

    #[test]
    fn cut_data_is_truncated() {
        let header = file_header("x", 100, 0, HeaderStyle::ApkTools).unwrap();
        let mut tar = header.to_vec();
        tar.extend_from_slice(&[b'a'; 50]);
        let err = TarReader::new(&tar).next_entry().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Truncated);
    }

    #[test]
    fn long_names_and_pax() {
        let long = "d/".repeat(80) + "file";
        let mut tar = Vec::new();
        let mut l = file_header(
            "././@LongLink",
            long.len() as u64 + 1,
            0,
            HeaderStyle::GnuTar,
        )
        .unwrap();
        l[156] = b'L';
        fix_checksum(&mut l);
        tar.extend_from_slice(&l);
        tar.extend_from_slice(long.as_bytes());
        tar.push(0);
        tar.extend_from_slice(padding(long.len() + 1));
        tar.extend_from_slice(&file_header("short", 0, 0, HeaderStyle::GnuTar).unwrap());
        let record = "19 path=pax/name.x\n";
        let mut x =
            file_header("PaxHeaders/x", record.len() as u64, 0, HeaderStyle::GnuTar).unwrap();
        x[156] = b'x';
        fix_checksum(&mut x);
        tar.extend_from_slice(&x);
        tar.extend_from_slice(record.as_bytes());
        tar.extend_from_slice(padding(record.len()));
        tar.extend_from_slice(&file_header("orig", 0, 0, HeaderStyle::GnuTar).unwrap());
        let mut reader = TarReader::new(&tar);
        assert_eq!(
            reader.next_entry().unwrap().unwrap().name_str(),
            Some(long.as_str())
        );
        assert_eq!(
            reader.next_entry().unwrap().unwrap().name_str(),
            Some("pax/name.x")
        );
        assert!(reader.next_entry().unwrap().is_none());
        assert!(!reader.saw_end_marker());
    }

    fn fix_checksum(header: &mut [u8; BLOCK]) {
        put(header, 148, b"        ");
        let sum: u64 = header.iter().map(|&b| u64::from(b)).sum();
        put_octal(header, 148, 7, sum, true);
    }

    #[test]
    fn gzip_round_trip_and_errors() {
        let mut two = gzip(b"hello ").unwrap();
        let first = two.len();
        two.extend(gzip(b"world").unwrap());
        let members = gzip_members(&two).unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].len, first);
        assert_eq!(members[1].data, b"world");
        assert_eq!(&two[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);

        let cut = &two[..two.len() - 3];
        assert_eq!(gzip_members(cut).unwrap_err().kind(), ErrorKind::Truncated);
        let mut crc = two.clone();
        let at = crc.len() - 6;
        crc[at] ^= 1;
        assert_eq!(
            gzip_members(&crc).unwrap_err().kind(),
            ErrorKind::Compression
        );
        let mut garbage = two.clone();
        garbage.extend_from_slice(b"xyz");
        assert_eq!(
            gzip_members(&garbage).unwrap_err().kind(),
            ErrorKind::Compression
        );
        assert_eq!(gzip_members(b"").unwrap_err().kind(), ErrorKind::Truncated);
    }
}
