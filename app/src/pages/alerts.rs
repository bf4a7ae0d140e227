//! `/ops/alerts` (all alerts, acknowledge and close) and `/admin/alerts`
//! (the organisation's alerts, read only).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::alerts::{AcknowledgeAlert, AlertRow, CloseAlert};
use crate::components::{ActionError, Frame, SubmitButton};
use crate::i18n::{use_lang, Lang, Msg};
use crate::pages::{last_error, signed_in};
use crate::routes::{self, testid};

fn rule_label(rule: &str) -> Msg {
    match rule {
        "login_failures_account" => Msg::RuleAccountFailures,
        "login_failures_address" => Msg::RuleAddressFailures,
        "admin_account_burst" => Msg::RuleAdminBurst,
        "bulk_export" => Msg::RuleBulkExport,
        "audit_chain_broken" => Msg::RuleChainBroken,
        _ => Msg::RuleOperatorOffHours,
    }
}

fn state_label(state: &str) -> Msg {
    match state {
        "open" => Msg::AlertOpen,
        "acknowledged" => Msg::AlertAcknowledged,
        _ => Msg::AlertClosed,
    }
}

#[component]
pub fn OpsAlertsPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::Alerts.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::OPS_ALERTS, |_| view! {
                {crate::pages::ops::ops_nav(use_lang())}
                <Alerts operator=true/>
            }.into_any())}
        </Frame>
    }
}

#[component]
pub fn AdminAlertsPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=Msg::Alerts.text(lang)/>
        <Frame wide=true>
            {signed_in(routes::ADMIN_ALERTS, |_| view! {
                {crate::pages::admin::admin_nav(use_lang())}
                <Alerts operator=false/>
            }.into_any())}
        </Frame>
    }
}

#[component]
fn Alerts(operator: bool) -> impl IntoView {
    let lang = use_lang();
    let ack = ServerAction::<AcknowledgeAlert>::new();
    let close = ServerAction::<CloseAlert>::new();
    let list = Resource::new(
        move || (ack.version().get(), close.version().get()),
        move |_| async move {
            if operator {
                crate::api::alerts::list_all_alerts().await
            } else {
                crate::api::alerts::list_tenant_alerts().await
            }
        },
    );
    let errors = Signal::derive(move || last_error(ack.value()).get().or_else(|| last_error(close.value()).get()));
    view! {
        <h1>{Msg::Alerts.text(lang)}</h1>
        <ActionError error=errors/>
        <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
            {move || Suspend::new(async move { match list.await {
                Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                Ok(rows) if rows.is_empty() => view! { <p class="muted">{Msg::NoAlerts.text(lang)}</p> }.into_any(),
                Ok(rows) => view! {
                    <div data-testid=testid::ALERT_LIST>
                        {rows.into_iter().map(|a| alert_card(lang, a, operator, ack, close)).collect_view()}
                    </div>
                }.into_any(),
            }})}
        </Suspense>
    }
}

fn alert_card(
    lang: Lang,
    a: AlertRow,
    operator: bool,
    ack: ServerAction<AcknowledgeAlert>,
    close: ServerAction<CloseAlert>,
) -> impl IntoView {
    let open = a.state == "open";
    let closable = a.state != "closed";
    let (ack_id, close_id) = (a.id.clone(), a.id.clone());
    view! {
        <section class=format!("card alert state-{}", a.state)>
            <h2>
                <span class="tag">{state_label(&a.state).text(lang)}</span> " "
                {rule_label(&a.rule).text(lang)}
                {(!a.organisation.is_empty()).then(|| view! { " — " {a.organisation.clone()} })}
            </h2>
            <dl class="facts">
                <dt>{Msg::FirstSeen.text(lang)}</dt><dd>{a.first_at.clone()}</dd>
                <dt>{Msg::LastSeen.text(lang)}</dt><dd>{a.last_at.clone()}</dd>
                <dt>{Msg::EventCount.text(lang)}</dt><dd>{a.events}</dd>
                <dt>{Msg::Detail.text(lang)}</dt><dd><code>{a.detail.clone()}</code></dd>
                {(!a.comment.is_empty()).then(|| view! { <dt>{Msg::Comment.text(lang)}</dt><dd>{a.comment.clone()}</dd> })}
            </dl>
            {(operator && open).then(move || view! {
                <ActionForm action=ack>
                    <input type="hidden" name="alert_id" value=ack_id.clone()/>
                    <div class="field">
                        <label for=format!("comment-{ack_id}")>{Msg::Comment.text(lang)}</label>
                        <input id=format!("comment-{ack_id}") name="comment" type="text" maxlength=500 required/>
                    </div>
                    <SubmitButton pending=ack.pending()>{Msg::Acknowledge.text(lang)}</SubmitButton>
                </ActionForm>
            })}
            {(operator && closable).then(move || view! {
                <ActionForm action=close>
                    <input type="hidden" name="alert_id" value=close_id.clone()/>
                    <SubmitButton pending=close.pending()>{Msg::CloseAlert.text(lang)}</SubmitButton>
                </ActionForm>
            })}
        </section>
    }
}
