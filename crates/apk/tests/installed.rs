//! The installed database: reading, and writing back byte for byte, on a small database
//! written here and on the real ones in the fixtures.
#![allow(clippy::unwrap_used)]

mod support;

use std::borrow::Cow;

use secfixes_apk::ErrorKind;
use secfixes_apk::installed::{self, Acl, Dir, File, InstalledPackage};
use secfixes_apk::package::Package;

const DB: &str = "\
C:Q1Uq7pr0TahCvC7PPZn3GJKgdsMUY=
P:alpine-baselayout
V:3.6.8-r1
A:x86_64
S:8306
I:6532
T:Alpine base dir structure and init scripts
U:https://git.alpinelinux.org/cgit/aports/tree/main/alpine-baselayout
L:GPL-2.0-only
o:alpine-baselayout
m:Natanael Copa <ncopa@alpinelinux.org>
t:1735974288
c:5f0cd7890349e7fe11128478ac506c709805224d
D:alpine-baselayout-data=3.6.8-r1 /bin/sh
q:1000
F:dev
F:etc
R:motd
Z:Q1SLkS9hBidUbPwwrw+XR0Whv3ww8=
F:etc/crontabs
R:root
a:0:0:600
Z:Q1vfk1apUWI4yLJGhhNRd0kJixfvY=
F:tmp
M:0:0:1777

C:Q1EyN5AdpAOBJWKMR89pp/C66o+OE=
P:b
V:1
k:10
S:1
p:x
I:1
p:y z
r:a
s:testing

";

#[test]
fn small_database_round_trips() {
    let db = installed::parse(DB).unwrap();
    assert_eq!(db.packages.len(), 2);
    let base = &db.packages[0];
    assert_eq!(base.package.name, "alpine-baselayout");
    assert_eq!(base.replaces_priority, Some(1000));
    assert_eq!(base.dirs.len(), 4);
    assert_eq!(base.dirs[3].acl.as_deref(), Some("0:0:1777"));
    assert_eq!(
        Acl::parse(base.dirs[3].acl.as_deref().unwrap())
            .unwrap()
            .mode,
        0o1777
    );
    assert_eq!(
        base.file_paths().collect::<Vec<_>>(),
        ["etc/motd", "etc/crontabs/root"]
    );
    let b = &db.packages[1];
    // Two `p:` lines are one list, and are written back as two lines.
    assert_eq!(b.package.provides, ["x", "y", "z"]);
    assert_eq!(b.repository_tag.as_deref(), Some("testing"));
    assert!(db.final_blank_line);
    assert_eq!(db.write(), DB);
}

#[test]
fn records_built_in_code_are_written_in_apk_order() {
    let mut package = Package::new("foo", "1.0-r0");
    package.arch = Some("x86_64".into());
    package.depends = vec!["bar".into()];
    let record = InstalledPackage {
        package,
        replaces: vec![Cow::Borrowed("old")],
        flags: Some("S".into()),
        dirs: vec![Dir {
            path: "usr/bin".into(),
            acl: None,
            files: vec![File {
                name: "foo".into(),
                acl: Some("0:0:755".into()),
                checksum: Some("Q1SLkS9hBidUbPwwrw+XR0Whv3ww8=".into()),
            }],
        }],
        ..InstalledPackage::default()
    };
    let mut out = String::new();
    record.write(&mut out);
    assert_eq!(
        out,
        "P:foo\nV:1.0-r0\nA:x86_64\nD:bar\nr:old\nf:S\nF:usr/bin\nR:foo\na:0:0:755\nZ:Q1SLkS9hBidUbPwwrw+XR0Whv3ww8=\n"
    );
    let db = installed::parse(&out).unwrap();
    assert_eq!(db.packages[0].dirs, record.dirs);
}

#[test]
fn errors_name_line_and_field() {
    let err = installed::parse(
        "P:a\nV:1\nF:d\nR:f\nZ:Q1SLkS9hBidUbPwwrw+XR0Whv3ww8=\nZ:Q1SLkS9hBidUbPwwrw+XR0Whv3ww8=\n",
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Syntax);
    assert_eq!(err.location().line, Some(6));
    assert_eq!(err.location().field.as_deref(), Some("Z (a)"));
    let mut warnings = Vec::new();
    let db = installed::parse_with_warnings("P:a\nV:1.0-r\n", &mut warnings).unwrap();
    assert_eq!(db.packages.len(), 1);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].kind(), ErrorKind::InvalidVersion);
    assert_eq!(warnings[0].location().line, Some(2));
}

#[test]
fn json_has_package_and_file_fields() {
    let db = installed::parse(DB).unwrap();
    let json = serde_json::to_value(&db.packages[0]).unwrap();
    assert_eq!(json["name"], "alpine-baselayout");
    assert_eq!(json["replaces_priority"], 1000);
    assert_eq!(json["dirs"][1]["files"][0]["name"], "motd");
    assert_eq!(
        json["dirs"][2]["files"][0]["checksum"],
        "Q1vfk1apUWI4yLJGhhNRd0kJixfvY="
    );
    assert_eq!(json["dirs"][2]["files"][0]["acl"], "0:0:600");
}

/// Every real installed database (apk-tools' own test data, a real Alpine 3.21 system,
/// apko images) reads, and writes back byte for byte.
#[test]
fn real_databases_round_trip() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let mut paths = vec![fixtures.join("apk-tools/query-installed.data")];
    for dir in ["apkindex", "apk-tools/solver"] {
        for entry in std::fs::read_dir(fixtures.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if name.ends_with("installed.db") || name.ends_with(".installed") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    assert_eq!(paths.len(), 24, "{paths:?}");
    let mut packages = 0;
    let mut files = 0;
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let mut warnings = Vec::new();
        let db = installed::parse_with_warnings(&text, &mut warnings)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        assert!(warnings.is_empty(), "{}: {warnings:?}", path.display());
        assert_eq!(db.write(), text, "{}", path.display());
        packages += db.packages.len();
        files += db
            .packages
            .iter()
            .map(|p| p.file_paths().count())
            .sum::<usize>();
    }
    assert!(packages > 100, "{packages}");
    assert!(files > 1000, "{files}");
}

/// The solver's `.repo` files are indexes: they read as APKINDEX text too, and write back
/// as read.
#[test]
fn real_solver_repos_read_as_index_text() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    for entry in std::fs::read_dir(fixtures.join("apk-tools/solver")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("repo") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let packages = secfixes_apk::apkindex::parse_text(&text)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let mut out = String::new();
        for package in &packages {
            package.write_as_read(&mut out);
            out.push('\n');
        }
        if !text.ends_with("\n\n") {
            out.pop();
        }
        assert_eq!(out, text, "{}", path.display());
    }
}
