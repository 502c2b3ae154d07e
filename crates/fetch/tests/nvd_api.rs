//! The NVD API client against a local server: paging, windows, rate limits, retries, cut
//! bodies, and a mark that never passes what was not handed over. Time is a fake clock:
//! nothing here sleeps, and waits are checked on the clock, never on wall time.
#![allow(clippy::unwrap_used, clippy::unit_arg)]

mod server;
#[path = "../../apk/tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use secfixes_apk::ErrorKind;
use secfixes_fetch::nvd_api::MAX_WINDOW;
use secfixes_fetch::rate_limit::RateLimiter;
use secfixes_fetch::retry::Backoff;
use secfixes_fetch::state::Cursor;
use secfixes_fetch::{Client, Clock, FakeClock, NvdApi, SyncState, Timestamp};
use server::{Pages, Reply, Seen, Server, ids};

const NOW: &str = "2026-03-01T00:00:00.000+00:00";

fn clock() -> FakeClock {
    FakeClock::new(Timestamp::parse(NOW).unwrap())
}

fn api(server: &Server, clock: &FakeClock, key: Option<&str>, page_size: u64) -> NvdApi {
    let client = Client::with_timeout(Arc::new(clock.clone()), Duration::from_secs(10)).backoff(
        Backoff::new(4, Duration::from_secs(1), Duration::from_secs(8), 42),
    );
    NvdApi::new(
        client,
        &format!("{}/rest/json/cves/2.0", server.url),
        key.map(String::from),
    )
    .page_size(page_size)
}

/// Runs a sync, returning the ids handed over (in order) and the result.
fn sync(api: &mut NvdApi, state: &mut SyncState) -> (Vec<String>, secfixes_apk::Result<()>) {
    let mut got = Vec::new();
    let result = api
        .sync(state, |page| Ok(got.extend(ids(&page.bytes))), |_| Ok(()))
        .map(drop);
    (got, result)
}

fn assert_each_once(got: &[String], pages: &Pages) {
    let want: BTreeSet<String> = pages
        .items
        .iter()
        .map(|v| v["cve"]["id"].as_str().unwrap().to_string())
        .collect();
    let unique: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(got.len(), unique.len(), "a CVE came twice");
    assert_eq!(unique, want);
}

#[test]
fn full_sync_pages_then_incremental_windows() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let pages = Pages::vunnel(&fixtures);
    let empty = Pages::new(Vec::new());
    let p = pages.clone();
    let server = Server::start(move |seen: &Seen| {
        assert_eq!(seen.path, "/rest/json/cves/2.0");
        if seen.query.contains_key("lastModStartDate") {
            Reply::ok(empty.page(seen))
        } else {
            Reply::ok(p.page(seen))
        }
    });
    let clock = clock();
    let mut api = api(&server, &clock, None, 10);
    let mut state = SyncState::default();
    let (got, result) = sync(&mut api, &mut state);
    result.unwrap();
    assert_each_once(&got, &pages);
    let seen = server.requests();
    let starts: Vec<_> = seen.iter().map(|s| s.int("startIndex").unwrap()).collect();
    assert_eq!(starts, [0, 10, 20, 30]);
    assert!(seen.iter().all(|s| s.int("resultsPerPage") == Some(10)));
    assert!(seen.iter().all(|s| !s.headers.contains_key("apikey")));
    assert_eq!(state.last_modified, Some(Timestamp::parse(NOW).unwrap()));
    assert_eq!(state.cursor, None);

    // 200 days later: two windows, 120 days and 80 days, with explicit offsets.
    clock.advance(Duration::from_secs(200 * 86_400));
    let (got, result) = sync(&mut api, &mut state);
    result.unwrap();
    assert!(got.is_empty());
    let seen = server.requests();
    let windows: Vec<_> = seen[4..]
        .iter()
        .map(|s| {
            (
                s.query["lastModStartDate"].clone(),
                s.query["lastModEndDate"].clone(),
            )
        })
        .collect();
    assert_eq!(
        windows,
        [
            (NOW.to_string(), "2026-06-29T00:00:00.000+00:00".to_string()),
            (
                "2026-06-29T00:00:00.000+00:00".to_string(),
                "2026-09-17T00:00:00.000+00:00".to_string()
            ),
        ]
    );
    for (start, end) in &windows {
        let len =
            Timestamp::parse(end).unwrap().millis() - Timestamp::parse(start).unwrap().millis();
        assert!(len as u128 <= MAX_WINDOW.as_millis());
    }
    assert_eq!(state.last_modified, Some(clock.wall()));
    assert!(
        clock.sleeps().is_empty(),
        "6 requests over 200 fake days need no wait"
    );
}

