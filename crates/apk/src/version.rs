//! apk version strings, exactly as apk-tools 3 validates and compares them.
//!
//! A version is `digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r#}`:
//!
//! - It starts with a number; more numbers follow after dots (`1.2.3`).
//! - One lowercase letter may follow the numbers (`1.2a`), and nothing but suffixes,
//!   the hash and the revision after it (`1.2a3` is invalid).
//! - Any number of suffixes follow, each `_` then one of `alpha`, `beta`, `pre`, `rc`
//!   (pre-releases: they sort *before* the bare version) or `cvs`, `svn`, `git`, `hg`,
//!   `p` (post-releases: they sort after it), each optionally with a number
//!   (`1.0_rc2_p1`). Any other suffix is invalid.
//! - An optional commit hash `~` followed by lowercase hex digits (`1.0~1a2b`).
//! - An optional revision `-r` followed by a number (`1.0-r3`).
//!
//! Comparison walks both strings token by token. Numbers compare as unsigned 64-bit
//! integers (and wrap on overflow, as apk-tools' parser does), except that a number
//! after a dot that starts with `0` in either version compares as a string
//! (`1.05 < 1.1`, `8.2.0015 < 8.2.002`). When one version runs out of tokens first, the
//! longer one is greater, unless its next token is a pre-release suffix; and when both
//! go on with tokens of different kinds, the one going on with the lower-ranked kind is
//! greater (a number after a dot, then a letter, a suffix, a hash, a revision):
//! `1.0_rc1 < 1.0 < 1.0-r1 < 1.0_p1 < 1.0a < 1.0.1`.
//!
//! The fuzzy match `~` (as in the dependency `foo~1.2`) is "equal on the given
//! prefix": `3.6.9 ~ 3.6` holds, `3.7 ~ 3.6` does not.
//!
//! Invalid versions still compare (apk-tools compares up to the first invalid token,
//! and two versions invalid at the same token kind are "equal"), so [`compare`] gives
//! apk-tools' answer for any input. Use [`Version::parse`] or [`validate`] to reject them.
//!
//! ## Where apk-tools 2.x differs
//!
//! Every vector of apk-tools 2.14 (`version.data.2.14-stable`) still holds here; the
//! vectors 3.x added show where the series part (the tests check both):
//! - after a dot, 2.x ranked a number with leading zeros by the count of its zeros and
//!   then its value; 3.x compares it as a string (`8.2.0 < 8.2.001`, `8.2.0015 < 8.2.002`);
//! - 2.x rejected numbers of 18 or more digits; 3.x accepts them and wraps at 2^64;
//! - 2.x had no `~hash` token (`1.0~1234` was invalid) and no `<~` / `>~` operators;
//! - 2.x accepted digits after the letter (`0.1a1`); 3.x rejects them.
//!
//! The real Alpine data in secdb contains versions such as `5.1p1-r0` that 3.x rejects;
//! callers must report them rather than guess an order.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Result};

/// The kinds of token in a version, in apk-tools' rank order: when two versions differ
/// in the kind of the next token, the *higher* kind belongs to the *smaller* version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNumber,
    CommitHash,
    Revision,
    End,
    Invalid,
}

/// Suffixes in their order; the pre-release ones sort before [`Suffix::None`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Suffix {
    Invalid,
    Alpha,
    Beta,
    Pre,
    Rc,
    None,
    Cvs,
    Svn,
    Git,
    Hg,
    P,
}

impl Suffix {
    fn from_name(name: &[u8]) -> Suffix {
        match name {
            b"alpha" => Suffix::Alpha,
            b"beta" => Suffix::Beta,
            b"pre" => Suffix::Pre,
            b"rc" => Suffix::Rc,
            b"cvs" => Suffix::Cvs,
            b"svn" => Suffix::Svn,
            b"git" => Suffix::Git,
            b"hg" => Suffix::Hg,
            b"p" => Suffix::P,
            _ => Suffix::Invalid,
        }
    }

    fn is_pre_release(self) -> bool {
        self < Suffix::None
    }
}

/// Walks a version string one token at a time.
struct Tokenizer<'a> {
    input: &'a [u8],
    pos: usize,
    token: Token,
    /// Byte range of the current token's text (digits, letter, suffix name or hash).
    start: usize,
    end: usize,
    number: u64,
    suffix: Suffix,
}

impl<'a> Tokenizer<'a> {
    /// Starts at the leading number.
    #[inline]
    fn new(input: &'a [u8]) -> Self {
        let mut t = Tokenizer {
            input,
            pos: 0,
            token: Token::InitialDigit,
            start: 0,
            end: 0,
            number: 0,
            suffix: Suffix::None,
        };
        t.digits();
        t
    }

