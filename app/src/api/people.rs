//! The people register: list, person page, create/edit, archive/restore,
//! delete, records. Always the caller's own organisation (operators hold no
//! people permission, WP-2.7).

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

use super::ApiError;

/// A person's fields as the form shows and sends them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonForm {
    pub family_name: String,
    pub given_name: String,
    pub family_kana: String,
    pub given_kana: String,
    pub phone: String,
    pub email: String,
    pub postal_code: String,
    pub address: String,
    pub notes: String,
    /// `YYYY-MM-DD` (the browser's date input).
    pub birth_date: String,
    pub emergency_contact: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub reading: String,
    pub phone: String,
    pub archived: bool,
    pub updated: String,
    pub created: String,
    /// Failed its integrity check (logged and audited); no values are sent.
    pub unreadable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRow {
    pub id: String,
    pub name: String,
}

/// A category on the settings page: whether a record names it (only one
/// that none does may be removed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedCategory {
    pub id: String,
    pub name: String,
    pub in_use: bool,
}

/// What the signed-in person may do on these pages (buttons are shown only
/// for what the server would allow).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleRights {
    pub write: bool,
    pub delete: bool,
    pub export: bool,
    pub import: bool,
    /// Reads records' correction history and deleted records.
    pub history: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleListView {
    pub people: Vec<PersonRow>,
    pub next: Option<String>,
    /// 全◯件: how many the filters select, when nothing is searched.
    pub total: Option<TotalRow>,
    pub categories: Vec<CategoryRow>,
    pub rights: PeopleRights,
}

/// How many the list's filters select: `counted`, or more than that when `more`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalRow {
    pub counted: i64,
    pub more: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRow {
    pub id: String,
    pub occurred: String,
    /// `YYYY-MM-DDTHH:MM` in the organisation's zone, to prefill the correction form.
    pub occurred_local: String,
    pub category: String,
    pub category_id: String,
    pub body: String,
    pub created: String,
    pub created_by: String,
    /// 0 as written, +1 per correction (the correction form sends it back).
    pub version: i64,
    /// The last correction, when there was one: when and by whom.
    pub corrected: Option<(String, String)>,
    /// Deleted (listed only to those who read the history).
    pub deleted: bool,
    /// The reader may correct or delete it now.
    pub changeable: bool,
    /// Its correction history, newest first (only for those allowed to read it).
    pub history: Vec<RecordChangeRow>,
}

/// One entry of a record's correction history (訂正履歴).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordChangeRow {
    pub deleted: bool,
    pub changed: String,
    pub changed_by: String,
    pub reason: String,
    /// The content the change replaced or deleted.
    pub prior_occurred: String,
    pub prior_category: String,
    pub prior_body: String,
    pub prior_written: String,
    pub prior_written_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    pub id: String,
    pub form: PersonForm,
    pub archived: bool,
    pub created: String,
    pub created_by: String,
    pub updated: String,
    pub updated_by: String,
    pub version: i64,
    pub records: Vec<RecordRow>,
    pub categories: Vec<CategoryRow>,
    pub rights: PeopleRights,
    /// The organisation's time zone, shown next to times.
    pub time_zone: String,
    /// Now in that zone, `YYYY-MM-DDTHH:MM`, to prefill the record form.
    pub now_local: String,
    /// The record form's key for this rendering (see `add_record`).
    pub submission_key: String,
    /// How long authors may correct their records (hours; 0: only admins).
    pub record_edit_hours: i64,
    /// The birth date for people, with the age today (empty when not given).
    pub birth_date_shown: String,
}

#[cfg(feature = "ssr")]
mod convert {
    use super::*;
    use kura::people::PersonFields;

    impl From<PersonForm> for PersonFields {
        fn from(f: PersonForm) -> Self {
            PersonFields {
                family_name: f.family_name,
                given_name: f.given_name,
                family_kana: f.family_kana,
                given_kana: f.given_kana,
                phone: f.phone,
                email: f.email,
                postal_code: f.postal_code,
                address: f.address,
                notes: f.notes,
                birth_date: f.birth_date,
                emergency_contact: f.emergency_contact,
            }
        }
    }

    impl From<PersonFields> for PersonForm {
        fn from(f: PersonFields) -> Self {
            PersonForm {
                family_name: f.family_name,
                given_name: f.given_name,
                family_kana: f.family_kana,
                given_kana: f.given_kana,
                phone: f.phone,
                email: f.email,
                postal_code: f.postal_code,
                address: f.address,
                notes: f.notes,
                birth_date: f.birth_date,
                emergency_contact: f.emergency_contact,
            }
        }
    }

