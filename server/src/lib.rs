//! The Kura server: command line, configuration, HTTP stack and start-up.
//! It wires the core (`kura`) and the UI (`kura_app`) together; rules live
//! in the core.

pub mod assets;
pub mod cli;
pub mod config;
pub mod jobs;
pub mod runtime;
pub mod startup;
pub mod telemetry;
pub mod tls;
pub mod web;

pub use config::Settings;
pub use startup::{build, Application, StartupError};

/// The path of every registered server function (the registry the
/// isolation tests enumerate, so a new function cannot go untested).
pub fn server_function_paths() -> Vec<String> {
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_owned()).collect();
    paths.sort();
    paths
}

/// The path of every server-rendered page, from the app's route table (the
/// stress test loads each one, so a new page cannot go unstressed).
pub fn page_paths() -> Vec<String> {
    let mut paths: Vec<String> = leptos_axum::generate_route_list(kura_app::App).iter().map(|r| r.path().to_owned()).collect();
    paths.sort();
    paths.dedup();
    paths
}
