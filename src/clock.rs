//! Time as a parameter: every rule that depends on "now" asks a [`Clock`], so
//! tests can move time (lockouts, session expiry, retention, deadlines).
//! Times are stored in UTC as milliseconds since the Unix epoch and shown in
//! the organisation's time zone (Asia/Tokyo by default).

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The default time zone of an organisation (WP-2.12: the service runs on Japan time).
pub const DEFAULT_TIME_ZONE: &str = "Asia/Tokyo";

/// An IANA time zone, resolved once against the bundled database: typed in
/// (`Zone::parse`, unknown names refused) or read back (`Zone::from_stored`).
/// The one fallback anywhere is here: a stored name the database does not
/// know is shown and computed in Asia/Tokyo.
#[derive(Clone, Debug)]
pub struct Zone {
    name: String,
    tz: jiff::tz::TimeZone,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl Zone {
    /// A zone typed into a form.
    pub fn parse(raw: &str) -> Result<Zone, crate::domain::FieldProblem> {
        let name = raw.trim();
        jiff::tz::TimeZone::get(name)
            .map(|tz| Zone { name: name.to_owned(), tz })
            .map_err(|_| crate::domain::FieldProblem::new("time_zone", "unknown"))
    }

    /// A zone read from the database; an unknown one is Asia/Tokyo.
    pub fn from_stored(name: &str) -> Zone {
        Zone::parse(name).unwrap_or_else(|_| {
            tracing::warn!(zone = name, "a stored time zone is unknown to the bundled database; Asia/Tokyo is used");
            Zone::tokyo()
        })
    }

    /// Asia/Tokyo (always in the bundled database).
    pub fn tokyo() -> Zone {
        Zone { name: DEFAULT_TIME_ZONE.to_owned(), tz: jiff::tz::TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC) }
    }

    pub fn utc() -> Zone {
        Zone { name: String::from("UTC"), tz: jiff::tz::TimeZone::UTC }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn zoned(&self, t: Timestamp) -> Option<jiff::Zoned> {
        jiff::Timestamp::from_millisecond(t.0).ok().map(|ts| ts.to_zoned(self.tz.clone()))
    }

    /// The instant of a wall-clock time in this zone (a gap or fold resolves as jiff's default).
    pub fn instant_of(&self, local: jiff::civil::DateTime) -> Option<Timestamp> {
        local.to_zoned(self.tz.clone()).ok().map(|z| Timestamp::from_millis(z.timestamp().as_millisecond()))
    }
}

impl Default for Zone {
    fn default() -> Self {
        Zone::tokyo()
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

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

    /// The calendar date (`YYYY-MM-DD`) of this instant in `zone`.
    pub fn date_in(self, zone: &Zone) -> String {
        zone.zoned(self).map(|z| z.date().to_string()).unwrap_or_default()
    }

    /// The calendar date of this instant in `zone` (in UTC if the zone cannot say).
    pub fn civil_date_in(self, zone: &Zone) -> jiff::civil::Date {
        zone.zoned(self).or_else(|| Zone::utc().zoned(self)).map(|z| z.date()).unwrap_or_default()
    }

    /// The hour (0–23) of this instant in `zone`.
    pub fn hour_in(self, zone: &Zone) -> u8 {
        zone.zoned(self).and_then(|z| u8::try_from(z.hour()).ok()).unwrap_or(0)
    }

    /// `YYYY-MM-DDTHH:MM` in `zone`: the value of a `datetime-local` input.
    pub fn local_input_in(self, zone: &Zone) -> String {
        zone.zoned(self).map(|z| z.strftime("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
    }

    /// Formats for people: `2026年11月28日 12:34` (ja) or `2026-11-28 12:34 JST` (en).
    pub fn display_in(self, zone: &Zone, english: bool) -> String {
        let Some(zoned) = zone.zoned(self) else {
            return String::from("-");
        };
        if english {
            zoned.strftime("%Y-%m-%d %H:%M %Z").to_string()
        } else {
            zoned.strftime("%Y年%m月%d日 %H:%M").to_string()
        }
    }
}

/// Midnight at the start of `day` in `zone`.
pub fn start_of_day(day: jiff::civil::Date, zone: &Zone) -> Option<Timestamp> {
    zone.instant_of(day.to_datetime(jiff::civil::Time::midnight()))
}

/// Midnight after `day` in `zone`: the first instant that is no longer `day` there.
pub fn start_of_next_day(day: jiff::civil::Date, zone: &Zone) -> Option<Timestamp> {
    start_of_day(day.tomorrow().ok()?, zone)
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
        assert_eq!(t.display_in(&Zone::tokyo(), false), "2026年11月28日 12:34");
        assert_eq!(t.display_in(&Zone::tokyo(), true), "2026-11-28 12:34 JST");
        assert_eq!(t.hour_in(&Zone::tokyo()), 12);
        assert_eq!(t.date_in(&Zone::utc()), "2026-11-28");
    }

    #[test]
    fn an_unknown_stored_time_zone_falls_back_to_tokyo_and_cannot_be_typed_in() {
        let t = Timestamp::from_millis(1_795_836_840_000);
        let mars = Zone::from_stored("Mars/Olympus");
        assert_eq!(mars, Zone::tokyo());
        assert_eq!(t.display_in(&mars, true), "2026-11-28 12:34 JST");
        assert!(Zone::parse("Mars/Olympus").is_err());
        assert_eq!(Zone::parse(" Europe/Berlin ").map(|z| z.name().to_owned()), Ok(String::from("Europe/Berlin")));
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
