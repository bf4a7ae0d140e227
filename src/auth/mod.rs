//! Authentication: who is making this request, and may they log in.
//!
//! `login` checks organisation code + user ID + password with throttling and
//! uniform failures; `resolve_session` turns a session's claims into an
//! [`Actor`] on every request (so a disabled user or an expired session stops
//! working at once); `change_password` enforces the policy.

pub mod password;
pub mod throttle;

use std::time::Duration;

use serde_json::json;

use crate::audit::{self, Action, AuditActor, AuditEvent, ClientInfo, Outcome};
use crate::db::Reach;
use crate::error::{CoreError, CoreResult};
use crate::ids::{TenantId, UserId};
use crate::scope::PreAuthScope;
use crate::services::Services;
use crate::sessions;
use crate::tenants::{self, OrgCode, TenantStatus};
use crate::users::{self, LoginName, Role, User};
use crate::Timestamp;
use password::{check_new_password, Password, PasswordProblem};
use throttle::{Admission, ThrottleKey, ThrottlePolicy};

/// The authenticated principal of one request. Built only by this module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub tenant_id: Option<TenantId>,
    pub role: Role,
    pub login: String,
    /// Set when the password was chosen by someone else; everything but the
    /// password change is refused until it is changed.
    pub must_change_password: bool,
    /// When this person last proved their password (login or re-entry);
    /// operator changes need it to be recent.
    pub verified_at: Timestamp,
    /// The account's credential generation when this was resolved; a
    /// session remembers the one it logged in with.
    pub credential_generation: i64,
    /// An administrator at the server's command line (`Actor::cli`), not an account.
    pub command_line: bool,
}

impl Actor {
    pub fn is_operator(&self) -> bool {
        self.role == Role::Operator
    }

    pub fn audit_actor(&self) -> AuditActor {
        if self.command_line {
            return AuditActor::cli();
        }
        AuditActor::user(&self.user_id, &self.login)
    }

    /// The command line: it runs as the server's own user, so it acts with
    /// operator rights, just verified, through the same policy, scopes and
    /// rules as the consoles (a CLI refuses what the console refuses). It is
    /// no account: its id is the nil UUID, which no account has.
    pub fn cli(now: Timestamp) -> Actor {
        Actor {
            user_id: UserId::nil(),
            tenant_id: None,
            role: Role::Operator,
            login: String::from("cli"),
            must_change_password: false,
            verified_at: now,
            credential_generation: 0,
            command_line: true,
        }
    }
}

/// Timeouts and throttles; defaults are the documented ones.
#[derive(Clone, Debug)]
pub struct AuthPolicy {
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    pub account_throttle: ThrottlePolicy,
    pub address_throttle: ThrottlePolicy,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            account_throttle: ThrottlePolicy::ACCOUNT,
            address_throttle: ThrottlePolicy::ADDRESS,
        }
    }
}

/// Which login page the attempt came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Realm {
    /// `/login`: organisation code + user ID + password.
    Tenant,
    /// `/ops/login`: operators, no organisation code.
    Operator,
}

pub struct LoginRequest<'a> {
    pub realm: Realm,
    pub org_code: &'a str,
    pub login: &'a str,
    pub password: Password,
    pub client: &'a ClientInfo,
}

/// Longest input we even look at; anything longer cannot be a valid account.
const MAX_FIELD_BYTES: usize = 512;

