//! Triage through the router, in process, on a fresh copy of the demo per test: a
//! maintainer rejects a CVE for their own package and withdraws it; everything that must
//! be refused is (no session, a tampered or expired one, no or a wrong CSRF token,
//! someone else's package, bad fields), with nothing written and the form kept.
//! Sessions are made directly in the store; the login itself is tested in `login.rs`
//! and in the browser.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use secfixes_tracker::db;
use secfixes_tracker::sync::Quiet;
use secfixes_web::auth::{AuthSettings, session};
use secfixes_web::oidc::{ClientSettings, Identity};
use secfixes_web::{App, Settings, router};

mod http;
mod terms;

use http::Answer;

const CVE: &str = "CVE-2026-90003";

struct Fixture {
    _dir: tempfile::TempDir,
    url: String,
    app: Arc<App>,
    router: Router,
}

fn settings(url: &str) -> Settings {
    let mut settings = Settings::new(url);
    settings.cache_ttl = Duration::from_secs(3600);
    settings.tracker_config = Some(secfixes_tracker::demo::embedded_config().unwrap());
    settings.auth = Some(AuthSettings {
        client: ClientSettings {
            issuer: "http://127.0.0.1:9/never-contacted".into(),
            client_id: "secfixes".into(),
            client_secret: None,
            redirect_url: "http://tracker.test/auth/callback".into(),
            scopes: vec!["openid".into()],
        },
        security_groups: vec!["demo/security".into()],
        grants: Default::default(),
        session_ttl: Duration::from_secs(3600),
    });
    settings
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("demo.db").display());
    let mut store = db::open(&url).unwrap();
    secfixes_tracker::demo::load(store.as_mut(), &Quiet).unwrap();
    drop(store);
    let app = Arc::new(App::new(&settings(&url)).unwrap());
    Fixture {
        _dir: dir,
        url,
        router: router(Arc::clone(&app)),
        app,
    }
}

fn identity(user: &str, email: &str, verified: bool, groups: &[&str]) -> Identity {
    Identity {
        issuer: "http://127.0.0.1:9/never-contacted".into(),
        subject: format!("{user}-id"),
        username: Some(user.into()),
        name: None,
        email: Some(email.into()),
        email_verified: verified,
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
    }
}

fn jane() -> Identity {
    identity("jane", "jane@example.org", true, &["demo/maintainers"])
}

impl Fixture {
    /// A session for `who`: the cookie header value.
    async fn login(&self, who: &Identity) -> String {
        let token = session::create(&self.app.pool, who, Duration::from_secs(3600))
            .await
            .unwrap();
        format!("{}={token}", session::cookie_name(false))
    }

