//! NVD configurations: the AND/OR/negate evaluator on small trees, rule extraction, and
//! every configuration of the real NVD records in the fixtures.
#![allow(clippy::unwrap_used)]

#[path = "../../apk/tests/support/mod.rs"]
mod support;

use std::path::Path;

use secfixes_cve::configuration::{
    Configuration, CpeMatch, Node, Operator, nvd_json, rules, rules_checked,
};
use secfixes_cve::model::{Bound, Origin, Rule, RuleStatus, Versions};

fn m(criteria: &str, vulnerable: bool) -> CpeMatch {
    CpeMatch {
        vulnerable,
        criteria: criteria.to_owned(),
        ..CpeMatch::default()
    }
}

fn node(operator: Operator, negate: bool, matches: Vec<CpeMatch>) -> Node {
    Node {
        operator,
        negate,
        matches,
        children: Vec::new(),
    }
}

const APP: &str = "cpe:2.3:a:vendor:app:*:*:*:*:*:*:*:*";
const OS: &str = "cpe:2.3:o:vendor:os:-:*:*:*:*:*:*:*";
const HW: &str = "cpe:2.3:h:vendor:board:-:*:*:*:*:*:*:*";

#[test]
fn evaluator() {
    let app = m(APP, true);
    let os = m(OS, false);
    let present =
        |names: &'static [&'static str]| move |x: &CpeMatch| names.contains(&x.criteria.as_str());
    let and = Configuration {
        operator: Operator::And,
        negate: false,
        nodes: vec![
            node(Operator::Or, false, vec![app.clone()]),
            node(Operator::Or, false, vec![os.clone()]),
        ],
    };
    assert!(and.applies(present(&[APP, OS])));
    assert!(!and.applies(present(&[APP])));
    assert!(!and.applies(present(&[])));
    let or = Configuration {
        operator: Operator::Or,
        ..and.clone()
    };
    assert!(or.applies(present(&[OS])));
    assert!(!or.applies(present(&[HW])));
    // Negated node: app AND NOT os.
    let not = Configuration {
        operator: Operator::And,
        negate: false,
        nodes: vec![
            node(Operator::Or, false, vec![app.clone()]),
            node(Operator::Or, true, vec![os.clone()]),
        ],
    };
    assert!(not.applies(present(&[APP])));
    assert!(!not.applies(present(&[APP, OS])));
    // Negated configuration.
    let neg = Configuration {
        negate: true,
        ..or.clone()
    };
    assert!(neg.applies(present(&[HW])));
    assert!(!neg.applies(present(&[APP])));
    // 1.1 children: AND(OR(app), OR(os, hw)).
    let tree = Configuration {
        operator: Operator::Or,
        negate: false,
        nodes: vec![Node {
            operator: Operator::And,
            negate: false,
            matches: Vec::new(),
            children: vec![
                node(Operator::Or, false, vec![app.clone()]),
                node(Operator::Or, false, vec![os.clone(), m(HW, false)]),
            ],
        }],
    };
    assert!(tree.applies(present(&[APP, HW])));
    assert!(!tree.applies(present(&[OS, HW])));
    // Empty AND is true, empty OR false.
    assert!(node(Operator::And, false, vec![]).applies(&|_| false));
    assert!(!node(Operator::Or, false, vec![]).applies(&|_| true));
}

#[test]
fn versions_from_cpe_and_ranges() {
    let mut ranged = m(APP, true);
    ranged.version_start_including = Some("2.12.0".into());
    ranged.version_end_excluding = Some("2.12.5".into());
    let mut both = m("cpe:2.3:a:vendor:app:1.1:*:*:*:*:*:*:*", true);
    both.version_end_including = Some("1.2".into());
    let config = Configuration {
        operator: Operator::Or,
        negate: false,
        nodes: vec![node(
            Operator::Or,
            false,
            vec![
                m(APP, true),
                m("cpe:2.3:a:vendor:app:-:*:*:*:*:*:*:*", true),
                m(r"cpe:2.3:a:vendor:app:1.0\+git:*:*:*:*:python:*:*", true),
                ranged,
                both,
                m(OS, false),
            ],
        )],
    };
    let r = rules(&[config], Some("nvd@nist.gov"));
    assert_eq!(r.len(), 5, "the vulnerable:false match gives no rule");
    assert_eq!(r[0].versions, Versions::Any);
    assert_eq!(r[1].versions, Versions::Unknown, "NA is not a version");
    assert_eq!(
        r[2].versions,
        Versions::Exact {
            version: "1.0+git".into()
        }
    );
    assert_eq!(r[2].target_sw.as_deref(), Some("python"));
    assert_eq!(
        r[3].versions,
        Versions::Range {
            start: Some(Bound {
                version: "2.12.0".into(),
                inclusive: true
            }),
            end: Some(Bound {
                version: "2.12.5".into(),
                inclusive: false
            }),
        }
    );
    assert_eq!(r[3].criteria, format!("{APP} [>=2.12.0, <2.12.5]"));
    assert!(matches!(r[4].versions, Versions::Range { start: None, .. }));
    assert!(
        r[4].criteria.contains("the CPE version `1.1` is given too"),
        "{}",
        r[4].criteria
    );
    for (k, rule) in r.iter().enumerate() {
        assert_eq!(rule.origin, Origin::Nvd);
        assert_eq!(rule.status, RuleStatus::Affected);
        assert_eq!(rule.source.as_deref(), Some("nvd@nist.gov"));
        assert_eq!(rule.vendor.as_deref(), Some("vendor"));
        assert_eq!(rule.product.as_deref(), Some("app"));
        assert!(rule.platforms.is_empty());
        assert_eq!(
            rule.path,
            format!("configurations[0].nodes[0].cpeMatch[{k}]")
        );
    }
}

