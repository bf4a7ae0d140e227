//! The people register on both backends: no plaintext at rest, integrity
//! of moved ciphertext, blind-index search, roles, races and paging.

use super::records::{self, RecordInput};
use super::register::{self, PeopleQuery, StatusFilter};
use super::PersonFields;
use crate::audit::{AuditActor, ClientInfo};
use crate::auth::password::Password;
use crate::auth::{self, Actor, LoginRequest, Realm};
use crate::db::Backend;
use crate::provisioning::{self, InitialPassword};
use crate::scope::TenantScope;
use crate::testing::World;
use crate::users::Role;
use crate::{CoreError, ManualClock, Services};

const GOOD: &str = "correct horse battery staple";

pub(super) async fn world() -> World {
    let w = World::at(ManualClock::starting_now()).await;
    let s = &w.s;
    let cli = ClientInfo::cli();
    for org in ["acme", "beta"] {
        provisioning::create_tenant(s, &AuditActor::cli(), org, org, &cli).await.expect("tenant");
        for (login, role) in [("boss", Role::Admin), ("taro", Role::Member), ("miru", Role::Viewer)] {
            provisioning::create_user(s, &AuditActor::cli(), org, login, role, InitialPassword::Chosen(Password::new(GOOD.into())), &cli)
                .await
                .expect("user");
        }
    }
    w
}

pub(super) async fn actor(w: &World, org: &str, login: &str) -> Actor {
    let client = ClientInfo::cli();
    auth::login(&w.s, LoginRequest { realm: Realm::Tenant, org_code: org, login, password: Password::new(GOOD.into()), client: &client })
        .await
        .expect("login")
}

pub(super) fn yamada() -> PersonFields {
    PersonFields {
        family_name: "山田".into(),
        given_name: "太郎".into(),
        family_kana: "ヤマダ".into(),
        given_kana: "タロウ".into(),
        phone: "03-1234-5678".into(),
        email: "taro.yamada@example.jp".into(),
        postal_code: "100-0001".into(),
        address: "東京都千代田区千代田一丁目".into(),
        notes: "秘密の備考メモ".into(),
        birth_date: "1950-04-01".into(),
        emergency_contact: "長女 山田花子 090-1111-2222".into(),
    }
}

pub(super) fn search(q: &str) -> PeopleQuery {
    PeopleQuery { search: q.into(), status: StatusFilter::All, ..PeopleQuery::default() }
}

