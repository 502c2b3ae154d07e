//! Every repository tag with its counts by state: the index page.

use serde::Serialize;

use super::states::parse_state;
use crate::Result;
use crate::db::Db;
use crate::engine::State;

/// One repository tag (`3.16-main`) and what its published packages' states add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TagSummary {
    pub tag: String,
    pub branch: String,
    pub repo: String,
    /// Published origin packages.
    pub packages: u64,
    /// Published origin packages with no maintainer.
    pub orphaned: u64,
    /// Published origin packages with at least one open state.
    pub packages_open: u64,
    pub vulnerable: u64,
    pub possibly_vulnerable: u64,
    pub unknown: u64,
    pub fixed: u64,
    pub not_affected: u64,
}

impl TagSummary {
    /// The count of states in `state`.
    pub fn count(&self, state: State) -> u64 {
        match state {
            State::Vulnerable => self.vulnerable,
            State::PossiblyVulnerable => self.possibly_vulnerable,
            State::Unknown => self.unknown,
            State::Fixed => self.fixed,
            State::NotAffected => self.not_affected,
        }
    }

    fn count_mut(&mut self, state: State) -> &mut u64 {
        match state {
            State::Vulnerable => &mut self.vulnerable,
            State::PossiblyVulnerable => &mut self.possibly_vulnerable,
            State::Unknown => &mut self.unknown,
            State::Fixed => &mut self.fixed,
            State::NotAffected => &mut self.not_affected,
        }
    }
}

/// Every repository tag, by tag, with its counts.
pub fn tags(db: &mut dyn Db) -> Result<Vec<TagSummary>> {
    let mut out: Vec<TagSummary> = super::repos(db)?
        .into_iter()
        .map(|(tag, branch, repo)| TagSummary {
            tag,
            branch,
            repo,
            ..TagSummary::default()
        })
        .collect();
    let mut counts = Vec::new();
    db.query(
        "SELECT s.repo_tag, s.state, COUNT(*) FROM state s JOIN origin_version ov \
         ON ov.repo_tag = s.repo_tag AND ov.origin = s.origin AND ov.version = s.version \
         WHERE ov.published = 1 GROUP BY s.repo_tag, s.state",
        &[],
        &mut |row| {
            counts.push((row.req_text(0)?, row.req_text(1)?, row.req_int(2)?));
            Ok(())
        },
    )?;
    for (tag, state, n) in counts {
        if let Some(i) = position(&out, &tag) {
            *out[i].count_mut(parse_state(&state)?) = u64::try_from(n).unwrap_or(0);
        }
    }
    let mut packages = Vec::new();
    db.query(
        "SELECT repo_tag, COUNT(DISTINCT origin), \
         COUNT(DISTINCT CASE WHEN maintainer IS NULL THEN origin END) \
         FROM origin_version WHERE published = 1 GROUP BY repo_tag",
        &[],
        &mut |row| {
            packages.push((row.req_text(0)?, row.req_int(1)?, row.req_int(2)?));
            Ok(())
        },
    )?;
    for (tag, all, orphaned) in packages {
        if let Some(i) = position(&out, &tag) {
            out[i].packages = u64::try_from(all).unwrap_or(0);
            out[i].orphaned = u64::try_from(orphaned).unwrap_or(0);
        }
    }
    let mut open_packages = Vec::new();
    db.query(
        &format!(
            "SELECT s.repo_tag, COUNT(DISTINCT s.origin) FROM state s JOIN origin_version ov \
             ON ov.repo_tag = s.repo_tag AND ov.origin = s.origin AND ov.version = s.version \
             WHERE ov.published = 1 AND s.state IN ({}) GROUP BY s.repo_tag",
            super::states::open_states_sql()
        ),
        &[],
        &mut |row| {
            open_packages.push((row.req_text(0)?, row.req_int(1)?));
            Ok(())
        },
    )?;
    for (tag, n) in open_packages {
        if let Some(i) = position(&out, &tag) {
            out[i].packages_open = u64::try_from(n).unwrap_or(0);
        }
    }
    Ok(out)
}

fn position(out: &[TagSummary], tag: &str) -> Option<usize> {
    out.iter().position(|t| t.tag == tag)
}
