//! `secfixes buildinfo`: `fmt` prints the real Arch files back byte for byte, warns of
//! unknown keys and refuses a malformed file naming its line; `generate` writes an apk
//! build's BUILDINFO from a build root and an APKBUILD.
#![allow(clippy::unwrap_used)]

#[path = "../../apk/tests/support/mod.rs"]
mod support;

mod outcome;

use std::process::Command;

use outcome::{expect, stderr, stdout};
use secfixes_apk::buildinfo::BuildInfo;

fn secfixes(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_secfixes"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap()
}

#[test]
fn fmt_gives_the_real_files_back() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let mut seen = 0;
    for entry in std::fs::read_dir(fixtures.join("arch-buildinfo")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "BUILDINFO") {
            continue;
        }
        let out = secfixes(&["buildinfo", "fmt", path.to_str().unwrap()]);
        expect(&out, 0);
        assert_eq!(
            out.stdout,
            std::fs::read(&path).unwrap(),
            "{}",
            path.display()
        );
        assert!(out.stderr.is_empty(), "{}", stderr(&out));
        seen += 1;
    }
    assert_eq!(seen, 3);
}

#[test]
fn fmt_warns_and_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("odd.BUILDINFO");
    std::fs::write(
        &odd,
        "format = 1\npkgname = a\npkgbase = a\npkgver = 1-1\npkgarch = any\n\
        pkgbuild_sha256sum = 9e96566cbcd39bf366a64536ab11873d9d7f86fc3a547fcc5a001b3302cdeb4a\n\
        packager = x\nbuilddate = 1\nbuilddir = /b\ncolour = red\n",
    )
    .unwrap();
    let out = secfixes(&["buildinfo", "fmt", odd.to_str().unwrap()]);
    expect(&out, 0);
    assert_eq!(out.stdout, std::fs::read(&odd).unwrap());
    assert!(
        stderr(&out).contains("warning") && stderr(&out).contains("line 10: colour:"),
        "{}",
        stderr(&out)
    );

    let bad = dir.path().join("bad.BUILDINFO");
    std::fs::write(&bad, "format = 2\npkgname = a\nbuilddate = soon\n").unwrap();
    let out = secfixes(&["buildinfo", "fmt", bad.to_str().unwrap()]);
    expect(&out, 2);
    let message = stderr(&out);
    assert!(
        message.contains(&format!("{}:3", bad.display())) && message.contains("builddate"),
        "{message}"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn generate_an_apk_builds_buildinfo() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("lib/apk/db")).unwrap();
    std::fs::write(
        root.join("lib/apk/db/installed"),
        "P:musl\nV:1.2.5-r0\nA:x86_64\nT:the C library\n\nP:busybox\nV:1.36.1-r2\nA:x86_64\nT:tools\n\n",
    )
    .unwrap();
    let recipe = dir.path().join("aports/main/hello");
    std::fs::create_dir_all(&recipe).unwrap();
    let apkbuild = "pkgname=hello\npkgver=1.0\npkgrel=2\noptions=\"!check net\"\n";
    std::fs::write(recipe.join("APKBUILD"), apkbuild).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_secfixes"))
        .args(["buildinfo", "generate", "--root", root.to_str().unwrap()])
        .args(["--apkbuild", recipe.join("APKBUILD").to_str().unwrap()])
        .args([
            "--pkgname",
            "hello-doc",
            "--pkgbase",
            "hello",
            "--pkgver",
            "1.0-r2",
        ])
        .args([
            "--pkgarch",
            "noarch",
            "--buildtoolver",
            "3.14.1-r0",
            "--buildenv",
            "!ccache",
        ])
        .args(["--packager", "Jane <jane@example.org>"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    expect(&out, 0);
    let info = BuildInfo::parse(&out.stdout).unwrap().strict().unwrap();
    let sha: String = {
        use sha2::Digest as _;
        sha2::Sha256::digest(apkbuild.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let startdir = recipe.display().to_string();
    for (key, want) in [
        ("format", "2"),
        ("pkgname", "hello-doc"),
        ("pkgbase", "hello"),
        ("pkgver", "1.0-r2"),
        ("pkgarch", "noarch"),
        ("pkgbuild_sha256sum", sha.as_str()),
        ("packager", "Jane <jane@example.org>"),
        ("builddate", "1700000000"),
        ("startdir", startdir.as_str()),
        ("buildtool", "abuild"),
        ("buildtoolver", "3.14.1-r0"),
    ] {
        assert_eq!(info.get(key), Some(want), "{key}");
    }
    assert_eq!(
        info.get("builddir"),
        Some(format!("{startdir}/src").as_str())
    );
    assert_eq!(info.all("options"), ["!check", "net"]);
    assert_eq!(info.all("buildenv"), ["!ccache"]);
    assert_eq!(
        info.all("installed"),
        ["busybox-1.36.1-r2-x86_64", "musl-1.2.5-r0-x86_64"]
    );
    // What it wrote, fmt gives back unchanged.
    let written = dir.path().join("hello-doc.BUILDINFO");
    std::fs::write(&written, &out.stdout).unwrap();
    let again = secfixes(&["buildinfo", "fmt", written.to_str().unwrap()]);
    assert_eq!(again.stdout, out.stdout);

    // Without SOURCE_DATE_EPOCH or --builddate, and with a root that has no database.
    let (root_dir, apkbuild_path) = (
        dir.path().to_str().unwrap().to_owned(),
        recipe.join("APKBUILD").to_str().unwrap().to_owned(),
    );
    let without_db = |extra: &[&str]| {
        let mut args = vec![
            "buildinfo",
            "generate",
            "--root",
            &root_dir,
            "--apkbuild",
            &apkbuild_path,
            "--pkgname",
            "hello",
            "--pkgver",
            "1.0-r2",
            "--pkgarch",
            "x86_64",
            "--buildtoolver",
            "3",
        ];
        args.extend_from_slice(extra);
        secfixes(&args)
    };
    let out = without_db(&[]);
    expect(&out, 2);
    assert!(stderr(&out).contains("builddate"), "{}", stderr(&out));
    let out = without_db(&["--builddate", "1"]);
    expect(&out, 2);
    assert!(
        stderr(&out).contains("lib/apk/db/installed"),
        "{}",
        stderr(&out)
    );
}
