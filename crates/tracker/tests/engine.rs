//! The state engine and the product mapping, without a database: one test per rule of the
//! engine, and one per known error of the original tracker (see
//! ../shared/docs/ORIGINAL-TRACKER.md "Known errors") saying what it did and why we
//! differ. The errors that only show across packages or runs (another package's fix,
//! latched states) are tested at the update level in `pipeline.rs`.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};

use secfixes_cve::model::{Bound, Origin, Rule, RuleStatus, Versions};
use secfixes_cve::nvd;
use secfixes_tracker::config::{Alias, Confidence, MappingConfig, ProductPattern};
use secfixes_tracker::engine::{
    Candidate, Facts, FixSource, RecordedFix, Rejection, RuleOutcome, State, Step, Verdict, decide,
};
use secfixes_tracker::mapping::{Mapper, ProductKey, Via};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// An NVD rule for `vendor:product` with the given versions, written by hand.
fn rule(vendor: &str, product: &str, versions: Versions) -> Rule {
    Rule {
        origin: Origin::Nvd,
        source: Some("nvd@nist.gov".to_owned()),
        vendor: Some(vendor.to_owned()),
        product: Some(product.to_owned()),
        package_name: None,
        collection_url: None,
        target_sw: None,
        versions,
        status: RuleStatus::Affected,
        version_type: None,
        criteria: format!("cpe:2.3:a:{vendor}:{product}:*:*:*:*:*:*:*:*"),
        platforms: Vec::new(),
        path: "configurations[0].nodes[0].cpeMatch[0]".to_owned(),
    }
}

fn bound(version: &str, inclusive: bool) -> Option<Bound> {
    Some(Bound {
        version: version.to_owned(),
        inclusive,
    })
}

/// `[start, end]` with the given inclusiveness; `None` ends are open.
fn range(start: Option<Bound>, end: Option<Bound>) -> Versions {
    Versions::Range { start, end }
}

fn via(rule: &str, confidence: Confidence) -> Via {
    Via {
        rule: rule.to_owned(),
        confidence,
    }
}

fn identity() -> Via {
    via("identity", Confidence::High)
}

fn secdb(version: &str) -> RecordedFix {
    RecordedFix {
        version: version.to_owned(),
        source: FixSource::Secdb,
    }
}

fn decide_with(
    version: &str,
    rejections: &[Rejection],
    fixes: &[RecordedFix],
    candidates: &[Candidate<'_>],
) -> Verdict {
    decide(&Facts {
        version,
        rejections,
        fixes,
        candidates,
    })
    .unwrap_or_else(|| panic!("no verdict for {version}"))
}

/// The outcomes of the rule steps, in order.
fn rule_outcomes(v: &Verdict) -> Vec<RuleOutcome> {
    v.explanation
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::RuleMatched { outcome, .. } => Some(*outcome),
            _ => None,
        })
        .collect()
}

/// The origins and sets of the mapper: `origins` are origin names, `binaries` maps binary
/// names to their origin.
struct World {
    config: MappingConfig,
    origins: HashSet<String>,
    binaries: HashMap<String, String>,
}

impl World {
    fn new(origins: &[&str]) -> World {
        World {
            config: MappingConfig::defaults().unwrap(),
            origins: origins.iter().map(|s| (*s).to_owned()).collect(),
            binaries: HashMap::new(),
        }
    }

    fn alias(mut self, product: &str, origins: &[&str], confidence: Confidence) -> World {
        self.config.aliases.push(Alias {
            product: ProductPattern::parse(product).unwrap(),
            origins: origins.iter().map(|s| (*s).to_owned()).collect(),
            confidence,
        });
        self
    }

