//! What does the hash chain cost? Appends the same audit events, each in its
//! own transaction, once through `audit::record` (SHA-256 over the previous
//! hash and the row, head moved by compare-and-set) and once as a plain insert of the same
//! row into a copy of the table (same columns and indexes) without the chain, alternating rounds in one
//! run, on SQLite (a file, WAL) and on PostgreSQL when reachable.
//!
//! `cargo bench -p kura-server --bench audit_chain` (release build).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use kura::audit::{self, Action, AuditActor, AuditEvent, Outcome};
use kura::testing::TestDb;
use kura::Timestamp;

/// Events per round, and rounds; `cargo test` (no `--bench`) runs a small smoke round.
fn events() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        1000
    } else {
        50
    }
}
const ROUNDS: usize = 3;

fn event(i: usize) -> AuditEvent {
    AuditEvent::new(AuditActor::system(), Action::SessionEnded, Outcome::Success)
        .target(format!("user-{i}"))
        .detail(serde_json::json!({ "reason": "idle_timeout", "i": i }))
}

async fn chained(t: &TestDb) -> Duration {
    let start = Instant::now();
    for i in 0..events() {
        audit::record(&t.db, Timestamp::from_millis(1_000 + i as i64), &event(i)).await.unwrap();
    }
    start.elapsed()
}

async fn plain(t: &TestDb, offset: usize) -> Duration {
    let start = Instant::now();
    for i in 0..events() {
        let ev = event(i);
        let mut tx = t.db.begin_write_in(kura::Reach::Installation).await.unwrap();
        sqlx::query(
            "INSERT INTO audit_plain (seq, id, at, actor_user_id, actor_label, tenant_id, client_ip, \
             action, target, result, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind((offset + i) as i64)
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(1_000 + i as i64)
        .bind(None::<String>)
        .bind(&ev.actor.label)
        .bind(None::<String>)
        .bind(None::<String>)
        .bind(ev.action.as_str())
        .bind(ev.target.clone())
        .bind(ev.outcome.as_str())
        .bind(ev.detail.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    start.elapsed()
}

async fn run(label: &str) {
    let t = TestDb::fresh().await;
    // The audit table's columns and indexes, without the chain.
    for ddl in [
        "CREATE TABLE audit_plain (seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, at BIGINT NOT NULL, \
         actor_user_id TEXT, actor_label TEXT NOT NULL, tenant_id TEXT, client_ip TEXT, action TEXT NOT NULL, \
         target TEXT, result TEXT NOT NULL, detail TEXT NOT NULL)",
        "CREATE INDEX audit_plain_by_tenant_time ON audit_plain (tenant_id, at)",
        "CREATE INDEX audit_plain_by_time ON audit_plain (at)",
    ] {
        sqlx::query(ddl).execute(t.db.pool()).await.unwrap();
    }
    let (mut with_chain, mut without) = (Duration::ZERO, Duration::ZERO);
    for round in 0..ROUNDS {
        without += plain(&t, round * events()).await;
        with_chain += chained(&t).await;
    }
    assert!(audit::verify(&t.db).await.unwrap().is_intact());
    let n = (events() * ROUNDS) as f64;
    let rate = |d: Duration| n / d.as_secs_f64();
    let cost = 1.0 - rate(with_chain) / rate(without);
    println!(
        "{label}: plain {:.0} inserts/s, chained {:.0} inserts/s, chain costs {:.1}% of the throughput",
        rate(without),
        rate(with_chain),
        cost * 100.0
    );
}

#[tokio::main]
async fn main() {
    std::env::set_var("KURA_TEST_BACKEND", "sqlite");
    run("SQLite").await;
    let pg = std::env::var("KURA_TEST_PG_URL").unwrap_or_else(|_| String::from("postgres://postgres@127.0.0.1:5432/test"));
    if kura::Db::connect(&pg).await.is_ok() {
        std::env::set_var("KURA_TEST_BACKEND", "postgres");
        run("PostgreSQL").await;
    } else {
        println!("PostgreSQL not reachable: skipped");
    }
}
