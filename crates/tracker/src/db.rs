//! One storage interface over two backends.
//!
//! Everything the tracker stores goes through [`Db`]: a connection that runs SQL with
//! numbered parameters (`$1`, `$2`, … in PostgreSQL's spelling; the SQLite backend
//! rewrites them), reads rows through a callback, loads rows in bulk and runs
//! transactions. The importers, the update and the reports are written once against this
//! trait in the SQL both databases understand (`INSERT … ON CONFLICT`, no vendor
//! functions); only the schema migrations differ per backend.
//!
//! [`open`] takes a database URL: `sqlite:PATH` (the embedded default, created on first
//! use) or `postgres://…` / `postgresql://…`.

pub mod postgres;
pub mod sqlite;

use crate::{Error, ErrorKind, Result};

/// A value bound to a statement parameter or inserted in bulk.
///
/// Flags are stored as integers (0 or 1) so that one schema shape serves both backends.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    /// Bytes: `BLOB` in SQLite, `BYTEA` in PostgreSQL (compressed JSON documents).
    Blob(Vec<u8>),
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row; columns are numbered from 0 in `SELECT` order.
pub trait Row {
    fn text(&self, column: usize) -> Result<Option<String>>;
    fn int(&self, column: usize) -> Result<Option<i64>>;
    fn real(&self, column: usize) -> Result<Option<f64>>;
    fn blob(&self, column: usize) -> Result<Option<Vec<u8>>>;

    /// A column that the schema declares `NOT NULL`.
    fn req_text(&self, column: usize) -> Result<String> {
        self.text(column)?.ok_or_else(|| null_column(column))
    }

    /// A bytes column that the schema declares `NOT NULL`.
    fn req_blob(&self, column: usize) -> Result<Vec<u8>> {
        self.blob(column)?.ok_or_else(|| null_column(column))
    }

    /// An integer column that the schema declares `NOT NULL`.
    fn req_int(&self, column: usize) -> Result<i64> {
        self.int(column)?.ok_or_else(|| null_column(column))
    }
}

fn null_column(column: usize) -> Error {
    Error::new(
        ErrorKind::Database,
        format!("column {column} is NULL where the schema forbids it"),
    )
}

/// How many changed rows make a bulk load, after which statistics are refreshed.
pub const BULK: u64 = 20_000;

/// Which database a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection to the tracker's database.
pub trait Db: Send {
    fn backend(&self) -> Backend;

    /// Runs one statement with `$N` parameters; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;

    /// Runs a script of several statements without parameters (migrations).
    fn execute_script(&mut self, sql: &str) -> Result<()>;

    /// Runs one statement and calls `row` for every result row, in order.
    fn query(
        &mut self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&dyn Row) -> Result<()>,
    ) -> Result<()>;

    /// Inserts many rows into `table` (`COPY` on PostgreSQL, one prepared statement on
    /// SQLite). Every row has one value per column. Returns the number of rows.
    fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &mut dyn Iterator<Item = Vec<Value>>,
    ) -> Result<u64>;

    /// Starts a transaction; [`transaction`] is the safe way to use it.
    fn begin(&mut self) -> Result<()>;
    fn commit(&mut self) -> Result<()>;
    fn rollback(&mut self) -> Result<()>;

    /// Lets the query planner see what a bulk load changed in `tables` (callers use it
    /// after loads of at least [`BULK`] rows; it reads a sample of each table). PostgreSQL plans from
    /// sampled statistics that a fresh bulk load leaves empty (it then scans whole tables
    /// where an index would do); SQLite plans from its indexes alone.
    fn refresh_statistics(&mut self, tables: &[&str]) -> Result<()> {
        let _ = tables;
        Ok(())
    }
}

/// Runs `work` in one transaction: committed if it returns `Ok`, rolled back otherwise,
/// so a failed import leaves the previous data as it was.
pub fn transaction<T>(db: &mut dyn Db, work: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
    db.begin()?;
    match work(db) {
        Ok(value) => {
            db.commit()?;
            Ok(value)
        }
        Err(err) => {
            // The work's error says what went wrong; a failed rollback only adds noise.
            let _ = db.rollback();
            Err(err)
        }
    }
}

