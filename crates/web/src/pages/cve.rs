//! `/vuln/<CVE>`: what the sources say, the rules that match packages, the state on
//! every branch with its explanation, fixing version and fix-ship date.

use axum::extract::State as Shared;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use secfixes_cve::model::{Rule, RuleStatus, Versions};
use secfixes_tracker::browse::cve::{self, CvePage};
use secfixes_tracker::engine::severity;

use std::collections::{BTreeMap, BTreeSet};

use secfixes_tracker::browse::history::Scope;

use super::evidence;
use super::triage::{self, FormTarget, TriageView};
use super::{respond, state_node};
use crate::app::{App, Segments};
use crate::auth;
use crate::error::WebError;
use crate::jsonld::{self, Base};
use crate::layout;
use crate::links;
use crate::negotiate::Format;

/// Other trackers' pages for a CVE, as the original tracker linked them: (group, name,
/// URL with `{}` for the id).
const ELSEWHERE: &[(&str, &str, &str)] = &[
    (
        "Other trackers",
        "CVE",
        "https://www.cve.org/CVERecord?id={}",
    ),
    (
        "Other trackers",
        "NVD",
        "https://nvd.nist.gov/vuln/detail/{}",
    ),
    (
        "Other trackers",
        "CERT",
        "https://www.kb.cert.org/vuls/byid?searchview=&query={}",
    ),
    ("Other trackers", "CIRCL", "https://cve.circl.lu/cve/{}"),
    (
        "Other trackers",
        "Arch Linux",
        "https://security.archlinux.org/{}",
    ),
    (
        "Other trackers",
        "Debian",
        "https://security-tracker.debian.org/tracker/{}",
    ),
    (
        "Other trackers",
        "Red Hat",
        "https://bugzilla.redhat.com/show_bug.cgi?id={}",
    ),
    ("Other trackers", "Ubuntu", "https://ubuntu.com/security/{}"),
    (
        "Other trackers",
        "Gentoo",
        "https://bugs.gentoo.org/show_bug.cgi?id={}",
    ),
    (
        "Other trackers",
        "SUSE",
        "https://www.suse.com/security/cve/{}/",
    ),
    (
        "Other trackers",
        "Mageia",
        "https://advisories.mageia.org/{}.html",
    ),
    ("Other trackers", "OSV", "https://osv.dev/vulnerability/{}"),
    (
        "Mailing lists",
        "oss-security",
        "https://marc.info/?l=oss-security&s={}",
    ),
    (
        "Mailing lists",
        "full-disclosure",
        "https://marc.info/?l=full-disclosure&s={}",
    ),
    (
        "Mailing lists",
        "bugtraq",
        "https://marc.info/?l=bugtraq&s={}",
    ),
    (
        "Exploits",
        "Exploit DB",
        "https://www.exploit-db.com/search?cve={}",
    ),
    ("Exploits", "Metasploit", "https://www.rapid7.com/db/?q={}"),
    (
        "Forges",
        "GitHub code",
        "https://github.com/search?type=code&q=%22{}%22",
    ),
    (
        "Forges",
        "GitHub issues",
        "https://github.com/search?type=issues&q=%22{}%22",
    ),
    (
        "Forges",
        "aports issues",
        "https://gitlab.alpinelinux.org/alpine/aports/-/issues?state=all&search={}",
    ),
];

pub async fn show(
    Shared(app): Shared<std::sync::Arc<App>>,
    format: Format,
    base: Base,
    Segments(id): Segments<String>,
) -> Result<Response, WebError> {
    let upper = id.to_ascii_uppercase();
    if upper != id && secfixes_tracker::browse::search::is_cve_id(&id) {
        return Ok(Redirect::permanent(&links::cve(&upper)).into_response());
    }
    let key = id.clone();
    let viewer = auth::viewer();
    let (page, view) = app
        .pool
        .run(move |db| {
            let Some(page) = cve::page(db, &key)? else {
                return Ok(None);
            };
            let view = TriageView::load(db, viewer.as_deref(), Scope::Cve(&key), targets(&page))?;
            Ok(Some((page, view)))
        })
        .await?
        .ok_or_else(|| WebError::not_found(format!("the tracker knows nothing of {id:?}")))?;
    Ok(respond(
        format,
        &app.site,
        &page.id,
        || html_page(&page, &view),
        || document(&base, &page, &view),
    ))
}

/// The packages of the CVE's states, each with its repository tags.
fn targets(page: &CvePage) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in &page.states {
        out.entry(s.origin.clone())
            .or_default()
            .insert(s.repo_tag.clone());
    }
    out
}

