//! People: list (keyset paging, filters, blind-index search), read, create,
//! edit with optimistic concurrency, archive/restore, delete. Each operation
//! asks the policy through the scope first and names the scope's
//! organisation in every query.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::sealed::{self, IntegrityFailure, PEOPLE};
use super::{query_terms, PersonFields, FIELD_COLUMNS};
use crate::audit::{Action, ClientInfo};
use crate::clock::Timestamp;
use crate::db::Tx;
use crate::error::{CoreError, CoreResult};
use crate::ids::{CategoryId, PersonId};
use crate::policy::Permission;
use crate::scope::TenantScope;
use crate::services::Services;
use crate::vault::DataKeys;

/// Rows per list page.
pub const PAGE_ROWS: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PeopleSort {
    #[default]
    Updated,
    Created,
}

impl PeopleSort {
    fn column(self) -> &'static str {
        match self {
            PeopleSort::Updated => "updated_at",
            PeopleSort::Created => "created_at",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    Active,
    Archived,
    All,
}

/// What the list shows.
#[derive(Clone, Debug, Default)]
pub struct PeopleQuery {
    pub sort: PeopleSort,
    pub status: StatusFilter,
    /// Only people with at least one record of this category.
    pub category: Option<String>,
    /// Exact match on phone, e-mail, name or reading (see `query_terms`).
    pub search: String,
    /// The cursor of the previous page's last row.
    pub after: Option<String>,
}

/// A row of the list: the fields it shows, decrypted.
#[derive(Clone, Debug)]
pub struct PersonSummary {
    pub id: PersonId,
    pub family_name: String,
    pub given_name: String,
    pub family_kana: String,
    pub given_kana: String,
    pub phone: String,
    pub archived: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// A field failed its integrity check (logged and audited); shown as such.
    pub unreadable: bool,
}

#[derive(Clone, Debug)]
pub struct PeoplePage {
    pub people: Vec<PersonSummary>,
    /// The cursor for the next page, when there is one.
    pub next: Option<String>,
}

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

/// The keyset cursor: `<millis>.<id>` of the last row shown.
fn encode_cursor(at: Timestamp, id: &PersonId) -> String {
    format!("{}.{}", at.as_millis(), id)
}

fn decode_cursor(c: &str) -> CoreResult<(i64, PersonId)> {
    let bad = || CoreError::Invalid { field: "after", problem: "format" };
    let (at, id) = c.split_once('.').ok_or_else(bad)?;
    Ok((at.parse().map_err(|_| bad())?, PersonId::parse(id).ok_or_else(bad)?))
}

/// The organisation's data keys (cached by the vault).
pub(crate) async fn data_keys(s: &Services, scope: &TenantScope<'_>) -> CoreResult<std::sync::Arc<DataKeys>> {
    s.data_keys.data_keys(&s.db, &s.keys, scope.tenant_id()).await
}

/// The columns a list row opens: what it shows, plus the e-mail so that a
/// search hit can be re-checked against every indexed value without a second read.
const SUMMARY_COLUMNS: [&str; 6] = ["family_name", "given_name", "family_kana", "given_kana", "phone", "email"];

/// One page of the register.
pub async fn list(s: &Services, scope: &TenantScope<'_>, q: &PeopleQuery) -> CoreResult<PeoplePage> {
    scope.authorize(s, Permission::ReadPeople)?;
    let keys = data_keys(s, scope).await?;
    let search = q.search.trim();
    if search.chars().count() > 254 {
        return Err(CoreError::Invalid { field: "search", problem: "too_long" });
    }
    let terms = if search.is_empty() { Vec::new() } else { query_terms(search) };
    let tokens: Vec<Vec<u8>> = terms.iter().map(|(kind, v)| keys.blind_index(*kind, v)).collect();
    let category = match q.category.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(CategoryId::parse(c).ok_or(CoreError::Invalid { field: "category", problem: "unknown" })?),
        None => None,
    };
    let cursor = q.after.as_deref().filter(|c| !c.is_empty()).map(decode_cursor).transpose()?;

