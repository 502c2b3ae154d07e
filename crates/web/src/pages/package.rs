//! `/srcpkg/<origin>`: versions per branch, open and resolved CVEs, fix history and
//! state changes; `/srcpkg/<origin>/<version>`: one version's states.

use axum::extract::State as Shared;
use axum::response::Response;
use maud::html;
use serde_json::{Value, json};

use secfixes_tracker::browse::package::{self, VersionRow};
use secfixes_tracker::browse::states::StateRow;

use std::collections::{BTreeMap, BTreeSet};

use secfixes_tracker::browse::history::Scope;

use super::changes::events_table;
use super::evidence;
use super::triage::{self, FormTarget, TriageView};
use super::{Columns, maintainer_link, respond, state_node, states_table};
use crate::app::{App, Segments};
use crate::auth;
use crate::error::WebError;
use crate::format;
use crate::jsonld::{self, Base};
use crate::layout;
use crate::links;
use crate::negotiate::Format;

type AppState = Shared<std::sync::Arc<App>>;

fn version_node(base: &Base, v: &VersionRow, states: Vec<Value>) -> Value {
    jsonld::compact(json!({
        "id": base.package_version(&v.origin, &v.version, &v.repo_tag),
        "type": "PackageVersion",
        "package": base.package(&v.origin),
        "packageName": v.origin,
        "version": v.version,
        "repo": v.repo_tag,
        "published": v.published,
        "maintainer": v.maintainer,
        "firstSeen": format::rfc3339(v.first_seen),
        "lastSeen": v.last_seen.map(format::rfc3339),
        "state": states,
    }))
}

fn versions_table(versions: &[VersionRow]) -> maud::Markup {
    html! {
        table.versions {
            thead { tr { th { "Repository" } th { "Version" } th { "Published" } th { "Maintainer" } th { "First seen" } th { "Left the index" } } }
            tbody { @for v in versions { tr class=(if v.published { "published" } else { "unpublished" }) {
                td { a href=(links::branch(&v.repo_tag)) { (v.repo_tag) } }
                td { a href=(links::package_version(&v.origin, &v.version)) { (v.version) } }
                td { @if v.published { "yes" } @else { span.muted { "no" } } }
                td { (maintainer_link(v.maintainer.as_deref())) }
                td { (layout::time(v.first_seen)) }
                td { @if let Some(t) = v.last_seen { (layout::time(t)) } @else { span.muted { "—" } } }
            } } }
        }
    }
}

