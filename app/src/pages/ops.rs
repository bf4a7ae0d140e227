//! The operator console: organisations, their accounts, and operators.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::ops::{CreateOperator, CreateTenant, SetOperatorEnabled, SetTenantContacts, SetTenantSuspended};
use crate::components::{ActionError, ConfirmButton, Frame, InputField, Pager, SubmitButton};
use crate::i18n::{use_lang, Lang, Msg};
use crate::pages::accounts::{AccountsPanel, UserDetail};
use crate::pages::network::AllowlistPanel;
use crate::pages::{last_error, signed_in};
use crate::routes::{self, testid};

pub(crate) fn ops_nav(lang: Lang) -> impl IntoView {
    view! {
        <nav class="subnav" aria-label=Msg::SectionMenu.text(lang)>
            <A href=routes::OPS_HOME>{Msg::Organisations.text(lang)}</A>
            <A href=routes::OPS_OPERATORS>{Msg::Operators.text(lang)}</A>
            <A href=routes::OPS_AUDIT>{Msg::AuditLog.text(lang)}</A>
            <AlertsLink/>
            <A href=routes::ACCOUNT attr:data-testid=testid::ACCOUNT_LINK>{Msg::MyAccount.text(lang)}</A>
        </nav>
    }
}

/// The alerts link with the number of alerts not yet closed (counted once
/// per page by the server, with the visitor: `api::SignedIn`).
#[component]
fn AlertsLink() -> impl IntoView {
    let lang = use_lang();
    let count = crate::api::use_signed_in().open_alerts.filter(|n| *n > 0);
    view! {
        <A href=routes::OPS_ALERTS>
            {Msg::Alerts.text(lang)}
            {count.map(|n| view! {
                " " <span class="badge" data-testid=testid::ALERT_BADGE aria-label=Msg::OpenAlerts.text(lang).replace("{n}", &n.to_string())>{n}</span>
            })}
        </A>
    }
}

fn status_label(status: &str) -> Msg {
    match status {
        "active" => Msg::TenantActive,
        "suspended" => Msg::TenantSuspended,
        _ => Msg::TenantTerminated,
    }
}

#[component]
pub fn OpsHomePage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::OperatorConsole.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::OPS_HOME, |me| view! { <OpsHome login=me.login/> }.into_any())}
        </Frame>
    }
}

#[component]
fn OpsHome(login: String) -> impl IntoView {
    let lang = use_lang();
    let create = ServerAction::<CreateTenant>::new();
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(0i64);
    let list = Resource::new(move || (search.get(), page.get(), create.version().get()), |(q, p, _)| crate::api::ops::list_tenants(q, p));
    let error = last_error(create.value());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&routes::ops_tenant(&id), Default::default());
        }
    });
    view! {
        <h1 data-testid=testid::OPS_HOME>{Msg::OperatorConsole.text(lang)}</h1>
        <p class="muted">{Msg::LoggedInAs.text(lang)} ": " <span data-testid=testid::WHOAMI>{login}</span></p>
        {ops_nav(lang)}
        <crate::pages::reports::LoginChart operator=true/>
        <section class="card">
            <h2>{Msg::Organisations.text(lang)}</h2>
            <div class="field">
                <label for="tenant-search">{Msg::SearchOrganisations.text(lang)}</label>
                <input id="tenant-search" type="search" prop:value=search on:input=move |ev| {
                    search.set(event_target_value(&ev));
                    page.set(0);
                }/>
            </div>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || Suspend::new(async move { match list.await {
                    Ok(p) if p.items.is_empty() => view! { <p class="muted">{Msg::NoneFound.text(lang)}</p> }.into_any(),
                    Ok(p) => { let (pages, total) = (p.pages(), p.total); view! {
                        <table data-testid=testid::TENANT_LIST>
                            <thead><tr>
                                <th>{Msg::OrgCode.text(lang)}</th><th>{Msg::OrgName.text(lang)}</th><th>{Msg::Status.text(lang)}</th>
                                <th>{Msg::UserCount.text(lang)}</th><th>{Msg::LastActivity.text(lang)}</th>
                            </tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|t| view! {
                                    <tr>
                                        <td><A href=routes::ops_tenant(&t.id)>{t.code.clone()}</A></td>
                                        <td>{t.name.clone()}</td>
                                        <td>{status_label(&t.status).text(lang)}</td>
                                        <td>{t.user_count}</td>
                                        <td>{t.last_activity.clone().unwrap_or_else(|| String::from("-"))}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager page=page pages=pages total=total/>
                    }.into_any() },
                    Err(e) => view! { <p class="error">{e.message(lang)}</p> }.into_any(),
                }})}
            </Suspense>
        </section>
        <section class="card" data-testid=testid::TENANT_FORM>
            <h2>{Msg::NewOrganisation.text(lang)}</h2>
            <ActionForm action=create>
                <InputField id="code" name="org_code" label=Msg::OrgCode error=error maxlength=32 hint=Msg::OrgCodeRules/>
                <InputField id="name" name="name" label=Msg::OrgName error=error maxlength=100/>
                <InputField id="contract_start" name="contract_start" label=Msg::ContractStart error=error kind="date"/>
                <InputField id="emails" name="emails" label=Msg::ContactEmails error=error hint=Msg::ContactEmailsHint maxlength=1300/>
                <InputField id="phone" name="phone" label=Msg::ContactPhone error=error kind="tel" maxlength=20/>
                <ActionError error=error/>
                <SubmitButton pending=create.pending() class="primary">{Msg::CreateOrganisation.text(lang)}</SubmitButton>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn OpsTenantPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::Organisation.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::OPS_TENANTS, |_| view! { <OpsTenant/> }.into_any())}
        </Frame>
    }
}

