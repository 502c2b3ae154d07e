//! The OpenID Connect relying party (`secfixes_web::oidc`) against a fake provider
//! (tests/support/fake_op.rs): the whole code flow without a browser, and every way an
//! ID token, a provider or a token exchange must be refused.

mod support {
    pub mod fake_op;
}

use secfixes_web::oidc::{ClientSettings, Identity, LoginRequest, OidcError, Provider};
use serde_json::json;
use support::fake_op::{
    CLIENT_ID, CLIENT_SECRET, FakeOp, Forge, REDIRECT_URI, SUBJECT, parse_query, s256, unix_now,
};

fn settings(op: &FakeOp) -> ClientSettings {
    ClientSettings::new(
        op.issuer(),
        CLIENT_ID,
        Some(CLIENT_SECRET.to_owned()),
        REDIRECT_URI,
    )
}

fn provider(op: &FakeOp) -> Provider {
    Provider::discover(settings(op)).expect("discovery of the fake provider")
}

/// `begin`, the provider's authorization step, then `finish` with the code.
fn login(op: &FakeOp, provider: &Provider) -> Result<Identity, OidcError> {
    let (url, request) = provider.begin();
    let authorized = op
        .authorize(&url)
        .expect("the provider accepts the authorization request");
    assert!(request.state_matches(&authorized.state));
    assert!(
        authorized
            .params
            .contains(&("prompt".to_owned(), "consent".to_owned()))
    );
    finish(provider, &request, &authorized.code)
}

/// `finish`, checking that an error's message gives away no secret.
fn finish(provider: &Provider, request: &LoginRequest, code: &str) -> Result<Identity, OidcError> {
    let result = provider.finish(request, code);
    if let Err(err) = &result {
        let message = err.to_string();
        for secret in [
            CLIENT_SECRET,
            &request.nonce,
            &request.verifier,
            &request.state,
            code,
        ] {
            assert!(
                !message.contains(secret),
                "{message:?} shows a secret value"
            );
        }
        assert!(!message.contains("access-"), "{message:?} shows a token");
    }
    result
}

fn refused(op: &FakeOp) -> OidcError {
    login(op, &provider(op)).expect_err("the login is refused")
}

fn claim_refused(op: &FakeOp, claim: &str) {
    match refused(op) {
        OidcError::InvalidClaim { claim: c, .. } if c == claim => {}
        other => panic!("expected the claim `{claim}` to be refused, got {other:?}"),
    }
}

fn jane(op: &FakeOp) -> Identity {
    Identity {
        issuer: op.issuer().to_owned(),
        subject: SUBJECT.to_owned(),
        username: Some("jane".to_owned()),
        name: Some("Jane Doe".to_owned()),
        email: Some("jane@example.org".to_owned()),
        email_verified: true,
        groups: vec![
            "alpine".to_owned(),
            "alpine/infra".to_owned(),
            "security".to_owned(),
        ],
    }
}

#[test]
fn provider_is_send_and_sync() {
    fn check<T: Send + Sync + std::fmt::Debug>() {}
    check::<Provider>();
}

#[test]
fn happy_path_merges_gitlab_claims() {
    let op = FakeOp::start();
    let provider = provider(&op);
    let identity = login(&op, &provider).expect("a login");
    // `groups_direct` of the ID token and `groups` of userinfo, sorted, deduplicated.
    assert_eq!(identity, jane(&op));

    // A confidential client authenticates with HTTP Basic, the secret form-encoded, and
    // sends the PKCE verifier.
    let requests = op.token_requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request.basic,
        Some((CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned()))
    );
    assert!(!request.form.contains_key("client_secret"));
    assert_eq!(request.form["redirect_uri"], REDIRECT_URI);
    assert_eq!(request.form["grant_type"], "authorization_code");
    assert!(request.form.contains_key("code_verifier"));
    // The JWK set was fetched once, and is reused by the next login.
    assert_eq!(op.jwks_fetches(), 1);
    assert_eq!(login(&op, &provider).expect("a second login"), jane(&op));
    assert_eq!(op.jwks_fetches(), 1);
    assert!(!format!("{provider:?}").contains(CLIENT_SECRET));
}

