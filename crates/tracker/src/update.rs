//! Recomputing the stored states from the stored facts.
//!
//! [`update`] recomputes the CVEs that the imports marked dirty since the last run
//! (changed CVE records, and every CVE tied to a package whose versions, fixes or
//! rejections changed); with `full`, or when the mapping rules changed, it recomputes
//! every CVE. Both paths run the same code over a different set of CVEs, and a state is
//! only written when it differs, with an event recording the change.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::mpsc;

use indicatif::ProgressBar;

use secfixes_cve::Cve;

use crate::config::Config;
use crate::db::{self, Db, Value};
use crate::engine::{self, Candidate, Facts, FixSource, RecordedFix, Rejection, severity};
use crate::import::now;
use crate::mapping::{Mapper, ProductKey, Via};
use crate::{Error, ErrorKind, Result};

/// How many CVEs are loaded and written per batch.
const CHUNK: usize = 500;

/// What an update did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateSummary {
    /// Whether every CVE was recomputed.
    pub full: bool,
    /// CVEs recomputed.
    pub cves: u64,
    /// States computed.
    pub states: u64,
    /// States added, changed or removed.
    pub changed: u64,
}

impl std::fmt::Display for UpdateSummary {
    /// `N CVEs recomputed (full), N states, N changed`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} CVEs recomputed{}, {} states, {} changed",
            self.cves,
            if self.full { " (full)" } else { "" },
            self.states,
            self.changed
        )
    }
}

/// A hash of the mapping rules: when it changes, every CVE is recomputed.
fn mapping_fingerprint(config: &Config) -> Result<String> {
    let json = serde_json::to_string(&config.mapping)
        .map_err(|e| Error::new(ErrorKind::Config, format!("mapping: {e}")))?;
    Ok(crate::import::digest(json.as_bytes()))
}

/// Recomputes what changed since the last update (everything with `full`), in one
/// transaction.
pub fn update(
    db: &mut dyn Db,
    config: &Config,
    full: bool,
    progress: &ProgressBar,
) -> Result<UpdateSummary> {
    let summary = db::transaction(db, |db| run(db, config, full, progress))?;
    if summary.changed >= db::BULK {
        db.refresh_statistics(&["state", "state_event"])?;
    }
    Ok(summary)
}

/// Recomputes what is dirty inside the caller's transaction: a triage action commits
/// together with the states it changes. Refuses when `config`'s mapping rules are not
/// the ones of the last update: recomputing would then quietly redo every state by other
/// rules.
pub(crate) fn update_within(
    db: &mut dyn Db,
    config: &Config,
    progress: &ProgressBar,
) -> Result<UpdateSummary> {
    let fingerprint = mapping_fingerprint(config)?;
    if let Some(stored) = db::get_meta(db, "mapping")?
        && stored != fingerprint
    {
        return Err(Error::new(
            ErrorKind::Config,
            "the server's configuration maps products to packages by other rules than the \
             last update did: give the server the configuration `sync` uses",
        ));
    }
    run(db, config, false, progress)
}

