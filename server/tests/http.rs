//! The server over real HTTP: pages, headers, CSRF, login, sessions.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{spawn, GOOD_PASSWORD};
use kura::audit::{AuditActor, ClientInfo};
use kura::users::{Role, UserStatus};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_login_page_is_server_rendered_with_a_nonce_on_its_scripts() {
    let app = spawn().await;
    let r = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let html = r.text().await.unwrap();
    assert!(html.contains("組織コード") && html.contains("ユーザーID") && html.contains("パスワード"));
    assert!(html.contains("/pkg/kura.js") && html.contains("/pkg/kura"), "loads the WASM bundle");
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("nonce in CSP");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "scripts carry the response's nonce");
    assert!(!csp.contains("unsafe-inline"));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn().await;
    for path in ["/login", "/healthz", "/api/me", "/no-such-page"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["cache-control"], "no-store", "{path}");
    }
}

#[tokio::test]
async fn an_unknown_page_is_a_404_page() {
    let app = spawn().await;
    let r = app.client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_post_from_a_foreign_origin_is_refused_and_changes_nothing() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "taro", Role::Member).await;
    let audit_before = app.count("audit_log").await;
    let foreign = reqwest::Client::builder().cookie_store(true).build().unwrap();
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let mut req = foreign.post(app.url("/api/login")).form(&[("org", "acme"), ("login", "taro"), ("password", GOOD_PASSWORD)]);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 403, "origin {origin:?}");
        assert!(r.headers().get("set-cookie").is_none());
    }
    // A browser's same-origin fetch without Origin is accepted.
    let r = foreign.post(app.url("/api/me")).header("sec-fetch-site", "same-origin").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.count("audit_log").await, audit_before, "nothing was recorded, nothing changed");
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn a_member_logs_in_sees_who_they_are_and_the_session_id_is_renewed() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "taro", Role::Member).await;
    // An anonymous session exists first (e.g. planted by an attacker).
    let r = app.login(&app.client, "acme", "taro", "not the password").await;
    assert_eq!(r.status(), 401);
    let r = app.login(&app.client, "acme", "taro", GOOD_PASSWORD).await;
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("kura_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"));
    assert_eq!(r.json::<String>().await.unwrap(), "/");
    let me = app.me(&app.client).await;
    assert_eq!(me["login"], "taro");
    assert_eq!(me["org_code"], "acme");
    assert_eq!(me["role"], "member");
    // The home page renders for them.
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The stored session is indexed by user and its id is not stored in clear.
    let session_id = cookie.split(';').next().unwrap().trim_start_matches("kura_session=");
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT id_hash FROM sessions WHERE user_id IS NOT NULL").fetch_all(app.db.db.pool()).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], session_id);
    assert_eq!(stored[0], kura::sessions::id_hash(session_id));
}

#[tokio::test]
async fn wrong_password_unknown_user_and_unknown_organisation_look_the_same() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "taro", Role::Member).await;
    let mut answers = Vec::new();
    let mut timings = Vec::new();
    for (org, login) in [("acme", "taro"), ("acme", "nobody"), ("nowhere", "taro")] {
        let fresh = common::browser(&app.base);
        let started = Instant::now();
        let r = app.login(&fresh, org, login, "a wrong password").await;
        timings.push(started.elapsed());
        answers.push((r.status(), r.text().await.unwrap()));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].1, "\"InvalidCredentials\"");
    // Each path verifies one Argon2id hash; none returns early.
    let slowest = timings.iter().max().unwrap().as_secs_f64();
    let fastest = timings.iter().min().unwrap().as_secs_f64();
    assert!(fastest > slowest / 4.0, "timings differ too much: {timings:?}");
}

#[tokio::test]
async fn the_sixth_rapid_wrong_password_is_slowed_and_the_owner_gets_in_after_the_delay() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "taro", Role::Member).await;
    for i in 0..5 {
        let r = app.login(&app.client, "acme", "taro", "a wrong password").await;
        assert_eq!(r.text().await.unwrap(), "\"InvalidCredentials\"", "attempt {}", i + 1);
    }
    let r = app.login(&app.client, "acme", "taro", "a wrong password").await;
    let body = r.text().await.unwrap();
    assert!(body.contains("Throttled"), "{body}");
    let r = app.login(&app.client, "acme", "taro", GOOD_PASSWORD).await;
    assert!(r.text().await.unwrap().contains("Throttled"), "the delay holds for everyone");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = app.login(&app.client, "acme", "taro", GOOD_PASSWORD).await;
    assert_eq!(r.status(), 200, "no permanent lock-out");
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq").fetch_all(app.db.db.pool()).await.unwrap();
    assert!(actions.iter().any(|a| a == "login.throttled"));
    assert!(actions.iter().any(|a| a == "login.blocked"));
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "taro", Role::Member).await;
    app.login(&app.client, "acme", "taro", GOOD_PASSWORD).await;
    let cookie_jar_copy = {
        // A second client holding a copy of the same cookie (a stolen cookie).
        let r = app.login(&app.client, "acme", "taro", GOOD_PASSWORD).await;
        r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
    };
    let r = app.client.post(app.url("/api/logout")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.me(&app.client).await, serde_json::Value::Null);
    let thief = common::browser(&app.base);
    let r = thief.post(app.url("/api/me")).header("cookie", cookie_jar_copy).send().await.unwrap();
    assert_eq!(r.json::<serde_json::Value>().await.unwrap(), serde_json::Value::Null);
    let user_sessions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL").fetch_one(app.db.db.pool()).await.unwrap();
    assert_eq!(user_sessions, 0);
}

