//! `kura` command line. Every subcommand that changes something is audited
//! as a command-line action; passwords are read from standard input or
//! generated and shown once, never taken as arguments (they would end up in
//! shell history and process lists).

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use kura::audit::{self, Action, AuditActor, AuditEvent, ClientInfo, Outcome};
use kura::auth::password::Password;
use kura::provisioning::{self, InitialPassword};
use kura::users::{Role, UserStatus};
use kura::{Services, SystemClock};

use crate::config::Settings;
use crate::startup::{self, StartupError};

mod args;
mod maintenance;
mod serve;

pub use args::*;
use maintenance::{migrate, rotate_master};
pub use serve::initial_password_file;
use serve::serve;

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

async fn set_status(g: &GlobalOpts, org: &str, login: &str, status: UserStatus) -> Result<ExitCode, String> {
    let s = services(g).await?;
    provisioning::set_user_status(&s, &AuditActor::cli(), org, login, status, &ClientInfo::cli()).await.map_err(core_err)?;
    println!("account {login} in {org} is now {}", status.as_str());
    Ok(ExitCode::SUCCESS)
}
