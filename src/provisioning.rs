//! Creating and changing accounts and organisations from the command line.
//! The CLI acts with operator rights through the same policy table; each
//! change is audited in its transaction; passwords are never logged.

use serde_json::json;

use crate::audit::{self, Action, AuditActor, AuditEvent, ClientInfo, Outcome};
use crate::auth::password::{check_new_password, generate_temporary_password, Password};
use crate::error::{CoreError, CoreResult};
use crate::ids::UserId;
use crate::policy::{self, Permission};
use crate::services::Services;
use crate::sessions;
use crate::tenants::{self, OrgCode, Tenant};
use crate::users::{self, LoginName, NewUser, Role, UserStatus};

/// Where a new account's first password comes from.
pub enum InitialPassword {
    /// Chosen by the account's owner (e.g. piped to the CLI). Kept as is.
    Chosen(Password),
    /// Generated here; shown once to whoever creates the account, and must be
    /// changed at first login.
    Temporary,
}

/// A created account and, when generated, its one-time password.
#[derive(Debug)]
pub struct CreatedAccount {
    pub user_id: UserId,
    pub temporary_password: Option<Password>,
}

async fn resolve_password(
    s: &Services,
    initial: InitialPassword,
    names: &[&str],
) -> CoreResult<(crate::auth::password::PasswordHashString, bool, Option<Password>)> {
    match initial {
        InitialPassword::Chosen(p) => {
            check_new_password(p.expose(), names).map_err(CoreError::WeakPassword)?;
            Ok((s.hasher.hash(&p).await?, false, None))
        }
        InitialPassword::Temporary => {
            let p = generate_temporary_password();
            Ok((s.hasher.hash(&p).await?, true, Some(p)))
        }
    }
}

pub async fn create_operator(
    s: &Services,
    by: &AuditActor,
    login: &str,
    initial: InitialPassword,
    client: &ClientInfo,
) -> CoreResult<CreatedAccount> {
    policy::authorize_cli(Permission::ManageOperators)?;
    let login = LoginName::parse(login)?;
    let (hash, must_change, temporary_password) = resolve_password(s, initial, &[login.as_str()]).await?;
    let now = s.clock.now();
    let mut tx = s.db.begin_write().await?;
    let user_id = users::insert(
        &mut tx,
        NewUser { tenant_id: None, login: &login, role: Role::Operator, hash: &hash, must_change_password: must_change },
        now,
    )
    .await?;
    let ev = AuditEvent::new(by.clone(), Action::OperatorCreated, Outcome::Success)
        .from_client(client)
        .target(user_id.to_string())
        .detail(json!({ "login": login.as_str(), "temporary_password": must_change }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(CreatedAccount { user_id, temporary_password })
}

/// Creates the first operator when there has never been one (first start).
pub async fn ensure_first_operator(s: &Services, login: &str) -> CoreResult<Option<CreatedAccount>> {
    if users::count_operators(&s.db).await? > 0 {
        return Ok(None);
    }
    let created =
        create_operator(s, &AuditActor::system(), login, InitialPassword::Temporary, &ClientInfo::default()).await?;
    Ok(Some(created))
}

/// Creates an organisation (and its data key) from the command line.
pub async fn create_tenant(s: &Services, by: &AuditActor, code: &str, name: &str, client: &ClientInfo) -> CoreResult<Tenant> {
    policy::authorize_cli(Permission::ManageTenants)?;
    let new = tenants::NewTenant {
        code: OrgCode::parse(code)?,
        name: tenants::parse_name(name)?,
        contract_start: None,
        contacts: tenants::Contacts::default(),
    };
    crate::console::tenants::create_unchecked(s, by, &new, client).await
}

async fn tenant_by_code(s: &Services, code: &str) -> CoreResult<Tenant> {
    let code = OrgCode::parse(code)?;
    tenants::find_by_code(&s.db, &code).await?.ok_or(CoreError::NotFound)
}

pub async fn create_user(
    s: &Services,
    by: &AuditActor,
    org_code: &str,
    login: &str,
    role: Role,
    initial: InitialPassword,
    client: &ClientInfo,
) -> CoreResult<CreatedAccount> {
    policy::authorize_cli(Permission::ManageAccounts)?;
    if role == Role::Operator {
        return Err(CoreError::Invalid { field: "role", problem: "unknown" });
    }
    let tenant = tenant_by_code(s, org_code).await?;
    let login = LoginName::parse(login)?;
    let (hash, must_change, temporary_password) =
        resolve_password(s, initial, &[login.as_str(), tenant.code.as_str()]).await?;
    let now = s.clock.now();
    let mut tx = s.db.begin_write().await?;
    let user_id = users::insert(
        &mut tx,
        NewUser { tenant_id: Some(&tenant.id), login: &login, role, hash: &hash, must_change_password: must_change },
        now,
    )
    .await?;
    let ev = AuditEvent::new(by.clone(), Action::UserCreated, Outcome::Success)
        .tenant(Some(&tenant.id))
        .from_client(client)
        .target(user_id.to_string())
        .detail(json!({ "login": login.as_str(), "role": role.as_str(), "temporary_password": must_change }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(CreatedAccount { user_id, temporary_password })
}

/// Disables or re-enables a tenant account. Disabling ends its sessions at once.
pub async fn set_user_status(
    s: &Services,
    by: &AuditActor,
    org_code: &str,
    login: &str,
    status: UserStatus,
    client: &ClientInfo,
) -> CoreResult<UserId> {
    policy::authorize_cli(Permission::ManageAccounts)?;
    let tenant = tenant_by_code(s, org_code).await?;
    let login = LoginName::parse(login)?;
    let (user, _) = users::find_for_login(&s.db, Some(&tenant.id), &login).await?.ok_or(CoreError::NotFound)?;
    let now = s.clock.now();
    let mut tx = s.db.begin_write().await?;
    users::set_status(&mut tx, &user.id, status).await?;
    let ended = if status == UserStatus::Disabled {
        sessions::delete_for_user(&mut tx, &user.id, None).await?
    } else {
        0
    };
    let action = if status == UserStatus::Disabled { Action::UserDisabled } else { Action::UserEnabled };
    let ev = AuditEvent::new(by.clone(), action, Outcome::Success)
        .tenant(Some(&tenant.id))
        .from_client(client)
        .target(user.id.to_string())
        .detail(json!({ "sessions_ended": ended }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(user.id)
}
