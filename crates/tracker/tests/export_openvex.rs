//! `export::openvex` on both backends, on the bundled demo with two triage rejections
//! added (one with an OpenVEX justification, one `different_software`):
//!
//! - each branch's document validates against the OpenVEX JSON schema kept in
//!   `tests/data/openvex/` (draft 2020-12, formats checked) and is a snapshot;
//! - statuses follow the tracker's states: fixed, affected with an action statement,
//!   not_affected with a justification or an impact statement, under_investigation;
//! - products are purls with the branch as `distro`; the timestamp is the latest change;
//! - an unknown branch, and a branch without states, are errors naming it.
//!
//! The real v3.16 data (`examples/fixtures-3.16.toml`) is exported and validated too
//! (skipped loudly outside CI without the fixtures).
#![allow(clippy::unwrap_used)]

mod real_store;
mod schemas;
mod support;

use schemas::Schema;
use secfixes_tracker::db::{Db, Value};
use secfixes_tracker::export::openvex::{self, Document, Options, Statement, Status};
use secfixes_tracker::{demo, sync, update};

/// 2026-02-20T00:00:00Z: every state's `changed_at`.
const STATES_AT: i64 = 1_771_545_600;
/// 2026-03-02T12:00:00Z.
const REJECTED_AT: i64 = 1_772_452_800;
const URL: &str = "https://security.secfixes.example";

#[allow(clippy::too_many_arguments)]
fn reject(
    db: &mut dyn Db,
    tag: &str,
    origin: &str,
    id: &str,
    reason: &str,
    rationale: &str,
    at: i64,
) {
    db.execute(
        "INSERT INTO rejection (repo_tag, origin, vuln_id, source, reason, rationale, actor, \
         actor_role, created_at) VALUES ($1, $2, $3, 'triage', $4, $5, 'jane', 'maintainer', $6)",
        &[
            tag.into(),
            origin.into(),
            id.into(),
            reason.into(),
            rationale.into(),
            Value::Int(at),
        ],
    )
    .unwrap();
    db.execute(
        "INSERT INTO dirty (kind, key, sub) VALUES ('cve', $1, '') ON CONFLICT DO NOTHING",
        &[id.into()],
    )
    .unwrap();
}

/// The demo; curl's CVE-2026-90008 rejected on 3.22-main (vulnerable code not present),
/// libxml2's CVE-2026-90010 rejected on 3.22-main as other software; states recomputed
/// and their times fixed.
fn fixture(db: &mut dyn Db) {
    demo::load(db, &sync::Quiet).unwrap();
    reject(
        db,
        "3.22-main",
        "curl",
        "CVE-2026-90008",
        "vulnerable_code_not_present",
        "Demo Linux builds curl without the affected protocol.",
        REJECTED_AT,
    );
    reject(
        db,
        "3.22-main",
        "libxml2",
        "CVE-2026-90010",
        "different_software",
        "The CVE is about the libxml2 bindings of another language.",
        REJECTED_AT - 3600,
    );
    let config = demo::embedded_config().unwrap();
    update::update(db, &config, false, &indicatif::ProgressBar::hidden()).unwrap();
    db.execute("UPDATE state SET changed_at = $1", &[Value::Int(STATES_AT)])
        .unwrap();
}

fn options(branch: &str) -> Options {
    Options {
        branch: branch.to_owned(),
        author: demo::NAME.to_owned(),
        tracker_url: Some(URL.to_owned()),
    }
}

fn statement<'a>(doc: &'a Document, cve: &str, origin: &str) -> &'a Statement {
    let prefix = format!("pkg:apk/alpine/{origin}@");
    doc.statements
        .iter()
        .find(|s| s.vulnerability.name == cve && s.products[0].id.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no statement for {cve} {origin}"))
}

fn as_json(doc: &Document) -> serde_json::Value {
    serde_json::from_str(&doc.to_json().unwrap()).unwrap()
}

