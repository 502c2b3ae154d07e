//! The PostgreSQL store, for deployments where several web and import processes share one
//! database.
//!
//! The synchronous `postgres` client without TLS: the server is expected on loopback or a
//! unix socket. Statements are prepared once per connection and kept; parameters are bound
//! by the type the server inferred for them, so one [`Value`] works in any position
//! (`Value::Null` included). Bulk loads go through binary `COPY … FROM STDIN`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{FromSql, ToSql, Type};
use postgres::{Client, NoTls, Statement};

use super::{Backend, Db, Migration, Row, Value};
use crate::{Error, ErrorKind, Result};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/postgres/0002_browse.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../migrations/postgres/0003_state_summary.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../../migrations/postgres/0004_triage.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("../../migrations/postgres/0005_secdb_export.sql"),
    },
    Migration {
        version: 6,
        sql: include_str!("../../migrations/postgres/0006_ldn_inbox.sql"),
    },
    Migration {
        version: 7,
        sql: include_str!("../../migrations/postgres/0007_ldn_exchange.sql"),
    },
];

/// The advisory lock key held while migrating, so that processes starting together
/// against a fresh database do not race to create the same tables ("secfixes" in ASCII).
const MIGRATION_LOCK: i64 = 0x7365_6366_6978_6573;

/// A connection to a PostgreSQL database.
pub struct PostgresDb {
    client: Client,
    /// The URL without its password, for error messages.
    label: String,
    /// Prepared statements by their SQL text; they live as long as the connection.
    statements: HashMap<String, Statement>,
}

impl std::fmt::Debug for PostgresDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresDb")
            .field("label", &self.label)
            .field("statements", &self.statements.len())
            .finish_non_exhaustive()
    }
}

impl PostgresDb {
    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB` or libpq key-value
    /// form) and migrates the schema. A URL that does not parse is a configuration error;
    /// a server that refuses or cannot be reached is a database error.
    pub fn connect(url: &str) -> Result<PostgresDb> {
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            Error::new(
                ErrorKind::Config,
                format!("invalid PostgreSQL URL {:?}: {e}", redact(url)),
            )
        })?;
        let label = label(&config);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(30));
        }
        let client = config.connect(NoTls).map_err(|e| {
            Error::new(
                ErrorKind::Database,
                format!("cannot connect: {}", message(&e)),
            )
            .in_file(&label)
        })?;
        let mut db = PostgresDb {
            client,
            label,
            statements: HashMap::new(),
        };
        // Statements are prepared once and run many times with `IN ($1, …, $500)` lists;
        // the generic plan PostgreSQL switches to after five runs cannot see the values
        // and scans whole tables (a full update took 22 s instead of 8).
        db.execute_script("SET plan_cache_mode = force_custom_plan")?;
        db.execute_script(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
        let migrated = super::migrate(&mut db, MIGRATIONS);
        let unlocked = db.execute_script(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
        migrated?;
        unlocked?;
        Ok(db)
    }

    /// A database error naming the database and the statement's first line.
    fn err(&self, sql: &str, e: &postgres::Error) -> Error {
        Error::new(ErrorKind::Database, message(e))
            .in_file(&self.label)
            .in_field(first_line(sql))
    }

    /// The cached prepared statement for `sql`, preparing it on first use.
    fn prepare(&mut self, sql: &str) -> Result<Statement> {
        if let Some(stmt) = self.statements.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.client.prepare(sql).map_err(|e| self.err(sql, &e))?;
        self.statements.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }

    /// `params` converted to the types the server inferred for `stmt`'s parameters.
    fn bind<'v>(&self, sql: &str, stmt: &Statement, params: &'v [Value]) -> Result<Vec<Param<'v>>> {
        let types = stmt.params();
        if types.len() != params.len() {
            return Err(Error::new(
                ErrorKind::Database,
                format!(
                    "the statement takes {} parameters but {} were given",
                    types.len(),
                    params.len()
                ),
            )
            .in_file(&self.label)
            .in_field(first_line(sql)));
        }
        params
            .iter()
            .zip(types)
            .enumerate()
            .map(|(i, (value, ty))| {
                Param::new(value, ty).ok_or_else(|| {
                    Error::new(
                        ErrorKind::Database,
                        format!("parameter ${}: cannot bind {value:?} as {ty}", i + 1),
                    )
                    .in_file(&self.label)
                    .in_field(first_line(sql))
                })
            })
            .collect()
    }
}

/// The error text of the server (with its detail and hint) or of the client.
fn message(e: &postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        return e.to_string();
    };
    let mut out = format!("{}: {}", db.severity(), db.message());
    if let Some(detail) = db.detail() {
        let _ = write!(out, " ({detail})");
    }
    if let Some(hint) = db.hint() {
        let _ = write!(out, "; hint: {hint}");
    }
    out
}

fn first_line(sql: &str) -> String {
    let line = sql.trim().lines().next().unwrap_or("");
    line.chars().take(80).collect()
}

/// `postgres://USER@HOST:PORT/DB` from a parsed configuration: what an error message may
/// show of the URL (never the password).
fn label(config: &postgres::Config) -> String {
    let mut out = String::from("postgres://");
    if let Some(user) = config.get_user() {
        let _ = write!(out, "{user}@");
    }
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let mut h = match host {
                postgres::config::Host::Tcp(name) => name.clone(),
                postgres::config::Host::Unix(dir) => dir.display().to_string(),
            };
            let port = config.get_ports().get(i).or(config.get_ports().first());
            if let Some(port) = port {
                let _ = write!(h, ":{port}");
            }
            h
        })
        .collect();
    out.push_str(&hosts.join(","));
    if let Some(db) = config.get_dbname() {
        let _ = write!(out, "/{db}");
    }
    out
}

