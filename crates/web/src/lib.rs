//! # secfixes-web
//!
//! The tracker's web UI and JSON-LD API: server-rendered HTML that needs no JavaScript,
//! and the same data as JSON-LD for `Accept: application/ld+json` or `application/json`,
//! on the original secfixes-tracker's routes and some new ones.
//!
//! - [`app`]: the shared state (database pool, cache) and the router.
//! - [`pool`]: database connections for the blocking thread pool.
//! - [`cache`]: what is costly to read (branch states, the overview), kept until the
//!   store's generation changes.
//! - [`negotiate`]: HTML or JSON-LD from the `Accept` header.
//! - [`error`]: 400, 404, 406 and 500 as pages or JSON.
//! - [`params`]: query strings, refused with 400 when malformed.
//! - [`layout`], [`links`], [`format`]: the page shell, URLs of things, dates and badges.
//! - [`jsonld`]: the `@context` document and the ids of things.
//! - [`feed`]: Atom feeds of state changes.
//! - [`auth`], [`oidc`]: maintainer login (OpenID Connect), sessions, CSRF tokens.
//! - [`security`]: the headers every response carries (Content-Security-Policy, …).
//! - [`inbox`]: the Linked Data Notifications inbox other trackers post to.
//! - [`pages`]: one module per page.
#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod cache;
pub mod error;
pub mod feed;
pub mod format;
pub mod inbox;
pub mod jsonld;
pub mod layout;
pub mod links;
pub mod negotiate;
pub mod oidc;
pub mod pages;
pub mod params;
pub mod pool;
pub mod security;

pub use app::{App, Settings, router};

/// Serves `app` on `listener` until the process gets Ctrl-C or SIGTERM.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: std::sync::Arc<App>,
) -> std::io::Result<()> {
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
