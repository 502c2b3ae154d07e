//! security-rejections files: small hand-written files in `tests/data/rejections`, an
//! run over a gen-corpus output (`SECFIXES_CORPUS=<dir>`, made by `.ci/run`), and a property test
//! that write → read gives the rejections back.
#![allow(clippy::unwrap_used)]

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use secfixes_apk::rejections::{self, Rejection, Rejections};
use secfixes_apk::secdb::{self, Format, SecfixId};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/rejections")
        .join(name)
}

#[test]
fn rationale_and_order() {
    let parsed = rejections::read(&data("main.yaml")).unwrap();
    assert!(parsed.is_clean(), "{:?}", parsed.diagnostics);
    let r = parsed.value;
    let names: Vec<_> = r.packages.keys().map(String::as_str).collect();
    assert_eq!(names, ["openssl", "busybox", "zlib"]);
    assert_eq!(
        r.packages["openssl"].rationale,
        [
            "Only the Windows build of the library is affected.",
            "https://example.org/advisory/1"
        ]
    );
    assert_eq!(r.packages["busybox"].rationale, ["Disputed upstream."]);
    assert!(r.packages["zlib"].rationale.is_empty());
    assert!(r.is_rejected("busybox", "CVE-2021-42373"));
    assert_eq!(
        r.packages["busybox"].ids[0].note(),
        Some("(disputed)"),
        "notes after the id are kept"
    );
    // Written back: the file header (not above a package) and blank lines go.
    assert_eq!(
        rejections::to_yaml(&r),
        "\
# Only the Windows build of the library is affected.
# https://example.org/advisory/1
openssl:
  - CVE-2020-0001
  - CVE-2020-0002
# Disputed upstream.
busybox:
  - CVE-2021-42373 (disputed)
zlib: []
"
    );
}

#[test]
fn problems_are_reported_with_file_and_line() {
    let path = data("problems.yaml");
    let parsed = rejections::read(&path).unwrap();
    let shown: Vec<_> = parsed
        .diagnostics
        .iter()
        .map(|d| d.to_string().replace(&path.display().to_string(), "F"))
        .collect();
    assert_eq!(
        shown,
        [
            "F:3: expat: expected a list of ids, found a string; skipped",
            "F:5: musl: `CVE_2022-0003` is not a well-formed CVE id (CVE-YYYY-NNNN)",
            "F:6: curl: package listed twice (first on line 1); ids merged",
            "F:7: curl: `CVE-2022-0001` listed twice",
        ]
    );
    let curl = &parsed.value.packages["curl"];
    assert_eq!(curl.ids.len(), 2);
    assert!(parsed.strict().is_err());
}

#[test]
fn gen_corpus_shape_round_trips_byte_for_byte() {
    let path = data("gen-corpus-shape.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let r = rejections::read(&path).unwrap().strict().unwrap();
    assert_eq!(rejections::to_yaml(&r), text);
}

#[test]
fn syntax_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    fs::write(&path, "a:\n  - CVE-2020-0001\n b: [\n").unwrap();
    let err = rejections::read(&path).unwrap_err();
    assert_eq!(err.location().file.as_deref(), Some(path.as_path()));
    assert!(err.location().line.is_some(), "{err}");
    let err = rejections::read(&dir.path().join("missing.yaml")).unwrap_err();
    assert_eq!(err.kind(), secfixes_apk::ErrorKind::Io);
}

/// `SECFIXES_CORPUS=<gen-corpus output>` (made by `.ci/run`): its rejections and secdb files.
#[test]
fn gen_corpus_output() {
    let Some(dir) = support::corpus() else { return };
    for repo in ["main", "community"] {
        let path = dir.join("rejections").join(format!("{repo}.yaml"));
        let text = fs::read_to_string(&path).unwrap();
        let r = rejections::read(&path).unwrap().strict().unwrap();
        assert_eq!(rejections::to_yaml(&r), text, "{}", path.display());
    }
    let mut count = 0;
    for branch in fs::read_dir(dir.join("secdb")).unwrap() {
        for file in fs::read_dir(branch.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let text = fs::read_to_string(&path).unwrap();
            let parsed = secdb::read(&path, Format::Json).unwrap();
            assert_eq!(
                secdb::to_json(&parsed.value),
                text.trim_end_matches('\n'),
                "{}",
                path.display()
            );
            count += 1;
        }
    }
    assert!(count > 0);
}

fn rejections_strategy() -> impl Strategy<Value = Rejections> {
    let name = "\\PC{0,10}";
    let id = "\\PC{0,16}";
    let comment = "[^\n]{0,20}";
    prop::collection::vec(
        (
            name,
            prop::collection::vec(id, 0..4),
            prop::collection::vec(comment, 0..3),
        ),
        0..5,
    )
    .prop_map(|entries| {
        let mut r = Rejections::new();
        for (name, ids, rationale) in entries {
            let mut ids: Vec<SecfixId> = ids.into_iter().map(SecfixId::new).collect();
            ids.dedup();
            let mut unique = Vec::new();
            for id in ids {
                if !unique.contains(&id) {
                    unique.push(id);
                }
            }
            r.packages.entry(name).or_insert(Rejection {
                ids: unique,
                rationale,
            });
        }
        r
    })
}

/// Rationale as it reads back: characters YAML comments cannot hold become spaces, and
/// trailing whitespace goes.
fn normalised(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            l.chars()
                .map(|c| {
                    let bad = (c.is_control() && c != '\t')
                        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}');
                    if bad { ' ' } else { c }
                })
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

proptest! {
    #[test]
    fn write_then_read_gives_the_rejections_back(r in rejections_strategy()) {
        let text = rejections::to_yaml(&r);
        let back = rejections::from_yaml(&text);
        prop_assert!(back.is_ok(), "{:?}\n{}", back.err(), text);
        let back = back.unwrap();
        prop_assert_eq!(back.value.packages.len(), r.packages.len(), "{}", text);
        for ((name_a, a), (name_b, b)) in back.value.packages.iter().zip(&r.packages) {
            prop_assert_eq!(name_a, name_b);
            prop_assert_eq!(&a.ids, &b.ids, "{}", text);
            prop_assert_eq!(&a.rationale, &normalised(&b.rationale), "{}", text);
        }
        // Writing again gives the same text (rationale is normalised once, then stable).
        prop_assert_eq!(rejections::to_yaml(&back.value), text);
    }
}
