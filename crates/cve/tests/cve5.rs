//! CVE JSON 5 records: the real records in the shared fixtures, the gen-corpus tree, a
//! zip, and bad input.
#![allow(clippy::unwrap_used)]

#[path = "../../apk/tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::path::Path;

use secfixes_apk::{ErrorKind, Result};
use secfixes_cve::cve5::{self, walk};
use secfixes_cve::model::{Bound, CvssVersion, RuleStatus, Severity, Status, Versions};
use secfixes_cve::{Cve, Origin, Rule};

fn read_all(path: &Path) -> Vec<Cve> {
    let mut out = Vec::new();
    let n = walk::read_path(path, &mut |r: Result<Cve>| out.push(r.unwrap())).unwrap();
    assert_eq!(n, out.len());
    out
}

fn find<'a>(cves: &'a [Cve], id: &str) -> &'a Cve {
    cves.iter().find(|c| c.id == id).unwrap()
}

fn rule<'a>(c: &'a Cve, path: &str) -> &'a Rule {
    c.rules
        .iter()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("no rule at {path}"))
}

fn range(start: Option<(&str, bool)>, end: Option<(&str, bool)>) -> Versions {
    let b = |(v, inclusive): (&str, bool)| Bound {
        version: v.to_owned(),
        inclusive,
    };
    Versions::Range {
        start: start.map(b),
        end: end.map(b),
    }
}

#[test]
fn every_fixture_record_parses() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let dir = fx.join("nvd/osv.dev-vulnfeeds");
    let a = read_all(&dir.join("cve5"));
    let b = read_all(&dir.join("cvelistV5"));
    assert_eq!((a.len(), b.len()), (13, 11));
    for c in a.iter().chain(&b) {
        assert!(c.id.starts_with("CVE-"));
        assert_eq!(c.status, Status::Published);
        assert!(c.description.is_some(), "{}", c.id);
        assert!(!c.sources.is_empty());
    }
    // The same record in both directories reads the same.
    assert_eq!(find(&a, "CVE-2024-3094"), find(&b, "CVE-2024-3094"));
}

#[test]
fn xz_cve_2024_3094() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let c = walk::read_file(&fx.join("nvd/osv.dev-vulnfeeds/cve5/CVE-2024-3094.json")).unwrap();
    assert_eq!(c.sources, vec![Origin::Cna, Origin::Adp]);
    assert_eq!(c.cwes, vec!["CWE-506"]);
    assert!(c.published.as_deref().unwrap().starts_with("2024-03-29"));
    let v31 = c
        .cvss
        .iter()
        .find(|s| s.version == CvssVersion::V3_1)
        .unwrap();
    assert_eq!((v31.score, v31.severity), (10.0, Severity::Critical));
    assert_eq!(
        (v31.origin, v31.source.as_deref()),
        (Origin::Cna, Some("redhat"))
    );
    // Upstream xz: two affected versions, unaffected otherwise.
    let r = rule(&c, "containers.cna.affected[0].versions[0]");
    assert_eq!(r.package_name.as_deref(), Some("xz"));
    assert_eq!(
        r.collection_url.as_deref(),
        Some("https://github.com/tukaani-project/xz")
    );
    assert_eq!(
        (&r.versions, r.status),
        (
            &Versions::Exact {
                version: "5.6.0".into()
            },
            RuleStatus::Affected
        )
    );
    assert_eq!(r.origin, Origin::Cna);
    assert_eq!(r.source.as_deref(), Some("redhat"));
    let d = rule(&c, "containers.cna.affected[0].defaultStatus");
    assert_eq!(
        (&d.versions, d.status),
        (&Versions::Any, RuleStatus::Unaffected)
    );
    // Red Hat products named by CPE 2.2 URIs: the product only, with the default status.
    let rhel = rule(&c, "containers.cna.affected[1].cpes[0]");
    assert_eq!(rhel.criteria, "cpe:/o:redhat:enterprise_linux:10");
    assert_eq!(
        (rhel.vendor.as_deref(), rhel.product.as_deref()),
        (Some("redhat"), Some("enterprise_linux"))
    );
    assert_eq!(
        rhel.versions,
        Versions::Exact {
            version: "10".into()
        }
    );
}