#[test]
fn keeps_to_the_rate_limit_without_and_with_a_key() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let pages = Pages::vunnel(&fixtures);
    for (key, limit) in [(None, 5), (Some("secret-key"), 50)] {
        let p = pages.clone();
        let c = clock();
        let at = c.clone();
        let times = Arc::new(std::sync::Mutex::new(Vec::new()));
        let t = Arc::clone(&times);
        let server = Server::start(move |seen: &Seen| {
            assert_eq!(seen.headers.get("apikey").map(String::as_str), key);
            t.lock().unwrap().push(at.now());
            Reply::ok(p.page(seen))
        });
        let mut api = api(&server, &c, key, 1);
        let (got, result) = sync(&mut api, &mut SyncState::default());
        result.unwrap();
        assert_each_once(&got, &pages);
        let times = times.lock().unwrap().clone();
        assert_eq!(times.len(), 38);
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|&&u| u < *t + Duration::from_secs(30));
            assert!(
                in_window.count() <= limit,
                "more than {limit} requests in 30 s"
            );
        }
        if key.is_none() {
            // 38 requests, 5 per 30 s: the last one goes out after 7 full windows.
            assert_eq!(times[37], Duration::from_secs(7 * 30));
        } else {
            assert!(c.sleeps().is_empty());
        }
    }
}

#[test]
fn retries_server_errors_rate_limit_answers_and_cut_bodies() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let pages = Pages::vunnel(&fixtures);
    let p = pages.clone();
    // Each page: first a 500, then a 429 with Retry-After, then a 403, then a body cut
    // short, then a gzip body cut short; then the page.
    let server = Server::start(move |seen: &Seen| {
        let page = p.page(seen);
        match seen.n % 6 {
            0 => Reply::status(500),
            1 => Reply::status(429).header("Retry-After", "7"),
            2 => Reply::status(403).header("message", "rate limit"),
            3 => Reply {
                cut: 100,
                ..Reply::ok(page[..page.len() / 2].to_vec())
            },
            4 => {
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                gz.write_all(&page).unwrap();
                let gz = gz.finish().unwrap();
                Reply::ok(gz[..gz.len() - 20].to_vec()).header("Content-Encoding", "gzip")
            }
            _ => Reply::ok(page),
        }
    });
    let clock = clock();
    let client = Client::with_timeout(Arc::new(clock.clone()), Duration::from_secs(10)).backoff(
        Backoff::new(6, Duration::from_secs(1), Duration::from_secs(8), 42),
    );
    let mut api = NvdApi::new(client, &server.url, None)
        .page_size(20)
        .rate_limit(RateLimiter::unlimited());
    let mut state = SyncState::default();
    let (got, result) = sync(&mut api, &mut state);
    result.unwrap();
    assert_each_once(&got, &pages);
    assert_eq!(api.client().requests(), 12);
    assert_eq!(server.requests().len(), 12);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 10);
    // After the 429 the wait is at least its Retry-After; back-off grows otherwise.
    assert!(sleeps[1] >= Duration::from_secs(7), "{sleeps:?}");
    assert!(sleeps[0] >= Duration::from_millis(500) && sleeps[0] <= Duration::from_secs(1));
    assert!(sleeps[4] >= Duration::from_secs(8) / 2);
    assert_eq!(state.last_modified, Some(Timestamp::parse(NOW).unwrap()));
}

