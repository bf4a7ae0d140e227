//! The account management shared by the admin console (own organisation)
//! and the operator console (an organisation the operator chose).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::accounts::{
    ChangeRole, CreateAccount, DeleteAccount, IssuedCredential, ResetAccountPassword, RevokeAccountSessions, SetAccountEnabled,
    SetAccountExpiry, UnlockAccount,
};
use crate::components::{ActionError, ConfirmButton, InputField, Pager, SubmitButton};
use crate::guards::CopyButton;
use crate::i18n::{use_lang, Msg};
use crate::pages::{last_error, role_label};
use crate::routes::{self, testid};
use kura::domain::Role;

/// The hidden `org` field of every account form (empty in the admin console).
fn org_input(org: &Option<String>) -> impl IntoView {
    org.clone().map(|o| view! { <input type="hidden" name="org" value=o/> })
}

/// The new password or setup link, shown once to be passed on.
#[component]
pub fn IssuedBox(issued: Signal<Option<IssuedCredential>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        issued.get().map(|c| {
            view! {
                <div class="issued" role="status">
                    {c.temporary_password.map(|p| view! {
                        <p>{Msg::IssuedTemporary.text(lang)}</p>
                        <p class="copyable">
                            <code class="secret" data-testid=testid::ISSUED_PASSWORD>{p.clone()}</code>
                            <CopyButton text=p test_id=testid::COPY_PASSWORD/>
                        </p>
                    })}
                    {c.setup_link.map(|l| view! {
                        <p>{Msg::IssuedLink.text(lang)}</p>
                        <p class="copyable">
                            <code class="secret" data-testid=testid::ISSUED_LINK>{l.clone()}</code>
                            <CopyButton text=l test_id=testid::COPY_LINK/>
                        </p>
                    })}
                    {c.valid_until.map(|v| view! { <p class="hint">{Msg::ValidUntil.text(lang)} " " {v}</p> })}
                    <p class="hint">{Msg::ShownOnce.text(lang)}</p>
                </div>
            }
        })
    }
}

/// Radio buttons: temporary password or setup link.
fn method_choice(lang: crate::i18n::Lang, prefix: &'static str) -> impl IntoView {
    view! {
        <fieldset class="choice">
            <legend>{Msg::FirstPasswordMethod.text(lang)}</legend>
            <label><input type="radio" name="method" value="link" id=format!("{prefix}-link") checked/> {Msg::SetupLink.text(lang)}</label>
            <label><input type="radio" name="method" value="temporary" id=format!("{prefix}-temporary")/> {Msg::TemporaryPassword.text(lang)}</label>
        </fieldset>
    }
}

/// The roles an organisation's account may have: the core's list, so the
/// form offers exactly what the server accepts.
fn role_select(lang: crate::i18n::Lang, id: &'static str, current: Role) -> impl IntoView {
    view! {
        <select id=id name="role">
            {Role::TENANT_ROLES
                .into_iter()
                .map(|r| view! { <option value=r.as_str() selected=current == r>{role_label(r).text(lang)}</option> })
                .collect_view()}
        </select>
    }
}

