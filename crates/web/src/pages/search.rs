//! `/search?q=`: a known CVE id goes straight to its page; anything else lists matching
//! packages, maintainers and CVE descriptions.

use axum::extract::State as Shared;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde_json::json;

use secfixes_tracker::browse::search;

use super::respond;
use crate::app::App;
use crate::error::WebError;
use crate::jsonld::{self, Base};
use crate::links;
use crate::negotiate::Format;
use crate::params::Params;

/// Hits of each kind shown.
const LIMIT: usize = 50;
/// The longest query taken.
const MAX_QUERY: usize = 200;

pub async fn show(
    Shared(app): Shared<std::sync::Arc<App>>,
    format: Format,
    base: Base,
    params: Params,
) -> Result<Response, WebError> {
    let q = params.text("q").unwrap_or("").to_owned();
    if q.chars().count() > MAX_QUERY {
        return Err(WebError::bad_request(format!(
            "q is longer than {MAX_QUERY} characters"
        )));
    }
    let key = q.clone();
    let hits = app
        .pool
        .run(move |db| search::search(db, &key, LIMIT))
        .await?;
    if format == Format::Html
        && let Some(id) = &hits.cve
    {
        return Ok(Redirect::to(&links::cve(id)).into_response());
    }
    let title = if q.is_empty() {
        "Search".to_owned()
    } else {
        format!("Search: {q}")
    };
    Ok(respond(
        format,
        &app.site,
        &title,
        || {
            html! {
                h1 { "Search" }
                form.search-page action="/search" method="get" {
                    input type="search" name="q" value=(q) aria-label="Search";
                    button type="submit" { "Search" }
                }
                @if !q.is_empty() {
                    @if hits.packages.is_empty() && hits.maintainers.is_empty() && hits.cves.is_empty() {
                        p.empty { "Nothing matches " q { (q) } "." }
                    }
                    @if !hits.packages.is_empty() {
                        h2 { "Packages" }
                        ul.hits-packages { @for p in &hits.packages { li { a href=(links::package(p)) { (p) } } } }
                    }
                    @if !hits.maintainers.is_empty() {
                        h2 { "Maintainers" }
                        ul.hits-maintainers { @for m in &hits.maintainers { li { a href=(links::maintainer(m)) { (m) } } } }
                    }
                    @if !hits.cves.is_empty() {
                        h2 { "CVEs" }
                        dl.hits-cves { @for (id, text) in &hits.cves {
                            dt { a href=(links::cve(id)) { (id) } }
                            dd { (text) }
                        } }
                    }
                }
            }
        },
        || {
            let mut items = Vec::new();
            if let Some(id) = &hits.cve {
                items.push(json!({ "id": base.cve(id), "type": "Vulnerability" }));
            }
            items.extend(
                hits.packages
                    .iter()
                    .map(|p| json!({ "id": base.package(p), "type": "Package", "name": p })),
            );
            items.extend(
                hits.maintainers
                    .iter()
                    .map(|m| json!({ "id": base.maintainer(m), "type": "Maintainer", "name": m })),
            );
            items.extend(hits.cves.iter().map(
                |(id, d)| json!({ "id": base.cve(id), "type": "Vulnerability", "description": d }),
            ));
            let id = base.url(&format!("/search?q={}", links::query_value(&q)));
            let total = items.len();
            jsonld::collection(&base, id, total, items, json!({ "query": q }))
        },
    ))
}
