//! Per-organisation IP allowlists (WP-2.9: only pre-registered addresses
//! reach the service). An empty list means unrestricted, unless the platform
//! requires every organisation to have one. The list is checked before the
//! password at login and on every request of the organisation's sessions.
//!
//! Lookups are cached in memory and the cache entry is dropped on every
//! change, so a change applies to the next request; a short lifetime bounds
//! how long another instance (PostgreSQL deployments) may use an old list.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use serde_json::json;
use sqlx::Row;

use crate::audit::{Action, ClientInfo};
use crate::db::{Reach, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{AllowlistEntryId, TenantId};
use crate::policy::Permission;
use crate::scope::TenantScope;
use crate::services::Services;
use crate::ttl_cache::TtlCache;

/// How long a cached list may be used before it is read again.
const CACHE_LIFETIME: Duration = Duration::from_secs(10);
/// Most entries per organisation (a list, not a routing table).
const MAX_ENTRIES: usize = 100;

/// Platform-wide rules for allowlists.
#[derive(Clone, Copy, Debug, Default)]
pub struct NetworkPolicy {
    /// Every organisation must have a non-empty list; without one nobody of it can log in.
    pub require_tenant_allowlist: bool,
}

/// The organisations' networks, each read again after `CACHE_LIFETIME`.
pub type AllowlistCache = TtlCache<TenantId, Arc<Vec<IpNet>>>;

/// An empty cache on the services' clock.
pub fn allowlist_cache(clock: crate::clock::SharedClock) -> AllowlistCache {
    TtlCache::new(CACHE_LIFETIME, clock)
}

/// One entry as the consoles show it.
#[derive(Clone, Debug)]
pub struct AllowlistEntry {
    pub id: AllowlistEntryId,
    pub cidr: IpNet,
    pub note: String,
}

/// A CIDR (`203.0.113.0/24`, `2001:db8::/48`) or a single address (/32, /128),
/// normalised to its network address.
pub fn parse_cidr(raw: &str) -> CoreResult<IpNet> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(CoreError::Invalid { field: "cidr", problem: "required" });
    }
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map(|n| canonical_net(n.trunc()))
        .map_err(|_| CoreError::Invalid { field: "cidr", problem: "format" })
}

/// IPv4-mapped IPv6 networks (`::ffff:192.0.2.0/120`) as the IPv4 networks
/// they are, since addresses are compared as IPv4 (`canonical`): otherwise
/// such an entry would never match anything.
fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).map(IpNet::V4).unwrap_or(net),
            None => net,
        },
        other => other,
    }
}

fn parse_note(raw: &str) -> CoreResult<String> {
    let s = raw.trim();
    if s.chars().count() > 100 {
        return Err(CoreError::Invalid { field: "note", problem: "too_long" });
    }
    if s.chars().any(char::is_control) {
        return Err(CoreError::Invalid { field: "note", problem: "format" });
    }
    Ok(s.to_owned())
}

/// The allowlist repository: the organisation's entries, in its scope.
async fn load(tx: &mut Tx) -> CoreResult<Vec<AllowlistEntry>> {
    let tenant = tx.tenant()?.clone();
    let rows = sqlx::query("SELECT id, cidr, note FROM tenant_ip_allowlist WHERE tenant_id = $1 ORDER BY cidr")
        .bind(tenant.as_str())
        .fetch_all(&mut **tx)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let cidr: String = r.try_get("cidr")?;
        // A row that no longer parses is skipped and logged; it allows nothing.
        match cidr.parse::<IpNet>() {
            Ok(net) => out.push(AllowlistEntry { id: AllowlistEntryId::from_db(r.try_get("id")?), cidr: net, note: r.try_get("note")? }),
            Err(_) => tracing::error!(tenant = %tenant, "unreadable allowlist entry ignored"),
        }
    }
    Ok(out)
}

