//! The one normalised CVE model that every source is read into.
//!
//! A [`Cve`] holds what one source says about one CVE. Sources disagree (NVD's analyst, the
//! CNA that assigned the id, CISA's ADP container), so nothing here picks a winner: every
//! affected-product [`Rule`] and every [`Cvss`] score keeps its [`Origin`], and records of
//! the same CVE from different sources are combined with [`Cve::merge`], which keeps all of
//! them.

use serde::{Deserialize, Serialize};

/// Where a piece of data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// NVD's analysis: its `configurations` and metrics (API 2.0 or a 1.1 feed).
    Nvd,
    /// The CNA container of a CVE JSON 5 record.
    Cna,
    /// An ADP container of a CVE JSON 5 record (CISA's vulnrichment and others).
    Adp,
}

/// The record's status, NVD's `vulnStatus` or CVE 5's `cveMetadata.state`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Received,
    AwaitingAnalysis,
    UndergoingAnalysis,
    Analyzed,
    Modified,
    Deferred,
    Rejected,
    /// CVE 5 `PUBLISHED`.
    Published,
    /// Anything else, as written.
    Other(String),
}

/// Qualitative severity of a CVSS score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

/// Which CVSS specification a score follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CvssVersion {
    #[serde(rename = "2.0")]
    V2,
    #[serde(rename = "3.0")]
    V3_0,
    #[serde(rename = "3.1")]
    V3_1,
    #[serde(rename = "4.0")]
    V4_0,
}

/// One CVSS score with who gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    pub version: CvssVersion,
    pub score: f64,
    pub vector: String,
    pub severity: Severity,
    pub origin: Origin,
    /// Who scored it: `nvd@nist.gov`, a CNA's e-mail or short name, `CISA-ADP`.
    pub source: Option<String>,
    /// NVD's `Primary` or `Secondary`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A reference URL with its tags (NVD) or CVE 5 `tags`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// One end of a version range.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Bound {
    pub version: String,
    pub inclusive: bool,
}

/// Which versions a rule speaks of, in the upstream project's own version scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Versions {
    /// Every version (a CPE version `*` with no range).
    Any,
    /// One version (a CPE version, or a CVE 5 `version` without `lessThan`).
    Exact { version: String },
    /// A range; a missing end is open.
    Range {
        #[serde(skip_serializing_if = "Option::is_none")]
        start: Option<Bound>,
        #[serde(skip_serializing_if = "Option::is_none")]
        end: Option<Bound>,
    },
    /// No usable version data (CPE version `-` = "not applicable", an empty CVE 5 entry).
    Unknown,
}

/// Whether the rule says the versions are affected (CVE 5 `status`; NVD `vulnerable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    Affected,
    Unaffected,
    Unknown,
}

/// One affected-product statement: "these versions of this product are affected".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub origin: Origin,
    /// The organisation behind the statement (NVD, the CNA's short name, `CISA-ADP`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// CVE 5 `packageName` (an ecosystem package name, e.g. `github.com/x/y`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_name: Option<String>,
    /// CVE 5 `collectionURL` (the package registry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_url: Option<String>,
    /// The CPE `target_sw` (python, ruby, node.js, …) when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_sw: Option<String>,
    pub versions: Versions,
    pub status: RuleStatus,
    /// CVE 5 `versionType` (semver, git, custom, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_type: Option<String>,
    /// The raw statement, for explanations: the CPE criteria with its range fields
    /// (`cpe:2.3:a:x:y:*:… [>=1.0, <1.2]`), or the CVE 5 entry in short form.
    pub criteria: String,
    /// For NVD rules in an AND configuration: the platform CPEs ("running on") that must
    /// also be present. Never affected products of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// Where in the source the rule stands, e.g. `configurations[1].nodes[0].cpeMatch[3]`
    /// or `containers.cna.affected[0].versions[2]`.
    pub path: String,
}

/// Everything one source says about one CVE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cve {
    pub id: String,
    pub status: Status,
    /// ISO 8601 timestamps as the source gives them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The English description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<Cvss>,
    /// CWE ids (`CWE-79`), without duplicates, in order of appearance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// Which sources this record was read from.
    pub sources: Vec<Origin>,
}

impl Cve {
    /// Combines what another source says about the same CVE, keeping every rule and score
    /// with its origin. Scalars (description, dates) are taken from `other` only where this
    /// record has none, except that NVD's status wins for the status fields it defines.
    pub fn merge(&mut self, other: Cve) {
        debug_assert_eq!(self.id, other.id);
        if self.description.is_none() {
            self.description = other.description;
        }
        if self.published.is_none() {
            self.published = other.published;
        }
        if other.last_modified > self.last_modified {
            self.last_modified = other.last_modified;
        }
        if !self.sources.contains(&Origin::Nvd) && other.sources.contains(&Origin::Nvd) {
            self.status = other.status;
        }
        self.cvss.extend(other.cvss);
        for cwe in other.cwes {
            if !self.cwes.contains(&cwe) {
                self.cwes.push(cwe);
            }
        }
        for r in other.references {
            if !self.references.iter().any(|x| x.url == r.url) {
                self.references.push(r);
            }
        }
        self.rules.extend(other.rules);
        for s in other.sources {
            if !self.sources.contains(&s) {
                self.sources.push(s);
            }
        }
    }
}
