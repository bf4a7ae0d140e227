//! Settings an organisation's admins choose for it.

use serde_json::json;

use crate::audit::{Action, ClientInfo};
use crate::error::CoreResult;
use crate::input;
use crate::policy::Permission;
use crate::scope::TenantScope;
use crate::services::Services;
use crate::tenants;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantSettings {
    /// Whether members (not only admins) may export people data. Off by default.
    pub members_may_export: bool,
    /// The display time zone (Asia/Tokyo by default).
    pub time_zone: crate::clock::Zone,
}

pub async fn get(s: &Services, scope: &TenantScope<'_>) -> CoreResult<TenantSettings> {
    scope.authorize(s, Permission::ViewTenantSettings)?;
    let t = scope.tenant();
    Ok(TenantSettings { members_may_export: t.members_may_export, time_zone: t.time_zone.clone() })
}

pub async fn save(s: &Services, scope: &TenantScope<'_>, members_may_export: bool, time_zone: &str, client: &ClientInfo) -> CoreResult<()> {
    scope.authorize(s, Permission::ManageTenantSettings)?;
    let time_zone = input::parse_time_zone(time_zone)?;
    let mut tx = scope.write(s, client).await?;
    tenants::set_settings(&mut tx, scope.tenant_id(), members_may_export, &time_zone).await?;
    let ev = scope
        .event(Action::TenantSettingsChanged, client)
        .target(scope.tenant_id().to_string())
        .detail(json!({ "members_may_export": members_may_export, "time_zone": time_zone.name() }));
    tx.commit(ev).await?;
    Ok(())
}
