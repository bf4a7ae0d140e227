//! What every core operation needs, built once at start-up and passed in.

use std::sync::Arc;

use crate::auth::password::PasswordHasher;
use crate::auth::AuthPolicy;
use crate::clock::{Clock, SharedClock};
use crate::db::Db;

/// The core's dependencies: the database, the clock, the password hasher and
/// the authentication policy. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub clock: SharedClock,
    pub hasher: PasswordHasher,
    pub auth: Arc<AuthPolicy>,
}

impl Services {
    pub fn new(db: Db, clock: Arc<dyn Clock>, hasher: PasswordHasher, auth: AuthPolicy) -> Self {
        Self { db, clock, hasher, auth: Arc::new(auth) }
    }
}
