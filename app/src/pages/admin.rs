//! The organisation admin's console: accounts and settings of their own organisation.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::settings::SaveSettings;
use crate::components::{ActionError, ConfirmButton, Frame, InputField, SubmitButton, Success};
use crate::i18n::{use_lang, Lang, Msg};
use crate::pages::accounts::{AccountsPanel, UserDetail};
use crate::pages::{last_error, signed_in};
use crate::routes::{self, testid};

pub(crate) fn admin_nav(lang: Lang) -> impl IntoView {
    view! {
        <nav class="subnav" aria-label=Msg::SectionMenu.text(lang)>
            <A href=routes::HOME>{Msg::Home.text(lang)}</A>
            <A href=routes::ADMIN>{Msg::Accounts.text(lang)}</A>
            <A href=routes::ADMIN_NETWORK>{Msg::IpAllowlist.text(lang)}</A>
            <A href=routes::ADMIN_AUDIT>{Msg::AuditLog.text(lang)}</A>
            <A href=routes::ADMIN_ALERTS>{Msg::Alerts.text(lang)}</A>
            <A href=routes::ADMIN_SETTINGS>{Msg::Settings.text(lang)}</A>
            <A href=routes::ACCOUNT attr:data-testid=testid::ACCOUNT_LINK>{Msg::MyAccount.text(lang)}</A>
        </nav>
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::AdminConsole.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::ADMIN, |me| {
                let lang = use_lang();
                view! {
                    <h1>{Msg::AdminConsole.text(lang)} ": " {me.org_name.clone()}</h1>
                    {admin_nav(lang)}
                    <crate::pages::reports::LoginChart operator=false/>
                    <AccountsPanel org=None/>
                }.into_any()
            })}
        </Frame>
    }
}

#[component]
pub fn AdminUserPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::Account.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::ADMIN_USERS, |_| {
                let lang = use_lang();
                let user = use_params_map().read_untracked().get("uid").unwrap_or_default();
                view! { {admin_nav(lang)} <UserDetail org=None user_id=user/> }.into_any()
            })}
        </Frame>
    }
}

#[component]
pub fn AdminSettingsPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::Settings.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::ADMIN_SETTINGS, |_| view! { <Settings/> }.into_any())}
        </Frame>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let lang = use_lang();
    let save = ServerAction::<SaveSettings>::new();
    let settings = Resource::new(move || save.version().get(), |_| crate::api::settings::get_settings());
    let error = last_error(save.value());
    view! {
        <h1>{Msg::Settings.text(lang)}</h1>
        {admin_nav(lang)}
        <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
            {move || Suspend::new(async move { match settings.await {
                Err(e) => view! { <p class="error">{e.message(lang)}</p> }.into_any(),
                Ok(s) => view! {
                    <section class="card" data-testid=testid::SETTINGS_FORM>
                        <ActionForm action=save attr:data-unsaved-guard="">
                            <div class="field checkbox">
                                <label>
                                    <input type="checkbox" name="members_may_export" value="on" checked=s.members_may_export/>
                                    " " {Msg::MembersMayExport.text(lang)}
                                </label>
                                <p class="hint">{Msg::MembersMayExportHint.text(lang)}</p>
                            </div>
                            <TimeZoneField current=s.time_zone.clone() error=error/>
                            <InputField id="record_edit_hours" name="record_edit_hours" label=Msg::RecordEditHours error=error kind="number"
                                value=s.record_edit_hours.to_string() hint=Msg::RecordEditHoursHint maxlength=3/>
                            <ActionError error=error/>
                            <Success message=Signal::derive(move || matches!(save.value().get(), Some(Ok(()))).then_some(Msg::Saved))/>
                            <SubmitButton pending=save.pending() class="primary">{Msg::SaveSettings.text(lang)}</SubmitButton>
                        </ActionForm>
                    </section>
                }.into_any(),
            }})}
        </Suspense>
        <Categories/>
    }
}