/// Every table's rows as text (PostgreSQL) or the database files' bytes (SQLite).
async fn raw_storage(w: &World) -> Vec<u8> {
    match w.t.db.backend() {
        Backend::Sqlite => {
            let path = w.t.url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or(path);
            let mut bytes = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                if let Ok(b) = std::fs::read(format!("{path}{suffix}")) {
                    bytes.extend(b);
                }
            }
            assert!(bytes.len() > 4096, "read the database file at {path}");
            bytes
        }
        Backend::Postgres => {
            let tables: Vec<String> =
                sqlx::query_scalar("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'")
                    .fetch_all(w.t.db.pool())
                    .await
                    .expect("tables");
            assert!(tables.iter().any(|t| t == "people"));
            let mut out = Vec::new();
            for table in tables {
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT CAST(t AS text) FROM {table} t")).fetch_all(w.t.db.pool()).await.expect("dump");
                for r in rows {
                    out.extend(r.into_bytes());
                    out.push(b'\n');
                }
            }
            out
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn no_name_phone_email_note_record_or_correction_is_stored_in_plaintext() {
    let w = world().await;
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let id = register::create(&w.s, &scope, &ClientInfo::cli(), &yamada()).await.expect("create");
    let when = "2026-11-28T10:30";
    let record = records::add(
        &w.s,
        &scope,
        &ClientInfo::cli(),
        &id,
        &RecordInput { occurred_at: when.into(), category_id: String::new(), body: "相談内容の記録本文".into(), submission: None },
    )
    .await
    .expect("record");
    let corrected =
        RecordInput { occurred_at: when.into(), category_id: String::new(), body: "訂正後の記録本文".into(), submission: None };
    super::corrections::correct(&w.s, &scope, &ClientInfo::cli(), &record, 0, &corrected, "訂正理由の本文").await.expect("correct");
    // Readable through Kura…
    let p = register::get(&w.s, &scope, &id).await.expect("get");
    assert_eq!(p.fields, yamada());
    // …but not in the storage.
    let raw = raw_storage(&w).await;
    // The scan sees what is stored in plaintext (a login), so it would see a name.
    assert!(contains(&raw, b"taro"));
    let f = yamada();
    for secret in [
        f.family_name.as_str(),
        f.given_name.as_str(),
        "山田太郎",
        f.family_kana.as_str(),
        f.given_kana.as_str(),
        f.phone.as_str(),
        "0312345678",
        f.email.as_str(),
        f.address.as_str(),
        f.notes.as_str(),
        f.emergency_contact.as_str(),
        "090-1111-2222",
        "相談内容の記録本文",
        "訂正後の記録本文",
        "訂正理由の本文",
    ] {
        assert!(!contains(&raw, secret.as_bytes()), "{secret} found in storage");
        // PostgreSQL prints bytea as hex: look for that too.
        assert!(!contains(&raw, hex::encode(secret.as_bytes()).as_bytes()), "{secret} found as hex");
    }
}

async fn copy_phone(w: &World, from: &crate::ids::PersonId, to: &crate::ids::PersonId) {
    sqlx::query("UPDATE people SET phone = (SELECT phone FROM people WHERE id = $1) WHERE id = $2")
        .bind(from.as_str())
        .bind(to.as_str())
        .execute(w.t.db.pool())
        .await
        .expect("copy");
}

#[tokio::test]
async fn a_sealed_field_moved_to_another_row_or_organisation_fails_with_an_integrity_error_that_is_audited() {
    let w = world().await;
    let c = ClientInfo::cli();
    let acme = actor(&w, "acme", "taro").await;
    let beta = actor(&w, "beta", "taro").await;
    let acme_scope = TenantScope::own(&w.s, &acme).await.expect("scope");
    let beta_scope = TenantScope::own(&w.s, &beta).await.expect("scope");
    let a = register::create(&w.s, &acme_scope, &c, &yamada()).await.expect("a");
    let mut other = yamada();
    other.family_name = "佐藤".into();
    let b = register::create(&w.s, &acme_scope, &c, &other).await.expect("b");
    let x = register::create(&w.s, &beta_scope, &c, &other).await.expect("x");

    // Within one organisation: a's phone onto b.
    copy_phone(&w, &a, &b).await;
    let err = register::get(&w.s, &acme_scope, &b).await.expect_err("moved field");
    assert!(matches!(err, CoreError::Crypto(_)), "{err:?}");
    // Across organisations: acme's phone onto beta's person.
    copy_phone(&w, &a, &x).await;
    assert!(matches!(register::get(&w.s, &beta_scope, &x).await, Err(CoreError::Crypto(_))));
    // The untouched row still reads.
    assert_eq!(register::get(&w.s, &acme_scope, &a).await.expect("a").fields.phone, "03-1234-5678");
    // The list shows b as unreadable instead of failing the page.
    let page = register::list(&w.s, &acme_scope, &PeopleQuery::default()).await.expect("list");
    assert!(page.people.iter().any(|p| p.id == b && p.unreadable));

    let audited: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT detail, target FROM audit_log WHERE action = 'data.integrity_failed' ORDER BY seq")
            .fetch_all(w.t.db.pool())
            .await
            .expect("audit");
    assert!(audited.len() >= 3, "{audited:?}");
    assert!(audited.iter().any(|(d, t)| d.contains("\"phone\"") && t.as_deref() == Some(b.as_str())));
    assert!(audited.iter().any(|(_, t)| t.as_deref() == Some(x.as_str())));
}

#[tokio::test]
async fn the_same_person_is_found_by_any_way_of_writing_the_phone_or_reading_and_never_in_another_organisation() {
    let w = world().await;
    let c = ClientInfo::cli();
    let acme = actor(&w, "acme", "miru").await;
    let acme_writer = actor(&w, "acme", "taro").await;
    let beta = actor(&w, "beta", "taro").await;
    let acme_scope = TenantScope::own(&w.s, &acme_writer).await.expect("scope");
    let beta_scope = TenantScope::own(&w.s, &beta).await.expect("scope");
    let id = register::create(&w.s, &acme_scope, &c, &yamada()).await.expect("create");
    let mut other = yamada();
    other.family_name = "鈴木".into();
    other.family_kana = "スズキ".into();
    let beta_id = register::create(&w.s, &beta_scope, &c, &other).await.expect("beta person, same phone");
    let mut unrelated = yamada();
    unrelated.family_name = "田中".into();
    unrelated.given_name = "花子".into();
    unrelated.family_kana = "タナカ".into();
    unrelated.given_kana = "ハナコ".into();
    unrelated.phone = "06-9999-0000".into();
    unrelated.email = String::new();
    register::create(&w.s, &acme_scope, &c, &unrelated).await.expect("unrelated");

    // A viewer searches.
    let viewer_scope = TenantScope::own(&w.s, &acme).await.expect("scope");
    for q in
        ["03-1234-5678", "0312345678", "０３１２３４５６７８", "ヤマダ", "ﾔﾏﾀﾞ", "やまだ", "山田", "山田 太郎", "TARO.YAMADA@example.jp"]
    {
        let page = register::list(&w.s, &viewer_scope, &search(q)).await.expect("search");
        let ids: Vec<_> = page.people.iter().map(|p| p.id.clone()).collect();
        assert_eq!(ids, vec![id.clone()], "search {q}");
    }
    // Beta's person has the same phone: found only from beta.
    let page = register::list(&w.s, &beta_scope, &search("03-1234-5678")).await.expect("beta search");
    assert_eq!(page.people.iter().map(|p| p.id.clone()).collect::<Vec<_>>(), vec![beta_id]);
    // Digits that are no whole phone number find nobody (a phone is found whole).
    assert!(register::list(&w.s, &viewer_scope, &search("1234")).await.expect("partial").people.is_empty());
    // An edit moves the index with it.
    let p = register::get(&w.s, &acme_scope, &id).await.expect("get");
    let mut changed = p.fields.clone();
    changed.phone = "090-1111-2222".into();
    register::update(&w.s, &acme_scope, &c, &id, p.version, &changed).await.expect("update");
    assert!(register::list(&w.s, &viewer_scope, &search("03-1234-5678")).await.expect("old").people.is_empty());
    assert_eq!(register::list(&w.s, &viewer_scope, &search("09011112222")).await.expect("new").people.len(), 1);
}

#[tokio::test]
async fn an_edit_that_lost_a_race_is_refused_and_overwrites_nothing() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let id = register::create(&w.s, &scope, &c, &yamada()).await.expect("create");
    let read = register::get(&w.s, &scope, &id).await.expect("get");
    let mut first = read.fields.clone();
    first.notes = "first".into();
    let mut second = read.fields.clone();
    second.notes = "second".into();
    register::update(&w.s, &scope, &c, &id, read.version, &first).await.expect("first wins");
    assert!(matches!(register::update(&w.s, &scope, &c, &id, read.version, &second).await, Err(CoreError::Stale)));
    assert_eq!(register::get(&w.s, &scope, &id).await.expect("get").fields.notes, "first");
}

#[tokio::test]
async fn viewers_only_read_members_cannot_delete_and_bad_input_saves_nothing() {
    let w = world().await;
    let c = ClientInfo::cli();
    let viewer = actor(&w, "acme", "miru").await;
    let member = actor(&w, "acme", "taro").await;
    let admin = actor(&w, "acme", "boss").await;
    let vs = TenantScope::own(&w.s, &viewer).await.expect("scope");
    let ms = TenantScope::own(&w.s, &member).await.expect("scope");
    let admin_scope = TenantScope::own(&w.s, &admin).await.expect("scope");
    assert!(matches!(register::create(&w.s, &vs, &c, &yamada()).await, Err(CoreError::Forbidden)));
    let id = register::create(&w.s, &ms, &c, &yamada()).await.expect("member creates");
    assert!(matches!(register::set_archived(&w.s, &vs, &c, &id, true).await, Err(CoreError::Forbidden)));
    assert!(matches!(register::delete(&w.s, &ms, &c, &id).await, Err(CoreError::Forbidden)));
    let bad = PersonFields { family_name: String::new(), phone: "123".into(), ..yamada() };
    match register::create(&w.s, &ms, &c, &bad).await {
        Err(CoreError::InvalidFields(p)) => assert_eq!(p.len(), 2),
        other => panic!("{other:?}"),
    }
    assert_eq!(register::list(&w.s, &vs, &PeopleQuery::default()).await.expect("list").people.len(), 1);
    register::set_archived(&w.s, &ms, &c, &id, true).await.expect("archive");
    assert!(register::list(&w.s, &vs, &PeopleQuery::default()).await.expect("active").people.is_empty());
    let archived = PeopleQuery { status: StatusFilter::Archived, ..PeopleQuery::default() };
    assert_eq!(register::list(&w.s, &vs, &archived).await.expect("archived").people.len(), 1);
    register::delete(&w.s, &admin_scope, &c, &id).await.expect("admin deletes");
    assert!(matches!(register::get(&w.s, &vs, &id).await, Err(CoreError::NotFound)));
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people_index").fetch_one(w.t.db.pool()).await.expect("count");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn the_total_is_counted_up_to_its_cap_and_says_more_beyond_it() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    for i in 0..4 {
        let f = PersonFields { family_name: format!("人{i}"), phone: String::new(), email: String::new(), ..yamada() };
        register::create(&w.s, &scope, &c, &f).await.expect("create");
    }
    let within = |total_counted_max| super::listing::Limits { hits_first_max: 500, total_counted_max };
    let count = |cap| {
        let (s, scope) = (&w.s, &scope);
        async move { super::listing::list_within(s, scope, &PeopleQuery::default(), within(cap)).await.expect("list").total }
    };
    assert_eq!(count(4).await, Some(register::PeopleTotal { counted: 4, more: false }));
    assert_eq!(count(3).await, Some(register::PeopleTotal { counted: 3, more: true }));
    assert_eq!(count(0).await, Some(register::PeopleTotal { counted: 0, more: true }));
    // A search is not counted at all.
    let searched = register::list(&w.s, &scope, &PeopleQuery { search: "人1".into(), ..PeopleQuery::default() }).await.expect("search");
    assert_eq!(searched.total, None);
}

