//! Field encryption and blind indexes for an organisation's personal data
//! (DESIGN.md "Keys", WP-2.1, 2.10).
//!
//! Two keys are derived (HKDF-SHA256) from the organisation's data key: one
//! encrypts fields, one computes blind indexes, so neither use can leak the
//! other. A field is sealed with XChaCha20-Poly1305 under a random 192-bit
//! nonce; the associated data names the organisation, table, column, row, the
//! person the row belongs to, the row's fields version and the data key, so a
//! ciphertext copied to another row, column, person or organisation, or an
//! older ciphertext of the same place put back, fails its integrity check
//! instead of decrypting to someone else's (or yesterday's) data.
//!
//! Unwrapped keys are cached for a short time (`KEY_TTL`) so a list page does
//! not unwrap per row; they are zeroised when dropped.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::TenantId;
use crate::keys::{self, MasterKey, TenantKey};
use crate::ttl_cache::TtlCache;

/// How long an unwrapped data key stays in memory after it was last unwrapped.
pub const KEY_TTL: Duration = Duration::from_secs(60);

/// Bytes of HMAC-SHA256 kept per blind index (see docs/SECURITY.md: 64 bits
/// keep accidental collisions negligible at any realistic register size,
/// while halving index size; candidates are re-checked after decryption).
pub const BLIND_INDEX_LEN: usize = 8;

/// Values sealed before the person and the version were bound (read only by
/// the one-time upgrade, `people::upgrade`).
const FORMAT_V1: u8 = 1;
const FORMAT_V2: u8 = 2;
const NONCE_LEN: usize = 24;

/// Where a sealed value lives: it is bound to exactly this place.
#[derive(Clone, Copy, Debug)]
pub struct FieldRef<'a> {
    pub table: &'static str,
    pub column: &'static str,
    pub row_id: &'a str,
    /// The person the row is about (their own id for a `people` row).
    pub person_id: &'a str,
    /// The row's fields version: raised each time its sealed fields are
    /// written (immutable rows: 0).
    pub version: i64,
}

/// What a blind index is over; each kind is a separate HMAC domain, so equal
/// text in different kinds does not give equal tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    Phone,
    Email,
    Name,
    Reading,
    /// A two-character gram of the name (partial search).
    NameGram,
    /// A two-character gram of the reading.
    ReadingGram,
    /// A two-character gram of the e-mail's local part.
    EmailGram,
    /// The 五十音 row of the reading's first kana (the list's tabs).
    ReadingRow,
    /// The whole birth date, `YYYY-MM-DD` (exact-date search).
    BirthDate,
}

impl IndexKind {
    fn label(self) -> &'static [u8] {
        match self {
            IndexKind::Phone => b"phone",
            IndexKind::Email => b"email",
            IndexKind::Name => b"name",
            IndexKind::Reading => b"reading",
            IndexKind::NameGram => b"name-gram",
            IndexKind::ReadingGram => b"reading-gram",
            IndexKind::EmailGram => b"email-gram",
            IndexKind::ReadingRow => b"reading-row",
            IndexKind::BirthDate => b"birth-date",
        }
    }
}

/// An organisation's derived data keys. No `Serialize`, redacted `Debug`,
/// zeroised on drop.
pub struct DataKeys {
    tenant: TenantId,
    key_id: String,
    field: Zeroizing<[u8; 32]>,
    index: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKeys({}, {}, <redacted>)", self.tenant, self.key_id)
    }
}

