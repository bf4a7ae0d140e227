//! The people register (利用者名簿): list with search, filters and keyset
//! paging; a person's page with the record timeline; create and edit forms.
//! Search terms are sent in request bodies, never in the URL (they are
//! personal data and URLs end up in logs).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::people::{AddRecord, ArchivePerson, CreatePerson, DeletePerson, PersonForm, PersonView, UpdatePerson};
use crate::api::ApiError;
use crate::components::{ask, ActionError, ConfirmButton, Frame, InputField, SubmitButton};
use crate::i18n::{t, use_lang, Lang, Msg};
use crate::pages::{last_error, signed_in};
use crate::routes::{self, testid};

mod form;
mod import;
mod list_state;
mod person;
mod record_item;

pub use form::{PersonEditPage, PersonNewPage};
pub use import::PeopleImportPage;
use list_state::{use_list_state, ListState};
pub use person::PersonPage;

fn people_nav(lang: Lang) -> impl IntoView {
    view! {
        <nav class="subnav" aria-label=Msg::SectionMenu.text(lang)>
            <A href=routes::HOME>{Msg::Home.text(lang)}</A>
            <A href=routes::PEOPLE>{Msg::People.text(lang)}</A>
        </nav>
    }
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::People.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::PEOPLE, |_| view! { <PeopleList/> }.into_any())}
        </Frame>
    }
}

#[component]
fn PeopleList() -> impl IntoView {
    let lang = use_lang();
    // Filters and page from the URL, the search text from the history entry:
    // Back returns to the same place.
    let (state, go) = use_list_state();
    let list = Resource::new(
        move || state.get(),
        |s| crate::api::people::list_people(s.q, s.status, s.sort, s.category, Some(s.row), Some(s.after).filter(|a| !a.is_empty())),
    );
    let search_input = NodeRef::<leptos::html::Input>::new();
    let status_select = NodeRef::<leptos::html::Select>::new();
    let sort_select = NodeRef::<leptos::html::Select>::new();
    let category_select = NodeRef::<leptos::html::Select>::new();
    let go_apply = go.clone();
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |n: Option<String>| n.unwrap_or_default();
        go_apply(ListState {
            q: value(search_input.get().map(|i| i.value())),
            status: value(status_select.get().map(|s| s.value())),
            sort: value(sort_select.get().map(|s| s.value())),
            category: value(category_select.get().map(|s| s.value())),
            row: state.get_untracked().row,
            after: String::new(),
            trail: Vec::new(),
        });
    };
    let is = move |field: fn(&ListState) -> &String, v: &'static str| state.with(|s| field(s) == v);
    let go_tab = go.clone();
    let go_page = go.clone();
    view! {
        <h1>{Msg::People.text(lang)}</h1>
        {people_nav(lang)}
        <form class="filters" role="search" data-testid=testid::PEOPLE_SEARCH on:submit=apply>
            <div class="field">
                <label for="people-q">{Msg::SearchTerm.text(lang)}</label>
                <input id="people-q" type="search" node_ref=search_input maxlength=254 autocomplete="off" spellcheck="false"
                    prop:value=move || state.with(|s| s.q.clone())/>
                <p class="hint">{Msg::PeopleSearchHint.text(lang)}</p>
            </div>
            <div class="field">
                <label for="people-status">{Msg::Status.text(lang)}</label>
                <select id="people-status" node_ref=status_select>
                    <option value="active" selected=move || is(|s| &s.status, "active")>{Msg::PersonActive.text(lang)}</option>
                    <option value="archived" selected=move || is(|s| &s.status, "archived")>{Msg::PersonArchived.text(lang)}</option>
                    <option value="all" selected=move || is(|s| &s.status, "all")>{Msg::All.text(lang)}</option>
                </select>
            </div>
            <div class="field">
                <label for="people-sort">{Msg::SortBy.text(lang)}</label>
                <select id="people-sort" node_ref=sort_select>
                    <option value="updated" selected=move || is(|s| &s.sort, "updated")>{Msg::SortUpdated.text(lang)}</option>
                    <option value="created" selected=move || is(|s| &s.sort, "created")>{Msg::SortCreated.text(lang)}</option>
                </select>
            </div>
            <div class="field">
                <label for="people-category">{Msg::Category.text(lang)}</label>
                <select id="people-category" node_ref=category_select>
                    <option value="">{Msg::All.text(lang)}</option>
                    // Inside a Transition: the server renders these only once the list
                    // has loaded, as the browser does when it hydrates.
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move { list.await.ok().map(|v| v.categories.into_iter().map(|c| {
                            let id = c.id.clone();
                            view! { <option value=c.id.clone() selected=move || state.with(|s| s.category == id)>{c.name.clone()}</option> }
                        }).collect_view()) })}
                    </Transition>
                </select>
            </div>
            <button type="submit" class="primary">{Msg::Search.text(lang)}</button>
        </form>
        <nav class="kana-tabs" aria-label=Msg::KanaRows.text(lang) data-testid=testid::KANA_TABS>
            {std::iter::once((String::new(), Msg::All.text(lang)))
                .chain(kura::domain::KanaRow::ALL.into_iter().map(|r| (r.code().to_owned(), crate::i18n::kana_row_label(r, lang))))
                .map(|(code, label)| {
                    let (chosen, pressed, go) = (code.clone(), code.clone(), go_tab.clone());
                    view! {
                        <button type="button" data-row=code aria-pressed=move || state.with(|s| s.row == pressed).to_string() on:click=move |_| {
                            go(ListState { row: chosen.clone(), after: String::new(), trail: Vec::new(), ..state.get_untracked() });
                        }>{label}</button>
                    }
                })
                .collect_view()}
        </nav>
        <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
            {move || {
                let go = go_page.clone();
                Suspend::new(async move { match list.await {
                    Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                    Ok(v) => list_view(v, state, go, lang),
                }})
            }}
        </Suspense>
    }
}

