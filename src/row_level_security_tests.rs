//! The second wall on PostgreSQL: row-level security holds on its own, even
//! for a query that forgets its tenant filter. These tests run as the
//! application role (neither owner nor superuser), as `kura serve` does; the
//! owner connection (`t.db`) only seeds and checks. On SQLite there is no such
//! wall (docs/SECURITY.md): the repositories are the only one, and these tests
//! say so and stop.

use std::sync::Arc;

use sqlx::Row;

use crate::audit::{AuditActor, ClientInfo};
use crate::auth::password::Password;
use crate::auth::{self, LoginRequest, Realm};
use crate::db::{AllTenantsUse, Backend, Reach};
use crate::ids::TenantId;
use crate::people::{register, PersonFields};
use crate::provisioning::{self, InitialPassword};
use crate::scope::TenantScope;
use crate::testing::TestDb;
use crate::users::Role;
use crate::{ManualClock, Services};

const GOOD: &str = "correct horse battery staple";

struct World {
    t: TestDb,
    s: Services,
    acme: TenantId,
    beta: TenantId,
}

/// Two organisations with a row in every tenant table (accounts, keys,
/// categories, people and their index, records and their corrections, an allowlist entry, audit
/// events, an alert), written through the app's own paths.
async fn world() -> Option<World> {
    let t = TestDb::fresh().await;
    if t.db.backend() != Backend::Postgres {
        eprintln!("SQLite has no row-level security: the repositories are its only wall (docs/SECURITY.md)");
        return None;
    }
    let s = t.services(Arc::new(ManualClock::starting_now()));
    let cli = ClientInfo::cli();
    let mut ids = Vec::new();
    for org in ["acme", "beta"] {
        let tenant = provisioning::create_tenant(&s, &AuditActor::cli(), org, org, &cli).await.expect("tenant");
        provisioning::create_user(
            &s,
            &AuditActor::cli(),
            org,
            "boss",
            Role::Admin,
            InitialPassword::Chosen(Password::new(GOOD.into())),
            &cli,
        )
        .await
        .expect("user");
        let client = ClientInfo::web(Some("192.0.2.10".parse().expect("ip")), None);
        let actor = auth::login(
            &s,
            LoginRequest { realm: Realm::Tenant, org_code: org, login: "boss", password: Password::new(GOOD.into()), client: &client },
        )
        .await
        .expect("login");
        let scope = TenantScope::own(&s, &actor).await.expect("scope");
        let fields =
            PersonFields {
                family_name: "山田".into(), given_name: "太郎".into(), phone: "03-1234-5678".into(), ..PersonFields::default()
            };
        let person = register::create(&s, &scope, &client, &fields).await.expect("person");
        let category = crate::people::records::categories(&s, &scope).await.expect("categories")[0].id.to_string();
        let record = crate::people::records::RecordInput {
            occurred_at: String::from("2026-11-30T10:00"),
            category_id: category,
            body: String::from("訪問"),
            submission: None,
        };
        let record_id = crate::people::records::add(&s, &scope, &client, &person, &record).await.expect("record");
        let correction = crate::people::records::RecordInput { body: String::from("訪問（訂正）"), ..record };
        crate::people::corrections::correct(&s, &scope, &client, &record_id, 0, &correction, "誤記").await.expect("correction");
        crate::network::add(&s, &scope, "192.0.2.0/24", "office", &client).await.expect("allowlist");
        sqlx::query(
            "INSERT INTO alerts (id, rule, dedupe_key, tenant_id, state, detail, events, first_at, last_at) \
             VALUES ($1, 'test', $1, $2, 'open', '{}', 1, 0, 0)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(tenant.id.as_str())
        .execute(t.db.pool())
        .await
        .expect("alert");
        ids.push(tenant.id);
    }
    let beta = ids.pop().expect("beta");
    let acme = ids.pop().expect("acme");
    Some(World { t, s, acme, beta })
}

/// Every table with a `tenant_id` column, read from the schema the migrations built.
async fn tenant_tables(t: &TestDb) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.table_name::text FROM information_schema.columns c \
         JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id' AND tb.table_type = 'BASE TABLE' \
         ORDER BY 1",
    )
    .fetch_all(t.db.pool())
    .await
    .expect("tables")
}

