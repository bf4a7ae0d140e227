//! Periodic housekeeping inside `kura serve`. (The full scheduler with DB
//! leases arrives with the jobs work; this sweep is idempotent, so running it
//! on several instances at once is harmless.)

use std::time::Duration;

use kura::Services;

const EVERY: Duration = Duration::from_secs(5 * 60);

/// How often audit retention runs (also once at start-up).
const RETENTION_EVERY: Duration = Duration::from_secs(6 * 60 * 60);

/// Removes audit events older than the retention, in batches (idempotent;
/// on PostgreSQL instances serialise on the audit head row).
pub async fn audit_retention_forever(services: Services, retention: Duration) {
    let mut tick = tokio::time::interval(RETENTION_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = kura::audit_retention::remove_expired(&services, retention).await {
            tracing::warn!(error = ?e, "audit retention failed; will retry");
        }
    }
}

/// Re-indexes people written before partial search, once at start-up
/// (batched; resumes where an interrupted run stopped). Retries a failed run
/// a few times, a minute apart.
pub async fn reindex_people_once(services: Services) {
    for _ in 0..5 {
        match kura::people::reindex::reindex_all(&services).await {
            Ok(_) => return,
            Err(e) => tracing::warn!(error = ?e, "re-indexing people for partial search failed; will retry"),
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
}

/// Removes expired sessions and stale login counters every few minutes.
pub async fn sweep_forever(services: Services) {
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        match kura::auth::sweep_expired(&services).await {
            Ok((0, 0)) => {}
            Ok((sessions, counters)) => tracing::info!(sessions, counters, "swept expired sessions and login counters"),
            Err(e) => tracing::warn!(error = ?e, "sweep failed; will retry"),
        }
    }
}

/// How often the alert rules read new audit events, and how often the chain is verified.
const ALERTS_EVERY: Duration = Duration::from_secs(60);
const VERIFY_EVERY: Duration = Duration::from_secs(60 * 60);

/// The target of the system-log records of the audit chain's head, which
/// `kura audit verify` reads back (`telemetry::witnessed_heads`).
pub const AUDIT_HEAD_TARGET: &str = "kura::audit_head";

/// Evaluates the alert rules every minute and verifies the audit chain every
/// hour (and once at start-up); a broken chain raises an alert naming the
/// first bad row. Every minute the chain's head, when it moved, is written to
/// the system log, a record the database cannot change: a later cut of rows
/// off the end is found against it, by this job and by `kura audit verify`.
pub async fn alerts_forever(services: Services, rules: kura::alerts::AlertRules) {
    let mut evaluate = tokio::time::interval(ALERTS_EVERY);
    let mut verify = tokio::time::interval(VERIFY_EVERY);
    let mut witness = tokio::time::interval(ALERTS_EVERY);
    let mut witnessed: Option<kura::audit::WitnessedHead> = None;
    loop {
        tokio::select! {
            _ = witness.tick() => {
                match kura::audit::head(&services.db).await {
                    Ok(head) if witnessed.as_ref() != Some(&head) => {
                        tracing::info!(target: AUDIT_HEAD_TARGET, seq = head.seq, link = %head.link_hex(), "audit chain head");
                        witnessed = Some(head);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = ?e, "could not read the audit chain head; will retry"),
                }
            }
            _ = evaluate.tick() => {
                match kura::alerts::evaluate(&services, &rules).await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(opened = n, "alerts opened"),
                    Err(e) => tracing::warn!(error = ?e, "alert evaluation failed; will retry"),
                }
            }
            _ = verify.tick() => {
                if let Err(e) = kura::alerts::check_chain(&services, witnessed.as_slice()).await {
                    tracing::warn!(error = ?e, "audit chain check failed; will retry");
                }
            }
        }
    }
}