fn run(
    db: &mut dyn Db,
    config: &Config,
    full: bool,
    progress: &ProgressBar,
) -> Result<UpdateSummary> {
    let fingerprint = mapping_fingerprint(config)?;
    let full = full || db::get_meta(db, "mapping")?.as_deref() != Some(fingerprint.as_str());

    progress.set_message("loading packages and product mapping");
    let published = load_published(db)?;
    let origins: HashSet<String> = published.tags.keys().cloned().collect();
    let binaries = load_binaries(db)?;
    let mapper = Mapper::new(&config.mapping, &origins, &binaries);

    let cves = if full {
        let index = load_key_index(db, &mapper)?;
        all_cves(db, &index)?
    } else {
        dirty_cves(db, &mapper)?
    };
    progress.set_length(cves.len() as u64);
    progress.set_message("recomputing states");

    let mut summary = UpdateSummary {
        full,
        ..UpdateSummary::default()
    };
    let time = now();
    // The first update of a database records no events: every state would be one, and
    // "recent changes" would start buried under the initial import.
    let events = !(full && db::count(db, "state")? == 0);
    // In id order, so that events are numbered the same way on every run.
    let mut ids: Vec<&String> = cves.iter().collect();
    ids.sort_unstable();
    // This thread loads and writes; a worker decides, one chunk behind, so that the
    // engine's CPU time overlaps the database's.
    let (to_worker, work) = mpsc::sync_channel::<Loaded>(1);
    let (to_writer, done) = mpsc::sync_channel::<Result<Computed>>(1);
    let (published, mapper) = (&published, &mapper);
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(move || {
            for loaded in work {
                if to_writer
                    .send(compute(loaded, published, mapper, time, events))
                    .is_err()
                {
                    break;
                }
            }
        });
        // Owned here, so that an early return drops it and a blocked worker stops.
        let done = done;
        let mut in_flight = 0;
        for chunk in ids.chunks(CHUNK) {
            let loaded = load(db, chunk)?;
            if to_worker.send(loaded).is_err() {
                break;
            }
            in_flight += 1;
            if in_flight == 2 {
                write_computed(db, recv(&done)?, &mut summary)?;
                in_flight -= 1;
            }
            summary.cves += chunk.len() as u64;
            progress.inc(chunk.len() as u64);
        }
        // Dropping the sender ends the worker once it has done the rest.
        drop(to_worker);
        for _ in 0..in_flight {
            write_computed(db, recv(&done)?, &mut summary)?;
        }
        Ok(())
    })?;
    db.execute("DELETE FROM dirty", &[])?;
    db::set_meta(db, "mapping", &fingerprint)?;
    db::set_meta(db, "last_update", &time.to_string())?;
    if summary.changed > 0 {
        db::bump_generation(db)?;
    }
    Ok(summary)
}

/// Published versions per (repo tag, origin), and the tags each origin is in.
#[derive(Debug, Default)]
struct Published {
    versions: HashMap<(String, String), Vec<String>>,
    tags: HashMap<String, Vec<String>>,
}

impl Published {
    fn versions(&self, tag: &str, origin: &str) -> &[String] {
        // Keyed by owned pairs; a lookup allocates, once per (CVE, package) pair.
        self.versions
            .get(&(tag.to_owned(), origin.to_owned()))
            .map_or(&[][..], Vec::as_slice)
    }
}

fn load_published(db: &mut dyn Db) -> Result<Published> {
    let mut out = Published::default();
    // Rows come grouped by (tag, origin): only a new group costs a map insertion.
    let mut group: Option<((String, String), Vec<String>)> = None;
    let close = |out: &mut Published, group: Option<((String, String), Vec<String>)>| {
        if let Some(((tag, origin), versions)) = group {
            out.tags
                .entry(origin.clone())
                .or_default()
                .push(tag.clone());
            out.versions.insert((tag, origin), versions);
        }
    };
    db.query(
        "SELECT repo_tag, origin, version FROM origin_version WHERE published = 1 \
         ORDER BY repo_tag, origin, version",
        &[],
        &mut |row| {
            let (tag, origin, version) = (row.req_text(0)?, row.req_text(1)?, row.req_text(2)?);
            match &mut group {
                Some(((t, o), versions)) if *t == tag && *o == origin => versions.push(version),
                _ => close(&mut out, group.replace(((tag, origin), vec![version]))),
            }
            Ok(())
        },
    )?;
    close(&mut out, group);
    Ok(out)
}

/// Binary package names (listed now) that differ from their origin's, to the origin.
fn load_binaries(db: &mut dyn Db) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    db.query(
        "SELECT DISTINCT name, origin FROM package WHERE last_seen IS NULL AND name <> origin",
        &[],
        &mut |row| {
            out.insert(row.req_text(0)?, row.req_text(1)?);
            Ok(())
        },
    )?;
    Ok(out)
}

/// The stored product keys that map to some origin, by origin: how the CVEs of a
/// package are found. Rules are mapped again as each CVE is decided, so an update that
/// only has changed CVEs to do does not need this.
struct KeyIndex {
    ids_by_origin: HashMap<String, Vec<i64>>,
    mapped_ids: Vec<i64>,
}

fn load_key_index(db: &mut dyn Db, mapper: &Mapper<'_>) -> Result<KeyIndex> {
    let mut m = KeyIndex {
        ids_by_origin: HashMap::new(),
        mapped_ids: Vec::new(),
    };
    db.query(
        "SELECT id, vendor, product, target_sw, package_name, collection_url FROM product_key",
        &[],
        &mut |row| {
            let key = ProductKey {
                vendor: row.req_text(1)?,
                product: row.req_text(2)?,
                target_sw: row.req_text(3)?,
                package_name: row.req_text(4)?,
                collection_url: row.req_text(5)?,
            };
            let targets = mapper.map(&key);
            if !targets.is_empty() {
                let id = row.req_int(0)?;
                m.mapped_ids.push(id);
                for (origin, _) in targets {
                    m.ids_by_origin.entry(origin).or_default().push(id);
                }
            }
            Ok(())
        },
    )?;
    Ok(m)
}

