//! In-process tests of every route, as HTML and as JSON-LD, against the bundled demo
//! distribution: snapshots of what each page says, and the rules every response keeps
//! (escaping, headers, 400/404/406, a context that defines every term, feeds that parse).
#![allow(clippy::unwrap_used)]

mod http;
#[path = "../../tracker/tests/support/mod.rs"]
mod support;
mod terms;

use http::Answer;

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;

use secfixes_tracker::db;
use secfixes_tracker::sync::Quiet;
use secfixes_web::{App, Settings, router};

/// The demo loaded once into a SQLite file for the whole test binary.
fn demo_url() -> &'static str {
    static DB: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    &DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("demo.db").display());
        let mut db = db::open(&url).unwrap();
        secfixes_tracker::demo::load(db.as_mut(), &Quiet).unwrap();
        (dir, url)
    })
    .1
}

fn app_for(url: &str) -> Router {
    let mut settings = Settings::new(url);
    settings.site_name = "Demo Linux".to_owned();
    settings.cache_ttl = Duration::ZERO;
    router(Arc::new(App::new(&settings).unwrap()))
}

fn app() -> Router {
    app_for(demo_url())
}

async fn get_with(app: &Router, path: &str, accept: Option<&str>) -> Answer {
    let mut request = Request::get(path).header(header::HOST, "tracker.test");
    if let Some(a) = accept {
        request = request.header(header::ACCEPT, a);
    }
    http::send(app, request.body(Body::empty()).unwrap()).await
}

async fn html(app: &Router, path: &str) -> Answer {
    get_with(app, path, None).await
}

async fn ld(app: &Router, path: &str) -> Answer {
    get_with(app, path, Some("application/ld+json")).await
}

/// Names from the demo, found through the API rather than written down twice.
struct Names {
    tag: String,
    cve: String,
    origin: String,
    version: String,
    maintainer: String,
}

async fn names(app: &Router) -> Names {
    let index = ld(app, "/").await.json();
    let tag = index["items"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|t| t["countVulnerable"].as_u64())
        .unwrap()["tag"]
        .as_str()
        .unwrap()
        .to_owned();
    let branch = ld(app, &format!("/branch/{tag}?state=vulnerable"))
        .await
        .json();
    let first = &branch["items"][0];
    let maintainers = ld(app, "/maintainers").await.json();
    Names {
        cve: first["vuln"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned(),
        origin: first["packageName"].as_str().unwrap().to_owned(),
        version: first["version"].as_str().unwrap().to_owned(),
        maintainer: maintainers["items"][0]["name"].as_str().unwrap().to_owned(),
        tag,
    }
}

fn routes(n: &Names) -> Vec<(&'static str, String)> {
    let m = secfixes_web::links::maintainer(&n.maintainer);
    vec![
        ("index", "/".to_owned()),
        ("branch", format!("/branch/{}", n.tag)),
        (
            "branch_all",
            format!("/branch/{}?state=all&sort=severity", n.tag),
        ),
        ("vuln_orphaned", format!("/branch/{}/vuln-orphaned", n.tag)),
        ("orphaned", format!("/branch/{}/orphaned", n.tag)),
        (
            "maintainer_issues",
            format!("/branch/{}/maintainer-issues", n.tag),
        ),
        ("cve", format!("/vuln/{}", n.cve)),
        ("package", format!("/srcpkg/{}", n.origin)),
        (
            "package_version",
            format!("/srcpkg/{}/{}", n.origin, n.version),
        ),
        ("maintainers", "/maintainers".to_owned()),
        ("maintainer", m),
        ("changes", "/changes".to_owned()),
        ("search", format!("/search?q={}", n.origin)),
        ("health", "/health".to_owned()),
    ]
}

/// Masks what changes from run to run: times, dates and ages.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]");
    s.add_filter(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "[time]");
    s.add_filter(r">\d{4}-\d{2}-\d{2}<", ">[date]<");
    s.add_filter(r">(now|\d+ (minute|hour|day|month|year)s?)<", ">[age]<");
    s.add_filter(
        r#""(started|finished|at|changedAt|firstSeen|lastSeen|fixShipped|lastUpdate)":"[^"]*""#,
        r#""$1":"[time]""#,
    );
    s.add_filter(r"\b1\d{9}\b", "[unix]");
    s.add_filter(r"in \d+\.\d+ s", "in [secs] s");
    s
}

