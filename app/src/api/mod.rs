//! Server functions and the wire types they share with the browser.
//!
//! Each function is thin: take the actor from the session, make one core
//! call, map the result to a wire type. Endpoints are stable and explicit
//! (`/api/login`, ...), so scripts and scanners can target them.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Msg};

pub mod account;
pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod network;
pub mod ops;
pub mod people;
pub mod reports;
pub mod settings;
pub mod setup;

/// Why a new password was refused (mirrors the core's policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasswordIssue {
    TooShort,
    TooLong,
    Common,
    SameAsAccountName,
    SameAsCurrent,
    ConfirmationMismatch,
}

/// A field and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIssue {
    pub field: String,
    pub problem: String,
}

/// The one error type at the wire: safe to show, never a cause or a trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("throttled")]
    Throttled { retry_after_secs: u64 },
    #[error("not authenticated")]
    NotAuthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// `field` names the form field (or `user` for rules about the account
    /// as a whole); `problem` says what is wrong with it.
    #[error("invalid input")]
    Invalid { field: String, problem: String },
    /// An operator must type their password again before this change.
    #[error("re-authentication required")]
    ReauthRequired,
    /// The organisation does not allow the network this request comes from.
    #[error("network not allowed")]
    NetworkDenied,
    #[error("current password wrong")]
    CurrentPasswordWrong,
    #[error("password refused")]
    WeakPassword { issue: PasswordIssue },
    /// Several fields are wrong; each is named (shown under each field).
    #[error("invalid input")]
    InvalidFields { problems: Vec<FieldIssue> },
    /// Someone else saved this record since it was opened; nothing was overwritten.
    #[error("edited meanwhile")]
    Stale,
    /// Stored data failed its integrity check (logged and audited on the server).
    #[error("integrity")]
    Integrity,
    #[error("busy")]
    Busy,
    /// An irreversible action was sent without its explicit confirmation
    /// (`confirmed=yes`); nothing was changed.
    #[error("confirmation required")]
    ConfirmationRequired,
    #[error("internal error")]
    Internal,
    /// Transport-level failures (network, decoding) reported by server_fn.
    #[error("request failed")]
    Request,
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_value: ServerFnErrorErr) -> Self {
        ApiError::Request
    }
}

impl ApiError {
    /// The HTTP status this error leaves with (the one mapping; the body is
    /// the same JSON whatever the status). 500 only for real faults.
    pub fn http_status(&self) -> u16 {
        match self {
            ApiError::InvalidCredentials | ApiError::NotAuthenticated => 401,
            ApiError::Forbidden | ApiError::NetworkDenied | ApiError::ReauthRequired => 403,
            ApiError::NotFound => 404,
            ApiError::Stale => 409,
            ApiError::Invalid { .. }
            | ApiError::InvalidFields { .. }
            | ApiError::WeakPassword { .. }
            | ApiError::CurrentPasswordWrong
            | ApiError::ConfirmationRequired => 422,
            ApiError::Throttled { .. } => 429,
            // Arguments that could not be read: the caller's mistake.
            ApiError::Request => 400,
            ApiError::Busy => 503,
            ApiError::Integrity | ApiError::Internal => 500,
        }
    }

