//! Fixes recorded by the distribution: the secdb JSON of a repository, or the
//! `# secfixes:` blocks of its APKBUILDs read straight from an aports checkout.

use std::path::Path;

use secfixes_apk::secdb::{self, SecDb};
use secfixes_apk::{Error, ErrorKind, apkbuild};

use super::Summary;
use super::rows::{Rows, Slice};
use crate::db::{Db, Value};
use crate::engine::FixSource;
use crate::{Result, packed};

/// Replaces the fixes of `source` for `repo_tag` with those of `packages`.
pub fn import(
    db: &mut dyn Db,
    repo_tag: &str,
    source: FixSource,
    packages: &[secdb::Package],
) -> Result<Summary> {
    let mut rows = Rows::new();
    for pkg in packages {
        for (version, ids) in &pkg.secfixes {
            for id in ids {
                rows.insert(
                    vec![
                        pkg.name.clone(),
                        id.id().to_owned(),
                        version.as_str().to_owned(),
                    ],
                    vec![id.note().map(str::to_owned)],
                );
            }
        }
    }
    let slice = Slice {
        table: "fix",
        scope: &[("repo_tag", repo_tag), ("source", source.as_str())],
        keys: &["origin", "vuln_id", "version"],
        values: &["note"],
    };
    slice.replace_for_packages(db, repo_tag, &rows)
}

/// Imports a secdb document as the secdb fixes of `repo_tag`, and keeps the document
/// (see [`store_document`]).
pub fn import_secdb(db: &mut dyn Db, repo_tag: &str, doc: &SecDb) -> Result<Summary> {
    let summary = import(db, repo_tag, FixSource::Secdb, &doc.packages)?;
    store_document(db, repo_tag, FixSource::Secdb, doc)?;
    Ok(summary)
}

/// Keeps `doc` as the document that the `source` fixes of `repo_tag` were imported
/// from (table `fix_document`): what [`crate::export::secdb`] needs to write them back
/// as they were written (header, order, ids as written, repeats, empty lists). The
/// `fix` rows stay what says which fixes there are. An unchanged document is not
/// rewritten; returns whether it changed. A changed document does not count as a
/// changed row in the import's [`Summary`]: no state depends on it.
pub fn store_document(
    db: &mut dyn Db,
    repo_tag: &str,
    source: FixSource,
    doc: &SecDb,
) -> Result<bool> {
    let json = secdb::to_json(doc);
    let digest = super::digest(json.as_bytes());
    let mut stored = None;
    db.query(
        "SELECT digest FROM fix_document WHERE repo_tag = $1 AND source = $2",
        &[repo_tag.into(), source.as_str().into()],
        &mut |row| {
            stored = row.text(0)?;
            Ok(())
        },
    )?;
    if stored.as_deref() == Some(digest.as_str()) {
        return Ok(false);
    }
    db.execute(
        "INSERT INTO fix_document (repo_tag, source, digest, doc) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (repo_tag, source) DO UPDATE SET digest = excluded.digest, doc = excluded.doc",
        &[
            repo_tag.into(),
            source.as_str().into(),
            digest.into(),
            Value::from(packed::pack(json.as_bytes())),
        ],
    )?;
    Ok(true)
}

/// Reads the `# secfixes:` block of every `<origin>/APKBUILD` under `dir` (one aports
/// repository, e.g. `aports/main`) and imports them as the aports fixes of `repo_tag`.
/// An APKBUILD without a block records no fixes; problems in a block are warnings.
pub fn import_aports(db: &mut dyn Db, repo_tag: &str, dir: &Path) -> Result<Summary> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path().join("APKBUILD");
        if path.is_file() {
            names.push((entry.file_name().to_string_lossy().into_owned(), path));
        }
    }
    names.sort();
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    for (dir_name, path) in names {
        let parsed = apkbuild::read(&path)?;
        warnings.extend(
            parsed
                .diagnostics
                .iter()
                .map(|d| format!("{}: {d}", path.display())),
        );
        let build = parsed.value;
        if build.secfixes.is_empty() {
            continue;
        }
        // The directory is the origin's name; pkgname may be computed by shell code.
        let name = build.name().map_or(dir_name, str::to_owned);
        packages.push(secdb::Package::with_secfixes(name, build.secfixes));
    }
    if packages.is_empty() && warnings.is_empty() && !dir.is_dir() {
        return Err(Error::new(ErrorKind::Io, "not a directory").in_file(dir));
    }
    let mut summary = import(db, repo_tag, FixSource::Aports, &packages)?;
    // The blocks as the packages of a secdb document, in directory order, each with its
    // versions and ids as the APKBUILD lists them.
    let mut doc = SecDb::new();
    doc.packages = packages;
    store_document(db, repo_tag, FixSource::Aports, &doc)?;
    summary.warnings = warnings;
    Ok(summary)
}