/// Rows of `tenant` in `table`, counted by the owner (a superuser in tests: it passes the wall).
async fn owner_count(t: &TestDb, table: &str, tenant: &TenantId) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1"))
        .bind(tenant.as_str())
        .fetch_one(t.db.pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn every_tenant_table_is_behind_forced_row_level_security() {
    let Some(w) = world().await else { return };
    let tables = tenant_tables(&w.t).await;
    assert!(tables.len() >= 9, "{tables:?}");
    for table in &tables {
        let row = sqlx::query(
            "SELECT c.relrowsecurity, c.relforcerowsecurity, \
             (SELECT COUNT(*) FROM pg_policies p WHERE p.schemaname = current_schema() AND p.tablename = c.relname) AS policies \
             FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace",
        )
        .bind(table)
        .fetch_one(w.t.db.pool())
        .await
        .expect("pg_class");
        assert!(row.try_get::<bool, _>("relrowsecurity").expect("rls"), "{table}: row-level security is not enabled");
        assert!(row.try_get::<bool, _>("relforcerowsecurity").expect("force"), "{table}: not forced (its owner would pass)");
        assert!(row.try_get::<i64, _>("policies").expect("policies") >= 1, "{table}: no policy");
    }
}

#[tokio::test]
async fn an_unscoped_query_in_one_tenants_transaction_reads_and_changes_nothing_of_another() {
    let Some(w) = world().await else { return };
    for table in tenant_tables(&w.t).await {
        let theirs = owner_count(&w.t, &table, &w.beta).await;
        let ours = owner_count(&w.t, &table, &w.acme).await;
        assert!(theirs > 0 && ours > 0, "{table}: the world must hold rows of both organisations");

        // A query that forgets the tenant, inside acme's transaction.
        let mut tx = w.s.db.begin_write_in(Reach::Tenant(w.acme.clone())).await.expect("begin");
        let seen: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut *tx).await.expect("select");
        assert_eq!(seen, ours, "{table}: an unfiltered SELECT sees exactly acme's rows");
        let named: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1"))
            .bind(w.beta.as_str())
            .fetch_one(&mut *tx)
            .await
            .expect("select beta");
        assert_eq!(named, 0, "{table}: naming beta's id finds nothing");
        let updated = sqlx::query(&format!("UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = $1"))
            .bind(w.beta.as_str())
            .execute(&mut *tx)
            .await
            .expect("update")
            .rows_affected();
        assert_eq!(updated, 0, "{table}: UPDATE reaches none of beta's rows");
        let deleted = sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1"))
            .bind(w.beta.as_str())
            .execute(&mut *tx)
            .await
            .expect("delete")
            .rows_affected();
        assert_eq!(deleted, 0, "{table}: DELETE reaches none of beta's rows");
        tx.commit().await.expect("commit");

        // Moving a row of ours to beta is refused by the policy's check.
        let mut tx = w.s.db.begin_write_in(Reach::Tenant(w.acme.clone())).await.expect("begin");
        let moved = sqlx::query(&format!("UPDATE {table} SET tenant_id = $1 WHERE tenant_id = $2"))
            .bind(w.beta.as_str())
            .bind(w.acme.as_str())
            .execute(&mut *tx)
            .await;
        assert!(moved.is_err(), "{table}: a row cannot be handed to another organisation");
        tx.rollback().await.expect("rollback");

        assert_eq!(owner_count(&w.t, &table, &w.beta).await, theirs, "{table}: beta's rows are all still there");
    }
}

#[tokio::test]
async fn without_a_reach_the_application_role_sees_no_tenant_row_at_all() {
    let Some(w) = world().await else { return };
    for table in tenant_tables(&w.t).await {
        // Straight from the pool: no transaction, no setting.
        let seen: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(w.s.db.pool()).await.expect("select");
        assert_eq!(seen, 0, "{table}: an unset reach matches nothing");
        // A reach of nothing, and a transaction that ended: nothing either.
        let mut tx = w.s.db.read_in(Reach::Nothing).await.expect("begin");
        let seen: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut *tx).await.expect("select");
        assert_eq!(seen, 0, "{table}");
        drop(tx);
    }
}

#[tokio::test]
async fn a_reach_is_transaction_local_so_a_pooled_connection_cannot_leak_it() {
    let Some(w) = world().await else { return };
    // One connection, reused: the pool is not involved.
    let mut conn = w.s.db.pool().acquire().await.expect("conn");
    let mut tx = sqlx::Connection::begin(&mut *conn).await.expect("begin");
    sqlx::query("SELECT set_config('kura.reach', 'tenant', true), set_config('kura.tenant_id', $1, true)")
        .bind(w.acme.as_str())
        .execute(&mut *tx)
        .await
        .expect("set");
    let inside: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(&mut *tx).await.expect("inside");
    assert_eq!(inside, 1);
    tx.commit().await.expect("commit");
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(&mut *conn).await.expect("after");
    assert_eq!(after, 0, "the next use of the same connection sees nothing");
}

#[tokio::test]
async fn the_installation_reach_sees_only_rows_of_no_organisation() {
    let Some(w) = world().await else { return };
    let mut tx = w.s.db.read_in(Reach::Installation).await.expect("begin");
    let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(&mut *tx).await.expect("people");
    assert_eq!(people, 0);
    let tenant_users: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE tenant_id IS NOT NULL").fetch_one(&mut *tx).await.expect("users");
    assert_eq!(tenant_users, 0);
    drop(tx);
    // Every row is reachable only when asked for by name and reason.
    let mut tx = w.s.db.read_in(Reach::all_tenants(AllTenantsUse::job("test"))).await.expect("begin");
    let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(&mut *tx).await.expect("all");
    assert_eq!(all, 2);
    let by: String = sqlx::query_scalar("SELECT current_setting('kura.reach_by')").fetch_one(&mut *tx).await.expect("by");
    assert_eq!(by, "job:test", "the reach names who spans the organisations");
}

#[tokio::test]
async fn the_application_role_cannot_switch_the_wall_off() {
    let Some(w) = world().await else { return };
    for stmt in [
        "ALTER TABLE people DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE people NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY tenant_wall ON people",
    ] {
        assert!(sqlx::query(stmt).execute(w.s.db.pool()).await.is_err(), "{stmt}");
    }
    assert_eq!(w.s.db.serving_role_problem().await.expect("role"), None, "the test app role is fit to serve");
    let owner_problem = w.t.db.serving_role_problem().await.expect("owner");
    assert!(owner_problem.is_some_and(|p| p.contains("superuser")), "the owner (a superuser here) is refused");
}
