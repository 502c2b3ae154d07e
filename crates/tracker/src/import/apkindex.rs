//! Binary packages from an APKINDEX, per repository tag and arch, with their history:
//! when each version first appeared and when it left the index. Origin versions (the
//! source packages states are computed for) are derived from them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use secfixes_apk::apkindex::ApkIndex;

use super::{Summary, mark};
use crate::Result;
use crate::db::{Db, Value};

/// One binary package as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Binary {
    origin: String,
    maintainer: Option<String>,
    build_time: Option<i64>,
    last_seen: Option<i64>,
}

/// Brings the packages of `repo_tag`/`arch` in line with `index`, seen at time `now`,
/// then refreshes the tag's origin versions. Versions apk-tools rejects are imported
/// (apk-tools installs them too) and reported as warnings.
pub fn import(
    db: &mut dyn Db,
    repo_tag: &str,
    arch: &str,
    index: &ApkIndex,
    now: i64,
) -> Result<Summary> {
    let mut invalid = Vec::new();
    let packages = index.packages_with_warnings(&mut invalid)?;
    let mut summary = Summary {
        records: packages.len() as u64,
        warnings: invalid.iter().map(ToString::to_string).collect(),
        ..Summary::default()
    };

    let mut old: HashMap<(String, String), Binary> = HashMap::new();
    db.query(
        "SELECT name, version, origin, maintainer, build_time, last_seen FROM package \
         WHERE repo_tag = $1 AND arch = $2",
        &[repo_tag.into(), arch.into()],
        &mut |row| {
            old.insert(
                (row.req_text(0)?, row.req_text(1)?),
                Binary {
                    origin: row.req_text(2)?,
                    maintainer: row.text(3)?,
                    build_time: row.int(4)?,
                    last_seen: row.int(5)?,
                },
            );
            Ok(())
        },
    )?;

    let mut seen = std::collections::HashSet::with_capacity(packages.len());
    let mut added = Vec::new();
    // Origins whose set of differently named binaries changes: mapping by binary name
    // (`libcurl` → `curl`) depends on it, so their states must be recomputed.
    let mut binaries_changed: BTreeSet<String> = BTreeSet::new();
    for p in &packages {
        let key = (p.name.to_string(), p.version.to_string());
        if !seen.insert(key.clone()) {
            continue;
        }
        let origin = p.origin.as_deref().unwrap_or(&p.name).to_owned();
        let build_time = p.build_time.and_then(|t| i64::try_from(t).ok());
        let maintainer = p.maintainer.as_deref().map(str::to_owned);
        match old.get(&key) {
            // Listed before and still listed: nothing changes.
            Some(b) if b.last_seen.is_none() => {}
            // Back in the index after leaving it.
            Some(b) => {
                if b.origin != key.0 {
                    binaries_changed.insert(b.origin.clone());
                }
                db.execute(
                    "UPDATE package SET last_seen = NULL WHERE repo_tag = $1 AND arch = $2 \
                     AND name = $3 AND version = $4",
                    &[
                        repo_tag.into(),
                        arch.into(),
                        (&key.0).into(),
                        (&key.1).into(),
                    ],
                )?;
                summary.changed += 1;
            }
            None => {
                if origin != key.0 {
                    binaries_changed.insert(origin.clone());
                }
                added.push(vec![
                    Value::from(repo_tag),
                    arch.into(),
                    key.0.clone().into(),
                    key.1.clone().into(),
                    origin.into(),
                    maintainer.into(),
                    build_time.into(),
                    now.into(),
                    Value::Null,
                ]);
            }
        }
    }
    for ((name, version), b) in &old {
        if b.last_seen.is_none() && !seen.contains(&(name.clone(), version.clone())) {
            db.execute(
                "UPDATE package SET last_seen = $1 WHERE repo_tag = $2 AND arch = $3 \
                 AND name = $4 AND version = $5",
                &[
                    now.into(),
                    repo_tag.into(),
                    arch.into(),
                    name.into(),
                    version.into(),
                ],
            )?;
            summary.changed += 1;
            if b.origin != *name {
                binaries_changed.insert(b.origin.clone());
            }
        }
    }
    summary.changed += added.len() as u64;
    db.insert_rows(
        "package",
        &[
            "repo_tag",
            "arch",
            "name",
            "version",
            "origin",
            "maintainer",
            "build_time",
            "first_seen",
            "last_seen",
        ],
        &mut added.into_iter(),
    )?;
    if summary.changed > 0 {
        refresh_origin_versions(db, repo_tag)?;
    }
    let dirty: Vec<(&str, &str)> = binaries_changed
        .iter()
        .map(|o| (repo_tag, o.as_str()))
        .collect();
    mark(db, "package", &dirty)?;
    Ok(summary)
}

