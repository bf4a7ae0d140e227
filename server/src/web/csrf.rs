//! Cross-site request forgery: every request that may change something
//! (anything but GET, HEAD, OPTIONS) must come from our own origin, shown by
//! the `Origin` header, or by `Sec-Fetch-Site: same-origin` when a browser
//! sends no Origin. Anything else gets 403 before any handler runs, so it
//! changes nothing.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, Method, StatusCode};

use super::AppState;

fn expected_origin(state: &AppState, req: &Request) -> Option<String> {
    if let Some(o) = &state.settings.public_origin {
        return Some(o.clone());
    }
    // HTTP/1.1 names the host in `Host`; HTTP/2 (negotiated over TLS) in the URI's authority.
    let host = match req.headers().get(header::HOST) {
        Some(h) => h.to_str().ok()?.to_owned(),
        None => req.uri().authority()?.as_str().to_owned(),
    };
    let scheme = if state.settings.secure_cookies { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

pub fn is_same_origin(state: &AppState, req: &Request) -> bool {
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else { return false };
        return expected_origin(state, req).is_some_and(|e| e.eq_ignore_ascii_case(origin));
    }
    req.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v == "same-origin")
}

pub async fn require_same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || is_same_origin(&state, &req) {
        return next.run(req).await;
    }
    tracing::warn!(method = %req.method(), path = req.uri().path(), "cross-origin request refused");
    (StatusCode::FORBIDDEN, "Cross-origin request refused.\n").into_response()
}
