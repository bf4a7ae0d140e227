//! What the browser does on its own to keep people from losing work: the
//! warning before the idle logout (with 「続ける」), the guard against
//! leaving a form with unsaved changes, copy buttons, and the login form
//! filled in after a setup link. All of it runs only once hydrated; the
//! server-rendered page works without it (the server still ends idle
//! sessions on its own).

use leptos::prelude::*;

use crate::i18n::{use_lang, Msg};

/// How long before the idle logout the warning shows.
pub const WARN_BEFORE_SECS: u64 = 120;

/// Where tabs share the time of the last request one of them made (the
/// session is shared, so is its idle clock).
#[cfg(feature = "hydrate")]
const LAST_ACTIVITY_KEY: &str = "kura.last-activity";
/// Set just before an idle logout, read (once) by the login page.
#[cfg(feature = "hydrate")]
const IDLE_LOGOUT_KEY: &str = "kura.idle-logout";
/// The organisation code and user ID a setup link was used for, read (once)
/// by the login page. Kept in the tab's session storage, never in a URL.
#[cfg(feature = "hydrate")]
const LOGIN_PREFILL_KEY: &str = "kura.login-prefill";

/// A form whose unsaved changes the guard watches carries this attribute.
pub const GUARDED: &str = "data-unsaved-guard";

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::js_sys;

    pub fn now_ms() -> f64 {
        js_sys::Date::now()
    }

    pub fn local() -> Option<web_sys::Storage> {
        web_sys::window().and_then(|w| w.local_storage().ok().flatten())
    }

    pub fn session() -> Option<web_sys::Storage> {
        web_sys::window().and_then(|w| w.session_storage().ok().flatten())
    }

    /// Takes (reads and removes) a value of the tab's session storage.
    pub fn take(key: &str) -> Option<String> {
        let store = session()?;
        let value = store.get_item(key).ok().flatten();
        let _ = store.remove_item(key);
        value
    }

    /// The element an event came from, or its nearest ancestor matching `selector`.
    pub fn closest(ev: &web_sys::Event, selector: &str) -> Option<web_sys::Element> {
        ev.target()?.dyn_into::<web_sys::Element>().ok()?.closest(selector).ok().flatten()
    }

    /// Listens on the document in the capture phase (before the router's own
    /// link handling); the listener goes with the returned guard.
    pub fn listen_capture(event: &'static str, f: impl FnMut(web_sys::Event) + 'static) -> Option<Listener> {
        let document = web_sys::window()?.document()?;
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        document.add_event_listener_with_callback_and_bool(event, closure.as_ref().unchecked_ref(), true).ok()?;
        Some(Listener { document, event, closure })
    }

    /// Logs out as the header's button does without script: a form POST, so
    /// the server's redirect loads the login page whole (no header of the
    /// signed-out account left on it).
    pub fn post_logout() {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let Ok(form) = document.create_element("form") else { return };
        let _ = form.set_attribute("method", "post");
        let _ = form.set_attribute("action", crate::api::LOGOUT_PATH);
        if let Some(body) = document.body() {
            let _ = body.append_child(&form);
        }
        if let Ok(form) = form.dyn_into::<web_sys::HtmlFormElement>() {
            let _ = form.submit();
        }
    }

    pub struct Listener {
        document: web_sys::Document,
        event: &'static str,
        closure: Closure<dyn FnMut(web_sys::Event)>,
    }

    impl Drop for Listener {
        fn drop(&mut self) {
            let _ = self.document.remove_event_listener_with_callback_and_bool(self.event, self.closure.as_ref().unchecked_ref(), true);
        }
    }
}

