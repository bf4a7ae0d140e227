//! The database: one pool over SQLite (embedded default) or PostgreSQL.
//!
//! Queries are written once in portable SQL with `$1` placeholders (both
//! drivers accept them) against the `sqlx::Any` driver. The only
//! backend-specific code is here: connection set-up, the migrations tree and
//! how a write transaction begins (plus the audit append's one-statement form
//! on PostgreSQL, see `audit::append`).

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Transaction};

use crate::error::CoreResult;
use crate::ids::TenantId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// The backend a connection talks to, for the one statement that differs
    /// (the audit append's single-statement form on PostgreSQL).
    pub fn of(conn: &sqlx::AnyConnection) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbOpenError {
    #[error("DATABASE_URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// The master key (once known) and the audit chain's key, shared by
    /// every clone of this handle.
    chain: Arc<crate::audit_chain::ChainKeys>,
}

impl Db {
    /// Opens a pool. SQLite files are created when missing and run in WAL mode.
    pub async fn connect(url: &str) -> Result<Db, DbOpenError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or(DbOpenError::UnsupportedUrl)?;
        let options = AnyConnectOptions::from_str(url)
            .map_err(DbOpenError::Connect)?
            // Statements are logged at debug level only; they never carry values.
            .log_statements(tracing::log::LevelFilter::Debug)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            // A 32 MB page cache per connection (default 2 MB): the people
                            // register's random-keyed indexes otherwise thrash it.
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -32768;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(DbOpenError::Connect)?;
        Ok(Db { pool, backend, chain: Arc::default() })
    }

    /// The embedded default: `<data_dir>/kura.db`.
    pub fn sqlite_url_for(data_dir: &Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("kura.db").display())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies pending migrations of this backend's tree.
    pub async fn migrate(&self) -> CoreResult<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// How many of this backend's migrations the database has not applied.
    pub async fn pending_migrations(&self) -> CoreResult<usize> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied: Vec<i64> = match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(&self.pool).await {
            Ok(v) => v,
            // No migrations table: nothing was ever applied.
            Err(sqlx::Error::Database(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        Ok(migrator.iter().filter(|m| m.migration_type.is_up_migration() && !applied.contains(&m.version)).count())
    }

    /// PostgreSQL: gives the application role (the one `kura serve` connects
    /// as) the rights to read and write rows, and nothing more: it owns no
    /// table, so it can neither alter nor drop one nor turn row-level security
    /// off. Returns false when the role does not exist (yet).
    pub async fn grant_app_role(&self, role: &str) -> CoreResult<bool> {
        if self.backend != Backend::Postgres {
            return Ok(true);
        }
        if !is_plain_identifier(role) {
            return Err(crate::error::CoreError::Invalid { field: "app_role", problem: "must be lower-case letters, digits and _" });
        }
        let exists = sqlx::query("SELECT 1 FROM pg_roles WHERE rolname = $1").bind(role).fetch_optional(&self.pool).await?.is_some();
        if !exists {
            return Ok(false);
        }
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(&self.pool).await?;
        let mut tx = self.pool.begin().await?;
        for stmt in [
            format!("GRANT USAGE ON SCHEMA \"{schema}\" TO {role}"),
            format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"{schema}\" TO {role}"),
            format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA \"{schema}\" TO {role}"),
            format!("REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations FROM {role}"),
            // One-time steps and key re-wrapping are `kura migrate`'s and
            // `kura keys rotate-master`'s (the owner's), never the server's.
            format!("REVOKE INSERT, UPDATE, DELETE ON audit_rekey_gate, sealed_fields_upgrade FROM {role}"),
            format!("REVOKE UPDATE, DELETE ON audit_chain_key FROM {role}"),
        ] {
            sqlx::query(&stmt).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// PostgreSQL: why the connected role must not serve requests, if it must
    /// not: a superuser or a role with BYPASSRLS passes row-level security, and
    /// a table's owner can switch it off. `kura serve` refuses to start then.
    pub async fn serving_role_problem(&self) -> CoreResult<Option<String>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        // Roles count with every role they are a member of (SET ROLE is one statement away).
        let row = sqlx::query(
            "SELECT current_user::text AS name, \
             EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolsuper AND pg_has_role(current_user, r.oid, 'MEMBER')) AS superuser, \
             EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolbypassrls AND pg_has_role(current_user, r.oid, 'MEMBER')) AS bypass, \
             EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema() \
                     AND pg_has_role(current_user, t.tableowner, 'MEMBER')) AS owns_tables, \
             EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = current_schema() \
                     AND pg_has_role(current_user, n.nspowner, 'MEMBER')) AS owns_schema, \
             COALESCE(current_setting('kura.reach', true), '') <> '' \
               OR COALESCE(current_setting('kura.tenant_id', true), '') <> '' AS preset",
        )
        .fetch_one(&self.pool)
        .await?;
        use sqlx::Row;
        let name: String = row.try_get("name")?;
        let why = if row.try_get::<bool, _>("superuser")? {
            "is (or is a member of) a superuser"
        } else if row.try_get::<bool, _>("bypass")? {
            "is (or is a member of) a role with BYPASSRLS"
        } else if row.try_get::<bool, _>("owns_tables")? {
            "owns (or is a member of the owner of) Kura's tables"
        } else if row.try_get::<bool, _>("owns_schema")? {
            "owns (or is a member of the owner of) Kura's schema"
        } else if row.try_get::<bool, _>("preset")? {
            // ALTER ROLE/DATABASE .. SET kura.reach, or options in the URL: every
            // query outside a transaction would carry it.
            "starts its connections with a kura.* setting already set"
        } else {
            return Ok(None);
        };
        Ok(Some(format!(
            "the database role {name} {why}, so row-level security would not hold: serve as the application role \
             (docs/OPERATIONS.md, \"PostgreSQL roles\"); migrations and backups use the maintenance role"
        )))
    }

    /// Gives the audit chain the master key its key is wrapped under
    /// (`Services::new` does; the command line and tests through it).
    pub fn attach_master_key(&self, master: Arc<crate::keys::MasterKey>) {
        self.chain.attach(master);
    }

    /// The same pool with nothing of the chain cached: another process, as
    /// far as the audit chain's key is concerned (tests of first appends).
    #[cfg(test)]
    pub(crate) fn reopen_for_test(&self) -> Db {
        let chain = crate::audit_chain::ChainKeys::default();
        if let Some(master) = self.chain.master_for_test() {
            chain.attach(master);
        }
        Db { pool: self.pool.clone(), backend: self.backend, chain: Arc::new(chain) }
    }

    pub(crate) fn chain_keys(&self) -> &Arc<crate::audit_chain::ChainKeys> {
        &self.chain
    }

    /// Begins a transaction that will write rows within `reach`. On SQLite it
    /// takes the write lock up front (`BEGIN IMMEDIATE`), so a read-then-write
    /// transaction cannot fail half-way with a busy snapshot when another
    /// writer commits first.
    pub async fn begin_write_in(&self, reach: Reach) -> CoreResult<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Tx::within(tx, reach, self.chain.clone()).await
    }

    /// Begins a transaction that only reads rows within `reach`.
    pub async fn read_in(&self, reach: Reach) -> CoreResult<Tx> {
        let tx = self.pool.begin().await?;
        Tx::within(tx, reach, self.chain.clone()).await
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> CoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A role name safe to splice into GRANT (which takes no parameters).
fn is_plain_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.as_bytes()[0].is_ascii_digit()
}

