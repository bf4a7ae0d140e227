//! The operator console: organisations, operators, and re-entering the
//! password before privileged changes. Counts and metadata only.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::accounts::UserRow;
use super::{ApiError, Paged};

/// An organisation as operators see it: metadata and counts, never people data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRow {
    pub id: String,
    pub code: String,
    pub name: String,
    /// `active`, `suspended` or `terminated`.
    pub status: String,
    pub user_count: i64,
    pub created: String,
    pub last_activity: Option<String>,
    pub contract_start: Option<String>,
    pub emails: Vec<String>,
    pub phone: String,
}

/// A new operator and their temporary password (shown once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOperator {
    pub user_id: String,
    pub temporary_password: String,
}

#[cfg(feature = "ssr")]
fn tenant_row(ctx: &crate::ssr::Ctx, t: kura::tenants::TenantSummary) -> TenantRow {
    let tz = &kura::Zone::tokyo();
    TenantRow {
        id: t.tenant.id.to_string(),
        code: t.tenant.code.as_str().to_owned(),
        name: t.tenant.name,
        status: t.tenant.status.as_str().to_owned(),
        user_count: t.user_count,
        created: ctx.when(t.tenant.created_at, tz),
        last_activity: t.last_activity.map(|a| ctx.when(a, tz)),
        contract_start: t.tenant.contract_start,
        emails: t.tenant.contacts.emails,
        phone: t.tenant.contacts.phone,
    }
}

#[server(prefix = "/api", endpoint = "ops/tenants/list")]
pub async fn list_tenants(search: String, page: i64) -> Result<Paged<TenantRow>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let p = kura::console::tenants::list(&ctx.services, ctx.actor()?, &search, page).await.map_err(crate::ssr::api_error)?;
    Ok(Paged {
        items: p.items.into_iter().map(|t| tenant_row(&ctx, t)).collect(),
        total: p.total,
        page: p.page,
        per_page: kura::console::PER_PAGE,
    })
}

#[server(prefix = "/api", endpoint = "ops/tenants/get")]
pub async fn get_tenant(tenant_id: String) -> Result<TenantRow, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let t = kura::console::tenants::get(&ctx.services, ctx.actor()?, &ctx.operator_tenant_id(&tenant_id)?)
        .await
        .map_err(crate::ssr::api_error)?;
    Ok(tenant_row(&ctx, t))
}

/// Creates an organisation (and its data key); returns its id.
#[server(prefix = "/api", endpoint = "ops/tenants/create")]
pub async fn create_tenant(
    org_code: String,
    name: String,
    contract_start: String,
    emails: String,
    phone: String,
) -> Result<String, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let form = kura::console::tenants::TenantForm {
        code: &org_code,
        name: &name,
        contract_start: &contract_start,
        emails: &emails,
        phone: &phone,
    };
    let t = kura::console::tenants::create(&ctx.services, ctx.actor()?, &form, &ctx.client).await.map_err(crate::ssr::api_error)?;
    Ok(t.id.to_string())
}

#[server(prefix = "/api", endpoint = "ops/tenants/contacts")]
pub async fn set_tenant_contacts(tenant_id: String, emails: String, phone: String) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    kura::console::tenants::set_contacts(&ctx.services, ctx.actor()?, &ctx.operator_tenant_id(&tenant_id)?, &emails, &phone, &ctx.client)
        .await
        .map_err(crate::ssr::api_error)
}

#[server(prefix = "/api", endpoint = "ops/tenants/suspend")]
pub async fn set_tenant_suspended(tenant_id: String, suspended: bool) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    kura::console::tenants::set_suspended(&ctx.services, ctx.actor()?, &ctx.operator_tenant_id(&tenant_id)?, suspended, &ctx.client)
        .await
        .map_err(crate::ssr::api_error)
}

#[server(prefix = "/api", endpoint = "ops/operators/list")]
pub async fn list_operators(search: String, page: i64) -> Result<Paged<UserRow>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let p = kura::console::operators::list(&ctx.services, ctx.actor()?, &search, page).await.map_err(crate::ssr::api_error)?;
    let tz = &kura::Zone::tokyo();
    Ok(Paged {
        items: p.items.iter().map(|u| super::accounts::wire::user_row(&ctx, u, tz)).collect(),
        total: p.total,
        page: p.page,
        per_page: kura::console::PER_PAGE,
    })
}

#[server(prefix = "/api", endpoint = "ops/operators/create")]
pub async fn create_operator(login: String) -> Result<NewOperator, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let (id, p) =
        kura::console::operators::create(&ctx.services, ctx.actor()?, &login, &ctx.client).await.map_err(crate::ssr::api_error)?;
    Ok(NewOperator { user_id: id.to_string(), temporary_password: p.expose().to_owned() })
}

#[server(prefix = "/api", endpoint = "ops/operators/enabled")]
pub async fn set_operator_enabled(user_id: String, enabled: bool) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    kura::console::operators::set_enabled(
        &ctx.services,
        ctx.actor()?,
        &crate::ssr::id::<kura::ids::UserId>(&user_id)?,
        enabled,
        &ctx.client,
    )
    .await
    .map_err(crate::ssr::api_error)
}

/// The operator types their password again; privileged changes are allowed
/// for the next 10 minutes.
#[server(prefix = "/api", endpoint = "ops/reauth")]
pub async fn reauthenticate(password: String) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    let actor = ctx.actor()?;
    if !actor.is_operator() {
        return Err(ApiError::Forbidden);
    }
    let at = kura::auth::reverify(&ctx.services, actor, kura::auth::password::Password::new(password), &ctx.client)
        .await
        .map_err(crate::ssr::api_error)?;
    ctx.set_verified_at(at).await
}
