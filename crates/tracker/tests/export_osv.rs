//! `export::osv` on both backends, on the bundled demo with a triage rejection added:
//!
//! - every record of both branches validates against the OSV schema of the fixtures
//!   (`../shared/fixtures/osv/osv-schema.json`, draft 2020-12, formats checked);
//! - the records say what the demo's README table says: ranges for fixed and vulnerable
//!   packages, not-affected and undecided packages in `database_specific`, the triage
//!   rejection with its reason code, rationale, author and date;
//! - `modified` is the latest change of a state, a rejection or the CVE record;
//! - a few records are snapshots (`tests/snapshots/`);
//! - `write_dir` writes `<branch>/<id>.json`, `Alpine:<branch>/all.zip` holding exactly
//!   the same records and `modified_id.csv` in osv.dev's format, and a second export
//!   updates the directory in place;
//! - an unknown branch is an error naming it.
//!
//! The real v3.16 data (`examples/fixtures-3.16.toml`: real NVD records, vectors and
//! references) is exported and validated too; the schema and that data come from the
//! fixtures, so those checks say loudly when they are skipped outside CI.
#![allow(clippy::unwrap_used)]

mod real_store;
mod schemas;
mod support;

fn hidden() -> indicatif::ProgressBar {
    indicatif::ProgressBar::hidden()
}

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use schemas::Schema;
use secfixes_tracker::db::{Db, Value};
use secfixes_tracker::export::osv::{self, BranchRecords, Options, Record};
use secfixes_tracker::{demo, sync, update};

/// 2026-02-20T00:00:00Z: every state's `changed_at`, before the CVE records' dates.
const STATES_AT: i64 = 1_771_545_600;
/// 2026-03-02T12:00:00Z: the triage rejection.
const REJECTED_AT: i64 = 1_772_452_800;
const URL: &str = "https://security.secfixes.example";

/// The demo, with a triage rejection of CVE-2026-90008 for curl on 3.22-main (where
/// the demo has it possibly vulnerable) and the states recomputed, then every state's
/// time set to [`STATES_AT`] so that the records do not depend on when the test runs.
fn fixture(db: &mut dyn Db) {
    demo::load(db, &sync::Quiet).unwrap();
    db.execute(
        "INSERT INTO rejection (repo_tag, origin, vuln_id, source, reason, rationale, actor, \
         actor_role, created_at) VALUES ('3.22-main', 'curl', 'CVE-2026-90008', 'triage', \
         'vulnerable_code_not_present', 'Demo Linux builds curl without the affected protocol.', \
         'jane', 'maintainer', $1)",
        &[Value::Int(REJECTED_AT)],
    )
    .unwrap();
    db.execute(
        "INSERT INTO dirty (kind, key, sub) VALUES ('cve', 'CVE-2026-90008', '')",
        &[],
    )
    .unwrap();
    let config = demo::embedded_config().unwrap();
    update::update(db, &config, false, &indicatif::ProgressBar::hidden()).unwrap();
    db.execute("UPDATE state SET changed_at = $1", &[Value::Int(STATES_AT)])
        .unwrap();
}

fn options() -> Options {
    Options {
        branches: Vec::new(),
        tracker_url: Some(URL.to_owned()),
    }
}

fn branch<'a>(all: &'a [BranchRecords], name: &str) -> &'a BranchRecords {
    all.iter().find(|b| b.branch == name).unwrap()
}

fn record<'a>(branch: &'a BranchRecords, cve: &str) -> &'a Record {
    let id = format!("ALPINE-{cve}");
    branch
        .records
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no record {id} in {}", branch.branch))
}

fn json(record: &Record) -> serde_json::Value {
    serde_json::from_str(&record.to_json().unwrap()).unwrap()
}

