//! `secfixes export rejections` through the binary, on a temporary SQLite store holding
//! the tracker's bundled demo (synced from `crates/tracker/demo`) and a triage rejection
//! on one branch: YAML per repository into a directory and to stdout, JSON to a file and
//! to stdout, and errors that name the file.
#![allow(clippy::unwrap_used)]

mod demo_store;
mod outcome;

use demo_store::DemoStore;
use outcome::{expect, stderr, stdout};

use secfixes_apk::rejections;
use secfixes_tracker::db::{self, Value};

/// The synced demo with a triage rejection on 3.22-main only (musl is published on
/// edge-main too).
fn store() -> DemoStore {
    let store = DemoStore::new();
    let mut db = db::open(&store.database()).unwrap();
    db.execute(
        "INSERT INTO rejection (repo_tag, origin, vuln_id, source, reason, rationale, \
         actor, actor_role, created_at) VALUES ('3.22-main', 'musl', 'CVE-2026-90009', \
         'triage', 'inline_mitigations_already_exist', 'Hardened malloc.', 'sec', \
         'security', $1)",
        &[Value::Int(1_772_366_400)],
    )
    .unwrap();
    store
}

/// Package → ids of a YAML text, which must read clean.
fn entries(text: &str) -> Vec<(String, Vec<String>)> {
    let parsed = rejections::from_yaml(text).unwrap();
    assert!(parsed.is_clean(), "{:?}\n{text}", parsed.diagnostics);
    parsed
        .value
        .packages
        .iter()
        .map(|(p, r)| (p.clone(), r.ids.iter().map(|i| i.to_string()).collect()))
        .collect()
}

#[test]
fn yaml_files_into_a_directory() {
    let store = store();
    let dir = store.path("out/rejections");
    // An old file is replaced.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.yaml"), "old: [CVE-2000-0001]\n").unwrap();
    let out = store.run(&["export", "rejections", "--output", dir.to_str().unwrap()]);
    expect(&out, 0);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["community.yaml", "main.yaml"], "no temporary files");
    let community = std::fs::read_to_string(dir.join("community.yaml")).unwrap();
    assert_eq!(
        entries(&community),
        [("imagemagick".to_owned(), vec!["CVE-2026-90013".to_owned()])]
    );
    let main = std::fs::read_to_string(dir.join("main.yaml")).unwrap();
    assert!(entries(&main).is_empty(), "{main}");
    assert!(
        main.contains("#   CVE-2026-90009  musl: 3.22-main (not edge-main)\n"),
        "{main}"
    );
    assert!(stderr(&out).contains("main.yaml"), "{}", stderr(&out));
}

#[test]
fn yaml_to_stdout_one_document_per_repository() {
    let store = store();
    let out = store.run(&["export", "rejections"]);
    expect(&out, 0);
    let text = stdout(&out);
    let docs: Vec<&str> = text.split("---\n").collect();
    assert_eq!(docs.len(), 2, "{text}");
    assert!(docs[0].starts_with("# community.yaml\n"), "{text}");
    assert!(docs[1].starts_with("# main.yaml\n"), "{text}");
    assert_eq!(entries(docs[0]).len(), 1);
    assert!(entries(docs[1]).is_empty());
    // The same as the files.
    let dir = store.path("files");
    expect(
        &store.run(&["export", "rejections", "--output", dir.to_str().unwrap()]),
        0,
    );
    let main = std::fs::read_to_string(dir.join("main.yaml")).unwrap();
    assert_eq!(docs[1], format!("# main.yaml\n{main}"));
}

#[test]
fn json_to_a_file_and_to_stdout() {
    let store = store();
    let file = store.path("rejections.json");
    let out = store.run(&[
        "export",
        "rejections",
        "--format",
        "json",
        "--output",
        file.to_str().unwrap(),
    ]);
    expect(&out, 0);
    let written = std::fs::read_to_string(&file).unwrap();
    let out = store.run(&["export", "rejections", "--format", "json"]);
    expect(&out, 0);
    assert_eq!(stdout(&out), written);
    let json: serde_json::Value = serde_json::from_str(&written).unwrap();
    let rows = json["rejections"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{written}");
    let musl = rows.iter().find(|r| r["origin"] == "musl").unwrap();
    assert_eq!(musl["reason"], "inline_mitigations_already_exist");
    assert_eq!(musl["actor"], "sec");
    assert_eq!(musl["actor_role"], "security");
    assert_eq!(musl["created_at"], "2026-03-01T12:00:00Z");
    assert_eq!(musl["branch"], "v3.22");
}

#[test]
fn errors_name_the_file() {
    let store = store();
    let blocker = store.path("a-file");
    std::fs::write(&blocker, "").unwrap();
    let dir = blocker.join("sub");
    let out = store.run(&["export", "rejections", "--output", dir.to_str().unwrap()]);
    expect(&out, 2);
    assert!(
        stderr(&out).contains(dir.to_str().unwrap()),
        "{}",
        stderr(&out)
    );

    let file = store.path("missing/rejections.json");
    let out = store.run(&[
        "export",
        "rejections",
        "--format",
        "json",
        "--output",
        file.to_str().unwrap(),
    ]);
    expect(&out, 2);
    assert!(
        stderr(&out).contains(file.to_str().unwrap()),
        "{}",
        stderr(&out)
    );
    assert!(!file.exists());

    let out = store.run(&["export", "rejections", "--format", "toml"]);
    expect(&out, 2);
}
