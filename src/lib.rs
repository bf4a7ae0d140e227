//! Kura core: the domain, storage, crypto, authentication and audit rules.
//!
//! Nothing here knows about Leptos or axum: the web front end (`app/`) and the
//! server binary (`server/`) call into this crate, never the other way round.

pub mod domain;

#[cfg(feature = "server")]
pub mod alerts;
#[cfg(feature = "server")]
pub mod audit;
#[cfg(feature = "server")]
pub mod audit_chain;
#[cfg(feature = "server")]
pub mod audit_retention;
#[cfg(feature = "server")]
pub mod audit_view;
#[cfg(feature = "server")]
pub mod auth;
#[cfg(feature = "server")]
pub mod clock;
#[cfg(feature = "server")]
pub mod console;
#[cfg(feature = "server")]
pub mod db;
#[cfg(feature = "server")]
pub mod error;
#[cfg(feature = "server")]
pub mod ids;
#[cfg(feature = "server")]
pub mod input;
#[cfg(feature = "server")]
pub mod keys;
#[cfg(feature = "server")]
pub mod network;
#[cfg(feature = "server")]
pub mod people;
#[cfg(feature = "server")]
pub mod policy;
#[cfg(feature = "server")]
pub mod provisioning;
#[cfg(feature = "server")]
pub mod reports;
#[cfg(feature = "server")]
pub mod scope;
#[cfg(feature = "server")]
pub mod services;
#[cfg(feature = "server")]
pub mod sessions;
#[cfg(feature = "server")]
pub mod setup_links;
#[cfg(feature = "server")]
pub mod spreadsheet;
#[cfg(feature = "server")]
pub mod tenants;
#[cfg(feature = "server")]
pub mod ttl_cache;
#[cfg(feature = "server")]
pub mod users;
#[cfg(feature = "server")]
pub mod vault;

#[cfg(test)]
#[cfg(feature = "server")]
mod repository_rule_tests;
#[cfg(test)]
#[cfg(feature = "server")]
mod row_level_security_tests;
#[cfg(any(test, feature = "testing"))]
#[cfg(feature = "server")]
pub mod testing;

#[cfg(feature = "server")]
pub use clock::{Clock, ManualClock, SystemClock, Timestamp, Zone};
#[cfg(feature = "server")]
pub use db::{AllTenantsUse, Backend, Db, Reach, Tx};
#[cfg(feature = "server")]
pub use error::{CoreError, CoreResult};
#[cfg(feature = "server")]
pub use services::Services;
