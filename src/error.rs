//! Errors of the core. Each is typed here and mapped once, at the edge, to a
//! user-safe message; the full cause goes to the log only.

use std::time::Duration;

use crate::auth::password::PasswordProblem;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("database error")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Wrong organisation code, user id or password, or an account that may
    /// not log in. Deliberately says nothing about which.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many attempts; the caller may retry after the delay.
    #[error("too many attempts; retry after {retry_after:?}")]
    Throttled { retry_after: Duration },
    #[error("not authenticated")]
    NotAuthenticated,
    #[error("not allowed")]
    Forbidden,
    /// Also returned for ids that belong to another organisation.
    #[error("not found")]
    NotFound,
    #[error("invalid input: {field}: {problem}")]
    Invalid { field: &'static str, problem: &'static str },
    #[error("password refused: {0:?}")]
    WeakPassword(PasswordProblem),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("server busy")]
    Busy,
    /// A key or ciphertext failed its integrity check (logged, never shown).
    #[error("integrity check failed: {0}")]
    Crypto(&'static str),
    /// An operator action needs the operator's password again (last check too old).
    #[error("re-authentication required")]
    ReauthRequired,
    /// The organisation's IP allowlist does not include the client's address.
    #[error("network not allowed for this organisation")]
    NetworkDenied,
    #[error("i/o error: {0}")]
    Io(String),
    /// Several fields of one form or row are wrong; each is named.
    #[error("invalid input in {} fields", .0.len())]
    InvalidFields(Vec<FieldProblem>),
    /// The record was changed by someone else since it was read (optimistic
    /// concurrency): nothing was overwritten.
    #[error("stale version")]
    Stale,
}

/// A field that failed validation and why, in the words the UI translates.
pub use crate::domain::FieldProblem;

impl From<FieldProblem> for CoreError {
    fn from(p: FieldProblem) -> Self {
        CoreError::Invalid { field: p.field, problem: p.problem }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