#[component]
fn OpsTenant() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let tenant_id = params.read_untracked().get("id").unwrap_or_default();
    let contacts = ServerAction::<SetTenantContacts>::new();
    let suspend = ServerAction::<SetTenantSuspended>::new();
    let id = tenant_id.clone();
    let tenant =
        Resource::new(move || (contacts.version().get(), suspend.version().get()), move |_| crate::api::ops::get_tenant(id.clone()));
    let contacts_error = last_error(contacts.value());
    let suspend_error = last_error(suspend.value());
    let id = StoredValue::new(tenant_id.clone());
    view! {
        {ops_nav(lang)}
        <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
            {move || Suspend::new(async move { match tenant.await {
                Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                Ok(t) => view! {
                    <h1>{t.name.clone()} " (" {t.code.clone()} ")"</h1>
                    <dl class="facts" data-testid=testid::TENANT_FACTS>
                        <dt>{Msg::Status.text(lang)}</dt><dd>{status_label(&t.status).text(lang)}</dd>
                        <dt>{Msg::UserCount.text(lang)}</dt><dd>{t.user_count}</dd>
                        <dt>{Msg::Created.text(lang)}</dt><dd>{t.created.clone()}</dd>
                        <dt>{Msg::LastActivity.text(lang)}</dt><dd>{t.last_activity.clone().unwrap_or_else(|| String::from("-"))}</dd>
                        <dt>{Msg::ContractStart.text(lang)}</dt><dd>{t.contract_start.clone().unwrap_or_else(|| String::from("-"))}</dd>
                    </dl>
                    <section class="card">
                        <h2>{Msg::Contacts.text(lang)}</h2>
                        <ActionForm action=contacts>
                            <input type="hidden" name="tenant_id" value=id.get_value()/>
                            <InputField id="emails" name="emails" label=Msg::ContactEmails error=contacts_error
                                value=t.emails.join(", ") hint=Msg::ContactEmailsHint maxlength=1300/>
                            <InputField id="phone" name="phone" label=Msg::ContactPhone error=contacts_error kind="tel"
                                value=t.phone.clone() maxlength=20/>
                            <ActionError error=contacts_error/>
                            <SubmitButton pending=contacts.pending()>{Msg::SaveContacts.text(lang)}</SubmitButton>
                        </ActionForm>
                    </section>
                    <section class="card">
                        <h2>{Msg::Suspension.text(lang)}</h2>
                        <p class="hint">{Msg::SuspendHint.text(lang)}</p>
                        <ActionForm action=suspend>
                            <input type="hidden" name="tenant_id" value=id.get_value()/>
                            <input type="hidden" name="suspended" value=(t.status == "active").to_string()/>
                            {if t.status == "active" {
                                view! {
                                    <ConfirmButton question=Msg::ConfirmSuspendOrganisation pending=suspend.pending() class="danger">
                                        {Msg::Suspend.text(lang)}
                                    </ConfirmButton>
                                }.into_any()
                            } else {
                                view! { <SubmitButton pending=suspend.pending()>{Msg::Resume.text(lang)}</SubmitButton> }.into_any()
                            }}
                        </ActionForm>
                        <ActionError error=suspend_error/>
                    </section>
                }.into_any(),
            }})}
        </Suspense>
        <crate::pages::reports::PrivilegedReport org=Some(tenant_id.clone())/>
        <AllowlistPanel org=Some(tenant_id.clone())/>
        <AccountsPanel org=Some(tenant_id)/>
    }
}

