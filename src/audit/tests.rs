use super::*;
use crate::db::Db;
use crate::error::CoreError;

#[test]
fn every_action_has_one_name_and_reads_back_from_it() {
    let mut names = std::collections::HashSet::new();
    for a in Action::ALL {
        assert!(names.insert(a.as_str()), "{a:?} shares its name");
        assert_eq!(Action::parse(a.as_str()), Some(*a));
    }
    assert_eq!(Action::parse("login.failed "), None);
    assert_eq!(Action::parse("no.such_action"), None);
}
use crate::testing::TestDb;
use serde_json::json;

async fn write_events(db: &Db, n: usize) {
    for i in 0..n {
        let ev = AuditEvent::new(AuditActor::system(), Action::AuditVerified, Outcome::Success).detail(json!({ "i": i }));
        record(db, Timestamp::from_millis(1_000 + i as i64), &ev).await.expect("append");
    }
}

#[tokio::test]
async fn a_fresh_chain_verifies() {
    let t = TestDb::fresh().await;
    let report = verify(&t.db).await.expect("verify");
    assert!(report.is_intact());
    assert_eq!(report.rows_checked, 0);
    write_events(&t.db, 5).await;
    let report = verify(&t.db).await.expect("verify");
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.rows_checked, 5);
}

#[tokio::test]
async fn an_edited_row_is_reported_by_its_sequence_number() {
    let t = TestDb::fresh().await;
    write_events(&t.db, 5).await;
    t.allow_audit_tampering().await;
    sqlx::query("UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 3").execute(t.db.pool()).await.expect("tamper");
    let report = verify(&t.db).await.expect("verify");
    assert_eq!(report.first_break, Some(ChainBreak { seq: 3, kind: BreakKind::ContentMismatch }));
}

#[tokio::test]
async fn a_deleted_row_is_reported_as_a_gap() {
    let t = TestDb::fresh().await;
    write_events(&t.db, 5).await;
    t.allow_audit_tampering().await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(t.db.pool()).await.expect("tamper");
    let report = verify(&t.db).await.expect("verify");
    assert_eq!(report.first_break, Some(ChainBreak { seq: 3, kind: BreakKind::Gap { expected: 2 } }));
}

#[tokio::test]
async fn removing_the_last_row_is_found_at_the_head() {
    let t = TestDb::fresh().await;
    write_events(&t.db, 3).await;
    t.allow_audit_tampering().await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 3").execute(t.db.pool()).await.expect("tamper");
    let report = verify(&t.db).await.expect("verify");
    assert_eq!(report.first_break.map(|b| b.kind), Some(BreakKind::HeadMismatch));
}

#[tokio::test]
async fn the_log_refuses_updates_and_deletes_through_sql() {
    let t = TestDb::fresh().await;
    write_events(&t.db, 1).await;
    assert!(sqlx::query("UPDATE audit_log SET action = 'x'").execute(t.db.pool()).await.is_err());
    assert!(sqlx::query("DELETE FROM audit_log").execute(t.db.pool()).await.is_err());
}

#[tokio::test]
async fn concurrent_appends_keep_one_unbroken_chain() {
    let t = TestDb::fresh().await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move { write_events(&db, 10).await }));
    }
    for task in tasks {
        task.await.expect("join");
    }
    let report = verify(&t.db).await.expect("verify");
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.rows_checked, 40);
}

#[tokio::test]
async fn first_appends_racing_on_a_fresh_database_share_one_key_and_one_chain() {
    for _ in 0..6 {
        let t = TestDb::fresh().await;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let db = t.db.reopen_for_test();
            tasks.push(tokio::spawn(async move { write_events(&db, 1).await }));
        }
        for task in tasks {
            task.await.expect("join");
        }
        let report = verify(&t.db).await.expect("verify");
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.rows_checked, 8);
    }
}

#[tokio::test]
async fn an_append_rolled_back_leaves_the_next_append_on_the_chain() {
    let t = TestDb::fresh().await;
    write_events(&t.db, 2).await;
    let mut tx = t.db.begin_write_in(crate::db::Reach::Installation).await.expect("begin");
    let ev = AuditEvent::new(AuditActor::system(), Action::AuditVerified, Outcome::Success);
    append(&mut tx, Timestamp::from_millis(5_000), &ev).await.expect("append");
    tx.rollback().await.expect("rollback");
    write_events(&t.db, 2).await;
    let report = verify(&t.db).await.expect("verify");
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.rows_checked, 4);
}

