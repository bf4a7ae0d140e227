//! Organisations (tenants) and their codes.

use sqlx::{AnyConnection, Row};

use crate::clock::{Timestamp, Zone};
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::TenantId;

/// An organisation code as typed at login: 2–32 of `a-z 0-9 -`, case-folded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrgCode(String);

impl OrgCode {
    pub fn parse(raw: &str) -> CoreResult<OrgCode> {
        let s = raw.trim().to_ascii_lowercase();
        if s.is_empty() {
            return Err(CoreError::Invalid { field: "org_code", problem: "required" });
        }
        if s.len() > 32 {
            return Err(CoreError::Invalid { field: "org_code", problem: "too_long" });
        }
        let len_ok = (2..=32).contains(&s.len());
        let chars_ok = s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !len_ok || !chars_ok || s.starts_with('-') || s.ends_with('-') {
            return Err(CoreError::Invalid { field: "org_code", problem: "format" });
        }
        Ok(OrgCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantStatus {
    Active,
    Suspended,
    Terminated,
}

impl TenantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
            TenantStatus::Terminated => "terminated",
        }
    }

    fn parse(s: &str) -> TenantStatus {
        match s {
            "active" => TenantStatus::Active,
            "suspended" => TenantStatus::Suspended,
            // Anything unexpected is treated as the most restrictive state.
            _ => TenantStatus::Terminated,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Tenant {
    pub id: TenantId,
    pub code: OrgCode,
    pub name: String,
    pub status: TenantStatus,
    pub time_zone: Zone,
    pub created_at: Timestamp,
    /// `YYYY-MM-DD`; absent for organisations created before contracts were recorded.
    pub contract_start: Option<String>,
    pub contacts: Contacts,
    pub members_may_export: bool,
    /// How long (hours) a record's author may correct or delete it; 0: never (admins always may).
    pub record_edit_hours: i64,
}

/// Who to tell about notices and incidents (WP-2.15, 2.17).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contacts {
    pub emails: Vec<String>,
    pub phone: String,
}

const COLUMNS: &str = "id, code, name, status, time_zone, created_at, contract_start, contact_emails, \
                       contact_phone, members_may_export, record_edit_hours";

fn from_row(r: &sqlx::any::AnyRow) -> CoreResult<Tenant> {
    Ok(Tenant {
        id: TenantId::from_db(r.try_get("id")?),
        code: OrgCode(r.try_get("code")?),
        name: r.try_get("name")?,
        status: TenantStatus::parse(&r.try_get::<String, _>("status")?),
        time_zone: Zone::from_stored(&r.try_get::<String, _>("time_zone")?),
        created_at: Timestamp::from_millis(r.try_get("created_at")?),
        contract_start: r.try_get("contract_start")?,
        contacts: Contacts {
            emails: r.try_get::<String, _>("contact_emails")?.lines().map(str::to_owned).collect(),
            phone: r.try_get("contact_phone")?,
        },
        members_may_export: r.try_get::<i64, _>("members_may_export")? != 0,
        record_edit_hours: r.try_get("record_edit_hours")?,
    })
}

pub async fn find_by_code(db: &Db, code: &OrgCode) -> CoreResult<Option<Tenant>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE code = $1")).bind(code.as_str()).fetch_optional(db.pool()).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(db: &Db, id: &TenantId) -> CoreResult<Option<Tenant>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE id = $1")).bind(id.as_str()).fetch_optional(db.pool()).await?;
    row.as_ref().map(from_row).transpose()
}

/// A display name: 1–100 characters, no control characters.
pub fn parse_name(raw: &str) -> CoreResult<String> {
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 {
        return Err(CoreError::Invalid { field: "name", problem: "required" });
    }
    if n > 100 {
        return Err(CoreError::Invalid { field: "name", problem: "too_long" });
    }
    if s.chars().any(char::is_control) {
        return Err(CoreError::Invalid { field: "name", problem: "format" });
    }
    Ok(s.to_owned())
}

/// What a new organisation is created with.
pub struct NewTenant {
    pub code: OrgCode,
    pub name: String,
    pub contract_start: Option<String>,
    pub contacts: Contacts,
}

