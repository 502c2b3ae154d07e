//! Time, behind a trait so that rate limits and back-off can be tested without sleeping.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use secfixes_apk::{Error, ErrorKind, Result};

/// The source of time for waits and for the end of a sync window.
pub trait Clock: fmt::Debug + Send + Sync {
    /// Monotonic time since an arbitrary start.
    fn now(&self) -> Duration;
    /// Wall-clock time (UTC).
    fn wall(&self) -> Timestamp;
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration);
}

/// The real clock: `Instant`, `SystemTime` and `thread::sleep`.
#[derive(Debug)]
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    /// A shared system clock.
    pub fn shared() -> Arc<dyn Clock> {
        Arc::new(SystemClock {
            start: Instant::now(),
        })
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn wall(&self) -> Timestamp {
        let millis = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(_) => 0,
        };
        Timestamp(millis)
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// A clock for tests: `sleep` advances time at once and is recorded.
#[derive(Debug, Clone)]
pub struct FakeClock {
    inner: Arc<Mutex<FakeInner>>,
}

#[derive(Debug)]
struct FakeInner {
    elapsed: Duration,
    wall_start: Timestamp,
    sleeps: Vec<Duration>,
}

impl FakeClock {
    /// A fake clock whose wall time starts at `wall_start`.
    pub fn new(wall_start: Timestamp) -> Self {
        FakeClock {
            inner: Arc::new(Mutex::new(FakeInner {
                elapsed: Duration::ZERO,
                wall_start,
                sleeps: Vec::new(),
            })),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut FakeInner) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Moves time on without recording a sleep.
    pub fn advance(&self, duration: Duration) {
        self.with(|c| c.elapsed += duration);
    }

    /// Every sleep so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.with(|c| c.sleeps.clone())
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Duration {
        self.with(|c| c.elapsed)
    }

    fn wall(&self) -> Timestamp {
        self.with(|c| {
            let ms = i64::try_from(c.elapsed.as_millis()).unwrap_or(i64::MAX);
            Timestamp(c.wall_start.0.saturating_add(ms))
        })
    }

    fn sleep(&self, duration: Duration) {
        self.with(|c| {
            c.elapsed += duration;
            c.sleeps.push(duration);
        });
    }
}

/// A UTC instant in milliseconds since the Unix epoch, written as NVD wants it in query
/// parameters: extended ISO 8601 with an explicit offset, `2024-01-31T12:00:00.000+00:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

const MS_PER_DAY: i64 = 86_400_000;

impl Timestamp {
    /// Milliseconds since the Unix epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// This instant plus `duration` (saturating).
    #[must_use]
    pub fn plus(self, duration: Duration) -> Timestamp {
        let ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Timestamp(self.0.saturating_add(ms))
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`; no offset means UTC, as in NVD's own
    /// `lastModified` values.
    pub fn parse(text: &str) -> Result<Timestamp> {
        let bad = || Error::new(ErrorKind::Syntax, format!("not an ISO 8601 time: {text:?}"));
        let b = text.as_bytes();
        let num = |range: std::ops::Range<usize>| -> Result<i64> {
            let part = b.get(range).ok_or_else(bad)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            std::str::from_utf8(part)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(bad)
        };
        let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
        if seps.iter().any(|&(i, c)| b.get(i) != Some(&c)) {
            return Err(bad());
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
            return Err(bad());
        }
        if second > 60 {
            return Err(bad());
        }
        let mut i = 19;
        let mut millis = 0;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let digits = num(start..i)?;
            let width = u32::try_from(i - start).map_err(|_| bad())?;
            millis = match width {
                1..=3 => digits * 10_i64.pow(3 - width),
                _ => num(start..start + 3)?,
            };
        }
        let offset_minutes = match b.get(i) {
            None => 0,
            Some(b'Z') if i + 1 == b.len() => 0,
            Some(&sign @ (b'+' | b'-')) if b.len() == i + 6 && b.get(i + 3) == Some(&b':') => {
                let m = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
                if sign == b'-' { -m } else { m }
            }
            _ => return Err(bad()),
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
        Ok(Timestamp(secs * 1000 + millis))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(MS_PER_DAY);
        let rest = self.0.rem_euclid(MS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        let (secs, ms) = (rest / 1000, rest % 1000);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}+00:00",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number since 1970-01-01, the inverse of
/// [`days_from_civil`] (H. Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip() {
        for text in [
            "1970-01-01T00:00:00.000+00:00",
            "2000-02-29T23:59:59.999+00:00",
            "2026-03-01T00:00:00.000+00:00",
            "1969-12-31T23:59:59.000+00:00",
        ] {
            assert_eq!(Timestamp::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn offsets_and_nvd_forms() {
        let utc = Timestamp::parse("2021-08-04T12:00:00.000+00:00").unwrap();
        assert_eq!(
            Timestamp::parse("2021-08-04T13:00:00.000+01:00").unwrap(),
            utc
        );
        assert_eq!(Timestamp::parse("2021-08-04T12:00:00").unwrap(), utc);
        assert_eq!(Timestamp::parse("2021-08-04T12:00:00Z").unwrap(), utc);
        assert_eq!(Timestamp::parse("2021-08-04T12:00:00.0Z").unwrap(), utc);
        assert_eq!(utc.millis(), 1_628_078_400_000);
        for bad in [
            "",
            "2021-08-04",
            "2021-13-04T12:00:00",
            "2021-08-04T12:00:00+1",
            "x",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }
}