#[tokio::test]
async fn a_row_written_by_hand_after_the_head_is_named_and_the_log_goes_on() {
    let t = TestDb::fresh().await;
    write_events(&t.db, 2).await;
    sqlx::query(
        "INSERT INTO audit_log (seq, id, at, actor_label, action, result, detail, prev_hash, hash) \
         VALUES (3, 'forged', 0, 'system', 'login.succeeded', 'success', '{}', $1, $1)",
    )
    .bind(vec![0u8; 32])
    .execute(t.db.pool())
    .await
    .expect("forge");
    write_events(&t.db, 2).await;
    let report = verify(&t.db).await.expect("verify");
    assert_eq!(report.first_break.map(|b| b.seq), Some(3));
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(t.db.pool()).await.expect("count");
    assert_eq!(rows, 5);
}

#[tokio::test]
async fn appends_to_two_databases_in_turn_keep_both_chains_whole() {
    let (a, b) = (TestDb::fresh().await, TestDb::fresh().await);
    for _ in 0..3 {
        write_events(&a.db, 2).await;
        write_events(&b.db, 2).await;
    }
    for t in [&a, &b] {
        let report = verify(&t.db).await.expect("verify");
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.rows_checked, 6);
    }
}

#[tokio::test]
async fn an_edit_with_every_later_link_recomputed_without_the_key_does_not_verify() {
    let t = TestDb::fresh().await;
    write_events(&t.db, 5).await;
    t.allow_audit_tampering().await;
    sqlx::query("UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 3").execute(t.db.pool()).await.expect("tamper");
    crate::testing::relink_audit_unkeyed(&t.db, 3).await;
    let report = verify(&t.db).await.expect("verify");
    assert_eq!(report.first_break, Some(ChainBreak { seq: 3, kind: BreakKind::ContentMismatch }));
}

#[tokio::test]
async fn rows_cut_off_the_end_with_the_head_moved_back_are_found_against_the_logged_head() {
    let t = TestDb::fresh().await;
    write_events(&t.db, 5).await;
    let logged = head(&t.db).await.expect("head");
    assert_eq!(logged.seq, 5);
    assert!(verify_against(&t.db, std::slice::from_ref(&logged)).await.expect("verify").is_intact());
    t.allow_audit_tampering().await;
    sqlx::query("DELETE FROM audit_log WHERE seq > 3").execute(t.db.pool()).await.expect("cut");
    let third: Vec<u8> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = 3").fetch_one(t.db.pool()).await.expect("row");
    sqlx::query("UPDATE audit_head SET last_seq = 3, last_hash = $1 WHERE id = 1").bind(&third).execute(t.db.pool()).await.expect("head");
    // Inside the database alone the shorter chain is whole; that is what the log is for.
    assert!(verify(&t.db).await.expect("verify").is_intact());
    let report = verify_against(&t.db, &[logged]).await.expect("verify");
    assert_eq!(report.first_break, Some(ChainBreak { seq: 5, kind: BreakKind::Rewound { witnessed_seq: 5 } }));
    // A logged link the row no longer has.
    let wrong = WitnessedHead { seq: 2, link: vec![7; 32] };
    let report = verify_against(&t.db, &[wrong]).await.expect("verify");
    assert_eq!(report.first_break, Some(ChainBreak { seq: 2, kind: BreakKind::WitnessMismatch }));
}

#[tokio::test]
async fn old_rows_removed_by_hand_with_the_anchor_moved_are_reported() {
    let t = TestDb::fresh().await;
    write_events(&t.db, 5).await;
    t.allow_audit_tampering().await;
    let second: Vec<u8> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = 2").fetch_one(t.db.pool()).await.expect("row");
    sqlx::query("DELETE FROM audit_log WHERE seq <= 2").execute(t.db.pool()).await.expect("delete");
    sqlx::query("UPDATE audit_anchor SET seq = 2, hash = $1 WHERE id = 1").bind(&second).execute(t.db.pool()).await.expect("anchor");
    let report = verify(&t.db).await.expect("verify");
    assert_eq!(report.first_break, Some(ChainBreak { seq: 2, kind: BreakKind::AnchorMismatch }), "no retention run put it there");
}