    fn mapper(&self) -> Mapper<'_> {
        Mapper::new(&self.config, &self.origins, &self.binaries)
    }

    /// What `rule` maps to: (origin, mapping rule, confidence).
    fn map(&self, rule: &Rule) -> Vec<(String, String, Confidence)> {
        let Some(key) = ProductKey::of(rule) else {
            return Vec::new();
        };
        self.mapper()
            .map(&key)
            .into_iter()
            .map(|(o, v)| (o, v.rule, v.confidence))
            .collect()
    }

    /// The rules of `rules` that map to `origin`, each with its mapping — what the update
    /// hands the engine.
    fn candidates<'a>(&self, rules: &'a [Rule], origin: &str) -> Vec<(&'a Rule, Via)> {
        let mapper = self.mapper();
        let mut out = Vec::new();
        for r in rules {
            let Some(key) = ProductKey::of(r) else {
                continue;
            };
            for (o, v) in mapper.map(&key) {
                if o == origin {
                    out.push((r, v));
                }
            }
        }
        out
    }
}

fn as_candidates<'a>(pairs: &'a [(&'a Rule, Via)]) -> Vec<Candidate<'a>> {
    pairs
        .iter()
        .map(|(rule, via)| Candidate { rule, via })
        .collect()
}

/// A minimal NVD API 2.0 `cve` object with the given `configurations` JSON.
fn nvd_record(id: &str, configurations: &str) -> secfixes_cve::Cve {
    let text = format!(
        r#"{{"id": "{id}", "vulnStatus": "Analyzed", "published": "2022-01-01T00:00:00.000",
            "lastModified": "2022-06-01T00:00:00.000",
            "descriptions": [{{"lang": "en", "value": "test record"}}],
            "configurations": {configurations}}}"#
    );
    nvd::v2::parse_record(&text).unwrap()
}

// ---------------------------------------------------------------------------------------
// The rules of the engine
// ---------------------------------------------------------------------------------------

#[test]
fn nothing_ties_the_cve_to_the_package_gives_no_verdict() {
    assert_eq!(
        decide(&Facts {
            version: "1.0-r0",
            rejections: &[],
            fixes: &[],
            candidates: &[],
        }),
        None
    );
}

#[test]
fn fixed_with_the_fix_version_and_its_source() {
    let r = rule("zlib", "zlib", range(None, bound("1.2.12", true)));
    let v = identity();
    let aports = RecordedFix {
        version: "1.2.12-r2".to_owned(),
        source: FixSource::Aports,
    };
    // The feeds say 1.2.12 is affected; the recorded fix decides.
    let verdict = decide_with(
        "1.2.12-r3",
        &[],
        &[aports],
        &[Candidate { rule: &r, via: &v }],
    );
    assert_eq!(verdict.state, State::Fixed);
    assert_eq!(verdict.fixed_version.as_deref(), Some("1.2.12-r2"));
    assert_eq!(verdict.fix_source, Some(FixSource::Aports));
    assert_eq!(
        verdict.explanation.summary,
        "fixed in 1.2.12-r2 (aports); 1.2.12-r3 is published"
    );
    // The fix step comes first and says the comparison; the rule is still shown.
    match &verdict.explanation.steps[0] {
        Step::FixRecorded {
            comparison,
            shipped,
            ..
        } => {
            assert_eq!(comparison, "1.2.12-r3 >= 1.2.12-r2");
            assert!(shipped);
        }
        other => panic!("first step {other:?}"),
    }
    assert_eq!(rule_outcomes(&verdict), vec![RuleOutcome::Affected]);
}

#[test]
fn the_lowest_shipped_fix_is_the_one_named() {
    // One CVE listed under two versions (it happens in APKBUILDs): the first shipped one.
    let verdict = decide_with("2.0-r5", &[], &[secdb("2.0-r3"), secdb("1.9-r1")], &[]);
    assert_eq!(verdict.state, State::Fixed);
    assert_eq!(verdict.fixed_version.as_deref(), Some("1.9-r1"));
}