/// `origin: events` of each affected entry, `origin (state)` of the others.
fn summary(record: &Record) -> Vec<String> {
    let mut out: Vec<String> = record
        .affected
        .iter()
        .map(|a| {
            let events: Vec<String> = a.ranges[0]
                .events
                .iter()
                .map(|e| match e {
                    osv::Event::Introduced(v) => format!(">={v}"),
                    osv::Event::Fixed(v) => format!("<{v}"),
                })
                .collect();
            format!("{} {}", a.package.name, events.join(" "))
        })
        .collect();
    let db = &record.database_specific;
    for e in db.not_affected.iter().chain(&db.under_investigation) {
        out.push(format!("{} ({})", e.name.as_deref().unwrap(), e.state));
    }
    out
}

support::backend_tests! {
    /// The records of both branches: schema-valid, as the demo's table says, and
    /// snapshots of a few.
    fn demo_records(db: &mut dyn Db) {
        fixture(db);
        let all = osv::records(db, &options()).unwrap();
        assert_eq!(
            all.iter().map(|b| b.branch.as_str()).collect::<Vec<_>>(),
            ["edge", "v3.22"]
        );
        for b in &all {
            assert_eq!(b.ecosystem, format!("Alpine:{}", b.branch));
            let ids: Vec<String> = b.records.iter().map(|r| r.id.clone()).collect();
            let want: Vec<String> =
                (1..=15).map(|n| format!("ALPINE-CVE-2026-900{n:02}")).collect();
            assert_eq!(ids, want, "{}: CVE-2026-90016 names no package", b.branch);
            assert!(b.skipped.is_empty());
        }

        if let Some(fixtures) = support::fixtures() {
            let schema = Schema::osv(&fixtures);
            for b in &all {
                for r in &b.records {
                    schema.assert_valid(&format!("{} {}", b.branch, r.id), &json(r));
                }
            }
        }

        let v322 = branch(&all, "v3.22");
        let edge = branch(&all, "edge");
        let table: BTreeMap<String, (Vec<String>, Vec<String>)> = (1..=15)
            .map(|n| {
                let cve = format!("CVE-2026-900{n:02}");
                let row = (summary(record(v322, &cve)), summary(record(edge, &cve)));
                (cve, row)
            })
            .collect();
        let expect = |cve: &str, v: &[&str], e: &[&str]| {
            let (got_v, got_e) = &table[cve];
            assert_eq!(got_v, v, "{cve} on v3.22");
            assert_eq!(got_e, e, "{cve} on edge");
        };
        expect("CVE-2026-90001", &["curl >=0 <8.14.1-r0"], &["curl >=0 <8.14.1-r0"]);
        expect("CVE-2026-90002", &["zlib >=0 <1.3.1-r2"], &["zlib >=0 <1.3.1-r2"]);
        expect("CVE-2026-90003", &["openssl >=0"], &["openssl (not-affected)"]);
        expect("CVE-2026-90004", &["expat (not-affected)"], &["expat (not-affected)"]);
        expect("CVE-2026-90005", &["busybox (not-affected)"], &["busybox (possibly-vulnerable)"]);
        expect("CVE-2026-90006", &["busybox (unknown)"], &["busybox (unknown)"]);
        expect("CVE-2026-90007", &["sqlite (possibly-vulnerable)"], &["sqlite (not-affected)"]);
        // The triage rejection made 3.22-main's possibly-vulnerable curl not affected.
        expect("CVE-2026-90008", &["curl (not-affected)"], &["curl (not-affected)"]);
        expect("CVE-2026-90009", &["musl >=0"], &["musl >=0 <1.2.5-r12"]);
        expect("CVE-2026-90010", &["libxml2 >=0"], &["libxml2 (not-affected)"]);
        expect("CVE-2026-90011", &["nginx >=0"], &["nginx (not-affected)"]);
        expect("CVE-2026-90012", &["redis >=0 <8.0.3-r0"], &["redis >=0 <8.0.3-r0"]);
        expect("CVE-2026-90013", &["imagemagick (not-affected)"], &["imagemagick (not-affected)"]);
        expect("CVE-2026-90014", &["py3-requests >=0 <2.32.4-r0"], &["py3-requests (not-affected)"]);
        expect("CVE-2026-90015", &["gifsicle >=0"], &["gifsicle (not-affected)"]);

        // Community is in the same ecosystem, with its repository named.
        let redis = &record(v322, "CVE-2026-90012").affected[0];
        assert_eq!(redis.package.ecosystem, "Alpine:v3.22");
        assert_eq!(redis.package.purl, "pkg:apk/alpine/redis?arch=source");
        assert_eq!(redis.database_specific.repository, "community");

        // The triage rejection, with everything it says.
        let curl = record(v322, "CVE-2026-90008");
        let entry = &curl.database_specific.not_affected[0];
        assert_eq!(entry.repository.as_deref(), Some("main"));
        let r = &entry.rejections[0];
        assert_eq!(
            (r.source.as_str(), r.reason.as_deref(), r.actor.as_deref(), r.actor_role.as_deref()),
            ("triage", Some("vulnerable_code_not_present"), Some("jane"), Some("maintainer"))
        );
        assert_eq!(
            r.rationale.as_deref(),
            Some("Demo Linux builds curl without the affected protocol.")
        );
        assert_eq!(r.created_at.as_deref(), Some("2026-03-02T12:00:00Z"));
        assert!(entry.summary.contains("rejected in triage"), "{}", entry.summary);
        // The YAML's rejection has no reason code and no author.
        let magick = &record(v322, "CVE-2026-90013").database_specific.not_affected[0];
        assert_eq!(magick.rejections[0].source, "rejections");
        assert_eq!(magick.rejections[0].reason, None);

        // `modified`: the rejection, else the NVD record, else the CVE 5 record (all
        // later than the states here).
        assert_eq!(curl.modified, "2026-03-02T12:00:00Z");
        assert_eq!(record(edge, "CVE-2026-90008").modified, "2026-03-01T09:00:00Z");
        assert_eq!(record(v322, "CVE-2026-90015").modified, "2026-02-21T08:30:00Z");
        // The tracker's page first, then the record's references.
        assert_eq!(
            record(v322, "CVE-2026-90001").references[0].url,
            "https://security.secfixes.example/vuln/CVE-2026-90001"
        );
        // No CVSS score at all: no severity.
        assert!(record(v322, "CVE-2026-90009").severity.is_empty());

        for (b, cve) in [
            (v322, "CVE-2026-90001"),
            (v322, "CVE-2026-90003"),
            (v322, "CVE-2026-90006"),
            (v322, "CVE-2026-90008"),
            (v322, "CVE-2026-90013"),
            (edge, "CVE-2026-90005"),
            (edge, "CVE-2026-90009"),
        ] {
            insta::assert_json_snapshot!(format!("{}-{cve}", b.branch), json(record(b, cve)));
        }
    }

    /// `write_dir`: the records, all.zip and modified_id.csv, then an update in place.
    fn write_dir_layout(db: &mut dyn Db) {
        fixture(db);
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("osv");
        let written = osv::write_dir(db, &dir, &options(), &hidden()).unwrap();
        assert_eq!(written.len(), 2);
        let all = osv::records(db, &options()).unwrap();
        for (w, b) in written.iter().zip(&all) {
            assert_eq!(w.branch, b.branch);
            assert_eq!(w.records, 15);
            check_layout(&dir, b);
        }
        let mut top: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        top.sort();
        assert_eq!(top, ["Alpine:edge", "Alpine:v3.22", "edge", "v3.22"], "no temporary files");

        // A stray file and a stale record in the directory; the store changes: a
        // rejection of nginx on 3.22-community and every state of CVE-2026-90015 gone.
        let records = dir.join("v3.22");
        std::fs::write(records.join("ALPINE-CVE-1999-0001.json"), "{}").unwrap();
        let untouched = records.join("ALPINE-CVE-2026-90001.json");
        let before = std::fs::metadata(&untouched).unwrap().modified().unwrap();
        db.execute(
            "INSERT INTO rejection (repo_tag, origin, vuln_id, source, reason, rationale, \
             actor, actor_role, created_at) VALUES ('3.22-community', 'nginx', \
             'CVE-2026-90011', 'triage', 'inline_mitigations_already_exist', 'Hardened.', \
             'sec', 'security', $1)",
            &[Value::Int(REJECTED_AT + 60)],
        )
        .unwrap();
        db.execute("DELETE FROM state WHERE vuln_id = 'CVE-2026-90015'", &[])
            .unwrap();
        osv::write_dir(db, &dir, &options(), &hidden()).unwrap();
        let all = osv::records(db, &options()).unwrap();
        for b in &all {
            assert_eq!(b.records.len(), 14);
            check_layout(&dir, b);
        }
        assert!(!records.join("ALPINE-CVE-1999-0001.json").exists());
        assert!(!records.join("ALPINE-CVE-2026-90015.json").exists());
        let nginx = std::fs::read_to_string(records.join("ALPINE-CVE-2026-90011.json")).unwrap();
        assert!(nginx.contains("inline_mitigations_already_exist"), "{nginx}");
        assert_eq!(
            std::fs::metadata(&untouched).unwrap().modified().unwrap(),
            before,
            "an unchanged record is not written again"
        );
    }

    /// Branches are chosen by name; an unknown one is an error naming it.
    fn branches_by_name(db: &mut dyn Db) {
        fixture(db);
        let one = Options {
            branches: vec!["edge".to_owned()],
            ..options()
        };
        let all = osv::records(db, &one).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].branch, "edge");
        let bad = Options {
            branches: vec!["v3.99".to_owned()],
            ..options()
        };
        let err = osv::records(db, &bad).unwrap_err().to_string();
        assert!(err.contains("\"v3.99\"") && err.contains("known: edge, v3.22"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let err = osv::write_dir(db, &dir.path().join("out"), &bad, &hidden()).unwrap_err();
        assert!(err.to_string().contains("v3.99"), "{err}");
        assert!(!dir.path().join("out").exists(), "nothing written");
    }

    /// Ids other than CVEs: Alpine's own keep their id, others get the prefix, and an id
    /// that cannot name a file is left out and reported.
    fn other_ids(db: &mut dyn Db) {
        fixture(db);
        for id in ["ALPINE-13661", "GHSA-abcd-efgh-ijkl", "CVE", "CVE-2026-1/../x"] {
            db.execute(
                "INSERT INTO fix (repo_tag, origin, vuln_id, version, source) \
                 VALUES ('3.22-main', 'zlib', $1, '1.3.1-r0', 'secdb')",
                &[id.into()],
            )
            .unwrap();
            db.execute(
                "INSERT INTO dirty (kind, key, sub) VALUES ('cve', $1, '')",
                &[id.into()],
            )
            .unwrap();
        }
        let config = demo::embedded_config().unwrap();
        update::update(db, &config, false, &indicatif::ProgressBar::hidden()).unwrap();
        let all = osv::records(db, &options()).unwrap();
        let v322 = branch(&all, "v3.22");
        let alpine = v322.records.iter().find(|r| r.id == "ALPINE-13661").unwrap();
        assert!(alpine.upstream.is_empty());
        let ghsa = v322.records.iter().find(|r| r.id == "ALPINE-GHSA-abcd-efgh-ijkl").unwrap();
        assert_eq!(ghsa.upstream, ["GHSA-abcd-efgh-ijkl"]);
        assert_eq!(summary(ghsa), ["zlib >=0 <1.3.1-r0"]);
        assert_eq!(v322.skipped, ["CVE", "CVE-2026-1/../x"]);
        if let Some(fixtures) = support::fixtures() {
            let schema = Schema::osv(&fixtures);
            schema.assert_valid("ALPINE-13661", &json(alpine));
            schema.assert_valid("ALPINE-GHSA-…", &json(ghsa));
        }
    }
}

