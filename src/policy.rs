//! Authorisation in one place: which role may do what. Every server function
//! and CLI command asks [`authorize`] (directly or through a scope); nothing
//! else decides.

use std::time::Duration;

use crate::auth::Actor;
use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult};
use crate::users::Role;

/// Everything a person can ask Kura to do, at the granularity the roles differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Own password and own sessions.
    ManageOwnAccount,
    /// The organisation's home page and its name.
    ViewOwnTenant,
    ViewAccounts,
    ManageAccounts,
    ViewTenantSettings,
    ManageTenantSettings,
    ViewTenants,
    ManageTenants,
    ViewOperators,
    ManageOperators,
    ReadPeople,
    WritePeople,
    DeletePeople,
    /// Every organisation's audit events (operators).
    ViewAuditAll,
    /// The own organisation's audit events (its admins).
    ViewTenantAudit,
    /// Every alert (operators), an organisation's alerts (its admins), and
    /// acknowledging / closing them (operators).
    ViewAlertsAll,
    ViewTenantAlerts,
    ManageAlerts,
    /// The organisation's IP allowlist.
    ViewAllowlist,
    ManageAllowlist,
    /// Export for everyone the table allows; members also when their organisation allows it.
    ExportPeople,
    /// Importing people from CSV (all rows or none).
    ImportPeople,
    /// The organisation's list of record categories.
    ManageCategories,
}

use Permission as P;
use Role::{Admin, Member, Operator, Viewer};

/// The policy table. Rows are permissions, cells the roles that hold them.
/// Operators manage organisations and accounts but never read people data
/// (WP-2.7); admins manage their own organisation only (the tenant scope).
pub const POLICY: &[(Permission, &[Role])] = &[
    (P::ManageOwnAccount, &[Operator, Admin, Member, Viewer]),
    (P::ViewOwnTenant, &[Admin, Member, Viewer]),
    (P::ViewAccounts, &[Operator, Admin]),
    (P::ManageAccounts, &[Operator, Admin]),
    (P::ViewTenantSettings, &[Admin]),
    (P::ManageTenantSettings, &[Admin]),
    (P::ViewTenants, &[Operator]),
    (P::ManageTenants, &[Operator]),
    (P::ViewOperators, &[Operator]),
    (P::ManageOperators, &[Operator]),
    (P::ReadPeople, &[Admin, Member, Viewer]),
    (P::WritePeople, &[Admin, Member]),
    (P::DeletePeople, &[Admin]),
    (P::ExportPeople, &[Admin]),
    (P::ImportPeople, &[Admin]),
    (P::ManageCategories, &[Admin]),
    (P::ViewAuditAll, &[Operator]),
    (P::ViewTenantAudit, &[Admin]),
    (P::ViewAlertsAll, &[Operator]),
    (P::ViewTenantAlerts, &[Admin]),
    (P::ManageAlerts, &[Operator]),
    (P::ViewAllowlist, &[Operator, Admin]),
    (P::ManageAllowlist, &[Operator, Admin]),
];

pub const ALL_ROLES: [Role; 4] = [Operator, Admin, Member, Viewer];

impl Permission {
    pub const ALL: [Permission; 23] = [
        P::ManageOwnAccount,
        P::ViewOwnTenant,
        P::ViewAccounts,
        P::ManageAccounts,
        P::ViewTenantSettings,
        P::ManageTenantSettings,
        P::ViewTenants,
        P::ManageTenants,
        P::ViewOperators,
        P::ManageOperators,
        P::ReadPeople,
        P::WritePeople,
        P::DeletePeople,
        P::ExportPeople,
        P::ViewAuditAll,
        P::ViewTenantAudit,
        P::ViewAlertsAll,
        P::ViewTenantAlerts,
        P::ManageAlerts,
        P::ViewAllowlist,
        P::ManageAllowlist,
        P::ImportPeople,
        P::ManageCategories,
    ];

    /// Changes something (as opposed to reading).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            P::ManageOwnAccount
                | P::ManageAccounts
                | P::ManageTenantSettings
                | P::ManageTenants
                | P::ManageOperators
                | P::WritePeople
                | P::DeletePeople
                | P::ExportPeople
                | P::ImportPeople
                | P::ManageCategories
                | P::ManageAllowlist
                | P::ManageAlerts
        )
    }
}

/// Whether the table gives `role` this permission.
pub fn allows(role: Role, permission: Permission) -> bool {
    POLICY.iter().any(|(p, roles)| *p == permission && roles.contains(&role))
}

/// Export is the one permission a setting of the organisation widens.
pub fn allows_export(role: Role, members_may_export: bool) -> bool {
    allows(role, P::ExportPeople) || (role == Member && members_may_export)
}

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
