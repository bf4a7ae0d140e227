//! What the consoles do: the organisation admin's `/admin` and the
//! operator's `/ops`. Every operation takes a [`crate::scope::TenantScope`]
//! (or an operator actor), asks the policy first, and writes its change and
//! its audit row in one transaction.

pub mod account;
pub mod accounts;
pub mod operators;
pub mod settings;
pub mod tenants;

use crate::auth::password::{generate_temporary_password, Password, PasswordHashString};
use crate::clock::Timestamp;
use crate::error::CoreResult;
use crate::services::Services;
use crate::setup_links::SetupToken;

/// Rows per page in every console list.
pub const PER_PAGE: i64 = 20;

/// One page of a list, and how many rows match in all.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    /// Zero-based.
    pub page: i64,
}

pub(crate) fn offset(page: i64) -> i64 {
    page.clamp(0, 100_000) * PER_PAGE
}

/// How a new (or reset) account gets its first password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstPassword {
    /// Generated, shown once to the issuer, must be changed at first login.
    Temporary,
    /// A one-time link with which the owner chooses the password.
    SetupLink,
}

impl FirstPassword {
    pub fn parse(s: &str) -> CoreResult<FirstPassword> {
        match s.trim() {
            "temporary" => Ok(FirstPassword::Temporary),
            "link" => Ok(FirstPassword::SetupLink),
            _ => Err(crate::CoreError::Invalid { field: "method", problem: "unknown" }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FirstPassword::Temporary => "temporary",
            FirstPassword::SetupLink => "link",
        }
    }
}

/// What the issuer hands to the account's owner (shown once, never stored).
#[derive(Debug)]
pub enum Issued {
    Temporary(Password),
    SetupLink { token: SetupToken, expires_at: Timestamp },
}

/// The hash to store for `method`, and the temporary password if one was generated.
/// A setup-link account gets a random password nobody knows until the link is used.
pub(crate) async fn first_hash(s: &Services, method: FirstPassword) -> CoreResult<(PasswordHashString, Option<Password>)> {
    let p = generate_temporary_password();
    let hash = s.hasher.hash(&p).await?;
    Ok(match method {
        FirstPassword::Temporary => (hash, Some(p)),
        FirstPassword::SetupLink => (hash, None),
    })
}

#[cfg(test)]
mod tests;
