//! The tenant scope: the only way to reach an organisation's rows. It is
//! built from the request's actor (their own organisation) or, for an
//! operator, from an organisation id the operator chose; every query made
//! through it is limited to that organisation, so an id of another
//! organisation is simply not found.

use crate::audit::{AuditEvent, ClientInfo, Outcome, Action};
use crate::auth::Actor;
use crate::error::{CoreError, CoreResult};
use crate::ids::{TenantId, UserId};
use crate::policy::{self, Permission};
use crate::services::Services;
use crate::tenants::{self, Tenant};
use crate::users::{self, User};

/// An organisation and the actor acting on it.
#[derive(Debug)]
pub struct TenantScope<'a> {
    actor: &'a Actor,
    tenant: Tenant,
}

impl<'a> TenantScope<'a> {
    /// The actor's own organisation (admins, members, viewers).
    pub async fn own(s: &Services, actor: &'a Actor) -> CoreResult<TenantScope<'a>> {
        let tid = actor.tenant_id.as_ref().ok_or(CoreError::Forbidden)?;
        let tenant = tenants::get(&s.db, tid).await?.ok_or(CoreError::NotAuthenticated)?;
        Ok(TenantScope { actor, tenant })
    }

    /// Any organisation, chosen by an operator in the console. Only
    /// operators may choose; an id that does not parse or does not exist is `NotFound`.
    pub async fn chosen_by_operator(s: &Services, actor: &'a Actor, tenant_id: &str) -> CoreResult<TenantScope<'a>> {
        policy::authorize(actor, Permission::ViewTenants, s.clock.now())?;
        let tid = TenantId::parse(tenant_id).ok_or(CoreError::NotFound)?;
        let tenant = tenants::get(&s.db, &tid).await?.ok_or(CoreError::NotFound)?;
        Ok(TenantScope { actor, tenant })
    }

    /// The scope of a request that may name an organisation: an operator
    /// names the one they act on; anyone else acts on their own, and naming
    /// any other organisation is `NotFound`, like any id of another organisation.
    pub async fn for_request(s: &Services, actor: &'a Actor, org: Option<&str>) -> CoreResult<TenantScope<'a>> {
        let org = org.map(str::trim).filter(|o| !o.is_empty());
        if actor.is_operator() {
            return Self::chosen_by_operator(s, actor, org.unwrap_or_default()).await;
        }
        if let Some(o) = org {
            if actor.tenant_id.as_ref().map(TenantId::as_str) != Some(o) {
                return Err(CoreError::NotFound);
            }
        }
        Self::own(s, actor).await
    }

    /// The policy check every operation on the scope starts with.
    pub fn authorize(&self, s: &Services, permission: Permission) -> CoreResult<()> {
        policy::authorize(self.actor, permission, s.clock.now())
    }

    pub fn actor(&self) -> &Actor {
        self.actor
    }

    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    pub fn tenant_id(&self) -> &TenantId {
        &self.tenant.id
    }

    /// An account of this organisation; any other id is `NotFound`.
    pub async fn user(&self, s: &Services, user_id: &str) -> CoreResult<User> {
        let id = UserId::parse(user_id).ok_or(CoreError::NotFound)?;
        users::get_in_tenant(&s.db, &self.tenant.id, &id).await?.ok_or(CoreError::NotFound)
    }

    /// An audit event by this actor on this organisation.
    pub fn event(&self, action: Action, client: &ClientInfo) -> AuditEvent {
        AuditEvent::new(self.actor.audit_actor(), action, Outcome::Success)
            .tenant(Some(&self.tenant.id))
            .from_client(client)
    }
}
