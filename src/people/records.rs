//! Activity records about a person (sealed body, time, category) and the
//! organisation's editable list of record categories.

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::register::{data_keys, existing_id};
use super::sealed::{self, RECORDS};
use crate::audit::{Action, ClientInfo};
use crate::clock::Timestamp;
use crate::db::Tx;
use crate::error::{CoreError, CoreResult};
use crate::ids::{CategoryId, PersonId, RecordId, SubmissionKey};
use crate::policy::Permission;
use crate::scope::TenantScope;
use crate::services::Services;
use crate::vault::FieldRef;

pub const BODY_MAX: usize = 4000;
pub const CATEGORY_NAME_MAX: usize = 30;
pub const CATEGORIES_MAX: usize = 50;

/// New organisations start with these (the admins can change them).
pub const DEFAULT_CATEGORIES: [&str; 5] = ["面談", "電話", "訪問", "メール", "その他"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct ActivityRecord {
    pub id: RecordId,
    pub occurred_at: Timestamp,
    pub category: Option<String>,
    pub category_id: Option<CategoryId>,
    pub body: String,
    pub created_at: Timestamp,
    /// The author's login.
    pub created_by: Option<String>,
    /// 0 as written, +1 per correction.
    pub version: i64,
    /// The last correction or deletion: when and by whom (login).
    pub updated_at: Option<Timestamp>,
    pub updated_by: Option<String>,
    /// Deleted (a marked state): listed only to those who may read the history.
    pub deleted_at: Option<Timestamp>,
    /// Whether the reader may correct or delete it now (`corrections::may_change`).
    pub changeable: bool,
}

/// Inside the organisation's creation.
pub(crate) async fn create_default_categories(tx: &mut Tx) -> CoreResult<()> {
    for (i, name) in DEFAULT_CATEGORIES.iter().enumerate() {
        insert_category(tx, name, i64::try_from(i).unwrap_or(0) + 1).await?;
    }
    Ok(())
}

async fn insert_category(tx: &mut Tx, name: &str, position: i64) -> CoreResult<CategoryId> {
    let tenant = tx.tenant()?.clone();
    let conn: &mut AnyConnection = tx;
    let id = CategoryId::generate();
    sqlx::query("INSERT INTO record_categories (id, tenant_id, name, position) VALUES ($1, $2, $3, $4)")
        .bind(id.as_str())
        .bind(tenant.as_str())
        .bind(name)
        .bind(position)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

pub async fn categories(s: &Services, scope: &TenantScope<'_>) -> CoreResult<Vec<Category>> {
    scope.authorize(s, Permission::ReadPeople)?;
    categories_of(&mut scope.read(s).await?).await
}

/// The scope's categories in their order (for the scope above and the demo seed).
pub(crate) async fn categories_of(tx: &mut Tx) -> CoreResult<Vec<Category>> {
    let tenant = tx.tenant()?.clone();
    let rows = sqlx::query("SELECT id, name FROM record_categories WHERE tenant_id = $1 ORDER BY position, name")
        .bind(tenant.as_str())
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(|r| Ok(Category { id: CategoryId::from_db(r.try_get("id")?), name: r.try_get("name")? })).collect()
}

fn category_name(raw: &str) -> CoreResult<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(CoreError::Invalid { field: "category", problem: "required" });
    }
    if name.chars().count() > CATEGORY_NAME_MAX {
        return Err(CoreError::Invalid { field: "category", problem: "too_long" });
    }
    if name.chars().any(char::is_control) {
        return Err(CoreError::Invalid { field: "category", problem: "format" });
    }
    Ok(name.to_owned())
}

/// A record sealed by its writer: id, person, occurred at (ms), category, sealed body.
pub(crate) type SealedRecord = (RecordId, PersonId, i64, Option<String>, Vec<u8>);

