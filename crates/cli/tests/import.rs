//! `secfixes import nvd` against local files and a local HTTP server.
#![allow(clippy::unwrap_used)]

#[path = "../../fetch/tests/server/mod.rs"]
mod server;
#[path = "../../apk/tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use server::{Pages, Reply, Seen, Server};

fn secfixes(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secfixes"))
        .arg("import")
        .args(args)
        .env_remove("NVD_API_KEY")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The ids of a JSON-lines output, checking that every line is a CVE object.
fn jsonl_ids(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let cve: serde_json::Value = serde_json::from_str(line).unwrap();
            cve["id"].as_str().unwrap().to_string()
        })
        .collect()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn pages_records_and_feeds_from_files() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let nvd = fixtures.join("nvd");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cves.jsonl");
    let gz = dir.path().join("page.json.gz");
    std::fs::write(
        &gz,
        gzip(&std::fs::read(nvd.join("vunnel/nvd-api2-full-page.json")).unwrap()),
    )
    .unwrap();
    let run = secfixes(&[
        "nvd",
        s(&gz),
        s(&nvd.join("fkie-cad/CVE-2018-0734.json")),
        s(&nvd.join("osv.dev-vulnfeeds/nvdcve-1.1-test-data.json")),
        "--jsonl",
        s(&out),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let ids = jsonl_ids(&out);
    assert_eq!(ids.len(), 38 + 1 + 669);
    assert!(ids.contains(&"CVE-2018-0734".to_string()));
    let log = stderr(&run);
    assert!(log.contains("page.json.gz: 38 records"), "{log}");
    assert!(log.contains("708 records written"), "{log}");
}

#[test]
fn a_url_is_downloaded_and_a_cut_download_retried() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let page = gzip(&std::fs::read(fixtures.join("nvd/vunnel/nvd-api2-full-page.json")).unwrap());
    let server = Server::start(move |seen: &Seen| match seen.n {
        0 => Reply {
            cut: 50,
            ..Reply::ok(page[..page.len() - 50].to_vec())
        },
        _ => Reply::ok(page.clone()),
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cves.jsonl");
    let url = format!("{}/page.json.gz", server.url);
    let run = secfixes(&["nvd", &url, "--retry-wait", "0.01", "--jsonl", s(&out)]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(jsonl_ids(&out).len(), 38);
    assert_eq!(server.requests().len(), 2);
    assert!(stderr(&run).contains("retrying"), "{}", stderr(&run));
}

#[test]
fn the_api_with_a_key_and_a_state_file() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let pages = Pages::vunnel(&fixtures);
    let empty = Pages::new(Vec::new());
    let p = pages.clone();
    let server = Server::start(move |seen: &Seen| {
        assert_eq!(seen.headers.get("apikey").map(String::as_str), Some("k3y"));
        if seen.query.contains_key("lastModStartDate") {
            Reply::ok(empty.page(seen))
        } else {
            Reply::ok(p.page(seen))
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (out, state) = (dir.path().join("cves.jsonl"), dir.path().join("state.json"));
    let args = [
        "nvd",
        "--api",
        "--api-key",
        "k3y",
        "--base-url",
        &server.url,
        "--state",
        s(&state),
        "--results-per-page",
        "10",
        "--jsonl",
        s(&out),
    ];
    let run = secfixes(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    let ids = jsonl_ids(&out);
    assert_eq!(ids.len(), 38);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 38);
    assert_eq!(server.requests().len(), 4);
    assert!(
        stderr(&run).contains("page startIndex 30: 8 CVEs (38 of 38)"),
        "{}",
        stderr(&run)
    );
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let mark = saved["last_modified"].as_str().unwrap().to_string();
    assert!(mark.ends_with("+00:00"), "{saved}");
    assert!(saved["cursor"].is_null());

    // Again: only what changed since the mark, which is nothing.
    let run = secfixes(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(jsonl_ids(&out).is_empty());
    let again = &server.requests()[4];
    assert_eq!(again.query["lastModStartDate"], mark);
}

#[test]
fn a_failed_import_leaves_the_output_and_the_mark_alone() {
    let server = Server::start(|seen: &Seen| {
        if seen.n == 0 {
            Reply::status(503)
        } else {
            Reply::status(500)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (out, state) = (dir.path().join("cves.jsonl"), dir.path().join("state.json"));
    std::fs::write(&out, "previous\n").unwrap();
    let mark = "{\"last_modified\": \"2026-01-01T00:00:00.000+00:00\"}\n";
    std::fs::write(&state, mark).unwrap();
    let run = secfixes(&[
        "nvd",
        "--api",
        "--base-url",
        &server.url,
        "--state",
        s(&state),
        "--attempts",
        "2",
        "--retry-wait",
        "0.01",
        "--jsonl",
        s(&out),
    ]);
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(
        err.contains("secfixes: error:") && err.contains("HTTP status 500 (after 2 attempts)"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous\n");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), mark);
    let left: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(left.len(), 2, "no temporary file is left: {left:?}");
}

#[test]
fn a_bad_record_is_skipped_and_a_bad_file_fails() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let mut page: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixtures.join("nvd/vunnel/nvd-api2-full-page.json")).unwrap(),
    )
    .unwrap();
    let first = &mut page["vulnerabilities"][0]["cve"];
    let id = first["id"].as_str().unwrap().to_string();
    first["published"] = serde_json::json!(17);
    let dir = tempfile::tempdir().unwrap();
    let (bad_record, bad_file) = (dir.path().join("page.json"), dir.path().join("cut.json"));
    std::fs::write(&bad_record, serde_json::to_vec(&page).unwrap()).unwrap();
    std::fs::write(&bad_file, b"{\"vulnerabilities\": [").unwrap();
    let out = dir.path().join("cves.jsonl");

    let run = secfixes(&["nvd", s(&bad_record), "--jsonl", s(&out)]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(jsonl_ids(&out).len(), 37);
    let err = stderr(&run);
    assert!(
        err.contains("warning:") && err.contains(&id) && err.contains("published"),
        "{err}"
    );
    assert!(err.contains("page.json"), "{err}");

    let run = secfixes(&["nvd", s(&bad_record), s(&bad_file), "--jsonl", s(&out)]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("cut.json"), "{}", stderr(&run));
    assert_eq!(jsonl_ids(&out).len(), 37, "the previous output stays");
}

#[test]
fn without_jsonl_the_store_needs_a_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let run = secfixes(&[
        "nvd",
        "x.json",
        "--config",
        s(&dir.path().join("none.toml")),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("none.toml") && stderr(&run).contains("no configuration file"),
        "{}",
        stderr(&run)
    );
    let run = secfixes(&["nvd", "--jsonl", "x"]);
    assert_eq!(run.status.code(), Some(2), "no input");
}

/// A zip of the record files in `dir`, under `cves/<name>` as in a cvelistV5 zip.
fn zip_of(dir: &Path) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in names {
        let name = path.file_name().unwrap().to_str().unwrap();
        zip.start_file(format!("cves/{name}"), options).unwrap();
        zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn cve5_trees_zips_and_urls() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let tree = fixtures.join("nvd/osv.dev-vulnfeeds/cve5");
    let count = std::fs::read_dir(&tree).unwrap().count();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cves.jsonl");
    let zip = zip_of(&tree);
    let zip_path = dir.path().join("cvelistV5.zip");
    std::fs::write(&zip_path, &zip).unwrap();
    let served = zip.clone();
    let server = Server::start(move |_: &Seen| Reply::ok(served.clone()));
    let url = format!("{}/cvelistV5-main.zip", server.url);

    let run = secfixes(&["cve5", s(&tree), s(&zip_path), &url, "--jsonl", s(&out)]);
    assert!(run.status.success(), "{}", stderr(&run));
    let ids = jsonl_ids(&out);
    assert_eq!(ids.len(), 3 * count);
    assert_eq!(ids[..count], ids[count..2 * count]);
    assert!(ids.contains(&"CVE-2024-3094".to_string()));
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(first["id"].as_str().unwrap().starts_with("CVE-"));

    // A cut zip fails the import and leaves the output alone.
    std::fs::write(&zip_path, &zip[..zip.len() / 2]).unwrap();
    let run = secfixes(&["cve5", s(&zip_path), "--jsonl", s(&out)]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("cvelistV5.zip"), "{}", stderr(&run));
    assert_eq!(jsonl_ids(&out).len(), 3 * count);
}

#[test]
fn the_gen_corpus_through_import() {
    let Some(corpus) = support::corpus() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cves.jsonl");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(corpus.join("nvd"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    let mut args: Vec<&str> = vec!["nvd"];
    args.extend(pages.iter().map(|p| s(p)));
    args.extend(["--jsonl", s(&out)]);
    let run = secfixes(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    let ids = jsonl_ids(&out);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len());
    assert!(ids.len() > 2000, "{}", ids.len());

    let run = secfixes(&["cve5", s(&corpus.join("cve5")), "--jsonl", s(&out)]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(!jsonl_ids(&out).is_empty());
}
