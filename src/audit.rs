//! The audit log: append-only, hash-chained, written in the same transaction
//! as the change it records (WP-2.5, 2.13).
//!
//! Each row's hash is SHA-256 over the previous row's hash and the row's
//! canonical bytes. `verify` walks the chain and names the first row that does
//! not match, so an edited, inserted or deleted row is found.

use std::net::IpAddr;

use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::clock::Timestamp;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{AuditId, TenantId, UserId};

/// What was done. The string forms are stable: reports and alerts key on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    LoginSucceeded,
    LoginFailed,
    /// Throttling engaged for an account or address (the "lockout" event).
    LoginThrottled,
    /// An attempt refused while throttling was in force.
    LoginBlocked,
    Logout,
    PasswordChanged,
    PasswordChangeFailed,
    SessionEnded,
    OperatorCreated,
    TenantCreated,
    UserCreated,
    UserDisabled,
    UserEnabled,
    AuditVerified,
    AuditExported,
    AuditRetentionRemoved,
    AlertOpened,
    AlertAcknowledged,
    AlertClosed,
    AllowlistChanged,
    LoginNetworkDenied,
    OpsFenceDenied,
    SessionNetworkDenied,
    SetupLinkIssued,
    SetupLinkUsed,
    PasswordReset,
    UserRoleChanged,
    UserExpirySet,
    UserUnlocked,
    UserDeleted,
    SessionsRevoked,
    TenantContactsChanged,
    TenantSuspended,
    TenantResumed,
    TenantSettingsChanged,
    OperatorDisabled,
    OperatorEnabled,
    Reauthenticated,
    ReauthFailed,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::LoginSucceeded => "login.succeeded",
            Action::LoginFailed => "login.failed",
            Action::LoginThrottled => "login.throttled",
            Action::LoginBlocked => "login.blocked",
            Action::Logout => "logout",
            Action::PasswordChanged => "password.changed",
            Action::PasswordChangeFailed => "password.change_failed",
            Action::SessionEnded => "session.ended",
            Action::OperatorCreated => "operator.created",
            Action::TenantCreated => "tenant.created",
            Action::UserCreated => "user.created",
            Action::UserDisabled => "user.disabled",
            Action::UserEnabled => "user.enabled",
            Action::AuditVerified => "audit.verified",
            Action::AuditExported => "audit.exported",
            Action::AuditRetentionRemoved => "audit.retention_removed",
            Action::AlertOpened => "alert.opened",
            Action::AlertAcknowledged => "alert.acknowledged",
            Action::AlertClosed => "alert.closed",
            Action::AllowlistChanged => "allowlist.changed",
            Action::LoginNetworkDenied => "login.network_denied",
            Action::OpsFenceDenied => "ops.fence_denied",
            Action::SessionNetworkDenied => "session.network_denied",
            Action::SetupLinkIssued => "setup_link.issued",
            Action::SetupLinkUsed => "setup_link.used",
            Action::PasswordReset => "user.password_reset",
            Action::UserRoleChanged => "user.role_changed",
            Action::UserExpirySet => "user.expiry_set",
            Action::UserUnlocked => "user.unlocked",
            Action::UserDeleted => "user.deleted",
            Action::SessionsRevoked => "session.revoked",
            Action::TenantContactsChanged => "tenant.contacts_changed",
            Action::TenantSuspended => "tenant.suspended",
            Action::TenantResumed => "tenant.resumed",
            Action::TenantSettingsChanged => "tenant.settings_changed",
            Action::OperatorDisabled => "operator.disabled",
            Action::OperatorEnabled => "operator.enabled",
            Action::Reauthenticated => "reauth.succeeded",
            Action::ReauthFailed => "reauth.failed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// Who acted: a signed-in user, the command line, or nobody yet (a login).
#[derive(Clone, Debug)]
pub struct AuditActor {
    pub user_id: Option<UserId>,
    pub label: String,
}

impl AuditActor {
    pub fn user(user_id: &UserId, login: &str) -> Self {
        Self { user_id: Some(user_id.clone()), label: format!("user:{login}") }
    }

