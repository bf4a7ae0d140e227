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
    let admin_cookie = session_cookie(&app, "/api/login", &[("org", "acme"), ("login", "boss"), ("password", GOOD_PASSWORD)]).await;
    let ops_cookie = session_cookie(&app, "/api/ops/login", &[("login", "ops"), ("password", GOOD_PASSWORD)]).await;
    let bare = reqwest::Client::new();
    for (cookie, path) in
        [(&admin_cookie, "/people/export.csv"), (&admin_cookie, "/admin/audit/export.csv"), (&ops_cookie, "/ops/audit/export.csv")]
    {
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

async fn importer() -> (common::TestApp, reqwest::Client) {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    (app, admin)
}

async fn upload(app: &common::TestApp, admin: &reqwest::Client, path: &str, file: &[u8], confirmed: bool) -> (u16, serde_json::Value) {
    let mut fields: Vec<(&str, &[u8])> = vec![("content", file)];
    if confirmed {
        fields.push(("confirmed", b"yes"));
    }
    let r = app.upload(admin, path, &fields).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn the_import_reads_shift_jis_as_excel_saves_it_and_utf8_without_a_bom() {
    let (app, admin) = importer().await;
    let text = "姓,名,フリガナ（セイ）,電話番号\n渡邊,花子,ワタナベ,03-1234-5678\n髙橋,一郎,ﾀｶﾊｼ,090-1111-2222\n";
    let (cp932, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    let (status, preview) = upload(&app, &admin, "/api/people/import/preview", &cp932, false).await;
    assert_eq!((status, preview["rows"].as_u64(), preview["invalid"].as_array().map(Vec::len)), (200, Some(2), Some(0)), "{preview}");
    assert_eq!(upload(&app, &admin, "/api/people/import", &cp932, true).await, (200, serde_json::json!(2)));
    let (_, list) =
        app.call(&admin, "/api/people/list", &[("q", "03-1234-5678"), ("status", "all"), ("sort", "updated"), ("category", "")]).await;
    assert!(list.to_string().contains("渡邊") && list.to_string().contains("花子"), "the names read back as typed: {list}");
    let utf8 = "姓,名\n佐藤,一郎\n";
    assert_eq!(upload(&app, &admin, "/api/people/import", utf8.as_bytes(), true).await, (200, serde_json::json!(1)));
    assert_eq!(app.count("people").await, 3);
}

#[tokio::test]
async fn a_file_in_another_encoding_is_refused_naming_its_line_and_adds_nobody() {
    let (app, admin) = importer().await;
    let mut bytes = encoding_rs::SHIFT_JIS.encode("姓,名\n山田,太郎\n").0.into_owned();
    bytes.extend_from_slice(b"\x81\x20,x\n");
    let (status, preview) = upload(&app, &admin, "/api/people/import/preview", &bytes, false).await;
    assert_eq!(status, 200);
    assert_eq!(preview["invalid"], serde_json::json!([{ "line": 3, "problems": [{ "field": "file", "problem": "encoding" }] }]));
    let (status, _) = upload(&app, &admin, "/api/people/import", &bytes, true).await;
    assert_eq!(status, 422);
    assert_eq!(app.count("people").await, 0);
}

/// `n` rows of about `row_bytes` bytes each, after the export's header.
fn register_file(n: usize, notes_chars: usize) -> Vec<u8> {
    let notes = "記".repeat(notes_chars);
    let mut out = String::from("姓,名,フリガナ（セイ）,フリガナ（メイ）,電話番号,メールアドレス,郵便番号,住所,備考\n");
    for i in 0..n {
        out.push_str(&format!(
            "山田{i},太郎,ヤマダ,タロウ,03-{:04}-{:04},,100-0001,東京都千代田区千代田1-1,{notes}\n",
            i / 10_000,
            i % 10_000
        ));
    }
    out.into_bytes()
}

#[tokio::test]
async fn the_documented_limits_are_the_real_ones_10000_rows_in_5_mb_in_one_transaction_and_not_one_more() {
    let (app, admin) = importer().await;
    let full = register_file(10_000, 140);
    assert!(full.len() > 4_900_000 && full.len() <= 5 * 1024 * 1024, "{} bytes", full.len());
    let (status, preview) = upload(&app, &admin, "/api/people/import/preview", &full, false).await;
    assert_eq!((status, preview["rows"].as_u64(), preview["invalid"].as_array().map(Vec::len)), (200, Some(10_000), Some(0)));
    assert_eq!(upload(&app, &admin, "/api/people/import", &full, true).await, (200, serde_json::json!(10_000)));
    assert_eq!(app.count("people").await, 10_000);
    assert_eq!(app.count("audit_log WHERE action = 'people.imported'").await, 1, "one transaction, one record");

    let over = register_file(10_001, 1);
    let (status, body) = upload(&app, &admin, "/api/people/import", &over, true).await;
    assert_eq!((status, body), (422, serde_json::json!({ "Invalid": { "field": "file", "problem": "file_too_many_rows" } })));
    let mut too_large = full.clone();
    too_large.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024 + 1 - full.len()));
    let (status, body) = upload(&app, &admin, "/api/people/import/preview", &too_large, false).await;
    assert_eq!((status, body), (422, serde_json::json!({ "Invalid": { "field": "file", "problem": "file_too_large" } })));
    assert_eq!(app.count("people").await, 10_000, "nothing more was saved");
}

#[tokio::test]
async fn anything_but_an_upload_sent_to_the_import_is_refused_as_such() {
    let (app, admin) = importer().await;
    for path in ["/api/people/import/preview", "/api/people/import"] {
        let r = admin.post(app.url(path)).form(&[("content", "姓\n佐藤\n"), ("confirmed", "yes")]).send().await.unwrap();
        assert_eq!(r.status(), 415, "{path}");
        assert_eq!(r.json::<serde_json::Value>().await.unwrap(), serde_json::json!("Request"));
        let r = admin.post(app.url(path)).header("content-type", "multipart/form-data").body("x").send().await.unwrap();
        assert_eq!(r.status(), 415, "{path}: no boundary");
    }
    // Content types that server_fn's boundary parser would choke on: refused or read, never a crash.
    for ct in [
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=a; x",
        "multipart/form-data; boundary=\"a",
        "multipart/form-data;;",
    ] {
        let r = admin.post(app.url("/api/people/import/preview")).header("content-type", ct).body("--a\r\n").send().await.unwrap();
        assert!([400, 415, 422].contains(&r.status().as_u16()), "{ct}: {}", r.status());
    }
    assert_eq!(app.count("people").await, 0);
    assert_eq!(admin.get(app.url("/healthz")).send().await.unwrap().status(), 200, "and the server is fine");
}

#[tokio::test]
async fn a_partial_name_and_a_kana_row_find_the_imported_people_and_an_unknown_row_is_refused_as_invalid() {
    let (app, admin) = importer().await;
    let file = "姓,名,フリガナ（セイ）,フリガナ（メイ）\n渡邊,花子,ワタナベ,ハナコ\n髙橋,一郎,ﾀｶﾊｼ,ｲﾁﾛｳ\n山下,次郎,やました,じろう\n";
    assert_eq!(upload(&app, &admin, "/api/people/import", file.as_bytes(), true).await, (200, serde_json::json!(3)));
    let list = |q: &'static str, row: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            app.call(admin, "/api/people/list", &[("q", q), ("status", "all"), ("sort", "updated"), ("category", ""), ("row", row)]).await
        }
    };
    let names = |v: &serde_json::Value| -> Vec<String> {
        let mut n: Vec<String> =
            v["people"].as_array().into_iter().flatten().filter_map(|p| p["name"].as_str().map(str::to_owned)).collect();
        n.sort();
        n
    };
    let (status, v) = list("渡辺", "").await;
    assert_eq!((status, names(&v)), (200, vec!["渡邊 花子".to_owned()]));
    let (_, v) = list("高橋", "").await;
    assert_eq!(names(&v), ["髙橋 一郎"]);
    let (_, v) = list("", "ta").await;
    assert_eq!(names(&v), ["髙橋 一郎"]);
    let (_, v) = list("ロウ", "ya").await;
    assert_eq!(names(&v), ["山下 次郎"]);
    let (status, v) = list("", "xx").await;
    assert_eq!(status, 422, "{v}");
}

