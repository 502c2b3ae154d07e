//! # secfixes-fetch
//!
//! Fetching CVE sources the way a deployment does, kept apart from the network-free
//! readers of `secfixes-cve`:
//!
//! - [`client`]: a blocking HTTP(S) client (rustls) that retries with [`retry`] and waits
//!   for a [`rate_limit`]; every wait goes through a [`clock::Clock`], so tests use a fake
//!   one and never sleep.
//! - [`nvd_api`]: the NVD CVE API 2.0, paged by `startIndex` and synced incrementally in
//!   `lastModStartDate`/`lastModEndDate` windows from the mark kept in [`state`].
//! - [`feeds`]: NVD 1.1 feeds and other files from URLs or paths, plain or gzip.
//!
//! Errors are the workspace's one error type, `secfixes_apk::Error`.
#![forbid(unsafe_code)]

pub mod client;
pub mod clock;
pub mod feeds;
pub mod nvd_api;
pub mod rate_limit;
pub mod retry;
pub mod state;

pub use client::Client;
pub use clock::{Clock, FakeClock, SystemClock, Timestamp};
pub use nvd_api::{NvdApi, Page};
pub use state::SyncState;
