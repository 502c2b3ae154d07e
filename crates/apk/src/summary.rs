//! The name, version, origin and repository tag of every record of an APKINDEX or an
//! installed database, and nothing else: what a client that only compares versions
//! needs (`secfixes audit`), read several times faster than the full parsers of
//! [`crate::apkindex`] and [`crate::installed`] because it builds no package records.
//!
//! The lines are checked as the full parsers check them (`X:value` or blank, the error
//! naming the line); a record must have one `P:` and one `V:`, and an uppercase letter
//! that neither format knows is an error, as in the full parsers. The values of other
//! fields are not checked: use the full parsers to validate a file.

use crate::error::{Error, ErrorKind, Result};
use crate::package::{Lines, field_label};

/// One record, borrowed from the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary<'a> {
    /// `P:`
    pub name: &'a str,
    /// `V:`
    pub version: &'a str,
    /// `o:`, if present.
    pub origin: Option<&'a str>,
    /// `s:`, the repository tag of an installed package, if present.
    pub repository_tag: Option<&'a str>,
    /// The line of the record's first field.
    pub line: usize,
}

impl<'a> Summary<'a> {
    /// The origin, or the name when the record has no `o:` (as apk-tools takes it).
    pub fn origin_or_name(&self) -> &'a str {
        self.origin.unwrap_or(self.name)
    }
}

/// The uppercase letters of the index and the installed database.
const UPPERCASE: &[u8] = b"ACDFILMPRSTUVZ";

/// Reads the records of `text`.
pub fn scan(text: &str) -> Result<Vec<Summary<'_>>> {
    let mut out = Vec::with_capacity(text.len() / 400 + 1);
    let mut current: Option<Partial<'_>> = None;
    for line in Lines::new(text) {
        match line? {
            None => {
                if let Some(done) = current.take() {
                    out.push(done.finish()?);
                }
            }
            Some(field) => {
                let record = current.get_or_insert(Partial {
                    line: field.line,
                    name: None,
                    version: None,
                    origin: None,
                    tag: None,
                });
                let slot = match field.letter {
                    b'P' => &mut record.name,
                    b'V' => &mut record.version,
                    b'o' => &mut record.origin,
                    b's' => &mut record.tag,
                    letter if letter.is_ascii_uppercase() && !UPPERCASE.contains(&letter) => {
                        return Err(Error::new(
                            ErrorKind::Syntax,
                            format!("unknown field `{}:`", char::from(letter)),
                        )
                        .at_line(field.line)
                        .in_field(field_label(letter, record.name)));
                    }
                    _ => continue,
                };
                // Later `s:` lines replace earlier ones; the others may appear once.
                if slot.is_some() && field.letter != b's' {
                    return Err(Error::new(
                        ErrorKind::Syntax,
                        format!("`{}:` given twice in one record", char::from(field.letter)),
                    )
                    .at_line(field.line)
                    .in_field(field_label(field.letter, record.name)));
                }
                *slot = Some(field.value);
            }
        }
    }
    if let Some(done) = current {
        out.push(done.finish()?);
    }
    Ok(out)
}

struct Partial<'a> {
    line: usize,
    name: Option<&'a str>,
    version: Option<&'a str>,
    origin: Option<&'a str>,
    tag: Option<&'a str>,
}

impl<'a> Partial<'a> {
    fn finish(self) -> Result<Summary<'a>> {
        let missing = |letter: u8| {
            Error::new(
                ErrorKind::Syntax,
                format!(
                    "the record starting here has no `{}:` line",
                    char::from(letter)
                ),
            )
            .at_line(self.line)
            .in_field(field_label(letter, self.name))
        };
        let name = self
            .name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| missing(b'P'))?;
        let version = self.version.ok_or_else(|| missing(b'V'))?;
        Ok(Summary {
            name,
            version,
            origin: self.origin.filter(|o| !o.is_empty()),
            repository_tag: self.tag.filter(|t| !t.is_empty()),
            line: self.line,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn records_and_errors() {
        let text =
            "C:Q1x=\nP:busybox\nV:1.0-r0\no:busybox\nF:etc\nR:a\nZ:Q1y=\n\nP:b\nV:2\ns:testing\n";
        let got = scan(text).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].origin_or_name(), "busybox");
        assert_eq!(got[1].origin_or_name(), "b");
        assert_eq!(got[1].repository_tag, Some("testing"));
        assert_eq!(got[1].line, 9);
        let err = scan("P:a\nV:1\nQ:x\n").unwrap_err();
        assert_eq!(err.location().line, Some(3));
        let err = scan("P:a\nV:1\n\nV:2\n").unwrap_err();
        assert_eq!(err.location().line, Some(4));
        assert!(err.to_string().contains("no `P:`"), "{err}");
        let err = scan("P:a\nV:1\nP:b\n").unwrap_err();
        assert_eq!(err.location().line, Some(3));
        assert_eq!(scan("P:a\nwhat\n").unwrap_err().location().line, Some(2));
        assert!(scan("").unwrap().is_empty());
    }
}
