//! A branch (repository tag): its states with filters, sorting and paging; its orphaned
//! packages; its open issues by maintainer.

use std::cmp::Ordering;

use axum::extract::State as Shared;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::{Value, json};

use secfixes_tracker::browse::maintainer;
use secfixes_tracker::browse::overview::TagSummary;
use secfixes_tracker::browse::states::StateRow;
use secfixes_tracker::engine::State;

use super::{Columns, maintainer_link, respond, state_node, states_table};
use crate::app::{App, Segments};
use crate::error::WebError;
use crate::format::{self, SEVERITIES};
use crate::jsonld::{self, Base};
use crate::links;
use crate::negotiate::Format;
use crate::params::Params;

type AppState = Shared<std::sync::Arc<App>>;

/// Which states a branch page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StateFilter {
    Open,
    All,
    Only(State),
}

const STATE_CHOICES: [(&str, StateFilter); 7] = [
    ("open", StateFilter::Open),
    ("all", StateFilter::All),
    ("vulnerable", StateFilter::Only(State::Vulnerable)),
    (
        "possibly-vulnerable",
        StateFilter::Only(State::PossiblyVulnerable),
    ),
    ("unknown", StateFilter::Only(State::Unknown)),
    ("fixed", StateFilter::Only(State::Fixed)),
    ("not-affected", StateFilter::Only(State::NotAffected)),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    Package,
    Cve,
    Severity,
    Age,
    State,
}

const SORT_CHOICES: [(&str, Sort); 5] = [
    ("package", Sort::Package),
    ("cve", Sort::Cve),
    ("severity", Sort::Severity),
    ("age", Sort::Age),
    ("state", Sort::State),
];

/// The severity choices: the bands, and `unscored` for states without a score.
const SEVERITY_CHOICES: [(&str, Option<&str>); 6] = [
    ("critical", Some("critical")),
    ("high", Some("high")),
    ("medium", Some("medium")),
    ("low", Some("low")),
    ("none", Some("none")),
    ("unscored", None),
];

/// A branch page's query: `state`, `severity`, `maintainer`, `sort`, `order`, `page`,
/// `per_page`.
#[derive(Debug, Clone)]
struct Query {
    state: StateFilter,
    severity: Option<Option<&'static str>>,
    maintainer: Option<String>,
    orphaned_only: bool,
    sort: Sort,
    descending: bool,
    page: usize,
    per_page: usize,
}

const PER_PAGE: u64 = 100;
const MAX_PER_PAGE: u64 = 1000;

impl Query {
    fn parse(p: &Params, orphaned_only: bool) -> Result<Query, WebError> {
        let sort = p.choice("sort", &SORT_CHOICES)?.unwrap_or(Sort::Package);
        let descending = p
            .choice("order", &[("asc", false), ("desc", true)])?
            // Severity and age read best worst-first.
            .unwrap_or(matches!(sort, Sort::Severity | Sort::Age));
        Ok(Query {
            state: p
                .choice("state", &STATE_CHOICES)?
                .unwrap_or(StateFilter::Open),
            severity: p.choice("severity", &SEVERITY_CHOICES)?,
            maintainer: p.text("maintainer").map(str::to_lowercase),
            orphaned_only,
            sort,
            descending,
            page: usize::try_from(p.number("page", 1, 1, 1_000_000)?).unwrap_or(1),
            per_page: usize::try_from(p.number("per_page", PER_PAGE, 1, MAX_PER_PAGE)?)
                .unwrap_or(100),
        })
    }

    fn keeps(&self, row: &StateRow) -> bool {
        let state = match self.state {
            StateFilter::Open => row.state.is_open(),
            StateFilter::All => true,
            StateFilter::Only(s) => row.state == s,
        };
        state
            && self.severity.is_none_or(|s| row.severity.as_deref() == s)
            && (!self.orphaned_only || row.maintainer.is_none())
            && self.maintainer.as_ref().is_none_or(|m| {
                row.maintainer
                    .as_ref()
                    .is_some_and(|x| x.to_lowercase().contains(m.as_str()))
            })
    }

