//! One record on a person's page: its content and marks (訂正済み, 削除済み),
//! the correction and deletion forms for those who may change it, and its
//! correction history (訂正履歴) for those who may read it.

use super::*;
use crate::api::people::{CategoryRow, CorrectRecord, DeleteRecord, RecordChangeRow, RecordRow};

/// What a record's forms tell the page: which message to show, and that
/// the person must be read again.
#[derive(Clone, Copy)]
pub(super) struct RecordEvents {
    pub refresh: RwSignal<u32>,
    pub done: RwSignal<Option<Msg>>,
}

#[component]
pub(super) fn RecordItem(record: RecordRow, categories: Vec<CategoryRow>, events: RecordEvents) -> impl IntoView {
    let lang = use_lang();
    let r = record;
    let change = r.changeable.then(|| view! { <RecordChange record=r.clone() categories=categories events=events/> });
    let history_len = r.history.len();
    let history = (history_len > 0).then(|| {
        view! {
            <details class="record-history" data-testid=testid::RECORD_HISTORY>
                <summary>{Msg::CorrectionHistory.text(lang)} " (" {history_len} ")"</summary>
                <ol class="plain">{r.history.into_iter().map(|h| history_entry(h, lang)).collect_view()}</ol>
            </details>
        }
    });
    view! {
        <li class:deleted=r.deleted data-record=r.id.clone()>
            <p class="when">
                <time>{r.occurred.clone()}</time> " " <span class="badge">{r.category.clone()}</span>
                " " <span class="muted">{r.created_by.clone()}</span>
                {r.corrected.map(|(at, by)| view! {
                    " " <span class="badge info">{Msg::RecordCorrectedBadge.text(lang)}</span>
                    " " <span class="muted">{at} " " {by}</span>
                })}
                {r.deleted.then(|| view! { " " <span class="badge danger">{Msg::RecordDeletedBadge.text(lang)}</span> })}
            </p>
            <p class="pre">{r.body.clone()}</p>
            {change}
            {history}
        </li>
    }
}

fn history_entry(h: RecordChangeRow, lang: Lang) -> impl IntoView {
    let what = if h.deleted { Msg::HistoryDeleted } else { Msg::HistoryCorrected };
    view! {
        <li>
            <p><strong>{what.text(lang)}</strong> " " <time>{h.changed}</time> " · " {Msg::ChangedBy.text(lang)} ": " {h.changed_by}</p>
            <p>{Msg::ChangeReason.text(lang)} ": " <span class="pre">{h.reason}</span></p>
            <p class="muted">{Msg::HistoryBefore.text(lang)} " (" {Msg::WrittenBy.text(lang)} ": " {h.prior_written_by} ", " {h.prior_written} ")"</p>
            <blockquote>
                <p class="when"><time>{h.prior_occurred}</time> " " <span class="badge">{h.prior_category}</span></p>
                <p class="pre">{h.prior_body}</p>
            </blockquote>
        </li>
    }
}

/// The correction form (content as it is, plus a reason) and the deletion
/// form (a reason, then a confirmation), folded away until asked for.
#[component]
fn RecordChange(record: RecordRow, categories: Vec<CategoryRow>, events: RecordEvents) -> impl IntoView {
    let lang = use_lang();
    let correct = ServerAction::<CorrectRecord>::new();
    let delete = ServerAction::<DeleteRecord>::new();
    let RecordEvents { refresh, done } = events;
    Effect::new(move |_| {
        if let Some(Ok(_)) = correct.value().get() {
            done.set(Some(Msg::RecordCorrected));
            refresh.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            done.set(Some(Msg::RecordDeleted));
            refresh.update(|n| *n += 1);
        }
    });
    let correct_error = last_error(correct.value());
    let delete_error = last_error(delete.value());
    let r = record;
    let rid = r.id.clone();
    let id = move |what: &str| format!("{what}-{rid}");
    let (category_field, reason_hint, delete_reason) = (id("category"), id("reason-hint"), id("delete-reason"));
    let current_category = r.category_id.clone();
    let (rid_correct, rid_delete) = (r.id.clone(), r.id.clone());
    let (version_correct, version_delete) = (r.version.to_string(), r.version.to_string());
    let (occurred, body) = (r.occurred_local, r.body);
    view! {
        <details class="record-change" data-testid=testid::RECORD_CHANGE>
            <summary>{Msg::CorrectOrDelete.text(lang)}</summary>
            <ActionForm action=correct attr:autocomplete="off" attr:data-unsaved-guard="">
                <input type="hidden" name="record_id" value=rid_correct/>
                <input type="hidden" name="version" value=version_correct/>
                <div class="grid2">
                    <InputField id=id("occurred") name="occurred_at" label=Msg::OccurredAt error=correct_error kind="datetime-local"
                        value=occurred/>
                    <div class="field">
                        <label for=category_field.clone()>{Msg::Category.text(lang)}</label>
                        <select id=category_field name="category_id">
                            <option value="">"-"</option>
                            {categories.into_iter().map(|c| {
                                let selected = c.id == current_category;
                                view! { <option value=c.id selected=selected>{c.name}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <InputField id=id("body") name="body" label=Msg::RecordBody error=correct_error maxlength=4000 rows=3 value=body/>
                <InputField id=id("reason") name="reason" label=Msg::ChangeReason error=correct_error maxlength=200 hint=Msg::ChangeReasonHint/>
                <ActionError error=correct_error/>
                <SubmitButton pending=correct.pending() class="primary" test_id=testid::CORRECT_RECORD>{Msg::SaveCorrection.text(lang)}</SubmitButton>
            </ActionForm>
            <ActionForm action=delete attr:class="record-delete" attr:autocomplete="off">
                <input type="hidden" name="record_id" value=rid_delete/>
                <input type="hidden" name="version" value=version_delete/>
                <div class="field">
                    <label for=delete_reason.clone()>{Msg::ChangeReason.text(lang)}</label>
                    <input id=delete_reason name="reason" required maxlength=200 autocomplete="off" aria-describedby=reason_hint.clone()/>
                    <p class="field-error" id=reason_hint data-field="reason">
                        {move || delete_error.get().and_then(|e| e.field_message("reason", lang))}
                    </p>
                </div>
                <ConfirmButton question=Msg::ConfirmDeleteRecord pending=delete.pending() confirmed=delete_error class="danger"
                    test_id=testid::DELETE_RECORD>
                    {Msg::DeleteRecord.text(lang)}
                </ConfirmButton>
                <ActionError error=delete_error/>
            </ActionForm>
        </details>
    }
}
