//! `GET /lang/{ja|en}?next=/path`: sets the language cookie and goes back to
//! the page. `next` is followed only when it is a page of the route table
//! (its parameters plain ids), with an optional plain query; anything else
//! (`//host`, `/\host`, a tab or newline that browsers strip, an absolute
//! URL, an encoded form of any of them) goes to `/`. A page, not a redirect
//! target an attacker can choose.

use std::sync::Arc;

use axum::extract::{Path as UrlPath, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{header, HeaderValue};
use kura_app::i18n::{Lang, LANG_COOKIE};

use super::AppState;

/// The page paths of the route table, as segment patterns.
#[derive(Clone, Debug, Default)]
pub struct KnownPaths(Arc<Vec<Vec<Segment>>>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{id}` or `:id`: one id-like segment.
    Param,
}

impl KnownPaths {
    /// From route paths such as `/people/{id}`.
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a str>) -> Self {
        let patterns = paths
            .into_iter()
            .map(|p| {
                segments(p)
                    .map(|s| if s.starts_with('{') || s.starts_with(':') { Segment::Param } else { Segment::Literal(s.to_owned()) })
                    .collect()
            })
            .collect();
        Self(Arc::new(patterns))
    }

    fn knows(&self, path: &str) -> bool {
        let given: Vec<&str> = segments(path).collect();
        self.0.iter().any(|pattern| {
            pattern.len() == given.len()
                && pattern.iter().zip(&given).all(|(p, g)| match p {
                    Segment::Literal(l) => l == g,
                    Segment::Param => is_id(g),
                })
        })
    }

    /// Where to go back to: `next` when it is a known page, else `/`.
    pub fn return_to<'a>(&self, next: Option<&'a str>) -> &'a str {
        let Some(next) = next else { return "/" };
        let (path, query) = match next.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (next, None),
        };
        let path_ok = path.starts_with('/') && !path.starts_with("//") && self.knows(path);
        let query_ok = query.is_none_or(|q| q.bytes().all(is_plain_query_byte));
        if path_ok && query_ok {
            next
        } else {
            "/"
        }
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Printable ASCII that needs no escaping in a query: no space, quote,
/// back-slash, angle bracket or fragment mark.
fn is_plain_query_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:@/?".contains(&b)
}

#[derive(serde::Deserialize)]
pub struct LangQuery {
    next: Option<String>,
}

pub async fn set_language(State(state): State<AppState>, UrlPath(code): UrlPath<String>, Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}", lang.code());
    let mut res = Redirect::to(state.known_paths.return_to(q.next.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::KnownPaths;

    fn known() -> KnownPaths {
        KnownPaths::new(["/", "/login", "/people", "/people/{id}", "/people/{id}/edit", "/ops/tenants/{id}"])
    }

    #[test]
    fn known_pages_and_their_plain_queries_are_returned_to() {
        let k = known();
        for ok in ["/", "/login", "/people", "/people/01HXYZ-abc_9", "/people/x/edit", "/people?page=2&q=%E5%B1%B1", "/ops/tenants/t1"] {
            assert_eq!(k.return_to(Some(ok)), ok, "{ok}");
        }
    }

    #[test]
    fn anything_else_returns_to_the_home_page() {
        let k = known();
        for bad in [
            "/\t/evil.example",
            "/%09/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "https://evil.example",
            "http:/evil.example",
            "evil.example",
            "/people/../..//evil.example",
            "/people/a%2Fb",
            "/people/ x",
            "/no-such-page",
            "/login?next=<script>",
            "/login?a=b c",
            "/login?\t/evil",
            "/login#//evil.example",
            "",
        ] {
            assert_eq!(k.return_to(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(k.return_to(None), "/");
    }
}