pub async fn show(
    Shared(app): AppState,
    format: Format,
    base: Base,
    Segments(origin): Segments<String>,
) -> Result<Response, WebError> {
    let key = origin.clone();
    let viewer = auth::viewer();
    let (page, view) = app
        .pool
        .run(move |db| {
            let Some(page) = package::page(db, &key)? else {
                return Ok(None);
            };
            let tags: BTreeSet<String> = page.states.iter().map(|s| s.repo_tag.clone()).collect();
            let targets = BTreeMap::from([(key.clone(), tags)]);
            let view = TriageView::load(db, viewer.as_deref(), Scope::Package(&key), targets)?;
            Ok(Some((page, view)))
        })
        .await?
        .ok_or_else(|| WebError::not_found(format!("no index lists a package {origin:?}")))?;
    // One form for the package: any of its open CVEs, on the tags where it has states.
    let form = FormTarget {
        vulns: page
            .states
            .iter()
            .filter(|s| s.state.is_open())
            .map(|s| s.cve.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        origin: page.origin.clone(),
        tags: view
            .actionable
            .get(&page.origin)
            .cloned()
            .unwrap_or_default(),
    };
    let forms = if form.vulns.is_empty() {
        vec![]
    } else {
        vec![form]
    };
    let (open, resolved): (Vec<&StateRow>, Vec<&StateRow>) =
        page.states.iter().partition(|s| s.state.is_open());
    Ok(respond(
        format,
        &app.site,
        &page.origin,
        || {
            let now = format::now();
            html! {
                h1 { (page.origin) }
                h2 { "Versions" }
                (versions_table(&page.versions))
                @if !page.binaries.is_empty() {
                    h2 { "Binary packages" }
                    ul.binaries { @for (tag, name) in &page.binaries { li { (name) " " span.muted { "(" (tag) ")" } } } }
                }
                h2 { "Open CVEs" }
                @if open.is_empty() { p.empty { "None." } } @else {
                    (states_table(&open, Columns { repo: true, package: false, cve: true, maintainer: false }, now))
                }
                h2 { "Resolved CVEs" }
                @if resolved.is_empty() { p.empty { "None." } } @else {
                    (states_table(&resolved, Columns { repo: true, package: false, cve: true, maintainer: false }, now))
                }
                h2 { "Fix history" }
                @if page.fixes.is_empty() { p.empty { "The distribution records no fixes for this package." } } @else {
                    table.fixes {
                        thead { tr { th { "Repository" } th { "Fixed in" } th { "CVE" } th { "Source" } } }
                        tbody { @for f in &page.fixes { tr {
                            td { (f.repo_tag) }
                            td { @if f.version == "0" { "0 (not affected)" } @else { (f.version) } }
                            td { a href=(links::cve(&f.cve)) { (f.cve) } }
                            td { (f.source) }
                        } } }
                    }
                }
                (evidence::section(&page.evidence, &page.suggestions, &view))
                (triage::section(&page.rejections, &view, &forms))
                h2 { "State changes" }
                (events_table(&page.events))
            }
        },
        || {
            let versions: Vec<Value> = page
                .versions
                .iter()
                .map(|v| {
                    let states = page
                        .states
                        .iter()
                        .filter(|s| s.repo_tag == v.repo_tag && s.version == v.version)
                        .map(|s| {
                            Value::String(base.state(&s.cve, &s.repo_tag, &s.origin, &s.version))
                        })
                        .collect();
                    version_node(&base, v, states)
                })
                .collect();
            jsonld::document(
                &base,
                jsonld::compact(json!({
                    "id": base.package(&page.origin),
                    "type": "Package",
                    "name": page.origin,
                    "packageVersion": versions,
                    "binaryPackage": page.binaries.iter().map(|(_, n)| n.clone()).collect::<std::collections::BTreeSet<_>>(),
                    "state": page.states.iter().map(|s| state_node(&base, s)).collect::<Vec<_>>(),
                    "rejection": page.rejections.iter().map(|r| triage::rejection_node(&base, r)).collect::<Vec<_>>(),
                    "triageEvent": view.events.iter().map(|e| triage::event_node(&base, e)).collect::<Vec<_>>(),
                    "evidence": evidence::evidence_nodes(&base, &page.evidence),
                    "suggestions": evidence::suggestion_nodes(&base, &page.suggestions),
                })),
            )
        },
    ))
}

pub async fn version(
    Shared(app): AppState,
    format: Format,
    base: Base,
    Segments((origin, version)): Segments<(String, String)>,
) -> Result<Response, WebError> {
    let (o, v) = (origin.clone(), version.clone());
    let (versions, states) = app
        .pool
        .run(move |db| package::version(db, &o, &v))
        .await?
        .ok_or_else(|| WebError::not_found(format!("no index lists {origin} {version}")))?;
    let title = format!("{origin} {version}");
    Ok(respond(
        format,
        &app.site,
        &title,
        || {
            let rows: Vec<&StateRow> = states.iter().collect();
            html! {
                h1 { a href=(links::package(&origin)) { (origin) } " " (version) }
                (versions_table(&versions))
                h2 { "States" }
                @if rows.is_empty() { p.empty { "No CVE is tied to this version." } } @else {
                    (states_table(&rows, Columns { repo: true, package: false, cve: true, maintainer: false }, format::now()))
                }
            }
        },
        || {
            let items = versions
                .iter()
                .map(|v| {
                    let mine = states
                        .iter()
                        .filter(|s| s.repo_tag == v.repo_tag)
                        .map(|s| state_node(&base, s))
                        .collect();
                    version_node(&base, v, mine)
                })
                .collect();
            jsonld::collection(
                &base,
                base.url(&links::package_version(&origin, &version)),
                versions.len(),
                items,
                json!({}),
            )
        },
    ))
}
