//! tower-sessions records kept in Kura's database (SQLite or PostgreSQL)
//! through the core's session repository, indexed by user so they can be
//! listed and revoked.
//!
//! The session id is the bearer secret: it is stored only as its hash (the
//! row's key), never inside the row's data, so a copy of the database or a
//! backup rebuilds no cookie. On load the id comes from the cookie itself.
//! Sessions are created at login only; a save updates an existing row and
//! never re-creates one that was ended while a request was in flight.

use async_trait::async_trait;
use kura::ids::UserId;
use kura::sessions::{self, SessionRow};
use kura::{Services, Timestamp};
use kura_app::ssr::keys;
use serde_json::Value;
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

/// What is stored of a record: everything but its id.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredRecord {
    data: std::collections::HashMap<String, Value>,
    expiry_date: time::OffsetDateTime,
}

fn stored_bytes(record: &Record) -> session_store::Result<Vec<u8>> {
    let stored = StoredRecord { data: record.data.clone(), expiry_date: record.expiry_date };
    serde_json::to_vec(&stored).map_err(|e| session_store::Error::Encode(e.to_string()))
}

/// The stored record with the id it was looked up by.
fn record_from(id: &Id, stored: &[u8]) -> session_store::Result<Record> {
    let stored: StoredRecord = serde_json::from_slice(stored).map_err(|e| session_store::Error::Decode(e.to_string()))?;
    Ok(Record { id: *id, data: stored.data, expiry_date: stored.expiry_date })
}

impl DbSessionStore {
    fn row<'a>(record: &'a Record, hash: &'a str, data: &'a [u8], user_id: Option<&'a UserId>) -> SessionRow<'a> {
        SessionRow {
            id_hash: hash,
            user_id,
            data,
            expires_at: Timestamp::from_millis(i64::try_from(record.expiry_date.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)),
            client_ip: str_field(record, keys::CLIENT_IP),
            user_agent: str_field(record, keys::USER_AGENT),
        }
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = stored_bytes(record)?;
        let user_id = str_field(record, keys::USER_ID).and_then(UserId::parse);
        // 128-bit random ids; on the (astronomically unlikely) clash, draw again.
        loop {
            let hash = sessions::id_hash(&record.id.to_string());
            let row = Self::row(record, &hash, &data, user_id.as_ref());
            if sessions::insert(&self.services.db, &row, self.services.clock.now()).await.map_err(backend)? {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = stored_bytes(record)?;
        let hash = sessions::id_hash(&record.id.to_string());
        let user_id = str_field(record, keys::USER_ID).and_then(UserId::parse);
        let row = Self::row(record, &hash, &data, user_id.as_ref());
        if !sessions::update(&self.services.db, &row, self.services.clock.now()).await.map_err(backend)? {
            // Ended while this request ran: it stays ended (the cookie now names nothing).
            tracing::info!("a late write to an ended session was dropped");
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let hash = sessions::id_hash(&id.to_string());
        match sessions::load(&self.services.db, &hash, self.services.clock.now()).await.map_err(backend)? {
            Some((data, _)) => Ok(Some(record_from(id, &data)?)),
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sessions::delete_by_hash(&self.services.db, &sessions::id_hash(&id.to_string())).await.map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn record() -> Record {
        let mut data = std::collections::HashMap::new();
        data.insert(keys::USER_ID.to_owned(), Value::from("u1"));
        Record { id: Id::default(), data, expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1) }
    }

    #[test]
    fn the_stored_form_holds_no_trace_of_the_id_and_loads_back_with_the_cookies_id() {
        let r = record();
        let stored = String::from_utf8(stored_bytes(&r).unwrap()).unwrap();
        let id = r.id.0;
        for form in [id.to_string(), r.id.to_string(), hex(&id.to_le_bytes()), hex(&id.to_be_bytes())] {
            assert!(!stored.contains(&form), "{form} in {stored}");
        }
        assert!(!stored.contains("\"id\""));
        let back = record_from(&r.id, stored.as_bytes()).unwrap();
        assert_eq!(back.id, r.id);
        assert_eq!(back.data, r.data);
        assert_eq!(back.expiry_date.unix_timestamp(), r.expiry_date.unix_timestamp());
    }
}