/// Records written in bulk, sealed by the caller (the demo seed), in the
/// transaction's organisation.
pub(crate) async fn insert_records_many(tx: &mut Tx, key_id: &str, records: &[SealedRecord], now: Timestamp) -> CoreResult<()> {
    const PER_STATEMENT: usize = 200;
    let tenant = tx.tenant()?.clone();
    for chunk in records.chunks(PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (1..=8).map(|c| format!("${}", i * 8 + c)).collect();
                format!("({}, NULL)", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO person_records (id, tenant_id, person_id, key_id, occurred_at, category_id, body, created_at, created_by) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (rid, pid, at, category, sealed) in chunk {
            q = q
                .bind(rid.as_str())
                .bind(tenant.as_str())
                .bind(pid.as_str())
                .bind(key_id)
                .bind(*at)
                .bind(category.as_deref())
                .bind(sealed.as_slice())
                .bind(now.as_millis());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Adds a category at the end of the list (admins).
pub async fn add_category(s: &Services, scope: &TenantScope<'_>, client: &ClientInfo, name: &str) -> CoreResult<CategoryId> {
    scope.authorize(s, Permission::ManageCategories)?;
    let name = category_name(name)?;
    let existing = categories(s, scope).await?;
    if existing.iter().any(|c| c.name == name) {
        return Err(CoreError::Invalid { field: "category", problem: "taken" });
    }
    if existing.len() >= CATEGORIES_MAX {
        return Err(CoreError::Invalid { field: "category", problem: "too_many" });
    }
    let mut tx = scope.write(s, client).await?;
    let position = i64::try_from(existing.len()).unwrap_or(0) + 1;
    let id = insert_category(&mut tx, &name, position).await?;
    let ev = scope.event(Action::CategoriesChanged, client).target(id.to_string()).detail(json!({ "change": "added" }));
    tx.commit(ev).await?;
    Ok(id)
}

/// Renames a category; records keep it.
pub async fn rename_category(s: &Services, scope: &TenantScope<'_>, client: &ClientInfo, id: &CategoryId, name: &str) -> CoreResult<()> {
    scope.authorize(s, Permission::ManageCategories)?;
    let name = category_name(name)?;
    if categories(s, scope).await?.iter().any(|c| c.name == name && &c.id != id) {
        return Err(CoreError::Invalid { field: "category", problem: "taken" });
    }
    let mut tx = scope.write(s, client).await?;
    let done = sqlx::query("UPDATE record_categories SET name = $1 WHERE tenant_id = $2 AND id = $3")
        .bind(&name)
        .bind(scope.tenant_id().as_str())
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(CoreError::NotFound);
    }
    let ev = scope.event(Action::CategoriesChanged, client).target(id.to_string()).detail(json!({ "change": "renamed" }));
    tx.commit(ev).await?;
    Ok(())
}

/// SQL: some record of organisation `tenant` names category `category` — its
/// current version (deleted or not) or a version kept in its correction
/// history. The one rule for "in use", shown and enforced alike.
fn named_by_a_record(tenant: &str, category: &str) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM person_records r WHERE r.tenant_id = {tenant} AND r.category_id = {category}) \
          OR EXISTS (SELECT 1 FROM person_record_changes h WHERE h.tenant_id = {tenant} AND h.prior_category_id = {category}))"
    )
}

/// Which of the organisation's categories some record names — its current
/// version, a deleted record, or a version kept in a correction history —
/// in the list's order (admins: the settings offer removal only for the rest).
pub async fn categories_in_use(s: &Services, scope: &TenantScope<'_>) -> CoreResult<Vec<(Category, bool)>> {
    scope.authorize(s, Permission::ManageCategories)?;
    let mut tx = scope.read(s).await?;
    let rows = sqlx::query(&format!(
        "SELECT c.id, c.name, CASE WHEN {} THEN 1 ELSE 0 END AS used \
         FROM record_categories c WHERE c.tenant_id = $1 ORDER BY c.position, c.name",
        named_by_a_record("c.tenant_id", "c.id")
    ))
    .bind(scope.tenant_id().as_str())
    .fetch_all(&mut *tx)
    .await?;
    rows.iter()
        .map(|r| {
            let category = Category { id: CategoryId::from_db(r.try_get("id")?), name: r.try_get("name")? };
            Ok((category, r.try_get::<i64, _>("used")? == 1))
        })
        .collect()
}

