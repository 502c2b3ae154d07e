//! APKINDEX.tar.gz: reading, verification, writing and signing, on small indexes made
//! here with a test-only key (tests/data) and on Alpine's real signed indexes.
#![allow(clippy::unwrap_used)]

mod support;

use secfixes_apk::ErrorKind;
use secfixes_apk::apkindex::archive::{self, HeaderStyle, TarReader};
use secfixes_apk::apkindex::{self, Algorithm, Keys, SigningKey, Trust};

const MTIME: u64 = 1_700_000_000;

const TEXT: &str = "\
C:Q1ZX+on7zBgcokTctj4tLSmx7q5O4=
P:busybox
V:1.35.0-r17
A:x86_64
S:507831
I:962560
T:Size optimized toolbox of many common UNIX utilities
U:https://busybox.net/
L:GPL-2.0-only
o:busybox
m:Sören Tempel <soeren+alpine@soeren-tempel.net>
t:1659366380
c:332d2fff53cd4537d415e15e55e8ceb6fe6eaedd
D:so:libc.musl-x86_64.so.1
p:cmd:busybox=1.35.0-r17

C:Q1VUBxlP54+nXCR+xuJZq3y37aJ8A=
P:busybox-doc
V:1.35.0-r17
A:x86_64
S:1
I:2
T:Size optimized toolbox of many common UNIX utilities (documentation)
U:https://busybox.net/
L:GPL-2.0-only
o:busybox
i:docs busybox=1.35.0-r17

";

use support::{apk_test_data as data_dir, test_key, test_keys};

fn signed_test_index() -> Vec<u8> {
    let unsigned = apkindex::write_unsigned(TEXT, Some("test repo"), MTIME).unwrap();
    apkindex::sign(&unsigned, &test_key(), Algorithm::RsaSha1, MTIME).unwrap()
}

#[test]
fn write_sign_read_verify_round_trip() {
    let key = test_key();
    assert_eq!(key.name(), "test-signing.rsa.pub");
    let bytes = signed_test_index();
    let keys = test_keys();
    let index = apkindex::read(&bytes, Trust::keys(&keys)).unwrap();
    assert_eq!(index.signed_by(), Some("test-signing.rsa.pub"));
    assert_eq!(index.description(), Some("test repo"));
    assert_eq!(index.text(), TEXT);
    let packages = index.packages().unwrap();
    assert_eq!(packages.len(), 2);
    assert_eq!(packages[0].name, "busybox");
    assert_eq!(packages[1].install_if, ["docs", "busybox=1.35.0-r17"]);
    assert_eq!(apkindex::write_text(&packages), TEXT);
}

#[test]
fn pkcs1_key_and_sha256_signatures() {
    let key = SigningKey::from_pem_file(&data_dir().join("test-signing-pkcs1.rsa"))
        .unwrap()
        .with_name("test-signing.rsa.pub");
    let keys = test_keys();
    for algorithm in [
        Algorithm::RsaSha1,
        Algorithm::RsaSha256,
        Algorithm::RsaSha512,
    ] {
        let unsigned = apkindex::write_unsigned(TEXT, None, MTIME).unwrap();
        let bytes = apkindex::sign(&unsigned, &key, algorithm, MTIME).unwrap();
        let index = apkindex::read(&bytes, Trust::keys(&keys)).unwrap();
        let signature = index.verified_signature().unwrap();
        assert_eq!(signature.algorithm, Some(algorithm));
        assert_eq!(index.description(), None);
    }
}

#[test]
fn unsigned_index_needs_allow_untrusted() {
    let bytes = apkindex::write_unsigned(TEXT, Some("d"), MTIME).unwrap();
    let keys = test_keys();
    let err = apkindex::read(&bytes, Trust::keys(&keys)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsigned);
    assert!(err.to_string().contains("no signature"), "{err}");
    let index = apkindex::read(
        &bytes,
        Trust {
            keys: &keys,
            allow_untrusted: true,
        },
    )
    .unwrap();
    assert_eq!(index.packages().unwrap().len(), 2);
    assert!(index.signatures().is_empty());
}

#[test]
fn unknown_key_is_reported_as_such() {
    let bytes = signed_test_index();
    let err = apkindex::read(&bytes, Trust::keys(&Keys::new())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsigned);
    let message = err.to_string();
    assert!(message.contains("unknown key"), "{message}");
    assert!(
        message.contains(".SIGN.RSA.test-signing.rsa.pub"),
        "{message}"
    );
    let index = apkindex::read(&bytes, Trust::untrusted()).unwrap();
    assert_eq!(index.signed_by(), None);
    assert_eq!(index.signatures().len(), 1);
    assert_eq!(index.signatures()[0].key_name, "test-signing.rsa.pub");
}

