//! Lines and key paths for configuration errors.
//!
//! Every error names the file, the 1-based line and the key (`branch[2].repos`, with
//! 1-based indices into arrays of tables). Semantic checks know their key and carry the
//! byte span of the value; errors from the TOML parser and from serde carry only a span,
//! so the key is found by walking toml's spanned document tree to the innermost key or
//! value that contains it.

use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::{Error, ErrorKind};

/// The 1-based line of a byte offset into `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()
        .get(..end)
        .map_or(0, |head| head.iter().filter(|&&b| b == b'\n').count())
        + 1
}

/// Builds errors that point into one configuration file.
pub(crate) struct Locator<'a> {
    pub(crate) text: &'a str,
    pub(crate) path: &'a Path,
}

impl Locator<'_> {
    /// An [`ErrorKind::Config`] error at the start of `span`, for `key`.
    pub(crate) fn error(&self, span: Range<usize>, key: &str, message: impl Into<String>) -> Error {
        let mut err = Error::new(ErrorKind::Config, message)
            .in_file(self.path)
            .at_line(line_of(self.text, span.start));
        if !key.is_empty() {
            err = err.in_field(key);
        }
        err
    }

    /// Turns a TOML syntax or shape error into a configuration error with line and key.
    pub(crate) fn toml_error(&self, err: &toml::de::Error) -> Error {
        let message = err.message().trim_end().replace('\n', " ");
        match err.span() {
            Some(span) => {
                // A syntax error still leaves a partial document to find the key in.
                let (doc, _) = DeTable::parse_recoverable(self.text);
                let key = key_at(doc.get_ref(), span.start).unwrap_or_default();
                self.error(span, &key, message)
            }
            None => Error::new(ErrorKind::Config, message).in_file(self.path),
        }
    }
}

/// The dotted key path of the innermost key or value containing `offset`.
fn key_at(table: &DeTable<'_>, offset: usize) -> Option<String> {
    for (key, value) in table.iter() {
        let name = key.get_ref().to_string();
        if let Some(inner) = in_value(value, offset) {
            return Some(join(&name, &inner));
        }
        if contains(key, offset) || contains(value, offset) {
            return Some(name);
        }
    }
    None
}

/// The path below `value` containing `offset` ("" for the value itself), if any.
fn in_value(value: &Spanned<DeValue<'_>>, offset: usize) -> Option<String> {
    match value.get_ref() {
        DeValue::Table(table) => key_at(table, offset),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let index = format!("[{}]", i + 1);
            match in_value(item, offset) {
                Some(inner) if inner.is_empty() || inner.starts_with('[') => {
                    Some(format!("{index}{inner}"))
                }
                Some(inner) => Some(format!("{index}.{inner}")),
                None if contains(item, offset) => Some(index),
                None => None,
            }
        }),
        _ => None,
    }
}

fn join(name: &str, inner: &str) -> String {
    if inner.is_empty() || inner.starts_with('[') {
        format!("{name}{inner}")
    } else {
        format!("{name}.{inner}")
    }
}

fn contains<T>(spanned: &Spanned<T>, offset: usize) -> bool {
    let span = spanned.span();
    span.start <= offset && offset < span.end.max(span.start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }

    #[test]
    fn key_paths_index_arrays_of_tables_from_one() {
        let text = "[a]\nb = 1\n[[c]]\nd = 2\n[[c]]\nd = [1, 2]\n";
        let doc = DeTable::parse(text).ok();
        let doc = doc.as_ref().map(|d| d.get_ref());
        let at = |needle: &str| {
            let offset = text.rfind(needle).unwrap_or(0);
            doc.and_then(|d| key_at(d, offset))
        };
        assert_eq!(at("b =").as_deref(), Some("a.b"));
        assert_eq!(at("2]").as_deref(), Some("c[2].d[2]"));
    }
}
