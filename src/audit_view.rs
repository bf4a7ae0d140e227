//! Reading the audit log (WP-2.5, 2.13): operators see every organisation's
//! events, an organisation's admins see their own (including what operators
//! did to it). Metadata only — who, when, what, target, address, result —
//! never people data. Filters by time, actor, action and result; keyset
//! paging (stable while new events arrive); CSV export, itself audited.

use serde_json::json;
use sqlx::Row;

use crate::audit::{self, Action, AuditEvent, ClientInfo, Outcome};
use crate::auth::Actor;
use crate::clock::Timestamp;
use crate::db::{AllTenantsUse, Reach, Tx};
use crate::error::{CoreError, CoreResult};
use crate::policy::{self, Permission};
use crate::scope::TenantScope;
use crate::services::Services;

/// Rows per page of the viewer.
pub const PAGE_ROWS: i64 = 50;
/// Most rows in one CSV export.
pub const EXPORT_ROWS: i64 = 50_000;

/// What to show. Text filters match a part of the field, case-insensitively.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub to: Option<Timestamp>,
    pub actor: String,
    /// An action or its family (`login.` matches every login event).
    pub action: String,
    /// `success`, `failure` or `denied`; empty for all.
    pub result: String,
    /// Keyset cursor: only events older than this sequence number.
    pub before_seq: Option<i64>,
}

impl AuditFilter {
    /// Checks the user-typed parts.
    pub fn validate(&self) -> CoreResult<()> {
        if self.actor.chars().count() > 100 {
            return Err(CoreError::Invalid { field: "actor", problem: "too_long" });
        }
        if !is_known_action_filter(self.action.trim()) {
            return Err(CoreError::Invalid { field: "action", problem: "unknown" });
        }
        if !["", "success", "failure", "denied"].contains(&self.result.as_str()) {
            return Err(CoreError::Invalid { field: "result", problem: "unknown" });
        }
        if let (Some(f), Some(t)) = (self.from, self.to) {
            if t <= f {
                return Err(CoreError::Invalid { field: "to", problem: "before_from" });
            }
        }
        Ok(())
    }
}

/// Whether `action` is one the viewers filter by: empty (all), an action's
/// own name, or a family of actions (`login.`, every login event).
pub fn is_known_action_filter(action: &str) -> bool {
    action.is_empty() || Action::parse(action).is_some() || (action.ends_with('.') && action_families().contains(&action))
}

/// The families of actions (`login.`, `person.`, …), in the order of `Action::ALL`.
pub fn action_families() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for a in Action::ALL {
        if let Some(dot) = a.as_str().find('.') {
            let family = &a.as_str()[..=dot];
            if !out.contains(&family) {
                out.push(family);
            }
        }
    }
    out
}

/// What an event's target names, for people to read instead of an id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetLabel {
    /// An account: its login.
    Account(String),
    /// An organisation: its name.
    Organisation(String),
    /// A person of the register: their name when the reader may read people
    /// (an organisation's admins), else `None` (operators never see people data).
    Person(Option<String>),
    /// A record category: its name.
    Category(String),
}

/// One event as the viewers show it.
#[derive(Clone, Debug)]
pub struct AuditRow {
    pub seq: i64,
    pub at: Timestamp,
    pub actor: String,
    pub tenant_code: Option<String>,
    pub client_ip: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub result: String,
    pub detail: String,
    /// What the target id names, when it names something still there.
    pub target_label: Option<TargetLabel>,
}

#[derive(Clone, Debug)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// The cursor for the next (older) page, when there is one.
    pub next_before: Option<i64>,
}

fn like(s: &str) -> String {
    format!("%{}%", crate::users::like_escape(&s.trim().to_lowercase()))
}

