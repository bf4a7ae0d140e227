//! The audit log viewers over HTTP: what each side sees, filters, keyset
//! paging that stays stable while events arrive, and the audited CSV export.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{spawn, TestApp, GOOD_PASSWORD};
use kura::audit::{self, Action, AuditActor, AuditEvent, Outcome};
use kura::ids::TenantId;
use kura::users::Role;
use serde_json::Value;

async fn tenant(app: &TestApp, code: &str) -> TenantId {
    let id: String = sqlx::query_scalar("SELECT id FROM tenants WHERE code = $1").bind(code).fetch_one(app.db.db.pool()).await.unwrap();
    TenantId::parse(&id).unwrap()
}

async fn list(app: &TestApp, client: &reqwest::Client, path: &str, q: &[(&str, &str)]) -> Value {
    let mut form: Vec<(String, String)> =
        ["from", "to", "actor", "action", "result"].iter().map(|k| (format!("query[{k}]"), String::new())).collect();
    for (k, v) in q {
        let key = format!("query[{k}]");
        form.retain(|(f, _)| *f != key);
        form.push((key, (*v).to_owned()));
    }
    let r = client.post(app.url(path)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

async fn world() -> (TestApp, reqwest::Client, reqwest::Client) {
    let app = spawn().await;
    app.create_operator("ops").await;
    for org in ["acme", "beta"] {
        app.create_tenant(org).await;
        app.create_user(org, "boss", Role::Admin).await;
        app.create_user(org, "taro", Role::Member).await;
    }
    let _ = app.login(&common::browser(&app.base), "acme", "taro", "not the password").await;
    let _ = app.login(&common::browser(&app.base), "beta", "taro", "not the password").await;
    let ops = app.operator_client("ops").await;
    let acme = tenant(&app, "acme").await.to_string();
    let (status, _) =
        app.call(&ops, "/api/accounts/create", &[("org", &acme), ("login", "jiro"), ("role", "viewer"), ("method", "link")]).await;
    assert_eq!(status, 200);
    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    (app, ops, admin)
}

fn entries(page: &Value) -> Vec<Value> {
    page["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn admins_see_their_organisation_including_operator_actions_and_operators_see_all() {
    let (app, ops, admin) = world().await;
    let mine = entries(&list(&app, &admin, "/api/audit/list", &[]).await);
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|e| e["organisation"] == "acme"), "{mine:#?}");
    assert!(mine.iter().any(|e| e["action"] == "user.created" && e["actor"] == "ops"), "the operator's action on acme");
    let all = entries(&list(&app, &ops, "/api/ops/audit/list", &[]).await);
    assert!(all.iter().any(|e| e["organisation"] == "beta"));
    assert!(all.iter().any(|e| e["organisation"] == "acme"));
    // Newest first.
    let seqs: Vec<i64> = all.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]));
}

#[tokio::test]
async fn filters_narrow_by_result_action_actor_and_day() {
    let (app, ops, admin) = world().await;
    let failures = entries(&list(&app, &admin, "/api/audit/list", &[("result", "failure")]).await);
    assert!(!failures.is_empty() && failures.iter().all(|e| e["result"] == "failure"));
    let logins = entries(&list(&app, &ops, "/api/ops/audit/list", &[("action", "login.")]).await);
    assert!(!logins.is_empty() && logins.iter().all(|e| e["action"].as_str().unwrap().starts_with("login.")));
    let by_ops = entries(&list(&app, &ops, "/api/ops/audit/list", &[("actor", "OPS")]).await);
    assert!(!by_ops.is_empty() && by_ops.iter().all(|e| e["actor"].as_str().unwrap().contains("ops")));
    let long_ago = entries(&list(&app, &ops, "/api/ops/audit/list", &[("from", "2000-01-01"), ("to", "2000-01-31")]).await);
    assert!(long_ago.is_empty());
    let bad = app
        .call(
            &ops,
            "/api/ops/audit/list",
            &[("query[from]", "yesterday"), ("query[to]", ""), ("query[actor]", ""), ("query[action]", ""), ("query[result]", "")],
        )
        .await;
    assert_eq!(bad.0, 422, "a date that is not one is the caller's mistake");
}

