//! The console rules, on both backends: last admin, self-deletion, expiry,
//! setup links, operator re-authentication, and other organisations' ids.

use crate::ids::UserId;
use std::time::Duration;

use super::accounts;
use super::{FirstPassword, Issued};
use crate::audit::{AuditActor, ClientInfo};
use crate::auth::password::Password;
use crate::auth::{self, Actor, LoginRequest, Realm};
use crate::provisioning::{self, InitialPassword};
use crate::scope::TenantScope;
use crate::testing::World;
use crate::users::Role;
use crate::{CoreError, ManualClock};

const GOOD: &str = "correct horse battery staple";

async fn world() -> World {
    let w = World::at(ManualClock::starting_now()).await;
    let s = &w.s;
    for org in ["acme", "beta"] {
        provisioning::create_tenant(s, &AuditActor::cli(), org, org, &ClientInfo::cli()).await.expect("tenant");
        provisioning::create_user(s, &AuditActor::cli(), org, "boss", Role::Admin, chosen(), &ClientInfo::cli()).await.expect("admin");
        provisioning::create_user(s, &AuditActor::cli(), org, "taro", Role::Member, chosen(), &ClientInfo::cli()).await.expect("member");
    }
    provisioning::create_operator(s, &AuditActor::cli(), "ops", chosen(), &ClientInfo::cli()).await.expect("operator");
    w
}

fn chosen() -> InitialPassword {
    InitialPassword::Chosen(Password::new(GOOD.into()))
}

async fn log_in(w: &World, org: &str, login: &str, password: &str) -> Result<Actor, CoreError> {
    let client = ClientInfo::cli();
    let realm = if org.is_empty() { Realm::Operator } else { Realm::Tenant };
    auth::login(&w.s, LoginRequest { realm, org_code: org, login, password: Password::new(password.into()), client: &client }).await
}

