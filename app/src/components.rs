//! Building blocks shared by the pages.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::ApiError;
use crate::i18n::{use_lang, Msg};
use crate::routes::{testid, LANG_PREFIX};

/// True once the WASM has hydrated the page. Server-rendered HTML starts
/// with `false`; effects run only in the browser.
pub fn use_hydrated() -> RwSignal<bool> {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    hydrated
}

/// The page frame: header with the product name and the language switch.
#[component]
pub fn Frame(children: Children, #[prop(optional)] wide: bool) -> impl IntoView {
    let lang = use_lang();
    let location = use_location();
    let switch_href = move || {
        let path = location.pathname.get();
        format!("{LANG_PREFIX}{}?next={}", lang.other().code(), path)
    };
    view! {
        <header class="topbar">
            <span class="brand">{Msg::ProductName.text(lang)}</span>
            <a class="lang" href=switch_href data-testid=testid::LANG_SWITCH rel="external nofollow">
                {Msg::LanguageSwitch.text(lang)}
            </a>
        </header>
        <main class=if wide { "page wide" } else { "page" }>{children()}</main>
    }
}

/// A password input with a show/hide button that works only once hydrated
/// (the button is disabled in the server-rendered HTML).
#[component]
pub fn PasswordField(
    id: &'static str,
    name: &'static str,
    label: Msg,
    autocomplete: &'static str,
    #[prop(optional)] show_count: bool,
) -> impl IntoView {
    let lang = use_lang();
    let hydrated = use_hydrated();
    let shown = RwSignal::new(false);
    let count = RwSignal::new(0usize);
    view! {
        <div class="field">
            <label for=id>{label.text(lang)}</label>
            <div class="password-row">
                <input
                    id=id
                    name=name
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete=autocomplete
                    required
                    on:input=move |ev| count.set(event_target_value(&ev).chars().count())
                />
                <button
                    type="button"
                    class="toggle"
                    data-testid=testid::PASSWORD_TOGGLE
                    aria-controls=id
                    aria-pressed=move || shown.get().to_string()
                    disabled=move || !hydrated.get()
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { Msg::HidePassword.text(lang) } else { Msg::ShowPassword.text(lang) }}
                </button>
            </div>
            {show_count
                .then(|| {
                    view! {
                        <p class="hint" aria-live="polite">
                            {move || Msg::CharCount.text(lang).replace("{n}", &count.get().to_string())}
                        </p>
                    }
                })}
        </div>
    }
}

/// A plain text input with its label.
#[component]
pub fn TextField(id: &'static str, name: &'static str, label: Msg, autocomplete: &'static str) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="field">
            <label for=id>{label.text(lang)}</label>
            <input id=id name=name type="text" autocomplete=autocomplete required autocapitalize="none" spellcheck="false"/>
        </div>
    }
}

/// The error of the last submission, announced to screen readers.
#[component]
pub fn FormError(
    error: Signal<Option<ApiError>>,
    #[prop(default = testid::FORM_ERROR)] test_id: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <p class="error" role="alert" data-testid=test_id>
            {move || error.get().map(|e| e.message(lang))}
        </p>
    }
}