/// Removes a category no record has ever named (admins). One in use stays:
/// records and their histories keep the word they were filed under.
pub async fn remove_category(s: &Services, scope: &TenantScope<'_>, client: &ClientInfo, id: &CategoryId) -> CoreResult<()> {
    scope.authorize(s, Permission::ManageCategories)?;
    let mut tx = scope.write(s, client).await?;
    let tenant = scope.tenant_id().as_str();
    // One statement: a record filed under it meanwhile keeps it.
    let done =
        sqlx::query(&format!("DELETE FROM record_categories WHERE tenant_id = $1 AND id = $2 AND NOT {}", named_by_a_record("$1", "$2")))
            .bind(tenant)
            .bind(id.as_str())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    if done == 0 {
        let exists = sqlx::query("SELECT 1 FROM record_categories WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id.as_str())
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
        return Err(if exists { CoreError::Invalid { field: "category", problem: "in_use" } } else { CoreError::NotFound });
    }
    let ev = scope.event(Action::CategoriesChanged, client).target(id.to_string()).detail(json!({ "change": "removed" }));
    tx.commit(ev).await?;
    Ok(())
}

/// Moves a category one place up (earlier) or down in the list the record
/// form offers (admins). At either end it stays where it is.
pub async fn move_category(s: &Services, scope: &TenantScope<'_>, client: &ClientInfo, id: &CategoryId, up: bool) -> CoreResult<()> {
    scope.authorize(s, Permission::ManageCategories)?;
    let mut tx = scope.write(s, client).await?;
    let mut order: Vec<CategoryId> = categories_of(&mut tx).await?.into_iter().map(|c| c.id).collect();
    let at = order.iter().position(|c| c == id).ok_or(CoreError::NotFound)?;
    let to = if up { at.checked_sub(1) } else { Some(at + 1).filter(|&i| i < order.len()) };
    let Some(to) = to else { return Ok(()) };
    order.swap(at, to);
    // Renumbered whole, so positions stay distinct whatever came before.
    for (i, c) in order.iter().enumerate() {
        sqlx::query("UPDATE record_categories SET position = $1 WHERE tenant_id = $2 AND id = $3")
            .bind(i64::try_from(i).unwrap_or(0) + 1)
            .bind(scope.tenant_id().as_str())
            .bind(c.as_str())
            .execute(&mut **tx)
            .await?;
    }
    let ev = scope
        .event(Action::CategoriesChanged, client)
        .target(id.to_string())
        .detail(json!({ "change": if up { "moved_up" } else { "moved_down" } }));
    tx.commit(ev).await?;
    Ok(())
}

/// A person's records, newest first, bodies decrypted. Deleted records are
/// listed (marked) only to those who may read the correction history.
pub async fn list(s: &Services, scope: &TenantScope<'_>, person_id: &PersonId) -> CoreResult<Vec<ActivityRecord>> {
    let person_id = existing_id(s, scope, person_id).await?;
    let keys = data_keys(s, scope).await?;
    let with_deleted = scope.authorize(s, Permission::ViewRecordHistory).is_ok();
    let rows = sqlx::query(
        "SELECT r.id, r.person_id, r.occurred_at, r.category_id, c.name AS category, r.body, r.created_at, r.created_by AS author, \
         u.login AS created_by, r.version, r.updated_at, v.login AS updated_by, r.deleted_at \
         FROM person_records r LEFT JOIN record_categories c ON c.id = r.category_id AND c.tenant_id = r.tenant_id \
         LEFT JOIN users u ON u.id = r.created_by LEFT JOIN users v ON v.id = r.updated_by \
         WHERE r.tenant_id = $1 AND r.person_id = $2 AND (r.deleted_at IS NULL OR $3 = 1) \
         ORDER BY r.occurred_at DESC, r.id DESC LIMIT 500",
    )
    .bind(scope.tenant_id().as_str())
    .bind(person_id.as_str())
    .bind(i64::from(with_deleted))
    .fetch_all(&mut *scope.read(s).await?)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id")?;
        let owner: String = r.try_get("person_id")?;
        let version: i64 = r.try_get("version")?;
        let at = sealed::SealedRow::of_record(RECORDS, &id, &owner, version);
        let body = match sealed::open_columns(&keys, at, &[("body", r.try_get::<Option<Vec<u8>>, _>("body")?)]) {
            Ok(mut v) => v.pop().unwrap_or_default(),
            Err(failure) => return Err(failure.report(s, scope).await),
        };
        let created_at = Timestamp::from_millis(r.try_get("created_at")?);
        let author: Option<String> = r.try_get("author")?;
        let deleted_at = r.try_get::<Option<i64>, _>("deleted_at")?.map(Timestamp::from_millis);
        let changeable = deleted_at.is_none() && super::corrections::may_change(s, scope, author.as_deref(), created_at).is_ok();
        out.push(ActivityRecord {
            id: RecordId::from_db(id),
            occurred_at: Timestamp::from_millis(r.try_get("occurred_at")?),
            category: r.try_get("category")?,
            category_id: r.try_get::<Option<String>, _>("category_id")?.map(CategoryId::from_db),
            body,
            created_at,
            created_by: r.try_get("created_by")?,
            version,
            updated_at: r.try_get::<Option<i64>, _>("updated_at")?.map(Timestamp::from_millis),
            updated_by: r.try_get("updated_by")?,
            deleted_at,
            changeable,
        });
    }
    Ok(out)
}

