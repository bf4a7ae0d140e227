//! Correcting and deleting records: who may, until when, and that every
//! earlier version stays, sealed and bound to its place (both backends).

use std::time::Duration;

use super::corrections::{self, Change};
use super::records::{self, RecordInput};
use super::register;
use super::tests::{actor, input, world, yamada};
use crate::audit::ClientInfo;
use crate::ids::{PersonId, RecordId};
use crate::scope::TenantScope;
use crate::testing::World;
use crate::CoreError;

fn corrected(body: &str) -> RecordInput {
    RecordInput { occurred_at: "2026-11-30T11:00".into(), ..input(body) }
}

/// A person in acme with one record written by taro (a member).
async fn taros_record(w: &World) -> (PersonId, RecordId) {
    let taro = actor(w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let person = register::create(&w.s, &scope, &ClientInfo::cli(), &yamada()).await.expect("person");
    let record = records::add(&w.s, &scope, &ClientInfo::cli(), &person, &input("血圧 130/80")).await.expect("record");
    (person, record)
}

async fn audited(w: &World, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1").bind(action).fetch_one(w.t.db.pool()).await.expect("count")
}

#[tokio::test]
async fn an_author_corrects_their_record_and_every_earlier_version_is_kept_for_admins() {
    let w = world().await;
    let c = ClientInfo::cli();
    let (person, record) = taros_record(&w).await;
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    assert_eq!(corrections::correct(&w.s, &scope, &c, &record, 0, &corrected("血圧 138/80"), "数値の誤記").await.expect("1"), 1);
    w.clock.advance(Duration::from_secs(60));
    assert_eq!(corrections::correct(&w.s, &scope, &c, &record, 1, &corrected("血圧 138/85"), "下の値も誤記").await.expect("2"), 2);

    let list = records::list(&w.s, &scope, &person).await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].body.as_str(), list[0].version, list[0].updated_by.as_deref()), ("血圧 138/85", 2, Some("taro")));
    assert!(list[0].changeable);
    // The history is the admins'.
    assert!(matches!(corrections::history(&w.s, &scope, &person).await, Err(CoreError::Forbidden)));

    let boss = actor(&w, "acme", "boss").await;
    let admin = TenantScope::own(&w.s, &boss).await.expect("scope");
    let history = corrections::history(&w.s, &admin, &person).await.expect("history");
    let seen: Vec<(Change, &str, i64, &str)> =
        history.iter().map(|h| (h.change, h.reason.as_str(), h.prior.version, h.prior.body.as_str())).collect();
    assert_eq!(seen, vec![(Change::Corrected, "下の値も誤記", 1, "血圧 138/80"), (Change::Corrected, "数値の誤記", 0, "血圧 130/80")]);
    assert!(history.iter().all(|h| h.changed_by.as_deref() == Some("taro") && h.prior.written_by.as_deref() == Some("taro")));
    assert!(history[0].changed_at > history[1].changed_at);
    assert_eq!(audited(&w, "record.corrected").await, 2);
}

