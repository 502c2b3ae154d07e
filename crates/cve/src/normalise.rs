//! Pieces of the mapping into [`crate::model`] that every source shares: parsing one record
//! with a field path in its error, English descriptions, CVSS severities, CWE ids.

use std::borrow::Cow;

use secfixes_apk::{Error, ErrorKind, Result};
use serde::Deserialize;

use crate::model::{Cvss, CvssVersion, Origin, Reference, Severity};

/// Parses one record's JSON text into `T`. On failure the error names the CVE (found with a
/// lenient second look at the text) and the JSON path of the bad field, e.g.
/// `CVE-2021-1234: metrics.cvssMetricV31[0].cvssData.baseScore`.
pub(crate) fn parse_record<'a, T: Deserialize<'a>>(
    text: &'a str,
    id_of: fn(&str) -> Option<String>,
) -> Result<T> {
    match serde_json::from_str::<T>(text) {
        Ok(value) => Ok(value),
        Err(_) => {
            // The error path only: parse again to learn where it failed.
            let mut de = serde_json::Deserializer::from_str(text);
            let (path, message) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => (e.path().to_string(), e.inner().to_string()),
                Ok(_) => (String::from("."), String::from("invalid record")),
            };
            let id = id_of(text).unwrap_or_else(|| String::from("(unknown CVE)"));
            Err(Error::new(ErrorKind::Json, message).in_field(format!("{id}: {path}")))
        }
    }
}

/// One `{lang, value}` text.
#[derive(Debug, Deserialize)]
pub(crate) struct LangString<'a> {
    #[serde(default, borrow)]
    pub lang: Cow<'a, str>,
    #[serde(borrow)]
    pub value: Cow<'a, str>,
}

/// The English text among `texts`: `en` first, then any `en-*` (`en-US`), else none.
pub(crate) fn english(texts: &[LangString<'_>]) -> Option<String> {
    let en = texts.iter().find(|t| t.lang == "en").or_else(|| {
        texts.iter().find(|t| {
            t.lang
                .get(..2)
                .is_some_and(|p| p.eq_ignore_ascii_case("en"))
        })
    })?;
    Some(en.value.clone().into_owned())
}

/// A CVSS severity name, any case; `None` when it is not one.
pub(crate) fn severity(name: &str) -> Option<Severity> {
    Some(match name.to_ascii_uppercase().as_str() {
        "NONE" => Severity::None,
        "LOW" => Severity::Low,
        "MEDIUM" => Severity::Medium,
        "HIGH" => Severity::High,
        "CRITICAL" => Severity::Critical,
        _ => return None,
    })
}

/// The severity a score has in its CVSS version, for sources that do not state it (CVSS v2
/// in CVE 5 records): v2 has Low < 4.0 <= Medium < 7.0 <= High; v3 and v4 add None (0.0)
/// and Critical (>= 9.0).
pub(crate) fn severity_of_score(version: CvssVersion, score: f64) -> Severity {
    match version {
        CvssVersion::V2 if score < 4.0 => Severity::Low,
        CvssVersion::V2 if score < 7.0 => Severity::Medium,
        CvssVersion::V2 => Severity::High,
        _ if score <= 0.0 => Severity::None,
        _ if score < 4.0 => Severity::Low,
        _ if score < 7.0 => Severity::Medium,
        _ if score < 9.0 => Severity::High,
        _ => Severity::Critical,
    }
}

/// The `cvssData` (NVD) or `cvssV3_1`-style (CVE 5) object: only what the model keeps.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CvssData<'a> {
    /// `2.0`, `3.0`, `3.1`, `4.0`: needed where one key holds two versions (1.1 `cvssV3`).
    #[serde(default, borrow)]
    pub version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub vector_string: Cow<'a, str>,
    pub base_score: f64,
    #[serde(default, borrow)]
    pub base_severity: Option<Cow<'a, str>>,
}

/// Builds a [`Cvss`]; the severity is the first of `severities` that names one, else the
/// one the score has.
pub(crate) fn cvss(
    version: CvssVersion,
    data: &CvssData<'_>,
    severities: &[Option<&str>],
    origin: Origin,
    source: Option<&str>,
    kind: Option<&str>,
) -> Cvss {
    let severity = severities
        .iter()
        .flatten()
        .find_map(|s| severity(s))
        .unwrap_or_else(|| severity_of_score(version, data.base_score));
    Cvss {
        version,
        score: data.base_score,
        vector: data.vector_string.clone().into_owned(),
        severity,
        origin,
        source: source.map(str::to_owned),
        kind: kind.map(str::to_owned),
    }
}

/// Adds a `CWE-<n>` id to `cwes` unless it is there already; other values (NVD's
/// `NVD-CWE-Other`, `NVD-CWE-noinfo`, free text) are not CWE ids and are left out.
pub(crate) fn push_cwe(cwes: &mut Vec<String>, value: &str) {
    let value = value.trim();
    let Some(n) = value.strip_prefix("CWE-") else {
        return;
    };
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    if !cwes.iter().any(|c| c == value) {
        cwes.push(value.to_owned());
    }
}

/// Deserializes `null` as the default value (CVE 5 producers write `"affected": null`).
pub(crate) fn null_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A reference as NVD writes it in both feed versions (`url`, `tags`).
#[derive(Deserialize)]
pub(crate) struct RawReference<'a> {
    #[serde(borrow)]
    url: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "null_default")]
    tags: Vec<Cow<'a, str>>,
}

impl RawReference<'_> {
    pub(crate) fn into_reference(self) -> Reference {
        Reference {
            url: self.url.into_owned(),
            tags: self.tags.into_iter().map(Cow::into_owned).collect(),
        }
    }
}
