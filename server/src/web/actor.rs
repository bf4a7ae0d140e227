//! Resolves the session's actor on every request, so a disabled account, a
//! timed-out session or a role change takes effect on the next request.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kura::audit::ClientInfo;
use kura_app::ssr::{self, CurrentActor};
use tower_sessions::Session;

use super::AppState;

/// How often "last seen" is written back: the idle timeout is exact to this.
const TOUCH_EVERY_MS: i64 = 30_000;

/// Static assets and probes need no actor (and no database round trip).
fn needs_actor(path: &str) -> bool {
    !(path.starts_with("/pkg/") || path == "/healthz" || path == "/readyz")
}

pub async fn resolve_actor(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if !needs_actor(req.uri().path()) {
        req.extensions_mut().insert(CurrentActor(None));
        return next.run(req).await;
    }
    let session = req.extensions().get::<Session>().cloned();
    let client = req.extensions().get::<ClientInfo>().cloned().unwrap_or_default();
    let mut actor = None;
    if let Some(session) = &session {
        if let Some(claims) = ssr::read_claims(session).await {
            match kura::auth::resolve_session(&state.services, &claims, client.ip).await {
                Ok(Ok(a)) => {
                    let now = state.services.clock.now();
                    if now.as_millis() - claims.last_seen_at.as_millis() >= TOUCH_EVERY_MS {
                        if let Err(e) = ssr::touch(session, now).await {
                            tracing::warn!(error = %e, "could not update session");
                        }
                    }
                    if let Some(super::client::RequestSpan(span)) = req.extensions().get::<super::client::RequestSpan>() {
                        span.record("user", a.user_id.as_str());
                        if let Some(t) = &a.tenant_id {
                            span.record("tenant", t.as_str());
                        }
                    }
                    actor = Some(a);
                }
                Ok(Err(end)) => {
                    if let Err(e) = kura::auth::record_session_end(&state.services, &claims, end, &client).await {
                        tracing::error!(error = ?e, "could not audit session end");
                    }
                    // Refused for its address, the session itself stays for its owner.
                    // Refused for an older credential generation, it is left alone too:
                    // the change already ended the other sessions, and this may be the
                    // very session that made the change, whose new generation is being
                    // saved by that request right now (flushing would log its owner out).
                    if !matches!(end, kura::auth::SessionEnd::NetworkDenied | kura::auth::SessionEnd::CredentialsChanged) {
                        if let Err(e) = session.flush().await {
                            tracing::warn!(error = %e, "could not end session");
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(error = ?e, "could not resolve session");
                    return (StatusCode::SERVICE_UNAVAILABLE, "Service temporarily unavailable.\n").into_response();
                }
            }
        }
    }
    req.extensions_mut().insert(CurrentActor(actor));
    next.run(req).await
}
