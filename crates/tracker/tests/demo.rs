//! The bundled demo (crates/tracker/demo, see its README): loaded into a fresh SQLite
//! store, every designed state appears with its reason, stage 2 leaves state changes
//! and versions that left the index behind, and a second load changes nothing.
#![allow(clippy::unwrap_used)]

use secfixes_tracker::db::{self, Db};
use secfixes_tracker::engine::{RuleOutcome, State, Step};
use secfixes_tracker::report;
use secfixes_tracker::{demo, sync::Quiet};

fn open(dir: &tempfile::TempDir) -> Box<dyn Db> {
    db::open(&format!("sqlite:{}", dir.path().join("demo.db").display())).unwrap()
}

fn rows(db: &mut dyn Db, sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    db.query(sql, &[], &mut |r| {
        let mut cols = Vec::new();
        for i in 0.. {
            match r.text(i) {
                Ok(v) => cols.push(v.unwrap_or_else(|| "-".into())),
                Err(_) => break,
            }
        }
        out.push(cols.join(" "));
        Ok(())
    })
    .unwrap();
    out
}

/// (repo tag, origin, version, CVE, state): the designed table of demo/README.md.
const STATES: &[&str] = &[
    "3.22-community gifsicle 1.95-r0 CVE-2026-90015 vulnerable",
    "3.22-community imagemagick 7.1.1.47-r0 CVE-2026-90013 not-affected",
    "3.22-community nginx 1.28.0-r3 CVE-2026-90011 vulnerable",
    "3.22-community py3-requests 2.32.4-r0 CVE-2026-90014 fixed",
    "3.22-community redis 8.0.3-r0 CVE-2026-90012 fixed",
    "3.22-main busybox 1.37.0-r19 CVE-2026-90005 not-affected",
    "3.22-main busybox 1.37.0-r19 CVE-2026-90006 unknown",
    "3.22-main curl 8.14.1-r1 CVE-2026-90001 fixed",
    "3.22-main curl 8.14.1-r1 CVE-2026-90008 possibly-vulnerable",
    "3.22-main expat 2.7.1-r0 CVE-2026-90004 not-affected",
    "3.22-main libxml2 2.13.8-r0 CVE-2026-90010 vulnerable",
    "3.22-main musl 1.2.5-r10 CVE-2026-90009 vulnerable",
    "3.22-main openssl 3.5.1-r0 CVE-2026-90003 vulnerable",
    "3.22-main sqlite 3.49.2-r1 CVE-2026-90007 possibly-vulnerable",
    "3.22-main zlib 1.3.1-r2 CVE-2026-90002 fixed",
    "edge-community gifsicle 1.96-r0 CVE-2026-90015 not-affected",
    "edge-community imagemagick 7.1.2.1-r0 CVE-2026-90013 not-affected",
    "edge-community nginx 1.29.1-r0 CVE-2026-90011 not-affected",
    "edge-community py3-requests 2.32.5-r0 CVE-2026-90014 not-affected",
    "edge-community redis 8.2.1-r0 CVE-2026-90012 fixed",
    "edge-main busybox 1.37.0-r22 CVE-2026-90005 possibly-vulnerable",
    "edge-main busybox 1.37.0-r22 CVE-2026-90006 unknown",
    "edge-main curl 8.15.0-r0 CVE-2026-90001 fixed",
    "edge-main curl 8.15.0-r0 CVE-2026-90008 not-affected",
    "edge-main expat 2.7.2-r0 CVE-2026-90004 not-affected",
    "edge-main libxml2 2.14.5-r0 CVE-2026-90010 not-affected",
    "edge-main musl 1.2.5-r12 CVE-2026-90009 fixed",
    "edge-main openssl 3.5.2-r0 CVE-2026-90003 not-affected",
    "edge-main sqlite 3.50.4-r0 CVE-2026-90007 not-affected",
    "edge-main zlib 1.3.1-r3 CVE-2026-90002 fixed",
];