#[tokio::test]
async fn paging_by_keyset_neither_repeats_nor_skips_when_people_are_added_meanwhile() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let total = register::PAGE_ROWS + 7;
    for i in 0..total {
        w.clock.advance(std::time::Duration::from_millis(if i % 3 == 0 { 0 } else { 5 }));
        let f = PersonFields { family_name: format!("人{i}"), phone: String::new(), email: String::new(), ..yamada() };
        register::create(&w.s, &scope, &c, &f).await.expect("create");
    }
    let first = register::list(&w.s, &scope, &PeopleQuery::default()).await.expect("page 1");
    assert_eq!(first.people.len(), register::PAGE_ROWS);
    assert_eq!(first.total, Some(register::PeopleTotal { counted: total as i64, more: false }));
    // Someone adds a person between the two pages: it goes to the top, not into page 2.
    w.clock.advance(std::time::Duration::from_secs(1));
    register::create(&w.s, &scope, &c, &PersonFields { family_name: "新人".into(), ..yamada() }).await.expect("new");
    let second = register::list(&w.s, &scope, &PeopleQuery { after: first.next.clone(), ..PeopleQuery::default() }).await.expect("page 2");
    assert_eq!(second.people.len(), 7);
    assert!(second.next.is_none());
    let mut seen: Vec<_> = first.people.iter().chain(&second.people).map(|p| p.id.clone()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total);
}

