//! Accounts of one organisation, managed by its admins (`/admin`) or by an
//! operator (`/ops`) through the same functions and the same scope.

use serde_json::json;

use super::{first_hash, offset, FirstPassword, Issued, Page, PER_PAGE};
use crate::audit::{Action, ClientInfo};
use crate::auth::throttle::{self, ThrottleKey};
use crate::db::Tx;
use crate::error::{CoreError, CoreResult};
use crate::ids::UserId;
use crate::input;
use crate::policy::Permission;
use crate::scope::TenantScope;
use crate::services::Services;
use crate::sessions::{self, SessionInfo};
use crate::setup_links;
use crate::users::{self, LoginName, NewUser, Role, User, UserStatus};

pub async fn list(s: &Services, scope: &TenantScope<'_>, search: &str, page: i64) -> CoreResult<Page<User>> {
    scope.authorize(s, Permission::ViewAccounts)?;
    let (items, total) = users::list(&mut scope.read(s).await?, search, offset(page), PER_PAGE).await?;
    Ok(Page { items, total, page })
}

/// One account of the organisation (for its detail page).
pub async fn get(s: &Services, scope: &TenantScope<'_>, user_id: &UserId) -> CoreResult<User> {
    scope.authorize(s, Permission::ViewAccounts)?;
    scope.user(s, user_id).await
}

async fn issue(
    tx: &mut Tx,
    user: &UserId,
    temporary: Option<crate::auth::password::Password>,
    now: crate::Timestamp,
) -> CoreResult<Issued> {
    match temporary {
        Some(p) => {
            sqlx::query("DELETE FROM setup_tokens WHERE user_id = $1").bind(user.as_str()).execute(&mut **tx).await?;
            Ok(Issued::Temporary(p))
        }
        None => {
            let (token, expires_at) = setup_links::issue(tx, user, now).await?;
            Ok(Issued::SetupLink { token, expires_at })
        }
    }
}

pub async fn create(
    s: &Services,
    scope: &TenantScope<'_>,
    login: &str,
    role: &str,
    method: FirstPassword,
    client: &ClientInfo,
) -> CoreResult<(UserId, Issued)> {
    scope.authorize(s, Permission::ManageAccounts)?;
    let login = LoginName::parse(login)?;
    let role = Role::parse_tenant_role(role)?;
    let (hash, temporary) = first_hash(s, method).await?;
    let mut tx = scope.write(s, client).await?;
    let now = tx.now();
    let user_id = insert_account(&mut tx, &login, role, &hash, true, now).await?;
    let issued = issue(&mut tx, &user_id, temporary, now).await?;
    let ev = tx
        .event(Action::UserCreated)
        .target(user_id.to_string())
        .detail(json!({ "login": login.as_str(), "role": role.as_str(), "method": method.as_str() }));
    tx.commit(ev).await?;
    Ok((user_id, issued))
}

/// The command line's account creation: the same rules, with a password
/// the caller hashed (chosen, kept; or temporary, to be changed at first login).
pub async fn create_with_hash(
    s: &Services,
    scope: &TenantScope<'_>,
    login: &str,
    role: &str,
    hash: &crate::auth::password::PasswordHashString,
    must_change_password: bool,
    client: &ClientInfo,
) -> CoreResult<UserId> {
    scope.authorize(s, Permission::ManageAccounts)?;
    let login = LoginName::parse(login)?;
    let role = Role::parse_tenant_role(role)?;
    let mut tx = scope.write(s, client).await?;
    let now = tx.now();
    let user_id = insert_account(&mut tx, &login, role, hash, must_change_password, now).await?;
    let ev = tx
        .event(Action::UserCreated)
        .target(user_id.to_string())
        .detail(json!({ "login": login.as_str(), "role": role.as_str(), "temporary_password": must_change_password }));
    tx.commit(ev).await?;
    Ok(user_id)
}

async fn insert_account(
    tx: &mut Tx,
    login: &LoginName,
    role: Role,
    hash: &crate::auth::password::PasswordHashString,
    must_change_password: bool,
    now: crate::Timestamp,
) -> CoreResult<UserId> {
    users::insert(tx, NewUser { login, role, hash, must_change_password }, now).await
}