#[test]
fn authorization_url_has_every_parameter_encoded() {
    let op = FakeOp::start();
    let provider = provider(&op);
    let (url, request) = provider.begin();
    // The endpoint's own query is kept.
    let query = url
        .strip_prefix(&format!("{}&", op.authorization_endpoint()))
        .expect("the authorization endpoint with its query, then ours");
    assert!(query.contains("scope=openid%20profile%20email"), "{url}");
    assert!(
        query.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fauth%2Fcallback%3Ffrom%3Dtest"),
        "{url}"
    );
    let params = parse_query(query).expect("a query string");
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} in {url}"))
    };
    assert_eq!(get("response_type"), "code");
    assert_eq!(get("client_id"), CLIENT_ID);
    assert_eq!(get("redirect_uri"), REDIRECT_URI);
    assert_eq!(get("scope"), "openid profile email");
    assert_eq!(get("state"), request.state);
    assert_eq!(get("nonce"), request.nonce);
    assert_eq!(get("code_challenge"), s256(&request.verifier));
    assert_eq!(get("code_challenge_method"), "S256");
    assert_eq!(params.len(), 8);

    for value in [&request.state, &request.nonce, &request.verifier] {
        assert_eq!(value.len(), 43);
    }
    assert_ne!(request.state, request.nonce);
    assert_ne!(request.nonce, request.verifier);
    let (_, again) = provider.begin();
    assert_ne!(again, request);
    assert!(!request.state_matches(&again.state));
}

#[test]
fn openid_scope_is_always_asked_for() {
    let op = FakeOp::start();
    let mut settings = settings(&op);
    settings.scopes = vec!["read_user".to_owned(), "openid".to_owned()];
    let provider = Provider::discover(settings).expect("discovery");
    let (url, _) = provider.begin();
    assert!(url.contains("&scope=openid%20read_user&"), "{url}");
}

#[test]
fn public_client_sends_its_id_in_the_form() {
    let op = FakeOp::start();
    op.configure(|c| c.client_secret = None);
    let mut settings = settings(&op);
    settings.client_secret = None;
    let provider = Provider::discover(settings).expect("discovery");
    assert_eq!(login(&op, &provider).expect("a login"), jane(&op));
    let requests = op.token_requests();
    assert_eq!(requests[0].basic, None);
    assert_eq!(requests[0].form["client_id"], CLIENT_ID);
}

#[test]
fn secret_goes_in_the_form_when_the_provider_cannot_do_basic() {
    let op = FakeOp::start();
    op.configure(|c| c.auth_methods = Some(vec!["client_secret_post".to_owned()]));
    let provider = provider(&op);
    assert_eq!(login(&op, &provider).expect("a login"), jane(&op));
    let requests = op.token_requests();
    assert_eq!(requests[0].basic, None);
    assert_eq!(requests[0].form["client_secret"], CLIENT_SECRET);
}

#[test]
fn wrong_client_secret_is_surfaced() {
    let op = FakeOp::start();
    let mut settings = settings(&op);
    settings.client_secret = Some("not the secret".to_owned());
    let provider = Provider::discover(settings).expect("discovery");
    match login(&op, &provider) {
        Err(OidcError::TokenRefused {
            status, error, url, ..
        }) => {
            assert_eq!(status, 401);
            assert_eq!(error, "invalid_client");
            assert_eq!(url, format!("{}/token", op.issuer()));
        }
        other => panic!("expected invalid_client, got {other:?}"),
    }
}

