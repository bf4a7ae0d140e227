//! Network access control over real HTTP: client address through trusted
//! proxies, per-organisation IP allowlists at login and on every request, and
//! the operator console's fence.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{browser, browser_behind_proxy, browser_with, spawn_configured, TestApp, GOOD_PASSWORD};
use kura::users::Role;
use kura::SystemClock;
use kura_server::web::client::ForwardedHeader;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};

/// The operators' office, behind the proxy (loopback may not be on the
/// operator allowlist while loopback is a trusted proxy).
const OPERATOR_OFFICE: &str = "192.0.2.10";

/// The test client is the proxy: loopback is trusted, so X-Forwarded-For counts.
async fn behind_proxy() -> TestApp {
    behind_proxy_reading(ForwardedHeader::XForwardedFor).await
}

async fn behind_proxy_reading(header: ForwardedHeader) -> TestApp {
    spawn_configured(Arc::new(SystemClock), |s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap(), "::1/128".parse().unwrap()];
        s.forwarded_header = header;
        s.operator_allowlist = vec!["192.0.2.0/24".parse().unwrap()];
    })
    .await
}

/// An operator logged in from the operators' office, through the proxy
/// (which says so in both headers: whichever is configured is read).
async fn operator_behind_proxy(app: &TestApp, login: &str) -> reqwest::Client {
    let c = forging(app, &[("x-forwarded-for", OPERATOR_OFFICE.as_bytes()), ("forwarded", format!("for={OPERATOR_OFFICE}").as_bytes())]);
    let r = app.post_form(&c, "/api/ops/login", &[("login", login), ("password", GOOD_PASSWORD)]).await;
    assert_eq!(r.status(), 200, "operator login");
    c
}

async fn tenant_id(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT id FROM tenants WHERE code = $1").bind(code).fetch_one(app.db.db.pool()).await.unwrap()
}

/// acme with an admin, a member and the allowlist 203.0.113.0/24, and an
/// operator's browser (`behind_proxy`: from the operators' office through it).
async fn setup(app: &TestApp, behind_proxy: bool) -> (reqwest::Client, String) {
    app.create_operator("ops").await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    app.create_user("acme", "taro", Role::Member).await;
    let ops = if behind_proxy { operator_behind_proxy(app, "ops").await } else { app.operator_client("ops").await };
    let acme = tenant_id(app, "acme").await;
    let (status, body) = app.call(&ops, "/api/network/add", &[("org", &acme), ("cidr", "203.0.113.0/24"), ("note", "本社")]).await;
    assert_eq!(status, 200, "{body}");
    (ops, acme)
}

async fn audit_ips(app: &TestApp, action: &str) -> Vec<Option<String>> {
    sqlx::query_scalar("SELECT client_ip FROM audit_log WHERE action = $1 ORDER BY seq")
        .bind(action)
        .fetch_all(app.db.db.pool())
        .await
        .unwrap()
}

async fn counters(app: &TestApp) -> (i64, i64) {
    let throttle: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM login_throttle")
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    let failed: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(failed_logins), 0) AS BIGINT) FROM users").fetch_one(app.db.db.pool()).await.unwrap();
    (throttle, failed)
}

