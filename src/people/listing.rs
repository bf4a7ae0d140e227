//! The register's list: keyset paging, filters and blind-index search, each
//! hit re-checked against the decrypted values.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::register::data_keys;
use super::sealed::{self, IntegrityFailure};
use super::search::{self, SearchPlan};
use super::{PersonFields, FIELD_COLUMNS, INDEXED_COLUMNS};
use crate::clock::Timestamp;
use crate::domain::KanaRow;
use crate::error::{CoreError, CoreResult};
use crate::ids::{CategoryId, PersonId};
use crate::policy::Permission;
use crate::scope::TenantScope;
use crate::services::Services;
use crate::vault::{DataKeys, IndexKind};

/// Rows per list page.
pub const PAGE_ROWS: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PeopleSort {
    #[default]
    Updated,
    Created,
}

impl PeopleSort {
    fn column(self) -> &'static str {
        match self {
            PeopleSort::Updated => "updated_at",
            PeopleSort::Created => "created_at",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    Active,
    Archived,
    All,
}

/// What the list shows.
#[derive(Clone, Debug, Default)]
pub struct PeopleQuery {
    pub sort: PeopleSort,
    pub status: StatusFilter,
    /// Only people with at least one record of this category.
    pub category: Option<String>,
    /// A phone, e-mail, or a name or reading whole or in part (see `SearchPlan`).
    pub search: String,
    /// Only people whose reading starts in this 五十音 row.
    pub row: Option<KanaRow>,
    /// The cursor of the previous page's last row.
    pub after: Option<String>,
}

/// A row of the list: the fields it shows, decrypted.
#[derive(Clone, Debug)]
pub struct PersonSummary {
    pub id: PersonId,
    pub family_name: String,
    pub given_name: String,
    pub family_kana: String,
    pub given_kana: String,
    pub phone: String,
    pub archived: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// A field failed its integrity check (logged and audited); shown as such.
    pub unreadable: bool,
}

#[derive(Clone, Debug)]
pub struct PeoplePage {
    pub people: Vec<PersonSummary>,
    /// The cursor for the next page, when there is one.
    pub next: Option<String>,
    /// How many people the filters select (全◯件), when nothing is searched:
    /// a search's count would mean opening every candidate.
    pub total: Option<PeopleTotal>,
}

/// How many people a list's filters select, counted no further than a cap:
/// counting a whole register of 100 000 on every page cost 15 ms a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeopleTotal {
    /// The count, or the cap when there are more.
    pub counted: i64,
    /// There are more than `counted` (全1,000件以上).
    pub more: bool,
}

/// Beyond this many, the list says "more than" instead of counting on.
pub const TOTAL_COUNTED_MAX: i64 = 1_000;

/// The keyset cursor: `<millis>.<id>` of the last row shown.
fn encode_cursor(at: Timestamp, id: &PersonId) -> String {
    format!("{}.{}", at.as_millis(), id)
}

fn decode_cursor(c: &str) -> CoreResult<(i64, PersonId)> {
    let bad = || CoreError::Invalid { field: "after", problem: "format" };
    let (at, id) = c.split_once('.').ok_or_else(bad)?;
    Ok((at.parse().map_err(|_| bad())?, PersonId::parse(id).ok_or_else(bad)?))
}

/// The columns a list row opens: the indexed ones, that is what it shows plus
/// the e-mail and birth date, so that a search hit can be re-checked without a second read.
const SUMMARY_COLUMNS: [&str; 7] = INDEXED_COLUMNS;

/// One page of the register.
pub async fn list(s: &Services, scope: &TenantScope<'_>, q: &PeopleQuery) -> CoreResult<PeoplePage> {
    list_within(s, scope, q, Limits { hits_first_max: HITS_FIRST_MAX, total_counted_max: TOTAL_COUNTED_MAX }).await
}

/// Where the list changes how it works (tests use small ones on a small register).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// A search naming more candidates walks the register in list order.
    pub hits_first_max: i64,
    /// The total is counted no further than this.
    pub total_counted_max: i64,
}

