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

/// Uploads (`multipart/form-data` with a boundary multer can read) are all
/// an upload endpoint takes; anything else is refused with 415 and the JSON
/// every API error has, before server_fn (which would panic on it) runs. The
/// body is bounded too: server_fn streams uploads without a limit.
pub async fn uploads_are_multipart(req: Request, next: Next) -> Response {
    if !kura_app::api::people::UPLOAD_ENDPOINTS.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    if !is_multipart(req.headers()) {
        let mut res = Response::new(Body::from(serde_json::to_vec(&ApiError::Request).unwrap_or_default()));
        *res.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return res;
    }
    let req = req.map(|body| Body::new(http_body_util::Limited::new(body, MAX_UPLOAD_BYTES)));
    next.run(req).await
}

/// The largest import file and the form around it.
const MAX_UPLOAD_BYTES: usize = kura::people::csv::IMPORT_MAX_BYTES + 64 * 1024;

fn is_multipart(headers: &http::HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
        ct.trim_start().to_ascii_lowercase().starts_with("multipart/form-data") && multer::parse_boundary(ct).is_ok_and(|b| !b.is_empty())
    })
}

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
    fn only_multipart_with_a_boundary_is_an_upload() {
        let h = |v: &str| {
            let mut m = http::HeaderMap::new();
            m.insert(http::header::CONTENT_TYPE, v.parse().unwrap());
            m
        };
        assert!(super::is_multipart(&h("multipart/form-data; boundary=abc")));
        assert!(super::is_multipart(&h("Multipart/Form-Data;boundary=\"x y\"")));
        for bad in ["application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=", "text/csv; boundary=a"] {
            assert!(!super::is_multipart(&h(bad)), "{bad}");
        }
        // Whatever passes is what server_fn's multer reads without panicking.
        for odd in ["multipart/form-data; boundary=a; x", "multipart/form-data; boundary=\"a", "multipart/form-data;boundary=a;boundary=b"]
        {
            assert!(!super::is_multipart(&h(odd)) || multer::parse_boundary(odd).is_ok(), "{odd}");
        }
        assert!(!super::is_multipart(&http::HeaderMap::new()));
    }

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
