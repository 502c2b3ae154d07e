//! NVD readers over the real records in the shared fixtures and the gen-corpus pages.
#![allow(clippy::unwrap_used)]

#[path = "../../apk/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use secfixes_apk::{ErrorKind, Result};
use secfixes_cve::model::{Bound, CvssVersion, RuleStatus, Severity, Status, Versions};
use secfixes_cve::nvd::{self, Format};
use secfixes_cve::{Cve, Origin};

/// Reads a file, failing on any bad record.
fn read_all(path: &Path) -> (Format, Vec<Cve>) {
    let mut out = Vec::new();
    let (format, n) = nvd::read_path(path, &mut |r: Result<Cve>| out.push(r.unwrap())).unwrap();
    assert_eq!(n, out.len());
    (format, out)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

fn find<'a>(cves: &'a [Cve], id: &str) -> &'a Cve {
    cves.iter().find(|c| c.id == id).unwrap()
}

#[test]
fn every_fixture_record_parses() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let nvd = fx.join("nvd");
    let mut total = 0;
    let fkie = files(&nvd.join("fkie-cad"));
    assert_eq!(fkie.len(), 10);
    for f in &fkie {
        let (format, cves) = read_all(f);
        assert_eq!(format, Format::V2Record, "{}", f.display());
        assert_eq!(cves.len(), 1);
        let stem = f.file_stem().unwrap().to_str().unwrap();
        assert!(stem.starts_with(&cves[0].id), "{stem}");
        total += 1;
    }
    let osv = files(&nvd.join("osv.dev-vulnfeeds/nvdcve-2.0"));
    assert_eq!(osv.len(), 23);
    for f in &osv {
        let (format, cves) = read_all(f);
        assert_eq!(format, Format::V2Page);
        assert_eq!(cves.len(), 1, "{}", f.display());
        total += cves.len();
    }
    let (format, feed) = read_all(&nvd.join("osv.dev-vulnfeeds/nvdcve-1.1-test-data.json"));
    assert_eq!(format, Format::V11Feed);
    assert_eq!(feed.len(), 669);
    total += feed.len();
    let (format, page) = read_all(&nvd.join("vunnel/nvd-api2-full-page.json"));
    assert_eq!(format, Format::V2Page);
    assert_eq!(page.len(), 38);
    let analyzed = page.iter().filter(|c| c.status == Status::Analyzed).count();
    let awaiting = page
        .iter()
        .filter(|c| c.status == Status::AwaitingAnalysis)
        .count();
    assert_eq!((analyzed, awaiting), (25, 13));
    total += page.len();
    let (_, single) = read_all(&nvd.join("vunnel/nvd-api2-single-entry.json"));
    total += single.len();
    assert_eq!(total, 10 + 23 + 669 + 38 + single.len());
    for c in feed.iter().chain(&page) {
        assert!(c.id.starts_with("CVE-"), "{}", c.id);
        assert_eq!(c.sources, vec![Origin::Nvd]);
    }
}

#[test]
fn page_paging_fields() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let bytes = std::fs::read(fx.join("nvd/vunnel/nvd-api2-full-page.json")).unwrap();
    let mut n = 0;
    let info = nvd::v2::read(&bytes, &mut |r| {
        r.unwrap();
        n += 1;
    })
    .unwrap();
    assert_eq!(info.records, 38);
    assert_eq!(n, 38);
    assert!(info.total_results.is_some() && info.results_per_page.is_some());
    assert!(!info.single);
}

#[test]
fn busybox_cve_2022_28391() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let (_, cves) = read_all(&fx.join("nvd/fkie-cad/CVE-2022-28391.json"));
    let c = &cves[0];
    assert_eq!(c.id, "CVE-2022-28391");
    assert_eq!(c.status, Status::Modified);
    assert!(c.description.as_deref().unwrap().contains("BusyBox"));
    // NVD-CWE-noinfo is not a CWE id; CISA's CWE-88 is.
    assert_eq!(c.cwes, vec!["CWE-88"]);
    let v31 = c
        .cvss
        .iter()
        .find(|s| s.version == CvssVersion::V3_1 && s.source.as_deref() == Some("nvd@nist.gov"))
        .unwrap();
    assert_eq!(v31.score, 8.8);
    assert_eq!(v31.severity, Severity::High);
    assert_eq!(v31.vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H");
    assert_eq!(v31.kind.as_deref(), Some("Primary"));
    assert!(c.cvss.iter().any(|s| s.version == CvssVersion::V2));
    assert!(!c.references.is_empty());
    assert!(c.published.as_deref().unwrap().starts_with("2022-04-03"));
    // BusyBox through 1.35.0.
    assert_eq!(c.rules.len(), 1);
    assert_eq!(c.rules[0].product.as_deref(), Some("busybox"));
    assert_eq!(
        c.rules[0].versions,
        Versions::Range {
            start: None,
            end: Some(Bound {
                version: "1.35.0".into(),
                inclusive: true
            })
        }
    );
}

