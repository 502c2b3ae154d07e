//! Downloading feed files: a cut gzip download is fetched again; paths pass through.
#![allow(clippy::unwrap_used)]

mod server;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use secfixes_fetch::feeds::{self, Source};
use secfixes_fetch::retry::Backoff;
use secfixes_fetch::{Client, FakeClock, Timestamp};
use server::{Reply, Seen, Server};

fn client(clock: &FakeClock) -> Client {
    Client::with_timeout(Arc::new(clock.clone()), Duration::from_secs(10)).backoff(Backoff::new(
        3,
        Duration::from_secs(1),
        Duration::from_secs(4),
        1,
    ))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn a_cut_gzip_download_is_fetched_again() {
    let text = b"{\"CVE_Items\": []}".repeat(500);
    let gz = gzip(&text);
    let server = Server::start(move |seen: &Seen| match seen.n {
        0 => Reply::ok(gz[..gz.len() / 2].to_vec()),
        1 => Reply {
            cut: 10,
            ..Reply::ok(gz[..gz.len() - 10].to_vec())
        },
        _ => Reply::ok(gz.clone()),
    });
    let clock = FakeClock::new(Timestamp(0));
    let source = Source::parse(&format!("{}/feeds/nvdcve-1.1-2024.json.gz", server.url));
    let local = feeds::fetch(&mut client(&clock), &source).unwrap();
    assert_eq!(feeds::read_maybe_gzip(local.path()).unwrap(), text);
    assert_eq!(server.requests().len(), 3);
    assert_eq!(clock.sleeps().len(), 2);
    let path = local.path().to_path_buf();
    drop(local);
    assert!(!path.exists(), "the downloaded copy is removed");
}

#[test]
fn a_download_that_keeps_failing_is_an_error() {
    let server = Server::start(|_: &Seen| Reply::status(502));
    let clock = FakeClock::new(Timestamp(0));
    let source = Source::parse(&format!("{}/f.json", server.url));
    let err = feeds::fetch(&mut client(&clock), &source).unwrap_err();
    assert!(
        err.to_string()
            .contains("/f.json: network error: GET failed: HTTP status 502 (after 3 attempts)"),
        "{err}"
    );
}

#[test]
fn paths_are_read_in_place() {
    let clock = FakeClock::new(Timestamp(0));
    let local = feeds::fetch(&mut client(&clock), &Source::parse("Cargo.toml")).unwrap();
    assert_eq!(local.path(), std::path::Path::new("Cargo.toml"));
}
