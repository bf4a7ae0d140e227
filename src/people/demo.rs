//! Demo data for an organisation's register (`kura demo seed`): plausible
//! Japanese names with their readings, phones, e-mails, addresses and
//! records, written through the same sealing and indexing as the forms, in
//! batches of one transaction each. Used from the command line by the host
//! administrator (like `provisioning`), and audited.

use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::json;

use super::records::{categories_of, insert_records_many};
use super::register::insert_sealed_many;
use super::sealed::RECORDS;
use super::PersonFields;
use crate::audit::{self, Action, AuditActor, AuditEvent, ClientInfo, Outcome};
use crate::auth::Actor;
use crate::error::{CoreError, CoreResult};
use crate::ids::{PersonId, RecordId};
use crate::scope::TenantScope;
use crate::services::Services;
use crate::vault::FieldRef;

/// People written per transaction, and records per INSERT.
const BATCH: usize = 1000;
/// Most people one command may add.
pub const MAX_PEOPLE: usize = 1_000_000;

const FAMILY: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("山下", "ヤマシタ"),
    ("中島", "ナカジマ"),
    ("石井", "イシイ"),
    ("小川", "オガワ"),
];
const GIVEN: &[(&str, &str)] = &[
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("翔太", "ショウタ"),
    ("陽菜", "ヒナ"),
    ("大輔", "ダイスケ"),
    ("美咲", "ミサキ"),
    ("健一", "ケンイチ"),
    ("さくら", "サクラ"),
    ("拓也", "タクヤ"),
    ("結衣", "ユイ"),
    ("直樹", "ナオキ"),
    ("愛", "アイ"),
    ("誠", "マコト"),
    ("恵子", "ケイコ"),
    ("蓮", "レン"),
    ("葵", "アオイ"),
    ("浩二", "コウジ"),
    ("由美", "ユミ"),
    ("悠斗", "ユウト"),
    ("真由美", "マユミ"),
];
const PLACES: &[(&str, &str)] = &[
    ("100-0001", "東京都千代田区千代田"),
    ("530-0001", "大阪府大阪市北区梅田"),
    ("460-0008", "愛知県名古屋市中区栄"),
    ("060-0001", "北海道札幌市中央区北一条西"),
    ("810-0001", "福岡県福岡市中央区天神"),
    ("980-0021", "宮城県仙台市青葉区中央"),
    ("730-0011", "広島県広島市中区基町"),
    ("900-0015", "沖縄県那覇市久茂地"),
    ("220-0011", "神奈川県横浜市西区高島"),
];
const RECORD_TEXT: &[&str] = &[
    "初回面談。現在の状況と希望を伺った。",
    "電話で近況を確認。特に問題なし。",
    "書類一式を受領。内容を確認済み。",
    "訪問時、ご家族も同席。次回の予定を調整。",
    "メールで問い合わせあり。回答済み。",
];

/// One made-up person; `i` keeps phones and e-mails distinct.
pub fn fake_person(rng: &mut impl Rng, i: usize) -> PersonFields {
    let (family, family_kana) = FAMILY.choose(rng).copied().unwrap_or(("山田", "ヤマダ"));
    let (given, given_kana) = GIVEN.choose(rng).copied().unwrap_or(("太郎", "タロウ"));
    let (postal, city) = PLACES.choose(rng).copied().unwrap_or(("100-0001", "東京都千代田区千代田"));
    // Derived from i (not random), so every made-up phone is distinct.
    let mobile = ["090", "080", "070"][i % 3];
    PersonFields {
        family_name: family.into(),
        given_name: given.into(),
        family_kana: family_kana.into(),
        given_kana: given_kana.into(),
        phone: format!("{mobile}-{:04}-{:04}", (i / 10_000) % 10_000, i % 10_000),
        email: format!("user{i}@example.jp"),
        postal_code: postal.into(),
        address: format!("{city}{}-{}-{}", rng.gen_range(1..10), rng.gen_range(1..30), rng.gen_range(1..20)),
        notes: if rng.gen_bool(0.2) { String::from("連絡は平日の日中を希望。") } else { String::new() },
        birth_date: format!("{}-{:02}-{:02}", rng.gen_range(1930..1990), rng.gen_range(1..13), rng.gen_range(1..29)),
        emergency_contact: if rng.gen_bool(0.5) {
            format!("家族 {mobile}-{:04}-{:04}", (i / 10_000) % 10_000, (i + 1) % 10_000)
        } else {
            String::new()
        },
    }
}

