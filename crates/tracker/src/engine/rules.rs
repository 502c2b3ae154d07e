//! Step 4 of the engine: the affected-product rules mapped to an origin, evaluated on the
//! published upstream version.

use std::cmp::Ordering;

use secfixes_apk::version;
use secfixes_cve::model::{Bound, RuleStatus, Versions};

use super::{Candidate, RuleOutcome, State, Step};
use crate::config::Confidence;

/// Evaluates every candidate rule on `published` (with `-rN`), records one step per
/// rule, and returns the state the rules decide with a one-line summary, if any.
///
/// Precise rules (a version or a range) win over rules without version data: when a
/// source gives ranges and none contains the version, an "every version" rule from
/// another source (a CVE 5 CPE `*`, a `defaultStatus`) does not make it vulnerable.
pub(super) fn evaluate(
    published: &str,
    candidates: &[Candidate<'_>],
    steps: &mut Vec<Step>,
) -> Option<(State, String)> {
    if candidates.is_empty() {
        return None;
    }
    let upstream = upstream_of(published);
    let mut outcomes = Vec::with_capacity(candidates.len());
    for c in candidates {
        let (outcome, comparison) = outcome(upstream, c);
        steps.push(Step::RuleMatched {
            origin: c.rule.origin,
            source: c.rule.source.clone(),
            criteria: c.rule.criteria.clone(),
            path: c.rule.path.clone(),
            via: c.via.rule.clone(),
            confidence: c.via.confidence,
            comparison,
            outcome,
        });
        outcomes.push((outcome, c.via.confidence));
    }
    let any = |o: RuleOutcome, conf: Option<Confidence>| {
        outcomes
            .iter()
            .any(|&(x, c)| x == o && conf.is_none_or(|want| want == c))
    };
    let precise = outcomes.iter().any(|(o, _)| {
        matches!(
            o,
            RuleOutcome::Affected | RuleOutcome::OutsideRange | RuleOutcome::Unaffected
        )
    });
    if any(RuleOutcome::Affected, Some(Confidence::High)) {
        return Some((
            State::Vulnerable,
            format!(
                "upstream version {upstream} is inside an affected range and no fix is recorded"
            ),
        ));
    }
    if any(RuleOutcome::Affected, Some(Confidence::Low)) {
        return Some((
            State::PossiblyVulnerable,
            format!(
                "upstream version {upstream} is inside an affected range of a product mapped with low confidence"
            ),
        ));
    }
    if !precise && any(RuleOutcome::NoVersionData, None) {
        return Some((
            State::PossiblyVulnerable,
            "a rule names the product without usable version data".to_owned(),
        ));
    }
    if any(RuleOutcome::Incomparable, None) {
        return Some((
            State::Unknown,
            format!("upstream version {upstream} cannot be compared with a rule's versions"),
        ));
    }
    if precise {
        return Some((
            State::NotAffected,
            format!("upstream version {upstream} is outside every affected range"),
        ));
    }
    if any(RuleOutcome::OtherPlatform, None) {
        return Some((
            State::NotAffected,
            "the rules hold only when running on other systems (not Linux)".to_owned(),
        ));
    }
    None
}

/// The version with its `-rN` revision cut off: upstream ranges know no Alpine revision.
fn upstream_of(published: &str) -> &str {
    match published.rfind("-r") {
        Some(i)
            if i + 2 < published.len()
                && published[i + 2..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            &published[..i]
        }
        _ => published,
    }
}

/// Whether a platform CPE can be what an apk package runs on: Linux, or an application
/// (a runtime such as node.js). Other operating systems and hardware cannot.
fn platform_can_be_ours(platform: &str) -> bool {
    let mut parts = platform.split(':');
    let part = parts.nth(2).unwrap_or("");
    let vendor_product = format!(
        "{}:{}",
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("")
    );
    part == "a" || vendor_product.contains("linux")
}

fn outcome(upstream: &str, c: &Candidate<'_>) -> (RuleOutcome, String) {
    let rule = c.rule;
    if !rule.platforms.is_empty() && !rule.platforms.iter().any(|p| platform_can_be_ours(p)) {
        return (
            RuleOutcome::OtherPlatform,
            format!("only when running on {}", rule.platforms.join(" or ")),
        );
    }
    if rule.status == RuleStatus::Unknown {
        return (
            RuleOutcome::StatusUnknown,
            "the source does not know whether these versions are affected".to_owned(),
        );
    }
    if rule
        .version_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("git"))
    {
        return (
            RuleOutcome::Incomparable,
            "the rule gives git commits, not versions".to_owned(),
        );
    }
    let inside = match &rule.versions {
        Versions::Any => {
            return (
                RuleOutcome::NoVersionData,
                "the rule covers every version".to_owned(),
            );
        }
        Versions::Unknown => {
            return (
                RuleOutcome::NoVersionData,
                "the rule has no version data".to_owned(),
            );
        }
        Versions::Exact { version: v } => {
            if !version::is_valid(upstream) || !version::is_valid(v) {
                return incomparable(upstream, v);
            }
            let eq = version::compare(upstream, v) == Ordering::Equal;
            let text = format!("{upstream} {} {v}", if eq { "=" } else { "!=" });
            (eq, text)
        }
        Versions::Range { start, end } => match in_range(upstream, start.as_ref(), end.as_ref()) {
            Ok(r) => r,
            Err(bad) => return incomparable(upstream, &bad),
        },
    };
    let (inside, comparison) = inside;
    let outcome = match (inside, rule.status) {
        (true, RuleStatus::Affected) => RuleOutcome::Affected,
        (true, _) => RuleOutcome::Unaffected,
        (false, _) => RuleOutcome::OutsideRange,
    };
    (outcome, comparison)
}

