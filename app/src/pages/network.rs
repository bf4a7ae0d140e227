//! The IP allowlist panel, shared by the admin console and the operator's
//! organisation page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::network::{AddAllowlistEntry, RemoveAllowlistEntry};
use crate::components::{ActionError, ConfirmButton, Frame, InputField, SubmitButton};
use crate::i18n::{use_lang, Msg};
use crate::pages::admin::admin_nav;
use crate::pages::{last_error, signed_in};
use crate::routes::{self, testid};

#[component]
pub fn AllowlistPanel(org: Option<String>) -> impl IntoView {
    let lang = use_lang();
    let add = ServerAction::<AddAllowlistEntry>::new();
    let remove = ServerAction::<RemoveAllowlistEntry>::new();
    let o = org.clone();
    let view_list =
        Resource::new(move || (add.version().get(), remove.version().get()), move |_| crate::api::network::view_allowlist(o.clone()));
    let add_error = last_error(add.value());
    let remove_error = last_error(remove.value());
    let org = StoredValue::new(org);
    let org_input = move || org.get_value().map(|o| view! { <input type="hidden" name="org" value=o/> });
    view! {
        <section class="card" data-testid=testid::ALLOWLIST>
            <h2>{Msg::IpAllowlist.text(lang)}</h2>
            <p class="hint">{Msg::IpAllowlistHint.text(lang)}</p>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || Suspend::new(async move { match view_list.await {
                    Err(e) => view! { <p class="error">{e.message(lang)}</p> }.into_any(),
                    Ok(v) => view! {
                        {v.entries.is_empty().then(|| view! {
                            <p class="notice" role="status" data-testid=testid::ALLOWLIST_EMPTY>{Msg::AllowlistEmptyWarning.text(lang)}</p>
                        })}
                        <p data-testid=testid::YOUR_ADDRESS>
                            {Msg::YourAddress.text(lang)} ": " <code>{v.your_address.clone()}</code> " — "
                            <strong>{if v.you_are_allowed { Msg::Allowed } else { Msg::NotAllowed }.text(lang)}</strong>
                        </p>
                        {(!v.entries.is_empty()).then(|| view! {
                            <table data-testid=testid::ALLOWLIST_ENTRIES>
                                <thead><tr><th>{Msg::Cidr.text(lang)}</th><th>{Msg::Note.text(lang)}</th><th><span class="visually-hidden">{Msg::ActionsColumn.text(lang)}</span></th></tr></thead>
                                <tbody>
                                    {let last = v.entries.len() == 1; v.entries.into_iter().map(move |e| view! {
                                        <tr>
                                            <td><code>{e.cidr.clone()}</code></td>
                                            <td>{e.note.clone()}</td>
                                            <td>
                                                <ActionForm action=remove>
                                                    {org_input()}
                                                    <input type="hidden" name="entry_id" value=e.id.clone()/>
                                                    <ConfirmButton question=if last { Msg::ConfirmRemoveLastEntry } else { Msg::ConfirmRemoveEntry } pending=remove.pending() confirmed=remove_error>
                                                        {Msg::RemoveEntry.text(lang)} <span class="visually-hidden">" " {e.cidr.clone()}</span>
                                                    </ConfirmButton>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        })}
                    }.into_any(),
                }})}
            </Suspense>
            <ActionError error=remove_error/>
            <ActionForm action=add>
                {org_input()}
                <InputField id="cidr" name="cidr" label=Msg::Cidr error=add_error maxlength=64/>
                <InputField id="note" name="note" label=Msg::Note error=add_error required=false maxlength=100/>
                <ActionError error=add_error/>
                <SubmitButton pending=add.pending()>{Msg::AddEntry.text(lang)}</SubmitButton>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn AdminNetworkPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::IpAllowlist.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::ADMIN_NETWORK, |_| {
                let lang = use_lang();
                view! {
                    <h1>{Msg::IpAllowlist.text(lang)}</h1>
                    {admin_nav(lang)}
                    <AllowlistPanel org=None/>
                }.into_any()
            })}
        </Frame>
    }
}