/// Adds `count` made-up people (and about one record each) to the
/// organisation `org_code`, calling `progress` with the number written so far.
pub async fn seed(
    s: &Services,
    by: &AuditActor,
    org_code: &str,
    count: usize,
    progress: &mut (dyn FnMut(usize) + Send),
) -> CoreResult<usize> {
    if count == 0 || count > MAX_PEOPLE {
        return Err(CoreError::Invalid { field: "people", problem: "format" });
    }
    // The command line acts through the organisation's scope, as a console would.
    let actor = Actor::cli(s.clock.now());
    let scope = TenantScope::named_by_operator(s, &actor, org_code).await?;
    let tenant = scope.tenant().clone();
    let keys = s.data_keys.data_keys(&s.db, &s.keys, &tenant.id).await?;
    let categories = categories_of(&mut scope.read(s).await?).await?;
    let mut rng = rand::thread_rng();
    let day_ms = 86_400_000_i64;
    let mut written = 0;
    while written < count {
        let n = BATCH.min(count - written);
        // Made up before the transaction, so the write lock is held only for writing.
        let batch: Vec<(PersonId, PersonFields, usize)> =
            (0..n).map(|k| (PersonId::generate(), fake_person(&mut rng, written + k), rng.gen_range(0..3))).collect();
        let now = s.clock.now();
        // Records made up and sealed before the transaction too.
        let mut records = Vec::new();
        for (id, _, count) in &batch {
            for _ in 0..*count {
                let rid = RecordId::generate();
                let body = RECORD_TEXT.choose(&mut rng).copied().unwrap_or("記録");
                let at = FieldRef { table: RECORDS, column: "body", row_id: rid.as_str(), person_id: id.as_str(), version: 0 };
                let sealed = keys.seal(at, body)?;
                let at = now.as_millis() - rng.gen_range(0..365) * day_ms;
                let category = categories.choose(&mut rng).map(|c| c.id.to_string());
                records.push((rid, id.clone(), at, category, sealed));
            }
        }
        let people: Vec<(PersonId, PersonFields)> = batch.into_iter().map(|(id, f, _)| (id, f)).collect();
        let mut tx = scope.begin_write(s).await?;
        insert_sealed_many(&mut tx, &keys, &people, None, now).await?;
        insert_records_many(&mut tx, keys.key_id(), &records, now).await?;
        tx.commit().await?;
        written += n;
        progress(written);
    }
    let ev = AuditEvent::new(by.clone(), Action::PeopleImported, Outcome::Success)
        .tenant(Some(&tenant.id))
        .from_client(&ClientInfo::cli())
        .detail(json!({ "rows": written, "demo": true }));
    audit::record(&s.db, s.clock.now(), &ev).await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_people_pass_the_forms_validation() {
        let mut rng = rand::thread_rng();
        for i in 0..200 {
            let p = fake_person(&mut rng, i);
            assert_eq!(p.validate(jiff::civil::date(2026, 12, 2)).as_ref(), Ok(&p), "{p:?}");
        }
    }

    #[tokio::test]
    async fn seeding_adds_searchable_sealed_people_in_batches_and_is_audited() {
        let t = crate::testing::TestDb::fresh().await;
        let s = t.services(std::sync::Arc::new(crate::ManualClock::starting_now()));
        crate::provisioning::create_tenant(&s, &AuditActor::cli(), "demo", "デモ", &ClientInfo::cli()).await.expect("tenant");
        let mut seen = Vec::new();
        let added = seed(&s, &AuditActor::cli(), "demo", BATCH + 20, &mut |n| seen.push(n)).await.expect("seed");
        assert_eq!(added, BATCH + 20);
        assert_eq!(seen, vec![BATCH, BATCH + 20], "progress after each batch");
        let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(t.db.pool()).await.expect("count");
        assert_eq!(people, i64::try_from(BATCH + 20).expect("fits"));
        let audited: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'people.imported'")
            .fetch_one(t.db.pool())
            .await
            .expect("audit");
        assert!(audited.contains("\"demo\":true"));
        // Person 7's phone is findable through the blind index.
        let keys = s
            .data_keys
            .data_keys(
                &s.db,
                &s.keys,
                &crate::tenants::find_by_code(&s.db, &crate::tenants::OrgCode::parse("demo").expect("code"))
                    .await
                    .expect("db")
                    .expect("tenant")
                    .id,
            )
            .await
            .expect("keys");
        let phone = fake_person(&mut rand::thread_rng(), 7).phone;
        let token = keys.blind_index(crate::vault::IndexKind::Phone, &super::super::normalize::phone(&phone));
        let hits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people_index WHERE token = $1")
            .bind(token)
            .fetch_one(t.db.pool())
            .await
            .expect("hits");
        assert_eq!(hits, 1);
        assert!(matches!(seed(&s, &AuditActor::cli(), "nosuch", 1, &mut |_| {}).await, Err(CoreError::NotFound)));
    }
}
