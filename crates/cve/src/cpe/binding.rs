//! The CPE 2.3 formatted string binding (NISTIR 7695 §6.2): parsing and printing.
//!
//! Parsing is strict: exactly eleven attributes after `cpe:2.3:`; an empty attribute, an
//! unquoted character other than letters, digits, `_`, `.` and `-`, a quoted letter or digit,
//! a trailing `\`, a non-ASCII character or a wildcard anywhere but the ends of a value is an
//! error that names the attribute. Letters are lowercased. Printing quotes every character
//! other than letters, digits, `_`, `.` and `-` (and a lone literal `-`, which would read as
//! NA), so parse → print is the identity on canonical strings.

use std::fmt;

use secfixes_apk::{Error, ErrorKind, Result};

use super::{Attribute, Cpe, Text, Value, Wildcard};

const PREFIX: &str = "cpe:2.3:";

fn syntax(input: &str, attribute: Option<Attribute>, why: &str) -> Error {
    let place = if input.is_empty() {
        String::new()
    } else {
        format!(" in `{input}`")
    };
    let message = match attribute {
        Some(a) => format!("{a}: {why}{place}"),
        None => format!("{why}{place}"),
    };
    Error::new(ErrorKind::Syntax, message).in_field("cpe")
}

/// Parses a CPE 2.3 formatted string.
pub fn parse(input: &str) -> Result<Cpe> {
    let Some(rest) = input
        .get(..PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(PREFIX))
        .and_then(|_| input.get(PREFIX.len()..))
    else {
        return Err(syntax(input, None, "a CPE 2.3 name starts with `cpe:2.3:`"));
    };
    let fields = split(rest);
    if fields.len() != 11 {
        return Err(syntax(
            input,
            None,
            &format!(
                "expected 11 attributes after `cpe:2.3:` (13 colon-separated components), found {}",
                fields.len()
            ),
        ));
    }
    let mut values: [Value; 11] = Default::default();
    for ((slot, field), attribute) in values.iter_mut().zip(&fields).zip(Attribute::ALL) {
        *slot = parse_value(field).map_err(|why| syntax(input, Some(attribute), &why))?;
    }
    check_part(&values[0], input)?;
    Ok(Cpe { values })
}

/// The part must be `a`, `o`, `h` or ANY.
pub(crate) fn check_part(part: &Value, input: &str) -> Result<()> {
    match part {
        Value::Any => Ok(()),
        Value::Text(t) if !t.has_wildcards() && matches!(t.body.as_str(), "a" | "o" | "h") => {
            Ok(())
        }
        _ => Err(syntax(
            input,
            Some(Attribute::Part),
            "must be `a` (application), `o` (operating system), `h` (hardware) or `*`",
        )),
    }
}

/// Checks a value built in code as [`parse_value`] would: ASCII letters (lowercase), digits
/// and punctuation in the body, no `?` run of length 0, and an empty body only after a `?` run.
pub(crate) fn check_value(value: &Value) -> std::result::Result<(), String> {
    let Value::Text(t) = value else {
        return Ok(());
    };
    if let Some(c) = t
        .body
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c.is_ascii_punctuation()))
    {
        return Err(format!("illegal character {c:?}"));
    }
    if [t.lead, t.trail].contains(&Some(Wildcard::Questions(0))) {
        return Err("an empty `?` run".into());
    }
    if t.body.is_empty() && !(matches!(t.lead, Some(Wildcard::Questions(_))) && t.trail.is_none()) {
        return Err("empty value".into());
    }
    Ok(())
}

/// Splits on the colons that are not quoted by a backslash.
fn split(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        if escaped {
            escaped = false;
        } else if b == b'\\' {
            escaped = true;
        } else if b == b':' {
            out.push(s.get(start..i).unwrap_or(""));
            start = i + 1;
        }
    }
    out.push(s.get(start..).unwrap_or(""));
    out
}

enum Token {
    Literal(char),
    Star,
    Question,
}