#[tokio::test]
async fn records_are_shown_newest_first_in_the_organisations_time_and_filter_the_list_by_category() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let id = register::create(&w.s, &scope, &c, &yamada()).await.expect("create");
    let other = register::create(&w.s, &scope, &c, &PersonFields { family_name: "別人".into(), ..yamada() }).await.expect("other");
    let cats = records::categories(&w.s, &scope).await.expect("categories");
    assert_eq!(cats.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), records::DEFAULT_CATEGORIES);
    let phone_call = cats[1].id.to_string();
    let add = |at: &str, cat: &str, body: &str| RecordInput {
        occurred_at: at.into(),
        category_id: cat.into(),
        body: body.into(),
        submission: None,
    };
    records::add(&w.s, &scope, &c, &id, &add("2026-11-28T09:00", &phone_call, "電話で相談")).await.expect("r1");
    records::add(&w.s, &scope, &c, &id, &add("2026-11-28T15:30", "", "来所")).await.expect("r2");
    let list = records::list(&w.s, &scope, &id).await.expect("records");
    assert_eq!(list.iter().map(|r| r.body.as_str()).collect::<Vec<_>>(), vec!["来所", "電話で相談"]);
    // 09:00 in Tokyo is 00:00 UTC.
    assert_eq!(list[1].occurred_at.as_millis() % 86_400_000, 0);
    assert_eq!(list[1].occurred_at.display_in(&crate::clock::Zone::tokyo(), false), "2026年11月28日 09:00");
    assert_eq!(list[1].category.as_deref(), Some("電話"));
    let by_cat = PeopleQuery { category: Some(phone_call.clone()), ..PeopleQuery::default() };
    let hits: Vec<_> = register::list(&w.s, &scope, &by_cat).await.expect("filter").people.into_iter().map(|p| p.id).collect();
    assert_eq!(hits, vec![id.clone()]);
    assert!(hits.iter().all(|h| *h != other));
    // Bad input: named field, nothing written.
    assert!(matches!(
        records::add(&w.s, &scope, &c, &id, &add("yesterday", "", "x")).await,
        Err(CoreError::Invalid { field: "occurred_at", .. })
    ));
    assert!(matches!(
        records::add(&w.s, &scope, &c, &id, &add("2026-11-28T09:00", "", "  ")).await,
        Err(CoreError::Invalid { field: "body", .. })
    ));
    // Another organisation's person is not found.
    let beta = actor(&w, "beta", "taro").await;
    let beta_scope = TenantScope::own(&w.s, &beta).await.expect("scope");
    assert!(matches!(records::list(&w.s, &beta_scope, &id).await, Err(CoreError::NotFound)));
    assert!(matches!(records::add(&w.s, &beta_scope, &c, &id, &add("2026-11-28T09:00", "", "x")).await, Err(CoreError::NotFound)));
}

