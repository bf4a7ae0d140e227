//! Typed, opaque identifiers. Ids shown to browsers are UUIDs with at least
//! 74 random bits (v4, or v7 where insert order matters), never sequential
//! numbers, and a `TenantId` can never be passed where a `UserId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Every id type: the edge (a server function, a CLI argument) parses text
/// into one once, and the core takes only the typed id.
pub trait ParseId: Sized {
    fn parse_id(s: &str) -> Option<Self>;
}

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        opaque_id!($(#[$doc])* $name, uuid::Uuid::new_v4);
    };
    ($(#[$doc:meta])* $name:ident, $new:path) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh id (random, or time-ordered where noted).
            pub fn generate() -> Self {
                Self($new().to_string())
            }

            /// Accepts only the canonical UUID text form, so arbitrary strings
            /// from a request never reach a query as an id.
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::try_parse(s.trim())
                    .ok()
                    .map(|u| Self(u.hyphenated().to_string()))
            }

            /// The nil UUID: never generated, so it names no row.
            pub fn nil() -> Self {
                Self(uuid::Uuid::nil().hyphenated().to_string())
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

        impl ParseId for $name {
            fn parse_id(s: &str) -> Option<Self> {
                Self::parse(s)
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
    /// A person in an organisation's people register. Time-ordered (UUIDv7:
    /// 48-bit creation time, 74 random bits), so new rows go to the end of the
    /// primary-key index instead of a random page; the creation time it
    /// carries is shown on the person's page anyway.
    PersonId,
    uuid::Uuid::now_v7
);
opaque_id!(
    /// An activity record about a person (time-ordered, like `PersonId`).
    RecordId,
    uuid::Uuid::now_v7
);
opaque_id!(
    /// A record category of an organisation.
    CategoryId
);
opaque_id!(
    /// One rendering of a form that creates something: the same key sent
    /// twice (a double click, a retried request) creates it once.
    SubmissionKey
);
opaque_id!(
    /// A monitoring alert (installation-wide or of one organisation).
    AlertId
);
opaque_id!(
    /// One entry (a network) of an organisation's IP allowlist.
    AllowlistEntryId
);
