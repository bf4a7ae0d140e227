//! CSV downloads: `POST /ops/audit/export.csv` and `POST /admin/audit/export.csv`
//! (the audit viewers' filters as a form), and `POST /people/export.csv` (the
//! people register). POST, so each passes the origin check before it runs: a
//! link on another site cannot make a signed-in browser export decrypted
//! personal data or raise the bulk-export alert. The core authorises and
//! records each export; this only shapes the HTTP response.

use axum::extract::{Form, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::{header, StatusCode};
use kura::audit::ClientInfo;
use kura::CoreError;
use kura_app::api::audit::{wire, AuditQuery};
use kura_app::ssr::CurrentActor;

use super::AppState;

/// A refused or failed export: the status and JSON body every API error has.
fn error_response(e: CoreError) -> Response {
    let error = kura_app::ssr::api_error(e);
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, axum::Json(&error)).into_response();
    if let Some(secs) = error.retry_after_secs() {
        res.headers_mut().insert(header::RETRY_AFTER, http::HeaderValue::from(secs));
    }
    res
}

fn csv_response(rows: Result<Vec<kura::audit_view::AuditRow>, CoreError>, time_zone: &kura::Zone, now: kura::Timestamp) -> Response {
    file_response("audit", rows.and_then(|r| kura::audit_view::to_csv(&r, time_zone)), time_zone, now)
}

fn file_response(what: &str, result: Result<Vec<u8>, CoreError>, time_zone: &kura::Zone, now: kura::Timestamp) -> Response {
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
            tracing::info!(what, "export refused or failed");
            error_response(e)
        }
    }
}

/// The people register as CSV (admins; members when their organisation allows).
pub async fn export_people(
    State(state): State<AppState>,
    Extension(CurrentActor(actor)): Extension<CurrentActor>,
    Extension(client): Extension<ClientInfo>,
) -> Response {
    let s = &state.services;
    let Some(actor) = actor else { return error_response(CoreError::NotAuthenticated) };
    let scope = match kura::scope::TenantScope::own(s, &actor).await {
        Ok(scope) => scope,
        Err(e) => return error_response(e),
    };
    let tz = scope.tenant().time_zone.clone();
    file_response("people", kura::people::csv::export(s, &scope, &client).await, &tz, s.clock.now())
}

pub async fn export_all(
    State(state): State<AppState>,
    Extension(CurrentActor(actor)): Extension<CurrentActor>,
    Extension(client): Extension<ClientInfo>,
    Form(q): Form<AuditQuery>,
) -> Response {
    let s = &state.services;
    let Some(actor) = actor else { return error_response(CoreError::NotAuthenticated) };
    let tz = &kura::Zone::tokyo();
    let rows = match wire::filter(&q, tz) {
        Ok(f) => kura::audit_view::export_all(s, &actor, &f, &client).await,
        Err(_) => Err(CoreError::Invalid { field: "filter", problem: "format" }),
    };
    csv_response(rows, tz, s.clock.now())
}

pub async fn export_tenant(
    State(state): State<AppState>,
    Extension(CurrentActor(actor)): Extension<CurrentActor>,
    Extension(client): Extension<ClientInfo>,
    Form(q): Form<AuditQuery>,
) -> Response {
    let s = &state.services;
    let Some(actor) = actor else { return error_response(CoreError::NotAuthenticated) };
    let scope = match kura::scope::TenantScope::own(s, &actor).await {
        Ok(scope) => scope,
        Err(e) => return error_response(e),
    };
    let tz = scope.tenant().time_zone.clone();
    let rows = match wire::filter(&q, &tz) {
        Ok(f) => kura::audit_view::export_tenant(s, &scope, &f, &client).await,
        Err(_) => Err(CoreError::Invalid { field: "filter", problem: "format" }),
    };
    csv_response(rows, &tz, s.clock.now())
}
