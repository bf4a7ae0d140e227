use super::*;
use crate::auth::password::Password;
use crate::auth::{LoginRequest, Realm};
use crate::provisioning::{self, InitialPassword};
use crate::testing::World;
use crate::users::Role;
use crate::ManualClock;

async fn world() -> World {
    // 2026-11-30 12:00 JST, a Monday inside business hours.
    let w = World::at(ManualClock::new(Timestamp::from_millis(1_796_007_600_000))).await;
    let s = &w.s;
    for org in ["acme", "beta"] {
        provisioning::create_tenant(s, &AuditActor::cli(), org, org, &ClientInfo::cli()).await.expect("tenant");
        provisioning::create_user(s, &AuditActor::cli(), org, "taro", Role::Member, good(), &ClientInfo::cli()).await.expect("user");
    }
    provisioning::create_operator(s, &AuditActor::cli(), "ops", good(), &ClientInfo::cli()).await.expect("operator");
    w
}

fn good() -> InitialPassword {
    InitialPassword::Chosen(Password::new("correct horse battery staple".into()))
}

async fn login(w: &World, realm: Realm, org: &str, user: &str, password: &str, ip: &str) -> CoreResult<Actor> {
    let client = ClientInfo::web(ip.parse().ok(), None);
    crate::auth::login(&w.s, LoginRequest { realm, org_code: org, login: user, password: Password::new(password.into()), client: &client })
        .await
}

async fn alerts(w: &World) -> Vec<(String, String, i64)> {
    sqlx::query_as("SELECT rule, state, events FROM alerts ORDER BY first_at").fetch_all(w.t.db.pool()).await.expect("alerts")
}

#[tokio::test]
async fn ten_failed_logins_for_one_account_open_exactly_one_alert_that_counts_the_rest() {
    let w = world().await;
    for i in 0..12 {
        // Waiting out the throttle delay each time, so every attempt is a real failure.
        w.clock.advance(Duration::from_secs(if i < 5 { 1 } else { 70 }));
        let _ = login(&w, Realm::Tenant, "acme", "taro", "wrong password!!", &format!("192.0.2.{i}")).await;
        evaluate(&w.s, &AlertRules { login_window: Duration::from_secs(10 * 60), ..AlertRules::default() }).await.expect("evaluate");
    }
    let found = alerts(&w).await;
    let account: Vec<_> = found.iter().filter(|a| a.0 == rule::ACCOUNT_FAILURES).collect();
    assert_eq!(account.len(), 1, "{found:?}");
    assert_eq!(account[0].2, 3, "the 10th, 11th and 12th failures count on the same alert");
    assert!(found.iter().all(|a| a.0 != rule::ADDRESS_FAILURES), "every attempt came from another address");
}

#[tokio::test]
async fn alerts_about_an_organisation_are_its_admins_and_transitions_are_audited() {
    let w = world().await;
    for _ in 0..10 {
        w.clock.advance(Duration::from_secs(1));
        let ev = AuditEvent::new(AuditActor::anonymous(), Action::LoginFailed, Outcome::Failure)
            .tenant(
                crate::tenants::find_by_code(&w.s.db, &crate::tenants::OrgCode::parse("acme").expect("c"))
                    .await
                    .expect("f")
                    .map(|t| t.id)
                    .as_ref(),
            )
            .target("some-account");
        audit::record(&w.s.db, w.s.clock.now(), &ev).await.expect("record");
    }
    assert_eq!(evaluate(&w.s, &AlertRules::default()).await.expect("evaluate"), 1);
    let ops = login(&w, Realm::Operator, "", "ops", "correct horse battery staple", "127.0.0.1").await.expect("ops");
    let all = list_all(&w.s, &ops).await.expect("list");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].tenant_code.as_deref(), Some("acme"));
    assert_eq!(open_count(&w.s, &ops).await.expect("count"), 1);
    let c = ClientInfo::cli();
    assert!(matches!(acknowledge(&w.s, &ops, &all[0].id, "  ", &c).await, Err(CoreError::Invalid { field: "comment", .. })));
    acknowledge(&w.s, &ops, &all[0].id, "確認済み: 利用者本人の入力ミス", &c).await.expect("ack");
    close(&w.s, &ops, &all[0].id, &c).await.expect("close");
    assert!(matches!(close(&w.s, &ops, &all[0].id, &c).await, Err(CoreError::Invalid { .. })));
    assert_eq!(open_count(&w.s, &ops).await.expect("count"), 0);
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'alert.%' ORDER BY seq")
        .fetch_all(w.t.db.pool())
        .await
        .expect("rows");
    assert_eq!(actions, ["alert.opened", "alert.acknowledged", "alert.closed"]);
    assert!(crate::audit::verify(&w.t.db).await.expect("verify").is_intact());
}

#[tokio::test]
async fn operator_work_outside_business_hours_and_a_broken_chain_raise_alerts() {
    let w = world().await;
    // 23:30 JST.
    w.clock.advance(Duration::from_secs(11 * 60 * 60 + 30 * 60));
    login(&w, Realm::Operator, "", "ops", "correct horse battery staple", "127.0.0.1").await.expect("ops");
    evaluate(&w.s, &AlertRules::default()).await.expect("evaluate");
    assert!(alerts(&w).await.iter().any(|a| a.0 == rule::OPERATOR_OFF_HOURS));
    assert!(check_chain(&w.s, &[]).await.expect("check"));
    w.t.allow_audit_tampering().await;
    sqlx::query("UPDATE audit_log SET detail = '{}' WHERE seq = 2").execute(w.t.db.pool()).await.expect("tamper");
    assert!(!check_chain(&w.s, &[]).await.expect("check"));
    assert!(!check_chain(&w.s, &[]).await.expect("again"));
    let chain: Vec<_> = alerts(&w).await.into_iter().filter(|a| a.0 == rule::CHAIN_BROKEN).collect();
    assert_eq!(chain.len(), 1, "one alert for one break, however often it is found");
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM alerts WHERE rule = 'audit_chain_broken'").fetch_one(w.t.db.pool()).await.expect("d");
    assert!(detail.contains("\"first_bad_seq\":2"), "{detail}");
}
