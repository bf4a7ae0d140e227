//! Login throttling that an attacker cannot turn into a lock-out of the real
//! user: after a few free failures each further attempt must wait a growing
//! delay (never a permanent lock), per account and per client address.
//!
//! Every attempt is counted *before* the password is checked, with a
//! compare-and-swap on the counter row, so parallel attempts cannot slip past
//! the limit; a successful login then clears the account's counter.

use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::clock::Timestamp;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};

/// How one kind of key (account or address) is throttled.
#[derive(Clone, Copy, Debug)]
pub struct ThrottlePolicy {
    /// Failures allowed before any delay.
    pub free_failures: i64,
    /// The first delay; each further failure doubles it.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Counters reset after this long without attempts.
    pub window: Duration,
}

impl ThrottlePolicy {
    pub const ACCOUNT: ThrottlePolicy = ThrottlePolicy {
        free_failures: 5,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(15 * 60),
        window: Duration::from_secs(60 * 60),
    };

    /// Looser than per account: an office behind one NAT address shares it.
    pub const ADDRESS: ThrottlePolicy = ThrottlePolicy {
        free_failures: 30,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(5 * 60),
        window: Duration::from_secs(15 * 60),
    };

    /// The delay that follows the `failures`-th counted attempt.
    pub fn delay_after(&self, failures: i64) -> Duration {
        if failures < self.free_failures {
            return Duration::ZERO;
        }
        let doublings = u32::try_from(failures - self.free_failures).unwrap_or(u32::MAX).min(30);
        self.base_delay.saturating_mul(1u32 << doublings).min(self.max_delay)
    }
}

/// What to count attempts against. The key is stored only as a hash of
/// its tagged, length-prefixed parts, so keys of different kinds or realms
/// never coincide (a tenant login with an empty organisation code is not the
/// operator of the same name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleKey(String);

impl ThrottleKey {
    /// Logins (and password checks) of an organisation's account.
    pub fn tenant_account(org_code: &str, login: &str) -> Self {
        Self::hashed(&["account", "tenant", org_code, login])
    }

    /// Logins (and password checks) of an operator.
    pub fn operator_account(login: &str) -> Self {
        Self::hashed(&["account", "operator", login])
    }

    /// An operator's re-entry of their password before a privileged change.
    pub fn reauthentication(user_id: &crate::ids::UserId) -> Self {
        Self::hashed(&["reauth", user_id.as_str()])
    }

    /// Attempts from one client address; every request whose address is
    /// unknown shares one bucket.
    pub fn address(ip: Option<std::net::IpAddr>) -> Self {
        match ip {
            Some(ip) => Self::hashed(&["address", &crate::network::canonical(ip).to_string()]),
            None => Self::hashed(&["address-unknown"]),
        }
    }

    fn hashed(parts: &[&str]) -> Self {
        let mut h = Sha256::new();
        for part in parts {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        Self(hex::encode(h.finalize()))
    }
}

/// The result of asking to make an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead; `engaged` is true when this attempt started a delay (for the audit log).
    Allowed {
        engaged: bool,
    },
    Blocked {
        retry_after: Duration,
    },
}

