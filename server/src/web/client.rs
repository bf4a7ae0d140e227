//! Who is on the other end: the socket peer, unless the peer is one of the
//! configured trusted proxies; then the `Forwarded` (RFC 7239) or
//! `X-Forwarded-For` chain is walked from the right, skipping trusted
//! proxies, and the first untrusted address is the client. Headers from an
//! untrusted peer are ignored, and a malformed chain falls back to the peer.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{header, HeaderMap};
use ipnet::IpNet;
use kura::audit::ClientInfo;
use kura::network::canonical;

/// Longest forwarding header we read, and most hops we walk: anything longer
/// is not from a proxy we configured.
const MAX_HEADER_BYTES: usize = 4096;
const MAX_HOPS: usize = 32;

/// The request's log span (method, path, request id, address, organisation, user).
#[derive(Clone, Debug)]
pub struct RequestSpan(pub tracing::Span);

/// The configured trusted proxies.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(Arc::new(nets))
    }

    fn contains(&self, ip: &IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }
}

pub async fn client_info(State(trusted): State<TrustedProxies>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = peer.map(|p| client_address(p, req.headers(), &trusted));
    // The request's log span, for inner layers that learn more (other
    // layers, such as the session manager, may open spans of their own).
    let span = tracing::Span::current();
    if let Some(ip) = ip {
        span.record("ip", tracing::field::display(ip));
    }
    req.extensions_mut().insert(RequestSpan(span));
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect::<String>());
    req.extensions_mut().insert(ClientInfo { ip, user_agent });
    next.run(req).await
}

/// The client's address for a request that arrived from `peer`.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops = match forwarded_hops(headers) {
        Some(h) => h,
        None => return peer,
    };
    // Right to left: the rightmost entry was added by the proxy nearest to us.
    let mut client = peer;
    for hop in hops.iter().rev() {
        client = *hop;
        if !trusted.contains(hop) {
            return client;
        }
    }
    // Every hop was a trusted proxy: the leftmost is the best we know.
    client
}

/// The chain of addresses from `Forwarded` if present, else `X-Forwarded-For`;
/// `None` when absent, too long, or any entry is not an address.
fn forwarded_hops(headers: &HeaderMap) -> Option<Vec<IpAddr>> {
    let joined = |name: &str| -> Option<String> {
        let values: Vec<&str> = headers.get_all(name).iter().map(|v| v.to_str().ok()).collect::<Option<_>>()?;
        if values.is_empty() {
            return None;
        }
        Some(values.join(","))
    };
    let (text, parse): (String, fn(&str) -> Option<IpAddr>) = if let Some(f) = joined("forwarded") {
        (f, forwarded_for)
    } else {
        (joined("x-forwarded-for")?, plain_address)
    };
    if text.len() > MAX_HEADER_BYTES {
        return None;
    }
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() > MAX_HOPS {
        return None;
    }
    parts.iter().map(|p| parse(p.trim()).map(canonical)).collect()
}

/// An X-Forwarded-For entry: an address, optionally `v4:port` or `[v6]:port`.
fn plain_address(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    s.parse::<SocketAddr>().ok().map(|sa| sa.ip())
}

/// The `for=` parameter of one RFC 7239 element (`for=192.0.2.1;proto=https`,
/// `for="[2001:db8::1]:4711"`). Obfuscated identifiers and `unknown` are not addresses.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    let value = element.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case("for").then(|| v.trim().trim_matches('"'))
    })?;
    let bare = value.strip_prefix('[').and_then(|v| v.split_once(']')).map(|(ip, _)| ip).unwrap_or(value);
    plain_address(bare)
}


#[cfg(test)]
mod tests {
    use super::*;

    fn trusted() -> TrustedProxies {
        TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap(), "2001:db8:ffff::/48".parse().unwrap()])
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_its_headers_say() {
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(client_address(ip("198.51.100.9"), &h, &trusted()), ip("198.51.100.9"));
    }

    #[test]
    fn through_a_trusted_proxy_the_first_untrusted_address_from_the_right_is_the_client() {
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.7, 10.0.0.2")]);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &trusted()), ip("203.0.113.7"));
        // Several header lines are one list.
        let h = headers(&[("x-forwarded-for", "203.0.113.7"), ("x-forwarded-for", "10.0.0.2")]);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &trusted()), ip("203.0.113.7"));
    }

    #[test]
    fn rfc_7239_forwarded_is_read_with_ipv6_and_ports() {
        let h = headers(&[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.2")]);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &trusted()), ip("2001:db8::7"));
        let h = headers(&[("forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43")]);
        assert_eq!(client_address(ip("2001:db8:ffff::1"), &h, &trusted()), ip("192.0.2.60"));
    }

    #[test]
    fn garbage_falls_back_to_the_peer() {
        let digits = "9".repeat(8 * 1024);
        for bad in [",,,", "unknown", digits.as_str(), "203.0.113.7, nonsense", "for=_hidden"] {
            let h = headers(&[("x-forwarded-for", bad)]);
            assert_eq!(client_address(ip("10.0.0.1"), &h, &trusted()), ip("10.0.0.1"), "{bad:?}");
        }
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &trusted()), ip("10.0.0.1"));
        let many = vec!["203.0.113.7"; 40].join(",");
        let h = headers(&[("x-forwarded-for", many.as_str())]);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &trusted()), ip("10.0.0.1"));
    }

    #[test]
    fn ipv4_mapped_peers_count_as_ipv4() {
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(client_address(ip("::ffff:10.0.0.1"), &h, &trusted()), ip("203.0.113.7"));
    }

    #[test]
    fn with_no_proxies_configured_headers_are_never_read() {
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(client_address(ip("127.0.0.1"), &h, &TrustedProxies::default()), ip("127.0.0.1"));
    }
}
