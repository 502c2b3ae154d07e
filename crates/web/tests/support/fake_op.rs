//! A fake OpenID provider for the relying party's tests: discovery, JWK set, token and
//! userinfo endpoints served by axum on 127.0.0.1 from a thread of its own, and the
//! authorization step as a plain function (there is no browser or login form).
//!
//! It checks what a real provider checks — the client's authentication, the redirect
//! URI, one-time codes, the PKCE verifier against the challenge, bearer tokens — and
//! signs ID tokens with the throwaway keys in `tests/data` (GitLab-like claims). Tests
//! change its behaviour through [`FakeOp::configure`]: claims, header, the signing key,
//! the published keys, forged tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use percent_encoding::percent_decode_str;
use rsa::PrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use rsa::traits::PublicKeyParts as _;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

pub const CLIENT_ID: &str = "secfixes-test";
/// With characters that RFC 6749 §2.3.1's form-encoding changes.
pub const CLIENT_SECRET: &str = "s3cret:with/odd+chars %";
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/callback?from=test";
/// The user the provider signs in.
pub const SUBJECT: &str = "42";

/// Throwaway test keys (see tests/data/README.md), under these kids.
const KEYS: [(&str, &str); 2] = [
    ("k1", include_str!("../data/oidc-test-key.pem")),
    ("k2", include_str!("../data/oidc-test-key-2.pem")),
];

pub type Edit = Arc<dyn Fn(&mut Map<String, Value>) + Send + Sync>;

/// How the next ID tokens are made wrong, beyond their header and claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forge {
    /// Signed as configured.
    No,
    /// Signed, then the payload replaced (`sub` changed): the signature no longer matches.
    TamperPayload,
    /// `alg: none` and an empty signature.
    AlgNone,
    /// `alg: HS256` with a made-up MAC.
    Hs256,
    /// This string instead of an ID token.
    Raw(String),
    /// This text as the payload, signed as configured.
    SignedPayload(String),
}

/// What tests change.
pub struct Config {
    /// The client's secret; `None` registers a public client.
    pub client_secret: Option<String>,
    /// Advertised as `token_endpoint_auth_methods_supported` when set.
    pub auth_methods: Option<Vec<String>>,
    /// Replaces the discovery document's `issuer`.
    pub discovery_issuer: Option<String>,
    pub userinfo_endpoint: bool,
    /// The kids the JWK set publishes.
    pub published: Vec<&'static str>,
    /// The key that signs.
    pub sign_with: &'static str,
    /// The header's `kid`; `None` leaves it out.
    pub header_kid: Option<String>,
    pub forge: Forge,
    pub claims: Edit,
    pub header: Edit,
    pub userinfo: Edit,
}

impl Default for Config {
    fn default() -> Config {
        let nothing: Edit = Arc::new(|_| {});
        Config {
            client_secret: Some(CLIENT_SECRET.to_owned()),
            auth_methods: None,
            discovery_issuer: None,
            userinfo_endpoint: true,
            published: vec!["k1"],
            sign_with: "k1",
            header_kid: Some("k1".to_owned()),
            forge: Forge::No,
            claims: nothing.clone(),
            header: nothing.clone(),
            userinfo: nothing,
        }
    }
}

/// A token request as the provider received it.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The decoded `Authorization: Basic` client id and secret.
    pub basic: Option<(String, String)>,
    pub form: HashMap<String, String>,
}

/// What the authorization endpoint would redirect back with.
#[derive(Debug)]
pub struct Authorized {
    pub code: String,
    pub state: String,
    /// The decoded query parameters of the authorization request.
    pub params: Vec<(String, String)>,
}

struct Grant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    nonce: String,
}

