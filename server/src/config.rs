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
}

impl Settings {
    /// Defaults for a given data directory (used by tests).
    pub fn for_data_dir(data_dir: PathBuf) -> Settings {
        Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir,
            database_url: None,
            site_root: PathBuf::from("target/site"),
            public_origin: None,
            secure_cookies: false,
            auth: AuthPolicy::default(),
            hash_concurrency: kura::auth::password::PasswordHasher::default_concurrency(),
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
        if let Some(o) = &self.public_origin {
            if !(o.starts_with("https://") || o.starts_with("http://")) || o.ends_with('/') {
                return Err(String::from("KURA_PUBLIC_ORIGIN must look like https://host[:port] without a trailing slash"));
            }
        }
        Ok(())
    }
}