/// A URL that did not parse, with anything between `://` and `@` after a `:` hidden.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
    format!("{scheme}://{user}@{host}")
}

/// One parameter value in the Rust type that the parameter's SQL type takes.
#[derive(Debug)]
enum Param<'a> {
    I64(Option<i64>),
    I32(Option<i32>),
    I16(Option<i16>),
    Bool(Option<bool>),
    F64(Option<f64>),
    F32(Option<f32>),
    Text(Option<&'a str>),
    Bytes(Option<&'a [u8]>),
}

impl<'a> Param<'a> {
    /// `value` as a parameter of type `ty`, or `None` when it does not fit: an integer
    /// out of range, text for a number, or a type the tracker never uses.
    fn new(value: &'a Value, ty: &Type) -> Option<Param<'a>> {
        let text = <&str as ToSql>::accepts(ty);
        Some(match *ty {
            Type::INT8 => Param::I64(match value {
                Value::Null => None,
                Value::Int(i) => Some(*i),
                _ => return None,
            }),
            Type::INT4 => Param::I32(match value {
                Value::Null => None,
                Value::Int(i) => Some(i32::try_from(*i).ok()?),
                _ => return None,
            }),
            Type::INT2 => Param::I16(match value {
                Value::Null => None,
                Value::Int(i) => Some(i16::try_from(*i).ok()?),
                _ => return None,
            }),
            Type::BOOL => Param::Bool(match value {
                Value::Null => None,
                Value::Int(0) => Some(false),
                Value::Int(1) => Some(true),
                _ => return None,
            }),
            #[allow(clippy::cast_precision_loss)]
            Type::FLOAT8 => Param::F64(match value {
                Value::Null => None,
                Value::Real(r) => Some(*r),
                Value::Int(i) => Some(*i as f64),
                Value::Text(_) | Value::Blob(_) => return None,
            }),
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            Type::FLOAT4 => Param::F32(match value {
                Value::Null => None,
                Value::Real(r) => Some(*r as f32),
                Value::Int(i) => Some(*i as f32),
                Value::Text(_) | Value::Blob(_) => return None,
            }),
            Type::BYTEA => Param::Bytes(match value {
                Value::Null => None,
                Value::Blob(b) => Some(b),
                _ => return None,
            }),
            _ if text => Param::Text(match value {
                Value::Null => None,
                Value::Text(s) => Some(s),
                _ => return None,
            }),
            _ => return None,
        })
    }

    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::I64(v) => v,
            Param::I32(v) => v,
            Param::I16(v) => v,
            Param::Bool(v) => v,
            Param::F64(v) => v,
            Param::F32(v) => v,
            Param::Text(v) => v,
            Param::Bytes(v) => v,
        }
    }
}

