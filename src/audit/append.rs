//! Appending to the chain: one row per event, inside the caller's transaction.

use std::sync::Mutex;

use sqlx::{AnyConnection, Row};

use super::{AuditEvent, StoredRow};
use crate::audit_chain::ChainKey;
use crate::clock::Timestamp;
use crate::db::{Backend, Db, WriteTx};
use crate::error::{CoreError, CoreResult};

/// The head this process last wrote: a hint, so the next append can move the
/// head and insert without reading it first. It is only ever used as the
/// expected value of a compare-and-set on `audit_head`, so a stale hint (a
/// rolled-back transaction, another instance, another database in tests) just
/// fails the compare and falls back to reading the head under its lock.
static LAST_HEAD: Mutex<Option<(i64, Vec<u8>)>> = Mutex::new(None);

fn remembered_head() -> Option<(i64, Vec<u8>)> {
    LAST_HEAD.lock().ok().and_then(|h| h.clone())
}

/// After the chain was re-linked: the hint names a link that no longer exists.
pub(crate) fn forget_head() {
    if let Ok(mut h) = LAST_HEAD.lock() {
        *h = None;
    }
}

fn remember_head(seq: i64, hash: &[u8]) {
    if let Ok(mut h) = LAST_HEAD.lock() {
        *h = Some((seq, hash.to_vec()));
    }
}

/// Appends one event inside the caller's transaction and returns its sequence
/// number. The head row is locked before the row is written (by the
/// compare-and-set or by the locking read), so concurrent appends serialise and
/// the chain has a single order.
pub async fn append(tx: &mut WriteTx, now: Timestamp, event: &AuditEvent) -> CoreResult<i64> {
    let key = crate::audit_chain::for_append(tx, now).await?;
    append_with_key(tx, now, event, &key).await
}

pub(crate) async fn append_with_key(tx: &mut WriteTx, now: Timestamp, event: &AuditEvent, key: &ChainKey) -> CoreResult<i64> {
    let conn: &mut AnyConnection = tx;
    if let Some((head_seq, head_hash)) = remembered_head() {
        let row = StoredRow::new(head_seq + 1, now, event);
        let hash = row.link(key, &head_hash)?;
        match append_after_expected_head(conn, &row, &head_hash, &hash).await? {
            FastAppend::Written => {
                remember_head(row.seq, &hash);
                return Ok(row.seq);
            }
            // The head moved on (or the hint is from elsewhere): read it.
            FastAppend::HeadMoved => {}
            // The head was ours but its next number is taken by a row written
            // by hand; the head is locked and still names head_seq.
            FastAppend::SeqTaken => return append_locked(conn, key, now, event, head_seq, head_hash).await,
        }
    }
    // Locks the head row and reads it in one statement.
    let head =
        sqlx::query("UPDATE audit_head SET last_seq = last_seq WHERE id = 1 RETURNING last_seq, last_hash").fetch_one(&mut *conn).await?;
    append_locked(conn, key, now, event, head.try_get("last_seq")?, head.try_get("last_hash")?).await
}

enum FastAppend {
    Written,
    HeadMoved,
    SeqTaken,
}

/// Moves the head from (`row.seq - 1`, `prev_hash`) to the new row and inserts
/// it. PostgreSQL does both in one statement (the update in a CTE locks the
/// head first, as the slow path does); SQLite, whose writer already holds the
/// database lock, in two.
async fn append_after_expected_head(conn: &mut AnyConnection, row: &StoredRow, prev_hash: &[u8], hash: &[u8]) -> CoreResult<FastAppend> {
    const INSERT: &str = "INSERT INTO audit_log (seq, id, at, actor_user_id, actor_label, tenant_id, client_ip, \
         action, target, result, detail, prev_hash, hash)";
    const MOVE_HEAD: &str = "UPDATE audit_head SET last_seq = $1, last_hash = $13 \
         WHERE id = 1 AND last_seq = $1 - 1 AND last_hash = $12";
    let (moved, inserted) = match Backend::of(conn) {
        Backend::Postgres => {
            let sql = format!(
                "WITH head AS ({MOVE_HEAD} RETURNING 1), \
                 ins AS ({INSERT} SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM head \
                 ON CONFLICT (seq) DO NOTHING RETURNING 1) \
                 SELECT (SELECT COUNT(*) FROM head) AS moved, (SELECT COUNT(*) FROM ins) AS inserted"
            );
            let r = row.bind_all(sqlx::query(&sql), prev_hash, hash).fetch_one(&mut *conn).await?;
            (r.try_get::<i64, _>("moved")? == 1, r.try_get::<i64, _>("inserted")? == 1)
        }
        Backend::Sqlite => {
            let moved = row.bind_all(sqlx::query(MOVE_HEAD), prev_hash, hash).execute(&mut *conn).await?.rows_affected() == 1;
            if !moved {
                return Ok(FastAppend::HeadMoved);
            }
            let sql = format!("{INSERT} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (seq) DO NOTHING");
            let inserted = row.bind_all(sqlx::query(&sql), prev_hash, hash).execute(&mut *conn).await?.rows_affected() == 1;
            (moved, inserted)
        }
    };
    Ok(match (moved, inserted) {
        (true, true) => FastAppend::Written,
        (true, false) => FastAppend::SeqTaken,
        _ => FastAppend::HeadMoved,
    })
}

