//! The `kura` binary as an operator uses it: first start, configuration
//! errors, `audit verify`, and logs that never contain a password or hash.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use kura::testing::{drop_audit_triggers, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_kura");

fn kura(data_dir: &Path, db: &TestDb) -> Command {
    let mut c = Command::new(BIN);
    // As in production: everyday commands and `serve` as the application
    // role, `migrate` and key rotation as the maintenance role (the owner).
    c.env("KURA_DATA_DIR", data_dir).env("DATABASE_URL", &db.app_url).env("KURA_MAINTENANCE_DATABASE_URL", &db.url).env_remove("KURA_LOG");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn help_explains_every_command() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "migrate", "operator", "tenant", "user", "audit", "keys", "demo"] {
        assert!(text.contains(cmd), "{cmd} missing from:\n{text}");
    }
}

#[test]
fn an_audit_retention_below_90_days_is_refused_at_startup_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--audit-retention-days", "30"])
        .env("KURA_DATA_DIR", dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78), "a refusal exits with EX_CONFIG");
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("kura: error: audit retention must be at least 90 days"), "{err}");
    assert_eq!(err.lines().filter(|l| l.starts_with("kura: error")).count(), 1, "{err}");
    let out = Command::new(BIN).args(["audit", "prune", "--retention-days", "89"]).env("KURA_DATA_DIR", dir.path()).output().unwrap();
    assert!(!out.status.success());
}

