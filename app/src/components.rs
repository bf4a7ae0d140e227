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

/// The page frame: one header on every page. Signed in, it says where and
/// who you are (organisation, account, role), links to the sections your role
/// may open (the current one marked), and logs out; signed out, it has the
/// product name and the language switch only.
#[component]
pub fn Frame(
    children: Children,
    #[prop(optional)] wide: bool,
    /// Where the language switch returns to instead of this page (the 404
    /// page returns to the login page, so it never echoes the missing path).
    #[prop(optional)]
    lang_return: Option<&'static str>,
) -> impl IntoView {
    let lang = use_lang();
    let location = use_location();
    // Tests (and people reading the DOM) can tell when the page is interactive.
    let hydrated = use_hydrated();
    let switch_href = move || {
        let path = lang_return.map(str::to_owned).unwrap_or_else(|| location.pathname.get());
        format!("{LANG_PREFIX}{}?next={}", lang.other().code(), path)
    };
    let signed_in = crate::api::use_signed_in();
    let idle_secs = signed_in.idle_secs;
    let account = signed_in.account;
    // What the page before said it did (saved, added): shown on this page once.
    let flash = use_flash().take();
    view! {
        <header class="topbar">
            <span class="brand">{Msg::ProductName.text(lang)}</span>
            {account.map(|a| view! { <SiteNav account=a/> <crate::guards::IdleWarning idle_secs=idle_secs/> })}
            <a class="lang" href=switch_href data-testid=testid::LANG_SWITCH rel="external nofollow">
                {Msg::LanguageSwitch.text(lang)}
            </a>
        </header>
        <main class=if wide { "page wide" } else { "page" } data-hydrated=move || hydrated.get().to_string()>
            <crate::guards::UnsavedGuard/>
            <Success message=Signal::derive(move || flash)/>
            {children()}
        </main>
    }
}

