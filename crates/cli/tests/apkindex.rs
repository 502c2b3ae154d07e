//! `secfixes apkindex` and `secfixes installed`: exit codes, the exact output forms other
//! tools rely on, and the messages of each failure kind.
#![allow(clippy::unwrap_used)]

#[path = "../../apk/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
t:1659366380
D:so:libc.musl-x86_64.so.1
p:cmd:busybox=1.35.0-r17
x:kept

P:busybox-doc
V:1.35.0-r17
i:docs busybox=1.35.0-r17

";

fn secfixes(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secfixes"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../apk/tests/data")
}

/// Writes TEXT and a signed index made from it with the test key; returns (dir, index).
fn signed_index() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("APKINDEX");
    std::fs::write(&text, TEXT).unwrap();
    let index = dir.path().join("APKINDEX.tar.gz");
    let key = test_data().join("test-signing.rsa");
    let out = secfixes(&[
        &"apkindex",
        &"write",
        &"--key",
        &key,
        &"--description",
        &"test repo",
        &text,
        &index,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{}: 2 packages, signed by test-signing.rsa.pub\n",
            index.display()
        )
    );
    (dir, index)
}

#[test]
fn write_then_verify_and_dump() {
    let (_dir, index) = signed_index();
    let keys = test_data().join("keys");
    let out = secfixes(&[&"apkindex", &"verify", &"--keys-dir", &keys, &index]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{}: OK, 2 packages, signed by test-signing.rsa.pub\n",
            index.display()
        )
    );

    let out = secfixes(&[&"apkindex", &"dump", &"--keys-dir", &keys, &index]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let busybox = &lines[0];
    assert_eq!(busybox["name"], "busybox");
    assert_eq!(busybox["version"], "1.35.0-r17");
    assert_eq!(busybox["size"], 507831);
    assert_eq!(busybox["installed_size"], 962560);
    assert_eq!(busybox["build_time"], 1659366380);
    assert_eq!(busybox["maintainer"], serde_json::Value::Null);
    assert_eq!(busybox["depends"][0], "so:libc.musl-x86_64.so.1");
    assert_eq!(busybox["provides"][0], "cmd:busybox=1.35.0-r17");
    assert_eq!(busybox["unknown"]["x"], "kept");
    assert_eq!(lines[1]["install_if"][0], "docs");
    for key in [
        "checksum",
        "arch",
        "description",
        "url",
        "license",
        "origin",
        "commit",
        "provider_priority",
    ] {
        assert!(busybox.get(key).is_some(), "{key}");
    }
}

#[test]
fn writing_is_reproducible_with_source_date_epoch() {
    let (_a, first) = signed_index();
    let (_b, second) = signed_index();
    assert_eq!(
        std::fs::read(first).unwrap(),
        std::fs::read(second).unwrap()
    );
}