#[test]
fn not_affected_by_a_rejection_with_its_reason() {
    let r = rule("foo", "foo", Versions::Any);
    let v = identity();
    let rejection = Rejection {
        source: "rejections".to_owned(),
        reason: Some("vulnerable_code_not_present".to_owned()),
        rationale: Some("Only the Windows build.".to_owned()),
        by: None,
    };
    // A rejection wins even over a recorded pending fix.
    let verdict = decide_with(
        "1.0-r0",
        std::slice::from_ref(&rejection),
        &[secdb("2.0-r0")],
        &[Candidate { rule: &r, via: &v }],
    );
    assert_eq!(verdict.state, State::NotAffected);
    assert_eq!(verdict.fixed_version, None);
    assert_eq!(
        verdict.explanation.summary,
        "rejected in rejections (vulnerable_code_not_present)"
    );
    assert_eq!(
        verdict.explanation.steps[0],
        Step::Rejected {
            source: rejection.source.clone(),
            reason: rejection.reason.clone(),
            rationale: rejection.rationale.clone(),
            by: None,
        }
    );
    assert_eq!(
        verdict.explanation.steps[0].to_string(),
        "rejected in rejections: vulnerable_code_not_present — Only the Windows build."
    );
}

#[test]
fn low_confidence_mapping_is_only_possibly_vulnerable() {
    let r = rule("freebsd", "libfetch", range(None, bound("2.13", false)));
    let low = via("alias freebsd:libfetch", Confidence::Low);
    let verdict = decide_with(
        "2.12.9-r3",
        &[],
        &[],
        &[Candidate {
            rule: &r,
            via: &low,
        }],
    );
    assert_eq!(verdict.state, State::PossiblyVulnerable);
    assert_eq!(rule_outcomes(&verdict), vec![RuleOutcome::Affected]);
    // The same rule through a high-confidence mapping is a definite answer.
    let high = via("alias freebsd:libfetch", Confidence::High);
    let verdict = decide_with(
        "2.12.9-r3",
        &[],
        &[],
        &[Candidate {
            rule: &r,
            via: &high,
        }],
    );
    assert_eq!(verdict.state, State::Vulnerable);
}

#[test]
fn an_any_rule_is_possibly_vulnerable() {
    let mut any = rule("foo", "foo", Versions::Any);
    any.origin = Origin::Cna;
    let v = identity();
    let verdict = decide_with(
        "3.1-r0",
        &[],
        &[],
        &[Candidate {
            rule: &any,
            via: &v,
        }],
    );
    assert_eq!(verdict.state, State::PossiblyVulnerable);
    assert_eq!(rule_outcomes(&verdict), vec![RuleOutcome::NoVersionData]);
}

#[test]
fn an_any_rule_is_vetoed_by_a_precise_range_of_another_source() {
    // The CNA says "every version" (a CVE 5 `defaultStatus`); NVD gives a range that
    // ends before the published version.
    let mut any = rule("foo", "foo", Versions::Any);
    any.origin = Origin::Cna;
    let nvd_range = rule("foo", "foo", range(bound("1.0", true), bound("3.0", false)));
    let v = identity();
    let candidates = [
        Candidate {
            rule: &any,
            via: &v,
        },
        Candidate {
            rule: &nvd_range,
            via: &v,
        },
    ];
    let verdict = decide_with("3.1-r0", &[], &[], &candidates);
    assert_eq!(verdict.state, State::NotAffected);
    assert_eq!(
        rule_outcomes(&verdict),
        vec![RuleOutcome::NoVersionData, RuleOutcome::OutsideRange]
    );
    // Inside the range the precise rule says vulnerable.
    let verdict = decide_with("2.9-r0", &[], &[], &candidates);
    assert_eq!(verdict.state, State::Vulnerable);
}

#[test]
fn incomparable_versions_are_unknown() {
    // CVE-2021-36159 gives libfetch's range as a date, which no apk version compares with.
    let r = rule(
        "freebsd",
        "libfetch",
        range(None, bound("2021-07-26", false)),
    );
    let v = identity();
    let verdict = decide_with("2.12.9-r3", &[], &[], &[Candidate { rule: &r, via: &v }]);
    assert_eq!(verdict.state, State::Unknown);
    assert_eq!(rule_outcomes(&verdict), vec![RuleOutcome::Incomparable]);
    // A published version apk would reject cannot be compared with a fix either.
    let verdict = decide_with("1.0_broken!", &[], &[secdb("1.0-r1")], &[]);
    assert_eq!(verdict.state, State::Unknown);
    assert_eq!(verdict.fixed_version.as_deref(), Some("1.0-r1"));
}