#[test]
fn apk_tools_cve_2021_30139() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let (_, cves) = read_all(&fx.join("nvd/fkie-cad/CVE-2021-30139.json"));
    let c = &cves[0];
    assert_eq!(c.id, "CVE-2021-30139");
    let v31 = c
        .cvss
        .iter()
        .find(|s| s.version == CvssVersion::V3_1)
        .unwrap();
    assert_eq!((v31.score, v31.severity), (7.5, Severity::High));
    let v2 = c
        .cvss
        .iter()
        .find(|s| s.version == CvssVersion::V2)
        .unwrap();
    assert_eq!((v2.score, v2.severity), (5.0, Severity::Medium));
    assert_eq!(c.cwes, vec!["CWE-125"]);
    // apk-tools before 2.10.6, and 2.12.0 up to 2.12.5.
    assert_eq!(c.rules.len(), 2);
    for r in &c.rules {
        assert_eq!(r.origin, Origin::Nvd);
        assert_eq!(
            (r.vendor.as_deref(), r.product.as_deref()),
            (Some("alpinelinux"), Some("apk-tools"))
        );
        assert_eq!(r.status, RuleStatus::Affected);
    }
    let b = |v: &str, inclusive| Bound {
        version: v.into(),
        inclusive,
    };
    assert_eq!(
        c.rules[0].versions,
        Versions::Range {
            start: None,
            end: Some(b("2.10.6", false))
        }
    );
    assert_eq!(
        c.rules[1].versions,
        Versions::Range {
            start: Some(b("2.12.0", true)),
            end: Some(b("2.12.5", false))
        }
    );
    assert_eq!(c.rules[1].path, "configurations[0].nodes[0].cpeMatch[1]");
}

#[test]
fn awaiting_analysis_has_no_rules() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let (_, cves) = read_all(&fx.join("nvd/fkie-cad/CVE-2023-5678.awaiting-analysis.json"));
    let c = &cves[0];
    assert_eq!(c.status, Status::AwaitingAnalysis);
    assert!(c.rules.is_empty());
    assert!(c.description.is_some());
}

#[test]
fn v11_feed_values() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let (_, feed) = read_all(&fx.join("nvd/osv.dev-vulnfeeds/nvdcve-1.1-test-data.json"));
    let c = find(&feed, "CVE-2022-0090");
    assert_eq!(c.cwes, vec!["CWE-269"]);
    assert_eq!(c.references.len(), 3);
    assert_eq!(c.references[0].tags, vec!["Permissions Required"]);
    let v31 = c
        .cvss
        .iter()
        .find(|s| s.version == CvssVersion::V3_1)
        .unwrap();
    assert_eq!((v31.score, v31.severity), (6.5, Severity::Medium));
    let v2 = c
        .cvss
        .iter()
        .find(|s| s.version == CvssVersion::V2)
        .unwrap();
    assert_eq!((v2.score, v2.severity), (5.0, Severity::Medium));
    assert!(c.published.is_some() && c.last_modified.is_some());
}