#[test]
fn failures_exit_2_naming_file_and_kind() {
    let (dir, index) = signed_index();
    let keys = test_data().join("keys");
    let bytes = std::fs::read(&index).unwrap();

    // Unknown key: an empty keys directory.
    let empty = dir.path().join("no-keys");
    std::fs::create_dir(&empty).unwrap();
    let out = secfixes(&[&"apkindex", &"verify", &"--keys-dir", &empty, &index]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(err.contains(&index.display().to_string()), "{err}");
    assert!(err.contains("unknown key"), "{err}");

    // ...which --allow-untrusted accepts.
    let out = secfixes(&[
        &"apkindex",
        &"verify",
        &"--keys-dir",
        &empty,
        &"--allow-untrusted",
        &index,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("OK, 2 packages"));

    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "truncated",
            bytes[..bytes.len() - 100].to_vec(),
            "truncated",
        ),
        (
            "corrupt",
            {
                let mut b = bytes.clone();
                let at = b.len() - 6; // in the gzip trailer's CRC-32
                b[at] ^= 0x40;
                b
            },
            "corrupt compression",
        ),
        (
            "bad-signature",
            {
                let mut b = bytes.clone();
                let at = b.len() - 200; // in the signed member
                b[at] ^= 0x01;
                b
            },
            "",
        ),
        (
            "unsigned",
            unsigned_part(&bytes),
            "unsigned: the index has no signature",
        ),
    ];
    for (name, content, kind) in cases {
        let path = dir.path().join(format!("{name}.tar.gz"));
        std::fs::write(&path, content).unwrap();
        let out = secfixes(&[&"apkindex", &"verify", &"--keys-dir", &keys, &path]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = stderr(&out);
        assert!(err.starts_with("secfixes: error: "), "{err}");
        assert!(err.contains(&path.display().to_string()), "{name}: {err}");
        if kind.is_empty() {
            // A flip inside the deflate data breaks the stream, its CRC or the signature.
            assert!(
                err.contains("bad signature") || err.contains("corrupt"),
                "{name}: {err}"
            );
        } else {
            assert!(err.contains(kind), "{name}: {err}");
        }
        let out = secfixes(&[&"apkindex", &"dump", &"--keys-dir", &keys, &path]);
        assert_eq!(out.status.code(), Some(2), "dump {name}");
        assert!(stdout(&out).is_empty());
    }

    // Several files: good ones get their line, and the exit status is still 2.
    let out = secfixes(&[
        &"apkindex",
        &"verify",
        &"--keys-dir",
        &keys,
        &index,
        &dir.path().join("truncated.tar.gz"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out).lines().count(), 1);
}

/// The index without its signature member (the second gzip member onwards).
fn unsigned_part(bytes: &[u8]) -> Vec<u8> {
    let members = secfixes_apk::apkindex::archive::gzip_members(bytes).unwrap();
    bytes[members[1].offset..].to_vec()
}

#[test]
fn usage_errors() {
    // Neither --keys-dir nor --allow-untrusted.
    let out = secfixes(&[&"apkindex", &"verify", &"x.tar.gz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--keys-dir"));
    let out = secfixes(&[
        &"apkindex",
        &"verify",
        &"--allow-untrusted",
        &"/nonexistent/x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/x"));
}

#[test]
fn dump_plain_text_needs_allow_untrusted() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("APKINDEX");
    std::fs::write(&text, TEXT).unwrap();
    let keys = test_data().join("keys");
    let out = secfixes(&[&"apkindex", &"dump", &"--keys-dir", &keys, &text]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--allow-untrusted"));
    let out = secfixes(&[&"apkindex", &"dump", &"--allow-untrusted", &text]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2);
    // A syntax error names file, line and field.
    std::fs::write(&text, "P:a\nV:1\nS:many\n").unwrap();
    let out = secfixes(&[&"apkindex", &"dump", &"--allow-untrusted", &text]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}:3: S (a): syntax error", text.display())),
        "{err}"
    );
}

#[test]
fn installed_dump() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("installed");
    std::fs::write(
        &db,
        "P:musl\nV:1.2.3-r4\nr:musl-old\nF:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1SLkS9hBidUbPwwrw+XR0Whv3ww8=\n\n",
    )
    .unwrap();
    let out = secfixes(&[&"installed", &"dump", &db]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(line["name"], "musl");
    assert_eq!(line["replaces"][0], "musl-old");
    assert_eq!(line["dirs"][0]["path"], "lib");
    assert_eq!(line["dirs"][0]["files"][0]["name"], "ld-musl-x86_64.so.1");
    assert_eq!(line["dirs"][0]["files"][0]["acl"], "0:0:755");

    std::fs::write(&db, "P:musl\nV:1\nR:orphan\n").unwrap();
    let out = secfixes(&[&"installed", &"dump", &db]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("{}:3: R (musl): syntax error", db.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn real_indexes_verify_and_dump() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let dir = fixtures.join("apkindex");
    let keys = dir.join("keys");
    for (name, count, key) in [
        (
            "alpine-v3.16-main-x86_64",
            4929,
            "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub",
        ),
        (
            "alpine-v3.17-main-aarch64",
            5004,
            "alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub",
        ),
    ] {
        let path = dir.join(format!("{name}.APKINDEX.tar.gz"));
        let out = secfixes(&[&"apkindex", &"verify", &"--keys-dir", &keys, &path]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!(
                "{}: OK, {count} packages, signed by {key}\n",
                path.display()
            )
        );
        // The invalid apk-tools 3 versions of these indexes are warnings.
        assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
        let out = secfixes(&[&"apkindex", &"dump", &"--keys-dir", &keys, &path]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(stdout(&out).lines().count(), count);
    }
    let out = secfixes(&[
        &"installed",
        &"dump",
        &dir.join("osv-scalibr-alpine-3.18-installed.db"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 15);
}
