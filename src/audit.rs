//! The audit log: append-only, hash-chained, written in the same transaction
//! as the change it records (WP-2.5, 2.13).
//!
//! Each row's hash is SHA-256 over the previous row's hash and the row's
//! canonical bytes. `verify` walks the chain and names the first row that does
//! not match, so an edited, inserted or deleted row is found.

use std::net::IpAddr;
use std::sync::Mutex;

use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use crate::clock::Timestamp;
use crate::db::{Backend, Db};
use crate::error::{CoreError, CoreResult};
use crate::ids::{AuditId, TenantId, UserId};

type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

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
    PersonCreated,
    PersonUpdated,
    PersonArchived,
    PersonRestored,
    PersonDeleted,
    RecordCreated,
    RecordDeleted,
    CategoriesChanged,
    PeopleExported,
    PeopleImported,
    /// A sealed field failed its integrity check when read (moved or edited in the database).
    DataIntegrityFailed,
    MasterKeyRotated,
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
            Action::PersonCreated => "person.created",
            Action::PersonUpdated => "person.updated",
            Action::PersonArchived => "person.archived",
            Action::PersonRestored => "person.restored",
            Action::PersonDeleted => "person.deleted",
            Action::RecordCreated => "record.created",
            Action::RecordDeleted => "record.deleted",
            Action::CategoriesChanged => "categories.changed",
            Action::PeopleExported => "people.exported",
            Action::PeopleImported => "people.imported",
            Action::DataIntegrityFailed => "data.integrity_failed",
            Action::MasterKeyRotated => "keys.master_rotated",
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
    /// A web request whose address could not be established (a trusted
    /// proxy sent no usable chain): recorded as `unknown`, admitted by no
    /// allowlist. (The command line has no address and is not "unknown".)
    pub address_unknown: bool,
    pub user_agent: Option<String>,
}

/// What the audit log's client address column says for a web request
/// without an established address.
pub const UNKNOWN_ADDRESS: &str = "unknown";

impl ClientInfo {
    pub fn cli() -> Self {
        Self::default()
    }

    /// A web request from `ip`, or from an address that could not be established.
    pub fn web(ip: Option<IpAddr>, user_agent: Option<String>) -> Self {
        Self { ip, address_unknown: ip.is_none(), user_agent }
    }
}

/// One event to record. Never put a password, token or personal data in it.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub actor: AuditActor,
    pub tenant_id: Option<TenantId>,
    pub client_ip: Option<IpAddr>,
    pub client_address_unknown: bool,
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
            client_address_unknown: false,
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
        self.client_address_unknown = client.address_unknown;
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
    fn new(seq: i64, now: Timestamp, event: &AuditEvent) -> StoredRow {
        StoredRow {
            seq,
            id: AuditId::generate().to_string(),
            at: now.as_millis(),
            actor_user_id: event.actor.user_id.as_ref().map(|u| u.to_string()),
            actor_label: event.actor.label.clone(),
            tenant_id: event.tenant_id.as_ref().map(|t| t.to_string()),
            client_ip: match event.client_ip {
                Some(ip) => Some(ip.to_string()),
                None => event.client_address_unknown.then(|| UNKNOWN_ADDRESS.to_owned()),
            },
            action: event.action.as_str().to_owned(),
            target: event.target.clone(),
            result: event.outcome.as_str().to_owned(),
            detail: event.detail.to_string(),
        }
    }

    /// Binds $1..$11 to the row's columns in table order, then $12 and $13 to
    /// the previous and own hash.
    fn bind_all<'q>(&'q self, query: AnyQuery<'q>, prev_hash: &'q [u8], hash: &'q [u8]) -> AnyQuery<'q> {
        query
            .bind(self.seq)
            .bind(self.id.as_str())
            .bind(self.at)
            .bind(self.actor_user_id.as_deref())
            .bind(self.actor_label.as_str())
            .bind(self.tenant_id.as_deref())
            .bind(self.client_ip.as_deref())
            .bind(self.action.as_str())
            .bind(self.target.as_deref())
            .bind(self.result.as_str())
            .bind(self.detail.as_str())
            .bind(prev_hash)
            .bind(hash)
    }

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

