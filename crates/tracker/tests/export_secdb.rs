//! `export::secdb` on both backends.
//!
//! - Every real secdb document in `../shared/fixtures/secdb` (JSON, the historical YAML,
//!   Wolfi's and Chainguard's `security.json`, vuln-list's one-package files), imported
//!   the way `sync` imports it, exports back as the same document — byte for byte where
//!   the file was written the way secdb.alpinelinux.org writes (see [`Expect`] for the
//!   files written by another formatter, and why).
//! - The bundled demo's export per branch and repository is a snapshot
//!   (`tests/snapshots/`), and equals the demo's own secdb files.
//! - Fixes from APKBUILDs join the imported secdb without duplicates, in the documented
//!   order; triage rejections are not fixes and stay out; fix rows without a stored
//!   document (a store imported before migration 0005) get secdb.alpinelinux.org's
//!   header and order.
//! - An unknown branch or repository is an error that names it.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use secfixes_apk::secdb::{self, SecDb};
use secfixes_tracker::config::Config;
use secfixes_tracker::db::{self, Db, Value};
use secfixes_tracker::export::secdb::{self as export, Defaults};
use secfixes_tracker::sync::{self, Inputs, Quiet};
use secfixes_tracker::{demo, import};

/// How an export must match its fixture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The same bytes: the file was written as secdb.alpinelinux.org writes (Python's
    /// `json.dumps(…, indent=2)`: 2-space indent, `"key": value`, no final newline),
    /// which is what the exporter writes.
    Bytes,
    /// The same bytes but the file's final newline: Wolfi's and Chainguard's
    /// `security.json` are written by Go's `json.Encoder` with `SetIndent("", "  ")`,
    /// which ends every document with `\n`; secdb.alpinelinux.org's files do not.
    BytesBeforeNewline,
    /// The same document (keys, their order, values, the order of packages, versions and
    /// ids) in other bytes: vulnerablecode's truncated v3.11 `main.json` was rewritten
    /// with a 4-space indent when it was cut down.
    SameDocument,
    /// A YAML document: the export is the JSON the apk reader gives for it (the same as
    /// its conversion in `alpine-secdb-git-as-json/`, checked separately).
    YamlAsJson,
    /// A vuln-list file holds one package beside the secdb header, not a secdb
    /// document; the export is that package in a secdb document with the same header.
    VulnList,
}

/// Every secdb document among the fixtures, with how its export must match it.
fn secdb_fixtures(dir: &Path) -> Vec<(PathBuf, Expect)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&dir.join("secdb"), &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let rel = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let expect = match path.extension()?.to_str()? {
                "yaml" | "yml" => Expect::YamlAsJson,
                "json" if rel.contains("vuln-list-") => Expect::VulnList,
                "json" if rel.starts_with("secdb/vunnel-fixtures/") => Expect::BytesBeforeNewline,
                "json" if rel.ends_with("v3.11-main.truncated.json") => Expect::SameDocument,
                "json" => Expect::Bytes,
                // Directory listings (HTML) and READMEs are not secdb documents.
                _ => return None,
            };
            Some((path, expect))
        })
        .collect()
}

/// The branch and repository a document is imported as: its own `distroversion` and
/// `reponame` (Wolfi and Chainguard have no branch: `rolling`).
fn branch_and_repo(doc: &SecDb) -> (String, String) {
    (
        doc.distroversion
            .clone()
            .unwrap_or_else(|| "rolling".into()),
        doc.reponame.clone().unwrap(),
    )
}

/// A configuration of one branch and repository whose secdb is `path`.
fn config_for(branch: &str, repo: &str, path: &Path) -> Config {
    let text = format!(
        "[[branch]]\nname = {branch:?}\nrepos = [{repo:?}]\narchs = [\"x86_64\"]\n\
         apkindex = \"unused/{{arch}}/APKINDEX.tar.gz\"\nsecdb = {:?}\n",
        path.to_str().unwrap()
    );
    Config::parse(&text, Path::new("round-trip.toml"), Path::new(".")).unwrap()
}

