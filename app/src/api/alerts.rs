//! Alerts: operators see and handle all of them; an organisation's admins
//! see the ones about their organisation.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRow {
    pub id: String,
    pub rule: String,
    pub organisation: String,
    /// `open`, `acknowledged` or `closed`.
    pub state: String,
    pub detail: String,
    pub events: i64,
    pub first_at: String,
    pub last_at: String,
    pub comment: String,
}

#[cfg(feature = "ssr")]
fn rows(ctx: &crate::ssr::Ctx, list: Vec<kura::alerts::Alert>) -> Vec<AlertRow> {
    let tz = &kura::Zone::tokyo();
    list.into_iter()
        .map(|a| AlertRow {
            first_at: ctx.when(a.first_at, tz),
            last_at: ctx.when(a.last_at, tz),
            id: a.id.to_string(),
            rule: a.rule,
            organisation: a.tenant_code.unwrap_or_default(),
            state: a.state,
            detail: a.detail,
            events: a.events,
            comment: a.comment.unwrap_or_default(),
        })
        .collect()
}

#[server(prefix = "/api", endpoint = "ops/alerts/list")]
pub async fn list_all_alerts() -> Result<Vec<AlertRow>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let list = kura::alerts::list_all(&ctx.services, ctx.actor()?).await.map_err(crate::ssr::api_error)?;
    Ok(rows(&ctx, list))
}

/// Alerts not yet closed, for the dashboard badge.
#[server(prefix = "/api", endpoint = "ops/alerts/count")]
pub async fn open_alert_count() -> Result<i64, ApiError> {
    let ctx = crate::ssr::ctx()?;
    kura::alerts::open_count(&ctx.services, ctx.actor()?).await.map_err(crate::ssr::api_error)
}

#[server(prefix = "/api", endpoint = "ops/alerts/acknowledge")]
pub async fn acknowledge_alert(alert_id: String, comment: String) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    kura::alerts::acknowledge(&ctx.services, ctx.actor()?, &crate::ssr::id::<kura::ids::AlertId>(&alert_id)?, &comment, &ctx.client)
        .await
        .map_err(crate::ssr::api_error)
}

#[server(prefix = "/api", endpoint = "ops/alerts/close")]
pub async fn close_alert(alert_id: String) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    kura::alerts::close(&ctx.services, ctx.actor()?, &crate::ssr::id::<kura::ids::AlertId>(&alert_id)?, &ctx.client)
        .await
        .map_err(crate::ssr::api_error)
}

#[server(prefix = "/api", endpoint = "alerts/list")]
pub async fn list_tenant_alerts() -> Result<Vec<AlertRow>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let list = kura::alerts::list_tenant(&ctx.services, &scope).await.map_err(crate::ssr::api_error)?;
    Ok(rows(&ctx, list))
}
