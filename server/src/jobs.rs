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
