//! Between `PersonFields` and the sealed columns of a `people` row, and the
//! logging and audit of a field that fails its integrity check.

use serde_json::json;

use super::{PersonFields, FIELD_COLUMNS};
use crate::audit::{self, Action, AuditEvent, Outcome};
use crate::error::{CoreError, CoreResult};
use crate::ids::PersonId;
use crate::scope::TenantScope;
use crate::services::Services;
use crate::vault::{DataKeys, FieldRef};

pub(crate) const PEOPLE: &str = "people";
pub(crate) const RECORDS: &str = "person_records";

/// The sealed form of each field, empty ones too (so nobody can tell an
/// empty field from a filled one, and a NULL is never a valid value).
pub(crate) fn seal_person(keys: &DataKeys, person_id: &PersonId, fields_version: i64, f: &PersonFields) -> CoreResult<Vec<Vec<u8>>> {
    FIELD_COLUMNS
        .iter()
        .zip(f.values())
        .map(|(column, value)| {
            keys.seal(
                FieldRef { table: PEOPLE, column, row_id: person_id.as_str(), person_id: person_id.as_str(), version: fields_version },
                value,
            )
        })
        .collect()
}

/// Where the sealed columns of one row live.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SealedRow<'a> {
    pub table: &'static str,
    pub row_id: &'a str,
    pub person_id: &'a str,
    pub version: i64,
}

impl<'a> SealedRow<'a> {
    /// A record's (or its history's) sealed columns.
    pub(crate) fn of_record(table: &'static str, row_id: &'a str, person_id: &'a str, version: i64) -> Self {
        SealedRow { table, row_id, person_id, version }
    }

    /// A person's row, read with its `fields_version` column.
    pub(crate) fn of_person(id: &'a str, r: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(SealedRow { table: PEOPLE, row_id: id, person_id: id, version: r.try_get("fields_version")? })
    }
}

/// Opens the given sealed columns of one row. The first that fails — or is
/// NULL, which no sealed column ever is — is reported as an integrity error
/// naming the column.
pub(crate) fn open_columns(
    keys: &DataKeys,
    row: SealedRow<'_>,
    columns: &[(&'static str, Option<Vec<u8>>)],
) -> Result<Vec<String>, IntegrityFailure> {
    columns
        .iter()
        .map(|(column, sealed)| {
            let failure = || IntegrityFailure { table: row.table, column, row_id: row.row_id.to_owned() };
            let bytes = sealed.as_ref().ok_or_else(failure)?;
            let at = FieldRef { table: row.table, column, row_id: row.row_id, person_id: row.person_id, version: row.version };
            keys.open(at, bytes).map_err(|_| failure())
        })
        .collect()
}

/// A sealed value that did not open where it is stored: copied from another
/// row or organisation, or edited in the database.
#[derive(Debug, Clone)]
pub(crate) struct IntegrityFailure {
    pub table: &'static str,
    pub column: &'static str,
    pub row_id: String,
}

impl IntegrityFailure {
    /// Logs the failure (no values, only where) and audits it, then gives
    /// the error the caller returns. A failure to audit is logged too but
    /// does not hide the integrity error.
    pub(crate) async fn report(self, s: &Services, scope: &TenantScope<'_>) -> CoreError {
        let tenant = scope.tenant_id();
        tracing::error!(
            tenant = %tenant,
            table = self.table,
            column = self.column,
            row = %self.row_id,
            "sealed field failed its integrity check"
        );
        let ev = AuditEvent::new(scope.actor().audit_actor(), Action::DataIntegrityFailed, Outcome::Failure)
            .tenant(Some(tenant))
            .target(self.row_id.clone())
            .detail(json!({ "table": self.table, "column": self.column }));
        if let Err(e) = audit::record(&s.db, s.clock.now(), &ev).await {
            tracing::error!(error = %e, "could not audit an integrity failure");
        }
        CoreError::Crypto("sealed field failed its integrity check")
    }
}
