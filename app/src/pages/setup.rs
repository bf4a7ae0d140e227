//! `/setup#token`: the owner of a new or reset account chooses a password.
//! The token is read from the URL fragment in the browser, so it is never
//! sent in a request line, a log or a Referer.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::setup::CompleteSetup;
use crate::components::{use_hydrated, FormError, Frame, PasswordField, SubmitButton};
use crate::i18n::{use_lang, Msg};
use crate::pages::last_error;
use crate::routes::{self, testid};

fn fragment_token() -> String {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().and_then(|w| w.location().hash().ok()).map(|h| h.trim_start_matches('#').to_owned()).unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let lang = use_lang();
    let hydrated = use_hydrated();
    let token = RwSignal::new(String::new());
    Effect::new(move |_| token.set(fragment_token()));
    let info = LocalResource::new(move || {
        let t = token.get();
        async move {
            if t.is_empty() {
                None
            } else {
                Some(crate::api::setup::inspect_setup_link(t).await)
            }
        }
    });
    let complete = ServerAction::<CompleteSetup>::new();
    // Once the password is set, the login page fills in who (this tab only, no URL).
    Effect::new(move |_| {
        if matches!(complete.value().get(), Some(Ok(_))) {
            if let Some(Some(Ok(i))) = info.get_untracked() {
                crate::guards::remember_login(&i.org_code, &i.login);
            }
        }
    });
    let done = move || matches!(complete.value().get(), Some(Ok(_)));
    view! {
        <Title text=Msg::SetupTitle.text(lang)/>
        <Frame>
            <h1>{Msg::SetupTitle.text(lang)}</h1>
            <Show when=move || !hydrated.get()>
                <p class="muted">{Msg::Loading.text(lang)}</p>
            </Show>
            <Show when=done>
                <div class="success" role="status" data-testid=testid::SETUP_DONE>
                    <p>{Msg::SetupDone.text(lang)}</p>
                    <p><a href=routes::LOGIN>{Msg::BackToLogin.text(lang)}</a></p>
                </div>
            </Show>
            <Show when=move || !done()>
                <Suspense fallback=|| ()>
                    {move || info.get().flatten().map(|r| match r {
                        Err(_) => view! { <p class="error" role="alert">{Msg::SetupLinkInvalid.text(lang)}</p> }.into_any(),
                        Ok(i) => view! {
                            <dl class="facts">
                                <dt>{Msg::Organisation.text(lang)}</dt><dd>{i.org_name.clone()} " (" {i.org_code.clone()} ")"</dd>
                                <dt>{Msg::UserId.text(lang)}</dt><dd>{i.login.clone()}</dd>
                            </dl>
                            <div class="card" data-testid=testid::SETUP_FORM>
                                <ActionForm action=complete>
                                    <input type="hidden" name="token" value=token.get_untracked()/>
                                    <PasswordField id="new" name="new" label=Msg::NewPassword autocomplete="new-password" show_count=true/>
                                    <PasswordField id="confirm" name="confirm" label=Msg::ConfirmPassword autocomplete="new-password"/>
                                    <p class="hint">{Msg::PasswordRules.text(lang)}</p>
                                    <FormError error=last_error(complete.value())/>
                                    <SubmitButton pending=complete.pending() class="primary">{Msg::SetPassword.text(lang)}</SubmitButton>
                                </ActionForm>
                            </div>
                        }.into_any(),
                    })}
                </Suspense>
            </Show>
            {move || (hydrated.get() && token.get().is_empty()).then(|| view! {
                <p class="error" role="alert">{Msg::SetupLinkInvalid.text(lang)}</p>
            })}
        </Frame>
    }
}
