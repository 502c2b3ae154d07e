//! The server's shared state and its routes.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension, FromRequestParts, Path};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use secfixes_tracker::config::Config;

use crate::auth::{self, Auth, AuthSettings};
use crate::cache::Cache;
use crate::error::WebError;
use crate::inbox::{self, Peers, PublishedKey};
use crate::jsonld::{self, PublicUrl};
use crate::layout::Site;
use crate::pages;
use crate::pool::Pool;
use crate::security;
use secfixes_tracker::federation::Signal;

/// How a server is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite:PATH` or `postgres://…`.
    pub database: String,
    /// The distribution's name, for page titles.
    pub site_name: String,
    /// The public URL ids start with (`https://security.example.org`); by default the
    /// scheme and host each request came with.
    pub public_url: Option<String>,
    /// Database connections at once.
    pub connections: usize,
    /// How long a cached page may lag behind the store.
    pub cache_ttl: Duration,
    /// Maintainer login; `None`: nobody logs in and the pages are read-only.
    pub auth: Option<AuthSettings>,
    /// The tracker configuration whose mapping rules triage recomputes states with (the
    /// one `sync` uses); triage needs it.
    pub tracker_config: Option<Config>,
    /// The trackers whose signed notifications the inbox accepts.
    pub peers: Peers,
    /// The key this tracker signs what it sends with, published at `/federation/key`.
    pub federation_key: Option<PublishedKey>,
    /// The running sender, woken after a triage action.
    pub sender: Option<Arc<Signal>>,
}

impl Settings {
    pub fn new(database: impl Into<String>) -> Settings {
        Settings {
            database: database.into(),
            site_name: "secfixes".to_owned(),
            public_url: None,
            connections: 8,
            cache_ttl: Duration::from_secs(2),
            auth: None,
            tracker_config: None,
            peers: Peers::default(),
            federation_key: None,
            sender: None,
        }
    }
}

/// What every request handler shares.
#[derive(Debug)]
pub struct App {
    pub pool: Arc<Pool>,
    pub cache: Cache,
    pub site: Site,
    pub auth: Option<Auth>,
    pub tracker_config: Option<Arc<Config>>,
    pub peers: Peers,
    pub federation_key: Option<PublishedKey>,
    pub sender: Option<Arc<Signal>>,
    public_url: Option<String>,
}

impl App {
    /// Opens the database (migrating it) and sets up the cache.
    pub fn new(settings: &Settings) -> secfixes_tracker::Result<App> {
        Ok(App {
            pool: Arc::new(Pool::open(&settings.database, settings.connections)?),
            cache: Cache::new(settings.cache_ttl),
            site: Site {
                name: settings.site_name.clone(),
            },
            public_url: settings.public_url.clone(),
            auth: settings.auth.clone().map(Auth::new),
            tracker_config: settings.tracker_config.clone().map(Arc::new),
            peers: settings.peers.clone(),
            federation_key: settings.federation_key.clone(),
            sender: settings.sender.clone(),
        })
    }
}

/// The shared state as handlers take it.
pub type Shared = axum::extract::State<Arc<App>>;

/// Path parameters; a malformed one (bad percent-encoding, say) is a 400 page.
#[derive(Debug)]
pub struct Segments<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Segments<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| Segments(t))
            .map_err(|e| WebError::bad_request(e.body_text()))
    }
}

/// Every route.
pub fn router(app: Arc<App>) -> Router {
    let public = PublicUrl(app.public_url.clone());
    Router::new()
        .route("/", get(pages::index::show))
        .route("/branch/{tag}", get(pages::branch::show))
        .route(
            "/branch/{tag}/vuln-orphaned",
            get(pages::branch::vuln_orphaned),
        )
        .route("/branch/{tag}/orphaned", get(pages::branch::orphaned))
        .route(
            "/branch/{tag}/maintainer-issues",
            get(pages::branch::maintainer_issues),
        )
        .route("/branch/{tag}/feed.atom", get(pages::changes::branch_feed))
        .route("/vuln/{cve}", get(pages::cve::show))
        .route("/srcpkg/{origin}", get(pages::package::show))
        .route("/srcpkg/{origin}/{version}", get(pages::package::version))
        .route("/maintainers", get(pages::maintainer::list))
        .route("/maintainer/{maintainer}", get(pages::maintainer::show))
        .route(
            "/maintainer/{maintainer}/feed.atom",
            get(pages::changes::maintainer_feed),
        )
        .route("/changes", get(pages::changes::show))
        .route("/changes/feed.atom", get(pages::changes::feed))
        .route("/search", get(pages::search::show))
        .route("/health", get(pages::health::show))
        .route("/history", get(pages::triage::show))
        .route("/history/feed.atom", get(pages::triage::feed))
        .route("/triage/reject", post(pages::triage::reject))
        .route("/triage/withdraw", post(pages::triage::withdraw))
        .route("/login", get(auth::routes::login))
        .route(auth::CALLBACK_PATH, get(auth::routes::callback))
        .route("/logout", post(auth::routes::logout))
        .route(
            inbox::PATH,
            get(inbox::list)
                .post(inbox::receive)
                .options(inbox::options)
                .layer(DefaultBodyLimit::max(inbox::MAX_BYTES)),
        )
        .route("/inbox/{seq}", get(inbox::show))
        .route("/outbox/{seq}", get(inbox::sent))
        .route("/federation/key", get(inbox::key))
        .route(secfixes_ldn::vocabulary::CONTEXT_PATH, get(inbox::context))
        .route("/static/context.jsonld", get(context))
        .route("/static/style.css", get(style))
        .route("/static/icon.svg", get(icon))
        .route("/favicon.ico", get(icon))
        .fallback(not_found)
        .layer(middleware::from_fn(crate::error::render))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            auth::identify,
        ))
        .layer(middleware::from_fn(inbox::advertise))
        .layer(middleware::from_fn(security::headers))
        .layer(Extension(public))
        .with_state(app)
}

async fn context() -> Response {
    (
        [(header::CONTENT_TYPE, "application/ld+json")],
        jsonld::CONTEXT,
    )
        .into_response()
}

const STYLE: &str = include_str!("../static/style.css");

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

const ICON: &str = include_str!("../static/icon.svg");

async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}

async fn not_found() -> WebError {
    WebError::not_found("there is no page at this address")
}