    /// A person's records for the page, each with its own history entries.
    pub fn records(
        ctx: &crate::ssr::Ctx,
        tz: &kura::clock::Zone,
        records: Vec<kura::people::records::ActivityRecord>,
        history: Vec<kura::people::corrections::RecordChange>,
    ) -> Vec<RecordRow> {
        use kura::people::corrections::Change;
        records
            .into_iter()
            .map(|r| RecordRow {
                id: r.id.to_string(),
                occurred: ctx.when(r.occurred_at, tz),
                occurred_local: r.occurred_at.local_input_in(tz),
                category: r.category.unwrap_or_default(),
                category_id: r.category_id.map(|c| c.to_string()).unwrap_or_default(),
                body: r.body,
                created: ctx.when(r.created_at, tz),
                created_by: r.created_by.unwrap_or_default(),
                version: r.version,
                corrected: r.updated_at.filter(|_| r.version > 0).map(|at| (ctx.when(at, tz), r.updated_by.unwrap_or_default())),
                deleted: r.deleted_at.is_some(),
                changeable: r.changeable,
                history: history
                    .iter()
                    .filter(|h| h.record_id == r.id)
                    .map(|h| RecordChangeRow {
                        deleted: h.change == Change::Deleted,
                        changed: ctx.when(h.changed_at, tz),
                        changed_by: h.changed_by.clone().unwrap_or_default(),
                        reason: h.reason.clone(),
                        prior_occurred: ctx.when(h.prior.occurred_at, tz),
                        prior_category: h.prior.category.clone().unwrap_or_default(),
                        prior_body: h.prior.body.clone(),
                        prior_written: ctx.when(h.prior.written_at, tz),
                        prior_written_by: h.prior.written_by.clone().unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The core's own answer (`kura::people::rights`): the buttons match what the server allows.
    pub fn rights(s: &kura::Services, scope: &kura::scope::TenantScope<'_>) -> PeopleRights {
        let r = kura::people::rights(s, scope);
        PeopleRights { write: r.write, delete: r.delete, export: r.export, import: r.import, history: r.history }
    }

    pub async fn categories(ctx: &crate::ssr::Ctx, scope: &kura::scope::TenantScope<'_>) -> Result<Vec<CategoryRow>, ApiError> {
        Ok(kura::people::records::categories(&ctx.services, scope)
            .await
            .map_err(crate::ssr::api_error)?
            .into_iter()
            .map(|c| CategoryRow { id: c.id.to_string(), name: c.name })
            .collect())
    }
}

/// One page of the register. `status` is `active` (default), `archived` or
/// `all`; `sort` is `updated` (default) or `created`; `q` a whole phone number
/// or e-mail address, or a name or reading whole or in part; `row` a 五十音
/// row's code (`ka`, …; none: every row); `after` the cursor of the previous page.
#[server(prefix = "/api", endpoint = "people/list")]
pub async fn list_people(
    q: String,
    status: String,
    sort: String,
    category: String,
    row: Option<String>,
    after: Option<String>,
) -> Result<PeopleListView, ApiError> {
    use kura::people::{PeopleQuery, PeopleSort, StatusFilter};
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let row = match row.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(code) => Some(kura::domain::KanaRow::parse(code).ok_or(ApiError::Invalid { field: "row".into(), problem: "unknown".into() })?),
    };
    let query = PeopleQuery {
        row,
        sort: if sort == "created" { PeopleSort::Created } else { PeopleSort::Updated },
        status: match status.as_str() {
            "archived" => StatusFilter::Archived,
            "all" => StatusFilter::All,
            _ => StatusFilter::Active,
        },
        category: Some(category).filter(|c| !c.is_empty()),
        search: q,
        after,
    };
    let page = kura::people::register::list(&ctx.services, &scope, &query).await.map_err(crate::ssr::api_error)?;
    let tz = scope.tenant().time_zone.clone();
    let people = page
        .people
        .into_iter()
        .map(|p| PersonRow {
            id: p.id.to_string(),
            name: format!("{} {}", p.family_name, p.given_name).trim().to_owned(),
            reading: format!("{} {}", p.family_kana, p.given_kana).trim().to_owned(),
            phone: p.phone,
            archived: p.archived,
            updated: ctx.when(p.updated_at, &tz),
            created: ctx.when(p.created_at, &tz),
            unreadable: p.unreadable,
        })
        .collect();
    Ok(PeopleListView {
        people,
        next: page.next,
        total: page.total.map(|t| TotalRow { counted: t.counted, more: t.more }),
        categories: convert::categories(&ctx, &scope).await?,
        rights: convert::rights(&ctx.services, &scope),
    })
}

/// One person with their records.
#[server(prefix = "/api", endpoint = "people/get")]
pub async fn get_person(id: String) -> Result<PersonView, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let s = &ctx.services;
    let p = kura::people::register::get(s, &scope, &crate::ssr::id::<kura::ids::PersonId>(&id)?).await.map_err(crate::ssr::api_error)?;
    let person_id = crate::ssr::id::<kura::ids::PersonId>(&id)?;
    let records = kura::people::records::list(s, &scope, &person_id).await.map_err(crate::ssr::api_error)?;
    let history = if kura::people::rights(s, &scope).history {
        kura::people::corrections::history(s, &scope, &person_id).await.map_err(crate::ssr::api_error)?
    } else {
        Vec::new()
    };
    let tz = scope.tenant().time_zone.clone();
    let now_local = s.clock.now().local_input_in(&tz);
    let english = ctx.lang == crate::i18n::Lang::En;
    let birth_date_shown = kura::people::birth_date::shown(&p.fields.birth_date, kura::people::today(s, &scope), english);
    Ok(PersonView {
        id: p.id.to_string(),
        form: p.fields.into(),
        archived: p.archived,
        created: ctx.when(p.created_at, &tz),
        created_by: p.created_by.unwrap_or_default(),
        updated: ctx.when(p.updated_at, &tz),
        updated_by: p.updated_by.unwrap_or_default(),
        version: p.version,
        records: convert::records(&ctx, &tz, records, history),
        categories: convert::categories(&ctx, &scope).await?,
        rights: convert::rights(s, &scope),
        time_zone: tz.name().to_owned(),
        now_local,
        submission_key: kura::ids::SubmissionKey::generate().to_string(),
        record_edit_hours: scope.tenant().record_edit_hours,
        birth_date_shown,
    })
}

/// Adds a person; returns the new id. Every field problem is reported at once.
/// (The fields are flat arguments so the form's field names are the core's.)
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "people/create")]
pub async fn create_person(
    family_name: String,
    given_name: String,
    family_kana: String,
    given_kana: String,
    phone: String,
    email: String,
    postal_code: String,
    address: String,
    notes: String,
    birth_date: Option<String>,
    emergency_contact: Option<String>,
) -> Result<String, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let person = PersonForm {
        family_name,
        given_name,
        family_kana,
        given_kana,
        phone,
        email,
        postal_code,
        address,
        notes,
        birth_date: birth_date.unwrap_or_default(),
        emergency_contact: emergency_contact.unwrap_or_default(),
    };
    let id = kura::people::register::create(&ctx.services, &scope, &ctx.client, &person.into()).await.map_err(crate::ssr::api_error)?;
    Ok(id.to_string())
}

