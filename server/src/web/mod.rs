//! The HTTP stack, outermost first: request log → security headers (CSP
//! nonce) → client address (trusted proxies) → CSRF origin check → session →
//! actor (and the organisation's IP allowlist) → operator fence → page guard
//! → routes. Each layer is one small module.

pub mod actor;
pub mod api_status;
pub mod client;
pub mod csrf;
pub mod downloads;
pub mod fence;
pub mod guard;
pub mod headers;
pub mod lang;
pub mod session_store;
pub mod state;

pub use state::AppState;
