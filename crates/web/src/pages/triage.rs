//! Triage in the web UI: the rejection forms and tables of the CVE and package pages,
//! `POST /triage/reject` and `POST /triage/withdraw`, and the history (`/history`, its
//! Atom feed).
//!
//! The handlers check the session and its CSRF token here; who may act on which package
//! is checked by [`secfixes_tracker::triage`] in the same transaction that writes. A
//! refused action answers 4xx with the form as it was sent, so nothing typed is lost.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use atom_syndication::{Entry, Link, Person, Text};
use axum::extract::State as Shared;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use secfixes_tracker::browse::RejectionRow;
use secfixes_tracker::browse::history::{self, Scope, TriageEvent};
use secfixes_tracker::db::Db;
use secfixes_tracker::triage::{self, Actor, Reason, Request, Role, TriageError};

use super::respond;
use crate::app::App;
use crate::auth::{self, Viewer};
use crate::error::WebError;
use crate::format;
use crate::jsonld::{self, Base};
use crate::layout;
use crate::links;
use crate::negotiate::Format;
use crate::params::Form;

/// Events shown on a page and in the feed.
const HISTORY: u64 = 200;

/// What the triage parts of a CVE or package page show.
#[derive(Debug, Clone, Default)]
pub struct TriageView {
    pub events: Vec<TriageEvent>,
    /// The origins the viewer may triage, each with its repository tags.
    pub actionable: BTreeMap<String, Vec<String>>,
    pub csrf: Option<String>,
    pub security: bool,
}

impl TriageView {
    /// Reads the history of `scope` and, for a viewer, which of `targets` (origin → tags)
    /// they may act on.
    pub fn load(
        db: &mut dyn Db,
        viewer: Option<&Viewer>,
        scope: Scope<'_>,
        targets: BTreeMap<String, BTreeSet<String>>,
    ) -> secfixes_tracker::Result<TriageView> {
        let events = history::events(db, scope, HISTORY)?;
        let mut actionable = BTreeMap::new();
        if let Some(v) = viewer {
            for (origin, tags) in targets {
                if v.actor.may_act(db, &origin)? {
                    actionable.insert(origin, tags.into_iter().collect());
                }
            }
        }
        Ok(TriageView {
            events,
            actionable,
            csrf: viewer.map(|v| v.csrf.clone()),
            security: viewer.is_some_and(|v| v.actor.security),
        })
    }
}

/// What a refused form sent, to show it again.
#[derive(Debug, Clone, Default)]
pub struct Filled {
    pub reason: Option<String>,
    pub rationale: String,
    pub tags: Vec<String>,
    /// The peer's notification, for a form filled in from a suggestion.
    pub evidence: Option<String>,
}

/// One rejection form: the CVE (or a choice of CVEs), the package and its repository
/// tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormTarget {
    pub vulns: Vec<String>,
    pub origin: String,
    pub tags: Vec<String>,
}

/// The form that rejects a CVE of `target` for its origin on some of its tags (all
/// checked unless `filled` says otherwise).
pub fn reject_form(target: &FormTarget, csrf: &str, filled: Option<&Filled>) -> Markup {
    let checked = |tag: &String| filled.is_none_or(|f| f.tags.contains(tag));
    let reason = filled.and_then(|f| f.reason.as_deref());
    let (origin, tags) = (&target.origin, &target.tags);
    let single = match target.vulns.as_slice() {
        [one] => Some(one.as_str()),
        _ => None,
    };
    html! {
        form.triage-reject method="post" action="/triage/reject" data-origin=(origin) data-vuln=[single] {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="origin" value=(origin);
            @if let Some(evidence) = filled.and_then(|f| f.evidence.as_deref()) {
                input type="hidden" name="evidence" value=(evidence);
            }
            fieldset {
                @if let Some(vuln) = single {
                    input type="hidden" name="vuln" value=(vuln);
                    legend { "Reject " (vuln) " for " (origin) }
                } @else {
                    legend { "Reject a CVE for " (origin) }
                    label { "CVE " select name="vuln" required { @for v in &target.vulns { option value=(v) { (v) } } } }
                }
                p.tags { "In " @for tag in tags {
                    label.tag { input type="checkbox" name="tag" value=(tag) checked[checked(tag)]; " " (tag) } " "
                } }
                label { "Reason " select name="reason" required {
                    option value="" selected[reason.is_none()] { "choose a reason…" }
                    @for r in Reason::ALL {
                        option value=(r.as_str()) selected[reason == Some(r.as_str())] { (r.as_str()) " — " (r.label()) }
                    }
                } }
                label.rationale { "Rationale " textarea name="rationale" required maxlength=(triage::MAX_RATIONALE) rows="3"
                    placeholder="Why the CVE does not apply: what the package builds or ships, a link to upstream…" {
                    (filled.map(|f| f.rationale.as_str()).unwrap_or(""))
                } }
                button type="submit" { "Reject" }
            }
        }
    }
}