/// `list` with its limits given.
pub(crate) async fn list_within(s: &Services, scope: &TenantScope<'_>, q: &PeopleQuery, limits: Limits) -> CoreResult<PeoplePage> {
    let Limits { hits_first_max, total_counted_max } = limits;
    scope.authorize(s, Permission::ReadPeople)?;
    let keys = data_keys(s, scope).await?;
    let search = q.search.trim();
    if search.chars().count() > 254 {
        return Err(CoreError::Invalid { field: "search", problem: "too_long" });
    }
    let plan = SearchPlan::of(search);
    let mut groups = plan.token_groups(&keys);
    let category = match q.category.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(CategoryId::parse(c).ok_or(CoreError::Invalid { field: "category", problem: "unknown" })?),
        None => None,
    };
    let cursor = q.after.as_deref().filter(|c| !c.is_empty()).map(decode_cursor).transpose()?;

    // Built from fixed fragments only; every value is a bound parameter.
    let order = q.sort.column();
    let mut n = 1;
    let mut next = || {
        n += 1;
        n
    };
    let mut tx = scope.read(s).await?;
    let searching = !groups.is_empty();
    let mut walk = false;
    if searching {
        // Groups no one has are dropped; the rest ranked by how many people
        // they can name, most first (in a walk, the likeliest test runs first).
        let cap = hits_first_max.clamp(0, i64::MAX - 1) + 1;
        let bounds = candidates_per_group(&mut tx, scope, &groups, cap).await?;
        let mut ranked: Vec<(i64, search::TokenGroup)> = bounds.into_iter().zip(groups).filter(|(b, _)| *b > 0).collect();
        ranked.sort_by_key(|(bound, _)| std::cmp::Reverse(*bound));
        walk = ranked.iter().map(|(b, _)| *b).sum::<i64>() > hits_first_max;
        groups = ranked.into_iter().map(|(_, g)| g).collect();
        if groups.is_empty() {
            return Ok(PeoplePage { people: Vec::new(), next: None, total: None });
        }
    }
    let from = if !searching {
        String::from("people p WHERE p.tenant_id = $1")
    } else if !walk {
        // Few candidates: the people the tokens name come first, then their
        // rows. Written as `id IN (…)`, SQLite walks the whole register in
        // list order and tests each row (27 ms on 100k people instead of
        // well under one). CROSS JOIN keeps that order on SQLite; PostgreSQL
        // plans it freely. Exact terms: any token; a partial question: all of its grams.
        let selects: Vec<String> = groups
            .iter()
            .map(|g| {
                let list: Vec<String> = g.tokens.iter().map(|_| format!("${}", next())).collect();
                let tokens = format!("FROM people_index WHERE tenant_id = $1 AND token IN ({})", list.join(", "));
                if g.need_all {
                    format!("SELECT person_id {tokens} GROUP BY person_id HAVING COUNT(DISTINCT token) = {}", g.tokens.len())
                } else {
                    format!("SELECT DISTINCT person_id {tokens}")
                }
            })
            .collect();
        format!("({}) hits CROSS JOIN people p WHERE p.id = hits.person_id AND p.tenant_id = $1", selects.join(" UNION "))
    } else {
        // Many candidates (the start of a common reading): walking the
        // register in list order finds a page after a few rows each, where
        // joining every candidate first would sort thousands.
        // Each test is a direct probe of the (person, token) index.
        let probe =
            |t: String| format!("EXISTS (SELECT 1 FROM people_index x WHERE x.person_id = p.id AND x.tenant_id = $1 AND x.token {t})");
        let tests: Vec<String> = groups
            .iter()
            .map(|g| {
                let params: Vec<String> = g.tokens.iter().map(|_| format!("${}", next())).collect();
                if g.need_all {
                    format!("({})", params.iter().map(|p| probe(format!("= {p}"))).collect::<Vec<_>>().join(" AND "))
                } else {
                    probe(format!("IN ({})", params.join(", ")))
                }
            })
            .collect();
        format!("people p WHERE p.tenant_id = $1 AND ({})", tests.join(" OR "))
    };
    let mut sql = format!("SELECT id, {}, fields_version, status, created_at, updated_at FROM {from}", SUMMARY_COLUMNS.join(", "));
    match q.status {
        StatusFilter::Active => sql.push_str(" AND status = 'active'"),
        StatusFilter::Archived => sql.push_str(" AND status = 'archived'"),
        StatusFilter::All => {}
    }
    if category.is_some() {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM person_records r WHERE r.tenant_id = $1 AND r.person_id = p.id AND r.deleted_at IS NULL AND r.category_id = ${})",
            next()
        ));
    }
    if q.row.is_some() {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM people_index x WHERE x.tenant_id = $1 AND x.person_id = p.id AND x.token = ${})",
            next()
        ));
    }
    if cursor.is_some() {
        let (a, b) = (next(), next());
        sql.push_str(&format!(" AND ({order} < ${a} OR ({order} = ${a} AND id < ${b}))"));
    }
    sql.push_str(&format!(" ORDER BY {order} DESC, id DESC LIMIT {}", PAGE_ROWS + 1));

    let mut query = sqlx::query(&sql).bind(scope.tenant_id().as_str());
    for t in groups.iter().flat_map(|g| &g.tokens) {
        query = query.bind(t.as_slice());
    }
    if let Some(c) = &category {
        query = query.bind(c.as_str());
    }
    let row_token = q.row.map(|r| search::row_token(&keys, r));
    if let Some(t) = &row_token {
        query = query.bind(t.as_slice());
    }
    if let Some((at, id)) = &cursor {
        query = query.bind(*at).bind(id.as_str());
    }
    let rows = query.fetch_all(&mut *tx).await?;
    let total = if searching {
        None
    } else {
        Some(count_selected(&mut tx, scope, (q.status, category.as_ref(), row_token.as_deref()), total_counted_max).await?)
    };
    drop(tx);

    let more = rows.len() > PAGE_ROWS;
    let mut people = Vec::with_capacity(rows.len().min(PAGE_ROWS));
    let mut failures = Vec::new();
    // The e-mail and birth date are opened only to re-check a search that asks about them.
    let opened: Vec<&'static str> = SUMMARY_COLUMNS
        .into_iter()
        .filter(|c| match *c {
            "email" => plan.asks_about(IndexKind::Email) || plan.asks_about(IndexKind::EmailGram),
            "birth_date" => plan.asks_about(IndexKind::BirthDate),
            _ => true,
        })
        .collect();
    for r in rows.iter().take(PAGE_ROWS) {
        let (summary, unshown, failure) = summary_from_row(&keys, r, &opened)?;
        if let Some(f) = failure {
            failures.push(f);
        } else if !plan.is_empty() && !matches_search(&summary, unshown, &plan) {
            // Tokens that name someone the text does not (a collision, or a
            // partial question's grams present but not in a row): not a hit.
            continue;
        }
        people.push(summary);
    }
    for f in failures {
        f.report(s, scope).await;
    }
    let next_cursor = if more {
        rows.get(PAGE_ROWS - 1)
            .map(|r| -> CoreResult<String> {
                let at: i64 = r.try_get(order)?;
                Ok(encode_cursor(Timestamp::from_millis(at), &PersonId::from_db(r.try_get("id")?)))
            })
            .transpose()?
    } else {
        None
    };
    Ok(PeoplePage { people, next: next_cursor, total })
}

