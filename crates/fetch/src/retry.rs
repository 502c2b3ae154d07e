//! When and how long to wait before trying a failed request again.
//!
//! Exponential back-off with jitter (so that many clients do not retry in step), a bounded
//! number of attempts, and a server's `Retry-After` taken as the least wait.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::clock::Timestamp;

/// Back-off settings and the jitter's random state.
#[derive(Debug, Clone)]
pub struct Backoff {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait after the first failure, before jitter.
    pub base: Duration,
    /// The longest wait between attempts (a `Retry-After` may ask for more, up to
    /// [`Backoff::max_retry_after`]).
    pub max_delay: Duration,
    /// The longest `Retry-After` that is honoured; longer ones are cut to this.
    pub max_retry_after: Duration,
    rng: u64,
}

impl Default for Backoff {
    /// 6 attempts, waits of about 2, 4, 8, 16, 32 s: NVD asks clients that are refused to
    /// wait, and its service often recovers within a minute.
    fn default() -> Self {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id());
        Backoff {
            max_attempts: 6,
            base: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(600),
            rng: seed,
        }
    }
}

impl Backoff {
    /// Settings with a fixed jitter seed, for reproducible tests.
    pub fn new(max_attempts: u32, base: Duration, max_delay: Duration, seed: u64) -> Self {
        Backoff {
            max_attempts: max_attempts.max(1),
            base,
            max_delay,
            max_retry_after: Duration::from_secs(600),
            rng: seed,
        }
    }

    /// The wait after failed attempt number `attempt` (1-based): half of
    /// `base * 2^(attempt-1)` (capped at `max_delay`) plus a random part of the other half,
    /// and never less than the server's `Retry-After`.
    pub fn delay(&mut self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(1 << attempt.saturating_sub(1).min(20))
            .min(self.max_delay);
        let half = exp / 2;
        let jitter = half.mul_f64(self.next_unit());
        let backoff = half + jitter;
        match retry_after {
            Some(wait) => backoff.max(wait.min(self.max_retry_after)),
            None => backoff,
        }
    }

    /// A number in [0, 1) from splitmix64.
    fn next_unit(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Reads `Retry-After`: delay-seconds, or an HTTP date (IMF-fixdate,
/// `Wed, 21 Oct 2015 07:28:00 GMT`) taken relative to `now`. Other date forms are not
/// honoured, and back-off applies instead.
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut parts = value.split_ascii_whitespace().skip(1);
    let (day, month, year, time, zone) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    if zone != "GMT" || day.len() != 2 || year.len() != 4 {
        return None;
    }
    let at = Timestamp::parse(&format!("{year}-{month:02}-{day}T{time}Z")).ok()?;
    let ms = u64::try_from(at.millis().saturating_sub(now.millis())).unwrap_or(0);
    Some(Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn grows_with_jitter_and_caps() {
        let mut b = Backoff::new(10, Duration::from_secs(2), Duration::from_secs(20), 7);
        for attempt in 1..10 {
            let exp = Duration::from_secs(2 << (attempt - 1)).min(Duration::from_secs(20));
            let d = b.delay(attempt, None);
            assert!(d >= exp / 2 && d <= exp, "{attempt}: {d:?}");
        }
    }

    #[test]
    fn retry_after_is_the_least_wait() {
        let mut b = Backoff::new(3, Duration::from_secs(1), Duration::from_secs(4), 1);
        assert_eq!(
            b.delay(1, Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
        assert_eq!(
            b.delay(1, Some(Duration::from_secs(9999))),
            Duration::from_secs(600)
        );
        let now = Timestamp::parse("2015-10-21T07:27:00Z").unwrap();
        assert_eq!(
            parse_retry_after(" 12 ", now),
            Some(Duration::from_secs(12))
        );
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(parse_retry_after(date, now), Some(Duration::from_secs(60)));
        let past = Timestamp::parse("2016-01-01T00:00:00Z").unwrap();
        assert_eq!(parse_retry_after(date, past), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now),
            None
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
