//! Irreversible actions need their explicit confirmation on the server too,
//! so the rule holds without JavaScript; and a record form sent twice stores
//! one record.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{spawn, TestApp, GOOD_PASSWORD, PERSON};
use kura::users::Role;
use reqwest::header::{ACCEPT, REFERER};

struct Setup {
    app: TestApp,
    admin: reqwest::Client,
    member: reqwest::Client,
    person: String,
    taro: String,
    entry: String,
    /// One of the admin's own sessions other than the one making the calls.
    other_session: String,
}

async fn setup() -> Setup {
    let app = spawn().await;
    app.create_tenant("acme").await;
    app.create_user("acme", "boss", Role::Admin).await;
    app.create_user("acme", "taro", Role::Member).await;
    let admin = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let _laptop = app.member_client("acme", "boss", GOOD_PASSWORD).await;
    let member = app.member_client("acme", "taro", GOOD_PASSWORD).await;
    let (status, person) = app.call(&member, "/api/people/create", &PERSON).await;
    assert_eq!(status, 200, "{person}");
    let (status, entry) = app.call(&admin, "/api/network/add", &[("cidr", "127.0.0.0/8"), ("note", "office")]).await;
    assert_eq!(status, 200, "{entry}");
    let (_, accounts) = app.call(&admin, "/api/accounts/list", &[("search", "taro"), ("page", "0")]).await;
    let taro = accounts["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, sessions) = app.call(&admin, "/api/account/sessions", &[]).await;
    let other_session = sessions.as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
    Setup {
        app,
        admin,
        member,
        person: person.as_str().unwrap().to_owned(),
        taro,
        entry: entry.as_str().unwrap().to_owned(),
        other_session,
    }
}

/// Every irreversible action and its arguments, without the confirmation.
fn irreversible(s: &Setup) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    vec![
        ("/api/people/delete", vec![("id", s.person.clone())]),
        ("/api/accounts/delete", vec![("user_id", s.taro.clone())]),
        ("/api/accounts/sessions/revoke", vec![("user_id", s.taro.clone())]),
        ("/api/account/sessions/end", vec![("session", s.other_session.clone())]),
        ("/api/network/remove", vec![("entry_id", s.entry.clone())]),
        ("/api/people/import", vec![("content", String::from("姓\n佐藤\n"))]),
    ]
}

#[tokio::test]
async fn irreversible_actions_posted_without_their_confirmation_change_nothing() {
    let s = setup().await;
    let before = s.app.snapshot().await;
    for (path, args) in irreversible(&s) {
        let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // As the browser's script calls it, with the field missing, empty or anything but "yes".
        for confirmed in [None, Some(""), Some("no"), Some("true")] {
            let mut f = form.clone();
            f.extend(confirmed.map(|c| ("confirmed", c)));
            let (status, body) = s.app.call(&s.admin, path, &f).await;
            assert_eq!(body, serde_json::json!("ConfirmationRequired"), "{path} with {confirmed:?} ({status})");
        }
        // As a browser without JavaScript posts the form: back to the page, with the question.
        let page = s.app.url("/admin");
        let post = s.admin.post(s.app.url(path)).header(ACCEPT, "text/html").header(REFERER, &page);
        let r = if path.starts_with("/api/people/import") {
            // The import is an upload: the same form as multipart.
            let file = reqwest::multipart::Part::bytes(form[0].1.as_bytes().to_vec()).file_name("people.csv");
            post.multipart(reqwest::multipart::Form::new().part("file", file)).send().await.unwrap()
        } else {
            post.form(&form).send().await.unwrap()
        };
        assert_eq!(r.status(), 302, "{path}");
        let back = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(back.starts_with(&page) && back.contains("__err="), "{path}: {back}");
        assert_eq!(s.app.snapshot().await, before, "{path} changed something without its confirmation");
    }
    assert_eq!(s.app.count("audit_log WHERE action LIKE 'people.%delete%' OR action LIKE 'people.import%'").await, 0);

    // The same calls with the confirmation do what they say.
    let (status, _) = s.app.call(&s.admin, "/api/people/delete", &[("id", &s.person), ("confirmed", "yes")]).await;
    assert_eq!(status, 200);
    assert_eq!(s.app.count("people").await, 0);
    let (status, _) = s.app.call(&s.admin, "/api/network/remove", &[("entry_id", &s.entry), ("confirmed", "yes")]).await;
    assert_eq!(status, 200);
    assert_eq!(s.app.count("tenant_ip_allowlist").await, 0);
}

async fn record_form(s: &Setup) -> (String, String) {
    let (status, view) = s.app.call(&s.member, "/api/people/get", &[("id", &s.person)]).await;
    assert_eq!(status, 200, "{view}");
    (view["submission_key"].as_str().unwrap().to_owned(), view["now_local"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_record_form_sent_twice_stores_one_record() {
    let s = setup().await;
    let (key, now) = record_form(&s).await;
    let form = [("person_id", s.person.as_str()), ("occurred_at", &now), ("category_id", ""), ("body", "面談の記録"), ("submission", &key)];
    // Two quick clicks: both requests at once.
    let (a, b) =
        tokio::join!(s.app.call(&s.member, "/api/people/record/add", &form), s.app.call(&s.member, "/api/people/record/add", &form));
    assert_eq!((a.0, b.0), (200, 200), "{a:?} {b:?}");
    assert_eq!(a.1, b.1, "both answer with the one record");
    // A retried request later: still the same record.
    let (status, again) = s.app.call(&s.member, "/api/people/record/add", &form).await;
    assert_eq!((status, &again), (200, &a.1));
    assert_eq!(s.app.count("person_records").await, 1);
    assert_eq!(s.app.count("audit_log WHERE action = 'record.created'").await, 1);

    // The next rendering of the form has a new key and adds a second record.
    let (next_key, _) = record_form(&s).await;
    assert_ne!(next_key, key);
    let second =
        [("person_id", s.person.as_str()), ("occurred_at", &now), ("category_id", ""), ("body", "電話の記録"), ("submission", &next_key)];
    assert_eq!(s.app.call(&s.member, "/api/people/record/add", &second).await.0, 200);
    assert_eq!(s.app.count("person_records").await, 2);

    // The same key with other text (edited before a retry) is refused, not
    // answered with the first record: nothing typed is silently dropped.
    let edited = [
        ("person_id", s.person.as_str()),
        ("occurred_at", &now),
        ("category_id", ""),
        ("body", "面談の記録（追記あり）"),
        ("submission", &key),
    ];
    let (status, body) = s.app.call(&s.member, "/api/people/record/add", &edited).await;
    assert_ne!(status, 200);
    assert_eq!(body, serde_json::json!({ "Invalid": { "field": "submission", "problem": "already_saved" } }));
    assert_eq!(s.app.count("person_records").await, 2);

    // A key that is not a key is refused; one used for another person is too.
    let mut sato = PERSON;
    sato[0] = ("family_name", "佐藤");
    let (_, other) = s.app.call(&s.member, "/api/people/create", &sato).await;
    let forged = [("person_id", other.as_str().unwrap()), ("occurred_at", &now), ("category_id", ""), ("body", "x"), ("submission", &key)];
    let (status, body) = s.app.call(&s.member, "/api/people/record/add", &forged).await;
    assert_ne!(status, 200, "{body}");
    let garbage = [("person_id", s.person.as_str()), ("occurred_at", &now), ("category_id", ""), ("body", "x"), ("submission", "' OR 1=1")];
    assert_ne!(s.app.call(&s.member, "/api/people/record/add", &garbage).await.0, 200);
    assert_eq!(s.app.count("person_records").await, 2);
}
