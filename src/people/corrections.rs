//! Correcting and deleting activity records without rewriting history
//! (issue 15 §3; care records keep their 真正性).
//!
//! A correction replaces a record's content and raises its version; the
//! version it replaced is kept in `person_record_changes`, its body copied
//! exactly as sealed (bound to the record and that version), with who
//! changed it, when, and a sealed reason. A deletion is a marked state of
//! the record with the same kind of entry; the record is not removed. Authors
//! may change their own records within the organisation's window
//! (`record_edit_hours`, 24 by default); admins may at any time and are the
//! ones who read the history.

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::records::{checked_content, RecordContent, RecordInput};
use super::register::data_keys;
use super::sealed::{self, RECORDS};
use crate::audit::{Action, ClientInfo};
use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult};
use crate::ids::{CategoryId, PersonId, RecordId};
use crate::policy::Permission;
use crate::scope::TenantScope;
use crate::services::Services;
use crate::vault::FieldRef;

pub const REASON_MAX: usize = 200;
pub(crate) const CHANGES: &str = "person_record_changes";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Corrected,
    Deleted,
}

impl Change {
    fn as_str(self) -> &'static str {
        match self {
            Change::Corrected => "corrected",
            Change::Deleted => "deleted",
        }
    }
}

/// One version of a record's content, as it was.
#[derive(Clone, Debug)]
pub struct RecordVersion {
    pub version: i64,
    pub occurred_at: Timestamp,
    pub category: Option<String>,
    pub body: String,
    pub written_at: Timestamp,
    /// The login of who wrote this version.
    pub written_by: Option<String>,
}

/// One entry of a record's correction history (訂正履歴).
#[derive(Clone, Debug)]
pub struct RecordChange {
    pub record_id: RecordId,
    pub change: Change,
    pub changed_at: Timestamp,
    /// The login of who made the change.
    pub changed_by: Option<String>,
    pub reason: String,
    /// The version the change replaced (a correction) or marked deleted.
    pub prior: RecordVersion,
}

/// Whether the scope's actor may correct or delete a record written by
/// `author` (a user id) at `created_at`: admins always; its author, holding
/// `WritePeople`, until the organisation's window closes. The list asks it
/// to offer the buttons; `correct` and `delete` ask it again.
pub(crate) fn may_change(s: &Services, scope: &TenantScope<'_>, author: Option<&str>, created_at: Timestamp) -> CoreResult<()> {
    if scope.authorize(s, Permission::CorrectAnyRecord).is_ok() {
        return Ok(());
    }
    scope.authorize(s, Permission::WritePeople)?;
    let window = std::time::Duration::from_secs(u64::try_from(scope.tenant().record_edit_hours).unwrap_or(0) * 3600);
    let own = author == Some(scope.actor().user_id.as_str());
    if own && s.clock.now() < created_at.plus(window) {
        Ok(())
    } else {
        Err(CoreError::Forbidden)
    }
}

fn reason(raw: &str) -> CoreResult<String> {
    let reason = raw.trim().replace("\r\n", "\n");
    if reason.is_empty() {
        return Err(CoreError::Invalid { field: "reason", problem: "required" });
    }
    if reason.chars().count() > REASON_MAX {
        return Err(CoreError::Invalid { field: "reason", problem: "too_long" });
    }
    if reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(CoreError::Invalid { field: "reason", problem: "format" });
    }
    Ok(reason)
}

/// A record's current row, as a change needs it.
struct Current {
    person_id: String,
    version: i64,
    occurred_at: i64,
    category_id: Option<String>,
    body: Vec<u8>,
    written_at: i64,
    written_by: Option<String>,
    author: Option<String>,
    created_at: Timestamp,
}

async fn current(s: &Services, scope: &TenantScope<'_>, conn: &mut AnyConnection, id: &RecordId) -> CoreResult<Current> {
    let row = sqlx::query(
        "SELECT person_id, version, occurred_at, category_id, body, created_at, created_by, updated_at, updated_by, deleted_at \
         FROM person_records WHERE tenant_id = $1 AND id = $2",
    )
    .bind(scope.tenant_id().as_str())
    .bind(id.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Err(CoreError::NotFound) };
    let author: Option<String> = r.try_get("created_by")?;
    let created_at = Timestamp::from_millis(r.try_get("created_at")?);
    if r.try_get::<Option<i64>, _>("deleted_at")?.is_some() {
        // Only those who may read deleted records learn that it exists.
        return Err(if scope.authorize(s, Permission::ViewRecordHistory).is_ok() { CoreError::Stale } else { CoreError::NotFound });
    }
    let updated_at: Option<i64> = r.try_get("updated_at")?;
    Ok(Current {
        person_id: r.try_get("person_id")?,
        version: r.try_get("version")?,
        occurred_at: r.try_get("occurred_at")?,
        category_id: r.try_get("category_id")?,
        body: r.try_get("body")?,
        written_at: updated_at.unwrap_or(created_at.as_millis()),
        written_by: if updated_at.is_some() { r.try_get("updated_by")? } else { author.clone() },
        author,
        created_at,
    })
}

