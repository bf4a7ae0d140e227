//! What travels on the wire, and how small: hashed, precompressed static
//! files cached for a year; pages and JSON compressed on the fly, except the
//! responses that carry a one-time secret (BREACH, below).

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::header::{self, HeaderValue};
use http::StatusCode;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;

/// The name of cargo-leptos' list of file hashes.
const HASH_FILE: &str = "hash.txt";

/// cargo-leptos' hash.txt for the site at `site_root`: in the site itself (a
/// deployment may put it there), or beside the running binary (where
/// `cargo leptos build` writes it).
pub fn hash_file(site_root: &Path) -> Option<PathBuf> {
    let beside_binary = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(HASH_FILE)));
    [Some(site_root.join(HASH_FILE)), beside_binary].into_iter().flatten().find(|p| p.is_file())
}

/// `kura.<22 characters of base64url>.<ext>`: a name that changes whenever
/// the content does, so the file may be cached for good.
fn content_addressed(path: &str) -> bool {
    let Some(file) = path.strip_prefix("/pkg/") else { return false };
    let mut parts = file.rsplitn(3, '.');
    let (Some(ext), Some(hash), Some(_stem)) = (parts.next(), parts.next(), parts.next()) else { return false };
    let ext = ext.trim_end_matches(".br").trim_end_matches(".gz");
    matches!(ext, "js" | "wasm" | "css")
        && hash.len() == 22
        && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The caching of a static file: a year and immutable for a content-addressed
/// name that was found, revalidate for anything else under /pkg.
pub fn static_cache_headers(path: &str, res: &mut Response) {
    let found = res.status() == StatusCode::OK || res.status() == StatusCode::NOT_MODIFIED;
    let h = res.headers_mut();
    let policy = if found && content_addressed(path) { "public, max-age=31536000, immutable" } else { "no-cache" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    // The same URL is served as br, gzip or plain by Accept-Encoding.
    h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
}

/// Compresses pages, JSON and CSV as they are sent (brotli or gzip). Static
/// files come precompressed and pass through untouched (tower-http never
/// re-encodes a response that has a Content-Encoding).
pub fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/wasm")))
}

/// Responses that carry a one-time secret (a temporary password, a setup
/// link) or that complete a login are never compressed.
///
/// BREACH needs three things in one compressed response: a secret, text the
/// attacker chose, and an attacker who sees the response's size while making
/// the victim's browser send many requests. Kura's pages and JSON carry no
/// CSRF token or other stable secret (requests are checked by Origin, the
/// CSP nonce is new in every response, cookies travel in headers, which
/// HTTP/2's HPACK keeps apart); cross-site requests cannot reach the server
/// functions (the Origin check refuses them before they run), and pages
/// reflect no query string, only a path that must match a route. So pages,
/// the people register's JSON and CSV downloads are compressed. The responses
/// below do hold a secret, so they are left uncompressed regardless: the
/// saving is a few hundred bytes, the risk is the secret.
pub const NEVER_COMPRESSED: &[&str] = &[
    "/api/login",
    "/api/ops/login",
    "/api/change-password",
    "/api/setup/inspect",
    "/api/setup/complete",
    "/api/accounts/create",
    "/api/accounts/reset",
    "/api/ops/operators/create",
    "/api/ops/reauth",
];

/// Drops `Accept-Encoding` from the requests in [`NEVER_COMPRESSED`], so the
/// compression layer leaves their answers as they are.
pub async fn keep_secrets_uncompressed(mut req: Request, next: Next) -> Response {
    if NEVER_COMPRESSED.contains(&req.uri().path()) {
        req.headers_mut().remove(header::ACCEPT_ENCODING);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashed_bundle_names_are_content_addressed() {
        assert!(content_addressed("/pkg/kura.lMxtQ-Yy0Xb_ZNuJXTVzDQ.wasm"));
        assert!(content_addressed("/pkg/kura.lMxtQ-Yy0Xb_ZNuJXTVzDQ.js"));
        assert!(content_addressed("/pkg/kura.lMxtQ-Yy0Xb_ZNuJXTVzDQ.css"));
        assert!(!content_addressed("/pkg/kura.wasm"), "an unhashed name changes content under the same URL");
        assert!(!content_addressed("/pkg/kura.short.wasm"));
        assert!(!content_addressed("/pkg/snippets/x/inline0.js"));
        assert!(!content_addressed("/pkg/kura.lMxtQ-Yy0Xb_ZNuJXTVzDQ.html"));
        assert!(!content_addressed("/people/kura.lMxtQ-Yy0Xb_ZNuJXTVzDQ.js"));
    }
}