/// A bad field in one record is reported with file, CVE id and path; the rest still come.
#[test]
fn bad_record_is_reported_and_skipped() {
    let page = br#"{"resultsPerPage":3,"startIndex":0,"totalResults":3,"vulnerabilities":[
        {"cve":{"id":"CVE-2021-0001","vulnStatus":"Analyzed"}},
        {"cve":{"id":"CVE-2021-1234","metrics":{"cvssMetricV31":[{"source":"x","cvssData":{"vectorString":"CVSS:3.1/AV:N","baseScore":"high"}}]}}},
        {"cve":{"id":"CVE-2021-0003","vulnStatus":"Rejected"}}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.json");
    std::fs::write(&path, page).unwrap();
    let mut good = Vec::new();
    let mut bad = Vec::new();
    nvd::read_path(&path, &mut |r| match r {
        Ok(c) => good.push(c),
        Err(e) => bad.push(e),
    })
    .unwrap();
    assert_eq!(good.len(), 2);
    assert_eq!(good[1].status, Status::Rejected);
    assert_eq!(bad.len(), 1);
    let msg = bad[0].to_string();
    assert!(msg.contains("page.json"), "{msg}");
    assert!(
        msg.contains("CVE-2021-1234: cve.metrics.cvssMetricV31[0].cvssData.baseScore"),
        "{msg}"
    );
    assert_eq!(bad[0].kind(), ErrorKind::Json);
}

#[test]
fn bad_files_fail_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let not_json = dir.path().join("not.json");
    std::fs::write(&not_json, b"<html>").unwrap();
    let e = nvd::read_path(&not_json, &mut |_| ()).unwrap_err();
    assert!(e.to_string().contains("not.json"), "{e}");

    // A gzip stream cut in half.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &vec![b' '; 100_000]).unwrap();
    let gz = gz.finish().unwrap();
    let cut = dir.path().join("cut.json.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let e = nvd::read_path(&cut, &mut |_| ()).unwrap_err();
    assert!(e.to_string().contains("cut.json.gz"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Truncated);

    // JSON of neither shape.
    let other = dir.path().join("other.json");
    std::fs::write(&other, b"{\"a\": 1}").unwrap();
    assert!(nvd::read_path(&other, &mut |_| ()).is_err());
    // A 1.1 feed cut short.
    let feed = dir.path().join("feed.json");
    std::fs::write(
        &feed,
        b"{\"CVE_data_type\":\"CVE\",\"CVE_Items\":[{\"cve\":",
    )
    .unwrap();
    let e = nvd::read_path(&feed, &mut |_| ()).unwrap_err();
    assert!(e.to_string().contains("feed.json"), "{e}");
}

/// The gen-corpus NVD pages: every record parses and the count is the manifest's.
#[test]
fn corpus_pages() {
    let Some(corpus) = support::corpus() else {
        return;
    };
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus.join("MANIFEST.json")).unwrap()).unwrap();
    let counts = &manifest["counts"];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(corpus.join("nvd"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_str().unwrap().ends_with(".json.gz"))
        .collect();
    pages.sort();
    assert_eq!(pages.len() as u64, counts["nvd_pages"].as_u64().unwrap());
    let mut cves = Vec::new();
    for p in &pages {
        let (format, page) = read_all(p);
        assert_eq!(format, Format::V2Page);
        cves.extend(page);
    }
    assert_eq!(cves.len() as u64, counts["cves"].as_u64().unwrap());
    let with_rules = cves.iter().filter(|c| !c.rules.is_empty()).count() as u64;
    assert!(with_rules > 0);
    assert!(with_rules <= counts["cves_with_configurations"].as_u64().unwrap());
    for (status, n) in counts["vuln_status"].as_object().unwrap() {
        let want = match status.as_str() {
            "Analyzed" => Status::Analyzed,
            "Awaiting Analysis" => Status::AwaitingAnalysis,
            "Deferred" => Status::Deferred,
            "Modified" => Status::Modified,
            "Rejected" => Status::Rejected,
            "Received" => Status::Received,
            _ => continue,
        };
        let got = cves.iter().filter(|c| c.status == want).count() as u64;
        assert_eq!(got, n.as_u64().unwrap(), "{status}");
    }
}

/// Gzip is recognised by its magic bytes: a 1.1 feed streams through the decompressor.
#[test]
fn gzip_feed_and_page() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, want, format) in [
        (
            "osv.dev-vulnfeeds/nvdcve-1.1-test-data.json",
            669,
            Format::V11Feed,
        ),
        ("vunnel/nvd-api2-full-page.json", 38, Format::V2Page),
    ] {
        let bytes = std::fs::read(fx.join("nvd").join(name)).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &bytes).unwrap();
        let path = dir.path().join("feed.json.gz");
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let (got_format, cves) = read_all(&path);
        assert_eq!((got_format, cves.len()), (format, want), "{name}");
    }
}
