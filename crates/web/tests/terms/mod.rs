//! Which keys of a JSON-LD document the served `@context` leaves undefined: a processor
//! drops those, so every test that sees a new document shape checks it.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeSet;

use serde_json::Value;

/// Every key of `v`, recursively, except inside `@json` literals (explanations,
/// holdings), which are data, not terms.
pub fn keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k != "explanation" && k != "holdings" {
                    keys(v, out);
                }
                out.insert(k.clone());
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

/// The keys of `docs` that `context` (the context document) does not define.
pub fn undefined(context: &Value, docs: &[Value]) -> Vec<String> {
    let defined = context["@context"]
        .as_object()
        .expect("a top-level @context");
    let mut used = BTreeSet::new();
    for doc in docs {
        keys(doc, &mut used);
    }
    used.into_iter()
        .filter(|k| !k.starts_with('@') && !defined.contains_key(k.as_str()))
        .collect()
}