#[tokio::test]
async fn an_admin_exports_csv_with_a_bom_and_imports_it_into_another_organisation_through_the_preview() {
    let w = world().await;
    let c = ClientInfo::cli();
    let member = actor(&w, "acme", "taro").await;
    let admin = actor(&w, "acme", "boss").await;
    let beta_admin = actor(&w, "beta", "boss").await;
    let ms = TenantScope::own(&w.s, &member).await.expect("scope");
    let acme = TenantScope::own(&w.s, &admin).await.expect("scope");
    let beta = TenantScope::own(&w.s, &beta_admin).await.expect("scope");
    register::create(&w.s, &ms, &c, &yamada()).await.expect("one");
    register::create(
        &w.s,
        &ms,
        &c,
        &PersonFields { family_name: "=cmd|' /C calc'!A0".into(), phone: "+81 3 1111 2222".into(), ..yamada() },
    )
    .await
    .expect("two");
    assert!(matches!(super::csv::export(&w.s, &ms, &c).await, Err(CoreError::Forbidden)), "members may not export by default");
    let file = super::csv::export(&w.s, &acme, &c).await.expect("export");
    assert!(file.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(file.clone()).expect("utf8");
    assert!(text.contains("山田") && text.contains("'=cmd") && text.contains("'+81 3 1111 2222"), "{text}");
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'people.exported'")
        .fetch_one(w.t.db.pool())
        .await
        .expect("audited");
    assert!(detail.contains("\"rows\":2"), "{detail}");

    // Into beta: the preview finds no problem, the import adds both, search finds them there.
    let preview = super::csv::preview(&w.s, &beta, &file).await.expect("preview");
    assert_eq!((preview.rows, preview.invalid.len()), (2, 0));
    assert_eq!(super::csv::import(&w.s, &beta, &c, &file).await.expect("import"), 2);
    let found = register::list(&w.s, &beta, &search("0311112222")).await.expect("search");
    assert_eq!(found.people.len(), 1);
    assert_eq!(found.people[0].family_name, "=cmd|' /C calc'!A0", "the defusing quote is undone on import");
}

#[tokio::test]
async fn an_import_with_a_bad_row_lists_every_problem_and_writes_nothing() {
    let w = world().await;
    let c = ClientInfo::cli();
    let admin = actor(&w, "acme", "boss").await;
    let scope = TenantScope::own(&w.s, &admin).await.expect("scope");
    let file = "姓,名,電話番号,メールアドレス,郵便番号,社員番号\n山田,太郎,03-1234-5678,a@example.jp,100-0001,1\n,花子,03-12,not-mail,1,2\n佐藤,,,,,3\n";
    let preview = super::csv::preview(&w.s, &scope, file.as_bytes()).await.expect("preview");
    assert_eq!(preview.rows, 3);
    assert_eq!(preview.ignored_columns, vec!["社員番号".to_owned()]);
    assert_eq!(preview.invalid.len(), 1);
    assert_eq!(preview.invalid[0].line, 3);
    let fields: Vec<&str> = preview.invalid[0].problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, vec!["family_name", "phone", "email", "postal_code"]);
    assert!(matches!(super::csv::import(&w.s, &scope, &c, file.as_bytes()).await, Err(CoreError::Invalid { problem: "rows_invalid", .. })));
    let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(w.t.db.pool()).await.expect("count");
    assert_eq!(people, 0, "all rows or none");
    let member = actor(&w, "acme", "taro").await;
    let ms = TenantScope::own(&w.s, &member).await.expect("scope");
    assert!(matches!(super::csv::preview(&w.s, &ms, file.as_bytes()).await, Err(CoreError::Forbidden)));
    assert!(matches!(
        super::csv::preview(&w.s, &scope, "名前,電話\nx,y\n".as_bytes()).await,
        Err(CoreError::Invalid { problem: "no_name_column", .. })
    ));
}

/// The sealed bytes of one column of one row.
async fn stored(w: &World, table: &str, column: &str, id: &str) -> Option<Vec<u8>> {
    sqlx::query_scalar(&format!("SELECT {column} FROM {table} WHERE id = $1")).bind(id).fetch_one(w.t.db.pool()).await.expect("stored")
}

async fn put(w: &World, table: &str, column: &str, id: &str, value: Option<&[u8]>) {
    sqlx::query(&format!("UPDATE {table} SET {column} = $1 WHERE id = $2")).bind(value).bind(id).execute(w.t.db.pool()).await.expect("put");
}

