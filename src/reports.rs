//! Reports over the audit log: the privileged-activity report (WP-2.5: the
//! use of admin rights is checked) and daily login figures for the dashboards.

use sqlx::Row;

use crate::audit::Action;
use crate::clock::Timestamp;
use crate::db::{AllTenantsUse, Reach};
use crate::error::CoreResult;
use crate::policy::Permission;
use crate::scope::TenantScope;
use crate::services::Services;

/// The actions that use administrative rights over an organisation.
pub const PRIVILEGED_ACTIONS: &[Action] = &[
    Action::UserCreated,
    Action::UserDisabled,
    Action::UserEnabled,
    Action::UserDeleted,
    Action::UserRoleChanged,
    Action::PasswordReset,
    Action::UserExpirySet,
    Action::UserUnlocked,
    Action::SessionsRevoked,
    Action::TenantSettingsChanged,
    Action::TenantContactsChanged,
    Action::TenantSuspended,
    Action::TenantResumed,
    Action::AllowlistChanged,
    Action::AuditExported,
];

/// The login actions (what the daily login report counts besides refusals).
fn login_actions() -> impl Iterator<Item = Action> {
    Action::ALL.iter().copied().filter(|a| a.as_str().starts_with("login."))
}

/// Who did which privileged action how many times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityRow {
    pub actor: String,
    /// `operator`, `admin`, or empty for the command line and the system.
    pub role: String,
    pub action: String,
    pub count: i64,
}

