//! `secfixes export secdb` through the binary, on a temporary SQLite store holding the
//! tracker's bundled demo (synced from `crates/tracker/demo`): the export of each
//! repository is the demo's secdb file (which ends with a newline, the export does not),
//! to stdout and to a file written through a temporary one; an unknown branch or
//! repository exits 2 naming it.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The bundled demo's directory.
fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tracker/demo")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn expect(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// A temporary directory with the synced demo in `store.db` and an empty `work/`.
struct Store {
    dir: tempfile::TempDir,
}

impl Store {
    fn new() -> Store {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("work")).unwrap();
        let store = Store { dir };
        let demo = demo_dir();
        let config = demo.join("demo.toml");
        let out = store.run(&[
            "sync",
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            demo.to_str().unwrap(),
        ]);
        expect(&out, 0);
        store
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `secfixes ARGS… --database …`, run in `work/` (no `secfixes.toml`).
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_secfixes"))
            .args(args)
            .args([
                "--database",
                &format!("sqlite:{}", self.path("store.db").display()),
            ])
            .current_dir(self.path("work"))
            .env_remove("SECFIXES_DATABASE")
            .output()
            .unwrap()
    }
}

/// The demo's secdb file of a repository, without its final newline.
fn demo_secdb(branch: &str, repo: &str) -> String {
    let text =
        std::fs::read_to_string(demo_dir().join(format!("secdb/{branch}/{repo}.json"))).unwrap();
    text.strip_suffix('\n').unwrap().to_owned()
}

#[test]
fn stdout_and_file() {
    let store = Store::new();
    for branch in ["v3.22", "edge"] {
        for repo in ["main", "community"] {
            let out = store.run(&["export", "secdb", "--branch", branch, "--repo", repo]);
            expect(&out, 0);
            assert_eq!(stdout(&out), demo_secdb(branch, repo), "{branch} {repo}");
        }
    }
    // To a file: an old one is replaced, no temporary file is left.
    let dir = store.path("out");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("main.json");
    std::fs::write(&file, "old").unwrap();
    let out = store.run(&[
        "export",
        "secdb",
        "--branch",
        "v3.22",
        "--repo",
        "main",
        "--output",
        file.to_str().unwrap(),
    ]);
    expect(&out, 0);
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("3 packages, 3 ids"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        demo_secdb("v3.22", "main")
    );
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary files");
}

#[test]
fn unknown_branch_or_repo_exits_2() {
    let store = Store::new();
    let out = store.run(&["export", "secdb", "--branch", "v9.9", "--repo", "main"]);
    expect(&out, 2);
    assert!(
        stderr(&out).contains("no branch \"v9.9\""),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("edge, v3.22"), "{}", stderr(&out));
    let out = store.run(&["export", "secdb", "--branch", "edge", "--repo", "testing"]);
    expect(&out, 2);
    assert!(
        stderr(&out).contains("branch \"edge\" has no repository \"testing\""),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    // --branch and --repo are required.
    let out = store.run(&["export", "secdb", "--branch", "edge"]);
    expect(&out, 2);
}
