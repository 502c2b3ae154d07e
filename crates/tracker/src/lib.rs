//! # secfixes-tracker
//!
//! The tracker itself: for every (CVE, origin package, repository tag) it decides whether
//! the published package is fixed, not affected, vulnerable, possibly vulnerable or of
//! unknown state, and keeps the reasons.
//!
//! - [`config`]: the TOML configuration (branches, sources, mapping rules, database).
//! - [`db`]: one storage interface over SQLite (embedded default) and PostgreSQL.
//! - [`mapping`]: upstream products (CPE vendor:product, CVE 5 package names) to origins.
//! - [`engine`]: the state engine, a pure function from facts to verdicts with explanations.
//! - [`import`]: transactional imports of indexes, secdb, rejections, aports and CVEs.
//! - [`update`]: full and incremental recomputation of the stored states.
//! - [`browse`]: what the web UI and API show, one read per page.
//! - [`report`]: the rows of a branch report and the explanation of one verdict.
//! - [`sync`]: the configured imports, each in one transaction, and `sync` (all, then update).
//! - [`triage`]: rejections made and withdrawn by maintainers and the security team.
//! - [`annotation`]: a repository's fixes and severities for the `SECFIXES` index member.
//! - [`demo`]: the bundled demo distribution and its loader, for `secfixes demo`.
#![forbid(unsafe_code)]

pub mod annotation;
pub mod browse;
pub mod config;
pub mod db;
pub mod demo;
pub mod engine;
pub mod export;
pub mod federation;
pub mod import;
pub mod inbox;
pub mod mapping;
pub mod packed;
pub mod report;
pub mod sync;
pub mod triage;
pub mod update;

pub use secfixes_apk::error::{Error, ErrorKind, Result};
