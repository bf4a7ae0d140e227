//! The one-time step that seals an empty 生年月日 and 緊急連絡先 into every
//! person stored before those fields existed (NULL there, `details_sealed =
//! 0`). Until it has run, a NULL in those two columns could mean "never
//! given" or "erased in the database", and nobody could tell; after it, a
//! NULL is an integrity failure like in any sealed column (review finding).
//!
//! Run by `kura migrate` (`kura serve` refuses to start while it waits). Its
//! end is recorded on the audit chain (`people.details_seal_finished`); once
//! there, the step never runs again, so setting the marker back with a
//! person's values erased does not have them sealed as "not given". A
//! database that never needed the step records the same event the first time
//! `kura migrate` or `kura serve` sees it.

use serde_json::json;
use sqlx::Row;

use super::sealed::PEOPLE;
use super::upgrade::on_chain;
use super::DETAIL_COLUMNS;
use crate::audit::{self, Action, AuditActor, AuditEvent, Outcome};
use crate::db::Reach;
use crate::error::{CoreError, CoreResult};
use crate::ids::TenantId;
use crate::services::Services;
use crate::vault::{DataKeys, FieldRef};

const BATCH: i64 = 500;

/// What the step did, over every organisation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DetailsSealed {
    pub people: u64,
    /// People whose stored detail did not open (left as they are: an integrity failure where read).
    pub failed: u64,
}

/// Whether people stored before 生年月日 and 緊急連絡先 wait for the step.
/// When none do, records so on the audit chain once, so that a marker set
/// back later is refused (`kura serve` and every command ask this; only
/// `kura migrate` may run the step).
pub async fn waits(s: &Services) -> CoreResult<bool> {
    let done: i64 = sqlx::query_scalar("SELECT details_done FROM sealed_fields_upgrade WHERE id = 1").fetch_one(s.db.pool()).await?;
    if done == 0 {
        return Ok(true);
    }
    if !on_chain(s, Action::PersonDetailsSealFinished).await? {
        let ev = AuditEvent::new(AuditActor::system(), Action::PersonDetailsSealFinished, Outcome::Success)
            .detail(json!({ "people": 0, "failed": 0 }));
        audit::record(&s.db, s.clock.now(), &ev).await?;
    }
    Ok(false)
}

/// Seals the empty details of every person stored before them, once per
/// database (as the maintenance role: it sets the marker).
pub async fn seal_unset_details(s: &Services) -> CoreResult<DetailsSealed> {
    let mut total = DetailsSealed::default();
    if !waits(s).await? {
        return Ok(total);
    }
    if on_chain(s, Action::PersonDetailsSealFinished).await? {
        return Err(CoreError::Crypto("the person details step was marked pending after it finished: not sealing anything"));
    }
    let tenants: Vec<String> = sqlx::query_scalar("SELECT id FROM tenants ORDER BY id").fetch_all(s.db.pool()).await?;
    for t in tenants {
        let tenant = TenantId::from_db(t);
        let keys = s.data_keys.data_keys(&s.db, &s.keys, &tenant).await?;
        let this = seal_tenant(s, &tenant, &keys).await?;
        if this != DetailsSealed::default() {
            let ev = AuditEvent::new(AuditActor::system(), Action::PersonDetailsSealed, Outcome::Success)
                .tenant(Some(&tenant))
                .detail(json!({ "people": this.people, "failed": this.failed }));
            audit::record(&s.db, s.clock.now(), &ev).await?;
            tracing::info!(tenant = %tenant, people = this.people, failed = this.failed, "person details sealed");
        }
        total.people += this.people;
        total.failed += this.failed;
    }
    let mut tx = s.db.begin_write_in(Reach::Installation).await?;
    sqlx::query("UPDATE sealed_fields_upgrade SET details_done = 1 WHERE id = 1").execute(&mut *tx).await?;
    let ev = AuditEvent::new(AuditActor::system(), Action::PersonDetailsSealFinished, Outcome::Success)
        .detail(json!({ "people": total.people, "failed": total.failed }));
    audit::append(&mut tx, s.clock.now(), &ev).await?;
    tx.commit().await?;
    Ok(total)
}

/// One organisation, in batches that commit on their own (an interrupted
/// run resumes with the people still unsealed).
async fn seal_tenant(s: &Services, tenant: &TenantId, keys: &DataKeys) -> CoreResult<DetailsSealed> {
    let mut n = DetailsSealed::default();
    let mut after = String::new();
    loop {
        let rows = sqlx::query(&format!(
            "SELECT id, fields_version, {} FROM people WHERE tenant_id = $1 AND details_sealed = 0 AND id > $2 ORDER BY id LIMIT $3",
            DETAIL_COLUMNS.join(", ")
        ))
        .bind(tenant.as_str())
        .bind(&after)
        .bind(BATCH)
        .fetch_all(&mut *s.db.read_in(Reach::Tenant(tenant.clone())).await?)
        .await?;
        let Some(last) = rows.last() else { return Ok(n) };
        after = last.try_get("id")?;
        let mut tx = s.db.begin_write_in(Reach::Tenant(tenant.clone())).await?;
        for r in &rows {
            let id: String = r.try_get("id")?;
            let version: i64 = r.try_get("fields_version")?;
            let at = |column| FieldRef { table: PEOPLE, column, row_id: &id, person_id: &id, version };
            let birth_date = seal_or_keep(keys, at("birth_date"), r.try_get("birth_date")?)?;
            let emergency_contact = seal_or_keep(keys, at("emergency_contact"), r.try_get("emergency_contact")?)?;
            let (Some(birth_date), Some(emergency_contact)) = (birth_date, emergency_contact) else {
                tracing::error!(tenant = %tenant, row = %id, "a person's stored detail did not open in its place; left as it is");
                n.failed += 1;
                continue;
            };
            let done = sqlx::query(
                "UPDATE people SET birth_date = $1, emergency_contact = $2, details_sealed = 1 \
                 WHERE tenant_id = $3 AND id = $4 AND fields_version = $5 AND details_sealed = 0",
            )
            .bind(birth_date)
            .bind(emergency_contact)
            .bind(tenant.as_str())
            .bind(&id)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            n.people += done;
        }
        tx.commit().await?;
    }
}

/// NULL ("not given") becomes a sealed empty value; a value already there is
/// kept if it opens in its place, else `None`.
fn seal_or_keep(keys: &DataKeys, at: FieldRef<'_>, stored: Option<Vec<u8>>) -> CoreResult<Option<Vec<u8>>> {
    match stored {
        None => Ok(Some(keys.seal(at, "")?)),
        Some(bytes) => Ok(keys.open(at, &bytes).is_ok().then_some(bytes)),
    }
}
