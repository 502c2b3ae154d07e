//! The `# secfixes:` comment block, read by the rules of abuild and of the secdb
//! generator, without running anything.
//!
//! ```text
//! # secfixes:
//! #   1.29.3-r10:
//! #     - CVE-2018-20679
//! #   0:
//! #     - CVE-2021-22897
//! ```
//!
//! What the tools do:
//! - abuild (`check_secfixes_comment`) takes the lines from `^# secfixes:` up to the
//!   first line that does not start with `#` or is empty, and rejects any line that is
//!   not `# secfixes:`, `#`, a version line `#   N…:` or an id line `#  - ID`, and tabs.
//! - The secdb generator (alpine-secdb's `secfixes.lua`) takes the lines from
//!   `^# secfixes` while they start with `#`, turns `# ` into indentation and reads the
//!   result as YAML; so the indentation of versions and ids may vary (libxml2 puts the
//!   ids at the same depth as the versions, which YAML allows), and a line starting `#`
//!   without a space becomes a YAML comment.
//!
//! This reader follows them: the block starts at the first line beginning with
//! `# secfixes:` and ends at the first line that does not begin with `#` (an empty line
//! included). Inside it, a line is a version (`…:`), an id (`- …`), or blank. Everything
//! else is reported with its line number and skipped, and the block goes on, so that
//! one bad line does not hide the fixes after it:
//! - a `#`-line without a space after `#` (a YAML comment to the generator, an error to
//!   abuild), and any other junk;
//! - an id before the first version (YAML would make `secfixes` a list, which the
//!   generator's check rejects);
//! - a version that apk-tools 3 rejects: reported and *kept* as
//!   [`FixVersion::Invalid`], as it would be in secdb;
//! - a version listed twice (its ids are merged), a version with no ids, an id that
//!   looks like a CVE id but is not well-formed, tabs, indentation that YAML would
//!   reject;
//! - a second `# secfixes:` block, which is ignored (the generator stops at the first).

use crate::diagnostic::{Diagnostic, Parsed};
use crate::error::ErrorKind;
use crate::secdb::{FixVersion, SecfixId, Secfixes};

/// The line that starts a secfixes block.
const HEADER: &str = "# secfixes:";

/// The block's contents and the line it starts on.
#[derive(Debug, Default)]
pub(super) struct Block {
    pub secfixes: Secfixes,
    pub line: Option<usize>,
}

/// Reads the first secfixes block of `text`.
pub(super) fn parse(text: &str) -> Parsed<Block> {
    let mut reader = Reader::default();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    for (n, line) in lines.by_ref() {
        if let Some(rest) = line.strip_prefix(HEADER) {
            reader.header(n, rest);
            break;
        }
        if looks_like_header(line) {
            reader.report(
                Diagnostic::new(
                    ErrorKind::Syntax,
                    format!(
                        "`{}` is not read as a secfixes block: abuild wants exactly `{HEADER}`",
                        line.trim_end()
                    ),
                )
                .at_line(n),
            );
        }
    }
    if reader.block.line.is_some() {
        for (n, line) in lines.by_ref() {
            let Some(body) = line.strip_prefix('#') else {
                break;
            };
            reader.line(n, body);
        }
        reader.finish_version();
        for (n, line) in lines {
            if line.starts_with(HEADER) {
                reader.report(
                    Diagnostic::new(
                        ErrorKind::Syntax,
                        "a second `# secfixes:` block is ignored (only the first one is read)",
                    )
                    .at_line(n),
                );
            }
        }
    }
    // A version's "no ids" is only known when the next line is read.
    reader.diagnostics.sort_by_key(|d| d.line);
    Parsed {
        value: reader.block,
        diagnostics: reader.diagnostics,
    }
}

/// `#secfixes:`, `# Secfixes`, `#  secfixes:`: meant as a block but not one.
fn looks_like_header(line: &str) -> bool {
    let Some(body) = line.strip_prefix('#') else {
        return false;
    };
    let word = body.trim_start().trim_end();
    let word = word.strip_suffix(':').unwrap_or(word).trim_end();
    word.eq_ignore_ascii_case("secfixes")
}