struct Op {
    issuer: String,
    config: Config,
    keys: Vec<(&'static str, PrivateKey)>,
    codes: HashMap<String, Grant>,
    access_tokens: HashMap<String, String>,
    token_requests: Vec<TokenRequest>,
    jwks_fetches: usize,
    next: u64,
}

type Shared = Arc<Mutex<Op>>;

/// A running fake provider; stops serving when dropped.
pub struct FakeOp {
    issuer: String,
    op: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FakeOp {
    /// Binds 127.0.0.1:0 before returning, so requests made right away are queued by the
    /// kernel until the server thread accepts them: no waiting for it to start.
    pub fn start() -> FakeOp {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener for tokio");
        let addr = listener.local_addr().expect("the listener's address");
        let issuer = format!("http://{addr}");
        let keys = KEYS
            .iter()
            .map(|(kid, pem)| (*kid, PrivateKey::from_pkcs8_pem(pem).expect("the test key")))
            .collect();
        let op = Arc::new(Mutex::new(Op {
            issuer: issuer.clone(),
            config: Config::default(),
            keys,
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            token_requests: Vec::new(),
            jwks_fetches: 0,
            next: 0,
        }));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(Arc::clone(&op));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime for the fake provider");
            runtime.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .expect("the fake provider serves");
            });
        });
        FakeOp {
            issuer,
            op,
            shutdown: Some(shutdown),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The authorization endpoint as discovery gives it, with a query of its own.
    pub fn authorization_endpoint(&self) -> String {
        format!("{}/authorize?prompt=consent", self.issuer)
    }

    pub fn configure(&self, change: impl FnOnce(&mut Config)) {
        change(&mut self.lock().config);
    }

    /// Edits the claims of the next ID tokens (after the defaults are set).
    pub fn claims(&self, edit: impl Fn(&mut Map<String, Value>) + Send + Sync + 'static) {
        self.configure(|c| c.claims = Arc::new(edit));
    }

    /// Edits the claims userinfo answers with.
    pub fn userinfo(&self, edit: impl Fn(&mut Map<String, Value>) + Send + Sync + 'static) {
        self.configure(|c| c.userinfo = Arc::new(edit));
    }

    pub fn jwks_fetches(&self) -> usize {
        self.lock().jwks_fetches
    }

    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.lock().token_requests.clone()
    }

    /// The authorization endpoint's checks, with the user consenting: the code and state
    /// it would redirect to the client with.
    pub fn authorize(&self, url: &str) -> Result<Authorized, String> {
        let prefix = format!("{}/authorize?", self.issuer);
        let query = url
            .strip_prefix(&prefix)
            .ok_or_else(|| format!("{url} is not under {prefix}"))?;
        let params = parse_query(query)?;
        let one = |name: &str| -> Result<String, String> {
            let mut values = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
            match (values.next(), values.next()) {
                (Some(v), None) => Ok(v.clone()),
                _ => Err(format!("`{name}` is missing or repeated")),
            }
        };
        // The authorization endpoint's own query parameter, kept by the client.
        if one("prompt")? != "consent" {
            return Err("the endpoint's query was lost".into());
        }
        if one("response_type")? != "code" {
            return Err("response_type is not code".into());
        }
        let client_id = one("client_id")?;
        if client_id != CLIENT_ID {
            return Err("unknown client".into());
        }
        let redirect_uri = one("redirect_uri")?;
        if redirect_uri != REDIRECT_URI {
            return Err("redirect_uri is not registered".into());
        }
        if !one("scope")?.split(' ').any(|s| s == "openid") {
            return Err("scope has no openid".into());
        }
        if one("code_challenge_method")? != "S256" {
            return Err("code_challenge_method is not S256".into());
        }
        let challenge = one("code_challenge")?;
        let state = one("state")?;
        let nonce = one("nonce")?;
        let mut op = self.lock();
        op.next += 1;
        let code = format!("code-{}", op.next);
        op.codes.insert(
            code.clone(),
            Grant {
                client_id,
                redirect_uri,
                challenge,
                nonce,
            },
        );
        Ok(Authorized {
            code,
            state,
            params,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Op> {
        self.op.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for FakeOp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Decodes `a=b&c=d` as `application/x-www-form-urlencoded`.
pub fn parse_query(query: &str) -> Result<Vec<(String, String)>, String> {
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((form_decode(k)?, form_decode(v)?))
        })
        .collect()
}

fn form_decode(s: &str) -> Result<String, String> {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| format!("{s:?} is not UTF-8 once decoded"))
}

pub fn unix_now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs();
    i64::try_from(secs).expect("seconds fit in i64")
}

/// base64url(SHA-256(verifier)), written here independently of the client's code.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn lock(op: &Shared) -> MutexGuard<'_, Op> {
    op.lock().unwrap_or_else(PoisonError::into_inner)
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

async fn discovery(State(op): State<Shared>) -> Response {
    let op = lock(&op);
    let issuer = &op.issuer;
    let mut doc = json!({
        "issuer": op.config.discovery_issuer.clone().unwrap_or_else(|| issuer.clone()),
        "authorization_endpoint": format!("{issuer}/authorize?prompt=consent"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "name", "nickname",
            "preferred_username", "email", "email_verified", "groups", "groups_direct"],
    });
    if op.config.userinfo_endpoint {
        doc["userinfo_endpoint"] = json!(format!("{issuer}/userinfo"));
    }
    if let Some(methods) = &op.config.auth_methods {
        doc["token_endpoint_auth_methods_supported"] = json!(methods);
    }
    json_response(StatusCode::OK, &doc)
}