pub(super) fn input(body: &str) -> RecordInput {
    RecordInput { occurred_at: "2026-11-30T10:00".into(), category_id: String::new(), body: body.into(), submission: None }
}

#[tokio::test]
async fn a_record_moved_to_another_person_fails_its_integrity_check() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let a = register::create(&w.s, &scope, &c, &yamada()).await.expect("a");
    let b = register::create(&w.s, &scope, &c, &PersonFields { family_name: "佐藤".into(), ..PersonFields::default() }).await.expect("b");
    let note = records::add(&w.s, &scope, &c, &a, &input("服薬の記録")).await.expect("record");
    sqlx::query("UPDATE person_records SET person_id = $1 WHERE id = $2")
        .bind(b.as_str())
        .bind(note.as_str())
        .execute(w.t.db.pool())
        .await
        .expect("move");
    assert!(matches!(records::list(&w.s, &scope, &b).await, Err(CoreError::Crypto(_))), "it is not b's note");
    assert!(records::list(&w.s, &scope, &a).await.expect("a").is_empty());
}

#[tokio::test]
async fn a_sealed_column_set_to_null_is_an_integrity_failure_even_an_empty_one() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let only_name = PersonFields { family_name: "佐藤".into(), ..PersonFields::default() };
    let id = register::create(&w.s, &scope, &c, &only_name).await.expect("person");
    // Empty fields are sealed like any other: nothing says which are empty.
    assert!(stored(&w, "people", "notes", id.as_str()).await.is_some());
    for column in ["notes", "given_name", "phone"] {
        let before = stored(&w, "people", column, id.as_str()).await;
        put(&w, "people", column, id.as_str(), None).await;
        assert!(matches!(register::get(&w.s, &scope, &id).await, Err(CoreError::Crypto(_))), "{column} NULL");
        put(&w, "people", column, id.as_str(), before.as_deref()).await;
        assert_eq!(register::get(&w.s, &scope, &id).await.expect("back").fields, only_name);
    }
}

#[tokio::test]
async fn an_older_value_of_the_same_field_put_back_is_an_integrity_failure() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let id = register::create(&w.s, &scope, &c, &yamada()).await.expect("person");
    let old_phone = stored(&w, "people", "phone", id.as_str()).await;
    let moved = PersonFields { phone: "090-9999-0000".into(), ..yamada() };
    register::update(&w.s, &scope, &c, &id, 1, &moved).await.expect("update");
    put(&w, "people", "phone", id.as_str(), old_phone.as_deref()).await;
    assert!(matches!(register::get(&w.s, &scope, &id).await, Err(CoreError::Crypto(_))), "yesterday's phone");
    // Archiving changes no sealed field: the person still reads.
    let fresh = register::create(&w.s, &scope, &c, &yamada()).await.expect("person");
    register::set_archived(&w.s, &scope, &c, &fresh, true).await.expect("archive");
    assert_eq!(register::get(&w.s, &scope, &fresh).await.expect("reads").fields, yamada());
}

/// People data as an older Kura wrote it: first-format values (NULL when
/// empty), fields version 0, an unkeyed audit chain and the upgrade pending.
/// Returns services on a fresh handle, as after the upgrade of the binary.
async fn as_legacy(w: &World, person: &str, record: &str) -> Services {
    use crate::vault::FieldRef;
    let tenant: String =
        sqlx::query_scalar("SELECT tenant_id FROM people WHERE id = $1").bind(person).fetch_one(w.t.db.pool()).await.expect("t");
    let keys = w.s.data_keys.data_keys(&w.s.db, &w.s.keys, &crate::ids::TenantId::from_db(tenant)).await.expect("keys");
    // An older Kura had no details columns: only the others, sealed the old way.
    for (column, value) in super::FIELD_COLUMNS.iter().zip(yamada().values()).filter(|(c, _)| !super::DETAIL_COLUMNS.contains(c)) {
        let at = FieldRef { table: "people", column, row_id: person, person_id: "", version: 0 };
        put(w, "people", column, person, Some(&keys.seal_legacy(at, value).expect("seal"))).await;
    }
    for column in super::DETAIL_COLUMNS {
        put(w, "people", column, person, None).await;
    }
    sqlx::query("UPDATE people SET details_sealed = 0 WHERE id = $1").bind(person).execute(w.t.db.pool()).await.expect("details");
    put(w, "people", "given_kana", person, None).await;
    sqlx::query("UPDATE people SET fields_version = 0 WHERE id = $1").bind(person).execute(w.t.db.pool()).await.expect("v0");
    let at = FieldRef { table: "person_records", column: "body", row_id: record, person_id: "", version: 0 };
    put(w, "person_records", "body", record, Some(&keys.seal_legacy(at, "訪問メモ").expect("seal"))).await;
    sqlx::query("UPDATE sealed_fields_upgrade SET done = 0").execute(w.t.db.pool()).await.expect("pending");
    let db = w.t.unkey_audit_chain().await;
    Services::new(db, w.clock.clone(), crate::auth::password::PasswordHasher::new(2).expect("hasher"), Default::default(), w.t.master_key())
}

