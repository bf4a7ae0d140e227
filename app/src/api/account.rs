//! Everyone's own account: sessions, and ending them.

use leptos::prelude::*;

use super::accounts::SessionRow;
use super::ApiError;

#[server(prefix = "/api", endpoint = "account/sessions")]
pub async fn my_sessions() -> Result<Vec<SessionRow>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let actor = ctx.actor()?;
    let list = kura::console::account::my_sessions(&ctx.services, actor).await.map_err(crate::ssr::api_error)?;
    let current = ctx.session_hash();
    Ok(list.into_iter().map(|s| super::accounts::wire::session_row(&ctx, s, current.as_deref())).collect())
}

/// Ends one of the caller's own sessions (another account's session is "not
/// found"); only with `confirmed=yes`.
#[server(prefix = "/api", endpoint = "account/sessions/end")]
pub async fn end_my_session(session: String, confirmed: Option<String>) -> Result<(), ApiError> {
    crate::ssr::require_confirmation(confirmed.as_deref())?;
    let ctx = crate::ssr::ctx()?;
    let actor = ctx.actor()?;
    kura::console::account::end_my_session(&ctx.services, actor, &session, &ctx.client).await.map_err(crate::ssr::api_error)
}