/// One result value, decoded from any column type the tracker reads.
#[derive(Debug)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl<'a> FromSql<'a> for Cell {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => Cell::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Cell::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Cell::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Cell::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Cell::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Cell::Real(f32::from_sql(ty, raw)?.into()),
            // `SUM` of a BIGINT column is NUMERIC.
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Cell::Bytes(raw.to_vec()),
            _ if <&str as FromSql>::accepts(ty) => Cell::Text(<&str>::from_sql(ty, raw)?.into()),
            _ => return Err(format!("the tracker does not read {ty} values; cast it").into()),
        })
    }

    fn from_sql_null(
        _: &Type,
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Cell::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A NUMERIC in binary form (digit count, weight, sign, scale, then base-10000 digits):
/// an integer when it has no fraction and fits, a float otherwise.
fn numeric(raw: &[u8]) -> std::result::Result<Cell, Box<dyn std::error::Error + Sync + Send>> {
    let word = |i: usize| -> std::result::Result<u16, Box<dyn std::error::Error + Sync + Send>> {
        raw.get(2 * i..2 * i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "truncated NUMERIC value".into())
    };
    let ndigits = usize::from(word(0)?);
    #[allow(clippy::cast_possible_wrap)]
    let weight = i32::from(word(1)? as i16);
    let sign = word(2)?;
    match sign {
        0x0000 | 0x4000 => {}
        0xC000 => return Ok(Cell::Real(f64::NAN)),
        0xD000 => return Ok(Cell::Real(f64::INFINITY)),
        0xF000 => return Ok(Cell::Real(f64::NEG_INFINITY)),
        _ => return Err(format!("NUMERIC sign {sign:#x}").into()),
    }
    let mut int: Option<i64> = Some(0);
    let mut real = 0.0_f64;
    for i in 0..ndigits {
        let digit = word(4 + i)?;
        #[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
        let exponent = weight - i as i32;
        real += f64::from(digit) * 10_000_f64.powi(exponent);
        int = match (int, u32::try_from(exponent)) {
            (Some(acc), Ok(e)) => 10_000_i64
                .checked_pow(e)
                .and_then(|scale| i64::from(digit).checked_mul(scale))
                .and_then(|v| acc.checked_add(v)),
            (acc, Err(_)) if digit == 0 => acc,
            _ => None,
        };
    }
    let negative = sign == 0x4000;
    Ok(match int {
        Some(v) if negative => Cell::Int(-v),
        Some(v) => Cell::Int(v),
        None if negative => Cell::Real(-real),
        None => Cell::Real(real),
    })
}

struct PostgresRow<'a>(&'a postgres::Row);

impl PostgresRow<'_> {
    fn cell(&self, column: usize) -> Result<Cell> {
        self.0.try_get::<usize, Cell>(column).map_err(|e| {
            let ty = self
                .0
                .columns()
                .get(column)
                .map_or_else(String::new, |c| format!(" ({})", c.type_()));
            Error::new(ErrorKind::Database, format!("column {column}{ty}: {e}"))
        })
    }
}

impl Row for PostgresRow<'_> {
    fn text(&self, column: usize) -> Result<Option<String>> {
        Ok(match self.cell(column)? {
            Cell::Null => None,
            Cell::Text(s) => Some(s),
            Cell::Int(i) => Some(i.to_string()),
            Cell::Real(r) => Some(r.to_string()),
            Cell::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        })
    }

    fn blob(&self, column: usize) -> Result<Option<Vec<u8>>> {
        match self.cell(column)? {
            Cell::Null => Ok(None),
            Cell::Bytes(b) => Ok(Some(b)),
            Cell::Text(s) => Ok(Some(s.into_bytes())),
            other => Err(Error::new(
                ErrorKind::Database,
                format!("column {column} is {other:?}, not bytes"),
            )),
        }
    }

    fn int(&self, column: usize) -> Result<Option<i64>> {
        match self.cell(column)? {
            Cell::Null => Ok(None),
            Cell::Int(i) => Ok(Some(i)),
            other => Err(Error::new(
                ErrorKind::Database,
                format!("column {column} is {other:?}, not an integer"),
            )),
        }
    }

    fn real(&self, column: usize) -> Result<Option<f64>> {
        match self.cell(column)? {
            Cell::Null => Ok(None),
            Cell::Real(r) => Ok(Some(r)),
            #[allow(clippy::cast_precision_loss)]
            Cell::Int(i) => Ok(Some(i as f64)),
            other @ (Cell::Text(_) | Cell::Bytes(_)) => Err(Error::new(
                ErrorKind::Database,
                format!("column {column} is {other:?}, not a number"),
            )),
        }
    }
}

impl Db for PostgresDb {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let stmt = self.prepare(sql)?;
        let bound = self.bind(sql, &stmt, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(Param::as_sql).collect();
        self.client
            .execute(&stmt, &refs)
            .map_err(|e| self.err(sql, &e))
    }

