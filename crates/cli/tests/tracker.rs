//! The tracker commands end to end through the binary: `sync`, `update`, `import`,
//! `report branch` and `explain` on SQLite databases in temporary directories; the
//! configuration and database options; failed imports that must leave the store as it
//! was; log lines when stderr is not a terminal; a closed stdout.
//!
//! Most tests use the tiny distribution of the tracker's own tests
//! (`crates/tracker/tests/data/pipeline`, read by path); the real-data tests use the
//! v3.16 data in `../shared/fixtures` with `examples/fixtures-3.16.toml`.
#![allow(clippy::unwrap_used)]

#[path = "../../apk/tests/support/mod.rs"]
mod support;

mod outcome;

use outcome::{expect, stderr, stdout};

use std::borrow::BorrowMut;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use secfixes_apk::apkindex;

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The tiny distribution's files (config, index text, secdb, rejections, NVD records).
fn pipeline() -> PathBuf {
    root().join("crates/tracker/tests/data/pipeline")
}

/// The binary, run in `cwd` with no database or NVD key from the caller's environment.
fn secfixes(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_secfixes"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("SECFIXES_DATABASE")
        .env_remove("NVD_API_KEY");
    cmd
}

/// Runs a command (owned, or borrowed after adding arguments) to its end.
fn output(mut cmd: impl BorrowMut<Command>) -> Output {
    cmd.borrow_mut().output().unwrap()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The `step: N records read, M changed` log lines of a sync, as (step, read, changed).
fn steps(stderr: &str) -> Vec<(String, u64, u64)> {
    stderr
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("secfixes: ")?;
            let (name, rest) = rest.split_once(": ")?;
            let (read, rest) = rest.split_once(" records read, ")?;
            let (changed, rest) = rest.split_once(" changed in ")?;
            let secs = rest.strip_suffix(" s")?;
            secs.parse::<f64>().ok()?;
            Some((name.to_owned(), read.parse().ok()?, changed.parse().ok()?))
        })
        .collect()
}

/// The rows of `report branch TAG --json [--all]`.
fn json_rows(out: &Output) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    rows.into_iter()
        .map(|r| r.as_object().unwrap().clone())
        .collect()
}

/// A scratch copy of the tiny distribution's data (indexes made unsigned per arch) and a
/// database beside it; the configuration is read from tests/data by path.
struct Dist {
    dir: tempfile::TempDir,
}

impl Dist {
    const TAG: &'static str = "1.0-main";