#[tokio::test]
async fn an_allowed_network_logs_in_through_the_proxy_and_a_denied_one_is_refused_before_the_password() {
    let app = behind_proxy().await;
    setup(&app, true).await;
    let inside = browser_behind_proxy(&app.base, "203.0.113.7");
    assert_eq!(app.login(&inside, "acme", "taro", GOOD_PASSWORD).await.status(), 200);
    assert_eq!(audit_ips(&app, "login.succeeded").await.last().unwrap().as_deref(), Some("203.0.113.7"));

    let before = counters(&app).await;
    let outside = browser_behind_proxy(&app.base, "198.51.100.9");
    for password in [GOOD_PASSWORD, "a wrong password!"] {
        let r = app.login(&outside, "acme", "taro", password).await;
        assert_eq!(r.status(), 403);
        assert_eq!(r.json::<Value>().await.unwrap(), json!("NetworkDenied"));
    }
    assert_eq!(counters(&app).await, before, "no throttle or failure counter moved");
    assert_eq!(audit_ips(&app, "login.network_denied").await, vec![Some("198.51.100.9".to_owned()); 2]);
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let app = spawn_configured(Arc::new(SystemClock), |_| {}).await;
    setup(&app, false).await;
    let spoofing = browser_behind_proxy(&app.base, "203.0.113.7");
    let r = app.login(&spoofing, "acme", "taro", GOOD_PASSWORD).await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!("NetworkDenied"), "the peer 127.0.0.1 is not on the list");
    assert_eq!(audit_ips(&app, "login.network_denied").await, vec![Some("127.0.0.1".to_owned())]);
}

#[tokio::test]
async fn a_session_stops_working_once_the_list_no_longer_contains_its_address() {
    let app = behind_proxy().await;
    let (ops, acme) = setup(&app, true).await;
    let member = browser_behind_proxy(&app.base, "203.0.113.7");
    let r = app.login(&member, "acme", "taro", GOOD_PASSWORD).await;
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert_eq!(app.me(&member).await["login"], "taro");
    // The same cookie from elsewhere is useless, and using it there does not log the owner out.
    let me_with = |xff: &'static str| {
        let (cookie, url, base) = (cookie.clone(), app.url("/api/me"), app.base.clone());
        async move {
            let c = reqwest::Client::new();
            let r = c.post(url).header("cookie", cookie).header("origin", base).header("x-forwarded-for", xff).send().await.unwrap();
            r.json::<Value>().await.unwrap()
        }
    };
    assert!(me_with("198.51.100.9").await.is_null(), "a stolen cookie from another network");
    assert_eq!(me_with("203.0.113.7").await["login"], "taro", "the owner is still logged in");
    let (_, list) = app.call(&ops, "/api/network/view", &[("org", &acme)]).await;
    let entry = list["entries"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call(&ops, "/api/network/add", &[("org", &acme), ("cidr", "192.0.2.0/24"), ("note", "")]).await.0, 200);
    assert_eq!(app.call(&ops, "/api/network/remove", &[("org", &acme), ("entry_id", &entry), ("confirmed", "yes")]).await.0, 200);
    assert!(app.me(&member).await.is_null(), "refused at the next request");
    assert_eq!(audit_ips(&app, "session.network_denied").await.last().unwrap().as_deref(), Some("203.0.113.7"));
    let (_, list) = app.call(&ops, "/api/network/view", &[("org", &acme)]).await;
    assert_eq!(list["entries"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_admin_cannot_save_a_list_that_shuts_out_their_own_address_and_sees_where_they_stand() {
    let app = behind_proxy().await;
    let (_ops, _acme) = setup(&app, true).await;
    let admin = browser_behind_proxy(&app.base, "203.0.113.7");
    assert_eq!(app.login(&admin, "acme", "boss", GOOD_PASSWORD).await.status(), 200);
    let (_, v) = app.call(&admin, "/api/network/view", &[]).await;
    assert_eq!(v["your_address"], "203.0.113.7");
    assert_eq!(v["you_are_allowed"], true);
    assert_eq!(app.call(&admin, "/api/network/add", &[("cidr", "2001:db8::/32"), ("note", "IPv6")]).await.0, 200);
    let entries = v["entries"].as_array().unwrap().clone();
    let office = entries[0]["id"].as_str().unwrap();
    let refused = app.call(&admin, "/api/network/remove", &[("entry_id", office), ("confirmed", "yes")]).await;
    assert_eq!(refused, (422, json!({ "Invalid": { "field": "cidr", "problem": "locks_you_out" } })));
    // Bad input is named, nothing saved.
    for (cidr, problem) in [("", "required"), ("203.0.113.0/33", "format"), ("intranet", "format"), ("203.0.113.0/24", "taken")] {
        let got = app.call(&admin, "/api/network/add", &[("cidr", cidr), ("note", "")]).await;
        assert_eq!(got, (422, json!({ "Invalid": { "field": "cidr", "problem": problem } })), "{cidr:?}");
    }
    let (_, v) = app.call(&admin, "/api/network/view", &[]).await;
    assert_eq!(v["entries"].as_array().unwrap().len(), 2);
    let changes: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'allowlist.changed'").fetch_one(app.db.db.pool()).await.unwrap();
    assert_eq!(changes, 2, "every change audited, refusals change nothing");
}

#[tokio::test]
async fn garbage_forwarding_headers_leave_the_server_answering_with_an_unknown_address() {
    let app = behind_proxy().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "taro", Role::Member).await;
    let digits = "7".repeat(8 * 1024);
    for bad in [",,,", "unknown", digits.as_str(), "999.1.1.1", "[::1"] {
        let c = browser_behind_proxy(&app.base, bad);
        assert_eq!(c.get(app.url("/login")).send().await.unwrap().status(), 200, "{bad:?}");
        // No allowlist applies here: served, and counted in the shared "unknown" bucket.
        assert_eq!(app.login(&c, "acme", "taro", GOOD_PASSWORD).await.status(), 200, "{bad:?}");
    }
    let ips = audit_ips(&app, "login.succeeded").await;
    assert_eq!(ips, vec![Some("unknown".to_owned()); 5], "never the proxy's own address");
}

/// A client behind the trusted loopback proxy sending exactly these headers.
fn forging(app: &TestApp, headers: &[(&str, &[u8])]) -> reqwest::Client {
    let mut h = HeaderMap::new();
    for (name, value) in headers {
        h.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_bytes(value).unwrap());
    }
    browser_with(&app.base, h)
}

