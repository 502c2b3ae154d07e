//! Bringing one slice of a table (say, the secdb fixes of `3.16-main`) in line with a new
//! set of rows, writing only the difference.

use std::collections::{BTreeMap, BTreeSet};

use crate::Result;
use crate::db::{Db, Value};

/// The rows of a slice: key columns → value columns.
pub(crate) type Rows = BTreeMap<Vec<String>, Vec<Option<String>>>;

/// The columns of a slice of `table`: `scope` fixes some columns to constants (the slice),
/// `keys` (with the scope, the primary key) and `values` are the rest.
pub(crate) struct Slice<'a> {
    pub table: &'a str,
    pub scope: &'a [(&'a str, &'a str)],
    pub keys: &'a [&'a str],
    pub values: &'a [&'a str],
}

impl Slice<'_> {
    fn where_scope(&self, first_param: usize) -> String {
        self.scope
            .iter()
            .enumerate()
            .map(|(i, (col, _))| format!("{col} = ${}", first_param + i))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    fn scope_values(&self) -> Vec<Value> {
        self.scope.iter().map(|(_, v)| Value::from(*v)).collect()
    }

    /// The rows stored now.
    pub fn load(&self, db: &mut dyn Db) -> Result<Rows> {
        let cols: Vec<&str> = self.keys.iter().chain(self.values).copied().collect();
        let sql = format!(
            "SELECT {} FROM {} WHERE {}",
            cols.join(", "),
            self.table,
            self.where_scope(1)
        );
        let mut rows = Rows::new();
        let nkeys = self.keys.len();
        db.query(&sql, &self.scope_values(), &mut |row| {
            let mut key = Vec::with_capacity(nkeys);
            for i in 0..nkeys {
                key.push(row.req_text(i)?);
            }
            let mut vals = Vec::with_capacity(self.values.len());
            for i in 0..self.values.len() {
                vals.push(row.text(nkeys + i)?);
            }
            rows.insert(key, vals);
            Ok(())
        })?;
        Ok(rows)
    }

    /// Replaces the rows of a repository's slice whose first key column is the origin,
    /// and marks the origins whose rows changed for the next update.
    pub fn replace_for_packages(
        &self,
        db: &mut dyn Db,
        repo_tag: &str,
        new: &Rows,
    ) -> Result<super::Summary> {
        let changed = self.replace(db, new)?;
        let origins: BTreeSet<&str> = changed.iter().map(|k| k[0].as_str()).collect();
        let items: Vec<(&str, &str)> = origins.into_iter().map(|o| (repo_tag, o)).collect();
        super::mark(db, "package", &items)?;
        Ok(super::Summary {
            records: new.len() as u64,
            changed: changed.len() as u64,
            warnings: Vec::new(),
        })
    }

    /// Replaces the slice's rows with `new`; returns the keys added, changed or removed.
    pub fn replace(&self, db: &mut dyn Db, new: &Rows) -> Result<BTreeSet<Vec<String>>> {
        let old = self.load(db)?;
        let mut changed = BTreeSet::new();
        let removed: Vec<&Vec<String>> = old.keys().filter(|k| !new.contains_key(*k)).collect();
        if !removed.is_empty() {
            let key_match: Vec<String> = self
                .keys
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c} = ${}", self.scope.len() + 1 + i))
                .collect();
            let sql = format!(
                "DELETE FROM {} WHERE {} AND {}",
                self.table,
                self.where_scope(1),
                key_match.join(" AND ")
            );
            for key in removed {
                let mut params = self.scope_values();
                params.extend(key.iter().map(Value::from));
                db.execute(&sql, &params)?;
                changed.insert(key.clone());
            }
        }
        let mut upserts = Vec::new();
        for (key, vals) in new {
            match old.get(key) {
                Some(old_vals) if old_vals == vals => {}
                Some(_) => upserts.push((key, vals)),
                None => {
                    changed.insert(key.clone());
                }
            }
        }
        // Changed values: update in place.
        if !upserts.is_empty() {
            let sets: Vec<String> = self
                .values
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c} = ${}", i + 1))
                .collect();
            let first = self.values.len() + 1;
            let key_match: Vec<String> = self
                .keys
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c} = ${}", first + self.scope.len() + i))
                .collect();
            let sql = format!(
                "UPDATE {} SET {} WHERE {} AND {}",
                self.table,
                sets.join(", "),
                self.where_scope(first),
                key_match.join(" AND ")
            );
            for (key, vals) in upserts {
                let mut params: Vec<Value> = vals.iter().map(|v| v.as_deref().into()).collect();
                params.extend(self.scope_values());
                params.extend(key.iter().map(Value::from));
                db.execute(&sql, &params)?;
                changed.insert(key.clone());
            }
        }
        // New rows: in bulk.
        let columns: Vec<&str> = self
            .scope
            .iter()
            .map(|(c, _)| *c)
            .chain(self.keys.iter().copied())
            .chain(self.values.iter().copied())
            .collect();
        let mut added = new
            .iter()
            .filter(|(k, _)| !old.contains_key(*k))
            .map(|(k, v)| {
                let mut row = self.scope_values();
                row.extend(k.iter().map(Value::from));
                row.extend(v.iter().map(|x| Value::from(x.as_deref())));
                row
            });
        db.insert_rows(self.table, &columns, &mut added)?;
        Ok(changed)
    }
}