/// One query for both viewers: `tenant` limits it to an organisation.
/// The events in the transaction's reach: every organisation's (and the
/// installation's) for an all-tenants reach, else its organisation's.
async fn query(tx: &mut Tx, f: &AuditFilter, limit: i64) -> CoreResult<Vec<AuditRow>> {
    f.validate()?;
    let tenant = tx.tenant_filter()?;
    let sql = "SELECT a.seq, a.at, a.actor_label, t.code AS tenant_code, a.client_ip, a.action, a.target, a.result, a.detail \
               FROM audit_log a LEFT JOIN tenants t ON t.id = a.tenant_id \
               WHERE ($1 = '' OR a.tenant_id = $1) \
                 AND a.at >= $2 AND a.at < $3 AND a.seq < $4 \
                 AND LOWER(a.actor_label) LIKE $5 ESCAPE '\\' \
                 AND a.action LIKE $6 ESCAPE '\\' \
                 AND ($7 = '' OR a.result = $7) \
               ORDER BY a.seq DESC LIMIT $8";
    let action = format!("{}%", crate::users::like_escape(f.action.trim()));
    let rows = sqlx::query(sql)
        .bind(tenant)
        .bind(f.from.map_or(i64::MIN, Timestamp::as_millis))
        .bind(f.to.map_or(i64::MAX, Timestamp::as_millis))
        .bind(f.before_seq.unwrap_or(i64::MAX))
        .bind(like(&f.actor))
        .bind(action)
        .bind(f.result.trim())
        .bind(limit)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditRow {
                seq: r.try_get("seq")?,
                at: Timestamp::from_millis(r.try_get("at")?),
                actor: r.try_get("actor_label")?,
                tenant_code: r.try_get("tenant_code")?,
                client_ip: r.try_get("client_ip")?,
                action: r.try_get("action")?,
                target: r.try_get("target")?,
                result: r.try_get("result")?,
                detail: r.try_get("detail")?,
                target_label: None,
            })
        })
        .collect()
}

fn page(mut rows: Vec<AuditRow>) -> AuditPage {
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > PAGE_ROWS;
    rows.truncate(usize::try_from(PAGE_ROWS).unwrap_or(50));
    let next_before = if more { rows.last().map(|r| r.seq) } else { None };
    AuditPage { rows, next_before }
}

/// An operator's read across every organisation (authorised by the caller).
async fn operator_reach(s: &Services, actor: &Actor) -> CoreResult<Tx> {
    s.db.read_in(Reach::all_tenants(AllTenantsUse::operator(actor)?)).await
}

/// Every organisation's events (operators). Targets are named as accounts,
/// organisations and categories; a person is said to be one, never named.
pub async fn list_all(s: &Services, actor: &Actor, f: &AuditFilter) -> CoreResult<AuditPage> {
    policy::authorize(actor, Permission::ViewAuditAll, s.clock.now())?;
    let mut tx = operator_reach(s, actor).await?;
    let mut p = page(query(&mut tx, f, PAGE_ROWS + 1).await?);
    label_targets(&mut tx, &mut p.rows).await?;
    Ok(p)
}

/// One organisation's events (its admins), people named when the admin may read them.
pub async fn list_tenant(s: &Services, scope: &TenantScope<'_>, f: &AuditFilter) -> CoreResult<AuditPage> {
    scope.authorize(s, Permission::ViewTenantAudit)?;
    let mut tx = scope.read(s).await?;
    let mut p = page(query(&mut tx, f, PAGE_ROWS + 1).await?);
    label_targets(&mut tx, &mut p.rows).await?;
    drop(tx);
    if scope.authorize(s, Permission::ReadPeople).is_ok() {
        let people: Vec<crate::ids::PersonId> = p
            .rows
            .iter()
            .filter(|r| matches!(r.target_label, Some(TargetLabel::Person(_))))
            .filter_map(|r| r.target.as_deref().and_then(crate::ids::PersonId::parse))
            .collect();
        let names = crate::people::register::names(s, scope, &people).await?;
        for r in &mut p.rows {
            if let (Some(TargetLabel::Person(name)), Some(id)) =
                (&mut r.target_label, r.target.as_deref().and_then(crate::ids::PersonId::parse))
            {
                *name = names.get(&id).cloned();
            }
        }
    }
    Ok(p)
}

