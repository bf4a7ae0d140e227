//! Every error leaves with its true HTTP status. server_fn answers every
//! error with 500 and the error as JSON; this layer reads that JSON (the
//! app's `ApiError`) and sets the status it maps to, with `Retry-After`
//! where waiting helps. The body stays the same bytes. A plain form post
//! (redirected back to its page) keeps its redirect; a body that is not an
//! `ApiError` stays a 500 (a real fault).

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::{header, HeaderValue, StatusCode};
use kura_app::api::ApiError;

/// server_fn marks its error responses with this header.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
/// Errors are a few hundred bytes; nothing larger is one.
const MAX_ERROR_BYTES: usize = 64 * 1024;

pub async fn true_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key(SERVER_FN_ERROR_HEADER)
        || res.headers().contains_key(header::LOCATION)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match to_bytes(body, MAX_ERROR_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "an error response could not be read");
            return Response::from_parts(parts, Body::empty());
        }
    };
    if let Ok(error) = serde_json::from_slice::<ApiError>(&bytes) {
        parts.status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(secs) = error.retry_after_secs() {
            parts.headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use kura_app::api::ApiError;

    #[test]
    fn only_real_faults_are_500() {
        let cases = [
            (ApiError::NotAuthenticated, 401),
            (ApiError::InvalidCredentials, 401),
            (ApiError::Forbidden, 403),
            (ApiError::NetworkDenied, 403),
            (ApiError::NotFound, 404),
            (ApiError::Stale, 409),
            (ApiError::Invalid { field: "x".into(), problem: "format".into() }, 422),
            (ApiError::ConfirmationRequired, 422),
            (ApiError::Throttled { retry_after_secs: 3 }, 429),
            (ApiError::Busy, 503),
            (ApiError::Request, 400),
            (ApiError::Internal, 500),
            (ApiError::Integrity, 500),
        ];
        for (e, status) in cases {
            assert_eq!(e.http_status(), status, "{e:?}");
        }
        assert_eq!(ApiError::Throttled { retry_after_secs: 0 }.retry_after_secs(), Some(1));
    }
}