/// Checks credentials. Every failure, whatever its cause, is
/// `InvalidCredentials` (or `Throttled`), takes one password verification,
/// and is audited.
pub async fn login(s: &Services, req: LoginRequest<'_>) -> CoreResult<Actor> {
    let now = s.clock.now();
    let org_raw = if req.realm == Realm::Tenant { req.org_code.trim().to_lowercase() } else { String::new() };
    let login_raw = req.login.trim().to_lowercase();
    if org_raw.len() > MAX_FIELD_BYTES || login_raw.len() > MAX_FIELD_BYTES || req.password.expose().len() > 4 * 128 {
        return Err(CoreError::InvalidCredentials);
    }
    // The organisation's network rule comes first: an address it does not
    // allow never reaches the password check or any counter.
    if req.realm == Realm::Tenant {
        refuse_denied_network(s, &org_raw, req.client, now).await?;
    }
    let address_key = ThrottleKey::address(req.client.ip);
    let account_key = account_throttle_key(req.realm, &org_raw, &login_raw);

    // Count the attempt before the password is looked at.
    for (scope, key, policy) in [("address", &address_key, &s.auth.address_throttle), ("account", &account_key, &s.auth.account_throttle)] {
        match throttle::admit(&s.db, key, policy, now).await? {
            Admission::Blocked { retry_after } => {
                let ev = AuditEvent::new(AuditActor::anonymous(), Action::LoginBlocked, Outcome::Denied)
                    .from_client(req.client)
                    .detail(json!({ "retry_after_s": retry_after.as_secs() }));
                audit::record(&s.db, now, &ev).await?;
                return Err(CoreError::Throttled { retry_after });
            }
            Admission::Allowed { engaged: true } => {
                let ev = AuditEvent::new(AuditActor::anonymous(), Action::LoginThrottled, Outcome::Denied)
                    .from_client(req.client)
                    .detail(json!({ "scope": scope }));
                audit::record(&s.db, now, &ev).await?;
            }
            Admission::Allowed { engaged: false } => {}
        }
    }

    let found = find_account(s, req.realm, &org_raw, &login_raw).await?;
    let stored_hash = found.as_ref().map(|(_, _, h)| h);
    let password_ok = s.hasher.verify(&req.password, stored_hash).await?;

    let usable = found.as_ref().filter(|(user, tenant_active, _)| password_ok && user.may_log_in(now) && *tenant_active);
    match usable {
        Some((user, _, _)) => {
            throttle::clear(&s.db, &account_key).await?;
            throttle::refund(&s.db, &address_key).await?;
            let mut tx = s.db.begin_write_in(Reach::of_row(user.tenant_id.as_ref())).await?;
            users::note_login(&mut tx, &user.id, true, now).await?;
            let ev = AuditEvent::new(AuditActor::user(&user.id, user.login.as_str()), Action::LoginSucceeded, Outcome::Success)
                .tenant(user.tenant_id.as_ref())
                .from_client(req.client)
                .target(user.id.to_string());
            audit::append(&mut tx, now, &ev).await?;
            tx.commit().await?;
            Ok(actor_of(user, now))
        }
        None => {
            // The failure of a known account is its organisation's event; of an unknown one, the installation's.
            let mut tx = s.db.begin_write_in(Reach::of_row(found.as_ref().and_then(|(u, _, _)| u.tenant_id.as_ref()))).await?;
            let mut ev = AuditEvent::new(AuditActor::anonymous(), Action::LoginFailed, Outcome::Failure)
                .from_client(req.client)
                .detail(json!({ "realm": realm_name(req.realm) }));
            // The attempted name is not recorded for unknown accounts: people
            // sometimes type their password into the user ID field.
            if let Some((user, _, _)) = &found {
                users::note_login(&mut tx, &user.id, false, now).await?;
                ev = ev.tenant(user.tenant_id.as_ref()).target(user.id.to_string());
            }
            audit::append(&mut tx, now, &ev).await?;
            tx.commit().await?;
            Err(CoreError::InvalidCredentials)
        }
    }
}

async fn refuse_denied_network(s: &Services, org_raw: &str, client: &ClientInfo, now: Timestamp) -> CoreResult<()> {
    let Ok(code) = OrgCode::parse(org_raw) else { return Ok(()) };
    let Some(scope) = PreAuthScope::for_org_code(s, &code).await? else { return Ok(()) };
    if scope.allows(s, client.ip).await? {
        return Ok(());
    }
    let ev = AuditEvent::new(AuditActor::anonymous(), Action::LoginNetworkDenied, Outcome::Denied)
        .tenant(scope.tenant().map(|t| &t.id))
        .from_client(client);
    audit::record(&s.db, now, &ev).await?;
    Err(CoreError::NetworkDenied)
}

