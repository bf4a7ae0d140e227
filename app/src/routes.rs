//! Paths and test ids, defined once: the server's page guard and the
//! Playwright tests (`end2end/tests/ids.ts`) use the same values.

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const OPS_HOME: &str = "/ops";
pub const OPS_LOGIN: &str = "/ops/login";
pub const CHANGE_PASSWORD: &str = "/change-password";
/// `GET /lang/{ja|en}?next=/path` sets the language cookie and goes back.
pub const LANG_PREFIX: &str = "/lang/";

pub mod testid {
    pub const LOGIN_FORM: &str = "login-form";
    pub const LOGIN_ERROR: &str = "login-error";
    pub const PASSWORD_TOGGLE: &str = "password-toggle";
    pub const WHOAMI: &str = "whoami";
    pub const ORG_NAME: &str = "org-name";
    pub const LOGOUT: &str = "logout";
    pub const CHANGE_PASSWORD_FORM: &str = "change-password-form";
    pub const FORM_ERROR: &str = "form-error";
    pub const FORCED_CHANGE_NOTICE: &str = "forced-change-notice";
    pub const LANG_SWITCH: &str = "lang-switch";
    pub const OPS_HOME: &str = "ops-home";
}

/// What the page rules need to know about the visitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visitor {
    pub operator: bool,
    pub must_change_password: bool,
}

/// The one rule for who may see which page: `Some(path)` sends the visitor
/// there instead. Used by the server before rendering and by the pages after
/// client-side navigation. (Server functions check the actor themselves.)
pub fn redirect_for(path: &str, visitor: Option<Visitor>) -> Option<&'static str> {
    let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    match (path, visitor) {
        (LOGIN | OPS_LOGIN, _) => None,
        (CHANGE_PASSWORD, None) => Some(LOGIN),
        (CHANGE_PASSWORD, Some(_)) => None,
        (_, Some(v)) if v.must_change_password && (path == HOME || path.starts_with(OPS_HOME)) => Some(CHANGE_PASSWORD),
        (HOME, None) => Some(LOGIN),
        (HOME, Some(v)) if v.operator => Some(OPS_HOME),
        (p, None) if p == OPS_HOME || p.starts_with("/ops/") => Some(OPS_LOGIN),
        (p, Some(v)) if (p == OPS_HOME || p.starts_with("/ops/")) && !v.operator => Some(HOME),
        _ => None,
    }
}

/// Where a visitor goes after logging in (or changing a temporary password).
pub fn home_for(visitor: Visitor) -> &'static str {
    redirect_for(HOME, Some(visitor)).unwrap_or(HOME)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMBER: Visitor = Visitor { operator: false, must_change_password: false };
    const OPERATOR: Visitor = Visitor { operator: true, must_change_password: false };
    const TEMPORARY: Visitor = Visitor { operator: false, must_change_password: true };

    #[test]
    fn visitors_who_are_not_logged_in_go_to_the_right_login_page() {
        assert_eq!(redirect_for(HOME, None), Some(LOGIN));
        assert_eq!(redirect_for(OPS_HOME, None), Some(OPS_LOGIN));
        assert_eq!(redirect_for(CHANGE_PASSWORD, None), Some(LOGIN));
        assert_eq!(redirect_for(LOGIN, None), None);
    }

    #[test]
    fn members_and_operators_stay_in_their_own_area() {
        assert_eq!(redirect_for(HOME, Some(MEMBER)), None);
        assert_eq!(redirect_for(OPS_HOME, Some(MEMBER)), Some(HOME));
        assert_eq!(redirect_for(HOME, Some(OPERATOR)), Some(OPS_HOME));
        assert_eq!(redirect_for(OPS_HOME, Some(OPERATOR)), None);
    }

    #[test]
    fn everyone_lands_on_their_own_home() {
        assert_eq!(home_for(MEMBER), HOME);
        assert_eq!(home_for(OPERATOR), OPS_HOME);
        assert_eq!(home_for(TEMPORARY), CHANGE_PASSWORD);
        assert_eq!(home_for(Visitor { operator: true, must_change_password: true }), CHANGE_PASSWORD);
    }

    #[test]
    fn a_temporary_password_leads_to_the_change_page_first() {
        assert_eq!(redirect_for(HOME, Some(TEMPORARY)), Some(CHANGE_PASSWORD));
        assert_eq!(redirect_for(CHANGE_PASSWORD, Some(TEMPORARY)), None);
    }
}
