//! The NVD API source into the store: pages from a local server, the records written in
//! the import's transaction with the sync state beside them, so that a failed sync stores
//! nothing and does not move the mark. The clock is fake: nothing here sleeps.
#![allow(clippy::unwrap_used)]

#[path = "../../fetch/tests/server/mod.rs"]
mod server;
mod support;

use std::sync::Arc;
use std::time::Duration;

use secfixes_fetch::retry::Backoff;
use secfixes_fetch::{Client, FakeClock, NvdApi, SyncState, Timestamp};
use secfixes_tracker::db::{self, Db};
use secfixes_tracker::sync;
use server::{Pages, Reply, Seen, Server};

fn api(server: &Server, clock: &FakeClock) -> NvdApi {
    let client = Client::with_timeout(Arc::new(clock.clone()), Duration::from_secs(10)).backoff(
        Backoff::new(2, Duration::from_secs(1), Duration::from_secs(2), 7),
    );
    NvdApi::new(client, &format!("{}/rest/json/cves/2.0", server.url), None).page_size(10)
}

fn stored_state(db: &mut dyn Db) -> Option<SyncState> {
    db::get_meta(db, "nvd_api_state")
        .unwrap()
        .map(|json| serde_json::from_str(&json).unwrap())
}

support::backend_tests! {
    /// A full sync stores every record and the mark; a later sync with nothing new
    /// changes no record and moves the mark; a sync whose server fails stores nothing.
    fn api_pages_go_into_the_store_with_the_mark(db: &mut dyn Db) {
        let Some(fixtures) = support::fixtures() else {
            return;
        };
        let pages = Pages::vunnel(&fixtures);
        let empty = Pages::new(Vec::new());
        let (p, e) = (pages.clone(), empty.clone());
        let server = Server::start(move |seen: &Seen| {
            if seen.query.contains_key("lastModStartDate") {
                Reply::ok(e.page(seen))
            } else {
                Reply::ok(p.page(seen))
            }
        });
        let clock = FakeClock::new(Timestamp::parse("2026-03-01T00:00:00.000+00:00").unwrap());

        let first = sync::import_nvd_api(db, api(&server, &clock), &sync::Quiet).unwrap();
        assert_eq!(first.records, pages.items.len() as u64);
        assert_eq!(first.changed, first.records);
        assert_eq!(db::count(db, "cve_record").unwrap(), pages.items.len() as i64);
        let mark = stored_state(db).unwrap();
        assert!(mark.last_modified.is_some() && mark.cursor.is_none());

        clock.advance(Duration::from_secs(86_400));
        let second = sync::import_nvd_api(db, api(&server, &clock), &sync::Quiet).unwrap();
        assert_eq!((second.records, second.changed), (0, 0));
        let moved = stored_state(db).unwrap();
        assert!(moved.last_modified > mark.last_modified);

        // Every request fails: the import fails, nothing is stored, the mark stays.
        let failing = Server::start(|_: &Seen| Reply::status(503));
        clock.advance(Duration::from_secs(86_400));
        let before = db::count(db, "cve_record").unwrap();
        assert!(sync::import_nvd_api(db, api(&failing, &clock), &sync::Quiet).is_err());
        assert_eq!(db::count(db, "cve_record").unwrap(), before);
        assert_eq!(stored_state(db).unwrap(), moved);
    }
}