#[tokio::test]
async fn values_sealed_by_an_older_kura_are_resealed_once_by_migrate() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let id = register::create(&w.s, &scope, &c, &yamada()).await.expect("person");
    let note = records::add(&w.s, &scope, &c, &id, &input("訪問メモ")).await.expect("record");
    let s = as_legacy(&w, id.as_str(), note.as_str()).await;
    assert!(matches!(register::get(&s, &scope, &id).await, Err(CoreError::Crypto(_))), "the old format is not read as the new");
    assert!(super::upgrade::pending(&s).await.expect("pending"));
    // As `kura migrate` does it: the chain first, then the values.
    crate::audit_chain::rekey_unkeyed(&s.db, s.clock.now(), 0).await.expect("rekey").expect("re-keyed");
    let done = super::upgrade::upgrade_sealed_fields(&s).await.expect("upgrade");
    assert_eq!((done.people, done.records, done.failed), (1, 1, 0));
    let person = register::get(&s, &scope, &id).await.expect("reads");
    assert_eq!(
        person.fields,
        PersonFields { given_kana: String::new(), birth_date: String::new(), emergency_contact: String::new(), ..yamada() }
    );
    assert_eq!(records::list(&s, &scope, &id).await.expect("records")[0].body, "訪問メモ");
    assert!(stored(&w, "people", "given_kana", id.as_str()).await.is_some(), "the empty field is sealed now");
    assert!(!super::upgrade::pending(&s).await.expect("pending"));
    assert!(crate::audit::verify(&s.db).await.expect("verify").is_intact());

    // Setting the marker back, with an old value put back, re-seals nothing: the chain says it was done.
    let keys = s.data_keys.data_keys(&s.db, &s.keys, scope.tenant_id()).await.expect("keys");
    let at = crate::vault::FieldRef { table: "people", column: "phone", row_id: id.as_str(), person_id: "", version: 0 };
    put(&w, "people", "phone", id.as_str(), Some(&keys.seal_legacy(at, "090-0000-0000").expect("seal"))).await;
    sqlx::query("UPDATE sealed_fields_upgrade SET done = 0").execute(w.t.db.pool()).await.expect("pending");
    assert!(matches!(super::upgrade::upgrade_sealed_fields(&s).await, Err(CoreError::Crypto(_))));
    assert!(matches!(register::get(&s, &scope, &id).await, Err(CoreError::Crypto(_))), "the old value stays refused");
}

#[tokio::test]
async fn the_rights_the_pages_offer_are_exactly_what_the_register_allows() {
    let w = world().await;
    let cli = ClientInfo::cli();
    // An admin whose password was set by someone else may do nothing until it is changed.
    let created = provisioning::create_user(&w.s, &AuditActor::cli(), "acme", "newboss", Role::Admin, InitialPassword::Temporary, &cli)
        .await
        .expect("user");
    let password = created.temporary_password.expect("temporary");
    let temporary = auth::login(&w.s, LoginRequest { realm: Realm::Tenant, org_code: "acme", login: "newboss", password, client: &cli })
        .await
        .expect("login");
    assert!(temporary.must_change_password);
    let csv = "姓,名,セイ,メイ,電話,メール,郵便番号,住所,備考\n山田,太郎,ヤマダ,タロウ,0312345678,,,,\n".as_bytes().to_vec();
    for members_may_export in [false, true] {
        let boss = actor(&w, "acme", "boss").await;
        let admin_scope = TenantScope::own(&w.s, &boss).await.expect("scope");
        let settings =
            crate::console::settings::SettingsInput { members_may_export, time_zone: "Asia/Tokyo".into(), record_edit_hours: "24".into() };
        crate::console::settings::save(&w.s, &admin_scope, &settings, &cli).await.expect("settings");
        for a in [actor(&w, "acme", "boss").await, actor(&w, "acme", "taro").await, actor(&w, "acme", "miru").await, temporary.clone()] {
            let scope = TenantScope::own(&w.s, &a).await.expect("scope");
            let rights = super::rights(&w.s, &scope);
            let label = format!("{} (must change: {}), members may export: {members_may_export}", a.login, a.must_change_password);
            assert_eq!(rights.export, super::csv::export(&w.s, &scope, &cli).await.is_ok(), "export: {label}");
            assert_eq!(rights.import, super::csv::preview(&w.s, &scope, &csv).await.is_ok(), "import: {label}");
            let created = register::create(&w.s, &scope, &cli, &yamada()).await;
            assert_eq!(rights.write, created.is_ok(), "write: {label}");
            if let Ok(id) = created {
                assert_eq!(rights.delete, register::delete(&w.s, &scope, &cli, &id).await.is_ok(), "delete: {label}");
            }
        }
    }
}

