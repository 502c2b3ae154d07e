//! A rolling-window rate limit: at most `max` requests in any `window`.
//!
//! NVD publishes its limits this way: 5 requests in a rolling 30 seconds without an API
//! key, 50 with one. Going over them earns 403 responses, so the limiter waits instead.

use std::collections::VecDeque;
use std::time::Duration;

use crate::clock::Clock;

/// Remembers when recent requests were sent and waits before one that would break the limit.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    sent: VecDeque<Duration>,
}

impl RateLimiter {
    /// At most `max` (at least 1) requests in any `window`.
    pub fn new(max: usize, window: Duration) -> Self {
        RateLimiter {
            max: max.max(1),
            window,
            sent: VecDeque::new(),
        }
    }

    /// NVD's published limit: 50 requests per rolling 30 s with an API key, 5 without.
    pub fn nvd(with_key: bool) -> Self {
        RateLimiter::new(if with_key { 50 } else { 5 }, Duration::from_secs(30))
    }

    /// No limit (local files, tests that do not care).
    pub fn unlimited() -> Self {
        RateLimiter::new(usize::MAX, Duration::ZERO)
    }

    /// Waits on `clock` until one more request fits in the window, then counts it.
    pub fn acquire(&mut self, clock: &dyn Clock) {
        loop {
            let now = clock.now();
            while let Some(&oldest) = self.sent.front() {
                if oldest + self.window <= now {
                    self.sent.pop_front();
                } else {
                    break;
                }
            }
            match self.sent.front() {
                Some(&oldest) if self.sent.len() >= self.max => {
                    clock.sleep(oldest + self.window - now);
                }
                _ => {
                    self.sent.push_back(now);
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{FakeClock, Timestamp};

    #[test]
    fn five_per_thirty_seconds() {
        let clock = FakeClock::new(Timestamp(0));
        let mut limit = RateLimiter::nvd(false);
        let mut times = Vec::new();
        for _ in 0..12 {
            limit.acquire(&clock);
            times.push(clock.now().as_secs());
            clock.advance(Duration::from_secs(1));
        }
        assert_eq!(times, [0, 1, 2, 3, 4, 30, 31, 32, 33, 34, 60, 61]);
        // Any 30 s window holds at most 5 requests.
        for (i, t) in times.iter().enumerate() {
            assert!(times[i..].iter().take_while(|&&u| u < t + 30).count() <= 5);
        }
    }

    #[test]
    fn fifty_with_a_key() {
        let clock = FakeClock::new(Timestamp(0));
        let mut limit = RateLimiter::nvd(true);
        for _ in 0..50 {
            limit.acquire(&clock);
        }
        assert!(clock.sleeps().is_empty());
        limit.acquire(&clock);
        assert_eq!(clock.sleeps(), [Duration::from_secs(30)]);
    }
}
