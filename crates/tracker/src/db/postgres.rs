//! The PostgreSQL store (being written).

use super::{Backend, Db, Row, Value};
use crate::{Error, ErrorKind, Result};

/// A connection to a PostgreSQL database.
#[derive(Debug)]
pub struct PostgresDb {}

impl PostgresDb {
    /// Connects to `url` and migrates the schema.
    pub fn connect(url: &str) -> Result<PostgresDb> {
        Err(Error::new(
            ErrorKind::Database,
            format!("PostgreSQL is not supported yet: {url}"),
        ))
    }
}

impl Db for PostgresDb {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }
    fn execute(&mut self, _: &str, _: &[Value]) -> Result<u64> {
        unimplemented!()
    }
    fn execute_script(&mut self, _: &str) -> Result<()> {
        unimplemented!()
    }
    fn query(
        &mut self,
        _: &str,
        _: &[Value],
        _: &mut dyn FnMut(&dyn Row) -> Result<()>,
    ) -> Result<()> {
        unimplemented!()
    }
    fn insert_rows(
        &mut self,
        _: &str,
        _: &[&str],
        _: &mut dyn Iterator<Item = Vec<Value>>,
    ) -> Result<u64> {
        unimplemented!()
    }
    fn begin(&mut self) -> Result<()> {
        unimplemented!()
    }
    fn commit(&mut self) -> Result<()> {
        unimplemented!()
    }
    fn rollback(&mut self) -> Result<()> {
        unimplemented!()
    }
}
