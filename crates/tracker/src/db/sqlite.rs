//! The embedded default store: one SQLite file in WAL mode, created on first use.

use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;

use super::{Backend, Db, Migration, Row, Value};
use crate::{Error, ErrorKind, Result};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/sqlite/0002_browse.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../migrations/sqlite/0003_state_summary.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../../migrations/sqlite/0004_triage.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("../../migrations/sqlite/0005_secdb_export.sql"),
    },
    Migration {
        version: 6,
        sql: include_str!("../../migrations/sqlite/0006_ldn_inbox.sql"),
    },
    Migration {
        version: 7,
        sql: include_str!("../../migrations/sqlite/0007_ldn_exchange.sql"),
    },
];

/// A connection to a SQLite database file.
#[derive(Debug)]
pub struct SqliteDb {
    conn: rusqlite::Connection,
    path: PathBuf,
}

impl SqliteDb {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<SqliteDb> {
        let conn = rusqlite::Connection::open(path).map_err(|e| db_error(path, &e))?;
        // WAL lets the web server read while an import writes; NORMAL is durable at
        // every checkpoint and much faster than FULL for bulk imports. Reads through a
        // memory map (up to 4 GiB of the file) skip a copy per page: the exports of a
        // scale-1.0 store read most of it (BENCHMARKS.md, exports: 12.0 -> 9.3 s).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA busy_timeout = 30000; PRAGMA cache_size = -65536; \
             PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 4294967296;",
        )
        .map_err(|e| db_error(path, &e))?;
        let mut db = SqliteDb {
            conn,
            path: path.to_path_buf(),
        };
        super::migrate(&mut db, MIGRATIONS)?;
        Ok(db)
    }

    fn err(&self, sql: &str, e: &rusqlite::Error) -> Error {
        db_error(&self.path, e).in_field(first_line(sql))
    }
}

fn first_line(sql: &str) -> String {
    let line = sql.trim().lines().next().unwrap_or("");
    line.chars().take(80).collect()
}

fn db_error(path: &Path, e: &rusqlite::Error) -> Error {
    Error::new(ErrorKind::Database, e.to_string()).in_file(path)
}

/// `$N` (the SQL both backends are written in) to SQLite's `?N`.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

fn to_sql(v: &Value) -> rusqlite::types::ToSqlOutput<'_> {
    use rusqlite::types::ToSqlOutput;
    match v {
        Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
        Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
        Value::Real(r) => ToSqlOutput::Borrowed(ValueRef::Real(*r)),
        Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
    }
}

fn bind(stmt: &mut rusqlite::Statement<'_>, params: &[Value]) -> rusqlite::Result<()> {
    for (i, p) in params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, to_sql(p))?;
    }
    Ok(())
}

struct SqliteRow<'a, 'b>(&'a rusqlite::Row<'b>);

impl Row for SqliteRow<'_, '_> {
    fn text(&self, column: usize) -> Result<Option<String>> {
        match self.0.get_ref(column).map_err(row_error)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) | ValueRef::Blob(t) => {
                Ok(Some(String::from_utf8_lossy(t).into_owned()))
            }
            ValueRef::Integer(i) => Ok(Some(i.to_string())),
            ValueRef::Real(r) => Ok(Some(r.to_string())),
        }
    }

    fn int(&self, column: usize) -> Result<Option<i64>> {
        match self.0.get_ref(column).map_err(row_error)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(i) => Ok(Some(i)),
            other => Err(Error::new(
                ErrorKind::Database,
                format!("column {column} is {:?}, not an integer", other.data_type()),
            )),
        }
    }

    fn blob(&self, column: usize) -> Result<Option<Vec<u8>>> {
        match self.0.get_ref(column).map_err(row_error)? {
            ValueRef::Null => Ok(None),
            ValueRef::Blob(b) | ValueRef::Text(b) => Ok(Some(b.to_vec())),
            other => Err(Error::new(
                ErrorKind::Database,
                format!("column {column} is {:?}, not bytes", other.data_type()),
            )),
        }
    }

    fn real(&self, column: usize) -> Result<Option<f64>> {
        match self.0.get_ref(column).map_err(row_error)? {
            ValueRef::Null => Ok(None),
            ValueRef::Real(r) => Ok(Some(r)),
            #[allow(clippy::cast_precision_loss)]
            ValueRef::Integer(i) => Ok(Some(i as f64)),
            other => Err(Error::new(
                ErrorKind::Database,
                format!("column {column} is {:?}, not a number", other.data_type()),
            )),
        }
    }
}

fn row_error(e: rusqlite::Error) -> Error {
    Error::new(ErrorKind::Database, e.to_string())
}

impl Db for SqliteDb {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut stmt = self
            .conn
            .prepare_cached(&placeholders(sql))
            .map_err(|e| db_error(&self.path, &e).in_field(first_line(sql)))?;
        bind(&mut stmt, params).map_err(|e| db_error(&self.path, &e))?;
        let n = stmt
            .raw_execute()
            .map_err(|e| db_error(&self.path, &e).in_field(first_line(sql)))?;
        Ok(n as u64)
    }

    fn execute_script(&mut self, sql: &str) -> Result<()> {
        self.conn
            .execute_batch(sql)
            .map_err(|e| db_error(&self.path, &e))
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&dyn Row) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(&placeholders(sql))
            .map_err(|e| db_error(&self.path, &e).in_field(first_line(sql)))?;
        bind(&mut stmt, params).map_err(|e| db_error(&self.path, &e))?;
        let mut rows = stmt.raw_query();
        loop {
            match rows.next() {
                Ok(Some(r)) => row(&SqliteRow(r))?,
                Ok(None) => return Ok(()),
                Err(e) => return Err(db_error(&self.path, &e).in_field(first_line(sql))),
            }
        }
    }

    fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &mut dyn Iterator<Item = Vec<Value>>,
    ) -> Result<u64> {
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            marks.join(", ")
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| db_error(&self.path, &e).in_field(table))?;
        let mut n = 0;
        for values in rows {
            super::check_row_width(table, columns, &values, n + 1)?;
            bind(&mut stmt, &values).map_err(|e| db_error(&self.path, &e))?;
            stmt.raw_execute()
                .map_err(|e| db_error(&self.path, &e).in_field(table))?;
            n += 1;
        }
        Ok(n)
    }

    fn begin(&mut self) -> Result<()> {
        // IMMEDIATE takes the write lock now, so two importers queue instead of failing
        // half-way with SQLITE_BUSY.
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err("BEGIN", &e))
    }

    fn commit(&mut self) -> Result<()> {
        self.conn
            .execute_batch("COMMIT")
            .map_err(|e| self.err("COMMIT", &e))
    }

    fn rollback(&mut self) -> Result<()> {
        self.conn
            .execute_batch("ROLLBACK")
            .map_err(|e| self.err("ROLLBACK", &e))
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn numbered_parameters_become_sqlite_ones() {
        assert_eq!(
            placeholders("SELECT $1, $12 WHERE a = '$' AND b = $2"),
            "SELECT ?1, ?12 WHERE a = '$' AND b = ?2"
        );
    }
}
