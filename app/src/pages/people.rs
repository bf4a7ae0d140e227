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
use crate::i18n::{use_lang, Lang, Msg};
use crate::pages::{last_error, signed_in};
use crate::routes::{self, testid};

fn people_nav(lang: Lang) -> impl IntoView {
    view! {
        <nav class="subnav">
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
    // The applied filters; the form fields are read when it is submitted.
    let q = RwSignal::new(String::new());
    let status = RwSignal::new(String::from("active"));
    let sort = RwSignal::new(String::from("updated"));
    let category = RwSignal::new(String::new());
    // Cursors of the pages before this one, and this page's.
    let trail = RwSignal::new(Vec::<Option<String>>::new());
    let after = RwSignal::new(None::<String>);
    let list = Resource::new(
        move || (q.get(), status.get(), sort.get(), category.get(), after.get()),
        |(q, status, sort, category, after)| crate::api::people::list_people(q, status, sort, category, after),
    );
    let search_input = NodeRef::<leptos::html::Input>::new();
    let status_select = NodeRef::<leptos::html::Select>::new();
    let sort_select = NodeRef::<leptos::html::Select>::new();
    let category_select = NodeRef::<leptos::html::Select>::new();
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |n: Option<String>| n.unwrap_or_default();
        q.set(value(search_input.get().map(|i| i.value())));
        status.set(value(status_select.get().map(|s| s.value())));
        sort.set(value(sort_select.get().map(|s| s.value())));
        category.set(value(category_select.get().map(|s| s.value())));
        trail.set(Vec::new());
        after.set(None);
    };
    view! {
        <h1>{Msg::People.text(lang)}</h1>
        {people_nav(lang)}
        <form class="filters" role="search" data-testid=testid::PEOPLE_SEARCH on:submit=apply>
            <div class="field">
                <label for="people-q">{Msg::SearchTerm.text(lang)}</label>
                <input id="people-q" type="search" node_ref=search_input maxlength=254 autocomplete="off" spellcheck="false"/>
                <p class="hint">{Msg::PeopleSearchHint.text(lang)}</p>
            </div>
            <div class="field">
                <label for="people-status">{Msg::Status.text(lang)}</label>
                <select id="people-status" node_ref=status_select>
                    <option value="active" selected>{Msg::PersonActive.text(lang)}</option>
                    <option value="archived">{Msg::PersonArchived.text(lang)}</option>
                    <option value="all">{Msg::All.text(lang)}</option>
                </select>
            </div>
            <div class="field">
                <label for="people-sort">{Msg::SortBy.text(lang)}</label>
                <select id="people-sort" node_ref=sort_select>
                    <option value="updated" selected>{Msg::SortUpdated.text(lang)}</option>
                    <option value="created">{Msg::SortCreated.text(lang)}</option>
                </select>
            </div>
            <div class="field">
                <label for="people-category">{Msg::Category.text(lang)}</label>
                <select id="people-category" node_ref=category_select>
                    <option value="">{Msg::All.text(lang)}</option>
                    // Inside a Transition: the server renders these only once the list
                    // has loaded, as the browser does when it hydrates.
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move { list.await.ok().map(|v| v.categories.into_iter().map(|c| view! {
                            <option value=c.id.clone() selected=move || category.get() == c.id>{c.name.clone()}</option>
                        }).collect_view()) })}
                    </Transition>
                </select>
            </div>
            <button type="submit" class="primary">{Msg::Search.text(lang)}</button>
        </form>
        <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
            {move || Suspend::new(async move { match list.await {
                Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                Ok(v) => {
                    let next = v.next.clone();
                    view! {
                        <nav class="actions">
                            {v.rights.write.then(|| view! {
                                <A href=routes::PEOPLE_NEW attr:class="button primary" attr:data-testid=testid::NEW_PERSON>
                                    {Msg::NewPerson.text(lang)}
                                </A>
                            })}
                            {v.rights.export.then(|| view! {
                                // A POST behind the origin check: no other site can start an export.
                                <form method="post" action=routes::PEOPLE_EXPORT>
                                    <button type="submit" class="button" data-testid=testid::EXPORT_PEOPLE>
                                        {Msg::ExportPeople.text(lang)}
                                    </button>
                                </form>
                            })}
                            {v.rights.import.then(|| view! {
                                <A href=routes::PEOPLE_IMPORT attr:class="button" attr:data-testid=testid::IMPORT_PEOPLE>
                                    {Msg::ImportPeople.text(lang)}
                                </A>
                            })}
                        </nav>
                        {if v.people.is_empty() {
                            view! { <p class="muted" data-testid=testid::PEOPLE_LIST>{Msg::NoneFound.text(lang)}</p> }.into_any()
                        } else {
                            view! {
                                <table data-testid=testid::PEOPLE_LIST>
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
                                                <td>{p.phone.clone()}</td>
                                                <td>{if p.archived { Msg::PersonArchived } else { Msg::PersonActive }.text(lang)}</td>
                                                <td>{p.updated.clone()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                        <nav class="pager" aria-label=Msg::Pages.text(lang)>
                            <button type="button" disabled=move || trail.with(Vec::is_empty) on:click=move |_| {
                                let mut t = trail.get();
                                after.set(t.pop().flatten());
                                trail.set(t);
                            }>{Msg::Previous.text(lang)}</button>
                            <button type="button" data-testid=testid::PEOPLE_NEXT disabled=next.is_none() on:click=move |_| {
                                trail.update(|t| t.push(after.get()));
                                after.set(next.clone());
                            }>{Msg::Next.text(lang)}</button>
                        </nav>
                    }.into_any()
                }
            }})}
        </Suspense>
    }
}

/// The fields of a person, empty (new) or filled (edit).
#[component]
fn PersonFields(values: PersonForm, error: Signal<Option<ApiError>>) -> impl IntoView {
    view! {
        <div class="grid2">
            <InputField id="family_name" name="family_name" label=Msg::FamilyName error=error value=values.family_name maxlength=50/>
            <InputField id="given_name" name="given_name" label=Msg::GivenName error=error value=values.given_name required=false maxlength=50/>
            <InputField id="family_kana" name="family_kana" label=Msg::FamilyKana error=error value=values.family_kana required=false maxlength=50/>
            <InputField id="given_kana" name="given_kana" label=Msg::GivenKana error=error value=values.given_kana required=false maxlength=50/>
            <InputField id="phone" name="phone" label=Msg::Phone error=error value=values.phone kind="tel" required=false maxlength=20 hint=Msg::PhoneHint check=kura::domain::contact::phone_problem/>
            <InputField id="email" name="email" label=Msg::Email error=error value=values.email kind="email" required=false maxlength=254 check=kura::domain::contact::email_problem/>
            <InputField id="postal_code" name="postal_code" label=Msg::PostalCode error=error value=values.postal_code required=false maxlength=9 hint=Msg::PostalCodeHint/>
            <InputField id="address" name="address" label=Msg::Address error=error value=values.address required=false maxlength=200/>
        </div>
        <InputField id="notes" name="notes" label=Msg::Notes error=error value=values.notes required=false maxlength=2000 rows=4/>
    }
}

#[component]
pub fn PersonNewPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::NewPerson.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::PEOPLE_NEW, |_| view! { <NewPerson/> }.into_any())}
        </Frame>
    }
}

