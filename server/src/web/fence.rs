//! The operator console's fence (WP-2.9): `/ops` pages, operator server
//! functions, and anything an operator's session does, answer only to
//! addresses on the operator allowlist (loopback by default). From anywhere
//! else they answer the site's ordinary 404, as if they did not exist, and
//! the attempt is audited.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use kura::audit::{self, Action, AuditActor, AuditEvent, ClientInfo, Outcome};
use kura::Services;
use kura_app::ssr::CurrentActor;

/// Where operators may work from.
#[derive(Clone, Debug)]
pub struct OperatorAllowlist(Arc<Vec<IpNet>>);

impl OperatorAllowlist {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(Arc::new(nets))
    }

    fn allows(&self, ip: Option<IpAddr>) -> bool {
        ip.is_some_and(|ip| self.0.iter().any(|n| n.contains(&ip)))
    }
}

/// Paths that belong to the operator console whoever asks.
fn is_console_path(path: &str) -> bool {
    path == "/ops" || path.starts_with("/ops/") || path.starts_with("/api/ops/")
}

pub async fn fence<F, Fut>(allow: OperatorAllowlist, services: Services, not_found: F, req: Request, next: Next) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let operator = req.extensions().get::<CurrentActor>().and_then(|a| a.0.as_ref()).filter(|a| a.is_operator()).cloned();
    let path = req.uri().path().to_owned();
    if !(is_console_path(&path) || operator.is_some()) {
        return next.run(req).await;
    }
    let client = req.extensions().get::<ClientInfo>().cloned().unwrap_or_default();
    if allow.allows(client.ip) {
        return next.run(req).await;
    }
    let who = operator.as_ref().map(|a| a.audit_actor()).unwrap_or_else(AuditActor::anonymous);
    let ev = AuditEvent::new(who, Action::OpsFenceDenied, Outcome::Denied)
        .from_client(&client)
        .detail(serde_json::json!({ "path": path.chars().take(200).collect::<String>() }));
    if let Err(e) = audit::record(&services.db, services.clock.now(), &ev).await {
        tracing::error!(error = ?e, "could not audit a fence denial");
    }
    // The same answer as for a page that does not exist, to anyone: the page
    // is rendered for nobody, so it names no operator and counts no alerts.
    let (mut parts, body) = req.into_parts();
    parts.method = http::Method::GET;
    parts.uri = http::Uri::from_static("/__not-found");
    parts.extensions.insert(kura_app::ssr::CurrentActor(None));
    not_found(Request::from_parts(parts, body)).await
}

/// The operator listener answers only to loopback host names: a page that
/// rebinds its own name to 127.0.0.1 (DNS rebinding) would otherwise pass the
/// origin check there and reach the console from the operator's own browser.
pub async fn loopback_host_only(req: Request, next: Next) -> Response {
    let host = req.headers().get(http::header::HOST).and_then(|h| h.to_str().ok()).or_else(|| req.uri().authority().map(|a| a.as_str()));
    if host.is_some_and(is_loopback_host) {
        return next.run(req).await;
    }
    let mut res = Response::new(axum::body::Body::from("This listener answers to 127.0.0.1, [::1] or localhost only.\n"));
    *res.status_mut() = http::StatusCode::MISDIRECTED_REQUEST;
    res
}

/// `127.0.0.1[:port]`, `[::1][:port]`, `localhost[:port]`.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']').filter(|(_, p)| p.is_empty() || is_port(p)).map(|(ip, _)| ip),
        None => match host.rsplit_once(':') {
            Some((name, port)) if is_port(&format!(":{port}")) => Some(name),
            Some(_) => None,
            None => Some(host),
        },
    };
    name.is_some_and(|n| n.eq_ignore_ascii_case("localhost") || n.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()))
}

fn is_port(p: &str) -> bool {
    p.strip_prefix(':').is_some_and(|d| !d.is_empty() && d.len() <= 5 && d.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_operator_listener_knows_only_loopback_names() {
        for ok in ["127.0.0.1:3001", "127.0.0.1", "[::1]:3001", "[::1]", "localhost:3001", "LOCALHOST"] {
            assert!(super::is_loopback_host(ok), "{ok}");
        }
        for bad in ["evil.example:3001", "evil.example", "127.0.0.1.evil.example", "[::1]x", "localhost:x", "192.0.2.1:3001", ""] {
            assert!(!super::is_loopback_host(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn the_console_paths_are_fenced_and_nothing_else_by_path() {
        for p in ["/ops", "/ops/login", "/ops/tenants/x", "/api/ops/login", "/api/ops/tenants/list"] {
            assert!(is_console_path(p), "{p}");
        }
        for p in ["/", "/login", "/opsx", "/api/login", "/api/accounts/list", "/pkg/kura.css"] {
            assert!(!is_console_path(p), "{p}");
        }
    }

    #[test]
    fn the_default_allowlist_is_loopback_only() {
        let allow = OperatorAllowlist::new(crate::config::default_operator_allowlist());
        assert!(allow.allows("127.0.0.1".parse().ok()));
        assert!(allow.allows("::1".parse().ok()));
        assert!(!allow.allows("192.0.2.1".parse().ok()));
        assert!(!allow.allows(None));
    }
}
