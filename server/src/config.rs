//! Settings, from the command line and `KURA_*` environment variables, with
//! defaults for the embedded set-up. Validated once at start-up.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use kura::auth::AuthPolicy;

#[derive(Clone, Debug)]
pub struct Settings {
    /// Address to listen on; loopback by default.
    pub bind: SocketAddr,
    /// Where the embedded database, keys and files live.
    pub data_dir: PathBuf,
    /// `postgres://...` to use PostgreSQL; `None` = SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// PostgreSQL as the maintenance role (BYPASSRLS): read by `kura migrate`
    /// and `kura keys rotate-master` only, never by `kura serve`.
    pub maintenance_database_url: Option<String>,
    /// The built site (`pkg/` with the WASM bundle and CSS).
    pub site_root: PathBuf,
    /// The origin browsers use, e.g. `https://kura.example.jp`; when unset the
    /// request's own Host is taken as the origin for the CSRF check.
    pub public_origin: Option<String>,
    /// Set when served over TLS (directly or by a proxy): cookies become
    /// `Secure` with the `__Host-` prefix, and HSTS is sent.
    pub secure_cookies: bool,
    pub auth: AuthPolicy,
    /// Password hashes computed at once.
    pub hash_concurrency: usize,
    /// Where the master key comes from.
    pub master_key: MasterKeySource,
    /// Proxies whose forwarding header is believed. Empty (the default): the
    /// socket peer is always the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The one header trusted proxies write the client's address into.
    pub forwarded_header: crate::web::client::ForwardedHeader,
    /// Where the operator console answers from (loopback by default).
    pub operator_allowlist: Vec<ipnet::IpNet>,
    /// A separate plain-HTTP listener on loopback for the operator console,
    /// trusting no proxy (reached through an SSH tunnel). When set, the main
    /// listener does not serve the console at all.
    pub operator_bind: Option<SocketAddr>,
    /// Every organisation must keep a non-empty IP allowlist.
    pub require_tenant_allowlist: bool,
    /// Serve HTTPS with this certificate and key (PEM).
    pub tls: Option<crate::tls::TlsFiles>,
    /// A plain-HTTP listener that only redirects to HTTPS (needs `tls`).
    pub http_redirect: Option<SocketAddr>,
    /// Days audit events are kept (at least 90, default 400).
    pub audit_retention_days: u32,
    /// Thresholds of the alert rules.
    pub alert_rules: kura::alerts::AlertRules,
    /// Threads of the async runtime, and of the page-render pool beside it.
    pub worker_threads: usize,
}

/// At most this many runtime (and render) threads.
pub const MAX_WORKER_THREADS: usize = 64;

/// One worker per core, at most [`MAX_WORKER_THREADS`].
pub fn default_worker_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).min(MAX_WORKER_THREADS)
}

/// Loopback only: operators work on the host or through an SSH tunnel unless configured.
pub fn default_operator_allowlist() -> Vec<ipnet::IpNet> {
    ["127.0.0.0/8", "::1/128"].iter().filter_map(|n| n.parse().ok()).collect()
}

/// A CIDR (`203.0.113.0/24`, `2001:db8::/32`) or a single address (a /32 or /128):
/// the same rule as the organisations' allowlists.
pub fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    kura::network::parse_cidr(s).map_err(|_| format!("{:?} is not an IP address or CIDR range", s.trim()))
}

/// The master key: given in the environment, or read from (and on first
/// start created in) a file, `<data_dir>/master.key` by default.
#[derive(Clone)]
pub enum MasterKeySource {
    Text(String),
    File(PathBuf),
    /// `<data_dir>/master.key`, generated on first start with a warning.
    Default,
}

impl std::fmt::Debug for MasterKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MasterKeySource::Text(_) => f.write_str("Text(<redacted>)"),
            MasterKeySource::File(p) => write!(f, "File({})", p.display()),
            MasterKeySource::Default => f.write_str("Default"),
        }
    }
}