async fn id_of(w: &World, actor: &Actor, login: &str) -> UserId {
    let scope = TenantScope::own(&w.s, actor).await.expect("scope");
    let page = accounts::list(&w.s, &scope, login, 0).await.expect("list");
    page.items.iter().find(|u| u.login.as_str() == login).expect("user").id.clone()
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_disabled_expired_or_deleted() {
    let w = world().await;
    let boss = log_in(&w, "acme", "boss", GOOD).await.expect("login");
    let scope = TenantScope::own(&w.s, &boss).await.expect("scope");
    let me = id_of(&w, &boss, "boss").await;
    let c = ClientInfo::cli();
    let last_admin = |r: Result<(), CoreError>| matches!(r, Err(CoreError::Invalid { problem: "last_admin", .. }));
    assert!(last_admin(accounts::change_role(&w.s, &scope, &me, "member", &c).await));
    assert!(last_admin(accounts::set_enabled(&w.s, &scope, &me, false, &c).await));
    assert!(last_admin(accounts::set_expiry(&w.s, &scope, &me, "2099-01-01", &c).await));
    assert!(matches!(accounts::delete(&w.s, &scope, &me, &c).await, Err(CoreError::Invalid { problem: "self", .. })));
    // With a second admin, demoting the first is fine.
    let taro = id_of(&w, &boss, "taro").await;
    accounts::change_role(&w.s, &scope, &taro, "admin", &c).await.expect("promote");
    accounts::change_role(&w.s, &scope, &me, "member", &c).await.expect("demote");
}

#[tokio::test]
async fn another_organisations_user_id_is_not_found_and_nothing_changes() {
    let w = world().await;
    let acme = log_in(&w, "acme", "boss", GOOD).await.expect("login");
    let beta = log_in(&w, "beta", "boss", GOOD).await.expect("login");
    let beta_taro = id_of(&w, &beta, "taro").await;
    let scope = TenantScope::own(&w.s, &acme).await.expect("scope");
    let c = ClientInfo::cli();
    assert!(matches!(accounts::set_enabled(&w.s, &scope, &beta_taro, false, &c).await, Err(CoreError::NotFound)));
    assert!(matches!(accounts::delete(&w.s, &scope, &beta_taro, &c).await, Err(CoreError::NotFound)));
    assert!(matches!(accounts::get(&w.s, &scope, &beta_taro).await, Err(CoreError::NotFound)));
    assert!(log_in(&w, "beta", "taro", GOOD).await.is_ok(), "still enabled");
}

#[tokio::test]
async fn an_expired_account_cannot_log_in_after_its_last_day() {
    let w = world().await;
    let boss = log_in(&w, "acme", "boss", GOOD).await.expect("login");
    let scope = TenantScope::own(&w.s, &boss).await.expect("scope");
    let taro = id_of(&w, &boss, "taro").await;
    let tomorrow = jiff::Timestamp::from_millisecond(w.s.clock.now().as_millis())
        .expect("ts")
        .to_zoned(jiff::tz::TimeZone::get("Asia/Tokyo").expect("tz"))
        .date()
        .tomorrow()
        .expect("date");
    accounts::set_expiry(&w.s, &scope, &taro, &tomorrow.to_string(), &ClientInfo::cli()).await.expect("expiry");
    assert!(log_in(&w, "acme", "taro", GOOD).await.is_ok());
    w.clock.advance(Duration::from_secs(3 * 24 * 60 * 60));
    assert!(matches!(log_in(&w, "acme", "taro", GOOD).await, Err(CoreError::InvalidCredentials)));
    assert!(matches!(
        accounts::set_expiry(&w.s, &scope, &taro, "2000-01-01", &ClientInfo::cli()).await,
        Err(CoreError::Invalid { problem: "past", .. })
    ));
}

#[tokio::test]
async fn a_setup_link_sets_the_password_once_and_only_within_24_hours() {
    let w = world().await;
    let boss = log_in(&w, "acme", "boss", GOOD).await.expect("login");
    let scope = TenantScope::own(&w.s, &boss).await.expect("scope");
    let c = ClientInfo::cli();
    let (_, issued) = accounts::create(&w.s, &scope, "hanako", "viewer", FirstPassword::SetupLink, &c).await.expect("create");
    let Issued::SetupLink { token, .. } = issued else { panic!("expected a link") };
    let target = crate::setup_links::inspect(&w.s, token.expose()).await.expect("valid");
    assert_eq!((target.org_code.as_str(), target.login.as_str()), ("acme", "hanako"));
    let new = || Password::new("a brand new passphrase".into());
    crate::setup_links::complete(&w.s, token.expose(), new(), new(), &c).await.expect("complete");
    let hanako = log_in(&w, "acme", "hanako", "a brand new passphrase").await.expect("login");
    assert!(!hanako.must_change_password);
    assert!(matches!(crate::setup_links::complete(&w.s, token.expose(), new(), new(), &c).await, Err(CoreError::NotFound)));

    let hanako_id = id_of(&w, &boss, "hanako").await;
    let Issued::SetupLink { token, .. } =
        accounts::reset_password(&w.s, &scope, &hanako_id, FirstPassword::SetupLink, &c).await.expect("reset")
    else {
        panic!("expected a link")
    };
    assert!(log_in(&w, "acme", "hanako", "a brand new passphrase").await.is_err(), "the old password stops working");
    w.clock.advance(Duration::from_secs(24 * 60 * 60 + 1));
    assert!(matches!(crate::setup_links::inspect(&w.s, token.expose()).await, Err(CoreError::NotFound)));
}

#[tokio::test]
async fn operators_reenter_their_password_after_ten_minutes_before_changing_anything() {
    let w = world().await;
    let mut ops = log_in(&w, "", "ops", GOOD).await.expect("login");
    let acme_id = crate::tenants::find_by_code(&w.s.db, &crate::tenants::OrgCode::parse("acme").expect("code"))
        .await
        .expect("find")
        .expect("acme")
        .id;
    let c = ClientInfo::cli();
    {
        let scope = TenantScope::chosen_by_operator(&w.s, &ops, &acme_id).await.expect("scope");
        accounts::create(&w.s, &scope, "jiro", "member", FirstPassword::Temporary, &c).await.expect("fresh login");
    }
    w.clock.advance(Duration::from_secs(11 * 60));
    {
        let scope = TenantScope::chosen_by_operator(&w.s, &ops, &acme_id).await.expect("reading needs no re-entry");
        assert!(accounts::list(&w.s, &scope, "", 0).await.is_ok());
        assert!(matches!(
            accounts::create(&w.s, &scope, "saburo", "member", FirstPassword::Temporary, &c).await,
            Err(CoreError::ReauthRequired)
        ));
    }
    assert!(auth::reverify(&w.s, &ops, Password::new("wrong password here".into()), &c).await.is_err());
    ops.verified_at = auth::reverify(&w.s, &ops, Password::new(GOOD.into()), &c).await.expect("reverify");
    let scope = TenantScope::chosen_by_operator(&w.s, &ops, &acme_id).await.expect("scope");
    accounts::create(&w.s, &scope, "saburo", "member", FirstPassword::Temporary, &c).await.expect("after re-entry");
}

#[tokio::test]
async fn members_and_admins_cannot_choose_an_organisation_like_an_operator() {
    let w = world().await;
    let boss = log_in(&w, "acme", "boss", GOOD).await.expect("login");
    let tid = boss.tenant_id.clone().expect("tenant");
    assert!(matches!(TenantScope::chosen_by_operator(&w.s, &boss, &tid).await, Err(CoreError::Forbidden)));
    let beta = log_in(&w, "beta", "boss", GOOD).await.expect("login");
    let beta_id = beta.tenant_id.clone().expect("tenant");
    assert!(matches!(TenantScope::for_request(&w.s, &boss, Some(&beta_id)).await, Err(CoreError::NotFound)));
    assert!(TenantScope::for_request(&w.s, &boss, Some(&tid)).await.is_ok(), "naming one's own organisation is fine");
    assert!(TenantScope::for_request(&w.s, &boss, None).await.is_ok());
    let taro = log_in(&w, "acme", "taro", GOOD).await.expect("login");
    let scope = TenantScope::own(&w.s, &taro).await.expect("own scope");
    assert!(matches!(accounts::list(&w.s, &scope, "", 0).await, Err(CoreError::Forbidden)));
    assert!(crate::audit::verify(&w.s.db).await.expect("verify").is_intact());
}
