//! What peer trackers said (their verdicts from the inbox) on the CVE and package pages,
//! and the suggestions among them: a peer's `not_affected` or `fixed` verdict about a
//! package that is vulnerable here. A maintainer of the package sees each suggestion as a
//! rejection form filled in from the peer's verdict (reason, rationale quoting the peer,
//! the notification it came from); submitting it is an ordinary triage rejection, made
//! and attributed to them. Nothing here changes a state by itself.

use maud::{Markup, html};
use serde_json::{Value, json};

use secfixes_ldn::vocabulary::Status;
use secfixes_tracker::federation::evidence::{Evidence, Suggestion};

use super::triage::{self, Filled, FormTarget, TriageView};
use crate::jsonld::{self, Base};
use crate::links;

/// The evidence table and the suggestions, or nothing when no peer said anything.
pub fn section(evidence: &[Evidence], suggestions: &[Suggestion], view: &TriageView) -> Markup {
    if evidence.is_empty() {
        return html! {};
    }
    html! {
        section #evidence {
            h2 { "What other trackers say" }
            table.evidence {
                thead { tr { th { "Tracker" } th { "CVE" } th { "Their package" } th { "Verdict" } th { "Rationale" } th { "Changed" } } }
                tbody { @for e in evidence { tr {
                    td { (e.distribution) " " (e.branch) }
                    td { a href=(links::cve(&e.vuln_id)) { (e.vuln_id) } }
                    td { (e.package) @if let Some(origin) = &e.origin { " → " a href=(links::package(origin)) { (origin) } } }
                    td.verdict { (e.verdict()) }
                    td { (e.rationale.as_deref().unwrap_or("")) }
                    td { a href=(e.notification_id) title=(e.changed) { (e.changed.get(..10).unwrap_or(&e.changed)) } }
                } } }
            }
            @if !suggestions.is_empty() {
                h3 { "Suggestions" }
                @for s in suggestions {
                    div.suggestion data-vuln=(s.evidence.vuln_id) data-origin=(s.origin) {
                        p { (s.evidence.summary()) ": " (s.origin) " is "
                            @if s.evidence.status == Status::Fixed { "not fixed here" } @else { "vulnerable here" }
                            " in " (s.tags.join(", ")) "." }
                        @if let (Some(csrf), true) = (&view.csrf, view.actionable.contains_key(&s.origin)) {
                            @if s.evidence.status == Status::Fixed {
                                p.muted { "If " (s.origin) " carries the fix (a backported patch), reject the CVE below; otherwise record the fix in the APKBUILD's secfixes when it ships." }
                            }
                            (triage::reject_form(&target(s), csrf, Some(&filled(s))))
                        }
                    }
                }
            }
        }
    }
}

fn target(s: &Suggestion) -> FormTarget {
    FormTarget {
        vulns: vec![s.evidence.vuln_id.clone()],
        origin: s.origin.clone(),
        tags: s.tags.clone(),
    }
}

fn filled(s: &Suggestion) -> Filled {
    Filled {
        reason: Some(s.reason().as_str().to_owned()),
        rationale: s.rationale(),
        tags: s.tags.clone(),
        evidence: Some(s.evidence.notification_id.clone()),
    }
}

/// The evidence as JSON-LD nodes.
pub fn evidence_nodes(base: &Base, evidence: &[Evidence]) -> Option<Vec<Value>> {
    let nodes: Vec<Value> = evidence
        .iter()
        .map(|e| {
            jsonld::compact(json!({
                "id": e.notification_id,
                "type": "PeerVerdict",
                "sender": e.sender,
                "vuln": base.cve(&e.vuln_id),
                "distribution": e.distribution,
                "branch": e.branch,
                "peerPackage": e.package,
                "upstream": e.upstream,
                "product": e.product,
                "package": e.origin.as_ref().map(|o| base.package(o)),
                "status": e.status.as_str(),
                "fixedVersion": e.fixed_version,
                "justification": e.justification.map(|j| j.as_str()),
                "rationale": e.rationale,
                "changed": e.changed,
                "notification": base.url(&format!("/inbox/{}", e.notification_seq)),
            }))
        })
        .collect();
    (!nodes.is_empty()).then_some(nodes)
}

/// The suggestions as JSON-LD nodes.
pub fn suggestion_nodes(base: &Base, suggestions: &[Suggestion]) -> Option<Vec<Value>> {
    let nodes: Vec<Value> = suggestions
        .iter()
        .map(|s| {
            json!({
                "type": "Suggestion",
                "evidence": s.evidence.notification_id,
                "vuln": base.cve(&s.evidence.vuln_id),
                "package": base.package(&s.origin),
                "packageName": s.origin,
                "repos": s.tags,
                "reason": s.reason().as_str(),
                "rationale": s.rationale(),
            })
        })
        .collect();
    (!nodes.is_empty()).then_some(nodes)
}