/// What the review tried behind the nginx set-up (a loopback proxy).
fn forgeries() -> Vec<Vec<(&'static str, Vec<u8>)>> {
    // 33 hops of (trusted) loopback: longer than any chain of our proxies.
    let hops33 = vec!["127.0.0.1"; 33].join(", ");
    vec![
        vec![("forwarded", b"for=unknown".to_vec())],
        vec![("forwarded", b"for=127.0.0.1".to_vec())],
        vec![("forwarded", b"for=\"[::1]\"".to_vec())],
        vec![("forwarded", b"for=_hidden".to_vec())],
        vec![("x-forwarded-for", b"127.0.0.1".to_vec())],
        vec![("x-forwarded-for", b"::1".to_vec())],
        vec![("x-forwarded-for", b"garbage".to_vec())],
        vec![("x-forwarded-for", b"203.0.113.7, unknown".to_vec())],
        vec![("x-forwarded-for", hops33.into_bytes())],
        vec![("x-forwarded-for", b"203.0.113.7\xff".to_vec())],
        vec![("forwarded", b"for=203.0.113.7\xfe".to_vec())],
        vec![],
    ]
}

#[tokio::test]
async fn forged_forwarding_headers_open_neither_the_console_nor_an_allowlist_that_holds_the_proxy() {
    for header in [ForwardedHeader::XForwardedFor, ForwardedHeader::Forwarded] {
        let app = behind_proxy_reading(header).await;
        let (ops, acme) = setup(&app, true).await;
        // An organisation whose admin listed loopback (where the proxy is).
        for cidr in ["127.0.0.0/8", "::1"] {
            assert_eq!(app.call(&ops, "/api/network/add", &[("org", &acme), ("cidr", cidr), ("note", "")]).await.0, 200);
        }
        let absent = page_without_nonce(browser(&app.base).get(app.url("/no-such-page")).send().await.unwrap()).await;
        let denied_before = audit_ips(&app, "login.network_denied").await.len();
        let forgeries = forgeries();
        for headers in &forgeries {
            let pairs: Vec<(&str, &[u8])> = headers.iter().map(|(k, v)| (*k, v.as_slice())).collect();
            let c = forging(&app, &pairs);
            let console = page_without_nonce(c.get(app.url("/ops/login")).send().await.unwrap()).await;
            assert_eq!(console, absent, "{header:?} {headers:?}: /ops/login is the site's 404");
            let r = app.post_form(&c, "/api/ops/login", &[("login", "ops"), ("password", GOOD_PASSWORD)]).await;
            assert_eq!(r.status(), 404, "{header:?} {headers:?}");
            let r = app.login(&c, "acme", "taro", GOOD_PASSWORD).await;
            assert_eq!(r.json::<Value>().await.unwrap(), json!("NetworkDenied"), "{header:?} {headers:?}");
        }
        let denied = audit_ips(&app, "login.network_denied").await;
        assert_eq!(denied.len() - denied_before, forgeries.len());
        assert!(denied[denied_before..].iter().all(|ip| ip.as_deref() == Some("unknown")), "{denied:?}");
        let fenced = audit_ips(&app, "ops.fence_denied").await;
        assert!(fenced.iter().all(|ip| ip.as_deref() == Some("unknown")), "{fenced:?}");
        // The proxy's genuine word still counts, in the configured header only.
        let genuine = match header {
            ForwardedHeader::XForwardedFor => ("x-forwarded-for", format!("{OPERATOR_OFFICE}, 127.0.0.1")),
            ForwardedHeader::Forwarded => ("forwarded", format!("for={OPERATOR_OFFICE};proto=https, for=127.0.0.1")),
        };
        let c = forging(&app, &[(genuine.0, genuine.1.as_bytes())]);
        assert_eq!(c.get(app.url("/ops/login")).send().await.unwrap().status(), 200, "{header:?}");
        let other = match header {
            ForwardedHeader::XForwardedFor => ("forwarded", format!("for={OPERATOR_OFFICE}")),
            ForwardedHeader::Forwarded => ("x-forwarded-for", OPERATOR_OFFICE.to_owned()),
        };
        let c = forging(&app, &[(other.0, other.1.as_bytes())]);
        assert_eq!(c.get(app.url("/ops/login")).send().await.unwrap().status(), 404, "{header:?}: the other header is never read");
    }
}