fn withdraw_form(r: &RejectionRow, csrf: &str) -> Markup {
    html! {
        form.triage-withdraw method="post" action="/triage/withdraw" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="vuln" value=(r.cve);
            input type="hidden" name="origin" value=(r.origin);
            input type="hidden" name="tag" value=(r.repo_tag);
            button type="submit" { "Withdraw" }
        }
    }
}

/// Who made a rejection: `jane (maintainer)`, or the file it came from.
fn author(r: &RejectionRow) -> Markup {
    match (&r.actor, &r.actor_role) {
        (Some(actor), Some(role)) => html! { (actor) " " span.muted { "(" (role) ")" } },
        (Some(actor), None) => html! { (actor) },
        _ => html! { span.muted { "imported" } },
    }
}

/// The rejections in force, with a withdraw button where the viewer may use one: on
/// triage rejections of packages they may act on, and not over the security team
/// unless they are in it.
pub fn rejections_table(rows: &[RejectionRow], view: &TriageView) -> Markup {
    html! {
        @if rows.is_empty() { p.empty { "No rejections." } } @else {
            table.rejections {
                thead { tr { th { "Repository" } th { "Package" } th { "CVE" } th { "Source" } th { "Reason" } th { "Rationale" } th { "By" } th { "Since" } @if view.csrf.is_some() { th { } } } }
                tbody { @for r in rows { tr.rejection data-origin=(r.origin) data-tag=(r.repo_tag) {
                    td { a href=(links::branch(&r.repo_tag)) { (r.repo_tag) } }
                    td { a href=(links::package(&r.origin)) { (r.origin) } }
                    td { a.cve href=(links::cve(&r.cve)) { (r.cve) } }
                    td { (r.source) }
                    td.reason { (layout::or_dash(r.reason.as_deref())) }
                    td.rationale { (layout::or_dash(r.rationale.as_deref())) }
                    td { (author(r)) }
                    td { @if let Some(t) = r.created_at { (layout::time(t)) } @else { span.muted { "—" } } }
                    @if let Some(csrf) = &view.csrf { td {
                        @if r.source == triage::SOURCE && view.actionable.contains_key(&r.origin)
                            && (view.security || r.actor_role.as_deref() != Some(Role::Security.as_str())) {
                            (withdraw_form(r, csrf))
                        }
                    } }
                } } }
            }
        }
    }
}

/// A table of triage events.
pub fn history_table(events: &[TriageEvent]) -> Markup {
    html! {
        @if events.is_empty() { p.empty { "No triage yet." } } @else {
            table.history {
                thead { tr { th { "When" } th { "Who" } th { "Action" } th { "CVE" } th { "Package" } th { "Repositories" } th { "Reason" } th { "Rationale" } } }
                tbody { @for e in events { tr.triage-event id=(format!("triage/{}", e.seq)) {
                    td { (layout::time(e.at)) }
                    td { (e.actor) " " span.muted { "(" (e.actor_role) ")" } }
                    td.action { (action_label(&e.action)) }
                    td { a.cve href=(links::cve(&e.cve)) { (e.cve) } }
                    td { a href=(links::package(&e.origin)) { (e.origin) } }
                    td { (e.repo_tags.join(", ")) }
                    td { (layout::or_dash(e.reason.as_deref())) }
                    td { (layout::or_dash(e.rationale.as_deref())) }
                } } }
            }
        }
    }
}

fn action_label(action: &str) -> &str {
    match action {
        "reject" => "rejected",
        "withdraw" => "withdrew the rejection",
        other => other,
    }
}

/// The triage part of a CVE or package page: the rejections, the forms the viewer may
/// use, and the history.
pub fn section(rows: &[RejectionRow], view: &TriageView, forms: &[FormTarget]) -> Markup {
    html! {
        section #triage {
            h2 { "Rejections" }
            (rejections_table(rows, view))
            @if let Some(csrf) = &view.csrf {
                @for target in forms {
                    @if view.actionable.contains_key(&target.origin) { (reject_form(target, csrf, None)) }
                }
            } @else if auth::context().login {
                p.muted { "Maintainers " a href=(login_link()) { "log in" } " to reject a CVE that does not apply to their package." }
            }
        }
        section #history {
            h2 { "Triage history" }
            (history_table(&view.events))
        }
    }
}

fn login_link() -> String {
    format!(
        "/login?return_to={}",
        links::query_value(&auth::context().here)
    )
}