    /// An administrator at the server's command line.
    pub fn cli() -> Self {
        let who = std::env::var("SUDO_USER")
            .or_else(|_| std::env::var("USER"))
            .unwrap_or_else(|_| String::from("unknown"));
        Self { user_id: None, label: format!("cli:{who}") }
    }

    pub fn anonymous() -> Self {
        Self { user_id: None, label: String::from("anonymous") }
    }

    pub fn system() -> Self {
        Self { user_id: None, label: String::from("system") }
    }
}

/// Where a request came from, as far as the audit log cares.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    pub fn cli() -> Self {
        Self::default()
    }
}

/// One event to record. Never put a password, token or personal data in it.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub actor: AuditActor,
    pub tenant_id: Option<TenantId>,
    pub client_ip: Option<IpAddr>,
    pub action: Action,
    pub target: Option<String>,
    pub outcome: Outcome,
    pub detail: Value,
}

impl AuditEvent {
    pub fn new(actor: AuditActor, action: Action, outcome: Outcome) -> Self {
        Self {
            actor,
            tenant_id: None,
            client_ip: None,
            action,
            target: None,
            outcome,
            detail: Value::Object(Default::default()),
        }
    }

    pub fn tenant(mut self, tenant_id: Option<&TenantId>) -> Self {
        self.tenant_id = tenant_id.cloned();
        self
    }

    pub fn from_client(mut self, client: &ClientInfo) -> Self {
        self.client_ip = client.ip;
        self
    }

    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// The row as stored, in the order its canonical bytes are built.
struct StoredRow {
    seq: i64,
    id: String,
    at: i64,
    actor_user_id: Option<String>,
    actor_label: String,
    tenant_id: Option<String>,
    client_ip: Option<String>,
    action: String,
    target: Option<String>,
    result: String,
    detail: String,
}

impl StoredRow {
    /// Length-prefixed fields, so no two different rows share an encoding.
    fn canonical_bytes(&self) -> Vec<u8> {
        fn field(out: &mut Vec<u8>, v: Option<&str>) {
            match v {
                Some(s) => {
                    let len = u32::try_from(s.len()).unwrap_or(u32::MAX - 1);
                    out.extend_from_slice(&len.to_be_bytes());
                    out.extend_from_slice(s.as_bytes());
                }
                None => out.extend_from_slice(&u32::MAX.to_be_bytes()),
            }
        }
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"kura-audit-v1");
        out.extend_from_slice(&self.seq.to_be_bytes());
        field(&mut out, Some(&self.id));
        out.extend_from_slice(&self.at.to_be_bytes());
        field(&mut out, self.actor_user_id.as_deref());
        field(&mut out, Some(&self.actor_label));
        field(&mut out, self.tenant_id.as_deref());
        field(&mut out, self.client_ip.as_deref());
        field(&mut out, Some(&self.action));
        field(&mut out, self.target.as_deref());
        field(&mut out, Some(&self.result));
        field(&mut out, Some(&self.detail));
        out
    }

    fn chain_hash(&self, prev_hash: &[u8]) -> Vec<u8> {
        let mut h = Sha256::new();
        h.update(prev_hash);
        h.update(self.canonical_bytes());
        h.finalize().to_vec()
    }
}

