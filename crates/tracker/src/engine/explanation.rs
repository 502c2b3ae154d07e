//! Why the engine decided what it did: a summary line and the chain of steps, stored
//! with every state as JSON and printed by `secfixes explain`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::FixSource;
use crate::config::Confidence;
use secfixes_cve::model::Origin;

/// The reasons for one verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// One line: the reason that decided.
    pub summary: String,
    /// Every fact that was weighed, the deciding ones first.
    pub steps: Vec<Step>,
}

impl Explanation {
    pub fn new(summary: String, steps: Vec<Step>) -> Self {
        Explanation { summary, steps }
    }
}

/// What one affected-product rule says about the published version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleOutcome {
    /// The version is inside the rule's affected versions.
    Affected,
    /// The rule names the product but no versions (CPE `*` or `-`, no range).
    NoVersionData,
    /// The version is outside the rule's versions.
    OutsideRange,
    /// The rule says these versions are unaffected, and the version is among them.
    Unaffected,
    /// The version and the rule's versions cannot be compared.
    Incomparable,
    /// The source says it does not know (CVE 5 `status: unknown`).
    StatusUnknown,
    /// The rule holds only when running on another system (an NVD AND configuration
    /// whose platforms are all non-Linux operating systems or hardware).
    OtherPlatform,
}

impl RuleOutcome {
    fn as_str(self) -> &'static str {
        match self {
            RuleOutcome::Affected => "affected",
            RuleOutcome::NoVersionData => "no version data",
            RuleOutcome::OutsideRange => "outside the range",
            RuleOutcome::Unaffected => "unaffected",
            RuleOutcome::Incomparable => "cannot compare",
            RuleOutcome::StatusUnknown => "status unknown",
            RuleOutcome::OtherPlatform => "another platform",
        }
    }
}

/// One link of the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// A rejection for this package and repository.
    Rejected {
        source: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rationale: Option<String>,
        /// Who made it, for a triage rejection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// A `0` secfixes entry.
    NotAffectedEntry { source: FixSource },
    /// A recorded fix, compared with the published version (with `-rN`).
    FixRecorded {
        version: String,
        source: FixSource,
        published: String,
        comparison: String,
        shipped: bool,
    },
    /// An affected-product rule that the mapping ties to the package.
    RuleMatched {
        /// Which part of the CVE data: `nvd`, `cna`, `adp`.
        origin: Origin,
        /// Who wrote it (`nvd@nist.gov`, the CNA).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<String>,
        criteria: String,
        path: String,
        /// The mapping rule that tied the product to the package.
        via: String,
        confidence: Confidence,
        comparison: String,
        outcome: RuleOutcome,
    },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Rejected {
                source,
                reason,
                rationale,
                by,
            } => {
                write!(f, "rejected in {source}")?;
                if let Some(by) = by {
                    write!(f, " by {by}")?;
                }
                if let Some(r) = reason {
                    write!(f, ": {r}")?;
                }
                if let Some(r) = rationale {
                    write!(f, " — {r}")?;
                }
                Ok(())
            }
            Step::NotAffectedEntry { source } => {
                write!(
                    f,
                    "{} lists it under version 0 (not affected)",
                    source.as_str()
                )
            }
            Step::FixRecorded {
                version,
                source,
                comparison,
                shipped,
                ..
            } => write!(
                f,
                "fix recorded in {} for {version}: {comparison}, {}",
                source.as_str(),
                if *shipped { "shipped" } else { "not shipped" }
            ),
            Step::RuleMatched {
                origin,
                source,
                criteria,
                path,
                via,
                confidence,
                comparison,
                outcome,
            } => {
                let origin = serde_json::to_value(origin)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                write!(f, "rule from {origin}")?;
                if let Some(s) = source {
                    write!(f, " ({s})")?;
                }
                write!(
                    f,
                    " at {path}: {criteria}\n      mapped by {via} ({} confidence)\n      {comparison}: {}",
                    match confidence {
                        Confidence::High => "high",
                        Confidence::Low => "low",
                    },
                    outcome.as_str()
                )
            }
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary)?;
        for (i, step) in self.steps.iter().enumerate() {
            writeln!(f, "  {}. {step}", i + 1)?;
        }
        Ok(())
    }
}