    #[inline]
    fn text(&self) -> &'a [u8] {
        &self.input[self.start..self.end]
    }

    /// Reads a run of decimal digits as the current token's number. No digits at all
    /// make the version invalid. Like apk-tools, the number wraps on overflow.
    #[inline]
    fn digits(&mut self) {
        self.start = self.pos;
        let mut number: u64 = 0;
        while let Some(&c) = self.input.get(self.pos) {
            if !c.is_ascii_digit() {
                break;
            }
            number = number.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            self.pos += 1;
        }
        self.end = self.pos;
        self.number = number;
        if self.start == self.end {
            self.token = Token::Invalid;
        }
    }

    /// Advances to the next token, checking that it may follow the current one.
    #[inline]
    fn advance(&mut self) {
        let Some(&c) = self.input.get(self.pos) else {
            self.token = Token::End;
            return;
        };
        match c {
            b'a'..=b'z' if self.token <= Token::Digit => {
                self.start = self.pos;
                self.pos += 1;
                self.end = self.pos;
                self.token = Token::Letter;
            }
            b'.' if self.token <= Token::Digit => {
                self.pos += 1;
                self.token = Token::Digit;
                self.digits();
            }
            b'0'..=b'9' => {
                self.token = match self.token {
                    Token::InitialDigit | Token::Digit => Token::Digit,
                    Token::Suffix => Token::SuffixNumber,
                    _ => {
                        self.token = Token::Invalid;
                        return;
                    }
                };
                self.digits();
            }
            b'_' if self.token <= Token::SuffixNumber => {
                self.pos += 1;
                self.start = self.pos;
                while matches!(self.input.get(self.pos), Some(b'a'..=b'z')) {
                    self.pos += 1;
                }
                self.end = self.pos;
                self.suffix = Suffix::from_name(self.text());
                self.token = if self.suffix == Suffix::Invalid {
                    Token::Invalid
                } else {
                    Token::Suffix
                };
            }
            b'~' if self.token < Token::CommitHash => {
                self.pos += 1;
                self.start = self.pos;
                while matches!(self.input.get(self.pos), Some(b'0'..=b'9' | b'a'..=b'f')) {
                    self.pos += 1;
                }
                self.end = self.pos;
                self.token = if self.start == self.end {
                    Token::Invalid
                } else {
                    Token::CommitHash
                };
            }
            b'-' if self.token < Token::Revision && self.input.get(self.pos + 1) == Some(&b'r') => {
                self.pos += 2;
                self.token = Token::Revision;
                self.digits();
            }
            _ => self.token = Token::Invalid,
        }
    }

    /// Compares the current tokens of two tokenizers that are at the same token kind.
    #[inline]
    fn cmp_same_kind(&self, other: &Tokenizer<'_>) -> Ordering {
        match self.token {
            Token::Digit
                if self.text().first() == Some(&b'0') || other.text().first() == Some(&b'0') =>
            {
                // A leading zero after a dot compares as a string (as Gentoo does).
                self.text().cmp(other.text())
            }
            Token::InitialDigit | Token::Digit | Token::SuffixNumber | Token::Revision => {
                self.number.cmp(&other.number)
            }
            Token::Letter => self.text().cmp(other.text()),
            Token::Suffix => self.suffix.cmp(&other.suffix),
            _ => self.text().cmp(other.text()),
        }
    }
}

/// Compares two version strings as `apk version -t` does.
///
/// Defined for any input, valid or not (see the module documentation); check validity
/// first where an invalid version must be an error.
#[inline]
pub fn compare(a: &str, b: &str) -> Ordering {
    compare_fuzzy(a, b, false)
}

/// Compares `a` with `b`; with `fuzzy`, `a` is equal to `b` when `b`'s tokens are a
/// prefix of `a`'s (the `~` operator).
pub fn compare_fuzzy(a: &str, b: &str, fuzzy: bool) -> Ordering {
    let mut ta = Tokenizer::new(a.as_bytes());
    let mut tb = Tokenizer::new(b.as_bytes());
    while ta.token == tb.token && ta.token < Token::End {
        let r = ta.cmp_same_kind(&tb);
        if r != Ordering::Equal {
            return r;
        }
        ta.advance();
        tb.advance();
    }
    if ta.token == tb.token || (fuzzy && tb.token == Token::End) {
        return Ordering::Equal;
    }
    // The common tokens are equal. The version with more tokens is greater, unless
    // what it has more of is a pre-release suffix.
    if ta.token == Token::Suffix && ta.suffix.is_pre_release() {
        return Ordering::Less;
    }
    if tb.token == Token::Suffix && tb.suffix.is_pre_release() {
        return Ordering::Greater;
    }
    tb.token.cmp(&ta.token)
}

/// Whether apk-tools 3 accepts `version` (`apk version -c`).
pub fn is_valid(version: &str) -> bool {
    invalid_at(version).is_none()
}

/// The byte offset at which `version` stops being valid, if it is invalid.
fn invalid_at(version: &str) -> Option<usize> {
    let mut t = Tokenizer::new(version.as_bytes());
    let mut token_start = 0;
    loop {
        match t.token {
            Token::End => return None,
            Token::Invalid => return Some(token_start),
            _ => {
                token_start = t.pos;
                t.advance();
            }
        }
    }
}