#[test]
fn ranges_and_changes() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let dir = fx.join("nvd/osv.dev-vulnfeeds");
    // lessThan with versionType, and a CNA CPE with version `*`.
    let c = walk::read_file(&dir.join("cvelistV5/CVE-2025-1110.json")).unwrap();
    let r = rule(&c, "containers.cna.affected[0].versions[0]");
    assert_eq!(
        r.versions,
        range(Some(("18.0", true)), Some(("18.0.1", false)))
    );
    assert_eq!(r.version_type.as_deref(), Some("semver"));
    let cpe = rule(&c, "containers.cna.affected[0].cpes[0]");
    assert_eq!(
        (&cpe.versions, cpe.status),
        (&Versions::Any, RuleStatus::Unaffected)
    );
    // lessThanOrEqual is an inclusive end.
    let c = walk::read_file(&dir.join("cve5/CVE-2024-7264.json")).unwrap();
    let r = rule(&c, "containers.cna.affected[0].versions[0]");
    assert_eq!(
        r.versions,
        range(Some(("8.9.0", true)), Some(("8.9.0", true)))
    );
    // log4j: one entry cut at each change.
    let c = walk::read_file(&dir.join("cvelistV5/CVE-2021-44228.json")).unwrap();
    let stretches: Vec<&Rule> = c
        .rules
        .iter()
        .filter(|r| {
            r.criteria
                .starts_with("Apache Software Foundation Apache Log4j2")
        })
        .filter(|r| r.path.contains(".versions["))
        .collect();
    assert_eq!(stretches.len(), 6);
    assert_eq!(
        stretches[0].versions,
        range(Some(("2.0-beta9", true)), Some(("2.3.1", false)))
    );
    assert_eq!(stretches[0].status, RuleStatus::Affected);
    assert_eq!(
        stretches[1].versions,
        range(Some(("2.3.1", true)), Some(("2.4", false)))
    );
    assert_eq!(stretches[1].status, RuleStatus::Unaffected);
    assert!(stretches[1].path.ends_with(".versions[0].changes[0]"));
    assert_eq!(stretches[5].status, RuleStatus::Unaffected);
}

/// A record written for the rules: ADP CPEs, open starts, n/a names, Rejected.
#[test]
fn inline_record_rules() {
    let text = r#"{"dataType":"CVE_RECORD","dataVersion":"5.1",
      "cveMetadata":{"cveId":"CVE-2024-0001","state":"PUBLISHED","assignerShortName":"acme"},
      "containers":{
        "cna":{"providerMetadata":{"orgId":"x"},
          "descriptions":[{"lang":"de","value":"Fehler"},{"lang":"en-US","value":"A bug."}],
          "affected":[{"vendor":"n/a","product":"Widget","versions":[
             {"version":"0","lessThan":"1.2.3","status":"affected","versionType":"semver"},
             {"version":"2.0","status":"unaffected"},
             {"version":"unspecified","lessThan":"*","status":"unknown"}]}],
          "problemTypes":[{"descriptions":[{"lang":"en","description":"CWE-79 Cross-site Scripting","type":"CWE"}]}],
          "metrics":[{"cvssV2_0":{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:P/I:P/A:P","baseScore":7.5}},
                     {"cvssV4_0":{"version":"4.0","vectorString":"CVSS:4.0/AV:N","baseScore":9.3,"baseSeverity":"CRITICAL"}}],
          "references":[{"url":"https://example.org/a","tags":["patch"]}]},
        "adp":[{"providerMetadata":{"shortName":"CISA-ADP"},
          "affected":[{"vendor":"acme","product":"widget",
             "cpes":["cpe:2.3:a:acme:widget:*:*:*:*:*:node\\.js:*:*","cpe:2.3:a:acme:widget:1.0:*:*:*:*:*:*:*"],
             "defaultStatus":"unknown",
             "versions":[{"version":"0","status":"affected","lessThanOrEqual":"1.2.2","versionType":"custom"}]}],
          "problemTypes":[{"descriptions":[{"cweId":"CWE-20","lang":"en","type":"CWE","description":"x"}]}],
          "metrics":[{"other":{"type":"ssvc","content":{}}}],
          "references":[{"url":"https://example.org/a"}]}]}}"#;
    let c = cve5::parse_record(text).unwrap();
    assert_eq!(c.description.as_deref(), Some("A bug."));
    assert_eq!(c.cwes, vec!["CWE-79", "CWE-20"]);
    assert_eq!(c.references.len(), 1);
    let v2 = &c.cvss[0];
    assert_eq!((v2.version, v2.severity), (CvssVersion::V2, Severity::High));
    assert_eq!(v2.source.as_deref(), Some("acme"));
    assert_eq!(c.cvss[1].severity, Severity::Critical);

    let r = rule(&c, "containers.cna.affected[0].versions[0]");
    assert_eq!(r.vendor, None);
    assert_eq!(r.product.as_deref(), Some("Widget"));
    assert_eq!(r.versions, range(None, Some(("1.2.3", false))));
    let r = rule(&c, "containers.cna.affected[0].versions[1]");
    assert_eq!(
        (&r.versions, r.status),
        (
            &Versions::Exact {
                version: "2.0".into()
            },
            RuleStatus::Unaffected
        )
    );
    let r = rule(&c, "containers.cna.affected[0].versions[2]");
    assert_eq!(
        (&r.versions, r.status),
        (&range(None, None), RuleStatus::Unknown)
    );

    let r = rule(&c, "containers.adp[0].affected[0].versions[0]");
    assert_eq!(
        (r.origin, r.source.as_deref()),
        (Origin::Adp, Some("CISA-ADP"))
    );
    assert_eq!(r.versions, range(None, Some(("1.2.2", true))));
    let any = rule(&c, "containers.adp[0].affected[0].cpes[0]");
    assert_eq!(
        (&any.versions, any.status),
        (&Versions::Any, RuleStatus::Unknown)
    );
    assert_eq!(any.target_sw.as_deref(), Some("node.js"));
    let exact = rule(&c, "containers.adp[0].affected[0].cpes[1]");
    assert_eq!(
        (&exact.versions, exact.status),
        (
            &Versions::Exact {
                version: "1.0".into()
            },
            RuleStatus::Affected
        )
    );
    assert_eq!(c.sources, vec![Origin::Cna, Origin::Adp]);

    let rejected = r#"{"cveMetadata":{"cveId":"CVE-2024-0002","state":"REJECTED"},
      "containers":{"cna":{"rejectedReasons":[{"lang":"en","value":"Duplicate."}]}}}"#;
    let c = cve5::parse_record(rejected).unwrap();
    assert_eq!(c.status, Status::Rejected);
    assert_eq!(c.description.as_deref(), Some("Duplicate."));
    assert!(c.rules.is_empty());
}

