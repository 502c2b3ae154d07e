//! `[auth]`: maintainer login through an OpenID Connect provider (GitLab), and who gets
//! which role.

use std::collections::BTreeMap;

use super::locate::Locator;
use super::raw::RawAuth;
use super::source::is_url;
use crate::Result;

/// The login settings. The client secret is never in the file: it is read from the
/// environment variable `client_secret_env` when the server starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Auth {
    /// The provider's issuer URL (`https://gitlab.alpinelinux.org`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret_env: Option<String>,
    /// Where the provider sends the browser back; by default `[distribution] url` +
    /// `/auth/callback`.
    pub redirect_url: Option<String>,
    pub scopes: Vec<String>,
    /// Members of any of these groups (GitLab's `groups` / `groups_direct` claims) are
    /// the security team.
    pub security_groups: Vec<String>,
    /// Origins a user (by username or verified e-mail) may triage besides the packages
    /// whose maintainer address is theirs.
    pub grants: BTreeMap<String, Vec<String>>,
    /// How long a login lasts.
    pub session_hours: u64,
}

/// The environment variable that holds the client secret unless the file names another.
pub const CLIENT_SECRET_ENV: &str = "SECFIXES_OIDC_CLIENT_SECRET";

pub(crate) fn read(raw: &RawAuth, loc: &Locator<'_>) -> Result<Auth> {
    if !is_url(raw.issuer.get_ref()) {
        return Err(loc.error(
            raw.issuer.span(),
            "auth.issuer",
            format!("{:?} is not an http(s) URL", raw.issuer.get_ref()),
        ));
    }
    if raw.client_id.get_ref().trim().is_empty() {
        return Err(loc.error(raw.client_id.span(), "auth.client_id", "empty client id"));
    }
    if let Some(url) = &raw.redirect_url
        && !is_url(url.get_ref())
    {
        return Err(loc.error(
            url.span(),
            "auth.redirect_url",
            format!("{:?} is not an http(s) URL", url.get_ref()),
        ));
    }
    let list = |l: &Option<super::raw::TextList>| -> Vec<String> {
        l.as_ref()
            .map(|l| l.get_ref().iter().map(|t| t.get_ref().clone()).collect())
            .unwrap_or_default()
    };
    let mut scopes = list(&raw.scopes);
    if scopes.is_empty() {
        scopes = ["openid", "profile", "email"].map(String::from).to_vec();
    } else if !scopes.iter().any(|s| s == "openid") {
        let span = raw.scopes.as_ref().map(|s| s.span()).unwrap_or_default();
        return Err(loc.error(span, "auth.scopes", "the scopes must include \"openid\""));
    }
    let session_hours = match &raw.session_hours {
        Some(h) if !(1..=24 * 90).contains(h.get_ref()) => {
            return Err(loc.error(
                h.span(),
                "auth.session_hours",
                "a session lasts from 1 hour to 90 days (2160 hours)",
            ));
        }
        Some(h) => h.get_ref().unsigned_abs(),
        None => 12,
    };
    let grants = raw
        .grants
        .iter()
        .flatten()
        .map(|(user, origins)| {
            (
                user.clone(),
                origins
                    .get_ref()
                    .iter()
                    .map(|o| o.get_ref().clone())
                    .collect(),
            )
        })
        .collect();
    Ok(Auth {
        issuer: raw.issuer.get_ref().trim_end_matches('/').to_owned(),
        client_id: raw.client_id.get_ref().clone(),
        client_secret_env: match &raw.client_secret_env {
            Some(name) if name.get_ref().is_empty() => None,
            Some(name) => Some(name.get_ref().clone()),
            None => Some(CLIENT_SECRET_ENV.to_owned()),
        },
        redirect_url: raw.redirect_url.as_ref().map(|u| u.get_ref().clone()),
        scopes,
        security_groups: list(&raw.security_groups),
        grants,
        session_hours,
    })
}