#[tokio::test]
async fn keyset_paging_stays_stable_while_new_events_arrive() {
    let (app, _ops, admin) = world().await;
    let acme = tenant(&app, "acme").await;
    for i in 0..60 {
        let ev = AuditEvent::new(AuditActor::system(), Action::SessionEnded, Outcome::Success).tenant(Some(&acme)).target(format!("t{i}"));
        audit::record(&app.services.db, app.services.clock.now(), &ev).await.unwrap();
    }
    let first = list(&app, &admin, "/api/audit/list", &[]).await;
    assert_eq!(entries(&first).len(), 50);
    let before = first["next_before"].as_i64().unwrap();
    // New events arrive between the pages.
    let ev = AuditEvent::new(AuditActor::system(), Action::SessionEnded, Outcome::Success).tenant(Some(&acme)).target("new");
    audit::record(&app.services.db, app.services.clock.now(), &ev).await.unwrap();
    let before_text = before.to_string();
    let second = list(&app, &admin, "/api/audit/list", &[("before", &before_text)]).await;
    let second_seqs: Vec<i64> = entries(&second).iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(!second_seqs.is_empty());
    assert!(second_seqs.iter().all(|s| *s < before), "only older events, none repeated");
    let first_seqs: Vec<i64> = entries(&first).iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(second_seqs.iter().all(|s| !first_seqs.contains(s)));
}

#[tokio::test]
async fn the_csv_export_is_excel_ready_limited_to_the_organisation_and_itself_audited() {
    let (app, ops, admin) = world().await;
    let r = admin.post(app.url("/admin/audit/export.csv")).form(&[("result", "failure")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"kura-audit-"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("seq,time,organisation,actor,action"));
    assert!(lines.len() >= 2);
    assert!(lines[1..].iter().all(|l| l.contains(",acme,") && l.contains(",failure,")), "{text}");
    assert!(lines[1..].iter().all(|l| l.contains(" JST")), "times carry their zone");
    let exported: Vec<(Option<String>, String)> = sqlx::query_as("SELECT tenant_id, detail FROM audit_log WHERE action = 'audit.exported'")
        .fetch_all(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].0.as_deref(), Some(tenant(&app, "acme").await.as_str()));
    assert!(exported[0].1.contains(&format!("\"rows\":{}", lines.len() - 1)));

    let r = ops.post(app.url("/ops/audit/export.csv")).form(&[("result", "")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains(",beta,") && text.contains(",acme,"));
    // A member is kept out of the admin export.
    let member = app.member_client("acme", "taro", GOOD_PASSWORD).await;
    let r = member.post(app.url("/admin/audit/export.csv")).form(&[("result", "")]).send().await.unwrap();
    assert_ne!(r.status(), 200);
}

#[tokio::test]
async fn the_log_reads_in_words_names_people_for_admins_only_and_refuses_an_unknown_action() {
    let (app, ops, admin) = world().await;
    let (status, _) = app.call(&admin, "/api/people/create", &common::PERSON).await;
    assert_eq!(status, 200);
    let created = |entries: &[Value]| entries.iter().find(|e| e["action"] == "person.created").cloned().expect("person.created");
    let mine = entries(&list(&app, &admin, "/api/audit/list", &[("action", "person.")]).await);
    let e = created(&mine);
    assert_eq!((e["action_label"].as_str(), e["result_label"].as_str()), (Some("利用者の登録"), Some("成功")));
    assert_eq!(e["actor"], "boss");
    assert_eq!(e["target"], "利用者: 山田 太郎", "the admin reads people: the person's name");
    let jiro = entries(&list(&app, &admin, "/api/audit/list", &[("action", "user.created")]).await);
    assert!(jiro.iter().any(|e| e["target"] == "アカウント: jiro"), "{jiro:#?}");
    let failed = entries(&list(&app, &admin, "/api/audit/list", &[("action", "login.failed")]).await);
    assert!(failed.iter().all(|e| e["result_label"] == "失敗" && e["action_label"] == "ログイン失敗"));
    // Operators never read people data: the target is a person, unnamed.
    let all = entries(&list(&app, &ops, "/api/ops/audit/list", &[("action", "person.created")]).await);
    assert_eq!(created(&all)["target"], "利用者");
    assert!(!serde_json::to_string(&all).unwrap().contains("山田"));
    // A filter that names no action selects nothing: refused.
    for bad in ["person", "logi", "no.such_action", "login.%"] {
        let (status, _) = app
            .call(
                &admin,
                "/api/audit/list",
                &[("query[from]", ""), ("query[to]", ""), ("query[actor]", ""), ("query[action]", bad), ("query[result]", "")],
            )
            .await;
        assert_eq!(status, 422, "{bad}");
    }
}
