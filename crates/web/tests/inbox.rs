//! The LDN inbox through the router, in process, on an empty store: signed notifications
//! from a configured peer are stored once and listed (`201`, then `200` for the same
//! one again), the LDN test suite's payloads are accepted, and everything that must be
//! refused is (`401` without or with a bad signature or a body that does not match its
//! digest, `400` for a bad verdict or another tracker's actor, `413`, `415`), with
//! nothing stored. The inbox is advertised with `Link` headers, `OPTIONS` gives
//! `Accept-Post`, and the vocabulary's context is served.
#![allow(clippy::unwrap_used)]

#[path = "../../tracker/tests/support/mod.rs"]
mod support;

mod http;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use secfixes_ldn::content_digest;
use secfixes_ldn::signature::{self, Signer};
use secfixes_tracker::config::{Delivery, Federation, Peer};
use secfixes_web::inbox::{self, Peers};
use secfixes_web::{App, Settings, router};

use http::{Answer, send};

const BASE: &str = "http://tracker.test";
const DEBIAN: &str = "https://debian.test";

/// Notifications the peer may post per minute in these tests.
const RATE_LIMIT: u32 = 20;

fn debian() -> Signer {
    Signer::from_seed("https://debian.test/#ldn-key", &[1; 32])
}

struct Fixture {
    _dir: tempfile::TempDir,
    router: Router,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("store.db").display());
    let mut settings = Settings::new(&url);
    settings.public_url = Some(BASE.to_owned());
    let federation = Federation {
        key_id: "https://tracker.test/#ldn-key".to_owned(),
        key_file: dir.path().join("key"),
        peers: vec![Peer {
            name: "Debian".to_owned(),
            url: DEBIAN.to_owned(),
            key_id: debian().key_id().to_owned(),
            public_key: debian().public_key().to_bytes(),
            follows: Vec::new(),
        }],
        delivery: Delivery::default(),
        rate_limit: RATE_LIMIT,
    };
    settings.peers = Peers::from_config(&federation).unwrap();
    let app = Arc::new(App::new(&settings).unwrap());
    Fixture {
        _dir: dir,
        router: router(app),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// A POST of `body` to the inbox, signed by `signer` (none: unsigned); `digest_of` is
/// the body the Content-Digest is computed from (normally `body`).
fn post(body: &[u8], digest_of: &[u8], signer: Option<&Signer>) -> Request<Body> {
    let content_type = "application/ld+json";
    let digest = content_digest::sha256(digest_of);
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri("/inbox")
        .header(header::HOST, "tracker.test")
        .header(header::CONTENT_TYPE, content_type)
        .header("content-digest", &digest);
    if let Some(signer) = signer {
        let request = signature::Request {
            method: "POST".to_owned(),
            target_uri: format!("{BASE}/inbox"),
            headers: vec![
                ("content-type".to_owned(), content_type.to_owned()),
                ("content-digest".to_owned(), digest.clone()),
            ],
        };
        let signed = signer.sign(&request, now()).unwrap();
        builder = builder
            .header("signature-input", signed.signature_input)
            .header("signature", signed.signature);
    }
    builder.body(Body::from(body.to_vec())).unwrap()
}

fn get(path: &str) -> Request<Body> {
    Request::builder()
        .uri(path)
        .header(header::ACCEPT, "application/ld+json")
        .body(Body::empty())
        .unwrap()
}

fn verdict(id: &str, actor: &str) -> String {
    serde_json::json!({
        "@context": "https://w3id.org/secfixes/v1",
        "id": format!("{DEBIAN}/ldn/outbox/{id}"),
        "type": "Announce",
        "actor": actor,
        "published": "2026-11-02T10:00:00Z",
        "object": {
            "type": "Verdict",
            "vulnerability": "CVE-2026-1234",
            "product": "pkg:generic/openssl",
            "package": "openssl",
            "distribution": "Debian",
            "branch": "bookworm",
            "status": "fixed",
            "fixedVersion": "3.0.15-1",
            "changed": "2026-11-02T09:58:12Z"
        }
    })
    .to_string()
}

async fn contains(router: &Router) -> Vec<String> {
    let answer = send(router, get("/inbox")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type, "application/ld+json");
    let doc = answer.json();
    assert_eq!(doc["@type"], "ldp:Container");
    assert_eq!(doc["@id"], format!("{BASE}/inbox"));
    doc["contains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn signed_verdicts_are_stored_once() {
    let f = fixture();
    let body = verdict("41", DEBIAN);
    let answer = send(
        &f.router,
        post(body.as_bytes(), body.as_bytes(), Some(&debian())),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let location = answer.location().to_owned();
    assert_eq!(location, format!("{BASE}/inbox/1"));
    assert_eq!(contains(&f.router).await, std::slice::from_ref(&location));
    let stored = send(&f.router, get("/inbox/1")).await;
    assert_eq!(stored.status, StatusCode::OK);
    assert_eq!(stored.content_type, "application/ld+json");
    assert_eq!(stored.body, body);

    // The same notification again (a retry): stored once, the same place.
    let again = send(
        &f.router,
        post(body.as_bytes(), body.as_bytes(), Some(&debian())),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.location(), location);
    let other = verdict("42", DEBIAN);
    let next = send(
        &f.router,
        post(other.as_bytes(), other.as_bytes(), Some(&debian())),
    )
    .await;
    assert_eq!(next.status, StatusCode::CREATED);
    assert_eq!(contains(&f.router).await.len(), 2);
    assert_ne!(next.location(), location);
    assert_eq!(
        send(&f.router, get("/inbox/999")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&f.router, get("/inbox/x")).await.status,
        StatusCode::NOT_FOUND
    );
}

/// The payloads of the LDN test suite (inbox-compacted and inbox-expanded), signed by
/// the peer: every one is accepted and served back as sent.
#[tokio::test]
async fn ldn_test_suite_payloads_are_accepted() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let f = fixture();
    let mut count = 0;
    for dir in ["inbox-compacted", "inbox-expanded"] {
        let dir = fixtures.join("ldn/ldn-tests-inbox").join(dir);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let body = std::fs::read(&path).unwrap();
            let answer = send(&f.router, post(&body, &body, Some(&debian()))).await;
            assert_eq!(
                answer.status,
                StatusCode::CREATED,
                "{}: {}",
                path.display(),
                answer.body
            );
            let location = answer.location().trim_start_matches(BASE).to_owned();
            let stored = send(&f.router, get(&location)).await;
            assert_eq!(
                stored.body.as_bytes(),
                body.as_slice(),
                "{}",
                path.display()
            );
            count += 1;
        }
    }
    assert_eq!(count, 6);
    assert_eq!(contains(&f.router).await.len(), 6);
}

#[tokio::test]
async fn refused_and_nothing_stored() {
    let f = fixture();
    let body = verdict("41", DEBIAN);
    let b = body.as_bytes();
    let stranger = Signer::from_seed("https://stranger.test/#k", &[2; 32]);
    let impostor = Signer::from_seed(debian().key_id(), &[3; 32]);
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            post(b, b, None),
            StatusCode::UNAUTHORIZED,
            "no signature-input header",
        ),
        (
            post(b, b, Some(&stranger)),
            StatusCode::UNAUTHORIZED,
            "no signature by a known key",
        ),
        (
            post(b, b, Some(&impostor)),
            StatusCode::UNAUTHORIZED,
            "does not verify",
        ),
        (
            post(
                verdict("41", "https://wolfi.test").as_bytes(),
                verdict("41", DEBIAN).as_bytes(),
                Some(&debian()),
            ),
            StatusCode::UNAUTHORIZED,
            "does not match its sha-256 digest",
        ),
        (
            post(
                verdict("41", "https://wolfi.test").as_bytes(),
                verdict("41", "https://wolfi.test").as_bytes(),
                Some(&debian()),
            ),
            StatusCode::BAD_REQUEST,
            "is not the signing tracker",
        ),
        (
            post(
                body.replace("\"fixed\"", "\"maybe\"").as_bytes(),
                body.replace("\"fixed\"", "\"maybe\"").as_bytes(),
                Some(&debian()),
            ),
            StatusCode::BAD_REQUEST,
            "unknown variant `maybe`",
        ),
        (
            post(b"[]", b"[]", Some(&debian())),
            StatusCode::BAD_REQUEST,
            "an object or an array",
        ),
    ];
    for (request, status, message) in cases {
        let answer: Answer = send(&f.router, request).await;
        assert_eq!(answer.status, status, "{message}: {}", answer.body);
        assert!(answer.body.contains(message), "{message}: {}", answer.body);
    }
    let mut text = post(b, b, Some(&debian()));
    text.headers_mut()
        .insert(header::CONTENT_TYPE, "text/turtle".parse().unwrap());
    assert_eq!(
        send(&f.router, text).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let big = vec![b' '; inbox::MAX_BYTES + 1];
    assert_eq!(
        send(&f.router, post(&big, &big, Some(&debian())))
            .await
            .status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert!(contains(&f.router).await.is_empty(), "something was stored");
}

#[tokio::test]
async fn discovery_options_and_context() {
    let f = fixture();
    let link = format!("<{BASE}/inbox>; rel=\"http://www.w3.org/ns/ldp#inbox\"");
    for path in ["/", "/vuln/CVE-2026-1234", "/srcpkg/openssl"] {
        let answer = send(&f.router, get(path)).await;
        let links: Vec<&str> = answer
            .headers
            .get_all(header::LINK)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert!(links.contains(&link.as_str()), "{path}: {links:?}");
    }
    let answer = send(&f.router, get("/changes")).await;
    assert!(answer.headers.get(header::LINK).is_none());
    // And in the JSON-LD of every resource.
    let index = send(&f.router, get("/")).await;
    assert_eq!(index.json()["inbox"], format!("{BASE}/inbox"));

    let options = Request::builder()
        .method(Method::OPTIONS)
        .uri("/inbox")
        .body(Body::empty())
        .unwrap();
    let answer = send(&f.router, options).await;
    assert_eq!(answer.headers["accept-post"], "application/ld+json");
    assert!(
        answer.headers[header::ALLOW]
            .to_str()
            .unwrap()
            .contains("POST")
    );

    let context = send(&f.router, get("/ns/v1")).await;
    assert_eq!(context.status, StatusCode::OK);
    assert_eq!(context.content_type, "application/ld+json");
    assert!(context.json()["@context"]["Verdict"].is_string());
}

/// Past `rate_limit` posts in a minute, a peer gets 429 with Retry-After and nothing is
/// stored; a post refused for its signature does not count.
#[tokio::test]
async fn a_peer_past_its_rate_limit_gets_429() {
    let f = fixture();
    let unsigned = verdict("0", DEBIAN);
    let refused = send(
        &f.router,
        post(unsigned.as_bytes(), unsigned.as_bytes(), None),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    // Within one minute the 21st post is refused; should the minute turn during the
    // posts, the count starts again and the limit is met within the next 21.
    let mut created = 0;
    let mut limited = None;
    for i in 0..2 * (RATE_LIMIT + 1) {
        let body = verdict(&format!("r{i}"), DEBIAN);
        let answer = send(
            &f.router,
            post(body.as_bytes(), body.as_bytes(), Some(&debian())),
        )
        .await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(answer);
            break;
        }
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        created += 1;
    }
    let limited = limited.expect("no 429 after twice the limit");
    assert!(created >= RATE_LIMIT as usize, "{created}");
    assert!(
        limited.body.contains("more than 20 notifications"),
        "{}",
        limited.body
    );
    let wait: i64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(contains(&f.router).await.len(), created);
}
