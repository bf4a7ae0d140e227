//! The consoles over real HTTP: the journey and its audit trail, bad input,
//! restrictions taking effect on the next request, re-entry of the operator's
//! password, and the account page's sessions.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{spawn, spawn_with_clock, TestApp, GOOD_PASSWORD};
use kura::users::Role;
use kura::ManualClock;
use serde_json::{json, Value};

fn invalid(field: &str, problem: &str) -> (u16, Value) {
    (422, json!({ "Invalid": { "field": field, "problem": problem } }))
}

async fn tenant_id(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT id FROM tenants WHERE code = $1").bind(code).fetch_one(app.db.db.pool()).await.unwrap()
}

async fn user_id(app: &TestApp, code: &str, login: &str) -> String {
    sqlx::query_scalar("SELECT u.id FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.code = $1 AND u.login = $2")
        .bind(code)
        .bind(login)
        .fetch_one(app.db.db.pool())
        .await
        .unwrap()
}

/// (action, actor_user_id, tenant_id, target, client_ip, result) of every audit row.
async fn audit_rows(app: &TestApp) -> Vec<(String, Option<String>, Option<String>, Option<String>, Option<String>, String)> {
    sqlx::query_as("SELECT action, actor_user_id, tenant_id, target, client_ip, result FROM audit_log ORDER BY seq")
        .fetch_all(app.db.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_journey_is_audited_with_who_which_organisation_what_target_and_address() {
    let app = spawn().await;
    app.create_operator("ops").await;
    let ops = app.operator_client("ops").await;
    let ops_id: String = sqlx::query_scalar("SELECT id FROM users WHERE login = 'ops'").fetch_one(app.db.db.pool()).await.unwrap();

    let (status, created) = app
        .call(
            &ops,
            "/api/ops/tenants/create",
            &[
                ("org_code", "acme"),
                ("name", "アクメ株式会社"),
                ("contract_start", "2026-04-01"),
                ("emails", "it@acme.example"),
                ("phone", "03-1234-5678"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let acme = created.as_str().unwrap().to_owned();
    assert_eq!(acme, tenant_id(&app, "acme").await);
    let key_rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM tenant_keys WHERE tenant_id = $1").bind(&acme).fetch_one(app.db.db.pool()).await.unwrap();
    assert_eq!(key_rows, 1, "the organisation got its wrapped data key");

    let (status, issued) =
        app.call(&ops, "/api/accounts/create", &[("org", &acme), ("login", "yamada"), ("role", "admin"), ("method", "link")]).await;
    assert_eq!(status, 200, "{issued}");
    assert!(issued["temporary_password"].is_null(), "the operator never sees the admin's password");
    let link = issued["setup_link"].as_str().unwrap();
    let token = link.split('#').nth(1).unwrap();
    assert!(link.starts_with(&format!("{}/setup#", app.base)), "{link}");
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM setup_tokens").fetch_all(app.db.db.pool()).await.unwrap();
    assert!(stored.iter().all(|h| h != token), "only a hash of the token is stored");
    let yamada = user_id(&app, "acme", "yamada").await;

    let anon = common::browser(&app.base);
    let (_, info) = app.call(&anon, "/api/setup/inspect", &[("token", token)]).await;
    assert_eq!(info["login"], "yamada");
    let pw = "yamada chooses a passphrase";
    let (status, _) = app.call(&anon, "/api/setup/complete", &[("token", token), ("new", pw), ("confirm", pw)]).await;
    assert_eq!(status, 200);
    assert_eq!(app.call(&anon, "/api/setup/complete", &[("token", token), ("new", pw), ("confirm", pw)]).await, (404, json!("NotFound")));

    let admin = app.member_client("acme", "yamada", pw).await;
    let (_, issued) = app.call(&admin, "/api/accounts/create", &[("login", "suzuki"), ("role", "member"), ("method", "temporary")]).await;
    let temporary = issued["temporary_password"].as_str().unwrap().to_owned();
    let suzuki = user_id(&app, "acme", "suzuki").await;
    let member = app.member_client("acme", "suzuki", &temporary).await;
    let (status, _) = app
        .call(
            &member,
            "/api/change-password",
            &[("current", &temporary), ("new", "suzuki has a passphrase"), ("confirm", "suzuki has a passphrase")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.me(&member).await["org_code"], "acme");
    let (status, _) = app.call(&admin, "/api/accounts/enabled", &[("user_id", &suzuki), ("enabled", "false")]).await;
    assert_eq!(status, 200);
    assert!(app.me(&member).await.is_null(), "the member is logged out at the next request");

    let rows = audit_rows(&app).await;
    let find = |action: &str, actor: Option<&str>, target: &str| {
        rows.iter().any(|(a, who, tenant, t, ip, result)| {
            a == action
                && who.as_deref() == actor
                && tenant.as_deref() == Some(acme.as_str())
                && t.as_deref() == Some(target)
                && ip.as_deref() == Some("127.0.0.1")
                && result == "success"
        })
    };
    assert!(find("tenant.created", Some(&ops_id), &acme), "{rows:#?}");
    assert!(find("user.created", Some(&ops_id), &yamada));
    assert!(find("setup_link.used", Some(&yamada), &yamada));
    assert!(find("login.succeeded", Some(&yamada), &yamada));
    assert!(find("user.created", Some(&yamada), &suzuki));
    assert!(find("password.changed", Some(&suzuki), &suzuki));
    assert!(find("user.disabled", Some(&yamada), &suzuki));
    // No secret reached the audit log.
    let details: Vec<String> = sqlx::query_scalar("SELECT detail FROM audit_log").fetch_all(app.db.db.pool()).await.unwrap();
    for d in &details {
        assert!(!d.contains(token) && !d.contains(&temporary) && !d.contains(pw), "{d}");
    }
    assert!(kura::audit::verify(&app.services.db).await.unwrap().is_intact());
}

#[tokio::test]
async fn bad_organisation_input_is_named_by_field_and_saves_nothing() {
    let app = spawn().await;
    app.create_operator("ops").await;
    app.create_tenant("acme").await;
    let ops = app.operator_client("ops").await;
    let good = [
        ("org_code", "newco"),
        ("name", "New Co"),
        ("contract_start", "2026-04-01"),
        ("emails", "a@newco.example"),
        ("phone", "03-1234-5678"),
    ];
    let long_name = "名".repeat(101);
    let long_code = "a".repeat(33);
    let cases: Vec<(&str, &str, (u16, Value))> = vec![
        ("org_code", "", invalid("org_code", "required")),
        ("org_code", "new co", invalid("org_code", "format")),
        ("org_code", "アクメ", invalid("org_code", "format")),
        ("org_code", &long_code, invalid("org_code", "too_long")),
        ("org_code", "acme", invalid("org_code", "taken")),
        ("name", "", invalid("name", "required")),
        ("name", "   ", invalid("name", "required")),
        ("name", &long_name, invalid("name", "too_long")),
        ("contract_start", "", invalid("contract_start", "required")),
        ("contract_start", "2026-02-30", invalid("contract_start", "format")),
        ("emails", "", invalid("emails", "required")),
        ("emails", "info.newco.example", invalid("emails", "format")),
        ("phone", "call me", invalid("phone", "format")),
    ];
    let before = (app.count("tenants").await, app.count("tenant_keys").await, app.count("audit_log").await);
    for (field, value, expected) in cases {
        let form: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, if *k == field { value } else { *v })).collect();
        assert_eq!(app.call(&ops, "/api/ops/tenants/create", &form).await, expected, "{field} = {value:?}");
    }
    assert_eq!((app.count("tenants").await, app.count("tenant_keys").await, app.count("audit_log").await), before);
}

#[tokio::test]
async fn bad_account_input_is_named_by_field_and_saves_nothing() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let long = "a".repeat(65);
    let cases = [
        ("", "member", invalid("login", "required")),
        (long.as_str(), "member", invalid("login", "too_long")),
        ("山田", "member", invalid("login", "format")),
        ("ya mada", "member", invalid("login", "format")),
        ("boss", "member", invalid("login", "taken")),
        ("yamada", "operator", invalid("role", "unknown")),
        ("yamada", "root", invalid("role", "unknown")),
    ];
    let before = app.count("users").await;
    for (login, role, expected) in cases {
        let got = app.call(&admin, "/api/accounts/create", &[("login", login), ("role", role), ("method", "temporary")]).await;
        assert_eq!(got, expected, "{login:?} {role}");
    }
    assert_eq!(app.count("users").await, before);
}

#[tokio::test]
async fn a_role_change_applies_to_the_next_request_without_logging_in_again() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    app.create_user("acme", "taro", Role::Admin).await;
    let boss = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let taro = app.member_client("acme", "taro", GOOD_PASSWORD).await;
    assert_eq!(app.call(&taro, "/api/accounts/list", &[("search", ""), ("page", "0")]).await.0, 200);
    let taro_id = user_id(&app, "acme", "taro").await;
    assert_eq!(app.call(&boss, "/api/accounts/role", &[("user_id", &taro_id), ("role", "viewer")]).await.0, 200);
    assert_eq!(app.me(&taro).await["role"], "viewer");
    assert_eq!(app.call(&taro, "/api/accounts/list", &[("search", ""), ("page", "0")]).await, (403, json!("Forbidden")));
    // The last admin cannot demote themselves.
    let boss_id = user_id(&app, "acme", "boss").await;
    assert_eq!(app.call(&boss, "/api/accounts/role", &[("user_id", &boss_id), ("role", "member")]).await, invalid("user", "last_admin"));
    assert_eq!(app.call(&boss, "/api/accounts/delete", &[("user_id", &boss_id), ("confirmed", "yes")]).await, invalid("user", "self"));
}

#[tokio::test]
async fn suspending_an_organisation_logs_its_people_out_and_resuming_lets_them_back() {
    let app = spawn().await;
    app.create_operator("ops").await;
    app.create_tenant("acme").await;
    app.create_user("acme", "taro", Role::Member).await;
    let ops = app.operator_client("ops").await;
    let taro = app.member_client("acme", "taro", GOOD_PASSWORD).await;
    let acme = tenant_id(&app, "acme").await;
    assert_eq!(app.call(&ops, "/api/ops/tenants/suspend", &[("tenant_id", &acme), ("suspended", "true")]).await.0, 200);
    assert!(app.me(&taro).await.is_null());
    assert_eq!(app.login(&common::browser(&app.base), "acme", "taro", GOOD_PASSWORD).await.status(), 401);
    let (_, t) = app.call(&ops, "/api/ops/tenants/get", &[("tenant_id", &acme)]).await;
    assert_eq!(t["status"], "suspended");
    assert_eq!(app.call(&ops, "/api/ops/tenants/suspend", &[("tenant_id", &acme), ("suspended", "false")]).await.0, 200);
    app.member_client("acme", "taro", GOOD_PASSWORD).await;
}

#[tokio::test]
async fn an_admin_ends_a_users_sessions_and_a_person_ends_their_own_other_session() {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    app.create_user("acme", "taro", Role::Member).await;
    let boss = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let laptop = app.member_client("acme", "taro", GOOD_PASSWORD).await;
    let phone = app.member_client("acme", "taro", GOOD_PASSWORD).await;

    let (_, mine) = app.call(&laptop, "/api/account/sessions", &[]).await;
    let mine = mine.as_array().unwrap().clone();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine.iter().filter(|s| s["current"] == true).count(), 1);
    assert_eq!(mine[0]["ip"], "127.0.0.1");
    let other = mine.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call(&laptop, "/api/account/sessions/end", &[("session", &other), ("confirmed", "yes")]).await.0, 200);
    assert!(app.me(&phone).await.is_null(), "the other session ended");
    assert!(!app.me(&laptop).await.is_null());

    let taro_id = user_id(&app, "acme", "taro").await;
    let (_, listed) = app.call(&boss, "/api/accounts/sessions", &[("user_id", &taro_id)]).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(app.call(&boss, "/api/accounts/sessions/revoke", &[("user_id", &taro_id), ("confirmed", "yes")]).await, (200, json!(1)));
    assert!(app.me(&laptop).await.is_null());
}

