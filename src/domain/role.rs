//! The four roles. Operators belong to the provider; the other three to one organisation.

use super::FieldProblem;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Operator,
    Admin,
    Member,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Operator, Role::Admin, Role::Member, Role::Viewer];
    /// The roles an account of an organisation may have, in the order forms offer them.
    pub const TENANT_ROLES: [Role; 3] = [Role::Member, Role::Viewer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The roles a tenant account may have.
    pub fn parse_tenant_role(s: &str) -> Result<Role, FieldProblem> {
        match Role::parse(s.trim()) {
            Some(r) if r != Role::Operator => Ok(r),
            _ => Err(FieldProblem::new("role", "unknown")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operator_role_is_not_a_tenant_role() {
        assert!(Role::parse_tenant_role("operator").is_err());
        assert!(Role::parse_tenant_role("boss").is_err());
        assert_eq!(Role::parse_tenant_role(" viewer "), Ok(Role::Viewer));
        assert!(!Role::TENANT_ROLES.contains(&Role::Operator));
    }

    #[test]
    fn a_role_travels_as_its_name() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
