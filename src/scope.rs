//! The tenant scope: the only way to reach an organisation's rows. It is
//! built from the request's actor (their own organisation) or, for an
//! operator, from an organisation id the operator chose; every query made
//! through it is limited to that organisation, so an id of another
//! organisation is simply not found.

use crate::audit::{Action, AuditEvent, ClientInfo, Outcome};
use crate::auth::Actor;
use crate::db::{Reach, Tx};
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
    pub async fn chosen_by_operator(s: &Services, actor: &'a Actor, tenant_id: &TenantId) -> CoreResult<TenantScope<'a>> {
        policy::authorize(actor, Permission::ViewTenants, s.clock.now())?;
        let tenant = tenants::get(&s.db, tenant_id).await?.ok_or(CoreError::NotFound)?;
        Ok(TenantScope { actor, tenant })
    }

    /// An organisation named by its code, chosen by an operator (the command line).
    pub async fn named_by_operator(s: &Services, actor: &'a Actor, org_code: &str) -> CoreResult<TenantScope<'a>> {
        policy::authorize(actor, Permission::ViewTenants, s.clock.now())?;
        let code = tenants::OrgCode::parse(org_code)?;
        let tenant = tenants::find_by_code(&s.db, &code).await?.ok_or(CoreError::NotFound)?;
        Ok(TenantScope { actor, tenant })
    }

    /// The scope of a request that may name an organisation: an operator
    /// names the one they act on; anyone else acts on their own, and naming
    /// any other organisation is `NotFound`, like any id of another organisation.
    pub async fn for_request(s: &Services, actor: &'a Actor, org: Option<&TenantId>) -> CoreResult<TenantScope<'a>> {
        if actor.is_operator() {
            policy::authorize(actor, Permission::ViewTenants, s.clock.now())?;
            return Self::chosen_by_operator(s, actor, org.ok_or(CoreError::NotFound)?).await;
        }
        if org.is_some_and(|o| actor.tenant_id.as_ref() != Some(o)) {
            return Err(CoreError::NotFound);
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

    /// Which rows this scope reaches: this organisation's.
    pub fn reach(&self) -> Reach {
        Reach::Tenant(self.tenant.id.clone())
    }

    /// A transaction that reads this organisation's rows only.
    pub async fn read(&self, s: &Services) -> CoreResult<Tx> {
        s.db.read_in(self.reach()).await
    }

    /// A transaction that writes this organisation's rows only (and its audit events).
    pub(crate) async fn begin_write(&self, s: &Services) -> CoreResult<Tx> {
        s.db.begin_write_in(self.reach()).await
    }

    /// A change to this organisation: a transaction in its reach that
    /// carries the actor and the client address, and commits only together
    /// with the change's audit event (`ScopedWrite::commit`).
    pub async fn write(&self, s: &Services, client: &ClientInfo) -> CoreResult<ScopedWrite> {
        Ok(ScopedWrite {
            tx: self.begin_write(s).await?,
            actor: self.actor.audit_actor(),
            tenant: self.tenant.id.clone(),
            client: client.clone(),
            now: s.clock.now(),
        })
    }

    /// An account of this organisation; any other id is `NotFound`.
    pub async fn user(&self, s: &Services, user_id: &UserId) -> CoreResult<User> {
        let mut tx = self.read(s).await?;
        users::get_in_tenant(&mut tx, user_id).await?.ok_or(CoreError::NotFound)
    }

    /// An audit event by this actor on this organisation.
    pub fn event(&self, action: Action, client: &ClientInfo) -> AuditEvent {
        AuditEvent::new(self.actor.audit_actor(), action, Outcome::Success).tenant(Some(&self.tenant.id)).from_client(client)
    }
}

/// Before an actor exists (a login, a setup link, the allowlist check at the
/// login form): the organisation named by its code, or the installation for
/// operators' logins. It reads only what logging in needs: the account by
/// its name or id, the organisation's allowlist, and it records the outcome
/// on the account. Nothing else of the organisation is reachable from it.
#[derive(Debug)]
pub struct PreAuthScope {
    tenant: Option<Tenant>,
}

impl PreAuthScope {
    /// The organisation with this code; `None` when there is none.
    pub async fn for_org_code(s: &Services, code: &tenants::OrgCode) -> CoreResult<Option<PreAuthScope>> {
        Ok(tenants::find_by_code(&s.db, code).await?.map(|t| PreAuthScope { tenant: Some(t) }))
    }

    /// The organisation a setup link names.
    pub(crate) async fn for_tenant(s: &Services, id: &TenantId) -> CoreResult<Option<PreAuthScope>> {
        Ok(tenants::get(&s.db, id).await?.map(|t| PreAuthScope { tenant: Some(t) }))
    }

    /// The operators' login.
    pub fn operators() -> PreAuthScope {
        PreAuthScope { tenant: None }
    }

    pub fn tenant(&self) -> Option<&Tenant> {
        self.tenant.as_ref()
    }

    fn reach(&self) -> Reach {
        Reach::of_row(self.tenant.as_ref().map(|t| &t.id))
    }

    /// The account that logs in with this name, and its password hash.
    pub(crate) async fn find_account(
        &self,
        s: &Services,
        login: &users::LoginName,
    ) -> CoreResult<Option<(User, crate::auth::password::PasswordHashString)>> {
        users::find_for_login(&mut s.db.read_in(self.reach()).await?, login).await
    }

    /// An account of this organisation by id (a setup link's).
    pub(crate) async fn account(&self, s: &Services, id: &UserId) -> CoreResult<Option<User>> {
        users::get(&mut s.db.read_in(self.reach()).await?, id).await
    }

    /// Whether the organisation lets this address in (operators: always; the
    /// console has its own fence).
    pub async fn allows(&self, s: &Services, ip: Option<std::net::IpAddr>) -> CoreResult<bool> {
        match &self.tenant {
            Some(t) => crate::network::allows(s, &t.id, ip).await,
            None => Ok(true),
        }
    }
}

/// A change in a tenant scope, and the audit event that must go with it.
pub struct ScopedWrite {
    tx: Tx,
    actor: crate::audit::AuditActor,
    tenant: TenantId,
    client: ClientInfo,
    now: crate::Timestamp,
}

impl ScopedWrite {
    /// The time the change is recorded at.
    pub fn now(&self) -> crate::Timestamp {
        self.now
    }

    /// An event of this write's actor, organisation and client.
    pub fn event(&self, action: Action) -> AuditEvent {
        AuditEvent::new(self.actor.clone(), action, Outcome::Success).tenant(Some(&self.tenant)).from_client(&self.client)
    }

    /// Appends the change's audit event and commits both, or neither.
    pub async fn commit(mut self, event: AuditEvent) -> CoreResult<()> {
        if event.tenant_id.as_ref() != self.tx.tenant().ok() {
            return Err(CoreError::Forbidden);
        }
        crate::audit::append(&mut self.tx, self.now, &event).await?;
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for ScopedWrite {
    type Target = Tx;
    fn deref(&self) -> &Tx {
        &self.tx
    }
}

impl std::ops::DerefMut for ScopedWrite {
    fn deref_mut(&mut self) -> &mut Tx {
        &mut self.tx
    }
}