/// A change being made: what, why, when.
#[derive(Clone, Copy)]
struct ChangeNote<'a> {
    change: Change,
    reason: &'a str,
    at: Timestamp,
}

/// Keeps the version a change replaces, with the change's sealed reason.
async fn keep_prior(
    scope: &TenantScope<'_>,
    conn: &mut AnyConnection,
    keys: &crate::vault::DataKeys,
    id: &RecordId,
    prior: &Current,
    note: &ChangeNote<'_>,
) -> CoreResult<()> {
    let ChangeNote { change, reason, at: now } = *note;
    let seq = prior.version + 1;
    let sealed_reason =
        keys.seal(FieldRef { table: CHANGES, column: "reason", row_id: id.as_str(), person_id: &prior.person_id, version: seq }, reason)?;
    sqlx::query(
        "INSERT INTO person_record_changes (tenant_id, record_id, person_id, seq, change, changed_at, changed_by, reason, \
         prior_version, prior_occurred_at, prior_category_id, prior_body, prior_written_at, prior_written_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(scope.tenant_id().as_str())
    .bind(id.as_str())
    .bind(prior.person_id.as_str())
    .bind(seq)
    .bind(change.as_str())
    .bind(now.as_millis())
    .bind(scope.actor().user_id.as_str())
    .bind(sealed_reason)
    .bind(prior.version)
    .bind(prior.occurred_at)
    .bind(prior.category_id.as_deref())
    .bind(prior.body.as_slice())
    .bind(prior.written_at)
    .bind(prior.written_by.as_deref())
    .execute(&mut *conn)
    .await
    .map_err(|e| match e {
        // A concurrent change of the same version kept it first (PostgreSQL;
        // SQLite's writers queue): this one lost the race.
        sqlx::Error::Database(d) if d.is_unique_violation() => CoreError::Stale,
        e => e.into(),
    })?;
    Ok(())
}

/// A change under way: its transaction, with the replaced version already kept.
struct Started {
    tx: crate::scope::ScopedWrite,
    keys: std::sync::Arc<crate::vault::DataKeys>,
    prior: Current,
    now: Timestamp,
}

/// What a correction and a deletion begin with: the rights, the reason, the
/// record as it is (changeable by this actor, at the version the page saw),
/// and the entry that keeps it in the history.
async fn start(
    s: &Services,
    scope: &TenantScope<'_>,
    client: &ClientInfo,
    id: &RecordId,
    version: i64,
    reason_text: &str,
    change: Change,
) -> CoreResult<Started> {
    scope.authorize(s, Permission::WritePeople).or_else(|_| scope.authorize(s, Permission::CorrectAnyRecord))?;
    let reason = reason(reason_text)?;
    let keys = data_keys(s, scope).await?;
    let mut tx = scope.write(s, client).await?;
    let prior = current(s, scope, &mut tx, id).await?;
    may_change(s, scope, prior.author.as_deref(), prior.created_at)?;
    if prior.version != version {
        return Err(CoreError::Stale);
    }
    let now = tx.now();
    keep_prior(scope, &mut tx, &keys, id, &prior, &ChangeNote { change, reason: &reason, at: now }).await?;
    Ok(Started { tx, keys, prior, now })
}

/// Corrects a record seen at `version` (`Stale` if it changed since);
/// returns its new version.
pub async fn correct(
    s: &Services,
    scope: &TenantScope<'_>,
    client: &ClientInfo,
    id: &RecordId,
    version: i64,
    input: &RecordInput,
    reason_text: &str,
) -> CoreResult<i64> {
    // Rights before the content is looked at (`start` asks again, with the record).
    scope.authorize(s, Permission::WritePeople).or_else(|_| scope.authorize(s, Permission::CorrectAnyRecord))?;
    let RecordContent { occurred_at, body, category } = checked_content(s, scope, input).await?;
    let Started { mut tx, keys, prior, now } = start(s, scope, client, id, version, reason_text, Change::Corrected).await?;
    let next = prior.version + 1;
    let sealed_body =
        keys.seal(FieldRef { table: RECORDS, column: "body", row_id: id.as_str(), person_id: &prior.person_id, version: next }, &body)?;
    let done = sqlx::query(
        "UPDATE person_records SET version = $1, key_id = $2, occurred_at = $3, category_id = $4, body = $5, updated_at = $6, updated_by = $7 \
         WHERE tenant_id = $8 AND id = $9 AND version = $10 AND deleted_at IS NULL",
    )
    .bind(next)
    .bind(keys.key_id())
    .bind(occurred_at.as_millis())
    .bind(category.as_ref().map(CategoryId::as_str))
    .bind(sealed_body)
    .bind(now.as_millis())
    .bind(scope.actor().user_id.as_str())
    .bind(scope.tenant_id().as_str())
    .bind(id.as_str())
    .bind(prior.version)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(CoreError::Stale);
    }
    let ev = scope
        .event(Action::RecordCorrected, client)
        .target(prior.person_id.clone())
        .detail(json!({ "record": id.as_str(), "version": next }));
    tx.commit(ev).await?;
    Ok(next)
}