impl Settings {
    /// Defaults for a given data directory (used by tests).
    pub fn for_data_dir(data_dir: PathBuf) -> Settings {
        Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir,
            database_url: None,
            maintenance_database_url: None,
            site_root: PathBuf::from("target/site"),
            public_origin: None,
            secure_cookies: false,
            auth: AuthPolicy::default(),
            hash_concurrency: kura::auth::password::PasswordHasher::default_concurrency(),
            master_key: MasterKeySource::Default,
            trusted_proxies: Vec::new(),
            forwarded_header: Default::default(),
            operator_allowlist: default_operator_allowlist(),
            operator_bind: None,
            require_tenant_allowlist: false,
            tls: None,
            http_redirect: None,
            audit_retention_days: kura::audit_retention::DEFAULT_DAYS,
            alert_rules: kura::alerts::AlertRules::default(),
            worker_threads: default_worker_threads(),
        }
    }

    /// The audit retention as a duration (validated).
    pub fn audit_retention(&self) -> Duration {
        Duration::from_secs(u64::from(self.audit_retention_days.max(kura::audit_retention::MIN_DAYS)) * 24 * 60 * 60)
    }

    /// Loads the master key from its source.
    pub fn load_master_key(&self) -> Result<kura::keys::MasterKey, String> {
        let from_file = |path: &std::path::Path| {
            let (key, created) = kura::keys::MasterKey::load_or_create_file(path).map_err(|e| e.to_string())?;
            if created {
                tracing::warn!(
                    path = %path.display(),
                    "generated a new master key: back it up apart from the database; without it the data cannot be read"
                );
            }
            Ok(key)
        };
        match &self.master_key {
            MasterKeySource::Text(t) => kura::keys::MasterKey::parse(t).map_err(|e| format!("KURA_MASTER_KEY: {e}")),
            MasterKeySource::File(p) => from_file(p),
            MasterKeySource::Default => from_file(&self.data_dir.join("master.key")),
        }
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => kura::Db::sqlite_url_for(&self.data_dir),
        }
    }

    /// Refuses settings that are unsafe or cannot work, with a one-line reason.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.database_url {
            if kura::Backend::from_url(url).is_none() {
                return Err(String::from("DATABASE_URL must start with sqlite: or postgres://"));
            }
        }
        if self.auth.idle_timeout < Duration::from_secs(60) || self.auth.idle_timeout > self.auth.absolute_timeout {
            return Err(String::from("the idle timeout must be at least a minute and at most the absolute timeout"));
        }
        if self.auth.absolute_timeout > Duration::from_secs(7 * 24 * 3600) {
            return Err(String::from("the absolute session timeout must be at most 7 days"));
        }
        kura::audit_retention::check_days(self.audit_retention_days)?;
        let (start, end) = self.alert_rules.business_hours;
        if start >= end || end > 24 {
            return Err(String::from("business hours must look like 8-20 (start before end, within 0-24)"));
        }
        if self.http_redirect.is_some() && self.tls.is_none() {
            return Err(String::from("--http-redirect needs --tls-cert and --tls-key"));
        }
        self.check_operator_access()?;
        if let Some(o) = &self.public_origin {
            if !(o.starts_with("https://") || o.starts_with("http://")) || o.ends_with('/') {
                return Err(String::from("KURA_PUBLIC_ORIGIN must look like https://host[:port] without a trailing slash"));
            }
        }
        Ok(())
    }
}