    fn new() -> Dist {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["secdb", "rejections", "nvd"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
            for entry in std::fs::read_dir(pipeline().join(sub)).unwrap() {
                let path = entry.unwrap().path();
                std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
        let text = std::fs::read_to_string(pipeline().join("APKINDEX")).unwrap();
        for arch in ["x86_64", "aarch64"] {
            let text = text.replace("A:x86_64", &format!("A:{arch}"));
            let bytes = apkindex::write_unsigned(&text, Some("v1.0-test"), 1_700_000_000).unwrap();
            let path = dir.path().join(format!("v1.0/main/{arch}/APKINDEX.tar.gz"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        std::fs::create_dir(dir.path().join("work")).unwrap();
        Dist { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// An empty working directory (no `secfixes.toml`).
    fn work(&self) -> PathBuf {
        self.path("work")
    }

    fn database(&self) -> String {
        format!("sqlite:{}", s(&self.path("store.db")))
    }

    /// `secfixes COMMAND… --config … --data-dir … --database …`.
    fn run(&self, args: &[&str]) -> Output {
        let config = pipeline().join("secfixes.toml");
        let db = self.database();
        output(secfixes(&self.work(), args).args([
            "--config",
            s(&config),
            "--data-dir",
            s(self.dir.path()),
            "--database",
            &db,
        ]))
    }

    /// `report branch 1.0-main --json --all` from the database alone.
    fn report_all(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        let db = self.database();
        let out = output(secfixes(
            &self.work(),
            &[
                "report",
                "branch",
                Dist::TAG,
                "--json",
                "--all",
                "--database",
                &db,
            ],
        ));
        expect(&out, 0);
        json_rows(&out)
    }

    fn synced() -> Dist {
        let dist = Dist::new();
        expect(&dist.run(&["sync"]), 0);
        dist
    }
}

/// With stderr not a terminal, sync logs one plain line per step and no bar.
#[test]
fn sync_logs_one_line_per_step_without_control_characters() {
    let dist = Dist::new();
    let out = dist.run(&["sync"]);
    expect(&out, 0);
    let err = stderr(&out);
    assert!(
        !err.chars().any(|c| c.is_control() && c != '\n'),
        "control characters on stderr: {err:?}"
    );
    let names: Vec<String> = steps(&err).into_iter().map(|(n, _, _)| n).collect();
    assert_eq!(
        names,
        ["apkindex", "secdb", "aports", "rejections", "nvd"],
        "{err}"
    );
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with("secfixes: update: ") && last.contains(" changed; sync took "),
        "{err}"
    );
    // The tiny distribution has something for every step but aports.
    for (name, read, changed) in steps(&err) {
        if name != "aports" {
            assert!(read > 0 && changed > 0, "{name}: {err}");
        }
    }
}

/// A second sync reads everything again and changes nothing; a full update agrees.
#[test]
fn sync_twice_changes_nothing() {
    let dist = Dist::synced();
    let before = dist.report_all();
    assert!(!before.is_empty());
    let out = dist.run(&["sync"]);
    expect(&out, 0);
    let err = stderr(&out);
    let steps = steps(&err);
    assert_eq!(steps.len(), 5, "{err}");
    for (name, _, changed) in &steps {
        assert_eq!(*changed, 0, "{name}: {err}");
    }
    assert!(err.contains(", 0 changed; sync took "), "{err}");
    let out = dist.run(&["update", "--full"]);
    expect(&out, 0);
    assert!(stderr(&out).contains("(full)"), "{}", stderr(&out));
    assert!(stderr(&out).contains(" 0 changed in "), "{}", stderr(&out));
    assert_eq!(dist.report_all(), before);
}

/// A corrupt secdb fails its import with the file named, and the store keeps the
/// previous fixes: the report, also after an update, is what it was.
#[test]
fn failed_secdb_import_changes_nothing() {
    let dist = Dist::synced();
    let before = dist.report_all();
    assert!(
        before.iter().any(|r| r["state"] == "fixed"),
        "the secdb gives a fix: {before:?}"
    );
    let secdb = dist.path("secdb/v1.0-main.json");
    let text = std::fs::read_to_string(&secdb).unwrap();
    std::fs::write(&secdb, &text[..text.len() / 2]).unwrap();
    let out = dist.run(&["import", "secdb"]);
    expect(&out, 2);
    assert!(stderr(&out).contains("v1.0-main.json"), "{}", stderr(&out));
    assert_eq!(dist.report_all(), before);
    expect(&dist.run(&["update"]), 0);
    assert_eq!(dist.report_all(), before);
    // And an unknown repository is refused before anything is read.
    let out = dist.run(&["import", "secdb", "--repo", "9.9-main"]);
    expect(&out, 2);
    assert!(stderr(&out).contains("9.9-main"), "{}", stderr(&out));
}

/// Reports need no configuration file: `--database` is enough, and nothing is created in
/// the working directory.
#[test]
fn report_without_configuration_file() {
    let dist = Dist::synced();
    let empty = tempfile::tempdir().unwrap();
    let db = dist.database();
    let out = output(secfixes(
        empty.path(),
        &["report", "branch", Dist::TAG, "--database", &db],
    ));
    expect(&out, 0);
    assert!(stdout(&out).starts_with("ORIGIN "), "{}", stdout(&out));
    assert!(stdout(&out).lines().count() > 1, "{}", stdout(&out));
    let out = output(secfixes(
        empty.path(),
        &[
            "explain",
            "CVE-2099-1001",
            "libfoo",
            Dist::TAG,
            "--database",
            &db,
        ],
    ));
    expect(&out, 0);
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
    // An explicit --config must exist, for reports too.
    let out = output(secfixes(
        empty.path(),
        &[
            "report",
            "branch",
            Dist::TAG,
            "--database",
            &db,
            "--config",
            "gone.toml",
        ],
    ));
    expect(&out, 2);
    assert!(stderr(&out).contains("gone.toml"), "{}", stderr(&out));
}

/// `SECFIXES_DATABASE` is used when `--database` is not given, and `--database` wins.
#[test]
fn database_from_environment_and_option() {
    let dist = Dist::synced();
    let db = dist.database();
    let other = format!("sqlite:{}", s(&dist.path("other.db")));
    let report = |env: &str, args: &[&str]| {
        let mut cmd = secfixes(&dist.work(), &["report", "branch", Dist::TAG]);
        cmd.args(args).env("SECFIXES_DATABASE", env);
        output(&mut cmd)
    };
    let out = report(&db, &[]);
    expect(&out, 0);
    let rows = stdout(&out);
    // The other database is empty: no such repository, with a hint.
    let out = report(&other, &[]);
    expect(&out, 2);
    assert!(
        stderr(&out).contains("import an index first"),
        "{}",
        stderr(&out)
    );
    let out = report(&other, &["--database", &db]);
    expect(&out, 0);
    assert_eq!(stdout(&out), rows);
    let out = report(&db, &["--database", &other]);
    expect(&out, 2);
}

/// A URL of an unsupported database is refused with what is supported.
#[test]
fn bad_database_url() {
    let dist = Dist::new();
    for args in [
        &["report", "branch", Dist::TAG][..],
        &["explain", "CVE-2099-1001", "libfoo", Dist::TAG],
    ] {
        let mut cmd = secfixes(&dist.work(), args);
        cmd.args(["--database", "mysql://user@localhost/secfixes"]);
        let out = output(&mut cmd);
        expect(&out, 2);
        let err = stderr(&out);
        assert!(err.contains("mysql://user@localhost/secfixes"), "{err}");
        assert!(
            err.contains("sqlite:PATH") && err.contains("postgres://"),
            "{err}"
        );
    }
    let out = output(secfixes(&dist.work(), &["sync"]).env("SECFIXES_DATABASE", "mysql://x/y"));
    expect(&out, 2);
}

/// A mistake in the configuration stops every command at start with the file, the line
/// and the reason; a missing configuration file is named.
#[test]
fn configuration_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", s(&dir.path().join("store.db")));
    let cases = [
        (
            "typo.toml",
            "[distribution]\nname = \"x\"\n\n[sources]\nallow_untrusted = true\nkyes = \"keys\"\n",
            ":6:",
            "kyes",
        ),
        (
            "value.toml",
            "[distribution]\nname = \"x\"\n\n[sources]\nallow_untrusted = \"yes\"\n",
            ":5:",
            "allow_untrusted",
        ),
        (
            "section.toml",
            "[distribution]\nname = \"x\"\n\n[sourcez]\n",
            ":4:",
            "sourcez",
        ),
    ];
    for (name, text, line, word) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        for command in [&["sync"][..], &["update"], &["import", "secdb"]] {
            let out = output(secfixes(dir.path(), command).args([
                "--config",
                s(&path),
                "--database",
                &db,
            ]));
            expect(&out, 2);
            let err = stderr(&out);
            assert!(
                err.contains(&format!("{name}{line}")) && err.contains(word),
                "{command:?} {name}: {err}"
            );
        }
    }
    let out = output(secfixes(dir.path(), &["sync"]).args([
        "--config",
        "missing.toml",
        "--database",
        &db,
    ]));
    expect(&out, 2);
    assert!(stderr(&out).contains("missing.toml"), "{}", stderr(&out));
    // Without --config, sync wants secfixes.toml in the working directory.
    let out = output(secfixes(dir.path(), &["sync"]).args(["--database", &db]));
    expect(&out, 2);
    assert!(stderr(&out).contains("secfixes.toml"), "{}", stderr(&out));
    // Nothing was created: every failure came before the database was opened.
    assert!(!dir.path().join("store.db").exists());
}

/// A reader that stops early (`secfixes report … | head`) is not an error: exit 0 and
/// nothing on stderr.
#[test]
fn closed_stdout_is_not_an_error() {
    let dist = Dist::synced();
    let db = dist.database();
    for json in [false, true] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = secfixes(
            &dist.work(),
            &["report", "branch", Dist::TAG, "--all", "--database", &db],
        );
        if json {
            cmd.arg("--json");
        }
        let out = cmd
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        expect(&out, 0);
        assert_eq!(stderr(&out), "", "json: {json}");
    }
}

/// The real v3.16 data: sync, the branch report in JSON and as a table, explanations,
/// unknown branches, then a second sync and a full update that change nothing.
#[test]
fn real_data_sync_reports_and_explains() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", s(&dir.path().join("fixtures.db")));
    let config = root().join("examples/fixtures-3.16.toml");
    let store = |args: &[&str]| {
        output(secfixes(dir.path(), args).args([
            "--config",
            s(&config),
            "--data-dir",
            s(&fixtures),
            "--database",
            &db,
        ]))
    };
    let query = |args: &[&str]| output(secfixes(dir.path(), args).args(["--database", &db]));

    let out = store(&["sync"]);
    expect(&out, 0);
    let first = steps(&stderr(&out));
    assert_eq!(first.len(), 5, "{}", stderr(&out));
    assert!(first.iter().any(|(n, _, c)| n == "apkindex" && *c > 0));

    // JSON rows: exactly the documented fields; only open states without --all.
    let out = query(&["report", "branch", "3.16-main", "--json"]);
    expect(&out, 0);
    let open = json_rows(&out);
    assert!(!open.is_empty());
    for row in &open {
        let mut keys: Vec<&str> = row.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "cve",
                "fixed_version",
                "maintainer",
                "origin",
                "severity",
                "state",
                "version"
            ]
        );
        let state = row["state"].as_str().unwrap();
        assert!(
            ["vulnerable", "possibly-vulnerable", "unknown"].contains(&state),
            "{row:?}"
        );
    }
    let find = |rows: &[serde_json::Map<String, serde_json::Value>], origin: &str, cve: &str| {
        rows.iter()
            .find(|r| r["origin"] == origin && r["cve"] == cve)
            .cloned()
    };
    // The fix for the openssl CVE came after the published 1.1.1s-r0.
    let openssl = find(&open, "openssl", "CVE-2023-5678").expect("openssl CVE-2023-5678");
    assert_eq!(openssl["state"], "vulnerable");
    assert_eq!(openssl["version"], "1.1.1s-r0");
    assert_eq!(openssl["fixed_version"], "1.1.1w-r1");
    assert!(openssl["maintainer"].as_str().unwrap().contains('@'));
    assert!(find(&open, "zlib", "CVE-2022-37434").is_none());