impl DataKeys {
    pub fn derive(tenant: &TenantId, key: &TenantKey) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(b"kura-data-key-v1"), key.expose());
        let mut field = Zeroizing::new([0u8; 32]);
        let mut index = Zeroizing::new([0u8; 32]);
        // Output lengths are valid for SHA-256 HKDF, so expand cannot fail.
        let _ = hk.expand(b"field-encryption", &mut field[..]);
        let _ = hk.expand(b"blind-index", &mut index[..]);
        Self { tenant: tenant.clone(), key_id: key.key_id.clone(), field, index }
    }

    /// The id of the data key these were derived from (stored with each row).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    fn aad(&self, at: FieldRef<'_>) -> Vec<u8> {
        format!(
            "kura-field-v2\0{}\0{}\0{}\0{}\0{}\0{}\0{}",
            self.tenant, at.table, at.column, at.row_id, at.person_id, at.version, self.key_id
        )
        .into_bytes()
    }

    fn legacy_aad(&self, at: FieldRef<'_>) -> Vec<u8> {
        format!("kura-field-v1\0{}\0{}\0{}\0{}\0{}", self.tenant, at.table, at.column, at.row_id, self.key_id).into_bytes()
    }

    /// Whether a stored value predates the binding of person and version.
    pub(crate) fn is_legacy(sealed: &[u8]) -> bool {
        sealed.first() == Some(&FORMAT_V1)
    }

    /// Encrypts `plain` for exactly the place `at`.
    pub fn seal(&self, at: FieldRef<'_>, plain: &str) -> CoreResult<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = self.aad(at);
        let cipher = XChaCha20Poly1305::new((&*self.field).into());
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain.as_bytes(), aad: &aad })
            .map_err(|_| CoreError::Crypto("field does not encrypt"))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT_V2);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a value sealed for `at` with the same key. Anything else — a
    /// value moved from another row, column or organisation, or edited — is
    /// an integrity error, never garbage.
    pub fn open(&self, at: FieldRef<'_>, sealed: &[u8]) -> CoreResult<String> {
        self.open_as(FORMAT_V2, &self.aad(at), sealed)
    }

    /// A value in the first format, as an older Kura sealed it (tests of the upgrade).
    #[cfg(test)]
    pub(crate) fn seal_legacy(&self, at: FieldRef<'_>, plain: &str) -> CoreResult<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let cipher = XChaCha20Poly1305::new((&*self.field).into());
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain.as_bytes(), aad: &self.legacy_aad(at) })
            .map_err(|_| CoreError::Crypto("field does not encrypt"))?;
        Ok([&[FORMAT_V1][..], &nonce, &sealed].concat())
    }

    /// Opens a value sealed in the first format (bound to its row only), for
    /// the one-time upgrade that re-seals it.
    pub(crate) fn open_legacy(&self, at: FieldRef<'_>, sealed: &[u8]) -> CoreResult<String> {
        self.open_as(FORMAT_V1, &self.legacy_aad(at), sealed)
    }

    fn open_as(&self, format: u8, aad: &[u8], sealed: &[u8]) -> CoreResult<String> {
        let (version, rest) = sealed.split_first().ok_or(CoreError::Crypto("field is empty"))?;
        if *version != format || rest.len() < NONCE_LEN + 16 {
            return Err(CoreError::Crypto("field has an unknown format"));
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new((&*self.field).into());
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad })
            .map_err(|_| CoreError::Crypto("field does not decrypt in its place"))?;
        String::from_utf8(plain).map_err(|_| CoreError::Crypto("field is not text"))
    }

    /// The blind index of an already normalised value.
    pub fn blind_index(&self, kind: IndexKind, normalised: &str) -> Vec<u8> {
        // HMAC takes a key of any length; new_from_slice cannot fail for 32 bytes.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.index[..]) else {
            return Vec::new();
        };
        mac.update(kind.label());
        mac.update(b"\0");
        mac.update(normalised.as_bytes());
        mac.finalize().into_bytes()[..BLIND_INDEX_LEN].to_vec()
    }
}

/// Unwrapped data keys by organisation, each kept for `KEY_TTL`.
#[derive(Debug)]
pub struct KeyCache {
    entries: TtlCache<TenantId, Arc<DataKeys>>,
}

impl KeyCache {
    /// An empty cache on the services' clock.
    pub fn new(clock: crate::clock::SharedClock) -> Self {
        Self { entries: TtlCache::new(KEY_TTL, clock) }
    }

