//! The audit log: append-only, hash-chained, written in the same transaction
//! as the change it records (WP-2.5, 2.13).
//!
//! Each row's link (the `hash` column) is an HMAC, under the chain key that
//! only the master key unwraps (`audit_chain`), over the previous link and the
//! row's canonical bytes. `verify` walks the chain and names the first row
//! that does not match, so an edited, inserted or deleted row is found even by
//! someone who can write the database; checked against the heads the server
//! wrote to the system log, rows cut off the end are found too.

use std::net::IpAddr;
use std::sync::Mutex;

use serde_json::Value;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use crate::audit_chain::ChainKey;
use crate::clock::Timestamp;
use crate::db::{Backend, Db, WriteTx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{AuditId, TenantId, UserId};

type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// Defines `Action` with its stable string forms in one table, so the list
/// of every action (`Action::ALL`) and `Action::parse` cannot miss one.
macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// What was done. The string forms are stable: reports and alerts key on
        /// them, always through this enum (never a literal in SQL).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    LoginSucceeded => "login.succeeded",
    LoginFailed => "login.failed",
    /// Throttling engaged for an account or address (the "lockout" event).
    LoginThrottled => "login.throttled",
    /// An attempt refused while throttling was in force.
    LoginBlocked => "login.blocked",
    Logout => "logout",
    PasswordChanged => "password.changed",
    PasswordChangeFailed => "password.change_failed",
    SessionEnded => "session.ended",
    OperatorCreated => "operator.created",
    TenantCreated => "tenant.created",
    UserCreated => "user.created",
    UserDisabled => "user.disabled",
    UserEnabled => "user.enabled",
    AuditVerified => "audit.verified",
    AuditExported => "audit.exported",
    AuditRetentionRemoved => "audit.retention_removed",
    /// A chain written before chains were keyed was re-linked under the key.
    AuditChainRekeyed => "audit.chain_rekeyed",
    AlertOpened => "alert.opened",
    AlertAcknowledged => "alert.acknowledged",
    AlertClosed => "alert.closed",
    AllowlistChanged => "allowlist.changed",
    LoginNetworkDenied => "login.network_denied",
    OpsFenceDenied => "ops.fence_denied",
    SessionNetworkDenied => "session.network_denied",
    SetupLinkIssued => "setup_link.issued",
    SetupLinkUsed => "setup_link.used",
    PasswordReset => "user.password_reset",
    UserRoleChanged => "user.role_changed",
    UserExpirySet => "user.expiry_set",
    UserUnlocked => "user.unlocked",
    UserDeleted => "user.deleted",
    SessionsRevoked => "session.revoked",
    TenantContactsChanged => "tenant.contacts_changed",
    TenantSuspended => "tenant.suspended",
    TenantResumed => "tenant.resumed",
    TenantSettingsChanged => "tenant.settings_changed",
    OperatorDisabled => "operator.disabled",
    OperatorEnabled => "operator.enabled",
    Reauthenticated => "reauth.succeeded",
    ReauthFailed => "reauth.failed",
    PersonCreated => "person.created",
    PersonUpdated => "person.updated",
    PersonArchived => "person.archived",
    PersonRestored => "person.restored",
    PersonDeleted => "person.deleted",
    RecordCreated => "record.created",
    RecordDeleted => "record.deleted",
    CategoriesChanged => "categories.changed",
    PeopleExported => "people.exported",
    PeopleImported => "people.imported",
    /// A sealed field failed its integrity check when read (moved or edited in the database).
    DataIntegrityFailed => "data.integrity_failed",
    /// Values sealed in the first format were re-sealed binding person and version.
    SealedFieldsUpgraded => "people.sealed_upgraded",
    /// Every organisation's values were re-sealed: the upgrade never runs again.
    SealedFieldsUpgradeFinished => "people.sealed_upgrade_finished",
    MasterKeyRotated => "keys.master_rotated",
    /// `kura migrate` ran (as the maintenance role on PostgreSQL).
    SchemaMigrated => "maintenance.migrated",
}

