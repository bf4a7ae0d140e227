//! Built-in HTTPS: TLS 1.2 and 1.3 clients connect, an old-protocol client is
//! refused, HSTS and Secure `__Host-` cookies are sent, the certificate is
//! reloaded when its files change, and plain HTTP only redirects.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{spawn_configured, TestApp, GOOD_PASSWORD};
use kura::users::Role;
use kura::SystemClock;
use kura_server::tls::TlsFiles;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// Writes a fresh self-signed certificate for 127.0.0.1 and returns its DER.
fn write_cert(dir: &Path, common_name: &str) -> Vec<u8> {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.subject_alt_names.push(rcgen::SanType::IpAddress("127.0.0.1".parse().unwrap()));
    params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    // Write the key first: the server reloads when the certificate changes.
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    cert.der().to_vec()
}

async fn https_app(dir: &Path) -> TestApp {
    let files = TlsFiles { cert: dir.join("cert.pem"), key: dir.join("key.pem"), check_every: Duration::from_millis(100) };
    spawn_configured(Arc::new(SystemClock), move |s| {
        s.tls = Some(files);
        s.http_redirect = Some("127.0.0.1:0".parse().unwrap());
    })
    .await
}

fn addr(app: &TestApp) -> SocketAddr {
    app.base.trim_start_matches("https://").parse().unwrap()
}

fn client(trusted: &[u8], versions: &[&'static rustls::SupportedProtocolVersion]) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(trusted.to_vec())).unwrap();
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// One HTTP/1.1 request over TLS; returns the negotiated version, the
/// server's certificate and the raw response.
async fn request(connector: &TlsConnector, to: SocketAddr, raw: &str) -> std::io::Result<(rustls::ProtocolVersion, Vec<u8>, String)> {
    let tcp = TcpStream::connect(to).await?;
    let mut tls = connector.connect(ServerName::IpAddress(to.ip().into()), tcp).await?;
    let (version, cert) = {
        let (_, conn) = tls.get_ref();
        (conn.protocol_version().unwrap(), conn.peer_certificates().unwrap()[0].to_vec())
    };
    tls.write_all(raw.as_bytes()).await?;
    let mut out = Vec::new();
    tls.read_to_end(&mut out).await.ok();
    Ok((version, cert, String::from_utf8_lossy(&out).into_owned()))
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
}

#[tokio::test]
async fn tls_1_2_and_1_3_clients_connect_and_get_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let der = write_cert(dir.path(), "kura-test");
    let app = https_app(dir.path()).await;
    for (version, expected) in
        [(&rustls::version::TLS13, rustls::ProtocolVersion::TLSv1_3), (&rustls::version::TLS12, rustls::ProtocolVersion::TLSv1_2)]
    {
        let (negotiated, _, response) = request(&client(&der, &[version]), addr(&app), &get("/healthz")).await.unwrap();
        assert_eq!(negotiated, expected);
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.to_ascii_lowercase().contains("strict-transport-security: max-age="), "{response}");
    }
}

/// A ClientHello that offers at most TLS 1.`minor - 1` (no supported_versions extension).
fn old_client_hello(minor: u8) -> Vec<u8> {
    let mut body = vec![0x03, minor];
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // no session id
    body.extend_from_slice(&[0x00, 0x04, 0xc0, 0x13, 0x00, 0x2f]); // ECDHE-RSA-AES128-SHA, RSA-AES128-SHA
    body.extend_from_slice(&[0x01, 0x00]); // null compression
    let mut handshake = vec![0x01, 0x00];
    handshake.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&u16::try_from(handshake.len()).unwrap().to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

#[tokio::test]
async fn clients_offering_only_tls_1_1_or_1_0_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_cert(dir.path(), "kura-test");
    let app = https_app(dir.path()).await;
    for (name, minor) in [("TLS 1.1", 0x02), ("TLS 1.0", 0x01)] {
        let mut tcp = TcpStream::connect(addr(&app)).await.unwrap();
        tcp.write_all(&old_client_hello(minor)).await.unwrap();
        let mut answer = vec![0u8; 7];
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut answer)).await.unwrap().unwrap_or(0);
        // An alert record (0x15) or a closed connection; never a ServerHello (0x16).
        assert!(n == 0 || answer[0] == 0x15, "{name}: answered {:02x?}", &answer[..n]);
        if n >= 7 {
            assert_eq!(answer[5], 2, "{name}: a fatal alert");
        }
    }
}

