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
    let r = admin.get(app.url("/people/export.csv")).send().await.unwrap();
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
        let r = client.get(app.url("/people/export.csv")).send().await.unwrap();
        assert_eq!(r.status(), 403, "{who}");
    }
    let ops = app.operator_client("ops").await;
    let r = ops.get(app.url("/people/export.csv")).send().await.unwrap();
    assert_ne!(r.status(), 200, "operators never read people data");
    let (status, body) = app.call(&ops, "/api/people/list", &[("q", ""), ("status", "all"), ("sort", "updated"), ("category", "")]).await;
    assert_eq!((status, body.as_str()), (500, Some("Forbidden")), "operators never read people data");
    let anonymous = common::browser(&app.base);
    let r = anonymous.get(app.url("/people/export.csv")).send().await.unwrap();
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
    assert_eq!(status, 500);
    assert_eq!(app.count("people").await, 0);
    let good = "姓,電話番号\n山田,03-1234-5678\n佐藤,090-1111-2222\n";
    let (status, added) = app.call(&admin, "/api/people/import", &[("content", good), ("confirmed", "yes")]).await;
    assert_eq!((status, added.as_u64()), (200, Some(2)));
    assert_eq!(app.count("people").await, 2);
    assert_eq!(app.count("audit_log WHERE action = 'people.imported'").await, 1);
}