/// Counts one attempt against `key` unless a delay is in force.
pub async fn admit(db: &Db, key: &ThrottleKey, policy: &ThrottlePolicy, now: Timestamp) -> CoreResult<Admission> {
    for _ in 0..16 {
        let row = sqlx::query("SELECT failures, blocked_until, last_attempt_at FROM login_throttle WHERE key_hash = $1")
            .bind(&key.0)
            .fetch_optional(db.pool())
            .await?;
        let Some(row) = row else {
            let blocked_until = now.plus(policy.delay_after(1));
            let inserted = sqlx::query(
                "INSERT INTO login_throttle (key_hash, failures, blocked_until, last_attempt_at) \
                 VALUES ($1, 1, $2, $3) ON CONFLICT (key_hash) DO NOTHING",
            )
            .bind(&key.0)
            .bind(blocked_until.as_millis())
            .bind(now.as_millis())
            .execute(db.pool())
            .await?;
            if inserted.rows_affected() == 1 {
                return Ok(Admission::Allowed { engaged: blocked_until > now });
            }
            continue;
        };
        let failures: i64 = row.try_get("failures")?;
        let blocked_until = Timestamp::from_millis(row.try_get("blocked_until")?);
        let last_attempt = Timestamp::from_millis(row.try_get("last_attempt_at")?);
        // Only a delay that was set blocks: an attempt without one stores its
        // own time as `blocked_until`, and a login that started a moment
        // earlier (two people behind one office address) reaches this point
        // with an older `now`: that is no delay for anyone.
        if blocked_until > last_attempt && blocked_until > now {
            return Ok(Admission::Blocked { retry_after: blocked_until.since(now) });
        }
        let counted = if now.since(last_attempt) > policy.window { 0 } else { failures };
        let next = counted + 1;
        let next_blocked_until = now.plus(policy.delay_after(next));
        let swapped = sqlx::query(
            "UPDATE login_throttle SET failures = $1, blocked_until = $2, last_attempt_at = $3 \
             WHERE key_hash = $4 AND failures = $5 AND blocked_until = $6 AND last_attempt_at = $7",
        )
        .bind(next)
        .bind(next_blocked_until.as_millis())
        .bind(now.as_millis())
        .bind(&key.0)
        .bind(failures)
        .bind(blocked_until.as_millis())
        .bind(last_attempt.as_millis())
        .execute(db.pool())
        .await?;
        if swapped.rows_affected() == 1 {
            return Ok(Admission::Allowed { engaged: next_blocked_until > now });
        }
    }
    // Heavy contention on one key is itself a sign of an attack: refuse briefly.
    Err(CoreError::Throttled { retry_after: Duration::from_secs(1) })
}

/// A successful login: the account starts afresh.
pub async fn clear(db: &Db, key: &ThrottleKey) -> CoreResult<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key_hash = $1").bind(&key.0).execute(db.pool()).await?;
    Ok(())
}

/// An operator or admin unlocks an account (inside their transaction).
pub(crate) async fn clear_in(conn: &mut sqlx::AnyConnection, key: &ThrottleKey) -> CoreResult<u64> {
    let r = sqlx::query("DELETE FROM login_throttle WHERE key_hash = $1").bind(&key.0).execute(&mut *conn).await?;
    Ok(r.rows_affected())
}

