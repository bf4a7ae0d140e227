//! Paths and test ids, defined once: the server's page guard and the
//! Playwright tests (`end2end/tests/ids.ts`) use the same values.

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const OPS_HOME: &str = "/ops";
pub const OPS_LOGIN: &str = "/ops/login";
pub const OPS_TENANTS: &str = "/ops/tenants";
pub const OPS_OPERATORS: &str = "/ops/operators";
pub const ADMIN: &str = "/admin";
pub const ADMIN_USERS: &str = "/admin/users";
pub const ADMIN_SETTINGS: &str = "/admin/settings";
pub const ADMIN_NETWORK: &str = "/admin/network";
pub const ADMIN_AUDIT: &str = "/admin/audit";
pub const ADMIN_AUDIT_EXPORT: &str = "/admin/audit/export.csv";
pub const OPS_AUDIT: &str = "/ops/audit";
pub const OPS_ALERTS: &str = "/ops/alerts";
pub const ADMIN_ALERTS: &str = "/admin/alerts";
pub const OPS_AUDIT_EXPORT: &str = "/ops/audit/export.csv";
pub const ACCOUNT: &str = "/account";
/// The people register (利用者名簿) and its pages.
pub const PEOPLE: &str = "/people";
pub const PEOPLE_NEW: &str = "/people/new";
pub const PEOPLE_EXPORT: &str = "/people/export.csv";
pub const PEOPLE_IMPORT: &str = "/people/import";
pub const CHANGE_PASSWORD: &str = "/change-password";
/// `/setup#<token>`: the token stays in the fragment, so it never reaches
/// server logs or a Referer header.
pub const SETUP: &str = "/setup";
/// `GET /lang/{ja|en}?next=/path` sets the language cookie and goes back.
pub const LANG_PREFIX: &str = "/lang/";

pub fn person_page(id: &str) -> String {
    format!("{PEOPLE}/{id}")
}

pub fn person_edit_page(id: &str) -> String {
    format!("{PEOPLE}/{id}/edit")
}

pub fn ops_tenant(tenant_id: &str) -> String {
    format!("{OPS_TENANTS}/{tenant_id}")
}

/// An account's page: in the admin console, or in the operator console under its organisation.
pub fn user_page(org: Option<&str>, user_id: &str) -> String {
    match org {
        Some(t) => format!("{OPS_TENANTS}/{t}/users/{user_id}"),
        None => format!("{ADMIN_USERS}/{user_id}"),
    }
}

pub mod testid {
    pub const LOGIN_FORM: &str = "login-form";
    pub const LOGIN_ERROR: &str = "login-error";
    pub const IDLE_WARNING: &str = "idle-warning";
    pub const PRINT: &str = "print";
    pub const IDLE_LOGGED_OUT: &str = "idle-logged-out";
    pub const COPY_LINK: &str = "copy-link";
    pub const COPY_PASSWORD: &str = "copy-password";
    pub const FIRST_ACCOUNT_HINT: &str = "first-account-hint";
    pub const PASSWORD_TOGGLE: &str = "password-toggle";
    pub const WHOAMI: &str = "whoami";
    pub const ORG_NAME: &str = "org-name";
    pub const LOGOUT: &str = "logout";
    pub const CHANGE_PASSWORD_FORM: &str = "change-password-form";
    pub const FORM_ERROR: &str = "form-error";
    pub const FORCED_CHANGE_NOTICE: &str = "forced-change-notice";
    pub const LANG_SWITCH: &str = "lang-switch";
    pub const NAV_PEOPLE: &str = "nav-people";
    pub const NAV_ADMIN: &str = "nav-admin";
    pub const NAV_OPS: &str = "nav-ops";
    pub const NAV_ACCOUNT: &str = "nav-account";
    pub const HEADER_ACCOUNT: &str = "header-account";
    pub const OPS_HOME: &str = "ops-home";
    pub const TENANT_FORM: &str = "tenant-form";
    pub const TENANT_LIST: &str = "tenant-list";
    pub const TENANT_FACTS: &str = "tenant-facts";
    pub const ACCOUNT_FORM: &str = "account-form";
    pub const ACCOUNT_LIST: &str = "account-list";
    pub const ISSUED_PASSWORD: &str = "issued-password";
    pub const ISSUED_LINK: &str = "issued-link";
    pub const USER_FACTS: &str = "user-facts";
    pub const USER_STATUS: &str = "user-status";
    pub const DISABLE_USER: &str = "disable-user";
    pub const ENABLE_USER: &str = "enable-user";
    pub const SETUP_FORM: &str = "setup-form";
    pub const SETUP_DONE: &str = "setup-done";
    pub const SESSION_LIST: &str = "session-list";
    pub const REAUTH_FORM: &str = "reauth-form";
    pub const ADMIN_LINK: &str = "admin-link";
    pub const ACCOUNT_LINK: &str = "account-link";
    pub const SETTINGS_FORM: &str = "settings-form";
    pub const OPERATOR_LIST: &str = "operator-list";
    pub const ALLOWLIST: &str = "allowlist";
    pub const ALLOWLIST_EMPTY: &str = "allowlist-empty";
    pub const ALLOWLIST_ENTRIES: &str = "allowlist-entries";
    pub const YOUR_ADDRESS: &str = "your-address";
    pub const AUDIT_LIST: &str = "audit-list";
    pub const ALERT_LIST: &str = "alert-list";
    pub const ALERT_BADGE: &str = "alert-badge";
    pub const PRIVILEGED_REPORT: &str = "privileged-report";
    pub const LOGIN_CHART: &str = "login-chart";
    pub const PEOPLE_LINK: &str = "people-link";
    pub const PEOPLE_SEARCH: &str = "people-search";
    pub const PEOPLE_LIST: &str = "people-list";
    pub const KANA_TABS: &str = "kana-tabs";
    pub const PEOPLE_NEXT: &str = "people-next";
    pub const NEW_PERSON: &str = "new-person";
    pub const PERSON_FORM: &str = "person-form";
    pub const PERSON_FACTS: &str = "person-facts";
    pub const EDIT_PERSON: &str = "edit-person";
    pub const ARCHIVE_PERSON: &str = "archive-person";
    pub const DELETE_PERSON: &str = "delete-person";
    pub const RECORD_FORM: &str = "record-form";
    pub const RECORD_LIST: &str = "record-list";
    pub const RECORD_CHANGE: &str = "record-change";
    pub const CORRECT_RECORD: &str = "correct-record";
    pub const DELETE_RECORD: &str = "delete-record";
    pub const RECORD_HISTORY: &str = "record-history";
    pub const SUCCESS: &str = "success";
    pub const PEOPLE_TOTAL: &str = "people-total";
    pub const EXPORT_PEOPLE: &str = "export-people";
    pub const IMPORT_PEOPLE: &str = "import-people";
    pub const IMPORT_PREVIEW: &str = "import-preview";
    pub const IMPORT_DONE: &str = "import-done";
    pub const CATEGORY_LIST: &str = "category-list";