/// The login throttle's key for an account, shared by login and password change.
fn account_throttle_key(realm: Realm, org_raw: &str, login_raw: &str) -> ThrottleKey {
    match realm {
        Realm::Tenant => ThrottleKey::tenant_account(org_raw, login_raw),
        Realm::Operator => ThrottleKey::operator_account(login_raw),
    }
}

fn realm_name(r: Realm) -> &'static str {
    match r {
        Realm::Tenant => "tenant",
        Realm::Operator => "operator",
    }
}

/// The account for these names, whether its tenant is active, and its hash.
async fn find_account(
    s: &Services,
    realm: Realm,
    org_raw: &str,
    login_raw: &str,
) -> CoreResult<Option<(User, bool, password::PasswordHashString)>> {
    let Ok(login) = LoginName::parse(login_raw) else {
        return Ok(None);
    };
    match realm {
        Realm::Operator => Ok(PreAuthScope::operators().find_account(s, &login).await?.map(|(u, h)| (u, true, h))),
        Realm::Tenant => {
            let Ok(code) = OrgCode::parse(org_raw) else {
                return Ok(None);
            };
            let Some(scope) = PreAuthScope::for_org_code(s, &code).await? else {
                return Ok(None);
            };
            let active = scope.tenant().is_some_and(|t| t.status == TenantStatus::Active);
            Ok(scope.find_account(s, &login).await?.map(|(u, h)| (u, active, h)))
        }
    }
}

fn actor_of(user: &User, verified_at: Timestamp) -> Actor {
    Actor {
        user_id: user.id.clone(),
        tenant_id: user.tenant_id.clone(),
        role: user.role,
        login: user.login.as_str().to_owned(),
        must_change_password: user.must_change_password,
        verified_at,
        credential_generation: user.credential_generation,
        command_line: false,
    }
}

/// Who the actor is, for the pages that greet them.
#[derive(Clone, Debug)]
pub struct WhoAmI {
    pub login: String,
    pub role: Role,
    pub tenant: Option<tenants::Tenant>,
    pub must_change_password: bool,
}

pub async fn whoami(s: &Services, actor: &Actor) -> CoreResult<WhoAmI> {
    let tenant = match &actor.tenant_id {
        Some(t) => Some(tenants::get(&s.db, t).await?.ok_or(CoreError::NotAuthenticated)?),
        None => None,
    };
    Ok(WhoAmI { login: actor.login.clone(), role: actor.role, tenant, must_change_password: actor.must_change_password })
}

/// What a session remembers about its login.
#[derive(Clone, Debug)]
pub struct SessionClaims {
    pub user_id: UserId,
    /// The account's organisation (`None`: an operator).
    pub tenant_id: Option<TenantId>,
    pub authenticated_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The last time the password was typed in this session (login or re-entry).
    pub verified_at: Timestamp,
    /// The account's credential generation at login (or at this session's own password change).
    pub credential_generation: i64,
}

/// Why a session no longer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    Idle,
    Absolute,
    AccountUnusable,
    /// The password was changed or reset since this session began.
    CredentialsChanged,
    /// The request comes from an address the organisation's allowlist does not
    /// include. The session is refused for this request, not destroyed (a
    /// stolen cookie used elsewhere must not log the owner out).
    NetworkDenied,
}

/// Re-checks a session on each request: timeouts by the clock, and the
/// account and its organisation still active. Role changes apply at once
/// because the actor is rebuilt from the database every time.
pub async fn resolve_session(
    s: &Services,
    claims: &SessionClaims,
    client_ip: Option<std::net::IpAddr>,
) -> CoreResult<Result<Actor, SessionEnd>> {
    let now = s.clock.now();
    if now.since(claims.last_seen_at) > s.auth.idle_timeout {
        return Ok(Err(SessionEnd::Idle));
    }
    if now.since(claims.authenticated_at) > s.auth.absolute_timeout {
        return Ok(Err(SessionEnd::Absolute));
    }
    // The session names its organisation; the account is read in that reach
    // only, so a claim naming another organisation finds nothing.
    let Some(user) = users::get(&mut s.db.read_in(Reach::of_row(claims.tenant_id.as_ref())).await?, &claims.user_id).await? else {
        return Ok(Err(SessionEnd::AccountUnusable));
    };
    if user.tenant_id != claims.tenant_id {
        return Ok(Err(SessionEnd::AccountUnusable));
    }
    if !user.may_log_in(now) {
        return Ok(Err(SessionEnd::AccountUnusable));
    }
    // Whatever the session store says (a row restored by a late write, a
    // copy), a session from before a password change or reset is over.
    if user.credential_generation != claims.credential_generation {
        return Ok(Err(SessionEnd::CredentialsChanged));
    }
    if let Some(tid) = &user.tenant_id {
        match tenants::get(&s.db, tid).await? {
            Some(t) if t.status == TenantStatus::Active => {}
            _ => return Ok(Err(SessionEnd::AccountUnusable)),
        }
        if !crate::network::allows(s, tid, client_ip).await? {
            return Ok(Err(SessionEnd::NetworkDenied));
        }
    }
    Ok(Ok(actor_of(&user, claims.verified_at)))
}

