//! The people register over HTTP: the CSV download's rights and headers, the
//! import through the preview, and operators kept away from people data.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{spawn, GOOD_PASSWORD, PERSON};
use kura::users::Role;

#[tokio::test]
async fn only_admins_download_the_register_as_csv_and_the_download_is_audited_and_not_cached() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    app.create_user("acme", "taro", Role::Member).await;
    app.create_user("acme", "hana", Role::Viewer).await;
    app.create_operator("ops").await;
    let member = app.member_client("acme", "taro", GOOD_PASSWORD).await;
    let (status, id) = app.call(&member, "/api/people/create", &PERSON).await;
    assert_eq!(status, 200, "{id}");

    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let r = admin.post(app.url("/people/export.csv")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"kura-people-"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("姓,名,フリガナ（セイ）"));
    assert!(text.contains("山田,太郎,ヤマダ,タロウ,03-1234-5678,taro@example.jp,100-0001"), "{text}");
    assert_eq!(app.count("audit_log WHERE action = 'people.exported'").await, 1);

    for (who, client) in [("member", &member), ("viewer", &app.member_client("acme", "hana", GOOD_PASSWORD).await)] {
        let r = client.post(app.url("/people/export.csv")).send().await.unwrap();
        assert_eq!(r.status(), 403, "{who}");
    }
    let ops = app.operator_client("ops").await;
    let r = ops.post(app.url("/people/export.csv")).send().await.unwrap();
    assert_ne!(r.status(), 200, "operators never read people data");
    let (status, body) = app.call(&ops, "/api/people/list", &[("q", ""), ("status", "all"), ("sort", "updated"), ("category", "")]).await;
    assert_eq!((status, body.as_str()), (403, Some("Forbidden")), "operators never read people data");
    let anonymous = common::browser(&app.base);
    let r = anonymous.post(app.url("/people/export.csv")).send().await.unwrap();
    assert_ne!(r.status(), 200);
    assert_eq!(app.count("audit_log WHERE action = 'people.exported'").await, 1, "refused downloads export nothing");
}

#[tokio::test]
async fn an_admin_imports_through_the_preview_and_a_file_with_a_bad_row_adds_nobody() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let bad = "\u{feff}姓,電話番号\n山田,03-1234-5678\n,03-12\n";
    let (status, preview) = app.call(&admin, "/api/people/import/preview", &[("content", bad)]).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["rows"], 2);
    assert_eq!(preview["invalid"][0]["line"], 3);
    assert_eq!(preview["invalid"][0]["problems"].as_array().unwrap().len(), 2);
    let (status, _) = app.call(&admin, "/api/people/import", &[("content", bad), ("confirmed", "yes")]).await;
    assert_eq!(status, 422);
    assert_eq!(app.count("people").await, 0);
    let good = "姓,電話番号\n山田,03-1234-5678\n佐藤,090-1111-2222\n";
    let (status, added) = app.call(&admin, "/api/people/import", &[("content", good), ("confirmed", "yes")]).await;
    assert_eq!((status, added.as_u64()), (200, Some(2)));
    assert_eq!(app.count("people").await, 2);
    assert_eq!(app.count("audit_log WHERE action = 'people.imported'").await, 1);
}

/// The session cookie of a fresh login, for requests that carry it the way a
/// browser does on a cross-site request (SameSite=Lax: top-level GETs).
async fn session_cookie(app: &common::TestApp, path: &str, form: &[(&str, &str)]) -> String {
    let r = app.post_form(&common::browser(&app.base), path, form).await;
    assert_eq!(r.status(), 200);
    r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_export_cannot_be_started_from_another_site() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    app.create_operator("ops").await;
    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    assert_eq!(app.call(&admin, "/api/people/create", &PERSON).await.0, 200);
    let admin_cookie =
        session_cookie(&app, "/api/login", &[("org", "acme"), ("login", "boss"), ("password", GOOD_PASSWORD)]).await;
    let ops_cookie = session_cookie(&app, "/api/ops/login", &[("login", "ops"), ("password", GOOD_PASSWORD)]).await;
    let bare = reqwest::Client::new();
    for (cookie, path) in [
        (&admin_cookie, "/people/export.csv"),
        (&admin_cookie, "/admin/audit/export.csv"),
        (&ops_cookie, "/ops/audit/export.csv"),
    ] {
        // A top-level link from another site is a GET: not an export.
        let r = bare.get(app.url(path)).header("cookie", cookie).header("sec-fetch-site", "cross-site").send().await.unwrap();
        assert_eq!(r.status(), 405, "GET {path}");
        // A form on another site posts with its own origin, or with none and Sec-Fetch-Site.
        for (name, value) in [("origin", "https://evil.example"), ("origin", "null"), ("sec-fetch-site", "cross-site"), ("x-none", "")] {
            let r = bare.post(app.url(path)).header("cookie", cookie).header(name, value).send().await.unwrap();
            assert_eq!(r.status(), 403, "POST {path} with {name}: {value}");
        }
        // The same cookie from the site itself exports (a browser's form post).
        let r = bare
            .post(app.url(path))
            .header("cookie", cookie)
            .header("origin", &app.base)
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "POST {path} from the site");
    }
    assert_eq!(app.count("audit_log WHERE action = 'people.exported'").await, 1, "only the same-site export ran");
    assert_eq!(app.count("audit_log WHERE action = 'audit.exported'").await, 2);
}
