//! Alerts (WP-2.5, 2.13): rules read the audit log after the last event they
//! saw and raise an alert when a threshold is crossed. While an alert for the
//! same rule and subject is open or acknowledged, further hits only count on
//! it (ten failed logins open one alert, not ten). Operators acknowledge
//! (with a comment) and close alerts; every transition is audited.
//! An organisation's admins see the alerts about their organisation.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};

use crate::audit::{self, Action, AuditActor, AuditEvent, ClientInfo, Outcome};
use crate::auth::Actor;
use crate::clock::Timestamp;
use crate::db::{AllTenantsUse, Reach, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{AlertId, TenantId};
use crate::policy::{self, Permission};
use crate::scope::TenantScope;
use crate::services::Services;

/// Thresholds of the rules; every one configurable.
#[derive(Clone, Debug)]
pub struct AlertRules {
    /// Failed logins of one account within `login_window`.
    pub account_failures: i64,
    /// Failed or refused logins from one address within `login_window`.
    pub address_failures: i64,
    pub login_window: Duration,
    /// Accounts one organisation admin may create in a day (JST) before it is flagged.
    pub accounts_per_admin_day: i64,
    /// Rows exported by one person within an hour.
    pub export_rows_per_hour: i64,
    /// Operators' working hours in Japan time, `[start, end)` in hours.
    pub business_hours: (u8, u8),
}

impl Default for AlertRules {
    fn default() -> Self {
        Self {
            account_failures: 10,
            address_failures: 30,
            login_window: Duration::from_secs(10 * 60),
            accounts_per_admin_day: 20,
            export_rows_per_hour: 10_000,
            business_hours: (8, 20),
        }
    }
}

/// The rules' names (stable: the UI and reports key on them).
pub mod rule {
    pub const ACCOUNT_FAILURES: &str = "login_failures_account";
    pub const ADDRESS_FAILURES: &str = "login_failures_address";
    pub const ADMIN_ACCOUNT_BURST: &str = "admin_account_burst";
    pub const BULK_EXPORT: &str = "bulk_export";
    pub const CHAIN_BROKEN: &str = "audit_chain_broken";
    pub const OPERATOR_OFF_HOURS: &str = "operator_off_hours";
}

/// Events read per evaluation.
const BATCH: i64 = 2000;

struct Hit {
    rule: &'static str,
    key: String,
    tenant: Option<String>,
    at: Timestamp,
    detail: Value,
}

/// Opens an alert, or counts on the one already open for this rule and subject.
async fn raise(conn: &mut crate::db::WriteTx, hit: &Hit, now: Timestamp) -> CoreResult<bool> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM alerts WHERE rule = $1 AND dedupe_key = $2 AND state IN ('open', 'acknowledged')")
            .bind(hit.rule)
            .bind(&hit.key)
            .fetch_optional(&mut **conn)
            .await?;
    if let Some(id) = existing {
        sqlx::query("UPDATE alerts SET events = events + 1, last_at = $1 WHERE id = $2")
            .bind(hit.at.as_millis())
            .bind(&id)
            .execute(&mut **conn)
            .await?;
        return Ok(false);
    }
    let id = AlertId::generate();
    sqlx::query(
        "INSERT INTO alerts (id, rule, dedupe_key, tenant_id, state, detail, events, first_at, last_at) \
         VALUES ($1, $2, $3, $4, 'open', $5, 1, $6, $6)",
    )
    .bind(id.as_str())
    .bind(hit.rule)
    .bind(&hit.key)
    .bind(hit.tenant.clone())
    .bind(hit.detail.to_string())
    .bind(hit.at.as_millis())
    .execute(&mut **conn)
    .await?;
    let tenant = hit.tenant.as_deref().and_then(TenantId::parse);
    let ev = AuditEvent::new(AuditActor::system(), Action::AlertOpened, Outcome::Success)
        .tenant(tenant.as_ref())
        .target(id.to_string())
        .detail(json!({ "rule": hit.rule }));
    audit::append(conn, now, &ev).await?;
    Ok(true)
}

/// Which column of an event a rule counts by.
#[derive(Clone, Copy)]
enum CountBy {
    Target,
    Address,
    Actor,
}

impl CountBy {
    fn column(self) -> &'static str {
        match self {
            CountBy::Target => "target",
            CountBy::Address => "client_ip",
            CountBy::Actor => "actor_user_id",
        }
    }
}

