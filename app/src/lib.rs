//! Kura's web UI: Leptos pages rendered on the server and hydrated in the
//! browser, plus the server functions they call (`api`). The `ssr` feature
//! pulls in the core; the `hydrate` feature builds the WASM bundle.

pub mod api;
pub mod components;
pub mod i18n;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use i18n::Lang;
use pages::account::AccountPage;
use pages::admin::{AdminPage, AdminSettingsPage, AdminUserPage};
use pages::alerts::{AdminAlertsPage, OpsAlertsPage};
use pages::audit::{AdminAuditPage, OpsAuditPage};
use pages::network::AdminNetworkPage;
use pages::people::{PeopleImportPage, PeoplePage, PersonEditPage, PersonNewPage, PersonPage};
use pages::ops::{OpsHomePage, OpsOperatorsPage, OpsTenantPage, OpsUserPage};
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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(detect_lang());
    provide_context(api::SignedIn::detect());
    view! {
        <Router>
            <SessionCheck/>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/") view=HomePage/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/ops") view=OpsHomePage/>
                <Route path=path!("/ops/login") view=OpsLoginPage/>
                <Route path=path!("/ops/tenants/:id") view=OpsTenantPage/>
                <Route path=path!("/ops/tenants/:id/users/:uid") view=OpsUserPage/>
                <Route path=path!("/ops/operators") view=OpsOperatorsPage/>
                <Route path=path!("/admin") view=AdminPage/>
                <Route path=path!("/admin/users/:uid") view=AdminUserPage/>
                <Route path=path!("/admin/settings") view=AdminSettingsPage/>
                <Route path=path!("/admin/network") view=AdminNetworkPage/>
                <Route path=path!("/admin/audit") view=AdminAuditPage/>
                <Route path=path!("/ops/audit") view=OpsAuditPage/>
                <Route path=path!("/ops/alerts") view=OpsAlertsPage/>
                <Route path=path!("/admin/alerts") view=AdminAlertsPage/>
                <Route path=path!("/account") view=AccountPage/>
                <Route path=path!("/people") view=PeoplePage/>
                <Route path=path!("/people/new") view=PersonNewPage/>
                <Route path=path!("/people/import") view=PeopleImportPage/>
                <Route path=path!("/people/:id") view=PersonPage/>
                <Route path=path!("/people/:id/edit") view=PersonEditPage/>
                <Route path=path!("/setup") view=SetupPage/>
                <Route path=path!("/change-password") view=ChangePasswordPage/>
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
        let known = api::SignedIn::detect().account;
        Effect::new(move |seen: Option<()>| {
            location.pathname.track();
            if seen.is_some() {
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
    leptos::mount::hydrate_body(App);
}
