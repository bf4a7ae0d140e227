//! User accounts: operators (no tenant) and the members of organisations.

use sqlx::{AnyConnection, Row};

use crate::auth::password::PasswordHashString;
use crate::clock::Timestamp;
use crate::db::{flag, Db};
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
        let ok = (1..=64).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-@".contains(c));
        if !ok {
            return Err(CoreError::Invalid { field: "login", problem: "format" });
        }
        Ok(LoginName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Operator,
    Admin,
    Member,
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    /// The roles a tenant account may have.
    pub fn parse_tenant_role(s: &str) -> CoreResult<Role> {
        match Role::parse(s.trim()) {
            Some(r) if r != Role::Operator => Ok(r),
            _ => Err(CoreError::Invalid { field: "role", problem: "unknown" }),
        }
    }
}

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

/// The account that logs in with this name: an operator when `tenant` is `None`.
pub(crate) async fn find_for_login(
    db: &Db,
    tenant: Option<&TenantId>,
    login: &LoginName,
) -> CoreResult<Option<(User, PasswordHashString)>> {
    let row = match tenant {
        Some(t) => sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND login = $2"))
            .bind(t.as_str())
            .bind(login.as_str())
            .fetch_optional(db.pool())
            .await?,
        None => sqlx::query(&format!(
            "SELECT {COLUMNS} FROM users WHERE tenant_id IS NULL AND role = 'operator' AND login = $1"
        ))
        .bind(login.as_str())
        .fetch_optional(db.pool())
        .await?,
    };
    row.as_ref().map(from_row).transpose()
}

pub(crate) async fn get_with_hash(db: &Db, id: &UserId) -> CoreResult<Option<(User, PasswordHashString)>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(db: &Db, id: &UserId) -> CoreResult<Option<User>> {
    Ok(get_with_hash(db, id).await?.map(|(u, _)| u))
}

/// An account of this organisation (`None` for ids of other organisations).
/// Reached only through [`crate::scope::TenantScope::user`].
pub(crate) async fn get_in_tenant(db: &Db, tenant: &TenantId, id: &UserId) -> CoreResult<Option<User>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1 AND tenant_id = $2"))
        .bind(id.as_str())
        .bind(tenant.as_str())
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?.map(|(u, _)| u))
}

/// One page of an organisation's accounts (or of the operators when
/// `tenant` is `None`), ordered by user ID, optionally filtered by a part of it.
pub(crate) async fn list(
    db: &Db,
    tenant: Option<&TenantId>,
    search: &str,
    offset: i64,
    limit: i64,
) -> CoreResult<(Vec<User>, i64)> {
    let pattern = format!("%{}%", like_escape(&search.trim().to_lowercase()));
    let filter = match tenant {
        Some(_) => "tenant_id = $1 AND login LIKE $2 ESCAPE '\\'",
        None => "tenant_id IS NULL AND $1 = '' AND login LIKE $2 ESCAPE '\\'",
    };
    let tid = tenant.map(|t| t.as_str().to_owned()).unwrap_or_default();
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE {filter} ORDER BY login LIMIT $3 OFFSET $4"))
        .bind(&tid)
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(db.pool())
        .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users WHERE {filter}"))
        .bind(&tid)
        .bind(&pattern)
        .fetch_one(db.pool())
        .await?;
    let users = rows.iter().map(|r| from_row(r).map(|(u, _)| u)).collect::<CoreResult<Vec<_>>>()?;
    Ok((users, total))
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

/// Active admins of an organisation other than `except` (inside the caller's transaction).
pub(crate) async fn count_other_active_admins(conn: &mut AnyConnection, tenant: &TenantId, except: &UserId) -> CoreResult<i64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND role = 'admin' AND status = 'active' AND id <> $2",
    )
    .bind(tenant.as_str())
    .bind(except.as_str())
    .fetch_one(&mut *conn)
    .await?;
    Ok(n)
}

/// Active operators other than `except`.
pub(crate) async fn count_other_active_operators(conn: &mut AnyConnection, except: &UserId) -> CoreResult<i64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE tenant_id IS NULL AND role = 'operator' AND status = 'active' AND id <> $1",
    )
    .bind(except.as_str())
    .fetch_one(&mut *conn)
    .await?;
    Ok(n)
}

pub(crate) async fn set_role(conn: &mut AnyConnection, id: &UserId, role: Role) -> CoreResult<()> {
    sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role.as_str()).bind(id.as_str()).execute(&mut *conn).await?;
    Ok(())
}

