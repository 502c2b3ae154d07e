//! `export::rejections` on both backends: the bundled demo (its rejections YAML imported
//! for both branches) plus triage rejections inserted with SQL. Each repository's YAML
//! reads back with the apk reader to exactly the expected entries, the demo's own files
//! come back out as they went in, a pair rejected on some branches only is a comment and
//! not an entry, the JSON keeps reason codes, authors and dates, and both forms are
//! snapshots (`tests/snapshots/`).
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;

use secfixes_apk::rejections::{self as yaml, Rejections};
use secfixes_tracker::db::{self, Db, Value};
use secfixes_tracker::export::rejections::{self, RepoFile};
use secfixes_tracker::import;
use secfixes_tracker::{demo, sync::Quiet};

/// 2026-03-01T12:00:00Z.
const MARCH_1: i64 = 1_772_366_400;
/// 2026-03-02T12:00:00Z.
const MARCH_2: i64 = MARCH_1 + 86_400;

/// Inserts a triage rejection as `triage::reject` stores it.
#[allow(clippy::too_many_arguments)]
fn triage(
    db: &mut dyn Db,
    tag: &str,
    origin: &str,
    id: &str,
    reason: &str,
    rationale: &str,
    actor: &str,
    role: &str,
    at: i64,
) {
    db.execute(
        "INSERT INTO rejection (repo_tag, origin, vuln_id, source, reason, rationale, actor, \
         actor_role, created_at) VALUES ($1, $2, $3, 'triage', $4, $5, $6, $7, $8)",
        &[
            tag.into(),
            origin.into(),
            id.into(),
            reason.into(),
            rationale.into(),
            actor.into(),
            role.into(),
            Value::Int(at),
        ],
    )
    .unwrap();
}

/// The demo, and triage rejections: curl on both main tags (an entry), musl on
/// 3.22-main only (partial), imagemagick on edge-community beside the YAML's, and a
/// package published nowhere (an entry).
fn fixture(db: &mut dyn Db) {
    demo::load(db, &Quiet).unwrap();
    for tag in ["3.22-main", "edge-main"] {
        triage(
            db,
            tag,
            "curl",
            "CVE-2026-90008",
            "vulnerable_code_not_present",
            "Demo Linux builds curl without the affected protocol.",
            "jane",
            "maintainer",
            MARCH_1,
        );
    }
    triage(
        db,
        "3.22-main",
        "musl",
        "CVE-2026-90009",
        "inline_mitigations_already_exist",
        "Hardened malloc stops the overflow.\nChecked with the reproducer.",
        "sec",
        "security",
        MARCH_2,
    );
    triage(
        db,
        "edge-community",
        "imagemagick",
        "CVE-2026-90013",
        "component_not_present",
        "The MSL coder is not built.",
        "jane",
        "maintainer",
        MARCH_2,
    );
    triage(
        db,
        "3.22-community",
        "oldtool",
        "CVE-2026-90016",
        "different_software",
        "Another program with the same name.",
        "sec",
        "security",
        MARCH_1,
    );
}

/// Package → ids.
fn ids(r: &Rejections) -> BTreeMap<String, Vec<String>> {
    r.packages
        .iter()
        .map(|(name, r)| {
            let ids = r.ids.iter().map(|i| i.as_str().to_owned()).collect();
            (name.clone(), ids)
        })
        .collect()
}

/// What the apk reader makes of a file's YAML (which must be clean).
fn read_back(file: &RepoFile) -> Rejections {
    let text = file.to_yaml();
    let parsed = yaml::from_yaml(&text).unwrap();
    assert!(parsed.is_clean(), "{:?}\n{text}", parsed.diagnostics);
    parsed.value
}

fn file<'a>(files: &'a [RepoFile], repo: &str) -> &'a RepoFile {
    files.iter().find(|f| f.repo == repo).unwrap()
}

fn expected(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(p, ids)| {
            (
                (*p).to_owned(),
                ids.iter().map(|i| (*i).to_owned()).collect(),
            )
        })
        .collect()
}

/// All files as `export rejections` prints them without `--output`.
fn stream(files: &[RepoFile]) -> String {
    files
        .iter()
        .map(|f| format!("# {}\n{}", f.file_name(), f.to_yaml()))
        .collect::<Vec<_>>()
        .join("---\n")
}