/// How many people the list's filters (status, category, 五十音 row) select,
/// counting no further than `cap`.
async fn count_selected(
    tx: &mut crate::db::Tx,
    scope: &TenantScope<'_>,
    (status, category, row_token): (StatusFilter, Option<&CategoryId>, Option<&[u8]>),
    cap: i64,
) -> CoreResult<PeopleTotal> {
    let mut sql = String::from("SELECT 1 FROM people p WHERE p.tenant_id = $1");
    match status {
        StatusFilter::Active => sql.push_str(" AND p.status = 'active'"),
        StatusFilter::Archived => sql.push_str(" AND p.status = 'archived'"),
        StatusFilter::All => {}
    }
    let mut n = 1;
    if category.is_some() {
        n += 1;
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM person_records r WHERE r.tenant_id = $1 AND r.person_id = p.id AND r.deleted_at IS NULL AND r.category_id = ${n})"
        ));
    }
    if row_token.is_some() {
        n += 1;
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM people_index x WHERE x.tenant_id = $1 AND x.person_id = p.id AND x.token = ${n})"
        ));
    }
    let cap = cap.clamp(0, i64::MAX - 1);
    let sql = format!("SELECT COUNT(*) FROM ({sql} LIMIT {}) selected", cap + 1);
    let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(scope.tenant_id().as_str());
    if let Some(c) = category {
        query = query.bind(c.as_str());
    }
    if let Some(t) = row_token {
        query = query.bind(t);
    }
    let n = query.fetch_one(&mut **tx).await?;
    Ok(PeopleTotal { counted: n.min(cap), more: n > cap })
}

/// Candidates beyond which a search walks the register in list order
/// instead of gathering every candidate first (see `list`).
const HITS_FIRST_MAX: i64 = 500;

/// At most how many people each token group can name: the rarest token's
/// count when every token is needed, the sum when any one is. Read from the
/// token index alone, each token counted no further than `cap` (a common
/// gram has tens of thousands of entries; past the cap, the answer is "many").
async fn candidates_per_group(
    tx: &mut crate::db::Tx,
    scope: &TenantScope<'_>,
    groups: &[search::TokenGroup],
    cap: i64,
) -> CoreResult<Vec<i64>> {
    let mut distinct: Vec<&[u8]> = groups.iter().flat_map(|g| g.tokens.iter().map(Vec::as_slice)).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let counts: Vec<String> = (0..distinct.len())
        .map(|i| {
            format!("(SELECT COUNT(*) FROM (SELECT 1 FROM people_index WHERE tenant_id = $1 AND token = ${} LIMIT $2) t{i}) AS c{i}", i + 3)
        })
        .collect();
    let sql = format!("SELECT {}", counts.join(", "));
    let mut query = sqlx::query(&sql).bind(scope.tenant_id().as_str()).bind(cap);
    for t in &distinct {
        query = query.bind(*t);
    }
    let row = query.fetch_one(&mut **tx).await?;
    let mut by_token = std::collections::HashMap::new();
    for (i, t) in distinct.iter().enumerate() {
        by_token.insert(*t, row.try_get::<i64, _>(i)?);
    }
    let count = |t: &Vec<u8>| by_token.get(t.as_slice()).copied().unwrap_or(0);
    Ok(groups
        .iter()
        .map(|g| if g.need_all { g.tokens.iter().map(count).min().unwrap_or(0) } else { g.tokens.iter().map(count).sum() })
        .collect())
}

