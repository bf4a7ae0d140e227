//! CSV downloads: `GET /ops/audit/export.csv` and `GET /admin/audit/export.csv`
//! (the audit viewers' filters), and `GET /people/export.csv` (the people
//! register). The core authorises and records each export; this only shapes
//! the HTTP response.

use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};
use kura::audit::ClientInfo;
use kura::CoreError;
use kura_app::api::audit::{wire, AuditQuery};
use kura_app::ssr::CurrentActor;

use super::AppState;

fn status(e: &CoreError) -> StatusCode {
    match e {
        CoreError::NotAuthenticated => StatusCode::UNAUTHORIZED,
        CoreError::Forbidden => StatusCode::FORBIDDEN,
        CoreError::Invalid { .. } => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn csv_response(rows: Result<Vec<kura::audit_view::AuditRow>, CoreError>, time_zone: &str, now: kura::Timestamp) -> Response {
    file_response("audit", rows.and_then(|r| kura::audit_view::to_csv(&r, time_zone)), time_zone, now)
}

fn file_response(what: &str, result: Result<Vec<u8>, CoreError>, time_zone: &str, now: kura::Timestamp) -> Response {
    match result {
        Ok(bytes) => {
            let name = format!("attachment; filename=\"kura-{what}-{}.csv\"", now.date_in(time_zone));
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, name),
                    // Personal data: never kept by a shared cache or the browser's cache.
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            if status(&e) == StatusCode::INTERNAL_SERVER_ERROR {
                tracing::error!(error = ?e, what, "export failed");
            }
            (status(&e), "The export could not be made.\n").into_response()
        }
    }
}

/// The people register as CSV (admins; members when their organisation allows).
pub async fn export_people(State(state): State<AppState>, req: Request) -> Response {
    let s = &state.services;
    let (Some(actor), client) = parts(&req) else { return StatusCode::UNAUTHORIZED.into_response() };
    let scope = match kura::scope::TenantScope::own(s, &actor).await {
        Ok(scope) => scope,
        Err(e) => return (status(&e), "The export could not be made.\n").into_response(),
    };
    let tz = scope.tenant().time_zone.clone();
    file_response("people", kura::people::csv::export(s, &scope, &client).await, &tz, s.clock.now())
}

fn parts(req: &Request) -> (Option<kura::auth::Actor>, ClientInfo) {
    let actor = req.extensions().get::<CurrentActor>().and_then(|a| a.0.clone());
    let client = req.extensions().get::<ClientInfo>().cloned().unwrap_or_default();
    (actor, client)
}

pub async fn export_all(State(state): State<AppState>, Query(q): Query<AuditQuery>, req: Request) -> Response {
    let s = &state.services;
    let (Some(actor), client) = parts(&req) else { return StatusCode::UNAUTHORIZED.into_response() };
    let tz = kura::clock::DEFAULT_TIME_ZONE;
    let rows = match wire::filter(&q, tz) {
        Ok(f) => kura::audit_view::export_all(s, &actor, &f, &client).await,
        Err(_) => Err(CoreError::Invalid { field: "filter", problem: "format" }),
    };
    csv_response(rows, tz, s.clock.now())
}

pub async fn export_tenant(State(state): State<AppState>, Query(q): Query<AuditQuery>, req: Request) -> Response {
    let s = &state.services;
    let (Some(actor), client) = parts(&req) else { return StatusCode::UNAUTHORIZED.into_response() };
    let scope = match kura::scope::TenantScope::own(s, &actor).await {
        Ok(scope) => scope,
        Err(e) => return (status(&e), "The export could not be made.\n").into_response(),
    };
    let tz = scope.tenant().time_zone.clone();
    let rows = match wire::filter(&q, &tz) {
        Ok(f) => kura::audit_view::export_tenant(s, &scope, &f, &client).await,
        Err(_) => Err(CoreError::Invalid { field: "filter", problem: "format" }),
    };
    csv_response(rows, &tz, s.clock.now())
}
