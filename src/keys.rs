//! Envelope encryption keys (DESIGN.md "Keys"): one master key, held outside
//! the database, wraps a random 256-bit data key per organisation. Only the
//! wrapped form is stored; the people register encrypts with the data key.
//!
//! Wrapping is XChaCha20-Poly1305 with a random nonce; the associated data
//! binds the organisation and the key ids, so a wrapped key copied to another
//! organisation's row does not unwrap.

use std::fmt;
use std::io::Write;
use std::path::Path;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use zeroize::Zeroizing;

use crate::clock::Timestamp;
use crate::db::{AllTenantsUse, Db, Reach, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::TenantId;

pub(crate) const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the master key must be 32 bytes, given as 64 hex digits or base64")]
    Format,
    #[error("cannot read or write the master key file {path}: {source}")]
    File { path: String, source: std::io::Error },
    #[error("the master key file {path} must not be readable by group or others (chmod 600)")]
    Permissions { path: String },
}

/// The master key. No `Serialize`, a redacted `Debug`, zeroised on drop.
pub struct MasterKey {
    id: String,
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, <redacted>)", self.id)
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        let key = Zeroizing::new(bytes);
        // The id names the key without revealing it.
        let id = hex::encode(&Sha256::new().chain_update(b"kura-master-key-id\0").chain_update(&key[..]).finalize()[..8]);
        Self { id, key }
    }

    pub fn generate() -> Self {
        let mut bytes = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self::from_bytes(bytes)
    }

    /// Accepts 64 hex digits or standard base64 of 32 bytes (surrounding space ignored).
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let decoded = if text.len() == 2 * KEY_LEN {
            hex::decode(text).map_err(|_| KeyError::Format)?
        } else {
            base64::engine::general_purpose::STANDARD.decode(text).map_err(|_| KeyError::Format)?
        };
        let decoded = Zeroizing::new(decoded);
        let bytes: [u8; KEY_LEN] = decoded.as_slice().try_into().map_err(|_| KeyError::Format)?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&self.key[..]))
    }

    /// Reads the key file, or creates it (mode 0600) when it does not exist.
    /// Returns the key and whether it was just created.
    pub fn load_or_create_file(path: &Path) -> Result<(Self, bool), KeyError> {
        let err = |source| KeyError::File { path: path.display().to_string(), source };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                check_private(path)?;
                Ok((Self::parse(&Zeroizing::new(text))?, false))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(err)?;
                file.write_all(key.to_text().as_bytes()).map_err(err)?;
                file.write_all(b"\n").map_err(err)?;
                file.sync_all().map_err(err)?;
                Ok((key, true))
            }
            Err(e) => Err(err(e)),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.key).into())
    }
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| KeyError::File { path: path.display().to_string(), source })?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(KeyError::Permissions { path: path.display().to_string() });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), KeyError> {
    Ok(())
}

/// An organisation's data key, unwrapped. Zeroised on drop, never logged.
pub struct TenantKey {
    pub key_id: String,
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for TenantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TenantKey({}, <redacted>)", self.key_id)
    }
}

impl TenantKey {
    fn generate() -> Self {
        let mut bytes = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self { key_id: uuid::Uuid::new_v4().simple().to_string(), key: Zeroizing::new(bytes) }
    }

    #[cfg(test)]
    pub(crate) fn for_tests(bytes: [u8; KEY_LEN]) -> Self {
        Self { key_id: String::from("test-key"), key: Zeroizing::new(bytes) }
    }

    /// The raw key, for the field encryption of the people register.
    pub fn expose(&self) -> &[u8; KEY_LEN] {
        &self.key
    }
}

fn wrap_aad(tenant: &TenantId, key_id: &str, master_id: &str) -> Vec<u8> {
    format!("kura-tenant-key-v1\0{tenant}\0{key_id}\0{master_id}").into_bytes()
}

