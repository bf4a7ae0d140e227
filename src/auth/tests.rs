use super::*;
use crate::provisioning::{self, InitialPassword};
use crate::testing::World;
use crate::users::UserStatus;
use crate::ManualClock;

const GOOD: &str = "correct horse battery staple";

async fn world() -> World {
    let w = World::at(ManualClock::starting_now()).await;
    let s = &w.s;
    provisioning::create_tenant(s, &AuditActor::cli(), "acme", "Acme", &ClientInfo::cli()).await.expect("tenant");
    provisioning::create_user(
        s,
        &AuditActor::cli(),
        "acme",
        "taro",
        Role::Member,
        InitialPassword::Chosen(Password::new(GOOD.into())),
        &ClientInfo::cli(),
    )
    .await
    .expect("user");
    w
}

async fn try_login(w: &World, org: &str, login_name: &str, pw: &str) -> CoreResult<Actor> {
    let client = ClientInfo::web("192.0.2.1".parse().ok(), None);
    login(
        &w.s,
        LoginRequest { realm: Realm::Tenant, org_code: org, login: login_name, password: Password::new(pw.into()), client: &client },
    )
    .await
}

#[tokio::test]
async fn a_member_logs_in_with_org_code_user_id_and_password() {
    let w = world().await;
    let actor = try_login(&w, "ACME", "Taro", GOOD).await.expect("login");
    assert_eq!(actor.role, Role::Member);
    assert_eq!(actor.login, "taro");
    assert!(!actor.must_change_password);
}

#[tokio::test]
async fn wrong_password_unknown_user_and_unknown_org_fail_the_same_way() {
    let w = world().await;
    for (org, user, pw) in [("acme", "taro", "wrong password!!"), ("acme", "nobody", GOOD), ("nowhere", "taro", GOOD)] {
        assert!(matches!(try_login(&w, org, user, pw).await, Err(CoreError::InvalidCredentials)));
    }
}

#[tokio::test]
async fn the_sixth_rapid_wrong_password_is_slowed_but_the_owner_gets_in_after_the_delay() {
    let w = world().await;
    for _ in 0..5 {
        assert!(matches!(try_login(&w, "acme", "taro", "wrong password!!").await, Err(CoreError::InvalidCredentials)));
    }
    assert!(matches!(try_login(&w, "acme", "taro", "wrong password!!").await, Err(CoreError::Throttled { .. })));
    // Even the right password waits while the delay is in force...
    assert!(matches!(try_login(&w, "acme", "taro", GOOD).await, Err(CoreError::Throttled { .. })));
    // ...and works once it has passed: no permanent lock.
    w.clock.advance(Duration::from_secs(2));
    assert!(try_login(&w, "acme", "taro", GOOD).await.is_ok());
}

