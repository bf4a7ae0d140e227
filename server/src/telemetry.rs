//! Logging. Human-readable on the terminal; structured JSON with `--log-json`.
//! Nothing secret or personal is ever passed to a log macro; request logs carry
//! the path only (never the query string), method, status and latency.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_env("KURA_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn,tower_sessions_core=warn"));
    let builder = fmt().with_env_filter(filter).with_target(false).with_writer(std::io::stdout);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
