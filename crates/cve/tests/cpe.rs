//! CPE 2.3 binding round trips and NISTIR 7696 matching laws.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use secfixes_cve::cpe::matching::{self, Relation, compare};
use secfixes_cve::cpe::{Attribute, Cpe, Text, Value, Wildcard};

fn cpe(s: &str) -> Cpe {
    s.parse().unwrap()
}

/// Body characters: the ones bound as-is and many that need quoting.
fn body() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r"[a-z0-9._\-+:!~*?\\@/#$%&()=,;<>\[\]{}|^`'\x22]{1,8}").unwrap()
}

fn wildcard() -> impl Strategy<Value = Option<Wildcard>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(Wildcard::Star)),
        1 => (1usize..3).prop_map(|n| Some(Wildcard::Questions(n))),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Any),
        1 => Just(Value::Na),
        4 => (wildcard(), body(), wildcard())
            .prop_map(|(lead, body, trail)| Value::Text(Text { lead, body, trail })),
        1 => (1usize..4).prop_map(|n| Value::Text(Text {
            lead: Some(Wildcard::Questions(n)),
            body: String::new(),
            trail: None,
        })),
    ]
}

fn literal_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Any),
        1 => Just(Value::Na),
        4 => body().prop_map(|b| Value::Text(Text::literal(&b))),
    ]
}

fn part() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Any),
        Just(Value::Text(Text::literal("a"))),
        Just(Value::Text(Text::literal("o"))),
        Just(Value::Text(Text::literal("h"))),
    ]
}

fn name_from(part: Value, rest: Vec<Value>) -> Cpe {
    let mut values: [Value; 11] = Default::default();
    values[0] = part;
    for (slot, v) in values[1..].iter_mut().zip(rest) {
        *slot = v;
    }
    Cpe::from_values(values).unwrap()
}

fn name() -> impl Strategy<Value = Cpe> {
    (part(), proptest::collection::vec(value(), 10)).prop_map(|(p, r)| name_from(p, r))
}

/// A name without wildcards: a valid target.
fn target() -> impl Strategy<Value = Cpe> {
    (part(), proptest::collection::vec(literal_value(), 10)).prop_map(|(p, r)| name_from(p, r))
}

/// Values from a tiny alphabet, so that random triples are often related.
fn small_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Any),
        Just(Value::Na),
        Just(Value::Text(Text::literal("a"))),
        Just(Value::Text(Text::literal("ab"))),
        Just(Value::Text(Text {
            lead: None,
            body: "a".into(),
            trail: Some(Wildcard::Star)
        })),
    ]
}

