//! Fixes recorded by the distribution: the secdb JSON of a repository, or the
//! `# secfixes:` blocks of its APKBUILDs read straight from an aports checkout.

use std::path::Path;

use secfixes_apk::secdb::{self, SecDb};
use secfixes_apk::{Error, ErrorKind, apkbuild};

use super::Summary;
use super::rows::{Rows, Slice};
use crate::Result;
use crate::db::Db;
use crate::engine::FixSource;

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

/// Imports a secdb document as the secdb fixes of `repo_tag`.
pub fn import_secdb(db: &mut dyn Db, repo_tag: &str, doc: &SecDb) -> Result<Summary> {
    import(db, repo_tag, FixSource::Secdb, &doc.packages)
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
    summary.warnings = warnings;
    Ok(summary)
}