/// Creates and stores the data key of a new organisation (inside the caller's transaction).
pub(crate) async fn create_tenant_key(tx: &mut Tx, master: &MasterKey, now: Timestamp) -> CoreResult<String> {
    let tenant = &tx.tenant()?.clone();
    let conn: &mut AnyConnection = tx;
    let key = TenantKey::generate();
    let (nonce, wrapped) = wrap(master, tenant, &key)?;
    sqlx::query(
        "INSERT INTO tenant_keys (tenant_id, key_id, master_key_id, nonce, wrapped, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.as_str())
    .bind(&key.key_id)
    .bind(master.id())
    .bind(&nonce[..])
    .bind(wrapped)
    .bind(now.as_millis())
    .execute(&mut *conn)
    .await?;
    Ok(key.key_id.clone())
}

/// Unwraps an organisation's data key. A key wrapped for another
/// organisation, or under another master key, fails with an integrity error.
pub async fn tenant_key(db: &Db, master: &MasterKey, tenant: &TenantId) -> CoreResult<TenantKey> {
    let mut tx = db.read_in(Reach::Tenant(tenant.clone())).await?;
    unwrap_row(&mut tx, master, tenant).await
}

async fn unwrap_row(conn: &mut AnyConnection, master: &MasterKey, tenant: &TenantId) -> CoreResult<TenantKey> {
    let row = sqlx::query("SELECT key_id, master_key_id, nonce, wrapped FROM tenant_keys WHERE tenant_id = $1")
        .bind(tenant.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let key_id: String = row.try_get("key_id")?;
    let master_id: String = row.try_get("master_key_id")?;
    if master_id != master.id() {
        return Err(CoreError::Crypto("tenant key is wrapped under another master key"));
    }
    let nonce: Vec<u8> = row.try_get("nonce")?;
    let wrapped: Vec<u8> = row.try_get("wrapped")?;
    let aad = wrap_aad(tenant, &key_id, &master_id);
    let key = unwrap_secret(master, &nonce, &wrapped, &aad).map_err(|_| CoreError::Crypto("tenant key does not unwrap"))?;
    Ok(TenantKey { key_id, key })
}

fn wrap(master: &MasterKey, tenant: &TenantId, key: &TenantKey) -> CoreResult<([u8; 24], Vec<u8>)> {
    wrap_secret(master, &key.key, &wrap_aad(tenant, &key.key_id, master.id()))
}

/// A fresh random 256-bit secret.
pub(crate) fn random_secret() -> Zeroizing<[u8; KEY_LEN]> {
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    rand::rngs::OsRng.fill_bytes(&mut bytes[..]);
    bytes
}

/// Wraps a 256-bit secret under the master key (random nonce; `aad` binds
/// what the secret is for and the key ids).
pub(crate) fn wrap_secret(master: &MasterKey, secret: &[u8; KEY_LEN], aad: &[u8]) -> CoreResult<([u8; 24], Vec<u8>)> {
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let wrapped =
        master.cipher().encrypt(XNonce::from_slice(&nonce), Payload { msg: &secret[..], aad }).map_err(|_| CoreError::Crypto("wrap"))?;
    Ok((nonce, wrapped))
}

/// The secret `wrap_secret` wrapped, if the master key and `aad` match.
pub(crate) fn unwrap_secret(master: &MasterKey, nonce: &[u8], wrapped: &[u8], aad: &[u8]) -> CoreResult<Zeroizing<[u8; KEY_LEN]>> {
    if nonce.len() != 24 {
        return Err(CoreError::Crypto("bad nonce"));
    }
    let plain = Zeroizing::new(
        master
            .cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: wrapped, aad })
            .map_err(|_| CoreError::Crypto("a wrapped key does not unwrap"))?,
    );
    let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().map_err(|_| CoreError::Crypto("bad key length"))?;
    Ok(Zeroizing::new(bytes))
}