/// A rejection as a JSON-LD node.
pub fn rejection_node(base: &Base, r: &RejectionRow) -> Value {
    jsonld::compact(json!({
        "type": "Rejection",
        "repo": r.repo_tag,
        "vuln": base.cve(&r.cve),
        "package": base.package(&r.origin),
        "packageName": r.origin,
        "source": r.source,
        "reason": r.reason,
        "rationale": r.rationale,
        "actor": r.actor,
        "actorRole": r.actor_role,
        "createdAt": r.created_at.map(format::rfc3339),
    }))
}

/// A triage event as a JSON-LD node.
pub fn event_node(base: &Base, e: &TriageEvent) -> Value {
    jsonld::compact(json!({
        "id": format!("{}#triage/{}", base.url("/history"), e.seq),
        "type": "TriageEvent",
        "at": format::rfc3339(e.at),
        "actor": e.actor,
        "actorName": e.actor_name,
        "actorRole": e.actor_role,
        "action": e.action,
        "vuln": base.cve(&e.cve),
        "package": base.package(&e.origin),
        "packageName": e.origin,
        "repos": e.repo_tags,
        "reason": e.reason,
        "rationale": e.rationale,
        "evidence": e.evidence,
    }))
}

/// What both actions read from the form.
struct Submitted {
    viewer: Arc<Viewer>,
    vuln: String,
    origin: String,
    tags: Vec<String>,
    rationale: String,
    reason: Option<String>,
    /// The peer's notification a suggestion came from.
    evidence: Option<String>,
}

fn submitted(form: &Form) -> Result<Submitted, WebError> {
    let viewer = auth::require_viewer()?;
    viewer.check_csrf(form.text("csrf"))?;
    let field = |name: &str| {
        form.text(name)
            .map(str::to_owned)
            .ok_or_else(|| WebError::bad_request(format!("the form has no {name}")))
    };
    Ok(Submitted {
        vuln: field("vuln")?,
        origin: field("origin")?,
        tags: form.all("tag").into_iter().map(str::to_owned).collect(),
        rationale: form.raw("rationale").unwrap_or("").to_owned(),
        reason: form.text("reason").map(str::to_owned),
        evidence: form.text("evidence").map(str::to_owned),
        viewer,
    })
}

fn triage_config(app: &App) -> Result<Arc<secfixes_tracker::config::Config>, WebError> {
    app.tracker_config
        .clone()
        .ok_or_else(|| WebError::not_found("triage is not set up on this tracker"))
}

/// `POST /triage/reject`.
pub async fn reject(Shared(app): Shared<Arc<App>>, form: Form) -> Result<Response, WebError> {
    let config = triage_config(&app)?;
    let s = submitted(&form)?;
    let filled = Filled {
        reason: s.reason.clone(),
        rationale: s.rationale.clone(),
        tags: s.tags.clone(),
        evidence: s.evidence.clone(),
    };
    let reason = match s.reason.as_deref().map(Reason::parse) {
        Some(Some(r)) => r,
        Some(None) | None => {
            let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
            let message = match &s.reason {
                Some(r) => format!("{r:?} is not a reason code; one of {}", codes.join(", ")),
                None => format!("choose a reason: one of {}", codes.join(", ")),
            };
            return Ok(refused(&app, &s, &filled, StatusCode::BAD_REQUEST, &message).await);
        }
    };
    if s.tags.is_empty() {
        return Ok(refused(
            &app,
            &s,
            &filled,
            StatusCode::BAD_REQUEST,
            "choose at least one repository",
        )
        .await);
    }
    let result = act(&app, &s, move |db, actor, request| {
        triage::reject(db, &config, actor, request, reason)
    })
    .await?;
    finish(&app, &s, &filled, result).await
}

/// `POST /triage/withdraw`.
pub async fn withdraw(Shared(app): Shared<Arc<App>>, form: Form) -> Result<Response, WebError> {
    let config = triage_config(&app)?;
    let s = submitted(&form)?;
    let filled = Filled {
        reason: None,
        rationale: s.rationale.clone(),
        tags: s.tags.clone(),
        evidence: s.evidence.clone(),
    };
    let result = act(&app, &s, move |db, actor, request| {
        triage::withdraw(db, &config, actor, request)
    })
    .await?;
    finish(&app, &s, &filled, result).await
}

