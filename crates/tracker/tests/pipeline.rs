//! The tracker end to end with the store, on SQLite and PostgreSQL: configured imports of
//! a tiny distribution (tests/data/pipeline, see its README), state updates, history,
//! failures that must leave the previous data intact, incremental against full updates,
//! the original tracker's cross-package and latched-state errors, and the reports.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use secfixes_apk::apkindex::{self, ApkIndex};
use secfixes_tracker::config::Config;
use secfixes_tracker::db::{self, Db};
use secfixes_tracker::engine::State;
use secfixes_tracker::import;
use secfixes_tracker::sync::{self, Inputs, Quiet, SyncSummary};
use secfixes_tracker::{report, update};

const TAG: &str = "1.0-main";
const ARCHS: [&str; 2] = ["x86_64", "aarch64"];

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pipeline")
}

/// A scratch copy of the test distribution, which tests change step by step.
struct Dist {
    dir: tempfile::TempDir,
    /// Appended to `secfixes.toml` (mapping changes).
    extra_config: String,
}

impl Dist {
    fn new() -> Dist {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["secdb", "rejections", "nvd"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
            for entry in std::fs::read_dir(data().join(sub)).unwrap() {
                let path = entry.unwrap().path();
                std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
        std::fs::copy(
            data().join("secfixes.toml"),
            dir.path().join("secfixes.toml"),
        )
        .unwrap();
        let dist = Dist {
            dir,
            extra_config: String::new(),
        };
        dist.set_index(&Dist::index_text());
        dist
    }

    /// The index text of the x86_64 index as shipped in tests/data.
    fn index_text() -> String {
        std::fs::read_to_string(data().join("APKINDEX")).unwrap()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    fn index_path(arch: &str) -> String {
        format!("v1.0/main/{arch}/APKINDEX.tar.gz")
    }

    /// Writes `text` (an x86_64 index) as the unsigned index of every arch.
    fn set_index(&self, text: &str) {
        for arch in ARCHS {
            let text = text.replace("A:x86_64", &format!("A:{arch}"));
            let bytes = apkindex::write_unsigned(&text, Some("v1.0-test"), 1_700_000_000).unwrap();
            let path = self.path(&Dist::index_path(arch));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }

    /// Replaces `from` by `to` in the index text of every arch.
    fn edit_index(&self, from: &str, to: &str) {
        let text = self.current_index();
        assert!(text.contains(from), "{from:?} not in the index");
        self.set_index(&text.replace(from, to));
    }

    fn current_index(&self) -> String {
        let bytes = std::fs::read(self.path(&Dist::index_path("x86_64"))).unwrap();
        apkindex::read(&bytes, apkindex::Trust::untrusted())
            .unwrap()
            .text()
            .to_owned()
    }

    /// Replaces `from` by `to` in a data file.
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{from:?} not in {rel}");
        self.write(rel, &text.replace(from, to));
    }

    fn config(&self) -> Config {
        let text = self.read("secfixes.toml") + &self.extra_config;
        Config::parse(&text, &self.path("secfixes.toml"), self.dir.path()).unwrap()
    }
}

fn inputs() -> Inputs {
    Inputs::new(secfixes_fetch::Client::new(
        secfixes_fetch::SystemClock::shared(),
    ))
}

fn sync_all(db: &mut dyn Db, dist: &Dist) -> SyncSummary {
    sync::sync(db, &dist.config(), &mut inputs(), None, &Quiet).unwrap()
}

fn update(db: &mut dyn Db, dist: &Dist, full: bool) -> update::UpdateSummary {
    update::update(db, &dist.config(), full, &ProgressBar::hidden()).unwrap()
}

/// Every row of a table, each column as text (`t`), integer (`i`) or real (`r`),
/// formatted, in the order of all columns.
fn dump(db: &mut dyn Db, table: &str, columns: &[(&str, char)]) -> Vec<Vec<String>> {
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let list = names.join(", ");
    let sql = format!("SELECT {list} FROM {table} ORDER BY {list}");
    let mut out = Vec::new();
    db.query(&sql, &[], &mut |row| {
        let mut r = Vec::new();
        for (i, (_, kind)) in columns.iter().enumerate() {
            r.push(match kind {
                'i' => format!("{:?}", row.int(i)?),
                'r' => format!("{:?}", row.real(i)?),
                _ => format!("{:?}", row.text(i)?),
            });
        }
        out.push(r);
        Ok(())
    })
    .unwrap();
    out
}

/// The state table without `changed_at`.
fn states(db: &mut dyn Db) -> Vec<Vec<String>> {
    dump(
        db,
        "state",
        &[
            ("vuln_id", 't'),
            ("repo_tag", 't'),
            ("origin", 't'),
            ("version", 't'),
            ("state", 't'),
            ("fixed_version", 't'),
            ("fix_source", 't'),
            ("severity", 't'),
            ("score", 'r'),
            ("explanation", 't'),
        ],
    )
}

/// The state table with `changed_at`.
fn states_with_time(db: &mut dyn Db) -> Vec<Vec<String>> {
    let mut s = states(db);
    let times = dump(
        db,
        "state",
        &[
            ("vuln_id", 't'),
            ("repo_tag", 't'),
            ("origin", 't'),
            ("version", 't'),
            ("changed_at", 'i'),
        ],
    );
    for (row, t) in s.iter_mut().zip(times) {
        assert_eq!(row[..4], t[..4]);
        row.push(t[4].clone());
    }
    s
}

/// Every table the imports write, in full.
fn facts(db: &mut dyn Db) -> Vec<Vec<Vec<String>>> {
    vec![
        dump(
            db,
            "package",
            &[
                ("repo_tag", 't'),
                ("arch", 't'),
                ("name", 't'),
                ("version", 't'),
                ("origin", 't'),
                ("maintainer", 't'),
                ("build_time", 'i'),
                ("first_seen", 'i'),
                ("last_seen", 'i'),
            ],
        ),
        dump(
            db,
            "origin_version",
            &[
                ("repo_tag", 't'),
                ("origin", 't'),
                ("version", 't'),
                ("maintainer", 't'),
                ("first_seen", 'i'),
                ("last_seen", 'i'),
                ("published", 'i'),
            ],
        ),
        dump(
            db,
            "fix",
            &[
                ("repo_tag", 't'),
                ("origin", 't'),
                ("vuln_id", 't'),
                ("version", 't'),
                ("source", 't'),
                ("note", 't'),
            ],
        ),
        dump(
            db,
            "rejection",
            &[
                ("repo_tag", 't'),
                ("origin", 't'),
                ("vuln_id", 't'),
                ("source", 't'),
                ("reason", 't'),
                ("rationale", 't'),
            ],
        ),
        dump(
            db,
            "cve_record",
            &[
                ("cve_id", 't'),
                ("source", 't'),
                ("digest", 't'),
                ("doc", 't'),
            ],
        ),
        dump(db, "dirty", &[("kind", 't'), ("key", 't'), ("sub", 't')]),
    ]
}

/// (state, fixed version) of one CVE for one origin's published version in `TAG`.
fn state_of(db: &mut dyn Db, cve: &str, origin: &str) -> (State, Option<String>) {
    let rows = report::explain(db, cve, origin, TAG).unwrap();
    assert_eq!(rows.len(), 1, "{cve} {origin}: {rows:#?}");
    (rows[0].state, rows[0].fixed_version.clone())
}

fn st(state: State) -> (State, Option<String>) {
    (state, None)
}

support::backend_tests! {
    /// The first sync gives the states worked out by hand in the data README.
    fn first_sync_states(db: &mut dyn Db) {
        let dist = Dist::new();
        let summary = sync_all(db, &dist);
        assert!(summary.update.full);
        use State::*;
        assert_eq!(state_of(db, "CVE-2099-1001", "libfoo"), st(Vulnerable));
        assert_eq!(state_of(db, "CVE-2099-1002", "bar"), st(Vulnerable));
        assert_eq!(
            state_of(db, "CVE-2099-1002", "baz"),
            (Fixed, Some("0.9-r0".to_owned()))
        );
        assert_eq!(state_of(db, "CVE-2099-1003", "libfoo"), st(Vulnerable));
        assert_eq!(state_of(db, "CVE-2099-1003", "bar"), st(NotAffected));
        assert_eq!(state_of(db, "CVE-2099-1004", "baz"), st(PossiblyVulnerable));
        assert_eq!(state_of(db, "CVE-2099-1005", "qux"), st(PossiblyVulnerable));
        assert_eq!(state_of(db, "CVE-2099-1006", "bar"), st(NotAffected));
        assert_eq!(state_of(db, "CVE-2099-1006", "libfoo"), st(Unknown));
        assert_eq!(db::count(db, "state").unwrap(), 9);
        // Binary identity is low confidence: the explanation says through which rule.
        let qux = report::explain(db, "CVE-2099-1005", "qux", TAG).unwrap();
        assert!(
            qux[0]
                .explanation
                .to_string()
                .contains("mapped by binary package libqux (low confidence)"),
            "{}",
            qux[0].explanation
        );
    }

    /// Running every import again changes nothing: no import reports a change, the
    /// update changes no state, and the tables (with the states' times) are identical.
    fn import_twice_changes_nothing(db: &mut dyn Db) {
        let dist = Dist::new();
        let first = sync_all(db, &dist);
        assert!(first.steps.iter().any(|(_, s)| s.changed > 0));
        let facts_before = facts(db);
        let states_before = states_with_time(db);
        let events_before = db::count(db, "state_event").unwrap();
        let second = sync_all(db, &dist);
        for (name, s) in &second.steps {
            assert_eq!(s.changed, 0, "{name} changed on the second run: {s:?}");
        }
        assert!(!second.update.full);
        assert_eq!(second.update.changed, 0);
        assert_eq!(facts(db), facts_before);
        assert_eq!(states_with_time(db), states_before);
        assert_eq!(db::count(db, "state_event").unwrap(), events_before);
    }

    /// An import that fails half-way (the second of two indexes corrupt; a secdb with a
    /// syntax error; a broken NVD file) leaves every table as it was.
    fn failing_import_leaves_previous_data_intact(db: &mut dyn Db) {
        let dist = Dist::new();
        sync_all(db, &dist);
        let before = facts(db);
        let states_before = states_with_time(db);
        let config = dist.config();

        // x86_64 (read first) is good and changed; aarch64 is cut short.
        dist.edit_index("V:1.2.3-r0", "V:1.2.3-r1");
        let good = std::fs::read(dist.path(&Dist::index_path("aarch64"))).unwrap();
        std::fs::write(dist.path(&Dist::index_path("aarch64")), &good[..good.len() / 2])
            .unwrap();
        let err = sync::import_indexes(db, &config, &mut inputs(), &[], &Quiet).unwrap_err();
        assert!(err.to_string().contains("aarch64"), "{err}");
        assert_eq!(facts(db), before);

        dist.write("secdb/v1.0-main.json", r#"{"packages": [{"pkg": {"name": "bar",,}}]}"#);
        assert!(sync::import_secdbs(db, &config, &mut inputs(), &[], &Quiet).is_err());
        assert_eq!(facts(db), before);

        dist.write("rejections/main.yaml", "bar: [CVE-2099-1006\n");
        assert!(sync::import_rejections(db, &config, &mut inputs(), &[], &Quiet).is_err());
        assert_eq!(facts(db), before);

        dist.edit("nvd/CVE-2099-1001.json", "\"versionEndExcluding\": \"1.2.4\"", "\"versionEndExcluding\": \"1.2.5\"");
        dist.write("nvd/CVE-2099-1007.json", "{\"id\": \"CVE-2099-1007\", ");
        assert!(
            sync::import_cves(db, sync::CveFormat::Nvd, &config.nvd, &mut inputs(), &Quiet)
                .is_err()
        );
        assert_eq!(facts(db), before);
        assert_eq!(states_with_time(db), states_before);
        // The failures are recorded for the importer health page.
        let failed = db::query_int(db, "SELECT COUNT(*) FROM import_run WHERE ok = 0", &[])
            .unwrap();
        assert_eq!(failed, Some(4));
    }

    /// History: when each version first and last appeared, per arch and per origin.
    fn first_and_last_seen_history(db: &mut dyn Db) {
        import::ensure_repo(db, TAG, "v1.0", "main").unwrap();
        let v1 = Dist::index_text();
        let v2 = v1.replace("V:1.2.3-r0", "V:1.2.3-r1");
        let at = |db: &mut dyn Db, text: &str, now: i64| {
            db::transaction(db, |db| {
                import::apkindex::import(db, TAG, "x86_64", &ApkIndex::from_text(text.to_owned()), now)
            })
            .unwrap()
        };
        assert_eq!(at(db, &v1, 1000).changed, 5);
        assert_eq!(at(db, &v2, 2000).changed, 4, "libfoo and libfoo-dev: one leaves, one arrives");
        assert_eq!(at(db, &v2, 3000).changed, 0);
        let versions = |db: &mut dyn Db| {
            dump(
                db,
                "origin_version",
                &[("origin", 't'), ("version", 't'), ("first_seen", 'i'), ("last_seen", 'i'), ("published", 'i')],
            )
            .into_iter()
            .filter(|r| r[0] == "Some(\"libfoo\")")
            .map(|r| r[1..].join(" "))
            .collect::<Vec<_>>()
        };
        assert_eq!(
            versions(db),
            vec![
                "Some(\"1.2.3-r0\") Some(1000) Some(2000) Some(0)",
                "Some(\"1.2.3-r1\") Some(2000) None Some(1)",
            ]
        );
        let libfoo_dev = dump(
            db,
            "package",
            &[("name", 't'), ("version", 't'), ("first_seen", 'i'), ("last_seen", 'i')],
        )
        .into_iter()
        .filter(|r| r[0] == "Some(\"libfoo-dev\")")
        .map(|r| r[1..].join(" "))
        .collect::<Vec<_>>();
        assert_eq!(
            libfoo_dev,
            vec![
                "Some(\"1.2.3-r0\") Some(1000) Some(2000)",
                "Some(\"1.2.3-r1\") Some(2000) None",
            ]
        );
        // The old version comes back (a revert): listed again, first seen unchanged.
        assert_eq!(at(db, &v1, 4000).changed, 4);
        assert_eq!(
            versions(db),
            vec![
                "Some(\"1.2.3-r0\") Some(1000) None Some(1)",
                "Some(\"1.2.3-r1\") Some(2000) Some(4000) Some(0)",
            ]
        );
    }

    /// After each change (CVE changed, fix added, rejection added, index version bumped,
    /// mapping changed, fix removed) the incremental update gives exactly the states that
    /// a full recompute gives, and a recompute from nothing gives them too.
    fn incremental_update_equals_full(db: &mut dyn Db) {
        let mut dist = Dist::new();
        sync_all(db, &dist);
        let check = |db: &mut dyn Db, dist: &Dist, step: &str| {
            let incremental = states(db);
            let full = update(db, dist, true);
            assert!(full.full);
            assert_eq!(full.changed, 0, "{step}: the full update found changes the incremental one missed");
            assert_eq!(states(db), incremental, "{step}");
            db.execute("DELETE FROM state", &[]).unwrap();
            update(db, dist, true);
            assert_eq!(states(db), incremental, "{step}: from nothing");
            incremental
        };
        let mut seen = vec![check(db, &dist, "first sync")];
        let mut step = |db: &mut dyn Db, dist: &Dist, name: &str| {
            let s = sync_all(db, dist);
            assert!(s.update.changed > 0, "{name}: the change must change some state");
            let now = check(db, dist, name);
            assert_ne!(Some(&now), seen.last(), "{name}");
            seen.push(now);
        };
        let quiet_step = |db: &mut dyn Db, dist: &Dist, name: &str| {
            let before = states(db);
            let s = sync_all(db, dist);
            assert_eq!(s.update.changed, 0, "{name}: no state may change");
            assert_eq!(check(db, dist, name), before, "{name}");
        };

        // A CVE changes: bar's range of CVE-2099-1002 now ends before 2.0.
        dist.edit(
            "nvd/CVE-2099-1002.json",
            "\"versionStartIncluding\": \"2.0\", \"versionEndExcluding\": \"2.1\"",
            "\"versionStartIncluding\": \"1.0\", \"versionEndExcluding\": \"2.0\"",
        );
        step(db, &dist, "CVE changed");
        assert_eq!(state_of(db, "CVE-2099-1002", "bar").0, State::NotAffected);

        // A fix is recorded for libfoo, in a revision not published yet.
        dist.edit(
            "secdb/v1.0-main.json",
            "{\"pkg\": {\"name\": \"baz\"",
            "{\"pkg\": {\"name\": \"libfoo\", \"secfixes\": {\"1.2.3-r1\": [\"CVE-2099-1001\"]}}},\n    {\"pkg\": {\"name\": \"baz\"",
        );
        step(db, &dist, "fix added");
        assert_eq!(
            state_of(db, "CVE-2099-1001", "libfoo"),
            (State::Vulnerable, Some("1.2.3-r1".to_owned()))
        );

        // A rejection: baz is not affected by CVE-2099-1004.
        dist.write(
            "rejections/main.yaml",
            "# bar is built without the affected module.\nbar:\n  - CVE-2099-1006\nbaz:\n  - CVE-2099-1004\n",
        );
        step(db, &dist, "rejection added");
        assert_eq!(state_of(db, "CVE-2099-1004", "baz").0, State::NotAffected);

        // The index ships libfoo 1.2.3-r1: the fix is shipped.
        dist.edit_index("V:1.2.3-r0", "V:1.2.3-r1");
        step(db, &dist, "index version bumped");
        assert_eq!(
            state_of(db, "CVE-2099-1001", "libfoo"),
            (State::Fixed, Some("1.2.3-r1".to_owned()))
        );

        // The mapping changes: libqux is qux for sure.
        dist.extra_config = "\n[[mapping.alias]]\nproduct = \"example:libqux\"\norigins = [\"qux\"]\n".to_owned();
        step(db, &dist, "mapping changed");
        assert_eq!(state_of(db, "CVE-2099-1005", "qux").0, State::Vulnerable);

        // A mapping change that drops a product: the states it gave must go.
        dist.extra_config.push_str("\n[mapping.exclude]\nproducts = [\"example:baz\"]\n");
        step(db, &dist, "product excluded");
        assert_eq!(report::explain(db, "CVE-2099-1004", "baz", TAG).unwrap().len(), 1, "the rejection still ties it");

        // A new CVE names a product no package has yet: no state.
        dist.write(
            "nvd/CVE-2099-1007.json",
            &dist
                .read("nvd/CVE-2099-1005.json")
                .replace("CVE-2099-1005", "CVE-2099-1007")
                .replace("example:libqux", "example:libzap")
                .replace("\"versionEndExcluding\": \"4.0\"", "\"versionEndExcluding\": \"1.0\""),
        );
        quiet_step(db, &dist, "CVE for an unpackaged product");
        assert!(report::explain(db, "CVE-2099-1007", "baz", TAG).unwrap().is_empty());

        // The rejection goes again.
        dist.edit("rejections/main.yaml", "baz:\n  - CVE-2099-1004\n", "");
        step(db, &dist, "rejection removed");
        assert!(report::explain(db, "CVE-2099-1004", "baz", TAG).unwrap().is_empty(), "baz is excluded now");

        // qux leaves the index: its states go.
        let without_qux: Vec<String> = dist
            .current_index()
            .split("\n\n")
            .filter(|r| !r.contains("o:qux"))
            .map(str::to_owned)
            .collect();
        dist.set_index(&without_qux.join("\n\n"));
        step(db, &dist, "origin removed");
        assert!(report::explain(db, "CVE-2099-1005", "qux", TAG).unwrap().is_empty());
    }

    /// Original tracker: the fix lookup was by CVE only, so baz's recorded fix of
    /// CVE-2099-1002 made bar "fixed" too, hiding a vulnerability. Here a fix is looked up
    /// for the same package and repository only.
    fn known_error_another_packages_fix_does_not_fix_this_one(db: &mut dyn Db) {
        let dist = Dist::new();
        sync_all(db, &dist);
        assert_eq!(
            state_of(db, "CVE-2099-1002", "baz"),
            (State::Fixed, Some("0.9-r0".to_owned()))
        );
        let bar = report::explain(db, "CVE-2099-1002", "bar", TAG).unwrap();
        assert_eq!(bar[0].state, State::Vulnerable);
        assert_eq!(bar[0].fixed_version, None);
        assert_eq!(
            bar[0].explanation.summary,
            "upstream version 2.0 is inside an affected range and no fix is recorded"
        );
        // Nor does another branch's fix: a second branch with the fix for bar leaves
        // this branch's bar vulnerable.
        import::ensure_repo(db, "2.0-main", "v2.0", "main").unwrap();
        db.execute(
            "INSERT INTO fix (repo_tag, origin, vuln_id, version, source) VALUES ($1, $2, $3, $4, $5)",
            &["2.0-main".into(), "bar".into(), "CVE-2099-1002".into(), "2.0-r0".into(), "secdb".into()],
        )
        .unwrap();
        update(db, &dist, true);
        assert_eq!(state_of(db, "CVE-2099-1002", "bar").0, State::Vulnerable);
    }

    /// Original tracker: a `0` entry anywhere made every version "fixed". Here bar's `0`
    /// entry for CVE-2099-1003 makes bar not affected and leaves libfoo vulnerable.
    fn known_error_zero_entry_covers_only_its_package(db: &mut dyn Db) {
        let dist = Dist::new();
        sync_all(db, &dist);
        let bar = report::explain(db, "CVE-2099-1003", "bar", TAG).unwrap();
        assert_eq!(bar[0].state, State::NotAffected);
        assert_eq!(
            bar[0].explanation.summary,
            "the secdb lists it under version 0: never affected"
        );
        assert_eq!(state_of(db, "CVE-2099-1003", "libfoo").0, State::Vulnerable);
    }

    /// Original tracker: a state once fixed was never recomputed. Here a fix that leaves
    /// the secdb makes the package vulnerable again, with an event recording the change.
    fn known_error_states_are_recomputed_not_latched(db: &mut dyn Db) {
        let dist = Dist::new();
        sync_all(db, &dist);
        assert_eq!(state_of(db, "CVE-2099-1002", "baz").0, State::Fixed);
        dist.edit(
            "secdb/v1.0-main.json",
            ",\n    {\"pkg\": {\"name\": \"baz\", \"secfixes\": {\"0.9-r0\": [\"CVE-2099-1002\"]}}}",
            "",
        );
        let s = sync_all(db, &dist);
        assert!(!s.update.full);
        assert_eq!(state_of(db, "CVE-2099-1002", "baz"), st(State::Vulnerable));
        let events = dump(
            db,
            "state_event",
            &[("vuln_id", 't'), ("origin", 't'), ("old_state", 't'), ("new_state", 't')],
        );
        assert!(
            events.contains(&vec![
                "Some(\"CVE-2099-1002\")".to_owned(),
                "Some(\"baz\")".to_owned(),
                "Some(\"fixed\")".to_owned(),
                "Some(\"vulnerable\")".to_owned(),
            ]),
            "{events:#?}"
        );
    }

    /// The branch report: open states only by default, every state with `all`, with
    /// severity and maintainer; an unknown tag is an error naming the known ones.
    fn report_branch_rows_and_filtering(db: &mut dyn Db) {
        let dist = Dist::new();
        sync_all(db, &dist);
        let open = report::branch(db, TAG, false).unwrap();
        let row = |r: &report::ReportRow| {
            format!(
                "{} {} {} {} {:?} {:?} {:?}",
                r.origin, r.version, r.cve, r.state, r.fixed_version, r.severity, r.maintainer
            )
        };
        assert_eq!(
            open.iter().map(row).collect::<Vec<_>>(),
            vec![
                "bar 2.0-r1 CVE-2099-1002 vulnerable None Some(\"medium\") Some(\"Bob Example <bob@example.org>\")",
                "baz 0.9-r0 CVE-2099-1004 possibly-vulnerable None Some(\"medium\") Some(\"Carol Example <carol@example.org>\")",
                "libfoo 1.2.3-r0 CVE-2099-1001 vulnerable None Some(\"high\") Some(\"Alice Example <alice@example.org>\")",
                "libfoo 1.2.3-r0 CVE-2099-1003 vulnerable None Some(\"medium\") Some(\"Alice Example <alice@example.org>\")",
                "libfoo 1.2.3-r0 CVE-2099-1006 unknown None Some(\"medium\") Some(\"Alice Example <alice@example.org>\")",
                "qux 3.1-r0 CVE-2099-1005 possibly-vulnerable None Some(\"high\") Some(\"Dave Example <dave@example.org>\")",
            ]
        );
        let all = report::branch(db, TAG, true).unwrap();
        assert_eq!(all.len(), 9);
        let closed: Vec<String> = all.iter().filter(|r| !r.state.is_open()).map(row).collect();
        assert_eq!(
            closed,
            vec![
                "bar 2.0-r1 CVE-2099-1003 not-affected None Some(\"medium\") Some(\"Bob Example <bob@example.org>\")",
                "bar 2.0-r1 CVE-2099-1006 not-affected None Some(\"medium\") Some(\"Bob Example <bob@example.org>\")",
                "baz 0.9-r0 CVE-2099-1002 fixed Some(\"0.9-r0\") Some(\"medium\") Some(\"Carol Example <carol@example.org>\")",
            ]
        );
        // Versions that left the index are not reported.
        dist.edit_index("V:1.2.3-r0", "V:1.2.3-r1");
        sync_all(db, &dist);
        let after = report::branch(db, TAG, true).unwrap();
        assert!(after.iter().all(|r| r.version != "1.2.3-r0"), "{after:#?}");
        assert!(after.iter().any(|r| r.version == "1.2.3-r1"));
        let err = report::branch(db, "9.9-main", false).unwrap_err();
        assert!(err.to_string().contains("1.0-main"), "{err}");
    }

    /// `explain` gives the chain, and for a fixed state when the fix shipped: the first
    /// time a version at or above the fix appeared in the repository.
    fn report_explain_with_fix_shipped(db: &mut dyn Db) {
        let dist = Dist::new();
        let config = dist.config();
        import::ensure_repo(db, TAG, "v1.0", "main").unwrap();
        let v1 = Dist::index_text();
        let v2 = v1.replace("V:1.2.3-r0", "V:1.2.3-r1");
        for (text, now) in [(&v1, 1000), (&v2, 2000)] {
            db::transaction(db, |db| {
                import::apkindex::import(db, TAG, "x86_64", &ApkIndex::from_text(text.clone()), now)
            })
            .unwrap();
        }
        dist.edit(
            "secdb/v1.0-main.json",
            "{\"pkg\": {\"name\": \"baz\"",
            "{\"pkg\": {\"name\": \"libfoo\", \"secfixes\": {\"1.2.3-r1\": [\"CVE-2099-1001\"]}}},\n    {\"pkg\": {\"name\": \"baz\"",
        );
        sync::import_secdbs(db, &config, &mut inputs(), &[], &Quiet).unwrap();
        sync::import_cves(db, sync::CveFormat::Nvd, &config.nvd, &mut inputs(), &Quiet).unwrap();
        update(db, &dist, false);
        let rows = report::explain(db, "CVE-2099-1001", "libfoo", TAG).unwrap();
        assert_eq!(rows.len(), 1, "only the published version: {rows:#?}");
        let e = &rows[0];
        assert_eq!(e.version, "1.2.3-r1");
        assert_eq!(e.state, State::Fixed);
        assert_eq!(e.fixed_version.as_deref(), Some("1.2.3-r1"));
        assert_eq!(e.fix_source.as_deref(), Some("secdb"));
        assert_eq!(e.severity.as_deref(), Some("high"));
        assert_eq!(e.score, Some(7.5));
        assert_eq!(e.fix_shipped, Some(2000));
        let text = e.explanation.to_string();
        for part in [
            "fixed in 1.2.3-r1 (secdb); 1.2.3-r1 is published",
            "fix recorded in secdb for 1.2.3-r1: 1.2.3-r1 >= 1.2.3-r1, shipped",
            "configurations[0].nodes[0].cpeMatch[0]: cpe:2.3:a:example:libfoo",
            "mapped by identity (high confidence)",
            "1.2.3 < 1.2.4 (exclusive end): affected",
        ] {
            assert!(text.contains(part), "{part:?} missing from:\n{text}");
        }
        // Open states have no ship date.
        let open = report::explain(db, "CVE-2099-1003", "libfoo", TAG).unwrap();
        assert_eq!(open[0].fix_shipped, None);
        assert!(report::explain(db, "CVE-2099-1001", "libfoo", "9.9-main").is_err());
    }
}

/// A CVE names `example:libzap`, which no package is called; then baz grows a
/// subpackage `libzap`, which the binary-identity rule maps to baz; then it goes again.
/// The incremental update must follow both, as the full one does.
fn binary_package_comes_and_goes(db: &mut dyn Db) {
    let dist = Dist::new();
    dist.write(
        "nvd/CVE-2099-1007.json",
        &dist
            .read("nvd/CVE-2099-1005.json")
            .replace("CVE-2099-1005", "CVE-2099-1007")
            .replace("example:libqux", "example:libzap")
            .replace(
                "\"versionEndExcluding\": \"4.0\"",
                "\"versionEndExcluding\": \"1.0\"",
            ),
    );
    sync_all(db, &dist);
    assert!(
        report::explain(db, "CVE-2099-1007", "baz", TAG)
            .unwrap()
            .is_empty()
    );

    let original = dist.current_index();
    let zap = original
        .split("\n\n")
        .find(|r| r.contains("P:baz\n"))
        .unwrap()
        .replace("P:baz\n", "P:libzap\n");
    dist.set_index(&format!("{original}{zap}\n\n"));
    sync_all(db, &dist);
    let incremental = states(db);
    assert_eq!(
        update(db, &dist, true).changed,
        0,
        "the full update found more"
    );
    assert_eq!(states(db), incremental);
    assert_eq!(
        state_of(db, "CVE-2099-1007", "baz").0,
        State::PossiblyVulnerable
    );

    dist.set_index(&original);
    sync_all(db, &dist);
    assert!(
        report::explain(db, "CVE-2099-1007", "baz", TAG)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn binary_package_changes_reach_the_incremental_update_sqlite() {
    support::on_sqlite("binary_package", |url| {
        support::with_db(url, binary_package_comes_and_goes)
    });
}

#[test]
fn binary_package_changes_reach_the_incremental_update_postgres() {
    support::on_postgres("binary_package", |url| {
        support::with_db(url, binary_package_comes_and_goes)
    });
}
