//! The audit chain's key. A plain hash chain can be recomputed by anyone who
//! can write the database: edit a row, rehash everything after it and the
//! head, and the chain verifies. So each row's link is an HMAC-SHA256 under a
//! random 256-bit chain key that is stored only wrapped by the master key
//! (like the organisations' data keys, with a key id; `kura keys
//! rotate-master` re-wraps it, so old rows stay verifiable). Without the
//! master key nobody can forge a link.
//!
//! A database writer can still cut rows off the end and point the head at an
//! earlier row (its MAC is genuine). The server therefore writes the head
//! (sequence and MAC) to the system log, which the database cannot change,
//! and `kura audit verify` checks the chain against those records.
//!
//! Chains written before the key existed are re-keyed once, from their first
//! row, in one transaction recorded as one audited event (`audit.chain_rekeyed`,
//! saying whether the old chain verified) — only by `kura migrate`, never on
//! their own, and never when the system log shows the chain was keyed before
//! (its key row removed): that would launder an edit. A second re-keying on
//! one chain is reported by verify.

use crate::db::{AllTenantsUse, Reach};
use std::fmt;
use std::sync::{Arc, RwLock};

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use zeroize::Zeroizing;

use crate::clock::Timestamp;
use crate::db::{Db, WriteTx};
use crate::error::{CoreError, CoreResult};
use crate::keys::{self, MasterKey, KEY_LEN};

/// The unwrapped chain key. Never logged.
pub struct ChainKey {
    pub key_id: String,
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainKey({}, <redacted>)", self.key_id)
    }
}

impl ChainKey {
    /// The link of a row: HMAC over the previous link and the row's canonical bytes.
    pub(crate) fn link(&self, prev: &[u8], canonical: &[u8]) -> CoreResult<Vec<u8>> {
        // HMAC takes a key of any length; new_from_slice cannot fail for 32 bytes.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.key[..]) else {
            return Err(CoreError::Crypto("audit chain key"));
        };
        mac.update(b"kura-audit-chain-v2");
        mac.update(&(prev.len() as u64).to_be_bytes());
        mac.update(prev);
        mac.update(canonical);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

/// The link of a row before chains were keyed (SHA-256), for re-keying.
pub(crate) fn legacy_link(prev: &[u8], canonical: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical);
    h.finalize().to_vec()
}

/// The master key and the unwrapped chain key of one database, shared by
/// every clone of its `Db`.
#[derive(Default)]
pub struct ChainKeys {
    master: RwLock<Option<Arc<MasterKey>>>,
    key: RwLock<Option<Arc<ChainKey>>>,
}

impl fmt::Debug for ChainKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChainKeys(<redacted>)")
    }
}

impl ChainKeys {
    pub(crate) fn attach(&self, master: Arc<MasterKey>) {
        if let Ok(mut m) = self.master.write() {
            *m = Some(master);
        }
    }

    #[cfg(test)]
    pub(crate) fn master_for_test(&self) -> Option<Arc<MasterKey>> {
        self.master.read().ok().and_then(|m| m.clone())
    }

    fn master(&self) -> CoreResult<Arc<MasterKey>> {
        self.master.read().ok().and_then(|m| m.clone()).ok_or(CoreError::Crypto("the audit chain needs the master key"))
    }

    fn cached(&self) -> Option<Arc<ChainKey>> {
        self.key.read().ok().and_then(|k| k.clone())
    }

    fn remember(&self, key: Arc<ChainKey>) {
        if let Ok(mut k) = self.key.write() {
            *k = Some(key);
        }
    }
}

fn wrap_aad(key_id: &str, master_id: &str) -> Vec<u8> {
    format!("kura-audit-chain-key-v1\0{key_id}\0{master_id}").into_bytes()
}

