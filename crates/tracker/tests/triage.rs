//! Triage on the demo distribution, on both backends: a maintainer rejects a CVE for
//! their own package and the states change at once; withdrawing restores them; who may
//! act on what; the security team overrides maintainers; refused actions write nothing.
#![allow(clippy::unwrap_used)]

mod support;

use secfixes_tracker::db::{self, Db};
use secfixes_tracker::engine::Step;
use secfixes_tracker::triage::{self, Actor, Reason, Request, TriageError, maintainer_address};
use secfixes_tracker::{demo, report, sync::Quiet};
use support::backend_tests;

fn jane() -> Actor {
    Actor {
        id: "jane".into(),
        name: Some("Jane Doe".into()),
        security: false,
        emails: vec!["Jane@Example.org".into()],
        grants: vec![],
    }
}

fn sam() -> Actor {
    Actor {
        id: "sam".into(),
        name: Some("Sam Security".into()),
        security: true,
        emails: vec!["sam@example.org".into()],
        grants: vec![],
    }
}

fn state(db: &mut dyn Db, tag: &str, origin: &str, vuln: &str) -> String {
    let mut out = Vec::new();
    db.query(
        "SELECT state FROM state WHERE repo_tag = $1 AND origin = $2 AND vuln_id = $3",
        &[tag.into(), origin.into(), vuln.into()],
        &mut |row| {
            out.push(row.req_text(0)?);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(out.len(), 1, "{tag} {origin} {vuln}: {out:?}");
    out.remove(0)
}

/// Everything a refused action must leave as it was.
fn snapshot(db: &mut dyn Db) -> (i64, i64, i64, i64) {
    (
        db::count(db, "triage_event").unwrap(),
        db::count(db, "rejection").unwrap(),
        db::count(db, "state_event").unwrap(),
        db::generation(db).unwrap(),
    )
}

fn loaded(db: &mut dyn Db) -> secfixes_tracker::config::Config {
    demo::load(db, &Quiet).unwrap();
    demo::embedded_config().unwrap()
}

const OPENSSL_CVE: &str = "CVE-2026-90003";

fn request<'a>(vuln_id: &'a str, origin: &'a str, tags: &'a [String], why: &'a str) -> Request<'a> {
    Request {
        vuln_id,
        origin,
        tags,
        rationale: why,
        evidence: None,
    }
}

backend_tests! {
    fn reject_then_withdraw(db: &mut dyn Db) {
        let config = loaded(db);
        assert_eq!(state(db, "3.22-main", "openssl", OPENSSL_CVE), "vulnerable");
        let events_before = db::count(db, "state_event").unwrap();
        let generation = db::generation(db).unwrap();
        let tags = vec!["3.22-main".to_owned()];

        let outcome = triage::reject(
            db,
            &config,
            &jane(),
            &request(OPENSSL_CVE, "openssl", &tags, "  We build without the legacy provider.  "),
            Reason::VulnerableCodeNotPresent,
        )
        .unwrap();
        assert_eq!(outcome.tags, tags);
        assert_eq!(outcome.update.changed, 1, "{:?}", outcome.update);
        assert_eq!(state(db, "3.22-main", "openssl", OPENSSL_CVE), "not-affected");
        // Only the chosen branch: edge was not-affected by its version already.
        assert_eq!(state(db, "edge-main", "openssl", OPENSSL_CVE), "not-affected");
        assert!(db::generation(db).unwrap() > generation);
        assert_eq!(db::count(db, "state_event").unwrap(), events_before + 1);

        // The verdict explains itself with the author, the reason and the rationale.
        let explained = report::explain(db, OPENSSL_CVE, "openssl", "3.22-main").unwrap();
        let verdict = &explained[0];
        assert_eq!(
            verdict.explanation.summary,
            "rejected in triage by jane (maintainer) (vulnerable_code_not_present)"
        );
        assert_eq!(
            verdict.explanation.steps[0],
            Step::Rejected {
                source: "triage".into(),
                reason: Some("vulnerable_code_not_present".into()),
                rationale: Some("We build without the legacy provider.".into()),
                by: Some("jane (maintainer)".into()),
            }
        );

        let withdrawn = triage::withdraw(
            db,
            &config,
            &jane(),
            &request(OPENSSL_CVE, "openssl", &[], "Wrong: the provider is built."),
        )
        .unwrap();
        assert_eq!(withdrawn.tags, tags, "all tags with a triage rejection");
        assert!(withdrawn.seq > outcome.seq);
        assert_eq!(state(db, "3.22-main", "openssl", OPENSSL_CVE), "vulnerable");
        assert_eq!(db::count(db, "state_event").unwrap(), events_before + 2);

        // The history keeps both actions, in order, with who, what and why.
        let mut history = Vec::new();
        db.query(
            "SELECT actor, actor_name, actor_role, action, vuln_id, origin, repo_tags, \
             COALESCE(reason, '-'), COALESCE(rationale, '-') FROM triage_event ORDER BY seq",
            &[],
            &mut |row| {
                let cols: Vec<String> = (0..9).map(|i| row.req_text(i)).collect::<Result<_, _>>()?;
                history.push(cols.join("|"));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(
            history,
            [
                "jane|Jane Doe|maintainer|reject|CVE-2026-90003|openssl|3.22-main|\
                 vulnerable_code_not_present|We build without the legacy provider.",
                "jane|Jane Doe|maintainer|withdraw|CVE-2026-90003|openssl|3.22-main|-|\
                 Wrong: the provider is built.",
            ]
        );
    }

    fn no_tags_means_every_published_tag(db: &mut dyn Db) {
        let config = loaded(db);
        let outcome = triage::reject(
            db,
            &config,
            &jane(),
            &request(OPENSSL_CVE, "openssl", &[], "Not built."),
            Reason::ComponentNotPresent,
        )
        .unwrap();
        assert_eq!(outcome.tags, ["3.22-main", "edge-main"]);
        let n = db::query_int(
            db,
            "SELECT COUNT(*) FROM rejection WHERE source = 'triage' AND actor = 'jane' \
             AND created_at IS NOT NULL",
            &[],
        )
        .unwrap();
        assert_eq!(n, Some(2));
    }

    fn refusals_write_nothing(db: &mut dyn Db) {
        let config = loaded(db);
        let before = snapshot(db);
        let tags = vec!["3.22-main".to_owned()];
        let edge_only = vec!["3.22-community".to_owned()];
        let cases: Vec<(Actor, Request<'_>, &str)> = vec![
            // nginx is Mei Chen's.
            (jane(), request("CVE-2026-90011", "nginx", &[], "Mine now."), "forbidden"),
            // The same address, not verified: no address at all.
            (Actor { emails: vec![], ..jane() }, request(OPENSSL_CVE, "openssl", &[], "x"), "forbidden"),
            (jane(), request("CVE-2026-99999", "openssl", &[], "x"), "unknown"),
            (jane(), request(OPENSSL_CVE, "no-such-package", &[], "x"), "unknown"),
            (jane(), request(OPENSSL_CVE, "openssl", &tags, "   "), "invalid rationale"),
            (jane(), request(OPENSSL_CVE, "openssl", &edge_only, "x"), "invalid tag"),
        ];
        for (actor, req, want) in cases {
            let err = triage::reject(db, &config, &actor, &req, Reason::DifferentSoftware).unwrap_err();
            let got = match &err {
                TriageError::Forbidden(_) => "forbidden".to_owned(),
                TriageError::Unknown(_) => "unknown".to_owned(),
                TriageError::Invalid { field, .. } => format!("invalid {field}"),
                TriageError::Store(e) => panic!("{e}"),
            };
            assert_eq!(got, want, "{req:?}: {err}");
            assert_eq!(snapshot(db), before, "{req:?} wrote something");
        }
        let long = "x".repeat(triage::MAX_RATIONALE + 1);
        let err = triage::reject(db, &config, &jane(), &request(OPENSSL_CVE, "openssl", &[], &long), Reason::DifferentSoftware).unwrap_err();
        assert!(matches!(err, TriageError::Invalid { field: "rationale", .. }), "{err}");
        // Nothing to withdraw.
        let err = triage::withdraw(db, &config, &jane(), &request(OPENSSL_CVE, "openssl", &[], "")).unwrap_err();
        assert!(matches!(err, TriageError::Invalid { field: "tag", .. }), "{err}");
        assert_eq!(snapshot(db), before);
    }

    fn grants_and_the_security_team(db: &mut dyn Db) {
        let config = loaded(db);
        let olly = Actor {
            id: "olly".into(),
            name: None,
            security: false,
            emails: vec!["olly@example.net".into()],
            grants: vec!["nginx".into()],
        };
        assert!(olly.may_act(db, "nginx").unwrap());
        assert!(!olly.may_act(db, "openssl").unwrap());
        assert!(sam().may_act(db, "gifsicle").unwrap(), "security acts on orphans too");
        assert!(jane().may_act(db, "curl").unwrap());
        assert!(!jane().may_act(db, "redis").unwrap());

        // The security team rejects; the maintainer can neither replace nor withdraw it.
        triage::reject(db, &config, &sam(), &request(OPENSSL_CVE, "openssl", &[], "Triaged upstream."), Reason::VulnerableCodeNotInExecutePath).unwrap();
        let before = snapshot(db);
        let err = triage::withdraw(db, &config, &jane(), &request(OPENSSL_CVE, "openssl", &[], "")).unwrap_err();
        assert!(matches!(&err, TriageError::Forbidden(m) if m.contains("security team")), "{err}");
        let err = triage::reject(db, &config, &jane(), &request(OPENSSL_CVE, "openssl", &[], "Mine."), Reason::ComponentNotPresent).unwrap_err();
        assert!(matches!(err, TriageError::Forbidden(_)), "{err}");
        assert_eq!(snapshot(db), before);
        triage::withdraw(db, &config, &sam(), &request(OPENSSL_CVE, "openssl", &[], "")).unwrap();

        // A maintainer's rejection the security team withdraws.
        triage::reject(db, &config, &jane(), &request(OPENSSL_CVE, "openssl", &[], "Not built."), Reason::ComponentNotPresent).unwrap();
        triage::withdraw(db, &config, &sam(), &request(OPENSSL_CVE, "openssl", &[], "It is built.")).unwrap();
        assert_eq!(state(db, "3.22-main", "openssl", OPENSSL_CVE), "vulnerable");
        assert_eq!(db::count(db, "triage_event").unwrap(), 4);
    }

    fn imported_rejections_stay(db: &mut dyn Db) {
        let config = loaded(db);
        // imagemagick's rejection comes from rejections/community.yaml: not triage's to withdraw.
        let err = triage::withdraw(db, &config, &sam(), &request("CVE-2026-90013", "imagemagick", &[], "")).unwrap_err();
        assert!(matches!(err, TriageError::Invalid { field: "tag", .. }), "{err}");
        assert_eq!(state(db, "3.22-community", "imagemagick", "CVE-2026-90013"), "not-affected");
    }
}

#[test]
fn maintainer_addresses() {
    assert_eq!(
        maintainer_address("Jane Doe <jane@example.org>"),
        Some("jane@example.org")
    );
    assert_eq!(
        maintainer_address("jane@example.org"),
        Some("jane@example.org")
    );
    assert_eq!(maintainer_address("Jane Doe"), None);
    assert_eq!(maintainer_address("Jane <>"), None);
    assert_eq!(maintainer_address("a > b <c@d>"), Some("c@d"));
}

#[test]
fn reason_codes_round_trip() {
    for reason in Reason::ALL {
        assert_eq!(Reason::parse(reason.as_str()), Some(reason));
        assert!(!reason.label().is_empty());
    }
    assert_eq!(Reason::parse("not_a_reason"), None);
    assert_eq!(Reason::ALL.len(), 6);
}
