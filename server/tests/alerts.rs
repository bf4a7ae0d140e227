//! Alerts over HTTP: failed logins open one alert that the operator and the
//! organisation's admins see (and no other organisation's), the operator
//! acknowledges and closes it, and a tampered audit row is reported.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{spawn, GOOD_PASSWORD};
use kura::alerts::AlertRules;
use kura::users::Role;
use serde_json::json;

#[tokio::test]
async fn ten_failed_logins_open_one_alert_seen_by_the_operator_and_that_organisations_admin_only() {
    let app = spawn().await;
    app.create_operator("ops").await;
    for org in ["acme", "beta"] {
        app.create_tenant(org).await;
        app.create_user(org, "boss", Role::Admin).await;
        app.create_user(org, "taro", Role::Member).await;
    }
    // Ten attempts from ten addresses; the account throttle lets five through, then slows the rest.
    let rules = AlertRules { account_failures: 5, ..AlertRules::default() };
    for i in 0..10 {
        let c = common::browser(&app.base);
        let _ = app.login(&c, "acme", "taro", &format!("wrong password {i}")).await;
        kura::alerts::evaluate(&app.services, &rules).await.unwrap();
    }
    let ops = app.operator_client("ops").await;
    let (status, list) = app.call(&ops, "/api/ops/alerts/list", &[]).await;
    assert_eq!(status, 200);
    let list = list.as_array().unwrap().clone();
    let account: Vec<_> = list.iter().filter(|a| a["rule"] == "login_failures_account").collect();
    assert_eq!(account.len(), 1, "{list:#?}");
    assert_eq!(account[0]["organisation"], "acme");
    assert_eq!(app.call(&ops, "/api/ops/alerts/count", &[]).await.1, json!(list.len()));

    let acme_admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let (_, mine) = app.call(&acme_admin, "/api/alerts/list", &[]).await;
    assert!(mine.as_array().unwrap().iter().any(|a| a["rule"] == "login_failures_account"));
    let beta_admin = app.member_client("beta", "boss", GOOD_PASSWORD).await;
    let (_, theirs) = app.call(&beta_admin, "/api/alerts/list", &[]).await;
    assert!(theirs.as_array().unwrap().is_empty(), "{theirs}");
    // Admins see; only operators handle.
    let id = account[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call(&acme_admin, "/api/ops/alerts/close", &[("alert_id", &id)]).await, (403, json!("Forbidden")));
    assert_eq!(
        app.call(&ops, "/api/ops/alerts/acknowledge", &[("alert_id", &id), ("comment", "")]).await,
        (422, json!({ "Invalid": { "field": "comment", "problem": "required" } }))
    );
    assert_eq!(app.call(&ops, "/api/ops/alerts/acknowledge", &[("alert_id", &id), ("comment", "本人に確認済み")]).await.0, 200);
    assert_eq!(app.call(&ops, "/api/ops/alerts/close", &[("alert_id", &id)]).await.0, 200);
    let (_, after) = app.call(&ops, "/api/ops/alerts/list", &[]).await;
    let closed = after.as_array().unwrap().iter().find(|a| a["id"] == id.as_str()).unwrap().clone();
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["comment"], "本人に確認済み");
}

#[tokio::test]
async fn an_audit_row_edited_inserted_or_deleted_by_hand_raises_an_alert_naming_it() {
    let cases = [
        ("UPDATE audit_log SET detail = '{\"x\":1}' WHERE seq = 2", "\"first_bad_seq\":2"),
        // A removed row shows as a gap where it was.
        ("DELETE FROM audit_log WHERE seq = 2", "expected: 2"),
        // A row added at the end without the head knowing of it ($1: the next seq, $2: the last hash).
        (
            "INSERT INTO audit_log (seq, id, at, actor_label, action, result, detail, prev_hash, hash) \
             VALUES ($1, 'forged', 0, 'system', 'login.succeeded', 'success', '{}', $2, $2)",
            "first_bad_seq",
        ),
    ];
    for (tamper, names) in cases {
        let app = spawn().await;
        app.create_operator("ops").await;
        app.create_tenant("acme").await;
        app.create_user("acme", "taro", Role::Member).await;
        let ops = app.operator_client("ops").await;
        assert!(kura::alerts::check_chain(&app.services, &[]).await.unwrap());
        app.db.allow_audit_tampering().await;
        let (last, hash): (i64, Vec<u8>) =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_one(app.db.db.pool()).await.unwrap();
        let q = sqlx::query(tamper);
        let q = if tamper.contains("$1") { q.bind(last + 1).bind(hash) } else { q };
        q.execute(app.db.db.pool()).await.unwrap();
        assert!(!kura::alerts::check_chain(&app.services, &[]).await.unwrap());
        let (_, list) = app.call(&ops, "/api/ops/alerts/list", &[]).await;
        let chain: Vec<_> = list.as_array().unwrap().iter().filter(|a| a["rule"] == "audit_chain_broken").cloned().collect();
        assert_eq!(chain.len(), 1, "{tamper}");
        assert!(chain[0]["detail"].as_str().unwrap().contains(names), "{tamper}: {}", chain[0]["detail"]);
    }
}