/// Services as `kura migrate` has them: connected as the database's owner.
async fn as_owner(w: &World) -> Services {
    let db = w.t.reopen().await;
    Services::new(db, w.clock.clone(), crate::auth::password::PasswordHasher::new(2).expect("hasher"), Default::default(), w.t.master_key())
}

#[tokio::test]
async fn people_stored_before_birth_dates_existed_get_them_sealed_once_by_migrate() {
    let w = world().await;
    let c = ClientInfo::cli();
    let taro = actor(&w, "acme", "taro").await;
    let scope = TenantScope::own(&w.s, &taro).await.expect("scope");
    let id = register::create(&w.s, &scope, &c, &yamada()).await.expect("person");
    let written = register::create(&w.s, &scope, &c, &PersonFields { birth_date: "1950-04-01".into(), ..yamada() }).await.expect("p");
    let marker = |v: i64| {
        let w = &w;
        async move {
            sqlx::query("UPDATE sealed_fields_upgrade SET details_done = $1").bind(v).execute(w.t.db.pool()).await.expect("marker");
        }
    };
    // As migration 0014 leaves a person stored before: both columns NULL, not sealed, the step waiting.
    for column in super::DETAIL_COLUMNS {
        put(&w, "people", column, id.as_str(), None).await;
    }
    sqlx::query("UPDATE people SET details_sealed = 0 WHERE id = $1").bind(id.as_str()).execute(w.t.db.pool()).await.expect("flag");
    marker(0).await;
    assert!(super::details_upgrade::waits(&w.s).await.expect("waits"));
    assert!(matches!(register::get(&w.s, &scope, &id).await, Err(CoreError::Crypto(_))), "a NULL is never read as not given");

    // As `kura migrate` runs it: as the database's owner.
    let owner = as_owner(&w).await;
    let done = super::details_upgrade::seal_unset_details(&owner).await.expect("step");
    assert_eq!(done, super::details_upgrade::DetailsSealed { people: 1, failed: 0 }, "only the person stored before");
    let person = register::get(&w.s, &scope, &id).await.expect("reads");
    assert_eq!(
        (person.fields.birth_date.as_str(), person.fields.emergency_contact.as_str(), person.fields.phone.as_str()),
        ("", "", "03-1234-5678")
    );
    assert_eq!(register::get(&w.s, &scope, &written).await.expect("reads").fields.birth_date, "1950-04-01");
    assert!(!super::details_upgrade::waits(&w.s).await.expect("waits"));
    assert!(crate::audit::verify(&w.s.db).await.expect("verify").is_intact());
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('people.details_sealed', 'people.details_seal_finished')")
            .fetch_one(w.t.db.pool())
            .await
            .expect("count");
    assert_eq!(audited, 2, "the organisation's count and the end, on the chain");

    // Erasing a detail in the database and setting the step back does not have it sealed as "not given".
    put(&w, "people", "birth_date", written.as_str(), None).await;
    sqlx::query("UPDATE people SET details_sealed = 0 WHERE id = $1").bind(written.as_str()).execute(w.t.db.pool()).await.expect("flag");
    marker(0).await;
    assert!(matches!(super::details_upgrade::seal_unset_details(&owner).await, Err(CoreError::Crypto(_))));
    assert!(matches!(register::get(&w.s, &scope, &written).await, Err(CoreError::Crypto(_))), "the erasure stays an integrity failure");
    assert!(stored(&w, "people", "birth_date", written.as_str()).await.is_none(), "nothing was sealed over it");
}

#[tokio::test]
async fn a_database_that_never_needed_the_details_step_records_so_once() {
    let w = world().await;
    assert!(!super::details_upgrade::waits(&w.s).await.expect("waits"));
    assert!(!super::details_upgrade::waits(&w.s).await.expect("again"));
    let finished: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'people.details_seal_finished'")
        .fetch_one(w.t.db.pool())
        .await
        .expect("count");
    assert_eq!(finished, 1);
    sqlx::query("UPDATE sealed_fields_upgrade SET details_done = 0").execute(w.t.db.pool()).await.expect("marker");
    assert!(
        matches!(super::details_upgrade::seal_unset_details(&as_owner(&w).await).await, Err(CoreError::Crypto(_))),
        "never runs after its end"
    );
}
