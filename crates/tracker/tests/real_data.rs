//! The real-data check (issue 4, item 6): `examples/fixtures-3.16.toml` over the real
//! v3.16 main index, the v3.16 secdb entries and the NVD 2.0 records in
//! ../shared/fixtures, synced into a scratch SQLite database; the states of the busybox,
//! musl, expat, zlib and apk-tools CVEs (and of the other origins those CVEs name) are
//! checked one by one, then compared with the original tracker's output in
//! `secfixes-tracker-output/vuln-list-alpine-unfixed/`: every agreement is asserted, and
//! every difference has its own assertion saying why.
//!
//! What is right was derived by hand from the data: the published versions in the index
//! (apk-tools 2.12.9-r3, busybox 1.35.0-r17, expat 2.5.0-r0, musl 1.2.3-r2, zlib
//! 1.2.12-r3, openssl 1.1.1s-r0, python3 3.10.8-r0, mariadb 10.6.10-r0, nodejs
//! 16.17.1-r0), the fixes in `secdb/v3.16-main.partial.json` and the ranges in
//! `nvd/fkie-cad/*.json`.
#![allow(clippy::unwrap_used)]

#[path = "../../apk/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secfixes_tracker::config::Config;
use secfixes_tracker::db::{self, Db};
use secfixes_tracker::engine::State;
use secfixes_tracker::{report, sync};

const TAG: &str = "3.16-main";

/// One stored state: (state, fixed version, fix source, explanation summary).
type Stored = (State, Option<String>, Option<String>, String);

/// (CVE, origin, version) → what is stored.
type States = BTreeMap<(String, String, String), Stored>;

/// Syncs the fixtures into a new database; returns it with its directory and states.
fn synced(fixtures: &Path) -> (tempfile::TempDir, Box<dyn Db>, States) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fixtures-3.16.toml");
    let config = Config::load(&example, Some(fixtures)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut db = db::open(&format!("sqlite:{}", dir.path().join("real.db").display())).unwrap();
    let mut inputs = sync::Inputs::new(secfixes_fetch::Client::new(
        secfixes_fetch::SystemClock::shared(),
    ));
    let summary = sync::sync(db.as_mut(), &config, &mut inputs, None, &sync::Quiet).unwrap();
    assert!(
        summary.update.full,
        "the first update recomputes everything"
    );
    let mut states = States::new();
    db.query(
        "SELECT vuln_id, origin, version, state, fixed_version, fix_source, explanation \
         FROM state WHERE repo_tag = $1",
        &[TAG.into()],
        &mut |row| {
            let explanation: secfixes_tracker::engine::Explanation =
                serde_json::from_str(&secfixes_tracker::packed::unpack(&row.req_blob(6)?)?)
                    .unwrap();
            states.insert(
                (row.req_text(0)?, row.req_text(1)?, row.req_text(2)?),
                (
                    State::parse(&row.req_text(3)?).unwrap(),
                    row.text(4)?,
                    row.text(5)?,
                    explanation.summary,
                ),
            );
            Ok(())
        },
    )
    .unwrap();
    (dir, db, states)
}

/// The original tracker's `state` rows for `TAG`: (CVE, origin) → (version, fixed).
fn original_rows(fixtures: &Path) -> BTreeMap<(String, String), (String, bool)> {
    let dir: PathBuf = fixtures.join("secfixes-tracker-output/vuln-list-alpine-unfixed");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let cve = doc["id"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        for s in doc["state"].as_array().unwrap() {
            if s["repo"] == TAG {
                out.insert(
                    (cve.clone(), s["packageName"].as_str().unwrap().to_owned()),
                    (
                        s["packageVersion"].as_str().unwrap().to_owned(),
                        s["fixed"].as_bool().unwrap(),
                    ),
                );
            }
        }
    }
    out
}

