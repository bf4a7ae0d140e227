//! The Kura server: command line, configuration, HTTP stack and start-up.
//! It wires the core (`kura`) and the UI (`kura_app`) together; rules live
//! in the core.

pub mod cli;
pub mod config;
pub mod jobs;
pub mod web;
pub mod startup;
pub mod telemetry;

pub use config::Settings;
pub use startup::{build, Application, StartupError};
