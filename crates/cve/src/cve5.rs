//! CVE JSON 5 records (schema 5.0 to 5.2, as in a cvelistV5 checkout) read into [`Cve`]s:
//! the CNA container gives rules with origin [`Origin::Cna`], each ADP container (CISA's
//! vulnrichment and others) rules with origin [`Origin::Adp`]; nothing is merged away.
//!
//! [`walk`] reads a directory tree of `CVE-*.json` files or a zip of one.
//!
//! # Rules from `affected[]`
//!
//! Each entry gives, in this order (paths like `containers.adp[0].affected[1].versions[0]`):
//!
//! - one rule per `versions[]` entry, with its `status`: `version` alone is
//!   [`Versions::Exact`] (`*` is [`Versions::Any`]; `unspecified`, `n/a` and empty are
//!   [`Versions::Unknown`]); with `lessThan` it is the range [`version`, `lessThan`), with
//!   `lessThanOrEqual` [`version`, `lessThanOrEqual`]; a start of `0`, `*`, `unspecified` or
//!   empty is an open start, an end of `*` an open end. An entry with `changes` is cut at
//!   each change's `at` into consecutive ranges, each with the status in force there.
//! - when `defaultStatus` is given, one rule of its own: [`Versions::Any`] with that status
//!   (path `….defaultStatus`). It states what holds for versions no other rule names, so a
//!   consumer should let the specific rules of the same entry take precedence.
//! - one rule per CPE in `cpes` (2.3 formatted strings or 2.2 URIs), with the CPE's vendor,
//!   product and target_sw: a concrete CPE version is an [`Versions::Exact`] affected
//!   version; a CPE version `*` names the product only and gives [`Versions::Any`] with the
//!   entry's `defaultStatus` (unknown when none), `-` gives [`Versions::Unknown`].
//!
//! `vendor` and `product` of `n/a` (the CVE 5 placeholder) are left out.

pub mod walk;

use std::borrow::Cow;

use secfixes_apk::{Error, ErrorKind, Result};
use serde::Deserialize;

use crate::cpe::{Attribute, Cpe, Value};
use crate::model::{
    Bound, Cve, CvssVersion, Origin, Reference, Rule, RuleStatus, Status, Versions,
};
use crate::normalise::{self, CvssData, LangString, null_default};

/// Parses one record from its bytes.
pub fn read(bytes: &[u8]) -> Result<Cve> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::new(ErrorKind::Json, format!("not UTF-8 text: {e}")).caused_by(e))?;
    parse_record(text)
}

/// Parses one record. A document that is not JSON, or has no `cveMetadata.cveId`, or a
/// field of the wrong type is an error naming the CVE and the field's JSON path.
pub fn parse_record(text: &str) -> Result<Cve> {
    let record: Record<'_> = normalise::parse_record(text, record_id)?;
    Ok(record.into_cve())
}

fn record_id(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(v.pointer("/cveMetadata/cveId")?.as_str()?.to_owned())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    #[serde(borrow)]
    cve_metadata: Metadata<'a>,
    #[serde(default, borrow)]
    containers: Containers<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata<'a> {
    #[serde(borrow)]
    cve_id: Cow<'a, str>,
    #[serde(default, borrow)]
    state: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    assigner_short_name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    date_published: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    date_updated: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct Containers<'a> {
    #[serde(default, borrow)]
    cna: Option<Container<'a>>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    adp: Vec<Container<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Container<'a> {
    #[serde(default, borrow)]
    provider_metadata: Option<Provider<'a>>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    descriptions: Vec<LangString<'a>>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    rejected_reasons: Vec<LangString<'a>>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    affected: Vec<Affected<'a>>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    metrics: Vec<Metric<'a>>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    problem_types: Vec<ProblemType<'a>>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    references: Vec<RawReference<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Provider<'a> {
    #[serde(default, borrow)]
    short_name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Affected<'a> {
    #[serde(default, borrow)]
    vendor: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    product: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    package_name: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "collectionURL")]
    collection_url: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    cpes: Vec<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    versions: Vec<VersionEntry<'a>>,
    #[serde(default, borrow)]
    default_status: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionEntry<'a> {
    #[serde(default, borrow)]
    version: Cow<'a, str>,
    #[serde(default, borrow)]
    status: Cow<'a, str>,
    #[serde(default, borrow)]
    version_type: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    less_than: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    less_than_or_equal: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    changes: Vec<Change<'a>>,
}