/// The original tracker's CPE matches of one CVE, as (maximumVersion, maximumVersionOp).
fn original_cpe_matches(fixtures: &Path, cve: &str) -> Option<Vec<(String, String)>> {
    let path = fixtures.join(format!(
        "secfixes-tracker-output/vuln-list-alpine-unfixed/{cve}.json"
    ));
    let text = std::fs::read_to_string(path).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    Some(
        doc["cpeMatch"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["maximumVersion"].as_str().unwrap_or_default().to_owned(),
                    m["maximumVersionOp"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect(),
    )
}

fn key(cve: &str, origin: &str, version: &str) -> (String, String, String) {
    (cve.to_owned(), origin.to_owned(), version.to_owned())
}

fn fixed(version: &str, summary: &str) -> Stored {
    (
        State::Fixed,
        Some(version.to_owned()),
        Some("secdb".to_owned()),
        summary.to_owned(),
    )
}

fn outside(upstream: &str) -> Stored {
    (
        State::NotAffected,
        None,
        None,
        format!("upstream version {upstream} is outside every affected range"),
    )
}

#[test]
fn v3_16_states_are_right_and_differ_from_the_original_only_where_it_was_wrong() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let (_dir, mut db, states) = synced(&fixtures);

    // ---- The concrete expected state of every CVE of the NVD records on v3.16 main ----
    let mut want = States::new();
    // busybox 1.35.0-r17. CVE-2021-42374: NVD [1.27.0, 1.33.1], fixed in 1.34.0-r0.
    want.insert(
        key("CVE-2021-42374", "busybox", "1.35.0-r17"),
        fixed(
            "1.34.0-r0",
            "fixed in 1.34.0-r0 (secdb); 1.35.0-r17 is published",
        ),
    );
    // CVE-2022-28391: NVD `<= 1.35.0` contains upstream 1.35.0 (the -r17 is not part of
    // the upstream range), but the secdb records the fix in 1.35.0-r7, and -r17 ships it.
    want.insert(
        key("CVE-2022-28391", "busybox", "1.35.0-r17"),
        fixed(
            "1.35.0-r7",
            "fixed in 1.35.0-r7 (secdb); 1.35.0-r17 is published",
        ),
    );
    // musl 1.2.3-r2. CVE-2020-28928: NVD `<= 1.2.1`; fixed in 1.2.2_pre2-r0.
    want.insert(
        key("CVE-2020-28928", "musl", "1.2.3-r2"),
        fixed(
            "1.2.2_pre2-r0",
            "fixed in 1.2.2_pre2-r0 (secdb); 1.2.3-r2 is published",
        ),
    );
    // expat 2.5.0-r0. CVE-2022-40674: libexpat_project:libexpat `< 2.4.9` (through the
    // configured alias); fixed in 2.4.9-r0.
    want.insert(
        key("CVE-2022-40674", "expat", "2.5.0-r0"),
        fixed(
            "2.4.9-r0",
            "fixed in 2.4.9-r0 (secdb); 2.5.0-r0 is published",
        ),
    );
    // zlib 1.2.12-r3. CVE-2022-37434: `<= 1.2.12` contains 1.2.12; fixed in 1.2.12-r2.
    want.insert(
        key("CVE-2022-37434", "zlib", "1.2.12-r3"),
        fixed(
            "1.2.12-r2",
            "fixed in 1.2.12-r2 (secdb); 1.2.12-r3 is published",
        ),
    );
    // CVE-2018-25032: zlib [1.2.2.2, 1.2.12) in the third configuration; fixed in
    // 1.2.11-r4. Its other configurations name python (alias python:python → python3,
    // an AND configuration with a `vulnerable: false` Windows platform) and mariadb
    // (identity), both published outside their ranges.
    want.insert(
        key("CVE-2018-25032", "zlib", "1.2.12-r3"),
        fixed(
            "1.2.11-r4",
            "fixed in 1.2.11-r4 (secdb); 1.2.12-r3 is published",
        ),
    );
    // NVD's python rules are AND configurations with Windows as the platform (python
    // bundles zlib on Windows only): not an apk package's case, whatever the version.
    want.insert(
        key("CVE-2018-25032", "python3", "3.10.8-r0"),
        (
            State::NotAffected,
            None,
            None,
            "the rules hold only when running on other systems (not Linux)".to_owned(),
        ),
    );
    want.insert(
        key("CVE-2018-25032", "mariadb", "10.6.10-r0"),
        outside("10.6.10"),
    );
    // apk-tools 2.12.9-r3. CVE-2021-30139: `< 2.10.6` and [2.12.0, 2.12.5), an `o:` CPE;
    // fixed in 2.12.5-r0. CVE-2021-36159: freebsd:libfetch `< 2021-07-26` (a date, which
    // cannot be compared; mapped with low confidence), fixed in 2.12.6-r0.
    want.insert(
        key("CVE-2021-30139", "apk-tools", "2.12.9-r3"),
        fixed(
            "2.12.5-r0",
            "fixed in 2.12.5-r0 (secdb); 2.12.9-r3 is published",
        ),
    );
    want.insert(
        key("CVE-2021-36159", "apk-tools", "2.12.9-r3"),
        fixed(
            "2.12.6-r0",
            "fixed in 2.12.6-r0 (secdb); 2.12.9-r3 is published",
        ),
    );
    // The openssl records: CVE-2018-0734 fixed in 1.1.1a-r0 (and node.js, named by the
    // same CVE, is far outside its 6.x-11.x ranges); CVE-2023-5678 is still "Awaiting
    // Analysis" (no rules) but the secdb records its fix for 1.1.1w-r1, later than the
    // 1.1.1s-r0 this index publishes: vulnerable, not shipped yet.
    want.insert(
        key("CVE-2018-0734", "openssl", "1.1.1s-r0"),
        fixed(
            "1.1.1a-r0",
            "fixed in 1.1.1a-r0 (secdb); 1.1.1s-r0 is published",
        ),
    );
    want.insert(
        key("CVE-2018-0734", "nodejs", "16.17.1-r0"),
        outside("16.17.1"),
    );
    want.insert(
        key("CVE-2023-5678", "openssl", "1.1.1s-r0"),
        (
            State::Vulnerable,
            Some("1.1.1w-r1".to_owned()),
            Some("secdb".to_owned()),
            "the fix is recorded for 1.1.1w-r1 (secdb) but 1.1.1s-r0 is published: not shipped yet"
                .to_owned(),
        ),
    );
    let cves: Vec<&str> = want.keys().map(|(c, ..)| c.as_str()).collect();
    let got: States = states
        .iter()
        .filter(|((c, ..), _)| cves.contains(&c.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(got, want);

    // The explanations name the deciding comparisons of the rules.
    let explained = report::explain(db.as_mut(), "CVE-2022-28391", "busybox", TAG).unwrap();
    let text = explained[0].explanation.to_string();
    for part in [
        "fix recorded in secdb for 1.35.0-r7: 1.35.0-r17 >= 1.35.0-r7, shipped",
        "configurations[0].nodes[0].cpeMatch[0]: cpe:2.3:a:busybox:busybox",
        "mapped by identity (high confidence)",
        "1.35.0 = 1.35.0 (inclusive end): affected",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
    let explained = report::explain(db.as_mut(), "CVE-2021-36159", "apk-tools", TAG).unwrap();
    let text = explained[0].explanation.to_string();
    assert!(
        text.contains("mapped by alias freebsd:libfetch (low confidence)"),
        "{text}"
    );
    assert!(text.contains("cannot compare"), "{text}");

    // ---- The original tracker's 3.16-main rows ----
    let original = original_rows(&fixtures);
    let published: BTreeMap<&str, &str> = states
        .keys()
        .map(|(_, o, v)| (o.as_str(), v.as_str()))
        .collect();
    let mut agree = Vec::new();
    let mut other_snapshot = Vec::new();
    for ((cve, origin), (version, was_fixed)) in &original {
        match published.get(origin.as_str()) {
            Some(ours) if ours == version => {
                let (state, ..) = &states[&key(cve, origin, version)];
                assert_eq!(
                    *state == State::Fixed,
                    *was_fixed,
                    "{cve} {origin} {version}: original fixed={was_fixed}, ours {state}"
                );
                agree.push((cve.as_str(), origin.as_str()));
            }
            _ => other_snapshot.push((cve.as_str(), origin.as_str(), version.as_str())),
        }
    }
    // Agreement: zlib 1.2.12-r3 is fixed for CVE-2022-37434 in both.
    assert_eq!(agree, vec![("CVE-2022-37434", "zlib")]);
    // The original's export is later than the index fixture: its 3.16-main rows for
    // CVE-2018-0734 are about openssl 1.1.1w-r1 and nodejs 16.20.2-r0, which this index
    // does not publish (it has 1.1.1s-r0 and 16.17.1-r0). Nothing to compare; both say
    // "not vulnerable" (fixed there; fixed and not affected here).
    assert_eq!(
        other_snapshot,
        vec![
            ("CVE-2018-0734", "nodejs", "16.20.2-r0"),
            ("CVE-2018-0734", "openssl", "1.1.1w-r1"),
        ]
    );

    // ---- Every difference, named ----

    // CVE-2018-25032, zlib: the original has no 3.16-main zlib row at all. Known error
    // "only the first configuration node is read": its only CPE match is the first
    // node's (nokogiri `< 1.13.4`), so zlib (third configuration), python and mariadb
    // never matched. We read every configuration: zlib is fixed (1.2.11-r4), python3
    // and mariadb are outside their ranges.
    assert_eq!(
        original_cpe_matches(&fixtures, "CVE-2018-25032").unwrap(),
        vec![("1.13.4".to_owned(), "<".to_owned())]
    );
    assert!(!original.contains_key(&("CVE-2018-25032".to_owned(), "zlib".to_owned())));
    assert_eq!(
        states[&key("CVE-2018-25032", "zlib", "1.2.12-r3")].0,
        State::Fixed
    );

    // CVE-2020-28928, musl: no 3.16 row in the original. It wrote states only for
    // versions inside a CPE range, and 1.2.3 is outside `<= 1.2.1` (its one match), so it
    // had nothing to say; not one of its bugs. We record the secdb fix: fixed.
    assert_eq!(
        original_cpe_matches(&fixtures, "CVE-2020-28928").unwrap(),
        vec![("1.2.1".to_owned(), "<=".to_owned())]
    );
    assert!(!original.contains_key(&("CVE-2020-28928".to_owned(), "musl".to_owned())));
    assert_eq!(
        states[&key("CVE-2020-28928", "musl", "1.2.3-r2")].0,
        State::Fixed
    );

    // CVE-2021-42374 and CVE-2022-28391, busybox: the original simply had no data. Its
    // export has no CPE match at all for either CVE (although the NVD records' only
    // configuration names busybox in its first node, so the first-node bug does not
    // explain it: the record was not in its database, or had no configuration yet), and
    // so no 3.16-main state; its only rows are the secfixes versions of older branches.
    // We match the NVD ranges and the secdb fixes: both fixed.
    for cve in ["CVE-2021-42374", "CVE-2022-28391"] {
        assert_eq!(
            original_cpe_matches(&fixtures, cve).unwrap(),
            vec![],
            "{cve}"
        );
        assert!(!original.contains_key(&(cve.to_owned(), "busybox".to_owned())));
        assert_eq!(
            states[&key(cve, "busybox", "1.35.0-r17")].0,
            State::Fixed,
            "{cve}"
        );
    }

    // CVE-2022-40674, expat: no output from the original. It mapped a CPE product to a
    // package only by name and target_sw, so libexpat_project:libexpat never met
    // Alpine's `expat`; we map it with an alias: fixed in 2.4.9-r0.
    assert_eq!(original_cpe_matches(&fixtures, "CVE-2022-40674"), None);
    assert_eq!(
        states[&key("CVE-2022-40674", "expat", "2.5.0-r0")].0,
        State::Fixed
    );

    // CVE-2021-30139 and CVE-2021-36159, apk-tools: the original's output has neither
    // CVE (no data to compare).
    for cve in ["CVE-2021-30139", "CVE-2021-36159"] {
        assert_eq!(original_cpe_matches(&fixtures, cve), None, "{cve}");
        assert_eq!(states[&key(cve, "apk-tools", "2.12.9-r3")].0, State::Fixed);
    }
}

/// The real APKBUILDs of the fixtures, read as the `aports` source of v3.16 main instead
/// of the secdb. They are older than v3.16 (busybox 1.31.1), so they record fewer
/// fixes: what they record decides, with its source, and what they lack is left to the
/// CVE data.
#[test]
fn aports_apkbuilds_give_the_fixes_in_place_of_the_secdb() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let text = r#"
[sources]
keys = "apkindex/keys"
nvd = ["nvd/fkie-cad"]

[[branch]]
name = "v3.16"
repos = ["main"]
archs = ["x86_64"]
apkindex = "apkindex/alpine-v3.16-main-x86_64.APKINDEX.tar.gz"
secdb = ""
aports = "aports/{repo}"
"#;
    let config = Config::parse(text, Path::new("aports.toml"), &fixtures).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut db = db::open(&format!("sqlite:{}", dir.path().join("a.db").display())).unwrap();
    let mut inputs = sync::Inputs::new(secfixes_fetch::Client::new(
        secfixes_fetch::SystemClock::shared(),
    ));
    let summary = sync::sync(db.as_mut(), &config, &mut inputs, None, &sync::Quiet).unwrap();
    let aports = &summary.steps.iter().find(|(n, _)| n == "aports").unwrap().1;
    assert!(aports.records > 100, "{aports:?}");
    assert_eq!(
        db::count(db.as_mut(), "fix").unwrap() as u64,
        aports.records
    );

    // busybox lists CVE-2019-5747 under two versions; the first fix shipped decides.
    let v = report::explain(db.as_mut(), "CVE-2019-5747", "busybox", TAG).unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].state, State::Fixed);
    assert_eq!(v[0].fixed_version.as_deref(), Some("1.29.3-r10"));
    assert_eq!(v[0].fix_source.as_deref(), Some("aports"));

    // This APKBUILD predates CVE-2022-28391: no fix is recorded, so NVD's `<= 1.35.0`
    // decides for 1.35.0-r17 (the secdb of v3.16 records the fix in 1.35.0-r7).
    let v = report::explain(db.as_mut(), "CVE-2022-28391", "busybox", TAG).unwrap();
    assert_eq!(v[0].state, State::Vulnerable);
    assert_eq!(v[0].fixed_version, None);

    // Importing the same checkout again changes nothing.
    let again = sync::import_aports(db.as_mut(), &config, &[], &sync::Quiet).unwrap();
    assert_eq!(again.changed, 0);
}
