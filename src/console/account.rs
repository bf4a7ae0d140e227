//! Everyone's own account page: their sessions, and ending them.

use serde_json::json;

use crate::audit::{self, Action, AuditEvent, ClientInfo, Outcome};
use crate::auth::Actor;
use crate::error::{CoreError, CoreResult};
use crate::policy::{self, Permission};
use crate::services::Services;
use crate::sessions::{self, SessionInfo};

pub async fn my_sessions(s: &Services, actor: &Actor) -> CoreResult<Vec<SessionInfo>> {
    policy::authorize(actor, Permission::ManageOwnAccount, s.clock.now())?;
    sessions::list_for_user(&s.db, &actor.user_id, s.clock.now()).await
}

/// Ends one of the actor's own sessions; another user's session is `NotFound`.
pub async fn end_my_session(s: &Services, actor: &Actor, session: &str, client: &ClientInfo) -> CoreResult<()> {
    policy::authorize(actor, Permission::ManageOwnAccount, s.clock.now())?;
    let now = s.clock.now();
    let mut tx = s.db.begin_write_in(crate::db::Reach::of_row(actor.tenant_id.as_ref())).await?;
    if !sessions::delete_one_of_user(&mut tx, &actor.user_id, session.trim()).await? {
        return Err(CoreError::NotFound);
    }
    let ev = AuditEvent::new(actor.audit_actor(), Action::SessionsRevoked, Outcome::Success)
        .tenant(actor.tenant_id.as_ref())
        .from_client(client)
        .target(actor.user_id.to_string())
        .detail(json!({ "sessions_ended": 1, "own": true }));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(())
}
