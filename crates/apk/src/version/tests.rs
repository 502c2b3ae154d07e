#![allow(clippy::unwrap_used)]

use std::cmp::Ordering::{self, Equal, Greater, Less};

use proptest::prelude::*;

use super::*;

fn cmp(a: &str, b: &str) -> Ordering {
    compare(a, b)
}

#[test]
fn documented_chain_is_ascending() {
    let chain = [
        "1.0_alpha",
        "1.0_alpha1",
        "1.0_beta",
        "1.0_pre2",
        "1.0_rc1",
        "1.0",
        "1.0-r1",
        "1.0-r2",
        "1.0_p1",
        "1.0a",
        "1.0.1",
        "1.1",
        "2",
    ];
    for (i, a) in chain.iter().enumerate() {
        assert!(is_valid(a), "{a}");
        for b in &chain[i + 1..] {
            assert_eq!(cmp(a, b), Less, "{a} < {b}");
            assert_eq!(cmp(b, a), Greater, "{b} > {a}");
        }
        assert_eq!(cmp(a, a), Equal);
    }
}

#[test]
fn post_release_suffixes_order() {
    for (a, b) in [
        ("1.0_cvs", "1.0_svn"),
        ("1.0_svn", "1.0_git"),
        ("1.0_git", "1.0_hg"),
        ("1.0_hg", "1.0_p"),
        ("1.0_p1", "1.0_p2"),
        ("1.0_p9", "1.0_p10"),
    ] {
        assert_eq!(cmp(a, b), Less, "{a} < {b}");
    }
}

#[test]
fn leading_zero_after_dot_is_a_string_comparison() {
    assert_eq!(cmp("1.05", "1.1"), Less);
    assert_eq!(cmp("8.2.0015", "8.2.002"), Less);
    assert_eq!(cmp("1.0", "1.00"), Less);
    assert_eq!(cmp("1.10", "1.9"), Greater);
    // The leading number is always numeric.
    assert_eq!(cmp("01", "1"), Equal);
    assert_eq!(cmp("010", "9"), Greater);
}

#[test]
fn numbers_wrap_like_apk_tools() {
    // 2^64 wraps to 0, as apk_blob_pull_uint does.
    assert!(is_valid("18446744073709551616"));
    assert_eq!(cmp("18446744073709551616", "0"), Equal);
    assert_eq!(cmp("1.18446744073709551617", "1.1"), Equal);
}

#[test]
fn commit_hash_and_revision() {
    assert_eq!(cmp("1.0~1234", "1.0~2345"), Less);
    assert_eq!(cmp("1.0~1234-r1", "1.0~2345-r0"), Less);
    assert_eq!(cmp("1.0~1234-r1", "1.0~1234-r0"), Greater);
    assert!(!is_valid("1.0~"));
    assert!(!is_valid("1.0~12g4"));
    assert!(!is_valid("1.0-r1~1234"));
}

#[test]
fn validity() {
    for v in [
        "0",
        "1.2",
        "0.1_pre2",
        "0.1_pre2~1234abcd",
        "0.1_p1_pre2",
        "1.2.3a_rc1_p2~abc-r10",
    ] {
        assert!(is_valid(v), "{v} should be valid");
        assert!(validate(v).is_ok());
        assert!(Version::parse(v).is_ok());
    }
    for v in [
        "",
        "!",
        "a",
        ".1",
        "_pre1",
        "-r1",
        "1.",
        "1..2",
        "0.1bc",
        "0.1a1",
        "0.1a.1",
        "0.1_",
        "0.1_-r0",
        "0.1__alpha",
        "0.1_1_alpha",
        "0.1_foobar",
        "0.1-r",
        "0.1-r2_pre1",
        "0.1-r2-r3",
        "0.1-r2.1",
        "1.0 ",
        "1.0-R1",
        "5.1p1-r0",
        "1.0\0",
        "1.0_ALPHA",
    ] {
        assert!(!is_valid(v), "{v:?} should be invalid");
        let err = validate(v).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidVersion);
    }
}

#[test]
fn validation_error_names_the_version_and_the_bad_part() {
    let err = Version::parse("0.1_foobar").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid version: `0.1_foobar` is not a valid apk version (invalid from `_foobar`)"
    );
    let err = Version::parse("1.0-r").unwrap_err();
    assert!(err.message().contains("`-r`"), "{err}");
    assert_eq!(Version::parse("").unwrap_err().message(), "empty version");
}

#[test]
fn invalid_versions_still_compare_as_apk_tools_does() {
    // Both become invalid at the same token kind: apk calls them equal.
    assert_eq!(cmp("1.0_foo", "1.0_bar"), Equal);
    // An invalid token ranks above everything, so the version is smaller...
    assert_eq!(cmp("1.0_foo", "1.0"), Less);
    // ...unless the other side continues with a pre-release suffix.
    assert_eq!(cmp("1.0_foo", "1.0_rc1"), Greater);
}

#[test]
fn fuzzy_matches_on_prefix() {
    let fuzzy = Op::parse("~").unwrap();
    for (a, b) in [
        ("3.6.0", "3.6"),
        ("3.6.9", "3.6"),
        ("3.6_pre1", "3.6"),
        ("3.6.9_post1", "3.6"),
    ] {
        assert!(fuzzy.matches(a, b), "{a} ~ {b}");
    }
    for (a, b) in [("3.6.0", "3.8"), ("3.8", "3.8.1"), ("3.8.0.1", "3.8.1")] {
        assert!(!fuzzy.matches(a, b), "{a} !~ {b}");
        assert!(fuzzy.negate().matches(a, b), "{a} !~ {b}");
    }
    assert!(Op::parse("<~").unwrap().matches("3.5", "3.6"));
    assert!(Op::parse(">~").unwrap().matches("3.7", "3.6"));
    assert!(Op::parse(">~").unwrap().matches("3.6.2", "3.6"));
}

