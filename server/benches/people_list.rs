//! How fast is the people list, next to the bare query? Seeds one
//! organisation with 100 000 people through the demo seed (the real sealing
//! and indexing), serves the real app on loopback, and beside it a bare axum
//! handler that runs the same SQL on the same pool with nothing around it: no
//! session, no middleware, no decryption. `wrk` then loads, alternating in
//! one run:
//!
//! - the list page's data call (`POST /api/people/list`, first page) and the
//!   SSR page `GET /people`, against the bare handler, at 32 connections;
//! - the same list as a bare handler calling the core (`register::list`:
//!   scope, keys, query, decryption) — where the time goes;
//! - a phone search, one connection, and the core's own time for the search.
//!
//! `apt-get install wrk`, then `cargo bench -p kura-server --bench people_list`
//! (`KURA_TEST_BACKEND=postgres` for PostgreSQL, `BENCH_PEOPLE=N` for another
//! size). Without `--bench` (`cargo test --all-targets`) it seeds a few hundred
//! people and proves that each handler answers with the same rows, skipping
//! the load when `wrk` is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use kura::audit::{AuditActor, ClientInfo};
use kura::auth::password::Password;
use kura::auth::{self, Actor, LoginRequest, Realm};
use kura::people::register::{self, PeopleQuery};
use kura::people::search::SearchPlan;
use kura::people::PersonFields;
use kura::provisioning::{self, InitialPassword};
use kura::scope::TenantScope;
use kura::testing::TestDb;
use kura::users::Role;
use kura::{Services, SystemClock};
use serde_json::{json, Value};
use sqlx::Row;

const PASSWORD: &str = "correct horse battery staple";
const PHONE: &str = "03-1234-5678";
/// The start of a common reading (ヤマダ, ヤマモト, …): thousands of candidates at 100 000 people.
const PREFIX: &str = "ヤマ";

/// The register's first page, default view (active, newest update first), as
/// `register::list` builds it.
const LIST_SQL: &str = "SELECT id, family_name, given_name, family_kana, given_kana, phone, email, status, created_at, updated_at \
     FROM people p WHERE p.tenant_id = $1 AND status = 'active' ORDER BY updated_at DESC, id DESC LIMIT 51";

fn full() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn people() -> usize {
    std::env::var("BENCH_PEOPLE").ok().and_then(|v| v.parse().ok()).unwrap_or(if full() { 100_000 } else { 300 })
}

/// What the bare handlers need: the pool, the organisation, a logged-in actor.
#[derive(Clone)]
struct Bare {
    services: Services,
    actor: Actor,
}

/// The search SQL for `n` blind-index tokens, as `register::list` builds it.
fn search_sql(n: usize) -> String {
    let list: Vec<String> = (2..n + 2).map(|i| format!("${i}")).collect();
    format!(
        "SELECT id, family_name, given_name, family_kana, given_kana, phone, email, status, created_at, updated_at \
         FROM (SELECT DISTINCT person_id FROM people_index WHERE tenant_id = $1 AND token IN ({})) hits \
         CROSS JOIN people p WHERE p.id = hits.person_id AND p.tenant_id = $1 AND status = 'active' \
         ORDER BY updated_at DESC, id DESC LIMIT 51",
        list.join(", ")
    )
}

/// The rows as they come from the database (ciphertext base64-encoded).
fn raw_json(rows: &[sqlx::any::AnyRow]) -> Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    let people: Vec<Value> = rows
        .iter()
        .take(50)
        .map(|r| {
            let mut o = serde_json::Map::new();
            o.insert("id".into(), json!(r.get::<String, _>("id")));
            for c in ["family_name", "given_name", "family_kana", "given_kana", "phone", "email"] {
                let v: Option<Vec<u8>> = r.get(c);
                o.insert(c.into(), json!(v.map(|v| b64.encode(v))));
            }
            o.insert("status".into(), json!(r.get::<String, _>("status")));
            o.insert("created_at".into(), json!(r.get::<i64, _>("created_at")));
            o.insert("updated_at".into(), json!(r.get::<i64, _>("updated_at")));
            Value::Object(o)
        })
        .collect();
    json!({ "people": people })
}

