//! Creating and changing accounts and organisations from the command line.
//! The CLI acts with operator rights through the same policy table; each
//! change is audited in its transaction; passwords are never logged.

use crate::audit::{AuditActor, ClientInfo};
use crate::auth::password::{check_new_password, generate_temporary_password, Password};
use crate::auth::Actor;
use crate::error::{CoreError, CoreResult};
use crate::ids::UserId;
use crate::policy::{self, Permission};
use crate::scope::TenantScope;
use crate::services::Services;
use crate::tenants::{self, OrgCode, Tenant};
use crate::users::{self, LoginName, Role, UserStatus};

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
    let actor = Actor::cli(s.clock.now());
    let login_name = LoginName::parse(login)?;
    let (hash, must_change, temporary_password) = resolve_password(s, initial, &[login_name.as_str()]).await?;
    let user_id = crate::console::operators::create_with_hash(s, &actor, by, login, &hash, must_change, client).await?;
    Ok(CreatedAccount { user_id, temporary_password })
}

/// Creates the first operator when there has never been one (first start).
pub async fn ensure_first_operator(s: &Services, login: &str) -> CoreResult<Option<CreatedAccount>> {
    if users::count_operators(&s.db).await? > 0 {
        return Ok(None);
    }
    let created = create_operator(s, &AuditActor::system(), login, InitialPassword::Temporary, &ClientInfo::default()).await?;
    Ok(Some(created))
}

/// Creates an organisation (and its data key) from the command line.
pub async fn create_tenant(s: &Services, by: &AuditActor, code: &str, name: &str, client: &ClientInfo) -> CoreResult<Tenant> {
    policy::authorize(&Actor::cli(s.clock.now()), Permission::ManageTenants, s.clock.now())?;
    let new = tenants::NewTenant {
        code: OrgCode::parse(code)?,
        name: tenants::parse_name(name)?,
        contract_start: None,
        contacts: tenants::Contacts::default(),
    };
    crate::console::tenants::create_unchecked(s, by, &new, client).await
}

/// An account of a named organisation, created through the console's own
/// path (its rules and its audit event).
pub async fn create_user(
    s: &Services,
    _by: &AuditActor,
    org_code: &str,
    login: &str,
    role: Role,
    initial: InitialPassword,
    client: &ClientInfo,
) -> CoreResult<CreatedAccount> {
    let actor = Actor::cli(s.clock.now());
    let scope = TenantScope::named_by_operator(s, &actor, org_code).await?;
    let login_name = LoginName::parse(login)?;
    let (hash, must_change, temporary_password) =
        resolve_password(s, initial, &[login_name.as_str(), scope.tenant().code.as_str()]).await?;
    let user_id = crate::console::accounts::create_with_hash(s, &scope, login, role.as_str(), &hash, must_change, client).await?;
    Ok(CreatedAccount { user_id, temporary_password })
}

/// Disables (ending its sessions at once) or re-enables an account of a
/// named organisation, through the console's path: the organisation's last
/// active admin cannot be disabled here either.
pub async fn set_user_status(
    s: &Services,
    _by: &AuditActor,
    org_code: &str,
    login: &str,
    status: UserStatus,
    client: &ClientInfo,
) -> CoreResult<UserId> {
    let actor = Actor::cli(s.clock.now());
    let scope = TenantScope::named_by_operator(s, &actor, org_code).await?;
    let user = crate::console::accounts::find_by_login(s, &scope, login).await?;
    crate::console::accounts::set_enabled(s, &scope, &user.id, status == UserStatus::Active, client).await?;
    Ok(user.id)
}