#[test]
fn operators_parse_match_and_print() {
    let cases = [
        ("<", "1", "2", true),
        ("<", "2", "2", false),
        ("<=", "2", "2", true),
        ("=", "2", "2.0", false),
        ("=", "1.0-r0", "1.0-r0", true),
        (">=", "2.0", "2", true),
        (">", "2.0", "2", true),
        ("!<", "1", "2", false),
        ("!=", "1", "2", true),
        ("!>=", "1", "2", true),
    ];
    for (op, a, b, expected) in cases {
        let parsed = Op::parse(op).unwrap();
        assert_eq!(parsed.matches(a, b), expected, "{a} {op} {b}");
        assert_eq!(parsed.to_string(), op);
    }
    assert_eq!(Op::parse("=<").unwrap().to_string(), "<=");
    assert_eq!(Op::parse("=~").unwrap().to_string(), "~");
    for bad in ["", "!", "==>x", "<-", "lt"] {
        assert!(Op::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn version_type_orders_and_splits_revision() {
    let a = Version::parse("1.35.0-r17").unwrap();
    let b: Version = "1.35.0-r18".parse().unwrap();
    assert!(a < b);
    assert_eq!(a.upstream(), "1.35.0");
    assert_eq!(a.revision(), 17);
    assert_eq!(Version::parse("2.4").unwrap().revision(), 0);
    assert_eq!(Version::parse("2.4").unwrap().upstream(), "2.4");
    assert!(a.satisfies(Op::parse("<").unwrap(), &b));
    assert_eq!(Version::parse("01").unwrap(), Version::parse("1").unwrap());
    assert_eq!(a.to_string(), "1.35.0-r17");
}

/// Valid versions built from the grammar, with the awkward parts (leading zeros,
/// large numbers, every suffix) well represented.
fn valid_version() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        4 => (0u64..20).prop_map(|n| n.to_string()),
        1 => "0[0-9]{1,3}",
        1 => (0u64..u64::MAX).prop_map(|n| n.to_string()),
    ];
    let suffix = prop_oneof![
        Just("alpha"),
        Just("beta"),
        Just("pre"),
        Just("rc"),
        Just("cvs"),
        Just("svn"),
        Just("git"),
        Just("hg"),
        Just("p"),
    ];
    (
        number.clone(),
        prop::collection::vec(number.clone(), 0..4),
        prop::option::of("[a-z]"),
        prop::collection::vec((suffix, prop::option::of(number.clone())), 0..3),
        prop::option::of("[0-9a-f]{1,8}"),
        prop::option::of(number),
    )
        .prop_map(|(first, rest, letter, suffixes, hash, revision)| {
            let mut v = first;
            for n in rest {
                v.push('.');
                v.push_str(&n);
            }
            if let Some(l) = letter {
                v.push_str(&l);
            }
            for (s, n) in suffixes {
                v.push('_');
                v.push_str(s);
                if let Some(n) = n {
                    v.push_str(&n);
                }
            }
            if let Some(h) = hash {
                v.push('~');
                v.push_str(&h);
            }
            if let Some(r) = revision {
                v.push_str("-r");
                v.push_str(&r);
            }
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_versions_are_valid(v in valid_version()) {
        prop_assert!(is_valid(&v), "{}", v);
    }

    #[test]
    fn comparison_is_antisymmetric(a in valid_version(), b in valid_version()) {
        prop_assert_eq!(cmp(&a, &b), cmp(&b, &a).reverse());
    }

    #[test]
    fn comparison_is_reflexive(a in valid_version()) {
        prop_assert_eq!(cmp(&a, &a), Equal);
        prop_assert!(Op::parse("~").unwrap().matches(&a, &a));
    }

    #[test]
    fn comparison_is_transitive(
        a in valid_version(), b in valid_version(), c in valid_version()
    ) {
        let mut v = [a, b, c];
        v.sort_by(|x, y| cmp(x, y));
        prop_assert_ne!(cmp(&v[0], &v[1]), Greater);
        prop_assert_ne!(cmp(&v[1], &v[2]), Greater);
        prop_assert_ne!(cmp(&v[0], &v[2]), Greater);
    }

    #[test]
    fn revision_bump_is_greater(v in valid_version()) {
        let base = Version::parse(&v).unwrap();
        prop_assume!(base.revision() < u64::MAX);
        let bumped = Version::parse(&format!("{}-r{}", base.upstream(), base.revision() + 1)).unwrap();
        prop_assert!(bumped > base, "{} > {}", bumped, base);
    }

    #[test]
    fn any_input_is_handled(s in "\\PC{0,24}", t in "[0-9a-z._~!-]{0,16}") {
        let _ = is_valid(&s);
        let _ = validate(&s);
        let _ = compare(&s, &t);
        let _ = compare_fuzzy(&t, &s, true);
    }

    #[test]
    fn fuzzy_prefix_matches(a in valid_version(), extra in "(\\.[0-9]{1,3}){1,3}") {
        // Appending dotted numbers to a version that ends in its numbers keeps it fuzzy-equal.
        let first: String = a.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        let longer = format!("{first}{extra}");
        prop_assert!(Op::parse("~").unwrap().matches(&longer, &first), "{} ~ {}", longer, first);
    }
}
