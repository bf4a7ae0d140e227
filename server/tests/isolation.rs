//! Tenant isolation and the role × action matrix, over real HTTP, against
//! every registered server function (SQLite and PostgreSQL per KURA_TEST_BACKEND).
//!
//! The functions are enumerated from the server-function registry: a new
//! function without a row in `ROWS` fails `every_server_function_has_a_matrix_row`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{spawn, TestApp, GOOD_PASSWORD};
use kura::audit::{AuditActor, ClientInfo};
use kura::auth::password::Password;
use kura::policy::{allows, Permission};
use kura::provisioning::{self, InitialPassword};
use kura::users::Role;

/// The ids a call may carry. `org` is an organisation id, `user` an account
/// id, `session` a session handle.
struct Ids {
    org: String,
    user: String,
    session: String,
    /// An IP allowlist entry.
    entry: String,
    /// A person in the people register.
    person: String,
    /// A record category.
    category: String,
    /// An activity record (written by the organisation's member).
    record: String,
}

/// How to call one server function, and what it needs.
struct Row {
    path: &'static str,
    /// `None`: open to anyone (login, setup) or to every signed-in person.
    permission: Option<Permission>,
    /// Whether it takes an id of an organisation's data (the isolation matrix).
    takes_id: bool,
    args: fn(&Ids) -> Vec<(&'static str, String)>,
}

fn none(_: &Ids) -> Vec<(&'static str, String)> {
    Vec::new()
}

macro_rules! args {
    ($($k:literal => $v:expr),* $(,)?) => { |ids: &Ids| { let _ = ids; vec![$(($k, $v(ids)),)*] } };
}

fn org(i: &Ids) -> String {
    i.org.clone()
}
fn user(i: &Ids) -> String {
    i.user.clone()
}
fn session(i: &Ids) -> String {
    i.session.clone()
}
fn entry(i: &Ids) -> String {
    i.entry.clone()
}
fn category(i: &Ids) -> String {
    i.category.clone()
}
fn person(i: &Ids) -> String {
    i.person.clone()
}
fn record(i: &Ids) -> String {
    i.record.clone()
}
fn text(s: &'static str) -> impl Fn(&Ids) -> String {
    move |_| s.to_owned()
}

use Permission as P;

const ROWS: &[Row] = &[
    Row { path: "/api/login", permission: None, takes_id: false, args: none },
    Row { path: "/api/ops/login", permission: None, takes_id: false, args: none },
    Row { path: "/api/logout", permission: None, takes_id: false, args: none },
    Row { path: "/api/me", permission: None, takes_id: false, args: none },
    Row { path: "/api/change-password", permission: Some(P::ManageOwnAccount), takes_id: false, args: none },
    Row { path: "/api/setup/inspect", permission: None, takes_id: false, args: none },
    Row { path: "/api/setup/complete", permission: None, takes_id: false, args: none },
    Row { path: "/api/account/sessions", permission: Some(P::ManageOwnAccount), takes_id: false, args: none },
    Row {
        path: "/api/account/sessions/end",
        permission: Some(P::ManageOwnAccount),
        takes_id: true,
        args: args!("session" => session, "confirmed" => text("yes")),
    },
    Row {
        path: "/api/accounts/list",
        permission: Some(P::ViewAccounts),
        takes_id: true,
        args: args!("org" => org, "search" => text(""), "page" => text("0")),
    },
    Row { path: "/api/accounts/get", permission: Some(P::ViewAccounts), takes_id: true, args: args!("org" => org, "user_id" => user) },
    Row {
        path: "/api/accounts/create",
        permission: Some(P::ManageAccounts),
        takes_id: true,
        args: args!("org" => org, "login" => text("intruder"), "role" => text("admin"), "method" => text("temporary")),
    },
    Row {
        path: "/api/accounts/role",
        permission: Some(P::ManageAccounts),
        takes_id: true,
        args: args!("org" => org, "user_id" => user, "role" => text("viewer")),
    },
    Row {
        path: "/api/accounts/enabled",
        permission: Some(P::ManageAccounts),
        takes_id: true,
        args: args!("org" => org, "user_id" => user, "enabled" => text("false")),
    },
    Row {
        path: "/api/accounts/expiry",
        permission: Some(P::ManageAccounts),
        takes_id: true,
        args: args!("org" => org, "user_id" => user, "expires_on" => text("2099-12-31")),
    },
    Row {
        path: "/api/accounts/reset",
        permission: Some(P::ManageAccounts),
        takes_id: true,
        args: args!("org" => org, "user_id" => user, "method" => text("temporary")),
    },
    Row { path: "/api/accounts/unlock", permission: Some(P::ManageAccounts), takes_id: true, args: args!("org" => org, "user_id" => user) },
    Row {
        path: "/api/accounts/delete",
        permission: Some(P::ManageAccounts),
        takes_id: true,
        args: args!("org" => org, "user_id" => user, "confirmed" => text("yes")),
    },
    Row { path: "/api/accounts/sessions", permission: Some(P::ViewAccounts), takes_id: true, args: args!("org" => org, "user_id" => user) },
    Row {
        path: "/api/accounts/sessions/revoke",
        permission: Some(P::ManageAccounts),
        takes_id: true,
        args: args!("org" => org, "user_id" => user, "session" => session, "confirmed" => text("yes")),
    },
    Row { path: "/api/network/view", permission: Some(P::ViewAllowlist), takes_id: true, args: args!("org" => org) },
    Row {
        path: "/api/network/add",
        permission: Some(P::ManageAllowlist),
        takes_id: true,
        args: args!("org" => org, "cidr" => text("0.0.0.0/0"), "note" => text("intruder")),
    },
    Row {
        path: "/api/network/remove",
        permission: Some(P::ManageAllowlist),
        takes_id: true,
        args: args!("org" => org, "entry_id" => entry, "confirmed" => text("yes")),
    },
    Row {
        path: "/api/audit/list",
        permission: Some(P::ViewTenantAudit),
        takes_id: false,
        args: args!("query[from]" => text(""), "query[to]" => text(""), "query[actor]" => text(""), "query[action]" => text(""), "query[result]" => text("")),
    },
    Row {
        path: "/api/ops/audit/list",
        permission: Some(P::ViewAuditAll),
        takes_id: false,
        args: args!("query[from]" => text(""), "query[to]" => text(""), "query[actor]" => text(""), "query[action]" => text(""), "query[result]" => text("")),
    },
    Row { path: "/api/ops/alerts/list", permission: Some(P::ViewAlertsAll), takes_id: false, args: none },
    Row { path: "/api/ops/alerts/count", permission: Some(P::ViewAlertsAll), takes_id: false, args: none },
    Row {
        path: "/api/ops/alerts/acknowledge",
        permission: Some(P::ManageAlerts),
        takes_id: true,
        args: args!("alert_id" => user, "comment" => text("seen")),
    },
    Row { path: "/api/ops/alerts/close", permission: Some(P::ManageAlerts), takes_id: true, args: args!("alert_id" => user) },
    Row { path: "/api/alerts/list", permission: Some(P::ViewTenantAlerts), takes_id: false, args: none },
    Row {
        path: "/api/reports/privileged",
        permission: Some(P::ViewTenantAudit),
        takes_id: false,
        args: args!("from" => text(""), "to" => text("")),
    },
    Row {
        path: "/api/ops/reports/privileged",
        permission: Some(P::ViewAuditAll),
        takes_id: true,
        args: args!("tenant_id" => org, "from" => text(""), "to" => text("")),
    },
    Row { path: "/api/stats/logins", permission: Some(P::ViewTenantAudit), takes_id: false, args: none },
    Row { path: "/api/ops/stats/logins", permission: Some(P::ViewAuditAll), takes_id: false, args: none },
    Row { path: "/api/settings/get", permission: Some(P::ViewTenantSettings), takes_id: false, args: none },
    Row {
        path: "/api/settings/save",
        permission: Some(P::ManageTenantSettings),
        takes_id: false,
        args: args!("members_may_export" => text("on"), "time_zone" => text("UTC"), "record_edit_hours" => text("24")),
    },
    Row {
        path: "/api/ops/tenants/list",
        permission: Some(P::ViewTenants),
        takes_id: false,
        args: args!("search" => text(""), "page" => text("0")),
    },
    Row { path: "/api/ops/tenants/get", permission: Some(P::ViewTenants), takes_id: true, args: args!("tenant_id" => org) },
    Row {
        path: "/api/ops/tenants/create",
        permission: Some(P::ManageTenants),
        takes_id: false,
        args: args!("org_code" => text("newco"), "name" => text("New Co"), "contract_start" => text("2026-04-01"),
                    "emails" => text("info@newco.example"), "phone" => text("03-1234-5678")),
    },
    Row {
        path: "/api/ops/tenants/contacts",
        permission: Some(P::ManageTenants),
        takes_id: true,
        args: args!("tenant_id" => org, "emails" => text("x@evil.example"), "phone" => text("03-0000-0000")),
    },
    Row {
        path: "/api/ops/tenants/suspend",
        permission: Some(P::ManageTenants),
        takes_id: true,
        args: args!("tenant_id" => org, "suspended" => text("true")),
    },
    Row {
        path: "/api/ops/operators/list",
        permission: Some(P::ViewOperators),
        takes_id: false,
        args: args!("search" => text(""), "page" => text("0")),
    },
    Row {
        path: "/api/ops/operators/create",
        permission: Some(P::ManageOperators),
        takes_id: false,
        args: args!("login" => text("intruder")),
    },
    Row {
        path: "/api/ops/operators/enabled",
        permission: Some(P::ManageOperators),
        takes_id: true,
        args: args!("user_id" => user, "enabled" => text("false")),
    },
    Row {
        path: "/api/people/list",
        permission: Some(P::ReadPeople),
        takes_id: false,
        args: args!("q" => text(""), "status" => text("all"), "sort" => text("updated"), "category" => text("")),
    },
    Row { path: "/api/people/get", permission: Some(P::ReadPeople), takes_id: true, args: args!("id" => person) },
    Row {
        path: "/api/people/create",
        permission: Some(P::WritePeople),
        takes_id: false,
        args: args!("family_name" => text("侵入"), "given_name" => text(""), "family_kana" => text(""), "given_kana" => text(""),
                    "phone" => text(""), "email" => text(""), "postal_code" => text(""), "address" => text(""), "notes" => text("")),
    },
    Row {
        path: "/api/people/update",
        permission: Some(P::WritePeople),
        takes_id: true,
        args: args!("id" => person, "version" => text("1"), "family_name" => text("改ざん"), "given_name" => text(""),
                    "family_kana" => text(""), "given_kana" => text(""), "phone" => text(""), "email" => text(""),
                    "postal_code" => text(""), "address" => text(""), "notes" => text("")),
    },
    Row {
        path: "/api/people/archive",
        permission: Some(P::WritePeople),
        takes_id: true,
        args: args!("id" => person, "archived" => text("true")),
    },
    Row {
        path: "/api/people/delete",
        permission: Some(P::DeletePeople),
        takes_id: true,
        args: args!("id" => person, "confirmed" => text("yes")),
    },
    Row {
        path: "/api/people/record/add",
        permission: Some(P::WritePeople),
        takes_id: true,
        args: args!("person_id" => person, "occurred_at" => text("2026-11-28T10:00"), "category_id" => text(""), "body" => text("侵入")),
    },
    Row {
        path: "/api/people/record/correct",
        permission: Some(P::WritePeople),
        takes_id: true,
        args: args!(
            "record_id" => record,
            "version" => text("0"),
            "occurred_at" => text("2026-11-28T10:00"),
            "category_id" => text(""),
            "body" => text("改ざん"),
            "reason" => text("侵入")
        ),
    },
    Row {
        path: "/api/people/record/delete",
        permission: Some(P::WritePeople),
        takes_id: true,
        args: args!("record_id" => record, "version" => text("0"), "reason" => text("侵入"), "confirmed" => text("yes")),
    },
    Row {
        path: "/api/people/import/preview",
        permission: Some(P::ImportPeople),
        takes_id: false,
        args: args!("content" => text("姓\n侵入\n"), "confirmed" => text("yes")),
    },
    Row {
        path: "/api/people/import",
        permission: Some(P::ImportPeople),
        takes_id: false,
        args: args!("content" => text("姓\n侵入\n"), "confirmed" => text("yes")),
    },
    Row { path: "/api/people/categories", permission: Some(P::ReadPeople), takes_id: false, args: none },
    Row {
        path: "/api/people/categories/add", permission: Some(P::ManageCategories), takes_id: false, args: args!("name" => text("侵入"))
    },
    Row { path: "/api/people/categories/usage", permission: Some(P::ManageCategories), takes_id: false, args: none },
    Row {
        path: "/api/people/categories/remove",
        permission: Some(P::ManageCategories),
        takes_id: true,
        args: args!("category_id" => category, "confirmed" => text("yes")),
    },
    Row {
        path: "/api/people/categories/move",
        permission: Some(P::ManageCategories),
        takes_id: true,
        args: args!("category_id" => category, "direction" => text("down")),
    },
    Row {
        path: "/api/people/categories/rename",
        permission: Some(P::ManageCategories),
        takes_id: true,
        args: args!("category_id" => category, "name" => text("改ざん")),
    },
    Row {
        path: "/api/ops/reauth",
        permission: Some(P::ManageOperators),
        takes_id: false,
        args: args!("password" => text("not the password")),
    },
];

#[test]
fn every_server_function_has_a_matrix_row() {
    let registered = kura_server::server_function_paths();
    assert!(registered.len() >= 20, "the registry is populated: {registered:?}");
    for path in &registered {
        assert!(ROWS.iter().any(|r| r.path == path), "server function {path} has no row in the isolation matrix");
    }
    for row in ROWS {
        assert!(registered.iter().any(|p| p == row.path), "row {} names no registered function", row.path);
    }
}

/// Two organisations with an admin, a member and a viewer each, an operator,
/// and a signed-in client per role of organisation A (and the operator).
struct World {
    app: TestApp,
    clients: Vec<(Role, reqwest::Client)>,
    a: Ids,
    b: Ids,
}

async fn user_id(app: &TestApp, org: &str, login: &str) -> String {
    sqlx::query_scalar("SELECT u.id FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.code = $1 AND u.login = $2")
        .bind(org)
        .bind(login)
        .fetch_one(app.db.db.pool())
        .await
        .unwrap()
}

async fn tenant_id(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT id FROM tenants WHERE code = $1").bind(code).fetch_one(app.db.db.pool()).await.unwrap()
}

async fn session_of(app: &TestApp, user: &str) -> String {
    sqlx::query_scalar("SELECT id_hash FROM sessions WHERE user_id = $1").bind(user).fetch_one(app.db.db.pool()).await.unwrap()
}

async fn category_of(app: &TestApp, org: &str) -> String {
    sqlx::query_scalar(
        "SELECT c.id FROM record_categories c JOIN tenants t ON t.id = c.tenant_id WHERE t.code = $1 ORDER BY c.position LIMIT 1",
    )
    .bind(org)
    .fetch_one(app.db.db.pool())
    .await
    .unwrap()
}

/// A person in `org`'s register with one record, added by its member through the core.
async fn add_person(app: &TestApp, org: &str) -> (String, String) {
    let client = ClientInfo::cli();
    let actor = kura::auth::login(
        &app.services,
        kura::auth::LoginRequest {
            realm: kura::auth::Realm::Tenant,
            org_code: org,
            login: "taro",
            password: Password::new(GOOD_PASSWORD.into()),
            client: &client,
        },
    )
    .await
    .unwrap();
    let scope = kura::scope::TenantScope::own(&app.services, &actor).await.unwrap();
    let fields = kura::people::PersonFields { family_name: "山田".into(), phone: "03-1234-5678".into(), ..Default::default() };
    let person = kura::people::register::create(&app.services, &scope, &client, &fields).await.unwrap();
    let record = kura::people::records::RecordInput {
        occurred_at: "2026-11-28T09:00".into(),
        category_id: String::new(),
        body: "訪問".into(),
        submission: None,
    };
    let record = kura::people::records::add(&app.services, &scope, &client, &person, &record).await.unwrap();
    (person.to_string(), record.to_string())
}

async fn world() -> World {
    let app = spawn().await;
    for org in ["acme", "beta"] {
        app.create_tenant(org).await;
        app.create_user(org, "boss", Role::Admin).await;
        app.create_user(org, "taro", Role::Member).await;
        app.create_user(org, "hana", Role::Viewer).await;
    }
    provisioning::create_operator(
        &app.services,
        &AuditActor::cli(),
        "ops",
        InitialPassword::Chosen(Password::new(GOOD_PASSWORD.into())),
        &ClientInfo::cli(),
    )
    .await
    .unwrap();
    let mut clients = Vec::new();
    for (role, login) in [(Role::Admin, "boss"), (Role::Member, "taro"), (Role::Viewer, "hana")] {
        let c = common::browser(&app.base);
        assert_eq!(app.login(&c, "acme", login, GOOD_PASSWORD).await.status(), 200);
        clients.push((role, c));
    }
    let op = common::browser(&app.base);
    let r = app.post_form(&op, "/api/ops/login", &[("login", "ops"), ("password", GOOD_PASSWORD)]).await;
    assert_eq!(r.status(), 200);
    clients.insert(0, (Role::Operator, op));
    assert!(kura::policy::ALL_ROLES.iter().all(|r| clients.iter().any(|(c, _)| c == r)), "a client for every role");
    // A session in B, so B has a session handle to aim at.
    let b_client = common::browser(&app.base);
    assert_eq!(app.login(&b_client, "beta", "taro", GOOD_PASSWORD).await.status(), 200);
    let a_taro = user_id(&app, "acme", "taro").await;
    let b_taro = user_id(&app, "beta", "taro").await;
    // B keeps an allowlist (loopback, so its session works), to aim at its entry.
    let b_org = tenant_id(&app, "beta").await;
    let b_entry = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO tenant_ip_allowlist (id, tenant_id, cidr, note, created_at, created_by) VALUES ($1, $2, '127.0.0.0/8', '', 0, 'test')",
    )
    .bind(&b_entry)
    .bind(&b_org)
    .execute(app.db.db.pool())
    .await
    .unwrap();
    let (a_person, a_record) = add_person(&app, "acme").await;
    let (b_person, b_record) = add_person(&app, "beta").await;
    let a = Ids {
        org: tenant_id(&app, "acme").await,
        session: session_of(&app, &a_taro).await,
        user: a_taro,
        // A keeps no allowlist: a well-formed id that names no entry, so a
        // refusal below comes from the policy, not from the id's shape.
        entry: uuid::Uuid::new_v4().to_string(),
        person: a_person,
        category: category_of(&app, "acme").await,
        record: a_record,
    };
    let b_category = category_of(&app, "beta").await;
    let b = Ids {
        org: b_org,
        session: session_of(&app, &b_taro).await,
        user: b_taro,
        entry: b_entry,
        person: b_person,
        category: b_category,
        record: b_record,
    };
    World { app, clients, a, b }
}

