//! Who is asking: maintainer login through OpenID Connect ([`crate::oidc`]), sessions
//! kept in the store ([`session`]), and the roles triage checks.
//!
//! A middleware ([`identify`]) reads the session cookie of every request and makes the
//! viewer available to the handler and to the page shell ([`viewer`], [`context`])
//! for the time of the request. Every state-changing request is a POST that carries the
//! session's CSRF token ([`Viewer::check_csrf`]); the roles are checked again on the
//! server by the triage functions themselves.

pub mod routes;
pub mod session;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::OnceCell;

use secfixes_tracker::config;
use secfixes_tracker::triage::Actor;

use crate::app::App;
use crate::error::WebError;
use crate::oidc::{self, ClientSettings, Identity, Provider};

/// How login works on this server.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub client: ClientSettings,
    /// Members of any of these groups are the security team.
    pub security_groups: Vec<String>,
    /// Origins a user (username or verified e-mail) may triage besides their own.
    pub grants: BTreeMap<String, Vec<String>>,
    pub session_ttl: Duration,
}

impl AuthSettings {
    /// From the configuration's `[auth]`; the client secret comes from the environment
    /// and the callback URL from `redirect_url` or the public URL.
    pub fn from_config(auth: &config::Auth, public_url: Option<&str>) -> Result<Self, String> {
        let redirect_url = match (&auth.redirect_url, public_url) {
            (Some(url), _) => url.clone(),
            (None, Some(base)) => format!("{}{CALLBACK_PATH}", base.trim_end_matches('/')),
            (None, None) => {
                return Err(
                    "[auth] needs redirect_url, or a public URL ([distribution] url \
                            or --public-url) to make it from"
                        .to_owned(),
                );
            }
        };
        let client_secret = match &auth.client_secret_env {
            Some(var) => match std::env::var(var) {
                Ok(secret) if !secret.is_empty() => Some(secret),
                _ => {
                    return Err(format!(
                        "[auth] client_secret_env: the environment variable {var} is not set \
                         (set it to the OAuth application's secret, or client_secret_env = \"\" \
                         for a public client)"
                    ));
                }
            },
            None => None,
        };
        Ok(AuthSettings {
            client: ClientSettings {
                issuer: auth.issuer.clone(),
                client_id: auth.client_id.clone(),
                client_secret,
                redirect_url,
                scopes: auth.scopes.clone(),
            },
            security_groups: auth.security_groups.clone(),
            grants: auth.grants.clone(),
            session_ttl: Duration::from_secs(auth.session_hours.saturating_mul(3600)),
        })
    }
}

/// Where the provider sends the browser back.
pub const CALLBACK_PATH: &str = "/auth/callback";

/// Login on one server: its settings and the provider, discovered on first use (so the
/// server starts even while the provider is down).
#[derive(Debug)]
pub struct Auth {
    pub settings: AuthSettings,
    provider: OnceCell<Arc<Provider>>,
}

impl Auth {
    pub fn new(settings: AuthSettings) -> Auth {
        Auth {
            settings,
            provider: OnceCell::new(),
        }
    }

    /// Cookies get `Secure` (and the `__Host-` prefix) when the site is served over https.
    pub fn secure(&self) -> bool {
        self.settings.client.redirect_url.starts_with("https://")
    }

    pub async fn provider(&self) -> Result<Arc<Provider>, WebError> {
        let provider = self
            .provider
            .get_or_try_init(|| async {
                let client = self.settings.client.clone();
                tokio::task::spawn_blocking(move || Provider::discover(client))
                    .await
                    .map_err(|e| WebError::internal(format!("provider discovery failed: {e}")))?
                    .map(Arc::new)
                    .map_err(|e| {
                        WebError::new(
                            axum::http::StatusCode::BAD_GATEWAY,
                            format!("the login provider cannot be reached: {e}"),
                        )
                    })
            })
            .await?;
        Ok(Arc::clone(provider))
    }

