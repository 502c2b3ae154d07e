//! The state engine: from the facts about one (vulnerability, origin, published version)
//! to a [`Verdict`] with the chain of reasons that decided it.
//!
//! It is a pure function — no database, no clock — so the same facts always give the same
//! verdict, and the update can call it for one package or for everything alike.
//!
//! The order of decision, and where it differs from the original tracker:
//!
//! 1. A rejection (security-rejections YAML, or a maintainer's) → `not-affected`.
//! 2. A `0` entry in this package's secfixes → `not-affected`.
//! 3. A recorded fix for this package in this repository (never another package's, never
//!    another branch's): the published version at or above it → `fixed`; below every
//!    recorded fix → `vulnerable`, because the fix is not shipped yet, whatever the CVE
//!    feeds say. Fix versions are compared with the `-rN` revision.
//! 4. Otherwise the affected-product rules mapped to this origin decide, on the upstream
//!    version (the `-rN` revision cut off): a rule whose range contains it → `vulnerable`
//!    (`possibly-vulnerable` when the mapping is of low confidence); only rules without
//!    version data → `possibly-vulnerable`; versions that cannot be compared → `unknown`;
//!    ranges that all exclude it → `not-affected` (outside every affected range).
//!    Every rule of every configuration node counts; `vulnerable: false` CPEs (platforms)
//!    never become rules, and a rule whose platforms are all other operating systems or
//!    hardware (python "running on Windows") does not apply; a CPE version `-` carries
//!    no version data. A CVE 5 `status: unknown` alone decides nothing.

mod explanation;
mod rules;
pub mod severity;

pub use explanation::{Explanation, RuleOutcome, Step};

use serde::{Deserialize, Serialize};

use crate::mapping::Via;
use secfixes_apk::version;
use secfixes_cve::model::Rule;

/// The verdict for one published package version and one vulnerability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Vulnerable,
    PossiblyVulnerable,
    Unknown,
    Fixed,
    NotAffected,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Vulnerable,
        State::PossiblyVulnerable,
        State::Unknown,
        State::Fixed,
        State::NotAffected,
    ];

    /// The stable name used in the database, reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Vulnerable => "vulnerable",
            State::PossiblyVulnerable => "possibly-vulnerable",
            State::Unknown => "unknown",
            State::Fixed => "fixed",
            State::NotAffected => "not-affected",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the state needs someone's attention (it is not fixed or not affected).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            State::Vulnerable | State::PossiblyVulnerable | State::Unknown
        )
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a recorded fix comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixSource {
    /// The secdb JSON of the repository.
    Secdb,
    /// The `# secfixes:` block of the package's APKBUILD.
    Aports,
}

impl FixSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FixSource::Secdb => "secdb",
            FixSource::Aports => "aports",
        }
    }

    pub fn parse(s: &str) -> Option<FixSource> {
        match s {
            "secdb" => Some(FixSource::Secdb),
            "aports" => Some(FixSource::Aports),
            _ => None,
        }
    }
}

/// A fix recorded by the distribution for this package in this repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedFix {
    /// The fixing version with its `-rN`, or `0` for "never affected".
    pub version: String,
    pub source: FixSource,
}

/// A rejection of the vulnerability for this package in this repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Where it comes from: `rejections` (the YAML), or a triage event.
    pub source: String,
    /// A reason code (OpenVEX justification or `different_software`), when given.
    pub reason: Option<String>,
    pub rationale: Option<String>,
    /// Who made it (`jane (maintainer)`), for a triage rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// An affected-product rule that the mapping ties to this origin.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub rule: &'a Rule,
    pub via: &'a Via,
}

/// Everything the engine needs about one (vulnerability, origin, version).
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The published version, with its `-rN`.
    pub version: &'a str,
    pub rejections: &'a [Rejection],
    pub fixes: &'a [RecordedFix],
    pub candidates: &'a [Candidate<'a>],
}

/// A decided state with its reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub state: State,
    /// The fixing version: the shipped fix for `fixed`, the pending one for `vulnerable`.
    pub fixed_version: Option<String>,
    pub fix_source: Option<FixSource>,
    pub explanation: Explanation,
}