/// Runs a triage action with the submitted request on a store connection.
async fn act(
    app: &App,
    s: &Submitted,
    action: impl FnOnce(&mut dyn Db, &Actor, &Request<'_>) -> Result<triage::Outcome, TriageError>
    + Send
    + 'static,
) -> Result<Result<triage::Outcome, TriageError>, WebError> {
    let (actor, vuln, origin, tags, rationale, evidence) = (
        s.viewer.actor.clone(),
        s.vuln.clone(),
        s.origin.clone(),
        s.tags.clone(),
        s.rationale.clone(),
        s.evidence.clone(),
    );
    app.pool
        .run(move |db| {
            let request = Request {
                vuln_id: &vuln,
                origin: &origin,
                tags: &tags,
                rationale: &rationale,
                evidence: evidence.as_deref(),
            };
            Ok(action(db, &actor, &request))
        })
        .await
}

/// Back to the CVE page after an action; the refusal page otherwise.
async fn finish(
    app: &App,
    s: &Submitted,
    filled: &Filled,
    result: Result<triage::Outcome, TriageError>,
) -> Result<Response, WebError> {
    match result {
        Ok(_) => {
            app.cache.invalidate();
            if let Some(sender) = &app.sender {
                sender.wake();
            }
            Ok(Redirect::to(&format!("{}#triage", links::cve(&s.vuln))).into_response())
        }
        Err(TriageError::Store(e)) => Err(e.into()),
        Err(e) => {
            let status = match &e {
                TriageError::Invalid { .. } => StatusCode::BAD_REQUEST,
                TriageError::Unknown(_) => StatusCode::NOT_FOUND,
                TriageError::Forbidden(_) => StatusCode::FORBIDDEN,
                TriageError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            Ok(refused(app, s, filled, status, &e.to_string()).await)
        }
    }
}

/// A refused action: the message, and the rejection form again as it was sent (with
/// every tag where the package is published, checked as they were).
async fn refused(
    app: &App,
    s: &Submitted,
    filled: &Filled,
    status: StatusCode,
    message: &str,
) -> Response {
    let origin = s.origin.clone();
    let published = app
        .pool
        .run(move |db| triage::published_tags(db, &origin))
        .await
        .unwrap_or_default();
    let tags: Vec<String> = published.into_iter().collect();
    let body = html! {
        h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("Refused")) }
        p.error-message { (message) }
        @if filled.reason.is_some() || !filled.rationale.trim().is_empty() || status != StatusCode::FORBIDDEN {
            (reject_form(&FormTarget { vulns: vec![s.vuln.clone()], origin: s.origin.clone(), tags }, &s.viewer.csrf, Some(filled)))
        }
        p { a href=(links::cve(&s.vuln)) { "Back to " (s.vuln) } }
    };
    (
        status,
        Html(layout::page(&app.site, "Triage refused", body).into_string()),
    )
        .into_response()
}

/// `/history`: every triage action, newest first.
pub async fn show(
    Shared(app): Shared<Arc<App>>,
    format: Format,
    base: Base,
) -> Result<Response, WebError> {
    let events = app
        .pool
        .run(|db| history::events(db, Scope::All, HISTORY))
        .await?;
    Ok(respond(
        format,
        &app.site,
        "Triage history",
        || {
            html! {
                h1 { "Triage history" }
                p { "Rejections made and withdrawn by maintainers and the security team. "
                    a href="/history/feed.atom" type="application/atom+xml" { "Atom feed" } }
                (history_table(&events))
            }
        },
        || {
            let items = events.iter().map(|e| event_node(&base, e)).collect();
            jsonld::collection(
                &base,
                base.url("/history"),
                events.len(),
                items,
                json!({ "feed": base.url("/history/feed.atom") }),
            )
        },
    ))
}

/// `/history/feed.atom`.
pub async fn feed(Shared(app): Shared<Arc<App>>, base: Base) -> Result<Response, WebError> {
    let events = app
        .pool
        .run(|db| history::events(db, Scope::All, HISTORY))
        .await?;
    let entries = events
        .iter()
        .map(|e| {
            let mut entry = Entry::default();
            entry.set_id(format!("{}#triage/{}", base.url("/history"), e.seq));
            entry.set_title(Text::plain(format!(
                "{} {} {} for {} in {}",
                e.actor,
                action_label(&e.action),
                e.cve,
                e.origin,
                e.repo_tags.join(", ")
            )));
            entry.set_updated(crate::feed::time(e.at));
            entry.set_links(vec![Link {
                href: base.cve(&e.cve),
                rel: "alternate".to_owned(),
                ..Link::default()
            }]);
            let why = [e.reason.as_deref(), e.rationale.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ");
            entry.set_summary((!why.is_empty()).then(|| Text::plain(why)));
            entry.set_authors(vec![Person {
                name: e.actor_name.clone().unwrap_or_else(|| e.actor.clone()),
                ..Person::default()
            }]);
            entry
        })
        .collect();
    let title = format!("{}: triage history", app.site.name);
    let updated = events.first().map_or(0, |e| e.at);
    Ok(crate::feed::response(&crate::feed::shell(
        &base,
        &title,
        "/history/feed.atom",
        "/history",
        updated,
        entries,
    )))
}
