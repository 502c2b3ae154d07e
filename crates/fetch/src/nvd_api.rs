//! The NVD CVE API 2.0: paging and incremental sync.
//!
//! A query returns at most `resultsPerPage` (2,000) CVEs from `startIndex` of
//! `totalResults`; the pages are fetched in turn until `totalResults` is reached. An
//! incremental sync asks for CVEs with `lastModStartDate`/`lastModEndDate` in windows of
//! at most 120 days (NVD refuses longer ranges) from the stored mark to now; the first
//! sync fetches everything. Pages are handed over as bytes: reading the records is the
//! business of `secfixes_cve::nvd`.

use std::time::Duration;

use serde::Deserialize;
use serde::de::IgnoredAny;

use secfixes_apk::{Error, ErrorKind, Result};

use crate::client::{Client, Request, read_all};
use crate::clock::Timestamp;
use crate::rate_limit::RateLimiter;
use crate::state::{Cursor, SyncState};

/// The public endpoint.
pub const NVD_API_URL: &str = "https://services.nvd.nist.gov/rest/json/cves/2.0";
/// The largest page NVD serves.
pub const MAX_PAGE_SIZE: u64 = 2000;
/// The longest `lastModified` range NVD accepts in one query.
pub const MAX_WINDOW: Duration = Duration::from_secs(120 * 86_400);

/// One page of an API response, checked and counted.
#[derive(Debug, Clone)]
pub struct Page {
    /// The query's `startIndex`.
    pub start_index: u64,
    /// `totalResults` of the query.
    pub total_results: u64,
    /// How many CVEs the page holds.
    pub count: u64,
    /// The response body, a JSON object with `vulnerabilities`.
    pub bytes: Vec<u8>,
    /// The window's `lastModStartDate`, if any, and `lastModEndDate`.
    pub window: (Option<Timestamp>, Timestamp),
}

/// The paging fields of a page; the records are only counted here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    start_index: u64,
    total_results: u64,
    vulnerabilities: Vec<IgnoredAny>,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub pages: u64,
    pub cves: u64,
}

/// A client of the NVD CVE API 2.0.
#[derive(Debug)]
pub struct NvdApi {
    client: Client,
    base_url: String,
    api_key: Option<String>,
    page_size: u64,
}

impl NvdApi {
    /// An API client at `base_url` (normally [`NVD_API_URL`]); the client's rate limit is
    /// set to NVD's published limit for a client with or without `api_key`.
    pub fn new(client: Client, base_url: &str, api_key: Option<String>) -> Self {
        let api_key = api_key.filter(|k| !k.is_empty());
        NvdApi {
            client: client.rate_limit(RateLimiter::nvd(api_key.is_some())),
            base_url: base_url.to_string(),
            api_key,
            page_size: MAX_PAGE_SIZE,
        }
    }

    /// Asks for pages of `size` (1 to 2,000) CVEs; tests use small pages.
    #[must_use]
    pub fn page_size(mut self, size: u64) -> Self {
        self.page_size = size.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// Replaces the rate limit (tests; or a stricter limit than NVD's).
    #[must_use]
    pub fn rate_limit(mut self, limiter: RateLimiter) -> Self {
        self.client = self.client.rate_limit(limiter);
        self
    }

    /// The underlying client (request counts, clock).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Fetches the page at `start_index` of the CVEs last modified in `window` (all CVEs
    /// when the window has no start). A page whose JSON is cut or whose `startIndex` is
    /// not the one asked for is fetched again.
    pub fn page(
        &mut self,
        window: (Option<Timestamp>, Timestamp),
        start_index: u64,
    ) -> Result<Page> {
        let mut request = Request::get(&self.base_url)
            .query("resultsPerPage", self.page_size.to_string())
            .query("startIndex", start_index.to_string());
        if let Some(start) = window.0 {
            request = request
                .query("lastModStartDate", start.to_string())
                .query("lastModEndDate", window.1.to_string());
        }
        if let Some(key) = &self.api_key {
            request = request.header("apiKey", key.clone());
        }
        self.client.fetch(&request, |reader| {
            let bytes = read_all(reader)?;
            let envelope: Envelope = serde_json::from_slice(&bytes).map_err(|err| {
                Error::new(ErrorKind::Json, format!("API page: {err}")).caused_by(err)
            })?;
            if envelope.start_index != start_index {
                return Err(Error::new(
                    ErrorKind::Syntax,
                    format!(
                        "asked for startIndex {start_index}, got {}",
                        envelope.start_index
                    ),
                ));
            }
            Ok(Page {
                start_index,
                total_results: envelope.total_results,
                count: envelope.vulnerabilities.len() as u64,
                bytes,
                window,
            })
        })
    }

    /// Brings `state` up to now: resumes the window in `state.cursor` if any, then fetches
    /// the windows from `state.last_modified` to the clock's wall time (everything, when
    /// there is no mark). Each page goes to `on_page`; once it returns `Ok`, `state` is
    /// moved past the page and `checkpoint` is called with it, so a caller that commits
    /// pages one by one can save the state there and resume after a crash. An error from
    /// `on_page`, `checkpoint` or the network stops the sync with `state` at the last page
    /// handed over: the mark never passes a page that was not.
    pub fn sync(
        &mut self,
        state: &mut SyncState,
        mut on_page: impl FnMut(&Page) -> Result<()>,
        mut checkpoint: impl FnMut(&SyncState) -> Result<()>,
    ) -> Result<Summary> {
        let now = self.client.clock().wall();
        let mut summary = Summary::default();
        loop {
            let cursor = match state.cursor.clone() {
                Some(cursor) => cursor,
                None => match next_window(state.last_modified, now) {
                    Some(cursor) => cursor,
                    None => return Ok(summary),
                },
            };
            let window = (cursor.start, cursor.end);
            let mut index = cursor.next_index;
            loop {
                let page = self.page(window, index)?;
                if page.count == 0 && index < page.total_results {
                    return Err(Error::new(
                        ErrorKind::Syntax,
                        format!(
                            "empty page at startIndex {index} of totalResults {}",
                            page.total_results
                        ),
                    )
                    .in_file(&self.base_url));
                }
                on_page(&page)?;
                summary.pages += 1;
                summary.cves += page.count;
                index += page.count;
                if index >= page.total_results {
                    break;
                }
                state.cursor = Some(Cursor {
                    start: window.0,
                    end: window.1,
                    next_index: index,
                });
                checkpoint(state)?;
            }
            state.cursor = None;
            state.last_modified = Some(window.1);
            checkpoint(state)?;
        }
    }
}

/// The next window after `mark`, up to `now` and at most [`MAX_WINDOW`] long; with no
/// mark, the full download ending now.
fn next_window(mark: Option<Timestamp>, now: Timestamp) -> Option<Cursor> {
    let (start, end) = match mark {
        None => (None, now),
        Some(start) if start < now => (Some(start), start.plus(MAX_WINDOW).min(now)),
        Some(_) => return None,
    };
    Some(Cursor {
        start,
        end,
        next_index: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_at_most_120_days() {
        let day = 86_400_000;
        let now = Timestamp(1000 * day);
        assert_eq!(
            next_window(None, now).map(|c| (c.start, c.end)),
            Some((None, now))
        );
        let w = next_window(Some(Timestamp(700 * day)), now).map(|c| (c.start, c.end));
        assert_eq!(w, Some((Some(Timestamp(700 * day)), Timestamp(820 * day))));
        let w = next_window(Some(Timestamp(950 * day)), now).map(|c| c.end);
        assert_eq!(w, Some(now));
        assert!(next_window(Some(now), now).is_none());
    }
}