/// The stored chain key, unwrapped; `None` when there is none yet.
async fn load(conn: &mut AnyConnection, master: &MasterKey) -> CoreResult<Option<ChainKey>> {
    let Some(row) =
        sqlx::query("SELECT key_id, master_key_id, nonce, wrapped FROM audit_chain_key WHERE id = 1").fetch_optional(&mut *conn).await?
    else {
        return Ok(None);
    };
    let key_id: String = row.try_get("key_id")?;
    let master_id: String = row.try_get("master_key_id")?;
    if master_id != master.id() {
        return Err(CoreError::Crypto("the audit chain key is wrapped under another master key"));
    }
    let nonce: Vec<u8> = row.try_get("nonce")?;
    let wrapped: Vec<u8> = row.try_get("wrapped")?;
    let key = keys::unwrap_secret(master, &nonce, &wrapped, &wrap_aad(&key_id, &master_id))
        .map_err(|_| CoreError::Crypto("the audit chain key does not unwrap"))?;
    Ok(Some(ChainKey { key_id, key }))
}

/// The chain key for verifying (read only): `None` before the first event.
pub(crate) async fn for_verify(db: &Db) -> CoreResult<Option<Arc<ChainKey>>> {
    let chain = db.chain_keys();
    if let Some(k) = chain.cached() {
        return Ok(Some(k));
    }
    let mut conn = db.pool().acquire().await?;
    let master = chain.master()?;
    let Some(key) = load(&mut conn, &master).await? else { return Ok(None) };
    let key = Arc::new(key);
    chain.remember(key.clone());
    Ok(Some(key))
}

/// Where a database's chain stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainState {
    /// It has its key.
    Keyed,
    /// No key and no events yet: the key comes with the first event.
    Empty,
    /// Events but no key: written before chains were keyed (or its key row
    /// was removed). Only `kura migrate` re-keys it, never on its own.
    Unkeyed,
}

pub async fn state(db: &Db) -> CoreResult<ChainState> {
    let has_key = sqlx::query("SELECT 1 FROM audit_chain_key WHERE id = 1").fetch_optional(db.pool()).await?.is_some();
    if has_key {
        return Ok(ChainState::Keyed);
    }
    let mut rx = db.read_in(Reach::all_tenants(AllTenantsUse::job("audit chain check"))).await?;
    let has_rows = sqlx::query("SELECT 1 FROM audit_log LIMIT 1").fetch_optional(&mut *rx).await?.is_some();
    Ok(if has_rows { ChainState::Unkeyed } else { ChainState::Empty })
}