    /// Seconds to wait before trying again, for `Retry-After`.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ApiError::Throttled { retry_after_secs } => Some((*retry_after_secs).max(1)),
            ApiError::Busy => Some(1),
            _ => None,
        }
    }

    /// What the person sees, in their language.
    pub fn message(&self, lang: Lang) -> String {
        let msg = match self {
            ApiError::InvalidCredentials => Msg::LoginFailed,
            ApiError::Throttled { retry_after_secs } => {
                return Msg::Throttled.text(lang).replace("{s}", &retry_after_secs.max(&1).to_string());
            }
            ApiError::NotAuthenticated => Msg::NotAuthenticated,
            ApiError::Forbidden => Msg::Forbidden,
            ApiError::NotFound => Msg::NotFound,
            // Rules about the whole record (not one field's format) are said in full.
            ApiError::Invalid { field, problem }
                if field == "user"
                    || field == "status"
                    || field == "file"
                    || field == "submission"
                    || problem == "locks_you_out"
                    || problem == "in_use"
                    || problem == "required_by_platform" =>
            {
                problem_msg(problem)
            }
            ApiError::Invalid { .. } | ApiError::InvalidFields { .. } => Msg::InvalidInput,
            ApiError::Stale => Msg::EditedMeanwhile,
            ApiError::Integrity => Msg::IntegrityFailed,
            ApiError::ReauthRequired => Msg::ReauthRequired,
            ApiError::NetworkDenied => Msg::NetworkDenied,
            ApiError::CurrentPasswordWrong => Msg::CurrentPasswordWrong,
            ApiError::WeakPassword { issue } => match issue {
                PasswordIssue::TooShort => Msg::PasswordTooShort,
                PasswordIssue::TooLong => Msg::PasswordTooLong,
                PasswordIssue::Common => Msg::PasswordCommon,
                PasswordIssue::SameAsAccountName => Msg::PasswordSameAsName,
                PasswordIssue::SameAsCurrent => Msg::PasswordSameAsCurrent,
                PasswordIssue::ConfirmationMismatch => Msg::PasswordMismatch,
            },
            ApiError::Busy => Msg::Busy,
            ApiError::ConfirmationRequired => Msg::ConfirmationRequired,
            ApiError::Internal | ApiError::Request => Msg::Internal,
        };
        msg.text(lang).to_owned()
    }
}

/// What to say next to a field about `problem`.
pub fn problem_msg(problem: &str) -> Msg {
    match problem {
        "required" => Msg::ProblemRequired,
        "too_long" => Msg::ProblemTooLong,
        "taken" => Msg::ProblemTaken,
        "already_saved" => Msg::ProblemAlreadySaved,
        "too_many" => Msg::ProblemTooMany,
        "past" => Msg::ProblemPast,
        "last_admin" => Msg::ProblemLastAdmin,
        "last_operator" => Msg::ProblemLastOperator,
        "self" => Msg::ProblemSelf,
        "unknown" => Msg::ProblemUnknown,
        "terminated" => Msg::ProblemTerminated,
        "locks_you_out" => Msg::ProblemLocksYouOut,
        "required_by_platform" => Msg::ProblemRequiredByPlatform,
        "katakana" => Msg::ProblemKatakana,
        "encoding" => Msg::ProblemEncoding,
        "file_too_large" => Msg::ProblemFileTooLarge,
        "file_too_many_rows" => Msg::ProblemFileTooManyRows,
        "no_name_column" => Msg::ProblemNoNameColumn,
        "rows_invalid" => Msg::ImportHasProblems,
        "range" => Msg::ProblemRange,
        "in_use" => Msg::ProblemCategoryInUse,
        _ => Msg::ProblemFormat,
    }
}

impl ApiError {
    /// The message for `field`, when this error is about it.
    pub fn field_message(&self, field: &str, lang: Lang) -> Option<&'static str> {
        match self {
            ApiError::Invalid { field: f, problem } if f == field => Some(problem_msg(problem).text(lang)),
            ApiError::InvalidFields { problems } => problems.iter().find(|p| p.field == field).map(|p| problem_msg(&p.problem).text(lang)),
            _ => None,
        }
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    /// Zero-based.
    pub page: i64,
    pub per_page: i64,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page.max(1)).max(1)
    }
}

/// What every page needs to know about its visitor, resolved once per
/// request by the server (`ssr::signed_in_of`) and written into the page for
/// the browser (`<body data-signed-in>`): no page fetches it itself, so no
/// page needs a Resource and a Suspense around its whole body for it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub account: Option<Account>,
    /// Alerts not yet closed (operators only: the console's badge).
    pub open_alerts: Option<i64>,
    /// After how many seconds without a request the server ends the session
    /// (the browser warns before: `guards::IdleWarning`).
    #[serde(default)]
    pub idle_secs: u64,
}