    fn execute_script(&mut self, sql: &str) -> Result<()> {
        // A script may change the schema under the cached statements' plans.
        self.statements.clear();
        self.client
            .batch_execute(sql)
            .map_err(|e| self.err(sql, &e))
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&dyn Row) -> Result<()>,
    ) -> Result<()> {
        let stmt = self.prepare(sql)?;
        let bound = self.bind(sql, &stmt, params)?;
        let label = &self.label;
        let fail = |e: &postgres::Error| {
            Error::new(ErrorKind::Database, message(e))
                .in_file(label)
                .in_field(first_line(sql))
        };
        let mut rows = self
            .client
            .query_raw(&stmt, bound.iter().map(Param::as_sql))
            .map_err(|e| fail(&e))?;
        while let Some(r) = rows.next().map_err(|e| fail(&e))? {
            row(&PostgresRow(&r))?;
        }
        Ok(())
    }

    fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &mut dyn Iterator<Item = Vec<Value>>,
    ) -> Result<u64> {
        let mut rows = rows.peekable();
        if rows.peek().is_none() {
            return Ok(0);
        }
        let columns_sql = columns.join(", ");
        // The client loses track of the connection when a COPY fails as it starts (the
        // server only checks a COPY when it runs it), so a plain statement checks first
        // that the table and columns exist and that the transaction is not aborted; its
        // result columns give the types binary COPY needs.
        let check = format!("SELECT {columns_sql} FROM {table} LIMIT 0");
        let types: Vec<Type> = self
            .client
            .prepare(&check)
            .map_err(|e| self.err(&check, &e))?
            .columns()
            .iter()
            .map(|c| c.type_().clone())
            .collect();
        // Binary COPY: no text escaping, and bytes go as they are (not as hex).
        let sql = format!("COPY {table} ({columns_sql}) FROM STDIN (FORMAT binary)");
        let label = self.label.clone();
        let fail = |msg: String| {
            Error::new(ErrorKind::Database, msg)
                .in_file(&label)
                .in_field(table)
        };
        let sink = self
            .client
            .copy_in(sql.as_str())
            .map_err(|e| fail(message(&e)))?;
        let mut writer = BinaryCopyInWriter::new(sink, &types);
        let mut n: u64 = 0;
        for values in rows {
            // Returning before `finish` drops the writer, which aborts the COPY.
            super::check_row_width(table, columns, &values, n + 1)
                .map_err(|e| e.in_file(&label))?;
            let params = values
                .iter()
                .zip(&types)
                .zip(columns)
                .map(|((value, ty), column)| {
                    Param::new(value, ty).ok_or_else(|| {
                        fail(format!(
                            "row {}: column {column}: cannot store {value:?} as {ty}",
                            n + 1
                        ))
                    })
                })
                .collect::<Result<Vec<Param<'_>>>>()?;
            writer
                .write_raw(params.iter().map(Param::as_sql))
                .map_err(|e| fail(format!("COPY failed: {}", message(&e))))?;
            n += 1;
        }
        writer.finish().map_err(|e| fail(message(&e)))?;
        Ok(n)
    }

    fn begin(&mut self) -> Result<()> {
        self.client
            .batch_execute("BEGIN")
            .map_err(|e| self.err("BEGIN", &e))
    }

    fn commit(&mut self) -> Result<()> {
        self.client
            .batch_execute("COMMIT")
            .map_err(|e| self.err("COMMIT", &e))
    }

    fn refresh_statistics(&mut self, tables: &[&str]) -> Result<()> {
        if tables.is_empty() {
            return Ok(());
        }
        self.execute_script(&format!("ANALYZE {}", tables.join(", ")))
    }

    fn rollback(&mut self) -> Result<()> {
        self.client
            .batch_execute("ROLLBACK")
            .map_err(|e| self.err("ROLLBACK", &e))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn labels_and_redaction_never_show_the_password() {
        let config: postgres::Config = "postgres://alice:secret@127.0.0.1:5433/tracker"
            .parse()
            .unwrap();
        assert_eq!(label(&config), "postgres://alice@127.0.0.1:5433/tracker");
        assert_eq!(
            redact("postgres://alice:secret@host/db?x=%"),
            "postgres://alice@host/db?x=%"
        );
    }

    #[test]
    fn numeric_decodes_integers_and_fractions() {
        // 123456789 = 1|2345|6789, weight 2, positive.
        let raw = [0, 3, 0, 2, 0, 0, 0, 0, 0, 1, 0x09, 0x29, 0x1A, 0x85];
        assert!(matches!(numeric(&raw).unwrap(), Cell::Int(123_456_789)));
        // -1.5 = 1|5000, weight 0, negative, scale 1.
        let raw = [0, 2, 0, 0, 0x40, 0, 0, 1, 0, 1, 0x13, 0x88];
        assert!(matches!(numeric(&raw).unwrap(), Cell::Real(r) if (r + 1.5).abs() < 1e-12));
        // Zero has no digits.
        assert!(matches!(
            numeric(&[0, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
            Cell::Int(0)
        ));
        assert!(numeric(&[0, 2, 0, 0]).is_err());
    }
}
