//! The `secfixes` of one package: fixed version → advisory ids, as written in secdb
//! and in an APKBUILD's `# secfixes:` block.

use std::fmt;
use std::hash::{Hash, Hasher};

use indexmap::IndexMap;
use serde::{Serialize, Serializer};

use crate::version::{self, Version};

/// The `secfixes` of a package: each key is the version that fixes the ids listed
/// under it, in the order of the input (secdb and APKBUILDs list them newest first,
/// but not always).
pub type Secfixes = IndexMap<FixVersion, Vec<SecfixId>>;

/// A `secfixes` key.
///
/// Equality and hashing use the text as written, so `1.0-r0` and `1.00-r0` stay two
/// keys, as they are two keys in the JSON.
#[derive(Debug, Clone)]
pub enum FixVersion {
    /// The key `"0"`: the package was never affected by the ids listed under it.
    NotAffected,
    /// The ids are fixed from this version on.
    Fixed(Version),
    /// A key apk-tools 3 rejects (`4.10-1-r1`), kept as written so that the document
    /// can be written back; readers report it.
    Invalid(String),
}

impl FixVersion {
    /// Reads a key: `"0"` is [`FixVersion::NotAffected`], a valid apk version is
    /// [`FixVersion::Fixed`], anything else [`FixVersion::Invalid`].
    pub fn parse(key: &str) -> FixVersion {
        if key == "0" {
            return FixVersion::NotAffected;
        }
        match Version::parse(key) {
            Ok(v) => FixVersion::Fixed(v),
            Err(_) => FixVersion::Invalid(key.to_string()),
        }
    }

    /// The key as written.
    pub fn as_str(&self) -> &str {
        match self {
            FixVersion::NotAffected => "0",
            FixVersion::Fixed(v) => v.as_str(),
            FixVersion::Invalid(s) => s,
        }
    }

    /// The fixed version, if the key is one.
    pub fn fixed(&self) -> Option<&Version> {
        match self {
            FixVersion::Fixed(v) => Some(v),
            _ => None,
        }
    }

    /// Why the key is invalid, or `None` when it is `"0"` or a valid version.
    pub fn problem(&self) -> Option<String> {
        match self {
            FixVersion::Invalid(s) => Some(match version::validate(s) {
                Err(e) => e.message().to_string(),
                Ok(()) => format!("`{s}` is not a valid apk version"),
            }),
            _ => None,
        }
    }
}

impl PartialEq for FixVersion {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for FixVersion {}

impl Hash for FixVersion {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Display for FixVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FixVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One entry of a `secfixes` list: an advisory id, possibly followed by free text.
///
/// Real entries carry notes after the id (`CVE-2018-14468 (FrameRelay)`,
/// `CVE-2016-6258 XSA-182`, `CVE-2018-8897  XSA-260` with two spaces). The first
/// whitespace-separated token is the [`id`](SecfixId::id) and the rest the
/// [`note`](SecfixId::note); the text is kept exactly as written so that a document
/// is written back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecfixId(String);

impl SecfixId {
    /// An entry with exactly this text.
    pub fn new(text: impl Into<String>) -> Self {
        SecfixId(text.into())
    }

    /// An entry made of an id and an optional note, separated by one space.
    pub fn with_note(id: &str, note: Option<&str>) -> Self {
        match note {
            Some(note) if !note.is_empty() => SecfixId(format!("{id} {note}")),
            _ => SecfixId(id.to_string()),
        }
    }

    /// The whole text as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The advisory id: the first whitespace-separated token (empty if there is none).
    pub fn id(&self) -> &str {
        self.0.split_whitespace().next().unwrap_or("")
    }

    /// The text after the id, without the whitespace around it.
    pub fn note(&self) -> Option<&str> {
        let rest = self.0.trim_start();
        let rest = rest.get(self.id().len()..)?.trim();
        (!rest.is_empty()).then_some(rest)
    }

    /// Whether the id is a well-formed CVE id, `CVE-YYYY-NNNN` with four or more digits.
    pub fn is_cve(&self) -> bool {
        is_cve_id(self.id())
    }

    /// Why the entry is suspicious: empty, or an id that starts like a CVE id but is not
    /// one (`CVE_2019-2426`, `CVE-2017-8073.patch`). Other id schemes (XSA, GHSA,
    /// ALPINE …) are not checked.
    pub fn problem(&self) -> Option<String> {
        let id = self.id();
        if id.is_empty() {
            return Some("empty id".to_string());
        }
        let looks_like_cve = id.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("CVE"));
        if looks_like_cve && !is_cve_id(id) {
            return Some(format!(
                "`{id}` is not a well-formed CVE id (CVE-YYYY-NNNN)"
            ));
        }
        None
    }
}

/// `CVE-` then four digits, `-`, and four or more digits.
fn is_cve_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && number.len() >= 4
        && number.bytes().all(|b| b.is_ascii_digit())
}

impl fmt::Display for SecfixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for SecfixId {
    fn from(s: &str) -> Self {
        SecfixId::new(s)
    }
}

impl Serialize for SecfixId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_not_affected() {
        assert!(matches!(FixVersion::parse("0"), FixVersion::NotAffected));
        assert!(matches!(FixVersion::parse("0.0"), FixVersion::Fixed(_)));
        assert!(matches!(
            FixVersion::parse("1.2.3-r0"),
            FixVersion::Fixed(_)
        ));
        let bad = FixVersion::parse("4.10-1-r1");
        assert!(matches!(bad, FixVersion::Invalid(_)));
        assert_eq!(bad.as_str(), "4.10-1-r1");
        assert!(bad.problem().is_some_and(|m| m.contains("4.10-1-r1")));
        assert!(FixVersion::parse("").problem().is_some());
    }

    #[test]
    fn keys_compare_as_text() {
        assert_ne!(FixVersion::parse("1.0-r0"), FixVersion::parse("1.00-r0"));
        assert_eq!(FixVersion::parse("1.0-r0"), FixVersion::parse("1.0-r0"));
    }

    #[test]
    fn id_and_note() {
        let plain = SecfixId::new("CVE-2021-1234");
        assert_eq!((plain.id(), plain.note()), ("CVE-2021-1234", None));
        let xsa = SecfixId::new("CVE-2018-8897  XSA-260");
        assert_eq!((xsa.id(), xsa.note()), ("CVE-2018-8897", Some("XSA-260")));
        assert_eq!(xsa.as_str(), "CVE-2018-8897  XSA-260");
        let regression = SecfixId::new("CVE-2017-2616 (+ regression fix)");
        assert_eq!(regression.note(), Some("(+ regression fix)"));
        let built = SecfixId::with_note("XSA-123", Some("text"));
        assert_eq!(built.as_str(), "XSA-123 text");
        assert_eq!(SecfixId::new("  ").id(), "");
        assert_eq!(SecfixId::new("  ").note(), None);
    }

    #[test]
    fn cve_shape() {
        for ok in [
            "CVE-2019-5747",
            "CVE-2018-1000500",
            "GHSA-jq35-85cj-fj4p",
            "XSA-248",
        ] {
            assert_eq!(SecfixId::new(ok).problem(), None, "{ok}");
        }
        for bad in [
            "CVE_2019-2426",
            "CVE-2017-17434-1",
            "CVE-2017-8073.patch",
            "CVE-????-?????  XSA-295",
            "cve-2020-1",
            "",
        ] {
            assert!(SecfixId::new(bad).problem().is_some(), "{bad}");
        }
    }
}
