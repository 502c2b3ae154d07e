//! The page shell every HTML page shares, and the small pieces pages are built of.
//! maud escapes every interpolated value, so text from CVE records and indexes can never
//! become markup.

use maud::{DOCTYPE, Markup, html};

use secfixes_tracker::engine::State;

use crate::format;

/// The name the pages carry, from the configuration's `[distribution] name`.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: String,
}

/// A whole page: header with navigation and search, then `body`.
pub fn page(site: &Site, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (site.name) " security tracker" }
                link rel="stylesheet" href="/static/style.css";
                link rel="icon" type="image/svg+xml" href="/static/icon.svg";
                link rel="alternate" type="application/atom+xml" title="Recent changes" href="/changes/feed.atom";
            }
            body {
                header.site {
                    a.home href="/" { (site.name) " security tracker" }
                    nav {
                        a href="/" { "Branches" }
                        a href="/maintainers" { "Maintainers" }
                        a href="/changes" { "Recent changes" }
                        a href="/health" { "Importers" }
                    }
                    form.search action="/search" method="get" role="search" {
                        input type="search" name="q" placeholder="CVE, package, maintainer or words" aria-label="Search";
                        button type="submit" { "Search" }
                    }
                    (user_box())
                }
                main { (body) }
                footer { "secfixes " (env!("CARGO_PKG_VERSION")) " · " a href="/static/context.jsonld" { "JSON-LD context" } }
            }
        }
    }
}

/// Who is logged in, with the logout button; or the login link where login is offered.
fn user_box() -> Markup {
    let context = crate::auth::context();
    html! {
        @if let Some(v) = &context.viewer {
            div.user {
                a href="/history" { "Triage history" }
                " "
                span #user title=(v.identity.email.as_deref().unwrap_or("")) {
                    (v.actor.id) " " span.role { "(" (v.actor.role().as_str()) ")" }
                }
                form #logout method="post" action="/logout" {
                    input type="hidden" name="csrf" value=(v.csrf);
                    button type="submit" { "Log out" }
                }
            }
        } @else if context.login {
            div.user {
                a #login href=(format!("/login?return_to={}", crate::links::query_value(&context.here))) { "Log in" }
            }
        }
    }
}

/// The page of an error.
pub fn error_page(status: u16, title: &str, message: &str) -> Markup {
    let site = Site {
        name: "secfixes".to_owned(),
    };
    page(
        &site,
        title,
        html! {
            h1 { (status) " " (title) }
            p.error-message { (message) }
            p { a href="/" { "Back to the branches" } }
        },
    )
}

/// A state as a coloured badge.
pub fn state_badge(state: State) -> Markup {
    html! { span class={ "state state-" (state.as_str()) } { (format::state_label(state)) } }
}

/// A severity (or "—") as a badge.
pub fn severity_badge(severity: Option<&str>) -> Markup {
    match severity {
        Some(s) => html! { span class={ "severity severity-" (s) } { (s) } },
        None => html! { span.severity.severity-none { "—" } },
    }
}

/// An optional text, or a dash.
pub fn or_dash(text: Option<&str>) -> Markup {
    match text {
        Some(t) => html! { (t) },
        None => html! { span.muted { "—" } },
    }
}

/// A `<time>` element with the date shown and the full time as its title.
pub fn time(secs: i64) -> Markup {
    html! { time datetime=(format::rfc3339(secs)) title=(format::date_time(secs)) { (format::date(secs)) } }
}
