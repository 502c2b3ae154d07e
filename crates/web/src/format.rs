//! Dates, ages and the words for states and severities, as pages show them.

use chrono::{DateTime, Utc};

use secfixes_tracker::engine::State;

/// Seconds since the epoch now.
pub fn now() -> i64 {
    Utc::now().timestamp()
}

/// `2026-12-03` (UTC).
pub fn date(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map_or_else(|| secs.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// `2026-12-03 14:05 UTC`.
pub fn date_time(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0).map_or_else(
        || secs.to_string(),
        |d| d.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// RFC 3339, for feeds and JSON-LD (`xsd:dateTime`).
pub fn rfc3339(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0).map_or_else(
        || secs.to_string(),
        |d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

/// How long ago `secs` was, in the largest whole unit: `3 days`, `5 hours`, `now`.
pub fn age(secs: i64, now: i64) -> String {
    let d = (now - secs).max(0);
    let (n, unit) = match d {
        0..60 => return "now".to_owned(),
        60..3600 => (d / 60, "minute"),
        3600..86_400 => (d / 3600, "hour"),
        86_400..2_592_000 => (d / 86_400, "day"),
        2_592_000..31_536_000 => (d / 2_592_000, "month"),
        _ => (d / 31_536_000, "year"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The state as a person reads it.
pub fn state_label(state: State) -> &'static str {
    match state {
        State::Vulnerable => "vulnerable",
        State::PossiblyVulnerable => "possibly vulnerable",
        State::Unknown => "unknown",
        State::Fixed => "fixed",
        State::NotAffected => "not affected",
    }
}

/// The severity bands, most severe first, as stored.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "none"];

/// Orders severities: critical first, no severity last.
pub fn severity_rank(severity: Option<&str>) -> usize {
    severity
        .and_then(|s| SEVERITIES.iter().position(|x| *x == s))
        .unwrap_or(SEVERITIES.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages_and_dates() {
        assert_eq!(super::age(100, 100), "now");
        assert_eq!(super::age(0, 3 * 86_400 + 5), "3 days");
        assert_eq!(super::age(0, 3600), "1 hour");
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::rfc3339(86_400), "1970-01-02T00:00:00Z");
    }
}