#[test]
fn bad_signature_fails_even_when_untrusted_is_allowed() {
    // A valid signature of other data in front of this index.
    let unsigned = apkindex::write_unsigned(TEXT, Some("test repo"), MTIME).unwrap();
    let other = apkindex::write_unsigned(TEXT, Some("other"), MTIME).unwrap();
    let signed_other = apkindex::sign(&other, &test_key(), Algorithm::RsaSha1, MTIME).unwrap();
    let mut bytes = signed_other[..signed_other.len() - other.len()].to_vec();
    bytes.extend_from_slice(&unsigned);
    let keys = test_keys();
    for allow_untrusted in [false, true] {
        let err = apkindex::read(
            &bytes,
            Trust {
                keys: &keys,
                allow_untrusted,
            },
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadSignature, "{err}");
    }
}

/// Every prefix of the file fails, as truncated (or, cut inside a gzip header, as not
/// gzip).
#[test]
fn every_truncation_fails() {
    let bytes = signed_test_index();
    let keys = test_keys();
    for len in 0..bytes.len() {
        let err = apkindex::read(&bytes[..len], Trust::keys(&keys)).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Truncated | ErrorKind::Compression),
            "cut at {len}: {err}"
        );
    }
}

/// Flips bytes of a signed index and checks that each flip is caught.
///
/// The signature covers every byte after the signature member, so there every flip must
/// fail. The signature member itself is protected only by its gzip CRC-32 over the
/// decompressed tar, as in apk-tools: a flip that leaves what it decompresses to
/// unchanged (the FTEXT flag, MTIME, XFL and OS header bytes, or an unused Huffman code
/// length) cannot be seen and changes nothing. Those are allowed, and only those.
fn assert_flips_fail(
    bytes: &[u8],
    keys: &Keys,
    positions: impl Iterator<Item = usize>,
    every_mask: bool,
) -> usize {
    const MASKS: [u8; 3] = [0x01, 0x80, 0xff];
    let original = archive::gzip_members(bytes).unwrap();
    let signed_from = original[1].offset;
    let mut checked = 0;
    for (n, at) in positions.enumerate() {
        // Every mask on every byte, or (to keep the large file quick) one in turn.
        let masks = if every_mask {
            &MASKS[..]
        } else {
            &MASKS[n % 3..n % 3 + 1]
        };
        for &mask in masks {
            let mut flipped = bytes.to_vec();
            flipped[at] ^= mask;
            let result = apkindex::read(&flipped, Trust::keys(keys)).and_then(|index| {
                index.packages()?;
                Ok(index)
            });
            match result {
                Ok(_) => {
                    let unchanged = archive::gzip_members(&flipped)
                        .unwrap()
                        .iter()
                        .zip(&original)
                        .all(|(a, b)| a.data == b.data);
                    assert!(
                        at < signed_from && unchanged,
                        "flipping byte {at} with {mask:#04x} went unnoticed"
                    );
                }
                Err(err) => assert!(
                    matches!(
                        err.kind(),
                        ErrorKind::BadSignature
                            | ErrorKind::Compression
                            | ErrorKind::Archive
                            | ErrorKind::Truncated
                            | ErrorKind::Unsigned
                    ),
                    "byte {at}: unexpected {err}"
                ),
            }
        }
        checked += 1;
    }
    checked
}

#[test]
fn every_byte_flip_of_a_small_index_fails() {
    let bytes = signed_test_index();
    let checked = assert_flips_fail(&bytes, &test_keys(), 0..bytes.len(), true);
    assert_eq!(checked, bytes.len());
}

