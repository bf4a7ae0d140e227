//! The one-time upgrade of values sealed before each value was bound to its
//! person and to its row's fields version, and before empty fields were
//! sealed too (review finding: a record could be moved to another person, an
//! older value put back, a field set to NULL, all unnoticed). Run by `kura
//! migrate`, with the audit chain's re-keying (`kura serve` refuses to start
//! while it is pending). Each batch commits on its own, so an interrupted run
//! resumes where it stopped. A value that does not open in its place is left
//! as it is (it stays an integrity failure) and counted.
//!
//! It runs on a database that was legacy only: one whose keyed audit chain
//! records its re-keying (`audit.chain_rekeyed`) and not yet the end of this
//! upgrade (`people.sealed_upgrade_finished`). Setting the `done` marker back
//! is not enough to have old (first-format) values put back and re-sealed as
//! current: both events are on the chain, which a database writer cannot forge.

use crate::db::{AllTenantsUse, Reach};
use serde_json::json;
use sqlx::Row;

use super::sealed::{self, PEOPLE, RECORDS};
use super::{PersonFields, FIELD_COLUMNS};
use crate::audit::{self, Action, AuditActor, AuditEvent, Outcome};
use crate::error::CoreResult;
use crate::ids::{PersonId, TenantId};
use crate::services::Services;
use crate::vault::{DataKeys, FieldRef};

const BATCH: i64 = 500;

/// What one organisation's upgrade did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Upgraded {
    pub people: u64,
    pub records: u64,
    /// Values that did not open where they are stored (left as they are).
    pub failed: u64,
}

/// Whether values sealed in the first format wait to be re-sealed.
pub async fn pending(s: &Services) -> CoreResult<bool> {
    let done: i64 = sqlx::query_scalar("SELECT done FROM sealed_fields_upgrade WHERE id = 1").fetch_one(s.db.pool()).await?;
    Ok(done == 0)
}

/// Whether `action` is on the audit chain: how a one-time step knows it ran
/// (a marker column can be set back by a database writer; the chain cannot).
pub(super) async fn on_chain(s: &Services, action: Action) -> CoreResult<bool> {
    let mut tx = s.db.read_in(Reach::all_tenants(AllTenantsUse::job("one-time people data step"))).await?;
    Ok(sqlx::query("SELECT 1 FROM audit_log WHERE action = $1 LIMIT 1").bind(action.as_str()).fetch_optional(&mut *tx).await?.is_some())
}

/// Re-seals every value of the first format, once per database (the caller
/// has verified the audit chain).
pub async fn upgrade_sealed_fields(s: &Services) -> CoreResult<Upgraded> {
    let mut total = Upgraded::default();
    if !pending(s).await? {
        return Ok(total);
    }
    if !on_chain(s, Action::AuditChainRekeyed).await? || on_chain(s, Action::SealedFieldsUpgradeFinished).await? {
        return Err(crate::CoreError::Crypto(
            "the sealed-fields upgrade was marked pending on a database that is not a legacy one: not re-sealing",
        ));
    }
    let tenants: Vec<String> = sqlx::query_scalar("SELECT id FROM tenants ORDER BY id").fetch_all(s.db.pool()).await?;
    for t in tenants {
        let tenant = TenantId::from_db(t);
        let keys = s.data_keys.data_keys(&s.db, &s.keys, &tenant).await?;
        let mut this = Upgraded::default();
        upgrade_people(s, &tenant, &keys, &mut this).await?;
        upgrade_records(s, &tenant, &keys, &mut this).await?;
        if this != Upgraded::default() {
            let ev = AuditEvent::new(AuditActor::system(), Action::SealedFieldsUpgraded, Outcome::Success)
                .tenant(Some(&tenant))
                .detail(json!({ "people": this.people, "records": this.records, "failed": this.failed }));
            audit::record(&s.db, s.clock.now(), &ev).await?;
            tracing::info!(tenant = %tenant, people = this.people, records = this.records, failed = this.failed, "sealed fields upgraded");
        }
        total.people += this.people;
        total.records += this.records;
        total.failed += this.failed;
    }
    let mut tx = s.db.begin_write_in(Reach::Installation).await?;
    sqlx::query("UPDATE sealed_fields_upgrade SET done = 1 WHERE id = 1").execute(&mut *tx).await?;
    let ev = AuditEvent::new(AuditActor::system(), Action::SealedFieldsUpgradeFinished, Outcome::Success)
        .detail(json!({ "people": total.people, "records": total.records, "failed": total.failed }));
    audit::append(&mut tx, s.clock.now(), &ev).await?;
    tx.commit().await?;
    Ok(total)
}