/// The bounds of a rule's versions as the original's CPEMatch fields: (minimum, its
/// operator, maximum, its operator).
fn bounds(v: &Versions) -> Option<(Option<&str>, &'static str, Option<&str>, &'static str)> {
    match v {
        Versions::Any => Some((None, "==", None, "==")),
        Versions::Exact { version } => Some((Some(version), "==", Some(version), "==")),
        Versions::Range { start, end } => Some((
            start.as_ref().map(|b| b.version.as_str()),
            if start.as_ref().is_some_and(|b| !b.inclusive) {
                ">"
            } else {
                ">="
            },
            end.as_ref().map(|b| b.version.as_str()),
            if end.as_ref().is_some_and(|b| b.inclusive) {
                "<="
            } else {
                "<"
            },
        )),
        Versions::Unknown => None,
    }
}

/// The versions of a rule in words.
fn versions_text(v: &Versions) -> String {
    match v {
        Versions::Any => "every version".to_owned(),
        Versions::Exact { version } => format!("= {version}"),
        Versions::Range { start, end } => {
            let mut parts = Vec::new();
            if let Some(b) = start {
                parts.push(format!(
                    "{} {}",
                    if b.inclusive { "≥" } else { ">" },
                    b.version
                ));
            }
            if let Some(b) = end {
                parts.push(format!(
                    "{} {}",
                    if b.inclusive { "≤" } else { "<" },
                    b.version
                ));
            }
            if parts.is_empty() {
                "every version".to_owned()
            } else {
                parts.join(", ")
            }
        }
        Versions::Unknown => "no version data".to_owned(),
    }
}

/// The product a rule names: `vendor:product`, or the ecosystem package name.
fn product(rule: &Rule) -> String {
    match (&rule.vendor, &rule.product, &rule.package_name) {
        (Some(v), Some(p), _) => format!("{v}:{p}"),
        (None, Some(p), _) => p.clone(),
        (_, _, Some(name)) => name.clone(),
        _ => "—".to_owned(),
    }
}

fn origin_name(rule: &Rule) -> String {
    serde_json::to_value(rule.origin)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn status_name(s: RuleStatus) -> &'static str {
    match s {
        RuleStatus::Affected => "affected",
        RuleStatus::Unaffected => "unaffected",
        RuleStatus::Unknown => "unknown",
    }
}

/// The CPE name of a rule, when it has one (its criteria up to the range).
fn cpe_uri(rule: &Rule) -> Option<&str> {
    rule.criteria
        .split_whitespace()
        .next()
        .filter(|c| c.starts_with("cpe:"))
}

/// A source's ISO 8601 timestamp (`2026-02-10T14:15:07.000`, UTC) as a date, with the
/// whole timestamp as its title.
fn source_time(iso: &str) -> Markup {
    let date = iso.get(..10).unwrap_or(iso);
    html! { time datetime=(iso) title=(iso) { (date) } }
}

