//! `/health`: each importer's last run, last success and last error, and what the store
//! holds.

use axum::extract::State as Shared;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::{Value, json};

use secfixes_tracker::browse::health::{self, Run};

use super::respond;
use crate::app::App;
use crate::error::WebError;
use crate::format;
use crate::jsonld::{self, Base};
use crate::layout;
use crate::negotiate::Format;

fn run_cell(run: Option<&Run>) -> Markup {
    match run {
        None => html! { span.muted { "never" } },
        Some(r) => html! {
            (layout::time(r.started))
            @if let Some(n) = r.records { " · " (n) " records" }
            @if let Some(m) = &r.message { br; span.message { (m) } }
        },
    }
}

fn run_node(r: Option<&Run>) -> Value {
    r.map_or(Value::Null, |r| {
        jsonld::compact(json!({
            "type": "ImportRun",
            "started": format::rfc3339(r.started),
            "finished": r.finished.map(format::rfc3339),
            "ok": r.ok,
            "records": r.records,
            "message": r.message,
        }))
    })
}

pub async fn show(
    Shared(app): Shared<std::sync::Arc<App>>,
    format: Format,
    base: Base,
) -> Result<Response, WebError> {
    let h = app.pool.run(health::health).await?;
    Ok(respond(
        format,
        &app.site,
        "Importers",
        || {
            html! {
                h1 { "Importers" }
                p { "States last updated: " @if let Some(t) = h.last_update { (layout::time(t)) } @else { span.muted { "never" } } }
                table.health {
                    thead { tr { th { "Source" } th { "Runs" } th { "Last run" } th { "Last success" } th { "Last error" } } }
                    tbody { @for s in &h.sources {
                        tr class=(if s.last_run.as_ref().and_then(|r| r.ok) == Some(false) { "failing" } else { "ok" }) {
                            td { (s.source) }
                            td { (s.runs) }
                            td { (run_cell(s.last_run.as_ref())) }
                            td { (run_cell(s.last_success.as_ref())) }
                            td { (run_cell(s.last_error.as_ref())) }
                        }
                    } }
                }
                @let d = &h.deliveries;
                @if d.pending + d.delivered > 0 || !d.dead.is_empty() {
                    h2 #federation { "Notifications to other trackers" }
                    p { (d.delivered) " delivered · " (d.pending) " pending (" (d.retrying) " retrying) · " (d.dead.len()) " dead letters" }
                    @if !d.dead.is_empty() {
                        p.muted { "Dead letters were refused by the peer or failed too often; " code { "secfixes federation retry" } " queues them again." }
                        table.dead-letters {
                            thead { tr { th { "Notification" } th { "Peer" } th { "CVE" } th { "Package" } th { "Branch" } th { "Attempts" } th { "Last error" } } }
                            tbody { @for l in &d.dead { tr {
                                td { a href=(format!("/outbox/{}", l.outbox_seq)) { (l.outbox_seq) } }
                                td { (l.peer) } td { (l.vuln_id) } td { (l.origin) } td { (l.branch) }
                                td { (l.attempts) } td.message { (l.error) }
                            } } }
                        }
                    }
                }
                h2 { "What the store holds" }
                table.holdings { tbody { @for (what, n) in &h.counts { tr { th { (what) } td { (n) } } } } }
            }
        },
        || {
            let items = h
                .sources
                .iter()
                .map(|s| {
                    jsonld::compact(json!({
                        "id": base.url(&format!("/health#{}", crate::links::segment(&s.source))),
                        "type": "ImportSource",
                        "source": s.source,
                        "runs": s.runs,
                        "lastRun": run_node(s.last_run.as_ref()),
                        "lastSuccess": run_node(s.last_success.as_ref()),
                        "lastError": run_node(s.last_error.as_ref()),
                    }))
                })
                .collect();
            let holdings: serde_json::Map<String, Value> = h
                .counts
                .iter()
                .map(|(w, n)| (w.clone(), json!(n)))
                .collect();
            let mut extra = json!({ "holdings": holdings });
            if let Some(t) = h.last_update {
                extra["lastUpdate"] = json!(format::rfc3339(t));
            }
            let d = &h.deliveries;
            if d.pending + d.delivered > 0 || !d.dead.is_empty() {
                extra["deliveries"] = json!({
                    "pending": d.pending,
                    "retrying": d.retrying,
                    "delivered": d.delivered,
                    "deadLetters": d.dead.iter().map(|l| json!({
                        "notification": base.url(&format!("/outbox/{}", l.outbox_seq)),
                        "peer": l.peer,
                        "vuln": base.cve(&l.vuln_id),
                        "packageName": l.origin,
                        "branch": l.branch,
                        "attempts": l.attempts,
                        "message": l.error,
                    })).collect::<Vec<_>>(),
                });
            }
            jsonld::collection(&base, base.url("/health"), h.sources.len(), items, extra)
        },
    ))
}
