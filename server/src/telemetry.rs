//! Logging. Human-readable on the terminal (JSON with `--log-json`); `kura
//! serve` also writes structured JSON lines under `<data>/logs/`, one file
//! per day, keeping as many days as the log retention (at least 90).
//! Nothing secret or personal is ever passed to a log macro; request logs
//! carry a request id, method, path (never the query), status, latency,
//! client address and, once known, the organisation and user ids.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Keeps the file writer flushing until the process ends.
pub struct LogGuard(#[allow(dead_code)] Option<WorkerGuard>);

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("KURA_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn,tower_sessions_core=warn"))
}

/// `files`: the log directory and how many daily files to keep.
pub fn init(json: bool, files: Option<(&Path, usize)>) -> Result<LogGuard, String> {
    let terminal = fmt::layer().with_target(false).with_writer(std::io::stdout);
    let terminal = if json { terminal.json().boxed() } else { terminal.boxed() };
    let (file_layer, guard) = match files {
        Some((dir, keep_days)) => {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the log directory {}: {e}", dir.display()))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
            }
            let appender = Builder::new()
                .rotation(Rotation::DAILY)
                .filename_prefix("kura")
                .filename_suffix("log")
                .max_log_files(keep_days)
                .build(dir)
                .map_err(|e| format!("cannot open the log file in {}: {e}", dir.display()))?;
            // Not lossy: under pressure the writer waits rather than dropping lines.
            let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default().lossy(false).finish(appender);
            let layer = fmt::layer().json().with_current_span(true).with_span_list(false).with_writer(writer).boxed();
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry().with(filter()).with(terminal).with(file_layer).try_init();
    Ok(LogGuard(guard))
}
