//! The security database of secdb.alpinelinux.org (`v3.16/main.json` …), the same shape
//! as Wolfi's and Chainguard's `security.json`, the historical YAML of the alpine-secdb
//! repository, and the one-package-per-file form of aquasecurity's vuln-list.
//!
//! ```json
//! {
//!   "apkurl": "{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
//!   "archs": ["x86_64"],
//!   "reponame": "main",
//!   "urlprefix": "https://dl-cdn.alpinelinux.org/alpine",
//!   "distroversion": "v3.16",
//!   "packages": [
//!     {"pkg": {"name": "busybox", "secfixes": {"0": ["CVE-2021-42373"], "1.35.0-r7": ["ALPINE-13661", "CVE-2022-28391"]}}}
//!   ]
//! }
//! ```
//!
//! A document is read into a typed [`SecDb`] that remembers the key order of the input
//! and keeps unknown keys, so that [`to_json`] gives back the same document; for the
//! secdb files in the fixtures it gives back the same bytes (2-space indent,
//! `"key": value`, no newline at the end, as Python's `json.dumps(…, indent=2)` and Go's
//! `MarshalIndent` write it). Two spellings are normalised: an empty list written as
//! `{}` (Lua's cjson writes empty tables so) and `null` are read as, and written back
//! as, `[]` (or `{}` for an empty `secfixes`).
//!
//! Entries that are wrong but do not stop the document from being read are reported
//! as [`Diagnostic`]s next to it (see [`Parsed`]): version keys apk-tools 3 rejects
//! (kept as [`FixVersion::Invalid`]), misspelt CVE ids, a version or package listed
//! twice. A document that does not have the secdb shape at all is an [`Error`].

mod raw;
mod secfix;

use std::io::{self, Write};
use std::path::Path;

use indexmap::IndexMap;
use serde::Serialize;
use serde::de::DeserializeSeed;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value};

pub use crate::diagnostic::{Diagnostic, Parsed};
pub use secfix::{FixVersion, SecfixId, Secfixes};

use crate::error::{Error, ErrorKind, Result};
use raw::{DocSeed, Form, RawDoc, RawPackage, RawPkgField, RawSecfixes, RawTop};

/// A secdb document.
///
/// The header fields are optional because the distributions differ (Wolfi has no
/// `distroversion`). Keys this crate does not know are kept in [`SecDb::extra`]; the key
/// order of the input is remembered and used when writing, with keys added later
/// written after those read, in the order of the fields below.
///
/// Two documents are equal when they would be written the same: same keys in the same
/// order with the same values.
#[derive(Debug, Clone, Default)]
pub struct SecDb {
    /// URL template of a package file (`{{urlprefix}}/{{distroversion}}/…`).
    pub apkurl: Option<String>,
    /// The architectures the repository is built for.
    pub archs: Option<Vec<String>>,
    /// The repository: `main`, `community`, or `os` for Wolfi.
    pub reponame: Option<String>,
    /// The mirror URL the template starts with.
    pub urlprefix: Option<String>,
    /// The release branch: `v3.16`, `edge`.
    pub distroversion: Option<String>,
    /// The packages, in input order.
    pub packages: Vec<Package>,
    /// Top-level keys not listed above, in input order.
    pub extra: Map<String, Value>,
    /// Top-level keys in input order.
    order: Vec<String>,
}

/// One `packages` entry: `{"pkg": {"name": …, "secfixes": {…}}}`.
///
/// Equality, like [`SecDb`]'s, takes the order of the keys into account.
#[derive(Debug, Clone)]
pub struct Package {
    /// The origin (source package) name.
    pub name: String,
    /// Fixed version → ids, in input order.
    pub secfixes: Secfixes,
    /// Keys of the `pkg` object other than `name` and `secfixes`, in input order.
    pub extra: Map<String, Value>,
    /// Keys of the `pkg` object in input order.
    order: Vec<String>,
}

const HEADER_KEYS: [&str; 5] = ["apkurl", "archs", "reponame", "urlprefix", "distroversion"];

impl SecDb {
    /// An empty document with no header fields.
    pub fn new() -> Self {
        SecDb::default()
    }