#[test]
fn a_failed_sync_never_moves_the_mark_and_resumes_where_it_stopped() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let pages = Pages::vunnel(&fixtures);
    let p = pages.clone();
    let broken = Arc::new(AtomicUsize::new(1));
    let b = Arc::clone(&broken);
    let mark = Timestamp::parse("2025-12-01T00:00:00.000+00:00").unwrap();
    let empty = Pages::new(Vec::new());
    // Every CVE was modified in the first window; later windows are empty.
    let server = Server::start(move |seen: &Seen| {
        if b.load(Ordering::SeqCst) == 1 && seen.int("startIndex") == Some(20) {
            Reply::status(503)
        } else if seen.query["lastModStartDate"] == mark.to_string() {
            Reply::ok(p.page(seen))
        } else {
            Reply::ok(empty.page(seen))
        }
    });
    let clock = clock();
    let before = SyncState {
        last_modified: Some(mark),
        cursor: None,
    };
    let mut state = before.clone();
    let mut api = api(&server, &clock, None, 10);
    let mut first = Vec::new();
    let mut saved = Vec::new();
    let err = api
        .sync(
            &mut state,
            |page| Ok(first.extend(ids(&page.bytes))),
            |s| Ok(saved.push(s.clone())),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
    let text = err.to_string();
    assert!(
        text.contains("HTTP status 503") && text.contains("after 4 attempts"),
        "{text}"
    );
    assert!(
        text.contains("startIndex=20"),
        "the error names the URL: {text}"
    );
    // Two pages went over; the mark stays, the cursor points at the third page.
    assert_eq!(first.len(), 20);
    assert_eq!(state.last_modified, Some(mark));
    let window_end = clock.wall();
    assert_eq!(
        state.cursor,
        Some(Cursor {
            start: Some(mark),
            end: saved[0].cursor.as_ref().unwrap().end,
            next_index: 20
        })
    );
    assert_eq!(saved.len(), 2);
    assert_eq!(server.requests().len(), 2 + 4);

    // The server recovers: the sync resumes at startIndex 20 of the same window.
    broken.store(0, Ordering::SeqCst);
    let (rest, result) = sync(&mut api, &mut state);
    result.unwrap();
    let resumed = &server.requests()[6];
    assert_eq!(resumed.int("startIndex"), Some(20));
    assert_eq!(resumed.query["lastModStartDate"], mark.to_string());
    first.extend(rest);
    assert_each_once(&first, &pages);
    assert_eq!(state.cursor, None);
    assert!(state.last_modified.unwrap() >= window_end);
}

#[test]
fn a_server_that_does_not_answer_times_out_and_is_retried() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let pages = Pages::vunnel(&fixtures);
    let p = pages.clone();
    let server = Server::start(move |seen: &Seen| {
        if seen.n == 0 {
            Reply {
                hang: true,
                ..Reply::default()
            }
        } else {
            Reply::ok(p.page(seen))
        }
    });
    let clock = clock();
    // The one real wait in these tests: the client's own time-out (1 s, so that a loaded
    // machine still answers the retry in time).
    let client = Client::with_timeout(Arc::new(clock.clone()), Duration::from_secs(1)).backoff(
        Backoff::new(3, Duration::from_secs(1), Duration::from_secs(4), 3),
    );
    let mut api = NvdApi::new(client, &server.url, None);
    let (got, result) = sync(&mut api, &mut SyncState::default());
    result.unwrap();
    assert_each_once(&got, &pages);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(clock.sleeps().len(), 1);
}

#[test]
fn a_bad_request_is_not_retried() {
    let server = Server::start(|_: &Seen| Reply::status(404).header("message", "Invalid apiKey"));
    let clock = clock();
    let mut api = api(&server, &clock, Some("bad"), 10);
    let mut state = SyncState::default();
    let (_, result) = sync(&mut api, &mut state);
    let err = result.unwrap_err();
    assert!(
        err.to_string().contains("HTTP status 404: Invalid apiKey"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
    assert_eq!(state, SyncState::default());
}

#[test]
fn the_gen_corpus_pages_resynced_through_the_api() {
    let Some(corpus) = support::corpus() else {
        return;
    };
    let mut items = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(corpus.join("nvd"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let bytes = secfixes_fetch::feeds::read_maybe_gzip(&path).unwrap();
        let page: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        items.extend(page["vulnerabilities"].as_array().unwrap().iter().cloned());
    }
    let pages = Pages::new(items);
    let p = pages.clone();
    let server = Server::start(move |seen: &Seen| Reply::ok(p.page(seen)));
    let clock = clock();
    let mut api = api(&server, &clock, Some("k"), 2000);
    let (got, result) = sync(&mut api, &mut SyncState::default());
    result.unwrap();
    assert_each_once(&got, &pages);
    assert_eq!(server.requests().len(), pages.items.len().div_ceil(2000));
}
