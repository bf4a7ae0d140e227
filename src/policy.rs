//! Authorisation in one place: which role may do what. Every server function
//! and CLI command asks [`authorize`] (directly or through a scope); nothing
//! else decides.

use std::time::Duration;

use crate::auth::Actor;
use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult};

pub use crate::domain::permission::{allows, allows_export, Permission, POLICY};
pub use crate::domain::Role;

use Permission as P;
use Role::Operator;

/// Every role, operators first.
pub const ALL_ROLES: [Role; 4] = Role::ALL;

/// How recently an operator must have typed their password before a change
/// made in the operator console (WP-2.3: privileged actions are confirmed).
pub const OPERATOR_REAUTH_AFTER: Duration = Duration::from_secs(10 * 60);

/// The one check: the role holds the permission, a temporary password has
/// been replaced, and operators changing anything have authenticated recently.
pub fn authorize(actor: &Actor, permission: Permission, now: Timestamp) -> CoreResult<()> {
    if !allows(actor.role, permission) {
        return Err(CoreError::Forbidden);
    }
    if actor.must_change_password && permission != P::ManageOwnAccount {
        return Err(CoreError::Forbidden);
    }
    if actor.role == Operator
        && permission.is_write()
        && permission != P::ManageOwnAccount
        && now.since(actor.verified_at) > OPERATOR_REAUTH_AFTER
    {
        return Err(CoreError::ReauthRequired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::{Admin, Member, Viewer};

    #[test]
    fn every_permission_has_exactly_one_row() {
        for p in Permission::ALL {
            assert_eq!(POLICY.iter().filter(|(q, _)| *q == p).count(), 1, "{p:?}");
        }
        assert_eq!(POLICY.len(), Permission::ALL.len());
    }

    #[test]
    fn viewers_cannot_write_anything_but_their_own_account() {
        for p in Permission::ALL.into_iter().filter(|p| p.is_write() && *p != P::ManageOwnAccount) {
            assert!(!allows(Viewer, p), "{p:?}");
        }
    }

    #[test]
    fn members_cannot_manage_users_or_settings() {
        for p in [
            P::ViewAccounts,
            P::ManageAccounts,
            P::ManageTenantSettings,
            P::ManageTenants,
            P::ManageOperators,
            P::ManageAllowlist,
            P::ViewTenantAudit,
            P::ViewAuditAll,
        ] {
            assert!(!allows(Member, p), "{p:?}");
        }
        assert!(allows(Member, P::WritePeople));
    }

    #[test]
    fn admins_cannot_reach_the_operator_console() {
        for p in [P::ViewTenants, P::ManageTenants, P::ViewOperators, P::ManageOperators, P::ViewAuditAll] {
            assert!(!allows(Admin, p), "{p:?}");
        }
    }

    #[test]
    fn operators_cannot_read_people_data() {
        for p in [P::ReadPeople, P::WritePeople, P::DeletePeople, P::ExportPeople, P::ViewOwnTenant] {
            assert!(!allows(Operator, p), "{p:?}");
        }
        assert!(!allows_export(Operator, true));
    }

    #[test]
    fn members_export_only_when_their_organisation_allows_it() {
        assert!(!allows_export(Member, false));
        assert!(allows_export(Member, true));
        assert!(!allows_export(Viewer, true));
        assert!(allows_export(Admin, false));
    }
}