/// Events of `actions` with this `key` in `(since, until]`.
async fn count(
    conn: &mut AnyConnection,
    actions: &[Action],
    by: CountBy,
    key: &str,
    since: Timestamp,
    until: Timestamp,
) -> CoreResult<i64> {
    let placeholders: Vec<String> = (0..actions.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "SELECT COUNT(*) FROM audit_log WHERE {} = $1 AND at > $2 AND at <= $3 AND action IN ({})",
        by.column(),
        placeholders.join(", ")
    );
    let mut q = sqlx::query_scalar(&sql).bind(key).bind(since.as_millis()).bind(until.as_millis());
    for a in actions {
        q = q.bind(a.as_str());
    }
    let n: i64 = q.fetch_one(&mut *conn).await?;
    Ok(n)
}

/// Failed logins by any door, per account.
const ACCOUNT_FAILURES: &[Action] = &[Action::LoginFailed, Action::PasswordChangeFailed];
/// Failed and refused logins, per address.
const ADDRESS_FAILURES: &[Action] = &[Action::LoginFailed, Action::LoginBlocked, Action::LoginNetworkDenied];
/// Exports of personal data or of the audit log.
const EXPORTS: &[Action] = &[Action::PeopleExported, Action::AuditExported];

/// The JST hour and date of an instant.
fn jst(at: Timestamp) -> (u8, String) {
    let tokyo = crate::clock::Zone::tokyo();
    (at.hour_in(&tokyo), at.date_in(&tokyo))
}

/// Reads the audit events the rules have not seen yet and raises alerts.
/// Returns how many new alerts were opened.
pub async fn evaluate(s: &Services, rules: &AlertRules) -> CoreResult<u64> {
    let mut opened = 0;
    loop {
        let (seen, new) = evaluate_batch(s, rules).await?;
        opened += new;
        if seen < BATCH {
            return Ok(opened);
        }
    }
}

async fn evaluate_batch(s: &Services, rules: &AlertRules) -> CoreResult<(i64, u64)> {
    let now = s.clock.now();
    // The rules read every organisation's events: a job's explicit reach.
    let mut tx = s.db.begin_write_in(Reach::all_tenants(AllTenantsUse::job("alert rules"))).await?;
    // Taking the cursor row first serialises evaluators on PostgreSQL too.
    sqlx::query("UPDATE alert_cursor SET last_seq = last_seq WHERE id = 1").execute(&mut *tx).await?;
    let cursor: i64 = sqlx::query_scalar("SELECT last_seq FROM alert_cursor WHERE id = 1").fetch_one(&mut *tx).await?;
    let rows = sqlx::query(
        "SELECT a.seq, a.at, a.action, a.target, a.client_ip, a.tenant_id, a.actor_user_id, a.detail, u.role AS actor_role \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id \
         WHERE a.seq > $1 ORDER BY a.seq LIMIT $2",
    )
    .bind(cursor)
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    let seen = i64::try_from(rows.len()).unwrap_or(0);
    let mut last = cursor;
    let mut opened = 0;
    for r in &rows {
        last = r.try_get("seq")?;
        let at = Timestamp::from_millis(r.try_get("at")?);
        let action_name: String = r.try_get("action")?;
        // An action this Kura does not know matches no rule (and is never guessed at).
        let Some(action) = Action::parse(&action_name) else { continue };
        let target: Option<String> = r.try_get("target")?;
        let ip: Option<String> = r.try_get("client_ip")?;
        let tenant: Option<String> = r.try_get("tenant_id")?;
        let actor: Option<String> = r.try_get("actor_user_id")?;
        let role: Option<String> = r.try_get("actor_role")?;
        let since = at.minus(rules.login_window);
        let mut hits = Vec::new();
        // A wrong current password on the password form is a failed login by another door.
        if ACCOUNT_FAILURES.contains(&action) {
            if let Some(account) = &target {
                let n = count(&mut tx, ACCOUNT_FAILURES, CountBy::Target, account, since, at).await?;
                if n >= rules.account_failures {
                    hits.push(Hit {
                        rule: rule::ACCOUNT_FAILURES,
                        key: account.clone(),
                        tenant: tenant.clone(),
                        at,
                        detail: json!({ "account": account, "failures": n, "window_min": rules.login_window.as_secs() / 60 }),
                    });
                }
            }
        }
        if ADDRESS_FAILURES.contains(&action) {
            if let Some(addr) = &ip {
                let n = count(&mut tx, ADDRESS_FAILURES, CountBy::Address, addr, since, at).await?;
                if n >= rules.address_failures {
                    hits.push(Hit {
                        rule: rule::ADDRESS_FAILURES,
                        key: addr.clone(),
                        tenant: None,
                        at,
                        detail: json!({ "address": addr, "failures": n, "window_min": rules.login_window.as_secs() / 60 }),
                    });
                }
            }
        }
        if action == Action::UserCreated && role.as_deref() == Some("admin") {
            if let Some(admin) = &actor {
                let (_, day) = jst(at);
                let n =
                    count(&mut tx, &[Action::UserCreated], CountBy::Actor, admin, at.minus(Duration::from_secs(24 * 60 * 60)), at).await?;
                if n > rules.accounts_per_admin_day {
                    hits.push(Hit {
                        rule: rule::ADMIN_ACCOUNT_BURST,
                        key: format!("{admin}:{day}"),
                        tenant: tenant.clone(),
                        at,
                        detail: json!({ "admin": admin, "accounts_in_24h": n, "limit": rules.accounts_per_admin_day }),
                    });
                }
            }
        }
        if EXPORTS.contains(&action) {
            if let Some(who) = &actor {
                let details: Vec<String> = sqlx::query_scalar(
                    "SELECT detail FROM audit_log WHERE action IN ($4, $5) AND actor_user_id = $1 AND at > $2 AND at <= $3",
                )
                .bind(who)
                .bind(at.minus(Duration::from_secs(60 * 60)).as_millis())
                .bind(at.as_millis())
                .bind(EXPORTS[0].as_str())
                .bind(EXPORTS[1].as_str())
                .fetch_all(&mut *tx)
                .await?;
                let rows_out: i64 = details
                    .iter()
                    .filter_map(|d| serde_json::from_str::<Value>(d).ok())
                    .filter_map(|d| d.get("rows").and_then(Value::as_i64))
                    .sum();
                if rows_out > rules.export_rows_per_hour {
                    let (hour, day) = jst(at);
                    hits.push(Hit {
                        rule: rule::BULK_EXPORT,
                        key: format!("{who}:{day}T{hour}"),
                        tenant: tenant.clone(),
                        at,
                        detail: json!({ "actor": who, "rows_in_hour": rows_out, "limit": rules.export_rows_per_hour }),
                    });
                }
            }
        }
        if role.as_deref() == Some("operator") && !matches!(action, Action::AlertOpened | Action::AlertAcknowledged | Action::AlertClosed) {
            let (hour, day) = jst(at);
            let (start, end) = rules.business_hours;
            if hour < start || hour >= end {
                if let Some(op) = &actor {
                    hits.push(Hit {
                        rule: rule::OPERATOR_OFF_HOURS,
                        key: format!("{op}:{day}"),
                        tenant: tenant.clone(),
                        at,
                        detail: json!({ "operator": op, "action": action.as_str(), "hour_jst": hour }),
                    });
                }
            }
        }
        for hit in &hits {
            if raise(&mut tx, hit, now).await? {
                opened += 1;
            }
        }
    }
    sqlx::query("UPDATE alert_cursor SET last_seq = $1 WHERE id = 1").bind(last).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok((seen, opened))
}