#[component]
fn NewPerson() -> impl IntoView {
    let lang = use_lang();
    let create = ServerAction::<CreatePerson>::new();
    let error = last_error(create.value());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&routes::person_page(&id), Default::default());
        }
    });
    view! {
        <h1>{Msg::NewPerson.text(lang)}</h1>
        {people_nav(lang)}
        <section class="card" data-testid=testid::PERSON_FORM>
            <ActionForm action=create>
                <PersonFields values=PersonForm::default() error=error/>
                <ActionError error=error/>
                <SubmitButton pending=create.pending() class="primary">{Msg::SavePerson.text(lang)}</SubmitButton>
            </ActionForm>
        </section>
    }
}

fn person_id() -> String {
    use_params_map().read_untracked().get("id").unwrap_or_default()
}

#[component]
pub fn PersonPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::Person.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::PEOPLE, |_| view! { <PersonDetail id=person_id()/> }.into_any())}
        </Frame>
    }
}

#[component]
fn PersonDetail(id: String) -> impl IntoView {
    let lang = use_lang();
    let add_record = ServerAction::<AddRecord>::new();
    let archive = ServerAction::<ArchivePerson>::new();
    let delete = ServerAction::<DeletePerson>::new();
    let pid = id.clone();
    let person =
        Resource::new(move || (add_record.version().get(), archive.version().get()), move |_| crate::api::people::get_person(pid.clone()));
    let record_form = NodeRef::<leptos::html::Form>::new();
    // A saved record clears its form (the next one starts empty, with a new submission key).
    Effect::new(move |_| {
        if let Some(Ok(_)) = add_record.value().get() {
            if let Some(form) = record_form.get_untracked() {
                form.reset();
            }
        }
    });
    let actions = PersonActions { add_record, archive, delete, record_form };
    view! {
        {people_nav(lang)}
        // A Transition: after a change the page keeps showing while it reloads.
        <Transition fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
            {move || Suspend::new(async move { match person.await {
                Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                Ok(p) => person_view(p, lang, actions),
            }})}
        </Transition>
    }
}

