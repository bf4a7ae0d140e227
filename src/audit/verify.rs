//! Walking the chain: the first row that does not match, and the heads it must still reach.

use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Action, StoredRow};
use crate::db::Db;
use crate::error::CoreResult;

/// Why a row failed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// A sequence number is missing (a row was deleted) or repeated.
    Gap { expected: i64 },
    /// The row's stored previous link is not the link of the row before it.
    PrevHashMismatch,
    /// The row's content does not produce its stored link under the chain
    /// key (it was edited, or its link was recomputed without the key).
    ContentMismatch,
    /// The head does not point at the last row (rows removed from the end, or
    /// a row appended outside Kura).
    HeadMismatch,
    /// There are rows but no chain key to check them with.
    NotKeyed,
    /// The system log saw the chain reach `witnessed_seq`; the database now
    /// ends before it: rows were cut off the end and the head moved back.
    Rewound { witnessed_seq: i64 },
    /// The row at a sequence the system log recorded has another link than
    /// the one recorded.
    WitnessMismatch,
    /// The retention anchor is not where the last `audit.retention_removed`
    /// event put it (old rows removed, or the anchor moved, by hand).
    AnchorMismatch,
    /// A second `audit.chain_rekeyed`: a chain is re-keyed once, when it had
    /// no key; again means its key was removed and the chain re-linked.
    RekeyedAgain,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub kind: BreakKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows_checked: u64,
    pub first_break: Option<ChainBreak>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// A head the server wrote to the system log: the chain reached `seq` with `link`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessedHead {
    pub seq: i64,
    pub link: Vec<u8>,
}

impl WitnessedHead {
    /// The link as the system log records it (hex).
    pub fn link_hex(&self) -> String {
        hex::encode(&self.link)
    }

    /// A head read back from the system log; `None` when the link is not hex.
    pub fn from_logged(seq: i64, link_hex: &str) -> Option<Self> {
        hex::decode(link_hex).ok().map(|link| Self { seq, link })
    }
}

/// The current head (sequence and link), as written to the system log.
pub async fn head(db: &Db) -> CoreResult<WitnessedHead> {
    let head = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1").fetch_one(db.pool()).await?;
    Ok(WitnessedHead { seq: head.try_get("last_seq")?, link: head.try_get("last_hash")? })
}

pub(crate) const ROW_COLUMNS: &str =
    "seq, id, at, actor_user_id, actor_label, tenant_id, client_ip, action, target, result, detail, prev_hash, hash";

/// A stored row with its previous and own link.
pub(crate) fn stored_row_of(r: &AnyRow) -> CoreResult<(StoredRow, Vec<u8>, Vec<u8>)> {
    let row = StoredRow {
        seq: r.try_get("seq")?,
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor_user_id: r.try_get("actor_user_id")?,
        actor_label: r.try_get("actor_label")?,
        tenant_id: r.try_get("tenant_id")?,
        client_ip: r.try_get("client_ip")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        result: r.try_get("result")?,
        detail: r.try_get("detail")?,
    };
    Ok((row, r.try_get("prev_hash")?, r.try_get("hash")?))
}

/// Walks the whole chain in batches and reports the first broken row.
pub async fn verify(db: &Db) -> CoreResult<VerifyReport> {
    verify_against(db, &[]).await
}

/// As `verify`, and also against heads the system log recorded: the chain
/// must still reach each of them with the same link.
pub async fn verify_against(db: &Db, witnessed: &[WitnessedHead]) -> CoreResult<VerifyReport> {
    const BATCH: i64 = 1000;
    // The chain starts after the last row removed by retention (or at the very beginning).
    let anchor = sqlx::query("SELECT seq, hash FROM audit_anchor WHERE id = 1").fetch_one(db.pool()).await?;
    let anchor_seq: i64 = anchor.try_get("seq")?;
    let anchor_link: Vec<u8> = anchor.try_get("hash")?;
    let mut expected_seq: i64 = anchor_seq + 1;
    let mut running = anchor_link.clone();
    let mut checked: u64 = 0;
    let key = crate::audit_chain::for_verify(db).await?;
    let mut last_retention: Option<Value> = None;
    let mut rekeyed = false;
    let mut witnessed: Vec<&WitnessedHead> = witnessed.iter().filter(|w| w.seq > anchor_seq).collect();
    witnessed.sort_by_key(|w| w.seq);
    let mut next_witness = witnessed.iter().peekable();
    let broken = |checked, seq, kind| Ok(VerifyReport { rows_checked: checked, first_break: Some(ChainBreak { seq, kind }) });
    loop {
        // Every organisation's rows: the chain runs through all of them.
        let mut rx = db.read_in(crate::db::Reach::all_tenants(crate::db::AllTenantsUse::job("audit verification"))).await?;
        let rows = sqlx::query(&format!("SELECT {ROW_COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2"))
            .bind(expected_seq)
            .bind(BATCH)
            .fetch_all(&mut *rx)
            .await?;
        drop(rx);
        let fetched = rows.len();
        for r in rows {
            let (row, prev_hash, hash) = stored_row_of(&r)?;
            let Some(key) = &key else { return broken(checked, row.seq, BreakKind::NotKeyed) };
            if row.seq != expected_seq {
                return broken(checked, row.seq, BreakKind::Gap { expected: expected_seq });
            }
            if prev_hash != running {
                return broken(checked, row.seq, BreakKind::PrevHashMismatch);
            }
            if row.link(key, &prev_hash)? != hash {
                return broken(checked, row.seq, BreakKind::ContentMismatch);
            }
            while let Some(w) = next_witness.peek() {
                if w.seq > row.seq {
                    break;
                }
                if w.seq == row.seq && w.link != hash {
                    return broken(checked, row.seq, BreakKind::WitnessMismatch);
                }
                next_witness.next();
            }
            if row.action == Action::AuditChainRekeyed.as_str() {
                if rekeyed {
                    return broken(checked, row.seq, BreakKind::RekeyedAgain);
                }
                rekeyed = true;
            }
            if row.action == Action::AuditRetentionRemoved.as_str() {
                last_retention = serde_json::from_str(&row.detail).ok();
            }
            running = hash;
            expected_seq += 1;
            checked += 1;
        }
        if i64::try_from(fetched).unwrap_or(0) < BATCH {
            break;
        }
    }
    let head = head(db).await?;
    if head.seq != expected_seq - 1 || head.link != running {
        return broken(checked, expected_seq.min(head.seq + 1).max(1), BreakKind::HeadMismatch);
    }
    if let Some(w) = next_witness.next() {
        return broken(checked, w.seq, BreakKind::Rewound { witnessed_seq: w.seq });
    }
    if !anchor_matches(last_retention.as_ref(), anchor_seq, &anchor_link) {
        return broken(checked, anchor_seq, BreakKind::AnchorMismatch);
    }
    Ok(VerifyReport { rows_checked: checked, first_break: None })
}

/// The anchor is where the last retention run put it, or at the start when
/// no run is on the chain.
fn anchor_matches(last_retention: Option<&Value>, anchor_seq: i64, anchor_link: &[u8]) -> bool {
    match last_retention {
        None => anchor_seq == 0,
        Some(detail) => {
            let seq_ok = detail.get("through_seq").and_then(Value::as_i64) == Some(anchor_seq);
            // Runs recorded before the link was noted name the sequence only.
            let link_ok = detail.get("anchor_link").and_then(Value::as_str).is_none_or(|l| l == hex::encode(anchor_link));
            seq_ok && link_ok
        }
    }
}
