//! The command line's arguments (clap).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Kura: a multi-tenant people register whose security promises are features.
#[derive(Parser, Debug)]
#[command(name = "kura", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalOpts {
    /// Data directory: the embedded SQLite database and other files.
    #[arg(long, env = "KURA_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// Use PostgreSQL instead of the embedded SQLite (postgres://user@host/db).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// PostgreSQL as the maintenance role (owner of the tables, BYPASSRLS) for
    /// `kura migrate` and `kura keys rotate-master`; `kura serve` never reads it.
    /// Default: DATABASE_URL.
    #[arg(long, env = "KURA_MAINTENANCE_DATABASE_URL", global = true, hide_env_values = true)]
    pub maintenance_database_url: Option<String>,
    /// File holding the master key; KURA_MASTER_KEY (64 hex digits or base64) takes precedence
    /// (default: <data-dir>/master.key, created on first start, mode 0600).
    #[arg(long, env = "KURA_MASTER_KEY_FILE", global = true)]
    pub master_key_file: Option<PathBuf>,
    /// Write logs as JSON lines instead of human-readable text.
    #[arg(long, env = "KURA_LOG_JSON", global = true)]
    pub log_json: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (creates the first operator on first start).
    Serve(Box<ServeOpts>),
    /// Create or upgrade the database schema, then exit.
    Migrate {
        /// PostgreSQL: the role `kura serve` connects as; it is granted row
        /// rights on Kura's tables (and owns none of them).
        #[arg(long, env = "KURA_APP_ROLE", default_value = "kura_app")]
        app_role: String,
    },
    /// Manage operator accounts (the service provider's staff).
    #[command(subcommand)]
    Operator(OperatorCmd),
    /// Manage organisations (tenants).
    #[command(subcommand)]
    Tenant(TenantCmd),
    /// Manage accounts of an organisation.
    #[command(subcommand)]
    User(UserCmd),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Demo data for trying Kura out.
    #[command(subcommand)]
    Demo(DemoCmd),
    /// Manage the master key.
    #[command(subcommand)]
    Keys(KeysCmd),
}

