//! Every export at once, as a publishing job runs them after each sync: the formats of
//! the branches asked for, from one snapshot of the store ([`db::snapshot`]), so that
//! the secdb, OSV and OpenVEX files say the same thing even while the store changes.
//!
//! ```text
//! DIR/secdb/<branch>/<repo>.json         secdb (export::secdb), per repository
//! DIR/osv/<branch>/<id>.json             OSV records (export::osv), with
//! DIR/osv/Alpine:<branch>/all.zip          osv.dev's bulk files
//! DIR/osv/Alpine:<branch>/modified_id.csv
//! DIR/openvex/<branch>.json              OpenVEX (export::openvex), per branch
//! DIR/rejections/<repo>.yaml             security-rejections YAML (export::rejections)
//! ```
//!
//! The states of each branch are read once, for both OSV and OpenVEX. Each file is
//! written through a temporary file and renamed; the OSV records are updated in place
//! (see [`osv`]), so running the export again over its own output rewrites only what
//! changed. Branches not asked for are left as they are.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use indicatif::ProgressBar;

use super::secdb::Defaults;
use super::{check_file_name, openvex, osv, rejections, secdb, states, write_file};
use crate::config::Config;
use crate::db::{self, Db};
use crate::{Error, Result};

/// What was written, for the command's report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Each secdb file and its number of packages.
    pub secdb: Vec<(PathBuf, usize)>,
    pub osv: Vec<osv::Written>,
    /// Each OpenVEX document and its number of statements.
    pub openvex: Vec<(PathBuf, usize)>,
    /// Each rejections file and its number of packages.
    pub rejections: Vec<(PathBuf, usize)>,
}

/// Writes every export of `branches` (every branch of the store when empty) into `dir`,
/// created if missing; `progress` counts the branches whose OSV and OpenVEX are written.
pub fn write_dir(
    db: &mut dyn Db,
    config: &Config,
    dir: &Path,
    branches: &[String],
    progress: &ProgressBar,
) -> Result<Written> {
    db::snapshot(db, |db| {
        // An unknown branch is refused before anything is written.
        let chosen = states::branches(db, branches)?;
        for branch in &chosen {
            check_file_name("branch name", &branch.name)?;
        }
        let mut written = Written {
            secdb: write_secdb(db, config, &dir.join("secdb"), &chosen)?,
            rejections: write_rejections(db, &dir.join("rejections"))?,
            ..Written::default()
        };

        let vex_dir = dir.join("openvex");
        std::fs::create_dir_all(&vex_dir).map_err(|e| Error::io(&vex_dir, e))?;
        let generation = db::generation(db)?;
        let vex_options = |branch: &str| openvex::Options {
            branch: branch.to_owned(),
            author: config.distribution.name.clone(),
            tracker_url: config.distribution.url.clone(),
        };
        let documents = Mutex::new(Vec::new());
        let osv_options = osv::Options {
            branches: chosen.iter().map(|b| b.name.clone()).collect(),
            tracker_url: config.distribution.url.clone(),
        };
        let openvex_of = |branch: &str, rows: &[states::StateRow]| -> Result<()> {
            if rows.is_empty() {
                // The OpenVEX schema wants a statement; a branch without states has none.
                return Ok(());
            }
            let doc = openvex::from_states(branch, rows, generation, &vex_options(branch))?;
            let path = vex_dir.join(format!("{branch}.json"));
            write_file(&path, doc.to_json()?.as_bytes()).map_err(|e| Error::io(&path, e))?;
            documents
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((path, doc.statements.len()));
            Ok(())
        };
        written.osv =
            osv::write_dir_and(db, &dir.join("osv"), &osv_options, progress, &openvex_of)?;
        let mut documents = documents
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        documents.sort();
        written.openvex = documents;
        Ok(written)
    })
}

/// `secdb/<branch>/<repo>.json` for every repository of the branches.
fn write_secdb(
    db: &mut dyn Db,
    config: &Config,
    dir: &Path,
    branches: &[states::Branch],
) -> Result<Vec<(PathBuf, usize)>> {
    let mut written = Vec::new();
    for repo in secdb::repos(db)? {
        if !branches.iter().any(|b| b.name == repo.branch) {
            continue;
        }
        check_file_name("repository name", &repo.repo)?;
        let defaults = Defaults::from_config(config, &repo.branch, &repo.repo);
        let doc = secdb::document(db, &repo, &defaults)?;
        let branch_dir = dir.join(&repo.branch);
        std::fs::create_dir_all(&branch_dir).map_err(|e| Error::io(&branch_dir, e))?;
        let path = branch_dir.join(format!("{}.json", repo.repo));
        write_file(&path, secfixes_apk::secdb::to_json(&doc).as_bytes())
            .map_err(|e| Error::io(&path, e))?;
        written.push((path, doc.packages.len()));
    }
    written.sort();
    Ok(written)
}

/// `rejections/<repo>.yaml` for every repository of the store (the files are not per
/// branch: an entry holds where its package is published).
fn write_rejections(db: &mut dyn Db, dir: &Path) -> Result<Vec<(PathBuf, usize)>> {
    let files = rejections::yaml_files(db)?;
    if !files.is_empty() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut written = Vec::new();
    for file in files {
        check_file_name("repository name", &file.repo)?;
        let path = dir.join(file.file_name());
        write_file(&path, file.to_yaml().as_bytes()).map_err(|e| Error::io(&path, e))?;
        written.push((path, file.rejections.packages.len()));
    }
    Ok(written)
}
