//! Test support shared by the core's unit tests and the server's integration
//! tests: a fresh database per test on the backend named by
//! `KURA_TEST_BACKEND` (`sqlite`, the default, or `postgres`).

#![allow(clippy::expect_used)]

use crate::db::{Backend, Db};

/// Where the PostgreSQL server for tests listens; each test gets its own database in it.
pub fn postgres_admin_url() -> String {
    std::env::var("KURA_TEST_PG_URL").unwrap_or_else(|_| String::from("postgres://postgres@127.0.0.1:5432/test"))
}

pub fn backend_under_test() -> Backend {
    match std::env::var("KURA_TEST_BACKEND").as_deref() {
        Ok("postgres") | Ok("pg") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// The role tests serve as on PostgreSQL: neither owner nor superuser, so
/// row-level security binds it as it binds `kura serve`.
pub const TEST_APP_ROLE: &str = "kura_app";

/// A migrated, empty database that disappears when dropped.
///
/// `db`/`url` are the owner's (on PostgreSQL a superuser: migrations, and tests
/// that inspect or tamper with rows as an attacker with the database would);
/// `app`/`app_url` are the application role's, which `services()` and spawned
/// servers use. On SQLite both are the same file.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    pub app: Db,
    pub app_url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
    /// This database's master key (its audit chain key is wrapped under it).
    master: [u8; 32],
}

impl TestDb {
    pub async fn fresh() -> TestDb {
        let mut t = Self::fresh_unmigrated().await;
        t.db.migrate().await.expect("migrate test database");
        if t.db.backend() == Backend::Postgres {
            ensure_app_role(&t.db).await;
            assert!(t.db.grant_app_role(TEST_APP_ROLE).await.expect("grant"), "the test app role exists");
            t.app_url = url_with_user(&t.url, TEST_APP_ROLE);
            t.app = Db::connect(&t.app_url).await.expect("connect as the app role");
            t.app.attach_master_key(std::sync::Arc::new(t.master_key()));
        }
        t
    }

    pub async fn fresh_unmigrated() -> TestDb {
        match backend_under_test() {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = Db::sqlite_url_for(dir.path());
                let db = Db::connect(&url).await.expect("open sqlite");
                TestDb::with_master_key(db, url, Some(dir), None)
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let name = format!("kura_t_{}", uuid::Uuid::new_v4().simple());
                let admin = Db::connect(&admin_url).await.expect("connect to the test PostgreSQL");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(admin.pool()).await.expect("create test database");
                admin.close().await;
                let url = replace_db_name(&admin_url, &name);
                let db = Db::connect(&url).await.expect("open test database");
                TestDb::with_master_key(db, url, None, Some(name))
            }
        }
    }

    fn with_master_key(db: Db, url: String, dir: Option<tempfile::TempDir>, pg_name: Option<String>) -> TestDb {
        let mut master = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut master);
        db.attach_master_key(std::sync::Arc::new(crate::keys::MasterKey::from_bytes(master)));
        TestDb { app: db.clone(), app_url: url.clone(), db, url, _dir: dir, pg_name, master }
    }

    /// This database's master key.
    pub fn master_key(&self) -> crate::keys::MasterKey {
        crate::keys::MasterKey::from_bytes(self.master)
    }

    /// The master key as `KURA_MASTER_KEY` takes it, for a `kura` command
    /// run on a database the test wrote through the library.
    pub fn master_key_hex(&self) -> String {
        hex::encode(self.master)
    }

    /// The core's services over this database on `clock`, with test defaults
    /// (a small hashing pool, the default auth policy, this database's master key).
    pub fn services(&self, clock: std::sync::Arc<dyn crate::Clock>) -> crate::Services {
        crate::Services::new(
            self.app.clone(),
            clock,
            crate::auth::password::PasswordHasher::new(2).expect("hasher"),
            crate::auth::AuthPolicy::default(),
            self.master_key(),
        )
    }

    /// Drops the append-only triggers, as an attacker with database access could,
    /// so tests can prove the hash chain still finds the change.
    pub async fn allow_audit_tampering(&self) {
        drop_audit_triggers(&self.db).await;
    }
}