/// `$first, $first+1, …` for an `IN (…)` list of `n` values.
fn marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Collects the first column of a query over chunks of `values` bound to an `IN` list.
fn collect_in(
    db: &mut dyn Db,
    sql_with_list: &str,
    values: &[Value],
    out: &mut BTreeSet<String>,
) -> Result<()> {
    for chunk in values.chunks(CHUNK) {
        let sql = sql_with_list.replace("{list}", &marks(1, chunk.len()));
        db.query(&sql, chunk, &mut |row| {
            out.insert(row.req_text(0)?);
            Ok(())
        })?;
    }
    Ok(())
}

/// Every CVE that can have a state: named by a mapped product, fixed, rejected, or
/// holding a state now (which may have to go).
fn all_cves(db: &mut dyn Db, mapping: &KeyIndex) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let ids: Vec<Value> = mapping.mapped_ids.iter().map(|i| Value::Int(*i)).collect();
    collect_in(
        db,
        "SELECT DISTINCT cve_id FROM cve_product WHERE key_id IN ({list})",
        &ids,
        &mut out,
    )?;
    for sql in [
        "SELECT DISTINCT vuln_id FROM fix",
        "SELECT DISTINCT vuln_id FROM rejection",
        "SELECT DISTINCT vuln_id FROM state",
    ] {
        db.query(sql, &[], &mut |row| {
            out.insert(row.req_text(0)?);
            Ok(())
        })?;
    }
    Ok(out)
}

/// The CVEs touched by what the imports marked dirty.
fn dirty_cves(db: &mut dyn Db, mapper: &Mapper<'_>) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut packages = Vec::new();
    db.query("SELECT kind, key, sub FROM dirty", &[], &mut |row| {
        match row.req_text(0)?.as_str() {
            "cve" => {
                out.insert(row.req_text(1)?);
            }
            _ => packages.push((row.req_text(1)?, row.req_text(2)?)),
        }
        Ok(())
    })?;
    let mapping = if packages.is_empty() {
        None
    } else {
        Some(load_key_index(db, mapper)?)
    };
    let mut key_ids: BTreeSet<i64> = BTreeSet::new();
    for (tag, origin) in &packages {
        if let Some(ids) = mapping.as_ref().and_then(|m| m.ids_by_origin.get(origin)) {
            key_ids.extend(ids);
        }
        for sql in [
            "SELECT vuln_id FROM fix WHERE repo_tag = $1 AND origin = $2",
            "SELECT vuln_id FROM rejection WHERE repo_tag = $1 AND origin = $2",
            "SELECT vuln_id FROM state WHERE repo_tag = $1 AND origin = $2",
        ] {
            db.query(sql, &[tag.into(), origin.into()], &mut |row| {
                out.insert(row.req_text(0)?);
                Ok(())
            })?;
        }
    }
    let ids: Vec<Value> = key_ids.into_iter().map(Value::Int).collect();
    collect_in(
        db,
        "SELECT DISTINCT cve_id FROM cve_product WHERE key_id IN ({list})",
        &ids,
        &mut out,
    )?;
    Ok(out)
}

/// A computed state row (everything but the key and the time).
#[derive(Debug, Clone, PartialEq)]
struct StateRow {
    state: String,
    fixed_version: Option<String>,
    fix_source: Option<String>,
    severity: Option<String>,
    score: Option<f64>,
    /// The explanation as JSON.
    explanation: String,
    /// Covers every field above: equal digests, equal rows.
    digest: String,
}

impl StateRow {
    fn digest_of(&self) -> String {
        let text = format!(
            "{}\0{:?}\0{:?}\0{:?}\0{:?}\0{}",
            self.state,
            self.fixed_version,
            self.fix_source,
            self.severity,
            self.score,
            self.explanation
        );
        crate::import::digest(text.as_bytes())
    }
}

/// What an update reads back of a stored state: enough to tell whether it changed.
#[derive(Debug, Clone, PartialEq)]
struct StoredState {
    state: String,
    digest: String,
}