#[test]
fn unaffected_statement_inside_its_versions_is_not_affected() {
    // CVE 5 `status: unaffected` for the versions from 2.0 on.
    let mut r = rule("foo", "foo", range(bound("2.0", true), None));
    r.origin = Origin::Cna;
    r.status = RuleStatus::Unaffected;
    let v = identity();
    let verdict = decide_with("2.1-r0", &[], &[], &[Candidate { rule: &r, via: &v }]);
    assert_eq!(verdict.state, State::NotAffected);
    assert_eq!(rule_outcomes(&verdict), vec![RuleOutcome::Unaffected]);
}

#[test]
fn explanation_names_the_rule_path_criteria_mapping_rule_and_comparison() {
    let mut r = rule(
        "libexpat_project",
        "libexpat",
        range(None, bound("2.4.9", false)),
    );
    r.path = "configurations[0].nodes[0].cpeMatch[0]".to_owned();
    r.criteria = "cpe:2.3:a:libexpat_project:libexpat:*:*:*:*:*:*:*:* [<2.4.9]".to_owned();
    let v = via("alias libexpat_project:libexpat", Confidence::High);
    let verdict = decide_with("2.4.8-r0", &[], &[], &[Candidate { rule: &r, via: &v }]);
    assert_eq!(verdict.state, State::Vulnerable);
    assert_eq!(
        verdict.explanation.summary,
        "upstream version 2.4.8 is inside an affected range and no fix is recorded"
    );
    match &verdict.explanation.steps[..] {
        [
            Step::RuleMatched {
                origin,
                criteria,
                path,
                via,
                confidence,
                comparison,
                outcome,
                ..
            },
        ] => {
            assert_eq!(*origin, Origin::Nvd);
            assert_eq!(criteria, &r.criteria);
            assert_eq!(path, "configurations[0].nodes[0].cpeMatch[0]");
            assert_eq!(via, "alias libexpat_project:libexpat");
            assert_eq!(*confidence, Confidence::High);
            assert_eq!(comparison, "2.4.8 < 2.4.9 (exclusive end)");
            assert_eq!(*outcome, RuleOutcome::Affected);
        }
        other => panic!("steps {other:?}"),
    }
    let text = verdict.explanation.to_string();
    for part in [
        "configurations[0].nodes[0].cpeMatch[0]",
        "cpe:2.3:a:libexpat_project:libexpat",
        "mapped by alias libexpat_project:libexpat (high confidence)",
        "2.4.8 < 2.4.9 (exclusive end): affected",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
    // The explanation is stored as JSON and must come back equal.
    let json = serde_json::to_string(&verdict.explanation).unwrap();
    let back: secfixes_tracker::engine::Explanation = serde_json::from_str(&json).unwrap();
    assert_eq!(back, verdict.explanation);
}

// ---------------------------------------------------------------------------------------
// The original tracker's known errors
// ---------------------------------------------------------------------------------------

/// Original: a `"0"` entry anywhere made every version of every package "fixed" for that
/// CVE, because the fix lookup was by CVE alone. Here `0` is a fact about one package in
/// one repository: it makes that package not affected, and only that one. (The same
/// through the store is in `pipeline.rs`.)
#[test]
fn known_error_zero_entry_makes_only_its_own_package_not_affected() {
    let r = rule("example", "libfoo", range(None, bound("2.0", false)));
    let v = identity();
    let candidates = [Candidate { rule: &r, via: &v }];
    // The package that lists the CVE under `0`.
    let own = decide_with("1.5-r0", &[], &[secdb("0")], &candidates);
    assert_eq!(own.state, State::NotAffected);
    assert_eq!(own.fixed_version, None);
    assert_eq!(
        own.explanation.steps[0],
        Step::NotAffectedEntry {
            source: FixSource::Secdb
        }
    );
    assert_eq!(
        own.explanation.summary,
        "the secdb lists it under version 0: never affected"
    );
    // Another package matched by the same rule has no such entry: it stays vulnerable.
    let other = decide_with("1.5-r0", &[], &[], &candidates);
    assert_eq!(other.state, State::Vulnerable);
}

/// Original: a CPE with `vulnerable: false` (the platform of an AND configuration, "runs
/// on Windows") was matched as if that product were affected. Here platform CPEs never
/// become rules: they are kept only as a rule's `platforms`. The record is the AND
/// configuration of CVE-2018-25032 (python on microsoft:windows), as NVD 2.0 writes it.
#[test]
fn known_error_vulnerable_false_cpes_never_match() {
    let cve = nvd_record(
        "CVE-2018-25032",
        r#"[{"operator": "AND", "nodes": [
            {"operator": "OR", "negate": false, "cpeMatch": [
              {"vulnerable": true, "criteria": "cpe:2.3:a:python:python:*:*:*:*:*:*:*:*",
               "versionStartIncluding": "3.7.0", "versionEndExcluding": "3.7.14",
               "matchCriteriaId": "00000000-0000-0000-0000-000000000001"},
              {"vulnerable": true, "criteria": "cpe:2.3:a:python:python:*:*:*:*:*:*:*:*",
               "versionStartIncluding": "3.10.0", "versionEndExcluding": "3.10.5",
               "matchCriteriaId": "00000000-0000-0000-0000-000000000002"}]},
            {"operator": "OR", "negate": false, "cpeMatch": [
              {"vulnerable": false, "criteria": "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*",
               "matchCriteriaId": "00000000-0000-0000-0000-000000000003"}]}]}]"#,
    );
    assert_eq!(cve.rules.len(), 2, "{:#?}", cve.rules);
    for r in &cve.rules {
        assert_eq!(r.product.as_deref(), Some("python"));
        assert_eq!(
            r.platforms,
            vec!["cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*".to_owned()]
        );
    }
    assert!(
        !cve.rules
            .iter()
            .any(|r| r.product.as_deref() == Some("windows")),
        "a vulnerable: false CPE became a rule"
    );
    // Even with an origin called `windows`, nothing maps to it.
    let world =
        World::new(&["python3", "windows"]).alias("python:python", &["python3"], Confidence::High);
    assert!(world.candidates(&cve.rules, "windows").is_empty());
    let pairs = world.candidates(&cve.rules, "python3");
    assert_eq!(pairs.len(), 2);
    // The platform is context: python is affected only when running on Windows, which
    // an apk package never does.
    let verdict = decide_with("3.10.4-r0", &[], &[], &as_candidates(&pairs));
    assert_eq!(verdict.state, State::NotAffected);
    assert_eq!(
        rule_outcomes(&verdict),
        vec![RuleOutcome::OtherPlatform, RuleOutcome::OtherPlatform]
    );

    // The same configuration on Linux is vulnerable.
    let cve = nvd_record(
        "CVE-2099-0002",
        r#"[{"operator": "AND", "nodes": [
            {"operator": "OR", "negate": false, "cpeMatch": [
              {"vulnerable": true, "criteria": "cpe:2.3:a:python:python:*:*:*:*:*:*:*:*",
               "versionStartIncluding": "3.10.0", "versionEndExcluding": "3.10.5",
               "matchCriteriaId": "00000000-0000-0000-0000-000000000004"}]},
            {"operator": "OR", "negate": false, "cpeMatch": [
              {"vulnerable": false, "criteria": "cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*",
               "matchCriteriaId": "00000000-0000-0000-0000-000000000005"}]}]}]"#,
    );
    let pairs = world.candidates(&cve.rules, "python3");
    let verdict = decide_with("3.10.4-r0", &[], &[], &as_candidates(&pairs));
    assert_eq!(verdict.state, State::Vulnerable);
}

