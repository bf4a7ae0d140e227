//! The organisation's settings (admins).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub members_may_export: bool,
    pub time_zone: String,
    pub record_edit_hours: i64,
}

#[server(prefix = "/api", endpoint = "settings/get")]
pub async fn get_settings() -> Result<SettingsView, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let s = kura::console::settings::get(&ctx.services, &scope).await.map_err(crate::ssr::api_error)?;
    Ok(SettingsView {
        members_may_export: s.members_may_export,
        time_zone: s.time_zone.name().to_owned(),
        record_edit_hours: s.record_edit_hours,
    })
}

/// `members_may_export` is a checkbox: present (any value) means on.
#[server(prefix = "/api", endpoint = "settings/save")]
pub async fn save_settings(members_may_export: Option<String>, time_zone: String, record_edit_hours: String) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let input = kura::console::settings::SettingsInput { members_may_export: members_may_export.is_some(), time_zone, record_edit_hours };
    kura::console::settings::save(&ctx.services, &scope, &input, &ctx.client).await.map_err(crate::ssr::api_error)
}
