//! CPE name matching (NISTIR 7696).
//!
//! [`compare`] relates one source (pattern) value to one target value; [`compare_names`]
//! does it for all eleven attributes, and the name-level relations follow from that.
//! Values are already lowercase, so comparison is case-insensitive as the specification
//! requires. A target with wildcards is UNDEFINED, as the specification says (a target is a
//! name, not a pattern). A run of n `?` matches up to n characters, as `compare_strings`
//! in NISTIR 7696 §6.1.3 counts them.

use super::{Cpe, Text, Value, Wildcard};

/// How a source value relates to a target value (NISTIR 7696 Table 6-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// The source stands for more than the target (and includes it).
    Superset,
    /// The source stands for less than the target.
    Subset,
    Equal,
    Disjoint,
    /// Not defined by the specification (the target is a pattern).
    Undefined,
}

/// Compares a source value with a target value.
pub fn compare(source: &Value, target: &Value) -> Relation {
    if target.has_wildcards() {
        return Relation::Undefined;
    }
    if source == target {
        return Relation::Equal;
    }
    match (source, target) {
        (Value::Any, _) => Relation::Superset,
        (_, Value::Any) => Relation::Subset,
        (Value::Na, _) | (_, Value::Na) => Relation::Disjoint,
        (Value::Text(s), Value::Text(t)) => {
            if s.has_wildcards() && wildcard_match(s, &t.body) {
                Relation::Superset
            } else {
                Relation::Disjoint
            }
        }
    }
}

/// Whether the pattern `source` matches the literal `target`.
fn wildcard_match(source: &Text, target: &str) -> bool {
    let (s, t) = (source.body.as_bytes(), target.as_bytes());
    if s.len() > t.len() {
        return false;
    }
    let allows = |w: Option<Wildcard>, n: usize| match w {
        None => n == 0,
        Some(Wildcard::Star) => true,
        Some(Wildcard::Questions(max)) => n <= max,
    };
    (0..=t.len() - s.len()).any(|i| {
        t.get(i..i + s.len()) == Some(s)
            && allows(source.lead, i)
            && allows(source.trail, t.len() - i - s.len())
    })
}

/// The relation of every attribute, in formatted-string order.
pub fn compare_names(source: &Cpe, target: &Cpe) -> [Relation; 11] {
    let mut out = [Relation::Equal; 11];
    for (r, (s, t)) in out
        .iter_mut()
        .zip(source.values().iter().zip(target.values()))
    {
        *r = compare(s, t);
    }
    out
}

/// Every attribute is SUPERSET or EQUAL: the source, as a pattern, matches the target.
pub fn is_superset(source: &Cpe, target: &Cpe) -> bool {
    compare_names(source, target)
        .iter()
        .all(|r| matches!(r, Relation::Superset | Relation::Equal))
}

/// Every attribute is SUBSET or EQUAL.
pub fn is_subset(source: &Cpe, target: &Cpe) -> bool {
    compare_names(source, target)
        .iter()
        .all(|r| matches!(r, Relation::Subset | Relation::Equal))
}

/// Every attribute is EQUAL.
pub fn is_equal(source: &Cpe, target: &Cpe) -> bool {
    compare_names(source, target)
        .iter()
        .all(|r| *r == Relation::Equal)
}

/// Some attribute is DISJOINT: the names have nothing in common.
pub fn is_disjoint(source: &Cpe, target: &Cpe) -> bool {
    compare_names(source, target).contains(&Relation::Disjoint)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::cpe::binding::parse_value;

    fn rel(s: &str, t: &str) -> Relation {
        compare(&parse_value(s).unwrap(), &parse_value(t).unwrap())
    }

    #[test]
    fn table() {
        assert_eq!(rel("*", "*"), Relation::Equal);
        assert_eq!(rel("*", "-"), Relation::Superset);
        assert_eq!(rel("*", "foo"), Relation::Superset);
        assert_eq!(rel("-", "*"), Relation::Subset);
        assert_eq!(rel("-", "-"), Relation::Equal);
        assert_eq!(rel("-", "foo"), Relation::Disjoint);
        assert_eq!(rel("foo", "*"), Relation::Subset);
        assert_eq!(rel("foo", "-"), Relation::Disjoint);
        assert_eq!(rel("foo", "FOO"), Relation::Equal);
        assert_eq!(rel("foo", "bar"), Relation::Disjoint);
        assert_eq!(rel("foo*", "foobar"), Relation::Superset);
        assert_eq!(rel("foo*", "foo"), Relation::Superset);
        assert_eq!(rel("foo*", "fo"), Relation::Disjoint);
        assert_eq!(rel("*bar", "foobar"), Relation::Superset);
        assert_eq!(rel("?oo", "foo"), Relation::Superset);
        assert_eq!(rel("?oo", "ffoo"), Relation::Disjoint);
        assert_eq!(rel("1.?", "1.2"), Relation::Superset);
        assert_eq!(rel("1.??", "1.23"), Relation::Superset);
        assert_eq!(rel("1.??", "1.234"), Relation::Disjoint);
        assert_eq!(rel("foo", "foo*"), Relation::Undefined);
        assert_eq!(rel("\\*", "\\*"), Relation::Equal);
        assert_eq!(rel("\\*", "x"), Relation::Disjoint);
    }
}