#[tokio::test]
async fn a_disabled_user_loses_their_session_at_once() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "taro", Role::Member).await;
    app.login(&app.client, "acme", "taro", GOOD_PASSWORD).await;
    assert_eq!(app.me(&app.client).await["login"], "taro");
    kura::provisioning::set_user_status(&app.services, &AuditActor::cli(), "acme", "taro", UserStatus::Disabled, &ClientInfo::cli())
        .await
        .unwrap();
    assert_eq!(app.me(&app.client).await, serde_json::Value::Null);
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
}

#[tokio::test]
async fn a_temporary_password_must_be_changed_before_anything_else() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    let temp = app.create_user_with_temporary_password("acme", "hanako").await;
    let r = app.login(&app.client, "acme", "hanako", &temp).await;
    assert_eq!(r.json::<String>().await.unwrap(), "/change-password");
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/change-password");
    let r = app
        .post_form(&app.client, "/api/change-password", &[("current", &temp), ("new", "password1234"), ("confirm", "password1234")])
        .await;
    assert_eq!(r.text().await.unwrap(), r#"{"WeakPassword":{"issue":"Common"}}"#);
    let r =
        app.post_form(&app.client, "/api/change-password", &[("current", &temp), ("new", GOOD_PASSWORD), ("confirm", GOOD_PASSWORD)]).await;
    assert_eq!(r.json::<String>().await.unwrap(), "/", "after the change the member goes home");
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200, "home is open after the change");
    assert_eq!(app.me(&app.client).await["must_change_password"], false);
}

#[tokio::test]
async fn operators_log_in_without_an_organisation_code_and_stay_out_of_tenant_pages() {
    let app = spawn().await;
    kura::provisioning::create_operator(
        &app.services,
        &AuditActor::cli(),
        "ops1",
        kura::provisioning::InitialPassword::Chosen(kura::auth::password::Password::new(GOOD_PASSWORD.into())),
        &ClientInfo::cli(),
    )
    .await
    .unwrap();
    let r = app.post_form(&app.client, "/api/ops/login", &[("login", "ops1"), ("password", GOOD_PASSWORD)]).await;
    assert_eq!(r.json::<String>().await.unwrap(), "/ops");
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/ops");
    // An operator's name does not work at the tenant login.
    let other = common::browser(&app.base);
    app.create_tenant("acme").await;
    let r = app.login(&other, "acme", "ops1", GOOD_PASSWORD).await;
    assert_eq!(r.text().await.unwrap(), "\"InvalidCredentials\"");
}

#[tokio::test]
async fn the_language_switch_sets_a_cookie_and_the_page_follows_it() {
    let app = spawn().await;
    let r = app.client.get(app.url("/lang/en?next=/login")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    let html = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"en\"") && html.contains("Organisation code"));
}

#[tokio::test]
async fn a_failed_plain_form_post_comes_back_to_its_page_with_the_error_shown() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "taro", Role::Member).await;
    let failed = "組織コード、ユーザーID、またはパスワードが正しくありません。";
    // A browser without JavaScript posts the login form itself.
    let r = app
        .client
        .post(app.url("/api/login"))
        .header(reqwest::header::ACCEPT, "text/html")
        .header(reqwest::header::REFERER, app.url("/login"))
        .form(&[("org", "acme"), ("login", "taro"), ("password", "not the password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "back to the page, not a JSON error");
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with(&app.url("/login")) && back.contains("__err="), "{back}");
    let page = app.client.get(&back).send().await.unwrap().text().await.unwrap();
    // (leptos_router reads `__err` into the form's action on the server too.)
    assert!(page.contains(failed), "the error is on the page, rendered by the server");
    let clean = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(!clean.contains(failed));
}
