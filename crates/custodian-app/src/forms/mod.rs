//! Filling in a form: saving a page of answers as a draft, and sending the
//! draft as a case.

mod save_page;
mod submit;

pub use save_page::{SavePage, save_page};
pub use submit::{Submit, Submitted, submit};
