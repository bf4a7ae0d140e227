//! Typed, opaque identifiers. Ids shown to browsers are random UUIDs, never
//! sequential numbers, and a `TenantId` can never be passed where a `UserId`
//! is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            /// Accepts only the canonical UUID text form, so arbitrary strings
            /// from a request never reach a query as an id.
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::try_parse(s.trim())
                    .ok()
                    .map(|u| Self(u.hyphenated().to_string()))
            }

            /// Wraps a value read back from our own database.
            #[allow(dead_code)]
            pub(crate) fn from_db(s: String) -> Self {
                Self(s)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

opaque_id!(
    /// An organisation (tenant).
    TenantId
);
opaque_id!(
    /// A user account: operator, tenant admin, member or viewer.
    UserId
);
opaque_id!(
    /// One audit event.
    AuditId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_uuids() {
        let a = UserId::generate();
        let b = UserId::generate();
        assert_ne!(a, b);
        assert!(UserId::parse(a.as_str()).is_some());
    }

    #[test]
    fn parse_refuses_anything_but_a_uuid() {
        assert!(TenantId::parse("1").is_none());
        assert!(TenantId::parse("' OR 1=1 --").is_none());
        assert!(TenantId::parse("").is_none());
    }
}
opaque_id!(
    /// A person in an organisation's people register.
    PersonId
);
opaque_id!(
    /// An activity record about a person.
    RecordId
);
opaque_id!(
    /// A record category of an organisation.
    CategoryId
);