/// Search, list and create accounts.
#[component]
pub fn AccountsPanel(org: Option<String>) -> impl IntoView {
    let lang = use_lang();
    let create = ServerAction::<CreateAccount>::new();
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(0i64);
    let org_for_list = org.clone();
    let list = Resource::new(
        move || (search.get(), page.get(), create.version().get()),
        move |(q, p, _)| crate::api::accounts::list_accounts(org_for_list.clone(), q, p),
    );
    let error = last_error(create.value());
    let issued = Signal::derive(move || create.value().get().and_then(|r| r.ok()));
    let org_rows = org.clone();
    // An organisation without accounts gets its admin first: the role starts there.
    let org_for_first = org.clone();
    let no_accounts_yet = Resource::new(
        move || create.version().get(),
        move |_| {
            let org = org_for_first.clone();
            async move { matches!(crate::api::accounts::list_accounts(org, String::new(), 0).await, Ok(p) if p.total == 0) }
        },
    );
    view! {
        <section class="card" data-testid=testid::ACCOUNT_FORM>
            <h2>{Msg::NewAccount.text(lang)}</h2>
            <ActionForm action=create>
                {org_input(&org)}
                <InputField id="new-login" name="login" label=Msg::UserId error=error maxlength=64 hint=Msg::LoginRules/>
                <Suspense fallback=move || view! {
                    <div class="field"><label for="new-role">{Msg::Role.text(lang)}</label>{role_select(lang, "new-role", Role::Member)}</div>
                }>
                    {move || Suspend::new(async move {
                        let first = no_accounts_yet.await;
                        view! {
                            <div class="field">
                                <label for="new-role">{Msg::Role.text(lang)}</label>
                                {role_select(lang, "new-role", if first { Role::Admin } else { Role::Member })}
                                {first.then(|| view! {
                                    <p class="hint" data-testid=testid::FIRST_ACCOUNT_HINT>{Msg::FirstAccountIsAdmin.text(lang)}</p>
                                })}
                            </div>
                        }
                    })}
                </Suspense>
                {method_choice(lang, "new")}
                <ActionError error=error/>
                <SubmitButton pending=create.pending() class="primary">{Msg::CreateAccount.text(lang)}</SubmitButton>
            </ActionForm>
            <IssuedBox issued=issued/>
        </section>
        <section class="card">
            <h2>{Msg::Accounts.text(lang)}</h2>
            <div class="field">
                <label for="account-search">{Msg::SearchByUserId.text(lang)}</label>
                <input id="account-search" type="search" prop:value=search on:input=move |ev| {
                    search.set(event_target_value(&ev));
                    page.set(0);
                }/>
            </div>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || {
                    let org = org_rows.clone();
                    Suspend::new(async move { match list.await {
                        Ok(p) if p.items.is_empty() => view! { <p class="muted">{Msg::NoneFound.text(lang)}</p> }.into_any(),
                        Ok(p) => { let (pages, total) = (p.pages(), p.total); view! {
                            <table data-testid=testid::ACCOUNT_LIST>
                                <thead><tr>
                                    <th>{Msg::UserId.text(lang)}</th><th>{Msg::Role.text(lang)}</th>
                                    <th>{Msg::Status.text(lang)}</th><th>{Msg::LastLogin.text(lang)}</th>
                                </tr></thead>
                                <tbody>
                                    {p.items.into_iter().map(|u| {
                                        let href = routes::user_page(org.as_deref(), &u.id);
                                        let status = status_text(lang, &u);
                                        let login = u.login.clone();
                                        view! {
                                            <tr>
                                                <td><A href=href>{login}</A></td>
                                                <td>{role_label(u.role).text(lang)}</td>
                                                <td>{status}</td>
                                                <td>{u.last_login.clone().unwrap_or_else(|| String::from("-"))}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager page=page pages=pages total=total/>
                        }.into_any() },
                        Err(e) => view! { <p class="error">{e.message(lang)}</p> }.into_any(),
                    }})
                }}
            </Suspense>
        </section>
    }
}

fn status_text(lang: crate::i18n::Lang, u: &crate::api::accounts::UserRow) -> String {
    let mut s = if u.enabled { Msg::StatusActive } else { Msg::StatusDisabled }.text(lang).to_owned();
    if let Some(e) = &u.expires_on {
        s.push_str(&format!(" ({} {e})", Msg::ExpiryDate.text(lang)));
    }
    s
}

/// One account: facts, restrictions, password reset, sessions, deletion.
#[component]
pub fn UserDetail(org: Option<String>, user_id: String) -> impl IntoView {
    let lang = use_lang();
    let role = ServerAction::<ChangeRole>::new();
    let enabled = ServerAction::<SetAccountEnabled>::new();
    let expiry = ServerAction::<SetAccountExpiry>::new();
    let reset = ServerAction::<ResetAccountPassword>::new();
    let unlock = ServerAction::<UnlockAccount>::new();
    let revoke = ServerAction::<RevokeAccountSessions>::new();
    let delete = ServerAction::<DeleteAccount>::new();
    let (o, u) = (org.clone(), user_id.clone());
    let user = Resource::new(
        move || (role.version().get(), enabled.version().get(), expiry.version().get(), reset.version().get(), unlock.version().get()),
        move |_| crate::api::accounts::get_account(o.clone(), u.clone()),
    );
    let (o, u) = (org.clone(), user_id.clone());
    let sessions = Resource::new(
        move || (revoke.version().get(), enabled.version().get(), reset.version().get()),
        move |_| crate::api::accounts::account_sessions(o.clone(), u.clone()),
    );
    let deleted = move || matches!(delete.value().get(), Some(Ok(())));
    let back = match &org {
        Some(t) => routes::ops_tenant(t),
        None => routes::ADMIN.to_owned(),
    };
    let errors = Signal::derive(move || {
        [
            role.value().get().and_then(|r| r.err()),
            enabled.value().get().and_then(|r| r.err()),
            expiry.value().get().and_then(|r| r.err()),
            reset.value().get().and_then(|r| r.err()),
            unlock.value().get().and_then(|r| r.err()),
            revoke.value().get().and_then(|r| r.err()),
            delete.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    let expiry_error = last_error(expiry.value());
    let revoke_error = last_error(revoke.value());
    let delete_error = last_error(delete.value());
    // A short confirmation after a change that only shows in the facts above.
    let saved = move || {
        [role.value().get(), enabled.value().get(), expiry.value().get(), unlock.value().get()].into_iter().flatten().any(|r| r.is_ok())
            || revoke.value().get().is_some_and(|r| r.is_ok())
    };
    let issued = Signal::derive(move || reset.value().get().and_then(|r| r.ok()));
    let ids = StoredValue::new((org.clone(), user_id.clone()));
    // The fields that name the account in every form of this page.
    let hidden = move || {
        let (o, u) = ids.get_value();
        view! {
            {org_input(&o)}
            <input type="hidden" name="user_id" value=u/>
        }
    };
    view! {
        <p><A href=back.clone()>{Msg::BackToList.text(lang)}</A></p>
        <Show when=deleted>
            <p class="success" role="status">{Msg::AccountDeleted.text(lang)}</p>
        </Show>
        <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
            {move || Suspend::new(async move { match user.await {
                Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                Ok(u) => view! {
                    <h1>{Msg::Account.text(lang)} ": " {u.login.clone()}</h1>
                    <dl class="facts" data-testid=testid::USER_FACTS>
                        <dt>{Msg::Role.text(lang)}</dt><dd>{role_label(u.role).text(lang)}</dd>
                        <dt>{Msg::Status.text(lang)}</dt><dd data-testid=testid::USER_STATUS>{status_text(lang, &u)}</dd>
                        <dt>{Msg::LastLogin.text(lang)}</dt><dd>{u.last_login.clone().unwrap_or_else(|| String::from("-"))}</dd>
                        <dt>{Msg::Created.text(lang)}</dt><dd>{u.created.clone()}</dd>
                        <dt>{Msg::FailedLogins.text(lang)}</dt><dd>{u.failed_logins}</dd>
                    </dl>
                    <section class="card">
                        <h2>{Msg::Restrictions.text(lang)}</h2>
                        <div class="row-actions">
                            <ActionForm action=role>
                                {hidden()}
                                <label for="role">{Msg::Role.text(lang)}</label>
                                {role_select(lang, "role", u.role)}
                                <SubmitButton pending=role.pending()>{Msg::ChangeRole.text(lang)}</SubmitButton>
                            </ActionForm>
                            <ActionForm action=enabled>
                                {hidden()}
                                <input type="hidden" name="enabled" value=(!u.enabled).to_string()/>
                                {if u.enabled {
                                    view! {
                                        <ConfirmButton question=Msg::ConfirmDisableAccount pending=enabled.pending() class="danger" test_id=testid::DISABLE_USER>
                                            {Msg::Disable.text(lang)}
                                        </ConfirmButton>
                                    }.into_any()
                                } else {
                                    view! { <SubmitButton pending=enabled.pending() test_id=testid::ENABLE_USER>{Msg::Enable.text(lang)}</SubmitButton> }.into_any()
                                }}
                            </ActionForm>
                            <ActionForm action=unlock>
                                {hidden()}
                                <SubmitButton pending=unlock.pending()>{Msg::Unlock.text(lang)}</SubmitButton>
                            </ActionForm>
                        </div>
                        <ActionForm action=expiry>
                            {hidden()}
                            <InputField id="expires_on" name="expires_on" label=Msg::ExpiryDate error=expiry_error kind="date"
                                value=u.expires_on.clone().unwrap_or_default() required=false hint=Msg::ExpiryHint/>
                            <SubmitButton pending=expiry.pending()>{Msg::SaveExpiry.text(lang)}</SubmitButton>
                        </ActionForm>
                    </section>
                }.into_any(),
            }})}
        </Suspense>
        <ActionError error=errors/>
        <Show when=move || saved() && errors.get().is_none()>
            <p class="success" role="status">{Msg::Saved.text(lang)}</p>
        </Show>
        <section class="card">
            <h2>{Msg::ResetPassword.text(lang)}</h2>
            <ActionForm action=reset>
                {hidden()}
                {method_choice(lang, "reset")}
                <ConfirmButton question=Msg::ConfirmResetPassword pending=reset.pending()>{Msg::ResetPassword.text(lang)}</ConfirmButton>
            </ActionForm>
            <IssuedBox issued=issued/>
        </section>
        <section class="card">
            <h2>{Msg::ActiveSessions.text(lang)}</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move { match sessions.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">{Msg::NoSessions.text(lang)}</p> }.into_any(),
                    Ok(list) => view! {
                        {session_table(lang, list, move |id| view! {
                            <ActionForm action=revoke>
                                {hidden()}
                                <input type="hidden" name="session" value=id/>
                                <ConfirmButton question=Msg::ConfirmEndSession pending=revoke.pending() confirmed=revoke_error>
                                    {Msg::EndSession.text(lang)}
                                </ConfirmButton>
                            </ActionForm>
                        }.into_any())}
                        <ActionForm action=revoke>
                            {hidden()}
                            <ConfirmButton question=Msg::ConfirmEndAllSessions pending=revoke.pending() confirmed=revoke_error class="danger">
                                {Msg::EndAllSessions.text(lang)}
                            </ConfirmButton>
                        </ActionForm>
                    }.into_any(),
                    Err(e) => view! { <p class="error">{e.message(lang)}</p> }.into_any(),
                }})}
            </Suspense>
        </section>
        <section class="card danger-zone">
            <h2>{Msg::DeleteAccount.text(lang)}</h2>
            <p class="hint">{Msg::DeleteHint.text(lang)}</p>
            <ActionForm action=delete>
                {hidden()}
                <ConfirmButton question=Msg::ConfirmDeleteAccount pending=delete.pending() confirmed=delete_error class="danger">
                    {Msg::DeleteAccount.text(lang)}
                </ConfirmButton>
            </ActionForm>
        </section>
    }
}

/// A table of sessions; `end` renders the control that ends one.
pub fn session_table(
    lang: crate::i18n::Lang,
    rows: Vec<crate::api::accounts::SessionRow>,
    end: impl Fn(String) -> AnyView,
) -> impl IntoView {
    view! {
        <table data-testid=testid::SESSION_LIST>
            <thead><tr>
                <th>{Msg::Device.text(lang)}</th><th>{Msg::IpAddress.text(lang)}</th>
                <th>{Msg::LastSeen.text(lang)}</th><th>{Msg::Started.text(lang)}</th><th><span class="visually-hidden">{Msg::ActionsColumn.text(lang)}</span></th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|s| view! {
                    <tr>
                        <td>{s.device.clone()} {s.current.then(|| view! { <span class="tag">{Msg::ThisDevice.text(lang)}</span> })}</td>
                        <td>{s.ip.clone()}</td>
                        <td>{s.last_seen.clone()}</td>
                        <td>{s.started.clone()}</td>
                        <td>{(!s.current).then(|| end(s.id.clone()))}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