#[test]
fn signature_member_layout_is_abuild_signs() {
    let bytes = signed_test_index();
    let members = archive::gzip_members(&bytes).unwrap();
    assert_eq!(members.len(), 2);
    for member in &members {
        // gzip -n -9 and apk-tools' zlib writer: no name, mtime 0, XFL 2, OS 3 (Unix).
        assert_eq!(
            &bytes[member.offset..member.offset + 10],
            &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]
        );
    }
    // The signature tar: one entry and no end-of-archive blocks.
    let signature = &members[0].data;
    assert_eq!(signature.len(), 512 + 512); // header, 256-byte signature padded
    let mut reader = TarReader::new(signature);
    let entry = reader.next_entry().unwrap().unwrap();
    assert_eq!(entry.name_str(), Some(".SIGN.RSA.test-signing.rsa.pub"));
    assert_eq!(entry.data.len(), 256);
    assert!(reader.next_entry().unwrap().is_none());
    assert!(!reader.saw_end_marker());
    // The index tar: DESCRIPTION, APKINDEX, end-of-archive.
    let mut reader = TarReader::new(&members[1].data);
    let names: Vec<String> = std::iter::from_fn(|| reader.next_entry().unwrap())
        .map(|e| e.name_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["DESCRIPTION", "APKINDEX"]);
    assert!(reader.saw_end_marker());
    assert_eq!(reader.position(), members[1].data.len());
}

/// `openssl dgst -sha1 -verify` is the primitive apk-tools 2 and abuild use.
#[test]
fn openssl_verifies_our_signature() {
    if !support::have_command("openssl") {
        return;
    }
    let bytes = signed_test_index();
    let public_key = data_dir().join("keys/test-signing.rsa.pub");
    if let Err(output) = support::openssl_verifies(&bytes, &public_key) {
        panic!("openssl does not verify the signature: {output}");
    }
}

#[test]
fn text_errors_name_line_and_field() {
    let cases: &[(&str, ErrorKind, usize, &str)] = &[
        ("P:a\nV:1\nS:12k\n", ErrorKind::Syntax, 3, "S (a)"),
        ("P:a\nV:1\nC:nope\n", ErrorKind::Syntax, 3, "C (a)"),
        ("P:a\nV:1\nP:b\n", ErrorKind::Syntax, 3, "P (a)"),
        ("P:a\nV:1\nF:etc\n", ErrorKind::Syntax, 3, "F (a)"),
        ("V:1\nS:1\n", ErrorKind::Syntax, 1, "P"),
        ("P:a\nS:1\n", ErrorKind::Syntax, 1, "V (a)"),
        ("P:a\nV:1\n\nnonsense\n", ErrorKind::Syntax, 4, ""),
    ];
    for &(text, kind, line, field) in cases {
        let err = apkindex::parse_text(text).unwrap_err();
        assert_eq!(err.kind(), kind, "{text:?}: {err}");
        assert_eq!(err.location().line, Some(line), "{text:?}: {err}");
        assert_eq!(
            err.location().field.as_deref().unwrap_or(""),
            field,
            "{text:?}: {err}"
        );
    }
    // Unknown lowercase fields are kept, in order, and written back.
    let text = "P:a\nV:1\nz:one\ny:two\nz:three\n\n";
    let packages = apkindex::parse_text(text).unwrap();
    assert_eq!(packages[0].unknown.len(), 3);
    assert_eq!(apkindex::write_text(&packages), text);
    // Non-UTF-8 text inside an archive is a syntax error at its line.
    let bytes = apkindex::write_unsigned("P:a\nV:1\n\n", None, 0).unwrap();
    let mut tar = archive::gzip_members(&bytes).unwrap().remove(0).data;
    let at = tar.windows(4).position(|w| w == b"P:a\n").unwrap() + 2;
    tar[at] = 0xff;
    // The header checksum does not cover data, so the tar stays valid.
    let err = apkindex::read(&archive::gzip(&tar).unwrap(), Trust::untrusted()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Syntax, "{err}");
    assert_eq!(err.location().line, Some(1));
}

