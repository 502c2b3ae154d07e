//! NVD applicability statements ("configurations"): trees of CPE matches joined by AND/OR,
//! possibly negated, as in the API 2.0 (`configurations[].nodes[]`) and in the 1.1 feeds
//! (`configurations.nodes[]` with `children`).
//!
//! Both readers build these types ([`nvd_json`] maps the JSON); [`Configuration::applies`]
//! evaluates a tree against what is present, and [`rules`] turns the trees into
//! affected-product [`Rule`]s:
//!
//! - every `vulnerable: true` match gives exactly one rule, with the versions its CPE and
//!   range fields state;
//! - a `vulnerable: false` match is platform context ("running on") and never a rule of its
//!   own; it shows up in the `platforms` of the rules that need it;
//! - `platforms` lists every other requirement that must hold for the rule to apply: the
//!   siblings under each AND on the way from the match to its configuration. One entry per
//!   requirement; a requirement that is itself a group reads `a OR b` (or `a AND b`), and a
//!   negated one `NOT (…)`;
//! - a match under a negated node or configuration is not an affected-product statement
//!   ("not running on …"): it still gives its rule, so that nothing is hidden, but with
//!   status [`RuleStatus::Unaffected`];
//! - a CPE that does not parse still gives a rule (status [`RuleStatus::Unknown`], the
//!   error in `criteria`) and a [`Diagnostic`] naming its path (see [`rules_checked`]).

use secfixes_apk::{Diagnostic, ErrorKind, Parsed};
use serde::{Deserialize, Serialize};

use crate::cpe::{Cpe, Value};
use crate::model::{Bound, Origin, Rule, RuleStatus, Versions};

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

impl Operator {
    fn as_str(self) -> &'static str {
        match self {
            Operator::Or => "OR",
            Operator::And => "AND",
        }
    }

    /// Combines operand results: AND of nothing is true, OR of nothing false.
    fn fold(self, mut operands: impl Iterator<Item = bool>) -> bool {
        match self {
            Operator::And => operands.all(|x| x),
            Operator::Or => operands.any(|x| x),
        }
    }
}

impl Configuration {
    /// Whether the configuration holds when exactly the matches for which `is_present`
    /// is true are present (AND/OR of the nodes, then `negate`).
    pub fn applies(&self, is_present: impl Fn(&CpeMatch) -> bool) -> bool {
        let result = self
            .operator
            .fold(self.nodes.iter().map(|n| n.applies(&is_present)));
        result != self.negate
    }
}

impl Node {
    /// Whether the node holds: its matches and children joined by its operator, then
    /// `negate`.
    pub fn applies(&self, is_present: &dyn Fn(&CpeMatch) -> bool) -> bool {
        let matches = self.matches.iter().map(is_present);
        let children = self.children.iter().map(|c| c.applies(is_present));
        self.operator.fold(matches.chain(children)) != self.negate
    }

    /// The node as one readable requirement.
    fn describe(&self) -> String {
        let parts: Vec<String> = self
            .matches
            .iter()
            .map(CpeMatch::describe)
            .chain(self.children.iter().map(|c| {
                let d = c.describe();
                if c.matches.len() + c.children.len() > 1 && !c.negate {
                    format!("({d})")
                } else {
                    d
                }
            }))
            .collect();
        let joined = parts.join(&format!(" {} ", self.operator.as_str()));
        if self.negate {
            format!("NOT ({joined})")
        } else {
            joined
        }
    }
}

impl CpeMatch {
    fn has_range(&self) -> bool {
        self.version_start_including.is_some()
            || self.version_start_excluding.is_some()
            || self.version_end_including.is_some()
            || self.version_end_excluding.is_some()
    }

    /// The range fields in short form (`>=1.0, <1.2`), empty when there are none.
    fn range_text(&self) -> String {
        let parts: Vec<String> = [
            (">=", &self.version_start_including),
            (">", &self.version_start_excluding),
            ("<=", &self.version_end_including),
            ("<", &self.version_end_excluding),
        ]
        .into_iter()
        .filter_map(|(op, v)| v.as_ref().map(|v| format!("{op}{v}")))
        .collect();
        parts.join(", ")
    }

    /// The CPE with its range, e.g. `cpe:2.3:a:x:y:*:*:*:*:*:*:*:* [>=1.0, <1.2]`.
    pub fn describe(&self) -> String {
        if self.has_range() {
            format!("{} [{}]", self.criteria, self.range_text())
        } else {
            self.criteria.clone()
        }
    }

    /// The range fields as a [`Versions::Range`] (including wins over excluding if a
    /// record gives both).
    fn range(&self) -> Versions {
        let bound = |incl: &Option<String>, excl: &Option<String>| match (incl, excl) {
            (Some(v), _) => Some(Bound {
                version: v.clone(),
                inclusive: true,
            }),
            (None, Some(v)) => Some(Bound {
                version: v.clone(),
                inclusive: false,
            }),
            (None, None) => None,
        };
        Versions::Range {
            start: bound(&self.version_start_including, &self.version_start_excluding),
            end: bound(&self.version_end_including, &self.version_end_excluding),
        }
    }
}

