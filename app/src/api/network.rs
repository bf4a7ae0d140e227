//! An organisation's IP allowlist: its admins (own organisation) and
//! operators (`org` names it) use the same functions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowlistEntryRow {
    pub id: String,
    pub cidr: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowlistView {
    pub entries: Vec<AllowlistEntryRow>,
    pub your_address: String,
    pub you_are_allowed: bool,
    pub required: bool,
}

#[server(prefix = "/api", endpoint = "network/view")]
pub async fn view_allowlist(org: Option<String>) -> Result<AllowlistView, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    let v = kura::network::view(&ctx.services, &scope, &ctx.client).await.map_err(crate::ssr::api_error)?;
    Ok(AllowlistView {
        entries: v
            .entries
            .into_iter()
            .map(|e| AllowlistEntryRow { id: e.id.to_string(), cidr: e.cidr.to_string(), note: e.note })
            .collect(),
        your_address: v.your_address.map(|ip| ip.to_string()).unwrap_or_default(),
        you_are_allowed: v.you_are_allowed,
        required: v.required,
    })
}

/// Adds a CIDR (or a single address) with a note. Refused when the list would
/// shut out the admin making the change.
#[server(prefix = "/api", endpoint = "network/add")]
pub async fn add_allowlist_entry(org: Option<String>, cidr: String, note: String) -> Result<String, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    kura::network::add(&ctx.services, &scope, &cidr, &note, &ctx.client).await.map(|id| id.to_string()).map_err(crate::ssr::api_error)
}

/// Removes an entry (which may shut out whoever used it); only with `confirmed=yes`.
#[server(prefix = "/api", endpoint = "network/remove")]
pub async fn remove_allowlist_entry(org: Option<String>, entry_id: String, confirmed: Option<String>) -> Result<(), ApiError> {
    crate::ssr::require_confirmation(confirmed.as_deref())?;
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.scope(org.as_deref()).await?;
    kura::network::remove(&ctx.services, &scope, &crate::ssr::id::<kura::ids::AllowlistEntryId>(&entry_id)?, &ctx.client)
        .await
        .map_err(crate::ssr::api_error)
}