/// The warning before the idle logout. The server ends a session
/// `idle_secs` after its last request; this counts the same time from the
/// last request any tab of this browser made (a page load, a form sent, a
/// button or link used), warns `WARN_BEFORE_SECS` before, and logs out at
/// the end itself (so a shared PC is not left signed in on screen).
#[component]
pub fn IdleWarning(idle_secs: u64) -> impl IntoView {
    let lang = use_lang();
    // Seconds left while the warning shows.
    let left = RwSignal::new(None::<u64>);
    let continue_ref = NodeRef::<leptos::html::Button>::new();
    #[cfg(feature = "hydrate")]
    {
        use browser::*;
        let record = move || {
            if let Some(store) = local() {
                let _ = store.set_item(LAST_ACTIVITY_KEY, &now_ms().to_string());
            }
        };
        let last = move || local().and_then(|s| s.get_item(LAST_ACTIVITY_KEY).ok().flatten()).and_then(|v| v.parse::<f64>().ok());
        Effect::new(move |_| record());
        let location = leptos_router::hooks::use_location();
        Effect::new(move |_| {
            location.pathname.track();
            record();
        });
        let on_submit = listen_capture("submit", move |_| record());
        let on_click = listen_capture("click", move |ev| {
            if closest(&ev, "button, a[href]").is_some() {
                record();
            }
        });
        let ending = StoredValue::new(false);
        let tick = set_interval_with_handle(
            move || {
                let since = last().map_or(0.0, |t| (now_ms() - t).max(0.0) / 1000.0);
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let remaining = idle_secs.saturating_sub(since as u64);
                if remaining == 0 && !ending.get_value() {
                    ending.set_value(true);
                    if let Some(store) = session() {
                        let _ = store.set_item(IDLE_LOGOUT_KEY, "1");
                    }
                    post_logout();
                }
                left.set((remaining <= WARN_BEFORE_SECS).then_some(remaining));
            },
            std::time::Duration::from_secs(1),
        )
        .ok();
        // Dropped (so removed) with this component's owner.
        let _listeners = StoredValue::new_local((on_submit, on_click));
        on_cleanup(move || {
            if let Some(t) = tick {
                t.clear();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = idle_secs;
    // The button takes the focus when the warning appears (keyboard and screen readers).
    Effect::new(move |_| {
        if let Some(button) = continue_ref.get() {
            let _ = button.focus();
        }
    });
    // Any request keeps the session: the click itself is recorded as activity.
    let keep = move |_| {
        leptos::task::spawn_local(async move {
            if !matches!(crate::api::me().await, Ok(Some(_))) {
                // The session had already ended: to the login page.
                #[cfg(feature = "hydrate")]
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_href(crate::routes::LOGIN);
                }
            }
        });
        left.set(None);
    };
    view! {
        <Show when=move || left.get().is_some()>
            <div class="idle-warning" role="alertdialog" aria-labelledby="idle-warning-text" data-testid=crate::routes::testid::IDLE_WARNING>
                <p id="idle-warning-text">
                    {move || Msg::IdleWarning.text(lang).replace("{s}", &left.get().unwrap_or(0).to_string())}
                </p>
                <button type="button" class="primary" node_ref=continue_ref on:click=keep>{Msg::KeepWorking.text(lang)}</button>
            </div>
        </Show>
    }
}

/// Watches forms marked `GUARDED`: once one is changed and not sent, leaving
/// the page (a link, the browser's back, closing the tab) asks first.
#[component]
pub fn UnsavedGuard() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        use browser::*;
        let lang = use_lang();
        let dirty = StoredValue::new(false);
        let selector = format!("form[{GUARDED}]");
        let on_input = {
            let selector = selector.clone();
            listen_capture("input", move |ev| {
                if closest(&ev, &selector).is_some() {
                    dirty.set_value(true);
                }
            })
        };
        let on_submit = listen_capture("submit", move |ev| {
            if closest(&ev, &selector).is_some() {
                dirty.set_value(false);
            }
        });
        let on_click = listen_capture("click", move |ev| {
            if dirty.get_value() && closest(&ev, "a[href]").is_some() {
                if crate::components::ask(Msg::LeaveUnsaved.text(lang)) {
                    dirty.set_value(false);
                } else {
                    ev.prevent_default();
                    ev.stop_immediate_propagation();
                }
            }
        });
        let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
            if dirty.get_value() {
                ev.prevent_default();
                ev.set_return_value(Msg::LeaveUnsaved.text(lang));
            }
        });
        // Dropped (so removed) with this component's owner.
        let _listeners = StoredValue::new_local((on_input, on_submit, on_click));
        on_cleanup(move || unload.remove());
    }
}

/// A button that copies `text` (a setup link, a temporary password) and says
/// so. Where the browser offers no clipboard it does nothing; the text beside
/// it (`.secret`) is still selected whole by one click.
#[component]
pub fn CopyButton(#[prop(into)] text: String, #[prop(optional)] test_id: &'static str) -> impl IntoView {
    let lang = use_lang();
    let copied = RwSignal::new(false);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsValue;
            use web_sys::js_sys;
            let text = text.clone();
            let Some(window) = web_sys::window() else { return };
            let navigator = window.navigator();
            let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard")).is_ok_and(|c| !c.is_undefined());
            if has_clipboard {
                let promise = navigator.clipboard().write_text(&text);
                leptos::task::spawn_local(async move {
                    if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                        copied.set(true);
                    }
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <button type="button" class="copy secondary" on:click=on_click data-testid=test_id>
            {move || if copied.get() { Msg::Copied } else { Msg::Copy }.text(lang)}
        </button>
        <span class="visually-hidden" role="status">{move || copied.get().then(|| Msg::Copied.text(lang))}</span>
    }
}

/// Remembers, for this tab only, the organisation code and user ID a setup
/// link was used for, so the login page can fill them in.
pub fn remember_login(org_code: &str, login: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(store) = browser::session() {
        let _ = store.set_item(LOGIN_PREFILL_KEY, &format!("{org_code}\n{login}"));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (org_code, login);
}

/// The organisation code and user ID remembered by `remember_login` (kept
/// until a login succeeds: the page may be built more than once).
pub fn login_prefill() -> Option<(String, String)> {
    #[cfg(feature = "hydrate")]
    {
        let value = browser::session()?.get_item(LOGIN_PREFILL_KEY).ok().flatten()?;
        let (org, login) = value.split_once('\n')?;
        Some((org.to_owned(), login.to_owned()))
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Forgets what `remember_login` remembered (once logged in).
pub fn forget_login_prefill() {
    #[cfg(feature = "hydrate")]
    if let Some(store) = browser::session() {
        let _ = store.remove_item(LOGIN_PREFILL_KEY);
    }
}

/// Whether the last page of this tab was left by the idle logout, once.
pub fn take_idle_logout() -> bool {
    #[cfg(feature = "hydrate")]
    {
        browser::take(IDLE_LOGOUT_KEY).is_some()
    }
    #[cfg(not(feature = "hydrate"))]
    false
}
