//! The rejections of the store, exported: as security-rejections YAML, one document per
//! repository (what [`secfixes_apk::rejections`] reads and the tracker imports again), and
//! as JSON with every stored field.
//!
//! Both read the rows of `rejection` whose source is the YAML ([`import::rejections::SOURCE`])
//! or triage ([`triage::SOURCE`]); fixes recorded as secdb `0:` are fixes, not rejections,
//! and stay in the APKBUILDs they come from.
//!
//! # The YAML
//!
//! One `{repo}.yaml` applies to every branch of its repository, so a (package, CVE) pair
//! is an entry only when it is rejected on every tag of the repository where the package
//! is published (`origin_version.published = 1`), or when the package is published on no
//! tag of the repository. A pair rejected on some of those tags only is not an entry: it
//! is listed in the comment block at the top of the file, so that the file never says
//! more than the tracker knows:
//!
//! ```yaml
//! # Security rejections of the main repository, exported by `secfixes export rejections`.
//! # An entry is rejected on every branch where its package is published (3.22-main, edge-main).
//! #
//! # not exported (rejected on some branches only):
//! #   CVE-2026-90009  musl: 3.22-main (not edge-main)
//!
//! # The comments of the imported file, then for each triage rejection:
//! # CVE-2026-90008: vulnerable_code_not_present, by jane (maintainer) on 2026-03-01
//! #   curl is built without the affected protocol.
//! curl:
//!   - CVE-2026-90008
//! ```
//!
//! Packages are in byte order, ids in [`id_order`]. The comments right above a package
//! are its rationale for the reader: the distinct rationales imported from YAML, then one
//! block per distinct triage decision (reason code, author, role and date, followed by
//! the rationale indented by two spaces; with the tags in parentheses when the decision
//! does not cover every tag where the pair is rejected). A triage block that the imported
//! rationale already contains (a file exported, then imported) is not repeated.
//!
//! # The JSON
//!
//! `{"rejections": [{repo_tag, branch, repo, origin, vuln_id, source, reason, rationale,
//! actor, actor_role, created_at}]}`, every row, sorted by (repo tag, origin, vuln id,
//! source); `created_at` is RFC 3339 or null, `branch` and `repo` are null for a tag
//! that the `repo` table does not know.

use std::collections::{BTreeMap, BTreeSet};

use secfixes_apk::rejections::{self as yaml, Rejection, Rejections};
use secfixes_apk::secdb::SecfixId;
use serde::{Serialize, Serializer};

use super::{date, id_order, rfc3339};
use crate::db::Db;
use crate::{Error, ErrorKind, Result, import, triage};

/// The sources exported: the security-rejections YAML and triage.
pub const SOURCES: [&str; 2] = [import::rejections::SOURCE, triage::SOURCE];

/// One stored rejection, with the branch and repository of its tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRejection {
    pub repo_tag: String,
    /// `None` when the `repo` table does not know the tag.
    pub branch: Option<String>,
    pub repo: Option<String>,
    pub origin: String,
    pub vuln_id: String,
    /// [`import::rejections::SOURCE`] or [`triage::SOURCE`].
    pub source: String,
    /// The reason code of a triage rejection (`vulnerable_code_not_present`, …).
    pub reason: Option<String>,
    pub rationale: Option<String>,
    /// Who made a triage rejection, and as whom (`maintainer`, `security`).
    pub actor: Option<String>,
    pub actor_role: Option<String>,
    /// When, in Unix seconds; RFC 3339 in the JSON.
    #[serde(serialize_with = "as_rfc3339")]
    pub created_at: Option<i64>,
}

fn as_rfc3339<S: Serializer>(secs: &Option<i64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match secs {
        Some(secs) => s.serialize_str(&rfc3339(*secs)),
        None => s.serialize_none(),
    }
}

/// A repository tag of the store (`3.22-main`: branch `v3.22`, repository `main`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoTag {
    pub tag: String,
    pub branch: String,
    pub repo: String,
}

/// What the exports need from the store, read once by [`read`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Export {
    /// Every rejection of the exported sources, sorted by (repo tag, origin, vuln id,
    /// source).
    pub rejections: Vec<StoredRejection>,
    /// Every repository tag, by tag.
    pub tags: Vec<RepoTag>,
    /// (repo tag, origin) where a rejected origin has a published version.
    pub published: BTreeSet<(String, String)>,
}

