//! `secfixes export all` through the binary, on a temporary SQLite store holding the
//! bundled demo: every format in its directory with a line per format on stderr; an
//! unknown branch exits 2 naming it and writes nothing.
#![allow(clippy::unwrap_used)]

mod demo_store;
mod outcome;

use demo_store::DemoStore;
use outcome::{expect, stderr, stdout};

#[test]
fn every_format_into_one_directory() {
    let store = DemoStore::configured();
    let dir = store.path("published");
    let out = store.run(&["export", "all", "--output", dir.to_str().unwrap()]);
    expect(&out, 0);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    for line in [
        "secfixes: secdb: 4 files, 9 packages",
        "secfixes: openvex: 2 files,",
        "secfixes: rejections: ",
        "records;",
        "every export written",
    ] {
        assert!(err.contains(line), "{line:?} missing:\n{err}");
    }
    for file in [
        "secdb/v3.22/main.json",
        "secdb/edge/community.json",
        "osv/Alpine:v3.22/all.zip",
        "osv/Alpine:edge/modified_id.csv",
        "osv/v3.22/ALPINE-CVE-2026-90001.json",
        "openvex/v3.22.json",
        "openvex/edge.json",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing:\n{err}");
    }
    // The secdb file is what `export secdb` prints.
    let alone = store.run(&["export", "secdb", "--branch", "v3.22", "--repo", "main"]);
    expect(&alone, 0);
    assert_eq!(
        std::fs::read_to_string(dir.join("secdb/v3.22/main.json")).unwrap(),
        stdout(&alone)
    );
}

#[test]
fn unknown_branch_exits_2() {
    let store = DemoStore::configured();
    let dir = store.path("published");
    let out = store.run(&[
        "export",
        "all",
        "--output",
        dir.to_str().unwrap(),
        "--branch",
        "v3.99",
    ]);
    expect(&out, 2);
    assert!(stderr(&out).contains("v3.99"), "{}", stderr(&out));
    assert!(!dir.exists());
}