#[derive(Deserialize)]
struct Change<'a> {
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    status: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Metric<'a> {
    #[serde(default, borrow, rename = "cvssV2_0")]
    v2_0: Option<CvssData<'a>>,
    #[serde(default, borrow, rename = "cvssV3_0")]
    v3_0: Option<CvssData<'a>>,
    #[serde(default, borrow, rename = "cvssV3_1")]
    v3_1: Option<CvssData<'a>>,
    #[serde(default, borrow, rename = "cvssV4_0")]
    v4_0: Option<CvssData<'a>>,
}

#[derive(Deserialize)]
struct ProblemType<'a> {
    #[serde(default, borrow, deserialize_with = "null_default")]
    descriptions: Vec<ProblemTypeDescription<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProblemTypeDescription<'a> {
    #[serde(default, borrow)]
    cwe_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    description: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawReference<'a> {
    #[serde(borrow)]
    url: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    tags: Vec<Cow<'a, str>>,
}

impl Record<'_> {
    fn into_cve(self) -> Cve {
        let meta = &self.cve_metadata;
        let status = match meta.state.as_deref() {
            Some("PUBLISHED") => Status::Published,
            Some("REJECTED") => Status::Rejected,
            other => Status::Other(other.unwrap_or("").to_owned()),
        };
        let mut cve = Cve {
            id: meta.cve_id.clone().into_owned(),
            status,
            published: meta.date_published.clone().map(Cow::into_owned),
            last_modified: meta.date_updated.clone().map(Cow::into_owned),
            description: None,
            cvss: Vec::new(),
            cwes: Vec::new(),
            references: Vec::new(),
            rules: Vec::new(),
            sources: Vec::new(),
        };
        let cna = self.containers.cna.iter().map(|c| {
            let source = c
                .provider_metadata
                .as_ref()
                .and_then(|p| p.short_name.as_deref())
                .or(meta.assigner_short_name.as_deref());
            (c, Origin::Cna, source, String::from("containers.cna"))
        });
        let adp = self.containers.adp.iter().enumerate().map(|(k, c)| {
            let source = c
                .provider_metadata
                .as_ref()
                .and_then(|p| p.short_name.as_deref());
            (c, Origin::Adp, source, format!("containers.adp[{k}]"))
        });
        for (container, origin, source, path) in cna.chain(adp) {
            container.add_to(&mut cve, origin, source, &path);
        }
        cve
    }
}

impl Container<'_> {
    fn add_to(&self, cve: &mut Cve, origin: Origin, source: Option<&str>, path: &str) {
        if !cve.sources.contains(&origin) {
            cve.sources.push(origin);
        }
        if cve.description.is_none() {
            cve.description = normalise::english(&self.descriptions)
                .or_else(|| normalise::english(&self.rejected_reasons));
        }
        for m in &self.metrics {
            for (version, data) in [
                (CvssVersion::V2, &m.v2_0),
                (CvssVersion::V3_0, &m.v3_0),
                (CvssVersion::V3_1, &m.v3_1),
                (CvssVersion::V4_0, &m.v4_0),
            ] {
                if let Some(d) = data {
                    let severity = d.base_severity.as_deref();
                    cve.cvss.push(normalise::cvss(
                        version,
                        d,
                        &[severity],
                        origin,
                        source,
                        None,
                    ));
                }
            }
        }
        for p in &self.problem_types {
            for d in &p.descriptions {
                match (&d.cwe_id, &d.description) {
                    (Some(id), _) => normalise::push_cwe(&mut cve.cwes, id),
                    // Older records name the CWE only at the start of the text.
                    (None, Some(text)) => {
                        let first = text.split([' ', ':']).next().unwrap_or("");
                        normalise::push_cwe(&mut cve.cwes, first);
                    }
                    (None, None) => {}
                }
            }
        }
        for r in &self.references {
            if !cve.references.iter().any(|x| x.url == r.url) {
                cve.references.push(Reference {
                    url: r.url.clone().into_owned(),
                    tags: r.tags.iter().map(|t| t.clone().into_owned()).collect(),
                });
            }
        }
        for (i, a) in self.affected.iter().enumerate() {
            let path = format!("{path}.affected[{i}]");
            a.rules(origin, source, &path, &mut cve.rules);
        }
    }
}