async fn jwks(State(op): State<Shared>) -> Response {
    let mut op = lock(&op);
    op.jwks_fetches += 1;
    let keys: Vec<Value> = op
        .keys
        .iter()
        .filter(|(kid, _)| op.config.published.contains(kid))
        .map(|(kid, key)| {
            json!({
                "kty": "RSA",
                "kid": kid,
                "use": "sig",
                "alg": "RS256",
                "n": URL_SAFE_NO_PAD.encode(key.n_bytes()),
                "e": URL_SAFE_NO_PAD.encode(key.e_bytes()),
            })
        })
        .collect();
    // Another kind of key that the client must pass over.
    let mut all = vec![json!({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"})];
    all.extend(keys);
    json_response(StatusCode::OK, &json!({ "keys": all }))
}

async fn token(
    State(op): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut op = lock(&op);
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| STANDARD.decode(b64).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            Some((form_decode(id).ok()?, form_decode(secret).ok()?))
        });
    op.token_requests.push(TokenRequest {
        basic: basic.clone(),
        form: form.clone(),
    });
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();

    if field("grant_type") != "authorization_code" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "");
    }
    let client_ok = match &op.config.client_secret {
        Some(secret) => {
            let post_allowed = op
                .config
                .auth_methods
                .as_ref()
                .is_some_and(|m| m.iter().any(|m| m == "client_secret_post"));
            match &basic {
                Some((id, s)) => {
                    id == CLIENT_ID && s == secret && !form.contains_key("client_secret")
                }
                None => {
                    post_allowed
                        && field("client_id") == CLIENT_ID
                        && field("client_secret") == secret
                }
            }
        }
        None => {
            headers.get(header::AUTHORIZATION).is_none()
                && field("client_id") == CLIENT_ID
                && !form.contains_key("client_secret")
        }
    };
    if !client_ok {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    // One use only, whatever happens next (RFC 6749 §4.1.2).
    let Some(grant) = op.codes.remove(field("code")) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the code is unknown or was used",
        );
    };
    if grant.client_id != CLIENT_ID || grant.redirect_uri != field("redirect_uri") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the redirect_uri is not the authorization request's",
        );
    }
    if s256(field("code_verifier")) != grant.challenge {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "PKCE verification failed",
        );
    }
    op.next += 1;
    let access_token = format!("access-{}", op.next);
    op.access_tokens
        .insert(access_token.clone(), SUBJECT.to_owned());
    let id_token = id_token(&op, &grant, &access_token);
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 7200,
            "scope": "openid profile email",
            "id_token": id_token,
        }),
    )
}

fn id_token(op: &Op, grant: &Grant, access_token: &str) -> String {
    let config = &op.config;
    if let Forge::Raw(raw) = &config.forge {
        return raw.clone();
    }
    let now = unix_now();
    let digest = Sha256::digest(access_token.as_bytes());
    let mut claims = object(json!({
        "iss": op.issuer,
        "sub": SUBJECT,
        "aud": CLIENT_ID,
        "exp": now + 120,
        "iat": now,
        "auth_time": now - 5,
        "nonce": grant.nonce,
        "at_hash": URL_SAFE_NO_PAD.encode(&digest[..16]),
        "sub_legacy": "2435223452345",
        "name": "Jane Doe",
        "nickname": "jdoe",
        "preferred_username": "jane",
        "email": "jane@example.org",
        "email_verified": true,
        "groups_direct": ["security", "alpine/infra"],
    }));
    (config.claims)(&mut claims);
    let mut header = object(json!({"alg": "RS256", "typ": "JWT"}));
    if let Some(kid) = &config.header_kid {
        header.insert("kid".into(), json!(kid));
    }
    match config.forge {
        Forge::AlgNone => {
            header.insert("alg".into(), json!("none"));
        }
        Forge::Hs256 => {
            header.insert("alg".into(), json!("HS256"));
        }
        _ => {}
    }
    (config.header)(&mut header);
    let b64 = |v: &Map<String, Value>| URL_SAFE_NO_PAD.encode(Value::Object(v.clone()).to_string());
    let payload = match &config.forge {
        Forge::SignedPayload(text) => URL_SAFE_NO_PAD.encode(text),
        _ => b64(&claims),
    };
    let input = format!("{}.{payload}", b64(&header));
    let signature = match config.forge {
        Forge::AlgNone => Vec::new(),
        Forge::Hs256 => Sha256::digest(format!("{input}not-a-real-mac")).to_vec(),
        _ => {
            let key = op
                .keys
                .iter()
                .find(|(kid, _)| *kid == config.sign_with)
                .map(|(_, key)| key.clone())
                .expect("a known signing key");
            SigningKey::<Sha256>::new(key)
                .sign(input.as_bytes())
                .to_vec()
        }
    };
    let signature = URL_SAFE_NO_PAD.encode(signature);
    if config.forge == Forge::TamperPayload {
        claims.insert("sub".into(), json!("43"));
        return format!("{}.{}.{signature}", b64(&header), b64(&claims));
    }
    format!("{input}.{signature}")
}

async fn userinfo(State(op): State<Shared>, headers: HeaderMap) -> Response {
    let op = lock(&op);
    let subject = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| op.access_tokens.get(token));
    let Some(subject) = subject else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "unknown access token",
        );
    };
    let mut claims = object(json!({
        "sub": subject,
        "sub_legacy": "2435223452345",
        "name": "Jane Doe",
        "nickname": "jdoe",
        "preferred_username": "jane",
        "email": "jane@example.org",
        "email_verified": true,
        "website": "",
        "profile": "https://gitlab.example/jane",
        "picture": "https://gitlab.example/uploads/jane.png",
        "groups": ["alpine", "alpine/infra", "security"],
    }));
    (op.config.userinfo)(&mut claims);
    json_response(StatusCode::OK, &Value::Object(claims))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
