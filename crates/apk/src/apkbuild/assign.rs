//! Plain variable assignments (`pkgver=1.2.3`), read as the shell would read them
//! when no expansion is involved, and marked unresolved when one is.
//!
//! Only unindented lines count (assignments inside functions or `if` blocks are
//! indented in aports), and the last one wins, as it would when the shell runs the
//! file top to bottom. A value is resolved when it is made only of plain characters and
//! quoted text without `$` or backquotes; anything that would need the shell
//! (`$pkgver`, `${_ver%.*}`, `$(cmd)`, a leading `~`, a line continuation, text after
//! the value other than a comment or `;`) leaves it unresolved, with the text kept.

/// A variable assigned in an APKBUILD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    /// The 1-based line of the assignment.
    pub line: usize,
    /// The text after `=`, as written (without a trailing comment's whitespace).
    pub raw: String,
    /// The value, when it needs no shell expansion; `None` when it does.
    pub value: Option<String>,
}

impl Var {
    /// The value if it is a plain literal.
    pub fn literal(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

/// The last unindented assignment to `name` in `text`.
pub(super) fn find(text: &str, name: &str) -> Option<Var> {
    let mut found = None;
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix(name).and_then(|r| r.strip_prefix('=')) else {
            continue;
        };
        found = Some(Var {
            line: i + 1,
            raw: rest.trim_end().to_string(),
            value: literal(rest),
        });
    }
    found
}

/// The value of the shell word at the start of `s`, if it needs no expansion.
fn literal(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.char_indices().peekable();
    if s.starts_with('~') {
        return None;
    }
    let mut end = s.len();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' | ';' | '&' | '|' | '<' | '>' | '(' | ')' => {
                end = i;
                break;
            }
            '$' | '`' => return None,
            '\\' => out.push(chars.next()?.1),
            '\'' => loop {
                match chars.next()? {
                    (_, '\'') => break,
                    (_, c) => out.push(c),
                }
            },
            '"' => loop {
                match chars.next()? {
                    (_, '"') => break,
                    (_, '$' | '`') => return None,
                    (_, '\\') => match chars.next()? {
                        (_, c @ ('$' | '`' | '"' | '\\')) => out.push(c),
                        (_, c) => {
                            out.push('\\');
                            out.push(c);
                        }
                    },
                    (_, c) => out.push(c),
                }
            },
            c => out.push(c),
        }
    }
    // After the word: nothing, a comment, or the next command after `;`.
    let after = s[end..].trim_start_matches([' ', '\t']);
    if after.is_empty() || after.starts_with('#') || after.starts_with(';') {
        Some(out)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_quoted_values() {
        for (text, value) in [
            ("1.2.3", Some("1.2.3")),
            ("\"1.2.3\"", Some("1.2.3")),
            ("'1.2.3'", Some("1.2.3")),
            ("1.2.3 # comment", Some("1.2.3")),
            ("1.2.3; x=1", Some("1.2.3")),
            ("\"a b\"", Some("a b")),
            ("a\\ b", Some("a b")),
            ("\"a\\$b\"", Some("a$b")),
            ("'$x'", Some("$x")),
            ("1.0\"_p1\"", Some("1.0_p1")),
            ("", Some("")),
            ("#x", Some("#x")),
            ("$_pkgver", None),
            ("${pkgver%.*}", None),
            ("\"$(date)\"", None),
            ("`date`", None),
            ("~/x", None),
            ("\"unterminated", None),
            ("'unterminated", None),
            ("1.0 make", None),
            ("a\\", None),
        ] {
            assert_eq!(literal(text).as_deref(), value, "{text:?}");
        }
    }

    #[test]
    fn last_unindented_assignment_wins() {
        let text =
            "pkgver=1.0\n\tpkgver=9.9\npkgver=\"2.0\" # bumped\nsubpackages=\"$pkgname-doc\"\n";
        let v = find(text, "pkgver").unwrap_or_else(|| unreachable!());
        assert_eq!(v.line, 3);
        assert_eq!(v.raw, "\"2.0\" # bumped");
        assert_eq!(v.literal(), Some("2.0"));
        assert_eq!(find(text, "pkgrel"), None);
        assert_eq!(find("pkgname2=x\n", "pkgname"), None);
        let openssl = find("pkgver=3.0.5\n_abiver=${pkgver%.*.*}\n", "_abiver")
            .unwrap_or_else(|| unreachable!());
        assert_eq!(openssl.literal(), None);
        assert_eq!(openssl.raw, "${pkgver%.*.*}");
    }
}