impl Action {
    /// The action a stored string names (`None` for one this Kura does not know).
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.as_str() == name)
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
        let who = std::env::var("SUDO_USER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| String::from("unknown"));
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
pub(crate) struct StoredRow {
    pub(crate) seq: i64,
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
    pub(crate) fn canonical_bytes(&self) -> Vec<u8> {
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

    fn link(&self, key: &ChainKey, prev_hash: &[u8]) -> CoreResult<Vec<u8>> {
        key.link(prev_hash, &self.canonical_bytes())
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

/// After the chain was re-linked: the hint names a link that no longer exists.
pub(crate) fn forget_head() {
    if let Ok(mut h) = LAST_HEAD.lock() {
        *h = None;
    }
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
pub async fn append(tx: &mut WriteTx, now: Timestamp, event: &AuditEvent) -> CoreResult<i64> {
    let key = crate::audit_chain::for_append(tx, now).await?;
    append_with_key(tx, now, event, &key).await
}

pub(crate) async fn append_with_key(tx: &mut WriteTx, now: Timestamp, event: &AuditEvent, key: &ChainKey) -> CoreResult<i64> {
    let conn: &mut AnyConnection = tx;
    if let Some((head_seq, head_hash)) = remembered_head() {
        let row = StoredRow::new(head_seq + 1, now, event);
        let hash = row.link(key, &head_hash)?;
        match append_after_expected_head(conn, &row, &head_hash, &hash).await? {
            FastAppend::Written => {
                remember_head(row.seq, &hash);
                return Ok(row.seq);
            }
            // The head moved on (or the hint is from elsewhere): read it.
            FastAppend::HeadMoved => {}
            // The head was ours but its next number is taken by a row written
            // by hand; the head is locked and still names head_seq.
            FastAppend::SeqTaken => return append_locked(conn, key, now, event, head_seq, head_hash).await,
        }
    }
    // Locks the head row and reads it in one statement.
    let head =
        sqlx::query("UPDATE audit_head SET last_seq = last_seq WHERE id = 1 RETURNING last_seq, last_hash").fetch_one(&mut *conn).await?;
    append_locked(conn, key, now, event, head.try_get("last_seq")?, head.try_get("last_hash")?).await
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
async fn append_after_expected_head(conn: &mut AnyConnection, row: &StoredRow, prev_hash: &[u8], hash: &[u8]) -> CoreResult<FastAppend> {
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
    key: &ChainKey,
    now: Timestamp,
    event: &AuditEvent,
    head_seq: i64,
    head_hash: Vec<u8>,
) -> CoreResult<i64> {
    let prev_hash = head_hash;
    let mut last_seq = head_seq;
    let mut row = StoredRow::new(last_seq + 1, now, event);
    let mut hash = row.link(key, &prev_hash)?;
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
        let max_seq = highest_seq_of_every_organisation(conn).await?;
        last_seq = max_seq.unwrap_or(last_seq).max(last_seq);
        row.seq = last_seq + 1;
        hash = row.link(key, &prev_hash)?;
    }
    if !written {
        return Err(CoreError::Conflict("audit sequence taken twice"));
    }
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1").bind(row.seq).bind(&hash).execute(&mut *conn).await?;
    remember_head(row.seq, &hash);
    Ok(row.seq)
}

/// The highest sequence number in the log, whatever the transaction's reach:
/// a row slipped in by hand may belong to any organisation. On PostgreSQL the
/// reach is widened for this one statement and put back as it was.
async fn highest_seq_of_every_organisation(conn: &mut AnyConnection) -> CoreResult<Option<i64>> {
    const MAX: &str = "SELECT MAX(seq) FROM audit_log";
    if Backend::of(conn) != Backend::Postgres {
        return Ok(sqlx::query_scalar(MAX).fetch_one(&mut *conn).await?);
    }
    let before = sqlx::query(
        "SELECT COALESCE(current_setting('kura.reach', true), '') AS reach, \
         COALESCE(current_setting('kura.reach_by', true), '') AS reach_by, set_config('kura.reach', 'all', true)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let (reach, by): (String, String) = (before.try_get("reach")?, before.try_get("reach_by")?);
    sqlx::query("SELECT set_config('kura.reach_by', 'job:audit sequence', true)").execute(&mut *conn).await?;
    let max: Option<i64> = sqlx::query_scalar(MAX).fetch_one(&mut *conn).await?;
    sqlx::query("SELECT set_config('kura.reach', $1, true), set_config('kura.reach_by', $2, true)")
        .bind(reach)
        .bind(by)
        .execute(&mut *conn)
        .await?;
    Ok(max)
}

/// Records an event on its own, for things that change nothing else
/// (a failed login, a refused request).
pub async fn record(db: &Db, now: Timestamp, event: &AuditEvent) -> CoreResult<i64> {
    let mut tx = db.begin_write_in(crate::db::Reach::of_row(event.tenant_id.as_ref())).await?;
    let seq = append(&mut tx, now, event).await?;
    tx.commit().await?;
    Ok(seq)
}

/// Why a row failed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// A sequence number is missing (a row was deleted) or repeated.
    Gap { expected: i64 },
    /// The row's stored previous link is not the link of the row before it.
    PrevHashMismatch,
    /// The row's content does not produce its stored link under the chain
    /// key (it was edited, or its link was recomputed without the key).
    ContentMismatch,
    /// The head does not point at the last row (rows removed from the end, or
    /// a row appended outside Kura).
    HeadMismatch,
    /// There are rows but no chain key to check them with.
    NotKeyed,
    /// The system log saw the chain reach `witnessed_seq`; the database now
    /// ends before it: rows were cut off the end and the head moved back.
    Rewound { witnessed_seq: i64 },
    /// The row at a sequence the system log recorded has another link than
    /// the one recorded.
    WitnessMismatch,
    /// The retention anchor is not where the last `audit.retention_removed`
    /// event put it (old rows removed, or the anchor moved, by hand).
    AnchorMismatch,
    /// A second `audit.chain_rekeyed`: a chain is re-keyed once, when it had
    /// no key; again means its key was removed and the chain re-linked.
    RekeyedAgain,
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

/// A head the server wrote to the system log: the chain reached `seq` with `link`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessedHead {
    pub seq: i64,
    pub link: Vec<u8>,
}

impl WitnessedHead {
    /// The link as the system log records it (hex).
    pub fn link_hex(&self) -> String {
        hex::encode(&self.link)
    }

    /// A head read back from the system log; `None` when the link is not hex.
    pub fn from_logged(seq: i64, link_hex: &str) -> Option<Self> {
        hex::decode(link_hex).ok().map(|link| Self { seq, link })
    }
}

/// The current head (sequence and link), as written to the system log.
pub async fn head(db: &Db) -> CoreResult<WitnessedHead> {
    let head = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1").fetch_one(db.pool()).await?;
    Ok(WitnessedHead { seq: head.try_get("last_seq")?, link: head.try_get("last_hash")? })
}

pub(crate) const ROW_COLUMNS: &str =
    "seq, id, at, actor_user_id, actor_label, tenant_id, client_ip, action, target, result, detail, prev_hash, hash";

/// A stored row with its previous and own link.
pub(crate) fn stored_row_of(r: &AnyRow) -> CoreResult<(StoredRow, Vec<u8>, Vec<u8>)> {
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
    Ok((row, r.try_get("prev_hash")?, r.try_get("hash")?))
}

/// Walks the whole chain in batches and reports the first broken row.
pub async fn verify(db: &Db) -> CoreResult<VerifyReport> {
    verify_against(db, &[]).await
}

/// As `verify`, and also against heads the system log recorded: the chain
/// must still reach each of them with the same link.
pub async fn verify_against(db: &Db, witnessed: &[WitnessedHead]) -> CoreResult<VerifyReport> {
    const BATCH: i64 = 1000;
    // The chain starts after the last row removed by retention (or at the very beginning).
    let anchor = sqlx::query("SELECT seq, hash FROM audit_anchor WHERE id = 1").fetch_one(db.pool()).await?;
    let anchor_seq: i64 = anchor.try_get("seq")?;
    let anchor_link: Vec<u8> = anchor.try_get("hash")?;
    let mut expected_seq: i64 = anchor_seq + 1;
    let mut running = anchor_link.clone();
    let mut checked: u64 = 0;
    let key = crate::audit_chain::for_verify(db).await?;
    let mut last_retention: Option<Value> = None;
    let mut rekeyed = false;
    let mut witnessed: Vec<&WitnessedHead> = witnessed.iter().filter(|w| w.seq > anchor_seq).collect();
    witnessed.sort_by_key(|w| w.seq);
    let mut next_witness = witnessed.iter().peekable();
    let broken = |checked, seq, kind| Ok(VerifyReport { rows_checked: checked, first_break: Some(ChainBreak { seq, kind }) });
    loop {
        // Every organisation's rows: the chain runs through all of them.
        let mut rx = db.read_in(crate::db::Reach::all_tenants(crate::db::AllTenantsUse::job("audit verification"))).await?;
        let rows = sqlx::query(&format!("SELECT {ROW_COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2"))
            .bind(expected_seq)
            .bind(BATCH)
            .fetch_all(&mut *rx)
            .await?;
        drop(rx);
        let fetched = rows.len();
        for r in rows {
            let (row, prev_hash, hash) = stored_row_of(&r)?;
            let Some(key) = &key else { return broken(checked, row.seq, BreakKind::NotKeyed) };
            if row.seq != expected_seq {
                return broken(checked, row.seq, BreakKind::Gap { expected: expected_seq });
            }
            if prev_hash != running {
                return broken(checked, row.seq, BreakKind::PrevHashMismatch);
            }
            if row.link(key, &prev_hash)? != hash {
                return broken(checked, row.seq, BreakKind::ContentMismatch);
            }
            while let Some(w) = next_witness.peek() {
                if w.seq > row.seq {
                    break;
                }
                if w.seq == row.seq && w.link != hash {
                    return broken(checked, row.seq, BreakKind::WitnessMismatch);
                }
                next_witness.next();
            }
            if row.action == Action::AuditChainRekeyed.as_str() {
                if rekeyed {
                    return broken(checked, row.seq, BreakKind::RekeyedAgain);
                }
                rekeyed = true;
            }
            if row.action == Action::AuditRetentionRemoved.as_str() {
                last_retention = serde_json::from_str(&row.detail).ok();
            }
            running = hash;
            expected_seq += 1;
            checked += 1;
        }
        if i64::try_from(fetched).unwrap_or(0) < BATCH {
            break;
        }
    }
    let head = head(db).await?;
    if head.seq != expected_seq - 1 || head.link != running {
        return broken(checked, expected_seq.min(head.seq + 1).max(1), BreakKind::HeadMismatch);
    }
    if let Some(w) = next_witness.next() {
        return broken(checked, w.seq, BreakKind::Rewound { witnessed_seq: w.seq });
    }
    if !anchor_matches(last_retention.as_ref(), anchor_seq, &anchor_link) {
        return broken(checked, anchor_seq, BreakKind::AnchorMismatch);
    }
    Ok(VerifyReport { rows_checked: checked, first_break: None })
}

/// The anchor is where the last retention run put it, or at the start when
/// no run is on the chain.
fn anchor_matches(last_retention: Option<&Value>, anchor_seq: i64, anchor_link: &[u8]) -> bool {
    match last_retention {
        None => anchor_seq == 0,
        Some(detail) => {
            let seq_ok = detail.get("through_seq").and_then(Value::as_i64) == Some(anchor_seq);
            // Runs recorded before the link was noted name the sequence only.
            let link_ok = detail.get("anchor_link").and_then(Value::as_str).is_none_or(|l| l == hex::encode(anchor_link));
            seq_ok && link_ok
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_name_and_reads_back_from_it() {
        let mut names = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(names.insert(a.as_str()), "{a:?} shares its name");
            assert_eq!(Action::parse(a.as_str()), Some(*a));
        }
        assert_eq!(Action::parse("login.failed "), None);
        assert_eq!(Action::parse("no.such_action"), None);
    }
    use crate::testing::TestDb;
    use serde_json::json;

    async fn write_events(db: &Db, n: usize) {
        for i in 0..n {
            let ev = AuditEvent::new(AuditActor::system(), Action::AuditVerified, Outcome::Success).detail(json!({ "i": i }));
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
        sqlx::query("UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 3").execute(t.db.pool()).await.expect("tamper");
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
    async fn first_appends_racing_on_a_fresh_database_share_one_key_and_one_chain() {
        for _ in 0..6 {
            let t = TestDb::fresh().await;
            let mut tasks = Vec::new();
            for _ in 0..8 {
                let db = t.db.reopen_for_test();
                tasks.push(tokio::spawn(async move { write_events(&db, 1).await }));
            }
            for task in tasks {
                task.await.expect("join");
            }
            let report = verify(&t.db).await.expect("verify");
            assert!(report.is_intact(), "{report:?}");
            assert_eq!(report.rows_checked, 8);
        }
    }

    #[tokio::test]
    async fn an_append_rolled_back_leaves_the_next_append_on_the_chain() {
        let t = TestDb::fresh().await;
        write_events(&t.db, 2).await;
        let mut tx = t.db.begin_write_in(crate::db::Reach::Installation).await.expect("begin");
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

    #[tokio::test]
    async fn an_edit_with_every_later_link_recomputed_without_the_key_does_not_verify() {
        let t = TestDb::fresh().await;
        write_events(&t.db, 5).await;
        t.allow_audit_tampering().await;
        sqlx::query("UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 3").execute(t.db.pool()).await.expect("tamper");
        crate::testing::relink_audit_unkeyed(&t.db, 3).await;
        let report = verify(&t.db).await.expect("verify");
        assert_eq!(report.first_break, Some(ChainBreak { seq: 3, kind: BreakKind::ContentMismatch }));
    }

    #[tokio::test]
    async fn rows_cut_off_the_end_with_the_head_moved_back_are_found_against_the_logged_head() {
        let t = TestDb::fresh().await;
        write_events(&t.db, 5).await;
        let logged = head(&t.db).await.expect("head");
        assert_eq!(logged.seq, 5);
        assert!(verify_against(&t.db, std::slice::from_ref(&logged)).await.expect("verify").is_intact());
        t.allow_audit_tampering().await;
        sqlx::query("DELETE FROM audit_log WHERE seq > 3").execute(t.db.pool()).await.expect("cut");
        let third: Vec<u8> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = 3").fetch_one(t.db.pool()).await.expect("row");
        sqlx::query("UPDATE audit_head SET last_seq = 3, last_hash = $1 WHERE id = 1")
            .bind(&third)
            .execute(t.db.pool())
            .await
            .expect("head");
        // Inside the database alone the shorter chain is whole; that is what the log is for.
        assert!(verify(&t.db).await.expect("verify").is_intact());
        let report = verify_against(&t.db, &[logged]).await.expect("verify");
        assert_eq!(report.first_break, Some(ChainBreak { seq: 5, kind: BreakKind::Rewound { witnessed_seq: 5 } }));
        // A logged link the row no longer has.
        let wrong = WitnessedHead { seq: 2, link: vec![7; 32] };
        let report = verify_against(&t.db, &[wrong]).await.expect("verify");
        assert_eq!(report.first_break, Some(ChainBreak { seq: 2, kind: BreakKind::WitnessMismatch }));
    }

    #[tokio::test]
    async fn old_rows_removed_by_hand_with_the_anchor_moved_are_reported() {
        let t = TestDb::fresh().await;
        write_events(&t.db, 5).await;
        t.allow_audit_tampering().await;
        let second: Vec<u8> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = 2").fetch_one(t.db.pool()).await.expect("row");
        sqlx::query("DELETE FROM audit_log WHERE seq <= 2").execute(t.db.pool()).await.expect("delete");
        sqlx::query("UPDATE audit_anchor SET seq = 2, hash = $1 WHERE id = 1").bind(&second).execute(t.db.pool()).await.expect("anchor");
        let report = verify(&t.db).await.expect("verify");
        assert_eq!(report.first_break, Some(ChainBreak { seq: 2, kind: BreakKind::AnchorMismatch }), "no retention run put it there");
    }

    #[tokio::test]
    async fn a_chain_from_before_keys_is_extended_by_nobody_and_rekeyed_once_by_migrate() {
        use crate::audit_chain::{rekey_unkeyed, state, ChainState};
        let t = TestDb::fresh().await;
        write_events(&t.db, 3).await;
        let db = t.unkey_audit_chain().await;
        assert_eq!(state(&db).await.expect("state"), ChainState::Unkeyed);
        let ev = AuditEvent::new(AuditActor::system(), Action::AuditVerified, Outcome::Success);
        assert!(matches!(record(&db, Timestamp::from_millis(9_000), &ev).await, Err(CoreError::Crypto(_))), "not extended unkeyed");
        // Heads in the system log mean it was keyed before: no re-keying.
        assert!(matches!(rekey_unkeyed(&db, Timestamp::from_millis(9_000), 1).await, Err(CoreError::Crypto(_))));
        let done = rekey_unkeyed(&db, Timestamp::from_millis(9_000), 0).await.expect("rekey").expect("re-keyed");
        assert_eq!(done, crate::audit_chain::Rekeyed { rows: 3, unkeyed_first_break: None });
        assert_eq!(rekey_unkeyed(&db, Timestamp::from_millis(9_000), 0).await.expect("again"), None, "once");
        write_events(&db, 1).await;
        let report = verify(&db).await.expect("verify");
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.rows_checked, 5, "3 old, the re-keying, the new one");
        let rekeyed: Vec<String> = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'audit.chain_rekeyed'")
            .fetch_all(t.db.pool())
            .await
            .expect("rows");
        assert_eq!(rekeyed.len(), 1);
        let detail: Value = serde_json::from_str(&rekeyed[0]).expect("json");
        assert_eq!((detail["rows"].as_i64(), detail["unkeyed_chain_intact"].as_bool()), (Some(3), Some(true)));
    }

    #[tokio::test]
    async fn an_edited_chain_whose_key_was_removed_and_then_rekeyed_is_still_reported() {
        use crate::audit_chain::rekey_unkeyed;
        let t = TestDb::fresh().await;
        write_events(&t.db, 3).await;
        // Upgraded once, properly.
        let db = t.unkey_audit_chain().await;
        rekey_unkeyed(&db, Timestamp::from_millis(9_000), 0).await.expect("rekey");
        write_events(&db, 2).await;
        // Then someone edits a row, re-links everything unkeyed and removes the key; an
        // operator who does not know runs `kura migrate` with no system log at hand.
        t.allow_audit_tampering().await;
        sqlx::query("UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 2").execute(t.db.pool()).await.expect("edit");
        crate::testing::relink_audit_unkeyed(&t.db, 1).await;
        sqlx::query("DELETE FROM audit_chain_key").execute(t.db.pool()).await.expect("no key");
        let again = Db::connect(&t.url).await.expect("connect");
        again.attach_master_key(std::sync::Arc::new(t.master_key()));
        forget_head();
        rekey_unkeyed(&again, Timestamp::from_millis(10_000), 0).await.expect("rekey").expect("re-keyed");
        let report = verify(&again).await.expect("verify");
        assert!(matches!(report.first_break, Some(ChainBreak { kind: BreakKind::RekeyedAgain, .. })), "{report:?}");
    }

    #[tokio::test]
    async fn a_chain_under_another_master_key_cannot_be_checked_or_extended() {
        let t = TestDb::fresh().await;
        write_events(&t.db, 2).await;
        let db = Db::connect(&t.url).await.expect("connect");
        db.attach_master_key(std::sync::Arc::new(crate::keys::MasterKey::generate()));
        assert!(matches!(verify(&db).await, Err(CoreError::Crypto(_))));
        let ev = AuditEvent::new(AuditActor::system(), Action::AuditVerified, Outcome::Success);
        assert!(matches!(record(&db, Timestamp::from_millis(9_000), &ev).await, Err(CoreError::Crypto(_))));
    }
}
