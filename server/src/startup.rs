//! One way to boot: `build` opens the database, applies migrations, binds the
//! listener and assembles the router. `kura serve` and the integration tests
//! call the same function (tests bind port 0 with a fresh database).

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::handler::HandlerWithoutStateExt;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Router};
use http::StatusCode;
use kura::auth::password::PasswordHasher;
use kura::{Clock, Db, Services};
use kura_app::api::SignedIn;
use kura_app::ssr::CurrentActor;
use kura_app::{shell, App};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Settings;
use crate::runtime::{Heartbeats, RenderPool};
use crate::web::{self, AppState};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Config(String),
    #[error("cannot use the data directory {path}: {source}")]
    DataDir { path: String, source: io::Error },
    #[error("{0}")]
    Database(#[from] kura::db::DbOpenError),
    #[error("database migration failed: {0}")]
    Migrate(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("{0}")]
    Core(String),
    #[error("{0}")]
    Tls(#[from] crate::tls::TlsError),
}

impl StartupError {
    /// A refusal of the configuration (exit status 78): restarting cannot help.
    /// What may pass on its own is retried: an unreachable database, a port
    /// still in use, a certificate file not there yet (a mount or a renewal).
    pub fn is_config(&self) -> bool {
        match self {
            StartupError::Config(_) | StartupError::DataDir { .. } => true,
            StartupError::Tls(e) => matches!(e, crate::tls::TlsError::Invalid(_)),
            StartupError::Database(e) => matches!(e, kura::db::DbOpenError::UnsupportedUrl),
            // A privileged port without the right to it, or an address this host does not have.
            StartupError::Bind { source, .. } => {
                matches!(source.kind(), io::ErrorKind::PermissionDenied | io::ErrorKind::AddrNotAvailable)
            }
            StartupError::Migrate(_) | StartupError::Core(_) => false,
        }
    }
}

/// A server ready to run.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    /// Present when serving HTTPS: the certificate (reloaded on change) and the config.
    tls: Option<(Arc<crate::tls::ReloadingCert>, Arc<tokio_rustls::rustls::ServerConfig>)>,
    /// The optional plain-HTTP listener that only redirects to HTTPS.
    redirect: Option<tokio::net::TcpListener>,
    /// The optional loopback listener of the operator console (`--operator-bind`).
    operator: Option<(tokio::net::TcpListener, Router)>,
    /// Each runtime thread's last beat (`/healthz`, the watchdog).
    pub heartbeats: Heartbeats,
    pub services: Services,
    pub settings: Arc<Settings>,
}