impl TestDb {
    /// Turns this database's audit chain into one an older Kura wrote
    /// (unkeyed links, no key) and returns a fresh handle on it, as after an
    /// upgrade. The append-only trigger lets links (and nothing else) change
    /// while the re-keying gate is open.
    pub async fn unkey_audit_chain(&self) -> Db {
        sqlx::query("UPDATE audit_rekey_gate SET open = 1 WHERE id = 1").execute(self.db.pool()).await.expect("gate");
        assert!(
            sqlx::query("UPDATE audit_log SET detail = '{}' WHERE seq = 1").execute(self.db.pool()).await.is_err(),
            "content stays append-only even with the gate open"
        );
        relink_audit_unkeyed(&self.db, 1).await;
        sqlx::query("UPDATE audit_rekey_gate SET open = 0 WHERE id = 1").execute(self.db.pool()).await.expect("gate");
        sqlx::query("DELETE FROM audit_chain_key").execute(self.db.pool()).await.expect("no key");
        self.reopen().await
    }

    /// A fresh handle on this database as its owner (nothing cached), with its
    /// master key: as `kura migrate` connects after an upgrade.
    pub async fn reopen(&self) -> Db {
        let db = Db::connect(&self.url).await.expect("connect");
        db.attach_master_key(std::sync::Arc::new(self.master_key()));
        crate::audit::forget_head();
        db
    }
}

/// Every audit row from `from_seq` on re-linked with plain SHA-256 (the chain
/// as it was before keys), and the head moved to the last: what a script with
/// write access to the database does after editing a row.
pub async fn relink_audit_unkeyed(db: &Db, from_seq: i64) {
    use crate::audit::{stored_row_of, ROW_COLUMNS};
    let rows = sqlx::query(&format!("SELECT {ROW_COLUMNS} FROM audit_log ORDER BY seq")).fetch_all(db.pool()).await.expect("rows");
    let mut prev = vec![0u8; 32];
    for r in rows {
        let (row, _, stored) = stored_row_of(&r).expect("row");
        if row.seq < from_seq {
            prev = stored;
            continue;
        }
        let link = crate::audit_chain::legacy_link(&prev, &row.canonical_bytes());
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&link)
            .bind(row.seq)
            .execute(db.pool())
            .await
            .expect("relink");
        sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1")
            .bind(row.seq)
            .bind(&link)
            .execute(db.pool())
            .await
            .expect("head");
        prev = link;
    }
}

pub async fn drop_audit_triggers(db: &Db) {
    let stmts: &[&str] = match db.backend() {
        Backend::Sqlite => &["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
        Backend::Postgres => &["DROP TRIGGER audit_log_no_update ON audit_log"],
    };
    for s in stmts {
        sqlx::query(s).execute(db.pool()).await.expect("drop trigger");
    }
}

/// Creates the test application role once per server (tests race to it).
async fn ensure_app_role(owner: &Db) {
    let sql = format!(
        "DO $$ BEGIN CREATE ROLE {TEST_APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    );
    sqlx::query(&sql).execute(owner.pool()).await.expect("create the test app role");
}

/// The same PostgreSQL URL with another user (no password: the test server trusts loopback).
pub fn url_with_user(url: &str, user: &str) -> String {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else { return url.to_owned() };
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    format!("postgres://{user}@{host}")
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// What a core test starts from: a fresh database, its services, and the hand-moved
/// clock those services read.
pub struct World {
    pub t: TestDb,
    pub s: crate::Services,
    pub clock: std::sync::Arc<crate::ManualClock>,
}

impl World {
    /// A fresh world whose clock starts at the real current time.
    pub async fn fresh() -> World {
        World::at(crate::ManualClock::starting_now()).await
    }

    /// A fresh world whose clock starts where `clock` stands.
    pub async fn at(clock: crate::ManualClock) -> World {
        let t = TestDb::fresh().await;
        let clock = std::sync::Arc::new(clock);
        let s = t.services(clock.clone());
        World { t, s, clock }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            // Drop runs outside async; use a short-lived runtime on its own thread.
            // The pool belongs to the test's runtime and is not touched here:
            // WITH (FORCE) ends its connections.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(admin) = Db::connect(&postgres_admin_url()).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(admin.pool()).await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_is_replaced_in_a_postgres_url() {
        assert_eq!(url_with_user("postgres://postgres@127.0.0.1:5432/x", "kura_app"), "postgres://kura_app@127.0.0.1:5432/x");
        assert_eq!(url_with_user("postgresql://127.0.0.1/x", "a"), "postgres://a@127.0.0.1/x");
    }

    #[test]
    fn the_database_name_is_replaced_in_a_postgres_url() {
        assert_eq!(replace_db_name("postgres://postgres@127.0.0.1:5432/test", "x"), "postgres://postgres@127.0.0.1:5432/x");
        assert_eq!(replace_db_name("postgres://u@h/test?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
    }
}
