//! Operators managing operators. The last active operator cannot be disabled.

use serde_json::json;

use super::{first_hash, offset, FirstPassword, Page, PER_PAGE};
use crate::audit::{self, Action, AuditEvent, ClientInfo, Outcome};
use crate::auth::password::Password;
use crate::auth::Actor;
use crate::db::Reach;
use crate::error::{CoreError, CoreResult};
use crate::ids::UserId;
use crate::policy::{self, Permission};
use crate::services::Services;
use crate::sessions;
use crate::users::{self, LoginName, NewUser, Role, User, UserStatus};

pub async fn list(s: &Services, actor: &Actor, search: &str, page: i64) -> CoreResult<Page<User>> {
    policy::authorize(actor, Permission::ViewOperators, s.clock.now())?;
    let (items, total) = users::list(&mut s.db.read_in(Reach::Installation).await?, search, offset(page), PER_PAGE).await?;
    Ok(Page { items, total, page })
}

/// A new operator with a password hashed by the caller (the command line:
/// chosen, or temporary); `by` is who the audit log names (the CLI, or the
/// system for the first operator).
pub(crate) async fn create_with_hash(
    s: &Services,
    actor: &Actor,
    by: &crate::audit::AuditActor,
    login: &str,
    hash: &crate::auth::password::PasswordHashString,
    must_change_password: bool,
    client: &ClientInfo,
) -> CoreResult<UserId> {
    policy::authorize(actor, Permission::ManageOperators, s.clock.now())?;
    let login = LoginName::parse(login)?;
    let now = s.clock.now();
    let mut tx = s.db.begin_write_in(Reach::Installation).await?;
    let user_id = users::insert(&mut tx, NewUser { login: &login, role: Role::Operator, hash, must_change_password }, now).await?;
    let ev = AuditEvent::new(by.clone(), Action::OperatorCreated, Outcome::Success)
        .from_client(client)
        .target(user_id.to_string())
        .detail(json!({ "login": login.as_str(), "temporary_password": must_change_password }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(user_id)
}

/// A new operator with a temporary password (shown once, changed at first login).
pub async fn create(s: &Services, actor: &Actor, login: &str, client: &ClientInfo) -> CoreResult<(UserId, Password)> {
    policy::authorize(actor, Permission::ManageOperators, s.clock.now())?;
    // Checked before the (slow) hashing.
    LoginName::parse(login)?;
    let (hash, temporary) = first_hash(s, FirstPassword::Temporary).await?;
    let temporary = temporary.ok_or(CoreError::Hashing(String::from("no temporary password")))?;
    let user_id = create_with_hash(s, actor, &actor.audit_actor(), login, &hash, true, client).await?;
    Ok((user_id, temporary))
}

pub async fn set_enabled(s: &Services, actor: &Actor, user_id: &UserId, enabled: bool, client: &ClientInfo) -> CoreResult<()> {
    policy::authorize(actor, Permission::ManageOperators, s.clock.now())?;
    let now = s.clock.now();
    let mut tx = s.db.begin_write_in(Reach::Installation).await?;
    let user = users::get(&mut tx, user_id).await?.filter(|u| u.role == Role::Operator).ok_or(CoreError::NotFound)?;
    let ended = if enabled {
        users::set_status(&mut tx, &user.id, UserStatus::Active).await?;
        0
    } else {
        if users::count_other_active_operators(&mut tx, &user.id).await? == 0 {
            return Err(CoreError::Invalid { field: "user", problem: "last_operator" });
        }
        users::set_status(&mut tx, &user.id, UserStatus::Disabled).await?;
        sessions::delete_for_user(&mut tx, &user.id, None).await?
    };
    let action = if enabled { Action::OperatorEnabled } else { Action::OperatorDisabled };
    let ev = AuditEvent::new(actor.audit_actor(), action, Outcome::Success)
        .from_client(client)
        .target(user.id.to_string())
        .detail(json!({ "sessions_ended": ended }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(())
}