impl Application {
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.settings.bind)
    }

    /// The plain-HTTP redirect listener's address, when there is one.
    pub fn redirect_addr(&self) -> Option<SocketAddr> {
        self.redirect.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The operator listener's address, when there is one.
    pub fn operator_addr(&self) -> Option<SocketAddr> {
        self.operator.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }

    /// Serves until the process ends (tests, benchmarks).
    pub async fn run_until_stopped(self) -> io::Result<()> {
        self.run_until(std::future::pending()).await
    }

    /// Serves until `shutdown` resolves, then lets open requests finish
    /// (`kura serve` bounds that with a deadline kept outside the runtime).
    pub async fn run_until(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> io::Result<()> {
        use axum::serve::ListenerExt;
        use std::future::IntoFuture;
        let beat = self.heartbeats.start_main();
        let sweeper = tokio::spawn(crate::jobs::sweep_forever(self.services.clone()));
        let app = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let retention = tokio::spawn(crate::jobs::audit_retention_forever(self.services.clone(), self.settings.audit_retention()));
        let alerts = tokio::spawn(crate::jobs::alerts_forever(self.services.clone(), self.settings.alert_rules.clone()));
        let reindex = tokio::spawn(crate::jobs::reindex_people_once(self.services.clone()));
        let mut helpers = vec![beat, sweeper, retention, alerts, reindex];
        // One shutdown for every listener.
        let stop = tokio_util::sync::CancellationToken::new();
        helpers.push(tokio::spawn({
            let stop = stop.clone();
            async move {
                shutdown.await;
                stop.cancel();
            }
        }));
        let operator = self.operator.map(|(listener, router)| {
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let app = router.into_make_service_with_connect_info::<SocketAddr>();
            tokio::spawn(axum::serve(listener, app).with_graceful_shutdown(stop.clone().cancelled_owned()).into_future())
        });
        let shutdown = stop.clone().cancelled_owned();
        if let Some(redirect) = self.redirect {
            let https_port = self.listener.local_addr().map(|a| a.port()).unwrap_or(443);
            helpers.push(tokio::spawn(crate::tls::serve_redirect(redirect, https_port, self.settings.public_origin.clone())));
        }
        let served = match self.tls {
            Some((cert, config)) => {
                helpers.push(tokio::spawn(cert.watch()));
                // (tap_io gives the connection's address to ConnectInfo for any listener.)
                let listener = crate::tls::TlsListener::new(self.listener, config)?.tap_io(|_| {});
                axum::serve(listener, app).with_graceful_shutdown(shutdown).await
            }
            None => {
                // TCP_NODELAY: streamed SSR chunks otherwise wait on delayed ACKs.
                let listener = self.listener.tap_io(|tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                axum::serve(listener, app).with_graceful_shutdown(shutdown).await
            }
        };
        if let Some(operator) = operator {
            stop.cancel();
            match operator.await {
                Ok(Err(e)) => tracing::error!(error = %e, "the operator listener failed"),
                Err(e) => tracing::error!(error = %e, "the operator listener failed"),
                Ok(Ok(())) => {}
            }
        }
        for h in helpers {
            h.abort();
        }
        served
    }
}

/// Creates the data directory (owner-only) and checks that it is writable.
pub fn prepare_data_dir(dir: &Path) -> Result<(), StartupError> {
    let err = |source| StartupError::DataDir { path: dir.display().to_string(), source };
    std::fs::create_dir_all(dir).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").map_err(err)?;
    std::fs::remove_file(&probe).map_err(err)?;
    Ok(())
}

/// Opens the database for serving and for the command line's everyday
/// commands. The embedded SQLite database is migrated here; PostgreSQL is
/// migrated only by `kura migrate` (as the maintenance role), so a schema that
/// is behind is refused with what to run.
pub async fn open_services(settings: &Settings, clock: Arc<dyn Clock>) -> Result<Services, StartupError> {
    let services = connect_services(settings, clock).await?;
    let db = &services.db;
    match db.backend() {
        kura::Backend::Sqlite => db.migrate().await.map_err(|e| StartupError::Migrate(format!("{e}")))?,
        kura::Backend::Postgres => {
            if db.pending_migrations().await.map_err(|e| StartupError::Core(e.to_string()))? > 0 {
                return Err(StartupError::Config(String::from(
                    "the PostgreSQL schema is behind this Kura: run `kura migrate` (as the maintenance role) first",
                )));
            }
        }
    }
    // The audit chain's key must open with this master key (an empty chain gets one now).
    match kura::audit_chain::ensure(&services.db, services.clock.now()).await {
        Ok(()) => {}
        Err(kura::audit_chain::EnsureError::Core(kura::CoreError::Crypto(_))) => {
            return Err(StartupError::Config(String::from(
                "the master key does not open this database's audit chain key: is it the right master key?",
            )))
        }
        Err(e @ kura::audit_chain::EnsureError::Unkeyed) => return Err(StartupError::Config(e.to_string())),
        Err(kura::audit_chain::EnsureError::Core(e)) => return Err(StartupError::Core(e.to_string())),
    }
    // One-time data upgrades are an operator's explicit step, never a side effect of starting.
    if kura::people::upgrade::pending(&services).await.map_err(|e| StartupError::Core(e.to_string()))? {
        return Err(StartupError::Config(String::from(
            "people data sealed by an older Kura waits to be re-sealed: run `kura migrate` once",
        )));
    }
    if kura::people::details_upgrade::waits(&services).await.map_err(|e| StartupError::Core(e.to_string()))? {
        return Err(StartupError::Config(String::from(
            "people stored before birth dates existed wait to have them sealed: run `kura migrate` once",
        )));
    }
    Ok(services)
}

/// For `kura migrate`: connects as the maintenance role (the
/// `--maintenance-database-url`, else DATABASE_URL), applies the schema
/// migrations and grants the application role its rights; the one-time steps
/// follow in the caller. Returns whether the application role exists.
pub async fn open_services_for_migration(
    settings: &Settings,
    clock: Arc<dyn Clock>,
    app_role: &str,
) -> Result<(Services, bool, usize), StartupError> {
    let mut maintenance = settings.clone();
    if let Some(url) = &settings.maintenance_database_url {
        maintenance.database_url = Some(url.clone());
    }
    let services = connect_services(&maintenance, clock).await?;
    let applied = services.db.pending_migrations().await.map_err(|e| StartupError::Migrate(e.to_string()))?;
    services.db.migrate().await.map_err(|e| StartupError::Migrate(format!("{e}")))?;
    let granted = services.db.grant_app_role(app_role).await.map_err(|e| StartupError::Migrate(e.to_string()))?;
    Ok((services, granted, applied))
}

async fn connect_services(settings: &Settings, clock: Arc<dyn Clock>) -> Result<Services, StartupError> {
    settings.validate().map_err(StartupError::Config)?;
    if settings.database_url.is_none() || matches!(settings.master_key, crate::config::MasterKeySource::Default) {
        prepare_data_dir(&settings.data_dir)?;
    }
    let keys = settings.load_master_key().map_err(StartupError::Config)?;
    let db = Db::connect(&settings.database_url()).await?;
    let hasher = PasswordHasher::new(settings.hash_concurrency).map_err(|e| StartupError::Core(e.to_string()))?;
    let mut services = Services::new(db, clock, hasher, settings.auth.clone(), keys);
    services.network = kura::network::NetworkPolicy { require_tenant_allowlist: settings.require_tenant_allowlist };
    Ok(services)
}

pub async fn build(mut settings: Settings, clock: Arc<dyn Clock>) -> Result<Application, StartupError> {
    // Over HTTPS the session cookie is Secure with the __Host- prefix, and HSTS is sent.
    if settings.tls.is_some() {
        settings.secure_cookies = true;
    }
    let tls = match &settings.tls {
        Some(files) => {
            let cert = crate::tls::ReloadingCert::open(files.clone())?;
            let config = crate::tls::server_config(cert.clone())?;
            Some((cert, config))
        }
        None => None,
    };
    let services = open_services(&settings, clock).await?;
    // The second wall only stands when the server's role is bound by it.
    if let Some(problem) = services.db.serving_role_problem().await.map_err(|e| StartupError::Core(e.to_string()))? {
        return Err(StartupError::Config(problem));
    }
    let bind =
        |addr: SocketAddr| async move { tokio::net::TcpListener::bind(addr).await.map_err(|source| StartupError::Bind { addr, source }) };
    let listener = bind(settings.bind).await?;
    let redirect = match settings.http_redirect {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let operator_listener = match settings.operator_bind {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let settings = Arc::new(settings);
    let heartbeats = Heartbeats::new(settings.worker_threads);
    let pages = RenderPool::new(settings.worker_threads, &heartbeats);
    let main = router(services.clone(), settings.clone(), pages.clone(), heartbeats.clone(), Listener::Main);
    let operator = operator_listener.map(|l| {
        // Plain HTTP on loopback: its own origin, no proxy, no Secure cookies.
        let own = Arc::new(Settings {
            public_origin: None,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            tls: None,
            ..(*settings).clone()
        });
        (l, router(services.clone(), own, pages, heartbeats.clone(), Listener::Operator))
    });
    Ok(Application { listener, router: main, tls, redirect, operator, heartbeats, services, settings })
}

fn leptos_options(settings: &Settings) -> LeptosOptions {
    let options = LeptosOptions::builder()
        .output_name("kura")
        .site_root(settings.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(settings.bind);
    // A release build names its files kura.<hash>.{js,wasm,css} and lists the
    // hashes in hash.txt (in the site, or beside the binary where cargo-leptos
    // writes it); builds without it (tests) use the plain names.
    match crate::assets::hash_file(&settings.site_root) {
        Some(file) => {
            crate::assets::check_hash_file(&file, &settings.site_root);
            options.hash_files(true).hash_file(std::sync::Arc::<str>::from(file.display().to_string())).build()
        }
        None => options.build(),
    }
}

/// Which listener a router serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listener {
    /// `--bind`: everyone, through the trusted proxies if any; the operator
    /// console too unless there is an operator listener.
    Main,
    /// `--operator-bind`: loopback, trusting no proxy.
    Operator,
}

pub fn router(services: Services, settings: Arc<Settings>, pages: RenderPool, heartbeats: Heartbeats, listener: Listener) -> Router {
    let (trusted, operators) = match listener {
        Listener::Operator => (web::client::TrustedProxies::default(), settings.operator_allowlist.clone()),
        Listener::Main => (
            web::client::TrustedProxies::new(settings.trusted_proxies.clone(), settings.forwarded_header),
            // With an operator listener the console answers nowhere else.
            if settings.operator_bind.is_some() { Vec::new() } else { settings.operator_allowlist.clone() },
        ),
    };
    let leptos_options = leptos_options(&settings);
    let routes = generate_route_list(App);
    let state = AppState {
        known_paths: web::lang::KnownPaths::new(routes.iter().map(|r| r.path())),
        services: services.clone(),
        settings: settings.clone(),
        leptos_options: leptos_options.clone(),
        immutable: crate::assets::ContentAddressed::scan(&settings.site_root),
    };

    // Given to every Leptos render and server function: the core services,
    // and our CSP nonce in place of the one Leptos would generate.
    let context = {
        let services = services.clone();
        move || {
            provide_context(services.clone());
            if let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() {
                if let Some(n) = parts.extensions.get::<web::headers::CspNonce>() {
                    provide_context(leptos::nonce::Nonce::from_value(n.0.clone()));
                }
                if let Some(visitor) = parts.extensions.get::<SignedIn>() {
                    provide_context(visitor.clone());
                }
            }
        }
    };
    let shell_fn = {
        let opts = leptos_options.clone();
        move || shell(opts.clone())
    };
    // Every page (and the not-found page) renders on the single-threaded
    // render pool: see `runtime` for why.
    // The visitor is resolved here, once per page, before rendering starts
    // (`SignedIn`): pages read it from context instead of each fetching it.
    // In order: each Suspense is sent in place once its data is there, so the
    // HTML is whole without JavaScript (forms, the no-JS confirmation step).
    let render_page = {
        let (context, shell_fn, services) = (context.clone(), shell_fn.clone(), services.clone());
        move |mut req: Request| {
            // (The in-order handler is not Sync, so it is made per request; that is two closures.)
            let render = leptos_axum::render_app_to_stream_in_order_with_context(context.clone(), shell_fn.clone());
            let (pages, services) = (pages.clone(), services.clone());
            async move {
                let actor = req.extensions().get::<CurrentActor>().and_then(|a| a.0.clone());
                match kura_app::ssr::signed_in_of(&services, actor.as_ref()).await {
                    Ok(visitor) => {
                        req.extensions_mut().insert(visitor);
                    }
                    // Logged where it failed; no page without knowing who asks.
                    Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "Service temporarily unavailable.\n").into_response(),
                }
                pages.render(move || render(req)).await
            }
        }
    };
    let not_found = render_page.clone();
    let server_fns = {
        let context = context.clone();
        move |req: Request| leptos_axum::handle_server_fns_with_context(context.clone(), req)
    };

    let cookie_name = if settings.secure_cookies { "__Host-kura_session" } else { "kura_session" };
    let idle = time::Duration::seconds(i64::try_from(settings.auth.idle_timeout.as_secs()).unwrap_or(1800));
    let sessions = SessionManagerLayer::new(web::session_store::DbSessionStore::new(services.clone()))
        .with_name(cookie_name)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));

    let router = Router::new()
        .route("/healthz", get(move || std::future::ready(heartbeats.health())))
        .route("/readyz", get(readyz))
        .route("/lang/{code}", get(web::lang::set_language))
        .route(kura_app::routes::OPS_AUDIT_EXPORT, post(web::downloads::export_all))
        .route(kura_app::routes::ADMIN_AUDIT_EXPORT, post(web::downloads::export_tenant))
        .route(kura_app::routes::PEOPLE_EXPORT, post(web::downloads::export_people))
        .route(
            "/api/{*fn_name}",
            get(server_fns.clone())
                .post(server_fns)
                .layer(middleware::from_fn(web::api_status::uploads_are_multipart))
                .layer(middleware::from_fn(web::api_status::true_status)),
        )
        .leptos_routes_with_handler(routes, get(render_page))
        .fallback_service(
            ServeDir::new(&settings.site_root)
                .append_index_html_on_directories(false)
                // kura.<hash>.wasm.br / .gz, written by `cargo leptos build --release --precompress`.
                .precompressed_br()
                .precompressed_gzip()
                .not_found_service(not_found.clone().into_service()),
        )
        .layer(middleware::from_fn(web::guard::page_guard))
        .layer(middleware::from_fn({
            let allow = web::fence::OperatorAllowlist::new(operators);
            let services = services.clone();
            move |req: Request, next: Next| {
                let (allow, services, not_found) = (allow.clone(), services.clone(), not_found.clone());
                async move { web::fence::fence(allow, services, not_found, req, next).await }
            }
        }))
        .layer(middleware::from_fn_with_state(state.clone(), web::actor::resolve_actor))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(state.clone(), web::csrf::require_same_origin))
        .layer(middleware::from_fn_with_state(trusted, web::client::client_info))
        .layer(middleware::from_fn_with_state(state.clone(), web::headers::security_headers))
        .layer(crate::assets::compression())
        .layer(middleware::from_fn(crate::assets::keep_secrets_uncompressed))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    // The path only: a query string is never logged. The client
                    // address, organisation and user are filled in by the layers
                    // that learn them.
                    let id = uuid::Uuid::new_v4().simple().to_string();
                    tracing::info_span!(
                        "request",
                        request_id = %&id[..16],
                        method = %req.method(),
                        path = req.uri().path(),
                        ip = tracing::field::Empty,
                        tenant = tracing::field::Empty,
                        user = tracing::field::Empty,
                    )
                })
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(tower_http::LatencyUnit::Millis),
                ),
        )
        .with_state(state);
    match listener {
        // Outermost: a misdirected name is refused before anything else runs.
        Listener::Operator => router.layer(middleware::from_fn(web::fence::loopback_host_only)),
        Listener::Main => router,
    }
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.services.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}
