//! One-time setup links: the account's owner chooses their password.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupInfo {
    pub org_code: String,
    pub org_name: String,
    pub login: String,
}

/// Whom a link is for; unknown, used and expired links are "not found".
#[server(prefix = "/api", endpoint = "setup/inspect")]
pub async fn inspect_setup_link(token: String) -> Result<SetupInfo, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let t = kura::setup_links::inspect(&ctx.services, &token).await.map_err(crate::ssr::api_error)?;
    Ok(SetupInfo { org_code: t.org_code, org_name: t.org_name, login: t.login })
}

#[server(prefix = "/api", endpoint = "setup/complete")]
pub async fn complete_setup(token: String, new: String, confirm: String) -> Result<SetupInfo, ApiError> {
    use kura::auth::password::Password;
    let ctx = crate::ssr::ctx()?;
    let t = kura::setup_links::complete(&ctx.services, &token, Password::new(new), Password::new(confirm), &ctx.client)
        .await
        .map_err(crate::ssr::api_error)?;
    Ok(SetupInfo { org_code: t.org_code, org_name: t.org_name, login: t.login })
}