    fn order(&self, a: &StateRow, b: &StateRow) -> Ordering {
        let by_package = || {
            a.origin
                .cmp(&b.origin)
                .then_with(|| a.version.cmp(&b.version))
                .then_with(|| a.cve.cmp(&b.cve))
        };
        let first = match self.sort {
            Sort::Package => Ordering::Equal,
            Sort::Cve => a.cve.cmp(&b.cve),
            // Worst first when descending: most severe band, then highest score.
            Sort::Severity => format::severity_rank(b.severity.as_deref())
                .cmp(&format::severity_rank(a.severity.as_deref()))
                .then_with(|| a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal)),
            // Oldest change first when descending.
            Sort::Age => b.changed_at.cmp(&a.changed_at),
            Sort::State => b.state.cmp(&a.state),
        };
        let first = if self.descending {
            first.reverse()
        } else {
            first
        };
        first.then_with(by_package)
    }

    /// The query string of this query on another page.
    fn with_page(&self, page: usize, p: &Params) -> String {
        let mut pairs = Vec::new();
        for key in [
            "state",
            "severity",
            "maintainer",
            "sort",
            "order",
            "per_page",
        ] {
            if let Some(v) = p.text(key) {
                pairs.push(format!("{key}={}", links::query_value(v)));
            }
        }
        pairs.push(format!("page={page}"));
        format!("?{}", pairs.join("&"))
    }
}

/// `/branch/<tag>`: the states of the branch, by default the open ones.
pub async fn show(
    Shared(app): AppState,
    format: Format,
    base: Base,
    Segments(tag): Segments<String>,
    params: Params,
) -> Result<Response, WebError> {
    listing(&app, format, &base, &tag, &params, false).await
}

/// `/branch/<tag>/vuln-orphaned`: the same, for packages without a maintainer.
pub async fn vuln_orphaned(
    Shared(app): AppState,
    format: Format,
    base: Base,
    Segments(tag): Segments<String>,
    params: Params,
) -> Result<Response, WebError> {
    listing(&app, format, &base, &tag, &params, true).await
}

fn unknown_branch(tag: &str) -> WebError {
    WebError::not_found(format!("there is no branch {tag:?}"))
}

async fn listing(
    app: &App,
    format: Format,
    base: &Base,
    tag: &str,
    params: &Params,
    orphaned_only: bool,
) -> Result<Response, WebError> {
    let query = Query::parse(params, orphaned_only)?;
    let (summary, rows) = app
        .cache
        .branch(&app.pool, tag)
        .await?
        .ok_or_else(|| unknown_branch(tag))?;
    let mut kept: Vec<&StateRow> = rows.iter().filter(|r| query.keeps(r)).collect();
    if query.sort != Sort::Package || query.descending {
        kept.sort_by(|a, b| query.order(a, b));
    }
    let total = kept.len();
    let pages = total.div_ceil(query.per_page).max(1);
    if query.page > pages {
        return Err(WebError::not_found(format!(
            "there is no page {} of this listing: {total} rows make {pages} pages of {}",
            query.page, query.per_page
        )));
    }
    let start = (query.page - 1).saturating_mul(query.per_page);
    let shown: Vec<&StateRow> = kept
        .iter()
        .skip(start)
        .take(query.per_page)
        .copied()
        .collect();
    let title = if orphaned_only {
        format!("Potentially vulnerable orphaned packages in {tag}")
    } else {
        format!("Potentially vulnerable packages in {tag}")
    };
    let path = if orphaned_only {
        format!("{}/vuln-orphaned", links::branch(tag))
    } else {
        links::branch(tag)
    };
    Ok(respond(
        format,
        &app.site,
        &title,
        || {
            let now = format::now();
            html! {
                h1 { (title) }
                (branch_nav(tag))
                (summary_line(&summary))
                (filter_form(&query, params, &path))
                p.result-count { (total) " states match" @if total > shown.len() { ", showing " (start + 1) "–" (start + shown.len()) } "." }
                @if shown.is_empty() {
                    p.empty { "No states match these filters." }
                } @else {
                    (states_table(&shown, Columns { repo: false, package: true, cve: true, maintainer: true }, now))
                }
                (pager(&query, params, pages))
            }
        },
        || {
            let id = base.url(&format!("{path}{}", query.with_page(query.page, params)));
            let items = shown.iter().map(|r| state_node(base, r)).collect();
            let mut extra = json!({ "page": query.page, "perPage": query.per_page, "repository": base.branch(tag) });
            if query.page < pages {
                extra["next"] = Value::String(base.url(&format!(
                    "{path}{}",
                    query.with_page(query.page + 1, params)
                )));
            }
            if query.page > 1 {
                extra["prev"] = Value::String(base.url(&format!(
                    "{path}{}",
                    query.with_page(query.page - 1, params)
                )));
            }
            jsonld::collection(base, id, total, items, extra)
        },
    ))
}