    /// The package called `name`, if there is one (the first, if it is listed twice).
    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    /// The top-level keys in the order they are written.
    fn write_order(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        let present = |k: &str| match k {
            "apkurl" => self.apkurl.is_some(),
            "archs" => self.archs.is_some(),
            "reponame" => self.reponame.is_some(),
            "urlprefix" => self.urlprefix.is_some(),
            "distroversion" => self.distroversion.is_some(),
            "packages" => true,
            other => self.extra.contains_key(other),
        };
        let extra_keys = self.extra.keys().map(String::as_str);
        let canonical = HEADER_KEYS
            .iter()
            .copied()
            .chain(extra_keys)
            .chain(["packages"]);
        for key in self.order.iter().map(String::as_str).chain(canonical) {
            if present(key) && !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys
    }
}

impl Package {
    /// A package with no secfixes.
    pub fn new(name: impl Into<String>) -> Self {
        Package {
            name: name.into(),
            secfixes: Secfixes::new(),
            extra: Map::new(),
            order: Vec::new(),
        }
    }

    /// A package with these secfixes.
    pub fn with_secfixes(name: impl Into<String>, secfixes: Secfixes) -> Self {
        Package {
            secfixes,
            ..Package::new(name)
        }
    }

    fn write_order(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        let canonical = ["name", "secfixes"]
            .into_iter()
            .chain(self.extra.keys().map(String::as_str));
        for key in self.order.iter().map(String::as_str).chain(canonical) {
            let present = matches!(key, "name" | "secfixes") || self.extra.contains_key(key);
            if present && !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys
    }
}

/// Maps equal with their entries in the same order (`IndexMap`'s own `==` ignores order).
fn same_order<'a, K: PartialEq + 'a, V: PartialEq + 'a>(
    a: impl ExactSizeIterator<Item = (&'a K, &'a V)>,
    b: impl ExactSizeIterator<Item = (&'a K, &'a V)>,
) -> bool {
    a.len() == b.len() && a.zip(b).all(|(x, y)| x == y)
}

impl PartialEq for SecDb {
    fn eq(&self, other: &Self) -> bool {
        self.write_order() == other.write_order()
            && self.apkurl == other.apkurl
            && self.archs == other.archs
            && self.reponame == other.reponame
            && self.urlprefix == other.urlprefix
            && self.distroversion == other.distroversion
            && self.packages == other.packages
            && same_order(self.extra.iter(), other.extra.iter())
    }
}

impl PartialEq for Package {
    fn eq(&self, other: &Self) -> bool {
        self.write_order() == other.write_order()
            && self.name == other.name
            && same_order(self.secfixes.iter(), other.secfixes.iter())
            && same_order(self.extra.iter(), other.extra.iter())
    }
}

impl Serialize for SecDb {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let keys = self.write_order();
        let mut map = s.serialize_map(Some(keys.len()))?;
        for key in keys {
            match key {
                "apkurl" => map.serialize_entry(key, &self.apkurl)?,
                "archs" => map.serialize_entry(key, &self.archs)?,
                "reponame" => map.serialize_entry(key, &self.reponame)?,
                "urlprefix" => map.serialize_entry(key, &self.urlprefix)?,
                "distroversion" => map.serialize_entry(key, &self.distroversion)?,
                "packages" => map.serialize_entry(key, &self.packages)?,
                other => map.serialize_entry(other, &self.extra.get(other))?,
            }
        }
        map.end()
    }
}

impl Serialize for Package {
    /// The whole `packages` entry, `{"pkg": {…}}`.
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        struct Pkg<'a>(&'a Package);
        impl Serialize for Pkg<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                let keys = self.0.write_order();
                let mut map = s.serialize_map(Some(keys.len()))?;
                for key in keys {
                    match key {
                        "name" => map.serialize_entry(key, &self.0.name)?,
                        "secfixes" => map.serialize_entry(key, &self.0.secfixes)?,
                        other => map.serialize_entry(other, &self.0.extra.get(other))?,
                    }
                }
                map.end()
            }
        }
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("pkg", &Pkg(self))?;
        map.end()
    }
}

/// Reads a secdb JSON document.
///
/// Fails only when the text is not JSON or not in the secdb shape; everything else is
/// reported in the diagnostics.
pub fn from_json(text: &str) -> Result<Parsed<SecDb>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = DocSeed(Form::Document)
        .deserialize(&mut de)
        .and_then(|raw| de.end().map(|()| raw))
        .map_err(json_error)?;
    build_document(raw)
}