#[tokio::test]
async fn an_author_may_change_a_record_only_within_the_window_and_admins_at_any_time() {
    let w = world().await;
    let c = ClientInfo::cli();
    let (person, record) = taros_record(&w).await;
    let taro = actor(&w, "acme", "taro").await;
    let miru = actor(&w, "acme", "miru").await;
    let boss = actor(&w, "acme", "boss").await;
    let (member, viewer, admin) = (
        TenantScope::own(&w.s, &taro).await.expect("scope"),
        TenantScope::own(&w.s, &miru).await.expect("scope"),
        TenantScope::own(&w.s, &boss).await.expect("scope"),
    );
    // A viewer never; another member's record never (boss's record, to taro).
    assert!(matches!(corrections::correct(&w.s, &viewer, &c, &record, 0, &corrected("x"), "r").await, Err(CoreError::Forbidden)));
    let bosses = records::add(&w.s, &admin, &c, &person, &input("管理者の記録")).await.expect("boss record");
    assert!(matches!(corrections::delete(&w.s, &member, &c, &bosses, 0, "r").await, Err(CoreError::Forbidden)));
    let listed = records::list(&w.s, &member, &person).await.expect("list");
    assert_eq!(
        listed.iter().map(|r| (r.body.as_str(), r.changeable)).collect::<Vec<_>>(),
        vec![("管理者の記録", false), ("血圧 130/80", true)]
    );

    // 24 hours after writing it, the author no longer may; the admin still may.
    w.clock.advance(Duration::from_secs(24 * 3600 + 1));
    let taro = actor(&w, "acme", "taro").await;
    let member = TenantScope::own(&w.s, &taro).await.expect("scope");
    assert!(matches!(corrections::correct(&w.s, &member, &c, &record, 0, &corrected("x"), "r").await, Err(CoreError::Forbidden)));
    assert!(!records::list(&w.s, &member, &person).await.expect("list").iter().any(|r| r.changeable));
    let boss = actor(&w, "acme", "boss").await;
    let admin = TenantScope::own(&w.s, &boss).await.expect("scope");
    corrections::correct(&w.s, &admin, &c, &record, 0, &corrected("血圧 130/85"), "記録者に確認").await.expect("admin corrects");

    // An organisation that sets the window to 0 leaves corrections to admins.
    let settings = crate::console::settings::SettingsInput {
        members_may_export: false,
        time_zone: "Asia/Tokyo".into(),
        record_edit_hours: "0".into(),
    };
    crate::console::settings::save(&w.s, &admin, &settings, &c).await.expect("settings");
    let taro = actor(&w, "acme", "taro").await;
    let member = TenantScope::own(&w.s, &taro).await.expect("scope");
    let fresh = records::add(&w.s, &member, &c, &person, &input("新しい記録")).await.expect("fresh");
    assert!(matches!(corrections::delete(&w.s, &member, &c, &fresh, 0, "r").await, Err(CoreError::Forbidden)));

    // Another organisation's admin finds nothing.
    let beta_boss = actor(&w, "beta", "boss").await;
    let beta = TenantScope::own(&w.s, &beta_boss).await.expect("scope");
    assert!(matches!(corrections::correct(&w.s, &beta, &c, &record, 1, &corrected("x"), "r").await, Err(CoreError::NotFound)));
    assert!(matches!(corrections::delete(&w.s, &beta, &c, &record, 1, "r").await, Err(CoreError::NotFound)));
    assert!(corrections::history(&w.s, &beta, &person).await.expect("beta history").is_empty());
}

#[tokio::test]
async fn a_deleted_record_is_kept_with_its_reason_and_listed_only_to_admins() {
    let w = world().await;
    let c = ClientInfo::cli();
    let (person, record) = taros_record(&w).await;
    let taro = actor(&w, "acme", "taro").await;
    let member = TenantScope::own(&w.s, &taro).await.expect("scope");
    // No reason, nothing happens.
    assert!(matches!(
        corrections::delete(&w.s, &member, &c, &record, 0, "  ").await,
        Err(CoreError::Invalid { field: "reason", problem: "required" })
    ));
    assert!(matches!(
        corrections::delete(&w.s, &member, &c, &record, 0, &"あ".repeat(201)).await,
        Err(CoreError::Invalid { field: "reason", problem: "too_long" })
    ));
    assert_eq!(records::list(&w.s, &member, &person).await.expect("list").len(), 1);
    corrections::delete(&w.s, &member, &c, &record, 0, "別の利用者の記録だった").await.expect("delete");

    assert!(records::list(&w.s, &member, &person).await.expect("list").is_empty());
    // Gone for the member: a second delete or a correction finds nothing.
    assert!(matches!(corrections::delete(&w.s, &member, &c, &record, 0, "r").await, Err(CoreError::NotFound)));
    let boss = actor(&w, "acme", "boss").await;
    let admin = TenantScope::own(&w.s, &boss).await.expect("scope");
    let listed = records::list(&w.s, &admin, &person).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].deleted_at.is_some() && !listed[0].changeable);
    assert_eq!(listed[0].body, "血圧 130/80");
    // Deleted is final: the admin is told it changed meanwhile.
    assert!(matches!(corrections::correct(&w.s, &admin, &c, &record, 0, &corrected("x"), "r").await, Err(CoreError::Stale)));
    let history = corrections::history(&w.s, &admin, &person).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].change, history[0].reason.as_str(), history[0].prior.body.as_str()),
        (Change::Deleted, "別の利用者の記録だった", "血圧 130/80")
    );
    assert_eq!(audited(&w, "record.deleted").await, 1);
    // A deleted record no longer puts its person under its category.
    let cats = records::categories(&w.s, &admin).await.expect("categories");
    let tagged = RecordInput { category_id: cats[0].id.to_string(), ..input("面談の記録") };
    let other = records::add(&w.s, &admin, &c, &person, &tagged).await.expect("tagged");
    let by_category = super::register::PeopleQuery { category: Some(cats[0].id.to_string()), ..Default::default() };
    assert_eq!(register::list(&w.s, &admin, &by_category).await.expect("list").people.len(), 1);
    corrections::delete(&w.s, &admin, &c, &other, 0, "誤って記録").await.expect("delete");
    let page = register::list(&w.s, &admin, &by_category).await.expect("list");
    assert_eq!((page.people.len(), page.total), (0, Some(super::listing::PeopleTotal { counted: 0, more: false })));
}