#[tokio::test]
async fn every_route_as_html_and_json_ld() {
    let app = app();
    let n = names(&app).await;
    let filters = settings();
    for (name, path) in routes(&n) {
        let page = html(&app, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert_eq!(page.content_type, "text/html; charset=utf-8", "{path}");
        assert!(page.body.starts_with("<!DOCTYPE html>"), "{path}");
        // One element a line, so that a change shows as a readable diff.
        let lines = page.body.replace("><", ">\n<");
        filters.bind(|| insta::assert_snapshot!(format!("{name}.html"), lines));

        let doc = ld(&app, &path).await;
        assert_eq!(doc.status, StatusCode::OK, "{path}: {}", doc.body);
        assert_eq!(doc.content_type, "application/ld+json", "{path}");
        let json = doc.json();
        assert_eq!(
            json["@context"], "http://tracker.test/static/context.jsonld",
            "{path}"
        );
        assert!(
            json["id"]
                .as_str()
                .unwrap()
                .starts_with("http://tracker.test/"),
            "{path}"
        );
        let pretty = serde_json::to_string_pretty(&json).unwrap();
        filters.bind(|| insta::assert_snapshot!(format!("{name}.jsonld"), pretty));

        let plain = get_with(&app, &path, Some("application/json")).await;
        assert_eq!(plain.content_type, "application/json", "{path}");
        assert_eq!(
            plain.json(),
            json,
            "{path}: the same document as plain JSON"
        );
    }
}

#[tokio::test]
async fn the_context_defines_every_term_the_documents_use() {
    let app = app();
    let context = html(&app, "/static/context.jsonld").await;
    assert_eq!(context.content_type, "application/ld+json");
    let context = context.json();
    // The original's context document said "context", which no processor reads.
    let defined = context["@context"]
        .as_object()
        .expect("a top-level @context");
    let n = names(&app).await;
    let mut docs = Vec::new();
    for (_, path) in routes(&n) {
        docs.push(ld(&app, &path).await.json());
    }
    let missing = terms::undefined(&context, &docs);
    assert!(
        missing.is_empty(),
        "terms used but not defined: {missing:?}"
    );
    for term in [
        "minimumVersion",
        "cpeUri",
        "maximumVersionOp",
        "fixedVersion",
    ] {
        assert!(defined.contains_key(term), "{term}");
    }
}

#[tokio::test]
async fn unknown_things_are_404_pages() {
    let app = app();
    for path in [
        "/vuln/CVE-1999-0001",
        "/srcpkg/no-such-package",
        "/srcpkg/zlib/0.0.0-r999",
        "/branch/9.9-main",
        "/branch/9.9-main/orphaned",
        "/branch/9.9-main/vuln-orphaned",
        "/branch/9.9-main/maintainer-issues",
        "/branch/9.9-main/feed.atom",
        "/maintainer/Nobody%20%3Cnobody@example.org%3E",
        "/no/such/page",
    ] {
        let page = html(&app, path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.body.contains("<h1>404 Not Found</h1>"),
            "{path}: {}",
            page.body
        );
        let doc = ld(&app, path).await;
        assert_eq!(doc.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(doc.json()["status"], 404, "{path}");
    }
}

#[tokio::test]
async fn malformed_parameters_are_400_never_500() {
    let app = app();
    let n = names(&app).await;
    let b = format!("/branch/{}", n.tag);
    let long = "x".repeat(300);
    for path in [
        format!("{b}?page=0"),
        format!("{b}?page=abc"),
        format!("{b}?page=99999999999999999999"),
        format!("{b}?per_page=100000"),
        format!("{b}?state=bogus"),
        format!("{b}?severity=urgent"),
        format!("{b}?sort=price"),
        format!("{b}?order=sideways"),
        format!("{b}/vuln-orphaned?page=-1"),
        "/changes?before=-5".to_owned(),
        "/changes?before=x".to_owned(),
        format!("/search?q={long}"),
        "/vuln/%FF%FE".to_owned(),
        "/srcpkg/%C0".to_owned(),
        format!("{b}?page=%ZZ"),
    ] {
        let page = html(&app, &path).await;
        assert_eq!(
            page.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            page.body
        );
        assert!(page.body.contains("400 Bad Request"), "{path}");
    }
    let page = html(&app, &format!("{b}?state=bogus")).await;
    assert!(page.body.contains("state must be one of"), "{}", page.body);
}

#[tokio::test]
async fn content_negotiation_fixes_the_originals_406() {
    let app = app();
    // curl's default: the original answered 406.
    let any = get_with(&app, "/", Some("*/*")).await;
    assert_eq!(any.status, StatusCode::OK);
    assert!(any.content_type.starts_with("text/html"));
    let browser = get_with(&app, "/", Some("text/html,application/xhtml+xml,*/*;q=0.8")).await;
    assert!(browser.content_type.starts_with("text/html"));
    let png = get_with(&app, "/", Some("image/png")).await;
    assert_eq!(png.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(any.headers[header::VARY], "Accept");
    // Browsers ask for an icon on their own; a 404 there is a console error on every page.
    let icon = html(&app, "/favicon.ico").await;
    assert_eq!(
        (icon.status, icon.content_type.as_str()),
        (StatusCode::OK, "image/svg+xml")
    );
}

#[tokio::test]
async fn every_response_has_a_strict_policy_and_no_inline_code() {
    let app = app();
    let n = names(&app).await;
    for (_, path) in routes(&n) {
        let page = html(&app, &path).await;
        let csp = page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(
            !page.body.contains("<script"),
            "{path}: a script in the page"
        );
        assert!(!page.body.contains(" style=\""), "{path}: an inline style");
    }
    let missing = html(&app, "/nope").await;
    assert!(
        missing
            .headers
            .contains_key(header::CONTENT_SECURITY_POLICY)
    );
}

#[tokio::test]
async fn text_from_records_is_escaped() {
    let app = app();
    let hits = ld(&app, "/search?q=alert(1)").await.json();
    let cve = hits["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "Vulnerability")
        .expect("the demo has a CVE whose description holds markup")["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let page = html(&app, &format!("/vuln/{cve}")).await;
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;")
            || page
                .body
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"quotes\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>alert(1)"));
    let search = html(&app, "/search?q=%3Cb%3Ebold%3C%2Fb%3E").await;
    assert!(search.body.contains("&lt;b&gt;bold&lt;/b&gt;"));
    assert!(!search.body.contains("<b>bold</b>"));
}

#[tokio::test]
async fn branch_filters_sorting_and_paging() {
    let app = app();
    let n = names(&app).await;
    let b = format!("/branch/{}", n.tag);
    let items = |doc: &Value| doc["items"].as_array().unwrap().clone();
    let all = ld(&app, &format!("{b}?state=all&per_page=1000"))
        .await
        .json();
    let open = ld(&app, &b).await.json();
    assert!(all["totalItems"].as_u64() > open["totalItems"].as_u64());
    for item in items(&open) {
        let s = item["status"].as_str().unwrap();
        assert!(
            ["vulnerable", "possibly-vulnerable", "unknown"].contains(&s),
            "{s}"
        );
    }
    let fixed = ld(&app, &format!("{b}?state=fixed")).await.json();
    assert!(!items(&fixed).is_empty());
    assert!(
        items(&fixed)
            .iter()
            .all(|i| i["status"] == "fixed" && i["fixed"] == true)
    );

    let severe = ld(&app, &format!("{b}?state=all&sort=severity&per_page=1000"))
        .await
        .json();
    let rank = |s: &Value| {
        ["critical", "high", "medium", "low", "none"]
            .iter()
            .position(|x| s == x)
            .unwrap_or(5)
    };
    let ranks: Vec<usize> = items(&severe)
        .iter()
        .map(|i| rank(&i["severity"]))
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "worst first: {ranks:?}"
    );

    let total = all["totalItems"].as_u64().unwrap();
    let page1 = ld(&app, &format!("{b}?state=all&per_page=1")).await.json();
    assert_eq!(items(&page1).len(), 1);
    let next = page1["next"].as_str().expect("a next page");
    assert!(
        next.contains("page=2") && next.contains("state=all"),
        "{next}"
    );
    assert!(page1.get("prev").is_none());
    let last = ld(&app, &format!("{b}?state=all&per_page=1&page={total}"))
        .await
        .json();
    assert!(last.get("next").is_none() && last.get("prev").is_some());
    assert_ne!(items(&page1)[0]["id"], items(&last)[0]["id"]);

    let mine = ld(
        &app,
        &format!(
            "{b}?state=all&maintainer={}",
            secfixes_web::links::query_value(&n.maintainer)
        ),
    )
    .await
    .json();
    assert!(
        items(&mine)
            .iter()
            .all(|i| i["maintainer"] == n.maintainer.as_str())
    );

    let orphaned = ld(&app, &format!("{b}/vuln-orphaned?state=all"))
        .await
        .json();
    assert!(
        items(&orphaned)
            .iter()
            .all(|i| i.get("maintainer").is_none())
    );
    let page = html(&app, &format!("{b}?state=fixed&severity=high")).await;
    assert!(
        page.body.contains(r#"<option value="fixed" selected>"#),
        "the form keeps the filter"
    );
}

#[tokio::test]
async fn search_finds_ids_packages_and_words() {
    let app = app();
    let n = names(&app).await;
    let lower = n.cve.to_lowercase();
    let exact = html(&app, &format!("/search?q={lower}")).await;
    assert_eq!(exact.status, StatusCode::SEE_OTHER);
    assert_eq!(
        exact.headers[header::LOCATION],
        format!("/vuln/{}", n.cve).as_str()
    );
    let pkg = ld(&app, &format!("/search?q={}", n.origin)).await.json();
    assert!(
        pkg["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == n.origin.as_str())
    );
    let none = html(&app, "/search?q=zzzzqqqq").await;
    assert!(none.body.contains("Nothing matches"));
    let lowercase_url = html(&app, &format!("/vuln/{lower}")).await;
    assert_eq!(lowercase_url.status, StatusCode::PERMANENT_REDIRECT);
}

#[tokio::test]
async fn feeds_are_atom_with_the_demos_history() {
    let app = app();
    let n = names(&app).await;
    for path in [
        "/changes/feed.atom".to_owned(),
        format!("/branch/{}/feed.atom", n.tag),
        format!(
            "{}/feed.atom",
            secfixes_web::links::maintainer(&n.maintainer)
        ),
    ] {
        let feed = html(&app, &path).await;
        assert_eq!(feed.status, StatusCode::OK, "{path}");
        assert_eq!(feed.content_type, "application/atom+xml; charset=utf-8");
        let parsed: atom_syndication::Feed =
            feed.body.parse().unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(parsed.links().iter().any(|l| l.rel() == "self"));
        let ids: BTreeSet<&str> = parsed.entries().iter().map(|e| e.id()).collect();
        assert_eq!(
            ids.len(),
            parsed.entries().len(),
            "{path}: entry ids are unique"
        );
    }
    let all: atom_syndication::Feed = html(&app, "/changes/feed.atom").await.body.parse().unwrap();
    assert!(
        !all.entries().is_empty(),
        "the demo's second stage changes states"
    );
}

#[tokio::test]
async fn pages_follow_the_store_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("demo.db").display());
    let mut db = db::open(&url).unwrap();
    secfixes_tracker::demo::load(db.as_mut(), &Quiet).unwrap();
    let app = app_for(&url);
    let before = ld(&app, "/").await.json();
    let tag = before["items"][0]["tag"].as_str().unwrap().to_owned();
    let states = |doc: &Value| {
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tag"] == tag.as_str())
            .unwrap()["countFixed"]
            .clone()
    };
    db::transaction(db.as_mut(), |db| {
        db.execute(
            "UPDATE state SET state = 'fixed' WHERE repo_tag = $1",
            &[tag.as_str().into()],
        )?;
        db::bump_generation(db)
    })
    .unwrap();
    let after = ld(&app, "/").await.json();
    assert_ne!(
        states(&before),
        states(&after),
        "the cache saw the new generation"
    );
    let branch = ld(&app, &format!("/branch/{tag}")).await.json();
    assert_eq!(branch["totalItems"], 0, "no open states once all are fixed");
}

support::backend_tests! {
    /// The same pages on PostgreSQL: the browse queries are written once for both.
    fn every_route_answers_on_both_backends(url: &str) {
        let mut db = db::open(url).unwrap();
        secfixes_tracker::demo::load(db.as_mut(), &Quiet).unwrap();
        drop(db);
        // The app is made outside the runtime, as `secfixes serve` makes it: the
        // PostgreSQL client blocks on a runtime of its own.
        let app = app_for(url);
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let n = names(&app).await;
            let mut tasks = Vec::new();
            for (_, path) in routes(&n) {
                // All at once, so that the pool opens connections on its blocking threads.
                let app = app.clone();
                tasks.push(tokio::spawn(async move {
                    assert_eq!(html(&app, &path).await.status, StatusCode::OK, "{path}");
                    assert_eq!(ld(&app, &path).await.status, StatusCode::OK, "{path}");
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        });
    }
}
