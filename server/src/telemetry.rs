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
    EnvFilter::try_from_env("KURA_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn,tower_sessions_core=warn"))
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

/// The audit chain heads recorded in the system log files of `dir` (written
/// by the server's alert job), for `kura audit verify`. Lines that are not
/// such records, or files that cannot be read, are skipped.
pub fn witnessed_heads(dir: &Path) -> Vec<kura::audit::WitnessedHead> {
    use std::io::BufRead;
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut heads = Vec::new();
    for entry in entries.flatten() {
        let Ok(file) = std::fs::File::open(entry.path()) else { continue };
        // Line by line: a year of logs is not read into memory at once.
        heads.extend(std::io::BufReader::new(file).lines().map_while(Result::ok).filter_map(|l| witnessed_head(&l)));
    }
    heads.sort_by_key(|h| h.seq);
    heads.dedup();
    heads
}

fn witnessed_head(line: &str) -> Option<kura::audit::WitnessedHead> {
    if !line.contains(crate::jobs::AUDIT_HEAD_TARGET) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    if v.get("target")?.as_str()? != crate::jobs::AUDIT_HEAD_TARGET {
        return None;
    }
    let fields = v.get("fields")?;
    kura::audit::WitnessedHead::from_logged(fields.get("seq")?.as_i64()?, fields.get("link")?.as_str()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn head_records_are_read_back_from_the_json_log_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let lines = [
            r#"{"timestamp":"2026-12-01T00:00:00Z","level":"INFO","fields":{"message":"audit chain head","seq":5,"link":"00ff"},"target":"kura::audit_head"}"#,
            r#"{"timestamp":"2026-12-01T00:01:00Z","level":"INFO","fields":{"message":"request","seq":9,"link":"11"},"target":"kura_server::web"}"#,
            r#"{"fields":{"message":"kura::audit_head","seq":7,"link":"zz"},"target":"kura::audit_head"}"#,
            "not json kura::audit_head",
        ];
        std::fs::write(dir.path().join("kura.2026-12-01.log"), lines.join("\n")).unwrap();
        let heads = super::witnessed_heads(dir.path());
        assert_eq!(heads, vec![kura::audit::WitnessedHead { seq: 5, link: vec![0, 255] }]);
    }
}