/// Reads a historical secdb YAML document (alpine-secdb, v3.3 to v3.11).
///
/// Gives the same [`SecDb`] as the JSON conversion of the same data; keys and ids are
/// read as written (`0` stays the string `"0"`).
pub fn from_yaml(text: &str) -> Result<Parsed<SecDb>> {
    let raw = DocSeed(Form::Document)
        .deserialize(serde_yaml_ng::Deserializer::from_str(text))
        .map_err(yaml_error)?;
    build_document(raw)
}

/// Reads one file of aquasecurity's vuln-list (`alpine/3.16/main/busybox.json`): the
/// header fields of the secdb document next to the `name` and `secfixes` of one package.
///
/// Gives a [`SecDb`] with that header and the one package, so that it joins with the
/// other forms; written back, it takes the ordinary secdb shape.
pub fn from_vuln_list(text: &str) -> Result<Parsed<SecDb>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = DocSeed(Form::VulnList)
        .deserialize(&mut de)
        .and_then(|raw| de.end().map(|()| raw))
        .map_err(json_error)?;
    build_vuln_list(raw)
}

/// How a secdb file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// secdb JSON.
    Json,
    /// The historical YAML.
    Yaml,
    /// One vuln-list file (JSON).
    VulnList,
}

impl Format {
    /// The format a file name suggests: `.yaml`/`.yml` is YAML, anything else JSON.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => Format::Yaml,
            _ => Format::Json,
        }
    }
}

/// Reads `text` in `format`.
pub fn parse(text: &str, format: Format) -> Result<Parsed<SecDb>> {
    match format {
        Format::Json => from_json(text),
        Format::Yaml => from_yaml(text),
        Format::VulnList => from_vuln_list(text),
    }
}

/// Reads the file at `path` in `format`, naming the file in errors and diagnostics.
pub fn read(path: &Path, format: Format) -> Result<Parsed<SecDb>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(&text, format)
        .map(|p| p.in_file(path))
        .map_err(|e| e.in_file(path))
}

/// The document as secdb JSON: 2-space indent, `"key": value`, no newline at the end.
pub fn to_json(db: &SecDb) -> String {
    // Cannot fail: every map key is a string and `Value` holds no non-finite number.
    serde_json::to_string_pretty(db).unwrap_or_default()
}

/// Writes the document as [`to_json`] does.
pub fn write_json<W: Write>(db: &SecDb, writer: W) -> io::Result<()> {
    serde_json::to_writer_pretty(writer, db).map_err(io::Error::other)
}

fn json_error(err: serde_json::Error) -> Error {
    let line = err.line();
    let kind = if err.is_eof() {
        ErrorKind::Truncated
    } else {
        ErrorKind::Json
    };
    let mut out = Error::new(kind, strip_position(&err.to_string())).caused_by(err);
    if line > 0 {
        out = out.at_line(line);
    }
    out
}

/// A serde_yaml_ng error as this crate's error, with its line.
pub(crate) fn yaml_error(err: serde_yaml_ng::Error) -> Error {
    let line = err.location().map(|l| l.line());
    let mut out = Error::new(ErrorKind::Yaml, strip_position(&err.to_string())).caused_by(err);
    if let Some(line) = line {
        out = out.at_line(line);
    }
    out
}

/// serde's messages end in " at line L column C"; the line goes into the location, the
/// column stays in the text.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => {
            let tail = &message[at + " at line ".len()..];
            match tail.split_once(" column ") {
                Some((_, col)) => format!("{} (column {col})", &message[..at]),
                None => message[..at].to_string(),
            }
        }
        None => message.to_string(),
    }
}

fn shape_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Json, message)
}