/// A supervisor must not restart a refused configuration in a loop
/// (systemd `RestartPreventExitStatus=78`); a passing failure exits 1.
#[test]
fn refused_configurations_exit_78_and_nothing_else_does() {
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("not-a-certificate.pem");
    std::fs::write(&not_pem, b"this is not PEM").unwrap();
    let serve = |args: &[&str]| {
        Command::new(BIN).arg("serve").args(args).env("KURA_DATA_DIR", dir.path()).env_remove("DATABASE_URL").output().unwrap()
    };
    for args in [
        &["--no-such-flag"][..],
        &["--worker-threads", "0"],
        &["--log-retention-days", "10"],
        &["--bind", "127.0.0.1:0", "--session-idle-minutes", "0"],
        &["--bind", "127.0.0.1:0", "--tls-cert", not_pem.to_str().unwrap(), "--tls-key", not_pem.to_str().unwrap()],
        &["--bind", "192.0.2.1:0"],
        // The nginx set-up with the default (loopback) operator allowlist: the proxy would pass as an operator.
        &["--bind", "127.0.0.1:0", "--trusted-proxy", "127.0.0.1"],
        &["--bind", "127.0.0.1:0", "--trusted-proxy", "10.0.0.0/8", "--operator-allow", "10.1.2.3"],
        &["--bind", "127.0.0.1:0", "--operator-bind", "0.0.0.0:0"],
        &["--bind", "127.0.0.1:0", "--forwarded-header", "x-real-ip"],
    ] {
        let out = serve(args);
        assert_eq!(out.status.code(), Some(78), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let help = Command::new(BIN).args(["serve", "--help"]).output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--worker-threads"));
    // A port already taken may be free on the next try, a certificate not
    // there yet may arrive: not refusals.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let out = serve(&["--bind", &taken.local_addr().unwrap().to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let out = serve(&["--bind", "127.0.0.1:0", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_bad_database_url_exits_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN).args(["migrate"]).env("KURA_DATA_DIR", dir.path()).env("DATABASE_URL", "mysql://nope").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("kura: error: DATABASE_URL"), "{err}");
}

#[test]
fn an_unusable_data_directory_exits_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let out = Command::new(BIN).args(["migrate"]).env("KURA_DATA_DIR", &file).env_remove("DATABASE_URL").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot use the data directory"), "{err}");
}

#[tokio::test]
async fn a_port_in_use_exits_with_one_line() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = kura(dir.path(), &db).args(["serve", "--bind", &addr]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot listen on"), "{err}");
}

#[tokio::test]
async fn the_command_line_refuses_to_disable_an_organisations_last_admin_as_the_console_does() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    assert!(kura(dir.path(), &db).args(["tenant", "create", "acme", "Acme"]).status().unwrap().success());
    assert!(kura(dir.path(), &db)
        .args(["user", "create", "--org", "acme", "--login", "boss", "--role", "admin"])
        .output()
        .unwrap()
        .status
        .success());
    let out = kura(dir.path(), &db).args(["user", "disable", "--org", "acme", "--login", "boss"]).output().unwrap();
    assert!(!out.status.success(), "the last admin was disabled: {}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("last active admin"), "{err}");
    let status: String = sqlx::query_scalar("SELECT status FROM users WHERE login = 'boss'").fetch_one(db.db.pool()).await.unwrap();
    assert_eq!(status, "active");
    // With a second admin, the first one may go; the change is audited as the console's is.
    assert!(kura(dir.path(), &db)
        .args(["user", "create", "--org", "acme", "--login", "deputy", "--role", "admin"])
        .output()
        .unwrap()
        .status
        .success());
    let out = kura(dir.path(), &db).args(["user", "disable", "--org", "acme", "--login", "boss"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let label: String =
        sqlx::query_scalar("SELECT actor_label FROM audit_log WHERE action = 'user.disabled'").fetch_one(db.db.pool()).await.unwrap();
    assert!(label.starts_with("cli:"), "{label}");
    // An unknown organisation or account changes nothing and says so.
    let out = kura(dir.path(), &db).args(["user", "disable", "--org", "nope", "--login", "boss"]).output().unwrap();
    assert!(!out.status.success());
}

#[tokio::test]
async fn serve_refuses_a_postgresql_role_that_row_level_security_does_not_bind() {
    let db = TestDb::fresh().await;
    if db.db.backend() != kura::Backend::Postgres {
        return; // SQLite has no roles.
    }
    let dir = tempfile::tempdir().unwrap();
    // The owner (a superuser in the test server) passes every policy: refused.
    let out = kura(dir.path(), &db).env("DATABASE_URL", &db.url).args(["serve", "--bind", "127.0.0.1:0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(78), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("superuser") && err.contains("row-level security"), "{err}");
    // And the maintenance URL is never the server's, even when it is set.
    assert!(!err.contains("postgres://"), "no URL in the message: {err}");
}

#[tokio::test]
async fn audit_verify_passes_and_then_names_the_row_edited_by_hand() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    assert!(kura(dir.path(), &db).args(["tenant", "create", "acme", "Acme"]).status().unwrap().success());
    assert!(kura(dir.path(), &db)
        .args(["user", "create", "--org", "acme", "--login", "taro", "--role", "member"])
        .output()
        .unwrap()
        .status
        .success());
    let out = kura(dir.path(), &db).args(["audit", "verify"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));

    drop_audit_triggers(&db.db).await;
    sqlx::query("UPDATE audit_log SET target = 'someone-else' WHERE seq = 2").execute(db.db.pool()).await.unwrap();
    let out = kura(dir.path(), &db).args(["audit", "verify"]).output().unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("BROKEN at row 2"), "{text}");
}

#[tokio::test]
async fn audit_verify_finds_rows_cut_off_the_end_against_the_heads_in_the_system_log() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    for code in ["acme", "beta", "gamma"] {
        assert!(kura(dir.path(), &db).args(["tenant", "create", code, code]).status().unwrap().success());
    }
    // The head as the server's job writes it to the system log.
    let (seq, link): (i64, Vec<u8>) =
        sqlx::query_as("SELECT last_seq, last_hash FROM audit_head WHERE id = 1").fetch_one(db.db.pool()).await.unwrap();
    let hex: String = link.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    std::fs::write(
        dir.path().join("logs").join("kura.2026-12-01.log"),
        format!(
            "{{\"timestamp\":\"2026-12-01T00:00:00Z\",\"level\":\"INFO\",\"fields\":{{\"message\":\"audit chain head\",\"seq\":{seq},\"link\":\"{hex}\"}},\"target\":\"kura::audit_head\"}}\n"
        ),
    )
    .unwrap();
    let out = kura(dir.path(), &db).args(["audit", "verify"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 heads recorded in the system log"));

    // Someone with the database cuts the newest rows (the last organisation's
    // creation and the verify record) and moves the head back to a real row.
    drop_audit_triggers(&db.db).await;
    let keep = seq - 2;
    let (keep_link,): (Vec<u8>,) =
        sqlx::query_as("SELECT hash FROM audit_log WHERE seq = $1").bind(keep).fetch_one(db.db.pool()).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq > $1").bind(keep).execute(db.db.pool()).await.unwrap();
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1")
        .bind(keep)
        .bind(&keep_link)
        .execute(db.db.pool())
        .await
        .unwrap();
    let out = kura(dir.path(), &db).args(["audit", "verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains(&format!("BROKEN at row {seq}")) && text.contains("Rewound"), "{text}");
}

#[tokio::test]
async fn an_audit_chain_from_before_keys_is_rekeyed_by_migrate_only_and_never_over_logged_heads() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    for code in ["acme", "beta"] {
        assert!(kura(dir.path(), &db).args(["tenant", "create", code, code]).status().unwrap().success());
    }
    let _ = db.unkey_audit_chain().await;
    // Neither the server nor any other command extends or re-keys it on its own.
    let out = kura(dir.path(), &db).args(["serve", "--bind", "127.0.0.1:0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(78), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kura migrate"));
    // With heads of this chain in the system log, it was keyed before: refused.
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    let head = dir.path().join("logs").join("kura.2026-12-01.log");
    std::fs::write(&head, "{\"fields\":{\"message\":\"audit chain head\",\"seq\":1,\"link\":\"00\"},\"target\":\"kura::audit_head\"}\n")
        .unwrap();
    let out = kura(dir.path(), &db).args(["migrate"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not re-keying"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_file(&head).unwrap();
    let out = kura(dir.path(), &db).args(["migrate"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit chain re-keyed"));
    let out = kura(dir.path(), &db).args(["audit", "verify"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let out = kura(dir.path(), &db).args(["migrate"]).output().unwrap();
    assert!(out.status.success() && !String::from_utf8_lossy(&out.stdout).contains("re-keyed"), "once");
}

#[tokio::test]
async fn people_stored_before_birth_dates_keep_the_server_down_until_migrate_seals_them() {
    use kura::audit::{AuditActor, ClientInfo};
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    // Written as an older Kura did, which never ran (nor recorded) the step:
    // through the library, not through a command that would.
    let s = db.services(std::sync::Arc::new(kura::SystemClock));
    kura::provisioning::create_tenant(&s, &AuditActor::cli(), "acme", "Acme", &ClientInfo::cli()).await.unwrap();
    kura::people::demo::seed(&s, &AuditActor::cli(), "acme", 3, &mut |_| {}).await.unwrap();
    sqlx::query("UPDATE people SET birth_date = NULL, emergency_contact = NULL, details_sealed = 0").execute(db.db.pool()).await.unwrap();
    sqlx::query("UPDATE sealed_fields_upgrade SET details_done = 0").execute(db.db.pool()).await.unwrap();
    let master = db.master_key_hex();
    let kura = |args: &[&str]| kura(dir.path(), &db).env("KURA_MASTER_KEY", &master).args(args).output().unwrap();
    let out = kura(&["serve", "--bind", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(78), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kura migrate"));
    let out = kura(&["migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("sealed as not given for 3 people"), "{}", String::from_utf8_lossy(&out.stdout));
    let unsealed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE birth_date IS NULL OR details_sealed = 0")
        .fetch_one(db.db.pool())
        .await
        .unwrap();
    assert_eq!(unsealed, 0);
    let out = kura(&["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[tokio::test]
async fn user_create_reads_the_password_from_stdin_and_refuses_a_weak_one() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    assert!(kura(dir.path(), &db).args(["tenant", "create", "acme", "Acme"]).status().unwrap().success());
    let run = |pw: &str| {
        let mut child = kura(dir.path(), &db)
            .args(["user", "create", "--org", "acme", "--login", "taro", "--role", "admin", "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(pw.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = run("password1234\n");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password refused"));
    let ok = run(&format!("{}\n", common::GOOD_PASSWORD));
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(!String::from_utf8_lossy(&ok.stdout).contains("temporary password"));
}

/// Starts `kura serve` without a terminal, logs into a file at debug level.
#[tokio::test]
async fn first_start_hands_over_the_operator_password_outside_the_logs_and_no_secret_is_ever_logged() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = kura(dir.path(), &db)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("KURA_LOG", "debug")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let client = common::browser(&base);
    let mut up = false;
    for _ in 0..100 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "server did not start: {}", std::fs::read_to_string(&log_path).unwrap_or_default());

    let pw_file = kura_server::cli::initial_password_file(dir.path());
    let one_time = std::fs::read_to_string(&pw_file).unwrap().trim().to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&pw_file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let c = client.clone();
        let url = format!("{base}{path}");
        async move { c.post(url).form(&form).send().await.unwrap() }
    };
    let wrong = "Wrong-Guess-For-Logs-1";
    post("/api/ops/login", vec![("login", "operator".into()), ("password", wrong.into())]).await;
    let r = post("/api/ops/login", vec![("login", "operator".into()), ("password", one_time.clone())]).await;
    let session_cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().split('=').nth(1).unwrap().to_owned();
    assert_eq!(r.json::<String>().await.unwrap(), "/change-password");
    let new_pw = "a new operator passphrase for tests";
    let r = post("/api/change-password", vec![("current", one_time.clone()), ("new", new_pw.into()), ("confirm", new_pw.into())]).await;
    assert_eq!(r.status(), 200);
    let cookie_value = client.get(format!("{base}/ops")).send().await.unwrap().status();
    assert_eq!(cookie_value, 200);

    // A graceful stop (SIGTERM), so the log writer flushes.
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    server.wait().unwrap();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(logs.contains("Kura is listening"), "the log was captured");
    for secret in [one_time.as_str(), wrong, new_pw, "$argon2", "password="] {
        assert!(!logs.contains(secret), "found {secret:?} in the logs");
    }
    // The daily JSON log file: every request with its id, status, latency,
    // address and user, and still no secret.
    let mut files = String::new();
    for entry in std::fs::read_dir(dir.path().join("logs")).unwrap() {
        let path = entry.unwrap().path();
        assert!(path.file_name().unwrap().to_string_lossy().starts_with("kura."), "{path:?}");
        files.push_str(&std::fs::read_to_string(path).unwrap());
    }
    let requests: Vec<serde_json::Value> = files
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "finished processing request")
        .collect();
    assert!(requests.len() >= 4, "{files}");
    for r in &requests {
        assert_eq!(r["span"]["request_id"].as_str().map(str::len), Some(16), "{r}");
        assert!(r["fields"]["latency"].is_string() && r["fields"]["status"].is_number(), "{r}");
        assert_eq!(r["span"]["ip"], "127.0.0.1", "{r}");
    }
    assert!(requests.iter().any(|r| r["span"]["path"] == "/ops" && r["span"]["user"].is_string()), "{files}");
    for secret in [one_time.as_str(), wrong, new_pw, "$argon2", "password=", session_cookie.as_str()] {
        assert!(!files.contains(secret), "found {secret:?} in the log files");
        assert!(!logs.contains(secret), "found {secret:?} on the terminal");
    }
    // The audit log holds no password either.
    let details: Vec<String> = sqlx::query_scalar("SELECT detail FROM audit_log").fetch_all(db.db.pool()).await.unwrap();
    for d in &details {
        assert!(!d.contains(&one_time) && !d.contains(wrong) && !d.contains(new_pw));
    }

    // Next start: the operator changed the password, so the hand-over file goes.
    let port2 = free_port();
    let mut again = kura(dir.path(), &db)
        .args(["serve", "--bind", &format!("127.0.0.1:{port2}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut gone = false;
    for _ in 0..100 {
        if !pw_file.exists() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    again.kill().unwrap();
    again.wait().unwrap();
    assert!(gone, "the one-time password file is removed once it has been used");
}

#[tokio::test]
async fn rotating_the_master_key_puts_a_new_key_in_place_and_the_data_keys_still_unwrap() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = kura(dir.path(), &db).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["tenant", "create", "demo", "デモ株式会社"]);
    assert!(run(&["demo", "seed", "--org", "demo", "--people", "20"]).contains("20 demo people added"));
    let old = std::fs::read_to_string(dir.path().join("master.key")).unwrap();
    let said = run(&["keys", "rotate-master"]);
    assert!(said.contains("1 organisation keys re-wrapped"), "{said}");
    let new = std::fs::read_to_string(dir.path().join("master.key")).unwrap();
    assert_ne!(old, new);
    let retired: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("master.key.retired-"))
        .collect();
    assert_eq!(retired.len(), 1);
    assert_eq!(std::fs::read_to_string(retired[0].path()).unwrap(), old);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(dir.path().join("master.key")).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The organisation's data key now unwraps only under the new key: seeding again works.
    assert!(run(&["demo", "seed", "--org", "demo", "--people", "5"]).contains("5 demo people added"));
    assert!(run(&["audit", "verify"]).contains("audit log intact"));
    // With the old key the data key no longer unwraps.
    let out =
        kura(dir.path(), &db).env("KURA_MASTER_KEY", old.trim()).args(["demo", "seed", "--org", "demo", "--people", "1"]).output().unwrap();
    assert!(!out.status.success());
}