#[tokio::test]
async fn a_chain_from_before_keys_is_extended_by_nobody_and_rekeyed_once_by_migrate() {
    use crate::audit_chain::{rekey_unkeyed, state, ChainState};
    let t = TestDb::fresh().await;
    write_events(&t.db, 3).await;
    let db = t.unkey_audit_chain().await;
    assert_eq!(state(&db).await.expect("state"), ChainState::Unkeyed);
    let ev = AuditEvent::new(AuditActor::system(), Action::AuditVerified, Outcome::Success);
    assert!(matches!(record(&db, Timestamp::from_millis(9_000), &ev).await, Err(CoreError::Crypto(_))), "not extended unkeyed");
    // Heads in the system log mean it was keyed before: no re-keying.
    assert!(matches!(rekey_unkeyed(&db, Timestamp::from_millis(9_000), 1).await, Err(CoreError::Crypto(_))));
    let done = rekey_unkeyed(&db, Timestamp::from_millis(9_000), 0).await.expect("rekey").expect("re-keyed");
    assert_eq!(done, crate::audit_chain::Rekeyed { rows: 3, unkeyed_first_break: None });
    assert_eq!(rekey_unkeyed(&db, Timestamp::from_millis(9_000), 0).await.expect("again"), None, "once");
    write_events(&db, 1).await;
    let report = verify(&db).await.expect("verify");
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.rows_checked, 5, "3 old, the re-keying, the new one");
    let rekeyed: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'audit.chain_rekeyed'").fetch_all(t.db.pool()).await.expect("rows");
    assert_eq!(rekeyed.len(), 1);
    let detail: Value = serde_json::from_str(&rekeyed[0]).expect("json");
    assert_eq!((detail["rows"].as_i64(), detail["unkeyed_chain_intact"].as_bool()), (Some(3), Some(true)));
}

#[tokio::test]
async fn an_edited_chain_whose_key_was_removed_and_then_rekeyed_is_still_reported() {
    use crate::audit_chain::rekey_unkeyed;
    let t = TestDb::fresh().await;
    write_events(&t.db, 3).await;
    // Upgraded once, properly.
    let db = t.unkey_audit_chain().await;
    rekey_unkeyed(&db, Timestamp::from_millis(9_000), 0).await.expect("rekey");
    write_events(&db, 2).await;
    // Then someone edits a row, re-links everything unkeyed and removes the key; an
    // operator who does not know runs `kura migrate` with no system log at hand.
    t.allow_audit_tampering().await;
    sqlx::query("UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 2").execute(t.db.pool()).await.expect("edit");
    crate::testing::relink_audit_unkeyed(&t.db, 1).await;
    sqlx::query("DELETE FROM audit_chain_key").execute(t.db.pool()).await.expect("no key");
    let again = Db::connect(&t.url).await.expect("connect");
    again.attach_master_key(std::sync::Arc::new(t.master_key()));
    forget_head();
    rekey_unkeyed(&again, Timestamp::from_millis(10_000), 0).await.expect("rekey").expect("re-keyed");
    let report = verify(&again).await.expect("verify");
    assert!(matches!(report.first_break, Some(ChainBreak { kind: BreakKind::RekeyedAgain, .. })), "{report:?}");
}

#[tokio::test]
async fn a_chain_under_another_master_key_cannot_be_checked_or_extended() {
    let t = TestDb::fresh().await;
    write_events(&t.db, 2).await;
    let db = Db::connect(&t.url).await.expect("connect");
    db.attach_master_key(std::sync::Arc::new(crate::keys::MasterKey::generate()));
    assert!(matches!(verify(&db).await, Err(CoreError::Crypto(_))));
    let ev = AuditEvent::new(AuditActor::system(), Action::AuditVerified, Outcome::Success);
    assert!(matches!(record(&db, Timestamp::from_millis(9_000), &ev).await, Err(CoreError::Crypto(_))));
}
