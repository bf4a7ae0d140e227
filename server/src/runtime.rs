//! Staying up, and saying so honestly.
//!
//! - Pages render on a pool of single-threaded workers ([`RenderPool`]): one
//!   request's reactive graph (its Resources, Suspense boundaries and effects)
//!   is only ever touched by one thread. Leptos' reactive graph takes its
//!   node locks in different orders on different paths (an effect clearing
//!   its sources vs. a resource notifying its Suspense), which deadlocked
//!   both workers of a multi-threaded runtime (upstream leptos#4673 class);
//!   on one thread the two paths cannot interleave.
//! - Every runtime thread beats a [`Heartbeats`] slot each second. `/healthz`
//!   answers from them, and a [`watchdog`] on a plain thread ends the process
//!   with one log line when a runtime stops making progress, so a supervisor
//!   restarts it.
//! - SIGTERM and SIGINT are taken on a plain thread too ([`signals`]): a
//!   stalled runtime cannot see a signal. The first starts a graceful
//!   shutdown with a deadline; a second, or the deadline, exits at once.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use http::StatusCode;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::task::LocalPoolHandle;

/// How often each runtime thread beats.
const BEAT_EVERY: Duration = Duration::from_secs(1);
/// `/healthz` says "stalled" when a beat is older than this.
const HEALTHY_WITHIN: Duration = Duration::from_secs(3);
/// The watchdog ends the process when a beat is older than this.
pub const STALL_LIMIT: Duration = Duration::from_secs(10);
/// After SIGTERM, connections get this long to finish before the process exits.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);
/// Exit status when the watchdog ends a stalled process (EX_SOFTWARE).
pub const EXIT_STALLED: i32 = 70;

/// The last beat of each runtime thread, in milliseconds since start.
#[derive(Clone)]
pub struct Heartbeats {
    start: Instant,
    slots: Arc<Vec<(String, AtomicU64)>>,
}