/// The head this process last wrote: a hint, so the next append can move the
/// head and insert without reading it first. It is only ever used as the
/// expected value of a compare-and-set on `audit_head`, so a stale hint (a
/// rolled-back transaction, another instance, another database in tests) just
/// fails the compare and falls back to reading the head under its lock.
static LAST_HEAD: Mutex<Option<(i64, Vec<u8>)>> = Mutex::new(None);

fn remembered_head() -> Option<(i64, Vec<u8>)> {
    LAST_HEAD.lock().ok().and_then(|h| h.clone())
}

fn remember_head(seq: i64, hash: &[u8]) {
    if let Ok(mut h) = LAST_HEAD.lock() {
        *h = Some((seq, hash.to_vec()));
    }
}

/// Appends one event inside the caller's transaction and returns its sequence
/// number. The head row is locked before the row is written (by the
/// compare-and-set or by the locking read), so concurrent appends serialise and
/// the chain has a single order.
pub async fn append(conn: &mut AnyConnection, now: Timestamp, event: &AuditEvent) -> CoreResult<i64> {
    if let Some((head_seq, head_hash)) = remembered_head() {
        let row = StoredRow::new(head_seq + 1, now, event);
        let hash = row.chain_hash(&head_hash);
        match append_after_expected_head(conn, &row, &head_hash, &hash).await? {
            FastAppend::Written => {
                remember_head(row.seq, &hash);
                return Ok(row.seq);
            }
            // The head moved on (or the hint is from elsewhere): read it.
            FastAppend::HeadMoved => {}
            // The head was ours but its next number is taken by a row written
            // by hand; the head is locked and still names head_seq.
            FastAppend::SeqTaken => return append_locked(conn, now, event, head_seq, head_hash).await,
        }
    }
    // Locks the head row and reads it in one statement.
    let head = sqlx::query("UPDATE audit_head SET last_seq = last_seq WHERE id = 1 RETURNING last_seq, last_hash")
        .fetch_one(&mut *conn)
        .await?;
    append_locked(conn, now, event, head.try_get("last_seq")?, head.try_get("last_hash")?).await
}

enum FastAppend {
    Written,
    HeadMoved,
    SeqTaken,
}

/// Moves the head from (`row.seq - 1`, `prev_hash`) to the new row and inserts
/// it. PostgreSQL does both in one statement (the update in a CTE locks the
/// head first, as the slow path does); SQLite, whose writer already holds the
/// database lock, in two.
async fn append_after_expected_head(
    conn: &mut AnyConnection,
    row: &StoredRow,
    prev_hash: &[u8],
    hash: &[u8],
) -> CoreResult<FastAppend> {
    const INSERT: &str = "INSERT INTO audit_log (seq, id, at, actor_user_id, actor_label, tenant_id, client_ip, \
         action, target, result, detail, prev_hash, hash)";
    const MOVE_HEAD: &str = "UPDATE audit_head SET last_seq = $1, last_hash = $13 \
         WHERE id = 1 AND last_seq = $1 - 1 AND last_hash = $12";
    let (moved, inserted) = match Backend::of(conn) {
        Backend::Postgres => {
            let sql = format!(
                "WITH head AS ({MOVE_HEAD} RETURNING 1), \
                 ins AS ({INSERT} SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM head \
                 ON CONFLICT (seq) DO NOTHING RETURNING 1) \
                 SELECT (SELECT COUNT(*) FROM head) AS moved, (SELECT COUNT(*) FROM ins) AS inserted"
            );
            let r = row.bind_all(sqlx::query(&sql), prev_hash, hash).fetch_one(&mut *conn).await?;
            (r.try_get::<i64, _>("moved")? == 1, r.try_get::<i64, _>("inserted")? == 1)
        }
        Backend::Sqlite => {
            let moved = row.bind_all(sqlx::query(MOVE_HEAD), prev_hash, hash).execute(&mut *conn).await?.rows_affected() == 1;
            if !moved {
                return Ok(FastAppend::HeadMoved);
            }
            let sql = format!("{INSERT} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (seq) DO NOTHING");
            let inserted = row.bind_all(sqlx::query(&sql), prev_hash, hash).execute(&mut *conn).await?.rows_affected() == 1;
            (moved, inserted)
        }
    };
    Ok(match (moved, inserted) {
        (true, true) => FastAppend::Written,
        (true, false) => FastAppend::SeqTaken,
        _ => FastAppend::HeadMoved,
    })
}

