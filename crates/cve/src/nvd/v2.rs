//! NVD CVE API 2.0: response pages (`{resultsPerPage, startIndex, totalResults, …,
//! vulnerabilities: [{cve: {…}}]}`) and single `cve` objects saved as a file of their own.
//!
//! A page is split into its records first (borrowed raw JSON), then each record is
//! deserialized on its own into borrowed structs that skip what the model does not keep.

use std::borrow::Cow;

use secfixes_apk::{Error, ErrorKind, Result};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::configuration::nvd_json::Nvd2Configuration;
use crate::configuration::{self, Configuration};
use crate::model::{Cve, CvssVersion, Origin};
use crate::normalise::{self, CvssData, LangString, RawReference};

/// The paging fields of a response page, and how many records it held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageInfo {
    pub results_per_page: Option<u64>,
    pub start_index: Option<u64>,
    pub total_results: Option<u64>,
    pub timestamp: Option<String>,
    /// Records handed to the callback (good and bad).
    pub records: usize,
    /// The document was one `cve` object, not a page.
    pub single: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Top<'a> {
    results_per_page: Option<u64>,
    start_index: Option<u64>,
    total_results: Option<u64>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    vulnerabilities: Option<Vec<&'a RawValue>>,
    /// Present when the document is a single `cve` object.
    #[serde(borrow)]
    id: Option<&'a RawValue>,
}

/// Reads a page or a single record from its (decompressed) bytes, handing every record
/// to `f`. Fails only when the document is not JSON or has neither shape.
pub fn read(bytes: &[u8], f: &mut dyn FnMut(Result<Cve>)) -> Result<PageInfo> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::new(ErrorKind::Json, format!("not UTF-8 text: {e}")).caused_by(e))?;
    // Fast path: a page whose records are all good is parsed in one pass.
    if let Ok(page) = serde_json::from_str::<TypedPage<'_>>(text) {
        let info = PageInfo {
            results_per_page: page.results_per_page,
            start_index: page.start_index,
            total_results: page.total_results,
            timestamp: page.timestamp.map(Cow::into_owned),
            records: page.vulnerabilities.len(),
            single: false,
        };
        for item in page.vulnerabilities {
            f(Ok(item.cve.into_cve()));
        }
        return Ok(info);
    }
    // Otherwise split it into records first, so that each bad one is reported alone.
    let top: Top<'_> = serde_json::from_str(text).map_err(|e| {
        Error::new(ErrorKind::Json, format!("not an NVD API 2.0 document: {e}"))
            .at_line(e.line())
            .caused_by(e)
    })?;
    let mut info = PageInfo {
        results_per_page: top.results_per_page,
        start_index: top.start_index,
        total_results: top.total_results,
        timestamp: top.timestamp.map(Cow::into_owned),
        records: 0,
        single: false,
    };
    match (top.vulnerabilities, top.id) {
        (Some(items), _) => {
            info.records = items.len();
            for item in items {
                f(parse_item(item.get()));
            }
        }
        (None, Some(_)) => {
            info.single = true;
            info.records = 1;
            f(parse_record(text));
        }
        (None, None) => {
            return Err(Error::new(
                ErrorKind::Json,
                "neither an NVD API 2.0 page (no `vulnerabilities`) nor a CVE record (no `id`)",
            ));
        }
    }
    Ok(info)
}

/// A page parsed in one go, every record typed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TypedPage<'a> {
    results_per_page: Option<u64>,
    start_index: Option<u64>,
    total_results: Option<u64>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    vulnerabilities: Vec<Item<'a>>,
}

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(borrow)]
    cve: Record<'a>,
}

/// One `vulnerabilities[]` element, `{"cve": {…}}`.
pub fn parse_item(text: &str) -> Result<Cve> {
    let item: Item<'_> = normalise::parse_record(text, item_id)?;
    Ok(item.cve.into_cve())
}

/// One `cve` object.
pub fn parse_record(text: &str) -> Result<Cve> {
    let record: Record<'_> = normalise::parse_record(text, record_id)?;
    Ok(record.into_cve())
}

fn record_id(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Id {
        id: Option<String>,
    }
    serde_json::from_str::<Id>(text).ok()?.id
}

fn item_id(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Id {
        cve: Option<serde_json::Value>,
    }
    let cve = serde_json::from_str::<Id>(text).ok()?.cve?;
    Some(cve.get("id")?.as_str()?.to_owned())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(default, borrow)]
    vuln_status: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    published: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    last_modified: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "normalise::null_default")]
    descriptions: Vec<LangString<'a>>,
    #[serde(default, borrow)]
    metrics: Metrics<'a>,
    #[serde(default, borrow, deserialize_with = "normalise::null_default")]
    weaknesses: Vec<Weakness<'a>>,
    #[serde(default, borrow, deserialize_with = "normalise::null_default")]
    references: Vec<RawReference<'a>>,
    #[serde(default, deserialize_with = "normalise::null_default")]
    configurations: Vec<Nvd2Configuration>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Metrics<'a> {
    #[serde(default, borrow, deserialize_with = "normalise::null_default")]
    cvss_metric_v2: Vec<Metric<'a>>,
    #[serde(default, borrow, deserialize_with = "normalise::null_default")]
    cvss_metric_v30: Vec<Metric<'a>>,
    #[serde(default, borrow, deserialize_with = "normalise::null_default")]
    cvss_metric_v31: Vec<Metric<'a>>,
    #[serde(default, borrow, deserialize_with = "normalise::null_default")]
    cvss_metric_v40: Vec<Metric<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metric<'a> {
    #[serde(default, borrow)]
    source: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    cvss_data: CvssData<'a>,
    /// Where v2 keeps its severity.
    #[serde(default, borrow)]
    base_severity: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Weakness<'a> {
    #[serde(default, borrow, deserialize_with = "normalise::null_default")]
    description: Vec<LangString<'a>>,
}

impl Record<'_> {
    fn into_cve(self) -> Cve {
        let configurations: Vec<Configuration> = self
            .configurations
            .into_iter()
            .map(Configuration::from)
            .collect();
        let mut cvss = Vec::new();
        for (version, metrics) in [
            (CvssVersion::V2, &self.metrics.cvss_metric_v2),
            (CvssVersion::V3_0, &self.metrics.cvss_metric_v30),
            (CvssVersion::V3_1, &self.metrics.cvss_metric_v31),
            (CvssVersion::V4_0, &self.metrics.cvss_metric_v40),
        ] {
            for m in metrics {
                cvss.push(normalise::cvss(
                    version,
                    &m.cvss_data,
                    &[
                        m.cvss_data.base_severity.as_deref(),
                        m.base_severity.as_deref(),
                    ],
                    Origin::Nvd,
                    m.source.as_deref(),
                    m.kind.as_deref(),
                ));
            }
        }
        let mut cwes = Vec::new();
        for w in &self.weaknesses {
            for d in &w.description {
                normalise::push_cwe(&mut cwes, &d.value);
            }
        }
        Cve {
            status: super::status(self.vuln_status.as_deref().unwrap_or("")),
            published: self.published.map(Cow::into_owned),
            last_modified: self.last_modified.map(Cow::into_owned),
            description: normalise::english(&self.descriptions),
            cvss,
            cwes,
            references: self
                .references
                .into_iter()
                .map(RawReference::into_reference)
                .collect(),
            rules: configuration::rules(&configurations, Some(super::SOURCE)),
            sources: vec![Origin::Nvd],
            id: self.id.into_owned(),
        }
    }
}