fn incomparable(upstream: &str, other: &str) -> (RuleOutcome, String) {
    (
        RuleOutcome::Incomparable,
        format!("{upstream} and {other} are not both valid apk versions"),
    )
}

/// Whether `v` lies inside the range, with the comparisons that decided it; `Err` holds
/// a version that cannot be compared.
fn in_range(v: &str, start: Option<&Bound>, end: Option<&Bound>) -> Result<(bool, String), String> {
    if !version::is_valid(v) {
        return Err(v.to_owned());
    }
    let mut parts = Vec::new();
    let mut inside = true;
    if let Some(b) = start {
        if !version::is_valid(&b.version) {
            return Err(b.version.clone());
        }
        let ord = version::compare(v, &b.version);
        let ok = ord == Ordering::Greater || (b.inclusive && ord == Ordering::Equal);
        parts.push(format!("{v} {} {}", cmp_symbol(ord), b.version));
        inside &= ok;
    }
    if let Some(b) = end {
        if !version::is_valid(&b.version) {
            return Err(b.version.clone());
        }
        let ord = version::compare(v, &b.version);
        let ok = ord == Ordering::Less || (b.inclusive && ord == Ordering::Equal);
        parts.push(format!(
            "{v} {} {} ({} end)",
            cmp_symbol(ord),
            b.version,
            if b.inclusive {
                "inclusive"
            } else {
                "exclusive"
            }
        ));
        inside &= ok;
    }
    if parts.is_empty() {
        parts.push("open range".to_owned());
    }
    Ok((inside, parts.join(", ")))
}

fn cmp_symbol(ord: Ordering) -> &'static str {
    match ord {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

#[cfg(test)]
mod tests {
    use super::{platform_can_be_ours, upstream_of};

    #[test]
    fn platforms_an_apk_package_can_run_on() {
        assert!(platform_can_be_ours(
            "cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*"
        ));
        assert!(platform_can_be_ours(
            "cpe:2.3:a:nodejs:node.js:*:*:*:*:*:*:*:*"
        ));
        assert!(!platform_can_be_ours(
            "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"
        ));
        assert!(!platform_can_be_ours(
            "cpe:2.3:h:tenda:ac15:-:*:*:*:*:*:*:*"
        ));
        assert!(!platform_can_be_ours(
            "cpe:2.3:o:apple:macos:*:*:*:*:*:*:*:*"
        ));
    }

    #[test]
    fn revision_is_cut_only_when_it_is_one() {
        assert_eq!(upstream_of("1.35.0-r17"), "1.35.0");
        assert_eq!(upstream_of("1.2.3"), "1.2.3");
        assert_eq!(upstream_of("1.0-rc1"), "1.0-rc1");
        assert_eq!(upstream_of("1.0-r"), "1.0-r");
    }
}
