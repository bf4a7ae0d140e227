//! Audit retention (WP-2.13): events are kept at least 90 days (400 by
//! default) and removed, oldest first and in batches, once older than the
//! retention. The hash of the last removed row becomes the chain's anchor, so
//! `audit::verify` still proves the rest intact; each removal is itself
//! audited. The database refuses any other deletion (see migration 0004).

use std::time::Duration;

use serde_json::json;
use sqlx::Row;

use crate::audit::{self, Action, AuditActor, AuditEvent, Outcome};
use crate::error::{CoreError, CoreResult};
use crate::services::Services;

/// The whitepaper's floor: logs are kept at least three months.
pub const MIN_DAYS: u32 = 90;
pub const DEFAULT_DAYS: u32 = 400;
/// Rows removed per transaction.
const BATCH: i64 = 1000;

/// Checks a configured retention (a lower value is refused at start-up).
pub fn check_days(days: u32) -> Result<Duration, String> {
    if days < MIN_DAYS {
        return Err(format!("audit retention must be at least {MIN_DAYS} days (logs are kept at least 3 months), not {days}"));
    }
    Ok(Duration::from_secs(u64::from(days) * 24 * 60 * 60))
}

/// Removes every event older than `retention`; returns how many went.
pub async fn remove_expired(s: &Services, retention: Duration) -> CoreResult<u64> {
    if retention < Duration::from_secs(u64::from(MIN_DAYS) * 24 * 60 * 60) {
        return Err(CoreError::Invalid { field: "retention", problem: "too_short" });
    }
    let cutoff = s.clock.now().minus(retention);
    let mut total = 0;
    loop {
        let removed = remove_batch(s, cutoff).await?;
        total += removed;
        if removed < u64::try_from(BATCH).unwrap_or(1000) {
            return Ok(total);
        }
    }
}

async fn remove_batch(s: &Services, cutoff: crate::Timestamp) -> CoreResult<u64> {
    let now = s.clock.now();
    // Retention spans every organisation's events; each batch records itself.
    let mut tx = s.db.begin_write_in(crate::db::Reach::all_tenants(crate::db::AllTenantsUse::job("audit retention"))).await?;
    // Only a prefix of the chain can go: the oldest rows, up to the first one
    // that is still inside the retention.
    let anchor: i64 = sqlx::query_scalar("SELECT seq FROM audit_anchor WHERE id = 1").fetch_one(&mut *tx).await?;
    let first_kept: Option<i64> =
        sqlx::query_scalar("SELECT MIN(seq) FROM audit_log WHERE at >= $1").bind(cutoff.as_millis()).fetch_one(&mut *tx).await?;
    let limit = anchor + BATCH;
    let up_to: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log WHERE seq > $1 AND seq <= $2 AND seq < $3")
        .bind(anchor)
        .bind(limit)
        .bind(first_kept.unwrap_or(i64::MAX))
        .fetch_one(&mut *tx)
        .await?;
    let Some(up_to) = up_to else {
        return Ok(0);
    };
    let last = sqlx::query("SELECT hash, at FROM audit_log WHERE seq = $1").bind(up_to).fetch_one(&mut *tx).await?;
    let hash: Vec<u8> = last.try_get("hash")?;
    let oldest_at: Option<i64> = sqlx::query_scalar("SELECT MIN(at) FROM audit_log WHERE seq > $1 AND seq <= $2")
        .bind(anchor)
        .bind(up_to)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("UPDATE audit_anchor SET seq = $1, hash = $2 WHERE id = 1").bind(up_to).bind(&hash).execute(&mut *tx).await?;
    sqlx::query("UPDATE audit_retention_gate SET open = 1 WHERE id = 1").execute(&mut *tx).await?;
    let removed =
        sqlx::query("DELETE FROM audit_log WHERE seq > $1 AND seq <= $2").bind(anchor).bind(up_to).execute(&mut *tx).await?.rows_affected();
    sqlx::query("UPDATE audit_retention_gate SET open = 0 WHERE id = 1").execute(&mut *tx).await?;
    let ev = AuditEvent::new(AuditActor::system(), Action::AuditRetentionRemoved, Outcome::Success).detail(json!({
        "rows": removed,
        "through_seq": up_to,
        // Where the anchor now is, for verify to hold it against.
        "anchor_link": hex::encode(&hash),
        "oldest_at": oldest_at,
        "cutoff": cutoff.as_millis(),
    }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    tracing::info!(rows = removed, through_seq = up_to, "audit events past their retention removed");
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{record, verify};
    use crate::testing::TestDb;
    use crate::ManualClock;
    use std::sync::Arc;

    const DAY: Duration = Duration::from_secs(24 * 60 * 60);

    async fn services(t: &TestDb, clock: Arc<ManualClock>) -> Services {
        t.services(clock)
    }

    async fn events(s: &Services, n: usize, label: &str) {
        for i in 0..n {
            let ev = AuditEvent::new(AuditActor::system(), Action::SessionEnded, Outcome::Success).target(format!("{label}{i}"));
            record(&s.db, s.clock.now(), &ev).await.expect("record");
        }
    }

    #[test]
    fn less_than_90_days_is_refused() {
        assert!(check_days(30).is_err());
        assert!(check_days(89).is_err());
        assert_eq!(check_days(90).expect("ok"), 90 * DAY);
        assert!(check_days(DEFAULT_DAYS).is_ok());
    }

    #[tokio::test]
    async fn old_events_go_recent_ones_stay_and_the_chain_still_verifies() {
        let t = TestDb::fresh().await;
        let clock = Arc::new(ManualClock::starting_now());
        let s = services(&t, clock.clone()).await;
        events(&s, 1205, "old").await;
        clock.advance(300 * DAY);
        events(&s, 7, "recent").await;
        clock.advance(101 * DAY);
        let removed = remove_expired(&s, 400 * DAY).await.expect("retention");
        assert_eq!(removed, 1205);
        let targets: Vec<Option<String>> =
            sqlx::query_scalar("SELECT target FROM audit_log ORDER BY seq").fetch_all(t.db.pool()).await.expect("rows");
        assert!(targets.iter().flatten().all(|t| !t.starts_with("old")));
        assert_eq!(targets.iter().flatten().filter(|t| t.starts_with("recent")).count(), 7);
        let report = verify(&t.db).await.expect("verify");
        assert!(report.is_intact(), "{report:?}");
        // The removal itself is on record, in batches.
        let records: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'audit.retention_removed'")
            .fetch_one(t.db.pool())
            .await
            .expect("count");
        assert_eq!(records, 2);
        // Nothing else may be deleted, not even old rows outside the retention job.
        assert!(sqlx::query("DELETE FROM audit_log").execute(t.db.pool()).await.is_err());
        assert!(remove_expired(&s, 30 * DAY).await.is_err());
        assert_eq!(remove_expired(&s, 400 * DAY).await.expect("again"), 0);
    }

    #[tokio::test]
    async fn deleting_the_oldest_rows_by_hand_is_still_found() {
        let t = TestDb::fresh().await;
        let clock = Arc::new(ManualClock::starting_now());
        let s = services(&t, clock.clone()).await;
        events(&s, 5, "e").await;
        t.allow_audit_tampering().await;
        sqlx::query("DELETE FROM audit_log WHERE seq <= 2").execute(t.db.pool()).await.expect("tamper");
        let report = verify(&t.db).await.expect("verify");
        assert!(!report.is_intact(), "removing rows without moving the anchor breaks the chain");
    }
}
