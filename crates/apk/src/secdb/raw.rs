//! The shape of a secdb document as serde sees it, before any checking.
//!
//! Objects are read entry by entry into vectors, so that key order and duplicate keys
//! survive for the checks in the parent module; the same code reads JSON and the
//! historical YAML (where scalars are asked for as strings, so that `0` or `1.10` keep
//! their text). Some real secdb files have `{}` for an empty list (`"packages": {}`,
//! `"2.8.0-r0": {}`), as Lua's cjson encodes an empty table; an empty object is therefore
//! read as an empty list, and so is `null` (YAML's empty value).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Which top-level shape to expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    /// A secdb document: header fields and `packages`.
    Document,
    /// One vuln-list file: the header fields plus `name` and `secfixes` of one package.
    VulnList,
}

/// A top-level object, entries in input order.
#[derive(Debug)]
pub(super) struct RawDoc {
    pub fields: Vec<(String, RawTop)>,
}

/// A top-level value.
#[derive(Debug)]
pub(super) enum RawTop {
    /// `apkurl`, `reponame`, `urlprefix`, `distroversion` (and `name` in the vuln-list form).
    Text(String),
    /// `archs`.
    List(Vec<String>),
    /// `packages`.
    Packages(Vec<RawPackage>),
    /// `secfixes`, in the vuln-list form.
    Secfixes(RawSecfixes),
    /// Anything else, kept as JSON.
    Other(Value),
}

/// The `pkg` object of one `packages` entry.
#[derive(Debug)]
pub(super) struct RawPackage {
    pub fields: Vec<(String, RawPkgField)>,
}

/// A value in a `pkg` object.
#[derive(Debug)]
pub(super) enum RawPkgField {
    Name(String),
    Secfixes(RawSecfixes),
    Other(Value),
}

/// A `secfixes` object: (version key, ids), duplicates kept.
#[derive(Debug, Default)]
pub(super) struct RawSecfixes(pub Vec<(String, Vec<String>)>);

/// Reads a whole document of the given form.
pub(super) struct DocSeed(pub Form);

impl<'de> DeserializeSeed<'de> for DocSeed {
    type Value = RawDoc;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawDoc, D::Error> {
        d.deserialize_map(DocVisitor(self.0))
    }
}

struct DocVisitor(Form);

impl<'de> Visitor<'de> for DocVisitor {
    type Value = RawDoc;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Form::Document => f.write_str("a secdb document (an object with `packages`)"),
            Form::VulnList => f.write_str("a vuln-list secdb entry (an object with `name`)"),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDoc, A::Error> {
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = match (key.as_str(), self.0) {
                ("apkurl" | "reponame" | "urlprefix" | "distroversion", _)
                | ("name", Form::VulnList) => RawTop::Text(map.next_value()?),
                ("archs", _) => RawTop::List(map.next_value()?),
                ("packages", Form::Document) => RawTop::Packages(map.next_value::<Packages>()?.0),
                ("secfixes", Form::VulnList) => RawTop::Secfixes(map.next_value()?),
                _ => RawTop::Other(map.next_value()?),
            };
            fields.push((key, value));
        }
        Ok(RawDoc { fields })
    }
}

/// Calls `visit_empty` for `null`, and for `{}` (Lua's empty list); a non-empty object is
/// the wrong type.
macro_rules! empty_list_visits {
    () => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            match map.next_key::<IgnoredAny>()? {
                None => Ok(Default::default()),
                Some(_) => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
            }
        }
    };
}

/// The `packages` list.
#[derive(Default)]
struct Packages(Vec<RawPackage>);

impl<'de> de::Deserialize<'de> for Packages {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PackagesVisitor)
    }
}

struct PackagesVisitor;

impl<'de> Visitor<'de> for PackagesVisitor {
    type Value = Packages;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of {\"pkg\": …} entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Packages, A::Error> {
        let mut out = Vec::new();
        while let Some(Entry(pkg)) = seq.next_element()? {
            out.push(pkg);
        }
        Ok(Packages(out))
    }

    empty_list_visits!();
}

/// One `packages` entry: `{"pkg": {...}}`.
struct Entry(RawPackage);

impl<'de> de::Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a packages entry {\"pkg\": {\"name\": …, \"secfixes\": …}}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
        let mut pkg = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "pkg" {
                return Err(de::Error::custom(format!(
                    "unexpected key `{key}` in a packages entry (only `pkg` belongs there)"
                )));
            }
            if pkg.is_some() {
                return Err(de::Error::custom("`pkg` given twice in a packages entry"));
            }
            pkg = Some(map.next_value::<PkgObject>()?.0);
        }
        pkg.map(Entry)
            .ok_or_else(|| de::Error::custom("a packages entry without `pkg`"))
    }
}

/// The object under `pkg`.
struct PkgObject(RawPackage);

impl<'de> de::Deserialize<'de> for PkgObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(PkgVisitor)
    }
}

struct PkgVisitor;

impl<'de> Visitor<'de> for PkgVisitor {
    type Value = PkgObject;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a package object {\"name\": …, \"secfixes\": …}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PkgObject, A::Error> {
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = match key.as_str() {
                "name" => RawPkgField::Name(map.next_value()?),
                "secfixes" => RawPkgField::Secfixes(map.next_value()?),
                _ => RawPkgField::Other(map.next_value()?),
            };
            fields.push((key, value));
        }
        Ok(PkgObject(RawPackage { fields }))
    }
}

impl<'de> de::Deserialize<'de> for RawSecfixes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SecfixesVisitor)
    }
}

struct SecfixesVisitor;

impl<'de> Visitor<'de> for SecfixesVisitor {
    type Value = RawSecfixes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a secfixes object {version: [ids]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSecfixes, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let Ids(ids) = map.next_value()?;
            out.push((key, ids));
        }
        Ok(RawSecfixes(out))
    }

    fn visit_unit<E: de::Error>(self) -> Result<RawSecfixes, E> {
        Ok(RawSecfixes::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<RawSecfixes, E> {
        Ok(RawSecfixes::default())
    }
}

/// The ids under one version.
#[derive(Default)]
struct Ids(Vec<String>);

impl<'de> de::Deserialize<'de> for Ids {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IdsVisitor)
    }
}

struct IdsVisitor;

impl<'de> Visitor<'de> for IdsVisitor {
    type Value = Ids;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of ids")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ids, A::Error> {
        let mut out = Vec::new();
        while let Some(id) = seq.next_element::<String>()? {
            out.push(id);
        }
        Ok(Ids(out))
    }

    empty_list_visits!();
}
