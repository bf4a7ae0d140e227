//! The pages: log in (organisation and operator), home, change password, and
//! the consoles in the submodules.

pub mod account;
pub mod accounts;
pub mod admin;
pub mod alerts;
pub mod audit;
pub mod network;
pub mod ops;
pub mod people;
pub mod reports;
pub mod setup;

use leptos::prelude::*;
use leptos::server_fn::client::Client;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::request::ClientReq;
use leptos::server_fn::{Http, ServerFn};
use leptos::web_sys::FormData;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use serde::de::DeserializeOwned;

use crate::api::{use_signed_in, Account, ApiError, ChangePassword, Login, Logout, OperatorLogin};
use crate::components::{FormError, Frame, PasswordField, SubmitButton, TextField};
use crate::i18n::{use_lang, Msg};
use crate::routes::{self, testid, Visitor};
use kura::domain::Role;

pub(crate) fn last_error<T, S>(value: S) -> Signal<Option<ApiError>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, ApiError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(|r| r.err()))
}

/// The login form shared by the organisation and operator login pages; only
/// the endpoint, the organisation-code field and the link differ. The
/// organisations' login page does not point at the operators' (their users
/// have no business there); the operators' points back to the organisations'.
#[component]
fn LoginCard<S, P>(action: ServerAction<S>, title: Msg, with_org_code: bool, other_page: Option<(&'static str, Msg)>) -> impl IntoView
where
    S: DeserializeOwned + ServerFn<Protocol = Http<PostUrl, P>, Output = String, Error = ApiError> + Clone + Send + Sync + 'static,
    P: Send + Sync + 'static,
    S::Client: Client<ApiError>,
    <<S::Client as Client<ApiError>>::Request as ClientReq<ApiError>>::FormData: From<FormData>,
{
    let lang = use_lang();
    let pending = action.pending();
    // Left by the idle logout: say so. Come from a setup link: fill in who.
    let idle_logged_out = RwSignal::new(false);
    let (org, login) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    Effect::new(move |_| {
        idle_logged_out.set(crate::guards::take_idle_logout());
        if let Some((o, l)) = crate::guards::login_prefill().filter(|_| with_org_code) {
            org.set(o);
            login.set(l);
        }
    });
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            crate::guards::forget_login_prefill();
        }
    });
    view! {
        <Title text=title.text(lang)/>
        <Frame>
            <h1>{title.text(lang)}</h1>
            <Show when=move || idle_logged_out.get()>
                <p class="notice" role="status" data-testid=testid::IDLE_LOGGED_OUT>{Msg::IdleLoggedOut.text(lang)}</p>
            </Show>
            <div class="card" class:ops=!with_org_code data-testid=testid::LOGIN_FORM>
                <ActionForm action=action>
                    {with_org_code.then(|| view! { <TextField id="org" name="org" label=Msg::OrgCode autocomplete="organization" value=org/> })}
                    <TextField id="login" name="login" label=Msg::UserId autocomplete="username" value=login/>
                    <PasswordField id="password" name="password" label=Msg::Password autocomplete="current-password"/>
                    <FormError error=last_error(action.value()) test_id=testid::LOGIN_ERROR/>
                    <button type="submit" class="primary" disabled=move || pending.get()>
                        {move || if pending.get() { Msg::LoggingIn.text(lang) } else { Msg::LogIn.text(lang) }}
                    </button>
                </ActionForm>
            </div>
            {other_page.map(|(href, label)| view! { <p class="aside"><a href=href>{label.text(lang)}</a></p> })}
        </Frame>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <LoginCard
            action={ ServerAction::<Login>::new() }
            title=Msg::LoginTitle
            with_org_code=true
            other_page=None
        />
    }
}

#[component]
pub fn OpsLoginPage() -> impl IntoView {
    view! {
        <LoginCard
            action={ ServerAction::<OperatorLogin>::new() }
            title=Msg::OperatorLoginTitle
            with_org_code=false
            other_page=Some((routes::LOGIN, Msg::TenantLink))
        />
    }
}

#[component]
pub(crate) fn LogoutButton() -> impl IntoView {
    let lang = use_lang();
    let action = ServerAction::<Logout>::new();
    view! {
        <ActionForm action=action>
            <SubmitButton pending=action.pending() class="secondary" test_id=testid::LOGOUT>{Msg::LogOut.text(lang)}</SubmitButton>
        </ActionForm>
    }
}

