//! What travels on the wire: hashed bundle names in every page, precompressed
//! static files cached for a year, pages and JSON compressed, and the
//! responses that carry a one-time secret left uncompressed.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{spawn_configured, GOOD_PASSWORD};
use kura::users::Role;
use kura::SystemClock;

const HASH: &str = "lMxtQ-Yy0Xb_ZNuJXTVzDQ";

/// A built site as `cargo leptos build --release --precompress` leaves it.
fn site(dir: &std::path::Path) {
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    for ext in ["js", "wasm", "css"] {
        std::fs::write(pkg.join(format!("kura.{HASH}.{ext}")), b"plain").unwrap();
        std::fs::write(pkg.join(format!("kura.{HASH}.{ext}.br")), b"brotli").unwrap();
        std::fs::write(pkg.join(format!("kura.{HASH}.{ext}.gz")), b"gzip").unwrap();
    }
    std::fs::write(pkg.join("unhashed.js"), b"x").unwrap();
    std::fs::write(dir.join("hash.txt"), format!("js: {HASH}\nwasm: {HASH}\ncss: {HASH}\n")).unwrap();
}

#[tokio::test]
async fn pages_name_the_hashed_bundle_which_is_served_precompressed_and_cached_for_a_year() {
    let dir = tempfile::tempdir().unwrap();
    site(dir.path());
    let root = dir.path().to_path_buf();
    let app = spawn_configured(Arc::new(SystemClock), move |s| s.site_root = root).await;
    let html = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    for name in [format!("/pkg/kura.{HASH}.js"), format!("/pkg/kura.{HASH}.wasm"), format!("/pkg/kura.{HASH}.css")] {
        assert!(html.contains(&name), "{name} in the page");
    }
    for (accept, encoding, body) in [("br, gzip", Some("br"), "brotli"), ("gzip", Some("gzip"), "gzip"), ("identity", None, "plain")] {
        let r = app.client.get(app.url(&format!("/pkg/kura.{HASH}.wasm"))).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let h = r.headers().clone();
        assert_eq!(h.get("content-encoding").map(|v| v.to_str().unwrap()), encoding, "{accept}");
        assert_eq!(h["content-type"], "application/wasm");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        assert!(h.get_all("vary").iter().any(|v| v.to_str().unwrap().to_ascii_lowercase().contains("accept-encoding")));
        assert_eq!(r.text().await.unwrap(), body);
    }
    let r = app.client.get(app.url("/pkg/unhashed.js")).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-cache", "an unhashed name is revalidated");
    let r = app.client.get(app.url("/pkg/kura.AAAAAAAAAAAAAAAAAAAAAA.js")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_ne!(r.headers()["cache-control"], "public, max-age=31536000, immutable", "a miss is never cached for good");
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
    let r = admin.post(app.url("/api/accounts/list")).header("accept-encoding", "gzip").form(&[("search", ""), ("page", "0")]).send().await.unwrap();
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
    let r = app.client.post(app.url("/api/login")).header("accept-encoding", "br").form(&[("org", "acme"), ("login", "boss"), ("password", GOOD_PASSWORD)]).send().await.unwrap();
    assert!(r.headers().get("content-encoding").is_none(), "a login answer");
}
