//! The security-rejections files: per repository (`main.yaml`, `community.yaml`), the
//! CVEs that maintainers have rejected for a package (not applicable, disputed …),
//! with the rationale in comments:
//!
//! ```yaml
//! # Only affects the Windows build.
//! openssl:
//!   - CVE-2020-0001
//! zlib: []
//! ```
//!
//! Reading goes through serde_yaml_ng (any YAML spelling of the mapping works, and
//! syntax errors come with their line). Problems that do not stop the file from being
//! read are [`Diagnostic`]s with line numbers: a package listed twice (its ids are
//! merged), a value that is not a list (skipped), an item that is not a string, an id
//! listed twice, a malformed CVE id. The rationale of a package is the block of
//! comment lines starting in column 0 right above its key (a blank line ends it); other
//! comments are not kept.
//!
//! Writing gives the shape above: the rationale as `# ` lines, then `package:` and its
//! ids as `  - ID` lines (`package: []` when there is none), quoting only what YAML
//! would otherwise read differently. [`to_yaml_with_header`] puts a comment block, set
//! off by a blank line, above that (what `secfixes export rejections` writes).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use indexmap::IndexMap;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::diagnostic::{Diagnostic, Parsed};
use crate::error::{Error, ErrorKind, Result};
use crate::secdb::SecfixId;

/// One repository's rejections, packages in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rejections {
    /// Package (origin) name → its rejections.
    pub packages: IndexMap<String, Rejection>,
}

/// The rejected ids of one package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rejection {
    /// The rejected ids, in file order.
    pub ids: Vec<SecfixId>,
    /// The comment lines above the package, without `# `.
    pub rationale: Vec<String>,
}

impl Rejections {
    /// No rejections.
    pub fn new() -> Self {
        Rejections::default()
    }

    /// Whether `id` (compared on its id token, notes ignored) is rejected for `package`.
    pub fn is_rejected(&self, package: &str, id: &str) -> bool {
        self.packages
            .get(package)
            .is_some_and(|r| r.ids.iter().any(|i| i.id() == id))
    }
}

/// Reads a rejections file. Fails on YAML syntax errors and on a top level that is not
/// a mapping; everything else is a diagnostic.
pub fn from_yaml(text: &str) -> Result<Parsed<Rejections>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let entries = EntriesSeed
        .deserialize(serde_yaml_ng::Deserializer::from_str(text))
        .map_err(crate::secdb::yaml_error)?;
    Ok(build(entries, &scan_keys(text)))
}

/// Reads the file at `path`, naming it in errors and diagnostics.
pub fn read(path: &Path) -> Result<Parsed<Rejections>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    from_yaml(&text)
        .map(|p| p.in_file(path))
        .map_err(|e| e.in_file(path))
}

/// The rejections as YAML, in the shape described in the module documentation.
pub fn to_yaml(rejections: &Rejections) -> String {
    let mut out = String::new();
    for (name, rejection) in &rejections.packages {
        push_comments(&mut out, &rejection.rationale);
        out.push_str(&scalar(name));
        if rejection.ids.is_empty() {
            out.push_str(": []\n");
            continue;
        }
        out.push_str(":\n");
        for id in &rejection.ids {
            out.push_str("  - ");
            out.push_str(&scalar(id.as_str()));
            out.push('\n');
        }
    }
    out
}

/// The rejections as YAML under a file header: `header`'s lines as comments, a blank
/// line (so that the reader does not take them for the first package's rationale), then
/// the packages as [`to_yaml`] writes them, or `{}` when there are none. Reads back to the
/// same packages, ids and rationales; the header is not kept.
pub fn to_yaml_with_header(header: &[String], rejections: &Rejections) -> String {
    let mut out = String::new();
    push_comments(&mut out, header);
    if !out.is_empty() {
        out.push('\n');
    }
    if rejections.packages.is_empty() {
        out.push_str("{}\n");
    } else {
        out.push_str(&to_yaml(rejections));
    }
    out
}

// --- reading -------------------------------------------------------------------------

/// A value under a package key, as far as the checks need to know it.
#[derive(Debug)]
enum RawValue {
    List(Vec<RawItem>),
    Other(&'static str),
}

/// A list item: an id, or a description of what it is instead.
#[derive(Debug)]
enum RawItem {
    Id(String),
    Other(&'static str),
}

/// The top-level mapping, entries in order with duplicates.
struct EntriesSeed;

impl<'de> DeserializeSeed<'de> for EntriesSeed {
    type Value = Vec<(String, RawValue)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(EntriesVisitor)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Vec<(String, RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping of package: [ids]")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let RawValueDe(value) = map.next_value()?;
            out.push((key, value));
        }
        Ok(out)
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

struct RawValueDe(RawValue);

impl<'de> de::Deserialize<'de> for RawValueDe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor).map(RawValueDe)
    }
}