    /// What triage knows of the user: the role comes from the groups, the maintained
    /// packages from the verified address, grants from the configuration.
    pub fn actor(&self, identity: &Identity) -> Actor {
        let id = identity
            .username
            .clone()
            .unwrap_or_else(|| identity.subject.clone());
        let emails: Vec<String> = identity
            .email
            .iter()
            .filter(|_| identity.email_verified)
            .cloned()
            .collect();
        let grants = self
            .settings
            .grants
            .iter()
            .filter(|(user, _)| **user == id || emails.iter().any(|e| e.eq_ignore_ascii_case(user)))
            .flat_map(|(_, origins)| origins.iter().cloned())
            .collect();
        Actor {
            security: identity
                .groups
                .iter()
                .any(|g| self.settings.security_groups.contains(g)),
            name: identity.name.clone(),
            id,
            emails,
            grants,
        }
    }
}

/// The logged-in user of a request.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The session's key in the store (the SHA-256 of the cookie's token).
    pub session: String,
    pub csrf: String,
    pub identity: Identity,
    pub actor: Actor,
}

impl Viewer {
    /// Refuses a state-changing request whose form does not carry this session's token.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), WebError> {
        match sent {
            Some(sent) if session::same(sent, &self.csrf) => Ok(()),
            _ => Err(WebError::new(
                axum::http::StatusCode::FORBIDDEN,
                "the form's security token is missing or stale: reload the page and try again",
            )),
        }
    }
}

/// What the page shell needs to know of the request.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub viewer: Option<Arc<Viewer>>,
    /// Whether this server offers login at all.
    pub login: bool,
    /// The path and query of the page, to come back to after logging in.
    pub here: String,
}

tokio::task_local! {
    static CONTEXT: Context;
}

/// The context of the request being handled (empty outside one).
pub fn context() -> Context {
    CONTEXT.try_with(Clone::clone).unwrap_or_default()
}

/// The logged-in user of the request being handled.
pub fn viewer() -> Option<Arc<Viewer>> {
    CONTEXT.try_with(|c| c.viewer.clone()).ok().flatten()
}

/// The logged-in user, or 401 for a request that needs one.
pub fn require_viewer() -> Result<Arc<Viewer>, WebError> {
    viewer().ok_or_else(|| {
        WebError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "log in first: your session has ended or was never started",
        )
    })
}

/// Reads the session cookie and runs the rest of the request with its viewer. An
/// unknown, tampered or expired cookie is no session at all (and is cleared); responses
/// to logged-in users are never stored by caches.
pub async fn identify(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let here = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let Some(auth) = app.auth.as_ref() else {
        let context = Context {
            viewer: None,
            login: false,
            here,
        };
        return CONTEXT.scope(context, next.run(request)).await;
    };
    let cookie_name = session::cookie_name(auth.secure());
    let token = cookie(request.headers(), cookie_name);
    let mut stale = false;
    let mut viewer = None;
    if let Some(token) = token {
        match session::find(&app.pool, &token).await {
            Ok(Some(found)) => {
                viewer = Some(Arc::new(Viewer {
                    actor: auth.actor(&found.identity),
                    session: found.key,
                    csrf: found.csrf,
                    identity: found.identity,
                }));
            }
            Ok(None) => stale = true,
            Err(e) => return axum::response::IntoResponse::into_response(e),
        }
    }
    let logged_in = viewer.is_some();
    let context = Context {
        viewer,
        login: true,
        here,
    };
    let mut response = CONTEXT.scope(context, next.run(request)).await;
    let headers = response.headers_mut();
    if logged_in {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    if stale
        && !headers.contains_key(header::SET_COOKIE)
        && let Ok(value) = HeaderValue::from_str(&session::clear_cookie(cookie_name, auth.secure()))
    {
        headers.append(header::SET_COOKIE, value);
    }
    response
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

/// A new random token (session ids, CSRF tokens, login binding).
pub fn token() -> String {
    oidc::random_token()
}