    // Built from fixed fragments only; every value is a bound parameter.
    let order = q.sort.column();
    let mut n = 1;
    let mut next = || {
        n += 1;
        n
    };
    let from = if search.is_empty() {
        String::from("people p WHERE p.tenant_id = $1")
    } else {
        // The few people the tokens name come first, then their rows: written
        // as `id IN (…)`, SQLite walks the whole register in list order and
        // tests each row (27 ms on 100k people instead of well under one).
        // CROSS JOIN keeps that order on SQLite; PostgreSQL plans it freely.
        let list: Vec<String> = tokens.iter().map(|_| format!("${}", next())).collect();
        format!(
            "(SELECT DISTINCT person_id FROM people_index WHERE tenant_id = $1 AND token IN ({})) hits \
             CROSS JOIN people p WHERE p.id = hits.person_id AND p.tenant_id = $1",
            list.join(", ")
        )
    };
    let mut sql = format!("SELECT id, {}, fields_version, status, created_at, updated_at FROM {from}", SUMMARY_COLUMNS.join(", "));
    match q.status {
        StatusFilter::Active => sql.push_str(" AND status = 'active'"),
        StatusFilter::Archived => sql.push_str(" AND status = 'archived'"),
        StatusFilter::All => {}
    }
    if category.is_some() {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM person_records r WHERE r.tenant_id = $1 AND r.person_id = p.id AND r.category_id = ${})",
            next()
        ));
    }
    if cursor.is_some() {
        let (a, b) = (next(), next());
        sql.push_str(&format!(" AND ({order} < ${a} OR ({order} = ${a} AND id < ${b}))"));
    }
    sql.push_str(&format!(" ORDER BY {order} DESC, id DESC LIMIT {}", PAGE_ROWS + 1));

    let mut query = sqlx::query(&sql).bind(scope.tenant_id().as_str());
    for t in &tokens {
        query = query.bind(t.as_slice());
    }
    if let Some(c) = &category {
        query = query.bind(c.as_str());
    }
    if let Some((at, id)) = &cursor {
        query = query.bind(*at).bind(id.as_str());
    }
    let rows = query.fetch_all(&mut *scope.read(s).await?).await?;

    let more = rows.len() > PAGE_ROWS;
    let mut people = Vec::with_capacity(rows.len().min(PAGE_ROWS));
    let mut failures = Vec::new();
    for r in rows.iter().take(PAGE_ROWS) {
        // The e-mail is opened only to re-check a search hit.
        let opened = if terms.is_empty() { &SUMMARY_COLUMNS[..SUMMARY_COLUMNS.len() - 1] } else { &SUMMARY_COLUMNS[..] };
        let (summary, email, failure) = summary_from_row(&keys, r, opened)?;
        if let Some(f) = failure {
            failures.push(f);
        } else if !terms.is_empty() && !matches_search(&summary, email, &terms) {
            // A blind-index collision (64-bit tokens make it very rare): not a hit.
            continue;
        }
        people.push(summary);
    }
    for f in failures {
        f.report(s, scope).await;
    }
    let next_cursor = if more {
        rows.get(PAGE_ROWS - 1)
            .map(|r| -> CoreResult<String> {
                let at: i64 = r.try_get(order)?;
                Ok(encode_cursor(Timestamp::from_millis(at), &PersonId::from_db(r.try_get("id")?)))
            })
            .transpose()?
    } else {
        None
    };
    Ok(PeoplePage { people, next: next_cursor })
}

/// Every person of the scope's organisation, sealed, oldest first (the export).
pub(crate) async fn all_sealed_rows(s: &Services, scope: &TenantScope<'_>) -> CoreResult<Vec<AnyRow>> {
    Ok(sqlx::query(&format!(
        "SELECT id, {}, fields_version, status, created_at, updated_at FROM people WHERE tenant_id = $1 ORDER BY created_at, id",
        FIELD_COLUMNS.join(", ")
    ))
    .bind(scope.tenant_id().as_str())
    .fetch_all(&mut *scope.read(s).await?)
    .await?)
}