/// At start-up: a keyed chain's key must open with this master key, an
/// empty chain gets its key now, and an unkeyed one is `Err(Unkeyed)`.
pub async fn ensure(db: &Db, now: Timestamp) -> Result<(), EnsureError> {
    match state(db).await? {
        ChainState::Unkeyed => Err(EnsureError::Unkeyed),
        ChainState::Keyed => {
            for_verify(db).await?;
            Ok(())
        }
        ChainState::Empty => {
            let mut tx = db.begin_write_in(Reach::Installation).await?;
            for_append(&mut tx, now).await?;
            tx.commit().await.map_err(CoreError::from)?;
            Ok(())
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EnsureError {
    #[error("the audit log has events but no chain key: run `kura migrate` once (it re-keys the chain)")]
    Unkeyed,
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// What re-keying found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rekeyed {
    pub rows: i64,
    /// The first row where the unkeyed chain was already broken, if any.
    pub unkeyed_first_break: Option<i64>,
}

/// Re-keys a chain written before keys (`kura migrate`, with every server
/// stopped). Refused when the system log holds heads of this chain: then it
/// was keyed before and its key row has gone, and re-keying would launder
/// whatever was done to it. `Ok(None)` when there is nothing to re-key.
pub async fn rekey_unkeyed(db: &Db, now: Timestamp, logged_heads: usize) -> CoreResult<Option<Rekeyed>> {
    if state(db).await? != ChainState::Unkeyed {
        return Ok(None);
    }
    if logged_heads > 0 {
        return Err(CoreError::Crypto(
            "the system log shows this audit chain was keyed, but its key is gone: not re-keying (restore the key or investigate)",
        ));
    }
    let mut tx = db.begin_write_in(Reach::all_tenants(AllTenantsUse::job("audit chain re-keying"))).await?;
    let (key, created) = create_key(&mut tx, now).await?;
    if !created {
        return Ok(None);
    }
    let found = rekey_legacy_rows(&mut tx, &key, now).await?;
    tx.commit().await?;
    Ok(Some(found))
}

/// The chain key for appending inside `tx`: created with the very first
/// event. A chain with events but no key is never extended (nor re-keyed)
/// here: see `rekey_unkeyed`.
pub(crate) async fn for_append(tx: &mut WriteTx, now: Timestamp) -> CoreResult<Arc<ChainKey>> {
    let chain = tx.chain_keys();
    if let Some(k) = chain.cached() {
        return Ok(k);
    }
    let master = chain.master()?;
    // The head's lock first, as every append takes it: a first append running
    // beside this one has then either committed its key and row (we read the
    // key below) or not begun (we make the key), never half of it.
    sqlx::query("UPDATE audit_head SET last_seq = last_seq WHERE id = 1").execute(&mut **tx).await?;
    if let Some(key) = load(tx, &master).await? {
        let key = Arc::new(key);
        chain.remember(key.clone());
        return Ok(key);
    }
    // The head counts every organisation's events, whatever this transaction's reach.
    let head: i64 = sqlx::query_scalar("SELECT last_seq FROM audit_head WHERE id = 1").fetch_one(&mut **tx).await?;
    let has_rows = head > 0 || sqlx::query("SELECT 1 FROM audit_log LIMIT 1").fetch_optional(&mut **tx).await?.is_some();
    if has_rows {
        return Err(CoreError::Crypto("the audit log has events but no chain key"));
    }
    // Not remembered until it is read back committed: this transaction may roll back.
    Ok(create_key(tx, now).await?.0)
}

/// A new chain key, stored wrapped inside `tx`; `false` when another
/// instance stored one first (then that one is returned).
async fn create_key(tx: &mut WriteTx, now: Timestamp) -> CoreResult<(Arc<ChainKey>, bool)> {
    let master = tx.chain_keys().master()?;
    let key = ChainKey { key_id: uuid::Uuid::new_v4().simple().to_string(), key: keys::random_secret() };
    let (nonce, wrapped) = keys::wrap_secret(&master, &key.key, &wrap_aad(&key.key_id, master.id()))?;
    let inserted = sqlx::query(
        "INSERT INTO audit_chain_key (id, key_id, master_key_id, nonce, wrapped, created_at) \
         VALUES (1, $1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&key.key_id)
    .bind(master.id())
    .bind(&nonce[..])
    .bind(wrapped)
    .bind(now.as_millis())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        // Another instance created it meanwhile (its commit released our insert).
        let theirs = load(tx, &master).await?.ok_or(CoreError::Conflict("audit chain key"))?;
        return Ok((Arc::new(theirs), false));
    }
    Ok((Arc::new(key), true))
}

/// Re-wraps the chain key under `new` (inside the master key rotation's
/// transaction). Returns its id, if there is one.
pub(crate) async fn rewrap(tx: &mut WriteTx, old: &MasterKey, new: &MasterKey) -> CoreResult<Option<String>> {
    let under: Option<(String, String)> =
        sqlx::query_as("SELECT key_id, master_key_id FROM audit_chain_key WHERE id = 1").fetch_optional(&mut **tx).await?;
    match under {
        None => return Ok(None),
        // Done by an earlier, interrupted run.
        Some((key_id, master_id)) if master_id == new.id() => return Ok(Some(key_id)),
        Some(_) => {}
    }
    let Some(key) = load(tx, old).await? else { return Ok(None) };
    let (nonce, wrapped) = keys::wrap_secret(new, &key.key, &wrap_aad(&key.key_id, new.id()))?;
    sqlx::query("UPDATE audit_chain_key SET master_key_id = $1, nonce = $2, wrapped = $3 WHERE id = 1")
        .bind(new.id())
        .bind(&nonce[..])
        .bind(wrapped)
        .execute(&mut **tx)
        .await?;
    let id = key.key_id.clone();
    tx.chain_keys().remember(Arc::new(key));
    Ok(Some(id))
}

/// Re-links every row from the chain's anchor under `key` and records it.
/// The old (unkeyed) chain is verified first; its result goes into the
/// event, so re-keying never hides an earlier break.
async fn rekey_legacy_rows(tx: &mut WriteTx, key: &ChainKey, now: Timestamp) -> CoreResult<Rekeyed> {
    const BATCH: i64 = 1000;
    // The head first: its lock keeps any other writer out until we commit.
    sqlx::query("UPDATE audit_head SET last_seq = last_seq WHERE id = 1").execute(&mut **tx).await?;
    let anchor = sqlx::query("SELECT seq, hash FROM audit_anchor WHERE id = 1").fetch_one(&mut **tx).await?;
    let mut expected: i64 = anchor.try_get::<i64, _>("seq")? + 1;
    let mut old_running: Vec<u8> = anchor.try_get("hash")?;
    let mut new_running = old_running.clone();
    let mut legacy_break: Option<i64> = None;
    let mut rows_rekeyed: i64 = 0;
    sqlx::query("UPDATE audit_rekey_gate SET open = 1 WHERE id = 1").execute(&mut **tx).await?;
    loop {
        let rows = sqlx::query(&format!("SELECT {} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2", crate::audit::ROW_COLUMNS))
            .bind(expected)
            .bind(BATCH)
            .fetch_all(&mut **tx)
            .await?;
        let fetched = rows.len();
        for r in rows {
            let (row, prev_hash, hash) = crate::audit::stored_row_of(&r)?;
            let canonical = row.canonical_bytes();
            if legacy_break.is_none() && (row.seq != expected || prev_hash != old_running || legacy_link(&prev_hash, &canonical) != hash) {
                legacy_break = Some(row.seq);
            }
            let link = key.link(&new_running, &canonical)?;
            sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
                .bind(&new_running)
                .bind(&link)
                .bind(row.seq)
                .execute(&mut **tx)
                .await?;
            old_running = hash;
            new_running = link;
            expected = row.seq + 1;
            rows_rekeyed += 1;
        }
        if i64::try_from(fetched).unwrap_or(0) < BATCH {
            break;
        }
    }
    sqlx::query("UPDATE audit_rekey_gate SET open = 0 WHERE id = 1").execute(&mut **tx).await?;
    if rows_rekeyed == 0 {
        return Ok(Rekeyed { rows: 0, unkeyed_first_break: None });
    }
    let head = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1").fetch_one(&mut **tx).await?;
    let (head_seq, head_hash): (i64, Vec<u8>) = (head.try_get("last_seq")?, head.try_get("last_hash")?);
    if legacy_break.is_none() && (head_seq != expected - 1 || head_hash != old_running) {
        legacy_break = Some(head_seq.min(expected));
    }
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1")
        .bind(expected - 1)
        .bind(&new_running)
        .execute(&mut **tx)
        .await?;
    crate::audit::forget_head();
    if let Some(seq) = legacy_break {
        tracing::error!(seq, "the audit chain was already broken before it was keyed; recorded in audit.chain_rekeyed");
    }
    let ev = crate::audit::AuditEvent::new(
        crate::audit::AuditActor::system(),
        crate::audit::Action::AuditChainRekeyed,
        crate::audit::Outcome::Success,
    )
    .detail(json!({
        "rows": rows_rekeyed,
        "key_id": key.key_id,
        "unkeyed_chain_intact": legacy_break.is_none(),
        "unkeyed_chain_first_break": legacy_break,
    }));
    crate::audit::append_with_key(tx, now, &ev, key).await?;
    Ok(Rekeyed { rows: rows_rekeyed, unkeyed_first_break: legacy_break })
}