/// Reads the rejections, the repository tags and where the rejected origins are
/// published.
pub fn read(db: &mut dyn Db) -> Result<Export> {
    let mut rejections = Vec::new();
    db.query(
        "SELECT r.repo_tag, p.branch, p.repo, r.origin, r.vuln_id, r.source, r.reason, \
         r.rationale, r.actor, r.actor_role, r.created_at \
         FROM rejection r LEFT JOIN repo p ON p.tag = r.repo_tag \
         WHERE r.source IN ($1, $2)",
        &[SOURCES[0].into(), SOURCES[1].into()],
        &mut |row| {
            rejections.push(StoredRejection {
                repo_tag: row.req_text(0)?,
                branch: row.text(1)?,
                repo: row.text(2)?,
                origin: row.req_text(3)?,
                vuln_id: row.req_text(4)?,
                source: row.req_text(5)?,
                reason: row.text(6)?,
                rationale: row.text(7)?,
                actor: row.text(8)?,
                actor_role: row.text(9)?,
                created_at: row.int(10)?,
            });
            Ok(())
        },
    )?;
    // Sorted here, not by ORDER BY: PostgreSQL would sort by the database's collation.
    rejections.sort_by(|a, b| {
        a.repo_tag
            .cmp(&b.repo_tag)
            .then_with(|| a.origin.cmp(&b.origin))
            .then_with(|| id_order(&a.vuln_id, &b.vuln_id))
            .then_with(|| a.source.cmp(&b.source))
    });
    let tags = super::secdb::repos(db)?;
    let mut published = BTreeSet::new();
    db.query(
        "SELECT DISTINCT repo_tag, origin FROM origin_version WHERE published = 1 \
         AND origin IN (SELECT origin FROM rejection WHERE source IN ($1, $2))",
        &[SOURCES[0].into(), SOURCES[1].into()],
        &mut |row| {
            published.insert((row.req_text(0)?, row.req_text(1)?));
            Ok(())
        },
    )?;
    Ok(Export {
        rejections,
        tags,
        published,
    })
}

/// The JSON document.
#[derive(Serialize)]
struct Json<'a> {
    rejections: &'a [StoredRejection],
}

impl Export {
    /// The JSON form, pretty-printed, with a final newline.
    pub fn to_json(&self) -> Result<String> {
        let mut text = serde_json::to_string_pretty(&Json {
            rejections: &self.rejections,
        })
        .map_err(|e| Error::new(ErrorKind::Json, e.to_string()))?;
        text.push('\n');
        Ok(text)
    }

    /// One YAML document per repository of the store (also for a repository without
    /// rejections), by repository name.
    pub fn yaml_files(&self) -> Vec<RepoFile> {
        let mut repos: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for t in &self.tags {
            repos.entry(&t.repo).or_default().push(&t.tag);
        }
        repos
            .into_iter()
            .map(|(repo, tags)| self.repo_file(repo, &tags))
            .collect()
    }

