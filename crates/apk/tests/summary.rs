//! `summary::scan` gives the same names, versions, origins and tags as the full parsers,
//! on Alpine's real indexes and the real installed databases, and on gen-corpus output.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;

use secfixes_apk::{apkindex, installed, summary};

fn same_as_index_parser(text: &str, what: &Path) {
    let full = apkindex::parse_text(text).unwrap();
    let fast = summary::scan(text).unwrap();
    assert_eq!(full.len(), fast.len(), "{}", what.display());
    for (a, b) in full.iter().zip(&fast) {
        assert_eq!(
            (&*a.name, &*a.version, a.origin.as_deref()),
            (b.name, b.version, b.origin),
            "{}",
            what.display()
        );
    }
}

fn same_as_installed_parser(text: &str, what: &Path) {
    let full = installed::parse(text).unwrap();
    let fast = summary::scan(text).unwrap();
    assert_eq!(full.packages.len(), fast.len(), "{}", what.display());
    for (a, b) in full.packages.iter().zip(&fast) {
        assert_eq!(
            (
                &*a.package.name,
                &*a.package.version,
                a.package.origin.as_deref(),
                a.repository_tag.as_deref()
            ),
            (b.name, b.version, b.origin, b.repository_tag),
            "{}",
            what.display()
        );
    }
}

#[test]
fn real_indexes_and_installed_databases() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    for name in ["alpine-v3.16-main-x86_64", "alpine-v3.17-main-aarch64"] {
        let path = fixtures.join(format!("apkindex/{name}.APKINDEX"));
        same_as_index_parser(&std::fs::read_to_string(&path).unwrap(), &path);
    }
    for db in [
        "apk-tools/query-installed.data",
        "apkindex/apko-alpine-aarch64-installed.db",
        "apkindex/apko-wolfi-base-installed.db",
        "apkindex/osv-scalibr-alpine-3.18-installed.db",
    ] {
        let path = fixtures.join(db);
        same_as_installed_parser(&std::fs::read_to_string(&path).unwrap(), &path);
    }
}

#[test]
fn corpus_indexes_and_installed_databases() {
    let Some(corpus) = support::corpus() else {
        return;
    };
    for system in ["small", "medium", "large"] {
        let path = corpus.join(format!("installed/{system}/lib/apk/db/installed"));
        same_as_installed_parser(&std::fs::read_to_string(&path).unwrap(), &path);
    }
    let path = corpus.join("apkindex/v3.20/community/x86_64/APKINDEX.tar.gz");
    let index = apkindex::read_file(&path, apkindex::Trust::untrusted()).unwrap();
    same_as_index_parser(index.text(), &path);
}