/// The signed-in part of the header: the sections, who is signed in, log-out.
#[component]
fn SiteNav(account: crate::api::Account) -> impl IntoView {
    use kura::domain::Role;
    use leptos_router::components::A;
    let lang = use_lang();
    let role = account.role;
    let tenant = role != Role::Operator;
    let place = match (&account.org_name, role) {
        (_, Role::Operator) => Msg::OperatorConsole.text(lang).to_owned(),
        (Some(name), _) => name.clone(),
        (None, _) => String::new(),
    };
    view! {
        <nav class="sections" aria-label=Msg::MainMenu.text(lang)>
            {tenant.then(|| view! {
                <A href=crate::routes::PEOPLE attr:data-testid=testid::NAV_PEOPLE>{Msg::People.text(lang)}</A>
            })}
            {(role == Role::Admin).then(|| view! {
                <A href=crate::routes::ADMIN attr:data-testid=testid::NAV_ADMIN>{Msg::AdminConsole.text(lang)}</A>
            })}
            {(role == Role::Operator).then(|| view! {
                <A href=crate::routes::OPS_HOME attr:data-testid=testid::NAV_OPS>{Msg::OperatorConsole.text(lang)}</A>
            })}
            <A href=crate::routes::ACCOUNT attr:data-testid=testid::NAV_ACCOUNT>{Msg::MyAccount.text(lang)}</A>
        </nav>
        <span class="who" data-testid=testid::HEADER_ACCOUNT>
            <span class="place">{place}</span>
            <span class="login">{account.login.clone()}</span>
            <span class="role">{crate::pages::role_label(role).text(lang)}</span>
        </span>
        <crate::pages::LogoutButton/>
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
pub fn TextField(
    id: &'static str,
    name: &'static str,
    label: Msg,
    autocomplete: &'static str,
    /// A value filled in by the page (typing is not overwritten: it changes only when this does).
    #[prop(optional, into)]
    value: Option<Signal<String>>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="field">
            <label for=id>{label.text(lang)}</label>
            <input id=id name=name type="text" autocomplete=autocomplete required autocapitalize="none" spellcheck="false"
                prop:value=move || value.map(|v| v.get()).unwrap_or_default()/>
        </div>
    }
}

/// A labelled input (one line, or a textarea with `rows`) whose problem (from
/// the last submission) is shown right under it and tied to it with `aria-describedby`.
#[component]
pub fn InputField(
    /// Unique on the page (a form repeated per row adds the row's id).
    #[prop(into)]
    id: String,
    name: &'static str,
    label: Msg,
    error: Signal<Option<ApiError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] value: String,
    #[prop(optional)] hint: Option<Msg>,
    #[prop(default = true)] required: bool,
    #[prop(default = 200)] maxlength: u32,
    /// Lines of a multi-line field (a textarea); `None` for one line.
    #[prop(optional)]
    rows: Option<u32>,
    /// The browser's check when the field is left (the same parser the
    /// server runs, from `kura::domain`): a problem code, or `None`.
    #[prop(optional)]
    check: Option<fn(&str) -> Option<&'static str>>,
) -> impl IntoView {
    let lang = use_lang();
    let checked = RwSignal::new(None::<&'static str>);
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(check) = check {
            checked.set(check(&event_target_value(&ev)));
        }
    };
    let message = move || {
        checked.get().map(|p| crate::api::problem_msg(p).text(lang)).or_else(|| error.get().and_then(|e| e.field_message(name, lang)))
    };
    let described = format!("{id}-error");
    let invalid = move || message().is_some().to_string();
    let label_for = id.clone();
    let control = match rows {
        Some(rows) => view! {
            <textarea id=id name=name rows=rows required=required maxlength=maxlength
                aria-invalid=invalid aria-describedby=described.clone() on:change=on_change>{value}</textarea>
        }
        .into_any(),
        None => view! {
            <input
                id=id
                name=name
                type=kind
                value=value
                required=required
                maxlength=maxlength
                autocomplete="off"
                spellcheck="false"
                aria-invalid=invalid
                aria-describedby=described.clone()
                on:change=on_change
            />
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label for=label_for>{label.text(lang)}</label>
            {control}
            {hint.map(|h| view! { <p class="hint">{h.text(lang)}</p> })}
            <p class="field-error" id=described data-field=name>{message}</p>
        </div>
    }
}

/// A message for the next page, set just before navigating to it ("the
/// person was added"): the next `Frame` shows it once.
#[derive(Clone, Copy)]
pub struct Flash(RwSignal<Option<Msg>>);

impl Flash {
    pub fn new() -> Self {
        Flash(RwSignal::new(None))
    }

    pub fn set(self, msg: Msg) {
        self.0.set(Some(msg));
    }

    fn take(self) -> Option<Msg> {
        let msg = self.0.get_untracked();
        if msg.is_some() {
            self.0.set(None);
        }
        msg
    }
}

impl Default for Flash {
    fn default() -> Self {
        Self::new()
    }
}

pub fn use_flash() -> Flash {
    use_context::<Flash>().unwrap_or_default()
}

/// A green message after something was saved (warnings stay yellow,
/// errors red): what was done, announced to screen readers.
#[component]
pub fn Success(#[prop(into)] message: Signal<Option<Msg>>) -> impl IntoView {
    let lang = use_lang();
    move || message.get().map(|m| view! { <p class="success" role="status" data-testid=testid::SUCCESS>{m.text(lang)}</p> })
}

/// The error of an action, plus the password prompt when an operator must
/// re-enter it before a privileged change.
#[component]
pub fn ActionError(error: Signal<Option<ApiError>>) -> impl IntoView {
    let lang = use_lang();
    let reauth = ServerAction::<crate::api::ops::Reauthenticate>::new();
    let needs = move || matches!(error.get(), Some(ApiError::ReauthRequired)) && reauth.value().get().is_none_or(|r| r.is_err());
    let done = move || matches!(reauth.value().get(), Some(Ok(())));
    view! {
        <FormError error=error/>
        <Show when=needs>
            <div class="reauth" data-testid=testid::REAUTH_FORM>
                <ActionForm action=reauth>
                    <PasswordField id="reauth-password" name="password" label=Msg::YourPassword autocomplete="current-password"/>
                    <FormError error=Signal::derive(move || reauth.value().get().and_then(|r| r.err()))/>
                    <SubmitButton pending=reauth.pending() class="secondary">{Msg::Confirm.text(lang)}</SubmitButton>
                </ActionForm>
            </div>
        </Show>
        <Show when=done>
            <p class="notice">{Msg::ReauthDone.text(lang)}</p>
        </Show>
    }
}

/// Previous / next buttons for a paged list, rendered with the page it pages
/// (inside that list's Suspense: no Resource is read outside its boundary).
#[component]
pub fn Pager(page: RwSignal<i64>, pages: i64, total: i64) -> impl IntoView {
    let lang = use_lang();
    view! {
        <nav class="pager" aria-label=Msg::Pages.text(lang)>
            <button type="button" disabled=move || { page.get() <= 0 } on:click=move |_| page.update(|p| *p -= 1)>
                {Msg::Previous.text(lang)}
            </button>
            <span>
                {move || Msg::PageOf.text(lang)
                    .replace("{p}", &(page.get() + 1).to_string())
                    .replace("{n}", &pages.to_string())
                    .replace("{t}", &total.to_string())}
            </span>
            <button type="button" disabled=move || { page.get() + 1 >= pages } on:click=move |_| page.update(|p| *p += 1)>
                {Msg::Next.text(lang)}
            </button>
        </nav>
    }
}

/// The error of the last submission, announced to screen readers.
#[component]
pub fn FormError(error: Signal<Option<ApiError>>, #[prop(default = testid::FORM_ERROR)] test_id: &'static str) -> impl IntoView {
    let lang = use_lang();
    view! {
        <p class="error" role="alert" data-testid=test_id>
            {move || error.get().map(|e| e.message(lang))}
        </p>
    }
}

/// A form's submit button, disabled while its action runs: a second click
/// cannot send the form again. `on_click` runs before the form is submitted
/// and may cancel it (`ConfirmButton`).
#[component]
pub fn SubmitButton(
    /// The action of the form this button submits is running.
    #[prop(into)]
    pending: Signal<bool>,
    children: Children,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] test_id: &'static str,
    #[prop(optional, into)] on_click: Option<Callback<leptos::ev::MouseEvent>>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class=class
            data-testid=(!test_id.is_empty()).then_some(test_id)
            disabled=move || pending.get()
            aria-busy=move || pending.get().to_string()
            on:click=move |ev| {
                if let Some(f) = on_click {
                    f.run(ev);
                }
            }
        >
            {children()}
        </button>
    }
}