/// `DIR/<branch>/<id>.json` are exactly the records, `all.zip` holds the same bytes,
/// `modified_id.csv` is `<modified>,<id>` newest first.
fn check_layout(dir: &Path, b: &BranchRecords) {
    let want: BTreeMap<String, String> = b
        .records
        .iter()
        .map(|r| (r.file_name(), r.to_json().unwrap()))
        .collect();
    let records = dir.join(&b.branch);
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&records).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        files.insert(name, std::fs::read_to_string(entry.path()).unwrap());
    }
    assert_eq!(files, want, "{}", records.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&records), 0o755);
        assert_eq!(mode(&dir.join(&b.ecosystem).join("all.zip")), 0o644);
        assert_eq!(mode(&dir.join(&b.ecosystem).join("modified_id.csv")), 0o644);
    }

    let zip_path = dir.join(&b.ecosystem).join("all.zip");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut entries = BTreeMap::new();
    let mut order = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        order.push(name.clone());
        entries.insert(name, text);
    }
    assert_eq!(entries, want, "{}", zip_path.display());
    let ids: Vec<String> = b.records.iter().map(Record::file_name).collect();
    assert_eq!(order, ids, "entries in id order");

    let csv = std::fs::read_to_string(dir.join(&b.ecosystem).join("modified_id.csv")).unwrap();
    let mut lines: Vec<(String, String)> = b
        .records
        .iter()
        .map(|r| (r.modified.clone(), r.id.clone()))
        .collect();
    lines.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| secfixes_tracker::export::id_order(&a.1, &b.1))
    });
    let want: String = lines.iter().map(|(m, id)| format!("{m},{id}\n")).collect();
    assert_eq!(csv, want);
    for line in csv.lines() {
        let (time, id) = line.split_once(',').unwrap();
        assert_eq!(time.len(), 20, "{line}");
        assert!(time.ends_with('Z') && id.starts_with("ALPINE-"), "{line}");
    }
}

