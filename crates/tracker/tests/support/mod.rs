//! Shared helpers for the tracker's integration tests: the real-data helpers of the apk
//! crate (`fixtures()`, `corpus()`, `have_command()`) and a harness that runs one test
//! body against both storage backends.
//!
//! # Running a test on SQLite and PostgreSQL
//!
//! ```ignore
//! mod support;
//! use secfixes_tracker::db::{self, Db, Value};
//!
//! support::backend_tests! {
//!     /// Doc comments and attributes are kept.
//!     fn meta_round_trips(db: &mut dyn Db) {
//!         db::set_meta(db, "k", "v").unwrap();
//!         assert_eq!(db::get_meta(db, "k").unwrap().as_deref(), Some("v"));
//!     }
//!
//!     // A body may return a `Result` and use `?`.
//!     fn counts(db: &mut dyn Db) -> secfixes_tracker::Result<()> {
//!         assert_eq!(db::count(db, "meta")?, 0);
//!         Ok(())
//!     }
//!
//!     // Or take the database URL, to open (and reopen) connections itself.
//!     fn reopens(url: &str) {
//!         drop(db::open(url).unwrap());
//!         drop(db::open(url).unwrap());
//!     }
//! }
//! ```
//!
//! Each `fn NAME` becomes a module `NAME` with two tests, `NAME::sqlite` and
//! `NAME::postgres` (so `cargo nextest run -E 'test(/::postgres$/)'` picks one backend).
//! The `db` form gets a connection opened with [`secfixes_tracker::db::open`], i.e. with
//! the schema migrated; the `url` form gets a URL to an empty database.
//!
//! - SQLite: a new file in a temporary directory, removed afterwards.
//! - PostgreSQL: a new database `secfixes_test_<pid>_<n>_<test>` created on the server
//!   named by `SECFIXES_TEST_POSTGRES` (a `postgres://` URL whose role may create
//!   databases; `.ci/run` starts such a server) and dropped afterwards, so tests run in
//!   parallel without seeing each other. When the variable is unset the PostgreSQL test
//!   fails under CI (`CI` set) and elsewhere says loudly that it is skipped.
#![allow(dead_code, clippy::unwrap_used, unused_imports, unused_macros)]

#[path = "../../../apk/tests/support/mod.rs"]
mod apk;

pub use apk::{corpus, fixtures, have_command};

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use secfixes_tracker::db::{self, Db};

/// The environment variable naming the PostgreSQL server for the tests.
pub const POSTGRES_ENV: &str = "SECFIXES_TEST_POSTGRES";

/// Runs each body on both backends; see the module documentation.
macro_rules! backend_tests {
    () => {};
    (
        $(#[$meta:meta])*
        fn $name:ident($db:ident : &mut dyn Db) $(-> $ret:ty)? $body:block
        $($rest:tt)*
    ) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn body($db: &mut dyn secfixes_tracker::db::Db) $(-> $ret)? $body

            #[test]
            fn sqlite() $(-> $ret)? {
                $crate::support::on_sqlite(stringify!($name), |url| {
                    $crate::support::with_db(url, body)
                })
            }

            #[test]
            fn postgres() $(-> $ret)? {
                $crate::support::on_postgres(stringify!($name), |url| {
                    $crate::support::with_db(url, body)
                })
            }
        }
        $crate::support::backend_tests! { $($rest)* }
    };
    (
        $(#[$meta:meta])*
        fn $name:ident($url:ident : &str) $(-> $ret:ty)? $body:block
        $($rest:tt)*
    ) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn body($url: &str) $(-> $ret)? $body

            #[test]
            fn sqlite() $(-> $ret)? {
                $crate::support::on_sqlite(stringify!($name), body)
            }

            #[test]
            fn postgres() $(-> $ret)? {
                $crate::support::on_postgres(stringify!($name), body)
            }
        }
        $crate::support::backend_tests! { $($rest)* }
    };
}
pub(crate) use backend_tests;

/// What a test body returns: `()` or a `Result`; a skipped test returns [`Self::skipped`].
pub trait Outcome {
    fn skipped() -> Self;
}

impl Outcome for () {
    fn skipped() -> Self {}
}

impl<E> Outcome for Result<(), E> {
    fn skipped() -> Self {
        Ok(())
    }
}

/// Opens `url` (migrating it) and runs `body` on the connection, which is closed after.
pub fn with_db<T>(url: &str, body: impl FnOnce(&mut dyn Db) -> T) -> T {
    let mut db = db::open(url).unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    body(db.as_mut())
}

/// Runs `body` with the URL of a new SQLite file, removed afterwards.
pub fn on_sqlite<T>(_test: &str, body: impl FnOnce(&str) -> T) -> T {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("tracker.db").display());
    body(&url)
}

/// Runs `body` with the URL of a new, empty PostgreSQL database, dropped afterwards; or
/// skips (outside CI) or fails (under CI) when `SECFIXES_TEST_POSTGRES` is unset.
pub fn on_postgres<T: Outcome>(test: &str, body: impl FnOnce(&str) -> T) -> T {
    let Some(server) = std::env::var(POSTGRES_ENV).ok().filter(|s| !s.is_empty()) else {
        let why = format!("{POSTGRES_ENV} is not set: no PostgreSQL server for `{test}`");
        if std::env::var_os("CI").is_some() {
            panic!("{why}; CI must run this test (.ci/run starts a server)");
        }
        // The stderr handle, not eprintln!, which the test harness captures.
        let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {why} ***\n");
        return T::skipped();
    };
    let scratch = ScratchDatabase::create(&server, test);
    body(&scratch.url)
}

/// A database created for one test and dropped (with any connection left) when the
/// test ends, also when it panics.
struct ScratchDatabase {
    server: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    fn create(server: &str, test: &str) -> ScratchDatabase {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut name = format!("secfixes_test_{}_{n}_", std::process::id());
        name.extend(test.chars().map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        }));
        // PostgreSQL cuts identifiers at 63 bytes; the prefix keeps them unique.
        name.truncate(63);
        admin(server)
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create database {name} on {server}: {e}"));
        ScratchDatabase {
            server: server.to_owned(),
            url: with_dbname(server, &name),
            name,
        }
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let dropped = admin(&self.server).batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
        if let Err(e) = dropped {
            let _ = writeln!(std::io::stderr(), "cannot drop database {}: {e}", self.name);
        }
    }
}

fn admin(server: &str) -> postgres::Client {
    postgres::Client::connect(server, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_ENV}={server}: {e}"))
}

/// `url` with its database name (the path) replaced by `name`, keeping any `?options`.
pub fn with_dbname(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}