#[test]
fn wrong_pkce_verifier_is_rejected_by_the_provider() {
    let op = FakeOp::start();
    let provider = provider(&op);
    let (url, mut request) = provider.begin();
    let authorized = op.authorize(&url).expect("authorized");
    request.verifier = secfixes_web::oidc::random_token();
    let err = finish(&provider, &request, &authorized.code).expect_err("refused");
    match &err {
        OidcError::TokenRefused {
            error, description, ..
        } => {
            assert_eq!(error, "invalid_grant");
            assert_eq!(description.as_deref(), Some("PKCE verification failed"));
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
    assert!(
        err.to_string().contains("PKCE verification failed"),
        "{err}"
    );
}

#[test]
fn replayed_code_is_refused() {
    let op = FakeOp::start();
    let provider = provider(&op);
    let (url, request) = provider.begin();
    let authorized = op.authorize(&url).expect("authorized");
    finish(&provider, &request, &authorized.code).expect("the first use");
    match finish(&provider, &request, &authorized.code) {
        Err(OidcError::TokenRefused { error, .. }) => assert_eq!(error, "invalid_grant"),
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}

#[test]
fn tampered_payload_is_refused() {
    let op = FakeOp::start();
    op.configure(|c| c.forge = Forge::TamperPayload);
    match refused(&op) {
        OidcError::BadSignature { kid, url } => {
            assert_eq!(kid.as_deref(), Some("k1"));
            assert_eq!(url, format!("{}/jwks", op.issuer()));
        }
        other => panic!("expected a bad signature, got {other:?}"),
    }
}

#[test]
fn signature_by_another_key_is_refused() {
    let op = FakeOp::start();
    op.configure(|c| c.sign_with = "k2");
    assert!(matches!(refused(&op), OidcError::BadSignature { .. }));
}

#[test]
fn alg_none_is_refused() {
    let op = FakeOp::start();
    op.configure(|c| c.forge = Forge::AlgNone);
    assert!(matches!(refused(&op), OidcError::UnsupportedAlgorithm(alg) if alg == "none"));
}

#[test]
fn alg_hs256_is_refused() {
    let op = FakeOp::start();
    op.configure(|c| c.forge = Forge::Hs256);
    assert!(matches!(refused(&op), OidcError::UnsupportedAlgorithm(alg) if alg == "HS256"));
}

#[test]
fn other_algorithms_and_critical_headers_are_refused() {
    let op = FakeOp::start();
    op.configure(|c| {
        c.header = std::sync::Arc::new(|h| {
            h.insert("alg".into(), json!("PS256"));
        });
    });
    assert!(matches!(refused(&op), OidcError::UnsupportedAlgorithm(alg) if alg == "PS256"));
    op.configure(|c| {
        c.header = std::sync::Arc::new(|h| {
            h.insert("crit".into(), json!(["exp"]));
        });
    });
    assert!(matches!(refused(&op), OidcError::MalformedToken(_)));
}

#[test]
fn malformed_id_tokens_are_refused() {
    let op = FakeOp::start();
    let provider = provider(&op);
    for raw in [
        "..",
        "not a token",
        "a.b",
        "a.b.c.d",
        "!!!.e30.AA",
        "e30.e30.AA",
        "eyJhbGciOiJSUzI1NiJ9.e30.!!",
        "W10.e30.AA",
    ] {
        op.configure(|c| c.forge = Forge::Raw(raw.to_owned()));
        match login(&op, &provider) {
            Err(OidcError::MalformedToken(_)) => {}
            other => panic!("{raw:?}: expected a malformed token, got {other:?}"),
        }
    }
    // Signed by the provider, but not claims.
    for payload in ["not JSON", "[]", "\"sub\""] {
        op.configure(|c| c.forge = Forge::SignedPayload(payload.to_owned()));
        match login(&op, &provider) {
            Err(OidcError::MalformedToken(_)) => {}
            other => panic!("{payload:?}: expected a malformed token, got {other:?}"),
        }
    }
    // Well-formed but signed by no one: the signature check fails before the payload is read.
    op.configure(|c| c.forge = Forge::Raw("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.AAAA".to_owned()));
    assert!(matches!(
        login(&op, &provider),
        Err(OidcError::BadSignature { .. })
    ));
}

#[test]
fn wrong_issuer_is_refused() {
    let op = FakeOp::start();
    op.claims(|c| {
        c.insert("iss".into(), json!("https://evil.example"));
    });
    claim_refused(&op, "iss");
}

#[test]
fn wrong_audience_is_refused() {
    let op = FakeOp::start();
    op.claims(|c| {
        c.insert("aud".into(), json!("another-client"));
    });
    claim_refused(&op, "aud");
    op.claims(|c| {
        c.insert("aud".into(), json!(["another-client", "a-third"]));
    });
    claim_refused(&op, "aud");
    op.claims(|c| {
        c.insert("aud".into(), json!([]));
    });
    claim_refused(&op, "aud");
}

#[test]
fn several_audiences_need_azp() {
    let op = FakeOp::start();
    op.claims(|c| {
        c.insert("aud".into(), json!([CLIENT_ID, "another-client"]));
    });
    claim_refused(&op, "azp");
    op.claims(|c| {
        c.insert("aud".into(), json!([CLIENT_ID, "another-client"]));
        c.insert("azp".into(), json!("another-client"));
    });
    claim_refused(&op, "azp");
    op.claims(|c| {
        c.insert("aud".into(), json!([CLIENT_ID, "another-client"]));
        c.insert("azp".into(), json!(CLIENT_ID));
    });
    assert_eq!(login(&op, &provider(&op)).expect("accepted"), jane(&op));
}

#[test]
fn expired_token_is_refused() {
    let op = FakeOp::start();
    op.claims(|c| {
        c.insert("exp".into(), json!(unix_now() - 61));
        c.insert("iat".into(), json!(unix_now() - 200));
    });
    claim_refused(&op, "exp");
    // Within the 60 s leeway.
    op.claims(|c| {
        c.insert("exp".into(), json!(unix_now() - 30));
    });
    assert_eq!(login(&op, &provider(&op)).expect("accepted"), jane(&op));
    op.claims(|c| {
        c.remove("exp");
    });
    claim_refused(&op, "exp");
}

#[test]
fn iat_in_the_future_is_refused() {
    let op = FakeOp::start();
    op.claims(|c| {
        c.insert("iat".into(), json!(unix_now() + 120));
        c.insert("exp".into(), json!(unix_now() + 600));
    });
    claim_refused(&op, "iat");
    op.claims(|c| {
        c.insert("iat".into(), json!(unix_now() + 30));
    });
    assert_eq!(login(&op, &provider(&op)).expect("accepted"), jane(&op));
    op.claims(|c| {
        c.insert("nbf".into(), json!(unix_now() + 120));
    });
    claim_refused(&op, "nbf");
}

#[test]
fn wrong_nonce_is_refused() {
    let op = FakeOp::start();
    op.claims(|c| {
        c.insert("nonce".into(), json!("another login's nonce"));
    });
    claim_refused(&op, "nonce");
    op.claims(|c| {
        c.remove("nonce");
    });
    claim_refused(&op, "nonce");
}

#[test]
fn missing_or_empty_sub_is_refused() {
    let op = FakeOp::start();
    op.claims(|c| {
        c.insert("sub".into(), json!(""));
    });
    claim_refused(&op, "sub");
    op.claims(|c| {
        c.remove("sub");
    });
    claim_refused(&op, "sub");
}

#[test]
fn wrong_at_hash_is_refused() {
    let op = FakeOp::start();
    op.claims(|c| {
        c.insert("at_hash".into(), json!("AAAAAAAAAAAAAAAAAAAAAA"));
    });
    claim_refused(&op, "at_hash");
}

#[test]
fn rotated_key_is_found_after_refetching_the_jwks() {
    let op = FakeOp::start();
    let provider = provider(&op);
    login(&op, &provider).expect("a login with k1");
    assert_eq!(op.jwks_fetches(), 1);
    // The provider rotates to k2: the cached set does not have it, so it is fetched again.
    op.configure(|c| {
        c.published = vec!["k2", "k1"];
        c.sign_with = "k2";
        c.header_kid = Some("k2".to_owned());
    });
    assert_eq!(login(&op, &provider).expect("a login with k2"), jane(&op));
    assert_eq!(op.jwks_fetches(), 2);
    assert_eq!(login(&op, &provider).expect("k2 again"), jane(&op));
    assert_eq!(op.jwks_fetches(), 2);
}

#[test]
fn unknown_kid_is_refused_after_one_refetch() {
    let op = FakeOp::start();
    let provider = provider(&op);
    login(&op, &provider).expect("a login");
    op.configure(|c| c.header_kid = Some("k9".to_owned()));
    match login(&op, &provider) {
        Err(OidcError::UnknownKey { kid, .. }) => assert_eq!(kid.as_deref(), Some("k9")),
        other => panic!("expected an unknown key, got {other:?}"),
    }
    assert_eq!(op.jwks_fetches(), 2);
}

#[test]
fn token_without_kid_uses_the_only_key() {
    let op = FakeOp::start();
    op.configure(|c| c.header_kid = None);
    let provider = provider(&op);
    assert_eq!(login(&op, &provider).expect("accepted"), jane(&op));
    // With two RSA keys and no kid there is no telling which one.
    op.configure(|c| c.published = vec!["k1", "k2"]);
    let fresh = Provider::discover(settings(&op)).expect("discovery");
    assert!(matches!(
        login(&op, &fresh),
        Err(OidcError::UnknownKey { kid: None, .. })
    ));
}

#[test]
fn userinfo_sub_mismatch_is_refused() {
    let op = FakeOp::start();
    op.userinfo(|c| {
        c.insert("sub".into(), json!("43"));
    });
    match refused(&op) {
        OidcError::SubjectMismatch { url } => assert_eq!(url, format!("{}/userinfo", op.issuer())),
        other => panic!("expected a subject mismatch, got {other:?}"),
    }
    op.userinfo(|c| {
        c.remove("sub");
    });
    assert!(matches!(refused(&op), OidcError::SubjectMismatch { .. }));
}

#[test]
fn without_userinfo_the_id_token_alone_is_used() {
    let op = FakeOp::start();
    op.configure(|c| c.userinfo_endpoint = false);
    let identity = login(&op, &provider(&op)).expect("a login");
    assert_eq!(identity.groups, ["alpine/infra", "security"]);
    assert_eq!(identity.username.as_deref(), Some("jane"));
}

#[test]
fn username_falls_back_to_nickname_and_email_verified_must_be_true() {
    let op = FakeOp::start();
    op.claims(|c| {
        c.remove("preferred_username");
    });
    op.userinfo(|c| {
        c.remove("preferred_username");
        c.insert("email_verified".into(), json!("true"));
        c.insert("groups".into(), json!(["security", 7, ""]));
    });
    let identity = login(&op, &provider(&op)).expect("a login");
    assert_eq!(identity.username.as_deref(), Some("jdoe"));
    assert_eq!(identity.email.as_deref(), Some("jane@example.org"));
    assert!(!identity.email_verified);
    assert_eq!(identity.groups, ["alpine/infra", "security"]);
}

#[test]
fn discovery_issuer_mismatch_is_refused() {
    let op = FakeOp::start();
    let advertised = format!("{}/", op.issuer());
    op.configure(|c| c.discovery_issuer = Some(advertised.clone()));
    match Provider::discover(settings(&op)) {
        Err(OidcError::IssuerMismatch {
            url,
            expected,
            found,
        }) => {
            assert_eq!(
                url,
                format!("{}/.well-known/openid-configuration", op.issuer())
            );
            assert_eq!(expected, op.issuer());
            assert_eq!(found, advertised);
        }
        other => panic!("expected an issuer mismatch, got {other:?}"),
    }
}

#[test]
fn discovery_failures_name_the_url() {
    let op = FakeOp::start();
    let mut settings = settings(&op);
    settings.issuer = format!("{}/nowhere", op.issuer());
    let err = Provider::discover(settings.clone()).expect_err("a 404");
    assert!(
        matches!(err, OidcError::Status { status: 404, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&format!(
            "{}/.well-known/openid-configuration",
            settings.issuer
        )),
        "{err}"
    );
    settings.issuer = "ftp://example".to_owned();
    assert!(matches!(
        Provider::discover(settings),
        Err(OidcError::InvalidSettings {
            field: "issuer",
            ..
        })
    ));
}

#[test]
fn concurrent_logins_share_the_provider() {
    let op = FakeOp::start();
    let provider = provider(&op);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| login(&op, &provider))).collect();
        for handle in handles {
            let identity = handle.join().expect("the thread ran").expect("a login");
            assert_eq!(identity, jane(&op));
        }
    });
    assert_eq!(op.jwks_fetches(), 1);
}
