//! `secfixes export secdb` through the binary, on a temporary SQLite store holding the
//! tracker's bundled demo (synced from `crates/tracker/demo`): the export of each
//! repository is the demo's secdb file (which ends with a newline, the export does not),
//! to stdout and to a file written through a temporary one; an unknown branch or
//! repository exits 2 naming it.
#![allow(clippy::unwrap_used)]

mod demo_store;
mod outcome;

use demo_store::{DemoStore, demo_dir};
use outcome::{expect, stderr, stdout};

/// The demo's secdb file of a repository, without its final newline.
fn demo_secdb(branch: &str, repo: &str) -> String {
    let text =
        std::fs::read_to_string(demo_dir().join(format!("secdb/{branch}/{repo}.json"))).unwrap();
    text.strip_suffix('\n').unwrap().to_owned()
}

#[test]
fn stdout_and_file() {
    let store = DemoStore::new();
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
    // Published for a web server running as another user (a temporary file is 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "{mode:o}");
    }
}

#[test]
fn unknown_branch_or_repo_exits_2() {
    let store = DemoStore::new();
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
