//! Who is on the other end. The socket peer, unless the peer is one of the
//! configured trusted proxies; then exactly one forwarding header, the one the
//! operator configured (`X-Forwarded-For` by default, or RFC 7239
//! `Forwarded`), is walked from the right past trusted hops, and the first
//! untrusted address is the client. Headers from an untrusted peer are
//! ignored.
//!
//! Fail closed: through a trusted proxy, a chain that is absent, malformed,
//! too long, not UTF-8, or made only of trusted hops yields *no* client
//! address. Nothing that admits by address (an organisation's allowlist, the
//! operator fence) admits a request without one; the audit log records it as
//! `unknown`, and the login throttle counts all such requests in one bucket.
//! (Falling back to the proxy's own address would hand every forger the
//! proxy's standing, loopback included.)

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{header, HeaderMap};
use ipnet::IpNet;
use kura::audit::ClientInfo;
use kura::network::canonical;

/// Most trusted hops we walk, and the longest entry we parse: anything longer
/// is not from a proxy we configured.
const MAX_HOPS: usize = 32;
const MAX_ENTRY_BYTES: usize = 256;

/// The request's log span (method, path, request id, address, organisation, user).
#[derive(Clone, Debug)]
pub struct RequestSpan(pub tracing::Span);

/// The one header a trusted proxy writes the client's address into.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, ...` (nginx, most load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

impl ForwardedHeader {
    fn name(self) -> &'static str {
        match self {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        }
    }
}

/// The configured trusted proxies and the header they write.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies {
    nets: Arc<Vec<IpNet>>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>, header: ForwardedHeader) -> Self {
        Self { nets: Arc::new(nets), header }
    }

    fn contains(&self, ip: &IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(ip))
    }
}

pub async fn client_info(State(trusted): State<TrustedProxies>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = peer.and_then(|p| client_address(p, req.headers(), &trusted));
    // The request's log span, for inner layers that learn more (other
    // layers, such as the session manager, may open spans of their own).
    let span = tracing::Span::current();
    match ip {
        Some(ip) => span.record("ip", tracing::field::display(ip)),
        None => span.record("ip", "unknown"),
    };
    req.extensions_mut().insert(RequestSpan(span));
    let user_agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(200).collect::<String>());
    req.extensions_mut().insert(ClientInfo::web(ip, user_agent));
    next.run(req).await
}

/// The client's address for a request that arrived from `peer`; `None` when
/// a trusted proxy sent it without a usable chain.
///
/// Only the hops that trusted proxies vouch for are read: from the right,
/// each must parse and be trusted until the first untrusted one, the client.
/// What stands left of it is the client's own say and is never read, so a
/// client cannot spoil its own entry by sending junk before it.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = canonical(peer);
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let parse = match trusted.header {
        ForwardedHeader::XForwardedFor => plain_address,
        ForwardedHeader::Forwarded => forwarded_for,
    };
    let mut walked = 0;
    // Several header lines are one list, in order: the last line's last entry is the nearest hop.
    let lines: Vec<&http::HeaderValue> = headers.get_all(trusted.header.name()).iter().collect();
    for line in lines.into_iter().rev() {
        for entry in line.as_bytes().rsplit(|b| *b == b',') {
            walked += 1;
            if walked > MAX_HOPS || entry.len() > MAX_ENTRY_BYTES {
                return None;
            }
            let hop = canonical(std::str::from_utf8(entry).ok().and_then(|e| parse(e.trim()))?);
            if !trusted.contains(&hop) {
                return Some(hop);
            }
        }
    }
    // No chain, or only trusted hops: nobody says who the client is.
    None
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
    let mut found = None;
    for pair in element.split(';') {
        let (k, v) = pair.trim().split_once('=')?;
        if k.trim().eq_ignore_ascii_case("for") {
            if found.is_some() {
                return None; // two `for=` in one element: not from our proxy
            }
            found = Some(v.trim());
        }
    }
    let raw = found?;
    let value = match raw.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => raw,
    };
    if let Some(rest) = value.strip_prefix('[') {
        let (ip, port) = rest.split_once(']')?;
        if !(port.is_empty() || port.strip_prefix(':').is_some_and(|p| p.parse::<u16>().is_ok())) {
            return None;
        }
        return ip.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6);
    }
    plain_address(value)
}

