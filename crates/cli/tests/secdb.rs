//! `secfixes secdb` and `secfixes apkbuild`: exit codes, messages and round trips.
#![allow(clippy::unwrap_used)]

#[path = "../../apk/tests/support/mod.rs"]
mod support;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn secfixes(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secfixes"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

const CLEAN: &str = r#"{
  "reponame": "main",
  "packages": [
    {
      "pkg": {
        "name": "musl",
        "secfixes": {
          "1.1.15-r4": [
            "CVE-2016-8859"
          ]
        }
      }
    }
  ]
}
"#;

const ODD: &str = r#"{"reponame": "main", "packages": [
  {"pkg": {"name": "xen", "secfixes": {"4.10-1-r1": ["XSA-252"], "4.10.0-r2": ["CVE_2018-7540"]}}}
]}"#;

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn check_exit_codes_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let clean = write(dir.path(), "clean.json", CLEAN);
    let odd = write(dir.path(), "odd.json", ODD);
    let broken = write(dir.path(), "broken.json", "{\"packages\": [");

    let out = secfixes(&["secdb", "check", &clean]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());

    let out = secfixes(&["secdb", "check", &clean, &odd]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        format!(
            "{odd}: xen: 4.10-1-r1: `4.10-1-r1` is not a valid apk version (invalid from `-1-r1`)\n\
             {odd}: xen: 4.10.0-r2: `CVE_2018-7540` is not a well-formed CVE id (CVE-YYYY-NNNN)\n"
        )
    );

    // A broken file: exit 2, and the other files are still checked.
    let out = secfixes(&["secdb", "check", &broken, &odd]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout).lines().count(), 2);
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!("secfixes: error: {broken}:1: truncated: ")),
        "{err}"
    );

    let out = secfixes(&["secdb", "check", "/nonexistent/main.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/main.json"));

    // Not a secdb document.
    let list = write(dir.path(), "list.json", "[]");
    let out = secfixes(&["secdb", "check", &list]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("expected a secdb document"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn fmt_round_trips_and_converts() {
    let dir = tempfile::tempdir().unwrap();
    let clean = write(dir.path(), "clean.json", CLEAN);
    let out = secfixes(&["secdb", "fmt", &clean]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), CLEAN);

    // Compact input comes out in the canonical layout; problems go to stderr.
    let odd = write(dir.path(), "odd.json", ODD);
    let out = secfixes(&["secdb", "fmt", &odd]);
    assert_eq!(out.status.code(), Some(0));
    let written = text(&out.stdout);
    assert!(written.starts_with("{\n  \"reponame\": \"main\",\n  \"packages\": [\n"));
    assert!(!written.ends_with('\n'), "the input had no final newline");
    assert_eq!(text(&out.stderr).lines().count(), 2);
    assert!(text(&out.stderr).starts_with("secfixes: warning: "));

    // YAML in, JSON out.
    let yaml = write(
        dir.path(),
        "main.yaml",
        "reponame: main\npackages:\n  - pkg:\n      name: musl\n      secfixes:\n        1.1.15-r4:\n          - CVE-2016-8859\n",
    );
    let out = secfixes(&["secdb", "fmt", &yaml]);
    assert_eq!(text(&out.stdout), CLEAN);

    // stdin, and the vuln-list form.
    let mut child = Command::new(env!("CARGO_BIN_EXE_secfixes"))
        .args(["secdb", "fmt", "--format", "vuln-list", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"name": "musl", "secfixes": {"1.1.15-r4": ["CVE-2016-8859"]}, "reponame": "main"}"#)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), CLEAN.trim_end());

    let out = secfixes(&["secdb", "fmt", "/nonexistent/main.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fmt_gives_real_files_back_byte_for_byte() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    for rel in [
        "secdb/v3.16-main.partial.json",
        "secdb/vunnel-fixtures/wolfi-security.json",
        "secdb/vunnel-fixtures/chainguard-security.json",
        "secdb/alpine-secdb-git-as-json/v3.11/main.json",
    ] {
        let path = fx.join(rel);
        let out = secfixes(&["secdb", "fmt", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{rel}");
        assert!(out.stdout == fs::read(&path).unwrap(), "{rel}");
    }
    // The historical YAML becomes its JSON twin.
    let yaml = fx.join("secdb/alpine-secdb-git/v3.4/community.yaml");
    let twin =
        fs::read_to_string(fx.join("secdb/alpine-secdb-git-as-json/v3.4/community.json")).unwrap();
    let out = secfixes(&["secdb", "fmt", yaml.to_str().unwrap()]);
    assert_eq!(text(&out.stdout).trim_end(), twin);
}

#[test]
fn check_real_files() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let clean = fx.join("secdb/v3.16-main.partial.json");
    let out = secfixes(&["secdb", "check", clean.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let odd = fx.join("secdb/vulnerablecode-secdb-index-pages/v3.11-main.truncated.json");
    let out = secfixes(&["secdb", "check", odd.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains(": xen: 4.10-1-r1: "));
}

#[test]
fn apkbuild_secfixes_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good",
        "pkgname=foo\npkgver=1.2\npkgrel=0\n# secfixes:\n#   1.2-r0:\n#     - CVE-2020-0001\n#   0:\n#     - CVE-2020-0002\n",
    );
    let out = secfixes(&["apkbuild", "secfixes", &good]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
    assert_eq!(
        text(&out.stdout),
        format!(
            "{{\"file\":\"{good}\",\"pkgname\":\"foo\",\"pkgver\":\"1.2\",\"pkgrel\":\"0\",\"secfixes\":{{\"1.2-r0\":[\"CVE-2020-0001\"],\"0\":[\"CVE-2020-0002\"]}}}}\n"
        )
    );

    let bad = write(
        dir.path(),
        "bad",
        "pkgname=bar\npkgver=${_v}\n# secfixes:\n#     - CVE-2020-0009\n#   1.0-r0:\n#     - CVE-2020-0001\n#   oops\n",
    );
    let out = secfixes(&["apkbuild", "secfixes", &good, &bad]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["pkgver"], serde_json::Value::Null);
    assert_eq!(lines[1]["unresolved"]["pkgver"], "${_v}");
    assert_eq!(lines[1]["pkgrel"], serde_json::Value::Null);
    assert_eq!(lines[1]["secfixes"]["1.0-r0"][0], "CVE-2020-0001");
    assert_eq!(
        text(&out.stderr),
        format!(
            "{bad}:4: id `CVE-2020-0009` comes before any version; skipped\n\
             {bad}:7: `oops` is neither a version line (`#   1.2.3-r0:`) nor an id line (`#     - CVE-…`); skipped\n"
        )
    );

    let out = secfixes(&["apkbuild", "secfixes", "/nonexistent/APKBUILD", &good]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout).lines().count(), 1);
    assert!(text(&out.stderr).starts_with("secfixes: error: /nonexistent/APKBUILD: "));
}

#[test]
fn apkbuild_real_aports() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let dirs: Vec<String> = ["busybox", "curl", "expat", "libxml2", "musl", "openssl"]
        .iter()
        .map(|n| fx.join("aports/main").join(n).to_str().unwrap().to_string())
        .collect();
    let mut args = vec!["apkbuild", "secfixes"];
    args.extend(dirs.iter().map(String::as_str));
    let out = secfixes(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["pkgname"], "busybox");
    assert_eq!(lines[0]["secfixes"]["1.29.3-r10"][1], "CVE-2019-5747");
    let curl = lines[1]["secfixes"].as_object().unwrap();
    assert_eq!(curl.keys().next_back().map(String::as_str), Some("0"));
}

#[test]
fn help_describes_the_subcommands() {
    let out = secfixes(&["secdb", "--help"]);
    let help = text(&out.stdout);
    assert!(help.contains("check") && help.contains("fmt"), "{help}");
    let out = secfixes(&["apkbuild", "--help"]);
    assert!(text(&out.stdout).contains("secfixes"));
}