    /// Every id above, for the check that `end2end/tests/ids.ts` mirrors them.
    pub const ALL: &[&str] = &[
        LOGIN_FORM,
        LOGIN_ERROR,
        PASSWORD_TOGGLE,
        WHOAMI,
        ORG_NAME,
        LOGOUT,
        CHANGE_PASSWORD_FORM,
        FORM_ERROR,
        FORCED_CHANGE_NOTICE,
        LANG_SWITCH,
        NAV_PEOPLE,
        NAV_ADMIN,
        NAV_OPS,
        NAV_ACCOUNT,
        HEADER_ACCOUNT,
        OPS_HOME,
        TENANT_FORM,
        TENANT_LIST,
        TENANT_FACTS,
        ACCOUNT_FORM,
        ACCOUNT_LIST,
        ISSUED_PASSWORD,
        ISSUED_LINK,
        USER_FACTS,
        USER_STATUS,
        DISABLE_USER,
        ENABLE_USER,
        SETUP_FORM,
        SETUP_DONE,
        SESSION_LIST,
        REAUTH_FORM,
        ADMIN_LINK,
        ACCOUNT_LINK,
        SETTINGS_FORM,
        OPERATOR_LIST,
        ALLOWLIST,
        ALLOWLIST_EMPTY,
        ALLOWLIST_ENTRIES,
        YOUR_ADDRESS,
        AUDIT_LIST,
        ALERT_LIST,
        ALERT_BADGE,
        PRIVILEGED_REPORT,
        LOGIN_CHART,
        PEOPLE_LINK,
        PEOPLE_SEARCH,
        PEOPLE_LIST,
        KANA_TABS,
        PEOPLE_NEXT,
        NEW_PERSON,
        PERSON_FORM,
        PERSON_FACTS,
        EDIT_PERSON,
        ARCHIVE_PERSON,
        DELETE_PERSON,
        RECORD_FORM,
        RECORD_LIST,
        EXPORT_PEOPLE,
        IMPORT_PEOPLE,
        IMPORT_PREVIEW,
        IMPORT_DONE,
        CATEGORY_LIST,
    ];
}

/// What the page rules need to know about the visitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visitor {
    pub operator: bool,
    pub admin: bool,
    pub must_change_password: bool,
}

impl Visitor {
    pub fn from_role(role: kura::domain::Role, must_change_password: bool) -> Visitor {
        use kura::domain::Role;
        Visitor { operator: role == Role::Operator, admin: role == Role::Admin, must_change_password }
    }
}

fn under(path: &str, root: &str) -> bool {
    path == root || path.strip_prefix(root).is_some_and(|rest| rest.starts_with('/'))
}

