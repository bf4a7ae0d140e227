//! Partial search through the register (both backends): by the start of a
//! reading, part of a full name, a variant kanji, an e-mail's local part; the
//! 五十音 tabs; and the one-time re-index of people indexed before it.

use super::register::{self, PeopleQuery, StatusFilter};
use super::tests::{actor, search, world, yamada};
use super::PersonFields;
use crate::audit::ClientInfo;
use crate::domain::KanaRow;
use crate::ids::PersonId;
use crate::scope::TenantScope;
use crate::testing::World;

fn person(family: &str, given: &str, family_kana: &str, given_kana: &str, email: &str) -> PersonFields {
    PersonFields {
        family_name: family.into(),
        given_name: given.into(),
        family_kana: family_kana.into(),
        given_kana: given_kana.into(),
        email: email.into(),
        phone: String::new(),
        ..yamada()
    }
}

/// Who the list finds, both ways it can search: candidates first, and
/// walking the register in list order (which it does when they are many).
async fn found(w: &World, scope: &TenantScope<'_>, q: PeopleQuery) -> Vec<PersonId> {
    let mut ways = Vec::new();
    for hits_first_max in [i64::MAX, -1] {
        let page = super::listing::list_within(
            &w.s,
            scope,
            &q,
            super::listing::Limits { hits_first_max, total_counted_max: super::listing::TOTAL_COUNTED_MAX },
        )
        .await
        .expect("list");
        let mut ids: Vec<PersonId> = page.people.into_iter().map(|p| p.id).collect();
        ids.sort();
        ways.push(ids);
    }
    assert_eq!(ways[0], ways[1], "both ways find the same people: {:?}", q.search);
    ways.remove(0)
}

fn sorted(mut ids: Vec<PersonId>) -> Vec<PersonId> {
    ids.sort();
    ids
}

#[tokio::test]
async fn the_start_of_a_reading_part_of_a_full_name_a_variant_kanji_and_an_email_local_part_find_people_of_this_organisation_only() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let hanako =
        register::create(&w.s, &scope, &c, &person("山下", "花子", "ヤマシタ", "ハナコ", "hanako.y@example.jp")).await.expect("create");
    let yamamoto = register::create(&w.s, &scope, &c, &person("山本", "一郎", "やまもと", "いちろう", "")).await.expect("create");
    let watanabe = register::create(&w.s, &scope, &c, &person("渡邊", "健", "ワタナベ", "ケン", "ken@example.jp")).await.expect("create");
    let yoshida = register::create(&w.s, &scope, &c, &person("𠮷田", "誠", "ヨシダ", "マコト", "")).await.expect("create");
    let other =
        register::create(&w.s, &scope, &c, &person("鈴木", "次郎", "スズキ", "ジロウ", "jiro@hanako.example")).await.expect("create");
    // The same names in another organisation are never found from this one.
    let beta = actor(&w, "beta", "taro").await;
    let beta_scope = TenantScope::own(&w.s, &beta).await.expect("scope");
    register::create(&w.s, &beta_scope, &c, &person("山下", "花子", "ヤマシタ", "ハナコ", "hanako.y@example.jp")).await.expect("beta");

    let viewer = actor(&w, "acme", "miru").await;
    let v = TenantScope::own(&w.s, &viewer).await.expect("scope");
    for (q, want) in [
        ("ヤマ", vec![hanako.clone(), yamamoto.clone()]),
        ("やま", vec![hanako.clone(), yamamoto.clone()]),
        ("ﾔﾏｼ", vec![hanako.clone()]),
        ("山下 花", vec![hanako.clone()]),
        ("下花子", vec![hanako.clone()]),
        ("hanako", vec![hanako.clone()]),
        ("HANAKO.Y", vec![hanako.clone()]),
        ("渡辺", vec![watanabe.clone()]),
        ("渡邉", vec![watanabe.clone()]),
        ("吉田", vec![yoshida.clone()]),
        ("ナベケ", vec![watanabe.clone()]),
        ("ヤマダ", vec![]),
        ("example", vec![]),
    ] {
        assert_eq!(found(&w, &v, search(q)).await, sorted(want), "search {q}");
    }
    // The domain of an address is not searched: jiro@hanako.example is not a hanako.
    assert!(!found(&w, &v, search("hanako")).await.contains(&other));
}

#[tokio::test]
async fn a_kana_row_tab_lists_the_people_whose_reading_starts_in_that_row_with_any_search() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let kato = register::create(&w.s, &scope, &c, &person("加藤", "一", "カトウ", "ハジメ", "")).await.expect("create");
    let kimura = register::create(&w.s, &scope, &c, &person("木村", "花", "キムラ", "ハナ", "")).await.expect("create");
    let sato = register::create(&w.s, &scope, &c, &person("佐藤", "花", "さとう", "はな", "")).await.expect("create");
    let smith = register::create(&w.s, &scope, &c, &person("Smith", "Anna", "", "", "")).await.expect("create");
    let row = |r: KanaRow, q: &str| PeopleQuery { row: Some(r), search: q.into(), status: StatusFilter::All, ..PeopleQuery::default() };
    assert_eq!(found(&w, &scope, row(KanaRow::Ka, "")).await, sorted(vec![kato.clone(), kimura.clone()]));
    assert_eq!(found(&w, &scope, row(KanaRow::Sa, "")).await, vec![sato.clone()]);
    assert_eq!(found(&w, &scope, row(KanaRow::Other, "")).await, vec![smith]);
    assert!(found(&w, &scope, row(KanaRow::Wa, "")).await.is_empty());
    // A tab narrows a search: ハナ is in both 木村花 and 佐藤花's readings.
    assert_eq!(found(&w, &scope, row(KanaRow::Ka, "ハナ")).await, vec![kimura]);
    // An edit moves the person to their new row.
    let p = register::get(&w.s, &scope, &sato).await.expect("get");
    let mut changed = p.fields.clone();
    changed.family_kana = "ナトウ".into();
    register::update(&w.s, &scope, &c, &sato, p.version, &changed).await.expect("update");
    assert!(found(&w, &scope, row(KanaRow::Sa, "")).await.is_empty());
    assert_eq!(found(&w, &scope, row(KanaRow::Na, "")).await, vec![sato]);
}

#[tokio::test]
async fn people_indexed_before_partial_search_are_re_indexed_once_and_audited_once_per_organisation() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let a = register::create(&w.s, &scope, &c, &person("山下", "花子", "ヤマシタ", "ハナコ", "")).await.expect("create");
    let b = register::create(&w.s, &scope, &c, &person("山本", "一郎", "ヤマモト", "イチロウ", "")).await.expect("create");
    // As an older Kura left them: no tokens for partial search (here none at all), index version 1.
    sqlx::query("DELETE FROM people_index").execute(w.t.db.pool()).await.expect("forget tokens");
    sqlx::query("UPDATE people SET index_version = 1").execute(w.t.db.pool()).await.expect("older version");
    assert!(found(&w, &scope, search("ヤマ")).await.is_empty());

    let done = super::reindex::reindex_all(&w.s).await.expect("reindex");
    assert_eq!((done.people, done.failed), (2, 0));
    assert_eq!(found(&w, &scope, search("ヤマ")).await, sorted(vec![a, b.clone()]));
    assert_eq!(found(&w, &scope, search("ヤマモト")).await, vec![b]);
    let again = super::reindex::reindex_all(&w.s).await.expect("again");
    assert_eq!(again.people, 0);
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'people.search_index_rebuilt'")
        .fetch_one(w.t.db.pool())
        .await
        .expect("audit");
    assert_eq!(audited, 1);
}
