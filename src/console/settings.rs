//! Settings an organisation's admins choose for it.

use serde_json::json;

use crate::audit::{Action, ClientInfo};
use crate::error::{CoreError, CoreResult};
use crate::input;
use crate::policy::Permission;
use crate::scope::TenantScope;
use crate::services::Services;
use crate::tenants;

/// The longest correction window an organisation may choose: 30 days.
pub const RECORD_EDIT_HOURS_MAX: i64 = 720;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantSettings {
    /// Whether members (not only admins) may export people data. Off by default.
    pub members_may_export: bool,
    /// The display time zone (Asia/Tokyo by default).
    pub time_zone: crate::clock::Zone,
    /// How long a record's author may correct or delete it (24 by default;
    /// 0: only admins). Admins may at any time.
    pub record_edit_hours: i64,
}

/// The settings form as sent: checked and parsed by `save`.
#[derive(Clone, Debug, Default)]
pub struct SettingsInput {
    pub members_may_export: bool,
    pub time_zone: String,
    pub record_edit_hours: String,
}

pub async fn get(s: &Services, scope: &TenantScope<'_>) -> CoreResult<TenantSettings> {
    scope.authorize(s, Permission::ViewTenantSettings)?;
    let t = scope.tenant();
    Ok(TenantSettings { members_may_export: t.members_may_export, time_zone: t.time_zone.clone(), record_edit_hours: t.record_edit_hours })
}

fn record_edit_hours(raw: &str) -> CoreResult<i64> {
    let hours: i64 = raw.trim().parse().map_err(|_| CoreError::Invalid { field: "record_edit_hours", problem: "format" })?;
    if !(0..=RECORD_EDIT_HOURS_MAX).contains(&hours) {
        return Err(CoreError::Invalid { field: "record_edit_hours", problem: "range" });
    }
    Ok(hours)
}

pub async fn save(s: &Services, scope: &TenantScope<'_>, input: &SettingsInput, client: &ClientInfo) -> CoreResult<()> {
    scope.authorize(s, Permission::ManageTenantSettings)?;
    let settings = TenantSettings {
        members_may_export: input.members_may_export,
        time_zone: input::parse_time_zone(&input.time_zone)?,
        record_edit_hours: record_edit_hours(&input.record_edit_hours)?,
    };
    let mut tx = scope.write(s, client).await?;
    tenants::set_settings(&mut tx, scope.tenant_id(), &settings).await?;
    let ev = scope.event(Action::TenantSettingsChanged, client).target(scope.tenant_id().to_string()).detail(json!({
        "members_may_export": settings.members_may_export,
        "time_zone": settings.time_zone.name(),
        "record_edit_hours": settings.record_edit_hours,
    }));
    tx.commit(ev).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_correction_window_is_whole_hours_up_to_thirty_days() {
        assert_eq!(record_edit_hours(" 24 ").ok(), Some(24));
        assert_eq!(record_edit_hours("0").ok(), Some(0));
        assert_eq!(record_edit_hours("720").ok(), Some(720));
        for (raw, problem) in [("721", "range"), ("-1", "range"), ("1.5", "format"), ("", "format"), ("二十四", "format")] {
            match record_edit_hours(raw) {
                Err(CoreError::Invalid { field: "record_edit_hours", problem: p }) => assert_eq!(p, problem, "{raw}"),
                other => panic!("{raw}: {other:?}"),
            }
        }
    }
}
