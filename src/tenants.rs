//! Organisations (tenants) and their codes.

use sqlx::{AnyConnection, Row};

use crate::clock::{Timestamp, DEFAULT_TIME_ZONE};
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::TenantId;

/// An organisation code as typed at login: 2–32 of `a-z 0-9 -`, case-folded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrgCode(String);

impl OrgCode {
    pub fn parse(raw: &str) -> CoreResult<OrgCode> {
        let s = raw.trim().to_ascii_lowercase();
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
    pub time_zone: String,
    pub created_at: Timestamp,
}

const COLUMNS: &str = "id, code, name, status, time_zone, created_at";

fn from_row(r: &sqlx::any::AnyRow) -> CoreResult<Tenant> {
    Ok(Tenant {
        id: TenantId::from_db(r.try_get("id")?),
        code: OrgCode(r.try_get("code")?),
        name: r.try_get("name")?,
        status: TenantStatus::parse(&r.try_get::<String, _>("status")?),
        time_zone: r.try_get("time_zone")?,
        created_at: Timestamp::from_millis(r.try_get("created_at")?),
    })
}

pub async fn find_by_code(db: &Db, code: &OrgCode) -> CoreResult<Option<Tenant>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE code = $1"))
        .bind(code.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(db: &Db, id: &TenantId) -> CoreResult<Option<Tenant>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE id = $1"))
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A display name: 1–100 characters, no control characters.
pub fn parse_name(raw: &str) -> CoreResult<String> {
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 || n > 100 || s.chars().any(char::is_control) {
        return Err(CoreError::Invalid { field: "name", problem: "format" });
    }
    Ok(s.to_owned())
}

pub(crate) async fn insert(conn: &mut AnyConnection, code: &OrgCode, name: &str, now: Timestamp) -> CoreResult<Tenant> {
    let tenant = Tenant {
        id: TenantId::generate(),
        code: code.clone(),
        name: name.to_owned(),
        status: TenantStatus::Active,
        time_zone: DEFAULT_TIME_ZONE.to_owned(),
        created_at: now,
    };
    let r = sqlx::query(
        "INSERT INTO tenants (id, code, name, status, time_zone, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
    )
    .bind(tenant.id.as_str())
    .bind(tenant.code.as_str())
    .bind(&tenant.name)
    .bind(tenant.status.as_str())
    .bind(&tenant.time_zone)
    .bind(now.as_millis())
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 0 {
        return Err(CoreError::Conflict("organisation code already exists"));
    }
    Ok(tenant)
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
