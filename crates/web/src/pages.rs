//! One module per page; each handler answers in HTML or JSON-LD by [`Format`], and the
//! pieces several pages show (tables of states, state nodes) live here.

pub mod branch;
pub mod changes;
pub mod cve;
pub mod evidence;
pub mod health;
pub mod index;
pub mod maintainer;
pub mod package;
pub mod search;
pub mod triage;

use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use secfixes_tracker::browse::states::StateRow;
use secfixes_tracker::engine::State;

use crate::format;
use crate::jsonld::{self, Base};
use crate::layout::{self, Site};
use crate::links;
use crate::negotiate::Format;

/// The page as HTML, or its document as JSON-LD; only the one asked for is built.
pub(crate) fn respond(
    format: Format,
    site: &Site,
    title: &str,
    html: impl FnOnce() -> Markup,
    json: impl FnOnce() -> Value,
) -> Response {
    match format {
        Format::Html => Html(layout::page(site, title, html()).into_string()).into_response(),
        Format::JsonLd | Format::Json => jsonld::response(format, &json()),
    }
}

/// A state as a `VulnerabilityState` node.
pub(crate) fn state_node(base: &Base, row: &StateRow) -> Value {
    jsonld::compact(json!({
        "id": base.state(&row.cve, &row.repo_tag, &row.origin, &row.version),
        "type": "VulnerabilityState",
        "vuln": base.cve(&row.cve),
        "packageVersion": base.package_version(&row.origin, &row.version, &row.repo_tag),
        "package": base.package(&row.origin),
        "packageName": row.origin,
        "version": row.version,
        "repo": row.repo_tag,
        "published": true,
        "fixed": row.state == State::Fixed || row.state == State::NotAffected,
        "status": row.state.as_str(),
        "fixedVersion": row.fixed_version,
        "fixSource": row.fix_source,
        "fixShipped": row.fix_shipped.map(format::rfc3339),
        "severity": row.severity,
        "score": row.score,
        "maintainer": row.maintainer,
        "changedAt": format::rfc3339(row.changed_at),
        "explanation": row.explanation.as_ref().map(|e| serde_json::to_value(e).unwrap_or(Value::Null)),
    }))
}

/// Which columns a table of states shows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Columns {
    pub repo: bool,
    pub package: bool,
    pub cve: bool,
    pub maintainer: bool,
}

/// A table of states.
pub(crate) fn states_table(rows: &[&StateRow], columns: Columns, now: i64) -> Markup {
    html! {
        table.states {
            thead { tr {
                @if columns.repo { th { "Repository" } }
                @if columns.package { th { "Package" } }
                th { "Version" }
                @if columns.cve { th { "CVE" } }
                th { "State" }
                th { "Severity" }
                th { "Fixed in" }
                @if columns.maintainer { th { "Maintainer" } }
                th title="Since the state last changed" { "Age" }
            } }
            tbody {
                @for row in rows {
                    tr class={ "row-" (row.state.as_str()) } {
                        @if columns.repo { td { a href=(links::branch(&row.repo_tag)) { (row.repo_tag) } } }
                        @if columns.package { td { a href=(links::package(&row.origin)) { (row.origin) } } }
                        td { (row.version) }
                        @if columns.cve { td { a.cve href=(links::cve(&row.cve)) { (row.cve) } } }
                        td { (layout::state_badge(row.state)) }
                        td {
                            (layout::severity_badge(row.severity.as_deref()))
                            @if let Some(score) = row.score { " " span.score { (format!("{score:.1}")) } }
                        }
                        td { (layout::or_dash(row.fixed_version.as_deref())) }
                        @if columns.maintainer { td { (maintainer_link(row.maintainer.as_deref())) } }
                        td { time datetime=(format::rfc3339(row.changed_at)) { (format::age(row.changed_at, now)) } }
                    }
                }
            }
        }
    }
}

/// A maintainer's name linking to their page, or "orphaned".
pub(crate) fn maintainer_link(m: Option<&str>) -> Markup {
    match m {
        Some(m) => html! { a.maintainer href=(links::maintainer(m)) { (m) } },
        None => html! { span.muted { "orphaned" } },
    }
}
