//! Where the people list stands: filters and page in the URL (so Back and a
//! bookmark return to them), the search text and the pages before this one
//! in the page's history state — never in a URL, which ends up in logs and
//! browser history: the search text is personal data.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::location::State;
use leptos_router::NavigateOptions;
use serde::{Deserialize, Serialize};

/// The list's state: what the URL and the history entry say together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct ListState {
    pub q: String,
    pub status: String,
    pub sort: String,
    pub category: String,
    pub row: String,
    pub after: String,
    /// The cursors of the pages before this one (for 前へ).
    pub trail: Vec<String>,
}

/// What the history entry holds (JSON in `history.state`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Remembered {
    q: String,
    trail: Vec<String>,
}

/// Only what a filter value can be (ids, cursors, codes): anything else in a
/// URL is dropped rather than sent on.
fn clean(v: &str) -> String {
    if v.len() <= 80 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_') {
        v.to_owned()
    } else {
        String::new()
    }
}

impl ListState {
    /// `/people?status=…` with the non-default filters and the page.
    pub fn url(&self) -> String {
        let mut parts = Vec::new();
        for (k, v, default) in [
            ("status", &self.status, "active"),
            ("sort", &self.sort, "updated"),
            ("category", &self.category, ""),
            ("row", &self.row, ""),
            ("after", &self.after, ""),
        ] {
            let v = clean(v);
            if !v.is_empty() && v != default {
                parts.push(format!("{k}={v}"));
            }
        }
        if parts.is_empty() {
            crate::routes::PEOPLE.to_owned()
        } else {
            format!("{}?{}", crate::routes::PEOPLE, parts.join("&"))
        }
    }
}

/// The list's state, read from the URL and the history entry as they change,
/// and a way to move to another state (a new history entry).
pub(super) fn use_list_state() -> (Memo<ListState>, impl Fn(ListState) + Clone + 'static) {
    let query = use_query_map();
    let location = use_location();
    let state = Memo::new(move |_| {
        let remembered = remembered(&location.state.get());
        query.with(|m| {
            let get = |k: &str, default: &str| {
                let v = clean(&m.get(k).unwrap_or_default());
                if v.is_empty() {
                    default.to_owned()
                } else {
                    v
                }
            };
            ListState {
                q: remembered.q,
                status: get("status", "active"),
                sort: get("sort", "updated"),
                category: get("category", ""),
                row: get("row", ""),
                after: get("after", ""),
                trail: remembered.trail,
            }
        })
    });
    let navigate = use_navigate();
    let go = move |next: ListState| {
        let remembered = Remembered { q: next.q.clone(), trail: next.trail.clone() };
        let options = NavigateOptions { state: to_state(&remembered), scroll: false, ..Default::default() };
        navigate(&next.url(), options);
    };
    (state, go)
}

#[cfg(feature = "hydrate")]
fn remembered(state: &State) -> Remembered {
    state.to_js_value().as_string().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default()
}

/// The server has no history entry: the search text is the browser's alone.
#[cfg(not(feature = "hydrate"))]
fn remembered(_: &State) -> Remembered {
    Remembered::default()
}

#[cfg(feature = "hydrate")]
fn to_state(r: &Remembered) -> State {
    State::new(serde_json::to_string(r).ok().map(|s| leptos::wasm_bindgen::JsValue::from_str(&s)))
}

#[cfg(not(feature = "hydrate"))]
fn to_state(_: &Remembered) -> State {
    State::new(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_holds_the_filters_and_the_page_but_never_the_search_text() {
        let s = ListState {
            q: String::from("山田 090-1234-5678"),
            status: String::from("all"),
            sort: String::from("updated"),
            category: String::from("0b8f2d4e-1c2a-4e4b-9a51-3f1f2b7c9d10"),
            row: String::from("ka"),
            after: String::from("1764547200000.0b8f2d4e-1c2a-4e4b-9a51-3f1f2b7c9d11"),
            trail: vec![String::new()],
        };
        let url = s.url();
        assert_eq!(
            url,
            "/people?status=all&category=0b8f2d4e-1c2a-4e4b-9a51-3f1f2b7c9d10&row=ka&after=1764547200000.0b8f2d4e-1c2a-4e4b-9a51-3f1f2b7c9d11"
        );
        assert!(!url.contains("山田") && !url.contains("090"));
        assert_eq!(ListState { status: String::from("active"), sort: String::from("updated"), ..ListState::default() }.url(), "/people");
        // What is not a filter value is dropped, not passed on.
        assert_eq!(ListState { row: String::from("ka&q=x"), ..ListState::default() }.url(), "/people");
    }
}
