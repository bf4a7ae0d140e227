//! Sessions at rest and at their end: no form of a session id is stored
//! anywhere (a copy of the database rebuilds no cookie), and a session that
//! was ended stays ended, even when a request that began before its end
//! writes to it afterwards, or when its row comes back.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use common::{browser, spawn, TestApp, GOOD_PASSWORD};
use kura::users::Role;
use kura::Backend;
use kura_server::web::session_store::DbSessionStore;
use sqlx::{Column, Row};
use tower_sessions::session::Id;
use tower_sessions::session_store::SessionStore;

/// Logs in and returns the session cookie's value.
async fn cookie_of(app: &TestApp, path: &str, form: &[(&str, &str)]) -> String {
    let r = app.post_form(&browser(&app.base), path, form).await;
    assert_eq!(r.status(), 200, "{path}");
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    set.split(';').next().unwrap().split_once('=').unwrap().1.to_owned()
}

async fn tenant_cookie(app: &TestApp, login: &str) -> String {
    cookie_of(app, "/api/login", &[("org", "acme"), ("login", login), ("password", GOOD_PASSWORD)]).await
}

/// Who a request with this cookie value is (`null` when nobody).
async fn me_with(app: &TestApp, cookie: &str) -> serde_json::Value {
    let r = reqwest::Client::new()
        .post(app.url("/api/me"))
        .header("cookie", format!("kura_session={cookie}"))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    r.json().await.unwrap()
}

/// Every encoding of the id behind a cookie that one could search a dump for.
fn encodings(cookie: &str) -> Vec<Vec<u8>> {
    let raw = URL_SAFE_NO_PAD.decode(cookie).unwrap();
    let le: [u8; 16] = raw.clone().try_into().unwrap();
    let n = i128::from_le_bytes(le);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let mut be = raw.clone();
    be.reverse();
    let mut forms: Vec<String> = vec![
        n.to_string(),
        (n as u128).to_string(),
        hex(&raw),
        hex(&be),
        STANDARD.encode(&raw),
        URL_SAFE.encode(&raw),
        URL_SAFE_NO_PAD.encode(&raw),
        STANDARD.encode(&be),
    ];
    forms.extend(forms.clone().iter().map(|f| f.to_uppercase()));
    let mut out: Vec<Vec<u8>> = forms.into_iter().map(String::into_bytes).collect();
    out.push(raw);
    out.push(be);
    out
}

async fn table_names(app: &TestApp) -> Vec<String> {
    let sql = match app.db.db.backend() {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        Backend::Postgres => "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema()",
    };
    let names: Vec<String> = sqlx::query_scalar(sql).fetch_all(app.db.db.pool()).await.unwrap();
    // sqlx's own bookkeeping (migration checksums) holds no request data.
    names.into_iter().filter(|n| n != "_sqlx_migrations").collect()
}

