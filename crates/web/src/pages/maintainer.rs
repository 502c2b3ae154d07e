//! `/maintainers` and `/maintainer/<name>`: who looks after what, and their open issues.

use axum::extract::State as Shared;
use axum::response::Response;
use maud::html;
use serde_json::json;

use secfixes_tracker::browse::maintainer;
use secfixes_tracker::browse::states::StateRow;

use super::{Columns, respond, state_node, states_table};
use crate::app::{App, Segments};
use crate::error::WebError;
use crate::format;
use crate::jsonld::{self, Base};
use crate::links;
use crate::negotiate::Format;

type AppState = Shared<std::sync::Arc<App>>;

pub async fn list(Shared(app): AppState, format: Format, base: Base) -> Result<Response, WebError> {
    let all = app.pool.run(maintainer::list).await?;
    Ok(respond(
        format,
        &app.site,
        "Maintainers",
        || {
            html! {
                h1 { "Maintainers" }
                table.maintainers {
                    thead { tr { th { "Maintainer" } th { "Packages" } th { "Open states" } } }
                    tbody { @for m in all.iter() { tr {
                        td { a.maintainer href=(links::maintainer(&m.maintainer)) { (m.maintainer) } }
                        td { (m.packages) }
                        td { (m.open) }
                    } } }
                }
            }
        },
        || {
            let items = all
                .iter()
                .map(|m| {
                    json!({
                        "id": base.maintainer(&m.maintainer),
                        "type": "Maintainer",
                        "name": m.maintainer,
                        "countPackages": m.packages,
                        "countOpen": m.open,
                    })
                })
                .collect();
            jsonld::collection(&base, base.url("/maintainers"), all.len(), items, json!({}))
        },
    ))
}

pub async fn show(
    Shared(app): AppState,
    format: Format,
    base: Base,
    Segments(name): Segments<String>,
) -> Result<Response, WebError> {
    let key = name.clone();
    let (packages, states) = app
        .pool
        .run(move |db| maintainer::page(db, &key))
        .await?
        .ok_or_else(|| {
            WebError::not_found(format!("no published package is maintained by {name:?}"))
        })?;
    let open: Vec<&StateRow> = states.iter().filter(|s| s.state.is_open()).collect();
    Ok(respond(
        format,
        &app.site,
        &name,
        || {
            html! {
                h1 { (name) }
                p { a href=(format!("{}/feed.atom", links::maintainer(&name))) type="application/atom+xml" { "Atom feed of state changes" } }
                h2 { "Open states" }
                @if open.is_empty() { p.empty { "None." } } @else {
                    (states_table(&open, Columns { repo: true, package: true, cve: true, maintainer: false }, format::now()))
                }
                h2 { "Packages" }
                table.packages {
                    thead { tr { th { "Repository" } th { "Package" } th { "Version" } } }
                    tbody { @for p in &packages { tr {
                        td { a href=(links::branch(&p.repo_tag)) { (p.repo_tag) } }
                        td { a href=(links::package(&p.origin)) { (p.origin) } }
                        td { (p.version) }
                    } } }
                }
            }
        },
        || {
            jsonld::document(
                &base,
                json!({
                    "id": base.maintainer(&name),
                    "type": "Maintainer",
                    "name": name,
                    "packageVersion": packages.iter().map(|p| base.package_version(&p.origin, &p.version, &p.repo_tag)).collect::<Vec<_>>(),
                    "state": open.iter().map(|s| state_node(&base, s)).collect::<Vec<_>>(),
                    "feed": base.url(&format!("{}/feed.atom", links::maintainer(&name))),
                }),
            )
        },
    ))
}
