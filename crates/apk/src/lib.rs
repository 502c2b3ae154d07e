//! # secfixes-apk
//!
//! The file formats of the Alpine package keeper (apk), read and written exactly as
//! apk-tools, abuild and secdb.alpinelinux.org do, with no database or network code:
//!
//! - [`version`]: apk version strings: validation, comparison, fuzzy `~` and the
//!   dependency operators, identical to apk-tools 3.
//! - [`package`]: the package record (`C:`, `P:`, `V:` … lines) shared by APKINDEX and
//!   the installed database.
//! - [`apkindex`]: `APKINDEX.tar.gz`: reading, RSA signature verification, writing and signing.
//! - [`annotation`]: the `SECFIXES` member that carries security data in an index.
//! - [`installed`]: the installed database, `lib/apk/db/installed`, with its file lines.
//! - [`summary`]: only name, version, origin and tag of each record of either, fast.
//! - [`secdb`]: the security database JSON of secdb.alpinelinux.org.
//! - [`rejections`]: the security-rejections YAML (`{package: [CVE...]}`).
//! - [`apkbuild`]: the `# secfixes:` comment block of an APKBUILD (never executed).
//! - [`diagnostic`]: problems that do not stop a reader, returned beside the document.
//!
//! Every parser reports bad input as an [`Error`] naming the file, line and field, and
//! never panics.
#![forbid(unsafe_code)]

pub mod annotation;
pub mod apkbuild;
pub mod apkindex;
pub mod buildinfo;
pub mod diagnostic;
pub mod error;
pub mod installed;
pub mod package;
pub mod rejections;
pub mod secdb;
pub mod summary;
pub mod version;
pub mod vuln_id;

pub use diagnostic::{Diagnostic, Parsed};
pub use error::{Error, ErrorKind, Location, Result};
pub use version::{Op, Version};