/// Decides the state of one published version; `None` when nothing ties the
/// vulnerability to the package (no rule, fix or rejection).
pub fn decide(facts: &Facts<'_>) -> Option<Verdict> {
    if facts.rejections.is_empty() && facts.fixes.is_empty() && facts.candidates.is_empty() {
        return None;
    }
    let mut steps = Vec::new();
    let rule_decision = rules::evaluate(facts.version, facts.candidates, &mut steps);

    if let Some(r) = facts.rejections.first() {
        let mut all: Vec<Step> = facts
            .rejections
            .iter()
            .map(|r| Step::Rejected {
                source: r.source.clone(),
                reason: r.reason.clone(),
                rationale: r.rationale.clone(),
                by: r.by.clone(),
            })
            .collect();
        all.extend(steps);
        let why = r.reason.as_deref().unwrap_or("no reason code");
        let by =
            r.by.as_ref()
                .map(|by| format!(" by {by}"))
                .unwrap_or_default();
        return Some(Verdict {
            state: State::NotAffected,
            fixed_version: None,
            fix_source: None,
            explanation: Explanation::new(format!("rejected in {}{by} ({why})", r.source), all),
        });
    }

    if let Some(zero) = facts.fixes.iter().find(|f| f.version == "0") {
        let mut all = vec![Step::NotAffectedEntry {
            source: zero.source,
        }];
        all.extend(steps);
        return Some(Verdict {
            state: State::NotAffected,
            fixed_version: None,
            fix_source: None,
            explanation: Explanation::new(
                format!(
                    "the {} lists it under version 0: never affected",
                    zero.source.as_str()
                ),
                all,
            ),
        });
    }

    if let Some(verdict) = decide_by_fixes(facts, &mut steps) {
        return Some(verdict);
    }

    let (state, summary) = rule_decision?;
    Some(Verdict {
        state,
        fixed_version: None,
        fix_source: None,
        explanation: Explanation::new(summary, steps),
    })
}

/// Step 3: recorded fixes, compared with the full version including `-rN`.
fn decide_by_fixes(facts: &Facts<'_>, steps: &mut Vec<Step>) -> Option<Verdict> {
    if facts.fixes.is_empty() {
        return None;
    }
    let published_valid = version::is_valid(facts.version);
    let mut fixes: Vec<&RecordedFix> = facts.fixes.iter().collect();
    fixes.sort_by(|a, b| version::compare(&a.version, &b.version));
    let mut fix_steps = Vec::new();
    let mut shipped = None;
    let mut pending = None;
    let mut incomparable = None;
    for fix in fixes {
        let comparable = published_valid && version::is_valid(&fix.version);
        let is_shipped =
            comparable && version::compare(facts.version, &fix.version) != std::cmp::Ordering::Less;
        fix_steps.push(Step::FixRecorded {
            version: fix.version.clone(),
            source: fix.source,
            published: facts.version.to_owned(),
            comparison: if !comparable {
                format!("{} and {} cannot be compared", facts.version, fix.version)
            } else if is_shipped {
                format!("{} >= {}", facts.version, fix.version)
            } else {
                format!("{} < {}", facts.version, fix.version)
            },
            shipped: is_shipped,
        });
        if !comparable {
            incomparable.get_or_insert(fix);
        } else if is_shipped {
            shipped.get_or_insert(fix);
        } else {
            pending.get_or_insert(fix);
        }
    }
    fix_steps.append(steps);
    let (state, fix, summary) = if let Some(f) = shipped {
        (
            State::Fixed,
            f,
            format!(
                "fixed in {} ({}); {} is published",
                f.version,
                f.source.as_str(),
                facts.version
            ),
        )
    } else if let Some(f) = pending {
        (
            State::Vulnerable,
            f,
            format!(
                "the fix is recorded for {} ({}) but {} is published: not shipped yet",
                f.version,
                f.source.as_str(),
                facts.version
            ),
        )
    } else {
        let f = incomparable?;
        (
            State::Unknown,
            f,
            format!(
                "the recorded fix {} cannot be compared with the published {}",
                f.version, facts.version
            ),
        )
    };
    Some(Verdict {
        state,
        fixed_version: Some(fix.version.clone()),
        fix_source: Some(fix.source),
        explanation: Explanation::new(summary, fix_steps),
    })
}