    /// The organisation's data keys, unwrapped with the master key when not cached.
    pub async fn data_keys(&self, db: &Db, master: &MasterKey, tenant: &TenantId) -> CoreResult<Arc<DataKeys>> {
        if let Some(keys) = self.entries.get(tenant) {
            return Ok(keys);
        }
        let tenant_key = keys::tenant_key(db, master, tenant).await?;
        let keys = Arc::new(DataKeys::derive(tenant, &tenant_key));
        self.entries.put(tenant.clone(), keys.clone());
        Ok(keys)
    }

    /// Drops every cached key (after a master-key rotation or an erasure).
    pub fn clear(&self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_for(tenant: &str) -> DataKeys {
        let tenant = TenantId::parse(tenant).expect("tenant id");
        DataKeys::derive(&tenant, &TenantKey::for_tests([7u8; 32]))
    }

    fn at(row: &str) -> FieldRef<'_> {
        FieldRef { table: "people", column: "phone", row_id: row, person_id: row, version: 1 }
    }

    const T1: &str = "0190f0a0-0000-7000-8000-000000000001";
    const T2: &str = "0190f0a0-0000-7000-8000-000000000002";

    #[test]
    fn a_sealed_field_opens_only_in_its_own_place() {
        let k = keys_for(T1);
        let sealed = k.seal(at("row-a"), "03-1234-5678").expect("seal");
        assert_eq!(k.open(at("row-a"), &sealed).expect("open"), "03-1234-5678");
        assert!(!sealed.windows(12).any(|w| w == b"03-1234-5678"));
        assert!(matches!(k.open(at("row-b"), &sealed), Err(CoreError::Crypto(_))));
        let other_column = FieldRef { column: "email", ..at("row-a") };
        assert!(matches!(k.open(other_column, &sealed), Err(CoreError::Crypto(_))));
        // Same key bytes, another organisation: still refused.
        assert!(matches!(keys_for(T2).open(at("row-a"), &sealed), Err(CoreError::Crypto(_))));
        let mut edited = sealed.clone();
        let last = edited.len() - 1;
        edited[last] ^= 1;
        assert!(matches!(k.open(at("row-a"), &edited), Err(CoreError::Crypto(_))));
        // Another person's row (a record moved to another person), another version (an older value put back).
        let other_person = FieldRef { person_id: "someone-else", ..at("row-a") };
        assert!(matches!(k.open(other_person, &sealed), Err(CoreError::Crypto(_))));
        let other_version = FieldRef { version: 2, ..at("row-a") };
        assert!(matches!(k.open(other_version, &sealed), Err(CoreError::Crypto(_))));
        // The first format is not accepted as the current one (no downgrade).
        let mut legacy = sealed.clone();
        legacy[0] = FORMAT_V1;
        assert!(matches!(k.open(at("row-a"), &legacy), Err(CoreError::Crypto(_))));
    }

    #[test]
    fn sealing_the_same_text_twice_gives_different_bytes() {
        let k = keys_for(T1);
        assert_ne!(k.seal(at("r"), "山田").expect("seal"), k.seal(at("r"), "山田").expect("seal"));
    }

    #[test]
    fn blind_indexes_are_equal_for_equal_text_and_separate_by_kind_and_organisation() {
        let k = keys_for(T1);
        let a = k.blind_index(IndexKind::Phone, "0312345678");
        assert_eq!(a.len(), BLIND_INDEX_LEN);
        assert_eq!(a, k.blind_index(IndexKind::Phone, "0312345678"));
        assert_ne!(a, k.blind_index(IndexKind::Name, "0312345678"));
        let other = DataKeys::derive(&TenantId::parse(T1).expect("id"), &TenantKey::for_tests([8u8; 32]));
        assert_ne!(a, other.blind_index(IndexKind::Phone, "0312345678"));
    }

    #[test]
    fn debug_output_shows_no_key_material() {
        let text = format!("{:?}", keys_for(T1));
        assert!(text.contains("redacted"));
        assert!(!text.contains("7, 7"));
    }
}
