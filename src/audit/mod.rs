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

use serde_json::Value;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

use crate::audit_chain::ChainKey;
use crate::clock::Timestamp;
use crate::error::CoreResult;
use crate::ids::{AuditId, TenantId, UserId};

mod append;
mod verify;

pub use append::{append, record};
pub(crate) use append::{append_with_key, forget_head};
pub use verify::{head, verify, verify_against, BreakKind, ChainBreak, VerifyReport, WitnessedHead};
pub(crate) use verify::{stored_row_of, ROW_COLUMNS};

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
    /// A record's content was corrected; the version it replaced is kept.
    RecordCorrected => "record.corrected",
    /// A record was marked deleted, with a reason; its content is kept.
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
    /// People stored before 生年月日 and 緊急連絡先 had them sealed as not given.
    PersonDetailsSealed => "people.details_sealed",
    /// The step above finished (or was not needed): it never runs again.
    PersonDetailsSealFinished => "people.details_seal_finished",
    /// People indexed under an older token set were re-indexed (partial search).
    SearchIndexRebuilt => "people.search_index_rebuilt",
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

#[cfg(test)]
mod tests;