pub struct PasswordChange {
    pub current: Password,
    pub new: Password,
    pub confirm: Password,
}

/// Changes the actor's own password after checking the current one. Every
/// other session of the user ends; the one identified by `keep_session_hash`
/// stays, and must take on the returned credential generation.
pub async fn change_password(
    s: &Services,
    actor: &Actor,
    change: PasswordChange,
    client: &ClientInfo,
    keep_session_hash: Option<&str>,
) -> CoreResult<i64> {
    let now = s.clock.now();
    let Some((user, hash)) = users::get_with_hash(&mut own_reach(s, actor).await?, &actor.user_id).await? else {
        return Err(CoreError::NotAuthenticated);
    };
    let org_code = match &user.tenant_id {
        Some(t) => tenants::get(&s.db, t).await?.map(|t| t.code.as_str().to_owned()).unwrap_or_default(),
        None => String::new(),
    };
    // Guessing the current password through this form is guessing it at
    // the login: the same counter and delays.
    let realm = if user.tenant_id.is_some() { Realm::Tenant } else { Realm::Operator };
    let account_key = account_throttle_key(realm, &org_code, user.login.as_str());
    if let Admission::Blocked { retry_after } = throttle::admit(&s.db, &account_key, &s.auth.account_throttle, now).await? {
        let ev = AuditEvent::new(actor.audit_actor(), Action::PasswordChangeFailed, Outcome::Denied)
            .tenant(actor.tenant_id.as_ref())
            .from_client(client)
            .target(actor.user_id.to_string())
            .detail(json!({ "reason": "throttled", "retry_after_s": retry_after.as_secs() }));
        audit::record(&s.db, now, &ev).await?;
        return Err(CoreError::Throttled { retry_after });
    }
    if change.current.expose().len() > 4 * 128 || !s.hasher.verify(&change.current, Some(&hash)).await? {
        let ev = AuditEvent::new(actor.audit_actor(), Action::PasswordChangeFailed, Outcome::Failure)
            .tenant(actor.tenant_id.as_ref())
            .from_client(client)
            .target(actor.user_id.to_string())
            .detail(json!({ "reason": "current_password" }));
        audit::record(&s.db, now, &ev).await?;
        return Err(CoreError::Invalid { field: "current", problem: "wrong" });
    }
    if change.new.expose() != change.confirm.expose() {
        return Err(CoreError::WeakPassword(PasswordProblem::ConfirmationMismatch));
    }
    if change.new.expose() == change.current.expose() {
        return Err(CoreError::WeakPassword(PasswordProblem::SameAsCurrent));
    }
    throttle::clear(&s.db, &account_key).await?;
    check_new_password(change.new.expose(), &[user.login.as_str(), &org_code]).map_err(CoreError::WeakPassword)?;
    let new_hash = s.hasher.hash(&change.new).await?;

    let mut tx = s.db.begin_write_in(Reach::of_row(actor.tenant_id.as_ref())).await?;
    let generation = users::set_password(&mut tx, &user.id, &new_hash, false, now).await?;
    let ended = sessions::delete_for_user(&mut tx, &user.id, keep_session_hash).await?;
    let ev = AuditEvent::new(actor.audit_actor(), Action::PasswordChanged, Outcome::Success)
        .tenant(actor.tenant_id.as_ref())
        .from_client(client)
        .target(actor.user_id.to_string())
        .detail(json!({ "other_sessions_ended": ended }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(generation)
}

/// An operator types their password again before a privileged change
/// (throttled and audited like a login). Returns the new verification time.
pub async fn reverify(s: &Services, actor: &Actor, password: Password, client: &ClientInfo) -> CoreResult<Timestamp> {
    let now = s.clock.now();
    let Some((user, hash)) = users::get_with_hash(&mut own_reach(s, actor).await?, &actor.user_id).await? else {
        return Err(CoreError::NotAuthenticated);
    };
    let key = ThrottleKey::reauthentication(&user.id);
    if let Admission::Blocked { retry_after } = throttle::admit(&s.db, &key, &s.auth.account_throttle, now).await? {
        return Err(CoreError::Throttled { retry_after });
    }
    let ok = password.expose().len() <= 4 * 128 && s.hasher.verify(&password, Some(&hash)).await?;
    let (action, outcome) = if ok { (Action::Reauthenticated, Outcome::Success) } else { (Action::ReauthFailed, Outcome::Failure) };
    let ev = AuditEvent::new(actor.audit_actor(), action, outcome)
        .tenant(actor.tenant_id.as_ref())
        .from_client(client)
        .target(actor.user_id.to_string());
    audit::record(&s.db, now, &ev).await?;
    if !ok {
        return Err(CoreError::Invalid { field: "current", problem: "wrong" });
    }
    throttle::clear(&s.db, &key).await?;
    Ok(now)
}

/// A read of the actor's own account: in their organisation, or the installation's for operators.
async fn own_reach(s: &Services, actor: &Actor) -> CoreResult<crate::db::Tx> {
    s.db.read_in(Reach::of_row(actor.tenant_id.as_ref())).await
}

/// Ends the session server-side and records it.
pub async fn logout(s: &Services, actor: &Actor, session_hash: &str, client: &ClientInfo) -> CoreResult<()> {
    let now = s.clock.now();
    let mut tx = s.db.begin_write_in(Reach::of_row(actor.tenant_id.as_ref())).await?;
    sessions::delete(&mut tx, session_hash).await?;
    let ev = AuditEvent::new(actor.audit_actor(), Action::Logout, Outcome::Success)
        .tenant(actor.tenant_id.as_ref())
        .from_client(client)
        .target(actor.user_id.to_string());
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(())
}

/// Housekeeping, run periodically by the server: expired sessions and login
/// counters idle for longer than any throttling window. Returns (sessions, counters) removed.
pub async fn sweep_expired(s: &Services) -> CoreResult<(u64, u64)> {
    let now = s.clock.now();
    let sessions = sessions::sweep_expired(&s.db, now).await?;
    let longest_window = s.auth.account_throttle.window.max(s.auth.address_throttle.window);
    let counters = throttle::sweep(&s.db, now, longest_window).await?;
    Ok((sessions, counters))
}

/// Records that a session was ended by a timeout or because the account can
/// no longer be used, or refused for the address it came from.
pub async fn record_session_end(s: &Services, claims: &SessionClaims, why: SessionEnd, client: &ClientInfo) -> CoreResult<()> {
    let reason = match why {
        SessionEnd::Idle => "idle_timeout",
        SessionEnd::Absolute => "absolute_timeout",
        SessionEnd::AccountUnusable => "account_unusable",
        SessionEnd::CredentialsChanged => "credentials_changed",
        SessionEnd::NetworkDenied => "network_denied",
    };
    let (action, outcome) = match why {
        SessionEnd::NetworkDenied => (Action::SessionNetworkDenied, Outcome::Denied),
        _ => (Action::SessionEnded, Outcome::Success),
    };
    let ev = AuditEvent::new(AuditActor::system(), action, outcome)
        .from_client(client)
        .target(claims.user_id.to_string())
        .detail(json!({ "reason": reason }));
    audit::record(&s.db, s.clock.now(), &ev).await?;
    Ok(())
}

#[cfg(test)]
mod tests;
