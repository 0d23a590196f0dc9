//! Forms as people fill them in, apart from HTTP and storage: reading what
//! was typed into answers or specific errors ([`answers`]), and which page
//! comes next ([`journey`]). The web crate renders the pages; the vault
//! keeps the answers.

pub mod analysis;
pub mod answers;
pub mod journey;

pub use answers::{Entered, FieldError, PageInput, entered_from_stored, read_page};
pub use journey::{Next, Progress};
