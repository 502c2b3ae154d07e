//! The JSON shapes of NVD configurations, mapped onto [`Configuration`].
//!
//! API 2.0 (and the 2.0 feeds) write `configurations` as an array of
//! `{operator, negate, nodes: [{operator, negate, cpeMatch: [{vulnerable, criteria,
//! versionStartIncluding, …, matchCriteriaId}]}]}`. The 1.1 feeds write one object
//! `{CVE_data_version, nodes: [{operator, negate, children, cpe_match: [{vulnerable,
//! cpe23Uri, …, cpe_name}]}]}`; there every top-level node becomes a [`Configuration`] of
//! its own (top-level nodes are alternatives).
//!
//! The `Nvd2*`/`Nvd11*`/`NvdCpeMatch` types are public so that a record reader can embed them in its own
//! serde structs and convert with `From`; [`parse_v2`] and [`parse_v11`] read the
//! `configurations` value alone. Missing `operator` means OR, missing `negate` false, missing
//! lists empty; unknown keys are ignored.

use secfixes_apk::{Error, ErrorKind, Result};
use serde::Deserialize;

use super::{Configuration, CpeMatch, Node, Operator};

/// One API 2.0 configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct Nvd2Configuration {
    #[serde(default)]
    pub operator: Operator,
    #[serde(default)]
    pub negate: bool,
    #[serde(default)]
    pub nodes: Vec<Nvd2Node>,
}

/// One API 2.0 node.
#[derive(Debug, Clone, Deserialize)]
pub struct Nvd2Node {
    #[serde(default)]
    pub operator: Operator,
    #[serde(default)]
    pub negate: bool,
    #[serde(default, rename = "cpeMatch")]
    pub cpe_match: Vec<NvdCpeMatch>,
}

/// One `cpeMatch` entry of API 2.0, or `cpe_match` entry of a 1.1 feed: the same fields
/// but for the CPE's name (`criteria`, `cpe23Uri`); 1.1 has no `matchCriteriaId` and its
/// `cpe_name` list is ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NvdCpeMatch {
    pub vulnerable: bool,
    #[serde(alias = "cpe23Uri")]
    pub criteria: String,
    #[serde(default)]
    pub version_start_including: Option<String>,
    #[serde(default)]
    pub version_start_excluding: Option<String>,
    #[serde(default)]
    pub version_end_including: Option<String>,
    #[serde(default)]
    pub version_end_excluding: Option<String>,
    #[serde(default)]
    pub match_criteria_id: Option<String>,
}

/// The `configurations` object of a 1.1 feed item.
#[derive(Debug, Clone, Deserialize)]
pub struct Nvd11Configurations {
    #[serde(default)]
    pub nodes: Vec<Nvd11Node>,
}

/// One 1.1 node, with its child nodes.
#[derive(Debug, Clone, Deserialize)]
pub struct Nvd11Node {
    #[serde(default)]
    pub operator: Operator,
    #[serde(default)]
    pub negate: bool,
    #[serde(default)]
    pub children: Vec<Nvd11Node>,
    #[serde(default)]
    pub cpe_match: Vec<NvdCpeMatch>,
}

impl From<Nvd2Configuration> for Configuration {
    fn from(c: Nvd2Configuration) -> Self {
        Configuration {
            operator: c.operator,
            negate: c.negate,
            nodes: c.nodes.into_iter().map(Node::from).collect(),
        }
    }
}

impl From<Nvd2Node> for Node {
    fn from(n: Nvd2Node) -> Self {
        Node {
            operator: n.operator,
            negate: n.negate,
            matches: n.cpe_match.into_iter().map(CpeMatch::from).collect(),
            children: Vec::new(),
        }
    }
}