fn html_page(page: &CvePage, view: &TriageView) -> Markup {
    let record = page.record.as_ref();
    let chosen = record.and_then(severity::chosen);
    html! {
        h1 { (page.id) }
        dl.facts {
            dt { "Description" }
            dd.description { (layout::or_dash(record.and_then(|r| r.description.as_deref()))) }
            dt { "Severity" }
            dd {
                @if let Some(c) = chosen {
                    (layout::severity_badge(Some(severity::name(c.severity)))) " " (format!("{:.1}", c.score)) " " code { (c.vector) }
                } @else { span.muted { "no CVSS score" } }
            }
            @if let Some(r) = record {
                @if !r.cwes.is_empty() {
                    dt { "Weakness" }
                    dd { @for (i, cwe) in r.cwes.iter().enumerate() {
                        @if i > 0 { ", " }
                        @if let Some(n) = cwe.strip_prefix("CWE-") {
                            a href=(format!("https://cwe.mitre.org/data/definitions/{}.html", links::segment(n))) { (cwe) }
                        } @else { (cwe) }
                    } }
                }
                @if let Some(p) = &r.published { dt { "Published" } dd { (source_time(p)) } }
                @if let Some(m) = &r.last_modified { dt { "Last modified" } dd { (source_time(m)) } }
            }
            dt { "Sources" }
            dd { @if page.sources.is_empty() { span.muted { "none: only the distribution's own data names it" } } @else { (page.sources.join(", ")) } }
            @for group in ["Other trackers", "Mailing lists", "Exploits", "Forges"] {
                dt { (group) }
                dd.elsewhere { @for (i, (_, name, url)) in ELSEWHERE.iter().filter(|(g, _, _)| *g == group).enumerate() {
                    @if i > 0 { ", " }
                    a rel="noopener noreferrer" href=(url.replace("{}", &links::query_value(&page.id))) { (name) }
                } }
            }
        }
        @if let Some(r) = record {
            @if r.cvss.len() > 1 {
                h2 { "CVSS scores" }
                table.cvss {
                    thead { tr { th { "Version" } th { "Score" } th { "Severity" } th { "Vector" } th { "By" } } }
                    tbody { @for c in &r.cvss { tr {
                        td { (serde_json::to_value(c.version).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()) }
                        td { (format!("{:.1}", c.score)) }
                        td { (layout::severity_badge(Some(severity::name(c.severity)))) }
                        td { code { (c.vector) } }
                        td { (layout::or_dash(c.source.as_deref())) }
                    } } }
                }
            }
            h2 { "References" }
            @if r.references.is_empty() { p.empty { "None." } } @else {
                table.references {
                    thead { tr { th { "Type" } th { "URL" } } }
                    tbody { @for reference in &r.references { tr {
                        td { (reference.tags.join(", ")) }
                        td { a rel="noopener noreferrer nofollow" href=(reference.url) { (reference.url) } }
                    } } }
                }
            }
            h2 { "Affected-product rules" }
            @if r.rules.is_empty() { p.empty { "No source names affected products." } } @else {
                table.rules {
                    thead { tr { th { "#" } th { "From" } th { "Product" } th { "Versions" } th { "Status" } th { "Statement" } } }
                    tbody { @for (i, rule) in r.rules.iter().enumerate() { tr id=(format!("cpeMatch/{}", i + 1)) {
                        td { (i + 1) }
                        td { (origin_name(rule)) @if let Some(s) = &rule.source { br; span.muted { (s) } } }
                        td { (product(rule)) @if let Some(t) = &rule.target_sw { " " span.muted { "(" (t) ")" } } }
                        td { (versions_text(&rule.versions)) }
                        td { (status_name(rule.status)) }
                        td { code { (rule.criteria) } br; span.muted { (rule.path) }
                            @if !rule.platforms.is_empty() { br; span.muted { "running on: " (rule.platforms.join(", ")) } } }
                    } } }
                }
            }
        }
        h2 { "State per branch" }
        @if page.states.is_empty() { p.empty { "No published package is tied to this CVE." } } @else {
            table.states {
                thead { tr { th { "Repository" } th { "Package" } th { "Version" } th { "State" } th { "Fixed in" } th { "Fix shipped" } th { "Why" } } }
                tbody { @for s in &page.states { tr class={ "row-" (s.state.as_str()) } id=(format!("state/{}/{}/{}", s.repo_tag, s.origin, s.version)) {
                    td { a href=(links::branch(&s.repo_tag)) { (s.repo_tag) } }
                    td { a href=(links::package(&s.origin)) { (s.origin) } }
                    td { (s.version) }
                    td { (layout::state_badge(s.state)) }
                    td { (layout::or_dash(s.fixed_version.as_deref())) @if let Some(src) = &s.fix_source { " " span.muted { "(" (src) ")" } } }
                    td { @if let Some(t) = s.fix_shipped { (layout::time(t)) } @else { span.muted { "—" } } }
                    td.explanation { @if let Some(e) = &s.explanation {
                        details {
                            summary { (e.summary) }
                            ol { @for step in &e.steps { li { pre { (step.to_string()) } } } }
                        }
                    } }
                } } }
            }
        }
        @if !page.fixes.is_empty() {
            h2 { "Fixes recorded by the distribution" }
            table.fixes {
                thead { tr { th { "Repository" } th { "Package" } th { "Version" } th { "Source" } } }
                tbody { @for f in &page.fixes { tr {
                    td { (f.repo_tag) } td { a href=(links::package(&f.origin)) { (f.origin) } }
                    td { @if f.version == "0" { "0 (not affected)" } @else { (f.version) } } td { (f.source) }
                } } }
            }
        }
        (evidence::section(&page.evidence, &page.suggestions, view))
        (triage::section(&page.rejections, view, &targets(page).into_iter().map(|(origin, tags)| FormTarget {
            vulns: vec![page.id.clone()],
            origin,
            tags: tags.into_iter().collect(),
        }).collect::<Vec<_>>()))
    }
}