    let out = query(&["report", "branch", "3.16-main", "--json", "--all"]);
    expect(&out, 0);
    let all = json_rows(&out);
    assert!(all.len() > open.len());
    let zlib = find(&all, "zlib", "CVE-2022-37434").expect("zlib CVE-2022-37434");
    assert_eq!(zlib["state"], "fixed");
    assert_eq!(zlib["fixed_version"], "1.2.12-r2");
    assert_eq!(zlib["severity"], "critical");
    assert!(all.iter().any(|r| r["state"] == "not-affected"));

    // The table: a header, then one line per open row.
    let out = query(&["report", "branch", "3.16-main"]);
    expect(&out, 0);
    let table = stdout(&out);
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "ORIGIN",
            "VERSION",
            "CVE",
            "STATE",
            "FIXED",
            "IN",
            "SEVERITY",
            "MAINTAINER"
        ]
    );
    assert_eq!(lines.count(), open.len());
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("openssl ") && l.contains("CVE-2023-5678")),
        "{table}"
    );

    // The explanation names the fix and the NVD rule it overrides.
    let out = query(&["explain", "CVE-2022-37434", "zlib", "3.16-main"]);
    expect(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("zlib 1.2.12-r3 in 3.16-main: fixed"),
        "{text}"
    );
    assert!(text.contains("fix 1.2.12-r2 from secdb"), "{text}");
    assert!(
        text.contains("cpe:2.3:a:zlib:zlib:*:*:*:*:*:*:*:*"),
        "{text}"
    );
    assert!(text.contains("<=1.2.12"), "{text}");

    // No verdict: exit 1, saying so.
    let out = query(&["explain", "CVE-2022-37434", "openssl", "3.16-main"]);
    expect(&out, 1);
    assert!(stdout(&out).contains("no verdict"), "{}", stdout(&out));

    // An unknown branch: exit 2 naming the known ones.
    for args in [
        &["report", "branch", "3.99-main"][..],
        &["explain", "CVE-2022-37434", "zlib", "3.99-main"],
    ] {
        let out = query(args);
        expect(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains("3.99-main") && err.contains("3.16-main"),
            "{err}"
        );
    }

    // Again: every step reads the same records and changes nothing.
    let out = store(&["sync"]);
    expect(&out, 0);
    let second = steps(&stderr(&out));
    assert_eq!(second.len(), first.len(), "{}", stderr(&out));
    for ((name, read, changed), (name1, read1, _)) in second.iter().zip(&first) {
        assert_eq!((name, read), (name1, read1));
        assert_eq!(*changed, 0, "{name}: {}", stderr(&out));
    }
    assert!(
        stderr(&out).contains(" 0 changed; sync took "),
        "{}",
        stderr(&out)
    );
    let out = store(&["update", "--full"]);
    expect(&out, 0);
    assert!(stderr(&out).contains(" 0 changed in "), "{}", stderr(&out));
    let out = query(&["report", "branch", "3.16-main", "--json", "--all"]);
    assert_eq!(json_rows(&out), all);
}
