//! CSV export and import of the people register. Export: every person of
//! the organisation, decrypted for the file, audited with the row count.
//! Import: a preview lists every row's problems before anything is written;
//! the confirmed import is one transaction (all rows or none), audited.

use serde_json::json;
use sqlx::Row;

use super::register::{data_keys, insert_sealed_many};
use super::sealed;
use super::{PersonFields, FIELD_COLUMNS};
use crate::audit::{self, Action, ClientInfo};
use crate::error::{CoreError, CoreResult, FieldProblem};
use crate::ids::PersonId;
use crate::policy::{self, Permission};
use crate::scope::TenantScope;
use crate::services::Services;
use crate::spreadsheet;

/// Largest import accepted in one file.
pub const IMPORT_MAX_ROWS: usize = 10_000;
pub const IMPORT_MAX_BYTES: usize = 5 * 1024 * 1024;
/// The problems the limits are named by.
pub const FILE_TOO_LARGE: &str = "file_too_large";
pub const FILE_TOO_MANY_ROWS: &str = "file_too_many_rows";

/// The exported columns: the personal fields (importable) then facts.
pub const HEADER_JA: [&str; 14] = [
    "姓",
    "名",
    "フリガナ（セイ）",
    "フリガナ（メイ）",
    "電話番号",
    "メールアドレス",
    "郵便番号",
    "住所",
    "備考",
    "生年月日",
    "緊急連絡先",
    "状態",
    "登録日時",
    "更新日時",
];

/// Export is for admins, and for members when their organisation allows it.
pub(crate) fn authorize_export(s: &Services, scope: &TenantScope<'_>) -> CoreResult<()> {
    // The policy check (temporary password, etc.) with the one setting that widens it.
    scope.authorize(s, Permission::ReadPeople)?;
    if policy::allows_export(scope.actor().role, scope.tenant().members_may_export) {
        Ok(())
    } else {
        Err(CoreError::Forbidden)
    }
}

/// Every person of the organisation as a CSV file (UTF-8 with BOM, times in
/// the organisation's zone). A row that fails its integrity check stops the
/// export (logged and audited) rather than write a partial file.
pub async fn export(s: &Services, scope: &TenantScope<'_>, client: &ClientInfo) -> CoreResult<Vec<u8>> {
    authorize_export(s, scope)?;
    let keys = data_keys(s, scope).await?;
    let rows = super::register::all_sealed_rows(s, scope).await?;
    let tz = &scope.tenant().time_zone;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id")?;
        let mut cols = Vec::with_capacity(FIELD_COLUMNS.len());
        for c in FIELD_COLUMNS {
            cols.push((c, r.try_get::<Option<Vec<u8>>, _>(c)?));
        }
        let row = sealed::SealedRow::of_person(&id, r)?;
        let mut values = match sealed::open_columns(&keys, row, &cols) {
            Ok(v) => v,
            Err(failure) => return Err(failure.report(s, scope).await),
        };
        let status: String = r.try_get("status")?;
        values.push(if status == "archived" { "利用終了" } else { "利用中" }.to_owned());
        values.push(crate::Timestamp::from_millis(r.try_get("created_at")?).display_in(tz, true));
        values.push(crate::Timestamp::from_millis(r.try_get("updated_at")?).display_in(tz, true));
        out.push(values);
    }
    let count = out.len();
    let bytes = spreadsheet::write(&HEADER_JA, out)?;
    let ev = scope.event(Action::PeopleExported, client).detail(json!({ "rows": count }));
    audit::record(&s.db, s.clock.now(), &ev).await?;
    Ok(bytes)
}

/// What the preview says about one data row (line 2 is the first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblems {
    pub line: usize,
    pub problems: Vec<FieldProblem>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportPreview {
    /// Rows that would be added.
    pub rows: usize,
    /// Every row with a problem; the import is possible only when empty.
    pub invalid: Vec<RowProblems>,
    /// Header cells that are not a known column (ignored).
    pub ignored_columns: Vec<String>,
}

