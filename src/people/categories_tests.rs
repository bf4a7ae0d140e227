//! Record categories on the settings page: reordered, and removed only
//! while no record (nor any kept version of one) names them (both backends).

use super::corrections;
use super::records::{self, RecordInput};
use super::register;
use super::tests::{actor, input, world, yamada};
use crate::audit::ClientInfo;
use crate::scope::TenantScope;
use crate::CoreError;

fn names(categories: &[records::Category]) -> Vec<&str> {
    categories.iter().map(|c| c.name.as_str()).collect()
}

#[tokio::test]
async fn an_admin_moves_categories_up_and_down_and_the_ends_stay_put() {
    let w = world().await;
    let c = ClientInfo::cli();
    let boss = actor(&w, "acme", "boss").await;
    let scope = TenantScope::own(&w.s, &boss).await.expect("scope");
    let before = records::categories(&w.s, &scope).await.expect("categories");
    records::move_category(&w.s, &scope, &c, &before[1].id, true).await.expect("up");
    records::move_category(&w.s, &scope, &c, &before[0].id, false).await.expect("down");
    let after = records::categories(&w.s, &scope).await.expect("categories");
    let mut expected = names(&before);
    expected.swap(0, 1);
    expected.swap(1, 2);
    assert_eq!(names(&after), expected);
    // Already first or last: nothing moves.
    records::move_category(&w.s, &scope, &c, &after[0].id, true).await.expect("first up");
    records::move_category(&w.s, &scope, &c, &after[after.len() - 1].id, false).await.expect("last down");
    assert_eq!(names(&records::categories(&w.s, &scope).await.expect("categories")), expected);
    // A member may not; another organisation's category is not found.
    let taro = actor(&w, "acme", "taro").await;
    let member = TenantScope::own(&w.s, &taro).await.expect("scope");
    assert!(matches!(records::move_category(&w.s, &member, &c, &after[1].id, true).await, Err(CoreError::Forbidden)));
    let beta = actor(&w, "beta", "boss").await;
    let beta_scope = TenantScope::own(&w.s, &beta).await.expect("scope");
    assert!(matches!(records::move_category(&w.s, &beta_scope, &c, &after[1].id, true).await, Err(CoreError::NotFound)));
}

#[tokio::test]
async fn only_a_category_no_record_ever_named_can_be_removed() {
    let w = world().await;
    let c = ClientInfo::cli();
    let boss = actor(&w, "acme", "boss").await;
    let scope = TenantScope::own(&w.s, &boss).await.expect("scope");
    let cats = records::categories(&w.s, &scope).await.expect("categories");
    let (filed, corrected_away, unused) = (&cats[0], &cats[1], &cats[2]);
    let person = register::create(&w.s, &scope, &c, &yamada()).await.expect("person");
    let with = |category: &records::Category| RecordInput { category_id: category.id.to_string(), ..input("訪問") };
    records::add(&w.s, &scope, &c, &person, &with(filed)).await.expect("filed");
    // Filed under one, then corrected to none: the kept version still names it.
    let record = records::add(&w.s, &scope, &c, &person, &with(corrected_away)).await.expect("record");
    corrections::correct(&w.s, &scope, &c, &record, 0, &input("訪問"), "区分の誤り").await.expect("corrected");

    let usage = records::categories_in_use(&w.s, &scope).await.expect("usage");
    let used: Vec<bool> = usage.iter().take(3).map(|(_, used)| *used).collect();
    assert_eq!(used, vec![true, true, false]);
    for category in [filed, corrected_away] {
        assert!(matches!(
            records::remove_category(&w.s, &scope, &c, &category.id).await,
            Err(CoreError::Invalid { field: "category", problem: "in_use" })
        ));
    }
    // Another organisation's admin, or a member, cannot remove it either.
    let beta = actor(&w, "beta", "boss").await;
    let beta_scope = TenantScope::own(&w.s, &beta).await.expect("scope");
    assert!(matches!(records::remove_category(&w.s, &beta_scope, &c, &unused.id).await, Err(CoreError::NotFound)));
    let taro = actor(&w, "acme", "taro").await;
    let member = TenantScope::own(&w.s, &taro).await.expect("scope");
    assert!(matches!(records::remove_category(&w.s, &member, &c, &unused.id).await, Err(CoreError::Forbidden)));
    assert!(matches!(records::categories_in_use(&w.s, &member).await, Err(CoreError::Forbidden)));

    records::remove_category(&w.s, &scope, &c, &unused.id).await.expect("removed");
    let left = records::categories(&w.s, &scope).await.expect("categories");
    assert_eq!(left.len(), cats.len() - 1);
    assert!(left.iter().all(|k| k.id != unused.id));
    assert!(matches!(records::remove_category(&w.s, &scope, &c, &unused.id).await, Err(CoreError::NotFound)), "gone");
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'categories.changed' AND detail LIKE '%removed%'")
        .fetch_one(w.t.db.pool())
        .await
        .expect("count");
    assert_eq!(audited, 1);
}
