//! Time as a parameter: every rule that depends on "now" asks a [`Clock`], so
//! tests can move time (lockouts, session expiry, retention, deadlines).
//! Times are stored in UTC as milliseconds since the Unix epoch and shown in
//! the organisation's time zone (Asia/Tokyo by default).

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The default display time zone (WP-2.12: the service runs on Japan time).
pub const DEFAULT_TIME_ZONE: &str = "Asia/Tokyo";

/// An instant in UTC, stored as milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    pub fn plus(self, d: Duration) -> Self {
        Self(self.0.saturating_add(duration_millis(d)))
    }

    pub fn minus(self, d: Duration) -> Self {
        Self(self.0.saturating_sub(duration_millis(d)))
    }

    /// How long after `earlier` this instant is (zero if it is not after it).
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0))
    }

    /// The calendar date (`YYYY-MM-DD`) of this instant in `time_zone`.
    pub fn date_in(self, time_zone: &str) -> String {
        let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        jiff::Timestamp::from_millisecond(self.0).map(|t| t.to_zoned(tz).date().to_string()).unwrap_or_default()
    }

    /// `YYYY-MM-DDTHH:MM` in `time_zone`: the value of a `datetime-local` input.
    pub fn local_input_in(self, time_zone: &str) -> String {
        let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        jiff::Timestamp::from_millisecond(self.0).map(|t| t.to_zoned(tz).strftime("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
    }

    /// Formats for people: `2026年11月28日 12:34` (ja) or `2026-11-28 12:34 JST` (en),
    /// in the given IANA time zone. Unknown zones fall back to Asia/Tokyo.
    pub fn display_in(self, time_zone: &str, english: bool) -> String {
        let tz =
            jiff::tz::TimeZone::get(time_zone).or_else(|_| jiff::tz::TimeZone::get(DEFAULT_TIME_ZONE)).unwrap_or(jiff::tz::TimeZone::UTC);
        let Ok(ts) = jiff::Timestamp::from_millisecond(self.0) else {
            return String::from("-");
        };
        let zoned = ts.to_zoned(tz);
        if english {
            zoned.strftime("%Y-%m-%d %H:%M %Z").to_string()
        } else {
            zoned.strftime("%Y年%m月%d日 %H:%M").to_string()
        }
    }
}

/// Midnight at the start of `day` in `time_zone`.
pub fn start_of_day(day: jiff::civil::Date, time_zone: &str) -> Option<Timestamp> {
    let tz = jiff::tz::TimeZone::get(time_zone).ok()?;
    let zoned = day.to_zoned(tz).ok()?;
    Some(Timestamp::from_millis(zoned.timestamp().as_millisecond()))
}

/// Midnight after `day` in `time_zone`: the first instant that is no longer `day` there.
pub fn start_of_next_day(day: jiff::civil::Date, time_zone: &str) -> Option<Timestamp> {
    let tz = jiff::tz::TimeZone::get(time_zone).ok()?;
    let next = day.tomorrow().ok()?;
    let zoned = next.to_zoned(tz).ok()?;
    Some(Timestamp::from_millis(zoned.timestamp().as_millisecond()))
}

fn duration_millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The source of "now".
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

pub type SharedClock = Arc<dyn Clock>;

/// The real clock of the machine (kept in sync by NTP, WP-2.12).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(jiff::Timestamp::now().as_millisecond())
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self(AtomicI64::new(start.0))
    }

    /// Starts at the real current time, so values look plausible.
    pub fn starting_now() -> Self {
        Self::new(SystemClock.now())
    }

    pub fn advance(&self, d: Duration) {
        self.0.fetch_add(duration_millis(d), Ordering::SeqCst);
    }

    pub fn set(&self, t: Timestamp) {
        self.0.store(t.0, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_japan_time_by_default() {
        // 2026-11-28 03:34 UTC is 12:34 in Tokyo.
        let t = Timestamp::from_millis(1_795_836_840_000);
        assert_eq!(t.display_in(DEFAULT_TIME_ZONE, false), "2026年11月28日 12:34");
        assert_eq!(t.display_in(DEFAULT_TIME_ZONE, true), "2026-11-28 12:34 JST");
    }

    #[test]
    fn an_unknown_time_zone_falls_back_to_tokyo() {
        let t = Timestamp::from_millis(1_795_836_840_000);
        assert_eq!(t.display_in("Mars/Olympus", true), "2026-11-28 12:34 JST");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(Timestamp::from_millis(1000));
        assert_eq!(c.now().as_millis(), 1000);
        c.advance(Duration::from_secs(2));
        assert_eq!(c.now().as_millis(), 3000);
        assert_eq!(c.now().since(Timestamp::from_millis(1000)), Duration::from_secs(2));
    }
}