async fn bare_list_handler(State(b): State<Bare>) -> Json<Value> {
    // In the organisation's reach, as every query of the app runs (row-level security on PostgreSQL).
    let tenant = b.actor.tenant_id.clone().unwrap();
    let mut tx = b.services.db.read_in(kura::Reach::Tenant(tenant.clone())).await.unwrap();
    let rows = sqlx::query(LIST_SQL).bind(tenant.as_str()).fetch_all(&mut *tx).await.unwrap();
    Json(raw_json(&rows))
}

async fn bare_search_handler(State(b): State<Bare>) -> Json<Value> {
    let tenant = b.actor.tenant_id.clone().unwrap();
    let keys = b.services.data_keys.data_keys(&b.services.db, &b.services.keys, &tenant).await.unwrap();
    // A phone number asks for whole values only: one group of tokens, any of which names a candidate.
    let plan = SearchPlan::of(PHONE);
    assert!(plan.is_exact_only());
    let tokens: Vec<Vec<u8>> = plan.token_groups(&keys).into_iter().flat_map(|g| g.tokens).collect();
    let sql = search_sql(tokens.len());
    let mut q = sqlx::query(&sql).bind(tenant.as_str());
    for t in &tokens {
        q = q.bind(t.as_slice());
    }
    let mut tx = b.services.db.read_in(kura::Reach::Tenant(tenant.clone())).await.unwrap();
    let rows = q.fetch_all(&mut *tx).await.unwrap();
    Json(raw_json(&rows))
}

/// The core's list, called directly: scope, keys, query, decryption.
async fn core_list(State(b): State<Bare>) -> Json<Value> {
    let scope = TenantScope::own(&b.services, &b.actor).await.unwrap();
    let page = register::list(&b.services, &scope, &PeopleQuery::default()).await.unwrap();
    let people: Vec<Value> = page
        .people
        .iter()
        .map(|p| json!({ "id": p.id.to_string(), "name": format!("{} {}", p.family_name, p.given_name), "phone": p.phone }))
        .collect();
    Json(json!({ "people": people, "next": page.next }))
}