#[test]
fn bad_record_names_cve_and_field() {
    let text = r#"{"cveMetadata":{"cveId":"CVE-2024-0003","state":"PUBLISHED"},
      "containers":{"cna":{"metrics":[{"cvssV3_1":{"vectorString":"CVSS:3.1/AV:N","baseScore":"ten"}}]}}}"#;
    let e = cve5::parse_record(text).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Json);
    let msg = e.to_string();
    assert!(
        msg.contains("CVE-2024-0003: containers.cna.metrics[0].cvssV3_1.baseScore"),
        "{msg}"
    );
    assert!(cve5::parse_record("[]").is_err());
    assert!(cve5::read(b"\xff\xfe").is_err());
}

/// A directory with a bad file: it is reported by name, the others still come.
#[test]
fn directory_and_zip() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("cves/2024/0xxx");
    std::fs::create_dir_all(&tree).unwrap();
    let good = |id: &str| {
        format!(
            r#"{{"cveMetadata":{{"cveId":"{id}","state":"PUBLISHED"}},"containers":{{"cna":{{}}}}}}"#
        )
    };
    std::fs::write(tree.join("CVE-2024-0001.json"), good("CVE-2024-0001")).unwrap();
    std::fs::write(tree.join("CVE-2024-0002.json"), "{not json").unwrap();
    std::fs::write(tree.join("README.md"), "not a record").unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git/CVE-2024-0009.json"), "x").unwrap();
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    let n = walk::read_path(dir.path(), &mut |r| match r {
        Ok(c) => ok.push(c.id),
        Err(e) => bad.push(e.to_string()),
    })
    .unwrap();
    assert_eq!(n, 2);
    assert_eq!(ok, vec!["CVE-2024-0001"]);
    assert!(bad[0].contains("CVE-2024-0002.json"), "{}", bad[0]);

    // The same as a zip, deflated.
    let zip_path = dir.path().join("cves.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.add_directory("cves/2024/0xxx/", options).unwrap();
    for id in ["CVE-2024-0001", "CVE-2024-0004"] {
        zip.start_file(format!("cves/2024/0xxx/{id}.json"), options)
            .unwrap();
        zip.write_all(good(id).as_bytes()).unwrap();
    }
    zip.start_file("cves/2024/0xxx/CVE-2024-0002.json", options)
        .unwrap();
    zip.write_all(b"{not json").unwrap();
    zip.start_file("cves/delta.json", options).unwrap();
    zip.write_all(b"{}").unwrap();
    zip.finish().unwrap();
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    let n = walk::read_path(&zip_path, &mut |r| match r {
        Ok(c) => ok.push(c.id),
        Err(e) => bad.push(e.to_string()),
    })
    .unwrap();
    assert_eq!(n, 3);
    assert_eq!(ok, vec!["CVE-2024-0001", "CVE-2024-0004"]);
    assert!(
        bad[0].contains("cves.zip!cves/2024/0xxx/CVE-2024-0002.json"),
        "{}",
        bad[0]
    );

    // A broken zip fails as a whole, naming the file.
    let broken = dir.path().join("broken.zip");
    std::fs::write(&broken, b"PK\x03\x04 and then nothing").unwrap();
    let e = walk::read_path(&broken, &mut |_| ()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Archive);
    assert!(e.to_string().contains("broken.zip"), "{e}");
}

/// The gen-corpus CVE 5 tree: every record parses; counts as in its manifest.
#[test]
fn corpus_records() {
    let Some(corpus) = support::corpus() else {
        return;
    };
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus.join("MANIFEST.json")).unwrap()).unwrap();
    let counts = &manifest["counts"];
    let cves = read_all(&corpus.join("cve5"));
    assert_eq!(cves.len() as u64, counts["cve5_records"].as_u64().unwrap());
    let cisa = cves
        .iter()
        .filter(|c| {
            c.rules
                .iter()
                .any(|r| r.source.as_deref() == Some("CISA-ADP"))
                || c.cvss
                    .iter()
                    .any(|s| s.source.as_deref() == Some("CISA-ADP"))
        })
        .count();
    // CISA containers holding only an SSVC decision leave no rule or score, so fewer
    // records show CISA-ADP data than have its container.
    assert!(cisa as u64 <= counts["cve5_with_cisa_adp"].as_u64().unwrap());
    assert!(cisa > 0);
}