/// Parses one attribute's bound value; the error says why, the caller says where.
pub fn parse_value(field: &str) -> std::result::Result<Value, String> {
    match field {
        "" => return Err("empty value (use `*` for ANY or `-` for NA)".into()),
        "*" => return Ok(Value::Any),
        "-" => return Ok(Value::Na),
        _ => {}
    }
    let mut tokens = Vec::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        let token = match c {
            '\\' => match chars.next() {
                None => return Err("a `\\` at the end quotes nothing".into()),
                Some(q) if q.is_ascii_punctuation() => Token::Literal(q),
                Some(q) if q.is_ascii_alphanumeric() => {
                    return Err(format!("`\\{q}`: letters and digits are never quoted"));
                }
                Some(q) => return Err(format!("illegal character {q:?} after `\\`")),
            },
            '*' => Token::Star,
            '?' => Token::Question,
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') => {
                Token::Literal(c.to_ascii_lowercase())
            }
            c if c.is_ascii_punctuation() => {
                return Err(format!("the character `{c}` must be quoted as `\\{c}`"));
            }
            c => return Err(format!("illegal character {c:?}")),
        };
        tokens.push(token);
    }
    let first_literal = tokens.iter().position(|t| matches!(t, Token::Literal(_)));
    let Some(first) = first_literal else {
        // Only wildcards: a single run of `?` (a lone `*` is ANY).
        let lead = wildcard_run(&tokens)?;
        return Ok(Value::Text(Text {
            lead: Some(lead),
            body: String::new(),
            trail: None,
        }));
    };
    let last = tokens
        .iter()
        .rposition(|t| matches!(t, Token::Literal(_)))
        .unwrap_or(first);
    let (head, rest) = tokens.split_at(first);
    let (middle, tail) = rest.split_at(last + 1 - first);
    let mut body = String::with_capacity(middle.len());
    for t in middle {
        match t {
            Token::Literal(c) => body.push(*c),
            Token::Star | Token::Question => {
                return Err(
                    "an unquoted `*` or `?` may only stand at the start or end of a value".into(),
                );
            }
        }
    }
    let lead = if head.is_empty() {
        None
    } else {
        Some(wildcard_run(head)?)
    };
    let trail = if tail.is_empty() {
        None
    } else {
        Some(wildcard_run(tail)?)
    };
    Ok(Value::Text(Text { lead, body, trail }))
}

/// A run of wildcards is one `*` or one or more `?`.
fn wildcard_run(tokens: &[Token]) -> std::result::Result<Wildcard, String> {
    match tokens {
        [Token::Star] => Ok(Wildcard::Star),
        _ if tokens.iter().all(|t| matches!(t, Token::Question)) => {
            Ok(Wildcard::Questions(tokens.len()))
        }
        _ => Err("a wildcard run is a single `*` or one or more `?`".into()),
    }
}

/// Writes a value as bound in a formatted string.
pub fn write_value(f: &mut dyn fmt::Write, value: &Value) -> fmt::Result {
    match value {
        Value::Any => f.write_str("*"),
        Value::Na => f.write_str("-"),
        Value::Text(t) => {
            write_wildcard(f, t.lead)?;
            if t.body == "-" && !t.has_wildcards() {
                f.write_str("\\-")?;
            } else {
                for c in t.body.chars() {
                    if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
                        f.write_char('\\')?;
                    }
                    f.write_char(c)?;
                }
            }
            write_wildcard(f, t.trail)
        }
    }
}

fn write_wildcard(f: &mut dyn fmt::Write, w: Option<Wildcard>) -> fmt::Result {
    match w {
        None => Ok(()),
        Some(Wildcard::Star) => f.write_char('*'),
        Some(Wildcard::Questions(n)) => (0..n).try_for_each(|_| f.write_char('?')),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_and_accessors() {
        let s = "cpe:2.3:a:nodejs:node.js:14.0.0:*:*:*:*:node.js:*:*";
        let c = parse(s).unwrap();
        assert_eq!(c.to_string(), s);
        assert_eq!(c.product(), Some("node.js"));
        assert_eq!(c.target_sw(), Some("node.js"));
        assert_eq!(c.update(), None);
        let c = parse(r"cpe:2.3:a:gnu:g\+\+:1.0\:1:*:*:*:*:*:*:*").unwrap();
        assert_eq!(c.product(), Some("g++"));
        assert_eq!(c.version(), Some("1.0:1"));
        assert_eq!(c.to_string(), r"cpe:2.3:a:gnu:g\+\+:1.0\:1:*:*:*:*:*:*:*");
    }

    #[test]
    fn errors_name_the_attribute() {
        let e = parse("cpe:2.3:x:a:b:*:*:*:*:*:*:*:*").unwrap_err();
        assert!(e.to_string().contains("part"), "{e}");
        let e = parse("cpe:2.3:a:a:b:1.*.2:*:*:*:*:*:*:*").unwrap_err();
        assert!(e.to_string().contains("version"), "{e}");
        let e = parse("cpe:2.3:a:a:b:*:*:*:*:*:*:*").unwrap_err();
        assert!(e.to_string().contains("found 10"), "{e}");
        let e = parse("cpe:2.3:a:a+b:b:*:*:*:*:*:*:*:*").unwrap_err();
        assert!(e.to_string().contains("vendor"), "{e}");
        assert!(parse("cpe:/a:a:b").is_err());
        assert!(parse("cpe:2.3:a:a:b:*:*:*:*:*:*:*:\\").is_err());
        assert!(parse("cpe:2.3:a:a:b::*:*:*:*:*:*:*").is_err());
    }

    #[test]
    fn wildcards_and_na() {
        let c = parse("cpe:2.3:a:*:foo*:?1.?:-:\\-:*:*:*:*:*").unwrap();
        assert_eq!(c.to_string(), "cpe:2.3:a:*:foo*:?1.?:-:\\-:*:*:*:*:*");
        assert_eq!(c.get(Attribute::Update), &Value::Na);
        assert_eq!(c.edition(), Some("-"));
        assert!(parse("cpe:2.3:a:*:*?foo:*:*:*:*:*:*:*:*").is_err());
    }
}
