//! Server-side glue for the server functions: the request context the server
//! puts in place (services, client, session, actor), the session claims, and
//! the one mapping from core errors to wire errors.

use http::request::Parts;
use kura::audit::ClientInfo;
use kura::auth::{Actor, Realm, SessionClaims};
use kura::{CoreError, Services, Timestamp};
use leptos::prelude::*;
use tower_sessions::Session;

use crate::api::{ApiError, PasswordIssue};
use crate::routes;

/// Session keys. The session store reads `USER_ID`, `CLIENT_IP` and
/// `USER_AGENT` to index sessions by user.
pub mod keys {
    pub const USER_ID: &str = "kura.uid";
    pub const AUTHENTICATED_AT: &str = "kura.auth_at";
    pub const LAST_SEEN_AT: &str = "kura.seen_at";
    pub const CLIENT_IP: &str = "kura.ip";
    pub const USER_AGENT: &str = "kura.ua";
    pub const VERIFIED_AT: &str = "kura.verified_at";
    pub const CREDENTIAL_GENERATION: &str = "kura.cred_gen";
    /// The account's organisation ("" for operators): the reach its account is read in.
    pub const TENANT_ID: &str = "kura.tid";
}

/// The actor of this request, resolved by the server before routing.
#[derive(Clone, Debug)]
pub struct CurrentActor(pub Option<Actor>);

/// Everything a server function needs from its request.
pub struct Ctx {
    pub services: Services,
    pub client: ClientInfo,
    pub session: Option<Session>,
    pub actor: Option<Actor>,
    pub lang: crate::i18n::Lang,
    /// The request's `Origin` (checked same-origin by the server's CSRF layer).
    pub origin: Option<String>,
}

/// An id from the wire, parsed once here; text that is not one names nothing (404).
pub fn id<T: kura::ids::ParseId>(raw: &str) -> Result<T, ApiError> {
    T::parse_id(raw).ok_or(ApiError::NotFound)
}

pub fn ctx() -> Result<Ctx, ApiError> {
    let services = use_context::<Services>().ok_or(ApiError::Internal)?;
    let parts = use_context::<Parts>().ok_or(ApiError::Internal)?;
    Ok(Ctx {
        services,
        client: parts.extensions.get::<ClientInfo>().cloned().unwrap_or_default(),
        session: parts.extensions.get::<Session>().cloned(),
        actor: parts.extensions.get::<CurrentActor>().and_then(|a| a.0.clone()),
        lang: parts
            .headers
            .get(http::header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(crate::i18n::Lang::from_cookie_header)
            .unwrap_or_default(),
        origin: parts.headers.get(http::header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned),
    })
}

impl Ctx {
    /// The signed-in actor. (What they may do is the core policy's decision.)
    pub fn actor(&self) -> Result<&Actor, ApiError> {
        self.actor.as_ref().ok_or(ApiError::NotAuthenticated)
    }

    /// A time for people, in `time_zone`, in the page's language.
    pub fn when(&self, at: Timestamp, time_zone: &kura::Zone) -> String {
        at.display_in(time_zone, self.lang == crate::i18n::Lang::En)
    }

    /// The organisation an account operation acts on (`TenantScope::for_request`):
    /// none named (empty) or one named by its id.
    pub async fn scope<'a>(&'a self, org: Option<&str>) -> Result<kura::scope::TenantScope<'a>, ApiError> {
        let org = match org.map(str::trim).filter(|o| !o.is_empty()) {
            Some(raw) => Some(id::<kura::ids::TenantId>(raw)?),
            None => None,
        };
        kura::scope::TenantScope::for_request(&self.services, self.actor()?, org.as_ref()).await.map_err(api_error)
    }

    /// The id of an organisation named in an operator-only function: whoever
    /// is no operator is refused before the text is read, so the refusal is
    /// the same whatever they send.
    pub fn operator_tenant_id(&self, raw: &str) -> Result<kura::ids::TenantId, ApiError> {
        kura::policy::authorize(self.actor()?, kura::policy::Permission::ViewTenants, self.services.clock.now()).map_err(api_error)?;
        id(raw)
    }

    /// The scope of an organisation named by id in an operator-only function.
    pub async fn operator_scope(&self, org: &str) -> Result<kura::scope::TenantScope<'_>, ApiError> {
        let tenant_id = self.operator_tenant_id(org)?;
        kura::scope::TenantScope::chosen_by_operator(&self.services, self.actor()?, &tenant_id).await.map_err(api_error)
    }

    /// The actor's own organisation (operators have none: forbidden).
    pub async fn own_scope(&self) -> Result<kura::scope::TenantScope<'_>, ApiError> {
        kura::scope::TenantScope::own(&self.services, self.actor()?).await.map_err(api_error)
    }

    /// Records a fresh password check in the session (operator re-entry).
    pub async fn set_verified_at(&self, at: Timestamp) -> Result<(), ApiError> {
        let session = self.session.as_ref().ok_or(ApiError::Internal)?;
        session.insert(keys::VERIFIED_AT, at.as_millis()).await.map_err(|e| {
            tracing::error!(error = %e, "could not update session");
            ApiError::Internal
        })
    }

    /// After this session's own password change: it stays, at the new generation.
    pub async fn set_credential_generation(&self, generation: i64) -> Result<(), ApiError> {
        let session = self.session.as_ref().ok_or(ApiError::Internal)?;
        session.insert(keys::CREDENTIAL_GENERATION, generation).await.map_err(|e| {
            tracing::error!(error = %e, "could not update session");
            ApiError::Internal
        })
    }

    /// The actor, who may be on their way to change a temporary password.
    pub fn require_actor_allowing_password_change(&self) -> Result<&Actor, ApiError> {
        self.actor.as_ref().ok_or(ApiError::NotAuthenticated)
    }

    pub fn session_hash(&self) -> Option<String> {
        self.session.as_ref().and_then(|s| s.id()).map(|id| kura::sessions::id_hash(&id.to_string()))
    }

    pub async fn end_session(&self) {
        if let Some(session) = &self.session {
            if let Err(e) = session.flush().await {
                tracing::warn!(error = %e, "could not end session");
            }
        }
    }
}