/// Marks a record seen at `version` deleted, with a reason. Its content stays,
/// for the history; the register no longer lists it to its members.
pub async fn delete(
    s: &Services,
    scope: &TenantScope<'_>,
    client: &ClientInfo,
    id: &RecordId,
    version: i64,
    reason_text: &str,
) -> CoreResult<()> {
    let Started { mut tx, prior, now, .. } = start(s, scope, client, id, version, reason_text, Change::Deleted).await?;
    let done = sqlx::query(
        "UPDATE person_records SET deleted_at = $1, deleted_by = $2 WHERE tenant_id = $3 AND id = $4 AND version = $5 AND deleted_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(scope.actor().user_id.as_str())
    .bind(scope.tenant_id().as_str())
    .bind(id.as_str())
    .bind(prior.version)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(CoreError::Stale);
    }
    let ev = scope
        .event(Action::RecordDeleted, client)
        .target(prior.person_id.clone())
        .detail(json!({ "record": id.as_str(), "version": prior.version }));
    tx.commit(ev).await?;
    Ok(())
}

/// Every change to a person's records, newest first (admins).
pub async fn history(s: &Services, scope: &TenantScope<'_>, person_id: &PersonId) -> CoreResult<Vec<RecordChange>> {
    scope.authorize(s, Permission::ViewRecordHistory)?;
    let keys = data_keys(s, scope).await?;
    let rows = sqlx::query(
        "SELECT h.record_id, h.person_id, h.seq, h.change, h.changed_at, w.login AS changed_by, h.reason, h.prior_version, \
         h.prior_occurred_at, c.name AS prior_category, h.prior_body, h.prior_written_at, a.login AS prior_written_by \
         FROM person_record_changes h \
         LEFT JOIN record_categories c ON c.id = h.prior_category_id AND c.tenant_id = h.tenant_id \
         LEFT JOIN users w ON w.id = h.changed_by LEFT JOIN users a ON a.id = h.prior_written_by \
         WHERE h.tenant_id = $1 AND h.person_id = $2 ORDER BY h.changed_at DESC, h.record_id, h.seq DESC LIMIT 1000",
    )
    .bind(scope.tenant_id().as_str())
    .bind(person_id.as_str())
    .fetch_all(&mut *scope.read(s).await?)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let record: String = r.try_get("record_id")?;
        let owner: String = r.try_get("person_id")?;
        let seq: i64 = r.try_get("seq")?;
        let prior_version: i64 = r.try_get("prior_version")?;
        let reason_at = sealed::SealedRow::of_record(CHANGES, &record, &owner, seq);
        let body_at = sealed::SealedRow::of_record(RECORDS, &record, &owner, prior_version);
        let (sealed_reason, sealed_body) = (r.try_get::<Option<Vec<u8>>, _>("reason")?, r.try_get::<Option<Vec<u8>>, _>("prior_body")?);
        let opened = sealed::open_columns(&keys, reason_at, &[("reason", sealed_reason)]).and_then(|mut reason| {
            let mut body = sealed::open_columns(&keys, body_at, &[("body", sealed_body)])?;
            Ok((reason.pop().unwrap_or_default(), body.pop().unwrap_or_default()))
        });
        let (reason, body) = match opened {
            Ok(v) => v,
            Err(failure) => return Err(failure.report(s, scope).await),
        };
        let change = if r.try_get::<String, _>("change")? == "deleted" { Change::Deleted } else { Change::Corrected };
        out.push(RecordChange {
            record_id: RecordId::from_db(record),
            change,
            changed_at: Timestamp::from_millis(r.try_get("changed_at")?),
            changed_by: r.try_get("changed_by")?,
            reason,
            prior: RecordVersion {
                version: prior_version,
                occurred_at: Timestamp::from_millis(r.try_get("prior_occurred_at")?),
                category: r.try_get("prior_category")?,
                body,
                written_at: Timestamp::from_millis(r.try_get("prior_written_at")?),
                written_by: r.try_get("prior_written_by")?,
            },
        });
    }
    Ok(out)
}