/// Turns the raw top-level object into a document, checking every entry.
fn build_document(raw: RawDoc) -> Result<Parsed<SecDb>> {
    let mut db = SecDb::new();
    let mut diags = Vec::new();
    let mut packages = None;
    for (key, value) in raw.fields {
        let seen = db.order.contains(&key);
        if seen {
            diags.push(
                Diagnostic::new(ErrorKind::Json, "key given twice; the later value is used")
                    .at_key(key.clone()),
            );
        } else {
            db.order.push(key.clone());
        }
        match value {
            RawTop::Text(text) => set_header(&mut db, &key, text),
            RawTop::List(list) => db.archs = Some(list),
            RawTop::Packages(list) => packages = Some(list),
            // Only the vuln-list form asks for `secfixes` at the top.
            RawTop::Secfixes(_) => {}
            RawTop::Other(value) => {
                db.extra.insert(key, value);
            }
        }
    }
    let packages = packages.ok_or_else(|| shape_error("not a secdb document: no `packages`"))?;
    let mut index: IndexMap<String, usize> = IndexMap::new();
    for (i, raw) in packages.into_iter().enumerate() {
        let pkg = build_package(raw, i, &mut diags)?;
        if index.contains_key(&pkg.name) {
            diags.push(
                Diagnostic::new(ErrorKind::Syntax, "package listed twice").in_package(&pkg.name),
            );
        } else {
            index.insert(pkg.name.clone(), i);
        }
        db.packages.push(pkg);
    }
    Ok(Parsed {
        value: db,
        diagnostics: diags,
    })
}

fn set_header(db: &mut SecDb, key: &str, text: String) {
    match key {
        "apkurl" => db.apkurl = Some(text),
        "reponame" => db.reponame = Some(text),
        "urlprefix" => db.urlprefix = Some(text),
        "distroversion" => db.distroversion = Some(text),
        // `name` in the vuln-list form is taken out before this.
        _ => {}
    }
}

fn build_package(raw: RawPackage, index: usize, diags: &mut Vec<Diagnostic>) -> Result<Package> {
    let mut name = None;
    let mut secfixes = None;
    let mut extra = Map::new();
    let mut order: Vec<String> = Vec::new();
    for (key, value) in raw.fields {
        if order.contains(&key) {
            return Err(shape_error(format!(
                "packages entry {}: key `{key}` given twice",
                index + 1
            )));
        }
        order.push(key.clone());
        match value {
            RawPkgField::Name(n) => name = Some(n),
            RawPkgField::Secfixes(s) => secfixes = Some(s),
            RawPkgField::Other(v) => {
                extra.insert(key, v);
            }
        }
    }
    let name =
        name.ok_or_else(|| shape_error(format!("packages entry {} has no `pkg.name`", index + 1)))?;
    let secfixes = secfixes.ok_or_else(|| {
        shape_error(format!("package `{name}` has no `secfixes`")).in_field(name.clone())
    })?;
    if name.trim().is_empty() {
        diags.push(
            Diagnostic::new(
                ErrorKind::Syntax,
                format!("packages entry {} has an empty name", index + 1),
            )
            .in_package(&name),
        );
    }
    let secfixes = build_secfixes(secfixes, &name, diags);
    Ok(Package {
        name,
        secfixes,
        extra,
        order,
    })
}

/// Checks every key and id of one package's `secfixes`.
fn build_secfixes(raw: RawSecfixes, package: &str, diags: &mut Vec<Diagnostic>) -> Secfixes {
    let mut out = Secfixes::new();
    for (key, ids) in raw.0 {
        let version = FixVersion::parse(&key);
        if let Some(problem) = version.problem() {
            diags.push(
                Diagnostic::new(ErrorKind::InvalidVersion, problem)
                    .in_package(package)
                    .at_key(&key),
            );
        }
        let ids: Vec<SecfixId> = ids.into_iter().map(SecfixId::new).collect();
        for id in &ids {
            if let Some(problem) = id.problem() {
                diags.push(
                    Diagnostic::new(ErrorKind::Syntax, problem)
                        .in_package(package)
                        .at_key(&key),
                );
            }
        }
        match out.get_mut(&version) {
            Some(existing) => {
                diags.push(
                    Diagnostic::new(ErrorKind::Syntax, "version listed twice; ids merged")
                        .in_package(package)
                        .at_key(&key),
                );
                existing.extend(ids);
            }
            None => {
                out.insert(version, ids);
            }
        }
    }
    out
}

