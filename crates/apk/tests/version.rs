//! Version conformance on real data: apk-tools' own test vectors and 13,979 real Alpine
//! version pairs.
#![allow(clippy::unwrap_used)]

mod support;

use std::cmp::Ordering;
use std::path::Path;

use secfixes_apk::version::{self, Op};

/// One line of apk-tools' `version.data`, judged as apk-tools' unit test does:
/// `ver` must be valid, `!ver` invalid, `a OP b` true and `a !OP b` false.
/// Returns `None` for blank and comment lines.
fn judge_line(line: &str) -> Option<bool> {
    let line = line.split('#').next().unwrap_or("").trim();
    if line.is_empty() {
        return None;
    }
    let mut parts = line.splitn(3, ' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(op), Some(b)) => {
            // An unknown operator matches nothing, as apk_version_result_mask gives 0.
            Some(Op::parse(op).is_ok_and(|op| op.matches(a, b.trim())))
        }
        _ => Some(match line.strip_prefix('!') {
            Some(v) => !version::is_valid(v),
            None => version::is_valid(line),
        }),
    }
}

fn failing_lines(path: &Path) -> (usize, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut checked = 0;
    let mut failing = Vec::new();
    for line in text.lines() {
        if let Some(ok) = judge_line(line) {
            checked += 1;
            if !ok {
                failing.push(line.to_string());
            }
        }
    }
    (checked, failing)
}

#[test]
fn every_apk_tools_3_vector_passes() {
    let Some(dir) = support::fixtures() else {
        return;
    };
    let (checked, failing) = failing_lines(&dir.join("apk-tools/version.data.master"));
    assert!(checked > 700, "only {checked} lines checked");
    assert!(failing.is_empty(), "failing lines:\n{}", failing.join("\n"));
}

/// apk-tools 3 keeps every 2.14 vector; the ones it added (leading zeros after a dot,
/// `~hash`, `<~` and `>~`, stricter validity) are where 2.x differs, as the `version`
/// module documents.
#[test]
fn apk_tools_2_vectors_still_hold() {
    let Some(dir) = support::fixtures() else {
        return;
    };
    let (checked, failing) = failing_lines(&dir.join("apk-tools/version.data.2.14-stable"));
    assert!(checked > 700, "only {checked} lines checked");
    assert!(failing.is_empty(), "failing lines:\n{}", failing.join("\n"));

    let lines = |name: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(name))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let v2 = lines("apk-tools/version.data.2.14-stable");
    let added: Vec<String> = lines("apk-tools/version.data.master")
        .into_iter()
        .filter(|l| !l.trim().is_empty() && !v2.contains(l))
        .collect();
    for probe in [
        "8.2.0 < 8.2.001",
        "1.0~1234 < 1.0~2345",
        "3.5 <~ 3.6",
        "!0.1_foobar",
    ] {
        assert!(
            added.iter().any(|l| l == probe),
            "{probe} is not a 3.x addition"
        );
    }
}

#[test]
fn real_alpine_pairs_compare_as_apk_tools_3() {
    let Some(dir) = support::fixtures() else {
        return;
    };
    let path = dir.join("apk-tools/osv-semantic/alpine-versions-generated.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let mut pairs = 0;
    let mut invalid_pairs = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let (a, op, b) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert_eq!(op, "<", "{line}");
        pairs += 1;
        if !version::is_valid(a) || !version::is_valid(b) {
            invalid_pairs.push(line.to_string());
            assert!(
                version::validate(a).is_err() || version::validate(b).is_err(),
                "{line}"
            );
            continue;
        }
        assert_eq!(version::compare(a, b), Ordering::Less, "{line}");
        assert_eq!(version::compare(b, a), Ordering::Greater, "{line}");
    }
    assert_eq!(pairs, 13_979);
    // Versions such as `5.1p1-r0`, which apk-tools 3 rejects (checked against it).
    assert_eq!(invalid_pairs.len(), 58, "{}", invalid_pairs.join("\n"));
}

/// Differential check against apk-tools 3 itself. Needs a truth file made by a harness
/// around apk-tools' `apk_version_validate`, `apk_version_compare` and `apk_version_match`
/// (lines `a b valid_a valid_b cmp [fuzzy]`), which cannot ship with this repository;
/// run with `APK_TOOLS_TRUTH=FILE cargo test -p secfixes-apk --test version -- --ignored`.
#[test]
#[ignore = "needs a truth file produced by apk-tools 3 (APK_TOOLS_TRUTH)"]
fn differential_against_apk_tools_3() {
    let path = std::env::var("APK_TOOLS_TRUTH").expect("APK_TOOLS_TRUTH");
    let text = std::fs::read_to_string(path).unwrap();
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() < 5 {
            continue;
        }
        let (a, b) = (f[0], f[1]);
        let ours = format!(
            "{} {} {}",
            u8::from(version::is_valid(a)),
            u8::from(version::is_valid(b)),
            match version::compare(a, b) {
                Ordering::Less => "<",
                Ordering::Equal => "=",
                Ordering::Greater => ">",
            }
        );
        let mut theirs = f[2..5].join(" ");
        let mut ours = ours;
        if let Some(fuzzy) = f.get(5) {
            theirs.push_str(&format!(" {fuzzy}"));
            ours.push_str(&format!(
                " {}",
                u8::from(Op::parse("~").unwrap().matches(a, b))
            ));
        }
        checked += 1;
        if ours != theirs {
            mismatches.push(format!("{a} {b}: apk-tools {theirs}, ours {ours}"));
        }
    }
    eprintln!("{checked} pairs checked against apk-tools 3");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(30)].join("\n")
    );
}
