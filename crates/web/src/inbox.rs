//! The Linked Data Notifications receiver (W3C LDN, section 4): the inbox other trackers
//! post signed notifications to.
//!
//! - `POST /inbox` with `Content-Type: application/ld+json`, signed per RFC 9421 by a
//!   configured peer ([`secfixes_ldn::signature`]) over the method, target URI, content
//!   type and `Content-Digest`: `201 Created` with `Location: /inbox/<n>` (`200 OK` with
//!   the same `Location` when the notification is stored already). No or a bad signature:
//!   `401`; a body that is not a notification ([`secfixes_ldn::vocabulary::read`]):
//!   `400`; larger than [`MAX_BYTES`]: `413`; another content type: `415`. Nothing is
//!   stored unless the answer is 201.
//! - `GET /inbox`: an `ldp:Container` whose `ldp:contains` lists every notification.
//! - `GET /inbox/<n>`: the notification as it was sent.
//! - `OPTIONS /inbox`: `Accept-Post: application/ld+json`.
//! - More than `[federation] rate_limit` posts in a minute from one peer: `429` with
//!   `Retry-After`, nothing stored.
//! - `GET /outbox/<n>`: a notification this tracker sent (its `id`).
//! - `GET /federation/key`: this tracker's public key as a Multikey document, for peers
//!   to configure.
//!
//! [`advertise`] adds the `Link: <…/inbox>; rel="http://www.w3.org/ns/ldp#inbox"` header
//! by which senders discover the inbox (LDN section 3) to `/`, `/vuln/…` and
//! `/srcpkg/…`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use secfixes_ldn::signature::{self, Headers, Policy, VerifyingKey};
use secfixes_ldn::vocabulary::{self, Received};
use secfixes_ldn::{Error as LdnError, content_digest};
use secfixes_tracker::inbox::{self, Incoming, Kind};

use crate::app::{Segments, Shared};
use crate::error::WebError;
use crate::format::now;
use crate::jsonld::Base;

pub use secfixes_ldn::vocabulary::MAX_BYTES;

/// The inbox's path.
pub const PATH: &str = "/inbox";

/// The relation of the inbox link (LDN section 3.1).
pub const REL: &str = "http://www.w3.org/ns/ldp#inbox";

/// How far a signature's `created` time may be from the receiver's clock.
const MAX_SIGNATURE_AGE: i64 = 300;

/// The trackers whose notifications the inbox accepts, and how many each may post.
#[derive(Debug, Clone, Default)]
pub struct Peers {
    peers: Vec<Peer>,
    /// Notifications per minute per peer; 0: no limit.
    rate_limit: u32,
    /// Each peer's current minute and how many it posted in it.
    windows: Arc<Mutex<HashMap<String, (i64, u32)>>>,
}

#[derive(Debug, Clone)]
struct Peer {
    key_id: String,
    url: String,
    key: VerifyingKey,
}

impl Peers {
    /// The peers of a `[federation]` section; a key that is not an ed25519 point is an
    /// error naming the peer.
    pub fn from_config(federation: &secfixes_tracker::config::Federation) -> Result<Peers, String> {
        let mut peers = Vec::new();
        for p in &federation.peers {
            let key = VerifyingKey::from_bytes(&p.public_key)
                .map_err(|_| format!("the public key of peer {} is not an ed25519 key", p.name))?;
            peers.push(Peer {
                key_id: p.key_id.clone(),
                url: p.url.clone(),
                key,
            });
        }
        Ok(Peers {
            peers,
            rate_limit: federation.rate_limit,
            windows: Arc::default(),
        })
    }

    /// Counts a post from `key_id`; past the limit, the seconds until it may post again.
    fn over_limit(&self, key_id: &str, now: i64) -> Option<i64> {
        if self.rate_limit == 0 {
            return None;
        }
        let minute = now.div_euclid(60);
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let window = windows.entry(key_id.to_owned()).or_insert((minute, 0));
        if window.0 != minute {
            *window = (minute, 0);
        }
        if window.1 >= self.rate_limit {
            return Some((minute + 1) * 60 - now);
        }
        window.1 += 1;
        None
    }

    fn by_key_id(&self, key_id: &str) -> Option<&Peer> {
        self.peers.iter().find(|p| p.key_id == key_id)
    }
}

/// Adds the inbox link to the resources senders discover it from.
pub async fn advertise(base: Base, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let discoverable = path == "/" || path.starts_with("/vuln/") || path.starts_with("/srcpkg/");
    if discoverable && let Ok(value) = HeaderValue::from_str(&link_value(&base)) {
        response.headers_mut().append(header::LINK, value);
    }
    response
}

/// `<https://…/inbox>; rel="http://www.w3.org/ns/ldp#inbox"`.
pub fn link_value(base: &Base) -> String {
    format!("<{}>; rel=\"{REL}\"", base.url(PATH))
}

/// `OPTIONS /inbox`.
pub async fn options() -> Response {
    (
        [
            (header::ALLOW, "GET, HEAD, OPTIONS, POST"),
            (
                header::HeaderName::from_static("accept-post"),
                "application/ld+json",
            ),
        ],
        StatusCode::NO_CONTENT,
    )
        .into_response()
}

/// `GET /inbox`.
pub async fn list(state: Shared, base: Base) -> Result<Response, WebError> {
    let seqs = state.pool.run(inbox::list).await?;
    let items: Vec<String> = seqs
        .iter()
        .map(|n| base.url(&format!("{PATH}/{n}")))
        .collect();
    let doc = json!({
        "@context": {
            "ldp": "http://www.w3.org/ns/ldp#",
            "contains": {"@id": "ldp:contains", "@type": "@id"}
        },
        "@id": base.url(PATH),
        "@type": "ldp:Container",
        "contains": items,
    });
    Ok(ld_json(doc.to_string()))
}