/// Irreversible actions run only with the form's explicit confirmation:
/// `confirmed=yes`, set by the browser's dialog or, without JavaScript, by
/// the checkbox the page shows after a first post without it
/// (`components::ConfirmButton`). Checked before anything else is read.
pub fn require_confirmation(confirmed: Option<&str>) -> Result<(), ApiError> {
    if confirmed.map(str::trim) == Some(crate::components::CONFIRMED) {
        Ok(())
    } else {
        Err(ApiError::ConfirmationRequired)
    }
}

/// The signed-in account as the pages show it.
pub async fn account_of(services: &Services, actor: &Actor) -> Result<crate::api::Account, ApiError> {
    let who = kura::auth::whoami(services, actor).await.map_err(api_error)?;
    Ok(crate::api::Account {
        login: who.login,
        role: who.role,
        org_code: who.tenant.as_ref().map(|t| t.code.as_str().to_owned()),
        org_name: who.tenant.map(|t| t.name),
        must_change_password: who.must_change_password,
    })
}

/// What every page needs about its visitor, resolved once per request (see
/// `api::SignedIn`): the account and, for operators, the open-alert count.
pub async fn signed_in_of(services: &Services, actor: Option<&Actor>) -> Result<crate::api::SignedIn, ApiError> {
    let Some(actor) = actor else {
        return Ok(crate::api::SignedIn::default());
    };
    let account = account_of(services, actor).await?;
    // Only a badge: a refusal or failure leaves it out (the cause is logged) rather than the page.
    let open_alerts = if actor.is_operator() && !actor.must_change_password {
        kura::alerts::open_count(services, actor).await.map_err(api_error).ok()
    } else {
        None
    };
    Ok(crate::api::SignedIn { account: Some(account), open_alerts, idle_secs: services.auth.idle_timeout.as_secs() })
}

/// Where an account goes after logging in (the page rule of `routes`).
pub fn home_of(actor: &Actor) -> &'static str {
    routes::home_for(visitor_of(actor))
}

/// The page rules' view of an actor.
pub fn visitor_of(actor: &Actor) -> routes::Visitor {
    routes::Visitor::from_role(actor.role, actor.must_change_password)
}

/// Shared by the tenant and operator login endpoints.
pub async fn log_in(realm: Realm, org: String, login: String, password: String) -> Result<String, ApiError> {
    let ctx = ctx()?;
    let request = kura::auth::LoginRequest {
        realm,
        org_code: &org,
        login: &login,
        password: kura::auth::password::Password::new(password),
        client: &ctx.client,
    };
    let actor = kura::auth::login(&ctx.services, request).await.map_err(api_error)?;
    let session = ctx.session.as_ref().ok_or(ApiError::Internal)?;
    start_session(session, &actor, ctx.services.clock.now(), &ctx.client).await.map_err(|e| {
        tracing::error!(error = %e, "could not start session");
        ApiError::Internal
    })?;
    let next = home_of(&actor);
    leptos_axum::redirect(next);
    Ok(next.to_owned())
}

