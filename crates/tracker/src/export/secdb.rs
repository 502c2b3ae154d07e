//! The fixes of one repository as secdb JSON, in secdb.alpinelinux.org's shape, so that
//! the scanners that read `https://secdb.alpinelinux.org/v3.16/main.json` (Trivy, Grype,
//! Clair, osv.dev's converter) read the export unchanged:
//!
//! ```json
//! {
//!   "apkurl": "{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
//!   "archs": ["aarch64", "x86_64"],
//!   "reponame": "main",
//!   "urlprefix": "https://dl-cdn.alpinelinux.org/alpine",
//!   "distroversion": "v3.16",
//!   "packages": [
//!     {"pkg": {"name": "zlib", "secfixes": {"0": ["CVE-2023-45853"], "1.2.12-r2": ["CVE-2022-37434"]}}}
//!   ]
//! }
//! ```
//!
//! [`export`] builds the [`SecDb`]; [`secfixes_apk::secdb::to_json`] writes it (2-space
//! indent, no newline at the end, as secdb.alpinelinux.org's files are written).
//!
//! # What is exported
//!
//! Every `fix` row of the repository tag, whatever its source — the secdb imported for
//! it and the `# secfixes:` blocks of its APKBUILDs (`aports`) — once: a (package,
//! version, id) that both sources record is one entry. A `"0"` version key says the
//! package was never affected by the ids under it. Rejections, imported or made through
//! triage, are not fixes and are not exported here (`export rejections` writes them).
//!
//! # How it is written
//!
//! The store keeps, beside the `fix` rows, the document each source was imported from
//! (table `fix_document`, see [`crate::import::fixes::store_document`]). The fix rows
//! say *what* is exported; the documents say *how*:
//!
//! 1. With an imported secdb, the export is that document: its header (every key, in
//!    its order, unknown keys too), its packages, versions and ids in their order, every
//!    id as written (notes and their spacing), repeated ids and empty lists as they were.
//!    So exporting what was imported gives back the same document, byte for byte for
//!    the files written the way secdb.alpinelinux.org writes them. An entry whose fix
//!    row is gone is left out (and a version or package that only such entries made).
//! 2. Then the fixes the secdb does not have, from the APKBUILDs: ids in the order of
//!    the APKBUILD, as written there. Fix rows that neither document has (stores
//!    imported before the documents were kept) follow, ids in [`id_order`], each with
//!    its note.
//! 3. These are added to the document so: an id to the list of its version when the
//!    package has that version; a new version at the end of its package's versions; a
//!    new package after the secdb's packages. New versions and new packages are in byte
//!    order, which is how secdb.alpinelinux.org orders both (`"0"` first, then
//!    `1.35.0-r15` before `1.35.0-r7`).
//!
//! Without an imported secdb the header is secdb.alpinelinux.org's: the [`APKURL`]
//! template, `archs` (the configured architectures, or those of the repository's
//! packages in the store, sorted), `reponame` and `distroversion` (the repository and
//! branch), and `urlprefix` from [`Defaults`] (the mirror the configured APKINDEX URLs
//! start with, else [`URLPREFIX`]).
//!
//! The export reads the store in four streamed queries (the repository tags, the
//! documents of the tag, its fix rows, and the architectures only when it needs them),
//! never one per package.

use std::collections::{BTreeMap, HashMap};

use secfixes_apk::secdb::{self, FixVersion, Package, SecDb, SecfixId, Secfixes};

use super::id_order;
use super::rejections::RepoTag;
use crate::config::{Config, Source};
use crate::db::Db;
use crate::engine::FixSource;
use crate::{Error, ErrorKind, Result, packed};

/// secdb.alpinelinux.org's URL template of a package file.
pub const APKURL: &str =
    "{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk";

/// secdb.alpinelinux.org's `urlprefix`: Alpine's CDN mirror.
pub const URLPREFIX: &str = "https://dl-cdn.alpinelinux.org/alpine";

/// The header of a repository without an imported secdb.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defaults {
    /// `urlprefix`; [`URLPREFIX`] when `None`.
    pub urlprefix: Option<String>,
    /// `archs`; when `None`, the architectures of the repository's packages in the
    /// store, sorted.
    pub archs: Option<Vec<String>>,
}

impl Defaults {
    /// What the configuration says of `repo` on `branch` (`v3.16`, `main`): its
    /// architectures (sorted, as secdb.alpinelinux.org lists them), and the mirror when
    /// every APKINDEX is a URL `<mirror>/<branch>/<repo>/<arch>/APKINDEX.tar.gz` with the
    /// same `<mirror>`. Nothing for a repository the configuration does not name.
    pub fn from_config(config: &Config, branch: &str, repo: &str) -> Defaults {
        let Some((_, r)) = config
            .repos()
            .find(|(b, r)| b.name == branch && r.name == repo)
        else {
            return Defaults::default();
        };
        let mut archs: Vec<String> = r.apkindex.iter().map(|(arch, _)| arch.clone()).collect();
        archs.sort();
        archs.dedup();
        let mut prefixes = r.apkindex.iter().map(|(arch, source)| match source {
            Source::Url(url) => url
                .strip_suffix(&format!("/{branch}/{repo}/{arch}/APKINDEX.tar.gz"))
                .map(str::to_owned),
            Source::Path(_) => None,
        });
        let first = prefixes.next().flatten();
        let urlprefix = first.filter(|p| prefixes.all(|q| q.as_ref() == Some(p)));
        Defaults {
            urlprefix,
            archs: (!archs.is_empty()).then_some(archs),
        }
    }
}