/// Accepts anything, saying what it was when it is not a list.
struct ValueVisitor;

macro_rules! describe_scalars {
    ($out:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Self::Value, E> {
            Ok($out("a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok($out("nothing"))
        }
        fn visit_none<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok($out("nothing"))
        }
        fn visit_map<A: MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($out("a mapping"))
        }
    };
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of ids")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(RawItemDe(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(RawValue::List(items))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<RawValue, E> {
        Ok(RawValue::Other("a string"))
    }

    describe_scalars!(RawValue::Other);
}

struct RawItemDe(RawItem);

impl<'de> de::Deserialize<'de> for RawItemDe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(ItemVisitor).map(RawItemDe)
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = RawItem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<RawItem, E> {
        Ok(RawItem::Id(s.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<RawItem, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RawItem::Other("a list"))
    }

    describe_scalars!(RawItem::Other);
}

/// A top-level key found by scanning the text: its line, the comments above it and the
/// lines of its `- item`s.
#[derive(Debug)]
struct KeyLine {
    line: usize,
    comments: Vec<String>,
    items: Vec<usize>,
}

/// The unindented `key:` lines of a block mapping, by key, in order. serde_yaml_ng
/// gives no positions, so lines come from here; keys spelt in ways this does not
/// follow (flow mappings, multi-line keys) simply get no line.
fn scan_keys(text: &str) -> HashMap<String, Vec<KeyLine>> {
    let mut out: HashMap<String, Vec<KeyLine>> = HashMap::new();
    let mut comments = Vec::new();
    // The key whose block the following lines are in.
    let mut current: Option<(String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.strip_prefix(' ').unwrap_or(comment);
            comments.push(comment.trim_end().to_string());
            continue;
        }
        let taken = std::mem::take(&mut comments);
        let item = line.trim_start_matches([' ', '\t']);
        if item == "-" || item.starts_with("- ") {
            if let Some((key, nth)) = &current
                && let Some(k) = out.get_mut(key).and_then(|v| v.get_mut(*nth))
            {
                k.items.push(i + 1);
            }
            continue;
        }
        if line.starts_with(|c: char| c.is_whitespace() || "?%.".contains(c)) {
            continue;
        }
        current = None;
        if let Some(key) = key_of(line) {
            let lines = out.entry(key.clone()).or_default();
            current = Some((key, lines.len()));
            lines.push(KeyLine {
                line: i + 1,
                comments: taken,
                items: Vec::new(),
            });
        }
    }
    out
}