    async fn send(&self, request: Request<Body>) -> Answer {
        http::send(&self.router, request).await
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(path).header(header::HOST, "tracker.test");
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Answer {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = Request::post(path)
            .header(header::HOST, "tracker.test")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// The CSRF token the pages give this session.
    async fn csrf(&self, cookie: &str) -> String {
        let page = self.get("/", Some(cookie)).await;
        let at = page
            .body
            .find(r#"name="csrf" value=""#)
            .expect("a logged-in page has a CSRF field");
        let rest = &page.body[at + r#"name="csrf" value=""#.len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    /// The state of openssl 3.5.1-r0 on 3.22-main for the CVE, from the API.
    async fn openssl_state(&self) -> String {
        let request = Request::get(format!("/vuln/{CVE}"))
            .header(header::HOST, "tracker.test")
            .header(header::ACCEPT, "application/ld+json")
            .body(Body::empty())
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&self.send(request).await.body).unwrap();
        doc["state"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["repo"] == "3.22-main" && s["packageName"] == "openssl")
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn count(&self, table: &str) -> i64 {
        let mut store = db::open(&self.url).unwrap();
        db::count(store.as_mut(), table).unwrap()
    }
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn reject_form<'a>(csrf: &'a str, origin: &'a str, why: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("vuln", CVE),
        ("origin", origin),
        ("tag", "3.22-main"),
        ("reason", "vulnerable_code_not_present"),
        ("rationale", why),
    ]
}

#[tokio::test]
async fn maintainer_rejects_and_withdraws() {
    let f = fixture();
    let cookie = f.login(&jane()).await;
    let csrf = f.csrf(&cookie).await;
    assert_eq!(f.openssl_state().await, "vulnerable");

    // The CVE page offers jane the form for openssl (hers) and not for other packages.
    let page = f.get(&format!("/vuln/{CVE}"), Some(&cookie)).await;
    assert!(
        page.body.contains(
            r#"class="triage-reject" method="post" action="/triage/reject" data-origin="openssl""#
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"id="user""#));
    assert!(
        page.body
            .contains(r#"jane <span class="role">(maintainer)</span>"#)
    );
    assert_eq!(page.headers[header::CACHE_CONTROL], "private, no-store");

    let answer = f
        .post(
            "/triage/reject",
            Some(&cookie),
            &reject_form(&csrf, "openssl", "Built without the legacy provider."),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(
        answer.headers[header::LOCATION],
        format!("/vuln/{CVE}#triage")
    );
    // At once: the cache was dropped by the action, not by its time-to-live (an hour).
    assert_eq!(f.openssl_state().await, "not-affected");
    let page = f.get(&format!("/vuln/{CVE}"), Some(&cookie)).await;
    assert!(page.body.contains("Built without the legacy provider."));
    assert!(page.body.contains(r#"class="triage-withdraw""#));
    let history = f.get("/history", None).await;
    assert!(
        history.body.contains(r#"class="triage-event""#) && history.body.contains("jane"),
        "{}",
        history.body
    );
    // The documents that now carry a triage rejection and event define every term.
    let mut docs = Vec::new();
    for path in [
        format!("/vuln/{CVE}"),
        "/srcpkg/openssl".to_owned(),
        "/history".to_owned(),
    ] {
        let request = Request::get(path)
            .header(header::HOST, "tracker.test")
            .header(header::ACCEPT, "application/ld+json")
            .body(Body::empty())
            .unwrap();
        docs.push(serde_json::from_str::<serde_json::Value>(&f.send(request).await.body).unwrap());
    }
    assert_eq!(docs[2]["items"][0]["actorRole"], "maintainer");
    assert_eq!(docs[0]["rejection"][0]["actor"], "jane");
    let context: serde_json::Value =
        serde_json::from_str(&f.get("/static/context.jsonld", None).await.body).unwrap();
    assert_eq!(terms::undefined(&context, &docs), Vec::<String>::new());
    let feed = f.get("/history/feed.atom", None).await;
    let feed = atom_syndication::Feed::read_from(feed.body.as_bytes()).unwrap();
    assert_eq!(feed.entries().len(), 1);
    assert!(
        feed.entries()[0]
            .title()
            .as_str()
            .contains("jane rejected CVE-2026-90003 for openssl")
    );

    let answer = f
        .post(
            "/triage/withdraw",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("vuln", CVE),
                ("origin", "openssl"),
                ("tag", "3.22-main"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(f.openssl_state().await, "vulnerable");
    assert_eq!(f.count("triage_event"), 2);

    // Logging out needs the token too, and ends the session.
    let answer = f.post("/logout", Some(&cookie), &[]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = f.post("/logout", Some(&cookie), &[("csrf", &csrf)]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(
        answer.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let page = f.get("/", Some(&cookie)).await;
    assert!(page.body.contains(r#"id="login""#), "the session is gone");
}

#[tokio::test]
async fn refusals_write_nothing() {
    let f = fixture();
    let cookie = f.login(&jane()).await;
    let csrf = f.csrf(&cookie).await;
    let before = (f.count("triage_event"), f.count("rejection"));
    let why = "Not built.";

    // No session, a tampered cookie, an expired session.
    let answer = f
        .post("/triage/reject", None, &reject_form(&csrf, "openssl", why))
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let tampered = format!("{}x", cookie);
    let answer = f
        .post(
            "/triage/reject",
            Some(&tampered),
            &reject_form(&csrf, "openssl", why),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(
        answer.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"),
        "the stale cookie is cleared"
    );
    let expired = f.login(&jane()).await;
    let expired_csrf = f.csrf(&expired).await;
    {
        let mut store = db::open(&f.url).unwrap();
        store
            .execute(
                "UPDATE web_session SET expires_at = 0 WHERE csrf = $1",
                &[expired_csrf.as_str().into()],
            )
            .unwrap();
    }
    let answer = f
        .post(
            "/triage/reject",
            Some(&expired),
            &reject_form(&expired_csrf, "openssl", why),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    // No CSRF token, another session's token.
    let mut no_csrf = reject_form(&csrf, "openssl", why);
    no_csrf.remove(0);
    assert_eq!(
        f.post("/triage/reject", Some(&cookie), &no_csrf)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let other = f.login(&jane()).await;
    let other_csrf = f.csrf(&other).await;
    assert_ne!(other_csrf, csrf);
    let answer = f
        .post(
            "/triage/reject",
            Some(&cookie),
            &reject_form(&other_csrf, "openssl", why),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);

    // Not her package: nginx is Mei's. An unverified address is no address.
    let answer = f
        .post(
            "/triage/reject",
            Some(&cookie),
            &reject_form(&csrf, "nginx", why),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert!(answer.body.contains("does not maintain nginx"));
    let uma = f
        .login(&identity("uma", "jane@example.org", false, &[]))
        .await;
    let uma_csrf = f.csrf(&uma).await;
    let answer = f
        .post(
            "/triage/reject",
            Some(&uma),
            &reject_form(&uma_csrf, "openssl", why),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);

    // Bad fields: 4xx naming the field, with the form as it was sent.
    let mut bad_reason = reject_form(&csrf, "openssl", "Kept text <b>here</b>");
    bad_reason[4] = ("reason", "not_applicable");
    let answer = f.post("/triage/reject", Some(&cookie), &bad_reason).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer
            .body
            .contains("&quot;not_applicable&quot; is not a reason code"),
        "{}",
        answer.body
    );
    assert!(
        answer
            .body
            .contains("Kept text &lt;b&gt;here&lt;/b&gt;</textarea>"),
        "the rationale is kept, escaped"
    );
    let answer = f
        .post(
            "/triage/reject",
            Some(&cookie),
            &reject_form(&csrf, "openssl", "   "),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.body.contains("rationale: say why"),
        "{}",
        answer.body
    );
    assert!(
        answer
            .body
            .contains(r#"<option value="vulnerable_code_not_present" selected>"#),
        "the reason is kept"
    );
    let mut unknown_cve = reject_form(&csrf, "openssl", why);
    unknown_cve[1] = ("vuln", "CVE-2026-99999");
    assert_eq!(
        f.post("/triage/reject", Some(&cookie), &unknown_cve)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let answer = f
        .post(
            "/triage/reject",
            Some(&cookie),
            &reject_form(&csrf, "no-such-package", why),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let mut no_tag = reject_form(&csrf, "openssl", why);
    no_tag.remove(3);
    assert_eq!(
        f.post("/triage/reject", Some(&cookie), &no_tag)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let answer = f
        .post(
            "/triage/reject",
            Some(&cookie),
            &[("csrf", &csrf), ("vuln", CVE)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body.contains("the form has no origin"));

    assert_eq!((f.count("triage_event"), f.count("rejection")), before);
    assert_eq!(f.openssl_state().await, "vulnerable");
}

#[tokio::test]
async fn security_team_overrides_maintainers() {
    let f = fixture();
    let sam = f
        .login(&identity(
            "sam",
            "sam@example.org",
            true,
            &["demo", "demo/security"],
        ))
        .await;
    let sam_csrf = f.csrf(&sam).await;
    let jane = f.login(&jane()).await;
    let jane_csrf = f.csrf(&jane).await;
    let answer = f
        .post(
            "/triage/reject",
            Some(&sam),
            &reject_form(&sam_csrf, "openssl", "Upstream says so."),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    // Jane sees the rejection but no withdraw button, and withdrawing anyway is refused.
    let page = f.get(&format!("/vuln/{CVE}"), Some(&jane)).await;
    assert!(page.body.contains("Upstream says so.") && !page.body.contains("triage-withdraw"));
    let answer = f
        .post(
            "/triage/withdraw",
            Some(&jane),
            &[
                ("csrf", &jane_csrf),
                ("vuln", CVE),
                ("origin", "openssl"),
                ("tag", "3.22-main"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("security team"), "{}", answer.body);
    assert_eq!(f.openssl_state().await, "not-affected");
}

#[tokio::test]
async fn without_auth_nobody_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("demo.db").display());
    let mut store = db::open(&url).unwrap();
    secfixes_tracker::demo::load(store.as_mut(), &Quiet).unwrap();
    let app = router(Arc::new(App::new(&Settings::new(&url)).unwrap()));
    let request = |path: &str| Request::get(path).body(Body::empty()).unwrap();
    let answer = app.clone().oneshot(request("/login")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let page = app
        .clone()
        .oneshot(request(&format!("/vuln/{CVE}")))
        .await
        .unwrap();
    let body = page.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(!body.contains("id=\"login\"") && !body.contains("triage-reject"));
    let post = Request::post("/triage/reject")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("vuln=x"))
        .unwrap();
    let answer = app.oneshot(post).await.unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
}

/// A peer's verdict, as the inbox would have stored it.
fn peer_verdict(status: &str, extra: serde_json::Value) -> secfixes_ldn::vocabulary::Notification {
    let mut object = serde_json::json!({
        "type": "Verdict",
        "vulnerability": CVE,
        "product": "pkg:deb/debian/openssl",
        "package": "openssl",
        "distribution": "Debian",
        "branch": "bookworm",
        "status": status,
        "changed": "2026-11-02T09:58:12Z"
    });
    for (k, v) in extra.as_object().unwrap() {
        object[k] = v.clone();
    }
    let body = serde_json::json!({
        "@context": "https://w3id.org/secfixes/v1",
        "id": "https://debian.test/outbox/7",
        "type": "Announce",
        "actor": "https://debian.test",
        "published": "2026-11-02T10:00:00Z",
        "object": object,
    });
    match secfixes_ldn::vocabulary::read(body.to_string().as_bytes()).unwrap() {
        secfixes_ldn::vocabulary::Received::Verdict(n) => *n,
        other => panic!("{other:?}"),
    }
}

/// A peer's not-affected verdict is evidence on the CVE and package pages and, for the
/// locally vulnerable openssl, a suggestion; only its maintainer gets the filled-in form.
/// Accepting it is an ordinary rejection by jane that names the notification; a made-up
/// notification id is refused.
#[tokio::test]
async fn a_peer_verdict_is_evidence_and_a_suggestion_a_maintainer_accepts() {
    let f = fixture();
    let verdict = peer_verdict(
        "not_affected",
        serde_json::json!({
            "justification": "vulnerable_code_not_present",
            "rationale": "Built without the legacy provider."
        }),
    );
    let body = verdict.to_json();
    {
        let mut store = db::open(&f.url).unwrap();
        let incoming = secfixes_tracker::inbox::Incoming {
            sender: "https://debian.test/#ldn-key",
            received_at: 1_764_720_000,
            kind: secfixes_tracker::inbox::Kind::Verdict,
            notification_id: Some(&verdict.id),
            body: body.as_bytes(),
            verdict: Some(&verdict),
        };
        secfixes_tracker::inbox::store(store.as_mut(), &incoming).unwrap();
    }
    assert_eq!(
        f.openssl_state().await,
        "vulnerable",
        "evidence changes no state"
    );
    f.app.cache.invalidate();

    let anonymous = f.get(&format!("/vuln/{CVE}"), None).await;
    assert!(
        anonymous.body.contains("What other trackers say"),
        "{}",
        anonymous.body
    );
    assert!(
        anonymous
            .body
            .contains("not affected — vulnerable_code_not_present")
    );
    assert!(anonymous.body.contains(r#"class="suggestion""#));
    assert!(
        !anonymous.body.contains(r#"name="evidence""#),
        "no form without a login"
    );
    let package = f.get("/srcpkg/openssl", None).await;
    assert!(
        package.body.contains("Debian bookworm: not affected"),
        "{}",
        package.body
    );

    let cookie = f.login(&jane()).await;
    let csrf = f.csrf(&cookie).await;
    let page = f.get(&format!("/vuln/{CVE}"), Some(&cookie)).await;
    assert!(
        page.body.contains(
            r#"<input type="hidden" name="evidence" value="https://debian.test/outbox/7">"#
        ),
        "{}",
        page.body
    );
    let request = Request::get(format!("/vuln/{CVE}"))
        .header(header::HOST, "tracker.test")
        .header(header::ACCEPT, "application/ld+json")
        .body(Body::empty())
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&f.send(request).await.body).unwrap();
    assert_eq!(doc["evidence"][0]["status"], "not_affected");
    assert_eq!(doc["evidence"][0]["distribution"], "Debian");
    assert_eq!(doc["suggestions"][0]["packageName"], "openssl");
    assert_eq!(
        doc["suggestions"][0]["reason"],
        "vulnerable_code_not_present"
    );
    let context: serde_json::Value =
        serde_json::from_str(&f.get("/static/context.jsonld", None).await.body).unwrap();
    assert_eq!(
        terms::undefined(&context, std::slice::from_ref(&doc)),
        Vec::<String>::new()
    );

    let rationale = doc["suggestions"][0]["rationale"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        rationale.contains("https://debian.test/outbox/7"),
        "{rationale}"
    );
    let mut form = reject_form(&csrf, "openssl", &rationale);
    form.push(("evidence", "https://debian.test/outbox/99"));
    let refused = f.post("/triage/reject", Some(&cookie), &form).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("no peer&#39;s verdict")
            || refused.body.contains("no peer's verdict"),
        "{}",
        refused.body
    );
    assert_eq!(f.count("triage_event"), 0);

    form.pop();
    form.push(("evidence", "https://debian.test/outbox/7"));
    let accepted = f.post("/triage/reject", Some(&cookie), &form).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert_eq!(f.openssl_state().await, "not-affected");
    let request = Request::get("/history")
        .header(header::HOST, "tracker.test")
        .header(header::ACCEPT, "application/ld+json")
        .body(Body::empty())
        .unwrap();
    let history: serde_json::Value = serde_json::from_str(&f.send(request).await.body).unwrap();
    assert_eq!(history["items"][0]["actor"], "jane");
    assert_eq!(
        history["items"][0]["evidence"],
        "https://debian.test/outbox/7"
    );
    // Adopted: no longer a suggestion, still evidence.
    let page = f.get(&format!("/vuln/{CVE}"), Some(&cookie)).await;
    assert!(
        !page.body.contains(r#"class="suggestion""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("What other trackers say"));
}