/// Re-wraps every organisation's data key under `new`, in one transaction
/// with its audit row: either every key moves or none does. Keys already
/// under `new` are left as they are, so an interrupted rotation can be run
/// again. Field data is untouched (the data keys themselves do not change),
/// and afterwards `old` can be retired. Returns how many keys were re-wrapped.
pub async fn rotate_master(db: &Db, old: &MasterKey, new: &MasterKey, by: &crate::audit::AuditActor, now: Timestamp) -> CoreResult<usize> {
    if old.id() == new.id() {
        return Err(CoreError::Invalid { field: "new_key", problem: "same_as_current" });
    }
    // Every organisation's key, in one transaction: an explicit all-tenants reach.
    let mut tx = db.begin_write_in(Reach::all_tenants(AllTenantsUse::job("master key rotation"))).await?;
    let tenants: Vec<String> = sqlx::query_scalar("SELECT tenant_id FROM tenant_keys WHERE master_key_id = $1 ORDER BY tenant_id")
        .bind(old.id())
        .fetch_all(&mut *tx)
        .await?;
    let foreign: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenant_keys WHERE master_key_id <> $1 AND master_key_id <> $2")
        .bind(old.id())
        .bind(new.id())
        .fetch_one(&mut *tx)
        .await?;
    if foreign > 0 {
        // Some key is under a third master key: this is not the key in use.
        return Err(CoreError::Crypto("some organisation keys are wrapped under another master key"));
    }
    for t in &tenants {
        let tenant = TenantId::from_db(t.clone());
        let key = unwrap_row(&mut tx, old, &tenant).await?;
        let (nonce, wrapped) = wrap(new, &tenant, &key)?;
        sqlx::query("UPDATE tenant_keys SET master_key_id = $1, nonce = $2, wrapped = $3 WHERE tenant_id = $4 AND master_key_id = $5")
            .bind(new.id())
            .bind(&nonce[..])
            .bind(wrapped)
            .bind(tenant.as_str())
            .bind(old.id())
            .execute(&mut *tx)
            .await?;
    }
    let chain_key = crate::audit_chain::rewrap(&mut tx, old, new).await?;
    let ev = crate::audit::AuditEvent::new(by.clone(), crate::audit::Action::MasterKeyRotated, crate::audit::Outcome::Success)
        .from_client(&crate::audit::ClientInfo::cli())
        .detail(serde_json::json!({ "from": old.id(), "to": new.id(), "keys": tenants.len(), "audit_chain_key": chain_key }));
    crate::audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(tenants.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_master_key_is_read_from_hex_or_base64_and_nothing_else() {
        let hex_text = "00".repeat(32);
        let a = MasterKey::parse(&hex_text).expect("hex");
        let b = MasterKey::parse(&base64::engine::general_purpose::STANDARD.encode([0u8; 32])).expect("base64");
        assert_eq!(a.id(), b.id());
        assert!(MasterKey::parse("too short").is_err());
        assert!(MasterKey::parse(&"00".repeat(31)).is_err());
        assert!(!format!("{a:?}").contains(&hex_text));
    }

    #[test]
    fn the_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("master.key");
        let (first, created) = MasterKey::load_or_create_file(&path).expect("create");
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
        let (again, created) = MasterKey::load_or_create_file(&path).expect("read");
        assert!(!created);
        assert_eq!(first.id(), again.id());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("master.key");
        std::fs::write(&path, "00".repeat(32)).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(matches!(MasterKey::load_or_create_file(&path), Err(KeyError::Permissions { .. })));
    }

    #[tokio::test]
    async fn a_tenant_key_unwraps_only_for_its_own_tenant_and_master_key() {
        let t = crate::testing::TestDb::fresh().await;
        let master = MasterKey::generate();
        let now = Timestamp::from_millis(1);
        let mut ids = Vec::new();
        for code in ["aa", "bb"] {
            let mut tx = t.db.begin_write_in(Reach::Tenant(TenantId::generate())).await.expect("tx");
            let tenant =
                crate::tenants::insert(&mut tx, &crate::tenants::OrgCode::parse(code).expect("code"), "T", now).await.expect("tenant");
            create_tenant_key(&mut tx, &master, now).await.expect("key");
            tx.commit().await.expect("commit");
            ids.push(tenant.id);
        }
        let a = tenant_key(&t.db, &master, &ids[0]).await.expect("unwrap a");
        let b = tenant_key(&t.db, &master, &ids[1]).await.expect("unwrap b");
        assert_ne!(a.expose(), b.expose());
        // Stored only wrapped: the raw key bytes are not in the row.
        let wrapped: Vec<u8> = sqlx::query_scalar("SELECT wrapped FROM tenant_keys WHERE tenant_id = $1")
            .bind(ids[0].as_str())
            .fetch_one(t.db.pool())
            .await
            .expect("row");
        assert!(!wrapped.windows(32).any(|w| w == a.expose()));
        // Moving a's wrapped key onto b's row does not give b a's key.
        sqlx::query("UPDATE tenant_keys SET wrapped = $1, key_id = (SELECT key_id FROM tenant_keys WHERE tenant_id = $2), nonce = (SELECT nonce FROM tenant_keys WHERE tenant_id = $2) WHERE tenant_id = $3")
            .bind(wrapped)
            .bind(ids[0].as_str())
            .bind(ids[1].as_str())
            .execute(t.db.pool())
            .await
            .expect("swap");
        assert!(matches!(tenant_key(&t.db, &master, &ids[1]).await, Err(CoreError::Crypto(_))));
        // Another master key cannot unwrap either.
        assert!(matches!(tenant_key(&t.db, &MasterKey::generate(), &ids[0]).await, Err(CoreError::Crypto(_))));
    }

    #[tokio::test]
    async fn rotating_the_master_key_rewraps_every_organisation_key_and_people_data_still_reads() {
        use crate::audit::{AuditActor, ClientInfo};
        let t = crate::testing::TestDb::fresh().await;
        let s = t.services(std::sync::Arc::new(crate::ManualClock::starting_now()));
        for code in ["aa", "bb"] {
            crate::provisioning::create_tenant(&s, &AuditActor::cli(), code, code, &ClientInfo::cli()).await.expect("tenant");
        }
        let tenant =
            crate::tenants::find_by_code(&t.db, &crate::tenants::OrgCode::parse("aa").expect("code")).await.expect("db").expect("aa");
        let before = tenant_key(&t.db, &s.keys, &tenant.id).await.expect("unwrap");
        let new = MasterKey::generate();
        let now = s.clock.now();
        assert_eq!(rotate_master(&t.db, &s.keys, &new, &AuditActor::cli(), now).await.expect("rotate"), 2);
        // The data key is the same; only the new master key unwraps it now.
        assert_eq!(tenant_key(&t.db, &new, &tenant.id).await.expect("new unwraps").expose(), before.expose());
        assert!(matches!(tenant_key(&t.db, &s.keys, &tenant.id).await, Err(CoreError::Crypto(_))), "the old key is retired");
        // Running it again with the same pair changes nothing; a third key is refused.
        assert_eq!(rotate_master(&t.db, &s.keys, &new, &AuditActor::cli(), now).await.expect("again"), 0);
        assert!(matches!(rotate_master(&t.db, &s.keys, &MasterKey::generate(), &AuditActor::cli(), now).await, Err(CoreError::Crypto(_))));
        let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'keys.master_rotated'")
            .fetch_one(t.db.pool())
            .await
            .expect("audit");
        assert_eq!(audited, 2);
        assert!(crate::audit::verify(&t.db).await.expect("verify").is_intact());
        // The audit chain's key moved with them: the new master key checks the old rows.
        let with_new = Db::connect(&t.url).await.expect("connect");
        with_new.attach_master_key(std::sync::Arc::new(new));
        assert!(crate::audit::verify(&with_new).await.expect("verify").is_intact());
        let with_old = Db::connect(&t.url).await.expect("connect");
        with_old.attach_master_key(std::sync::Arc::new(t.master_key()));
        assert!(matches!(crate::audit::verify(&with_old).await, Err(CoreError::Crypto(_))));
    }
}