#[tokio::test]
async fn with_an_operator_listener_the_console_answers_there_only() {
    let app = spawn_configured(Arc::new(SystemClock), |s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap(), "::1/128".parse().unwrap()];
        s.operator_bind = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    app.create_operator("ops").await;
    let tunnel = app.operator_base.clone().expect("operator listener");
    // Through the proxy, even with a chain that says loopback, there is no console.
    let via_proxy = browser_behind_proxy(&app.base, "127.0.0.1");
    assert_eq!(via_proxy.get(app.url("/ops/login")).send().await.unwrap().status(), 404);
    let r = app.post_form(&via_proxy, "/api/ops/login", &[("login", "ops"), ("password", GOOD_PASSWORD)]).await;
    assert_eq!(r.status(), 404);
    // Through the tunnel (loopback, no proxy trusted, headers ignored) it is there.
    let operator = browser_with(&tunnel, HeaderMap::new());
    assert_eq!(operator.get(format!("{tunnel}/ops/login")).send().await.unwrap().status(), 200);
    let r = operator
        .post(format!("{tunnel}/api/ops/login"))
        .header("x-forwarded-for", "198.51.100.9")
        .form(&[("login", "ops"), ("password", GOOD_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(operator.get(format!("{tunnel}/ops")).send().await.unwrap().status(), 200);
    assert_eq!(audit_ips(&app, "login.succeeded").await, vec![Some("127.0.0.1".to_owned())], "the peer, headers ignored");
    // A page that rebinds its own name to 127.0.0.1 does not get through.
    let rebound = reqwest::Client::new()
        .post(format!("{tunnel}/api/ops/login"))
        .header("host", "evil.example:80")
        .header("origin", "http://evil.example:80")
        .form(&[("login", "ops"), ("password", GOOD_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);
}

/// Status and body, with the response's random CSP nonce taken out.
async fn page_without_nonce(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).unwrap().to_owned();
    (status, r.text().await.unwrap().replace(&nonce, "NONCE"))
}

#[tokio::test]
async fn the_operator_console_is_absent_from_outside_the_operator_allowlist() {
    let app = behind_proxy().await;
    app.create_operator("ops").await;
    let outside = browser_behind_proxy(&app.base, "198.51.100.9");
    let absent = page_without_nonce(outside.get(app.url("/no-such-page")).send().await.unwrap()).await;
    assert_eq!(absent.0, 404);
    for path in ["/ops", "/ops/login", "/ops/tenants/x"] {
        let fenced = page_without_nonce(outside.get(app.url(path)).send().await.unwrap()).await;
        assert_eq!(fenced, absent, "{path} looks exactly like a page that does not exist");
    }
    let r = app.post_form(&outside, "/api/ops/login", &[("login", "ops"), ("password", GOOD_PASSWORD)]).await;
    assert_eq!(r.status(), 404);
    assert!(r.headers().get("set-cookie").is_none(), "nothing ran");
    assert_eq!(audit_ips(&app, "login.succeeded").await.len(), 0);
    // An operator session carried outside is fenced too.
    let inside = operator_behind_proxy(&app, "ops").await;
    assert_eq!(inside.get(app.url("/ops")).send().await.unwrap().status(), 200);
    let denied = audit_ips(&app, "ops.fence_denied").await;
    assert_eq!(denied.len(), 4);
    assert!(denied.iter().all(|ip| ip.as_deref() == Some("198.51.100.9")));
    // The organisation pages are not fenced for others.
    assert_eq!(browser(&app.base).get(app.url("/login")).send().await.unwrap().status(), 200);

    // An operator's own session, used from outside, gets the same page as
    // anyone: it names no operator and counts no alerts.
    let carried = browser_behind_proxy(&app.base, OPERATOR_OFFICE);
    let r = app.post_form(&carried, "/api/ops/login", &[("login", "ops"), ("password", GOOD_PASSWORD)]).await;
    assert_eq!(r.status(), 200);
    for path in ["/ops", "/no-such-page"] {
        let from_outside = carried.get(app.url(path)).header("x-forwarded-for", "198.51.100.9").send().await.unwrap();
        let page = page_without_nonce(from_outside).await;
        assert_eq!(page, absent, "{path} from outside with an operator's cookie");
        assert!(!page.1.contains("\"operator\""), "the page does not say who the operator is");
    }
}

#[tokio::test]
async fn a_platform_that_requires_allowlists_keeps_organisations_without_one_closed() {
    let app = spawn_configured(Arc::new(SystemClock), |s| s.require_tenant_allowlist = true).await;
    app.create_operator("ops").await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    let r = app.login(&browser(&app.base), "acme", "boss", GOOD_PASSWORD).await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!("NetworkDenied"), "no list yet: closed");
    let ops = app.operator_client("ops").await;
    let acme = tenant_id(&app, "acme").await;
    assert_eq!(app.call(&ops, "/api/network/add", &[("org", &acme), ("cidr", "127.0.0.0/8"), ("note", "")]).await.0, 200);
    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let (_, v) = app.call(&admin, "/api/network/view", &[]).await;
    assert_eq!(v["required"], true);
    let entry = v["entries"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.call(&ops, "/api/network/remove", &[("org", &acme), ("entry_id", &entry), ("confirmed", "yes")]).await,
        (422, json!({ "Invalid": { "field": "cidr", "problem": "required_by_platform" } })),
        "not even an operator empties a required list"
    );
}
