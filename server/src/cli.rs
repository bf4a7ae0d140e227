//! `kura` command line. Every subcommand that changes something is audited
//! as a command-line action; passwords are read from standard input or
//! generated and shown once, never taken as arguments (they would end up in
//! shell history and process lists).

use std::io::{IsTerminal, Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use kura::audit::{self, Action, AuditActor, AuditEvent, ClientInfo, Outcome};
use kura::auth::password::Password;
use kura::provisioning::{self, InitialPassword};
use kura::users::{Role, UserStatus};
use kura::{Services, SystemClock};

use crate::config::Settings;
use crate::startup::{self, StartupError};

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

/// Exit status of a start-up refusal (EX_CONFIG): a configuration that
/// cannot work or breaks a promise. A supervisor must not restart on it
/// (systemd `RestartPreventExitStatus=78`); any other failure may be passing.
pub const EXIT_CONFIG: u8 = 78;

/// Why a command failed, and whether retrying could help.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    /// A refusal of the configuration: exit with [`EXIT_CONFIG`].
    pub config: bool,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure { message, config: false }
    }
}

fn refusal(message: String) -> Failure {
    Failure { message, config: true }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print and succeed; a bad argument is a refusal.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    // Only the server writes log files; one-off commands log to the terminal.
    let (files, threads) = match &cli.command {
        Command::Serve(opts) => match kura::audit_retention::check_days(opts.log_retention_days) {
            Ok(_) => {
                (Some((cli.global.data_dir.join("logs"), usize::try_from(opts.log_retention_days).unwrap_or(400))), opts.worker_threads)
            }
            Err(e) => return fail(refusal(e.replace("audit retention", "log retention"))),
        },
        _ => (None, crate::config::default_worker_threads()),
    };
    if !(1..=crate::config::MAX_WORKER_THREADS).contains(&threads) {
        return fail(refusal(format!("--worker-threads must be between 1 and {} (got {threads})", crate::config::MAX_WORKER_THREADS)));
    }
    let _log_guard = match crate::telemetry::init(cli.global.log_json, files.as_ref().map(|(d, n)| (d.as_path(), *n))) {
        Ok(g) => g,
        Err(e) => return fail(refusal(e)),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the runtime: {e}").into()),
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(failure) => fail(failure),
    };
    // Blocking work (password hashing) gets a moment to finish, not forever.
    runtime.shutdown_timeout(Duration::from_secs(5));
    code
}

fn fail(failure: Failure) -> ExitCode {
    eprintln!("kura: error: {}", failure.message);
    if failure.config {
        ExitCode::from(EXIT_CONFIG)
    } else {
        ExitCode::FAILURE
    }
}

fn settings_from(global: &GlobalOpts) -> Settings {
    let mut s = Settings::for_data_dir(global.data_dir.clone());
    s.database_url = global.database_url.clone().filter(|u| !u.trim().is_empty());
    s.maintenance_database_url = global.maintenance_database_url.clone().filter(|u| !u.trim().is_empty());
    // KURA_MASTER_KEY is read from the environment only: an argument would show in process lists.
    let from_env = std::env::var("KURA_MASTER_KEY").ok().filter(|t| !t.trim().is_empty());
    s.master_key = match (from_env, &global.master_key_file) {
        (Some(text), _) => crate::config::MasterKeySource::Text(text),
        (_, Some(path)) => crate::config::MasterKeySource::File(path.clone()),
        _ => crate::config::MasterKeySource::Default,
    };
    s
}

/// One line: the error and its causes.
fn one_line(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = c.source();
    }
    out.replace('\n', " ")
}

async fn services(global: &GlobalOpts) -> Result<Services, String> {
    startup::open_services(&settings_from(global), Arc::new(SystemClock)).await.map_err(|e| one_line(&e))
}

/// The services as the maintenance role, for work that re-writes every
/// organisation's rows (re-keying).
async fn maintenance_services(global: &GlobalOpts) -> Result<Services, String> {
    let mut settings = settings_from(global);
    if let Some(url) = settings.maintenance_database_url.take() {
        settings.database_url = Some(url);
    }
    startup::open_services(&settings, Arc::new(SystemClock)).await.map_err(|e| one_line(&e))
}

fn core_err(e: kura::CoreError) -> String {
    use kura::CoreError as E;
    match e {
        E::WeakPassword(p) => format!("password refused ({p:?}): use 12 to 128 characters that are not a common password"),
        E::Invalid { field: "user", problem: "last_admin" } => {
            String::from("this is the organisation's last active admin: make another account admin first")
        }
        E::Invalid { field, problem } => format!("invalid {field} ({problem})"),
        E::Conflict(what) => what.to_owned(),
        E::NotFound => String::from("no such organisation or account"),
        other => one_line(&other),
    }
}