/// The organisation's networks, from the cache when fresh.
async fn networks(s: &Services, tenant: &TenantId) -> CoreResult<Arc<Vec<IpNet>>> {
    if let Some(list) = s.allowlists.get(tenant) {
        return Ok(list);
    }
    let list =
        Arc::new(load(&mut s.db.read_in(Reach::Tenant(tenant.clone())).await?).await?.into_iter().map(|e| e.cidr).collect::<Vec<_>>());
    s.allowlists.put(tenant.clone(), list.clone());
    Ok(list)
}

fn allowed_by(list: &[IpNet], ip: Option<IpAddr>, policy: NetworkPolicy) -> bool {
    if list.is_empty() {
        return !policy.require_tenant_allowlist;
    }
    ip.is_some_and(|ip| list.iter().any(|n| n.contains(&canonical(ip))))
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) compare as IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// Whether the organisation lets this address in. Before an actor exists
/// it is asked through `PreAuthScope::allows`; afterwards for the session's
/// own organisation.
pub(crate) async fn allows(s: &Services, tenant: &TenantId, ip: Option<IpAddr>) -> CoreResult<bool> {
    Ok(allowed_by(&networks(s, tenant).await?, ip, s.network))
}

/// What the allowlist page shows.
#[derive(Clone, Debug)]
pub struct AllowlistView {
    pub entries: Vec<AllowlistEntry>,
    /// The address this request comes from, and whether the list lets it in.
    pub your_address: Option<IpAddr>,
    pub you_are_allowed: bool,
    /// The platform requires a non-empty list.
    pub required: bool,
}

pub async fn view(s: &Services, scope: &TenantScope<'_>, client: &ClientInfo) -> CoreResult<AllowlistView> {
    scope.authorize(s, Permission::ViewAllowlist)?;
    let entries = load(&mut scope.read(s).await?).await?;
    let nets: Vec<IpNet> = entries.iter().map(|e| e.cidr).collect();
    Ok(AllowlistView {
        you_are_allowed: allowed_by(&nets, client.ip, s.network),
        your_address: client.ip,
        entries,
        required: s.network.require_tenant_allowlist,
    })
}

/// Refuses a list that would shut out the admin making the change (operators
/// are not subject to organisations' lists), or an empty list when required.
fn guard(s: &Services, scope: &TenantScope<'_>, after: &[IpNet], client: &ClientInfo) -> CoreResult<()> {
    if after.is_empty() && s.network.require_tenant_allowlist {
        return Err(CoreError::Invalid { field: "cidr", problem: "required_by_platform" });
    }
    if !scope.actor().is_operator() && !allowed_by(after, client.ip, NetworkPolicy::default()) {
        return Err(CoreError::Invalid { field: "cidr", problem: "locks_you_out" });
    }
    Ok(())
}