/// `GET /inbox/<n>`.
pub async fn show(state: Shared, Segments(seq): Segments<String>) -> Result<Response, WebError> {
    let seq: i64 = seq
        .parse()
        .map_err(|_| WebError::not_found("there is no such notification"))?;
    let found = state.pool.run(move |db| inbox::get(db, seq)).await?;
    let Some(found) = found else {
        return Err(WebError::not_found("there is no such notification"));
    };
    Ok(ld_json(found.body))
}

fn ld_json(body: impl Into<axum::body::Body>) -> Response {
    ([(header::CONTENT_TYPE, "application/ld+json")], body.into()).into_response()
}

/// `POST /inbox`.
pub async fn receive(
    state: Shared,
    base: Base,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("application/ld+json") {
        return Err(WebError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("the inbox takes application/ld+json, not {content_type:?}"),
        ));
    }
    if body.len() > MAX_BYTES {
        return Err(WebError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a notification is at most {MAX_BYTES} bytes"),
        ));
    }
    let peers = &state.peers;
    let sender = authenticate(peers, &base, &method, &uri, &headers, &body)
        .map_err(|e| WebError::new(StatusCode::UNAUTHORIZED, e.to_string()))?;
    if let Some(wait) = peers.over_limit(&sender.key_id, now()) {
        let mut refused = WebError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "more than {} notifications this minute from {}; try again in {wait} s",
                peers.rate_limit, sender.key_id
            ),
        )
        .into_response();
        refused
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait.max(1)));
        return Ok(refused);
    }
    let received = vocabulary::read(&body).map_err(|e| WebError::bad_request(e.to_string()))?;
    let verdict = match received {
        Received::Verdict(n) => {
            if n.actor.trim_end_matches('/') != sender.url {
                return Err(WebError::bad_request(format!(
                    "`actor`: {} is not the signing tracker ({})",
                    n.actor, sender.url
                )));
            }
            Some(n)
        }
        Received::Other(_) => None,
    };
    let key_id = sender.key_id.clone();
    let received_at = now();
    let stored = state
        .pool
        .run(move |db| {
            inbox::store(
                db,
                &Incoming {
                    sender: &key_id,
                    received_at,
                    kind: if verdict.is_some() {
                        Kind::Verdict
                    } else {
                        Kind::Other
                    },
                    notification_id: verdict.as_ref().map(|n| n.id.as_str()),
                    body: &body,
                    verdict: verdict.as_deref(),
                },
            )
        })
        .await?;
    let location = base.url(&format!("{PATH}/{}", stored.seq));
    let status = if stored.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, [(header::LOCATION, location)]).into_response())
}

/// The peer whose signature `headers` carry, after checking it and the body's digest.
fn authenticate<'a>(
    peers: &'a Peers,
    base: &Base,
    method: &Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<&'a Peer, LdnError> {
    let field = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| LdnError::Signature(format!("no {name} header")))
    };
    let signed = Headers {
        signature_input: field("signature-input")?,
        signature: field("signature")?,
    };
    let digest = field("content-digest")?;
    let target = uri
        .path_and_query()
        .map_or(PATH.to_owned(), |p| p.as_str().to_owned());
    let request = signature::Request {
        method: method.as_str().to_owned(),
        target_uri: base.url(&target),
        headers: headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
    };
    let policy = Policy {
        required: &signature::COMPONENTS,
        now: now(),
        max_age: MAX_SIGNATURE_AGE,
    };
    let verified = signature::verify(
        &request,
        &signed,
        |id| peers.by_key_id(id).map(|p| p.key),
        &policy,
    )?;
    content_digest::verify(&digest, body)?;
    peers
        .by_key_id(&verified.key_id)
        .ok_or_else(|| LdnError::Signature("the signing peer went away".to_owned()))
}

/// `GET /ns/v1`: the vocabulary's JSON-LD context.
pub async fn context() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/ld+json"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        vocabulary::CONTEXT,
    )
        .into_response()
}

/// `GET /outbox/<n>`.
pub async fn sent(state: Shared, Segments(seq): Segments<String>) -> Result<Response, WebError> {
    let seq: i64 = seq
        .parse()
        .map_err(|_| WebError::not_found("there is no such notification"))?;
    let found = state
        .pool
        .run(move |db| secfixes_tracker::federation::outbox::get(db, seq))
        .await?;
    found
        .map(ld_json)
        .ok_or_else(|| WebError::not_found("there is no such notification"))
}

/// This tracker's signing key, as the server publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedKey {
    pub key_id: String,
    pub public_key: [u8; 32],
}

/// `GET /federation/key`: a W3C Controlled Identifiers `Multikey` (the ed25519 public key
/// as multibase base58btc of the multicodec `ed25519-pub` prefix and the key), with the
/// same key in base64 as `[[federation.peer]] public_key` takes it.
pub async fn key(state: Shared, base: Base) -> Result<Response, WebError> {
    let Some(key) = &state.federation_key else {
        return Err(WebError::not_found(
            "this tracker does not sign notifications",
        ));
    };
    let mut prefixed = vec![0xed, 0x01];
    prefixed.extend_from_slice(&key.public_key);
    let doc = json!({
        "@context": [
            "https://www.w3.org/ns/cid/v1",
            {"publicKeyBase64": "https://w3id.org/secfixes#publicKeyBase64"}
        ],
        "id": key.key_id,
        "type": "Multikey",
        "controller": base.url("/"),
        "publicKeyMultibase": format!("z{}", bs58::encode(prefixed).into_string()),
        "publicKeyBase64": base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            key.public_key
        ),
    });
    Ok(ld_json(doc.to_string()))
}
