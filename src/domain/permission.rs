//! Which role may do what: the policy table. The server enforces it
//! (`policy::authorize`); the browser reads it to offer only what will be
//! allowed. One table, so the two cannot disagree.

use super::role::Role;

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
    /// Correcting or deleting any record at any time (authors may correct
    /// their own within the organisation's window: `WritePeople`).
    CorrectAnyRecord,
    /// Records' correction history (訂正履歴) and deleted records.
    ViewRecordHistory,
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
    (P::CorrectAnyRecord, &[Admin]),
    (P::ViewRecordHistory, &[Admin]),
    (P::ViewAuditAll, &[Operator]),
    (P::ViewTenantAudit, &[Admin]),
    (P::ViewAlertsAll, &[Operator]),
    (P::ViewTenantAlerts, &[Admin]),
    (P::ManageAlerts, &[Operator]),
    (P::ViewAllowlist, &[Operator, Admin]),
    (P::ManageAllowlist, &[Operator, Admin]),
];

impl Permission {
    pub const ALL: [Permission; 25] = [
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
        P::CorrectAnyRecord,
        P::ViewRecordHistory,
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
                | P::CorrectAnyRecord
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