pub async fn add(s: &Services, scope: &TenantScope<'_>, cidr: &str, note: &str, client: &ClientInfo) -> CoreResult<AllowlistEntryId> {
    scope.authorize(s, Permission::ManageAllowlist)?;
    let net = parse_cidr(cidr)?;
    let note = parse_note(note)?;
    let mut tx = scope.write(s, client).await?;
    let now = tx.now();
    let mut after: Vec<IpNet> = load(&mut tx).await?.into_iter().map(|e| e.cidr).collect();
    if after.contains(&net) {
        return Err(CoreError::Invalid { field: "cidr", problem: "taken" });
    }
    if after.len() >= MAX_ENTRIES {
        return Err(CoreError::Invalid { field: "cidr", problem: "too_many" });
    }
    after.push(net);
    guard(s, scope, &after, client)?;
    let id = AllowlistEntryId::generate();
    sqlx::query("INSERT INTO tenant_ip_allowlist (id, tenant_id, cidr, note, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id.as_str())
        .bind(tx.tenant()?.as_str().to_owned())
        .bind(net.to_string())
        .bind(&note)
        .bind(now.as_millis())
        .bind(scope.actor().user_id.as_str())
        .execute(&mut **tx)
        .await?;
    let ev = scope.event(Action::AllowlistChanged, client).target(scope.tenant_id().to_string()).detail(json!({
        "added": net.to_string(), "entries": after.len()
    }));
    tx.commit(ev).await?;
    s.allowlists.forget(scope.tenant_id());
    Ok(id)
}

pub async fn remove(s: &Services, scope: &TenantScope<'_>, entry_id: &AllowlistEntryId, client: &ClientInfo) -> CoreResult<()> {
    scope.authorize(s, Permission::ManageAllowlist)?;
    let mut tx = scope.write(s, client).await?;
    let entries = load(&mut tx).await?;
    let Some(gone) = entries.iter().find(|e| &e.id == entry_id) else {
        return Err(CoreError::NotFound);
    };
    let after: Vec<IpNet> = entries.iter().filter(|e| e.id != gone.id).map(|e| e.cidr).collect();
    guard(s, scope, &after, client)?;
    let tenant = tx.tenant()?.as_str().to_owned();
    let deleted = sqlx::query("DELETE FROM tenant_ip_allowlist WHERE id = $1 AND tenant_id = $2")
        .bind(gone.id.as_str())
        .bind(tenant)
        .execute(&mut **tx)
        .await?;
    if deleted.rows_affected() != 1 {
        return Err(CoreError::NotFound);
    }
    let ev = scope.event(Action::AllowlistChanged, client).target(scope.tenant_id().to_string()).detail(json!({
        "removed": gone.cidr.to_string(), "entries": after.len()
    }));
    tx.commit(ev).await?;
    s.allowlists.forget(scope.tenant_id());
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn ipv4_mapped_networks_are_read_as_the_ipv4_networks_they_are() {
        assert_eq!(parse_cidr("::ffff:127.0.0.1").expect("mapped"), "127.0.0.1/32".parse::<IpNet>().expect("net"));
        assert_eq!(parse_cidr("::ffff:192.0.2.0/120").expect("mapped"), "192.0.2.0/24".parse::<IpNet>().expect("net"));
        assert_eq!(parse_cidr("2001:db8::/32").expect("v6"), "2001:db8::/32".parse::<IpNet>().expect("net"));
    }
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| parse_cidr(s).expect("cidr")).collect()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn cidrs_and_single_addresses_are_accepted_and_normalised() {
        assert_eq!(parse_cidr("203.0.113.9/24").expect("v4").to_string(), "203.0.113.0/24");
        assert_eq!(parse_cidr("203.0.113.9").expect("host").to_string(), "203.0.113.9/32");
        assert_eq!(parse_cidr("2001:db8::1").expect("v6 host").to_string(), "2001:db8::1/128");
        assert_eq!(parse_cidr(" 2001:db8::/32 ").expect("v6").to_string(), "2001:db8::/32");
        for bad in ["", "203.0.113.0/33", "example.com", "203.0.113", "::/129", "10.0.0.0/8/8"] {
            assert!(parse_cidr(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_empty_list_is_unrestricted_unless_the_platform_requires_one() {
        assert!(allowed_by(&[], ip("198.51.100.9"), NetworkPolicy::default()));
        assert!(!allowed_by(&[], ip("198.51.100.9"), NetworkPolicy { require_tenant_allowlist: true }));
    }

    #[test]
    fn ipv4_ipv6_hosts_and_overlapping_ranges_behave() {
        let list = nets(&["203.0.113.0/24", "203.0.113.7/32", "2001:db8:1::/48", "192.0.2.5/32", "2001:db8::5/128"]);
        let p = NetworkPolicy::default();
        assert!(allowed_by(&list, ip("203.0.113.7"), p));
        assert!(allowed_by(&list, ip("203.0.113.255"), p));
        assert!(!allowed_by(&list, ip("203.0.114.1"), p));
        assert!(allowed_by(&list, ip("192.0.2.5"), p));
        assert!(!allowed_by(&list, ip("192.0.2.6"), p));
        assert!(allowed_by(&list, ip("2001:db8:1:ffff::1"), p));
        assert!(allowed_by(&list, ip("2001:db8::5"), p));
        assert!(!allowed_by(&list, ip("2001:db8::6"), p));
        assert!(allowed_by(&list, ip("::ffff:203.0.113.7"), p), "IPv4-mapped IPv6 is the IPv4 address");
        assert!(!allowed_by(&list, None, p), "no address, no entry");
    }
}