/// The key of a `key: …` line: plain, `'quoted'` or `"quoted"`.
fn key_of(line: &str) -> Option<String> {
    let (key, rest) = if let Some(rest) = line.strip_prefix('\'') {
        let mut key = String::new();
        let mut chars = rest.char_indices().peekable();
        loop {
            let (i, c) = chars.next()?;
            if c == '\'' {
                if chars.peek().is_some_and(|&(_, n)| n == '\'') {
                    chars.next();
                    key.push('\'');
                    continue;
                }
                break (key, &rest[i + 1..]);
            }
            key.push(c);
        }
    } else if let Some(rest) = line.strip_prefix('"') {
        double_quoted(rest)?
    } else {
        let colon = line
            .match_indices(':')
            .map(|(i, _)| i)
            .find(|&i| line[i + 1..].is_empty() || line[i + 1..].starts_with([' ', '\t']))?;
        return Some(line[..colon].trim_end().to_string());
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.starts_with(':').then_some(key)
}

/// The text of a double-quoted YAML scalar that starts `rest` (after its opening
/// quote), and what follows its closing quote.
fn double_quoted(rest: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = rest.char_indices();
    loop {
        let (i, c) = chars.next()?;
        match c {
            '"' => return Some((out, &rest[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                let hex = |n: usize, chars: &mut std::str::CharIndices<'_>| {
                    let digits: String = chars.by_ref().take(n).map(|(_, c)| c).collect();
                    u32::from_str_radix(&digits, 16)
                        .ok()
                        .and_then(char::from_u32)
                };
                out.push(match e {
                    '0' => '\0',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    't' | '\t' => '\t',
                    'n' => '\n',
                    'v' => '\u{b}',
                    'f' => '\u{c}',
                    'r' => '\r',
                    'e' => '\u{1b}',
                    ' ' => ' ',
                    '"' => '"',
                    '/' => '/',
                    '\\' => '\\',
                    'N' => '\u{85}',
                    '_' => '\u{a0}',
                    'L' => '\u{2028}',
                    'P' => '\u{2029}',
                    'x' => hex(2, &mut chars)?,
                    'u' => hex(4, &mut chars)?,
                    'U' => hex(8, &mut chars)?,
                    _ => return None,
                });
            }
            c => out.push(c),
        }
    }
}

/// Checks the entries and builds the rejections.
fn build(
    entries: Vec<(String, RawValue)>,
    keys: &HashMap<String, Vec<KeyLine>>,
) -> Parsed<Rejections> {
    let mut out = Rejections::new();
    let mut diags = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (name, value) in entries {
        let nth = seen.entry(name.clone()).or_insert(0);
        let key_line = keys.get(&name).and_then(|v| v.get(*nth));
        let first_line = keys.get(&name).and_then(|v| v.first()).map(|k| k.line);
        *nth += 1;
        let line = key_line.map(|k| k.line);
        let diag = |kind, message: String| {
            let d = Diagnostic::new(kind, message).in_package(&name);
            match line {
                Some(line) => d.at_line(line),
                None => d,
            }
        };
        let items = match value {
            RawValue::List(items) => items,
            RawValue::Other(what) => {
                diags.push(diag(
                    ErrorKind::Yaml,
                    format!("expected a list of ids, found {what}; skipped"),
                ));
                continue;
            }
        };
        let duplicate = out.packages.contains_key(&name);
        if duplicate {
            let message = match first_line {
                Some(first) if Some(first) != line => {
                    format!("package listed twice (first on line {first}); ids merged")
                }
                _ => "package listed twice; ids merged".to_string(),
            };
            diags.push(diag(ErrorKind::Syntax, message));
        }
        let rejection = out.packages.entry(name.clone()).or_default();
        if !duplicate && let Some(k) = key_line {
            rejection.rationale = k.comments.clone();
        }
        // Item lines are known when the scan found exactly one `- ` line per item.
        let item_lines = key_line
            .map(|k| &k.items)
            .filter(|lines| lines.len() == items.len());
        for (i, item) in items.into_iter().enumerate() {
            let item_line = item_lines.and_then(|l| l.get(i).copied()).or(line);
            let diag = |kind, message: String| {
                let d = Diagnostic::new(kind, message).in_package(&name);
                match item_line {
                    Some(line) => d.at_line(line),
                    None => d,
                }
            };
            let id = match item {
                RawItem::Id(id) => SecfixId::new(id),
                RawItem::Other(what) => {
                    diags.push(diag(
                        ErrorKind::Yaml,
                        format!("item {} is {what}, not an id; skipped", i + 1),
                    ));
                    continue;
                }
            };
            if let Some(problem) = id.problem() {
                diags.push(diag(ErrorKind::Syntax, problem));
            }
            if rejection.ids.contains(&id) {
                diags.push(diag(ErrorKind::Syntax, format!("`{id}` listed twice")));
                continue;
            }
            rejection.ids.push(id);
        }
    }
    Parsed {
        value: out,
        diagnostics: diags,
    }
}

// --- writing -------------------------------------------------------------------------

/// `lines` (each split at line breaks) as `# ` comment lines, `#` for an empty one.
fn push_comments(out: &mut String, lines: &[String]) {
    for line in lines.iter().flat_map(|l| l.split('\n')) {
        let line = comment_text(line);
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(&line);
            out.push('\n');
        }
    }
}

/// A comment line without characters YAML does not allow in comments or reads as
/// line breaks.
fn comment_text(line: &str) -> String {
    line.chars()
        .map(|c| {
            if (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// `s` as a YAML scalar: plain when that reads back as the same string in any YAML
/// reader, double-quoted otherwise.
fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Letters, digits and `._+/()-` with single inner spaces, starting with a letter or
/// digit, and not something YAML reads as a number, boolean or null.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !first.is_ascii_alphanumeric() || s.ends_with(' ') || s.contains("  ") {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._+/()- ".contains(c))
    {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let reserved = ["null", "true", "false", "yes", "no", "on", "off", "y", "n"];
    if reserved.contains(&lower.as_str()) {
        return false;
    }
    // Numbers in any YAML version: digits with `.`, `_`, `+`, `-`, exponents, 0x/0o/0b.
    let numeric = s
        .chars()
        .all(|c| c.is_ascii_digit() || "._+-eE".contains(c))
        || lower.starts_with("0x")
        || lower.starts_with("0o")
        || lower.starts_with("0b");
    !numeric
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SAMPLE: &str = "\
# Only the Windows build is affected.
# See upstream advisory.
openssl:
  - CVE-2020-0001
  - CVE-2020-0002
zlib: []

# unattached
busybox:
  - CVE-2021-0003
";

    #[test]
    fn reads_and_writes_back() {
        let parsed = from_yaml(SAMPLE).unwrap();
        assert!(parsed.is_clean(), "{:?}", parsed.diagnostics);
        let r = &parsed.value;
        assert_eq!(r.packages.len(), 3);
        assert_eq!(
            r.packages["openssl"].rationale,
            [
                "Only the Windows build is affected.",
                "See upstream advisory."
            ]
        );
        assert!(r.packages["zlib"].ids.is_empty());
        assert_eq!(r.packages["busybox"].rationale, ["unattached"]);
        assert!(r.is_rejected("openssl", "CVE-2020-0002"));
        assert!(!r.is_rejected("zlib", "CVE-2020-0002"));
        let written = to_yaml(r);
        assert_eq!(written, SAMPLE.replace("\n\n", "\n"));
        assert_eq!(from_yaml(&written).unwrap().value, *r);
    }

    #[test]
    fn header_is_not_a_rationale() {
        let header = [
            "main.yaml".to_string(),
            String::new(),
            "line\nbreak".to_string(),
        ];
        let empty = to_yaml_with_header(&header, &Rejections::new());
        assert_eq!(empty, "# main.yaml\n#\n# line\n# break\n\n{}\n");
        assert!(from_yaml(&empty).unwrap().value.packages.is_empty());
        let r = from_yaml(SAMPLE).unwrap().value;
        let written = to_yaml_with_header(&header, &r);
        assert_eq!(from_yaml(&written).unwrap().value, r);
        assert_eq!(to_yaml_with_header(&[], &r), to_yaml(&r));
        assert_eq!(to_yaml_with_header(&[], &Rejections::new()), "{}\n");
    }

    #[test]
    fn blank_line_detaches_a_comment() {
        let parsed = from_yaml("# header\n\na:\n  - CVE-2020-0001\n").unwrap();
        assert!(parsed.value.packages["a"].rationale.is_empty());
    }

    #[test]
    fn problems_have_lines() {
        let text = "\
a:
  - CVE-2020-0001
b: CVE-2020-0002
c:
d:
  - CVE-2020-0003
  - [x]
  - CVE-2020-0003
  - 12
a:
  - CVE-2020-0004
  - CVE_2020-5
";
        let parsed = from_yaml(text).unwrap();
        let shown: Vec<_> = parsed.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            shown,
            [
                "line 3: b: expected a list of ids, found a string; skipped",
                "line 4: c: expected a list of ids, found nothing; skipped",
                "line 7: d: item 2 is a list, not an id; skipped",
                "line 8: d: `CVE-2020-0003` listed twice",
                "line 9: d: item 4 is a number, not an id; skipped",
                "line 10: a: package listed twice (first on line 1); ids merged",
                "line 12: a: `CVE_2020-5` is not a well-formed CVE id (CVE-YYYY-NNNN)",
            ]
        );
        let a = &parsed.value.packages["a"];
        assert_eq!(a.ids.len(), 3);
        assert!(!parsed.value.packages.contains_key("b"));
    }

    #[test]
    fn other_spellings_and_errors() {
        let flow = from_yaml("{a: [CVE-2020-0001], 'b': [\"CVE-2020-0002\"]}").unwrap();
        assert!(flow.is_clean());
        assert_eq!(flow.value.packages.len(), 2);
        assert!(from_yaml("").unwrap().value.packages.is_empty());
        assert!(from_yaml("---\n").unwrap().value.packages.is_empty());
        let err = from_yaml("- a\n- b\n").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Yaml);
        let err = from_yaml("a:\n  - [\n").unwrap_err();
        assert!(err.location().line.is_some(), "{err}");
        let quoted = from_yaml("\"x\": [a]\n'y''z':\n  - b\n").unwrap();
        assert!(quoted.is_clean());
        assert_eq!(
            quoted.value.packages.keys().collect::<Vec<_>>(),
            ["x", "y'z"]
        );
    }

    #[test]
    fn quoting() {
        for s in [
            "openssl",
            "py3-foo",
            "CVE-2020-0001",
            "gtk+3.0",
            "CVE-2017-2616 (+ regression fix)",
        ] {
            assert_eq!(scalar(s), s);
        }
        for s in [
            "", "0", "1.2", "yes", "No", "null", "a: b", "# x", "-x", " x", "x ", "é", "a\nb",
            "0x1f", "1e5",
        ] {
            let mut r = Rejections::new();
            r.packages.insert(
                s.to_string(),
                Rejection {
                    ids: vec![SecfixId::new(s)],
                    rationale: vec![format!("why {s}")],
                },
            );
            let text = to_yaml(&r);
            let back = from_yaml(&text).unwrap();
            assert_eq!(
                back.value.packages.keys().collect::<Vec<_>>(),
                [s],
                "{text}"
            );
            assert_eq!(back.value.packages[s].ids, r.packages[s].ids, "{text}");
        }
    }
}