/// (vuln, repo tag, origin, version).
type StateKey = (String, String, String, String);

/// Loads the facts of a chunk of CVEs, decides their states and writes the difference.
/// Returns (states computed, states changed).
/// The stored facts and states of a chunk of CVEs.
struct Loaded {
    ids: Vec<String>,
    records: BTreeMap<String, Vec<(String, Vec<u8>)>>,
    fixes: PerVuln<RecordedFix>,
    rejections: PerVuln<Rejection>,
    old: HashMap<StateKey, StoredState>,
}

/// A chunk's new states, with its stored ones to compare.
struct Computed {
    /// States computed.
    states: u64,
    /// What to write.
    diff: Difference,
}

fn recv(done: &mpsc::Receiver<Result<Computed>>) -> Result<Computed> {
    done.recv()
        .map_err(|_| Error::new(ErrorKind::Database, "the state worker stopped"))?
}

fn write_computed(db: &mut dyn Db, computed: Computed, summary: &mut UpdateSummary) -> Result<()> {
    summary.states += computed.states;
    summary.changed += write_difference(db, computed.diff)?;
    Ok(())
}

/// Decides the states of a loaded chunk (no database: runs on the worker thread).
fn compute(
    loaded: Loaded,
    published: &Published,
    mapper: &Mapper<'_>,
    time: i64,
    events: bool,
) -> Result<Computed> {
    let Loaded {
        ids,
        mut records,
        fixes,
        rejections,
        old,
    } = loaded;
    let mut new: BTreeMap<StateKey, StateRow> = BTreeMap::new();
    let none_fixed = BTreeMap::new();
    let none_rejected = BTreeMap::new();
    for id in &ids {
        let cve = merge_records(id, records.remove(id.as_str()).unwrap_or_default())?;
        decide_cve(
            id,
            cve.as_ref(),
            published,
            mapper,
            fixes.get(id.as_str()).unwrap_or(&none_fixed),
            rejections.get(id.as_str()).unwrap_or(&none_rejected),
            &mut new,
        )?;
    }
    Ok(Computed {
        states: new.len() as u64,
        diff: difference(&old, &new, time, events),
    })
}

/// Loads what the engine needs about a chunk of CVEs, and their stored states.
fn load(db: &mut dyn Db, ids: &[&String]) -> Result<Loaded> {
    let params: Vec<Value> = ids.iter().map(|s| Value::from(*s)).collect();
    let list = marks(1, ids.len());

    let mut records: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    db.query(
        &format!("SELECT cve_id, source, doc FROM cve_record WHERE cve_id IN ({list})"),
        &params,
        &mut |row| {
            records
                .entry(row.req_text(0)?)
                .or_default()
                .push((row.req_text(1)?, row.req_blob(2)?));
            Ok(())
        },
    )?;
    let mut fixes: PerVuln<RecordedFix> = HashMap::new();
    db.query(
        &format!(
            "SELECT vuln_id, repo_tag, origin, version, source FROM fix WHERE vuln_id IN ({list})"
        ),
        &params,
        &mut |row| {
            let source = row.req_text(4)?;
            let source = FixSource::parse(&source).ok_or_else(|| {
                Error::new(
                    ErrorKind::Database,
                    format!("unknown fix source {source:?}"),
                )
            })?;
            fixes
                .entry(row.req_text(0)?)
                .or_default()
                .entry((row.req_text(1)?, row.req_text(2)?))
                .or_default()
                .push(RecordedFix {
                    version: row.req_text(3)?,
                    source,
                });
            Ok(())
        },
    )?;
    let mut rejections: PerVuln<Rejection> = HashMap::new();
    db.query(
        &format!(
            "SELECT vuln_id, repo_tag, origin, source, reason, rationale, actor, actor_role \
             FROM rejection WHERE vuln_id IN ({list}) ORDER BY source"
        ),
        &params,
        &mut |row| {
            rejections
                .entry(row.req_text(0)?)
                .or_default()
                .entry((row.req_text(1)?, row.req_text(2)?))
                .or_default()
                .push(Rejection {
                    source: row.req_text(3)?,
                    reason: row.text(4)?,
                    rationale: row.text(5)?,
                    by: match (row.text(6)?, row.text(7)?) {
                        (Some(actor), Some(role)) => Some(format!("{actor} ({role})")),
                        (actor, _) => actor,
                    },
                });
            Ok(())
        },
    )?;
    let mut old: HashMap<StateKey, StoredState> = HashMap::new();
    db.query(
        &format!(
            "SELECT vuln_id, repo_tag, origin, version, state, digest FROM state \
             WHERE vuln_id IN ({list})"
        ),
        &params,
        &mut |row| {
            old.insert(
                (
                    row.req_text(0)?,
                    row.req_text(1)?,
                    row.req_text(2)?,
                    row.req_text(3)?,
                ),
                StoredState {
                    state: row.req_text(4)?,
                    digest: row.req_text(5)?,
                },
            );
            Ok(())
        },
    )?;

    Ok(Loaded {
        ids: ids.iter().map(|s| (*s).clone()).collect(),
        records,
        fixes,
        rejections,
        old,
    })
}

