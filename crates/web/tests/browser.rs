//! The web UI in a real browser and the JSON-LD through a real JSON-LD processor.
//!
//! Loads the bundled demo distribution into a new SQLite store, serves it in-process on
//! 127.0.0.1 (a free port), and runs the node tests in `e2e/` against it: `browse.test.mjs`
//! drives Debian's chromium through playwright-core (follows links, searches, filters a
//! branch, checks for console errors and CSP violations, takes screenshots into
//! `target/e2e-artifacts`), and `jsonld.test.mjs` expands every route's JSON-LD with
//! jsonld.js in safe mode, which fails on any term the context does not define. Login is
//! on: `e2e/oidc-provider.mjs` runs a real OpenID Connect provider (panva's oidc-provider)
//! on 127.0.0.1 with GitLab-like group claims, `oidc.test.mjs` checks it alone, and
//! `triage.test.mjs` logs in through its login page, rejects a CVE, withdraws it and logs
//! out.
//!
//! It needs node, `e2e/node_modules` (`npm ci --prefix e2e`) and `/usr/bin/chromium`
//! (Debian's `chromium`); `.ci/run` installs both. When one is missing the test fails
//! under CI (`CI` set) and elsewhere says loudly that it is skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use secfixes_web::auth::AuthSettings;
use secfixes_web::oidc::ClientSettings;
use secfixes_web::{App, Settings, router};

/// Where the browser is: Debian's package, never a download.
const CHROMIUM: &str = "/usr/bin/chromium";

/// The longest the node tests may take before they count as hung.
const TIMEOUT: Duration = Duration::from_secs(600);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Fails under CI, where nothing may be skipped; elsewhere says loudly that the test is
/// skipped (on the stderr handle: the harness captures `eprintln!`).
fn skip_outside_ci(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{why}; CI must run this test (.ci/run installs it)");
    }
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {why} ***\n");
}

/// What is missing for the node tests, if anything.
fn missing(e2e: &Path) -> Option<String> {
    if Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        return Some("the `node` command is not installed".to_owned());
    }
    for module in ["playwright-core", "jsonld", "oidc-provider"] {
        if !e2e.join("node_modules").join(module).is_dir() {
            return Some(format!(
                "e2e/node_modules/{module} is missing (run `npm ci --prefix e2e`)"
            ));
        }
    }
    if !Path::new(CHROMIUM).is_file() {
        return Some(format!("{CHROMIUM} is missing (apt-get install chromium)"));
    }
    None
}

/// The node test files, `e2e/*.test.mjs` (node 20's `--test` takes no globs).
fn test_files(e2e: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(e2e)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".test.mjs"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no e2e/*.test.mjs");
    files
}

/// `e2e/oidc-provider.mjs`, running until dropped.
struct TestProvider {
    child: std::process::Child,
    issuer: String,
}

impl TestProvider {
    /// Starts the provider for a client whose callback is `callback` and waits for the
    /// one line it prints once it listens: `{"issuer":"http://127.0.0.1:PORT"}`.
    fn start(e2e: &Path, callback: &str) -> TestProvider {
        let mut child = Command::new("node")
            .arg("oidc-provider.mjs")
            .current_dir(e2e)
            .env("OIDC_REDIRECT_URI", callback)
            // It also exits when this process dies and its stdin closes.
            .env("OIDC_EXIT_WITH_STDIN", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts the provider");
        let stdout = child.stdout.take().unwrap();
        let (sent, line) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut first = String::new();
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first);
            let _ = sent.send(first);
        });
        let mut provider = TestProvider {
            child,
            issuer: String::new(),
        };
        let first = line
            .recv_timeout(Duration::from_secs(30))
            .expect("the provider says where it listens within 30 s");
        let doc: serde_json::Value = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("the provider's first line {first:?}: {e}"));
        provider.issuer = doc["issuer"].as_str().expect("an issuer").to_owned();
        provider
    }
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn web_ui_in_chromium_and_json_ld_in_jsonld_js() {
    let root = workspace();
    let e2e = root.join("e2e");
    if let Some(why) = missing(&e2e) {
        skip_outside_ci(&why);
        return;
    }

    // The demo distribution in a new store.
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("demo.db").display());
    {
        let mut db = secfixes_tracker::db::open(&database).unwrap();
        secfixes_tracker::demo::load(db.as_mut(), &secfixes_tracker::sync::Quiet)
            .expect("the demo loads");
    }

    // The server's address first: the provider must know its callback.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let callback = format!("{base}{}", secfixes_web::auth::CALLBACK_PATH);
    let provider = TestProvider::start(&e2e, &callback);

    // The server, in this process, with login through the provider and triage on.
    let mut settings = Settings::new(database);
    settings.site_name = secfixes_tracker::demo::NAME.to_owned();
    settings.tracker_config = Some(secfixes_tracker::demo::embedded_config().unwrap());
    settings.auth = Some(AuthSettings {
        client: ClientSettings::new(
            &provider.issuer,
            "secfixes",
            Some("secfixes-test-secret".to_owned()),
            &callback,
        ),
        security_groups: vec!["demo/security".to_owned()],
        grants: Default::default(),
        session_ttl: Duration::from_secs(3600),
    });
    let app = Arc::new(App::new(&settings).unwrap());
    runtime.spawn(async move { axum::serve(listener, router(app)).await });

    // The node tests against it.
    let artifacts = root.join("target/e2e-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    // Every shape of verdict notification, for ldn.test.mjs to expand.
    let notifications = artifacts.join("notifications");
    let _ = std::fs::remove_dir_all(&notifications);
    std::fs::create_dir_all(&notifications).unwrap();
    for (i, n) in secfixes_ldn::vocabulary::examples().iter().enumerate() {
        std::fs::write(
            notifications.join(format!("{:02}.json", i + 1)),
            n.to_json(),
        )
        .unwrap();
    }
    let started = Instant::now();
    let mut child = Command::new("node")
        .args([
            "--test",
            "--test-concurrency=1",
            "--test-reporter=spec",
            "--test-timeout=300000",
        ])
        .args(test_files(&e2e))
        .current_dir(&e2e)
        .env("SECFIXES_E2E_URL", &base)
        .env("SECFIXES_E2E_ARTIFACTS", &artifacts)
        .env("SECFIXES_E2E_NOTIFICATIONS", &notifications)
        .env("SECFIXES_OIDC_ISSUER", &provider.issuer)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    // Read both pipes while waiting, so a chatty run cannot block on a full pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the e2e tests took longer than {TIMEOUT:?}:\n{}\n{}",
                out.join().unwrap(),
                err.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    let elapsed = started.elapsed();
    runtime.shutdown_timeout(Duration::from_secs(5));
    assert!(
        status.success(),
        "the e2e tests failed ({status}) against {base}:\n{stdout}\n{stderr}"
    );
    // One line on the stderr handle (the harness hides `eprintln!` of passing tests).
    let tests = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("ℹ tests "))
        .unwrap_or("?")
        .to_owned();
    let _ = writeln!(
        std::io::stderr(),
        "e2e: {tests} node tests ok in {:.1} s against {base}; screenshots in {}",
        elapsed.as_secs_f64(),
        artifacts.display()
    );
}
