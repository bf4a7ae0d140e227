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
use futures_util::{FutureExt as _, StreamExt};
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
    let every = BEAT_EVERY.min(limit);
    let spawned = std::thread::Builder::new().name(String::from("kura-watchdog")).spawn(move || loop {
        let slept = Instant::now();
        std::thread::sleep(every);
        // Overslept: the whole process was paused (SIGSTOP, a suspended VM),
        // the runtimes with it. Give them a round to beat before judging.
        if slept.elapsed() > every + limit / 2 {
            continue;
        }
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
            let abort = body_tx.clone();
            let work = stream_page(render, head_tx, body_tx);
            // A panic or an overrun after the headers went out must not look
            // like a complete page: the body ends with an error, which ends the
            // response abnormally (HTTP/2 RST_STREAM, HTTP/1.1 no last chunk).
            let why = match tokio::time::timeout(RENDER_DEADLINE, std::panic::AssertUnwindSafe(work).catch_unwind()).await {
                Ok(Ok(())) => return,
                Ok(Err(_)) => "page render panicked",
                Err(_) => "page render took longer than its deadline",
            };
            tracing::error!(seconds = RENDER_DEADLINE.as_secs(), "{why}");
            let _ = abort.send(Err(axum::Error::new(std::io::Error::other(why)))).await;
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

/// A page may take this long to render, all of it.
const RENDER_DEADLINE: Duration = Duration::from_secs(30);

/// Renders, hands over the head, then streams the body in coalesced pieces.
/// Stops as soon as the client has gone, even while the render waits for data.
async fn stream_page(
    render: impl FnOnce() -> PageFuture,
    head_tx: oneshot::Sender<http::response::Parts>,
    body_tx: mpsc::Sender<Result<Bytes, axum::Error>>,
) {
    let response = tokio::select! {
        r = render() => r,
        _ = body_tx.closed() => return,
    };
    let (parts, body) = response.into_parts();
    if head_tx.send(parts).is_err() {
        return;
    }
    let mut chunks = body.into_data_stream();
    let mut failed = None;
    loop {
        let next = tokio::select! {
            next = next_coalesced(&mut chunks, &mut failed) => next,
            _ = body_tx.closed() => return,
        };
        let Some(chunk) = next else { return };
        if body_tx.send(chunk).await.is_err() {
            return;
        }
    }
}

/// Up to this much of what the render has ready goes out as one chunk.
const COALESCE_UP_TO: usize = 16 * 1024;
/// A piece smaller than this waits a moment for more before it goes out.
const COALESCE_AT_LEAST: usize = 2 * 1024;
/// How long a small piece waits for more of the page.
const COALESCE_WAIT: Duration = Duration::from_millis(15);

/// The next piece of a page: the chunks the render has ready (Leptos yields
/// many small ones) joined up to [`COALESCE_UP_TO`]; a piece under
/// [`COALESCE_AT_LEAST`] waits up to [`COALESCE_WAIT`] for more, so the head
/// of a page whose data takes a while still leaves at once. One HTTP/2 DATA
/// frame or chunked-encoding chunk per piece instead of one per text node:
/// HTTP/2 clients refuse a flood of tiny frames (h2 answers GOAWAY
/// `too_many_data_frames`), and every client is spared the overhead. An
/// error met while joining is kept in `failed` and comes next, so a broken
/// render never looks like a complete page.
async fn next_coalesced<S>(chunks: &mut S, failed: &mut Option<axum::Error>) -> Option<Result<Bytes, axum::Error>>
where
    S: futures_util::Stream<Item = Result<Bytes, axum::Error>> + Unpin,
{
    if let Some(e) = failed.take() {
        return Some(Err(e));
    }
    // Empty chunks are dropped: an empty DATA frame says nothing, and h2
    // clients end a connection after a hundred of them.
    let mut joined = loop {
        match chunks.next().await? {
            Ok(b) if b.is_empty() => continue,
            Ok(b) if b.len() >= COALESCE_UP_TO => return Some(Ok(b)),
            Ok(b) => break b.to_vec(),
            Err(e) => return Some(Err(e)),
        }
    };
    while joined.len() < COALESCE_UP_TO {
        let ready = match chunks.next().now_or_never() {
            Some(next) => next,
            None if joined.len() < COALESCE_AT_LEAST => match tokio::time::timeout(COALESCE_WAIT, chunks.next()).await {
                Ok(next) => next,
                Err(_) => break,
            },
            None => break,
        };
        match ready {
            Some(Ok(more)) => joined.extend_from_slice(&more),
            Some(Err(e)) => {
                *failed = Some(e);
                break;
            }
            None => break,
        }
    }
    Some(Ok(Bytes::from(joined)))
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
    async fn ready_chunks_go_out_together_and_waiting_ones_are_not_waited_for() {
        let (tx, rx) = mpsc::unbounded_channel::<Result<Bytes, axum::Error>>();
        for piece in ["<html>", "<body>", "a"] {
            let _ = tx.send(Ok(Bytes::from(piece)));
        }
        let mut stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) }).boxed();
        let mut failed = None;
        let first = next_coalesced(&mut stream, &mut failed).await.and_then(Result::ok).unwrap_or_default();
        assert_eq!(&first[..], b"<html><body>a", "what was ready (and came within a moment) went out as one chunk");
        // Nothing ready now: the next piece waits for the render, then goes out
        // without waiting longer than a moment for the rest.
        let later = tokio::spawn(async move { next_coalesced(&mut stream, &mut failed).await.and_then(Result::ok).unwrap_or_default() });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = tx.send(Ok(Bytes::from("<main>")));
        let started = Instant::now();
        assert_eq!(&later.await.unwrap_or_default()[..], b"<main>");
        assert!(started.elapsed() < Duration::from_secs(1), "a small piece is not held back for long");
        drop(tx);
    }

    #[tokio::test]
    async fn empty_chunks_are_dropped_and_a_failure_after_joined_chunks_is_still_reported() {
        let items: Vec<Result<Bytes, axum::Error>> =
            vec![Ok(Bytes::new()), Ok(Bytes::from("<html>")), Err(axum::Error::new(std::io::Error::other("render failed")))];
        let mut stream = futures_util::stream::iter(items);
        let mut failed = None;
        assert!(matches!(next_coalesced(&mut stream, &mut failed).await, Some(Ok(b)) if &b[..] == b"<html>"));
        assert!(matches!(next_coalesced(&mut stream, &mut failed).await, Some(Err(_))), "the failure comes next");
    }

    #[tokio::test]
    async fn a_render_that_fails_after_its_head_ends_the_body_with_an_error_not_a_clean_end() {
        let pool = RenderPool::new(1, &Heartbeats::new(1));
        let res = pool
            .render(|| {
                Box::pin(async {
                    let body = futures_util::stream::once(async { Ok::<_, std::io::Error>(Bytes::from("<html><body>")) })
                        .chain(futures_util::stream::once(async { panic!("a Suspense failed") }));
                    Response::new(Body::from_stream(body))
                })
            })
            .await;
        assert_eq!(res.status(), StatusCode::OK, "the head had gone out");
        let read = axum::body::to_bytes(res.into_body(), 1 << 20).await;
        assert!(read.is_err(), "the body ends with an error, so no client takes it for a whole page");
    }

    #[tokio::test]
    async fn a_panicking_render_answers_500_instead_of_hanging() {
        let pool = RenderPool::new(1, &Heartbeats::new(1));
        let res = pool.render(|| Box::pin(async { panic!("render failed") })).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