/// The attribute of `<body>` that carries [`SignedIn`] to the browser.
pub const SIGNED_IN_ATTR: &str = "data-signed-in";

impl SignedIn {
    /// This page's visitor: from the server's context while rendering, from
    /// `<body data-signed-in>` in the browser.
    pub fn detect() -> SignedIn {
        #[cfg(feature = "ssr")]
        {
            use_context::<SignedIn>().unwrap_or_default()
        }
        #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
        {
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.body())
                .and_then(|b| b.get_attribute(SIGNED_IN_ATTR))
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_default()
        }
        #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
        {
            SignedIn::default()
        }
    }

    /// The JSON written into `<body data-signed-in>` (attribute values are escaped by the view).
    pub fn to_attribute(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// The visitor of the page being rendered (provided by `App`).
pub fn use_signed_in() -> SignedIn {
    use_context::<SignedIn>().unwrap_or_default()
}

/// The signed-in account, for greeting it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub login: String,
    pub role: kura::domain::Role,
    pub org_code: Option<String>,
    pub org_name: Option<String>,
    pub must_change_password: bool,
}

impl Account {
    pub fn is_operator(&self) -> bool {
        self.role == kura::domain::Role::Operator
    }

    pub fn is_admin(&self) -> bool {
        self.role == kura::domain::Role::Admin
    }
}

/// Tenant users log in here. On success the session id is renewed and the
/// browser goes to the home page (or the forced password change).
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(org: String, login: String, password: String) -> Result<String, ApiError> {
    crate::ssr::log_in(kura::auth::Realm::Tenant, org, login, password).await
}

/// Operators log in here, without an organisation code.
#[server(prefix = "/api", endpoint = "ops/login")]
pub async fn operator_login(login: String, password: String) -> Result<String, ApiError> {
    crate::ssr::log_in(kura::auth::Realm::Operator, String::new(), login, password).await
}

/// Where `logout` is posted (the idle logout posts a plain form there).
pub const LOGOUT_PATH: &str = "/api/logout";

/// Ends the session on the server.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<String, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let actor = ctx.require_actor_allowing_password_change()?;
    let next = if actor.is_operator() { crate::routes::OPS_LOGIN } else { crate::routes::LOGIN };
    if let Some(hash) = ctx.session_hash() {
        kura::auth::logout(&ctx.services, actor, &hash, &ctx.client).await.map_err(crate::ssr::api_error)?;
    }
    ctx.end_session().await;
    leptos_axum::redirect(next);
    Ok(next.to_owned())
}

/// Who is signed in, or `None`.
#[server(prefix = "/api", endpoint = "me")]
pub async fn me() -> Result<Option<Account>, ApiError> {
    let ctx = crate::ssr::ctx()?;
    match ctx.actor.as_ref() {
        Some(actor) => Ok(Some(crate::ssr::account_of(&ctx.services, actor).await?)),
        None => Ok(None),
    }
}

/// Changes the caller's own password; other sessions of the account end.
#[server(prefix = "/api", endpoint = "change-password")]
pub async fn change_password(current: String, new: String, confirm: String) -> Result<String, ApiError> {
    let ctx = crate::ssr::ctx()?;
    let actor = ctx.require_actor_allowing_password_change()?;
    let change = kura::auth::PasswordChange {
        current: kura::auth::password::Password::new(current),
        new: kura::auth::password::Password::new(new),
        confirm: kura::auth::password::Password::new(confirm),
    };
    let generation = kura::auth::change_password(&ctx.services, actor, change, &ctx.client, ctx.session_hash().as_deref())
        .await
        .map_err(crate::ssr::api_error)?;
    ctx.set_credential_generation(generation).await?;
    // The actor was read before the change; the temporary-password flag is gone now.
    let changed = kura::auth::Actor { must_change_password: false, ..actor.clone() };
    let next = crate::ssr::home_of(&changed);
    leptos_axum::redirect(next);
    Ok(next.to_owned())
}
