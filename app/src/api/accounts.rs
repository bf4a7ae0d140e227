//! Accounts of an organisation: the same functions serve the admin console
//! (own organisation; `org` is ignored) and the operator console (`org` is
//! the organisation the operator chose). The core decides who may do what.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{ApiError, Paged};

/// An account as the consoles list it. No password material, ever.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub login: String,
    pub role: kura::domain::Role,
    pub enabled: bool,
    pub must_change_password: bool,
    /// The last day the account may be used (`YYYY-MM-DD`), if set.
    pub expires_on: Option<String>,
    pub last_login: Option<String>,
    pub created: String,
    pub failed_logins: i64,
}

/// What the issuer must pass on to the account's owner: shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCredential {
    pub user_id: String,
    pub temporary_password: Option<String>,
    /// The full setup link (`https://…/setup#token`).
    pub setup_link: Option<String>,
    pub valid_until: Option<String>,
}

/// A live session of an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    pub id: String,
    pub started: String,
    pub last_seen: String,
    pub ip: String,
    pub device: String,
    pub current: bool,
}

#[cfg(feature = "ssr")]
pub(crate) mod wire {
    use super::*;
    use crate::ssr::Ctx;
    use kura::console::Issued;

    pub fn user_row(ctx: &Ctx, u: &kura::users::User, time_zone: &kura::Zone) -> UserRow {
        UserRow {
            id: u.id.to_string(),
            login: u.login.as_str().to_owned(),
            role: u.role,
            enabled: u.status == kura::users::UserStatus::Active,
            must_change_password: u.must_change_password,
            // Stored as the first instant after the last day; shown as that day.
            expires_on: u.expires_at.map(|e| last_day(e, time_zone)),
            last_login: u.last_login_at.map(|t| ctx.when(t, time_zone)),
            created: ctx.when(u.created_at, time_zone),
            failed_logins: u.failed_logins,
        }
    }

    fn last_day(first_instant_after: kura::Timestamp, time_zone: &kura::Zone) -> String {
        kura::Timestamp::from_millis(first_instant_after.as_millis() - 1).date_in(time_zone)
    }

    pub fn issued(ctx: &Ctx, user_id: &kura::ids::UserId, issued: Issued, time_zone: &kura::Zone) -> IssuedCredential {
        match issued {
            Issued::Temporary(p) => IssuedCredential {
                user_id: user_id.to_string(),
                temporary_password: Some(p.expose().to_owned()),
                setup_link: None,
                valid_until: None,
            },
            Issued::SetupLink { token, expires_at } => IssuedCredential {
                user_id: user_id.to_string(),
                temporary_password: None,
                setup_link: Some(format!("{}{}#{}", ctx.origin.as_deref().unwrap_or_default(), crate::routes::SETUP, token.expose())),
                valid_until: Some(ctx.when(expires_at, time_zone)),
            },
        }
    }

    pub fn session_row(ctx: &Ctx, s: kura::sessions::SessionInfo, current: Option<&str>) -> SessionRow {
        let tz = &kura::Zone::tokyo();
        SessionRow {
            current: current == Some(s.id_hash.as_str()),
            id: s.id_hash,
            started: ctx.when(s.created_at, tz),
            last_seen: ctx.when(s.last_seen_at, tz),
            ip: s.client_ip.unwrap_or_default(),
            device: s.user_agent.map(|ua| describe_device(&ua)).unwrap_or_default(),
        }
    }

    /// A short, readable name for a browser's User-Agent.
    fn describe_device(ua: &str) -> String {
        let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/"].iter().find(|b| ua.contains(*b)).map(|b| match *b {
            "Edg/" => "Edge",
            "Firefox/" => "Firefox",
            "Chrome/" => "Chrome",
            _ => "Safari",
        });
        let os = ["Windows", "Mac OS X", "iPhone", "Android", "Linux"].iter().find(|o| ua.contains(*o)).copied();
        match (browser, os) {
            (Some(b), Some(o)) => format!("{b} / {}", o.replace("Mac OS X", "macOS")),
            (Some(b), None) => b.to_owned(),
            _ => ua.chars().take(60).collect(),
        }
    }
}

/// One page of the organisation's accounts, optionally filtered by user ID.
#[server(prefix = "/api", endpoint = "accounts/list")]
pub async fn list_accounts(org: Option<String>, search: String, page: i64) -> Result<Paged<UserRow>, ApiError> {
    use crate::ssr::api_error;
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    let p = kura::console::accounts::list(&ctx.services, &scope, &search, page).await.map_err(api_error)?;
    let tz = &scope.tenant().time_zone;
    Ok(Paged {
        items: p.items.iter().map(|u| wire::user_row(&ctx, u, tz)).collect(),
        total: p.total,
        page: p.page,
        per_page: kura::console::PER_PAGE,
    })
}

#[server(prefix = "/api", endpoint = "accounts/get")]
pub async fn get_account(org: Option<String>, user_id: String) -> Result<UserRow, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    let u = kura::console::accounts::get(&ctx.services, &scope, &crate::ssr::id::<kura::ids::UserId>(&user_id)?)
        .await
        .map_err(crate::ssr::api_error)?;
    Ok(wire::user_row(&ctx, &u, &scope.tenant().time_zone))
}