/// The versions a match states, and a note for `criteria` when the data is odd.
fn versions(m: &CpeMatch, cpe: &Cpe) -> (Versions, Option<String>) {
    let version = cpe.get(crate::cpe::Attribute::Version);
    if m.has_range() {
        let note = match version {
            Value::Any => None,
            v => Some(format!(
                "the CPE version `{v}` is given too; the range is used"
            )),
        };
        return (m.range(), note);
    }
    match version {
        Value::Any => (Versions::Any, None),
        // NA: "not applicable", not a version called `-`.
        Value::Na => (Versions::Unknown, None),
        v => match v.literal() {
            Some(exact) => (
                Versions::Exact {
                    version: exact.to_owned(),
                },
                None,
            ),
            None => (
                Versions::Unknown,
                Some(format!("the CPE version `{v}` is a pattern")),
            ),
        },
    }
}

/// A text value as a rule field: the literal, or the bound pattern; none for ANY and NA.
fn field(value: &Value) -> Option<String> {
    match value {
        Value::Any | Value::Na => None,
        v => Some(v.literal().map_or_else(|| v.to_string(), str::to_owned)),
    }
}

/// The affected-product rules of a CVE's configurations (origin NVD); an invalid CPE gives a
/// rule with status [`RuleStatus::Unknown`] whose `criteria` says why. Use
/// [`rules_checked`] to get the problems as diagnostics too.
pub fn rules(configurations: &[Configuration], source: Option<&str>) -> Vec<Rule> {
    rules_checked(configurations, source).value
}

/// [`rules`] with one [`Diagnostic`] (kind [`ErrorKind::Syntax`], key = the match's path)
/// for every CPE that does not parse.
pub fn rules_checked(configurations: &[Configuration], source: Option<&str>) -> Parsed<Vec<Rule>> {
    let mut walk = Walk {
        source,
        out: Parsed::clean(Vec::new()),
    };
    for (i, config) in configurations.iter().enumerate() {
        for (j, node) in config.nodes.iter().enumerate() {
            let mut requirements = Vec::new();
            if config.operator == Operator::And {
                requirements.extend(
                    config
                        .nodes
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| *k != j)
                        .map(|(_, n)| n.describe()),
                );
            }
            walk.node(
                node,
                &format!("configurations[{i}].nodes[{j}]"),
                &requirements,
                config.negate,
            );
        }
    }
    walk.out
}

struct Walk<'a> {
    source: Option<&'a str>,
    out: Parsed<Vec<Rule>>,
}

impl Walk<'_> {
    /// `outer`: the requirements from the levels above; `negated`: under a negation.
    fn node(&mut self, node: &Node, path: &str, outer: &[String], negated: bool) {
        let negated = negated || node.negate;
        let and = node.operator == Operator::And;
        let child_descriptions: Vec<String> = if and {
            node.children.iter().map(Node::describe).collect()
        } else {
            Vec::new()
        };
        for (k, m) in node.matches.iter().enumerate() {
            if !m.vulnerable {
                continue;
            }
            let mut platforms = outer.to_vec();
            if and {
                platforms.extend(
                    node.matches
                        .iter()
                        .enumerate()
                        .filter(|(x, _)| *x != k)
                        .map(|(_, o)| o.describe()),
                );
                platforms.extend(child_descriptions.iter().cloned());
            }
            let rule = self.rule(m, format!("{path}.cpeMatch[{k}]"), platforms, negated);
            self.out.value.push(rule);
        }
        for (c, child) in node.children.iter().enumerate() {
            let mut requirements = outer.to_vec();
            if and {
                requirements.extend(node.matches.iter().map(CpeMatch::describe));
                requirements.extend(
                    child_descriptions
                        .iter()
                        .enumerate()
                        .filter(|(x, _)| *x != c)
                        .map(|(_, d)| d.clone()),
                );
            }
            self.node(
                child,
                &format!("{path}.children[{c}]"),
                &requirements,
                negated,
            );
        }
    }

    fn rule(&mut self, m: &CpeMatch, path: String, platforms: Vec<String>, negated: bool) -> Rule {
        let mut criteria = m.describe();
        let status = if negated {
            RuleStatus::Unaffected
        } else {
            RuleStatus::Affected
        };
        let (vendor, product, target_sw, versions, status) = match Cpe::parse(&m.criteria) {
            Ok(cpe) => {
                let (versions, note) = versions(m, &cpe);
                if let Some(note) = note {
                    criteria = format!("{criteria} ({note})");
                }
                (
                    field(cpe.get(crate::cpe::Attribute::Vendor)),
                    field(cpe.get(crate::cpe::Attribute::Product)),
                    field(cpe.get(crate::cpe::Attribute::TargetSw)),
                    versions,
                    status,
                )
            }
            Err(e) => {
                criteria = format!("{criteria} (invalid CPE: {e})");
                self.out.diagnostics.push(
                    Diagnostic::new(ErrorKind::Syntax, format!("invalid CPE: {e}"))
                        .at_key(path.clone()),
                );
                let versions = if m.has_range() {
                    m.range()
                } else {
                    Versions::Unknown
                };
                (None, None, None, versions, RuleStatus::Unknown)
            }
        };
        Rule {
            origin: Origin::Nvd,
            source: self.source.map(str::to_owned),
            vendor,
            product,
            package_name: None,
            collection_url: None,
            target_sw,
            versions,
            status,
            version_type: None,
            criteria,
            platforms,
            path,
        }
    }
}
