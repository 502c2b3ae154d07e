//! NVD 1.1 JSON feeds (`{"CVE_data_type": …, "CVE_Items": [{cve, configurations, impact,
//! publishedDate, lastModifiedDate}]}`), streamed: the feed is read through a visitor
//! over `CVE_Items` that takes one item at a time, so a feed of hundreds of megabytes needs
//! the memory of one item.
//!
//! 1.1 items carry no `vulnStatus`: a record whose description starts with
//! `** REJECT **` is [`Status::Rejected`], every other one [`Status::Published`].

use std::borrow::Cow;
use std::fmt;
use std::io::Read;

use secfixes_apk::{Error, ErrorKind, Result};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::configuration::nvd_json::Nvd11Configurations;
use crate::configuration::{self, Configuration};
use crate::model::{Cve, CvssVersion, Origin, Status};
use crate::normalise::{self, CvssData, LangString, RawReference};

/// Reads a feed from `reader` (already decompressed), handing every item to `f`; returns
/// how many items there were. Fails when the feed is not JSON or not a 1.1 feed.
pub fn read<R: Read>(reader: R, f: &mut dyn FnMut(Result<Cve>)) -> Result<usize> {
    let mut feed = Feed {
        f,
        count: 0,
        seen_items: false,
    };
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
    let json_error = |e: serde_json::Error| {
        let kind = if e.is_io() {
            ErrorKind::Io
        } else if e.is_eof() {
            ErrorKind::Truncated
        } else {
            ErrorKind::Json
        };
        Error::new(kind, format!("not an NVD 1.1 feed: {e}"))
            .at_line(e.line())
            .caused_by(e)
    };
    (&mut feed).deserialize(&mut de).map_err(json_error)?;
    de.end().map_err(json_error)?;
    if !feed.seen_items {
        return Err(Error::new(
            ErrorKind::Json,
            "not an NVD 1.1 feed: no `CVE_Items`",
        ));
    }
    Ok(feed.count)
}

struct Feed<'f> {
    f: &'f mut dyn FnMut(Result<Cve>),
    count: usize,
    seen_items: bool,
}

impl<'de> DeserializeSeed<'de> for &mut Feed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut Feed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an NVD 1.1 feed object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "CVE_Items" {
                self.seen_items = true;
                map.next_value_seed(Items(&mut *self))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Items<'a, 'f>(&'a mut Feed<'f>);

impl<'de> DeserializeSeed<'de> for Items<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the CVE_Items array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            self.0.count += 1;
            (self.0.f)(parse_item(raw.get()));
        }
        Ok(())
    }
}

/// One `CVE_Items[]` element.
pub fn parse_item(text: &str) -> Result<Cve> {
    let item: Item<'_> = normalise::parse_record(text, item_id)?;
    item.into_cve()
}

fn item_id(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(v.pointer("/cve/CVE_data_meta/ID")?.as_str()?.to_owned())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item<'a> {
    #[serde(borrow)]
    cve: Record<'a>,
    #[serde(default)]
    configurations: Option<Nvd11Configurations>,
    #[serde(default, borrow)]
    impact: Impact<'a>,
    #[serde(default, borrow)]
    published_date: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    last_modified_date: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(rename = "CVE_data_meta", borrow)]
    meta: Meta<'a>,
    #[serde(default, borrow)]
    problemtype: ProblemType<'a>,
    #[serde(default, borrow)]
    references: References<'a>,
    #[serde(default, borrow)]
    description: Description<'a>,
}

#[derive(Deserialize)]
struct Meta<'a> {
    #[serde(rename = "ID", borrow)]
    id: Cow<'a, str>,
}

#[derive(Deserialize, Default)]
struct ProblemType<'a> {
    #[serde(default, borrow, deserialize_with = "normalise::null_default")]
    problemtype_data: Vec<Description<'a>>,
}

#[derive(Deserialize, Default)]
struct Description<'a> {
    #[serde(default, borrow, alias = "description_data")]
    description: Vec<LangString<'a>>,
}

#[derive(Deserialize, Default)]
struct References<'a> {
    #[serde(default, borrow, deserialize_with = "normalise::null_default")]
    reference_data: Vec<RawReference<'a>>,
}

#[derive(Deserialize, Default)]
struct Impact<'a> {
    #[serde(default, borrow, rename = "baseMetricV3")]
    v3: Option<BaseMetricV3<'a>>,
    #[serde(default, borrow, rename = "baseMetricV2")]
    v2: Option<BaseMetricV2<'a>>,
}

#[derive(Deserialize)]
struct BaseMetricV3<'a> {
    #[serde(rename = "cvssV3", borrow)]
    cvss: CvssData<'a>,
}

#[derive(Deserialize)]
struct BaseMetricV2<'a> {
    #[serde(rename = "cvssV2", borrow)]
    cvss: CvssData<'a>,
    #[serde(default, borrow)]
    severity: Option<Cow<'a, str>>,
}

/// Who scored the 1.1 feeds' CVSS.
const NVD_SOURCE: &str = "nvd@nist.gov";

impl Item<'_> {
    fn into_cve(self) -> Result<Cve> {
        let id = self.cve.meta.id;
        let configurations: Vec<Configuration> =
            self.configurations.map(Vec::from).unwrap_or_default();
        let mut cvss = Vec::new();
        if let Some(m) = &self.impact.v3 {
            let version = match m.cvss.version.as_deref() {
                Some("3.0") => CvssVersion::V3_0,
                _ => CvssVersion::V3_1,
            };
            let severity = m.cvss.base_severity.as_deref();
            cvss.push(normalise::cvss(
                version,
                &m.cvss,
                &[severity],
                Origin::Nvd,
                Some(NVD_SOURCE),
                None,
            ));
        }
        if let Some(m) = &self.impact.v2 {
            let severity = m.severity.as_deref();
            cvss.push(normalise::cvss(
                CvssVersion::V2,
                &m.cvss,
                &[severity],
                Origin::Nvd,
                Some(NVD_SOURCE),
                None,
            ));
        }
        let mut cwes = Vec::new();
        for p in &self.cve.problemtype.problemtype_data {
            for d in &p.description {
                normalise::push_cwe(&mut cwes, &d.value);
            }
        }
        let description = normalise::english(&self.cve.description.description);
        let status = match &description {
            Some(d) if d.starts_with("** REJECT **") => Status::Rejected,
            _ => Status::Published,
        };
        Ok(Cve {
            status,
            published: self.published_date.map(Cow::into_owned),
            last_modified: self.last_modified_date.map(Cow::into_owned),
            description,
            cvss,
            cwes,
            references: self
                .cve
                .references
                .reference_data
                .into_iter()
                .map(RawReference::into_reference)
                .collect(),
            rules: configuration::rules(&configurations, Some(super::SOURCE)),
            sources: vec![Origin::Nvd],
            id: id.into_owned(),
        })
    }
}
