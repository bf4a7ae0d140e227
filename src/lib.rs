//! Kura core: the domain, storage, crypto, authentication and audit rules.
//!
//! Nothing here knows about Leptos or axum: the web front end (`app/`) and the
//! server binary (`server/`) call into this crate, never the other way round.

pub mod alerts;
pub mod audit;
pub mod audit_chain;
pub mod audit_retention;
pub mod audit_view;
pub mod auth;
pub mod clock;
pub mod console;
pub mod db;
pub mod error;
pub mod ids;
pub mod input;
pub mod keys;
pub mod network;
pub mod people;
pub mod policy;
pub mod provisioning;
pub mod reports;
pub mod scope;
pub mod services;
pub mod sessions;
pub mod setup_links;
pub mod spreadsheet;
pub mod tenants;
pub mod ttl_cache;
pub mod users;
pub mod vault;

#[cfg(test)]
mod repository_rule_tests;
#[cfg(test)]
mod row_level_security_tests;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use db::{AllTenantsUse, Backend, Db, Reach, Tx};
pub use error::{CoreError, CoreResult};
pub use services::Services;