/// The organisation's record categories (区分): add and rename.
#[component]
fn Categories() -> impl IntoView {
    use crate::api::people::{AddCategory, MoveCategory, RemoveCategory, RenameCategory};
    let lang = use_lang();
    let add = ServerAction::<AddCategory>::new();
    let rename = ServerAction::<RenameCategory>::new();
    let remove = ServerAction::<RemoveCategory>::new();
    let moved = ServerAction::<MoveCategory>::new();
    let list = Resource::new(
        move || (add.version().get(), rename.version().get(), remove.version().get(), moved.version().get()),
        |_| crate::api::people::category_usage(),
    );
    let add_error = last_error(add.value());
    let rename_error = last_error(rename.value());
    let remove_error = last_error(remove.value());
    let move_error = last_error(moved.value());
    view! {
        <section class="card" data-testid=testid::CATEGORY_LIST>
            <h2>{Msg::Categories.text(lang)}</h2>
            <p class="hint">{Msg::CategoriesHint.text(lang)}</p>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || Suspend::new(async move { match list.await {
                    Err(e) => view! { <p class="error">{e.message(lang)}</p> }.into_any(),
                    Ok(categories) => { let count = categories.len(); view! {
                        <ol class="plain categories">
                            {categories.into_iter().enumerate().map(|(i, c)| {
                                let at = (i == 0, i + 1 == count);
                                category_row(lang, c, at, CategoryActions { rename, moved, remove, remove_error })
                            }).collect_view()}
                        </ol>
                    }.into_any() },
                }})}
            </Suspense>
            <ActionError error=rename_error/>
            <ActionError error=move_error/>
            <ActionError error=remove_error/>
            <ActionForm action=add>
                <InputField id="category_name" name="name" label=Msg::NewCategory error=add_error maxlength=30/>
                <ActionError error=add_error/>
                <SubmitButton pending=add.pending()>{Msg::AddCategory.text(lang)}</SubmitButton>
            </ActionForm>
        </section>
    }
}

#[derive(Clone, Copy)]
struct CategoryActions {
    rename: ServerAction<crate::api::people::RenameCategory>,
    moved: ServerAction<crate::api::people::MoveCategory>,
    remove: ServerAction<crate::api::people::RemoveCategory>,
    remove_error: Signal<Option<crate::api::ApiError>>,
}

/// One category: rename, move up or down (not past either end), and remove
/// while no record names it.
fn category_row(lang: Lang, c: crate::api::people::ManagedCategory, (first, last): (bool, bool), a: CategoryActions) -> impl IntoView {
    let CategoryActions { rename, moved, remove, remove_error } = a;
    let move_form = |direction: &'static str, label: Msg, arrow: &'static str, at_end: bool| {
        let (id, aria) = (c.id.clone(), format!("{} {}", c.name, label.text(lang)));
        view! {
            <ActionForm action=moved attr:class="inline">
                <input type="hidden" name="category_id" value=id/>
                <input type="hidden" name="direction" value=direction/>
                <button type="submit" disabled=at_end aria-label=aria>{arrow} {label.text(lang)}</button>
            </ActionForm>
        }
    };
    let (up, down) = (move_form("up", Msg::MoveUp, "↑ ", first), move_form("down", Msg::MoveDown, "↓ ", last));
    let (remove_id, remove_name) = (c.id.clone(), c.name.clone());
    let remove_form = if c.in_use {
        view! { <span class="muted">{Msg::CategoryInUseNote.text(lang)}</span> }.into_any()
    } else {
        view! {
            <ActionForm action=remove attr:class="inline">
                <input type="hidden" name="category_id" value=remove_id/>
                <ConfirmButton question=Msg::ConfirmRemoveCategory pending=remove.pending() confirmed=remove_error>
                    {Msg::RemoveCategory.text(lang)} <span class="visually-hidden">" " {remove_name}</span>
                </ConfirmButton>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <li>
            <ActionForm action=rename attr:class="inline">
                <input type="hidden" name="category_id" value=c.id.clone()/>
                <input name="name" value=c.name.clone() maxlength=30 required aria-label=format!("{} {}", Msg::Rename.text(lang), c.name)/>
                <SubmitButton pending=rename.pending()>{Msg::Rename.text(lang)}</SubmitButton>
            </ActionForm>
            {up}
            {down}
            {remove_form}
        </li>
    }
}

/// The organisation's time zone, chosen by place (Japanese labels, no zone
/// names); a zone stored before the list existed stays offered as it is.
#[component]
fn TimeZoneField(current: String, error: Signal<Option<crate::api::ApiError>>) -> impl IntoView {
    let lang = use_lang();
    let listed = crate::i18n::time_zone_label(&current, lang).is_some();
    view! {
        <div class="field">
            <label for="time_zone">{Msg::TimeZone.text(lang)}</label>
            <select id="time_zone" name="time_zone" aria-describedby="time_zone-hint">
                {(!listed).then(|| view! { <option value=current.clone() selected=true>{current.clone()}</option> })}
                {crate::i18n::TIME_ZONES.iter().map(|(zone, ja, en)| {
                    let label = if lang == Lang::Ja { *ja } else { *en };
                    view! { <option value=*zone selected=*zone == current>{label}</option> }
                }).collect_view()}
            </select>
            <p class="hint" id="time_zone-hint">{Msg::TimeZoneHint.text(lang)}</p>
            <p class="field-error" data-field="time_zone">{move || error.get().and_then(|e| e.field_message("time_zone", lang))}</p>
        </div>
    }
}
