//! The login routes through the router, in process, against the fake provider of
//! tests/support/fake_op.rs: `/login` → the provider → `/auth/callback` → a session whose
//! role comes from the claims; and everything a callback must refuse (no login cookie,
//! another browser's login, a replayed state, a tampered ID token, the provider's error),
//! with no session made. The browser test does the same with a real provider.
#![allow(clippy::unwrap_used)]

mod http;
mod support {
    // This test uses only part of the fake provider.
    #[allow(dead_code)]
    pub mod fake_op;
}

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use http::Answer;
use secfixes_tracker::db;
use secfixes_tracker::sync::Quiet;
use secfixes_web::auth::AuthSettings;
use secfixes_web::oidc::ClientSettings;
use secfixes_web::{App, Settings, router};
use support::fake_op::{CLIENT_ID, CLIENT_SECRET, FakeOp, Forge, REDIRECT_URI};

struct Fixture {
    _dir: tempfile::TempDir,
    url: String,
    router: Router,
    op: FakeOp,
}

fn fixture() -> Fixture {
    let op = FakeOp::start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("demo.db").display());
    let mut store = db::open(&url).unwrap();
    secfixes_tracker::demo::load(store.as_mut(), &Quiet).unwrap();
    let mut settings = Settings::new(&url);
    settings.auth = Some(AuthSettings {
        client: ClientSettings::new(
            op.issuer(),
            CLIENT_ID,
            Some(CLIENT_SECRET.to_owned()),
            REDIRECT_URI,
        ),
        // The fake provider's jane is in `security`.
        security_groups: vec!["security".into()],
        grants: Default::default(),
        session_ttl: Duration::from_secs(600),
    });
    Fixture {
        _dir: dir,
        url,
        router: router(Arc::new(App::new(&settings).unwrap())),
        op,
    }
}

/// `name=value` of the `Set-Cookie` for `name` in `answer`, and the whole header.
fn cookie(answer: &Answer, name: &str) -> (String, String) {
    let header = answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no cookie {name}: {:?}", answer.headers));
    (header.split(';').next().unwrap().to_owned(), header)
}

impl Fixture {
    async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(path);
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        http::send(&self.router, request.body(Body::empty()).unwrap()).await
    }

    /// `/login`, then the provider's consent: the login cookie and the callback's path.
    async fn start(&self, return_to: &str) -> (String, String) {
        let answer = self
            .get(&format!("/login?return_to={return_to}"), None)
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        let (cookie, header) = cookie(&answer, "secfixes_login");
        assert!(
            header.contains("HttpOnly") && header.contains("SameSite=Lax"),
            "{header}"
        );
        assert!(header.contains("Path=/auth/callback"), "{header}");
        let authorized = self.op.authorize(answer.location()).unwrap();
        let callback = format!(
            "/auth/callback?code={}&state={}",
            authorized.code, authorized.state
        );
        (cookie, callback)
    }

    fn sessions(&self) -> i64 {
        let mut store = db::open(&self.url).unwrap();
        db::count(store.as_mut(), "web_session").unwrap()
    }
}

#[tokio::test]
async fn login_makes_a_session_with_the_role_of_the_groups() {
    let f = fixture();
    let page = f.get("/vuln/CVE-2026-90003", None).await;
    assert!(
        page.body
            .contains(r#"id="login" href="/login?return_to=%2Fvuln%2FCVE-2026-90003""#),
        "{}",
        page.body
    );
    let (login_cookie, callback) = f.start("%2Fvuln%2FCVE-2026-90003").await;
    let answer = f.get(&callback, Some(&login_cookie)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), "/vuln/CVE-2026-90003");
    let (session, header) = cookie(&answer, "secfixes_session");
    assert!(
        header.contains("HttpOnly") && header.contains("SameSite=Lax") && header.contains("Path=/"),
        "{header}"
    );
    assert!(!header.contains("Secure"), "plain http on 127.0.0.1");
    // The login cookie is spent.
    assert!(cookie(&answer, "secfixes_login").1.contains("Max-Age=0"));
    assert_eq!(f.sessions(), 1);

    let page = f.get("/vuln/CVE-2026-90003", Some(&session)).await;
    assert!(
        page.body
            .contains(r#"jane <span class="role">(security)</span>"#),
        "{}",
        page.body
    );
    // The security team may triage every package of the CVE.
    assert!(page.body.contains(r#"data-origin="openssl""#));

    // The same callback again: its login was used up.
    let again = f.get(&callback, Some(&login_cookie)).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert_eq!(f.sessions(), 1);
}

#[tokio::test]
async fn callbacks_that_are_refused_make_no_session() {
    let f = fixture();
    // No login cookie: the browser that comes back is not the one that left.
    let (_, callback) = f.start("/").await;
    assert_eq!(f.get(&callback, None).await.status, StatusCode::FORBIDDEN);
    // Another browser's login cookie.
    let (_, callback) = f.start("/").await;
    let (other_cookie, _) = f.start("/").await;
    let answer = f.get(&callback, Some(&other_cookie)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("another browser"), "{}", answer.body);
    // A state nobody issued.
    let (cookie, _) = f.start("/").await;
    let answer = f
        .get("/auth/callback?code=code-1&state=made-up", Some(&cookie))
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    // A tampered ID token.
    f.op.configure(|c| c.forge = Forge::TamperPayload);
    let (cookie, callback) = f.start("/").await;
    let answer = f.get(&callback, Some(&cookie)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("login refused"), "{}", answer.body);
    f.op.configure(|c| c.forge = Forge::No);
    // The provider's own refusal.
    let answer = f
        .get(
            "/auth/callback?error=access_denied&error_description=The+user+said+no",
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("access_denied"), "{}", answer.body);
    // A callback without its parameters.
    assert_eq!(
        f.get("/auth/callback", None).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(f.sessions(), 0);
}

#[tokio::test]
async fn return_to_stays_on_this_site() {
    let f = fixture();
    for target in [
        "%2F%2Fevil.example%2F",
        "https%3A%2F%2Fevil.example%2F",
        "%2F%5Cevil.example",
    ] {
        let (cookie, callback) = f.start(target).await;
        let answer = f.get(&callback, Some(&cookie)).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{target}");
        assert_eq!(answer.location(), "/", "{target}");
    }
}
