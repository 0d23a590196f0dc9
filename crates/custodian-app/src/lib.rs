//! Custodian's use cases. Each takes the parts it needs (the vault, the
//! checked policy, the time) and returns what happened as a type; the web
//! handlers map HTTP to a use case and its outcome to a page. A command or
//! a job that needs the same rule calls the same function rather than
//! writing it again. Personal values leave the vault here only to be shown
//! or sent.

pub mod campaigns;
pub mod cases;
mod clock;
mod error;
#[cfg(test)]
mod example;
pub mod forms;
pub mod requests;
pub mod updates;
pub mod usage;

pub use clock::Clock;
pub use error::{Error, Result};
