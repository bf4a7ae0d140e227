//! Test harness: the real server, built by the same `build` as `kura serve`,
//! on a free loopback port with a fresh database (SQLite or PostgreSQL, per
//! `KURA_TEST_BACKEND`), and an HTTP client that keeps cookies.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use kura::audit::{AuditActor, ClientInfo};
use kura::auth::password::Password;
use kura::provisioning::{self, InitialPassword};
use kura::testing::TestDb;
use kura::users::Role;
use kura::{Services, SystemClock};
use kura_server::Settings;
use reqwest::header::{HeaderMap, HeaderValue, ORIGIN};

pub const GOOD_PASSWORD: &str = "correct horse battery staple";

/// A person's form as the browser posts it to `/api/people/create`.
pub const PERSON: [(&str, &str); 9] = [
    ("family_name", "山田"),
    ("given_name", "太郎"),
    ("family_kana", "ヤマダ"),
    ("given_kana", "タロウ"),
    ("phone", "03-1234-5678"),
    ("email", "taro@example.jp"),
    ("postal_code", "100-0001"),
    ("address", "東京都千代田区"),
    ("notes", "備考"),
];

pub struct TestApp {
    pub base: String,
    pub services: Services,
    pub db: TestDb,
    pub data_dir: tempfile::TempDir,
    /// `http://…` of the plain-HTTP redirect listener, when configured.
    pub redirect_base: Option<String>,
    /// `http://…` of the operator listener, when configured.
    pub operator_base: Option<String>,
    /// A browser-like client: keeps cookies, sends our Origin on every request.
    pub client: reqwest::Client,
}

pub async fn spawn() -> TestApp {
    spawn_with_clock(Arc::new(SystemClock)).await
}

/// The server on a clock the test controls (re-authentication, expiry, timeouts).
pub async fn spawn_with_clock(clock: Arc<dyn kura::Clock>) -> TestApp {
    spawn_configured(clock, |_| {}).await
}

/// The server with settings adjusted by `configure` (trusted proxies, ...).
pub async fn spawn_configured(clock: Arc<dyn kura::Clock>, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDb::fresh().await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::for_data_dir(data_dir.path().to_path_buf());
    configure(&mut settings);
    settings.bind = "127.0.0.1:0".parse().expect("addr");
    settings.database_url = Some(db.app_url.clone());
    settings.hash_concurrency = 2;
    let app = kura_server::build(settings, clock).await.expect("build app");
    let scheme = if app.settings.tls.is_some() { "https" } else { "http" };
    let base = format!("{scheme}://{}", app.local_addr());
    let redirect_base = app.redirect_addr().map(|a| format!("http://{a}"));
    let operator_base = app.operator_addr().map(|a| format!("http://{a}"));
    let services = app.services.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp { client: browser(&base), base, services, db, data_dir, redirect_base, operator_base }
}

pub fn browser(base: &str) -> reqwest::Client {
    browser_with(base, HeaderMap::new())
}

/// A browser whose requests arrive through a proxy that says the client is `xff`.
pub fn browser_behind_proxy(base: &str, xff: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_str(xff).expect("xff"));
    browser_with(base, headers)
}