/// Networks that overlap: one contains the other's first address.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted() -> TrustedProxies {
        TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap(), "2001:db8:ffff::/48".parse().unwrap()], ForwardedHeader::XForwardedFor)
    }

    fn trusted_forwarded() -> TrustedProxies {
        TrustedProxies { header: ForwardedHeader::Forwarded, ..trusted() }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    fn peer(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_its_headers_say() {
        let h = headers(&[("x-forwarded-for", "203.0.113.7"), ("forwarded", "for=203.0.113.8")]);
        assert_eq!(client_address(peer("198.51.100.9"), &h, &trusted()), ip("198.51.100.9"));
        assert_eq!(client_address(peer("198.51.100.9"), &h, &trusted_forwarded()), ip("198.51.100.9"));
    }

    #[test]
    fn through_a_trusted_proxy_the_first_untrusted_address_from_the_right_is_the_client() {
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.7, 10.0.0.2")]);
        assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted()), ip("203.0.113.7"));
        // Several header lines are one list.
        let h = headers(&[("x-forwarded-for", "203.0.113.7"), ("x-forwarded-for", "10.0.0.2")]);
        assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted()), ip("203.0.113.7"));
    }

    #[test]
    fn rfc_7239_forwarded_is_read_with_ipv6_and_ports_when_configured() {
        let h = headers(&[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.2")]);
        assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted_forwarded()), ip("2001:db8::7"));
        let h = headers(&[("forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43")]);
        assert_eq!(client_address(peer("2001:db8:ffff::1"), &h, &trusted_forwarded()), ip("192.0.2.60"));
    }

    #[test]
    fn only_the_configured_header_is_read_never_the_other() {
        // A client-sent Forwarded does not outrank the proxy's X-Forwarded-For, and vice versa.
        let h = headers(&[("forwarded", "for=127.0.0.1"), ("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted()), ip("203.0.113.7"));
        let h = headers(&[("forwarded", "for=203.0.113.7"), ("x-forwarded-for", "127.0.0.1")]);
        assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted_forwarded()), ip("203.0.113.7"));
        // The other header alone gives nothing.
        let h = headers(&[("forwarded", "for=203.0.113.7")]);
        assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted()), None);
    }

    #[test]
    fn a_malformed_or_overlong_chain_through_a_trusted_proxy_yields_no_address() {
        let digits = "9".repeat(8 * 1024);
        let many = vec!["10.0.0.9"; 33].join(",");
        for bad in [",,,", "unknown", digits.as_str(), "203.0.113.7, nonsense", "for=_hidden", "", many.as_str(), "203.0.113.7, 10.0.0.2,"]
        {
            let h = headers(&[("x-forwarded-for", bad)]);
            assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted()), None, "{bad:?}");
        }
        for bad in
            ["for=unknown", "for=_hidden", "for=\"[::1\"", "for=203.0.113.7;for=10.0.0.9", "by=10.0.0.1", "for=\"[::1]:x\"", "garbage"]
        {
            let h = headers(&[("forwarded", bad)]);
            assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted_forwarded()), None, "{bad:?}");
        }
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", http::HeaderValue::from_bytes(b"203.0.113.7\xff").unwrap());
        assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted()), None, "not UTF-8");
    }

    #[test]
    fn what_the_client_wrote_left_of_its_own_entry_is_never_read() {
        for prefix in ["x", "unknown", "for=_hidden", &"9".repeat(8 * 1024), &vec!["1.1.1.1"; 40].join(",")] {
            let h = headers(&[("x-forwarded-for", &format!("{prefix}, 203.0.113.7, 10.0.0.2"))]);
            assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted()), ip("203.0.113.7"), "{prefix:.20}");
        }
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", http::HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.7").unwrap());
        assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted()), ip("203.0.113.7"), "non-UTF-8 on the client's side");
        let h = headers(&[("forwarded", "for=unknown, for=203.0.113.7;proto=https")]);
        assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted_forwarded()), ip("203.0.113.7"));
    }

    #[test]
    fn a_chain_of_trusted_hops_only_or_no_chain_yields_no_address() {
        let h = headers(&[("x-forwarded-for", "10.0.0.3, 10.0.0.2")]);
        assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted()), None);
        assert_eq!(client_address(peer("10.0.0.1"), &HeaderMap::new(), &trusted()), None);
    }

    #[test]
    fn ipv4_mapped_peers_count_as_ipv4() {
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(client_address(peer("::ffff:10.0.0.1"), &h, &trusted()), ip("203.0.113.7"));
    }

    #[test]
    fn with_no_proxies_configured_headers_are_never_read() {
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(client_address(peer("127.0.0.1"), &h, &TrustedProxies::default()), ip("127.0.0.1"));
    }

    #[test]
    fn networks_overlap_when_either_contains_the_other() {
        let n = |s: &str| s.parse::<IpNet>().unwrap();
        assert!(overlaps(&n("127.0.0.0/8"), &n("127.0.0.1/32")));
        assert!(overlaps(&n("127.0.0.1/32"), &n("127.0.0.0/8")));
        assert!(!overlaps(&n("127.0.0.0/8"), &n("::1/128")));
        assert!(!overlaps(&n("10.0.0.0/8"), &n("11.0.0.0/8")));
    }
}