#[tokio::test]
async fn unknown_accounts_are_throttled_like_real_ones() {
    let w = world().await;
    for _ in 0..5 {
        let _ = try_login(&w, "acme", "ghost", "wrong password!!").await;
    }
    assert!(matches!(try_login(&w, "acme", "ghost", "wrong password!!").await, Err(CoreError::Throttled { .. })));
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_slowed_too() {
    let w = world().await;
    let free = AuthPolicy::default().address_throttle.free_failures;
    for i in 0..free {
        let r = try_login(&w, "acme", &format!("guess{i}"), "a wrong password").await;
        assert!(matches!(r, Err(CoreError::InvalidCredentials)), "attempt {i}: {r:?}");
    }
    let r = try_login(&w, "acme", "guess-next", "a wrong password").await;
    assert!(matches!(r, Err(CoreError::Throttled { .. })), "{r:?}");
}

#[tokio::test]
async fn the_sweep_forgets_login_counters_only_after_every_window_has_passed() {
    let w = world().await;
    let _ = try_login(&w, "acme", "taro", "a wrong password").await;
    let counters =
        || async { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM login_throttle").fetch_one(w.s.db.pool()).await.expect("count") };
    assert_eq!(counters().await, 2, "one for the account, one for the address");
    w.clock.advance(Duration::from_secs(30 * 60));
    assert_eq!(sweep_expired(&w.s).await.expect("sweep").1, 0, "the account window (1 h) is still open");
    w.clock.advance(Duration::from_secs(31 * 60));
    assert_eq!(sweep_expired(&w.s).await.expect("sweep").1, 2);
    assert_eq!(counters().await, 0);
}

#[tokio::test]
async fn the_first_operator_is_created_once_and_never_again() {
    let w = world().await;
    let first = provisioning::ensure_first_operator(&w.s, "operator").await.expect("first");
    assert!(first.and_then(|c| c.temporary_password).is_some());
    assert!(provisioning::ensure_first_operator(&w.s, "operator").await.expect("again").is_none());
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in_and_its_session_stops_at_once() {
    let w = world().await;
    let actor = try_login(&w, "acme", "taro", GOOD).await.expect("login");
    let now = w.s.clock.now();
    let claims = SessionClaims {
        user_id: actor.user_id.clone(),
        tenant_id: actor.tenant_id.clone(),
        authenticated_at: now,
        last_seen_at: now,
        verified_at: now,
        credential_generation: actor.credential_generation,
    };
    assert!(resolve_session(&w.s, &claims, None).await.expect("resolve").is_ok());
    provisioning::set_user_status(&w.s, &AuditActor::cli(), "acme", "taro", UserStatus::Disabled, &ClientInfo::cli())
        .await
        .expect("disable");
    assert_eq!(resolve_session(&w.s, &claims, None).await.expect("resolve"), Err(SessionEnd::AccountUnusable));
    assert!(matches!(try_login(&w, "acme", "taro", GOOD).await, Err(CoreError::InvalidCredentials)));
}

#[tokio::test]
async fn sessions_end_after_30_idle_minutes_and_after_12_hours_in_all() {
    let w = world().await;
    let actor = try_login(&w, "acme", "taro", GOOD).await.expect("login");
    let start = w.s.clock.now();
    let mut claims = SessionClaims {
        user_id: actor.user_id.clone(),
        tenant_id: actor.tenant_id.clone(),
        authenticated_at: start,
        last_seen_at: start,
        verified_at: start,
        credential_generation: actor.credential_generation,
    };
    w.clock.advance(Duration::from_secs(31 * 60));
    assert_eq!(resolve_session(&w.s, &claims, None).await.expect("resolve"), Err(SessionEnd::Idle));
    // Active all along, but past the absolute limit.
    w.clock.advance(Duration::from_secs(12 * 60 * 60));
    claims.last_seen_at = w.s.clock.now();
    assert_eq!(resolve_session(&w.s, &claims, None).await.expect("resolve"), Err(SessionEnd::Absolute));
}

#[tokio::test]
async fn a_temporary_password_must_be_changed_and_the_change_follows_the_policy() {
    let w = world().await;
    let created =
        provisioning::create_user(&w.s, &AuditActor::cli(), "acme", "hanako", Role::Viewer, InitialPassword::Temporary, &ClientInfo::cli())
            .await
            .expect("user");
    let temp = created.temporary_password.expect("temporary password");
    let actor = try_login(&w, "acme", "hanako", temp.expose()).await.expect("login");
    assert!(actor.must_change_password);

    let change = |new: &str, confirm: &str| PasswordChange {
        current: Password::new(temp.expose().into()),
        new: Password::new(new.into()),
        confirm: Password::new(confirm.into()),
    };
    let c = ClientInfo::cli();
    assert!(matches!(
        change_password(&w.s, &actor, change("short", "short"), &c, None).await,
        Err(CoreError::WeakPassword(PasswordProblem::TooShort))
    ));
    assert!(matches!(
        change_password(&w.s, &actor, change("qwertyuiop123", "qwertyuiop123"), &c, None).await,
        Err(CoreError::WeakPassword(PasswordProblem::Common))
    ));
    assert!(matches!(
        change_password(&w.s, &actor, change(GOOD, "something else entirely"), &c, None).await,
        Err(CoreError::WeakPassword(PasswordProblem::ConfirmationMismatch))
    ));
    change_password(&w.s, &actor, change(GOOD, GOOD), &c, None).await.expect("change");
    let again = try_login(&w, "acme", "hanako", GOOD).await.expect("login with new password");
    assert!(!again.must_change_password);
    assert!(try_login(&w, "acme", "hanako", temp.expose()).await.is_err());
}

#[tokio::test]
async fn logins_are_audited_without_the_password() {
    let w = world().await;
    let _ = try_login(&w, "acme", "taro", "a wrong password").await;
    try_login(&w, "acme", "taro", GOOD).await.expect("login");
    let rows: Vec<(String, String)> = sqlx::query_as::<_, (String, String)>("SELECT action, detail FROM audit_log ORDER BY seq")
        .fetch_all(w.t.db.pool())
        .await
        .expect("rows");
    let actions: Vec<&str> = rows.iter().map(|(a, _)| a.as_str()).collect();
    assert!(actions.contains(&"login.failed"));
    assert!(actions.contains(&"login.succeeded"));
    for (_, detail) in &rows {
        assert!(!detail.contains("wrong password") && !detail.contains(GOOD));
    }
    assert!(crate::audit::verify(&w.s.db).await.expect("verify").is_intact());
}

fn claims_of(actor: &Actor, at: Timestamp) -> SessionClaims {
    SessionClaims {
        user_id: actor.user_id.clone(),
        tenant_id: actor.tenant_id.clone(),
        authenticated_at: at,
        last_seen_at: at,
        verified_at: at,
        credential_generation: actor.credential_generation,
    }
}

fn change_to(current: &str, new: &str) -> PasswordChange {
    PasswordChange { current: Password::new(current.into()), new: Password::new(new.into()), confirm: Password::new(new.into()) }
}

#[tokio::test]
async fn a_session_from_before_a_password_change_is_refused_whatever_the_store_says() {
    let w = world().await;
    let other_device = try_login(&w, "acme", "taro", GOOD).await.expect("login");
    let this_device = try_login(&w, "acme", "taro", GOOD).await.expect("login");
    let now = w.s.clock.now();
    let (old, mine) = (claims_of(&other_device, now), claims_of(&this_device, now));
    let new_generation =
        change_password(&w.s, &this_device, change_to(GOOD, "a brand new pass phrase"), &ClientInfo::cli(), None).await.expect("change");
    // The older session's claims, even if its row were still (or again) in the store.
    assert_eq!(resolve_session(&w.s, &old, None).await.expect("resolve"), Err(SessionEnd::CredentialsChanged));
    // The session that made the change carries on at the new generation.
    assert_eq!(resolve_session(&w.s, &mine, None).await.expect("resolve"), Err(SessionEnd::CredentialsChanged));
    let carried_on = SessionClaims { credential_generation: new_generation, ..mine };
    assert!(resolve_session(&w.s, &carried_on, None).await.expect("resolve").is_ok());
}

#[tokio::test]
async fn wrong_current_passwords_are_throttled_like_failed_logins() {
    let w = world().await;
    let actor = try_login(&w, "acme", "taro", GOOD).await.expect("login");
    let c = ClientInfo::cli();
    for i in 0..5 {
        let r = change_password(&w.s, &actor, change_to(&format!("guess number {i}"), "a brand new pass phrase"), &c, None).await;
        assert!(matches!(r, Err(CoreError::Invalid { field: "current", .. })), "{r:?}");
    }
    // The sixth guess waits, even the right one, and so does the login (one counter).
    assert!(matches!(
        change_password(&w.s, &actor, change_to(GOOD, "a brand new pass phrase"), &c, None).await,
        Err(CoreError::Throttled { .. })
    ));
    assert!(matches!(try_login(&w, "acme", "taro", GOOD).await, Err(CoreError::Throttled { .. })));
    let blocked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'password.change_failed' AND result = 'denied'")
        .fetch_one(w.t.db.pool())
        .await
        .expect("count");
    assert_eq!(blocked, 1, "the refusal is audited");
    w.clock.advance(Duration::from_secs(2));
    change_password(&w.s, &actor, change_to(GOOD, "a brand new pass phrase"), &c, None).await.expect("after the delay");
}

#[tokio::test]
async fn failed_tenant_logins_with_an_empty_code_do_not_delay_the_operator_of_that_name() {
    let w = world().await;
    provisioning::create_operator(
        &w.s,
        &AuditActor::cli(),
        "operator",
        InitialPassword::Chosen(Password::new(GOOD.into())),
        &ClientInfo::cli(),
    )
    .await
    .expect("operator");
    for _ in 0..20 {
        // (The attacker's own attempts are delayed after a few, as any account's.)
        let r = try_login(&w, "", "operator", "a wrong password").await;
        assert!(matches!(r, Err(CoreError::InvalidCredentials | CoreError::Throttled { .. })), "{r:?}");
    }
    let client = ClientInfo::web("198.51.100.1".parse().ok(), None);
    let operator = login(
        &w.s,
        LoginRequest { realm: Realm::Operator, org_code: "", login: "operator", password: Password::new(GOOD.into()), client: &client },
    )
    .await;
    assert!(operator.is_ok(), "{operator:?}");
}