fn document(base: &Base, page: &CvePage, view: &TriageView) -> Value {
    let id = base.cve(&page.id);
    let record = page.record.as_ref();
    let refs: Vec<Value> = record
        .map(|r| {
            r.references
                .iter()
                .enumerate()
                .map(|(i, reference)| {
                    json!({
                        "id": format!("{id}#ref/{}", i + 1),
                        "type": "Reference",
                        "referenceType": reference.tags,
                        "rel": reference.url,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let matches: Vec<Value> = record
        .map(|r| {
            r.rules
                .iter()
                .enumerate()
                .map(|(i, rule)| {
                    let (min, min_op, max, max_op) = match bounds(&rule.versions) {
                        Some((a, b, c, d)) => (a, Some(b), c, Some(d)),
                        None => (None, None, None, None),
                    };
                    jsonld::compact(json!({
                        "id": format!("{id}#cpeMatch/{}", i + 1),
                        "type": "CPEMatch",
                        "vuln": id,
                        "cpeUri": cpe_uri(rule),
                        "minimumVersion": min,
                        "minimumVersionOp": min_op,
                        "maximumVersion": max,
                        "maximumVersionOp": max_op,
                        "vendor": rule.vendor,
                        "product": rule.product,
                        "ecosystemPackage": rule.package_name,
                        "criteria": rule.criteria,
                        "ruleOrigin": origin_name(rule),
                        "ruleSource": rule.source,
                        "ruleStatus": status_name(rule.status),
                        "jsonPath": rule.path,
                    }))
                })
                .collect()
        })
        .unwrap_or_default();
    let chosen = record.and_then(severity::chosen);
    let cvss: Vec<Value> = record
        .map(|r| {
            r.cvss
                .iter()
                .map(|c| {
                    jsonld::compact(json!({
                        "type": "Cvss",
                        "cvssVersion": serde_json::to_value(c.version).unwrap_or(Value::Null),
                        "score": c.score,
                        "vector": c.vector,
                        "severity": severity::name(c.severity),
                        "cvssSource": c.source,
                    }))
                })
                .collect()
        })
        .unwrap_or_default();
    let fixes: Vec<Value> = page
        .fixes
        .iter()
        .map(|f| {
            json!({
                "type": "RecordedFix",
                "repo": f.repo_tag,
                "package": base.package(&f.origin),
                "packageName": f.origin,
                "fixedVersion": f.version,
                "source": f.source,
            })
        })
        .collect();
    let rejections: Vec<Value> = page
        .rejections
        .iter()
        .map(|r| triage::rejection_node(base, r))
        .collect();
    let events: Vec<Value> = view
        .events
        .iter()
        .map(|e| triage::event_node(base, e))
        .collect();
    jsonld::document(
        base,
        jsonld::compact(json!({
            "id": id,
            "type": "Vulnerability",
            "description": record.and_then(|r| r.description.clone()),
            // The original's one score: the one the severity is taken from. A CVE without
            // one has no `cvss3` (the original answered 500).
            "cvss3": chosen.map(|c| json!({ "score": c.score, "vector": c.vector })),
            "severity": chosen.map(|c| severity::name(c.severity)),
            "cvss": cvss,
            "cwe": record.map(|r| r.cwes.clone()).unwrap_or_default(),
            "publishedAt": record.and_then(|r| r.published.clone()),
            "modifiedAt": record.and_then(|r| r.last_modified.clone()),
            "sources": page.sources,
            "ref": refs,
            "state": page.states.iter().map(|s| state_node(base, s)).collect::<Vec<_>>(),
            "cpeMatch": matches,
            "fix": fixes,
            "rejection": rejections,
            "triageEvent": events,
            "evidence": evidence::evidence_nodes(base, &page.evidence),
            "suggestions": evidence::suggestion_nodes(base, &page.suggestions),
        })),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use secfixes_cve::model::Bound;

    #[test]
    fn range_bounds_as_the_original_wrote_them() {
        let v = Versions::Range {
            start: Some(Bound {
                version: "1.0".into(),
                inclusive: true,
            }),
            end: Some(Bound {
                version: "1.2".into(),
                inclusive: false,
            }),
        };
        assert_eq!(bounds(&v), Some((Some("1.0"), ">=", Some("1.2"), "<")));
        assert_eq!(versions_text(&v), "≥ 1.0, < 1.2");
        assert_eq!(bounds(&Versions::Unknown), None);
    }
}
