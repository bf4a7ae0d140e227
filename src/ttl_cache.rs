//! One small cache for values that may be used for a short while after they
//! were read (an organisation's allowlist, its unwrapped data keys). Its time
//! is the injected `Clock`, so tests move it like every other deadline.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Duration;

use crate::clock::{SharedClock, Timestamp};

pub struct TtlCache<K, V> {
    ttl: Duration,
    clock: SharedClock,
    entries: Mutex<HashMap<K, (Timestamp, V)>>,
}

impl<K, V> std::fmt::Debug for TtlCache<K, V> {
    // Values may be keys: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TtlCache").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, clock: SharedClock) -> Self {
        Self { ttl, clock, entries: Mutex::new(HashMap::new()) }
    }

    /// The value, while it is younger than the lifetime.
    pub fn get(&self, key: &K) -> Option<V> {
        let now = self.clock.now();
        let entries = self.entries.lock().ok()?;
        let (at, value) = entries.get(key)?;
        (now.since(*at) < self.ttl).then(|| value.clone())
    }

    /// Keeps `value` from now on, dropping every entry that has expired.
    pub fn put(&self, key: K, value: V) {
        let now = self.clock.now();
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (at, _)| now.since(*at) < self.ttl);
            entries.insert(key, (now, value));
        }
    }

    /// Forgets one value (after it changed).
    pub fn forget(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    /// Forgets every value.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use std::sync::Arc;

    #[test]
    fn a_value_is_served_for_its_lifetime_on_the_injected_clock_and_then_read_again() {
        let clock = Arc::new(ManualClock::new(Timestamp::from_millis(1_000_000)));
        let cache: TtlCache<&str, u32> = TtlCache::new(Duration::from_secs(10), clock.clone());
        cache.put("acme", 1);
        clock.advance(Duration::from_secs(9));
        assert_eq!(cache.get(&"acme"), Some(1));
        clock.advance(Duration::from_secs(1));
        assert_eq!(cache.get(&"acme"), None, "expired at its lifetime");
        cache.put("acme", 2);
        cache.forget(&"acme");
        assert_eq!(cache.get(&"acme"), None);
        cache.put("beta", 3);
        cache.clear();
        assert_eq!(cache.get(&"beta"), None);
    }
}