/// Original: only the first configuration node was read, so a CVE whose first
/// configuration is an AND configuration got no match, and several ranges for one
/// product collapsed into one. Here every configuration, node and range is a rule: a
/// version in either range is vulnerable, a version between them is not.
#[test]
fn known_error_every_configuration_node_and_range_is_used() {
    let cve = nvd_record(
        "CVE-2099-0001",
        r#"[
          {"operator": "AND", "nodes": [
            {"operator": "OR", "negate": false, "cpeMatch": [
              {"vulnerable": true, "criteria": "cpe:2.3:o:netapp:h300s_firmware:-:*:*:*:*:*:*:*",
               "matchCriteriaId": "00000000-0000-0000-0000-000000000011"}]},
            {"operator": "OR", "negate": false, "cpeMatch": [
              {"vulnerable": false, "criteria": "cpe:2.3:h:netapp:h300s:-:*:*:*:*:*:*:*",
               "matchCriteriaId": "00000000-0000-0000-0000-000000000012"}]}]},
          {"nodes": [
            {"operator": "OR", "negate": false, "cpeMatch": [
              {"vulnerable": true, "criteria": "cpe:2.3:a:example:libfoo:*:*:*:*:*:*:*:*",
               "versionStartIncluding": "1.0", "versionEndExcluding": "1.2",
               "matchCriteriaId": "00000000-0000-0000-0000-000000000013"},
              {"vulnerable": true, "criteria": "cpe:2.3:a:example:libfoo:*:*:*:*:*:*:*:*",
               "versionStartIncluding": "2.0", "versionEndIncluding": "2.3",
               "matchCriteriaId": "00000000-0000-0000-0000-000000000014"}]}]}
        ]"#,
    );
    let world = World::new(&["libfoo"]);
    let pairs = world.candidates(&cve.rules, "libfoo");
    assert_eq!(pairs.len(), 2, "both ranges are rules: {pairs:#?}");
    assert_eq!(pairs[0].0.path, "configurations[1].nodes[0].cpeMatch[0]");
    assert_eq!(pairs[1].0.path, "configurations[1].nodes[0].cpeMatch[1]");
    let candidates = as_candidates(&pairs);
    for (version, want) in [
        ("0.9-r0", State::NotAffected),
        ("1.0-r0", State::Vulnerable),
        ("1.1.5-r2", State::Vulnerable),
        ("1.2-r0", State::NotAffected),
        ("1.5-r0", State::NotAffected),
        ("2.0-r0", State::Vulnerable),
        ("2.3-r9", State::Vulnerable),
        ("2.3.1-r0", State::NotAffected),
    ] {
        let verdict = decide_with(version, &[], &[], &candidates);
        assert_eq!(verdict.state, want, "{version}: {}", verdict.explanation);
    }
}