/// Writes the row after the head (`head_seq`, `head_hash`), whose lock this
/// transaction holds, and moves the head to it.
async fn append_locked(
    conn: &mut AnyConnection,
    now: Timestamp,
    event: &AuditEvent,
    head_seq: i64,
    head_hash: Vec<u8>,
) -> CoreResult<i64> {
    let prev_hash = head_hash;
    let mut last_seq = head_seq;
    let mut row = StoredRow::new(last_seq + 1, now, event);
    let mut hash = row.chain_hash(&prev_hash);
    // Normally one insert. A row slipped in by hand past the head takes the
    // next number: then write after it (verify still names the forged row
    // as the first break), rather than stop the log.
    let mut written = false;
    for _ in 0..2 {
        let inserted = row
            .bind_all(
                sqlx::query(
                    "INSERT INTO audit_log (seq, id, at, actor_user_id, actor_label, tenant_id, client_ip, \
                     action, target, result, detail, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (seq) DO NOTHING",
                ),
                &prev_hash,
                &hash,
            )
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
    remember_head(row.seq, &hash);
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

    #[tokio::test]
    async fn an_append_rolled_back_leaves_the_next_append_on_the_chain() {
        let t = TestDb::fresh().await;
        write_events(&t.db, 2).await;
        let mut tx = t.db.begin_write().await.expect("begin");
        let ev = AuditEvent::new(AuditActor::system(), Action::AuditVerified, Outcome::Success);
        append(&mut tx, Timestamp::from_millis(5_000), &ev).await.expect("append");
        tx.rollback().await.expect("rollback");
        write_events(&t.db, 2).await;
        let report = verify(&t.db).await.expect("verify");
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.rows_checked, 4);
    }

    #[tokio::test]
    async fn a_row_written_by_hand_after_the_head_is_named_and_the_log_goes_on() {
        let t = TestDb::fresh().await;
        write_events(&t.db, 2).await;
        sqlx::query(
            "INSERT INTO audit_log (seq, id, at, actor_label, action, result, detail, prev_hash, hash) \
             VALUES (3, 'forged', 0, 'system', 'login.succeeded', 'success', '{}', $1, $1)",
        )
        .bind(vec![0u8; 32])
        .execute(t.db.pool())
        .await
        .expect("forge");
        write_events(&t.db, 2).await;
        let report = verify(&t.db).await.expect("verify");
        assert_eq!(report.first_break.map(|b| b.seq), Some(3));
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(t.db.pool()).await.expect("count");
        assert_eq!(rows, 5);
    }

    #[tokio::test]
    async fn appends_to_two_databases_in_turn_keep_both_chains_whole() {
        let (a, b) = (TestDb::fresh().await, TestDb::fresh().await);
        for _ in 0..3 {
            write_events(&a.db, 2).await;
            write_events(&b.db, 2).await;
        }
        for t in [&a, &b] {
            let report = verify(&t.db).await.expect("verify");
            assert!(report.is_intact(), "{report:?}");
            assert_eq!(report.rows_checked, 6);
        }
    }
}
