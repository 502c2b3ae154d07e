//! An OpenID Connect relying party (client) for signing in through the distribution's
//! identity provider — GitLab in Alpine's case, any OpenID provider in general.
//!
//! The authorization code flow with PKCE (RFC 7636, S256), a confidential client
//! (`client_secret_basic`) or a public one, RS256 ID tokens checked as OpenID Connect Core
//! §3.1.3.7 says, and the userinfo endpoint for the claims the ID token leaves out. It
//! blocks on HTTP (ureq): the web layer calls it inside `tokio::task::spawn_blocking`.
//!
//! ```text
//! Provider::discover(settings)        once, at start-up
//! let (url, login) = provider.begin() keep `login` in the session, redirect to `url`
//! provider.finish(&login, code)       on the callback, after `login.state_matches(state)`
//! ```
//!
//! Not the `openidconnect` crate: it would bring second versions of rsa and sha2.

mod discovery;
mod http;
mod jwt;
mod pkce;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use self::jwt::{KeySet, Selected};

/// How this client is registered with the provider.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct ClientSettings {
    /// The issuer identifier, exactly as the provider spells it (`https://gitlab.com`).
    pub issuer: String,
    pub client_id: String,
    /// `None` for a public client, which then relies on PKCE alone.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// The callback URL registered with the provider.
    pub redirect_url: String,
    /// Scopes to ask for; `openid` is always sent. Default `openid profile email`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

impl ClientSettings {
    /// Settings with the [default scopes](default_scopes).
    pub fn new(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Option<String>,
        redirect_url: impl Into<String>,
    ) -> ClientSettings {
        ClientSettings {
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret,
            redirect_url: redirect_url.into(),
            scopes: default_scopes(),
        }
    }
}

/// Never prints the client secret.
impl fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// `openid`, `profile` and `email`.
pub fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email"].map(String::from).to_vec()
}

/// What one login must remember between [`Provider::begin`] and [`Provider::finish`],
/// kept server-side in the session (never in a URL).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoginRequest {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

impl LoginRequest {
    /// Whether the callback's `state` parameter is this login's, compared in constant time.
    pub fn state_matches(&self, state: &str) -> bool {
        jwt::constant_time_eq(&self.state, state)
    }
}

/// Who signed in, from the ID token and userinfo claims.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    /// `preferred_username`, else `nickname`.
    pub username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// `email_verified` of the same claims `email` came from, only when it is JSON `true`.
    pub email_verified: bool,
    /// GitLab's `groups` and `groups_direct`, from the ID token and userinfo, sorted and
    /// deduplicated.
    pub groups: Vec<String>,
}