/// Original: the CPE version `-` ("not applicable") was compared literally as a version.
/// Here it is no version data: the product is named, so possibly vulnerable, with the
/// rule's outcome saying so.
#[test]
fn known_error_cpe_version_dash_is_no_version_data() {
    let cve = nvd_record(
        "CVE-2099-0002",
        r#"[{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": [
              {"vulnerable": true, "criteria": "cpe:2.3:a:example:libbar:-:*:*:*:*:*:*:*",
               "matchCriteriaId": "00000000-0000-0000-0000-000000000021"}]}]}]"#,
    );
    assert_eq!(cve.rules.len(), 1);
    assert_eq!(cve.rules[0].versions, Versions::Unknown);
    let world = World::new(&["libbar"]);
    let pairs = world.candidates(&cve.rules, "libbar");
    let candidates = as_candidates(&pairs);
    // Whatever the version (a literal comparison with `-` would call these different
    // things), the answer is the same.
    for version in ["0.1-r0", "9.9-r0"] {
        let verdict = decide_with(version, &[], &[], &candidates);
        assert_eq!(verdict.state, State::PossiblyVulnerable);
        assert_eq!(rule_outcomes(&verdict), vec![RuleOutcome::NoVersionData]);
    }
}

/// Upstream ranges know no Alpine revision: 1.2.12-r3 is upstream 1.2.12, inside
/// `<= 1.2.12`. (Comparing the full version would put 1.2.12-r3 above 1.2.12 and call it
/// outside the range.)
#[test]
fn known_error_revision_is_ignored_for_upstream_ranges() {
    let r = rule("zlib", "zlib", range(None, bound("1.2.12", true)));
    let v = identity();
    let verdict = decide_with("1.2.12-r3", &[], &[], &[Candidate { rule: &r, via: &v }]);
    assert_eq!(verdict.state, State::Vulnerable);
    match &verdict.explanation.steps[0] {
        Step::RuleMatched { comparison, .. } => {
            assert_eq!(comparison, "1.2.12 = 1.2.12 (inclusive end)");
        }
        other => panic!("{other:?}"),
    }
    // An exclusive end at 1.2.12 leaves 1.2.12-r3 outside.
    let r = rule("zlib", "zlib", range(None, bound("1.2.12", false)));
    let verdict = decide_with("1.2.12-r3", &[], &[], &[Candidate { rule: &r, via: &v }]);
    assert_eq!(verdict.state, State::NotAffected);
}

