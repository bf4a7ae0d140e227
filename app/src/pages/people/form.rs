//! Adding a person and editing one (the same fields, the same checks).

use super::*;

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
    let flash = crate::components::use_flash();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            flash.set(Msg::PersonAdded);
            navigate(&routes::person_page(&id), Default::default());
        }
    });
    view! {
        <h1>{Msg::NewPerson.text(lang)}</h1>
        {people_nav(lang)}
        <section class="card" data-testid=testid::PERSON_FORM>
            <ActionForm action=create attr:data-unsaved-guard="">
                <PersonFields values=PersonForm::default() error=error/>
                <ActionError error=error/>
                <SubmitButton pending=create.pending() class="primary">{Msg::SavePerson.text(lang)}</SubmitButton>
            </ActionForm>
        </section>
    }
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
    let flash = crate::components::use_flash();
    Effect::new(move |_| {
        if let Some(Ok(_)) = update.value().get() {
            flash.set(Msg::PersonSaved);
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
                        <ActionForm action=update attr:data-unsaved-guard="">
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
