//! When and how long to wait before trying a failed request again.
//!
//! Exponential back-off with jitter (so that many clients do not retry in step), a bounded
//! number of attempts, and a server's `Retry-After` taken as the least wait.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// Reads `Retry-After` in its delay-seconds form; an HTTP date is not honoured (NVD and
/// the usual proxies send seconds), and back-off applies instead.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
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
        assert_eq!(parse_retry_after(" 12 "), Some(Duration::from_secs(12)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