/// The one verdict of `cve` for `origin` in `tag`.
fn explained(db: &mut dyn Db, cve: &str, origin: &str, tag: &str) -> report::Explained {
    let mut all = report::explain(db, cve, origin, tag).unwrap();
    assert_eq!(all.len(), 1, "{cve} {origin} {tag}");
    all.remove(0)
}

/// The outcome of the deciding affected-product rule, and its confidence.
fn rule(e: &report::Explained) -> (RuleOutcome, String) {
    e.explanation
        .steps
        .iter()
        .find_map(|s| match s {
            Step::RuleMatched {
                outcome,
                confidence,
                ..
            } => Some((*outcome, format!("{confidence:?}").to_lowercase())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no rule in {e:?}"))
}

#[test]
fn designed_states_reasons_history_and_a_second_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    let db = store.as_mut();
    let summary = demo::load(db, &Quiet).unwrap();
    assert!(summary.imported);
    assert_eq!((summary.repos, summary.origins, summary.cves), (4, 13, 16));

    let states = rows(
        db,
        "SELECT repo_tag, origin, version, vuln_id, state FROM state \
         ORDER BY repo_tag, origin, vuln_id, version",
    );
    assert_eq!(states, STATES);
    for state in State::ALL {
        assert!(
            summary.states.iter().any(|&(s, n)| s == state && n > 0),
            "{state} missing: {summary}"
        );
    }

    // Each state with its reason.
    let e = explained(db, "CVE-2026-90003", "openssl", "3.22-main");
    assert_eq!(e.state, State::Vulnerable);
    assert_eq!(rule(&e), (RuleOutcome::Affected, "high".into()));
    assert_eq!(e.severity.as_deref(), Some("medium"));
    let e = explained(db, "CVE-2026-90009", "musl", "3.22-main");
    assert_eq!(
        (e.state, e.score, e.severity.as_deref()),
        (State::Vulnerable, None, None)
    );

    let e = explained(db, "CVE-2026-90007", "sqlite", "3.22-main");
    assert_eq!(e.state, State::PossiblyVulnerable);
    assert_eq!(rule(&e), (RuleOutcome::Affected, "low".into()));
    let e = explained(db, "CVE-2026-90008", "curl", "3.22-main");
    assert_eq!(e.state, State::PossiblyVulnerable);
    assert_eq!(rule(&e), (RuleOutcome::Affected, "low".into()));
    let e = explained(db, "CVE-2026-90005", "busybox", "edge-main");
    assert_eq!(e.state, State::PossiblyVulnerable);
    assert_eq!(rule(&e), (RuleOutcome::NoVersionData, "high".into()));

    let e = explained(db, "CVE-2026-90006", "busybox", "3.22-main");
    assert_eq!(e.state, State::Unknown);
    assert_eq!(rule(&e).0, RuleOutcome::Incomparable);

    let e = explained(db, "CVE-2026-90002", "zlib", "3.22-main");
    assert_eq!(e.state, State::Fixed);
    assert_eq!(
        (e.fixed_version.as_deref(), e.fix_source.as_deref()),
        (Some("1.3.1-r2"), Some("secdb"))
    );
    assert!(matches!(
        &e.explanation.steps[0],
        Step::FixRecorded { shipped: true, .. }
    ));

    let e = explained(db, "CVE-2026-90004", "expat", "3.22-main");
    assert_eq!(e.state, State::NotAffected);
    assert_eq!(rule(&e), (RuleOutcome::OutsideRange, "high".into()));
    let e = explained(db, "CVE-2026-90005", "busybox", "3.22-main");
    assert_eq!(e.state, State::NotAffected);
    assert!(matches!(
        e.explanation.steps[0],
        Step::NotAffectedEntry { .. }
    ));
    let e = explained(db, "CVE-2026-90013", "imagemagick", "3.22-community");
    assert_eq!(e.state, State::NotAffected);
    assert!(
        matches!(&e.explanation.steps[0], Step::Rejected { rationale: Some(r), .. } if r.contains("MSL")),
        "{e:?}"
    );
    assert_eq!(
        rows(
            db,
            "SELECT repo_tag, origin, vuln_id FROM rejection ORDER BY repo_tag"
        ),
        [
            "3.22-community imagemagick CVE-2026-90013",
            "edge-community imagemagick CVE-2026-90013"
        ]
    );

    // History: the first sync records no events; stage 2 changed the same zlib version
    // from vulnerable to fixed, added verdicts for new versions and removed those of the
    // versions that left the v3.22 indexes.
    let events = rows(
        db,
        "SELECT repo_tag, origin, version, vuln_id, old_state, new_state FROM state_event \
         ORDER BY repo_tag, origin, version, vuln_id",
    );
    assert_eq!(events.len() as i64, summary.events);
    for e in [
        "3.22-main zlib 1.3.1-r2 CVE-2026-90002 vulnerable fixed",
        "3.22-main curl 8.12.1-r0 CVE-2026-90001 vulnerable -",
        "3.22-main curl 8.14.1-r1 CVE-2026-90001 - fixed",
        "3.22-community redis 8.0.2-r0 CVE-2026-90012 vulnerable -",
        "3.22-community redis 8.0.3-r0 CVE-2026-90012 - fixed",
        "3.22-community py3-requests 2.32.3-r0 CVE-2026-90014 vulnerable -",
    ] {
        assert!(events.iter().any(|x| x == e), "no event {e}: {events:#?}");
    }
    assert!(events.iter().all(|e| e.starts_with("3.22-")), "{events:#?}");
    assert_eq!(
        rows(
            db,
            "SELECT repo_tag, origin, version FROM origin_version WHERE published = 0 \
             ORDER BY repo_tag, origin"
        ),
        [
            "3.22-community py3-requests 2.32.3-r0",
            "3.22-community redis 8.0.2-r0",
            "3.22-main busybox 1.37.0-r18",
            "3.22-main curl 8.12.1-r0",
            "3.22-main openssl 3.5.0-r0",
            "3.22-main sqlite 3.49.2-r0",
        ]
    );
    // The orphaned package has no maintainer.
    assert_eq!(
        rows(
            db,
            "SELECT maintainer FROM origin_version WHERE origin = 'gifsicle'"
        ),
        ["-", "-"]
    );

    // A second load, also through a new connection, changes nothing.
    let tables = [
        "package",
        "origin_version",
        "fix",
        "rejection",
        "cve_record",
        "state",
        "state_event",
        "import_run",
        "meta",
    ];
    let before: Vec<i64> = tables.iter().map(|t| db::count(db, t).unwrap()).collect();
    let changed_at = rows(
        db,
        "SELECT vuln_id, repo_tag, origin, version, digest, changed_at FROM state ORDER BY 1, 2, 3, 4",
    );
    drop(store);
    let mut store = open(&dir);
    let db = store.as_mut();
    let again = demo::load(db, &Quiet).unwrap();
    assert!(!again.imported);
    assert_eq!(
        demo::DemoSummary {
            imported: true,
            ..again
        },
        summary
    );
    let after: Vec<i64> = tables.iter().map(|t| db::count(db, t).unwrap()).collect();
    assert_eq!(before, after);
    assert_eq!(
        rows(
            db,
            "SELECT vuln_id, repo_tag, origin, version, digest, changed_at FROM state ORDER BY 1, 2, 3, 4"
        ),
        changed_at
    );
}

/// The embedded files are the ones in the crate's demo directory, and demo.toml names
/// the distribution `demo::NAME`.
#[test]
fn embedded_files_match_the_demo_directory() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    for (rel, bytes) in demo::FILES {
        assert_eq!(std::fs::read(root.join(rel)).unwrap(), *bytes, "{rel}");
    }
    let dir = tempfile::tempdir().unwrap();
    demo::write_files(dir.path()).unwrap();
    for rel in [demo::CONFIG, demo::STAGE1_CONFIG] {
        let config = demo::config(dir.path(), rel).unwrap();
        assert_eq!(config.distribution.name, demo::NAME, "{rel}");
    }
}