#[component]
pub fn OpsUserPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::Account.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::OPS_TENANTS, |_| {
                let params = use_params_map();
                let org = params.read_untracked().get("id").unwrap_or_default();
                let user = params.read_untracked().get("uid").unwrap_or_default();
                view! { <UserDetail org=Some(org) user_id=user/> }.into_any()
            })}
        </Frame>
    }
}

#[component]
pub fn OpsOperatorsPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::Operators.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::OPS_OPERATORS, |_| view! { <Operators/> }.into_any())}
        </Frame>
    }
}

#[component]
fn Operators() -> impl IntoView {
    let lang = use_lang();
    let create = ServerAction::<CreateOperator>::new();
    let enabled = ServerAction::<SetOperatorEnabled>::new();
    let page = RwSignal::new(0i64);
    let list = Resource::new(
        move || (page.get(), create.version().get(), enabled.version().get()),
        |(p, _, _)| crate::api::ops::list_operators(String::new(), p),
    );
    let error = last_error(create.value());
    let enabled_error = last_error(enabled.value());
    view! {
        <h1>{Msg::Operators.text(lang)}</h1>
        {ops_nav(lang)}
        <section class="card">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move { match list.await {
                    Ok(p) => { let (pages, total) = (p.pages(), p.total); view! {
                        <table data-testid=testid::OPERATOR_LIST>
                            <thead><tr><th>{Msg::UserId.text(lang)}</th><th>{Msg::Status.text(lang)}</th><th>{Msg::LastLogin.text(lang)}</th><th><span class="visually-hidden">{Msg::ActionsColumn.text(lang)}</span></th></tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|u| view! {
                                    <tr>
                                        <td>{u.login.clone()}</td>
                                        <td>{if u.enabled { Msg::StatusActive } else { Msg::StatusDisabled }.text(lang)}</td>
                                        <td>{u.last_login.clone().unwrap_or_else(|| String::from("-"))}</td>
                                        <td>
                                            <ActionForm action=enabled>
                                                <input type="hidden" name="user_id" value=u.id.clone()/>
                                                <input type="hidden" name="enabled" value=(!u.enabled).to_string()/>
                                                {if u.enabled {
                                                    view! {
                                                        <ConfirmButton question=Msg::ConfirmDisableOperator pending=enabled.pending()>{Msg::Disable.text(lang)}</ConfirmButton>
                                                    }.into_any()
                                                } else {
                                                    view! { <SubmitButton pending=enabled.pending()>{Msg::Enable.text(lang)}</SubmitButton> }.into_any()
                                                }}
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager page=page pages=pages total=total/>
                    }.into_any() },
                    Err(e) => view! { <p class="error">{e.message(lang)}</p> }.into_any(),
                }})}
            </Suspense>
            <ActionError error=enabled_error/>
        </section>
        <section class="card">
            <h2>{Msg::NewOperator.text(lang)}</h2>
            <ActionForm action=create>
                <InputField id="operator-login" name="login" label=Msg::UserId error=error maxlength=64 hint=Msg::LoginRules/>
                <ActionError error=error/>
                <SubmitButton pending=create.pending() class="primary">{Msg::CreateAccount.text(lang)}</SubmitButton>
            </ActionForm>
            {move || create.value().get().and_then(|r| r.ok()).map(|n| view! {
                <div class="issued" role="status">
                    <p>{Msg::IssuedTemporary.text(lang)}</p>
                    <p class="copyable">
                        <code class="secret" data-testid=testid::ISSUED_PASSWORD>{n.temporary_password.clone()}</code>
                        <crate::guards::CopyButton text=n.temporary_password test_id=testid::COPY_PASSWORD/>
                    </p>
                    <p class="hint">{Msg::ShownOnce.text(lang)}</p>
                </div>
            })}
        </section>
    }
}
