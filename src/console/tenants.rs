//! Organisations, managed by operators: counts and metadata only, never the
//! organisation's people data (WP-2.7).

use serde_json::json;

use super::{offset, Page, PER_PAGE};
use crate::audit::{self, Action, AuditEvent, ClientInfo, Outcome};
use crate::auth::Actor;
use crate::db::{AllTenantsUse, Reach};
use crate::error::{CoreError, CoreResult};
use crate::ids::TenantId;
use crate::input;
use crate::keys;
use crate::policy::{self, Permission};
use crate::services::Services;
use crate::tenants::{self, NewTenant, OrgCode, Tenant, TenantStatus, TenantSummary};
use crate::users;

pub async fn list(s: &Services, actor: &Actor, search: &str, page: i64) -> CoreResult<Page<TenantSummary>> {
    policy::authorize(actor, Permission::ViewTenants, s.clock.now())?;
    let (found, total) = tenants::list(&s.db, search, offset(page), PER_PAGE).await?;
    Ok(Page { items: summaries(s, actor, found).await?, total, page })
}

pub async fn get(s: &Services, actor: &Actor, tenant_id: &TenantId) -> CoreResult<TenantSummary> {
    policy::authorize(actor, Permission::ViewTenants, s.clock.now())?;
    let tenant = tenants::get(&s.db, tenant_id).await?.ok_or(CoreError::NotFound)?;
    summaries(s, actor, vec![tenant]).await?.pop().ok_or(CoreError::NotFound)
}

/// The organisations with their account counts and latest login: counted
/// across organisations in the operator's own all-tenants reach.
async fn summaries(s: &Services, actor: &Actor, found: Vec<Tenant>) -> CoreResult<Vec<TenantSummary>> {
    let ids: Vec<TenantId> = found.iter().map(|t| t.id.clone()).collect();
    let mut tx = s.db.read_in(Reach::all_tenants(AllTenantsUse::operator(actor)?)).await?;
    let activity = users::activity_by_tenant(&mut tx, &ids).await?;
    Ok(found
        .into_iter()
        .map(|tenant| {
            let (user_count, last_activity) = activity.get(&tenant.id).copied().unwrap_or((0, None));
            TenantSummary { tenant, user_count, last_activity }
        })
        .collect())
}

/// What the operator typed into the "new organisation" form.
pub struct TenantForm<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub contract_start: &'a str,
    pub emails: &'a str,
    pub phone: &'a str,
}

/// Validates every field before anything is written; the first problem is
/// reported with its field name.
pub fn parse_form(form: &TenantForm<'_>) -> CoreResult<NewTenant> {
    Ok(NewTenant {
        code: OrgCode::parse(form.code)?,
        name: tenants::parse_name(form.name)?,
        contract_start: Some(input::parse_date("contract_start", form.contract_start)?.to_string()),
        contacts: input::parse_contacts(form.emails, form.phone)?,
    })
}

/// Creates the organisation and its data key, wrapped by the master key,
/// in one transaction with its audit row.
pub async fn create(s: &Services, actor: &Actor, form: &TenantForm<'_>, client: &ClientInfo) -> CoreResult<Tenant> {
    policy::authorize(actor, Permission::ManageTenants, s.clock.now())?;
    create_unchecked(s, &actor.audit_actor(), &parse_form(form)?, client).await
}

/// The creation itself, shared with the command line (which checks the policy itself).
pub(crate) async fn create_unchecked(
    s: &Services,
    by: &crate::audit::AuditActor,
    new: &NewTenant,
    client: &ClientInfo,
) -> CoreResult<Tenant> {
    let now = s.clock.now();
    let id = TenantId::generate();
    let mut tx = s.db.begin_write_in(Reach::Tenant(id.clone())).await?;
    let tenant = tenants::insert_new(&mut tx, id, new, now).await?;
    let key_id = keys::create_tenant_key(&mut tx, &s.keys, now).await?;
    crate::people::records::create_default_categories(&mut tx).await?;
    let ev = AuditEvent::new(by.clone(), Action::TenantCreated, Outcome::Success)
        .tenant(Some(&tenant.id))
        .from_client(client)
        .target(tenant.id.to_string())
        .detail(json!({ "code": tenant.code.as_str(), "data_key_id": key_id, "master_key_id": s.keys.id() }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(tenant)
}

pub async fn set_contacts(
    s: &Services,
    actor: &Actor,
    tenant_id: &TenantId,
    emails: &str,
    phone: &str,
    client: &ClientInfo,
) -> CoreResult<()> {
    policy::authorize(actor, Permission::ManageTenants, s.clock.now())?;
    let tenant = get(s, actor, tenant_id).await?.tenant;
    let contacts = input::parse_contacts(emails, phone)?;
    let now = s.clock.now();
    let mut tx = s.db.begin_write_in(Reach::Tenant(tenant.id.clone())).await?;
    tenants::set_contacts(&mut tx, &tenant.id, &contacts).await?;
    // Contact addresses are the organisation's business details, not people data; the count is enough here.
    let ev = AuditEvent::new(actor.audit_actor(), Action::TenantContactsChanged, Outcome::Success)
        .tenant(Some(&tenant.id))
        .from_client(client)
        .target(tenant.id.to_string())
        .detail(json!({ "emails": contacts.emails.len() }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(())
}

/// Suspends (nobody of the organisation can log in; open sessions stop at
/// their next request) or resumes an organisation.
pub async fn set_suspended(s: &Services, actor: &Actor, tenant_id: &TenantId, suspended: bool, client: &ClientInfo) -> CoreResult<()> {
    policy::authorize(actor, Permission::ManageTenants, s.clock.now())?;
    let tenant = get(s, actor, tenant_id).await?.tenant;
    let (status, action) = match (tenant.status, suspended) {
        (TenantStatus::Terminated, _) => return Err(CoreError::Invalid { field: "status", problem: "terminated" }),
        (_, true) => (TenantStatus::Suspended, Action::TenantSuspended),
        (_, false) => (TenantStatus::Active, Action::TenantResumed),
    };
    let now = s.clock.now();
    let mut tx = s.db.begin_write_in(Reach::Tenant(tenant.id.clone())).await?;
    tenants::set_status(&mut tx, &tenant.id, status).await?;
    let ev = AuditEvent::new(actor.audit_actor(), action, Outcome::Success)
        .tenant(Some(&tenant.id))
        .from_client(client)
        .target(tenant.id.to_string());
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(())
}
