//! Stored sessions. The HTTP layer (tower-sessions) keeps its records here;
//! the core uses the same rows to list and end a user's sessions. Session ids
//! are stored only as SHA-256 hashes, so a copy of the database cannot be
//! used to take over a session.

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::clock::Timestamp;
use crate::db::Db;
use crate::error::CoreResult;
use crate::ids::UserId;

/// The stored key for a session id.
pub fn id_hash(session_id: &str) -> String {
    hex::encode(Sha256::digest(session_id.as_bytes()))
}

/// One session record as the HTTP layer saves it.
pub struct SessionRow<'a> {
    pub id_hash: &'a str,
    pub user_id: Option<&'a UserId>,
    pub data: &'a [u8],
    pub expires_at: Timestamp,
    pub client_ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// A new session (at login): false when the id is taken.
pub async fn insert(db: &Db, row: &SessionRow<'_>, now: Timestamp) -> CoreResult<bool> {
    let r = sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, data, expires_at, created_at, last_seen_at, client_ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7) ON CONFLICT (id_hash) DO NOTHING",
    )
    .bind(row.id_hash)
    .bind(row.user_id.map(|u| u.as_str().to_owned()))
    .bind(row.data)
    .bind(row.expires_at.as_millis())
    .bind(now.as_millis())
    .bind(row.client_ip)
    .bind(row.user_agent)
    .execute(db.pool())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// An existing session's new state. Never creates one: a request that began
/// before the session was ended (logout, password change, an admin) must
/// not bring it back when it finishes. False when there was none.
pub async fn update(db: &Db, row: &SessionRow<'_>, now: Timestamp) -> CoreResult<bool> {
    let r = sqlx::query(
        "UPDATE sessions SET user_id = $2, data = $3, expires_at = $4, last_seen_at = $5, \
         client_ip = COALESCE($6, client_ip), user_agent = COALESCE($7, user_agent) WHERE id_hash = $1",
    )
    .bind(row.id_hash)
    .bind(row.user_id.map(|u| u.as_str().to_owned()))
    .bind(row.data)
    .bind(row.expires_at.as_millis())
    .bind(now.as_millis())
    .bind(row.client_ip)
    .bind(row.user_agent)
    .execute(db.pool())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The record's data, if the session exists and has not expired.
pub async fn load(db: &Db, id_hash: &str, now: Timestamp) -> CoreResult<Option<(Vec<u8>, Timestamp)>> {
    let row = sqlx::query("SELECT data, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
        .bind(id_hash)
        .bind(now.as_millis())
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(r) => Ok(Some((r.try_get("data")?, Timestamp::from_millis(r.try_get("expires_at")?)))),
        None => Ok(None),
    }
}

pub async fn delete(conn: &mut AnyConnection, id_hash: &str) -> CoreResult<u64> {
    let r = sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&mut *conn).await?;
    Ok(r.rows_affected())
}

pub async fn delete_by_hash(db: &Db, id_hash: &str) -> CoreResult<()> {
    let mut conn = db.pool().acquire().await?;
    delete(&mut conn, id_hash).await?;
    Ok(())
}

/// Ends every session of a user except, optionally, one.
pub async fn delete_for_user(conn: &mut AnyConnection, user: &UserId, except_hash: Option<&str>) -> CoreResult<u64> {
    let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user.as_str())
        .bind(except_hash.unwrap_or(""))
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected())
}

/// A live session of a user, as its owner and their admins see it.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    /// The stored hash: a handle to end the session, useless as a cookie.
    pub id_hash: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

pub(crate) async fn list_for_user(db: &Db, user: &UserId, now: Timestamp) -> CoreResult<Vec<SessionInfo>> {
    let rows = sqlx::query(
        "SELECT id_hash, created_at, last_seen_at, client_ip, user_agent FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC LIMIT 100",
    )
    .bind(user.as_str())
    .bind(now.as_millis())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionInfo {
                id_hash: r.try_get("id_hash")?,
                created_at: Timestamp::from_millis(r.try_get("created_at")?),
                last_seen_at: Timestamp::from_millis(r.try_get("last_seen_at")?),
                client_ip: r.try_get("client_ip")?,
                user_agent: r.try_get("user_agent")?,
            })
        })
        .collect()
}

/// Ends one session, only if it belongs to `user`; returns whether it did.
pub(crate) async fn delete_one_of_user(conn: &mut AnyConnection, user: &UserId, id_hash: &str) -> CoreResult<bool> {
    let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash = $2")
        .bind(user.as_str())
        .bind(id_hash)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// Deletes expired sessions in bounded batches; returns how many went.
pub(crate) async fn sweep_expired(db: &Db, now: Timestamp) -> CoreResult<u64> {
    let mut total = 0;
    loop {
        let r = sqlx::query(
            "DELETE FROM sessions WHERE id_hash IN \
             (SELECT id_hash FROM sessions WHERE expires_at <= $1 LIMIT 500)",
        )
        .bind(now.as_millis())
        .execute(db.pool())
        .await?;
        total += r.rows_affected();
        if r.rows_affected() < 500 {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDb;

    #[tokio::test]
    async fn the_sweep_removes_only_expired_sessions() {
        let t = TestDb::fresh().await;
        let now = Timestamp::from_millis(10_000_000);
        for (id, expires) in [("old", now.as_millis() - 1), ("live", now.as_millis() + 60_000)] {
            let row = SessionRow {
                id_hash: &id_hash(id),
                user_id: None,
                data: b"{}",
                expires_at: Timestamp::from_millis(expires),
                client_ip: None,
                user_agent: None,
            };
            assert!(insert(&t.db, &row, now).await.expect("insert"));
        }
        assert_eq!(sweep_expired(&t.db, now).await.expect("sweep"), 1);
        let left: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM sessions").fetch_all(t.db.pool()).await.expect("rows");
        assert_eq!(left, vec![id_hash("live")]);
        assert!(load(&t.db, &id_hash("live"), now).await.expect("load").is_some());
    }

    #[tokio::test]
    async fn an_update_never_creates_a_session_and_an_insert_never_overwrites_one() {
        let t = TestDb::fresh().await;
        let now = Timestamp::from_millis(10_000_000);
        let hash = id_hash("s1");
        let row = |data: &'static [u8]| SessionRow {
            id_hash: &hash,
            user_id: None,
            data,
            expires_at: now.plus(std::time::Duration::from_secs(60)),
            client_ip: None,
            user_agent: None,
        };
        assert!(!update(&t.db, &row(b"{\"late\":1}"), now).await.expect("update"), "nothing to update");
        assert!(load(&t.db, &hash, now).await.expect("load").is_none(), "an update made no session");
        assert!(insert(&t.db, &row(b"{}"), now).await.expect("insert"));
        assert!(!insert(&t.db, &row(b"{\"other\":1}"), now).await.expect("insert"), "the id is taken");
        assert!(update(&t.db, &row(b"{\"a\":1}"), now).await.expect("update"));
        assert_eq!(load(&t.db, &hash, now).await.expect("load").map(|(d, _)| d), Some(b"{\"a\":1}".to_vec()));
    }
}