/// Names the page's targets that are still there: accounts, organisations,
/// people (as people, unnamed) and categories, in the transaction's reach.
async fn label_targets(tx: &mut Tx, rows: &mut [AuditRow]) -> CoreResult<()> {
    let mut ids: Vec<String> = rows.iter().filter_map(|r| r.target.clone()).filter(|t| uuid::Uuid::parse_str(t).is_ok()).collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let tenant = tx.tenant_filter()?;
    let params: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let list = params.join(", ");
    let mut labels: std::collections::HashMap<String, TargetLabel> = std::collections::HashMap::new();
    type Lookup = (&'static str, fn(String) -> TargetLabel);
    let lookups: [Lookup; 4] = [
        ("SELECT id, login AS label FROM users WHERE ($1 = '' OR tenant_id = $1) AND id IN", TargetLabel::Account),
        ("SELECT id, name AS label FROM tenants WHERE ($1 = '' OR id = $1) AND id IN", TargetLabel::Organisation),
        ("SELECT id, '' AS label FROM people WHERE ($1 = '' OR tenant_id = $1) AND id IN", |_| TargetLabel::Person(None)),
        ("SELECT id, name AS label FROM record_categories WHERE ($1 = '' OR tenant_id = $1) AND id IN", TargetLabel::Category),
    ];
    for (select, label) in lookups {
        let sql = format!("{select} ({list})");
        let mut q = sqlx::query(&sql).bind(&tenant);
        for id in &ids {
            q = q.bind(id);
        }
        for r in q.fetch_all(&mut **tx).await? {
            labels.insert(r.try_get("id")?, label(r.try_get("label")?));
        }
    }
    for r in rows {
        r.target_label = r.target.as_ref().and_then(|t| labels.get(t).cloned());
    }
    Ok(())
}

/// The events to export, and an audit row saying who exported how many.
async fn export(
    s: &Services,
    actor: &Actor,
    tenant: Option<&crate::ids::TenantId>,
    f: &AuditFilter,
    client: &ClientInfo,
) -> CoreResult<Vec<AuditRow>> {
    let mut tx = match tenant {
        Some(t) => s.db.read_in(Reach::Tenant(t.clone())).await?,
        None => operator_reach(s, actor).await?,
    };
    let rows = query(&mut tx, f, EXPORT_ROWS).await?;
    drop(tx);
    let ev = AuditEvent::new(actor.audit_actor(), Action::AuditExported, Outcome::Success)
        .tenant(tenant)
        .from_client(client)
        .detail(json!({ "rows": rows.len() }));
    audit::record(&s.db, s.clock.now(), &ev).await?;
    Ok(rows)
}

pub async fn export_all(s: &Services, actor: &Actor, f: &AuditFilter, client: &ClientInfo) -> CoreResult<Vec<AuditRow>> {
    policy::authorize(actor, Permission::ViewAuditAll, s.clock.now())?;
    export(s, actor, None, f, client).await
}

pub async fn export_tenant(s: &Services, scope: &TenantScope<'_>, f: &AuditFilter, client: &ClientInfo) -> CoreResult<Vec<AuditRow>> {
    scope.authorize(s, Permission::ViewTenantAudit)?;
    export(s, scope.actor(), Some(scope.tenant_id()), f, client).await
}

/// The rows as CSV for Excel in Japan: UTF-8 with a BOM, times with their zone,
/// and cells that a spreadsheet would run as a formula defused with a quote.
pub fn to_csv(rows: &[AuditRow], time_zone: &crate::clock::Zone) -> CoreResult<Vec<u8>> {
    let header = ["seq", "time", "organisation", "actor", "action", "target", "result", "ip", "detail"];
    crate::spreadsheet::write(
        &header,
        rows.iter().map(|r| {
            [
                r.seq.to_string(),
                r.at.display_in(time_zone, true),
                r.tenant_code.clone().unwrap_or_default(),
                r.actor.clone(),
                r.action.clone(),
                r.target.clone().unwrap_or_default(),
                r.result.clone(),
                r.client_ip.clone().unwrap_or_default(),
                r.detail.clone(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_the_zone_and_no_formulas() {
        let row = AuditRow {
            seq: 7,
            at: Timestamp::from_millis(0),
            actor: String::from("=HYPERLINK(\"http://evil\")"),
            tenant_code: Some(String::from("acme")),
            client_ip: Some(String::from("192.0.2.1")),
            action: String::from("login.failed"),
            target: None,
            result: String::from("failure"),
            detail: String::from("{\"a\":1}"),
            target_label: None,
        };
        let bytes = to_csv(&[row], &crate::clock::Zone::tokyo()).expect("csv");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes).expect("utf8");
        assert!(text.contains("1970-01-01 09:00 JST"), "{text}");
        assert!(text.contains("'=HYPERLINK"), "{text}");
    }

    #[test]
    fn filters_are_checked() {
        assert!(AuditFilter { result: String::from("maybe"), ..Default::default() }.validate().is_err());
        let backwards = AuditFilter { from: Some(Timestamp::from_millis(10)), to: Some(Timestamp::from_millis(5)), ..Default::default() };
        assert!(backwards.validate().is_err());
        assert!(AuditFilter::default().validate().is_ok());
    }
}