#[tokio::test]
async fn a_record_form_sent_again_after_its_record_was_corrected_saves_nothing_and_is_no_integrity_alarm() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let person = register::create(&w.s, &scope, &c, &yamada()).await.expect("person");
    let form = RecordInput { submission: Some(crate::ids::SubmissionKey::generate()), ..input("血圧 130/80") };
    let record = records::add(&w.s, &scope, &c, &person, &form).await.expect("add");
    corrections::correct(&w.s, &scope, &c, &record, 0, &corrected("血圧 138/80"), "誤記").await.expect("correct");
    assert!(matches!(
        records::add(&w.s, &scope, &c, &person, &form).await,
        Err(CoreError::Invalid { field: "submission", problem: "already_saved" })
    ));
    assert_eq!(audited(&w, "data.integrity_failed").await, 0);
    assert_eq!(records::list(&w.s, &scope, &person).await.expect("list").len(), 1);
}

#[tokio::test]
async fn a_correction_from_a_stale_page_is_refused_and_changes_nothing() {
    let w = world().await;
    let c = ClientInfo::cli();
    let (person, record) = taros_record(&w).await;
    let boss = actor(&w, "acme", "boss").await;
    let admin = TenantScope::own(&w.s, &boss).await.expect("scope");
    corrections::correct(&w.s, &admin, &c, &record, 0, &corrected("一人目の訂正"), "r1").await.expect("first");
    // The second page was opened at version 0.
    assert!(matches!(corrections::correct(&w.s, &admin, &c, &record, 0, &corrected("二人目の訂正"), "r2").await, Err(CoreError::Stale)));
    assert!(matches!(corrections::delete(&w.s, &admin, &c, &record, 0, "r2").await, Err(CoreError::Stale)));
    assert!(matches!(
        corrections::correct(&w.s, &admin, &c, &record, 1, &corrected(" "), "r2").await,
        Err(CoreError::Invalid { field: "body", .. })
    ));
    assert_eq!(records::list(&w.s, &admin, &person).await.expect("list")[0].body, "一人目の訂正");
    assert_eq!(corrections::history(&w.s, &admin, &person).await.expect("history").len(), 1);
}

#[tokio::test]
async fn a_kept_version_put_in_another_place_fails_its_integrity_check() {
    let w = world().await;
    let c = ClientInfo::cli();
    let (person, record) = taros_record(&w).await;
    let boss = actor(&w, "acme", "boss").await;
    let admin = TenantScope::own(&w.s, &boss).await.expect("scope");
    corrections::correct(&w.s, &admin, &c, &record, 0, &corrected("二版"), "r1").await.expect("1");
    corrections::correct(&w.s, &admin, &c, &record, 1, &corrected("三版"), "r2").await.expect("2");
    // Swap the two kept bodies: each is bound to its version.
    let bodies: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT prior_body FROM person_record_changes ORDER BY seq").fetch_all(w.t.db.pool()).await.expect("bodies");
    for (seq, body) in [(1_i64, &bodies[1]), (2, &bodies[0])] {
        sqlx::query("UPDATE person_record_changes SET prior_body = $1 WHERE seq = $2")
            .bind(body.as_slice())
            .bind(seq)
            .execute(w.t.db.pool())
            .await
            .expect("swap");
    }
    assert!(matches!(corrections::history(&w.s, &admin, &person).await, Err(CoreError::Crypto(_))));
    assert_eq!(audited(&w, "data.integrity_failed").await, 1);
}

#[tokio::test]
async fn deleting_a_person_removes_their_records_history_too() {
    let w = world().await;
    let c = ClientInfo::cli();
    let (person, record) = taros_record(&w).await;
    let boss = actor(&w, "acme", "boss").await;
    let admin = TenantScope::own(&w.s, &boss).await.expect("scope");
    corrections::correct(&w.s, &admin, &c, &record, 0, &corrected("二版"), "r1").await.expect("1");
    register::delete(&w.s, &admin, &c, &person).await.expect("delete person");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM person_record_changes").fetch_one(w.t.db.pool()).await.expect("count");
    assert_eq!(left, 0);
}