#[derive(Debug, Default)]
struct Reader {
    block: Block,
    diagnostics: Vec<Diagnostic>,
    /// The version the next ids belong to, its line and indentation.
    current: Option<Current>,
    /// The indentation of the first version line.
    version_indent: Option<usize>,
}

#[derive(Debug)]
struct Current {
    version: FixVersion,
    line: usize,
    indent: usize,
    ids_seen: usize,
}

impl Reader {
    fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn header(&mut self, n: usize, rest: &str) {
        self.block.line = Some(n);
        let rest = strip_comment(rest.trim());
        if !rest.is_empty() {
            self.report(
                Diagnostic::new(
                    ErrorKind::Syntax,
                    format!("text after `{HEADER}` is ignored: `{rest}`"),
                )
                .at_line(n),
            );
        }
    }

    /// One line of the block, without its leading `#`.
    fn line(&mut self, n: usize, body: &str) {
        if body.trim().is_empty() {
            return;
        }
        if !body.starts_with([' ', '\t']) {
            self.report(
                Diagnostic::new(
                    ErrorKind::Syntax,
                    format!("`#{body}` is not a secfixes line (they start with `# `); skipped"),
                )
                .at_line(n),
            );
            return;
        }
        let content = body.trim_start_matches([' ', '\t']);
        let indent = body.len() - content.len();
        if body[..indent].contains('\t') {
            self.report(
                Diagnostic::new(
                    ErrorKind::Syntax,
                    "tab in the secfixes block (abuild rejects tabs)",
                )
                .at_line(n),
            );
        }
        let content = strip_comment(content);
        if content == "-" || content.starts_with("- ") || content.starts_with("-\t") {
            self.id(n, indent, content[1..].trim());
        } else if let Some(key) = content.strip_suffix(':') {
            let key = unquote(key.trim_end());
            if key.is_empty() || key.contains(": ") {
                self.junk(n, content);
            } else {
                self.version(n, indent, key);
            }
        } else {
            self.junk(n, content);
        }
    }

    fn junk(&mut self, n: usize, content: &str) {
        self.report(
            Diagnostic::new(
                ErrorKind::Syntax,
                format!(
                    "`{content}` is neither a version line (`#   1.2.3-r0:`) nor an id line (`#     - CVE-…`); skipped"
                ),
            )
            .at_line(n),
        );
    }

    fn version(&mut self, n: usize, indent: usize, key: &str) {
        self.finish_version();
        let version = FixVersion::parse(key);
        if let Some(problem) = version.problem() {
            self.report(
                Diagnostic::new(ErrorKind::InvalidVersion, problem)
                    .at_line(n)
                    .at_key(key),
            );
        }
        match self.version_indent {
            None => self.version_indent = Some(indent),
            Some(first) if first != indent => self.report(
                Diagnostic::new(
                    ErrorKind::Syntax,
                    "version indented differently from the first one (YAML rejects this)",
                )
                .at_line(n)
                .at_key(key),
            ),
            Some(_) => {}
        }
        if self.block.secfixes.contains_key(&version) {
            self.report(
                Diagnostic::new(
                    ErrorKind::Syntax,
                    "version listed twice; its ids are merged",
                )
                .at_line(n)
                .at_key(key),
            );
        } else {
            self.block.secfixes.insert(version.clone(), Vec::new());
        }
        self.current = Some(Current {
            version,
            line: n,
            indent,
            ids_seen: 0,
        });
    }

    /// Reports the version just ended if it listed no id.
    fn finish_version(&mut self) {
        if let Some(current) = self.current.take()
            && current.ids_seen == 0
        {
            self.report(
                Diagnostic::new(ErrorKind::Syntax, "no ids listed under this version")
                    .at_line(current.line)
                    .at_key(current.version.as_str()),
            );
        }
    }

