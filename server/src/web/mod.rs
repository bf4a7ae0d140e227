//! The HTTP stack, outermost first: request log → security headers (CSP
//! nonce) → client address → CSRF origin check → session → actor → page
//! guard → routes. Each layer is one small module.

pub mod actor;
pub mod client;
pub mod csrf;
pub mod guard;
pub mod headers;
pub mod session_store;
pub mod state;

pub use state::AppState;
