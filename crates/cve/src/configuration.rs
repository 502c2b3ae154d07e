//! NVD applicability statements ("configurations"): trees of CPE matches joined by AND/OR,
//! possibly negated, as in the API 2.0 (`configurations[].nodes[]`) and in the 1.1 feeds
//! (`configurations.nodes[]` with `children`).
//!
//! Both readers build these types; [`rules`] turns them into affected-product
//! [`Rule`](crate::model::Rule)s. TODO (being written): the evaluator and rule extraction.

use serde::{Deserialize, Serialize};

use crate::model::Rule;

pub mod nvd_json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Operator {
    #[default]
    #[serde(rename = "OR")]
    Or,
    #[serde(rename = "AND")]
    And,
}

/// One configuration: its nodes joined by `operator` (API 2.0; in a 1.1 feed every
/// top-level node is a configuration of its own).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Configuration {
    pub operator: Operator,
    pub negate: bool,
    pub nodes: Vec<Node>,
}

/// A node: CPE matches and child nodes joined by `operator`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Node {
    pub operator: Operator,
    pub negate: bool,
    pub matches: Vec<CpeMatch>,
    /// Only in 1.1 feeds.
    pub children: Vec<Node>,
}

/// One CPE match with its optional version range.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CpeMatch {
    /// `false` marks platform context ("running on"), never an affected product.
    pub vulnerable: bool,
    /// The CPE 2.3 formatted string (`criteria` in 2.0, `cpe23Uri` in 1.1).
    pub criteria: String,
    pub version_start_including: Option<String>,
    pub version_start_excluding: Option<String>,
    pub version_end_including: Option<String>,
    pub version_end_excluding: Option<String>,
    pub match_criteria_id: Option<String>,
}

/// The affected-product rules of a CVE's configurations (origin NVD).
pub fn rules(configurations: &[Configuration], source: Option<&str>) -> Vec<Rule> {
    let _ = (configurations, source);
    Vec::new()
}
