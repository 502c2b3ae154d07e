//! `secfixes export osv` and `secfixes export openvex` through the binary, on a temporary
//! SQLite store holding the tracker's bundled demo (synced from `crates/tracker/demo`,
//! whose configuration names the tracker's URL and the distribution): the OSV layout and
//! its bulk files, one OpenVEX document to stdout and to a file, and bad input (an
//! unknown branch, a missing option, an output that cannot be written) with exit
//! status 2 and a message naming it.
#![allow(clippy::unwrap_used)]

mod demo_store;
mod outcome;

use demo_store::DemoStore;
use outcome::{expect, stderr, stdout};

use std::io::Read;
use std::path::Path;

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn osv_records_and_bulk_files() {
    let store = DemoStore::configured();
    let dir = store.path("out/osv");
    let out = store.run(&["export", "osv", "--output", dir.to_str().unwrap()]);
    expect(&out, 0);
    assert_eq!(
        names(&dir),
        ["Alpine:edge", "Alpine:v3.22", "edge", "v3.22"]
    );
    assert!(
        stderr(&out).contains("v3.22: 15 records"),
        "{}",
        stderr(&out)
    );
    for (branch, eco) in [("edge", "Alpine:edge"), ("v3.22", "Alpine:v3.22")] {
        let records = names(&dir.join(branch));
        assert_eq!(records.len(), 15);
        assert_eq!(names(&dir.join(eco)), ["all.zip", "modified_id.csv"]);
        let file = std::fs::File::open(dir.join(eco).join("all.zip")).unwrap();
        let mut zip = zip::ZipArchive::new(file).unwrap();
        assert_eq!(zip.len(), 15);
        for name in &records {
            let mut entry = zip.by_name(name).unwrap();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            assert_eq!(
                text,
                std::fs::read_to_string(dir.join(branch).join(name)).unwrap()
            );
            let record: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(format!("{}.json", record["id"].as_str().unwrap()), *name);
            assert_eq!(record["database_specific"]["branch"], branch);
            // The configured [distribution] url gives the tracker's page.
            let first = &record["references"][0];
            assert_eq!(first["type"], "ADVISORY");
            assert!(
                first["url"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://security.secfixes.example/vuln/CVE-2026-900")
            );
        }
        let csv = std::fs::read_to_string(dir.join(eco).join("modified_id.csv")).unwrap();
        assert_eq!(csv.lines().count(), 15);
        assert!(
            csv.lines().all(|l| l.contains(",ALPINE-CVE-2026-900")),
            "{csv}"
        );
    }

    // One branch: the other is left as it was.
    let before = std::fs::read(dir.join("Alpine:v3.22/all.zip")).unwrap();
    let out = store.run(&[
        "export",
        "osv",
        "--output",
        dir.to_str().unwrap(),
        "--branch",
        "edge",
    ]);
    expect(&out, 0);
    assert!(!stderr(&out).contains("v3.22"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(dir.join("Alpine:v3.22/all.zip")).unwrap(),
        before
    );
    assert_eq!(
        names(&dir),
        ["Alpine:edge", "Alpine:v3.22", "edge", "v3.22"]
    );
}

#[test]
fn osv_bad_input() {
    let store = DemoStore::configured();
    let dir = store.path("osv");
    let out = store.run(&[
        "export",
        "osv",
        "--output",
        dir.to_str().unwrap(),
        "--branch",
        "v3.99",
    ]);
    expect(&out, 2);
    assert!(stderr(&out).contains("\"v3.99\""), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("known: edge, v3.22"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.exists());

    expect(&store.run(&["export", "osv"]), 2);

    let blocker = store.path("a-file");
    std::fs::write(&blocker, "").unwrap();
    let out = store.run(&[
        "export",
        "osv",
        "--output",
        blocker.join("sub").to_str().unwrap(),
    ]);
    expect(&out, 2);
    assert!(
        stderr(&out).contains(blocker.to_str().unwrap()),
        "{}",
        stderr(&out)
    );
}

#[test]
fn openvex_to_stdout_and_to_a_file() {
    let store = DemoStore::configured();
    let out = store.run(&["export", "openvex", "--branch", "v3.22"]);
    expect(&out, 0);
    let text = stdout(&out);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["@context"], "https://openvex.dev/ns/v0.2.0");
    assert_eq!(
        doc["@id"],
        "https://security.secfixes.example/openvex/v3.22"
    );
    assert_eq!(doc["author"], "Demo Linux");
    let statements = doc["statements"].as_array().unwrap();
    assert_eq!(statements.len(), 15);
    let musl = statements
        .iter()
        .find(|s| s["vulnerability"]["name"] == "CVE-2026-90009")
        .unwrap();
    assert_eq!(musl["status"], "affected");
    assert_eq!(
        musl["products"][0]["@id"],
        "pkg:apk/alpine/musl@1.2.5-r10?arch=source&distro=alpine-3.22"
    );

    let file = store.path("vex/v3.22.openvex.json");
    std::fs::create_dir(store.path("vex")).unwrap();
    let out = store.run(&[
        "export",
        "openvex",
        "--branch",
        "v3.22",
        "--output",
        file.to_str().unwrap(),
    ]);
    expect(&out, 0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert_eq!(
        names(&store.path("vex")),
        ["v3.22.openvex.json"],
        "no temporary files"
    );
    assert!(stderr(&out).contains("15 statements"), "{}", stderr(&out));
}

#[test]
fn openvex_bad_input() {
    let store = DemoStore::configured();
    let out = store.run(&["export", "openvex", "--branch", "v3.99"]);
    expect(&out, 2);
    assert!(stderr(&out).contains("\"v3.99\""), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    expect(&store.run(&["export", "openvex"]), 2);
    let file = store.path("missing/v.json");
    let out = store.run(&[
        "export",
        "openvex",
        "--branch",
        "edge",
        "--output",
        file.to_str().unwrap(),
    ]);
    expect(&out, 2);
    assert!(
        stderr(&out).contains(file.to_str().unwrap()),
        "{}",
        stderr(&out)
    );
}