#[cfg(test)]
pub(crate) async fn insert(tx: &mut crate::db::Tx, code: &OrgCode, name: &str, now: Timestamp) -> CoreResult<Tenant> {
    let new = NewTenant { code: code.clone(), name: name.to_owned(), contract_start: None, contacts: Contacts::default() };
    let id = tx.tenant()?.clone();
    insert_new(tx, id, &new, now).await
}

/// Inserts the organisation under `id` (chosen first: the transaction that
/// also writes its first rows is scoped to it).
pub(crate) async fn insert_new(conn: &mut AnyConnection, id: TenantId, new: &NewTenant, now: Timestamp) -> CoreResult<Tenant> {
    let tenant = Tenant {
        id,
        code: new.code.clone(),
        name: new.name.clone(),
        status: TenantStatus::Active,
        time_zone: Zone::tokyo(),
        created_at: now,
        contract_start: new.contract_start.clone(),
        contacts: new.contacts.clone(),
        members_may_export: false,
        // The column's default (migration 0013).
        record_edit_hours: 24,
    };
    let r = sqlx::query(
        "INSERT INTO tenants (id, code, name, status, time_zone, created_at, contract_start, contact_emails, contact_phone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (code) DO NOTHING",
    )
    .bind(tenant.id.as_str())
    .bind(tenant.code.as_str())
    .bind(&tenant.name)
    .bind(tenant.status.as_str())
    .bind(tenant.time_zone.name())
    .bind(now.as_millis())
    .bind(tenant.contract_start.clone())
    .bind(tenant.contacts.emails.join("\n"))
    .bind(&tenant.contacts.phone)
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 0 {
        return Err(CoreError::Invalid { field: "org_code", problem: "taken" });
    }
    Ok(tenant)
}

/// A row of the operator's organisation list: metadata and counts only.
#[derive(Clone, Debug)]
pub struct TenantSummary {
    pub tenant: Tenant,
    pub user_count: i64,
    /// The latest login of any of its accounts.
    pub last_activity: Option<Timestamp>,
}

/// One page of organisations whose code or name contains `search`, by code
/// (their accounts are counted by the caller, in an operator's reach).
pub(crate) async fn list(db: &Db, search: &str, offset: i64, limit: i64) -> CoreResult<(Vec<Tenant>, i64)> {
    let pattern = format!("%{}%", crate::users::like_escape(&search.trim().to_lowercase()));
    let filter = "WHERE t.code LIKE $1 ESCAPE '\\' OR LOWER(t.name) LIKE $1 ESCAPE '\\'";
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants t {filter} ORDER BY t.code LIMIT $2 OFFSET $3"))
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(db.pool())
        .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM tenants t {filter}")).bind(&pattern).fetch_one(db.pool()).await?;
    Ok((rows.iter().map(from_row).collect::<CoreResult<Vec<_>>>()?, total))
}

pub(crate) async fn set_contacts(conn: &mut AnyConnection, id: &TenantId, contacts: &Contacts) -> CoreResult<()> {
    sqlx::query("UPDATE tenants SET contact_emails = $1, contact_phone = $2 WHERE id = $3")
        .bind(contacts.emails.join("\n"))
        .bind(&contacts.phone)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn set_status(conn: &mut AnyConnection, id: &TenantId, status: TenantStatus) -> CoreResult<()> {
    sqlx::query("UPDATE tenants SET status = $1 WHERE id = $2").bind(status.as_str()).bind(id.as_str()).execute(&mut *conn).await?;
    Ok(())
}

pub(crate) async fn set_settings(
    conn: &mut AnyConnection,
    id: &TenantId,
    settings: &crate::console::settings::TenantSettings,
) -> CoreResult<()> {
    sqlx::query("UPDATE tenants SET members_may_export = $1, time_zone = $2, record_edit_hours = $3 WHERE id = $4")
        .bind(crate::db::flag(settings.members_may_export))
        .bind(settings.time_zone.name())
        .bind(settings.record_edit_hours)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_codes_are_case_folded_and_restricted() {
        assert_eq!(OrgCode::parse(" ACME ").expect("valid").as_str(), "acme");
        assert!(OrgCode::parse("a").is_err());
        assert!(OrgCode::parse("acme corp").is_err());
        assert!(OrgCode::parse("-acme").is_err());
        assert!(OrgCode::parse("アクメ").is_err());
        assert!(OrgCode::parse(&"a".repeat(33)).is_err());
    }
}