/// One CVE from its stored records: NVD's first, the CVE 5 record merged in.
fn merge_records(id: &str, mut docs: Vec<(String, Vec<u8>)>) -> Result<Option<Cve>> {
    docs.sort_by_key(|(source, _)| source != "nvd");
    let mut merged: Option<Cve> = None;
    for (source, doc) in docs {
        let doc = crate::packed::unpack(&doc)?;
        let cve: Cve = serde_json::from_str(&doc).map_err(|e| {
            Error::new(
                ErrorKind::Database,
                format!("stored {source} record of {id} cannot be read: {e}"),
            )
        })?;
        match &mut merged {
            Some(m) => m.merge(cve),
            None => merged = Some(cve),
        }
    }
    Ok(merged)
}

/// Facts of one kind per vulnerability, per (repo tag, origin).
type PerVuln<T> = HashMap<String, BTreeMap<(String, String), Vec<T>>>;

fn decide_cve(
    id: &str,
    cve: Option<&Cve>,
    published: &Published,
    mapper: &Mapper<'_>,
    fixes: &BTreeMap<(String, String), Vec<RecordedFix>>,
    rejections: &BTreeMap<(String, String), Vec<Rejection>>,
    out: &mut BTreeMap<StateKey, StateRow>,
) -> Result<()> {
    // Every rule's targets, then the candidate rules per origin.
    let mut targets: Vec<(usize, String, Via)> = Vec::new();
    let rules = cve.map_or(&[][..], |c| c.rules.as_slice());
    for (i, rule) in rules.iter().enumerate() {
        if let Some(key) = ProductKey::of(rule) {
            targets.extend(mapper.map(&key).into_iter().map(|(o, via)| (i, o, via)));
        }
    }
    let mut by_origin: BTreeMap<&str, Vec<Candidate<'_>>> = BTreeMap::new();
    for (i, origin, via) in &targets {
        by_origin
            .entry(origin.as_str())
            .or_default()
            .push(Candidate {
                rule: &rules[*i],
                via,
            });
    }
    // Every (tag, origin) with published versions that a rule, fix or rejection names.
    let mut pairs: BTreeSet<(&str, &str)> = BTreeSet::new();
    for origin in by_origin.keys() {
        for tag in published.tags.get(*origin).into_iter().flatten() {
            pairs.insert((tag, origin));
        }
    }
    for (tag, origin) in fixes.keys().chain(rejections.keys()) {
        pairs.insert((tag, origin));
    }
    let sev = cve.and_then(severity::of);
    let no_candidates = Vec::new();
    for (tag, origin) in pairs {
        let key = (tag.to_owned(), origin.to_owned());
        let candidates = by_origin.get(origin).unwrap_or(&no_candidates);
        let pair_fixes = fixes.get(&key).map_or(&[][..], Vec::as_slice);
        let pair_rejections = rejections.get(&key).map_or(&[][..], Vec::as_slice);
        // Unpublished packages get no state (a fix for a package no index lists).
        let versions = published.versions(tag, origin);
        for version in versions {
            let facts = Facts {
                version,
                rejections: pair_rejections,
                fixes: pair_fixes,
                candidates,
            };
            let Some(verdict) = engine::decide(&facts) else {
                continue;
            };
            let explanation = serde_json::to_string(&verdict.explanation)
                .map_err(|e| Error::new(ErrorKind::Json, format!("explanation of {id}: {e}")))?;
            let mut row = StateRow {
                state: verdict.state.as_str().to_owned(),
                fixed_version: verdict.fixed_version,
                fix_source: verdict.fix_source.map(|s| s.as_str().to_owned()),
                severity: sev.map(|(s, _)| severity::name(s).to_owned()),
                score: sev.map(|(_, score)| score),
                explanation,
                digest: String::new(),
            };
            row.digest = row.digest_of();
            let key = (
                id.to_owned(),
                tag.to_owned(),
                origin.to_owned(),
                version.clone(),
            );
            out.insert(key, row);
        }
    }
    Ok(())
}

