//! Brings people indexed under an older token set (`people.index_version`
//! below `search::INDEX_VERSION`: before partial search, exact tokens only) up
//! to date. `kura serve` runs it in the background at start: until it is done
//! an older person is found by a whole name, reading, phone or address but not
//! yet by part of one. Each batch commits on its own (an interrupted run
//! resumes with what is left); each organisation's run is audited once, with
//! its counts. A person whose values do not open is left as it is and counted
//! (their integrity failure shows where they are read).

use serde_json::json;
use sqlx::Row;

use super::sealed::{self, SealedRow};
use super::{register, search, PersonFields, INDEXED_COLUMNS};
use crate::audit::{self, Action, AuditActor, AuditEvent, Outcome};
use crate::db::Reach;
use crate::error::CoreResult;
use crate::ids::{PersonId, TenantId};
use crate::services::Services;
use crate::vault::DataKeys;

const BATCH: i64 = 200;

/// What one run did, over every organisation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reindexed {
    pub people: u64,
    /// People whose values did not open (left as they are).
    pub failed: u64,
}

/// Re-indexes every person of an older token set, organisation by organisation.
pub async fn reindex_all(s: &Services) -> CoreResult<Reindexed> {
    let mut total = Reindexed::default();
    let tenants: Vec<String> = sqlx::query_scalar("SELECT id FROM tenants ORDER BY id").fetch_all(s.db.pool()).await?;
    let mut first_error = None;
    for t in tenants {
        let tenant = TenantId::from_db(t);
        // One organisation that fails (its key, say) does not keep the others waiting.
        let this = match reindex_tenant(s, &tenant).await {
            Ok(this) => this,
            Err(e) => {
                tracing::error!(tenant = %tenant, error = %e, "re-indexing an organisation failed; the others go on");
                first_error.get_or_insert(e);
                continue;
            }
        };
        if this != Reindexed::default() {
            let ev = AuditEvent::new(AuditActor::system(), Action::SearchIndexRebuilt, Outcome::Success)
                .tenant(Some(&tenant))
                .detail(json!({ "people": this.people, "failed": this.failed }));
            audit::record(&s.db, s.clock.now(), &ev).await?;
            tracing::info!(tenant = %tenant, people = this.people, failed = this.failed, "search index rebuilt");
        }
        total.people += this.people;
        total.failed += this.failed;
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(total),
    }
}

async fn reindex_tenant(s: &Services, tenant: &TenantId) -> CoreResult<Reindexed> {
    let mut n = Reindexed::default();
    let mut keys: Option<std::sync::Arc<DataKeys>> = None;
    let mut after = String::new();
    loop {
        let rows = sqlx::query(&format!(
            "SELECT id, fields_version, {} FROM people WHERE tenant_id = $1 AND index_version < $2 AND id > $3 ORDER BY id LIMIT $4",
            INDEXED_COLUMNS.join(", ")
        ))
        .bind(tenant.as_str())
        .bind(search::INDEX_VERSION)
        .bind(&after)
        .bind(BATCH)
        .fetch_all(&mut *s.db.read_in(Reach::Tenant(tenant.clone())).await?)
        .await?;
        let Some(last) = rows.last() else { return Ok(n) };
        after = last.try_get("id")?;
        let keys = match &keys {
            Some(k) => k.clone(),
            None => keys.insert(s.data_keys.data_keys(&s.db, &s.keys, tenant).await?).clone(),
        };
        let mut tx = s.db.begin_write_in(Reach::Tenant(tenant.clone())).await?;
        for r in &rows {
            let id: String = r.try_get("id")?;
            let mut sealed_cols = Vec::with_capacity(INDEXED_COLUMNS.len());
            for c in INDEXED_COLUMNS {
                sealed_cols.push((c, r.try_get::<Option<Vec<u8>>, _>(c)?));
            }
            let row = SealedRow::of_person(&id, r)?;
            let version = row.version;
            let Some(values) = sealed::open_columns(&keys, row, &sealed_cols).ok().and_then(|v| <[String; 7]>::try_from(v).ok()) else {
                tracing::error!(tenant = %tenant, row = %id, "a person's values did not open; left with their older index");
                n.failed += 1;
                continue;
            };
            let fields = PersonFields::from_indexed(values);
            // Only the values just read: a person edited (or deleted) since
            // has been indexed by that edit and is left alone.
            let claimed = sqlx::query(
                "UPDATE people SET index_version = $1 WHERE tenant_id = $2 AND id = $3 AND fields_version = $4 AND index_version < $1",
            )
            .bind(search::INDEX_VERSION)
            .bind(tenant.as_str())
            .bind(&id)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed != 1 {
                continue;
            }
            register::write_index(&mut tx, &keys, &PersonId::from_db(id), &fields).await?;
            n.people += 1;
        }
        tx.commit().await?;
    }
}