/// Booleans are stored as 0/1 integers on both backends, so one decoding works.
pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// Which rows of the tenant tables (tables with a `tenant_id` column) a
/// transaction may touch. On PostgreSQL it is set transaction-locally
/// (`set_config(.., true)`) and enforced by row-level security, so a query
/// that forgets its tenant filter still sees only these rows; SQLite has no
/// such wall and relies on the repositories binding the tenant themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// No tenant rows at all: sessions, throttles, the tenants list.
    Nothing,
    /// One organisation's rows.
    Tenant(TenantId),
    /// The installation's own rows (`tenant_id` NULL): operators' accounts,
    /// installation-wide audit events and alerts.
    Installation,
    /// Every row of every organisation: cross-tenant work of operators (the
    /// audit log, alerts and reports across organisations) and of jobs
    /// (retention, alert rules, audit verification, one-time upgrades). Only
    /// built by `Reach::all_tenants`, which names who asks and why.
    AllTenants(AllTenantsUse),
}

/// Who spans every organisation, and why: written into the transaction's
/// settings (`kura.reach_by`), so the database's own statement log and
/// `pg_stat_activity` name it too. Built only inside the core: for an
/// operator (checked here) or a named job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllTenantsUse(By);

#[derive(Clone, Debug, PartialEq, Eq)]
enum By {
    /// An operator's console view or export across organisations.
    Operator(crate::ids::UserId),
    /// A background job or a command-line maintenance step, by name.
    Job(&'static str),
}

impl AllTenantsUse {
    /// An operator's cross-organisation work; anyone else is `Forbidden`.
    pub(crate) fn operator(actor: &crate::auth::Actor) -> crate::error::CoreResult<AllTenantsUse> {
        if !actor.is_operator() {
            return Err(crate::error::CoreError::Forbidden);
        }
        Ok(AllTenantsUse(By::Operator(actor.user_id.clone())))
    }

