//! Does a login flood starve other requests? Serves the real app on loopback
//! (SQLite in a temp dir), measures the login page (SSR) latency alone, then
//! again while 16 clients log in as fast as they can (every login verifies an
//! Argon2id hash), and reports the p50/p99 ratios from the same run.
//!
//! `cargo bench -p kura-server --bench login_flood` (release build);
//! `BENCH_HASH_THREADS=16` runs the same with a pool as wide as the flood.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kura::audit::{AuditActor, ClientInfo};
use kura::auth::password::{Password, PasswordHasher};
use kura::provisioning::{self, InitialPassword};
use kura::users::Role;
use kura::SystemClock;

const PASSWORD: &str = "correct horse battery staple";
/// Each phase samples for this long, so the flood phase spans ~100+ hashes.
const PHASE: Duration = Duration::from_secs(5);
const FLOODERS: usize = 16;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn measure(client: &reqwest::Client, url: &str, phase: Duration) -> Vec<Duration> {
    let mut out = Vec::new();
    let start = Instant::now();
    while start.elapsed() < phase {
        let t = Instant::now();
        let r = client.get(url).send().await.unwrap();
        assert!(r.status().is_success());
        let _ = r.bytes().await.unwrap();
        out.push(t.elapsed());
    }
    out.sort();
    out
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = kura_server::Settings::for_data_dir(dir.path().to_path_buf());
    settings.bind = "127.0.0.1:0".parse().unwrap();
    // BENCH_HASH_THREADS overrides the pool size, to compare against an unbounded one.
    let hash_threads =
        std::env::var("BENCH_HASH_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or_else(PasswordHasher::default_concurrency);
    settings.hash_concurrency = hash_threads;
    let app = kura_server::build(settings, Arc::new(SystemClock)).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    let services = app.services.clone();
    tokio::spawn(app.run_until_stopped());

    provisioning::create_tenant(&services, &AuditActor::cli(), "bench", "Bench", &ClientInfo::cli()).await.unwrap();
    for i in 0..FLOODERS {
        provisioning::create_user(
            &services,
            &AuditActor::cli(),
            "bench",
            &format!("user{i}"),
            Role::Member,
            InitialPassword::Chosen(Password::new(PASSWORD.into())),
            &ClientInfo::cli(),
        )
        .await
        .unwrap();
    }

    let page = format!("{base}/login");
    let reader = reqwest::Client::new();
    let _ = measure(&reader, &page, Duration::from_secs(1)).await; // warm-up
    let baseline = measure(&reader, &page, PHASE).await;

    let stop = Arc::new(AtomicBool::new(false));
    let logins = Arc::new(AtomicU64::new(0));
    let mut flood = Vec::new();
    for i in 0..FLOODERS {
        let (stop, logins, base) = (stop.clone(), logins.clone(), base.clone());
        flood.push(tokio::spawn(async move {
            let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
            let login = format!("user{i}");
            while !stop.load(Ordering::Relaxed) {
                let r = c
                    .post(format!("{base}/api/login"))
                    .header("origin", &base)
                    .form(&[("org", "bench"), ("login", login.as_str()), ("password", PASSWORD)])
                    .send()
                    .await
                    .unwrap();
                if r.status().is_success() {
                    logins.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let logins_before = logins.load(Ordering::Relaxed);
    let started = Instant::now();
    let flooded = measure(&reader, &page, PHASE).await;
    let elapsed = started.elapsed();
    let logins_during = logins.load(Ordering::Relaxed) - logins_before;
    stop.store(true, Ordering::Relaxed);
    for f in flood {
        let _ = f.await;
    }

    let (b50, b99) = (percentile(&baseline, 0.5), percentile(&baseline, 0.99));
    let (f50, f99) = (percentile(&flooded, 0.5), percentile(&flooded, 0.99));
    let rate = logins_during as f64 / elapsed.as_secs_f64();
    println!(
        "login page (SSR), sequential requests for {PHASE:?} per phase ({} baseline, {} flooded samples); {FLOODERS} clients logging in meanwhile; hashing pool: {} thread(s)",
        baseline.len(),
        flooded.len(),
        hash_threads
    );
    println!("                 p50         p99");
    println!("baseline   {:>9.2?} {:>11.2?}", b50, b99);
    println!("flooded    {:>9.2?} {:>11.2?}   ({rate:.1} successful logins/s)", f50, f99);
    println!(
        "ratio      {:>9.2}x {:>10.2}x   (target: p99 ratio <= 2.0)",
        f50.as_secs_f64() / b50.as_secs_f64(),
        f99.as_secs_f64() / b99.as_secs_f64()
    );
}
