//! One person: their fields, records and the actions on them.

use super::record_item::{RecordEvents, RecordItem};
use super::*;
use crate::components::{PrintButton, Success};

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
    let events = RecordEvents { refresh: RwSignal::new(0), done: RwSignal::new(None) };
    let person = Resource::new(
        move || (add_record.version().get(), archive.version().get(), events.refresh.get()),
        move |_| crate::api::people::get_person(pid.clone()),
    );
    let record_form = NodeRef::<leptos::html::Form>::new();
    // A saved record clears its form (the next one starts empty, with a new submission key).
    Effect::new(move |_| {
        if let Some(Ok(_)) = add_record.value().get() {
            events.done.set(Some(Msg::RecordAdded));
            if let Some(form) = record_form.get_untracked() {
                form.reset();
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(archived)) = archive.value().get() {
            events.done.set(Some(if archived { Msg::PersonArchivedDone } else { Msg::PersonRestoredDone }));
        }
    });
    let actions = PersonActions { add_record, archive, delete, record_form, events };
    view! {
        {people_nav(lang)}
        <Success message=events.done/>
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
    events: RecordEvents,
}

fn person_view(p: PersonView, lang: Lang, actions: PersonActions) -> AnyView {
    let PersonActions { add_record, archive, delete, record_form, events } = actions;
    let record_error = last_error(add_record.value());
    let archive_error = last_error(archive.value());
    let delete_error = last_error(delete.value());
    let f = p.form.clone();
    let name = format!("{} {}", f.family_name, f.given_name).trim().to_owned();
    let reading = format!("{} {}", f.family_kana, f.given_kana).trim().to_owned();
    let rights = p.rights;
    let categories = p.categories.clone();
    let (id, id_archive, id_delete, id_record) = (p.id.clone(), p.id.clone(), p.id.clone(), p.id.clone());
    view! {
        <p class="print-only muted">{crate::api::use_signed_in().account.and_then(|a| a.org_name)} " — " {Msg::People.text(lang)}</p>
        <h1>{name} {p.archived.then(|| view! { " " <span class="badge">{Msg::PersonArchived.text(lang)}</span> })}</h1>
        <section class="card">
            <dl class="facts" data-testid=testid::PERSON_FACTS>
                <dt>{Msg::Reading.text(lang)}</dt><dd>{reading}</dd>
                <dt>{Msg::BirthDate.text(lang)}</dt><dd data-field="birth_date">{p.birth_date_shown.clone()}</dd>
                <dt>{Msg::Phone.text(lang)}</dt><dd data-field="phone">{crate::components::phone_link(&f.phone)}</dd>
                <dt>{Msg::EmergencyContact.text(lang)}</dt><dd data-field="emergency_contact">{f.emergency_contact.clone()}</dd>
                <dt>{Msg::Email.text(lang)}</dt><dd>{f.email.clone()}</dd>
                <dt>{Msg::PostalCode.text(lang)}</dt><dd>{f.postal_code.clone()}</dd>
                <dt>{Msg::Address.text(lang)}</dt><dd>{f.address.clone()}</dd>
                <dt>{Msg::Notes.text(lang)}</dt><dd class="pre">{f.notes.clone()}</dd>
                <dt>{Msg::Created.text(lang)}</dt><dd>{p.created.clone()} " " {p.created_by.clone()}</dd>
                <dt>{Msg::UpdatedAt.text(lang)}</dt><dd>{p.updated.clone()} " " {p.updated_by.clone()}</dd>
            </dl>
            <div class="actions">
                <PrintButton/>
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
            </div>
            <ActionError error=archive_error/>
            <ActionError error=delete_error/>
        </section>
        <section class="card">
            <h2>
                {Msg::Records.text(lang)} " "
                <span class="muted">
                    "(" {Msg::TimeZone.text(lang)} ": "
                    {crate::i18n::time_zone_label(&p.time_zone, lang).map_or_else(|| p.time_zone.clone(), str::to_owned)} ")"
                </span>
            </h2>
            {rights.write.then(|| view! {
                <div class="no-print" data-testid=testid::RECORD_FORM>
                    // autocomplete off: a browser restoring the form (back, reload)
                    // must not bring back an old submission key.
                    <ActionForm action=add_record node_ref=record_form attr:autocomplete="off" attr:data-unsaved-guard="">
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
                    <p class="hint">{edit_window_hint(p.record_edit_hours, lang)}</p>
                </div>
            })}
            {if p.records.is_empty() {
                view! { <p class="muted" data-testid=testid::RECORD_LIST>{Msg::NoRecords.text(lang)}</p> }.into_any()
            } else {
                view! {
                    <ol class="timeline" data-testid=testid::RECORD_LIST>
                        {p.records.into_iter().map(|r| view! { <RecordItem record=r categories=categories.clone() events=events/> }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

/// Who may correct records, in the organisation's own terms.
fn edit_window_hint(hours: i64, lang: Lang) -> String {
    if hours == 0 {
        Msg::RecordEditAdminsOnly.text(lang).to_owned()
    } else {
        Msg::RecordEditWindow.text(lang).replace("{h}", &hours.to_string())
    }
}