pub(crate) fn role_label(role: Role) -> Msg {
    match role {
        Role::Operator => Msg::RoleOperator,
        Role::Admin => Msg::RoleAdmin,
        Role::Member => Msg::RoleMember,
        Role::Viewer => Msg::RoleViewer,
    }
}

/// Shows `body` for the signed-in account, unless the page rule
/// (`routes::redirect_for`) sends this visitor elsewhere. The account comes
/// from the page's context (`api::SignedIn`, resolved once per request by the
/// server), not from a Resource: see docs/ARCHITECTURE.md, "View patterns".
pub(crate) fn signed_in(path: &'static str, body: fn(Account) -> AnyView) -> AnyView {
    let account = use_signed_in().account;
    let visitor = account.as_ref().map(|a| Visitor::from_role(a.role, a.must_change_password));
    match (routes::redirect_for(path, visitor), account) {
        (None, Some(account)) => body(account),
        (Some(to), _) => view! { <Redirect path=to/> }.into_any(),
        (None, None) => view! { <Redirect path=routes::LOGIN/> }.into_any(),
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::Home.text(lang)/>
        <Frame>
            {signed_in(routes::HOME, |me| {
                let lang = use_lang();
                view! {
                    <h1>{Msg::Welcome.text(lang)}</h1>
                    <dl class="facts">
                        <dt>{Msg::Organisation.text(lang)}</dt>
                        <dd data-testid=testid::ORG_NAME>
                            {me.org_name.clone()} " (" {me.org_code.clone()} ")"
                        </dd>
                        <dt>{Msg::LoggedInAs.text(lang)}</dt>
                        <dd data-testid=testid::WHOAMI>{me.login.clone()}</dd>
                        <dt>{Msg::Role.text(lang)}</dt>
                        <dd>{role_label(me.role).text(lang)}</dd>
                    </dl>
                    <p class="muted">{Msg::SessionInfo.text(lang)}</p>
                    <div class="actions">
                        <A href=routes::PEOPLE attr:class="button primary" attr:data-testid=testid::PEOPLE_LINK>{Msg::People.text(lang)}</A>
                        {me.is_admin().then(|| view! {
                            <A href=routes::ADMIN attr:data-testid=testid::ADMIN_LINK>{Msg::AdminConsole.text(lang)}</A>
                        })}
                        <A href=routes::ACCOUNT attr:data-testid=testid::ACCOUNT_LINK>{Msg::MyAccount.text(lang)}</A>
                    </div>
                }
                .into_any()
            })}
        </Frame>
    }
}

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let lang = use_lang();
    let action = ServerAction::<ChangePassword>::new();
    let pending = action.pending();
    let flash = crate::components::use_flash();
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            flash.set(Msg::PasswordChangedDone);
        }
    });
    let me = use_signed_in().account;
    let notice = match &me {
        Some(me) if me.must_change_password => view! {
            <p class="notice" data-testid=testid::FORCED_CHANGE_NOTICE>{Msg::MustChangePassword.text(lang)}</p>
        }
        .into_any(),
        Some(_) => ().into_any(),
        None => {
            let to = routes::redirect_for(routes::CHANGE_PASSWORD, None).unwrap_or(routes::LOGIN);
            view! { <Redirect path=to/> }.into_any()
        }
    };
    view! {
        <Title text=Msg::ChangePassword.text(lang)/>
        <Frame>
            <h1>{Msg::ChangePassword.text(lang)}</h1>
            {notice}
            <div class="card" data-testid=testid::CHANGE_PASSWORD_FORM>
                <ActionForm action=action>
                    <PasswordField id="current" name="current" label=Msg::CurrentPassword autocomplete="current-password"/>
                    <PasswordField id="new" name="new" label=Msg::NewPassword autocomplete="new-password" show_count=true/>
                    <PasswordField id="confirm" name="confirm" label=Msg::ConfirmPassword autocomplete="new-password"/>
                    <p class="hint">{Msg::PasswordRules.text(lang)}</p>
                    <FormError error=last_error(action.value())/>
                    <SubmitButton pending=pending class="primary">{Msg::Save.text(lang)}</SubmitButton>
                </ActionForm>
            </div>
        </Frame>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    let lang = use_lang();
    view! {
        <Title text=Msg::PageNotFound.text(lang)/>
        <Frame lang_return=routes::LOGIN>
            <h1>{Msg::PageNotFound.text(lang)}</h1>
            <p><a href=routes::LOGIN>{Msg::BackToLogin.text(lang)}</a></p>
        </Frame>
    }
}