/// `sync`'s secdb import of every repository of `config`.
fn import_secdbs(db: &mut dyn Db, config: &Config) {
    let mut inputs = Inputs::new(secfixes_fetch::Client::new(
        secfixes_fetch::SystemClock::shared(),
    ));
    sync::import_secdbs(db, config, &mut inputs, &[], &Quiet).unwrap();
}

fn export_text(db: &mut dyn Db, branch: &str, repo: &str) -> String {
    let doc = export::export(db, branch, repo, &Defaults::default()).unwrap();
    secdb::to_json(&doc)
}

/// Every (origin, version, id) of a document.
fn keys(doc: &SecDb) -> BTreeSet<(String, String, String)> {
    doc.packages
        .iter()
        .flat_map(|p| {
            p.secfixes.iter().flat_map(move |(v, ids)| {
                ids.iter()
                    .map(move |id| (p.name.clone(), v.to_string(), id.id().to_owned()))
            })
        })
        .collect()
}

/// (version, ids as written) of one package.
type Versions = Vec<(String, Vec<String>)>;

/// The package entries of a document as (name, versions).
fn entries(doc: &SecDb) -> Vec<(String, Versions)> {
    doc.packages
        .iter()
        .map(|p| {
            let versions = p
                .secfixes
                .iter()
                .map(|(v, ids)| (v.to_string(), ids.iter().map(|i| i.to_string()).collect()))
                .collect();
            (p.name.clone(), versions)
        })
        .collect()
}

/// Writes `<origin>/APKBUILD` files with these `# secfixes:` blocks under a new
/// directory.
fn aports_dir(builds: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (origin, block) in builds {
        let pkg = dir.path().join(origin);
        std::fs::create_dir(&pkg).unwrap();
        std::fs::write(
            pkg.join("APKBUILD"),
            format!("pkgname={origin}\npkgver=1.0\npkgrel=0\n\n{block}\nbuild() {{\n\ttrue\n}}\n"),
        )
        .unwrap();
    }
    dir
}

fn import_aports(db: &mut dyn Db, tag: &str, dir: &Path) {
    sync::recorded(db, "aports", |db| {
        import::fixes::import_aports(db, tag, dir)
    })
    .unwrap();
}

