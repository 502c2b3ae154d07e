//! `export::all` on both backends, on the bundled demo with a triage rejection: every
//! file is byte for byte what the export of its own format writes (secdb per repository,
//! the OSV tree, OpenVEX per branch, the rejections YAML), published 0644; a second run
//! over the same directory changes nothing; a branch asked for that the store lacks is
//! refused before anything is written.
#![allow(clippy::unwrap_used)]

mod support;

fn hidden() -> indicatif::ProgressBar {
    indicatif::ProgressBar::hidden()
}

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secfixes_tracker::db::{Db, Value};
use secfixes_tracker::export::secdb::{self, Defaults};
use secfixes_tracker::export::{all, openvex, osv, rejections};
use secfixes_tracker::{demo, sync, update};

/// The demo, with a triage rejection on 3.22-main and the states recomputed.
fn fixture(db: &mut dyn Db) {
    demo::load(db, &sync::Quiet).unwrap();
    db.execute(
        "INSERT INTO rejection (repo_tag, origin, vuln_id, source, reason, rationale, actor, \
         actor_role, created_at) VALUES ('3.22-main', 'curl', 'CVE-2026-90008', 'triage', \
         'vulnerable_code_not_present', 'Built without the affected protocol.', 'jane', \
         'maintainer', $1)",
        &[Value::Int(1_772_452_800)],
    )
    .unwrap();
    db.execute(
        "INSERT INTO dirty (kind, key, sub) VALUES ('cve', 'CVE-2026-90008', '')",
        &[],
    )
    .unwrap();
    let config = demo::embedded_config().unwrap();
    update::update(db, &config, false, &indicatif::ProgressBar::hidden()).unwrap();
}

/// Every file under `dir`: relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

support::backend_tests! {
    /// Each format as its own export writes it.
    fn every_format_as_its_own_export(db: &mut dyn Db) {
        fixture(db);
        let config = demo::embedded_config().unwrap();
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("published");
        let written = all::write_dir(db, &config, &dir, &[], &hidden()).unwrap();
        let files = tree(&dir);

        // secdb: one file per branch and repository.
        let mut want = Vec::new();
        for branch in ["edge", "v3.22"] {
            for repo in ["community", "main"] {
                let defaults = Defaults::from_config(&config, branch, repo);
                let doc = secdb::export(db, branch, repo, &defaults).unwrap();
                let rel = PathBuf::from(format!("secdb/{branch}/{repo}.json"));
                assert_eq!(
                    files[&rel],
                    secfixes_apk::secdb::to_json(&doc).into_bytes(),
                    "{}",
                    rel.display()
                );
                want.push((dir.join(&rel), doc.packages.len()));
            }
        }
        assert_eq!(written.secdb, want);

        // OSV: the same tree as `export osv`.
        let osv_dir = out.path().join("osv-alone");
        let options = osv::Options {
            branches: Vec::new(),
            tracker_url: config.distribution.url.clone(),
        };
        let alone = osv::write_dir(db, &osv_dir, &options, &hidden()).unwrap();
        let osv_tree = tree(&osv_dir);
        assert!(osv_tree.len() > 20, "{} files", osv_tree.len());
        let ours: BTreeMap<PathBuf, Vec<u8>> = files
            .iter()
            .filter_map(|(p, b)| Some((p.strip_prefix("osv").ok()?.to_path_buf(), b.clone())))
            .collect();
        assert!(ours == osv_tree, "the osv/ trees differ");
        assert_eq!(
            written.osv.iter().map(|w| w.records).collect::<Vec<_>>(),
            alone.iter().map(|w| w.records).collect::<Vec<_>>()
        );

        // OpenVEX: one document per branch.
        for branch in ["edge", "v3.22"] {
            let doc = openvex::document(
                db,
                &openvex::Options {
                    branch: branch.to_owned(),
                    author: config.distribution.name.clone(),
                    tracker_url: config.distribution.url.clone(),
                },
            )
            .unwrap();
            let rel = PathBuf::from(format!("openvex/{branch}.json"));
            assert_eq!(files[&rel], doc.to_json().unwrap().into_bytes(), "{branch}");
        }
        assert_eq!(written.openvex.len(), 2);

        // The rejections, per repository.
        let yaml = rejections::yaml_files(db).unwrap();
        assert!(!yaml.is_empty());
        for file in &yaml {
            let rel = PathBuf::from(format!("rejections/{}", file.file_name()));
            assert_eq!(files[&rel], file.to_yaml().into_bytes(), "{}", rel.display());
        }
        let triage = std::str::from_utf8(&files[&PathBuf::from("rejections/main.yaml")])
            .unwrap()
            .to_owned();
        assert!(triage.contains("CVE-2026-90008"), "{triage}");

        // Nothing else, and everything readable by a web server running as another user.
        let count = |prefix: &str| files.keys().filter(|p| p.starts_with(prefix)).count();
        assert_eq!(
            files.len(),
            count("secdb") + count("osv") + count("openvex") + count("rejections")
        );
        #[cfg(unix)]
        for rel in files.keys() {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.join(rel)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644, "{}: {mode:o}", rel.display());
        }

        // A second run over its own output gives the same files.
        all::write_dir(db, &config, &dir, &[], &hidden()).unwrap();
        assert!(tree(&dir) == files, "the second run changed files");
    }

    /// One branch asked for: only its files (and the rejections, which are per
    /// repository); an unknown branch: an error naming it, nothing written.
    fn chosen_and_unknown_branches(db: &mut dyn Db) {
        fixture(db);
        let config = demo::embedded_config().unwrap();
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("one");
        all::write_dir(db, &config, &dir, &["v3.22".to_owned()], &hidden()).unwrap();
        let files = tree(&dir);
        assert!(files.keys().all(|p| !p.to_string_lossy().contains("edge")), "{files:?}");
        assert!(files.contains_key(Path::new("openvex/v3.22.json")));
        assert!(files.contains_key(Path::new("secdb/v3.22/community.json")));

        let dir = out.path().join("none");
        let err = all::write_dir(db, &config, &dir, &["v9.9".to_owned()], &hidden()).unwrap_err();
        assert!(err.to_string().contains("v9.9"), "{err}");
        assert!(!dir.exists(), "something was written");
    }
}