/// Why discovery or a login failed. Messages name the URL or claim involved and never
/// carry a secret, a token or the nonce.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OidcError {
    /// The settings cannot work.
    #[error("OpenID Connect settings: `{field}` {reason}")]
    InvalidSettings { field: &'static str, reason: String },
    /// The request failed or its response could not be read.
    #[error("{url}: {message}")]
    Http { url: String, message: String },
    /// An unexpected HTTP status.
    #[error("{url}: HTTP status {status}")]
    Status { url: String, status: u16 },
    /// The response is not the document expected.
    #[error("{url}: {message}")]
    Document { url: String, message: String },
    /// The discovery document lacks a required field.
    #[error("{url}: the discovery document has no `{field}`")]
    MissingMetadata { url: String, field: &'static str },
    /// The discovery document is another issuer's (Discovery §4.3).
    #[error("{url}: the discovery document's issuer {found:?} is not the configured {expected:?}")]
    IssuerMismatch {
        url: String,
        expected: String,
        found: String,
    },
    /// The token endpoint answered with an OAuth error (RFC 6749 §5.2), e.g.
    /// `invalid_grant` for a used code or a wrong PKCE verifier.
    #[error("{url}: the token endpoint refused the code (HTTP {status}): {error}{}", describe(.description))]
    TokenRefused {
        url: String,
        status: u16,
        error: String,
        description: Option<String>,
    },
    /// The ID token is not a well-formed compact JWS.
    #[error("ID token: {0}")]
    MalformedToken(String),
    /// The ID token is not signed with RS256.
    #[error("ID token: the algorithm {0:?} is not accepted, only RS256")]
    UnsupportedAlgorithm(String),
    /// No key of the provider's JWK set, even fetched again, signs the ID token.
    #[error("{url}: no RS256 signing key {} in the JWK set", describe_kid(.kid))]
    UnknownKey { url: String, kid: Option<String> },
    /// The ID token's key is in the JWK set but cannot be used.
    #[error("{url}: the JWK {} cannot be used: {message}", describe_kid(.kid))]
    BadKey {
        url: String,
        kid: Option<String>,
        message: String,
    },
    /// The signature does not verify: the token was altered or signed by another key.
    #[error("ID token: the signature does not verify with the JWK {} from {url}", describe_kid(.kid))]
    BadSignature { url: String, kid: Option<String> },
    /// A claim of the ID token fails a check of Core §3.1.3.7.
    #[error("ID token: the claim `{claim}` {reason}")]
    InvalidClaim { claim: &'static str, reason: String },
    /// The userinfo response is about another user (Core §5.3.2).
    #[error("{url}: the userinfo `sub` is not the ID token's")]
    SubjectMismatch { url: String },
}

fn describe(description: &Option<String>) -> String {
    description
        .as_ref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default()
}

fn describe_kid(kid: &Option<String>) -> String {
    match kid {
        Some(kid) => format!("with kid {kid:?}"),
        None => "without kid".to_owned(),
    }
}

/// 32 random bytes from the operating system, base64url without padding (43 characters):
/// login state, nonce and PKCE verifier, and also session ids and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // Without randomness no login or session would be safe, and there is nothing to fall
    // back to; getrandom only fails on broken systems.
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// RFC 3986 unreserved characters stay, everything else is percent-encoded: safe in a
/// query component and in `application/x-www-form-urlencoded`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A discovered provider and the client registered with it.
pub struct Provider {
    settings: ClientSettings,
    metadata: discovery::Metadata,
    http: http::Http,
    /// The JWK set, fetched at the first login and again when a token names a key it
    /// does not have (rotation). The lock is held while fetching, so concurrent logins
    /// wait for one fetch rather than each making their own.
    keys: Mutex<Option<Arc<KeySet>>>,
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("settings", &self.settings)
            .field("metadata", &self.metadata)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// GET `{issuer}/.well-known/openid-configuration`; the document's `issuer` must equal
    /// the configured issuer exactly (OpenID Connect Discovery §4.3). It must name the
    /// authorization and token endpoints and the JWK set; the userinfo endpoint is
    /// optional.
    pub fn discover(settings: ClientSettings) -> Result<Provider, OidcError> {
        check_settings(&settings)?;
        let http = http::Http::new();
        let metadata = discovery::fetch(&http, &settings.issuer)?;
        Ok(Provider {
            settings,
            metadata,
            http,
            keys: Mutex::new(None),
        })
    }

    /// The settings the provider was discovered with.
    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// The provider's `end_session_endpoint`, for signing out there too, if it has one.
    pub fn end_session_endpoint(&self) -> Option<&str> {
        self.metadata.end_session_endpoint.as_deref()
    }

    /// A new login: random state, nonce and PKCE verifier, and the URL to send the browser
    /// to. Any query the authorization endpoint already has is kept.
    pub fn begin(&self) -> (String, LoginRequest) {
        let request = LoginRequest {
            state: random_token(),
            nonce: random_token(),
            verifier: random_token(),
        };
        let challenge = pkce::challenge(&request.verifier);
        let scope = self.scope();
        let params = [
            ("response_type", "code"),
            ("client_id", self.settings.client_id.as_str()),
            ("redirect_uri", self.settings.redirect_url.as_str()),
            ("scope", scope.as_str()),
            ("state", request.state.as_str()),
            ("nonce", request.nonce.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        let endpoint = &self.metadata.authorization_endpoint;
        let mut url = String::with_capacity(endpoint.len() + 512);
        url.push_str(endpoint);
        if !endpoint.contains('?') {
            url.push('?');
        } else if !(endpoint.ends_with('?') || endpoint.ends_with('&')) {
            url.push('&');
        }
        for (i, (key, value)) in params.iter().enumerate() {
            if i > 0 {
                url.push('&');
            }
            url.push_str(key);
            url.push('=');
            url.extend(utf8_percent_encode(value, COMPONENT));
        }
        (url, request)
    }

    /// The callback: exchanges `code` at the token endpoint, validates the ID token, asks
    /// the userinfo endpoint (when there is one) and merges the claims.
    ///
    /// The caller checks the callback's `state` with [`LoginRequest::state_matches`]
    /// first, and uses each `request` once.
    pub fn finish(&self, request: &LoginRequest, code: &str) -> Result<Identity, OidcError> {
        let tokens = self.exchange(request, code)?;
        let (claims, subject) = self.validate(&tokens.id_token, request, &tokens.access_token)?;
        let userinfo = match &self.metadata.userinfo_endpoint {
            Some(url) => Some(self.userinfo(url, &tokens.access_token, &subject)?),
            None => None,
        };
        Ok(identity(
            &self.settings.issuer,
            subject,
            &claims,
            userinfo.as_ref(),
        ))
    }

    fn scope(&self) -> String {
        let mut scopes = vec!["openid"];
        for scope in &self.settings.scopes {
            if !scope.is_empty() && !scopes.contains(&scope.as_str()) {
                scopes.push(scope);
            }
        }
        scopes.join(" ")
    }

    /// `client_secret_post` only when the provider says it cannot do `client_secret_basic`.
    fn secret_in_form(&self) -> bool {
        let methods = &self.metadata.token_endpoint_auth_methods;
        !methods.is_empty()
            && !methods.iter().any(|m| m == "client_secret_basic")
            && methods.iter().any(|m| m == "client_secret_post")
    }

    /// The token request (RFC 6749 §4.1.3, RFC 7636 §4.5).
    fn exchange(&self, request: &LoginRequest, code: &str) -> Result<Tokens, OidcError> {
        let url = self.metadata.token_endpoint.as_str();
        let client_id = self.settings.client_id.as_str();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.settings.redirect_url.as_str()),
            ("code_verifier", request.verifier.as_str()),
        ];
        let authorization = match &self.settings.client_secret {
            Some(secret) if self.secret_in_form() => {
                form.push(("client_id", client_id));
                form.push(("client_secret", secret));
                None
            }
            Some(secret) => {
                // RFC 6749 §2.3.1: both are form-encoded before they are joined.
                let pair = format!(
                    "{}:{}",
                    utf8_percent_encode(client_id, COMPONENT),
                    utf8_percent_encode(secret, COMPONENT)
                );
                Some(format!("Basic {}", STANDARD.encode(pair)))
            }
            None => {
                form.push(("client_id", client_id));
                None
            }
        };
        let response = self.http.post_form(url, authorization.as_deref(), &form)?;
        if !response.is_success() {
            if let Ok(body) = response.json_object(url)
                && let Some(Value::String(error)) = body.get("error")
            {
                return Err(OidcError::TokenRefused {
                    url: url.to_owned(),
                    status: response.status,
                    error: printable(error),
                    description: body
                        .get("error_description")
                        .and_then(Value::as_str)
                        .map(printable),
                });
            }
            return Err(OidcError::Status {
                url: url.to_owned(),
                status: response.status,
            });
        }
        let body = response.json_object(url)?;
        let field = |name: &str| match body.get(name) {
            Some(Value::String(value)) if !value.is_empty() => Ok(value.clone()),
            _ => Err(OidcError::Document {
                url: url.to_owned(),
                message: format!("the token response has no `{name}`"),
            }),
        };
        if !field("token_type")?.eq_ignore_ascii_case("bearer") {
            return Err(OidcError::Document {
                url: url.to_owned(),
                message: "the token response's `token_type` is not Bearer".to_owned(),
            });
        }
        Ok(Tokens {
            id_token: field("id_token")?,
            access_token: field("access_token")?,
        })
    }

    /// Core §3.1.3.7: signature by the provider's key, then the claims.
    fn validate(
        &self,
        id_token: &str,
        request: &LoginRequest,
        access_token: &str,
    ) -> Result<(Map<String, Value>, String), OidcError> {
        let jws = jwt::Jws::parse(id_token)?;
        let kid = jws.kid.as_deref();
        let set = self.key_set_for(kid)?;
        let key = match set.select(kid) {
            Selected::Key(key) => key,
            Selected::Unusable(why) => {
                return Err(OidcError::BadKey {
                    url: set.url.clone(),
                    kid: jws.kid.clone(),
                    message: why.to_owned(),
                });
            }
            Selected::None => {
                return Err(OidcError::UnknownKey {
                    url: set.url.clone(),
                    kid: jws.kid.clone(),
                });
            }
        };
        let claims = jws
            .verify(key)
            .map_err(|jwt::BadSignature| OidcError::BadSignature {
                url: set.url.clone(),
                kid: jws.kid.clone(),
            })?
            .read()?;
        let subject = jwt::check_claims(
            &claims,
            &jwt::Expected {
                issuer: &self.settings.issuer,
                client_id: &self.settings.client_id,
                nonce: &request.nonce,
                access_token,
                now: now(),
            },
        )?;
        Ok((claims, subject))
    }

    /// The cached JWK set if it has a key for `kid`, else the set fetched anew (once).
    fn key_set_for(&self, kid: Option<&str>) -> Result<Arc<KeySet>, OidcError> {
        let mut cache = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(set) = cache.as_ref()
            && !matches!(set.select(kid), Selected::None)
        {
            return Ok(Arc::clone(set));
        }
        let url = self.metadata.jwks_uri.as_str();
        let response = self.http.get(url, None)?;
        if !response.is_success() {
            return Err(OidcError::Status {
                url: url.to_owned(),
                status: response.status,
            });
        }
        let set = Arc::new(KeySet::parse(url, &response.body)?);
        *cache = Some(Arc::clone(&set));
        Ok(set)
    }

    /// Core §5.3: the claims of the access token's user, who must be the ID token's.
    fn userinfo(
        &self,
        url: &str,
        access_token: &str,
        subject: &str,
    ) -> Result<Map<String, Value>, OidcError> {
        let response = self.http.get(url, Some(access_token))?;
        if !response.is_success() {
            return Err(OidcError::Status {
                url: url.to_owned(),
                status: response.status,
            });
        }
        let claims = response.json_object(url)?;
        match claims.get("sub") {
            Some(Value::String(sub)) if sub == subject => Ok(claims),
            _ => Err(OidcError::SubjectMismatch {
                url: url.to_owned(),
            }),
        }
    }
}

struct Tokens {
    id_token: String,
    access_token: String,
}

fn check_settings(settings: &ClientSettings) -> Result<(), OidcError> {
    let http_url = |value: &str| value.starts_with("https://") || value.starts_with("http://");
    let invalid = |field, reason: &str| {
        Err(OidcError::InvalidSettings {
            field,
            reason: reason.to_owned(),
        })
    };
    if !http_url(&settings.issuer) {
        return invalid("issuer", "is not an http(s) URL");
    }
    if settings.client_id.is_empty() {
        return invalid("client_id", "is empty");
    }
    if !http_url(&settings.redirect_url) {
        return invalid("redirect_url", "is not an http(s) URL");
    }
    Ok(())
}

/// Seconds since the Unix epoch.
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A provider's error text, bounded and without control characters, for a message.
fn printable(text: &str) -> String {
    text.chars()
        .take(200)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Merges the ID token's claims with userinfo's; userinfo wins where both have a claim,
/// being the provider's current view of the user.
fn identity(
    issuer: &str,
    subject: String,
    id_token: &Map<String, Value>,
    userinfo: Option<&Map<String, Value>>,
) -> Identity {
    let text = |claims: &Map<String, Value>, name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let merged = |name: &str| {
        userinfo
            .and_then(|claims| text(claims, name))
            .or_else(|| text(id_token, name))
    };
    // `email_verified` is only believed about the address it came with.
    let (email, email_verified) = [userinfo, Some(id_token)]
        .into_iter()
        .flatten()
        .find_map(|claims| {
            text(claims, "email").map(|email| {
                let verified = claims.get("email_verified") == Some(&Value::Bool(true));
                (Some(email), verified)
            })
        })
        .unwrap_or((None, false));
    let mut groups = BTreeSet::new();
    for claims in [Some(id_token), userinfo].into_iter().flatten() {
        for name in ["groups", "groups_direct"] {
            match claims.get(name) {
                Some(Value::Array(items)) => groups.extend(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                ),
                Some(Value::String(group)) if !group.is_empty() => {
                    groups.insert(group.clone());
                }
                _ => {}
            }
        }
    }
    Identity {
        issuer: issuer.to_owned(),
        subject,
        username: merged("preferred_username").or_else(|| merged("nickname")),
        name: merged("name"),
        email,
        email_verified,
        groups: groups.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_43_url_safe_characters() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(a, random_token());
    }

    #[test]
    fn state_is_compared_whole() {
        let login = LoginRequest {
            state: "abc".into(),
            nonce: "n".into(),
            verifier: "v".into(),
        };
        assert!(login.state_matches("abc"));
        assert!(!login.state_matches("abd"));
        assert!(!login.state_matches("ab"));
        assert!(!login.state_matches(""));
    }

    #[test]
    fn debug_hides_the_secret() {
        let settings =
            ClientSettings::new("https://op", "id", Some("hunter2".into()), "https://rp/cb");
        assert!(!format!("{settings:?}").contains("hunter2"));
        assert_eq!(settings.scopes, ["openid", "profile", "email"]);
    }

    #[test]
    fn email_verified_goes_with_its_email() {
        let map = |v: Value| match v {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let id = map(serde_json::json!({"email": "old@x", "email_verified": true}));
        let info = map(serde_json::json!({"sub": "1", "email": "new@x"}));
        let who = identity("i", "1".into(), &id, Some(&info));
        assert_eq!(who.email.as_deref(), Some("new@x"));
        assert!(!who.email_verified);
        let info = map(serde_json::json!({"sub": "1", "email_verified": "true"}));
        let who = identity("i", "1".into(), &id, Some(&info));
        assert_eq!(who.email.as_deref(), Some("old@x"));
        assert!(who.email_verified);
    }
}
