//! What travels on the wire: hashed bundle names in every page, precompressed
//! static files cached for a year, pages and JSON compressed, and the
//! responses that carry a one-time secret left uncompressed.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{spawn_configured, GOOD_PASSWORD};
use kura::users::Role;
use kura::SystemClock;

/// A built site as `cargo leptos build --release --precompress` leaves it:
/// bundle files named by the MD5 of their bytes, with .br and .gz beside them,
/// and one file whose bytes were rewritten after it was named.
/// Returns the hash of the WASM file.
fn site(dir: &std::path::Path) -> String {
    use base64::Engine as _;
    use md5::Digest as _;
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let mut hashes = String::new();
    let mut wasm_hash = String::new();
    for ext in ["js", "wasm", "css"] {
        let bytes = format!("plain {ext}");
        let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(md5::Md5::digest(bytes.as_bytes()));
        std::fs::write(pkg.join(format!("kura.{hash}.{ext}")), &bytes).unwrap();
        std::fs::write(pkg.join(format!("kura.{hash}.{ext}.br")), b"brotli").unwrap();
        std::fs::write(pkg.join(format!("kura.{hash}.{ext}.gz")), b"gzip").unwrap();
        hashes.push_str(&format!("{ext}: {hash}\n"));
        if ext == "wasm" {
            wasm_hash = hash;
        }
    }
    std::fs::write(pkg.join(format!("chunk_1.{REWRITTEN}.wasm")), b"rewritten after naming").unwrap();
    std::fs::write(pkg.join("unhashed.js"), b"x").unwrap();
    std::fs::write(dir.join("hash.txt"), hashes).unwrap();
    wasm_hash
}

const REWRITTEN: &str = "lMxtQ-Yy0Xb_ZNuJXTVzDQ";

#[tokio::test]
async fn pages_name_the_hashed_bundle_which_is_served_precompressed_and_cached_for_a_year() {
    let dir = tempfile::tempdir().unwrap();
    let hash = site(dir.path());
    let root = dir.path().to_path_buf();
    let app = spawn_configured(Arc::new(SystemClock), move |s| s.site_root = root).await;
    let html = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("/pkg/kura.{hash}.wasm")), "the page names the hashed bundle");
    for (accept, encoding, body) in [("br, gzip", Some("br"), "brotli"), ("gzip", Some("gzip"), "gzip"), ("identity", None, "plain wasm")] {
        let r = app.client.get(app.url(&format!("/pkg/kura.{hash}.wasm"))).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let h = r.headers().clone();
        assert_eq!(h.get("content-encoding").map(|v| v.to_str().unwrap()), encoding, "{accept}");
        assert_eq!(h["content-type"], "application/wasm");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        assert!(h.get_all("vary").iter().any(|v| v.to_str().unwrap().to_ascii_lowercase().contains("accept-encoding")));
        assert_eq!(r.text().await.unwrap(), body);
    }
    for path in ["/pkg/unhashed.js".to_owned(), format!("/pkg/chunk_1.{REWRITTEN}.wasm")] {
        let r = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(
            (r.status().as_u16(), r.headers()["cache-control"].to_str().unwrap()),
            (200, "no-cache"),
            "{path} is revalidated: its name is not its content's hash"
        );
    }
    let r = app.client.get(app.url("/pkg/kura.AAAAAAAAAAAAAAAAAAAAAA.js")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["cache-control"], "no-store", "a miss is never cached");
}

#[tokio::test]
async fn pages_and_json_are_compressed_but_answers_carrying_a_secret_are_not() {
    let app = common::spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let r = admin.get(app.url("/admin")).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "br", "a page");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = admin
        .post(app.url("/api/accounts/list"))
        .header("accept-encoding", "gzip")
        .form(&[("search", ""), ("page", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip", "JSON");

    // A temporary password: never compressed, whatever the browser accepts.
    let r = admin
        .post(app.url("/api/accounts/create"))
        .header("accept-encoding", "br, gzip")
        .form(&[("login", "newcomer"), ("role", "member"), ("method", "temporary")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-encoding").is_none());
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["temporary_password"].as_str().is_some_and(|p| p.len() >= 12), "{body}");
    let r = app
        .client
        .post(app.url("/api/login"))
        .header("accept-encoding", "br")
        .form(&[("org", "acme"), ("login", "boss"), ("password", GOOD_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none(), "a login answer");
}
