//! Security data carried in an `APKINDEX.tar.gz`: the `SECFIXES` member.
//!
//! `secfixes index annotate` adds one regular file, [`MEMBER`] (`SECFIXES`), to the tar
//! of an index, after `APKINDEX`, and signs the index anew (see
//! [`apkindex::add_members`]). apk-tools 2 and 3 read only `DESCRIPTION` and `APKINDEX`
//! from an index tar and skip every other file whose name does not start with a dot, so
//! the index stays valid for them and `APKINDEX` stays byte for byte what it was;
//! docs/EXPORTS.md ("Security data in APKINDEX") gives the evidence in apk-tools' source
//! and the format for other clients.
//!
//! The member is a JSON document in the shape of a secdb document
//! (secdb.alpinelinux.org's `main.json`), so that a secdb reader reads its `packages`,
//! with a format name and version and the severities the tracker knows:
//!
//! ```json
//! {"format":"secfixes-apkindex","version":1,"distroversion":"v3.16","reponame":"main","packages":[
//! {"pkg":{"name":"busybox","secfixes":{"0":["CVE-2021-42373"],"1.35.0-r7":["CVE-2022-28391"]}}}
//! ],"severities":{
//! "CVE-2022-28391":{"severity":"high","score":8.8}
//! }}
//! ```
//!
//! `packages` lists the origins (`o:`) of the index that have fixes, in byte order of
//! their names; `secfixes` maps a version to the ids it fixes, versions in apk order
//! (`"0"`, "never affected", first), ids in natural order (`CVE-2024-999` before
//! `CVE-2024-1000`), bare ids without secdb's notes. `severities` is optional and maps
//! an id to its band (`none`, `low`, `medium`, `high`, `critical`) and CVSS score.
//! [`Annotation::to_json`] writes one package or severity per line; [`Annotation::parse`]
//! reads any JSON layout and ignores keys it does not know.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::apkindex::ApkIndex;
use crate::error::{Error, ErrorKind, Result};
use crate::secdb::SecDb;
use crate::version;
use crate::vuln_id::id_order;

/// The name of the tar member.
pub const MEMBER: &str = "SECFIXES";

/// The value of the document's `format` key.
pub const FORMAT: &str = "secfixes-apkindex";

/// The version of the format this module writes and reads. A reader refuses a document
/// of another version: keys may be added within a version, never changed in meaning.
pub const VERSION: u64 = 1;

/// The fixes of one version of an origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// The version that fixes them (`"0"`: the ids never affected the origin here).
    pub version: String,
    /// The ids fixed in that version.
    pub ids: Vec<String>,
}

impl Fix {
    /// Whether this is the `"0"` entry (not affected), which is never a fix.
    pub fn is_not_affected(&self) -> bool {
        self.version == "0"
    }
}

/// The severity of an id, as the tracker shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    /// `none`, `low`, `medium`, `high` or `critical` (the CVSS bands).
    pub severity: String,
    /// The CVSS base score the band comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl Severity {
    /// The rank of the band, for picking the worst: unknown names rank lowest.
    pub fn rank(&self) -> u8 {
        rank(&self.severity)
    }
}

/// The rank of a band name: `none` 1 … `critical` 5, anything else 0.
pub fn rank(band: &str) -> u8 {
    match band {
        "none" => 1,
        "low" => 2,
        "medium" => 3,
        "high" => 4,
        "critical" => 5,
        _ => 0,
    }
}

/// The security data of one index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotation {
    /// The branch (`v3.16`), if known.
    pub distroversion: Option<String>,
    /// The repository (`main`), if known.
    pub reponame: Option<String>,
    /// Fixes by origin; each list in apk version order without duplicates (after
    /// [`Annotation::normalize`], which the writers and [`Annotation::parse`] apply).
    pub packages: BTreeMap<String, Vec<Fix>>,
    /// Severities by id.
    pub severities: BTreeMap<String, Severity>,
}

