//! Kura's web UI: Leptos pages rendered on the server and hydrated in the
//! browser, plus the server functions they call (`api`). The `ssr` feature
//! pulls in the core; the `hydrate` feature builds the WASM bundle.

pub mod api;
pub mod components;
pub mod guards;
pub mod i18n;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use leptos_router::Lazy;

use i18n::Lang;
use pages::account::AccountPage;
use pages::admin::{AdminPage, AdminSettingsPage, AdminUserPage};
use pages::alerts::{AdminAlertsPage, OpsAlertsPage};
use pages::audit::{AdminAuditPage, OpsAuditPage};
use pages::network::AdminNetworkPage;
use pages::ops::{OpsHomePage, OpsOperatorsPage, OpsTenantPage, OpsUserPage};
use pages::people::{PeopleImportPage, PeoplePage, PersonEditPage, PersonNewPage, PersonPage};
use pages::setup::SetupPage;
use pages::{ChangePasswordPage, HomePage, LoginPage, NotFound, OpsLoginPage};

/// The language of this request: the cookie on the server, `<html lang>` in
/// the browser (which the server wrote from the same cookie).
fn detect_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|p| p.headers.get(http::header::COOKIE).and_then(|v| v.to_str().ok()).map(Lang::from_cookie_header))
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|l| Lang::parse(&l))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Lang::default()
    }
}

/// The HTML document around the app (server only). `<body>` carries the
/// visitor the server resolved for this request (`api::SignedIn`).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = detect_lang();
    let signed_in = api::SignedIn::detect().to_attribute();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                // No favicon request (and no 404 in the console).
                <link rel="icon" href="data:,"/>
                <HashedStylesheet options=options.clone() id="kura"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body data-signed-in=signed_in>
                <App/>
            </body>
        </html>
    }
}

/// A page whose code is loaded when it is first shown: with
/// `cargo leptos build --split` each page is its own WASM chunk, so a first
/// visit downloads the shared code and that one page, not the whole console.
/// (On the server it is an ordinary route. The browser needs a `--split`
/// build: without it the lazy routes import a split loader that is not there.)
macro_rules! lazy_page {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        struct $route;
        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }
            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    HomeRoute => HomePage,
    LoginRoute => LoginPage,
    OpsHomeRoute => OpsHomePage,
    OpsLoginRoute => OpsLoginPage,
    OpsTenantRoute => OpsTenantPage,
    OpsUserRoute => OpsUserPage,
    OpsOperatorsRoute => OpsOperatorsPage,
    AdminRoute => AdminPage,
    AdminUserRoute => AdminUserPage,
    AdminSettingsRoute => AdminSettingsPage,
    AdminNetworkRoute => AdminNetworkPage,
    AdminAuditRoute => AdminAuditPage,
    OpsAuditRoute => OpsAuditPage,
    OpsAlertsRoute => OpsAlertsPage,
    AdminAlertsRoute => AdminAlertsPage,
    AccountRoute => AccountPage,
    PeopleRoute => PeoplePage,
    PersonNewRoute => PersonNewPage,
    PeopleImportRoute => PeopleImportPage,
    PersonRoute => PersonPage,
    PersonEditRoute => PersonEditPage,
    SetupRoute => SetupPage,
    ChangePasswordRoute => ChangePasswordPage,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(detect_lang());
    provide_context(components::Flash::new());
    provide_context(api::SignedIn::detect());
    view! {
        <Router>
            <SessionCheck/>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/") view={Lazy::<HomeRoute>::new()}/>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()}/>
                <Route path=path!("/ops") view={Lazy::<OpsHomeRoute>::new()}/>
                <Route path=path!("/ops/login") view={Lazy::<OpsLoginRoute>::new()}/>
                <Route path=path!("/ops/tenants/:id") view={Lazy::<OpsTenantRoute>::new()}/>
                <Route path=path!("/ops/tenants/:id/users/:uid") view={Lazy::<OpsUserRoute>::new()}/>
                <Route path=path!("/ops/operators") view={Lazy::<OpsOperatorsRoute>::new()}/>
                <Route path=path!("/admin") view={Lazy::<AdminRoute>::new()}/>
                <Route path=path!("/admin/users/:uid") view={Lazy::<AdminUserRoute>::new()}/>
                <Route path=path!("/admin/settings") view={Lazy::<AdminSettingsRoute>::new()}/>
                <Route path=path!("/admin/network") view={Lazy::<AdminNetworkRoute>::new()}/>
                <Route path=path!("/admin/audit") view={Lazy::<AdminAuditRoute>::new()}/>
                <Route path=path!("/ops/audit") view={Lazy::<OpsAuditRoute>::new()}/>
                <Route path=path!("/ops/alerts") view={Lazy::<OpsAlertsRoute>::new()}/>
                <Route path=path!("/admin/alerts") view={Lazy::<AdminAlertsRoute>::new()}/>
                <Route path=path!("/account") view={Lazy::<AccountRoute>::new()}/>
                <Route path=path!("/people") view={Lazy::<PeopleRoute>::new()}/>
                <Route path=path!("/people/new") view={Lazy::<PersonNewRoute>::new()}/>
                <Route path=path!("/people/import") view={Lazy::<PeopleImportRoute>::new()}/>
                <Route path=path!("/people/:id") view={Lazy::<PersonRoute>::new()}/>
                <Route path=path!("/people/:id/edit") view={Lazy::<PersonEditRoute>::new()}/>
                <Route path=path!("/setup") view={Lazy::<SetupRoute>::new()}/>
                <Route path=path!("/change-password") view={Lazy::<ChangePasswordRoute>::new()}/>
            </Routes>
        </Router>
    }
}

/// After each client-side navigation the browser asks the server who is
/// signed in; when that is no longer the page's visitor (logged out
/// elsewhere, disabled, timed out, role changed), the page is loaded from the
/// server, whose guard decides where this visitor belongs. (Server-rendered
/// pages take the visitor from the request itself.)
#[component]
fn SessionCheck() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let location = leptos_router::hooks::use_location();
        let known = api::use_signed_in().account;
        Effect::new(move |previous: Option<String>| {
            let path = location.pathname.get();
            if previous.is_some_and(|p| p != path) {
                let known = known.clone();
                leptos::task::spawn_local(async move {
                    if let Ok(now) = api::me().await {
                        if now != known {
                            if let Some(w) = web_sys::window() {
                                let _ = w.location().reload();
                            }
                        }
                    }
                });
            }
            path
        });
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A server function's redirect (after login, logout, a password change)
    // loads the next page from the server, so the page's visitor
    // (`api::SignedIn`) is always the session's. Set before the router sets
    // its own client-side hook: the first one set wins.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|to: &str| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_href(to);
        }
    });
    leptos::mount::hydrate_lazy(App);
}
