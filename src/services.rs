//! What every core operation needs, built once at start-up and passed in.

use std::sync::Arc;

use crate::auth::password::PasswordHasher;
use crate::auth::AuthPolicy;
use crate::clock::{Clock, SharedClock};
use crate::db::Db;
use crate::keys::MasterKey;
use crate::network::{AllowlistCache, NetworkPolicy};
use crate::vault::KeyCache;

/// The core's dependencies: the database, the clock, the password hasher,
/// the authentication policy and the master key. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub clock: SharedClock,
    pub hasher: PasswordHasher,
    pub auth: Arc<AuthPolicy>,
    /// Wraps every organisation's data key.
    pub keys: Arc<MasterKey>,
    /// Platform rules for organisations' IP allowlists.
    pub network: NetworkPolicy,
    pub allowlists: Arc<AllowlistCache>,
    /// Unwrapped organisation data keys, kept briefly (the vault).
    pub data_keys: Arc<KeyCache>,
}

impl Services {
    pub fn new(db: Db, clock: Arc<dyn Clock>, hasher: PasswordHasher, auth: AuthPolicy, keys: MasterKey) -> Self {
        let keys = Arc::new(keys);
        db.attach_master_key(keys.clone());
        Self {
            db,
            hasher,
            auth: Arc::new(auth),
            keys,
            network: NetworkPolicy::default(),
            allowlists: Arc::new(crate::network::allowlist_cache(clock.clone())),
            data_keys: Arc::new(KeyCache::new(clock.clone())),
            clock,
        }
    }
}
