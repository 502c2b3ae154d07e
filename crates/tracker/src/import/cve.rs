//! CVE records from one source (`nvd` or `cve5`), stored as normalised JSON with the
//! product identities their rules name. A record whose content is unchanged is not
//! rewritten (its digest is compared), so re-importing a feed changes nothing.

use std::collections::HashMap;

use secfixes_cve::Cve;

use super::{Summary, mark_cves};
use crate::db::{Backend, Db, Value};
use crate::mapping::ProductKey;
use crate::{Error, ErrorKind, Result};

/// How many records are written per batch.
const BATCH: usize = 2000;

/// A record with its stored form and digest, made where the CPU is free.
#[derive(Debug)]
pub struct Prepared {
    cve: Cve,
    /// The record as deflated JSON.
    doc: Vec<u8>,
    digest: String,
}

impl Prepared {
    pub fn new(cve: Cve) -> Result<Prepared> {
        let doc = serde_json::to_string(&cve).map_err(|e| {
            Error::new(
                ErrorKind::Json,
                format!("{}: cannot serialise: {e}", cve.id),
            )
        })?;
        let digest = super::digest(doc.as_bytes());
        Ok(Prepared {
            cve,
            doc: crate::packed::pack(doc.as_bytes()),
            digest,
        })
    }
}

/// An import of CVE records from one source, fed one record at a time.
#[derive(Debug)]
pub struct CveImport {
    source: &'static str,
    /// Digest of each stored record of this source.
    digests: HashMap<String, String>,
    keys: HashMap<ProductKey, i64>,
    next_key: i64,
    /// Records to write, by id (a later record of the same id replaces an earlier one).
    pending: HashMap<String, (Cve, Vec<u8>, String)>,
    /// Ids in `pending` that are stored already (their old rows go first).
    replacing: Vec<String>,
    summary: Summary,
}

impl CveImport {
    /// Starts an import of records from `source` (`nvd` or `cve5`); call inside the
    /// import's transaction.
    pub fn new(db: &mut dyn Db, source: &'static str) -> Result<CveImport> {
        if db.backend() == Backend::Postgres {
            // Product key ids are assigned here, not by a sequence, so that keys are
            // written in bulk; the lock keeps a concurrent import from taking the same.
            db.execute("LOCK TABLE product_key IN EXCLUSIVE MODE", &[])?;
        }
        let mut digests = HashMap::new();
        db.query(
            "SELECT cve_id, digest FROM cve_record WHERE source = $1",
            &[source.into()],
            &mut |row| {
                digests.insert(row.req_text(0)?, row.req_text(1)?);
                Ok(())
            },
        )?;
        let mut keys = HashMap::new();
        let mut next_key = 1;
        db.query(
            "SELECT id, vendor, product, target_sw, package_name, collection_url FROM product_key",
            &[],
            &mut |row| {
                let id = row.req_int(0)?;
                next_key = next_key.max(id + 1);
                keys.insert(
                    ProductKey {
                        vendor: row.req_text(1)?,
                        product: row.req_text(2)?,
                        target_sw: row.req_text(3)?,
                        package_name: row.req_text(4)?,
                        collection_url: row.req_text(5)?,
                    },
                    id,
                );
                Ok(())
            },
        )?;
        Ok(CveImport {
            source,
            digests,
            keys,
            next_key,
            pending: HashMap::new(),
            replacing: Vec::new(),
            summary: Summary::default(),
        })
    }

    /// Adds one record; written when the batch is full or at [`CveImport::finish`].
    pub fn add(&mut self, db: &mut dyn Db, cve: Cve) -> Result<()> {
        self.add_prepared(db, Prepared::new(cve)?)
    }

    /// Adds a record serialised already (on another thread, say).
    pub fn add_prepared(&mut self, db: &mut dyn Db, prepared: Prepared) -> Result<()> {
        let Prepared { cve, doc, digest } = prepared;
        self.summary.records += 1;
        match self.digests.get(&cve.id) {
            Some(d) if *d == digest => return Ok(()),
            Some(_) if !self.pending.contains_key(&cve.id) => self.replacing.push(cve.id.clone()),
            _ => {}
        }
        self.digests.insert(cve.id.clone(), digest.clone());
        self.pending.insert(cve.id.clone(), (cve, doc, digest));
        if self.pending.len() >= BATCH {
            self.flush(db)?;
        }
        Ok(())
    }

    /// Writes what is left and returns what the import did.
    pub fn finish(mut self, db: &mut dyn Db) -> Result<Summary> {
        self.flush(db)?;
        Ok(self.summary)
    }

    fn flush(&mut self, db: &mut dyn Db) -> Result<()> {
        for chunk in self.replacing.chunks(500) {
            for table in ["cve_record", "cve_product"] {
                let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!(
                    "DELETE FROM {table} WHERE source = $1 AND cve_id IN ({})",
                    marks.join(", ")
                );
                let mut params = vec![Value::from(self.source)];
                params.extend(chunk.iter().map(Value::from));
                db.execute(&sql, &params)?;
            }
        }
        self.replacing.clear();
        let mut pending: Vec<(Cve, Vec<u8>, String)> =
            self.pending.drain().map(|(_, v)| v).collect();
        pending.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        self.summary.changed += pending.len() as u64;

        let mut new_keys = Vec::new();
        let mut products = Vec::new();
        for (cve, _, _) in &pending {
            let mut ids: Vec<i64> = Vec::new();
            for rule in &cve.rules {
                let Some(key) = ProductKey::of(rule) else {
                    continue;
                };
                let id = match self.keys.get(&key) {
                    Some(id) => *id,
                    None => {
                        let id = self.next_key;
                        self.next_key += 1;
                        self.keys.insert(key.clone(), id);
                        new_keys.push(vec![
                            Value::Int(id),
                            key.vendor.into(),
                            key.product.into(),
                            key.target_sw.into(),
                            key.package_name.into(),
                            key.collection_url.into(),
                        ]);
                        id
                    }
                };
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            for id in ids {
                products.push(vec![
                    Value::from(&cve.id),
                    self.source.into(),
                    Value::Int(id),
                ]);
            }
        }
        db.insert_rows(
            "product_key",
            &[
                "id",
                "vendor",
                "product",
                "target_sw",
                "package_name",
                "collection_url",
            ],
            &mut new_keys.into_iter(),
        )?;
        db.insert_rows(
            "cve_product",
            &["cve_id", "source", "key_id"],
            &mut products.into_iter(),
        )?;
        let ids: Vec<&str> = pending.iter().map(|(c, _, _)| c.id.as_str()).collect();
        mark_cves(db, &ids)?;
        let source = self.source;
        db.insert_rows(
            "cve_record",
            &[
                "cve_id",
                "source",
                "modified",
                "digest",
                "doc",
                "description",
            ],
            &mut pending.into_iter().map(|(cve, doc, digest)| {
                vec![
                    Value::from(cve.id),
                    source.into(),
                    cve.last_modified.into(),
                    digest.into(),
                    doc.into(),
                    cve.description.into(),
                ]
            }),
        )?;
        Ok(())
    }
}