/// A list row, its e-mail when `opened` includes it (for `matches_search`),
/// and any integrity failure. `opened` is a prefix of `SUMMARY_COLUMNS`.
fn summary_from_row(keys: &DataKeys, r: &AnyRow, opened: &[&'static str]) -> CoreResult<(PersonSummary, String, Option<IntegrityFailure>)> {
    let id: String = r.try_get("id")?;
    let mut sealed_cols = Vec::with_capacity(opened.len());
    for c in opened {
        sealed_cols.push((*c, r.try_get::<Option<Vec<u8>>, _>(*c)?));
    }
    let row = sealed::SealedRow { table: PEOPLE, row_id: &id, person_id: &id, version: r.try_get("fields_version")? };
    let (values, failure) = match sealed::open_columns(keys, row, &sealed_cols) {
        Ok(v) => (v, None),
        Err(f) => (vec![String::new(); opened.len()], Some(f)),
    };
    let mut v = values.into_iter();
    let mut take = || v.next().unwrap_or_default();
    let summary = PersonSummary {
        id: PersonId::from_db(id.clone()),
        family_name: take(),
        given_name: take(),
        family_kana: take(),
        given_kana: take(),
        phone: take(),
        archived: r.try_get::<String, _>("status")? == "archived",
        created_at: Timestamp::from_millis(r.try_get("created_at")?),
        updated_at: Timestamp::from_millis(r.try_get("updated_at")?),
        unreadable: failure.is_some(),
    };
    let email = take();
    Ok((summary, email, failure))
}

/// Re-checks a blind-index hit against the decrypted values (every indexed
/// field is among the summary columns).
fn matches_search(p: &PersonSummary, email: String, terms: &[(crate::vault::IndexKind, String)]) -> bool {
    let fields = PersonFields {
        family_name: p.family_name.clone(),
        given_name: p.given_name.clone(),
        family_kana: p.family_kana.clone(),
        given_kana: p.given_kana.clone(),
        phone: p.phone.clone(),
        email,
        ..PersonFields::default()
    };
    let own = fields.search_terms();
    terms.iter().any(|t| own.contains(t))
}

const ALL_COLUMNS: &str = "p.id, p.family_name, p.given_name, p.family_kana, p.given_kana, p.phone, p.email, \
     p.postal_code, p.address, p.notes, p.status, p.created_at, p.updated_at, p.version, p.fields_version, \
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
    let fields_version: i64 = r.try_get("fields_version")?;
    let row = sealed::SealedRow { table: PEOPLE, row_id: &id, person_id: &id, version: fields_version };
    let values = match sealed::open_columns(keys, row, &sealed_cols) {
        Ok(v) => v,
        Err(f) => return Ok(Err(f)),
    };
    let values: [String; 9] = values.try_into().map_err(|_| CoreError::Crypto("column count"))?;
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
    const PER_ROW: usize = 14;
    let scope_tenant = tx.tenant()?.as_str().to_owned();
    let scope_tenant = scope_tenant.as_str();
    let conn: &mut AnyConnection = tx;
    let mut sealed = Vec::with_capacity(people.len());
    let mut tokens = Vec::new();
    for (id, fields) in people {
        sealed.push(sealed::seal_person(keys, id, 1, fields)?);
        for (kind, value) in fields.search_terms() {
            tokens.push((id.as_str(), keys.blind_index(kind, &value)));
        }
    }
    for (chunk_people, chunk_sealed) in people.chunks(PEOPLE_PER_STATEMENT).zip(sealed.chunks(PEOPLE_PER_STATEMENT)) {
        let rows: Vec<String> = (0..chunk_people.len())
            .map(|r| {
                let p: Vec<String> = (1..=PER_ROW).map(|c| format!("${}", r * PER_ROW + c)).collect();
                // id, tenant, key, 9 sealed fields, 'active', created_at, created_by, updated_at, updated_by, version, fields_version
                format!("({}, 'active', {}, {}, {}, {}, 1, 1)", p[..12].join(", "), p[12], p[13], p[12], p[13])
            })
            .collect();
        let sql = format!(
            "INSERT INTO people (id, tenant_id, key_id, family_name, given_name, family_kana, given_kana, phone, email, \
             postal_code, address, notes, status, created_at, created_by, updated_at, updated_by, version, fields_version) VALUES {}",
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

/// Replaces a person's blind-index tokens (after an edit), in the transaction's organisation.
async fn write_index(tx: &mut Tx, keys: &DataKeys, id: &PersonId, f: &PersonFields) -> CoreResult<()> {
    let tenant = tx.tenant()?.as_str().to_owned();
    let tenant = tenant.as_str();
    let conn: &mut AnyConnection = tx;
    sqlx::query("DELETE FROM people_index WHERE tenant_id = $1 AND person_id = $2")
        .bind(tenant)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    let tokens: Vec<(&str, Vec<u8>)> = f.search_terms().iter().map(|(k, v)| (id.as_str(), keys.blind_index(*k, v))).collect();
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
    let fields = fields.validate().map_err(invalid)?;
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
    let fields = fields.validate().map_err(invalid)?;
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
    let mut q = sqlx::query(
        "UPDATE people SET family_name = $1, given_name = $2, family_kana = $3, given_kana = $4, phone = $5, \
         email = $6, postal_code = $7, address = $8, notes = $9, key_id = $10, updated_at = $11, updated_by = $12, \
         version = version + 1, fields_version = fields_version + 1 \
         WHERE tenant_id = $13 AND id = $14 AND version = $15 AND fields_version = $16",
    );
    for v in &sealed {
        q = q.bind(v.as_slice());
    }
    let done = q
        .bind(keys.key_id())
        .bind(now.as_millis())
        .bind(scope.actor().user_id.as_str())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::query_terms;

    #[test]
    fn a_blind_index_hit_counts_only_if_the_decrypted_values_match() {
        let p = PersonSummary {
            id: PersonId::generate(),
            family_name: "山田".into(),
            given_name: "太郎".into(),
            family_kana: "ヤマダ".into(),
            given_kana: "タロウ".into(),
            phone: "03-1234-5678".into(),
            archived: false,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
            unreadable: false,
        };
        let email = || String::from("taro@example.jp");
        for q in ["０３１２３４５６７８", "ﾔﾏﾀﾞ", "TARO@example.jp", "山田太郎"] {
            assert!(matches_search(&p, email(), &query_terms(q)), "{q}");
        }
        // What a colliding token would bring back: a person whose values do not match.
        for q in ["03-9999-0000", "スズキ", "hanako@example.jp"] {
            assert!(!matches_search(&p, email(), &query_terms(q)), "{q}");
        }
    }
}