#[derive(Subcommand, Debug)]
pub enum KeysCmd {
    /// Re-wrap every organisation's data key under a new master key, in one
    /// transaction; stop the server first and start it with the new key after.
    /// With the default key file, a new key is generated and put in its place
    /// (the old one is kept as master.key.retired-<id> until you remove it).
    RotateMaster {
        /// The new key's file (created, mode 0600, when it does not exist).
        /// Required when the current key comes from KURA_MASTER_KEY or --master-key-file.
        #[arg(long)]
        new_key_file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum DemoCmd {
    /// Add made-up people (Japanese names, readings, phones, records) to an organisation,
    /// encrypted and indexed exactly like real ones.
    Seed {
        /// The organisation's code.
        #[arg(long)]
        org: String,
        /// How many people to add.
        #[arg(long, default_value_t = 100)]
        people: usize,
    },
}

#[derive(Args, Debug)]
pub struct ServeOpts {
    /// Address and port to listen on.
    #[arg(long, env = "KURA_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// The built site (WASM bundle and CSS); cargo-leptos sets LEPTOS_SITE_ROOT.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// The public origin when behind a proxy, e.g. https://kura.example.jp
    #[arg(long, env = "KURA_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// Mark cookies Secure (with the __Host- prefix) and send HSTS: set when
    /// users reach Kura over HTTPS.
    #[arg(long, env = "KURA_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Minutes without activity after which a session ends.
    #[arg(long, env = "KURA_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u64,
    /// Hours after login after which a session ends regardless of activity.
    #[arg(long, env = "KURA_SESSION_ABSOLUTE_HOURS", default_value_t = 12)]
    pub session_absolute_hours: u64,
    /// A proxy (CIDR or address) whose X-Forwarded-For / Forwarded headers are believed; repeatable.
    /// Without one, the socket peer is always the client address.
    #[arg(long = "trusted-proxy", env = "KURA_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::config::parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header trusted proxies write the client address into; only this one is read.
    #[arg(long, env = "KURA_FORWARDED_HEADER", value_enum, default_value = "x-forwarded-for")]
    pub forwarded_header: crate::web::client::ForwardedHeader,
    /// Serve the operator console on this loopback address only (plain HTTP, trusting no
    /// proxy; reach it through an SSH tunnel). The main listener then has no console.
    #[arg(long, env = "KURA_OPERATOR_BIND")]
    pub operator_bind: Option<SocketAddr>,
    /// Where the operator console answers from (CIDR or address; repeatable). Default: loopback only.
    #[arg(long = "operator-allow", env = "KURA_OPERATOR_ALLOWLIST", value_delimiter = ',', value_parser = crate::config::parse_net)]
    pub operator_allowlist: Vec<ipnet::IpNet>,
    /// Require every organisation to keep a non-empty IP allowlist.
    #[arg(long, env = "KURA_REQUIRE_TENANT_ALLOWLIST")]
    pub require_tenant_allowlist: bool,
    /// Serve HTTPS (TLS 1.2 and 1.3 only) with this certificate chain (PEM); needs --tls-key.
    /// Reloaded when the file changes or on SIGHUP.
    #[arg(long, env = "KURA_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "KURA_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Also listen on this address with plain HTTP that only redirects to HTTPS (e.g. 0.0.0.0:80).
    #[arg(long, env = "KURA_HTTP_REDIRECT")]
    pub http_redirect: Option<SocketAddr>,
    /// Days of system log files kept under <data-dir>/logs (at least 90).
    #[arg(long, env = "KURA_LOG_RETENTION_DAYS", default_value_t = kura::audit_retention::DEFAULT_DAYS)]
    pub log_retention_days: u32,
    /// Days audit events are kept before the retention job removes them (at least 90).
    #[arg(long, env = "KURA_AUDIT_RETENTION_DAYS", default_value_t = kura::audit_retention::DEFAULT_DAYS)]
    pub audit_retention_days: u32,
    /// Alert: failed logins of one account within the login window.
    #[arg(long, env = "KURA_ALERT_ACCOUNT_FAILURES", default_value_t = 10)]
    pub alert_account_failures: i64,
    /// Alert: failed or refused logins from one address within the login window.
    #[arg(long, env = "KURA_ALERT_ADDRESS_FAILURES", default_value_t = 30)]
    pub alert_address_failures: i64,
    /// The login alerts' window in minutes.
    #[arg(long, env = "KURA_ALERT_LOGIN_WINDOW_MINUTES", default_value_t = 10)]
    pub alert_login_window_minutes: u64,
    /// Alert: accounts one organisation admin creates within 24 hours.
    #[arg(long, env = "KURA_ALERT_ACCOUNTS_PER_ADMIN_DAY", default_value_t = 20)]
    pub alert_accounts_per_admin_day: i64,
    /// Alert: rows one person exports within an hour.
    #[arg(long, env = "KURA_ALERT_EXPORT_ROWS_PER_HOUR", default_value_t = 10_000)]
    pub alert_export_rows_per_hour: i64,
    /// Operators' business hours in Japan time; operator actions outside them raise an alert.
    #[arg(long, env = "KURA_BUSINESS_HOURS", default_value = "8-20", value_parser = crate::config::parse_hours)]
    pub business_hours: (u8, u8),
    /// Login name of the operator created on first start.
    #[arg(long, env = "KURA_FIRST_OPERATOR", default_value = "operator")]
    pub first_operator: String,
    /// Threads of the async runtime, and of the page-render pool beside it (default: one per core).
    #[arg(long, env = "KURA_WORKER_THREADS", default_value_t = crate::config::default_worker_threads())]
    pub worker_threads: usize,
}

#[derive(Subcommand, Debug)]
pub enum OperatorCmd {
    /// Create an operator. Prints a temporary password unless --password-stdin.
    Create {
        login: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TenantCmd {
    /// Create an organisation with its code (used at login) and name.
    Create { code: String, name: String },
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create an account in an organisation. Prints a temporary password unless --password-stdin.
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        login: String,
        /// admin, member or viewer.
        #[arg(long)]
        role: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: it cannot log in and its sessions end at once.
    Disable {
        #[arg(long)]
        org: String,
        #[arg(long)]
        login: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        org: String,
        #[arg(long)]
        login: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Walk the hash chain and report the first broken row (exit 1 if any).
    Verify,
    /// Remove audit events older than the retention now (the server also does this every 6 hours).
    Prune {
        /// Days to keep (at least 90).
        #[arg(long, env = "KURA_AUDIT_RETENTION_DAYS", default_value_t = kura::audit_retention::DEFAULT_DAYS)]
        retention_days: u32,
    },
}