/// One origin version derived from its binary packages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct OriginVersion {
    maintainer: Option<String>,
    first_seen: i64,
    last_seen: Option<i64>,
    published: bool,
}

/// Recomputes the origin versions of `repo_tag` from its binary packages (every arch):
/// published while any arch lists a package of it; first seen when the first appeared;
/// the maintainer of the package named like the origin, else of any. Origins whose
/// published versions change are marked for a state update.
pub fn refresh_origin_versions(db: &mut dyn Db, repo_tag: &str) -> Result<()> {
    let mut derived: BTreeMap<(String, String), (OriginVersion, bool)> = BTreeMap::new();
    db.query(
        "SELECT origin, version, name, maintainer, first_seen, last_seen FROM package \
         WHERE repo_tag = $1",
        &[repo_tag.into()],
        &mut |row| {
            let origin = row.req_text(0)?;
            let name = row.req_text(2)?;
            let maintainer = row.text(3)?;
            let first_seen = row.req_int(4)?;
            let last_seen = row.int(5)?;
            let named_like_origin = name == origin;
            let entry = derived
                .entry((origin, row.req_text(1)?))
                .or_insert_with(|| {
                    (
                        OriginVersion {
                            first_seen,
                            ..OriginVersion::default()
                        },
                        false,
                    )
                });
            let (ov, maintainer_from_origin) = entry;
            ov.first_seen = ov.first_seen.min(first_seen);
            match last_seen {
                None => {
                    ov.published = true;
                    ov.last_seen = None;
                }
                Some(t) if !ov.published => {
                    ov.last_seen = Some(ov.last_seen.map_or(t, |l| l.max(t)));
                }
                Some(_) => {}
            }
            if maintainer.is_some()
                && (named_like_origin || (!*maintainer_from_origin && ov.maintainer.is_none()))
            {
                ov.maintainer = maintainer;
                *maintainer_from_origin |= named_like_origin;
            }
            Ok(())
        },
    )?;

    let mut old: HashMap<(String, String), OriginVersion> = HashMap::new();
    db.query(
        "SELECT origin, version, maintainer, first_seen, last_seen, published FROM origin_version \
         WHERE repo_tag = $1",
        &[repo_tag.into()],
        &mut |row| {
            old.insert(
                (row.req_text(0)?, row.req_text(1)?),
                OriginVersion {
                    maintainer: row.text(2)?,
                    first_seen: row.req_int(3)?,
                    last_seen: row.int(4)?,
                    published: row.req_int(5)? != 0,
                },
            );
            Ok(())
        },
    )?;

    let mut added = Vec::new();
    let mut dirty: Vec<(&str, &str)> = Vec::new();
    for ((origin, version), (ov, _)) in &derived {
        match old.get(&(origin.clone(), version.clone())) {
            Some(o) if o == ov => continue,
            Some(o) => {
                db.execute(
                    "UPDATE origin_version SET maintainer = $1, first_seen = $2, last_seen = $3, \
                     published = $4 WHERE repo_tag = $5 AND origin = $6 AND version = $7",
                    &[
                        ov.maintainer.as_deref().into(),
                        ov.first_seen.into(),
                        ov.last_seen.into(),
                        ov.published.into(),
                        repo_tag.into(),
                        origin.into(),
                        version.into(),
                    ],
                )?;
                if o.published != ov.published {
                    dirty.push((repo_tag, origin));
                }
            }
            None => {
                added.push(vec![
                    Value::from(repo_tag),
                    origin.into(),
                    version.into(),
                    ov.maintainer.as_deref().into(),
                    ov.first_seen.into(),
                    ov.last_seen.into(),
                    ov.published.into(),
                ]);
                if ov.published {
                    dirty.push((repo_tag, origin));
                }
            }
        }
    }
    db.insert_rows(
        "origin_version",
        &[
            "repo_tag",
            "origin",
            "version",
            "maintainer",
            "first_seen",
            "last_seen",
            "published",
        ],
        &mut added.into_iter(),
    )?;
    dirty.dedup();
    mark(db, "package", &dirty)
}