/// Creates an account with a temporary password (`method=temporary`) or a setup link (`method=link`).
#[server(prefix = "/api", endpoint = "accounts/create")]
pub async fn create_account(org: Option<String>, login: String, role: String, method: String) -> Result<IssuedCredential, ApiError> {
    use crate::ssr::api_error;
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    let method = kura::console::FirstPassword::parse(&method).map_err(api_error)?;
    let (id, issued) =
        kura::console::accounts::create(&ctx.services, &scope, &login, &role, method, &ctx.client).await.map_err(api_error)?;
    Ok(wire::issued(&ctx, &id, issued, &scope.tenant().time_zone))
}

#[server(prefix = "/api", endpoint = "accounts/role")]
pub async fn change_role(org: Option<String>, user_id: String, role: String) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    kura::console::accounts::change_role(&ctx.services, &scope, &crate::ssr::id::<kura::ids::UserId>(&user_id)?, &role, &ctx.client)
        .await
        .map_err(crate::ssr::api_error)
}

/// Disables (`enabled=false`: sessions end at once) or enables an account.
#[server(prefix = "/api", endpoint = "accounts/enabled")]
pub async fn set_account_enabled(org: Option<String>, user_id: String, enabled: bool) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    kura::console::accounts::set_enabled(&ctx.services, &scope, &crate::ssr::id::<kura::ids::UserId>(&user_id)?, enabled, &ctx.client)
        .await
        .map_err(crate::ssr::api_error)
}

/// Sets the last day the account may be used (`YYYY-MM-DD`), or clears it (empty).
#[server(prefix = "/api", endpoint = "accounts/expiry")]
pub async fn set_account_expiry(org: Option<String>, user_id: String, expires_on: String) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    kura::console::accounts::set_expiry(&ctx.services, &scope, &crate::ssr::id::<kura::ids::UserId>(&user_id)?, &expires_on, &ctx.client)
        .await
        .map_err(crate::ssr::api_error)
}

#[server(prefix = "/api", endpoint = "accounts/reset")]
pub async fn reset_account_password(org: Option<String>, user_id: String, method: String) -> Result<IssuedCredential, ApiError> {
    use crate::ssr::api_error;
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    let method = kura::console::FirstPassword::parse(&method).map_err(api_error)?;
    let user_id = crate::ssr::id::<kura::ids::UserId>(&user_id)?;
    let user = scope.user(&ctx.services, &user_id).await.map_err(api_error)?;
    let issued = kura::console::accounts::reset_password(&ctx.services, &scope, &user_id, method, &ctx.client).await.map_err(api_error)?;
    Ok(wire::issued(&ctx, &user.id, issued, &scope.tenant().time_zone))
}

#[server(prefix = "/api", endpoint = "accounts/unlock")]
pub async fn unlock_account(org: Option<String>, user_id: String) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    kura::console::accounts::unlock(&ctx.services, &scope, &crate::ssr::id::<kura::ids::UserId>(&user_id)?, &ctx.client)
        .await
        .map_err(crate::ssr::api_error)
}

/// Deletes an account; only with `confirmed=yes`.
#[server(prefix = "/api", endpoint = "accounts/delete")]
pub async fn delete_account(org: Option<String>, user_id: String, confirmed: Option<String>) -> Result<(), ApiError> {
    crate::ssr::require_confirmation(confirmed.as_deref())?;
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    kura::console::accounts::delete(&ctx.services, &scope, &crate::ssr::id::<kura::ids::UserId>(&user_id)?, &ctx.client)
        .await
        .map_err(crate::ssr::api_error)
}

#[server(prefix = "/api", endpoint = "accounts/sessions")]
pub async fn account_sessions(org: Option<String>, user_id: String) -> Result<Vec<SessionRow>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    let list = kura::console::accounts::sessions(&ctx.services, &scope, &crate::ssr::id::<kura::ids::UserId>(&user_id)?)
        .await
        .map_err(crate::ssr::api_error)?;
    let current = ctx.session_hash();
    Ok(list.into_iter().map(|s| wire::session_row(&ctx, s, current.as_deref())).collect())
}

/// Ends one session of the account (`session` given) or all of them; only with `confirmed=yes`.
#[server(prefix = "/api", endpoint = "accounts/sessions/revoke")]
pub async fn revoke_account_sessions(
    org: Option<String>,
    user_id: String,
    session: Option<String>,
    confirmed: Option<String>,
) -> Result<u64, ApiError> {
    crate::ssr::require_confirmation(confirmed.as_deref())?;
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    let session = session.filter(|s| !s.is_empty());
    kura::console::accounts::revoke_sessions(
        &ctx.services,
        &scope,
        &crate::ssr::id::<kura::ids::UserId>(&user_id)?,
        session.as_deref(),
        &ctx.client,
    )
    .await
    .map_err(crate::ssr::api_error)
}