    fn repo_file(&self, repo: &str, tags: &[&str]) -> RepoFile {
        // (origin, vuln id) → its rows on the repository's tags.
        let mut pairs: BTreeMap<&str, BTreeMap<&str, Vec<&StoredRejection>>> = BTreeMap::new();
        for r in &self.rejections {
            if r.repo.as_deref() == Some(repo) {
                pairs
                    .entry(&r.origin)
                    .or_default()
                    .entry(&r.vuln_id)
                    .or_default()
                    .push(r);
            }
        }
        let mut rejections = Rejections::new();
        let mut partial = Vec::new();
        for (origin, by_id) in pairs {
            let published: BTreeSet<&str> = tags
                .iter()
                .copied()
                .filter(|t| {
                    self.published
                        .contains(&((*t).to_owned(), origin.to_owned()))
                })
                .collect();
            let mut ids: Vec<(&str, Vec<&StoredRejection>)> = by_id.into_iter().collect();
            ids.sort_by(|a, b| id_order(a.0, b.0));
            let mut entry = Entry::default();
            for (id, rows) in ids {
                let rejected: BTreeSet<&str> = rows.iter().map(|r| r.repo_tag.as_str()).collect();
                if !published.is_subset(&rejected) {
                    partial.push(Partial {
                        origin: origin.to_owned(),
                        vuln_id: id.to_owned(),
                        rejected: rejected.iter().map(|t| (*t).to_owned()).collect(),
                        not_rejected: published
                            .difference(&rejected)
                            .map(|t| (*t).to_owned())
                            .collect(),
                    });
                    continue;
                }
                entry.add(id, &rows, &rejected);
            }
            if !entry.ids.is_empty() {
                rejections
                    .packages
                    .insert(origin.to_owned(), entry.finish());
            }
        }
        RepoFile {
            repo: repo.to_owned(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            rejections,
            partial,
        }
    }
}

/// The ids and rationale of one package while they are collected.
#[derive(Default)]
struct Entry {
    ids: Vec<SecfixId>,
    /// Distinct rationales imported from YAML, in id order.
    imported: Vec<String>,
    /// One block per distinct triage decision, in id order.
    triage: Vec<String>,
}

impl Entry {
    fn add(&mut self, id: &str, rows: &[&StoredRejection], rejected: &BTreeSet<&str>) {
        self.ids.push(SecfixId::new(id));
        for r in rows
            .iter()
            .filter(|r| r.source == import::rejections::SOURCE)
        {
            if let Some(text) = r.rationale.as_deref().filter(|t| !t.trim().is_empty())
                && !self.imported.iter().any(|t| t == text)
            {
                self.imported.push(text.to_owned());
            }
        }
        // Distinct decisions, each with the tags it was made on.
        type Decision<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Option<i64>,
        );
        let mut decisions: Vec<(Decision<'_>, BTreeSet<&str>)> = Vec::new();
        for r in rows
            .iter()
            .filter(|r| r.source != import::rejections::SOURCE)
        {
            let d = (
                r.reason.as_deref(),
                r.actor.as_deref(),
                r.actor_role.as_deref(),
                r.rationale.as_deref(),
                r.created_at,
            );
            match decisions.iter_mut().find(|(k, _)| *k == d) {
                Some((_, tags)) => {
                    tags.insert(&r.repo_tag);
                }
                None => decisions.push((d, BTreeSet::from([r.repo_tag.as_str()]))),
            }
        }
        for ((reason, actor, role, rationale, created_at), tags) in decisions {
            let mut head = format!("{id}: {}", reason.unwrap_or("rejected"));
            let mut sep = ", ";
            if let Some(actor) = actor {
                head.push_str(sep);
                head.push_str("by ");
                head.push_str(actor);
                if let Some(role) = role {
                    head.push_str(&format!(" ({role})"));
                }
                sep = " ";
            }
            if let Some(at) = created_at {
                head.push_str(&format!("{sep}on {}", date(at)));
            }
            if tags != *rejected {
                let tags: Vec<&str> = tags.into_iter().collect();
                head.push_str(&format!(" [{}]", tags.join(", ")));
            }
            let mut block = head;
            // As the reader gives the lines back: no trailing blanks, `#` for an empty one.
            for line in rationale.unwrap_or("").lines().map(str::trim_end) {
                block.push('\n');
                if !line.is_empty() {
                    block.push_str("  ");
                    block.push_str(line);
                }
            }
            self.triage.push(block);
        }
    }

    /// The ids and the rationale as the reader gives it back: one string a line.
    fn finish(self) -> Rejection {
        let mut text = self.imported.join("\n");
        let mut blocks = self.imported;
        for block in self.triage {
            if !text.contains(&block) {
                text.push('\n');
                text.push_str(&block);
                blocks.push(block);
            }
        }
        Rejection {
            ids: self.ids,
            rationale: blocks
                .iter()
                .flat_map(|b| b.split('\n'))
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// A pair rejected on some of the tags where its package is published, not all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    pub origin: String,
    pub vuln_id: String,
    /// The tags where it is rejected.
    pub rejected: Vec<String>,
    /// The tags where the package is published and it is not rejected.
    pub not_rejected: Vec<String>,
}

/// The security-rejections YAML of one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoFile {
    /// The repository (`main`); the file is `{repo}.yaml`.
    pub repo: String,
    /// Its tags, one per branch.
    pub tags: Vec<String>,
    /// The entries: rejected on every tag where the package is published.
    pub rejections: Rejections,
    /// The pairs left out, listed in the header.
    pub partial: Vec<Partial>,
}

impl RepoFile {
    /// `main.yaml`.
    pub fn file_name(&self) -> String {
        format!("{}.yaml", self.repo)
    }

    /// The file's header lines (without `# `).
    pub fn header(&self) -> Vec<String> {
        let mut lines = vec![
            format!(
                "Security rejections of the {} repository, exported by `secfixes export rejections`.",
                self.repo
            ),
            format!(
                "An entry is rejected on every branch where its package is published ({}).",
                self.tags.join(", ")
            ),
        ];
        if !self.partial.is_empty() {
            lines.push(String::new());
            lines.push("not exported (rejected on some branches only):".to_owned());
            for p in &self.partial {
                lines.push(format!(
                    "  {}  {}: {} (not {})",
                    p.vuln_id,
                    p.origin,
                    p.rejected.join(", "),
                    p.not_rejected.join(", ")
                ));
            }
        }
        lines
    }