/// Whether the list shows the whole register unfiltered (its empty state then
/// says what to do next, not "nothing found").
fn unfiltered(s: &ListState) -> bool {
    s.q.trim().is_empty() && s.status == "active" && s.category.is_empty() && s.row.is_empty() && s.after.is_empty()
}

fn list_view(
    v: crate::api::people::PeopleListView,
    state: Memo<ListState>,
    go: impl Fn(ListState) + Clone + 'static,
    lang: Lang,
) -> AnyView {
    let next = v.next.clone();
    let (go_prev, go_next) = (go.clone(), go);
    let rights = v.rights;
    let actions = view! {
        <div class="actions">
            {rights.write.then(|| view! {
                <A href=routes::PEOPLE_NEW attr:class="button primary" attr:data-testid=testid::NEW_PERSON>
                    {Msg::NewPerson.text(lang)}
                </A>
            })}
            {rights.export.then(|| view! {
                // A POST behind the origin check: no other site can start an export.
                <form method="post" action=routes::PEOPLE_EXPORT>
                    <button type="submit" class="button" data-testid=testid::EXPORT_PEOPLE>
                        {Msg::ExportPeople.text(lang)}
                    </button>
                </form>
            })}
            {rights.import.then(|| view! {
                <A href=routes::PEOPLE_IMPORT attr:class="button" attr:data-testid=testid::IMPORT_PEOPLE>
                    {Msg::ImportPeople.text(lang)}
                </A>
            })}
        </div>
    };
    let total = v.total.map(|t| {
        let words = if t.more { Msg::TotalCountMore } else { Msg::TotalCount };
        view! { <p class="total" data-testid=testid::PEOPLE_TOTAL>{words.text(lang).replace("{n}", &crate::i18n::grouped(t.counted))}</p> }
    });
    let body = if v.people.is_empty() && state.with_untracked(unfiltered) {
        let hint = if rights.write { Msg::EmptyRegister } else { Msg::EmptyRegisterReadOnly };
        view! { <p class="empty" data-testid=testid::PEOPLE_LIST>{hint.text(lang)}</p> }.into_any()
    } else if v.people.is_empty() {
        view! { <p class="muted" data-testid=testid::PEOPLE_LIST>{Msg::NoneFound.text(lang)}</p> }.into_any()
    } else {
        view! {
            <table class="cards" data-testid=testid::PEOPLE_LIST>
                <thead><tr>
                    <th>{Msg::Name.text(lang)}</th>
                    <th>{Msg::Reading.text(lang)}</th>
                    <th>{Msg::Phone.text(lang)}</th>
                    <th>{Msg::Status.text(lang)}</th>
                    <th>{Msg::UpdatedAt.text(lang)}</th>
                </tr></thead>
                <tbody>
                    {v.people.into_iter().map(|p| view! {
                        <tr>
                            <td>{if p.unreadable {
                                view! { <span class="error">{Msg::Unreadable.text(lang)}</span> }.into_any()
                            } else {
                                view! { <A href=routes::person_page(&p.id)>{p.name.clone()}</A> }.into_any()
                            }}</td>
                            <td>{p.reading.clone()}</td>
                            <td>{crate::components::phone_link(&p.phone)}</td>
                            <td>{if p.archived { Msg::PersonArchived } else { Msg::PersonActive }.text(lang)}</td>
                            <td>{p.updated.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        {actions}
        {total}
        {body}
        <nav class="pager" aria-label=Msg::Pages.text(lang)>
            <button type="button" disabled=move || state.with(|s| s.trail.is_empty()) on:click=move |_| {
                let mut s = state.get_untracked();
                s.after = s.trail.pop().unwrap_or_default();
                go_prev(s);
            }>{Msg::Previous.text(lang)}</button>
            <button type="button" data-testid=testid::PEOPLE_NEXT disabled=next.is_none() on:click=move |_| {
                let mut s = state.get_untracked();
                s.trail.push(std::mem::take(&mut s.after));
                s.after = next.clone().unwrap_or_default();
                go_next(s);
            }>{Msg::Next.text(lang)}</button>
        </nav>
    }
    .into_any()
}

/// The fields of a person, empty (new) or filled (edit).
#[component]
fn PersonFields(values: PersonForm, error: Signal<Option<ApiError>>) -> impl IntoView {
    view! {
        // Each name with its reading: 姓 over セイ, 名 over メイ.
        <div class="grid2">
            <fieldset class="name-pair">
                <legend class="visually-hidden">{t(Msg::FamilyNameGroup)}</legend>
                <InputField id="family_name" name="family_name" label=Msg::FamilyName error=error value=values.family_name maxlength=50/>
                <InputField id="family_kana" name="family_kana" label=Msg::FamilyKana error=error value=values.family_kana required=false maxlength=50/>
            </fieldset>
            <fieldset class="name-pair">
                <legend class="visually-hidden">{t(Msg::GivenNameGroup)}</legend>
                <InputField id="given_name" name="given_name" label=Msg::GivenName error=error value=values.given_name required=false maxlength=50/>
                <InputField id="given_kana" name="given_kana" label=Msg::GivenKana error=error value=values.given_kana required=false maxlength=50/>
            </fieldset>
        </div>
        <div class="grid2">
            <InputField id="birth_date" name="birth_date" label=Msg::BirthDate error=error value=values.birth_date kind="date" required=false maxlength=10 hint=Msg::BirthDateHint/>
            <InputField id="emergency_contact" name="emergency_contact" label=Msg::EmergencyContact error=error value=values.emergency_contact required=false maxlength=200 hint=Msg::EmergencyContactHint/>
            <InputField id="phone" name="phone" label=Msg::Phone error=error value=values.phone kind="tel" required=false maxlength=20 hint=Msg::PhoneHint check=kura::domain::contact::phone_problem/>
            <InputField id="email" name="email" label=Msg::Email error=error value=values.email kind="email" required=false maxlength=254 check=kura::domain::contact::email_problem/>
            <InputField id="postal_code" name="postal_code" label=Msg::PostalCode error=error value=values.postal_code required=false maxlength=9 hint=Msg::PostalCodeHint/>
            <InputField id="address" name="address" label=Msg::Address error=error value=values.address required=false maxlength=200/>
        </div>
        <InputField id="notes" name="notes" label=Msg::Notes error=error value=values.notes required=false maxlength=2000 rows=4/>
    }
}

fn person_id() -> String {
    use_params_map().read_untracked().get("id").unwrap_or_default()
}

/// The label of a person field, for the import preview.
fn field_label(field: &str) -> Msg {
    match field {
        "family_name" => Msg::FamilyName,
        "given_name" => Msg::GivenName,
        "family_kana" => Msg::FamilyKana,
        "given_kana" => Msg::GivenKana,
        "phone" => Msg::Phone,
        "email" => Msg::Email,
        "postal_code" => Msg::PostalCode,
        "address" => Msg::Address,
        "birth_date" => Msg::BirthDate,
        "emergency_contact" => Msg::EmergencyContact,
        _ => Msg::Notes,
    }
}
