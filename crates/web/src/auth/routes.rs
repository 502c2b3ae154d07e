//! `GET /login`, `GET /auth/callback` and `POST /logout`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::session::{self, LOGIN_COOKIE};
use super::{Auth, CALLBACK_PATH};
use crate::app::App;
use crate::error::WebError;
use crate::params::{Form, Params};

fn auth(app: &App) -> Result<&Auth, WebError> {
    app.auth
        .as_ref()
        .ok_or_else(|| WebError::not_found("login is not set up on this tracker ([auth])"))
}

/// A local path to come back to: anything else (another host, `//host`, `\`) is `/`,
/// so the login cannot be used to send people elsewhere.
pub fn local_path(target: Option<&str>) -> String {
    match target {
        Some(t)
            if t.starts_with('/')
                && !t.starts_with("//")
                && !t.contains('\\')
                && !t.chars().any(char::is_control) =>
        {
            t.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn with_cookies(mut response: Response, cookies: &[String]) -> Result<Response, WebError> {
    for c in cookies {
        let value = HeaderValue::from_str(c)
            .map_err(|_| WebError::internal("a cookie is not a valid header value"))?;
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// Starts a login at the provider; `return_to` is where to come back afterwards.
pub async fn login(State(app): State<Arc<App>>, params: Params) -> Result<Response, WebError> {
    let auth = auth(&app)?;
    let provider = auth.provider().await?;
    let (url, request) = provider.begin();
    let return_to = local_path(params.text("return_to"));
    let browser = session::start_login(&app.pool, &request, &return_to).await?;
    with_cookies(
        Redirect::to(&url).into_response(),
        &[session::set_cookie(
            LOGIN_COOKIE,
            &browser,
            CALLBACK_PATH,
            session::LOGIN_TTL,
            auth.secure(),
        )],
    )
}

/// The provider's answer: checks the login it belongs to, finishes it (code exchange,
/// ID token and userinfo checks) and starts a session.
pub async fn callback(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, WebError> {
    let auth = auth(&app)?;
    let refused = |m: String| WebError::new(StatusCode::FORBIDDEN, format!("login refused: {m}"));
    if let Some(error) = params.text("error") {
        let detail = params.text("error_description").unwrap_or("");
        return Err(refused(format!("the provider answered {error} {detail}")));
    }
    let (Some(state), Some(code)) = (params.text("state"), params.text("code")) else {
        return Err(WebError::bad_request(
            "the callback needs the provider's code and state parameters",
        ));
    };
    let browser = super::cookie(&headers, LOGIN_COOKIE).ok_or_else(|| {
        refused(
            "this browser did not start a login here (or it took too long): log in again".into(),
        )
    })?;
    let (request, return_to) = session::take_login(&app.pool, state, &browser)
        .await?
        .ok_or_else(|| {
            refused(
                "the login is unknown, expired or belongs to another browser: log in again".into(),
            )
        })?;
    let provider = auth.provider().await?;
    let code = code.to_owned();
    let identity = tokio::task::spawn_blocking(move || provider.finish(&request, &code))
        .await
        .map_err(|e| WebError::internal(format!("the login task failed: {e}")))?
        .map_err(|e| refused(e.to_string()))?;
    let token = session::create(&app.pool, &identity, auth.settings.session_ttl).await?;
    let secure = auth.secure();
    with_cookies(
        Redirect::to(&return_to).into_response(),
        &[
            session::set_cookie(
                session::cookie_name(secure),
                &token,
                "/",
                auth.settings.session_ttl,
                secure,
            ),
            session::set_cookie(
                LOGIN_COOKIE,
                "",
                CALLBACK_PATH,
                std::time::Duration::ZERO,
                secure,
            ),
        ],
    )
}

/// Ends the session (with its CSRF token, so that another site cannot log people out).
pub async fn logout(State(app): State<Arc<App>>, form: Form) -> Result<Response, WebError> {
    let auth = auth(&app)?;
    let viewer = super::require_viewer()?;
    viewer.check_csrf(form.text("csrf"))?;
    session::delete(&app.pool, viewer.session.clone()).await?;
    let secure = auth.secure();
    with_cookies(
        Redirect::to("/").into_response(),
        &[session::clear_cookie(session::cookie_name(secure), secure)],
    )
}