/// The actions of a person's page and the record form they reset.
#[derive(Clone, Copy)]
struct PersonActions {
    add_record: ServerAction<AddRecord>,
    archive: ServerAction<ArchivePerson>,
    delete: ServerAction<DeletePerson>,
    record_form: NodeRef<leptos::html::Form>,
}

fn person_view(p: PersonView, lang: Lang, actions: PersonActions) -> AnyView {
    let PersonActions { add_record, archive, delete, record_form } = actions;
    let record_error = last_error(add_record.value());
    let archive_error = last_error(archive.value());
    let delete_error = last_error(delete.value());
    let f = p.form.clone();
    let name = format!("{} {}", f.family_name, f.given_name).trim().to_owned();
    let reading = format!("{} {}", f.family_kana, f.given_kana).trim().to_owned();
    let rights = p.rights;
    let (id, id_archive, id_delete, id_record) = (p.id.clone(), p.id.clone(), p.id.clone(), p.id.clone());
    view! {
        <h1>{name} {p.archived.then(|| view! { " " <span class="badge">{Msg::PersonArchived.text(lang)}</span> })}</h1>
        <section class="card">
            <dl class="facts" data-testid=testid::PERSON_FACTS>
                <dt>{Msg::Reading.text(lang)}</dt><dd>{reading}</dd>
                <dt>{Msg::Phone.text(lang)}</dt><dd data-field="phone">{f.phone.clone()}</dd>
                <dt>{Msg::Email.text(lang)}</dt><dd>{f.email.clone()}</dd>
                <dt>{Msg::PostalCode.text(lang)}</dt><dd>{f.postal_code.clone()}</dd>
                <dt>{Msg::Address.text(lang)}</dt><dd>{f.address.clone()}</dd>
                <dt>{Msg::Notes.text(lang)}</dt><dd class="pre">{f.notes.clone()}</dd>
                <dt>{Msg::Created.text(lang)}</dt><dd>{p.created.clone()} " " {p.created_by.clone()}</dd>
                <dt>{Msg::UpdatedAt.text(lang)}</dt><dd>{p.updated.clone()} " " {p.updated_by.clone()}</dd>
            </dl>
            <nav class="actions">
                {rights.write.then(|| view! {
                    <A href=routes::person_edit_page(&id) attr:class="button" attr:data-testid=testid::EDIT_PERSON>{Msg::Edit.text(lang)}</A>
                    <ActionForm action=archive>
                        <input type="hidden" name="id" value=id_archive/>
                        <input type="hidden" name="archived" value=(!p.archived).to_string()/>
                        {if p.archived {
                            view! { <SubmitButton pending=archive.pending() test_id=testid::ARCHIVE_PERSON>{Msg::Restore.text(lang)}</SubmitButton> }.into_any()
                        } else {
                            view! {
                                <ConfirmButton question=Msg::ConfirmArchivePerson pending=archive.pending() test_id=testid::ARCHIVE_PERSON>
                                    {Msg::Archive.text(lang)}
                                </ConfirmButton>
                            }.into_any()
                        }}
                    </ActionForm>
                })}
                {rights.delete.then(|| view! {
                    <ActionForm action=delete>
                        <input type="hidden" name="id" value=id_delete/>
                        <ConfirmButton question=Msg::ConfirmDeletePerson pending=delete.pending() confirmed=delete_error
                            class="danger" test_id=testid::DELETE_PERSON>
                            {Msg::DeletePerson.text(lang)}
                        </ConfirmButton>
                    </ActionForm>
                })}
            </nav>
            <ActionError error=archive_error/>
            <ActionError error=delete_error/>
        </section>
        <section class="card">
            <h2>{Msg::Records.text(lang)} <span class="muted">" (" {p.time_zone.clone()} ")"</span></h2>
            {rights.write.then(|| view! {
                <div data-testid=testid::RECORD_FORM>
                    // autocomplete off: a browser restoring the form (back, reload)
                    // must not bring back an old submission key.
                    <ActionForm action=add_record node_ref=record_form attr:autocomplete="off">
                        <input type="hidden" name="person_id" value=id_record/>
                        // One key per rendering of the form: a double click or a
                        // retried request stores the record once.
                        <input type="hidden" name="submission" value=p.submission_key.clone()/>
                        <div class="grid2">
                            <InputField id="occurred_at" name="occurred_at" label=Msg::OccurredAt error=record_error kind="datetime-local" value=p.now_local.clone()/>
                            <div class="field">
                                <label for="category_id">{Msg::Category.text(lang)}</label>
                                <select id="category_id" name="category_id">
                                    <option value="">"-"</option>
                                    {p.categories.iter().map(|c| view! { <option value=c.id.clone()>{c.name.clone()}</option> }).collect_view()}
                                </select>
                                <p class="field-error" data-field="category">
                                    {move || record_error.get().and_then(|e| e.field_message("category", lang))}
                                </p>
                            </div>
                        </div>
                        <InputField id="body" name="body" label=Msg::RecordBody error=record_error maxlength=4000 rows=3/>
                        <ActionError error=record_error/>
                        <SubmitButton pending=add_record.pending() class="primary">{Msg::AddRecord.text(lang)}</SubmitButton>
                    </ActionForm>
                </div>
            })}
            {if p.records.is_empty() {
                view! { <p class="muted" data-testid=testid::RECORD_LIST>{Msg::NoRecords.text(lang)}</p> }.into_any()
            } else {
                view! {
                    <ol class="timeline" data-testid=testid::RECORD_LIST>
                        {p.records.into_iter().map(|r| view! {
                            <li>
                                <p class="when"><time>{r.occurred.clone()}</time> " " <span class="badge">{r.category.clone()}</span>
                                   " " <span class="muted">{r.created_by.clone()}</span></p>
                                <p class="pre">{r.body.clone()}</p>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
pub fn PersonEditPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::EditPerson.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::PEOPLE, |_| view! { <EditPerson id=person_id()/> }.into_any())}
        </Frame>
    }
}

#[component]
fn EditPerson(id: String) -> impl IntoView {
    let lang = use_lang();
    let update = ServerAction::<UpdatePerson>::new();
    let error = last_error(update.value());
    let pid = id.clone();
    let person = Resource::new(|| (), move |_| crate::api::people::get_person(pid.clone()));
    let navigate = use_navigate();
    let to = routes::person_page(&id);
    Effect::new(move |_| {
        if let Some(Ok(_)) = update.value().get() {
            navigate(&to, Default::default());
        }
    });
    let stale = move || matches!(error.get(), Some(ApiError::Stale));
    view! {
        <h1>{Msg::EditPerson.text(lang)}</h1>
        {people_nav(lang)}
        <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
            {move || Suspend::new(async move { match person.await {
                Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                Ok(p) => {
                    let (latest, cancel) = (routes::person_page(&p.id), routes::person_page(&p.id));
                    view! {
                    <section class="card" data-testid=testid::PERSON_FORM>
                        <ActionForm action=update>
                            <input type="hidden" name="id" value=p.id.clone()/>
                            <input type="hidden" name="version" value=p.version.to_string()/>
                            <PersonFields values=p.form.clone() error=error/>
                            <ActionError error=error/>
                            <Show when=stale>
                                <p class="notice"><a href=latest.clone() rel="external">{Msg::OpenLatest.text(lang)}</a></p>
                            </Show>
                            <SubmitButton pending=update.pending() class="primary">{Msg::SavePerson.text(lang)}</SubmitButton>
                            " " <A href=cancel>{Msg::Cancel.text(lang)}</A>
                        </ActionForm>
                    </section>
                    }.into_any()
                }
            }})}
        </Suspense>
    }
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
        _ => Msg::Notes,
    }
}

#[component]
pub fn PeopleImportPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::ImportPeople.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::PEOPLE_IMPORT, |_| view! { <ImportPeople/> }.into_any())}
        </Frame>
    }
}

