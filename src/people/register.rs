//! People: read, create, edit with optimistic concurrency, archive/restore,
//! delete (the list is `listing`). Each operation
//! asks the policy through the scope first and names the scope's
//! organisation in every query.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::sealed::{self, IntegrityFailure};
use super::{search, PersonFields, FIELD_COLUMNS};
use crate::audit::{Action, ClientInfo};
use crate::clock::Timestamp;
use crate::db::Tx;
use crate::error::{CoreError, CoreResult};
use crate::ids::PersonId;
use crate::policy::Permission;
use crate::scope::TenantScope;
use crate::services::Services;
use crate::vault::DataKeys;

pub(crate) use super::listing::all_sealed_rows;
pub use super::listing::{list, PeoplePage, PeopleQuery, PeopleSort, PeopleTotal, PersonSummary, StatusFilter, PAGE_ROWS};

/// One person, every field decrypted.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: PersonId,
    pub fields: PersonFields,
    pub archived: bool,
    pub created_at: Timestamp,
    pub created_by: Option<String>,
    pub updated_at: Timestamp,
    pub updated_by: Option<String>,
    pub version: i64,
    /// The version its sealed fields were written at (bound into each).
    pub(crate) fields_version: i64,
}

/// The organisation's data keys (cached by the vault).
pub(crate) async fn data_keys(s: &Services, scope: &TenantScope<'_>) -> CoreResult<std::sync::Arc<DataKeys>> {
    s.data_keys.data_keys(&s.db, &s.keys, scope.tenant_id()).await
}

const ALL_COLUMNS: &str = "p.id, p.family_name, p.given_name, p.family_kana, p.given_kana, p.phone, p.email, \
     p.postal_code, p.address, p.notes, p.birth_date, p.emergency_contact, p.status, p.created_at, p.updated_at, p.version, p.fields_version, \
     cu.login AS created_by_login, uu.login AS updated_by_login";

/// A person of the scope's organisation, or where their row failed its
/// integrity check (for the caller to report).
async fn fetch(s: &Services, scope: &TenantScope<'_>, keys: &DataKeys, id: &PersonId) -> CoreResult<Result<Person, IntegrityFailure>> {
    let row = sqlx::query(&format!(
        "SELECT {ALL_COLUMNS} FROM people p \
         LEFT JOIN users cu ON cu.id = p.created_by LEFT JOIN users uu ON uu.id = p.updated_by \
         WHERE p.tenant_id = $1 AND p.id = $2"
    ))
    .bind(scope.tenant_id().as_str())
    .bind(id.as_str())
    .fetch_optional(&mut *scope.read(s).await?)
    .await?
    .ok_or(CoreError::NotFound)?;
    person_from_row(keys, &row)
}

fn person_from_row(keys: &DataKeys, r: &AnyRow) -> CoreResult<Result<Person, IntegrityFailure>> {
    let id: String = r.try_get("id")?;
    let mut sealed_cols = Vec::with_capacity(FIELD_COLUMNS.len());
    for c in FIELD_COLUMNS {
        sealed_cols.push((c, r.try_get::<Option<Vec<u8>>, _>(c)?));
    }
    let row = sealed::SealedRow::of_person(&id, r)?;
    let fields_version = row.version;
    let values = match sealed::open_columns(keys, row, &sealed_cols) {
        Ok(v) => v,
        Err(f) => return Ok(Err(f)),
    };
    let values: [String; 11] = values.try_into().map_err(|_| CoreError::Crypto("column count"))?;
    Ok(Ok(Person {
        id: PersonId::from_db(id),
        fields: PersonFields::from_values(values),
        archived: r.try_get::<String, _>("status")? == "archived",
        created_at: Timestamp::from_millis(r.try_get("created_at")?),
        created_by: r.try_get("created_by_login")?,
        updated_at: Timestamp::from_millis(r.try_get("updated_at")?),
        updated_by: r.try_get("updated_by_login")?,
        version: r.try_get("version")?,
        fields_version,
    }))
}

