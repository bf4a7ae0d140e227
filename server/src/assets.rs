//! What travels on the wire, and how small: hashed, precompressed static
//! files cached for a year; pages and JSON compressed on the fly, except the
//! responses that carry a one-time secret (BREACH, below).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use md5::Digest as _;

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

/// The hash in a bundle file's name, `<stem>.<22 characters of base64url>.<ext>`.
fn name_hash(file: &str) -> Option<&str> {
    let mut parts = file.rsplitn(3, '.');
    let (Some(ext), Some(hash), Some(_stem)) = (parts.next(), parts.next(), parts.next()) else { return None };
    let well_formed = matches!(ext, "js" | "wasm" | "css")
        && hash.len() == 22
        && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then_some(hash)
}

/// The files under /pkg whose name carries the hash of their own bytes, as
/// they are now (cargo-leptos names some files before it rewrites them, so a
/// name alone proves nothing). Only these may be cached for good: a file
/// whose bytes can change under the same name must be revalidated.
#[derive(Clone, Debug, Default)]
pub struct ContentAddressed(Arc<HashSet<String>>);

impl ContentAddressed {
    /// Reads every bundle file of the site once, at start-up.
    pub fn scan(site_root: &Path) -> ContentAddressed {
        let mut found = HashSet::new();
        if let Ok(dir) = std::fs::read_dir(site_root.join("pkg")) {
            for entry in dir.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(hash) = name_hash(&name) else { continue };
                let Ok(bytes) = std::fs::read(entry.path()) else { continue };
                let actual = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(md5::Md5::digest(&bytes));
                if actual == hash {
                    found.insert(format!("/pkg/{name}"));
                }
            }
        }
        ContentAddressed(Arc::new(found))
    }

    pub fn contains(&self, path: &str) -> bool {
        self.0.contains(path)
    }
}

/// The caching of a static file: a year and immutable for a file found whose
/// name is the hash of its bytes; revalidate any other file; store no miss.
pub fn static_cache_headers(path: &str, immutable: &ContentAddressed, res: &mut Response) {
    let policy = match res.status() {
        StatusCode::OK | StatusCode::NOT_MODIFIED if immutable.contains(path) => "public, max-age=31536000, immutable",
        StatusCode::OK | StatusCode::NOT_MODIFIED => "no-cache",
        _ => "no-store",
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    // The same URL is served as br, gzip or plain by Accept-Encoding.
    h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
}

/// Says at start-up when hash.txt names bundle files the site does not have
/// (a binary and a site from different builds): pages would then not become
/// interactive, though they still work as plain forms.
pub fn check_hash_file(hash_file: &Path, site_root: &Path) {
    let Ok(text) = std::fs::read_to_string(hash_file) else { return };
    for line in text.lines() {
        let Some((kind, hash)) = line.split_once(':') else { continue };
        let file = match kind.trim() {
            "js" => format!("kura.{}.js", hash.trim()),
            "wasm" => format!("kura.{}.wasm", hash.trim()),
            "css" => format!("kura.{}.css", hash.trim()),
            _ => continue,
        };
        if !site_root.join("pkg").join(&file).is_file() {
            tracing::warn!(hash_file = %hash_file.display(), missing = %file, "hash.txt names a bundle file the site does not have: deploy the binary, hash.txt and the site from one build");
        }
    }
}

/// Compresses pages, JSON and CSV as they are sent (brotli or gzip). Static
/// files come precompressed and pass through untouched (tower-http never
/// re-encodes a response that has a Content-Encoding).
pub fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().br(true).gzip(true).compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/wasm")))
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
    fn only_files_named_by_the_hash_of_their_own_bytes_are_content_addressed() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let pkg = dir.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap_or_default();
        let bytes = b"(function(){})()";
        let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(md5::Md5::digest(bytes));
        std::fs::write(pkg.join(format!("kura.{hash}.js")), bytes).unwrap_or_default();
        // Named by a hash, but its bytes were rewritten after naming.
        std::fs::write(pkg.join("kura.lMxtQ-Yy0Xb_ZNuJXTVzDQ.wasm"), b"rewritten").unwrap_or_default();
        std::fs::write(pkg.join("kura.wasm"), b"unhashed").unwrap_or_default();
        let found = ContentAddressed::scan(dir.path());
        assert!(found.contains(&format!("/pkg/kura.{hash}.js")));
        assert!(!found.contains("/pkg/kura.lMxtQ-Yy0Xb_ZNuJXTVzDQ.wasm"));
        assert!(!found.contains("/pkg/kura.wasm"));
        assert_eq!(name_hash("kura.short.wasm"), None);
        assert_eq!(name_hash("kura.lMxtQ-Yy0Xb_ZNuJXTVzDQ.html"), None);
    }
}