#[test]
fn invalid_versions_are_kept_and_reported() {
    let text = "P:a\nV:1.0-r\n\nP:b\nV:2\n\nP:c\nV:0.99f7-r0\n\n";
    let packages = apkindex::parse_text(text).unwrap();
    assert_eq!(packages.len(), 3);
    let mut warnings = Vec::new();
    let packages = apkindex::parse_text_with_warnings(text, &mut warnings).unwrap();
    assert_eq!(packages.len(), 3);
    let found: Vec<(usize, String)> = warnings
        .iter()
        .map(|w| {
            assert_eq!(w.kind(), ErrorKind::InvalidVersion);
            (
                w.location().line.unwrap(),
                w.location().field.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(found, [(2, "V (a)".to_owned()), (8, "V (c)".to_owned())]);
}

#[test]
fn packages_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("APKINDEX.tar.gz");
    std::fs::write(
        &path,
        apkindex::write_unsigned("P:a\nV:1\nS:x\n\n", None, 0).unwrap(),
    )
    .unwrap();
    let index = apkindex::read_file(&path, Trust::untrusted()).unwrap();
    let err = index.packages().unwrap_err();
    assert_eq!(err.location().file.as_deref(), Some(path.as_path()));
    let err = apkindex::read_file(&dir.path().join("missing"), Trust::untrusted()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
}

#[test]
fn keys_dir_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.pub"), "not a key").unwrap();
    let err = Keys::from_dir(dir.path()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Key);
    assert!(err.to_string().contains("junk.pub"), "{err}");
    assert_eq!(
        Keys::from_dir(&dir.path().join("none")).unwrap_err().kind(),
        ErrorKind::Io
    );
}

// ---- real data --------------------------------------------------------------------

struct Real {
    name: &'static str,
    packages: usize,
    key: &'static str,
    invalid_versions: usize,
}

const REAL: [Real; 2] = [
    Real {
        name: "alpine-v3.16-main-x86_64",
        packages: 4929,
        key: "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub",
        // aspell-ru 0.99f7-r0 and five opensmtpd 6.8.0p2-r4.
        invalid_versions: 6,
    },
    Real {
        name: "alpine-v3.17-main-aarch64",
        packages: 5004,
        key: "alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub",
        // aspell-ru 0.99f7-r1.
        invalid_versions: 1,
    },
];

#[test]
fn real_indexes_verify_and_parse() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let dir = fixtures.join("apkindex");
    let keys = Keys::from_dir(&dir.join("keys")).unwrap();
    assert_eq!(keys.len(), 2);
    for real in &REAL {
        let path = dir.join(format!("{}.APKINDEX.tar.gz", real.name));
        let index = apkindex::read_file(&path, Trust::keys(&keys)).unwrap();
        assert_eq!(index.signed_by(), Some(real.key));
        let text = std::fs::read_to_string(dir.join(format!("{}.APKINDEX", real.name))).unwrap();
        assert_eq!(index.text(), text);
        let description =
            std::fs::read_to_string(dir.join(format!("{}.DESCRIPTION", real.name))).unwrap();
        assert_eq!(index.description(), Some(description.as_str()));
        let mut warnings = Vec::new();
        let packages = index.packages_with_warnings(&mut warnings).unwrap();
        assert_eq!(packages.len(), real.packages);
        // apk-tools 3 rejects a few versions of these apk-tools 2 era indexes.
        let invalid: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
        assert!(
            warnings
                .iter()
                .all(|w| w.kind() == ErrorKind::InvalidVersion
                    && w.location().file.as_deref() == Some(path.as_path()))
        );
        assert_eq!(invalid.len(), real.invalid_versions, "{invalid:#?}");
        assert!(
            packages
                .iter()
                .all(|p| p.checksum.is_some() && p.arch.is_some())
        );
        // apk-tools writes fields in one order, so parsing and writing gives the text back.
        assert_eq!(apkindex::write_text(&packages), text);
    }
}

#[test]
fn real_index_signed_by_the_other_key_is_unknown() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let dir = fixtures.join("apkindex");
    let mut keys = Keys::new();
    let other = "alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub";
    keys.add_pem(
        other,
        &std::fs::read_to_string(dir.join("keys").join(other)).unwrap(),
    )
    .unwrap();
    let path = dir.join("alpine-v3.16-main-x86_64.APKINDEX.tar.gz");
    let err = apkindex::read_file(&path, Trust::keys(&keys)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsigned);
    assert!(err.to_string().contains("unknown key"), "{err}");
    assert_eq!(err.location().file.as_deref(), Some(path.as_path()));
    // A key of the right name but other content: a bad signature.
    let mut wrong = Keys::new();
    wrong
        .add_pem(
            REAL[0].key,
            &std::fs::read_to_string(dir.join("keys").join(other)).unwrap(),
        )
        .unwrap();
    let err = apkindex::read_file(&path, Trust::keys(&wrong)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadSignature, "{err}");
}

#[test]
fn real_index_without_its_signature_member() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let dir = fixtures.join("apkindex");
    let bytes = std::fs::read(dir.join("alpine-v3.16-main-x86_64.APKINDEX.tar.gz")).unwrap();
    let members = archive::gzip_members(&bytes).unwrap();
    let unsigned = &bytes[members[1].offset..];
    let keys = Keys::from_dir(&dir.join("keys")).unwrap();
    assert_eq!(
        apkindex::read(unsigned, Trust::keys(&keys))
            .unwrap_err()
            .kind(),
        ErrorKind::Unsigned
    );
    let index = apkindex::read(unsigned, Trust::untrusted()).unwrap();
    assert_eq!(index.packages().unwrap().len(), 4929);
}

