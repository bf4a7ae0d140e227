//! The audit log viewers: `/ops/audit` (every organisation) and
//! `/admin/audit` (the own organisation), with filters, keyset paging and a
//! CSV download of what the filters select.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::audit::AuditQuery;
use crate::components::Frame;
use crate::i18n::{use_lang, Msg};
use crate::pages::signed_in;
use crate::routes::{self, testid};

#[component]
pub fn OpsAuditPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::AuditLog.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::OPS_AUDIT, |_| view! {
                {crate::pages::ops::ops_nav(use_lang())}
                <AuditViewer operator=true/>
            }.into_any())}
        </Frame>
    }
}

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::AuditLog.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::ADMIN_AUDIT, |_| view! {
                {crate::pages::admin::admin_nav(use_lang())}
                <AuditViewer operator=false/>
                <crate::pages::reports::PrivilegedReport org=None/>
            }.into_any())}
        </Frame>
    }
}

/// The action filter's choices: each family of actions (all of it, then
/// each action), in the words of the catalogue.
fn action_options(lang: crate::i18n::Lang) -> impl IntoView {
    use crate::i18n::{action_families, action_family_label, ACTION_WORDS};
    let word = |ja: &'static str, en: &'static str| if lang == crate::i18n::Lang::Ja { ja } else { en };
    let groups = action_families().into_iter().map(|family| {
        let name = action_family_label(family, lang);
        let actions = ACTION_WORDS.iter().filter(move |(a, _, _)| a.starts_with(family));
        view! {
            <optgroup label=name>
                <option value=family>{Msg::AllOf.text(lang).replace("{x}", name)}</option>
                {actions.map(|(a, ja, en)| view! { <option value=*a>{word(ja, en)}</option> }).collect_view()}
            </optgroup>
        }
    });
    let other = ACTION_WORDS.iter().filter(|(a, _, _)| !a.contains('.'));
    view! {
        {groups.collect_view()}
        <optgroup label=Msg::OtherActions.text(lang)>
            {other.map(|(a, ja, en)| view! { <option value=*a>{word(ja, en)}</option> }).collect_view()}
        </optgroup>
    }
}

fn text_input(id: &'static str, label: Msg, kind: &'static str, value: RwSignal<String>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="field compact">
            <label for=id>{label.text(lang)}</label>
            <input id=id type=kind prop:value=value on:input=move |ev| value.set(event_target_value(&ev))/>
        </div>
    }
}

#[component]
fn AuditViewer(operator: bool) -> impl IntoView {
    let lang = use_lang();
    let (from, to, actor, action, result) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let applied = RwSignal::new(AuditQuery::default());
    let page = Resource::new(
        move || applied.get(),
        move |q| async move {
            if operator {
                crate::api::audit::list_all_audit(q).await
            } else {
                crate::api::audit::list_tenant_audit(q).await
            }
        },
    );
    let apply = move || {
        applied.set(AuditQuery {
            from: from.get_untracked(),
            to: to.get_untracked(),
            actor: actor.get_untracked(),
            action: action.get_untracked(),
            result: result.get_untracked(),
            before: None,
        })
    };
    let export_base = if operator { routes::OPS_AUDIT_EXPORT } else { routes::ADMIN_AUDIT_EXPORT };
    view! {
        <h1>{Msg::AuditLog.text(lang)}</h1>
        <section class="card">
            <form class="filters" on:submit=move |ev| { ev.prevent_default(); apply(); }>
                {text_input("audit-from", Msg::DateFrom, "date", from)}
                {text_input("audit-to", Msg::DateTo, "date", to)}
                {text_input("audit-actor", Msg::Actor, "search", actor)}
                <div class="field compact">
                    <label for="audit-action">{Msg::ActionName.text(lang)}</label>
                    <select id="audit-action" on:change=move |ev| action.set(event_target_value(&ev))>
                        <option value="">{Msg::All.text(lang)}</option>
                        {action_options(lang)}
                    </select>
                </div>
                <div class="field compact">
                    <label for="audit-result">{Msg::Result.text(lang)}</label>
                    <select id="audit-result" on:change=move |ev| result.set(event_target_value(&ev))>
                        <option value="">{Msg::All.text(lang)}</option>
                        <option value="success">{Msg::ResultSuccess.text(lang)}</option>
                        <option value="failure">{Msg::ResultFailure.text(lang)}</option>
                        <option value="denied">{Msg::ResultDenied.text(lang)}</option>
                    </select>
                </div>
                <button type="submit" class="secondary">{Msg::Search.text(lang)}</button>
            </form>
            // A POST behind the origin check, with the filters last applied.
            <form class="inline" method="post" action=export_base>
                <input type="hidden" name="from" value=move || applied.get().from/>
                <input type="hidden" name="to" value=move || applied.get().to/>
                <input type="hidden" name="actor" value=move || applied.get().actor/>
                <input type="hidden" name="action" value=move || applied.get().action/>
                <input type="hidden" name="result" value=move || applied.get().result/>
                <button type="submit" class="button">{Msg::ExportCsv.text(lang)}</button>
            </form>
            <p class="hint">{Msg::AuditHint.text(lang)}</p>
        </section>
        <section class="card">
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || Suspend::new(async move { match page.await {
                    Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                    Ok(p) if p.entries.is_empty() => view! { <p class="muted">{Msg::NoneFound.text(lang)}</p> }.into_any(),
                    Ok(p) => {
                        let next = p.next_before;
                        view! {
                            <table data-testid=testid::AUDIT_LIST class="audit cards">
                                <thead><tr>
                                    <th>{Msg::Time.text(lang)}</th>
                                    {operator.then(|| view! { <th>{Msg::Organisation.text(lang)}</th> })}
                                    <th>{Msg::Actor.text(lang)}</th><th>{Msg::ActionName.text(lang)}</th>
                                    <th>{Msg::Target.text(lang)}</th><th>{Msg::Result.text(lang)}</th><th>{Msg::IpAddress.text(lang)}</th>
                                </tr></thead>
                                <tbody>
                                    {p.entries.into_iter().map(|e| view! {
                                        <tr class=format!("result-{}", e.result)>
                                            <td>{e.at.clone()}</td>
                                            {operator.then(|| view! { <td>{e.organisation.clone()}</td> })}
                                            <td>{e.actor.clone()}</td>
                                            <td data-action=e.action.clone()>{e.action_label.clone()}</td>
                                            <td class="target">
                                                {e.target.clone()}
                                                {(e.detail != "{}" && !e.detail.is_empty()).then(|| view! {
                                                    <details><summary>{Msg::Details.text(lang)}</summary><code>{e.detail.clone()}</code></details>
                                                })}
                                            </td>
                                            <td>{e.result_label.clone()}</td>
                                            <td>{e.ip.clone()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <nav class="pager" aria-label=Msg::Pages.text(lang)>
                                <button type="button" disabled=move || applied.with(|q| q.before.is_none())
                                    on:click=move |_| applied.update(|q| q.before = None)>
                                    {Msg::Newest.text(lang)}
                                </button>
                                <button type="button" disabled=next.is_none()
                                    on:click=move |_| applied.update(|q| q.before = next)>
                                    {Msg::Older.text(lang)}
                                </button>
                            </nav>
                        }.into_any()
                    }
                }})}
            </Suspense>
        </section>
    }
}