fn small_name() -> impl Strategy<Value = Cpe> {
    proptest::collection::vec(small_value(), 3).prop_map(|v| {
        let mut all = vec![Value::Any; 10];
        all[..3].clone_from_slice(&v);
        name_from(Value::Text(Text::literal("a")), all)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// print → parse is the identity on values.
    #[test]
    fn print_then_parse(c in name()) {
        let printed = c.to_string();
        let back: Cpe = printed.parse().map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(&back, &c);
        // parse → print is the identity on the canonical string.
        prop_assert_eq!(back.to_string(), printed);
    }

    #[test]
    fn a_name_matches_itself(c in target()) {
        prop_assert!(c.matches(&c));
        prop_assert!(matching::is_equal(&c, &c));
    }

    #[test]
    fn any_matches_everything(c in target()) {
        let any = cpe("cpe:2.3:*:*:*:*:*:*:*:*:*:*:*");
        prop_assert!(any.matches(&c));
    }

    #[test]
    fn na_matches_only_na(t in literal_value()) {
        let r = compare(&Value::Na, &t);
        prop_assert_eq!(matches!(r, Relation::Superset | Relation::Equal), t == Value::Na);
    }

    #[test]
    fn superset_is_transitive(a in small_name(), b in small_name(), c in small_name()) {
        if a.matches(&b) && b.matches(&c) {
            prop_assert!(a.matches(&c), "{} ⊇ {} ⊇ {}", a, b, c);
        }
    }

    #[test]
    fn star_suffix_matches_extensions(prefix in "[a-z0-9]{1,6}", rest in "[a-z0-9._]{0,6}") {
        let pattern = cpe(&format!("cpe:2.3:a:v:{prefix}*:*:*:*:*:*:*:*:*"));
        let target = cpe(&format!("cpe:2.3:a:v:{prefix}{rest}:*:*:*:*:*:*:*:*"));
        prop_assert!(pattern.matches(&target));
        prop_assert!(!target.matches(&pattern)); // a pattern is never a target
    }

    /// Arbitrary text never panics the parser, and what parses prints back to itself.
    #[test]
    fn arbitrary_text(s in "cpe:2\\.3(:[a-z*?\\\\.+\\-]{0,4}){9,12}") {
        if let Ok(c) = s.parse::<Cpe>() {
            let again: Cpe = c.to_string().parse().unwrap();
            prop_assert_eq!(again, c);
        }
    }
}

#[test]
fn wildcard_examples() {
    let foo = cpe("cpe:2.3:a:v:foo*:*:*:*:*:*:*:*:*");
    assert!(foo.matches(&cpe("cpe:2.3:a:v:foo:*:*:*:*:*:*:*:*")));
    assert!(foo.matches(&cpe("cpe:2.3:a:v:foobar:*:*:*:*:*:*:*:*")));
    assert!(!foo.matches(&cpe("cpe:2.3:a:v:fo:*:*:*:*:*:*:*:*")));
    // NA in the target is not matched by a value.
    assert!(!foo.matches(&cpe("cpe:2.3:a:v:-:*:*:*:*:*:*:*:*")));
    // Case-insensitive.
    assert!(
        cpe("cpe:2.3:a:Expat:LibExpat:*:*:*:*:*:*:*:*")
            .matches(&cpe("cpe:2.3:a:expat:libexpat:2.4.1:*:*:*:*:*:*:*"))
    );
}

#[test]
fn nvd_names() {
    let c = cpe("cpe:2.3:a:libexpat_project:libexpat:2.4.1:*:*:*:*:*:*:*");
    assert_eq!(c.vendor(), Some("libexpat_project"));
    assert_eq!(c.product(), Some("libexpat"));
    assert_eq!(c.version(), Some("2.4.1"));
    assert_eq!(c.part(), Some('a'));
    let c = cpe("cpe:2.3:a:lodash:lodash:*:*:*:*:*:node.js:*:*");
    assert_eq!(c.target_sw(), Some("node.js"));
    assert_eq!(c.get(Attribute::Update), &Value::Any);
    let c = cpe(r"cpe:2.3:a:gitlab:gitlab:*:*:*:*:community:*:*:*");
    assert_eq!(c.sw_edition(), Some("community"));
    let c = cpe(r"cpe:2.3:o:microsoft:windows_10_1607:-:*:*:*:*:*:x64:*");
    assert_eq!(c.get(Attribute::Version), &Value::Na);
    assert_eq!(c.version(), None);
    assert_eq!(c.target_hw(), Some("x64"));
    let c = cpe(r"cpe:2.3:a:haxx:curl\+\+:7.1\:2:*:*:*:*:*:*:*");
    assert_eq!(c.product(), Some("curl++"));
    assert_eq!(c.version(), Some("7.1:2"));
}

#[test]
fn from_values_checks() {
    let mut values: [Value; 11] = Default::default();
    values[2] = Value::Text(Text::literal("has space"));
    assert!(Cpe::from_values(values.clone()).is_err());
    values[2] = Value::Text(Text {
        lead: Some(Wildcard::Star),
        body: String::new(),
        trail: None,
    });
    assert!(Cpe::from_values(values.clone()).is_err());
    values[0] = Value::Text(Text::literal("x"));
    values[2] = Value::Any;
    assert!(Cpe::from_values(values).is_err());
}

#[test]
fn name_relations() {
    let a = cpe("cpe:2.3:a:v:p:*:*:*:*:*:*:*:*");
    let b = cpe("cpe:2.3:a:v:p:1.0:*:*:*:*:*:*:*");
    assert!(matching::is_superset(&a, &b));
    assert!(matching::is_subset(&b, &a));
    assert!(!matching::is_disjoint(&a, &b));
    let c = cpe("cpe:2.3:a:v:q:1.0:*:*:*:*:*:*:*");
    assert!(matching::is_disjoint(&b, &c));
    assert_eq!(
        matching::compare_names(&a, &b)[Attribute::Version as usize],
        Relation::Superset
    );
}