/// Appends one event inside the caller's transaction and returns its sequence
/// number. The head row is locked first, so concurrent appends serialise and
/// the chain has a single order.
pub async fn append(conn: &mut AnyConnection, now: Timestamp, event: &AuditEvent) -> CoreResult<i64> {
    // Locks the head row and reads it in one statement.
    let head = sqlx::query("UPDATE audit_head SET last_seq = last_seq WHERE id = 1 RETURNING last_seq, last_hash")
        .fetch_one(&mut *conn)
        .await?;
    let mut last_seq: i64 = head.try_get("last_seq")?;
    let prev_hash: Vec<u8> = head.try_get("last_hash")?;

    let mut row = StoredRow {
        seq: last_seq + 1,
        id: AuditId::generate().to_string(),
        at: now.as_millis(),
        actor_user_id: event.actor.user_id.as_ref().map(|u| u.to_string()),
        actor_label: event.actor.label.clone(),
        tenant_id: event.tenant_id.as_ref().map(|t| t.to_string()),
        client_ip: event.client_ip.map(|ip| ip.to_string()),
        action: event.action.as_str().to_owned(),
        target: event.target.clone(),
        result: event.outcome.as_str().to_owned(),
        detail: event.detail.to_string(),
    };
    let mut hash = row.chain_hash(&prev_hash);
    // Normally one insert. A row slipped in by hand past the head takes the
    // next number: then write after it (verify still names the forged row
    // as the first break), rather than stop the log.
    let mut written = false;
    for _ in 0..2 {
        let inserted = sqlx::query(
            "INSERT INTO audit_log (seq, id, at, actor_user_id, actor_label, tenant_id, client_ip, \
             action, target, result, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (seq) DO NOTHING",
        )
        .bind(row.seq)
        .bind(&row.id)
        .bind(row.at)
        .bind(&row.actor_user_id)
        .bind(&row.actor_label)
        .bind(&row.tenant_id)
        .bind(&row.client_ip)
        .bind(&row.action)
        .bind(&row.target)
        .bind(&row.result)
        .bind(&row.detail)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if inserted == 1 {
            written = true;
            break;
        }
        let max_seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log").fetch_one(&mut *conn).await?;
        last_seq = max_seq.unwrap_or(last_seq).max(last_seq);
        row.seq = last_seq + 1;
        hash = row.chain_hash(&prev_hash);
    }
    if !written {
        return Err(CoreError::Conflict("audit sequence taken twice"));
    }
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1")
        .bind(row.seq)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(row.seq)
}

/// Records an event on its own, for things that change nothing else
/// (a failed login, a refused request).
pub async fn record(db: &Db, now: Timestamp, event: &AuditEvent) -> CoreResult<i64> {
    let mut tx = db.begin_write().await?;
    let seq = append(&mut tx, now, event).await?;
    tx.commit().await?;
    Ok(seq)
}

/// Why a row failed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// A sequence number is missing (a row was deleted) or repeated.
    Gap { expected: i64 },
    /// The row's stored previous hash is not the hash of the row before it.
    PrevHashMismatch,
    /// The row's content does not hash to its stored hash (it was edited).
    ContentMismatch,
    /// The head does not point at the last row (rows removed from the end, or
    /// a row appended outside Kura).
    HeadMismatch,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub kind: BreakKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows_checked: u64,
    pub first_break: Option<ChainBreak>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// Walks the whole chain in batches and reports the first broken row.