fn branch_nav(tag: &str) -> Markup {
    let b = links::branch(tag);
    html! {
        nav.branch-nav {
            a href=(b) { "Open states" }
            a href=(format!("{b}?state=all")) { "All states" }
            a href=(format!("{b}/vuln-orphaned")) { "Orphaned and vulnerable" }
            a href=(format!("{b}/orphaned")) { "Orphaned packages" }
            a href=(format!("{b}/maintainer-issues")) { "Issues by maintainer" }
            a href=(format!("{b}/feed.atom")) type="application/atom+xml" { "Atom feed" }
        }
    }
}

fn summary_line(s: &TagSummary) -> Markup {
    html! {
        ul.counts {
            @for state in State::ALL {
                li class={ "count-" (state.as_str()) } {
                    a href=(format!("{}?state={}", links::branch(&s.tag), state.as_str())) {
                        span.n { (s.count(state)) } " " (format::state_label(state))
                    }
                }
            }
            li { span.n { (s.packages) } " packages" }
        }
    }
}

fn select(name: &str, label: &str, options: &[(&str, &str)], current: Option<&str>) -> Markup {
    html! {
        label {
            (label) " "
            select name=(name) {
                @for (value, text) in options {
                    option value=(value) selected[current == Some(*value)] { (text) }
                }
            }
        }
    }
}

fn filter_form(q: &Query, p: &Params, action: &str) -> Markup {
    let states: Vec<(&str, &str)> = STATE_CHOICES
        .iter()
        .map(|(n, f)| {
            let label = match f {
                StateFilter::Open => "open (vulnerable, possibly, unknown)",
                StateFilter::All => "all",
                StateFilter::Only(s) => format::state_label(*s),
            };
            (*n, label)
        })
        .collect();
    let mut severities: Vec<(&str, &str)> = vec![("", "any")];
    severities.extend(SEVERITIES.iter().map(|s| (*s, *s)));
    severities.push(("unscored", "no score"));
    let sorts: Vec<(&str, &str)> = SORT_CHOICES.iter().map(|(n, _)| (*n, *n)).collect();
    html! {
        form.filters method="get" action=(action) {
            (select("state", "State", &states, Some(p.text("state").unwrap_or("open"))))
            (select("severity", "Severity", &severities, Some(p.text("severity").unwrap_or(""))))
            label { "Maintainer " input type="text" name="maintainer" value=(p.text("maintainer").unwrap_or("")); }
            (select("sort", "Sort by", &sorts, Some(p.text("sort").unwrap_or("package"))))
            // "As sorted" leaves the order to the sort: worst first for severity and age.
            (select("order", "Order", &[("", "as sorted"), ("asc", "ascending"), ("desc", "descending")], Some(p.text("order").unwrap_or(""))))
            label { "Per page " input type="number" name="per_page" min="1" max=(MAX_PER_PAGE) value=(q.per_page); }
            button type="submit" { "Filter" }
        }
    }
}

fn pager(q: &Query, p: &Params, pages: usize) -> Markup {
    html! {
        @if pages > 1 {
            nav.pager aria-label="Pages" {
                @if q.page > 1 { a rel="prev" href=(q.with_page(q.page - 1, p)) { "← previous" } }
                span { "page " (q.page) " of " (pages) }
                @if q.page < pages { a rel="next" href=(q.with_page(q.page + 1, p)) { "next →" } }
            }
        }
    }
}