/// What the record form sends: a local date and time in the organisation's zone.
#[derive(Clone, Debug, Default)]
pub struct RecordInput {
    /// `YYYY-MM-DDTHH:MM` (the browser's datetime-local), in the organisation's time zone.
    pub occurred_at: String,
    pub category_id: String,
    pub body: String,
    /// The form's submission key: a second submission with it stores nothing
    /// more and answers with the record the first one stored.
    pub submission: Option<SubmissionKey>,
}

fn parse_local_time(raw: &str, zone: &crate::clock::Zone) -> CoreResult<Timestamp> {
    let bad = || CoreError::Invalid { field: "occurred_at", problem: "format" };
    let dt: jiff::civil::DateTime = raw.trim().parse().map_err(|_| bad())?;
    zone.instant_of(dt).ok_or_else(bad)
}

/// A record's content as checked: when, what (trimmed, CRLF folded), which category.
pub(crate) struct RecordContent {
    pub occurred_at: Timestamp,
    pub body: String,
    pub category: Option<CategoryId>,
}

/// Checks a record form's content (the same rules for a new record and a correction).
pub(crate) async fn checked_content(s: &Services, scope: &TenantScope<'_>, input: &RecordInput) -> CoreResult<RecordContent> {
    let occurred_at = parse_local_time(&input.occurred_at, &scope.tenant().time_zone)?;
    let body = input.body.trim_end().replace("\r\n", "\n");
    if body.trim().is_empty() {
        return Err(CoreError::Invalid { field: "body", problem: "required" });
    }
    if body.chars().count() > BODY_MAX {
        return Err(CoreError::Invalid { field: "body", problem: "too_long" });
    }
    if body.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(CoreError::Invalid { field: "body", problem: "format" });
    }
    let category = match input.category_id.trim() {
        "" => None,
        c => {
            let id = CategoryId::parse(c).ok_or(CoreError::Invalid { field: "category", problem: "unknown" })?;
            if !categories(s, scope).await?.iter().any(|k| k.id == id) {
                return Err(CoreError::Invalid { field: "category", problem: "unknown" });
            }
            Some(id)
        }
    };
    Ok(RecordContent { occurred_at, body, category })
}