pub async fn verify(db: &Db) -> CoreResult<VerifyReport> {
    const BATCH: i64 = 1000;
    // The chain starts after the last row removed by retention (or at the very beginning).
    let anchor = sqlx::query("SELECT seq, hash FROM audit_anchor WHERE id = 1").fetch_one(db.pool()).await?;
    let mut expected_seq: i64 = anchor.try_get::<i64, _>("seq")? + 1;
    let mut running: Vec<u8> = anchor.try_get("hash")?;
    let mut checked: u64 = 0;
    loop {
        let rows = sqlx::query(
            "SELECT seq, id, at, actor_user_id, actor_label, tenant_id, client_ip, action, \
             target, result, detail, prev_hash, hash FROM audit_log \
             WHERE seq >= $1 ORDER BY seq LIMIT $2",
        )
        .bind(expected_seq)
        .bind(BATCH)
        .fetch_all(db.pool())
        .await?;
        let fetched = rows.len();
        for r in rows {
            let row = StoredRow {
                seq: r.try_get("seq")?,
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor_user_id: r.try_get("actor_user_id")?,
                actor_label: r.try_get("actor_label")?,
                tenant_id: r.try_get("tenant_id")?,
                client_ip: r.try_get("client_ip")?,
                action: r.try_get("action")?,
                target: r.try_get("target")?,
                result: r.try_get("result")?,
                detail: r.try_get("detail")?,
            };
            let prev_hash: Vec<u8> = r.try_get("prev_hash")?;
            let hash: Vec<u8> = r.try_get("hash")?;
            let broken = |kind| Ok(VerifyReport { rows_checked: checked, first_break: Some(ChainBreak { seq: row.seq, kind }) });
            if row.seq != expected_seq {
                return broken(BreakKind::Gap { expected: expected_seq });
            }
            if prev_hash != running {
                return broken(BreakKind::PrevHashMismatch);
            }
            if row.chain_hash(&prev_hash) != hash {
                return broken(BreakKind::ContentMismatch);
            }
            running = hash;
            expected_seq += 1;
            checked += 1;
        }
        if i64::try_from(fetched).unwrap_or(0) < BATCH {
            break;
        }
    }
    let head = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    let last_seq: i64 = head.try_get("last_seq")?;
    let last_hash: Vec<u8> = head.try_get("last_hash")?;
    if last_seq != expected_seq - 1 || last_hash != running {
        return Ok(VerifyReport {
            rows_checked: checked,
            first_break: Some(ChainBreak { seq: (expected_seq).min(last_seq + 1).max(1), kind: BreakKind::HeadMismatch }),
        });
    }
    Ok(VerifyReport { rows_checked: checked, first_break: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDb;
    use serde_json::json;

    async fn write_events(db: &Db, n: usize) {
        for i in 0..n {
            let ev = AuditEvent::new(AuditActor::system(), Action::AuditVerified, Outcome::Success)
                .detail(json!({ "i": i }));
            record(db, Timestamp::from_millis(1_000 + i as i64), &ev).await.expect("append");
        }
    }

    #[tokio::test]
    async fn a_fresh_chain_verifies() {
        let t = TestDb::fresh().await;
        let report = verify(&t.db).await.expect("verify");
        assert!(report.is_intact());
        assert_eq!(report.rows_checked, 0);
        write_events(&t.db, 5).await;
        let report = verify(&t.db).await.expect("verify");
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.rows_checked, 5);
    }

    #[tokio::test]
    async fn an_edited_row_is_reported_by_its_sequence_number() {
        let t = TestDb::fresh().await;
        write_events(&t.db, 5).await;
        t.allow_audit_tampering().await;
        sqlx::query("UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 3")
            .execute(t.db.pool())
            .await
            .expect("tamper");
        let report = verify(&t.db).await.expect("verify");
        assert_eq!(report.first_break, Some(ChainBreak { seq: 3, kind: BreakKind::ContentMismatch }));
    }

    #[tokio::test]
    async fn a_deleted_row_is_reported_as_a_gap() {
        let t = TestDb::fresh().await;
        write_events(&t.db, 5).await;
        t.allow_audit_tampering().await;
        sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(t.db.pool()).await.expect("tamper");
        let report = verify(&t.db).await.expect("verify");
        assert_eq!(report.first_break, Some(ChainBreak { seq: 3, kind: BreakKind::Gap { expected: 2 } }));
    }

    #[tokio::test]
    async fn removing_the_last_row_is_found_at_the_head() {
        let t = TestDb::fresh().await;
        write_events(&t.db, 3).await;
        t.allow_audit_tampering().await;
        sqlx::query("DELETE FROM audit_log WHERE seq = 3").execute(t.db.pool()).await.expect("tamper");
        let report = verify(&t.db).await.expect("verify");
        assert_eq!(report.first_break.map(|b| b.kind), Some(BreakKind::HeadMismatch));
    }

    #[tokio::test]
    async fn the_log_refuses_updates_and_deletes_through_sql() {
        let t = TestDb::fresh().await;
        write_events(&t.db, 1).await;
        assert!(sqlx::query("UPDATE audit_log SET action = 'x'").execute(t.db.pool()).await.is_err());
        assert!(sqlx::query("DELETE FROM audit_log").execute(t.db.pool()).await.is_err());
    }

    #[tokio::test]
    async fn concurrent_appends_keep_one_unbroken_chain() {
        let t = TestDb::fresh().await;
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let db = t.db.clone();
            tasks.push(tokio::spawn(async move { write_events(&db, 10).await }));
        }
        for task in tasks {
            task.await.expect("join");
        }
        let report = verify(&t.db).await.expect("verify");
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.rows_checked, 40);
    }
}
