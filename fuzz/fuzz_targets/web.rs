#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, header};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

use secfixes_tracker::db;
use secfixes_tracker::sync::Quiet;
use secfixes_web::{App, Settings};

struct Server {
    _dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
}

/// The demo distribution, served in process once for the whole run.
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite:{}", dir.path().join("demo.db").display());
        let mut store = db::open(&url).expect("the demo database");
        secfixes_tracker::demo::load(store.as_mut(), &Quiet).expect("the demo loads");
        let app = App::new(&Settings::new(url)).expect("the app");
        Server {
            _dir: dir,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            router: secfixes_web::router(Arc::new(app)),
        }
    })
}

// Any request line and Accept header (split at the first newline): never a panic and
// never a 500; a malformed path, query or header is the client's mistake (4xx).
fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (target, accept) = text.split_once('\n').unwrap_or((&text, ""));
    let mut request = Request::get(format!("/{}", target.trim_start_matches('/')));
    if let Ok(value) = header::HeaderValue::from_str(accept) {
        request = request.header(header::ACCEPT, value);
    }
    let Ok(request) = request.body(Body::empty()) else {
        return; // not a URI at all: hyper would refuse it before the router
    };
    let s = server();
    let response = s
        .runtime
        .block_on(s.router.clone().oneshot(request))
        .expect("the router is infallible");
    assert!(
        !response.status().is_server_error(),
        "{} for {target:?} (Accept {accept:?})",
        response.status()
    );
});