/// Adds a record to a person (members and admins).
pub async fn add(
    s: &Services,
    scope: &TenantScope<'_>,
    client: &ClientInfo,
    person_id: &PersonId,
    input: &RecordInput,
) -> CoreResult<RecordId> {
    scope.authorize(s, Permission::WritePeople)?;
    let RecordContent { occurred_at, body, category } = checked_content(s, scope, input).await?;
    let keys = data_keys(s, scope).await?;
    let id = RecordId::generate();
    let sealed =
        keys.seal(FieldRef { table: RECORDS, column: "body", row_id: id.as_str(), person_id: person_id.as_str(), version: 0 }, &body)?;
    let mut tx = scope.write(s, client).await?;
    let now = tx.now();
    // The person must be in this organisation: the insert reads it through the scope.
    // A submission key already used in this organisation inserts nothing
    // (a concurrent twin waits for the first to commit, then inserts nothing).
    let done = sqlx::query(
        "INSERT INTO person_records (id, tenant_id, person_id, key_id, occurred_at, category_id, body, created_at, created_by, submission_key) \
         SELECT $1, $2, p.id, $3, $4, $5, $6, $7, $8, $10 FROM people p WHERE p.tenant_id = $2 AND p.id = $9 \
         ON CONFLICT (tenant_id, submission_key) WHERE submission_key IS NOT NULL DO NOTHING",
    )
    .bind(id.as_str())
    .bind(scope.tenant_id().as_str())
    .bind(keys.key_id())
    .bind(occurred_at.as_millis())
    .bind(category.as_ref().map(CategoryId::as_str))
    .bind(sealed)
    .bind(now.as_millis())
    .bind(scope.actor().user_id.as_str())
    .bind(person_id.as_str())
    .bind(input.submission.as_ref().map(SubmissionKey::as_str))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if done == 0 {
        drop(tx);
        return match &input.submission {
            Some(key) => {
                let sent = Submitted { person: person_id, occurred_at, category: category.as_ref(), body: &body };
                stored_by(s, scope, &keys, key, &sent).await
            }
            None => Err(CoreError::NotFound),
        };
    }
    let ev = scope.event(Action::RecordCreated, client).target(person_id.to_string()).detail(json!({ "record": id.as_str() }));
    tx.commit(ev).await?;
    Ok(id)
}

/// What a record form sent, to compare with what its key already stored.
struct Submitted<'a> {
    person: &'a PersonId,
    occurred_at: Timestamp,
    category: Option<&'a CategoryId>,
    body: &'a str,
}

/// The record a submission key already stored, when it is the same record:
/// the answer to a repeated submission (a double click, a retry after a lost
/// answer). Nothing is written or audited again. The same key with other
/// content (the text edited before a retry, a form restored by the browser)
/// is refused rather than answered with the first record, so nothing the
/// person typed is silently dropped.
async fn stored_by(
    s: &Services,
    scope: &TenantScope<'_>,
    keys: &crate::vault::DataKeys,
    key: &SubmissionKey,
    sent: &Submitted<'_>,
) -> CoreResult<RecordId> {
    let row = sqlx::query(
        "SELECT id, person_id, occurred_at, category_id, body, version, deleted_at FROM person_records WHERE tenant_id = $1 AND submission_key = $2",
    )
    .bind(scope.tenant_id().as_str())
    .bind(key.as_str())
    .fetch_optional(&mut *scope.read(s).await?)
    .await?;
    let Some(r) = row else {
        // Nothing stored under the key: the person is not in this organisation.
        return Err(CoreError::NotFound);
    };
    let id: String = r.try_get("id")?;
    let owner: String = r.try_get("person_id")?;
    // Corrected or deleted since: the form's content is no longer what is stored.
    if r.try_get::<Option<i64>, _>("deleted_at")?.is_some() {
        return Err(CoreError::Invalid { field: "submission", problem: "already_saved" });
    }
    let at = sealed::SealedRow::of_record(RECORDS, &id, &owner, r.try_get("version")?);
    let body = match sealed::open_columns(keys, at, &[("body", r.try_get::<Option<Vec<u8>>, _>("body")?)]) {
        Ok(mut v) => v.pop().unwrap_or_default(),
        Err(failure) => return Err(failure.report(s, scope).await),
    };
    let same = r.try_get::<String, _>("person_id")? == sent.person.as_str()
        && r.try_get::<i64, _>("occurred_at")? == sent.occurred_at.as_millis()
        && r.try_get::<Option<String>, _>("category_id")?.as_deref() == sent.category.map(CategoryId::as_str)
        && body == sent.body;
    if same {
        Ok(RecordId::from_db(id))
    } else {
        Err(CoreError::Invalid { field: "submission", problem: "already_saved" })
    }
}