/// Verifies the audit chain (against heads this server saw, too) and raises
/// an alert naming the first bad row.
pub async fn check_chain(s: &Services, witnessed: &[audit::WitnessedHead]) -> CoreResult<bool> {
    let report = audit::verify_against(&s.db, witnessed).await?;
    let Some(broken) = report.first_break else {
        return Ok(true);
    };
    tracing::error!(seq = broken.seq, kind = ?broken.kind, "the audit chain is broken");
    let now = s.clock.now();
    let mut tx = s.db.begin_write_in(Reach::Installation).await?;
    let hit = Hit {
        rule: rule::CHAIN_BROKEN,
        key: broken.seq.to_string(),
        tenant: None,
        at: now,
        detail: json!({ "first_bad_seq": broken.seq, "kind": format!("{:?}", broken.kind) }),
    };
    raise(&mut tx, &hit, now).await?;
    tx.commit().await?;
    Ok(false)
}

/// An alert as the consoles show it.
#[derive(Clone, Debug)]
pub struct Alert {
    pub id: AlertId,
    pub rule: String,
    pub tenant_code: Option<String>,
    pub state: String,
    pub detail: String,
    pub events: i64,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
    pub comment: Option<String>,
}

const SELECT: &str = "SELECT a.id, a.rule, t.code AS tenant_code, a.state, a.detail, a.events, a.first_at, a.last_at, a.comment \
                      FROM alerts a LEFT JOIN tenants t ON t.id = a.tenant_id";

fn from_row(r: &sqlx::any::AnyRow) -> CoreResult<Alert> {
    Ok(Alert {
        id: AlertId::from_db(r.try_get("id")?),
        rule: r.try_get("rule")?,
        tenant_code: r.try_get("tenant_code")?,
        state: r.try_get("state")?,
        detail: r.try_get("detail")?,
        events: r.try_get("events")?,
        first_at: Timestamp::from_millis(r.try_get("first_at")?),
        last_at: Timestamp::from_millis(r.try_get("last_at")?),
        comment: r.try_get("comment")?,
    })
}