pub(crate) async fn set_expiry(conn: &mut AnyConnection, id: &UserId, at: Option<Timestamp>) -> CoreResult<()> {
    sqlx::query("UPDATE users SET expires_at = $1 WHERE id = $2")
        .bind(at.map(Timestamp::as_millis))
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn clear_failures(conn: &mut AnyConnection, id: &UserId) -> CoreResult<()> {
    sqlx::query("UPDATE users SET failed_logins = 0 WHERE id = $1").bind(id.as_str()).execute(&mut *conn).await?;
    Ok(())
}

/// Deletes the account; its sessions and setup links go with it (cascade).
pub(crate) async fn delete(conn: &mut AnyConnection, id: &UserId) -> CoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.as_str()).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM setup_tokens WHERE user_id = $1").bind(id.as_str()).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM users WHERE id = $1").bind(id.as_str()).execute(&mut *conn).await?;
    Ok(())
}

pub(crate) struct NewUser<'a> {
    pub tenant_id: Option<&'a TenantId>,
    pub login: &'a LoginName,
    pub role: Role,
    pub hash: &'a PasswordHashString,
    pub must_change_password: bool,
}

pub(crate) async fn insert(conn: &mut AnyConnection, new: NewUser<'_>, now: Timestamp) -> CoreResult<UserId> {
    let id = UserId::generate();
    let exists = match new.tenant_id {
        Some(t) => sqlx::query("SELECT 1 FROM users WHERE tenant_id = $1 AND login = $2")
            .bind(t.as_str())
            .bind(new.login.as_str())
            .fetch_optional(&mut *conn)
            .await?,
        None => sqlx::query("SELECT 1 FROM users WHERE tenant_id IS NULL AND login = $1")
            .bind(new.login.as_str())
            .fetch_optional(&mut *conn)
            .await?,
    };
    if exists.is_some() {
        return Err(CoreError::Invalid { field: "login", problem: "taken" });
    }
    sqlx::query(
        "INSERT INTO users (id, tenant_id, login, password_hash, role, status, must_change_password, \
         failed_logins, password_changed_at, created_at) VALUES ($1, $2, $3, $4, $5, 'active', $6, 0, $7, $7)",
    )
    .bind(id.as_str())
    .bind(new.tenant_id.map(|t| t.as_str().to_owned()))
    .bind(new.login.as_str())
    .bind(new.hash.as_str())
    .bind(new.role.as_str())
    .bind(flag(new.must_change_password))
    .bind(now.as_millis())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Sets the password and raises the account's credential generation, which
/// ends every session of the older one. Returns the new generation.
pub(crate) async fn set_password(
    conn: &mut AnyConnection,
    id: &UserId,
    hash: &PasswordHashString,
    must_change: bool,
    now: Timestamp,
) -> CoreResult<i64> {
    let generation: i64 = sqlx::query_scalar(
        "UPDATE users SET password_hash = $1, must_change_password = $2, password_changed_at = $3, \
         credential_generation = credential_generation + 1 WHERE id = $4 RETURNING credential_generation",
    )
    .bind(hash.as_str())
    .bind(flag(must_change))
    .bind(now.as_millis())
    .bind(id.as_str())
    .fetch_one(&mut *conn)
    .await?;
    Ok(generation)
}

pub(crate) async fn set_status(conn: &mut AnyConnection, id: &UserId, status: UserStatus) -> CoreResult<()> {
    sqlx::query("UPDATE users SET status = $1 WHERE id = $2")
        .bind(status.as_str())
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records a login outcome on the account (shown to admins later).
pub(crate) async fn note_login(conn: &mut AnyConnection, id: &UserId, ok: bool, now: Timestamp) -> CoreResult<()> {
    let sql = if ok {
        "UPDATE users SET last_login_at = $1, failed_logins = 0 WHERE id = $2"
    } else {
        "UPDATE users SET last_failed_login_at = $1, failed_logins = failed_logins + 1 WHERE id = $2"
    };
    sqlx::query(sql).bind(now.as_millis()).bind(id.as_str()).execute(&mut *conn).await?;
    Ok(())
}

/// Whether an operator still has to replace a temporary password (`None`: no such operator).
pub async fn operator_must_change_password(db: &Db, login: &LoginName) -> CoreResult<Option<bool>> {
    Ok(find_for_login(db, None, login).await?.map(|(u, _)| u.must_change_password))
}

/// Operators in any state. A disabled operator still counts: Kura never
/// creates a privileged account by itself just because the others are disabled.
pub async fn count_operators(db: &Db) -> CoreResult<i64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'operator'")
        .fetch_one(db.pool())
        .await?;
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

    #[test]
    fn the_operator_role_is_not_a_tenant_role() {
        assert!(Role::parse_tenant_role("operator").is_err());
        assert_eq!(Role::parse_tenant_role("member").expect("valid"), Role::Member);
    }
}
