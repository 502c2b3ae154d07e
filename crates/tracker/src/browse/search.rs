//! Search: a CVE id, package names, maintainers and words of CVE descriptions.

use serde::Serialize;

use crate::Result;
use crate::db::{Db, Value};

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Hits {
    /// The query is the id of a CVE the store knows (normalised to upper case).
    pub cve: Option<String>,
    /// Origin packages whose name contains the query.
    pub packages: Vec<String>,
    /// Maintainers whose name or address contains the query.
    pub maintainers: Vec<String>,
    /// CVEs whose description contains every word of the query: (id, description).
    pub cves: Vec<(String, String)>,
}

/// How many words of a query count; the rest are ignored.
pub const MAX_WORDS: usize = 8;

/// A `LIKE` pattern for "contains `word`", case folded, with `%`, `_` and `\` escaped.
fn contains(word: &str) -> Value {
    let mut pattern = String::from("%");
    for c in word.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Value::Text(pattern)
}

/// Whether `q` has the shape of a CVE id (`CVE-YYYY-NNNN…`, any case).
pub fn is_cve_id(q: &str) -> bool {
    let Some(rest) = q
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("cve-"))
        .map(|_| &q[4..])
    else {
        return false;
    };
    let mut parts = rest.split('-');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(year), Some(n), None)
            if year.len() == 4 && n.len() >= 4
                && year.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit())
    )
}

/// Searches for `q` (trimmed; empty finds nothing), at most `limit` hits of each kind.
pub fn search(db: &mut dyn Db, q: &str, limit: usize) -> Result<Hits> {
    let q = q.trim();
    let mut hits = Hits::default();
    if q.is_empty() {
        return Ok(hits);
    }
    if is_cve_id(q) {
        let id = q.to_ascii_uppercase();
        if super::cve::page(db, &id)?.is_some() {
            hits.cve = Some(id);
        }
    }
    let like = contains(q);
    db.query(
        &format!(
            "SELECT DISTINCT origin FROM origin_version WHERE LOWER(origin) LIKE $1 ESCAPE '\\' \
             ORDER BY origin LIMIT {limit}"
        ),
        std::slice::from_ref(&like),
        &mut |row| {
            hits.packages.push(row.req_text(0)?);
            Ok(())
        },
    )?;
    db.query(
        &format!(
            "SELECT DISTINCT maintainer FROM origin_version WHERE published = 1 \
             AND LOWER(maintainer) LIKE $1 ESCAPE '\\' ORDER BY maintainer LIMIT {limit}"
        ),
        std::slice::from_ref(&like),
        &mut |row| {
            hits.maintainers.push(row.req_text(0)?);
            Ok(())
        },
    )?;
    let words: Vec<Value> = q.split_whitespace().take(MAX_WORDS).map(contains).collect();
    let conditions: Vec<String> = (1..=words.len())
        .map(|i| format!("LOWER(description) LIKE ${i} ESCAPE '\\'"))
        .collect();
    db.query(
        &format!(
            "SELECT cve_id, MIN(description) FROM cve_record WHERE {} \
             GROUP BY cve_id ORDER BY cve_id DESC LIMIT {limit}",
            conditions.join(" AND ")
        ),
        &words,
        &mut |row| {
            hits.cves
                .push((row.req_text(0)?, row.text(1)?.unwrap_or_default()));
            Ok(())
        },
    )?;
    Ok(hits)
}