#[tokio::test]
async fn a_record_is_corrected_and_deleted_over_http_with_each_refusal_at_its_true_status() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    app.create_user("acme", "taro", Role::Member).await;
    let member = app.member_client("acme", "taro", GOOD_PASSWORD).await;
    let (status, person) = app.call(&member, "/api/people/create", &PERSON).await;
    assert_eq!(status, 200, "{person}");
    let person = person.as_str().unwrap().to_owned();
    let add = [("person_id", person.as_str()), ("occurred_at", "2026-11-28T10:00"), ("category_id", ""), ("body", "体温 36.5")];
    let (status, record) = app.call(&member, "/api/people/record/add", &add).await;
    assert_eq!(status, 200, "{record}");
    let record = record.as_str().unwrap().to_owned();
    let correct = |version: &'static str, reason: &'static str| {
        [
            ("record_id", record.clone()),
            ("version", version.to_owned()),
            ("occurred_at", "2026-11-28T10:00".to_owned()),
            ("category_id", String::new()),
            ("body", "体温 37.5".to_owned()),
            ("reason", reason.to_owned()),
        ]
    };
    let form = |f: &[(&'static str, String)]| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let send = |f: Vec<(&'static str, String)>, path: &'static str| {
        let (app, member) = (&app, &member);
        async move {
            let borrowed: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(member, path, &borrowed).await
        }
    };
    // No reason: 422, nothing changed.
    let (status, _) = send(form(&correct("0", " ")), "/api/people/record/correct").await;
    assert_eq!(status, 422);
    let (status, v) = send(form(&correct("0", "測り直し")), "/api/people/record/correct").await;
    assert_eq!((status, v), (200, serde_json::json!(1)));
    // A second tab still at version 0: 409, not overwritten.
    let (status, v) = send(form(&correct("0", "別の訂正")), "/api/people/record/correct").await;
    assert_eq!((status, v), (409, serde_json::json!("Stale")));
    let delete = |confirmed: &'static str| {
        vec![
            ("record_id", record.clone()),
            ("version", "1".to_owned()),
            ("reason", "重複して記録".to_owned()),
            ("confirmed", confirmed.to_owned()),
        ]
    };
    let (status, _) = send(delete(""), "/api/people/record/delete").await;
    assert_eq!(status, 422, "a deletion needs its confirmation");
    let (status, _) = send(delete("yes"), "/api/people/record/delete").await;
    assert_eq!(status, 200);
    assert_eq!(app.count("audit_log WHERE action = 'record.corrected'").await, 1);
    assert_eq!(app.count("audit_log WHERE action = 'record.deleted'").await, 1);
    // The member no longer sees it; the admin sees it marked, with its history.
    let (_, page) = app.call(&member, "/api/people/get", &[("id", person.as_str())]).await;
    assert_eq!(page["records"].as_array().unwrap().len(), 0);
    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let (_, page) = app.call(&admin, "/api/people/get", &[("id", person.as_str())]).await;
    let rec = &page["records"][0];
    assert_eq!((rec["deleted"].as_bool(), rec["body"].as_str(), rec["version"].as_i64()), (Some(true), Some("体温 37.5"), Some(1)));
    let reasons: Vec<&str> = rec["history"].as_array().unwrap().iter().filter_map(|h| h["reason"].as_str()).collect();
    assert_eq!(reasons, ["重複して記録", "測り直し"]);
    assert_eq!(rec["history"][1]["prior_body"].as_str(), Some("体温 36.5"));
}
