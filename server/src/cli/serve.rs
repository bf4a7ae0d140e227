//! `kura serve`: settings, the first operator's password, the server.

use super::*;

/// The file that holds the first operator's password when no terminal is attached.
pub fn initial_password_file(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("initial-operator-password.txt")
}

pub(super) async fn serve(g: &GlobalOpts, opts: ServeOpts) -> Result<ExitCode, Failure> {
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