/// Maps a header cell to the field it fills: the export's Japanese header,
/// the English UI words, or the field's own name.
fn column_of(header: &str) -> Option<usize> {
    const EN: [&str; 11] = [
        "Family name",
        "Given name",
        "Reading (family)",
        "Reading (given)",
        "Phone",
        "E-mail",
        "Postal code",
        "Address",
        "Notes",
        "Date of birth",
        "Emergency contact",
    ];
    let h = header.trim();
    (0..FIELD_COLUMNS.len()).find(|&i| h == HEADER_JA[i] || h.eq_ignore_ascii_case(EN[i]) || h == FIELD_COLUMNS[i])
}

/// Parses and checks the whole file: every row's fields, validated.
fn parse(bytes: &[u8], today: jiff::civil::Date) -> CoreResult<(Vec<PersonFields>, ImportPreview)> {
    if bytes.len() > IMPORT_MAX_BYTES {
        return Err(CoreError::Invalid { field: "file", problem: FILE_TOO_LARGE });
    }
    let text = match spreadsheet::decode(bytes) {
        Ok((text, _)) => text,
        // Shown like a row's problem: the line where the text stops making sense.
        Err(at) => {
            let problem = FieldProblem { field: "file", problem: "encoding" };
            let preview = ImportPreview {
                rows: 0,
                invalid: vec![RowProblems { line: at.line, problems: vec![problem] }],
                ignored_columns: Vec::new(),
            };
            return Ok((Vec::new(), preview));
        }
    };
    let (header, rows) = spreadsheet::read(&text)?;
    let map: Vec<Option<usize>> = header.iter().map(|h| column_of(h)).collect();
    if !map.contains(&Some(0)) {
        // Without the family name column no row can be valid: say so once.
        return Err(CoreError::Invalid { field: "file", problem: "no_name_column" });
    }
    if rows.is_empty() {
        return Err(CoreError::Invalid { field: "file", problem: "required" });
    }
    if rows.len() > IMPORT_MAX_ROWS {
        return Err(CoreError::Invalid { field: "file", problem: FILE_TOO_MANY_ROWS });
    }
    let ignored_columns = header
        .iter()
        .zip(&map)
        .filter(|(h, m)| m.is_none() && !h.is_empty() && !HEADER_JA.contains(&h.as_str()))
        .map(|(h, _)| h.clone())
        .collect();
    let mut people = Vec::with_capacity(rows.len());
    let mut invalid = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let mut values: [String; 11] = Default::default();
        for (cell, m) in row.iter().zip(&map) {
            if let Some(col) = m {
                values[*col] = cell.clone();
            }
        }
        match PersonFields::from_values(values).validate(today) {
            Ok(p) => people.push(p),
            Err(problems) => invalid.push(RowProblems { line: i + 2, problems }),
        }
    }
    let preview = ImportPreview { rows: rows.len(), invalid, ignored_columns };
    Ok((people, preview))
}

pub(crate) fn authorize_import(s: &Services, scope: &TenantScope<'_>) -> CoreResult<()> {
    scope.authorize(s, Permission::ImportPeople)?;
    scope.authorize(s, Permission::WritePeople)
}

/// Checks a file without writing anything.
pub async fn preview(s: &Services, scope: &TenantScope<'_>, bytes: &[u8]) -> CoreResult<ImportPreview> {
    authorize_import(s, scope)?;
    Ok(parse(bytes, super::today(s, scope))?.1)
}

/// Adds every row of the file in one transaction, or nothing if any row has
/// a problem. Returns how many were added.
pub async fn import(s: &Services, scope: &TenantScope<'_>, client: &ClientInfo, bytes: &[u8]) -> CoreResult<usize> {
    authorize_import(s, scope)?;
    let (people, preview) = parse(bytes, super::today(s, scope))?;
    if !preview.invalid.is_empty() {
        return Err(CoreError::Invalid { field: "file", problem: "rows_invalid" });
    }
    let keys = data_keys(s, scope).await?;
    let by = Some(scope.actor().user_id.as_str());
    let mut tx = scope.write(s, client).await?;
    let now = tx.now();
    let rows: Vec<(PersonId, PersonFields)> = people.into_iter().map(|p| (PersonId::generate(), p)).collect();
    insert_sealed_many(&mut tx, &keys, &rows, by, now).await?;
    let ev = scope.event(Action::PeopleImported, client).detail(json!({ "rows": rows.len() }));
    tx.commit(ev).await?;
    Ok(rows.len())
}
