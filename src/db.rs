//! The database: one pool over SQLite (embedded default) or PostgreSQL.
//!
//! Queries are written once in portable SQL with `$1` placeholders (both
//! drivers accept them) against the `sqlx::Any` driver. The only
//! backend-specific code is here: connection set-up, the migrations tree and
//! how a write transaction begins (plus the audit append's one-statement form
//! on PostgreSQL, see `audit::append`).

use std::path::Path;
use std::sync::Arc;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Transaction};

use crate::error::CoreResult;

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
        if conn.backend_name().eq_ignore_ascii_case("postgresql") { Backend::Postgres } else { Backend::Sqlite }
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

    /// Begins a transaction that will write. On SQLite it takes the write lock
    /// up front (`BEGIN IMMEDIATE`), so a read-then-write transaction cannot
    /// fail half-way with a busy snapshot when another writer commits first.
    pub async fn begin_write(&self) -> CoreResult<WriteTx> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, chain: self.chain.clone() })
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

/// Booleans are stored as 0/1 integers on both backends, so one decoding works.
pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// A write transaction. It is a connection (`&mut *tx`) for queries, and it
/// carries what appending to the audit log needs (the chain's key), so the
/// audit row of a change is written in the change's own transaction.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    chain: Arc<crate::audit_chain::ChainKeys>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }

    pub(crate) fn chain_keys(&self) -> Arc<crate::audit_chain::ChainKeys> {
        self.chain.clone()
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}