async fn call(app: &TestApp, client: &reqwest::Client, path: &str, args: &[(&'static str, String)]) -> (u16, String) {
    let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_form(client, path, &form).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The ids a role aims at when it reaches into B: operators act on A by
/// choice and aim at B's accounts and sessions; A's people name B outright.
fn foreign(w: &World, role: Role) -> Ids {
    let org = if role == Role::Operator { w.a.org.clone() } else { w.b.org.clone() };
    Ids {
        org,
        user: w.b.user.clone(),
        session: w.b.session.clone(),
        entry: w.b.entry.clone(),
        person: w.b.person.clone(),
        category: w.b.category.clone(),
        record: w.b.record.clone(),
    }
}

fn nonexistent(w: &World, role: Role) -> Ids {
    let org = if role == Role::Operator { w.a.org.clone() } else { uuid::Uuid::new_v4().to_string() };
    Ids {
        org,
        user: uuid::Uuid::new_v4().to_string(),
        session: "0".repeat(64),
        entry: uuid::Uuid::new_v4().to_string(),
        person: uuid::Uuid::new_v4().to_string(),
        category: uuid::Uuid::new_v4().to_string(),
        record: uuid::Uuid::new_v4().to_string(),
    }
}

#[tokio::test]
async fn an_id_of_another_organisation_is_not_found_for_every_role_and_function_and_changes_nothing() {
    let w = world().await;
    let before = w.app.snapshot().await;
    let mut checked = 0;
    for row in ROWS.iter().filter(|r| r.takes_id) {
        for (role, client) in &w.clients {
            // Operators work across organisations by design: an organisation id is
            // theirs to choose, so for them only calls naming an account or a
            // session of another organisation than the chosen one are foreign.
            let names_account = (row.args)(&w.b).iter().any(|(_, v)| {
                *v == w.b.user || *v == w.b.session || *v == w.b.entry || *v == w.b.person || *v == w.b.category || *v == w.b.record
            });
            if *role == Role::Operator && !names_account {
                continue;
            }
            let (status, body) = call(&w.app, client, row.path, &(row.args)(&foreign(&w, *role))).await;
            let (status_none, body_none) = call(&w.app, client, row.path, &(row.args)(&nonexistent(&w, *role))).await;
            let what = format!("{} as {:?}", row.path, role);
            assert_eq!((status, &body), (status_none, &body_none), "{what}: another organisation's id must look like no id at all");
            let allowed = row.permission.is_some_and(|p| allows(*role, p));
            if allowed {
                assert_eq!((status, body.as_str()), (404, "\"NotFound\""), "{what}");
            } else {
                assert!(body == "\"NotFound\"" || body == "\"Forbidden\"", "{what}: {status} {body}");
            }
            assert_eq!(w.app.snapshot().await, before, "{what} changed something");
            checked += 1;
        }
    }
    assert!(checked >= 40, "the matrix ran ({checked} calls)");
    // Every signed-in client is still signed in: nothing above ended a session.
    for (role, client) in &w.clients {
        assert!(!w.app.me(client).await.is_null(), "{role:?} still signed in");
    }
}

#[tokio::test]
async fn each_role_is_refused_exactly_what_the_policy_table_refuses_and_nothing_changes() {
    let w = world().await;
    let before = w.app.snapshot().await;
    for row in ROWS {
        let Some(permission) = row.permission else { continue };
        for (role, client) in &w.clients {
            if allows(*role, permission) {
                continue;
            }
            // Own organisation's ids: the refusal comes from the policy, not from isolation.
            let own = Ids { org: if *role == Role::Operator { w.a.org.clone() } else { String::new() }, ..w.a.clone_ids() };
            let (status, body) = call(&w.app, client, row.path, &(row.args)(&own)).await;
            assert_eq!((status, body.as_str()), (403, "\"Forbidden\""), "{} as {:?}", row.path, role);
        }
    }
    assert_eq!(w.app.snapshot().await, before);
}

impl Ids {
    fn clone_ids(&self) -> Ids {
        Ids {
            org: self.org.clone(),
            user: self.user.clone(),
            session: self.session.clone(),
            entry: self.entry.clone(),
            person: self.person.clone(),
            category: self.category.clone(),
            record: self.record.clone(),
        }
    }
}
