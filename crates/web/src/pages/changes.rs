//! `/changes`: state changes, newest first, paged; and the Atom feeds of all changes,
//! of a branch and of a maintainer.

use axum::extract::State as Shared;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::json;

use secfixes_tracker::browse::changes::{self, Event, EventFilter};

use super::{maintainer_link, respond};
use crate::app::{App, Segments};
use crate::error::WebError;
use crate::feed;
use crate::jsonld::{self, Base};
use crate::layout;
use crate::links;
use crate::negotiate::Format;
use crate::params::Params;

type AppState = Shared<std::sync::Arc<App>>;

/// Changes per page and per feed.
const PAGE: usize = 100;

/// A table of changes.
pub(crate) fn events_table(events: &[Event]) -> Markup {
    html! {
        @if events.is_empty() { p.empty { "No state changes yet." } } @else {
            table.changes {
                thead { tr { th { "When" } th { "CVE" } th { "Package" } th { "Repository" } th { "From" } th { "To" } th { "Maintainer" } } }
                tbody { @for e in events { tr {
                    td { (layout::time(e.at)) }
                    td { a href=(links::cve(&e.cve)) { (e.cve) } }
                    td { a href=(links::package(&e.origin)) { (e.origin) } " " (e.version) }
                    td { a href=(links::branch(&e.repo_tag)) { (e.repo_tag) } }
                    td { @if let Some(s) = e.old_state { (layout::state_badge(s)) } @else { span.muted { "new" } } }
                    td { @if let Some(s) = e.new_state { (layout::state_badge(s)) } @else { span.muted { "gone" } } }
                    td { (maintainer_link(e.maintainer.as_deref())) }
                } } }
            }
        }
    }
}

fn event_node(base: &Base, e: &Event) -> serde_json::Value {
    jsonld::compact(json!({
        "id": format!("{}#change/{}", base.url("/changes"), e.seq),
        "type": "StateChange",
        "at": crate::format::rfc3339(e.at),
        "vuln": base.cve(&e.cve),
        "package": base.package(&e.origin),
        "packageVersion": base.package_version(&e.origin, &e.version, &e.repo_tag),
        "repo": e.repo_tag,
        "oldState": e.old_state.map(|s| s.as_str()),
        "newState": e.new_state.map(|s| s.as_str()),
        "maintainer": e.maintainer,
    }))
}

pub async fn show(
    Shared(app): AppState,
    format: Format,
    base: Base,
    params: Params,
) -> Result<Response, WebError> {
    let before = match params.text("before") {
        None => None,
        Some(_) => {
            Some(i64::try_from(params.number("before", 0, 1, i64::MAX as u64)?).unwrap_or(i64::MAX))
        }
    };
    let events = app
        .pool
        .run(move |db| changes::recent(db, &EventFilter::All, before, PAGE))
        .await?;
    let next = (events.len() == PAGE)
        .then(|| events.last().map(|e| e.seq))
        .flatten();
    Ok(respond(
        format,
        &app.site,
        "Recent changes",
        || {
            html! {
                h1 { "Recent changes" }
                p { a href="/changes/feed.atom" type="application/atom+xml" { "Atom feed" } }
                (events_table(&events))
                @if let Some(seq) = next { nav.pager { a rel="next" href=(format!("/changes?before={seq}")) { "older →" } } }
            }
        },
        || {
            let id = match before {
                Some(b) => base.url(&format!("/changes?before={b}")),
                None => base.url("/changes"),
            };
            let mut extra = json!({ "feed": base.url("/changes/feed.atom") });
            if let Some(seq) = next {
                extra["next"] = json!(base.url(&format!("/changes?before={seq}")));
            }
            let items = events.iter().map(|e| event_node(&base, e)).collect();
            jsonld::collection(&base, id, events.len(), items, extra)
        },
    ))
}

/// Whose changes a feed carries.
#[derive(Debug, Clone, Copy)]
enum Whose {
    All,
    Branch,
    Maintainer,
}

async fn events(app: &App, whose: Whose, key: String) -> Result<Vec<Event>, WebError> {
    app.pool
        .run(move |db| {
            let filter = match whose {
                Whose::All => EventFilter::All,
                Whose::Branch => EventFilter::Branch(&key),
                Whose::Maintainer => EventFilter::Maintainer(&key),
            };
            changes::recent(db, &filter, None, PAGE)
        })
        .await
}

pub async fn feed(Shared(app): AppState, base: Base) -> Result<Response, WebError> {
    let list = events(&app, Whose::All, String::new()).await?;
    let title = format!("{}: recent state changes", app.site.name);
    Ok(feed::response(&feed::feed(
        &base,
        &title,
        "/changes/feed.atom",
        "/changes",
        &list,
    )))
}

pub async fn branch_feed(
    Shared(app): AppState,
    base: Base,
    Segments(tag): Segments<String>,
) -> Result<Response, WebError> {
    if !app
        .cache
        .overview(&app.pool)
        .await?
        .iter()
        .any(|t| t.tag == tag)
    {
        return Err(WebError::not_found(format!("there is no branch {tag:?}")));
    }
    let list = events(&app, Whose::Branch, tag.clone()).await?;
    let title = format!("{}: state changes in {tag}", app.site.name);
    let path = format!("{}/feed.atom", links::branch(&tag));
    Ok(feed::response(&feed::feed(
        &base,
        &title,
        &path,
        &links::branch(&tag),
        &list,
    )))
}

pub async fn maintainer_feed(
    Shared(app): AppState,
    base: Base,
    Segments(name): Segments<String>,
) -> Result<Response, WebError> {
    let list = events(&app, Whose::Maintainer, name.clone()).await?;
    let title = format!("{}: state changes of {name}'s packages", app.site.name);
    Ok(feed::response(&feed::feed(
        &base,
        &title,
        &feed::maintainer_path(&name),
        &links::maintainer(&name),
        &list,
    )))
}