support::backend_tests! {
    /// Each repository's YAML reads back to exactly its entries, in order.
    fn yaml_reads_back_to_the_expected_entries(db: &mut dyn Db) {
        fixture(db);
        let files = rejections::yaml_files(db).unwrap();
        let names: Vec<String> = files.iter().map(RepoFile::file_name).collect();
        assert_eq!(names, ["community.yaml", "main.yaml"]);
        let community = read_back(file(&files, "community"));
        assert_eq!(
            ids(&community),
            expected(&[
                ("imagemagick", &["CVE-2026-90013"]),
                ("oldtool", &["CVE-2026-90016"]),
            ])
        );
        assert_eq!(community, file(&files, "community").rejections);
        // The imported rationale, then the triage decision with its tag.
        assert_eq!(
            community.packages["imagemagick"].rationale,
            [
                "Demo Linux builds imagemagick without the MSL coder, so the leak cannot be reached.",
                "CVE-2026-90013: component_not_present, by jane (maintainer) on 2026-03-02 [edge-community]",
                "  The MSL coder is not built.",
            ]
        );
        let main = read_back(file(&files, "main"));
        assert_eq!(ids(&main), expected(&[("curl", &["CVE-2026-90008"])]));
        assert_eq!(
            main.packages["curl"].rationale,
            [
                "CVE-2026-90008: vulnerable_code_not_present, by jane (maintainer) on 2026-03-01",
                "  Demo Linux builds curl without the affected protocol.",
            ]
        );
        // The secdb `0:` fix of busybox is a fix, not a rejection.
        assert!(!stream(&files).contains("CVE-2026-90005"));
    }

    /// A pair rejected on 3.22-main but not on edge-main, where musl is published too,
    /// is listed in the header and is not an entry.
    fn partial_branch_rejections_are_only_comments(db: &mut dyn Db) {
        fixture(db);
        let files = rejections::yaml_files(db).unwrap();
        let main = file(&files, "main");
        assert_eq!(main.partial.len(), 1);
        assert_eq!(main.partial[0].origin, "musl");
        assert_eq!(main.partial[0].rejected, ["3.22-main"]);
        assert_eq!(main.partial[0].not_rejected, ["edge-main"]);
        let text = main.to_yaml();
        assert!(
            text.contains(
                "# not exported (rejected on some branches only):\n\
                 #   CVE-2026-90009  musl: 3.22-main (not edge-main)\n\n"
            ),
            "{text}"
        );
        let back = read_back(main);
        assert!(!back.packages.contains_key("musl"), "{text}");
        assert!(!back.is_rejected("musl", "CVE-2026-90009"));
        // The header is nobody's rationale.
        assert!(back.packages["curl"].rationale[0].starts_with("CVE-2026-90008: "));
        assert!(file(&files, "community").partial.is_empty());
    }

    /// The demo's rejections files, imported for both branches, come back out with the
    /// same packages, ids and rationales; importing the export again changes nothing.
    fn demo_yaml_round_trips(db: &mut dyn Db) {
        demo::load(db, &Quiet).unwrap();
        let files = rejections::yaml_files(db).unwrap();
        assert_eq!(files.len(), 2);
        for file in &files {
            let rel = format!("rejections/{}", file.file_name());
            let (_, bytes) = demo::FILES.iter().find(|(p, _)| *p == rel).unwrap();
            let input = yaml::from_yaml(std::str::from_utf8(bytes).unwrap()).unwrap().value;
            let output = read_back(file);
            assert_eq!(ids(&output), ids(&input), "{rel}");
            assert_eq!(output, input, "{rel}");
            assert!(file.partial.is_empty(), "{rel}");
        }
        assert_eq!(
            ids(&file(&files, "community").rejections),
            expected(&[("imagemagick", &["CVE-2026-90013"])])
        );
        // Import what was exported, on every tag of its repository, and export again.
        let before = stream(&files);
        for file in &files {
            let doc = read_back(file);
            for tag in &file.tags {
                db::transaction(db, |db| import::rejections::import(db, tag, &doc)).unwrap();
            }
        }
        assert_eq!(stream(&rejections::yaml_files(db).unwrap()), before);
    }

    /// The JSON has every row, sorted, with reason codes, authors, roles and RFC 3339
    /// dates for triage rows and nulls for imported ones.
    fn json_keeps_reasons_authors_and_dates(db: &mut dyn Db) {
        fixture(db);
        let json: serde_json::Value =
            serde_json::from_str(&rejections::json(db).unwrap()).unwrap();
        let rows = json["rejections"].as_array().unwrap();
        let keys: Vec<String> = rows
            .iter()
            .map(|r| {
                ["repo_tag", "origin", "vuln_id", "source"]
                    .map(|k| r[k].as_str().unwrap())
                    .join(" ")
            })
            .collect();
        assert_eq!(
            keys,
            [
                "3.22-community imagemagick CVE-2026-90013 rejections",
                "3.22-community oldtool CVE-2026-90016 triage",
                "3.22-main curl CVE-2026-90008 triage",
                "3.22-main musl CVE-2026-90009 triage",
                "edge-community imagemagick CVE-2026-90013 rejections",
                "edge-community imagemagick CVE-2026-90013 triage",
                "edge-main curl CVE-2026-90008 triage",
            ]
        );
        let musl = &rows[3];
        assert_eq!(musl["branch"], "v3.22");
        assert_eq!(musl["repo"], "main");
        assert_eq!(musl["reason"], "inline_mitigations_already_exist");
        assert_eq!(
            musl["rationale"],
            "Hardened malloc stops the overflow.\nChecked with the reproducer."
        );
        assert_eq!(musl["actor"], "sec");
        assert_eq!(musl["actor_role"], "security");
        assert_eq!(musl["created_at"], "2026-03-02T12:00:00Z");
        assert_eq!(rows[2]["created_at"], "2026-03-01T12:00:00Z");
        let imported = &rows[0];
        for key in ["reason", "actor", "actor_role", "created_at"] {
            assert!(imported[key].is_null(), "{key}: {imported}");
        }
        assert_eq!(imported.as_object().unwrap().len(), 11);
        assert!(!json.to_string().contains("CVE-2026-90005"));
    }

    /// Both forms, byte for byte (the same snapshots on both backends).
    fn snapshots(db: &mut dyn Db) {
        fixture(db);
        let export = rejections::read(db).unwrap();
        insta::assert_snapshot!("rejections.yaml", stream(&export.yaml_files()));
        let json: serde_json::Value = serde_json::from_str(&export.to_json().unwrap()).unwrap();
        insta::assert_json_snapshot!("rejections.json", json);
    }

    /// A store without rejections gives an empty document per repository and no rows.
    fn empty_store(db: &mut dyn Db) {
        import::ensure_repo(db, "1.0-main", "v1.0", "main").unwrap();
        let export = rejections::read(db).unwrap();
        assert_eq!(export.to_json().unwrap(), "{\n  \"rejections\": []\n}\n");
        let files = export.yaml_files();
        assert_eq!(files.len(), 1);
        assert!(files[0].to_yaml().ends_with("\n\n{}\n"));
        assert!(read_back(&files[0]).packages.is_empty());
    }
}