/// The id of a person of the scope's organisation (read permission checked),
/// without decrypting anything; any other id is `NotFound`.
pub(crate) async fn existing_id(s: &Services, scope: &TenantScope<'_>, id: &PersonId) -> CoreResult<PersonId> {
    scope.authorize(s, Permission::ReadPeople)?;
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM people WHERE tenant_id = $1 AND id = $2")
        .bind(scope.tenant_id().as_str())
        .bind(id.as_str())
        .fetch_optional(&mut *scope.read(s).await?)
        .await?;
    found.map(|_| id.clone()).ok_or(CoreError::NotFound)
}

/// One person, every field decrypted. A field that fails its integrity
/// check is logged and audited, and the read fails rather than show garbage.
pub async fn get(s: &Services, scope: &TenantScope<'_>, id: &PersonId) -> CoreResult<Person> {
    scope.authorize(s, Permission::ReadPeople)?;
    let keys = data_keys(s, scope).await?;
    match fetch(s, scope, &keys, id).await? {
        Ok(person) => Ok(person),
        Err(failure) => Err(failure.report(s, scope).await),
    }
}

fn invalid(problems: Vec<crate::error::FieldProblem>) -> CoreError {
    CoreError::InvalidFields(problems)
}

/// The names (family and given) of the scope's people among `ids`, for a
/// reader who may read people (the audit log's targets). People not found
/// are left out; a name that fails its integrity check is reported as on any
/// read and left out.
pub async fn names(s: &Services, scope: &TenantScope<'_>, ids: &[PersonId]) -> CoreResult<std::collections::HashMap<PersonId, String>> {
    scope.authorize(s, Permission::ReadPeople)?;
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let keys = data_keys(s, scope).await?;
    let params: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql =
        format!("SELECT id, family_name, given_name, fields_version FROM people WHERE tenant_id = $1 AND id IN ({})", params.join(", "));
    let mut q = sqlx::query(&sql).bind(scope.tenant_id().as_str());
    for id in ids {
        q = q.bind(id.as_str());
    }
    let rows = q.fetch_all(&mut *scope.read(s).await?).await?;
    for r in &rows {
        let id: String = r.try_get("id")?;
        let row = sealed::SealedRow::of_person(&id, r)?;
        let cols = [("family_name", r.try_get::<Option<Vec<u8>>, _>("family_name")?), ("given_name", r.try_get("given_name")?)];
        match sealed::open_columns(&keys, row, &cols) {
            Ok(v) => {
                out.insert(PersonId::from_db(id.clone()), v.join(" ").trim().to_owned());
            }
            Err(failure) => {
                failure.report(s, scope).await;
            }
        }
    }
    Ok(out)
}

/// Writes the sealed columns and the blind indexes of a new person (inside
/// the caller's transaction).
pub(crate) async fn insert_sealed(
    tx: &mut Tx,
    keys: &DataKeys,
    id: &PersonId,
    fields: &PersonFields,
    by: Option<&str>,
    now: Timestamp,
) -> CoreResult<()> {
    insert_sealed_many(tx, keys, &[(id.clone(), fields.clone())], by, now).await
}

/// People per multi-row INSERT, and index rows per INSERT: well inside the
/// bind-parameter limits of SQLite (32766) and PostgreSQL (65535).
const PEOPLE_PER_STATEMENT: usize = 100;
const TOKENS_PER_STATEMENT: usize = 500;