/// A fresh session id for a fresh login (no session fixation), with the claims.
pub async fn start_session(
    session: &Session,
    actor: &Actor,
    now: Timestamp,
    client: &ClientInfo,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.clear().await;
    session.insert(keys::USER_ID, actor.user_id.as_str()).await?;
    session.insert(keys::AUTHENTICATED_AT, now.as_millis()).await?;
    session.insert(keys::LAST_SEEN_AT, now.as_millis()).await?;
    session.insert(keys::VERIFIED_AT, now.as_millis()).await?;
    session.insert(keys::CREDENTIAL_GENERATION, actor.credential_generation).await?;
    session.insert(keys::TENANT_ID, actor.tenant_id.as_ref().map(|t| t.as_str()).unwrap_or_default()).await?;
    if let Some(ip) = client.ip {
        session.insert(keys::CLIENT_IP, ip.to_string()).await?;
    }
    if let Some(ua) = &client.user_agent {
        session.insert(keys::USER_AGENT, ua.chars().take(200).collect::<String>()).await?;
    }
    Ok(())
}

/// The claims of a logged-in session, if any.
pub async fn read_claims(session: &Session) -> Option<SessionClaims> {
    let uid: String = session.get(keys::USER_ID).await.ok()??;
    let auth_at: i64 = session.get(keys::AUTHENTICATED_AT).await.ok()??;
    let seen_at: i64 = session.get(keys::LAST_SEEN_AT).await.ok()??;
    let verified_at: i64 = session.get(keys::VERIFIED_AT).await.ok().flatten().unwrap_or(auth_at);
    let credential_generation: i64 = session.get(keys::CREDENTIAL_GENERATION).await.ok()??;
    // A session without its organisation (or with one that does not parse) is no session.
    let tenant: String = session.get(keys::TENANT_ID).await.ok()??;
    let tenant_id = if tenant.is_empty() { None } else { Some(kura::ids::TenantId::parse(&tenant)?) };
    Some(SessionClaims {
        user_id: kura::ids::UserId::parse(&uid)?,
        tenant_id,
        authenticated_at: Timestamp::from_millis(auth_at),
        last_seen_at: Timestamp::from_millis(seen_at),
        verified_at: Timestamp::from_millis(verified_at),
        credential_generation,
    })
}

/// Marks the session as used now (the idle timeout counts from here).
pub async fn touch(session: &Session, now: Timestamp) -> Result<(), tower_sessions::session::Error> {
    session.insert(keys::LAST_SEEN_AT, now.as_millis()).await
}

/// The one mapping from core errors to what the browser may see. Causes of
/// internal errors go to the log only.
pub fn api_error(e: CoreError) -> ApiError {
    match e {
        CoreError::InvalidCredentials => ApiError::InvalidCredentials,
        CoreError::Throttled { retry_after } => {
            ApiError::Throttled { retry_after_secs: retry_after.as_secs() + u64::from(retry_after.subsec_millis() > 0) }
        }
        CoreError::NotAuthenticated => ApiError::NotAuthenticated,
        CoreError::Forbidden => ApiError::Forbidden,
        CoreError::NotFound => ApiError::NotFound,
        CoreError::Invalid { field: "current", problem: "wrong" } => ApiError::CurrentPasswordWrong,
        CoreError::Invalid { field, problem } => ApiError::Invalid { field: field.to_owned(), problem: problem.to_owned() },
        CoreError::ReauthRequired => ApiError::ReauthRequired,
        CoreError::NetworkDenied => ApiError::NetworkDenied,
        CoreError::WeakPassword(p) => {
            use kura::auth::password::PasswordProblem as P;
            let issue = match p {
                P::TooShort => PasswordIssue::TooShort,
                P::TooLong => PasswordIssue::TooLong,
                P::Common => PasswordIssue::Common,
                P::SameAsAccountName => PasswordIssue::SameAsAccountName,
                P::SameAsCurrent => PasswordIssue::SameAsCurrent,
                P::ConfirmationMismatch => PasswordIssue::ConfirmationMismatch,
            };
            ApiError::WeakPassword { issue }
        }
        CoreError::Busy => ApiError::Busy,
        CoreError::InvalidFields(problems) => ApiError::InvalidFields {
            problems: problems
                .into_iter()
                .map(|p| crate::api::FieldIssue { field: p.field.to_owned(), problem: p.problem.to_owned() })
                .collect(),
        },
        CoreError::Stale => ApiError::Stale,
        CoreError::Crypto(what) => {
            // Already logged and audited where it was found.
            tracing::warn!(what, "integrity failure shown to the user");
            ApiError::Integrity
        }
        CoreError::Conflict(what) => {
            tracing::info!(what, "conflict");
            ApiError::Invalid { field: String::from("conflict"), problem: String::from("taken") }
        }
        other => {
            tracing::error!(error = ?other, cause = ?std::error::Error::source(&other), "request failed");
            ApiError::Internal
        }
    }
}
