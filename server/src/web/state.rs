//! Shared state of the HTTP handlers.

use std::sync::Arc;

use axum::extract::FromRef;
use kura::Services;
use leptos::prelude::LeptosOptions;

use crate::config::Settings;

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub settings: Arc<Settings>,
    pub leptos_options: LeptosOptions,
    /// The bundle files that may be cached for good (read once at start-up).
    pub immutable: crate::assets::ContentAddressed,
    /// The pages of the route table (where the language switch may return to).
    pub known_paths: super::lang::KnownPaths,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> LeptosOptions {
        s.leptos_options.clone()
    }
}
