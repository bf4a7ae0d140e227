//! tower-sessions records kept in Kura's database (SQLite or PostgreSQL)
//! through the core's session repository, which stores ids only as hashes and
//! indexes sessions by user so they can be listed and revoked.

use async_trait::async_trait;
use kura::ids::UserId;
use kura::sessions::{self, SessionRow};
use kura::{Services, Timestamp};
use kura_app::ssr::keys;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

#[derive(Clone)]
pub struct DbSessionStore {
    services: Services,
}

impl DbSessionStore {
    pub fn new(services: Services) -> Self {
        Self { services }
    }
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

fn backend(e: kura::CoreError) -> session_store::Error {
    tracing::error!(error = ?e, "session store");
    session_store::Error::Backend(String::from("session storage unavailable"))
}

fn str_field<'a>(record: &'a Record, key: &str) -> Option<&'a str> {
    record.data.get(key).and_then(|v| v.as_str())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // 128-bit random ids; on the (astronomically unlikely) clash, draw again.
        while sessions::exists(&self.services.db, &sessions::id_hash(&record.id.to_string()))
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let hash = sessions::id_hash(&record.id.to_string());
        let user_id = str_field(record, keys::USER_ID).and_then(UserId::parse);
        let expires_at = Timestamp::from_millis(
            i64::try_from(record.expiry_date.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX),
        );
        let row = SessionRow {
            id_hash: &hash,
            user_id: user_id.as_ref(),
            data: &data,
            expires_at,
            client_ip: str_field(record, keys::CLIENT_IP),
            user_agent: str_field(record, keys::USER_AGENT),
        };
        sessions::save(&self.services.db, &row, self.services.clock.now()).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let hash = sessions::id_hash(&id.to_string());
        match sessions::load(&self.services.db, &hash, self.services.clock.now()).await.map_err(backend)? {
            Some((data, _)) => {
                let record: Record =
                    serde_json::from_slice(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
                Ok(Some(record))
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sessions::delete_by_hash(&self.services.db, &sessions::id_hash(&id.to_string())).await.map_err(backend)
    }
}