/// The rows an update writes for a chunk: built on the worker (explanations deflated
/// there), written by the database thread.
struct Difference {
    /// New and changed states, as `state` rows.
    rows: Vec<Vec<Value>>,
    /// Changed and removed states, deleted first.
    gone: Vec<StateKey>,
    /// One `state_event` row per change of state.
    events: Vec<Vec<Value>>,
    /// States added, changed or removed.
    changed: u64,
}

/// Compares new states with the stored ones: changed rows are deleted and inserted again
/// (two statements per hundred rows instead of one UPDATE per row: round trips are what
/// an incremental update costs), with an event for each change of state.
fn difference(
    old: &HashMap<StateKey, StoredState>,
    new: &BTreeMap<StateKey, StateRow>,
    time: i64,
    events: bool,
) -> Difference {
    let mut d = Difference {
        rows: Vec::new(),
        gone: Vec::new(),
        events: Vec::new(),
        changed: 0,
    };
    for (key, row) in new {
        let old_state = match old.get(key) {
            Some(o) if o.digest == row.digest => continue,
            Some(o) => {
                d.gone.push(key.clone());
                Some(o.state.as_str())
            }
            None => None,
        };
        if events && old_state != Some(row.state.as_str()) {
            d.events.push(event(key, old_state, Some(&row.state), time));
        }
        d.rows.push(vec![
            Value::from(key.0.as_str()),
            key.1.as_str().into(),
            key.2.as_str().into(),
            key.3.as_str().into(),
            row.state.as_str().into(),
            row.fixed_version.as_deref().into(),
            row.fix_source.as_deref().into(),
            row.severity.as_deref().into(),
            row.score.into(),
            crate::packed::pack(row.explanation.as_bytes()).into(),
            row.digest.as_str().into(),
            time.into(),
        ]);
    }
    d.changed = d.rows.len() as u64;
    let mut removed: Vec<(&StateKey, &StoredState)> = old
        .iter()
        .filter(|(key, _)| !new.contains_key(*key))
        .collect();
    removed.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (key, o) in removed {
        d.gone.push(key.clone());
        d.events.push(event(key, Some(&o.state), None, time));
        d.changed += 1;
    }
    d
}

/// Writes a chunk's difference; returns the states added, changed or removed.
fn write_difference(db: &mut dyn Db, d: Difference) -> Result<u64> {
    for keys in d.gone.chunks(100) {
        let tuples: Vec<String> = (0..keys.len())
            .map(|i| {
                let p = 4 * i;
                format!("(${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4)
            })
            .collect();
        let sql = format!(
            "DELETE FROM state WHERE (vuln_id, repo_tag, origin, version) IN (VALUES {})",
            tuples.join(", ")
        );
        let params: Vec<Value> = keys
            .iter()
            .flat_map(|k| [k.0.as_str(), k.1.as_str(), k.2.as_str(), k.3.as_str()])
            .map(Value::from)
            .collect();
        db.execute(&sql, &params)?;
    }
    db.insert_rows(
        "state",
        &[
            "vuln_id",
            "repo_tag",
            "origin",
            "version",
            "state",
            "fixed_version",
            "fix_source",
            "severity",
            "score",
            "explanation",
            "digest",
            "changed_at",
        ],
        &mut d.rows.into_iter(),
    )?;
    db.insert_rows(
        "state_event",
        &[
            "at",
            "vuln_id",
            "repo_tag",
            "origin",
            "version",
            "old_state",
            "new_state",
        ],
        &mut d.events.into_iter(),
    )?;
    Ok(d.changed)
}

fn event(key: &StateKey, old: Option<&str>, new: Option<&str>, time: i64) -> Vec<Value> {
    vec![
        Value::Int(time),
        key.0.as_str().into(),
        key.1.as_str().into(),
        key.2.as_str().into(),
        key.3.as_str().into(),
        old.into(),
        new.into(),
    ]
}