/// The real v3.16 main data: every record validates; zlib's CVE-2022-37434 is fixed
/// where the secdb says, as osv.dev's Alpine record has it.
#[test]
fn real_v3_16_records_validate() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let schema = Schema::osv(&fixtures);
    // The validator is real: the schema's test records pass it, the one without an
    // `introduced` event and records broken on purpose do not.
    let testdata = fixtures.join("osv/schema-testdata");
    for entry in std::fs::read_dir(&testdata).unwrap() {
        let path = entry.unwrap().path();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let errors = schema.errors(&doc);
        if name.starts_with("nointroduced-") {
            assert!(!errors.is_empty(), "{name} should be invalid");
        } else if !name.starts_with("no") {
            assert!(errors.is_empty(), "{name}: {errors:?}");
        }
    }
    let good: serde_json::Value = serde_json::json!({
        "id": "ALPINE-CVE-2022-37434", "modified": "2026-03-01T12:00:00Z",
        "affected": [{"package": {"ecosystem": "Alpine:v3.16", "name": "zlib"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.12-r2"}]}]}]
    });
    assert!(schema.errors(&good).is_empty());
    for (field, value) in [
        ("id", serde_json::json!("FOO-1")),
        ("modified", serde_json::json!("2026-03-01 12:00")),
        (
            "affected",
            serde_json::json!([{"package": {"ecosystem": "Alpine:v3.16"}}]),
        ),
        (
            "severity",
            serde_json::json!([{"type": "CVSS_V3", "score": "AV:N"}]),
        ),
    ] {
        let mut bad = good.clone();
        bad[field] = value;
        assert!(!schema.errors(&bad).is_empty(), "{field}: {bad}");
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut db, _) = real_store::synced(&fixtures, dir.path());
    let all = osv::records(
        db.as_mut(),
        &Options {
            branches: vec!["v3.16".to_owned()],
            tracker_url: Some("https://security.alpinelinux.org".to_owned()),
        },
    )
    .unwrap();
    let b = &all[0];
    assert!(b.records.len() > 20, "{}", b.records.len());
    let mut severities = 0;
    for r in &b.records {
        schema.assert_valid(&r.id, &json(r));
        severities += r.severity.len();
    }
    assert!(severities > 0, "real NVD records carry CVSS vectors");
    let zlib = record(b, "CVE-2022-37434");
    assert_eq!(summary(zlib), ["zlib >=0 <1.2.12-r2"]);
    assert_eq!(zlib.affected[0].package.ecosystem, "Alpine:v3.16");
    assert_eq!(zlib.published.as_deref(), Some("2022-08-05T07:15:07Z"));
    assert!(
        zlib.details
            .as_deref()
            .unwrap()
            .starts_with("zlib through 1.2.12")
    );
}