/// The one way the UI asks before an action that cannot be undone or that
/// ends someone's access: a submit button that asks `question` first.
///
/// - In the browser a dialog asks; declining cancels the click, so the form
///   is never submitted (a check in the form's submit handler would run after
///   `ActionForm` has sent the request).
/// - With `confirmed` (irreversible actions), the form carries a
///   `confirmed` field that the server requires to be `yes`
///   (`ssr::require_confirmation`). The dialog sets it; without JavaScript the
///   form is first posted without it, the server refuses and changes nothing,
///   and the page asks again with a checkbox that must be ticked.
#[component]
pub fn ConfirmButton(
    question: Msg,
    #[prop(into)] pending: Signal<bool>,
    children: Children,
    /// The server asks for the `confirmed` field: pass the action's error,
    /// which says when a post came without it.
    #[prop(optional)]
    confirmed: Option<Signal<Option<ApiError>>>,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] test_id: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    let field = NodeRef::<leptos::html::Input>::new();
    let ask_again = move || confirmed.is_some_and(|e| matches!(e.get(), Some(ApiError::ConfirmationRequired)));
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if !ask(question.text(lang)) {
            ev.prevent_default();
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            if let Some(input) = field.get_untracked() {
                input.set_value(CONFIRMED);
                // Only this submission carries it: cleared once the form has been read.
                set_timeout(move || input.set_value(""), std::time::Duration::ZERO);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = field;
    };
    view! {
        {move || confirmed.map(|_| if ask_again() {
            view! {
                <label class="confirm">
                    <input type="checkbox" name="confirmed" value=CONFIRMED required/>
                    " " {question.text(lang)}
                </label>
            }.into_any()
        } else {
            view! { <input type="hidden" name="confirmed" value="" node_ref=field/> }.into_any()
        })}
        <SubmitButton pending=pending class=class test_id=test_id on_click=Callback::new(on_click)>
            {children()}
        </SubmitButton>
    }
}

/// Asks `question` in the browser's dialog: true only when the person
/// agrees (declining, or a browser that cannot ask, is a no).
pub fn ask(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(question).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        false
    }
}

/// The value of the `confirmed` field that lets an irreversible action run.
pub const CONFIRMED: &str = "yes";

/// A phone number as a `tel:` link (a tap calls it on a phone); nothing when empty.
pub fn phone_link(phone: &str) -> Option<impl IntoView> {
    // The stored form has digits, hyphens and a leading + only (`domain::contact`).
    let dial: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    (!dial.is_empty()).then(|| view! { <a href=format!("tel:{dial}")>{phone.to_owned()}</a> })
}

/// Prints the page (the print layout leaves out buttons and forms).
#[component]
pub fn PrintButton() -> impl IntoView {
    let lang = use_lang();
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().print();
        }
    };
    view! {
        <button type="button" class="secondary no-print" on:click=print data-testid=testid::PRINT>{Msg::Print.text(lang)}</button>
    }
}
