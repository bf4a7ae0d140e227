//! Built-in HTTPS (WP-2.10): rustls with TLS 1.2 and 1.3 only and rustls'
//! default (modern, forward-secret AEAD) cipher suites. The certificate is
//! re-read when its files change or on SIGHUP, without a restart; a bad new
//! file is logged and the old certificate kept.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::rustls::crypto::ring::default_provider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A handshake that has not finished by then is dropped (slow clients cannot
/// hold the accept loop).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error("the TLS certificate or key is not usable: {0}")]
    Invalid(String),
}

/// Where the certificate and key live.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// How often the files are checked for changes.
    pub check_every: Duration,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn load(files: &TlsFiles) -> Result<CertifiedKey, TlsError> {
    let read = |p: &Path| std::fs::read(p).map_err(|source| TlsError::Read { path: p.display().to_string(), source });
    let cert_pem = read(&files.cert)?;
    let key_pem = read(&files.key)?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Invalid(format!("certificate: {e}")))?;
    if certs.is_empty() {
        return Err(TlsError::Invalid(String::from("no certificate in the file")));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::Invalid(format!("key: {e}")))?;
    let signing = default_provider().key_provider.load_private_key(key).map_err(|e| TlsError::Invalid(format!("key: {e}")))?;
    let certified = CertifiedKey::new(certs, signing);
    certified.keys_match().map_err(|e| TlsError::Invalid(format!("the key does not match the certificate: {e}")))?;
    Ok(certified)
}

/// Hands every handshake the current certificate; `reload` swaps it.
#[derive(Debug)]
pub struct ReloadingCert {
    files: TlsFiles,
    current: RwLock<(Arc<CertifiedKey>, Option<SystemTime>, Option<SystemTime>)>,
}

impl ReloadingCert {
    pub fn open(files: TlsFiles) -> Result<Arc<Self>, TlsError> {
        let key = load(&files)?;
        let stamps = (modified(&files.cert), modified(&files.key));
        Ok(Arc::new(Self { current: RwLock::new((Arc::new(key), stamps.0, stamps.1)), files }))
    }

    /// Reads the files again if they changed (or always, when `force`).
    pub fn reload(&self, force: bool) {
        let stamps = (modified(&self.files.cert), modified(&self.files.key));
        let unchanged = self.current.read().map(|c| (c.1, c.2) == stamps).unwrap_or(false);
        if unchanged && !force {
            return;
        }
        match load(&self.files) {
            Ok(key) => {
                if let Ok(mut c) = self.current.write() {
                    *c = (Arc::new(key), stamps.0, stamps.1);
                }
                tracing::info!(cert = %self.files.cert.display(), "TLS certificate loaded");
            }
            Err(e) => tracing::error!(error = %e, "TLS certificate not reloaded; keeping the current one"),
        }
    }

    /// Checks the files periodically and reloads on SIGHUP.
    pub async fn watch(self: Arc<Self>) {
        let mut tick = tokio::time::interval(self.files.check_every);
        #[cfg(unix)]
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            {
                let hangup = async {
                    match hup.as_mut() {
                        Some(s) => s.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = tick.tick() => self.reload(false),
                    _ = hangup => self.reload(true),
                }
            }
            #[cfg(not(unix))]
            {
                tick.tick().await;
                self.reload(false);
            }
        }
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current.read().ok().map(|c| c.0.clone())
    }
}

/// TLS 1.3 and 1.2 only, rustls' default suites, HTTP/2 and HTTP/1.1.
pub fn server_config(cert: Arc<ReloadingCert>) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config = ServerConfig::builder_with_provider(Arc::new(default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Invalid(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(cert);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// An `axum::serve` listener that yields finished TLS connections.
/// Handshakes run in their own tasks, so a slow one holds up nobody.
pub struct TlsListener {
    connections: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, rx) = mpsc::channel(64);
        let acceptor = TlsAcceptor::from(config);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(s) => s,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, do not spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let (acceptor, sender) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = sender.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake refused"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
                if tx.is_closed() {
                    return;
                }
            }
        });
        Ok(Self { connections: rx, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.connections.recv().await {
            Some(c) => c,
            // The accept task only ends when the server is going away.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The plain-HTTP listener: every request is sent to the same path over HTTPS.
pub async fn serve_redirect(listener: TcpListener, https_port: u16, public_origin: Option<String>) {
    use axum::response::{IntoResponse, Redirect};
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let public_origin = public_origin.clone();
        async move {
            let path = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/").to_owned();
            let origin = match public_origin {
                Some(o) => Some(o),
                None => req.headers().get(http::header::HOST).and_then(|h| h.to_str().ok()).and_then(host_name).map(|h| {
                    if https_port == 443 {
                        format!("https://{h}")
                    } else {
                        format!("https://{h}:{https_port}")
                    }
                }),
            };
            match origin {
                Some(o) => Redirect::permanent(&format!("{o}{path}")).into_response(),
                None => (http::StatusCode::BAD_REQUEST, "Use HTTPS.\n").into_response(),
            }
        }
    });
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!(error = %e, "the HTTP redirect listener stopped");
    }
}

/// The host part of a `Host` header, if it is a plain name or address (never
/// anything that could smuggle another URL part into the redirect).
fn host_name(host: &str) -> Option<String> {
    let name = match host.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split(']').next()?),
        None => host.split(':').next()?.to_owned(),
    };
    let ok = !name.is_empty() && name.len() <= 253 && name.chars().all(|c| c.is_ascii_alphanumeric() || ".-[]:".contains(c));
    ok.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn only_plain_host_names_go_into_the_redirect() {
        assert_eq!(host_name("kura.example.jp").as_deref(), Some("kura.example.jp"));
        assert_eq!(host_name("kura.example.jp:80").as_deref(), Some("kura.example.jp"));
        assert_eq!(host_name("[2001:db8::1]:80").as_deref(), Some("[2001:db8::1]"));
        assert_eq!(host_name("evil.example/path"), None);
        assert_eq!(host_name("a@b"), None);
        assert_eq!(host_name(""), None);
    }
}