impl Annotation {
    /// An empty annotation.
    pub fn new() -> Self {
        Annotation::default()
    }

    /// Records that `version` of `origin` fixes `id` (an id with a note keeps only its
    /// first word). Call [`Annotation::normalize`] when done.
    pub fn add(&mut self, origin: &str, version: &str, id: &str) {
        let Some(id) = id.split_whitespace().next() else {
            return;
        };
        let fixes = self.packages.entry(origin.to_owned()).or_default();
        match fixes.iter_mut().find(|f| f.version == version) {
            Some(fix) => fix.ids.push(id.to_owned()),
            None => fixes.push(Fix {
                version: version.to_owned(),
                ids: vec![id.to_owned()],
            }),
        }
    }

    /// The annotation of the origins `keep` from secdb documents (their fixes joined;
    /// the branch and repository of the first document that names them).
    pub fn from_secdb<'a>(
        secdbs: impl IntoIterator<Item = &'a SecDb>,
        keep: impl Fn(&str) -> bool,
    ) -> Annotation {
        let mut annotation = Annotation::new();
        for secdb in secdbs {
            if annotation.distroversion.is_none() {
                annotation.distroversion.clone_from(&secdb.distroversion);
            }
            if annotation.reponame.is_none() {
                annotation.reponame.clone_from(&secdb.reponame);
            }
            for package in secdb.packages.iter().filter(|p| keep(&p.name)) {
                for (version, ids) in &package.secfixes {
                    for id in ids {
                        annotation.add(&package.name, version.as_str(), id.id());
                    }
                }
            }
        }
        annotation.normalize();
        annotation
    }

    /// Sorts versions in apk order and ids in natural order, drops duplicates, origins
    /// without fixes, and severities of ids that no fix names.
    pub fn normalize(&mut self) {
        self.packages.retain(|_, fixes| {
            fixes.retain(|f| !f.ids.is_empty());
            !fixes.is_empty()
        });
        for fixes in self.packages.values_mut() {
            fixes.sort_by(|a, b| version_order(&a.version, &b.version));
            fixes.dedup_by(|b, a| {
                let same = a.version == b.version;
                if same {
                    a.ids.append(&mut b.ids);
                }
                same
            });
            for fix in fixes.iter_mut() {
                fix.ids.sort_by(|a, b| id_order(a, b));
                fix.ids.dedup();
            }
        }
        if !self.severities.is_empty() {
            let named: std::collections::BTreeSet<&str> = self
                .packages
                .values()
                .flatten()
                .flat_map(|f| f.ids.iter().map(String::as_str))
                .collect();
            self.severities.retain(|id, _| named.contains(id.as_str()));
        }
    }

    /// The fixes of `origin` (empty if it has none).
    pub fn fixes(&self, origin: &str) -> &[Fix] {
        self.packages.get(origin).map_or(&[], Vec::as_slice)
    }

    /// How many (origin, version, id) entries there are.
    pub fn len(&self) -> usize {
        self.packages.values().flatten().map(|f| f.ids.len()).sum()
    }

    /// Whether there are no fixes.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    /// The member's text: the JSON document, one package per line, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(64 + self.len() * 24);
        out.push_str("{\"format\":");
        push_json(&mut out, &FORMAT);
        let _ = write!(out, ",\"version\":{VERSION}");
        if let Some(branch) = &self.distroversion {
            out.push_str(",\"distroversion\":");
            push_json(&mut out, branch);
        }
        if let Some(repo) = &self.reponame {
            out.push_str(",\"reponame\":");
            push_json(&mut out, repo);
        }
        out.push_str(",\"packages\":[");
        for (i, (origin, fixes)) in self.packages.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str("{\"pkg\":{\"name\":");
            push_json(&mut out, origin);
            out.push_str(",\"secfixes\":{");
            for (j, fix) in fixes.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                push_json(&mut out, &fix.version);
                out.push(':');
                push_json(&mut out, &fix.ids);
            }
            out.push_str("}}}");
        }
        if !self.packages.is_empty() {
            out.push('\n');
        }
        out.push(']');
        if !self.severities.is_empty() {
            out.push_str(",\"severities\":{");
            for (i, (id, severity)) in self.severities.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                push_json(&mut out, id);
                out.push(':');
                push_json(&mut out, severity);
            }
            out.push_str("\n}");
        }
        out.push_str("}\n");
        out
    }

    /// Reads a member's bytes. Errors name the member; unknown keys are ignored, another
    /// `format` or `version` is refused.
    pub fn parse(bytes: &[u8]) -> Result<Annotation> {
        let in_member = |err: Error| err.in_file(MEMBER);
        let raw: Raw = serde_json::from_slice(bytes).map_err(|err| {
            in_member(
                Error::new(ErrorKind::Json, format!("{err}"))
                    .at_line(err.line())
                    .caused_by(err),
            )
        })?;
        if raw.format.0 != FORMAT {
            return Err(in_member(
                Error::new(
                    ErrorKind::Json,
                    format!("format is `{}`, not `{FORMAT}`", raw.format.0),
                )
                .in_field("format"),
            ));
        }
        if raw.version != VERSION {
            return Err(in_member(
                Error::new(
                    ErrorKind::Json,
                    format!(
                        "format version {} is not supported (this reader knows version {VERSION})",
                        raw.version
                    ),
                )
                .in_field("version"),
            ));
        }
        let mut annotation = Annotation {
            distroversion: raw.distroversion,
            reponame: raw.reponame,
            packages: BTreeMap::new(),
            severities: raw.severities,
        };
        for entry in raw.packages {
            let fixes = annotation
                .packages
                .entry(entry.pkg.name.0.into_owned())
                .or_default();
            for (version, ids) in entry.pkg.secfixes.0 {
                fixes.push(Fix {
                    version: version.0.into_owned(),
                    ids: ids
                        .iter()
                        .filter_map(|id| id.0.split_whitespace().next())
                        .map(str::to_owned)
                        .collect(),
                });
            }
        }
        annotation.normalize();
        Ok(annotation)
    }

    /// The annotation an index carries, if it has a [`MEMBER`].
    pub fn from_index(index: &ApkIndex) -> Result<Option<Annotation>> {
        index.member(MEMBER).map(Annotation::parse).transpose()
    }
}