/// Choose a file, see every row's problems, then add all rows at once.
#[component]
fn ImportPeople() -> impl IntoView {
    let lang = use_lang();
    // The file is sent as it is (multipart); the server decodes it.
    let chosen = RwSignal::new(false);
    let preview = Action::new_local(|form: &leptos::web_sys::FormData| crate::api::people::preview_import(form.clone().into()));
    let import = Action::new_local(|form: &leptos::web_sys::FormData| crate::api::people::import_people(form.clone().into()));
    let file_input = NodeRef::<leptos::html::Input>::new();
    // The chosen file in a form, with the confirmation when asked for.
    let form_with = move |confirmed: bool| -> Option<leptos::web_sys::FormData> {
        #[cfg(feature = "hydrate")]
        {
            let file = file_input.get()?.files()?.get(0)?;
            let form = leptos::web_sys::FormData::new().ok()?;
            if confirmed {
                form.append_with_str("confirmed", crate::components::CONFIRMED).ok()?;
            }
            form.append_with_blob_and_filename("file", &file, &file.name()).ok()?;
            Some(form)
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (confirmed, file_input);
            None
        }
    };
    let on_change = move |_| {
        // Another file: check it before anything can be added.
        preview.value().set(None);
        chosen.set(form_with(false).is_some());
    };
    let check = move |_| {
        if let Some(form) = form_with(false) {
            preview.dispatch(form);
        }
    };
    // Adding many people at once is asked first; declining sends nothing.
    let confirm = move |_| {
        let rows = preview.value().get_untracked().and_then(|r| r.ok()).map(|p| p.rows).unwrap_or(0);
        if ask(&Msg::ConfirmImportPeople.text(lang).replace("{n}", &rows.to_string())) {
            if let Some(form) = form_with(true) {
                import.dispatch(form);
            }
        }
    };
    let preview_error = Signal::derive(move || preview.value().get().and_then(|r| r.err()));
    let import_error = Signal::derive(move || import.value().get().and_then(|r| r.err()));
    view! {
        <h1>{Msg::ImportPeople.text(lang)}</h1>
        {people_nav(lang)}
        <section class="card">
            <p class="hint">{Msg::ImportHint.text(lang)}</p>
            <div class="field">
                <label for="import-file">{Msg::ImportFile.text(lang)}</label>
                <input id="import-file" type="file" accept=".csv,text/csv" node_ref=file_input on:change=on_change/>
            </div>
            <button type="button" class="primary" disabled=move || !chosen.get() || preview.pending().get() on:click=check>
                {Msg::CheckFile.text(lang)}
            </button>
            <ActionError error=preview_error/>
        </section>
        {move || preview.value().get().and_then(|r| r.ok()).map(|p| {
            let ok = p.invalid.is_empty();
            let rows = p.rows;
            view! {
                <section class="card" data-testid=testid::IMPORT_PREVIEW>
                    <p>{Msg::ImportRows.text(lang).replace("{n}", &rows.to_string())}</p>
                    {(!p.ignored_columns.is_empty()).then(|| view! {
                        <p class="muted">{Msg::ImportIgnored.text(lang)} " " {p.ignored_columns.join("、")}</p>
                    })}
                    {if ok {
                        view! {
                            <p class="notice" role="status">{Msg::ImportNoProblems.text(lang)}</p>
                            <button type="button" class="primary" disabled=move || import.pending().get() || import.value().get().is_some_and(|r| r.is_ok()) on:click=confirm>
                                {Msg::ConfirmImport.text(lang).replace("{n}", &rows.to_string())}
                            </button>
                        }.into_any()
                    } else {
                        view! {
                            <p class="error" role="alert">{Msg::ImportHasProblems.text(lang)}</p>
                            <table>
                                <thead><tr><th>{Msg::Line.text(lang)}</th><th>{Msg::Problem.text(lang)}</th></tr></thead>
                                <tbody>
                                    {p.invalid.into_iter().map(|r| view! {
                                        <tr>
                                            <td>{r.line}</td>
                                            <td>{r.problems.iter().map(|f| format!("{}: {}", field_label(&f.field).text(lang), crate::api::problem_msg(&f.problem).text(lang))).collect::<Vec<_>>().join(" / ")}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }}
                    <ActionError error=import_error/>
                </section>
            }
        })}
        {move || import.value().get().and_then(|r| r.ok()).map(|n| view! {
            <p class="notice" role="status" data-testid=testid::IMPORT_DONE>
                {Msg::Imported.text(lang).replace("{n}", &n.to_string())} " " <A href=routes::PEOPLE>{Msg::People.text(lang)}</A>
            </p>
        })}
    }
}