async fn serve_bare(b: Bare) -> String {
    let router = Router::new()
        .route("/bare/list", post(bare_list_handler))
        .route("/bare/search", post(bare_search_handler))
        .route("/core/list", post(core_list))
        .with_state(b);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

/// One load target: a URL and how to call it.
#[derive(Clone)]
struct Target {
    label: &'static str,
    url: String,
    method: &'static str,
    body: &'static str,
    headers: Vec<(&'static str, String)>,
}

struct Load {
    rps: f64,
    p50: Duration,
    p99: Duration,
    requests: u64,
}

fn wrk_available() -> bool {
    Command::new("wrk").arg("--version").output().is_ok()
}

/// Runs wrk against `t`; the Lua script prints the counts and percentiles
/// (microseconds) on one line, and any non-2xx answer or socket error fails
/// the run rather than count as speed.
fn wrk(t: &Target, connections: usize, seconds: u64) -> Load {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("load.lua");
    let mut lua = format!("wrk.method = \"{}\"\nwrk.body = \"{}\"\n", t.method, t.body);
    for (k, v) in &t.headers {
        lua.push_str(&format!("wrk.headers[\"{k}\"] = \"{v}\"\n"));
    }
    lua.push_str(
        "done = function(s, latency, r)\n\
         local e = s.errors\n\
         io.write(string.format(\"RESULT %d %d %d %d %d %d\\n\", s.requests, s.duration, \
         latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))\n\
         end\n",
    );
    std::fs::write(&script, lua).unwrap();
    let threads = connections.min(2);
    let out = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string(), "-d", &format!("{seconds}s"), "--timeout", "5s", "-s"])
        .arg(&script)
        .arg(&t.url)
        .output()
        .expect("run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("RESULT ")).unwrap_or_else(|| panic!("wrk printed no result: {text}"));
    let n: Vec<u64> = line.split_whitespace().skip(1).map(|v| v.parse().unwrap()).collect();
    assert_eq!(n[4], 0, "{}: {} answers were not 2xx", t.label, n[4]);
    assert_eq!(n[5], 0, "{}: {} socket errors", t.label, n[5]);
    Load { rps: n[0] as f64 / (n[1] as f64 / 1e6), p50: Duration::from_micros(n[2]), p99: Duration::from_micros(n[3]), requests: n[0] }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// The person ids in a JSON answer, in order.
fn ids(v: &Value) -> Vec<String> {
    v["people"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()
}

async fn call(client: &reqwest::Client, t: &Target) -> (u16, String) {
    let mut req = if t.method == "POST" { client.post(&t.url).body(t.body) } else { client.get(&t.url) };
    for (k, v) in &t.headers {
        req = req.header(*k, v);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::main]
async fn main() {
    let db = TestDb::fresh().await;
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = kura_server::Settings::for_data_dir(data_dir.path().to_path_buf());
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.database_url = Some(db.app_url.clone());
    let app = kura_server::build(settings, Arc::new(SystemClock)).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    let s = app.services.clone();
    tokio::spawn(app.run_until_stopped());

    let cli = ClientInfo::cli();
    provisioning::create_tenant(&s, &AuditActor::cli(), "bench", "ベンチ株式会社", &cli).await.unwrap();
    provisioning::create_user(
        &s,
        &AuditActor::cli(),
        "bench",
        "taro",
        Role::Member,
        InitialPassword::Chosen(Password::new(PASSWORD.into())),
        &cli,
    )
    .await
    .unwrap();
    let n = people();
    let started = Instant::now();
    kura::people::demo::seed(&s, &AuditActor::cli(), "bench", n, &mut |_| {}).await.unwrap();
    let seeded = started.elapsed();
    println!("backend {:?}: seeded {n} people in {:.1} s", db.db.backend(), seeded.as_secs_f64());

    let actor = auth::login(
        &s,
        LoginRequest { realm: Realm::Tenant, org_code: "bench", login: "taro", password: Password::new(PASSWORD.into()), client: &cli },
    )
    .await
    .unwrap();
    {
        // The person the phone search finds (seeded phones are random).
        let scope = TenantScope::own(&s, &actor).await.unwrap();
        let yamada = PersonFields {
            family_name: "山田".into(),
            given_name: "太郎".into(),
            family_kana: "ヤマダ".into(),
            given_kana: "タロウ".into(),
            phone: PHONE.into(),
            email: "taro.yamada@example.jp".into(),
            ..PersonFields::default()
        };
        register::create(&s, &scope, &cli, &yamada).await.unwrap();
    }

    // A browser session: the cookie the real app set at login.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = http
        .post(format!("{base}/api/login"))
        .header("origin", &base)
        .form(&[("org", "bench"), ("login", "taro"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "login");
    let cookie = login.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();

    let bare = serve_bare(Bare { services: s.clone(), actor: actor.clone() }).await;
    let form = "application/x-www-form-urlencoded".to_owned();
    let kura_headers = vec![("Cookie", cookie.clone()), ("Origin", base.clone()), ("Content-Type", form.clone())];
    let list = Target {
        label: "Kura POST /api/people/list",
        url: format!("{base}/api/people/list"),
        method: "POST",
        body: "q=&status=active&sort=updated&category=",
        headers: kura_headers.clone(),
    };
    let page = Target {
        label: "Kura GET /people (SSR)",
        url: format!("{base}/people"),
        method: "GET",
        body: "",
        headers: vec![("Cookie", cookie.clone())],
    };
    let bare_list = Target { label: "bare handler, same SQL", url: format!("{bare}/bare/list"), method: "POST", body: "", headers: vec![] };
    let core_list =
        Target { label: "bare handler calling the core", url: format!("{bare}/core/list"), method: "POST", body: "", headers: vec![] };
    let search = Target {
        label: "Kura phone search",
        url: format!("{base}/api/people/list"),
        method: "POST",
        body: "q=03-1234-5678&status=active&sort=updated&category=",
        headers: kura_headers,
    };
    let bare_search =
        Target { label: "bare handler, same search SQL", url: format!("{bare}/bare/search"), method: "POST", body: "", headers: vec![] };

    // Every handler answers, and with the same rows in the same order.
    let client = reqwest::Client::new();
    let mut answers = Vec::new();
    for t in [&list, &bare_list, &core_list, &search, &bare_search] {
        let (status, body) = call(&client, t).await;
        assert_eq!(status, 200, "{}: {body}", t.label);
        answers.push(ids(&serde_json::from_str(&body).unwrap()));
    }
    assert_eq!(answers[0].len(), 50, "a full first page");
    assert_eq!(answers[0], answers[1], "the bare handler runs the list's query");
    assert_eq!(answers[0], answers[2]);
    assert!(!answers[3].is_empty(), "the phone search finds the person");
    assert_eq!(answers[3], answers[4], "the bare handler runs the search's query");
    let (status, html) = call(&client, &page).await;
    assert_eq!(status, 200);
    assert!(html.contains(&answers[0][0]), "the SSR page lists the newest person");

    // Server time, one call after another in this process: the bare SQL and
    // the core (scope, keys, SQL, decryption), for the list and the search.
    let calls = if full() { 2000 } else { 50 };
    let b = Bare { services: s.clone(), actor: actor.clone() };
    let sql_list = p50(calls, || async { drop(bare_list_handler(State(b.clone())).await) }).await;
    let sql_search = p50(calls, || async { drop(bare_search_handler(State(b.clone())).await) }).await;
    let core_of = |search: &'static str| {
        let (s, actor) = (s.clone(), actor.clone());
        move || {
            let (s, actor) = (s.clone(), actor.clone());
            async move {
                let scope = TenantScope::own(&s, &actor).await.unwrap();
                let q = PeopleQuery { search: search.into(), ..PeopleQuery::default() };
                assert!(!register::list(&s, &scope, &q).await.unwrap().people.is_empty());
            }
        }
    };
    let core_list_time = p50(calls, core_of("")).await;
    let core_search = p50(calls, core_of(PHONE)).await;
    println!("\nserver time, p50 of {calls} calls in turn:");
    println!("| Call | bare SQL | core (scope, keys, SQL, decryption) |");
    println!("|---|---|---|");
    println!("| first page | {} | {} |", ms(sql_list), ms(core_list_time));
    println!("| phone search | {} | {} |", ms(sql_search), ms(core_search));

    // Partial search (issue 15): the start of a common reading, first page of
    // 50, against the exact phone search, alternating in this run, core time.
    let prefix_page = {
        let scope = TenantScope::own(&s, &actor).await.unwrap();
        register::list(&s, &scope, &PeopleQuery { search: PREFIX.into(), ..PeopleQuery::default() }).await.unwrap()
    };
    if full() {
        assert_eq!(prefix_page.people.len(), 50, "{PREFIX} fills a first page");
    }
    assert!(!prefix_page.people.is_empty());
    assert!(prefix_page.people.iter().all(|p| format!("{}{}", p.family_kana, p.given_kana).contains(PREFIX)));
    let mut core_rounds = Vec::new();
    for _ in 0..2 {
        core_rounds.push((percentiles(calls, core_of(PHONE)).await, percentiles(calls, core_of(PREFIX)).await));
    }
    report_prefix_against_phone("server time (core)", calls, &core_rounds);

    // The same two searches as the page makes them (`POST /api/people/list`,
    // session, middleware, JSON), one request at a time on loopback.
    let prefix_http = Target {
        label: "Kura reading-prefix search",
        url: format!("{base}/api/people/list"),
        method: "POST",
        // q=ヤマ, form-encoded.
        body: "q=%E3%83%A4%E3%83%9E&status=active&sort=updated&category=",
        headers: search.headers.clone(),
    };
    let (status, body) = call(&client, &prefix_http).await;
    assert_eq!(status, 200, "{body}");
    assert!(!ids(&serde_json::from_str(&body).unwrap()).is_empty());
    let request = |t: &Target| {
        let (client, t) = (client.clone(), Arc::new(t.clone()));
        move || {
            let (client, t) = (client.clone(), t.clone());
            async move {
                let (status, _) = call(&client, &t).await;
                assert_eq!(status, 200);
            }
        }
    };
    let mut request_rounds = Vec::new();
    for _ in 0..2 {
        request_rounds.push((percentiles(calls, request(&search)).await, percentiles(calls, request(&prefix_http)).await));
    }
    report_prefix_against_phone("request time (POST /api/people/list on loopback, one at a time)", calls, &request_rounds);

    if !wrk_available() {
        println!("wrk is not installed: the handlers agree; no load measured (apt-get install wrk)");
        return;
    }
    let (secs, rounds) = if full() { (10, 2) } else { (1, 1) };
    let loads = [&bare_list, &list, &page, &core_list];
    let mut totals: Vec<Vec<Load>> = loads.iter().map(|_| Vec::new()).collect();
    wrk(&bare_list, 32, 1); // warm-up
    wrk(&list, 32, 1);
    for _ in 0..rounds {
        for (i, t) in loads.iter().enumerate() {
            totals[i].push(wrk(t, 32, secs));
        }
    }
    let summary = |v: &[Load]| -> (f64, Duration, Duration, u64) {
        let rps = v.iter().map(|l| l.rps).sum::<f64>() / v.len() as f64;
        let p50 = v.iter().map(|l| l.p50).max().unwrap();
        let p99 = v.iter().map(|l| l.p99).max().unwrap();
        (rps, p50, p99, v.iter().map(|l| l.requests).sum())
    };
    let base_rps = summary(&totals[0]).0;
    println!("\n32 connections, {rounds} × {secs} s each, alternating (worst p50/p99 of the rounds):");
    println!("| Handler | req/s | of bare | p50 | p99 | requests |");
    println!("|---|---|---|---|---|---|");
    for (t, v) in loads.iter().zip(&totals) {
        let (rps, p50, p99, reqs) = summary(v);
        println!("| {} | {rps:.0} | {:.0} % | {} | {} | {reqs} |", t.label, 100.0 * rps / base_rps, ms(p50), ms(p99));
    }
    let (list_rps, _, list_p99, _) = summary(&totals[1]);
    let ratio = list_rps / base_rps;
    println!(
        "list data call: {:.0} % of bare (target ≥ 50 %: {}), p99 {} (target ≤ 20 ms: {})",
        ratio * 100.0,
        if ratio >= 0.5 { "met" } else { "NOT met" },
        ms(list_p99),
        if list_p99 <= Duration::from_millis(20) { "met" } else { "NOT met" }
    );

    let one_search = wrk(&search, 1, secs);
    let one_bare = wrk(&bare_search, 1, secs);
    println!("\nphone search, one connection:");
    println!("| Handler | req/s | p50 | p99 |");
    println!("|---|---|---|---|");
    for (t, l) in [(&search, &one_search), (&bare_search, &one_bare)] {
        println!("| {} | {:.0} | {} | {} |", t.label, l.rps, ms(l.p50), ms(l.p99));
    }
    println!(
        "phone search server time (core, p50): {} (target ≤ 2 ms: {})",
        ms(core_search),
        if core_search <= Duration::from_millis(2) { "met" } else { "NOT met" }
    );
}

/// (p50, p99) of a run of calls.
type Spread = (Duration, Duration);
/// One round: the phone search's spread, then the reading prefix's.
type Round = (Spread, Spread);

/// Prints the worst round's p50 and p99 of the phone and the reading-prefix
/// search, and their p50 ratio against the 3x target.
fn report_prefix_against_phone(what: &str, calls: usize, rounds: &[Round]) {
    let worst =
        |pick: fn(&Round) -> Spread| (rounds.iter().map(|r| pick(r).0).max().unwrap(), rounds.iter().map(|r| pick(r).1).max().unwrap());
    let ((phone_p50, phone_p99), (prefix_p50, prefix_p99)) = (worst(|r| r.0), worst(|r| r.1));
    let ratio = prefix_p50.as_secs_f64() / phone_p50.as_secs_f64();
    println!("\npartial search, {what}, {} alternating rounds of {calls} calls, worst round:", rounds.len());
    println!("| Search | p50 | p99 |");
    println!("|---|---|---|");
    println!("| exact phone `{PHONE}` | {} | {} |", ms(phone_p50), ms(phone_p99));
    println!("| reading prefix `{PREFIX}`, first page of 50 | {} | {} |", ms(prefix_p50), ms(prefix_p99));
    println!("reading prefix / phone (p50): {ratio:.2}× (target ≤ 3×: {})", if ratio <= 3.0 { "met" } else { "NOT met" });
}

/// The median time of `n` calls of `f`, one after another.
async fn p50<F, Fut>(n: usize, f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    percentiles(n, f).await.0
}

/// The median and the 99th percentile of `n` calls of `f`, one after another.
async fn percentiles<F, Fut>(n: usize, mut f: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        times.push(t.elapsed());
    }
    times.sort();
    (times[n / 2], times[(n * 99 / 100).min(n - 1)])
}