#[test]
fn platforms_and_negation() {
    let config = Configuration {
        operator: Operator::And,
        negate: false,
        nodes: vec![
            node(Operator::Or, false, vec![m(APP, true)]),
            node(Operator::Or, false, vec![m(OS, false), m(HW, false)]),
            node(
                Operator::Or,
                true,
                vec![m("cpe:2.3:o:other:os:*:*:*:*:*:*:*:*", true)],
            ),
        ],
    };
    let r = rules(&[config], None);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].status, RuleStatus::Affected);
    assert_eq!(
        r[0].platforms,
        vec![
            format!("{OS} OR {HW}"),
            "NOT (cpe:2.3:o:other:os:*:*:*:*:*:*:*:*)".to_owned()
        ]
    );
    assert_eq!(r[1].status, RuleStatus::Unaffected, "inside a negated node");
    assert_eq!(r[1].path, "configurations[0].nodes[2].cpeMatch[0]");

    // 1.1 children: the sibling child is the platform.
    let tree = Configuration {
        operator: Operator::Or,
        negate: false,
        nodes: vec![Node {
            operator: Operator::And,
            negate: false,
            matches: Vec::new(),
            children: vec![
                node(Operator::Or, false, vec![m(APP, true)]),
                node(Operator::Or, false, vec![m(OS, false)]),
            ],
        }],
    };
    let r = rules(&[tree], None);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].platforms, vec![OS.to_owned()]);
    assert_eq!(
        r[0].path,
        "configurations[0].nodes[0].children[0].cpeMatch[0]"
    );
}

#[test]
fn invalid_cpe_is_reported_not_dropped() {
    let config = Configuration {
        operator: Operator::Or,
        negate: false,
        nodes: vec![node(
            Operator::Or,
            false,
            vec![m("cpe:2.3:a:bad", true), m(APP, true)],
        )],
    };
    let parsed = rules_checked(&[config], None);
    assert_eq!(parsed.value.len(), 2);
    assert_eq!(parsed.value[0].status, RuleStatus::Unknown);
    assert!(parsed.value[0].criteria.contains("invalid CPE"));
    assert_eq!(parsed.diagnostics.len(), 1);
    let d = parsed.diagnostics[0].to_string();
    assert!(d.contains("configurations[0].nodes[0].cpeMatch[0]"), "{d}");
}

// ---- real data ----

/// Counts the `vulnerable: true` entries under any `cpeMatch`/`cpe_match` key.
fn count_vulnerable(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, x)| {
                if k == "cpeMatch" || k == "cpe_match" {
                    x.as_array()
                        .map(|a| a.iter().filter(|e| e["vulnerable"] == true).count())
                        .unwrap_or(0)
                } else {
                    count_vulnerable(x)
                }
            })
            .sum(),
        serde_json::Value::Array(a) => a.iter().map(count_vulnerable).sum(),
        _ => 0,
    }
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Every API 2.0 record in the fixtures: (file, id, configurations JSON).
fn v2_records(fx: &Path) -> Vec<(String, String, serde_json::Value)> {
    let mut out = Vec::new();
    for dir in [
        "nvd/fkie-cad",
        "nvd/osv.dev-vulnfeeds/nvdcve-2.0",
        "nvd/vunnel",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(fx.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let doc = read_json(&f);
            let records: Vec<serde_json::Value> = match doc.get("vulnerabilities") {
                Some(v) => v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["cve"].clone())
                    .collect(),
                None => vec![doc],
            };
            for cve in records {
                let id = cve["id"].as_str().unwrap().to_owned();
                let configs = cve
                    .get("configurations")
                    .cloned()
                    .unwrap_or(serde_json::json!([]));
                out.push((f.display().to_string(), id, configs));
            }
        }
    }
    out
}