support::backend_tests! {
    /// Both branches' documents: valid, as the states say, snapshots.
    fn demo_documents(db: &mut dyn Db) {
        fixture(db);
        let schema = Schema::openvex();
        for branch in ["v3.22", "edge"] {
            let doc = openvex::document(db, &options(branch)).unwrap();
            let json = as_json(&doc);
            schema.assert_valid(branch, &json);
            assert_eq!(doc.context, "https://openvex.dev/ns/v0.2.0");
            assert_eq!(doc.id, format!("{URL}/openvex/{branch}"));
            assert_eq!(doc.author, "Demo Linux");
            assert!(doc.version >= 1);
            // Every published version of every CVE with a verdict (the demo's table).
            assert_eq!(doc.statements.len(), 15, "{branch}");
            for s in &doc.statements {
                let distro = format!("distro=alpine-{}", branch.trim_start_matches('v'));
                assert!(s.products[0].id.ends_with(&format!("?arch=source&{distro}")));
            }
            // Not snapshotted: the version is the store's generation, which depends on
            // how many commits loading the demo took.
            let mut json = json;
            json["version"] = serde_json::json!(1);
            insta::assert_json_snapshot!(format!("openvex-{branch}"), json);
        }

        let v322 = openvex::document(db, &options("v3.22")).unwrap();
        // The latest change: the triage rejection.
        assert_eq!(v322.timestamp, "2026-03-02T12:00:00Z");
        let fixed = statement(&v322, "CVE-2026-90001", "curl");
        assert_eq!(fixed.status, Status::Fixed);
        assert_eq!(
            fixed.products[0].id,
            "pkg:apk/alpine/curl@8.14.1-r1?arch=source&distro=alpine-3.22"
        );
        assert_eq!(fixed.timestamp, "2026-02-20T00:00:00Z");
        assert_eq!(
            fixed.vulnerability.id.as_deref(),
            Some("https://security.secfixes.example/vuln/CVE-2026-90001")
        );

        let affected = statement(&v322, "CVE-2026-90003", "openssl");
        assert_eq!(affected.status, Status::Affected);
        let action = affected.action_statement.as_deref().unwrap();
        assert!(action.starts_with("No fix is recorded for v3.22/main yet"), "{action}");

        let justified = statement(&v322, "CVE-2026-90008", "curl");
        assert_eq!(justified.status, Status::NotAffected);
        assert_eq!(justified.justification, Some("vulnerable_code_not_present"));
        assert_eq!(
            justified.impact_statement.as_deref(),
            Some("Demo Linux builds curl without the affected protocol.")
        );
        assert_eq!(justified.timestamp, "2026-03-02T12:00:00Z");

        let other = statement(&v322, "CVE-2026-90010", "libxml2");
        assert_eq!(other.status, Status::NotAffected);
        assert_eq!(other.justification, None, "different_software is not an OpenVEX justification");
        let impact = other.impact_statement.as_deref().unwrap();
        assert!(impact.starts_with("the CVE is about other software"), "{impact}");
        assert!(impact.ends_with("bindings of another language."), "{impact}");

        // A `0` entry, and the YAML's rejection without a reason code.
        let zero = statement(&v322, "CVE-2026-90005", "busybox");
        assert_eq!(zero.status, Status::NotAffected);
        assert!(zero.impact_statement.as_deref().unwrap().contains("version 0"));
        assert_eq!(statement(&v322, "CVE-2026-90006", "busybox").status, Status::UnderInvestigation);
        assert_eq!(statement(&v322, "CVE-2026-90007", "sqlite").status, Status::UnderInvestigation);

        let edge = openvex::document(db, &options("edge")).unwrap();
        assert_eq!(statement(&edge, "CVE-2026-90009", "musl").status, Status::Fixed);
        assert_eq!(statement(&edge, "CVE-2026-90005", "busybox").status, Status::UnderInvestigation);
        assert_eq!(statement(&edge, "CVE-2026-90003", "openssl").status, Status::NotAffected);
    }

    /// A pending fix: the action statement names it.
    fn pending_fix(db: &mut dyn Db) {
        fixture(db);
        db.execute(
            "INSERT INTO fix (repo_tag, origin, vuln_id, version, source) \
             VALUES ('3.22-main', 'openssl', 'CVE-2026-90003', '3.5.2-r0', 'secdb')",
            &[],
        )
        .unwrap();
        db.execute("INSERT INTO dirty (kind, key, sub) VALUES ('cve', 'CVE-2026-90003', '')", &[])
            .unwrap();
        let config = demo::embedded_config().unwrap();
        update::update(db, &config, false, &indicatif::ProgressBar::hidden()).unwrap();
        let doc = openvex::document(db, &options("v3.22")).unwrap();
        let s = statement(&doc, "CVE-2026-90003", "openssl");
        assert_eq!(s.status, Status::Affected);
        assert_eq!(
            s.action_statement.as_deref(),
            Some("Upgrade to 3.5.2-r0 or later: the fix is recorded (secdb) but not published in v3.22/main yet.")
        );
        Schema::openvex().assert_valid("v3.22", &as_json(&doc));
    }

    /// Without a tracker URL the document still has an IRI, the same for every export
    /// of the branch, and no vulnerability IRIs.
    fn without_url(db: &mut dyn Db) {
        fixture(db);
        let opts = Options {
            tracker_url: None,
            ..options("edge")
        };
        let doc = openvex::document(db, &opts).unwrap();
        assert!(doc.id.starts_with("https://openvex.dev/docs/public/vex-"), "{}", doc.id);
        assert_eq!(doc.id.len(), "https://openvex.dev/docs/public/vex-".len() + 64);
        assert_eq!(openvex::document(db, &opts).unwrap(), doc, "the same store, the same document");
        assert!(doc.statements.iter().all(|s| s.vulnerability.id.is_none()));
        Schema::openvex().assert_valid("edge", &as_json(&doc));
    }

    /// An unknown branch names itself and the known ones; a branch without states says
    /// there is nothing to export.
    fn bad_branches(db: &mut dyn Db) {
        fixture(db);
        let err = openvex::document(db, &options("v3.99")).unwrap_err().to_string();
        assert!(err.contains("\"v3.99\"") && err.contains("known: edge, v3.22"), "{err}");
        db.execute("DELETE FROM state WHERE repo_tag LIKE 'edge-%'", &[]).unwrap();
        let err = openvex::document(db, &options("edge")).unwrap_err().to_string();
        assert!(err.contains("\"edge\" has no states"), "{err}");
    }
}