/// `/branch/<tag>/orphaned`: the published packages without a maintainer.
pub async fn orphaned(
    Shared(app): AppState,
    format: Format,
    base: Base,
    Segments(tag): Segments<String>,
) -> Result<Response, WebError> {
    let known = app
        .cache
        .overview(&app.pool)
        .await?
        .iter()
        .any(|t| t.tag == tag);
    if !known {
        return Err(unknown_branch(&tag));
    }
    let t = tag.clone();
    let rows = app.pool.run(move |db| maintainer::orphaned(db, &t)).await?;
    let title = format!("Orphaned packages in {tag}");
    Ok(respond(
        format,
        &app.site,
        &title,
        || {
            html! {
                h1 { (title) }
                (branch_nav(&tag))
                @if rows.is_empty() { p.empty { "Every package has a maintainer." } } @else {
                    table.packages {
                        thead { tr { th { "Package" } th { "Version" } th { "Since" } } }
                        tbody { @for r in &rows { tr {
                            td { a href=(links::package(&r.origin)) { (r.origin) } }
                            td { (r.version) }
                            td { (crate::layout::time(r.first_seen)) }
                        } } }
                    }
                }
            }
        },
        || {
            let items = rows
                .iter()
                .map(|r| {
                    json!({
                        "id": base.package_version(&r.origin, &r.version, &r.repo_tag),
                        "type": "PackageVersion",
                        "package": base.package(&r.origin),
                        "packageName": r.origin,
                        "version": r.version,
                        "repo": r.repo_tag,
                        "published": r.published,
                    })
                })
                .collect();
            jsonld::collection(
                &base,
                base.url(&format!("{}/orphaned", links::branch(&tag))),
                rows.len(),
                items,
                json!({}),
            )
        },
    ))
}

/// `/branch/<tag>/maintainer-issues[?maintainer=]`: the open states grouped by maintainer.
pub async fn maintainer_issues(
    Shared(app): AppState,
    format: Format,
    base: Base,
    Segments(tag): Segments<String>,
    params: Params,
) -> Result<Response, WebError> {
    let (_, rows) = app
        .cache
        .branch(&app.pool, &tag)
        .await?
        .ok_or_else(|| unknown_branch(&tag))?;
    let only = params.text("maintainer");
    let mut open: Vec<&StateRow> = rows
        .iter()
        .filter(|r| r.state.is_open() && only.is_none_or(|m| r.maintainer.as_deref() == Some(m)))
        .collect();
    open.sort_by(|a, b| {
        a.maintainer
            .is_none()
            .cmp(&b.maintainer.is_none())
            .then_with(|| a.maintainer.cmp(&b.maintainer))
            .then_with(|| a.origin.cmp(&b.origin))
            .then_with(|| a.cve.cmp(&b.cve))
    });
    let mut groups: Vec<(Option<&str>, Vec<&StateRow>)> = Vec::new();
    for row in &open {
        match groups.last_mut() {
            Some((m, list)) if *m == row.maintainer.as_deref() => list.push(row),
            _ => groups.push((row.maintainer.as_deref(), vec![row])),
        }
    }
    let title = format!("Issues by maintainer for {tag}");
    Ok(respond(
        format,
        &app.site,
        &title,
        || {
            let now = format::now();
            html! {
                h1 { (title) }
                (branch_nav(&tag))
                @if groups.is_empty() { p.empty { "No open states." } }
                @for (m, list) in &groups {
                    section.maintainer-group {
                        h2 { (maintainer_link(*m)) " " span.muted { "(" (list.len()) ")" } }
                        (states_table(list, Columns { repo: false, package: true, cve: true, maintainer: false }, now))
                    }
                }
            }
        },
        || {
            let mut id = base.url(&format!("{}/maintainer-issues", links::branch(&tag)));
            if let Some(m) = only {
                id.push_str(&format!("?maintainer={}", links::query_value(m)));
            }
            let items = open.iter().map(|r| state_node(&base, r)).collect();
            jsonld::collection(&base, id, open.len(), items, json!({}))
        },
    ))
}