fn rules_of(fx: &Path, id: &str) -> Vec<Rule> {
    let (_, _, json) = v2_records(fx)
        .into_iter()
        .find(|(_, i, _)| i == id)
        .unwrap();
    rules(
        &nvd_json::parse_v2_value(&json).unwrap(),
        Some("nvd@nist.gov"),
    )
}

fn range(start: Option<(&str, bool)>, end: Option<(&str, bool)>) -> Versions {
    let b = |x: Option<(&str, bool)>| {
        x.map(|(v, i)| Bound {
            version: v.into(),
            inclusive: i,
        })
    };
    Versions::Range {
        start: b(start),
        end: b(end),
    }
}

#[test]
fn real_v2_records_every_vulnerable_match_is_a_rule() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let records = v2_records(&fx);
    assert!(records.len() >= 30, "{} records", records.len());
    let mut total = 0;
    for (file, id, json) in &records {
        let configs = nvd_json::parse_v2_value(json).unwrap_or_else(|e| panic!("{file}: {e}"));
        let parsed = rules_checked(&configs, Some("nvd@nist.gov"));
        assert!(parsed.is_clean(), "{file}: {:?}", parsed.diagnostics);
        assert_eq!(parsed.value.len(), count_vulnerable(json), "{file} ({id})");
        for r in &parsed.value {
            assert!(r.product.is_some(), "{file}: {r:?}");
            assert!(r.path.starts_with("configurations["), "{file}: {}", r.path);
        }
        total += parsed.value.len();
    }
    assert!(total > 50, "{total} rules");
}

#[test]
fn real_apk_tools_and_busybox_ranges() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let r = rules_of(&fx, "CVE-2021-30139");
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].vendor.as_deref(), Some("alpinelinux"));
    assert_eq!(r[0].product.as_deref(), Some("apk-tools"));
    assert_eq!(r[0].versions, range(None, Some(("2.10.6", false))));
    assert_eq!(
        r[1].versions,
        range(Some(("2.12.0", true)), Some(("2.12.5", false)))
    );
    assert_eq!(r[1].path, "configurations[0].nodes[0].cpeMatch[1]");

    let r = rules_of(&fx, "CVE-2022-28391");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].product.as_deref(), Some("busybox"));
    assert_eq!(r[0].versions, range(None, Some(("1.35.0", true))));
    assert_eq!(
        r[0].criteria,
        "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:* [<=1.35.0]"
    );

    // OpenSSL: an exact CPE version next to ranges, and NVD's target_sw for node.js.
    let r = rules_of(&fx, "CVE-2018-0734");
    assert!(r.iter().any(|x| x.versions
        == Versions::Exact {
            version: "1.1.1".into()
        }));
    assert!(r.iter().any(|x| x.product.as_deref() == Some("node.js")));
}

#[test]
fn real_and_configuration_platform() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    // ESP-IDF AND the esp32 hardware (vulnerable: false).
    let r = rules_of(&fx, "CVE-2020-13595");
    let platform = "cpe:2.3:h:espressif:esp32:-:*:*:*:*:*:*:*";
    assert!(
        r.iter().all(|x| !x.criteria.starts_with(platform)),
        "no rule of its own"
    );
    let idf: Vec<_> = r
        .iter()
        .filter(|x| x.product.as_deref() == Some("esp-idf"))
        .collect();
    assert!(!idf.is_empty());
    for x in idf {
        assert!(x.platforms.iter().any(|p| p.contains(platform)), "{x:?}");
        assert_eq!(
            x.versions,
            range(Some(("4.0.0", true)), Some(("4.2", true)))
        );
    }
}

#[test]
fn real_v11_feed() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let doc = read_json(&fx.join("nvd/osv.dev-vulnfeeds/nvdcve-1.1-test-data.json"));
    let items = doc["CVE_Items"].as_array().unwrap();
    assert!(!items.is_empty());
    let mut total = 0;
    for item in items {
        let id = item["cve"]["CVE_data_meta"]["ID"].as_str().unwrap();
        let json = &item["configurations"];
        let configs = nvd_json::parse_v11_value(json).unwrap_or_else(|e| panic!("{id}: {e}"));
        let parsed = rules_checked(&configs, None);
        assert!(parsed.is_clean(), "{id}: {:?}", parsed.diagnostics);
        assert_eq!(parsed.value.len(), count_vulnerable(json), "{id}");
        total += parsed.value.len();
    }
    assert!(total > 0);
    let gitlab = &items[0]["configurations"];
    let r = rules(&nvd_json::parse_v11_value(gitlab).unwrap(), None);
    assert_eq!(r[0].product.as_deref(), Some("gitlab"));
    assert_eq!(
        r[0].versions,
        range(Some(("14.6.0", true)), Some(("14.6.1", false)))
    );
}