/// A value as the first format stored it: NULL for an empty field.
fn open_legacy(keys: &DataKeys, at: FieldRef<'_>, stored: Option<&[u8]>) -> Option<String> {
    match stored {
        None => Some(String::new()),
        Some(bytes) if DataKeys::is_legacy(bytes) => keys.open_legacy(at, bytes).ok(),
        Some(bytes) => keys.open(at, bytes).ok(),
    }
}

fn needs_upgrade(stored: &[Option<Vec<u8>>]) -> bool {
    stored.iter().any(|v| v.as_deref().is_none_or(DataKeys::is_legacy))
}

async fn upgrade_people(s: &Services, tenant: &TenantId, keys: &DataKeys, n: &mut Upgraded) -> CoreResult<()> {
    let update_sql = format!(
        "UPDATE people SET {}, details_sealed = 1 WHERE tenant_id = ${} AND id = ${} AND fields_version = ${}",
        FIELD_COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect::<Vec<_>>().join(", "),
        FIELD_COLUMNS.len() + 1,
        FIELD_COLUMNS.len() + 2,
        FIELD_COLUMNS.len() + 3,
    );
    let mut after = String::new();
    loop {
        let rows = sqlx::query(&format!(
            "SELECT id, fields_version, {} FROM people WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            FIELD_COLUMNS.join(", ")
        ))
        .bind(tenant.as_str())
        .bind(&after)
        .bind(BATCH)
        .fetch_all(&mut *s.db.read_in(Reach::Tenant(tenant.clone())).await?)
        .await?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.try_get("id")?;
        let mut tx = s.db.begin_write_in(Reach::Tenant(tenant.clone())).await?;
        for r in &rows {
            let id: String = r.try_get("id")?;
            let version: i64 = r.try_get("fields_version")?;
            let stored: Vec<Option<Vec<u8>>> = FIELD_COLUMNS.iter().map(|c| r.try_get(*c)).collect::<Result<_, _>>()?;
            if !needs_upgrade(&stored) {
                continue;
            }
            let values: Option<Vec<String>> = FIELD_COLUMNS
                .iter()
                .zip(&stored)
                .map(|(column, v)| {
                    open_legacy(keys, FieldRef { table: PEOPLE, column, row_id: &id, person_id: &id, version }, v.as_deref())
                })
                .collect();
            let Some(values) = values.and_then(|v| <[String; 11]>::try_from(v).ok()) else {
                tracing::error!(tenant = %tenant, row = %id, "a sealed person did not open in its place; left as it is");
                n.failed += 1;
                continue;
            };
            let resealed = sealed::seal_person(keys, &PersonId::from_db(id.clone()), version, &PersonFields::from_values(values))?;
            let mut q = sqlx::query(&update_sql);
            for v in &resealed {
                q = q.bind(v.as_slice());
            }
            q.bind(tenant.as_str()).bind(&id).bind(version).execute(&mut *tx).await?;
            n.people += 1;
        }
        tx.commit().await?;
    }
}

async fn upgrade_records(s: &Services, tenant: &TenantId, keys: &DataKeys, n: &mut Upgraded) -> CoreResult<()> {
    let mut after = String::new();
    loop {
        let rows = sqlx::query("SELECT id, person_id, body FROM person_records WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3")
            .bind(tenant.as_str())
            .bind(&after)
            .bind(BATCH)
            .fetch_all(&mut *s.db.read_in(Reach::Tenant(tenant.clone())).await?)
            .await?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.try_get("id")?;
        let mut tx = s.db.begin_write_in(Reach::Tenant(tenant.clone())).await?;
        for r in &rows {
            let id: String = r.try_get("id")?;
            let owner: String = r.try_get("person_id")?;
            let body: Option<Vec<u8>> = r.try_get("body")?;
            if !needs_upgrade(std::slice::from_ref(&body)) {
                continue;
            }
            let at = FieldRef { table: RECORDS, column: "body", row_id: &id, person_id: &owner, version: 0 };
            let Some(text) = open_legacy(keys, at, body.as_deref()) else {
                tracing::error!(tenant = %tenant, row = %id, "a sealed record did not open in its place; left as it is");
                n.failed += 1;
                continue;
            };
            let resealed = keys.seal(at, &text)?;
            sqlx::query("UPDATE person_records SET body = $1 WHERE tenant_id = $2 AND id = $3")
                .bind(resealed)
                .bind(tenant.as_str())
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            n.records += 1;
        }
        tx.commit().await?;
    }
}