/// Checks `version`; the error names it and the part where it goes wrong.
pub fn validate(version: &str) -> Result<()> {
    match invalid_at(version) {
        None => Ok(()),
        Some(_) if version.is_empty() => Err(Error::new(
            ErrorKind::InvalidVersion,
            "empty version".to_string(),
        )),
        Some(at) => {
            let rest = version.get(at..).unwrap_or(version);
            let detail = if rest.is_empty() {
                "it ends too early".to_string()
            } else {
                format!("invalid from `{rest}`")
            };
            Err(Error::new(
                ErrorKind::InvalidVersion,
                format!("`{version}` is not a valid apk version ({detail})"),
            ))
        }
    }
}

/// A version string that apk-tools 3 accepts.
///
/// Ordered as apk orders versions. Two versions may be equal without being the same
/// text (`01` and `1`); [`Version::as_str`] keeps the text as written.
#[derive(Debug, Clone)]
pub struct Version(String);

impl Version {
    /// Validates `version`.
    pub fn parse(version: &str) -> Result<Version> {
        validate(version)?;
        Ok(Version(version.to_string()))
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The version without its `-rN` revision: the upstream version that CVE ranges speak of.
    pub fn upstream(&self) -> &str {
        match self.0.rfind("-r") {
            Some(at) => &self.0[..at],
            None => &self.0,
        }
    }

    /// The `-rN` revision, 0 when there is none (wrapping like every apk number).
    pub fn revision(&self) -> u64 {
        match self.0.rfind("-r") {
            Some(at) => Tokenizer::new(&self.0.as_bytes()[at + 2..]).number,
            None => 0,
        }
    }

    /// Whether `self OP other` holds.
    pub fn satisfies(&self, op: Op, other: &Version) -> bool {
        op.matches(&self.0, &other.0)
    }
}

impl FromStr for Version {
    type Err = Error;
    fn from_str(s: &str) -> Result<Version> {
        Version::parse(s)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        compare(&self.0, &other.0) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(&self.0, &other.0)
    }
}

/// A version operator as in apk dependencies: `<` `<=` `=` `>=` `>` `~` `<~` `>~`,
/// optionally negated with a leading `!` (apk's "conflict").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Op {
    less: bool,
    equal: bool,
    greater: bool,
    fuzzy: bool,
    negated: bool,
}

impl Op {
    /// Parses an operator. Like apk-tools, any combination of `<`, `>`, `=` and `~` is
    /// accepted (`=<` means `<=`); anything else is an error.
    pub fn parse(text: &str) -> Result<Op> {
        let (negated, body) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut op = Op {
            less: false,
            equal: false,
            greater: false,
            fuzzy: false,
            negated,
        };
        if body.is_empty() {
            return Err(Error::new(
                ErrorKind::Syntax,
                format!("`{text}` is not a version operator"),
            ));
        }
        for c in body.chars() {
            match c {
                '<' => op.less = true,
                '>' => op.greater = true,
                '=' => op.equal = true,
                '~' => {
                    op.fuzzy = true;
                    op.equal = true;
                }
                _ => {
                    return Err(Error::new(
                        ErrorKind::Syntax,
                        format!(
                            "`{text}` is not a version operator (use <, <=, =, >=, >, ~, <~, >~, optionally after !)"
                        ),
                    ));
                }
            }
        }
        Ok(op)
    }

    /// Whether `a OP b` holds, as apk-tools' `apk_version_match` decides it.
    pub fn matches(self, a: &str, b: &str) -> bool {
        let any = self.less && self.equal && self.greater;
        let ok = any
            || match compare_fuzzy(a, b, self.fuzzy) {
                Ordering::Less => self.less,
                Ordering::Equal => self.equal,
                Ordering::Greater => self.greater,
            };
        ok != self.negated
    }

    /// The same operator with `!` toggled.
    #[must_use]
    pub fn negate(self) -> Op {
        Op {
            negated: !self.negated,
            ..self
        }
    }
}

impl FromStr for Op {
    type Err = Error;
    fn from_str(s: &str) -> Result<Op> {
        Op::parse(s)
    }
}

impl fmt::Display for Op {
    /// The canonical spelling (`<=`, not `=<`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("!")?;
        }
        let text = match (self.less, self.equal, self.greater, self.fuzzy) {
            (true, false, false, _) => "<",
            (true, true, false, false) => "<=",
            (true, true, false, true) => "<~",
            (false, true, false, true) => "~",
            (false, true, false, false) => "=",
            (false, true, true, false) => ">=",
            (false, true, true, true) => ">~",
            (false, false, true, _) => ">",
            (true, false, true, _) => "><",
            (true, true, true, _) => "",
            (false, false, false, _) => "?",
        };
        f.write_str(text)
    }
}

#[cfg(test)]
mod tests;