/// The schema checks what the spec requires: a not_affected statement without
/// justification or impact statement, an affected one without action, a bad status.
#[test]
fn the_schema_is_enforced() {
    let schema = Schema::openvex();
    let good = serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://security.secfixes.example/openvex/v3.22",
        "author": "Demo Linux",
        "timestamp": "2026-03-01T12:00:00Z",
        "version": 1,
        "statements": [{
            "vulnerability": {"name": "CVE-2026-90001"},
            "products": [{"@id": "pkg:apk/alpine/curl@8.14.1-r1?arch=source&distro=alpine-3.22"}],
            "status": "not_affected",
            "justification": "component_not_present"
        }]
    });
    assert!(
        schema.errors(&good).is_empty(),
        "{:?}",
        schema.errors(&good)
    );
    let mut bad = Vec::new();
    let mut no_reason = good.clone();
    no_reason["statements"][0]
        .as_object_mut()
        .unwrap()
        .remove("justification");
    bad.push(no_reason);
    let mut no_action = good.clone();
    no_action["statements"][0]["status"] = serde_json::json!("affected");
    no_action["statements"][0]
        .as_object_mut()
        .unwrap()
        .remove("justification");
    bad.push(no_action);
    let mut status = good.clone();
    status["statements"][0]["status"] = serde_json::json!("vulnerable");
    bad.push(status);
    let mut time = good.clone();
    time["timestamp"] = serde_json::json!("yesterday");
    bad.push(time);
    let mut empty = good.clone();
    empty["statements"] = serde_json::json!([]);
    bad.push(empty);
    for doc in bad {
        assert!(!schema.errors(&doc).is_empty(), "{doc}");
    }
}

/// The real v3.16 main data as one document.
#[test]
fn real_v3_16_document_validates() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut db, config) = real_store::synced(&fixtures, dir.path());
    let doc = openvex::document(
        db.as_mut(),
        &Options {
            branch: "v3.16".to_owned(),
            author: config.distribution.name.clone(),
            tracker_url: None,
        },
    )
    .unwrap();
    assert_eq!(doc.author, "Alpine Linux");
    Schema::openvex().assert_valid("v3.16", &as_json(&doc));
    let zlib = statement(&doc, "CVE-2022-37434", "zlib");
    assert_eq!(zlib.status, Status::Fixed);
    assert_eq!(
        zlib.products[0].id,
        "pkg:apk/alpine/zlib@1.2.12-r3?arch=source&distro=alpine-3.16"
    );
    for status in [Status::Fixed, Status::NotAffected, Status::Affected] {
        assert!(
            doc.statements.iter().any(|s| s.status == status),
            "{status:?}"
        );
    }
}