#[tokio::test]
async fn the_certificate_is_reloaded_when_its_files_change() {
    let dir = tempfile::tempdir().unwrap();
    let first = write_cert(dir.path(), "first");
    let app = https_app(dir.path()).await;
    let (_, served, _) = request(&client(&first, &[&rustls::version::TLS13]), addr(&app), &get("/healthz")).await.unwrap();
    assert_eq!(served, first);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = write_cert(dir.path(), "second");
    let mut reloaded = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Ok((_, served, _)) = request(&client(&second, &[&rustls::version::TLS13]), addr(&app), &get("/healthz")).await {
            assert_eq!(served, second);
            reloaded = true;
            break;
        }
    }
    assert!(reloaded, "the new certificate was served without a restart");
}

#[tokio::test]
async fn sessions_over_https_use_a_secure_host_cookie_and_plain_http_only_redirects() {
    let dir = tempfile::tempdir().unwrap();
    let der = write_cert(dir.path(), "kura-test");
    let app = https_app(dir.path()).await;
    app.create_tenant("acme").await;
    app.create_user("acme", "taro", Role::Member).await;
    let form = format!("org=acme&login=taro&password={}", GOOD_PASSWORD.replace(' ', "+"));
    let raw = format!(
        "POST /api/login HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{form}",
        addr(&app),
        app.base,
        form.len()
    );
    let (_, _, response) = request(&client(&der, &[&rustls::version::TLS13]), addr(&app), &raw).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let cookie = response.lines().find(|l| l.to_ascii_lowercase().starts_with("set-cookie: __host-kura_session=")).unwrap();
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"), "{cookie}");

    let redirect = app.redirect_base.clone().unwrap();
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = plain.get(format!("{redirect}/login?x=1")).send().await.unwrap();
    assert_eq!(r.status(), 308);
    let port = addr(&app).port();
    assert_eq!(r.headers()["location"], format!("https://127.0.0.1:{port}/login?x=1").as_str());
    let r = plain.post(format!("{redirect}/api/login")).form(&[("org", "acme")]).send().await.unwrap();
    assert_eq!(r.status(), 308, "plain HTTP serves nothing, not even the API");
}

/// Browsers accept the `h2` that ALPN offers, so the server must speak
/// HTTP/2 (it did not, and every browser failed while HTTP/1.1 tests passed);
/// clients that only speak HTTP/1.1 still get the same pages.
#[tokio::test]
async fn browsers_use_pages_over_http2_and_old_clients_over_http_1_1() {
    let dir = tempfile::tempdir().unwrap();
    write_cert(dir.path(), "kura-test");
    let app = https_app(dir.path()).await;
    app.create_tenant("acme").await;
    app.create_user("acme", "taro", Role::Member).await;
    for (name, http1_only, version) in [("HTTP/2", false, reqwest::Version::HTTP_2), ("HTTP/1.1", true, reqwest::Version::HTTP_11)] {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ORIGIN, app.base.parse().unwrap());
        let mut b = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none());
        if http1_only {
            b = b.http1_only();
        }
        let c = b.build().unwrap();
        let r = c.get(app.url("/login")).send().await.unwrap();
        assert_eq!((r.status().as_u16(), r.version()), (200, version), "{name}");
        assert!(r.text().await.unwrap().contains("</html>"), "{name}: a whole page");
        let r =
            c.post(app.url("/api/login")).form(&[("org", "acme"), ("login", "taro"), ("password", GOOD_PASSWORD)]).send().await.unwrap();
        assert_eq!((r.status().as_u16(), r.version()), (200, version), "{name}: login");
        let r = c.get(app.url("/people")).send().await.unwrap();
        assert_eq!((r.status().as_u16(), r.version()), (200, version), "{name}: the people register");
        assert!(r.text().await.unwrap().contains("data-testid=\"people-list\""), "{name}: the list rendered");
    }
}