/// Every value of every column of every table, as bytes, with where it is.
async fn every_value(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for table in table_names(app).await {
        let rows = sqlx::query(&format!("SELECT * FROM {table}")).fetch_all(app.db.db.pool()).await.unwrap();
        for row in rows {
            for col in row.columns() {
                let i = col.ordinal();
                let bytes = if let Ok(Some(s)) = row.try_get::<Option<String>, _>(i) {
                    s.into_bytes()
                } else if let Ok(Some(b)) = row.try_get::<Option<Vec<u8>>, _>(i) {
                    b
                } else if let Ok(Some(n)) = row.try_get::<Option<i64>, _>(i) {
                    n.to_string().into_bytes()
                } else {
                    continue;
                };
                out.push((format!("{table}.{}", col.name()), bytes));
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn world() -> TestApp {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    app.create_user("acme", "taro", Role::Member).await;
    app.create_user("acme", "hana", Role::Viewer).await;
    app.create_operator("ops").await;
    app
}

#[tokio::test]
async fn no_column_of_any_table_holds_a_session_id_and_stored_data_rebuilds_no_cookie() {
    let app = world().await;
    let mut cookies = vec![cookie_of(&app, "/api/ops/login", &[("login", "ops"), ("password", GOOD_PASSWORD)]).await];
    for login in ["boss", "taro", "hana"] {
        cookies.push(tenant_cookie(&app, login).await);
    }
    for c in &cookies {
        assert!(!me_with(&app, c).await.is_null(), "the cookie works");
    }
    let values = every_value(&app).await;
    assert!(values.iter().any(|(at, _)| at.starts_with("sessions.")), "the scan reads the sessions table");
    for cookie in &cookies {
        for form in encodings(cookie) {
            for (at, value) in &values {
                assert!(!contains(value, &form), "{at} holds the session id as {:?}", String::from_utf8_lossy(&form));
            }
        }
    }
    // Whatever a reader of the database might try as a cookie is refused.
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT id_hash, data FROM sessions").fetch_all(app.db.db.pool()).await.unwrap();
    assert_eq!(rows.len(), 4);
    for (hash, data) in rows {
        let data: serde_json::Value = serde_json::from_slice(&data).unwrap();
        assert!(data.get("id").is_none(), "{data}");
        let hash_bytes: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&hash[2 * i..2 * i + 2], 16).unwrap()).collect();
        for forged in [hash.clone(), URL_SAFE_NO_PAD.encode(&hash_bytes), URL_SAFE_NO_PAD.encode(hash.as_bytes())] {
            assert!(me_with(&app, &forged).await.is_null(), "{forged}");
        }
    }
}

/// The copy of a session a request holds while it runs.
async fn in_flight(app: &TestApp, cookie: &str) -> (DbSessionStore, tower_sessions::session::Record) {
    let store = DbSessionStore::new(app.services.clone());
    let id: Id = cookie.parse().unwrap();
    let record = store.load(&id).await.unwrap().expect("a live session");
    (store, record)
}

#[tokio::test]
async fn a_request_that_finishes_after_its_session_was_ended_does_not_bring_it_back() {
    let app = world().await;
    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let taro_id: String = sqlx::query_scalar("SELECT id FROM users WHERE login = 'taro'").fetch_one(app.db.db.pool()).await.unwrap();

    // Ended by its owner (log out), by an admin, by the owner from another device.
    for how in ["logout", "admin", "owner elsewhere"] {
        let cookie = tenant_cookie(&app, "taro").await;
        let (store, mut record) = in_flight(&app, &cookie).await;
        match how {
            "logout" => {
                let r = reqwest::Client::new()
                    .post(app.url("/api/logout"))
                    .header("cookie", format!("kura_session={cookie}"))
                    .header("origin", &app.base)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
            }
            "admin" => {
                let (status, body) =
                    app.call(&admin, "/api/accounts/sessions/revoke", &[("user_id", &taro_id), ("confirmed", "yes")]).await;
                assert_eq!(status, 200, "{body}");
            }
            _ => {
                let other = app.member_client("acme", "taro", GOOD_PASSWORD).await;
                let (_, list) = app.call(&other, "/api/account/sessions", &[]).await;
                let hash = list.as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
                let (status, body) = app.call(&other, "/api/account/sessions/end", &[("session", &hash), ("confirmed", "yes")]).await;
                assert_eq!(status, 200, "{body}");
            }
        }
        assert!(me_with(&app, &cookie).await.is_null(), "{how}: ended");
        // The request that was in flight finishes: it marks the session used and saves it.
        record.data.insert("kura.seen_at".into(), serde_json::json!(app.services.clock.now().as_millis()));
        store.save(&record).await.unwrap();
        assert!(me_with(&app, &cookie).await.is_null(), "{how}: still ended after the late write");
    }
}

#[tokio::test]
async fn a_password_change_ends_older_sessions_even_if_their_rows_come_back() {
    let app = world().await;
    let old = tenant_cookie(&app, "taro").await;
    let (store, mut record) = in_flight(&app, &old).await;
    let current = app.member_client("acme", "taro", GOOD_PASSWORD).await;
    let (status, body) = app
        .call(
            &current,
            "/api/change-password",
            &[("current", GOOD_PASSWORD), ("new", "a brand new pass phrase"), ("confirm", "a brand new pass phrase")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.me(&current).await["login"], "taro", "the session that changed it carries on");
    assert!(me_with(&app, &old).await.is_null());
    // The old row restored as it was (a late upsert, a restored copy): still refused.
    store.create(&mut record).await.unwrap();
    assert_eq!(record.id, old.parse::<Id>().unwrap(), "the very same id is back in the store");
    assert!(me_with(&app, &old).await.is_null(), "an older credential generation is refused");
    // An admin's reset does the same to the session that changed it.
    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let taro_id: String = sqlx::query_scalar("SELECT id FROM users WHERE login = 'taro'").fetch_one(app.db.db.pool()).await.unwrap();
    let (status, body) = app.call(&admin, "/api/accounts/reset", &[("user_id", &taro_id), ("method", "temporary")]).await;
    assert_eq!(status, 200, "{body}");
    assert!(app.me(&current).await.is_null(), "reset ends every session of the account");
}
