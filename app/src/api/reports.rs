//! The privileged-activity report and the dashboards' daily login figures.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRow {
    pub actor: String,
    pub role: String,
    pub action: String,
    pub count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayLogins {
    pub day: String,
    pub succeeded: i64,
    pub failed: i64,
    pub denied: i64,
}

/// Privileged actions per person in the own organisation (admins), for the
/// days `from`..=`to` (`YYYY-MM-DD`, the organisation's time zone; empty: the last 30 days).
#[server(prefix = "/api", endpoint = "reports/privileged")]
pub async fn privileged_report(from: String, to: String) -> Result<Vec<ActivityRow>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    report(&ctx, &scope, &from, &to).await
}

/// The same for any organisation (operators).
#[server(prefix = "/api", endpoint = "ops/reports/privileged")]
pub async fn ops_privileged_report(tenant_id: String, from: String, to: String) -> Result<Vec<ActivityRow>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.operator_scope(&tenant_id).await?;
    report(&ctx, &scope, &from, &to).await
}

#[cfg(feature = "ssr")]
async fn report(ctx: &crate::ssr::Ctx, scope: &kura::scope::TenantScope<'_>, from: &str, to: &str) -> Result<Vec<ActivityRow>, ApiError> {
    use crate::ssr::api_error;
    let tz = scope.tenant().time_zone.clone();
    let now = ctx.services.clock.now();
    let from = if from.trim().is_empty() {
        now.minus(std::time::Duration::from_secs(30 * 24 * 60 * 60))
    } else {
        let d = kura::input::parse_date("from", from).map_err(api_error)?;
        kura::clock::start_of_day(d, &tz).ok_or(ApiError::Invalid { field: String::from("from"), problem: String::from("format") })?
    };
    let to = if to.trim().is_empty() {
        now.plus(std::time::Duration::from_secs(1))
    } else {
        let d = kura::input::parse_date("to", to).map_err(api_error)?;
        kura::clock::start_of_next_day(d, &tz).ok_or(ApiError::Invalid { field: String::from("to"), problem: String::from("format") })?
    };
    let rows = kura::reports::privileged_activity(&ctx.services, scope, from, to).await.map_err(api_error)?;
    Ok(rows.into_iter().map(|r| ActivityRow { actor: r.actor, role: r.role, action: r.action, count: r.count }).collect())
}

#[cfg(feature = "ssr")]
fn days(list: Vec<kura::reports::DailyLogins>) -> Vec<DayLogins> {
    list.into_iter().map(|d| DayLogins { day: d.day, succeeded: d.succeeded, failed: d.failed, denied: d.denied }).collect()
}

/// Logins per day for the last 30 days, every organisation (operators).
#[server(prefix = "/api", endpoint = "ops/stats/logins")]
pub async fn all_daily_logins() -> Result<Vec<DayLogins>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    Ok(days(kura::reports::daily_logins_all(&ctx.services, ctx.actor()?, 30).await.map_err(crate::ssr::api_error)?))
}

/// Logins per day for the last 30 days, the own organisation (admins).
#[server(prefix = "/api", endpoint = "stats/logins")]
pub async fn tenant_daily_logins() -> Result<Vec<DayLogins>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    Ok(days(kura::reports::daily_logins_tenant(&ctx.services, &scope, 30).await.map_err(crate::ssr::api_error)?))
}