/// The organisation's privileged activity in `[from, to)`, for operators
/// (any organisation) and for its own admins.
pub async fn privileged_activity(s: &Services, scope: &TenantScope<'_>, from: Timestamp, to: Timestamp) -> CoreResult<Vec<ActivityRow>> {
    let permission = if scope.actor().is_operator() { Permission::ViewAuditAll } else { Permission::ViewTenantAudit };
    scope.authorize(s, permission)?;
    let placeholders: Vec<String> = (0..PRIVILEGED_ACTIONS.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "SELECT a.actor_label, a.actor_user_id, COALESCE(u.role, '') AS role, a.action, COUNT(*) AS n \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id \
         WHERE a.tenant_id = $1 AND a.at >= $2 AND a.at < $3 AND a.result = 'success' AND a.action IN ({}) \
         GROUP BY a.actor_label, a.actor_user_id, u.role, a.action ORDER BY a.actor_label, a.action",
        placeholders.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(scope.tenant_id().as_str()).bind(from.as_millis()).bind(to.as_millis());
    for a in PRIVILEGED_ACTIONS {
        q = q.bind(a.as_str());
    }
    let rows = q.fetch_all(&mut *scope.read(s).await?).await?;
    // Operators' accounts are the installation's rows, outside the
    // organisation's reach: their role is looked up there.
    let operators = crate::users::operator_ids(s).await?;
    let mut out: Vec<ActivityRow> = Vec::new();
    for r in &rows {
        let actor_id: Option<String> = r.try_get("actor_user_id")?;
        let mut role: String = r.try_get("role")?;
        if role.is_empty() && actor_id.as_ref().is_some_and(|id| operators.contains(id)) {
            role = String::from("operator");
        }
        let row = ActivityRow { actor: r.try_get("actor_label")?, role, action: r.try_get("action")?, count: r.try_get("n")? };
        match out.iter_mut().find(|o| o.actor == row.actor && o.role == row.role && o.action == row.action) {
            Some(o) => o.count += row.count,
            None => out.push(row),
        }
    }
    Ok(out)
}

/// One day's logins (Japan time).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DailyLogins {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub succeeded: i64,
    pub failed: i64,
    /// Refused: throttled, blocked, denied by a network rule or the operator fence.
    pub denied: i64,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const JST_OFFSET_MS: i64 = 9 * 60 * 60 * 1000;

/// Logins per day for the last `days` days (today included), every day
/// present even when zero. `tenant`: one organisation, or all.
async fn daily_logins(s: &Services, reach: Reach, days: i64) -> CoreResult<Vec<DailyLogins>> {
    let mut tx = s.db.read_in(reach).await?;
    let tenant = tx.tenant_filter()?;
    let now = s.clock.now().as_millis();
    // Japan has no daylight saving: a fixed offset buckets by JST day.
    let today = (now + JST_OFFSET_MS).div_euclid(DAY_MS);
    let first = today - (days - 1);
    let logins: Vec<Action> = login_actions().collect();
    let placeholders: Vec<String> = (0..logins.len()).map(|i| format!("${}", i + 7)).collect();
    let sql = format!(
        "SELECT CAST((at + $1) / $2 AS BIGINT) AS day, \
                CAST(SUM(CASE WHEN action = $5 THEN 1 ELSE 0 END) AS BIGINT) AS ok, \
                CAST(SUM(CASE WHEN action = $6 THEN 1 ELSE 0 END) AS BIGINT) AS failed, \
                CAST(SUM(CASE WHEN result = 'denied' THEN 1 ELSE 0 END) AS BIGINT) AS denied \
         FROM audit_log WHERE at >= $3 AND ($4 = '' OR tenant_id = $4) \
           AND (action IN ({}) OR result = 'denied') \
         GROUP BY (at + $1) / $2",
        placeholders.join(", ")
    );
    let mut q = sqlx::query(&sql)
        .bind(JST_OFFSET_MS)
        .bind(DAY_MS)
        .bind(first * DAY_MS - JST_OFFSET_MS)
        .bind(tenant)
        .bind(Action::LoginSucceeded.as_str())
        .bind(Action::LoginFailed.as_str());
    for a in &logins {
        q = q.bind(a.as_str());
    }
    let rows = q.fetch_all(&mut *tx).await?;
    let mut out: Vec<DailyLogins> = (first..=today)
        .map(|d| DailyLogins { day: Timestamp::from_millis(d * DAY_MS).date_in(&crate::clock::Zone::utc()), ..Default::default() })
        .collect();
    for r in &rows {
        let day: i64 = r.try_get("day")?;
        let sum = |col: &str| -> CoreResult<i64> { Ok(r.try_get::<Option<i64>, _>(col)?.unwrap_or(0)) };
        if let Some(slot) = usize::try_from(day - first).ok().and_then(|i| out.get_mut(i)) {
            slot.succeeded = sum("ok")?;
            slot.failed = sum("failed")?;
            slot.denied = sum("denied")?;
        }
    }
    Ok(out)
}

pub async fn daily_logins_all(s: &Services, actor: &crate::auth::Actor, days: i64) -> CoreResult<Vec<DailyLogins>> {
    crate::policy::authorize(actor, Permission::ViewAuditAll, s.clock.now())?;
    daily_logins(s, Reach::all_tenants(AllTenantsUse::operator(actor)?), days).await
}

pub async fn daily_logins_tenant(s: &Services, scope: &TenantScope<'_>, days: i64) -> CoreResult<Vec<DailyLogins>> {
    scope.authorize(s, Permission::ViewTenantAudit)?;
    daily_logins(s, scope.reach(), days).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditActor, ClientInfo};
    use crate::auth::password::Password;
    use crate::auth::{LoginRequest, Realm};
    use crate::console::{accounts, FirstPassword};
    use crate::provisioning::{self, InitialPassword};
    use crate::testing::World;
    use crate::users::Role;
    use crate::ManualClock;
    use std::time::Duration;

    #[tokio::test]
    async fn the_report_counts_privileged_actions_per_person_and_the_chart_counts_logins_per_day() {
        let w = World::at(ManualClock::new(Timestamp::from_millis(1_796_007_600_000))).await;
        let (s, clock) = (w.s.clone(), w.clock.clone());
        let pw = || InitialPassword::Chosen(Password::new("correct horse battery staple".into()));
        provisioning::create_tenant(&s, &AuditActor::cli(), "acme", "Acme", &ClientInfo::cli()).await.expect("t");
        provisioning::create_user(&s, &AuditActor::cli(), "acme", "boss", Role::Admin, pw(), &ClientInfo::cli()).await.expect("u");
        let login = |user: &'static str, password: &'static str| {
            let s = s.clone();
            async move {
                let c = ClientInfo::cli();
                crate::auth::login(
                    &s,
                    LoginRequest {
                        realm: Realm::Tenant,
                        org_code: "acme",
                        login: user,
                        password: Password::new(password.into()),
                        client: &c,
                    },
                )
                .await
            }
        };
        let boss = login("boss", "correct horse battery staple").await.expect("login");
        let scope = TenantScope::own(&s, &boss).await.expect("scope");
        for name in ["a1", "a2", "a3"] {
            accounts::create(&s, &scope, name, "member", FirstPassword::SetupLink, &ClientInfo::cli()).await.expect("create");
        }
        let _ = login("boss", "wrong password here").await;
        clock.advance(Duration::from_secs(24 * 60 * 60));
        let _ = login("boss", "correct horse battery staple").await.expect("login");

        let report =
            privileged_activity(&s, &scope, Timestamp::from_millis(0), s.clock.now().plus(Duration::from_secs(1))).await.expect("report");
        assert!(
            report.contains(&ActivityRow {
                actor: String::from("user:boss"),
                role: String::from("admin"),
                action: String::from("user.created"),
                count: 3
            }),
            "{report:?}"
        );
        assert!(report.iter().any(|r| r.actor.starts_with("cli:") && r.action == "user.created" && r.role.is_empty()));

        let days = daily_logins_tenant(&s, &scope, 30).await.expect("days");
        assert_eq!(days.len(), 30);
        assert_eq!(days[29].day, "2026-12-01");
        assert_eq!((days[28].succeeded, days[28].failed), (1, 1), "{:?}", &days[27..]);
        assert_eq!((days[29].succeeded, days[29].failed), (1, 0));
        assert!(days[..28].iter().all(|d| d.succeeded + d.failed + d.denied == 0));
    }
}