/// One byte flipped anywhere (signature member, data member header, middle, gzip
/// trailer) makes the real index fail.
#[test]
fn real_index_byte_flips_fail() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let dir = fixtures.join("apkindex");
    let keys = Keys::from_dir(&dir.join("keys")).unwrap();
    let bytes = std::fs::read(dir.join("alpine-v3.16-main-x86_64.APKINDEX.tar.gz")).unwrap();
    let members = archive::gzip_members(&bytes).unwrap();
    let data = members[1].offset;
    let len = bytes.len();
    let mut positions: Vec<usize> = Vec::new();
    positions.extend(0..24); // signature member header and start
    positions.extend((0..data).step_by(41)); // the whole signature member
    positions.extend(data - 8..data + 24); // its trailer, the data member's header
    positions.extend((data..len).step_by(len / 25)); // spread over the data
    positions.extend(len / 2 - 3..len / 2 + 3); // the middle
    positions.extend(len - 12..len); // the end of the deflate stream and the trailer
    positions.sort_unstable();
    positions.dedup();
    let checked = assert_flips_fail(&bytes, &keys, positions.into_iter(), false);
    assert!(checked > 100, "{checked}");
}

/// Our writer's layout is the one of Alpine's real index: two members, the same gzip
/// header bytes, the same tar member names and order, and tar headers identical byte for
/// byte once name, size and mtime are the same.
#[test]
fn written_layout_matches_the_real_index() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let dir = fixtures.join("apkindex");
    let real_bytes = std::fs::read(dir.join("alpine-v3.16-main-x86_64.APKINDEX.tar.gz")).unwrap();
    let real = archive::gzip_members(&real_bytes).unwrap();
    let keys = Keys::from_dir(&dir.join("keys")).unwrap();
    let index = apkindex::read(&real_bytes, Trust::keys(&keys)).unwrap();

    let ours_bytes = {
        let unsigned = apkindex::write_unsigned(index.text(), index.description(), MTIME).unwrap();
        apkindex::sign(&unsigned, &test_key(), Algorithm::RsaSha1, MTIME).unwrap()
    };
    let ours = archive::gzip_members(&ours_bytes).unwrap();
    assert_eq!(real.len(), ours.len());
    for (r, o) in real.iter().zip(&ours) {
        assert_eq!(
            &real_bytes[r.offset..r.offset + 10],
            &ours_bytes[o.offset..o.offset + 10]
        );
    }
    let entries = |data: &[u8]| {
        let mut reader = TarReader::new(data);
        let mut out = Vec::new();
        while let Some(e) = reader.next_entry().unwrap() {
            out.push((
                e.name_str().unwrap().to_owned(),
                e.header.to_vec(),
                e.data.len(),
            ));
        }
        (
            out,
            reader.saw_end_marker(),
            reader.position() == data.len(),
        )
    };
    for (member, style) in [(0, HeaderStyle::GnuTar), (1, HeaderStyle::ApkTools)] {
        let (real_entries, real_end, real_whole) = entries(&real[member].data);
        let (our_entries, our_end, our_whole) = entries(&ours[member].data);
        assert_eq!(
            (real_end, real_whole),
            (our_end, our_whole),
            "member {member}"
        );
        assert_eq!(real_entries.len(), our_entries.len());
        for ((real_name, real_header, real_size), (our_name, _, _)) in
            real_entries.iter().zip(&our_entries)
        {
            if member == 0 {
                assert!(real_name.starts_with(".SIGN.RSA.") && our_name.starts_with(".SIGN.RSA."));
            } else {
                assert_eq!(real_name, our_name);
            }
            // The real header, rebuilt by our writer from its name, size and mtime.
            let mtime = u64::from_str_radix(
                std::str::from_utf8(&real_header[136..148])
                    .unwrap()
                    .trim_end_matches('\0'),
                8,
            )
            .unwrap();
            let rebuilt = archive::file_header(real_name, *real_size as u64, mtime, style).unwrap();
            assert_eq!(&rebuilt[..], &real_header[..], "header of {real_name}");
        }
    }
    // And ours verifies.
    let ours_index = apkindex::read(&ours_bytes, Trust::keys(&test_keys())).unwrap();
    assert_eq!(ours_index.packages().unwrap().len(), 4929);
}