/// A successful login from an address: its attempt is not held against it.
pub async fn refund(db: &Db, key: &ThrottleKey) -> CoreResult<()> {
    sqlx::query("UPDATE login_throttle SET failures = failures - 1 WHERE key_hash = $1 AND failures > 0")
        .bind(&key.0)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Removes counters idle for longer than any window (run by the session sweep).
pub(crate) async fn sweep(db: &Db, now: Timestamp, older_than: Duration) -> CoreResult<u64> {
    let cutoff = now.minus(older_than);
    let r = sqlx::query("DELETE FROM login_throttle WHERE last_attempt_at < $1 AND blocked_until < $2")
        .bind(cutoff.as_millis())
        .bind(now.as_millis())
        .execute(db.pool())
        .await?;
    Ok(r.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDb;

    #[test]
    fn the_delay_grows_and_is_capped() {
        let p = ThrottlePolicy::ACCOUNT;
        assert_eq!(p.delay_after(4), Duration::ZERO);
        assert_eq!(p.delay_after(5), Duration::from_secs(1));
        assert_eq!(p.delay_after(6), Duration::from_secs(2));
        assert_eq!(p.delay_after(8), Duration::from_secs(8));
        assert_eq!(p.delay_after(500), Duration::from_secs(15 * 60));
    }

    #[tokio::test]
    async fn the_sixth_rapid_attempt_waits_and_then_is_allowed() {
        let t = TestDb::fresh().await;
        let key = ThrottleKey::tenant_account("acme", "taro");
        let p = ThrottlePolicy::ACCOUNT;
        let now = Timestamp::from_millis(1_000_000);
        for _ in 0..5 {
            assert!(matches!(admit(&t.db, &key, &p, now).await.expect("admit"), Admission::Allowed { .. }));
        }
        assert_eq!(admit(&t.db, &key, &p, now).await.expect("admit"), Admission::Blocked { retry_after: Duration::from_secs(1) });
        let later = now.plus(Duration::from_secs(1));
        assert!(matches!(admit(&t.db, &key, &p, later).await.expect("admit"), Admission::Allowed { .. }));
    }

    #[tokio::test]
    async fn attempts_that_arrive_a_moment_out_of_order_are_not_held_up() {
        let t = TestDb::fresh().await;
        let key = ThrottleKey::address("192.0.2.7".parse().ok());
        let p = ThrottlePolicy::ADDRESS;
        let earlier = Timestamp::from_millis(3_000_000);
        // The later login is counted first; the earlier one follows it.
        assert!(matches!(admit(&t.db, &key, &p, earlier.plus(Duration::from_millis(5))).await.expect("admit"), Admission::Allowed { .. }));
        assert_eq!(admit(&t.db, &key, &p, earlier).await.expect("admit"), Admission::Allowed { engaged: false });
        // A real delay still holds attempts that arrive out of order.
        let a = ThrottleKey::tenant_account("acme", "jiro");
        let q = ThrottlePolicy::ACCOUNT;
        for _ in 0..5 {
            admit(&t.db, &a, &q, earlier).await.expect("admit");
        }
        assert!(matches!(admit(&t.db, &a, &q, earlier.plus(Duration::from_millis(5))).await.expect("admit"), Admission::Blocked { .. }));
    }

    #[tokio::test]
    async fn parallel_attempts_cannot_skip_the_limit() {
        let t = TestDb::fresh().await;
        let key = ThrottleKey::tenant_account("acme", "hanako");
        let now = Timestamp::from_millis(5_000_000);
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let db = t.db.clone();
            let key = key.clone();
            tasks.push(tokio::spawn(async move { admit(&db, &key, &ThrottlePolicy::ACCOUNT, now).await }));
        }
        let mut allowed = 0;
        for task in tasks {
            if let Ok(Admission::Allowed { .. }) = task.await.expect("join") {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 5, "exactly the free attempts pass, however parallel");
    }

    #[test]
    fn keys_of_different_realms_and_kinds_never_coincide() {
        assert_ne!(ThrottleKey::tenant_account("", "operator"), ThrottleKey::operator_account("operator"));
        assert_ne!(ThrottleKey::tenant_account("a", "bc"), ThrottleKey::tenant_account("ab", "c"));
        assert_ne!(ThrottleKey::tenant_account("a\0", "b"), ThrottleKey::tenant_account("a", "\0b"));
        let u1 = crate::ids::UserId::generate();
        assert_ne!(ThrottleKey::reauthentication(&u1), ThrottleKey::operator_account(u1.as_str()));
        assert_ne!(ThrottleKey::address(None), ThrottleKey::address("0.0.0.0".parse().ok()));
        assert_eq!(ThrottleKey::address("::ffff:192.0.2.1".parse().ok()), ThrottleKey::address("192.0.2.1".parse().ok()));
    }

    #[tokio::test]
    async fn a_cleared_account_starts_afresh_and_keys_are_not_stored_in_clear() {
        let t = TestDb::fresh().await;
        let key = ThrottleKey::tenant_account("acme", "taro");
        let now = Timestamp::from_millis(1_000_000);
        for _ in 0..5 {
            admit(&t.db, &key, &ThrottlePolicy::ACCOUNT, now).await.expect("admit");
        }
        clear(&t.db, &key).await.expect("clear");
        assert!(matches!(admit(&t.db, &key, &ThrottlePolicy::ACCOUNT, now).await.expect("admit"), Admission::Allowed { engaged: false }));
        let stored: String = sqlx::query_scalar("SELECT key_hash FROM login_throttle").fetch_one(t.db.pool()).await.expect("row");
        assert!(!stored.contains("taro"));
    }
}