    /// The YAML text: the header, a blank line, the entries (`{}` when there are none).
    pub fn to_yaml(&self) -> String {
        yaml::to_yaml_with_header(&self.header(), &self.rejections)
    }
}

/// Reads the store and gives the YAML document of every repository.
pub fn yaml_files(db: &mut dyn Db) -> Result<Vec<RepoFile>> {
    Ok(read(db)?.yaml_files())
}

/// Reads the store and gives the JSON document.
pub fn json(db: &mut dyn Db) -> Result<String> {
    read(db)?.to_json()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(tag: &str, repo: &str, origin: &str, id: &str, source: &str) -> StoredRejection {
        StoredRejection {
            repo_tag: tag.into(),
            branch: Some(format!("v{}", tag.split('-').next().unwrap())),
            repo: Some(repo.into()),
            origin: origin.into(),
            vuln_id: id.into(),
            source: source.into(),
            reason: None,
            rationale: None,
            actor: None,
            actor_role: None,
            created_at: None,
        }
    }

    fn tag(tag: &str, repo: &str) -> RepoTag {
        RepoTag {
            tag: tag.into(),
            branch: format!("v{}", tag.split('-').next().unwrap()),
            repo: repo.into(),
        }
    }

    #[test]
    fn entries_partials_and_rationale() {
        let triage = |t: &str, id: &str, at: i64| StoredRejection {
            reason: Some("vulnerable_code_not_present".into()),
            rationale: Some("not built\nat all".into()),
            actor: Some("jane".into()),
            actor_role: Some("maintainer".into()),
            created_at: Some(at),
            ..row(t, "main", "a", id, triage::SOURCE)
        };
        let imported = |t: &str, id: &str| StoredRejection {
            rationale: Some("Windows only.".into()),
            ..row(t, "main", "a", id, import::rejections::SOURCE)
        };
        let export = Export {
            rejections: vec![
                imported("1-main", "CVE-2024-10000"),
                imported("2-main", "CVE-2024-10000"),
                triage("1-main", "CVE-2024-9999", 86_400),
                triage("2-main", "CVE-2024-9999", 2 * 86_400),
                triage("1-main", "CVE-2024-0005", 0),
                row("1-main", "main", "gone", "CVE-2024-0007", triage::SOURCE),
            ],
            tags: vec![
                tag("1-main", "main"),
                tag("2-main", "main"),
                tag("1-x", "x"),
            ],
            published: [("1-main", "a"), ("2-main", "a")]
                .into_iter()
                .map(|(t, o)| (t.to_owned(), o.to_owned()))
                .collect(),
        };
        let files = export.yaml_files();
        assert_eq!(files.len(), 2);
        assert_eq!(
            files[1].to_yaml(),
            "\
# Security rejections of the x repository, exported by `secfixes export rejections`.
# An entry is rejected on every branch where its package is published (1-x).

{}
"
        );
        let main = &files[0];
        assert_eq!(main.file_name(), "main.yaml");
        let text = main.to_yaml();
        assert_eq!(
            text,
            "\
# Security rejections of the main repository, exported by `secfixes export rejections`.
# An entry is rejected on every branch where its package is published (1-main, 2-main).
#
# not exported (rejected on some branches only):
#   CVE-2024-0005  a: 1-main (not 2-main)

# Windows only.
# CVE-2024-9999: vulnerable_code_not_present, by jane (maintainer) on 1970-01-02 [1-main]
#   not built
#   at all
# CVE-2024-9999: vulnerable_code_not_present, by jane (maintainer) on 1970-01-03 [2-main]
#   not built
#   at all
a:
  - CVE-2024-9999
  - CVE-2024-10000
# CVE-2024-0007: rejected
gone:
  - CVE-2024-0007
"
        );
        let back = yaml::from_yaml(&text).unwrap();
        assert!(back.is_clean(), "{:?}", back.diagnostics);
        assert_eq!(back.value, main.rejections);
        // Imported again, the rationale is not repeated.
        let again = Export {
            rejections: export
                .rejections
                .iter()
                .cloned()
                .map(|mut r| {
                    if r.source == import::rejections::SOURCE {
                        r.rationale = Some(back.value.packages["a"].rationale.join("\n"));
                    }
                    r
                })
                .collect(),
            ..export.clone()
        };
        assert_eq!(again.yaml_files()[0].to_yaml(), text);
    }
}
