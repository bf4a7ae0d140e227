//! The audit log viewers: every organisation for operators
//! (`/api/ops/audit/list`), the own organisation for its admins (`/api/audit/list`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;

/// One event as the viewer lists it (metadata only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub organisation: String,
    /// Who, for people: an account's login, the command line, the system.
    pub actor: String,
    /// The action's stable name (the filter's value) and its words.
    pub action: String,
    pub action_label: String,
    /// What the target names (`利用者: 山田 太郎`, `アカウント: taro`), or its id.
    pub target: String,
    /// The result's stable name and its word (成功 / 失敗 / 拒否).
    pub result: String,
    pub result_label: String,
    pub ip: String,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass back as `before` for the next (older) page.
    pub next_before: Option<i64>,
}

/// The filter as the form sends it: dates `YYYY-MM-DD` (inclusive, in JST).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub from: String,
    pub to: String,
    pub actor: String,
    pub action: String,
    pub result: String,
    pub before: Option<i64>,
}

#[cfg(feature = "ssr")]
pub mod wire {
    use super::*;
    use crate::i18n::{Lang, Msg};

    /// The core filter for a form's query (dates in `time_zone`).
    pub fn filter(q: &AuditQuery, time_zone: &kura::Zone) -> Result<kura::audit_view::AuditFilter, ApiError> {
        let day = |field: &'static str, s: &str, next: bool| -> Result<Option<kura::Timestamp>, ApiError> {
            if s.trim().is_empty() {
                return Ok(None);
            }
            let d = kura::input::parse_date(field, s).map_err(crate::ssr::api_error)?;
            let at = if next { kura::clock::start_of_next_day(d, time_zone) } else { kura::clock::start_of_day(d, time_zone) };
            at.map(Some).ok_or(ApiError::Invalid { field: field.to_owned(), problem: String::from("format") })
        };
        Ok(kura::audit_view::AuditFilter {
            from: day("from", &q.from, false)?,
            to: day("to", &q.to, true)?,
            actor: q.actor.clone(),
            action: q.action.clone(),
            result: q.result.clone(),
            before_seq: q.before,
        })
    }

    pub fn page(ctx: &crate::ssr::Ctx, p: kura::audit_view::AuditPage, time_zone: &kura::Zone) -> AuditPage {
        let lang = ctx.lang;
        AuditPage {
            entries: p
                .rows
                .into_iter()
                .map(|r| AuditEntry {
                    seq: r.seq,
                    at: ctx.when(r.at, time_zone),
                    organisation: r.tenant_code.unwrap_or_default(),
                    actor: actor_shown(&r.actor, lang),
                    action_label: crate::i18n::action_label(&r.action, lang).map_or_else(|| r.action.clone(), str::to_owned),
                    action: r.action,
                    target: target_shown(r.target.as_deref(), r.target_label.as_ref(), lang),
                    result_label: result_shown(&r.result, lang),
                    result: r.result,
                    ip: r.client_ip.unwrap_or_default(),
                    detail: r.detail,
                })
                .collect(),
            next_before: p.next_before,
        }
    }

    /// `user:taro` → `taro`; the command line and the system in words.
    fn actor_shown(label: &str, lang: Lang) -> String {
        if let Some(login) = label.strip_prefix("user:") {
            return login.to_owned();
        }
        if let Some(who) = label.strip_prefix("cli:") {
            return Msg::ActorCli.text(lang).replace("{who}", who);
        }
        match label {
            "system" => Msg::ActorSystem.text(lang).to_owned(),
            "anonymous" => Msg::ActorAnonymous.text(lang).to_owned(),
            other => other.to_owned(),
        }
    }

    fn target_shown(target: Option<&str>, label: Option<&kura::audit_view::TargetLabel>, lang: Lang) -> String {
        use kura::audit_view::TargetLabel as L;
        let kind_and_name = |kind: Msg, name: &str| format!("{}: {name}", kind.text(lang));
        match label {
            Some(L::Account(login)) => kind_and_name(Msg::TargetAccount, login),
            Some(L::Organisation(name)) => kind_and_name(Msg::TargetOrganisation, name),
            Some(L::Person(Some(name))) => kind_and_name(Msg::TargetPerson, name),
            Some(L::Person(None)) => Msg::TargetPerson.text(lang).to_owned(),
            Some(L::Category(name)) => kind_and_name(Msg::TargetCategory, name),
            None => target.unwrap_or_default().to_owned(),
        }
    }

    fn result_shown(result: &str, lang: Lang) -> String {
        match result {
            "success" => Msg::ResultSuccess.text(lang),
            "failure" => Msg::ResultFailure.text(lang),
            "denied" => Msg::ResultDenied.text(lang),
            other => other,
        }
        .to_owned()
    }
}

#[server(prefix = "/api", endpoint = "ops/audit/list")]
pub async fn list_all_audit(query: AuditQuery) -> Result<AuditPage, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let tz = &kura::Zone::tokyo();
    let f = wire::filter(&query, tz)?;
    let p = kura::audit_view::list_all(&ctx.services, ctx.actor()?, &f).await.map_err(crate::ssr::api_error)?;
    Ok(wire::page(&ctx, p, tz))
}

#[server(prefix = "/api", endpoint = "audit/list")]
pub async fn list_tenant_audit(query: AuditQuery) -> Result<AuditPage, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let scope = ctx.own_scope().await?;
    let tz = scope.tenant().time_zone.clone();
    let f = wire::filter(&query, &tz)?;
    let p = kura::audit_view::list_tenant(&ctx.services, &scope, &f).await.map_err(crate::ssr::api_error)?;
    Ok(wire::page(&ctx, p, &tz))
}