#[tokio::test]
async fn operators_reenter_their_password_after_ten_minutes_before_a_change() {
    let clock = Arc::new(ManualClock::starting_now());
    let app = spawn_with_clock(clock.clone()).await;
    app.create_operator("ops").await;
    app.create_tenant("acme").await;
    let ops = app.operator_client("ops").await;
    let acme = tenant_id(&app, "acme").await;
    let create = |login: &'static str| {
        let acme = acme.clone();
        let (app, ops) = (&app, &ops);
        async move { app.call(ops, "/api/accounts/create", &[("org", &acme), ("login", login), ("role", "member"), ("method", "link")]).await }
    };
    assert_eq!(create("one").await.0, 200);
    clock.advance(Duration::from_secs(11 * 60));
    assert_eq!(create("two").await, (403, json!("ReauthRequired")));
    assert_eq!(app.call(&ops, "/api/ops/tenants/get", &[("tenant_id", &acme)]).await.0, 200, "reading needs no re-entry");
    assert_eq!(app.call(&ops, "/api/ops/reauth", &[("password", "not my password")]).await, (422, json!("CurrentPasswordWrong")));
    assert_eq!(app.call(&ops, "/api/ops/reauth", &[("password", GOOD_PASSWORD)]).await.0, 200);
    assert_eq!(create("two").await.0, 200);
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'reauth.%' ORDER BY seq")
        .fetch_all(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(actions, ["reauth.failed", "reauth.succeeded"]);
}

#[tokio::test]
async fn the_last_active_operator_cannot_be_disabled() {
    let app = spawn().await;
    app.create_operator("ops").await;
    let ops = app.operator_client("ops").await;
    let id: String = sqlx::query_scalar("SELECT id FROM users WHERE login = 'ops'").fetch_one(app.db.db.pool()).await.unwrap();
    assert_eq!(
        app.call(&ops, "/api/ops/operators/enabled", &[("user_id", &id), ("enabled", "false")]).await,
        invalid("user", "last_operator")
    );
    let (status, created) = app.call(&ops, "/api/ops/operators/create", &[("login", "second")]).await;
    assert_eq!(status, 200);
    assert_eq!(created["temporary_password"].as_str().unwrap().len(), 16);
    let (_, list) = app.call(&ops, "/api/ops/operators/list", &[("search", ""), ("page", "0")]).await;
    assert_eq!(list["total"], 2);
}