impl Heartbeats {
    /// `render_threads` slots for the render pool, plus one for the main runtime.
    pub fn new(render_threads: usize) -> Heartbeats {
        let mut slots = vec![(String::from("runtime"), AtomicU64::new(0))];
        slots.extend((0..render_threads).map(|i| (format!("render-{i}"), AtomicU64::new(0))));
        Heartbeats { start: Instant::now(), slots: Arc::new(slots) }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn beat(&self, slot: usize) {
        if let Some((_, at)) = self.slots.get(slot) {
            at.store(self.now_ms(), Ordering::Relaxed);
        }
    }

    /// Beats `slot` every second, forever, on whatever runtime runs it.
    async fn beating(self, slot: usize) {
        let mut tick = tokio::time::interval(BEAT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.beat(slot);
        }
    }

    /// The main runtime's beat; call from inside it.
    pub fn start_main(&self) -> tokio::task::JoinHandle<()> {
        self.beat(0);
        tokio::spawn(self.clone().beating(0))
    }

    /// Threads whose last beat is older than `limit`, with its age.
    pub fn stalled(&self, limit: Duration) -> Vec<(String, Duration)> {
        let now = self.now_ms();
        self.slots
            .iter()
            .filter_map(|(name, at)| {
                let age = Duration::from_millis(now.saturating_sub(at.load(Ordering::Relaxed)));
                (age > limit).then(|| (name.clone(), age))
            })
            .collect()
    }

    /// What `/healthz` answers: every runtime thread beat recently.
    pub fn health(&self) -> Response {
        let stalled = self.stalled(HEALTHY_WITHIN);
        if stalled.is_empty() {
            (StatusCode::OK, "ok\n").into_response()
        } else {
            let names: Vec<_> = stalled.iter().map(|(n, _)| n.as_str()).collect();
            (StatusCode::SERVICE_UNAVAILABLE, format!("stalled: {}\n", names.join(", "))).into_response()
        }
    }
}

/// A plain thread that ends the process when a runtime thread has not beaten
/// for `limit`: a supervisor (systemd `Restart=always`) then starts it again.
pub fn watchdog(beats: Heartbeats, limit: Duration) {
    watch_beats(beats, limit, |name, age| {
        tracing::error!(thread = %name, seconds = age.as_secs(), "runtime stalled; exiting for a restart");
        eprintln!(
            "kura: the {name} thread has made no progress for {} s; exiting (status {EXIT_STALLED}) so the supervisor restarts Kura",
            age.as_secs()
        );
        // Give the log writer a moment; it runs on its own thread.
        std::thread::sleep(Duration::from_millis(300));
        std::process::exit(EXIT_STALLED);
    });
}

/// Checks `beats` every second on a plain thread and calls `on_stall` once
/// for the first thread found silent for longer than `limit`.
fn watch_beats(beats: Heartbeats, limit: Duration, on_stall: impl FnOnce(String, Duration) + Send + 'static) {
    let spawned = std::thread::Builder::new().name(String::from("kura-watchdog")).spawn(move || loop {
        std::thread::sleep(BEAT_EVERY.min(limit));
        if let Some((name, age)) = beats.stalled(limit).into_iter().next() {
            on_stall(name, age);
            return;
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the watchdog thread");
    }
}

/// Takes SIGTERM and SIGINT on a plain thread. The first starts a graceful
/// shutdown (the returned receiver turns true) and arms `deadline`; a second
/// signal, or the deadline passing, exits the process at once.
pub fn signals(deadline: Duration) -> std::io::Result<watch::Receiver<bool>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut incoming = signal_hook::iterator::Signals::new([SIGTERM, SIGINT])?;
    let (tx, rx) = watch::channel(false);
    std::thread::Builder::new().name(String::from("kura-signals")).spawn(move || {
        for (n, signal) in incoming.forever().enumerate() {
            if n == 0 {
                tracing::info!(signal, "shutting down");
                let _ = tx.send(true);
                let _ = std::thread::Builder::new().name(String::from("kura-shutdown-deadline")).spawn(move || {
                    std::thread::sleep(deadline);
                    tracing::warn!(seconds = deadline.as_secs(), "shutdown did not finish in time; exiting");
                    eprintln!("kura: shutdown did not finish within {} s; exiting", deadline.as_secs());
                    std::thread::sleep(Duration::from_millis(200));
                    std::process::exit(0);
                });
            } else {
                eprintln!("kura: second signal; exiting now");
                std::process::exit(1);
            }
        }
    })?;
    Ok(rx)
}

/// Resolves when `shutdown` turns true (or its sender is gone).
pub async fn until_shutdown(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

type PageFuture = Pin<Box<dyn Future<Output = Response<Body>> + Send + 'static>>;

/// Renders pages on single-threaded workers (see the module comment).
#[derive(Clone)]
pub struct RenderPool {
    pool: LocalPoolHandle,
}

impl RenderPool {
    /// `threads` workers, each beating its slot of `beats` (slot 1 + i).
    pub fn new(threads: usize, beats: &Heartbeats) -> RenderPool {
        let pool = LocalPoolHandle::new(threads.max(1));
        for i in 0..pool.num_threads() {
            let beats = beats.clone();
            beats.beat(i + 1);
            drop(pool.spawn_pinned_by_idx(move || beats.beating(i + 1), i));
        }
        RenderPool { pool }
    }

    /// Runs `render` (a Leptos page handler, given its request) on one worker
    /// and streams its body from there: the page's futures, its resources'
    /// tasks and its effects all stay on that worker's thread.
    pub async fn render(&self, render: impl FnOnce() -> PageFuture + Send + 'static) -> Response {
        let (head_tx, head_rx) = oneshot::channel();
        let (body_tx, mut body_rx) = mpsc::channel::<Result<Bytes, axum::Error>>(16);
        drop(self.pool.spawn_pinned(move || async move {
            let (parts, body) = render().await.into_parts();
            if head_tx.send(parts).is_err() {
                return;
            }
            let mut chunks = body.into_data_stream();
            while let Some(chunk) = chunks.next().await {
                // The client went away: stop rendering.
                if body_tx.send(chunk).await.is_err() {
                    break;
                }
            }
        }));
        match head_rx.await {
            Ok(parts) => {
                let body = futures_util::stream::poll_fn(move |cx| body_rx.poll_recv(cx));
                Response::from_parts(parts, Body::from_stream(body))
            }
            Err(_) => {
                tracing::error!("page render ended without a response");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_that_stops_beating_is_reported_stalled() {
        let beats = Heartbeats::new(1);
        beats.beat(0);
        beats.beat(1);
        assert!(beats.stalled(Duration::from_secs(5)).is_empty());
        std::thread::sleep(Duration::from_millis(30));
        beats.beat(0);
        let stalled = beats.stalled(Duration::from_millis(20));
        assert_eq!(stalled.len(), 1);
        assert_eq!(stalled[0].0, "render-0");
    }

    #[test]
    fn the_watchdog_names_the_thread_that_stopped_while_the_others_beat() {
        let beats = Heartbeats::new(2);
        for slot in 0..3 {
            beats.beat(slot);
        }
        let (tx, rx) = std::sync::mpsc::channel();
        watch_beats(beats.clone(), Duration::from_millis(300), move |name, _| {
            let _ = tx.send(name);
        });
        // Slots 0 and 2 keep beating; slot 1 (render-0) has stopped.
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(2) {
            beats.beat(0);
            beats.beat(2);
            if let Ok(name) = rx.try_recv() {
                assert_eq!(name, "render-0");
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the watchdog did not notice the stalled thread");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_page_renders_on_one_thread_with_everything_it_spawns() {
        let beats = Heartbeats::new(2);
        let pool = RenderPool::new(2, &beats);
        let res = pool
            .render(|| {
                Box::pin(async {
                    let here = std::thread::current().id();
                    // A task the page spawns (as Leptos spawns a Resource's loader) runs on the same thread.
                    let spawned = tokio::spawn(async { std::thread::current().id() }).await.unwrap_or(here);
                    Response::new(Body::from(format!("{}", here == spawned)))
                })
            })
            .await;
        let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap_or_default();
        assert_eq!(&body[..], b"true");
    }

    #[tokio::test]
    async fn a_panicking_render_answers_500_instead_of_hanging() {
        let pool = RenderPool::new(1, &Heartbeats::new(1));
        let res = pool.render(|| Box::pin(async { panic!("render failed") })).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