    fn id(&mut self, n: usize, indent: usize, text: &str) {
        let text = unquote(text);
        let Some(current) = self.current.as_mut() else {
            self.report(
                Diagnostic::new(
                    ErrorKind::Syntax,
                    format!("id `{text}` comes before any version; skipped"),
                )
                .at_line(n),
            );
            return;
        };
        current.ids_seen += 1;
        let key = current.version.as_str().to_string();
        let misplaced = indent < current.indent;
        let version = current.version.clone();
        if misplaced {
            self.report(
                Diagnostic::new(
                    ErrorKind::Syntax,
                    "id indented less than its version (YAML rejects this)",
                )
                .at_line(n)
                .at_key(&key),
            );
        }
        let id = SecfixId::new(text);
        if let Some(problem) = id.problem() {
            self.report(
                Diagnostic::new(ErrorKind::Syntax, problem)
                    .at_line(n)
                    .at_key(&key),
            );
            if id.id().is_empty() {
                return;
            }
        }
        self.block.secfixes.entry(version).or_default().push(id);
    }
}

/// Drops a YAML comment: `#` after whitespace, to the end of the line.
fn strip_comment(s: &str) -> &str {
    let cut = s
        .char_indices()
        .find(|&(i, c)| c == '#' && (i == 0 || s[..i].ends_with([' ', '\t'])))
        .map_or(s.len(), |(i, _)| i);
    s[..cut].trim_end()
}