#[derive(Deserialize)]
struct Raw<'a> {
    format: Text<'a>,
    version: u64,
    #[serde(default)]
    distroversion: Option<String>,
    #[serde(default)]
    reponame: Option<String>,
    #[serde(default, borrow)]
    packages: Vec<RawEntry<'a>>,
    #[serde(default)]
    severities: BTreeMap<String, Severity>,
}

#[derive(Deserialize)]
struct RawEntry<'a> {
    #[serde(borrow)]
    pkg: RawPackage<'a>,
}

#[derive(Deserialize)]
struct RawPackage<'a> {
    #[serde(borrow)]
    name: Text<'a>,
    #[serde(default, borrow)]
    secfixes: SecfixesList<'a>,
}

/// The `secfixes` map in document order (without building a map).
#[derive(Default)]
struct SecfixesList<'a>(Vec<(Text<'a>, Vec<Text<'a>>)>);

/// A JSON string, borrowed from the member unless it has escapes: the member has tens of
/// thousands of short strings, and copying each twice took most of the parse.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for SecfixesList<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = SecfixesList<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of versions to lists of ids")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some(entry) = map.next_entry::<Text<'a>, Vec<Text<'a>>>()? {
                    out.push(entry);
                }
                Ok(SecfixesList(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

fn push_json<T: Serialize + ?Sized>(out: &mut String, value: &T) {
    // Strings, lists of strings and severities always serialize.
    if let Ok(text) = serde_json::to_string(value) {
        out.push_str(&text);
    }
}

/// apk version order, with `"0"` first and equal versions ordered by their text.
fn version_order(a: &str, b: &str) -> Ordering {
    version::compare(a, b).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> Annotation {
        let mut a = Annotation::new();
        a.distroversion = Some("v3.16".into());
        a.reponame = Some("main".into());
        a.add("busybox", "1.35.0-r7", "CVE-2022-28391");
        a.add("busybox", "1.35.0-r7", "ALPINE-13661");
        a.add("busybox", "0", "CVE-2021-42373");
        a.add("busybox", "1.35.0-r17", "CVE-2022-30065 (awk)");
        a.add("busybox", "1.35.0-r7", "CVE-2022-28391");
        a.add("zlib", "1.2.12-r2", "CVE-2022-37434");
        a.severities.insert(
            "CVE-2022-37434".into(),
            Severity {
                severity: "critical".into(),
                score: Some(9.8),
            },
        );
        a.severities.insert(
            "CVE-1999-0001".into(),
            Severity {
                severity: "low".into(),
                score: None,
            },
        );
        a.normalize();
        a
    }

    #[test]
    fn writes_one_package_per_line_and_reads_back() {
        let a = sample();
        let text = a.to_json();
        assert_eq!(
            text,
            "{\"format\":\"secfixes-apkindex\",\"version\":1,\"distroversion\":\"v3.16\",\"reponame\":\"main\",\"packages\":[\n\
             {\"pkg\":{\"name\":\"busybox\",\"secfixes\":{\"0\":[\"CVE-2021-42373\"],\"1.35.0-r7\":[\"ALPINE-13661\",\"CVE-2022-28391\"],\"1.35.0-r17\":[\"CVE-2022-30065\"]}}},\n\
             {\"pkg\":{\"name\":\"zlib\",\"secfixes\":{\"1.2.12-r2\":[\"CVE-2022-37434\"]}}}\n\
             ],\"severities\":{\n\
             \"CVE-2022-37434\":{\"severity\":\"critical\",\"score\":9.8}\n\
             }}\n"
        );
        assert_eq!(Annotation::parse(text.as_bytes()).unwrap(), a);
        // A secdb reader reads the member's packages.
        let secdb = crate::secdb::from_json(&text).unwrap().value;
        assert_eq!(secdb.packages.len(), 2);
        assert_eq!(secdb.distroversion.as_deref(), Some("v3.16"));
    }

    #[test]
    fn empty_and_unknown_keys() {
        let empty = Annotation::new();
        let text = empty.to_json();
        assert_eq!(
            text,
            "{\"format\":\"secfixes-apkindex\",\"version\":1,\"packages\":[]}\n"
        );
        assert_eq!(Annotation::parse(text.as_bytes()).unwrap(), empty);
        let later = br#"{"format":"secfixes-apkindex","version":1,"new":{"x":1},
            "packages":[{"pkg":{"name":"a","secfixes":{"1-r1":["CVE-1-2 note"]},"more":true}}]}"#;
        let a = Annotation::parse(later).unwrap();
        assert_eq!(a.fixes("a")[0].ids, ["CVE-1-2"]);
    }

    #[test]
    fn refuses_other_formats_and_versions() {
        let err = Annotation::parse(br#"{"format":"secfixes-apkindex","version":2}"#).unwrap_err();
        assert_eq!(err.location().field.as_deref(), Some("version"));
        assert_eq!(err.location().file.as_deref(), Some(MEMBER.as_ref()));
        let err = Annotation::parse(br#"{"format":"osv","version":1}"#).unwrap_err();
        assert_eq!(err.location().field.as_deref(), Some("format"));
        let err = Annotation::parse(b"{\n\"format\": 1").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Json);
        assert_eq!(err.location().line, Some(2));
    }
}