/// Saves an edit of the version the form was opened at; `Stale` when
/// someone saved in between (nothing is overwritten).
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "people/update")]
pub async fn update_person(
    id: String,
    version: i64,
    family_name: String,
    given_name: String,
    family_kana: String,
    given_kana: String,
    phone: String,
    email: String,
    postal_code: String,
    address: String,
    notes: String,
    birth_date: Option<String>,
    emergency_contact: Option<String>,
) -> Result<i64, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let person = PersonForm {
        family_name,
        given_name,
        family_kana,
        given_kana,
        phone,
        email,
        postal_code,
        address,
        notes,
        birth_date: birth_date.unwrap_or_default(),
        emergency_contact: emergency_contact.unwrap_or_default(),
    };
    kura::people::register::update(
        &ctx.services,
        &scope,
        &ctx.client,
        &crate::ssr::id::<kura::ids::PersonId>(&id)?,
        version,
        &person.into(),
    )
    .await
    .map_err(crate::ssr::api_error)
}

/// Archives (利用終了) or restores a person; answers the state it set.
#[server(prefix = "/api", endpoint = "people/archive")]
pub async fn archive_person(id: String, archived: bool) -> Result<bool, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    kura::people::register::set_archived(&ctx.services, &scope, &ctx.client, &crate::ssr::id::<kura::ids::PersonId>(&id)?, archived)
        .await
        .map_err(crate::ssr::api_error)?;
    Ok(archived)
}

