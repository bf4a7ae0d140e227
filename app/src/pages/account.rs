//! Everyone's own account: password and sessions.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::account::EndMySession;
use crate::components::{ConfirmButton, FormError, Frame};
use crate::i18n::{use_lang, Msg};
use crate::pages::accounts::session_table;
use crate::pages::{last_error, signed_in};
use crate::routes;

#[component]
pub fn AccountPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::MyAccount.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::ACCOUNT, |me| view! { <MyAccount login=me.login.clone() operator=me.is_operator()/> }.into_any())}
        </Frame>
    }
}

#[component]
fn MyAccount(login: String, operator: bool) -> impl IntoView {
    let lang = use_lang();
    let end = ServerAction::<EndMySession>::new();
    let sessions = Resource::new(move || end.version().get(), |_| crate::api::account::my_sessions());
    let end_error = last_error(end.value());
    let home = if operator { routes::OPS_HOME } else { routes::HOME };
    view! {
        <h1>{Msg::MyAccount.text(lang)} ": " {login}</h1>
        <nav class="subnav" aria-label=Msg::SectionMenu.text(lang)>
            <A href=home>{Msg::Home.text(lang)}</A>
            <A href=routes::CHANGE_PASSWORD>{Msg::ChangePassword.text(lang)}</A>
        </nav>
        <section class="card">
            <h2>{Msg::ActiveSessions.text(lang)}</h2>
            <p class="hint">{Msg::SessionsHint.text(lang)}</p>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || Suspend::new(async move { match sessions.await {
                    Ok(list) => session_table(lang, list, move |id| view! {
                        <ActionForm action=end>
                            <input type="hidden" name="session" value=id/>
                            <ConfirmButton question=Msg::ConfirmEndSession pending=end.pending() confirmed=end_error>
                                {Msg::EndSession.text(lang)}
                            </ConfirmButton>
                        </ActionForm>
                    }.into_any()).into_any(),
                    Err(e) => view! { <p class="error">{e.message(lang)}</p> }.into_any(),
                }})}
            </Suspense>
            <FormError error=end_error/>
        </section>
    }
}