/// Every person of the scope's organisation, sealed, oldest first (the export).
pub(crate) async fn all_sealed_rows(s: &Services, scope: &TenantScope<'_>) -> CoreResult<Vec<AnyRow>> {
    Ok(sqlx::query(&format!(
        "SELECT id, {}, fields_version, status, created_at, updated_at FROM people WHERE tenant_id = $1 ORDER BY created_at, id",
        FIELD_COLUMNS.join(", ")
    ))
    .bind(scope.tenant_id().as_str())
    .fetch_all(&mut *scope.read(s).await?)
    .await?)
}

/// The indexed values a list row does not show: opened to re-check a search hit.
struct Unshown {
    email: String,
    birth_date: String,
}

/// A list row, its unshown values when `opened` includes them (for
/// `matches_search`), and any integrity failure; a column not `opened` reads as empty.
fn summary_from_row(
    keys: &DataKeys,
    r: &AnyRow,
    opened: &[&'static str],
) -> CoreResult<(PersonSummary, Unshown, Option<IntegrityFailure>)> {
    let id: String = r.try_get("id")?;
    let mut sealed_cols = Vec::with_capacity(opened.len());
    for c in opened {
        sealed_cols.push((*c, r.try_get::<Option<Vec<u8>>, _>(*c)?));
    }
    let row = sealed::SealedRow::of_person(&id, r)?;
    let (values, failure) = match sealed::open_columns(keys, row, &sealed_cols) {
        Ok(v) => (v, None),
        Err(f) => (vec![String::new(); opened.len()], Some(f)),
    };
    let value = |column: &str| opened.iter().position(|c| *c == column).and_then(|i| values.get(i).cloned()).unwrap_or_default();
    let summary = PersonSummary {
        id: PersonId::from_db(id.clone()),
        family_name: value("family_name"),
        given_name: value("given_name"),
        family_kana: value("family_kana"),
        given_kana: value("given_kana"),
        phone: value("phone"),
        archived: r.try_get::<String, _>("status")? == "archived",
        created_at: Timestamp::from_millis(r.try_get("created_at")?),
        updated_at: Timestamp::from_millis(r.try_get("updated_at")?),
        unreadable: failure.is_some(),
    };
    let unshown = Unshown { email: value("email"), birth_date: value("birth_date") };
    Ok((summary, unshown, failure))
}

/// Re-checks a blind-index hit against the decrypted values (every indexed
/// field is among the summary columns).
fn matches_search(p: &PersonSummary, unshown: Unshown, plan: &SearchPlan) -> bool {
    let fields = PersonFields {
        family_name: p.family_name.clone(),
        given_name: p.given_name.clone(),
        family_kana: p.family_kana.clone(),
        given_kana: p.given_kana.clone(),
        phone: p.phone.clone(),
        email: unshown.email,
        birth_date: unshown.birth_date,
        ..PersonFields::default()
    };
    plan.matches(&fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blind_index_hit_counts_only_if_the_decrypted_values_match() {
        let p = PersonSummary {
            id: PersonId::generate(),
            family_name: "山田".into(),
            given_name: "太郎".into(),
            family_kana: "ヤマダ".into(),
            given_kana: "タロウ".into(),
            phone: "03-1234-5678".into(),
            archived: false,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
            unreadable: false,
        };
        let email = || Unshown { email: String::from("taro@example.jp"), birth_date: String::from("1950-04-01") };
        for q in ["０３１２３４５６７８", "ﾔﾏﾀﾞ", "TARO@example.jp", "山田太郎", "昭和25年4月1日", "1950/4/1"] {
            assert!(matches_search(&p, email(), &SearchPlan::of(q)), "{q}");
        }
        // What a colliding token would bring back: a person whose values do not match.
        for q in ["03-9999-0000", "スズキ", "hanako@example.jp", "1950-04-02"] {
            assert!(!matches_search(&p, email(), &SearchPlan::of(q)), "{q}");
        }
    }
}