/// The vuln-list form: the header plus `name` and `secfixes` of one package.
fn build_vuln_list(raw: RawDoc) -> Result<Parsed<SecDb>> {
    let mut header = Vec::new();
    let mut name = None;
    let mut secfixes = None;
    let mut diags = Vec::new();
    for (key, value) in raw.fields {
        let twice = match (key.as_str(), value) {
            ("name", RawTop::Text(n)) => name.replace(n).is_some(),
            ("secfixes", RawTop::Secfixes(s)) => secfixes.replace(s).is_some(),
            ("packages", _) => {
                return Err(shape_error(
                    "not a vuln-list secdb entry: it has `packages` (read it as a secdb document)",
                ));
            }
            (_, value) => {
                header.push((key.clone(), value));
                false
            }
        };
        if twice {
            diags.push(
                Diagnostic::new(ErrorKind::Json, "key given twice; the later value is used")
                    .at_key(key),
            );
        }
    }
    let name = name.ok_or_else(|| shape_error("not a vuln-list secdb entry: no `name`"))?;
    let secfixes = secfixes.ok_or_else(|| {
        shape_error(format!("package `{name}` has no `secfixes`")).in_field(name.clone())
    })?;
    header.push((
        "packages".to_string(),
        RawTop::Packages(vec![RawPackage {
            fields: vec![
                ("name".to_string(), RawPkgField::Name(name)),
                ("secfixes".to_string(), RawPkgField::Secfixes(secfixes)),
            ],
        }]),
    ));
    let mut parsed = build_document(RawDoc { fields: header })?;
    diags.append(&mut parsed.diagnostics);
    parsed.diagnostics = diags;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SMALL: &str = r#"{
  "apkurl": "{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
  "archs": [
    "x86_64"
  ],
  "reponame": "main",
  "urlprefix": "https://dl-cdn.alpinelinux.org/alpine",
  "distroversion": "v3.16",
  "packages": [
    {
      "pkg": {
        "name": "busybox",
        "secfixes": {
          "0": [
            "CVE-2021-42373"
          ],
          "1.35.0-r7": [
            "ALPINE-13661",
            "CVE-2022-28391"
          ]
        }
      }
    },
    {
      "pkg": {
        "name": "xen",
        "secfixes": {
          "4.10-1-r1": [
            "XSA-252"
          ],
          "4.10.0-r2": [
            "CVE-2018-7540 XSA-252"
          ]
        }
      }
    }
  ]
}"#;

    #[test]
    fn reads_and_writes_back_byte_for_byte() {
        let parsed = from_json(SMALL).unwrap();
        assert_eq!(to_json(&parsed.value), SMALL);
        let db = parsed.value;
        assert_eq!(db.distroversion.as_deref(), Some("v3.16"));
        let busybox = db.package("busybox").unwrap();
        let (first, ids) = busybox.secfixes.get_index(0).unwrap();
        assert!(matches!(first, FixVersion::NotAffected));
        assert_eq!(ids[0].id(), "CVE-2021-42373");
    }

    #[test]
    fn invalid_version_is_kept_and_reported() {
        let parsed = from_json(SMALL).unwrap();
        assert_eq!(parsed.diagnostics.len(), 1);
        let d = &parsed.diagnostics[0];
        assert_eq!(d.kind, ErrorKind::InvalidVersion);
        assert_eq!(d.package.as_deref(), Some("xen"));
        assert_eq!(d.key.as_deref(), Some("4.10-1-r1"));
        let xen = parsed.value.package("xen").unwrap();
        assert!(matches!(
            xen.secfixes.get_index(0).unwrap().0,
            FixVersion::Invalid(_)
        ));
        let note = &xen.secfixes.get_index(1).unwrap().1[0];
        assert_eq!((note.id(), note.note()), ("CVE-2018-7540", Some("XSA-252")));
        assert!(from_json(SMALL).unwrap().strict().is_err());
    }

    #[test]
    fn unknown_keys_keep_their_place() {
        let text = r#"{"x": 1, "packages": [{"pkg": {"secfixes": {}, "extra": [true], "name": "a"}}], "reponame": "os"}"#;
        let db = from_json(text).unwrap().strict().unwrap();
        let back: Value = serde_json::from_str(&to_json(&db)).unwrap();
        let orig: Value = serde_json::from_str(text).unwrap();
        assert_eq!(back, orig);
        let keys: Vec<_> = back.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["x", "packages", "reponame"]);
        let pkg = &back["packages"][0]["pkg"];
        let keys: Vec<_> = pkg.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["secfixes", "extra", "name"]);
    }

    #[test]
    fn lua_empty_tables_read_as_empty_lists() {
        let text = r#"{"packages": {}, "reponame": "community"}"#;
        let db = from_json(text).unwrap().strict().unwrap();
        assert!(db.packages.is_empty());
        let text = r#"{"packages": [{"pkg": {"name": "ansible", "secfixes": {"2.8.0-r0": {}}}}]}"#;
        let db = from_json(text).unwrap().strict().unwrap();
        assert!(db.packages[0].secfixes[0].is_empty());
        assert!(from_json(r#"{"packages": {"a": 1}}"#).is_err());
    }

    #[test]
    fn duplicates_are_reported() {
        let text = r#"{"packages": [
            {"pkg": {"name": "a", "secfixes": {"1.0-r0": ["CVE-2020-0001"], "1.0-r0": ["CVE-2020-0002"]}}},
            {"pkg": {"name": "a", "secfixes": {}}}
        ]}"#;
        let parsed = from_json(text).unwrap();
        let messages: Vec<_> = parsed.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            messages,
            [
                "a: 1.0-r0: version listed twice; ids merged",
                "a: package listed twice"
            ]
        );
        assert_eq!(parsed.value.packages[0].secfixes[0].len(), 2);
    }

    #[test]
    fn shape_errors_name_the_place() {
        let err = from_json(r#"{"packages": [{"pkg": {"name": "a", "secfixes": {"1": [3]}}}]}"#)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Json);
        assert_eq!(err.location().line, Some(1));
        assert!(from_json(r#"{"reponame": "main"}"#).is_err());
        assert!(from_json("[]").is_err());
        assert_eq!(from_json("{").unwrap_err().kind(), ErrorKind::Truncated);
        assert!(from_json(r#"{"packages": []} x"#).is_err());
        let err = from_json(r#"{"packages": [{"pkg": {"secfixes": {}}}]}"#).unwrap_err();
        assert!(err.to_string().contains("no `pkg.name`"), "{err}");
    }

    #[test]
    fn yaml_reads_scalars_as_written() {
        let text = "---\ndistroversion: v3.3\nreponame: main\npackages:\n  - pkg:\n      name: a\n      secfixes:\n        0:\n          - CVE-2020-0001\n        1.10-r0:\n        - CVE-2020-0002\n";
        let db = from_yaml(text).unwrap().strict().unwrap();
        let keys: Vec<_> = db.packages[0].secfixes.keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, ["0", "1.10-r0"]);
        let empty = from_yaml("reponame: community\npackages:\n")
            .unwrap()
            .strict()
            .unwrap();
        assert!(empty.packages.is_empty());
        assert_eq!(
            from_yaml("packages: [").unwrap_err().kind(),
            ErrorKind::Yaml
        );
    }

    #[test]
    fn vuln_list_form() {
        let text = r#"{"name": "zlib", "secfixes": {"1.2.12-r0": ["CVE-2018-25032"]}, "reponame": "main", "distroversion": "v3.16"}"#;
        let db = from_vuln_list(text).unwrap().strict().unwrap();
        assert_eq!(db.reponame.as_deref(), Some("main"));
        assert_eq!(db.packages.len(), 1);
        assert_eq!(db.packages[0].name, "zlib");
        assert!(from_vuln_list(r#"{"secfixes": {}}"#).is_err());
        let err = from_vuln_list(r#"{"name": "a", "secfixes": {}, "packages": []}"#).unwrap_err();
        assert!(err.to_string().contains("has `packages`"), "{err}");
        let twice = from_vuln_list(r#"{"name": "a", "secfixes": {}, "name": "b"}"#).unwrap();
        assert_eq!(twice.diagnostics.len(), 1);
        assert_eq!(twice.value.packages[0].name, "b");
    }

    #[test]
    fn built_documents_use_the_canonical_order() {
        let mut db = SecDb::new();
        db.packages.push(Package::new("a"));
        db.reponame = Some("main".into());
        db.apkurl = Some("u".into());
        let text = to_json(&db);
        let v: Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["apkurl", "reponame", "packages"]);
    }

    #[test]
    fn strip_position_keeps_the_column() {
        assert_eq!(
            strip_position("invalid type: integer at line 3 column 7"),
            "invalid type: integer (column 7)"
        );
        assert_eq!(strip_position("plain"), "plain");
    }
}
