//! The CSV import of people.

use super::*;

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
            <p class="success" role="status" data-testid=testid::IMPORT_DONE>
                {Msg::Imported.text(lang).replace("{n}", &n.to_string())} " " <A href=routes::PEOPLE>{Msg::People.text(lang)}</A>
            </p>
        })}
    }
}