/// Many new people in few statements (the CSV import and the demo seed):
/// sealed and indexed exactly as one at a time.
/// In the transaction's organisation (its reach), never one passed in.
pub(crate) async fn insert_sealed_many(
    tx: &mut Tx,
    keys: &DataKeys,
    people: &[(PersonId, PersonFields)],
    by: Option<&str>,
    now: Timestamp,
) -> CoreResult<()> {
    // id, tenant, key, the sealed fields, created_at, created_by.
    const PER_ROW: usize = 3 + FIELD_COLUMNS.len() + 2;
    const SEALED_END: usize = 3 + FIELD_COLUMNS.len();
    let scope_tenant = tx.tenant()?.as_str().to_owned();
    let scope_tenant = scope_tenant.as_str();
    let conn: &mut AnyConnection = tx;
    let mut sealed = Vec::with_capacity(people.len());
    let mut tokens = Vec::new();
    for (id, fields) in people {
        sealed.push(sealed::seal_person(keys, id, 1, fields)?);
        for (kind, value) in search::index_terms(fields) {
            tokens.push((id.as_str(), keys.blind_index(kind, &value)));
        }
    }
    for (chunk_people, chunk_sealed) in people.chunks(PEOPLE_PER_STATEMENT).zip(sealed.chunks(PEOPLE_PER_STATEMENT)) {
        let rows: Vec<String> = (0..chunk_people.len())
            .map(|r| {
                let p: Vec<String> = (1..=PER_ROW).map(|c| format!("${}", r * PER_ROW + c)).collect();
                // id, tenant, key, sealed fields, 'active', created_at, created_by, updated_at, updated_by,
                // version, fields_version, index_version, details_sealed
                let (at, by) = (&p[SEALED_END], &p[SEALED_END + 1]);
                format!("({}, 'active', {at}, {by}, {at}, {by}, 1, 1, {}, 1)", p[..SEALED_END].join(", "), search::INDEX_VERSION)
            })
            .collect();
        let sql = format!(
            "INSERT INTO people (id, tenant_id, key_id, {}, status, created_at, created_by, updated_at, updated_by, version, \
             fields_version, index_version, details_sealed) VALUES {}",
            FIELD_COLUMNS.join(", "),
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for ((id, _), values) in chunk_people.iter().zip(chunk_sealed) {
            q = q.bind(id.as_str()).bind(scope_tenant).bind(keys.key_id());
            for v in values {
                q = q.bind(v.as_slice());
            }
            q = q.bind(now.as_millis()).bind(by);
        }
        q.execute(&mut *conn).await?;
    }
    insert_tokens(conn, scope_tenant, &tokens).await
}

/// Replaces a person's blind-index tokens (after an edit, or to bring an
/// older index up to date), in the transaction's organisation. The caller's
/// own UPDATE of the person sets `index_version`.
pub(crate) async fn write_index(tx: &mut Tx, keys: &DataKeys, id: &PersonId, f: &PersonFields) -> CoreResult<()> {
    let tenant = tx.tenant()?.as_str().to_owned();
    let tenant = tenant.as_str();
    let conn: &mut AnyConnection = tx;
    sqlx::query("DELETE FROM people_index WHERE tenant_id = $1 AND person_id = $2")
        .bind(tenant)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    let tokens: Vec<(&str, Vec<u8>)> = search::index_terms(f).iter().map(|(k, v)| (id.as_str(), keys.blind_index(*k, v))).collect();
    insert_tokens(conn, tenant, &tokens).await
}

/// Inserts (person id, token) rows, `TOKENS_PER_STATEMENT` per statement.
async fn insert_tokens(conn: &mut AnyConnection, tenant: &str, tokens: &[(&str, Vec<u8>)]) -> CoreResult<()> {
    for chunk in tokens.chunks(TOKENS_PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
        let sql = format!("INSERT INTO people_index (tenant_id, person_id, token) VALUES {}", rows.join(", "));
        let mut q = sqlx::query(&sql);
        for (pid, token) in chunk {
            q = q.bind(tenant).bind(*pid).bind(token.as_slice());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds a person; every field is checked first and all problems reported.
pub async fn create(s: &Services, scope: &TenantScope<'_>, client: &ClientInfo, fields: &PersonFields) -> CoreResult<PersonId> {
    scope.authorize(s, Permission::WritePeople)?;
    let fields = fields.validate(super::today(s, scope)).map_err(invalid)?;
    let keys = data_keys(s, scope).await?;
    let id = PersonId::generate();
    let now = s.clock.now();
    let by = Some(scope.actor().user_id.as_str());
    let mut tx = scope.write(s, client).await?;
    insert_sealed(&mut tx, &keys, &id, &fields, by, now).await?;
    tx.commit(scope.event(Action::PersonCreated, client).target(id.to_string())).await?;
    Ok(id)
}

/// Saves an edit made to `expected_version`. If someone saved in between,
/// nothing is written and the caller hears `Stale`.
pub async fn update(
    s: &Services,
    scope: &TenantScope<'_>,
    client: &ClientInfo,
    id: &PersonId,
    expected_version: i64,
    fields: &PersonFields,
) -> CoreResult<i64> {
    scope.authorize(s, Permission::WritePeople)?;
    let fields = fields.validate(super::today(s, scope)).map_err(invalid)?;
    let keys = data_keys(s, scope).await?;
    let before = match fetch(s, scope, &keys, id).await? {
        Ok(p) => p,
        Err(failure) => return Err(failure.report(s, scope).await),
    };
    // Field names only: the audit log never holds people data.
    let changed: Vec<&str> = FIELD_COLUMNS
        .iter()
        .zip(before.fields.values().iter().zip(fields.values()))
        .filter(|(_, (a, b))| *a != b)
        .map(|(c, _)| *c)
        .collect();
    let sealed = sealed::seal_person(&keys, id, before.fields_version + 1, &fields)?;
    let mut tx = scope.write(s, client).await?;
    let now = tx.now();
    let n = FIELD_COLUMNS.len();
    let sql = format!(
        "UPDATE people SET {}, key_id = ${}, updated_at = ${}, updated_by = ${}, version = version + 1, \
         fields_version = fields_version + 1, index_version = ${}, details_sealed = 1 \
         WHERE tenant_id = ${} AND id = ${} AND version = ${} AND fields_version = ${}",
        FIELD_COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect::<Vec<_>>().join(", "),
        n + 1,
        n + 2,
        n + 3,
        n + 4,
        n + 5,
        n + 6,
        n + 7,
        n + 8,
    );
    let mut q = sqlx::query(&sql);
    for v in &sealed {
        q = q.bind(v.as_slice());
    }
    let done = q
        .bind(keys.key_id())
        .bind(now.as_millis())
        .bind(scope.actor().user_id.as_str())
        .bind(search::INDEX_VERSION)
        .bind(scope.tenant_id().as_str())
        .bind(id.as_str())
        .bind(expected_version)
        .bind(before.fields_version)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(CoreError::Stale);
    }
    write_index(&mut tx, &keys, id, &fields).await?;
    let ev = scope.event(Action::PersonUpdated, client).target(id.to_string()).detail(json!({ "fields": changed }));
    tx.commit(ev).await?;
    Ok(expected_version + 1)
}

/// Archives (hides from the default list) or restores a person.
pub async fn set_archived(s: &Services, scope: &TenantScope<'_>, client: &ClientInfo, id: &PersonId, archived: bool) -> CoreResult<()> {
    scope.authorize(s, Permission::WritePeople)?;
    let mut tx = scope.write(s, client).await?;
    let now = tx.now();
    let done = sqlx::query(
        "UPDATE people SET status = $1, updated_at = $2, updated_by = $3, version = version + 1 \
         WHERE tenant_id = $4 AND id = $5",
    )
    .bind(if archived { "archived" } else { "active" })
    .bind(now.as_millis())
    .bind(scope.actor().user_id.as_str())
    .bind(scope.tenant_id().as_str())
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(CoreError::NotFound);
    }
    let action = if archived { Action::PersonArchived } else { Action::PersonRestored };
    tx.commit(scope.event(action, client).target(id.to_string())).await?;
    Ok(())
}

/// Deletes a person with their records and indexes (admins).
pub async fn delete(s: &Services, scope: &TenantScope<'_>, client: &ClientInfo, id: &PersonId) -> CoreResult<()> {
    scope.authorize(s, Permission::DeletePeople)?;
    let mut tx = scope.write(s, client).await?;
    sqlx::query("DELETE FROM person_record_changes WHERE tenant_id = $1 AND person_id = $2")
        .bind(scope.tenant_id().as_str())
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    let records = sqlx::query("DELETE FROM person_records WHERE tenant_id = $1 AND person_id = $2")
        .bind(scope.tenant_id().as_str())
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM people_index WHERE tenant_id = $1 AND person_id = $2")
        .bind(scope.tenant_id().as_str())
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    let done = sqlx::query("DELETE FROM people WHERE tenant_id = $1 AND id = $2")
        .bind(scope.tenant_id().as_str())
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(CoreError::NotFound);
    }
    let ev = scope.event(Action::PersonDeleted, client).target(id.to_string()).detail(json!({ "records": records }));
    tx.commit(ev).await?;
    Ok(())
}
