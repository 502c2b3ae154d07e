//! `secfixes cpe match` and `secfixes cpe parse`: output and exit statuses.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn secfixes(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secfixes"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn match_true_false() {
    let o = secfixes(&[
        "cpe",
        "match",
        "cpe:2.3:a:alpinelinux:apk-tools:*:*:*:*:*:*:*:*",
        "cpe:2.3:a:alpinelinux:apk-tools:2.12.5:*:*:*:*:*:*:*",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "true\n");

    let o = secfixes(&[
        "cpe",
        "match",
        "cpe:2.3:a:alpinelinux:apk-tools:2.12.5:*:*:*:*:*:*:*",
        "cpe:2.3:a:alpinelinux:apk-tools:*:*:*:*:*:*:*:*",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), "false\n");

    let o = secfixes(&[
        "cpe",
        "match",
        "cpe:2.3:a:busybox:busy*:*:*:*:*:*:*:*:*",
        "cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*",
    ]);
    assert_eq!(stdout(&o), "true\n");
}

#[test]
fn invalid_cpe_is_an_error_naming_it() {
    let o = secfixes(&[
        "cpe",
        "match",
        "cpe:2.3:a:v:p:*:*:*:*:*:*:*:*",
        "cpe:2.3:q:v:p:1:*:*:*:*:*:*:*",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("cpe:2.3:q:v:p:1:*:*:*:*:*:*:*"), "{err}");
    assert!(err.contains("part"), "{err}");
    assert!(stdout(&o).is_empty());

    let o = secfixes(&["cpe", "parse", "cpe:2.3:a:v"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("found 2"), "{}", stderr(&o));
}

#[test]
fn parse_prints_attributes_as_json() {
    let o = secfixes(&[
        "cpe",
        "parse",
        r"cpe:2.3:a:nodejs:node.js:1.0\+x:*:*:*:*:node.js:*:-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["cpe"],
        r"cpe:2.3:a:nodejs:node.js:1.0\+x:*:*:*:*:node.js:*:-"
    );
    assert_eq!(v["part"], "a");
    assert_eq!(v["product"], "node.js");
    assert_eq!(v["version"], "1.0+x");
    assert_eq!(v["update"], "ANY");
    assert_eq!(v["target_sw"], "node.js");
    assert_eq!(v["other"], "NA");

    let o = secfixes(&["cpe", "parse", "cpe:2.3:a:v:foo*:*:*:*:*:*:*:*:*"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["product"]["pattern"], "foo*");
}