support::backend_tests! {
    /// Import (as `sync` does), export, compare, for every real secdb document; each
    /// later file replaces the one before it on the same tag, so the replacement is
    /// checked too (no entry of the previous document survives).
    fn real_fixtures_round_trip(db: &mut dyn Db) {
        let Some(dir) = support::fixtures() else { return };
        let files = secdb_fixtures(&dir);
        assert!(files.len() >= 45, "only {} secdb fixtures", files.len());
        let mut converted_checked = 0;
        for (path, expect) in &files {
            let text = std::fs::read_to_string(path).unwrap();
            let what = path.display();
            let input = if *expect == Expect::VulnList {
                secdb::from_vuln_list(&text).unwrap().value
            } else {
                secdb::read(path, secdb::Format::from_path(path)).unwrap().value
            };
            let (branch, repo) = branch_and_repo(&input);
            if *expect == Expect::VulnList {
                // Not a file `sync` reads: imported as the document it is.
                let tag = format!("{}-{repo}", branch.trim_start_matches('v'));
                import::ensure_repo(db, &tag, &branch, &repo).unwrap();
                sync::recorded(db, "secdb", |db| {
                    import::fixes::import_secdb(db, &tag, &input)
                })
                .unwrap();
            } else {
                import_secdbs(db, &config_for(&branch, &repo, path));
            }
            let out = export_text(db, &branch, &repo);
            let back = secdb::from_json(&out).unwrap().value;
            assert!(back == input, "{what}: the export is another document");
            match expect {
                Expect::Bytes => assert!(out == text, "{what}: other bytes"),
                Expect::BytesBeforeNewline => {
                    assert_eq!(text.strip_suffix('\n'), Some(out.as_str()), "{what}");
                }
                Expect::SameDocument => {
                    assert_ne!(out, text, "{what} is byte-equal now: use Expect::Bytes");
                    let a: serde_json::Value = serde_json::from_str(&out).unwrap();
                    let b: serde_json::Value = serde_json::from_str(&text).unwrap();
                    assert_eq!(a, b, "{what}");
                }
                Expect::YamlAsJson => {
                    assert!(out == secdb::to_json(&input), "{what}");
                    let rel = path.strip_prefix(dir.join("secdb/alpine-secdb-git")).ok();
                    let converted = rel.map(|rel| {
                        dir.join("secdb/alpine-secdb-git-as-json").join(rel.with_extension("json"))
                    });
                    if let Some(json) = converted.filter(|p| p.is_file()) {
                        let json = std::fs::read_to_string(&json).unwrap();
                        assert!(out == json, "{what}: not its conversion to JSON");
                        converted_checked += 1;
                    }
                }
                Expect::VulnList => {
                    assert!(out == secdb::to_json(&input), "{what}");
                    assert_eq!(back.packages.len(), 1);
                }
            }
            // What the store holds per tag is the fix rows of the document, no more.
            let tag = export::find_repo(db, &branch, &repo).unwrap().tag;
            let rows = db::query_int(
                db,
                "SELECT COUNT(*) FROM fix WHERE repo_tag = $1",
                &[tag.as_str().into()],
            )
            .unwrap()
            .unwrap();
            assert_eq!(rows as usize, keys(&input).len(), "{what}");
        }
        let bytes = files.iter().filter(|(_, e)| *e == Expect::Bytes).count();
        assert!(bytes >= 19, "only {bytes} files compared byte for byte");
        assert_eq!(converted_checked, 18, "YAML files compared with their JSON conversion");
    }

    /// A second import of the same document rewrites neither the fixes nor the stored
    /// document, and the export is unchanged.
    fn reimport_changes_nothing(db: &mut dyn Db) {
        let Some(dir) = support::fixtures() else { return };
        let path = dir.join("secdb/alpine-secdb-git-as-json/v3.6/main.json");
        let doc = secdb::read(&path, secdb::Format::Json).unwrap().value;
        import::ensure_repo(db, "3.6-main", "v3.6", "main").unwrap();
        let first = import::fixes::import_secdb(db, "3.6-main", &doc).unwrap();
        assert!(first.changed > 0);
        let out = export_text(db, "v3.6", "main");
        let again = import::fixes::import_secdb(db, "3.6-main", &doc).unwrap();
        assert_eq!(again.changed, 0);
        let stored = import::fixes::store_document(
            db,
            "3.6-main",
            secfixes_tracker::engine::FixSource::Secdb,
            &doc,
        )
        .unwrap();
        assert!(!stored, "an unchanged document is not rewritten");
        assert_eq!(export_text(db, "v3.6", "main"), out);
    }

    /// The real v3.16 main secdb and the real APKBUILDs of the same packages on one tag:
    /// the export holds every fix of both exactly once, the secdb's entries first and in
    /// their order.
    fn real_secdb_and_aports(db: &mut dyn Db) {
        let Some(dir) = support::fixtures() else { return };
        let path = dir.join("secdb/v3.16-main.partial.json");
        import_secdbs(db, &config_for("v3.16", "main", &path));
        import_aports(db, "3.16-main", &dir.join("aports/main"));
        let secdb_doc = secdb::read(&path, secdb::Format::Json).unwrap().value;
        let out = export::export(db, "v3.16", "main", &Defaults::default()).unwrap();
        let mut expected = keys(&secdb_doc);
        let mut from_aports = BTreeSet::new();
        db.query(
            "SELECT origin, version, vuln_id FROM fix WHERE repo_tag = '3.16-main' \
             AND source = 'aports'",
            &[],
            &mut |row| {
                from_aports.insert((row.req_text(0)?, row.req_text(1)?, row.req_text(2)?));
                Ok(())
            },
        )
        .unwrap();
        assert!(!from_aports.is_subset(&expected), "the APKBUILDs add nothing");
        expected.extend(from_aports);
        assert_eq!(keys(&out), expected);
        let written: usize = out.packages.iter().flat_map(|p| p.secfixes.values()).map(Vec::len).sum();
        assert_eq!(written, expected.len(), "an entry is written twice");
        // The secdb's packages, versions and ids come first, in their order.
        for (pkg, orig) in out.packages.iter().zip(&secdb_doc.packages) {
            assert_eq!(pkg.name, orig.name);
            for ((v, ids), (ov, oids)) in pkg.secfixes.iter().zip(&orig.secfixes) {
                assert_eq!(v, ov);
                assert_eq!(&ids[..oids.len()], &oids[..]);
            }
        }
    }

    /// The demo's export of every branch and repository: a snapshot, and the demo's own
    /// secdb file byte for byte but its final newline (it has no APKBUILDs).
    fn demo_snapshots(db: &mut dyn Db) {
        demo::load(db, &Quiet).unwrap();
        let files = demo::FILES;
        for branch in ["v3.22", "edge"] {
            for repo in ["main", "community"] {
                let out = export_text(db, branch, repo);
                insta::assert_snapshot!(format!("demo-{branch}-{repo}.json"), out);
                let rel = format!("secdb/{branch}/{repo}.json");
                let (_, bytes) = files.iter().find(|(p, _)| *p == rel).unwrap();
                // The demo's files end with a newline; secdb.alpinelinux.org's do not.
                assert_eq!(Some(out.as_bytes()), bytes.strip_suffix(b"\n"), "{rel}");
            }
        }
    }

    /// Fixes from APKBUILDs join the imported secdb: a fix both have is written once, an
    /// id of a version the secdb has joins that version's list, a new version comes
    /// after the package's versions (in byte order), ids in the APKBUILD's order, and a
    /// new package after the secdb's packages. A triage rejection is not a fix.
    fn apkbuild_fixes_join(db: &mut dyn Db) {
        demo::load(db, &Quiet).unwrap();
        let aports = aports_dir(&[
            (
                "curl",
                "# secfixes:\n#   8.9.0-r0:\n#     - CVE-2026-99005\n#   8.14.1-r0:\n\
                 #     - CVE-2026-90001\n#     - CVE-2026-99001 (http2)\n#   8.15.0-r0:\n\
                 #     - CVE-2026-99003\n#     - CVE-2026-99002\n",
            ),
            ("aaa-new", "# secfixes:\n#   0:\n#     - CVE-2026-99009\n"),
            ("nofixes", ""),
        ]);
        import_aports(db, "3.22-main", aports.path());
        db.execute(
            "INSERT INTO rejection (repo_tag, origin, vuln_id, source, reason, rationale, \
             actor, actor_role, created_at) VALUES ('3.22-main', 'zlib', 'CVE-2026-90077', \
             'triage', 'vulnerable_code_not_present', 'Not built.', 'jane', 'maintainer', $1)",
            &[Value::Int(1_772_366_400)],
        )
        .unwrap();
        let out = export::export(db, "v3.22", "main", &Defaults::default()).unwrap();
        let v = |pairs: &[(&str, &[&str])]| -> Versions {
            pairs
                .iter()
                .map(|(v, ids)| ((*v).to_owned(), ids.iter().map(|s| (*s).to_owned()).collect()))
                .collect()
        };
        assert_eq!(
            entries(&out),
            [
                ("busybox".to_owned(), v(&[("0", &["CVE-2026-90005"])])),
                (
                    "curl".to_owned(),
                    v(&[
                        ("8.14.1-r0", &["CVE-2026-90001", "CVE-2026-99001 (http2)"]),
                        ("8.15.0-r0", &["CVE-2026-99003", "CVE-2026-99002"]),
                        ("8.9.0-r0", &["CVE-2026-99005"]),
                    ]),
                ),
                ("zlib".to_owned(), v(&[("1.3.1-r2", &["CVE-2026-90002"])])),
                ("aaa-new".to_owned(), v(&[("0", &["CVE-2026-99009"])])),
            ]
        );
        let text = secdb::to_json(&out);
        assert!(!text.contains("CVE-2026-90077"), "a rejection is not a fix");
        // The header is the imported secdb's.
        assert_eq!(out.urlprefix.as_deref(), Some("https://dl.secfixes.example/demo"));
        // The other tags are untouched.
        let community = export::export(db, "v3.22", "community", &Defaults::default()).unwrap();
        assert!(!keys(&community).iter().any(|(o, _, _)| o == "aaa-new"));
    }

    /// APKBUILD fixes alone (no secdb imported): secdb.alpinelinux.org's header and
    /// order — packages and versions in byte order, ids as the APKBUILD lists them.
    fn apkbuild_fixes_alone(db: &mut dyn Db) {
        import::ensure_repo(db, "1.0-main", "v1.0", "main").unwrap();
        let aports = aports_dir(&[
            (
                "zz",
                "# secfixes:\n#   1.10-r0:\n#     - CVE-2026-0002\n#     - CVE-2026-0001\n\
                 #   1.9-r0:\n#     - CVE-2025-0009\n#   0:\n#     - CVE-2024-0001\n",
            ),
            ("aa", "# secfixes:\n#   2.0-r1:\n#     - GHSA-xxxx-yyyy-zzzz\n"),
        ]);
        import_aports(db, "1.0-main", aports.path());
        let defaults = Defaults {
            urlprefix: Some("https://mirror.example/alpine".into()),
            archs: Some(vec!["aarch64".into(), "x86_64".into()]),
        };
        let out = export::export(db, "v1.0", "main", &defaults).unwrap();
        assert_eq!(
            secdb::to_json(&out),
            r#"{
  "apkurl": "{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
  "archs": [
    "aarch64",
    "x86_64"
  ],
  "reponame": "main",
  "urlprefix": "https://mirror.example/alpine",
  "distroversion": "v1.0",
  "packages": [
    {
      "pkg": {
        "name": "aa",
        "secfixes": {
          "2.0-r1": [
            "GHSA-xxxx-yyyy-zzzz"
          ]
        }
      }
    },
    {
      "pkg": {
        "name": "zz",
        "secfixes": {
          "0": [
            "CVE-2024-0001"
          ],
          "1.10-r0": [
            "CVE-2026-0002",
            "CVE-2026-0001"
          ],
          "1.9-r0": [
            "CVE-2025-0009"
          ]
        }
      }
    }
  ]
}"#
        );
    }

    /// Fix rows without a stored document (a store imported before migration 0005):
    /// the default header with the architectures of the store's packages, ids in id
    /// order with their notes.
    fn rows_without_documents(db: &mut dyn Db) {
        import::ensure_repo(db, "3.16-main", "v3.16", "main").unwrap();
        for arch in ["x86_64", "aarch64", "x86_64"] {
            db.execute(
                "INSERT INTO package (repo_tag, arch, name, version, origin, first_seen) \
                 VALUES ('3.16-main', $1, $2, '1.0-r0', 'a', 0) ON CONFLICT DO NOTHING",
                &[arch.into(), format!("a-{arch}").into()],
            )
            .unwrap();
        }
        for (origin, version, id, source, note) in [
            ("b", "1.0-r0", "CVE-2024-10000", "secdb", None),
            ("b", "1.0-r0", "CVE-2024-999", "aports", Some("XSA-1")),
            ("b", "1.0-r0", "CVE-2024-999", "secdb", None),
            ("a", "0", "CVE-2020-0001", "aports", None),
        ] {
            db.execute(
                "INSERT INTO fix (repo_tag, origin, vuln_id, version, source, note) \
                 VALUES ('3.16-main', $1, $2, $3, $4, $5)",
                &[origin.into(), id.into(), version.into(), source.into(), note.into()],
            )
            .unwrap();
        }
        let out = export::export(db, "v3.16", "main", &Defaults::default()).unwrap();
        assert_eq!(out.apkurl.as_deref(), Some(export::APKURL));
        assert_eq!(out.archs, Some(vec!["aarch64".to_owned(), "x86_64".to_owned()]));
        assert_eq!(out.urlprefix.as_deref(), Some(export::URLPREFIX));
        assert_eq!(out.reponame.as_deref(), Some("main"));
        assert_eq!(out.distroversion.as_deref(), Some("v3.16"));
        let text = secdb::to_json(&out);
        let keys: Vec<String> = serde_json::from_str::<serde_json::Value>(&text)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["apkurl", "archs", "reponame", "urlprefix", "distroversion", "packages"]);
        assert_eq!(
            entries(&out),
            [
                ("a".to_owned(), vec![("0".to_owned(), vec!["CVE-2020-0001".to_owned()])]),
                (
                    "b".to_owned(),
                    vec![(
                        "1.0-r0".to_owned(),
                        vec!["CVE-2024-999 XSA-1".to_owned(), "CVE-2024-10000".to_owned()]
                    )]
                ),
            ]
        );
    }

    /// An unknown branch, or a repository the branch does not have, is an error naming
    /// it and what the store has.
    fn unknown_branch_or_repo(db: &mut dyn Db) {
        demo::load(db, &Quiet).unwrap();
        let err = export::export(db, "v9.9", "main", &Defaults::default()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("\"v9.9\"") && text.contains("edge, v3.22"), "{text}");
        let err = export::export(db, "v3.22", "testing", &Defaults::default()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("\"testing\"") && text.contains("community, main"), "{text}");
        let empty = export::repos(db).unwrap();
        assert_eq!(empty.len(), 4);
    }

    /// A store without repositories says so.
    fn empty_store(db: &mut dyn Db) {
        let err = export::export(db, "v3.16", "main", &Defaults::default()).unwrap_err();
        assert!(err.to_string().contains("none: import"), "{err}");
    }
}