/// Deletes a person and every record; only with `confirmed=yes`.
#[server(prefix = "/api", endpoint = "people/delete")]
pub async fn delete_person(id: String, confirmed: Option<String>) -> Result<(), ApiError> {
    crate::ssr::require_confirmation(confirmed.as_deref())?;
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    kura::people::register::delete(&ctx.services, &scope, &ctx.client, &crate::ssr::id::<kura::ids::PersonId>(&id)?)
        .await
        .map_err(crate::ssr::api_error)?;
    leptos_axum::redirect(crate::routes::PEOPLE);
    Ok(())
}

/// Adds a record; `occurred_at` is local time (`YYYY-MM-DDTHH:MM`) in the
/// organisation's zone. `submission` (the form's key) makes a repeat store nothing more.
#[server(prefix = "/api", endpoint = "people/record/add")]
pub async fn add_record(
    person_id: String,
    occurred_at: String,
    category_id: String,
    body: String,
    submission: Option<String>,
) -> Result<String, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let submission = match submission.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(k) => Some(
            kura::ids::SubmissionKey::parse(k)
                .ok_or(ApiError::Invalid { field: String::from("submission"), problem: String::from("format") })?,
        ),
    };
    let input = kura::people::records::RecordInput { occurred_at, category_id, body, submission };
    let id = kura::people::records::add(&ctx.services, &scope, &ctx.client, &crate::ssr::id::<kura::ids::PersonId>(&person_id)?, &input)
        .await
        .map_err(crate::ssr::api_error)?;
    Ok(id.to_string())
}

/// Corrects a record seen at `version`; the version it replaces is kept in
/// the record's correction history with `reason`. Returns the new version.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "people/record/correct")]
pub async fn correct_record(
    record_id: String,
    version: i64,
    occurred_at: String,
    category_id: String,
    body: String,
    reason: String,
) -> Result<i64, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let input = kura::people::records::RecordInput { occurred_at, category_id, body, submission: None };
    let id = crate::ssr::id::<kura::ids::RecordId>(&record_id)?;
    kura::people::corrections::correct(&ctx.services, &scope, &ctx.client, &id, version, &input, &reason)
        .await
        .map_err(crate::ssr::api_error)
}

/// Marks a record deleted, with a reason; only with `confirmed=yes`.
#[server(prefix = "/api", endpoint = "people/record/delete")]
pub async fn delete_record(record_id: String, version: i64, reason: String, confirmed: Option<String>) -> Result<(), ApiError> {
    crate::ssr::require_confirmation(confirmed.as_deref())?;
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let id = crate::ssr::id::<kura::ids::RecordId>(&record_id)?;
    kura::people::corrections::delete(&ctx.services, &scope, &ctx.client, &id, version, &reason).await.map_err(crate::ssr::api_error)
}

/// One row's problems in the import preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowIssues {
    pub line: usize,
    pub problems: Vec<super::FieldIssue>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreviewView {
    pub rows: usize,
    pub invalid: Vec<ImportRowIssues>,
    pub ignored_columns: Vec<String>,
}

/// The server functions that take a multipart upload (the server refuses
/// anything else sent to them before server_fn, which cannot parse it, runs).
pub const UPLOAD_ENDPOINTS: [&str; 2] = ["/api/people/import/preview", "/api/people/import"];