impl Settings {
    /// Operators must be told apart from the proxy: on a listener that trusts
    /// a proxy, no operator-allowlist network may contain one (the proxy's own
    /// requests, and any chain it cannot vouch for, would look like an
    /// operator's). The operator listener is plain HTTP, for loopback only.
    fn check_operator_access(&self) -> Result<(), String> {
        match self.operator_bind {
            Some(addr) if !addr.ip().is_loopback() => Err(format!(
                "--operator-bind {addr}: the operator listener serves plain HTTP and must be on loopback (reach it through an SSH tunnel)"
            )),
            Some(addr) if addr.port() != 0 && (addr == self.bind || self.http_redirect == Some(addr)) => {
                Err(format!("--operator-bind {addr} is already used by another listener"))
            }
            Some(_) => Ok(()),
            None => {
                for op in &self.operator_allowlist {
                    if let Some(proxy) = self.trusted_proxies.iter().find(|p| crate::web::client::overlaps(op, p)) {
                        return Err(format!(
                            "the operator allowlist entry {op} contains the trusted proxy {proxy}: every request through the proxy could pass as an operator's; \
                             use --operator-bind 127.0.0.1:PORT (through an SSH tunnel) or list the operators' own addresses with --operator-allow (docs/OPERATIONS.md)"
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

/// `8-20`: operators' business hours in Japan time.
pub fn parse_hours(s: &str) -> Result<(u8, u8), String> {
    let (a, b) = s.trim().split_once('-').ok_or_else(|| String::from("business hours look like 8-20"))?;
    let hour = |x: &str| x.trim().parse::<u8>().map_err(|_| String::from("business hours look like 8-20"));
    Ok((hour(a)?, hour(b)?))
}

#[cfg(test)]
mod tests {
    use super::{parse_net, Settings};

    fn settings(trusted: &[&str], operators: &[&str], operator_bind: Option<&str>) -> Settings {
        let mut s = Settings::for_data_dir("/tmp/unused".into());
        s.trusted_proxies = trusted.iter().map(|n| parse_net(n).unwrap()).collect();
        if !operators.is_empty() {
            s.operator_allowlist = operators.iter().map(|n| parse_net(n).unwrap()).collect();
        }
        s.operator_bind = operator_bind.map(|a| a.parse().unwrap());
        s
    }

    #[test]
    fn an_operator_allowlist_that_contains_a_trusted_proxy_is_refused() {
        // The nginx set-up with the default (loopback) operator allowlist.
        let e = settings(&["127.0.0.1"], &[], None).validate().unwrap_err();
        assert!(e.contains("127.0.0.0/8") && e.contains("127.0.0.1/32") && e.contains("--operator-bind"), "{e}");
        assert!(settings(&["10.0.0.0/8"], &["10.1.2.3"], None).validate().is_err(), "inside the proxies' range");
        assert!(settings(&["10.1.2.3"], &["10.0.0.0/8"], None).validate().is_err(), "a range around a proxy");
        assert!(settings(&["::ffff:127.0.0.1"], &[], None).validate().is_err(), "a proxy written IPv4-mapped");
        // Operators' own addresses behind the proxy, or no proxy at all, are fine.
        settings(&["127.0.0.1"], &["198.51.100.0/24"], None).validate().unwrap();
        settings(&[], &[], None).validate().unwrap();
        // With a separate operator listener the main one serves no console.
        settings(&["127.0.0.1"], &[], Some("127.0.0.1:3001")).validate().unwrap();
    }

    #[test]
    fn the_operator_listener_is_loopback_only_and_its_own_port() {
        assert!(settings(&[], &[], Some("0.0.0.0:3001")).validate().unwrap_err().contains("loopback"));
        assert!(settings(&[], &[], Some("192.0.2.1:3001")).validate().is_err());
        assert!(settings(&[], &[], Some("127.0.0.1:3000")).validate().unwrap_err().contains("already used"));
        settings(&[], &[], Some("[::1]:3001")).validate().unwrap();
    }

    #[test]
    fn networks_are_cidrs_or_single_addresses() {
        assert_eq!(parse_net("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(parse_net("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(parse_net("192.0.2.1").unwrap().to_string(), "192.0.2.1/32");
        assert_eq!(parse_net("2001:db8::1").unwrap().to_string(), "2001:db8::1/128");
        assert!(parse_net("example.com").is_err());
        assert!(parse_net("10.0.0.0/33").is_err());
    }
}