/// The account of the organisation with this user ID (the command line names accounts so).
pub async fn find_by_login(s: &Services, scope: &TenantScope<'_>, login: &str) -> CoreResult<User> {
    scope.authorize(s, Permission::ViewAccounts)?;
    let login = LoginName::parse(login)?;
    let mut tx = scope.read(s).await?;
    users::find_for_login(&mut tx, &login).await?.map(|(u, _)| u).ok_or(CoreError::NotFound)
}

/// Refuses a change that would leave the organisation without an active admin.
async fn keep_an_admin(tx: &mut Tx, user: &User) -> CoreResult<()> {
    if user.role == Role::Admin && user.status == UserStatus::Active && users::count_other_active_admins(tx, &user.id).await? == 0 {
        return Err(CoreError::Invalid { field: "user", problem: "last_admin" });
    }
    Ok(())
}

pub async fn change_role(s: &Services, scope: &TenantScope<'_>, user_id: &UserId, role: &str, client: &ClientInfo) -> CoreResult<()> {
    scope.authorize(s, Permission::ManageAccounts)?;
    let user = scope.user(s, user_id).await?;
    let role = Role::parse_tenant_role(role)?;
    if role == user.role {
        return Ok(());
    }
    let mut tx = scope.write(s, client).await?;
    if role != Role::Admin {
        keep_an_admin(&mut tx, &user).await?;
    }
    users::set_role(&mut tx, &user.id, role).await?;
    let ev = scope
        .event(Action::UserRoleChanged, client)
        .target(user.id.to_string())
        .detail(json!({ "from": user.role.as_str(), "to": role.as_str() }));
    tx.commit(ev).await?;
    Ok(())
}

/// Disables (ending every session at once) or re-enables an account.
pub async fn set_enabled(s: &Services, scope: &TenantScope<'_>, user_id: &UserId, enabled: bool, client: &ClientInfo) -> CoreResult<()> {
    scope.authorize(s, Permission::ManageAccounts)?;
    let user = scope.user(s, user_id).await?;
    let mut tx = scope.write(s, client).await?;
    let ended = if enabled {
        users::set_status(&mut tx, &user.id, UserStatus::Active).await?;
        0
    } else {
        keep_an_admin(&mut tx, &user).await?;
        users::set_status(&mut tx, &user.id, UserStatus::Disabled).await?;
        sessions::delete_for_user(&mut tx, &user.id, None).await?
    };
    let action = if enabled { Action::UserEnabled } else { Action::UserDisabled };
    let ev = scope.event(action, client).target(user.id.to_string()).detail(json!({ "sessions_ended": ended }));
    tx.commit(ev).await?;
    Ok(())
}

/// Sets (or clears, with an empty date) the last day the account may be
/// used; it stops working at midnight after that day in the organisation's
/// time zone.
pub async fn set_expiry(s: &Services, scope: &TenantScope<'_>, user_id: &UserId, date: &str, client: &ClientInfo) -> CoreResult<()> {
    scope.authorize(s, Permission::ManageAccounts)?;
    let user = scope.user(s, user_id).await?;
    let expires_at = if date.trim().is_empty() {
        None
    } else {
        let day = input::parse_date("expires_on", date)?;
        Some(
            crate::clock::start_of_next_day(day, &scope.tenant().time_zone)
                .ok_or(CoreError::Invalid { field: "expires_on", problem: "format" })?,
        )
    };
    let now = s.clock.now();
    if expires_at.is_some_and(|e| e <= now) {
        return Err(CoreError::Invalid { field: "expires_on", problem: "past" });
    }
    let mut tx = scope.write(s, client).await?;
    if expires_at.is_some() {
        keep_an_admin(&mut tx, &user).await?;
    }
    users::set_expiry(&mut tx, &user.id, expires_at).await?;
    let ev = scope.event(Action::UserExpirySet, client).target(user.id.to_string()).detail(json!({ "expires_on": date.trim() }));
    tx.commit(ev).await?;
    Ok(())
}

