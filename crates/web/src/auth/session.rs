//! Sessions and logins in progress, kept in the store (tables `web_session` and
//! `login_attempt`). The browser holds only random tokens; the store holds their SHA-256,
//! so neither a copy of the database nor a guessed id logs anyone in, and a cookie that
//! was tampered with simply matches nothing.

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

use secfixes_tracker::db::{self, Value};
use secfixes_tracker::import::now;
use secfixes_tracker::{Error, ErrorKind};

use crate::error::WebError;
use crate::oidc::{Identity, LoginRequest};
use crate::pool::Pool;

/// How long the provider's login page may take.
pub const LOGIN_TTL: Duration = Duration::from_secs(600);

/// The cookie that binds a login in progress to the browser that started it.
pub const LOGIN_COOKIE: &str = "secfixes_login";

/// The session cookie: with the `__Host-` prefix over https (the browser then insists on
/// `Secure`, `Path=/` and no `Domain`).
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-secfixes_session"
    } else {
        "secfixes_session"
    }
}

/// `Set-Cookie` for `name=value`, HttpOnly and SameSite=Lax (sent on the top-level
/// navigation back from the provider, never on cross-site POSTs).
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: Duration, secure: bool) -> String {
    format!(
        "{name}={value}; Path={path}; Max-Age={}; HttpOnly; SameSite=Lax{}",
        max_age.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(name: &str, secure: bool) -> String {
    set_cookie(name, "", "/", Duration::ZERO, secure)
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares two tokens in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// A session found by its cookie.
#[derive(Debug, Clone)]
pub struct Found {
    /// The key in the store.
    pub key: String,
    pub csrf: String,
    pub identity: Identity,
}

/// A new session for `identity`: returns the cookie's token. Expired sessions and
/// logins are removed on the way.
pub async fn create(
    pool: &Arc<Pool>,
    identity: &Identity,
    ttl: Duration,
) -> Result<String, WebError> {
    let token = super::token();
    let key = hash(&token);
    let csrf = super::token();
    let json = serde_json::to_string(identity)
        .map_err(|e| WebError::internal(format!("cannot store the session: {e}")))?;
    let subject = identity.subject.clone();
    pool.run(move |db| {
        db::transaction(db, |db| {
            let time = now();
            db.execute(
                "DELETE FROM web_session WHERE expires_at <= $1",
                &[Value::Int(time)],
            )?;
            db.execute(
                "DELETE FROM login_attempt WHERE expires_at <= $1",
                &[Value::Int(time)],
            )?;
            db.execute(
                "INSERT INTO web_session (token_hash, subject, identity, csrf, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    key.into(),
                    subject.into(),
                    json.into(),
                    csrf.into(),
                    Value::Int(time),
                    Value::Int(time.saturating_add(secs(ttl))),
                ],
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(token)
}

/// The live session of a cookie's token, if any.
pub async fn find(pool: &Arc<Pool>, token: &str) -> Result<Option<Found>, WebError> {
    let key = hash(token);
    pool.run(move |db| {
        let mut found = None;
        db.query(
            "SELECT csrf, identity FROM web_session WHERE token_hash = $1 AND expires_at > $2",
            &[key.as_str().into(), Value::Int(now())],
            &mut |row| {
                let identity: Identity = serde_json::from_str(&row.req_text(1)?).map_err(|e| {
                    Error::new(
                        ErrorKind::Database,
                        format!("a stored session is unreadable: {e}"),
                    )
                })?;
                found = Some(Found {
                    key: key.clone(),
                    csrf: row.req_text(0)?,
                    identity,
                });
                Ok(())
            },
        )?;
        Ok(found)
    })
    .await
}

/// Ends a session.
pub async fn delete(pool: &Arc<Pool>, key: String) -> Result<(), WebError> {
    pool.run(move |db| {
        db.execute(
            "DELETE FROM web_session WHERE token_hash = $1",
            &[key.into()],
        )?;
        Ok(())
    })
    .await
}

/// Remembers a login in progress; returns the browser token for [`LOGIN_COOKIE`].
pub async fn start_login(
    pool: &Arc<Pool>,
    request: &LoginRequest,
    return_to: &str,
) -> Result<String, WebError> {
    let browser = super::token();
    let params = [
        hash(&request.state).into(),
        hash(&browser).into(),
        request.nonce.as_str().into(),
        request.verifier.as_str().into(),
        return_to.into(),
        Value::Int(now().saturating_add(secs(LOGIN_TTL))),
    ];
    pool.run(move |db| {
        db.execute(
            "INSERT INTO login_attempt (state_hash, browser_hash, nonce, verifier, return_to, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &params,
        )?;
        Ok(())
    })
    .await?;
    Ok(browser)
}

/// Takes (once) the login in progress named by the callback's `state`, when the same
/// browser started it and it has not expired: the request to finish, and where to go.
pub async fn take_login(
    pool: &Arc<Pool>,
    state: &str,
    browser: &str,
) -> Result<Option<(LoginRequest, String)>, WebError> {
    let (state, key, browser_key) = (state.to_owned(), hash(state), hash(browser));
    pool.run(move |db| {
        db::transaction(db, |db| {
            let mut found = None;
            db.query(
                "SELECT browser_hash, nonce, verifier, return_to, expires_at FROM login_attempt \
                 WHERE state_hash = $1",
                &[key.as_str().into()],
                &mut |row| {
                    found = Some((
                        row.req_text(0)?,
                        row.req_text(1)?,
                        row.req_text(2)?,
                        row.req_text(3)?,
                        row.req_int(4)?,
                    ));
                    Ok(())
                },
            )?;
            db.execute(
                "DELETE FROM login_attempt WHERE state_hash = $1",
                &[key.into()],
            )?;
            Ok(
                found.and_then(|(bound, nonce, verifier, return_to, expires)| {
                    (same(&bound, &browser_key) && expires > now()).then_some((
                        LoginRequest {
                            state,
                            nonce,
                            verifier,
                        },
                        return_to,
                    ))
                }),
            )
        })
    })
    .await
}