/// Every repository tag of the store, by tag.
pub fn repos(db: &mut dyn Db) -> Result<Vec<RepoTag>> {
    let mut tags: Vec<RepoTag> = crate::browse::repos(db)?
        .into_iter()
        .map(|(tag, branch, repo)| RepoTag { tag, branch, repo })
        .collect();
    // In byte order: PostgreSQL's ORDER BY follows the database's collation.
    tags.sort_by(|a, b| a.tag.cmp(&b.tag));
    Ok(tags)
}

/// The repository `repo` of `branch` (`main`, `v3.16`); an error naming what the store
/// has when it has no such branch or repository.
pub fn find_repo(db: &mut dyn Db, branch: &str, repo: &str) -> Result<RepoTag> {
    let tags = repos(db)?;
    if let Some(found) = tags.iter().find(|t| t.branch == branch && t.repo == repo) {
        return Ok(found.clone());
    }
    let known = |names: Vec<&str>| {
        let mut names = names;
        names.sort_unstable();
        names.dedup();
        if names.is_empty() {
            "none: import an index or a secdb first".to_owned()
        } else {
            names.join(", ")
        }
    };
    let on_branch: Vec<&str> = tags
        .iter()
        .filter(|t| t.branch == branch)
        .map(|t| t.repo.as_str())
        .collect();
    let message = if on_branch.is_empty() {
        let branches = tags.iter().map(|t| t.branch.as_str()).collect();
        format!(
            "no branch {branch:?} in the database (known: {})",
            known(branches)
        )
    } else {
        format!(
            "branch {branch:?} has no repository {repo:?} in the database (known: {})",
            known(on_branch)
        )
    };
    Err(Error::new(ErrorKind::Config, message))
}

/// The secdb document of `repo` on `branch` (`main`, `v3.16`); see the module
/// documentation for what it holds and in which order.
pub fn export(db: &mut dyn Db, branch: &str, repo: &str, defaults: &Defaults) -> Result<SecDb> {
    let tag = find_repo(db, branch, repo)?;
    document(db, &tag, defaults)
}

/// [`export`] for a repository tag found with [`find_repo`] or [`repos`].
pub fn document(db: &mut dyn Db, repo: &RepoTag, defaults: &Defaults) -> Result<SecDb> {
    let (imported, aports) = documents(db, &repo.tag)?;
    let mut fixes = fixes(db, &repo.tag)?;
    let mut out = match imported {
        Some(doc) => doc,
        None => header(db, repo, defaults)?,
    };
    keep_recorded(&mut out, &mut fixes);
    let mut added: Added = BTreeMap::new();
    if let Some(aports) = aports {
        take_from(aports, &mut fixes, &mut added);
    }
    take_rest(fixes, &mut added);
    add(&mut out, added);
    Ok(out)
}

/// Whether a fix row is in the export yet, and from which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    No,
    FromSecdb,
    FromAports,
}

#[derive(Debug)]
struct Fix {
    note: Option<String>,
    written: Written,
}

/// The fix rows of a tag: origin → version → id → fix.
type Fixes = HashMap<String, HashMap<String, HashMap<String, Fix>>>;

/// What goes into the document after the imported secdb: origin → version → ids, in
/// byte order of origin and version.
type Added = BTreeMap<String, BTreeMap<String, Vec<SecfixId>>>;

/// The imported secdb document and the aports document of `tag`, if stored.
fn documents(db: &mut dyn Db, tag: &str) -> Result<(Option<SecDb>, Option<SecDb>)> {
    let mut stored = Vec::new();
    db.query(
        "SELECT source, doc FROM fix_document WHERE repo_tag = $1",
        &[tag.into()],
        &mut |row| {
            stored.push((row.req_text(0)?, row.req_blob(1)?));
            Ok(())
        },
    )?;
    let (mut imported, mut aports) = (None, None);
    for (source, bytes) in stored {
        let slot = match FixSource::parse(&source) {
            Some(FixSource::Secdb) => &mut imported,
            Some(FixSource::Aports) => &mut aports,
            None => continue,
        };
        let text = packed::unpack(&bytes)?;
        // Diagnostics were reported when the document was imported.
        let doc = secdb::from_json(&text).map_err(|e| {
            Error::new(
                ErrorKind::Database,
                format!("the stored {source} document of {tag} does not read back: {e}"),
            )
        })?;
        *slot = Some(doc.value);
    }
    Ok((imported, aports))
}

