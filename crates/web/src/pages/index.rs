//! `/`: every branch with its counts by state and of orphaned packages.

use axum::extract::State as Shared;
use axum::response::Response;
use maud::html;
use serde_json::json;

use secfixes_tracker::engine::State;

use super::respond;
use crate::app::App;
use crate::error::WebError;
use crate::format;
use crate::jsonld::{self, Base};
use crate::links;
use crate::negotiate::Format;

pub async fn show(
    Shared(app): Shared<std::sync::Arc<App>>,
    format: Format,
    base: Base,
) -> Result<Response, WebError> {
    let tags = app.cache.overview(&app.pool).await?;
    Ok(respond(
        format,
        &app.site,
        "Branches",
        || {
            html! {
                h1 { "Branches" }
                @if tags.is_empty() { p.empty { "Nothing imported yet: run secfixes sync." } } @else {
                    table.branches {
                        thead { tr {
                            th { "Repository" }
                            th { "Packages" }
                            th title="Packages with at least one open state" { "With open CVEs" }
                            @for s in State::ALL { th { (format::state_label(s)) } }
                            th { "Orphaned" }
                        } }
                        tbody { @for t in tags.iter() { tr {
                            td { a.branch href=(links::branch(&t.tag)) { (t.tag) } }
                            td { (t.packages) }
                            td { (t.packages_open) }
                            @for s in State::ALL {
                                td class={ "count-" (s.as_str()) } {
                                    a href=(format!("{}?state={}", links::branch(&t.tag), s.as_str())) { (t.count(s)) }
                                }
                            }
                            td { a href=(format!("{}/orphaned", links::branch(&t.tag))) { (t.orphaned) } }
                        } } }
                    }
                }
            }
        },
        || {
            let items = tags
                .iter()
                .map(|t| {
                    json!({
                        "id": base.branch(&t.tag),
                        "type": "Repository",
                        "tag": t.tag,
                        "branch": t.branch,
                        "repo": t.repo,
                        "countPackages": t.packages,
                        "countPackagesOpen": t.packages_open,
                        "countOrphaned": t.orphaned,
                        "countVulnerable": t.vulnerable,
                        "countPossiblyVulnerable": t.possibly_vulnerable,
                        "countUnknown": t.unknown,
                        "countFixed": t.fixed,
                        "countNotAffected": t.not_affected,
                    })
                })
                .collect();
            jsonld::collection(&base, base.url("/"), tags.len(), items, json!({}))
        },
    ))
}
