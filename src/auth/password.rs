//! Passwords: the policy for new ones, and Argon2id hashing on a bounded pool.
//!
//! Policy (NIST SP 800-63B style): 12 to 128 characters, no composition rules,
//! refused when it is a commonly used password (a bundled list) or the
//! account's own name. Hashing is Argon2id at the OWASP parameters
//! (m = 19456 KiB, t = 2, p = 1), run on blocking threads behind a semaphore
//! so a flood of logins cannot take every core or every async worker.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use crate::error::{CoreError, CoreResult};

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A password as typed. Not `Serialize`, redacted in `Debug`, zeroised on drop.
pub struct Password(Zeroizing<String>);

impl Password {
    pub fn new(s: String) -> Self {
        Self(Zeroizing::new(s))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Why a new password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    Common,
    SameAsAccountName,
    SameAsCurrent,
    ConfirmationMismatch,
}

/// An encoded Argon2 hash (PHC string). Never serialised, never logged.
#[derive(Clone)]
pub struct PasswordHashString(String);

impl PasswordHashString {
    pub(crate) fn from_db(s: String) -> Self {
        Self(s)
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHashString(***)")
    }
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| include_str!("common-passwords.txt").lines().filter(|l| !l.is_empty()).collect())
}

/// True when the password, or the password without trailing digits and
/// punctuation ("password2024!"), is on the list of common passwords.
fn is_common(candidate: &str) -> bool {
    let lower = candidate.to_lowercase();
    let list = common_passwords();
    if list.contains(lower.as_str()) {
        return true;
    }
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ');
    stem.chars().count() >= 4 && list.contains(stem)
}

/// Checks a new password against the policy. `account_names` are the login
/// and organisation code, which must not be the password.
pub fn check_new_password(candidate: &str, account_names: &[&str]) -> Result<(), PasswordProblem> {
    let chars = candidate.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = candidate.to_lowercase();
    if account_names.iter().any(|n| !n.is_empty() && lower.contains(&n.to_lowercase()) && n.chars().count() * 2 >= chars) {
        return Err(PasswordProblem::SameAsAccountName);
    }
    if is_common(candidate) {
        return Err(PasswordProblem::Common);
    }
    Ok(())
}

/// Generates a temporary password for someone else to hand over: 16
/// characters from an alphabet without look-alikes (about 92 bits).
pub fn generate_temporary_password() -> Password {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let s: String = (0..16).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect();
    Password::new(s)
}

/// Argon2id hashing and verification on a bounded pool of blocking threads.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    params: Params,
    /// Verified against when the account does not exist, so unknown accounts
    /// cost the same time as known ones.
    dummy: Arc<PasswordHashString>,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher").field("permits", &self.permits.available_permits()).finish()
    }
}

/// How long a login may wait for a hashing slot before the server says it is busy.
const QUEUE_WAIT: Duration = Duration::from_secs(10);

impl PasswordHasher {
    /// OWASP parameters; `concurrency` hashes at most run at once.
    pub fn new(concurrency: usize) -> CoreResult<Self> {
        let params = Params::new(19_456, 2, 1, None).map_err(|e| CoreError::Hashing(e.to_string()))?;
        let dummy = hash_blocking(&params, "kura-dummy-password-for-timing")?;
        Ok(Self { permits: Arc::new(Semaphore::new(concurrency.max(1))), params, dummy: Arc::new(dummy) })
    }

    /// Half the cores, at least one: the rest stay free for other requests.
    pub fn default_concurrency() -> usize {
        std::thread::available_parallelism().map(|n| n.get() / 2).unwrap_or(1).max(1)
    }

    pub async fn hash(&self, password: &Password) -> CoreResult<PasswordHashString> {
        let pw = Zeroizing::new(password.expose().to_owned());
        let params = self.params.clone();
        self.run(move || hash_blocking(&params, &pw)).await?
    }

    /// Verifies against `stored`, or against the dummy hash when there is no
    /// account, so both paths take the same time. Returns false for `None`.
    pub async fn verify(&self, password: &Password, stored: Option<&PasswordHashString>) -> CoreResult<bool> {
        let known = stored.is_some();
        let hash = stored.cloned().unwrap_or_else(|| (*self.dummy).clone());
        let pw = Zeroizing::new(password.expose().to_owned());
        let ok = self
            .run(move || {
                let Ok(parsed) = PasswordHash::new(hash.as_str()) else {
                    return false;
                };
                Argon2::default().verify_password(pw.as_bytes(), &parsed).is_ok()
            })
            .await?;
        Ok(known && ok)
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> CoreResult<T> {
        let permit = tokio::time::timeout(QUEUE_WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| CoreError::Busy)?
            .map_err(|_| CoreError::Busy)?;
        let out = tokio::task::spawn_blocking(move || {
            let out = f();
            drop(permit);
            out
        })
        .await
        .map_err(|e| CoreError::Hashing(e.to_string()))?;
        Ok(out)
    }
}

fn hash_blocking(params: &Params, password: &str) -> CoreResult<PasswordHashString> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::generate(&mut OsRng);
    argon
        .hash_password(password.as_bytes(), &salt)
        .map(|h| PasswordHashString(h.to_string()))
        .map_err(|e| CoreError::Hashing(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_shorter_than_twelve_characters_are_refused() {
        assert_eq!(check_new_password("short-pass1", &[]), Err(PasswordProblem::TooShort));
        // Characters, not bytes: twelve Japanese characters are enough.
        assert_eq!(check_new_password("やまのうえのおおきなさくら", &[]), Ok(()));
    }

    #[test]
    fn passwords_longer_than_128_characters_are_refused() {
        assert_eq!(check_new_password(&"x".repeat(129), &[]), Err(PasswordProblem::TooLong));
        assert!(check_new_password(&"horse battery ".repeat(10)[..128], &[]).is_ok());
    }

    #[test]
    fn there_are_no_composition_rules() {
        assert_eq!(check_new_password("correct horse battery staple", &[]), Ok(()));
    }

    #[test]
    fn common_passwords_are_refused_even_with_digits_added() {
        assert_eq!(check_new_password("1q2w3e4r5t6y", &[]), Err(PasswordProblem::Common));
        assert_eq!(check_new_password("qwertyuiop123", &[]), Err(PasswordProblem::Common));
        assert_eq!(check_new_password("Password2024!!", &[]), Err(PasswordProblem::Common));
    }

    #[test]
    fn the_account_name_is_not_a_password() {
        assert_eq!(check_new_password("yamada.taro2024", &["yamada.taro"]), Err(PasswordProblem::SameAsAccountName));
    }

    #[test]
    fn temporary_passwords_pass_the_policy() {
        let p = generate_temporary_password();
        assert_eq!(p.expose().chars().count(), 16);
        assert!(check_new_password(p.expose(), &[]).is_ok());
    }

    #[test]
    fn debug_output_never_shows_a_password() {
        let p = Password::new(String::from("hunter2hunter2"));
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let h = PasswordHasher::new(1).expect("hasher");
        let good = Password::new(String::from("correct horse battery staple"));
        let hash = h.hash(&good).await.expect("hash");
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(h.verify(&good, Some(&hash)).await.expect("verify"));
        let bad = Password::new(String::from("correct horse battery stapler"));
        assert!(!h.verify(&bad, Some(&hash)).await.expect("verify"));
        assert!(!h.verify(&good, None).await.expect("verify"));
    }
}