impl From<NvdCpeMatch> for CpeMatch {
    fn from(m: NvdCpeMatch) -> Self {
        CpeMatch {
            vulnerable: m.vulnerable,
            criteria: m.criteria,
            version_start_including: m.version_start_including,
            version_start_excluding: m.version_start_excluding,
            version_end_including: m.version_end_including,
            version_end_excluding: m.version_end_excluding,
            match_criteria_id: m.match_criteria_id,
        }
    }
}

impl From<Nvd11Configurations> for Vec<Configuration> {
    /// Every top-level node is a configuration of its own.
    fn from(c: Nvd11Configurations) -> Self {
        c.nodes
            .into_iter()
            .map(|n| Configuration {
                operator: Operator::Or,
                negate: false,
                nodes: vec![Node::from(n)],
            })
            .collect()
    }
}

impl From<Nvd11Node> for Node {
    fn from(n: Nvd11Node) -> Self {
        Node {
            operator: n.operator,
            negate: n.negate,
            matches: n.cpe_match.into_iter().map(CpeMatch::from).collect(),
            children: n.children.into_iter().map(Node::from).collect(),
        }
    }
}

fn json_error(e: &serde_json::Error) -> Error {
    Error::new(ErrorKind::Json, e.to_string()).in_field("configurations")
}

/// Reads an API 2.0 `configurations` array (the text of the value, not the whole record).
pub fn parse_v2(json: &str) -> Result<Vec<Configuration>> {
    let raw: Vec<Nvd2Configuration> = serde_json::from_str(json).map_err(|e| json_error(&e))?;
    Ok(raw.into_iter().map(Configuration::from).collect())
}

/// Like [`parse_v2`], from an already parsed JSON value.
pub fn parse_v2_value(value: &serde_json::Value) -> Result<Vec<Configuration>> {
    let raw = Vec::<Nvd2Configuration>::deserialize(value).map_err(|e| json_error(&e))?;
    Ok(raw.into_iter().map(Configuration::from).collect())
}

/// Reads a 1.1 feed item's `configurations` object.
pub fn parse_v11(json: &str) -> Result<Vec<Configuration>> {
    let raw: Nvd11Configurations = serde_json::from_str(json).map_err(|e| json_error(&e))?;
    Ok(raw.into())
}

/// Like [`parse_v11`], from an already parsed JSON value.
pub fn parse_v11_value(value: &serde_json::Value) -> Result<Vec<Configuration>> {
    let raw = Nvd11Configurations::deserialize(value).map_err(|e| json_error(&e))?;
    Ok(raw.into())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn v2_defaults_and_names() {
        let c = parse_v2(
            r#"[{"nodes":[{"cpeMatch":[{"vulnerable":true,
                "criteria":"cpe:2.3:a:x:y:*:*:*:*:*:*:*:*","versionEndExcluding":"2"}]}]}]"#,
        )
        .unwrap();
        assert_eq!(c[0].operator, Operator::Or);
        let m = &c[0].nodes[0].matches[0];
        assert!(m.vulnerable);
        assert_eq!(m.version_end_excluding.as_deref(), Some("2"));
    }

    #[test]
    fn v11_children() {
        let c = parse_v11(
            r#"{"CVE_data_version":"4.0","nodes":[{"operator":"AND","children":[
                {"operator":"OR","cpe_match":[{"vulnerable":true,"cpe23Uri":"cpe:2.3:a:x:y:1:*:*:*:*:*:*:*","cpe_name":[]}]},
                {"operator":"OR","cpe_match":[{"vulnerable":false,"cpe23Uri":"cpe:2.3:o:x:z:-:*:*:*:*:*:*:*"}]}],
                "cpe_match":[]}]}"#,
        )
        .unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].nodes[0].operator, Operator::And);
        assert_eq!(c[0].nodes[0].children.len(), 2);
        assert!(!c[0].nodes[0].children[1].matches[0].vulnerable);
    }

    #[test]
    fn bad_shape_is_an_error() {
        let e = parse_v2(r#"[{"nodes":[{"cpeMatch":[{"criteria":"x"}]}]}]"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Json);
    }
}