/// The one rule for who may see which page: `Some(path)` sends the visitor
/// there instead. Used by the server before rendering and by the pages after
/// client-side navigation. (Server functions check the actor themselves.)
pub fn redirect_for(path: &str, visitor: Option<Visitor>) -> Option<&'static str> {
    let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    let ops = under(path, OPS_HOME);
    let people = under(path, PEOPLE);
    let guarded = ops || people || under(path, ADMIN) || path == HOME || path == ACCOUNT || path == CHANGE_PASSWORD;
    if !guarded || path == OPS_LOGIN {
        return None;
    }
    let Some(v) = visitor else {
        return Some(if ops { OPS_LOGIN } else { LOGIN });
    };
    if path == CHANGE_PASSWORD {
        return None;
    }
    if v.must_change_password {
        return Some(CHANGE_PASSWORD);
    }
    match (ops, under(path, ADMIN)) {
        (true, _) if !v.operator => Some(HOME),
        (_, true) if v.operator => Some(OPS_HOME),
        (_, true) if !v.admin => Some(HOME),
        _ if (path == HOME || people) && v.operator => Some(OPS_HOME),
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

    const MEMBER: Visitor = Visitor { operator: false, admin: false, must_change_password: false };
    const ADMIN_V: Visitor = Visitor { operator: false, admin: true, must_change_password: false };
    const OPERATOR: Visitor = Visitor { operator: true, admin: false, must_change_password: false };
    const TEMPORARY: Visitor = Visitor { operator: false, admin: false, must_change_password: true };

    #[test]
    fn visitors_who_are_not_logged_in_go_to_the_right_login_page() {
        assert_eq!(redirect_for(HOME, None), Some(LOGIN));
        assert_eq!(redirect_for(OPS_HOME, None), Some(OPS_LOGIN));
        assert_eq!(redirect_for("/ops/tenants/x", None), Some(OPS_LOGIN));
        assert_eq!(redirect_for(CHANGE_PASSWORD, None), Some(LOGIN));
        assert_eq!(redirect_for(ADMIN, None), Some(LOGIN));
        assert_eq!(redirect_for(ACCOUNT, None), Some(LOGIN));
        assert_eq!(redirect_for(LOGIN, None), None);
        assert_eq!(redirect_for(SETUP, None), None);
        assert_eq!(redirect_for("/healthz", None), None, "only pages are guarded");
        assert_eq!(redirect_for("/no-such-page", None), None);
    }

    #[test]
    fn members_admins_and_operators_stay_in_their_own_area() {
        assert_eq!(redirect_for(HOME, Some(MEMBER)), None);
        assert_eq!(redirect_for(OPS_HOME, Some(MEMBER)), Some(HOME));
        assert_eq!(redirect_for(ADMIN, Some(MEMBER)), Some(HOME));
        assert_eq!(redirect_for("/admin/users/x", Some(MEMBER)), Some(HOME));
        assert_eq!(redirect_for(ADMIN, Some(ADMIN_V)), None);
        assert_eq!(redirect_for(OPS_HOME, Some(ADMIN_V)), Some(HOME));
        assert_eq!(redirect_for(HOME, Some(OPERATOR)), Some(OPS_HOME));
        assert_eq!(redirect_for(ADMIN, Some(OPERATOR)), Some(OPS_HOME));
        assert_eq!(redirect_for(OPS_HOME, Some(OPERATOR)), None);
        assert_eq!(redirect_for(ACCOUNT, Some(OPERATOR)), None);
        assert_eq!(redirect_for("/administrator", Some(MEMBER)), None, "only the /admin tree is guarded");
        assert_eq!(redirect_for(PEOPLE, None), Some(LOGIN));
        assert_eq!(redirect_for("/people/x/edit", Some(MEMBER)), None);
        assert_eq!(redirect_for(PEOPLE, Some(ADMIN_V)), None);
        assert_eq!(redirect_for(PEOPLE, Some(OPERATOR)), Some(OPS_HOME), "operators never see people data");
    }

    #[test]
    fn everyone_lands_on_their_own_home() {
        assert_eq!(home_for(MEMBER), HOME);
        assert_eq!(home_for(OPERATOR), OPS_HOME);
        assert_eq!(home_for(TEMPORARY), CHANGE_PASSWORD);
        assert_eq!(home_for(Visitor { operator: true, admin: false, must_change_password: true }), CHANGE_PASSWORD);
    }

    #[test]
    fn the_playwright_ids_mirror_these_ones() {
        let ts = include_str!("../../end2end/tests/ids.ts");
        for id in testid::ALL {
            assert!(ts.contains(&format!("'{id}'")), "end2end/tests/ids.ts lacks the test id {id}");
        }
        for path in [HOME, LOGIN, OPS_HOME, OPS_LOGIN, ADMIN, ACCOUNT, CHANGE_PASSWORD] {
            assert!(ts.contains(&format!("'{path}'")), "end2end/tests/ids.ts lacks the route {path}");
        }
    }

    #[test]
    fn a_temporary_password_leads_to_the_change_page_first() {
        assert_eq!(redirect_for(HOME, Some(TEMPORARY)), Some(CHANGE_PASSWORD));
        assert_eq!(redirect_for(ACCOUNT, Some(TEMPORARY)), Some(CHANGE_PASSWORD));
        assert_eq!(redirect_for(CHANGE_PASSWORD, Some(TEMPORARY)), None);
    }
}