/// The text inside matching `"…"` or `'…'`, else the text itself.
fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(text: &str) -> (Vec<(String, Vec<String>)>, Vec<String>) {
        let parsed = parse(text);
        let fixes = parsed
            .value
            .secfixes
            .iter()
            .map(|(k, ids)| {
                (
                    k.as_str().to_string(),
                    ids.iter().map(|i| i.as_str().to_string()).collect(),
                )
            })
            .collect();
        let diags = parsed.diagnostics.iter().map(|d| d.to_string()).collect();
        (fixes, diags)
    }

    #[test]
    fn usual_layout() {
        let text = "pkgname=x\n# secfixes:\n#   1.30.1-r2:\n#     - CVE-2019-5747\n#   0:\n#     - CVE-2021-22897\n#     - CVE-2021-22898\n\npkgver=1\n";
        let (fixes, diags) = read(text);
        assert_eq!(
            fixes,
            [
                ("1.30.1-r2".into(), vec!["CVE-2019-5747".into()]),
                (
                    "0".into(),
                    vec!["CVE-2021-22897".into(), "CVE-2021-22898".into()]
                ),
            ]
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(parse(text).value.line, Some(2));
    }

    #[test]
    fn ids_at_the_depth_of_their_version() {
        let (fixes, diags) =
            read("# secfixes:\n#   2.9.8-r1:\n#   - CVE-2018-9251\n#   - CVE-2018-14404\n");
        assert_eq!(fixes[0].1.len(), 2);
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn block_ends_at_the_first_line_without_hash() {
        let (fixes, _) = read(
            "# secfixes:\n#   1.0-r0:\n#     - CVE-2020-0001\n\n#   2.0-r0:\n#     - CVE-2020-0002\n",
        );
        assert_eq!(fixes.len(), 1);
        let (fixes, _) =
            read("# secfixes:\n#   1.0-r0:\n#     - CVE-2020-0001\npkgname=a\n#   2.0-r0:\n");
        assert_eq!(fixes.len(), 1);
    }

    #[test]
    fn blank_comment_lines_and_trailing_comments() {
        let (fixes, diags) = read(
            "# secfixes:\n#\n#   1.0-r0:  # first\n#     - CVE-2020-0001 # fixed upstream\n#   \n#     - \"CVE-2020-0002\"\n",
        );
        assert_eq!(fixes[0].1, ["CVE-2020-0001", "CVE-2020-0002"]);
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn notes_after_ids_are_kept() {
        let (fixes, diags) = read(
            "# secfixes:\n#   4.7.0-r0:\n#     - CVE-2016-6258 XSA-182\n#     - CVE-2018-14468 (FrameRelay)\n",
        );
        assert_eq!(
            fixes[0].1,
            ["CVE-2016-6258 XSA-182", "CVE-2018-14468 (FrameRelay)"]
        );
        assert!(diags.is_empty());
    }

    #[test]
    fn malformed_lines_are_reported_and_skipped() {
        let text = "\
# secfixes:
#     - CVE-2020-0000
#   1.0-r0:
#     - CVE-2020-0001
#junk
#   this is not a line
#   4.10-1-r1:
#     - XSA-252
#   1.0-r0:
#     - CVE_2019-2426
#   2.0-r0:
#   3.0-r0: CVE-2020-0009
#   3.1-r0:
#\t- CVE-2020-0003
";
        let (fixes, diags) = read(text);
        assert_eq!(
            fixes,
            [
                (
                    "1.0-r0".into(),
                    vec!["CVE-2020-0001".into(), "CVE_2019-2426".into()]
                ),
                ("4.10-1-r1".into(), vec!["XSA-252".into()]),
                ("2.0-r0".into(), vec![]),
                ("3.1-r0".into(), vec!["CVE-2020-0003".into()]),
            ]
        );
        assert_eq!(
            diags,
            [
                "line 2: id `CVE-2020-0000` comes before any version; skipped",
                "line 5: `#junk` is not a secfixes line (they start with `# `); skipped",
                "line 6: `this is not a line` is neither a version line (`#   1.2.3-r0:`) nor an id line (`#     - CVE-…`); skipped",
                "line 7: 4.10-1-r1: `4.10-1-r1` is not a valid apk version (invalid from `-1-r1`)",
                "line 9: 1.0-r0: version listed twice; its ids are merged",
                "line 10: 1.0-r0: `CVE_2019-2426` is not a well-formed CVE id (CVE-YYYY-NNNN)",
                "line 11: 2.0-r0: no ids listed under this version",
                "line 12: `3.0-r0: CVE-2020-0009` is neither a version line (`#   1.2.3-r0:`) nor an id line (`#     - CVE-…`); skipped",
                "line 14: tab in the secfixes block (abuild rejects tabs)",
                "line 14: 3.1-r0: id indented less than its version (YAML rejects this)",
            ]
        );
    }

    #[test]
    fn near_misses_and_second_blocks() {
        let (fixes, diags) = read("#secfixes:\n#   1.0-r0:\n#     - CVE-2020-0001\n");
        assert!(fixes.is_empty());
        assert_eq!(diags.len(), 1, "{diags:?}");
        let (fixes, diags) = read(
            "# secfixes:\n#   1.0-r0:\n#     - CVE-2020-0001\n\n# secfixes:\n#   2.0-r0:\n#     - CVE-2020-0002\n",
        );
        assert_eq!(fixes.len(), 1);
        assert_eq!(
            diags,
            ["line 5: a second `# secfixes:` block is ignored (only the first one is read)"]
        );
        let (_, diags) = read("# secfixes: yes\n#   1.0-r0:\n#     - CVE-2020-0001\n");
        assert_eq!(
            diags,
            ["line 1: text after `# secfixes:` is ignored: `yes`"]
        );
    }

    #[test]
    fn no_block() {
        let parsed = parse("pkgname=a\n# Maintainer: x\n");
        assert!(parsed.value.secfixes.is_empty());
        assert_eq!(parsed.value.line, None);
        assert!(parsed.is_clean());
        assert!(parse("").is_clean());
    }

    #[test]
    fn crlf_and_odd_bytes() {
        let (fixes, diags) = read("# secfixes:\r\n#   1.0-r0:\r\n#     - CVE-2020-0001\r\n");
        assert_eq!(fixes[0].1, ["CVE-2020-0001"]);
        assert!(diags.is_empty(), "{diags:?}");
        for text in [
            "# secfixes:\n#-",
            "# secfixes:\n# -",
            "# secfixes:\n# :",
            "# secfixes:\n#   é:\n#  - ü",
            "# secfixes:\n# \"",
            "# secfixes:\n# '':",
        ] {
            let _ = parse(text);
        }
    }
}