/// `n/a` and empty stand for "none" in CVE 5 vendor and product names.
fn name(value: &Option<Cow<'_, str>>) -> Option<String> {
    match value.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) if v.eq_ignore_ascii_case("n/a") => None,
        Some(v) => Some(v.to_owned()),
    }
}

fn rule_status(status: &str) -> RuleStatus {
    match status {
        "affected" => RuleStatus::Affected,
        "unaffected" => RuleStatus::Unaffected,
        _ => RuleStatus::Unknown,
    }
}

/// A range start that means "from the beginning".
fn open_start(version: &str) -> bool {
    matches!(version.trim(), "" | "0" | "*" | "unspecified" | "n/a")
}

impl Affected<'_> {
    fn rules(&self, origin: Origin, source: Option<&str>, path: &str, out: &mut Vec<Rule>) {
        let template = Rule {
            origin,
            source: source.map(str::to_owned),
            vendor: name(&self.vendor),
            product: name(&self.product),
            package_name: name(&self.package_name),
            collection_url: name(&self.collection_url),
            target_sw: None,
            versions: Versions::Unknown,
            status: RuleStatus::Unknown,
            version_type: None,
            criteria: String::new(),
            platforms: Vec::new(),
            path: String::new(),
        };
        let subject = template
            .package_name
            .clone()
            .or_else(|| match (&template.vendor, &template.product) {
                (Some(v), Some(p)) => Some(format!("{v} {p}")),
                (v, p) => v.clone().or_else(|| p.clone()),
            })
            .unwrap_or_else(|| String::from("(unnamed)"));
        for (j, v) in self.versions.iter().enumerate() {
            let path = format!("{path}.versions[{j}]");
            version_rules(v, &template, &subject, &path, out);
        }
        if let Some(status) = &self.default_status {
            out.push(Rule {
                versions: Versions::Any,
                status: rule_status(status),
                criteria: format!("{subject}: defaultStatus {status}"),
                path: format!("{path}.defaultStatus"),
                ..template.clone()
            });
        }
        for (c, cpe) in self.cpes.iter().enumerate() {
            let mut rule = template.clone();
            rule.criteria = cpe.clone().into_owned();
            rule.path = format!("{path}.cpes[{c}]");
            // A string that is no CPE is kept for explanations, with nothing it could match.
            if let Some(parts) = split_cpe(cpe) {
                rule.vendor = parts.vendor.or(rule.vendor);
                rule.product = parts.product.or(rule.product);
                rule.target_sw = parts.target_sw;
                match parts.version.as_deref() {
                    None | Some("*") => {
                        rule.versions = Versions::Any;
                        rule.status = self
                            .default_status
                            .as_deref()
                            .map_or(RuleStatus::Unknown, rule_status);
                    }
                    Some("-") => {}
                    Some(v) => {
                        rule.versions = Versions::Exact {
                            version: v.to_owned(),
                        };
                        rule.status = RuleStatus::Affected;
                    }
                }
            }
            out.push(rule);
        }
    }
}