    /// A job or maintenance step of the core itself.
    pub(crate) fn job(name: &'static str) -> AllTenantsUse {
        AllTenantsUse(By::Job(name))
    }

    /// For tests and benchmarks outside the core that must see every row.
    #[cfg(any(test, feature = "testing"))]
    pub fn for_tests() -> AllTenantsUse {
        AllTenantsUse(By::Job("test"))
    }
}

impl Reach {
    pub fn all_tenants(by: AllTenantsUse) -> Reach {
        Reach::AllTenants(by)
    }

    /// The reach of a row belonging to `tenant` (or to the installation).
    pub fn of_row(tenant: Option<&TenantId>) -> Reach {
        tenant.map_or(Reach::Installation, |t| Reach::Tenant(t.clone()))
    }

    /// The values of `kura.reach`, `kura.tenant_id` and `kura.reach_by`.
    fn settings(&self) -> (&'static str, String, String) {
        match self {
            Reach::Nothing => ("nothing", String::new(), String::new()),
            Reach::Tenant(t) => ("tenant", t.as_str().to_owned(), String::new()),
            Reach::Installation => ("installation", String::new(), String::new()),
            Reach::AllTenants(AllTenantsUse(By::Operator(u))) => ("all", String::new(), format!("operator:{u}")),
            Reach::AllTenants(AllTenantsUse(By::Job(name))) => ("all", String::new(), format!("job:{name}")),
        }
    }
}

/// A transaction within a `Reach`. It is a connection (`&mut *tx`) for
/// queries; it carries its reach (repositories bind the tenant from it, never
/// from an argument) and what appending to the audit log needs (the chain's
/// key), so the audit row of a change is written in the change's own
/// transaction.
pub struct Tx {
    tx: Transaction<'static, Any>,
    reach: Reach,
    chain: Arc<crate::audit_chain::ChainKeys>,
}

/// The name the write paths use.
pub type WriteTx = Tx;

impl Tx {
    async fn within(mut tx: Transaction<'static, Any>, reach: Reach, chain: Arc<crate::audit_chain::ChainKeys>) -> CoreResult<Tx> {
        if Backend::of(&tx) == Backend::Postgres {
            let (kind, tenant, by) = reach.settings();
            sqlx::query(
                "SELECT set_config('kura.reach', $1, true), set_config('kura.tenant_id', $2, true), \
                 set_config('kura.reach_by', $3, true)",
            )
            .bind(kind)
            .bind(tenant)
            .bind(by)
            .execute(&mut *tx)
            .await?;
        }
        Ok(Tx { tx, reach, chain })
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }

    pub fn reach(&self) -> &Reach {
        &self.reach
    }

    /// The organisation this transaction is scoped to; anything else is
    /// `Forbidden` (a repository of tenant rows asked outside a tenant scope).
    pub fn tenant(&self) -> CoreResult<&TenantId> {
        match &self.reach {
            Reach::Tenant(t) => Ok(t),
            _ => Err(crate::error::CoreError::Forbidden),
        }
    }

    pub(crate) fn chain_keys(&self) -> Arc<crate::audit_chain::ChainKeys> {
        self.chain.clone()
    }

    /// For queries written `($n = '' OR tenant_id = $n)`: empty in an
    /// all-tenants reach, the organisation in a tenant reach, else `Forbidden`.
    pub(crate) fn tenant_filter(&self) -> CoreResult<String> {
        match &self.reach {
            Reach::AllTenants(_) => Ok(String::new()),
            _ => Ok(self.tenant()?.as_str().to_owned()),
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}
