//! `secfixes version` as scripts use it: exact output and exit statuses.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn secfixes(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_secfixes"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn compare_prints_the_relation() {
    for (a, b, expected) in [
        ("1.35.0-r17", "1.35.0-r18", "<\n"),
        ("1.0", "1.0", "=\n"),
        ("1.0_p1", "1.0_rc1", ">\n"),
    ] {
        let o = secfixes(&["version", "compare", a, b], None);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(stdout(&o), expected);
    }
}

#[test]
fn compare_rejects_an_invalid_version_with_exit_2() {
    let o = secfixes(&["version", "compare", "1.0", "5.1p1-r0"], None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("`5.1p1-r0`"), "{}", stderr(&o));
}

#[test]
fn compare_batch_never_aborts() {
    let o = secfixes(
        &["version", "compare", "--batch"],
        Some("1.0 1.1\nbad 1.0\n2.0 1.0\n"),
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "<\n!\n>\n");
}

#[test]
fn check_names_each_invalid_version() {
    let o = secfixes(&["version", "check", "1.0", "2.0-r1"], None);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");

    let o = secfixes(&["version", "check", "1.0", "1.0-r", "0.1_foobar"], None);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains("`1.0-r`") && out.contains("`0.1_foobar`"),
        "{out}"
    );
}

#[test]
fn match_applies_operators() {
    let o = secfixes(&["version", "match", "3.6.9", "~", "3.6"], None);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "true\n"));
    let o = secfixes(&["version", "match", "3.6.9", "!~", "3.6"], None);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(1), "false\n"));
    let o = secfixes(&["version", "match", "1", "=>=", "2"], None);
    assert_eq!(o.status.code(), Some(1));
    let o = secfixes(&["version", "match", "1", "<>x", "2"], None);
    assert_eq!(o.status.code(), Some(2));
}
