//! What the browser and the server must judge the same way: the roles, what
//! each may do, and the parsers of what people type. Compiled into the WASM
//! bundle too (the `kura` crate without its `server` feature), so this module
//! uses nothing but `serde`: no database, no runtime, no time-zone data.

pub mod contact;
pub mod kana_row;
pub mod permission;
pub mod role;

pub use contact::{Email, Phone};
pub use kana_row::KanaRow;
pub use permission::Permission;
pub use role::Role;

/// What is wrong with one field of a form: its name and a problem code
/// (`required`, `format`, `too_long`, …) that the UI turns into a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub problem: &'static str,
}

impl FieldProblem {
    pub const fn new(field: &'static str, problem: &'static str) -> Self {
        Self { field, problem }
    }
}
