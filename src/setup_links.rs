//! One-time setup links (初期設定リンク): a random token that lets the owner
//! of a new (or reset) account choose their own password, so nobody else
//! ever knows it. Single use, valid 24 hours, stored only as a SHA-256 hash.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use zeroize::Zeroizing;

use crate::audit::{self, Action, AuditActor, AuditEvent, ClientInfo, Outcome};
use crate::auth::password::{check_new_password, Password, PasswordProblem};
use crate::clock::Timestamp;
use crate::db::{Reach, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{TenantId, UserId};
use crate::scope::PreAuthScope;
use crate::services::Services;
use crate::sessions;
use crate::tenants::TenantStatus;
use crate::users;

pub const VALID_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// The secret part of a setup link. Shown once to whoever issued it.
pub struct SetupToken(Zeroizing<String>);

impl SetupToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SetupToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetupToken(<redacted>)")
    }
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Issues a new link for `user`, replacing any earlier one (inside the caller's transaction).
/// Links are for an organisation's accounts: the transaction is its scope.
pub(crate) async fn issue(tx: &mut Tx, user: &UserId, now: Timestamp) -> CoreResult<(SetupToken, Timestamp)> {
    let tenant = tx.tenant()?.as_str().to_owned();
    let conn: &mut AnyConnection = tx;
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(&mut bytes[..]);
    let token = SetupToken(Zeroizing::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..])));
    let expires_at = now.plus(VALID_FOR);
    sqlx::query("DELETE FROM setup_tokens WHERE user_id = $1").bind(user.as_str()).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO setup_tokens (token_hash, user_id, user_tenant_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash(token.expose()))
        .bind(user.as_str())
        .bind(tenant)
        .bind(expires_at.as_millis())
        .bind(now.as_millis())
        .execute(&mut *conn)
        .await?;
    Ok((token, expires_at))
}

/// Whom a link is for, shown on the setup page so the owner knows their user ID.
#[derive(Clone, Debug)]
pub struct SetupTarget {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub org_code: String,
    pub org_name: String,
    pub login: String,
}

/// The account a valid, unused link belongs to. Unknown, used and expired
/// links are all `NotFound`.
pub async fn inspect(s: &Services, token: &str) -> CoreResult<SetupTarget> {
    if token.len() > 100 {
        return Err(CoreError::NotFound);
    }
    let row = sqlx::query("SELECT user_id, user_tenant_id FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash(token))
        .bind(s.clock.now().as_millis())
        .fetch_optional(s.db.pool())
        .await?
        .ok_or(CoreError::NotFound)?;
    let user_id = UserId::from_db(row.try_get("user_id")?);
    let tenant_id = row.try_get::<Option<String>, _>("user_tenant_id")?.and_then(|t| TenantId::parse(&t)).ok_or(CoreError::NotFound)?;
    // The link names its organisation: the pre-authentication scope of that
    // organisation reads the account.
    let scope = PreAuthScope::for_tenant(s, &tenant_id).await?.ok_or(CoreError::NotFound)?;
    let user = scope.account(s, &user_id).await?.ok_or(CoreError::NotFound)?;
    let tenant = scope.tenant().cloned().ok_or(CoreError::NotFound)?;
    if !user.may_log_in(s.clock.now()) || tenant.status != TenantStatus::Active {
        return Err(CoreError::NotFound);
    }
    Ok(SetupTarget {
        user_id,
        tenant_id,
        org_code: tenant.code.as_str().to_owned(),
        org_name: tenant.name,
        login: user.login.as_str().to_owned(),
    })
}

/// Sets the account's password from a link and uses the link up. Another
/// attempt with the same link is `NotFound`.
pub async fn complete(s: &Services, token: &str, new: Password, confirm: Password, client: &ClientInfo) -> CoreResult<SetupTarget> {
    let target = inspect(s, token).await?;
    if new.expose() != confirm.expose() {
        return Err(CoreError::WeakPassword(PasswordProblem::ConfirmationMismatch));
    }
    check_new_password(new.expose(), &[&target.login, &target.org_code]).map_err(CoreError::WeakPassword)?;
    let hash = s.hasher.hash(&new).await?;
    let now = s.clock.now();
    let mut tx = s.db.begin_write_in(Reach::Tenant(target.tenant_id.clone())).await?;
    // Single use even under a race: only the request that deletes the row proceeds.
    let used = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3")
        .bind(token_hash(token))
        .bind(target.user_id.as_str())
        .bind(now.as_millis())
        .execute(&mut *tx)
        .await?;
    if used.rows_affected() != 1 {
        return Err(CoreError::NotFound);
    }
    users::set_password(&mut tx, &target.user_id, &hash, false, now).await?;
    let ended = sessions::delete_for_user(&mut tx, &target.user_id, None).await?;
    let ev = AuditEvent::new(AuditActor::user(&target.user_id, &target.login), Action::SetupLinkUsed, Outcome::Success)
        .tenant(Some(&target.tenant_id))
        .from_client(client)
        .target(target.user_id.to_string())
        .detail(json!({ "sessions_ended": ended }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(target)
}