/// Open and acknowledged alerts first, newest first; closed ones after (most
/// recent 200): every organisation's (and the installation's) in an
/// all-tenants reach, one organisation's in its scope.
async fn list(tx: &mut Tx) -> CoreResult<Vec<Alert>> {
    let rows = match tx.reach() {
        Reach::AllTenants(_) => {
            sqlx::query(&format!("{SELECT} ORDER BY CASE a.state WHEN 'closed' THEN 1 ELSE 0 END, a.last_at DESC LIMIT 200"))
                .fetch_all(&mut **tx)
                .await?
        }
        _ => {
            let tenant = tx.tenant()?.as_str().to_owned();
            sqlx::query(&format!(
                "{SELECT} WHERE a.tenant_id = $1 ORDER BY CASE a.state WHEN 'closed' THEN 1 ELSE 0 END, a.last_at DESC LIMIT 200"
            ))
            .bind(tenant)
            .fetch_all(&mut **tx)
            .await?
        }
    };
    rows.iter().map(from_row).collect()
}

pub async fn list_all(s: &Services, actor: &Actor) -> CoreResult<Vec<Alert>> {
    policy::authorize(actor, Permission::ViewAlertsAll, s.clock.now())?;
    list(&mut s.db.read_in(Reach::all_tenants(AllTenantsUse::operator(actor)?)).await?).await
}

pub async fn list_tenant(s: &Services, scope: &TenantScope<'_>) -> CoreResult<Vec<Alert>> {
    scope.authorize(s, Permission::ViewTenantAlerts)?;
    list(&mut scope.read(s).await?).await
}

/// Alerts not yet closed (the dashboard badge).
pub async fn open_count(s: &Services, actor: &Actor) -> CoreResult<i64> {
    policy::authorize(actor, Permission::ViewAlertsAll, s.clock.now())?;
    let mut tx = s.db.read_in(Reach::all_tenants(AllTenantsUse::operator(actor)?)).await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM alerts WHERE state <> 'closed'").fetch_one(&mut *tx).await?;
    Ok(n)
}

async fn transition(
    s: &Services,
    actor: &Actor,
    alert_id: &AlertId,
    to: &str,
    comment: Option<&str>,
    client: &ClientInfo,
) -> CoreResult<()> {
    policy::authorize(actor, Permission::ManageAlerts, s.clock.now())?;
    let now = s.clock.now();
    let mut tx = s.db.begin_write_in(Reach::all_tenants(AllTenantsUse::operator(actor)?)).await?;
    let row = sqlx::query("SELECT state, tenant_id FROM alerts WHERE id = $1")
        .bind(alert_id.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CoreError::NotFound)?;
    let state: String = row.try_get("state")?;
    let tenant: Option<String> = row.try_get("tenant_id")?;
    let allowed = matches!((state.as_str(), to), ("open", "acknowledged") | ("open" | "acknowledged", "closed"));
    if !allowed {
        return Err(CoreError::Invalid { field: "state", problem: "transition" });
    }
    let action = if to == "acknowledged" {
        sqlx::query("UPDATE alerts SET state = 'acknowledged', acknowledged_by = $1, acknowledged_at = $2, comment = $3 WHERE id = $4")
            .bind(actor.user_id.as_str())
            .bind(now.as_millis())
            .bind(comment.unwrap_or_default())
            .bind(alert_id.as_str())
            .execute(&mut *tx)
            .await?;
        Action::AlertAcknowledged
    } else {
        sqlx::query("UPDATE alerts SET state = 'closed', closed_by = $1, closed_at = $2 WHERE id = $3")
            .bind(actor.user_id.as_str())
            .bind(now.as_millis())
            .bind(alert_id.as_str())
            .execute(&mut *tx)
            .await?;
        Action::AlertClosed
    };
    let tenant = tenant.as_deref().and_then(TenantId::parse);
    let ev = AuditEvent::new(actor.audit_actor(), action, Outcome::Success)
        .tenant(tenant.as_ref())
        .from_client(client)
        .target(alert_id.to_string())
        .detail(json!({ "from": state }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(())
}

/// Acknowledges an open alert with a comment saying what was found or done.
pub async fn acknowledge(s: &Services, actor: &Actor, alert_id: &AlertId, comment: &str, client: &ClientInfo) -> CoreResult<()> {
    let comment = comment.trim();
    if comment.is_empty() {
        return Err(CoreError::Invalid { field: "comment", problem: "required" });
    }
    if comment.chars().count() > 500 {
        return Err(CoreError::Invalid { field: "comment", problem: "too_long" });
    }
    transition(s, actor, alert_id, "acknowledged", Some(comment), client).await
}

pub async fn close(s: &Services, actor: &Actor, alert_id: &AlertId, client: &ClientInfo) -> CoreResult<()> {
    transition(s, actor, alert_id, "closed", None, client).await
}

#[cfg(test)]
mod tests;