/// Recorded fixes are Alpine versions: the revision counts. 1.2.12-r1 is published, the
/// fix is recorded for 1.2.12-r2: vulnerable, the fix is not shipped yet — even though
/// the CVE feed's range (which ends before 1.2.12) says the upstream version is fine.
#[test]
fn known_error_revision_is_used_for_recorded_fixes() {
    let r = rule("zlib", "zlib", range(None, bound("1.2.12", false)));
    let v = identity();
    let candidates = [Candidate { rule: &r, via: &v }];
    let verdict = decide_with("1.2.12-r1", &[], &[secdb("1.2.12-r2")], &candidates);
    assert_eq!(verdict.state, State::Vulnerable);
    assert_eq!(verdict.fixed_version.as_deref(), Some("1.2.12-r2"));
    assert_eq!(verdict.fix_source, Some(FixSource::Secdb));
    assert_eq!(
        verdict.explanation.summary,
        "the fix is recorded for 1.2.12-r2 (secdb) but 1.2.12-r1 is published: not shipped yet"
    );
    match &verdict.explanation.steps[0] {
        Step::FixRecorded {
            comparison,
            shipped,
            ..
        } => {
            assert_eq!(comparison, "1.2.12-r1 < 1.2.12-r2");
            assert!(!shipped);
        }
        other => panic!("{other:?}"),
    }
    // The next revision ships it.
    let verdict = decide_with("1.2.12-r2", &[], &[secdb("1.2.12-r2")], &candidates);
    assert_eq!(verdict.state, State::Fixed);
}

// ---------------------------------------------------------------------------------------
// Mapping
// ---------------------------------------------------------------------------------------

#[test]
fn mapping_identity() {
    let world = World::new(&["zlib", "busybox"]);
    let r = rule("zlib", "zlib", Versions::Any);
    assert_eq!(
        world.map(&r),
        vec![("zlib".to_owned(), "identity".to_owned(), Confidence::High)]
    );
    // Case does not matter; a product that is no origin maps to nothing.
    let r = rule("BusyBox", "BusyBox", Versions::Any);
    assert_eq!(world.map(&r)[0].0, "busybox");
    assert!(
        world
            .map(&rule("x", "notpackaged", Versions::Any))
            .is_empty()
    );
}

#[test]
fn mapping_alias_is_authoritative() {
    // An origin `libexpat` exists too, but the alias settles the collision.
    let world = World::new(&["expat", "libexpat"]).alias(
        "libexpat_project:libexpat",
        &["expat"],
        Confidence::High,
    );
    assert_eq!(
        world.map(&rule("libexpat_project", "libexpat", Versions::Any)),
        vec![(
            "expat".to_owned(),
            "alias libexpat_project:libexpat".to_owned(),
            Confidence::High
        )]
    );
    // Another vendor's libexpat is not covered by the alias: identity applies.
    assert_eq!(
        world.map(&rule("other", "libexpat", Versions::Any)),
        vec![(
            "libexpat".to_owned(),
            "identity".to_owned(),
            Confidence::High
        )]
    );
    // An alias to several origins, and to an origin that is not packaged (skipped).
    let world = World::new(&["python3", "py3-foo"]).alias(
        "*:python",
        &["python3", "python2"],
        Confidence::Low,
    );
    assert_eq!(
        world.map(&rule("python", "python", Versions::Any)),
        vec![(
            "python3".to_owned(),
            "alias *:python".to_owned(),
            Confidence::Low
        )]
    );
}