/// Replaces the password with a temporary one or a setup link; the old
/// password stops working and every session of the account ends.
pub async fn reset_password(
    s: &Services,
    scope: &TenantScope<'_>,
    user_id: &UserId,
    method: FirstPassword,
    client: &ClientInfo,
) -> CoreResult<Issued> {
    scope.authorize(s, Permission::ManageAccounts)?;
    let user = scope.user(s, user_id).await?;
    let (hash, temporary) = first_hash(s, method).await?;
    let now = s.clock.now();
    let mut tx = scope.write(s, client).await?;
    users::set_password(&mut tx, &user.id, &hash, true, now).await?;
    let ended = sessions::delete_for_user(&mut tx, &user.id, None).await?;
    let issued = issue(&mut tx, &user.id, temporary, now).await?;
    let ev = scope
        .event(Action::PasswordReset, client)
        .target(user.id.to_string())
        .detail(json!({ "method": method.as_str(), "sessions_ended": ended }));
    tx.commit(ev).await?;
    Ok(issued)
}

/// Lifts login throttling for the account at once.
pub async fn unlock(s: &Services, scope: &TenantScope<'_>, user_id: &UserId, client: &ClientInfo) -> CoreResult<()> {
    scope.authorize(s, Permission::ManageAccounts)?;
    let user = scope.user(s, user_id).await?;
    let key = ThrottleKey::tenant_account(scope.tenant().code.as_str(), user.login.as_str());
    let mut tx = scope.write(s, client).await?;
    let cleared = throttle::clear_in(&mut tx, &key).await?;
    users::clear_failures(&mut tx, &user.id).await?;
    let ev = scope
        .event(Action::UserUnlocked, client)
        .target(user.id.to_string())
        .detail(json!({ "throttle_cleared": cleared > 0, "failed_logins": user.failed_logins }));
    tx.commit(ev).await?;
    Ok(())
}

pub async fn delete(s: &Services, scope: &TenantScope<'_>, user_id: &UserId, client: &ClientInfo) -> CoreResult<()> {
    scope.authorize(s, Permission::ManageAccounts)?;
    let user = scope.user(s, user_id).await?;
    if user.id == scope.actor().user_id {
        return Err(CoreError::Invalid { field: "user", problem: "self" });
    }
    let mut tx = scope.write(s, client).await?;
    keep_an_admin(&mut tx, &user).await?;
    users::delete(&mut tx, &user.id).await?;
    let ev = scope
        .event(Action::UserDeleted, client)
        .target(user.id.to_string())
        .detail(json!({ "login": user.login.as_str(), "role": user.role.as_str() }));
    tx.commit(ev).await?;
    Ok(())
}

pub async fn sessions(s: &Services, scope: &TenantScope<'_>, user_id: &UserId) -> CoreResult<Vec<SessionInfo>> {
    scope.authorize(s, Permission::ViewAccounts)?;
    let user = scope.user(s, user_id).await?;
    sessions::list_for_user(&s.db, &user.id, s.clock.now()).await
}

/// Ends one session of the account (`session` given) or all of them.
pub async fn revoke_sessions(
    s: &Services,
    scope: &TenantScope<'_>,
    user_id: &UserId,
    session: Option<&str>,
    client: &ClientInfo,
) -> CoreResult<u64> {
    scope.authorize(s, Permission::ManageAccounts)?;
    let user = scope.user(s, user_id).await?;
    let mut tx = scope.write(s, client).await?;
    let ended = match session {
        Some(h) => u64::from(sessions::delete_one_of_user(&mut tx, &user.id, h).await?),
        None => sessions::delete_for_user(&mut tx, &user.id, None).await?,
    };
    if session.is_some() && ended == 0 {
        return Err(CoreError::NotFound);
    }
    let ev = scope.event(Action::SessionsRevoked, client).target(user.id.to_string()).detail(json!({ "sessions_ended": ended }));
    tx.commit(ev).await?;
    Ok(ended)
}