fn read_password_stdin() -> Result<Password, String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(|e| format!("cannot read the password: {e}"))?;
    let s = s.strip_suffix('\n').map(|s| s.strip_suffix('\r').unwrap_or(s)).unwrap_or(&s).to_owned();
    Ok(Password::new(s))
}

fn initial_password(from_stdin: bool) -> Result<InitialPassword, String> {
    Ok(if from_stdin { InitialPassword::Chosen(read_password_stdin()?) } else { InitialPassword::Temporary })
}

fn print_temporary(password: &Option<Password>) {
    if let Some(p) = password {
        println!("temporary password (shown once; it must be changed at first login): {}", p.expose());
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let g = &cli.global;
    let by = AuditActor::cli();
    let client = ClientInfo::cli();
    match cli.command {
        Command::Serve(opts) => serve(g, *opts).await,
        Command::Migrate { app_role } => Ok(migrate(g, &app_role).await?),
        Command::Operator(OperatorCmd::Create { login, password_stdin }) => {
            let s = services(g).await?;
            let created =
                provisioning::create_operator(&s, &by, &login, initial_password(password_stdin)?, &client).await.map_err(core_err)?;
            println!("operator {login} created");
            print_temporary(&created.temporary_password);
            Ok(ExitCode::SUCCESS)
        }
        Command::Tenant(TenantCmd::Create { code, name }) => {
            let s = services(g).await?;
            let t = provisioning::create_tenant(&s, &by, &code, &name, &client).await.map_err(core_err)?;
            println!("organisation {} created", t.code.as_str());
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCmd::Create { org, login, role, password_stdin }) => {
            let role = Role::parse_tenant_role(&role).map_err(|_| String::from("--role must be admin, member or viewer"))?;
            let initial = initial_password(password_stdin)?;
            let s = services(g).await?;
            let created = provisioning::create_user(&s, &by, &org, &login, role, initial, &client).await.map_err(core_err)?;
            println!("account {login} created in {org} as {}", role.as_str());
            print_temporary(&created.temporary_password);
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(KeysCmd::RotateMaster { new_key_file }) => Ok(rotate_master(g, new_key_file).await?),
        Command::Demo(DemoCmd::Seed { org, people }) => {
            let s = services(g).await?;
            let bar = indicatif::ProgressBar::new(people as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} people  {per_sec}  ETA {eta}").map_err(|e| e.to_string())?,
            );
            let started = std::time::Instant::now();
            let added = kura::people::demo::seed(&s, &by, &org, people, &mut |n| bar.set_position(n as u64)).await.map_err(core_err)?;
            bar.finish_and_clear();
            println!("{added} demo people added to {org} in {:.1} s", started.elapsed().as_secs_f64());
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCmd::Disable { org, login }) => Ok(set_status(g, &org, &login, UserStatus::Disabled).await?),
        Command::User(UserCmd::Enable { org, login }) => Ok(set_status(g, &org, &login, UserStatus::Active).await?),
        Command::Audit(AuditCmd::Prune { retention_days }) => {
            let retention = kura::audit_retention::check_days(retention_days)?;
            let s = services(g).await?;
            let removed = kura::audit_retention::remove_expired(&s, retention).await.map_err(core_err)?;
            println!("{removed} audit events older than {retention_days} days removed; the chain's anchor moved with them");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCmd::Verify) => {
            let s = services(g).await?;
            // The heads the server wrote to the system log: rows cut off the end show against them.
            let witnessed = crate::telemetry::witnessed_heads(&settings_from(g).data_dir.join("logs"));
            let report = audit::verify_against(&s.db, &witnessed).await.map_err(core_err)?;
            let outcome = if report.is_intact() { Outcome::Success } else { Outcome::Failure };
            let ev = AuditEvent::new(by, Action::AuditVerified, outcome).from_client(&client).detail(serde_json::json!({
                "rows_checked": report.rows_checked,
                "first_break_seq": report.first_break.as_ref().map(|b| b.seq),
                "logged_heads_checked": witnessed.len(),
            }));
            match &report.first_break {
                None => {
                    audit::record(&s.db, s.clock.now(), &ev).await.map_err(core_err)?;
                    println!(
                        "audit log intact: {} rows verified (and {} heads recorded in the system log)",
                        report.rows_checked,
                        witnessed.len()
                    );
                    if witnessed.is_empty() {
                        println!(
                            "note: no audit chain heads found in the system log ({}): rows cut off the end cannot be seen without them",
                            settings_from(g).data_dir.join("logs").display()
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    // Recording the failure must not extend a broken chain silently:
                    // it is appended after the report is printed.
                    println!("audit log BROKEN at row {} ({:?}); {} rows before it verified", b.seq, b.kind, report.rows_checked);
                    let _ = audit::record(&s.db, s.clock.now(), &ev).await;
                    // The operators see it on their dashboard, not only here.
                    if let Err(e) = kura::alerts::check_chain(&s, &witnessed).await {
                        eprintln!("kura: could not raise the alert: {}", one_line(&e));
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// Schema migrations, then the one-time data steps an upgrade may need, each
/// said aloud: re-keying an audit chain written before keys (refused when the
/// system log shows the chain was keyed before), and re-sealing people data
/// written before values were bound to their person and version.
async fn migrate(g: &GlobalOpts, app_role: &str) -> Result<ExitCode, String> {
    let settings = settings_from(g);
    let (s, granted, applied) =
        startup::open_services_for_migration(&settings, Arc::new(SystemClock), app_role).await.map_err(|e| one_line(&e))?;
    if !granted {
        println!("note: there is no PostgreSQL role {app_role} yet: create it (docs/OPERATIONS.md, \"PostgreSQL roles\") and run `kura migrate` again");
    }
    let witnessed = crate::telemetry::witnessed_heads(&settings.data_dir.join("logs"));
    match kura::audit_chain::rekey_unkeyed(&s.db, s.clock.now(), witnessed.len()).await.map_err(core_err)? {
        None => {}
        Some(r) => {
            println!("audit chain re-keyed: {} events linked under the new chain key", r.rows);
            if let Some(seq) = r.unkeyed_first_break {
                println!("WARNING: the chain was already broken at event {seq} before re-keying; this is recorded in audit.chain_rekeyed");
            }
        }
    }
    kura::audit_chain::ensure(&s.db, s.clock.now()).await.map_err(|e| e.to_string())?;
    if kura::people::upgrade::pending(&s).await.map_err(core_err)? {
        let report = audit::verify_against(&s.db, &witnessed).await.map_err(core_err)?;
        if let Some(b) = report.first_break {
            return Err(format!("the audit chain is broken at event {} ({:?}): people data is not re-sealed over it", b.seq, b.kind));
        }
        let done = kura::people::upgrade::upgrade_sealed_fields(&s).await.map_err(core_err)?;
        println!(
            "people data re-sealed: {} people, {} records ({} could not be opened and were left as they are)",
            done.people, done.records, done.failed
        );
    }
    // Each run of the maintenance connection is on the record.
    let ev = AuditEvent::new(AuditActor::cli(), Action::SchemaMigrated, Outcome::Success).from_client(&ClientInfo::cli()).detail(
        serde_json::json!({ "backend": format!("{:?}", s.db.backend()), "migrations_applied": applied, "app_role_granted": granted }),
    );
    audit::record(&s.db, s.clock.now(), &ev).await.map_err(core_err)?;
    println!("database is up to date");
    Ok(ExitCode::SUCCESS)
}

async fn rotate_master(g: &GlobalOpts, new_key_file: Option<PathBuf>) -> Result<ExitCode, String> {
    use kura::keys::MasterKey;
    let settings = settings_from(g);
    let s = maintenance_services(g).await?;
    let default_file = g.data_dir.join("master.key");
    let uses_default = matches!(settings.master_key, crate::config::MasterKeySource::Default);
    let (new_path, in_place) = match (new_key_file, uses_default) {
        (Some(p), _) => (p, false),
        (None, true) => (g.data_dir.join("master.key.new"), true),
        (None, false) => return Err("--new-key-file is required when the key comes from KURA_MASTER_KEY or --master-key-file".into()),
    };
    let (new, _) = MasterKey::load_or_create_file(&new_path).map_err(|e| e.to_string())?;
    let old_id = s.keys.id().to_owned();
    let n = kura::keys::rotate_master(&s.db, &s.keys, &new, &AuditActor::cli(), s.clock.now()).await.map_err(core_err)?;
    println!("{n} organisation keys re-wrapped from master key {old_id} to {}", new.id());
    if in_place {
        let retired = g.data_dir.join(format!("master.key.retired-{old_id}"));
        std::fs::rename(&default_file, &retired).map_err(|e| format!("cannot move the old key aside: {e}"))?;
        std::fs::rename(&new_path, &default_file).map_err(|e| format!("cannot put the new key in place: {e}"))?;
        println!(
            "{} now holds the new key; the old one is {} — delete it once no backup needs it",
            default_file.display(),
            retired.display()
        );
    } else {
        println!(
            "start Kura with --master-key-file {} (or its contents in KURA_MASTER_KEY); the old key is no longer used",
            new_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn set_status(g: &GlobalOpts, org: &str, login: &str, status: UserStatus) -> Result<ExitCode, String> {
    let s = services(g).await?;
    provisioning::set_user_status(&s, &AuditActor::cli(), org, login, status, &ClientInfo::cli()).await.map_err(core_err)?;
    println!("account {login} in {org} is now {}", status.as_str());
    Ok(ExitCode::SUCCESS)
}

/// The file that holds the first operator's password when no terminal is attached.
pub fn initial_password_file(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("initial-operator-password.txt")
}

async fn serve(g: &GlobalOpts, opts: ServeOpts) -> Result<ExitCode, Failure> {
    let mut settings = settings_from(g);
    // The maintenance role's credentials are never the server's.
    settings.maintenance_database_url = None;
    settings.bind = opts.bind;
    settings.site_root = opts.site_root;
    settings.public_origin = opts.public_origin;
    settings.secure_cookies = opts.secure_cookies;
    settings.trusted_proxies = opts.trusted_proxies;
    settings.forwarded_header = opts.forwarded_header;
    settings.operator_bind = opts.operator_bind;
    if !opts.operator_allowlist.is_empty() {
        settings.operator_allowlist = opts.operator_allowlist;
    }
    settings.require_tenant_allowlist = opts.require_tenant_allowlist;
    settings.tls = match (opts.tls_cert, opts.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::TlsFiles { cert, key, check_every: Duration::from_secs(10) }),
        _ => None,
    };
    settings.http_redirect = opts.http_redirect;
    settings.audit_retention_days = opts.audit_retention_days;
    settings.alert_rules = kura::alerts::AlertRules {
        account_failures: opts.alert_account_failures,
        address_failures: opts.alert_address_failures,
        login_window: Duration::from_secs(opts.alert_login_window_minutes.max(1) * 60),
        accounts_per_admin_day: opts.alert_accounts_per_admin_day,
        export_rows_per_hour: opts.alert_export_rows_per_hour,
        business_hours: opts.business_hours,
    };
    settings.auth.idle_timeout = Duration::from_secs(opts.session_idle_minutes * 60);
    settings.auth.absolute_timeout = Duration::from_secs(opts.session_absolute_hours * 3600);
    settings.worker_threads = opts.worker_threads;
    let data_dir = settings.data_dir.clone();
    let app = startup::build(settings, Arc::new(SystemClock))
        .await
        .map_err(|e: StartupError| Failure { message: one_line(&e), config: e.is_config() })?;
    let addr = app.local_addr();
    let scheme = if app.settings.tls.is_some() { "https" } else { "http" };
    let console = match app.operator_addr() {
        Some(op) => format!("http://{op}/ops/login"),
        None => format!("{scheme}://{addr}/ops/login"),
    };

    let password_file = initial_password_file(&data_dir);
    match provisioning::ensure_first_operator(&app.services, &opts.first_operator).await.map_err(core_err)? {
        Some(created) => announce_first_operator(&opts.first_operator, created.temporary_password, &password_file, &console)?,
        None => {
            // The first operator has changed the password (or others exist): the file is no longer needed.
            if password_file.exists() {
                remove_if_changed(&app.services, &opts.first_operator, &password_file).await;
            }
        }
    }
    tracing::info!(%addr, "Kura is listening");
    println!("Kura is running at {scheme}://{addr}/  (operator console: {console})");
    // Signals and the watchdog live on plain threads: a stalled runtime can
    // neither see a signal nor notice that it is stalled.
    let shutdown = crate::runtime::signals(crate::runtime::SHUTDOWN_DEADLINE).map_err(|e| format!("cannot handle signals: {e}"))?;
    crate::runtime::watchdog(app.heartbeats.clone(), crate::runtime::STALL_LIMIT);
    app.run_until(crate::runtime::until_shutdown(shutdown)).await.map_err(|e| format!("server stopped: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// Shows the first operator's one-time password on the terminal only. Without
/// a terminal it goes to an owner-only file in the data directory, never to a log.
fn announce_first_operator(login: &str, password: Option<Password>, file: &std::path::Path, console: &str) -> Result<(), String> {
    let Some(password) = password else { return Ok(()) };
    if std::io::stderr().is_terminal() {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "\n  First start: an operator account was created.\n  Log in at {console}\n    user ID:  {login}\n    password: {}\n  This one-time password is shown only now; you will be asked to change it.\n",
            password.expose()
        );
    } else {
        write_owner_only(file, password.expose()).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        eprintln!(
            "kura: first start: operator '{login}' created; its one-time password is in {} (owner-only). Log in at {console}",
            file.display()
        );
    }
    Ok(())
}

fn write_owner_only(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())?;
    f.write_all(b"\n")
}

async fn remove_if_changed(s: &Services, login: &str, file: &std::path::Path) {
    let Ok(name) = kura::users::LoginName::parse(login) else { return };
    let changed = kura::users::operator_must_change_password(&s.db, &name).await;
    if matches!(changed, Ok(Some(false))) {
        let _ = std::fs::remove_file(file);
    }
}