#[test]
fn mapping_language_python_target_sw() {
    let world = World::new(&["py3-pillow", "pillow"]);
    let mut r = rule("python", "Pillow", Versions::Any);
    r.target_sw = Some("python".to_owned());
    assert_eq!(
        world.map(&r),
        vec![(
            "py3-pillow".to_owned(),
            "language python".to_owned(),
            Confidence::High
        )]
    );
    // Without target_sw the same product is identity's business.
    r.target_sw = None;
    assert_eq!(world.map(&r)[0].0, "pillow");
}

#[test]
fn mapping_language_go_last_path_segment() {
    let world = World::new(&["cosign", "v2"]);
    let r = Rule {
        origin: Origin::Cna,
        source: Some("GitHub_M".to_owned()),
        vendor: Some("sigstore".to_owned()),
        product: Some("cosign".to_owned()),
        package_name: Some("github.com/sigstore/cosign/v2".to_owned()),
        collection_url: Some("https://pkg.go.dev".to_owned()),
        target_sw: None,
        versions: range(None, bound("2.2.1", false)),
        status: RuleStatus::Affected,
        version_type: Some("semver".to_owned()),
        criteria: "github.com/sigstore/cosign/v2 < 2.2.1".to_owned(),
        platforms: Vec::new(),
        path: "containers.cna.affected[0].versions[0]".to_owned(),
    };
    assert_eq!(
        world.map(&r),
        vec![(
            "cosign".to_owned(),
            "language go".to_owned(),
            Confidence::Low
        )]
    );
}

#[test]
fn mapping_exclusions() {
    let mut world = World::new(&["linux", "zlib", "busybox"]);
    world.config.exclude_products = vec![ProductPattern::parse("zlib:*").unwrap()];
    world.config.exclude_origins = vec!["linux".to_owned()];
    assert!(world.map(&rule("zlib", "zlib", Versions::Any)).is_empty());
    assert!(world.map(&rule("linux", "linux", Versions::Any)).is_empty());
    // Even an alias cannot target an excluded origin.
    let world = world.alias("torvalds:kernel", &["linux", "busybox"], Confidence::High);
    assert_eq!(
        world
            .map(&rule("torvalds", "kernel", Versions::Any))
            .into_iter()
            .map(|(o, ..)| o)
            .collect::<Vec<_>>(),
        vec!["busybox".to_owned()]
    );
    assert_eq!(
        world.map(&rule("busybox", "busybox", Versions::Any)).len(),
        1
    );
}

#[test]
fn mapping_binary_identity() {
    let mut world = World::new(&["curl"]);
    world
        .binaries
        .insert("libcurl".to_owned(), "curl".to_owned());
    assert_eq!(
        world.map(&rule("haxx", "libcurl", Versions::Any)),
        vec![(
            "curl".to_owned(),
            "binary package libcurl".to_owned(),
            Confidence::Low
        )]
    );
    // Turned off, it maps nothing.
    world.config.binary_identity = None;
    assert!(
        world
            .map(&rule("haxx", "libcurl", Versions::Any))
            .is_empty()
    );
}

#[test]
fn mapping_ignores_hardware_and_productless_rules() {
    let mut hw = rule("netapp", "h300s", Versions::Unknown);
    hw.criteria = "cpe:2.3:h:netapp:h300s:-:*:*:*:*:*:*:*".to_owned();
    assert_eq!(ProductKey::of(&hw), None);
    let mut none = rule("x", "-", Versions::Any);
    none.product = Some("-".to_owned());
    assert_eq!(ProductKey::of(&none), None);
}