/// Writes the row after the head (`head_seq`, `head_hash`), whose lock this
/// transaction holds, and moves the head to it.
async fn append_locked(
    conn: &mut AnyConnection,
    key: &ChainKey,
    now: Timestamp,
    event: &AuditEvent,
    head_seq: i64,
    head_hash: Vec<u8>,
) -> CoreResult<i64> {
    let prev_hash = head_hash;
    let mut last_seq = head_seq;
    let mut row = StoredRow::new(last_seq + 1, now, event);
    let mut hash = row.link(key, &prev_hash)?;
    // Normally one insert. A row slipped in by hand past the head takes the
    // next number: then write after it (verify still names the forged row
    // as the first break), rather than stop the log.
    let mut written = false;
    for _ in 0..2 {
        let inserted = row
            .bind_all(
                sqlx::query(
                    "INSERT INTO audit_log (seq, id, at, actor_user_id, actor_label, tenant_id, client_ip, \
                     action, target, result, detail, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (seq) DO NOTHING",
                ),
                &prev_hash,
                &hash,
            )
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if inserted == 1 {
            written = true;
            break;
        }
        let max_seq = highest_seq_of_every_organisation(conn).await?;
        last_seq = max_seq.unwrap_or(last_seq).max(last_seq);
        row.seq = last_seq + 1;
        hash = row.link(key, &prev_hash)?;
    }
    if !written {
        return Err(CoreError::Conflict("audit sequence taken twice"));
    }
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1").bind(row.seq).bind(&hash).execute(&mut *conn).await?;
    remember_head(row.seq, &hash);
    Ok(row.seq)
}

/// The highest sequence number in the log, whatever the transaction's reach:
/// a row slipped in by hand may belong to any organisation. On PostgreSQL the
/// reach is widened for this one statement and put back as it was.
async fn highest_seq_of_every_organisation(conn: &mut AnyConnection) -> CoreResult<Option<i64>> {
    const MAX: &str = "SELECT MAX(seq) FROM audit_log";
    if Backend::of(conn) != Backend::Postgres {
        return Ok(sqlx::query_scalar(MAX).fetch_one(&mut *conn).await?);
    }
    let before = sqlx::query(
        "SELECT COALESCE(current_setting('kura.reach', true), '') AS reach, \
         COALESCE(current_setting('kura.reach_by', true), '') AS reach_by, set_config('kura.reach', 'all', true)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let (reach, by): (String, String) = (before.try_get("reach")?, before.try_get("reach_by")?);
    sqlx::query("SELECT set_config('kura.reach_by', 'job:audit sequence', true)").execute(&mut *conn).await?;
    let max: Option<i64> = sqlx::query_scalar(MAX).fetch_one(&mut *conn).await?;
    sqlx::query("SELECT set_config('kura.reach', $1, true), set_config('kura.reach_by', $2, true)")
        .bind(reach)
        .bind(by)
        .execute(&mut *conn)
        .await?;
    Ok(max)
}

/// Records an event on its own, for things that change nothing else
/// (a failed login, a refused request).
pub async fn record(db: &Db, now: Timestamp, event: &AuditEvent) -> CoreResult<i64> {
    let mut tx = db.begin_write_in(crate::db::Reach::of_row(event.tenant_id.as_ref())).await?;
    let seq = append(&mut tx, now, event).await?;
    tx.commit().await?;
    Ok(seq)
}
