//! User accounts: operators (no tenant) and the members of organisations.

use sqlx::Row;

use crate::auth::password::PasswordHashString;
use crate::clock::Timestamp;
use crate::db::{flag, Db, Reach, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{TenantId, UserId};

/// A user ID as typed at login: 1–64 of `a-z 0-9 . _ - @`, case-folded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LoginName(String);

impl LoginName {
    pub fn parse(raw: &str) -> CoreResult<LoginName> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(CoreError::Invalid { field: "login", problem: "required" });
        }
        if s.len() > 64 {
            return Err(CoreError::Invalid { field: "login", problem: "too_long" });
        }
        let ok = (1..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-@".contains(c));
        if !ok {
            return Err(CoreError::Invalid { field: "login", problem: "format" });
        }
        Ok(LoginName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub use crate::domain::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: UserId,
    pub tenant_id: Option<TenantId>,
    pub login: LoginName,
    pub role: Role,
    pub status: UserStatus,
    pub must_change_password: bool,
    pub last_login_at: Option<Timestamp>,
    pub password_changed_at: Timestamp,
    pub created_at: Timestamp,
    /// From this instant on the account cannot log in.
    pub expires_at: Option<Timestamp>,
    pub failed_logins: i64,
    /// Raised by every password change or reset; sessions of an older
    /// generation are refused.
    pub credential_generation: i64,
}

impl User {
    /// Active, and not past its expiry.
    pub fn may_log_in(&self, now: Timestamp) -> bool {
        self.status == UserStatus::Active && self.expires_at.is_none_or(|e| now < e)
    }
}

const COLUMNS: &str = "id, tenant_id, login, role, status, must_change_password, last_login_at, \
                       password_changed_at, created_at, expires_at, failed_logins, credential_generation, password_hash";

fn from_row(r: &sqlx::any::AnyRow) -> CoreResult<(User, PasswordHashString)> {
    let role: String = r.try_get("role")?;
    let status: String = r.try_get("status")?;
    let user = User {
        id: UserId::from_db(r.try_get("id")?),
        tenant_id: r.try_get::<Option<String>, _>("tenant_id")?.map(TenantId::from_db),
        login: LoginName(r.try_get("login")?),
        // An unreadable role is treated as the least privileged one.
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        status: if status == "active" { UserStatus::Active } else { UserStatus::Disabled },
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        last_login_at: r.try_get::<Option<i64>, _>("last_login_at")?.map(Timestamp::from_millis),
        password_changed_at: Timestamp::from_millis(r.try_get("password_changed_at")?),
        created_at: Timestamp::from_millis(r.try_get("created_at")?),
        expires_at: r.try_get::<Option<i64>, _>("expires_at")?.map(Timestamp::from_millis),
        failed_logins: r.try_get("failed_logins")?,
        credential_generation: r.try_get("credential_generation")?,
    };
    Ok((user, PasswordHashString::from_db(r.try_get("password_hash")?)))
}

/// This is the users repository: every query of `users` lives here and is
/// limited to the transaction's reach by the repository itself: an
/// organisation's accounts (`Reach::Tenant`) or the operators
/// (`Reach::Installation`, `tenant_id` NULL). Any other reach is `Forbidden`.
fn owner_of(tx: &Tx) -> CoreResult<String> {
    match tx.reach() {
        Reach::Tenant(t) => Ok(t.as_str().to_owned()),
        Reach::Installation => Ok(String::new()),
        _ => Err(CoreError::Forbidden),
    }
}

/// The reach's accounts: `$1` is the owner from `owner_of`.
const IN_REACH: &str = "COALESCE(tenant_id, '') = $1";

/// The account of the reach that logs in with this name (operators also by role).
pub(crate) async fn find_for_login(tx: &mut Tx, login: &LoginName) -> CoreResult<Option<(User, PasswordHashString)>> {
    let owner = owner_of(tx)?;
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users WHERE {IN_REACH} AND login = $2 AND (tenant_id IS NOT NULL OR role = 'operator')"
    ))
    .bind(owner)
    .bind(login.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// An account of the reach, with its password hash; `None` for any other id.
pub(crate) async fn get_with_hash(tx: &mut Tx, id: &UserId) -> CoreResult<Option<(User, PasswordHashString)>> {
    let owner = owner_of(tx)?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE {IN_REACH} AND id = $2"))
        .bind(owner)
        .bind(id.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// An account of the reach; `None` for ids of other organisations.
pub async fn get(tx: &mut Tx, id: &UserId) -> CoreResult<Option<User>> {
    Ok(get_with_hash(tx, id).await?.map(|(u, _)| u))
}

/// An account of this organisation (`None` for ids of other organisations).
/// Reached only through [`crate::scope::TenantScope::user`].
pub(crate) async fn get_in_tenant(tx: &mut Tx, id: &UserId) -> CoreResult<Option<User>> {
    tx.tenant()?;
    get(tx, id).await
}

/// One page of the reach's accounts (an organisation's, or the operators),
/// ordered by user ID, optionally filtered by a part of it.
pub(crate) async fn list(tx: &mut Tx, search: &str, offset: i64, limit: i64) -> CoreResult<(Vec<User>, i64)> {
    let owner = owner_of(tx)?;
    let pattern = format!("%{}%", like_escape(&search.trim().to_lowercase()));
    let filter = format!("{IN_REACH} AND login LIKE $2 ESCAPE '\\'");
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE {filter} ORDER BY login LIMIT $3 OFFSET $4"))
        .bind(&owner)
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **tx)
        .await?;
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users WHERE {filter}")).bind(&owner).bind(&pattern).fetch_one(&mut **tx).await?;
    let users = rows.iter().map(|r| from_row(r).map(|(u, _)| u)).collect::<CoreResult<Vec<_>>>()?;
    Ok((users, total))
}

/// Accounts and the latest login per organisation, for the operator's list
/// (an all-tenants reach: counts only, no account is read out).
pub(crate) async fn activity_by_tenant(
    tx: &mut Tx,
    ids: &[TenantId],
) -> CoreResult<std::collections::HashMap<TenantId, (i64, Option<Timestamp>)>> {
    if !matches!(tx.reach(), Reach::AllTenants(_)) {
        return Err(CoreError::Forbidden);
    }
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT tenant_id, COUNT(*) AS n, MAX(last_login_at) AS last FROM users WHERE tenant_id IN ({}) GROUP BY tenant_id",
        placeholders.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(id.as_str());
    }
    for r in q.fetch_all(&mut **tx).await? {
        let id: String = r.try_get("tenant_id")?;
        if let Some(id) = TenantId::parse(&id) {
            out.insert(id, (r.try_get("n")?, r.try_get::<Option<i64>, _>("last")?.map(Timestamp::from_millis)));
        }
    }
    Ok(out)
}

/// The ids of every operator account (the installation's own rows).
pub(crate) async fn operator_ids(s: &crate::Services) -> CoreResult<Vec<String>> {
    let mut tx = s.db.read_in(Reach::Installation).await?;
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE tenant_id IS NULL AND role = 'operator'").fetch_all(&mut *tx).await?)
}

/// `%`, `_` and `\` typed into a search box match themselves.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Active admins of the organisation other than `except` (inside the caller's transaction).
pub(crate) async fn count_other_active_admins(tx: &mut Tx, except: &UserId) -> CoreResult<i64> {
    let tenant = tx.tenant()?.as_str().to_owned();
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND role = 'admin' AND status = 'active' AND id <> $2")
            .bind(tenant)
            .bind(except.as_str())
            .fetch_one(&mut **tx)
            .await?;
    Ok(n)
}

/// Active operators other than `except`.
pub(crate) async fn count_other_active_operators(tx: &mut Tx, except: &UserId) -> CoreResult<i64> {
    if !owner_of(tx)?.is_empty() {
        return Err(CoreError::Forbidden);
    }
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE tenant_id IS NULL AND role = 'operator' AND status = 'active' AND id <> $1")
            .bind(except.as_str())
            .fetch_one(&mut **tx)
            .await?;
    Ok(n)
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Runs `UPDATE users SET <set> WHERE <in reach> AND id = $2`, with the
/// values of `set` bound from `$3` on; an id outside the reach is `NotFound`.
async fn update_one(tx: &mut Tx, id: &UserId, set: &str, bind: impl for<'q> FnOnce(AnyQuery<'q>) -> AnyQuery<'q>) -> CoreResult<()> {
    let owner = owner_of(tx)?;
    let sql = format!("UPDATE users SET {set} WHERE {IN_REACH} AND id = $2");
    let q = sqlx::query(&sql).bind(owner).bind(id.as_str().to_owned());
    let done = bind(q).execute(&mut **tx).await?;
    if done.rows_affected() == 0 {
        return Err(CoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn set_role(tx: &mut Tx, id: &UserId, role: Role) -> CoreResult<()> {
    update_one(tx, id, "role = $3", |q| q.bind(role.as_str())).await
}

pub(crate) async fn set_expiry(tx: &mut Tx, id: &UserId, at: Option<Timestamp>) -> CoreResult<()> {
    update_one(tx, id, "expires_at = $3", |q| q.bind(at.map(Timestamp::as_millis))).await
}

pub(crate) async fn clear_failures(tx: &mut Tx, id: &UserId) -> CoreResult<()> {
    update_one(tx, id, "failed_logins = 0", |q| q).await
}

/// Deletes the account; its sessions and setup links go with it.
pub(crate) async fn delete(tx: &mut Tx, id: &UserId) -> CoreResult<()> {
    let owner = owner_of(tx)?;
    let found = sqlx::query(&format!("SELECT 1 FROM users WHERE {IN_REACH} AND id = $2"))
        .bind(&owner)
        .bind(id.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    if found.is_none() {
        return Err(CoreError::NotFound);
    }
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.as_str()).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM setup_tokens WHERE user_id = $1").bind(id.as_str()).execute(&mut **tx).await?;
    sqlx::query(&format!("DELETE FROM users WHERE {IN_REACH} AND id = $2")).bind(&owner).bind(id.as_str()).execute(&mut **tx).await?;
    Ok(())
}

pub(crate) struct NewUser<'a> {
    pub login: &'a LoginName,
    pub role: Role,
    pub hash: &'a PasswordHashString,
    pub must_change_password: bool,
}

/// A new account of the reach: an organisation's (any role but operator) or
/// an operator (the installation's).
pub(crate) async fn insert(tx: &mut Tx, new: NewUser<'_>, now: Timestamp) -> CoreResult<UserId> {
    let owner = owner_of(tx)?;
    if (new.role == Role::Operator) != owner.is_empty() {
        return Err(CoreError::Forbidden);
    }
    let id = UserId::generate();
    let exists = sqlx::query(&format!("SELECT 1 FROM users WHERE {IN_REACH} AND login = $2"))
        .bind(&owner)
        .bind(new.login.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_some() {
        return Err(CoreError::Invalid { field: "login", problem: "taken" });
    }
    sqlx::query(
        "INSERT INTO users (id, tenant_id, login, password_hash, role, status, must_change_password, \
         failed_logins, password_changed_at, created_at) VALUES ($1, $2, $3, $4, $5, 'active', $6, 0, $7, $7)",
    )
    .bind(id.as_str())
    .bind(Some(owner).filter(|o| !o.is_empty()))
    .bind(new.login.as_str())
    .bind(new.hash.as_str())
    .bind(new.role.as_str())
    .bind(flag(new.must_change_password))
    .bind(now.as_millis())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Sets the password and raises the account's credential generation, which
/// ends every session of the older one. Returns the new generation.
pub(crate) async fn set_password(
    tx: &mut Tx,
    id: &UserId,
    hash: &PasswordHashString,
    must_change: bool,
    now: Timestamp,
) -> CoreResult<i64> {
    let owner = owner_of(tx)?;
    let generation: Option<i64> = sqlx::query_scalar(&format!(
        "UPDATE users SET password_hash = $3, must_change_password = $4, password_changed_at = $5, \
         credential_generation = credential_generation + 1 WHERE {IN_REACH} AND id = $2 RETURNING credential_generation"
    ))
    .bind(owner)
    .bind(id.as_str())
    .bind(hash.as_str())
    .bind(flag(must_change))
    .bind(now.as_millis())
    .fetch_optional(&mut **tx)
    .await?;
    generation.ok_or(CoreError::NotFound)
}

pub(crate) async fn set_status(tx: &mut Tx, id: &UserId, status: UserStatus) -> CoreResult<()> {
    update_one(tx, id, "status = $3", |q| q.bind(status.as_str())).await
}

/// Records a login outcome on the account (shown to admins later).
pub(crate) async fn note_login(tx: &mut Tx, id: &UserId, ok: bool, now: Timestamp) -> CoreResult<()> {
    let set = if ok { "last_login_at = $3, failed_logins = 0" } else { "last_failed_login_at = $3, failed_logins = failed_logins + 1" };
    update_one(tx, id, set, |q| q.bind(now.as_millis())).await
}

/// Whether an operator still has to replace a temporary password (`None`: no such operator).
pub async fn operator_must_change_password(db: &Db, login: &LoginName) -> CoreResult<Option<bool>> {
    let mut tx = db.read_in(Reach::Installation).await?;
    Ok(find_for_login(&mut tx, login).await?.map(|(u, _)| u.must_change_password))
}

/// Operators in any state. A disabled operator still counts: Kura never
/// creates a privileged account by itself just because the others are disabled.
pub async fn count_operators(db: &Db) -> CoreResult<i64> {
    let mut tx = db.read_in(Reach::Installation).await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE tenant_id IS NULL AND role = 'operator'").fetch_one(&mut *tx).await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_names_are_case_folded_and_restricted() {
        assert_eq!(LoginName::parse(" Taro.Yamada ").expect("valid").as_str(), "taro.yamada");
        assert!(LoginName::parse("").is_err());
        assert!(LoginName::parse("taro yamada").is_err());
        assert!(LoginName::parse(&"a".repeat(65)).is_err());
    }
}