/// The rules of one `versions[]` entry: one, or one per stretch between its `changes`.
fn version_rules(
    v: &VersionEntry<'_>,
    template: &Rule,
    subject: &str,
    path: &str,
    out: &mut Vec<Rule>,
) {
    let mut rule = template.clone();
    rule.version_type = v.version_type.clone().map(Cow::into_owned);
    rule.status = rule_status(&v.status);
    let end = match (&v.less_than, &v.less_than_or_equal) {
        (Some(lt), _) => Some((lt.trim(), false)),
        (None, Some(le)) => Some((le.trim(), true)),
        (None, None) => None,
    };
    let start = (!open_start(&v.version)).then(|| Bound {
        version: v.version.trim().to_owned(),
        inclusive: true,
    });
    let Some((end_version, end_inclusive)) = end else {
        rule.versions = match v.version.trim() {
            "*" => Versions::Any,
            "" | "unspecified" | "n/a" => Versions::Unknown,
            exact => Versions::Exact {
                version: exact.to_owned(),
            },
        };
        rule.criteria = format!("{subject}: {} {}", v.version, v.status);
        rule.path = path.to_owned();
        out.push(rule);
        return;
    };
    let end = (end_version != "*").then(|| Bound {
        version: end_version.to_owned(),
        inclusive: end_inclusive,
    });
    let op = if end_inclusive { "<=" } else { "<" };
    let described =
        |from: &str, status: &str| format!("{subject}: >={from} {op}{end_version} {status}");
    // Stretches: [start, at0) with the entry's status, [at0, at1) with change 0's, …
    let mut from = start;
    let mut status = rule.status;
    let mut status_text: &str = &v.status;
    let mut stretch_path = path.to_owned();
    for (k, change) in v.changes.iter().enumerate() {
        out.push(Rule {
            versions: Versions::Range {
                start: from.clone(),
                end: Some(Bound {
                    version: change.at.to_string(),
                    inclusive: false,
                }),
            },
            status,
            criteria: format!(
                "{subject}: >={} <{} {status_text}",
                from.as_ref().map_or("0", |b| b.version.as_str()),
                change.at
            ),
            path: stretch_path.clone(),
            ..rule.clone()
        });
        from = Some(Bound {
            version: change.at.to_string(),
            inclusive: true,
        });
        status = rule_status(&change.status);
        status_text = &change.status;
        stretch_path = format!("{path}.changes[{k}]");
    }
    rule.versions = Versions::Range {
        start: from.clone(),
        end,
    };
    rule.status = status;
    rule.criteria = described(
        from.as_ref().map_or("0", |b| b.version.as_str()),
        status_text,
    );
    rule.path = stretch_path;
    out.push(rule);
}

/// The parts of a CPE a rule keeps.
struct CpeParts {
    vendor: Option<String>,
    product: Option<String>,
    version: Option<String>,
    target_sw: Option<String>,
}

/// The vendor, product, version and target_sw of a CPE 2.3 formatted string (through
/// [`Cpe`], so unescaped and lowercased) or of a CPE 2.2 URI (`cpe:/a:vendor:product:version`,
/// with the packed `~` edition), which CNAs such as Red Hat still write. The version is
/// `*` for ANY (also an empty URI component) and `-` for NA; `None` when it is no CPE.
fn split_cpe(cpe: &str) -> Option<CpeParts> {
    if let Ok(name) = Cpe::parse(cpe) {
        let version = match name.get(Attribute::Version) {
            Value::Any => "*",
            Value::Na => "-",
            // A pattern (`1.*`) names no one version.
            v => v.literal().unwrap_or("*"),
        };
        return Some(CpeParts {
            vendor: name.vendor().map(str::to_owned),
            product: name.product().map(str::to_owned),
            version: Some(version.to_owned()),
            target_sw: name.target_sw().map(str::to_owned),
        });
    }
    let attr = |s: &str| -> Option<String> {
        match s {
            "*" | "" => None,
            other => Some(other.to_owned()),
        }
    };
    let rest = cpe.strip_prefix("cpe:/")?;
    let fields: Vec<&str> = rest.split(':').collect();
    if fields.len() > 7 {
        return None;
    }
    let get = |i: usize| fields.get(i).copied().unwrap_or("");
    // Packed edition: ~edition~sw_edition~target_sw~target_hw~other.
    let target_sw = get(5)
        .strip_prefix('~')
        .and_then(|packed| packed.split('~').nth(2))
        .and_then(attr)
        .filter(|t| t != "-");
    Some(CpeParts {
        vendor: attr(get(1)),
        product: attr(get(2)),
        version: match get(3) {
            "" => None,
            v => Some(v.to_owned()),
        },
        target_sw,
    })
}