/// The configuration gives the header of a repository without an imported secdb: its
/// architectures sorted, and the mirror its APKINDEX URLs start with.
#[test]
fn defaults_from_the_configuration() {
    let config = Config::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/alpine.toml"),
        None,
    )
    .unwrap();
    let d = Defaults::from_config(&config, "v3.22", "main");
    assert_eq!(d.urlprefix.as_deref(), Some(export::URLPREFIX));
    let archs = d.archs.unwrap();
    let mut sorted = archs.clone();
    sorted.sort();
    assert_eq!(archs, sorted);
    assert!(archs.contains(&"x86_64".to_owned()));
    assert_eq!(
        Defaults::from_config(&config, "v3.22", "nope"),
        Defaults::default()
    );
    // Local index files name no mirror.
    let text = "[[branch]]\nname = \"v1\"\nrepos = [\"main\"]\narchs = [\"x86_64\", \"aarch64\"]\n\
                apkindex = \"idx/{arch}/APKINDEX.tar.gz\"\n";
    let config = Config::parse(text, Path::new("t.toml"), Path::new(".")).unwrap();
    let d = Defaults::from_config(&config, "v1", "main");
    assert_eq!(d.urlprefix, None);
    assert_eq!(
        d.archs,
        Some(vec!["aarch64".to_owned(), "x86_64".to_owned()])
    );
}