pub fn browser_with(base: &str, mut headers: HeaderMap) -> reqwest::Client {
    headers.insert(ORIGIN, HeaderValue::from_str(base).expect("origin"));
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Posts as the browser does: a form, or for the CSV import a multipart
    /// upload whose `content` is the chosen file (sent as the `file` part).
    pub async fn post_form(&self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        if !path.starts_with("/api/people/import") {
            return client.post(self.url(path)).form(form).send().await.expect("request");
        }
        let fields: Vec<(&str, &[u8])> = form.iter().map(|(k, v)| (*k, v.as_bytes())).collect();
        self.upload(client, path, &fields).await
    }

    /// A multipart post; a field named `content` is the file (`file`, people.csv).
    pub async fn upload(&self, client: &reqwest::Client, path: &str, fields: &[(&str, &[u8])]) -> reqwest::Response {
        let mut body = reqwest::multipart::Form::new();
        for (k, v) in fields {
            body = if *k == "content" {
                let part = reqwest::multipart::Part::bytes(v.to_vec()).file_name("people.csv").mime_str("text/csv").expect("mime");
                body.part("file", part)
            } else {
                body.text(k.to_string(), String::from_utf8_lossy(v).into_owned())
            };
        }
        client.post(self.url(path)).multipart(body).send().await.expect("request")
    }

    pub async fn login(&self, client: &reqwest::Client, org: &str, login: &str, password: &str) -> reqwest::Response {
        self.post_form(client, "/api/login", &[("org", org), ("login", login), ("password", password)]).await
    }

    pub async fn me(&self, client: &reqwest::Client) -> serde_json::Value {
        let res = client.post(self.url("/api/me")).send().await.expect("me");
        assert!(res.status().is_success(), "me: {}", res.status());
        res.json().await.expect("json")
    }

    pub async fn create_tenant(&self, code: &str) {
        provisioning::create_tenant(&self.services, &AuditActor::cli(), code, "テスト組織", &ClientInfo::cli()).await.expect("tenant");
    }

    /// An account with a password of its own choosing (no forced change).
    pub async fn create_user(&self, org: &str, login: &str, role: Role) {
        provisioning::create_user(
            &self.services,
            &AuditActor::cli(),
            org,
            login,
            role,
            InitialPassword::Chosen(Password::new(GOOD_PASSWORD.into())),
            &ClientInfo::cli(),
        )
        .await
        .expect("user");
    }

    /// An account with a generated temporary password, which is returned.
    pub async fn create_user_with_temporary_password(&self, org: &str, login: &str) -> String {
        let created = provisioning::create_user(
            &self.services,
            &AuditActor::cli(),
            org,
            login,
            Role::Member,
            InitialPassword::Temporary,
            &ClientInfo::cli(),
        )
        .await
        .expect("user");
        created.temporary_password.expect("temporary").expose().to_owned()
    }

    pub async fn create_operator(&self, login: &str) {
        provisioning::create_operator(
            &self.services,
            &AuditActor::cli(),
            login,
            InitialPassword::Chosen(Password::new(GOOD_PASSWORD.into())),
            &ClientInfo::cli(),
        )
        .await
        .expect("operator");
    }

    /// A new browser logged in as this operator.
    pub async fn operator_client(&self, login: &str) -> reqwest::Client {
        let c = browser(&self.base);
        let r = self.post_form(&c, "/api/ops/login", &[("login", login), ("password", GOOD_PASSWORD)]).await;
        assert_eq!(r.status(), 200, "operator login");
        c
    }

    /// A new browser logged in to an organisation.
    pub async fn member_client(&self, org: &str, login: &str, password: &str) -> reqwest::Client {
        let c = browser(&self.base);
        let r = self.login(&c, org, login, password).await;
        assert_eq!(r.status(), 200, "login {org}/{login}");
        c
    }

    /// Calls a server function with form arguments: (status, body as JSON).
    pub async fn call(&self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let r = self.post_form(client, path, form).await;
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(self.db.db.pool()).await.expect("count")
    }

    /// Every row of every table a call could change, except the audit log and
    /// the session bookkeeping (last seen) that each request updates.
    pub async fn snapshot(&self) -> Vec<String> {
        let queries = [
            "SELECT id || '|' || code || '|' || name || '|' || status || '|' || time_zone || '|' || contact_emails || '|' \
             || contact_phone || '|' || members_may_export FROM tenants ORDER BY id",
            "SELECT id || '|' || COALESCE(tenant_id, '') || '|' || login || '|' || password_hash || '|' || role || '|' || status \
             || '|' || must_change_password || '|' || COALESCE(expires_at, -1) || '|' || failed_logins FROM users ORDER BY id",
            "SELECT id_hash || '|' || COALESCE(user_id, '') FROM sessions ORDER BY id_hash",
            "SELECT token_hash FROM setup_tokens ORDER BY token_hash",
            "SELECT tenant_id || '|' || key_id FROM tenant_keys ORDER BY tenant_id",
            "SELECT key_hash || '|' || failures FROM login_throttle ORDER BY key_hash",
            "SELECT tenant_id || '|' || cidr FROM tenant_ip_allowlist ORDER BY tenant_id, cidr",
            "SELECT id || '|' || state FROM alerts ORDER BY id",
            "SELECT id || '|' || tenant_id || '|' || status || '|' || version FROM people ORDER BY id",
            "SELECT tenant_id || '|' || person_id FROM people_index ORDER BY tenant_id, person_id",
            "SELECT id FROM person_records ORDER BY id",
            "SELECT id || '|' || name FROM record_categories ORDER BY id",
        ];
        let mut out = Vec::new();
        for q in queries {
            let rows: Vec<String> = sqlx::query_scalar(q).fetch_all(self.db.db.pool()).await.unwrap();
            out.extend(rows);
        }
        out
    }
}