/// Every fix row of `tag`, whatever its source (one entry for a fix both record; the
/// secdb's note wins).
fn fixes(db: &mut dyn Db, tag: &str) -> Result<Fixes> {
    let mut fixes = Fixes::new();
    db.query(
        "SELECT origin, version, vuln_id, note, source FROM fix WHERE repo_tag = $1",
        &[tag.into()],
        &mut |row| {
            let note = row.text(3)?;
            let secdb = row.req_text(4)? == FixSource::Secdb.as_str();
            let fix = fixes
                .entry(row.req_text(0)?)
                .or_default()
                .entry(row.req_text(1)?)
                .or_default()
                .entry(row.req_text(2)?)
                .or_insert(Fix {
                    note: None,
                    written: Written::No,
                });
            if fix.note.is_none() || secdb {
                fix.note = note.or(fix.note.take());
            }
            Ok(())
        },
    )?;
    Ok(fixes)
}

/// secdb.alpinelinux.org's header for a repository without an imported secdb.
fn header(db: &mut dyn Db, repo: &RepoTag, defaults: &Defaults) -> Result<SecDb> {
    let archs = match &defaults.archs {
        Some(archs) => archs.clone(),
        None => {
            let mut archs = Vec::new();
            db.query(
                "SELECT DISTINCT arch FROM package WHERE repo_tag = $1",
                &[repo.tag.as_str().into()],
                &mut |row| {
                    archs.push(row.req_text(0)?);
                    Ok(())
                },
            )?;
            // Sorted here, not by ORDER BY: PostgreSQL would sort by its collation.
            archs.sort();
            archs
        }
    };
    let mut doc = SecDb::new();
    doc.apkurl = Some(APKURL.to_owned());
    doc.archs = Some(archs);
    doc.reponame = Some(repo.repo.clone());
    doc.urlprefix = Some(
        defaults
            .urlprefix
            .clone()
            .unwrap_or_else(|| URLPREFIX.to_owned()),
    );
    doc.distroversion = Some(repo.branch.clone());
    Ok(doc)
}

/// Keeps the entries of the imported document that have a fix row (all of them, unless
/// the store changed behind the import), with the versions and packages written empty;
/// marks their rows written.
fn keep_recorded(doc: &mut SecDb, fixes: &mut Fixes) {
    doc.packages.retain_mut(|pkg| {
        if pkg.secfixes.is_empty() {
            return true;
        }
        let mut versions = fixes.get_mut(&pkg.name);
        pkg.secfixes.retain(|version, ids| {
            if ids.is_empty() {
                return true;
            }
            let Some(by_id) = versions
                .as_deref_mut()
                .and_then(|v| v.get_mut(version.as_str()))
            else {
                return false;
            };
            ids.retain(|id| match by_id.get_mut(id.id()) {
                Some(fix) => {
                    fix.written = Written::FromSecdb;
                    true
                }
                None => false,
            });
            !ids.is_empty()
        });
        !pkg.secfixes.is_empty()
    });
}

/// The entries of the aports document that the secdb did not have, as the APKBUILD
/// wrote them.
fn take_from(aports: SecDb, fixes: &mut Fixes, added: &mut Added) {
    for pkg in aports.packages {
        let Some(versions) = fixes.get_mut(&pkg.name) else {
            continue;
        };
        for (version, ids) in pkg.secfixes {
            let Some(by_id) = versions.get_mut(version.as_str()) else {
                continue;
            };
            for id in ids {
                let Some(fix) = by_id.get_mut(id.id()) else {
                    continue;
                };
                if fix.written == Written::FromSecdb {
                    continue;
                }
                fix.written = Written::FromAports;
                added
                    .entry(pkg.name.clone())
                    .or_default()
                    .entry(version.as_str().to_owned())
                    .or_default()
                    .push(id);
            }
        }
    }
}

/// The fix rows no document has, ids in [`id_order`].
fn take_rest(fixes: Fixes, added: &mut Added) {
    for (origin, versions) in fixes {
        for (version, by_id) in versions {
            let mut rest: Vec<(String, Option<String>)> = by_id
                .into_iter()
                .filter(|(_, fix)| fix.written == Written::No)
                .map(|(id, fix)| (id, fix.note))
                .collect();
            if rest.is_empty() {
                continue;
            }
            rest.sort_by(|a, b| id_order(&a.0, &b.0).then_with(|| a.1.cmp(&b.1)));
            added
                .entry(origin.clone())
                .or_default()
                .entry(version)
                .or_default()
                .extend(
                    rest.iter()
                        .map(|(id, note)| SecfixId::with_note(id, note.as_deref())),
                );
        }
    }
}

/// Adds `added` to the document: ids to their version, versions to their package,
/// packages after the document's.
fn add(doc: &mut SecDb, added: Added) {
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, pkg) in doc.packages.iter().enumerate() {
        index.entry(pkg.name.clone()).or_insert(i);
    }
    for (origin, versions) in added {
        let secfixes = match index.get(&origin) {
            Some(&i) => &mut doc.packages[i].secfixes,
            None => {
                doc.packages
                    .push(Package::with_secfixes(origin, Secfixes::new()));
                let last = doc.packages.len() - 1;
                &mut doc.packages[last].secfixes
            }
        };
        for (version, ids) in versions {
            secfixes
                .entry(FixVersion::parse(&version))
                .or_default()
                .extend(ids);
        }
    }
}