/// The fields of the import form: the file's bytes, uploaded as they are
/// (multipart, so Shift_JIS survives and nothing is inflated by URL
/// encoding), and the confirmation. The file is read up to the import's own
/// limit and no further; other fields are skipped.
#[cfg(feature = "ssr")]
async fn read_import_form(data: MultipartData) -> Result<(Vec<u8>, Option<String>), ApiError> {
    const MAX_FIELDS: usize = 4;
    let limit = kura::people::csv::IMPORT_MAX_BYTES;
    let mut form = data.into_inner().ok_or(ApiError::Request)?;
    let (mut file, mut confirmed) = (None, None);
    for _ in 0..MAX_FIELDS {
        let Some(mut field) = form.next_field().await.map_err(|_| ApiError::Request)? else { break };
        let name = field.name().map(str::to_owned);
        let cap = if name.as_deref() == Some("file") { limit } else { 64 };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| ApiError::Request)? {
            if bytes.len() + chunk.len() > cap {
                return Err(match name.as_deref() {
                    Some("file") => {
                        ApiError::Invalid { field: String::from("file"), problem: kura::people::csv::FILE_TOO_LARGE.to_owned() }
                    }
                    _ => ApiError::Request,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_deref() {
            Some("file") => file = Some(bytes),
            Some("confirmed") => confirmed = Some(String::from_utf8_lossy(&bytes).into_owned()),
            _ => {}
        }
    }
    let file = file.ok_or_else(|| ApiError::Invalid { field: String::from("file"), problem: String::from("required") })?;
    Ok((file, confirmed))
}

/// Checks a CSV file without writing anything (multipart: `file`).
#[server(prefix = "/api", endpoint = "people/import/preview", input = MultipartFormData)]
pub async fn preview_import(data: MultipartData) -> Result<ImportPreviewView, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let (file, _) = read_import_form(data).await?;
    let p = kura::people::csv::preview(&ctx.services, &scope, &file).await.map_err(crate::ssr::api_error)?;
    Ok(ImportPreviewView {
        rows: p.rows,
        invalid: p
            .invalid
            .into_iter()
            .map(|r| ImportRowIssues {
                line: r.line,
                problems: r
                    .problems
                    .into_iter()
                    .map(|f| super::FieldIssue { field: f.field.to_owned(), problem: f.problem.to_owned() })
                    .collect(),
            })
            .collect(),
        ignored_columns: p.ignored_columns,
    })
}

/// Adds every row in one transaction (or none); returns how many. Multipart:
/// `file`, and `confirmed=yes` (without it nothing is done).
#[server(prefix = "/api", endpoint = "people/import", input = MultipartFormData)]
pub async fn import_people(data: MultipartData) -> Result<usize, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let (file, confirmed) = read_import_form(data).await?;
    crate::ssr::require_confirmation(confirmed.as_deref())?;
    kura::people::csv::import(&ctx.services, &scope, &ctx.client, &file).await.map_err(crate::ssr::api_error)
}

/// The organisation's record categories, in order.
#[server(prefix = "/api", endpoint = "people/categories")]
pub async fn list_categories() -> Result<Vec<CategoryRow>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    convert::categories(&ctx, &scope).await
}

/// Adds a record category (admins).
#[server(prefix = "/api", endpoint = "people/categories/add")]
pub async fn add_category(name: String) -> Result<String, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let id = kura::people::records::add_category(&ctx.services, &scope, &ctx.client, &name).await.map_err(crate::ssr::api_error)?;
    Ok(id.to_string())
}

/// The categories with whether a record names each (admins: the settings).
#[server(prefix = "/api", endpoint = "people/categories/usage")]
pub async fn category_usage() -> Result<Vec<ManagedCategory>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let used = kura::people::records::categories_in_use(&ctx.services, &scope).await.map_err(crate::ssr::api_error)?;
    Ok(used.into_iter().map(|(c, in_use)| ManagedCategory { id: c.id.to_string(), name: c.name, in_use }).collect())
}

/// Removes a record category no record names (admins).
#[server(prefix = "/api", endpoint = "people/categories/remove")]
pub async fn remove_category(category_id: String, confirmed: Option<String>) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let id = crate::ssr::id::<kura::ids::CategoryId>(&category_id)?;
    crate::ssr::require_confirmation(confirmed.as_deref())?;
    kura::people::records::remove_category(&ctx.services, &scope, &ctx.client, &id).await.map_err(crate::ssr::api_error)
}

/// Moves a record category one place `up` or `down` in the list (admins).
#[server(prefix = "/api", endpoint = "people/categories/move")]
pub async fn move_category(category_id: String, direction: String) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let id = crate::ssr::id::<kura::ids::CategoryId>(&category_id)?;
    let up = match direction.as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(ApiError::Invalid { field: String::from("direction"), problem: String::from("format") }),
    };
    kura::people::records::move_category(&ctx.services, &scope, &ctx.client, &id, up).await.map_err(crate::ssr::api_error)
}

/// Renames a record category (admins); records keep it.
#[server(prefix = "/api", endpoint = "people/categories/rename")]
pub async fn rename_category(category_id: String, name: String) -> Result<(), ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    kura::people::records::rename_category(
        &ctx.services,
        &scope,
        &ctx.client,
        &crate::ssr::id::<kura::ids::CategoryId>(&category_id)?,
        &name,
    )
    .await
    .map_err(crate::ssr::api_error)
}
