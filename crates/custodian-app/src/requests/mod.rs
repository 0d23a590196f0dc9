//! Requests about data under UK GDPR: answering an access request with the
//! person's copy, and erasing at the person's request.

mod access;
mod erasure;

pub use access::{AccessAnswer, answer_access};
pub use erasure::{ErasureAsked, erase_at_their_request};