/// Runs `work` on one consistent view of the store: every read in it sees the same data,
/// whatever other connections commit meanwhile (an export of several formats agrees with
/// itself). Nothing is written; the transaction is rolled back at the end.
pub fn snapshot<T>(db: &mut dyn Db, work: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
    // SQLite: a deferred transaction's first read fixes its snapshot (WAL), without the
    // write lock `begin` takes. PostgreSQL: READ COMMITTED, its default, would give every
    // statement a new snapshot.
    let sql = match db.backend() {
        Backend::Sqlite => "BEGIN DEFERRED",
        Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    db.execute_script(sql)?;
    let result = work(db);
    let ended = db.rollback();
    let value = result?;
    ended?;
    Ok(value)
}

/// Fails unless row `n` (1-based) of a bulk load into `table` has one value per column;
/// both backends check before they send a row.
pub(crate) fn check_row_width(
    table: &str,
    columns: &[&str],
    values: &[Value],
    n: u64,
) -> Result<()> {
    if values.len() == columns.len() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Database,
        format!(
            "row {n} has {} values for {} columns",
            values.len(),
            columns.len()
        ),
    )
    .in_field(table))
}

/// Opens the database at `url` and brings its schema up to date.
pub fn open(url: &str) -> Result<Box<dyn Db>> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        Ok(Box::new(sqlite::SqliteDb::open(std::path::Path::new(
            path,
        ))?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Box::new(postgres::PostgresDb::connect(url)?))
    } else {
        Err(Error::new(
            ErrorKind::Config,
            format!("database URL {url:?} is neither sqlite:PATH nor postgres://…"),
        ))
    }
}

/// The first value of the first row of a query, e.g. a `COUNT(*)`.
pub fn query_int(db: &mut dyn Db, sql: &str, params: &[Value]) -> Result<Option<i64>> {
    let mut out = None;
    db.query(sql, params, &mut |row| {
        if out.is_none() {
            out = row.int(0)?;
        }
        Ok(())
    })?;
    Ok(out)
}

/// A stored key-value setting from the `meta` table.
pub fn get_meta(db: &mut dyn Db, key: &str) -> Result<Option<String>> {
    let mut out = None;
    db.query(
        "SELECT value FROM meta WHERE key = $1",
        &[key.into()],
        &mut |row| {
            out = row.text(0)?;
            Ok(())
        },
    )?;
    Ok(out)
}

/// Sets a key-value setting in the `meta` table.
pub fn set_meta(db: &mut dyn Db, key: &str, value: &str) -> Result<()> {
    db.execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[key.into(), value.into()],
    )?;
    Ok(())
}

/// Counts a committed change of what the store holds (an import or an update), so that
/// readers that cache pages (the web server) know when to read again. Call inside the
/// change's transaction.
pub fn bump_generation(db: &mut dyn Db) -> Result<()> {
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('generation', '1') \
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)",
        &[],
    )?;
    Ok(())
}

/// The store's generation: it changes whenever an import or update commits.
pub fn generation(db: &mut dyn Db) -> Result<i64> {
    Ok(get_meta(db, "generation")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// A migration: its number and the SQL that brings the schema from the previous one.
pub(crate) struct Migration {
    pub version: i64,
    pub sql: &'static str,
}

/// Applies every migration newer than the schema's version, each in its own transaction.
pub(crate) fn migrate(db: &mut dyn Db, migrations: &[Migration]) -> Result<()> {
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)",
        &[],
    )?;
    let current = query_int(db, "SELECT MAX(version) FROM schema_version", &[])?.unwrap_or(0);
    let newest = migrations.last().map_or(0, |m| m.version);
    if current > newest {
        return Err(Error::new(
            ErrorKind::Database,
            format!(
                "the database schema is version {current}, newer than this secfixes knows ({newest}); upgrade secfixes"
            ),
        ));
    }
    for m in migrations.iter().filter(|m| m.version > current) {
        transaction(db, |db| {
            db.execute_script(m.sql)?;
            db.execute(
                "INSERT INTO schema_version (version) VALUES ($1)",
                &[m.version.into()],
            )?;
            Ok(())
        })
        .map_err(|e| {
            Error::new(
                ErrorKind::Database,
                format!("migration {} failed: {e}", m.version),
            )
        })?;
    }
    Ok(())
}

/// `COUNT(*)` of a table, for tests and health pages.
pub fn count(db: &mut dyn Db, table: &str) -> Result<i64> {
    Ok(query_int(db, &format!("SELECT COUNT(*) FROM {table}"), &[])?.unwrap_or(0))
}
